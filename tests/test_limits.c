/* Limits on hostile input: sizes a file declares are claims, checked
 * against the bytes present and the configured caps before anything is
 * allocated for them. Decompression bombs (pages that declare a small
 * size and expand hugely, or declare 1 GiB and hold a few bytes), value
 * counts far beyond what the page decodes to, dictionaries of wide
 * values, delta streams announcing billions of values, prefixes that
 * multiply a page's strings, and schemas whose column paths multiply the
 * footer. Each must end in an error, quickly and within a small amount of
 * memory (the suite also runs under AddressSanitizer, which fails an
 * allocation of the sizes these files ask for). */
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"
#include "encodings.h"
#include "parq/meta.h"
#include "parq/parq.h"
#include "schema.h"
#include "test.h"
#include "thrift.h"

#define GiB ((int32_t)1 << 30)

typedef struct page {
	parq_meta_page_header h;
	const void *body;
	size_t n;
} page;

/* A file of one column ("v") and one row group holding the given pages. */
static void build(parq_buf *f, parq_type type, int32_t type_length, parq_repetition rep, int codec,
                  const page *pages, int npages, int64_t rows, int64_t values)
{
	f->len = 0;
	parq_buf_append(f, "PAR1", 4);
	bool dict = pages[0].h.type == PARQ_PAGE_DICTIONARY;
	int64_t data_off = 4;
	for (int i = 0; i < npages; i++) {
		if (i == 1 && dict)
			data_off = (int64_t)f->len;
		CHECK_OK(parq_meta_encode_page_header(f, &pages[i].h));
		parq_buf_append(f, pages[i].body, pages[i].n);
	}
	int64_t total = (int64_t)f->len - 4;
	parq_meta_schema_elem se[2];
	memset(se, 0, sizeof se);
	se[0].name = (parq_bytes){(const uint8_t *)"schema", 6};
	se[0].num_children = 1;
	se[0].has_num_children = true;
	se[1].name = (parq_bytes){(const uint8_t *)"v", 1};
	se[1].type = type;
	se[1].has_type = true;
	se[1].repetition = rep;
	se[1].has_repetition = true;
	se[1].type_length = type_length;
	se[1].has_type_length = type == PARQ_FIXED_LEN_BYTE_ARRAY;
	int32_t encs[] = {PARQ_ENC_PLAIN, PARQ_ENC_RLE, PARQ_ENC_RLE_DICTIONARY};
	parq_bytes path = {(const uint8_t *)"v", 1};
	parq_meta_chunk ch;
	memset(&ch, 0, sizeof ch);
	ch.file_offset = 4;
	ch.has_meta = true;
	ch.meta.type = type;
	ch.meta.encodings = encs;
	ch.meta.n_encodings = 3;
	ch.meta.path = &path;
	ch.meta.n_path = 1;
	ch.meta.codec = codec;
	ch.meta.num_values = values;
	ch.meta.total_uncompressed_size = total;
	ch.meta.total_compressed_size = total;
	ch.meta.data_page_offset = data_off;
	if (dict) {
		ch.meta.dictionary_page_offset = 4;
		ch.meta.has_dictionary_page_offset = true;
	}
	parq_meta_row_group rg;
	memset(&rg, 0, sizeof rg);
	rg.columns = &ch;
	rg.n_columns = 1;
	rg.num_rows = rows;
	rg.total_byte_size = total;
	parq_file_meta m;
	memset(&m, 0, sizeof m);
	m.version = 1;
	m.schema = se;
	m.n_schema = 2;
	m.num_rows = rows;
	m.row_groups = &rg;
	m.n_row_groups = 1;
	size_t at = f->len;
	CHECK_OK(parq_meta_encode_file(f, &m));
	uint32_t flen = (uint32_t)(f->len - at);
	parq_buf_append(f, &flen, 4);
	parq_buf_append(f, "PAR1", 4);
}

static parq_meta_page_header data_page(int enc, int32_t n, size_t unc, size_t comp)
{
	parq_meta_page_header h;
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DATA;
	h.uncompressed_page_size = (int32_t)unc;
	h.compressed_page_size = (int32_t)comp;
	h.has_data_page = true;
	h.data_page.num_values = n;
	h.data_page.encoding = enc;
	h.data_page.def_level_encoding = PARQ_ENC_RLE;
	h.data_page.rep_level_encoding = PARQ_ENC_RLE;
	return h;
}

static parq_meta_page_header dict_page(int32_t n, size_t unc, size_t comp)
{
	parq_meta_page_header h;
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DICTIONARY;
	h.uncompressed_page_size = (int32_t)unc;
	h.compressed_page_size = (int32_t)comp;
	h.has_dict_page = true;
	h.dict_page.num_values = n;
	h.dict_page.encoding = PARQ_ENC_PLAIN;
	return h;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A refusal must not first do what the limit forbids: the delta streams
 * below once stepped through 2^35 values (minutes of CPU). The bound is on
 * the process's CPU time, twenty times what a sanitizer build needs, so a
 * loaded machine's wall clock cannot fail it; the slowest is reported. */
#define REFUSAL_CPU_SECONDS 20.0
static double slowest;
static const char *slowest_what = "";

static void timed(const char *what, double cpu)
{
	test_checks++;
	if (cpu > REFUSAL_CPU_SECONDS) {
		test_failures++;
		fprintf(stderr, "%s: refused after %.1f s of CPU\n", what, cpu);
	}
	if (cpu > slowest) {
		slowest = cpu;
		slowest_what = what;
	}
}

/* Reads every value of the file's column; the first error's code. */
static int read_mem(const parq_buf *f, const parq_reader_options *o)
{
	parq_reader *r;
	int rc = parq_reader_open_memory(&r, f->data, f->len, "limits.parquet", o);
	if (rc)
		return rc;
	parq_column_reader *cr;
	if ((rc = parq_column_reader_open(&cr, r, 0, NULL, 0)) == 0) {
		for (;;) {
			parq_column_batch b;
			if ((rc = parq_column_reader_read(cr, 4096, &b)) || b.num_rows == 0)
				break;
		}
		parq_column_reader_close(cr);
	}
	parq_reader_close(r);
	return rc;
}

/* The read fails with code and a message holding needle. */
static void expect(const char *what, const parq_buf *f, const parq_reader_options *o, int code, const char *needle)
{
	double t0 = cpu_now();
	int rc = read_mem(f, o);
	double dt = cpu_now() - t0;
	timed(what, dt);
	test_checks++;
	if (rc != code || (needle && !strstr(parq_errmsg(), needle))) {
		test_failures++;
		fprintf(stderr, "%s: got %s (%s) after %.2f s of CPU, expected %s with '%s'\n", what, parq_strerror(rc),
		        parq_errmsg(), dt, parq_strerror(code), needle ? needle : "");
	}
}

static void zeros_compressed(int codec, size_t n, parq_buf *out)
{
	uint8_t *z = calloc(n ? n : 1, 1);
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	out->len = 0;
	CHECK_OK(parq_compress(ctx, codec, 0, z, n, out));
	parq_codec_ctx_free(ctx);
	free(z);
}

/* A zstd frame without its content size, as streaming writers leave it. */
static void zstd_stream_zeros(size_t n, parq_buf *out)
{
	uint8_t *z = calloc(n, 1);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
	size_t cap = ZSTD_compressBound(n);
	out->len = 0;
	REQUIRE(parq_buf_reserve(out, cap) == 0);
	ZSTD_inBuffer in = {z, n, 0};
	ZSTD_outBuffer o = {out->data, cap, 0};
	size_t left;
	do {
		left = ZSTD_compressStream2(c, &o, &in, ZSTD_e_end);
		REQUIRE(!ZSTD_isError(left));
	} while (left);
	out->len = o.pos;
	REQUIRE(ZSTD_getFrameContentSize(out->data, out->len) == ZSTD_CONTENTSIZE_UNKNOWN);
	ZSTD_freeCCtx(c);
	free(z);
}

/* An INT64 page of n PLAIN values (8n bytes) compressed with codec,
 * declaring `declared` uncompressed bytes. */
static void bomb_file(parq_buf *f, int codec, const parq_buf *body, int32_t n, size_t declared)
{
	page p = {data_page(PARQ_ENC_PLAIN, n, declared, body->len), body->data, body->len};
	build(f, PARQ_INT64, 0, PARQ_REQUIRED, codec, &p, 1, n, n);
}

static void test_declared_sizes(void)
{
	parq_buf f = {0}, body = {0};
	parq_reader_options o;
	parq_reader_options_default(&o);

	/* 1 GiB declared, a few hundred bytes present: refused before allocating */
	static const struct { int codec; const char *needle; } lie[] = {
		{PARQ_CODEC_ZSTD, "cannot hold"}, {PARQ_CODEC_GZIP, "cannot hold"},
		{PARQ_CODEC_SNAPPY, "decompresses to 8000 bytes"}, {PARQ_CODEC_LZ4_RAW, "cannot hold"},
		{PARQ_CODEC_LZ4, "cannot hold"}, {PARQ_CODEC_BROTLI, "decompresses to 8000 bytes"}};
	for (size_t i = 0; i < sizeof lie / sizeof *lie; i++) {
		int c = lie[i].codec == PARQ_CODEC_LZ4 ? PARQ_CODEC_LZ4_RAW : lie[i].codec;
		zeros_compressed(c, 8000, &body);
		bomb_file(&f, lie[i].codec, &body, 1000, (size_t)GiB - 1);
		char what[64];
		snprintf(what, sizeof what, "%s page declaring 1 GiB", parq_codec_name((parq_codec)lie[i].codec));
		expect(what, &f, &o, PARQ_ECORRUPT, lie[i].needle);
	}
	/* and past a configured cap, whatever the data */
	zeros_compressed(PARQ_CODEC_ZSTD, 8000, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, (size_t)GiB + 1);
	o.max_page_bytes = (size_t)GiB;
	expect("page past max_page_bytes", &f, &o, PARQ_ELIMIT, "exceed the limit");
	/* the default cap is the format's own: the same lie is caught as one */
	parq_reader_options_default(&o);
	CHECK_EQ_INT(o.max_page_bytes, INT32_MAX);
	expect("page declaring 1 GiB + 1", &f, &o, PARQ_ECORRUPT, "cannot hold");
	o.max_page_bytes = 4096;
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, 8000);
	expect("page past a small max_page_bytes", &f, &o, PARQ_ELIMIT, "exceed the limit");
	parq_reader_options_default(&o);

	/* snappy's own header agreeing with the lie changes nothing */
	uint8_t sn[16] = {0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x00};
	parq_buf snb = {sn, sizeof sn, sizeof sn};
	bomb_file(&f, PARQ_CODEC_SNAPPY, &snb, 1000, (size_t)GiB);
	expect("snappy header declaring 1 GiB", &f, &o, PARQ_ECORRUPT, "cannot hold");

	/* a real bomb: 64 MiB of zeros in a few KB, the page declaring 8000 bytes */
	zeros_compressed(PARQ_CODEC_ZSTD, (size_t)64 << 20, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, 8000);
	expect("zstd bomb with content size", &f, &o, PARQ_ECORRUPT, "decompresses to 67108864 bytes");
	zstd_stream_zeros((size_t)64 << 20, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, 8000);
	expect("zstd bomb without content size", &f, &o, PARQ_ECORRUPT, "zstd");
	/* ... declaring 16 MiB of its 64: counted, not allocated */
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, (size_t)16 << 20);
	expect("zstd bomb declaring 16 MiB", &f, &o, PARQ_ECORRUPT, "more than 16777216");
	zeros_compressed(PARQ_CODEC_GZIP, (size_t)16 << 20, &body);
	bomb_file(&f, PARQ_CODEC_GZIP, &body, 1000, 8000);
	expect("gzip bomb", &f, &o, PARQ_ECORRUPT, "more than the 8000 bytes");
	zeros_compressed(PARQ_CODEC_BROTLI, (size_t)64 << 20, &body);
	bomb_file(&f, PARQ_CODEC_BROTLI, &body, 1000, (size_t)16 << 20);
	expect("brotli bomb declaring 16 MiB", &f, &o, PARQ_ECORRUPT, "more than 16777216");
	bomb_file(&f, PARQ_CODEC_BROTLI, &body, 1000, 8000);
	expect("brotli bomb", &f, &o, PARQ_ECORRUPT, "more than the 8000 bytes");
	zeros_compressed(PARQ_CODEC_SNAPPY, (size_t)4 << 20, &body);
	bomb_file(&f, PARQ_CODEC_SNAPPY, &body, 1000, 8000);
	expect("snappy bomb", &f, &o, PARQ_ECORRUPT, "decompresses to 4194304 bytes");
	zeros_compressed(PARQ_CODEC_LZ4_RAW, (size_t)4 << 20, &body);
	bomb_file(&f, PARQ_CODEC_LZ4_RAW, &body, 1000, 8000);
	expect("lz4 bomb", &f, &o, PARQ_ECORRUPT, "lz4");

	/* what a bomb declares truthfully is read, within the cap */
	zeros_compressed(PARQ_CODEC_ZSTD, 8000, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, 8000);
	CHECK_OK(read_mem(&f, &o));
	zstd_stream_zeros(8000, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, 1000, 8000);
	CHECK_OK(read_mem(&f, &o));
	zstd_stream_zeros((size_t)2 << 20, &body);
	bomb_file(&f, PARQ_CODEC_ZSTD, &body, (int32_t)((2 << 20) / 8), (size_t)2 << 20);
	CHECK_OK(read_mem(&f, &o));
	zeros_compressed(PARQ_CODEC_BROTLI, (size_t)2 << 20, &body);
	bomb_file(&f, PARQ_CODEC_BROTLI, &body, (int32_t)((2 << 20) / 8), (size_t)2 << 20);
	CHECK_OK(read_mem(&f, &o));
	parq_buf_free(&f);
	parq_buf_free(&body);
}

/* The check itself: the ratios are the formats' own, so no page that
 * decompresses is refused. */
static void test_check_function(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	parq_buf c = {0};
	static const int codecs[] = {PARQ_CODEC_SNAPPY, PARQ_CODEC_GZIP, PARQ_CODEC_ZSTD, PARQ_CODEC_LZ4_RAW,
	                             PARQ_CODEC_BROTLI};
	static const size_t sizes[] = {0, 1, 100, 65536, (size_t)3 << 20};
	for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++)
		for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
			zeros_compressed(codecs[i], sizes[k], &c);
			CHECK_OK(parq_decompress_check(ctx, codecs[i], c.data, c.len, sizes[k]));
			if (sizes[k] >= 65536)
				CHECK(parq_decompress_check(ctx, codecs[i], c.data, c.len, sizes[k] * 2000 + 1) == PARQ_ECORRUPT);
		}
	CHECK(parq_decompress_check(ctx, PARQ_CODEC_UNCOMPRESSED, "abc", 3, 4) == PARQ_ECORRUPT);
	CHECK_OK(parq_decompress_check(ctx, PARQ_CODEC_UNCOMPRESSED, "abc", 3, 3));
	parq_buf_free(&c);
	parq_codec_ctx_free(ctx);
}

static void put_uvarint(parq_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		parq_buf_push(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	parq_buf_push(b, (uint8_t)v);
}

/* An RLE run of count values of bit width 1. */
static void run(parq_buf *b, uint32_t count, uint8_t value)
{
	put_uvarint(b, (uint64_t)count << 1);
	parq_buf_push(b, value);
}

/* Levels of a v1 page: a length, then the runs. */
static void levels(parq_buf *b, const parq_buf *runs)
{
	uint32_t l = (uint32_t)runs->len;
	parq_buf_append(b, &l, 4);
	parq_buf_append(b, runs->data, runs->len);
}

/* One row of a repeated column running on over many pages, each small:
 * `repeated int32 v`, a dictionary of one value, then pages of 2^16
 * levels that all continue the first row. */
static void test_long_row(void)
{
	enum { PER = 1 << 16, PAGES = 200 };
	parq_buf f = {0}, first = {0}, rest = {0}, runs = {0};
	for (int k = 0; k < 2; k++) {
		parq_buf *b = k ? &rest : &first;
		runs.len = 0;
		if (k == 0) {
			run(&runs, 1, 0);
			run(&runs, PER - 1, 1);
		} else {
			run(&runs, PER, 1);
		}
		levels(b, &runs); /* repetition */
		runs.len = 0;
		run(&runs, PER, 1);
		levels(b, &runs); /* definition: all present */
		parq_buf_push(b, 0); /* index bit width 0 */
		put_uvarint(b, (uint64_t)PER << 1);
	}
	int32_t one = 7;
	page *p = calloc(PAGES + 1, sizeof *p);
	p[0] = (page){dict_page(1, 4, 4), &one, 4};
	for (int i = 1; i <= PAGES; i++) {
		const parq_buf *b = i == 1 ? &first : &rest;
		p[i] = (page){data_page(PARQ_ENC_RLE_DICTIONARY, PER, b->len, b->len), b->data, b->len};
	}
	build(&f, PARQ_INT32, 0, PARQ_REPEATED, PARQ_CODEC_UNCOMPRESSED, p, PAGES + 1, 1, (int64_t)PER * PAGES);
	CHECK(f.len < 10000);
	parq_reader_options o;
	parq_reader_options_default(&o);
	o.max_page_bytes = (size_t)4 << 20;
	expect("one row over 200 pages", &f, &o, PARQ_ELIMIT, "read fewer rows");
	/* the same row within the cap reads */
	o.max_page_bytes = (size_t)128 << 20;
	CHECK_OK(read_mem(&f, &o));
	free(p);
	parq_buf_free(&f);
	parq_buf_free(&first);
	parq_buf_free(&rest);
	parq_buf_free(&runs);
}

/* Counts of values that a few bytes encode but that would decode to
 * gigabytes. */
static void test_value_counts(void)
{
	parq_buf f = {0};
	parq_reader_options o;
	parq_reader_options_default(&o);

	/* an optional column, 2^26 nulls in one RLE run: 6 bytes */
	uint8_t nulls[] = {2, 0, 0, 0, 0x80, 0x80, 0x80, 0x40, 0x00};
	nulls[0] = 5; /* run header (4 bytes) + value (1 byte) */
	page p = {data_page(PARQ_ENC_PLAIN, 1 << 26, sizeof nulls, sizeof nulls), nulls, sizeof nulls};
	build(&f, PARQ_BYTE_ARRAY, 0, PARQ_OPTIONAL, PARQ_CODEC_UNCOMPRESSED, &p, 1, 1 << 26, 1 << 26);
	o.max_page_bytes = (size_t)16 << 20;
	expect("2^26 nulls in 9 bytes under a 16 MiB cap", &f, &o, PARQ_ELIMIT, "values of");
	o.max_page_bytes = 0; /* the default */

	/* a dictionary of one 1 MiB FIXED_LEN_BYTE_ARRAY value (compressed to
	 * a few bytes) and 100000 indices of width 0: 100 GB decoded */
	parq_buf dz = {0};
	zeros_compressed(PARQ_CODEC_ZSTD, (size_t)1 << 20, &dz);
	uint8_t idx[] = {0, 0xc0, 0x9a, 0x0c, 0x00}; /* bit width 0, a run of 100000 */
	parq_buf iz = {0};
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, idx, sizeof idx, &iz));
	page pp[2] = {{dict_page(1, (size_t)1 << 20, dz.len), dz.data, dz.len},
	              {data_page(PARQ_ENC_RLE_DICTIONARY, 100000, sizeof idx, iz.len), iz.data, iz.len}};
	build(&f, PARQ_FIXED_LEN_BYTE_ARRAY, 1 << 20, PARQ_REQUIRED, PARQ_CODEC_ZSTD, pp, 2, 100000, 100000);
	expect("wide dictionary values", &f, &o, PARQ_ELIMIT, "exceed the limit");
	/* a dictionary of 2^24 empty strings: 64 MiB of zeros, 256 MiB of views */
	zeros_compressed(PARQ_CODEC_ZSTD, (size_t)64 << 20, &dz);
	pp[0] = (page){dict_page(1 << 24, (size_t)64 << 20, dz.len), dz.data, dz.len};
	build(&f, PARQ_BYTE_ARRAY, 0, PARQ_REQUIRED, PARQ_CODEC_ZSTD, pp, 2, 100000, 100000);
	o.max_page_bytes = (size_t)128 << 20;
	expect("dictionary of 2^24 empty strings", &f, &o, PARQ_ELIMIT, "dictionary page");
	parq_codec_ctx_free(ctx);
	parq_buf_free(&dz);
	parq_buf_free(&iz);
	parq_buf_free(&f);
}


static void test_delta_streams(void)
{
	parq_node leaf;
	memset(&leaf, 0, sizeof leaf);
	leaf.name = leaf.path = "v";
	parq_buf vals = {0}, heap = {0}, b = {0};
	parq_bytes *views = NULL;
	size_t cap = 0;
	parq_decoded out = {.vals = &vals, .views = &views, .cap_views = &cap, .heap = &heap};

	/* a DELTA_BINARY_PACKED header announcing 2^62 values in blocks of
	 * 2^20 zero-width values: 64 KB of it stood for 2^35 values to step
	 * through one by one */
	put_uvarint(&b, 1 << 20);
	put_uvarint(&b, 1);
	put_uvarint(&b, (uint64_t)1 << 62);
	put_uvarint(&b, 0);
	while (b.len < 65536) {
		parq_buf_push(&b, 0); /* min delta 0 */
		parq_buf_push(&b, 0); /* width 0 */
	}
	static const struct { parq_type t; int enc; } cases[] = {
		{PARQ_INT64, PARQ_ENC_DELTA_BINARY_PACKED}, {PARQ_INT32, PARQ_ENC_DELTA_BINARY_PACKED},
		{PARQ_BYTE_ARRAY, PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY}, {PARQ_BYTE_ARRAY, PARQ_ENC_DELTA_BYTE_ARRAY}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		leaf.type = cases[i].t;
		vals.len = 0;
		double t0 = cpu_now();
		int rc = parq_decode_values(cases[i].enc, &leaf, b.data, b.len, 10, &out);
		double dt = cpu_now() - t0;
		CHECK(rc == PARQ_ECORRUPT);
		timed("delta stream of 32,000 zero-width miniblocks", dt);
	}

	/* DELTA_BYTE_ARRAY: each value repeats all of the previous one and
	 * adds a byte; 20000 values in a few KB would build 200 MB */
	b.len = 0;
	int32_t *pre = malloc(20000 * sizeof *pre), *len = malloc(20000 * sizeof *len);
	for (int i = 0; i < 20000; i++) {
		pre[i] = i;
		len[i] = 1;
	}
	CHECK_OK(parq_encode_delta_binary(&b, pre, 20000, 4));
	CHECK_OK(parq_encode_delta_binary(&b, len, 20000, 4));
	for (int i = 0; i < 20000; i++)
		parq_buf_push(&b, 'x');
	CHECK(b.len < 25000);
	leaf.type = PARQ_BYTE_ARRAY;
	out.max_bytes = (size_t)16 << 20;
	CHECK(parq_decode_values(PARQ_ENC_DELTA_BYTE_ARRAY, &leaf, b.data, b.len, 20000, &out) == PARQ_ELIMIT);
	CHECK(strstr(parq_errmsg(), "exceed the limit") != NULL);
	/* 2000 of them (2 MB) are fine */
	b.len = 0;
	CHECK_OK(parq_encode_delta_binary(&b, pre, 2000, 4));
	CHECK_OK(parq_encode_delta_binary(&b, len, 2000, 4));
	for (int i = 0; i < 2000; i++)
		parq_buf_push(&b, 'x');
	CHECK_OK(parq_decode_values(PARQ_ENC_DELTA_BYTE_ARRAY, &leaf, b.data, b.len, 2000, &out));
	CHECK_EQ_INT(views[1999].len, 2000);
	free(pre);
	free(len);
	free(views);
	parq_buf_free(&vals);
	parq_buf_free(&heap);
	parq_buf_free(&b);
}

/* Column paths repeat their ancestors' names: one group named with 60 KB
 * and 2000 leaves under it would make 120 MB of paths from a 70 KB
 * footer. */
static void test_schema_paths(void)
{
	enum { LEAVES = 2000, NAME = 60000 };
	parq_meta_schema_elem *e = calloc(LEAVES + 2, sizeof *e);
	char *name = malloc(NAME);
	memset(name, 'g', NAME);
	e[0].name = (parq_bytes){(const uint8_t *)"schema", 6};
	e[0].num_children = 1;
	e[0].has_num_children = true;
	e[1].name = (parq_bytes){(const uint8_t *)name, NAME};
	e[1].num_children = LEAVES;
	e[1].has_num_children = true;
	e[1].repetition = PARQ_OPTIONAL;
	e[1].has_repetition = true;
	for (int i = 0; i < LEAVES; i++) {
		e[2 + i].name = (parq_bytes){(const uint8_t *)"x", 1};
		e[2 + i].type = PARQ_INT32;
		e[2 + i].has_type = true;
		e[2 + i].repetition = PARQ_OPTIONAL;
		e[2 + i].has_repetition = true;
	}
	parq_schema *s = NULL;
	double t0 = cpu_now();
	int rc = parq_schema_from_meta(&s, e, LEAVES + 2);
	CHECK(rc == PARQ_ELIMIT);
	CHECK(strstr(parq_errmsg(), "paths") != NULL);
	timed("schema paths over 64 MiB", cpu_now() - t0);
	parq_schema_free(s);
	/* the same shape with a short name is an ordinary wide schema */
	e[1].name = (parq_bytes){(const uint8_t *)"g", 1};
	s = NULL;
	CHECK_OK(parq_schema_from_meta(&s, e, LEAVES + 2));
	if (s) {
		CHECK_EQ_INT(s->n_leaves, LEAVES);
		CHECK(strcmp(s->leaves[LEAVES - 1]->path, "g.x") == 0);
	}
	parq_schema_free(s);
	free(name);
	free(e);
}

/* A page index whose length lies (60 MiB in a small file) is not
 * allocated: a column index is ignored (the scan reads the row group
 * whole), an offset index is an error. */
static void test_page_index_lengths(void)
{
	char path[] = "/tmp/parq_limits_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "n", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	parq_writer_options wo;
	parq_writer_options_default(&wo);
	wo.page_rows = 100;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &wo));
	int64_t v[1000];
	for (int i = 0; i < 1000; i++)
		v[i] = i;
	parq_column_batch b = {1000, 1000, 1000, NULL, NULL, v, NULL};
	CHECK_OK(parq_writer_write(w, &b, 1000));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);

	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	uint8_t file[65536];
	size_t n = fread(file, 1, sizeof file, f);
	fclose(f);
	unlink(path);
	REQUIRE(n > 12 && n < sizeof file);
	uint32_t flen;
	memcpy(&flen, file + n - 8, 4);
	parq_arena a;
	parq_arena_init(&a, 0);
	parq_file_meta m;
	CHECK_OK(parq_meta_decode_file(&a, file + n - 8 - flen, flen, &m));
	parq_meta_chunk *ch = &m.row_groups[0].columns[0];
	CHECK(ch->has_column_index_offset && ch->has_offset_index_offset);
	for (int lie = 0; lie < 3; lie++) {
		parq_meta_chunk saved = *ch;
		if (lie == 0)
			ch->column_index_length = 60 << 20;
		else if (lie == 1)
			ch->offset_index_length = 60 << 20;
		else
			ch->column_index_offset = -5;
		parq_buf out = {0};
		parq_buf_append(&out, file, n - 8 - flen);
		size_t at = out.len;
		CHECK_OK(parq_meta_encode_file(&out, &m));
		uint32_t l = (uint32_t)(out.len - at);
		parq_buf_append(&out, &l, 4);
		parq_buf_append(&out, "PAR1", 4);
		*ch = saved;
		parq_reader *r;
		CHECK_OK(parq_reader_open_memory(&r, out.data, out.len, "limits.parquet", NULL));
		parq_pred *p;
		parq_scalar x = parq_scalar_int(555);
		CHECK_OK(parq_pred_compare(&p, "n", PARQ_OP_EQ, &x));
		parq_scan *sc;
		CHECK_OK(parq_scan_open(&sc, r, p, NULL, 0));
		int found = 0, rc;
		const parq_value *row;
		while ((rc = parq_scan_next(sc, &row)) == 0 && row)
			found++;
		if (lie == 1) {
			/* the column reader, which jumps by the offset index, calls
			 * an offset index past the end of the file corrupt */
			CHECK(rc == PARQ_ECORRUPT);
		} else {
			CHECK_OK(rc);
			CHECK_EQ_INT(found, 1);
			parq_scan_stats st;
			parq_scan_get_stats(sc, &st);
			CHECK_EQ_INT(st.pages_skipped, 0); /* no index used */
		}
		parq_scan_close(sc);
		parq_pred_free(p);
		parq_reader_close(r);
		parq_buf_free(&out);
	}
	parq_arena_free(&a);
}

/* Nesting: Thrift structures and schemas deeper than the caps. */
static void test_nesting(void)
{
	uint8_t deep[200];
	for (int i = 0; i < 199; i++)
		deep[i] = 0x1c; /* field 1, struct */
	deep[199] = 0;
	tc_reader r = {deep, deep + sizeof deep, 0};
	CHECK(tc_skip(&r, TC_STRUCT) == PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "nesting") != NULL);

	enum { DEPTH = 100 };
	parq_meta_schema_elem e[DEPTH + 1];
	memset(e, 0, sizeof e);
	for (int i = 0; i <= DEPTH; i++) {
		e[i].name = (parq_bytes){(const uint8_t *)"n", 1};
		e[i].repetition = PARQ_OPTIONAL;
		e[i].has_repetition = i > 0;
		if (i < DEPTH) {
			e[i].num_children = 1;
			e[i].has_num_children = true;
		} else {
			e[i].type = PARQ_INT32;
			e[i].has_type = true;
		}
	}
	parq_schema *s = NULL;
	CHECK(parq_schema_from_meta(&s, e, DEPTH + 1) != 0);
	parq_schema_free(s);
}

/* A valid page larger than 1 GiB (one string of 1 GiB and 100 bytes, as
 * parquet-testing's large_string_map.brotli.parquet holds) is read with
 * the default options, its value intact. */
static void test_big_page(void)
{
	size_t len = (size_t)GiB + 100, n = 4 + len;
	uint8_t *raw = malloc(n);
	REQUIRE(raw);
	uint32_t l32 = (uint32_t)len;
	memcpy(raw, &l32, 4);
	memset(raw + 4, 'x', len);
	memcpy(raw + 4 + len - 3, "end", 3);
	parq_buf body = {0}, f = {0};
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 1, raw, n, &body));
	parq_codec_ctx_free(ctx);
	free(raw);
	page p = {data_page(PARQ_ENC_PLAIN, 1, n, body.len), body.data, body.len};
	build(&f, PARQ_BYTE_ARRAY, 0, PARQ_REQUIRED, PARQ_CODEC_ZSTD, &p, 1, 1, 1);
	parq_buf_free(&body);
	parq_reader *r;
	CHECK_OK(parq_reader_open_memory(&r, f.data, f.len, "big.parquet", NULL));
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, 0, NULL, 0));
	parq_column_batch b;
	memset(&b, 0, sizeof b);
	CHECK_OK(parq_column_reader_read(cr, 16, &b));
	CHECK_EQ_INT(b.num_rows, 1);
	if (b.num_rows == 1 && b.bytes) {
		CHECK_EQ_INT(b.bytes[0].len, len);
		CHECK(b.bytes[0].len == len && b.bytes[0].ptr[0] == 'x' && b.bytes[0].ptr[len / 2] == 'x' &&
		      memcmp(b.bytes[0].ptr + len - 3, "end", 3) == 0);
	}
	parq_column_reader_close(cr);
	parq_reader_close(r);
	parq_buf_free(&f);
}

int main(void)
{
	test_declared_sizes();
	test_check_function();
	test_value_counts();
	test_long_row();
	test_delta_streams();
	test_schema_paths();
	test_page_index_lengths();
	test_nesting();
	test_big_page();
	printf("test_limits: slowest refusal %.3f s of CPU (%s)\n", slowest, slowest_what);
	return test_report("test_limits");
}
