/* Scan schema version 2 and changes: every httpx field in its column, a
 * line without them gives nulls, stores mixing version 1 and version 2
 * scans answer queries as a brute-force scan does, and the changes of
 * URLs between scans (each field, thresholds, configuration) equal a
 * brute-force comparison over random pairs of scans. */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/httpx.h"
#include "scan/scan_internal.h"
#include "parq/meta.h"
#include "parq/parq.h"
#include "probestore/probestore.h"
#include "storage/backend.h"
#include "test.h"

#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
	if (!(_a == _b || (_a && _b && !strcmp(_a, _b)))) { test_failures++; \
	fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, _a ? _a : "(null)", \
	        _b ? _b : "(null)"); } } while (0)

static char base[] = "/tmp/ps_schema_v2_XXXXXX";
static char sbase[512]; /* the stores: base, or its place in the bucket */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static ps_store *open_store_v(const char *dir, int version, const char *change_fields, int pct)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	cfg.writer.schema_version = version;
	if (change_fields)
		cfg.writer.change_fields = strdup(change_fields);
	cfg.writer.change_length_percent = pct;
	ps_store *st = NULL;
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = dir;
	o.config = &cfg;
	CHECK_OK(ps_store_open(&st, &o));
	ps_config_free(&cfg);
	REQUIRE(st);
	return st;
}

/* A version 2 store of the usual options, called name under sbase. */
static ps_store *open_v2(const char *name)
{
	char dir[700];
	snprintf(dir, sizeof dir, "%s/%s", sbase, name);
	return open_store_v(dir, 2, NULL, 10);
}

/* n zeroed records, each with its own URL (prefix then its index), the
 * URLs in *urls: both for the caller to free. */
static ps_probe_result *url_records(int n, const char *prefix, char (**urls)[48])
{
	ps_probe_result *r = calloc((size_t)n, sizeof *r);
	char (*u)[48] = calloc((size_t)n, sizeof *u);
	REQUIRE(r && u);
	for (int i = 0; i < n; i++) {
		snprintf(u[i], sizeof u[i], "%s%d", prefix, i);
		r[i].input_url = u[i];
	}
	*urls = u;
	return r;
}

/* A real-looking httpx line with everything version 2 keeps. */
static const char FULL[] =
	"{\"timestamp\":\"2025-04-02T11:30:05.123Z\","
	"\"asn\":{\"as_number\":\"AS13335\",\"as_name\":\"CLOUDFLARENET\",\"as_country\":\"US\",\"as_range\":[\"104.16.0.0/13\"]},"
	"\"tls\":{\"host\":\"www.example.com\",\"port\":\"443\",\"probe_status\":true,\"tls_version\":\"tls13\","
	"\"subject_cn\":\"www.example.com\",\"subject_an\":[\"www.example.com\",\"example.com\",\"*.example.com\"],"
	"\"issuer_cn\":\"R11\",\"not_after\":\"2026-01-15T23:59:59Z\"},"
	"\"hash\":{\"body_md5\":\"aa\",\"body_sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
	"\"header_sha256\":\"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"},"
	"\"cdn_name\":\"cloudflare\",\"cdn_type\":\"waf\",\"cdn\":true,\"port\":\"443\","
	"\"url\":\"https://www.example.com/login\",\"input\":\"www.example.com\",\"location\":\"https://www.example.com/sso\","
	"\"title\":\"Login\",\"scheme\":\"https\",\"webserver\":\"cloudflare\",\"content_type\":\"text/html\","
	"\"method\":\"GET\",\"host\":\"104.16.1.2\",\"path\":\"/login\",\"favicon\":\"-1234567890\","
	"\"favicon_url\":\"https://www.example.com/favicon.ico\",\"time\":\"250ms\","
	"\"jarm\":\"27d40d40d29d40d1dc42d43d00041d4689ee210389f4f6b4b5b1b93f92252d\",\"chain_status_codes\":[301,302,200],"
	"\"cname\":[\"www.example.com.cdn.cloudflare.net\"],\"tech\":[\"Cloudflare\"],\"words\":120,\"lines\":30,"
	"\"status_code\":200,\"content_length\":4096,\"failed\":false,\"http2\":true,\"websocket\":true}";

/* The same probe with nothing of version 2. */
static const char BARE[] =
	"{\"timestamp\":\"2025-04-02T11:30:06Z\",\"url\":\"https://www.example.com/bare\",\"input\":\"www.example.com\","
	"\"status_code\":204,\"failed\":false}";

static const parq_value *field(const parq_value *row, const char *name)
{
	for (uint32_t i = 0; i < row->u.list.n; i++)
		if (!strcmp(row->u.list.items[i].node->name, name))
			return &row->u.list.items[i];
	return NULL;
}

static const parq_value *list_items(const parq_value *v, uint32_t *n)
{
	/* LIST -> repeated "list" group -> element */
	if (v->kind == PARQ_V_STRUCT && v->u.list.n == 1)
		v = &v->u.list.items[0];
	*n = v->kind == PARQ_V_LIST ? v->u.list.n : 0;
	return v->kind == PARQ_V_LIST ? v->u.list.items : NULL;
}

static const parq_value *elem(const parq_value *e)
{
	return e->kind == PARQ_V_STRUCT && e->u.list.n == 1 ? &e->u.list.items[0] : e;
}

static bool bytes_eq(const parq_value *v, const char *s)
{
	return v && v->kind == PARQ_V_BYTES && v->u.bytes.len == strlen(s) && !memcmp(v->u.bytes.ptr, s, strlen(s));
}

static void test_fields_in_columns(void)
{
	ps_store *st = open_v2("fields");
	ps_arena a = {0};
	ps_rec recs[2];
	char err[256] = "";
	ps_rec_format f = 0;
	REQUIRE(ps_rec_from_line(FULL, strlen(FULL), &f, NULL, &a, &recs[0], err, sizeof err) == 0);
	REQUIRE(ps_rec_from_line(BARE, strlen(BARE), &f, NULL, &a, &recs[1], err, sizeof err) == 0);
	ps_probe_result rs[2] = {recs[0].r, recs[1].r};
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "www.example.com";
	o.scan_time_ms = 1743600000000;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, rs, 2, &res));

	/* the file, read with libparq alone */
	parq_reader *r;
	REQUIRE(ps_storage_open_reader(st, res.path, NULL, NULL, &r) == 0);
	CHECK_STR(parq_reader_kv(r, "probestore.schema_version"), "2");
	const parq_schema *s = parq_reader_schema(r);
	CHECK_EQ_INT(s->root->n_children, 43);
	for (int i = 0; i < 17; i++) /* the seed's columns first, in order */
		CHECK_STR(s->root->children[i]->name, ps_probe_column_name((ps_probe_column)i));
	int leaf = parq_schema_find_leaf(s, "tls_not_after");
	REQUIRE(leaf >= 0);
	CHECK_EQ_INT(s->leaves[leaf]->type, PARQ_INT64);
	CHECK_EQ_INT(s->leaves[leaf]->logical.kind, PARQ_LT_TIMESTAMP);
	CHECK_EQ_INT(s->leaves[parq_schema_find_leaf(s, "port")]->type, PARQ_INT32);
	CHECK_EQ_INT(s->leaves[parq_schema_find_leaf(s, "http2")]->type, PARQ_BOOLEAN);
	CHECK_EQ_INT(s->leaves[parq_schema_find_leaf(s, "response_time_ms")]->type, PARQ_DOUBLE);
	parq_row_reader *rr;
	REQUIRE(parq_row_reader_open(&rr, r, NULL, 0) == 0);
	const parq_value *row;
	REQUIRE(parq_row_reader_next(rr, &row) == 0 && row);
	CHECK(bytes_eq(field(row, "location"), "https://www.example.com/sso"));
	uint32_t n;
	const parq_value *it = list_items(field(row, "chain_status_codes"), &n);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_INT(elem(&it[0])->u.i32, 301);
		CHECK_EQ_INT(elem(&it[1])->u.i32, 302);
		CHECK_EQ_INT(elem(&it[2])->u.i32, 200);
	}
	CHECK(bytes_eq(field(row, "host_ip"), "104.16.1.2"));
	it = list_items(field(row, "ip_address"), &n); /* host alone fills ip_address */
	CHECK(n == 1 && bytes_eq(elem(&it[0]), "104.16.1.2"));
	CHECK_EQ_INT(field(row, "port")->u.i32, 443);
	CHECK(bytes_eq(field(row, "scheme"), "https"));
	CHECK(bytes_eq(field(row, "path"), "/login"));
	CHECK_EQ_INT(field(row, "words")->u.i64, 120);
	CHECK_EQ_INT(field(row, "lines")->u.i64, 30);
	CHECK(fabs(field(row, "response_time_ms")->u.d - 250.0) < 1e-9);
	CHECK(bytes_eq(field(row, "cdn_name"), "cloudflare"));
	CHECK(bytes_eq(field(row, "cdn_type"), "waf"));
	CHECK_EQ_INT(field(row, "favicon_mmh3")->u.i32, -1234567890);
	CHECK(bytes_eq(field(row, "favicon_url"), "https://www.example.com/favicon.ico"));
	CHECK(bytes_eq(field(row, "body_sha256"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	CHECK(bytes_eq(field(row, "header_sha256"), "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"));
	CHECK(bytes_eq(field(row, "jarm"), "27d40d40d29d40d1dc42d43d00041d4689ee210389f4f6b4b5b1b93f92252d"));
	it = list_items(field(row, "cname"), &n);
	CHECK(n == 1 && bytes_eq(elem(&it[0]), "www.example.com.cdn.cloudflare.net"));
	CHECK_EQ_INT(field(row, "asn_number")->u.i64, 13335);
	CHECK(bytes_eq(field(row, "asn_name"), "CLOUDFLARENET"));
	CHECK(bytes_eq(field(row, "tls_subject_cn"), "www.example.com"));
	it = list_items(field(row, "tls_subject_an"), &n);
	CHECK(n == 3 && bytes_eq(elem(&it[2]), "*.example.com"));
	CHECK(bytes_eq(field(row, "tls_issuer_cn"), "R11"));
	CHECK_EQ_INT(field(row, "tls_not_after")->u.i64, 1768521599000);
	CHECK(field(row, "http2")->kind == PARQ_V_BOOL && field(row, "http2")->u.b);
	CHECK(field(row, "websocket")->kind == PARQ_V_BOOL && field(row, "websocket")->u.b);
	CHECK_EQ_INT(field(row, "changed_fields")->kind, PARQ_V_NULL);
	/* the bare line: every version 2 column null */
	REQUIRE(parq_row_reader_next(rr, &row) == 0 && row);
	for (int c = PS_PROBE_NCOLS; c < PS_PROBE_V2_NCOLS; c++) {
		const parq_value *v = field(row, ps_probe_column_name((ps_probe_column)c));
		CHECK(v && v->kind == PARQ_V_NULL);
		if (v && v->kind != PARQ_V_NULL)
			fprintf(stderr, "  column %s is not null\n", ps_probe_column_name((ps_probe_column)c));
	}
	parq_row_reader_close(rr);
	parq_reader_close(r);

	/* and read back into the model */
	ps_probe_iter *pi;
	REQUIRE(ps_store_probe_iter_open(&pi, st, res.path) == 0);
	const ps_probe_result *p;
	REQUIRE(ps_probe_iter_next(pi, &p) == 0 && p);
	CHECK_STR(p->location, "https://www.example.com/sso");
	CHECK_EQ_INT(p->n_chain_status_codes, 3);
	CHECK_EQ_INT(p->port, 443);
	CHECK_EQ_INT(p->favicon_mmh3, -1234567890);
	CHECK_EQ_INT(p->asn_number, 13335);
	CHECK_EQ_INT(p->n_tls_subject_an, 3);
	CHECK_EQ_INT(p->tls_not_after_ms, 1768521599000);
	CHECK(p->http2 && p->websocket);
	CHECK(fabs(p->response_time_ms - 250.0) < 1e-9);
	ps_probe_iter_close(pi);
	ps_arena_free(&a);
	ps_store_close(st);
}

/* ---- random records and brute force ---- */

static const char *const TITLES[] = {"Home", "Login", "403 Forbidden", NULL};
static const char *const SERVERS[] = {"nginx", "envoy", NULL};
static const char *const TECHS[] = {"Nginx", "PHP", "React", "jQuery"};
static const char *const IPS[] = {"192.0.2.1", "192.0.2.2", "2001:db8::1"};
static const char *const HASHES[] = {"aaaa", "bbbb", NULL};
static const char *const CNS[] = {"a.example.com", "b.example.com", NULL};

typedef struct rgen {
	ps_probe_result r[64];
	const char *tech[64][4], *ips[64][3], *san[64][2];
	int32_t chain[64][2];
	char url[64][64];
	size_t n;
} rgen;

static void rand_results(rgen *g, uint64_t *seed, size_t n, int url_space)
{
	g->n = n;
	for (size_t i = 0; i < n; i++) {
		ps_probe_result *r = &g->r[i];
		memset(r, 0, sizeof *r);
		/* distinct within a scan, shared in part with other scans */
		snprintf(g->url[i], sizeof g->url[i], "https://h.example.com/p%zu",
		         i * (size_t)url_space / n);
		r->input_url = g->url[i];
		uint64_t x = test_rand(seed);
		r->status_code = (int32_t[]){200, 301, 403, 500}[x % 4];
		r->title = TITLES[(x >> 3) % 4];
		r->web_server = SERVERS[(x >> 6) % 3];
		size_t nt = 0;
		for (int k = 0; k < 4; k++)
			if ((x >> (9 + k)) & 1)
				g->tech[i][nt++] = TECHS[k];
		r->technologies = g->tech[i];
		r->n_technologies = nt;
		size_t ni = 0;
		for (int k = 0; k < 3; k++)
			if ((x >> (13 + k)) & 1)
				g->ips[i][ni++] = IPS[k];
		r->ips = g->ips[i];
		r->n_ips = ni;
		r->content_length = (int64_t[]){0, 1000, 1050, 1200}[(x >> 16) % 4];
		r->final_url = (x >> 18) % 3 == 0 ? "https://h.example.com/final" : NULL;
		r->location = (x >> 20) % 3 == 0 ? "https://h.example.com/next" : NULL;
		r->body_sha256 = HASHES[(x >> 22) % 3];
		r->tls_subject_cn = CNS[(x >> 24) % 3];
		r->tls_issuer_cn = (x >> 26) % 2 ? "R11" : NULL;
		r->tls_not_after_ms = (x >> 27) % 2 ? 1768521599000 : 0;
		size_t ns = 0;
		if ((x >> 28) & 1)
			g->san[i][ns++] = "a.example.com";
		if ((x >> 29) & 1)
			g->san[i][ns++] = "b.example.com";
		r->tls_subject_an = g->san[i];
		r->n_tls_subject_an = ns;
		r->favicon_mmh3 = (x >> 30) % 3 == 0 ? 0 : (int32_t)((x >> 30) % 3) - 5;
		r->port = (x >> 32) % 2 ? 443 : 8443;
		r->cdn_name = (x >> 33) % 3 == 0 ? "Cloudflare" : (x >> 33) % 3 == 1 ? "akamai" : NULL;
		r->jarm = (x >> 35) % 2 ? "jarm-a" : NULL;
		size_t nc = (x >> 36) % 3;
		g->chain[i][0] = (x >> 38) % 2 ? 301 : 302;
		g->chain[i][1] = 200;
		r->chain_status_codes = nc ? g->chain[i] + (2 - nc) : NULL;
		r->n_chain_status_codes = nc;
	}
}

static bool bf_str_eq(const char *a, const char *b)
{
	bool pa = a && *a, pb = b && *b;
	return pa != pb ? false : !pa || !strcmp(a, b);
}

static bool bf_in(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool bf_set_eq(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (!bf_in(b, nb, a[i]))
			return false;
	for (size_t i = 0; i < nb; i++)
		if (!bf_in(a, na, b[i]))
			return false;
	return true;
}

/* The changed fields of old -> cur, in the documented order, written into
 * names; the count. */
static size_t bf_changes(const ps_probe_result *o, const ps_probe_result *c, bool v2, double ratio,
                         const char **names)
{
	size_t k = 0;
	if (o->status_code != c->status_code)
		names[k++] = "status_code";
	if (!bf_str_eq(o->title, c->title))
		names[k++] = "title";
	if (!bf_set_eq(o->technologies, o->n_technologies, c->technologies, c->n_technologies))
		names[k++] = "technologies";
	if (!bf_str_eq(o->web_server, c->web_server))
		names[k++] = "web_server";
	if (!bf_str_eq(o->final_url, c->final_url))
		names[k++] = "final_url";
	if (v2 && !bf_str_eq(o->location, c->location))
		names[k++] = "location";
	int64_t d = c->content_length - o->content_length;
	if (d < 0)
		d = -d;
	if (d != 0 && (double)d > ratio * (double)o->content_length)
		names[k++] = "content_length";
	if (v2 && !bf_str_eq(o->body_sha256, c->body_sha256))
		names[k++] = "body_sha256";
	if (v2 && (!bf_str_eq(o->tls_subject_cn, c->tls_subject_cn) || !bf_str_eq(o->tls_issuer_cn, c->tls_issuer_cn) ||
	           o->tls_not_after_ms != c->tls_not_after_ms ||
	           !bf_set_eq(o->tls_subject_an, o->n_tls_subject_an, c->tls_subject_an, c->n_tls_subject_an)))
		names[k++] = "tls";
	if (!bf_set_eq(o->ips, o->n_ips, c->ips, c->n_ips))
		names[k++] = "ip_address";
	return k;
}

static const ps_probe_result *bf_find(const rgen *g, const char *url)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->r[i].input_url, url))
			return &g->r[i];
	return NULL;
}

/* Random pairs of scans (version 1 or 2 each): the diff's changes, the
 * changed_fields column and query --diff changed against brute force. */
static void test_changes_random(void)
{
	uint64_t seed = 42;
	static rgen ga, gb;
	for (int round = 0; round < 24; round++) {
		char dir[700];
		snprintf(dir, sizeof dir, "%s/rand%d", sbase, round);
		int va = 1 + (int)(test_rand(&seed) % 2), vb = 1 + (int)(test_rand(&seed) % 2);
		rand_results(&ga, &seed, 1 + test_rand(&seed) % 40, 40);
		rand_results(&gb, &seed, 1 + test_rand(&seed) % 40, 40);
		ps_scan_options o;
		ps_scan_options_default(&o);
		o.root_target = "h.example.com";
		ps_scan_result ra, rb;
		ps_store *st = open_store_v(dir, va, NULL, 10);
		o.scan_time_ms = 1743600000000;
		CHECK_OK(ps_scan_write(st, &o, ga.r, ga.n, &ra));
		ps_store_close(st);
		st = open_store_v(dir, vb, NULL, 10);
		o.scan_time_ms = 1743600060000;
		CHECK_OK(ps_scan_write(st, &o, gb.r, gb.n, &rb));
		bool v2 = va == 2 && vb == 2;

		/* the library's diff */
		ps_url_diff d;
		CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, NULL, &d));
		size_t want_changed = 0;
		for (size_t i = 0; i < gb.n; i++) {
			const ps_probe_result *old = bf_find(&ga, gb.r[i].input_url);
			if (!old)
				continue;
			const char *names[16];
			size_t k = bf_changes(old, &gb.r[i], v2, 0.10, names);
			if (!k)
				continue;
			want_changed++;
			const ps_url_change *got = NULL;
			for (size_t j = 0; j < d.n_changed; j++)
				if (!strcmp(d.changed[j].url, gb.r[i].input_url))
					got = &d.changed[j];
			CHECK(got != NULL);
			if (!got)
				continue;
			CHECK_EQ_INT(got->n_fields, k);
			for (size_t j = 0; j < k && j < got->n_fields; j++)
				CHECK_STR(got->fields[j].field, names[j]);
		}
		CHECK_EQ_INT(d.n_changed, want_changed);
		size_t shared = 0;
		for (size_t i = 0; i < gb.n; i++)
			shared += bf_find(&ga, gb.r[i].input_url) != NULL;
		CHECK_EQ_INT(d.n_existing, shared);
		ps_url_diff_free(&d);

		/* the timeline, from the footers and the marks */
		ps_timeline_point *tl = NULL;
		size_t ntl = 0;
		CHECK_OK(ps_store_timeline(st, "h.example.com", &tl, &ntl));
		CHECK_EQ_INT(ntl, 2);
		if (ntl == 2) {
			CHECK_EQ_INT(tl[0].records, ga.n);
			CHECK_EQ_INT(tl[0].n_new, ga.n);
			CHECK_EQ_INT(tl[0].n_old, 0);
			CHECK_EQ_INT(tl[0].n_changed, va == 2 ? 0 : -1);
			CHECK_EQ_INT(tl[1].records, gb.n);
			CHECK_EQ_INT(tl[1].n_new, gb.n - shared);
			CHECK_EQ_INT(tl[1].n_existing, shared);
			CHECK_EQ_INT(tl[1].n_old, ga.n - shared);
			CHECK_EQ_INT(tl[1].n_changed, vb == 2 ? (int64_t)want_changed : -1);
		}
		free(tl);
		CHECK_EQ_INT(rb.n_changed, (int64_t)want_changed);

		/* the column the writer recorded (version 2 only) */
		ps_probe_iter *it;
		REQUIRE(ps_store_probe_iter_open(&it, st, rb.path) == 0);
		const ps_probe_result *p;
		while (ps_probe_iter_next(it, &p) == 0 && p) {
			const ps_probe_result *old = bf_find(&ga, p->input_url);
			const char *names[16];
			size_t k = old && vb == 2 ? bf_changes(old, bf_find(&gb, p->input_url), v2, 0.10, names) : 0;
			CHECK_EQ_INT(p->n_changed_fields, k);
			for (size_t j = 0; j < k && j < p->n_changed_fields; j++)
				CHECK_STR(p->changed_fields[j], names[j]);
		}
		ps_probe_iter_close(it);

		/* query --diff changed: the latest scan's changed rows, nothing
		 * from a version 1 file */
		ps_query q;
		ps_query_default(&q);
		q.diff_status = "changed";
		q.scans = PS_SCANS_ALL;
		int64_t count = -1;
		CHECK_OK(ps_store_count(st, &q, &count));
		CHECK_EQ_INT(count, vb == 2 ? (int64_t)want_changed : 0);
		ps_probe_set set = {0};
		CHECK_OK(ps_store_search(st, &q, &set));
		CHECK_EQ_INT(set.n, vb == 2 ? want_changed : 0);
		for (size_t j = 0; j < set.n; j++)
			CHECK(set.items[j].n_changed_fields > 0);
		ps_probe_set_free(&set);

		/* every read sees both files whatever their versions */
		ps_query_default(&q);
		q.scans = PS_SCANS_ALL;
		CHECK_OK(ps_store_count(st, &q, &count));
		CHECK_EQ_INT(count, (int64_t)(ga.n + gb.n));
		q.n_status_codes = 1;
		q.status_codes = (const int[]){403};
		size_t want403 = 0;
		for (size_t i = 0; i < ga.n; i++)
			want403 += ga.r[i].status_code == 403;
		for (size_t i = 0; i < gb.n; i++)
			want403 += gb.r[i].status_code == 403;
		CHECK_OK(ps_store_search(st, &q, &set));
		CHECK_EQ_INT(set.n, want403);
		ps_probe_set_free(&set);

		/* the version 2 filters against brute force: none matches in a
		 * version 1 file */
		for (int fi = 0; fi < 9; fi++) {
			ps_query_default(&q);
			q.scans = PS_SCANS_ALL;
			static const ps_status_range r3xx = {300, 399};
			static const int c301[] = {301};
			switch (fi) {
			case 0: q.port = 8443; break;
			case 1: q.cdn_name = "cloudflare"; break;
			case 2: q.has_favicon = true; q.favicon_mmh3 = -4; break;
			case 3: q.jarm = "jarm-a"; break;
			case 4: q.tls_san = "b.example.com"; break;
			case 5: q.location_contains = "NEXT"; q.ignore_case = true; break;
			case 6: q.chain_status_ranges = &r3xx; q.n_chain_status_ranges = 1; break;
			case 7: q.chain_status_codes = c301; q.n_chain_status_codes = 1; break;
			case 8: q.body_sha256 = "bbbb"; q.port = 443; break;
			}
			int64_t want = 0;
			for (int side = 0; side < 2; side++) {
				const rgen *g = side ? &gb : &ga;
				if ((side ? vb : va) != 2)
					continue;
				for (size_t i = 0; i < g->n; i++) {
					const ps_probe_result *x = &g->r[i];
					bool m = false;
					switch (fi) {
					case 0: m = x->port == 8443; break;
					case 1: m = x->cdn_name && !strcmp(x->cdn_name, "Cloudflare"); break;
					case 2: m = x->favicon_mmh3 == -4; break;
					case 3: m = x->jarm != NULL; break;
					case 4: m = bf_in(x->tls_subject_an, x->n_tls_subject_an, "b.example.com"); break;
					case 5: m = x->location != NULL; break;
					case 6:
						for (size_t k = 0; k < x->n_chain_status_codes; k++)
							m |= x->chain_status_codes[k] >= 300 && x->chain_status_codes[k] <= 399;
						break;
					case 7:
						for (size_t k = 0; k < x->n_chain_status_codes; k++)
							m |= x->chain_status_codes[k] == 301;
						break;
					case 8: m = x->body_sha256 && !strcmp(x->body_sha256, "bbbb") && x->port == 443; break;
					}
					want += m;
				}
			}
			CHECK_OK(ps_store_count(st, &q, &count));
			if (count != want)
				fprintf(stderr, "  filter %d, versions %d/%d\n", fi, va, vb);
			CHECK_EQ_INT(count, want);
			CHECK_OK(ps_store_search(st, &q, &set));
			CHECK_EQ_INT((int64_t)set.n, want);
			ps_probe_set_free(&set);
		}
		ps_store_close(st);
	}
}

/* The default options for a scan of target at the tests' one time. */
static ps_scan_options options_at(const char *target)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	o.scan_time_ms = 1743600000000;
	return o;
}

/* r[0..n) written as a scan of target (rows_per_rg: 0 for the
 * default), its file opened with libparq alone. */
static parq_reader *write_and_open(ps_store *st, const char *target, const ps_probe_result *r, size_t n,
                                   int64_t rows_per_rg)
{
	ps_scan_options o = options_at(target);
	o.rows_per_row_group = rows_per_rg;
	ps_scan_result res;
	CHECK_OK(ps_scan_write(st, &o, r, n, &res));
	parq_reader *rd;
	REQUIRE(ps_storage_open_reader(st, res.path, NULL, NULL, &rd) == 0);
	return rd;
}

/* A favicon or body hash no row group has is ruled out by the bloom
 * filters: no page of the file is read. */
static void test_hash_bloom(void)
{
	ps_store *st = open_v2("bloom");
	enum { N = 6000 };
	char (*url)[48], (*hash)[72] = calloc(N, sizeof *hash);
	ps_probe_result *r = url_records(N, "https://b.example.com/", &url);
	REQUIRE(hash);
	for (int i = 0; i < N; i++) {
		snprintf(hash[i], sizeof hash[i], "%064x", i * 2654435761u);
		r[i].status_code = 200;
		r[i].body_sha256 = hash[i];
		r[i].favicon_mmh3 = (int32_t)(i * 7919 + 1);
		r[i].jarm = hash[i];
	}
	parq_reader *rd = write_and_open(st, "b.example.com", r, N, 2000);
	struct {
		const char *col;
		parq_scalar v;
		int64_t want;
	} t[] = {
		{"favicon_mmh3", parq_scalar_int(-77), 0},
		{"favicon_mmh3", parq_scalar_int(4321 * 7919 + 1), 1},
		{"body_sha256", parq_scalar_bytes("ffff", 4), 0},
		{"body_sha256", parq_scalar_bytes(hash[17], 64), 1},
		{"jarm", parq_scalar_bytes(hash[5999], 64), 1},
	};
	for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
		parq_pred *p;
		REQUIRE(parq_pred_compare(&p, t[k].col, PARQ_OP_EQ, &t[k].v) == 0);
		parq_scan *sc;
		REQUIRE(parq_scan_open(&sc, rd, p, NULL, 0) == 0);
		int64_t n = -1;
		CHECK_OK(parq_scan_count(sc, &n));
		CHECK_EQ_INT(n, t[k].want);
		parq_scan_stats ss;
		parq_scan_get_stats(sc, &ss);
		CHECK_EQ_INT(ss.row_groups, 3);
		/* the random values defeat min/max: the bloom filters prune */
		CHECK_EQ_INT(ss.row_groups_skipped, t[k].want ? 2 : 3);
		parq_scan_close(sc);
		parq_pred_free(p);
	}
	parq_reader_close(rd);
	free(r);
	free(url);
	free(hash);
	ps_store_close(st);
}
/* No dictionary on the columns whose values do not repeat (each URL once
 * per scan; the response headers, which carry the Date header), even
 * where the values happen to repeat; the others keep theirs. */
static void test_distinct_columns_plain(void)
{
	ps_store *st = open_v2("plain");
	enum { N = 3000 };
	char (*url)[48];
	ps_probe_result *r = url_records(N, "https://p.example.com/", &url);
	const ps_header hdr[] = {{"server", "nginx"}, {"date", "Tue, 25 Nov 2025 09:17:57 GMT"}};
	for (int i = 0; i < N; i++) {
		r[i].status_code = i % 3 ? 200 : 404;
		r[i].headers = hdr;
		r[i].n_headers = 2;
		r[i].method = "GET";
	}
	parq_reader *rd = write_and_open(st, "p.example.com", r, N, 0);
	const parq_file_meta *fm = parq_reader_metadata(rd);
	REQUIRE(fm->n_row_groups == 1);
	const parq_meta_chunk *cols = fm->row_groups[0].columns;
	struct {
		int col;
		bool dict;
	} want[] = {{PS_COL_ORIGINAL_URL, false}, {PS_COL_HEADERS_JSON, false}, {PS_COL_STATUS_CODE, true},
	            {PS_COL_METHOD, true}};
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		const parq_meta_column *m = &cols[want[k].col].meta;
		bool dict = m->has_dictionary_page_offset;
		for (uint32_t e = 0; e < m->n_encodings; e++)
			dict |= m->encodings[e] == PARQ_ENC_RLE_DICTIONARY;
		CHECK_EQ_INT(dict, want[k].dict);
	}
	parq_reader_close(rd);
	/* the values read back */
	ps_probe_set set = {0};
	CHECK_OK(ps_store_latest_results(st, "p.example.com", &set));
	CHECK_EQ_INT(set.n, N);
	for (size_t i = 0; i < set.n && i < N; i++) {
		CHECK(set.items[i].input_url && strcmp(set.items[i].input_url, url[i]) == 0);
		CHECK_EQ_INT(set.items[i].status_code, r[i].status_code);
		CHECK_EQ_INT(set.items[i].n_headers, 2);
		for (size_t h = 0; h < set.items[i].n_headers && h < 2; h++) {
			/* kept in name order */
			CHECK(strcmp(set.items[i].headers[h].name, hdr[1 - h].name) == 0);
			CHECK(strcmp(set.items[i].headers[h].value, hdr[1 - h].value) == 0);
		}
	}
	ps_probe_set_free(&set);
	free(r);
	free(url);
	ps_store_close(st);
}

/* Options that write scans of target at one time, each skipped when it
 * is stored already. */
static ps_scan_options rerun_options(const char *target)
{
	ps_scan_options o = options_at(target);
	o.skip_stored = true;
	return o;
}

/* Writes r[0..n) with o into *res, which must be stored already or not
 * as stored says and, when first is given, under first's path (stored)
 * or another (not). */
static void write_rerun(ps_store *st, const ps_scan_options *o, const ps_probe_result *r, size_t n, bool stored,
                        const ps_scan_result *first, ps_scan_result *res)
{
	CHECK_OK(ps_scan_write(st, o, r, n, res));
	CHECK_EQ_INT(res->already_stored, stored);
	if (first)
		CHECK_EQ_INT(strcmp(res->path, first->path) == 0, stored);
}

/* A rerun is told by the records: written again with skip_stored, the
 * same records at the same time are the scan stored already, whatever
 * order their headers came in (the stored values are the same); a
 * version 2 field alone that differs makes a scan of its own. */
static void test_stored_by_content(void)
{
	ps_store *st = open_v2("rerun");
	const char *tech[] = {"nginx"}, *ips[] = {"192.0.2.1"};
	ps_header hdr[] = {{"server", "nginx"}, {"x-frame-options", "DENY"}};
	ps_probe_result r[2];
	memset(r, 0, sizeof r);
	r[0].input_url = "https://a.example.com/";
	r[0].title = "A";
	r[0].status_code = 200;
	r[0].content_length = 1234;
	r[0].technologies = tech;
	r[0].n_technologies = 1;
	r[0].ips = ips;
	r[0].n_ips = 1;
	r[0].headers = hdr;
	r[0].n_headers = 2;
	r[1].input_url = "https://a.example.com/x";
	r[1].status_code = 404;
	ps_scan_options o = rerun_options("a.example.com");
	ps_scan_result a, b, c, d, e;
	write_rerun(st, &o, r, 2, false, NULL, &a);
	write_rerun(st, &o, r, 2, true, &a, &b);
	ps_header swapped[] = {hdr[1], hdr[0]};
	r[0].headers = swapped;
	write_rerun(st, &o, r, 2, true, &a, &c);
	r[1].jarm = "29d29d00029d29d00041d41d0000005ae";
	write_rerun(st, &o, r, 2, false, &a, &d);
	/* the second scan of that time is the one found */
	write_rerun(st, &o, r, 2, true, &d, &e);
	ps_scan_info *scans;
	size_t n;
	CHECK_OK(ps_store_list_scans(st, "a.example.com", &scans, &n));
	CHECK_EQ_INT(n, 2);
	free(scans);
	ps_store_close(st);
}

/* The same records cut into other row groups (a rerun's writer flushes
 * as memory asks) are the same scan; one value changed in the last row
 * is not. */
static void test_stored_other_layout(void)
{
	ps_store *st = open_v2("rerun_layout");
	enum { N = 5000 };
	char (*url)[48];
	ps_probe_result *r = url_records(N, "https://l.example.com/p", &url);
	const char *tech[] = {"nginx", "PHP:8.2"};
	for (int i = 0; i < N; i++) {
		r[i].status_code = 200 + i % 3;
		r[i].technologies = tech;
		r[i].n_technologies = (size_t)(i % 3);
		r[i].title = i % 5 ? "page" : NULL;
	}
	ps_scan_options o = rerun_options("l.example.com");
	o.rows_per_row_group = 1000;
	ps_scan_result a, b, c;
	write_rerun(st, &o, r, N, false, NULL, &a);
	o.rows_per_row_group = 3001;
	write_rerun(st, &o, r, N, true, &a, &b);
	r[N - 1].status_code = 503;
	write_rerun(st, &o, r, N, false, &a, &c);
	free(r);
	free(url);
	ps_store_close(st);
}

/* A file of the 17 probe columns whose two lists name their element
 * elem (NULL: "element", as probestore writes them; "item", as some
 * writers do), n rows; changed: one title differs. Columns in file
 * order, as ps_probe_schema_check wants them. */
static void write_probe_like(const char *path, const char *elem, int n, bool changed)
{
	static const char *const names[17] = {"original_url", "final_url", "status_code", "content_length",
	                                      "content_type", "title", "web_server", "technologies", "ip_address",
	                                      "root_target_url", "probe_error", "method", "headers_json",
	                                      "diff_status", "scan_timestamp", "first_seen_timestamp",
	                                      "last_seen_timestamp"};
	parq_schema *sc;
	REQUIRE(parq_schema_new(&sc) == 0);
	parq_logical str = parq_lt_string(), lst = {0};
	lst.kind = PARQ_LT_LIST;
	for (int c = 0; c < 17; c++) {
		if (c == 7 || c == 8) {
			parq_node *g, *r;
			if (!elem) {
				REQUIRE(parq_schema_add_list(sc, NULL, names[c], PARQ_REQUIRED, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &str,
				                             0, NULL) == 0);
				continue;
			}
			REQUIRE(parq_schema_add_group(sc, NULL, names[c], PARQ_REQUIRED, &lst, &g) == 0);
			REQUIRE(parq_schema_add_group(sc, g, "list", PARQ_REPEATED, NULL, &r) == 0);
			REQUIRE(parq_schema_add_leaf(sc, r, elem, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &str, 0, NULL) == 0);
			continue;
		}
		parq_type t = c == 2 ? PARQ_INT32 : c == 3 || c >= 14 ? PARQ_INT64 : PARQ_BYTE_ARRAY;
		REQUIRE(parq_schema_add_leaf(sc, NULL, names[c], t, c == 0 || c == 14 ? PARQ_REQUIRED : PARQ_OPTIONAL,
		                             t == PARQ_BYTE_ARRAY ? &str : NULL, 0, NULL) == 0);
	}
	REQUIRE(parq_schema_finish(sc) == 0);
	parq_writer_options wo;
	parq_writer_options_default(&wo);
	parq_writer *w;
	REQUIRE(parq_writer_open(&w, path, sc, &wo) == 0);
	enum { MAXN = 64 };
	REQUIRE(n <= MAXN);
	char url[MAXN][32];
	parq_bytes ub[MAXN], title[MAXN], tech[2 * MAXN];
	int16_t def1[MAXN], tdef[2 * MAXN], trep[2 * MAXN], idef[MAXN], irep[MAXN];
	int32_t status[MAXN];
	int64_t ts[MAXN];
	int nt = 0, nv = 0; /* levels, and the values packed */
	for (int i = 0; i < n; i++) {
		snprintf(url[i], sizeof url[i], "https://e.example.com/%d", i);
		ub[i] = (parq_bytes){(const uint8_t *)url[i], (uint32_t)strlen(url[i])};
		const char *t = changed && i == n - 1 ? "other" : "page";
		title[i] = (parq_bytes){(const uint8_t *)t, (uint32_t)strlen(t)};
		def1[i] = 1;
		status[i] = 200 + i % 2;
		ts[i] = 1743600000000;
		/* technologies: none for even rows, two for odd ones */
		if (i % 2) {
			tech[nv++] = (parq_bytes){(const uint8_t *)"nginx", 5};
			tdef[nt] = 1;
			trep[nt++] = 0;
			tech[nv++] = (parq_bytes){(const uint8_t *)"PHP", 3};
			tdef[nt] = 1;
			trep[nt++] = 1;
		} else {
			tdef[nt] = 0;
			trep[nt++] = 0;
		}
		idef[i] = 0;
		irep[i] = 0;
	}
	int16_t none[MAXN] = {0};
	parq_column_batch cols[17];
	memset(cols, 0, sizeof cols);
	for (int c = 0; c < 17; c++) {
		cols[c].num_rows = n;
		cols[c].num_levels = n;
		cols[c].def_levels = none; /* absent */
	}
	cols[0] = (parq_column_batch){n, n, n, NULL, NULL, NULL, ub};
	cols[2] = (parq_column_batch){n, n, n, def1, NULL, status, NULL};
	cols[5] = (parq_column_batch){n, n, n, def1, NULL, NULL, title};
	cols[7] = (parq_column_batch){n, nt, nv, tdef, trep, NULL, tech};
	cols[8] = (parq_column_batch){n, n, 0, idef, irep, NULL, NULL};
	cols[14] = (parq_column_batch){n, n, n, NULL, NULL, ts, NULL};
	REQUIRE(parq_writer_write(w, cols, n) == 0);
	REQUIRE(parq_writer_close(w, NULL) == 0);
	parq_schema_free(sc);
}

/* Files whose columns are laid out otherwise (a list's element named
 * "item") are compared row by row: the same records are the same; a
 * title changed is not. */
static void test_same_records_other_leaves(void)
{
	char a[700], b[700], c[700];
	snprintf(a, sizeof a, "%s/same_a.parquet", base);
	snprintf(b, sizeof b, "%s/same_b.parquet", base);
	snprintf(c, sizeof c, "%s/same_c.parquet", base);
	write_probe_like(a, NULL, 40, false);
	write_probe_like(b, "item", 40, false);
	write_probe_like(c, "item", 40, true);
	bool same = false;
	CHECK_OK(ps_scan_same_records(NULL, a, a, false, &same));
	CHECK(same);
	same = false;
	CHECK_OK(ps_scan_same_records(NULL, a, b, false, &same));
	CHECK(same);
	CHECK_OK(ps_scan_same_records(NULL, a, c, false, &same));
	CHECK(!same);
	CHECK_OK(ps_scan_same_records(NULL, b, c, false, &same));
	CHECK(!same);
}

/* a then b, one result each, as scans of h.example.com a minute apart */
static void write_pair(ps_store *st, const ps_probe_result *a, const ps_probe_result *b, ps_scan_result *ra,
                       ps_scan_result *rb)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "h.example.com";
	o.scan_time_ms = 1743600000000;
	CHECK_OK(ps_scan_write(st, &o, a, 1, ra));
	o.scan_time_ms = 1743600060000;
	CHECK_OK(ps_scan_write(st, &o, b, 1, rb));
}


/* Each field's change alone, identical rows, the threshold and the
 * configured fields. */
static void test_changes_each_field(void)
{
	static rgen g;
	uint64_t seed = 7;
	rand_results(&g, &seed, 1, 1);
	ps_probe_result base_r = g.r[0];
	const char *tech1[] = {"Nginx"}, *tech2[] = {"Nginx", "PHP"}, *ip2[] = {"192.0.2.9"}, *san2[] = {"c.example.com"};
	base_r.technologies = tech1;
	base_r.n_technologies = 1;
	base_r.content_length = 1000;
	base_r.tls_subject_cn = "a.example.com";
	static const char *const cases[] = {
		"status_code", "final_url", "title", "technologies", "web_server",
		"location", "content_length", "body_sha256", "tls", "ip_address",
	};
	for (size_t c = 0; c <= sizeof cases / sizeof *cases; c++) {
		ps_probe_result a = base_r, b = base_r;
		const char *want = c < sizeof cases / sizeof *cases ? cases[c] : NULL; /* last: identical */
		if (want && !strcmp(want, "status_code")) b.status_code = a.status_code == 200 ? 503 : 200;
		if (want && !strcmp(want, "title")) b.title = "Changed title";
		if (want && !strcmp(want, "technologies")) { b.technologies = tech2; b.n_technologies = 2; }
		if (want && !strcmp(want, "web_server")) b.web_server = "caddy";
		if (want && !strcmp(want, "final_url")) b.final_url = "https://h.example.com/elsewhere";
		if (want && !strcmp(want, "location")) b.location = "https://h.example.com/moved";
		if (want && !strcmp(want, "content_length")) b.content_length = 1200;
		if (want && !strcmp(want, "body_sha256")) b.body_sha256 = "cccc";
		if (want && !strcmp(want, "tls")) { b.tls_subject_an = san2; b.n_tls_subject_an = 1; }
		if (want && !strcmp(want, "ip_address")) { b.ips = ip2; b.n_ips = 1; }
		char dir[700];
		snprintf(dir, sizeof dir, "%s/each%zu", sbase, c);
		ps_store *st = open_store_v(dir, 2, NULL, 10);
		ps_scan_result ra, rb;
		write_pair(st, &a, &b, &ra, &rb);
		ps_url_diff d;
		CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, NULL, &d));
		CHECK_EQ_INT(d.n_existing, 1);
		CHECK_EQ_INT(d.n_changed, want ? 1 : 0);
		if (want && d.n_changed == 1) {
			CHECK_EQ_INT(d.changed[0].n_fields, 1);
			CHECK_STR(d.changed[0].fields[0].field, want);
		}
		if (want && !strcmp(want, "technologies") && d.n_changed == 1) {
			CHECK_STR(d.changed[0].fields[0].added, "PHP");
			CHECK_STR(d.changed[0].fields[0].removed, NULL);
			CHECK_STR(d.changed[0].fields[0].old_value, "Nginx");
			CHECK_STR(d.changed[0].fields[0].new_value, "Nginx, PHP");
		}
		if (want && !strcmp(want, "status_code") && d.n_changed == 1) {
			char ov[16];
			snprintf(ov, sizeof ov, "%d", (int)a.status_code);
			CHECK_STR(d.changed[0].fields[0].old_value, ov);
		}
		ps_url_diff_free(&d);
		CHECK_EQ_INT(rb.n_changed, want ? 1 : 0);
		/* the field left out of the configuration: no change */
		if (want) {
			ps_change_options co;
			ps_change_options_default(&co);
			co.fields = !strcmp(want, "title") ? "status_code" : "title";
			CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, &co, &d));
			CHECK_EQ_INT(d.n_changed, 0);
			ps_url_diff_free(&d);
			co.fields = want;
			CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, &co, &d));
			CHECK_EQ_INT(d.n_changed, 1);
			ps_url_diff_free(&d);
		}
		ps_store_close(st);
	}
	/* the threshold: 1000 -> 1050 is 5 % */
	ps_change_options co;
	ps_change_options_default(&co);
	ps_probe_result a = base_r, b = base_r;
	b.content_length = 1050;
	char dir[700];
	snprintf(dir, sizeof dir, "%s/threshold", sbase);
	ps_store *st = open_store_v(dir, 2, NULL, 4);
	ps_scan_result ra, rb;
	write_pair(st, &a, &b, &ra, &rb);
	CHECK_EQ_INT(rb.n_changed, 1); /* the store's 4 % */
	ps_url_diff d;
	CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, &co, &d)); /* 10 % */
	CHECK_EQ_INT(d.n_changed, 0);
	ps_url_diff_free(&d);
	co.length_ratio = 0.04;
	CHECK_OK(ps_store_scan_diff(st, ra.path, rb.path, &co, &d));
	CHECK_EQ_INT(d.n_changed, 1);
	ps_url_diff_free(&d);
	CHECK_OK(ps_store_diff_latest(st, "h.example.com", &d));
	CHECK_EQ_INT(d.n_changed, 1);
	ps_url_diff_free(&d);
	co.fields = "status_code,nonsense";
	CHECK_EQ_INT(ps_store_scan_diff(st, ra.path, rb.path, &co, &d), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "nonsense") != NULL);
	ps_store_close(st);
}

/* probestore's own JSON Lines carry every version 2 field back. */
static void test_jsonl_fields(void)
{
	const char *line =
		"{\"original_url\":\"https://x.example.com/\",\"location\":\"https://x.example.com/a\","
		"\"chain_status_codes\":[301,200],\"host_ip\":\"192.0.2.7\",\"port\":8443,\"scheme\":\"https\",\"path\":\"/\","
		"\"words\":5,\"lines\":2,\"response_time_ms\":12.5,\"cdn_name\":\"akamai\",\"cdn_type\":\"cdn\","
		"\"favicon_mmh3\":-42,\"favicon_url\":\"https://x.example.com/f.ico\",\"body_sha256\":\"ab\","
		"\"header_sha256\":\"cd\",\"jarm\":\"jj\",\"cname\":[\"c.example.net\"],\"asn_number\":64500,"
		"\"asn_name\":\"EX\",\"tls_subject_cn\":\"x.example.com\",\"tls_subject_an\":[\"x.example.com\"],"
		"\"tls_issuer_cn\":\"CA\",\"tls_not_after\":\"2026-01-15T23:59:59.000Z\",\"http2\":true,\"websocket\":null,"
		"\"changed_fields\":[\"title\"]}";
	ps_arena a = {0};
	ps_rec r;
	char err[256] = "";
	ps_rec_format f = 0;
	CHECK_EQ_INT(ps_rec_from_line(line, strlen(line), &f, NULL, &a, &r, err, sizeof err), 0);
	CHECK_EQ_INT(f, PS_REC_JSONL);
	const ps_probe_result *p = &r.r;
	CHECK_STR(p->location, "https://x.example.com/a");
	CHECK_EQ_INT(p->n_chain_status_codes, 2);
	CHECK_STR(p->host_ip, "192.0.2.7");
	CHECK_EQ_INT(p->port, 8443);
	CHECK_EQ_INT(p->words, 5);
	CHECK(fabs(p->response_time_ms - 12.5) < 1e-12);
	CHECK_EQ_INT(p->favicon_mmh3, -42);
	CHECK_STR(p->jarm, "jj");
	CHECK_EQ_INT(p->n_cnames, 1);
	CHECK_EQ_INT(p->asn_number, 64500);
	CHECK_EQ_INT(p->tls_not_after_ms, 1768521599000);
	CHECK(p->http2 && !p->websocket);
	CHECK_EQ_INT(p->n_changed_fields, 1);
	/* a wrong type names the field */
	const char *bad = "{\"original_url\":\"https://x.example.com/\",\"port\":\"eighty\"}";
	f = 0;
	CHECK_EQ_INT(ps_rec_from_line(bad, strlen(bad), &f, NULL, &a, &r, err, sizeof err), -1);
	CHECK(strstr(err, "port") != NULL);
	ps_arena_free(&a);
}

int main(void)
{
	test_backend_init("test_schema_v2");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	test_fields_in_columns();
	test_jsonl_fields();
	test_changes_each_field();
	test_changes_random();
	test_hash_bloom();
	test_distinct_columns_plain();
	test_stored_by_content();
	test_stored_other_layout();
	test_same_records_other_leaves();
	rm_rf(base);
	return test_report("test_schema_v2");
}
