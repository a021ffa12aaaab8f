/* Marks (diff_status new/existing) and first-seen times follow scan time
 * whatever order scans arrive in and however writers interleave: each
 * test compares every scan's marks with a brute-force recomputation in
 * scan order. Also: scan order by sequence number when names are freed,
 * a damaged previous scan, a URL twice in one scan, a scan stored twice. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "storage/backend.h"
#include "strmap.h"
#include "test.h"

static char base[] = "/tmp/ps_marks_XXXXXX";
static char sbase[512]; /* the stores: base, or its place in the bucket */

/* Cuts a store file to len bytes: in place locally; on object storage
 * fetched, cut and put back over itself. */
static int cut_file(const ps_store *st, const char *path, off_t len)
{
	if (!test_backend_s3())
		return truncate(path, len);
	char tmp[700], etag[PS_ETAG_MAX];
	snprintf(tmp, sizeof tmp, "%s/cut.parquet", base);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	int rc = ps_storage_fetch(st, path, fd, etag) || ftruncate(fd, len) ||
	         ps_storage_put(st, path, fd, PS_PUT_IF_MATCH, etag, NULL) ? -1 : 0;
	close(fd);
	unlink(tmp);
	return rc;
}

/* Removes a store file (a local file or an object). */
static int remove_file(const ps_store *st, const char *path)
{
	return test_backend_s3() ? ps_storage_delete(st, path) : unlink(path);
}

#define DAY 86400000LL
#define T0 1740819600000LL /* 2025-03-01T09:00:00Z */

static ps_store *open_store(const char *sub)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", sbase, sub);
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = path;
	/* warnings and errors on stderr */
	static ps_logger lg;
	ps_logger_default(&lg);
	lg.min_level = PS_LOG_WARN;
	o.logger = &lg;
	ps_store *st;
	REQUIRE(ps_store_open(&st, &o) == 0);
	return st;
}

/* Writes a scan of target at time t with the URLs https://<u>.example.com/
 * for each letter u of urls (a letter twice: two rows, GET then POST). */
static int write_scan(ps_store *st, const char *target, int64_t t, const char *urls, ps_scan_result *res)
{
	ps_probe_result r[32];
	char buf[32][64];
	size_t n = 0;
	memset(r, 0, sizeof r);
	for (const char *p = urls; *p && n < 32; p++, n++) {
		snprintf(buf[n], sizeof buf[n], "https://%c.example.com/", *p);
		r[n].input_url = buf[n];
		r[n].status_code = 200;
		r[n].method = strchr(urls, *p) < p ? "POST" : "GET";
	}
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	o.scan_time_ms = t;
	ps_scan_result tmp;
	return ps_scan_write(st, &o, r, n, res ? res : &tmp);
}

/* Mismatches between the stored marks and first-seen times of target's
 * scans and a recomputation in scan order (0: all equal). */
static int brute_check(ps_store *st, const char *target, int verbose)
{
	ps_scan_info *scans;
	size_t n;
	REQUIRE(ps_store_list_scans(st, target, &scans, &n) == 0);
	ps_strmap prev = {0};
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		ps_strmap cur = {0};
		ps_probe_iter *it;
		REQUIRE(ps_store_probe_iter_open(&it, st, scans[i].path) == 0);
		const ps_probe_result *r;
		while (ps_probe_iter_next(it, &r) == 0 && r) {
			size_t ul = strlen(r->input_url);
			int64_t *p = ps_strmap_get(&prev, r->input_url, ul);
			const char *want = p ? "existing" : "new";
			int64_t want_first = p ? *p : scans[i].scan_time_ms;
			if (!r->url_status || strcmp(r->url_status, want) || r->oldest_scan_timestamp_ms != want_first ||
			    r->scan_timestamp_ms != scans[i].scan_time_ms) {
				if (verbose)
					fprintf(stderr, "%s: %s is %s first %lld, expected %s first %lld\n", scans[i].path,
					        r->input_url, r->url_status ? r->url_status : "(null)",
					        (long long)r->oldest_scan_timestamp_ms, want, (long long)want_first);
				bad++;
			}
			REQUIRE(ps_strmap_put(&cur, r->input_url, ul, r->oldest_scan_timestamp_ms) == 0);
		}
		ps_probe_iter_close(it);
		ps_strmap_free(&prev);
		prev = cur;
	}
	ps_strmap_free(&prev);
	free(scans);
	return bad;
}

/* The set a scan counts its distinct URLs in: every URL once, a prefix
 * or an extension of a URL another URL, across the table's growth. */
static void test_urlset(void)
{
	ps_urlset set = {0};
	char u[64];
	int added = 0;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(u, sizeof u, "https://h%d.example.com/p", i);
		added += ps_urlset_add(&set, u, (size_t)n) == 1;
	}
	CHECK_EQ_INT(added, 5000);
	CHECK_EQ_INT(set.n, 5000);
	int again = 0, longer = 0;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(u, sizeof u, "https://h%d.example.com/p", i);
		again += ps_urlset_add(&set, u, (size_t)n);
		/* the same bytes one shorter and one longer: other URLs */
		longer += ps_urlset_add(&set, u, (size_t)n - 1) == 1;
	}
	CHECK_EQ_INT(again, 0);
	CHECK_EQ_INT(longer, 5000);
	CHECK_EQ_INT(set.n, 10000);
	CHECK_EQ_INT(ps_urlset_add(&set, "", 0), 1);
	CHECK_EQ_INT(ps_urlset_add(&set, "", 0), 0);
	/* at most three quarters full, 16 bytes a slot: 16,384 slots */
	CHECK(ps_urlset_memory(&set) * 3 >= 4 * 10001 * 16);
	CHECK_EQ_INT(ps_urlset_memory(&set), 16384 * 16);
	ps_urlset_free(&set);
	CHECK_EQ_INT(set.n, 0);
	CHECK_EQ_INT(ps_urlset_memory(&set), 0);
}

/* A scan older than the latest arrives after it. */
static void test_late_scan(void)
{
	ps_store *st = open_store("late");
	CHECK_OK(write_scan(st, "late.example", T0 + 7 * DAY, "ab", NULL));
	ps_scan_result res;
	CHECK_OK(write_scan(st, "late.example", T0, "ac", &res));
	/* marked against no scan at all: both new */
	CHECK_EQ_INT(res.n_new, 2);
	CHECK_EQ_INT(res.n_existing, 0);
	/* then one between them, and one before all */
	CHECK_OK(write_scan(st, "late.example", T0 + 3 * DAY, "bc", NULL));
	CHECK_OK(write_scan(st, "late.example", T0 - DAY, "b", NULL));
	CHECK_EQ_INT(brute_check(st, "late.example", 1), 0);
	/* the March 8 scan against March 4 ({b, c}): a new, b existing since
	 * March 4 (March 1 has no b, so February 28's is not carried over) */
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "late.example", &set));
	CHECK_EQ_INT(set.n, 2);
	for (size_t i = 0; i < set.n; i++) {
		bool a = !strcmp(set.items[i].input_url, "https://a.example.com/");
		CHECK(set.items[i].url_status && !strcmp(set.items[i].url_status, a ? "new" : "existing"));
		CHECK_EQ_INT(set.items[i].oldest_scan_timestamp_ms, a ? T0 + 7 * DAY : T0 + 3 * DAY);
	}
	ps_probe_set_free(&set);
	ps_store_close(st);
}

/* Names freed by a deletion are not given again, and order comes from the
 * sequence number, not the name. */
static void test_freed_name(void)
{
	ps_store *st = open_store("freed");
	ps_scan_result r1, r2, r3, r4;
	CHECK_OK(write_scan(st, "freed.example", T0, "a", &r1));
	CHECK_OK(write_scan(st, "freed.example", T0, "ab", &r2));
	CHECK_OK(write_scan(st, "freed.example", T0, "abc", &r3));
	CHECK(strstr(r2.path, "scan_20250301_090000_2.parquet") != NULL);
	CHECK(strstr(r3.path, "scan_20250301_090000_3.parquet") != NULL);
	CHECK(remove_file(st, r2.path) == 0);
	CHECK_OK(write_scan(st, "freed.example", T0, "abcd", &r4));
	CHECK(strcmp(r4.path, r2.path) != 0);
	CHECK(strstr(r4.path, "scan_20250301_090000_4.parquet") != NULL);
	/* the latest is the one written last */
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "freed.example", &set));
	CHECK_EQ_INT(set.n, 4);
	ps_probe_set_free(&set);
	ps_scan_info *scans;
	size_t n;
	CHECK_OK(ps_store_list_scans(st, "freed.example", &scans, &n));
	CHECK_EQ_INT(n, 3);
	if (n == 3)
		CHECK(!strcmp(scans[2].path, r4.path));
	free(scans);
	/* the query's latest scan too */
	ps_query q;
	ps_query_default(&q);
	q.root_target = "freed.example";
	CHECK_OK(ps_store_search(st, &q, &set));
	CHECK_EQ_INT(set.n, 4);
	ps_probe_set_free(&set);
	ps_store_close(st);
}

/* A damaged previous scan: the marks come from the newest scan that reads. */
static void test_damaged_previous(void)
{
	ps_store *st = open_store("damaged");
	ps_scan_result r1, r2, r3;
	CHECK_OK(write_scan(st, "damaged.example", T0, "a", &r1));
	CHECK_OK(write_scan(st, "damaged.example", T0 + DAY, "ab", &r2));
	CHECK(cut_file(st, r2.path, 20) == 0);
	int rc = write_scan(st, "damaged.example", T0 + 2 * DAY, "abc", &r3);
	CHECK_OK(rc);
	if (rc == 0) {
		CHECK_EQ_INT(r3.n_existing, 1);
		CHECK_EQ_INT(r3.n_new, 2);
		ps_probe_set set;
		CHECK_OK(ps_store_latest_results(st, "damaged.example", &set));
		for (size_t i = 0; i < set.n; i++)
			if (!strcmp(set.items[i].input_url, "https://a.example.com/"))
				CHECK_EQ_INT(set.items[i].oldest_scan_timestamp_ms, T0);
		ps_probe_set_free(&set);
	}
	ps_store_close(st);
}

/* A URL twice (two methods) is one URL in the counts, as in the diff. */
static void test_url_twice(void)
{
	ps_store *st = open_store("twice");
	ps_scan_result r1, r2;
	CHECK_OK(write_scan(st, "twice.example", T0, "aab", &r1));
	CHECK_EQ_INT(r1.records, 3);
	CHECK_EQ_INT(r1.n_new, 2);
	CHECK_OK(write_scan(st, "twice.example", T0 + DAY, "aac", &r2));
	CHECK_EQ_INT(r2.n_existing, 1);
	CHECK_EQ_INT(r2.n_new, 1);
	CHECK_EQ_INT(r2.n_old, 1);
	ps_url_diff d;
	CHECK_OK(ps_store_diff_latest(st, "twice.example", &d));
	CHECK_EQ_INT(d.n_new, r2.n_new);
	CHECK_EQ_INT(d.n_existing, r2.n_existing);
	CHECK_EQ_INT(d.n_old, r2.n_old);
	ps_url_diff_free(&d);
	CHECK_EQ_INT(brute_check(st, "twice.example", 1), 0);
	ps_store_close(st);
}

/* skip_stored: the same scan (time and records) is written once. */
static void test_stored_once(void)
{
	ps_store *st = open_store("once");
	ps_probe_result r[2];
	memset(r, 0, sizeof r);
	r[0].input_url = "https://a.example.com/";
	r[1].input_url = "https://b.example.com/";
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "once.example";
	o.scan_time_ms = T0;
	o.skip_stored = true;
	ps_scan_result a, b, c;
	CHECK_OK(ps_scan_write(st, &o, r, 2, &a));
	CHECK(!a.already_stored);
	CHECK_OK(ps_scan_write(st, &o, r, 2, &b));
	CHECK(b.already_stored);
	CHECK(!strcmp(a.path, b.path));
	/* other records at that time: a scan of its own */
	r[1].title = "changed";
	CHECK_OK(ps_scan_write(st, &o, r, 2, &c));
	CHECK(!c.already_stored);
	CHECK(strcmp(c.path, a.path) != 0);
	ps_scan_info *scans;
	size_t n;
	CHECK_OK(ps_store_list_scans(st, "once.example", &scans, &n));
	CHECK_EQ_INT(n, 2);
	free(scans);
	ps_store_close(st);
}

/* Several processes write scans of the same targets at once, at times in
 * no order: afterwards every scan's marks equal the recomputation. */
static void test_concurrent(void)
{
	/* On object storage writers share no lock, and the store does not yet
	 * settle concurrent placements: a writer marks against the scans it
	 * listed before its PUT, so it misses a scan another writer puts
	 * meanwhile, and re-marking the later scans gives up on a PUT that
	 * loses to another writer (If-Match) instead of retrying. Local
	 * stores only until it does. */
	if (test_backend_s3()) {
		printf("test_marks: %s: not checked on S3 (concurrent writers can leave stale marks)\n", __func__);
		return;
	}
	enum { PROCS = 4, SCANS = 12 };
	static const char *targets[] = {"conc1.example", "conc2.example"};
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		REQUIRE(pids[p] >= 0);
		if (pids[p] == 0) {
			ps_store *st = open_store("conc");
			uint64_t seed = 1000 + (uint64_t)p;
			int fails = 0;
			for (int s = 0; s < SCANS; s++) {
				char urls[8];
				size_t k = 0;
				for (char c = 'a'; c <= 'f'; c++)
					if (test_rand(&seed) % 2)
						urls[k++] = c;
				urls[k] = 0;
				int64_t t = T0 + (int64_t)(test_rand(&seed) % 40) * 3600000LL;
				fails += write_scan(st, targets[s % 2], t, urls, NULL) != 0;
			}
			ps_store_close(st);
			_exit(fails ? 1 : 0);
		}
	}
	test_wait_ok(pids, PROCS);
	ps_store *st = open_store("conc");
	for (int i = 0; i < 2; i++) {
		ps_scan_info *scans;
		size_t n;
		CHECK_OK(ps_store_list_scans(st, targets[i], &scans, &n));
		CHECK_EQ_INT(n, PROCS * SCANS / 2);
		free(scans);
		CHECK_EQ_INT(brute_check(st, targets[i], 1), 0);
	}
	ps_store_close(st);
}

typedef struct bad_lines {
	int n;
	char why[8][300];
	int64_t line[8];
} bad_lines;

static void on_bad(void *ud, const char *input, int64_t line, const char *why)
{
	(void)input;
	bad_lines *b = ud;
	if (b->n < 8) {
		b->line[b->n] = line;
		snprintf(b->why[b->n++], sizeof b->why[0], "%s", why);
	}
}

/* An escaped NUL never cuts a string: refused in URLs and hosts, replaced
 * by U+FFFD elsewhere (utf8_repair: replace) or refused (reject). */
static void test_nul(void)
{
	static const char input[] =
		"{\"url\":\"https://a\\u0000.example.com/\",\"input\":\"a.example.com\",\"title\":\"a\\u0000b\"}\n"
		"{\"url\":\"https://b.example.com/\",\"input\":\"evil\\u0000/../../tmp\"}\n"
		"{\"url\":\"https://c.example.com/\",\"input\":\"c.example.com\",\"title\":\"a\\u0000b\","
		"\"tech\":[\"x\\u0000y\"]}\n"
		"{\"url\":\"https://d.example.com/\",\"input\":\"d.example.com\",\"title\":\"a\\\\u0000b\"}\n";
	for (int reject = 0; reject < 2; reject++) {
		char path[700];
		snprintf(path, sizeof path, "%s/nul%d", sbase, reject);
		ps_config cfg;
		REQUIRE(ps_config_default(&cfg) == 0);
		cfg.writer.utf8_repair = reject ? PS_UTF8_REJECT : PS_UTF8_REPLACE;
		ps_store_options so;
		ps_store_options_default(&so);
		so.base_path = path;
		so.config = &cfg;
		ps_store *st;
		REQUIRE(ps_store_open(&st, &so) == 0);
		ps_config_free(&cfg);
		bad_lines bl = {0};
		ps_ingest_options o;
		ps_ingest_options_default(&o);
		o.skip_bad_lines = true;
		o.on_bad_line = on_bad;
		o.ud = &bl;
		o.scan_time_ms = T0;
		o.has_scan_time = true;
		ps_ingest *in;
		REQUIRE(ps_ingest_open(&in, st, &o) == 0);
		ps_ingest_summary sum;
		CHECK_OK(ps_ingest_begin(in, "nul.jsonl"));
		CHECK_OK(ps_ingest_push(in, input, strlen(input)));
		CHECK_OK(ps_ingest_end(in));
		CHECK_OK(ps_ingest_finish(in, &sum));
		ps_ingest_close(in);
		ps_ingest_summary_free(&sum);
		CHECK_EQ_INT(bl.n, reject ? 3 : 2);
		CHECK(bl.n >= 2 && bl.line[0] == 1 && strstr(bl.why[0], "'url'") && strstr(bl.why[0], "NUL"));
		CHECK(bl.n >= 2 && bl.line[1] == 2 && strstr(bl.why[1], "'input'") && strstr(bl.why[1], "NUL"));
		if (reject)
			CHECK(bl.n == 3 && bl.line[2] == 3 && strstr(bl.why[2], "'title'"));
		ps_probe_set set;
		CHECK_OK(ps_store_latest_results(st, "example.com", &set));
		CHECK_EQ_INT(set.n, reject ? 1 : 2);
		for (size_t i = 0; i < set.n; i++) {
			const ps_probe_result *r = &set.items[i];
			if (!strcmp(r->input_url, "https://c.example.com/")) {
				CHECK(r->title && !strcmp(r->title, "a\xEF\xBF\xBD" "b"));
				CHECK(r->n_technologies == 1 && !strcmp(r->technologies[0], "x\xEF\xBF\xBD" "y"));
			} else {
				/* an escaped backslash then u0000: text, kept as it is */
				CHECK(!strcmp(r->input_url, "https://d.example.com/") && !strcmp(r->title, "a\\u0000b"));
			}
		}
		ps_probe_set_free(&set);
		ps_store_close(st);
	}
}

/* Temporary scan files in the target directories of a store. On object
 * storage a writer's bytes wait in a spool file on local disk, never in
 * the bucket: none there. */
static int count_tmp(const char *sub)
{
	char root[256];
	snprintf(root, sizeof root, "%s/%s/probe_results", base, sub);
	DIR *d = opendir(root);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char dir[600];
		snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
		DIR *t = opendir(dir);
		struct dirent *f;
		while (t && (f = readdir(t)))
			n += !strncmp(f->d_name, ".scan_", 6) && strstr(f->d_name, ".tmp.") != NULL;
		if (t)
			closedir(t);
	}
	if (d)
		closedir(d);
	return n;
}

static ps_scan_writer *open_writer(ps_store *st, const char *target)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	o.scan_time_ms = T0;
	ps_scan_writer *w;
	REQUIRE(ps_scan_writer_open(&w, st, &o) == 0);
	ps_probe_result r = {.input_url = "https://a.example.com/"};
	REQUIRE(ps_scan_writer_add(w, &r, 1) == 0);
	return w;
}

/* A temporary file is stale once its writer is gone, never before.
 * Local stores only: on object storage nothing temporary is in the bucket
 * (a writer spools on local disk), so there is nothing to find. */
static void test_stale_tmp(void)
{
	if (test_backend_s3())
		return;
	ps_store *a = open_store("stale"), *b = open_store("stale");
	ps_scan_writer *w = open_writer(a, "stale.example");
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		ps_store *c = open_store("stale");
		open_writer(c, "stale.example");
		open_writer(c, "other.example");
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char x;
	REQUIRE(read(p[0], &x, 1) == 1);
	close(p[0]);
	close(p[1]);
	CHECK_EQ_INT(count_tmp("stale"), 3);
	char **paths;
	size_t n;
	CHECK_OK(ps_store_stale_tmp_list(b, &paths, &n));
	CHECK_EQ_INT(n, 0); /* all three writers are running */
	ps_store_stale_tmp_list_free(paths, n);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_OK(ps_store_stale_tmp_list(b, &paths, &n));
	CHECK_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		CHECK(access(paths[i], F_OK) == 0 && strstr(paths[i], "/.scan_") != NULL);
	ps_store_stale_tmp_list_free(paths, n);
	/* the next commit in a directory removes that directory's */
	ps_scan_result res;
	CHECK_OK(ps_scan_writer_commit(w, &res));
	CHECK_EQ_INT(count_tmp("stale"), 1);
	size_t removed = 0;
	CHECK_OK(ps_store_stale_tmp_remove(b, &removed));
	CHECK_EQ_INT(removed, 1);
	CHECK_EQ_INT(count_tmp("stale"), 0);
	/* a spill file left by a writer killed at its creation: stale an
	 * hour after it last changed, not before */
	char spill[700];
	snprintf(spill, sizeof spill, "%s/stale/probe_results/stale.example_443/.parq-spill-AbC123", base);
	FILE *sf = fopen(spill, "w");
	REQUIRE(sf);
	fclose(sf);
	CHECK_OK(ps_store_stale_tmp_list(b, &paths, &n));
	CHECK_EQ_INT(n, 0);
	ps_store_stale_tmp_list_free(paths, n);
	struct timespec old[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};
	REQUIRE(utimensat(AT_FDCWD, spill, old, 0) == 0);
	CHECK_OK(ps_store_stale_tmp_remove(b, &removed));
	CHECK_EQ_INT(removed, 1);
	CHECK(access(spill, F_OK) != 0);
	ps_store_close(a);
	ps_store_close(b);
}

/* 0 is 1970-01-01T00:00:00Z, a time like any other; PS_TIME_UNSET is
 * "not given". */
static void test_time_zero(void)
{
	ps_store *st = open_store("zero");
	ps_scan_result r0, r1;
	CHECK_OK(write_scan(st, "zero.example", 0, "a", &r0));
	CHECK_EQ_INT(r0.scan_time_ms, 0);
	CHECK(strstr(r0.path, "scan_19700101_000000.parquet") != NULL);
	CHECK_OK(write_scan(st, "zero.example", T0, "ab", &r1));
	/* the default is now */
	ps_scan_options o;
	ps_scan_options_default(&o);
	CHECK(o.scan_time_ms == PS_TIME_UNSET);
	ps_query q;
	ps_query_default(&q);
	CHECK(q.from_ms == PS_TIME_UNSET && q.to_ms == PS_TIME_UNSET);
	q.root_target = "zero.example";
	q.scans = PS_SCANS_RANGE;
	q.from_ms = q.to_ms = 0;
	ps_probe_set set;
	CHECK_OK(ps_store_search(st, &q, &set));
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1)
		CHECK_EQ_INT(set.items[0].scan_timestamp_ms, 0);
	ps_probe_set_free(&set);
	/* open at one end */
	q.from_ms = PS_TIME_UNSET;
	q.to_ms = T0;
	CHECK_OK(ps_store_search(st, &q, &set));
	CHECK_EQ_INT(set.n, 3);
	ps_probe_set_free(&set);
	CHECK_EQ_INT(brute_check(st, "zero.example", 1), 0);
	ps_store_close(st);
}

/* httpx lines for `hosts` hosts grouped by host, `per` records each;
 * the first record of each host is not its earliest. */
static char *httpx_input(int hosts, int per, size_t *len)
{
	size_t cap = (size_t)hosts * (size_t)per * 200 + 1, at = 0;
	char *buf = malloc(cap);
	REQUIRE(buf);
	for (int i = 0; i < per; i++)
		for (int h = 0; h < hosts; h++)
			at += (size_t)snprintf(buf + at, cap - at,
			                       "{\"timestamp\":\"2025-03-01T09:%02d:%02dZ\",\"url\":\"https://h%d.example.com/p/%d\","
			                       "\"input\":\"h%d.example.com\",\"status_code\":200,\"title\":\"t%d\"}\n",
			                       i == 0 ? 30 : 10, i % 60, h, i, h, i);
	*len = at;
	return buf;
}

static int ingest_buf(ps_store *st, const char *buf, size_t len, ps_ingest_summary *sum)
{
	ps_ingest_options o;
	ps_ingest_options_default(&o);
	o.group_by = PS_GROUP_HOST;
	o.threads = 2;
	ps_ingest *in;
	int rc = ps_ingest_open(&in, st, &o);
	if (rc)
		return rc;
	if (!(rc = ps_ingest_begin(in, "input")) && !(rc = ps_ingest_push(in, buf, len)) && !(rc = ps_ingest_end(in)))
		rc = ps_ingest_finish(in, sum);
	ps_ingest_close(in);
	return rc;
}

/* Four processes ingest httpx output for the same three hosts at once,
 * each input dated anywhere in two days: afterwards every scan's marks
 * equal the recomputation in scan order. */
static void test_concurrent_ingest(void)
{
	/* On object storage writers share no lock, and the store does not yet
	 * settle concurrent placements: a writer marks against the scans it
	 * listed before its PUT, so it misses a scan another writer puts
	 * meanwhile, and re-marking the later scans gives up on a PUT that
	 * loses to another writer (If-Match) instead of retrying. Local
	 * stores only until it does. */
	if (test_backend_s3()) {
		printf("test_marks: %s: not checked on S3 (concurrent writers can leave stale marks)\n", __func__);
		return;
	}
	enum { PROCS = 4, RUNS = 6, HOSTS = 3 };
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		REQUIRE(pids[p] >= 0);
		if (pids[p] != 0)
			continue;
		ps_store *st = open_store("conc_ingest");
		uint64_t seed = 500 + (uint64_t)p;
		int fails = 0;
		for (int r = 0; r < RUNS; r++) {
			char buf[8192];
			size_t at = 0;
			int hour = (int)(test_rand(&seed) % 48);
			for (int h = 0; h < HOSTS; h++)
				for (char c = 'a'; c <= 'f'; c++)
					if (test_rand(&seed) % 2)
						at += (size_t)snprintf(buf + at, sizeof buf - at,
						                       "{\"timestamp\":\"2025-03-%02dT%02d:00:00Z\",\"url\":"
						                       "\"https://h%d.example.com/%c\",\"input\":\"h%d.example.com\","
						                       "\"title\":\"p%d r%d\"}\n",
						                       1 + hour / 24, hour % 24, h, c, h, p, r);
			ps_ingest_summary sum;
			fails += ingest_buf(st, buf, at, &sum) != 0;
			ps_ingest_summary_free(&sum);
		}
		ps_store_close(st);
		_exit(fails ? 1 : 0);
	}
	test_wait_ok(pids, PROCS);
	ps_store *st = open_store("conc_ingest");
	int scans_seen = 0;
	for (int h = 0; h < HOSTS; h++) {
		char target[64];
		snprintf(target, sizeof target, "https://h%d.example.com", h);
		ps_scan_info *scans;
		size_t n;
		CHECK_OK(ps_store_list_scans(st, target, &scans, &n));
		scans_seen += (int)n;
		free(scans);
		CHECK_EQ_INT(brute_check(st, target, 1), 0);
	}
	CHECK(scans_seen > PROCS * RUNS);
	ps_store_close(st);
}

/* Ingests killed at random points, then run again: every record stored
 * exactly once, in one scan per host dated by its earliest record. */
static void test_kill_rerun(void)
{
	enum { HOSTS = 40, PER = 25 };
	size_t len;
	char *buf = httpx_input(HOSTS, PER, &len);
	uint64_t seed = 77;
	int killed = 0;
	/* how long an ingest takes here: the kills fall anywhere in it */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{
		ps_store *st = open_store("rerun_timing");
		ps_ingest_summary sum;
		CHECK_OK(ingest_buf(st, buf, len, &sum));
		ps_ingest_summary_free(&sum);
		ps_store_close(st);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t span_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000) * 5 / 4 + 1;
	for (int round = 0; round < 12; round++) {
		pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			ps_store *st = open_store("rerun");
			ps_ingest_summary sum;
			int rc = ingest_buf(st, buf, len, &sum);
			ps_ingest_summary_free(&sum);
			ps_store_close(st);
			_exit(rc ? 1 : 0);
		}
		usleep((useconds_t)(test_rand(&seed) % span_us));
		kill(pid, SIGKILL);
		int status;
		REQUIRE(waitpid(pid, &status, 0) == pid);
		killed += WIFSIGNALED(status);
	}
	/* the last run completes; a run after it writes nothing */
	ps_store *st = open_store("rerun");
	char **stale;
	size_t n_stale;
	CHECK_OK(ps_store_stale_tmp_list(st, &stale, &n_stale));
	CHECK_EQ_INT(n_stale, (size_t)count_tmp("rerun"));
	ps_store_stale_tmp_list_free(stale, n_stale);
	ps_ingest_summary sum;
	CHECK_OK(ingest_buf(st, buf, len, &sum));
	/* the rerun committed in every directory: the killed runs' temporary
	 * files are gone */
	CHECK_EQ_INT(count_tmp("rerun"), 0);
	CHECK_EQ_INT(sum.n_scans, HOSTS);
	ps_ingest_summary_free(&sum);
	CHECK_OK(ingest_buf(st, buf, len, &sum));
	CHECK_EQ_INT(sum.n_scans, HOSTS);
	int stored = 0;
	for (size_t k = 0; k < sum.n_scans; k++)
		stored += sum.scans[k].already_stored;
	CHECK_EQ_INT(stored, HOSTS);
	ps_ingest_summary_free(&sum);
	int64_t total = 0;
	for (int h = 0; h < HOSTS; h++) {
		char target[64];
		snprintf(target, sizeof target, "https://h%d.example.com", h);
		ps_scan_info *scans;
		size_t n;
		CHECK_OK(ps_store_list_scans(st, target, &scans, &n));
		CHECK_EQ_INT(n, 1);
		for (size_t i = 0; i < n; i++) {
			total += scans[i].rows;
			/* the earliest record's time, not the first line's */
			CHECK_EQ_INT(scans[i].scan_time_ms, T0 + 10 * 60000 + 1000);
		}
		free(scans);
	}
	CHECK_EQ_INT(total, HOSTS * PER);
	printf("test_marks: %d of 12 ingests killed (%zu temporary files left), then run again: %lld records stored "
	       "once each, no temporary file left\n",
	       killed, n_stale, (long long)total);
	ps_store_close(st);
	free(buf);
}

int main(void)
{
	test_backend_init("test_marks");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	test_urlset();
	test_late_scan();
	test_freed_name();
	test_damaged_previous();
	test_url_twice();
	test_stored_once();
	test_concurrent();
	test_kill_rerun();
	test_concurrent_ingest();
	test_time_zero();
	test_stale_tmp();
	test_nul();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return test_report("test_marks");
}
