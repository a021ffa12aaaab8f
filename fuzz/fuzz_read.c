/* A whole file read from memory, as `probestore cat` and the store read
 * one: the footer, every column through a column reader (every page,
 * dictionary and data, v1 and v2, every codec and encoding), a second
 * pass that skips rows (the offset index), row assembly over every field,
 * and a scan whose predicate prunes by statistics, page index, dictionary
 * and bloom filter. Every value handed out is read, so that ASan sees a
 * view into freed or foreign memory.
 *
 * Half of the inputs (by a bit of their size) are read through a file
 * descriptor, with pread into buffers that are reused page after page,
 * the others from memory, where values point into the input.
 *
 * Work is capped so that a file announcing billions of rows ends the run
 * quickly; the reader's own caps are set low, as a service reading
 * untrusted files would set them. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "parq/meta.h"
#include "parq/parq.h"

#define MAX_LEVELS ((int64_t)1 << 20)   /* per pass, all columns together */
#define MAX_ROWS 20000                   /* row reader and scan */

static volatile uint64_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + b[i];
	sink += h;
}

static void check_batch(const parq_node *leaf, const parq_column_batch *b)
{
	FUZZ_ASSERT(b->num_rows >= 0 && b->num_levels >= b->num_rows && b->num_values <= b->num_levels);
	if (leaf->max_rep == 0)
		FUZZ_ASSERT(b->num_levels == b->num_rows);
	int64_t present = b->num_levels;
	if (leaf->max_def > 0) {
		FUZZ_ASSERT(b->num_levels == 0 || b->def_levels);
		present = 0;
		for (int64_t i = 0; i < b->num_levels; i++) {
			FUZZ_ASSERT(b->def_levels[i] >= 0 && b->def_levels[i] <= leaf->max_def);
			present += b->def_levels[i] == leaf->max_def;
		}
	}
	FUZZ_ASSERT(present == b->num_values);
	if (leaf->max_rep > 0) {
		FUZZ_ASSERT(b->num_levels == 0 || b->rep_levels);
		int64_t rows = 0;
		for (int64_t i = 0; i < b->num_levels; i++) {
			FUZZ_ASSERT(b->rep_levels[i] >= 0 && b->rep_levels[i] <= leaf->max_rep);
			rows += b->rep_levels[i] == 0;
		}
		FUZZ_ASSERT(rows == b->num_rows);
	}
	if (leaf->type == PARQ_BYTE_ARRAY) {
		for (int64_t i = 0; i < b->num_values; i++)
			touch(b->bytes[i].ptr, b->bytes[i].len);
	} else if (b->num_values) {
		touch(b->values, (size_t)b->num_values * parq_value_width(leaf));
	}
}

static void read_columns(parq_reader *r, bool skip)
{
	const parq_schema *s = parq_reader_schema(r);
	int64_t budget = MAX_LEVELS;
	for (int leaf = 0; leaf < s->n_leaves && budget > 0; leaf++) {
		parq_column_reader *cr;
		if (parq_column_reader_open(&cr, r, leaf, NULL, 0) != 0)
			continue;
		if (skip) {
			int64_t skipped = 0;
			int64_t half = parq_reader_num_rows(r) / 2;
			if (parq_column_reader_skip(cr, half > 0 ? half : 1, &skipped) != 0) {
				parq_column_reader_close(cr);
				continue;
			}
			FUZZ_ASSERT(skipped >= 0);
		}
		for (;;) {
			parq_column_batch b;
			if (parq_column_reader_read(cr, 997, &b) != 0 || b.num_rows == 0)
				break;
			check_batch(s->leaves[leaf], &b);
			budget -= b.num_levels + 1;
			if (budget <= 0)
				break;
		}
		parq_column_reader_close(cr);
	}
}

static void touch_value(const parq_value *v, int depth)
{
	FUZZ_ASSERT(depth < 1000);
	switch (v->kind) {
	case PARQ_V_BYTES:
		touch(v->u.bytes.ptr, v->u.bytes.len);
		break;
	case PARQ_V_LIST:
	case PARQ_V_STRUCT:
		for (uint32_t i = 0; i < v->u.list.n; i++)
			touch_value(&v->u.list.items[i], depth + 1);
		break;
	default:
		touch(&v->u, sizeof v->u);
	}
}

static void read_rows(parq_reader *r)
{
	parq_row_reader *rr;
	if (parq_row_reader_open(&rr, r, NULL, 0) != 0)
		return;
	for (int i = 0; i < MAX_ROWS; i++) {
		const parq_value *row;
		if (parq_row_reader_next(rr, &row) != 0 || !row)
			break;
		FUZZ_ASSERT(row->kind == PARQ_V_STRUCT);
		touch_value(row, 0);
	}
	parq_row_reader_close(rr);
}

static parq_scalar scalar_for(const parq_node *leaf)
{
	switch (leaf->type) {
	case PARQ_BOOLEAN: return parq_scalar_bool(true);
	case PARQ_INT32: case PARQ_INT64: return parq_scalar_int(7);
	case PARQ_FLOAT: case PARQ_DOUBLE: return parq_scalar_double(7.0);
	default: return parq_scalar_bytes("alpha", 5);
	}
}

/* A predicate on the first leaf that statistics, the page index, the
 * dictionary and a bloom filter can all decide; with `list`, OR an
 * element of the last leaf's top-level field (a list, when it is one:
 * otherwise the scan refuses the predicate and the first leaf's test runs
 * alone). Both run on column vectors where they can. */
static parq_pred *make_pred(const parq_schema *s, bool list)
{
	const parq_node *leaf = s->leaves[0];
	parq_scalar v = scalar_for(leaf);
	parq_pred *p, *q;
	if (parq_pred_compare(&p, leaf->path, PARQ_OP_EQ, &v) != 0)
		return NULL;
	if (!list)
		return p;
	const parq_node *last = s->leaves[s->n_leaves - 1], *top = last;
	while (top->parent && top->parent->parent)
		top = top->parent;
	v = scalar_for(last);
	if (parq_pred_contains(&q, top->name, &v) != 0) {
		parq_pred_free(p);
		return NULL;
	}
	return parq_pred_or(&p, p, q) == 0 ? p : NULL;
}

static void scan(parq_reader *r)
{
	const parq_schema *s = parq_reader_schema(r);
	if (s->n_leaves == 0)
		return;
	parq_scan *sc = NULL;
	parq_pred *p = make_pred(s, true);
	if (p && parq_scan_open(&sc, r, p, NULL, 0) != 0) {
		parq_pred_free(p);
		p = make_pred(s, false);
		if (p && parq_scan_open(&sc, r, p, NULL, 0) != 0)
			sc = NULL;
	}
	if (sc) {
		for (int i = 0; i < MAX_ROWS; i++) {
			const parq_value *row;
			if (parq_scan_next(sc, &row) != 0 || !row)
				break;
			touch_value(row, 0);
		}
		parq_scan_stats st;
		parq_scan_get_stats(sc, &st);
		FUZZ_ASSERT(st.rows_matched <= st.rows_read);
		parq_scan_close(sc);
	}
	parq_pred_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parq_reader_options o;
	parq_reader_options_default(&o);
	o.max_page_bytes = (size_t)16 << 20;
	o.max_footer_bytes = (size_t)1 << 20;
	/* the checksum would stop most mutated pages before the decoders */
	o.verify_crc = size % 8 == 0;
	parq_reader *r;
	int fd = -1;
	if ((size >> 3) & 1) {
		fd = memfd_create("fuzz.parquet", MFD_CLOEXEC);
		FUZZ_ASSERT(fd >= 0);
		FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (parq_reader_open(&r, path, &o) != 0) {
			close(fd);
			return 0;
		}
	} else if (parq_reader_open_memory(&r, data, size, "fuzz.parquet", &o) != 0) {
		return 0;
	}
	const char *kv = parq_reader_kv(r, "probestore.schema_version");
	if (kv)
		touch(kv, strlen(kv));
	read_columns(r, false);
	read_columns(r, true);
	read_rows(r);
	scan(r);
	parq_reader_close(r);
	if (fd >= 0)
		close(fd);
	return 0;
}
