package datastore

/*
#include "shim.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"probestore/bindings/go/models"
)

// RecordTransformer turns probe results into scan file rows.
type RecordTransformer struct {
	logger Logger
}

// NewRecordTransformer makes a transformer.
func NewRecordTransformer(logger Logger) *RecordTransformer {
	return &RecordTransformer{logger: logger}
}

// TransformToParquetResult gives the row the scan writer stores for pr in a
// scan at scanTime: empty strings and zero numbers become nulls, the
// headers become headers_json exactly as the store writes it
// (ps_headers_json: keys sorted, as Go's json.Marshal of a map), first seen
// is pr.OldestScanTimestamp or else scanTime, last seen is scanTime. The
// diff status is pr.URLStatus (the writer recomputes it against the
// previous scan).
func (rt *RecordTransformer) TransformToParquetResult(probeResult models.ProbeResult, scanTime time.Time) models.ParquetProbeResult {
	pr := &probeResult
	scanMs := scanTime.UnixMilli()
	firstSeen := scanMs
	if !pr.OldestScanTimestamp.IsZero() {
		firstSeen = pr.OldestScanTimestamp.UnixMilli()
	}
	out := models.ParquetProbeResult{
		OriginalURL:        pr.InputURL,
		FinalURL:           strOrNil(pr.FinalURL),
		ContentType:        strOrNil(pr.ContentType),
		Title:              strOrNil(pr.Title),
		WebServer:          strOrNil(pr.WebServer),
		Technologies:       nonNil(pr.Technologies),
		IPAddress:          nonNil(pr.IPs),
		RootTargetURL:      strOrNil(pr.RootTargetURL),
		ProbeError:         strOrNil(pr.Error),
		Method:             strOrNil(pr.Method),
		HeadersJSON:        rt.headersJSON(pr),
		DiffStatus:         strOrNil(pr.URLStatus),
		ScanTimestamp:      scanMs,
		FirstSeenTimestamp: &firstSeen,
		LastSeenTimestamp:  &scanMs,
	}
	if pr.StatusCode != 0 {
		v := int32(pr.StatusCode)
		out.StatusCode = &v
	}
	if pr.ContentLength != 0 {
		v := pr.ContentLength
		out.ContentLength = &v
	}
	return out
}

func (rt *RecordTransformer) headersJSON(pr *models.ProbeResult) *string {
	if len(pr.Headers) == 0 {
		return nil
	}
	var a arena
	defer a.free()
	var r C.ps_probe_result
	probeToC(&a, &models.ProbeResult{Headers: pr.Headers}, &r)
	var js *C.char
	if err := call("RecordTransformer", func() C.int { return C.ps_headers_json(r.headers, r.n_headers, &js) }); err != nil {
		logTo(rt.logger, ErrorLevel, "Failed to marshal headers", map[string]interface{}{"url": pr.InputURL, "error": err.Error()})
		return nil
	}
	if js == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(js))
	s := C.GoString(js)
	return &s
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return append([]string(nil), v...)
}
