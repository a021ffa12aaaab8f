/* The store: scans of probe results written, diffed, queried and streamed.
 *
 *   <base>/probe_results/<host>_<port>/scan_<YYYYMMDD_HHMMSS>.parquet
 *
 * The store handle is thread-safe; scan writers and iterators are not
 * (one thread at a time each). */
#ifndef PROBESTORE_STORE_H
#define PROBESTORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#include "probestore/config.h"
#include "probestore/log.h"
#include "probestore/probe.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_store ps_store;

typedef struct ps_store_options {
	const char *base_path;    /* NULL: the config's storage_config.parquet_base_path */
	const ps_config *config;  /* NULL: defaults; copied */
	const ps_logger *logger;  /* NULL: nothing is logged; copied */
} ps_store_options;

PS_API void ps_store_options_default(ps_store_options *o);
/* Opens (creating the base directory if needed). Free with ps_store_close. */
PS_API int ps_store_open(ps_store **out, const ps_store_options *o);
PS_API void ps_store_close(ps_store *st);
PS_API const char *ps_store_base_path(const ps_store *st);

/* What a store on object storage has asked of it since it was opened
 * (all zero for a local directory). Closing the store logs the same at
 * info level ("object storage traffic"). */
typedef struct ps_store_io_stats {
	uint64_t requests;       /* HTTP requests, retries included */
	uint64_t retries;        /* requests after a retryable failure */
	uint64_t bytes_fetched;  /* response bodies of GETs */
	uint64_t bytes_sent;     /* request bodies of PUTs and parts */
} ps_store_io_stats;
PS_API void ps_store_io_stats_get(const ps_store *st, ps_store_io_stats *out);

/* ---- the store's files, on either backend ---- */

/* One entry of a directory of the store: a file, or a directory (a common
 * prefix of keys on object storage). */
typedef struct ps_store_entry {
	const char *name;  /* the last component; valid during the call */
	bool is_dir;
	int64_t size;      /* a file's bytes; -1 for a directory */
} ps_store_entry;
/* Return non-zero to stop; ps_store_list_dir then returns that value. */
typedef int (*ps_store_entry_fn)(void *ud, const ps_store_entry *e);

/* The entries directly under dir (a path under ps_store_base_path), in no
 * particular order. A directory that does not exist lists nothing. */
PS_API int ps_store_list_dir(const ps_store *st, const char *dir, ps_store_entry_fn fn, void *ud);

/* A libparq reader (include/parq/parq.h) of a file of the store, read with
 * the store's reader options: from the local file, or from the object by
 * ranged GETs; st NULL: a local file with libparq's defaults. Close with
 * parq_reader_close. */
typedef struct parq_reader parq_reader;
PS_API int ps_store_open_parquet(const ps_store *st, const char *path, parq_reader **out);
PS_API const ps_config *ps_store_config(const ps_store *st);

/* A cancellation token: set from any thread, checked between batches and
 * row groups. Zero-initialise. */
typedef struct ps_cancel {
	int requested;
} ps_cancel;

PS_API void ps_cancel_request(ps_cancel *c);
PS_API bool ps_cancel_requested(const ps_cancel *c);

/* Called per result; the result is valid during the call only. Return
 * non-zero to stop (the streaming call then returns that value). */
typedef int (*ps_probe_fn)(void *ud, const ps_probe_result *r);

/* ---- writing scans ---- */

/* PS_CODEC_CONFIG (config.h): the store's configured codec */

/* A time not given (ps_scan_options.scan_time_ms, ps_query.from_ms and
 * to_ms): every other value, 0 included, is a time (0 is
 * 1970-01-01T00:00:00Z). */
#define PS_TIME_UNSET INT64_MIN

typedef struct ps_scan_options {
	const char *root_target;   /* required: a URL or a bare host (https) */
	const char *session_id;    /* NULL: generated (written to key-value metadata) */
	int64_t scan_time_ms;      /* UTC milliseconds; PS_TIME_UNSET (the default): now */
	int codec;                 /* PS_CODEC_CONFIG, PS_CODEC_AUTO or a PARQ_CODEC_* */
	int compression_level;     /* with an explicit codec; 0: the codec's default */
	int64_t rows_per_row_group;/* 0: the config's */
	int validate;              /* -1: the config's, 0 off, 1 on */
	bool mark_diff;            /* mark URLs new/existing against the previous scan (true) */
	const ps_cancel *cancel;   /* NULL: not cancellable */
	/* A scan of the target with the same scan time and the same records
	 * (the content digest in its key-value metadata) is stored already:
	 * write nothing and report it (ps_scan_result.already_stored). false
	 * by default: every call writes a scan. */
	bool skip_stored;
} ps_scan_options;

PS_API void ps_scan_options_default(ps_scan_options *o);

/* A new session ID: the UTC time of ms and 16 random hex digits, as in
 * "20250301-090000-1f2e3d4c5b6a7980" (33 bytes with the NUL; cap >= 33). */
PS_API void ps_session_id_new(char *buf, size_t cap, int64_t ms);

typedef struct ps_scan_result {
	char path[4096];           /* the scan file */
	int64_t records;
	int64_t bytes;             /* file size */
	double elapsed_s;
	int64_t scan_time_ms;
	int64_t n_new, n_existing; /* with mark_diff */
	int64_t n_old;             /* with mark_diff: URLs of the previous scan not in this one */
	int codec;                 /* the codec written (auto resolved) */
	int64_t n_changed;         /* with mark_diff: existing URLs whose compared fields
	                            * differ (schema version 2 files record which) */
	bool already_stored;       /* with skip_stored: path is the scan stored before */
} ps_scan_result;

/* Writes results[0..n) as one scan of o->root_target, durably. An empty scan
 * is a valid zero-row file. Validation errors name the record index and
 * field (PS_EINVAL) and write nothing. Cancellation returns PS_ECANCELED
 * and leaves no file. res may be NULL. */
PS_API int ps_scan_write(ps_store *st, const ps_scan_options *o, const ps_probe_result *results, size_t n,
                  ps_scan_result *res);

/* The same in steps, for scans that do not fit in memory. */
typedef struct ps_scan_writer ps_scan_writer;
PS_API int ps_scan_writer_open(ps_scan_writer **out, ps_store *st, const ps_scan_options *o);
/* Validates and writes results[0..n); the results may be freed after. */
PS_API int ps_scan_writer_add(ps_scan_writer *w, const ps_probe_result *results, size_t n);
/* Finishes the file and frees w (also on error). */
PS_API int ps_scan_writer_commit(ps_scan_writer *w, ps_scan_result *res);
/* Drops everything written and frees w. */
PS_API void ps_scan_writer_abort(ps_scan_writer *w);

/* ---- temporary files ---- */

/* Scan writers write a temporary file (".scan_<...>.tmp.XXXXXX" in the
 * target's directory) and rename it into place; a writer killed before the
 * rename leaves it behind. A temporary file is stale when the store handle
 * that wrote it is no longer open in any process (its name carries the
 * handle's writer id, whose lock file under <base>/.writers is then free),
 * or, for a file without a writer id, when it has not changed for an
 * hour. Writers remove the stale temporary files of a target directory
 * when they next commit a scan there. */

/* The stale temporary scan files of the store, as paths into *paths (free
 * with ps_store_stale_tmp_list_free); *n counts them. */
PS_API int ps_store_stale_tmp_list(ps_store *st, char ***paths, size_t *n);
PS_API void ps_store_stale_tmp_list_free(char **paths, size_t n);
/* Removes them (and the lock files of the writers gone); *n_removed (may
 * be NULL) counts the temporary files removed. Safe while other processes
 * write: a file a running writer holds is never removed. */
PS_API int ps_store_stale_tmp_remove(ps_store *st, size_t *n_removed);

/* ---- targets and scans ---- */

typedef struct ps_target_info {
	char host_port[264];       /* "example.com:443" */
	char dir[256];             /* "example.com_443" */
	int n_scans;
} ps_target_info;

typedef struct ps_scan_info {
	char path[4096];
	int64_t scan_time_ms;
	int64_t rows;              /* from the footer; -1 when the file does not read */
	int64_t bytes;
	char session_id[128];      /* the scan session ("" when the file names none) */
	/* Orders scans of the same time: a per-target number the writer takes
	 * under the target's lock (key-value metadata probestore.scan_seq);
	 * 0 for files without one, which sort by name. */
	int64_t seq;
} ps_scan_info;

/* Targets with at least one scan, sorted by directory name. Free *out with free(). */
PS_API int ps_store_list_targets(ps_store *st, ps_target_info **out, size_t *n);
/* Scans of a target (URL or bare host), oldest first. Free *out with free().
 * A target never scanned gives n == 0. */
PS_API int ps_store_list_scans(ps_store *st, const char *root_target, ps_scan_info **out, size_t *n);

/* All results of the target's latest scan (FindAllProbeResultsForTarget of
 * the Go datastore whose behaviour probestore implements); out->scan_time_ms is that scan's time.
 * PS_ENOTFOUND when the target has no scan. */
PS_API int ps_store_latest_results(ps_store *st, const char *root_target, ps_probe_set *out);

/* Records in a scan file, from its footer alone. The ps_scan_* functions
 * that take a path read a local file; their ps_store_* twins read a path
 * the store listed (ps_scan_info.path), on either backend, with the
 * store's reader options. */
PS_API int ps_scan_count(const char *path, int64_t *rows);
PS_API int ps_store_scan_count(const ps_store *st, const char *path, int64_t *rows);

/* ---- queries ---- */

typedef enum { PS_SCANS_LATEST = 0, PS_SCANS_ALL, PS_SCANS_RANGE } ps_scan_scope;

typedef struct ps_status_range {
	int lo, hi;                /* inclusive */
} ps_status_range;

/* How ps_query.technology compares with a result's technologies. */
typedef enum {
	PS_TECH_EXACT = 0,         /* an element equal to the name, byte for byte */
	PS_TECH_NAME = 1           /* by name, ignoring ASCII case and the version httpx
	                            * appends: "nginx" matches "Nginx" and
	                            * "Nginx:1.25.3"; a name with a ':' matches that
	                            * name and version only (ignoring case) */
} ps_tech_match;

typedef struct ps_query {
	const char *root_target;   /* NULL: every target */
	ps_scan_scope scans;       /* which scans of each target */
	int64_t from_ms, to_ms;    /* PS_SCANS_RANGE: scan times in [from, to]
	                            * (PS_TIME_UNSET, the default: open) */
	const int *status_codes;   /* any of these ... */
	size_t n_status_codes;
	const ps_status_range *status_ranges; /* ... or in any of these ranges */
	size_t n_status_ranges;
	const char *technology;    /* technologies holds this one (see tech_match) */
	ps_tech_match tech_match;
	/* "new", "existing" (the marks stored with each result), or "old":
	 * per target, the results of the scan before the selected one (the
	 * latest, or the last in the range) whose URL the selected scan no
	 * longer has, marked "old"; "old" needs PS_SCANS_LATEST or
	 * PS_SCANS_RANGE; or "changed": existing results whose compared
	 * fields differ from the scan before (the changed_fields column:
	 * schema version 2 files only) */
	const char *diff_status;
	const char *content_type;  /* content_type starts with this */
	const char *url_contains;  /* original_url or final_url contains */
	const char *title_contains;
	bool ignore_case;          /* url_contains and title_contains ignore ASCII case */
	bool errors_only;          /* probe_error present */
	int64_t limit;             /* 0: the config's default limit (0 there: all) */
	int64_t offset;
	const ps_cancel *cancel;
	/* A scan file that does not read (damaged, truncated, not Parquet):
	 * with on_bad_file set, the query answers from the other files and
	 * calls on_bad_file(bad_file_ud, path, code, message) once per such
	 * file, from any of the query's threads, one call at a time (results
	 * a damaged file gave before its damage was found stay given); NULL:
	 * the first such file fails the query. */
	void (*on_bad_file)(void *ud, const char *path, int code, const char *message);
	void *bad_file_ud;
	/* Scan files searched at once: 0 one per core (at most 8; 16 on object
	 * storage, where the threads wait on requests), 1 only the
	 * calling thread. With several files, threads and a limit, threads
	 * count the matches of the files, then the files holding the window
	 * [offset, offset + limit) are read again for those rows (without a
	 * limit, one thread reads every match). */
	int threads;
	/* Filters on columns of scan schema version 2 (docs/format.md): a
	 * version 1 file matches none of them (it is not an error). */
	int port;                  /* port equals (0: any) */
	const char *cdn_name;      /* cdn_name equals, ignoring ASCII case */
	bool has_favicon;          /* favicon_mmh3 equals favicon_mmh3 */
	int32_t favicon_mmh3;
	const char *jarm;          /* jarm equals */
	const char *tls_san;       /* tls_subject_an has this element */
	const char *location_contains; /* location contains (ignore_case applies) */
	const int *chain_status_codes; /* a hop of chain_status_codes is one of these ... */
	size_t n_chain_status_codes;
	const ps_status_range *chain_status_ranges; /* ... or in one of these ranges */
	size_t n_chain_status_ranges;
	const char *body_sha256;   /* body_sha256 equals (hex, as httpx writes it) */
} ps_query;

PS_API void ps_query_default(ps_query *q);
/* Matching results, newest scan first, in file order within a scan;
 * out->total counts every match before offset and limit. */
PS_API int ps_store_search(ps_store *st, const ps_query *q, ps_probe_set *out);

/* The same results streamed: fn is called for each result of the window
 * [offset, offset + limit) in order (limit 0: the config's default
 * limit, 0 there meaning every match), the result valid during the call
 * only; a non-zero return of fn stops the search and is returned. Memory
 * stays bounded whatever the number of matches: scan files are read in
 * slices on q->threads threads while the results are handed over in
 * order. Only the window's rows are assembled. With total not NULL every
 * match is counted (*total), else the search stops once the window is
 * full. */
PS_API int ps_store_search_each(ps_store *st, const ps_query *q, ps_probe_fn fn, void *ud, int64_t *total);

/* Text that a result formatter appends to (ps_store_search_text). */
typedef struct ps_text {
	char *data;
	size_t len, cap;
} ps_text;
/* Appends p[0..n) to t, growing it; PS_ENOMEM on failure. */
PS_API int ps_text_append(ps_text *t, const void *p, size_t n);
/* Appends result r's text to out. Called on the search's threads, several
 * at once: it must depend on r and ud alone. Non-zero stops the search. */
typedef int (*ps_probe_text_fn)(void *ud, const ps_probe_result *r, ps_text *out);
/* Receives the text of `rows` consecutive results; non-zero stops the
 * search and is returned. */
typedef int (*ps_text_fn)(void *ud, const char *text, size_t len, size_t rows);

/* ps_store_search_each for outputs whose formatting costs as much as the
 * reading (JSON Lines, CSV): each result of the window is turned into text
 * by format on the thread that read it, and emit receives the text in
 * order, a slice of results at a time, on the calling thread. Memory stays
 * bounded as in ps_store_search_each. */
PS_API int ps_store_search_text(ps_store *st, const ps_query *q, ps_probe_text_fn format, void *format_ud,
                                ps_text_fn emit, void *emit_ud, int64_t *total);

/* The number of matches of q (offset and limit ignored) without
 * assembling a row: from the files' footers when nothing filters, else by
 * testing the filters on the column vectors of the rows that statistics,
 * dictionaries and bloom filters leave, on q->threads threads. */
PS_API int ps_store_count(ps_store *st, const ps_query *q, int64_t *count);

/* ---- URL diff ---- */

/* What makes a URL in both scans "changed". */
typedef struct ps_change_options {
	/* the compared fields, comma-separated, from status_code, title,
	 * technologies, web_server, final_url, location, content_length,
	 * body_sha256, tls, ip_address; NULL: all of them; "" none */
	const char *fields;
	/* content_length counts as changed when |new - old| > ratio * old (0.10) */
	double length_ratio;
} ps_change_options;

PS_API void ps_change_options_default(ps_change_options *o);

/* One field of a changed URL: its values in the earlier and the later
 * scan as text (NULL: absent), and for the sets (technologies,
 * ip_address) the elements added and removed, joined with ", " (NULL:
 * none). */
typedef struct ps_field_change {
	const char *field;
	const char *old_value, *new_value;
	const char *added, *removed;
} ps_field_change;

typedef struct ps_url_change {
	const char *url;
	const ps_field_change *fields;
	size_t n_fields;
} ps_url_change;

typedef struct ps_url_diff {
	const char **new_urls, **existing_urls, **old_urls;
	size_t n_new, n_existing, n_old;
	void *priv;
	/* the existing URLs whose compared fields differ, sorted by URL, with
	 * the fields that do (location, body_sha256 and tls are compared only
	 * when both scans have schema version 2) */
	const ps_url_change *changed;
	size_t n_changed;
} ps_url_diff;

/* Diffs two scan files of a target by original_url: in b and not in a
 * (new), in both (existing), in a and not in b (old), and the existing
 * ones that changed under the default ps_change_options. Lists are
 * sorted. Free with ps_url_diff_free. */
PS_API int ps_scan_diff(const char *path_a, const char *path_b, ps_url_diff *out);
/* The same with the changes judged by o (NULL: defaults); PS_EINVAL for a
 * field name it does not know. Only the URL column and the compared
 * columns are read. */
PS_API int ps_scan_diff_changes(const char *path_a, const char *path_b, const ps_change_options *o, ps_url_diff *out);
PS_API int ps_store_scan_diff(const ps_store *st, const char *path_a, const char *path_b, const ps_change_options *o,
                              ps_url_diff *out);
/* The target's latest scan against the one before it (an empty "a" when
 * there is only one), changes judged by the store's configuration
 * (storage_config.parquet_writer.change_fields, change_length_percent). */
PS_API int ps_store_diff_latest(ps_store *st, const char *root_target, ps_url_diff *out);
PS_API void ps_url_diff_free(ps_url_diff *d);

/* ---- timeline ---- */

/* One scan of a target in its timeline. */
typedef struct ps_timeline_point {
	int64_t scan_time_ms;
	int64_t records;           /* from the footer */
	int64_t n_new, n_existing; /* the scan's diff_status marks */
	int64_t n_old;             /* URLs of the scan before missing from this one:
	                            * its records less this one's existing (0 for the first) */
	int64_t n_changed;         /* rows with changed_fields; -1: a version 1 file (not recorded) */
} ps_timeline_point;

/* Per scan of root_target, oldest first: the counts a chart needs, read
 * from the footers and the diff_status and changed_fields columns only
 * (no row is assembled). *out is malloc'ed (free()); a target never
 * scanned gives n == 0. */
PS_API int ps_store_timeline(ps_store *st, const char *root_target, ps_timeline_point **out, size_t *n);

/* ---- streaming ---- */


/* Streams every result of a scan file in bounded memory. */
PS_API int ps_scan_stream(const char *path, ps_probe_fn fn, void *ud, const ps_cancel *cancel);
PS_API int ps_store_scan_stream(const ps_store *st, const char *path, ps_probe_fn fn, void *ud,
                                const ps_cancel *cancel);

typedef struct ps_probe_iter ps_probe_iter;
PS_API int ps_probe_iter_open(ps_probe_iter **out, const char *path);
PS_API int ps_store_probe_iter_open(ps_probe_iter **out, const ps_store *st, const char *path);
/* *r is the next result, valid until the next call; NULL at the end. */
PS_API int ps_probe_iter_next(ps_probe_iter *it, const ps_probe_result **r);
PS_API void ps_probe_iter_close(ps_probe_iter *it);

/* ---- batch processor (the Go datastore's BatchProcessor) ---- */

/* Receives a full batch (or the rest, on flush); the results are valid
 * during the call only. A non-zero return is returned by add/flush. */
typedef int (*ps_batch_fn)(void *ud, const ps_probe_result *batch, size_t n);

typedef struct ps_batch ps_batch;
/* batch_size 0: PS_BATCH_SIZE_DEFAULT (the writer batch size of
 * ps_config_default); a store's configured size is
 * ps_store_config(st)->writer.batch_size. */
PS_API int ps_batch_new(ps_batch **out, size_t batch_size, ps_batch_fn fn, void *ud);
/* Copies r into the batch; calls fn when the batch is full. */
PS_API int ps_batch_add(ps_batch *b, const ps_probe_result *r);
/* Calls fn with what is buffered, if anything, and empties the batch. */
PS_API int ps_batch_flush(ps_batch *b);
PS_API size_t ps_batch_pending(const ps_batch *b);
/* Frees b without flushing. */
PS_API void ps_batch_free(ps_batch *b);

#ifdef __cplusplus
}
#endif

#endif
