/* Ingest through the library (probestore/ingest.h): input cut anywhere
 * gives the same scans; one parsing thread or several give the same rows
 * in the same order; line numbers and reasons of bad lines; skip and fail;
 * grouping by registrable domain and by host; probestore's own records
 * keyed by scan time; the memory budget (row groups written early);
 * cancellation; and injected failures of every system call of the batch
 * commit (syncfs included) with several targets: a scan the summary lists
 * reads back, every visible file is a complete scan, no temporary file
 * stays. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "storage/store_io.h"
#include "storage/backend.h"
#include "test.h"

static char base[] = "/tmp/ps_ingest_XXXXXX";
static char sbase[512]; /* the stores: base, or its place in the bucket */
static int n_store;

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

/* A new store in a directory of its own under base. */
static ps_store *store_new(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/s%d", sbase, n_store++);
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = dir;
	ps_store *st;
	REQUIRE(ps_store_open(&st, &so) == 0);
	return st;
}

/* the directories of httpx_lines's registrable domains, in order */
static const char *const DOMAIN_DIRS[] = {"example.com:443", "example.org:443", "example.co.uk:443"};

/* n httpx lines: URL i on host h<i % hosts>.<domain i % 3>, status 200,
 * each with a header of its own when etag (an ETag of 128 hex digits,
 * which no codec shrinks below half: a target's row group grows by about
 * 64 bytes a line whatever the writer's buffers). */
static char *httpx_lines_with(int n, int hosts, bool etag, size_t *len)
{
	static const char *const domains[] = {"example.com", "example.org", "shop.example.co.uk"};
	size_t cap = (size_t)n * (etag ? 360 : 200) + 1;
	char *buf = malloc(cap);
	REQUIRE(buf);
	size_t at = 0;
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < n; i++) {
		char header[160] = "";
		if (etag) {
			size_t h = (size_t)snprintf(header, sizeof header, ",\"header\":{\"etag\":\"");
			for (int k = 0; k < 8; k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				h += (size_t)snprintf(header + h, sizeof header - h, "%016llx", (unsigned long long)x);
			}
			snprintf(header + h, sizeof header - h, "\"}");
		}
		at += (size_t)snprintf(buf + at, cap - at,
		                       "{\"timestamp\":\"2025-03-01T09:00:00Z\",\"url\":\"https://h%d.%s/p/%d\","
		                       "\"input\":\"h%d.%s\",\"status_code\":200,\"title\":\"t%d\"%s}\n",
		                       i % hosts, domains[i % 3], i, i % hosts, domains[i % 3], i, header);
	}
	*len = at;
	return buf;
}

static char *httpx_lines(int n, int hosts, size_t *len)
{
	return httpx_lines_with(n, hosts, false, len);
}

typedef struct run_opts {
	int threads;
	size_t piece;        /* push in pieces of this many bytes (0: all at once) */
	ps_ingest_group group;
	bool skip;
	size_t budget;
	const char *target;
	size_t commit_batch;
	bool pipe;           /* read from a pipe (ps_ingest_read_fd) that gets pieces of `piece` bytes */
} run_opts;

typedef struct pipe_feed {
	int fd;
	const char *buf;
	size_t len, piece;
} pipe_feed;

static void *feed_pipe(void *arg)
{
	pipe_feed *f = arg;
	for (size_t at = 0; at < f->len;) {
		size_t n = f->len - at < f->piece ? f->len - at : f->piece;
		ssize_t w = write(f->fd, f->buf + at, n);
		if (w <= 0)
			break;
		at += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

typedef struct bad_lines {
	int n;
	int64_t line[8];
	char why[8][256];
} bad_lines;

static void on_bad(void *ud, const char *input, int64_t line, const char *why)
{
	bad_lines *b = ud;
	(void)input;
	if (b->n < 8) {
		b->line[b->n] = line;
		snprintf(b->why[b->n], sizeof b->why[b->n], "%s", why);
	}
	b->n++;
}

/* Ingests buf[0..len) as input "in.jsonl"; rc of the first failing call. */
static int run(ps_store *st, const run_opts *ro, const char *buf, size_t len, ps_ingest_summary *sum,
               bad_lines *bl)
{
	ps_ingest_options o;
	ps_ingest_options_default(&o);
	o.threads = ro->threads;
	o.group_by = ro->group;
	o.skip_bad_lines = ro->skip;
	o.memory_budget = ro->budget;
	o.commit_batch = ro->commit_batch;
	o.target = ro->target;
	o.session_id = "t1";
	o.on_bad_line = on_bad;
	o.ud = bl;
	ps_ingest *in;
	int rc = ps_ingest_open(&in, st, &o);
	if (rc)
		return rc;
	memset(sum, 0, sizeof *sum);
	size_t piece = ro->piece ? ro->piece : len;
	if (ro->pipe) {
		int fds[2];
		REQUIRE(pipe(fds) == 0);
		pipe_feed f = {fds[1], buf, len, piece};
		pthread_t th;
		REQUIRE(pthread_create(&th, NULL, feed_pipe, &f) == 0);
		rc = ps_ingest_read_fd(in, fds[0], "in.jsonl");
		close(fds[0]);
		pthread_join(th, NULL);
	} else {
		rc = ps_ingest_begin(in, "in.jsonl");
		for (size_t at = 0; !rc && at < len; at += piece)
			rc = ps_ingest_push(in, buf + at, len - at < piece ? len - at : piece);
		if (!rc)
			rc = ps_ingest_end(in);
	}
	if (!rc)
		rc = ps_ingest_finish(in, sum);
	ps_ingest_close(in);
	return rc;
}

typedef struct rows {
	char **url;
	size_t n, cap;
} rows;

static int collect(void *ud, const ps_probe_result *r)
{
	rows *w = ud;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->url = realloc(w->url, w->cap * sizeof *w->url);
	}
	char buf[600];
	snprintf(buf, sizeof buf, "%s|%s|%s|%s", r->input_url, r->title ? r->title : "", r->url_status,
	         r->root_target_url ? r->root_target_url : "");
	w->url[w->n++] = strdup(buf);
	return 0;
}

static void rows_free(rows *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->url[i]);
	free(w->url);
	memset(w, 0, sizeof *w);
}

static bool same_rows(const ps_store *sa, const char *a, const ps_store *sb, const char *b)
{
	rows x = {0}, y = {0};
	bool ok = ps_store_scan_stream(sa, a, collect, &x, NULL) == 0 && ps_store_scan_stream(sb, b, collect, &y, NULL) == 0 &&
	          x.n == y.n;
	for (size_t i = 0; ok && i < x.n; i++)
		ok = strcmp(x.url[i], y.url[i]) == 0;
	rows_free(&x);
	rows_free(&y);
	return ok;
}

static int64_t rows_of(const ps_store *st, const char *path)
{
	rows x = {0};
	int64_t n = ps_store_scan_stream(st, path, collect, &x, NULL) == 0 ? (int64_t)x.n : -1;
	rows_free(&x);
	return n;
}

typedef struct file_count {
	const ps_store *st;
	const char *dir;
	int *files, *hidden, *unreadable;
} file_count;

static void count_files(const ps_store *st, const char *dir, int *files, int *hidden, int *unreadable);

static int count_one(void *ud, const ps_entry *e)
{
	file_count *c = ud;
	if (!strcmp(e->name, ".lock") || !strcmp(e->name, ".writers"))
		return 0; /* the target's lock file, the writers' lock files */
	char path[4600];
	snprintf(path, sizeof path, "%s/%s", c->dir, e->name);
	if (e->is_dir) {
		count_files(c->st, path, c->files, c->hidden, c->unreadable);
		return 0;
	}
	if (e->name[0] == '.') {
		(*c->hidden)++;
		return 0;
	}
	(*c->files)++;
	if (c->unreadable && (strncmp(e->name, "scan_", 5) != 0 || rows_of(c->st, path) < 0))
		(*c->unreadable)++;
	return 0;
}

/* Files under dir of a store (either backend), recursively: visible
 * (*files) and hidden (*hidden; on object storage the claims of names). */
static void count_files(const ps_store *st, const char *dir, int *files, int *hidden, int *unreadable)
{
	file_count c = {st, dir, files, hidden, unreadable};
	ps_store_list_dir(st, dir, count_one, &c);
}

static void test_pieces_and_threads(void)
{
	size_t len;
	char *buf = httpx_lines(5000, 40, &len);
	char d1[4200], d2[4200], d3[4200], d4[4200];
	ps_store *s1 = store_new(d1, sizeof d1), *s2 = store_new(d2, sizeof d2), *s3 = store_new(d3, sizeof d3);
	ps_store *s4 = store_new(d4, sizeof d4);
	ps_ingest_summary a, b, c, e;
	bad_lines bl = {0};
	run_opts one = {.threads = 1}, many = {.threads = 4, .piece = 7777}, bytes = {.threads = 3, .piece = 1};
	/* read from a pipe straight into the input blocks, as `ingest` reads */
	run_opts piped = {.threads = 2, .piece = 3001, .pipe = true};
	CHECK_EQ_INT(run(s1, &one, buf, len, &a, &bl), 0);
	CHECK_EQ_INT(run(s2, &many, buf, len, &b, &bl), 0);
	CHECK_EQ_INT(run(s3, &bytes, buf, len, &c, &bl), 0);
	CHECK_EQ_INT(run(s4, &piped, buf, len, &e, &bl), 0);
	CHECK_EQ_INT(bl.n, 0);
	CHECK_EQ_INT(e.n_scans, 3);
	CHECK_EQ_INT(e.records, 5000);
	CHECK_EQ_INT(e.bytes, len);
	for (size_t k = 0; k < 3 && k < a.n_scans && k < e.n_scans; k++)
		CHECK(same_rows(s1, a.scans[k].path, s4, e.scans[k].path));
	ps_ingest_summary_free(&e);
	ps_store_close(s4);
	/* by registrable domain: three scans, in order of first appearance */
	CHECK_EQ_INT(a.n_scans, 3);
	CHECK_EQ_INT(a.records, 5000);
	CHECK_EQ_INT(a.lines, 5000);
	CHECK_EQ_INT(b.n_scans, 3);
	CHECK_EQ_INT(c.n_scans, 3);
	for (size_t k = 0; k < 3 && k < a.n_scans && k < b.n_scans && k < c.n_scans; k++) {
		CHECK(!strcmp(a.scans[k].host_port, DOMAIN_DIRS[k]));
		CHECK(!strcmp(b.scans[k].host_port, DOMAIN_DIRS[k]));
		CHECK_EQ_INT(a.scans[k].records, k < 2 ? 1667 : 1666);
		CHECK_EQ_INT(a.scans[k].n_new, a.scans[k].records);
		CHECK_EQ_INT(a.scans[k].scan_time_ms, 1740819600000LL);
		CHECK(same_rows(s1, a.scans[k].path, s2, b.scans[k].path));
		CHECK(same_rows(s1, a.scans[k].path, s3, c.scans[k].path));
	}
	/* the rows in input order */
	rows x = {0};
	CHECK(ps_store_scan_stream(s1, a.scans[1].path, collect, &x, NULL) == 0);
	CHECK(x.n == 1667 && !strncmp(x.url[0], "https://h1.example.org/p/1|t1|new|example.org", 46));
	CHECK(x.n == 1667 && !strncmp(x.url[1666], "https://h39.example.org/p/4999|", 31));
	rows_free(&x);
	ps_ingest_summary_free(&a);
	ps_ingest_summary_free(&b);
	ps_ingest_summary_free(&c);

	/* again into s1: the same scans (time and records) are stored already
	 * and reported with their own counts; grouped by host, one scan per
	 * host */
	CHECK_EQ_INT(run(s1, &one, buf, len, &a, &bl), 0);
	CHECK_EQ_INT(a.n_scans, 3);
	for (size_t k = 0; k < a.n_scans; k++) {
		CHECK(a.scans[k].already_stored);
		CHECK_EQ_INT(a.scans[k].n_new, a.scans[k].records);
		CHECK_EQ_INT(a.scans[k].n_old, 0);
	}
	ps_ingest_summary_free(&a);
	run_opts host = {.threads = 2, .group = PS_GROUP_HOST};
	CHECK_EQ_INT(run(s2, &host, buf, len, &a, &bl), 0);
	CHECK_EQ_INT(a.n_scans, 120); /* h0..h39 of each of the three domains */
	CHECK(a.n_scans > 0 && !strcmp(a.scans[0].host_port, "h0.example.com:443"));
	ps_ingest_summary_free(&a);
	/* vanished subdomains are old: the first 300 lines only this time */
	size_t len2;
	char *buf2 = httpx_lines(300, 40, &len2);
	CHECK_EQ_INT(run(s1, &one, buf2, len2, &a, &bl), 0);
	CHECK_EQ_INT(a.n_scans, 3);
	CHECK(a.n_scans == 3 && a.scans[0].n_existing == 100 && a.scans[0].n_old == 1667 - 100);
	ps_ingest_summary_free(&a);
	free(buf2);
	free(buf);
	ps_store_close(s1);
	ps_store_close(s2);
	ps_store_close(s3);
}

/* More distinct hosts than a parsing thread remembers the targets of
 * (2,048): every record still goes to its registrable domain. */
static void test_many_hosts(void)
{
	size_t len;
	char *buf = httpx_lines(6300, 6300, &len);
	char d[4200];
	ps_store *st = store_new(d, sizeof d);
	ps_ingest_summary a;
	bad_lines bl = {0};
	run_opts one = {.threads = 1}, two = {.threads = 2, .piece = 100000};
	for (int k = 0; k < 2; k++) {
		CHECK_EQ_INT(run(st, k ? &two : &one, buf, len, &a, &bl), 0);
		CHECK_EQ_INT(bl.n, 0);
		CHECK_EQ_INT(a.n_scans, 3);
		for (size_t j = 0; j < 3 && j < a.n_scans; j++) {
			CHECK(!strcmp(a.scans[j].host_port, DOMAIN_DIRS[j]));
			CHECK_EQ_INT(a.scans[j].records, 2100);
			CHECK_EQ_INT(rows_of(st, a.scans[j].path), 2100);
		}
		ps_ingest_summary_free(&a);
	}
	free(buf);
	ps_store_close(st);
}

static void test_bad_lines(void)
{
	const char *in = "{\"url\":\"https://a.example.com/1\"}\n"
	                 "\n"
	                 "{\"url\":\"https://a.example.com/2\",\"status_code\":\"200\"}\r\n"
	                 "[1]\n"
	                 "{\"url\":\"https://b.example.com/3\"}";
	char d[4200];
	ps_store *st = store_new(d, sizeof d);
	ps_ingest_summary s;
	bad_lines bl = {0};
	run_opts fail = {.threads = 2, .piece = 5};
	CHECK_EQ_INT(run(st, &fail, in, strlen(in), &s, &bl), PS_EINVAL);
	CHECK(!strcmp(ps_errmsg(), "in.jsonl:3: status_code: expected an integer, got a string; nothing was written"));
	int files = 0, hidden = 0;
	count_files(st, d, &files, &hidden, NULL);
	CHECK_EQ_INT(files + hidden, 0);
	run_opts skip = {.threads = 1, .skip = true};
	CHECK_EQ_INT(run(st, &skip, in, strlen(in), &s, &bl), 0);
	CHECK_EQ_INT(bl.n, 2);
	CHECK_EQ_INT(bl.line[0], 3);
	CHECK_EQ_INT(bl.line[1], 4);
	CHECK(!strcmp(bl.why[1], "expected a JSON object, got an array"));
	CHECK_EQ_INT(s.lines, 5);
	CHECK_EQ_INT(s.skipped, 2);
	CHECK_EQ_INT(s.n_scans, 1);
	CHECK(s.n_scans == 1 && s.scans[0].records == 2 && !strcmp(s.scans[0].host_port, "example.com:443"));
	ps_ingest_summary_free(&s);

	/* a line over the limit, longer than a block, in the middle */
	size_t big = (size_t)3 << 20;
	char *buf = malloc(big + 200);
	REQUIRE(buf);
	size_t at = (size_t)sprintf(buf, "{\"url\":\"https://a.example.com/x\"}\n{\"url\":\"https://a.example.com/");
	memset(buf + at, 'y', big);
	at += big;
	at += (size_t)sprintf(buf + at, "\"}\n{\"url\":\"https://a.example.com/z\"}\n");
	ps_ingest_options o;
	ps_ingest_options_default(&o);
	o.max_line_size = (size_t)1 << 20;
	o.skip_bad_lines = true;
	o.on_bad_line = on_bad;
	memset(&bl, 0, sizeof bl);
	o.ud = &bl;
	ps_ingest *ing;
	REQUIRE(ps_ingest_open(&ing, st, &o) == 0);
	CHECK_EQ_INT(ps_ingest_begin(ing, "long.jsonl"), 0);
	for (size_t k = 0; k < at; k += 65536)
		CHECK_EQ_INT(ps_ingest_push(ing, buf + k, at - k < 65536 ? at - k : 65536), 0);
	CHECK_EQ_INT(ps_ingest_end(ing), 0);
	CHECK_EQ_INT(ps_ingest_finish(ing, &s), 0);
	CHECK_EQ_INT(bl.n, 1);
	CHECK_EQ_INT(bl.line[0], 2);
	CHECK(strstr(bl.why[0], "line longer than the 1.0 MiB limit") == bl.why[0]);
	CHECK(s.n_scans == 1 && s.scans[0].records == 2 && s.lines == 3);
	ps_ingest_summary_free(&s);
	ps_ingest_close(ing);
	free(buf);
	ps_store_close(st);
}

/* The writer takes ingest's strings as valid UTF-8 without checking them
 * again: escapes that are not UTF-16 make the line bad (the JSON parser
 * refuses them), a surrogate pair is one 4-byte character, a raw invalid
 * byte is repaired before parsing. */
static void test_escapes_utf8(void)
{
	const char *in = "{\"url\":\"https://a.example.com/1\",\"title\":\"x\\ud800y\"}\n"
	                 "{\"url\":\"https://a.example.com/2\",\"title\":\"x\\udc00y\"}\n"
	                 "{\"url\":\"https://a.example.com/3\",\"title\":\"x\\ud800\\u0041\"}\n"
	                 "{\"url\":\"https://a.example.com/4\",\"title\":\"\\ud83d\\ude00\\uffff\"}\n"
	                 "{\"url\":\"https://a.example.com/5\",\"title\":\"a\xff\"}\n";
	char d[4200];
	ps_store *st = store_new(d, sizeof d);
	ps_ingest_summary s;
	bad_lines bl = {0};
	run_opts skip = {.threads = 2, .skip = true};
	CHECK_EQ_INT(run(st, &skip, in, strlen(in), &s, &bl), 0);
	CHECK_EQ_INT(bl.n, 3);
	for (int k = 0; k < bl.n && k < 3; k++) {
		CHECK_EQ_INT(bl.line[k], k + 1);
		CHECK(strstr(bl.why[k], "invalid JSON") != NULL);
	}
	CHECK(s.n_scans == 1 && s.scans[0].records == 2);
	ps_ingest_summary_free(&s);
	ps_probe_set set;
	ps_query q;
	ps_query_default(&q);
	CHECK_OK(ps_store_search(st, &q, &set));
	CHECK_EQ_INT(set.n, 2);
	for (size_t i = 0; i < set.n; i++) {
		const ps_probe_result *r = &set.items[i];
		if (!strcmp(r->input_url, "https://a.example.com/4"))
			CHECK(r->title && !strcmp(r->title, "\xf0\x9f\x98\x80\xef\xbf\xbf"));
		else
			CHECK(r->title && !strcmp(r->title, "a\xef\xbf\xbd"));
	}
	ps_probe_set_free(&set);
	ps_store_close(st);
}

static void test_keyed_and_target(void)
{
	/* probestore's own records: one scan per target and time, in time order */
	const char *in =
		"{\"original_url\":\"https://a.example.com/1\",\"root_target_url\":\"a.example.com\",\"scan_timestamp\":2000}\n"
		"{\"original_url\":\"https://a.example.com/1\",\"root_target_url\":\"a.example.com\",\"scan_timestamp\":1000}\n"
		"{\"original_url\":\"https://a.example.com/2\",\"root_target_url\":\"a.example.com\",\"scan_timestamp\":1000}\n"
		"{\"original_url\":\"https://b.example.com/1\",\"root_target_url\":\"b.example.com\",\"scan_timestamp\":1000}\n";
	char d[4200];
	ps_store *st = store_new(d, sizeof d);
	ps_ingest_summary s;
	bad_lines bl = {0};
	run_opts ro = {.threads = 2};
	CHECK_EQ_INT(run(st, &ro, in, strlen(in), &s, &bl), 0);
	CHECK_EQ_INT(s.n_scans, 3);
	if (s.n_scans == 3) {
		CHECK(!strcmp(s.scans[0].host_port, "a.example.com:443") && s.scans[0].scan_time_ms == 1000);
		CHECK_EQ_INT(s.scans[0].n_new, 2);
		CHECK(!strcmp(s.scans[1].host_port, "a.example.com:443") && s.scans[1].scan_time_ms == 2000);
		CHECK_EQ_INT(s.scans[1].n_existing, 1);
		CHECK_EQ_INT(s.scans[1].n_old, 1);
		CHECK(!strcmp(s.scans[2].host_port, "b.example.com:443"));
	}
	ps_ingest_summary_free(&s);
	/* an explicit target, and an empty input with it: an empty scan */
	run_opts t = {.threads = 1, .target = "http://one.example.net:8080"};
	CHECK_EQ_INT(run(st, &t, "", 0, &s, &bl), 0);
	CHECK(s.n_scans == 1 && s.scans[0].records == 0 && !strcmp(s.scans[0].host_port, "one.example.net:8080"));
	ps_ingest_summary_free(&s);
	/* an error of a target's scan names it as the summary does: host:port,
	 * not the URL it was given as (a file where its directory goes: local
	 * stores only, a key does not stand in the way of keys under it) */
	if (test_backend_s3()) {
		ps_store_close(st);
		return;
	}
	char blocker[4400];
	snprintf(blocker, sizeof blocker, "%s/probe_results/juiceshop_3000", d);
	FILE *bf = fopen(blocker, "w");
	REQUIRE(bf);
	fclose(bf);
	run_opts js = {.threads = 1, .target = "http://juiceshop:3000"};
	const char *line = "{\"url\":\"http://juiceshop:3000/\",\"status_code\":200}\n";
	CHECK(run(st, &js, line, strlen(line), &s, &bl) != 0);
	CHECK(strncmp(ps_errmsg(), "juiceshop:3000: ", 16) == 0);
	CHECK(strstr(ps_errmsg(), "http://juiceshop:3000") == NULL);
	ps_ingest_summary_free(&s);
	run_opts none = {.threads = 1};
	CHECK_EQ_INT(run(st, &none, "\n\n", 2, &s, &bl), 0);
	CHECK_EQ_INT(s.n_scans + s.n_planned, 0);
	CHECK_EQ_INT(s.lines, 2);
	ps_ingest_summary_free(&s);
	ps_store_close(st);
}

/* Whether two local files hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *pa = test_slurp(a, &la), *pb = test_slurp(b, &lb);
	bool same = la == lb && !memcmp(pa, pb, la);
	free(pa);
	free(pb);
	return same;
}

static void test_budget_and_cancel(void)
{
	size_t len;
	char *buf = httpx_lines_with(60000, 1, true, &len);
	char d[4200];
	ps_store *st = store_new(d, sizeof d);
	ps_ingest_summary s;
	bad_lines bl = {0};
	/* a small budget: the writers' complete pages go to spill files, and
	 * their row groups go on; the scans are those of an ingest that
	 * needed no spill, byte for byte */
	run_opts ro = {.threads = 2, .budget = (size_t)2 << 20};
	CHECK_EQ_INT(run(st, &ro, buf, len, &s, &bl), 0);
	CHECK_EQ_INT(s.n_scans, 3);
	CHECK(s.spilled_bytes > (uint64_t)1 << 20);
	printf("budget of 2 MiB: %llu bytes spilled, %lld row groups written early\n",
	       (unsigned long long)s.spilled_bytes, (long long)s.early_row_groups);
	char dw[4200];
	ps_store *whole = store_new(dw, sizeof dw);
	ps_ingest_summary sw;
	run_opts big = {.threads = 2, .budget = (size_t)1 << 30};
	CHECK_EQ_INT(run(whole, &big, buf, len, &sw, &bl), 0);
	CHECK_EQ_INT(sw.spilled_bytes, 0);
	CHECK_EQ_INT(sw.early_row_groups, 0);
	REQUIRE(sw.n_scans == 3);
	for (size_t k = 0; k < s.n_scans; k++) {
		CHECK_EQ_INT(s.scans[k].records, 20000);
		parq_reader *r;
		REQUIRE(ps_storage_open_reader(st, s.scans[k].path, NULL, NULL, &r) == 0);
		CHECK_EQ_INT(parq_reader_num_row_groups(r), 1);
		CHECK_EQ_INT(parq_reader_num_rows(r), 20000);
		parq_reader_close(r);
		CHECK_EQ_INT(s.scans[k].bytes, sw.scans[k].bytes);
		if (!test_backend_s3() && s.scans[k].bytes == sw.scans[k].bytes)
			CHECK(same_file(s.scans[k].path, sw.scans[k].path));
	}
	ps_ingest_summary_free(&sw);
	ps_store_close(whole);
	ps_ingest_summary_free(&s);

	/* a writer whose pages went to its spill file but which holds more
	 * than a megabyte besides (a bloom filter's input grows 8 bytes a
	 * URL: 80,000 lines of one target), and gets no lines for a while
	 * (90,000 of another follow, then 1,000 more of the first): the
	 * budget writes its row group out early, and the first target's scan
	 * has two */
	{
		size_t tcap = (size_t)171000 * 100, tl = 0;
		char *tb = malloc(tcap);
		REQUIRE(tb);
		for (int i = 0; i < 171000; i++) {
			const char *h = i < 80000 || i >= 170000 ? "www.first.net" : "www.second.net";
			tl += (size_t)snprintf(tb + tl, tcap - tl,
			                       "{\"url\":\"https://%s/p/%d\",\"input\":\"%s\",\"status_code\":200}\n", h, i,
			                       h);
		}
		char dt[4200];
		ps_store *ts = store_new(dt, sizeof dt);
		run_opts tro = {.threads = 2, .budget = (size_t)1 << 20};
		CHECK_EQ_INT(run(ts, &tro, tb, tl, &s, &bl), 0);
		CHECK_EQ_INT(s.n_scans, 2);
		CHECK(s.early_row_groups > 0);
		CHECK(s.spilled_bytes > 0);
		printf("two targets one after the other under a budget of 1 MiB: %llu bytes spilled, %lld row groups "
		       "written early\n", (unsigned long long)s.spilled_bytes, (long long)s.early_row_groups);
		int64_t nrows = 0;
		for (size_t k = 0; k < s.n_scans; k++) {
			parq_reader *r;
			REQUIRE(ps_storage_open_reader(ts, s.scans[k].path, NULL, NULL, &r) == 0);
			if (!strcmp(s.scans[k].target, "first.net")) {
				CHECK_EQ_INT(parq_reader_num_rows(r), 81000);
				CHECK_EQ_INT(parq_reader_num_row_groups(r), 2);
			} else {
				CHECK_EQ_INT(parq_reader_num_rows(r), 90000);
			}
			nrows += parq_reader_num_rows(r);
			parq_reader_close(r);
		}
		CHECK_EQ_INT(nrows, 171000);
		ps_ingest_summary_free(&s);
		ps_store_close(ts);
		free(tb);
	}

	/* canceled while reading: an error, nothing left behind */
	char d2[4200];
	ps_store *st2 = store_new(d2, sizeof d2);
	ps_cancel c = {0};
	ps_ingest_options o;
	ps_ingest_options_default(&o);
	o.cancel = &c;
	ps_ingest *in;
	REQUIRE(ps_ingest_open(&in, st2, &o) == 0);
	CHECK_EQ_INT(ps_ingest_begin(in, "c.jsonl"), 0);
	CHECK_EQ_INT(ps_ingest_push(in, buf, len / 2), 0);
	ps_cancel_request(&c);
	int rc = ps_ingest_push(in, buf + len / 2, len - len / 2);
	if (!rc)
		rc = ps_ingest_end(in);
	CHECK_EQ_INT(rc, PS_ECANCELED);
	CHECK(ps_ingest_finish(in, &s) != 0);
	ps_ingest_close(in);
	int files = 0, hidden = 0;
	count_files(st2, d2, &files, &hidden, NULL);
	CHECK_EQ_INT(files + hidden, 0);
	ps_store_close(st2);
	ps_store_close(st);
	free(buf);
}

/* ---- injected failures ---- */

enum { F_MKOSTEMP, F_WRITE, F_CLOSE, F_SYNCFS, F_RENAME, F_OPEN, F_MKDIR, NF };
static const char *const F_NAMES[NF] = {"mkostemp", "write", "close", "syncfs", "rename", "open", "mkdir"};

typedef struct faults {
	int kind, at, err;
	int calls[NF];
	bool hit;
} faults;

static bool fault(faults *f, int kind)
{
	/* the small scans are written on several threads */
	if (__atomic_add_fetch(&f->calls[kind], 1, __ATOMIC_RELAXED) == f->at && f->kind == kind) {
		__atomic_store_n(&f->hit, true, __ATOMIC_RELAXED);
		errno = f->err;
		return true;
	}
	return false;
}

static int h_open(void *ud, const char *path, int flags, mode_t mode)
{
	return fault(ud, F_OPEN) ? -1 : open(path, flags, mode);
}
static int h_mkdir(void *ud, const char *path, mode_t mode)
{
	return fault(ud, F_MKDIR) ? -1 : mkdir(path, mode);
}
static int h_mkostemp(void *ud, char *tmpl, int flags)
{
	return fault(ud, F_MKOSTEMP) ? -1 : mkostemp(tmpl, flags);
}
static ssize_t h_write(void *ud, int fd, const void *b, size_t n)
{
	return fault(ud, F_WRITE) ? -1 : write(fd, b, n);
}
static int h_close(void *ud, int fd)
{
	/* a directory opened to sync its file system: its close cannot lose
	 * data, and its error is ignored */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		return close(fd);
	if (fault(ud, F_CLOSE)) {
		close(fd); /* released all the same, as on Linux */
		errno = ((faults *)ud)->err;
		return -1;
	}
	return close(fd);
}
static int h_syncfs(void *ud, int fd)
{
	return fault(ud, F_SYNCFS) ? -1 : syncfs(fd);
}
static int h_rename(void *ud, const char *from, const char *to, unsigned flags)
{
	return fault(ud, F_RENAME) ? -1 : renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

static void test_faults(void)
{
	/* faults of the local file system's calls (ps_store_io) in a local
	 * store: the S3 client's faults are test_s3's */
	if (test_backend_s3())
		return;
	size_t len;
	/* grouped by host: 12 scans in a batch */
	char *buf = httpx_lines(240, 4, &len);
	int attempts = 0, failed = 0, partial = 0, lost = 0, stray = 0, unreadable = 0;
	static const int errs[] = {EIO, ENOSPC};
	for (int kind = 0; kind < NF; kind++) {
		for (int e = 0; e < 2; e++) {
			for (int at = 1; at < 40; at++) {
				char d[4200];
				ps_store *st = store_new(d, sizeof d);
				faults f = {.kind = kind, .at = at, .err = errs[e]};
				ps_store_io io = {.open = h_open, .mkdir = h_mkdir, .mkostemp = h_mkostemp, .write = h_write,
				                  .close = h_close, .rename = h_rename, .syncfs = h_syncfs, .ud = &f};
				ps_store_set_io(st, &io);
				ps_ingest_summary s;
				bad_lines bl = {0};
				run_opts ro = {.threads = 2, .group = PS_GROUP_HOST};
				int rc = run(st, &ro, buf, len, &s, &bl);
				attempts++;
				if ((rc != 0) != f.hit)
					fprintf(stderr, "%s #%d (%s): rc %d, hit %d: %s\n", F_NAMES[kind], at, strerror(errs[e]), rc,
					        f.hit, ps_errmsg());
				CHECK_EQ_INT(rc != 0, f.hit);
				if (rc)
					failed++;
				if (rc && !strstr(ps_errmsg(), strerror(errs[e])))
					fprintf(stderr, "%s failing: the error does not say why: %s\n", F_NAMES[kind], ps_errmsg());
				/* every scan listed reads back whole; nothing else is visible;
				 * no temporary file is left */
				int listed_ok = 0;
				for (size_t k = 0; k < s.n_scans; k++)
					listed_ok += rows_of(st, s.scans[k].path) == s.scans[k].records;
				lost += (int)s.n_scans - listed_ok;
				int files = 0, hidden = 0, bad = 0;
				count_files(st, d, &files, &hidden, &bad);
				unreadable += bad;
				/* visible and not listed: only when the last sync failed
				 * (complete, in place, not known to be durable) */
				stray += hidden + (files < (int)s.n_scans);
				if (rc && s.n_scans)
					partial++;
				CHECK_EQ_INT(rc ? (int)s.n_scans <= 12 : s.n_scans == 12, 1);
				ps_ingest_summary_free(&s);
				ps_store_close(st);
				if (!f.hit)
					break; /* past the last call of that kind */
			}
		}
	}
	printf("test_ingest: %d ingests of 12 scans with a failing call, %d failed (%d after some scans were "
	       "in place), %d listed scans lost, %d unreadable, %d stray files\n",
	       attempts, failed, partial, lost, unreadable, stray);
	CHECK(failed > 2 * NF);
	CHECK_EQ_INT(lost, 0);
	CHECK_EQ_INT(unreadable, 0);
	CHECK_EQ_INT(stray, 0);
	free(buf);
}

/* Many targets: the scans are committed in slices (commit_batch, 1,024
 * by default; 40 here), the next slice written while one commits, and the
 * sync before a slice's renames also the sync after the slice before's:
 * 105 hosts take four syncs in all (three slices and the last renames).
 * A failing call in any slice: the listed scans read back whole, no
 * temporary file stays, a scan in place whose renames' sync failed is not
 * listed, and the same ingest run again completes the store. */
static void test_faults_slices(void)
{
	if (test_backend_s3())
		return;
	size_t len;
	char *buf = httpx_lines(105, 35, &len); /* 105 hosts */
	static const struct {
		int kind, at;
	} cases[] = {{-1, 0},      {F_SYNCFS, 1}, {F_SYNCFS, 2},   {F_SYNCFS, 3},     {F_SYNCFS, 4}, {F_RENAME, 5},
	             {F_RENAME, 50}, {F_RENAME, 90}, {F_MKOSTEMP, 60}, {F_MKOSTEMP, 100}, {F_WRITE, 70}};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		char d[4200];
		ps_store *st = store_new(d, sizeof d);
		faults f = {.kind = cases[c].kind, .at = cases[c].at, .err = EIO};
		ps_store_io io = {.open = h_open, .mkdir = h_mkdir, .mkostemp = h_mkostemp, .write = h_write,
		                  .close = h_close, .rename = h_rename, .syncfs = h_syncfs, .ud = &f};
		ps_store_set_io(st, &io);
		ps_ingest_summary s;
		bad_lines bl = {0};
		run_opts ro = {.threads = 2, .group = PS_GROUP_HOST, .commit_batch = 40};
		int rc = run(st, &ro, buf, len, &s, &bl);
		if ((rc != 0) != f.hit)
			fprintf(stderr, "slices, %s #%d: rc %d, hit %d: %s\n", cases[c].kind < 0 ? "none" : F_NAMES[cases[c].kind],
			        cases[c].at, rc, f.hit, ps_errmsg());
		CHECK_EQ_INT(rc != 0, f.hit);
		if (cases[c].kind < 0) {
			printf("test_ingest: 105 scans: %d syncs, %d renames, %d writes\n", f.calls[F_SYNCFS], f.calls[F_RENAME],
			       f.calls[F_WRITE]);
			CHECK_EQ_INT(s.n_scans, 105);
			CHECK_EQ_INT(f.calls[F_SYNCFS], 4);
		} else {
			CHECK(f.hit && s.n_scans < 105);
		}
		int lost = 0;
		for (size_t k = 0; k < s.n_scans; k++)
			lost += rows_of(st, s.scans[k].path) != s.scans[k].records;
		CHECK_EQ_INT(lost, 0);
		int files = 0, hidden = 0, bad = 0;
		count_files(st, d, &files, &hidden, &bad);
		CHECK_EQ_INT(bad, 0);
		CHECK_EQ_INT(hidden, 0);
		CHECK(files >= (int)s.n_scans);
		/* the ingest run again completes the store */
		ps_store_set_io(st, NULL);
		ps_ingest_summary_free(&s);
		CHECK_OK(run(st, &ro, buf, len, &s, &bl));
		files = hidden = 0;
		count_files(st, d, &files, &hidden, NULL);
		CHECK_EQ_INT(files, 105);
		CHECK_EQ_INT(hidden, 0);
		ps_ingest_summary_free(&s);
		ps_store_close(st);
	}
	free(buf);
}

int main(void)
{
	test_backend_init("test_ingest");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	test_pieces_and_threads();
	test_many_hosts();
	test_bad_lines();
	test_escapes_utf8();
	test_keyed_and_target();
	test_budget_and_cancel();
	test_faults();
	test_faults_slices();
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_ingest");
}
