package datastore_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/internal/cbaseline"
	"probestore/bindings/go/models"
)

const benchResults = 100000

// cpuTime is the process's user and system time: on a machine shared with
// other work it varies far less than the elapsed time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds the elapsed and the CPU time per result.
func report(b *testing.B, start time.Time, cpu0 time.Duration) {
	n := float64(b.N * benchResults)
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/n, "ns/result")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/n, "cpu-ns/result")
}

// BenchmarkWrite writes one scan of 100,000 results (zstd, validation on)
// per iteration.
func BenchmarkWrite(b *testing.B) {
	cfg := storage(b)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	rs := probes("bench.example.com", benchResults)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		if err := w.Write(context.Background(), rs, "bench", "https://bench.example.com"); err != nil {
			b.Fatal(err)
		}
	}
	report(b, start, cpu0)
}

// BenchmarkStreamProbeResults streams a target's scan of 100,000 results
// into Go values per iteration.
func BenchmarkStreamProbeResults(b *testing.B) {
	cfg := storage(b)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(context.Background(), probes("bench.example.com", benchResults), "bench", "https://bench.example.com"); err != nil {
		b.Fatal(err)
	}
	sr := ds.NewStreamingParquetReader(cfg, nil)
	defer sr.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		n := 0
		err := sr.StreamProbeResults(context.Background(), "https://bench.example.com", func(models.ProbeResult) error { n++; return nil })
		if err != nil || n != benchResults {
			b.Fatalf("%d results: %v", n, err)
		}
	}
	report(b, start, cpu0)
}

// BenchmarkFindAllProbeResultsForTarget reads the same scan at once.
func BenchmarkFindAllProbeResultsForTarget(b *testing.B) {
	cfg := storage(b)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(context.Background(), probes("bench.example.com", benchResults), "bench", "https://bench.example.com"); err != nil {
		b.Fatal(err)
	}
	r := ds.NewParquetReader(cfg, nil)
	defer r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		got, _, err := r.FindAllProbeResultsForTarget("https://bench.example.com")
		if err != nil || len(got) != benchResults {
			b.Fatalf("%d results: %v", len(got), err)
		}
	}
	report(b, start, cpu0)
}

// The same in C alone (internal/cbaseline): libprobestore's own cost, for
// the ratio of the Go layer.
func BenchmarkCWrite(b *testing.B) {
	cfg := storage(b)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(context.Background(), probes("bench.example.com", benchResults), "bench", "https://bench.example.com"); err != nil {
		b.Fatal(err)
	}
	cw, err := cbaseline.Load(cfg.ParquetBasePath, "https://bench.example.com")
	if err != nil {
		b.Fatal(err)
	}
	defer cw.Close()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		if n, err := cw.Write("https://c.example.com"); err != nil || n != benchResults {
			b.Fatalf("%d results: %v", n, err)
		}
	}
	report(b, start, cpu0)
}

func BenchmarkCStream(b *testing.B) {
	cfg := storage(b)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	res, err := w.WriteWithResult(context.Background(), probes("bench.example.com", benchResults), "bench", "https://bench.example.com")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		if n, err := cbaseline.Stream(res.FilePath); err != nil || n != benchResults {
			b.Fatalf("%d results: %v", n, err)
		}
	}
	report(b, start, cpu0)
}
