package datastore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

// Many goroutines write scans, read them, stream them and store history
// through shared handles at once; every write must be readable afterwards
// and every read must see whole scans.
func TestConcurrentUse(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := ds.NewParquetReader(cfg, nil)
	defer r.Close()
	sr := ds.NewStreamingParquetReader(cfg, nil)
	defer sr.Close()
	h, err := ds.NewParquetFileHistoryStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	const writers, scans, per = 6, 4, 50
	targets := []string{"https://a.example.com", "https://b.example.com", "https://c.example.com"}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for s := 0; s < scans; s++ {
				target := targets[(g+s)%len(targets)]
				if err := w.Write(context.Background(), probes(target[8:], per), fmt.Sprintf("g%d-%d", g, s), target); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				target := targets[(g+i)%len(targets)]
				got, _, err := r.FindAllProbeResultsForTarget(target)
				if err != nil || (len(got) != 0 && len(got) != per) {
					errs <- fmt.Errorf("read %s: %d results, %v", target, len(got), err)
					return
				}
				res, err := r.SearchProbeResults(ds.ProbeResultQuery{RootTargetURL: target, Limit: 5, Offset: 10})
				if err != nil || (res.TotalCount != 0 && (res.TotalCount != per || len(res.Results) != 5)) {
					errs <- fmt.Errorf("search %s: %+v, %v", target, res, err)
					return
				}
				n := 0
				err = sr.StreamProbeResults(context.Background(), target, func(models.ProbeResult) error { n++; return nil })
				if err == nil && n != per {
					errs <- fmt.Errorf("stream %s: %d results", target, n)
					return
				}
			}
		}(g)
	}
	const histWriters, histRecords = 4, 10
	for g := 0; g < histWriters; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < histRecords; i++ {
				rec := models.FileHistoryRecord{URL: "https://a.example.com/app.js", Timestamp: int64(g*1000 + i + 1),
					Hash: fmt.Sprintf("h%d-%d", g, i), Content: []byte(fmt.Sprintf("v %d %d\n", g, i))}
				if err := h.StoreFileRecord(rec); err != nil {
					errs <- err
					return
				}
				if last, err := h.GetLastKnownRecord(rec.URL); err != nil || last == nil {
					errs <- fmt.Errorf("last record: %v, %v", last, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for _, target := range targets {
		dir := target[8:] + "_443"
		total += len(scanFiles(t, cfg.ParquetBasePath, dir))
	}
	if total != writers*scans {
		t.Fatalf("%d scan files, want %d", total, writers*scans)
	}
	recs, err := h.GetRecordsForURL("https://a.example.com/app.js", 0)
	if err != nil || len(recs) != histWriters*histRecords {
		t.Fatalf("%d history records (%v), want %d", len(recs), err, histWriters*histRecords)
	}
}
