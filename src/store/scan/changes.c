/* Changes between two results of one URL: which fields count, how they
 * compare, and the previous scan's values the comparison needs. */
#include "scan/changes.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../error.h"
#include "scan/probe_rows.h"
#include "scan/scan_internal.h"

static const char *const NAMES[PS_CHG_N] = {
	"status_code", "title", "technologies", "web_server", "final_url",
	"location", "content_length", "body_sha256", "tls", "ip_address",
};

const char *const ps_change_columns[] = {
	"original_url", "status_code", "title", "technologies", "web_server", "final_url", "content_length",
	"ip_address", "first_seen_timestamp", "scan_timestamp", "location", "body_sha256", "tls_subject_cn",
	"tls_subject_an", "tls_issuer_cn", "tls_not_after", NULL,
};

const char *ps_change_name(int bit)
{
	return bit >= 0 && bit < PS_CHG_N ? NAMES[bit] : "?";
}

void ps_change_options_default(ps_change_options *o)
{
	memset(o, 0, sizeof *o);
	o->fields = NULL;
	o->length_ratio = 0.10;
}

int ps_change_cfg_make(const ps_change_options *o, ps_change_cfg *out)
{
	ps_change_options def;
	if (!o) {
		ps_change_options_default(&def);
		o = &def;
	}
	if (!(o->length_ratio >= 0) || !isfinite(o->length_ratio))
		return ps_err(PS_EINVAL, "change options: length_ratio %g is not a ratio >= 0", o->length_ratio);
	out->ratio = o->length_ratio;
	if (!o->fields) {
		out->mask = (1u << PS_CHG_N) - 1;
		return 0;
	}
	out->mask = 0;
	const char *p = o->fields;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		if (!n)
			break;
		int bit = -1;
		for (int k = 0; k < PS_CHG_N; k++)
			if (strlen(NAMES[k]) == n && !memcmp(NAMES[k], p, n))
				bit = k;
		if (bit < 0)
			return ps_err(PS_EINVAL,
			              "change fields: unknown field '%.*s' (known: status_code, title, technologies, web_server, "
			              "final_url, location, content_length, body_sha256, tls, ip_address)",
			              (int)(n > 40 ? 40 : n), p);
		out->mask |= 1u << bit;
		p += n;
	}
	return 0;
}

int ps_change_cfg_from_config(const ps_config *cfg, ps_change_cfg *out)
{
	ps_change_options o;
	ps_change_options_default(&o);
	if (cfg) {
		o.fields = cfg->writer.change_fields;
		o.length_ratio = cfg->writer.change_length_percent / 100.0;
	}
	return ps_change_cfg_make(&o, out);
}

static bool present(const char *s)
{
	return s && *s;
}

static bool str_eq(const char *a, const char *b)
{
	if (!present(a) || !present(b))
		return present(a) == present(b);
	return !strcmp(a, b);
}

static bool has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; v && i < n; i++)
		if (v[i] && !strcmp(v[i], s))
			return true;
	return false;
}

/* Equal as sets of strings (order and repeats aside). */
static bool set_eq(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	for (size_t i = 0; a && i < na; i++)
		if (a[i] && !has(b, nb, a[i]))
			return false;
	for (size_t i = 0; b && i < nb; i++)
		if (b[i] && !has(a, na, b[i]))
			return false;
	return true;
}

static void set_of(int bit, const ps_probe_result *r, const char *const **v, size_t *n)
{
	if (bit == PS_CHG_TECH) {
		*v = r->technologies;
		*n = r->n_technologies;
	} else if (bit == PS_CHG_IPS) {
		*v = r->ips;
		*n = r->n_ips;
	} else {
		*v = r->tls_subject_an;
		*n = r->n_tls_subject_an;
	}
}

unsigned ps_probe_changes(const ps_change_cfg *cfg, const ps_probe_result *old, const ps_probe_result *cur,
                          bool v2_both)
{
	unsigned mask = cfg->mask & (v2_both ? ~0u : ~PS_CHG_V2), out = 0;
	if ((mask & 1u << PS_CHG_STATUS) && old->status_code != cur->status_code)
		out |= 1u << PS_CHG_STATUS;
	if ((mask & 1u << PS_CHG_TITLE) && !str_eq(old->title, cur->title))
		out |= 1u << PS_CHG_TITLE;
	if ((mask & 1u << PS_CHG_TECH) &&
	    !set_eq(old->technologies, old->n_technologies, cur->technologies, cur->n_technologies))
		out |= 1u << PS_CHG_TECH;
	if ((mask & 1u << PS_CHG_SERVER) && !str_eq(old->web_server, cur->web_server))
		out |= 1u << PS_CHG_SERVER;
	if ((mask & 1u << PS_CHG_FINAL_URL) && !str_eq(old->final_url, cur->final_url))
		out |= 1u << PS_CHG_FINAL_URL;
	if ((mask & 1u << PS_CHG_LOCATION) && !str_eq(old->location, cur->location))
		out |= 1u << PS_CHG_LOCATION;
	if (mask & 1u << PS_CHG_LENGTH) {
		double d = fabs((double)cur->content_length - (double)old->content_length);
		if (old->content_length != cur->content_length && d > cfg->ratio * (double)old->content_length)
			out |= 1u << PS_CHG_LENGTH;
	}
	if ((mask & 1u << PS_CHG_BODY_HASH) && !str_eq(old->body_sha256, cur->body_sha256))
		out |= 1u << PS_CHG_BODY_HASH;
	if ((mask & 1u << PS_CHG_TLS) &&
	    (!str_eq(old->tls_subject_cn, cur->tls_subject_cn) || !str_eq(old->tls_issuer_cn, cur->tls_issuer_cn) ||
	     old->tls_not_after_ms != cur->tls_not_after_ms ||
	     !set_eq(old->tls_subject_an, old->n_tls_subject_an, cur->tls_subject_an, cur->n_tls_subject_an)))
		out |= 1u << PS_CHG_TLS;
	if ((mask & 1u << PS_CHG_IPS) && !set_eq(old->ips, old->n_ips, cur->ips, cur->n_ips))
		out |= 1u << PS_CHG_IPS;
	return out;
}

/* ---- values as text ---- */

static const char *joined(ps_arena *a, const char *const *v, size_t n, const char *const *minus, size_t n_minus)
{
	ps_buf b = {0};
	int rc = 0;
	for (size_t i = 0; v && i < n && !rc; i++) {
		if (!v[i] || has(minus, n_minus, v[i]))
			continue;
		if (b.len)
			rc = ps_buf_add(&b, ", ", 2);
		if (!rc)
			rc = ps_buf_add(&b, v[i], strlen(v[i]));
	}
	const char *s = NULL;
	if (!rc && b.len)
		s = ps_arena_strndup(a, b.data, b.len);
	ps_buf_free(&b);
	return s;
}

static const char *fmt(ps_arena *a, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(ps_arena *a, const char *f, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	return ps_arena_strndup(a, buf, strlen(buf));
}

static void iso_ms(char *buf, size_t cap, int64_t ms)
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *ps_change_value(int bit, const ps_probe_result *r, ps_arena *a)
{
	switch (bit) {
	case PS_CHG_STATUS: return r->status_code ? fmt(a, "%" PRId32, r->status_code) : NULL;
	case PS_CHG_TITLE: return present(r->title) ? r->title : NULL;
	case PS_CHG_TECH: return joined(a, r->technologies, r->n_technologies, NULL, 0);
	case PS_CHG_SERVER: return present(r->web_server) ? r->web_server : NULL;
	case PS_CHG_FINAL_URL: return present(r->final_url) ? r->final_url : NULL;
	case PS_CHG_LOCATION: return present(r->location) ? r->location : NULL;
	case PS_CHG_LENGTH: return r->content_length ? fmt(a, "%" PRId64, r->content_length) : NULL;
	case PS_CHG_BODY_HASH: return present(r->body_sha256) ? r->body_sha256 : NULL;
	case PS_CHG_IPS: return joined(a, r->ips, r->n_ips, NULL, 0);
	case PS_CHG_TLS: {
		if (!present(r->tls_subject_cn) && !present(r->tls_issuer_cn) && !r->tls_not_after_ms &&
		    !r->n_tls_subject_an)
			return NULL;
		const char *san = joined(a, r->tls_subject_an, r->n_tls_subject_an, NULL, 0);
		char when[40] = "";
		if (r->tls_not_after_ms)
			iso_ms(when, sizeof when, r->tls_not_after_ms);
		ps_buf b = {0};
		int rc = ps_buf_printf(&b, "CN=%s; SAN=%s; issuer=%s; not_after=%s",
		                       present(r->tls_subject_cn) ? r->tls_subject_cn : "", san ? san : "",
		                       present(r->tls_issuer_cn) ? r->tls_issuer_cn : "", when);
		const char *s = rc ? NULL : ps_arena_strndup(a, b.data, b.len);
		ps_buf_free(&b);
		return s;
	}
	default: return NULL;
	}
}

int ps_change_set_diff(int bit, const ps_probe_result *old, const ps_probe_result *cur, ps_arena *a,
                       const char **added, const char **removed)
{
	const char *const *ov, *const *cv;
	size_t on, cn;
	set_of(bit, old, &ov, &on);
	set_of(bit, cur, &cv, &cn);
	*added = joined(a, cv, cn, ov, on);
	*removed = joined(a, ov, on, cv, cn);
	return 0;
}

/* ---- a scan's compared values ---- */

int ps_prev_scan_add(ps_prev_scan *p, const ps_probe_result *r)
{
	if (!r->input_url)
		return 0;
	if (ps_array_room(&p->recs, &p->cap, p->n, sizeof *p->recs, 64))
		return ps_err_nomem();
	/* the result holds the compared columns alone (the scan was read with
	 * those): its deep copy is what the comparison needs */
	int rc = ps_probe_copy(r, &p->arena, &p->recs[p->n]);
	if (rc || ps_strmap_put(&p->idx, r->input_url, strlen(r->input_url), (int64_t)p->n))
		return ps_err_nomem();
	p->n++;
	return 0;
}

const ps_probe_result *ps_prev_scan_get(const ps_prev_scan *p, const char *url)
{
	int64_t *i = ps_strmap_get(&p->idx, url, strlen(url));
	return i ? &p->recs[*i] : NULL;
}

int ps_prev_scan_load(const ps_store *st, const char *path, ps_prev_scan *p)
{
	if (!path)
		return 0;
	ps_probe_iter *it;
	bool v2 = false;
	int rc = ps_probe_iter_open_fields(&it, st, path, ps_change_columns, &v2);
	if (rc)
		return rc;
	p->v2 = v2;
	const ps_probe_result *r;
	while (!(rc = ps_probe_iter_next(it, &r)) && r)
		if ((rc = ps_prev_scan_add(p, r)))
			break;
	ps_probe_iter_close(it);
	return rc;
}

size_t ps_prev_scan_memory(const ps_prev_scan *p)
{
	return ps_strmap_memory(&p->idx) + p->cap * sizeof *p->recs + ps_arena_memory(&p->arena);
}

void ps_prev_scan_free(ps_prev_scan *p)
{
	ps_strmap_free(&p->idx);
	free(p->recs);
	ps_arena_free(&p->arena);
	memset(p, 0, sizeof *p);
}
