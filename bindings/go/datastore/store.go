package datastore

/*
#cgo pkg-config: probestore
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"unsafe"
)

// store owns one libprobestore handle. The handle is thread-safe; the
// read lock is held across every call so that Close waits for them.
type store struct {
	mu     sync.RWMutex
	st     *C.ps_store
	logh   cgo.Handle
	logger Logger
}

// openStore opens the store of cfg with the configuration keys of
// settings ("key", "value", ...) set over the defaults.
func openStore(op string, cfg *StorageConfig, logger Logger, settings ...string) (*store, error) {
	if cfg == nil {
		return nil, newError(op, codeInvalid, "storage config is nil")
	}
	if err := argCheck(op, "ParquetBasePath", cfg.ParquetBasePath, "CompressionCodec", cfg.CompressionCodec); err != nil {
		return nil, err
	}
	if cfg.CompressionCodec != "" {
		settings = append(settings, "storage_config.compression_codec", cfg.CompressionCodec)
	}
	s := &store{logger: logger}
	minLevel := DebugLevel
	if ll, ok := logger.(LevelLogger); ok {
		minLevel = ll.MinLevel()
	}
	if logger != nil {
		s.logh = cgo.NewHandle(logger)
	}
	base := cfg.ParquetBasePath
	if base == "" {
		base = "./data"
	}
	cbase := C.CString(base)
	defer C.free(unsafe.Pointer(cbase))
	kv := make([]*C.char, len(settings))
	for i, v := range settings {
		kv[i] = C.CString(v)
	}
	defer func() {
		for _, p := range kv {
			C.free(unsafe.Pointer(p))
		}
	}()
	var ckv **C.char
	if len(kv) > 0 {
		// kv holds C pointers only, so C may read it during the call.
		ckv = &kv[0]
	}
	var errbuf [1024]C.char
	var st *C.ps_store
	rc := C.gops_store_open(&st, cbase, ckv, C.size_t(len(kv)), C.uintptr_t(s.logh), C.int(minLevel),
		&errbuf[0], C.size_t(len(errbuf)))
	if rc != 0 {
		if s.logh != 0 {
			s.logh.Delete()
		}
		msg := C.GoString(&errbuf[0])
		// Name the Go field rather than the YAML key where they differ.
		msg = strings.Replace(msg, "storage_config.compression_codec", "CompressionCodec", 1)
		return nil, &Error{Op: op, Code: int(rc), Message: msg}
	}
	s.st = st
	runtime.SetFinalizer(s, (*store).close)
	return s, nil
}

// acquire returns the handle under the read lock (released by the caller
// with s.mu.RUnlock), or an error once the store is closed.
func (s *store) acquire(op string) (*C.ps_store, error) {
	s.mu.RLock()
	if s.st == nil {
		s.mu.RUnlock()
		return nil, newError(op, codeInvalid, "the store is closed")
	}
	return s.st, nil
}

func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st != nil {
		C.ps_store_close(s.st)
		s.st = nil
		if s.logh != 0 {
			s.logh.Delete()
			s.logh = 0
		}
	}
	return nil
}

func (s *store) basePath() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.st == nil {
		return ""
	}
	return C.GoString(C.ps_store_base_path(s.st))
}

// cancelToken is a ps_cancel in C memory that a goroutine sets when ctx
// is done, for the store to see between batches and row groups.
type cancelToken struct {
	c    *C.ps_cancel
	stop chan struct{}
	done chan struct{}
}

func watch(ctx context.Context) *cancelToken {
	t := &cancelToken{c: (*C.ps_cancel)(C.calloc(1, C.sizeof_ps_cancel))}
	if t.c == nil {
		panic("probestore: out of memory")
	}
	if ctx.Err() != nil {
		C.ps_cancel_request(t.c)
		return t
	}
	if ctx.Done() == nil {
		return t
	}
	t.stop = make(chan struct{})
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		select {
		case <-ctx.Done():
			C.ps_cancel_request(t.c)
		case <-t.stop:
		}
	}()
	return t
}

// release stops the watcher and frees the token.
func (t *cancelToken) release() {
	if t.stop != nil {
		close(t.stop)
		<-t.done
	}
	C.free(unsafe.Pointer(t.c))
}

func cstr(s string) *C.char {
	return C.CString(s)
}

func cfree(p *C.char) {
	C.free(unsafe.Pointer(p))
}
