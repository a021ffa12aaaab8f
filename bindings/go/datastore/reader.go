package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"

	"probestore/bindings/go/models"
)

// ParquetReader reads the scans of a store. Safe for concurrent use.
type ParquetReader struct {
	s       *store
	openErr error
	rcfg    ParquetReaderConfig
	logger  Logger
}

// ProbeResultQuery selects results of the latest scan of a target (every
// target when RootTargetURL is ""): Limit results (0: all) after Offset.
type ProbeResultQuery struct {
	RootTargetURL string
	Limit         int
	Offset        int
}

// ProbeResultSearchResult is a page of results and the count of all
// matches before Limit and Offset.
type ProbeResultSearchResult struct {
	Results    []models.ProbeResult
	TotalCount int
	// LastModified is the time of the target's latest scan (zero when the
	// query names no target or the target has no scan).
	LastModified time.Time
	// FilePath is the latest scan file of the target ("" likewise).
	FilePath string
}

// NewParquetReader opens the store of cfg for reading. As in the Go
// datastore whose behaviour probestore implements, it returns no error: a
// store that cannot be opened makes every method return the error.
func NewParquetReader(cfg *StorageConfig, logger Logger) *ParquetReader {
	r, _ := NewParquetReaderBuilder(logger).WithStorageConfig(cfg).Build()
	return r
}

// ParquetReaderBuilder builds a ParquetReader.
type ParquetReaderBuilder struct {
	cfg    *StorageConfig
	rcfg   ParquetReaderConfig
	logger Logger
}

// NewParquetReaderBuilder starts a builder with the default reader config.
func NewParquetReaderBuilder(logger Logger) *ParquetReaderBuilder {
	return &ParquetReaderBuilder{rcfg: DefaultParquetReaderConfig(), logger: logger}
}

// WithStorageConfig sets where the store is.
func (b *ParquetReaderBuilder) WithStorageConfig(cfg *StorageConfig) *ParquetReaderBuilder {
	b.cfg = cfg
	return b
}

// WithReaderConfig sets the reader config.
func (b *ParquetReaderBuilder) WithReaderConfig(cfg ParquetReaderConfig) *ParquetReaderBuilder {
	b.rcfg = cfg
	return b
}

// Build opens the store. The reader is returned also with an error, and
// its methods return that error.
func (b *ParquetReaderBuilder) Build() (*ParquetReader, error) {
	r := &ParquetReader{rcfg: b.rcfg, logger: b.logger}
	kv, err := b.rcfg.settings("ParquetReader")
	if err != nil {
		r.openErr = err
		return r, err
	}
	r.s, r.openErr = openStore("ParquetReader", b.cfg, b.logger, kv...)
	return r, r.openErr
}

// Close releases the store.
func (pr *ParquetReader) Close() error {
	if pr.s == nil {
		return nil
	}
	return pr.s.close()
}

func (pr *ParquetReader) acquire(op string) (*C.ps_store, error) {
	if pr.openErr != nil {
		return nil, pr.openErr
	}
	return pr.s.acquire(op)
}

// FindAllProbeResultsForTarget returns every result of the target's latest
// scan and that scan's time. A target never scanned gives no results, a
// zero time and no error, as in the Go datastore.
func (pr *ParquetReader) FindAllProbeResultsForTarget(rootTargetURL string) ([]models.ProbeResult, time.Time, error) {
	const op = "ParquetReader.FindAllProbeResultsForTarget"
	if err := argCheck(op, "rootTargetURL", rootTargetURL); err != nil {
		return nil, time.Time{}, err
	}
	st, err := pr.acquire(op)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer pr.s.mu.RUnlock()
	ct := cstr(rootTargetURL)
	defer cfree(ct)
	var set C.ps_probe_set
	err = call(op, func() C.int { return C.ps_store_latest_results(st, ct, &set) })
	if err != nil {
		if e, ok := err.(*Error); ok && e.Code == codeNotFound {
			return []models.ProbeResult{}, time.Time{}, nil
		}
		return nil, time.Time{}, err
	}
	defer C.ps_probe_set_free(&set)
	results := probeSetFromC(&set)
	logTo(pr.logger, DebugLevel, "Read probe results for target", map[string]interface{}{
		"root_target_url": rootTargetURL, "record_count": len(results)})
	return results, msToTime(set.scan_time_ms), nil
}

// SearchProbeResults returns Limit results (0: all) after Offset of the
// target's latest scan, or of every target's latest scan, with the total.
func (pr *ParquetReader) SearchProbeResults(query ProbeResultQuery) (*ProbeResultSearchResult, error) {
	const op = "ParquetReader.SearchProbeResults"
	if err := argCheck(op, "RootTargetURL", query.RootTargetURL); err != nil {
		return nil, err
	}
	if query.Limit < 0 || query.Offset < 0 {
		return nil, newError(op, codeInvalid, "limit %d and offset %d must not be negative", query.Limit, query.Offset)
	}
	st, err := pr.acquire(op)
	if err != nil {
		return nil, err
	}
	defer pr.s.mu.RUnlock()
	out := &ProbeResultSearchResult{Results: []models.ProbeResult{}}
	var q C.ps_query
	C.ps_query_default(&q)
	q.scans = C.PS_SCANS_LATEST
	q.limit = C.int64_t(query.Limit)
	q.offset = C.int64_t(query.Offset)
	if query.RootTargetURL != "" {
		ct := cstr(query.RootTargetURL)
		defer cfree(ct)
		q.root_target = ct
		scans, err := listScans(op, st, ct)
		if err != nil {
			return nil, err
		}
		if len(scans) == 0 {
			return out, nil
		}
		last := scans[len(scans)-1]
		out.LastModified, out.FilePath = last.time, last.path
	}
	var set C.ps_probe_set
	if err := call(op, func() C.int { return C.ps_store_search(st, &q, &set) }); err != nil {
		return nil, err
	}
	defer C.ps_probe_set_free(&set)
	out.Results = probeSetFromC(&set)
	out.TotalCount = int(set.total)
	return out, nil
}

type scanInfo struct {
	path string
	time time.Time
	rows int64
}

// listScans gives the scans of a target, oldest first.
func listScans(op string, st *C.ps_store, target *C.char) ([]scanInfo, error) {
	var arr *C.ps_scan_info
	var n C.size_t
	runtime.LockOSThread()
	err := lastError(op, C.ps_store_list_scans(st, target, &arr, &n))
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(arr))
	out := make([]scanInfo, int(n))
	if n > 0 {
		for i, s := range unsafe.Slice(arr, int(n)) {
			out[i] = scanInfo{path: C.GoString(&s.path[0]), time: msToTime(s.scan_time_ms), rows: int64(s.rows)}
		}
	}
	return out, nil
}
