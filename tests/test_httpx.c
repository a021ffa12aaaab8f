/* The record mapping of probestore ingest: every httpx field, including
 * those the scan files have no column for (cname, asn, time, body), which
 * the command line tests cannot see; probestore's own JSON Lines; errors;
 * Go durations and the times the command line reads. */
#include <math.h>
#include <stdarg.h>

#include "cli.h"
#include "ingest/httpx.h"
#include "ingest/jtree.h"
#include "scan/probe_rows.h"
#include "test.h"

/* args.c reports usage errors through these; the messages are
 * kept for the checks. */
static char last_usage[512];

void cli_error(const char *fmt, ...)
{
	(void)fmt;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(last_usage, sizeof last_usage, "%s: ", cmd ? cmd : "");
	vsnprintf(last_usage + n, sizeof last_usage - (size_t)n, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
	if (!(_a == _b || (_a && _b && !strcmp(_a, _b)))) { test_failures++; \
	fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, _a ? _a : "(null)", \
	        _b ? _b : "(null)"); } } while (0)

static const char FULL[] =
	"{\"timestamp\":\"2025-04-02T11:30:05.123456789+02:00\","
	"\"asn\":{\"as_number\":\"AS64496\",\"as_name\":\"EXAMPLE-TRANSIT\",\"as_country\":\"FR\",\"as_range\":[\"198.51.100.0/24\"]},"
	"\"tls\":{\"host\":\"fields.example.com\",\"tls_version\":\"tls13\"},\"hash\":{\"body_md5\":\"4bd0\"},"
	"\"port\":\"443\",\"url\":\"https://fields.example.com/login\",\"input\":\"fields.example.com\","
	"\"title\":\"Sign in\",\"scheme\":\"https\",\"webserver\":\"nginx\","
	"\"body\":\"<html>\\u00e9</html>\",\"content_type\":\"text/html\",\"method\":\"POST\",\"host\":\"198.51.100.7\","
	"\"path\":\"/login\",\"final_url\":\"https://fields.example.com/login/\","
	"\"header\":{\"server\":\"nginx\",\"set_cookie\":[\"a=1\",\"b=2\"],\"x_count\":42,\"x_gone\":null,"
	"\"x_obj\":{\"k\":[1,true]}},"
	"\"time\":\"1.5023s\",\"chain_status_codes\":[302,200],\"a\":[\"198.51.100.7\",\"198.51.100.8\"],"
	"\"aaaa\":[\"2001:db8:100::7\"],\"cname\":[\"edge.example.net\",\"example.net\"],"
	"\"tech\":[\"Nginx:1.25.3\",\"HSTS\"],\"words\":22,\"lines\":3,\"status_code\":200,\"content_length\":97,"
	"\"failed\":false,\"cdn\":true}";

static void test_full(void)
{
	ps_arena a = {0};
	ps_rec r;
	char err[256] = "";
	ps_rec_format f = 0;
	ps_rec_options o = {.keep_body = true};
	CHECK_EQ_INT(ps_rec_from_line(FULL, strlen(FULL), &f, &o, &a, &r, err, sizeof err), 0);
	CHECK_EQ_INT(f, PS_REC_HTTPX);
	const ps_probe_result *p = &r.r;
	CHECK_STR(p->input_url, "https://fields.example.com/login");
	CHECK_STR(p->final_url, "https://fields.example.com/login/");
	CHECK_EQ_INT(p->status_code, 200);
	CHECK_EQ_INT(p->content_length, 97);
	CHECK_STR(p->content_type, "text/html");
	CHECK_STR(p->title, "Sign in");
	CHECK_STR(p->web_server, "nginx");
	CHECK_STR(p->method, "POST");
	CHECK(p->error == NULL);
	REQUIRE(p->n_technologies == 2);
	CHECK_STR(p->technologies[0], "Nginx:1.25.3");
	CHECK_STR(p->technologies[1], "HSTS");
	REQUIRE(p->n_ips == 3); /* a, then aaaa */
	CHECK_STR(p->ips[0], "198.51.100.7");
	CHECK_STR(p->ips[1], "198.51.100.8");
	CHECK_STR(p->ips[2], "2001:db8:100::7");
	REQUIRE(p->n_cnames == 2);
	CHECK_STR(p->cnames[0], "edge.example.net");
	CHECK_STR(p->cnames[1], "example.net");
	CHECK_STR(p->asn, "AS64496");
	CHECK(fabs(p->duration_s - 1.5023) < 1e-12);
	CHECK_STR(p->body, "<html>\xC3\xA9</html>");
	/* header: strings as they are, a repeated header joined, other JSON as
	 * text, null left out */
	REQUIRE(p->n_headers == 4);
	CHECK_STR(p->headers[0].name, "server");
	CHECK_STR(p->headers[0].value, "nginx");
	CHECK_STR(p->headers[1].name, "set_cookie");
	CHECK_STR(p->headers[1].value, "a=1, b=2");
	CHECK_STR(p->headers[2].name, "x_count");
	CHECK_STR(p->headers[2].value, "42");
	CHECK_STR(p->headers[3].name, "x_obj");
	CHECK_STR(p->headers[3].value, "{\"k\":[1,true]}");
	/* 11:30:05.123 at +02:00 */
	CHECK_EQ_INT(r.time_ms, 1743586205123LL);
	CHECK_STR(r.target, "fields.example.com");
	CHECK_EQ_INT(ps_rec_validate(&r, err, sizeof err), 0);
	ps_arena_free(&a);

	/* ingest leaves the body out: the scan files have no column for it */
	o.keep_body = false;
	CHECK_EQ_INT(ps_rec_from_line(FULL, strlen(FULL), &f, &o, &a, &r, err, sizeof err), 0);
	CHECK(r.r.body == NULL);
	ps_arena_free(&a);

	/* under --target no target is derived; the rest maps the same */
	o.no_target = true;
	CHECK_EQ_INT(ps_rec_from_line(FULL, strlen(FULL), &f, &o, &a, &r, err, sizeof err), 0);
	CHECK(r.target == NULL);
	CHECK_STR(r.r.input_url, "https://fields.example.com/login");
	CHECK_EQ_INT(r.time_ms, 1743586205123LL);
	ps_arena_free(&a);
}

/* One httpx line and what it maps to. */
static void map1(const char *line, ps_rec *r, ps_arena *a)
{
	char err[256] = "";
	ps_rec_format f = PS_REC_HTTPX;
	ps_rec_options o = {.keep_body = true};
	int rc = ps_rec_from_line(line, strlen(line), &f, &o, a, r, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s: %s\n", line, err);
	CHECK_EQ_INT(rc, 0);
}

static void test_variants(void)
{
	ps_arena a = {0};
	ps_rec r;
	/* a failed probe: the error, or "probe failed" without one */
	map1("{\"url\":\"https://x.example.com\",\"input\":\"x.example.com\",\"error\":\"timeout\",\"failed\":true}", &r, &a);
	CHECK_STR(r.r.error, "timeout");
	map1("{\"url\":\"https://x.example.com\",\"failed\":true,\"status_code\":0}", &r, &a);
	CHECK_STR(r.r.error, "probe failed");
	CHECK_EQ_INT(r.r.status_code, 0);
	CHECK_STR(r.target, "https://x.example.com");
	/* only an input: a bare host means https, the target keeps its port */
	map1("{\"input\":\"bare.example.org:8443\",\"time\":\"850\xC2\xB5s\"}", &r, &a);
	CHECK_STR(r.r.input_url, "https://bare.example.org:8443");
	CHECK_STR(r.target, "bare.example.org:8443");
	CHECK(fabs(r.r.duration_s - 850e-6) < 1e-15);
	CHECK_EQ_INT(r.time_ms, 0);
	/* an input with a scheme and path: scheme, host (lower-cased) and port */
	map1("{\"url\":\"http://legacy.example.org:8080/login\",\"input\":\"http://Legacy.Example.org:8080/login\"}", &r, &a);
	CHECK_STR(r.target, "http://legacy.example.org:8080");
	/* IPv6 */
	map1("{\"url\":\"http://[2001:db8::1]:8080\",\"input\":\"[2001:db8::1]:8080\",\"a\":[]}", &r, &a);
	CHECK_STR(r.target, "[2001:db8::1]:8080");
	CHECK_EQ_INT(r.r.n_ips, 0);
	/* null is absent; an asn given as a string; a number for time */
	map1("{\"url\":\"https://n.example.com\",\"title\":null,\"tech\":null,\"header\":null,\"asn\":\"AS64511\","
	     "\"time\":0.25,\"status_code\":200.0}",
	     &r, &a);
	CHECK(r.r.title == NULL);
	CHECK_EQ_INT(r.r.n_technologies, 0);
	CHECK_EQ_INT(r.r.n_headers, 0);
	CHECK_STR(r.r.asn, "AS64511");
	CHECK(r.r.duration_s == 0.25);
	CHECK_EQ_INT(r.r.status_code, 200);
	ps_arena_free(&a);
}

static void test_jsonl(void)
{
	static const char line[] =
		"{\"original_url\":\"https://shop.example.com/app\",\"final_url\":null,\"status_code\":200,"
		"\"content_length\":3307,\"content_type\":\"text/html\",\"title\":\"Shop\",\"web_server\":\"nginx\","
		"\"technologies\":[\"React\",\"Vite\"],\"ip_address\":[\"203.0.113.10\"],\"root_target_url\":\"shop.example.com\","
		"\"probe_error\":null,\"method\":\"GET\",\"headers_json\":\"{\\\"server\\\":\\\"nginx\\\",\\\"x\\\":\\\"\\\\u003c\\\"}\","
		"\"diff_status\":\"new\",\"scan_timestamp\":1741424400000,\"first_seen_timestamp\":1740819600000,"
		"\"last_seen_timestamp\":1741424400000}";
	ps_arena a = {0};
	ps_rec r;
	char err[256] = "";
	ps_rec_format f = 0;
	CHECK_EQ_INT(ps_rec_from_line(line, strlen(line), &f, NULL, &a, &r, err, sizeof err), 0);
	CHECK_EQ_INT(f, PS_REC_JSONL);
	CHECK_STR(r.r.input_url, "https://shop.example.com/app");
	CHECK(r.r.final_url == NULL);
	CHECK_EQ_INT(r.r.status_code, 200);
	CHECK_EQ_INT(r.r.content_length, 3307);
	CHECK_STR(r.r.web_server, "nginx");
	REQUIRE(r.r.n_technologies == 2);
	CHECK_STR(r.r.technologies[1], "Vite");
	REQUIRE(r.r.n_ips == 1);
	REQUIRE(r.r.n_headers == 2);
	CHECK_STR(r.r.headers[1].name, "x");
	CHECK_STR(r.r.headers[1].value, "<");
	CHECK_STR(r.target, "shop.example.com");
	CHECK_EQ_INT(r.time_ms, 1741424400000LL);
	CHECK_EQ_INT(r.r.oldest_scan_timestamp_ms, 1740819600000LL);
	ps_arena_free(&a);
}

static void expect_error(ps_rec_format f, const char *line, const char *want)
{
	ps_arena a = {0};
	ps_rec r;
	char err[256] = "";
	int rc = ps_rec_from_line(line, strlen(line), &f, NULL, &a, &r, err, sizeof err);
	if (!rc)
		rc = ps_rec_validate(&r, err, sizeof err);
	CHECK_EQ_INT(rc, -1);
	CHECK_STR(err, want);
	ps_arena_free(&a);
}

static void test_errors(void)
{
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"status_code\":\"200\"}",
	             "status_code: expected an integer, got a string");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"tech\":\"Nginx\"}",
	             "tech: expected an array of strings, got a string");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"tech\":[\"Nginx\",3]}",
	             "tech: expected an array of strings, got an array");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"header\":[\"server\"]}",
	             "header: expected an object, got an array");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"failed\":\"yes\"}",
	             "failed: expected a boolean, got a string");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"time\":\"fast\"}",
	             "time: 'fast' is not a duration such as 123.4ms");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"timestamp\":\"yesterday\"}",
	             "timestamp: 'yesterday' is not an RFC 3339 time");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"status_code\":700}",
	             "status_code 700 is outside 100..599");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"content_length\":-1}",
	             "content_length -1 is negative");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"status_code\":1e30}",
	             "status_code: expected an integer, got a number");
	expect_error(PS_REC_HTTPX, "{\"title\":\"no url\"}", "no URL (httpx: url or input; probestore: original_url)");
	expect_error(PS_REC_HTTPX, "[1,2]", "expected a JSON object, got an array");
	expect_error(PS_REC_HTTPX, "{\"url\":", "invalid JSON at column 7, near ':' at the end of the line");
	expect_error(PS_REC_JSONL, "{\"original_url\":\"https://x.example.com\",\"headers_json\":\"[1]\"}",
	             "headers_json: expected an object, got an array");
	expect_error(PS_REC_JSONL, "{\"original_url\":\"https://x.example.com\",\"diff_status\":\"gone\"}",
	             "diff_status: 'gone' is not new, existing or old");
	expect_error(PS_REC_JSONL, "{\"original_url\":\"https://x.example.com\",\"scan_timestamp\":-5}",
	             "scan_timestamp: -5 is out of range");
	/* JSON syntax: the column and the text there */
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\"} trailing", "invalid JSON at column 33: text after the JSON value");
	expect_error(PS_REC_HTTPX, "{\"url\":1x,\"title\":\"a long title that goes on\"}", "invalid JSON at column 9, near 'x,\"title\":\"a lon'");
	expect_error(PS_REC_HTTPX, "", "invalid JSON: the line ends at column 1 inside a value");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"title\":\"\\ud800\"}", "invalid JSON at column 41, near '\\ud800\"}' at the end of the line");
	/* numbers: beyond what a double holds exactly is not taken as an integer */
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"content_length\":1e300}",
	             "content_length: expected an integer, got a number");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"title\":7}", "title: expected a string, got an integer");
	expect_error(PS_REC_HTTPX, "{\"url\":\"https://x.example.com\",\"title\":7.5}", "title: expected a string, got a number");
	/* a line of more values than any record holds is refused before its
	 * nodes take memory without bound: where the one too many is */
	size_t n = JT_NODES_MAX, cap = 64 + 2 * n;
	char *big = malloc(cap), *at = big;
	REQUIRE(big);
	at += sprintf(at, "{\"url\":\"https://x.example.com\",\"x\":[");
	size_t first = (size_t)(at - big);
	for (size_t i = 0; i < n; i++)
		at += sprintf(at, i ? ",0" : "0");
	strcpy(at, "]}");
	char want[128];
	/* the root, the url and x take three nodes: the array's element
	 * n - 3 (from 0) is the one too many, at column first + 2 * (n - 3) + 1 */
	snprintf(want, sizeof want, "the line holds more than %zu JSON values (column %zu)", n, first + 2 * (n - 3) + 1);
	expect_error(PS_REC_HTTPX, big, want);
	free(big);
}

/* Keys compare case-sensitively, the last of repeated keys counts, and
 * header values that are not strings are kept as compact JSON. */
static void test_json_details(void)
{
	ps_arena a = {0};
	ps_rec r;
	map1("{\"URL\":\"https://upper.example.com\",\"url\":\"https://first.example.com\",\"title\":\"one\","
	     "\"url\":\"https://last.example.com\",\"Title\":\"other\",\"content_length\":9007199254740,"
	     "\"header\":{\"x_n\":5,\"x_list\":[\"a\",2,{\"k\":null}],\"x_obj\":{\"b\":true},\"x_null\":null}}",
	     &r, &a);
	CHECK_STR(r.r.input_url, "https://last.example.com");
	CHECK_STR(r.r.title, "one");
	CHECK_EQ_INT(r.r.content_length, 9007199254740LL);
	REQUIRE(r.r.n_headers == 3);
	CHECK_STR(r.r.headers[0].name, "x_n");
	CHECK_STR(r.r.headers[0].value, "5");
	CHECK_STR(r.r.headers[1].value, "a, 2, {\"k\":null}");
	CHECK_STR(r.r.headers[2].name, "x_obj");
	CHECK_STR(r.r.headers[2].value, "{\"b\":true}");
	ps_arena_free(&a);
}

static void test_durations(void)
{
	double s;
	CHECK_EQ_INT(ps_go_duration("123.4ms", &s), 0);
	CHECK(fabs(s - 0.1234) < 1e-12);
	CHECK_EQ_INT(ps_go_duration("2m3.5s", &s), 0);
	CHECK(fabs(s - 123.5) < 1e-12);
	CHECK_EQ_INT(ps_go_duration("1h0m0s", &s), 0);
	CHECK(s == 3600);
	CHECK_EQ_INT(ps_go_duration("250us", &s), 0);
	CHECK(fabs(s - 250e-6) < 1e-15);
	CHECK_EQ_INT(ps_go_duration("42ns", &s), 0);
	CHECK(fabs(s - 42e-9) < 1e-18);
	CHECK_EQ_INT(ps_go_duration("0", &s), 0);
	CHECK(s == 0);
	CHECK_EQ_INT(ps_go_duration("", &s), -1);
	CHECK_EQ_INT(ps_go_duration("12", &s), -1);
	CHECK_EQ_INT(ps_go_duration("1.5 s", &s), -1);
	CHECK_EQ_INT(ps_go_duration("ms", &s), -1);
	CHECK_EQ_INT(ps_go_duration(".ms", &s), -1);
	CHECK_EQ_INT(ps_go_duration("1..5ms", &s), -1);
	CHECK_EQ_INT(ps_go_duration("1.ms", &s), 0);
	CHECK(s == 1e-3);

	/* numbers of up to 15 digits are read without strtod: the same
	 * doubles as strtod's, bit for bit, and past 15 digits too */
	static const struct {
		const char *unit;
		double scale;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
	uint64_t r = 99;
	int differ = 0;
	for (int i = 0; i < 200000; i++) {
		char num[2][40], text[100];
		double want = 0;
		int parts = 1 + (int)(test_rand(&r) % 2);
		size_t at = 0;
		for (int k = 0; k < parts; k++) {
			int whole = 1 + (int)(test_rand(&r) % 12), frac = (int)(test_rand(&r) % 8) - 1;
			size_t n = 0;
			for (int d = 0; d < whole; d++)
				num[k][n++] = (char)('0' + test_rand(&r) % 10);
			if (frac >= 0) {
				num[k][n++] = '.';
				for (int d = 0; d < frac; d++)
					num[k][n++] = (char)('0' + test_rand(&r) % 10);
			}
			num[k][n] = 0;
			int u = (int)(test_rand(&r) % 6);
			want += strtod(num[k], NULL) * units[u].scale;
			at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", num[k], units[u].unit);
		}
		if (ps_go_duration(text, &s) || s != want) {
			if (differ++ < 3)
				fprintf(stderr, "duration '%s': %.17g, strtod's %.17g\n", text, s, want);
		}
	}
	CHECK_EQ_INT(differ, 0);
}

static void test_times(void)
{
	int64_t lo, hi;
	CHECK_EQ_INT(ps_time_parse("2025-03-01", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740787200000LL);
	CHECK_EQ_INT(hi, 1740787200000LL + 86400000 - 1);
	CHECK_EQ_INT(ps_time_parse("2025-03-01T09:00:00Z", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740819600000LL);
	CHECK_EQ_INT(hi, 1740819600999LL);
	CHECK_EQ_INT(ps_time_parse("2025-03-01 10:00", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740823200000LL);
	CHECK_EQ_INT(hi, 1740823259999LL);
	CHECK_EQ_INT(ps_time_parse("2025-03-01T10:00:00.25+01:00", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740819600250LL);
	CHECK_EQ_INT(hi, 1740819600259LL);
	CHECK_EQ_INT(ps_time_parse("2025-03-01T04:00:00.123456789-0500", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740819600123LL);
	CHECK_EQ_INT(hi, lo);
	CHECK_EQ_INT(ps_time_parse("20250301_090000", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740819600000LL);
	CHECK_EQ_INT(ps_time_parse("1740819600000", &lo, &hi), 0);
	CHECK_EQ_INT(lo, 1740819600000LL);
	CHECK_EQ_INT(hi, lo);
	CHECK_EQ_INT(ps_time_parse("2024-02-29", &lo, &hi), 0);
	CHECK_EQ_INT(ps_time_parse("2025-02-29", &lo, &hi), -1);
	CHECK_EQ_INT(ps_time_parse("2025-13-01", &lo, &hi), -1);
	CHECK_EQ_INT(ps_time_parse("2025-03-01T25:00Z", &lo, &hi), -1);
	CHECK_EQ_INT(ps_time_parse("2025-03-01T09:00:00Q", &lo, &hi), -1);
	CHECK_EQ_INT(ps_time_parse("yesterday", &lo, &hi), -1);
	CHECK_EQ_INT(ps_time_parse("", &lo, &hi), -1);
	char buf[32];
	CHECK_STR(cli_time_iso(1740819600250LL, buf), "2025-03-01T09:00:00.250Z");
	CHECK_STR(cli_time_short(1740819600000LL, buf), "2025-03-01 09:00:00");
	CHECK_STR(cli_time_short(1740819600007LL, buf), "2025-03-01 09:00:00.007");
	CHECK_STR(cli_time_iso(-1, buf), "1969-12-31T23:59:59.999Z");

	uint64_t size;
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "16MiB", &size), 0);
	CHECK_EQ_INT(size, 16u << 20);
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "512k", &size), 0);
	CHECK_EQ_INT(size, 512u << 10);
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "1000", &size), 0);
	CHECK_EQ_INT(size, 1000);
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "2 GB", &size), 0);
	CHECK_EQ_INT(size, 2ull << 30);
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "lots", &size), -1);
	CHECK_STR(last_usage, "ingest: --max-line-size expects a size such as 16MiB, 512K or 1048576, not 'lots'");
	CHECK_EQ_INT(cli_parse_size("ingest", "--max-line-size", "99999999999T", &size), -1);
}

/* httpx's header object made into the headers_json text as the line is
 * parsed (16 bytes at a time): the same text ps_headers_to_json makes
 * from the record's headers, for random objects of names that repeat and
 * share their first 8 bytes, values with escapes, <, > and &, UTF-8,
 * U+2028, escaped NULs, and values that are not strings. */
static void test_headers_text(void)
{
	static const char *const names[] = {"server", "content_type", "content_length", "x_forwarded_for",
	                                    "x_forwarded_host", "a", "ab", "abcdefgh", "abcdefghi", "abcdefgg",
	                                    "set_cookie", "date", "x\\u00e9", "x\\\"q", "zz<tag>"};
	static const char *const pieces[] = {"v",     "nginx/1.25.3", "a b c", "\\\"", "\\\\", "\\n", "\\u003c", "<",
	                                     ">",     "&",            "\\u00e9", "\xc3\xa9", "\xe2\x80\xa8", "\\u2029",
	                                     "\\t",   "0123456789abcdef0123", "/", "\\/", "\\u0001"};
	unsigned seed = 12345;
	int made = 0, left = 0;
	char line[4096];
	for (int it = 0; it < 20000; it++) {
		int o = snprintf(line, sizeof line, "{\"url\":\"https://h.example.com/\",\"header\":{");
		int nh = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 14;
		for (int k = 0; k < nh; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *nm = names[(seed >> 16) % (sizeof names / sizeof *names)];
			o += snprintf(line + o, sizeof line - (size_t)o, "%s\"%s\":", k ? "," : "", nm);
			unsigned kind = (seed >> 8) % 40;
			if (kind == 0) {
				o += snprintf(line + o, sizeof line - (size_t)o, "42");
			} else if (kind == 1) {
				o += snprintf(line + o, sizeof line - (size_t)o, "null");
			} else if (kind == 2) {
				o += snprintf(line + o, sizeof line - (size_t)o, "[\"a=1\",\"b=2\"]");
			} else if (kind == 3 && it % 50 == 0) {
				o += snprintf(line + o, sizeof line - (size_t)o, "\"a\\u0000b\"");
			} else {
				o += snprintf(line + o, sizeof line - (size_t)o, "\"");
				int np = (int)((seed >> 20) % 6);
				for (int q = 0; q < np; q++) {
					seed = seed * 1103515245u + 12345u;
					/* mostly plain pieces */
					unsigned pi = (seed >> 16) % 64;
					const char *pc = pi < sizeof pieces / sizeof *pieces ? pieces[pi] : pi % 2 ? "Tue, 25 Nov" : "vfceff96c7a";
					o += snprintf(line + o, sizeof line - (size_t)o, "%s", pc);
				}
				o += snprintf(line + o, sizeof line - (size_t)o, "\"");
			}
		}
		snprintf(line + o, sizeof line - (size_t)o, "}}");
		ps_arena a = {0};
		ps_rec r;
		char err[256] = "";
		ps_rec_format f = 0;
		int rc = ps_rec_from_line(line, strlen(line), &f, NULL, &a, &r, err, sizeof err);
		CHECK_EQ_INT(rc, 0);
		if (!rc && r.r.headers_json) {
			made++;
			ps_buf b = {0};
			CHECK_EQ_INT(ps_headers_to_json(&b, r.r.headers, r.r.n_headers), 0);
			if (!b.data || strcmp(b.data, r.r.headers_json)) {
				CHECK(0);
				fprintf(stderr, "line %s\n  parsed: %s\n  headers: %s\n", line, r.r.headers_json,
				        b.data ? b.data : "(none)");
			}
			ps_buf_free(&b);
		} else if (!rc && r.r.n_headers) {
			left++;
		}
		ps_arena_free(&a);
	}
	/* both ways taken: most objects made as parsed, the others by the writer */
	CHECK(made > 10000);
	CHECK(left > 1000);
}

int main(void)
{
	test_full();
	test_variants();
	test_jsonl();
	test_errors();
	test_json_details();
	test_headers_text();
	test_durations();
	test_times();
	ps_rec_release();
	return test_report("test_httpx");
}
