// Package models holds the records the datastore package reads and writes:
// probe results, file history records and content diffs. Their fields are
// those of the Go datastore that probestore stores files for, and the C
// structs of include/probestore/probe.h and history.h mirror them field for
// field.
package models

import "time"

// ProbeResult is one probed URL, as httpx reports it (ps_probe_result).
// Empty strings, zero numbers and zero times mean absent.
type ProbeResult struct {
	InputURL      string            `json:"input_url"`
	FinalURL      string            `json:"final_url,omitempty"`
	StatusCode    int               `json:"status_code,omitempty"`
	ContentLength int64             `json:"content_length,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`
	Title         string            `json:"title,omitempty"`
	WebServer     string            `json:"webserver,omitempty"`
	Technologies  []string          `json:"technologies,omitempty"`
	IPs           []string          `json:"ips,omitempty"`
	RootTargetURL string            `json:"root_target_url,omitempty"`
	Error         string            `json:"error,omitempty"`
	Method        string            `json:"method"`
	Headers       map[string]string `json:"headers,omitempty"`
	URLStatus     string            `json:"url_status,omitempty"` // "new", "existing", "old"
	// ScanTimestamp is the time of the scan the result belongs to.
	ScanTimestamp time.Time `json:"scan_timestamp,omitempty"`
	// OldestScanTimestamp is when the URL was first seen.
	OldestScanTimestamp time.Time `json:"oldest_scan_timestamp,omitempty"`

	// Carried by callers that have them; scan files have no columns for
	// them, so they read back empty.
	CNAMEs   []string `json:"cnames,omitempty"`
	ASN      string   `json:"asn,omitempty"`      // as httpx writes it: "AS64500"
	Duration float64  `json:"duration,omitempty"` // seconds
	Body     string   `json:"body,omitempty"`
}

// ParquetProbeResult is one row of a scan file, column for column
// (docs/format.md, "Scan files"); nil pointers are nulls.
type ParquetProbeResult struct {
	OriginalURL        string   `json:"original_url"`
	FinalURL           *string  `json:"final_url"`
	StatusCode         *int32   `json:"status_code"`
	ContentLength      *int64   `json:"content_length"`
	ContentType        *string  `json:"content_type"`
	Title              *string  `json:"title"`
	WebServer          *string  `json:"web_server"`
	Technologies       []string `json:"technologies"`
	IPAddress          []string `json:"ip_address"`
	RootTargetURL      *string  `json:"root_target_url"`
	ProbeError         *string  `json:"probe_error"`
	Method             *string  `json:"method"`
	HeadersJSON        *string  `json:"headers_json"`
	DiffStatus         *string  `json:"diff_status"`
	ScanTimestamp      int64    `json:"scan_timestamp"`
	FirstSeenTimestamp *int64   `json:"first_seen_timestamp"`
	LastSeenTimestamp  *int64   `json:"last_seen_timestamp"`
}

// FileHistoryRecord is one version of a monitored file (ps_history_record).
type FileHistoryRecord struct {
	URL                string  `json:"url"`
	Timestamp          int64   `json:"timestamp"` // Unix milliseconds; 0 when storing: now
	Hash               string  `json:"hash"`
	ContentType        string  `json:"content_type,omitempty"`
	Content            []byte  `json:"content,omitempty"`
	ETag               string  `json:"etag,omitempty"`
	LastModified       string  `json:"last_modified,omitempty"`
	DiffResultJSON     *string `json:"diff_result_json,omitempty"`     // a ContentDiffResult as JSON
	ExtractedPathsJSON *string `json:"extracted_paths_json,omitempty"` // a JSON array of ExtractedPath
}

// DiffOperation is the kind of a stretch of a line diff.
type DiffOperation int

const (
	DiffDelete DiffOperation = -1
	DiffEqual  DiffOperation = 0
	DiffInsert DiffOperation = 1
)

// ContentDiff is one stretch of a line diff.
type ContentDiff struct {
	Operation DiffOperation `json:"operation"`
	Text      string        `json:"text"`
}

// ContentDiffResult is the diff of a version against the one before it
// (ps_diff_result).
type ContentDiffResult struct {
	Timestamp        int64           `json:"timestamp"`
	ContentType      string          `json:"content_type"`
	Diffs            []ContentDiff   `json:"diffs"`
	LinesAdded       int             `json:"lines_added"`
	LinesDeleted     int             `json:"lines_deleted"`
	LinesChanged     int             `json:"lines_changed"`
	IsIdentical      bool            `json:"is_identical"`
	ErrorMessage     string          `json:"error_message,omitempty"`
	ProcessingTimeMs int64           `json:"processing_time_ms"`
	OldHash          string          `json:"old_hash,omitempty"`
	NewHash          string          `json:"new_hash,omitempty"`
	ExtractedPaths   []ExtractedPath `json:"extracted_paths,omitempty"`
}

// ExtractedPath is a URL or path found in a monitored file
// (ps_extracted_path).
type ExtractedPath struct {
	SourceURL            string    `json:"source_url"`
	ExtractedRawPath     string    `json:"extracted_raw_path"`
	ExtractedAbsoluteURL string    `json:"extracted_absolute_url"`
	Context              string    `json:"context"`
	Type                 string    `json:"type"`
	DiscoveryTimestamp   time.Time `json:"discovery_timestamp"`
}
