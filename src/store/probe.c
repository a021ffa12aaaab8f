/* The probe-result schema and the transformation between the model and the
 * Parquet rows, as the Go datastore whose
 * behaviour probestore implements defines it. */
#include "scan/probe_rows.h"

#include <stdlib.h>
#include <string.h>


#include "error.h"
#include "gojson.h"
#include "ingest/jtree.h"

static const char *const COLUMN_NAMES[PS_PROBE_V2_NCOLS] = {
	"original_url", "final_url", "status_code", "content_length", "content_type", "title",
	"web_server", "technologies", "ip_address", "root_target_url", "probe_error", "method",
	"headers_json", "diff_status", "scan_timestamp", "first_seen_timestamp", "last_seen_timestamp",
	/* version 2 */
	"location", "chain_status_codes", "host_ip", "port", "scheme", "path", "words", "lines",
	"response_time_ms", "cdn_name", "cdn_type", "favicon_mmh3", "favicon_url", "body_sha256",
	"header_sha256", "jarm", "cname", "asn_number", "asn_name", "tls_subject_cn", "tls_subject_an",
	"tls_issuer_cn", "tls_not_after", "http2", "websocket", "changed_fields",
};

/* How a version 2 column is stored. */
typedef enum { X_STR, X_I32, X_I64, X_DBL, X_BOOL, X_TS, X_LSTR, X_LI32 } xkind;

static const xkind XKIND[PS_PROBE_V2_NCOLS - PS_PROBE_NCOLS] = {
	[PS_COL_LOCATION - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_CHAIN_STATUS_CODES - PS_PROBE_NCOLS] = X_LI32,
	[PS_COL_HOST_IP - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_PORT - PS_PROBE_NCOLS] = X_I32,
	[PS_COL_SCHEME - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_PATH - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_WORDS - PS_PROBE_NCOLS] = X_I64,
	[PS_COL_LINES - PS_PROBE_NCOLS] = X_I64,
	[PS_COL_RESPONSE_TIME_MS - PS_PROBE_NCOLS] = X_DBL,
	[PS_COL_CDN_NAME - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_CDN_TYPE - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_FAVICON_MMH3 - PS_PROBE_NCOLS] = X_I32,
	[PS_COL_FAVICON_URL - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_BODY_SHA256 - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_HEADER_SHA256 - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_JARM - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_CNAME - PS_PROBE_NCOLS] = X_LSTR,
	[PS_COL_ASN_NUMBER - PS_PROBE_NCOLS] = X_I64,
	[PS_COL_ASN_NAME - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_TLS_SUBJECT_CN - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_TLS_SUBJECT_AN - PS_PROBE_NCOLS] = X_LSTR,
	[PS_COL_TLS_ISSUER_CN - PS_PROBE_NCOLS] = X_STR,
	[PS_COL_TLS_NOT_AFTER - PS_PROBE_NCOLS] = X_TS,
	[PS_COL_HTTP2 - PS_PROBE_NCOLS] = X_BOOL,
	[PS_COL_WEBSOCKET - PS_PROBE_NCOLS] = X_BOOL,
	[PS_COL_CHANGED_FIELDS - PS_PROBE_NCOLS] = X_LSTR,
};

static xkind xkind_of(int c)
{
	return XKIND[c - PS_PROBE_NCOLS];
}

static parq_type xtype(xkind k)
{
	switch (k) {
	case X_I32: case X_LI32: return PARQ_INT32;
	case X_I64: case X_TS: return PARQ_INT64;
	case X_DBL: return PARQ_DOUBLE;
	case X_BOOL: return PARQ_BOOLEAN;
	default: return PARQ_BYTE_ARRAY;
	}
}

const char *ps_probe_column_name(ps_probe_column c)
{
	return (unsigned)c < PS_PROBE_V2_NCOLS ? COLUMN_NAMES[c] : "?";
}

int ps_probe_column_find(const char *name)
{
	for (int c = 0; c < PS_PROBE_V2_NCOLS; c++)
		if (!strcmp(COLUMN_NAMES[c], name))
			return c;
	return -1;
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

parq_schema *ps_probe_schema_new(int version)
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
	parq_logical ts = parq_lt_timestamp(PARQ_UNIT_MILLIS, true);
	for (int c = PS_PROBE_NCOLS; version >= PS_SCHEMA_V2 && c < PS_PROBE_V2_NCOLS && !rc; c++) {
		xkind k = xkind_of(c);
		parq_type t = xtype(k);
		if (k == X_LSTR || k == X_LI32)
			rc = parq_schema_add_list(s, NULL, COLUMN_NAMES[c], PARQ_OPTIONAL, t, PARQ_REQUIRED,
			                          k == X_LSTR ? &str : NULL, 0, NULL);
		else
			rc = parq_schema_add_leaf(s, NULL, COLUMN_NAMES[c], t, PARQ_OPTIONAL,
			                          k == X_STR ? &str : k == X_TS ? &ts : NULL, 0, NULL);
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
	if (s->n_leaves < PS_PROBE_NCOLS)
		return ps_err(PS_ECORRUPT, "%s: %d columns, a probe-result file has at least %d", path, s->n_leaves,
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
	/* version 2's columns, by name: a known name has its type */
	for (int i = PS_PROBE_NCOLS; i < s->root->n_children; i++) {
		const parq_node *top = s->root->children[i];
		int c = ps_probe_column_find(top->name);
		if (c < PS_PROBE_NCOLS)
			continue; /* a column of another writer: not read */
		xkind k = xkind_of(c);
		const parq_node *l = s->leaves[top->first_leaf];
		bool list = k == X_LSTR || k == X_LI32;
		if (top->n_leaves != 1 || l->type != xtype(k) || (l->max_rep > 0) != list)
			return ps_err(PS_ECORRUPT, "%s: column '%s' is %s%s, expected %s%s", path, top->name,
			              l->max_rep ? "a list of " : "", parq_type_name(l->type), list ? "a list of " : "",
			              parq_type_name(xtype(k)));
	}
	return 0;
}

int ps_probe_schema_version(const parq_schema *s)
{
	return s->n_leaves > PS_PROBE_NCOLS ? PS_SCHEMA_V2 : PS_SCHEMA_V1;
}

/* ---- model -> columns ---- */

static bool present(const char *s)
{
	return s && *s;
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

/* A header with the first 8 bytes of its name as a big-endian number
 * (zeros past its end), which orders names as strcmp does wherever they
 * differ there: most comparisons of a response's names (httpx gives them
 * in no order) need no strcmp. */
typedef struct keyed_header {
	uint64_t key;
	const ps_header_view *h;
} keyed_header;

static int keyed_cmp(const keyed_header *a, const keyed_header *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	/* the same first 8 bytes: a name shorter than that is all of them */
	size_t la = a->h->nlen, lb = b->h->nlen;
	if (la < 8 || lb < 8)
		return 0;
	size_t m = (la < lb ? la : lb) - 8;
	int c = m ? memcmp(a->h->name + 8, b->h->name + 8, m) : 0;
	return c ? c : (la > lb) - (la < lb);
}

/* s[0..n) as ps_json_go_string writes it; padded (16 readable bytes
 * after s): 16 bytes at a time when it needs no escaping
 * (ps_json_plain_padded). */
static inline int put_string(ps_buf *b, const char *s, size_t n, bool padded)
{
	if (!padded)
		return ps_json_go_string(b, s, n);
	if (ps_buf_reserve(b, n + 18))
		return PS_ENOMEM;
	char *e = ps_json_plain_padded(b->data + b->len, s, n);
	if (!e)
		return ps_json_go_string(b, s, n);
	b->len = (size_t)(e - b->data);
	return 0;
}

int ps_headers_views_json(ps_buf *out, const ps_header_view *h, size_t n, bool padded)
{
	keyed_header v[PS_HEADER_VIEWS_MAX];
	if (n > PS_HEADER_VIEWS_MAX)
		return ps_err(PS_EINVAL, "headers: %zu at once, at most %d", n, PS_HEADER_VIEWS_MAX);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		keyed_header x = {0, &h[i]};
		if (h[i].nlen >= 8) {
			memcpy(&x.key, h[i].name, 8);
			x.key = __builtin_bswap64(x.key);
		} else {
			for (size_t b = 0; b < h[i].nlen; b++)
				x.key |= (uint64_t)(unsigned char)h[i].name[b] << (56 - 8 * b);
		}
		size_t j = m++;
		while (j > 0 && keyed_cmp(&v[j - 1], &x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	int rc = ps_buf_addc(out, '{');
	bool first = true;
	for (size_t i = 0; i < m && !rc; i++) {
		if (i + 1 < m && !keyed_cmp(&v[i], &v[i + 1]))
			continue; /* the later duplicate wins, as in a Go map */
		if (!first)
			rc = ps_buf_addc(out, ',');
		first = false;
		const ps_header_view *x = v[i].h;
		if (!rc)
			rc = put_string(out, x->name, x->nlen, padded);
		if (!rc)
			rc = ps_buf_addc(out, ':');
		if (!rc)
			rc = put_string(out, x->value, x->vlen, padded);
	}
	if (!rc)
		rc = ps_buf_addc(out, '}');
	return rc ? ps_err_nomem() : 0;
}

/* ps_headers_to_json for up to PS_HEADER_VIEWS_MAX named headers: an
 * insertion sort on the keys, equal names keeping their order, the later
 * of equal names written. */
static int headers_small(ps_buf *out, const ps_header *h, size_t n)
{
	ps_header_view v[PS_HEADER_VIEWS_MAX];
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!h[i].name)
			continue;
		const char *val = h[i].value ? h[i].value : "";
		v[m++] = (ps_header_view){h[i].name, val, strlen(h[i].name), strlen(val)};
	}
	return ps_headers_views_json(out, v, m, false);
}

int ps_headers_to_json(ps_buf *out, const ps_header *h, size_t n)
{
	if (n <= PS_HEADER_VIEWS_MAX)
		return headers_small(out, h, n);
	const ps_header **v = malloc(n * sizeof *v);
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
			rc = ps_json_go_string(out, v[i]->name, strlen(v[i]->name));
		if (!rc)
			rc = ps_buf_addc(out, ':');
		if (!rc)
			rc = ps_json_go_string(out, v[i]->value ? v[i]->value : "", v[i]->value ? strlen(v[i]->value) : 0);
	}
	if (!rc)
		rc = ps_buf_addc(out, '}');
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

/* One row's value of a version 2 column. */
typedef struct xval {
	bool has;
	const char *s;
	int64_t i;
	double d;
	const char *const *sv; /* lists of strings */
	const int32_t *iv;     /* lists of int32 */
	size_t n;
} xval;

static xval extra_value(const ps_probe_result *p, int c, const ps_probe_overrides *ov, size_t row)
{
	xval v = {0};
	switch (c) {
	case PS_COL_LOCATION: v.s = p->location; break;
	case PS_COL_CHAIN_STATUS_CODES: v.iv = p->chain_status_codes; v.n = v.iv ? p->n_chain_status_codes : 0; break;
	case PS_COL_HOST_IP: v.s = p->host_ip; break;
	case PS_COL_PORT: v.i = p->port; break;
	case PS_COL_SCHEME: v.s = p->scheme; break;
	case PS_COL_PATH: v.s = p->path; break;
	case PS_COL_WORDS: v.i = p->words; break;
	case PS_COL_LINES: v.i = p->lines; break;
	case PS_COL_RESPONSE_TIME_MS:
		v.d = p->response_time_ms > 0 ? p->response_time_ms : p->duration_s * 1000.0;
		v.has = v.d > 0;
		break;
	case PS_COL_CDN_NAME: v.s = p->cdn_name; break;
	case PS_COL_CDN_TYPE: v.s = p->cdn_type; break;
	case PS_COL_FAVICON_MMH3: v.i = p->favicon_mmh3; break;
	case PS_COL_FAVICON_URL: v.s = p->favicon_url; break;
	case PS_COL_BODY_SHA256: v.s = p->body_sha256; break;
	case PS_COL_HEADER_SHA256: v.s = p->header_sha256; break;
	case PS_COL_JARM: v.s = p->jarm; break;
	case PS_COL_CNAME: v.sv = p->cnames; v.n = v.sv ? p->n_cnames : 0; break;
	case PS_COL_ASN_NUMBER: v.i = p->asn_number; break;
	case PS_COL_ASN_NAME: v.s = p->asn_name; break;
	case PS_COL_TLS_SUBJECT_CN: v.s = p->tls_subject_cn; break;
	case PS_COL_TLS_SUBJECT_AN: v.sv = p->tls_subject_an; v.n = v.sv ? p->n_tls_subject_an : 0; break;
	case PS_COL_TLS_ISSUER_CN: v.s = p->tls_issuer_cn; break;
	case PS_COL_TLS_NOT_AFTER: v.i = p->tls_not_after_ms; break;
	case PS_COL_HTTP2: v.i = p->http2; break;
	case PS_COL_WEBSOCKET: v.i = p->websocket; break;
	case PS_COL_CHANGED_FIELDS:
		if (ov && ov->changed) {
			v.sv = ov->changed[row];
			v.n = v.sv ? ov->n_changed[row] : 0;
		} else {
			v.sv = p->changed_fields;
			v.n = v.sv ? p->n_changed_fields : 0;
		}
		break;
	default: break;
	}
	xkind k = xkind_of(c);
	if (k == X_STR)
		v.has = present(v.s);
	else if (k == X_I32 || k == X_I64 || k == X_TS || k == X_BOOL)
		v.has = v.i != 0;
	return v;
}

static size_t count_present_xlist(const xval *v, xkind k)
{
	if (k == X_LI32)
		return v->n;
	return v->sv ? count_present(v->sv, v->n) : 0;
}

/* Fills the version 2 columns of c from r[0..n). */
static int build_extras(ps_probe_cols *c, const ps_probe_result *r, size_t n, const ps_probe_overrides *ov,
                        size_t *raw)
{
	for (int k = PS_PROBE_NCOLS; k < PS_PROBE_V2_NCOLS; k++) {
		xkind kind = xkind_of(k);
		bool list = kind == X_LSTR || kind == X_LI32;
		size_t levels = n;
		if (list) {
			levels = 0;
			for (size_t i = 0; i < n; i++) {
				xval v = extra_value(&r[i], k, ov, i);
				size_t m = count_present_xlist(&v, kind);
				levels += m ? m : 1;
			}
		}
		if (levels > c->xcap[k]) {
			if (grow((void **)&c->def[k], levels, sizeof(int16_t)) || grow((void **)&c->rep[k], levels, sizeof(int16_t)) ||
			    grow((void **)&c->bytes[k], levels, sizeof(parq_bytes)) || grow(&c->xv[k], levels, 8))
				return PS_ENOMEM;
			c->xcap[k] = levels;
		}
		int64_t nl = 0, nv = 0;
		uint8_t *vals = c->xv[k];
		for (size_t i = 0; i < n; i++) {
			xval v = extra_value(&r[i], k, ov, i);
			if (list) {
				bool any = false;
				for (size_t j = 0; j < v.n; j++) {
					if (kind == X_LSTR) {
						if (!v.sv[j])
							continue;
						size_t len = strlen(v.sv[j]);
						if (len > UINT32_MAX)
							return ps_err(PS_ELIMIT, "record %zu: %s element too long", i, COLUMN_NAMES[k]);
						c->bytes[k][nv++] = (parq_bytes){(const uint8_t *)v.sv[j], (uint32_t)len};
						*raw += len;
					} else {
						memcpy(vals + 4 * nv++, &v.iv[j], 4);
					}
					c->rep[k][nl] = any;
					c->def[k][nl++] = 2;
					any = true;
				}
				if (!any) {
					c->rep[k][nl] = 0;
					c->def[k][nl++] = 0;
				}
				continue;
			}
			c->def[k][nl++] = v.has;
			if (!v.has)
				continue;
			switch (kind) {
			case X_STR: {
				size_t len = strlen(v.s);
				if (len > UINT32_MAX)
					return ps_err(PS_ELIMIT, "record %zu: %s of %zu bytes is too long", i, COLUMN_NAMES[k], len);
				c->bytes[k][nv++] = (parq_bytes){(const uint8_t *)v.s, (uint32_t)len};
				*raw += len;
				break;
			}
			case X_I32: {
				int32_t x = (int32_t)v.i;
				memcpy(vals + 4 * nv++, &x, 4);
				break;
			}
			case X_I64: case X_TS: memcpy(vals + 8 * nv++, &v.i, 8); break;
			case X_DBL: memcpy(vals + 8 * nv++, &v.d, 8); break;
			case X_BOOL: vals[nv++] = 1; break;
			default: break;
			}
		}
		parq_column_batch *b = &c->col[k];
		memset(b, 0, sizeof *b);
		b->num_rows = (int64_t)n;
		b->num_levels = nl;
		b->num_values = nv;
		b->def_levels = c->def[k];
		b->rep_levels = list ? c->rep[k] : NULL;
		if (xtype(kind) == PARQ_BYTE_ARRAY)
			b->bytes = c->bytes[k];
		else
			b->values = vals;
	}
	return 0;
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
	bool given = ov && ov->headers_json_given;
	for (size_t i = 0; i < n; i++) {
		c->json_off[i] = 0;
		if (given && r[i].headers_json)
			continue; /* counted below with the other strings */
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
			[PS_COL_HEADERS_JSON] = given && p->headers_json ? p->headers_json
			                        : c->json_off[i]            ? c->json.data + c->json_off[i] - 1
			                                                    : NULL,
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
	int rc = build_extras(c, r, n, ov, &raw);
	if (rc)
		return rc;
	c->raw_bytes = raw + n * 40;
	return 0;
}

size_t ps_probe_cols_memory(const ps_probe_cols *c)
{
	size_t per_row = PS_PROBE_NCOLS * (2 * sizeof(int16_t) + sizeof(parq_bytes) + sizeof(int64_t)) +
	                 sizeof(int32_t) + sizeof(size_t);
	return c->cap_rows * per_row + (c->cap_tech + c->cap_ip) * (2 * sizeof(int16_t) + sizeof(parq_bytes)) +
	       c->json.cap;
}

void ps_probe_cols_free(ps_probe_cols *c)
{
	for (int k = 0; k < PS_PROBE_V2_NCOLS; k++) {
		free(c->def[k]);
		free(c->rep[k]);
		free(c->bytes[k]);
		free(c->i64[k]);
		free(c->xv[k]);
	}
	free(c->i32);
	free(c->json_off);
	ps_buf_free(&c->json);
	memset(c, 0, sizeof *c);
}

/* ---- rows -> model ---- */

static char *row_str(const parq_value *v, ps_arena *a, int *rc)
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
 * in the 3-level form, the element may also come directly. The list of v
 * (NULL when v is none or empty), its elements by list_elem. */
static const parq_value *row_list_of(const parq_value *v)
{
	if (v->kind == PARQ_V_STRUCT && v->u.list.n == 1)
		v = &v->u.list.items[0];
	return v->kind == PARQ_V_LIST && v->u.list.n ? v : NULL;
}

static const parq_value *list_elem(const parq_value *list, uint32_t i)
{
	const parq_value *e = &list->u.list.items[i];
	return e->kind == PARQ_V_STRUCT && e->u.list.n == 1 ? &e->u.list.items[0] : e;
}

static int row_list(const parq_value *v, ps_arena *a, const char *const **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!(v = row_list_of(v)))
		return 0;
	const char **items = ps_arena_alloc(a, v->u.list.n * sizeof *items);
	if (!items)
		return PS_ENOMEM;
	size_t m = 0;
	for (uint32_t i = 0; i < v->u.list.n; i++) {
		const parq_value *e = list_elem(v, i);
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

static void doc_destroy(void *p)
{
	jt_free(p);
	free(p);
}

/* The nodes of headers_json values, each reading thread's */
static ps_thread_local doc_tl = PS_THREAD_LOCAL(doc_destroy);

/* The headers of a headers_json value (s[0..len), a copy in a, which this
 * parses in place: the names and values point into it). What jansson
 * would refuse (invalid UTF-8, text after the object, an escaped NUL)
 * gives no headers, as does a value that is not an object: not ours to
 * judge, the raw JSON stays unparsed. A name given twice keeps its first
 * place and its last value. Values that are not strings are empty. */
static int headers_from_json(char *s, size_t len, ps_arena *a, const ps_header **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s)
		return 0;
	size_t end;
	if (ps_utf8_valid(s, len) != len)
		return 0;
	jt_doc *d = ps_thread_local_get(&doc_tl, sizeof(jt_doc));
	if (!d)
		return PS_ENOMEM;
	const jt *o = jt_parse(d, s, len, &end);
	if (!o)
		return d->oom ? PS_ENOMEM : 0;
	while (end < len && (s[end] == ' ' || s[end] == '\t' || s[end] == '\r' || s[end] == '\n'))
		end++;
	if (end < len || o->type != JT_OBJECT)
		return 0;
	ps_header *h = ps_arena_alloc(a, (o->len ? o->len : 1) * sizeof *h);
	if (!h)
		return PS_ENOMEM;
	size_t k = 0;
	bool ascending = true; /* names so far in strictly increasing order: none repeated */
	for (const jt *e = o->child; e; e = e->next) {
		if (e->nul)
			return 0;
		const char *v = e->type == JT_STRING ? e->s : "";
		size_t j = k;
		if (k && !(ascending = ascending && strcmp(h[k - 1].name, e->key) < 0))
			for (j = 0; j < k && strcmp(h[j].name, e->key);)
				j++;
		h[j].name = e->key;
		h[j].value = v;
		k += j == k;
	}
	*out = h;
	*n = k;
	return 0;
}

static int row_list_i32(const parq_value *v, ps_arena *a, const int32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!(v = row_list_of(v)))
		return 0;
	int32_t *items = ps_arena_alloc(a, v->u.list.n * sizeof *items);
	if (!items)
		return PS_ENOMEM;
	size_t m = 0;
	for (uint32_t i = 0; i < v->u.list.n; i++) {
		const parq_value *e = list_elem(v, i);
		if (e->kind == PARQ_V_INT32)
			items[m++] = e->u.i32;
	}
	*out = items;
	*n = m;
	return 0;
}

/* The column of row field i: by name, the file's order tried first. */
static int field_column(const parq_value *f, uint32_t i)
{
	const char *name = f->node ? f->node->name : NULL;
	if (!name)
		return -1;
	if (i < PS_PROBE_V2_NCOLS && !strcmp(name, COLUMN_NAMES[i]))
		return (int)i;
	return ps_probe_column_find(name);
}

int ps_probe_from_row(const parq_value *row, ps_arena *a, ps_probe_result *p)
{
	memset(p, 0, sizeof *p);
	if (row->kind != PARQ_V_STRUCT)
		return ps_err(PS_ECORRUPT, "a probe row is not a record");
	char *hj = NULL;
	int rc = 0;
	for (uint32_t i = 0; i < row->u.list.n && !rc; i++) {
		const parq_value *f = &row->u.list.items[i];
		switch (field_column(f, i)) {
		case PS_COL_ORIGINAL_URL: p->input_url = row_str(f, a, &rc); break;
		case PS_COL_FINAL_URL: p->final_url = row_str(f, a, &rc); break;
		case PS_COL_STATUS_CODE: p->status_code = (int32_t)row_int(f); break;
		case PS_COL_CONTENT_LENGTH: p->content_length = row_int(f); break;
		case PS_COL_CONTENT_TYPE: p->content_type = row_str(f, a, &rc); break;
		case PS_COL_TITLE: p->title = row_str(f, a, &rc); break;
		case PS_COL_WEB_SERVER: p->web_server = row_str(f, a, &rc); break;
		case PS_COL_TECHNOLOGIES: rc = row_list(f, a, &p->technologies, &p->n_technologies); break;
		case PS_COL_IP_ADDRESS: rc = row_list(f, a, &p->ips, &p->n_ips); break;
		case PS_COL_ROOT_TARGET_URL: p->root_target_url = row_str(f, a, &rc); break;
		case PS_COL_PROBE_ERROR: p->error = row_str(f, a, &rc); break;
		case PS_COL_METHOD: p->method = row_str(f, a, &rc); break;
		case PS_COL_HEADERS_JSON: hj = row_str(f, a, &rc); break; /* the arena's copy */
		case PS_COL_DIFF_STATUS: p->url_status = row_str(f, a, &rc); break;
		case PS_COL_SCAN_TIMESTAMP: p->scan_timestamp_ms = row_int(f); break;
		case PS_COL_FIRST_SEEN_TIMESTAMP: p->oldest_scan_timestamp_ms = row_int(f); break;
		case PS_COL_LOCATION: p->location = row_str(f, a, &rc); break;
		case PS_COL_CHAIN_STATUS_CODES:
			rc = row_list_i32(f, a, &p->chain_status_codes, &p->n_chain_status_codes);
			break;
		case PS_COL_HOST_IP: p->host_ip = row_str(f, a, &rc); break;
		case PS_COL_PORT: p->port = (int32_t)row_int(f); break;
		case PS_COL_SCHEME: p->scheme = row_str(f, a, &rc); break;
		case PS_COL_PATH: p->path = row_str(f, a, &rc); break;
		case PS_COL_WORDS: p->words = row_int(f); break;
		case PS_COL_LINES: p->lines = row_int(f); break;
		case PS_COL_RESPONSE_TIME_MS:
			p->response_time_ms = f->kind == PARQ_V_DOUBLE ? f->u.d : 0;
			p->duration_s = p->response_time_ms / 1000.0;
			break;
		case PS_COL_CDN_NAME: p->cdn_name = row_str(f, a, &rc); break;
		case PS_COL_CDN_TYPE: p->cdn_type = row_str(f, a, &rc); break;
		case PS_COL_FAVICON_MMH3: p->favicon_mmh3 = (int32_t)row_int(f); break;
		case PS_COL_FAVICON_URL: p->favicon_url = row_str(f, a, &rc); break;
		case PS_COL_BODY_SHA256: p->body_sha256 = row_str(f, a, &rc); break;
		case PS_COL_HEADER_SHA256: p->header_sha256 = row_str(f, a, &rc); break;
		case PS_COL_JARM: p->jarm = row_str(f, a, &rc); break;
		case PS_COL_CNAME: rc = row_list(f, a, &p->cnames, &p->n_cnames); break;
		case PS_COL_ASN_NUMBER: p->asn_number = row_int(f); break;
		case PS_COL_ASN_NAME: p->asn_name = row_str(f, a, &rc); break;
		case PS_COL_TLS_SUBJECT_CN: p->tls_subject_cn = row_str(f, a, &rc); break;
		case PS_COL_TLS_SUBJECT_AN: rc = row_list(f, a, &p->tls_subject_an, &p->n_tls_subject_an); break;
		case PS_COL_TLS_ISSUER_CN: p->tls_issuer_cn = row_str(f, a, &rc); break;
		case PS_COL_TLS_NOT_AFTER: p->tls_not_after_ms = row_int(f); break;
		case PS_COL_HTTP2: p->http2 = f->kind == PARQ_V_BOOL && f->u.b; break;
		case PS_COL_WEBSOCKET: p->websocket = f->kind == PARQ_V_BOOL && f->u.b; break;
		case PS_COL_CHANGED_FIELDS: rc = row_list(f, a, &p->changed_fields, &p->n_changed_fields); break;
		default: break; /* last_seen_timestamp is the scan time; other writers' columns */
		}
	}
	/* the text as stored, and a copy that the headers are parsed from */
	p->headers_json = hj;
	size_t hl = hj ? strlen(hj) : 0;
	if (!rc && hj && !(hj = ps_arena_strndup(a, hj, hl)))
		rc = PS_ENOMEM;
	if (!rc)
		rc = headers_from_json(hj, hl, a, &p->headers, &p->n_headers);
	if (rc)
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
	o->location = dup_or_null(a, r->location, &rc);
	o->host_ip = dup_or_null(a, r->host_ip, &rc);
	o->scheme = dup_or_null(a, r->scheme, &rc);
	o->path = dup_or_null(a, r->path, &rc);
	o->cdn_name = dup_or_null(a, r->cdn_name, &rc);
	o->cdn_type = dup_or_null(a, r->cdn_type, &rc);
	o->favicon_url = dup_or_null(a, r->favicon_url, &rc);
	o->body_sha256 = dup_or_null(a, r->body_sha256, &rc);
	o->header_sha256 = dup_or_null(a, r->header_sha256, &rc);
	o->jarm = dup_or_null(a, r->jarm, &rc);
	o->asn_name = dup_or_null(a, r->asn_name, &rc);
	o->tls_subject_cn = dup_or_null(a, r->tls_subject_cn, &rc);
	o->tls_issuer_cn = dup_or_null(a, r->tls_issuer_cn, &rc);
	o->tls_subject_an = dup_list(a, r->tls_subject_an, r->n_tls_subject_an, &rc);
	o->changed_fields = dup_list(a, r->changed_fields, r->n_changed_fields, &rc);
	o->headers_json = dup_or_null(a, r->headers_json, &rc);
	if (r->chain_status_codes && r->n_chain_status_codes) {
		int32_t *v = ps_arena_alloc(a, r->n_chain_status_codes * sizeof *v);
		if (!v)
			return ps_err_nomem();
		memcpy(v, r->chain_status_codes, r->n_chain_status_codes * sizeof *v);
		o->chain_status_codes = v;
	}
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
