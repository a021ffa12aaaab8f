/* The report: its data from a store of known scans and file history
 * (counts, rows, distributions, caps, time ranges), and its HTML from a
 * store whose every string is hostile (script tags, event handlers,
 * javascript: URLs, broken tags, NUL, invalid UTF-8, right-to-left
 * overrides, very long lines), which must show as text and nothing else.
 *
 *   test_report              runs the checks in a temporary directory
 *   test_report --keep DIR   also leaves the hostile store in DIR/hostile
 *                            and the known one in DIR/known (for the
 *                            browser test) */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_test.h"
#include "probestore/report.h"

static char base[] = "/tmp/test_report_XXXXXX";

#define T0 1740819600000LL /* 2025-03-01T09:00:00Z */
#define DAY 86400000LL

static ps_store *open_at(const char *dir)
{
	mkdir(dir, 0755);
	return ht_open(dir, NULL);
}

static void write_scan(ps_store *st, const char *target, int64_t ms, const ps_probe_result *r, size_t n,
                       int validate)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target;
	o.scan_time_ms = ms;
	o.validate = validate;
	CHECK_OK(ps_scan_write(st, &o, r, n, NULL));
}

static void add_version(ps_store *st, const char *url, const char *content, size_t len, int64_t ms)
{
	ps_history_fetch f = {.url = url, .content = content, .content_len = len, .fetched_at_ms = ms,
	                      .content_type = "application/javascript"};
	CHECK_OK(ps_history_store_content(st, &f, NULL));
}

/* The page of st with o, NUL-terminated; *len its bytes. */
static char *render(ps_store *st, const ps_report_options *o, size_t *len, const char *keep_path)
{
	char path[256];
	snprintf(path, sizeof path, "%s/page.html", base);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	CHECK_OK(ps_report_write_html(st, o, fd));
	off_t n = lseek(fd, 0, SEEK_END);
	REQUIRE(n > 0);
	char *buf = malloc((size_t)n + 1);
	REQUIRE(buf);
	REQUIRE(pread(fd, buf, (size_t)n, 0) == n);
	buf[n] = 0;
	close(fd);
	if (keep_path)
		REQUIRE(rename(path, keep_path) == 0);
	*len = (size_t)n;
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t k = 0, nl = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += nl)
		k++;
	return k;
}

#define CHECK_HAS(html, s) do { test_checks++; if (!strstr((html), (s))) { test_failures++; \
	fprintf(stderr, "%s:%d: the page lacks %s\n", __FILE__, __LINE__, #s); } } while (0)
#define CHECK_LACKS(html, s) do { test_checks++; if (strstr((html), (s))) { test_failures++; \
	fprintf(stderr, "%s:%d: the page holds %s\n", __FILE__, __LINE__, #s); } } while (0)

/* ---- a store of known content ---- */

static const char v1[] = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";
static const char v2[] = "one\ntwo\nthree\nfour\nFIVE\nsix\nseven\neight\nnine\nten\neleven\n";

static void known_store(const char *dir)
{
	ps_store *st = open_at(dir);
	const char *t1[] = {"Nginx:1.25.3", "PHP:8.2"}, *t2[] = {"Nginx:1.27.4", "React"};
	ps_probe_result s1[] = {
		{.input_url = "https://a.example.com/", .status_code = 200, .title = "A", .web_server = "nginx",
		 .content_type = "text/html; charset=utf-8", .technologies = t1, .n_technologies = 2},
		{.input_url = "https://a.example.com/old", .status_code = 301, .title = "Old", .web_server = "nginx",
		 .content_type = "text/html"},
		{.input_url = "https://a.example.com/api", .status_code = 404, .web_server = "envoy",
		 .content_type = "application/json"},
	};
	ps_probe_result s2[] = {
		{.input_url = "https://a.example.com/", .status_code = 200, .title = "A", .web_server = "nginx",
		 .content_type = "text/html", .technologies = t2, .n_technologies = 2},
		{.input_url = "https://a.example.com/api", .status_code = 500, .web_server = "envoy",
		 .content_type = "Application/JSON"},
		{.input_url = "https://a.example.com/new1", .status_code = 200, .title = "New one", .web_server = "nginx",
		 .content_type = "text/html", .technologies = t2, .n_technologies = 1},
		{.input_url = "https://a.example.com/new2", .error = "context deadline exceeded"},
	};
	write_scan(st, "a.example.com", T0, s1, 3, -1);
	write_scan(st, "a.example.com", T0 + 7 * DAY, s2, 4, -1);
	ps_probe_result b1[] = {{.input_url = "https://b.example.org/", .status_code = 200, .title = "B"}};
	write_scan(st, "b.example.org", T0 + DAY, b1, 1, -1);

	add_version(st, "https://a.example.com/app.js", v1, strlen(v1), T0 + 3600000);
	add_version(st, "https://a.example.com/app.js", v2, strlen(v2), T0 + 7 * DAY + 3600000);
	add_version(st, "https://cdn.b.example.org/lib.js", v1, strlen(v1), T0 + DAY);
	ps_store_close(st);
}

static const ps_report_target *find_target(const ps_report *r, const char *hp)
{
	for (size_t i = 0; i < r->n_targets; i++)
		if (strcmp(r->targets[i].host_port, hp) == 0)
			return &r->targets[i];
	return NULL;
}

static int64_t dist_count(const ps_report_dist *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].name, name) == 0)
			return d->items[i].count;
	return -1;
}

static void test_data(const char *dir)
{
	ps_store *st = ht_open(dir, NULL);
	ps_report_options o;
	ps_report_options_default(&o);
	ps_report r;
	CHECK_OK(ps_report_gather(st, &o, &r));
	CHECK_EQ_INT(r.n_targets, 2);
	CHECK_EQ_INT(r.total_scans, 3);
	CHECK_EQ_INT(r.total_records, 5);
	CHECK_EQ_INT(r.first_ms, T0);
	CHECK_EQ_INT(r.last_ms, T0 + 7 * DAY + 3600000);
	/* newest latest scan first */
	REQUIRE(r.n_targets == 2);
	CHECK(strcmp(r.targets[0].host_port, "a.example.com:443") == 0);
	const ps_report_target *a = find_target(&r, "a.example.com:443");
	REQUIRE(a);
	REQUIRE(a->n_scans == 2);
	CHECK_EQ_INT(a->scans[0].records, 3);
	CHECK_EQ_INT(a->scans[0].n_new, 3);
	CHECK_EQ_INT(a->scans[0].n_old, 0);
	CHECK_EQ_INT(a->scans[1].records, 4);
	CHECK_EQ_INT(a->scans[1].n_new, 2);
	CHECK_EQ_INT(a->scans[1].n_old, 1);
	/* "/" changed technologies, "/api" its status */
	CHECK_EQ_INT(a->scans[0].n_changed, 0);
	CHECK_EQ_INT(a->scans[1].n_changed, 2);
	CHECK_EQ_INT(a->changed_total, 2);
	REQUIRE(a->n_changed == 2);
	CHECK(strcmp(a->changed[0].url, "https://a.example.com/") == 0);
	CHECK_EQ_INT(a->changed[0].n_fields, 1);
	CHECK(strcmp(a->changed[0].fields[0].field, "technologies") == 0);
	CHECK(strcmp(a->changed[1].url, "https://a.example.com/api") == 0);
	REQUIRE(a->changed[1].n_fields == 1);
	CHECK(strcmp(a->changed[1].fields[0].field, "status_code") == 0);
	CHECK(strcmp(a->changed[1].fields[0].old_value, "404") == 0);
	CHECK(strcmp(a->changed[1].fields[0].new_value, "500") == 0);
	CHECK_EQ_INT(a->latest_ms, T0 + 7 * DAY);
	CHECK_EQ_INT(a->previous_ms, T0);
	CHECK_EQ_INT(a->new_urls.total, 2);
	REQUIRE(a->new_urls.n == 2);
	CHECK(strcmp(a->new_urls.rows[0].url, "https://a.example.com/new1") == 0);
	CHECK(strcmp(a->new_urls.rows[0].title, "New one") == 0);
	CHECK_EQ_INT(a->new_urls.rows[0].n_technologies, 1);
	CHECK(strcmp(a->new_urls.rows[1].url, "https://a.example.com/new2") == 0);
	CHECK_EQ_INT(a->old_urls.total, 1);
	REQUIRE(a->old_urls.n == 1);
	CHECK(strcmp(a->old_urls.rows[0].url, "https://a.example.com/old") == 0);
	CHECK_EQ_INT(a->old_urls.rows[0].status_code, 301);
	CHECK_EQ_INT(a->failed.total, 1);
	REQUIRE(a->failed.n == 1);
	CHECK(strcmp(a->failed.rows[0].error, "context deadline exceeded") == 0);
	CHECK_EQ_INT(dist_count(&a->status_classes, "2xx"), 2);
	CHECK_EQ_INT(dist_count(&a->status_classes, "5xx"), 1);
	CHECK_EQ_INT(dist_count(&a->status_classes, "none"), 1);
	REQUIRE(a->status_classes.n == 3);
	CHECK(strcmp(a->status_classes.items[0].name, "2xx") == 0);
	CHECK(strcmp(a->status_classes.items[2].name, "none") == 0);
	CHECK_EQ_INT(dist_count(&a->technologies, "Nginx"), 2); /* versions dropped */
	CHECK_EQ_INT(dist_count(&a->technologies, "React"), 1);
	CHECK_EQ_INT(dist_count(&a->web_servers, "nginx"), 2);
	CHECK_EQ_INT(dist_count(&a->content_types, "text/html"), 2);
	CHECK_EQ_INT(dist_count(&a->content_types, "application/json"), 1);
	/* monitored files, newest change first */
	CHECK_EQ_INT(r.total_files, 2);
	REQUIRE(r.n_files == 2);
	const ps_report_file *f = &r.files[0];
	CHECK(strcmp(f->url, "https://a.example.com/app.js") == 0);
	CHECK(strcmp(f->host_port, "a.example.com:443") == 0);
	CHECK_EQ_INT(f->total_versions, 2);
	REQUIRE(f->n_versions == 2);
	CHECK_EQ_INT(f->versions[0].time_ms, T0 + 7 * DAY + 3600000);
	CHECK_EQ_INT(f->versions[0].size, strlen(v2));
	CHECK_EQ_INT(f->versions[0].lines_added, 2);
	CHECK_EQ_INT(f->versions[0].lines_deleted, 1);
	CHECK_EQ_INT(f->versions[1].lines_added, -1);
	CHECK(f->has_diff);
	/* one, three context lines, -five +FIVE, ... : numbered on both sides */
	size_t adds = 0, dels = 0;
	bool five = false;
	for (size_t i = 0; i < f->n_lines; i++) {
		const ps_report_diff_line *l = &f->lines[i];
		adds += l->op == '+';
		dels += l->op == '-';
		if (l->op == '-' && l->text_len == 4 && memcmp(l->text, "five", 4) == 0) {
			CHECK_EQ_INT(l->old_no, 5);
			CHECK_EQ_INT(l->new_no, 0);
			five = true;
		}
		if (l->op == '+' && strcmp(l->text, "eleven") == 0)
			CHECK_EQ_INT(l->new_no, 11);
		if (l->op == '~')
			CHECK_EQ_INT(l->n_skipped, 1); /* "one": three lines of context before "five" */
	}
	CHECK(five);
	CHECK_EQ_INT(adds, 2);
	CHECK_EQ_INT(dels, 1);
	ps_report_free(&r);

	/* a target asked, a time range, a cap on rows */
	const char *only[] = {"a.example.com"};
	o.targets = only;
	o.n_targets = 1;
	o.until_ms = T0 + DAY;
	o.max_rows = 1;
	CHECK_OK(ps_report_gather(st, &o, &r));
	REQUIRE(r.n_targets == 1);
	CHECK_EQ_INT(r.targets[0].n_scans, 1);
	CHECK_EQ_INT(r.targets[0].new_urls.total, 3);
	CHECK_EQ_INT(r.targets[0].new_urls.n, 1);
	CHECK_EQ_INT(r.total_files, 1); /* cdn.b.example.org is another target's */
	REQUIRE(r.n_files == 1);
	CHECK_EQ_INT(r.files[0].n_versions, 1);
	CHECK(!r.files[0].has_diff);
	ps_report_free(&r);

	size_t len;
	char *html = render(st, &o, &len, NULL);
	CHECK_HAS(html, "2 more URLs not shown");
	CHECK_HAS(html, "probestore query --target a.example.com:443 --scan 2025-03-01T09:00:00Z --diff new --limit 0");
	free(html);

	const char *none[] = {"nowhere.example.com"};
	o.targets = none;
	CHECK_EQ_INT(ps_report_gather(st, &o, &r), PS_ENOTFOUND);
	CHECK(strstr(ps_errmsg(), "nowhere.example.com") != NULL);
	ps_report_free(&r);
	o.targets = NULL;
	o.n_targets = 0;
	o.since_ms = T0 + 2 * DAY;
	o.until_ms = T0;
	CHECK_EQ_INT(ps_report_gather(st, &o, &r), PS_EINVAL);
	ps_report_free(&r);
	ps_store_close(st);
}

/* ---- a hostile store ---- */

#define P_SCRIPT "<script>window.__pwned=1;alert(1)</script>"
#define P_IMG "\"><img src=x onerror=\"window.__pwned=2\">"
#define P_SVG "</td></tr></table><svg onload=alert(3)>"
#define P_TECH "<b onmouseover=alert(4)>React"
#define P_JSURL "javascript:window.__pwned=5"
#define P_IFRAME "<iframe src=\"javascript:alert(6)\"></iframe>"
#define P_RLO "invoice\xE2\x80\xAEgpj.exe"
#define P_CTRL "bell\x07" "esc\x1b" "[31mred"
#define P_BAD "bad \xFF\xFE bytes \xC0\xAF"
#define P_CTYPE "text/html\"><script>window.__pwned=7</script>"
#define P_COMMENT "<!-- unclosed <style>*{display:none}</style>"

static void hostile_store(const char *dir)
{
	ps_store *st = open_at(dir);
	static char longline[100001];
	memset(longline, 'A', sizeof longline - 1);
	const char *techs[] = {P_TECH, P_JSURL, P_RLO, P_BAD};
	ps_header hdrs[] = {{"X-Evil", P_SCRIPT}, {"Server", P_SVG}};
	ps_probe_result s1[] = {
		{.input_url = "https://evil.example.com/", .status_code = 200, .title = "first"},
		{.input_url = "https://evil.example.com/gone?<script>window.__pwned=8</script>", .status_code = 200,
		 .title = P_IMG},
	};
	ps_probe_result s2[] = {
		{.input_url = "https://evil.example.com/", .status_code = 200, .title = P_SCRIPT, .web_server = P_SVG,
		 .content_type = P_CTYPE, .technologies = techs, .n_technologies = 4, .headers = hdrs, .n_headers = 2},
		{.input_url = P_JSURL, .status_code = 200, .title = P_RLO, .web_server = P_BAD, .technologies = techs,
		 .n_technologies = 4},
		{.input_url = "https://evil.example.com/\"onmouseover=\"window.__pwned=9", .status_code = 302,
		 .title = P_CTRL, .web_server = P_COMMENT},
		{.input_url = "https://evil.example.com/long", .status_code = 200, .title = longline},
		{.input_url = "data:text/html,<script>window.__pwned=10</script>", .error = P_IFRAME},
	};
	write_scan(st, "evil.example.com", T0, s1, 2, -1);
	write_scan(st, "evil.example.com", T0 + DAY, s2, 5, 0); /* unvalidated: invalid UTF-8 kept */

	static char h1[4096], h2[200000];
	size_t n1 = (size_t)snprintf(h1, sizeof h1, "var ok = 1;\n%s\n", P_SCRIPT);
	size_t n2 = (size_t)snprintf(h2, sizeof h2, "var ok = 1;\n</pre>" P_SCRIPT "\n" P_RLO "\n" P_BAD "\n");
	memcpy(h2 + n2, "nul\0byte\n", 9); /* NUL inside a line */
	n2 += 9;
	memset(h2 + n2, 'B', 60000);       /* a very long line */
	n2 += 60000;
	h2[n2++] = '\n';
	add_version(st, "https://evil.example.com/app.js?<script>x</script>", h1, n1, T0 + 3600000);
	add_version(st, "https://evil.example.com/app.js?<script>x</script>", h2, n2, T0 + DAY + 3600000);
	ps_store_close(st);
}

static void test_hostile(const char *dir, const char *keep_html)
{
	ps_store *st = ht_open(dir, NULL);
	ps_report_options o;
	ps_report_options_default(&o);
	size_t len;
	char *html = render(st, &o, &len, keep_html);
	/* the data reached the page (escaped) */
	CHECK_HAS(html, "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;");
	CHECK_HAS(html, "&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;");
	CHECK_HAS(html, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;svg onload=alert(3)&gt;");
	CHECK_HAS(html, "&lt;b onmouseover=alert(4)&gt;React");
	CHECK_HAS(html, "<bdi>javascript:window.__pwned=5</bdi>");
	CHECK_HAS(html, "&lt;iframe src=&quot;javascript:alert(6)&quot;&gt;&lt;/iframe&gt;");
	CHECK_HAS(html, "invoice&lt;U+202E&gt;gpj.exe");
	CHECK_HAS(html, "bell\xE2\x90\x87" "esc\xE2\x90\x9B[31mred"); /* U+2407, U+241B */
	CHECK_HAS(html, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes \xEF\xBF\xBD\xEF\xBF\xBD");
	CHECK_HAS(html, "&lt;!-- unclosed &lt;style&gt;*{display:none}&lt;/style&gt;");
	CHECK_HAS(html, "text/html&quot;&gt;&lt;script&gt;window.__pwned=7&lt;/script&gt;");
	CHECK_HAS(html, "&lt;/pre&gt;&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;");
	CHECK_HAS(html, "nul\xE2\x90\x80" "byte");                 /* NUL as U+2400 */
	CHECK_HAS(html, "(99500 more bytes)");                      /* the 100,000-byte title cut at 500 */
	CHECK_HAS(html, "(58000 more bytes)");                      /* the diff's 60,000-byte line */
	CHECK_HAS(html, "https://evil.example.com/&quot;onmouseover=&quot;window.__pwned=9");
	/* and nothing of it is markup */
	CHECK_EQ_INT(count(html, "<script"), 1); /* the page's own */
	CHECK_LACKS(html, "<img");
	CHECK_LACKS(html, "<iframe");
	CHECK_LACKS(html, "<b ");
	CHECK_LACKS(html, "<svg onload");
	CHECK_LACKS(html, "<!--");
	CHECK_LACKS(html, "onerror=\"");
	CHECK_LACKS(html, "\"onmouseover");
	CHECK_LACKS(html, "href=\"javascript");
	CHECK_LACKS(html, "href=\"data");
	CHECK_LACKS(html, "\xE2\x80\xAE");
	CHECK_EQ_INT(count(html, "<svg"), count(html, "<svg class=\""));
	CHECK_EQ_INT(count(html, "<a "), count(html, "<a href=\"#") + count(html, "<a rel=\"noreferrer noopener\" href=\"https://"));
	CHECK_EQ_INT(count(html, "<style>"), 1);
	CHECK_EQ_INT(strlen(html), len); /* no NUL */
	CHECK_EQ_INT(ps_utf8_valid(html, len), len);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)html[i] < 0x20 && html[i] != '\n' && html[i] != '\t') {
			CHECK(!"a control character in the page");
			break;
		}
	/* tags balance as written */
	CHECK_EQ_INT(count(html, "<tr"), count(html, "</tr>"));
	CHECK_EQ_INT(count(html, "<td"), count(html, "</td>"));
	CHECK_EQ_INT(count(html, "<table"), count(html, "</table>"));
	CHECK_EQ_INT(count(html, "<details"), count(html, "</details>"));
	CHECK_EQ_INT(count(html, "<bdi>"), count(html, "</bdi>"));
	/* the policy: nothing from outside, no inline handlers */
	CHECK_HAS(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-");
	CHECK_LACKS(html, "unsafe-inline");
	CHECK_LACKS(html, "http://www.w3.org/2000/svg\" href"); /* no external use of the namespace */
	free(html);
	ps_store_close(st);
}

/* A report built by hand: the fourth series of the chart once scans record
 * changed URLs, a diff line of raw bytes, an empty report. */
static char *render_report(const ps_report *r)
{
	char path[256];
	snprintf(path, sizeof path, "%s/hand.html", base);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	CHECK_OK(ps_report_render_html(r, fd));
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);
	REQUIRE(buf && pread(fd, buf, (size_t)n, 0) == n);
	close(fd);
	CHECK_EQ_INT(strlen(buf), n);
	CHECK_EQ_INT(ps_utf8_valid(buf, (size_t)n), n);
	return buf;
}

static void test_render_by_hand(void)
{
	ps_report_scan scans[3] = {{T0, 10, 10, 0, 0}, {T0 + DAY, 12, 3, 1, 4}, {T0 + 2 * DAY, 11, 0, 1, 2}};
	static const char raw[] = "a\0b\xC3(\xE2\x80\xAE\x7F";
	ps_report_diff_line lines[2] = {{'-', 7, 0, "old", 3, 0}, {'+', 0, 7, raw, sizeof raw - 1, 0}};
	ps_report_version versions[1] = {{T0 + DAY, "abc", 9, 1, 1}};
	ps_report_target t = {.host_port = "x.example.com:443", .target = "x.example.com:443", .scans = scans,
	                      .n_scans = 3, .latest_ms = T0 + 2 * DAY, .previous_ms = T0 + DAY};
	ps_report_file f = {.url = "https://x.example.com/a.js", .host_port = "x.example.com:443",
	                    .versions = versions, .n_versions = 1, .total_versions = 1, .has_diff = true,
	                    .diff_time_ms = T0 + DAY, .old_hash = "o", .new_hash = "n", .lines_added = 1,
	                    .lines_deleted = 1, .diff_note = "", .lines = lines, .n_lines = 2};
	ps_report r = {.base_path = "/data", .first_ms = T0, .last_ms = T0 + 2 * DAY, .total_scans = 3,
	               .total_records = 11, .targets = &t, .n_targets = 1, .files = &f, .n_files = 1,
	               .total_files = 1, .version = "9.9.9"};
	char *html = render_report(&r);
	CHECK_EQ_INT(count(html, "<circle class=\"pt pt-changed\""), 3);
	CHECK_EQ_INT(count(html, "<circle class=\"pt pt-records\""), 3);
	CHECK_HAS(html, "<span class=\"k-changed\">changed</span>");
	CHECK_HAS(html, "<td class=\"ln\">7</td><td><bdi>+a\xE2\x90\x80" "b\xEF\xBF\xBD(&lt;U+202E&gt;\xE2\x90\xA1</bdi>");
	CHECK_HAS(html, "by probestore <span id=\"version\">9.9.9</span>");
	free(html);
	/* without changed counts: three series */
	for (int i = 0; i < 3; i++)
		scans[i].n_changed = -1;
	html = render_report(&r);
	CHECK_EQ_INT(count(html, "pt-changed\""), 0);
	CHECK_EQ_INT(count(html, "<circle class=\"pt pt-old\""), 3);
	free(html);
	ps_report empty = {.base_path = "/data", .version = "9.9.9"};
	html = render_report(&empty);
	CHECK_HAS(html, "The store holds no scan and no monitored file in this range.");
	CHECK_HAS(html, "<dd id=\"n-targets\">0</dd>");
	CHECK_HAS(html, "</html>");
	free(html);
}

int main(int argc, char **argv)
{
	const char *keep = argc == 3 && strcmp(argv[1], "--keep") == 0 ? argv[2] : NULL;
	test_backend_init("test_report");
	REQUIRE(mkdtemp(base));
	char sbase[512], known[600], hostile[600], keep_html[600];
	test_store_base(sbase, sizeof sbase, base); /* the stores: base, or its place in the bucket */
	snprintf(known, sizeof known, "%s/known", keep ? keep : sbase);
	snprintf(hostile, sizeof hostile, "%s/hostile", keep ? keep : sbase);
	if (keep) {
		mkdir(keep, 0755);
		ht_rm_rf(known);
		ht_rm_rf(hostile);
	}
	known_store(known);
	test_data(known);
	hostile_store(hostile);
	snprintf(keep_html, sizeof keep_html, "%s/hostile.html", keep ? keep : base);
	test_hostile(hostile, keep ? keep_html : NULL);
	test_render_by_hand();
	ht_rm_rf(base);
	return test_report("test_report");
}
