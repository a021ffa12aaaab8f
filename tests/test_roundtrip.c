/* Randomized round trips: random schemas (required, optional, lists, nested
 * lists, structs), random nulls and empty lists, every codec, both page
 * versions, write batches and read batches that cross page and row-group
 * boundaries. What is read must equal what was written, column by column
 * (levels and values) and row by row (assembled records). */
#include <pthread.h>
#include <unistd.h>

#include "parq/parq.h"
#include "test.h"

#define MAX_LEAVES 64

typedef struct gen {
	uint64_t seed;
	/* expected per-leaf streams */
	int16_t *def[MAX_LEAVES], *rep[MAX_LEAVES];
	int64_t nlev[MAX_LEAVES], caplev[MAX_LEAVES];
	uint8_t *vals[MAX_LEAVES];           /* fixed-width values */
	parq_bytes *bytes[MAX_LEAVES];       /* byte arrays */
	int64_t nval[MAX_LEAVES], capval[MAX_LEAVES];
	int64_t *row_lev[MAX_LEAVES];        /* level index where each row starts */
	int64_t *row_val[MAX_LEAVES];
	int64_t rows;
	/* records, as value trees */
	parq_value *records;                 /* one STRUCT per row */
} gen;

static uint64_t rnd(gen *g, uint64_t n) { return n ? test_rand(&g->seed) % n : 0; }

static const parq_schema *cur_schema;
static int null_pct = 20;

static void add_scalar(parq_schema *s, parq_node *parent, const char *name, parq_repetition rep, gen *g)
{
	int t = (int)rnd(g, 8);
	parq_logical str = parq_lt_string();
	switch (t) {
	case 0: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_BOOLEAN, rep, NULL, 0, NULL)); break;
	case 1: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_INT32, rep, NULL, 0, NULL)); break;
	case 2: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_INT64, rep, NULL, 0, NULL)); break;
	case 3: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_FLOAT, rep, NULL, 0, NULL)); break;
	case 4: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_DOUBLE, rep, NULL, 0, NULL)); break;
	case 5: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_FIXED_LEN_BYTE_ARRAY, rep, NULL,
	                                      (int32_t)(1 + rnd(g, 16)), NULL)); break;
	case 6: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_INT96, rep, NULL, 0, NULL)); break;
	default: CHECK_OK(parq_schema_add_leaf(s, parent, name, PARQ_BYTE_ARRAY, rep, &str, 0, NULL)); break;
	}
}

static parq_repetition rand_rep(gen *g) { return rnd(g, 2) ? PARQ_OPTIONAL : PARQ_REQUIRED; }

static parq_schema *random_schema(gen *g)
{
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	int fields = 1 + (int)rnd(g, 6);
	char name[32];
	for (int f = 0; f < fields; f++) {
		snprintf(name, sizeof name, "f%d", f);
		int kind = (int)rnd(g, 6);
		if (kind <= 2) {
			add_scalar(s, NULL, name, rand_rep(g), g);
		} else if (kind == 3) { /* list of scalars */
			parq_logical lt = {0};
			lt.kind = PARQ_LT_LIST;
			parq_node *lg, *rg;
			CHECK_OK(parq_schema_add_group(s, NULL, name, rand_rep(g), &lt, &lg));
			CHECK_OK(parq_schema_add_group(s, lg, "list", PARQ_REPEATED, NULL, &rg));
			add_scalar(s, rg, "element", rand_rep(g), g);
		} else if (kind == 4) { /* list of lists */
			parq_logical lt = {0};
			lt.kind = PARQ_LT_LIST;
			parq_node *lg, *rg, *ig, *irg;
			CHECK_OK(parq_schema_add_group(s, NULL, name, rand_rep(g), &lt, &lg));
			CHECK_OK(parq_schema_add_group(s, lg, "list", PARQ_REPEATED, NULL, &rg));
			CHECK_OK(parq_schema_add_group(s, rg, "element", rand_rep(g), &lt, &ig));
			CHECK_OK(parq_schema_add_group(s, ig, "list", PARQ_REPEATED, NULL, &irg));
			add_scalar(s, irg, "element", rand_rep(g), g);
		} else { /* struct with a scalar and a list */
			parq_node *sg;
			CHECK_OK(parq_schema_add_group(s, NULL, name, rand_rep(g), NULL, &sg));
			add_scalar(s, sg, "a", rand_rep(g), g);
			parq_logical str = parq_lt_string();
			CHECK_OK(parq_schema_add_list(s, sg, "b", rand_rep(g), PARQ_BYTE_ARRAY, rand_rep(g), &str, 0, NULL));
		}
	}
	CHECK_OK(parq_schema_finish(s));
	return s;
}

/* ---- record generation and shredding ---- */

static void push_level(gen *g, int leaf, int16_t r, int16_t d)
{
	if (g->nlev[leaf] == g->caplev[leaf]) {
		g->caplev[leaf] = g->caplev[leaf] ? g->caplev[leaf] * 2 : 1024;
		g->def[leaf] = realloc(g->def[leaf], sizeof(int16_t) * (size_t)g->caplev[leaf]);
		g->rep[leaf] = realloc(g->rep[leaf], sizeof(int16_t) * (size_t)g->caplev[leaf]);
	}
	g->def[leaf][g->nlev[leaf]] = d;
	g->rep[leaf][g->nlev[leaf]] = r;
	g->nlev[leaf]++;
}

static void push_value(gen *g, int leaf, const parq_value *v)
{
	const parq_node *n = cur_schema->leaves[leaf];
	size_t w = parq_value_width(n);
	if (g->nval[leaf] == g->capval[leaf]) {
		g->capval[leaf] = g->capval[leaf] ? g->capval[leaf] * 2 : 1024;
		if (w)
			g->vals[leaf] = realloc(g->vals[leaf], w * (size_t)g->capval[leaf]);
		else
			g->bytes[leaf] = realloc(g->bytes[leaf], sizeof(parq_bytes) * (size_t)g->capval[leaf]);
	}
	int64_t i = g->nval[leaf]++;
	uint8_t *o = w ? g->vals[leaf] + (size_t)i * w : NULL;
	switch (n->type) {
	case PARQ_BOOLEAN: o[0] = v->u.b; break;
	case PARQ_INT32: memcpy(o, &v->u.i32, 4); break;
	case PARQ_INT64: memcpy(o, &v->u.i64, 8); break;
	case PARQ_FLOAT: memcpy(o, &v->u.f, 4); break;
	case PARQ_DOUBLE: memcpy(o, &v->u.d, 8); break;
	case PARQ_INT96: memcpy(o, v->u.int96, 12); break;
	case PARQ_FIXED_LEN_BYTE_ARRAY: memcpy(o, v->u.bytes.ptr, w); break;
	case PARQ_BYTE_ARRAY: g->bytes[leaf][i] = v->u.bytes; break;
	}
}

static uint8_t *text_pool;
static size_t text_pool_len = 1 << 20;

static void random_leaf_value(gen *g, const parq_node *n, parq_value *v)
{
	v->node = n;
	switch (n->type) {
	case PARQ_BOOLEAN: v->kind = PARQ_V_BOOL; v->u.b = rnd(g, 2); break;
	case PARQ_INT32:
		v->kind = PARQ_V_INT32;
		/* few distinct values sometimes, so dictionaries are exercised */
		v->u.i32 = rnd(g, 2) ? (int32_t)rnd(g, 10) - 5 : (int32_t)test_rand(&g->seed);
		break;
	case PARQ_INT64: v->kind = PARQ_V_INT64; v->u.i64 = rnd(g, 2) ? (int64_t)rnd(g, 7) : (int64_t)test_rand(&g->seed); break;
	case PARQ_FLOAT: v->kind = PARQ_V_FLOAT; v->u.f = (float)((double)(int64_t)test_rand(&g->seed) / 1e12); break;
	case PARQ_DOUBLE: v->kind = PARQ_V_DOUBLE; v->u.d = (double)(int64_t)test_rand(&g->seed) / 1e9; break;
	case PARQ_INT96: {
		v->kind = PARQ_V_INT96;
		uint64_t a = test_rand(&g->seed), b = test_rand(&g->seed);
		memcpy(v->u.int96, &a, 8);
		memcpy(v->u.int96 + 8, &b, 4);
		break;
	}
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		v->kind = PARQ_V_BYTES;
		v->u.bytes.len = (uint32_t)n->type_length;
		v->u.bytes.ptr = text_pool + rnd(g, rnd(g, 2) ? 64 : text_pool_len - 64);
		break;
	case PARQ_BYTE_ARRAY: {
		v->kind = PARQ_V_BYTES;
		uint32_t len = (uint32_t)(rnd(g, 8) == 0 ? rnd(g, 3000) : rnd(g, 40));
		/* a small set of strings most of the time */
		size_t at = rnd(g, 3) ? rnd(g, 32) : rnd(g, text_pool_len - 4000);
		v->u.bytes.len = len;
		v->u.bytes.ptr = text_pool + at;
		break;
	}
	}
}

/* Generates a random value for node n (NULL when absent) into *v. */
static void random_value(gen *g, const parq_node *n, parq_value *v, bool as_instance)
{
	v->node = n;
	if (!as_instance && n->repetition == PARQ_OPTIONAL && (int)rnd(g, 100) < null_pct) {
		v->kind = PARQ_V_NULL;
		return;
	}
	if (!as_instance && n->repetition == PARQ_REPEATED) {
		uint32_t k = (uint32_t)rnd(g, 4);
		v->kind = PARQ_V_LIST;
		v->u.list.n = k;
		v->u.list.items = calloc(k ? k : 1, sizeof(parq_value));
		for (uint32_t i = 0; i < k; i++)
			random_value(g, n, &v->u.list.items[i], true);
		return;
	}
	if (!n->is_group) {
		random_leaf_value(g, n, v);
		return;
	}
	v->kind = PARQ_V_STRUCT;
	v->u.list.n = (uint32_t)n->n_children;
	v->u.list.items = calloc((size_t)n->n_children, sizeof(parq_value));
	for (int i = 0; i < n->n_children; i++)
		random_value(g, n->children[i], &v->u.list.items[i], false);
}

static void shred(gen *g, const parq_node *n, const parq_value *v, int16_t r, bool as_instance);

static void shred_absent(gen *g, const parq_node *n, int16_t r, int16_t d)
{
	for (int l = n->first_leaf; l < n->first_leaf + n->n_leaves; l++)
		push_level(g, l, r, d);
}

static void shred_instance(gen *g, const parq_node *n, const parq_value *v, int16_t r)
{
	if (!n->is_group) {
		push_level(g, n->leaf_index, r, n->max_def);
		push_value(g, n->leaf_index, v);
		return;
	}
	for (int i = 0; i < n->n_children; i++)
		shred(g, n->children[i], &v->u.list.items[i], r, false);
}

static void shred(gen *g, const parq_node *n, const parq_value *v, int16_t r, bool as_instance)
{
	(void)as_instance;
	if (v->kind == PARQ_V_NULL) {
		shred_absent(g, n, r, (int16_t)(n->max_def - 1));
		return;
	}
	if (n->repetition == PARQ_REPEATED) {
		if (v->u.list.n == 0) {
			shred_absent(g, n, r, (int16_t)(n->max_def - 1));
			return;
		}
		for (uint32_t i = 0; i < v->u.list.n; i++)
			shred_instance(g, n, &v->u.list.items[i], i == 0 ? r : n->max_rep);
		return;
	}
	shred_instance(g, n, v, r);
}

static void free_value(parq_value *v)
{
	if (v->kind == PARQ_V_LIST || v->kind == PARQ_V_STRUCT) {
		for (uint32_t i = 0; i < v->u.list.n; i++)
			free_value(&v->u.list.items[i]);
		free(v->u.list.items);
	}
}

static void generate(gen *g, const parq_schema *s, int64_t rows)
{
	cur_schema = s;
	g->rows = rows;
	g->records = calloc((size_t)rows, sizeof(parq_value));
	for (int l = 0; l < s->n_leaves; l++) {
		g->row_lev[l] = calloc((size_t)rows + 1, sizeof(int64_t));
		g->row_val[l] = calloc((size_t)rows + 1, sizeof(int64_t));
	}
	/* Null density varies by stretch so that short runs of nulls or
	 * values sit before long ones. */
	for (int64_t r = 0; r < rows; r++) {
		if (r % 997 == 0)
			null_pct = (int)rnd(g, 5) == 0 ? 100 : (int)rnd(g, 5) == 0 ? 0 : (int)rnd(g, 60);
		for (int l = 0; l < s->n_leaves; l++) {
			g->row_lev[l][r] = g->nlev[l];
			g->row_val[l][r] = g->nval[l];
		}
		parq_value *rec = &g->records[r];
		rec->kind = PARQ_V_STRUCT;
		rec->node = s->root;
		rec->u.list.n = (uint32_t)s->root->n_children;
		rec->u.list.items = calloc((size_t)s->root->n_children, sizeof(parq_value));
		for (int f = 0; f < s->root->n_children; f++) {
			random_value(g, s->root->children[f], &rec->u.list.items[f], false);
			shred(g, s->root->children[f], &rec->u.list.items[f], 0, false);
		}
	}
	for (int l = 0; l < s->n_leaves; l++) {
		g->row_lev[l][rows] = g->nlev[l];
		g->row_val[l][rows] = g->nval[l];
	}
}

static void gen_free(gen *g, const parq_schema *s)
{
	for (int l = 0; l < s->n_leaves; l++) {
		free(g->def[l]);
		free(g->rep[l]);
		free(g->vals[l]);
		free(g->bytes[l]);
		free(g->row_lev[l]);
		free(g->row_val[l]);
	}
	for (int64_t r = 0; r < g->rows; r++)
		free_value(&g->records[r]);
	free(g->records);
	memset(g, 0, sizeof *g);
}

/* ---- write and verify ---- */

static int write_file(gen *g, const parq_schema *s, const char *path, const parq_writer_options *o)
{
	parq_writer *w;
	int rc = parq_writer_open(&w, path, s, o);
	CHECK_EQ_INT(rc, 0);
	if (rc) {
		fprintf(stderr, "%s\n", parq_errmsg());
		return rc;
	}
	parq_column_batch cols[MAX_LEAVES];
	int64_t r = 0;
	while (r < g->rows) {
		int64_t n = 1 + (int64_t)rnd(g, rnd(g, 4) == 0 ? 5000 : 300);
		if (n > g->rows - r)
			n = g->rows - r;
		for (int l = 0; l < s->n_leaves; l++) {
			const parq_node *leaf = s->leaves[l];
			int64_t l0 = g->row_lev[l][r], l1 = g->row_lev[l][r + n];
			int64_t v0 = g->row_val[l][r], v1 = g->row_val[l][r + n];
			size_t wd = parq_value_width(leaf);
			cols[l] = (parq_column_batch){
				.num_rows = n,
				.num_levels = l1 - l0,
				.num_values = v1 - v0,
				.def_levels = leaf->max_def ? g->def[l] + l0 : NULL,
				.rep_levels = leaf->max_rep ? g->rep[l] + l0 : NULL,
				.values = wd && g->vals[l] ? g->vals[l] + (size_t)v0 * wd : NULL,
				.bytes = !wd && g->bytes[l] ? g->bytes[l] + v0 : NULL,
			};
		}
		rc = parq_writer_write(w, cols, n);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			fprintf(stderr, "write: %s\n", parq_errmsg());
			parq_writer_abort(w);
			return rc;
		}
		/* now and then the buffers given back, as an ingest under a
		 * memory budget does: the rows must read back the same */
		if (rnd(g, 5) == 0) {
			int64_t before = parq_writer_memory(w);
			rc = parq_writer_trim(w);
			CHECK_EQ_INT(rc, 0);
			CHECK(parq_writer_memory(w) <= before);
			CHECK_EQ_INT(parq_writer_buffered(w), 0);
		}
		r += n;
	}
	rc = parq_writer_close(w, NULL);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "close: %s\n", parq_errmsg());
	return rc;
}

static bool same_bytes(parq_bytes a, parq_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Reads column l with random batch sizes and compares every level and value. */
static void verify_column(gen *g, parq_reader *r, int l, uint64_t seed)
{
	const parq_node *leaf = parq_reader_schema(r)->leaves[l];
	size_t wd = parq_value_width(leaf);
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, l, NULL, 0));
	uint64_t s = seed;
	int64_t row = 0, lev = 0, val = 0;
	int errors = 0;
	for (;;) {
		int64_t want = 1 + (int64_t)(test_rand(&s) % (test_rand(&s) % 3 ? 700 : 30000));
		parq_column_batch b;
		int rc = parq_column_reader_read(cr, want, &b);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			fprintf(stderr, "read: %s\n", parq_errmsg());
			break;
		}
		if (b.num_rows == 0)
			break;
		CHECK(b.num_rows <= want);
		CHECK(b.num_rows == want || row + b.num_rows == g->rows);
		CHECK_EQ_INT(b.num_levels, g->row_lev[l][row + b.num_rows] - g->row_lev[l][row]);
		CHECK_EQ_INT(b.num_values, g->row_val[l][row + b.num_rows] - g->row_val[l][row]);
		if (b.num_levels != g->row_lev[l][row + b.num_rows] - g->row_lev[l][row])
			break;
		for (int64_t i = 0; i < b.num_levels && errors < 5; i++) {
			if (leaf->max_def && b.def_levels[i] != g->def[l][lev + i]) {
				errors++;
				fprintf(stderr, "column %s level %lld: def %d, expected %d\n", leaf->path, (long long)(lev + i),
				        b.def_levels[i], g->def[l][lev + i]);
			}
			if (leaf->max_rep && b.rep_levels[i] != g->rep[l][lev + i]) {
				errors++;
				fprintf(stderr, "column %s level %lld: rep %d, expected %d\n", leaf->path, (long long)(lev + i),
				        b.rep_levels[i], g->rep[l][lev + i]);
			}
		}
		for (int64_t i = 0; i < b.num_values && errors < 5; i++) {
			bool ok = wd ? memcmp((const uint8_t *)b.values + (size_t)i * wd, g->vals[l] + (size_t)(val + i) * wd, wd) == 0
			             : same_bytes(b.bytes[i], g->bytes[l][val + i]);
			if (!ok) {
				errors++;
				fprintf(stderr, "column %s value %lld differs\n", leaf->path, (long long)(val + i));
			}
		}
		row += b.num_rows;
		lev += b.num_levels;
		val += b.num_values;
	}
	CHECK_EQ_INT(errors, 0);
	CHECK_EQ_INT(row, g->rows);
	CHECK_EQ_INT(lev, g->nlev[l]);
	CHECK_EQ_INT(val, g->nval[l]);
	parq_column_reader_close(cr);
}

/* Nodes of the read schema differ from the written ones; compare by path. */
static const parq_schema *written_schema;
static void remap_nodes(parq_value *v, const parq_schema *from, const parq_schema *to)
{
	(void)from;
	/* find node in `to` with the same path */
	const parq_node *n = v->node;
	if (n->parent) {
		if (n->is_group) {
			/* walk `to` by path */
			const parq_node *cur = to->root;
			char path[512];
			snprintf(path, sizeof path, "%s", n->path);
			for (char *tok = strtok(path, "."); tok && cur; tok = strtok(NULL, ".")) {
				const parq_node *next = NULL;
				for (int i = 0; i < cur->n_children; i++)
					if (strcmp(cur->children[i]->name, tok) == 0)
						next = cur->children[i];
				cur = next;
			}
			v->node = cur;
		} else {
			v->node = to->leaves[n->leaf_index];
		}
	} else {
		v->node = to->root;
	}
	if (v->kind == PARQ_V_LIST || v->kind == PARQ_V_STRUCT)
		for (uint32_t i = 0; i < v->u.list.n; i++)
			remap_nodes(&v->u.list.items[i], from, to);
}

static void verify_rows(gen *g, parq_reader *r)
{
	parq_row_reader *rr;
	CHECK_OK(parq_row_reader_open(&rr, r, NULL, 0));
	int64_t n = 0;
	int errors = 0;
	for (;;) {
		const parq_value *row;
		int rc = parq_row_reader_next(rr, &row);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			fprintf(stderr, "rows: %s\n", parq_errmsg());
			break;
		}
		if (!row)
			break;
		if (n < g->rows && !parq_value_equal(row, &g->records[n], true) && errors++ < 3)
			fprintf(stderr, "row %lld differs\n", (long long)n);
		n++;
	}
	CHECK_EQ_INT(errors, 0);
	CHECK_EQ_INT(n, g->rows);
	parq_row_reader_close(rr);
}

typedef struct thread_arg {
	gen *g;
	const char *path;
	int leaf;
	uint64_t seed;
} thread_arg;

static void *thread_main(void *p)
{
	thread_arg *a = p;
	parq_reader *r;
	if (parq_reader_open(&r, a->path, NULL) == 0) {
		verify_column(a->g, r, a->leaf, a->seed);
		parq_reader_close(r);
	}
	return NULL;
}

static void one_case(uint64_t seed, int64_t rows, parq_codec codec, int page_version, const char *path)
{
	gen g = {.seed = seed};
	parq_schema *s = random_schema(&g);
	written_schema = s;
	generate(&g, s, rows);
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = codec;
	o.data_page_version = page_version;
	/* small pages and row groups so that batches cross them */
	o.page_bytes = 1 + rnd(&g, 3) * 4096;
	o.page_rows = 50 + (int64_t)rnd(&g, 3000);
	o.row_group_rows = 500 + (int64_t)rnd(&g, 5000);
	o.dictionary = rnd(&g, 4) != 0;
	o.dictionary_page_limit = rnd(&g, 2) ? 2048 : (size_t)1 << 20;
	o.page_crc = rnd(&g, 2);
	/* integer columns: automatic, PLAIN or DELTA_BINARY_PACKED pages */
	parq_column_options *co = calloc((size_t)s->n_leaves, sizeof *co);
	REQUIRE(co);
	for (int l = 0; l < s->n_leaves; l++) {
		parq_column_options_default(&co[l], l);
		parq_type t = s->leaves[l]->type;
		if (t == PARQ_INT32 || t == PARQ_INT64) {
			int k = (int)rnd(&g, 3);
			co[l].encoding = k == 0 ? -1 : k == 1 ? PARQ_ENC_PLAIN : PARQ_ENC_DELTA_BINARY_PACKED;
		}
	}
	o.columns = co;
	o.n_columns = s->n_leaves;
	if (write_file(&g, s, path, &o) == 0) {
		parq_reader_options ro;
		parq_reader_options_default(&ro);
		ro.use_mmap = rnd(&g, 2);
		parq_reader *r;
		int rc = parq_reader_open(&r, path, &ro);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			fprintf(stderr, "open: %s\n", parq_errmsg());
		} else {
			CHECK_EQ_INT(parq_reader_num_rows(r), rows);
			CHECK_EQ_INT(parq_reader_schema(r)->n_leaves, s->n_leaves);
			for (int l = 0; l < s->n_leaves; l++)
				verify_column(&g, r, l, seed + (uint64_t)l);
			/* the records, with the read schema's nodes */
			for (int64_t i = 0; i < g.rows; i++)
				remap_nodes(&g.records[i], s, parq_reader_schema(r));
			verify_rows(&g, r);
			parq_reader_close(r);
		}
		/* several threads reading one file at once */
		if (seed % 5 == 0) {
			pthread_t th[4];
			thread_arg args[4];
			for (int t = 0; t < 4; t++) {
				args[t] = (thread_arg){&g, path, t % s->n_leaves, seed * 31 + (uint64_t)t};
				pthread_create(&th[t], NULL, thread_main, &args[t]);
			}
			for (int t = 0; t < 4; t++)
				pthread_join(th[t], NULL);
		}
	}
	free(co);
	gen_free(&g, s);
	parq_schema_free(s);
}

int main(void)
{
	text_pool = malloc(text_pool_len);
	uint64_t ts = 42;
	for (size_t i = 0; i < text_pool_len; i++)
		text_pool[i] = (uint8_t)(i % 7 ? 'a' + test_rand(&ts) % 26 : ' ');
	char path[] = "/tmp/parq_roundtrip_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	const parq_codec codecs[] = {PARQ_CODEC_UNCOMPRESSED, PARQ_CODEC_SNAPPY, PARQ_CODEC_GZIP, PARQ_CODEC_ZSTD,
	                             PARQ_CODEC_LZ4_RAW, PARQ_CODEC_BROTLI};
	int cases = 0;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		parq_codec c = codecs[seed % 6];
		int pv = 1 + (int)(seed / 6 % 2);
		int64_t rows = (int64_t)(seed % 7 == 0 ? 0 : seed % 3 == 0 ? 20000 : 1 + seed * 97 % 4000);
		one_case(seed, rows, c, pv, path);
		cases++;
	}
	unlink(path);
	free(text_pool);
	printf("%d random round trips\n", cases);
	return test_report("test_roundtrip");
}
