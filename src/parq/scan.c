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

/* With a predicate, two row readers move in step: `pr` reads only the
 * predicate's columns, row by row, and `rr` the returned fields, which are
 * assembled only for matching rows (the rows in between are skipped in one
 * call when the next match is asked for). */
struct parq_scan {
	parq_reader *r;
	const parq_pred *pred;
	parq_row_reader *rr, *pr;
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

static int bind(parq_pred *p, const parq_schema *s, const char **fields, int *n_fields, int depth)
{
	if (depth > 64)
		return parq_err(PARQ_EINVAL, "predicate nested too deeply");
	if (p->op == PARQ_OP_AND || p->op == PARQ_OP_OR) {
		int rc = bind(p->a, s, fields, n_fields, depth + 1);
		return rc ? rc : bind(p->b, s, fields, n_fields, depth + 1);
	}
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
	p->field_pos = pos;
	p->n_sub = 0;
	while ((tok = strtok_r(NULL, ".", &save))) {
		const parq_node *c = NULL;
		int idx = -1;
		for (int i = 0; n->is_group && i < n->n_children; i++)
			if (strcmp(n->children[i]->name, tok) == 0) {
				c = n->children[i];
				idx = i;
			}
		if (!c || n->repetition == PARQ_REPEATED || p->n_sub == PRED_MAX_DEPTH)
			return parq_err(PARQ_EINVAL, "where: no column named '%s'", p->column);
		p->sub[p->n_sub++] = idx;
		n = c;
	}
	p->leaf = -1;
	p->group = false;
	p->substr = false;
	if ((p->op == PARQ_OP_IS_NULL || p->op == PARQ_OP_NOT_NULL) && n->is_group) {
		p->leaf = n->first_leaf;
		p->group = true;
	} else if (p->op == PARQ_OP_CONTAINS) {
		/* the element leaf of a list of scalars, or a substring of a
		 * string column */
		if (!n->is_group && n->max_rep == 0 && n->type == PARQ_BYTE_ARRAY && p->n_vals == 1 &&
		    p->vals[0].kind == PARQ_V_BYTES) {
			p->leaf = n->leaf_index;
			p->substr = true;
		} else if (n->n_leaves == 1 && n->is_group)
			p->leaf = n->first_leaf;
		else if (!n->is_group && n->repetition == PARQ_REPEATED)
			p->leaf = n->leaf_index;
		else
			return parq_err(PARQ_EINVAL, "where: '%s' is not a list of scalars (CONTAINS)", p->column);
	} else {
		if (n->is_group)
			return parq_err(PARQ_EINVAL, "where: '%s' is a group; compare one of its fields", p->column);
		if (n->max_rep > 0)
			return parq_err(PARQ_EINVAL, "where: '%s' is repeated; use CONTAINS", p->column);
		p->leaf = n->leaf_index;
	}
	return 0;
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
static bool leaf_maybe(const parq_pred *p, const parq_node *leaf, const bounds *b)
{
	if (p->group) /* a null group leaves its leaves undefined, not the reverse */
		return p->op == PARQ_OP_NOT_NULL || !b->has_nulls || b->nulls > 0;
	if (b->all_null)
		return p->op == PARQ_OP_IS_NULL;
	if (p->op == PARQ_OP_IS_NULL)
		return !b->has_nulls || b->nulls > 0;
	if (p->op == PARQ_OP_NOT_NULL)
		return !b->has_nulls || b->nulls < b->values;
	if (!b->has_minmax || !p->n_vals || p->substr)
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

/* Does the chunk's dictionary hold any of the values? 1 yes or unknown, 0 no. */
static int dict_maybe(parq_reader *r, int rg, const parq_pred *p)
{
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[p->leaf].meta;
	if (!fully_dictionary(m))
		return 1;
	const parq_node *leaf = r->schema->leaves[p->leaf];
	parq_column_reader *cr;
	if (parq_column_reader_open(&cr, r, p->leaf, &rg, 1))
		return 1;
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
		for (uint32_t i = 0; i < n && !found; i++)
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
static int bloom_maybe(parq_reader *r, int rg, const parq_pred *p)
{
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[p->leaf].meta;
	if (!m->has_bloom_filter_offset || m->bloom_filter_offset <= 0 || m->bloom_filter_offset >= r->size)
		return 1;
	const parq_node *leaf = r->schema->leaves[p->leaf];
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

static int rg_maybe(parq_reader *r, int rg, const parq_pred *p)
{
	if (p->op == PARQ_OP_AND)
		return rg_maybe(r, rg, p->a) && rg_maybe(r, rg, p->b);
	if (p->op == PARQ_OP_OR)
		return rg_maybe(r, rg, p->a) || rg_maybe(r, rg, p->b);
	bounds b;
	if (chunk_bounds(r, rg, p->leaf, &b) && !leaf_maybe(p, r->schema->leaves[p->leaf], &b))
		return 0;
	if ((p->op == PARQ_OP_EQ || p->op == PARQ_OP_IN || p->op == PARQ_OP_CONTAINS) && !p->substr) {
		if (!bloom_maybe(r, rg, p))
			return 0;
		if (!dict_maybe(r, rg, p))
			return 0;
	}
	return 1;
}

/* ---- page pruning ---- */

/* Row ranges of a row group where a leaf predicate may match, from the
 * column and offset indexes; the whole group when they are missing. */
static int leaf_ranges(parq_scan *sc, int rg, const parq_pred *p, rangeset *out)
{
	parq_reader *r = sc->r;
	int64_t rows = r->meta.row_groups[rg].num_rows;
	const parq_meta_chunk *ch = &r->meta.row_groups[rg].columns[p->leaf];
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
		const parq_node *leaf = r->schema->leaves[p->leaf];
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
			if (leaf_maybe(p, leaf, &b))
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

/* ---- the scan ---- */

void parq_scan_close(parq_scan *s)
{
	if (!s)
		return;
	parq_row_reader_close(s->rr);
	parq_row_reader_close(s->pr);
	free(s->pfields);
	for (int i = 0; i < s->n_plan; i++)
		rs_free(&s->plan[i].rows);
	free(s->plan);
	free(s->fields);
	free(s);
}

int parq_scan_open(parq_scan **out, parq_reader *r, const parq_pred *pred, const char *const *fields, int n_fields)
{
	const parq_schema *sch = r->schema;
	parq_scan *s = parq_calloc(1, sizeof *s);
	if (!s)
		return PARQ_ENOMEM;
	s->r = r;
	s->pred = pred;
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
	/* binding writes the positions in pr's rows into the tree */
	if (pred && (rc = bind((parq_pred *)pred, sch, s->pfields, &s->n_pfields, 0))) {
		parq_scan_close(s);
		return rc;
	}
	int nrg = (int)r->meta.n_row_groups;
	s->plan = parq_calloc((size_t)(nrg ? nrg : 1), sizeof *s->plan);
	int *rgs = parq_calloc((size_t)(nrg ? nrg : 1), sizeof *rgs);
	if (!s->plan || !rgs) {
		free(rgs);
		parq_scan_close(s);
		return PARQ_ENOMEM;
	}
	s->st.row_groups = nrg;
	for (int g = 0; g < nrg && !rc; g++) {
		int64_t rows = r->meta.row_groups[g].num_rows;
		if (rows <= 0)
			continue;
		if (pred && !rg_maybe(r, g, pred)) {
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
		rc = parq_row_reader_open_row_groups(&s->pr, r, s->pfields, s->n_pfields, rgs, s->n_plan);
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
	if (s->pr) {
		s->rr_behind += n;
		return parq_row_reader_skip(s->pr, n, got);
	}
	return parq_row_reader_skip(s->rr, n, got);
}

int parq_scan_advance(parq_scan *s, bool *found)
{
	*found = false;
	if (s->have_row) { /* the previous match was not read: pass it */
		s->have_row = false;
		s->rr_behind++;
	}
	parq_row_reader *walker = s->pr ? s->pr : s->rr;
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
		s->pos++;
		s->st.rows_read++;
		if (!s->pred) {
			s->have_row = true;
			*found = true;
			return 0;
		}
		const parq_value *v;
		int rc = parq_row_reader_next(walker, &v);
		if (rc)
			return rc;
		if (!v)
			return parq_err(PARQ_ECORRUPT, "%s: row group %d ends before its %lld rows", s->r->name, p->rg,
			                (long long)rows);
		bool match = true;
		if ((rc = parq_pred_eval_row(s->pred, v, &match)))
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
