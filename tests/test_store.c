/* The store, part one: scans written durably with their URL diff, read
 * back (round trip of the model), validation, cancellation, empty scans,
 * concurrent writers, and every query filter against a brute-force filter. */
#include <dlfcn.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "reader.h"
#include "scan/probe_rows.h"
#include "scan/scan_order.h"
#include "thrift.h"
#include "storage/backend.h"
#include "test.h"

#undef CHECK_OK
#define CHECK_OK(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

static char base[] = "/tmp/ps_store_XXXXXX";
/* the store: base, or its place in the bucket; test_queries starts an
 * empty one in store_base */
static char sbase[512], store_base[600];
static uint64_t seed = 99;

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct prefix_count {
	const char *prefix;
	int n;
} prefix_count;

static int count_prefixed(void *ud, const ps_entry *e)
{
	prefix_count *c = ud;
	c->n += strncmp(e->name, c->prefix, strlen(c->prefix)) == 0;
	return 0;
}

/* The entries of dir in the store (either backend) whose names start with
 * prefix ("": all, hidden ones and the claims of object storage too). */
static int count_files(const ps_store *st, const char *dir, const char *prefix)
{
	prefix_count c = {prefix, 0};
	if (ps_store_list_dir(st, dir, count_prefixed, &c))
		return -1;
	return c.n;
}

/* Truncates a store file to half its size: in place locally; on object
 * storage fetched, cut and put back over itself. */
/* A store file damaged in place: cut to half its size, or (at >= 0) one
 * byte inverted; a local file, or an object replaced. */
static void damage(const ps_store *st, const char *path, off_t at)
{
	char tmp[700], etag[PS_ETAG_MAX];
	snprintf(tmp, sizeof tmp, "%s/damaged.parquet", base);
	int fd = test_backend_s3() ? open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600) : open(path, O_RDWR);
	REQUIRE(fd >= 0);
	if (test_backend_s3())
		REQUIRE(ps_storage_fetch(st, path, fd, etag) == 0);
	struct stat sb;
	REQUIRE(fstat(fd, &sb) == 0);
	if (at < 0) {
		REQUIRE(ftruncate(fd, sb.st_size / 2) == 0);
	} else {
		uint8_t c;
		REQUIRE(at < sb.st_size && pread(fd, &c, 1, at) == 1);
		c = (uint8_t)~c;
		REQUIRE(pwrite(fd, &c, 1, at) == 1);
	}
	if (test_backend_s3()) {
		REQUIRE(ps_storage_put(st, path, fd, PS_PUT_IF_MATCH, etag, NULL) == 0);
		unlink(tmp);
	}
	close(fd);
}

static void truncate_half(const ps_store *st, const char *path)
{
	damage(st, path, -1);
}

/* A new store file at path holding s: a local file, or an object. */
static void put_string(const ps_store *st, const char *path, const char *str)
{
	if (!test_backend_s3()) {
		FILE *f = fopen(path, "w");
		REQUIRE(f);
		fputs(str, f);
		fclose(f);
		return;
	}
	char tmp[700];
	snprintf(tmp, sizeof tmp, "%s/put.tmp", base);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && write(fd, str, strlen(str)) == (ssize_t)strlen(str));
	REQUIRE(ps_storage_put(st, path, fd, PS_PUT_NEW, NULL, NULL) == 0);
	close(fd);
	unlink(tmp);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && strcmp(a, b) == 0;
}

/* ---- random results ---- */

static const char *techs[] = {"Nginx", "React", "jQuery:3.7.1", "WordPress:6.4.2", "PHP", "IIS:10.0", "Vue.js"};
static const char *servers[] = {"nginx", "Apache", "cloudflare", "Microsoft-IIS/10.0", ""};
static const char *ctypes[] = {"text/html; charset=utf-8", "application/json", "text/plain", "image/png", ""};
static const char *titles[] = {"Login", "Admin panel", "Résumé \"CV\"", "", "ログイン", "Dashboard <b>"};
static const int codes[] = {200, 200, 301, 302, 403, 404, 500, 0};

typedef struct gen {
	ps_probe_result *r;
	size_t n;
	char **strs;
	size_t nstr;
	const char **lists;
	ps_header *hdrs;
} gen;

static const char *keep(gen *g, char *s)
{
	g->strs[g->nstr++] = s;
	return s;
}

static void gen_results(gen *g, size_t n, const char *host, int url_base)
{
	g->r = calloc(n, sizeof *g->r);
	g->strs = calloc(n * 4 + 1, sizeof *g->strs);
	g->lists = calloc(n * 8 + 1, sizeof *g->lists);
	g->hdrs = calloc(n * 3 + 1, sizeof *g->hdrs);
	g->n = n;
	g->nstr = 0;
	for (size_t i = 0; i < n; i++) {
		ps_probe_result *p = &g->r[i];
		char buf[256];
		snprintf(buf, sizeof buf, "https://%s/p/%d", host, url_base + (int)i);
		p->input_url = keep(g, strdup(buf));
		if (test_rand(&seed) % 3 == 0) {
			snprintf(buf, sizeof buf, "https://%s/p/%d/final", host, url_base + (int)i);
			p->final_url = keep(g, strdup(buf));
		}
		p->status_code = codes[test_rand(&seed) % 8];
		p->content_length = (int64_t)(test_rand(&seed) % 5) * 1000;
		p->content_type = ctypes[test_rand(&seed) % 5];
		p->title = titles[test_rand(&seed) % 6];
		p->web_server = servers[test_rand(&seed) % 5];
		const char **t = g->lists + i * 8;
		size_t nt = test_rand(&seed) % 4;
		for (size_t k = 0; k < nt; k++)
			t[k] = techs[(i + k * 3) % 7];
		p->technologies = nt ? t : NULL;
		p->n_technologies = nt;
		if (test_rand(&seed) % 4) {
			snprintf(buf, sizeof buf, "10.0.%d.%d", (int)(i / 256 % 256), (int)(i % 256));
			t[4] = keep(g, strdup(buf));
			p->ips = t + 4;
			p->n_ips = 1;
		}
		if (p->status_code == 0)
			p->error = "context deadline exceeded";
		p->method = test_rand(&seed) % 2 ? "GET" : "";
		size_t nh = test_rand(&seed) % 3;
		ps_header *h = g->hdrs + i * 3;
		for (size_t k = 0; k < nh; k++) {
			h[k].name = k ? "server" : "content-type";
			h[k].value = k ? "nginx <1.2> & co" : "text/html";
		}
		p->headers = nh ? h : NULL;
		p->n_headers = nh;
	}
}

static void gen_free(gen *g)
{
	for (size_t i = 0; i < g->nstr; i++)
		free(g->strs[i]);
	free(g->strs);
	free(g->lists);
	free(g->hdrs);
	free(g->r);
}

/* r as read back equals the model as written under the seed's rules. */
static bool same_result(const ps_probe_result *w, const ps_probe_result *r, int64_t scan_ms)
{
	bool ok = str_eq(w->input_url, r->input_url) && str_eq(w->final_url, r->final_url) &&
	          w->status_code == r->status_code && w->content_length == r->content_length &&
	          str_eq(w->content_type, r->content_type) && str_eq(w->title, r->title) &&
	          str_eq(w->web_server, r->web_server) && str_eq(w->error, r->error) && str_eq(w->method, r->method) &&
	          r->scan_timestamp_ms == scan_ms && w->n_technologies == r->n_technologies && w->n_ips == r->n_ips;
	for (size_t k = 0; ok && k < w->n_technologies; k++)
		ok = str_eq(w->technologies[k], r->technologies[k]);
	for (size_t k = 0; ok && k < w->n_ips; k++)
		ok = str_eq(w->ips[k], r->ips[k]);
	/* headers: a map, so the last of equal names, in name order */
	size_t distinct = w->n_headers;
	if (ok && w->n_headers) {
		for (size_t k = 0; k < w->n_headers; k++) {
			const char *v = NULL;
			for (size_t j = 0; j < w->n_headers; j++)
				if (!strcmp(w->headers[j].name, w->headers[k].name))
					v = w->headers[j].value;
			bool found = false;
			for (size_t j = 0; j < r->n_headers; j++)
				found |= !strcmp(r->headers[j].name, w->headers[k].name) && !strcmp(r->headers[j].value, v);
			ok &= found;
		}
		distinct = 0;
		for (size_t k = 0; k < w->n_headers; k++) {
			bool dup = false;
			for (size_t j = k + 1; j < w->n_headers; j++)
				dup |= !strcmp(w->headers[j].name, w->headers[k].name);
			distinct += !dup;
		}
	}
	return ok && r->n_headers == distinct;
}

static ps_store *open_store(void)
{
	ps_store *st = NULL;
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = store_base;
	CHECK_OK(ps_store_open(&st, &o));
	REQUIRE(st);
	return st;
}

/* ---- tests ---- */

static void test_write_read_diff(void)
{
	ps_store *st = open_store();
	gen g1, g2;
	gen_results(&g1, 300, "shop.example.com", 0);
	gen_results(&g2, 300, "shop.example.com", 100); /* 100..299 again, 300..399 new */
	const int64_t t1 = 1764000000123, t2 = 1764000000456; /* the same second */
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "shop.example.com";
	o.scan_time_ms = t1;
	o.session_id = "session-1";
	o.rows_per_row_group = 128;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, g1.r, g1.n, &res));
	CHECK(strstr(res.path, "/probe_results/shop.example.com_443/scan_20251124_160000.parquet") != NULL);
	CHECK_EQ_INT(res.records, 300);
	CHECK_EQ_INT(res.n_new, 300);
	CHECK_EQ_INT(res.n_existing, 0);
	CHECK(res.bytes > 0);
	int64_t rows = 0;
	CHECK_OK(ps_store_scan_count(st, res.path, &rows));
	CHECK_EQ_INT(rows, 300);

	o.scan_time_ms = t2;
	o.session_id = NULL;
	ps_scan_result res2;
	CHECK_OK(ps_scan_write(st, &o, g2.r, g2.n, &res2));
	CHECK(strstr(res2.path, "scan_20251124_160000_2.parquet") != NULL);
	CHECK_EQ_INT(res2.n_new, 100);
	CHECK_EQ_INT(res2.n_existing, 200);

	/* the scans, oldest first, with their precise times */
	ps_scan_info *scans;
	size_t ns;
	CHECK_OK(ps_store_list_scans(st, "https://shop.example.com/", &scans, &ns));
	CHECK_EQ_INT(ns, 2);
	if (ns == 2) {
		CHECK_EQ_INT(scans[0].scan_time_ms, t1);
		CHECK_EQ_INT(scans[1].scan_time_ms, t2);
		CHECK_EQ_INT(scans[1].rows, 300);
	}
	free(scans);

	/* latest results: scan 2, new/existing marked, first seen carried over */
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "shop.example.com", &set));
	CHECK_EQ_INT(set.n, 300);
	CHECK_EQ_INT(set.scan_time_ms, t2);
	int mism = 0, news = 0;
	for (size_t i = 0; i < set.n && i < g2.n; i++) {
		const ps_probe_result *r = &set.items[i];
		mism += !same_result(&g2.r[i], r, t2);
		bool existing = i < 200;
		news += !existing;
		CHECK(str_eq(r->url_status, existing ? "existing" : "new"));
		CHECK_EQ_INT(r->oldest_scan_timestamp_ms, existing ? t1 : t2);
		CHECK(str_eq(r->root_target_url, "shop.example.com"));
	}
	CHECK_EQ_INT(mism, 0);
	CHECK_EQ_INT(news, 100);
	ps_probe_set_free(&set);

	/* the URL diff of the two scans */
	ps_url_diff d;
	CHECK_OK(ps_store_diff_latest(st, "shop.example.com", &d));
	CHECK_EQ_INT(d.n_new, 100);
	CHECK_EQ_INT(d.n_existing, 200);
	CHECK_EQ_INT(d.n_old, 100);
	if (d.n_old)
		CHECK(strcmp(d.old_urls[0], "https://shop.example.com/p/0") == 0);
	if (d.n_new > 1)
		CHECK(strcmp(d.new_urls[0], d.new_urls[1]) < 0);
	ps_url_diff_free(&d);

	/* a target never scanned */
	CHECK_EQ_INT(ps_store_latest_results(st, "nothing.example", &set), PS_ENOTFOUND);
	CHECK(strstr(ps_errmsg(), "nothing.example") != NULL);
	gen_free(&g1);
	gen_free(&g2);
	ps_store_close(st);
}

static void test_validation(void)
{
	ps_store *st = open_store();
	gen g;
	gen_results(&g, 10, "val.example.com", 0);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "val.example.com";
	o.scan_time_ms = 1764000100000;
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/probe_results/val.example.com_443", sbase);

	g.r[3].status_code = 999;
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "record 3: status_code 999 is outside 100..599") != NULL);
	g.r[3].status_code = 200;
	g.r[5].input_url = "not a url";
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "record 5: input URL") != NULL);
	g.r[5].input_url = "";
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "record 5: input URL is empty") != NULL);
	g.r[5].input_url = "https://val.example.com/x";
	g.r[6].url_status = "gone";
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "record 6: diff status 'gone'") != NULL);
	g.r[6].url_status = NULL;
	/* nothing was written, not even a temporary file or the target's
	 * directory (on object storage: no key under its prefix) */
	CHECK_EQ_INT(count_files(st, dir, ""), 0);
	if (!test_backend_s3()) {
		struct stat dsb;
		CHECK(stat(dir, &dsb) != 0);
	}

	/* invalid UTF-8 is repaired by default */
	g.r[7].title = "bad \xff\xfe title";
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, g.r, g.n, &res));
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "val.example.com", &set));
	CHECK_EQ_INT(set.n, 10);
	if (set.n == 10)
		CHECK(str_eq(set.items[7].title, "bad \xEF\xBF\xBD\xEF\xBF\xBD title"));
	ps_probe_set_free(&set);
	ps_store_close(st);

	/* ... or refused when configured */
	ps_config cfg;
	CHECK_OK(ps_config_default(&cfg));
	cfg.writer.utf8_repair = PS_UTF8_REJECT;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = sbase;
	so.config = &cfg;
	CHECK_OK(ps_store_open(&st, &so));
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "record 7: title is not valid UTF-8 (at byte 4)") != NULL);
	/* validation off writes what it is given */
	o.validate = 0;
	g.r[3].status_code = 999;
	CHECK_OK(ps_scan_write(st, &o, g.r, g.n, NULL));
	CHECK_EQ_INT(count_files(st, dir, "scan_"), 2);
	ps_config_free(&cfg);
	ps_store_close(st);
	gen_free(&g);
}

static void test_cancel_and_empty(void)
{
	ps_store *st = open_store();
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/probe_results/cancel.example.com_8443", sbase);
	gen g;
	gen_results(&g, 5000, "cancel.example.com:8443", 0);
	ps_cancel cancel = {0};
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "https://cancel.example.com:8443/";
	o.cancel = &cancel;
	ps_scan_writer *w;
	CHECK_OK(ps_scan_writer_open(&w, st, &o));
	CHECK_OK(ps_scan_writer_add(w, g.r, 2000));
	ps_cancel_request(&cancel);
	CHECK_EQ_INT(ps_scan_writer_add(w, g.r + 2000, 3000), PS_ECANCELED);
	CHECK_EQ_INT(ps_scan_writer_commit(w, NULL), PS_ECANCELED);
	CHECK_EQ_INT(count_files(st, dir, "scan_"), 0);
	CHECK_EQ_INT(count_files(st, dir, ".scan"), 0);

	/* an empty scan is a valid zero-row file, and a target with a scan */
	o.cancel = NULL;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, NULL, 0, &res));
	CHECK_EQ_INT(res.records, 0);
	int64_t rows = -1;
	CHECK_OK(ps_store_scan_count(st, res.path, &rows));
	CHECK_EQ_INT(rows, 0);
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "cancel.example.com:8443", &set));
	CHECK_EQ_INT(set.n, 0);
	ps_probe_set_free(&set);
	ps_target_info *t;
	size_t nt;
	CHECK_OK(ps_store_list_targets(st, &t, &nt));
	bool found = false;
	for (size_t i = 0; i < nt; i++)
		found |= !strcmp(t[i].host_port, "cancel.example.com:8443") && t[i].n_scans == 1;
	CHECK(found);
	free(t);
	gen_free(&g);
	ps_store_close(st);
}

typedef struct thr {
	ps_store *st;
	gen *g;
	int rc;
	char path[4096];
} thr;

static void *writer_thread(void *p)
{
	thr *t = p;
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "race.example.com";
	o.scan_time_ms = 1764000200000;
	o.mark_diff = false;
	ps_scan_result res;
	t->rc = ps_scan_write(t->st, &o, t->g->r, t->g->n, &res);
	snprintf(t->path, sizeof t->path, "%s", res.path);
	return NULL;
}

static void test_concurrent_writers(void)
{
	ps_store *st = open_store();
	gen g;
	gen_results(&g, 500, "race.example.com", 0);
	enum { N = 6 };
	thr t[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		t[i] = (thr){.st = st, .g = &g};
		pthread_create(&th[i], NULL, writer_thread, &t[i]);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N; i++) {
		CHECK_OK(t[i].rc);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(t[i].path, t[j].path) != 0);
	}
	ps_scan_info *scans;
	size_t ns;
	CHECK_OK(ps_store_list_scans(st, "race.example.com", &scans, &ns));
	CHECK_EQ_INT(ns, N);
	for (size_t i = 0; i < ns; i++)
		CHECK_EQ_INT(scans[i].rows, 500);
	free(scans);
	gen_free(&g);
	ps_store_close(st);
}

static void test_concurrent_processes(void)
{
	gen g;
	gen_results(&g, 300, "procs.example.com", 0);
	enum { P = 4 };
	pid_t pids[P];
	for (int i = 0; i < P; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			ps_store *st;
			ps_store_options so;
			ps_store_options_default(&so);
			so.base_path = sbase;
			if (ps_store_open(&st, &so))
				_exit(1);
			ps_scan_options o;
			ps_scan_options_default(&o);
			o.root_target = "procs.example.com";
			o.scan_time_ms = 1764000300000; /* all in the same second */
			o.mark_diff = false;
			int rc = 0;
			for (int k = 0; k < 3 && !rc; k++)
				rc = ps_scan_write(st, &o, g.r, g.n, NULL);
			ps_store_close(st);
			_exit(rc ? 1 : 0);
		}
	}
	for (int i = 0; i < P; i++) {
		int status = -1;
		waitpid(pids[i], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ps_store *st = open_store();
	ps_scan_info *scans;
	size_t ns;
	CHECK_OK(ps_store_list_scans(st, "procs.example.com", &scans, &ns));
	CHECK_EQ_INT(ns, P * 3);
	for (size_t i = 0; i < ns; i++) {
		CHECK_EQ_INT(scans[i].rows, 300);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(scans[i].path, scans[j].path) != 0);
	}
	free(scans);
	ps_store_close(st);
	gen_free(&g);
}

typedef struct batch_sink {
	ps_scan_writer *w;
	int calls;
	size_t seen;
} batch_sink;

static int sink(void *ud, const ps_probe_result *b, size_t n)
{
	batch_sink *s = ud;
	s->calls++;
	s->seen += n;
	return ps_scan_writer_add(s->w, b, n);
}

static void test_batch_processor(void)
{
	ps_store *st = open_store();
	gen g;
	gen_results(&g, 50, "batch.example.com", 0);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "batch.example.com";
	o.scan_time_ms = 1764000400000;
	batch_sink s = {0};
	CHECK_OK(ps_scan_writer_open(&s.w, st, &o));
	ps_batch *b;
	CHECK_OK(ps_batch_new(&b, 7, sink, &s));
	for (size_t i = 0; i < g.n; i++) {
		/* the batch keeps its own copy: the caller's strings may go */
		char *url = strdup(g.r[i].input_url);
		ps_probe_result r = g.r[i];
		r.input_url = url;
		CHECK_OK(ps_batch_add(b, &r));
		memset(url, 'x', strlen(url));
		free(url);
	}
	CHECK_EQ_INT(s.calls, 7);
	CHECK_EQ_INT(ps_batch_pending(b), 1);
	CHECK_OK(ps_batch_flush(b));
	CHECK_OK(ps_batch_flush(b)); /* nothing left: no call */
	CHECK_EQ_INT(s.calls, 8);
	CHECK_EQ_INT(s.seen, 50);
	ps_batch_free(b);
	ps_scan_result res;
	CHECK_OK(ps_scan_writer_commit(s.w, &res));
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "batch.example.com", &set));
	CHECK_EQ_INT(set.n, 50);
	int bad = 0;
	for (size_t i = 0; i < set.n && i < g.n; i++)
		bad += !same_result(&g.r[i], &set.items[i], o.scan_time_ms);
	CHECK_EQ_INT(bad, 0);
	ps_probe_set_free(&set);
	gen_free(&g);
	ps_store_close(st);
}

/* Random strings: ASCII, quotes, backslashes, control characters, <>&,
 * multi-byte UTF-8 (also U+2028), or empty. */
static char *rand_str(uint64_t *rs, size_t maxlen)
{
	static const char *pieces[] = {"a", "Z", "0", " ", "\"", "\\", "\n", "\t", "\x01", "<", ">", "&", "é",
	                               "ログ", "\xe2\x80\xa8", "😀", "/", "?", "=", "%"};
	size_t n = test_rand(rs) % (maxlen + 1);
	char *s = malloc(n * 6 + 1); /* the longest piece is 6 bytes */
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[test_rand(rs) % 20];
		memcpy(s + at, p, strlen(p));
		at += strlen(p);
	}
	s[at] = 0;
	return s;
}

/* The transformation round trip: random results written and read back equal
 * the model under the seed's rules (empty and zero become absent, headers
 * a map, first seen defaulting to the scan time). */
static void test_transform_property(void)
{
	ps_store *st = open_store();
	uint64_t rs = 4242;
	enum { N = 2000 };
	ps_probe_result *r = calloc(N, sizeof *r);
	char **owned = calloc(N * 40, sizeof *owned);
	const char **lists = calloc(N * 16, sizeof *lists);
	ps_header *hdrs = calloc(N * 6, sizeof *hdrs);
	size_t no = 0;
#define OWN(x) (owned[no++] = (x))
	for (size_t i = 0; i < N; i++) {
		char url[64];
		snprintf(url, sizeof url, "https://prop.example.com/%zu?q=%llu", i, (unsigned long long)(test_rand(&rs) % 1000));
		r[i].input_url = OWN(strdup(url));
		r[i].final_url = test_rand(&rs) % 2 ? OWN(rand_str(&rs, 6)) : NULL;
		r[i].status_code = test_rand(&rs) % 5 ? 100 + (int32_t)(test_rand(&rs) % 500) : 0;
		r[i].content_length = test_rand(&rs) % 4 ? (int64_t)(test_rand(&rs) >> 2) : 0;
		r[i].content_type = OWN(rand_str(&rs, 3));
		r[i].title = OWN(rand_str(&rs, 12));
		r[i].web_server = OWN(rand_str(&rs, 2));
		r[i].error = test_rand(&rs) % 7 ? NULL : OWN(rand_str(&rs, 5));
		r[i].method = OWN(rand_str(&rs, 1));
		size_t nt = test_rand(&rs) % 5, ni = test_rand(&rs) % 4, nh = test_rand(&rs) % 6;
		for (size_t k = 0; k < nt; k++)
			lists[i * 16 + k] = OWN(rand_str(&rs, 4));
		for (size_t k = 0; k < ni; k++)
			lists[i * 16 + 8 + k] = OWN(rand_str(&rs, 4));
		r[i].technologies = lists + i * 16;
		r[i].n_technologies = nt;
		r[i].ips = lists + i * 16 + 8;
		r[i].n_ips = ni;
		for (size_t k = 0; k < nh; k++) {
			/* names from a small set, so that some repeat */
			hdrs[i * 6 + k].name = test_rand(&rs) % 3 ? OWN(rand_str(&rs, 2)) : "x-dup";
			hdrs[i * 6 + k].value = OWN(rand_str(&rs, 5));
		}
		r[i].headers = hdrs + i * 6;
		r[i].n_headers = nh;
		r[i].oldest_scan_timestamp_ms = test_rand(&rs) % 2 ? 1700000000000 + (int64_t)(test_rand(&rs) % 1000000) : 0;
	}
	/* empty technology/IP strings are values, not absences: keep them */
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "prop.example.com";
	o.scan_time_ms = 1764000500000;
	o.mark_diff = false;
	CHECK_OK(ps_scan_write(st, &o, r, N, NULL));
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "prop.example.com", &set));
	CHECK_EQ_INT(set.n, N);
	int bad = 0;
	for (size_t i = 0; i < set.n && i < N; i++) {
		const ps_probe_result *b = &set.items[i];
		bool ok = same_result(&r[i], b, o.scan_time_ms) &&
		          b->oldest_scan_timestamp_ms ==
		              (r[i].oldest_scan_timestamp_ms ? r[i].oldest_scan_timestamp_ms : o.scan_time_ms) &&
		          str_eq(b->root_target_url, "prop.example.com");
		if (!ok && bad++ < 3)
			fprintf(stderr, "transform: record %zu differs after the round trip\n", i);
	}
	CHECK_EQ_INT(bad, 0);
	ps_probe_set_free(&set);
	for (size_t i = 0; i < no; i++)
		free(owned[i]);
#undef OWN
	free(owned);
	free(lists);
	free(hdrs);
	free(r);
	ps_store_close(st);
}

/* The writer's size cap, and reads with the reader's settings. */
static void test_config_limits(void)
{
	ps_config cfg;
	CHECK_OK(ps_config_default(&cfg));
	cfg.writer.max_file_size = 4096;
	cfg.writer.batch_size = 50;
	cfg.reader.use_mmap = true;
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = sbase;
	so.config = &cfg;
	CHECK_OK(ps_store_open(&st, &so));
	gen g;
	gen_results(&g, 2000, "cap.example.com", 0);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "cap.example.com";
	o.scan_time_ms = 1764000600000;
	o.rows_per_row_group = 50;
	CHECK_EQ_INT(ps_scan_write(st, &o, g.r, g.n, NULL), PS_ELIMIT);
	CHECK(strstr(ps_errmsg(), "exceed the writer's max_file_size of 4096") != NULL);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/probe_results/cap.example.com_443", sbase);
	CHECK_EQ_INT(count_files(st, dir, "scan_") + count_files(st, dir, ".scan"), 0);
	/* a small scan fits, and reads back through mmap */
	CHECK_OK(ps_scan_write(st, &o, g.r, 5, NULL));
	ps_probe_set set;
	CHECK_OK(ps_store_latest_results(st, "cap.example.com", &set));
	CHECK_EQ_INT(set.n, 5);
	for (size_t i = 0; i < set.n; i++)
		CHECK(same_result(&g.r[i], &set.items[i], o.scan_time_ms));
	ps_probe_set_free(&set);
	ps_config_free(&cfg);
	gen_free(&g);
	ps_store_close(st);
}

/* ---- queries against a brute-force filter ---- */

typedef struct stored {
	ps_probe_result r;
	int target;
	int scan;      /* 0 oldest */
	int64_t t;
} stored;

static bool in_scope(const ps_query *q, const stored *s, int latest_scan)
{
	if (q->scans == PS_SCANS_LATEST && s->scan != latest_scan)
		return false;
	if (q->scans == PS_SCANS_RANGE && ((q->from_ms != PS_TIME_UNSET && s->t < q->from_ms) ||
	                                     (q->to_ms != PS_TIME_UNSET && s->t > q->to_ms)))
		return false;
	return true;
}

/* The filters of q but the scans it selects. */
static bool matches(const ps_query *q, const stored *s)
{
	const ps_probe_result *r = &s->r;
	if (q->n_status_codes || q->n_status_ranges) {
		bool any = false;
		for (size_t i = 0; i < q->n_status_codes; i++)
			any |= r->status_code == q->status_codes[i];
		for (size_t i = 0; i < q->n_status_ranges; i++)
			any |= r->status_code && r->status_code >= q->status_ranges[i].lo &&
			       r->status_code <= q->status_ranges[i].hi;
		if (!any)
			return false;
	}
	if (q->technology) {
		bool any = false;
		size_t n = strlen(q->technology);
		for (size_t i = 0; i < r->n_technologies; i++) {
			const char *t = r->technologies[i];
			if (q->tech_match == PS_TECH_EXACT)
				any |= !strcmp(t, q->technology);
			else
				any |= !strncasecmp(t, q->technology, n) &&
				       (t[n] == 0 || (t[n] == ':' && !strchr(q->technology, ':')));
		}
		if (!any)
			return false;
	}
	if (q->diff_status && strcmp(q->diff_status, "old") && !str_eq(r->url_status, q->diff_status))
		return false;
	char *(*find)(const char *, const char *) = q->ignore_case ? strcasestr : strstr;
	if (q->content_type && !(r->content_type && *r->content_type &&
	                         !strncmp(r->content_type, q->content_type, strlen(q->content_type))))
		return false;
	if (q->url_contains && !(find(r->input_url, q->url_contains) ||
	                         (r->final_url && find(r->final_url, q->url_contains))))
		return false;
	if (q->title_contains && !(r->title && find(r->title, q->title_contains)))
		return false;
	if (q->errors_only && !(r->error && *r->error))
		return false;
	return true;
}

static int add_each(void *ud, const ps_probe_result *r)
{
	return ps_probe_set_add(ud, r);
}

typedef struct bad_seen {
	int n;
	bool saw_damaged, saw_garbage;
} bad_seen;

static void note_bad(void *ud, const char *path, int code, const char *message)
{
	bad_seen *b = ud;
	b->n++;
	CHECK(code != 0);
	CHECK(strstr(message, path) != NULL || strstr(message, "scan_") != NULL);
	b->saw_garbage |= strstr(path, "scan_20991231_235959") != NULL;
	b->saw_damaged |= strstr(path, "scan_20991231_235959") == NULL;
}

static void test_queries(void)
{
	/* a store of its own: the queries count every scan in it */
	snprintf(store_base, sizeof store_base, "%s/queries", sbase);
	ps_store *st = open_store();
	const char *targets[3] = {"a.example.com", "b.example.com", "c.example.org:8080"};
	enum { SCANS = 3, PER = 400 };
	stored *all = calloc(3 * SCANS * PER, sizeof *all);
	size_t nall = 0;
	gen gens[3][SCANS];
	int64_t times[SCANS] = {1764100000000, 1764200000000, 1764300000000};
	for (int t = 0; t < 3; t++)
		for (int s = 0; s < SCANS; s++) {
			gen *g = &gens[t][s];
			char host[64];
			snprintf(host, sizeof host, "%s", targets[t]);
			gen_results(g, PER, host, s * 150);
			ps_scan_options o;
			ps_scan_options_default(&o);
			o.root_target = targets[t];
			o.scan_time_ms = times[s];
			o.rows_per_row_group = 97;
			CHECK_OK(ps_scan_write(st, &o, g->r, g->n, NULL));
			/* the stored form: read back what the writer decided */
			ps_probe_set set;
			CHECK_OK(ps_store_latest_results(st, targets[t], &set));
			REQUIRE(set.n == PER);
			for (size_t i = 0; i < set.n; i++) {
				all[nall].r = g->r[i];
				all[nall].r.url_status = strcmp(set.items[i].url_status, "new") ? "existing" : "new";
				all[nall].target = t;
				all[nall].scan = s;
				all[nall].t = times[s];
				nall++;
			}
			ps_probe_set_free(&set);
		}
	const int some_codes[] = {404, 500};
	const ps_status_range ranges[] = {{200, 299}, {300, 302}};
	uint64_t qs = 5;
	int queries = 0, nonempty = 0;
	/* on object storage each query lists and GETs every scan it reads
	 * (about 150 requests): the first 150 of the same random queries */
	const int n_queries = test_backend_s3() ? 150 : 600;
	for (int k = 0; k < n_queries; k++) {
		ps_query q;
		ps_query_default(&q);
		int target = (int)(test_rand(&qs) % 4) - 1;
		q.root_target = target >= 0 ? targets[target] : NULL;
		q.scans = (ps_scan_scope)(test_rand(&qs) % 3);
		if (q.scans == PS_SCANS_RANGE) {
			q.from_ms = test_rand(&qs) % 2 ? times[1] : PS_TIME_UNSET;
			q.to_ms = test_rand(&qs) % 2 ? times[1] : PS_TIME_UNSET;
		}
		uint64_t f = test_rand(&qs);
		if (f & 1) {
			q.status_codes = some_codes;
			q.n_status_codes = 1 + test_rand(&qs) % 2;
		}
		if (f & 2) {
			q.status_ranges = ranges;
			q.n_status_ranges = 1 + test_rand(&qs) % 2;
		}
		if (f & 4)
			q.technology = techs[test_rand(&qs) % 7];
		if (f & 8)
			q.diff_status = test_rand(&qs) % 2 ? "new" : "existing";
		if ((f & 8) && q.scans != PS_SCANS_ALL && test_rand(&qs) % 2)
			q.diff_status = "old";
		if (f & 256) {
			/* by name: any case, without the version, or with it */
			static const char *names[] = {"nginx", "JQUERY", "WordPress", "wordpress:6.4.2", "iis:9", "Vue"};
			q.technology = names[test_rand(&qs) % 6];
			q.tech_match = PS_TECH_NAME;
		}
		q.ignore_case = (f & 512) != 0;
		if (f & 16)
			q.content_type = test_rand(&qs) % 2 ? "text/" : "application/json";
		if (f & 32)
			q.url_contains = test_rand(&qs) % 2 ? "/p/1" : test_rand(&qs) % 2 ? "final" : "FINAL";
		if (f & 64)
			q.title_contains = test_rand(&qs) % 3 == 0 ? "Log" : test_rand(&qs) % 2 ? "ン" : "admin";
		if ((f & 128) && test_rand(&qs) % 2)
			q.errors_only = true;
		q.limit = test_rand(&qs) % 3 ? (int64_t)(test_rand(&qs) % 50) : 0;
		q.offset = test_rand(&qs) % 3 ? 0 : (int64_t)(test_rand(&qs) % 100);
		/* one pass on the calling thread, or counts on 2 or 3 threads then
		 * the window (0: one per core) */
		q.threads = (int)(test_rand(&qs) % 4);
		/* expected: newest scan first, targets in directory order */
		int64_t total = 0, got_n = 0;
		size_t *exp = malloc(nall * sizeof *exp);
		bool old = q.diff_status && !strcmp(q.diff_status, "old");
		for (int t = 0; t < 3; t++) {
			if (q.root_target && t != target)
				continue;
			if (old) {
				/* the selected scan: the newest in scope; the old results:
				 * the scan before it, URLs the selected one lacks */
				int sel = -1;
				for (size_t i = 0; i < nall; i++)
					if (all[i].target == t && in_scope(&q, &all[i], SCANS - 1) && all[i].scan > sel)
						sel = all[i].scan;
				if (sel < 1)
					continue;
				for (size_t i = 0; i < nall; i++) {
					if (all[i].target != t || all[i].scan != sel - 1 || !matches(&q, &all[i]))
						continue;
					bool kept = false;
					for (size_t j = 0; j < nall && !kept; j++)
						kept = all[j].target == t && all[j].scan == sel &&
						       !strcmp(all[j].r.input_url, all[i].r.input_url);
					if (!kept)
						exp[total++] = i;
				}
				continue;
			}
			for (int s = SCANS - 1; s >= 0; s--)
				for (size_t i = 0; i < nall; i++)
					if (all[i].target == t && all[i].scan == s && in_scope(&q, &all[i], SCANS - 1) &&
					    matches(&q, &all[i]))
						exp[total++] = i;
		}
		ps_probe_set set;
		CHECK_OK(ps_store_search(st, &q, &set));
		CHECK_EQ_INT(set.total, total);
		int64_t counted = -1;
		CHECK_OK(ps_store_count(st, &q, &counted));
		CHECK_EQ_INT(counted, total);
		/* streamed without the total: the same window */
		ps_probe_set each = {0};
		CHECK_OK(ps_store_search_each(st, &q, add_each, &each, NULL));
		CHECK_EQ_INT(each.n, set.n);
		for (size_t i = 0; i < each.n && i < set.n; i++)
			CHECK(!strcmp(each.items[i].input_url, set.items[i].input_url));
		ps_probe_set_free(&each);
		int64_t from = q.offset < total ? q.offset : total;
		int64_t want = total - from;
		if (q.limit && want > q.limit)
			want = q.limit;
		CHECK_EQ_INT(set.n, want);
		for (int64_t i = 0; i < want && i < (int64_t)set.n; i++) {
			const stored *e = &all[exp[from + i]];
			bool ok = same_result(&e->r, &set.items[i], e->t) &&
			          str_eq(old ? "old" : e->r.url_status, set.items[i].url_status);
			if (!ok) {
				fprintf(stderr, "query %d: item %lld differs (%s vs %s)\n", k, (long long)i, e->r.input_url,
				        set.items[i].input_url);
				got_n++;
			}
		}
		CHECK_EQ_INT(got_n, 0);
		nonempty += want > 0;
		queries++;
		ps_probe_set_free(&set);
		free(exp);
	}
	CHECK(nonempty > n_queries / 6);
	printf("%d queries checked, %d with results\n", queries, nonempty);
	/* a damaged scan fails the query, on one thread or several, with an
	 * error naming the file (a counting thread's message reaches the
	 * caller) */
	ps_scan_info *scans;
	size_t ns;
	CHECK_OK(ps_store_list_scans(st, targets[1], &scans, &ns));
	REQUIRE(ns == SCANS);
	char damaged[4096];
	snprintf(damaged, sizeof damaged, "%s", scans[1].path);
	free(scans);
	truncate_half(st, damaged);
	for (int threads = 1; threads <= 3; threads++) {
		ps_query q;
		ps_query_default(&q);
		q.scans = PS_SCANS_ALL;
		q.threads = threads;
		q.limit = 10;
		ps_probe_set set;
		int rc = ps_store_search(st, &q, &set);
		CHECK(rc != 0);
		CHECK(strstr(ps_errmsg(), damaged) != NULL);
		if (rc == 0)
			ps_probe_set_free(&set);
	}
	/* with bad files taken: the answer of the files that read, and every
	 * bad file named once; a garbage "scan" of the first target (the first
	 * file a query of its latest scans reads) and the truncated one */
	char garbage[4096];
	CHECK_OK(ps_store_list_scans(st, targets[0], &scans, &ns));
	REQUIRE(ns == SCANS);
	snprintf(garbage, sizeof garbage, "%s", scans[0].path);
	char *slash = strrchr(garbage, '/');
	snprintf(slash, sizeof garbage - (size_t)(slash - garbage), "/scan_20991231_235959.parquet");
	free(scans);
	put_string(st, garbage, "PAR1 this is not a parquet file PAR1");
	for (int threads = 1; threads <= 3; threads++) {
		bad_seen bs = {0};
		ps_query q;
		ps_query_default(&q);
		q.scans = PS_SCANS_ALL;
		q.threads = threads;
		q.on_bad_file = note_bad;
		q.bad_file_ud = &bs;
		int64_t n = -1;
		CHECK_OK(ps_store_count(st, &q, &n));
		CHECK_EQ_INT(n, 3 * SCANS * PER - PER);
		CHECK_EQ_INT(bs.n, 2);
		CHECK(bs.saw_damaged && bs.saw_garbage);
		/* the rows themselves, streamed */
		memset(&bs, 0, sizeof bs);
		q.limit = INT64_MAX;
		ps_probe_set each = {0};
		int64_t total = -1;
		CHECK_OK(ps_store_search_each(st, &q, add_each, &each, &total));
		CHECK_EQ_INT(each.n, 3 * SCANS * PER - PER);
		CHECK_EQ_INT(total, 3 * SCANS * PER - PER);
		CHECK_EQ_INT(bs.n, 2);
		ps_probe_set_free(&each);
		/* the latest scans: the garbage file is the first target's latest */
		memset(&bs, 0, sizeof bs);
		q.scans = PS_SCANS_LATEST;
		CHECK_OK(ps_store_count(st, &q, &n));
		CHECK_EQ_INT(n, 2 * PER);
		CHECK_EQ_INT(bs.n, 1);
		CHECK(bs.saw_garbage);
	}
	CHECK_OK(ps_storage_delete(st, garbage));
	/* a page damaged: found where it is decoded (on a bucket, by a count's
	 * CPU stage when the query has more threads than there are cores),
	 * the error naming the file, or the file left out and named once */
	CHECK_OK(ps_store_list_scans(st, targets[2], &scans, &ns));
	REQUIRE(ns == SCANS);
	snprintf(damaged, sizeof damaged, "%s", scans[0].path);
	free(scans);
	damage(st, damaged, 64); /* in original_url's first page, after its header */
	static const int thread_counts[] = {1, 3, 16};
	for (size_t k = 0; k < sizeof thread_counts / sizeof *thread_counts; k++) {
		ps_query q;
		ps_query_default(&q);
		q.scans = PS_SCANS_ALL;
		q.threads = thread_counts[k];
		q.root_target = targets[2]; /* not the truncated scan's */
		q.url_contains = "example";
		int64_t n = -1;
		CHECK(ps_store_count(st, &q, &n) != 0);
		CHECK(strstr(ps_errmsg(), damaged) != NULL);
		bad_seen bs = {0};
		q.on_bad_file = note_bad;
		q.bad_file_ud = &bs;
		CHECK_OK(ps_store_count(st, &q, &n));
		CHECK_EQ_INT(n, SCANS * PER - PER);
		CHECK_EQ_INT(bs.n, 1);
		CHECK(bs.saw_damaged && !bs.saw_garbage);
	}
	for (int t = 0; t < 3; t++)
		for (int s = 0; s < SCANS; s++)
			gen_free(&gens[t][s]);
	free(all);
	ps_store_close(st);
}

/* headers_json as other writers may hold it, read back as headers: JSON
 * order, a repeated name in its first place with its last value, escapes
 * read, values that are not strings empty, and no headers where the text
 * is not one JSON object of strings without NULs; the text itself kept
 * as stored. */
static void test_foreign_headers(void)
{
	static const char *const hj[] = {
		"{\"b\":\"2\",\"a\":\"1\"}",
		"{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}",
		"{\"k\\u00e9\":\"v\\\"q\",\"n\":12,\"l\":[\"x\"]}",
		"[1]",
		"{\"a\":\"1\"} x",
		"{\"a\":\"x\\u0000y\"}",
		"{\"a\":",
		" { } ",
	};
	enum { N = sizeof hj / sizeof *hj };
	char path[4200];
	snprintf(path, sizeof path, "%s/foreign_headers.parquet", base);
	/* the columns of schema version 1, every other one null (or 0) */
	parq_schema *s = ps_probe_schema_new(1);
	REQUIRE(s);
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, NULL));
	parq_bytes urls[N], hs[N];
	char url[N][64];
	static int16_t full[64][N], zeros[N];
	int64_t nums[N] = {0};
	for (int i = 0; i < N; i++) {
		snprintf(url[i], sizeof url[i], "https://foreign.example.com/%d", i);
		urls[i] = (parq_bytes){(const uint8_t *)url[i], (uint32_t)strlen(url[i])};
		hs[i] = (parq_bytes){(const uint8_t *)hj[i], (uint32_t)strlen(hj[i])};
		zeros[i] = 0;
	}
	parq_column_batch cols[64];
	REQUIRE(s->n_leaves <= 64);
	for (int l = 0; l < s->n_leaves; l++) {
		const parq_node *leaf = s->leaves[l];
		const parq_node *top = leaf;
		while (top->parent && top->parent->parent)
			top = top->parent;
		bool u = !strcmp(top->name, "original_url"), h = !strcmp(top->name, "headers_json");
		bool given = u || h || leaf->max_def == 0;
		for (int i = 0; i < N; i++)
			full[l][i] = leaf->max_def;
		cols[l] = (parq_column_batch){.num_rows = N, .num_levels = N, .num_values = given ? N : 0,
		                              .def_levels = leaf->max_def ? (given ? full[l] : zeros) : NULL,
		                              .rep_levels = leaf->max_rep ? zeros : NULL,
		                              .values = given && !u && !h ? nums : NULL,
		                              .bytes = u ? urls : h ? hs : NULL};
		REQUIRE(!given || u || h || parq_value_width(leaf) <= sizeof *nums);
	}
	CHECK_OK(parq_writer_write(w, cols, N));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);

	ps_probe_iter *it;
	CHECK_OK(ps_probe_iter_open(&it, path));
	const ps_probe_result *r;
	int i = 0;
	while (ps_probe_iter_next(it, &r) == 0 && r && i < N) {
		const ps_header *h = r->headers;
		switch (i) {
		case 0:
			CHECK(r->n_headers == 2 && !strcmp(h[0].name, "b") && !strcmp(h[0].value, "2") &&
			      !strcmp(h[1].name, "a") && !strcmp(h[1].value, "1"));
			break;
		case 1:
			CHECK(r->n_headers == 2 && !strcmp(h[0].name, "a") && !strcmp(h[0].value, "3") &&
			      !strcmp(h[1].name, "b") && !strcmp(h[1].value, "2"));
			break;
		case 2:
			CHECK(r->n_headers == 3 && !strcmp(h[0].name, "k\xc3\xa9") && !strcmp(h[0].value, "v\"q") &&
			      !strcmp(h[1].name, "n") && !strcmp(h[1].value, "") && !strcmp(h[2].value, ""));
			break;
		default: CHECK_EQ_INT(r->n_headers, 0); break;
		}
		CHECK(!strcmp(r->input_url, url[i]));
		CHECK(r->headers_json && !strcmp(r->headers_json, hj[i])); /* the text as stored */
		i++;
	}
	CHECK_EQ_INT(i, N);
	ps_probe_iter_close(it);
}

/* The scan of r[0..n) written with o, opened: one row group. */
static parq_reader *write_one_group(ps_store *st, const ps_scan_options *o, const ps_probe_result *r, size_t n)
{
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, o, r, n, &res));
	parq_reader *pr;
	REQUIRE(ps_storage_open_reader(st, res.path, NULL, NULL, &pr) == 0);
	REQUIRE(parq_reader_metadata(pr)->n_row_groups == 1);
	return pr;
}

/* A scan's headers_json pages end at PS_SCAN_HEADERS_PAGE_BYTES, the other
 * columns' at 64 KiB: the headers are compressed in large pages. */
static void test_headers_pages(void)
{
	enum { N = 3000 };
	ps_store *st = open_store();
	ps_probe_result *r = calloc(N, sizeof *r);
	ps_header(*h)[2] = calloc(N, sizeof *h);
	char(*url)[64] = calloc(N, sizeof *url), (*val)[400] = calloc(N, sizeof *val);
	REQUIRE(r && h && url && val);
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < N; i++) {
		snprintf(url[i], sizeof url[i], "https://pages.example.com/%d", i);
		for (size_t k = 0; k + 1 < sizeof val[i]; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			val[i][k] = "0123456789abcdef"[x & 15];
		}
		h[i][0] = (ps_header){"content-type", "text/html"};
		h[i][1] = (ps_header){"set-cookie", val[i]};
		r[i] = (ps_probe_result){.input_url = url[i], .status_code = 200, .headers = h[i], .n_headers = 2};
	}
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "pages.example.com";
	o.scan_time_ms = 1764500000000;
	parq_reader *pr = write_one_group(st, &o, r, N);
	const parq_file_meta *m = parq_reader_metadata(pr);
	int cols[2] = {PS_COL_HEADERS_JSON, PS_COL_ORIGINAL_URL};
	size_t limit[2] = {PS_SCAN_HEADERS_PAGE_BYTES, (size_t)64 << 10};
	for (int c = 0; c < 2; c++) {
		const parq_meta_chunk *ch = &m->row_groups[0].columns[cols[c]];
		REQUIRE(ch->has_offset_index_offset);
		parq_buf buf = {0};
		const uint8_t *p;
		REQUIRE(parq_reader_view(pr, ch->offset_index_offset, (size_t)ch->offset_index_length, &buf, &p) == 0);
		parq_arena a;
		parq_arena_init(&a, 0);
		parq_meta_offset_index oi;
		REQUIRE(parq_meta_decode_offset_index(&a, p, (size_t)ch->offset_index_length, &oi) == 0);
		/* pages of limit bytes (a page ends at the first value past it) */
		int64_t bytes = ch->meta.total_uncompressed_size;
		int64_t want = (bytes + (int64_t)limit[c] - 1) / (int64_t)limit[c];
		CHECK(bytes > 4 * (int64_t)limit[c] || c == 1);
		CHECK((int64_t)oi.n_page_locations >= want - 1 && (int64_t)oi.n_page_locations <= want + 1);
		parq_arena_free(&a);
		free(buf.data);
	}
	/* the same scan at level 1 asked for: zstd's own match finder for
	 * the headers (the scans' default tunes it), the other columns the
	 * same bytes */
	o.root_target = "pages-level1.example.com";
	o.codec = PARQ_CODEC_ZSTD;
	o.compression_level = 1;
	parq_reader *pr1 = write_one_group(st, &o, r, N);
	const parq_file_meta *m1 = parq_reader_metadata(pr1);
	const parq_meta_column *hj = &m->row_groups[0].columns[PS_COL_HEADERS_JSON].meta,
	                       *hj1 = &m1->row_groups[0].columns[PS_COL_HEADERS_JSON].meta;
	CHECK_EQ_INT(hj->total_uncompressed_size, hj1->total_uncompressed_size);
	CHECK(hj->total_compressed_size != hj1->total_compressed_size);
	CHECK_EQ_INT(m->row_groups[0].columns[PS_COL_STATUS_CODE].meta.total_compressed_size,
	             m1->row_groups[0].columns[PS_COL_STATUS_CODE].meta.total_compressed_size);
	parq_reader_close(pr1);
	parq_reader_close(pr);
	ps_store_close(st);
	free(r), free(h), free(url), free(val);
}

static void test_stream_iter(void)
{
	ps_store *st = open_store();
	gen g;
	gen_results(&g, 3000, "stream.example.com", 0);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "stream.example.com";
	o.scan_time_ms = 1764400000000;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, g.r, g.n, &res));
	ps_probe_iter *it;
	CHECK_OK(ps_store_probe_iter_open(&it, st, res.path));
	const ps_probe_result *r;
	size_t i = 0;
	int bad = 0;
	while (ps_probe_iter_next(it, &r) == 0 && r) {
		bad += i >= g.n || !same_result(&g.r[i], r, o.scan_time_ms);
		i++;
	}
	ps_probe_iter_close(it);
	CHECK_EQ_INT(i, 3000);
	CHECK_EQ_INT(bad, 0);
	/* a corrupt file gives an error naming it, never a crash (a local
	 * file: ps_probe_iter_open reads local files on both runs) */
	char bad_path[4200];
	snprintf(bad_path, sizeof bad_path, "%s/not_parquet.parquet", base);
	FILE *f = fopen(bad_path, "w");
	fputs("PAR1 this is not a parquet file PAR1", f);
	fclose(f);
	CHECK(ps_probe_iter_open(&it, bad_path) != 0);
	CHECK(strstr(ps_errmsg(), "not_parquet.parquet") != NULL);
	gen_free(&g);
	ps_store_close(st);
}

/* Random responses' headers, in any order and with names repeated, many
 * of them the same for 8 bytes or more, written sorted with the last of
 * equal names: against the object written out here. */
static void test_headers_order(void)
{
	static const char *const pool[] = {"content_type", "content_security_policy", "content_length", "content",
	                                   "contents", "x_a", "x_ab", "x", "", "set_cookie", "access_control_allow_origin",
	                                   "access_control_allow_methods", "access_control_max_age", "server", "date"};
	enum { NP = sizeof pool / sizeof *pool };
	uint64_t r = 0x1234567;
	int bad = 0;
	for (int round = 0; round < 3000; round++) {
		ps_header h[40];
		char vals[40][8];
		size_t n = 1 + test_rand(&r) % 40;
		const char *last[NP] = {0};
		for (size_t i = 0; i < n; i++) {
			size_t k = test_rand(&r) % NP;
			snprintf(vals[i], sizeof vals[i], "v%zu", i);
			h[i].name = pool[k];
			h[i].value = vals[i];
			last[k] = vals[i];
		}
		/* the expected object: names in strcmp order, each with its last value */
		int order[NP];
		for (int k = 0; k < NP; k++)
			order[k] = k;
		for (int i = 1; i < NP; i++)
			for (int j = i; j > 0 && strcmp(pool[order[j - 1]], pool[order[j]]) > 0; j--) {
				int t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		char want[2048];
		size_t w = 0;
		want[w++] = '{';
		for (int i = 0; i < NP; i++)
			if (last[order[i]])
				w += (size_t)snprintf(want + w, sizeof want - w, "%s\"%s\":\"%s\"", w > 1 ? "," : "", pool[order[i]],
				                      last[order[i]]);
		want[w++] = '}';
		want[w] = 0;
		char *json = NULL;
		CHECK_OK(ps_headers_json(h, n, &json));
		if (!json || strcmp(json, want)) {
			if (bad++ < 3)
				fprintf(stderr, "headers: %s, expected %s\n", json ? json : "(null)", want);
		}
		free(json);
	}
	CHECK_EQ_INT(bad, 0);
}

static void test_headers_json(void)
{
	/* Go's json.Marshal of map[string]string: sorted keys, HTML-safe */
	ps_store *st = open_store();
	ps_header h[3] = {{"x-b", "1"}, {"a", "<script>&\"\n"}, {"x-b", "2"}};
	ps_probe_result r = {.input_url = "https://h.example.com/", .status_code = 200, .headers = h, .n_headers = 3};
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "h.example.com";
	o.scan_time_ms = 1764500000000;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, &r, 1, &res));
	parq_reader *pr;
	REQUIRE(ps_storage_open_reader(st, res.path, NULL, NULL, &pr) == 0);
	parq_column_reader *cr;
	REQUIRE(parq_column_reader_open(&cr, pr, PS_COL_HEADERS_JSON, NULL, 0) == 0);
	parq_column_batch b;
	REQUIRE(parq_column_reader_read(cr, 10, &b) == 0);
	const char *want = "{\"a\":\"\\u003cscript\\u003e\\u0026\\\"\\n\",\"x-b\":\"2\"}";
	CHECK_EQ_INT(b.num_values, 1);
	if (b.num_values == 1) {
		CHECK_EQ_INT(b.bytes[0].len, strlen(want));
		CHECK_MEM(b.bytes[0].ptr, want, strlen(want));
	}
	CHECK(strcmp(parq_reader_kv(pr, "probestore.root_target"), "h.example.com") == 0);
	CHECK(strcmp(parq_reader_kv(pr, "probestore.scan_timestamp"), "1764500000000") == 0);
	/* a generated session: the scan's UTC time and 16 random hex digits */
	const char *sid = parq_reader_kv(pr, "probestore.scan_session_id");
	CHECK(sid && strlen(sid) == 32 && !strncmp(sid, "20251130-105320-", 16) &&
	      strspn(sid + 16, "0123456789abcdef") == 16);
	char s1[33], s2[33];
	ps_session_id_new(s1, sizeof s1, 1764500000000);
	ps_session_id_new(s2, sizeof s2, 1764500000000);
	CHECK(strlen(s1) == 32 && strcmp(s1, s2) != 0);
	parq_column_reader_close(cr);
	parq_reader_close(pr);
	ps_store_close(st);

	/* short lists sort by insertion, long ones by qsort: both the same way */
	for (int n = 3; n <= 200; n += 197) {
		ps_header *many = calloc((size_t)n, sizeof *many);
		char (*names)[16] = calloc((size_t)n, sizeof *names);
		REQUIRE(many && names);
		for (int i = 0; i < n; i++) {
			snprintf(names[i], sizeof names[i], "h%03d", (n - 1 - i) / 2); /* descending, pairs */
			many[i].name = names[i];
			many[i].value = i % 2 ? "second" : "first";
		}
		char *json;
		CHECK_OK(ps_headers_json(many, (size_t)n, &json));
		/* every name once, ascending, each with the later of its pair */
		const char *p = json;
		int seen = 0;
		for (int k = 0; k <= (n - 1) / 2; k++) {
			/* name k is at n-2-2k and n-1-2k: the later one's value */
			char expect[48];
			snprintf(expect, sizeof expect, "\"h%03d\":\"%s\"", k, (n - 1 - 2 * k) % 2 ? "second" : "first");
			const char *at = strstr(p, expect);
			CHECK(at != NULL);
			if (at)
				p = at + strlen(expect), seen++;
		}
		CHECK_EQ_INT(seen, (n + 1) / 2);
		free(json);
		free(many);
		free(names);
	}
}

/* ps_utf8_valid against a decoder that goes byte by byte (Unicode's
 * well-formed sequences, table 3-7), on random mixes of ASCII runs, valid
 * characters and bad bytes, so that every offset around the eight-byte
 * ASCII steps is tried. */
/* Whether cp written as UTF-8 is exactly p[0..len). */
static bool utf8_encodes(uint32_t cp, const unsigned char *p, size_t len)
{
	unsigned char e[4];
	size_t n;
	if (cp < 0x80) {
		e[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		e[0] = (unsigned char)(0xC0 | cp >> 6);
		e[1] = (unsigned char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		e[0] = (unsigned char)(0xE0 | cp >> 12);
		e[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
		e[2] = (unsigned char)(0x80 | (cp & 63));
		n = 3;
	} else {
		e[0] = (unsigned char)(0xF0 | cp >> 18);
		e[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
		e[2] = (unsigned char)(0x80 | (cp >> 6 & 63));
		e[3] = (unsigned char)(0x80 | (cp & 63));
		n = 4;
	}
	return n == len && !memcmp(e, p, n);
}

static size_t utf8_reference(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		unsigned lo = 0x80, hi = 0xBF;
		if (c < 0x80)
			len = 1;
		else if (c >= 0xC2 && c <= 0xDF)
			len = 2;
		else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		} else
			return i;
		if (len > n - i)
			return i;
		for (size_t k = 1; k < len; k++) {
			unsigned b = p[i + k], l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
			if (b < l || b > h)
				return i;
		}
		i += len;
	}
	return i;
}

static void test_utf8_valid(void)
{
	static const char *pieces[] = {"a", "plain ascii text, twenty-nine", "\xC3\xA9", "\xE3\x83\xB3", "\xF0\x9F\x98\x80",
	                               "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE3\x83", "\xFF", "\x80"};
	uint64_t r = 4242;
	unsigned char buf[256];
	int invalid = 0;
	for (int t = 0; t < 20000; t++) {
		size_t n = 0;
		while (n < 200) {
			size_t k = test_rand(&r) % 100 < 85 ? test_rand(&r) % 5 : 2 + test_rand(&r) % 9;
			const char *pc = pieces[k];
			size_t l = strlen(pc);
			if (k == 1) /* ASCII runs of every length */
				l = 1 + test_rand(&r) % l;
			memcpy(buf + n, pc, l);
			n += l;
			if (test_rand(&r) % 16 == 0)
				break;
		}
		size_t want = utf8_reference(buf, n), got = ps_utf8_valid(buf, n);
		if (got != want) {
			CHECK_EQ_INT(got, want);
			break;
		}
		/* one sequence at a time: the same prefix, and each code point
		 * encodes back to its bytes */
		size_t at = 0, l;
		uint32_t cp;
		while (at < n && (l = ps_utf8_seq(buf + at, n - at, &cp))) {
			if (!utf8_encodes(cp, buf + at, l)) {
				CHECK(utf8_encodes(cp, buf + at, l));
				break;
			}
			at += l;
		}
		if (at != want) {
			CHECK_EQ_INT(at, want);
			break;
		}
		invalid += want < n;
		test_checks++;
	}
	CHECK(invalid > 1000);
}

int main(void)
{
	test_backend_init("test_store");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	snprintf(store_base, sizeof store_base, "%s", sbase);
	test_utf8_valid();
	test_write_read_diff();
	test_validation();
	test_cancel_and_empty();
	test_concurrent_writers();
	test_concurrent_processes();
	test_batch_processor();
	test_transform_property();
	test_config_limits();
	test_stream_iter();
	test_foreign_headers();
	test_headers_json();
	test_headers_pages();
	test_headers_order();
	test_queries();
	/* libcurl is loaded by the first S3 client only: a local store's
	 * process does not pay for its start */
	void *curl = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);
	CHECK((curl != NULL) == test_backend_s3());
	if (curl)
		dlclose(curl);
	rm_rf(base);
	return test_report("test_store");
}
