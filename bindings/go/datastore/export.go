package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"

	"probestore/bindings/go/models"
)

// The functions libprobestore calls back through shim.c. The user data is
// a cgo.Handle; a panic in the caller's function is caught here (it must
// not unwind through C frames) and raised again once the C call returns.

//export gopsLog
func gopsLog(h C.uintptr_t, level C.int, msg *C.char, fields *C.ps_log_field, n C.size_t) {
	l, ok := cgo.Handle(h).Value().(Logger)
	if !ok {
		return
	}
	var m map[string]interface{}
	if n > 0 {
		m = make(map[string]interface{}, int(n))
		for _, f := range unsafe.Slice(fields, int(n)) {
			key := gostr(f.key)
			switch f._type {
			case C.PS_LOG_FIELD_STR:
				if s := C.gops_field_str(&f); s != nil {
					m[key] = C.GoString(s)
				} else {
					m[key] = nil
				}
			case C.PS_LOG_FIELD_INT:
				m[key] = int64(C.gops_field_int(&f))
			case C.PS_LOG_FIELD_UINT:
				m[key] = uint64(C.gops_field_uint(&f))
			case C.PS_LOG_FIELD_DOUBLE:
				m[key] = float64(C.gops_field_double(&f))
			case C.PS_LOG_FIELD_BOOL:
				m[key] = C.gops_field_bool(&f) != 0
			}
		}
	}
	// A logger that panics loses its event, not the process (a panic
	// must not unwind through C frames).
	defer func() { _ = recover() }()
	l.Log(Level(level), C.GoString(msg), m)
}

// streamState is what a stream's callback needs and what it leaves.
type streamState struct {
	probeFn   func(models.ProbeResult) error
	historyFn func(models.FileHistoryRecord) error
	err       error
	panicked  bool
	panicVal  interface{}
	gather    strGather // scratch of probeFromC, reused per result
}

func (s *streamState) rethrow() {
	if s.panicked {
		panic(s.panicVal)
	}
}

//export gopsProbe
func gopsProbe(h C.uintptr_t, r *C.ps_probe_result) (rc C.int) {
	s := cgo.Handle(h).Value().(*streamState)
	defer func() {
		if p := recover(); p != nil {
			s.panicked, s.panicVal, rc = true, p, 1
		}
	}()
	if err := s.probeFn(probeFromC(r, &s.gather)); err != nil {
		s.err = err
		return 1
	}
	return 0
}

//export gopsHistory
func gopsHistory(h C.uintptr_t, r *C.ps_history_record) (rc C.int) {
	s := cgo.Handle(h).Value().(*streamState)
	defer func() {
		if p := recover(); p != nil {
			s.panicked, s.panicVal, rc = true, p, 1
		}
	}()
	if err := s.historyFn(historyFromC(r)); err != nil {
		s.err = err
		return 1
	}
	return 0
}

// callbackError is the error of a stream stopped by its function.
func callbackError(err error) error {
	return fmt.Errorf("callback error during streaming: %w", err)
}
