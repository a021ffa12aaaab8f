/* Corrupt input: wrong magic, truncation, footer lengths past the file,
 * lying page sizes, absurd or inconsistent schemas, random damage. Each must
 * give a clear error naming the file, never a crash or an unbounded
 * allocation (the suite also runs under AddressSanitizer). */
#include <unistd.h>

#include "parq/meta.h"
#include "parq/parq.h"
#include "test.h"
#include "thrift.h"

static char path[] = "/tmp/parq_corrupt_XXXXXX";

static void spit(const char *p, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(p, "wb");
	REQUIRE(f);
	REQUIRE(fwrite(buf, 1, n, f) == n);
	fclose(f);
}

/* Writes a valid file: an int64, an optional string and a list of strings. */
static void write_valid(const char *p, parq_codec codec, int page_version)
{
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { N = 3000 };
	static int64_t ids[N];
	static int16_t ndef[N], tdef[N * 3], trep[N * 3];
	static parq_bytes names[N], tags[N * 3];
	static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
	int64_t nn = 0, nt = 0, tv = 0;
	for (int i = 0; i < N; i++) {
		ids[i] = i * 7;
		ndef[i] = i % 4 != 0;
		if (ndef[i])
			names[nn++] = (parq_bytes){(const uint8_t *)words[i % 5], (uint32_t)strlen(words[i % 5])};
		int k = i % 3;
		if (k == 0) {
			trep[nt] = 0;
			tdef[nt++] = i % 2 ? 1 : 0; /* empty or null list */
		}
		for (int j = 0; j < k; j++) {
			trep[nt] = j ? 1 : 0;
			tdef[nt++] = 2;
			tags[tv++] = (parq_bytes){(const uint8_t *)words[(i + j) % 5], (uint32_t)strlen(words[(i + j) % 5])};
		}
	}
	parq_column_batch cols[3] = {
		{.num_rows = N, .num_levels = N, .num_values = N, .values = ids},
		{.num_rows = N, .num_levels = N, .num_values = nn, .def_levels = ndef, .bytes = names},
		{.num_rows = N, .num_levels = nt, .num_values = tv, .def_levels = tdef, .rep_levels = trep, .bytes = tags},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = codec;
	o.data_page_version = page_version;
	o.page_rows = 500;
	o.row_group_rows = 1000;
	o.page_crc = true;
	/* PLAIN ids: the CRC test flips a bit of the last value, which must stay
	 * a valid value when the CRC is ignored */
	parq_column_options co;
	parq_column_options_default(&co, 0);
	co.encoding = PARQ_ENC_PLAIN;
	o.columns = &co;
	o.n_columns = 1;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, p, s, &o));
	CHECK_OK(parq_writer_write(w, cols, N));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* Opens and reads every row; returns the first error (0 if all fine). */
static int read_all(const char *p)
{
	parq_reader *r;
	int rc = parq_reader_open(&r, p, NULL);
	if (rc)
		return rc;
	parq_row_reader *rr;
	rc = parq_row_reader_open(&rr, r, NULL, 0);
	if (!rc) {
		const parq_value *row;
		while (!(rc = parq_row_reader_next(rr, &row)) && row)
			;
		parq_row_reader_close(rr);
	}
	parq_reader_close(r);
	return rc;
}

static void expect_error(const char *what, int rc, const char *needle)
{
	test_checks++;
	if (rc == 0) {
		test_failures++;
		fprintf(stderr, "%s: expected an error, got success\n", what);
		return;
	}
	const char *msg = parq_errmsg();
	if (!strstr(msg, path) || (needle && !strstr(msg, needle))) {
		test_failures++;
		fprintf(stderr, "%s: message '%s' lacks the file name or '%s'\n", what, msg, needle ? needle : "");
	}
}

static void test_magic_and_footer(void)
{
	write_valid(path, PARQ_CODEC_ZSTD, 1);
	CHECK_OK(read_all(path));
	size_t n;
	uint8_t *good = test_slurp(path, &n);
	uint8_t *buf = malloc(n);

	memcpy(buf, good, n);
	buf[0] = 'X';
	spit(path, buf, n);
	expect_error("bad leading magic", read_all(path), "magic");

	memcpy(buf, good, n);
	buf[n - 1] = 'X';
	spit(path, buf, n);
	expect_error("bad trailing magic", read_all(path), "magic");

	memcpy(buf, good, n);
	parq_store_u32(buf + n - 8, (uint32_t)n);
	spit(path, buf, n);
	expect_error("footer length past the file", read_all(path), "footer length");

	memcpy(buf, good, n);
	parq_store_u32(buf + n - 8, 0xFFFFFFF0u);
	spit(path, buf, n);
	expect_error("huge footer length", read_all(path), "footer length");

	spit(path, good, 7);
	expect_error("tiny file", read_all(path), "too small");

	/* every truncation point in the footer, a sample elsewhere */
	int ok_truncations = 0;
	for (size_t len = 0; len < n; len += (len > n - 600 ? 1 : 97)) {
		spit(path, good, len);
		int rc = read_all(path);
		test_checks++;
		if (rc == 0) {
			ok_truncations++;
			test_failures++;
			fprintf(stderr, "truncation to %zu bytes read without error\n", len);
		}
	}
	CHECK_EQ_INT(ok_truncations, 0);
	free(buf);
	free(good);
}

/* Writes PAR1 + data + a footer built from fm. */
static void write_with_meta(const parq_file_meta *fm, const uint8_t *data, size_t n)
{
	parq_buf b = {0};
	parq_buf_append(&b, "PAR1", 4);
	parq_buf_append(&b, data, n);
	size_t at = b.len;
	CHECK_OK(parq_meta_encode_file(&b, fm));
	uint8_t tail[8];
	parq_store_u32(tail, (uint32_t)(b.len - at));
	memcpy(tail + 4, "PAR1", 4);
	parq_buf_append(&b, tail, 8);
	spit(path, b.data, b.len);
	parq_buf_free(&b);
}

static parq_meta_schema_elem elem(const char *name, int children, int type, int rep)
{
	parq_meta_schema_elem e;
	memset(&e, 0, sizeof e);
	e.name = (parq_bytes){(const uint8_t *)name, (uint32_t)strlen(name)};
	if (children >= 0 || type < 0) {
		e.has_num_children = true;
		e.num_children = children;
	}
	if (type >= 0) {
		e.has_type = true;
		e.type = type;
	}
	if (rep >= 0) {
		e.has_repetition = true;
		e.repetition = rep;
	}
	return e;
}

static void test_schemas(void)
{
	parq_file_meta fm;
	parq_meta_schema_elem el[200];

	/* more children claimed than elements present */
	memset(&fm, 0, sizeof fm);
	el[0] = elem("schema", 5, -1, -1);
	el[1] = elem("a", -1, PARQ_INT32, PARQ_REQUIRED);
	el[2] = elem("b", -1, PARQ_INT32, PARQ_REQUIRED);
	fm.schema = el;
	fm.n_schema = 3;
	write_with_meta(&fm, NULL, 0);
	expect_error("children past the schema", read_all(path), "children");

	/* an absurd child count */
	el[0] = elem("schema", 2000000000, -1, -1);
	write_with_meta(&fm, NULL, 0);
	expect_error("absurd child count", read_all(path), "children");

	/* negative child count */
	el[0] = elem("schema", -3, -1, -1);
	write_with_meta(&fm, NULL, 0);
	expect_error("negative child count", read_all(path), NULL);

	/* elements left over after the tree */
	el[0] = elem("schema", 1, -1, -1);
	fm.n_schema = 3;
	write_with_meta(&fm, NULL, 0);
	expect_error("elements after the tree", read_all(path), "elements");

	/* nesting far too deep: a chain of single-child groups */
	for (int i = 0; i < 150; i++)
		el[i] = elem(i ? "g" : "schema", 1, -1, i ? PARQ_OPTIONAL : -1);
	el[150] = elem("leaf", -1, PARQ_INT32, PARQ_OPTIONAL);
	fm.n_schema = 151;
	write_with_meta(&fm, NULL, 0);
	expect_error("deep nesting", read_all(path), "deeper");

	/* a leaf without a type */
	el[0] = elem("schema", 1, -1, -1);
	el[1] = elem("x", -1, -1, PARQ_REQUIRED);
	el[1].has_num_children = false;
	fm.n_schema = 2;
	write_with_meta(&fm, NULL, 0);
	expect_error("leaf without type", read_all(path), NULL);

	/* a row group whose column count differs from the schema */
	el[0] = elem("schema", 1, -1, -1);
	el[1] = elem("x", -1, PARQ_INT32, PARQ_REQUIRED);
	fm.n_schema = 2;
	parq_meta_row_group rg;
	memset(&rg, 0, sizeof rg);
	parq_meta_chunk chunks[2];
	memset(chunks, 0, sizeof chunks);
	for (int i = 0; i < 2; i++) {
		chunks[i].has_meta = true;
		chunks[i].meta.type = PARQ_INT32;
		chunks[i].meta.data_page_offset = 4;
	}
	rg.columns = chunks;
	rg.n_columns = 2;
	rg.num_rows = 1;
	fm.row_groups = &rg;
	fm.n_row_groups = 1;
	fm.num_rows = 1;
	write_with_meta(&fm, NULL, 0);
	expect_error("column count mismatch", read_all(path), "column chunks");

	/* a chunk that points past the end of the file */
	rg.n_columns = 1;
	chunks[0].meta.data_page_offset = 1 << 30;
	chunks[0].meta.num_values = 1;
	chunks[0].meta.total_compressed_size = 100;
	write_with_meta(&fm, NULL, 0);
	expect_error("chunk past the end", read_all(path), "past the end");
}

/* Rewrites the footer of the file at path: decodes it, lets edit() change
 * it, and writes the data pages unchanged with the new footer. */
static void rewrite_footer(void (*edit)(parq_file_meta *, const uint8_t *, void *), void *arg)
{
	size_t n;
	uint8_t *buf = test_slurp(path, &n);
	uint32_t flen = parq_load_u32(buf + n - 8);
	parq_arena a;
	parq_arena_init(&a, 0);
	parq_file_meta fm;
	CHECK_OK(parq_meta_decode_file(&a, buf + n - 8 - flen, flen, &fm));
	edit(&fm, buf, arg);
	write_with_meta(&fm, buf + 4, n - 8 - flen - 4);
	parq_arena_free(&a);
	free(buf);
}

static void edit_num_values(parq_file_meta *fm, const uint8_t *file, void *arg)
{
	(void)file;
	fm->row_groups[1].columns[0].meta.num_values += *(int64_t *)arg;
}

static void edit_rg_rows(parq_file_meta *fm, const uint8_t *file, void *arg)
{
	(void)file;
	fm->row_groups[1].num_rows += *(int64_t *)arg;
}

/* Column chunks must hold what their metadata announces: a chunk that ends
 * early, or holds more or fewer rows than its row group, is an error and
 * never a silently shorter column. */
static void test_chunk_totals(void)
{
	write_valid(path, PARQ_CODEC_SNAPPY, 1);
	CHECK_OK(read_all(path));
	int64_t more = 5;
	rewrite_footer(edit_num_values, &more);
	expect_error("chunk shorter than its value count", read_all(path), "ends after 1000 of its 1005 values");

	for (int pv = 1; pv <= 2; pv++) {
		int64_t deltas[] = {1, -1, 500};
		for (size_t i = 0; i < sizeof deltas / sizeof deltas[0]; i++) {
			write_valid(path, PARQ_CODEC_ZSTD, pv);
			rewrite_footer(edit_rg_rows, &deltas[i]);
			char what[64], needle[64];
			snprintf(what, sizeof what, "row group rows off by %lld (v%d)", (long long)deltas[i], pv);
			snprintf(needle, sizeof needle, "holds 1000 rows, the row group %lld", 1000 + (long long)deltas[i]);
			expect_error(what, read_all(path), needle);
			/* a single column read alone must notice as well */
			parq_reader *r;
			CHECK_OK(parq_reader_open(&r, path, NULL));
			parq_column_reader *cr;
			CHECK_OK(parq_column_reader_open(&cr, r, 0, NULL, 0));
			parq_column_batch b;
			int64_t rows = 0;
			int rc;
			while (!(rc = parq_column_reader_read(cr, 300, &b)) && b.num_rows)
				rows += b.num_rows;
			expect_error(what, rc, needle);
			CHECK(rows <= 2000);
			parq_column_reader_close(cr);
			parq_reader_close(r);
		}
	}
}

struct legacy_edit {
	const char *created_by;
	int64_t dict_header_len; /* out */
};

/* What parquet-mr before 1.2.9 wrote: total_compressed_size of a chunk with
 * a dictionary leaves out the dictionary page header. */
static void edit_legacy_sizes(parq_file_meta *fm, const uint8_t *file, void *arg)
{
	struct legacy_edit *e = arg;
	fm->created_by = (parq_bytes){(const uint8_t *)e->created_by, (uint32_t)strlen(e->created_by)};
	fm->has_created_by = true;
	for (uint32_t g = 0; g < fm->n_row_groups; g++) {
		parq_meta_column *cm = &fm->row_groups[g].columns[1].meta;
		REQUIRE(cm->has_dictionary_page_offset);
		parq_meta_page_header h;
		size_t hlen;
		CHECK_OK(parq_meta_decode_page_header(file + cm->dictionary_page_offset, 4096, &h, &hlen));
		CHECK_EQ_INT(h.type, PARQ_PAGE_DICTIONARY);
		cm->total_compressed_size -= (int64_t)hlen;
		e->dict_header_len = (int64_t)hlen;
	}
}

/* Reads column 1 (the optional dictionary-encoded strings) to the end:
 * number of values, or a negative error. */
static int64_t count_names(void)
{
	parq_reader *r;
	if (parq_reader_open(&r, path, NULL))
		return -1;
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, 1, NULL, 0));
	parq_column_batch b;
	int64_t vals = 0, rows = 0;
	int rc;
	while (!(rc = parq_column_reader_read(cr, 700, &b)) && b.num_rows) {
		vals += b.num_values;
		rows += b.num_rows;
		for (int64_t i = 0; i < b.num_values; i++)
			CHECK(b.bytes[i].len >= 4 && b.bytes[i].len <= 7);
	}
	parq_column_reader_close(cr);
	parq_reader_close(r);
	if (rc)
		return rc;
	CHECK_EQ_INT(rows, 3000);
	return vals;
}

static void test_legacy_chunk_sizes(void)
{
	/* writers that had the bug: the chunk may run past its recorded size */
	const char *legacy[] = {"parquet-mr version 1.2.8 (build 0e0e0e)", "parquet-mr", "parquet-mr version 1.1.0"};
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
		write_valid(path, PARQ_CODEC_UNCOMPRESSED, 1);
		struct legacy_edit e = {legacy[i], 0};
		rewrite_footer(edit_legacy_sizes, &e);
		CHECK(e.dict_header_len > 0);
		CHECK_EQ_INT(count_names(), 2250); /* every fourth name is null */
		CHECK_OK(read_all(path));
	}
	/* fixed writers (and everyone else) get no such allowance */
	const char *fixed[] = {"parquet-mr version 1.2.9 (build 1)", "parquet-mr version 1.12.3", "parquet-cpp version 1.2.8"};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		write_valid(path, PARQ_CODEC_UNCOMPRESSED, 1);
		struct legacy_edit e = {fixed[i], 0};
		rewrite_footer(edit_legacy_sizes, &e);
		CHECK(count_names() < 0);
		expect_error(fixed[i], read_all(path), "left in the column chunk");
	}
}

/* Rewrites the first data page header of column 0 with lying sizes. */
static void test_lying_pages(void)
{
	for (int pv = 1; pv <= 2; pv++) {
		write_valid(path, PARQ_CODEC_SNAPPY, pv);
		size_t n;
		uint8_t *good = test_slurp(path, &n);
		parq_reader *r;
		CHECK_OK(parq_reader_open(&r, path, NULL));
		int64_t off = parq_reader_metadata(r)->row_groups[0].columns[0].meta.data_page_offset;
		parq_reader_close(r);
		parq_meta_page_header h;
		size_t hlen;
		CHECK_OK(parq_meta_decode_page_header(good + off, n - (size_t)off, &h, &hlen));
		const int32_t lies[][2] = {
			{h.compressed_page_size, INT32_MAX},         /* uncompressed size absurd */
			{h.compressed_page_size, 0},                 /* uncompressed size zero */
			{h.compressed_page_size + 100000, h.uncompressed_page_size}, /* past the chunk */
			{h.compressed_page_size - 3, h.uncompressed_page_size},      /* short body */
			{-5, h.uncompressed_page_size},
			{h.compressed_page_size, h.uncompressed_page_size + 1},
		};
		for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
			parq_meta_page_header bad = h;
			bad.compressed_page_size = lies[i][0];
			bad.uncompressed_page_size = lies[i][1];
			bad.has_crc = false; /* so the sizes, not the CRC, are what is wrong */
			parq_buf b = {0};
			parq_buf_append(&b, good, (size_t)off);
			CHECK_OK(parq_meta_encode_page_header(&b, &bad));
			parq_buf_append(&b, good + off + hlen, n - (size_t)off - hlen);
			spit(path, b.data, b.len);
			parq_buf_free(&b);
			char what[64];
			snprintf(what, sizeof what, "lying page sizes v%d #%zu", pv, i);
			expect_error(what, read_all(path), NULL);
		}
		/* the announced value count larger than the chunk */
		parq_meta_page_header bad = h;
		if (pv == 1)
			bad.data_page.num_values = 1 << 28;
		else
			bad.data_page_v2.num_values = 1 << 28;
		parq_buf b = {0};
		parq_buf_append(&b, good, (size_t)off);
		CHECK_OK(parq_meta_encode_page_header(&b, &bad));
		parq_buf_append(&b, good + off + hlen, n - (size_t)off - hlen);
		spit(path, b.data, b.len);
		parq_buf_free(&b);
		expect_error("absurd value count", read_all(path), "values");
		free(good);
	}
}

/* Flips random bytes; reading must never crash, and a damaged page must
 * be caught (CRCs are on). */
static void test_random_damage(void)
{
	write_valid(path, PARQ_CODEC_GZIP, 1);
	size_t n;
	uint8_t *good = test_slurp(path, &n);
	uint8_t *buf = malloc(n);
	uint64_t seed = 7;
	int errors = 0;
	for (int iter = 0; iter < 400; iter++) {
		memcpy(buf, good, n);
		int flips = 1 + (int)(test_rand(&seed) % 4);
		for (int k = 0; k < flips; k++)
			buf[test_rand(&seed) % n] ^= (uint8_t)(1 + test_rand(&seed) % 255);
		spit(path, buf, n);
		if (read_all(path) != 0) {
			errors++;
			CHECK(parq_errmsg()[0] != 0);
		}
	}
	CHECK(errors > 100); /* most damage is detected; none crashes */
	free(buf);
	free(good);
}

static void test_crc(void)
{
	write_valid(path, PARQ_CODEC_UNCOMPRESSED, 1);
	size_t n;
	uint8_t *good = test_slurp(path, &n);
	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	const parq_meta_column *cm = &parq_reader_metadata(r)->row_groups[0].columns[0].meta;
	int64_t off = cm->data_page_offset;
	parq_reader_close(r);
	parq_meta_page_header h;
	size_t hlen;
	CHECK_OK(parq_meta_decode_page_header(good + off, n - (size_t)off, &h, &hlen));
	CHECK(h.has_crc);
	/* flip a bit in the last value byte of the first page */
	good[off + (int64_t)hlen + h.compressed_page_size - 1] ^= 1;
	spit(path, good, n);
	expect_error("crc mismatch", read_all(path), "CRC");
	/* ignored on request */
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	ro.verify_crc = false;
	CHECK_OK(parq_reader_open(&r, path, &ro));
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, 0, NULL, 0));
	parq_column_batch b;
	CHECK_OK(parq_column_reader_read(cr, 10, &b));
	CHECK_EQ_INT(b.num_rows, 10);
	parq_column_reader_close(cr);
	parq_reader_close(r);
	free(good);
}

int main(void)
{
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	test_magic_and_footer();
	test_schemas();
	test_lying_pages();
	test_random_damage();
	test_crc();
	test_chunk_totals();
	test_legacy_chunk_sizes();
	unlink(path);
	return test_report("test_corrupt");
}
