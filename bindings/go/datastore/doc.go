// Package datastore is the Go datastore's API over libprobestore: programs
// written against it switch by changing their import paths, and the files
// they write are the store the probestore command reads (and the other
// way round).
//
// Every C value is copied into Go values before a call returns; callbacks
// receive Go values. Writers, readers and the history store are safe for
// concurrent use; each call that can be canceled maps its context onto the
// store's cancellation token. See README.md for the API table.
package datastore

import "probestore/bindings/go/models"

// The models, under the names the datastore package's callers use.
type (
	ProbeResult        = models.ProbeResult
	ParquetProbeResult = models.ParquetProbeResult
	FileHistoryRecord  = models.FileHistoryRecord
	ContentDiffResult  = models.ContentDiffResult
	ContentDiff        = models.ContentDiff
	ExtractedPath      = models.ExtractedPath
)
