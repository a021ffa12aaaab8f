/*
 * libparq: a Parquet reader and writer in C.
 *
 * Conventions: functions return 0 on success and a negative PARQ_E* code on
 * failure; the message of the last failure of the calling thread, with its
 * context (file, row group, column), is returned by parq_errmsg().
 * Handles are not thread-safe; distinct handles may be used from distinct
 * threads, including several readers of one file.
 */
#ifndef PARQ_H
#define PARQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The functions libparq exports; everything else stays inside. */
#if defined(__GNUC__)
#define PARQ_API __attribute__((visibility("default")))
#else
#define PARQ_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PARQ_VERSION_MAJOR 0
#define PARQ_VERSION_MINOR 1
#define PARQ_VERSION_PATCH 0
#define PARQ_VERSION_STRING "0.1.0"

/* ---- errors ------------------------------------------------------------ */

enum {
	PARQ_OK = 0,
	PARQ_EIO = -1,          /* operating system error (errno in message) */
	PARQ_ENOMEM = -2,       /* allocation failed */
	PARQ_EINVAL = -3,       /* invalid argument or API misuse */
	PARQ_ECORRUPT = -4,     /* the file is malformed */
	PARQ_EUNSUPPORTED = -5, /* valid Parquet this build cannot handle */
	PARQ_ELIMIT = -6,       /* a size exceeds a configured cap */
	PARQ_ECRC = -7,         /* page checksum mismatch */
	PARQ_ECANCELED = -8     /* stopped by the caller */
};

/* Message of the last error raised on this thread ("" if none). */
PARQ_API const char *parq_errmsg(void);
/* Name of an error code ("PARQ_ECORRUPT"...). */
PARQ_API const char *parq_strerror(int code);

/* ---- physical model --------------------------------------------------- */

typedef enum {
	PARQ_BOOLEAN = 0,
	PARQ_INT32 = 1,
	PARQ_INT64 = 2,
	PARQ_INT96 = 3,
	PARQ_FLOAT = 4,
	PARQ_DOUBLE = 5,
	PARQ_BYTE_ARRAY = 6,
	PARQ_FIXED_LEN_BYTE_ARRAY = 7
} parq_type;

typedef enum {
	PARQ_REQUIRED = 0,
	PARQ_OPTIONAL = 1,
	PARQ_REPEATED = 2
} parq_repetition;

typedef enum {
	PARQ_CODEC_UNCOMPRESSED = 0,
	PARQ_CODEC_SNAPPY = 1,
	PARQ_CODEC_GZIP = 2,
	PARQ_CODEC_LZO = 3,
	PARQ_CODEC_BROTLI = 4,
	PARQ_CODEC_LZ4 = 5, /* deprecated Hadoop-framed LZ4 (read only) */
	PARQ_CODEC_ZSTD = 6,
	PARQ_CODEC_LZ4_RAW = 7
} parq_codec;

typedef enum {
	PARQ_ENC_PLAIN = 0,
	PARQ_ENC_PLAIN_DICTIONARY = 2,
	PARQ_ENC_RLE = 3,
	PARQ_ENC_BIT_PACKED = 4,
	PARQ_ENC_DELTA_BINARY_PACKED = 5,
	PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	PARQ_ENC_DELTA_BYTE_ARRAY = 7,
	PARQ_ENC_RLE_DICTIONARY = 8,
	PARQ_ENC_BYTE_STREAM_SPLIT = 9
} parq_encoding;

typedef enum {
	PARQ_PAGE_DATA = 0,
	PARQ_PAGE_INDEX = 1,
	PARQ_PAGE_DICTIONARY = 2,
	PARQ_PAGE_DATA_V2 = 3
} parq_page_type;

/* Logical types; the values are the field ids of the LogicalType union. */
typedef enum {
	PARQ_LT_NONE = 0,
	PARQ_LT_STRING = 1,
	PARQ_LT_MAP = 2,
	PARQ_LT_LIST = 3,
	PARQ_LT_ENUM = 4,
	PARQ_LT_DECIMAL = 5,
	PARQ_LT_DATE = 6,
	PARQ_LT_TIME = 7,
	PARQ_LT_TIMESTAMP = 8,
	PARQ_LT_INTEGER = 10,
	PARQ_LT_UNKNOWN = 11, /* "always null" */
	PARQ_LT_JSON = 12,
	PARQ_LT_BSON = 13,
	PARQ_LT_UUID = 14,
	PARQ_LT_FLOAT16 = 15,
	PARQ_LT_VARIANT = 16,
	PARQ_LT_GEOMETRY = 17,
	PARQ_LT_GEOGRAPHY = 18,
	PARQ_LT_OTHER = 1000 /* a logical type this library does not know */
} parq_logical_kind;

typedef enum {
	PARQ_UNIT_MILLIS = 0,
	PARQ_UNIT_MICROS = 1,
	PARQ_UNIT_NANOS = 2
} parq_time_unit;

/* Legacy ConvertedType values (written beside the logical type). */
typedef enum {
	PARQ_CT_NONE = -1,
	PARQ_CT_UTF8 = 0,
	PARQ_CT_MAP = 1,
	PARQ_CT_MAP_KEY_VALUE = 2,
	PARQ_CT_LIST = 3,
	PARQ_CT_ENUM = 4,
	PARQ_CT_DECIMAL = 5,
	PARQ_CT_DATE = 6,
	PARQ_CT_TIME_MILLIS = 7,
	PARQ_CT_TIME_MICROS = 8,
	PARQ_CT_TIMESTAMP_MILLIS = 9,
	PARQ_CT_TIMESTAMP_MICROS = 10,
	PARQ_CT_UINT_8 = 11,
	PARQ_CT_UINT_16 = 12,
	PARQ_CT_UINT_32 = 13,
	PARQ_CT_UINT_64 = 14,
	PARQ_CT_INT_8 = 15,
	PARQ_CT_INT_16 = 16,
	PARQ_CT_INT_32 = 17,
	PARQ_CT_INT_64 = 18,
	PARQ_CT_JSON = 19,
	PARQ_CT_BSON = 20,
	PARQ_CT_INTERVAL = 21
} parq_converted_type;

typedef struct parq_logical {
	parq_logical_kind kind;
	int32_t scale, precision; /* DECIMAL */
	parq_time_unit unit;      /* TIME, TIMESTAMP */
	bool utc;                 /* TIME, TIMESTAMP: isAdjustedToUTC */
	int8_t bit_width;         /* INTEGER: 8, 16, 32, 64 */
	bool is_signed;           /* INTEGER */
} parq_logical;

static inline parq_logical parq_lt_none(void) { parq_logical l = {0}; return l; }
static inline parq_logical parq_lt_string(void) { parq_logical l = {0}; l.kind = PARQ_LT_STRING; return l; }
static inline parq_logical parq_lt_json(void) { parq_logical l = {0}; l.kind = PARQ_LT_JSON; return l; }
static inline parq_logical parq_lt_date(void) { parq_logical l = {0}; l.kind = PARQ_LT_DATE; return l; }
static inline parq_logical parq_lt_int(int bits, bool is_signed)
{ parq_logical l = {0}; l.kind = PARQ_LT_INTEGER; l.bit_width = (int8_t)bits; l.is_signed = is_signed; return l; }
static inline parq_logical parq_lt_timestamp(parq_time_unit u, bool utc)
{ parq_logical l = {0}; l.kind = PARQ_LT_TIMESTAMP; l.unit = u; l.utc = utc; return l; }
static inline parq_logical parq_lt_time(parq_time_unit u, bool utc)
{ parq_logical l = {0}; l.kind = PARQ_LT_TIME; l.unit = u; l.utc = utc; return l; }
static inline parq_logical parq_lt_decimal(int32_t precision, int32_t scale)
{ parq_logical l = {0}; l.kind = PARQ_LT_DECIMAL; l.precision = precision; l.scale = scale; return l; }

/* A byte string view: not NUL-terminated, not owned. */
typedef struct parq_bytes {
	const uint8_t *ptr;
	uint32_t len;
} parq_bytes;

/* ---- schema ------------------------------------------------------------ */

typedef struct parq_node parq_node;

struct parq_node {
	char *name;
	char *path;               /* dotted path from the root, e.g. "a.list.element" */
	parq_repetition repetition;
	bool is_group;
	parq_node *parent;
	parq_node **children;
	int n_children;
	/* leaves */
	parq_type type;
	int32_t type_length;      /* FIXED_LEN_BYTE_ARRAY */
	/* both */
	parq_logical logical;
	int converted_type;       /* parq_converted_type, PARQ_CT_NONE if absent */
	int32_t field_id;         /* -1 if absent */
	/* computed by parq_schema_finish */
	int16_t max_def;          /* definition level of a present value at this node */
	int16_t max_rep;          /* repetition level of this node */
	int leaf_index;           /* -1 for groups */
	int first_leaf, n_leaves; /* the leaves of this subtree are contiguous */
	int depth;                /* root is 0 */
};

typedef struct parq_schema {
	parq_node *root;          /* a required group named "schema" */
	parq_node **leaves;       /* in file order */
	int n_leaves;
	int n_nodes;
	bool finished;
} parq_schema;

/* Creates an empty schema; free with parq_schema_free. */
PARQ_API int parq_schema_new(parq_schema **out);
PARQ_API void parq_schema_free(parq_schema *s);
/* Adds a group under parent (NULL = root). *out (optional) is owned by s. */
PARQ_API int parq_schema_add_group(parq_schema *s, parq_node *parent, const char *name,
                          parq_repetition rep, const parq_logical *lt, parq_node **out);
/* Adds a leaf under parent (NULL = root); type_length for FIXED_LEN_BYTE_ARRAY. */
PARQ_API int parq_schema_add_leaf(parq_schema *s, parq_node *parent, const char *name,
                         parq_type type, parq_repetition rep, const parq_logical *lt,
                         int32_t type_length, parq_node **out);
/* Adds a standard 3-level LIST:
 *   <list_rep> group <name> (LIST) { repeated group list { <elem_rep> <type> element; } }
 * *elem_out (optional) receives the element leaf. */
PARQ_API int parq_schema_add_list(parq_schema *s, parq_node *parent, const char *name,
                         parq_repetition list_rep, parq_type elem_type,
                         parq_repetition elem_rep, const parq_logical *elem_lt,
                         int32_t type_length, parq_node **elem_out);
/* Computes levels, leaf order and paths; further additions are refused. */
PARQ_API int parq_schema_finish(parq_schema *s);
/* Leaf index of a column by dotted path or by top-level name (when that
 * field has exactly one leaf); -1 if absent. */
PARQ_API int parq_schema_find_leaf(const parq_schema *s, const char *path);
/* Top-level field by name, or NULL. */
PARQ_API const parq_node *parq_schema_find_field(const parq_schema *s, const char *name);
PARQ_API const char *parq_type_name(parq_type t);
PARQ_API const char *parq_codec_name(parq_codec c);
PARQ_API const char *parq_encoding_name(parq_encoding e);
/* Parses "zstd", "snappy", "gzip", "none"/"uncompressed", "lz4"/"lz4_raw", "brotli". */
PARQ_API int parq_codec_from_name(const char *name, parq_codec *out);

/* ---- column vectors ------------------------------------------------------
 *
 * One leaf column's data for a run of rows.
 *   def_levels: one per level entry, NULL when the leaf's max_def is 0;
 *   rep_levels: one per level entry, NULL when the leaf's max_rep is 0;
 *   values: only the present values (entries whose def level equals
 *   max_def), packed: BOOLEAN as uint8_t 0/1, INT32 int32_t, INT64 int64_t,
 *   INT96 12 bytes, FLOAT float, DOUBLE double, FIXED_LEN_BYTE_ARRAY
 *   type_length bytes each; BYTE_ARRAY values are in `bytes`.
 * When max_rep is 0, num_levels equals num_rows.
 */
typedef struct parq_column_batch {
	int64_t num_rows;
	int64_t num_levels;
	int64_t num_values;
	const int16_t *def_levels;
	const int16_t *rep_levels;
	const void *values;
	const parq_bytes *bytes;
} parq_column_batch;

/* Bytes one value of leaf takes in a batch's `values` (0 for BYTE_ARRAY,
 * whose values are in `bytes`). */
PARQ_API size_t parq_value_width(const parq_node *leaf);

/* ---- writer ---------------------------------------------------------- */

typedef struct parq_kv {
	const char *key;
	const char *value;
} parq_kv;

/* Per-column settings; `leaf` selects the column. Start from
 * parq_column_options_default(). */
typedef struct parq_column_options {
	int leaf;
	int dictionary;       /* -1 default, 0 off, 1 on */
	/* Values of pages that are not dictionary-encoded: -1 automatic (for
	 * INT32 and INT64, DELTA_BINARY_PACKED where a page comes out smaller
	 * than PLAIN), PARQ_ENC_PLAIN, or PARQ_ENC_DELTA_BINARY_PACKED (INT32
	 * and INT64 only). */
	int encoding;
	bool statistics_off;
	double bloom_fpp;     /* > 0: write a bloom filter with this false-positive rate */
	int64_t bloom_ndv;    /* expected distinct values (0: from the row group) */
	/* Uncompressed bytes after which a data page ends (0: the writer's
	 * page_bytes). Large values that repeat from row to row compress
	 * together when a page holds many of them. */
	size_t page_bytes;
	/* ZSTD: also find matches far apart within a page (long-distance
	 * matching); with a large page_bytes, versions of one document stored
	 * row after row cost little more than their differences. */
	bool long_match;
	/* ZSTD: the match finder's hash table (2^zstd_hash_log entries) and
	 * shortest match where not the level's (0), within zstd's bounds
	 * (6..30 and 3..7 on 64 bits). A small table and long matches
	 * compress text pages of many similar short values (a scan's
	 * headers) faster at level 1, about as small. */
	int zstd_hash_log;
	int zstd_min_match;
} parq_column_options;

/* Defaults for leaf: dictionary and encoding automatic, statistics on, no
 * bloom filter. */
PARQ_API void parq_column_options_default(parq_column_options *o, int leaf);

/* The system calls a writer makes on its file, for callers that need to
 * route or observe them (tests inject failures this way). Each member
 * behaves like the system call of its name and sets errno on failure;
 * a NULL member means the system call itself. ud is passed through. */
typedef struct parq_io {
	ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
	/* copy_file_range(2) with both offsets given, flags 0 */
	ssize_t (*copy_file_range)(void *ud, int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
	                           size_t len);
	int (*fsync)(void *ud, int fd);
	void *ud;
} parq_io;

typedef struct parq_writer_options {
	parq_codec codec;
	int compression_level;       /* 0: the codec's default */
	int data_page_version;       /* 1 (default) or 2 */
	bool dictionary;             /* dictionary encoding where it pays (default on) */
	size_t dictionary_page_limit;/* fall back to PLAIN past this dictionary size */
	size_t page_bytes;           /* target uncompressed data page size */
	int64_t page_rows;           /* at most this many rows per page */
	int64_t row_group_rows;
	size_t row_group_bytes;      /* uncompressed bytes per row group, estimated */
	bool statistics;             /* column and page statistics (default on) */
	size_t statistics_max_bytes; /* longer BYTE_ARRAY min/max are truncated */
	bool page_index;             /* ColumnIndex + OffsetIndex (default on) ... */
	int page_index_min_pages;    /* ... for column chunks of at least this many data
	                              * pages (default 2: a one-page chunk's statistics
	                              * say what its index would) */
	int64_t bloom_min_values;    /* column chunks with fewer values get no bloom
	                              * filter, which would cost more to read than
	                              * their pages (default 1024) */
	bool page_crc;               /* CRC-32 of every page (default off) */
	bool fsync;                  /* fsync before close returns (default off) */
	const char *created_by;      /* NULL: "parq version X (probestore)" */
	const parq_column_options *columns;
	int n_columns;
	const parq_io *io;           /* NULL: the system calls; must outlive the writer */
	const char *spill_dir;       /* where parq_writer_spill puts the pages it moves out of
	                                memory (an unlinked temporary file); NULL: it
	                                ends the row group instead. Must outlive the writer. */
} parq_writer_options;

PARQ_API void parq_writer_options_default(parq_writer_options *o);

typedef struct parq_writer parq_writer;

/* Creates path (truncating). The schema must stay alive until close/abort.
 * A file that is not closed has no footer and no trailing magic. */
PARQ_API int parq_writer_open(parq_writer **out, const char *path, const parq_schema *schema,
                     const parq_writer_options *opts);
/* Writes to an open file descriptor at its current offset; the descriptor
 * is not closed. `name` is used in error messages. */
PARQ_API int parq_writer_open_fd(parq_writer **out, int fd, const char *name,
                        const parq_schema *schema, const parq_writer_options *opts);
/* Adds (or replaces) a key-value metadata entry written in the footer. */
PARQ_API int parq_writer_set_kv(parq_writer *w, const char *key, const char *value);
/* Appends nrows rows: cols[i] holds leaf i's data for exactly those rows. */
PARQ_API int parq_writer_write(parq_writer *w, const parq_column_batch *cols, int64_t nrows);
/* Ends the current row group now (no-op if empty). */
PARQ_API int parq_writer_flush_row_group(parq_writer *w);
/* Rows written so far; bytes written so far (including buffered estimate). */
PARQ_API int64_t parq_writer_rows(const parq_writer *w);
PARQ_API int64_t parq_writer_bytes(const parq_writer *w);
/* Bytes of the current row group held in memory, estimated (what a flush
 * would write, before compression). */
PARQ_API int64_t parq_writer_buffered(const parq_writer *w);
/* Bytes the writer holds allocated: its column writers' buffers,
 * dictionaries and page lists, and its output buffer (at least what
 * parq_writer_buffered counts, often several times more: the buffers keep
 * the size of the largest page and dictionary seen). */
PARQ_API int64_t parq_writer_memory(const parq_writer *w);
/* Flushes the current row group, then frees the buffers of the column
 * writers and the output buffer, which grow again with the next rows: for
 * a caller holding many writers at once under one memory budget. */
PARQ_API int parq_writer_trim(parq_writer *w);
/* Moves the complete pages of the current row group out of memory, into
 * a spill file in opts.spill_dir, without ending the row group: its
 * pages are copied back into the file, in their place, when it ends, so
 * the file is the one an unspilled writer makes, byte for byte. The open
 * pages, dictionaries and statistics stay in memory. For a caller holding
 * many writers under one memory budget whose row groups should not
 * shrink with it. Without a spill_dir: parq_writer_trim. */
PARQ_API int parq_writer_spill(parq_writer *w);
/* Bytes parq_writer_spill would move now. */
PARQ_API int64_t parq_writer_spillable(const parq_writer *w);
/* Flushes, writes the footer, closes and frees w (even on error). On
 * success *file_size (optional) is the final size. */
PARQ_API int parq_writer_close(parq_writer *w, int64_t *file_size);
/* Frees w; a file created by parq_writer_open is removed. */
PARQ_API void parq_writer_abort(parq_writer *w);

/* ---- appending ----------------------------------------------------------
 *
 * Parquet files cannot grow in place: the footer sits at the end. An
 * appending writer builds a new file on fd from an existing one, read by
 * base, without decoding it: the bytes of the first keep_row_groups row
 * groups (-1: all) are copied to fd with copy_file_range(2) (a plain copy
 * where the file system cannot), their page indexes are moved behind the
 * new data, and the footer written by parq_writer_close lists the copied
 * row groups, at their unchanged offsets, followed by the ones written
 * through the writer. Key-value metadata is carried over (set_kv may
 * replace entries). created_by stays the base file's when row groups are
 * kept, since readers work around old writers' bugs by that name, unless
 * opts->created_by is set.
 *
 * fd must be an empty regular file open for writing; it is not closed. The
 * schema must equal base's (NULL: use base's). base and schema must stay
 * open until the writer is closed or aborted. Row groups of base past
 * keep_row_groups are left out; a caller that wants their rows (to merge
 * small row groups, say) reads them from base and writes them again. */
typedef struct parq_reader parq_reader;
PARQ_API int parq_writer_open_append(parq_writer **out, parq_reader *base, int keep_row_groups, int fd,
                            const char *name, const parq_schema *schema, const parq_writer_options *opts);

/* ---- reader ---------------------------------------------------------- */

#define PARQ_MAX_PAGE_BYTES_DEFAULT ((size_t)INT32_MAX)

typedef struct parq_reader_options {
	bool verify_crc;          /* verify page CRCs when present (default on) */
	bool use_mmap;            /* map the file instead of pread (default off) */
	/* Cap on a page's uncompressed size and on what a page or dictionary
	 * decodes to (levels, values, views of strings);
	 * for a repeated column, also on what one column read returns, since
	 * a row may span pages. Past it: PARQ_ELIMIT. Default (and 0):
	 * PARQ_MAX_PAGE_BYTES_DEFAULT, the largest page the format can
	 * declare (its sizes are int32), so that no valid file is refused;
	 * lower it to bound the memory a hostile file may make a reader use. */
	size_t max_page_bytes;
	size_t max_footer_bytes;  /* cap on the footer (default 256 MiB) */
	/* The largest single read(2) of the file: a longer range (a large
	 * page) is read in pieces of this size, and the footer with its length
	 * is read in one read of the file's last read_size bytes when it fits
	 * there. 0 (the default): each range in one read, the footer's length
	 * and the footer in two. Ignored when the file is in memory. */
	size_t read_size;
	/* Read the whole file into memory at open, in reads of read_size, and
	 * serve every later read from there (as use_mmap does from a mapping):
	 * one pass over the file, memory for all of it. Default off: pages are
	 * read when they are needed. */
	bool read_all;
} parq_reader_options;

PARQ_API void parq_reader_options_default(parq_reader_options *o);

typedef struct parq_reader parq_reader;
typedef struct parq_file_meta parq_file_meta; /* see parq/meta.h */

PARQ_API int parq_reader_open(parq_reader **out, const char *path, const parq_reader_options *opts);
/* Reads from memory that must outlive the reader; name is for messages. */
PARQ_API int parq_reader_open_memory(parq_reader **out, const void *data, size_t len,
                            const char *name, const parq_reader_options *opts);

/* A file reached through the caller's functions rather than a path: an
 * object in object storage read with ranged requests, say.
 *
 * read_at reads exactly len bytes at off into buf and returns 0, or a
 * negative PARQ_E* code (with errno set or not); the reader's error message
 * names the source (the name given at open) and the range. Every range the
 * reader asks for lies inside [0, size).
 *
 * prefetch (optional, NULL: none) is a hint that the given ranges will be
 * read soon: sorted by offset, adjacent and overlapping ones merged. A
 * source may fetch them all at once (coalesced, several requests in
 * flight) and serve the read_at calls that follow from what it fetched.
 * A scan prefetches at its open the bloom filters, page indexes and
 * dictionary pages its pruning reads in every row group, then per row
 * group the column chunks it reads; a
 * column reader opened alone prefetches each chunk as it comes to it. A
 * prefetch that fails (negative code) fails the read that caused it.
 *
 * Threads: a reader's calls of read_at and prefetch come from the thread
 * that uses the reader at the time (a reader is not thread-safe, as any
 * handle). Readers opened on one ud may be used on several threads at
 * once, and then read_at and prefetch are called concurrently on that ud. */
typedef struct parq_range {
	int64_t off;
	int64_t len;
} parq_range;

typedef struct parq_source {
	int64_t size; /* the file's size in bytes, known to the caller (a listing gives it) */
	int (*read_at)(void *ud, void *buf, size_t len, int64_t off);
	int (*prefetch)(void *ud, const parq_range *ranges, size_t n);
	/* optional (NULL: none): called once when the reader is done with ud,
	 * at parq_reader_close or when parq_reader_open_source fails, so that
	 * a source made for one reader is freed with it */
	void (*close)(void *ud);
	void *ud;
} parq_source;

/* Opens a reader on a source. *src is copied; src->ud must outlive the
 * reader, which frees it only through src->close. name (copied) names the file in messages.
 * opts->read_size 0 means 64 KiB here: the footer with its length comes in
 * one read_at of the file's last 64 KiB when it fits there; a longer range
 * is still one read_at. use_mmap is ignored; read_all reads the whole
 * source in one read_at at open. parq_reader_pread and the append path
 * (copied through memory) work as on a path reader. */
PARQ_API int parq_reader_open_source(parq_reader **out, const parq_source *src, const char *name,
                                     const parq_reader_options *opts);
PARQ_API void parq_reader_close(parq_reader *r);
PARQ_API const char *parq_reader_name(const parq_reader *r);
PARQ_API const parq_schema *parq_reader_schema(const parq_reader *r);
PARQ_API const parq_file_meta *parq_reader_metadata(const parq_reader *r);
PARQ_API int64_t parq_reader_num_rows(const parq_reader *r);
PARQ_API int parq_reader_num_row_groups(const parq_reader *r);
PARQ_API int64_t parq_reader_row_group_rows(const parq_reader *r, int rg);
PARQ_API int64_t parq_reader_file_size(const parq_reader *r);
/* Value of a key-value metadata entry, NUL-terminated and owned by r, or NULL. */
PARQ_API const char *parq_reader_kv(const parq_reader *r, const char *key);
/* Reads raw bytes of the file (for page index, bloom filters, copying). */
PARQ_API int parq_reader_pread(parq_reader *r, void *buf, size_t len, int64_t off);

/* Reads one leaf column, row-aligned, over the given row groups (NULL: all). */
typedef struct parq_column_reader parq_column_reader;
PARQ_API int parq_column_reader_open(parq_column_reader **out, parq_reader *r, int leaf,
                            const int *row_groups, int n_row_groups);
/* Reads up to max_rows complete rows into *out; out->num_rows == 0 at the
 * end. The buffers belong to the column reader and stay valid until the
 * next read or close. */
PARQ_API int parq_column_reader_read(parq_column_reader *cr, int64_t max_rows, parq_column_batch *out);
/* Skips up to n rows; *skipped (optional) receives how many. */
PARQ_API int parq_column_reader_skip(parq_column_reader *cr, int64_t n, int64_t *skipped);
PARQ_API void parq_column_reader_close(parq_column_reader *cr);

/* ---- rows -------------------------------------------------------------
 *
 * Row assembly for callers that want records rather than columns. A value
 * mirrors the schema: a group is a STRUCT of its children, a repeated field
 * a LIST of its instances, a leaf a scalar; logical annotations (LIST, MAP)
 * are left to the caller and available through `node`.
 */
typedef enum {
	PARQ_V_NULL = 0,
	PARQ_V_BOOL,
	PARQ_V_INT32,
	PARQ_V_INT64,
	PARQ_V_INT96,
	PARQ_V_FLOAT,
	PARQ_V_DOUBLE,
	PARQ_V_BYTES,   /* BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY */
	PARQ_V_LIST,
	PARQ_V_STRUCT
} parq_value_kind;

typedef struct parq_value parq_value;
struct parq_value {
	parq_value_kind kind;
	const parq_node *node;
	union {
		bool b;
		int32_t i32;
		int64_t i64;
		float f;
		double d;
		uint8_t int96[12];
		parq_bytes bytes;
		struct { parq_value *items; uint32_t n; } list;   /* LIST and STRUCT */
	} u;
};

typedef struct parq_row_reader parq_row_reader;
/* Projects the top-level fields named in `fields` (NULL: all). */
PARQ_API int parq_row_reader_open(parq_row_reader **out, parq_reader *r,
                         const char *const *fields, int n_fields);
/* *row is a STRUCT of the projected fields, valid until the next call;
 * returns 0 with *row == NULL at the end. */
PARQ_API int parq_row_reader_next(parq_row_reader *rr, const parq_value **row);
PARQ_API void parq_row_reader_close(parq_row_reader *rr);
/* Whether a and b hold the same value: the same kind, the same bits (a
 * NaN equals itself), lists and structs item by item; nodes: and the same
 * schema nodes throughout. */
PARQ_API bool parq_value_equal(const parq_value *a, const parq_value *b, bool nodes);
/* Like parq_row_reader_open, over the given row groups only. */
PARQ_API int parq_row_reader_open_row_groups(parq_row_reader **out, parq_reader *r, const char *const *fields,
                                    int n_fields, const int *row_groups, int n_row_groups);
/* Skips up to n rows; *skipped (optional) receives how many. */
PARQ_API int parq_row_reader_skip(parq_row_reader *rr, int64_t n, int64_t *skipped);

/* ---- predicates and pruning -------------------------------------------
 *
 * A predicate tree over columns, named by a top-level field (or a dotted
 * leaf path). Comparisons follow SQL: a null never matches a comparison.
 * A scan skips row groups whose statistics, dictionary or bloom filter rule
 * out a match, and pages whose column index does, then tests each
 * remaining row exactly.
 */
typedef enum {
	PARQ_OP_EQ, PARQ_OP_NE, PARQ_OP_LT, PARQ_OP_LE, PARQ_OP_GT, PARQ_OP_GE,
	PARQ_OP_IN,          /* any of the values */
	PARQ_OP_IS_NULL, PARQ_OP_NOT_NULL,
	PARQ_OP_PREFIX,      /* byte strings starting with the value */
	PARQ_OP_CONTAINS,    /* a LIST column with an element equal to the value;
	                      * on a string column, a substring */
	PARQ_OP_AND, PARQ_OP_OR,
	PARQ_OP_MATCH        /* a string the caller's function accepts (parq_pred_match) */
} parq_op;

/* A constant: BOOL, INT64 (any integer), DOUBLE or BYTES. */
typedef struct parq_scalar {
	parq_value_kind kind;
	union { bool b; int64_t i; double d; parq_bytes s; } u;
} parq_scalar;

static inline parq_scalar parq_scalar_int(int64_t v) { parq_scalar s; s.kind = PARQ_V_INT64; s.u.i = v; return s; }
static inline parq_scalar parq_scalar_double(double v) { parq_scalar s; s.kind = PARQ_V_DOUBLE; s.u.d = v; return s; }
static inline parq_scalar parq_scalar_bool(bool v) { parq_scalar s; s.kind = PARQ_V_BOOL; s.u.b = v; return s; }
static inline parq_scalar parq_scalar_bytes(const void *p, uint32_t n)
{ parq_scalar s; s.kind = PARQ_V_BYTES; s.u.s.ptr = (const uint8_t *)p; s.u.s.len = n; return s; }

typedef struct parq_pred parq_pred;

/* Leaf predicates; the values are copied. Free with parq_pred_free. */
PARQ_API int parq_pred_compare(parq_pred **out, const char *column, parq_op op, const parq_scalar *value);
PARQ_API int parq_pred_in(parq_pred **out, const char *column, const parq_scalar *values, size_t n);
PARQ_API int parq_pred_null(parq_pred **out, const char *column, bool is_null);
PARQ_API int parq_pred_prefix(parq_pred **out, const char *column, const void *prefix, uint32_t n);
PARQ_API int parq_pred_contains(parq_pred **out, const char *list_column, const parq_scalar *value);
/* A string column holding the n bytes at s, ASCII letters of either case
 * alike (other bytes as they are). Searched as parq_pred_contains does a
 * substring, many values at a time, rather than value by value as a
 * parq_pred_match function would be. */
PARQ_API int parq_pred_contains_nocase(parq_pred **out, const char *column, const void *s, uint32_t n);
/* A test of strings by the caller's function: fn(ud, bytes, n) returns
 * true for a value that matches. On a string column, rows whose value fn
 * accepts; on a list of strings, rows with an element fn accepts; a null
 * never matches. fn must depend on the bytes alone: where a column chunk
 * is dictionary-encoded it is called once per dictionary entry (which
 * also prunes row groups whose dictionary has no accepted entry), and a
 * scan may call it from the thread that runs the scan, several scans from
 * several threads at once. ud must outlive the predicate. */
typedef bool (*parq_match_fn)(void *ud, const uint8_t *bytes, size_t n);
PARQ_API int parq_pred_match(parq_pred **out, const char *column, parq_match_fn fn, void *ud);
/* AND / OR of a and b, which the new predicate owns (freed on failure too). */
PARQ_API int parq_pred_and(parq_pred **out, parq_pred *a, parq_pred *b);
PARQ_API int parq_pred_or(parq_pred **out, parq_pred *a, parq_pred *b);
PARQ_API void parq_pred_free(parq_pred *p);
/* Parses an expression such as
 *   status_code >= 200 AND status_code < 300 AND technologies CONTAINS 'Nginx'
 *   title IS NULL OR url STARTS WITH 'https://' OR method IN ('GET', 'HEAD')
 * (operators = != <> < <= > >=, IN (...), IS [NOT] NULL, STARTS WITH,
 * CONTAINS (an element of a list, or a substring of a string column); AND
 * binds tighter than OR; parentheses; 'strings' with ''
 * for a quote; numbers; true/false). */
PARQ_API int parq_pred_parse(parq_pred **out, const char *expr);

typedef struct parq_scan_stats {
	int row_groups, row_groups_skipped;
	int64_t pages, pages_skipped;   /* of the predicate's columns, by page index */
	int64_t rows_read, rows_matched;
} parq_scan_stats;

typedef struct parq_scan parq_scan;
/* Rows of r matching pred (NULL: all), with the given top-level fields
 * (NULL: all). pred must outlive the scan. */
PARQ_API int parq_scan_open(parq_scan **out, parq_reader *r, const parq_pred *pred, const char *const *fields,
                   int n_fields);
/* The same over the given row groups only (in file order), so that the
 * row groups of one file can be scanned on several threads, each with a
 * reader of its own. */
PARQ_API int parq_scan_open_row_groups(parq_scan **out, parq_reader *r, const parq_pred *pred, const char *const *fields,
                              int n_fields, const int *row_groups, int n_row_groups);
/* Counts the remaining matching rows and moves to the end, reading only
 * the predicate's columns (without a predicate, the row counts of the
 * footer): no row is assembled. */
PARQ_API int parq_scan_count(parq_scan *s, int64_t *n);
/* What parq_scan_count reads first, fetched now (a source's prefetch of
 * the predicate's chunks; nothing for a local file): a caller that
 * counts on other threads than those waiting for I/O calls it where it
 * opened the scan. */
PARQ_API int parq_scan_prefetch_count(parq_scan *s);
/* The next matching row (a STRUCT of the fields), valid until the next
 * call; *row == NULL at the end. */
PARQ_API int parq_scan_next(parq_scan *s, const parq_value **row);
/* Moves to the next matching row without assembling its fields (only the
 * predicate's columns are read): *found false at the end. Counting
 * matches this way costs no more than evaluating the predicate. */
PARQ_API int parq_scan_advance(parq_scan *s, bool *found);
/* The fields of the row parq_scan_advance found, valid until the next
 * call. */
PARQ_API int parq_scan_row(parq_scan *s, const parq_value **row);
PARQ_API void parq_scan_get_stats(const parq_scan *s, parq_scan_stats *out);
PARQ_API void parq_scan_close(parq_scan *s);
/* True if the row (from a row reader over at least the predicate's
 * columns) matches. *out receives the result. */
PARQ_API int parq_pred_eval_row(const parq_pred *p, const parq_value *row, bool *out);

#ifdef __cplusplus
}
#endif

#endif
