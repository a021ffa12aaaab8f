package datastore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

// cancelAfter is a context that cancels itself the n-th time a writer
// asks it whether it is done, so the write stops mid-way every run.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	n      int32
}

func (c *cancelAfter) Err() error {
	if atomic.AddInt32(&c.n, -1) == 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// entries lists everything under dir (temporary files included).
func entries(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestCanceledWriteLeavesNoFile(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriterBuilder(nil).WithStorageConfig(cfg).
		WithWriterConfig(ds.ParquetWriterConfig{BatchSize: 100, EnableValidation: true}).Build()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rs := probes("example.com", 2000)

	// Canceled before the call.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = w.Write(ctx, rs, "c", "https://example.com")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ds.ErrCanceled) {
		t.Fatalf("a canceled write gave %v", err)
	}
	// Canceled after five batches were handed to the scan writer.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	err = w.Write(&cancelAfter{Context: ctx, cancel: cancel, n: 5}, rs, "c", "https://example.com")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a write canceled mid-way gave %v", err)
	}
	if left := entries(t, filepath.Join(cfg.ParquetBasePath, "probe_results")); len(left) != 0 {
		t.Fatalf("canceled writes left %v", left)
	}
	// Deadline: the error wraps context.DeadlineExceeded.
	dctx, dcancel := context.WithTimeout(context.Background(), 0)
	defer dcancel()
	<-dctx.Done()
	if err := w.Write(dctx, rs, "c", "https://example.com"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an expired write gave %v", err)
	}
	// The writer still works afterwards.
	if err := w.Write(context.Background(), rs, "c", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	if n := len(scanFiles(t, cfg.ParquetBasePath, "example.com_443")); n != 1 {
		t.Fatalf("%d scan files, want 1", n)
	}
}

func TestCanceledStream(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(context.Background(), probes("example.com", 5000), "c", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	sr := ds.NewStreamingParquetReader(cfg, nil)
	defer sr.Close()
	// Canceled from the callback: the store's token stops the stream
	// before the next result.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err = sr.StreamProbeResults(ctx, "https://example.com", func(models.ProbeResult) error {
		n++
		if n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ds.ErrCanceled) {
		t.Fatalf("canceled stream: %v", err)
	}
	// The watcher sets the token asynchronously; it must stop well short of the end.
	if n < 100 || n >= 5000 {
		t.Fatalf("the canceled stream delivered %d of 5000 results", n)
	}
	// Canceled from another goroutine while the stream runs.
	ctx2, cancel2 := context.WithCancel(context.Background())
	started := make(chan struct{})
	var once sync.Once
	var count int64
	done := make(chan error)
	go func() {
		done <- sr.StreamProbeResults(ctx2, "https://example.com", func(models.ProbeResult) error {
			atomic.AddInt64(&count, 1)
			once.Do(func() { close(started) })
			if atomic.LoadInt64(&count) >= 1000 {
				<-ctx2.Done() // hold the stream until the cancellation is in
			}
			return nil
		})
	}()
	<-started
	cancel2()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stream canceled from outside: %v", err)
	}
	if c := atomic.LoadInt64(&count); c >= 5000 {
		t.Fatalf("the stream ran to its end (%d results)", c)
	}
	// A history stream too.
	h, err := ds.NewParquetFileHistoryStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const u = "https://example.com/app.js"
	for i := 0; i < 3; i++ {
		if err := h.StoreFileRecord(models.FileHistoryRecord{URL: u, Timestamp: int64(i + 1), Hash: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	path, _ := h.GetHistoryFilePath(u)
	ctx3, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if err := sr.StreamFileHistory(ctx3, path, func(models.FileHistoryRecord) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled history stream: %v", err)
	}
}
