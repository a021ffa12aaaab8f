package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"strconv"
	"time"

	"probestore/bindings/go/models"
)

// ParquetWriter writes scans of probe results. Safe for concurrent use:
// each Write is a scan of its own.
type ParquetWriter struct {
	s      *store
	wcfg   ParquetWriterConfig
	codec  C.int
	logger Logger
}

// WriteResult is what a write did.
type WriteResult struct {
	FilePath       string
	RecordsWritten int
	FileSize       int64
	WriteTime      time.Duration
	NewURLs        int // marked new against the target's previous scan
	ExistingURLs   int
	Codec          string // the codec written ("auto" resolved): "zstd", "snappy", ...
}

// NewParquetWriter opens the store of cfg for writing with the writer
// defaults of the Go datastore whose behaviour probestore implements, and
// cfg's codec. Close it when done (a finalizer closes it otherwise).
func NewParquetWriter(cfg *StorageConfig, logger Logger) (*ParquetWriter, error) {
	return NewParquetWriterBuilder(logger).WithStorageConfig(cfg).Build()
}

// ParquetWriterBuilder builds a ParquetWriter.
type ParquetWriterBuilder struct {
	cfg    *StorageConfig
	wcfg   ParquetWriterConfig
	logger Logger
}

// NewParquetWriterBuilder starts a builder: batches of 1000, validation
// on, the storage config's codec.
func NewParquetWriterBuilder(logger Logger) *ParquetWriterBuilder {
	w := DefaultParquetWriterConfig()
	w.CompressionType = ""
	return &ParquetWriterBuilder{wcfg: w, logger: logger}
}

// WithStorageConfig sets where the store is and its codec.
func (b *ParquetWriterBuilder) WithStorageConfig(cfg *StorageConfig) *ParquetWriterBuilder {
	b.cfg = cfg
	return b
}

// WithWriterConfig sets the codec (overriding the storage config's when
// not ""), the batch size and validation.
func (b *ParquetWriterBuilder) WithWriterConfig(cfg ParquetWriterConfig) *ParquetWriterBuilder {
	b.wcfg = cfg
	return b
}

// Build opens the store.
func (b *ParquetWriterBuilder) Build() (*ParquetWriter, error) {
	const op = "ParquetWriter"
	if b.cfg == nil {
		return nil, newError(op, codeInvalid, "storage config is nil")
	}
	w := &ParquetWriter{wcfg: b.wcfg, codec: C.PS_CODEC_CONFIG, logger: b.logger}
	if w.wcfg.BatchSize <= 0 {
		w.wcfg.BatchSize = 1000
	}
	if t := w.wcfg.CompressionType; t != "" {
		if err := argCheck(op, "CompressionType", t); err != nil {
			return nil, err
		}
		ct := cstr(t)
		defer cfree(ct)
		var codec C.int
		if err := call(op, func() C.int { return C.ps_codec_parse(ct, &codec) }); err != nil {
			return nil, newError(op, codeConfig, "CompressionType %q: expected none, snappy, gzip, zstd, lz4_raw, brotli or auto", t)
		}
		w.codec = codec
	}
	s, err := openStore(op, b.cfg, b.logger,
		"storage_config.parquet_writer.batch_size", strconv.Itoa(w.wcfg.BatchSize),
		"storage_config.parquet_writer.enable_validation", strconv.FormatBool(w.wcfg.EnableValidation))
	if err != nil {
		return nil, err
	}
	w.s = s
	return w, nil
}

// Close releases the store. Calls after Close return an error.
func (pw *ParquetWriter) Close() error { return pw.s.close() }

// Write writes probeResults as one scan of rootTargetURL (a URL or a bare
// host, which means https) in session scanSessionID ("" generates one),
// each URL marked new or existing against the target's previous scan.
// Nothing is visible until the file is complete; a validation error names
// the record and field and writes nothing; a canceled ctx stops the write
// between batches and row groups and leaves no file (the error wraps
// ctx.Err()).
func (pw *ParquetWriter) Write(ctx context.Context, probeResults []models.ProbeResult, scanSessionID string, rootTargetURL string) error {
	res, err := pw.WriteWithResult(ctx, probeResults, scanSessionID, rootTargetURL)
	if err != nil {
		return err
	}
	logTo(pw.logger, InfoLevel, "Successfully wrote probe results to Parquet file", map[string]interface{}{
		"file_path": res.FilePath, "records_written": res.RecordsWritten, "write_time": res.WriteTime.String(),
	})
	return nil
}

// WriteWithResult is Write returning what it wrote.
func (pw *ParquetWriter) WriteWithResult(ctx context.Context, probeResults []models.ProbeResult, scanSessionID string, rootTargetURL string) (*WriteResult, error) {
	const op = "ParquetWriter.Write"
	if err := argCheck(op, "rootTargetURL", rootTargetURL, "scanSessionID", scanSessionID); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if rootTargetURL == "" {
		return nil, newError(op, codeInvalid, "root target URL is empty")
	}
	for i := range probeResults {
		if err := checkProbe(&probeResults[i]); err != nil {
			return nil, newError(op, codeInvalid, "record %d: %v; nothing was written", i, err)
		}
	}
	st, err := pw.s.acquire(op)
	if err != nil {
		return nil, err
	}
	defer pw.s.mu.RUnlock()

	tok := watch(ctx)
	defer tok.release()
	ctarget := cstr(rootTargetURL)
	defer cfree(ctarget)
	var csession *C.char
	if scanSessionID != "" {
		csession = cstr(scanSessionID)
		defer cfree(csession)
	}
	var o C.ps_scan_options
	C.ps_scan_options_default(&o)
	o.root_target = ctarget
	o.session_id = csession
	o.codec = pw.codec
	o.validate = 0
	if pw.wcfg.EnableValidation {
		o.validate = 1
	}
	o.cancel = tok.c

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var w *C.ps_scan_writer
	if err := lastError(op, C.ps_scan_writer_open(&w, st, &o)); err != nil {
		return nil, withContext(ctx, err)
	}
	var a arena
	defer a.free()
	for i := 0; i < len(probeResults); i += pw.wcfg.BatchSize {
		if ctx.Err() != nil {
			C.ps_scan_writer_abort(w)
			return nil, withContext(ctx, &Error{Op: op, Code: codeCanceled, Message: rootTargetURL + ": write canceled"})
		}
		end := i + pw.wcfg.BatchSize
		if end > len(probeResults) {
			end = len(probeResults)
		}
		batch := probesToC(&a, probeResults[i:end])
		rc := C.ps_scan_writer_add(w, batch, C.size_t(end-i))
		a.reset()
		if rc != 0 {
			err := lastError(op, rc)
			C.ps_scan_writer_abort(w)
			return nil, withContext(ctx, err)
		}
	}
	var res C.ps_scan_result
	if err := lastError(op, C.ps_scan_writer_commit(w, &res)); err != nil {
		return nil, withContext(ctx, err)
	}
	return &WriteResult{
		FilePath:       C.GoString(&res.path[0]),
		RecordsWritten: int(res.records),
		FileSize:       int64(res.bytes),
		WriteTime:      time.Duration(float64(res.elapsed_s) * float64(time.Second)),
		NewURLs:        int(res.n_new),
		ExistingURLs:   int(res.n_existing),
		Codec:          C.GoString(C.ps_codec_name(res.codec)),
	}, nil
}
