/* Filtered scans: prune row groups (statistics, dictionaries, bloom
 * filters) and pages (column index), then test rows exactly. */
#include <math.h>
#include <stdio.h>

#include "bloom.h"
#include "predicate.h"
#include "reader.h"
#include "thrift.h"

typedef struct range {
	int64_t start, end; /* rows [start, end) of a row group */
} range;

typedef struct rangeset {
	range *r;
	int n, cap;
} rangeset;

typedef struct planned_rg {
	int rg;
	rangeset rows;
} planned_rg;

/* Rows a predicate is tested on at once, column by column. */
#define VEC_ROWS 4096

/* A leaf column the predicate reads, and a node of the predicate with the
 * results of its test on the rows at hand (one byte per row). */
typedef struct vleaf {
	parq_column_reader *cr;
	const parq_node *leaf;
} vleaf;

typedef struct vnode {
	const parq_pred *p;
	const parq_pbind *bd;     /* a test: its binding */
	int a, b;                 /* AND / OR: the operands' nodes */
	int leaf;                 /* a test: its index in vleaves */
	uint8_t *m;
	/* a test of a dictionary-encoded string leaf: its result per entry of
	 * the dictionary `dep` (0 not known yet, 1 no, 2 yes), so each distinct
	 * value is tested once */
	uint8_t *dm;
	uint32_t dm_cap;
	uint64_t dep;
	bool dm_set;
} vnode;

/* With a predicate, the predicate's columns are read apart from the
 * returned fields (`rr`), which are assembled only for matching rows (the
 * rows in between are skipped in one call when the next match is asked
 * for). The predicate is tested on column vectors, VEC_ROWS rows at a
 * time, when each of its tests is on a scalar leaf or a list of scalars
 * (`vec`); otherwise a second row reader, `pr`, assembles the predicate's
 * columns row by row for parq_pred_eval_row. */
struct parq_scan {
	parq_reader *r;
	const parq_pred *pred;
	parq_pbind *binds;        /* where each leaf test of pred reads its values */
	int n_binds;
	parq_row_reader *rr, *pr;
	bool vec;
	vleaf *vleaves;
	int n_vleaves;
	vnode *vnodes;
	int n_vnodes, vroot;
	const uint8_t *sel;       /* the root's results for rows [pos - sel_pos, pos - sel_pos + sel_n) */
	int64_t sel_n, sel_pos;
	const char **fields;      /* what rr reads: the returned fields */
	int n_fields;
	const char **pfields;     /* what pr reads: the predicate's fields */
	int n_pfields;
	int64_t rr_behind;        /* rows rr must skip to reach the current row */
	bool have_row;            /* advance found a row that rr has not read */
	planned_rg *plan;
	int n_plan, cur;          /* current planned row group */
	int cur_range;
	int64_t pos;              /* row within the current row group */
	parq_scan_stats st;
	parq_prefetch_group pf;   /* the chunks of a planned row group, in one prefetch for all readers */
	bool pred_only;           /* the projection is within the predicate's fields (a count) */
	bool count_fetched;       /* count_prefetch ran */
	uint8_t *fetched;         /* bit rg * n_leaves + leaf: the chunk came whole in the pruning's
	                           * prefetch, its page index did not */
};

static int rs_add(rangeset *s, int64_t a, int64_t b)
{
	if (a >= b)
		return 0;
	if (s->n && s->r[s->n - 1].end >= a) { /* merge adjacent */
		if (b > s->r[s->n - 1].end)
			s->r[s->n - 1].end = b;
		return 0;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		range *p = realloc(s->r, sizeof *p * (size_t)cap);
		if (!p)
			return parq_err_nomem();
		s->r = p;
		s->cap = cap;
	}
	s->r[s->n++] = (range){a, b};
	return 0;
}

static void rs_free(rangeset *s)
{
	free(s->r);
	memset(s, 0, sizeof *s);
}

static int rs_intersect(const rangeset *x, const rangeset *y, rangeset *out)
{
	int i = 0, j = 0;
	while (i < x->n && j < y->n) {
		int64_t a = x->r[i].start > y->r[j].start ? x->r[i].start : y->r[j].start;
		int64_t b = x->r[i].end < y->r[j].end ? x->r[i].end : y->r[j].end;
		if (a < b && rs_add(out, a, b))
			return PARQ_ENOMEM;
		if (x->r[i].end < y->r[j].end)
			i++;
		else
			j++;
	}
	return 0;
}

static int rs_union(const rangeset *x, const rangeset *y, rangeset *out)
{
	int i = 0, j = 0;
	while (i < x->n || j < y->n) {
		const range *next;
		if (j >= y->n || (i < x->n && x->r[i].start <= y->r[j].start))
			next = &x->r[i++];
		else
			next = &y->r[j++];
		if (rs_add(out, next->start, next->end))
			return PARQ_ENOMEM;
	}
	return 0;
}

/* ---- binding ---- */

static const char *kind_name(parq_value_kind k)
{
	switch (k) {
	case PARQ_V_BOOL: return "a boolean";
	case PARQ_V_INT64: return "an integer";
	case PARQ_V_DOUBLE: return "a number";
	case PARQ_V_BYTES: return "a string";
	default: return "a value";
	}
}

/* A constant that a leaf's values can never equal is a mistake in the
 * query (title = 5, status_code = '200'), not a test that matches
 * nothing. */
static int check_types(const parq_pred *p, const parq_node *leaf)
{
	for (size_t i = 0; i < p->n_vals; i++) {
		parq_value_kind k = p->vals[i].kind;
		bool ok;
		switch (leaf->type) {
		case PARQ_BOOLEAN: ok = k == PARQ_V_BOOL; break;
		case PARQ_INT32:
		case PARQ_INT64:
		case PARQ_FLOAT:
		case PARQ_DOUBLE: ok = k == PARQ_V_INT64 || k == PARQ_V_DOUBLE; break;
		case PARQ_BYTE_ARRAY:
		case PARQ_FIXED_LEN_BYTE_ARRAY: ok = k == PARQ_V_BYTES; break;
		default: ok = false; break;
		}
		if (!ok)
			return parq_err(PARQ_EINVAL, "where: '%s' holds %s values; it cannot be compared with %s", p->column,
			                parq_type_name(leaf->type), kind_name(k));
	}
	return 0;
}

/* Binds the leaf tests of p to the schema into the scan's table (one
 * entry per leaf test, b->binds), adding their top-level fields to
 * fields. The predicate itself is not written to. */
static int bind(parq_scan *sc, const parq_pred *p, const parq_schema *s, const char **fields, int *n_fields, int depth)
{
	if (depth > 64)
		return parq_err(PARQ_EINVAL, "predicate nested too deeply");
	if (p->op == PARQ_OP_AND || p->op == PARQ_OP_OR) {
		int rc = bind(sc, p->a, s, fields, n_fields, depth + 1);
		return rc ? rc : bind(sc, p->b, s, fields, n_fields, depth + 1);
	}
	parq_pbind *b = &sc->binds[sc->n_binds++];
	memset(b, 0, sizeof *b);
	b->p = p;
	/* split "a.b.c" into the top-level field and group children */
	char buf[512];
	snprintf(buf, sizeof buf, "%s", p->column);
	char *save = NULL, *tok = strtok_r(buf, ".", &save);
	const parq_node *n = tok ? parq_schema_find_field(s, tok) : NULL;
	if (!n)
		return parq_err(PARQ_EINVAL, "where: no column named '%s'", p->column);
	int pos = -1;
	for (int i = 0; i < *n_fields; i++)
		if (strcmp(fields[i], n->name) == 0)
			pos = i;
	if (pos < 0) {
		pos = (*n_fields)++;
		fields[pos] = n->name;
	}
	b->field_pos = pos;
	while ((tok = strtok_r(NULL, ".", &save))) {
		const parq_node *c = NULL;
		int idx = -1;
		for (int i = 0; n->is_group && i < n->n_children; i++)
			if (strcmp(n->children[i]->name, tok) == 0) {
				c = n->children[i];
				idx = i;
			}
		if (!c || n->repetition == PARQ_REPEATED || b->n_sub == PRED_MAX_DEPTH)
			return parq_err(PARQ_EINVAL, "where: no column named '%s'", p->column);
		b->sub[b->n_sub++] = idx;
		n = c;
	}
	b->leaf = -1;
	if (p->op == PARQ_OP_MATCH) {
		/* a string column, or the element leaf of a list of strings */
		const parq_node *l = !n->is_group && n->max_rep == 0 ? n
		                     : n->is_group && n->n_leaves == 1 ? s->leaves[n->first_leaf]
		                     : !n->is_group && n->repetition == PARQ_REPEATED ? n : NULL;
		if (!l || (l->type != PARQ_BYTE_ARRAY && l->type != PARQ_FIXED_LEN_BYTE_ARRAY))
			return parq_err(PARQ_EINVAL, "where: '%s' is neither a string column nor a list of strings (MATCH)",
			                p->column);
		b->leaf = l->leaf_index;
		b->elem = l != n;
		return 0;
	}
	if ((p->op == PARQ_OP_IS_NULL || p->op == PARQ_OP_NOT_NULL) && n->is_group) {
		b->leaf = n->first_leaf;
		b->group = true;
	} else if (p->op == PARQ_OP_CONTAINS) {
		/* the element leaf of a list of scalars, or a substring of a
		 * string column */
		if (!n->is_group && n->max_rep == 0 && n->type == PARQ_BYTE_ARRAY && p->n_vals == 1 &&
		    p->vals[0].kind == PARQ_V_BYTES) {
			b->leaf = n->leaf_index;
			b->substr = true;
		} else if (p->nocase) {
			return parq_err(PARQ_EINVAL, "where: '%s' is not a string column (CONTAINS ignoring case)", p->column);
		} else if (n->n_leaves == 1 && n->is_group)
			b->leaf = n->first_leaf;
		else if (!n->is_group && n->repetition == PARQ_REPEATED)
			b->leaf = n->leaf_index;
		else
			return parq_err(PARQ_EINVAL, "where: '%s' is not a list of scalars (CONTAINS)", p->column);
		b->elem = !b->substr;
	} else {
		if (n->is_group)
			return parq_err(PARQ_EINVAL, "where: '%s' is a group; compare one of its fields", p->column);
		if (n->max_rep > 0)
			return parq_err(PARQ_EINVAL, "where: '%s' is repeated; use CONTAINS", p->column);
		b->leaf = n->leaf_index;
	}
	return check_types(p, s->leaves[b->leaf]);
}

/* The binding of leaf test p in the scan. */
static const parq_pbind *bd(const parq_scan *s, const parq_pred *p)
{
	for (int i = 0; i < s->n_binds; i++)
		if (s->binds[i].p == p)
			return &s->binds[i];
	return NULL; /* not reached: every leaf test is bound when the scan opens */
}

/* ---- row group pruning ---- */

/* Decodes a plain statistics value of the leaf for comparison. */
static bool stat_value(const parq_node *leaf, parq_bytes b, parq_value_kind *kind, uint8_t *tmp)
{
	switch (leaf->type) {
	case PARQ_BOOLEAN: if (b.len < 1) return false; *kind = PARQ_V_BOOL; tmp[0] = b.ptr[0] != 0; return true;
	case PARQ_INT32: if (b.len != 4) return false; *kind = PARQ_V_INT32; memcpy(tmp, b.ptr, 4); return true;
	case PARQ_INT64: if (b.len != 8) return false; *kind = PARQ_V_INT64; memcpy(tmp, b.ptr, 8); return true;
	case PARQ_FLOAT: {
		float f;
		if (b.len != 4) return false;
		memcpy(&f, b.ptr, 4);
		if (isnan(f)) return false;
		*kind = PARQ_V_FLOAT; memcpy(tmp, b.ptr, 4); return true;
	}
	case PARQ_DOUBLE: {
		double d;
		if (b.len != 8) return false;
		memcpy(&d, b.ptr, 8);
		if (isnan(d)) return false;
		*kind = PARQ_V_DOUBLE; memcpy(tmp, b.ptr, 8); return true;
	}
	case PARQ_BYTE_ARRAY:
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		*kind = PARQ_V_BYTES;
		return true;
	default:
		return false;
	}
}

/* cmp of a min/max bound with the constant; false when unusable. */
static bool bound_cmp(const parq_node *leaf, parq_bytes b, const parq_scalar *s, int *c)
{
	uint8_t tmp[8];
	parq_value_kind kind;
	if (!stat_value(leaf, b, &kind, tmp))
		return false;
	if (kind == PARQ_V_BYTES)
		return parq_cmp_scalar(leaf, kind, b.ptr, b.len, s, c) == 0;
	return parq_cmp_scalar(leaf, kind, tmp, 0, s, c) == 0;
}

typedef struct bounds {
	bool has_minmax, has_nulls;
	parq_bytes min, max;
	int64_t nulls, values;   /* values: level entries */
	bool all_null;
} bounds;

/* Can rows with values in [min, max] (and the given nulls) match a leaf
 * predicate? Conservative: true whenever unsure. */
static bool leaf_maybe(const parq_pred *p, const parq_pbind *pb, const parq_node *leaf, const bounds *b)
{
	if (pb->group) /* a null group leaves its leaves undefined, not the reverse */
		return p->op == PARQ_OP_NOT_NULL || !b->has_nulls || b->nulls > 0;
	if (b->all_null)
		return p->op == PARQ_OP_IS_NULL;
	if (p->op == PARQ_OP_IS_NULL)
		return !b->has_nulls || b->nulls > 0;
	if (p->op == PARQ_OP_NOT_NULL)
		return !b->has_nulls || b->nulls < b->values;
	if (!b->has_minmax || !p->n_vals || pb->substr)
		return true;
	int cmin, cmax;
	if (p->op == PARQ_OP_IN || p->op == PARQ_OP_CONTAINS) {
		for (size_t i = 0; i < p->n_vals; i++) {
			if (!bound_cmp(leaf, b->min, &p->vals[i], &cmin) || !bound_cmp(leaf, b->max, &p->vals[i], &cmax))
				return true;
			if (cmin <= 0 && cmax >= 0)
				return true;
		}
		return false;
	}
	if (p->op == PARQ_OP_PREFIX) {
		/* the prefix must lie between the bounds cut to its length */
		const parq_scalar *s = &p->vals[0];
		parq_bytes mn = b->min, mx = b->max;
		if (mn.len > s->u.s.len)
			mn.len = s->u.s.len;
		if (mx.len > s->u.s.len)
			mx.len = s->u.s.len;
		if (!bound_cmp(leaf, mn, s, &cmin) || !bound_cmp(leaf, mx, s, &cmax))
			return true;
		return cmin <= 0 && cmax >= 0;
	}
	if (!bound_cmp(leaf, b->min, &p->vals[0], &cmin) || !bound_cmp(leaf, b->max, &p->vals[0], &cmax))
		return true;
	switch (p->op) {
	case PARQ_OP_EQ: return cmin <= 0 && cmax >= 0;
	case PARQ_OP_NE: return !(cmin == 0 && cmax == 0);
	case PARQ_OP_LT: return cmin < 0;
	case PARQ_OP_LE: return cmin <= 0;
	case PARQ_OP_GT: return cmax > 0;
	case PARQ_OP_GE: return cmax >= 0;
	default: return true;
	}
}

static bool chunk_bounds(const parq_reader *r, int rg, int leaf, bounds *b)
{
	memset(b, 0, sizeof *b);
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[leaf].meta;
	const parq_node *n = r->schema->leaves[leaf];
	if (!m->has_stats)
		return false;
	const parq_meta_stats *s = &m->stats;
	b->values = m->num_values;
	if (s->has_null_count) {
		b->has_nulls = true;
		b->nulls = s->null_count;
		b->all_null = s->null_count == m->num_values && m->num_values > 0 && n->max_rep == 0;
	}
	if (s->has_min_value && s->has_max_value) {
		b->has_minmax = true;
		b->min = s->min_value;
		b->max = s->max_value;
	} else if (s->has_min && s->has_max && n->type != PARQ_BYTE_ARRAY && n->type != PARQ_FIXED_LEN_BYTE_ARRAY &&
	           !(n->logical.kind == PARQ_LT_INTEGER && !n->logical.is_signed)) {
		/* legacy bounds are signed comparisons: fine for these types */
		b->has_minmax = true;
		b->min = s->min;
		b->max = s->max;
	}
	return true;
}

static bool fully_dictionary(const parq_meta_column *m)
{
	if (m->n_enc_stats) {
		for (uint32_t i = 0; i < m->n_enc_stats; i++) {
			const parq_meta_page_enc_stats *e = &m->enc_stats[i];
			if ((e->page_type == PARQ_PAGE_DATA || e->page_type == PARQ_PAGE_DATA_V2) && e->count > 0 &&
			    e->encoding != PARQ_ENC_PLAIN_DICTIONARY && e->encoding != PARQ_ENC_RLE_DICTIONARY)
				return false;
		}
		return true;
	}
	bool dict = false;
	for (uint32_t i = 0; i < m->n_encodings; i++) {
		int e = m->encodings[i];
		if (e == PARQ_ENC_PLAIN_DICTIONARY || e == PARQ_ENC_RLE_DICTIONARY)
			dict = true;
		else if (e != PARQ_ENC_RLE && e != PARQ_ENC_BIT_PACKED)
			return false;
	}
	return dict;
}

/* A predicate column's chunk this small is fetched whole with what
 * pruning reads: a request costs more than its bytes, and the row group's
 * pages are read next when it is kept. */
#define WHOLE_CHUNK ((int64_t)64 << 10)
/* ... while the whole chunks of one file's pruning stay under this (an
 * object store source keeps 64 MiB of what it fetched) */
#define WHOLE_BUDGET ((int64_t)16 << 20)
/* A count's chunks are fetched at once while they stay under this (its
 * row groups' one at a time past it) */
#define COUNT_BUDGET ((int64_t)32 << 20)

/* Whether the dictionary alone decides: every data page is dictionary
 * encoded and the chunk is small enough to come whole, so its bloom
 * filter, a read of its own, would tell less for more. */
static bool dict_decides(const parq_reader *r, int rg, int leaf)
{
	int64_t a, b, d;
	parq_chunk_extent(r, rg, leaf, &a, &b, &d);
	return fully_dictionary(&r->meta.row_groups[rg].columns[leaf].meta) && b > a && b - a <= WHOLE_CHUNK;
}

/* Does the chunk's dictionary hold any of the values? 1 yes or unknown, 0 no. */
static int dict_maybe(parq_reader *r, int rg, const parq_pred *p, const parq_pbind *pb)
{
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[pb->leaf].meta;
	if (!fully_dictionary(m))
		return 1;
	const parq_node *leaf = r->schema->leaves[pb->leaf];
	parq_column_reader *cr;
	if (parq_column_reader_open(&cr, r, pb->leaf, &rg, 1))
		return 1;
	parq_column_reader_set_prefetch(cr, NULL); /* the pruning's prefetch holds the dictionary page */
	const parq_bytes *views;
	const uint8_t *vals;
	uint32_t n;
	int found = 1;
	if (parq_column_reader_dictionary(cr, &views, &vals, &n) == 0) {
		found = 0;
		size_t w = leaf->type == PARQ_INT32 || leaf->type == PARQ_FLOAT ? 4
		         : leaf->type == PARQ_INT64 || leaf->type == PARQ_DOUBLE ? 8
		         : leaf->type == PARQ_FIXED_LEN_BYTE_ARRAY ? (size_t)leaf->type_length : 0;
		parq_value_kind kind = leaf->type == PARQ_INT32 ? PARQ_V_INT32 : leaf->type == PARQ_INT64 ? PARQ_V_INT64
		                     : leaf->type == PARQ_FLOAT ? PARQ_V_FLOAT : leaf->type == PARQ_DOUBLE ? PARQ_V_DOUBLE
		                     : PARQ_V_BYTES;
		if (leaf->type == PARQ_BOOLEAN || leaf->type == PARQ_INT96)
			found = 1;
		for (uint32_t i = 0; i < n && !found && p->op == PARQ_OP_MATCH; i++)
			found = leaf->type == PARQ_BYTE_ARRAY ? p->fn(p->fn_ud, views[i].ptr, views[i].len)
			                                      : p->fn(p->fn_ud, vals + (size_t)i * w, w);
		for (uint32_t i = 0; i < n && !found && p->op != PARQ_OP_MATCH; i++)
			for (size_t k = 0; k < p->n_vals && !found; k++) {
				int c;
				int rc = leaf->type == PARQ_BYTE_ARRAY
				             ? parq_cmp_scalar(leaf, kind, views[i].ptr, views[i].len, &p->vals[k], &c)
				             : parq_cmp_scalar(leaf, kind, vals + (size_t)i * w, w, &p->vals[k], &c);
				if (rc != 0 || c == 0)
					found = 1;
			}
	}
	parq_column_reader_close(cr);
	return found;
}

/* The plain encoding of a constant in the leaf's physical type, for
 * hashing; false when the constant has no exact representation. */
static bool plain_of(const parq_node *leaf, const parq_scalar *s, uint8_t *buf, const uint8_t **p, size_t *n)
{
	switch (leaf->type) {
	case PARQ_INT32:
		if (s->kind != PARQ_V_INT64 || s->u.i < INT32_MIN || s->u.i > (int64_t)UINT32_MAX)
			return false;
		if (s->u.i > INT32_MAX && !(leaf->logical.kind == PARQ_LT_INTEGER && !leaf->logical.is_signed))
			return false;
		{
			uint32_t v = (uint32_t)s->u.i;
			memcpy(buf, &v, 4);
		}
		*p = buf;
		*n = 4;
		return true;
	case PARQ_INT64:
		if (s->kind != PARQ_V_INT64)
			return false;
		memcpy(buf, &s->u.i, 8);
		*p = buf;
		*n = 8;
		return true;
	case PARQ_DOUBLE:
		if (s->kind == PARQ_V_DOUBLE) {
			memcpy(buf, &s->u.d, 8);
		} else if (s->kind == PARQ_V_INT64 && (int64_t)(double)s->u.i == s->u.i) {
			double d = (double)s->u.i;
			memcpy(buf, &d, 8);
		} else {
			return false;
		}
		*p = buf;
		*n = 8;
		return true;
	case PARQ_BYTE_ARRAY:
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		if (s->kind != PARQ_V_BYTES)
			return false;
		if (leaf->type == PARQ_FIXED_LEN_BYTE_ARRAY && s->u.s.len != (uint32_t)leaf->type_length)
			return false;
		*p = s->u.s.ptr;
		*n = s->u.s.len;
		return true;
	default:
		return false;
	}
}

/* 1 if the bloom filter may hold one of the values (or there is none), 0 if not. */
static int bloom_maybe(parq_reader *r, int rg, const parq_pred *p, const parq_pbind *pb)
{
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[pb->leaf].meta;
	if (!m->has_bloom_filter_offset || m->bloom_filter_offset <= 0 || m->bloom_filter_offset >= r->size)
		return 1;
	const parq_node *leaf = r->schema->leaves[pb->leaf];
	uint8_t head[256];
	size_t hn = (size_t)(r->size - m->bloom_filter_offset) < sizeof head ? (size_t)(r->size - m->bloom_filter_offset)
	                                                                     : sizeof head;
	if (parq_reader_pread(r, head, hn, m->bloom_filter_offset))
		return 1;
	parq_meta_bloom_header h;
	size_t used;
	if (parq_meta_decode_bloom_header(head, hn, &h, &used) || h.algorithm != 1 || h.hash != 1 ||
	    h.compression != 1 || h.num_bytes < 32 || h.num_bytes % 32 || h.num_bytes > (128 << 20) ||
	    (int64_t)h.num_bytes > r->size - m->bloom_filter_offset - (int64_t)used)
		return 1;
	uint8_t *bits = malloc((size_t)h.num_bytes);
	if (!bits || parq_reader_pread(r, bits, (size_t)h.num_bytes, m->bloom_filter_offset + (int64_t)used)) {
		free(bits);
		return 1;
	}
	parq_bloom bf;
	int maybe = 1;
	if (parq_bloom_view(&bf, bits, (uint32_t)h.num_bytes) == 0) {
		maybe = 0;
		for (size_t i = 0; i < p->n_vals && !maybe; i++) {
			uint8_t buf[8];
			const uint8_t *v;
			size_t n;
			if (!plain_of(leaf, &p->vals[i], buf, &v, &n))
				maybe = 1; /* cannot tell */
			else if (parq_bloom_check(&bf, parq_bloom_hash(v, n)))
				maybe = 1;
		}
		parq_bloom_free(&bf);
	}
	free(bits);
	return maybe;
}

/* Can row group rg hold a match? By the statistics of the footer alone
 * (deep false), or also by bloom filters and dictionaries (deep true). */
static int rg_maybe(const parq_scan *s, int rg, const parq_pred *p, bool deep)
{
	if (p->op == PARQ_OP_AND)
		return rg_maybe(s, rg, p->a, deep) && rg_maybe(s, rg, p->b, deep);
	if (p->op == PARQ_OP_OR)
		return rg_maybe(s, rg, p->a, deep) || rg_maybe(s, rg, p->b, deep);
	parq_reader *r = s->r;
	const parq_pbind *pb = bd(s, p);
	bounds b;
	if (chunk_bounds(r, rg, pb->leaf, &b) && !leaf_maybe(p, pb, r->schema->leaves[pb->leaf], &b))
		return 0;
	if (!deep)
		return 1;
	if ((p->op == PARQ_OP_EQ || p->op == PARQ_OP_IN || p->op == PARQ_OP_CONTAINS) && !pb->substr) {
		if (!dict_decides(r, rg, pb->leaf) && !bloom_maybe(r, rg, p, pb))
			return 0;
		if (!dict_maybe(r, rg, p, pb))
			return 0;
	}
	if (p->op == PARQ_OP_MATCH && !dict_maybe(r, rg, p, pb))
		return 0;
	return 1;
}

static int count_nodes(const parq_pred *p);

/* Whether the page index can rule out pages of chunk (rg, leaf test p):
 * not where only nulls would (a substring, a caller's match, a test
 * without values: leaf_maybe reads no bounds for them) and the chunk has
 * none. */
static bool index_useful(const parq_reader *r, int rg, const parq_pred *p, const parq_pbind *pb)
{
	bool by_bounds = !pb->group && p->n_vals && !pb->substr && p->op != PARQ_OP_IS_NULL &&
	                 p->op != PARQ_OP_NOT_NULL && p->op != PARQ_OP_MATCH;
	if (by_bounds)
		return true;
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[pb->leaf].meta;
	return !m->has_stats || !m->stats.has_null_count || m->stats.null_count > 0;
}

static bool fetched_whole(const parq_scan *s, int rg, int leaf)
{
	size_t bit = (size_t)rg * (size_t)s->r->schema->n_leaves + (size_t)leaf;
	return s->fetched && (s->fetched[bit / 8] >> (bit % 8) & 1);
}

static void mark_fetched(parq_scan *s, int rg, int leaf)
{
	size_t bit = (size_t)rg * (size_t)s->r->schema->n_leaves + (size_t)leaf;
	s->fetched[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* The ranges the deep pruning of row group rg and its page pruning read:
 * bloom filters, dictionary pages, column and offset indexes of the
 * predicate's columns (at most 4 per leaf test). */
static void prune_ranges(parq_scan *s, int rg, const parq_pred *p, parq_range *out, size_t *k, int64_t *whole,
                         bool *prunes)
{
	if (p->op == PARQ_OP_AND || p->op == PARQ_OP_OR) {
		prune_ranges(s, rg, p->a, out, k, whole, prunes);
		prune_ranges(s, rg, p->b, out, k, whole, prunes);
		return;
	}
	const parq_reader *r = s->r;
	const parq_pbind *pb = bd(s, p);
	const parq_meta_chunk *ch = &r->meta.row_groups[rg].columns[pb->leaf];
	const parq_meta_column *m = &ch->meta;
	bool eq = (p->op == PARQ_OP_EQ || p->op == PARQ_OP_IN || p->op == PARQ_OP_CONTAINS) && !pb->substr;
	int64_t a, b, d;
	parq_chunk_extent(r, rg, pb->leaf, &a, &b, &d);
	bool bloom = eq && m->has_bloom_filter_offset && m->bloom_filter_offset > 0;
	bool full = fully_dictionary(m), small = b > a && b - a <= WHOLE_CHUNK;
	/* whole when its dictionary decides, or when nothing but its pages
	 * can (they are read next if the row group is kept); a bloom filter
	 * is read alone: a needle is absent from most row groups */
	bool whole_chunk = (full || !bloom) && small && *whole + (b - a) <= WHOLE_BUDGET;
	if (whole_chunk) {
		*whole += b - a;
		out[(*k)++] = (parq_range){a, b - a};
	}
	size_t k0 = *k; /* what follows could rule the row group out */
	if (whole_chunk && s->pred_only) {
		/* the scan reads nothing but these chunks, and has them: the
		 * page index would save decoding, for one more request */
		mark_fetched(s, rg, pb->leaf);
	} else if (index_useful(r, rg, p, pb)) {
		/* the page index: the pages it rules out are not fetched, of
		 * this column nor of the projection's */
		if (ch->has_column_index_offset && ch->column_index_length > 0)
			out[(*k)++] = (parq_range){ch->column_index_offset, ch->column_index_length};
		if (ch->has_offset_index_offset && ch->offset_index_length > 0)
			out[(*k)++] = (parq_range){ch->offset_index_offset, ch->offset_index_length};
	}
	if (bloom && !(full && small)) {
		/* not where the dictionary decides (dict_decides); bloom_maybe
		 * reads a header of up to 256 bytes, then the bits */
		int64_t len = m->has_bloom_filter_length && m->bloom_filter_length > 256 ? m->bloom_filter_length : 256;
		out[(*k)++] = (parq_range){m->bloom_filter_offset, len};
	}
	if ((eq || p->op == PARQ_OP_MATCH) && full && !whole_chunk) {
		/* without a dictionary offset, the window a page header is read in */
		int64_t len = d ? d - a : (b - a < (64 << 10) ? b - a : (64 << 10));
		out[(*k)++] = (parq_range){a, len};
	}
	if (*k > k0)
		*prunes = true;
}

/* A count's row group whose pruning reads nothing (its predicate's
 * columns have no bloom filter, dictionary or page index that could rule
 * it out) reads its predicate's chunks whole next: they come with the
 * pruning's ranges, in its request, while the file's stay within what a
 * count fetches at once. */
static void count_ranges(parq_scan *s, int rg, const parq_pred *p, parq_range *out, size_t *k, int64_t *whole)
{
	if (p->op == PARQ_OP_AND || p->op == PARQ_OP_OR) {
		count_ranges(s, rg, p->a, out, k, whole);
		count_ranges(s, rg, p->b, out, k, whole);
		return;
	}
	int leaf = bd(s, p)->leaf;
	int64_t a, b, d;
	parq_chunk_extent(s->r, rg, leaf, &a, &b, &d);
	if (fetched_whole(s, rg, leaf) || b <= a || *whole + (b - a) > COUNT_BUDGET)
		return;
	*whole += b - a;
	out[(*k)++] = (parq_range){a, b - a};
	mark_fetched(s, rg, leaf);
}


/* One prefetch of what pruning reads in every row group the statistics
 * keep: a request's round trip is paid once for the file, not once per
 * row group. */
static int prefetch_pruning(parq_scan *s, const int *row_groups, int nrg)
{
	if (!s->pf.leaves || nrg <= 0)
		return 0;
	size_t k = 0, per = (size_t)count_nodes(s->pred) * 4;
	int64_t whole = 0;
	size_t bits = (size_t)s->r->meta.n_row_groups * (size_t)s->r->schema->n_leaves;
	parq_range *rs = parq_calloc(per * (size_t)nrg, sizeof *rs);
	s->fetched = parq_calloc(bits / 8 + 1, 1);
	if (!rs || !s->fetched) {
		free(rs);
		return parq_err_nomem();
	}
	for (int i = 0; i < nrg; i++) {
		int g = row_groups ? row_groups[i] : i;
		bool prunes = false;
		if (s->r->meta.row_groups[g].num_rows > 0 && rg_maybe(s, g, s->pred, false)) {
			prune_ranges(s, g, s->pred, rs, &k, &whole, &prunes);
			if (!prunes && s->pred_only)
				count_ranges(s, g, s->pred, rs, &k, &whole);
		}
	}
	int rc = parq_reader_prefetch(s->r, rs, &k);
	free(rs);
	return rc ? parq_err_prefix(rc, "row groups' indexes and dictionaries: ") : 0;
}

/* ---- page pruning ---- */

/* Row ranges of a row group where a leaf predicate may match, from the
 * column and offset indexes; the whole group when they are missing. */
static int leaf_ranges(parq_scan *sc, int rg, const parq_pred *p, rangeset *out)
{
	parq_reader *r = sc->r;
	const parq_pbind *pb = bd(sc, p);
	int64_t rows = r->meta.row_groups[rg].num_rows;
	const parq_meta_chunk *ch = &r->meta.row_groups[rg].columns[pb->leaf];
	if (fetched_whole(sc, rg, pb->leaf) || !index_useful(r, rg, p, pb))
		return rs_add(out, 0, rows); /* its pages are at hand, or no page is ruled out */
	/* lengths are checked against the file before they are allocated */
	if (!ch->has_column_index_offset || !ch->has_offset_index_offset || ch->column_index_length <= 0 ||
	    ch->offset_index_length <= 0 || ch->column_index_length > (64 << 20) || ch->offset_index_length > (64 << 20) ||
	    ch->column_index_offset < 0 || ch->column_index_offset > r->size - ch->column_index_length ||
	    ch->offset_index_offset < 0 || ch->offset_index_offset > r->size - ch->offset_index_length)
		return rs_add(out, 0, rows);
	parq_arena a;
	parq_arena_init(&a, 0);
	uint8_t *cb = malloc((size_t)ch->column_index_length), *ob = malloc((size_t)ch->offset_index_length);
	parq_meta_column_index ci;
	parq_meta_offset_index oi;
	int rc = 0;
	bool usable = cb && ob && !parq_reader_pread(r, cb, (size_t)ch->column_index_length, ch->column_index_offset) &&
	              !parq_reader_pread(r, ob, (size_t)ch->offset_index_length, ch->offset_index_offset) &&
	              !parq_meta_decode_column_index(&a, cb, (size_t)ch->column_index_length, &ci) &&
	              !parq_meta_decode_offset_index(&a, ob, (size_t)ch->offset_index_length, &oi);
	uint32_t np = usable ? oi.n_page_locations : 0;
	if (usable && (ci.n_null_pages != np || ci.n_min_values != np || ci.n_max_values != np || np == 0))
		usable = false;
	if (!usable) {
		rc = rs_add(out, 0, rows);
	} else {
		const parq_node *leaf = r->schema->leaves[pb->leaf];
		for (uint32_t i = 0; i < np && !rc; i++) {
			int64_t first = oi.page_locations[i].first_row_index;
			int64_t last = i + 1 < np ? oi.page_locations[i + 1].first_row_index : rows;
			bounds b = {0};
			b.has_minmax = !ci.null_pages[i];
			b.min = ci.min_values[i];
			b.max = ci.max_values[i];
			b.all_null = ci.null_pages[i] && leaf->max_rep == 0;
			if (ci.n_null_counts == np) {
				b.has_nulls = true;
				b.nulls = ci.null_counts[i];
				b.values = leaf->max_rep ? INT64_MAX : last - first;
			}
			sc->st.pages++;
			if (leaf_maybe(p, pb, leaf, &b))
				rc = rs_add(out, first, last);
			else
				sc->st.pages_skipped++;
		}
	}
	free(cb);
	free(ob);
	parq_arena_free(&a);
	return rc;
}

static int pred_ranges(parq_scan *sc, int rg, const parq_pred *p, rangeset *out)
{
	if (p->op != PARQ_OP_AND && p->op != PARQ_OP_OR)
		return leaf_ranges(sc, rg, p, out);
	rangeset x = {0}, y = {0};
	int rc = pred_ranges(sc, rg, p->a, &x);
	if (!rc)
		rc = pred_ranges(sc, rg, p->b, &y);
	if (!rc)
		rc = p->op == PARQ_OP_AND ? rs_intersect(&x, &y, out) : rs_union(&x, &y, out);
	rs_free(&x);
	rs_free(&y);
	return rc;
}

/* ---- predicates on column vectors ---- */

static int count_nodes(const parq_pred *p)
{
	return p->op == PARQ_OP_AND || p->op == PARQ_OP_OR ? 1 + count_nodes(p->a) + count_nodes(p->b) : 1;
}

/* Whether the bound leaf test p reads as a column vector gives what
 * parq_pred_eval_row gives on the assembled row. */
static bool vec_leaf_ok(const parq_schema *sch, const parq_pred *p, const parq_pbind *pb)
{
	if (pb->leaf < 0 || pb->leaf >= sch->n_leaves || pb->group)
		return false;
	const parq_node *leaf = sch->leaves[pb->leaf];
	if (!pb->elem)
		return leaf->max_rep == 0; /* a null parent reads as a null leaf */
	if (pb->n_sub || leaf->max_rep != 1)
		return false;
	const parq_node *f = parq_schema_find_field(sch, p->column);
	return f && parq_pred_list_leaf(f) == leaf;
}

/* Adds p's nodes to s->vnodes (after binding), *out the index of p's:
 * 0, 1 when a test needs assembled rows, or an error. */
static int vec_build(parq_scan *s, const parq_pred *p, int *out)
{
	int i = s->n_vnodes++;
	vnode *n = &s->vnodes[i];
	n->p = p;
	n->a = n->b = n->leaf = -1;
	if (!(n->m = parq_malloc(VEC_ROWS)))
		return PARQ_ENOMEM;
	*out = i;
	if (p->op == PARQ_OP_AND || p->op == PARQ_OP_OR) {
		int a, b, rc = vec_build(s, p->a, &a);
		if (!rc)
			rc = vec_build(s, p->b, &b);
		if (rc)
			return rc;
		s->vnodes[i].a = a;
		s->vnodes[i].b = b;
		return 0;
	}
	const parq_pbind *pb = bd(s, p);
	n->bd = pb;
	if (!vec_leaf_ok(s->r->schema, p, pb))
		return 1;
	int l = 0;
	while (l < s->n_vleaves && s->vleaves[l].leaf->leaf_index != pb->leaf)
		l++;
	if (l == s->n_vleaves)
		s->vleaves[s->n_vleaves++].leaf = s->r->schema->leaves[pb->leaf];
	n->leaf = l;
	return 0;
}

/* The test of the i-th present value of a batch of leaf. */
static bool value_match(const parq_pred *p, parq_op op, const parq_node *leaf, const parq_column_batch *b, int64_t i)
{
	const uint8_t *vals = b->values;
	switch (leaf->type) {
	case PARQ_BOOLEAN: {
		bool x = vals[i] != 0;
		return parq_pred_match_plain(p, op, leaf, PARQ_V_BOOL, &x, 1);
	}
	case PARQ_INT32: return parq_pred_match_plain(p, op, leaf, PARQ_V_INT32, vals + i * 4, 4);
	case PARQ_FLOAT: return parq_pred_match_plain(p, op, leaf, PARQ_V_FLOAT, vals + i * 4, 4);
	case PARQ_INT64: return parq_pred_match_plain(p, op, leaf, PARQ_V_INT64, vals + i * 8, 8);
	case PARQ_DOUBLE: return parq_pred_match_plain(p, op, leaf, PARQ_V_DOUBLE, vals + i * 8, 8);
	case PARQ_INT96: return parq_pred_match_plain(p, op, leaf, PARQ_V_INT96, NULL, 0);
	case PARQ_BYTE_ARRAY:
		return parq_pred_match_plain(p, op, leaf, PARQ_V_BYTES, b->bytes[i].ptr, b->bytes[i].len);
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		return parq_pred_match_plain(p, op, leaf, PARQ_V_BYTES, vals + (size_t)i * (size_t)leaf->type_length,
		                             (size_t)leaf->type_length);
	}
	return false;
}

/* Whether p compares a signed integer leaf with integer constants
 * (a comparison or IN), which is done inline. */
static bool int_test_ok(const parq_pred *p, const parq_node *leaf)
{
	if ((leaf->type != PARQ_INT32 && leaf->type != PARQ_INT64) || (p->op > PARQ_OP_GE && p->op != PARQ_OP_IN) ||
	    (leaf->logical.kind == PARQ_LT_INTEGER && !leaf->logical.is_signed))
		return false;
	for (size_t i = 0; i < p->n_vals; i++)
		if (p->vals[i].kind != PARQ_V_INT64)
			return false;
	return p->n_vals > 0;
}

static bool int_test(const parq_pred *p, int64_t x)
{
	int64_t c = p->vals[0].u.i;
	switch (p->op) {
	case PARQ_OP_EQ: return x == c;
	case PARQ_OP_NE: return x != c;
	case PARQ_OP_LT: return x < c;
	case PARQ_OP_LE: return x <= c;
	case PARQ_OP_GT: return x > c;
	case PARQ_OP_GE: return x >= c;
	default:
		for (size_t i = 0; i < p->n_vals; i++)
			if (x == p->vals[i].u.i)
				return true;
		return false;
	}
}

/* The operator a list leaf's elements are tested with. */
static parq_op elem_op(const parq_pred *p)
{
	return p->op == PARQ_OP_MATCH ? PARQ_OP_MATCH : PARQ_OP_IN;
}

/* Makes v's per-entry results fit the dictionary of epoch ep (n entries):
 * 0 or PARQ_ENOMEM. */
static int dm_fit(vnode *v, uint32_t n, uint64_t ep)
{
	if (v->dm_set && v->dep == ep)
		return 0;
	if (n > v->dm_cap) {
		uint8_t *d = realloc(v->dm, n);
		if (!d)
			return parq_err_nomem();
		v->dm = d;
		v->dm_cap = n;
	}
	if (n)
		memset(v->dm, 0, n);
	v->dep = ep;
	v->dm_set = true;
	return 0;
}

/* The test of dictionary entry k, computed the first time it is needed. */
static inline bool dm_test(vnode *v, parq_op op, const parq_node *leaf, const parq_bytes *dict, uint32_t k)
{
	uint8_t r = v->dm[k];
	if (!r)
		r = v->dm[k] = 1 + (uint8_t)parq_pred_match_plain(v->p, op, leaf, PARQ_V_BYTES, dict[k].ptr, dict[k].len);
	return r == 2;
}

/* m[r] for the n rows of batch b of a scalar string leaf whose values are
 * the dictionary entries idx. */
static void eval_scalar_dict(vnode *v, const parq_node *leaf, const parq_column_batch *b, int64_t n,
                             const uint32_t *idx, const parq_bytes *dict)
{
	const int16_t *def = b->def_levels;
	int16_t max_def = leaf->max_def;
	uint8_t null_match = v->p->op == PARQ_OP_IS_NULL, *m = v->m;
	int64_t vi = 0;
	for (int64_t r = 0; r < n; r++) {
		if (def && def[r] != max_def)
			m[r] = null_match;
		else
			m[r] = dm_test(v, v->p->op, leaf, dict, idx[vi++]);
	}
}

/* hit[i] for the nv values of a string batch: whether each holds the
 * non-empty needle. One search (parq_memmem) runs over each run of values
 * that follow one another in memory (in a PLAIN page, a 4-byte length
 * apart; decoded into one buffer, no gap), not one per value: setting a
 * search up costs more than scanning a URL. Two allocations are never
 * that close (the allocator's header lies between), so a run is one
 * buffer. A hit that starts in one value and ends in the next is searched
 * past. */
static void substr_values(const parq_bytes *v, int64_t nv, const uint8_t *nd, size_t nl, bool nocase, uint8_t *hit)
{
	for (int64_t i = 0; i < nv;) {
		const uint8_t *start = v[i].ptr, *end = start + v[i].len;
		int64_t j = i + 1;
		while (j < nv && v[j].ptr && (v[j].ptr == end || v[j].ptr == end + 4)) {
			end = v[j].ptr + v[j].len;
			j++;
		}
		memset(hit + i, 0, (size_t)(j - i));
		const uint8_t *at = start;
		int64_t k = i;
		while (at && (size_t)(end - at) >= nl) {
			const uint8_t *h = nocase ? parq_memmem_nocase(at, (size_t)(end - at), nd, nl)
			                          : parq_memmem(at, (size_t)(end - at), nd, nl);
			if (!h)
				break;
			while (v[k].ptr + v[k].len < h + nl)
				k++; /* the first value ending at or after the hit's end */
			if (h >= v[k].ptr) {
				hit[k] = 1;
				at = v[k].ptr + v[k].len;
				if (++k == j)
					break;
			} else {
				at = h + 1;
			}
		}
		i = j;
	}
}

/* m[r] for the n rows of batch b of a scalar leaf. */
static void eval_scalar(const parq_pred *p, const parq_node *leaf, const parq_column_batch *b, int64_t n, uint8_t *m)
{
	const int16_t *def = b->def_levels;
	int16_t max_def = leaf->max_def;
	uint8_t null_match = p->op == PARQ_OP_IS_NULL;
	int64_t vi = 0;
	if (leaf->type == PARQ_BYTE_ARRAY && p->op == PARQ_OP_CONTAINS && p->n_vals == 1 &&
	    p->vals[0].kind == PARQ_V_BYTES && p->vals[0].u.s.len) {
		/* the values' results in m[0, nv), then spread over the rows
		 * from the last (a value's index is never past its row's) */
		int64_t nv = 0;
		for (int64_t r = 0; r < n; r++)
			nv += !def || def[r] == max_def;
		substr_values(b->bytes, nv, p->vals[0].u.s.ptr, p->vals[0].u.s.len, p->nocase, m);
		for (int64_t r = n, k = nv; r-- > 0;)
			m[r] = !def || def[r] == max_def ? m[--k] : 0;
		return;
	}
	if (int_test_ok(p, leaf)) {
		bool i32 = leaf->type == PARQ_INT32;
		for (int64_t r = 0; r < n; r++) {
			if (def && def[r] != max_def) {
				m[r] = 0;
				continue;
			}
			int64_t x;
			if (i32) {
				int32_t y;
				memcpy(&y, (const uint8_t *)b->values + vi * 4, 4);
				x = y;
			} else {
				memcpy(&x, (const uint8_t *)b->values + vi * 8, 8);
			}
			vi++;
			m[r] = int_test(p, x);
		}
		return;
	}
	for (int64_t r = 0; r < n; r++) {
		if (def && def[r] != max_def)
			m[r] = null_match;
		else
			m[r] = value_match(p, p->op, leaf, b, vi++);
	}
}

/* m[r] for the n rows of batch b of a list's element leaf: one element
 * equal to the constant. */
static int eval_list(parq_scan *s, vnode *v, const parq_node *leaf, const parq_column_batch *b, int64_t n,
                     const uint32_t *idx, const parq_bytes *dict)
{
	const parq_pred *p = v->p;
	uint8_t *m = v->m;
	parq_op op = elem_op(p);
	memset(m, 0, (size_t)n);
	int64_t row = -1, vi = 0;
	bool bytes = leaf->type == PARQ_BYTE_ARRAY && p->op == PARQ_OP_CONTAINS && p->n_vals == 1 &&
	             p->vals[0].kind == PARQ_V_BYTES;
	for (int64_t l = 0; l < b->num_levels; l++) {
		if (b->rep_levels[l] == 0 && ++row >= n)
			break;
		if (row < 0)
			return parq_err(PARQ_ECORRUPT, "%s: column '%s': a batch starts inside a row", s->r->name, leaf->path);
		if (b->def_levels[l] != leaf->max_def)
			continue;
		int64_t i = vi++;
		if (m[row])
			continue;
		if (idx)
			m[row] = dm_test(v, op, leaf, dict, idx[i]);
		else if (bytes)
			m[row] = b->bytes[i].len == p->vals[0].u.s.len &&
			         (b->bytes[i].len == 0 || memcmp(b->bytes[i].ptr, p->vals[0].u.s.ptr, b->bytes[i].len) == 0);
		else
			m[row] = value_match(p, op, leaf, b, i);
	}
	return 0;
}

static void combine(parq_scan *s, int i, int64_t n)
{
	vnode *v = &s->vnodes[i];
	if (v->a < 0)
		return;
	combine(s, v->a, n);
	combine(s, v->b, n);
	const uint8_t *x = s->vnodes[v->a].m, *y = s->vnodes[v->b].m;
	if (v->p->op == PARQ_OP_AND)
		for (int64_t r = 0; r < n; r++)
			v->m[r] = x[r] & y[r];
	else
		for (int64_t r = 0; r < n; r++)
			v->m[r] = x[r] | y[r];
}

/* Tests the predicate on the next n rows (all within one row group). */
static int vec_eval(parq_scan *s, int64_t n, int rg)
{
	for (int l = 0; l < s->n_vleaves; l++) {
		vleaf *vl = &s->vleaves[l];
		parq_column_batch b;
		int rc = parq_column_reader_read(vl->cr, n, &b);
		if (rc)
			return rc;
		if (b.num_rows != n)
			return parq_err(PARQ_ECORRUPT, "%s: row group %d, column '%s' ends before its %lld rows", s->r->name,
			                rg, vl->leaf->path, (long long)s->r->meta.row_groups[rg].num_rows);
		const parq_bytes *dict = NULL;
		uint32_t dn = 0;
		uint64_t ep = 0;
		const uint32_t *idx = vl->leaf->type == PARQ_BYTE_ARRAY && b.num_values
		                          ? parq_column_reader_indices(vl->cr, &dict, &dn, &ep)
		                          : NULL;
		for (int i = 0; i < s->n_vnodes; i++) {
			vnode *v = &s->vnodes[i];
			if (v->leaf != l)
				continue;
			/* null tests need no values; a dictionary pays for the others */
			const uint32_t *vidx = idx && v->p->op != PARQ_OP_IS_NULL && v->p->op != PARQ_OP_NOT_NULL ? idx : NULL;
			if (vidx && (rc = dm_fit(v, dn, ep)))
				return rc;
			if (vl->leaf->max_rep == 0 && vidx)
				eval_scalar_dict(v, vl->leaf, &b, n, vidx, dict);
			else if (vl->leaf->max_rep == 0)
				eval_scalar(v->p, vl->leaf, &b, n, v->m);
			else if ((rc = eval_list(s, v, vl->leaf, &b, n, vidx, dict)))
				return rc;
		}
	}
	combine(s, s->vroot, n);
	s->sel = s->vnodes[s->vroot].m;
	s->sel_n = n;
	s->sel_pos = 0;
	return 0;
}

/* Sets up the vector test of the bound predicate over row groups rgs;
 * s->vec stays false when some test needs assembled rows. */
static int vec_open(parq_scan *s, const int *rgs, int n_rgs)
{
	int n = count_nodes(s->pred);
	s->vnodes = parq_calloc((size_t)n, sizeof *s->vnodes);
	s->vleaves = parq_calloc((size_t)n, sizeof *s->vleaves);
	if (!s->vnodes || !s->vleaves)
		return PARQ_ENOMEM;
	int root, rc = vec_build(s, s->pred, &root);
	if (rc)
		return rc > 0 ? 0 : rc;
	for (int l = 0; l < s->n_vleaves; l++) {
		if ((rc = parq_column_reader_open(&s->vleaves[l].cr, s->r, s->vleaves[l].leaf->leaf_index, rgs, n_rgs)))
			return rc;
		parq_column_reader_keep_indices(s->vleaves[l].cr);
	}
	s->vroot = root;
	s->vec = true;
	return 0;
}

static void vec_close(parq_scan *s)
{
	for (int i = 0; i < s->n_vnodes; i++) {
		free(s->vnodes[i].m);
		free(s->vnodes[i].dm);
	}
	for (int l = 0; l < s->n_vleaves; l++)
		parq_column_reader_close(s->vleaves[l].cr);
	free(s->vnodes);
	free(s->vleaves);
}

/* ---- the scan ---- */

void parq_scan_close(parq_scan *s)
{
	if (!s)
		return;
	vec_close(s);
	parq_row_reader_close(s->rr);
	parq_row_reader_close(s->pr);
	free(s->pfields);
	for (int i = 0; i < s->n_plan; i++)
		rs_free(&s->plan[i].rows);
	free(s->plan);
	free(s->fetched);
	free(s->fields);
	free(s->binds);
	parq_prefetch_group_free(&s->pf);
	free(s);
}

int parq_scan_open(parq_scan **out, parq_reader *r, const parq_pred *pred, const char *const *fields, int n_fields)
{
	return parq_scan_open_row_groups(out, r, pred, fields, n_fields, NULL, -1);
}

int parq_scan_open_row_groups(parq_scan **out, parq_reader *r, const parq_pred *pred, const char *const *fields,
                              int n_fields, const int *row_groups, int n_row_groups)
{
	const parq_schema *sch = r->schema;
	parq_scan *s = parq_calloc(1, sizeof *s);
	if (!s)
		return PARQ_ENOMEM;
	s->r = r;
	s->pred = pred;
	if (parq_prefetch_group_init(&s->pf, r, pred != NULL)) {
		parq_scan_close(s);
		return PARQ_ENOMEM;
	}
	int nf = fields ? n_fields : sch->root->n_children;
	s->fields = parq_calloc((size_t)(nf + 1), sizeof *s->fields);
	s->pfields = parq_calloc((size_t)(sch->root->n_children + 1), sizeof *s->pfields);
	if (!s->fields || !s->pfields) {
		parq_scan_close(s);
		return PARQ_ENOMEM;
	}
	for (int i = 0; i < nf; i++)
		s->fields[i] = fields ? fields[i] : sch->root->children[i]->name;
	s->n_fields = nf;
	int rc = 0;
	/* the positions of the tests' values in pr's rows, kept in the scan */
	if (pred && !(s->binds = parq_calloc((size_t)count_nodes(pred), sizeof *s->binds))) {
		parq_scan_close(s);
		return PARQ_ENOMEM;
	}
	if (pred && (rc = bind(s, pred, sch, s->pfields, &s->n_pfields, 0))) {
		parq_scan_close(s);
		return rc;
	}
	s->pred_only = true;
	for (int i = 0; i < nf && s->pred_only; i++) {
		bool in = false;
		for (int j = 0; j < s->n_pfields && !in; j++)
			in = strcmp(s->fields[i], s->pfields[j]) == 0;
		s->pred_only = in;
	}
	int nrg = row_groups ? n_row_groups : (int)r->meta.n_row_groups;
	for (int i = 0; row_groups && i < nrg; i++)
		if (row_groups[i] < 0 || (uint32_t)row_groups[i] >= r->meta.n_row_groups ||
		    (i && row_groups[i] <= row_groups[i - 1])) {
			parq_scan_close(s);
			return parq_err(PARQ_EINVAL, "%s: row group %d is not in the file or not in order", r->name,
			                row_groups[i]);
		}
	s->plan = parq_calloc((size_t)(nrg > 0 ? nrg : 1), sizeof *s->plan);
	int *rgs = parq_calloc((size_t)(nrg > 0 ? nrg : 1), sizeof *rgs);
	if (!s->plan || !rgs) {
		free(rgs);
		parq_scan_close(s);
		return PARQ_ENOMEM;
	}
	s->st.row_groups = nrg;
	if (pred)
		rc = prefetch_pruning(s, row_groups, nrg);
	for (int i = 0; i < nrg && !rc; i++) {
		int g = row_groups ? row_groups[i] : i;
		int64_t rows = r->meta.row_groups[g].num_rows;
		if (rows <= 0)
			continue;
		if (pred && !rg_maybe(s, g, pred, false)) {
			s->st.row_groups_skipped++;
			continue;
		}
		if (pred && !rg_maybe(s, g, pred, true)) {
			s->st.row_groups_skipped++;
			continue;
		}
		planned_rg *p = &s->plan[s->n_plan];
		p->rg = g;
		rc = pred ? pred_ranges(s, g, pred, &p->rows) : rs_add(&p->rows, 0, rows);
		if (!rc && p->rows.n == 0) {
			s->st.row_groups_skipped++;
			rs_free(&p->rows);
			continue;
		}
		rgs[s->n_plan++] = g;
	}
	if (!rc)
		rc = parq_row_reader_open_row_groups(&s->rr, r, s->fields, s->n_fields, rgs, s->n_plan);
	if (!rc && pred)
		rc = vec_open(s, rgs, s->n_plan);
	if (!rc && pred && !s->vec)
		rc = parq_row_reader_open_row_groups(&s->pr, r, s->pfields, s->n_pfields, rgs, s->n_plan);
	if (!rc) {
		parq_row_reader_set_prefetch(s->rr, &s->pf);
		if (s->pr)
			parq_row_reader_set_prefetch(s->pr, &s->pf);
		for (int l = 0; s->vec && l < s->n_vleaves; l++)
			parq_column_reader_set_prefetch(s->vleaves[l].cr, &s->pf);
	}
	free(rgs);
	if (rc) {
		parq_scan_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Skips n rows of the reader that walks the row groups: pr with a
 * predicate, else rr (rr then catches up lazily). */
static int skip_rows(parq_scan *s, int64_t n, int64_t *got)
{
	if (s->vec) {
		s->rr_behind += n;
		for (int l = 0; l < s->n_vleaves; l++) {
			int64_t g;
			int rc = parq_column_reader_skip(s->vleaves[l].cr, n, &g);
			if (rc)
				return rc;
			if (g != n)
				return parq_err(PARQ_ECORRUPT, "%s: column '%s' ends before the row group's rows", s->r->name,
				                s->vleaves[l].leaf->path);
		}
		if (got)
			*got = n;
		return 0;
	}
	if (s->pr) {
		s->rr_behind += n;
		return parq_row_reader_skip(s->pr, n, got);
	}
	return parq_row_reader_skip(s->rr, n, got);
}

/* Moves to the next rows the plan keeps (skipping what pruning left
 * out): *avail rows from s->pos within the current range and row group,
 * 0 at the end of the plan. */
static int plan_next(parq_scan *s, int64_t *avail)
{
	*avail = 0;
	while (s->cur < s->n_plan) {
		planned_rg *p = &s->plan[s->cur];
		int64_t rows = s->r->meta.row_groups[p->rg].num_rows;
		if (s->cur_range >= p->rows.n) {
			/* past the last range: skip to the end of the row group */
			if (s->pos < rows) {
				int rc = skip_rows(s, rows - s->pos, NULL);
				if (rc)
					return rc;
			}
			s->cur++;
			s->cur_range = 0;
			s->pos = 0;
			continue;
		}
		const range *rg = &p->rows.r[s->cur_range];
		if (s->pos < rg->start) {
			int64_t got;
			int rc = skip_rows(s, rg->start - s->pos, &got);
			if (rc)
				return rc;
			if (got != rg->start - s->pos)
				return parq_err(PARQ_ECORRUPT, "%s: row group %d ends before its %lld rows", s->r->name, p->rg,
				                (long long)rows);
			s->pos = rg->start;
		}
		if (s->pos >= rg->end) {
			s->cur_range++;
			continue;
		}
		*avail = rg->end - s->pos;
		return 0;
	}
	return 0;
}

/* With vector tests: tests the predicate on the next rows of the plan;
 * *done at the end of the plan. */
static int vec_next(parq_scan *s, bool *done)
{
	int64_t avail;
	int rc = plan_next(s, &avail);
	*done = !rc && avail == 0;
	if (rc || !avail)
		return rc;
	return vec_eval(s, avail < VEC_ROWS ? avail : VEC_ROWS, s->plan[s->cur].rg);
}

static int vec_advance(parq_scan *s, bool *found)
{
	for (;;) {
		if (s->sel_pos < s->sel_n) {
			/* rows already tested: pass the failing ones in one step */
			int64_t k = s->sel_pos;
			while (k < s->sel_n && !s->sel[k])
				k++;
			int64_t passed = k - s->sel_pos;
			s->rr_behind += passed;
			s->pos += passed;
			s->st.rows_read += passed;
			s->sel_pos = k;
			if (k < s->sel_n) {
				s->sel_pos++;
				s->pos++;
				s->st.rows_read++;
				s->st.rows_matched++;
				s->have_row = true;
				*found = true;
				return 0;
			}
		}
		bool done;
		int rc = vec_next(s, &done);
		if (rc || done)
			return rc;
	}
}

int parq_scan_advance(parq_scan *s, bool *found)
{
	*found = false;
	if (s->have_row) { /* the previous match was not read: pass it */
		s->have_row = false;
		s->rr_behind++;
	}
	if (s->vec)
		return vec_advance(s, found);
	parq_row_reader *walker = s->pr ? s->pr : s->rr;
	for (;;) {
		int64_t avail;
		int rc = plan_next(s, &avail);
		if (rc || !avail)
			return rc;
		planned_rg *p = &s->plan[s->cur];
		int64_t rows = s->r->meta.row_groups[p->rg].num_rows;
		s->pos++;
		s->st.rows_read++;
		if (!s->pred) {
			s->have_row = true;
			*found = true;
			return 0;
		}
		const parq_value *v;
		if ((rc = parq_row_reader_next(walker, &v)))
			return rc;
		if (!v)
			return parq_err(PARQ_ECORRUPT, "%s: row group %d ends before its %lld rows", s->r->name, p->rg,
			                (long long)rows);
		bool match = true;
		if ((rc = parq_pred_eval_bound(s->pred, v, s->binds, s->n_binds, &match)))
			return rc;
		if (!match) {
			s->rr_behind++;
			continue;
		}
		s->st.rows_matched++;
		s->have_row = true;
		*found = true;
		return 0;
	}
}

/* A count's chunks (the predicate's columns) of every row group still to
 * read, in one prefetch when they are small enough to hold at once (32
 * MiB): one round trip for the rest of the scan instead of one per row
 * group. Larger, they come a row group at a time as usual. */
static int prefetch_count(parq_scan *s)
{
	const parq_reader *r = s->r;
	int n = r->schema->n_leaves, last = -1;
	size_t k = 0;
	int64_t total = 0;
	parq_range *rs = parq_calloc((size_t)n * (size_t)(s->n_plan - s->cur > 0 ? s->n_plan - s->cur : 1), sizeof *rs);
	if (!rs)
		return parq_err_nomem();
	for (int i = s->cur; i < s->n_plan; i++) {
		int rg = s->plan[i].rg;
		if (rg <= s->pf.last_rg)
			continue;
		for (int l = 0; l < n; l++) {
			if (!s->pf.leaves[l])
				continue;
			int64_t a, b, d;
			parq_chunk_extent(r, rg, l, &a, &b, &d);
			rs[k++] = (parq_range){a, b - a};
			total += b - a;
		}
		last = rg;
	}
	int rc = 0;
	if (last >= 0 && total <= COUNT_BUDGET) {
		s->pf.prefetches++;
		if (!(rc = parq_reader_prefetch(s->r, rs, &k)))
			s->pf.last_rg = last;
	}
	free(rs);
	return rc;
}

/* A count reads the predicate's columns alone: only their chunks are
 * prefetched from here on (the projection's would be fetched for
 * nothing), those of the row groups still to read at once when small
 * enough. Once per scan. */
static int count_prefetch(parq_scan *s)
{
	if (!s->pf.leaves || s->count_fetched)
		return 0;
	s->count_fetched = true;
	memset(s->pf.leaves, 0, (size_t)s->r->schema->n_leaves);
	if (s->pr)
		parq_row_reader_set_prefetch(s->pr, &s->pf);
	for (int l = 0; s->vec && l < s->n_vleaves; l++)
		parq_column_reader_set_prefetch(s->vleaves[l].cr, &s->pf);
	return prefetch_count(s);
}

int parq_scan_prefetch_count(parq_scan *s)
{
	return s->pred ? count_prefetch(s) : 0;
}

int parq_scan_count(parq_scan *s, int64_t *out)
{
	int64_t n = 0;
	*out = 0;
	if (s->have_row) {
		s->have_row = false;
		s->rr_behind++;
	}
	if (!s->pred) {
		/* the plan holds whole row groups: their counts are the answer */
		for (; s->cur < s->n_plan; s->cur++) {
			n += s->r->meta.row_groups[s->plan[s->cur].rg].num_rows - s->pos;
			s->pos = 0;
			s->cur_range = 0;
		}
		s->st.rows_read += n;
		s->st.rows_matched += n;
		*out = n;
		return 0;
	}
	int rc = count_prefetch(s);
	if (rc)
		return rc;
	if (!s->vec) {
		for (;;) {
			bool found;
			rc = parq_scan_advance(s, &found);
			if (rc)
				return rc;
			if (!found)
				break;
			n++;
		}
		*out = n;
		return 0;
	}
	for (;;) {
		int64_t ones = 0;
		for (int64_t k = s->sel_pos; k < s->sel_n; k++)
			ones += s->sel[k];
		s->st.rows_read += s->sel_n - s->sel_pos;
		s->st.rows_matched += ones;
		s->rr_behind += s->sel_n - s->sel_pos;
		s->pos += s->sel_n - s->sel_pos;
		s->sel_pos = s->sel_n;
		n += ones;
		bool done;
		rc = vec_next(s, &done);
		if (rc)
			return rc;
		if (done)
			break;
	}
	*out = n;
	return 0;
}

int parq_scan_row(parq_scan *s, const parq_value **row)
{
	*row = NULL;
	if (!s->have_row)
		return parq_err(PARQ_EINVAL, "%s: parq_scan_row without a row from parq_scan_advance", s->r->name);
	if (s->rr_behind) {
		int64_t got;
		int rc = parq_row_reader_skip(s->rr, s->rr_behind, &got);
		if (rc)
			return rc;
		if (got != s->rr_behind)
			return parq_err(PARQ_ECORRUPT, "%s: a column ends before the others", s->r->name);
		s->rr_behind = 0;
	}
	const parq_value *v;
	int rc = parq_row_reader_next(s->rr, &v);
	if (rc)
		return rc;
	if (!v)
		return parq_err(PARQ_ECORRUPT, "%s: a column ends before the others", s->r->name);
	s->have_row = false;
	if (!s->pred)
		s->st.rows_matched++;
	*row = v;
	return 0;
}

int parq_scan_next(parq_scan *s, const parq_value **row)
{
	*row = NULL;
	bool found;
	int rc = parq_scan_advance(s, &found);
	if (rc || !found)
		return rc;
	return parq_scan_row(s, row);
}

void parq_scan_get_stats(const parq_scan *s, parq_scan_stats *out) { *out = s->st; }
