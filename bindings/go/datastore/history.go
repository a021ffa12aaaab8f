package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"probestore/bindings/go/models"
)

// ParquetFileHistoryStore keeps every changed version of monitored files
// (docs/format.md, "File history"). Safe for concurrent use: writers of
// one URL are serialised by libprobestore (per-URL mutexes and flock),
// other calls run at once.
type ParquetFileHistoryStore struct {
	s      *store
	hcfg   ParquetFileHistoryStoreConfig
	logger Logger
}

// ParquetFileHistory is the other name for the store in the Go datastore
// whose behaviour probestore implements.
type ParquetFileHistory = ParquetFileHistoryStore

// NewParquetFileHistoryStore opens the store of cfg for file history with
// the Go datastore's defaults.
func NewParquetFileHistoryStore(cfg *StorageConfig, logger Logger) (*ParquetFileHistoryStore, error) {
	return NewParquetFileHistoryStoreBuilder(logger).WithStorageConfig(cfg).Build()
}

// ParquetFileHistoryStoreBuilder builds a ParquetFileHistoryStore.
type ParquetFileHistoryStoreBuilder struct {
	cfg    *StorageConfig
	hcfg   ParquetFileHistoryStoreConfig
	logger Logger
}

// NewParquetFileHistoryStoreBuilder starts a builder with the default
// file history config.
func NewParquetFileHistoryStoreBuilder(logger Logger) *ParquetFileHistoryStoreBuilder {
	return &ParquetFileHistoryStoreBuilder{hcfg: DefaultParquetFileHistoryStoreConfig(), logger: logger}
}

// WithStorageConfig sets where the store is.
func (b *ParquetFileHistoryStoreBuilder) WithStorageConfig(cfg *StorageConfig) *ParquetFileHistoryStoreBuilder {
	b.cfg = cfg
	return b
}

// WithConfig sets the file history config.
func (b *ParquetFileHistoryStoreBuilder) WithConfig(cfg ParquetFileHistoryStoreConfig) *ParquetFileHistoryStoreBuilder {
	b.hcfg = cfg
	return b
}

// Build opens the store.
func (b *ParquetFileHistoryStoreBuilder) Build() (*ParquetFileHistoryStore, error) {
	const op = "ParquetFileHistoryStore"
	kv, err := b.hcfg.settings(op)
	if err != nil {
		return nil, err
	}
	s, err := openStore(op, b.cfg, b.logger, kv...)
	if err != nil {
		return nil, err
	}
	return &ParquetFileHistoryStore{s: s, hcfg: b.hcfg, logger: b.logger}, nil
}

// Close releases the store.
func (h *ParquetFileHistoryStore) Close() error { return h.s.close() }

// StoreFileRecord stores record durably. A record with the same URL, hash
// and timestamp as one already stored is skipped (no error). Timestamp 0
// is now.
func (h *ParquetFileHistoryStore) StoreFileRecord(record models.FileHistoryRecord) error {
	const op = "ParquetFileHistoryStore.StoreFileRecord"
	if err := checkHistory(&record); err != nil {
		return newError(op, codeInvalid, "history record for %s: %v", record.URL, err)
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return err
	}
	defer h.s.mu.RUnlock()
	var a arena
	defer a.free()
	var r C.ps_history_record
	r.url = a.str(record.URL)
	r.timestamp_ms = C.int64_t(record.Timestamp)
	r.hash = a.str(record.Hash)
	r.content_type = a.str(record.ContentType)
	if len(record.Content) > 0 {
		p := a.alloc(uintptr(len(record.Content)), 1)
		copy(unsafe.Slice((*byte)(p), len(record.Content)), record.Content)
		r.content, r.content_len = (*C.uint8_t)(p), C.size_t(len(record.Content))
	}
	r.etag = a.str(record.ETag)
	r.last_modified = a.str(record.LastModified)
	r.diff_result_json = a.strptr(record.DiffResultJSON)
	r.extracted_paths_json = a.strptr(record.ExtractedPathsJSON)
	var res C.ps_history_write_result
	if err := call(op, func() C.int { return C.ps_history_store(st, &r, &res) }); err != nil {
		return err
	}
	logTo(h.logger, DebugLevel, "Stored file record", map[string]interface{}{
		"url": record.URL, "stored": bool(res.stored), "path": C.GoString(&res.path[0])})
	return nil
}

// GetLastKnownRecord returns the newest record of url, or nil and no error
// when it has none.
func (h *ParquetFileHistoryStore) GetLastKnownRecord(url string) (*models.FileHistoryRecord, error) {
	const op = "ParquetFileHistoryStore.GetLastKnownRecord"
	if err := argCheck(op, "url", url); err != nil {
		return nil, err
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer h.s.mu.RUnlock()
	cu := cstr(url)
	defer cfree(cu)
	var r *C.ps_history_record
	err = call(op, func() C.int { return C.ps_history_last(st, cu, &r) })
	if e, ok := err.(*Error); ok && e.Code == codeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer C.ps_history_record_free(r)
	rec := historyFromC(r)
	return &rec, nil
}

// GetLastKnownHash returns the newest record's hash, "" and no error when
// url has none, without reading any content.
func (h *ParquetFileHistoryStore) GetLastKnownHash(url string) (string, error) {
	const op = "ParquetFileHistoryStore.GetLastKnownHash"
	if err := argCheck(op, "url", url); err != nil {
		return "", err
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return "", err
	}
	cu := cstr(url)
	defer cfree(cu)
	var buf [512]C.char
	err = call(op, func() C.int { return C.ps_history_last_hash(st, cu, &buf[0], C.size_t(len(buf))) })
	h.s.mu.RUnlock()
	if e, ok := err.(*Error); ok {
		switch e.Code {
		case codeNotFound:
			return "", nil
		case codeLimit: // a hash longer than any digest: read the record
			rec, err := h.GetLastKnownRecord(url)
			if err != nil || rec == nil {
				return "", err
			}
			return rec.Hash, nil
		}
	}
	if err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

// GetRecordsForURL returns url's records newest first, at most limit
// (0 or less: all), the archive included; none for an unknown URL.
func (h *ParquetFileHistoryStore) GetRecordsForURL(url string, limit int) ([]*models.FileHistoryRecord, error) {
	const op = "ParquetFileHistoryStore.GetRecordsForURL"
	if err := argCheck(op, "url", url); err != nil {
		return nil, err
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer h.s.mu.RUnlock()
	if limit < 0 {
		limit = 0
	}
	cu := cstr(url)
	defer cfree(cu)
	var set C.ps_history_set
	if err := call(op, func() C.int { return C.ps_history_records(st, cu, C.size_t(limit), &set) }); err != nil {
		return nil, err
	}
	defer C.ps_history_set_free(&set)
	return historySetFromC(&set), nil
}

func historySetFromC(set *C.ps_history_set) []*models.FileHistoryRecord {
	out := make([]*models.FileHistoryRecord, int(set.n))
	if set.n == 0 {
		return out
	}
	for i, r := range unsafe.Slice(set.records, int(set.n)) {
		rec := historyFromC(&r)
		out[i] = &rec
	}
	return out
}

// GetAllRecordsWithDiff returns every record that carries a diff, in the
// current files of every host (archives left out, as in the Go datastore).
func (h *ParquetFileHistoryStore) GetAllRecordsWithDiff() ([]*models.FileHistoryRecord, error) {
	const op = "ParquetFileHistoryStore.GetAllRecordsWithDiff"
	st, err := h.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer h.s.mu.RUnlock()
	var set C.ps_history_set
	if err := call(op, func() C.int { return C.ps_history_records_with_diff(st, &set) }); err != nil {
		return nil, err
	}
	defer C.ps_history_set_free(&set)
	return historySetFromC(&set), nil
}

// GetHostnamesWithHistory returns the sorted host names with history, each
// once whatever its ports ("example.com", "::1"), as the Go datastore does;
// GetHostPortsWithHistory keeps the ports.
func (h *ParquetFileHistoryStore) GetHostnamesWithHistory() ([]string, error) {
	return h.hosts("ParquetFileHistoryStore.GetHostnamesWithHistory", true)
}

// GetHostPortsWithHistory returns the sorted "host:port" list of the
// targets with history.
func (h *ParquetFileHistoryStore) GetHostPortsWithHistory() ([]string, error) {
	return h.hosts("ParquetFileHistoryStore.GetHostPortsWithHistory", false)
}

func (h *ParquetFileHistoryStore) hosts(op string, names bool) ([]string, error) {
	st, err := h.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer h.s.mu.RUnlock()
	var hosts **C.char
	var n C.size_t
	if err := call(op, func() C.int {
		if names {
			return C.ps_history_hostnames(st, &hosts, &n)
		}
		return C.ps_history_hosts(st, &hosts, &n)
	}); err != nil {
		return nil, err
	}
	defer C.ps_history_hosts_free(hosts, n)
	out := golist(hosts, n)
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// GetAllLatestDiffResultsForURLs returns, for each URL that has one, the
// diff result of its newest record with a diff. A URL that does not parse
// is an error naming it.
func (h *ParquetFileHistoryStore) GetAllLatestDiffResultsForURLs(urls []string) (map[string]*models.ContentDiffResult, error) {
	const op = "ParquetFileHistoryStore.GetAllLatestDiffResultsForURLs"
	for i, u := range urls {
		if err := argCheck(op, fmt.Sprintf("urls[%d]", i), u); err != nil {
			return nil, err
		}
	}
	out := make(map[string]*models.ContentDiffResult)
	if len(urls) == 0 {
		return out, nil
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer h.s.mu.RUnlock()
	var a arena
	defer a.free()
	curls, n := a.list(urls)
	var d C.ps_latest_diffs
	if err := call(op, func() C.int { return C.ps_history_latest_diffs(st, curls, n, &d) }); err != nil {
		return nil, err
	}
	defer C.ps_latest_diffs_free(&d)
	for i, it := range unsafe.Slice(d.items, int(d.n)) {
		if it.found {
			out[urls[i]] = diffFromC(&it.diff)
		}
	}
	return out, nil
}

// GetHistoryFilePath returns the current history file of url (which may
// not exist yet).
func (h *ParquetFileHistoryStore) GetHistoryFilePath(url string) (string, error) {
	const op = "ParquetFileHistoryStore.GetHistoryFilePath"
	if err := argCheck(op, "url", url); err != nil {
		return "", err
	}
	st, err := h.s.acquire(op)
	if err != nil {
		return "", err
	}
	defer h.s.mu.RUnlock()
	cu := cstr(url)
	defer cfree(cu)
	var buf [4096]C.char
	if err := call(op, func() C.int { return C.ps_history_path(st, cu, &buf[0], C.size_t(len(buf))) }); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}
