/*
 * gen_probe: writes probe results (the store's 17-column schema) with libparq's
 * public API only, and optionally the JSON Lines that `probestore cat` must
 * print for the file, straight from the generated data (so the expectation
 * does not depend on our reader).
 *
 *   gen_probe OUT.parquet --rows N --codec zstd|snappy|gzip|none
 *             --row-group-rows R [--page-version 1|2] [--seed S]
 *             [--batch-rows B] [--expect OUT.jsonl]
 *
 * Data is deterministic for a seed (splitmix64) and does not depend on the
 * batch size; batches (default 7919 rows) cross page and row-group boundaries.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parq/parq.h"

/* ---- helpers ------------------------------------------------------------ */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen_probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != 0)
		die("%s: %s (%s)", what, parq_strerror(rc), parq_errmsg());
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint64_t rnd(uint64_t n)
{
	return n ? splitmix64() % n : 0;
}

/* true with probability pct/1000 */
static int chance(unsigned permille)
{
	return rnd(1000) < permille;
}

#define PICK(arr) (arr[rnd(sizeof(arr) / sizeof(arr[0]))])

/* ---- string arena ------------------------------------------------------- */

/* Strings of one batch live in one growing buffer; rows keep offsets, and
 * parq_bytes views are made once the batch is complete. */
typedef struct {
	char *buf;
	size_t len, cap;
} arena;

typedef struct {
	size_t off;
	uint32_t len;
	int present;
} sref;

static void arena_reserve(arena *a, size_t more)
{
	if (a->len + more <= a->cap)
		return;
	size_t cap = a->cap ? a->cap : 1 << 16;
	while (cap < a->len + more)
		cap *= 2;
	a->buf = xrealloc(a->buf, cap);
	a->cap = cap;
}

static sref s_null(void)
{
	sref r = {0, 0, 0};
	return r;
}

static sref s_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	arena_reserve(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(a->buf + a->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sref r = {a->len, (uint32_t)n, 1};
	a->len += (size_t)n; /* the NUL is overwritten by the next string */
	return r;
}

static sref s_copy(arena *a, const char *s)
{
	size_t n = strlen(s);
	arena_reserve(a, n);
	memcpy(a->buf + a->len, s, n);
	sref r = {a->len, (uint32_t)n, 1};
	a->len += n;
	return r;
}

/* ---- the data ------------------------------------------------------------ */

enum {
	C_ORIGINAL_URL,
	C_FINAL_URL,
	C_STATUS_CODE,
	C_CONTENT_LENGTH,
	C_CONTENT_TYPE,
	C_TITLE,
	C_WEB_SERVER,
	C_TECHNOLOGIES,
	C_IP_ADDRESS,
	C_ROOT_TARGET_URL,
	C_PROBE_ERROR,
	C_METHOD,
	C_HEADERS_JSON,
	C_DIFF_STATUS,
	C_SCAN_TIMESTAMP,
	C_FIRST_SEEN,
	C_LAST_SEEN,
	NCOLS
};

static const char *const COLNAME[NCOLS] = {
	"original_url", "final_url", "status_code", "content_length", "content_type",
	"title", "web_server", "technologies", "ip_address", "root_target_url",
	"probe_error", "method", "headers_json", "diff_status", "scan_timestamp",
	"first_seen_timestamp", "last_seen_timestamp",
};

#define MAX_LIST 8

typedef struct {
	sref s[NCOLS];          /* string columns */
	int has_status, has_length, has_first, has_last;
	int32_t status;
	int64_t length, scan_ts, first_ts, last_ts;
	int n_tech, n_ip;
	sref tech[MAX_LIST], ip[MAX_LIST];
} row;

static const char *const HOST_WORDS[] = {
	"api", "www", "dev", "staging", "admin", "mail", "vpn", "cdn", "auth", "portal",
	"shop", "static", "git", "jira", "grafana", "s3", "internal", "beta",
};
static const char *const DOMAINS[] = {
	"example.com", "example.org", "corp.example.net", "test.io", "acme-corp.com",
	"xn--mnchen-3ya.example", "bank.example.co.uk",
};
static const char *const PATHS[] = {
	"", "login", "api/v1/users", "admin/", "index.php", "wp-login.php", ".git/config",
	"static/js/app.3f9a1c.js", "search", "a%20b/c", "graphql", "health",
};
static const char *const QUERIES[] = {
	"", "", "", "?id=1", "?q=test&page=2", "?redirect=%2Fhome", "?x=%22quoted%22",
};
static const char *const CONTENT_TYPES[] = {
	"text/html; charset=utf-8", "text/html", "application/json", "text/plain; charset=UTF-8",
	"application/javascript", "image/png", "application/xml", "text/css",
};
static const char *const TITLES[] = {
	"Welcome to nginx!", "401 Authorization Required", "Login", "Dashboard",
	"Index of /", "404 Not Found", "IIS Windows Server", "Grafana",
	"Willkommen \xe2\x80\x93 \xc3\x9c" "bersicht",               /* Willkommen – Übersicht */
	"\xe7\xae\xa1\xe7\x90\x86\xe7\x94\xbb\xe9\x9d\xa2",          /* 管理画面 */
	"\xd0\x92\xd1\x85\xd0\xbe\xd0\xb4",                          /* Вход */
	"\xf0\x9f\x9a\x80 Launch",                                    /* rocket */
	"Say \"hello\"", "C:\\inetpub\\wwwroot", "tab\there", "ctl\x01\x1f" "chars",
	"line\r\nbreak", "del\x7f" "char", "\xe2\x80\xa8" "sep", "",
	"<script>alert('x')</script>",
};
static const char *const SERVERS[] = {
	"nginx", "nginx/1.18.0 (Ubuntu)", "Apache", "Apache/2.4.41 (Ubuntu)", "cloudflare",
	"Microsoft-IIS/10.0", "AmazonS3", "envoy", "gws", "openresty",
};
static const char *const TECH[] = {
	"Nginx", "Apache", "PHP", "WordPress", "jQuery", "React", "Cloudflare", "Amazon S3",
	"Bootstrap", "Google Analytics", "HSTS", "Vue.js", "Envoy", "Next.js", "Node.js",
	"Express", "IIS", "ASP.NET", "Java", "Grafana",
};
static const char *const ERRORS[] = {
	"context deadline exceeded", "dial tcp: connection refused", "no such host",
	"tls: handshake failure", "EOF", "read: connection reset by peer",
};
static const char *const METHODS[] = {"GET", "GET", "GET", "HEAD", "POST"};
static const char *const DIFF[] = {"new", "existing", "existing", "existing", "old"};
static const int32_t STATUSES[] = {200, 200, 200, 200, 301, 302, 401, 403, 404, 404, 500, 502, 503};

/* Per-column null runs: a run starts with some probability and lasts 1..max rows. */
static int null_run[NCOLS];

static int null_here(int col, unsigned permille, int max_len)
{
	if (null_run[col] > 0) {
		null_run[col]--;
		return 1;
	}
	if (chance(permille)) {
		null_run[col] = (int)rnd((uint64_t)max_len);
		return 1;
	}
	return 0;
}

static void gen_row(row *r, int64_t i, arena *a)
{
	memset(r, 0, sizeof *r);
	uint64_t h = rnd(3000);
	const char *scheme = chance(850) ? "https" : "http";
	const char *dom = PICK(DOMAINS);
	char host[128];
	const char *word = HOST_WORDS[h % (sizeof HOST_WORDS / sizeof HOST_WORDS[0])];
	snprintf(host, sizeof host, "%s%s%" PRIu64 ".%s", word, h % 3 ? "-" : "", h, dom);
	char port[16] = "";
	if (chance(80))
		snprintf(port, sizeof port, ":%d", (int)(PICK(((int[]){8080, 8443, 3000, 9000}))));
	const char *path = PICK(PATHS);
	const char *query = PICK(QUERIES);

	r->s[C_ORIGINAL_URL] = s_printf(a, "%s://%s%s/%s%s", scheme, host, port, path, query);
	r->s[C_ROOT_TARGET_URL] = null_here(C_ROOT_TARGET_URL, 15, 3) ? s_null()
		: s_printf(a, "%s://%s%s", scheme, host, port);
	r->s[C_METHOD] = null_here(C_METHOD, 10, 2) ? s_null() : s_copy(a, PICK(METHODS));
	r->s[C_DIFF_STATUS] = null_here(C_DIFF_STATUS, 20, 5) ? s_null() : s_copy(a, PICK(DIFF));
	r->scan_ts = 1700000000000LL + i * 13 + (int64_t)rnd(13);
	r->has_first = !null_here(C_FIRST_SEEN, 60, 20);
	r->first_ts = r->has_first ? 1690000000000LL + (int64_t)rnd(10000000000ULL) : 0;
	r->has_last = r->has_first && !null_here(C_LAST_SEEN, 30, 4);
	r->last_ts = r->has_last ? r->first_ts + (int64_t)rnd(100000000ULL) : 0;

	/* failed probes: ~5% scattered, plus a long outage of 700 rows every 40000 */
	int failed = chance(50) || (i % 40000 >= 23000 && i % 40000 < 23700);
	if (failed) {
		r->s[C_PROBE_ERROR] = s_copy(a, PICK(ERRORS));
		r->s[C_FINAL_URL] = r->s[C_CONTENT_TYPE] = r->s[C_TITLE] = s_null();
		r->s[C_WEB_SERVER] = r->s[C_HEADERS_JSON] = s_null();
		/* sometimes the host resolved before the connection failed */
		if (chance(300)) {
			r->n_ip = 1;
			int b1 = (int)rnd(256), b2 = (int)rnd(256), b3 = 1 + (int)rnd(254);
			r->ip[0] = s_printf(a, "10.%d.%d.%d", b1, b2, b3);
		}
		return;
	}
	r->s[C_PROBE_ERROR] = s_null();
	r->s[C_FINAL_URL] = chance(200)
		? s_printf(a, "https://%s/%s", host, chance(500) ? "login?next=%2F" : "")
		: s_printf(a, "%s://%s%s/%s%s", scheme, host, port, path, query);
	r->has_status = !null_here(C_STATUS_CODE, 5, 2);
	r->status = PICK(STATUSES);
	r->has_length = !null_here(C_CONTENT_LENGTH, 30, 6);
	r->length = chance(10) ? (int64_t)rnd(1ULL << 40) : (int64_t)rnd(2000000);
	r->s[C_CONTENT_TYPE] = null_here(C_CONTENT_TYPE, 40, 4) ? s_null() : s_copy(a, PICK(CONTENT_TYPES));
	if (null_here(C_TITLE, 100, 12)) {
		r->s[C_TITLE] = s_null();
	} else if (chance(15)) {
		/* a long title */
		size_t start = a->len;
		int reps = 20 + (int)rnd(60);
		for (int k = 0; k < reps; k++)
			s_printf(a, "%s %d | ", TITLES[(size_t)(k + i) % (sizeof TITLES / sizeof TITLES[0])], k);
		r->s[C_TITLE].off = start;
		r->s[C_TITLE].len = (uint32_t)(a->len - start);
		r->s[C_TITLE].present = 1;
	} else {
		r->s[C_TITLE] = chance(300) ? s_printf(a, "%s %" PRId64, PICK(TITLES), i)
			: s_copy(a, PICK(TITLES));
	}
	r->s[C_WEB_SERVER] = null_here(C_WEB_SERVER, 80, 30) ? s_null() : s_copy(a, PICK(SERVERS));
	r->n_tech = chance(200) ? 0 : 1 + (int)rnd(6);
	for (int k = 0; k < r->n_tech; k++)
		r->tech[k] = s_copy(a, PICK(TECH));
	r->n_ip = chance(30) ? 0 : 1 + (int)rnd(3);
	for (int k = 0; k < r->n_ip; k++) {
		/* (random numbers drawn in statement order: argument order is unspecified) */
		if (chance(150)) {
			unsigned h1 = (unsigned)rnd(65536), h2 = (unsigned)rnd(65536);
			r->ip[k] = s_printf(a, "2001:db8:%x::%x", h1, h2);
		} else {
			int b1 = 1 + (int)rnd(223), b2 = (int)rnd(256), b3 = (int)rnd(256), b4 = 1 + (int)rnd(254);
			r->ip[k] = s_printf(a, "%d.%d.%d.%d", b1, b2, b3, b4);
		}
	}
	if (null_here(C_HEADERS_JSON, 40, 3)) {
		r->s[C_HEADERS_JSON] = s_null();
	} else {
		/* JSON text; now and then with escapes inside */
		int noted = chance(100);
		const char *server = PICK(SERVERS);
		uint64_t id = rnd(1ULL << 32);
		r->s[C_HEADERS_JSON] = noted
			? s_printf(a, "{\"server\":\"%s\",\"set-cookie\":\"sid=%" PRIu64
				   "; Path=/\",\"x-note\":\"a \\\"quoted\\\" \\\\ value\"}", server, id)
			: s_printf(a, "{\"server\":\"%s\",\"x-request-id\":\"%08" PRIx64 "\"}", server, id);
	}
}

/* ---- expected JSON Lines -------------------------------------------------- */

static void json_str(FILE *f, const char *p, uint32_t n)
{
	fputc('"', f);
	for (uint32_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p[k];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void json_sref(FILE *f, const arena *a, sref s)
{
	if (!s.present)
		fputs("null", f);
	else
		json_str(f, a->buf + s.off, s.len);
}

static void json_list(FILE *f, const arena *a, const sref *v, int n)
{
	fputc('[', f);
	for (int k = 0; k < n; k++) {
		if (k)
			fputc(',', f);
		json_sref(f, a, v[k]);
	}
	fputc(']', f);
}

static void write_expect(FILE *f, const row *r, const arena *a)
{
	for (int c = 0; c < NCOLS; c++) {
		fprintf(f, "%s\"%s\":", c ? "," : "{", COLNAME[c]);
		switch (c) {
		case C_STATUS_CODE:
			if (r->has_status) fprintf(f, "%" PRId32, r->status); else fputs("null", f);
			break;
		case C_CONTENT_LENGTH:
			if (r->has_length) fprintf(f, "%" PRId64, r->length); else fputs("null", f);
			break;
		case C_SCAN_TIMESTAMP:
			fprintf(f, "%" PRId64, r->scan_ts);
			break;
		case C_FIRST_SEEN:
			if (r->has_first) fprintf(f, "%" PRId64, r->first_ts); else fputs("null", f);
			break;
		case C_LAST_SEEN:
			if (r->has_last) fprintf(f, "%" PRId64, r->last_ts); else fputs("null", f);
			break;
		case C_TECHNOLOGIES:
			json_list(f, a, r->tech, r->n_tech);
			break;
		case C_IP_ADDRESS:
			json_list(f, a, r->ip, r->n_ip);
			break;
		default:
			json_sref(f, a, r->s[c]);
		}
	}
	fputs("}\n", f);
}

/* ---- column batches -------------------------------------------------------- */

typedef struct {
	int16_t *def, *rep;
	parq_bytes *bytes;
	int32_t *i32;
	int64_t *i64;
} colbuf;

static void build_string(parq_column_batch *b, colbuf *cb, const row *rows, int64_t n,
			 int col, int optional, const arena *a)
{
	int64_t nv = 0;
	for (int64_t k = 0; k < n; k++) {
		sref s = rows[k].s[col];
		if (optional)
			cb->def[k] = (int16_t)(s.present ? 1 : 0);
		else if (!s.present)
			die("required column %s has no value", COLNAME[col]);
		if (s.present) {
			cb->bytes[nv].ptr = (const uint8_t *)a->buf + s.off;
			cb->bytes[nv].len = s.len;
			nv++;
		}
	}
	b->num_rows = n;
	b->num_levels = n;
	b->num_values = nv;
	b->def_levels = optional ? cb->def : NULL;
	b->rep_levels = NULL;
	b->values = NULL;
	b->bytes = cb->bytes;
}

/* REQUIRED list of REQUIRED strings: max_def 1, max_rep 1. */
static void build_list(parq_column_batch *b, colbuf *cb, const row *rows, int64_t n,
		       int col, const arena *a)
{
	int64_t nl = 0, nv = 0;
	for (int64_t k = 0; k < n; k++) {
		const sref *v = col == C_TECHNOLOGIES ? rows[k].tech : rows[k].ip;
		int cnt = col == C_TECHNOLOGIES ? rows[k].n_tech : rows[k].n_ip;
		if (cnt == 0) {
			cb->def[nl] = 0;
			cb->rep[nl] = 0;
			nl++;
			continue;
		}
		for (int e = 0; e < cnt; e++) {
			cb->def[nl] = 1;
			cb->rep[nl] = (int16_t)(e == 0 ? 0 : 1);
			nl++;
			cb->bytes[nv].ptr = (const uint8_t *)a->buf + v[e].off;
			cb->bytes[nv].len = v[e].len;
			nv++;
		}
	}
	b->num_rows = n;
	b->num_levels = nl;
	b->num_values = nv;
	b->def_levels = cb->def;
	b->rep_levels = cb->rep;
	b->values = NULL;
	b->bytes = cb->bytes;
}

static void build_i32(parq_column_batch *b, colbuf *cb, const row *rows, int64_t n)
{
	int64_t nv = 0;
	for (int64_t k = 0; k < n; k++) {
		cb->def[k] = (int16_t)(rows[k].has_status ? 1 : 0);
		if (rows[k].has_status)
			cb->i32[nv++] = rows[k].status;
	}
	b->num_rows = n;
	b->num_levels = n;
	b->num_values = nv;
	b->def_levels = cb->def;
	b->rep_levels = NULL;
	b->values = cb->i32;
	b->bytes = NULL;
}

static void build_i64(parq_column_batch *b, colbuf *cb, const row *rows, int64_t n, int col)
{
	int64_t nv = 0;
	int optional = col != C_SCAN_TIMESTAMP;
	for (int64_t k = 0; k < n; k++) {
		const row *r = &rows[k];
		int has;
		int64_t v;
		switch (col) {
		case C_CONTENT_LENGTH: has = r->has_length; v = r->length; break;
		case C_FIRST_SEEN: has = r->has_first; v = r->first_ts; break;
		case C_LAST_SEEN: has = r->has_last; v = r->last_ts; break;
		default: has = 1; v = r->scan_ts; break;
		}
		if (optional)
			cb->def[k] = (int16_t)(has ? 1 : 0);
		if (has)
			cb->i64[nv++] = v;
	}
	b->num_rows = n;
	b->num_levels = n;
	b->num_values = nv;
	b->def_levels = optional ? cb->def : NULL;
	b->rep_levels = NULL;
	b->values = cb->i64;
	b->bytes = NULL;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: gen_probe OUT.parquet --rows N --codec zstd|snappy|gzip|none --row-group-rows R\n"
	      "                 [--page-version 1|2] [--seed S] [--batch-rows B] [--expect OUT.jsonl]\n"
	      "                 [--bloom FPP] [--crc 1]\n"
	      "--bloom writes bloom filters for original_url, status_code, web_server and\n"
	      "root_target_url with that false-positive rate in thousandths (10 = 1%); --crc 1\n"
	      "writes page CRCs.\n",
	      stderr);
	exit(2);
}

static int64_t parse_i64(const char *s, const char *opt)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < 0)
		die("%s: bad number '%s'", opt, s);
	return (int64_t)v;
}

static parq_schema *probe_schema(void)
{
	parq_schema *s;
	parq_logical str = parq_lt_string(), none = parq_lt_none();
	check(parq_schema_new(&s), "parq_schema_new");
	struct {
		const char *name;
		parq_type type;
		parq_repetition rep;
		int list;
	} cols[NCOLS] = {
		{"original_url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, 0},
		{"final_url", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"status_code", PARQ_INT32, PARQ_OPTIONAL, 0},
		{"content_length", PARQ_INT64, PARQ_OPTIONAL, 0},
		{"content_type", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"title", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"web_server", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"technologies", PARQ_BYTE_ARRAY, PARQ_REQUIRED, 1},
		{"ip_address", PARQ_BYTE_ARRAY, PARQ_REQUIRED, 1},
		{"root_target_url", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"probe_error", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"method", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"headers_json", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"diff_status", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, 0},
		{"scan_timestamp", PARQ_INT64, PARQ_REQUIRED, 0},
		{"first_seen_timestamp", PARQ_INT64, PARQ_OPTIONAL, 0},
		{"last_seen_timestamp", PARQ_INT64, PARQ_OPTIONAL, 0},
	};
	for (int c = 0; c < NCOLS; c++) {
		const parq_logical *lt = cols[c].type == PARQ_BYTE_ARRAY ? &str : &none;
		if (cols[c].list)
			check(parq_schema_add_list(s, NULL, cols[c].name, PARQ_REQUIRED, cols[c].type,
						   PARQ_REQUIRED, lt, 0, NULL), cols[c].name);
		else
			check(parq_schema_add_leaf(s, NULL, cols[c].name, cols[c].type, cols[c].rep, lt, 0,
						   NULL), cols[c].name);
	}
	check(parq_schema_finish(s), "parq_schema_finish");
	if (s->n_leaves != NCOLS)
		die("schema has %d leaves, expected %d", s->n_leaves, NCOLS);
	return s;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *codec = NULL, *expect = NULL;
	int64_t nrows = -1, rg_rows = -1, batch_rows = 7919;
	int page_version = 1, bloom_permille = 0, crc = 0;
	uint64_t seed = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] != '-') {
			if (out)
				usage();
			out = a;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--rows")) nrows = parse_i64(v, a);
		else if (!strcmp(a, "--codec")) codec = v;
		else if (!strcmp(a, "--row-group-rows")) rg_rows = parse_i64(v, a);
		else if (!strcmp(a, "--page-version")) page_version = (int)parse_i64(v, a);
		else if (!strcmp(a, "--seed")) seed = (uint64_t)parse_i64(v, a);
		else if (!strcmp(a, "--batch-rows")) batch_rows = parse_i64(v, a);
		else if (!strcmp(a, "--expect")) expect = v;
		else if (!strcmp(a, "--bloom")) bloom_permille = (int)parse_i64(v, a);
		else if (!strcmp(a, "--crc")) crc = (int)parse_i64(v, a);
		else usage();
	}
	if (!out || !codec || nrows < 0 || rg_rows <= 0 || batch_rows <= 0 ||
	    (page_version != 1 && page_version != 2))
		usage();

	parq_schema *schema = probe_schema();
	parq_writer_options o;
	parq_writer_options_default(&o);
	check(parq_codec_from_name(codec, &o.codec), "codec");
	o.row_group_rows = rg_rows;
	o.data_page_version = page_version;
	o.page_crc = crc != 0;
	/* every chunk gets its page index and bloom filter, however small:
	 * what the other readers make of them is what is tested */
	o.page_index_min_pages = 1;
	o.bloom_min_values = 0;
	parq_column_options co[4];
	const int bloom_cols[4] = {C_ORIGINAL_URL, C_STATUS_CODE, C_WEB_SERVER, C_ROOT_TARGET_URL};
	if (bloom_permille > 0) {
		for (int k = 0; k < 4; k++) {
			parq_column_options_default(&co[k], bloom_cols[k]);
			co[k].bloom_fpp = bloom_permille / 1000.0;
		}
		o.columns = co;
		o.n_columns = 4;
	}

	FILE *ef = NULL;
	if (expect && !(ef = fopen(expect, "w")))
		die("cannot create %s", expect);

	parq_writer *w;
	check(parq_writer_open(&w, out, schema, &o), "parq_writer_open");
	rng_state = seed;

	row *rows = xmalloc(sizeof(row) * (size_t)batch_rows);
	size_t maxl = (size_t)batch_rows * MAX_LIST;
	colbuf cb[NCOLS];
	for (int c = 0; c < NCOLS; c++) {
		cb[c].def = xmalloc(sizeof(int16_t) * maxl);
		cb[c].rep = xmalloc(sizeof(int16_t) * maxl);
		cb[c].bytes = xmalloc(sizeof(parq_bytes) * maxl);
		cb[c].i32 = xmalloc(sizeof(int32_t) * (size_t)batch_rows);
		cb[c].i64 = xmalloc(sizeof(int64_t) * (size_t)batch_rows);
	}
	arena a = {0};
	parq_column_batch batch[NCOLS];

	for (int64_t done = 0; done < nrows;) {
		int64_t n = nrows - done < batch_rows ? nrows - done : batch_rows;
		a.len = 0;
		for (int64_t k = 0; k < n; k++)
			gen_row(&rows[k], done + k, &a);
		for (int c = 0; c < NCOLS; c++) {
			switch (c) {
			case C_STATUS_CODE: build_i32(&batch[c], &cb[c], rows, n); break;
			case C_CONTENT_LENGTH: case C_SCAN_TIMESTAMP: case C_FIRST_SEEN: case C_LAST_SEEN:
				build_i64(&batch[c], &cb[c], rows, n, c);
				break;
			case C_TECHNOLOGIES: case C_IP_ADDRESS: build_list(&batch[c], &cb[c], rows, n, c, &a); break;
			default: build_string(&batch[c], &cb[c], rows, n, c, c != C_ORIGINAL_URL, &a);
			}
		}
		check(parq_writer_write(w, batch, n), "parq_writer_write");
		if (ef)
			for (int64_t k = 0; k < n; k++)
				write_expect(ef, &rows[k], &a);
		done += n;
	}
	int64_t size = 0;
	check(parq_writer_close(w, &size), "parq_writer_close");
	if (ef && fclose(ef) != 0)
		die("write error on %s", expect);

	for (int c = 0; c < NCOLS; c++) {
		free(cb[c].def);
		free(cb[c].rep);
		free(cb[c].bytes);
		free(cb[c].i32);
		free(cb[c].i64);
	}
	free(rows);
	free(a.buf);
	parq_schema_free(schema);
	fprintf(stderr, "gen_probe: %s: %" PRId64 " rows, %" PRId64 " bytes\n", out, nrows, size);
	return 0;
}
