/* The probe-result schema and the transformation between the model and the
 * Parquet rows, as the seed defines it. */
#include "probe_rows.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"

static const char *const COLUMN_NAMES[PS_PROBE_NCOLS] = {
	"original_url", "final_url", "status_code", "content_length", "content_type", "title",
	"web_server", "technologies", "ip_address", "root_target_url", "probe_error", "method",
	"headers_json", "diff_status", "scan_timestamp", "first_seen_timestamp", "last_seen_timestamp",
};

const char *ps_probe_column_name(ps_probe_column c)
{
	return (unsigned)c < PS_PROBE_NCOLS ? COLUMN_NAMES[c] : "?";
}

bool ps_url_status_valid(const char *s)
{
	return !s || !*s || !strcmp(s, "new") || !strcmp(s, "existing") || !strcmp(s, "old");
}

static bool is_list(int c)
{
	return c == PS_COL_TECHNOLOGIES || c == PS_COL_IP_ADDRESS;
}

static parq_type col_type(int c)
{
	switch (c) {
	case PS_COL_STATUS_CODE: return PARQ_INT32;
	case PS_COL_CONTENT_LENGTH: case PS_COL_SCAN_TIMESTAMP: case PS_COL_FIRST_SEEN_TIMESTAMP:
	case PS_COL_LAST_SEEN_TIMESTAMP: return PARQ_INT64;
	default: return PARQ_BYTE_ARRAY;
	}
}

parq_schema *ps_probe_schema_new(void)
{
	parq_schema *s;
	if (parq_schema_new(&s)) {
		ps_err_from_parq(PARQ_ENOMEM, "probe schema");
		return NULL;
	}
	parq_logical str = parq_lt_string();
	int rc = 0;
	for (int c = 0; c < PS_PROBE_NCOLS && !rc; c++) {
		parq_type t = col_type(c);
		if (is_list(c)) {
			rc = parq_schema_add_list(s, NULL, COLUMN_NAMES[c], PARQ_REQUIRED, PARQ_BYTE_ARRAY, PARQ_REQUIRED,
			                          &str, 0, NULL);
		} else {
			parq_repetition rep =
			    c == PS_COL_ORIGINAL_URL || c == PS_COL_SCAN_TIMESTAMP ? PARQ_REQUIRED : PARQ_OPTIONAL;
			rc = parq_schema_add_leaf(s, NULL, COLUMN_NAMES[c], t, rep, t == PARQ_BYTE_ARRAY ? &str : NULL, 0,
			                          NULL);
		}
	}
	if (!rc)
		rc = parq_schema_finish(s);
	if (rc) {
		ps_err_from_parq(rc, "probe schema");
		parq_schema_free(s);
		return NULL;
	}
	return s;
}

int ps_probe_schema_check(const parq_schema *s, const char *path)
{
	if (s->n_leaves != PS_PROBE_NCOLS)
		return ps_err(PS_ECORRUPT, "%s: %d columns, a probe-result file has %d", path, s->n_leaves,
		              PS_PROBE_NCOLS);
	for (int c = 0; c < PS_PROBE_NCOLS; c++) {
		const parq_node *l = s->leaves[c];
		const parq_node *top = l;
		while (top->parent && top->parent->parent)
			top = top->parent;
		if (strcmp(top->name, COLUMN_NAMES[c]) || l->type != col_type(c) || (l->max_rep > 0) != is_list(c))
			return ps_err(PS_ECORRUPT, "%s: column %d is '%s' (%s), expected '%s'", path, c, top->name,
			              parq_type_name(l->type), COLUMN_NAMES[c]);
	}
	return 0;
}

/* ---- model -> columns ---- */

static bool present(const char *s)
{
	return s && *s;
}

/* Bytes copied into a Go JSON string as they are: printable ASCII but for
 * the quote, the backslash and the <, > and & Go escapes. */
static const unsigned char go_json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Go's encoding/json string escaping (HTML-safe, as json.Marshal does). */
static int go_json_string(ps_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (ps_buf_addc(b, '"'))
		return PS_ENOMEM;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		/* runs of printable ASCII that need no escape go in one copy */
		const unsigned char *q = p;
		while (go_json_plain[*q])
			q++;
		if (q > p) {
			if (ps_buf_add(b, p, (size_t)(q - p)))
				return PS_ENOMEM;
			p = q;
			continue;
		}
		unsigned c = *p;
		int rc = 0;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			rc = ps_buf_add(b, e, 2);
			p++;
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			if (c == '\n')
				rc = ps_buf_add(b, "\\n", 2);
			else if (c == '\r')
				rc = ps_buf_add(b, "\\r", 2);
			else if (c == '\t')
				rc = ps_buf_add(b, "\\t", 2);
			else {
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				rc = ps_buf_add(b, e, 6);
			}
			p++;
		} else if (c < 0x80) {
			rc = ps_buf_addc(b, (char)c);
			p++;
		} else {
			/* a valid UTF-8 sequence is copied; U+2028 and U+2029 are
			 * escaped; an invalid byte becomes U+FFFD */
			int len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
			uint32_t cp = len == 4 ? c & 7 : len == 3 ? c & 15 : c & 31;
			for (int k = 1; k < len; k++) {
				if ((p[k] & 0xC0) != 0x80) {
					len = 0;
					break;
				}
				cp = cp << 6 | (p[k] & 63u);
			}
			if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)))
				len = 0;
			if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
				len = 0;
			if (!len) {
				rc = ps_buf_add(b, "\\ufffd", 6);
				p++;
			} else if (cp == 0x2028 || cp == 0x2029) {
				rc = ps_buf_add(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
				p += len;
			} else {
				rc = ps_buf_add(b, p, (size_t)len);
				p += len;
			}
		}
		if (rc)
			return rc;
	}
	return ps_buf_addc(b, '"');
}

static int cmp_header(const void *a, const void *b)
{
	const ps_header *x = *(const ps_header *const *)a, *y = *(const ps_header *const *)b;
	int c = strcmp(x->name, y->name);
	/* equal names keep their order (the pointers are into one array) */
	return c ? c : (x > y) - (x < y);
}

/* Sorts v[0..m) by name, equal names keeping their order: an insertion
 * sort, since a response has a dozen headers and qsort's merge sort
 * allocates for every record. */
static void sort_headers(const ps_header **v, size_t m)
{
	for (size_t i = 1; i < m; i++) {
		const ps_header *x = v[i];
		size_t j = i;
		while (j > 0 && strcmp(v[j - 1]->name, x->name) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

int ps_headers_to_json(ps_buf *out, const ps_header *h, size_t n)
{
	const ps_header *small[32];
	const ps_header **v = n <= 32 ? small : malloc(n * sizeof *v);
	if (!v)
		return ps_err_nomem();
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (h[i].name)
			v[m++] = &h[i];
	if (m <= 64)
		sort_headers(v, m);
	else
		qsort(v, m, sizeof *v, cmp_header);
	int rc = ps_buf_addc(out, '{');
	bool first = true;
	for (size_t i = 0; i < m && !rc; i++) {
		if (i + 1 < m && !strcmp(v[i]->name, v[i + 1]->name))
			continue; /* the later duplicate wins, as in a Go map */
		if (!first)
			rc = ps_buf_addc(out, ',');
		first = false;
		if (!rc)
			rc = go_json_string(out, v[i]->name);
		if (!rc)
			rc = ps_buf_addc(out, ':');
		if (!rc)
			rc = go_json_string(out, v[i]->value ? v[i]->value : "");
	}
	if (!rc)
		rc = ps_buf_addc(out, '}');
	if (v != small)
		free(v);
	return rc ? ps_err_nomem() : 0;
}

int ps_headers_json(const ps_header *headers, size_t n, char **out)
{
	*out = NULL;
	if (!headers || !n)
		return 0;
	ps_buf b = {0};
	int rc = ps_headers_to_json(&b, headers, n);
	if (rc) {
		ps_buf_free(&b);
		return rc;
	}
	*out = b.data;
	return 0;
}

static int grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, (n ? n : 1) * size);
	if (!q)
		return ps_err_nomem();
	*p = q;
	return 0;
}

static size_t count_present(const char *const *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += v[i] != NULL;
	return k;
}

int ps_probe_cols_build(ps_probe_cols *c, const ps_probe_result *r, size_t n, int64_t scan_ms,
                        const ps_probe_overrides *ov)
{
	size_t ntech = 0, nip = 0;
	for (size_t i = 0; i < n; i++) {
		ntech += r[i].technologies ? count_present(r[i].technologies, r[i].n_technologies) : 0;
		nip += r[i].ips ? count_present(r[i].ips, r[i].n_ips) : 0;
	}
	if (n > c->cap_rows || ntech + n > c->cap_tech || nip + n > c->cap_ip) {
		size_t rows = n > c->cap_rows ? n : c->cap_rows;
		size_t tl = ntech + n > c->cap_tech ? ntech + n : c->cap_tech;
		size_t il = nip + n > c->cap_ip ? nip + n : c->cap_ip;
		for (int k = 0; k < PS_PROBE_NCOLS; k++) {
			size_t lv = k == PS_COL_TECHNOLOGIES ? tl : k == PS_COL_IP_ADDRESS ? il : rows;
			if (grow((void **)&c->def[k], lv, sizeof(int16_t)) || grow((void **)&c->rep[k], lv, sizeof(int16_t)) ||
			    grow((void **)&c->bytes[k], lv, sizeof(parq_bytes)) ||
			    grow((void **)&c->i64[k], rows, sizeof(int64_t)))
				return PS_ENOMEM;
		}
		if (grow((void **)&c->i32, rows, sizeof(int32_t)) || grow((void **)&c->json_off, rows, sizeof(size_t)))
			return PS_ENOMEM;
		c->cap_rows = rows;
		c->cap_tech = tl;
		c->cap_ip = il;
	}
	/* headers_json first: the buffer may move while it grows */
	c->json.len = 0;
	for (size_t i = 0; i < n; i++) {
		c->json_off[i] = 0;
		if (r[i].n_headers && r[i].headers) {
			c->json_off[i] = c->json.len + 1;
			if (ps_headers_to_json(&c->json, r[i].headers, r[i].n_headers) || ps_buf_addc(&c->json, 0))
				return PS_ENOMEM;
		}
	}
	size_t raw = c->json.len;
	int64_t nv[PS_PROBE_NCOLS] = {0}, nl[PS_PROBE_NCOLS] = {0};
	for (size_t i = 0; i < n; i++) {
		const ps_probe_result *p = &r[i];
		const char *diff = ov && ov->diff_status && ov->diff_status[i] ? ov->diff_status[i] : p->url_status;
		const char *root = present(p->root_target_url) ? p->root_target_url : ov ? ov->root_target : NULL;
		int64_t first = ov && ov->first_seen_ms && ov->first_seen_ms[i] != PS_TIME_UNSET ? ov->first_seen_ms[i]
		                : p->oldest_scan_timestamp_ms ? p->oldest_scan_timestamp_ms : scan_ms;
		const char *strs[PS_PROBE_NCOLS] = {
			[PS_COL_ORIGINAL_URL] = p->input_url ? p->input_url : "",
			[PS_COL_FINAL_URL] = p->final_url,
			[PS_COL_CONTENT_TYPE] = p->content_type,
			[PS_COL_TITLE] = p->title,
			[PS_COL_WEB_SERVER] = p->web_server,
			[PS_COL_ROOT_TARGET_URL] = root,
			[PS_COL_PROBE_ERROR] = p->error,
			[PS_COL_METHOD] = p->method,
			[PS_COL_HEADERS_JSON] = c->json_off[i] ? c->json.data + c->json_off[i] - 1 : NULL,
			[PS_COL_DIFF_STATUS] = diff,
		};
		for (int k = 0; k < PS_PROBE_NCOLS; k++) {
			if (col_type(k) != PARQ_BYTE_ARRAY || is_list(k))
				continue;
			const char *s = strs[k];
			bool has = k == PS_COL_ORIGINAL_URL || present(s);
			c->def[k][i] = has;
			if (has) {
				size_t len = strlen(s);
				if (len > UINT32_MAX)
					return ps_err(PS_ELIMIT, "record %zu: %s of %zu bytes is too long", i, COLUMN_NAMES[k], len);
				c->bytes[k][nv[k]++] = (parq_bytes){(const uint8_t *)s, (uint32_t)len};
				raw += len;
			}
		}
		c->def[PS_COL_STATUS_CODE][i] = p->status_code != 0;
		if (p->status_code)
			c->i32[nv[PS_COL_STATUS_CODE]++] = p->status_code;
		c->def[PS_COL_CONTENT_LENGTH][i] = p->content_length != 0;
		if (p->content_length)
			c->i64[PS_COL_CONTENT_LENGTH][nv[PS_COL_CONTENT_LENGTH]++] = p->content_length;
		c->i64[PS_COL_SCAN_TIMESTAMP][nv[PS_COL_SCAN_TIMESTAMP]++] = scan_ms;
		c->def[PS_COL_FIRST_SEEN_TIMESTAMP][i] = 1;
		c->i64[PS_COL_FIRST_SEEN_TIMESTAMP][nv[PS_COL_FIRST_SEEN_TIMESTAMP]++] = first;
		c->def[PS_COL_LAST_SEEN_TIMESTAMP][i] = 1;
		c->i64[PS_COL_LAST_SEEN_TIMESTAMP][nv[PS_COL_LAST_SEEN_TIMESTAMP]++] = scan_ms;
		/* lists: required group, required elements; an empty list is
		 * one level entry with definition 0 */
		for (int k = PS_COL_TECHNOLOGIES; k <= PS_COL_IP_ADDRESS; k++) {
			const char *const *v = k == PS_COL_TECHNOLOGIES ? p->technologies : p->ips;
			size_t m = v ? (k == PS_COL_TECHNOLOGIES ? p->n_technologies : p->n_ips) : 0;
			bool any = false;
			for (size_t j = 0; j < m; j++) {
				if (!v[j])
					continue;
				size_t len = strlen(v[j]);
				if (len > UINT32_MAX)
					return ps_err(PS_ELIMIT, "record %zu: %s element too long", i, COLUMN_NAMES[k]);
				c->rep[k][nl[k]] = any;
				c->def[k][nl[k]++] = 1;
				c->bytes[k][nv[k]++] = (parq_bytes){(const uint8_t *)v[j], (uint32_t)len};
				raw += len;
				any = true;
			}
			if (!any) {
				c->rep[k][nl[k]] = 0;
				c->def[k][nl[k]++] = 0;
			}
		}
	}
	for (int k = 0; k < PS_PROBE_NCOLS; k++) {
		parq_column_batch *b = &c->col[k];
		memset(b, 0, sizeof *b);
		b->num_rows = (int64_t)n;
		b->num_levels = is_list(k) ? nl[k] : (int64_t)n;
		b->num_values = k == PS_COL_ORIGINAL_URL || k == PS_COL_SCAN_TIMESTAMP ? (int64_t)n : nv[k];
		bool required = k == PS_COL_ORIGINAL_URL || k == PS_COL_SCAN_TIMESTAMP;
		b->def_levels = required ? NULL : c->def[k];
		b->rep_levels = is_list(k) ? c->rep[k] : NULL;
		if (col_type(k) == PARQ_BYTE_ARRAY)
			b->bytes = c->bytes[k];
		else if (k == PS_COL_STATUS_CODE)
			b->values = c->i32;
		else
			b->values = c->i64[k];
	}
	c->raw_bytes = raw + n * 40;
	return 0;
}

void ps_probe_cols_free(ps_probe_cols *c)
{
	for (int k = 0; k < PS_PROBE_NCOLS; k++) {
		free(c->def[k]);
		free(c->rep[k]);
		free(c->bytes[k]);
		free(c->i64[k]);
	}
	free(c->i32);
	free(c->json_off);
	ps_buf_free(&c->json);
	memset(c, 0, sizeof *c);
}

/* ---- rows -> model ---- */

static const char *row_str(const parq_value *v, ps_arena *a, int *rc)
{
	if (v->kind != PARQ_V_BYTES)
		return NULL;
	char *s = ps_arena_strndup(a, v->u.bytes.ptr, v->u.bytes.len);
	if (!s)
		*rc = PS_ENOMEM;
	return s;
}

static int64_t row_int(const parq_value *v)
{
	return v->kind == PARQ_V_INT32 ? v->u.i32 : v->kind == PARQ_V_INT64 ? v->u.i64 : 0;
}

/* A LIST column read as a row value: LIST(group "list") of STRUCT(element)
 * in the 3-level form; the element may also come directly. */
static int row_list(const parq_value *v, ps_arena *a, const char *const **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (v->kind == PARQ_V_STRUCT && v->u.list.n == 1)
		v = &v->u.list.items[0];
	if (v->kind != PARQ_V_LIST || v->u.list.n == 0)
		return 0;
	const char **items = ps_arena_alloc(a, v->u.list.n * sizeof *items);
	if (!items)
		return PS_ENOMEM;
	size_t m = 0;
	for (uint32_t i = 0; i < v->u.list.n; i++) {
		const parq_value *e = &v->u.list.items[i];
		if (e->kind == PARQ_V_STRUCT && e->u.list.n == 1)
			e = &e->u.list.items[0];
		if (e->kind != PARQ_V_BYTES)
			continue;
		int rc = 0;
		items[m] = row_str(e, a, &rc);
		if (rc)
			return rc;
		m++;
	}
	*out = items;
	*n = m;
	return 0;
}

static int headers_from_json(const char *s, ps_arena *a, const ps_header **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s)
		return 0;
	json_error_t err;
	json_t *o = json_loads(s, JSON_DECODE_ANY, &err);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return 0; /* not ours to judge: the raw JSON stays unparsed */
	}
	size_t m = json_object_size(o), k = 0;
	ps_header *h = ps_arena_alloc(a, (m ? m : 1) * sizeof *h);
	if (!h) {
		json_decref(o);
		return PS_ENOMEM;
	}
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val)
	{
		const char *vs = json_is_string(val) ? json_string_value(val) : "";
		h[k].name = ps_arena_strndup(a, key, strlen(key));
		h[k].value = ps_arena_strndup(a, vs, strlen(vs));
		if (!h[k].name || !h[k].value) {
			json_decref(o);
			return PS_ENOMEM;
		}
		k++;
	}
	json_decref(o);
	*out = h;
	*n = k;
	return 0;
}

int ps_probe_from_row(const parq_value *row, ps_arena *a, ps_probe_result *p)
{
	memset(p, 0, sizeof *p);
	if (row->kind != PARQ_V_STRUCT || row->u.list.n != PS_PROBE_NCOLS)
		return ps_err(PS_ECORRUPT, "a probe row has %u fields, not %d", row->u.list.n, PS_PROBE_NCOLS);
	const parq_value *f = row->u.list.items;
	int rc = 0;
	p->input_url = row_str(&f[PS_COL_ORIGINAL_URL], a, &rc);
	p->final_url = row_str(&f[PS_COL_FINAL_URL], a, &rc);
	p->status_code = (int32_t)row_int(&f[PS_COL_STATUS_CODE]);
	p->content_length = row_int(&f[PS_COL_CONTENT_LENGTH]);
	p->content_type = row_str(&f[PS_COL_CONTENT_TYPE], a, &rc);
	p->title = row_str(&f[PS_COL_TITLE], a, &rc);
	p->web_server = row_str(&f[PS_COL_WEB_SERVER], a, &rc);
	p->root_target_url = row_str(&f[PS_COL_ROOT_TARGET_URL], a, &rc);
	p->error = row_str(&f[PS_COL_PROBE_ERROR], a, &rc);
	p->method = row_str(&f[PS_COL_METHOD], a, &rc);
	const char *hj = row_str(&f[PS_COL_HEADERS_JSON], a, &rc);
	p->url_status = row_str(&f[PS_COL_DIFF_STATUS], a, &rc);
	p->scan_timestamp_ms = row_int(&f[PS_COL_SCAN_TIMESTAMP]);
	p->oldest_scan_timestamp_ms = row_int(&f[PS_COL_FIRST_SEEN_TIMESTAMP]);
	if (rc)
		return ps_err_nomem();
	if (row_list(&f[PS_COL_TECHNOLOGIES], a, &p->technologies, &p->n_technologies) ||
	    row_list(&f[PS_COL_IP_ADDRESS], a, &p->ips, &p->n_ips) || headers_from_json(hj, a, &p->headers, &p->n_headers))
		return ps_err_nomem();
	return 0;
}

static const char *dup_or_null(ps_arena *a, const char *s, int *rc)
{
	if (!s)
		return NULL;
	char *d = ps_arena_strndup(a, s, strlen(s));
	if (!d)
		*rc = PS_ENOMEM;
	return d;
}

static const char *const *dup_list(ps_arena *a, const char *const *v, size_t n, int *rc)
{
	if (!v || !n)
		return NULL;
	const char **d = ps_arena_alloc(a, n * sizeof *d);
	if (!d) {
		*rc = PS_ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = dup_or_null(a, v[i], rc);
	return d;
}

int ps_probe_copy(const ps_probe_result *r, ps_arena *a, ps_probe_result *o)
{
	int rc = 0;
	*o = *r;
	o->input_url = dup_or_null(a, r->input_url, &rc);
	o->final_url = dup_or_null(a, r->final_url, &rc);
	o->content_type = dup_or_null(a, r->content_type, &rc);
	o->title = dup_or_null(a, r->title, &rc);
	o->web_server = dup_or_null(a, r->web_server, &rc);
	o->root_target_url = dup_or_null(a, r->root_target_url, &rc);
	o->error = dup_or_null(a, r->error, &rc);
	o->method = dup_or_null(a, r->method, &rc);
	o->url_status = dup_or_null(a, r->url_status, &rc);
	o->asn = dup_or_null(a, r->asn, &rc);
	o->body = dup_or_null(a, r->body, &rc);
	o->technologies = dup_list(a, r->technologies, r->n_technologies, &rc);
	o->ips = dup_list(a, r->ips, r->n_ips, &rc);
	o->cnames = dup_list(a, r->cnames, r->n_cnames, &rc);
	if (r->headers && r->n_headers) {
		ps_header *h = ps_arena_alloc(a, r->n_headers * sizeof *h);
		if (!h)
			return ps_err_nomem();
		for (size_t i = 0; i < r->n_headers; i++) {
			h[i].name = dup_or_null(a, r->headers[i].name, &rc);
			h[i].value = dup_or_null(a, r->headers[i].value, &rc);
		}
		o->headers = h;
	}
	return rc ? ps_err_nomem() : 0;
}

/* ---- result sets ---- */

int ps_probe_set_push(ps_probe_set *set, ps_probe_result **slot)
{
	ps_probe_set_priv *pv = set->priv;
	if (!pv) {
		pv = calloc(1, sizeof *pv);
		if (!pv)
			return ps_err_nomem();
		set->priv = pv;
	}
	if (ps_array_room(&set->items, &pv->cap, set->n, sizeof *set->items, 64))
		return PS_ENOMEM;
	*slot = &set->items[set->n++];
	return 0;
}

ps_arena *ps_probe_set_arena(ps_probe_set *set)
{
	if (!set->priv) {
		set->priv = calloc(1, sizeof(ps_probe_set_priv));
		if (!set->priv)
			return NULL;
	}
	return &((ps_probe_set_priv *)set->priv)->arena;
}

int ps_probe_set_add(ps_probe_set *set, const ps_probe_result *r)
{
	ps_arena *a = ps_probe_set_arena(set);
	ps_probe_result *slot;
	if (!a)
		return ps_err_nomem();
	int rc = ps_probe_set_push(set, &slot);
	if (!rc && (rc = ps_probe_copy(r, a, slot)))
		set->n--;
	return rc;
}

void ps_probe_set_free(ps_probe_set *set)
{
	if (!set)
		return;
	ps_probe_set_priv *pv = set->priv;
	if (pv) {
		ps_arena_free(&pv->arena);
		free(pv);
	}
	free(set->items);
	memset(set, 0, sizeof *set);
}
