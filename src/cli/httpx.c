/* httpx -json records and probestore's own JSON Lines onto ps_probe_result. */
#include "httpx.h"

#include <ctype.h>
#include <jansson.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- arena ---- */

struct arena_block {
	arena_block *next;
	size_t used, cap;
	_Alignas(8) unsigned char data[];
};

void *arena_alloc(arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		/* blocks grow from 2 KiB to 64 KiB: ingest keeps one arena per
		 * target, and a target may have a single small record */
		size_t want = b ? (b->cap < 32 * 1024 ? b->cap * 2 : 64 * 1024) : 2048;
		size_t cap = n > want ? n : want;
		b = malloc(sizeof *b + cap);
		if (!b) {
			fputs("probestore: out of memory\n", stderr);
			exit(EXIT_RUNTIME);
		}
		b->used = 0;
		b->cap = cap;
		/* a block for one big string goes behind the current one, which
		 * keeps its free room for the small strings that follow */
		if (a->head && n > want) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->bytes += sizeof *b + cap;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

void arena_free(arena *a)
{
	for (arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->bytes = 0;
}

/* ---- field access ---- */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

typedef struct ctx {
	const json_t *obj;
	arena *a;
	char *err;
	size_t cap;
	int failed;
} ctx;

static void fail(ctx *c, const char *field, const char *expected, const json_t *v)
{
	if (!c->failed)
		snprintf(c->err, c->cap, "%s: expected %s, got %s", field, expected, type_name(v));
	c->failed = 1;
}

static const json_t *field(ctx *c, const char *name)
{
	const json_t *v = json_object_get(c->obj, name);
	return v && !json_is_null(v) ? v : NULL;
}

static const char *str(ctx *c, const char *name)
{
	const json_t *v = field(c, name);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		fail(c, name, "a string", v);
		return NULL;
	}
	return arena_strndup(c->a, json_string_value(v), strlen(json_string_value(v)));
}

static int64_t integer(ctx *c, const char *name, int64_t lo, int64_t hi)
{
	const json_t *v = field(c, name);
	if (!v)
		return 0;
	double d = json_is_real(v) ? json_real_value(v) : 0;
	int64_t x;
	if (json_is_integer(v))
		x = json_integer_value(v);
	else if (json_is_real(v) && d == floor(d) && fabs(d) < 9.0e15)
		x = (int64_t)d; /* 200.0 from a writer that prints every number as a float */
	else {
		fail(c, name, "an integer", v);
		return 0;
	}
	if (x < lo || x > hi) {
		if (!c->failed)
			snprintf(c->err, c->cap, "%s: %" PRId64 " is out of range", name, x);
		c->failed = 1;
		return 0;
	}
	return x;
}

/* Appends the strings of array field name to v[*n] (room for cap). */
static void str_array(ctx *c, const char *name, const char **v, size_t *n)
{
	const json_t *arr = field(c, name);
	if (!arr)
		return;
	if (!json_is_array(arr)) {
		fail(c, name, "an array of strings", arr);
		return;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (json_is_null(e))
			continue;
		if (!json_is_string(e)) {
			fail(c, name, "an array of strings", arr);
			return;
		}
		v[(*n)++] = arena_strndup(c->a, json_string_value(e), json_string_length(e));
	}
}

static size_t array_size(ctx *c, const char *name)
{
	const json_t *v = field(c, name);
	return v && json_is_array(v) ? json_array_size(v) : 0;
}

/* A header value as text: strings as they are, several values (httpx
 * gives a list for a repeated header) joined with ", ", other JSON as
 * compact JSON. */
static const char *header_value(arena *a, const json_t *v)
{
	if (json_is_string(v))
		return arena_strndup(a, json_string_value(v), json_string_length(v));
	if (json_is_array(v)) {
		size_t len = 0, i;
		const json_t *e;
		json_array_foreach(v, i, e) len += (json_is_string(e) ? json_string_length(e) : 32) + 2;
		char *s = arena_alloc(a, len + 1);
		size_t o = 0;
		json_array_foreach(v, i, e)
		{
			const char *t = json_is_string(e) ? json_string_value(e) : NULL;
			char *dumped = t ? NULL : json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
			const char *x = t ? t : dumped ? dumped : "";
			size_t xl = strlen(x);
			if (o + xl + 2 > len) { /* a dumped value longer than guessed */
				char *bigger = arena_alloc(a, (len = (o + xl + 2) * 2) + 1);
				memcpy(bigger, s, o);
				s = bigger;
			}
			if (o) {
				memcpy(s + o, ", ", 2);
				o += 2;
			}
			memcpy(s + o, x, xl);
			o += xl;
			free(dumped);
		}
		s[o] = 0;
		return s;
	}
	char *dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	const char *r = arena_strndup(a, dumped ? dumped : "", dumped ? strlen(dumped) : 0);
	free(dumped);
	return r;
}

static void headers_from_object(ctx *c, const char *name, const json_t *o, ps_probe_result *r)
{
	if (!json_is_object(o)) {
		fail(c, name, "an object", o);
		return;
	}
	size_t n = json_object_size(o), k = 0;
	if (!n)
		return;
	ps_header *h = arena_alloc(c->a, n * sizeof *h);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		if (json_is_null(v))
			continue;
		h[k].name = arena_strndup(c->a, key, strlen(key));
		h[k].value = header_value(c->a, v);
		k++;
	}
	r->headers = h;
	r->n_headers = k;
}

/* "scheme://host[:port]" or "host[:port]" (IPv6 in brackets), the port
 * only when the text names one: the root target a URL or input belongs to. */
static const char *target_of(arena *a, const char *s)
{
	ps_url u;
	if (!s || !*s || ps_url_parse_target(s, &u))
		return NULL;
	bool scheme = strstr(s, "://") != NULL;
	bool v6 = strchr(u.host, ':') != NULL;
	char buf[PS_URL_HOST_MAX + 32];
	char port[16] = "";
	if (u.port_explicit)
		snprintf(port, sizeof port, ":%d", u.port);
	snprintf(buf, sizeof buf, "%s%s%s%s%s%s", scheme ? u.scheme : "", scheme ? "://" : "", v6 ? "[" : "", u.host,
	         v6 ? "]" : "", port);
	ps_url_free(&u);
	return arena_strndup(a, buf, strlen(buf));
}

/* A URL as the store takes it: a bare host (httpx's input of a failed
 * probe) means https, as a root target does. */
static const char *absolute_url(arena *a, const char *s)
{
	if (!s || !*s || strstr(s, "://"))
		return s; /* absent, or with a scheme: validation judges it */
	ps_url u;
	if (ps_url_parse_target(s, &u))
		return s;
	ps_url_free(&u);
	size_t n = strlen(s);
	char *r = arena_alloc(a, n + 9);
	memcpy(r, "https://", 8);
	memcpy(r + 8, s, n + 1);
	return r;
}

int go_duration(const char *s, double *seconds)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6}, {"\xCE\xBCs", 1e-6}, {"ms", 1e-3},
	             {"s", 1},     {"m", 60},    {"h", 3600}};
	const char *p = s;
	double total = 0;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, "0")) {
		*seconds = 0;
		return 0;
	}
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t k, best = 0;
		int found = -1;
		for (k = 0; k < sizeof units / sizeof *units; k++) {
			size_t l = strlen(units[k].unit);
			if (!strncmp(p, units[k].unit, l) && l > best) {
				best = l;
				found = (int)k;
			}
		}
		if (found < 0)
			return -1;
		total += v * units[found].scale;
		p += best;
	}
	*seconds = neg ? -total : total;
	return 0;
}

static int rec_from_httpx(const json_t *obj, const rec_options *o, arena *a, rec *out, char *err, size_t cap)
{
	memset(out, 0, sizeof *out);
	ctx c = {obj, a, err, cap, 0};
	ps_probe_result *r = &out->r;
	const char *url = str(&c, "url"), *input = str(&c, "input");
	r->input_url = absolute_url(a, url && *url ? url : input);
	r->final_url = str(&c, "final_url");
	r->status_code = (int32_t)integer(&c, "status_code", INT32_MIN, INT32_MAX);
	r->content_length = integer(&c, "content_length", INT64_MIN, INT64_MAX);
	r->content_type = str(&c, "content_type");
	r->title = str(&c, "title");
	r->web_server = str(&c, "webserver");
	r->method = str(&c, "method");
	r->error = str(&c, "error");
	size_t nt = array_size(&c, "tech");
	const char **tv = nt ? arena_alloc(a, nt * sizeof *tv) : NULL;
	str_array(&c, "tech", tv, &r->n_technologies);
	r->technologies = tv;
	size_t nip = array_size(&c, "a") + array_size(&c, "aaaa");
	const char **ips = nip ? arena_alloc(a, nip * sizeof *ips) : NULL;
	str_array(&c, "a", ips, &r->n_ips);
	str_array(&c, "aaaa", ips, &r->n_ips);
	r->ips = ips;
	size_t ncn = array_size(&c, "cname");
	const char **cn = ncn ? arena_alloc(a, ncn * sizeof *cn) : NULL;
	str_array(&c, "cname", cn, &r->n_cnames);
	r->cnames = cn;
	const json_t *h = field(&c, "header");
	if (h)
		headers_from_object(&c, "header", h, r);
	const json_t *asn = field(&c, "asn");
	if (asn && json_is_object(asn)) {
		const json_t *num = json_object_get(asn, "as_number");
		if (num && json_is_string(num))
			r->asn = arena_strndup(a, json_string_value(num), json_string_length(num));
		else if (num && !json_is_null(num))
			fail(&c, "asn.as_number", "a string", num);
	} else if (asn && json_is_string(asn)) {
		r->asn = arena_strndup(a, json_string_value(asn), json_string_length(asn));
	} else if (asn) {
		fail(&c, "asn", "an object", asn);
	}
	const json_t *t = field(&c, "time");
	if (t && json_is_string(t)) {
		if (go_duration(json_string_value(t), &r->duration_s) && !c.failed) {
			snprintf(err, cap, "time: '%.40s' is not a duration such as 123.4ms", json_string_value(t));
			c.failed = 1;
		}
	} else if (t && json_is_number(t)) {
		r->duration_s = json_number_value(t);
	} else if (t) {
		fail(&c, "time", "a duration string", t);
	}
	const json_t *body = field(&c, "body");
	if (body && !json_is_string(body))
		fail(&c, "body", "a string", body);
	else if (body && o && o->keep_body)
		r->body = arena_strndup(a, json_string_value(body), json_string_length(body));
	const json_t *failed = field(&c, "failed");
	if (failed && !json_is_boolean(failed))
		fail(&c, "failed", "a boolean", failed);
	else if (failed && json_is_true(failed) && !(r->error && *r->error))
		r->error = "probe failed";
	const json_t *ts = field(&c, "timestamp");
	if (ts && json_is_string(ts)) {
		int64_t hi;
		if (time_parse(json_string_value(ts), &out->time_ms, &hi) && !c.failed) {
			snprintf(err, cap, "timestamp: '%.40s' is not an RFC 3339 time", json_string_value(ts));
			c.failed = 1;
		}
	} else if (ts) {
		fail(&c, "timestamp", "an RFC 3339 time string", ts);
	}
	if (c.failed)
		return -1;
	r->scan_timestamp_ms = out->time_ms;
	out->target = target_of(a, input);
	if (!out->target)
		out->target = target_of(a, r->input_url);
	return 0;
}

static int rec_from_jsonl(const json_t *obj, const rec_options *o, arena *a, rec *out, char *err, size_t cap)
{
	(void)o;
	memset(out, 0, sizeof *out);
	ctx c = {obj, a, err, cap, 0};
	ps_probe_result *r = &out->r;
	r->input_url = str(&c, "original_url");
	r->final_url = str(&c, "final_url");
	r->status_code = (int32_t)integer(&c, "status_code", INT32_MIN, INT32_MAX);
	r->content_length = integer(&c, "content_length", INT64_MIN, INT64_MAX);
	r->content_type = str(&c, "content_type");
	r->title = str(&c, "title");
	r->web_server = str(&c, "web_server");
	size_t nt = array_size(&c, "technologies"), ni = array_size(&c, "ip_address");
	const char **tv = nt ? arena_alloc(a, nt * sizeof *tv) : NULL;
	const char **iv = ni ? arena_alloc(a, ni * sizeof *iv) : NULL;
	str_array(&c, "technologies", tv, &r->n_technologies);
	str_array(&c, "ip_address", iv, &r->n_ips);
	r->technologies = tv;
	r->ips = iv;
	r->root_target_url = str(&c, "root_target_url");
	r->error = str(&c, "probe_error");
	r->method = str(&c, "method");
	const char *hj = str(&c, "headers_json");
	if (hj && *hj) {
		json_error_t je;
		json_t *h = json_loads(hj, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!h) {
			if (!c.failed)
				snprintf(err, cap, "headers_json: not JSON (%s)", je.text);
			c.failed = 1;
		} else {
			headers_from_object(&c, "headers_json", h, r);
			json_decref(h);
		}
	}
	const char *diff = str(&c, "diff_status");
	if (diff && *diff && !ps_url_status_valid(diff) && !c.failed) {
		snprintf(err, cap, "diff_status: '%.20s' is not new, existing or old", diff);
		c.failed = 1;
	}
	out->time_ms = integer(&c, "scan_timestamp", 0, INT64_MAX);
	r->scan_timestamp_ms = out->time_ms;
	r->oldest_scan_timestamp_ms = integer(&c, "first_seen_timestamp", 0, INT64_MAX);
	integer(&c, "last_seen_timestamp", 0, INT64_MAX); /* checked; it is the scan time */
	if (c.failed)
		return -1;
	out->target = r->root_target_url && *r->root_target_url ? r->root_target_url : target_of(a, r->input_url);
	return 0;
}

int rec_from_line(const char *line, size_t len, rec_format *format, const rec_options *o, arena *a, rec *out,
                  char *err, size_t cap)
{
	json_error_t je;
	json_t *obj = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!obj) {
		snprintf(err, cap, "invalid JSON at column %d: %s", je.column, je.text);
		return -1;
	}
	int rc = -1;
	if (!json_is_object(obj)) {
		snprintf(err, cap, "expected a JSON object, got %s", type_name(obj));
	} else {
		if (!*format)
			*format = json_object_get(obj, "original_url") ? REC_JSONL : REC_HTTPX;
		rc = *format == REC_JSONL ? rec_from_jsonl(obj, o, a, out, err, cap) : rec_from_httpx(obj, o, a, out, err, cap);
	}
	json_decref(obj);
	return rc;
}

int rec_validate(const rec *rc, char *err, size_t cap)
{
	const ps_probe_result *r = &rc->r;
	if (!r->input_url || !*r->input_url) {
		snprintf(err, cap, "no URL (httpx: url or input; probestore: original_url)");
		return -1;
	}
	ps_url u;
	if (ps_url_parse(r->input_url, &u)) {
		snprintf(err, cap, "%s", ps_errmsg());
		return -1;
	}
	ps_url_free(&u);
	if (r->status_code != 0 && (r->status_code < 100 || r->status_code > 599)) {
		snprintf(err, cap, "status_code %d is outside 100..599", (int)r->status_code);
		return -1;
	}
	if (r->content_length < 0) {
		snprintf(err, cap, "content_length %" PRId64 " is negative", r->content_length);
		return -1;
	}
	if (!rc->target) {
		snprintf(err, cap, "no root target can be derived from the record (use --target)");
		return -1;
	}
	return 0;
}
