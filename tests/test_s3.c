/* The S3 client against a real radosgw: the one-node Ceph cluster of
 * scripts/ceph.sh, started here in a temporary directory (and stopped at
 * the end), or a running one named by the environment (AWS_ENDPOINT_URL,
 * the keys and PROBESTORE_S3_BUCKET, as `scripts/ceph.sh env` prints).
 * Without Ceph installed the test skips (77), unless PROBESTORE_REQUIRE_CEPH=1.
 *
 * Then the same operations through a fault-injecting proxy (fault_proxy.h):
 * 503 SlowDown, resets, stalls, lost and cut answers are retried within
 * the bounds, past them the error is clear, and nothing partial shows. */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fault_proxy.h"
#include "storage/s3.h"
#include "test.h"
#include "ceph_test.h"

#define OKS3(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

/* A multipart ETag ends in "-<parts>". */
#define CHECK_ETAG_PARTS(e, suffix) (test_checks++, (strlen(e) > strlen(suffix) && \
	!strcmp((e) + strlen(e) - strlen(suffix), suffix)) ? 1 : (test_failures++, \
	fprintf(stderr, "%s:%d: ETag %s does not end in %s\n", __FILE__, __LINE__, (e), (suffix)), 0))

static char run_prefix[64];

static int ceph_ready(void)
{
	bool started;
	return ceph_ready_named("test_s3", &started);
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = test_rand(&s);
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] = (uint8_t)test_rand(&s);
}

static ps_s3 *open_s3(const char *endpoint, void (*tweak)(ps_s3_options *))
{
	ps_s3_options o;
	ps_s3_options_default(&o);
	o.endpoint = endpoint;
	o.bucket = getenv("PROBESTORE_S3_BUCKET");
	o.prefix = run_prefix;
	o.path_style = true;
	o.part_size = (size_t)5 << 20;
	if (tweak)
		tweak(&o);
	ps_s3 *s3 = NULL;
	if (ps_s3_open(&s3, &o)) {
		fprintf(stderr, "ps_s3_open: %s\n", ps_errmsg());
		exit(1);
	}
	return s3;
}

static bool bytes_equal(ps_s3 *s3, const char *key, const uint8_t *want, size_t n)
{
	uint8_t *got = NULL;
	size_t len = 0;
	if (ps_s3_get(s3, key, &got, &len, NULL)) {
		fprintf(stderr, "GET %s: %s\n", key, ps_errmsg());
		return false;
	}
	bool eq = len == n && memcmp(got, want, n) == 0;
	if (!eq)
		fprintf(stderr, "GET %s: %zu bytes, expected %zu%s\n", key, len, n, len == n ? " (contents differ)" : "");
	free(got);
	return eq;
}

static bool absent(ps_s3 *s3, const char *key)
{
	ps_s3_stat st;
	return ps_s3_head(s3, key, &st) == PS_ENOTFOUND;
}

/* ---- the operations, straight to radosgw ---- */

static void test_objects(ps_s3 *s3)
{
	const size_t n = (size_t)1 << 20;
	uint8_t *data = malloc(n), *buf = malloc(n);
	REQUIRE(data && buf);
	fill(data, n, 1);
	const char *key = "probe_results/example.com_443/scan_20261204_120000.parquet";
	char etag[PS_S3_ETAG_MAX], etag2[PS_S3_ETAG_MAX];
	OKS3(ps_s3_put(s3, key, data, n, etag));
	CHECK(strlen(etag) == 32 && !strchr(etag, '"'));

	uint8_t *got = NULL;
	size_t len = 0;
	OKS3(ps_s3_get(s3, key, &got, &len, etag2));
	CHECK_EQ_INT(len, n);
	CHECK(got && len == n && !memcmp(got, data, n));
	CHECK(!strcmp(etag, etag2));
	free(got);

	ps_s3_stat st;
	OKS3(ps_s3_head(s3, key, &st));
	CHECK_EQ_INT(st.size, n);
	CHECK(!strcmp(st.etag, etag));

	size_t g = 0;
	OKS3(ps_s3_get_range(s3, key, 1000, 5000, buf, &g));
	CHECK_EQ_INT(g, 5000);
	CHECK_MEM(buf, data + 1000, 5000);
	OKS3(ps_s3_get_range(s3, key, n - 10, 100, buf, &g));
	CHECK_EQ_INT(g, 10);
	CHECK_MEM(buf, data + n - 10, 10);
	OKS3(ps_s3_get_range(s3, key, n, 100, buf, &g));
	CHECK_EQ_INT(g, 0);

	uint64_t size = 0;
	OKS3(ps_s3_get_tail(s3, key, 8, buf, &g, &size));
	CHECK_EQ_INT(g, 8);
	CHECK_EQ_INT(size, n);
	CHECK_MEM(buf, data + n - 8, 8);
	/* a tail longer than the object is the object */
	OKS3(ps_s3_put(s3, "small", data, 100, NULL));
	OKS3(ps_s3_get_tail(s3, "small", 4096, buf, &g, &size));
	CHECK_EQ_INT(g, 100);
	CHECK_EQ_INT(size, 100);
	CHECK_MEM(buf, data, 100);

	/* an empty object */
	OKS3(ps_s3_put(s3, "empty", "", 0, NULL));
	OKS3(ps_s3_get(s3, "empty", &got, &len, NULL));
	CHECK_EQ_INT(len, 0);
	free(got);
	OKS3(ps_s3_head(s3, "empty", &st));
	CHECK_EQ_INT(st.size, 0);

	/* missing keys */
	CHECK_EQ_INT(ps_s3_get(s3, "no/such/key", &got, &len, NULL), PS_ENOTFOUND);
	CHECK(strstr(ps_errmsg(), "no/such/key") != NULL);
	CHECK_EQ_INT(ps_s3_head(s3, "no/such/key", &st), PS_ENOTFOUND);
	CHECK_EQ_INT(ps_s3_get_range(s3, "no/such/key", 0, 10, buf, &g), PS_ENOTFOUND);

	/* a key with characters that need encoding: a percent-encoded IPv6 host
	 * directory, a space, a plus, UTF-8 */
	const char *odd = "file_history/%5B%3A%3A1%5D_443/a b+c\xc3\xa9=&?.parquet";
	OKS3(ps_s3_put(s3, odd, data, 777, NULL));
	CHECK(bytes_equal(s3, odd, data, 777));
	ps_s3_list_page page;
	OKS3(ps_s3_list(s3, "file_history/%5B", NULL, NULL, 0, &page));
	CHECK_EQ_INT(page.n_entries, 1);
	CHECK(page.n_entries == 1 && !strcmp(page.entries[0].key, odd) && page.entries[0].size == 777);
	ps_s3_list_page_free(&page);

	/* delete: gone, and a second delete is no error */
	OKS3(ps_s3_delete(s3, odd));
	CHECK(absent(s3, odd));
	OKS3(ps_s3_delete(s3, odd));
	free(data);
	free(buf);
}

static void test_conditional(ps_s3 *s3)
{
	uint8_t a[3000], b[3000];
	fill(a, sizeof a, 2);
	fill(b, sizeof b, 3);
	const char *key = "file_history/example.com_443/0123abcd.parquet";
	char e1[PS_S3_ETAG_MAX], e2[PS_S3_ETAG_MAX], e3[PS_S3_ETAG_MAX];
	OKS3(ps_s3_put_new(s3, key, a, sizeof a, e1));
	CHECK(e1[0] != 0);
	/* the second one finds the key taken and writes nothing */
	CHECK_EQ_INT(ps_s3_put_new(s3, key, b, sizeof b, e2), PS_S3_EEXISTS);
	CHECK(strstr(ps_errmsg(), key) && strstr(ps_errmsg(), "exists"));
	CHECK(bytes_equal(s3, key, a, sizeof a));

	/* compare-and-swap: the right ETag replaces, a stale one does not */
	OKS3(ps_s3_put_if_match(s3, key, b, sizeof b, e1, e2));
	CHECK(strcmp(e1, e2) != 0);
	CHECK(bytes_equal(s3, key, b, sizeof b));
	CHECK_EQ_INT(ps_s3_put_if_match(s3, key, a, sizeof a, e1, e3), PS_S3_ECHANGED);
	CHECK(bytes_equal(s3, key, b, sizeof b));
	int rc = ps_s3_put_if_match(s3, "file_history/none.parquet", a, sizeof a, e1, e3);
	CHECK(rc == PS_ENOTFOUND || rc == PS_S3_ECHANGED);
	CHECK(absent(s3, "file_history/none.parquet"));
	CHECK_EQ_INT(ps_s3_put_if_match(s3, key, a, sizeof a, "\"quoted\"", e3), PS_EINVAL);
}

/* Reads pinned to the version a tail GET saw: a replacement fails them
 * with PS_S3_ECHANGED instead of mixing two versions' bytes. */
static void test_pin(ps_s3 *s3)
{
	char v1[4000], v2[4000], buf[4000];
	memset(v1, 'a', sizeof v1);
	memset(v2, 'b', sizeof v2);
	OKS3(ps_s3_put(s3, "pinned", v1, sizeof v1, NULL));
	size_t g = 0;
	uint64_t size = 0;
	OKS3(ps_s3_get_tail(s3, "pinned", 100, buf, &g, &size));
	char etag[PS_S3_ETAG_MAX];
	snprintf(etag, sizeof etag, "%s", ps_s3_last_etag(s3));
	CHECK(etag[0] != 0);
	ps_s3_pin(s3, etag);
	OKS3(ps_s3_get_range(s3, "pinned", 0, 10, buf, &g));
	CHECK_MEM(buf, v1, 10);
	ps_s3_range r[2] = {{0, 100, buf, 0}, {2000, 100, buf + 200, 0}};
	OKS3(ps_s3_get_ranges(s3, "pinned", r, 2));
	CHECK_MEM(buf + 200, v1, 100);
	OKS3(ps_s3_put(s3, "pinned", v2, sizeof v2, NULL));
	CHECK_EQ_INT(ps_s3_get_range(s3, "pinned", 0, 10, buf, &g), PS_S3_ECHANGED);
	CHECK(strstr(ps_errmsg(), "replaced while it was read") != NULL);
	CHECK_EQ_INT(ps_s3_get_ranges(s3, "pinned", r, 2), PS_S3_ECHANGED);
	ps_s3_pin(s3, NULL);
	OKS3(ps_s3_get_range(s3, "pinned", 0, 10, buf, &g));
	CHECK_MEM(buf, v2, 10);
	OKS3(ps_s3_delete(s3, "pinned"));
}

static void test_list(ps_s3 *s3)
{
	char key[128];
	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof key, "probe_results/a.example_443/scan_20260101_0000%02d.parquet", i);
		OKS3(ps_s3_put(s3, key, key, strlen(key), NULL));
	}
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "probe_results/b.example_80/scan_20260101_0000%02d.parquet", i);
		OKS3(ps_s3_put(s3, key, "x", 1, NULL));
	}
	ps_s3_list_page p;
	OKS3(ps_s3_list(s3, "probe_results/", "/", NULL, 0, &p));
	CHECK_EQ_INT(p.n_entries, 0);
	/* with the scan of test_objects */
	CHECK_EQ_INT(p.n_prefixes, 3);
	CHECK(p.n_prefixes == 3 && !strcmp(p.prefixes[0], "probe_results/a.example_443/") &&
	      !strcmp(p.prefixes[1], "probe_results/b.example_80/") &&
	      !strcmp(p.prefixes[2], "probe_results/example.com_443/"));
	CHECK(p.next_token == NULL);
	ps_s3_list_page_free(&p);

	/* pages of 10: 10, 10, 5, in key order, continued by token */
	int seen = 0, pages = 0;
	char *token = NULL;
	do {
		OKS3(ps_s3_list(s3, "probe_results/a.example_443/", NULL, token, 10, &p));
		free(token);
		token = p.next_token ? strdup(p.next_token) : NULL;
		pages++;
		CHECK_EQ_INT(p.n_entries, pages < 3 ? 10 : 5);
		for (size_t i = 0; i < p.n_entries; i++, seen++) {
			snprintf(key, sizeof key, "probe_results/a.example_443/scan_20260101_0000%02d.parquet", seen);
			CHECK(!strcmp(p.entries[i].key, key));
			CHECK_EQ_INT(p.entries[i].size, strlen(key));
			CHECK(strlen(p.entries[i].etag) == 32);
		}
		ps_s3_list_page_free(&p);
	} while (token && pages < 10);
	CHECK_EQ_INT(pages, 3);
	CHECK_EQ_INT(seen, 25);
	free(token);

	/* nothing under another prefix */
	OKS3(ps_s3_list(s3, "nothing/here/", "/", NULL, 0, &p));
	CHECK_EQ_INT(p.n_entries + p.n_prefixes, 0);
	ps_s3_list_page_free(&p);
}

static void test_ranges(ps_s3 *s3)
{
	const size_t n = (size_t)1 << 20;
	uint8_t *data = malloc(n);
	REQUIRE(data);
	fill(data, n, 4);
	const char *key = "ranges.bin";
	OKS3(ps_s3_put(s3, key, data, n, NULL));
	uint8_t b0[100], b1[200], b2[100], b3[1000], b4[1000], b5[10];
	/* three adjacent ranges given out of order (one request), one alone,
	 * one over the end and one past it that overlap (one request) */
	ps_s3_range r[6] = {
		{100, sizeof b1, b1, 0}, {0, sizeof b0, b0, 0}, {300, sizeof b2, b2, 0},
		{500000, sizeof b3, b3, 0}, {n - 424, sizeof b4, b4, 0}, {n + 10, sizeof b5, b5, 0},
	};
	ps_s3_stats s0, s1;
	ps_s3_stats_get(s3, &s0);
	OKS3(ps_s3_get_ranges(s3, key, r, 6));
	ps_s3_stats_get(s3, &s1);
	CHECK_EQ_INT(s1.requests - s0.requests, 3);
	CHECK_EQ_INT(s1.bytes_fetched - s0.bytes_fetched, 400 + 1000 + 424);
	CHECK_EQ_INT(r[0].got, 200);
	CHECK_EQ_INT(r[1].got, 100);
	CHECK_EQ_INT(r[2].got, 100);
	CHECK_EQ_INT(r[3].got, 1000);
	CHECK_EQ_INT(r[4].got, 424);
	CHECK_EQ_INT(r[5].got, 0);
	CHECK_MEM(b0, data, 100);
	CHECK_MEM(b1, data + 100, 200);
	CHECK_MEM(b2, data + 300, 100);
	CHECK_MEM(b3, data + 500000, 1000);
	CHECK_MEM(b4, data + n - 424, 424);

	/* 40 ranges of a column chunk's pages with gaps: 8 at a time, each checked */
	ps_s3_range many[40];
	uint8_t *dst = malloc(40 * 4096);
	REQUIRE(dst);
	for (int i = 0; i < 40; i++)
		many[i] = (ps_s3_range){(uint64_t)i * 20000 + 7, 4096, dst + (size_t)i * 4096, 0};
	ps_s3_stats_get(s3, &s0);
	OKS3(ps_s3_get_ranges(s3, key, many, 40));
	ps_s3_stats_get(s3, &s1);
	CHECK_EQ_INT(s1.requests - s0.requests, 40);
	for (int i = 0; i < 40; i++) {
		CHECK_EQ_INT(many[i].got, 4096);
		CHECK_MEM(many[i].dst, data + (size_t)i * 20000 + 7, 4096);
	}
	CHECK_EQ_INT(ps_s3_get_ranges(s3, "no/such/key", many, 3), PS_ENOTFOUND);
	free(dst);
	free(data);
}

static void test_ranges_gap(ps_s3_options *o)
{
	o->coalesce_gap = 16384;
}

static void test_coalesce_gap(const char *endpoint)
{
	ps_s3 *s3 = open_s3(endpoint, test_ranges_gap);
	uint8_t a[100], b[100];
	ps_s3_range r[2] = {{1000, 100, a, 0}, {11000, 100, b, 0}};
	ps_s3_stats s0, s1;
	ps_s3_stats_get(s3, &s0);
	OKS3(ps_s3_get_ranges(s3, "ranges.bin", r, 2));
	ps_s3_stats_get(s3, &s1);
	/* one request of 10,100 bytes covers both */
	CHECK_EQ_INT(s1.requests - s0.requests, 1);
	CHECK_EQ_INT(s1.bytes_fetched - s0.bytes_fetched, 10100);
	uint8_t *data = malloc((size_t)1 << 20);
	REQUIRE(data);
	fill(data, (size_t)1 << 20, 4);
	CHECK_MEM(a, data + 1000, 100);
	CHECK_MEM(b, data + 11000, 100);
	free(data);
	ps_s3_close(s3);
}

static void test_ranges_useful(ps_s3_options *o)
{
	o->coalesce_gap = 1000;
	o->coalesce_gap_useful = 20000;
}

/* Past coalesce_gap, a gap up to coalesce_gap_useful is fetched when it is
 * no larger than the ranges it joins. */
static void test_coalesce_useful(const char *endpoint)
{
	ps_s3 *s3 = open_s3(endpoint, test_ranges_useful);
	uint8_t *data = malloc((size_t)1 << 20), *a = malloc(30000), *b = malloc(6000);
	REQUIRE(data && a && b);
	fill(data, (size_t)1 << 20, 4);
	struct {
		uint64_t off_a;
		size_t len_a;
		uint64_t off_b;
		size_t len_b;
		int requests;
		int64_t bytes;
	} t[] = {
		{0, 5000, 15000, 6000, 1, 21000},     /* gap 10,000 <= 11,000 wanted */
		{0, 1000, 15000, 1000, 2, 2000},      /* gap 14,000 > 2,000 wanted */
		{0, 30000, 55000, 100, 2, 30100},     /* gap 25,000 > 20,000 */
		{100, 900, 1800, 900, 1, 2600},       /* within coalesce_gap */
	};
	for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
		ps_s3_range r[2] = {{t[k].off_a, t[k].len_a, a, 0}, {t[k].off_b, t[k].len_b, b, 0}};
		ps_s3_stats s0, s1;
		ps_s3_stats_get(s3, &s0);
		OKS3(ps_s3_get_ranges(s3, "ranges.bin", r, 2));
		ps_s3_stats_get(s3, &s1);
		CHECK_EQ_INT(s1.requests - s0.requests, t[k].requests);
		CHECK_EQ_INT(s1.bytes_fetched - s0.bytes_fetched, t[k].bytes);
		CHECK_EQ_INT(r[0].got, t[k].len_a);
		CHECK_EQ_INT(r[1].got, t[k].len_b);
		CHECK_MEM(a, data + t[k].off_a, t[k].len_a);
		CHECK_MEM(b, data + t[k].off_b, t[k].len_b);
	}
	free(data);
	free(a);
	free(b);
	ps_s3_close(s3);
}

/* Writes n bytes of data through an upload in uneven pieces. */
static int upload_pieces(ps_s3_upload *u, const uint8_t *data, size_t n)
{
	size_t at = 0, piece = 1;
	while (at < n) {
		size_t k = piece < n - at ? piece : n - at;
		int rc = ps_s3_upload_write(u, data + at, k);
		if (rc)
			return rc;
		at += k;
		piece = piece * 3 + 1;
		if (piece > ((size_t)3 << 20))
			piece = 777777;
	}
	return 0;
}

static void test_multipart(ps_s3 *s3)
{
	const size_t n = ((size_t)21 << 20) + 123;
	uint8_t *data = malloc(n);
	REQUIRE(data);
	fill(data, n, 5);
	const char *key = "file_history/big.example_443/archive/00ff00ff_20261204_120000.parquet";
	ps_s3_upload *u;
	OKS3(ps_s3_upload_begin(s3, key, &u));
	OKS3(upload_pieces(u, data, n));
	/* nothing visible before finish, one upload in progress */
	CHECK(absent(s3, key));
	size_t ups = 99;
	OKS3(ps_s3_uploads_count(s3, "file_history/big.example_443/", &ups));
	CHECK_EQ_INT(ups, 1);
	char etag[PS_S3_ETAG_MAX];
	OKS3(ps_s3_upload_finish(u, etag));
	if (!CHECK_ETAG_PARTS(etag, "-5"))
		fprintf(stderr, "multipart ETag: %s\n", etag);
	ps_s3_stat st;
	OKS3(ps_s3_head(s3, key, &st));
	CHECK_EQ_INT(st.size, n);
	CHECK(bytes_equal(s3, key, data, n));
	OKS3(ps_s3_uploads_count(s3, "file_history/big.example_443/", &ups));
	CHECK_EQ_INT(ups, 0);

	/* abort after two parts: no object, no upload */
	const char *key2 = "file_history/big.example_443/aborted.parquet";
	OKS3(ps_s3_upload_begin(s3, key2, &u));
	OKS3(upload_pieces(u, data, ((size_t)12 << 20)));
	OKS3(ps_s3_uploads_count(s3, "file_history/big.example_443/", &ups));
	CHECK_EQ_INT(ups, 1);
	OKS3(ps_s3_upload_abort(u));
	CHECK(absent(s3, key2));
	OKS3(ps_s3_uploads_count(s3, "file_history/big.example_443/", &ups));
	CHECK_EQ_INT(ups, 0);

	/* an upload smaller than a part is one PUT */
	ps_s3_stats s0, s1;
	ps_s3_stats_get(s3, &s0);
	OKS3(ps_s3_upload_begin(s3, "small_upload", &u));
	OKS3(upload_pieces(u, data, 100000));
	OKS3(ps_s3_upload_finish(u, NULL));
	ps_s3_stats_get(s3, &s1);
	CHECK_EQ_INT(s1.requests - s0.requests, 1);
	CHECK(bytes_equal(s3, "small_upload", data, 100000));
	free(data);
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* 64 MiB streamed in 1 MiB pieces that are made on the fly: the client's
 * memory stays near one part, and every byte reads back. Runs first, while
 * the peak resident size is still low. */
static void test_stream_memory(ps_s3 *s3)
{
	const size_t piece = (size_t)1 << 20;
	const int pieces = 64;
	uint8_t *buf = malloc(piece), *back = malloc(piece);
	REQUIRE(buf && back);
	long rss0 = peak_rss_kb();
	double t0 = now_s();
	ps_s3_upload *u;
	OKS3(ps_s3_upload_begin(s3, "stream/64mib.bin", &u));
	for (int i = 0; i < pieces; i++) {
		fill(buf, piece, 1000 + (uint64_t)i);
		OKS3(ps_s3_upload_write(u, buf, piece));
	}
	char etag[PS_S3_ETAG_MAX];
	OKS3(ps_s3_upload_finish(u, etag));
	double dt = now_s() - t0;
	long grew = peak_rss_kb() - rss0;
	printf("test_s3: 64 MiB streamed in 5 MiB parts in %.2f s (%.0f MiB/s), peak resident size grew %ld KiB\n", dt,
	       64.0 / dt, grew);
#ifndef UNDER_ASAN
	CHECK(grew < 24 * 1024);
#else
	printf("test_s3: (the resident size bound is not checked under AddressSanitizer, whose quarantine holds freed memory)\n");
#endif
	CHECK_ETAG_PARTS(etag, "-13");
	ps_s3_stat st;
	OKS3(ps_s3_head(s3, "stream/64mib.bin", &st));
	CHECK_EQ_INT(st.size, (uint64_t)pieces * piece);
	int bad = 0;
	for (int i = 0; i < pieces; i++) {
		size_t got = 0;
		fill(buf, piece, 1000 + (uint64_t)i);
		if (ps_s3_get_range(s3, "stream/64mib.bin", (uint64_t)i * piece, piece, back, &got) || got != piece ||
		    memcmp(buf, back, piece))
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	OKS3(ps_s3_delete(s3, "stream/64mib.bin"));
	free(buf);
	free(back);
}

static void virtual_hosted(ps_s3_options *o)
{
	o->path_style = false;
}

/* bucket.localhost:port (libcurl resolves *.localhost to the loopback;
 * scripts/ceph.sh names radosgw's DNS name localhost) */
static void test_virtual_host(ps_s3 *direct, const char *endpoint)
{
	const char *colon = strrchr(endpoint, ':');
	char url[64];
	snprintf(url, sizeof url, "http://localhost:%d", atoi(colon + 1));
	ps_s3 *s3 = open_s3(url, virtual_hosted);
	OKS3(ps_s3_put(s3, "virtual/host style", "abc", 3, NULL));
	CHECK(bytes_equal(direct, "virtual/host style", (const uint8_t *)"abc", 3));
	ps_s3_list_page p;
	OKS3(ps_s3_list(s3, "virtual/", NULL, NULL, 0, &p));
	CHECK(p.n_entries == 1 && !strcmp(p.entries[0].key, "virtual/host style"));
	ps_s3_list_page_free(&p);
	ps_s3_close(s3);
}

static ps_cancel cancel_token;

static void with_cancel(ps_s3_options *o)
{
	o->cancel = &cancel_token;
}

static void test_cancel(ps_s3 *direct, const char *endpoint)
{
	ps_s3 *s3 = open_s3(endpoint, with_cancel);
	const size_t n = (size_t)11 << 20;
	uint8_t *data = malloc(n);
	REQUIRE(data);
	fill(data, n, 6);
	const char *key = "canceled/upload.parquet";
	ps_s3_upload *u;
	OKS3(ps_s3_upload_begin(s3, key, &u));
	OKS3(ps_s3_upload_write(u, data, ((size_t)6 << 20)));  /* one part sent */
	ps_cancel_request(&cancel_token);
	CHECK_EQ_INT(ps_s3_upload_write(u, data, (size_t)5 << 20), PS_ECANCELED);
	CHECK_EQ_INT(ps_s3_upload_finish(u, NULL), PS_EINVAL);
	CHECK(absent(direct, key));
	size_t ups = 99;
	OKS3(ps_s3_uploads_count(direct, "canceled/", &ups));
	CHECK_EQ_INT(ups, 0);
	/* a canceled handle starts no request */
	CHECK_EQ_INT(ps_s3_put(s3, key, data, 10, NULL), PS_ECANCELED);
	CHECK(absent(direct, key));
	free(data);
	ps_s3_close(s3);
}

/* ---- through the fault-injecting proxy ---- */

static void fast_retries(ps_s3_options *o)
{
	o->max_attempts = 4;
	o->backoff_base_ms = 20;
	o->backoff_max_ms = 200;
	o->retry_budget_ms = 20000;
	o->stall_timeout_s = 1;
	o->max_inflight = 4;
}

static void one_attempt(ps_s3_options *o)
{
	fast_retries(o);
	o->max_attempts = 1;
}

static void short_budget(ps_s3_options *o)
{
	fast_retries(o);
	o->max_attempts = 1000;
	o->backoff_base_ms = 100;
	o->backoff_max_ms = 400;
	o->retry_budget_ms = 1500;
}


static ps_cancel stall_cancel;

static void fast_cancelable(ps_s3_options *o)
{
	fast_retries(o);
	o->stall_timeout_s = 10;
	o->cancel = &stall_cancel;
}

static void *cancel_later(void *arg)
{
	(void)arg;
	fp_sleep_ms(300);
	ps_cancel_request(&stall_cancel);
	return NULL;
}

/* A cancellation from another thread stops a transfer in progress: the
 * server stalls 3 s, the stall timeout is 10 s, the cancellation comes
 * after 0.3 s. */
static void test_cancel_in_flight(fault_proxy *fp, const char *purl)
{
	ps_s3 *s3 = open_s3(purl, fast_cancelable);
	fp->stall_ms = 3000;
	fp_inject(fp, FP_STALL, 1, "GET");
	pthread_t t;
	REQUIRE(pthread_create(&t, NULL, cancel_later, NULL) == 0);
	double t0 = now_s();
	uint8_t b[16];
	size_t got;
	CHECK_EQ_INT(ps_s3_get_range(s3, "faults/slowdown", 0, sizeof b, b, &got), PS_ECANCELED);
	double dt = now_s() - t0;
	pthread_join(t, NULL);
	CHECK(dt >= 0.25 && dt < 2.0);
	CHECK(strstr(ps_errmsg(), "canceled") && strstr(ps_errmsg(), "faults/slowdown"));
	CHECK_EQ_INT(fp_faults(fp), 1);
	ps_s3_close(s3);
}

static void test_faults(ps_s3 *direct, fault_proxy *fp, const char *purl)
{
	ps_s3 *s3 = open_s3(purl, fast_retries);
	const size_t n = (size_t)3 << 20;
	uint8_t *data = malloc(n), *other = malloc(n);
	REQUIRE(data && other);
	fill(data, n, 7);
	fill(other, n, 8);
	ps_s3_stats s0, s1;

	/* no fault: the proxy passes requests through */
	OKS3(ps_s3_put(s3, "faults/plain", data, 1000, NULL));
	CHECK(bytes_equal(direct, "faults/plain", data, 1000));

	/* 503 SlowDown twice, then the PUT goes through */
	ps_s3_stats_get(s3, &s0);
	fp_inject(fp, FP_SLOWDOWN, 2, "PUT");
	OKS3(ps_s3_put(s3, "faults/slowdown", data, n, NULL));
	ps_s3_stats_get(s3, &s1);
	CHECK_EQ_INT(fp_faults(fp), 2);
	CHECK_EQ_INT(s1.retries - s0.retries, 2);
	CHECK(bytes_equal(direct, "faults/slowdown", data, n));

	/* connections reset before an answer, twice, on GET */
	fp_inject(fp, FP_RESET, 2, "GET");
	CHECK(bytes_equal(s3, "faults/slowdown", data, n));
	CHECK_EQ_INT(fp_faults(fp), 2);

	/* a stall longer than the stall timeout */
	fp->stall_ms = 4000;
	double t0 = now_s();
	fp_inject(fp, FP_STALL, 1, "GET");
	size_t got = 0;
	uint8_t tail[64];
	OKS3(ps_s3_get_tail(s3, "faults/slowdown", sizeof tail, tail, &got, NULL));
	double dt = now_s() - t0;
	CHECK_EQ_INT(got, sizeof tail);
	CHECK_MEM(tail, data + n - sizeof tail, sizeof tail);
	CHECK(dt >= 0.9 && dt < 3.9);
	CHECK_EQ_INT(fp_faults(fp), 1);

	/* reset in the middle of a PUT's body: the retry writes it whole */
	fp_inject(fp, FP_RESET_BODY, 1, "PUT");
	OKS3(ps_s3_put_new(s3, "faults/midbody", data, n, NULL));
	CHECK_EQ_INT(fp_faults(fp), 1);
	CHECK(bytes_equal(direct, "faults/midbody", data, n));

	/* the answer to a conditional PUT is lost after the write: the retry's
	 * 412 is recognised as our own write */
	char etag[PS_S3_ETAG_MAX];
	fp_inject(fp, FP_DROP_RESPONSE, 1, "PUT");
	OKS3(ps_s3_put_new(s3, "faults/lost", data, n, etag));
	CHECK_EQ_INT(fp_faults(fp), 1);
	CHECK(strlen(etag) == 32);
	CHECK(bytes_equal(direct, "faults/lost", data, n));
	/* ... but another writer's object is still "exists" */
	fp_inject(fp, FP_DROP_RESPONSE, 1, "PUT");
	CHECK_EQ_INT(ps_s3_put_new(s3, "faults/lost", other, n, NULL), PS_S3_EEXISTS);
	CHECK(bytes_equal(direct, "faults/lost", data, n));
	/* and a compare-and-swap whose answer is lost */
	char etag2[PS_S3_ETAG_MAX];
	fp_inject(fp, FP_DROP_RESPONSE, 1, "PUT");
	OKS3(ps_s3_put_if_match(s3, "faults/lost", other, n, etag, etag2));
	CHECK(strcmp(etag, etag2) != 0);
	CHECK(bytes_equal(direct, "faults/lost", other, n));

	/* a GET's answer cut in half: retried, the bytes whole, the partial
	 * bytes counted as fetched */
	ps_s3_stats_get(s3, &s0);
	fp_inject(fp, FP_CUT_RESPONSE, 1, "GET");
	CHECK(bytes_equal(s3, "faults/slowdown", data, n));
	ps_s3_stats_get(s3, &s1);
	CHECK(s1.bytes_fetched - s0.bytes_fetched > n);
	CHECK(s1.bytes_fetched - s0.bytes_fetched < 2 * n);

	/* ranges in flight with resets among them */
	ps_s3_range r[6];
	uint8_t *dst = malloc(6 * 10000);
	REQUIRE(dst);
	for (int i = 0; i < 6; i++)
		r[i] = (ps_s3_range){(uint64_t)i * 400000 + 3, 10000, dst + i * 10000, 0};
	fp_inject(fp, FP_RESET, 3, "GET");
	OKS3(ps_s3_get_ranges(s3, "faults/slowdown", r, 6));
	CHECK_EQ_INT(fp_faults(fp), 3);
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_INT(r[i].got, 10000);
		CHECK_MEM(r[i].dst, data + (size_t)i * 400000 + 3, 10000);
	}
	/* 8 ranges each held 300 ms by the proxy: 4 in flight at once, so two
	 * waves, not eight */
	ps_s3_range w[8];
	uint8_t *wdst = malloc(8 * 1000);
	REQUIRE(wdst);
	for (int i = 0; i < 8; i++)
		w[i] = (ps_s3_range){(uint64_t)i * 300000, 1000, wdst + i * 1000, 0};
	fp->stall_ms = 300;
	fp_inject(fp, FP_DELAY, 8, "GET");
	t0 = now_s();
	OKS3(ps_s3_get_ranges(s3, "faults/slowdown", w, 8));
	dt = now_s() - t0;
	CHECK_EQ_INT(fp_faults(fp), 8);
	CHECK_EQ_INT(fp->max_delaying, 4);
	CHECK(dt >= 0.55 && dt < 1.5);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ_INT(w[i].got, 1000);
		CHECK_MEM(w[i].dst, data + (size_t)i * 300000, 1000);
	}
	printf("test_s3: 8 ranged GETs held 300 ms each took %.2f s, %d in flight at most\n", dt, fp->max_delaying);
	free(wdst);
	/* and past the bounds the ranged read fails and says so */
	fp_inject(fp, FP_SLOWDOWN, 1000, "GET");
	CHECK_EQ_INT(ps_s3_get_ranges(s3, "faults/slowdown", r, 6), PS_EIO);
	CHECK(strstr(ps_errmsg(), "SlowDown") && strstr(ps_errmsg(), "4 attempts"));
	fp_inject(fp, FP_NONE, 0, NULL);
	free(dst);

	/* a multipart upload with a part reset mid-body and a 503 on complete */
	const size_t big = ((size_t)11 << 20) + 5;
	uint8_t *bigdata = malloc(big);
	REQUIRE(bigdata);
	fill(bigdata, big, 9);
	ps_s3_upload *u;
	OKS3(ps_s3_upload_begin(s3, "faults/multipart", &u));
	fp_inject(fp, FP_RESET_BODY, 1, "PUT");
	OKS3(upload_pieces(u, bigdata, big));
	CHECK_EQ_INT(fp_faults(fp), 1);
	fp_inject(fp, FP_SLOWDOWN, 1, "POST");
	OKS3(ps_s3_upload_finish(u, NULL));
	CHECK_EQ_INT(fp_faults(fp), 1);
	CHECK(bytes_equal(direct, "faults/multipart", bigdata, big));

	/* the complete request's answer lost: the upload is gone, the object there */
	OKS3(ps_s3_upload_begin(s3, "faults/multipart2", &u));
	OKS3(upload_pieces(u, bigdata, big));
	fp_inject(fp, FP_DROP_RESPONSE, 1, "POST");
	OKS3(ps_s3_upload_finish(u, etag));
	if (!CHECK_ETAG_PARTS(etag, "-3"))
		fprintf(stderr, "multipart ETag: %s\n", etag);
	CHECK(bytes_equal(direct, "faults/multipart2", bigdata, big));

	/* parts failing past the bounds: the upload is aborted, nothing shows */
	OKS3(ps_s3_upload_begin(s3, "faults/multipart_failed", &u));
	fp_inject(fp, FP_SLOWDOWN, 1000, "PUT");
	int rc = upload_pieces(u, bigdata, big);
	CHECK_EQ_INT(rc, PS_EIO);
	CHECK(strstr(ps_errmsg(), "upload part") && strstr(ps_errmsg(), "faults/multipart_failed") &&
	      strstr(ps_errmsg(), "503") && strstr(ps_errmsg(), "4 attempts"));
	fp_inject(fp, FP_NONE, 0, NULL);
	CHECK_EQ_INT(ps_s3_upload_finish(u, NULL), PS_EINVAL);
	CHECK(absent(direct, "faults/multipart_failed"));
	size_t ups = 99;
	OKS3(ps_s3_uploads_count(direct, "faults/", &ups));
	CHECK_EQ_INT(ups, 0);
	free(bigdata);

	/* past max_attempts: a clear error, no object */
	fp_inject(fp, FP_SLOWDOWN, 1000, "PUT");
	rc = ps_s3_put(s3, "faults/never", data, 1000, NULL);
	CHECK_EQ_INT(rc, PS_EIO);
	const char *msg = ps_errmsg();
	CHECK(strstr(msg, "PUT") && strstr(msg, "faults/never") && strstr(msg, "HTTP 503 SlowDown") &&
	      strstr(msg, "4 attempts"));
	CHECK(!strstr(msg, getenv("AWS_SECRET_ACCESS_KEY")));
	printf("test_s3: past the bounds: %s\n", msg);
	CHECK_EQ_INT(fp_faults(fp), 4);
	fp_inject(fp, FP_NONE, 0, NULL);
	CHECK(absent(direct, "faults/never"));
	ps_s3_close(s3);

	/* one attempt only: a reset mid-body fails the PUT, nothing partial */
	s3 = open_s3(purl, one_attempt);
	fp_inject(fp, FP_RESET_BODY, 1, "PUT");
	rc = ps_s3_put(s3, "faults/partial", data, n, NULL);
	CHECK_EQ_INT(rc, PS_EIO);
	CHECK(strstr(ps_errmsg(), "faults/partial") && strstr(ps_errmsg(), "1 attempt"));
	CHECK(absent(direct, "faults/partial"));
	/* stalls past the timeout, on the only attempt */
	fp->stall_ms = 3000;
	fp_inject(fp, FP_STALL, 1, "GET");
	CHECK_EQ_INT(ps_s3_get(s3, "faults/slowdown", &(uint8_t *){NULL}, &got, NULL), PS_EIO);
	CHECK(strstr(ps_errmsg(), "GET") && strstr(ps_errmsg(), "faults/slowdown"));
	ps_s3_close(s3);

	/* the total time bound: SlowDown forever stops after the budget */
	s3 = open_s3(purl, short_budget);
	fp_inject(fp, FP_SLOWDOWN, 100000, NULL);
	t0 = now_s();
	rc = ps_s3_get_range(s3, "faults/slowdown", 0, 10, tail, &got);
	dt = now_s() - t0;
	CHECK_EQ_INT(rc, PS_EIO);
	CHECK(dt < 2.5);
	CHECK(fp_faults(fp) >= 3 && fp_faults(fp) < 1000);
	CHECK(strstr(ps_errmsg(), "gave up"));
	fp_inject(fp, FP_NONE, 0, NULL);
	ps_s3_close(s3);

	/* a session token goes as x-amz-security-token; no secret in messages */
	setenv("AWS_SESSION_TOKEN", "session-token-for-the-test", 1);
	s3 = open_s3(purl, one_attempt);
	unsetenv("AWS_SESSION_TOKEN");
	fp_inject(fp, FP_RECORD_503, 1, NULL);
	CHECK_EQ_INT(ps_s3_head(s3, "faults/token", &(ps_s3_stat){0}), PS_EIO);
	CHECK(strcasestr(fp->last_head, "x-amz-security-token: session-token-for-the-test\r\n") != NULL);
	CHECK(strcasestr(fp->last_head, "x-amz-content-sha256: ") != NULL);
	CHECK(strcasestr(fp->last_head, "Authorization: AWS4-HMAC-SHA256 Credential=") != NULL);
	CHECK(!strstr(ps_errmsg(), "session-token") && !strstr(ps_errmsg(), getenv("AWS_SECRET_ACCESS_KEY")));
	ps_s3_close(s3);

	free(data);
	free(other);
}

static void canned(fault_proxy *fp, int status, const char *body)
{
	fp->canned_status = status;
	fp->canned_body = body;
	fp_inject(fp, FP_CANNED, 1, NULL);
}

/* Answers that are not what S3 sends: an error naming what, no crash. */
static void test_bad_answers(fault_proxy *fp, const char *purl)
{
	ps_s3 *s3 = open_s3(purl, one_attempt);
	ps_s3_list_page p;
	char deep[4096] = "";
	for (int i = 0; i < 100; i++)
		strcat(deep, "<a>");
	static const struct {
		int status;
		const char *body;
		int rc;
		const char *says;
	} lists[] = {
		{200, "<ListBucketResult><Contents><Key>x", PS_ECORRUPT, "does not parse"},
		{200, "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", PS_ECORRUPT,
		 "without a continuation token"},
		{200, "<ListBucketResult><Contents><Key>elsewhere/k</Key></Contents></ListBucketResult>", PS_ECORRUPT,
		 "outside the prefix"},
		{200, "<ListBucketResult><Contents><Key>%s/k</Key><Size>12abc</Size></Contents></ListBucketResult>",
		 PS_ECORRUPT, "not a number"},
		{200, "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>", PS_ECORRUPT,
		 "without a key"},
		{200, NULL, PS_ECORRUPT, "nest too deep"},
		{403, "not XML at all", PS_EIO, "HTTP 403"},
		{403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>", PS_EIO, "HTTP 403 AccessDenied (no)"},
	};
	char body[1024];
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		const char *b = lists[i].body ? lists[i].body : deep;
		snprintf(body, sizeof body, b, run_prefix);
		canned(fp, lists[i].status, lists[i].body && strstr(lists[i].body, "%s") ? body : b);
		int rc = ps_s3_list(s3, "", NULL, NULL, 0, &p);
		CHECK_EQ_INT(rc, lists[i].rc);
		if (!strstr(ps_errmsg(), lists[i].says))
			fprintf(stderr, "answer %zu: message \"%s\" lacks \"%s\"\n", i, ps_errmsg(), lists[i].says);
		CHECK(strstr(ps_errmsg(), lists[i].says) != NULL);
		if (!rc)
			ps_s3_list_page_free(&p);
	}
	/* a create-multipart answer without an UploadId */
	uint8_t *data = calloc(1, (size_t)6 << 20);
	REQUIRE(data);
	ps_s3_upload *u;
	OKS3(ps_s3_upload_begin(s3, "bad/answers", &u));
	canned(fp, 200, "<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>");
	CHECK_EQ_INT(ps_s3_upload_write(u, data, (size_t)6 << 20), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "no UploadId") != NULL);
	CHECK_EQ_INT(ps_s3_upload_abort(u), 0);
	/* a complete answered 200 with an Error inside: an error, the upload aborted */
	OKS3(ps_s3_upload_begin(s3, "bad/answers", &u));
	OKS3(ps_s3_upload_write(u, data, (size_t)6 << 20));
	canned(fp, 200, "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
	fp->method = "POST";
	CHECK_EQ_INT(ps_s3_upload_finish(u, NULL), PS_EIO);
	CHECK(strstr(ps_errmsg(), "complete multipart upload") && strstr(ps_errmsg(), "InternalError"));
	CHECK(absent(s3, "bad/answers"));
	size_t ups = 99;
	OKS3(ps_s3_uploads_count(s3, "bad/", &ups));
	CHECK_EQ_INT(ups, 0);
	/* a ranged GET answered with a whole object larger than the range */
	canned(fp, 200, "0123456789abcdefghijklmnopqrstuvwxyz");
	size_t got = 99;
	int rc = ps_s3_get_range(s3, "bad/range", 0, 10, data, &got);
	CHECK(rc == PS_ELIMIT || rc == PS_EUNSUPPORTED);
	CHECK_EQ_INT(got, 0);
	CHECK(strstr(ps_errmsg(), "bad/range") != NULL);
	free(data);
	ps_s3_close(s3);
}

static void test_bad_config(void)
{
	ps_s3_options o;
	ps_s3_options_default(&o);
	ps_s3 *s3 = NULL;
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG); /* no bucket */
	o.bucket = "b";
	o.endpoint = "ftp://127.0.0.1:1";
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "ftp://") != NULL);
	o.endpoint = "not a url";
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG);
	o.endpoint = "http://127.0.0.1:1";
	o.part_size = 1000;
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG);
	CHECK(s3 == NULL);
	/* nothing listens on port 1: connection refused, retried, then a clear error */
	ps_s3_options_default(&o);
	o.bucket = "b";
	o.endpoint = "http://127.0.0.1:1";
	o.path_style = true;
	o.max_attempts = 2;
	o.backoff_base_ms = 1;
	OKS3(ps_s3_open(&s3, &o));
	CHECK_EQ_INT(ps_s3_put(s3, "k", "x", 1, NULL), PS_EIO);
	CHECK(strstr(ps_errmsg(), "PUT k") && strstr(ps_errmsg(), "2 attempts"));
	ps_s3_close(s3);
	setenv("AWS_SESSION_TOKEN", "a\r\nX-Injected: 1", 1);
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "AWS_SESSION_TOKEN") && !strstr(ps_errmsg(), "Injected"));
	unsetenv("AWS_SESSION_TOKEN");
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	char keep[256];
	snprintf(keep, sizeof keep, "%s", ak ? ak : "");
	unsetenv("AWS_ACCESS_KEY_ID");
	CHECK_EQ_INT(ps_s3_open(&s3, &o), PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "AWS_ACCESS_KEY_ID") != NULL);
	if (keep[0])
		setenv("AWS_ACCESS_KEY_ID", keep, 1);
}

int main(void)
{
	int rc = ceph_ready();
	if (rc)
		return rc;
	snprintf(run_prefix, sizeof run_prefix, "test_s3/%ld_%d", (long)time(NULL), (int)getpid());
	const char *endpoint = getenv("AWS_ENDPOINT_URL");
	ps_s3 *s3 = open_s3(endpoint, NULL);
	test_bad_config();
	test_stream_memory(s3);
	test_objects(s3);
	test_conditional(s3);
	test_list(s3);
	test_pin(s3);
	test_ranges(s3);
	test_coalesce_gap(endpoint);
	test_coalesce_useful(endpoint);
	test_multipart(s3);
	test_cancel(s3, endpoint);
	test_virtual_host(s3, endpoint);

	const char *colon = strrchr(endpoint, ':');
	REQUIRE(colon);
	fault_proxy fp;
	REQUIRE(fp_start(&fp, atoi(colon + 1)) == 0);
	char purl[64];
	snprintf(purl, sizeof purl, "http://127.0.0.1:%d", fp.port);
	test_faults(s3, &fp, purl);
	test_cancel_in_flight(&fp, purl);
	test_bad_answers(&fp, purl);
	fp_stop(&fp);

	cleanup_run(s3);
	ps_s3_stats st;
	ps_s3_stats_get(s3, &st);
	printf("test_s3: direct handle: %llu requests, %llu retries, %llu bytes fetched, %llu sent\n",
	       (unsigned long long)st.requests, (unsigned long long)st.retries, (unsigned long long)st.bytes_fetched,
	       (unsigned long long)st.bytes_sent);
	ps_s3_close(s3);
	ceph_stop();
	return test_report("test_s3");
}
