/* Record assembly: row-aligned column batches into nested values. */
#include "reader.h"

#define ROW_BATCH 1024

typedef struct leaf_cursor {
	parq_column_reader *cr;
	parq_column_batch b;
	int64_t lpos, vpos;
	const parq_node *leaf;
	size_t width;
} leaf_cursor;

struct parq_row_reader {
	parq_reader *r;
	const parq_node **fields;
	int n_fields;
	leaf_cursor *cur;        /* indexed by leaf index; NULL cr when not projected */
	int64_t rows, row;       /* rows in the current batch, next row */
	parq_arena arena;
	parq_value root;
	int64_t row_number;      /* for messages */
	parq_prefetch_group pf;  /* the chunks of a row group in one prefetch */
};

void parq_row_reader_set_prefetch(parq_row_reader *rr, parq_prefetch_group *g)
{
	for (int i = 0; i < rr->r->schema->n_leaves; i++)
		if (rr->cur[i].cr)
			parq_column_reader_set_prefetch(rr->cur[i].cr, g);
}

void parq_row_reader_close(parq_row_reader *rr)
{
	if (!rr)
		return;
	if (rr->cur)
		for (int i = 0; i < rr->r->schema->n_leaves; i++)
			parq_column_reader_close(rr->cur[i].cr);
	free(rr->cur);
	free(rr->fields);
	parq_prefetch_group_free(&rr->pf);
	parq_arena_free(&rr->arena);
	free(rr);
}

int parq_row_reader_open(parq_row_reader **out, parq_reader *r, const char *const *fields, int n_fields)
{
	return parq_row_reader_open_row_groups(out, r, fields, n_fields, NULL, 0);
}

int parq_row_reader_open_row_groups(parq_row_reader **out, parq_reader *r, const char *const *fields,
                                    int n_fields, const int *row_groups, int n_row_groups)
{
	const parq_schema *s = r->schema;
	parq_row_reader *rr = parq_calloc(1, sizeof *rr);
	if (!rr)
		return PARQ_ENOMEM;
	rr->r = r;
	parq_arena_init(&rr->arena, 0);
	if (parq_prefetch_group_init(&rr->pf, r, false)) {
		parq_row_reader_close(rr);
		return PARQ_ENOMEM;
	}
	int n = fields ? n_fields : s->root->n_children;
	rr->fields = parq_calloc((size_t)(n ? n : 1), sizeof *rr->fields);
	rr->cur = parq_calloc((size_t)(s->n_leaves ? s->n_leaves : 1), sizeof *rr->cur);
	if (!rr->fields || !rr->cur) {
		parq_row_reader_close(rr);
		return PARQ_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const parq_node *f = fields ? parq_schema_find_field(s, fields[i]) : s->root->children[i];
		if (!f) {
			parq_row_reader_close(rr);
			return parq_err(PARQ_EINVAL, "%s: no column named '%s'", r->name, fields[i]);
		}
		rr->fields[rr->n_fields++] = f;
		for (int l = f->first_leaf; l < f->first_leaf + f->n_leaves; l++) {
			if (rr->cur[l].cr)
				continue;
			int rc = parq_column_reader_open(&rr->cur[l].cr, r, l, row_groups, n_row_groups);
			if (rc) {
				parq_row_reader_close(rr);
				return rc;
			}
			rr->cur[l].leaf = s->leaves[l];
			parq_type t = s->leaves[l]->type;
			rr->cur[l].width = t == PARQ_BOOLEAN ? 1 : t == PARQ_INT32 || t == PARQ_FLOAT ? 4
			                 : t == PARQ_INT64 || t == PARQ_DOUBLE ? 8 : t == PARQ_INT96 ? 12
			                 : t == PARQ_FIXED_LEN_BYTE_ARRAY ? (size_t)s->leaves[l]->type_length : 0;
		}
	}
	parq_row_reader_set_prefetch(rr, &rr->pf);
	*out = rr;
	return 0;
}

static int corrupt(parq_row_reader *rr, const parq_node *n, const char *what)
{
	return parq_err(PARQ_ECORRUPT, "%s: row %lld, column '%s': %s", rr->r->name, (long long)rr->row_number,
	                n->path, what);
}

static int load_batch(parq_row_reader *rr)
{
	int64_t rows = -1;
	const parq_node *first = NULL;
	for (int i = 0; i < rr->r->schema->n_leaves; i++) {
		leaf_cursor *c = &rr->cur[i];
		if (!c->cr)
			continue;
		int rc = parq_column_reader_read(c->cr, ROW_BATCH, &c->b);
		if (rc)
			return rc;
		c->lpos = c->vpos = 0;
		if (rows < 0) {
			rows = c->b.num_rows;
			first = c->leaf;
		} else if (c->b.num_rows != rows) {
			return parq_err(PARQ_ECORRUPT, "%s: near row %lld, column '%s' has %lld rows where '%s' has %lld",
			                rr->r->name, (long long)rr->row_number, c->leaf->path, (long long)c->b.num_rows,
			                first->path, (long long)rows);
		}
	}
	rr->rows = rows < 0 ? 0 : rows;
	rr->row = 0;
	return 0;
}

static int16_t cur_def(const leaf_cursor *c)
{
	return c->b.def_levels ? c->b.def_levels[c->lpos] : c->leaf->max_def;
}

/* Skips one level entry in every leaf below n (n is null or empty here). */
static int skip_subtree(parq_row_reader *rr, const parq_node *n)
{
	for (int l = n->first_leaf; l < n->first_leaf + n->n_leaves; l++) {
		leaf_cursor *c = &rr->cur[l];
		if (c->lpos >= c->b.num_levels)
			return corrupt(rr, c->leaf, "levels end inside a row");
		if (c->b.def_levels && c->b.def_levels[c->lpos] >= c->leaf->max_def)
			return corrupt(rr, c->leaf, "value present under a missing parent");
		c->lpos++;
	}
	return 0;
}

static int read_leaf(parq_row_reader *rr, const parq_node *n, parq_value *v)
{
	leaf_cursor *c = &rr->cur[n->leaf_index];
	if (c->vpos >= c->b.num_values)
		return corrupt(rr, n, "more values defined than present");
	v->node = n;
	int64_t i = c->vpos++;
	c->lpos++;
	const uint8_t *vals = c->b.values;
	switch (n->type) {
	case PARQ_BOOLEAN: v->kind = PARQ_V_BOOL; v->u.b = vals[i] != 0; break;
	case PARQ_INT32: v->kind = PARQ_V_INT32; memcpy(&v->u.i32, vals + i * 4, 4); break;
	case PARQ_INT64: v->kind = PARQ_V_INT64; memcpy(&v->u.i64, vals + i * 8, 8); break;
	case PARQ_INT96: v->kind = PARQ_V_INT96; memcpy(v->u.int96, vals + i * 12, 12); break;
	case PARQ_FLOAT: v->kind = PARQ_V_FLOAT; memcpy(&v->u.f, vals + i * 4, 4); break;
	case PARQ_DOUBLE: v->kind = PARQ_V_DOUBLE; memcpy(&v->u.d, vals + i * 8, 8); break;
	case PARQ_BYTE_ARRAY: v->kind = PARQ_V_BYTES; v->u.bytes = c->b.bytes[i]; break;
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		v->kind = PARQ_V_BYTES;
		v->u.bytes.ptr = vals + (size_t)i * c->width;
		v->u.bytes.len = (uint32_t)c->width;
		break;
	}
	return 0;
}

static int assemble(parq_row_reader *rr, const parq_node *n, parq_value *v, int depth);

static int assemble_instance(parq_row_reader *rr, const parq_node *n, parq_value *v, int depth)
{
	if (!n->is_group)
		return read_leaf(rr, n, v);
	v->kind = PARQ_V_STRUCT;
	v->node = n;
	v->u.list.n = (uint32_t)n->n_children;
	v->u.list.items = parq_arena_calloc(&rr->arena, (size_t)n->n_children, sizeof *v->u.list.items);
	if (!v->u.list.items)
		return PARQ_ENOMEM;
	for (int i = 0; i < n->n_children; i++) {
		int rc = assemble(rr, n->children[i], &v->u.list.items[i], depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int assemble(parq_row_reader *rr, const parq_node *n, parq_value *v, int depth)
{
	leaf_cursor *c = &rr->cur[n->first_leaf];
	if (c->lpos >= c->b.num_levels)
		return corrupt(rr, n, "levels end inside a row");
	int16_t d = cur_def(c);
	v->node = n;
	if (n->repetition == PARQ_OPTIONAL && d < n->max_def) {
		v->kind = PARQ_V_NULL;
		return skip_subtree(rr, n);
	}
	if (n->repetition != PARQ_REPEATED)
		return assemble_instance(rr, n, v, depth);
	v->kind = PARQ_V_LIST;
	v->u.list.n = 0;
	v->u.list.items = NULL;
	if (d < n->max_def)
		return skip_subtree(rr, n); /* empty */
	uint32_t cap = 0;
	for (;;) {
		if (v->u.list.n == cap) {
			cap = cap ? cap * 2 : 4;
			parq_value *items = parq_arena_calloc(&rr->arena, cap, sizeof *items);
			if (!items)
				return PARQ_ENOMEM;
			if (v->u.list.n)
				memcpy(items, v->u.list.items, sizeof *items * v->u.list.n);
			v->u.list.items = items;
		}
		int rc = assemble_instance(rr, n, &v->u.list.items[v->u.list.n], depth);
		if (rc)
			return rc;
		v->u.list.n++;
		if (c->lpos >= c->b.num_levels || !c->b.rep_levels || c->b.rep_levels[c->lpos] != n->max_rep)
			break;
		if (cur_def(c) < n->max_def)
			return corrupt(rr, n, "repeated entry without a value");
	}
	return 0;
}

int parq_row_reader_next(parq_row_reader *rr, const parq_value **row)
{
	*row = NULL;
	if (rr->row >= rr->rows) {
		int rc = load_batch(rr);
		if (rc)
			return rc;
		if (rr->rows == 0)
			return 0;
	}
	parq_arena_reset(&rr->arena);
	parq_value *root = &rr->root;
	root->kind = PARQ_V_STRUCT;
	root->node = rr->r->schema->root;
	root->u.list.n = (uint32_t)rr->n_fields;
	root->u.list.items = parq_arena_calloc(&rr->arena, (size_t)(rr->n_fields ? rr->n_fields : 1),
	                                       sizeof *root->u.list.items);
	if (!root->u.list.items)
		return PARQ_ENOMEM;
	for (int i = 0; i < rr->n_fields; i++) {
		int rc = assemble(rr, rr->fields[i], &root->u.list.items[i], 1);
		if (rc)
			return rc;
	}
	/* Every projected leaf must now stand at the start of the next row. */
	for (int i = 0; i < rr->n_fields; i++) {
		const parq_node *f = rr->fields[i];
		for (int l = f->first_leaf; l < f->first_leaf + f->n_leaves; l++) {
			leaf_cursor *c = &rr->cur[l];
			if (c->lpos < c->b.num_levels && c->b.rep_levels && c->b.rep_levels[c->lpos] != 0)
				return corrupt(rr, c->leaf, "repetition levels do not match the schema");
		}
	}
	rr->row++;
	rr->row_number++;
	*row = root;
	return 0;
}

/* Advances one leaf past k rows of its loaded batch. */
static void skip_batch_rows(leaf_cursor *c, int64_t k)
{
	const int16_t *rep = c->b.rep_levels, *def = c->b.def_levels;
	int16_t md = c->leaf->max_def;
	while (k > 0 && c->lpos < c->b.num_levels) {
		int64_t e = c->lpos + 1;
		if (rep)
			while (e < c->b.num_levels && rep[e] != 0)
				e++;
		for (int64_t i = c->lpos; i < e; i++)
			c->vpos += !def || def[i] == md;
		c->lpos = e;
		k--;
	}
}

int parq_row_reader_skip(parq_row_reader *rr, int64_t n, int64_t *skipped)
{
	int64_t done = 0;
	int64_t in_batch = rr->rows - rr->row;
	if (in_batch > 0) {
		int64_t k = n < in_batch ? n : in_batch;
		for (int i = 0; i < rr->r->schema->n_leaves; i++)
			if (rr->cur[i].cr)
				skip_batch_rows(&rr->cur[i], k);
		rr->row += k;
		rr->row_number += k;
		done = k;
	}
	if (done < n) {
		/* past the batch: let every column reader skip, then agree */
		int64_t want = n - done, got = -1;
		for (int i = 0; i < rr->r->schema->n_leaves; i++) {
			if (!rr->cur[i].cr)
				continue;
			int64_t k;
			int rc = parq_column_reader_skip(rr->cur[i].cr, want, &k);
			if (rc)
				return rc;
			if (got >= 0 && k != got)
				return parq_err(PARQ_ECORRUPT, "%s: columns disagree on the row count near row %lld", rr->r->name,
				                (long long)rr->row_number);
			got = k;
		}
		if (got > 0) {
			done += got;
			rr->row_number += got;
		}
	}
	if (skipped)
		*skipped = done;
	return 0;
}

bool parq_value_equal(const parq_value *a, const parq_value *b, bool nodes)
{
	if (a->kind != b->kind || (nodes && a->node != b->node))
		return false;
	switch (a->kind) {
	case PARQ_V_NULL: return true;
	case PARQ_V_BOOL: return a->u.b == b->u.b;
	case PARQ_V_INT32: return a->u.i32 == b->u.i32;
	case PARQ_V_INT64: return a->u.i64 == b->u.i64;
	case PARQ_V_INT96: return !memcmp(a->u.int96, b->u.int96, sizeof a->u.int96);
	case PARQ_V_FLOAT: return !memcmp(&a->u.f, &b->u.f, sizeof a->u.f);
	case PARQ_V_DOUBLE: return !memcmp(&a->u.d, &b->u.d, sizeof a->u.d);
	case PARQ_V_BYTES:
		return a->u.bytes.len == b->u.bytes.len &&
		       (!a->u.bytes.len || !memcmp(a->u.bytes.ptr, b->u.bytes.ptr, a->u.bytes.len));
	case PARQ_V_LIST:
	case PARQ_V_STRUCT:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (uint32_t i = 0; i < a->u.list.n; i++)
			if (!parq_value_equal(&a->u.list.items[i], &b->u.list.items[i], nodes))
				return false;
		return true;
	}
	return false;
}
