package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
)

// Error is a failure reported by libprobestore: its PS_E* code and its
// message, which names what failed and where (file, record, field).
type Error struct {
	Op      string // the Go method that failed
	Code    int    // a negative PS_E* code
	Message string
	cause   error // the context's error when a call was canceled
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Message
	}
	return e.Op + ": " + e.Message
}

// Unwrap gives context.Canceled or context.DeadlineExceeded for a call
// stopped by its context.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the sentinels below by code: errors.Is(err, ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Code == e.Code
}

// Error codes of include/probestore/probestore.h.
const (
	codeIO          = -1
	codeNoMem       = -2
	codeInvalid     = -3
	codeCorrupt     = -4
	codeUnsupported = -5
	codeLimit       = -6
	codeCanceled    = -8
	codeNotFound    = -9
	codeConfig      = -10
	codeConflict    = -11
)

func codeName(code int) string {
	switch code {
	case codeIO:
		return "I/O error"
	case codeNoMem:
		return "out of memory"
	case codeInvalid:
		return "invalid argument"
	case codeCorrupt:
		return "corrupt file"
	case codeUnsupported:
		return "unsupported"
	case codeLimit:
		return "limit exceeded"
	case codeCanceled:
		return "canceled"
	case codeNotFound:
		return "not found"
	case codeConfig:
		return "bad configuration"
	case codeConflict:
		return "changed by another writer"
	}
	return fmt.Sprintf("error %d", code)
}

// Sentinels for errors.Is.
var (
	ErrIO       = &Error{Code: codeIO, Message: codeName(codeIO)}
	ErrInvalid  = &Error{Code: codeInvalid, Message: codeName(codeInvalid)}
	ErrCorrupt  = &Error{Code: codeCorrupt, Message: codeName(codeCorrupt)}
	ErrCanceled = &Error{Code: codeCanceled, Message: codeName(codeCanceled)}
	ErrNotFound = &Error{Code: codeNotFound, Message: codeName(codeNotFound)}
	ErrConfig   = &Error{Code: codeConfig, Message: codeName(codeConfig)}
)

// lastError turns rc into an error with the calling thread's message. The
// caller holds its OS thread (runtime.LockOSThread) from the C call to
// here, since libprobestore keeps the message per thread.
func lastError(op string, rc C.int) error {
	if rc >= 0 {
		return nil
	}
	return &Error{Op: op, Code: int(rc), Message: C.GoString(C.ps_errmsg())}
}

// call runs one C call on a locked thread and returns its error.
func call(op string, f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return lastError(op, f())
}

// withContext marks a canceled call's error with the context's error.
func withContext(ctx context.Context, err error) error {
	if e, ok := err.(*Error); ok && e.Code == codeCanceled && ctx.Err() != nil {
		e.cause = ctx.Err()
	}
	return err
}

func newError(op string, code int, format string, args ...interface{}) error {
	return &Error{Op: op, Code: code, Message: fmt.Sprintf(format, args...)}
}
