package datastore

import "strconv"

// StorageConfig is the storage_config of the Go datastore whose behaviour
// probestore implements: where the store is and how
// scan files are compressed.
type StorageConfig struct {
	// ParquetBasePath is the store's directory; "" is "./data".
	ParquetBasePath string `json:"parquet_base_path" yaml:"parquet_base_path"`
	// CompressionCodec is "zstd" (""), "gzip", "snappy", "none",
	// "lz4_raw", "brotli" or "auto" (by data size), in any case.
	CompressionCodec string `json:"compression_codec" yaml:"compression_codec"`
}

// ParquetWriterConfig is the Go datastore's writer configuration.
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

// DefaultParquetWriterConfig is the Go datastore's default: zstd, batches of 1000,
// validation on.
func DefaultParquetWriterConfig() ParquetWriterConfig {
	return ParquetWriterConfig{CompressionType: "zstd", BatchSize: 1000, EnableValidation: true}
}

// ParquetReaderConfig is the Go datastore's reader configuration
// (storage_config.parquet_reader.buffer_size and read_all).
type ParquetReaderConfig struct {
	// BufferSize is the largest single read of a file, in bytes; the end
	// of a file is read in one read of this size, so that the footer comes
	// with its length. 0: each range in one read.
	BufferSize int
	// ReadAll reads each file whole into memory when it is opened and
	// decodes from there; false reads pages as they are needed.
	ReadAll bool
}

// settings are the configuration keys of c.
func (c ParquetReaderConfig) settings(op string) ([]string, error) {
	if c.BufferSize < 0 {
		return nil, newError(op, codeConfig, "BufferSize %d is negative", c.BufferSize)
	}
	return []string{
		"storage_config.parquet_reader.buffer_size", strconv.Itoa(c.BufferSize),
		"storage_config.parquet_reader.read_all", strconv.FormatBool(c.ReadAll),
	}, nil
}

// DefaultParquetReaderConfig is the Go datastore's default.
func DefaultParquetReaderConfig() ParquetReaderConfig {
	return ParquetReaderConfig{BufferSize: 64 * 1024, ReadAll: true}
}

// ParquetFileHistoryStoreConfig is the Go datastore's file history configuration.
type ParquetFileHistoryStoreConfig struct {
	// MaxFileSize in bytes: a history file that would grow past it moves
	// to archive/ (file_history.max_file_size; 0: no cap).
	MaxFileSize int64
	// EnableCompression: false writes history files uncompressed.
	EnableCompression bool
	// CompressionCodec of history files, as StorageConfig.CompressionCodec;
	// "" follows StorageConfig.CompressionCodec
	// (file_history.compression_codec).
	CompressionCodec string
	// EnableURLMutexes: the writers of one URL in one store take turns on
	// a per-URL mutex; false leaves it to the lock files, which serialise
	// them too (file_history.enable_url_mutexes).
	EnableURLMutexes bool
	// CleanupInterval in seconds: 0 frees a URL's mutex when its last user
	// releases it; N keeps released mutexes for reuse and frees the unused
	// ones every N seconds (file_history.cleanup_interval).
	CleanupInterval int
}

// settings are the configuration keys of c.
func (c ParquetFileHistoryStoreConfig) settings(op string) ([]string, error) {
	if c.MaxFileSize < 0 {
		return nil, newError(op, codeConfig, "MaxFileSize %d is negative", c.MaxFileSize)
	}
	if c.CleanupInterval < 0 {
		return nil, newError(op, codeConfig, "CleanupInterval %d is negative", c.CleanupInterval)
	}
	if err := argCheck(op, "CompressionCodec", c.CompressionCodec); err != nil {
		return nil, err
	}
	kv := []string{
		"storage_config.file_history.max_file_size", strconv.FormatInt(c.MaxFileSize, 10),
		"storage_config.file_history.enable_compression", strconv.FormatBool(c.EnableCompression),
		"storage_config.file_history.enable_url_mutexes", strconv.FormatBool(c.EnableURLMutexes),
		"storage_config.file_history.cleanup_interval", strconv.Itoa(c.CleanupInterval),
	}
	if c.CompressionCodec != "" {
		kv = append(kv, "storage_config.file_history.compression_codec", c.CompressionCodec)
	}
	return kv, nil
}

// DefaultParquetFileHistoryStoreConfig is the Go datastore's default: 100 MB files,
// zstd, URL mutexes kept and the unused ones freed every hour.
func DefaultParquetFileHistoryStoreConfig() ParquetFileHistoryStoreConfig {
	return ParquetFileHistoryStoreConfig{
		MaxFileSize:       100 * 1024 * 1024,
		EnableCompression: true,
		CompressionCodec:  "zstd",
		EnableURLMutexes:  true,
		CleanupInterval:   3600,
	}
}
