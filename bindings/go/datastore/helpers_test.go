package datastore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	ds "probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

// recLogger keeps every event, for tests that check what was logged.
type recLogger struct {
	mu     sync.Mutex
	events []logEvent
}

type logEvent struct {
	level  ds.Level
	msg    string
	fields map[string]interface{}
}

func (l *recLogger) Log(level ds.Level, msg string, fields map[string]interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, logEvent{level, msg, fields})
}

func (l *recLogger) find(msg string) (logEvent, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.msg == msg {
			return e, true
		}
	}
	return logEvent{}, false
}

func storage(t testing.TB) *ds.StorageConfig {
	return &ds.StorageConfig{ParquetBasePath: filepath.Join(t.TempDir(), "data")}
}

// probe makes a realistic result i of a target.
func probe(host string, i int) models.ProbeResult {
	return models.ProbeResult{
		InputURL:      fmt.Sprintf("https://%s/path/%d", host, i),
		FinalURL:      fmt.Sprintf("https://%s/path/%d/", host, i),
		StatusCode:    200 + i%4*100,
		ContentLength: int64(1000 + i),
		ContentType:   "text/html; charset=utf-8",
		Title:         fmt.Sprintf("Page %d — ünïcode", i),
		WebServer:     "nginx/1.27.4",
		Technologies:  []string{"Nginx:1.27.4", fmt.Sprintf("React:%d", 18+i%2)},
		IPs:           []string{"203.0.113.10", fmt.Sprintf("2001:db8::%x", i%65536)},
		Method:        "GET",
		Headers:       map[string]string{"server": "nginx/1.27.4", "x-id": fmt.Sprint(i), "content-type": "text/html"},
	}
}

func probes(host string, n int) []models.ProbeResult {
	out := make([]models.ProbeResult, n)
	for i := range out {
		out[i] = probe(host, i)
	}
	return out
}

// sameProbe compares the fields a scan file keeps.
func sameProbe(t testing.TB, got, want models.ProbeResult) {
	t.Helper()
	if got.InputURL != want.InputURL || got.FinalURL != want.FinalURL || got.StatusCode != want.StatusCode ||
		got.ContentLength != want.ContentLength || got.ContentType != want.ContentType || got.Title != want.Title ||
		got.WebServer != want.WebServer || got.Method != want.Method || got.Error != want.Error {
		t.Fatalf("result differs:\n got %+v\nwant %+v", got, want)
	}
	if fmt.Sprint(got.Technologies) != fmt.Sprint(want.Technologies) || fmt.Sprint(got.IPs) != fmt.Sprint(want.IPs) {
		t.Fatalf("%s: lists differ: %v %v, want %v %v", want.InputURL, got.Technologies, got.IPs, want.Technologies, want.IPs)
	}
	if len(got.Headers) != len(want.Headers) {
		t.Fatalf("%s: headers %v, want %v", want.InputURL, got.Headers, want.Headers)
	}
	for k, v := range want.Headers {
		if got.Headers[k] != v {
			t.Fatalf("%s: header %s = %q, want %q", want.InputURL, k, got.Headers[k], v)
		}
	}
}

// scanFiles lists the files of a target directory but its lock file
// (.lock): the scans, and any temporary file left behind.
func scanFiles(t testing.TB, base, dir string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(base, "probe_results", dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var m []string
	for _, f := range all {
		if filepath.Base(f) != ".lock" {
			m = append(m, f)
		}
	}
	sort.Strings(m)
	return m
}

func probestoreBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PROBESTORE_BIN"); p != "" {
		return p
	}
	p, _ := filepath.Abs("../../../build/probestore")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PROBESTORE_BIN is not set and %s is missing", p)
		}
		t.Skipf("the probestore command is not built (%s; set PROBESTORE_BIN)", p)
	}
	return p
}

var scanTime = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
