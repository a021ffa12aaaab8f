package datastore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

func runCLI(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probestore %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// What Go writes, `probestore query --format jsonl` reads, value for value.
func TestCLIReadsGoWrites(t *testing.T) {
	bin := probestoreBin(t)
	cfg := storage(t)
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rs := probes("shop.example.com", 40)
	rs[3].Error = "context deadline exceeded"
	rs[3].StatusCode = 0
	rs[5].Headers = nil
	rs[6].Technologies = nil
	rs[7].Headers["x<y"] = "a&b"
	res, err := w.WriteWithResult(context.Background(), rs, "go-session-1", "https://shop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	out := runCLI(t, bin, "--data", cfg.ParquetBasePath, "query", "--target", "shop.example.com", "--format", "jsonl")
	var rows []models.ParquetProbeResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var row models.ParquetProbeResult
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		rows = append(rows, row)
	}
	if len(rows) != len(rs) {
		t.Fatalf("the command read %d rows, want %d", len(rows), len(rs))
	}
	rt := ds.NewRecordTransformer(nil)
	for i, row := range rows {
		p := rs[i]
		p.RootTargetURL = "https://shop.example.com"
		p.URLStatus = "new"
		want := rt.TransformToParquetResult(p, time.UnixMilli(row.ScanTimestamp))
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(row)
		if string(wb) != string(gb) {
			t.Fatalf("row %d:\n got %s\nwant %s", i, gb, wb)
		}
	}
	// The session is in the file's key-value metadata.
	meta := runCLI(t, bin, "inspect", res.FilePath)
	if !bytes.Contains(meta, []byte("probestore.scan_session_id = go-session-1")) {
		t.Fatalf("session not in the metadata:\n%s", meta)
	}
	if got := strings.TrimSpace(string(runCLI(t, bin, "--data", cfg.ParquetBasePath, "count", "--target", "shop.example.com"))); !strings.Contains(got, "40") {
		t.Fatalf("count: %s", got)
	}
}

// What `probestore ingest` writes, Go reads.
func TestGoReadsCLIIngest(t *testing.T) {
	bin := probestoreBin(t)
	cfg := storage(t)
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf(`{"timestamp":"2025-03-01T09:00:00Z","url":"https://shop.example.com/p/%d","input":"shop.example.com",`+
			`"status_code":%d,"title":"Shop %d","webserver":"nginx/1.27.4","tech":["Nginx:1.27.4","Vite"],"a":["203.0.113.%d"],"aaaa":["2001:db8::%x"],`+
			`"header":{"server":"nginx/1.27.4","x_request_id":"r%d"},"method":"GET","content_length":%d,"content_type":"text/html","final_url":"https://shop.example.com/p/%d/"}`,
			i, 200+i%3*100, i, i, i, i, 100+i, i))
	}
	in := filepath.Join(dir, "httpx.jsonl")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runCLI(t, bin, "--data", cfg.ParquetBasePath, "ingest", "--quiet", "--group-by", "host", "--session", "cli-session", in)

	r := ds.NewParquetReader(cfg, nil)
	defer r.Close()
	got, last, err := r.FindAllProbeResultsForTarget("shop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if len(got) != 30 || !last.Equal(want) {
		t.Fatalf("%d results at %v, want 30 at %v", len(got), last, want)
	}
	for i, p := range got {
		exp := models.ProbeResult{
			InputURL: fmt.Sprintf("https://shop.example.com/p/%d", i), FinalURL: fmt.Sprintf("https://shop.example.com/p/%d/", i),
			StatusCode: 200 + i%3*100, ContentLength: int64(100 + i), ContentType: "text/html", Title: fmt.Sprintf("Shop %d", i),
			WebServer: "nginx/1.27.4", Technologies: []string{"Nginx:1.27.4", "Vite"},
			IPs:     []string{fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("2001:db8::%x", i)},
			Method:  "GET",
			Headers: map[string]string{"server": "nginx/1.27.4", "x_request_id": fmt.Sprintf("r%d", i)},
		}
		sameProbe(t, p, exp)
		if p.URLStatus != "new" || !p.ScanTimestamp.Equal(want) || p.RootTargetURL != "shop.example.com" {
			t.Fatalf("result %d: %q %v %q", i, p.URLStatus, p.ScanTimestamp, p.RootTargetURL)
		}
	}
	// A Go write on top is diffed against the command's scan.
	w, err := ds.NewParquetWriter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.WriteWithResult(context.Background(), got[:10], "go", "shop.example.com")
	if err != nil || res.ExistingURLs != 10 || res.NewURLs != 0 {
		t.Fatalf("%v: %+v", err, res)
	}
	after, _, err := r.FindAllProbeResultsForTarget("shop.example.com")
	if err != nil || len(after) != 10 || !after[0].OldestScanTimestamp.Equal(want) || after[0].URLStatus != "existing" {
		t.Fatalf("%v: %+v", err, after)
	}
	// The command's history records read in Go.
	content := filepath.Join(dir, "app.js")
	os.WriteFile(content, []byte("console.log(1);\n"), 0o644)
	runCLI(t, bin, "--data", cfg.ParquetBasePath, "history", "add", "--url", "https://shop.example.com/app.js", "--file", content)
	os.WriteFile(content, []byte("console.log(2);\n"), 0o644)
	runCLI(t, bin, "--data", cfg.ParquetBasePath, "history", "add", "--url", "https://shop.example.com/app.js", "--file", content)
	h, err := ds.NewParquetFileHistoryStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	last2, err := h.GetLastKnownRecord("https://shop.example.com/app.js")
	if err != nil || last2 == nil || string(last2.Content) != "console.log(2);\n" || last2.DiffResultJSON == nil {
		t.Fatalf("last record of the command's history: %+v, %v", last2, err)
	}
	diffs, err := h.GetAllLatestDiffResultsForURLs([]string{"https://shop.example.com/app.js"})
	d := diffs["https://shop.example.com/app.js"]
	if err != nil || d == nil || d.LinesAdded != 1 || d.LinesDeleted != 1 || len(d.Diffs) != 2 {
		t.Fatalf("diff: %+v, %v", d, err)
	}
}
