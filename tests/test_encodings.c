/* DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT: encoder/decoder round trips at every width, streams
 * other writers produce (deltas computed in 64 bits for INT32), the spec's
 * examples, malformed input, and the writer's per-column encoding choice. */
#include <limits.h>
#include <unistd.h>

#include "encodings.h"
#include "thrift.h"
#include "parq/meta.h"
#include "test.h"

static uint64_t seed = 777;

typedef struct out_bufs {
	parq_buf vals, heap;
	parq_bytes *views;
	size_t cap_views;
	parq_decoded dec;
} out_bufs;

static void out_init(out_bufs *o)
{
	memset(o, 0, sizeof *o);
	o->dec = (parq_decoded){.vals = &o->vals, .views = &o->views, .cap_views = &o->cap_views, .heap = &o->heap};
}

static void out_free(out_bufs *o)
{
	parq_buf_free(&o->vals);
	parq_buf_free(&o->heap);
	free(o->views);
}

static parq_node leaf_of(parq_type t, int32_t type_length)
{
	parq_node n;
	memset(&n, 0, sizeof n);
	n.type = t;
	n.type_length = type_length;
	return n;
}

/* ---- DELTA_BINARY_PACKED ---- */

static int64_t gen_value(int pattern, size_t i, int width)
{
	uint64_t r = test_rand(&seed);
	switch (pattern) {
	case 0: return 1700000000000 + (int64_t)i * 37;                      /* timestamps */
	case 1: return (int64_t)(r % 1000) - 500;                           /* small, signed */
	case 2: return width == 4 ? (int64_t)(int32_t)(uint32_t)r : (int64_t)r; /* full range */
	case 3: return (i & 1) ? (width == 4 ? INT32_MAX : INT64_MAX)
	                       : (width == 4 ? INT32_MIN : INT64_MIN);       /* widest deltas */
	case 4: return 5000000 - (int64_t)i * 3;                            /* decreasing */
	default: return 42;                                                 /* constant */
	}
}

static void dbp_roundtrip(int width, int pattern, size_t n)
{
	int64_t *v64 = malloc((n + 1) * 8);
	int32_t *v32 = malloc((n + 1) * 4);
	for (size_t i = 0; i < n; i++) {
		v64[i] = gen_value(pattern, i, width);
		v32[i] = (int32_t)v64[i];
	}
	parq_buf enc = {0};
	CHECK_OK(parq_encode_delta_binary(&enc, width == 4 ? (void *)v32 : (void *)v64, n, width));
	parq_node leaf = leaf_of(width == 4 ? PARQ_INT32 : PARQ_INT64, 0);
	out_bufs o;
	out_init(&o);
	int rc = parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, enc.data, enc.len, n, &o.dec);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(o.vals.len, n * (size_t)width);
	if (!rc && o.vals.len == n * (size_t)width && n) {
		if (memcmp(o.vals.data, width == 4 ? (void *)v32 : (void *)v64, n * (size_t)width) != 0) {
			test_failures++;
			fprintf(stderr, "DBP width %d pattern %d n %zu: values differ\n", width, pattern, n);
		}
		test_checks++;
	}
	/* fewer values than the stream holds (a page's leading values) */
	if (n > 3) {
		o.vals.len = 0;
		CHECK_OK(parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, enc.data, enc.len, n / 2, &o.dec));
		CHECK_EQ_INT(o.vals.len, n / 2 * (size_t)width);
		CHECK_MEM(o.vals.data, width == 4 ? (void *)v32 : (void *)v64, n / 2 * (size_t)width);
	}
	/* more values than it holds fail cleanly; a truncated stream fails or,
	 * cut only in the last miniblock's padding, still gives the values */
	o.vals.len = 0;
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, enc.data, enc.len, n + 1, &o.dec),
	             PARQ_ECORRUPT);
	if (n > 1) {
		for (size_t cut = 0; cut < enc.len; cut += 1 + enc.len / 40) {
			o.vals.len = 0;
			rc = parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, enc.data, cut, n, &o.dec);
			if (cut < enc.len / 2 || rc != 0)
				CHECK_EQ_INT(rc, PARQ_ECORRUPT);
			else
				CHECK_MEM(o.vals.data, width == 4 ? (void *)v32 : (void *)v64, n * (size_t)width);
		}
	}
	out_free(&o);
	parq_buf_free(&enc);
	free(v64);
	free(v32);
}

static void test_dbp_roundtrips(void)
{
	static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 1000, 4097};
	for (int w = 4; w <= 8; w += 4)
		for (int p = 0; p < 6; p++)
			for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
				dbp_roundtrip(w, p, sizes[k]);
}

/* Appends an unsigned LEB128 varint. */
static void put_varint(parq_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		parq_buf_push(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	parq_buf_push(b, (uint8_t)v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Packs n values of bw bits, least significant bit first. */
static void put_bits(parq_buf *b, const uint64_t *v, size_t n, int bw)
{
	size_t bytes = (n * (size_t)bw + 7) / 8, at = b->len;
	parq_buf_reserve(b, bytes);
	memset(b->data + at, 0, bytes);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < bw; k++)
			if (v[i] >> k & 1) {
				size_t bit = i * (size_t)bw + (size_t)k;
				b->data[at + bit / 8] |= (uint8_t)(1u << (bit % 8));
			}
	b->len += bytes;
}

/* INT32 values whose deltas a writer computed in 64 bits: a miniblock of
 * 33 bits (DuckDB writes such streams); the sums wrap to 32 bits. */
static void test_dbp_int32_wide_deltas(void)
{
	const int32_t want[] = {0, INT32_MAX, INT32_MIN, 7};
	int64_t deltas[3], min = INT64_MAX;
	for (int i = 0; i < 3; i++) {
		deltas[i] = (int64_t)want[i + 1] - (int64_t)want[i];
		if (deltas[i] < min)
			min = deltas[i];
	}
	parq_buf b = {0};
	put_varint(&b, 128);
	put_varint(&b, 4);
	put_varint(&b, 4);
	put_varint(&b, zigzag(want[0]));
	put_varint(&b, zigzag(min));
	const uint8_t widths[4] = {33, 0, 0, 0};
	parq_buf_append(&b, widths, 4);
	uint64_t packed[32] = {0};
	for (int i = 0; i < 3; i++)
		packed[i] = (uint64_t)(deltas[i] - min);
	put_bits(&b, packed, 32, 33);
	parq_node leaf = leaf_of(PARQ_INT32, 0);
	out_bufs o;
	out_init(&o);
	CHECK_OK(parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, b.data, b.len, 4, &o.dec));
	CHECK_EQ_INT(o.vals.len, sizeof want);
	CHECK_MEM(o.vals.data, want, sizeof want);
	/* a width past 64 is corrupt */
	b.data[b.len - 33 * 4 - 4] = 65;
	o.vals.len = 0;
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, b.data, b.len, 4, &o.dec), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "bit width 65") != NULL);
	out_free(&o);
	parq_buf_free(&b);
}

/* Encodings.md, example 1: 1..5 is block 128, 4 miniblocks, 5 values,
 * first value 1, min delta 1, all widths 0. */
static void test_dbp_spec_example(void)
{
	const int64_t v[] = {1, 2, 3, 4, 5};
	parq_buf b = {0};
	CHECK_OK(parq_encode_delta_binary(&b, v, 5, 8));
	const uint8_t want[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0};
	CHECK_EQ_INT(b.len, sizeof want);
	CHECK_MEM(b.data, want, sizeof want);
	/* a block size that is not a multiple of 128 is refused */
	const uint8_t bad[] = {0x40, 0x04, 0x05, 0x02};
	parq_node leaf = leaf_of(PARQ_INT64, 0);
	out_bufs o;
	out_init(&o);
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_BINARY_PACKED, &leaf, bad, sizeof bad, 1, &o.dec),
	             PARQ_ECORRUPT);
	out_free(&o);
	parq_buf_free(&b);
}

/* ---- byte arrays ---- */

static void put_lengths(parq_buf *b, const int32_t *len, size_t n)
{
	parq_encode_delta_binary(b, len, n, 4);
}

static void test_delta_length_byte_array(void)
{
	const char *words[] = {"Hello", "World", "Foobar", "ABCDEF", ""};
	int32_t lens[5];
	parq_buf b = {0};
	for (int i = 0; i < 5; i++)
		lens[i] = (int32_t)strlen(words[i]);
	put_lengths(&b, lens, 5);
	for (int i = 0; i < 5; i++)
		parq_buf_append(&b, words[i], strlen(words[i]));
	parq_node leaf = leaf_of(PARQ_BYTE_ARRAY, 0);
	out_bufs o;
	out_init(&o);
	CHECK_OK(parq_decode_values(PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY, &leaf, b.data, b.len, 5, &o.dec));
	for (int i = 0; i < 5; i++) {
		CHECK_EQ_INT(o.views[i].len, strlen(words[i]));
		CHECK_MEM(o.views[i].ptr, words[i], strlen(words[i]));
	}
	/* a length past the data */
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY, &leaf, b.data, b.len - 1, 5, &o.dec),
	             PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "DELTA_LENGTH_BYTE_ARRAY") != NULL);
	out_free(&o);
	parq_buf_free(&b);
}

static void test_delta_byte_array(void)
{
	/* Encodings.md: axis, axle, babble, babyhood */
	const char *words[] = {"axis", "axle", "babble", "babyhood"};
	const int32_t prefix[] = {0, 2, 0, 3};
	const char *suffix[] = {"axis", "le", "babble", "yhood"};
	int32_t slen[4];
	parq_buf b = {0};
	put_lengths(&b, prefix, 4);
	for (int i = 0; i < 4; i++)
		slen[i] = (int32_t)strlen(suffix[i]);
	put_lengths(&b, slen, 4);
	for (int i = 0; i < 4; i++)
		parq_buf_append(&b, suffix[i], strlen(suffix[i]));
	parq_node leaf = leaf_of(PARQ_BYTE_ARRAY, 0);
	out_bufs o;
	out_init(&o);
	CHECK_OK(parq_decode_values(PARQ_ENC_DELTA_BYTE_ARRAY, &leaf, b.data, b.len, 4, &o.dec));
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(o.views[i].len, strlen(words[i]));
		CHECK_MEM(o.views[i].ptr, words[i], strlen(words[i]));
	}
	/* as FIXED_LEN_BYTE_ARRAY(4) the values must all be 4 bytes */
	parq_node flba = leaf_of(PARQ_FIXED_LEN_BYTE_ARRAY, 4);
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_BYTE_ARRAY, &flba, b.data, b.len, 4, &o.dec), PARQ_ECORRUPT);
	/* a prefix longer than the previous value */
	parq_buf bad = {0};
	const int32_t bad_prefix[] = {0, 9};
	const int32_t bad_len[] = {2, 1};
	put_lengths(&bad, bad_prefix, 2);
	put_lengths(&bad, bad_len, 2);
	parq_buf_append(&bad, "abc", 3);
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_DELTA_BYTE_ARRAY, &leaf, bad.data, bad.len, 2, &o.dec), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "reuses 9 bytes") != NULL);
	out_free(&o);
	parq_buf_free(&b);
	parq_buf_free(&bad);
}

static void test_byte_stream_split(void)
{
	const float f[3] = {1.5f, -2.25f, 3.0e10f};
	uint8_t raw[12], split[12];
	memcpy(raw, f, 12);
	for (int j = 0; j < 4; j++)
		for (int i = 0; i < 3; i++)
			split[j * 3 + i] = raw[i * 4 + j];
	parq_node leaf = leaf_of(PARQ_FLOAT, 0);
	out_bufs o;
	out_init(&o);
	CHECK_OK(parq_decode_values(PARQ_ENC_BYTE_STREAM_SPLIT, &leaf, split, 12, 3, &o.dec));
	CHECK_EQ_INT(o.vals.len, 12);
	CHECK_MEM(o.vals.data, f, 12);
	/* FIXED_LEN_BYTE_ARRAY(3) */
	const uint8_t fl[6] = {'a', 'b', 'c', 'x', 'y', 'z'};
	const uint8_t fl_split[6] = {'a', 'x', 'b', 'y', 'c', 'z'};
	parq_node flba = leaf_of(PARQ_FIXED_LEN_BYTE_ARRAY, 3);
	o.vals.len = 0;
	CHECK_OK(parq_decode_values(PARQ_ENC_BYTE_STREAM_SPLIT, &flba, fl_split, 6, 2, &o.dec));
	CHECK_MEM(o.vals.data, fl, 6);
	/* too few bytes */
	o.vals.len = 0;
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_BYTE_STREAM_SPLIT, &leaf, split, 11, 3, &o.dec), PARQ_ECORRUPT);
	/* not for byte arrays */
	parq_node ba = leaf_of(PARQ_BYTE_ARRAY, 0);
	CHECK_EQ_INT(parq_decode_values(PARQ_ENC_BYTE_STREAM_SPLIT, &ba, split, 12, 3, &o.dec), PARQ_EUNSUPPORTED);
	out_free(&o);
	/* a page of nulls: no values, into buffers that hold no memory yet
	 * (the sanitizer build catches arithmetic on their NULL pointers) */
	out_init(&o);
	CHECK_OK(parq_decode_values(PARQ_ENC_BYTE_STREAM_SPLIT, &leaf, split, 0, 0, &o.dec));
	CHECK_EQ_INT(o.vals.len, 0);
	out_free(&o);
}

/* ---- the writer's choice ---- */

#define ROWS 50000

static bool chunk_has(const parq_meta_column *m, int enc)
{
	for (uint32_t i = 0; i < m->n_encodings; i++)
		if (m->encodings[i] == enc)
			return true;
	return false;
}

/* Creates the file path names (a mkstemp template), to be written over. */
static void temp_file(char *path)
{
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
}

/* Writes the n rows of cols to path with options o (NULL: the
 * defaults) and opens the file. */
static parq_reader *write_and_open(const char *path, const parq_schema *s, const parq_column_batch *cols, int64_t n,
                                   const parq_writer_options *o)
{
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, o));
	CHECK_OK(parq_writer_write(w, cols, n));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_reader *r = NULL;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	REQUIRE(r);
	return r;
}

/* Column leaf of r reads back as `rows` rows whose `values` non-null
 * values are want[0..values), byte for byte. */
static void check_strings(parq_reader *r, int leaf, const parq_bytes *want, int64_t rows, int64_t values)
{
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, leaf, NULL, 0));
	parq_column_batch b;
	int64_t nr = 0, at = 0, bad = 0;
	while (parq_column_reader_read(cr, 4096, &b) == 0 && b.num_rows) {
		nr += b.num_rows;
		for (int64_t i = 0; i < b.num_values; i++, at++)
			bad += at >= values || b.bytes[i].len != want[at].len ||
			       memcmp(b.bytes[i].ptr, want[at].ptr, b.bytes[i].len) != 0;
	}
	CHECK_EQ_INT(nr, rows);
	CHECK_EQ_INT(at, values);
	CHECK_EQ_INT(bad, 0);
	parq_column_reader_close(cr);
}

/* Writes ts (sequential INT64), noise (random INT64), code (INT32) and
 * name (string) with the given encoding option for every integer column;
 * checks what the footer says and that every value reads back. */
static void writer_case(int encoding, bool dictionary)
{
	char path[] = "/tmp/parq_encodings_XXXXXX";
	temp_file(path);
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "ts", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "noise", PARQ_INT64, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "code", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	static int64_t ts[ROWS], noise[ROWS];
	static int32_t code[ROWS];
	static int16_t ndef[ROWS];
	static parq_bytes names[ROWS];
	int64_t nn = 0;
	for (int i = 0; i < ROWS; i++) {
		ts[i] = 1700000000000 + i * 1000 + (int64_t)(test_rand(&seed) % 1000);
		ndef[i] = i % 10 != 3;
		if (ndef[i])
			noise[nn++] = (int64_t)test_rand(&seed);
		code[i] = (int32_t)(i * 7);
		names[i] = (parq_bytes){(const uint8_t *)"host", 4};
	}
	static int16_t all[ROWS];
	for (int i = 0; i < ROWS; i++)
		all[i] = 1;
	parq_column_batch cols[4] = {
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .values = ts},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = nn, .def_levels = ndef, .values = noise},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .values = code},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .def_levels = all, .bytes = names},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	o.dictionary = dictionary;
	o.row_group_rows = 20000;
	parq_column_options co[3];
	for (int l = 0; l < 3; l++) {
		parq_column_options_default(&co[l], l);
		co[l].encoding = encoding;
	}
	o.columns = co;
	o.n_columns = 3;
	parq_reader *r = write_and_open(path, s, cols, ROWS, &o);
	const parq_file_meta *fm = parq_reader_metadata(r);
	REQUIRE(fm->n_row_groups == 3);
	for (uint32_t g = 0; g < fm->n_row_groups; g++) {
		const parq_meta_column *ts_m = &fm->row_groups[g].columns[0].meta;
		const parq_meta_column *noise_m = &fm->row_groups[g].columns[1].meta;
		const parq_meta_column *code_m = &fm->row_groups[g].columns[2].meta;
		if (encoding == PARQ_ENC_PLAIN) {
			CHECK(!chunk_has(ts_m, PARQ_ENC_DELTA_BINARY_PACKED));
			CHECK(!chunk_has(code_m, PARQ_ENC_DELTA_BINARY_PACKED));
		} else if (encoding == PARQ_ENC_DELTA_BINARY_PACKED) {
			CHECK(chunk_has(noise_m, PARQ_ENC_DELTA_BINARY_PACKED) || chunk_has(noise_m, PARQ_ENC_RLE_DICTIONARY));
			CHECK(chunk_has(ts_m, PARQ_ENC_DELTA_BINARY_PACKED));
		} else {
			/* automatic: the sequence shrinks, the noise does not */
			CHECK(chunk_has(ts_m, PARQ_ENC_DELTA_BINARY_PACKED));
			CHECK(chunk_has(code_m, PARQ_ENC_DELTA_BINARY_PACKED) || chunk_has(code_m, PARQ_ENC_RLE_DICTIONARY));
			CHECK(!chunk_has(noise_m, PARQ_ENC_DELTA_BINARY_PACKED));
		}
		/* encoding stats count the delta pages */
		if (chunk_has(ts_m, PARQ_ENC_DELTA_BINARY_PACKED)) {
			bool found = false;
			for (uint32_t k = 0; k < ts_m->n_enc_stats; k++)
				found |= ts_m->enc_stats[k].encoding == PARQ_ENC_DELTA_BINARY_PACKED && ts_m->enc_stats[k].count > 0;
			CHECK(found);
		}
	}
	int64_t vals_seen[3] = {0};
	for (int l = 0; l < 3; l++) {
		parq_column_reader *cr;
		CHECK_OK(parq_column_reader_open(&cr, r, l, NULL, 0));
		int64_t row = 0, v = 0;
		parq_column_batch b;
		/* read batches that do not line up with pages */
		while (parq_column_reader_read(cr, 777, &b) == 0 && b.num_rows) {
			for (int64_t i = 0; i < b.num_values; i++, v++) {
				if (l == 0)
					CHECK(((const int64_t *)b.values)[i] == ts[row + i]);
				else if (l == 1)
					CHECK(((const int64_t *)b.values)[i] == noise[v]);
				else
					CHECK(((const int32_t *)b.values)[i] == code[row + i]);
			}
			row += b.num_rows;
		}
		vals_seen[l] = v;
		parq_column_reader_close(cr);
	}
	CHECK_EQ_INT(vals_seen[0], ROWS);
	CHECK_EQ_INT(vals_seen[1], nn);
	CHECK_EQ_INT(vals_seen[2], ROWS);
	parq_reader_close(r);
	unlink(path);
	parq_schema_free(s);
}

static void test_writer_encoding_choice(void)
{
	writer_case(-1, false);
	writer_case(-1, true);
	writer_case(PARQ_ENC_PLAIN, false);
	writer_case(PARQ_ENC_DELTA_BINARY_PACKED, false);
	writer_case(PARQ_ENC_DELTA_BINARY_PACKED, true);

	/* DELTA_BINARY_PACKED is for integers only */
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "d", PARQ_DOUBLE, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	parq_writer_options o;
	parq_writer_options_default(&o);
	parq_column_options co;
	parq_column_options_default(&co, 0);
	co.encoding = PARQ_ENC_DELTA_BINARY_PACKED;
	o.columns = &co;
	o.n_columns = 1;
	parq_writer *w = NULL;
	CHECK_EQ_INT(parq_writer_open(&w, "/tmp/parq_encodings_refused.parquet", s, &o), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "DELTA_BINARY_PACKED is not available for DOUBLE") != NULL);
	CHECK(access("/tmp/parq_encodings_refused.parquet", F_OK) != 0);
	/* zstd's tuning within zstd's ranges */
	parq_column_options_default(&co, 0);
	co.zstd_hash_log = 5;
	CHECK_EQ_INT(parq_writer_open(&w, "/tmp/parq_encodings_refused.parquet", s, &o), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "zstd_hash_log 5") != NULL);
	co.zstd_hash_log = 12;
	co.zstd_min_match = 8;
	CHECK_EQ_INT(parq_writer_open(&w, "/tmp/parq_encodings_refused.parquet", s, &o), PARQ_EINVAL);
	CHECK(access("/tmp/parq_encodings_refused.parquet", F_OK) != 0);
	parq_schema_free(s);
}

/* Strings: a dictionary for repeated values, PLAIN for distinct ones. */
static void test_dictionary_choice(void)
{
	char path[] = "/tmp/parq_dict_XXXXXX";
	temp_file(path);
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "server", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "score", PARQ_DOUBLE, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { N = 30000 };
	static char urls[N][48];
	static parq_bytes u[N], sv[N];
	static double score[N];
	static const char *servers[] = {"nginx", "Apache", "cloudflare"};
	for (int i = 0; i < N; i++) {
		snprintf(urls[i], sizeof urls[i], "https://h%d.example.com/p/%d", i % 997, i);
		u[i] = (parq_bytes){(const uint8_t *)urls[i], (uint32_t)strlen(urls[i])};
		sv[i] = (parq_bytes){(const uint8_t *)servers[i % 3], (uint32_t)strlen(servers[i % 3])};
		score[i] = (double)test_rand(&seed) / 7.0;
	}
	parq_column_batch cols[3] = {
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = u},
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = sv},
		{.num_rows = N, .num_levels = N, .num_values = N, .values = score},
	};
	parq_reader *r = write_and_open(path, s, cols, N, NULL);
	const parq_meta_row_group *g = &parq_reader_metadata(r)->row_groups[0];
	CHECK(!chunk_has(&g->columns[0].meta, PARQ_ENC_RLE_DICTIONARY));
	CHECK(chunk_has(&g->columns[1].meta, PARQ_ENC_RLE_DICTIONARY));
	CHECK(!chunk_has(&g->columns[2].meta, PARQ_ENC_RLE_DICTIONARY));
	/* the values read back */
	check_strings(r, 0, u, N, N);
	parq_reader_close(r);
	parq_schema_free(s);
	unlink(path);
}

/* A column whose dictionary did not pay in a row group starts the next
 * seven without one, and tries again in the eighth: "name" is distinct in
 * row group 0 and one repeated value after it; "code" repeats throughout
 * and keeps its dictionary in every row group. Every value reads back. */
static void test_dictionary_skip(void)
{
	char path[] = "/tmp/parq_dskip_XXXXXX";
	temp_file(path);
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "code", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { RG = 1000, GROUPS = 10, N = RG * GROUPS };
	static char names[RG][32];
	static parq_bytes nb[N];
	static int32_t code[N];
	for (int i = 0; i < N; i++) {
		if (i < RG) {
			snprintf(names[i], sizeof names[i], "distinct-%d", i);
			nb[i] = (parq_bytes){(const uint8_t *)names[i], (uint32_t)strlen(names[i])};
		} else {
			nb[i] = (parq_bytes){(const uint8_t *)"same", 4};
		}
		code[i] = 200 + (i % 3) * 100;
	}
	parq_column_batch cols[2] = {
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = nb},
		{.num_rows = N, .num_levels = N, .num_values = N, .values = code},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.row_group_rows = RG;
	parq_reader *r = write_and_open(path, s, cols, N, &o);
	const parq_file_meta *fm = parq_reader_metadata(r);
	REQUIRE(fm->n_row_groups == GROUPS);
	for (uint32_t g = 0; g < GROUPS; g++) {
		bool dict = chunk_has(&fm->row_groups[g].columns[0].meta, PARQ_ENC_RLE_DICTIONARY);
		/* dropped in 0, skipped in 1..7, tried (and kept) from 8 */
		CHECK_EQ_INT(dict, g >= 8);
		CHECK(chunk_has(&fm->row_groups[g].columns[1].meta, PARQ_ENC_RLE_DICTIONARY));
	}
	check_strings(r, 0, nb, N, N);
	parq_reader_close(r);
	parq_schema_free(s);
	unlink(path);
}

/* Mostly distinct values: the chunk's first page ends once its
 * dictionary holds a page's worth of bytes, the dictionary is dropped
 * there and what it held is given back, so that a writer holding the row
 * group keeps it compressed (not a dictionary of the whole chunk); values
 * that repeat keep theirs. Every value reads back. */
static void test_dictionary_memory(void)
{
	char path[] = "/tmp/parq_dmem_XXXXXX";
	temp_file(path);
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "tech", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { N = 30000, TECHS = 500 };
	static char urls[N][48], techs[TECHS][48];
	static parq_bytes u[N], t[N];
	for (int i = 0; i < TECHS; i++)
		snprintf(techs[i], sizeof techs[i], "a-technology-name-%d:%d.%d.%d", i, i % 7, i % 11, i % 13);
	for (int i = 0; i < N; i++) {
		snprintf(urls[i], sizeof urls[i], "https://h%d.example.com/p/%d", i % 997, i);
		u[i] = (parq_bytes){(const uint8_t *)urls[i], (uint32_t)strlen(urls[i])};
		const char *x = techs[(i * 7919) % TECHS];
		t[i] = (parq_bytes){(const uint8_t *)x, (uint32_t)strlen(x)};
	}
	parq_column_batch cols[2] = {
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = u},
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = t},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	o.page_bytes = (size_t)64 << 10;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	CHECK_OK(parq_writer_write(w, cols, N));
	/* 1,060,000 bytes of URLs and 900,000 of names held: about 200 KB
	 * of compressed pages, a dictionary of 500 names, the open pages */
	int64_t held = parq_writer_memory(w);
	CHECK(held < (512 << 10));
	if (held >= (512 << 10))
		fprintf(stderr, "test_dictionary_memory: the writer holds %lld bytes\n", (long long)held);
	CHECK_OK(parq_writer_close(w, NULL));
	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	const parq_meta_row_group *g = &parq_reader_metadata(r)->row_groups[0];
	CHECK(!chunk_has(&g->columns[0].meta, PARQ_ENC_RLE_DICTIONARY));
	CHECK(chunk_has(&g->columns[1].meta, PARQ_ENC_RLE_DICTIONARY));
	check_strings(r, 0, u, N, N);
	check_strings(r, 1, t, N, N);
	parq_reader_close(r);
	parq_schema_free(s);
	unlink(path);
}

/* A chunk of a few values in one page (a file of a handful of rows): no
 * dictionary page where PLAIN is no larger, and stored uncompressed where
 * the codec would not shrink it (the chunk's codec says so); a chunk that
 * compresses keeps the codec, and one of repeated values its dictionary.
 * Every value reads back. */
static void test_tiny_chunks(void)
{
	char path[] = "/tmp/parq_tiny_XXXXXX";
	temp_file(path);
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "empty", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "body", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "server", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { N = 3 };
	static char body[N][2000];
	parq_bytes u[N], b[N], sv[N];
	int16_t nodef[N] = {0, 0, 0};
	for (int i = 0; i < N; i++) {
		for (int k = 0; k < 1999; k++)
			body[i][k] = "<html><body>hello</body></html>\n"[k % 32];
		body[i][1999] = 0;
		static const char *hosts[N] = {"https://a.io/", "https://b.io/", "https://c.io/"};
		u[i] = (parq_bytes){(const uint8_t *)hosts[i], 13};
		b[i] = (parq_bytes){(const uint8_t *)body[i], 1999};
		/* 40 bytes repeated: a dictionary of one is smaller than three copies */
		sv[i] = (parq_bytes){(const uint8_t *)"a-rather-long-server-banner/1.2.3 (Unix)", 40};
	}
	parq_column_batch cols[4] = {
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = u},
		{.num_rows = N, .num_levels = N, .num_values = 0, .def_levels = nodef},
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = b},
		{.num_rows = N, .num_levels = N, .num_values = N, .bytes = sv},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	parq_reader *r = write_and_open(path, s, cols, N, &o);
	const parq_meta_row_group *g = &parq_reader_metadata(r)->row_groups[0];
	/* url: three distinct short values, PLAIN and raw */
	CHECK(!chunk_has(&g->columns[0].meta, PARQ_ENC_RLE_DICTIONARY));
	CHECK(!g->columns[0].meta.has_dictionary_page_offset);
	CHECK_EQ_INT(g->columns[0].meta.codec, PARQ_CODEC_UNCOMPRESSED);
	/* every value null: no dictionary page at all */
	CHECK(!g->columns[1].meta.has_dictionary_page_offset);
	CHECK_EQ_INT(g->columns[1].meta.codec, PARQ_CODEC_UNCOMPRESSED);
	/* a body that compresses keeps the file's codec */
	CHECK_EQ_INT(g->columns[2].meta.codec, PARQ_CODEC_ZSTD);
	CHECK(g->columns[2].meta.total_compressed_size < g->columns[2].meta.total_uncompressed_size);
	/* a repeated value keeps its dictionary (two pages: compressed as written) */
	CHECK(chunk_has(&g->columns[3].meta, PARQ_ENC_RLE_DICTIONARY));
	CHECK_EQ_INT(g->columns[3].meta.codec, PARQ_CODEC_ZSTD);
	const parq_bytes *want[4] = {u, NULL, b, sv};
	for (int c = 0; c < 4; c++)
		check_strings(r, c, want[c], N, want[c] ? N : 0);
	parq_reader_close(r);
	parq_schema_free(s);
	unlink(path);
}

/* Levels and dictionary indices that stay one value through a page (a
 * column null throughout, a status that does not change) hold no array:
 * a writer of 40 such columns holds a few kilobytes, not 40 arrays of a
 * page's levels. Where the values start to differ, mid-batch and mid-page,
 * every level and value reads back as written. */
static void test_uniform_pages(void)
{
	char path[] = "/tmp/parq_uniform_XXXXXX";
	temp_file(path);
	enum { NULLS = 40, N = 6000, BATCH = 700 };
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	for (int k = 0; k < NULLS; k++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", k);
		CHECK_OK(parq_schema_add_leaf(s, NULL, name, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	}
	CHECK_OK(parq_schema_add_leaf(s, NULL, "code", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	static int16_t none[N], cdef[N], ndef[N];
	static int32_t code[N];
	static parq_bytes name[N];
	static const char *const names[] = {"nginx", "apache", "caddy"};
	int64_t nc = 0, nn = 0;
	for (int i = 0; i < N; i++) {
		/* present and 200 for 1,500 rows, then mixed codes and nulls */
		cdef[i] = i < 1500 || i % 7 != 0;
		if (cdef[i])
			code[nc++] = i < 1500 ? 200 : 200 + i % 5;
		/* present for 1,000 rows, null for 1,000, then alternating */
		ndef[i] = i < 1000 || (i >= 2000 && i % 2);
		if (ndef[i])
			name[nn++] = (parq_bytes){(const uint8_t *)names[i < 1000 ? 0 : i % 3], (uint32_t)strlen(names[i < 1000 ? 0 : i % 3])};
	}
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 4096;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	static parq_column_batch b[NULLS + 2];
	int64_t ci = 0, ni = 0;
	for (int at = 0; at < N; at += BATCH) {
		int n = N - at < BATCH ? N - at : BATCH;
		int64_t cv = 0, nv = 0;
		for (int i = at; i < at + n; i++) {
			cv += cdef[i];
			nv += ndef[i];
		}
		for (int k = 0; k < NULLS; k++)
			b[k] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = 0, .def_levels = none};
		b[NULLS] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = cv, .def_levels = cdef + at, .values = code + ci};
		b[NULLS + 1] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = nv, .def_levels = ndef + at, .bytes = name + ni};
		CHECK_OK(parq_writer_write(w, b, n));
		ci += cv;
		ni += nv;
		if (at == 0) {
			/* 700 rows, every column one value: no level or index array */
			int64_t held = parq_writer_memory(w);
			CHECK(held < (48 << 10));
			if (held >= (48 << 10))
				fprintf(stderr, "test_uniform_pages: the writer holds %lld bytes\n", (long long)held);
		}
	}
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);

	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	CHECK_EQ_INT(parq_reader_num_rows(r), N);
	for (int leaf = 0; leaf < NULLS + 2; leaf += leaf == 0 ? NULLS - 1 : 1) {
		parq_column_reader *cr;
		CHECK_OK(parq_column_reader_open(&cr, r, leaf, NULL, 0));
		parq_column_batch rb;
		int64_t rows = 0, vals = 0, bad = 0;
		while (parq_column_reader_read(cr, 1000, &rb) == 0 && rb.num_rows) {
			for (int64_t i = 0; i < rb.num_levels; i++) {
				int64_t row = rows + i;
				int16_t want = leaf < NULLS ? 0 : leaf == NULLS ? cdef[row] : ndef[row];
				bad += rb.def_levels[i] != want;
			}
			for (int64_t i = 0; i < rb.num_values; i++, vals++) {
				if (leaf == NULLS)
					bad += vals >= nc || ((const int32_t *)rb.values)[i] != code[vals];
				else
					bad += vals >= nn || rb.bytes[i].len != name[vals].len ||
					       memcmp(rb.bytes[i].ptr, name[vals].ptr, name[vals].len) != 0;
			}
			rows += rb.num_rows;
		}
		CHECK_EQ_INT(rows, N);
		CHECK_EQ_INT(vals, leaf < NULLS ? 0 : leaf == NULLS ? nc : nn);
		CHECK_EQ_INT(bad, 0);
		parq_column_reader_close(cr);
	}
	parq_reader_close(r);
	unlink(path);
}

static bool bytes_less(parq_bytes a, parq_bytes b)
{
	size_t m = a.len < b.len ? a.len : b.len;
	int c = m ? memcmp(a.ptr, b.ptr, m) : 0;
	return c < 0 || (c == 0 && a.len < b.len);
}

/* Byte strings' min and max of b[0..n), unsigned bytewise. */
static void bytes_bounds(const parq_bytes *b, size_t n, parq_bytes *lo, parq_bytes *hi)
{
	for (size_t i = 0; i < n; i++) {
		if (!i || bytes_less(b[i], *lo))
			*lo = b[i];
		if (!i || bytes_less(*hi, b[i]))
			*hi = b[i];
	}
}

static bool same_bytes(parq_bytes a, parq_bytes b)
{
	return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

/* The statistics of a dictionary-encoded string column, whose pages fold
 * each entry once: every page's bounds in the column index and the
 * chunk's are those of its values, over pages that share entries, repeat
 * them row after row and bring new ones. */
static void test_dictionary_page_stats(void)
{
	char path[] = "/tmp/parq_dictstats_XXXXXX";
	temp_file(path);
	enum { N = 20000, BATCH = 1500 };
	parq_schema *s;
	parq_logical S = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "tech", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	static char text[N][16];
	static parq_bytes v[N];
	static int16_t def[N];
	static int64_t row_value[N]; /* the value of a row, or -1 */
	int64_t nv = 0;
	for (int i = 0; i < N; i++) {
		def[i] = test_rand(&seed) % 5 != 0;
		row_value[i] = -1;
		if (!def[i])
			continue;
		/* runs of one value, a few common ones, and rarer ones that
		 * appear in later pages only */
		uint64_t r = test_rand(&seed);
		int k = i % 500 < 40 ? 7 : r % 4 ? (int)(r % 12) : (int)(i / 1000 * 10 + r % 10);
		snprintf(text[nv], sizeof text[nv], "%c%03d", "mxaz"[k % 4], k);
		v[nv] = (parq_bytes){(const uint8_t *)text[nv], (uint32_t)strlen(text[nv])};
		row_value[i] = nv++;
	}
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 1000; /* 20 pages */
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	for (int at = 0, vi = 0; at < N; at += BATCH) {
		int n = N - at < BATCH ? N - at : BATCH, m = 0;
		for (int i = at; i < at + n; i++)
			m += def[i];
		parq_column_batch b = {.num_rows = n, .num_levels = n, .num_values = m, .def_levels = def + at, .bytes = v + vi};
		CHECK_OK(parq_writer_write(w, &b, n));
		vi += m;
	}
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);

	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	const parq_meta_chunk *ch = &parq_reader_metadata(r)->row_groups[0].columns[0];
	CHECK(chunk_has(&ch->meta, PARQ_ENC_RLE_DICTIONARY));
	parq_bytes lo = {0}, hi = {0};
	bytes_bounds(v, (size_t)nv, &lo, &hi);
	const parq_meta_stats *st = &ch->meta.stats;
	CHECK(ch->meta.has_stats && st->has_min_value && st->has_max_value);
	CHECK(same_bytes(st->min_value, lo) && same_bytes(st->max_value, hi));
	CHECK_EQ_INT(st->null_count, N - nv);

	REQUIRE(ch->has_column_index_offset && ch->has_offset_index_offset);
	uint8_t *cb = malloc((size_t)ch->column_index_length), *ob = malloc((size_t)ch->offset_index_length);
	REQUIRE(cb && ob);
	CHECK_OK(parq_reader_pread(r, cb, (size_t)ch->column_index_length, ch->column_index_offset));
	CHECK_OK(parq_reader_pread(r, ob, (size_t)ch->offset_index_length, ch->offset_index_offset));
	parq_arena a;
	parq_arena_init(&a, 0);
	parq_meta_column_index ci;
	parq_meta_offset_index oi;
	CHECK_OK(parq_meta_decode_column_index(&a, cb, (size_t)ch->column_index_length, &ci));
	CHECK_OK(parq_meta_decode_offset_index(&a, ob, (size_t)ch->offset_index_length, &oi));
	CHECK(oi.n_page_locations >= 10 && ci.n_min_values == oi.n_page_locations);
	int bad = 0;
	for (uint32_t p = 0; p < oi.n_page_locations && p < ci.n_min_values; p++) {
		int64_t from = oi.page_locations[p].first_row_index;
		int64_t to = p + 1 < oi.n_page_locations ? oi.page_locations[p + 1].first_row_index : N;
		int64_t first = -1, last = -1;
		for (int64_t i = from; i < to; i++)
			if (row_value[i] >= 0) {
				if (first < 0)
					first = row_value[i];
				last = row_value[i];
			}
		if (first < 0) {
			bad += !ci.null_pages[p];
			continue;
		}
		parq_bytes plo = {0}, phi = {0};
		bytes_bounds(v + first, (size_t)(last - first + 1), &plo, &phi);
		bad += ci.null_pages[p] || !same_bytes(ci.min_values[p], plo) || !same_bytes(ci.max_values[p], phi);
	}
	CHECK_EQ_INT(bad, 0);
	parq_arena_free(&a);
	free(cb);
	free(ob);
	parq_reader_close(r);
	unlink(path);
}

int main(void)
{
	test_dbp_roundtrips();
	test_dbp_int32_wide_deltas();
	test_dbp_spec_example();
	test_delta_length_byte_array();
	test_delta_byte_array();
	test_byte_stream_split();
	test_writer_encoding_choice();
	test_dictionary_choice();
	test_dictionary_skip();
	test_dictionary_page_stats();
	test_tiny_chunks();
	test_dictionary_memory();
	test_uniform_pages();
	return test_report("test_encodings");
}
