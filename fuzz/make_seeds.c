/* Writes the seed corpora of the fuzz harnesses: `fuzz_seeds DIR` fills
 * DIR/<harness>/ with small inputs made by libparq's own writer and by
 * hand (files whose encodings the writer does not produce: the DELTA byte
 * array encodings, BYTE_STREAM_SPLIT, RLE booleans, legacy BIT_PACKED
 * levels, Hadoop-framed LZ4). Every seed stays a few KB; the output is the
 * same on every run. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "encodings.h"
#include "rle.h"
#include "thrift.h"

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_seeds: %s: %s\n", what, parq_errmsg()[0] ? parq_errmsg() : strerror(errno));
	exit(1);
}

#define OK(expr) do { if ((expr) != 0) die(#expr); } while (0)

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", outdir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die(path);
}

/* A seed whose first bytes are harness parameters, followed by a body. */
static void put_with(const char *target, const char *name, const uint8_t *head, size_t hn, const void *body,
                     size_t bn)
{
	uint8_t *b = malloc(hn + bn + 1);
	memcpy(b, head, hn);
	if (bn)
		memcpy(b + hn, body, bn);
	put(target, name, b, hn + bn);
	free(b);
}

static void put_str(const char *target, const char *name, const char *s) { put(target, name, s, strlen(s)); }

/* Each of v[0..n) as a seed named by fmt and its index. */
static void put_strs(const char *target, const char *fmt, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, fmt, i);
		put_str(target, name, v[i]);
	}
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)len + 1);
	if (fread(b, 1, (size_t)len, f) != (size_t)len)
		die(path);
	fclose(f);
	*n = (size_t)len;
	return b;
}

static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* The footer of a file, and its first page header (with a little of its
 * body), as seeds of the footer, page header and Thrift harnesses. */
static void put_parts(const char *name, const uint8_t *file, size_t n)
{
	uint32_t flen = get_u32(file + n - 8);
	const uint8_t *footer = file + n - 8 - flen;
	put("footer", name, footer, flen);
	put("thrift", name, footer, flen);
	parq_meta_page_header h;
	size_t hl;
	if (parq_meta_decode_page_header(file + 4, n - 4, &h, &hl) == 0) {
		size_t k = hl + 16 < n - 4 ? hl + 16 : n - 4;
		put("page_header", name, file + 4, k);
		char tname[256];
		snprintf(tname, sizeof tname, "ph_%s", name);
		put("thrift", tname, file + 4, hl);
	}
	/* the page index of the first chunk, when there is one */
	parq_arena a;
	parq_arena_init(&a, 0);
	parq_file_meta m;
	if (parq_meta_decode_file(&a, footer, flen, &m) == 0 && m.n_row_groups && m.row_groups[0].n_columns) {
		const parq_meta_chunk *c = &m.row_groups[0].columns[0];
		char tname[256];
		if (c->has_column_index_offset && c->column_index_length > 0 &&
		    (uint64_t)c->column_index_offset + (uint64_t)c->column_index_length <= n) {
			snprintf(tname, sizeof tname, "ci_%s", name);
			put("thrift", tname, file + c->column_index_offset, (size_t)c->column_index_length);
		}
		if (c->has_offset_index_offset && c->offset_index_length > 0 &&
		    (uint64_t)c->offset_index_offset + (uint64_t)c->offset_index_length <= n) {
			snprintf(tname, sizeof tname, "oi_%s", name);
			put("thrift", tname, file + c->offset_index_offset, (size_t)c->offset_index_length);
		}
		if (c->has_meta && c->meta.has_bloom_filter_offset && (uint64_t)c->meta.bloom_filter_offset + 32 <= n) {
			snprintf(tname, sizeof tname, "bloom_%s", name);
			put("thrift", tname, file + c->meta.bloom_filter_offset, 32);
		}
	}
	parq_arena_free(&a);
}

static void put_file(const char *name, const uint8_t *file, size_t n)
{
	put("read", name, file, n);
	put_parts(name, file, n);
}

/* ---- files from the writer ---- */

static const char *words[] = {"alpha", "beta", "gamma", "delta", "", "epsilon", "https://example.com/a?b=c",
                              "\xc3\xa9t\xc3\xa9"};

typedef struct wspec {
	const char *name;
	parq_codec codec;
	int version;
	bool dictionary, crc, bloom, delta, small_pages;
	int rows;
} wspec;

/* id INT64, name optional STRING, tags LIST<STRING>, flag optional BOOLEAN,
 * score DOUBLE, f FLOAT, code FLBA(4), t INT96, n INT32, and a map. */
static void write_file(const wspec *w)
{
	parq_schema *s;
	parq_logical S = parq_lt_string();
	OK(parq_schema_new(&s));
	OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	OK(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL));
	OK(parq_schema_add_leaf(s, NULL, "flag", PARQ_BOOLEAN, PARQ_OPTIONAL, NULL, 0, NULL));
	OK(parq_schema_add_leaf(s, NULL, "score", PARQ_DOUBLE, PARQ_REQUIRED, NULL, 0, NULL));
	OK(parq_schema_add_leaf(s, NULL, "f", PARQ_FLOAT, PARQ_OPTIONAL, NULL, 0, NULL));
	OK(parq_schema_add_leaf(s, NULL, "code", PARQ_FIXED_LEN_BYTE_ARRAY, PARQ_OPTIONAL, NULL, 4, NULL));
	OK(parq_schema_add_leaf(s, NULL, "t", PARQ_INT96, PARQ_OPTIONAL, NULL, 0, NULL));
	parq_logical M = {.kind = PARQ_LT_MAP};
	parq_node *mg, *kv;
	OK(parq_schema_add_group(s, NULL, "m", PARQ_OPTIONAL, &M, &mg));
	OK(parq_schema_add_group(s, mg, "key_value", PARQ_REPEATED, NULL, &kv));
	OK(parq_schema_add_leaf(s, kv, "key", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	OK(parq_schema_add_leaf(s, kv, "value", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL));
	OK(parq_schema_finish(s));
	int N = w->rows;

	int64_t *ids = calloc((size_t)N, sizeof *ids);
	double *score = calloc((size_t)N, sizeof *score);
	float *f = calloc((size_t)N, sizeof *f);
	uint8_t *flags = calloc((size_t)N, 1), *code = calloc((size_t)N, 4), *t96 = calloc((size_t)N, 12);
	int32_t *mval = calloc((size_t)N * 2, sizeof *mval);
	int16_t *d1 = calloc((size_t)N, 2), *d3 = calloc((size_t)N, 2), *d5 = calloc((size_t)N, 2),
	        *d6 = calloc((size_t)N, 2), *d7 = calloc((size_t)N, 2);
	int16_t *td = calloc((size_t)N * 3, 2), *tr = calloc((size_t)N * 3, 2);
	int16_t *kd = calloc((size_t)N * 2, 2), *kr = calloc((size_t)N * 2, 2), *vd = calloc((size_t)N * 2, 2);
	parq_bytes *names = calloc((size_t)N, sizeof *names), *tags = calloc((size_t)N * 3, sizeof *tags),
	           *keys = calloc((size_t)N * 2, sizeof *keys);
	int64_t nn = 0, nt = 0, ntv = 0, nf = 0, nfl = 0, nc = 0, n96 = 0, nk = 0, nkv = 0, nmv = 0;
	for (int i = 0; i < N; i++) {
		ids[i] = 1000 + i * 3 - (i % 5 == 0 ? 7 : 0);
		score[i] = i * 0.25;
		const char *wd = words[i % 8];
		d1[i] = i % 4 != 1;
		if (d1[i])
			names[nn++] = (parq_bytes){(const uint8_t *)wd, (uint32_t)strlen(wd)};
		int k = i % 4; /* 0: null list, 1: empty, 2..3: k-1 elements with a null */
		if (k < 2) {
			tr[nt] = 0;
			td[nt++] = (int16_t)k;
		} else {
			for (int j = 0; j < k; j++) {
				tr[nt] = j ? 1 : 0;
				td[nt] = j == 1 && i % 3 == 0 ? 2 : 3;
				if (td[nt] == 3) {
					const char *x = words[(i + j) % 8];
					tags[ntv++] = (parq_bytes){(const uint8_t *)x, (uint32_t)strlen(x)};
				}
				nt++;
			}
		}
		d3[i] = i % 3 != 2;
		if (d3[i])
			flags[nfl++] = (uint8_t)(i & 1);
		d5[i] = i % 5 != 4;
		if (d5[i])
			f[nf++] = (float)i / 3;
		d6[i] = i % 2 == 0;
		if (d6[i]) {
			memcpy(code + nc * 4, "ab\0d", 4);
			code[nc * 4 + 3] = (uint8_t)i;
			nc++;
		}
		d7[i] = i % 7 != 0;
		if (d7[i]) {
			memset(t96 + n96 * 12, 0, 12);
			t96[n96 * 12] = (uint8_t)i;
			t96[n96 * 12 + 8] = 0x8c;
			t96[n96 * 12 + 9] = 0x3d;
			t96[n96 * 12 + 10] = 0x25;
			n96++;
		}
		int mk = i % 3; /* 0: null map, 1: one entry, 2: two entries */
		if (mk == 0) {
			kr[nk] = 0;
			kd[nk] = 0;
			vd[nk++] = 0;
		} else {
			for (int j = 0; j < mk; j++) {
				kr[nk] = j ? 1 : 0;
				kd[nk] = 2;
				keys[nkv++] = (parq_bytes){(const uint8_t *)words[j], (uint32_t)strlen(words[j])};
				vd[nk] = j == 1 ? 2 : 3;
				if (vd[nk] == 3)
					mval[nmv++] = i * 10 + j;
				nk++;
			}
		}
	}
	parq_column_batch cols[10];
	memset(cols, 0, sizeof cols);
	cols[0] = (parq_column_batch){N, N, N, NULL, NULL, ids, NULL};
	cols[1] = (parq_column_batch){N, N, nn, d1, NULL, NULL, names};
	cols[2] = (parq_column_batch){N, nt, ntv, td, tr, NULL, tags};
	cols[3] = (parq_column_batch){N, N, nfl, d3, NULL, flags, NULL};
	cols[4] = (parq_column_batch){N, N, N, NULL, NULL, score, NULL};
	cols[5] = (parq_column_batch){N, N, nf, d5, NULL, f, NULL};
	cols[6] = (parq_column_batch){N, N, nc, d6, NULL, code, NULL};
	cols[7] = (parq_column_batch){N, N, n96, d7, NULL, t96, NULL};
	cols[8] = (parq_column_batch){N, nk, nkv, kd, kr, NULL, keys};
	cols[9] = (parq_column_batch){N, nk, nmv, vd, kr, mval, NULL};

	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = w->codec;
	o.data_page_version = w->version;
	o.dictionary = w->dictionary;
	o.page_crc = w->crc;
	if (w->small_pages) {
		o.page_rows = 8;
		o.row_group_rows = 24;
	}
	parq_column_options co[2];
	int nco = 0;
	if (w->bloom) {
		parq_column_options_default(&co[nco], 1);
		co[nco++].bloom_fpp = 0.05;
	}
	if (w->delta) {
		parq_column_options_default(&co[nco], 0);
		co[nco].dictionary = 0;
		co[nco++].encoding = PARQ_ENC_DELTA_BINARY_PACKED;
	}
	o.columns = co;
	o.n_columns = nco;
	char path[] = "/tmp/fuzz_seed_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	close(fd);
	parq_writer *wr;
	OK(parq_writer_open(&wr, path, s, &o));
	OK(parq_writer_set_kv(wr, "probestore.schema_version", "1"));
	OK(parq_writer_write(wr, cols, N));
	OK(parq_writer_close(wr, NULL));
	size_t n;
	uint8_t *file = slurp(path, &n);
	unlink(path);
	put_file(w->name, file, n);
	free(file);
	parq_schema_free(s);
	free(ids); free(score); free(f); free(flags); free(code); free(t96); free(mval);
	free(d1); free(d3); free(d5); free(d6); free(d7); free(td); free(tr); free(kd); free(kr); free(vd);
	free(names); free(tags); free(keys);
}

/* ---- files made by hand: one column, one row group ---- */

typedef struct hpage {
	parq_meta_page_header h;
	const uint8_t *body;
	size_t n;
} hpage;

static void craft(const char *name, parq_type type, int32_t type_length, parq_repetition rep, int codec,
                  const hpage *pages, int npages, int64_t rows, int64_t values)
{
	parq_buf f = {0};
	OK(parq_buf_append(&f, "PAR1", 4));
	int64_t first = 4;
	int32_t encs[4] = {PARQ_ENC_PLAIN, PARQ_ENC_RLE, 0, 0};
	uint32_t nenc = 2;
	bool dict = false;
	int64_t data_off = 4;
	for (int i = 0; i < npages; i++) {
		if (pages[i].h.type == PARQ_PAGE_DICTIONARY)
			dict = true;
		else if (data_off == 4 && (i > 0 || !dict))
			data_off = (int64_t)f.len;
		int enc = pages[i].h.has_data_page ? pages[i].h.data_page.encoding
		        : pages[i].h.has_data_page_v2 ? pages[i].h.data_page_v2.encoding : -1;
		if (enc > 0 && nenc < 4)
			encs[nenc++] = enc;
		OK(parq_meta_encode_page_header(&f, &pages[i].h));
		OK(parq_buf_append(&f, pages[i].body, pages[i].n));
	}
	int64_t total = (int64_t)f.len - first;

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
	if (type == PARQ_FIXED_LEN_BYTE_ARRAY) {
		se[1].type_length = type_length;
		se[1].has_type_length = true;
	}
	parq_bytes path = {(const uint8_t *)"v", 1};
	parq_meta_chunk ch;
	memset(&ch, 0, sizeof ch);
	ch.file_offset = first;
	ch.has_meta = true;
	ch.meta.type = type;
	ch.meta.encodings = encs;
	ch.meta.n_encodings = nenc;
	ch.meta.path = &path;
	ch.meta.n_path = 1;
	ch.meta.codec = codec;
	ch.meta.num_values = values;
	ch.meta.total_uncompressed_size = total;
	ch.meta.total_compressed_size = total;
	ch.meta.data_page_offset = dict ? data_off : first;
	if (dict) {
		ch.meta.dictionary_page_offset = first;
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
	m.created_by = (parq_bytes){(const uint8_t *)"fuzz seeds", 10};
	m.has_created_by = true;
	size_t at = f.len;
	OK(parq_meta_encode_file(&f, &m));
	uint32_t flen = (uint32_t)(f.len - at);
	OK(parq_buf_append(&f, &flen, 4));
	OK(parq_buf_append(&f, "PAR1", 4));
	put_file(name, f.data, f.len);
	parq_buf_free(&f);
}

static parq_meta_page_header data_v1(int enc, int32_t n, size_t len)
{
	parq_meta_page_header h;
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DATA;
	h.uncompressed_page_size = h.compressed_page_size = (int32_t)len;
	h.has_data_page = true;
	h.data_page.num_values = n;
	h.data_page.encoding = enc;
	h.data_page.def_level_encoding = PARQ_ENC_RLE;
	h.data_page.rep_level_encoding = PARQ_ENC_RLE;
	return h;
}

/* DELTA_BINARY_PACKED lengths followed by the bytes. */
static void dlba(parq_buf *b, const char *const *v, size_t n)
{
	int32_t lens[64];
	for (size_t i = 0; i < n; i++)
		lens[i] = (int32_t)strlen(v[i]);
	OK(parq_encode_delta_binary(b, lens, n, 4));
	for (size_t i = 0; i < n; i++)
		OK(parq_buf_append(b, v[i], strlen(v[i])));
}

static void dba(parq_buf *b, const char *const *v, size_t n)
{
	int32_t pre[64];
	const char *suf[64];
	for (size_t i = 0; i < n; i++) {
		size_t p = 0;
		if (i)
			while (v[i][p] && v[i][p] == v[i - 1][p])
				p++;
		pre[i] = (int32_t)p;
		suf[i] = v[i] + p;
	}
	OK(parq_encode_delta_binary(b, pre, n, 4));
	dlba(b, suf, n);
}

static void hand_made(void)
{
	static const char *urls[] = {"https://example.com/", "https://example.com/a", "https://example.com/ab",
	                             "https://example.org/", "http://x", "", "http://xy"};
	enum { NU = 7 };
	parq_buf b = {0};
	hpage pg;

	dlba(&b, urls, NU);
	pg = (hpage){data_v1(PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY, NU, b.len), b.data, b.len};
	craft("dlba.parquet", PARQ_BYTE_ARRAY, 0, PARQ_REQUIRED, PARQ_CODEC_UNCOMPRESSED, &pg, 1, NU, NU);
	put_with("decode", "dlba", (const uint8_t[]){6, 6, NU, 0, 0}, 5, b.data, b.len);
	b.len = 0;

	dba(&b, urls, NU);
	pg = (hpage){data_v1(PARQ_ENC_DELTA_BYTE_ARRAY, NU, b.len), b.data, b.len};
	craft("dba.parquet", PARQ_BYTE_ARRAY, 0, PARQ_REQUIRED, PARQ_CODEC_UNCOMPRESSED, &pg, 1, NU, NU);
	put_with("decode", "dba", (const uint8_t[]){7, 6, NU, 0, 0}, 5, b.data, b.len);
	b.len = 0;

	static const char *fixed[] = {"abcd", "abce", "abzz", "qqqq", "qqqr"};
	dba(&b, fixed, 5);
	pg = (hpage){data_v1(PARQ_ENC_DELTA_BYTE_ARRAY, 5, b.len), b.data, b.len};
	craft("dba_flba.parquet", PARQ_FIXED_LEN_BYTE_ARRAY, 4, PARQ_REQUIRED, PARQ_CODEC_UNCOMPRESSED, &pg, 1, 5, 5);
	/* type 7 with type_length 1 + (t >> 3) % 20 == 4: t = 7 + 3 * 8 */
	put_with("decode", "dba_flba", (const uint8_t[]){7, 7 + 3 * 8, 5, 0, 0}, 5, b.data, b.len);
	b.len = 0;

	/* BYTE_STREAM_SPLIT of floats, doubles, int32, int64 and FLBA(4) */
	static const struct { parq_type t; int w; const char *name; } bss[] = {
		{PARQ_FLOAT, 4, "bss_float"}, {PARQ_DOUBLE, 8, "bss_double"}, {PARQ_INT32, 4, "bss_int32"},
		{PARQ_INT64, 8, "bss_int64"}, {PARQ_FIXED_LEN_BYTE_ARRAY, 4, "bss_flba"}};
	for (size_t k = 0; k < 5; k++) {
		enum { NV = 9 };
		uint8_t raw[NV * 8], split[NV * 8];
		for (int i = 0; i < NV * bss[k].w; i++)
			raw[i] = (uint8_t)(i * 37 + k);
		for (int i = 0; i < NV; i++)
			for (int j = 0; j < bss[k].w; j++)
				split[j * NV + i] = raw[i * bss[k].w + j];
		size_t len = (size_t)NV * (size_t)bss[k].w;
		pg = (hpage){data_v1(PARQ_ENC_BYTE_STREAM_SPLIT, NV, len), split, len};
		char name[64];
		snprintf(name, sizeof name, "%s.parquet", bss[k].name);
		craft(name, bss[k].t, 4, PARQ_REQUIRED, PARQ_CODEC_UNCOMPRESSED, &pg, 1, NV, NV);
		uint8_t t = bss[k].t == PARQ_FIXED_LEN_BYTE_ARRAY ? 7 + 3 * 8 : (uint8_t)bss[k].t;
		put_with("decode", bss[k].name, (const uint8_t[]){9, t, NV, 0, 0}, 5, split, len);
	}

	/* DELTA_BINARY_PACKED of int32 and int64, wide and narrow deltas */
	{
		int64_t v64[300];
		int32_t v32[300];
		for (int i = 0; i < 300; i++) {
			v64[i] = i % 17 == 0 ? -((int64_t)1 << 40) + i : (int64_t)i * i;
			v32[i] = i % 50 == 0 ? INT32_MIN + i : i * 3;
		}
		OK(parq_encode_delta_binary(&b, v64, 300, 8));
		put_with("decode", "delta_int64", (const uint8_t[]){5, 2, 0x2c, 1, 0}, 5, b.data, b.len);
		b.len = 0;
		OK(parq_encode_delta_binary(&b, v32, 300, 4));
		put_with("decode", "delta_int32", (const uint8_t[]){5, 1, 0x2c, 1, 0}, 5, b.data, b.len);
		b.len = 0;
		OK(parq_encode_delta_binary(&b, v32, 5, 4));
		put_with("decode", "delta_short", (const uint8_t[]){5, 1, 5, 0, 1}, 5, b.data, b.len);
		b.len = 0;
	}

	/* RLE booleans in a v2 page, and an optional column with legacy
	 * BIT_PACKED definition levels */
	{
		uint32_t bits[20];
		for (int i = 0; i < 20; i++)
			bits[i] = i < 12 ? 1 : (uint32_t)(i & 1);
		parq_buf r = {0};
		OK(parq_rle_encode_u32(&r, 1, bits, 20));
		uint32_t l = (uint32_t)r.len;
		OK(parq_buf_append(&b, &l, 4));
		OK(parq_buf_append(&b, r.data, r.len));
		parq_meta_page_header h;
		memset(&h, 0, sizeof h);
		h.type = PARQ_PAGE_DATA_V2;
		h.uncompressed_page_size = h.compressed_page_size = (int32_t)b.len;
		h.has_data_page_v2 = true;
		h.data_page_v2.num_values = h.data_page_v2.num_rows = 20;
		h.data_page_v2.encoding = PARQ_ENC_RLE;
		h.data_page_v2.is_compressed = false;
		pg = (hpage){h, b.data, b.len};
		craft("rle_bool_v2.parquet", PARQ_BOOLEAN, 0, PARQ_REQUIRED, PARQ_CODEC_UNCOMPRESSED, &pg, 1, 20, 20);
		put_with("rle", "bool", (const uint8_t[]){0, 1, 20, 0, 3}, 5, r.data, r.len);
		b.len = 0;
		parq_buf_free(&r);

		/* def levels 1,0,1,1,0,1,1,1 MSB first: 0xB7; then 6 PLAIN int32 */
		uint8_t body[1 + 6 * 4];
		body[0] = 0xB7;
		for (int i = 0; i < 6; i++) {
			int32_t v = i * 11;
			memcpy(body + 1 + 4 * i, &v, 4);
		}
		h = data_v1(PARQ_ENC_PLAIN, 8, sizeof body);
		h.data_page.def_level_encoding = PARQ_ENC_BIT_PACKED;
		pg = (hpage){h, body, sizeof body};
		craft("bitpacked_levels.parquet", PARQ_INT32, 0, PARQ_OPTIONAL, PARQ_CODEC_UNCOMPRESSED, &pg, 1, 8, 8);
		put_with("rle", "legacy_bitpacked", (const uint8_t[]){3, 1, 8, 0, 0}, 5, body, 1);
	}

	/* PLAIN_DICTIONARY (v1 naming) with a dictionary page, Hadoop-framed LZ4 */
	{
		parq_codec_ctx *ctx = parq_codec_ctx_new();
		uint8_t dict[3 * 8];
		for (int i = 0; i < 3; i++) {
			int64_t v = (int64_t)i * 1000 - 1;
			memcpy(dict + 8 * i, &v, 8);
		}
		uint32_t idx[30];
		for (int i = 0; i < 30; i++)
			idx[i] = (uint32_t)(i / 7 % 3);
		parq_buf data = {0};
		OK(parq_buf_push(&data, 2));
		OK(parq_rle_encode_u32(&data, 2, idx, 30));
		/* Hadoop framing: BE uncompressed size, BE compressed size, block */
		parq_buf hd = {0}, hv = {0}, c = {0};
		const parq_buf *plain[2] = {NULL, &data};
		parq_buf *framed[2] = {&hd, &hv};
		for (int k = 0; k < 2; k++) {
			const uint8_t *src = k ? plain[1]->data : dict;
			size_t n = k ? plain[1]->len : sizeof dict;
			c.len = 0;
			OK(parq_compress(ctx, PARQ_CODEC_LZ4_RAW, 0, src, n, &c));
			uint8_t be[8] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
			                 (uint8_t)(c.len >> 24), (uint8_t)(c.len >> 16), (uint8_t)(c.len >> 8), (uint8_t)c.len};
			OK(parq_buf_append(framed[k], be, 8));
			OK(parq_buf_append(framed[k], c.data, c.len));
			if (k == 1) {
				uint8_t hdr[6] = {PARQ_CODEC_LZ4, (uint8_t)n, (uint8_t)(n >> 8), 0, 0, 0};
				put_with("codec", "lz4_hadoop", hdr, 6, framed[k]->data, framed[k]->len);
			}
		}
		hpage pages[2];
		memset(pages, 0, sizeof pages);
		pages[0].h.type = PARQ_PAGE_DICTIONARY;
		pages[0].h.uncompressed_page_size = (int32_t)sizeof dict;
		pages[0].h.compressed_page_size = (int32_t)hd.len;
		pages[0].h.has_dict_page = true;
		pages[0].h.dict_page.num_values = 3;
		pages[0].h.dict_page.encoding = PARQ_ENC_PLAIN_DICTIONARY;
		pages[0].body = hd.data;
		pages[0].n = hd.len;
		pages[1].h = data_v1(PARQ_ENC_PLAIN_DICTIONARY, 30, data.len);
		pages[1].h.compressed_page_size = (int32_t)hv.len;
		pages[1].body = hv.data;
		pages[1].n = hv.len;
		craft("lz4_hadoop_dict.parquet", PARQ_INT64, 0, PARQ_REQUIRED, PARQ_CODEC_LZ4, pages, 2, 30, 30);
		put_with("rle", "dict_indices", (const uint8_t[]){2, 2, 30, 0, 3}, 5, data.data + 1, data.len - 1);
		parq_buf_free(&data);
		parq_buf_free(&hd);
		parq_buf_free(&hv);
		parq_buf_free(&c);
		parq_codec_ctx_free(ctx);
	}
	parq_buf_free(&b);
}

/* ---- codec and RLE seeds ---- */

static void codec_seeds(void)
{
	static const char text[] =
		"https://example.com/login https://example.com/login?next=/ https://example.com/static/app.js "
		"200 301 404 nginx nginx nginx text/html; charset=utf-8 text/html; charset=utf-8";
	size_t n = sizeof text - 1;
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	static const struct { int codec; const char *name; } codecs[] = {
		{PARQ_CODEC_UNCOMPRESSED, "uncompressed"}, {PARQ_CODEC_SNAPPY, "snappy"}, {PARQ_CODEC_GZIP, "gzip"},
		{PARQ_CODEC_BROTLI, "brotli"}, {PARQ_CODEC_ZSTD, "zstd"}, {PARQ_CODEC_LZ4_RAW, "lz4_raw"}};
	for (size_t k = 0; k < sizeof codecs / sizeof *codecs; k++) {
		parq_buf c = {0};
		OK(parq_compress(ctx, codecs[k].codec, 0, text, n, &c));
		uint8_t hdr[6] = {(uint8_t)codecs[k].codec, (uint8_t)n, (uint8_t)(n >> 8), 0, 0, 0};
		put_with("codec", codecs[k].name, hdr, 6, c.data, c.len);
		if (codecs[k].codec == PARQ_CODEC_LZ4_RAW) {
			/* the deprecated LZ4 codec also accepts a raw block */
			hdr[0] = PARQ_CODEC_LZ4;
			put_with("codec", "lz4_raw_block", hdr, 6, c.data, c.len);
		}
		/* round trip: compress the body and decompress it */
		uint8_t rt[6] = {(uint8_t)(codecs[k].codec | 0x80), 0, 0, 0, 0, 0};
		char name[64];
		snprintf(name, sizeof name, "roundtrip_%s", codecs[k].name);
		put_with("codec", name, rt, 6, text, n);
		parq_buf_free(&c);
	}
	/* LZ4 frame format under the deprecated codec, written by hand: magic,
	 * FLG (version 1, block independence), BD (64 KB), header checksum, one
	 * uncompressed block, end mark */
	{
		uint8_t fr[64];
		size_t k = 0;
		const uint8_t head[] = {0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82};
		memcpy(fr, head, sizeof head);
		k = sizeof head;
		const char body[] = "lz4 frame seed";
		uint32_t bl = (uint32_t)(sizeof body - 1) | 0x80000000u;
		memcpy(fr + k, &bl, 4);
		k += 4;
		memcpy(fr + k, body, sizeof body - 1);
		k += sizeof body - 1;
		memset(fr + k, 0, 4);
		k += 4;
		uint8_t hdr[6] = {PARQ_CODEC_LZ4, (uint8_t)(sizeof body - 1), 0, 0, 0, 0};
		put_with("codec", "lz4_frame", hdr, 6, fr, k);
	}
	/* a zstd page that declares more than it holds */
	{
		parq_buf c = {0};
		OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, text, n, &c));
		uint8_t hdr[6] = {PARQ_CODEC_ZSTD, 0, 0, 0x10, 0, 0};
		put_with("codec", "zstd_lying", hdr, 6, c.data, c.len);
		parq_buf_free(&c);
	}
	parq_codec_ctx_free(ctx);

	/* RLE hybrid: runs and bit-packed groups at several widths */
	for (int bw = 0; bw <= 32; bw += (bw < 4 ? 1 : 7)) {
		uint32_t v[100];
		uint32_t mask = bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1;
		for (int i = 0; i < 100; i++)
			v[i] = (i < 30 ? 5u : (uint32_t)i * 2654435761u) & mask;
		parq_buf r = {0};
		OK(parq_rle_encode_u32(&r, bw, v, 100));
		char name[32];
		snprintf(name, sizeof name, "hybrid_bw%d", bw);
		put_with("rle", name, (const uint8_t[]){0, (uint8_t)bw, 100, 0, 5}, 5, r.data, r.len);
		if (bw <= 15) {
			snprintf(name, sizeof name, "levels_bw%d", bw);
			put_with("rle", name, (const uint8_t[]){1, (uint8_t)bw, 100, 0, 0}, 5, r.data, r.len);
		}
		snprintf(name, sizeof name, "roundtrip_bw%d", bw);
		uint8_t raw[64];
		for (int i = 0; i < 64; i++)
			raw[i] = (uint8_t)(i < 32 ? 0x80 : i * 13);
		put_with("rle", name, (const uint8_t[]){4, (uint8_t)bw, 16, 0, 0}, 5, raw, sizeof raw);
		parq_buf_free(&r);
	}
}

/* ---- the store's text inputs ---- */

static void text_seeds(void)
{
	put_str("config", "full.yaml",
	        "storage_config:\n"
	        "  parquet_base_path: /srv/probestore\n"
	        "  compression_codec: zstd\n"
	        "  compression_level: 3\n"
	        "  writer:\n"
	        "    row_group_size: 10000\n"
	        "log_config:\n"
	        "  log_level: debug\n"
	        "  log_format: json\n");
	put_str("config", "auto.yaml", "storage_config:\n  compression_codec: auto\n  parquet_base_path: 'a b'\n");
	put_str("config", "flow.yaml", "storage_config: {parquet_base_path: \"./d\", compression_codec: gzip}\n"
	                               "log_config: {log_level: warn, log_format: console, log_file: ~}\n");
	put_str("config", "anchors.yaml", "a: &x {log_level: info}\nlog_config: *x\n");
	put_str("config", "bad.yaml", "storage_config:\n  compression_codec: [1, 2\n");
	put_str("config", "empty.yaml", "");

	static const char *urls[] = {
		"https://example.com/",
		"http://Example.COM:8080/a/b?c=d#e",
		"https://user:pass@example.com:443/path",
		"http://[::1]:8080/x",
		"https://[2001:db8::1]/",
		"http://10.0.0.1/",
		"example.com",
		"example.com:8443/admin",
		"[::1]:9000",
		"https://ex_ample.com/%41",
		"example.com_443",
		"%3A%3A1_8080",
		"10.0.0.1_80",
		"a%5Fb.example_65535",
		"HTTPS://EXAMPLE.COM",
		"ftp://example.com/",
		"http://example.com:0/",
		"http://example.com:99999/",
	};
	put_strs("url", "url%02zu", urls, sizeof urls / sizeof *urls);

	static const char *lines[] = {
		"{\"timestamp\":\"2024-05-01T10:00:00.123456789Z\",\"url\":\"https://example.com/login\","
		"\"input\":\"example.com\",\"status_code\":200,\"content_length\":5120,\"content_type\":\"text/html\","
		"\"title\":\"Log in\",\"webserver\":\"nginx/1.25\",\"tech\":[\"Nginx\",\"React\"],\"a\":[\"93.184.216.34\"],"
		"\"cname\":[\"edge.example.net\"],\"method\":\"GET\",\"time\":\"123.4ms\",\"failed\":false,"
		"\"header\":{\"server\":\"nginx\",\"set_cookie\":[\"a=1\",\"b=2\"]},\"final_url\":\"https://example.com/\"}",
		"{\"url\":\"http://example.com:8080/\",\"input\":\"http://example.com:8080\",\"failed\":true,"
		"\"error\":\"context deadline exceeded\",\"time\":\"2m3.5s\"}",
		"{\"original_url\":\"https://example.com/a\",\"final_url\":null,\"status_code\":301,"
		"\"content_length\":0,\"technologies\":[],\"ip_address\":[\"::1\"],\"root_target_url\":\"example.com\","
		"\"url_status\":\"new\",\"scan_timestamp\":1714557600000,\"first_seen_timestamp\":1714557600000,"
		"\"headers_json\":\"{}\"}",
		"[1,2,3]",
		"{\"url\":\"\\u00e9\\ud83d\\ude00\",\"status_code\":99}",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		char name[32];
		snprintf(name, sizeof name, "line%zu", i);
		put_with("ingest", name, (const uint8_t[]){0}, 1, lines[i], strlen(lines[i]));
	}
	put_strs("jtree", "line%zu", lines, sizeof lines / sizeof *lines);
	static const char *texts[] = {
		"[\"\\b\\f\\n\\r\\t\\\"\\\\\\/\",\"\\ud834\\udd1e\",\"\\ud800\",\"\\u12g4\"]",
		"{\"n\":[-0,007,1.5e300,1e999,-1.,12345678901234567890,3.141592653589793238462643383279]}",
		"\xef\xbb\xbf {\"a\":{\"b\":[[[]]],\"c\":{}},\"a\":null} x",
		"{\"tls\":{\"a\":\"b\"}",
		"\"\x01raw\tcontrol\"",
	};
	put_strs("jtree", "text%zu", texts, sizeof texts / sizeof *texts);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		die(outdir);

	static const wspec files[] = {
		{"plain_v1.parquet", PARQ_CODEC_UNCOMPRESSED, 1, false, false, false, false, false, 24},
		{"dict_v1.parquet", PARQ_CODEC_UNCOMPRESSED, 1, true, false, false, false, false, 24},
		{"snappy_v2.parquet", PARQ_CODEC_SNAPPY, 2, true, false, false, false, false, 24},
		{"gzip_v1.parquet", PARQ_CODEC_GZIP, 1, true, false, false, false, false, 24},
		{"zstd_v2.parquet", PARQ_CODEC_ZSTD, 2, true, false, false, true, false, 24},
		{"lz4_v1.parquet", PARQ_CODEC_LZ4_RAW, 1, false, false, false, true, false, 24},
		{"brotli_v2.parquet", PARQ_CODEC_BROTLI, 2, false, false, false, false, false, 24},
		{"pages_bloom_crc.parquet", PARQ_CODEC_UNCOMPRESSED, 1, true, true, true, false, true, 48},
		{"pages_v2_delta.parquet", PARQ_CODEC_SNAPPY, 2, false, false, false, true, true, 48},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		write_file(&files[i]);
	hand_made();
	codec_seeds();
	text_seeds();

	/* a few Thrift structures by hand: every type, nesting, a map */
	static const uint8_t thrift_all[] = {
		0x13, 0x7f, 0x14, 0x02, 0x15, 0x04, 0x16, 0x06, 0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x18, 0x03, 'a', 'b',
		'c', 0x19, 0x35, 0x02, 0x04, 0x06, 0x1a, 0x21, 0x01, 0x02, 0x1b, 0x02, 0x85, 0x01, 'k', 0x02, 0x01, 'v',
		0x04, 0x1c, 0x11, 0x12, 0x00, 0x00};
	put("thrift", "all_types", thrift_all, sizeof thrift_all);
	return 0;
}
