/* Whether two scan files hold the same records: what tells a rerun of a
 * scan stored already (ps_scan_options.skip_stored). The records are
 * compared value by value, every column the two files share but the marks,
 * which depend on the scans before each (diff_status, first_seen_timestamp,
 * changed_fields). Exact, and paid only for a stored scan of the same time
 * and row count, where a digest of every record written would be paid by
 * every scan. */
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "probe_rows.h"

/* A mark: a column whose values depend on the scans before. */
static bool is_mark(const char *field)
{
	int c = ps_probe_column_find(field);
	return c == PS_COL_DIFF_STATUS || c == PS_COL_FIRST_SEEN_TIMESTAMP || c == PS_COL_CHANGED_FIELDS;
}

/* The top-level field a leaf belongs to. */
static const char *field_of(const parq_node *leaf)
{
	while (leaf->parent && leaf->parent->parent)
		leaf = leaf->parent;
	return leaf->name;
}

enum { SAME, DIFFERENT, UNDECIDED };

/* One file's side of a column compared: a batch and how far into its
 * levels and values the comparison has come. */
typedef struct side {
	parq_column_reader *cr;
	parq_column_batch b;
	int64_t li, vi;
	bool end;
} side;

static int side_fill(side *s)
{
	if (s->end || s->li < s->b.num_levels || s->vi < s->b.num_values)
		return 0;
	int rc = parq_column_reader_read(s->cr, 8192, &s->b);
	if (rc)
		return ps_err_from_parq(rc, NULL);
	s->li = s->vi = 0;
	s->end = s->b.num_rows == 0;
	return 0;
}

/* n values of x from i against those of y from j. */
static bool values_eq(const parq_node *leaf, const parq_column_batch *x, int64_t i, const parq_column_batch *y,
                      int64_t j, int64_t n)
{
	if (leaf->type != PARQ_BYTE_ARRAY) {
		size_t w = parq_value_width(leaf);
		return !n || !memcmp((const char *)x->values + (size_t)i * w, (const char *)y->values + (size_t)j * w,
		                     (size_t)n * w);
	}
	for (int64_t k = 0; k < n; k++) {
		const parq_bytes *p = &x->bytes[i + k], *q = &y->bytes[j + k];
		if (p->len != q->len || (p->len && memcmp(p->ptr, q->ptr, p->len)))
			return false;
	}
	return true;
}

static bool levels_eq(const int16_t *x, const int16_t *y, int64_t n)
{
	return !n || !memcmp(x, y, (size_t)n * sizeof *x);
}

/* One column of each file, as a stream of levels and one of values: the
 * files' row groups and pages may be cut anywhere (a rerun's writer
 * flushes as memory asks). While the levels agree, the values read so far
 * belong to the same levels on both sides, so a side whose batch is used
 * up never waits on values the other has not reached. */
static int same_column(const parq_node *leaf, side *x, side *y, int *verdict)
{
	for (;;) {
		int rc = side_fill(x);
		if (!rc)
			rc = side_fill(y);
		if (rc)
			return rc;
		if (x->end || y->end) {
			*verdict = x->end && y->end ? SAME : DIFFERENT;
			return 0;
		}
		int64_t nl = x->b.num_levels - x->li, ml = y->b.num_levels - y->li;
		int64_t k = nl < ml ? nl : ml;
		if ((leaf->max_def && !levels_eq(x->b.def_levels + x->li, y->b.def_levels + y->li, k)) ||
		    (leaf->max_rep && !levels_eq(x->b.rep_levels + x->li, y->b.rep_levels + y->li, k))) {
			*verdict = DIFFERENT;
			return 0;
		}
		x->li += k;
		y->li += k;
		int64_t nv = x->b.num_values - x->vi, mv = y->b.num_values - y->vi;
		int64_t kv = nv < mv ? nv : mv;
		if (!values_eq(leaf, &x->b, x->vi, &y->b, y->vi, kv)) {
			*verdict = DIFFERENT;
			return 0;
		}
		x->vi += kv;
		y->vi += kv;
		if (!k && !kv) {
			/* neither side moved (a batch of no levels): the rows decide */
			*verdict = UNDECIDED;
			return 0;
		}
	}
}

/* Column by column: UNDECIDED when the files lay a column out otherwise
 * (a file of an older writer), for the rows to decide. */
static int same_columns(parq_reader *a, parq_reader *b, bool marks, int *verdict)
{
	*verdict = UNDECIDED;
	const parq_schema *sa = parq_reader_schema(a), *sb = parq_reader_schema(b);
	for (int l = 0; l < sa->n_leaves; l++) {
		const parq_node *la = sa->leaves[l];
		const char *field = field_of(la);
		if (!marks && is_mark(field))
			continue;
		int m = parq_schema_find_leaf(sb, la->path);
		if (m < 0) {
			/* a column the other file lacks is left out; a leaf it
			 * lacks under a field it has is a layout of its own */
			if (parq_schema_find_field(sb, field))
				return 0;
			continue;
		}
		const parq_node *lb = sb->leaves[m];
		if (la->type != lb->type || la->max_def != lb->max_def || la->max_rep != lb->max_rep ||
		    (la->type == PARQ_FIXED_LEN_BYTE_ARRAY && la->type_length != lb->type_length))
			return 0;
		side x = {0}, y = {0};
		int rc = parq_column_reader_open(&x.cr, a, l, NULL, 0);
		if (!rc)
			rc = parq_column_reader_open(&y.cr, b, m, NULL, 0);
		int v = UNDECIDED;
		rc = rc ? ps_err_from_parq(rc, NULL) : same_column(la, &x, &y, &v);
		parq_column_reader_close(x.cr);
		parq_column_reader_close(y.cr);
		if (rc)
			return rc;
		if (v != SAME) {
			*verdict = v;
			return 0;
		}
	}
	*verdict = SAME;
	return 0;
}

/* The top-level fields of a that b has too, but the marks (unless
 * marks). */
static int shared_fields(const parq_reader *a, const parq_reader *b, bool marks, const char ***out, int *n)
{
	const parq_node *ra = parq_reader_schema(a)->root;
	const char **f = calloc((size_t)ra->n_children + 1, sizeof *f);
	if (!f)
		return ps_err_nomem();
	int k = 0;
	for (int i = 0; i < ra->n_children; i++) {
		const char *name = ra->children[i]->name;
		if ((marks || !is_mark(name)) && parq_schema_find_field(parq_reader_schema(b), name))
			f[k++] = name;
	}
	*out = f;
	*n = k;
	return 0;
}

/* Row by row, whatever the files' layouts. */
static int same_rows(parq_reader *a, parq_reader *b, bool marks, bool *same)
{
	parq_row_reader *ra = NULL, *rb = NULL;
	const char **fields = NULL;
	int n = 0;
	int rc = shared_fields(a, b, marks, &fields, &n);
	if (!rc && ((rc = parq_row_reader_open(&ra, a, fields, n)) || (rc = parq_row_reader_open(&rb, b, fields, n))))
		rc = ps_err_from_parq(rc, NULL);
	while (!rc) {
		const parq_value *x, *y;
		if ((rc = parq_row_reader_next(ra, &x)) || (rc = parq_row_reader_next(rb, &y))) {
			rc = ps_err_from_parq(rc, NULL);
			break;
		}
		if (!x || !y) {
			*same = !x && !y;
			break;
		}
		/* the same fields in the same order in both */
		if (!parq_value_equal(x, y, false)) /* a NaN stored twice is the same record */
			break;
	}
	parq_row_reader_close(ra);
	parq_row_reader_close(rb);
	free(fields);
	return rc;
}

int ps_scan_same_records(const ps_store *st, const char *stored, const char *local, bool marks, bool *same)
{
	*same = false;
	parq_reader *a = NULL, *b = NULL;
	int rc = ps_scan_open_reader(st, stored, &a);
	if (!rc)
		rc = ps_scan_open_reader(NULL, local, &b);
	int verdict = DIFFERENT;
	if (!rc && parq_reader_num_rows(a) == parq_reader_num_rows(b))
		rc = same_columns(a, b, marks, &verdict);
	if (!rc && verdict == UNDECIDED)
		rc = same_rows(a, b, marks, same);
	else
		*same = !rc && verdict == SAME;
	parq_reader_close(a);
	parq_reader_close(b);
	return rc;
}
