/* Load: several processes with several threads each, and the parent, on
 * one data directory at once for PROBESTORE_LOAD_SECONDS (60 by default,
 * under sanitizers too: they slow the writers, not the clock, and the
 * final check of what they wrote stays a few seconds).
 *
 * Each of PROCS child processes runs THREADS threads on one store handle:
 *   0  scan writer: scans of three shared root targets, in one call or in
 *      steps; every scan holds its unique rows, whose URL and title carry
 *      the writer, the scan's sequence number and the row's index, and the
 *      three URLs every scan of the target holds (their first-seen time is
 *      always the target's first scan's);
 *   1  history appender: versions of eight shared URLs (two pairs share a
 *      file, one-digit URL hashes) with ps_history_store, each version's
 *      content and hash tagged with writer and sequence; compacts now and
 *      then;
 *   2  history content appender: the same through ps_history_store_content
 *      (hash, last version, line diff), compacting now and then;
 *   3  querier.
 * The parent runs one more querier. Small files and a low compaction
 * threshold make appends compact and archive all the time. A version's
 * timestamp is its fetch time, up to 200 ms before the store, so versions
 * of a URL reach the store out of timestamp order.
 *
 * A writer marks a write started in shared memory before the call, and only
 * once the call returned success appends the record to its acknowledgement
 * log (write(2), O_APPEND) and marks it acknowledged. Queriers check, while
 * the writers run: every scan a query sees is whole (footer count equals
 * rows read, one writer's batch, every row as written); counts never go
 * backwards and count at least every write acknowledged before the query
 * began; the latest scan is not older than any acknowledged before; a
 * search returns whole batches (every matching row of a scan, by brute
 * force) and every scan of a writer acknowledged before it began, once;
 * the URL diff of the latest two scans is two whole batches; a history
 * read returns versions as they were written, newest first, each once,
 * none not yet started, every version acknowledged before it began, and
 * first (or as last record) one at least as new as any of them; footer
 * counts equal records streamed. Any error of a query fails the test. (A
 * history file opened by its path, outside the store, may be briefly
 * absent while a write moves it to the archive.)
 *
 * At the end (children exited with status 0; a hang ends a process with
 * SIGALRM) every file is read: each acknowledged scan and history version
 * is there exactly once (history across current and archive files),
 * nothing unacknowledged is, no temporary file is left, every Parquet file
 * reads back in full, and the store's own reads agree. A line on stdout
 * sums it up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history/history_internal.h"
#include "history_test.h"

enum {
	PROCS = 3,
	THREADS = 4,
	NW = PROCS * THREADS, /* writers are numbered p * THREADS + t */
	SEED_W = NW,          /* the parent's writes before the children start */
	NT = 3,               /* root targets */
	NU = 8,               /* history URLs */
	COMMON = 3,           /* URLs in every scan of a target */
	MAX_UNIQUE = 60,      /* unique rows of a scan: 1..MAX_UNIQUE */
	MAX_ROWS = MAX_UNIQUE + COMMON,
	ROLE_SCAN = 0,
	ROLE_STORE = 1,
	ROLE_CONTENT = 2,
	ROLE_QUERY = 3
};

static const char *const targets[NT] = {"alpha.load.test", "beta.load.test:8443", "http://gamma.load.test"};
static const char *const prefixes[NT] = {"https://alpha.load.test", "https://beta.load.test:8443",
                                         "http://gamma.load.test"};
static const char *const history_hosts[2] = {"cdn.load.test:443", "api.load.test:8080"};
static char urls[NU][128];
static char url_hash[NU][2];

static char base[] = "/tmp/ps_load_XXXXXX";
static char data[64], ackdir[64];
static double deadline; /* CLOCK_MONOTONIC, shared by every process */
static int seconds;

/* ---- memory shared by every process ---- */

typedef struct shared {
	int64_t scan_started[NW + 1][NT], scan_acked[NW + 1][NT];
	int64_t scan_time_acked[NT]; /* the newest acknowledged scan's time */
	int64_t seed_time[NT];       /* the target's first scan: first seen of the common URLs */
	int64_t h_started[NW + 1][NU], h_acked[NW + 1][NU];
	int64_t h_ts_acked[NU];      /* the newest acknowledged version's timestamp */
	int64_t failures, queries, compactions, archives, rows_acked;
} shared;

static shared *sh;

static int64_t ld(const int64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st64(int64_t *p, int64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void add64(int64_t *p, int64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static void max64(int64_t *p, int64_t v)
{
	int64_t cur = ld(p);
	while (cur < v && !__atomic_compare_exchange_n(p, &cur, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

static __thread char who[32] = "parent";
static int64_t own_failures; /* this process's */

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	add64(&own_failures, 1);
	int64_t n = __atomic_add_fetch(&sh->failures, 1, __ATOMIC_SEQ_CST);
	if (n > 200)
		return; /* the first ones tell the story */
	char line[2048];
	int k = snprintf(line, sizeof line, "test_load [%s]: ", who);
	va_list ap;
	va_start(ap, fmt);
	k += vsnprintf(line + k, sizeof line - (size_t)k, fmt, ap);
	va_end(ap);
	if (k > (int)sizeof line - 2)
		k = (int)sizeof line - 2;
	line[k++] = '\n';
	if (write(2, line, (size_t)k) < 0)
		return;
}

static double mono(void)
{
	return ht_now();
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool running(void)
{
	return mono() < deadline;
}

/* ---- scans: what a scan of a writer holds ---- */

static const int codes[4] = {200, 301, 404, 503};
static const char *const techs[3] = {"Nginx", "React", "jQuery"};
static const char *const ctypes[2] = {"text/html; charset=utf-8", "application/json"};

typedef struct batch {
	int t, w, n;
	int64_t s;
	ps_probe_result r[MAX_ROWS];
	char url[MAX_ROWS][128], title[MAX_ROWS][96], ip[MAX_ROWS][32], tag[MAX_ROWS][64];
	const char *tech[MAX_ROWS][1], *ips[MAX_ROWS][1];
	ps_header hdr[MAX_ROWS][1];
} batch;

/* Row i of scan s of writer w of target t with n unique rows. */
static void batch_make(batch *b, int t, int w, int64_t s, int n)
{
	b->t = t, b->w = w, b->s = s, b->n = n;
	for (int i = 0; i < n + COMMON; i++) {
		ps_probe_result *p = &b->r[i];
		memset(p, 0, sizeof *p);
		if (i < n)
			snprintf(b->url[i], sizeof b->url[i], "%s/load/w%d/s%" PRId64 "/r%d", prefixes[t], w, s, i);
		else
			snprintf(b->url[i], sizeof b->url[i], "%s/common/%d", prefixes[t], i - n);
		snprintf(b->title[i], sizeof b->title[i], "load t=%d w=%d s=%" PRId64 " n=%d i=%d", t, w, s, n, i);
		snprintf(b->ip[i], sizeof b->ip[i], "10.%d.%d.%d", w, (int)(s % 256), i);
		snprintf(b->tag[i], sizeof b->tag[i], "w%d-s%" PRId64, w, s);
		b->tech[i][0] = techs[(i + w) % 3];
		b->ips[i][0] = b->ip[i];
		b->hdr[i][0] = (ps_header){"x-load", b->tag[i]};
		p->input_url = b->url[i];
		p->status_code = codes[(i + s) % 4];
		p->content_length = 100 * i + 1;
		p->content_type = ctypes[i % 2];
		p->title = b->title[i];
		p->web_server = "nginx";
		p->technologies = b->tech[i];
		p->n_technologies = 1;
		p->ips = b->ips[i];
		p->n_ips = 1;
		p->error = p->status_code == 503 ? "upstream timed out" : NULL;
		p->method = "GET";
		p->headers = b->hdr[i];
		p->n_headers = 1;
	}
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && strcmp(a, b) == 0;
}

typedef struct row_id {
	int t, w, n, i;
	int64_t s;
} row_id;

static bool row_id_parse(const char *title, row_id *id)
{
	long long s;
	int k = 0;
	if (!title || sscanf(title, "load t=%d w=%d s=%lld n=%d i=%d%n", &id->t, &id->w, &s, &id->n, &id->i, &k) != 5 ||
	    title[k] || id->t < 0 || id->t >= NT || id->w < 0 || id->w > NW || s < 1 || id->n < 1 || id->n > MAX_UNIQUE ||
	    id->i < 0 || id->i >= id->n + COMMON)
		return false;
	id->s = s;
	return true;
}

/* Does r, read back, hold row id.i of its batch as written? scan_ms is the
 * scan's time (0: take r's). */
static bool row_matches(const ps_probe_result *r, const row_id *id, const batch *b, int64_t scan_ms)
{
	const ps_probe_result *e = &b->r[id->i];
	bool common = id->i >= id->n;
	/* the seed's first scan is the target's first: everything in it is new */
	const char *diff = common && !(id->w == SEED_W && id->s == 1) ? "existing" : "new";
	int64_t first = common ? ld(&sh->seed_time[id->t]) : r->scan_timestamp_ms;
	return same_str(r->input_url, e->input_url) && same_str(r->title, e->title) && !r->final_url &&
	       r->status_code == e->status_code && r->content_length == e->content_length &&
	       same_str(r->content_type, e->content_type) && same_str(r->web_server, e->web_server) &&
	       r->n_technologies == 1 && same_str(r->technologies[0], e->technologies[0]) && r->n_ips == 1 &&
	       same_str(r->ips[0], e->ips[0]) && same_str(r->error, e->error) && same_str(r->method, e->method) &&
	       r->n_headers == 1 && same_str(r->headers[0].name, "x-load") && same_str(r->headers[0].value, b->tag[id->i]) &&
	       same_str(r->root_target_url, targets[id->t]) && same_str(r->url_status, diff) &&
	       (!scan_ms || r->scan_timestamp_ms == scan_ms) && r->oldest_scan_timestamp_ms == first;
}

/* ---- scan files ---- */

typedef struct scan_check {
	int t;
	row_id id;      /* the batch: w, s, n */
	int64_t rows;   /* read */
	int64_t footer; /* from the footer */
	int64_t scan_ms;
	batch b;
	bool started;
	bool ok;
	char why[512];
} scan_check;

static void scan_check_row(scan_check *c, const ps_probe_result *r, int64_t k)
{
	row_id id;
	if (!c->ok)
		return;
	if (!row_id_parse(r->title, &id)) {
		c->ok = false;
		snprintf(c->why, sizeof c->why, "row %" PRId64 ": title '%s' is no row of ours", k, r->title ? r->title : "");
		return;
	}
	if (!c->started) {
		c->started = true;
		c->id = id;
		c->scan_ms = r->scan_timestamp_ms;
		batch_make(&c->b, id.t, id.w, id.s, id.n);
	}
	if (id.t != c->t || id.w != c->id.w || id.s != c->id.s || id.n != c->id.n || id.i != k) {
		c->ok = false;
		snprintf(c->why, sizeof c->why, "row %" PRId64 " is '%s', not row %" PRId64 " of target %d w=%d s=%" PRId64, k,
		         r->title, k, c->t, c->id.w, c->id.s);
		return;
	}
	if (!row_matches(r, &id, &c->b, c->scan_ms)) {
		c->ok = false;
		snprintf(c->why, sizeof c->why, "row %" PRId64 " ('%s', %s, first seen %" PRId64 ") is not as written", k,
		         r->title, r->url_status ? r->url_status : "-", r->oldest_scan_timestamp_ms);
	}
}

static int scan_check_cb(void *ud, const ps_probe_result *r)
{
	scan_check *c = ud;
	scan_check_row(c, r, c->rows++);
	return 0;
}

/* Reads a scan file of target t in full, with the streaming callback or
 * the pull iterator: one writer's whole batch, every row as written, as
 * many rows as the footer says. */
static bool scan_file_check(const char *path, int t, bool pull, scan_check *c)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->ok = true;
	if (ps_scan_count(path, &c->footer)) {
		snprintf(c->why, sizeof c->why, "count: %s", ps_errmsg());
		return c->ok = false;
	}
	int rc = 0;
	if (pull) {
		ps_probe_iter *it;
		if (!(rc = ps_probe_iter_open(&it, path))) {
			const ps_probe_result *r;
			while (!(rc = ps_probe_iter_next(it, &r)) && r)
				scan_check_row(c, r, c->rows++);
			ps_probe_iter_close(it);
		}
	} else {
		rc = ps_scan_stream(path, scan_check_cb, c, NULL);
	}
	if (rc) {
		snprintf(c->why, sizeof c->why, "read: %s", ps_errmsg());
		return c->ok = false;
	}
	if (c->ok && (!c->started || c->rows != c->footer || c->rows != c->id.n + COMMON)) {
		snprintf(c->why, sizeof c->why, "%" PRId64 " rows read, %" PRId64 " in the footer, the batch has %d", c->rows,
		         c->footer, c->started ? c->id.n + COMMON : -1);
		c->ok = false;
	}
	return c->ok;
}

/* ---- history: what a version holds ---- */

static void make_urls(void)
{
	int k = 0;
	for (int u = 0; u < NU; u++) {
		for (;;) {
			if (u < NU / 2)
				snprintf(urls[u], sizeof urls[u], "https://cdn.load.test/static/app-%d.js", k++);
			else
				snprintf(urls[u], sizeof urls[u], "http://api.load.test:8080/v1/doc-%d.json", k++);
			ps_url_hash(urls[u], 1, url_hash[u]);
			/* 1 shares 0's file and 5 shares 4's; the others may */
			if ((u != 1 && u != 5) || strcmp(url_hash[u], url_hash[u - 1]) == 0)
				break;
		}
	}
}

static int url_index(const char *url)
{
	for (int u = 0; u < NU; u++)
		if (url && strcmp(url, urls[u]) == 0)
			return u;
	return -1;
}

/* The content of version s of url u by writer w. */
static size_t content_make(char *buf, size_t cap, int u, int w, int64_t s)
{
	size_t n = (size_t)snprintf(buf, cap, "load u=%d w=%d s=%" PRId64 "\n", u, w, s);
	uint64_t seed = (uint64_t)u * 1000003u + (uint64_t)w * 7919u + (uint64_t)s;
	int lines = 5 + (int)(test_rand(&seed) % 40);
	for (int j = 0; j < lines && n < cap - 80; j++) {
		uint64_t x = test_rand(&seed);
		if (x % 3 == 0)
			n += (size_t)snprintf(buf + n, cap - n, "changed %016llx\n", (unsigned long long)x);
		else
			n += (size_t)snprintf(buf + n, cap - n, "line %d of %s\n", j, urls[u]);
	}
	return n;
}

static int role_of(int w)
{
	return w == SEED_W ? ROLE_CONTENT : w % THREADS;
}

typedef struct version_id {
	int u, w;
	int64_t s;
} version_id;

/* Is rec a version written by one of our writers, as written? */
static bool version_check(const ps_history_record *rec, version_id *id, char *why, size_t cap)
{
	long long s;
	int k = 0;
	id->u = url_index(rec->url);
	if (id->u < 0) {
		snprintf(why, cap, "url '%s' is none of ours", rec->url ? rec->url : "");
		return false;
	}
	char head[96] = "";
	if (rec->content && rec->content_len) {
		size_t m = rec->content_len < sizeof head - 1 ? rec->content_len : sizeof head - 1;
		memcpy(head, rec->content, m);
		head[m] = 0;
	}
	int u;
	if (sscanf(head, "load u=%d w=%d s=%lld\n%n", &u, &id->w, &s, &k) != 3 || !k || u != id->u || id->w < 0 ||
	    id->w > NW || s < 1 || (role_of(id->w) != ROLE_STORE && role_of(id->w) != ROLE_CONTENT)) {
		snprintf(why, cap, "%s: content '%.40s' is no version of ours", rec->url, head);
		return false;
	}
	id->s = s;
	char expect[4096];
	size_t n = content_make(expect, sizeof expect, id->u, id->w, id->s);
	if (rec->content_len != n || memcmp(rec->content, expect, n) != 0) {
		snprintf(why, cap, "%s w=%d s=%lld: content differs (%zu bytes, %zu written)", rec->url, id->w, s,
		         rec->content_len, n);
		return false;
	}
	char hash[65];
	bool content_role = role_of(id->w) == ROLE_CONTENT;
	if (content_role)
		ps_sha256_hex(expect, n, hash);
	else
		snprintf(hash, sizeof hash, "w%d-u%d-s%lld", id->w, id->u, s);
	const char *ctype = content_role ? "application/json" : "application/javascript";
	bool diff = rec->diff_result_json && *rec->diff_result_json;
	/* a content writer's version has a diff against the version preceding
	 * it in time, none when its fetch time comes before every stored one
	 * (the URL's very first always); a plain record never has one */
	bool first = id->w == SEED_W && id->s == 1;
	bool diff_ok = content_role ? !(first && diff) : !diff;
	if (!rec->hash || strcmp(rec->hash, hash) != 0 || !same_str(rec->content_type, ctype) || !diff_ok ||
	    rec->timestamp_ms <= 0) {
		snprintf(why, cap, "%s w=%d s=%lld: hash '%s', type '%s', diff %d, timestamp %" PRId64 " are not as written",
		         rec->url, id->w, s, rec->hash ? rec->hash : "", rec->content_type ? rec->content_type : "", diff,
		         rec->timestamp_ms);
		return false;
	}
	return true;
}

/* ---- acknowledgement logs ---- */

static int ack_open(int w)
{
	char path[128];
	snprintf(path, sizeof path, "%s/w%d.log", ackdir, w);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0);
	return fd;
}

__attribute__((format(printf, 2, 3))) static void ack(int fd, const char *fmt, ...)
{
	char line[4600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n <= 0 || n >= (int)sizeof line || write(fd, line, (size_t)n) != n)
		fail("cannot write the acknowledgement '%.60s': %s", line, strerror(errno));
}

/* ---- writers ---- */

typedef struct worker {
	ps_store *st;
	int w;
	uint64_t rng;
	int ack_fd;
	int64_t ops;
} worker;

static void scan_once(worker *k, int t)
{
	int64_t s = ld(&sh->scan_started[k->w][t]) + 1;
	int n = 1 + (int)(test_rand(&k->rng) % MAX_UNIQUE);
	static __thread batch b;
	batch_make(&b, t, k->w, s, n);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = targets[t];
	const int64_t rg[3] = {4, 16, 64};
	o.rows_per_row_group = rg[test_rand(&k->rng) % 3];
	ps_scan_result res;
	st64(&sh->scan_started[k->w][t], s);
	int rc;
	if (s % 2) {
		rc = ps_scan_write(k->st, &o, b.r, (size_t)(n + COMMON), &res);
	} else {
		/* in steps, a few rows at a time */
		ps_scan_writer *sw;
		if (!(rc = ps_scan_writer_open(&sw, k->st, &o))) {
			for (int at = 0; !rc && at < n + COMMON;) {
				int m = 1 + (int)(test_rand(&k->rng) % 20);
				if (m > n + COMMON - at)
					m = n + COMMON - at;
				rc = ps_scan_writer_add(sw, b.r + at, (size_t)m);
				at += m;
			}
			if (rc)
				ps_scan_writer_abort(sw);
			else
				rc = ps_scan_writer_commit(sw, &res);
		}
	}
	if (rc) {
		fail("scan %" PRId64 " of %s: %s", s, targets[t], ps_errmsg());
		return;
	}
	bool first = k->w == SEED_W && s == 1;
	if (res.records != n + COMMON || res.n_new != (first ? n + COMMON : n) || res.n_existing != (first ? 0 : COMMON))
		fail("scan %" PRId64 " of %s: %" PRId64 " records, %" PRId64 " new, %" PRId64 " existing; %d, %d, %d expected",
		     s, targets[t], res.records, res.n_new, res.n_existing, n + COMMON, first ? n + COMMON : n,
		     first ? 0 : COMMON);
	ack(k->ack_fd, "S %d %d %" PRId64 " %d %" PRId64 " %s\n", t, k->w, s, n, res.scan_time_ms, res.path);
	st64(&sh->scan_acked[k->w][t], s);
	max64(&sh->scan_time_acked[t], res.scan_time_ms);
	add64(&sh->rows_acked, n + COMMON);
	if (first)
		st64(&sh->seed_time[t], res.scan_time_ms);
}

static void history_once(worker *k, int u, bool content_role)
{
	int64_t s = ld(&sh->h_started[k->w][u]) + 1;
	char content[4096];
	size_t n = content_make(content, sizeof content, u, k->w, s);
	/* the time of the fetch, a little before the store: writers' versions
	 * of one URL arrive out of timestamp order, as fetches of different
	 * lengths do */
	int64_t ts = now_ms() - (int64_t)(test_rand(&k->rng) % 200);
	st64(&sh->h_started[k->w][u], s);
	char hash[65];
	const char *archived;
	if (content_role) {
		ps_history_fetch f = {.url = urls[u], .content = content, .content_len = n,
		                      .content_type = "application/json", .fetched_at_ms = ts};
		static __thread ps_history_content_result res;
		if (ps_history_store_content(k->st, &f, &res)) {
			fail("store content %s s=%" PRId64 ": %s", urls[u], s, ps_errmsg());
			return;
		}
		/* every version's content differs from the others; a version whose
		 * fetch time comes before every stored one has no diff (new), the
		 * others a diff against the version preceding them in time */
		bool first = k->w == SEED_W && s == 1;
		bool ok_status = first ? res.status == PS_CONTENT_NEW
		                       : res.status == PS_CONTENT_CHANGED || res.status == PS_CONTENT_NEW;
		if (!ok_status || !res.write.stored)
			fail("store content %s s=%" PRId64 ": status %d, stored %d", urls[u], s, (int)res.status,
			     (int)res.write.stored);
		snprintf(hash, sizeof hash, "%s", res.hash);
		archived = res.write.archived;
		if (res.write.compacted)
			add64(&sh->compactions, 1);
	} else {
		snprintf(hash, sizeof hash, "w%d-u%d-s%" PRId64, k->w, u, s);
		char etag[80];
		snprintf(etag, sizeof etag, "\"%s\"", hash);
		ps_history_record r = {.url = urls[u], .timestamp_ms = ts, .hash = hash,
		                       .content_type = "application/javascript", .content = (const uint8_t *)content,
		                       .content_len = n, .etag = etag};
		static __thread ps_history_write_result res;
		if (ps_history_store(k->st, &r, &res)) {
			fail("store %s s=%" PRId64 ": %s", urls[u], s, ps_errmsg());
			return;
		}
		if (!res.stored)
			fail("store %s s=%" PRId64 ": not stored", urls[u], s);
		archived = res.archived;
		if (res.compacted)
			add64(&sh->compactions, 1);
	}
	if (*archived)
		add64(&sh->archives, 1);
	ack(k->ack_fd, "H %d %d %" PRId64 " %" PRId64 " %s\n", u, k->w, s, ts, hash);
	st64(&sh->h_acked[k->w][u], s);
	max64(&sh->h_ts_acked[u], ts);
}

static void compact_once(worker *k)
{
	int u = (int)(test_rand(&k->rng) % NU);
	static __thread ps_history_write_result res;
	/* read before the call: a version acknowledged by then must be found */
	int64_t acked = ld(&sh->h_ts_acked[u]);
	int rc = ps_history_compact(k->st, urls[u], &res);
	if (rc == PS_ENOTFOUND && !acked)
		return; /* no version of this URL yet */
	if (rc)
		fail("compact %s: %s", urls[u], ps_errmsg());
	else if (res.compacted)
		add64(&sh->compactions, 1);
}

/* ---- queries ---- */

typedef struct querier {
	worker *k;
	int64_t scans_seen[NT];     /* scans listed last time */
	int64_t latest_ms[NT];      /* latest scan's time last time */
	int64_t last_ts[NU];        /* newest version's timestamp last time */
	int64_t versions_seen[NU];  /* versions listed last time */
	int64_t hosts_seen;
} querier;

static int64_t sum_acked_scans(int t)
{
	int64_t n = 0;
	for (int w = 0; w <= NW; w++)
		n += ld(&sh->scan_acked[w][t]);
	return n;
}

static int64_t sum_started_scans(int t)
{
	int64_t n = 0;
	for (int w = 0; w <= NW; w++)
		n += ld(&sh->scan_started[w][t]);
	return n;
}

static void q_list_scans(querier *q, int t)
{
	int64_t acked = sum_acked_scans(t);
	ps_scan_info *s;
	size_t n;
	if (ps_store_list_scans(q->k->st, targets[t], &s, &n)) {
		fail("list scans of %s: %s", targets[t], ps_errmsg());
		return;
	}
	int64_t started = sum_started_scans(t);
	if ((int64_t)n < acked || (int64_t)n > started || (int64_t)n < q->scans_seen[t])
		fail("list scans of %s: %zu scans; %" PRId64 " acknowledged before, %" PRId64 " started after, %" PRId64
		     " listed earlier",
		     targets[t], n, acked, started, q->scans_seen[t]);
	q->scans_seen[t] = (int64_t)n;
	for (size_t i = 0; i < n; i++) {
		if (s[i].rows < COMMON + 1)
			fail("list scans of %s: %s has %" PRId64 " rows", targets[t], s[i].path, s[i].rows);
		if (i && s[i].scan_time_ms < s[i - 1].scan_time_ms)
			fail("list scans of %s: not oldest first at %s", targets[t], s[i].path);
	}
	/* one of them, read in full */
	if (n) {
		static __thread scan_check c;
		size_t i = (size_t)(test_rand(&q->k->rng) % n);
		if (!scan_file_check(s[i].path, t, test_rand(&q->k->rng) % 2, &c))
			fail("%s: %s", s[i].path, c.why);
		else if (c.rows != s[i].rows)
			fail("%s: listed with %" PRId64 " rows, %" PRId64 " read", s[i].path, s[i].rows, c.rows);
	}
	free(s);
}

static void q_targets(querier *q)
{
	int64_t acked[NT];
	for (int t = 0; t < NT; t++)
		acked[t] = sum_acked_scans(t);
	ps_target_info *ti;
	size_t n;
	if (ps_store_list_targets(q->k->st, &ti, &n)) {
		fail("list targets: %s", ps_errmsg());
		return;
	}
	if (n != NT)
		fail("list targets: %zu targets, not %d", n, NT);
	for (int t = 0; t < NT; t++) {
		char dir[PS_HOST_PORT_DIR_MAX];
		ps_target_host_port_dir(targets[t], dir, sizeof dir);
		bool found = false;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(ti[i].dir, dir) != 0)
				continue;
			found = true;
			if (ti[i].n_scans < acked[t])
				fail("list targets: %s has %d scans, %" PRId64 " were acknowledged before", dir, ti[i].n_scans,
				     acked[t]);
		}
		if (!found)
			fail("list targets: %s is missing", dir);
	}
	free(ti);
}

static void q_latest(querier *q, int t)
{
	int64_t acked_ms = ld(&sh->scan_time_acked[t]);
	ps_probe_set set;
	if (ps_store_latest_results(q->k->st, targets[t], &set)) {
		fail("latest results of %s: %s", targets[t], ps_errmsg());
		return;
	}
	static __thread scan_check c;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.ok = true;
	for (size_t i = 0; i < set.n; i++)
		scan_check_row(&c, &set.items[i], (int64_t)i);
	if (c.ok && (!c.started || (int64_t)set.n != c.id.n + COMMON))
		snprintf(c.why, sizeof c.why, "%zu rows, the batch has %d", set.n, c.started ? c.id.n + COMMON : -1), c.ok = false;
	if (!c.ok)
		fail("latest results of %s: %s", targets[t], c.why);
	if (set.scan_time_ms < acked_ms || set.scan_time_ms < q->latest_ms[t] || (c.started && c.scan_ms != set.scan_time_ms))
		fail("latest results of %s: scan time %" PRId64 " (rows %" PRId64 "); %" PRId64
		     " acknowledged before, %" PRId64 " seen earlier",
		     targets[t], set.scan_time_ms, c.scan_ms, acked_ms, q->latest_ms[t]);
	if (set.scan_time_ms > q->latest_ms[t])
		q->latest_ms[t] = set.scan_time_ms;
	if (set.total != (int64_t)set.n)
		fail("latest results of %s: total %" PRId64 " for %zu rows", targets[t], set.total, set.n);
	ps_probe_set_free(&set);
}

/* Does row i of b match q, as the store is documented to match? */
static bool query_matches(const ps_query *q, const batch *b, int i)
{
	const ps_probe_result *r = &b->r[i];
	if (q->n_status_codes || q->n_status_ranges) {
		bool any = false;
		for (size_t k = 0; k < q->n_status_codes; k++)
			any |= r->status_code == q->status_codes[k];
		for (size_t k = 0; k < q->n_status_ranges; k++)
			any |= r->status_code >= q->status_ranges[k].lo && r->status_code <= q->status_ranges[k].hi;
		if (!any)
			return false;
	}
	if (q->technology && strcmp(r->technologies[0], q->technology) != 0)
		return false;
	if (q->content_type && strncmp(r->content_type, q->content_type, strlen(q->content_type)) != 0)
		return false;
	if (q->url_contains && !strstr(r->input_url, q->url_contains))
		return false;
	if (q->title_contains && !strstr(r->title, q->title_contains))
		return false;
	if (q->errors_only && !r->error)
		return false;
	if (q->diff_status) {
		bool common = i >= b->n, first = b->w == SEED_W && b->s == 1;
		if (strcmp(q->diff_status, common && !first ? "existing" : "new") != 0)
			return false;
	}
	return true;
}

/* Checks a search's results: rows as written, grouped by scan (file
 * order), each group every matching row of its batch when the whole
 * result was asked for. Counts the scans of writer `w` (t, seq) seen in
 * seen[] (NULL: not counted). */
static void check_search(const char *what, const ps_query *q, const ps_probe_set *set, bool whole, int64_t *seen,
                         int64_t seen_cap)
{
	static __thread batch b;
	int64_t group_ms = 0;
	int count = 0;
	bool open = false;
	for (size_t i = 0; i <= set->n; i++) {
		row_id id = {0};
		const ps_probe_result *r = i < set->n ? &set->items[i] : NULL;
		if (r && !row_id_parse(r->title, &id)) {
			fail("%s: row %zu, '%s', is no row of ours", what, i, r->title ? r->title : "");
			return;
		}
		bool same = r && open && id.t == b.t && id.w == b.w && id.s == b.s && r->scan_timestamp_ms == group_ms;
		if (open && !same) {
			/* the group ended: all its matching rows? */
			int expect = 0;
			for (int k = 0; k < b.n + COMMON; k++)
				expect += query_matches(q, &b, k);
			if (whole && count != expect)
				fail("%s: scan w=%d s=%" PRId64 " of %s gave %d rows, %d of its rows match", what, b.w, b.s,
				     targets[b.t], count, expect);
			if (seen && b.s <= seen_cap)
				seen[b.s - 1]++;
			open = false;
		}
		if (!r)
			break;
		if (!open) {
			batch_make(&b, id.t, id.w, id.s, id.n);
			group_ms = r->scan_timestamp_ms;
			count = 0;
			open = true;
		}
		count++;
		if (!query_matches(q, &b, id.i) || !row_matches(r, &id, &b, group_ms))
			fail("%s: row %zu ('%s') does not match or is not as written", what, i, r->title);
	}
}

static void q_search(querier *q)
{
	uint64_t *rng = &q->k->rng;
	ps_query qu;
	ps_query_default(&qu);
	int t = (int)(test_rand(rng) % (NT + 1));
	qu.root_target = t < NT ? targets[t] : NULL;
	/* every scan of every target is read only now and then */
	qu.scans = t < NT && test_rand(rng) % 4 == 0 ? PS_SCANS_ALL : PS_SCANS_LATEST;
	int some[2] = {codes[test_rand(rng) % 4], codes[test_rand(rng) % 4]};
	ps_status_range range = {300, 499};
	switch (test_rand(rng) % 8) {
	case 0: qu.status_codes = some, qu.n_status_codes = 2; break;
	case 1: qu.status_ranges = &range, qu.n_status_ranges = 1; break;
	case 2: qu.technology = techs[test_rand(rng) % 3]; break;
	case 3: qu.content_type = "application/"; break;
	case 4: qu.errors_only = true; break;
	case 5: qu.diff_status = test_rand(rng) % 2 ? "new" : "existing"; break;
	case 6: qu.title_contains = "i=1"; break;
	default: qu.url_contains = "/common/"; break;
	}
	if (test_rand(rng) % 3 == 0)
		qu.technology = techs[test_rand(rng) % 3];
	bool whole = test_rand(rng) % 4 != 0;
	if (!whole) {
		qu.limit = 1 + (int64_t)(test_rand(rng) % 10);
		qu.offset = (int64_t)(test_rand(rng) % 5);
	}
	ps_probe_set set;
	if (ps_store_search(q->k->st, &qu, &set)) {
		fail("search: %s", ps_errmsg());
		return;
	}
	char what[256];
	snprintf(what, sizeof what, "search (%s, %s, status %d %d [%zu] range [%zu], tech %s, type %s, errors %d, diff %s, "
	         "title %s, url %s, limit %" PRId64 " offset %" PRId64 ")",
	         t < NT ? targets[t] : "every target", qu.scans == PS_SCANS_ALL ? "all scans" : "latest scans", some[0],
	         some[1], qu.n_status_codes, qu.n_status_ranges, qu.technology ? qu.technology : "-",
	         qu.content_type ? qu.content_type : "-", (int)qu.errors_only, qu.diff_status ? qu.diff_status : "-",
	         qu.title_contains ? qu.title_contains : "-", qu.url_contains ? qu.url_contains : "-", qu.limit, qu.offset);
	check_search(what, &qu, &set, whole, NULL, 0);
	if (whole ? set.total != (int64_t)set.n
	          : (int64_t)set.n > qu.limit || (set.total > qu.offset && (int64_t)set.n !=
	                                          (set.total - qu.offset < qu.limit ? set.total - qu.offset : qu.limit)))
		fail("%s: %zu rows, total %" PRId64 ", limit %" PRId64 ", offset %" PRId64, what, set.n, set.total, qu.limit,
		     qu.offset);
	ps_probe_set_free(&set);
}

/* Every scan of writer w of target t acknowledged before the search is
 * found by it, whole and once; none that was not started. */
static void q_writer_scans(querier *q)
{
	uint64_t *rng = &q->k->rng;
	int t = (int)(test_rand(rng) % NT);
	int w = (int)(test_rand(rng) % PROCS) * THREADS + ROLE_SCAN;
	int64_t acked = ld(&sh->scan_acked[w][t]);
	char pat[32];
	snprintf(pat, sizeof pat, "/load/w%d/", w);
	ps_query qu;
	ps_query_default(&qu);
	qu.root_target = targets[t];
	qu.scans = PS_SCANS_ALL;
	qu.url_contains = pat;
	ps_probe_set set;
	if (ps_store_search(q->k->st, &qu, &set)) {
		fail("search %s in %s: %s", pat, targets[t], ps_errmsg());
		return;
	}
	int64_t started = ld(&sh->scan_started[w][t]);
	int64_t cap = started + 1;
	int64_t *seen = calloc((size_t)cap, sizeof *seen);
	REQUIRE(seen);
	char what[96];
	snprintf(what, sizeof what, "search %s in %s", pat, targets[t]);
	for (size_t i = 0; i < set.n; i++) {
		row_id id;
		if (row_id_parse(set.items[i].title, &id) && (id.w != w || id.s > started))
			fail("%s: row '%s' is not of w%d or was never started (%" PRId64 ")", what, set.items[i].title, w, started);
	}
	check_search(what, &qu, &set, true, seen, cap);
	for (int64_t s = 1; s <= cap; s++) {
		if (s <= acked && seen[s - 1] != 1)
			fail("%s: acknowledged scan s=%" PRId64 " found %" PRId64 " times", what, s, seen[s - 1]);
		else if (s > acked && seen[s - 1] > 1)
			fail("%s: scan s=%" PRId64 " found %" PRId64 " times", what, s, seen[s - 1]);
	}
	free(seen);
	ps_probe_set_free(&set);
}

/* A URL of scan b's unique rows: its writer and sequence. */
static bool unique_url(const char *url, int t, int *w, int64_t *s, int *i)
{
	size_t pl = strlen(prefixes[t]);
	long long ss;
	int k = 0;
	if (strncmp(url, prefixes[t], pl) != 0 || sscanf(url + pl, "/load/w%d/s%lld/r%d%n", w, &ss, i, &k) != 3 ||
	    url[pl + (size_t)k])
		return false;
	*s = ss;
	return true;
}

/* The URLs of a diff list: one batch's unique rows, whole. */
static bool whole_batch_urls(const char *const *u, size_t n, int t, int *w, int64_t *s)
{
	if (!n)
		return false;
	bool *got = calloc(n, sizeof *got);
	REQUIRE(got);
	bool ok = true;
	for (size_t k = 0; k < n && ok; k++) {
		int ww, i;
		int64_t ss;
		if (!unique_url(u[k], t, &ww, &ss, &i) || (k && (ww != *w || ss != *s)) || i < 0 || (size_t)i >= n || got[i])
			ok = false;
		else
			got[i] = true, *w = ww, *s = ss;
	}
	free(got);
	return ok;
}

static void q_diff(querier *q, int t)
{
	ps_url_diff d;
	if (ps_store_diff_latest(q->k->st, targets[t], &d)) {
		fail("diff of %s: %s", targets[t], ps_errmsg());
		return;
	}
	int wn = -1, wo = -1;
	int64_t sn = -1, so = -1;
	bool ok = d.n_existing == COMMON;
	for (size_t k = 0; ok && k < d.n_existing; k++) {
		char want[160];
		snprintf(want, sizeof want, "%s/common/%zu", prefixes[t], k);
		ok = strcmp(d.existing_urls[k], want) == 0;
	}
	ok = ok && whole_batch_urls(d.new_urls, d.n_new, t, &wn, &sn) && whole_batch_urls(d.old_urls, d.n_old, t, &wo, &so) &&
	     (wn != wo || sn != so);
	if (!ok)
		fail("diff of %s: %zu new (w%d s%" PRId64 "), %zu existing, %zu old (w%d s%" PRId64 ") are not two whole scans",
		     targets[t], d.n_new, wn, sn, d.n_existing, d.n_old, wo, so);
	ps_url_diff_free(&d);
}

static void q_last(querier *q, int u)
{
	int64_t acked_ts = ld(&sh->h_ts_acked[u]);
	ps_history_record *r;
	if (ps_history_last(q->k->st, urls[u], &r)) {
		fail("last of %s: %s", urls[u], ps_errmsg());
		return;
	}
	char why[512];
	version_id id;
	if (!version_check(r, &id, why, sizeof why))
		fail("last of %s: %s", urls[u], why);
	else if (id.s > ld(&sh->h_started[id.w][u]))
		fail("last of %s: w=%d s=%" PRId64 " was never started", urls[u], id.w, id.s);
	if (r->timestamp_ms < acked_ts || r->timestamp_ms < q->last_ts[u])
		fail("last of %s: timestamp %" PRId64 " (w=%d s=%" PRId64 "); %" PRId64 " acknowledged before, %" PRId64
		     " seen earlier",
		     urls[u], r->timestamp_ms, id.w, id.s, acked_ts, q->last_ts[u]);
	if (r->timestamp_ms > q->last_ts[u])
		q->last_ts[u] = r->timestamp_ms;
	char hash[128];
	if (ps_history_last_hash(q->k->st, urls[u], hash, sizeof hash))
		fail("last hash of %s: %s", urls[u], ps_errmsg());
	else if (!*hash)
		fail("last hash of %s is empty", urls[u]);
	ps_history_record_free(r);
}

/* The versions of url u, newest first: all (limit 0) or a few. */
static void q_records(querier *q, int u, size_t limit)
{
	int64_t acked[NW + 1], newest = ld(&sh->h_ts_acked[u]);
	for (int w = 0; w <= NW; w++)
		acked[w] = ld(&sh->h_acked[w][u]);
	ps_history_set set;
	if (ps_history_records(q->k->st, urls[u], limit, &set)) {
		fail("records of %s: %s", urls[u], ps_errmsg());
		return;
	}
	int64_t started[NW + 1], total = 0;
	for (int w = 0; w <= NW; w++)
		started[w] = ld(&sh->h_started[w][u]), total += acked[w];
	unsigned char *seen[NW + 1];
	for (int w = 0; w <= NW; w++)
		REQUIRE((seen[w] = calloc((size_t)started[w] + 1, 1)));
	for (size_t i = 0; i < set.n; i++) {
		char why[512];
		version_id id;
		const ps_history_record *r = &set.records[i];
		if (!version_check(r, &id, why, sizeof why)) {
			fail("records of %s, %zu: %s", urls[u], i, why);
			continue;
		}
		if (id.u != u || id.s > started[id.w]) {
			fail("records of %s, %zu: w=%d s=%" PRId64 " of %s was never started", urls[u], i, id.w, id.s,
			     urls[id.u]);
			continue;
		}
		if (seen[id.w][id.s]++)
			fail("records of %s: w=%d s=%" PRId64 " listed twice", urls[u], id.w, id.s);
		if (i && r->timestamp_ms > set.records[i - 1].timestamp_ms)
			fail("records of %s: not newest first at %zu", urls[u], i);
	}
	/* the newest version acknowledged before comes first, or a newer one */
	if (!set.n || set.records[0].timestamp_ms < newest)
		fail("records of %s, limit %zu: the first of %zu is at %" PRId64 ", a version at %" PRId64
		     " was acknowledged before",
		     urls[u], limit, set.n, set.n ? set.records[0].timestamp_ms : 0, newest);
	if (limit == 0) {
		for (int w = 0; w <= NW; w++)
			for (int64_t s = 1; s <= acked[w]; s++)
				if (!seen[w][s])
					fail("records of %s: acknowledged w=%d s=%" PRId64 " is missing (%zu listed)", urls[u], w, s,
					     set.n);
		if ((int64_t)set.n < q->versions_seen[u])
			fail("records of %s: %zu, %" PRId64 " earlier", urls[u], set.n, q->versions_seen[u]);
		q->versions_seen[u] = (int64_t)set.n;
	} else if (set.n != limit && (int64_t)set.n < total) {
		fail("records of %s, limit %zu: %zu records, %" PRId64 " acknowledged", urls[u], limit, set.n, total);
	}
	for (int w = 0; w <= NW; w++)
		free(seen[w]);
	ps_history_set_free(&set);
}

typedef struct stream_check {
	const char *hash;
	int64_t n, bad;
	char why[512];
} stream_check;

static int stream_cb(void *ud, const ps_history_record *r)
{
	stream_check *c = ud;
	version_id id;
	char why[512];
	c->n++;
	if (!version_check(r, &id, why, sizeof why) || strcmp(url_hash[id.u], c->hash) != 0) {
		if (!c->bad++)
			snprintf(c->why, sizeof c->why, "record %" PRId64 ": %.400s", c->n - 1, why);
	}
	return 0;
}

/* A history file read whole, as the footer counts it. path may be
 * replaced while this runs: it is opened once and read through
 * /proc/self/fd, so that the count and the stream read one file. */
static void q_history_file(const char *path, const char *hash, bool must_exist)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (must_exist || errno != ENOENT)
			fail("open %s: %s", path, strerror(errno));
		return;
	}
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	int64_t rows = -1;
	stream_check c = {.hash = hash};
	if (ps_history_count(p, &rows))
		fail("count of %s: %s", path, ps_errmsg());
	else if (ps_history_stream(p, stream_cb, &c, NULL))
		fail("stream of %s: %s", path, ps_errmsg());
	else if (c.bad || c.n != rows)
		fail("%s: %" PRId64 " records streamed, %" PRId64 " counted, %" PRId64 " bad: %s", path, c.n, rows, c.bad,
		     c.why);
	close(fd);
}

static void q_history_files(querier *q, int u)
{
	char path[4096];
	if (ps_history_path(q->k->st, urls[u], path, sizeof path)) {
		fail("path of %s: %s", urls[u], ps_errmsg());
		return;
	}
	/* the current file is briefly absent while it moves to the archive */
	q_history_file(path, url_hash[u], false);
	char arch[4200];
	snprintf(arch, sizeof arch, "%.*s/archive", (int)(strrchr(path, '/') - path), path);
	DIR *d = opendir(arch);
	if (!d)
		return;
	struct dirent *e;
	char names[64][300];
	int n = 0;
	while ((e = readdir(d)) && n < 64)
		if (strncmp(e->d_name, url_hash[u], 1) == 0 && e->d_name[1] == '_')
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	closedir(d);
	if (n) {
		char p[4600];
		snprintf(p, sizeof p, "%s/%s", arch, names[test_rand(&q->k->rng) % (uint64_t)n]);
		q_history_file(p, url_hash[u], true); /* archived files stay */
	}
}

static void q_latest_diffs(querier *q)
{
	const char *list[NU];
	for (int u = 0; u < NU; u++)
		list[u] = urls[u];
	ps_latest_diffs d;
	if (ps_history_latest_diffs(q->k->st, list, NU, &d)) {
		fail("latest diffs: %s", ps_errmsg());
		return;
	}
	for (size_t i = 0; i < d.n; i++) {
		const ps_latest_diff *it = &d.items[i];
		/* a URL may have no diff yet: versions whose fetch time comes
		 * before every stored one are stored without one */
		if (strcmp(it->url, urls[i]) != 0)
			fail("latest diff %zu names %s, not %s", i, it->url, urls[i]);
		else if (it->found &&
		         (it->record_timestamp_ms <= 0 || !*it->diff.new_hash ||
		          (it->diff.lines_added + it->diff.lines_deleted + it->diff.lines_changed == 0)))
			fail("latest diff of %s: found %d, timestamp %" PRId64 ", new hash '%s'", urls[i], (int)it->found,
			     it->record_timestamp_ms, it->diff.new_hash ? it->diff.new_hash : "");
	}
	ps_latest_diffs_free(&d);
}

static void q_with_diff(querier *q)
{
	ps_history_set set;
	if (ps_history_records_with_diff(q->k->st, &set)) {
		fail("records with diff: %s", ps_errmsg());
		return;
	}
	for (size_t i = 0; i < set.n; i++) {
		char why[512];
		version_id id;
		if (!version_check(&set.records[i], &id, why, sizeof why) || role_of(id.w) != ROLE_CONTENT)
			fail("records with diff, %zu: %s", i, why);
	}
	ps_history_set_free(&set);
}

static void q_hosts(querier *q)
{
	char **h;
	size_t n;
	if (ps_history_hosts(q->k->st, &h, &n)) {
		fail("history hosts: %s", ps_errmsg());
		return;
	}
	if (n != 2 || strcmp(h[0], history_hosts[1]) != 0 || strcmp(h[1], history_hosts[0]) != 0)
		fail("history hosts: %zu hosts (%s, ...)", n, n ? h[0] : "");
	ps_history_hosts_free(h, n);
}

static void *query_main(void *arg)
{
	worker *k = arg;
	snprintf(who, sizeof who, "querier w%d", k->w);
	querier q = {.k = k};
	while (running()) {
		int t = (int)(test_rand(&k->rng) % NT), u = (int)(test_rand(&k->rng) % NU);
		switch (test_rand(&k->rng) % 16) {
		case 0: case 1: q_latest(&q, t); break;
		case 2: q_list_scans(&q, t); break;
		case 3: q_targets(&q); break;
		case 4: case 5: q_search(&q); break;
		case 6: q_writer_scans(&q); break;
		case 7: q_diff(&q, t); break;
		case 8: case 9: q_last(&q, u); break;
		case 10: q_records(&q, u, 0); break;
		case 11: q_records(&q, u, 1 + (size_t)(test_rand(&k->rng) % 6)); break;
		case 12: q_history_files(&q, u); break;
		case 13: q_latest_diffs(&q); break;
		case 14: q_hosts(&q); break;
		default: q_with_diff(&q); break;
		}
		k->ops++;
	}
	add64(&sh->queries, k->ops);
	return NULL;
}

static void *write_main(void *arg)
{
	worker *k = arg;
	int role = role_of(k->w);
	snprintf(who, sizeof who, "%s w%d", role == ROLE_SCAN ? "scans" : role == ROLE_STORE ? "history" : "content", k->w);
	while (running()) {
		if (role == ROLE_SCAN) {
			scan_once(k, (int)(test_rand(&k->rng) % NT));
		} else {
			history_once(k, (int)(test_rand(&k->rng) % NU), role == ROLE_CONTENT);
			if (test_rand(&k->rng) % 8 == 0)
				compact_once(k);
		}
		k->ops++;
	}
	return NULL;
}

static ps_store *store_open(void)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	cfg.history.url_hash_length = 1;
	cfg.history.compaction_threshold = 6;
	cfg.history.max_file_size = 32 * 1024;
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = data;
	o.config = &cfg;
	ps_store *st = NULL;
	if (ps_store_open(&st, &o))
		fprintf(stderr, "ps_store_open(%s): %s\n", data, ps_errmsg());
	REQUIRE(st);
	ps_config_free(&cfg);
	return st;
}

static int child(int p, uint64_t seed)
{
	snprintf(who, sizeof who, "process %d", p);
	alarm((unsigned)seconds + 240); /* a hang ends the process, and fails the test */
	ps_store *st = store_open();
	worker k[THREADS];
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++) {
		int w = p * THREADS + t;
		k[t] = (worker){.st = st, .w = w, .rng = seed ^ ((uint64_t)w << 32), .ack_fd = ack_open(w)};
		REQUIRE(pthread_create(&th[t], NULL, t == ROLE_QUERY ? query_main : write_main, &k[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		close(k[t].ack_fd);
	}
	ps_store_close(st);
	return ld(&own_failures) ? 1 : 0;
}

/* ---- the final check ---- */

typedef struct scan_ack {
	int n;
	int64_t ms;
	char *path;
	int seen;
} scan_ack;

typedef struct version_ack {
	int64_t ts;
	char hash[65];
	int seen;
} version_ack;

typedef struct acks {
	scan_ack *scans[NT][NW + 1];
	int64_t n_scans[NT][NW + 1];
	version_ack *versions[NU][NW + 1];
	int64_t n_versions[NU][NW + 1];
	int64_t total_scans, total_versions;
} acks;

static void acks_read(acks *a)
{
	memset(a, 0, sizeof *a);
	for (int w = 0; w <= NW; w++) {
		char path[128];
		snprintf(path, sizeof path, "%s/w%d.log", ackdir, w);
		FILE *f = fopen(path, "r");
		if (!f)
			continue; /* a querier acknowledges nothing */
		char line[4600];
		while (fgets(line, sizeof line, f)) {
			int t, u, ww, n, k = 0;
			long long s, ms;
			char rest[4400];
			if (sscanf(line, "S %d %d %lld %d %lld %4399s%n", &t, &ww, &s, &n, &ms, rest, &k) == 6 && t >= 0 &&
			    t < NT && ww == w) {
				if (s != a->n_scans[t][w] + 1) {
					fail("acknowledgements of w%d: scan %lld of %s after %" PRId64, w, s, targets[t],
					     a->n_scans[t][w]);
					continue;
				}
				REQUIRE((a->scans[t][w] = realloc(a->scans[t][w], (size_t)s * sizeof(scan_ack))));
				a->scans[t][w][s - 1] = (scan_ack){n, ms, strdup(rest), 0};
				a->n_scans[t][w] = s;
				a->total_scans++;
			} else if (sscanf(line, "H %d %d %lld %lld %64s", &u, &ww, &s, &ms, rest) == 5 && u >= 0 && u < NU &&
			           ww == w) {
				if (s != a->n_versions[u][w] + 1) {
					fail("acknowledgements of w%d: version %lld of %s after %" PRId64, w, s, urls[u],
					     a->n_versions[u][w]);
					continue;
				}
				REQUIRE((a->versions[u][w] = realloc(a->versions[u][w], (size_t)s * sizeof(version_ack))));
				version_ack *v = &a->versions[u][w][s - 1];
				*v = (version_ack){.ts = ms};
				snprintf(v->hash, sizeof v->hash, "%.64s", rest);
				a->n_versions[u][w] = s;
				a->total_versions++;
			} else {
				fail("acknowledgements of w%d: bad line '%s'", w, line);
			}
		}
		fclose(f);
	}
}

static void acks_free(acks *a)
{
	for (int w = 0; w <= NW; w++) {
		for (int t = 0; t < NT; t++) {
			for (int64_t s = 0; s < a->n_scans[t][w]; s++)
				free(a->scans[t][w][s].path);
			free(a->scans[t][w]);
		}
		for (int u = 0; u < NU; u++)
			free(a->versions[u][w]);
	}
}

typedef struct tally {
	int64_t lost, duplicated, unacknowledged, files, rows, bad_files;
} tally;

/* Every row of any Parquet file, as probestore verify reads it. */
static bool parquet_reads(const char *path, int64_t *rows)
{
	parq_reader *r;
	if (parq_reader_open(&r, path, NULL)) {
		fail("verify %s: %s", path, parq_errmsg());
		return false;
	}
	parq_row_reader *rr;
	int rc = parq_row_reader_open(&rr, r, NULL, 0);
	const parq_value *row;
	*rows = 0;
	if (!rc) {
		while (!(rc = parq_row_reader_next(rr, &row)) && row)
			(*rows)++;
		parq_row_reader_close(rr);
	}
	if (!rc && *rows != parq_reader_num_rows(r))
		rc = -1;
	if (rc)
		fail("verify %s: %s (%" PRId64 " of %" PRId64 " rows)", path, parq_errmsg(), *rows, parq_reader_num_rows(r));
	parq_reader_close(r);
	return rc == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static void final_scans(acks *a, tally *ty)
{
	for (int t = 0; t < NT; t++) {
		char dir[4096], hp[PS_HOST_PORT_DIR_MAX];
		ps_target_host_port_dir(targets[t], hp, sizeof hp);
		snprintf(dir, sizeof dir, "%s/probe_results/%s", data, hp);
		DIR *d = opendir(dir);
		if (!d) {
			fail("cannot list %s: %s", dir, strerror(errno));
			continue;
		}
		struct dirent *e;
		static scan_check c;
		while ((e = readdir(d))) {
			/* the target's lock file is the store's own */
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".lock"))
				continue;
			char path[4400];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (strncmp(e->d_name, "scan_", 5) != 0 || !has_suffix(e->d_name, ".parquet")) {
				fail("%s: not a scan file (a temporary file left behind?)", path);
				continue;
			}
			ty->files++;
			int64_t rows;
			if (!parquet_reads(path, &rows) || !scan_file_check(path, t, ty->files % 2, &c)) {
				fail("%s: %s", path, c.why);
				ty->bad_files++;
				continue;
			}
			ty->rows += rows;
			int w = c.id.w;
			int64_t s = c.id.s;
			if (s > a->n_scans[t][w]) {
				fail("%s: scan w=%d s=%" PRId64 " was never acknowledged", path, w, s);
				ty->unacknowledged++;
				continue;
			}
			scan_ack *k = &a->scans[t][w][s - 1];
			if (k->seen++)
				ty->duplicated++;
			if (k->n != c.id.n || k->ms != c.scan_ms || strcmp(k->path, path) != 0)
				fail("%s: scan w=%d s=%" PRId64 " was acknowledged as %s with %d rows at %" PRId64, path, w, s,
				     k->path, k->n, k->ms);
		}
		closedir(d);
		/* each acknowledged scan once, and the latest is the newest */
		int64_t newest = 0;
		for (int w = 0; w <= NW; w++)
			for (int64_t s = 0; s < a->n_scans[t][w]; s++) {
				scan_ack *k = &a->scans[t][w][s];
				if (k->seen == 0) {
					ty->lost++;
					fail("acknowledged scan w=%d s=%" PRId64 " of %s (%s) is missing", w, s + 1, targets[t], k->path);
				} else if (k->seen > 1) {
					fail("acknowledged scan w=%d s=%" PRId64 " of %s is there %d times", w, s + 1, targets[t], k->seen);
				}
				if (k->ms > newest)
					newest = k->ms;
			}
		ps_store *st = store_open();
		ps_probe_set set;
		if (ps_store_latest_results(st, targets[t], &set))
			fail("latest results of %s: %s", targets[t], ps_errmsg());
		else if (set.scan_time_ms != newest)
			fail("latest results of %s: scan time %" PRId64 ", the newest acknowledged %" PRId64, targets[t],
			     set.scan_time_ms, newest);
		else
			ps_probe_set_free(&set);
		ps_store_close(st);
	}
}

static bool is_archive_name(const char *name)
{
	/* <hash>_<YYYYMMDD_HHMMSS>[_N].parquet with a one-digit hash */
	int k = 0;
	unsigned d1, d2;
	return strlen(name) > 2 && name[1] == '_' && sscanf(name + 2, "%8u_%6u%n", &d1, &d2, &k) == 2 && k == 15 &&
	       has_suffix(name, ".parquet") && name[0] != '.';
}

static void history_file_final(acks *a, tally *ty, const char *path, const char *hash)
{
	ty->files++;
	int64_t rows, counted = -1;
	if (!parquet_reads(path, &rows) || ps_history_count(path, &counted) || counted != rows) {
		fail("%s: %" PRId64 " counted: %s", path, counted, ps_errmsg());
		ty->bad_files++;
		return;
	}
	ty->rows += rows;
	ps_history_iter *it;
	if (ps_history_iter_open(&it, path)) {
		fail("%s: %s", path, ps_errmsg());
		ty->bad_files++;
		return;
	}
	const ps_history_record *r;
	int rc;
	int64_t n = 0;
	while (!(rc = ps_history_iter_next(it, &r)) && r) {
		n++;
		char why[512];
		version_id id;
		if (!version_check(r, &id, why, sizeof why)) {
			fail("%s: %s", path, why);
			continue;
		}
		if (strcmp(url_hash[id.u], hash) != 0)
			fail("%s: a version of %s, whose hash is %s", path, urls[id.u], url_hash[id.u]);
		if (id.s > a->n_versions[id.u][id.w]) {
			fail("%s: version w=%d s=%" PRId64 " of %s was never acknowledged", path, id.w, id.s, urls[id.u]);
			ty->unacknowledged++;
			continue;
		}
		version_ack *v = &a->versions[id.u][id.w][id.s - 1];
		if (v->seen++)
			ty->duplicated++;
		if (v->ts != r->timestamp_ms || strcmp(v->hash, r->hash) != 0)
			fail("%s: version w=%d s=%" PRId64 " of %s at %" PRId64 " with hash %s was acknowledged at %" PRId64
			     " with hash %s",
			     path, id.w, id.s, urls[id.u], r->timestamp_ms, r->hash, v->ts, v->hash);
	}
	if (rc || n != rows)
		fail("%s: %" PRId64 " of %" PRId64 " records streamed: %s", path, n, rows, rc ? ps_errmsg() : "");
	ps_history_iter_close(it);
}

static void final_history(acks *a, tally *ty, int *archive_files)
{
	for (int h = 0; h < 2; h++) {
		char dir[4096], hp[PS_HOST_PORT_DIR_MAX];
		ps_target_host_port_dir(h ? "http://api.load.test:8080" : "https://cdn.load.test", hp, sizeof hp);
		snprintf(dir, sizeof dir, "%s/file_history/%s", data, hp);
		DIR *d = opendir(dir);
		if (!d) {
			fail("cannot list %s: %s", dir, strerror(errno));
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			const char *nm = e->d_name;
			if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, "archive"))
				continue;
			char path[4400];
			snprintf(path, sizeof path, "%s/%s", dir, nm);
			char hash[2] = {nm[0] == '.' ? nm[1] : nm[0], 0};
			if (nm[0] == '.' && strlen(nm) == 7 && !strcmp(nm + 2, ".lock"))
				continue; /* the writers' lock files stay */
			if (strlen(nm) != 9 || !has_suffix(nm, ".parquet") || !strchr("0123456789abcdef", nm[0])) {
				fail("%s: not a history file (a temporary file left behind?)", path);
				continue;
			}
			history_file_final(a, ty, path, hash);
		}
		closedir(d);
		char arch[4200];
		snprintf(arch, sizeof arch, "%s/archive", dir);
		if (!(d = opendir(arch)))
			continue;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char path[4600], hash[2] = {e->d_name[0], 0};
			snprintf(path, sizeof path, "%s/%s", arch, e->d_name);
			if (!is_archive_name(e->d_name)) {
				fail("%s: not an archive file", path);
				continue;
			}
			(*archive_files)++;
			history_file_final(a, ty, path, hash);
		}
		closedir(d);
	}
	for (int u = 0; u < NU; u++)
		for (int w = 0; w <= NW; w++)
			for (int64_t s = 0; s < a->n_versions[u][w]; s++) {
				version_ack *v = &a->versions[u][w][s];
				if (v->seen == 0) {
					ty->lost++;
					fail("acknowledged version w=%d s=%" PRId64 " of %s is missing", w, s + 1, urls[u]);
				} else if (v->seen > 1) {
					fail("acknowledged version w=%d s=%" PRId64 " of %s is there %d times", w, s + 1, urls[u], v->seen);
				}
			}
	/* and the store's reads say the same */
	ps_store *st = store_open();
	for (int u = 0; u < NU; u++) {
		int64_t total = 0, newest = 0;
		for (int w = 0; w <= NW; w++) {
			total += a->n_versions[u][w];
			for (int64_t s = 0; s < a->n_versions[u][w]; s++)
				if (a->versions[u][w][s].ts > newest)
					newest = a->versions[u][w][s].ts;
		}
		ps_history_set set;
		if (ps_history_records(st, urls[u], 0, &set)) {
			fail("records of %s: %s", urls[u], ps_errmsg());
			continue;
		}
		if ((int64_t)set.n != total)
			fail("records of %s: %zu, %" PRId64 " acknowledged", urls[u], set.n, total);
		for (size_t i = 1; i < set.n; i++)
			if (set.records[i].timestamp_ms > set.records[i - 1].timestamp_ms)
				fail("records of %s: not newest first at %zu", urls[u], i);
		ps_history_set_free(&set);
		ps_history_record *r;
		if (ps_history_last(st, urls[u], &r)) {
			fail("last of %s: %s", urls[u], ps_errmsg());
			continue;
		}
		if (r->timestamp_ms != newest)
			fail("last of %s: timestamp %" PRId64 ", the newest acknowledged %" PRId64, urls[u], r->timestamp_ms,
			     newest);
		ps_history_record_free(r);
	}
	ps_store_close(st);
}

/* Nothing in the data directory but what the store keeps there. */
static void final_layout(void)
{
	DIR *d = opendir(data);
	REQUIRE(d);
	struct dirent *e;
	while ((e = readdir(d)))
		/* .writers: the lock files of the store handles open, none once
		 * they are closed */
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "probe_results") &&
		    strcmp(e->d_name, "file_history") && strcmp(e->d_name, ".writers"))
			fail("%s/%s: not the store's", data, e->d_name);
	closedir(d);
}

/* ---- setup ---- */

static void seed_store(void)
{
	ps_store *st = store_open();
	worker k = {.st = st, .w = SEED_W, .rng = 1, .ack_fd = ack_open(SEED_W)};
	/* two scans of every target (the URL diff always has two), two
	 * versions of every URL (one with a diff) */
	for (int t = 0; t < NT; t++)
		for (int i = 0; i < 2; i++)
			scan_once(&k, t);
	for (int u = 0; u < NU; u++)
		for (int i = 0; i < 2; i++)
			history_once(&k, u, true);
	close(k.ack_fd);
	ps_store_close(st);
}

int main(void)
{
	const char *env = getenv("PROBESTORE_LOAD_SECONDS");
	seconds = env && *env ? atoi(env) : 60;
	REQUIRE(seconds > 0);
	REQUIRE(mkdtemp(base));
	snprintf(data, sizeof data, "%s/data", base);
	snprintf(ackdir, sizeof ackdir, "%s/acks", base);
	REQUIRE(mkdir(ackdir, 0755) == 0);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(sh != MAP_FAILED);
	memset(sh, 0, sizeof *sh);
	make_urls();
	seed_store();
	REQUIRE(ld(&sh->failures) == 0);

	uint64_t seed = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
	double t0 = mono();
	deadline = t0 + seconds;
	fflush(stdout);
	fflush(stderr);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		REQUIRE(pids[p] >= 0);
		if (pids[p] == 0)
			_exit(child(p, seed + (uint64_t)p));
	}
	/* the parent queries too */
	ps_store *st = store_open();
	worker pq = {.st = st, .w = NW + 1, .rng = seed ^ 0xabcdefull, .ack_fd = -1};
	pthread_t th;
	REQUIRE(pthread_create(&th, NULL, query_main, &pq) == 0);
	alarm((unsigned)seconds + 300);
	pthread_join(th, NULL);
	ps_store_close(st);
	for (int p = 0; p < PROCS; p++) {
		int status;
		REQUIRE(waitpid(pids[p], &status, 0) == pids[p]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail("process %d ended with status %d (signal %d)", p, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	double run = mono() - t0;

	double t1 = mono();
	acks a;
	acks_read(&a);
	tally ty = {0};
	int archive_files = 0;
	final_layout();
	final_scans(&a, &ty);
	final_history(&a, &ty, &archive_files);
	double check = mono() - t1;
	printf("load: %d s, %d processes x %d threads (+ a querier in the parent), %" PRId64 " scans acked (%" PRId64
	       " rows), %" PRId64 " history versions acked, %" PRId64 " compactions, %d archive files, %" PRId64
	       " queries, %" PRId64 " lost, %" PRId64 " duplicated, %" PRId64 " unacknowledged, %" PRId64
	       " unreadable files of %" PRId64 "; run %.1f s, final check %.1f s\n",
	       seconds, PROCS, THREADS, a.total_scans, ld(&sh->rows_acked), a.total_versions, ld(&sh->compactions),
	       archive_files, ld(&sh->queries), ty.lost, ty.duplicated, ty.unacknowledged, ty.bad_files, ty.files, run,
	       check);
	CHECK_EQ_INT(ty.lost, 0);
	CHECK_EQ_INT(ty.duplicated, 0);
	CHECK_EQ_INT(ty.unacknowledged, 0);
	CHECK_EQ_INT(ty.bad_files, 0);
	CHECK(a.total_scans > 2 * NT && a.total_versions > 2 * NU && ld(&sh->queries) > 0);
	int64_t failures = ld(&sh->failures);
	if (failures)
		fprintf(stderr, "test_load: %" PRId64 " failed checks; the data directory stays in %s\n", failures, base);
	CHECK_EQ_INT(failures, 0);
	acks_free(&a);
	if (!failures && !test_failures)
		ht_rm_rf(base);
	munmap(sh, sizeof *sh);
	return test_report("test_load");
}
