/* Queries over a large scan read on several threads: a file of eight row
 * groups is split into one unit per row group, and every count and window
 * must equal a brute-force filter of the streamed file, whatever the
 * threads, offsets and limits (windows that start and end inside a row
 * group, span several, or lie past the end). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probestore/probestore.h"
#include "test.h"

#undef CHECK_OK
#define CHECK_OK(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

enum { ROWS = 150000, PER_RG = 20000 };

static char base[] = "/tmp/ps_query_XXXXXX";

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

static const char *techs[] = {"Nginx:1.25.3", "WordPress", "wordpress:6.4.2", "PHP", "React", "jQuery:3.7.1"};
static const int codes[] = {200, 200, 200, 301, 404, 500};

/* What the brute force needs of each row, in file order. */
typedef struct row {
	char url[64];
	int status;
	bool wp, admin;
} row;

static row *rows;
static size_t n_rows;

static int keep_row(void *ud, const ps_probe_result *r)
{
	(void)ud;
	row *w = &rows[n_rows++];
	snprintf(w->url, sizeof w->url, "%s", r->input_url);
	w->status = r->status_code;
	for (size_t i = 0; i < r->n_technologies; i++)
		w->wp |= !strncasecmp(r->technologies[i], "wordpress", 9) &&
		         (r->technologies[i][9] == 0 || r->technologies[i][9] == ':');
	w->admin = strcasestr(r->input_url, "ADMIN") != NULL || (r->final_url && strcasestr(r->final_url, "ADMIN"));
	return 0;
}

/* The window's URLs in order, streamed. */
typedef struct window {
	char (*urls)[64];
	size_t n, cap;
} window;

static int keep_url(void *ud, const ps_probe_result *r)
{
	window *w = ud;
	if (w->n == w->cap)
		return -1;
	snprintf(w->urls[w->n++], 64, "%s", r->input_url);
	return 0;
}

/* ps_store_search_text's formatter: the URL and a newline (a failure
 * after fail_at results, when set); and its receiver, which keeps the
 * text and counts the rows. */
typedef struct text_out {
	char *buf;
	size_t len, cap;
	int64_t rows, calls;
	int64_t fail_after;      /* the receiver fails on this call (0: never) */
} text_out;

static long format_fail_at = -1;
static long formatted;

static int url_line(void *ud, const ps_probe_result *r, ps_text *out)
{
	(void)ud;
	if (__atomic_add_fetch(&formatted, 1, __ATOMIC_RELAXED) == format_fail_at)
		return -7;
	if (ps_text_append(out, r->input_url, strlen(r->input_url)) || ps_text_append(out, "\n", 1))
		return -1;
	return 0;
}

static int keep_text(void *ud, const char *text, size_t len, size_t count)
{
	text_out *t = ud;
	if (++t->calls == t->fail_after)
		return -9;
	if (t->len + len > t->cap) {
		t->cap = (t->len + len) * 2;
		t->buf = realloc(t->buf, t->cap);
		REQUIRE(t->buf);
	}
	memcpy(t->buf + t->len, text, len);
	t->len += len;
	t->rows += (int64_t)count;
	return 0;
}

/* The text equals the window's URLs, one per line, in order. */
static bool text_is(const text_out *t, const window *w)
{
	size_t at = 0;
	for (size_t i = 0; i < w->n; i++) {
		size_t n = strlen(w->urls[i]);
		if (at + n + 1 > t->len || memcmp(t->buf + at, w->urls[i], n) || t->buf[at + n] != '\n')
			return false;
		at += n + 1;
	}
	return at == t->len && t->rows == (int64_t)w->n;
}

int main(void)
{
	test_backend_init("test_query");
	REQUIRE(mkdtemp(base));
	char sbase[512];
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = test_store_base(sbase, sizeof sbase, base);
	ps_store *st;
	REQUIRE(ps_store_open(&st, &so) == 0);

	/* one large scan */
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "big.example.com";
	o.scan_time_ms = 1764000000000;
	o.rows_per_row_group = PER_RG;
	ps_scan_writer *w;
	CHECK_OK(ps_scan_writer_open(&w, st, &o));
	uint64_t seed = 11;
	static char urls[ROWS][48];
	static const char *tl[ROWS][2];
	static ps_probe_result res[ROWS];
	for (size_t i = 0; i < ROWS; i++) {
		snprintf(urls[i], sizeof urls[i], "https://big.example.com/%s/%zu", test_rand(&seed) % 50 ? "p" : "Admin", i);
		ps_probe_result *r = &res[i];
		r->input_url = urls[i];
		r->status_code = codes[test_rand(&seed) % 6];
		size_t nt = test_rand(&seed) % 3;
		for (size_t k = 0; k < nt; k++)
			tl[i][k] = techs[test_rand(&seed) % 6];
		r->technologies = tl[i];
		r->n_technologies = nt;
	}
	CHECK_OK(ps_scan_writer_add(w, res, ROWS));
	ps_scan_result sr;
	CHECK_OK(ps_scan_writer_commit(w, &sr));

	rows = calloc(ROWS, sizeof *rows);
	REQUIRE(rows);
	CHECK_OK(ps_store_scan_stream(st, sr.path, keep_row, NULL, NULL));
	REQUIRE(n_rows == ROWS);

	window win = {.cap = ROWS};
	win.urls = malloc(ROWS * sizeof *win.urls);
	REQUIRE(win.urls);
	uint64_t qs = 3;
	int checked = 0;
	for (int k = 0; k < 60; k++) {
		ps_query q;
		ps_query_default(&q);
		int kind = k % 4;
		static const int ok[] = {200};
		if (kind == 0 || kind == 1) {
			q.status_codes = ok;
			q.n_status_codes = 1;
		}
		if (kind == 1 || kind == 2) {
			q.technology = "WordPress";
			q.tech_match = PS_TECH_NAME;
		}
		if (kind == 3) {
			q.url_contains = "admin";
			q.ignore_case = true;
		}
		q.threads = 1 + (int)(test_rand(&qs) % 3);
		/* offsets near row group boundaries and anywhere */
		q.offset = test_rand(&qs) % 2 ? (int64_t)(test_rand(&qs) % 60000) : (int64_t)(test_rand(&qs) % 40);
		q.limit = test_rand(&qs) % 4 ? 1 + (int64_t)(test_rand(&qs) % 30000) : INT64_MAX;
		size_t *exp = malloc(ROWS * sizeof *exp);
		size_t total = 0;
		for (size_t i = 0; i < ROWS; i++) {
			const row *r = &rows[i];
			bool m = (!q.n_status_codes || r->status == 200) && (!q.technology || r->wp) && (!q.url_contains || r->admin);
			if (m)
				exp[total++] = i;
		}
		int64_t count = -1, tot = -1;
		CHECK_OK(ps_store_count(st, &q, &count));
		CHECK_EQ_INT(count, total);
		win.n = 0;
		CHECK_OK(ps_store_search_each(st, &q, keep_url, &win, k % 2 ? &tot : NULL));
		if (k % 2)
			CHECK_EQ_INT(tot, total);
		size_t from = (size_t)q.offset < total ? (size_t)q.offset : total;
		size_t want = total - from;
		if ((int64_t)want > q.limit)
			want = (size_t)q.limit;
		CHECK_EQ_INT(win.n, want);
		size_t bad = 0;
		for (size_t i = 0; i < win.n && i < want; i++)
			bad += strcmp(win.urls[i], rows[exp[from + i]].url) != 0;
		CHECK_EQ_INT(bad, 0);
		/* the same window as text made on the reading threads */
		text_out t = {0};
		int64_t ttot = -1;
		CHECK_OK(ps_store_search_text(st, &q, url_line, NULL, keep_text, &t, k % 2 ? &ttot : NULL));
		CHECK(text_is(&t, &win));
		if (k % 2)
			CHECK_EQ_INT(ttot, total);
		free(t.buf);
		free(exp);
		checked++;
	}
	/* a callback that stops the search: its value comes back, early */
	{
		ps_query q;
		ps_query_default(&q);
		q.limit = INT64_MAX;
		q.threads = 2;
		win.n = 0;
		win.cap = 1000;
		CHECK_EQ_INT(ps_store_search_each(st, &q, keep_url, &win, NULL), -1);
		CHECK_EQ_INT(win.n, 1000);
		CHECK(!strcmp(win.urls[999], rows[999].url));
	}
	/* a formatter's or a receiver's failure stops the search and is its
	 * result */
	{
		ps_query q;
		ps_query_default(&q);
		q.limit = INT64_MAX;
		for (int t = 1; t <= 3; t++) {
			q.threads = t;
			text_out out = {0};
			formatted = 0;
			format_fail_at = 70000;
			CHECK_EQ_INT(ps_store_search_text(st, &q, url_line, NULL, keep_text, &out, NULL), -7);
			/* stopped at the failed slice, which threads ahead may have
			 * formatted out of order, well before the end */
			CHECK(out.rows < ROWS - 40000);
			free(out.buf);
			format_fail_at = -1;
			out = (text_out){.fail_after = 3};
			CHECK_EQ_INT(ps_store_search_text(st, &q, url_line, NULL, keep_text, &out, NULL), -9);
			CHECK(out.rows > 0 && out.rows < ROWS);
			free(out.buf);
		}
		CHECK(ps_store_search_text(st, &q, NULL, NULL, keep_text, NULL, NULL) == PS_EINVAL);
	}
	/* no filter: the count is the footer's */
	{
		ps_query q;
		ps_query_default(&q);
		int64_t count = -1;
		CHECK_OK(ps_store_count(st, &q, &count));
		CHECK_EQ_INT(count, ROWS);
	}
	/* on a bucket, the file is read in one unit per row group on two
	 * threads, and its footer is fetched once: a listing, a footer, and
	 * per row group the status chunk (fetched whole by the pruning) */
	if (test_backend_s3()) {
		enum { RGS = (ROWS + PER_RG - 1) / PER_RG };
		ps_query q;
		ps_query_default(&q);
		static const int ok[] = {200};
		q.status_codes = ok;
		q.n_status_codes = 1;
		q.threads = 2;
		ps_store_io_stats a, b;
		ps_store_io_stats_get(st, &a);
		int64_t count = -1;
		CHECK_OK(ps_store_count(st, &q, &count));
		ps_store_io_stats_get(st, &b);
		size_t total = 0;
		for (size_t i = 0; i < ROWS; i++)
			total += rows[i].status == 200;
		CHECK_EQ_INT(count, total);
		int64_t requests = (int64_t)(b.requests - a.requests);
		CHECK(requests >= 2 && requests <= 2 + RGS);
		printf("a count on the bucket: %lld requests for %d row groups\n", (long long)requests, RGS);
	}
	/* small scans beside the large one: a count takes each small file's
	 * matches as it reads its footer, and the large file's from its units */
	{
		enum { SMALL = 3, SMALL_ROWS = 700 };
		size_t want200 = 0, want_admin = 0, want_all = ROWS;
		for (size_t i = 0; i < ROWS; i++) {
			want200 += rows[i].status == 200;
			want_admin += rows[i].admin;
		}
		static char surls[SMALL][SMALL_ROWS][80];
		for (int s = 0; s < SMALL; s++) {
			char target[32];
			snprintf(target, sizeof target, "small%d.example.com", s);
			o.root_target = target;
			CHECK_OK(ps_scan_writer_open(&w, st, &o));
			for (size_t i = 0; i < SMALL_ROWS; i++) {
				snprintf(surls[s][i], sizeof surls[s][i], "https://%s/%s/%zu", target, i % 7 ? "x" : "ADMIN", i);
				memset(&res[i], 0, sizeof res[i]);
				res[i].input_url = surls[s][i];
				res[i].status_code = i % 3 ? 200 : 404;
				want200 += i % 3 != 0;
				want_admin += i % 7 == 0;
			}
			want_all += SMALL_ROWS;
			CHECK_OK(ps_scan_writer_add(w, res, SMALL_ROWS));
			CHECK_OK(ps_scan_writer_commit(w, &sr));
		}
		static const int ok[] = {200};
		for (int t = 1; t <= 3; t++) {
			ps_query q;
			ps_query_default(&q);
			q.threads = t;
			int64_t count = -1;
			CHECK_OK(ps_store_count(st, &q, &count));
			CHECK_EQ_INT(count, want_all);
			q.status_codes = ok;
			q.n_status_codes = 1;
			CHECK_OK(ps_store_count(st, &q, &count));
			CHECK_EQ_INT(count, want200);
			q.n_status_codes = 0;
			q.url_contains = "admin";
			q.ignore_case = true;
			CHECK_OK(ps_store_count(st, &q, &count));
			CHECK_EQ_INT(count, want_admin);
		}
	}
	printf("%d queries over %d rows in %d row groups checked\n", checked, ROWS, (ROWS + PER_RG - 1) / PER_RG);
	free(win.urls);
	free(rows);
	ps_store_close(st);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_query");
}
