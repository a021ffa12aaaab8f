package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"unsafe"
)

// URLHashGenerator names history files: the first hex digits of SHA-256
// of a URL, exactly as given.
type URLHashGenerator struct {
	hashLength int
}

// NewURLHashGenerator makes a generator of hashLength hex digits (16 when
// outside 1..64, as in the Go datastore whose
// behaviour probestore implements; the store's files use 8).
func NewURLHashGenerator(hashLength int) *URLHashGenerator {
	if hashLength <= 0 || hashLength > 64 {
		hashLength = 16
	}
	return &URLHashGenerator{hashLength: hashLength}
}

// GenerateHash returns the hash of url (ps_url_hash).
func (g *URLHashGenerator) GenerateHash(url string) string {
	if strings.IndexByte(url, 0) >= 0 {
		// C would hash the bytes before the NUL; hash all of them.
		sum := sha256.Sum256([]byte(url))
		return hex.EncodeToString(sum[:])[:g.hashLength]
	}
	var buf [65]C.char
	cu := C.CString(url)
	defer C.free(unsafe.Pointer(cu))
	if C.ps_url_hash(cu, C.int(g.hashLength), &buf[0]) != 0 {
		// Only a failing digest gets here; nothing to name a file by.
		return ""
	}
	return C.GoString(&buf[0])
}

// URLMutexManager hands out one mutex per URL, so that goroutines working
// on one URL take turns. It is Go's own: libprobestore's manager
// (ps_urlmutex_*) ties a lock to the OS thread that took it, and a
// goroutine may move between threads, so it cannot lock a mutex handed to
// Go code. The store's own writes do not need it: libprobestore already
// serialises the writers of one URL.
type URLMutexManager struct {
	mu      sync.Mutex
	mutexes map[string]*sync.Mutex
	enabled bool
	logger  Logger
}

// NewURLMutexManager makes a manager; a disabled one hands out a new
// mutex on every call (no locking between callers).
func NewURLMutexManager(enabled bool, logger Logger) *URLMutexManager {
	return &URLMutexManager{mutexes: make(map[string]*sync.Mutex), enabled: enabled, logger: logger}
}

// GetMutex returns url's mutex, created on first use.
func (m *URLMutexManager) GetMutex(url string) *sync.Mutex {
	if !m.enabled {
		return &sync.Mutex{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.mutexes[url]
	if !ok {
		mu = &sync.Mutex{}
		m.mutexes[url] = mu
	}
	return mu
}

// CleanupUnusedMutexes forgets the mutexes of URLs not in activeURLs. A
// caller still holding a forgotten mutex keeps it; the next GetMutex of
// that URL makes a new one, so drop a URL only once nobody uses it.
func (m *URLMutexManager) CleanupUnusedMutexes(activeURLs []string) {
	if !m.enabled {
		return
	}
	active := make(map[string]struct{}, len(activeURLs))
	for _, u := range activeURLs {
		active[u] = struct{}{}
	}
	m.mu.Lock()
	removed := 0
	for u := range m.mutexes {
		if _, ok := active[u]; !ok {
			delete(m.mutexes, u)
			removed++
		}
	}
	left := len(m.mutexes)
	m.mu.Unlock()
	logTo(m.logger, DebugLevel, "Cleaned up unused URL mutexes", map[string]interface{}{"removed": removed, "active_mutexes": left})
}

// Count is the number of URLs with a mutex.
func (m *URLMutexManager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mutexes)
}
