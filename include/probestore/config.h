/* Configuration: YAML with the keys of the Go datastore whose behaviour
 * probestore implements, defaults, environment overrides.
 *
 * The YAML file may be the Go datastore's own config.yaml: the store reads
 * storage_config and log_config (and diff_reporter_config's
 * max_diff_file_size_mb), and ignores the Go datastore's other top-level sections
 * (crawler_config, notification_config, ...). docs/config.md lists every
 * key with its type, default and environment variable. */
#ifndef PROBESTORE_CONFIG_H
#define PROBESTORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#include "probestore/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The writer's batch size and the batch processor's, unless configured. */
#define PS_BATCH_SIZE_DEFAULT 1000

/* compression_codec "auto": the codec is chosen per file by data size, see
 * ps_config_auto_codec(). Other codec values are libparq's PARQ_CODEC_*
 * ids (include/parq/parq.h). */
#define PS_CODEC_AUTO (-1)

/* What validation does with strings that are not valid UTF-8. */
typedef enum ps_utf8_repair {
	PS_UTF8_REPLACE = 0, /* each invalid sequence becomes U+FFFD */
	PS_UTF8_REJECT = 1   /* the record is refused with PS_EINVAL */
} ps_utf8_repair;

/* storage_config.parquet_writer: scan files and record validation. */
typedef struct ps_writer_config {
	size_t batch_size;          /* records converted per batch; batch processor default
	                             * (PS_BATCH_SIZE_DEFAULT, the Go datastore's 1000) */
	int64_t rows_per_row_group; /* 100000 */
	uint64_t max_file_size;     /* bytes; a scan file that would be larger is refused; 0: no cap */
	bool enable_validation;     /* Go datastore: true */
	ps_utf8_repair utf8_repair; /* PS_UTF8_REPLACE */
	uint64_t max_line_size;     /* bytes; the longest JSON line an ingest reads (16 MiB, room for bodies) */
	int schema_version;         /* scan files' schema: 2 (default), or 1 for the Go datastore's 17 columns */
	/* What makes a URL of two scans "changed" (diff --changes, the
	 * changed_fields column): the compared fields, comma-separated (NULL:
	 * all of them, see docs/config.md), and the relative change of
	 * content_length that counts, in percent (10) */
	char *change_fields;
	int change_length_percent;
} ps_writer_config;

/* storage_config.parquet_reader: queries and streaming. */
typedef struct ps_reader_config {
	int64_t default_limit;      /* results of a search without a limit; 0: all */
	size_t stream_batch_size;   /* records decoded per batch when streaming (1024) */
	bool use_mmap;              /* map files instead of pread (false) */
	bool verify_crc;            /* verify page CRCs where present (true) */
	size_t buffer_size;         /* the largest read(2) of a file, and the bytes read at once
	                             * from its end for the footer (64 KiB); 0: each range in one
	                             * read; the Go datastore's BufferSize */
	bool read_all;              /* read each file whole into memory when it is opened, then
	                             * decode from there (false: pages are read as they are
	                             * needed); the Go datastore's ReadAll */
} ps_reader_config;

/* The codec of the store's configuration (storage_config.compression_codec
 * and compression_level), where a codec is asked for. */
#define PS_CODEC_CONFIG (-2)

/* storage_config.file_history: monitored files' history. */
typedef struct ps_history_config {
	uint64_t max_file_size;     /* bytes; a larger file moves to archive/ (Go datastore: 100 MiB); 0: no cap */
	bool enable_compression;    /* Go datastore: true; false writes history files uncompressed */
	bool enable_archive;        /* true; false lets files grow past max_file_size */
	int compaction_threshold;   /* row groups in a file that trigger compaction (32); 0: never */
	uint64_t max_diff_size;     /* bytes; larger contents are stored without a line diff
	                             * (the Go datastore's diff_reporter_config: 10 MiB); 0: no cap */
	int url_hash_length;        /* hex digits of SHA-256 in file names, 1..64 (8) */
	int compression_codec;      /* history files' codec: PS_CODEC_CONFIG (the default: the
	                             * store's compression_codec and level), PS_CODEC_AUTO or a
	                             * PARQ_CODEC_* (at its default level); the Go datastore's CompressionCodec */
	bool enable_url_mutexes;    /* per-URL mutexes between a store's threads (true); false
	                             * leaves it to the lock files; the Go datastore's EnableURLMutexes */
	int64_t cleanup_interval_s; /* 0 (default): a URL's mutex is freed with its last release;
	                             * N: mutexes are kept for reuse and the unused ones freed every
	                             * N seconds; the Go datastore's CleanupInterval */
} ps_history_config;

/* storage_config.backend and storage_config.s3: where the store lives.
 * A base path "s3://bucket/prefix" chooses S3 by itself; with backend s3
 * and a plain base path, the bucket and prefix come from these keys. The
 * endpoint and region default to AWS_ENDPOINT_URL and AWS_REGION;
 * credentials come only from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, never from a file. */
typedef struct ps_object_config {
	char *backend;              /* "local" or "s3"; NULL: from the base path */
	char *endpoint;             /* "http://127.0.0.1:7480"; NULL: $AWS_ENDPOINT_URL or AWS */
	char *region;               /* NULL: $AWS_REGION, else us-east-1 */
	char *bucket;               /* with backend s3 and a plain base path */
	char *prefix;               /* keys under this prefix ("" or NULL: the bucket's root) */
	bool path_style;            /* endpoint/bucket/key requests (true: what Ceph and MinIO
	                             * serve without DNS); false: bucket.endpoint/key */
	char *footer_cache_dir;     /* the objects' footers read before, on local disk; NULL:
	                             * $XDG_CACHE_HOME/probestore/footers or ~/.cache/... */
	uint64_t footer_cache_size; /* its bound in bytes; 0: no cache */
} ps_object_config;

/* log_config. */
typedef struct ps_log_config {
	int level;                  /* PS_LOG_*; Go datastore: info */
	ps_log_format format;       /* Go datastore: console */
	char *file;                 /* the Go datastore's log_file; NULL or "": stderr. The library never
	                             * opens it: a program opens it and sets ps_logger.fd. */
} ps_log_config;

/* Everything the store reads from configuration. Strings are owned by the
 * struct (malloc'ed); release them with ps_config_free(). */
typedef struct ps_config {
	char *base_path;            /* storage_config.parquet_base_path ("./data") */
	int codec;                  /* PARQ_CODEC_* or PS_CODEC_AUTO (Go datastore: zstd) */
	int compression_level;      /* 0: the codec's default; ignored with auto */
	ps_writer_config writer;
	ps_reader_config reader;
	ps_history_config history;
	ps_log_config log;
	ps_object_config object;
} ps_config;

/* Fills cfg with the defaults. Returns 0, or PS_ENOMEM with cfg zeroed
 * (ps_config_free() is still safe). cfg's previous contents are not
 * freed. */
PS_API int ps_config_default(ps_config *cfg);

/* Frees cfg's strings and sets them to NULL; NULL-safe, idempotent. */
PS_API void ps_config_free(ps_config *cfg);

/* Deep copy; dst's previous contents are not freed. Returns 0 or PS_ENOMEM
 * (dst zeroed). */
PS_API int ps_config_copy(ps_config *dst, const ps_config *src);

/* Applies a YAML document over cfg (which holds defaults or earlier
 * values): keys present replace values, absent keys keep them, and a null
 * value (`key:` or `key: ~`) keeps the current value. name is used in
 * error messages ("config.yaml:12: unknown key ..."); NULL means
 * "<string>". Returns 0, or PS_ECONFIG with cfg unchanged and ps_errmsg()
 * naming the file, line, key path and the accepted values. */
PS_API int ps_config_load_string(ps_config *cfg, const char *yaml, const char *name);
/* As ps_config_load_string() for len bytes that need not be
 * NUL-terminated (a NUL byte inside is a syntax error). */
PS_API int ps_config_load_mem(ps_config *cfg, const void *data, size_t len, const char *name);
/* Reads path (at most 10 MiB, as the Go datastore) and applies it. Returns 0,
 * PS_EIO when the file cannot be read, or PS_ECONFIG. */
PS_API int ps_config_load_file(ps_config *cfg, const char *path);

/* Applies the PROBESTORE_* environment variables (docs/config.md) from envp,
 * a NULL-terminated "NAME=value" array as main()'s third argument; NULL
 * means the process environment. Empty values and other variables are
 * ignored. Returns 0, or PS_ECONFIG with cfg unchanged and ps_errmsg()
 * naming the variable. */
PS_API int ps_config_apply_env(ps_config *cfg, char *const envp[]);

/* Sets one key by its YAML path, e.g. ("storage_config.parquet_base_path",
 * "/srv/data") or ("log_config.log_level", "debug"), from its text as it
 * would appear in YAML. Returns 0, or PS_ECONFIG (unknown key or bad value)
 * with cfg unchanged. */
PS_API int ps_config_set(ps_config *cfg, const char *key, const char *value);

/* Checks the values that depend on each other (compression level against
 * codec) and the ranges, for a struct filled by hand. Returns 0 or
 * PS_ECONFIG. The loaders call it themselves. */
PS_API int ps_config_validate(const ps_config *cfg);

/* The Go datastore's rule for "auto": data below 1 MiB snappy (level 0, the
 * codec's default), below 10 MiB gzip level 6, else zstd level 3. Writes
 * PARQ_CODEC_* into *codec and the level into *level. */
PS_API void ps_config_auto_codec(size_t bytes, int *codec, int *level);

/* The codec and level to write `bytes` of data with under cfg: the auto
 * rule, or cfg's codec and level. */
PS_API void ps_config_codec_for(const ps_config *cfg, size_t bytes, int *codec, int *level);

/* Parses a compression_codec value, case-insensitively: "none" (or
 * "uncompressed"), "snappy", "gzip", "zstd", "lz4_raw" (or "lz4"),
 * "brotli", "auto". Returns 0 or PS_EINVAL. */
PS_API int ps_codec_parse(const char *name, int *codec);
/* "none", "snappy", "gzip", "zstd", "lz4_raw", "brotli", "auto", or
 * "unknown". */
PS_API const char *ps_codec_name(int codec);

#ifdef __cplusplus
}
#endif

#endif
