/* The footer cache of a store on object storage (storage/footer_cache.h).
 *
 * Locally: entries found only for the very key, size, ETag and scope they
 * were written for; a damaged or truncated entry is a miss; the directory
 * is private, and kept under its bound by removing the entries read least
 * recently. With PROBESTORE_TEST_BACKEND=s3 (the _s3 variant) also the
 * store: the footers of the scans a handle writes, or reads, are kept, and
 * a count then needs no footer GET per object for the same answer; a
 * damaged entry costs its GET and nothing else, a cache of size 0 writes
 * nothing, and an object replaced after the
 * listing named its version is read from its new version. A batch of
 * scans puts a footer index, which a handle with an empty cache reads in
 * one GET instead of a footer GET per scan; a damaged index costs that
 * GET and nothing else; scans too small for one put none. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probestore/probestore.h"
#include "store_internal.h"
#include "storage/backend.h"
#include "storage/footer_cache.h"
#include "storage/s3.h"
#include "test.h"

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* The entries (*.footer) of dir: their count, and the name of the first
 * in *first (may be NULL). */
static int entries(const char *dir, char *first, size_t cap)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 7 && !strcmp(e->d_name + l - 7, ".footer")) {
			if (!n && first)
				snprintf(first, cap, "%s/%s", dir, e->d_name);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

static uint64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	uint64_t n = 0;
	struct dirent *e;
	struct stat sb;
	while (d && (e = readdir(d)))
		if (fstatat(dirfd(d), e->d_name, &sb, 0) == 0 && S_ISREG(sb.st_mode))
			n += (uint64_t)sb.st_size;
	if (d)
		closedir(d);
	return n;
}

static void flip_byte(const char *path, off_t from_end)
{
	int fd = open(path, O_RDWR);
	REQUIRE(fd >= 0);
	struct stat sb;
	REQUIRE(fstat(fd, &sb) == 0);
	unsigned char c;
	REQUIRE(pread(fd, &c, 1, sb.st_size - from_end) == 1);
	c ^= 0x20;
	REQUIRE(pwrite(fd, &c, 1, sb.st_size - from_end) == 1);
	close(fd);
}

static void test_module(const char *tmp)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/a/b/footers", tmp);
	CHECK(ps_footer_cache_open(dir, 0, "s") == NULL);
	CHECK(ps_footer_cache_open("", 1 << 20, "s") == NULL);
	char afile[600];
	snprintf(afile, sizeof afile, "%s/a-file", tmp);
	FILE *af = fopen(afile, "w");
	REQUIRE(af);
	fclose(af);
	CHECK(ps_footer_cache_open(afile, 1 << 20, "s") == NULL); /* not a directory */
	ps_footer_cache *c = ps_footer_cache_open(dir, 1 << 20, "s");
	REQUIRE(c);
	uint8_t data[3000], *got;
	size_t len;
	uint64_t seed = 5;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)test_rand(&seed);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 0);
	ps_footer_cache_put(c, "t/x.parquet", 100000, "e1", data, sizeof data);
	struct stat sb;
	CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700);
	CHECK_EQ_INT(entries(dir, NULL, 0), 1);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 1);
	CHECK_EQ_INT(len, sizeof data);
	if (len == sizeof data)
		CHECK_MEM(got, data, len);
	free(got);
	/* another version, size, key or store: no entry */
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e2", &got, &len), 0);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100001, "e1", &got, &len), 0);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/y.parquet", 100000, "e1", &got, &len), 0);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "", &got, &len), 0);
	ps_footer_cache *other = ps_footer_cache_open(dir, 1 << 20, "s2");
	REQUIRE(other);
	CHECK_EQ_INT(ps_footer_cache_get(other, "t/x.parquet", 100000, "e1", &got, &len), 0);
	ps_footer_cache_close(other);
	/* a damaged byte of the footer, then of a name, then a torn file:
	 * misses, and a new put mends the entry */
	char path[700];
	REQUIRE(entries(dir, path, sizeof path) == 1);
	flip_byte(path, 100);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 0);
	ps_footer_cache_put(c, "t/x.parquet", 100000, "e1", data, sizeof data);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 1);
	free(got);
	flip_byte(path, (off_t)sizeof data + 1); /* the last byte of the ETag */
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 0);
	ps_footer_cache_put(c, "t/x.parquet", 100000, "e1", data, sizeof data);
	REQUIRE(truncate(path, 2000) == 0);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/x.parquet", 100000, "e1", &got, &len), 0);
	/* more bytes than the object has: never found */
	ps_footer_cache_put(c, "t/short.parquet", 100, "e1", data, sizeof data);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/short.parquet", 100, "e1", &got, &len), 0);
	/* larger than an eighth of the bound: not kept */
	ps_footer_cache_close(c);
	c = ps_footer_cache_open(dir, 16000, "s");
	REQUIRE(c);
	ps_footer_cache_put(c, "t/z.parquet", 100000, "e", data, 2001);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/z.parquet", 100000, "e", &got, &len), 0);
	ps_footer_cache_close(c);

	/* the bound: 40 entries of 1,500 bytes in a cache of 32,000, all
	 * made old; entry 7 read, then a new handle writes one more: the
	 * trim leaves at most three quarters of the bound, entry 7 among them */
	snprintf(dir, sizeof dir, "%s/bound", tmp);
	c = ps_footer_cache_open(dir, 1 << 20, "s");
	REQUIRE(c);
	char key[64];
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "t/%d.parquet", i);
		ps_footer_cache_put(c, key, 70000, "e", data, 1500);
	}
	ps_footer_cache_close(c);
	CHECK_EQ_INT(entries(dir, NULL, 0), 40);
	DIR *d = opendir(dir);
	REQUIRE(d);
	struct dirent *e;
	struct timespec old[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			CHECK(utimensat(dirfd(d), e->d_name, old, 0) == 0);
	closedir(d);
	c = ps_footer_cache_open(dir, 32000, "s");
	REQUIRE(c);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/7.parquet", 70000, "e", &got, &len), 1);
	free(got);
	ps_footer_cache_put(c, "t/new.parquet", 70000, "e", data, 1500);
	CHECK(dir_bytes(dir) <= 32000 / 4 * 3);
	CHECK(entries(dir, NULL, 0) >= 10);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/7.parquet", 70000, "e", &got, &len), 1);
	free(got);
	CHECK_EQ_INT(ps_footer_cache_get(c, "t/new.parquet", 70000, "e", &got, &len), 1);
	free(got);
	uint64_t hits, writes;
	ps_footer_cache_counts(c, &hits, &writes);
	CHECK_EQ_INT(hits, 3);
	CHECK_EQ_INT(writes, 1);
	ps_footer_cache_close(c);

	/* a listing kept: an entry of its own, not a footer, found for its
	 * directory and store only, replaced by the next, a damaged one a
	 * miss; not in the footers' counts */
	snprintf(dir, sizeof dir, "%s/listing", tmp);
	c = ps_footer_cache_open(dir, 1 << 20, "s");
	REQUIRE(c);
	CHECK_EQ_INT(ps_footer_cache_get_listing(c, "probe_results/", &got, &len), 0);
	ps_footer_cache_put_listing(c, "probe_results/", data, 1000);
	CHECK_EQ_INT(entries(dir, NULL, 0), 0);
	CHECK_EQ_INT(ps_footer_cache_get_listing(c, "probe_results/", &got, &len), 1);
	CHECK_EQ_INT(len, 1000);
	if (len == 1000)
		CHECK_MEM(got, data, len);
	free(got);
	CHECK_EQ_INT(ps_footer_cache_get_listing(c, "file_history/", &got, &len), 0);
	other = ps_footer_cache_open(dir, 1 << 20, "s2");
	REQUIRE(other);
	CHECK_EQ_INT(ps_footer_cache_get_listing(other, "probe_results/", &got, &len), 0);
	ps_footer_cache_close(other);
	ps_footer_cache_put_listing(c, "probe_results/", data + 7, 1200);
	CHECK_EQ_INT(ps_footer_cache_get_listing(c, "probe_results/", &got, &len), 1);
	CHECK_EQ_INT(len, 1200);
	if (len == 1200)
		CHECK_MEM(got, data + 7, len);
	free(got);
	d = opendir(dir);
	REQUIRE(d);
	int listings = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 8 && !strcmp(e->d_name + l - 8, ".listing")) {
			listings++;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	CHECK_EQ_INT(listings, 1);
	flip_byte(path, 10);
	CHECK_EQ_INT(ps_footer_cache_get_listing(c, "probe_results/", &got, &len), 0);
	ps_footer_cache_counts(c, &hits, &writes);
	CHECK_EQ_INT(hits, 0);
	CHECK_EQ_INT(writes, 0);
	ps_footer_cache_close(c);
}

/* ---- the store on a bucket ---- */

/* target 0's scan is larger than the footer GET (32 KiB): reading it
 * fetches more */
enum { TARGETS = 6, ROWS = 300, ROWS0 = 12000 };

static int keep_count(void *ud, const ps_probe_result *r)
{
	(void)r;
	(*(int64_t *)ud)++;
	return 0;
}

static ps_store *open_store(const char *base, const char *cache_dir, uint64_t size)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	cfg.object.footer_cache_dir = strdup(cache_dir);
	cfg.object.footer_cache_size = size;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	so.config = &cfg;
	ps_store *st;
	if (ps_store_open(&st, &so)) {
		fprintf(stderr, "ps_store_open %s: %s\n", base, ps_errmsg());
		exit(1);
	}
	ps_config_free(&cfg);
	return st;
}

/* q's count; *requests: what it asked of the bucket. */
static int64_t count_requests(ps_store *st, const ps_query *q, uint64_t *requests)
{
	ps_store_io_stats a, b;
	ps_store_io_stats_get(st, &a);
	int64_t n = -1;
	CHECK_OK(ps_store_count(st, q, &n));
	ps_store_io_stats_get(st, &b);
	*requests = b.requests - a.requests;
	return n;
}

/* A count of the 5xx rows of every target; *requests: what it asked of
 * the bucket. */
static int64_t count_5xx(ps_store *st, uint64_t *requests)
{
	static const int codes[] = {500, 502};
	ps_query q;
	ps_query_default(&q);
	q.status_codes = codes;
	q.n_status_codes = 2;
	return count_requests(st, &q, requests);
}

/* n rows of target (the t-th), their URLs random below it, their
 * statuses cycling through 200, 500, 301, 502, 404 from t on; *n5xx
 * counts the 5xx. titled: random titles too, columns after the URLs'
 * that a large object's footer GET then does not reach. Static storage:
 * valid until the next call. */
static ps_probe_result *rows_of(const char *target, int t, int n, bool titled, uint64_t *seed, int64_t *n5xx)
{
	static const int codes[] = {200, 500, 301, 502, 404};
	static char urls[12000][128], titles[12000][40];
	static ps_probe_result res[12000];
	REQUIRE(n <= 12000);
	for (int i = 0; i < n; i++) {
		snprintf(urls[i], sizeof urls[i], "https://%s/p/%d/%016llx", target, i, (unsigned long long)test_rand(seed));
		snprintf(titles[i], sizeof titles[i], "%016llx%016llx", (unsigned long long)test_rand(seed),
		         (unsigned long long)test_rand(seed));
		memset(&res[i], 0, sizeof res[i]);
		res[i].input_url = urls[i];
		res[i].title = titled ? titles[i] : NULL;
		res[i].status_code = codes[(i + t) % 5];
		*n5xx += res[i].status_code >= 500;
	}
	return res;
}

/* A handle on the test bucket of its own, to change objects behind the
 * store's back; so gets its options (so->bucket names the bucket). */
static ps_s3 *direct_handle(ps_s3_options *so)
{
	ps_s3_options_default(so);
	so->bucket = getenv("PROBESTORE_S3_BUCKET");
	so->path_style = true;
	ps_s3 *direct;
	REQUIRE(ps_s3_open(&direct, so) == 0);
	return direct;
}

static void test_store(const char *tmp)
{
	char base[600], cache[600], paths[TARGETS][4096];
	test_store_base(base, sizeof base, tmp);
	snprintf(cache, sizeof cache, "%s/store-footers", tmp);
	ps_store *st = open_store(base, cache, 64 << 20);
	int64_t want = 0;
	uint64_t seed = 9;
	for (int t = 0; t < TARGETS; t++) {
		ps_scan_options o;
		ps_scan_options_default(&o);
		char target[64];
		snprintf(target, sizeof target, "t%d.example.com", t);
		o.root_target = target;
		o.scan_time_ms = 1764000000000 + t;
		ps_scan_writer *w;
		CHECK_OK(ps_scan_writer_open(&w, st, &o));
		int n = t ? ROWS : ROWS0;
		CHECK_OK(ps_scan_writer_add(w, rows_of(target, t, n, t == 0, &seed, &want), (size_t)n));
		ps_scan_result sr;
		CHECK_OK(ps_scan_writer_commit(w, &sr));
		snprintf(paths[t], sizeof paths[t], "%s", sr.path);
	}
	ps_store_close(st);
	/* the writer kept the footers of what it put */
	CHECK_EQ_INT(entries(cache, NULL, 0), TARGETS);

	/* without the cache, each footer is fetched */
	char none[600];
	snprintf(none, sizeof none, "%s/no-footers", tmp);
	st = open_store(base, none, 0);
	uint64_t cold, warm, r;
	CHECK_EQ_INT(count_5xx(st, &cold), want);
	struct stat sb;
	CHECK(stat(none, &sb) != 0);
	ps_store_close(st);
	/* with it, none: a listing and the chunks */
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_5xx(st, &warm), want);
	CHECK_EQ_INT(warm, cold - TARGETS);
	/* a count without a filter: the listing alone */
	ps_query q;
	ps_query_default(&q);
	uint64_t made;
	CHECK_EQ_INT(count_requests(st, &q, &made), (TARGETS - 1) * ROWS + ROWS0);
	CHECK_EQ_INT(made, 1);
	/* a substring count, which nothing but the pages decides: the small
	 * objects' footer entries hold all of them, and the large one's URL
	 * columns come in one GET, the original_url chunk (too large to come
	 * with the pruning as a small chunk does) with final_url's */
	q.url_contains = "example";
	CHECK_EQ_INT(count_requests(st, &q, &made), (TARGETS - 1) * ROWS + ROWS0);
	CHECK_EQ_INT(made, 2);
	ps_store_close(st);
	printf("a count over %d objects: %llu requests, %llu with their footers kept\n", TARGETS,
	       (unsigned long long)cold, (unsigned long long)warm);

	/* a reader keeps what it fetched: removed, the entries come back */
	char path[700];
	while (entries(cache, path, sizeof path))
		REQUIRE(unlink(path) == 0);
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_5xx(st, &r), want);
	CHECK_EQ_INT(r, cold);
	ps_store_close(st);
	CHECK_EQ_INT(entries(cache, NULL, 0), TARGETS);

	/* a damaged entry: its footer fetched again, the answer the same */
	REQUIRE(entries(cache, path, sizeof path) == TARGETS);
	flip_byte(path, 50);
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_5xx(st, &r), want);
	CHECK_EQ_INT(r, warm + 1);
	ps_store_close(st);

	/* an object replaced after a listing named its version (and its
	 * footer is kept): the read of the old version's offsets fails as
	 * replaced, and the next read is of the new version. Scans are
	 * never replaced by the store: the test replaces scan 0 by the bytes
	 * of scan 1 behind its back. */
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_5xx(st, &r), want);
	ps_s3_options so;
	ps_s3 *direct = direct_handle(&so);
	const char *key0 = paths[0] + strlen("s3://") + strlen(so.bucket) + 1;
	const char *key1 = paths[1] + strlen("s3://") + strlen(so.bucket) + 1;
	uint8_t *bytes;
	size_t len;
	REQUIRE(ps_s3_get(direct, key1, &bytes, &len, NULL) == 0);
	REQUIRE(ps_s3_put(direct, key0, bytes, len, NULL) == 0);
	free(bytes);
	int64_t rows = 0;
	ps_storage_replaced_clear();
	int rc = ps_store_scan_stream(st, paths[0], keep_count, &rows, NULL);
	CHECK(rc != 0 && ps_storage_replaced());
	rows = 0;
	CHECK_OK(ps_store_scan_stream(st, paths[0], keep_count, &rows, NULL));
	CHECK_EQ_INT(rows, ROWS);
	ps_store_close(st);
	for (int t = 0; t < TARGETS; t++)
		ps_s3_delete(direct, paths[t] + strlen("s3://") + strlen(so.bucket) + 1);
	ps_s3_close(direct);
}

/* The footer indexes under the store at base: their count, the key of
 * the last listed in key. */
static int index_objects(ps_s3 *direct, const char *base, const char *bucket, char *key, size_t cap)
{
	char prefix[700];
	snprintf(prefix, sizeof prefix, "%s/probe_results/.footers/", base + strlen("s3://") + strlen(bucket) + 1);
	ps_s3_list_page page;
	REQUIRE(ps_s3_list(direct, prefix, NULL, NULL, 0, &page) == 0);
	int n = (int)page.n_entries;
	for (size_t i = 0; i < page.n_entries; i++)
		snprintf(key, cap, "%s", page.entries[i].key);
	ps_s3_list_page_free(&page);
	return n;
}

/* Scans of targets [t0, t0 + n) of rows rows each, committed as one
 * batch (as ingest commits them). */
static void write_batch(ps_store *st, int t0, int n, int rows, int64_t *n5xx)
{
	ps_scan_writer *w[8];
	uint64_t seed = 77 + (uint64_t)t0;
	REQUIRE(n <= 8);
	for (int t = 0; t < n; t++) {
		ps_scan_options o;
		ps_scan_options_default(&o);
		char target[64];
		snprintf(target, sizeof target, "i%d.example.com", t0 + t);
		o.root_target = target;
		o.scan_time_ms = 1764000000000 + t0 + t;
		CHECK_OK(ps_scan_writer_open(&w[t], st, &o));
		CHECK_OK(ps_scan_writer_add(w[t], rows_of(target, t, rows, false, &seed, n5xx), (size_t)rows));
	}
	size_t done = 0;
	ps_scan_result sr[8];
	memset(sr, 0, sizeof sr);
	CHECK_OK(ps_scan_writers_commit(w, (size_t)n, sr, &done, NULL));
	CHECK_EQ_INT(done, n);
}

static void note_bad_file(void *ud, const char *path, int code, const char *message)
{
	(void)code;
	fprintf(stderr, "bad file %s: %s\n", path, message);
	(*(int *)ud)++;
}

/* A count of every target's newest scan: answer and requests. */
static int64_t count_all(ps_store *st, const char *url_contains, uint64_t *requests, int *bad)
{
	ps_query q;
	ps_query_default(&q);
	q.url_contains = url_contains;
	q.on_bad_file = note_bad_file;
	q.bad_file_ud = bad;
	return count_requests(st, &q, requests);
}

/* A scan of target at time t: n rows (titled), their 5xx added to *n5xx. */
static void put_scan(ps_store *st, const char *target, int64_t t, int n, uint64_t *seed, int64_t *n5xx,
                     char *path, size_t cap)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	o.scan_time_ms = t;
	ps_scan_writer *w;
	CHECK_OK(ps_scan_writer_open(&w, st, &o));
	CHECK_OK(ps_scan_writer_add(w, rows_of(target, 0, n, true, seed, n5xx), (size_t)n));
	ps_scan_result sr;
	CHECK_OK(ps_scan_writer_commit(w, &sr));
	snprintf(path, cap, "%s", sr.path);
}

/* The listing a count keeps, and the next count's guess from it: the
 * newest scans it names opened while the count lists. Right, it costs no
 * request more; wrong (a newer scan written elsewhere, the newest scan
 * deleted, an object replaced), the answer is the listing's, what the
 * guess fetched for nothing shows as requests, and no file is called bad. */
static void test_guess(const char *tmp)
{
	char base[600], sub[600], cache[600], elsewhere[600], p0[4096], p1[4096], p2[4096], p3[4096];
	snprintf(sub, sizeof sub, "%s/guess", tmp);
	test_store_base(base, sizeof base, sub);
	snprintf(cache, sizeof cache, "%s/guess-footers", tmp);
	snprintf(elsewhere, sizeof elsewhere, "%s/guess-elsewhere", tmp);
	ps_store *st = open_store(base, cache, 64 << 20);
	uint64_t seed = 21;
	int64_t g1_5xx = 0, g2_5xx = 0, scratch = 0;
	/* g0 larger than its footer GET: counting it takes a GET */
	put_scan(st, "g0.example.com", 1764000000000, ROWS0, &seed, &scratch, p0, sizeof p0);
	put_scan(st, "g1.example.com", 1764000000000, ROWS, &seed, &g1_5xx, p1, sizeof p1);
	put_scan(st, "g2.example.com", 1764000000000, ROWS, &seed, &g2_5xx, p2, sizeof p2);
	ps_store_close(st);
	int64_t all = ROWS0 + 2 * ROWS;
	uint64_t r;
	int bad = 0;
	/* the first count lists, and keeps the listing */
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), all);
	CHECK_EQ_INT(r, 2); /* the listing, g0's URL columns */
	ps_store_close(st);
	/* a guess that is right: the same answer, the same requests */
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), all);
	CHECK_EQ_INT(r, 2);
	ps_store_close(st);

	/* another machine writes a newer scan of g0: the guess reads the one
	 * before for nothing (a GET), the count reads the newer one (its
	 * footer and its URL columns) */
	ps_store *other = open_store(base, elsewhere, 64 << 20);
	int64_t newer = 8000;
	put_scan(other, "g0.example.com", 1764000600000, (int)newer, &seed, &scratch, p3, sizeof p3);
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), newer + 2 * ROWS);
	CHECK_EQ_INT(r, 4);
	/* kept again: now right */
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), newer + 2 * ROWS);
	CHECK_EQ_INT(r, 2);
	ps_store_close(st);

	/* the newer scan deleted: the guess's GET finds no object, and the
	 * count reads the scan before, with no file called bad */
	CHECK_OK(ps_storage_delete(other, p3));
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), all);
	CHECK_EQ_INT(r, 3);
	ps_store_close(st);

	/* g0's object replaced under its name by g1's bytes (another version):
	 * the guess's GET, pinned to the version it guessed, is refused; the
	 * count reads the new version (a footer GET; all of it, small) */
	char tmpf[700], etag[PS_ETAG_MAX];
	snprintf(tmpf, sizeof tmpf, "%s/replace.parquet", tmp);
	int fd = open(tmpf, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0);
	REQUIRE(ps_storage_fetch(other, p1, fd, etag) == 0);
	int64_t size;
	REQUIRE(ps_storage_stat(other, p0, &size, etag) == 0);
	REQUIRE(ps_storage_put(other, p0, fd, PS_PUT_IF_MATCH, etag, NULL) == 0);
	close(fd);
	unlink(tmpf);
	ps_store_close(other);
	st = open_store(base, cache, 64 << 20);
	CHECK_EQ_INT(count_all(st, "example", &r, &bad), 3 * ROWS);
	CHECK_EQ_INT(r, 3);
	/* g1's rows twice now, its own and g0's copy (a count of other
	 * columns, right at its first guess) */
	CHECK_EQ_INT(count_5xx(st, &r), 2 * g1_5xx + g2_5xx);
	CHECK_EQ_INT(r, 1); /* every object held whole by its footer entry */
	ps_store_close(st);
	CHECK_EQ_INT(bad, 0);
}

static void test_index(const char *tmp)
{
	enum { N = 4, BIG = 12000 };
	char base[600], a[600], none[600];
	test_store_base(base, sizeof base, tmp);
	strcat(base, "-index");
	snprintf(a, sizeof a, "%s/index-a", tmp);
	snprintf(none, sizeof none, "%s/index-none", tmp);
	ps_s3_options so;
	ps_s3 *direct = direct_handle(&so);

	int64_t want = 0;
	ps_store *st = open_store(base, a, 64 << 20);
	write_batch(st, 0, N, BIG, &want);
	ps_store_close(st);
	char key[1024] = "";
	CHECK_EQ_INT(index_objects(direct, base, so.bucket, key, sizeof key), 1);
	CHECK(strstr(key, "/probe_results/.footers/") && strlen(key) > 4 && !strcmp(key + strlen(key) - 4, ".pfi"));

	/* no cache: a footer GET per scan */
	uint64_t cold, fresh, again, r;
	st = open_store(base, none, 0);
	CHECK_EQ_INT(count_5xx(st, &cold), want);
	ps_store_close(st);
	/* an empty cache: the index instead, one GET for the four footers */
	for (int k = 0; k < 2; k++) {
		char b[600];
		snprintf(b, sizeof b, "%s/index-b%d", tmp, k);
		st = open_store(base, b, 64 << 20);
		CHECK_EQ_INT(count_5xx(st, &fresh), want);
		CHECK_EQ_INT(fresh, cold - N + 1);
		ps_store_close(st);
		/* its footers and the index's own entry are kept: the next
		 * handle reads neither the footers nor the index */
		CHECK_EQ_INT(entries(b, NULL, 0), N + 1);
		st = open_store(base, b, 64 << 20);
		CHECK_EQ_INT(count_5xx(st, &again), want);
		CHECK_EQ_INT(again, cold - N);
		ps_store_close(st);
	}

	/* a damaged index: its GET is lost, the footers fetched one by one */
	const char *ik = key;
	uint8_t *bytes;
	size_t len;
	REQUIRE(ps_s3_get(direct, ik, &bytes, &len, NULL) == 0);
	bytes[len / 2] ^= 0x40;
	REQUIRE(ps_s3_put(direct, ik, bytes, len, NULL) == 0);
	free(bytes);
	char c[600];
	snprintf(c, sizeof c, "%s/index-c", tmp);
	st = open_store(base, c, 64 << 20);
	CHECK_EQ_INT(count_5xx(st, &r), want);
	CHECK_EQ_INT(r, cold + 1);
	ps_store_close(st);
	CHECK_EQ_INT(entries(c, NULL, 0), N);

	/* scans about as small as their footers: no index */
	int64_t more = 0;
	st = open_store(base, a, 64 << 20);
	write_batch(st, N, 3, 20, &more);
	ps_store_close(st);
	CHECK_EQ_INT(index_objects(direct, base, so.bucket, key, sizeof key), 1);

	/* a batch of more scans than an index takes (two here): several */
	st = open_store(base, a, 64 << 20);
	ps_storage_footer_index_limits(st, 2, 24 << 20);
	write_batch(st, N + 3, N, BIG, &more);
	ps_store_close(st);
	CHECK_EQ_INT(index_objects(direct, base, so.bucket, key, sizeof key), 3);
	/* read by a handle that may keep none of them in memory: their
	 * footers go to the cache, where its readers find them */
	char e[600];
	snprintf(e, sizeof e, "%s/index-e", tmp);
	st = open_store(base, e, 64 << 20);
	ps_storage_footer_index_limits(st, 0, 0);
	uint64_t split;
	CHECK_EQ_INT(count_5xx(st, &split), want + more);
	ps_store_close(st);
	/* the listing, the three indexes (one damaged above, so the first
	 * batch's footers are fetched one by one), the three small scans'
	 * footers */
	CHECK_EQ_INT(split, 1 + 3 + N + 3);
	CHECK_EQ_INT(entries(e, NULL, 0), N + N + 3 + 2);
	printf("a count over %d objects of a batch: %llu requests without a footer cache, %llu with an empty one "
	       "(the footer index), %llu with it filled\n",
	       N, (unsigned long long)cold, (unsigned long long)fresh, (unsigned long long)again);
	ps_s3_close(direct);
}

int main(void)
{
	test_backend_init("test_footer_cache");
	char tmp[] = "/tmp/ps_footer_cache_XXXXXX";
	REQUIRE(mkdtemp(tmp));
	test_module(tmp);
	if (test_backend_s3()) {
		test_store(tmp);
		test_guess(tmp);
		test_index(tmp);
	} else
		printf("test_footer_cache: the store on a bucket is the _s3 variant's\n");
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_footer_cache");
}
