/* Page codecs: round trips, wrong sizes, garbage, gzip members, Hadoop LZ4. */
#include <lz4.h>
#include <zlib.h>

#include "codec.h"
#include "test.h"

static const int codecs[] = {PARQ_CODEC_UNCOMPRESSED, PARQ_CODEC_SNAPPY, PARQ_CODEC_GZIP,
                             PARQ_CODEC_BROTLI, PARQ_CODEC_ZSTD, PARQ_CODEC_LZ4_RAW};
#define NCODECS (int)(sizeof codecs / sizeof codecs[0])

static void roundtrip(parq_codec_ctx *ctx, int codec, const uint8_t *src, size_t n)
{
	parq_buf c = {0};
	CHECK_OK(parq_compress(ctx, codec, 0, src, n, &c));
	uint8_t *out = malloc(n + 1);
	CHECK_OK(parq_decompress(ctx, codec, c.data, c.len, out, n));
	CHECK(n == 0 || memcmp(out, src, n) == 0);
	/* a header that lies about the size in either direction */
	if (n > 0) {
		uint8_t *small = malloc(n - 1 ? n - 1 : 1);
		CHECK_EQ_INT(parq_decompress(ctx, codec, c.data, c.len, small, n - 1), PARQ_ECORRUPT);
		free(small);
	}
	uint8_t *large = malloc(n + 100);
	CHECK_EQ_INT(parq_decompress(ctx, codec, c.data, c.len, large, n + 100), PARQ_ECORRUPT);
	free(large);
	/* truncated compressed data */
	if (c.len > 1 && codec != PARQ_CODEC_UNCOMPRESSED) {
		int rc = parq_decompress(ctx, codec, c.data, c.len / 2, out, n);
		CHECK(rc == PARQ_ECORRUPT);
	}
	free(out);
	parq_buf_free(&c);
}

static void test_roundtrips(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	REQUIRE(ctx);
	size_t big = 1 << 20;
	uint8_t *rnd = malloc(big), *rep = malloc(big);
	uint64_t s = 99;
	for (size_t i = 0; i < big; i++) {
		rnd[i] = (uint8_t)test_rand(&s);
		rep[i] = (uint8_t)("probestore "[i % 11]);
	}
	const char *text = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: probestore\r\n\r\n";
	for (int k = 0; k < NCODECS; k++) {
		CHECK(parq_codec_can_write(codecs[k]));
		CHECK(parq_codec_can_read(codecs[k]));
		roundtrip(ctx, codecs[k], (const uint8_t *)"", 0);
		roundtrip(ctx, codecs[k], (const uint8_t *)"x", 1);
		roundtrip(ctx, codecs[k], (const uint8_t *)text, strlen(text));
		roundtrip(ctx, codecs[k], rnd, big);
		roundtrip(ctx, codecs[k], rep, big);
	}
	/* compression actually compresses */
	parq_buf c = {0};
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, rep, big, &c));
	CHECK(c.len < big / 100);
	parq_buf_free(&c);
	/* zero-length pages are valid for every codec (data page v2) */
	for (int k = 0; k < NCODECS; k++)
		CHECK_OK(parq_decompress(ctx, codecs[k], NULL, 0, NULL, 0));
	free(rnd);
	free(rep);
	parq_codec_ctx_free(ctx);
}

static void test_garbage(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	uint64_t s = 5;
	uint8_t junk[512], out[4096];
	int failures = 0;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 1 + test_rand(&s) % sizeof junk;
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)test_rand(&s);
		int codec = codecs[1 + test_rand(&s) % (NCODECS - 1)];
		if (iter % 7 == 0)
			codec = PARQ_CODEC_LZ4;
		size_t want = test_rand(&s) % sizeof out;
		uint8_t *copy = malloc(n);
		memcpy(copy, junk, n);
		int rc = parq_decompress(ctx, codec, copy, n, out, want);
		failures += rc != 0;
		CHECK(rc == 0 || rc == PARQ_ECORRUPT);
		free(copy);
	}
	CHECK(failures > 2900); /* random bytes are almost never a valid stream */
	CHECK_EQ_INT(parq_decompress(ctx, PARQ_CODEC_LZO, junk, 10, out, 10), PARQ_EUNSUPPORTED);
	CHECK(!parq_codec_can_write(PARQ_CODEC_LZO));
	CHECK(!parq_codec_can_read(PARQ_CODEC_LZO));
	CHECK(!parq_codec_can_write(PARQ_CODEC_LZ4));
	parq_codec_ctx_free(ctx);
}

static void test_gzip_members(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	parq_buf c = {0};
	const char *a = "first member, ", *b = "second member";
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_GZIP, 0, a, strlen(a), &c));
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_GZIP, 9, b, strlen(b), &c));
	char out[64];
	size_t n = strlen(a) + strlen(b);
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_GZIP, c.data, c.len, out, n));
	CHECK(memcmp(out, "first member, second member", n) == 0);
	/* a zlib stream (not gzip) is accepted too */
	uLongf zl = compressBound((uLong)strlen(b));
	uint8_t z[128];
	REQUIRE(compress(z, &zl, (const Bytef *)b, (uLong)strlen(b)) == Z_OK);
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_GZIP, z, zl, out, strlen(b)));
	CHECK(memcmp(out, b, strlen(b)) == 0);
	parq_buf_free(&c);
	parq_codec_ctx_free(ctx);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_hadoop_lz4(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	/* three Hadoop frames: [BE uncompressed][BE compressed][block] each */
	const char *parts[] = {"hadoop framed lz4 block one; ", "block two repeats repeats repeats; ", "three"};
	uint8_t framed[1024];
	size_t at = 0, total = 0;
	char expect[256] = "";
	for (int i = 0; i < 3; i++) {
		int n = (int)strlen(parts[i]);
		int c = LZ4_compress_default(parts[i], (char *)framed + at + 8, n, (int)sizeof framed - (int)at - 8);
		REQUIRE(c > 0);
		put_be32(framed + at, (uint32_t)n);
		put_be32(framed + at + 4, (uint32_t)c);
		at += 8 + (size_t)c;
		total += (size_t)n;
		strcat(expect, parts[i]);
	}
	char out[256];
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_LZ4, framed, at, out, total));
	CHECK(memcmp(out, expect, total) == 0);
	/* the legacy id also accepts a raw block (what some writers produced) */
	uint8_t raw[256];
	int c = LZ4_compress_default(expect, (char *)raw, (int)total, sizeof raw);
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_LZ4, raw, (size_t)c, out, total));
	CHECK(memcmp(out, expect, total) == 0);
	/* a frame claiming more than the page: error */
	put_be32(framed, 100000);
	CHECK_EQ_INT(parq_decompress(ctx, PARQ_CODEC_LZ4, framed, at, out, total), PARQ_ECORRUPT);
	parq_codec_ctx_free(ctx);
}

/* Forty versions of a 210 KB document, a few lines changed per version:
 * plain zstd (level 3) finds little across 200 KB of similar text, long
 * matching stores the later versions in a few bytes each. The frame's
 * window stays within its input, which every decoder accepts; the plain
 * call after a long one is plain again (the context keeps no setting). */
static void test_long_match(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	REQUIRE(ctx);
	enum { DOC = 210000, VERSIONS = 40 };
	size_t n = (size_t)DOC * VERSIONS;
	uint8_t *src = malloc(n), *out = malloc(n);
	/* over a large input zstd's plain match finder loses the copy 200 KB
	 * back among the many nearer look-alike lines */
	uint64_t s = 7;
	for (int v = 0; v < VERSIONS; v++) {
		char *doc = (char *)src + (size_t)v * DOC;
		size_t len = test_bundle(doc, DOC, v, &s);
		memset(doc + len, ' ', DOC - len);
	}
	parq_buf one = {0}, plain = {0}, lng = {0}, again = {0};
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, src, DOC, &one));
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, src, n, &plain));
	CHECK_OK(parq_compress_tuned(ctx, PARQ_CODEC_ZSTD, 0, &(parq_zstd_tune){.long_match = true}, src, n, &lng));
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 0, src, n, &again));
	printf("test_codec: 40 versions of 210 KB: one %zu bytes, zstd %zu, long matching %zu\n", one.len, plain.len,
	       lng.len);
	CHECK(lng.len < one.len + 39 * 1000); /* under 1 KB per later version */
	CHECK(lng.len * 2 < plain.len);
	CHECK_EQ_INT((int64_t)again.len, (int64_t)plain.len);
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_ZSTD, lng.data, lng.len, out, n));
	CHECK(memcmp(out, src, n) == 0);
	/* other codecs ignore the flag */
	parq_buf sn = {0};
	CHECK_OK(parq_compress_tuned(ctx, PARQ_CODEC_SNAPPY, 0, &(parq_zstd_tune){.long_match = true}, src, DOC, &sn));
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_SNAPPY, sn.data, sn.len, out, DOC));
	CHECK(memcmp(out, src, DOC) == 0);
	parq_buf_free(&sn);
	parq_buf_free(&one);
	parq_buf_free(&plain);
	parq_buf_free(&lng);
	parq_buf_free(&again);
	free(src);
	free(out);
	parq_codec_ctx_free(ctx);
}

/* A match table and shortest match of the caller's: the text comes back
 * whole, the frame differs from the level's own (the settings took), and
 * a plain call after a tuned one is plain again. */
static void test_tuned(void)
{
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	REQUIRE(ctx);
	/* headers-like text: short names and values, a date, a hex token */
	enum { N = 256 << 10 };
	uint8_t *src = malloc(N), *out = malloc(N);
	REQUIRE(src && out);
	uint64_t s = 11;
	size_t at = 0;
	while (at < N) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		char row[160];
		int len = snprintf(row, sizeof row,
		                   "{\"content_type\":\"text/html\",\"date\":\"Tue, %02u Nov 2025 %02u:%02u:%02u GMT\","
		                   "\"etag\":\"v%010llx\",\"server\":\"nginx\"}",
		                   (unsigned)(s >> 59), (unsigned)(s >> 40) % 24, (unsigned)(s >> 32) % 60,
		                   (unsigned)(s >> 20) % 60, (unsigned long long)(s >> 24));
		size_t k = (size_t)len < N - at ? (size_t)len : N - at;
		memcpy(src + at, row, k);
		at += k;
	}
	parq_buf plain = {0}, tuned = {0}, again = {0};
	parq_zstd_tune t = {.hash_log = 12, .min_match = 7};
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 1, src, N, &plain));
	CHECK_OK(parq_compress_tuned(ctx, PARQ_CODEC_ZSTD, 1, &t, src, N, &tuned));
	CHECK_OK(parq_compress(ctx, PARQ_CODEC_ZSTD, 1, src, N, &again));
	CHECK(tuned.len != plain.len || memcmp(tuned.data, plain.data, plain.len) != 0);
	CHECK_EQ_INT((int64_t)again.len, (int64_t)plain.len);
	CHECK(again.len == plain.len && memcmp(again.data, plain.data, plain.len) == 0);
	CHECK_OK(parq_decompress(ctx, PARQ_CODEC_ZSTD, tuned.data, tuned.len, out, N));
	CHECK(memcmp(out, src, N) == 0);
	parq_buf_free(&plain);
	parq_buf_free(&tuned);
	parq_buf_free(&again);
	free(src);
	free(out);
	parq_codec_ctx_free(ctx);
}

int main(void)
{
	test_roundtrips();
	test_long_match();
	test_tuned();
	test_garbage();
	test_gzip_members();
	test_hadoop_lz4();
	return test_report("test_codec");
}
