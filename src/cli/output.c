/* Tables, CSV and the JSON Lines form of probe results. */
#include "output.h"

#include <inttypes.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"

void table_init(table *t, const table_col *cols, int ncols)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = ncols;
	/* widths by Unicode's tables whatever the user's locale, so that the
	 * output is the same for everyone; C.UTF-8 is built into glibc */
	t->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Columns a terminal gives cp: 2 for wide (CJK, most emoji), 0 for
 * combining marks and other zero-width characters, 1 otherwise; without
 * the C.UTF-8 locale, 1 for every character. Controls are replaced
 * before this is asked. */
static int cp_width(const table *t, uint32_t cp)
{
	if (!t->utf8)
		return 1;
	locale_t old = uselocale(t->utf8);
	int w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w;
}

/* The next character of s[i..n) as it is shown in a cell: *out gets its
 * bytes (*olen), *w its columns; returns the bytes of s it takes. Control
 * characters become a space; bytes that are not UTF-8 and characters a
 * terminal cannot show become U+FFFD. */
static size_t cell_char(const table *t, const char *s, size_t i, size_t n, const char **out, size_t *olen, int *w)
{
	static const char space[] = " ", repl[] = "\xEF\xBF\xBD";
	uint32_t cp;
	size_t l = ps_utf8_seq(s + i, n - i, &cp);
	if (l == 0) {
		*out = repl, *olen = 3, *w = 1;
		return 1;
	}
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
		*out = space, *olen = 1, *w = 1;
		return l;
	}
	/* a skin tone after an emoji joins it into one wide character */
	int cw = cp >= 0x1F3FB && cp <= 0x1F3FF && i > 0 ? 0 : cp_width(t, cp);
	if (cw < 0) {
		*out = repl, *olen = 3, *w = 1;
		return l;
	}
	*out = s + i, *olen = l, *w = cw;
	return l;
}

/* A copy of s fit for one table cell (see cell_char), at most max
 * terminal columns wide (0: no limit): when cut, the characters that fit
 * in max - 1 columns (with the zero-width marks that follow them) and an
 * ellipsis. */
static char *cell_copy(const table *t, const char *s, int max)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	int total = 0;
	for (size_t i = 0; i < n;) {
		const char *o;
		size_t ol;
		int w;
		i += cell_char(t, s, i, n, &o, &ol, &w);
		total += w;
	}
	bool cut = max > 0 && total > max;
	int room = cut ? max - 1 : total;
	/* at most 3 bytes out per byte in (a stray byte becomes U+FFFD) */
	char *c = cli_xrealloc(NULL, 3 * n + 4);
	size_t at = 0;
	int used = 0;
	for (size_t i = 0; i < n;) {
		const char *o;
		size_t ol;
		int w;
		size_t l = cell_char(t, s, i, n, &o, &ol, &w);
		if (used + w > room)
			break;
		memcpy(c + at, o, ol);
		at += ol;
		used += w;
		i += l;
	}
	if (cut) {
		memcpy(c + at, "\xE2\x80\xA6", 3);
		at += 3;
	}
	c[at] = 0;
	return c;
}

/* Terminal columns of a cell made by cell_copy (or a header). */
static int width(const table *t, const char *s)
{
	size_t n = strlen(s);
	int w = 0;
	for (size_t i = 0; i < n;) {
		const char *o;
		size_t ol;
		int cw;
		i += cell_char(t, s, i, n, &o, &ol, &cw);
		w += cw;
	}
	return w;
}

void table_add(table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = cli_xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof *t->cells);
	}
	for (int k = 0; k < t->ncols; k++)
		t->cells[t->rows * (size_t)t->ncols + (size_t)k] = cell_copy(t, cells[k], t->cols[k].max_width);
	t->rows++;
}

static void pad(strbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		sb_putc(b, ' ');
}

void table_render(const table *t, strbuf *b)
{
	int *w = cli_xrealloc(NULL, (size_t)t->ncols * sizeof *w);
	for (int k = 0; k < t->ncols; k++) {
		w[k] = (int)strlen(t->cols[k].head);
		for (size_t r = 0; r < t->rows; r++) {
			int x = width(t, t->cells[r * (size_t)t->ncols + (size_t)k]);
			if (x > w[k])
				w[k] = x;
		}
	}
	for (size_t r = 0; r <= t->rows; r++) {
		strbuf line = {0};
		for (int k = 0; k < t->ncols; k++) {
			const char *s;
			char head[64];
			if (r == 0) {
				size_t i = 0;
				for (; t->cols[k].head[i] && i < sizeof head - 1; i++)
					head[i] = (char)(t->cols[k].head[i] >= 'a' && t->cols[k].head[i] <= 'z'
					                     ? t->cols[k].head[i] - 32
					                     : t->cols[k].head[i]);
				head[i] = 0;
				s = head;
			} else {
				s = t->cells[(r - 1) * (size_t)t->ncols + (size_t)k];
			}
			int gap = w[k] - width(t, s);
			if (k)
				sb_put(&line, "  ", 2);
			if (t->cols[k].right)
				pad(&line, gap);
			sb_puts(&line, s);
			if (!t->cols[k].right && k + 1 < t->ncols)
				pad(&line, gap);
		}
		/* no trailing blanks when the last cells are empty */
		while (line.len && line.data[line.len - 1] == ' ')
			line.len--;
		sb_put(b, line.data ? line.data : "", line.len);
		sb_putc(b, '\n');
		sb_free(&line);
	}
	free(w);
}

void table_free(table *t)
{
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	if (t->utf8)
		freelocale(t->utf8);
	memset(t, 0, sizeof *t);
}

/* A text cell a spreadsheet would take for a formula (OWASP's list):
 * '=', '+', '-', '@', tab or CR first. */
static bool csv_formula(const char *s)
{
	return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}

static void csv_emit(strbuf *b, const char *s, bool guard, bool last)
{
	/* the guard's quote is part of the cell, inside the CSV quoting */
	const char *pre = guard && csv_formula(s) ? "'" : "";
	if (s && s[strcspn(s, ",\"\r\n")]) {
		sb_putc(b, '"');
		if (*pre)
			sb_puts(b, pre);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				sb_putc(b, '"');
			sb_putc(b, *p);
		}
		sb_putc(b, '"');
	} else if (s) {
		if (*pre)
			sb_puts(b, pre);
		sb_puts(b, s);
	}
	sb_putc(b, last ? '\n' : ',');
}

void csv_field(strbuf *b, const char *s, bool last)
{
	csv_emit(b, s, true, last);
}

static bool present(const char *s)
{
	return s && *s;
}

static void json_str_or_null(strbuf *b, const char *s)
{
	if (present(s))
		json_string(b, (const uint8_t *)s, strlen(s));
	else
		sb_puts(b, "null");
}

static void json_list(strbuf *b, const char *const *v, size_t n)
{
	sb_putc(b, '[');
	bool first = true;
	for (size_t i = 0; v && i < n; i++) {
		if (!v[i])
			continue;
		if (!first)
			sb_putc(b, ',');
		first = false;
		json_string(b, (const uint8_t *)v[i], strlen(v[i]));
	}
	sb_putc(b, ']');
}

/* The headers_json column's text: as the scan holds it when the result
 * was read from one, else made from the headers (*owned, which the caller
 * frees). */
static const char *headers_text(const ps_probe_result *r, char **owned)
{
	*owned = NULL;
	if (r->headers_json)
		return r->headers_json;
	if (ps_headers_json(r->headers, r->n_headers, owned)) {
		fputs("probestore: out of memory\n", stderr);
		exit(EXIT_RUNTIME);
	}
	return *owned;
}

/* The key of column c in a result's JSON object, the object opened before
 * the first column. */
static void key(strbuf *b, ps_probe_column c)
{
	sb_put(b, c ? ",\"" : "{\"", 2);
	sb_puts(b, ps_probe_column_name(c));
	sb_put(b, "\":", 2);
}

static void json_int_or_null(strbuf *b, int64_t v)
{
	if (v)
		sb_i64(b, v);
	else
		sb_puts(b, "null");
}

/* A version 2 list: null when it has no element, as the column holds it. */
static void json_list_or_null(strbuf *b, const char *const *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; v && i < n; i++)
		k += v[i] != NULL;
	if (k)
		json_list(b, v, n);
	else
		sb_puts(b, "null");
}

/* The columns of scan schema version 2, in file order, as cat prints them. */
static void probe_jsonl_v2(strbuf *b, const ps_probe_result *r)
{
	key(b, PS_COL_LOCATION);
	json_str_or_null(b, r->location);
	key(b, PS_COL_CHAIN_STATUS_CODES);
	if (r->chain_status_codes && r->n_chain_status_codes) {
		for (size_t i = 0; i < r->n_chain_status_codes; i++) {
			sb_putc(b, i ? ',' : '[');
			sb_i64(b, r->chain_status_codes[i]);
		}
		sb_putc(b, ']');
	} else {
		sb_puts(b, "null");
	}
	key(b, PS_COL_HOST_IP);
	json_str_or_null(b, r->host_ip);
	key(b, PS_COL_PORT);
	json_int_or_null(b, r->port);
	key(b, PS_COL_SCHEME);
	json_str_or_null(b, r->scheme);
	key(b, PS_COL_PATH);
	json_str_or_null(b, r->path);
	key(b, PS_COL_WORDS);
	json_int_or_null(b, r->words);
	key(b, PS_COL_LINES);
	json_int_or_null(b, r->lines);
	key(b, PS_COL_RESPONSE_TIME_MS);
	double ms = r->response_time_ms > 0 ? r->response_time_ms : r->duration_s * 1000.0;
	if (ms > 0)
		json_double(b, ms);
	else
		sb_puts(b, "null");
	key(b, PS_COL_CDN_NAME);
	json_str_or_null(b, r->cdn_name);
	key(b, PS_COL_CDN_TYPE);
	json_str_or_null(b, r->cdn_type);
	key(b, PS_COL_FAVICON_MMH3);
	json_int_or_null(b, r->favicon_mmh3);
	key(b, PS_COL_FAVICON_URL);
	json_str_or_null(b, r->favicon_url);
	key(b, PS_COL_BODY_SHA256);
	json_str_or_null(b, r->body_sha256);
	key(b, PS_COL_HEADER_SHA256);
	json_str_or_null(b, r->header_sha256);
	key(b, PS_COL_JARM);
	json_str_or_null(b, r->jarm);
	key(b, PS_COL_CNAME);
	json_list_or_null(b, r->cnames, r->n_cnames);
	key(b, PS_COL_ASN_NUMBER);
	json_int_or_null(b, r->asn_number);
	key(b, PS_COL_ASN_NAME);
	json_str_or_null(b, r->asn_name);
	key(b, PS_COL_TLS_SUBJECT_CN);
	json_str_or_null(b, r->tls_subject_cn);
	key(b, PS_COL_TLS_SUBJECT_AN);
	json_list_or_null(b, r->tls_subject_an, r->n_tls_subject_an);
	key(b, PS_COL_TLS_ISSUER_CN);
	json_str_or_null(b, r->tls_issuer_cn);
	key(b, PS_COL_TLS_NOT_AFTER);
	if (r->tls_not_after_ms)
		json_timestamp_ms(b, r->tls_not_after_ms);
	else
		sb_puts(b, "null");
	key(b, PS_COL_HTTP2);
	sb_puts(b, r->http2 ? "true" : "null");
	key(b, PS_COL_WEBSOCKET);
	sb_puts(b, r->websocket ? "true" : "null");
	key(b, PS_COL_CHANGED_FIELDS);
	json_list_or_null(b, r->changed_fields, r->n_changed_fields);
}

void probe_jsonl(strbuf *b, const ps_probe_result *r)
{
	char *owned;
	const char *hj = headers_text(r, &owned);
	key(b, PS_COL_ORIGINAL_URL);
	json_string(b, (const uint8_t *)(r->input_url ? r->input_url : ""), r->input_url ? strlen(r->input_url) : 0);
	key(b, PS_COL_FINAL_URL);
	json_str_or_null(b, r->final_url);
	key(b, PS_COL_STATUS_CODE);
	json_int_or_null(b, r->status_code);
	key(b, PS_COL_CONTENT_LENGTH);
	json_int_or_null(b, r->content_length);
	key(b, PS_COL_CONTENT_TYPE);
	json_str_or_null(b, r->content_type);
	key(b, PS_COL_TITLE);
	json_str_or_null(b, r->title);
	key(b, PS_COL_WEB_SERVER);
	json_str_or_null(b, r->web_server);
	key(b, PS_COL_TECHNOLOGIES);
	json_list(b, r->technologies, r->n_technologies);
	key(b, PS_COL_IP_ADDRESS);
	json_list(b, r->ips, r->n_ips);
	key(b, PS_COL_ROOT_TARGET_URL);
	json_str_or_null(b, r->root_target_url);
	key(b, PS_COL_PROBE_ERROR);
	json_str_or_null(b, r->error);
	key(b, PS_COL_METHOD);
	json_str_or_null(b, r->method);
	key(b, PS_COL_HEADERS_JSON);
	json_str_or_null(b, hj);
	key(b, PS_COL_DIFF_STATUS);
	json_str_or_null(b, r->url_status);
	key(b, PS_COL_SCAN_TIMESTAMP);
	sb_i64(b, r->scan_timestamp_ms);
	key(b, PS_COL_FIRST_SEEN_TIMESTAMP);
	json_int_or_null(b, r->oldest_scan_timestamp_ms);
	key(b, PS_COL_LAST_SEEN_TIMESTAMP);
	sb_i64(b, r->scan_timestamp_ms);
	probe_jsonl_v2(b, r);
	sb_puts(b, "}\n");
	free(owned);
}

void probe_csv_header(strbuf *b)
{
	for (int c = 0; c < PS_PROBE_NCOLS; c++)
		csv_field(b, ps_probe_column_name((ps_probe_column)c), c + 1 == PS_PROBE_NCOLS);
}

/* A list as a JSON array of strings, which reads back whatever its
 * elements hold; no elements: an empty field. */
static void csv_list(strbuf *b, const char *const *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; v && i < n; i++)
		k += v[i] != NULL;
	if (!k) {
		csv_field(b, NULL, false);
		return;
	}
	strbuf t = {0};
	json_list(&t, v, n);
	sb_putc(&t, 0);
	csv_field(b, t.data, false);
	sb_free(&t);
}

/* A number's cell (digits need no quoting, and a negative number is no
 * formula); 0 an empty cell. */
static void csv_int(strbuf *b, int64_t v, bool last)
{
	if (v)
		sb_i64(b, v);
	sb_putc(b, last ? '\n' : ',');
}

/* A time's cell, 0 included. */
static void csv_time(strbuf *b, int64_t v, bool last)
{
	sb_i64(b, v);
	sb_putc(b, last ? '\n' : ',');
}

void probe_csv(strbuf *b, const ps_probe_result *r)
{
	char *owned;
	const char *hj = headers_text(r, &owned);
	csv_field(b, r->input_url ? r->input_url : "", false);
	csv_field(b, r->final_url, false);
	csv_int(b, r->status_code, false);
	csv_int(b, r->content_length, false);
	csv_field(b, r->content_type, false);
	csv_field(b, r->title, false);
	csv_field(b, r->web_server, false);
	csv_list(b, r->technologies, r->n_technologies);
	csv_list(b, r->ips, r->n_ips);
	csv_field(b, r->root_target_url, false);
	csv_field(b, r->error, false);
	csv_field(b, r->method, false);
	csv_field(b, hj, false);
	csv_field(b, r->url_status, false);
	/* the scan time is a required column: 0 is 1970-01-01, not absent */
	csv_time(b, r->scan_timestamp_ms, false);
	csv_int(b, r->oldest_scan_timestamp_ms, false);
	csv_time(b, r->scan_timestamp_ms, true);
	free(owned);
}

static const table_col PROBE_COLS[] = {
	{"scan", 0, false},   {"status", 0, true}, {"url", 60, false}, {"title", 40, false},
	{"server", 24, false}, {"tech", 40, false}, {"diff", 0, false},
};

int probe_table_cols(const table_col **cols, bool with_scan)
{
	*cols = with_scan ? PROBE_COLS : PROBE_COLS + 1;
	return (int)(sizeof PROBE_COLS / sizeof *PROBE_COLS) - !with_scan;
}

void probe_table_add(table *t, const ps_probe_result *r, bool with_scan)
{
	char scan[32], status[16];
	cli_time_short(r->scan_timestamp_ms, scan);
	if (r->status_code)
		snprintf(status, sizeof status, "%d", (int)r->status_code);
	else
		snprintf(status, sizeof status, "-");
	strbuf tech = {0};
	for (size_t i = 0; r->technologies && i < r->n_technologies; i++) {
		if (!r->technologies[i])
			continue;
		if (tech.len)
			sb_puts(&tech, ", ");
		sb_puts(&tech, r->technologies[i]);
	}
	sb_putc(&tech, 0);
	/* a failed probe has no title: its error says more */
	strbuf title = {0};
	if (present(r->title))
		sb_puts(&title, r->title);
	else if (present(r->error))
		sb_printf(&title, "error: %s", r->error);
	sb_putc(&title, 0);
	const char *url = present(r->final_url) && strcmp(r->final_url, r->input_url ? r->input_url : "")
	                      ? NULL
	                      : r->input_url;
	strbuf u = {0};
	if (!url) {
		sb_printf(&u, "%s -> %s", r->input_url ? r->input_url : "", r->final_url);
		sb_putc(&u, 0);
		url = u.data;
	}
	const char *cells[] = {scan, status, url, title.data, r->web_server, tech.data, r->url_status};
	table_add(t, with_scan ? cells : cells + 1);
	sb_free(&tech);
	sb_free(&title);
	sb_free(&u);
}

void cli_file_skipped(void *ud, const char *path, int code, const char *message)
{
	(void)code;
	int *n = ud;
	(*n)++;
	if (strstr(message, path))
		cli_error("%s (file skipped)", message);
	else
		cli_error("%s: %s (file skipped)", path, message);
}
