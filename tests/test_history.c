/* File history through the public API: records stored and read back byte
 * for byte, duplicates skipped, validation, 1,000 appends to one URL with
 * their latency, colliding URL hashes, compaction, archiving, content
 * stored in one call with its diff in the seed's JSON shape, latest diffs,
 * records with diffs, hosts, and streaming. */
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "storage/store_io.h"
#include "history/history_internal.h"
#include "history_test.h"
#include "parq/meta.h"

static char base[] = "/tmp/ps_history_XXXXXX";
static char sbase[512]; /* the stores: base, or its place in the bucket */
static const int64_t T0 = 1764600000000; /* 2025-12-01 */

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* A version's content: recognisable, of varying size, mostly text lines. */
static char *version_content(const char *url, int v, size_t *len)
{
	size_t lines = 20 + (size_t)(v % 13) * 5;
	char *s = malloc(lines * 64 + 128);
	size_t at = (size_t)sprintf(s, "// %s version %d\n", url, v);
	for (size_t i = 0; i < lines; i++)
		at += (size_t)sprintf(s + at, "function f%zu() { return %d; }\n", i, (int)((i * 7 + (size_t)v) % 11));
	*len = at;
	return s;
}

static void basic(ps_store *st)
{
	const char *url = "https://example.com/static/app.js";
	const uint8_t bin[] = {0, 1, 2, 0xff, 0xfe, '\n', 0};
	ps_history_record r = {
		.url = url, .timestamp_ms = T0, .hash = "h1", .content_type = "application/javascript",
		.content = bin, .content_len = sizeof bin, .etag = "\"abc\"", .last_modified = "Mon, 01 Dec 2025 00:00:00 GMT",
		.diff_result_json = "", .extracted_paths_json = "[]",
	};
	ps_history_write_result res;
	CHECK_OK(ps_history_store(st, &r, &res));
	CHECK(res.stored);
	CHECK_EQ_INT(res.records, 1);
	CHECK_EQ_INT(res.row_groups, 1);
	CHECK(strstr(res.path, "/file_history/example.com_443/") != NULL);
	/* the seed's zero values: empty optional strings and content are null */
	ps_history_record r2 = {.url = url, .timestamp_ms = T0 + 1000, .hash = "h2", .content_type = ""};
	CHECK_OK(ps_history_store(st, &r2, &res));
	CHECK(res.stored);
	/* the same URL, hash and timestamp: skipped, file unchanged (the same
	 * inode locally, the same ETag on object storage) */
	struct stat before, after;
	char etag_before[PS_ETAG_MAX], etag_after[PS_ETAG_MAX];
	int64_t size_before = -1, size_after = -2;
	stat(res.path, &before);
	CHECK_OK(ps_storage_stat(st, res.path, &size_before, etag_before));
	CHECK_OK(ps_history_store(st, &r, &res));
	CHECK(!res.stored);
	CHECK_EQ_INT(res.records, 2);
	stat(res.path, &after);
	CHECK_OK(ps_storage_stat(st, res.path, &size_after, etag_after));
	CHECK(size_before == size_after && !strcmp(etag_before, etag_after));
	if (!test_backend_s3())
		CHECK(before.st_ino == after.st_ino && before.st_size == after.st_size);
	/* another timestamp is another version, even with the same hash */
	ps_history_record r3 = r;
	r3.timestamp_ms = T0 + 500;
	CHECK_OK(ps_history_store(st, &r3, &res));
	CHECK(res.stored);

	ps_history_record *last;
	CHECK_OK(ps_history_last(st, url, &last));
	CHECK(last && streq(last->hash, "h2") && last->timestamp_ms == T0 + 1000);
	CHECK(last && !last->content_type && !last->content && last->content_len == 0 && !last->etag &&
	      !last->diff_result_json && !last->extracted_paths_json);
	ps_history_record_free(last);
	char hash[8];
	CHECK_OK(ps_history_last_hash(st, url, hash, sizeof hash));
	CHECK(streq(hash, "h2"));
	CHECK_EQ_INT(ps_history_last_hash(st, url, hash, 2), PS_ELIMIT);

	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	CHECK_EQ_INT(set.n, 3);
	if (set.n == 3) {
		CHECK_EQ_INT(set.records[0].timestamp_ms, T0 + 1000);
		CHECK_EQ_INT(set.records[1].timestamp_ms, T0 + 500);
		CHECK_EQ_INT(set.records[2].timestamp_ms, T0);
		const ps_history_record *x = &set.records[2];
		CHECK(x->content_len == sizeof bin && memcmp(x->content, bin, sizeof bin) == 0);
		CHECK(streq(x->content_type, "application/javascript") && streq(x->etag, "\"abc\"") &&
		      streq(x->last_modified, "Mon, 01 Dec 2025 00:00:00 GMT"));
		/* the JSON columns are pointers in the seed: "" is kept */
		CHECK(streq(x->diff_result_json, "") && streq(x->extracted_paths_json, "[]"));
	}
	ps_history_set_free(&set);
	CHECK_OK(ps_history_records(st, url, 1, &set));
	CHECK(set.n == 1 && streq(set.records[0].hash, "h2"));
	ps_history_set_free(&set);

	/* unknown URLs */
	CHECK_EQ_INT(ps_history_last(st, "https://example.com/none.js", &last), PS_ENOTFOUND);
	CHECK(strstr(ps_errmsg(), "https://example.com/none.js"));
	CHECK_OK(ps_history_records(st, "https://nowhere.example/x", 5, &set));
	CHECK_EQ_INT(set.n, 0);
	ps_history_set_free(&set);

	/* validation */
	ps_history_record bad = {.url = "", .hash = "x"};
	CHECK_EQ_INT(ps_history_store(st, &bad, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "url is empty"));
	bad.url = "ftp://example.com/x";
	CHECK_EQ_INT(ps_history_store(st, &bad, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "ftp://example.com/x"));
	bad.url = url;
	bad.hash = NULL;
	CHECK_EQ_INT(ps_history_store(st, &bad, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "hash is empty") && strstr(ps_errmsg(), url));
	bad.hash = "h";
	bad.content_len = 3;
	CHECK_EQ_INT(ps_history_store(st, &bad, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "content is NULL"));
	/* invalid UTF-8 in a header: repaired by default */
	ps_history_record u8 = {.url = "https://example.com/u8", .timestamp_ms = T0, .hash = "h", .etag = "W/\"\xff\""};
	CHECK_OK(ps_history_store(st, &u8, NULL));
	CHECK_OK(ps_history_last(st, u8.url, &last));
	CHECK(last && streq(last->etag, "W/\"\xEF\xBF\xBD\""));
	ps_history_record_free(last);
}

static void edit_reject(ps_config *c)
{
	c->writer.utf8_repair = PS_UTF8_REJECT;
}

static void utf8_reject(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/reject", sbase);
	ps_store *st = ht_open(b, edit_reject);
	ps_history_record u8 = {.url = "https://example.com/u8", .timestamp_ms = T0, .hash = "h",
	                        .content_type = "text/\xc3("};
	CHECK_EQ_INT(ps_history_store(st, &u8, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "content_type is not valid UTF-8 (at byte 5)"));
	u8.content_type = "text/plain";
	u8.url = "https://example.com/\xc3(";
	CHECK_EQ_INT(ps_history_store(st, &u8, NULL), PS_EINVAL);
	ps_store_close(st);
}

/* ---- 1,000 appends ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median10(double *v)
{
	qsort(v, 10, sizeof *v, cmp_double);
	return (v[4] + v[5]) / 2;
}

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Stores versions 1..n of url; the median latency and CPU time of the
 * first and the last ten appends, the most row groups the file had. */
static void append_series(ps_store *st, const char *url, int n, double *first, double *last, double *cpu_first,
                          double *cpu_last, int64_t *max_rg)
{
	double head[10], tail[10], chead[10], ctail[10];
	*max_rg = 0;
	for (int v = 1; v <= n; v++) {
		size_t len;
		char *c = version_content(url, v, &len);
		char hash[65];
		/* the content's own hash: compaction checks it before re-encoding */
		CHECK_OK(ps_sha256_hex(c, len, hash));
		ps_history_record r = {.url = url, .timestamp_ms = T0 + v * 60000LL, .hash = hash,
		                       .content_type = "application/javascript", .content = (const uint8_t *)c,
		                       .content_len = len};
		ps_history_write_result res;
		double t = ht_now(), c0 = cpu_now();
		CHECK_OK(ps_history_store(st, &r, &res));
		t = ht_now() - t;
		c0 = cpu_now() - c0;
		if (v <= 10) {
			head[v - 1] = t;
			chead[v - 1] = c0;
		}
		if (v > n - 10) {
			tail[v - (n - 10) - 1] = t;
			ctail[v - (n - 10) - 1] = c0;
		}
		if (res.row_groups > *max_rg)
			*max_rg = res.row_groups;
		CHECK(res.stored);
		CHECK_EQ_INT(res.records, v);
		free(c);
	}
	*first = median10(head);
	*last = median10(tail);
	*cpu_first = median10(chead);
	*cpu_last = median10(ctail);
}

static int no_fsync(void *ud, int fd)
{
	(void)ud, (void)fd;
	return 0;
}

static void thousand(ps_store *st)
{
	const char *url = "https://cdn.example.org/bundle.js";
	enum { N = 1000 };
	double first, last10, cf, cl;
	int64_t max_rg;
	append_series(st, url, N, &first, &last10, &cf, &cl, &max_rg);
	char path[4096];
	CHECK_OK(ps_history_path(st, url, path, sizeof path));
	int64_t size = ht_size(st, path);
	printf("test_history: append latency (median of 10): %.2f ms at versions 1-10, %.2f ms at 991-1,000 "
	       "(CPU %.2f and %.2f ms); file %.1f KB, at most %lld row groups (compaction threshold 32)\n",
	       first * 1e3, last10 * 1e3, cf * 1e3, cl * 1e3, (double)size / 1024.0, (long long)max_rg);
	CHECK(max_rg <= 33);
	/* the same without the two fsyncs per append: what the copy, the
	 * encoding and the footer cost */
	char b[600];
	snprintf(b, sizeof b, "%s/nosync", sbase);
	ps_store *ns = ht_open(b, NULL);
	ps_store_io io = {.fsync = no_fsync};
	ps_store_set_io(ns, &io);
	double nf, nl, ncf, ncl;
	int64_t nrg;
	int nn = SANITIZED ? 200 : N;
	append_series(ns, url, nn, &nf, &nl, &ncf, &ncl, &nrg);
	printf("test_history: without fsync: %.2f ms at versions 1-10, %.2f ms at %d-%d (CPU %.2f and %.2f ms)%s\n",
	       nf * 1e3, nl * 1e3, nn - 9, nn, ncf * 1e3, ncl * 1e3,
	       SANITIZED ? "; sanitizer build: 200 versions without fsync instead of 1,000" : "");
	ps_store_close(ns);

	double t = ht_now();
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, url, &last));
	double t_last = ht_now() - t;
	CHECK(last && last->timestamp_ms == T0 + N * 60000LL);
	ps_history_record_free(last);
	t = ht_now();
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	double t_all = ht_now() - t;
	printf("test_history: last record in %.2f ms, all 1,000 records in %.1f ms\n", t_last * 1e3, t_all * 1e3);
	CHECK_EQ_INT(set.n, N);
	int bad = 0;
	for (size_t i = 0; i < set.n; i++) {
		int v = N - (int)i;
		size_t len;
		char *c = version_content(url, v, &len);
		const ps_history_record *r = &set.records[i];
		char want[65];
		if (ps_sha256_hex(c, len, want) || r->timestamp_ms != T0 + v * 60000LL || r->content_len != len ||
		    memcmp(r->content, c, len) != 0 || !streq(r->url, url) || !streq(r->hash, want))
			bad++;
		free(c);
	}
	CHECK_EQ_INT(bad, 0);
	ps_history_set_free(&set);
	CHECK_OK(ps_history_records(st, url, 25, &set));
	CHECK_EQ_INT(set.n, 25);
	CHECK(set.n == 25 && set.records[24].timestamp_ms == T0 + (N - 24) * 60000LL);
	ps_history_set_free(&set);
	CHECK_EQ_INT(ht_rows(st, path), N);
}

/* ---- colliding hashes, compaction, archive ---- */

static void edit_small(ps_config *c)
{
	c->history.url_hash_length = 1;
	c->history.compaction_threshold = 3;
	c->history.max_file_size = 9000;
}

/* Two URLs of one host whose one-digit hashes are equal. */
static void colliding(char *a, char *b, size_t cap)
{
	char h[2], first[2] = "";
	for (int i = 0;; i++) {
		snprintf(b, cap, "https://shared.example.com/file%d.js", i);
		ps_url_hash(b, 1, h);
		if (i == 0) {
			strcpy(first, h);
			strcpy(a, b);
		} else if (strcmp(h, first) == 0) {
			return;
		}
	}
}

typedef struct archive_rows {
	const ps_store *st;
	const char *dir;
	int64_t total;
} archive_rows;

static int add_rows(void *ud, const ps_entry *e)
{
	archive_rows *a = ud;
	if (e->is_dir || e->name[0] == '.')
		return 0;
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", a->dir, e->name);
	int64_t rows = ht_rows(a->st, p);
	CHECK(rows > 0);
	a->total += rows;
	return 0;
}

static void collisions_archive(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/small", sbase);
	ps_store *st = ht_open(b, edit_small);
	char ua[128], ub[128];
	colliding(ua, ub, sizeof ua);
	char pa[4096], pb[4096];
	CHECK_OK(ps_history_path(st, ua, pa, sizeof pa));
	CHECK_OK(ps_history_path(st, ub, pb, sizeof pb));
	CHECK(streq(pa, pb));
	int compacted = 0, archived = 0;
	/* 30 versions of a, then 3 of b: the file is archived on the way */
	for (int v = 0; v < 33; v++) {
		const char *url = v < 30 ? ua : ub;
		char hash[32], content[12100];
		snprintf(hash, sizeof hash, "%s-%d", v < 30 ? "a" : "b", v);
		/* incompressible enough that files fill up */
		int n = snprintf(content, sizeof content, "%s\nversion %d\n", url, v);
		/* b's first version is larger than a file may be: it starts a new one */
		n = ht_fill(content, sizeof content, n, v == 30 ? 12000 : 360, (uint64_t)v, "");
		ps_history_record r = {.url = url, .timestamp_ms = T0 + v, .hash = hash, .content = (const uint8_t *)content,
		                       .content_len = (size_t)n};
		ps_history_write_result res;
		CHECK_OK(ps_history_store(st, &r, &res));
		compacted += res.compacted;
		archived += res.archived[0] != 0;
		CHECK(res.row_groups <= 3);
		CHECK(v != 30 || res.archived[0]);
	}
	char arch[700];
	snprintf(arch, sizeof arch, "%s/file_history/shared.example.com_443/archive", b);
	printf("test_history: 33 versions, files of at most 9,000 bytes: %d compactions, %d archive files\n", compacted,
	       ht_files(st, arch, ".parquet"));
	CHECK(compacted > 0);
	CHECK(archived > 0);
	CHECK_EQ_INT(ht_files(st, arch, ".parquet"), archived);
	/* every version of a, newest first, across the archive */
	ps_history_set set;
	CHECK_OK(ps_history_records(st, ua, 0, &set));
	CHECK_EQ_INT(set.n, 30);
	for (size_t i = 0; i < set.n; i++)
		CHECK_EQ_INT(set.records[i].timestamp_ms, T0 + 29 - (int64_t)i);
	ps_history_set_free(&set);
	CHECK_OK(ps_history_records(st, ub, 0, &set));
	CHECK_EQ_INT(set.n, 3);
	ps_history_set_free(&set);
	/* a's last record lives in the archive now: the current file has only
	 * b (the iterator reads local files: checked on the local run) */
	if (!test_backend_s3()) {
		ps_history_iter *it;
		const ps_history_record *rec;
		int in_current = 0;
		CHECK_OK(ps_history_iter_open(&it, pa));
		while (ps_history_iter_next(it, &rec) == 0 && rec) {
			CHECK(streq(rec->url, ub));
			in_current++;
		}
		ps_history_iter_close(it);
		CHECK(in_current >= 1);
	}
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, ua, &last));
	CHECK(last && streq(last->hash, "a-29") && streq(last->url, ua));
	ps_history_record_free(last);
	CHECK_OK(ps_history_last(st, ub, &last));
	CHECK(last && streq(last->hash, "b-32"));
	ps_history_record_free(last);
	/* a limit the current file cannot fill reads the archive */
	CHECK_OK(ps_history_records(st, ua, 4, &set));
	CHECK_EQ_INT(set.n, 4);
	CHECK(set.n == 4 && streq(set.records[0].hash, "a-29") && streq(set.records[3].hash, "a-26"));
	ps_history_set_free(&set);
	/* the archive files and the current one count every version */
	archive_rows ar = {st, arch, 0};
	CHECK_OK(ps_store_list_dir(st, arch, add_rows, &ar));
	CHECK_EQ_INT(ar.total + ht_rows(st, pa), 33);
	ps_store_close(st);
}

static void edit_tiny(ps_config *c)
{
	c->history.max_file_size = 2000;
}

/* Timestamps are the writers', not the order of storage: a version fetched
 * earlier may be stored later, and be the one whose store moves the newer
 * version to the archive. The last record and the newest records still
 * come by timestamp, across the archive; on a tie, the one stored later. */
static void archive_out_of_order(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/order", sbase);
	ps_store *st = ht_open(b, edit_tiny);
	const char *url = "https://order.example.com/app.js";
	/* stored in this order; each store archives the file before it */
	const int64_t ts[4] = {T0 + 2000, T0 + 1000, T0 + 1500, T0 + 1500};
	const char *hashes[4] = {"newest", "oldest", "middle", "middle-again"};
	for (int v = 0; v < 4; v++) {
		char content[1600];
		int n = snprintf(content, sizeof content, "version %d\n", v);
		n = ht_fill(content, sizeof content, n, 1500, (uint64_t)v + 7, "");
		ps_history_record r = {.url = url, .timestamp_ms = ts[v], .hash = hashes[v], .content = (const uint8_t *)content,
		                       .content_len = (size_t)n, .diff_result_json = v == 0 ? "{\"lines_added\":1}" : NULL};
		ps_history_write_result res;
		CHECK_OK(ps_history_store(st, &r, &res));
		CHECK(v == 0 || res.archived[0]);
	}
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, url, &last));
	CHECK(last && streq(last->hash, "newest") && last->timestamp_ms == T0 + 2000);
	ps_history_record_free(last);
	char hash[64];
	CHECK_OK(ps_history_last_hash(st, url, hash, sizeof hash));
	CHECK(streq(hash, "newest"));
	const char *const order[4] = {"newest", "middle-again", "middle", "oldest"};
	for (size_t limit = 0; limit <= 4; limit++) {
		ps_history_set set;
		CHECK_OK(ps_history_records(st, url, limit, &set));
		CHECK_EQ_INT(set.n, limit ? limit : 4);
		for (size_t i = 0; i < set.n; i++)
			CHECK(streq(set.records[i].hash, order[i]));
		ps_history_set_free(&set);
	}
	ps_latest_diffs d;
	CHECK_OK(ps_history_latest_diffs(st, &url, 1, &d));
	CHECK(d.n == 1 && d.items[0].found && d.items[0].record_timestamp_ms == T0 + 2000);
	ps_latest_diffs_free(&d);
	ps_store_close(st);
}

static void edit_nocompact(ps_config *c)
{
	c->history.compaction_threshold = 0;
}

static void compaction(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/compact", sbase);
	ps_store *st = ht_open(b, edit_nocompact);
	const char *url = "http://intranet.local:8080/api/openapi.json";
	for (int v = 0; v < 40; v++) {
		char hash[16], body[64];
		snprintf(hash, sizeof hash, "%d", v);
		int n = snprintf(body, sizeof body, "{\"version\": %d}\n", v);
		ps_history_record r = {.url = url, .timestamp_ms = T0 + v, .hash = hash, .content = (const uint8_t *)body,
		                       .content_len = (size_t)n, .content_type = "application/json"};
		CHECK_OK(ps_history_store(st, &r, NULL));
	}
	char path[4096];
	CHECK_OK(ps_history_path(st, url, path, sizeof path));
	parq_reader *r = ht_reader(st, path);
	REQUIRE(r);
	CHECK_EQ_INT(parq_reader_num_row_groups(r), 40);
	parq_reader_close(r);
	int64_t before = ht_size(st, path);
	ps_history_write_result res;
	CHECK_OK(ps_history_compact(st, url, &res));
	CHECK(res.compacted && !res.stored);
	CHECK_EQ_INT(res.row_groups, 1);
	CHECK_EQ_INT(res.records, 40);
	int64_t after = ht_size(st, path);
	CHECK(after > 0 && after < before);
	printf("test_history: 40 one-record row groups: %lld bytes, compacted into one: %lld bytes\n",
	       (long long)before, (long long)after);
	/* nothing left to merge: no write */
	CHECK_OK(ps_history_compact(st, url, &res));
	CHECK(!res.compacted);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	CHECK_EQ_INT(set.n, 40);
	for (size_t i = 0; i < set.n; i++) {
		char body[64];
		int n = snprintf(body, sizeof body, "{\"version\": %d}\n", 39 - (int)i);
		CHECK(set.records[i].content_len == (size_t)n && !memcmp(set.records[i].content, body, (size_t)n));
	}
	ps_history_set_free(&set);
	/* a URL without history is named as such, and nothing is created for it */
	CHECK_EQ_INT(ps_history_compact(st, "http://nohistory.local:8080/none", &res), PS_ENOTFOUND);
	CHECK(strstr(ps_errmsg(), "no record of http://nohistory.local:8080/none"));
	CHECK(!res.compacted);
	char lock[4096];
	CHECK_OK(ps_history_path(st, "http://nohistory.local:8080/none", lock, sizeof lock));
	CHECK_EQ_INT(ht_size(st, lock), -1);
	strcpy(strrchr(lock, '/'), "");
	CHECK_EQ_INT(ht_entries(st, lock), 0); /* not even the host's directory */
	ps_store_close(st);
}

/* Compaction puts many versions of a file in one page with long-distance
 * matching: 32 versions of a 210 KB bundle, a few lines changed each, take
 * less than two single versions' room. The newest record keeps a row group
 * of its own, so reading it decompresses one version. */
static void versions_share_pages(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/bundle", sbase);
	ps_store *st = ht_open(b, NULL); /* compaction threshold 32 */
	const char *url = "https://cdn.example.net/app.bundle.js";
	enum { N = 33, CAP = 400000 };
	char *buf = malloc(CAP);
	uint64_t seed = 3;
	size_t len[N];
	for (int v = 0; v < N; v++) {
		len[v] = test_bundle(buf, CAP, v, &seed);
		ps_history_fetch f = {.url = url, .content = buf, .content_len = len[v],
		                      .content_type = "application/javascript", .fetched_at_ms = T0 + v * 1000LL};
		ps_history_content_result res;
		CHECK_OK(ps_history_store_content(st, &f, &res));
		CHECK(res.status == (v ? PS_CONTENT_CHANGED : PS_CONTENT_NEW));
		CHECK_EQ_INT(res.write.compacted, v == N - 1);
	}
	char path[4096];
	CHECK_OK(ps_history_path(st, url, path, sizeof path));
	parq_reader *r = ht_reader(st, path);
	REQUIRE(r);
	const parq_file_meta *m = parq_reader_metadata(r);
	CHECK_EQ_INT(m->n_row_groups, 2);
	if (m->n_row_groups == 2) {
		CHECK_EQ_INT(m->row_groups[0].num_rows, N - 1);
		CHECK_EQ_INT(m->row_groups[1].num_rows, 1);
		/* content is column 4, diff_result_json column 7 */
		const int cols[] = {4, 7};
		for (int k = 0; k < 2; k++) {
			int64_t merged = m->row_groups[0].columns[cols[k]].meta.total_compressed_size;
			int64_t one = m->row_groups[1].columns[cols[k]].meta.total_compressed_size;
			printf("test_history: column %d: %d versions in %lld bytes, the newest alone in %lld\n", cols[k], N - 1,
			       (long long)merged, (long long)one);
			CHECK(merged < 2 * one);
		}
	}
	parq_reader_close(r);
	/* every version reads back, newest first */
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	CHECK_EQ_INT(set.n, N);
	seed = 3;
	for (int v = 0; v < N && set.n == N; v++) {
		size_t n = test_bundle(buf, CAP, v, &seed);
		const ps_history_record *rec = &set.records[N - 1 - v];
		CHECK(rec->content_len == n && !memcmp(rec->content, buf, n));
		CHECK(rec->timestamp_ms == T0 + v * 1000LL);
	}
	ps_history_set_free(&set);
	free(buf);
	ps_store_close(st);
}

/* The last record and the newest records read only the row groups they
 * need: with the content of the oldest version destroyed on disk, they
 * still read, while reading every version fails. */
static void reads_newest_only(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/newest", sbase);
	ps_store *st = ht_open(b, edit_nocompact);
	const char *url = "https://newest.example.com/app.js";
	for (int v = 0; v < 10; v++) {
		char hash[16], body[64];
		snprintf(hash, sizeof hash, "%d", v);
		int n = snprintf(body, sizeof body, "version %d\n", v);
		ps_history_record r = {.url = url, .timestamp_ms = T0 + v, .hash = hash, .content = (const uint8_t *)body,
		                       .content_len = (size_t)n};
		CHECK_OK(ps_history_store(st, &r, NULL));
	}
	char path[4096];
	CHECK_OK(ps_history_path(st, url, path, sizeof path));
	parq_reader *r = ht_reader(st, path);
	REQUIRE(r);
	const parq_meta_column *c = &parq_reader_metadata(r)->row_groups[0].columns[4].meta; /* content */
	int64_t off = c->has_dictionary_page_offset ? c->dictionary_page_offset : c->data_page_offset;
	int64_t len = c->total_compressed_size;
	parq_reader_close(r);
	char junk[4096];
	memset(junk, 0xff, sizeof junk);
	if (!test_backend_s3()) {
		int fd = open(path, O_WRONLY);
		CHECK(len > 0 && len < (int64_t)sizeof junk && pwrite(fd, junk, (size_t)len, off) == len);
		close(fd);
	} else {
		/* the object fetched, damaged the same way and put back over itself */
		char tmp[700], etag[PS_ETAG_MAX];
		snprintf(tmp, sizeof tmp, "%s/damaged.parquet", base);
		int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
		REQUIRE(fd >= 0);
		CHECK_OK(ps_storage_fetch(st, path, fd, etag));
		CHECK(len > 0 && len < (int64_t)sizeof junk && pwrite(fd, junk, (size_t)len, off) == len);
		CHECK_OK(ps_storage_put(st, path, fd, PS_PUT_IF_MATCH, etag, NULL));
		close(fd);
	}
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, url, &last));
	CHECK(last && strcmp(last->hash, "9") == 0 && last->content_len == 10 && !memcmp(last->content, "version 9\n", 10));
	ps_history_record_free(last);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 9, &set));
	CHECK(set.n == 9 && strcmp(set.records[8].hash, "1") == 0);
	ps_history_set_free(&set);
	CHECK_EQ_INT(ps_history_records(st, url, 0, &set), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), path) != NULL);
	ps_store_close(st);
}

/* ---- content in one call ---- */

static void edit_cap(ps_config *c)
{
	c->history.max_diff_size = 16;
}

static void content(ps_store *st)
{
	const char *url = "https://app.example.net/main.js";
	const char *v1 = "line one\nline two\nline three\n";
	const char *v2 = "line one\nline 2 <b>&\"\nline three\nline four\n";
	ps_history_fetch f = {.url = url, .content = v1, .content_len = strlen(v1), .content_type = "text/javascript",
	                      .etag = "e1", .fetched_at_ms = T0};
	ps_history_content_result res;
	CHECK_OK(ps_history_store_content(st, &f, &res));
	CHECK_EQ_INT(res.status, PS_CONTENT_NEW);
	CHECK(strlen(res.hash) == 64 && res.old_hash[0] == 0 && res.write.stored);
	/* sha256sum of "line one\nline two\nline three\n" */
	const char *expect = "bce2aeea9e6fc31f09b164dbaf832b013ee75fbd323262cbee9d42b8b51077b1";
	CHECK(streq(res.hash, expect));
	/* unchanged content stores nothing */
	f.fetched_at_ms = T0 + 1000;
	CHECK_OK(ps_history_store_content(st, &f, &res));
	CHECK_EQ_INT(res.status, PS_CONTENT_UNCHANGED);
	CHECK(streq(res.old_hash, expect) && !res.write.stored);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	CHECK_EQ_INT(set.n, 1);
	ps_history_set_free(&set);
	/* changed */
	f.content = v2;
	f.content_len = strlen(v2);
	f.fetched_at_ms = T0 + 2000;
	f.extracted_paths_json = "[{\"source_url\":\"https://app.example.net/main.js\",\"extracted_raw_path\":\"/api/v1\","
	                         "\"extracted_absolute_url\":\"https://app.example.net/api/v1\",\"context\":\"JS:string\","
	                         "\"type\":\"js_string\",\"discovery_timestamp\":\"2025-12-01T00:00:02Z\"}]";
	CHECK_OK(ps_history_store_content(st, &f, &res));
	CHECK_EQ_INT(res.status, PS_CONTENT_CHANGED);
	CHECK(streq(res.old_hash, expect));
	CHECK_EQ_INT(res.lines_added, 2);
	CHECK_EQ_INT(res.lines_deleted, 1);
	CHECK_EQ_INT(res.lines_changed, 1);
	ps_history_record *last;
	CHECK_OK(ps_history_last(st, url, &last));
	REQUIRE(last && last->diff_result_json);
	ps_diff_result d;
	CHECK_OK(ps_diff_result_parse(last->diff_result_json, strlen(last->diff_result_json), last->extracted_paths_json,
	                              &d));
	/* the seed's JSON, field for field, in its order and escaping */
	char want[2048];
	snprintf(want, sizeof want,
	         "{\"timestamp\":%lld,\"content_type\":\"text/javascript\",\"diffs\":["
	         "{\"operation\":0,\"text\":\"line one\\n\"},"
	         "{\"operation\":-1,\"text\":\"line two\\n\"},"
	         "{\"operation\":1,\"text\":\"line 2 \\u003cb\\u003e\\u0026\\\"\\n\"},"
	         "{\"operation\":0,\"text\":\"line three\\n\"},"
	         "{\"operation\":1,\"text\":\"line four\\n\"}],"
	         "\"lines_added\":2,\"lines_deleted\":1,\"lines_changed\":1,\"is_identical\":false,"
	         "\"processing_time_ms\":%lld,\"old_hash\":\"%s\",\"new_hash\":\"%s\"}",
	         (long long)(T0 + 2000), (long long)d.processing_time_ms, expect, res.hash);
	CHECK(streq(last->diff_result_json, want));
	if (!streq(last->diff_result_json, want))
		fprintf(stderr, "got  %s\nwant %s\n", last->diff_result_json, want);
	CHECK_EQ_INT(d.timestamp_ms, T0 + 2000);
	CHECK(streq(d.content_type, "text/javascript") && streq(d.old_hash, expect) && streq(d.new_hash, res.hash));
	CHECK_EQ_INT(d.n_diffs, 5);
	CHECK(d.n_diffs == 5 && d.diffs[2].operation == PS_DIFF_INSERT && streq(d.diffs[2].text, "line 2 <b>&\"\n"));
	CHECK(d.n_diffs == 5 && d.diffs[1].operation == PS_DIFF_DELETE && d.diffs[1].text_len == 9);
	CHECK_EQ_INT(d.lines_added, 2);
	CHECK(!d.is_identical && streq(d.error_message, ""));
	CHECK_EQ_INT(d.n_extracted_paths, 1);
	CHECK(d.n_extracted_paths == 1 && streq(d.extracted_paths[0].extracted_absolute_url, "https://app.example.net/api/v1") &&
	      streq(d.extracted_paths[0].type, "js_string") && streq(d.extracted_paths[0].discovery_timestamp, "2025-12-01T00:00:02Z"));
	ps_diff_result_free(&d);
	CHECK(streq(last->etag, "e1") && last->content_len == strlen(v2));
	ps_history_record_free(last);

	/* a third version: the latest diff is its diff, not the first one */
	const char *v3 = "line one\nline 2 <b>&\"\nline three\n";
	f.content = v3;
	f.content_len = strlen(v3);
	f.fetched_at_ms = T0 + 3000;
	f.extracted_paths_json = NULL;
	CHECK_OK(ps_history_store_content(st, &f, &res));
	CHECK_EQ_INT(res.status, PS_CONTENT_CHANGED);
	CHECK_EQ_INT(res.lines_deleted, 1);
	CHECK_EQ_INT(res.lines_added, 0);
	const char *urls[] = {url, "https://example.com/static/app.js", "https://never.example.com/x.js"};
	ps_latest_diffs ld;
	CHECK_OK(ps_history_latest_diffs(st, urls, 3, &ld));
	CHECK_EQ_INT(ld.n, 3);
	CHECK(ld.items[0].found && ld.items[0].record_timestamp_ms == T0 + 3000 && ld.items[0].diff.lines_deleted == 1);
	CHECK(ld.items[0].diff.n_diffs == 2 && ld.items[0].diff.diffs[1].operation == PS_DIFF_DELETE &&
	      streq(ld.items[0].diff.diffs[1].text, "line four\n"));
	CHECK(streq(ld.items[1].url, urls[1]) && !ld.items[1].found); /* its only diff is "" */
	CHECK(!ld.items[2].found);
	ps_latest_diffs_free(&ld);
	const char *bad[] = {url, "not a url"};
	CHECK_EQ_INT(ps_history_latest_diffs(st, bad, 2, &ld), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "URL 1") && strstr(ps_errmsg(), "not a url"));

	/* over the size cap: counts only, and why */
	char b[600];
	snprintf(b, sizeof b, "%s/capped", sbase);
	ps_store *cst = ht_open(b, edit_cap);
	f.fetched_at_ms = T0;
	f.content = v1;
	f.content_len = strlen(v1);
	CHECK_OK(ps_history_store_content(cst, &f, &res));
	f.content = v2;
	f.content_len = strlen(v2);
	f.fetched_at_ms = T0 + 1;
	CHECK_OK(ps_history_store_content(cst, &f, &res));
	CHECK(res.status == PS_CONTENT_CHANGED && res.diff_capped);
	/* no common last line: every line after "line one" counts */
	CHECK_EQ_INT(res.lines_added, 3);
	CHECK_EQ_INT(res.lines_deleted, 2);
	CHECK_EQ_INT(res.lines_changed, 2);
	CHECK_OK(ps_history_latest_diffs(cst, urls, 1, &ld));
	CHECK(ld.items[0].found && ld.items[0].diff.diffs == NULL && ld.items[0].diff.lines_added == 3 &&
	      strstr(ld.items[0].diff.error_message, "too large for a detailed diff (limit: 16 bytes)"));
	ps_latest_diffs_free(&ld);
	CHECK_OK(ps_history_last(cst, url, &last));
	CHECK(last && strstr(last->diff_result_json, "\"diffs\":null,"));
	ps_history_record_free(last);
	ps_store_close(cst);
}

static void diff_parse_errors(void)
{
	ps_diff_result d;
	CHECK_EQ_INT(ps_diff_result_parse("{\"lines_added\":\"x\"}", 19, NULL, &d), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "'lines_added' is not an integer"));
	ps_diff_result_free(&d);
	CHECK_EQ_INT(ps_diff_result_parse("{\"diffs\":[{\"operation\":3}]}", 27, NULL, &d), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "diffs[0].operation is 3"));
	ps_diff_result_free(&d);
	CHECK_EQ_INT(ps_diff_result_parse("{\"timestamp\":", 13, NULL, &d), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "invalid JSON"));
	ps_diff_result_free(&d);
	CHECK_EQ_INT(ps_diff_result_parse("{}", 2, "{", &d), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "extracted_paths_json"));
	ps_diff_result_free(&d);
	/* unknown keys ignored, absent ones zero, embedded NULs kept */
	const char *j = "{\"secret_findings\":[],\"diffs\":[{\"operation\":1,\"text\":\"a\\u0000b\"}],\"is_identical\":true}";
	CHECK_OK(ps_diff_result_parse(j, strlen(j), NULL, &d));
	CHECK(d.is_identical && d.n_diffs == 1 && d.diffs[0].text_len == 3 && d.diffs[0].text[2] == 'b');
	CHECK(d.timestamp_ms == 0 && streq(d.old_hash, "") && d.n_extracted_paths == 0);
	ps_diff_result_free(&d);
}

/* ---- hosts, records with diffs ---- */

static void hosts_and_diffs(ps_store *st)
{
	ps_history_record r = {.url = "http://my_host:8000/a.js", .timestamp_ms = T0, .hash = "1"};
	CHECK_OK(ps_history_store(st, &r, NULL));
	r.url = "http://[::1]:8080/b.js";
	r.diff_result_json = "null";
	CHECK_OK(ps_history_store(st, &r, NULL));
	char **hosts;
	size_t n;
	CHECK_OK(ps_history_hosts(st, &hosts, &n));
	const char *want[] = {"[::1]:8080", "app.example.net:443", "cdn.example.org:443", "example.com:443", "my_host:8000"};
	CHECK_EQ_INT(n, 5);
	for (size_t i = 0; i < n && i < 5; i++)
		CHECK(streq(hosts[i], want[i]));
	ps_history_hosts_free(hosts, n);

	ps_history_set set;
	CHECK_OK(ps_history_records_with_diff(st, &set));
	/* the two changed versions of main.js; "", "null" and nulls are not diffs */
	CHECK_EQ_INT(set.n, 2);
	for (size_t i = 0; i < set.n; i++)
		CHECK(streq(set.records[i].url, "https://app.example.net/main.js") && set.records[i].diff_result_json &&
		      set.records[i].content_len > 0);
	if (set.n == 2)
		CHECK(set.records[0].timestamp_ms == T0 + 2000 && set.records[1].timestamp_ms == T0 + 3000);
	ps_history_set_free(&set);
}

/* ---- streaming ---- */

typedef struct counter {
	int64_t n, bytes;
	int64_t prev_ts;
	bool ordered;
	int stop_at;
} counter;

static int count_one(void *ud, const ps_history_record *r)
{
	counter *c = ud;
	c->n++;
	c->bytes += (int64_t)r->content_len;
	if (r->timestamp_ms <= c->prev_ts)
		c->ordered = false;
	c->prev_ts = r->timestamp_ms;
	return c->stop_at && c->n == c->stop_at ? 42 : 0;
}

static void streaming(ps_store *st)
{
	/* streaming and the iterator take the path of a local file: local run
	 * only (the store's history reads above cover the bucket) */
	if (test_backend_s3())
		return;
	char path[4096];
	CHECK_OK(ps_history_path(st, "https://cdn.example.org/bundle.js", path, sizeof path));
	counter c = {.ordered = true};
	CHECK_OK(ps_history_stream(path, count_one, &c, NULL));
	CHECK_EQ_INT(c.n, 1000);
	CHECK(c.ordered); /* file order is storage order */
	counter s = {.ordered = true, .stop_at = 10};
	CHECK_EQ_INT(ps_history_stream(path, count_one, &s, NULL), 42);
	CHECK_EQ_INT(s.n, 10);
	ps_cancel cancel = {0};
	ps_cancel_request(&cancel);
	CHECK_EQ_INT(ps_history_stream(path, count_one, &s, &cancel), PS_ECANCELED);
	ps_history_iter *it;
	CHECK_OK(ps_history_iter_open(&it, path));
	const ps_history_record *r;
	int64_t n = 0, bytes = 0;
	while (ps_history_iter_next(it, &r) == 0 && r) {
		n++;
		bytes += (int64_t)r->content_len;
	}
	ps_history_iter_close(it);
	CHECK_EQ_INT(n, 1000);
	CHECK_EQ_INT(bytes, c.bytes);
	/* a Parquet file that is not a history file */
	char other[600];
	snprintf(other, sizeof other, "%s/other.parquet", base);
	parq_schema *sc;
	parq_schema_new(&sc);
	parq_schema_add_leaf(sc, NULL, "url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, NULL, 0, NULL);
	parq_schema_finish(sc);
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, other, sc, NULL));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(sc);
	CHECK_EQ_INT(ps_history_iter_open(&it, other), PS_ECORRUPT);
	CHECK(strstr(ps_errmsg(), "1 columns, a file history file has 9"));
	CHECK_EQ_INT(ps_history_count("/nonexistent/x.parquet", &n), PS_EIO);
}

int main(void)
{
	test_backend_init("test_history");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	ps_store *st = ht_open(sbase, NULL);
	basic(st);
	utf8_reject();
	thousand(st);
	collisions_archive();
	archive_out_of_order();
	compaction();
	versions_share_pages();
	reads_newest_only();
	content(st);
	diff_parse_errors();
	hosts_and_diffs(st);
	streaming(st);
	ps_store_close(st);
	ht_rm_rf(base);
	return test_report("test_history");
}
