/* File history rows: the schema of the Go datastore whose behaviour
 * probestore implements, records as column vectors, and a
 * cursor that reads rows a few at a time through libparq's column readers
 * (the contents of a long history never sit in memory together). */
#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "history/history_internal.h"
#include "../store_internal.h"

static const char *const COLUMN_NAMES[PS_H_NCOLS] = {
	"url", "timestamp", "hash", "content_type", "content", "etag", "last_modified",
	"diff_result_json", "extracted_paths_json",
};

const char *ps_history_column_name(int c)
{
	return c >= 0 && c < PS_H_NCOLS ? COLUMN_NAMES[c] : "?";
}

static bool col_required(int c)
{
	return c == PS_H_URL || c == PS_H_TIMESTAMP || c == PS_H_HASH;
}

static parq_type col_type(int c)
{
	return c == PS_H_TIMESTAMP ? PARQ_INT64 : PARQ_BYTE_ARRAY;
}

/* content is []byte in the Go datastore: binary without a logical type */
static bool col_string(int c)
{
	return c != PS_H_TIMESTAMP && c != PS_H_CONTENT;
}

parq_schema *ps_history_schema_new(void)
{
	parq_schema *s;
	if (parq_schema_new(&s)) {
		ps_err_from_parq(PARQ_ENOMEM, "history schema");
		return NULL;
	}
	parq_logical str = parq_lt_string();
	int rc = 0;
	for (int c = 0; c < PS_H_NCOLS && !rc; c++)
		rc = parq_schema_add_leaf(s, NULL, COLUMN_NAMES[c], col_type(c), col_required(c) ? PARQ_REQUIRED : PARQ_OPTIONAL,
		                          col_string(c) ? &str : NULL, 0, NULL);
	if (!rc)
		rc = parq_schema_finish(s);
	if (rc) {
		ps_err_from_parq(rc, "history schema");
		parq_schema_free(s);
		return NULL;
	}
	return s;
}

int ps_history_schema_check(const parq_schema *s, const char *path)
{
	if (s->n_leaves != PS_H_NCOLS || s->root->n_children != PS_H_NCOLS)
		return ps_err(PS_ECORRUPT, "%s: %d columns, a file history file has %d", path, s->n_leaves, PS_H_NCOLS);
	for (int c = 0; c < PS_H_NCOLS; c++) {
		const parq_node *l = s->leaves[c];
		if (l->parent != s->root || strcmp(l->name, COLUMN_NAMES[c]) != 0 || l->type != col_type(c) ||
		    l->max_rep != 0)
			return ps_err(PS_ECORRUPT, "%s: column %d is '%s' (%s), a file history file has '%s' (%s)", path, c,
			              l->path, parq_type_name(l->type), COLUMN_NAMES[c], parq_type_name(col_type(c)));
	}
	return 0;
}

int ps_history_open_reader(const char *path, parq_reader **out)
{
	return ps_history_open_reader_in(NULL, path, out);
}

int ps_history_open_reader_in(const ps_store *st, const char *path, parq_reader **out)
{
	int rc = ps_store_open_parquet(st, path, out);
	if (rc)
		return rc;
	if ((rc = ps_history_schema_check(parq_reader_schema(*out), path))) {
		parq_reader_close(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- records -> columns ---- */

static int cols_reserve(ps_history_cols *c, size_t n)
{
	if (n <= c->cap)
		return 0;
	size_t cap = n < 16 ? 16 : n;
	for (int k = 0; k < PS_H_NCOLS; k++) {
		int16_t *d = realloc(c->def[k], cap * sizeof *d);
		if (d)
			c->def[k] = d;
		parq_bytes *b = realloc(c->bytes[k], cap * sizeof *b);
		if (b)
			c->bytes[k] = b;
		if (!d || !b)
			return ps_err_nomem();
	}
	int64_t *t = realloc(c->ts, cap * sizeof *t);
	if (!t)
		return ps_err_nomem();
	c->ts = t;
	c->cap = cap;
	return 0;
}

/* Fills the batches from per-row values: present[k][i] and val[k][i]. */
static void cols_finish(ps_history_cols *c, size_t n)
{
	for (int k = 0; k < PS_H_NCOLS; k++) {
		parq_column_batch *b = &c->col[k];
		memset(b, 0, sizeof *b);
		b->num_rows = b->num_levels = (int64_t)n;
		if (k == PS_H_TIMESTAMP) {
			b->num_values = (int64_t)n;
			b->values = c->ts;
			continue;
		}
		int64_t nv = 0;
		if (col_required(k)) {
			nv = (int64_t)n;
		} else {
			/* pack the present values to the front, as libparq wants */
			for (size_t i = 0; i < n; i++)
				if (c->def[k][i])
					c->bytes[k][nv++] = c->bytes[k][i];
			b->def_levels = c->def[k];
		}
		b->num_values = nv;
		b->bytes = c->bytes[k];
	}
}

static parq_bytes str_bytes(const char *s)
{
	parq_bytes b = {(const uint8_t *)(s ? s : ""), s ? (uint32_t)strlen(s) : 0};
	return b;
}

int ps_history_cols_build(ps_history_cols *c, const ps_history_record *r, size_t n)
{
	int rc = cols_reserve(c, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const ps_history_record *x = &r[i];
		const char *s[PS_H_NCOLS] = {
			[PS_H_URL] = x->url, [PS_H_HASH] = x->hash, [PS_H_CONTENT_TYPE] = x->content_type,
			[PS_H_ETAG] = x->etag, [PS_H_LAST_MODIFIED] = x->last_modified, [PS_H_DIFF] = x->diff_result_json,
			[PS_H_PATHS] = x->extracted_paths_json,
		};
		c->ts[i] = x->timestamp_ms;
		for (int k = 0; k < PS_H_NCOLS; k++) {
			if (k == PS_H_TIMESTAMP)
				continue;
			bool has;
			if (k == PS_H_CONTENT) {
				has = x->content_len > 0;
				c->bytes[k][i] = (parq_bytes){x->content, (uint32_t)x->content_len};
			} else {
				/* the Go datastore's optional strings are null when empty; its JSON
				 * columns are pointers, null only when absent */
				has = col_required(k) || (s[k] && (*s[k] || k == PS_H_DIFF || k == PS_H_PATHS));
				c->bytes[k][i] = str_bytes(s[k]);
			}
			c->def[k][i] = has;
		}
	}
	cols_finish(c, n);
	return 0;
}

int ps_history_cols_build_raw(ps_history_cols *c, const ps_history_raw *r, size_t n)
{
	int rc = cols_reserve(c, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		c->ts[i] = r[i].ts;
		for (int k = 0; k < PS_H_NCOLS; k++) {
			c->def[k][i] = r[i].has[k];
			c->bytes[k][i] = r[i].v[k];
		}
	}
	cols_finish(c, n);
	return 0;
}

void ps_history_cols_free(ps_history_cols *c)
{
	for (int k = 0; k < PS_H_NCOLS; k++) {
		free(c->def[k]);
		free(c->bytes[k]);
	}
	free(c->ts);
	memset(c, 0, sizeof *c);
}

/* ---- cursor ---- */

/* libparq's error as the store's, naming the file once (libparq's
 * messages name it when the reader was opened by path). */
static int parq_err(int rc, parq_reader *r)
{
	const char *name = parq_reader_name(r);
	return ps_err_from_parq(rc, name && !strstr(parq_errmsg(), name) ? name : NULL);
}

int ps_history_cursor_open(ps_history_cursor *c, parq_reader *r, unsigned cols, const int *rgs, int nrg,
                           int64_t batch)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->cols = cols;
	c->batch = batch > 0 ? batch : 16;
	for (int k = 0; k < PS_H_NCOLS; k++) {
		if (!(cols & PS_H_BIT(k)))
			continue;
		int rc = parq_column_reader_open(&c->cr[k], r, k, rgs, nrg);
		if (rc) {
			ps_history_cursor_close(c);
			return parq_err(rc, r);
		}
	}
	return 0;
}

static int load_batch(ps_history_cursor *c)
{
	int64_t rows = -1;
	for (int k = 0; k < PS_H_NCOLS; k++) {
		if (!c->cr[k])
			continue;
		int rc = parq_column_reader_read(c->cr[k], c->batch, &c->b[k]);
		if (rc)
			return parq_err(rc, c->r);
		if (rows >= 0 && c->b[k].num_rows != rows)
			return ps_err(PS_ECORRUPT, "%s: columns disagree on the row count near row %lld",
			              parq_reader_name(c->r), (long long)c->index);
		rows = c->b[k].num_rows;
		c->vpos[k] = 0;
	}
	c->rows = rows < 0 ? 0 : rows;
	c->row = 0;
	return 0;
}

int ps_history_cursor_next(ps_history_cursor *c, ps_history_raw *raw, bool *end)
{
	*end = false;
	if (c->row >= c->rows) {
		int rc = load_batch(c);
		if (rc)
			return rc;
		if (c->rows == 0) {
			*end = true;
			return 0;
		}
	}
	memset(raw, 0, sizeof *raw);
	for (int k = 0; k < PS_H_NCOLS; k++) {
		if (!c->cr[k])
			continue;
		const parq_column_batch *b = &c->b[k];
		bool has = !b->def_levels || b->def_levels[c->row] > 0;
		raw->has[k] = has;
		if (!has)
			continue;
		if (c->vpos[k] >= b->num_values)
			return ps_err(PS_ECORRUPT, "%s: column '%s' has fewer values than rows near row %lld",
			              parq_reader_name(c->r), COLUMN_NAMES[k], (long long)c->index);
		if (k == PS_H_TIMESTAMP)
			raw->ts = ((const int64_t *)b->values)[c->vpos[k]];
		else
			raw->v[k] = b->bytes[c->vpos[k]];
		c->vpos[k]++;
	}
	c->row++;
	c->index++;
	return 0;
}

int ps_history_cursor_skip(ps_history_cursor *c, int64_t n)
{
	ps_history_raw raw;
	bool end;
	/* first what the batch holds, then whole pages through the readers */
	while (n > 0 && c->row < c->rows) {
		int rc = ps_history_cursor_next(c, &raw, &end);
		if (rc)
			return rc;
		n--;
	}
	if (n <= 0)
		return 0;
	int64_t got = -1;
	for (int k = 0; k < PS_H_NCOLS; k++) {
		if (!c->cr[k])
			continue;
		int64_t s;
		int rc = parq_column_reader_skip(c->cr[k], n, &s);
		if (rc)
			return parq_err(rc, c->r);
		if (got >= 0 && s != got)
			return ps_err(PS_ECORRUPT, "%s: columns disagree on the row count near row %lld", parq_reader_name(c->r),
			              (long long)c->index);
		got = s;
	}
	c->index += got > 0 ? got : 0;
	return 0;
}

void ps_history_cursor_close(ps_history_cursor *c)
{
	for (int k = 0; k < PS_H_NCOLS; k++)
		if (c->cr[k])
			parq_column_reader_close(c->cr[k]);
	memset(c->cr, 0, sizeof c->cr);
}

int ps_history_raw_to_record(const ps_history_raw *raw, ps_arena *a, ps_history_record *out)
{
	memset(out, 0, sizeof *out);
	const char **dst[PS_H_NCOLS] = {
		[PS_H_URL] = &out->url, [PS_H_HASH] = &out->hash, [PS_H_CONTENT_TYPE] = &out->content_type,
		[PS_H_ETAG] = &out->etag, [PS_H_LAST_MODIFIED] = &out->last_modified, [PS_H_DIFF] = &out->diff_result_json,
		[PS_H_PATHS] = &out->extracted_paths_json,
	};
	out->timestamp_ms = raw->ts;
	for (int k = 0; k < PS_H_NCOLS; k++) {
		if (!raw->has[k] || k == PS_H_TIMESTAMP)
			continue;
		char *s = ps_arena_strndup(a, raw->v[k].len ? (const char *)raw->v[k].ptr : "", raw->v[k].len);
		if (!s)
			return ps_err_nomem();
		if (k == PS_H_CONTENT) {
			out->content = (const uint8_t *)s;
			out->content_len = raw->v[k].len;
		} else {
			*dst[k] = s;
		}
	}
	return 0;
}
