package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"

	"probestore/bindings/go/models"
)

// StreamingParquetReader streams results and history records one at a
// time, in memory bounded by a few pages whatever the file's size. Safe for
// concurrent use: each stream has its own iterator.
type StreamingParquetReader struct {
	s       *store
	openErr error
	logger  Logger
}

// StreamProbeResultsCallback receives each result of a stream.
type StreamProbeResultsCallback func(result models.ProbeResult) error

// StreamFileHistoryCallback receives each record of a stream.
type StreamFileHistoryCallback func(record models.FileHistoryRecord) error

// NewStreamingParquetReader opens the store of cfg for streaming; as in
// the Go datastore whose behaviour probestore implements, it returns no
// error (the methods return it).
func NewStreamingParquetReader(cfg *StorageConfig, logger Logger) *StreamingParquetReader {
	r := &StreamingParquetReader{logger: logger}
	r.s, r.openErr = openStore("StreamingParquetReader", cfg, logger)
	return r
}

// Close releases the store.
func (spr *StreamingParquetReader) Close() error {
	if spr.s == nil {
		return nil
	}
	return spr.s.close()
}

// StreamProbeResults calls callback with each result of the target's
// latest scan, in file order. A callback error stops the stream and is
// returned wrapped; a canceled ctx stops it between results (the error
// wraps ctx.Err()). A target never scanned is an error (ErrNotFound).
func (spr *StreamingParquetReader) StreamProbeResults(ctx context.Context, rootTargetURL string, callback StreamProbeResultsCallback) error {
	const op = "StreamingParquetReader.StreamProbeResults"
	if err := argCheck(op, "rootTargetURL", rootTargetURL); err != nil {
		return err
	}
	if callback == nil {
		return newError(op, codeInvalid, "callback is nil")
	}
	if spr.openErr != nil {
		return spr.openErr
	}
	st, err := spr.s.acquire(op)
	if err != nil {
		return err
	}
	ct := cstr(rootTargetURL)
	scans, err := listScans(op, st, ct)
	cfree(ct)
	spr.s.mu.RUnlock()
	if err != nil {
		return err
	}
	if len(scans) == 0 {
		return newError(op, codeNotFound, "%s has no scan", rootTargetURL)
	}
	return stream(ctx, op, scans[len(scans)-1].path, &streamState{probeFn: callback})
}

// StreamFileHistory calls callback with each record of a history file
// (current or archived), in file order.
func (spr *StreamingParquetReader) StreamFileHistory(ctx context.Context, filePath string, callback StreamFileHistoryCallback) error {
	const op = "StreamingParquetReader.StreamFileHistory"
	if callback == nil {
		return newError(op, codeInvalid, "callback is nil")
	}
	return stream(ctx, op, filePath, &streamState{historyFn: callback})
}

// StreamScanFile calls callback with each result of one scan file.
func (spr *StreamingParquetReader) StreamScanFile(ctx context.Context, filePath string, callback StreamProbeResultsCallback) error {
	const op = "StreamingParquetReader.StreamScanFile"
	if callback == nil {
		return newError(op, codeInvalid, "callback is nil")
	}
	return stream(ctx, op, filePath, &streamState{probeFn: callback})
}

func stream(ctx context.Context, op, path string, s *streamState) error {
	if err := argCheck(op, "path", path); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	tok := watch(ctx)
	defer tok.release()
	h := cgo.NewHandle(s)
	defer h.Delete()
	cp := cstr(path)
	defer cfree(cp)
	runtime.LockOSThread()
	var rc C.int
	if s.probeFn != nil {
		rc = C.gops_scan_stream(cp, C.uintptr_t(h), tok.c)
	} else {
		rc = C.gops_history_stream(cp, C.uintptr_t(h), tok.c)
	}
	err := lastError(op, rc)
	runtime.UnlockOSThread()
	s.rethrow()
	if s.err != nil {
		return callbackError(s.err)
	}
	return withContext(ctx, err)
}

// CountRecords returns the records of a scan or history file from its
// footer alone.
func (spr *StreamingParquetReader) CountRecords(ctx context.Context, filePath string) (int64, error) {
	const op = "StreamingParquetReader.CountRecords"
	if err := argCheck(op, "filePath", filePath); err != nil {
		return 0, err
	}
	if ctx != nil && ctx.Err() != nil {
		return 0, withContext(ctx, &Error{Op: op, Code: codeCanceled, Message: filePath + ": count canceled"})
	}
	cp := cstr(filePath)
	defer cfree(cp)
	var rows C.int64_t
	err := call(op, func() C.int { return C.ps_scan_count(cp, &rows) })
	if e, ok := err.(*Error); ok && e.Code == codeCorrupt {
		// Not a scan file: perhaps a history file.
		if call(op, func() C.int { return C.ps_history_count(cp, &rows) }) == nil {
			err = nil
		}
	}
	if err != nil {
		return 0, err
	}
	return int64(rows), nil
}

// BatchProcessor hands results to a function in batches of a fixed size.
// It buffers Go values (a C round trip would copy each result twice for
// nothing) and mirrors ps_batch: a full batch is passed on at once, Flush
// passes on the rest. Safe for concurrent use; the function is called
// with the processor's lock held, one batch at a time.
type BatchProcessor struct {
	mu        sync.Mutex
	batchSize int
	buffer    []models.ProbeResult
	callback  func(batch []models.ProbeResult) error
}

// NewBatchProcessor makes a processor of batchSize results (1000, the
// store's default, when 0 or less).
func NewBatchProcessor(batchSize int, callback func(batch []models.ProbeResult) error) *BatchProcessor {
	if batchSize <= 0 {
		batchSize = 1000
	}
	return &BatchProcessor{batchSize: batchSize, buffer: make([]models.ProbeResult, 0, batchSize), callback: callback}
}

// Add buffers result and, when the batch is full, passes it on.
func (bp *BatchProcessor) Add(result models.ProbeResult) error {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	bp.buffer = append(bp.buffer, result)
	if len(bp.buffer) >= bp.batchSize {
		return bp.flushLocked()
	}
	return nil
}

// Flush passes on what is buffered, if anything. The batch slice is valid
// during the call only (it is reused).
func (bp *BatchProcessor) Flush() error {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	return bp.flushLocked()
}

// Pending is the number of buffered results.
func (bp *BatchProcessor) Pending() int {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	return len(bp.buffer)
}

func (bp *BatchProcessor) flushLocked() error {
	if len(bp.buffer) == 0 {
		return nil
	}
	var err error
	if bp.callback != nil {
		err = bp.callback(bp.buffer)
	}
	for i := range bp.buffer {
		bp.buffer[i] = models.ProbeResult{}
	}
	bp.buffer = bp.buffer[:0]
	return err
}
