package datastore

// StorageConfig is the seed's storage_config: where the store is and how
// scan files are compressed.
type StorageConfig struct {
	// ParquetBasePath is the store's directory; "" is "./data".
	ParquetBasePath string `json:"parquet_base_path" yaml:"parquet_base_path"`
	// CompressionCodec is "zstd" (""), "gzip", "snappy", "none",
	// "lz4_raw", "brotli" or "auto" (by data size), in any case.
	CompressionCodec string `json:"compression_codec" yaml:"compression_codec"`
}

// ParquetWriterConfig is the seed's writer configuration.
type ParquetWriterConfig struct {
	// CompressionType overrides StorageConfig.CompressionCodec; "" keeps it.
	CompressionType string
	// BatchSize is how many results are converted and handed to the scan
	// writer at a time (1000 when 0 or less).
	BatchSize int
	// EnableValidation checks every result before anything is written: a
	// non-empty input URL that parses, status 100..599, a known URL status,
	// valid UTF-8 (invalid sequences become U+FFFD).
	EnableValidation bool
}

// DefaultParquetWriterConfig is the seed's default: zstd, batches of 1000,
// validation on.
func DefaultParquetWriterConfig() ParquetWriterConfig {
	return ParquetWriterConfig{CompressionType: "zstd", BatchSize: 1000, EnableValidation: true}
}

// ParquetReaderConfig is the seed's reader configuration. libprobestore
// reads in bounded batches of its own, so both fields are accepted and not
// used.
type ParquetReaderConfig struct {
	BufferSize int
	ReadAll    bool
}

// DefaultParquetReaderConfig is the seed's default.
func DefaultParquetReaderConfig() ParquetReaderConfig {
	return ParquetReaderConfig{BufferSize: 64 * 1024, ReadAll: true}
}

// ParquetFileHistoryStoreConfig is the seed's file history configuration.
type ParquetFileHistoryStoreConfig struct {
	// MaxFileSize in bytes: a history file that would grow past it moves
	// to archive/ (file_history.max_file_size; 0: no cap).
	MaxFileSize int64
	// EnableCompression: false writes history files uncompressed.
	EnableCompression bool
	// CompressionCodec is accepted and not used: history files are zstd.
	CompressionCodec string
	// EnableURLMutexes is accepted and not used: libprobestore always
	// serialises the writers of one URL (per-URL mutexes and flock).
	EnableURLMutexes bool
	// CleanupInterval (seconds) is accepted and not used.
	CleanupInterval int
}

// DefaultParquetFileHistoryStoreConfig is the seed's default: 100 MB files,
// zstd.
func DefaultParquetFileHistoryStoreConfig() ParquetFileHistoryStoreConfig {
	return ParquetFileHistoryStoreConfig{
		MaxFileSize:       100 * 1024 * 1024,
		EnableCompression: true,
		CompressionCodec:  "zstd",
		EnableURLMutexes:  true,
		CleanupInterval:   3600,
	}
}
