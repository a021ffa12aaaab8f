package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"bytes"
	"strings"
	"time"
	"unsafe"

	"probestore/bindings/go/models"
)

// ---- C to Go: every value is copied, no C pointer is kept ----

func gostr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

func gostrptr(p *C.char) *string {
	if p == nil {
		return nil
	}
	s := C.GoString(p)
	return &s
}

func golist(p **C.char, n C.size_t) []string {
	if p == nil || n == 0 {
		return nil
	}
	src := unsafe.Slice(p, int(n))
	out := make([]string, len(src))
	for i, s := range src {
		out[i] = gostr(s)
	}
	return out
}

func msToTime(ms C.int64_t) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}

func timeToMs(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(t.UnixMilli())
}

// cstrlen is strlen without a cgo call: it scans page by page, never
// past the page that holds the NUL.
func cstrlen(p *C.char) int {
	if p == nil {
		return 0
	}
	n := 0
	for {
		q := unsafe.Add(unsafe.Pointer(p), n)
		room := 4096 - int(uintptr(q)&4095)
		if i := bytes.IndexByte(unsafe.Slice((*byte)(q), room), 0); i >= 0 {
			return n + i
		}
		n += room
	}
}

// strGather copies the strings of one record into one Go string and
// hands out its substrings: one allocation for a record's dozen or more
// strings. The scratch slices are reused from record to record.
type strGather struct {
	ptrs []*C.char
	lens []int
	all  string
	off  int
	next int
}

func (g *strGather) add(p *C.char) {
	g.ptrs = append(g.ptrs, p)
}

func (g *strGather) addList(p **C.char, n C.size_t) {
	if p == nil || n == 0 {
		return
	}
	g.ptrs = append(g.ptrs, unsafe.Slice(p, int(n))...)
}

// copyAll copies every string added; get then returns them in order.
func (g *strGather) copyAll() {
	g.lens = g.lens[:0]
	total := 0
	for _, p := range g.ptrs {
		l := cstrlen(p)
		g.lens = append(g.lens, l)
		total += l
	}
	var sb strings.Builder
	sb.Grow(total)
	for i, p := range g.ptrs {
		if g.lens[i] > 0 {
			sb.Write(unsafe.Slice((*byte)(unsafe.Pointer(p)), g.lens[i]))
		}
	}
	g.all, g.off, g.next = sb.String(), 0, 0
}

func (g *strGather) get() string {
	l := g.lens[g.next]
	s := g.all[g.off : g.off+l]
	g.off += l
	g.next++
	return s
}

func (g *strGather) getList(n C.size_t, p **C.char) []string {
	if p == nil || n == 0 {
		return nil
	}
	out := make([]string, int(n))
	for i := range out {
		out[i] = g.get()
	}
	return out
}

func (g *strGather) reset() {
	g.ptrs = g.ptrs[:0]
	g.all = ""
}

func probeFromC(r *C.ps_probe_result, g *strGather) models.ProbeResult {
	g.reset()
	for _, f := range [...]*C.char{r.input_url, r.final_url, r.content_type, r.title, r.web_server,
		r.root_target_url, r.error, r.method, r.url_status, r.asn, r.body} {
		g.add(f)
	}
	g.addList(r.technologies, r.n_technologies)
	g.addList(r.ips, r.n_ips)
	g.addList(r.cnames, r.n_cnames)
	var hs []C.ps_header
	if r.headers != nil && r.n_headers > 0 {
		hs = unsafe.Slice(r.headers, int(r.n_headers))
		for _, h := range hs {
			g.add(h.name)
			g.add(h.value)
		}
	}
	g.copyAll()
	p := models.ProbeResult{
		InputURL:            g.get(),
		FinalURL:            g.get(),
		StatusCode:          int(r.status_code),
		ContentLength:       int64(r.content_length),
		ContentType:         g.get(),
		Title:               g.get(),
		WebServer:           g.get(),
		RootTargetURL:       g.get(),
		Error:               g.get(),
		Method:              g.get(),
		URLStatus:           g.get(),
		ASN:                 g.get(),
		Body:                g.get(),
		ScanTimestamp:       msToTime(r.scan_timestamp_ms),
		OldestScanTimestamp: msToTime(r.oldest_scan_timestamp_ms),
		Duration:            float64(r.duration_s),
	}
	p.Technologies = g.getList(r.n_technologies, r.technologies)
	p.IPs = g.getList(r.n_ips, r.ips)
	p.CNAMEs = g.getList(r.n_cnames, r.cnames)
	if len(hs) > 0 {
		p.Headers = make(map[string]string, len(hs))
		for range hs {
			k := g.get()
			p.Headers[k] = g.get()
		}
	}
	return p
}

func probeSetFromC(set *C.ps_probe_set) []models.ProbeResult {
	out := make([]models.ProbeResult, int(set.n))
	if set.n == 0 {
		return out
	}
	items := unsafe.Slice(set.items, int(set.n))
	var g strGather
	for i := range items {
		out[i] = probeFromC(&items[i], &g)
	}
	return out
}

func historyFromC(r *C.ps_history_record) models.FileHistoryRecord {
	rec := models.FileHistoryRecord{
		URL:                gostr(r.url),
		Timestamp:          int64(r.timestamp_ms),
		Hash:               gostr(r.hash),
		ContentType:        gostr(r.content_type),
		ETag:               gostr(r.etag),
		LastModified:       gostr(r.last_modified),
		DiffResultJSON:     gostrptr(r.diff_result_json),
		ExtractedPathsJSON: gostrptr(r.extracted_paths_json),
	}
	if r.content != nil && r.content_len > 0 {
		rec.Content = C.GoBytes(unsafe.Pointer(r.content), C.int(r.content_len))
	}
	return rec
}

func diffFromC(d *C.ps_diff_result) *models.ContentDiffResult {
	out := &models.ContentDiffResult{
		Timestamp:        int64(d.timestamp_ms),
		ContentType:      gostr(d.content_type),
		LinesAdded:       int(d.lines_added),
		LinesDeleted:     int(d.lines_deleted),
		LinesChanged:     int(d.lines_changed),
		IsIdentical:      bool(d.is_identical),
		ErrorMessage:     gostr(d.error_message),
		ProcessingTimeMs: int64(d.processing_time_ms),
		OldHash:          gostr(d.old_hash),
		NewHash:          gostr(d.new_hash),
	}
	if d.diffs != nil {
		diffs := unsafe.Slice(d.diffs, int(d.n_diffs))
		out.Diffs = make([]models.ContentDiff, len(diffs))
		for i, c := range diffs {
			out.Diffs[i] = models.ContentDiff{
				Operation: models.DiffOperation(c.operation),
				Text:      C.GoStringN(c.text, C.int(c.text_len)),
			}
		}
	}
	if d.extracted_paths != nil && d.n_extracted_paths > 0 {
		ps := unsafe.Slice(d.extracted_paths, int(d.n_extracted_paths))
		out.ExtractedPaths = make([]models.ExtractedPath, len(ps))
		for i, p := range ps {
			ts, _ := time.Parse(time.RFC3339Nano, gostr(p.discovery_timestamp))
			out.ExtractedPaths[i] = models.ExtractedPath{
				SourceURL:            gostr(p.source_url),
				ExtractedRawPath:     gostr(p.extracted_raw_path),
				ExtractedAbsoluteURL: gostr(p.extracted_absolute_url),
				Context:              gostr(p.context),
				Type:                 gostr(p._type),
				DiscoveryTimestamp:   ts,
			}
		}
	}
	return out
}

// ---- Go to C: an arena of C memory, freed (or reset) after the call ----

const arenaChunk = 1 << 20

// arena hands out C memory from 1 MiB chunks, kept from batch to batch;
// larger values get their own allocation, freed by reset.
type arena struct {
	std  []unsafe.Pointer
	big  []unsafe.Pointer
	next int // the next chunk of std to use
	cur  unsafe.Pointer
	off  uintptr
}

func (a *arena) alloc(n, align uintptr) unsafe.Pointer {
	if n == 0 {
		n = 1
	}
	if n > arenaChunk/4 {
		p := C.malloc(C.size_t(n))
		if p == nil {
			panic("probestore: out of memory")
		}
		a.big = append(a.big, p)
		return p
	}
	a.off = (a.off + align - 1) &^ (align - 1)
	if a.cur == nil || a.off+n > arenaChunk {
		if a.next == len(a.std) {
			p := C.malloc(arenaChunk)
			if p == nil {
				panic("probestore: out of memory")
			}
			a.std = append(a.std, p)
		}
		a.cur, a.off = a.std[a.next], 0
		a.next++
	}
	p := unsafe.Add(a.cur, a.off)
	a.off += n
	return p
}

// str copies s with its NUL; "" is NULL, which the store reads as absent.
func (a *arena) str(s string) *C.char {
	if s == "" {
		return nil
	}
	p := a.alloc(uintptr(len(s))+1, 1)
	b := unsafe.Slice((*byte)(p), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return (*C.char)(p)
}

func (a *arena) strptr(s *string) *C.char {
	if s == nil {
		return nil
	}
	p := a.alloc(uintptr(len(*s))+1, 1)
	b := unsafe.Slice((*byte)(p), len(*s)+1)
	copy(b, *s)
	b[len(*s)] = 0
	return (*C.char)(p)
}

func (a *arena) list(v []string) (**C.char, C.size_t) {
	if len(v) == 0 {
		return nil, 0
	}
	ptrSize := unsafe.Sizeof((*C.char)(nil))
	p := (**C.char)(a.alloc(ptrSize*uintptr(len(v)), ptrSize))
	dst := unsafe.Slice(p, len(v))
	for i, s := range v {
		dst[i] = a.str(s)
		if dst[i] == nil {
			dst[i] = a.strEmpty()
		}
	}
	return p, C.size_t(len(v))
}

func (a *arena) strEmpty() *C.char {
	p := a.alloc(1, 1)
	*(*byte)(p) = 0
	return (*C.char)(p)
}

// reset keeps the standard chunks for the next batch.
func (a *arena) reset() {
	for _, p := range a.big {
		C.free(p)
	}
	a.big = a.big[:0]
	a.next, a.cur, a.off = 0, nil, 0
}

func (a *arena) free() {
	a.reset()
	for _, p := range a.std {
		C.free(p)
	}
	*a = arena{}
}

// probeToC fills dst with r's values copied into a.
func probeToC(a *arena, r *models.ProbeResult, dst *C.ps_probe_result) {
	*dst = C.ps_probe_result{}
	dst.input_url = a.str(r.InputURL)
	dst.final_url = a.str(r.FinalURL)
	dst.status_code = C.int32_t(r.StatusCode)
	dst.content_length = C.int64_t(r.ContentLength)
	dst.content_type = a.str(r.ContentType)
	dst.title = a.str(r.Title)
	dst.web_server = a.str(r.WebServer)
	dst.technologies, dst.n_technologies = a.list(r.Technologies)
	dst.ips, dst.n_ips = a.list(r.IPs)
	dst.root_target_url = a.str(r.RootTargetURL)
	dst.error = a.str(r.Error)
	dst.method = a.str(r.Method)
	if len(r.Headers) > 0 {
		hsize := unsafe.Sizeof(C.ps_header{})
		h := (*C.ps_header)(a.alloc(hsize*uintptr(len(r.Headers)), unsafe.Alignof(C.ps_header{})))
		hs := unsafe.Slice(h, len(r.Headers))
		i := 0
		for k, v := range r.Headers {
			hs[i].name = a.str(k)
			if hs[i].name == nil {
				hs[i].name = a.strEmpty()
			}
			hs[i].value = a.str(v)
			if hs[i].value == nil {
				hs[i].value = a.strEmpty()
			}
			i++
		}
		dst.headers, dst.n_headers = h, C.size_t(len(hs))
	}
	dst.url_status = a.str(r.URLStatus)
	dst.scan_timestamp_ms = timeToMs(r.ScanTimestamp)
	dst.oldest_scan_timestamp_ms = timeToMs(r.OldestScanTimestamp)
	dst.cnames, dst.n_cnames = a.list(r.CNAMEs)
	dst.asn = a.str(r.ASN)
	dst.duration_s = C.double(r.Duration)
	dst.body = a.str(r.Body)
}

// probesToC copies rs into a: the array and everything it points to.
func probesToC(a *arena, rs []models.ProbeResult) *C.ps_probe_result {
	if len(rs) == 0 {
		return nil
	}
	size := unsafe.Sizeof(C.ps_probe_result{})
	arr := (*C.ps_probe_result)(a.alloc(size*uintptr(len(rs)), unsafe.Alignof(C.ps_probe_result{})))
	dst := unsafe.Slice(arr, len(rs))
	for i := range rs {
		probeToC(a, &rs[i], &dst[i])
	}
	return arr
}
