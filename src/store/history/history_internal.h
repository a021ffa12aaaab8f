/* File history internals shared by the writer, the readers and the
 * content diff: schema, column batches, cursors over raw rows and the
 * locked write session. Locations and row-group statistics are in
 * history_file.h, below all of them. */
#ifndef PS_HISTORY_INTERNAL_H
#define PS_HISTORY_INTERNAL_H

#include "parq/meta.h"
#include "parq/parq.h"
#include "probestore/probestore.h"
#include "../util.h"
#include "history/history_file.h"

#define PS_H_ALL ((1u << PS_H_NCOLS) - 1)
#define PS_H_BIT(c) (1u << (c))

/* The FileHistoryRecord schema (9 columns) of the Go datastore whose
 * behaviour probestore implements. NULL with the error set on failure;
 * free with parq_schema_free. */
parq_schema *ps_history_schema_new(void);
/* Checks that a file has exactly the history columns, names and types. */
int ps_history_schema_check(const parq_schema *s, const char *path);
const char *ps_history_column_name(int c);

/* Column vectors for n records; views into the records and own buffers. */
typedef struct ps_history_cols {
	parq_column_batch col[PS_H_NCOLS];
	int16_t *def[PS_H_NCOLS];
	parq_bytes *bytes[PS_H_NCOLS];
	int64_t *ts;
	size_t cap;
} ps_history_cols;

/* One row as views into a cursor's buffers (valid until the cursor moves). */
typedef struct ps_history_raw {
	bool has[PS_H_NCOLS];
	parq_bytes v[PS_H_NCOLS];   /* byte columns */
	int64_t ts;
} ps_history_raw;

int ps_history_cols_build(ps_history_cols *c, const ps_history_record *r, size_t n);
int ps_history_cols_build_raw(ps_history_cols *c, const ps_history_raw *r, size_t n);
void ps_history_cols_free(ps_history_cols *c);

/* Reads rows of some columns (a PS_H_BIT mask) of the given row groups
 * (NULL: all), a few at a time, so memory stays bounded by the values of
 * a few rows and a page per column. */
typedef struct ps_history_cursor {
	parq_reader *r;
	unsigned cols;
	parq_column_reader *cr[PS_H_NCOLS];
	parq_column_batch b[PS_H_NCOLS];
	int64_t vpos[PS_H_NCOLS];
	int64_t rows, row;          /* rows in the batch, next row in it */
	int64_t batch;
	int64_t index;              /* rows returned so far */
} ps_history_cursor;

int ps_history_cursor_open(ps_history_cursor *c, parq_reader *r, unsigned cols, const int *rgs, int nrg,
                           int64_t batch);
/* *raw gets the next row; *end is set at the end. */
int ps_history_cursor_next(ps_history_cursor *c, ps_history_raw *raw, bool *end);
/* Skips n rows. */
int ps_history_cursor_skip(ps_history_cursor *c, int64_t n);
void ps_history_cursor_close(ps_history_cursor *c);

/* Copies a raw row into out, strings into arena. */
int ps_history_raw_to_record(const ps_history_raw *raw, ps_arena *a, ps_history_record *out);

/* Opens a history file for reading, checking its schema. */
int ps_history_open_reader(const char *path, parq_reader **out);
/* The same for a file of st, with its reader settings (st NULL: a local
 * file, libparq's defaults). */
int ps_history_open_reader_in(const ps_store *st, const char *path, parq_reader **out);

/* The archive files of a location, newest first. Free *paths with free(). */
int ps_history_list_archive(const ps_store *st, const ps_history_loc *loc, char (**paths)[4096], size_t *n);

/* The newest row of url in r (see ps_history_last): *g and *row (-1 when
 * none), its timestamp. With need_diff, only rows with a diff count. */
int ps_history_find_last(parq_reader *r, const char *url, bool need_diff, int *g, int64_t *row, int64_t *ts);
/* The same among the rows whose timestamp is at most upto. */
int ps_history_find_last_upto(parq_reader *r, const char *url, bool need_diff, int64_t upto, int *g, int64_t *row,
                              int64_t *ts);
/* ps_history_last for a caller that holds the URL's write session (the
 * shared lock it would take would wait for that session forever). */
int ps_history_last_unlocked(ps_store *st, const char *url, const ps_history_read_options *o,
                             ps_history_record **out);
/* The newest record of url whose timestamp is at most upto (on a tie, the
 * one stored later), under the caller's write session; PS_ENOTFOUND when
 * there is none. */
int ps_history_before_unlocked(ps_store *st, const char *url, int64_t upto, const ps_history_read_options *o,
                               ps_history_record **out);
/* Reads the given columns of row `row` of row group g into out. */
int ps_history_read_row(parq_reader *r, int g, int64_t row, unsigned cols, ps_arena *a, ps_history_record *out);

/* A URL's history held for writing: its thread mutex and process lock,
 * and its current file (base NULL when there is none). */
typedef struct ps_history_session {
	ps_store *st;
	ps_history_loc loc;
	ps_urlmutex *mu;
	int lock_fd;
	parq_reader *base;
	/* object storage: the version the session began from (its ETag, ""
	 * when there was none), which the next version must replace, and a
	 * descriptor of its spool copy (-1 when none) */
	bool remote;
	char etag[80];
	int base_fd;
} ps_history_session;

/* Another writer replaced the history object between a session's read and
 * its write (object storage): the caller begins a new session and tries
 * again, up to this many times with a growing, jittered pause between. */
#define PS_HISTORY_CAS_ATTEMPTS 16
/* The pause before retry attempt (1, 2, ...); 0 when the attempts are
 * used up (the error then says so). */
int ps_history_cas_wait(int attempt, const char *path);
/* Logs (debug) that a write to url's history lost to another writer and
 * is tried again: how often writers collide shows in the log. */
void ps_history_log_conflict(ps_store *st, const char *url, int attempt);

int ps_history_session_begin(ps_history_session *s, ps_store *st, const char *url);
/* The codec and level a history file of about `bytes` bytes is written
 * with under cfg. */
void ps_history_codec(const ps_config *cfg, size_t bytes, int *codec, int *level);
/* Appends rec (already validated) to the session's file; dedup, rotation
 * and compaction as ps_history_store. force_compact merges whatever the
 * row group count; rec NULL writes no record (compaction alone). */
int ps_history_session_append(ps_history_session *s, const ps_history_record *rec, bool force_compact,
                              ps_history_write_result *res);
void ps_history_session_end(ps_history_session *s);

/* Validates rec and returns in *out a copy whose strings are repaired
 * (arena) where the config allows, with the timestamp filled in. */
int ps_history_validate(ps_store *st, const ps_history_record *rec, ps_arena *a, ps_history_record *out);

/* Compares raw's hash with the SHA-256 of its content (row `row` of row
 * group g of path) where the hash is hex SHA-256 and content is stored
 * (*checked tells). PS_ECORRUPT naming the file, row group, row and URL
 * when they differ. */
int ps_history_raw_check(const char *path, int g, int64_t row, const ps_history_raw *raw, bool *checked);

#endif
