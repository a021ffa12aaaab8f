// Package cbaseline does in C alone what the datastore benchmarks do
// through Go (write a scan, stream it), so that `go test -bench` reports
// the Go layer's cost against libprobestore's own in the same run.
package cbaseline

/*
#cgo pkg-config: probestore
#include <stdlib.h>
#include <probestore/probestore.h>

typedef struct baseline {
	ps_store *st;
	ps_probe_set set;
} baseline;

static int count_cb(void *ud, const ps_probe_result *r)
{
	(void)r;
	(*(long long *)ud)++;
	return 0;
}

static int baseline_stream(const char *path, long long *n)
{
	*n = 0;
	return ps_scan_stream(path, count_cb, n, NULL);
}

// Opens the store and reads the target's latest scan into memory, as the
// Go benchmark holds its results before writing them.
static int baseline_open(baseline **out, const char *base, const char *target)
{
	baseline *b = calloc(1, sizeof *b);
	if (!b)
		return PS_ENOMEM;
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = base;
	int rc = ps_store_open(&b->st, &o);
	if (!rc)
		rc = ps_store_latest_results(b->st, target, &b->set);
	if (rc) {
		if (b->st)
			ps_store_close(b->st);
		free(b);
		return rc;
	}
	for (size_t i = 0; i < b->set.n; i++) {
		// As the Go benchmark's results: no scan fields of their own.
		b->set.items[i].url_status = NULL;
		b->set.items[i].root_target_url = NULL;
		b->set.items[i].scan_timestamp_ms = 0;
		b->set.items[i].oldest_scan_timestamp_ms = 0;
	}
	*out = b;
	return 0;
}

// The C calls the Go writer makes: the scan writer fed 1,000 results at a
// time (the Go writer's default batch), then committed.
static int baseline_write(baseline *b, const char *target, size_t *n)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	*n = b->set.n;
	ps_scan_writer *w;
	int rc = ps_scan_writer_open(&w, b->st, &o);
	if (rc)
		return rc;
	for (size_t i = 0; i < b->set.n; i += 1000) {
		size_t k = b->set.n - i < 1000 ? b->set.n - i : 1000;
		if ((rc = ps_scan_writer_add(w, b->set.items + i, k))) {
			ps_scan_writer_abort(w);
			return rc;
		}
	}
	return ps_scan_writer_commit(w, NULL);
}

static void baseline_close(baseline *b)
{
	ps_probe_set_free(&b->set);
	ps_store_close(b->st);
	free(b);
}
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

func lastErr(rc C.int) error {
	if rc == 0 {
		return nil
	}
	return errors.New(C.GoString(C.ps_errmsg()))
}

// Stream streams a scan file in C, counting its results.
func Stream(path string) (int64, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var n C.longlong
	if err := lastErr(C.baseline_stream(cp, &n)); err != nil {
		return 0, err
	}
	return int64(n), nil
}

// Writer holds a target's latest results in C memory.
type Writer struct {
	b *C.baseline
}

// Load reads the latest scan of target in the store at base.
func Load(base, target string) (*Writer, error) {
	cb, ct := C.CString(base), C.CString(target)
	defer C.free(unsafe.Pointer(cb))
	defer C.free(unsafe.Pointer(ct))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var b *C.baseline
	if err := lastErr(C.baseline_open(&b, cb, ct)); err != nil {
		return nil, err
	}
	return &Writer{b: b}, nil
}

// Write writes the results as one scan of target.
func (w *Writer) Write(target string) (int, error) {
	ct := C.CString(target)
	defer C.free(unsafe.Pointer(ct))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var n C.size_t
	if err := lastErr(C.baseline_write(w.b, ct, &n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Close frees the results and the store.
func (w *Writer) Close() {
	C.baseline_close(w.b)
}
