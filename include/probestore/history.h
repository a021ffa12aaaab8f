/* File history: every changed version of monitored files (JavaScript
 * bundles, API documents, pages), kept per URL hash.
 *
 *   <base>/file_history/<host>_<port>/<urlhash>.parquet
 *   <base>/file_history/<host>_<port>/archive/<urlhash>_<YYYYMMDD_HHMMSS>.parquet
 *
 * Storing a record appends a row group to the URL's file without decoding
 * or rewriting what is there (docs/format.md, "File history"); a reader
 * always sees a complete file. URLs whose hashes collide share a file and
 * are told apart by the url column. Writers of one URL are serialised by
 * the store's per-URL mutexes (threads) and an flock (processes).
 *
 * Every function here is safe to call from several threads on one store
 * handle. Iterators are not (one thread at a time each). */
#ifndef PROBESTORE_HISTORY_H
#define PROBESTORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#include "probestore/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A file of the URL's history that does not read (garbage, truncated,
 * damaged, unreadable): its path, the PS_E* code and the message. Called
 * on the calling thread, once per file and call. */
typedef void (*ps_history_bad_file_fn)(void *ud, const char *path, int code, const char *message);

/* One version of a monitored file: the FileHistoryRecord of the Go datastore
 * whose behaviour probestore implements, column for column. Strings are
 * NUL-terminated UTF-8. On input, NULL or "" store a null for the optional
 * strings (as the Go datastore's zero values do) and NULL stores a null for the two JSON columns; content_len 0 stores a null
 * content. On output, a null reads back as NULL (content: NULL, 0). */
typedef struct ps_history_record {
	const char *url;                  /* required: an absolute http(s) URL */
	int64_t timestamp_ms;             /* Unix milliseconds; 0 on input: now */
	const char *hash;                 /* required: the content's hash (hex SHA-256 in the Go datastore) */
	const char *content_type;
	const uint8_t *content;
	size_t content_len;
	const char *etag;
	const char *last_modified;
	const char *diff_result_json;     /* a ContentDiffResult as JSON (see ps_diff_result) */
	const char *extracted_paths_json; /* a JSON array of the Go datastore's ExtractedPath */
} ps_history_record;

/* What a write did. */
typedef struct ps_history_write_result {
	bool stored;            /* false: a record with the same URL, hash and timestamp was there */
	char path[4096];        /* the URL's history file */
	int64_t bytes;          /* its size afterwards */
	int row_groups;         /* its row groups afterwards */
	int64_t records;        /* its records afterwards (every URL sharing it) */
	bool compacted;         /* small row groups were merged by this write */
	char archived[4096];    /* the archive file the previous file became, "" if none */
	double elapsed_s;
} ps_history_write_result;

/* Stores rec durably (the Go datastore's StoreFileRecord). A record with the same
 * URL, hash and timestamp as one in the URL's current file is skipped
 * (res->stored false, return 0). Strings that are not valid UTF-8 are
 * repaired or refused as the config's writer.utf8_repair says. Returns 0
 * once the record is on disk; on error the previous file is untouched.
 * res may be NULL. */
PS_API int ps_history_store(ps_store *st, const ps_history_record *rec, ps_history_write_result *res);

/* ---- storing fetched content in one call ---- */

typedef struct ps_history_fetch {
	const char *url;
	const void *content;
	size_t content_len;
	const char *content_type;         /* response headers; NULL when absent */
	const char *etag;
	const char *last_modified;
	int64_t fetched_at_ms;            /* 0: now, read under the URL's lock */
	const char *extracted_paths_json; /* stored with a new or changed version; NULL: none */
	/* Archived files that do not read: NULL fails the store; set, the
	 * previous version is looked for in the files that read and each
	 * other one is named here. A current file that does not read always
	 * fails the store (the record would be appended to it). */
	ps_history_bad_file_fn on_bad_file;
	void *bad_file_ud;
} ps_history_fetch;

typedef enum ps_content_status {
	PS_CONTENT_NEW = 0,       /* no version precedes it in time: stored without a diff */
	PS_CONTENT_CHANGED = 1,   /* stored with its diff against the version preceding it in time */
	PS_CONTENT_UNCHANGED = 2  /* same hash as that version: nothing stored */
} ps_content_status;

typedef struct ps_history_content_result {
	ps_content_status status;
	char hash[65];            /* hex SHA-256 of the content */
	char old_hash[65];        /* the last version's, "" for a new URL */
	int64_t lines_added, lines_deleted, lines_changed;
	bool diff_capped;         /* a version exceeded max_diff_size: counts only, no diff text */
	ps_history_write_result write; /* when stored */
} ps_history_content_result;

/* Hashes the content (SHA-256), compares with the hash of the version
 * that precedes it in time (the last version, unless fetched_at_ms is
 * older than the last version's: then the newest version not newer than
 * it, docs/format.md) and, when it differs, computes a line diff against
 * that version's content (Myers' algorithm; past the config's history.max_diff_size the
 * diff holds only counts and its error_message says why) and stores the
 * record with the diff as the Go datastore's ContentDiffResult JSON. The check
 * and the write happen under the URL's lock, so two processes storing the
 * same content store it once. res may be NULL. */
PS_API int ps_history_store_content(ps_store *st, const ps_history_fetch *f, ps_history_content_result *res);

/* ---- reading ---- */

typedef struct ps_history_read_options {
	/* NULL (the default): a file that does not read fails the call. Set:
	 * the call answers from the URL's other files and names each such
	 * file here. Out of memory and cancellation still fail the call. */
	ps_history_bad_file_fn on_bad_file;
	void *bad_file_ud;
} ps_history_read_options;

PS_API void ps_history_read_options_default(ps_history_read_options *o);

/* The newest record of url: the largest timestamp (on a tie, the one
 * stored later) of its records, the archive included. Timestamps need not
 * follow the order of storage (an archived record may be newer than the
 * current file's). Reads the footers of the URL's files, the url and
 * timestamp columns of the row groups whose statistics allow a newer
 * record, and one row's other columns: usually the current file's last row
 * group alone. PS_ENOTFOUND when url has no record. *out is one
 * allocation: free it with ps_history_record_free(). */
PS_API int ps_history_last(ps_store *st, const char *url, ps_history_record **out);
/* The same with read options (o NULL: the defaults): with on_bad_file set,
 * the newest record among the files that read. */
PS_API int ps_history_last_opt(ps_store *st, const char *url, const ps_history_read_options *o, ps_history_record **out);
PS_API void ps_history_record_free(ps_history_record *r);

/* The newest record's hash into buf (cap bytes), without reading any
 * content. PS_ENOTFOUND when url has no record, PS_ELIMIT when buf is
 * short. */
PS_API int ps_history_last_hash(ps_store *st, const char *url, char *buf, size_t cap);

/* Records with their strings, owned by the set. */
typedef struct ps_history_set {
	ps_history_record *records;
	size_t n;
	void *priv;
} ps_history_set;

PS_API void ps_history_set_free(ps_history_set *s);

/* Records of url, newest first (timestamp descending, later-stored first
 * on a tie), at most limit (0: all), the archive included; past the
 * limit, an archived file is read only when its statistics allow a record
 * among the newest. Only the returned rows' contents are read.
 * An unknown URL gives an empty set. Free with ps_history_set_free(). */
PS_API int ps_history_records(ps_store *st, const char *url, size_t limit, ps_history_set *out);
/* The same with read options (o NULL: the defaults): with on_bad_file set,
 * the records of the files that read. */
PS_API int ps_history_records_opt(ps_store *st, const char *url, size_t limit, const ps_history_read_options *o,
                           ps_history_set *out);

/* Every record that carries a diff (diff_result_json neither null, "" nor
 * "null"), in the current files of every host (like the Go datastore, archives are
 * left out), by directory and file name, in file order. Each file is read
 * under the shared lock of its URL hash, so that a write archiving it,
 * under way meanwhile, is seen whole or not at all. */
PS_API int ps_history_records_with_diff(ps_store *st, ps_history_set *out);

/* The sorted "host:port" list of the targets with history (current or
 * archived). Free with ps_history_hosts_free(). */
PS_API int ps_history_hosts(ps_store *st, char ***hosts, size_t *n);
/* The sorted host names with history, each once whatever its ports, as
 * the Go datastore's GetHostnamesWithHistory returns them ("example.com", an IPv6
 * address without brackets: "::1"); ps_history_hosts() keeps the ports.
 * Free with ps_history_hosts_free(). */
PS_API int ps_history_hostnames(ps_store *st, char ***names, size_t *n);
PS_API void ps_history_hosts_free(char **hosts, size_t n);

/* ---- diff results (the Go datastore's ContentDiffResult) ---- */

typedef enum ps_diff_op {
	PS_DIFF_DELETE = -1,
	PS_DIFF_EQUAL = 0,
	PS_DIFF_INSERT = 1
} ps_diff_op;

typedef struct ps_content_diff {
	ps_diff_op operation;
	const char *text;         /* NUL-terminated; text_len counts embedded NULs */
	size_t text_len;
} ps_content_diff;

/* The Go datastore's ExtractedPath; strings are NULL when absent. */
typedef struct ps_extracted_path {
	const char *source_url;
	const char *extracted_raw_path;
	const char *extracted_absolute_url;
	const char *context;
	const char *type;
	const char *discovery_timestamp; /* as written (RFC 3339 in the Go datastore) */
} ps_extracted_path;

typedef struct ps_diff_result {
	int64_t timestamp_ms;
	const char *content_type;        /* "" when absent */
	ps_content_diff *diffs;          /* NULL when the JSON has null (no diff text) */
	size_t n_diffs;
	int64_t lines_added, lines_deleted, lines_changed;
	bool is_identical;
	const char *error_message;       /* "" when absent */
	int64_t processing_time_ms;
	const char *old_hash, *new_hash; /* "" when absent */
	ps_extracted_path *extracted_paths;
	size_t n_extracted_paths;
	void *priv;
} ps_diff_result;

/* Parses a ContentDiffResult (json, len bytes) and, when extracted_paths_json
 * is not NULL, the record's extracted paths into out (as the Go datastore fills
 * ExtractedPaths from its own column). Unknown keys are ignored, absent
 * ones are zero. PS_ECORRUPT naming the key for JSON that does not parse
 * or has a wrong type. Free with ps_diff_result_free() (also after an
 * error). */
PS_API int ps_diff_result_parse(const char *json, size_t len, const char *extracted_paths_json, ps_diff_result *out);
PS_API void ps_diff_result_free(ps_diff_result *d);

typedef struct ps_latest_diff {
	const char *url;
	bool found;                      /* url has a record with a diff */
	int64_t record_timestamp_ms;     /* that record's timestamp */
	ps_diff_result diff;
} ps_latest_diff;

typedef struct ps_latest_diffs {
	ps_latest_diff *items;           /* one per URL asked, in the same order */
	size_t n;
	void *priv;
} ps_latest_diffs;

/* For each URL, the diff result of its newest record that has one (the
 * Go datastore's GetAllLatestDiffResultsForURLs), archive included. A URL that does
 * not parse is an error naming it and its index. Free with
 * ps_latest_diffs_free(). */
PS_API int ps_history_latest_diffs(ps_store *st, const char *const *urls, size_t n, ps_latest_diffs *out);
/* The same with read options (o NULL: the defaults): with on_bad_file set,
 * each URL's newest diff among its files that read. */
PS_API int ps_history_latest_diffs_opt(ps_store *st, const char *const *urls, size_t n, const ps_history_read_options *o,
                                ps_latest_diffs *out);
PS_API void ps_latest_diffs_free(ps_latest_diffs *d);

/* ---- files ---- */

/* The current history file of url (which may not exist yet) into buf. */
PS_API int ps_history_path(ps_store *st, const char *url, char *buf, size_t cap);

/* Merges the small row groups of url's file into large ones now, whatever
 * their number (stores do it by themselves past the config's
 * compaction_threshold). PS_ENOTFOUND when url has no record (and then
 * nothing is created: no directory, no lock file); when all of url's
 * records are archived there is nothing to merge and res->path is "".
 * res may be NULL. */
PS_API int ps_history_compact(ps_store *st, const char *url, ps_history_write_result *res);

/* ---- streaming a history file ---- */

/* Called per record, valid during the call only. Return non-zero to stop
 * (ps_history_stream then returns that value). */
typedef int (*ps_history_fn)(void *ud, const ps_history_record *r);

/* Streams every record of a history file (current or archived) in file
 * order, in memory bounded by a few records and pages whatever the file's
 * size. PS_ECORRUPT when the file is not a history file. */
PS_API int ps_history_stream(const char *path, ps_history_fn fn, void *ud, const ps_cancel *cancel);

typedef struct ps_history_iter ps_history_iter;
PS_API int ps_history_iter_open(ps_history_iter **out, const char *path);
/* *r is the next record, valid until the next call; NULL at the end. */
PS_API int ps_history_iter_next(ps_history_iter *it, const ps_history_record **r);
PS_API void ps_history_iter_close(ps_history_iter *it);

/* Records in a history file, from its footer alone. */
PS_API int ps_history_count(const char *path, int64_t *rows);

/* ---- checking a history file ---- */

typedef struct ps_history_verify_options {
	bool check_hashes;        /* compare each record's hash with its content (true) */
} ps_history_verify_options;

PS_API void ps_history_verify_options_default(ps_history_verify_options *o);

typedef struct ps_history_verify_result {
	int64_t records;          /* records read */
	int64_t hashes_checked;   /* records whose hash was compared with their content */
	int row_groups;           /* row groups read whole */
} ps_history_verify_result;

/* Reads every page of the history file at path (current or archived),
 * verifying page checksums where the file has them whatever the store's
 * reader settings, and, with check_hashes, compares every record's hash
 * with the SHA-256 of its content where the hash is 64 hex digits and the
 * content is stored (records without either are read, not compared).
 * PS_ECORRUPT naming the file, row group, row and URL at the first damaged
 * record or page. With st, path may also name an object of an s3://
 * store. st may be NULL (a local file, libparq's reader defaults); opt NULL:
 * the defaults; res may be NULL. */
PS_API int ps_history_verify(ps_store *st, const char *path, const ps_history_verify_options *opt,
                      ps_history_verify_result *res);

#ifdef __cplusplus
}
#endif

#endif
