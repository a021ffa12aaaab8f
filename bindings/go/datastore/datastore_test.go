package datastore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

// Write a batch of probe results for a target and session, then read all
// results of the target (the README's first two examples).
func TestWriteAndFindAll(t *testing.T) {
	cfg := storage(t)
	lg := &recLogger{}
	w, err := ds.NewParquetWriter(cfg, lg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	first := probes("example.com", 3)
	before := time.Now().Add(-time.Second)
	if err := w.Write(context.Background(), first, "scan-20240101-120000", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	files := scanFiles(t, cfg.ParquetBasePath, "example.com_443")
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "scan_") {
		t.Fatalf("scan files %v, want one scan_*.parquet", files)
	}
	// libprobestore's own event reached the Go logger with its fields.
	ev, ok := lg.find("scan written")
	if !ok || ev.level != ds.InfoLevel || ev.fields["records"] != int64(3) || ev.fields["path"] != files[0] {
		t.Fatalf("scan written event: %+v (found %v)", ev, ok)
	}
	if _, ok := lg.find("Successfully wrote probe results to Parquet file"); !ok {
		t.Fatal("the writer's own event was not logged")
	}

	r := ds.NewParquetReader(cfg, nil)
	defer r.Close()
	got, last, err := r.FindAllProbeResultsForTarget("https://example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d results, want 3", len(got))
	}
	if last.Before(before) || last.After(time.Now().Add(time.Second)) {
		t.Fatalf("last modified %v is not the scan's time", last)
	}
	for i := range got {
		sameProbe(t, got[i], first[i])
		if got[i].URLStatus != "new" || !got[i].ScanTimestamp.Equal(last) || !got[i].OldestScanTimestamp.Equal(last) {
			t.Fatalf("result %d: status %q, scan %v, first seen %v (scan %v)", i, got[i].URLStatus, got[i].ScanTimestamp, got[i].OldestScanTimestamp, last)
		}
		if got[i].RootTargetURL != "https://example.com" {
			t.Fatalf("root target %q", got[i].RootTargetURL)
		}
	}

	// A second scan: one URL gone, one new; the read gives the latest scan.
	second := append(probes("example.com", 2), probe("example.com", 7))
	if err := w.Write(context.Background(), second, "scan-2", "example.com"); err != nil {
		t.Fatal(err)
	}
	got, last2, err := r.FindAllProbeResultsForTarget("example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !last2.After(last) && !last2.Equal(last) {
		t.Fatalf("%d results at %v after %v", len(got), last2, last)
	}
	want := map[string]string{first[0].InputURL: "existing", first[1].InputURL: "existing", second[2].InputURL: "new"}
	for _, p := range got {
		if want[p.InputURL] != p.URLStatus {
			t.Fatalf("%s: status %q, want %q", p.InputURL, p.URLStatus, want[p.InputURL])
		}
		if p.URLStatus == "existing" && !p.OldestScanTimestamp.Equal(last) {
			t.Fatalf("%s: first seen %v, want the first scan's %v", p.InputURL, p.OldestScanTimestamp, last)
		}
	}
}

func TestFindAllUnknownTarget(t *testing.T) {
	r := ds.NewParquetReader(storage(t), nil)
	defer r.Close()
	got, last, err := r.FindAllProbeResultsForTarget("https://never.example")
	if err != nil || got == nil || len(got) != 0 || !last.IsZero() {
		t.Fatalf("got %v, %v, %v; want no results, zero time, no error", got, last, err)
	}
	if _, _, err := r.FindAllProbeResultsForTarget("ftp://bad target"); err == nil || !errors.Is(err, ds.ErrInvalid) {
		t.Fatalf("a bad target gave %v, want an invalid-argument error", err)
	}
}

func TestReaderOnBadStore(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := ds.NewParquetReader(&ds.StorageConfig{ParquetBasePath: filepath.Join(file, "data")}, nil)
	if _, _, err := r.FindAllProbeResultsForTarget("example.com"); err == nil {
		t.Fatal("a store under a regular file opened")
	}
	if _, err := ds.NewParquetWriter(&ds.StorageConfig{ParquetBasePath: t.TempDir(), CompressionCodec: "lzma"}, nil); err == nil ||
		!errors.Is(err, ds.ErrConfig) || !strings.Contains(err.Error(), "lzma") {
		t.Fatalf("codec lzma gave %v", err)
	}
	if _, err := ds.NewParquetWriter(nil, nil); err == nil {
		t.Fatal("a nil storage config was accepted")
	}
}

// Search with limit, offset and the total count.
func TestSearchProbeResults(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	all := probes("shop.example.com", 25)
	if err := w.Write(context.Background(), all, "s", "https://shop.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), probes("api.example.com", 4), "s", "https://api.example.com"); err != nil {
		t.Fatal(err)
	}
	r := ds.NewParquetReader(cfg, nil)
	defer r.Close()
	res, err := r.SearchProbeResults(ds.ProbeResultQuery{RootTargetURL: "https://shop.example.com", Limit: 10, Offset: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalCount != 25 || len(res.Results) != 5 {
		t.Fatalf("total %d, %d results; want 25, 5", res.TotalCount, len(res.Results))
	}
	for i, p := range res.Results {
		sameProbe(t, p, all[20+i])
	}
	if res.LastModified.IsZero() || !strings.HasSuffix(res.FilePath, ".parquet") {
		t.Fatalf("last modified %v, file %q", res.LastModified, res.FilePath)
	}
	res, err = r.SearchProbeResults(ds.ProbeResultQuery{RootTargetURL: "https://shop.example.com", Limit: 100})
	if err != nil || res.TotalCount != 25 || len(res.Results) != 25 {
		t.Fatalf("limit 100: %v, %+v", err, res)
	}
	// Every target.
	res, err = r.SearchProbeResults(ds.ProbeResultQuery{Limit: 3})
	if err != nil || res.TotalCount != 29 || len(res.Results) != 3 {
		t.Fatalf("every target: %v, total %d, %d results", err, res.TotalCount, len(res.Results))
	}
	res, err = r.SearchProbeResults(ds.ProbeResultQuery{RootTargetURL: "https://none.example.com"})
	if err != nil || res.TotalCount != 0 || len(res.Results) != 0 {
		t.Fatalf("unknown target: %v, %+v", err, res)
	}
	if _, err := r.SearchProbeResults(ds.ProbeResultQuery{Limit: -1}); !errors.Is(err, ds.ErrInvalid) {
		t.Fatalf("negative limit: %v", err)
	}
}

// Stream a target's results; count the records of a file.
func TestStreamAndCount(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	old := probes("example.com", 5)
	if err := w.Write(context.Background(), old, "s1", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	all := probes("example.com", 1500)
	if err := w.Write(context.Background(), all, "s2", "https://example.com"); err != nil {
		t.Fatal(err)
	}
	sr := ds.NewStreamingParquetReader(cfg, nil)
	defer sr.Close()
	n := 0
	err = sr.StreamProbeResults(context.Background(), "https://example.com", func(p models.ProbeResult) error {
		sameProbe(t, p, all[n])
		n++
		return nil
	})
	if err != nil || n != len(all) {
		t.Fatalf("streamed %d of %d: %v", n, len(all), err)
	}
	// The callback's error stops the stream and comes back.
	stop := errors.New("enough")
	n = 0
	err = sr.StreamProbeResults(context.Background(), "https://example.com", func(models.ProbeResult) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("stopped after %d: %v", n, err)
	}
	// A panic in the callback reaches the caller (not through C frames).
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want boom", p)
			}
		}()
		_ = sr.StreamProbeResults(context.Background(), "https://example.com", func(models.ProbeResult) error { panic("boom") })
		t.Fatal("the panic was lost")
	}()
	if err := sr.StreamProbeResults(context.Background(), "https://nothing.example.com", func(models.ProbeResult) error { return nil }); !errors.Is(err, ds.ErrNotFound) {
		t.Fatalf("unknown target: %v", err)
	}

	files := scanFiles(t, cfg.ParquetBasePath, "example.com_443")
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	for i, want := range []int64{5, 1500} {
		got, err := sr.CountRecords(context.Background(), files[i])
		if err != nil || got != want {
			t.Fatalf("%s: %d records (%v), want %d", files[i], got, err, want)
		}
	}
	if _, err := sr.CountRecords(context.Background(), filepath.Join(cfg.ParquetBasePath, "missing.parquet")); !errors.Is(err, ds.ErrIO) && !errors.Is(err, ds.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	notParquet := filepath.Join(t.TempDir(), "x.parquet")
	os.WriteFile(notParquet, []byte("PAR1 this is not parquet PAR1"), 0o644)
	if _, err := sr.CountRecords(context.Background(), notParquet); err == nil || !strings.Contains(err.Error(), notParquet) {
		t.Fatalf("not parquet: %v", err)
	}
}

func TestBatchProcessor(t *testing.T) {
	var batches [][]string
	bp := ds.NewBatchProcessor(3, func(batch []models.ProbeResult) error {
		var urls []string
		for _, p := range batch {
			urls = append(urls, p.InputURL)
		}
		batches = append(batches, urls)
		return nil
	})
	for i := 0; i < 7; i++ {
		if err := bp.Add(probe("b.example", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(batches) != 2 || bp.Pending() != 1 {
		t.Fatalf("%d batches, %d pending; want 2, 1", len(batches), bp.Pending())
	}
	if err := bp.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := bp.Flush(); err != nil || len(batches) != 3 {
		t.Fatalf("an empty flush called the function (%d batches)", len(batches))
	}
	want := "[[https://b.example/path/0 https://b.example/path/1 https://b.example/path/2] [https://b.example/path/3 https://b.example/path/4 https://b.example/path/5] [https://b.example/path/6]]"
	if fmt.Sprint(batches) != want {
		t.Fatalf("batches %v", batches)
	}
	failing := errors.New("sink full")
	bp = ds.NewBatchProcessor(2, func([]models.ProbeResult) error { return failing })
	if err := bp.Add(probe("b.example", 0)); err != nil {
		t.Fatal(err)
	}
	if err := bp.Add(probe("b.example", 1)); err != failing {
		t.Fatalf("Add gave %v, want the function's error", err)
	}
	// The batch processor feeds the writer, as in the use of the Go datastore
	// whose behaviour probestore implements.
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var mu sync.Mutex
	written := 0
	bp = ds.NewBatchProcessor(0, func(b []models.ProbeResult) error {
		mu.Lock()
		defer mu.Unlock()
		written += len(b)
		return w.Write(context.Background(), b, "batch", "https://b.example")
	})
	for i := 0; i < 2500; i++ {
		if err := bp.Add(probe("b.example", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bp.Flush(); err != nil || written != 2500 || len(scanFiles(t, cfg.ParquetBasePath, "b.example_443")) != 3 {
		t.Fatalf("%v: %d written in %d scans", err, written, len(scanFiles(t, cfg.ParquetBasePath, "b.example_443")))
	}
}

func diffJSON(t testing.TB, d models.ContentDiffResult) *string {
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return &s
}

func TestFileHistory(t *testing.T) {
	cfg := storage(t)
	h, err := ds.NewParquetFileHistoryStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const u = "https://example.com/api/data.json"
	rec, err := h.GetLastKnownRecord(u)
	if rec != nil || err != nil {
		t.Fatalf("no record yet: got %v, %v; want nil, nil", rec, err)
	}
	if hash, err := h.GetLastKnownHash(u); hash != "" || err != nil {
		t.Fatalf("no hash yet: %q, %v", hash, err)
	}
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).UnixMilli()
	var stored []models.FileHistoryRecord
	for i := 0; i < 4; i++ {
		content := []byte(fmt.Sprintf("{\"version\": %d}\n", i))
		sum := sha256.Sum256(content)
		r := models.FileHistoryRecord{
			URL: u, Timestamp: base + int64(i)*60000, Hash: hex.EncodeToString(sum[:]),
			ContentType: "application/json", Content: content, ETag: fmt.Sprintf("W/\"v%d\"", i),
			LastModified: "Wed, 21 Oct 2015 07:28:00 GMT",
		}
		if i > 0 {
			r.DiffResultJSON = diffJSON(t, models.ContentDiffResult{
				Timestamp: r.Timestamp, ContentType: "application/json",
				Diffs: []models.ContentDiff{{Operation: models.DiffDelete, Text: string(stored[i-1].Content)},
					{Operation: models.DiffInsert, Text: string(content)}},
				LinesAdded: 1, LinesDeleted: 1, LinesChanged: 1, OldHash: stored[i-1].Hash, NewHash: r.Hash,
			})
			paths := fmt.Sprintf(`[{"source_url":%q,"extracted_raw_path":"/v%d","extracted_absolute_url":"https://example.com/v%d","context":"JS:string_literal","type":"js_string","discovery_timestamp":"2025-03-01T09:00:00Z"}]`, u, i, i)
			r.ExtractedPathsJSON = &paths
		}
		if err := h.StoreFileRecord(r); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, r)
	}
	// A duplicate (URL, hash, timestamp) is skipped without an error.
	if err := h.StoreFileRecord(stored[3]); err != nil {
		t.Fatal(err)
	}
	last, err := h.GetLastKnownRecord(u)
	if err != nil || last == nil {
		t.Fatalf("last: %v, %v", last, err)
	}
	if last.Hash != stored[3].Hash || string(last.Content) != string(stored[3].Content) || last.ETag != stored[3].ETag ||
		last.Timestamp != stored[3].Timestamp || last.ContentType != "application/json" || *last.DiffResultJSON != *stored[3].DiffResultJSON {
		t.Fatalf("last record %+v, want %+v", last, stored[3])
	}
	if hash, err := h.GetLastKnownHash(u); err != nil || hash != stored[3].Hash {
		t.Fatalf("last hash %q, %v", hash, err)
	}
	recs, err := h.GetRecordsForURL(u, 2)
	if err != nil || len(recs) != 2 || recs[0].Timestamp != stored[3].Timestamp || recs[1].Timestamp != stored[2].Timestamp {
		t.Fatalf("records with limit 2: %v, %v", recs, err)
	}
	recs, err = h.GetRecordsForURL(u, 0)
	if err != nil || len(recs) != 4 || recs[3].DiffResultJSON != nil || string(recs[3].Content) != string(stored[0].Content) {
		t.Fatalf("all records: %d, %v", len(recs), err)
	}
	if recs, err := h.GetRecordsForURL("https://example.com/none", 5); err != nil || len(recs) != 0 {
		t.Fatalf("unknown URL: %v, %v", recs, err)
	}
	if err := h.StoreFileRecord(models.FileHistoryRecord{URL: "http://other.example:8080/app.js", Hash: "abc", Content: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := h.StoreFileRecord(models.FileHistoryRecord{URL: "http://example.com:8080/app.js", Hash: "abc", Content: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	hosts, err := h.GetHostnamesWithHistory()
	if err != nil || fmt.Sprint(hosts) != "[example.com other.example]" {
		t.Fatalf("host names %v, %v", hosts, err)
	}
	hosts, err = h.GetHostPortsWithHistory()
	if err != nil || fmt.Sprint(hosts) != "[example.com:443 example.com:8080 other.example:8080]" {
		t.Fatalf("hosts %v, %v", hosts, err)
	}
	diffs, err := h.GetAllLatestDiffResultsForURLs([]string{u, "http://other.example:8080/app.js", "https://example.com/none"})
	if err != nil || len(diffs) != 1 {
		t.Fatalf("latest diffs: %v, %v", diffs, err)
	}
	d := diffs[u]
	if d == nil || d.Timestamp != stored[3].Timestamp || d.NewHash != stored[3].Hash || d.OldHash != stored[2].Hash ||
		len(d.Diffs) != 2 || d.Diffs[1].Operation != models.DiffInsert || d.Diffs[1].Text != string(stored[3].Content) ||
		d.LinesAdded != 1 || len(d.ExtractedPaths) != 1 || d.ExtractedPaths[0].ExtractedRawPath != "/v3" ||
		!d.ExtractedPaths[0].DiscoveryTimestamp.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("latest diff of %s: %+v", u, d)
	}
	if _, err := h.GetAllLatestDiffResultsForURLs([]string{u, "not a url"}); err == nil || !strings.Contains(err.Error(), "not a url") {
		t.Fatalf("a bad URL gave %v", err)
	}
	withDiff, err := h.GetAllRecordsWithDiff()
	if err != nil || len(withDiff) != 3 {
		t.Fatalf("records with diff: %d, %v", len(withDiff), err)
	}
	// The file streams and counts.
	path, err := h.GetHistoryFilePath(u)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != ds.NewURLHashGenerator(8).GenerateHash(u)+".parquet" {
		t.Fatalf("history file %s", path)
	}
	sr := ds.NewStreamingParquetReader(cfg, nil)
	defer sr.Close()
	var seen []int64
	if err := sr.StreamFileHistory(context.Background(), path, func(r models.FileHistoryRecord) error {
		seen = append(seen, r.Timestamp)
		return nil
	}); err != nil || len(seen) != 4 || seen[0] != stored[0].Timestamp {
		t.Fatalf("streamed %v, %v", seen, err)
	}
	if n, err := sr.CountRecords(context.Background(), path); err != nil || n != 4 {
		t.Fatalf("history file count %d, %v", n, err)
	}
	if err := h.StoreFileRecord(models.FileHistoryRecord{URL: u, Hash: "a\x00b"}); !errors.Is(err, ds.ErrInvalid) || !strings.Contains(err.Error(), "Hash contains a NUL") {
		t.Fatalf("a NUL in the hash gave %v", err)
	}
	if rec, err := h.GetLastKnownRecord(u + "\x00x"); rec != nil || !errors.Is(err, ds.ErrInvalid) {
		t.Fatalf("a URL with a NUL gave %v, %v", rec, err)
	}
	if _, err := h.GetAllLatestDiffResultsForURLs([]string{u, u + "\x00"}); !errors.Is(err, ds.ErrInvalid) || !strings.Contains(err.Error(), "urls[1]") {
		t.Fatalf("a URL list with a NUL gave %v", err)
	}
	// Bad records are refused with a message naming the field.
	if err := h.StoreFileRecord(models.FileHistoryRecord{URL: "", Hash: "x"}); err == nil || !errors.Is(err, ds.ErrInvalid) {
		t.Fatalf("an empty URL gave %v", err)
	}
}

func TestHistoryConfig(t *testing.T) {
	cfg := storage(t)
	hc := ds.DefaultParquetFileHistoryStoreConfig()
	hc.MaxFileSize = 4096
	h, err := ds.NewParquetFileHistoryStoreBuilder(nil).WithStorageConfig(cfg).WithConfig(hc).Build()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const u = "https://example.com/big.js"
	for i := 0; i < 4; i++ {
		// lines that differ, so that four versions pass 4096 bytes compressed
		var sb strings.Builder
		for k := 0; k < 200; k++ {
			fmt.Fprintf(&sb, "line %d of bundle %d: %08x\n", k, i, uint32(k*2654435761+i*40503))
		}
		content := []byte(sb.String())
		if err := h.StoreFileRecord(models.FileHistoryRecord{URL: u, Timestamp: int64(1000 + i), Hash: fmt.Sprint(i), Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	archived, _ := filepath.Glob(filepath.Join(cfg.ParquetBasePath, "file_history", "example.com_443", "archive", "*.parquet"))
	if len(archived) == 0 {
		t.Fatal("MaxFileSize 4096 archived nothing")
	}
	recs, err := h.GetRecordsForURL(u, 0)
	if err != nil || len(recs) != 4 || recs[0].Hash != "3" {
		t.Fatalf("records across the archive: %d, %v", len(recs), err)
	}
	hc.MaxFileSize = -1
	if _, err := ds.NewParquetFileHistoryStoreBuilder(nil).WithStorageConfig(cfg).WithConfig(hc).Build(); !errors.Is(err, ds.ErrConfig) {
		t.Fatalf("negative size: %v", err)
	}
}

// CompressionCodec, EnableURLMutexes and CleanupInterval reach the store:
// history files take the codec (an uncompressed file of a repetitive
// bundle is several times the size of a zstd one), a codec the store does
// not know and a negative interval are refused.
func TestHistoryCodecAndMutexes(t *testing.T) {
	content := []byte(strings.Repeat("function f(a, b) { return a * 31 + b; }\n", 2000))
	size := func(hc ds.ParquetFileHistoryStoreConfig) int64 {
		cfg := storage(t)
		h, err := ds.NewParquetFileHistoryStoreBuilder(nil).WithStorageConfig(cfg).WithConfig(hc).Build()
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		const u = "https://example.com/app.js"
		for i := 0; i < 3; i++ {
			if err := h.StoreFileRecord(models.FileHistoryRecord{URL: u, Timestamp: int64(1000 + i), Hash: fmt.Sprint(i), Content: content}); err != nil {
				t.Fatal(err)
			}
		}
		if rec, err := h.GetLastKnownRecord(u); err != nil || rec == nil || rec.Hash != "2" {
			t.Fatalf("last record: %v, %v", rec, err)
		}
		files, _ := filepath.Glob(filepath.Join(cfg.ParquetBasePath, "file_history", "example.com_443", "*.parquet"))
		if len(files) != 1 {
			t.Fatalf("history files: %v", files)
		}
		st, err := os.Stat(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	hc := ds.DefaultParquetFileHistoryStoreConfig()
	zstd := size(hc)
	hc.CompressionCodec = "none"
	none := size(hc)
	if none < 5*zstd {
		t.Fatalf("CompressionCodec none: %d bytes, zstd %d: the codec was not applied", none, zstd)
	}
	hc = ds.DefaultParquetFileHistoryStoreConfig()
	hc.EnableURLMutexes = false
	hc.CleanupInterval = 0
	if s := size(hc); s != zstd {
		t.Fatalf("without URL mutexes the file is %d bytes, %d with", s, zstd)
	}
	hc.CompressionCodec = "lzma"
	if _, err := ds.NewParquetFileHistoryStoreBuilder(nil).WithStorageConfig(storage(t)).WithConfig(hc).Build(); !errors.Is(err, ds.ErrConfig) {
		t.Fatalf("unknown codec: %v", err)
	}
	hc = ds.DefaultParquetFileHistoryStoreConfig()
	hc.CleanupInterval = -1
	if _, err := ds.NewParquetFileHistoryStoreBuilder(nil).WithStorageConfig(storage(t)).WithConfig(hc).Build(); !errors.Is(err, ds.ErrConfig) {
		t.Fatalf("negative cleanup interval: %v", err)
	}
	rc := ds.DefaultParquetReaderConfig()
	rc.BufferSize = -1
	if _, err := ds.NewParquetReaderBuilder(nil).WithStorageConfig(storage(t)).WithReaderConfig(rc).Build(); !errors.Is(err, ds.ErrConfig) {
		t.Fatalf("negative buffer size: %v", err)
	}
	rc = ds.ParquetReaderConfig{BufferSize: 4096, ReadAll: false}
	r, err := ds.NewParquetReaderBuilder(nil).WithStorageConfig(storage(t)).WithReaderConfig(rc).Build()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

func TestRecordTransformer(t *testing.T) {
	rt := ds.NewRecordTransformer(nil)
	p := probe("example.com", 1)
	p.Headers["a<b"] = "x&y"
	p.RootTargetURL = "https://example.com"
	p.URLStatus = "new"
	first := scanTime.Add(-48 * time.Hour)
	p.OldestScanTimestamp = first
	row := rt.TransformToParquetResult(p, scanTime)
	want, _ := json.Marshal(p.Headers) // what the Go datastore stores
	if row.HeadersJSON == nil || *row.HeadersJSON != string(want) {
		t.Fatalf("headers_json %v, want %s", row.HeadersJSON, want)
	}
	if row.OriginalURL != p.InputURL || *row.FinalURL != p.FinalURL || *row.StatusCode != int32(p.StatusCode) ||
		*row.ContentLength != p.ContentLength || *row.Title != p.Title || *row.Method != "GET" || *row.DiffStatus != "new" ||
		row.ProbeError != nil || row.ScanTimestamp != scanTime.UnixMilli() || *row.FirstSeenTimestamp != first.UnixMilli() ||
		*row.LastSeenTimestamp != scanTime.UnixMilli() || fmt.Sprint(row.IPAddress) != fmt.Sprint(p.IPs) {
		t.Fatalf("row %+v", row)
	}
	empty := rt.TransformToParquetResult(models.ProbeResult{InputURL: "https://e.example/"}, scanTime)
	if empty.StatusCode != nil || empty.ContentLength != nil || empty.FinalURL != nil || empty.HeadersJSON != nil ||
		empty.Technologies == nil || len(empty.Technologies) != 0 || *empty.FirstSeenTimestamp != scanTime.UnixMilli() {
		t.Fatalf("empty row %+v", empty)
	}
}

func TestURLHashGenerator(t *testing.T) {
	g := ds.NewURLHashGenerator(8)
	if got := g.GenerateHash("https://example.com/app.js"); got != "04deadd1" {
		t.Fatalf("hash %s, want 04deadd1 (docs/format.md)", got)
	}
	for _, n := range []int{1, 8, 16, 64} {
		u := fmt.Sprintf("https://example.com/%d?q=ü", n)
		sum := sha256.Sum256([]byte(u))
		if got := ds.NewURLHashGenerator(n).GenerateHash(u); got != hex.EncodeToString(sum[:])[:n] {
			t.Fatalf("%d digits: %s", n, got)
		}
	}
	sum := sha256.Sum256([]byte("https://a.example/\x00b"))
	if got := g.GenerateHash("https://a.example/\x00b"); got != hex.EncodeToString(sum[:])[:8] {
		t.Fatalf("a URL with a NUL hashes as %s", got)
	}
	if got := ds.NewURLHashGenerator(0).GenerateHash("x"); len(got) != 16 {
		t.Fatalf("default length %d, want the Go datastore's 16", len(got))
	}
}

func TestURLMutexManager(t *testing.T) {
	m := ds.NewURLMutexManager(true, nil)
	a, b := m.GetMutex("https://a.example/"), m.GetMutex("https://b.example/")
	if a != m.GetMutex("https://a.example/") || a == b {
		t.Fatal("one URL must give one mutex, two URLs two")
	}
	// Goroutines of one URL take turns.
	var wg sync.WaitGroup
	counter := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu := m.GetMutex("https://a.example/")
			mu.Lock()
			c := counter
			time.Sleep(10 * time.Microsecond)
			counter = c + 1
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counter != 50 {
		t.Fatalf("counter %d: updates were lost", counter)
	}
	m.CleanupUnusedMutexes([]string{"https://a.example/"})
	if m.Count() != 1 || m.GetMutex("https://a.example/") != a || m.GetMutex("https://b.example/") == b {
		t.Fatal("cleanup must keep the active URL's mutex and drop the other")
	}
	off := ds.NewURLMutexManager(false, nil)
	if off.GetMutex("u") == off.GetMutex("u") || off.Count() != 0 {
		t.Fatal("a disabled manager shares no mutex")
	}
}

// The writer builder: codec, batch size and validation.
func TestWriterBuilder(t *testing.T) {
	cfg := storage(t)
	w, err := ds.NewParquetWriterBuilder(nil).
		WithStorageConfig(cfg).
		WithWriterConfig(ds.ParquetWriterConfig{CompressionType: "snappy", BatchSize: 7, EnableValidation: true}).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.WriteWithResult(context.Background(), probes("example.com", 30), "b", "https://example.com")
	if err != nil || res.Codec != "snappy" || res.RecordsWritten != 30 || res.NewURLs != 30 || res.FileSize <= 0 {
		t.Fatalf("%v: %+v", err, res)
	}
	bad := probes("example.com", 20)
	bad[12].StatusCode = 42
	err = w.Write(context.Background(), bad, "b", "https://example.com")
	if !errors.Is(err, ds.ErrInvalid) || !strings.Contains(err.Error(), "record 12") || !strings.Contains(err.Error(), "status_code 42") {
		t.Fatalf("an invalid record gave %v", err)
	}
	nul := probes("example.com", 3)
	nul[2].Headers["x-a"] = "a\x00b"
	if err := w.Write(context.Background(), nul, "b", "https://example.com"); !errors.Is(err, ds.ErrInvalid) ||
		!strings.Contains(err.Error(), `record 2: Headers["x-a"] contains a NUL byte`) {
		t.Fatalf("a NUL in a header gave %v", err)
	}
	nul[2] = probe("example.com", 2)
	nul[1].StatusCode = 1<<32 + 200
	if err := w.Write(context.Background(), nul, "b", "https://example.com"); !errors.Is(err, ds.ErrInvalid) || !strings.Contains(err.Error(), "record 1: StatusCode") {
		t.Fatalf("a status past 32 bits gave %v", err)
	}
	if n := len(scanFiles(t, cfg.ParquetBasePath, "example.com_443")); n != 1 {
		t.Fatalf("%d scan files after refused writes, want 1", n)
	}
	// The storage config's codec applies when the writer config has none.
	cfg.CompressionCodec = "gzip"
	w2, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if res, err := w2.WriteWithResult(context.Background(), probes("example.com", 3), "", "https://example.com"); err != nil || res.Codec != "gzip" {
		t.Fatalf("%v: %+v", err, res)
	}
	// Without validation the writer stores what it is given.
	w3, err := ds.NewParquetWriterBuilder(nil).WithStorageConfig(cfg).
		WithWriterConfig(ds.ParquetWriterConfig{CompressionType: "zstd", BatchSize: 1000}).Build()
	if err != nil {
		t.Fatal(err)
	}
	defer w3.Close()
	if res, err := w3.WriteWithResult(context.Background(), bad, "", "https://example.com"); err != nil || res.Codec != "zstd" || res.RecordsWritten != 20 {
		t.Fatalf("validation off: %v, %+v", err, res)
	}
	if _, err := ds.NewParquetWriterBuilder(nil).WithStorageConfig(cfg).
		WithWriterConfig(ds.ParquetWriterConfig{CompressionType: "rar"}).Build(); !errors.Is(err, ds.ErrConfig) || !strings.Contains(err.Error(), "rar") {
		t.Fatalf("codec rar: %v", err)
	}
	if _, err := ds.NewParquetWriterBuilder(nil).Build(); err == nil {
		t.Fatal("a builder without storage config built")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), bad[:1], "", "https://example.com"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("write after close: %v", err)
	}
}
