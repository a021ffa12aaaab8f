package datastore_test

import (
	"context"
	"testing"

	ds "probestore/bindings/go/datastore"
)

type warnLogger struct{ recLogger }

func (*warnLogger) MinLevel() ds.Level { return ds.WarnLevel }

// libprobestore's events reach a LoggerFunc with typed fields; a
// LevelLogger's minimum level keeps the others from being built.
func TestLoggers(t *testing.T) {
	type event struct {
		level  ds.Level
		msg    string
		fields map[string]interface{}
	}
	var got []event
	lf := ds.LoggerFunc(func(l ds.Level, msg string, f map[string]interface{}) { got = append(got, event{l, msg, f}) })
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, lf)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.WriteWithResult(context.Background(), probes("example.com", 4), "s", "https://example.com")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range got {
		if e.msg == "scan written" {
			found = true
			if e.level != ds.InfoLevel || e.fields["path"] != res.FilePath || e.fields["records"] != int64(4) ||
				e.fields["new"] != int64(4) || e.fields["bytes"] != res.FileSize {
				t.Fatalf("scan written: %+v (result %+v)", e, res)
			}
		}
	}
	if !found {
		t.Fatalf("no scan written event in %+v", got)
	}
	if ds.InfoLevel.String() != "info" || ds.Level(3) != ds.ErrorLevel {
		t.Fatal("levels are zerolog's and libprobestore's")
	}

	wl := &warnLogger{}
	w2, err := ds.NewParquetWriter(cfg, wl)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Write(context.Background(), probes("example.com", 4), "s", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	if len(wl.events) != 0 {
		t.Fatalf("a warn-level logger received %+v", wl.events)
	}
	// A panicking logger loses its event, not the write.
	w3, err := ds.NewParquetWriter(cfg, ds.LoggerFunc(func(ds.Level, string, map[string]interface{}) { panic("logger") }))
	if err != nil {
		t.Fatal(err)
	}
	defer w3.Close()
	if err := w3.Write(context.Background(), probes("example.com", 2), "s", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	if n := len(scanFiles(t, cfg.ParquetBasePath, "example.com_443")); n != 3 {
		t.Fatalf("%d scans, want 3", n)
	}
}

func TestDefaults(t *testing.T) {
	if c := ds.DefaultParquetWriterConfig(); c != (ds.ParquetWriterConfig{CompressionType: "zstd", BatchSize: 1000, EnableValidation: true}) {
		t.Fatalf("writer default %+v", c)
	}
	if c := ds.DefaultParquetFileHistoryStoreConfig(); c.MaxFileSize != 100<<20 || !c.EnableCompression {
		t.Fatalf("history default %+v", c)
	}
	cfg := storage(t)
	r, err := ds.NewParquetReaderBuilder(nil).WithStorageConfig(cfg).WithReaderConfig(ds.DefaultParquetReaderConfig()).Build()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := ds.NewParquetReaderBuilder(nil).Build(); err == nil {
		t.Fatal("a reader without storage config built")
	}
}
