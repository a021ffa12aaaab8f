/* The report as one self-contained HTML page: inline CSS, inline SVG charts
 * drawn here, a small inline script that adds sorting and filtering (the
 * page reads the same without it). A Content-Security-Policy allows only
 * the page's own style and script, by hash.
 *
 * Every string of the store was written by a scanned site: it goes through
 * text_out(), which escapes it for element content and attribute values
 * alike, makes invalid UTF-8 U+FFFD, control characters visible (U+2400
 * pictures) and bidirectional controls visible as their code point, and
 * cuts very long strings. Data in element content is also wrapped in <bdi>
 * so right-to-left text stays in its cell. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../error.h"
#include "probestore/report.h"
#include "probestore/url.h"
#include "../util.h"

/* Bytes of a data string shown in a table cell and in a diff line; the
 * rest is counted, not shown. */
#define CELL_MAX 500
#define TEXT_MAX 2000

typedef struct html {
	int fd;
	ps_buf b;
	int rc;
} html;

static void flush_out(html *h)
{
	if (!h->rc && ps_write_full(h->fd, h->b.data, h->b.len))
		h->rc = ps_err(PS_EIO, "report: cannot write the HTML: %s", errno ? strerror(errno) : "short write");
	h->b.len = 0;
}

static void out(html *h, const char *s, size_t n)
{
	if (h->rc)
		return;
	if (ps_buf_add(&h->b, s, n))
		h->rc = ps_err_nomem();
	else if (h->b.len >= 1 << 16)
		flush_out(h);
}

static void put(html *h, const char *s)
{
	out(h, s, strlen(s));
}

static void putf(html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(html *h, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out(h, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* s[0..n) as text safe in element content and in a quoted attribute value. */
static void text_n(html *h, const char *s, size_t n, size_t max)
{
	size_t i = 0, start = 0;
	size_t lim = n > max ? max : n;
	while (i < lim) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		char tmp[32];
		size_t adv = 1;
		if (c >= 0x80) {
			uint32_t cp;
			size_t k = ps_utf8_seq(s + i, n - i, &cp);
			if (!k)
				rep = "\xEF\xBF\xBD"; /* U+FFFD */
			else if (cp >= 0x80 && cp <= 0x9F)
				rep = "\xEF\xBF\xBD";
			else if (is_bidi_control(cp)) {
				snprintf(tmp, sizeof tmp, "&lt;U+%04" PRIX32 "&gt;", cp);
				rep = tmp;
				adv = k;
			} else {
				i += k;
				continue;
			}
		} else if (c < 0x20 && c != '\t' && c != '\n') {
			/* a control character as its picture: U+2400 + c */
			tmp[0] = (char)0xE2;
			tmp[1] = (char)0x90;
			tmp[2] = (char)(0x80 + c);
			tmp[3] = 0;
			rep = tmp;
		} else if (c == 0x7F) {
			rep = "\xE2\x90\xA1";
		} else if (c == '&') {
			rep = "&amp;";
		} else if (c == '<') {
			rep = "&lt;";
		} else if (c == '>') {
			rep = "&gt;";
		} else if (c == '"') {
			rep = "&quot;";
		} else if (c == '\'') {
			rep = "&#39;";
		} else {
			i++;
			continue;
		}
		out(h, s + start, i - start);
		put(h, rep);
		i += adv;
		start = i;
	}
	out(h, s + start, i - start);
	if (n > i)
		putf(h, "\xE2\x80\xA6 (%zu more bytes)", n - i); /* no markup: text_n also writes attribute values */
}

static void text(html *h, const char *s)
{
	if (s)
		text_n(h, s, strlen(s), TEXT_MAX);
}

/* Data in element content: isolated from the text around it. */
static void data(html *h, const char *s)
{
	put(h, "<bdi>");
	if (s)
		text_n(h, s, strlen(s), CELL_MAX);
	put(h, "</bdi>");
}

static bool linkable(const char *u)
{
	if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
		return false;
	/* ps_url_check refuses spaces and control characters, and sets an
	 * error message a rendering has no use for: keep the caller's. */
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\' || *p >= 0x80)
			return false;
	return strlen(u) <= PS_URL_MAX;
}

/* A URL: a link for http and https URLs, text otherwise. */
static void url_cell(html *h, const char *u)
{
	if (u && linkable(u)) {
		put(h, "<a rel=\"noreferrer noopener\" href=\"");
		text(h, u);
		put(h, "\">");
		data(h, u);
		put(h, "</a>");
	} else {
		data(h, u);
	}
}

static const char *iso(int64_t ms, char buf[40])
{
	if (ms <= 0)
		return "-";
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%d %H:%M:%S", &tm);
	if (ms % 1000)
		snprintf(buf + n, 40 - n, ".%03d", (int)(ms % 1000));
	strncat(buf, " UTC", 40 - strlen(buf) - 1);
	return buf;
}

/* The time as `probestore query --scan` takes it. */
static const char *iso_arg(int64_t ms, char buf[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms % 1000)
		snprintf(buf + n, 40 - n, ".%03dZ", (int)(ms % 1000));
	else
		snprintf(buf + n, 40 - n, "Z");
	return buf;
}

static const char *short_time(int64_t ms, char buf[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 40, "%m-%d %H:%M", &tm);
	return buf;
}

/* ---- page resources ---- */

static const char css[] =
	":root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--mute:#59636e;--line:#d1d9e0;--card:#f6f8fa;"
	"--c1:#0969da;--c2:#1a7f37;--c3:#cf222e;--c4:#9a6700;--add:#dafbe1;--del:#ffebe9;--addfg:#116329;"
	"--delfg:#82071e;--link:#0969da}\n"
	"@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;--line:#3d444d;"
	"--card:#151b23;--c1:#4493f8;--c2:#3fb950;--c3:#f85149;--c4:#d29922;--add:#12261e;--del:#25171c;"
	"--addfg:#7ee787;--delfg:#ffa198;--link:#4493f8}}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
	"Roboto,sans-serif}\n"
	"header,main,footer{max-width:1200px;margin:0 auto;padding:12px 16px}\n"

	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.3em;margin:1.4em 0 .3em;overflow-wrap:anywhere}"
	"h3{font-size:1.1em;margin:1.1em 0 .3em}h4{display:inline;font-size:1em;margin:0}\n"
	"a{color:var(--link)}\n"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:.5em 0}"
	"dl.facts dt{color:var(--mute)}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
	"nav ul{display:flex;flex-wrap:wrap;gap:2px 20px;list-style:none;padding:0;margin:.4em 0}\n"
	"section.target,section.files{border-top:1px solid var(--line);margin-top:1.5em}\n"
	".meta,.more,.note{color:var(--mute);font-size:.92em}\n"
	"details{margin:.4em 0}summary{cursor:pointer;padding:2px 0}\n"
	".scroll{overflow-x:auto;max-width:100%}\n"
	"table{border-collapse:collapse;width:100%;font-size:.92em}\n"
	"th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;"
	"overflow-wrap:anywhere;min-width:5em}\n"
	"th{background:var(--card);position:sticky;top:0}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.url{min-width:14em}\n"
	".tech{display:inline-block;background:var(--card);border:1px solid var(--line);border-radius:4px;"
	"padding:0 4px;margin:1px 2px 1px 0;font-size:.9em}\n"
	".s2{color:var(--c2)}.s3{color:var(--c1)}.s4{color:var(--c4)}.s5,.err{color:var(--c3)}\n"
	"code,pre,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}\n"
	".hash{overflow-wrap:anywhere}\n"
	"svg{max-width:100%;height:auto;display:block}figure.chart{margin:0;overflow-x:auto}"
	"svg.scans{min-width:520px}\n"
	"svg text{fill:var(--fg);font:12px system-ui,sans-serif}svg .axis{stroke:var(--mute);stroke-width:1}"
	"svg .grid{stroke:var(--line);stroke-width:1}\n"
	".l-records{stroke:var(--c1)}.l-new{stroke:var(--c2)}.l-old{stroke:var(--c3)}.l-changed{stroke:var(--c4)}"
	"polyline{fill:none;stroke-width:2}\n"
	".pt-records{fill:var(--c1)}.pt-new{fill:var(--c2)}.pt-old{fill:var(--c3)}.pt-changed{fill:var(--c4)}"
	".bar{fill:var(--c1)}\n"
	".legend{display:flex;gap:14px;flex-wrap:wrap;font-size:.9em;margin:.2em 0}.legend span::before{"
	"content:'';display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle;"
	"background:currentColor}.k-records{color:var(--c1)}.k-new{color:var(--c2)}.k-old{color:var(--c3)}"
	".k-changed{color:var(--c4)}\n"
	".dists{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:8px 24px}\n"
	".dists h4{display:block;margin:.6em 0 .2em}\n"
	"article.file{border:1px solid var(--line);border-radius:6px;padding:4px 12px 10px;margin:12px 0}\n"
	"article.file h3{overflow-wrap:anywhere}\n"
	"table.diff{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}"
	"table.diff td{border:0;padding:0 6px;white-space:pre-wrap}"
	"table.diff td.ln{color:var(--mute);text-align:right;user-select:none;width:1%;white-space:nowrap}"
	"tr.add td{background:var(--add);color:var(--addfg)}tr.del td{background:var(--del);color:var(--delfg)}"
	"tr.skip td{color:var(--mute);font-style:italic}\n"
	"input.filter{margin:4px 0;padding:3px 6px;width:min(20em,100%);font:inherit;background:var(--bg);"
	"color:var(--fg);border:1px solid var(--line);border-radius:4px}\n"
	"th.sortable{cursor:pointer}\n"
	"footer{border-top:1px solid var(--line);color:var(--mute);font-size:.9em}\n"
	"@media (max-width:640px){body{font-size:14px}header,main,footer{padding:8px}td,th{padding:3px 4px}"
	"td.url{min-width:9em}}\n"
	"@media print{:root{--bg:#fff;--fg:#000;--mute:#444;--line:#bbb;--card:#eee;--add:#e6ffec;--del:#ffebe9;"
	"--addfg:#000;--delfg:#000}body{font-size:10pt}nav,input.filter{display:none}"
	"details>*{display:block}th{position:static}a{color:inherit;text-decoration:none}"
	"section.target,article.file{break-inside:auto}figure,svg,tr{break-inside:avoid}"
	"header,main,footer{max-width:none}}\n";

/* Opens every <details> for printing, adds a filter box above each table
 * and sorting by a click on a column heading. */
static const char script[] =
	"(function(){'use strict';\n"
	"function key(td){var v=td.getAttribute('data-v');if(v!==null)return parseFloat(v);"
	"return td.textContent.trim().toLowerCase();}\n"
	"document.querySelectorAll('table.data').forEach(function(t){\n"
	" var tb=t.tBodies[0];if(!tb)return;\n"
	" var f=document.createElement('input');f.type='search';f.className='filter';"
	"f.placeholder='Filter rows';f.setAttribute('aria-label','Filter rows');\n"
	" f.addEventListener('input',function(){var q=f.value.toLowerCase();"
	"Array.prototype.forEach.call(tb.rows,function(r){r.hidden=q!==''&&"
	"r.textContent.toLowerCase().indexOf(q)<0;});});\n"
	" t.parentNode.parentNode.insertBefore(f,t.parentNode);\n"
	" Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.classList.add('sortable');"
	"th.title='Sort';var asc=true;th.addEventListener('click',function(){var rows=Array.prototype.slice."
	"call(tb.rows);rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);"
	"return (x<y?-1:x>y?1:0)*(asc?1:-1);});asc=!asc;rows.forEach(function(r){tb.appendChild(r);});});});\n"
	"});\n"
	"window.addEventListener('beforeprint',function(){document.querySelectorAll('details')."
	"forEach(function(d){d.open=true;});});\n"
	"})();\n";

static int sha256_b64(const char *s, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return ps_err(PS_EIO, "report: SHA-256 failed");
	EVP_EncodeBlock((unsigned char *)out, md, 32);
	return 0;
}

/* ---- charts ---- */

static int64_t nice_max(int64_t v)
{
	if (v <= 5)
		return 5;
	int64_t p = 1;
	while (p * 10 <= v)
		p *= 10;
	for (int m = 1; m <= 10; m++)
		if (m * p >= v && (m == 1 || m == 2 || m == 5 || m == 10))
			return m * p;
	return 10 * p;
}

typedef struct series {
	const char *name;
	int64_t (*get)(const ps_report_scan *s);
} series;

static int64_t get_records(const ps_report_scan *s) { return s->records; }
static int64_t get_new(const ps_report_scan *s) { return s->n_new; }
static int64_t get_old(const ps_report_scan *s) { return s->n_old; }
static int64_t get_changed(const ps_report_scan *s) { return s->n_changed; }

static void chart_scans(html *h, const ps_report_target *t)
{
	static const series all[] = {
		{"records", get_records}, {"new", get_new}, {"old", get_old}, {"changed", get_changed}};
	size_t nser = 3;
	for (size_t i = 0; i < t->n_scans; i++)
		if (t->scans[i].n_changed >= 0)
			nser = 4; /* the fourth series once scans record changed URLs */
	int64_t maxv = 0;
	for (size_t i = 0; i < t->n_scans; i++)
		for (size_t k = 0; k < nser; k++)
			if (all[k].get(&t->scans[i]) > maxv)
				maxv = all[k].get(&t->scans[i]);
	int64_t top = nice_max(maxv);
	const int W = 760, H = 260, L = 56, R = 16, T = 14, B = 58;
	const int pw = W - L - R, ph = H - T - B;
	size_t n = t->n_scans;
	put(h, "<figure class=\"chart\">");
	put(h, "<div class=\"legend\">");
	for (size_t k = 0; k < nser; k++)
		putf(h, "<span class=\"k-%s\">%s</span>", all[k].name, all[k].name);
	put(h, "</div>");
	putf(h, "<svg class=\"scans\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"Records, new and old URLs per scan of ",
	     W, H, W, H);
	text(h, t->host_port);
	put(h, "\">");
	/* y axis: five steps */
	for (int k = 0; k <= 5; k++) {
		int64_t v = top * k / 5;
		double y = T + ph - (double)ph * k / 5;
		putf(h, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", L, L + pw, y, y);
		putf(h, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>", L - 6, y + 4, v);
	}
	putf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", L, L, T, T + ph);
	putf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", L, L + pw, T + ph, T + ph);
	putf(h, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">URLs</text>",
	     T + ph / 2, T + ph / 2);
	putf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">scan time (UTC)</text>", L + pw / 2, H - 4);
	/* x: one slot per scan; at most 12 labels */
	size_t every = n > 12 ? (n + 11) / 12 : 1;
	char tb[40];
	for (size_t i = 0; i < n; i++) {
		double x = n == 1 ? L + pw / 2.0 : L + (double)pw * (double)i / (double)(n - 1);
		if (i % every == 0 || i + 1 == n) {
			putf(h, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", x, x, T + ph,
			     T + ph + 4);
			if (i % every == 0)
				putf(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>", x, T + ph + 18,
				     n > 1 && i == 0 ? "start" : n > 1 && i + 1 == n ? "end" : "middle",
				     short_time(t->scans[i].time_ms, tb));
		}
	}
	for (size_t k = 0; k < nser; k++) {
		putf(h, "<polyline class=\"l-%s\" points=\"", all[k].name);
		for (size_t i = 0; i < n; i++) {
			double x = n == 1 ? L + pw / 2.0 : L + (double)pw * (double)i / (double)(n - 1);
			int64_t v = all[k].get(&t->scans[i]);
			double y = T + ph - (double)ph * (double)(v < 0 ? 0 : v) / (double)top;
			putf(h, "%s%.1f,%.1f", i ? " " : "", x, y);
		}
		put(h, "\"/>");
	}
	for (size_t k = 0; k < nser; k++) {
		for (size_t i = 0; i < n; i++) {
			double x = n == 1 ? L + pw / 2.0 : L + (double)pw * (double)i / (double)(n - 1);
			int64_t v = all[k].get(&t->scans[i]);
			double y = T + ph - (double)ph * (double)(v < 0 ? 0 : v) / (double)top;
			putf(h, "<circle class=\"pt pt-%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s: %s %" PRId64
			        "</title></circle>",
			     all[k].name, x, y, iso(t->scans[i].time_ms, tb), all[k].name, v);
		}
	}
	put(h, "</svg></figure>");
}

static void dist_chart(html *h, const char *title, const char *cls, const ps_report_dist *d)
{
	putf(h, "<div class=\"dist %s\"><h4>%s <span class=\"meta\">(%" PRId64 " distinct)</span></h4>", cls, title,
	     d->n_distinct);
	if (!d->n) {
		put(h, "<p class=\"note\">none</p></div>");
		return;
	}
	int64_t maxv = 1;
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].count > maxv)
			maxv = d->items[i].count;
	const int W = 380, LW = 150, CW = 50, RH = 22;
	size_t rows = d->n + (d->rest ? 1 : 0);
	int H = (int)rows * RH + 4;
	putf(h, "<svg class=\"bars\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">",
	     W, H, W, H, title);
	for (size_t i = 0; i < rows; i++) {
		bool rest = i == d->n;
		int64_t v = rest ? d->rest : d->items[i].count;
		double bw = (double)(W - LW - CW) * (double)v / (double)(maxv > v ? maxv : v);
		int y = (int)i * RH + 2;
		put(h, "<g class=\"bar-row\"><title>");
		if (rest)
			put(h, "others");
		else
			text(h, d->items[i].name);
		putf(h, ": %" PRId64 "</title>", v);
		putf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LW - 6, y + 15);
		if (rest) {
			putf(h, "%" PRId64 " others", d->n_distinct - (int64_t)d->n);
		} else {
			const char *nm = d->items[i].name;
			size_t len = strlen(nm);
			/* labels cut to fit; the full name is in the title */
			size_t cut = len;
			if (len > 20) {
				cut = 18;
				while (cut > 0 && ((unsigned char)nm[cut] & 0xC0) == 0x80)
					cut--;
			}
			text_n(h, nm, cut, cut);
			if (cut < len)
				put(h, "\xE2\x80\xA6");
		}
		put(h, "</text>");
		putf(h, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\"/>", LW, y + 3,
		     bw < 1 ? 1 : bw, RH - 6);
		putf(h, "<text x=\"%.1f\" y=\"%d\">%" PRId64 "</text></g>", LW + (bw < 1 ? 1 : bw) + 5, y + 15, v);
	}
	put(h, "</svg></div>");
}

/* ---- tables ---- */

static void status_cell(html *h, int32_t s)
{
	if (s > 0)
		putf(h, "<td class=\"num s%d\" data-v=\"%d\">%d</td>", s / 100 < 10 ? s / 100 : 0, (int)s, (int)s);
	else
		put(h, "<td class=\"num\" data-v=\"0\">-</td>");
}

static void techs_cell(html *h, const ps_report_row *r)
{
	put(h, "<td>");
	for (size_t i = 0; i < r->n_technologies; i++) {
		put(h, "<span class=\"tech\">");
		data(h, r->technologies[i]);
		put(h, "</span> ");
	}
	put(h, "</td>");
}

static void cmd_hint(html *h, const char *what, int64_t left, const char *target, int64_t scan_ms,
                     const char *filter)
{
	char tb[40];
	putf(h, "<p class=\"more\">%" PRId64 " more %s not shown; list them all with <code>probestore query --target ",
	     left, what);
	text(h, target);
	putf(h, " --scan %s %s --limit 0</code></p>", iso_arg(scan_ms, tb), filter);
}

/* The changed URLs of the latest diff: each changed field with its old
 * and new value. */
static void changed_table(html *h, const char *id, const ps_report_target *t)
{
	putf(h, "<details class=\"rows\" id=\"%s\"%s data-total=\"%" PRId64 "\"><summary><h4>Changed URLs (%" PRId64
	        ")</h4>",
	     id, t->changed_total <= 20 ? " open" : "", t->changed_total, t->changed_total);
	if ((int64_t)t->n_changed < t->changed_total)
		putf(h, " <span class=\"meta\">first %zu shown</span>", t->n_changed);
	put(h, "</summary>");
	if (!t->changed_total) {
		put(h, "<p class=\"note\">none</p></details>");
		return;
	}
	put(h, "<div class=\"scroll\"><table class=\"data\"><thead><tr><th>URL</th><th>Field</th><th>Old</th>"
	       "<th>New</th></tr></thead><tbody>");
	for (size_t i = 0; i < t->n_changed; i++) {
		const ps_url_change *c = &t->changed[i];
		for (size_t j = 0; j < c->n_fields; j++) {
			const ps_field_change *f = &c->fields[j];
			put(h, "<tr><td class=\"url\">");
			if (j == 0)
				url_cell(h, c->url);
			put(h, "</td><td>");
			data(h, f->field);
			put(h, "</td><td class=\"old\">");
			data(h, f->removed ? f->removed : f->old_value ? f->old_value : "");
			put(h, "</td><td class=\"new\">");
			data(h, f->added ? f->added : f->new_value ? f->new_value : "");
			put(h, "</td></tr>");
		}
	}
	put(h, "</tbody></table></div></details>");
}

static void url_table(html *h, const char *id, const char *title, const ps_report_rows *rows,
                      const ps_report_target *t, const char *filter, bool errors)
{
	size_t open_max = 20;
	putf(h, "<details class=\"rows\" id=\"%s\"%s data-total=\"%" PRId64 "\"><summary><h4>%s (%" PRId64 ")</h4>",
	     id, rows->total <= (int64_t)open_max ? " open" : "", rows->total, title, rows->total);
	if ((int64_t)rows->n < rows->total)
		putf(h, " <span class=\"meta\">first %zu shown</span>", rows->n);
	put(h, "</summary>");
	if (!rows->total) {
		put(h, "<p class=\"note\">none</p></details>");
		return;
	}
	put(h, "<div class=\"scroll\"><table class=\"data\"><thead><tr><th>URL</th><th class=\"num\">Status</th>");
	if (errors)
		put(h, "<th>Error</th>");
	else
		put(h, "<th>Title</th><th>Technologies</th><th>Web server</th>");
	put(h, "</tr></thead><tbody>");
	for (size_t i = 0; i < rows->n; i++) {
		const ps_report_row *r = &rows->rows[i];
		put(h, "<tr><td class=\"url\">");
		url_cell(h, r->url);
		put(h, "</td>");
		status_cell(h, r->status_code);
		if (errors) {
			put(h, "<td class=\"err\">");
			data(h, r->error);
			put(h, "</td>");
		} else {
			put(h, "<td>");
			data(h, r->title);
			put(h, "</td>");
			techs_cell(h, r);
			put(h, "<td>");
			data(h, r->web_server);
			put(h, "</td>");
		}
		put(h, "</tr>");
	}
	put(h, "</tbody></table></div>");
	if ((int64_t)rows->n < rows->total)
		cmd_hint(h, errors ? "failed probes" : "URLs", rows->total - (int64_t)rows->n, t->target,
		         t->latest_ms, filter);
	put(h, "</details>");
}

static void target_section(html *h, const ps_report_target *t, size_t idx)
{
	char tb[40], tb2[40];
	putf(h, "<section class=\"target\" id=\"t%zu\" data-target=\"", idx);
	text(h, t->host_port);
	putf(h, "\" data-scans=\"%zu\"><h2>", t->n_scans);
	data(h, t->host_port);
	put(h, "</h2>");
	if (!t->n_scans) {
		put(h, "<p class=\"note\">No scan in the time range.</p></section>");
		return;
	}
	const ps_report_scan *last = &t->scans[t->n_scans - 1];
	putf(h, "<p class=\"meta\">%zu scan%s; latest %s with %" PRId64 " records", t->n_scans,
	     t->n_scans == 1 ? "" : "s", iso(t->latest_ms, tb), last->records);
	if (t->previous_ms)
		putf(h, ", compared with the scan of %s", iso(t->previous_ms, tb2));
	put(h, ".</p>");

	put(h, "<h3>Over time</h3>");
	chart_scans(h, t);
	putf(h, "<details class=\"scanlist\"><summary>Scans (%zu)</summary><div class=\"scroll\"><table class=\"data "
	        "scans\"><thead><tr><th>Scan time</th><th class=\"num\">Records</th><th class=\"num\">New</th>"
	        "<th class=\"num\">Old</th></tr></thead><tbody>",
	     t->n_scans);
	for (size_t i = t->n_scans; i-- > 0;) {
		const ps_report_scan *s = &t->scans[i];
		putf(h, "<tr><td data-v=\"%" PRId64 "\">%s</td><td class=\"num\" data-v=\"%" PRId64 "\">%" PRId64
		        "</td><td class=\"num\" data-v=\"%" PRId64 "\">%" PRId64 "</td><td class=\"num\" data-v=\"%" PRId64
		        "\">%" PRId64 "</td></tr>",
		     s->time_ms, iso(s->time_ms, tb), s->records, s->records, s->n_new, s->n_new, s->n_old, s->n_old);
	}
	put(h, "</tbody></table></div></details>");

	put(h, "<h3>Latest diff</h3>");
	char id[64];
	snprintf(id, sizeof id, "t%zu-new", idx);
	url_table(h, id, "New URLs", &t->new_urls, t, "--diff new", false);
	snprintf(id, sizeof id, "t%zu-old", idx);
	url_table(h, id, "Old URLs", &t->old_urls, t, "--diff old", false);
	snprintf(id, sizeof id, "t%zu-changed", idx);
	changed_table(h, id, t);

	put(h, "<h3>Latest scan</h3><div class=\"dists\">");
	dist_chart(h, "Status classes", "d-status", &t->status_classes);
	dist_chart(h, "Top technologies", "d-tech", &t->technologies);
	dist_chart(h, "Web servers", "d-server", &t->web_servers);
	dist_chart(h, "Content types", "d-ctype", &t->content_types);
	put(h, "</div>");

	put(h, "<h3>Failed probes</h3>");
	snprintf(id, sizeof id, "t%zu-failed", idx);
	url_table(h, id, "Failed probes", &t->failed, t, "--errors", true);
	put(h, "</section>");
}

static void diff_text(html *h, const char *s, size_t n)
{
	text_n(h, s, n, TEXT_MAX);
}

static void file_article(html *h, const ps_report_file *f, size_t idx)
{
	char tb[40];
	putf(h, "<article class=\"file\" id=\"f%zu\"><h3>", idx);
	url_cell(h, f->url);
	put(h, "</h3><p class=\"meta\">");
	data(h, f->host_port);
	putf(h, " &middot; %" PRId64 " version%s stored</p>", f->total_versions, f->total_versions == 1 ? "" : "s");
	putf(h, "<details class=\"versions\"%s><summary>Versions (%zu", f->n_versions <= 5 ? " open" : "",
	     f->n_versions);
	if ((int64_t)f->n_versions < f->total_versions)
		putf(h, " of %" PRId64, f->total_versions);
	put(h, ")</summary><div class=\"scroll\"><table class=\"data versions\"><thead><tr><th>Time</th><th>Hash</th>"
	       "<th class=\"num\">Size</th><th class=\"num\">Added</th><th class=\"num\">Deleted</th></tr></thead>"
	       "<tbody>");
	for (size_t i = 0; i < f->n_versions; i++) {
		const ps_report_version *v = &f->versions[i];
		putf(h, "<tr><td data-v=\"%" PRId64 "\">%s</td><td class=\"hash\">", v->time_ms, iso(v->time_ms, tb));
		data(h, v->hash);
		putf(h, "</td><td class=\"num\" data-v=\"%" PRId64 "\">%" PRId64 "</td>", v->size, v->size);
		if (v->lines_added >= 0)
			putf(h, "<td class=\"num\" data-v=\"%" PRId64 "\">+%" PRId64 "</td><td class=\"num\" data-v=\"%" PRId64
			        "\">-%" PRId64 "</td>",
			     v->lines_added, v->lines_added, v->lines_deleted, v->lines_deleted);
		else
			put(h, "<td class=\"num\" data-v=\"-1\">first</td><td class=\"num\" data-v=\"-1\"></td>");
		put(h, "</tr>");
	}
	put(h, "</tbody></table></div></details>");
	if (!f->has_diff) {
		put(h, "<p class=\"note\">No change stored yet.</p></article>");
		return;
	}
	putf(h, "<details class=\"diff\"%s><summary>Latest diff, %s: <span class=\"s2\">+%" PRId64
	        "</span> <span class=\"s5\">-%" PRId64 "</span> lines</summary>",
	     f->n_lines <= 40 ? " open" : "", iso(f->diff_time_ms, tb), f->lines_added, f->lines_deleted);
	if (*f->diff_note) {
		put(h, "<p class=\"note\">");
		data(h, f->diff_note);
		put(h, "</p>");
	}
	if (f->n_lines) {
		put(h, "<div class=\"scroll\"><table class=\"diff\"><tbody>");
		put(h, "<tr class=\"skip\"><td class=\"ln\"></td><td class=\"ln\"></td><td>--- ");
		text(h, f->old_hash);
		put(h, "\n+++ ");
		text(h, f->new_hash);
		put(h, "</td></tr>");
		for (size_t i = 0; i < f->n_lines; i++) {
			const ps_report_diff_line *l = &f->lines[i];
			if (l->op == '~') {
				putf(h, "<tr class=\"skip\"><td class=\"ln\"></td><td class=\"ln\"></td><td>&#8942; %" PRId64
				        " unchanged line%s</td></tr>",
				     l->n_skipped, l->n_skipped == 1 ? "" : "s");
				continue;
			}
			const char *cls = l->op == '+' ? "add" : l->op == '-' ? "del" : "ctx";
			putf(h, "<tr class=\"%s\"><td class=\"ln\">", cls);
			if (l->old_no)
				putf(h, "%" PRId64, l->old_no);
			put(h, "</td><td class=\"ln\">");
			if (l->new_no)
				putf(h, "%" PRId64, l->new_no);
			putf(h, "</td><td><bdi>%c", l->op);
			diff_text(h, l->text, l->text_len);
			put(h, "</bdi></td></tr>");
		}
		put(h, "</tbody></table></div>");
		if (f->lines_capped)
			put(h, "<p class=\"more\">The diff continues; <code>probestore history diffs URL</code> prints it "
			       "whole.</p>");
	}
	put(h, "</details></article>");
}

int ps_report_render_html(const ps_report *r, int fd)
{
	html hh = {.fd = fd};
	html *h = &hh;
	char css_hash[64], js_hash[64], tb[40], tb2[40];
	int rc = sha256_b64(css, css_hash);
	if (!rc)
		rc = sha256_b64(script, js_hash);
	if (rc)
		return rc;
	put(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
	putf(h, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-%s'; "
	        "script-src 'sha256-%s'; base-uri 'none'; form-action 'none'\">\n",
	     css_hash, js_hash);
	put(h, "<meta name=\"referrer\" content=\"no-referrer\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	       "<meta name=\"color-scheme\" content=\"light dark\">\n"
	       "<meta name=\"generator\" content=\"probestore ");
	text(h, r->version);
	put(h, "\">\n<title>probestore report</title>\n<style>");
	put(h, css);
	put(h, "</style></head>\n<body>\n<header><h1>probestore report</h1><dl class=\"facts\"><dt>Data directory</dt><dd>");
	data(h, r->base_path);
	put(h, "</dd><dt>Time range</dt><dd id=\"range\">");
	if (r->first_ms)
		putf(h, "%s &ndash; %s", iso(r->first_ms, tb), iso(r->last_ms, tb2));
	else
		put(h, "no data");
	if (r->since_ms != PS_TIME_UNSET || r->until_ms != PS_TIME_UNSET) {
		put(h, " <span class=\"meta\">(asked: ");
		put(h, r->since_ms != PS_TIME_UNSET ? iso(r->since_ms, tb) : "the start");
		put(h, " &ndash; ");
		put(h, r->until_ms != PS_TIME_UNSET ? iso(r->until_ms, tb2) : "now");
		put(h, ")</span>");
	}
	int64_t failed = 0;
	for (size_t i = 0; i < r->n_targets; i++)
		failed += r->targets[i].failed.total;
	putf(h, "</dd><dt>Targets</dt><dd id=\"n-targets\">%zu</dd><dt>Scans</dt><dd id=\"n-scans\">%" PRId64
	        "</dd><dt>Records in the latest scans</dt><dd id=\"n-records\">%" PRId64 "</dd>"
	        "<dt>Failed probes in the latest scans</dt><dd id=\"n-failed\">%" PRId64 "</dd>"
	        "<dt>Monitored files</dt><dd id=\"n-files\">%" PRId64 "</dd></dl>\n",
	     r->n_targets, r->total_scans, r->total_records, failed, r->total_files);
	if (r->n_targets || r->n_files) {
		put(h, "<nav><ul>");
		for (size_t i = 0; i < r->n_targets; i++) {
			putf(h, "<li><a href=\"#t%zu\">", i);
			data(h, r->targets[i].host_port);
			putf(h, "</a> <span class=\"meta\">%" PRId64 " new, %" PRId64 " old</span></li>",
			     r->targets[i].new_urls.total, r->targets[i].old_urls.total);
		}
		if (r->n_files)
			put(h, "<li><a href=\"#files\">Monitored files</a></li>");
		put(h, "</ul></nav>");
	}
	put(h, "</header>\n<main>\n");
	if (!r->n_targets && !r->total_files)
		put(h, "<p class=\"note\">The store holds no scan and no monitored file in this range.</p>");
	for (size_t i = 0; i < r->n_targets; i++) {
		target_section(h, &r->targets[i], i);
		put(h, "\n");
	}
	putf(h, "<section class=\"files\" id=\"files\" data-total=\"%" PRId64 "\"><h2>Monitored files (%" PRId64 ")</h2>",
	     r->total_files, r->total_files);
	if (!r->total_files)
		put(h, "<p class=\"note\">No file history in this range.</p>");
	else if ((int64_t)r->n_files < r->total_files)
		putf(h, "<p class=\"more\">The %zu most recently changed shown, %" PRId64
		        " more not shown: <code>probestore report --target URL</code> or <code>--since TIME</code> "
		        "narrows the page; <code>probestore history list URL</code> lists a file's versions.</p>",
		     r->n_files, r->total_files - (int64_t)r->n_files);
	for (size_t i = 0; i < r->n_files; i++) {
		file_article(h, &r->files[i], i);
		put(h, "\n");
	}
	put(h, "</section>\n</main>\n<footer>Generated ");
	put(h, iso((int64_t)time(NULL) * 1000, tb));
	put(h, " by probestore <span id=\"version\">");
	text(h, r->version);
	put(h, "</span>.</footer>\n<script>");
	put(h, script);
	put(h, "</script>\n</body></html>\n");
	flush_out(h);
	rc = h->rc;
	ps_buf_free(&h->b);
	return rc;
}

int ps_report_write_html(ps_store *st, const ps_report_options *o, int fd)
{
	ps_report r;
	int rc = ps_report_gather(st, o, &r);
	if (!rc)
		rc = ps_report_render_html(&r, fd);
	ps_report_free(&r);
	return rc;
}
