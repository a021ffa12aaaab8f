/* Probe results <-> Parquet: the schema of the Go datastore whose
 * behaviour probestore implements, columnar batches built
 * from ps_probe_result arrays, and rows read back into the model. */
#ifndef PS_PROBE_ROWS_H
#define PS_PROBE_ROWS_H

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "../util.h"

/* The scan-file schema of a version (PS_SCHEMA_V1: the Go datastore's 17
 * columns; PS_SCHEMA_V2: those and the version 2 columns, see
 * docs/format.md). NULL with the error set on failure; free with
 * parq_schema_free. */
parq_schema *ps_probe_schema_new(int version);

/* The schema version of a file's schema that ps_probe_schema_check
 * accepted: PS_SCHEMA_V2 when it has columns past the 17. */
int ps_probe_schema_version(const parq_schema *s);

/* The column called name (either version), or -1. */
int ps_probe_column_find(const char *name);

/* Checks that a file's schema has the probe columns with the right types
 * (files of older or foreign writers are rejected by name). */
int ps_probe_schema_check(const parq_schema *s, const char *path);

/* Per-row values that override the model when the scan writer decides them. */
typedef struct ps_probe_overrides {
	const char *const *diff_status;   /* NULL, or per row (NULL entries: the model's) */
	const int64_t *first_seen_ms;     /* NULL, or per row (PS_TIME_UNSET: the model's) */
	const char *root_target;          /* used where a result has none */
	/* NULL, or per row the changed_fields list (NULL: none) and its length */
	const char *const *const *changed;
	const size_t *n_changed;
	/* a result's headers_json, when set, is its headers' text as
	 * ps_headers_to_json makes it (ingest makes it as it parses) */
	bool headers_json_given;
} ps_probe_overrides;

/* One batch of rows as libparq column vectors. The views point into the
 * results (which must outlive the batch) and into the batch's own buffers. */
typedef struct ps_probe_cols {
	parq_column_batch col[PS_PROBE_V2_NCOLS]; /* a version 1 file writes the first 17 */
	int16_t *def[PS_PROBE_V2_NCOLS], *rep[PS_PROBE_V2_NCOLS];
	parq_bytes *bytes[PS_PROBE_V2_NCOLS];
	int32_t *i32;
	int64_t *i64[PS_PROBE_V2_NCOLS];
	void *xv[PS_PROBE_V2_NCOLS];       /* version 2 columns' values, 8 bytes a level */
	size_t xcap[PS_PROBE_V2_NCOLS];    /* their capacity in levels */
	size_t cap_rows, cap_tech, cap_ip;
	ps_buf json;          /* headers_json values, back to back */
	size_t *json_off;     /* per row: offset + 1 into json, 0 = null */
	size_t raw_bytes;     /* size of the strings in the batch (for the auto codec) */
} ps_probe_cols;

/* Fills c from r[0..n) at scan time scan_ms (the Go datastore's transformation:
 * "" and 0 become null, headers become headers_json, first seen defaults to
 * the scan time, last seen is the scan time). */
int ps_probe_cols_build(ps_probe_cols *c, const ps_probe_result *r, size_t n, int64_t scan_ms,
                        const ps_probe_overrides *ov);
void ps_probe_cols_free(ps_probe_cols *c);
/* Bytes c holds allocated, approximately. */
size_t ps_probe_cols_memory(const ps_probe_cols *c);

/* Encodes headers as the Go datastore does (Go's json.Marshal of a map: keys
 * sorted, last duplicate wins, <, > and & escaped). Appends to out. */
int ps_headers_to_json(ps_buf *out, const ps_header *h, size_t n);

/* A header by its lengths. */
typedef struct ps_header_view {
	const char *name, *value;
	size_t nlen, vlen;
} ps_header_view;

/* The most headers ps_headers_views_json takes at once. */
#define PS_HEADER_VIEWS_MAX 32

/* ps_headers_to_json for up to PS_HEADER_VIEWS_MAX headers given with
 * their lengths (no NUL inside): the same text. padded: every name and
 * value is followed by 16 readable bytes (ps_json_plain_padded). */
int ps_headers_views_json(ps_buf *out, const ps_header_view *h, size_t n, bool padded);

/* Converts a row of a probe file (a STRUCT of top-level fields, as
 * parq_scan_next returns it: the 17 of version 1, those of version 2, or
 * a projection of them; fields are matched by name, a missing one is
 * absent) into *out, copying strings into arena. */
int ps_probe_from_row(const parq_value *row, ps_arena *arena, ps_probe_result *out);

/* A deep copy of r into arena. */
int ps_probe_copy(const ps_probe_result *r, ps_arena *arena, ps_probe_result *out);

/* A growable set of results with the arena holding their strings. */
typedef struct ps_probe_set_priv {
	ps_arena arena;
	size_t cap;
} ps_probe_set_priv;

/* Appends a slot to set (allocating priv on first use). */
int ps_probe_set_push(ps_probe_set *set, ps_probe_result **slot);
ps_arena *ps_probe_set_arena(ps_probe_set *set);

#endif
