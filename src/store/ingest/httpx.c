/* httpx -json records and probestore's own JSON Lines onto ps_probe_result. */
#include "ingest/httpx.h"
#include "ingest/jtree.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "probestore/ingest.h"
#include "scan/probe_rows.h"

/* ---- field access ---- */

static _Thread_local jt_doc tree, inner; /* parsing, below */
static _Thread_local ps_buf hdr_buf;     /* headers_text's */
#define LINE_PAD 16

static bool jt_is_null(const jt *v) { return v->type == JT_NULL; }
static bool jt_is_bool(const jt *v) { return v->type == JT_TRUE || v->type == JT_FALSE; }
static bool jt_is_true(const jt *v) { return v->type == JT_TRUE; }
static bool jt_is_number(const jt *v) { return v->type == JT_NUMBER; }
static bool jt_is_string(const jt *v) { return v->type == JT_STRING; }
static bool jt_is_array(const jt *v) { return v->type == JT_ARRAY; }
static bool jt_is_object(const jt *v) { return v->type == JT_OBJECT; }
static size_t jt_size(const jt *v) { return v->len; }

/* A number is kept as a double: an integer is a number without a
 * fraction that a double holds exactly. */
static bool is_integral(const jt *v)
{
	double d = v->d;
	return jt_is_number(v) && d == floor(d) && fabs(d) < 9.0e15;
}

static const char *type_name(const jt *v)
{
	if (jt_is_object(v)) return "an object";
	if (jt_is_array(v)) return "an array";
	if (jt_is_string(v)) return "a string";
	if (jt_is_number(v)) return is_integral(v) ? "an integer" : "a number";
	if (jt_is_bool(v)) return "a boolean";
	if (jt_is_null(v)) return "null";
	return "a value";
}

/* The members ingest reads, of both formats; an object's are found in one
 * pass over its keys (index_members) rather than a search per field. */
#define KEYS(X)                                                                                              \
	X(a) X(aaaa) X(asn) X(body) X(cname) X(content_length) X(content_type) X(diff_status) X(error) X(failed) \
	X(final_url) X(first_seen_timestamp) X(header) X(headers_json) X(input) X(ip_address)                  \
	X(last_seen_timestamp) X(method) X(original_url) X(probe_error) X(root_target_url) X(scan_timestamp)   \
	X(status_code) X(tech) X(technologies) X(time) X(timestamp) X(title) X(url) X(web_server) X(webserver)   \
	X(location) X(chain_status_codes) X(host) X(host_ip) X(port) X(scheme) X(path) X(words) X(lines)       \
	X(cdn_name) X(cdn_type) X(favicon) X(favicon_url) X(favicon_path) X(favicon_mmh3) X(hash) X(body_sha256)              \
	X(header_sha256) X(jarm) X(jarm_hash) X(tls) X(asn_number) X(asn_name) X(tls_subject_cn)               \
	X(tls_subject_an) X(tls_issuer_cn) X(tls_not_after) X(http2) X(websocket) X(response_time_ms)           \
	X(changed_fields)
#define KEY_ENUM(k) K_##k,
#define KEY_NAME(k) #k,
#define KEY_LEN(k) sizeof #k - 1,
enum { KEYS(KEY_ENUM) NKEYS };
static const char *const KEY_NAMES[NKEYS] = {KEYS(KEY_NAME)};
static const unsigned char KEY_LENS[NKEYS] = {KEYS(KEY_LEN)};
#undef KEY_ENUM
#undef KEY_NAME
#undef KEY_LEN

typedef struct ctx {
	const jt *slot[NKEYS]; /* each key's member (the last of repeats), or NULL */
	ps_arena *a;
	char *err;
	size_t cap;
	int failed;
} ctx;

static void fail(ctx *c, const char *field, const char *expected, const jt *v)
{
	if (!c->failed)
		snprintf(c->err, c->cap, "%s: expected %s, got %s", field, expected, type_name(v));
	c->failed = 1;
}


/* The keys in an open-addressed table (slot: key + 1), by length and
 * first and last byte: one probe or two per member, not a pass over
 * every key (that pass was a fiftieth of ingest). */
#define KEY_SLOTS 256
static unsigned char key_slot[KEY_SLOTS];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static unsigned key_hash(const char *key, size_t n)
{
	return ((unsigned)n * 131u + (unsigned char)key[0] * 31u + (unsigned char)key[n - 1]) & (KEY_SLOTS - 1);
}

static void key_table(void)
{
	for (int k = 0; k < NKEYS; k++) {
		unsigned h = key_hash(KEY_NAMES[k], KEY_LENS[k]);
		while (key_slot[h])
			h = (h + 1) & (KEY_SLOTS - 1);
		key_slot[h] = (unsigned char)(k + 1);
	}
}

static void index_members(ctx *c, const jt *obj)
{
	pthread_once(&key_once, key_table);
	memset(c->slot, 0, sizeof c->slot);
	for (const jt *e = obj->child; e; e = e->next) {
		const char *key = e->key;
		size_t n = e->klen;
		if (!key || !n)
			continue;
		for (unsigned h = key_hash(key, n); key_slot[h]; h = (h + 1) & (KEY_SLOTS - 1)) {
			int k = key_slot[h] - 1;
			if (KEY_LENS[k] == n && !memcmp(KEY_NAMES[k], key, n)) {
				c->slot[k] = e;
				break;
			}
		}
	}
}

static const jt *field(ctx *c, int k)
{
	const jt *v = c->slot[k];
	return v && !jt_is_null(v) ? v : NULL;
}


/* Field k when present and of the type `is` tests (`what` names it);
 * NULL when absent, or when of another type (the line then fails). */
static const jt *typed(ctx *c, int k, bool (*is)(const jt *), const char *what)
{
	const jt *v = field(c, k);
	if (v && !is(v)) {
		fail(c, KEY_NAMES[k], what, v);
		return NULL;
	}
	return v;
}

static const char *str(ctx *c, int k)
{
	const jt *v = typed(c, k, jt_is_string, "a string");
	return v ? v->s : NULL;
}

/* x when it lies in [lo, hi]; otherwise 0, and the line fails. */
static int64_t in_range(ctx *c, const char *name, int64_t x, int64_t lo, int64_t hi)
{
	if (x >= lo && x <= hi)
		return x;
	if (!c->failed)
		snprintf(c->err, c->cap, "%s: %" PRId64 " is out of range", name, x);
	c->failed = 1;
	return 0;
}

static int64_t integer(ctx *c, int k, int64_t lo, int64_t hi)
{
	const char *name = KEY_NAMES[k];
	const jt *v = field(c, k);
	if (!v)
		return 0;
	/* 200.0 from a writer that prints every number as a float is 200 */
	if (!is_integral(v)) {
		fail(c, name, "an integer", v);
		return 0;
	}
	int64_t x = (int64_t)v->d;
	return in_range(c, name, x, lo, hi);
}

/* Appends the strings of arr (nulls passed over) to v[*n], which has room
 * for them; false when an element of another type fails the line (field
 * `name`). */
static bool add_strings(ctx *c, const char *name, const jt *arr, const char **v, size_t *n)
{
	for (const jt *e = arr->child; e; e = e->next) {
		if (jt_is_null(e))
			continue;
		if (!jt_is_string(e)) {
			fail(c, name, "an array of strings", arr);
			return false;
		}
		v[(*n)++] = e->s;
	}
	return true;
}

/* Appends the strings of array field name to v[*n] (room for cap). */
static void str_array(ctx *c, int k, const char **v, size_t *n)
{
	const char *name = KEY_NAMES[k];
	const jt *arr = field(c, k);
	if (!arr)
		return;
	if (!jt_is_array(arr)) {
		fail(c, name, "an array of strings", arr);
		return;
	}
	if (!v)
		return; /* out of memory: the arena says so */
	add_strings(c, name, arr, v, n);
}

static size_t array_size(ctx *c, int k)
{
	const jt *v = field(c, k);
	return v && jt_is_array(v) ? (size_t)jt_size(v) : 0;
}

/* A string as JSON, escaped as cJSON escapes: quote, backslash and the
 * control bytes; the rest as it is. */
static int dump_string(ps_buf *b, const char *s, size_t n)
{
	int rc = ps_buf_addc(b, '"');
	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c == '"'    ? "\\\""
		                : c == '\\' ? "\\\\"
		                : c == '\b'  ? "\\b"
		                : c == '\f'  ? "\\f"
		                : c == '\n'  ? "\\n"
		                : c == '\r'  ? "\\r"
		                : c == '\t'  ? "\\t"
		                              : NULL;
		if (e)
			rc = ps_buf_add(b, e, 2);
		else if (c < 0x20)
			rc = ps_buf_printf(b, "\\u%04x", c);
		else
			rc = ps_buf_addc(b, (char)c);
	}
	return rc ? rc : ps_buf_addc(b, '"');
}

/* v as compact JSON at the end of b; a number as it was written. */
static int dump_json(ps_buf *b, const jt *v)
{
	switch (v->type) {
	case JT_NULL: return ps_buf_add(b, "null", 4);
	case JT_FALSE: return ps_buf_add(b, "false", 5);
	case JT_TRUE: return ps_buf_add(b, "true", 4);
	case JT_NUMBER: return ps_buf_add(b, v->s, v->len);
	case JT_STRING: return dump_string(b, v->s, v->len);
	case JT_ARRAY:
	case JT_OBJECT: break;
	}
	bool obj = v->type == JT_OBJECT;
	int rc = ps_buf_addc(b, obj ? '{' : '[');
	for (const jt *e = v->child; e && !rc; e = e->next) {
		if (e != v->child)
			rc = ps_buf_addc(b, ',');
		if (!rc && obj && !(rc = dump_string(b, e->key, e->klen)))
			rc = ps_buf_addc(b, ':');
		if (!rc)
			rc = dump_json(b, e);
	}
	return rc ? rc : ps_buf_addc(b, obj ? '}' : ']');
}

/* v as compact JSON in the ps_arena. */
static const char *dump(ps_arena *a, const jt *v)
{
	ps_buf b = {0};
	const char *r = dump_json(&b, v) ? NULL : ps_arena_strndup(a, b.data ? b.data : "", b.len);
	ps_buf_free(&b);
	return r;
}

/* A header value as text: strings as they are, several values (httpx
 * gives a list for a repeated header) joined with ", ", other JSON as
 * compact JSON. */
static const char *header_value(ps_arena *a, const jt *v)
{
	if (jt_is_string(v))
		return v->s;
	if (!jt_is_array(v))
		return dump(a, v);
	size_t len = 0;
	const char **parts = NULL;
	size_t n = (size_t)jt_size(v);
	if (n && !(parts = ps_arena_alloc(a, n * sizeof *parts)))
		return NULL;
	n = 0;
	for (const jt *e = v->child; e; e = e->next) {
		parts[n] = jt_is_string(e) ? e->s : dump(a, e);
		if (!parts[n])
			return NULL;
		len += strlen(parts[n++]) + 2;
	}
	char *s = ps_arena_alloc(a, len + 1);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(s + o, ", ", 2);
			o += 2;
		}
		size_t l = strlen(parts[i]);
		memcpy(s + o, parts[i], l);
		o += l;
	}
	s[o] = 0;
	return s;
}

static void headers_from_object(ctx *c, const char *name, const jt *o, ps_probe_result *r)
{
	if (!jt_is_object(o)) {
		fail(c, name, "an object", o);
		return;
	}
	size_t n = (size_t)jt_size(o), k = 0;
	if (!n)
		return;
	ps_header *h = ps_arena_alloc(c->a, n * sizeof *h);
	if (!h)
		return;
	for (const jt *e = o->child; e; e = e->next) {
		if (jt_is_null(e))
			continue;
		h[k].name = e->key; /* in place, as the values are */
		h[k].value = header_value(c->a, e);
		k++;
	}
	r->headers = h;
	r->n_headers = k;
}

/* The text of httpx's header object o as the headers_json column holds
 * it (ps_headers_to_json), made here from the tree's strings and their
 * lengths, on the parsing threads: NULL (the writer makes it from the
 * headers) for other than up to PS_HEADER_VIEWS_MAX string values without an escaped
 * NUL. Strings of the line's tree are padded (parse_line). */
static const char *headers_text(ctx *c, const jt *o)
{
	if (!jt_is_object(o) || !jt_size(o) || jt_size(o) > PS_HEADER_VIEWS_MAX)
		return NULL;
	ps_header_view v[PS_HEADER_VIEWS_MAX];
	size_t n = 0;
	for (const jt *e = o->child; e; e = e->next) {
		if (jt_is_null(e))
			continue;
		if (!jt_is_string(e) || e->nul)
			return NULL;
		v[n++] = (ps_header_view){e->key, e->s, e->klen, e->len};
	}
	if (!n)
		return NULL;
	hdr_buf.len = 0;
	if (ps_headers_views_json(&hdr_buf, v, n, true))
		return NULL;
	return ps_arena_strndup(c->a, hdr_buf.data, hdr_buf.len);
}

/* "scheme://host[:port]" or "host[:port]" (IPv6 in brackets), the port
 * only when the text names one: the root target a URL or input belongs
 * to, into buf (of PS_URL_HOST_MAX + 32 bytes); false when s is not one. */
static bool target_text(const char *s, char *buf)
{
	ps_url u;
	if (ps_url_parse_target(s, &u))
		return false;
	bool scheme = strstr(s, "://") != NULL;
	bool v6 = strchr(u.host, ':') != NULL;
	size_t sl = scheme ? strlen(u.scheme) : 0, hl = strlen(u.host);
	/* scheme "://" "[" host "]" ":" port: assembled by hand (snprintf was
	 * a sixtieth of ingest) */
	char *p = buf;
	if (scheme) {
		memcpy(p, u.scheme, sl);
		memcpy(p + sl, "://", 3);
		p += sl + 3;
	}
	if (v6)
		*p++ = '[';
	memcpy(p, u.host, hl);
	p += hl;
	if (v6)
		*p++ = ']';
	if (u.port_explicit) {
		char digits[8];
		int k = 0;
		for (unsigned port = (unsigned)u.port; k == 0 || port; port /= 10)
			digits[k++] = (char)('0' + port % 10);
		*p++ = ':';
		while (k)
			*p++ = digits[--k];
	}
	*p = '\0';
	ps_url_free(&u);
	return true;
}

/* The targets of the last inputs this thread saw, by a hash of the input:
 * httpx repeats one input (a target, a host of a list) for all of its
 * URLs, and parsing it again was most of what a record's target cost. */
#define TARGET_SLOTS 64
#define TARGET_INPUT_MAX 128

typedef struct target_slot {
	uint64_t h;
	char in[TARGET_INPUT_MAX];
	char out[PS_URL_HOST_MAX + 32];
} target_slot;

static _Thread_local target_slot *target_slots;

/* The root target of s (target_text) in a, NULL when s is none. */
static const char *target_of(ps_arena *a, const char *s)
{
	if (!s || !*s)
		return NULL;
	size_t n = strlen(s);
	target_slot *t = NULL;
	uint64_t h = 0;
	if (n < TARGET_INPUT_MAX && (target_slots || (target_slots = calloc(TARGET_SLOTS, sizeof *target_slots)))) {
		h = XXH3_64bits(s, n) | 1; /* 0: an empty slot */
		t = &target_slots[h % TARGET_SLOTS];
		if (t->h == h && !strcmp(t->in, s))
			return ps_arena_strndup(a, t->out, strlen(t->out));
	}
	char buf[PS_URL_HOST_MAX + 32];
	if (!target_text(s, buf))
		return NULL;
	if (t) {
		t->h = h;
		memcpy(t->in, s, n + 1);
		memcpy(t->out, buf, strlen(buf) + 1);
	}
	return ps_arena_strndup(a, buf, strlen(buf));
}

/* A URL as the store takes it: a bare host (httpx's input of a failed
 * probe) means https, as a root target does. */
static const char *absolute_url(ps_arena *a, const char *s)
{
	if (!s || !*s || strstr(s, "://"))
		return s; /* absent, or with a scheme: validation judges it */
	ps_url u;
	if (ps_url_parse_target(s, &u))
		return s;
	ps_url_free(&u);
	size_t n = strlen(s);
	char *r = ps_arena_alloc(a, n + 9);
	if (!r)
		return s;
	memcpy(r, "https://", 8);
	memcpy(r + 8, s, n + 1);
	return r;
}

/* The decimal number at p when it is at most 15 digits with an optional
 * fraction and a unit follows it: *v as strtod reads it (the digits as an
 * integer below 2^53 and a power of ten up to 10^15, both exact, so that
 * one division rounds as strtod does), *end after it; false otherwise. */
static bool short_decimal(const char *p, double *v, const char **end)
{
	static const double pow10[] = {1,   1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                               1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	uint64_t m = 0;
	int digits = 0, frac = -1;
	for (;; p++) {
		if (*p >= '0' && *p <= '9') {
			m = m * 10 + (uint64_t)(*p - '0');
			if (++digits > 15)
				return false;
			frac += frac >= 0;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			break;
		}
	}
	/* a unit's first byte: what strtod would not read on */
	if (!digits || !*p || !strchr("numsh\xC2\xCE", *p))
		return false;
	*v = (double)m / pow10[frac > 0 ? frac : 0];
	*end = p;
	return true;
}

int ps_go_duration(const char *s, double *seconds)
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
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		double v;
		const char *end;
		if (!short_decimal(p, &v, &end)) {
			char *e;
			v = strtod(p, &e);
			end = e;
		}
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

/* ---- version 2 fields ---- */

static bool flag(ctx *c, int k)
{
	const jt *v = typed(c, k, jt_is_bool, "a boolean");
	return v && jt_is_true(v);
}

/* An integer given as a number or as a string of digits (httpx writes
 * port and favicon as strings). */
static int64_t int_or_text(ctx *c, const char *name, const jt *v, int64_t lo, int64_t hi)
{
	if (!v)
		return 0;
	int64_t x;
	if (jt_is_string(v)) {
		char *end;
		errno = 0;
		long long t = strtoll(v->s, &end, 10);
		if (!*v->s || *end || errno) {
			if (!c->failed)
				snprintf(c->err, c->cap, "%s: '%.40s' is not an integer", name, v->s);
			c->failed = 1;
			return 0;
		}
		x = t;
	} else if (is_integral(v)) {
		x = (int64_t)v->d;
	} else {
		fail(c, name, "an integer", v);
		return 0;
	}
	return in_range(c, name, x, lo, hi);
}

/* A JSON array of integers (status codes) into the arena. */
static void int_array(ctx *c, const char *name, const jt *arr, const int32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!arr)
		return;
	if (!jt_is_array(arr)) {
		fail(c, name, "an array of integers", arr);
		return;
	}
	size_t m = (size_t)jt_size(arr);
	if (!m)
		return;
	int32_t *v = ps_arena_alloc(c->a, m * sizeof *v);
	if (!v)
		return;
	size_t k = 0;
	for (const jt *e = arr->child; e; e = e->next) {
		if (jt_is_null(e))
			continue;
		if (!is_integral(e) || e->d < INT32_MIN || e->d > INT32_MAX) {
			fail(c, name, "an array of integers", arr);
			return;
		}
		v[k++] = (int32_t)e->d;
	}
	*out = v;
	*n = k;
}

/* The string member name of object o (NULL when absent or null). */
static const char *sub_str(ctx *c, const jt *o, const char *path, const char *name)
{
	const jt *v = jt_member(o, name);
	if (!v || jt_is_null(v))
		return NULL;
	if (!jt_is_string(v)) {
		fail(c, path, "a string", v);
		return NULL;
	}
	return v->s;
}

/* The strings of array member name of object o. */
static void sub_str_array(ctx *c, const jt *o, const char *path, const char *name, const char *const **out,
                          size_t *n)
{
	*out = NULL;
	*n = 0;
	const jt *arr = jt_member(o, name);
	if (!arr || jt_is_null(arr))
		return;
	if (!jt_is_array(arr)) {
		fail(c, path, "an array of strings", arr);
		return;
	}
	size_t m = (size_t)jt_size(arr);
	const char **v = m ? ps_arena_alloc(c->a, m * sizeof *v) : NULL;
	if (!v)
		return;
	size_t k = 0;
	if (!add_strings(c, path, arr, v, &k))
		return;
	*out = v;
	*n = k;
}

/* "AS13335" or "13335" as 13335; 0 when it is neither. */
static int64_t asn_from_text(const char *s)
{
	if (!s)
		return 0;
	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return *s && !*end && !errno && v > 0 && v <= UINT32_MAX ? v : 0;
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];
	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* A time field as UTC milliseconds: an RFC 3339 string or a number of
 * milliseconds. */
static int64_t time_field(ctx *c, const char *name, const jt *v)
{
	if (!v || jt_is_null(v))
		return 0;
	if (jt_is_string(v)) {
		int64_t lo, hi;
		if (ps_time_parse(v->s, &lo, &hi)) {
			if (!c->failed)
				snprintf(c->err, c->cap, "%s: '%.40s' is not an RFC 3339 time", name, v->s);
			c->failed = 1;
			return 0;
		}
		return lo;
	}
	if (is_integral(v))
		return (int64_t)v->d;
	fail(c, name, "an RFC 3339 time string", v);
	return 0;
}

/* httpx's fields of scan schema version 2. */
static void httpx_v2(ctx *c, ps_probe_result *r)
{
	r->location = str(c, K_location);
	int_array(c, "chain_status_codes", field(c, K_chain_status_codes), &r->chain_status_codes,
	          &r->n_chain_status_codes);
	r->host_ip = str(c, K_host_ip);
	const char *host = str(c, K_host);
	if (!r->host_ip && is_ip(host))
		r->host_ip = host;
	r->port = (int32_t)int_or_text(c, "port", field(c, K_port), 0, 65535);
	r->scheme = str(c, K_scheme);
	r->path = str(c, K_path);
	r->words = integer(c, K_words, 0, INT64_MAX);
	r->lines = integer(c, K_lines, 0, INT64_MAX);
	r->cdn_name = str(c, K_cdn_name);
	r->cdn_type = str(c, K_cdn_type);
	r->favicon_mmh3 = (int32_t)int_or_text(c, "favicon", field(c, K_favicon), INT32_MIN, UINT32_MAX);
	r->favicon_url = str(c, K_favicon_url);
	if (!r->favicon_url)
		r->favicon_url = str(c, K_favicon_path); /* older httpx */
	const jt *h = field(c, K_hash);
	if (h && jt_is_object(h)) {
		r->body_sha256 = sub_str(c, h, "hash.body_sha256", "body_sha256");
		r->header_sha256 = sub_str(c, h, "hash.header_sha256", "header_sha256");
	} else if (h) {
		fail(c, "hash", "an object", h);
	}
	r->jarm = str(c, K_jarm);
	if (!r->jarm)
		r->jarm = str(c, K_jarm_hash);
	const jt *tls = field(c, K_tls);
	if (tls && jt_is_object(tls)) {
		r->tls_subject_cn = sub_str(c, tls, "tls.subject_cn", "subject_cn");
		r->tls_issuer_cn = sub_str(c, tls, "tls.issuer_cn", "issuer_cn");
		sub_str_array(c, tls, "tls.subject_an", "subject_an", &r->tls_subject_an, &r->n_tls_subject_an);
		r->tls_not_after_ms = time_field(c, "tls.not_after", jt_member(tls, "not_after"));
	} else if (tls) {
		fail(c, "tls", "an object", tls);
	}
	r->http2 = flag(c, K_http2);
	r->websocket = flag(c, K_websocket);
	/* an address only in host is the address probed */
	if (!r->n_ips && r->host_ip) {
		const char **ips = ps_arena_alloc(c->a, sizeof *ips);
		if (ips) {
			ips[0] = r->host_ip;
			r->ips = ips;
			r->n_ips = 1;
		}
	}
}

/* probestore's own JSON Lines: the version 2 columns by their names. */
static void jsonl_v2(ctx *c, ps_probe_result *r)
{
	r->location = str(c, K_location);
	int_array(c, "chain_status_codes", field(c, K_chain_status_codes), &r->chain_status_codes,
	          &r->n_chain_status_codes);
	r->host_ip = str(c, K_host_ip);
	r->port = (int32_t)integer(c, K_port, 0, 65535);
	r->scheme = str(c, K_scheme);
	r->path = str(c, K_path);
	r->words = integer(c, K_words, 0, INT64_MAX);
	r->lines = integer(c, K_lines, 0, INT64_MAX);
	const jt *ms = field(c, K_response_time_ms);
	if (ms && !jt_is_number(ms))
		fail(c, "response_time_ms", "a number", ms);
	else if (ms && ms->d > 0) {
		r->response_time_ms = ms->d;
		r->duration_s = ms->d / 1000.0;
	}
	r->cdn_name = str(c, K_cdn_name);
	r->cdn_type = str(c, K_cdn_type);
	r->favicon_mmh3 = (int32_t)integer(c, K_favicon_mmh3, INT32_MIN, INT32_MAX);
	r->favicon_url = str(c, K_favicon_url);
	r->body_sha256 = str(c, K_body_sha256);
	r->header_sha256 = str(c, K_header_sha256);
	r->jarm = str(c, K_jarm);
	r->asn_number = integer(c, K_asn_number, 0, INT64_MAX);
	r->asn_name = str(c, K_asn_name);
	r->tls_subject_cn = str(c, K_tls_subject_cn);
	size_t n = array_size(c, K_tls_subject_an);
	const char **v = n ? ps_arena_alloc(c->a, n * sizeof *v) : NULL;
	str_array(c, K_tls_subject_an, v, &r->n_tls_subject_an);
	r->tls_subject_an = v;
	r->tls_issuer_cn = str(c, K_tls_issuer_cn);
	r->tls_not_after_ms = time_field(c, "tls_not_after", field(c, K_tls_not_after));
	r->http2 = flag(c, K_http2);
	r->websocket = flag(c, K_websocket);
	n = array_size(c, K_cname);
	v = n ? ps_arena_alloc(c->a, n * sizeof *v) : NULL;
	str_array(c, K_cname, v, &r->n_cnames);
	r->cnames = v;
	n = array_size(c, K_changed_fields);
	v = n ? ps_arena_alloc(c->a, n * sizeof *v) : NULL;
	str_array(c, K_changed_fields, v, &r->n_changed_fields);
	r->changed_fields = v;
}

static int rec_from_httpx(const jt *obj, const ps_rec_options *o, ps_arena *a, ps_rec *out, char *err, size_t cap)
{
	memset(out, 0, sizeof *out);
	ctx c = {.a = a, .err = err, .cap = cap};
	index_members(&c, obj);
	ps_probe_result *r = &out->r;
	const char *url = str(&c, K_url), *input = str(&c, K_input);
	r->input_url = absolute_url(a, url && *url ? url : input);
	r->final_url = str(&c, K_final_url);
	r->status_code = (int32_t)integer(&c, K_status_code, INT32_MIN, INT32_MAX);
	r->content_length = integer(&c, K_content_length, INT64_MIN, INT64_MAX);
	r->content_type = str(&c, K_content_type);
	r->title = str(&c, K_title);
	r->web_server = str(&c, K_webserver);
	r->method = str(&c, K_method);
	r->error = str(&c, K_error);
	size_t nt = array_size(&c, K_tech);
	const char **tv = nt ? ps_arena_alloc(a, nt * sizeof *tv) : NULL;
	str_array(&c, K_tech, tv, &r->n_technologies);
	r->technologies = tv;
	size_t nip = array_size(&c, K_a) + array_size(&c, K_aaaa);
	const char **ips = nip ? ps_arena_alloc(a, nip * sizeof *ips) : NULL;
	str_array(&c, K_a, ips, &r->n_ips);
	str_array(&c, K_aaaa, ips, &r->n_ips);
	r->ips = ips;
	size_t ncn = array_size(&c, K_cname);
	const char **cn = ncn ? ps_arena_alloc(a, ncn * sizeof *cn) : NULL;
	str_array(&c, K_cname, cn, &r->n_cnames);
	r->cnames = cn;
	const jt *h = field(&c, K_header);
	if (h) {
		headers_from_object(&c, "header", h, r);
		r->headers_json = headers_text(&c, h);
	}
	const jt *asn = field(&c, K_asn);
	if (asn && jt_is_object(asn)) {
		const jt *num = jt_member(asn, "as_number");
		if (num && jt_is_string(num))
			r->asn = num->s;
		else if (num && !jt_is_null(num))
			fail(&c, "asn.as_number", "a string", num);
		r->asn_number = asn_from_text(r->asn);
		r->asn_name = sub_str(&c, asn, "asn.as_name", "as_name");
	} else if (asn && jt_is_string(asn)) {
		r->asn = asn->s;
		r->asn_number = asn_from_text(r->asn);
	} else if (asn) {
		fail(&c, "asn", "an object", asn);
	}
	const jt *t = field(&c, K_time);
	if (t && jt_is_string(t)) {
		if (ps_go_duration(t->s, &r->duration_s) && !c.failed) {
			snprintf(err, cap, "time: '%.40s' is not a duration such as 123.4ms", t->s);
			c.failed = 1;
		}
	} else if (t && jt_is_number(t)) {
		r->duration_s = t->d;
	} else if (t) {
		fail(&c, "time", "a duration string", t);
	}
	const jt *body = field(&c, K_body);
	if (body && !jt_is_string(body))
		fail(&c, "body", "a string", body);
	else if (body && o && o->keep_body)
		r->body = body->s;
	httpx_v2(&c, r);
	const jt *failed = field(&c, K_failed);
	if (failed && !jt_is_bool(failed))
		fail(&c, "failed", "a boolean", failed);
	else if (failed && jt_is_true(failed) && !(r->error && *r->error))
		r->error = "probe failed";
	const jt *ts = field(&c, K_timestamp);
	if (ts && jt_is_string(ts)) {
		int64_t hi;
		if (ps_time_parse(ts->s, &out->time_ms, &hi) && !c.failed) {
			snprintf(err, cap, "timestamp: '%.40s' is not an RFC 3339 time", ts->s);
			c.failed = 1;
		}
	} else if (ts) {
		fail(&c, "timestamp", "an RFC 3339 time string", ts);
	}
	if (c.failed)
		return -1;
	r->scan_timestamp_ms = out->time_ms;
	if (o && o->no_target)
		return 0;
	out->target = target_of(a, input);
	if (!out->target)
		out->target = target_of(a, r->input_url);
	return 0;
}

static int rec_from_jsonl(const jt *obj, const ps_rec_options *o, ps_arena *a, ps_rec *out, char *err, size_t cap)
{
	(void)o;
	memset(out, 0, sizeof *out);
	ctx c = {.a = a, .err = err, .cap = cap};
	index_members(&c, obj);
	ps_probe_result *r = &out->r;
	r->input_url = str(&c, K_original_url);
	r->final_url = str(&c, K_final_url);
	r->status_code = (int32_t)integer(&c, K_status_code, INT32_MIN, INT32_MAX);
	r->content_length = integer(&c, K_content_length, INT64_MIN, INT64_MAX);
	r->content_type = str(&c, K_content_type);
	r->title = str(&c, K_title);
	r->web_server = str(&c, K_web_server);
	size_t nt = array_size(&c, K_technologies), ni = array_size(&c, K_ip_address);
	const char **tv = nt ? ps_arena_alloc(a, nt * sizeof *tv) : NULL;
	const char **iv = ni ? ps_arena_alloc(a, ni * sizeof *iv) : NULL;
	str_array(&c, K_technologies, tv, &r->n_technologies);
	str_array(&c, K_ip_address, iv, &r->n_ips);
	r->technologies = tv;
	r->ips = iv;
	r->root_target_url = str(&c, K_root_target_url);
	r->error = str(&c, K_probe_error);
	r->method = str(&c, K_method);
	const char *hj = str(&c, K_headers_json);
	if (hj && *hj) {
		/* parsed in a copy, whose strings the headers keep */
		size_t hl = strlen(hj), end;
		char *copy = ps_arena_strndup(a, hj, hl);
		const jt *h = copy ? jt_parse(&inner, copy, hl, &end) : NULL;
		if (!h) {
			if (!c.failed) { /* the first error is the one told */
				if (!copy || inner.oom)
					snprintf(err, cap, "out of memory");
				else if (inner.too_many)
					snprintf(err, cap, "headers_json: more than %zu JSON values", (size_t)JT_NODES_MAX);
				else
					snprintf(err, cap, "headers_json: not JSON");
			}
			c.failed = 1;
		} else {
			headers_from_object(&c, "headers_json", h, r);
		}
	}
	const char *diff = str(&c, K_diff_status);
	if (diff && *diff && !ps_url_status_valid(diff) && !c.failed) {
		snprintf(err, cap, "diff_status: '%.20s' is not new, existing or old", diff);
		c.failed = 1;
	}
	out->time_ms = integer(&c, K_scan_timestamp, 0, INT64_MAX);
	r->scan_timestamp_ms = out->time_ms;
	r->oldest_scan_timestamp_ms = integer(&c, K_first_seen_timestamp, 0, INT64_MAX);
	integer(&c, K_last_seen_timestamp, 0, INT64_MAX); /* checked; it is the scan time */
	jsonl_v2(&c, r);
	if (c.failed)
		return -1;
	out->target = r->root_target_url && *r->root_target_url ? r->root_target_url
	              : o && o->no_target                         ? NULL
	                                                          : target_of(a, r->input_url);
	return 0;
}

/* ---- parsing ----
 *
 * A line is copied into the caller's ps_arena and parsed there in place
 * (jtree.c): the strings of its tree are the record's. The tree's nodes
 * are this thread's, reused from line to line (tree: the line's; inner:
 * a headers_json member's, or a line whose format is being detected). */

void ps_rec_release(void)
{
	jt_free(&tree);
	jt_free(&inner);
	ps_buf_free(&hdr_buf);
	free(target_slots);
	target_slots = NULL;
}

static int parse_line(const char *line, size_t len, ps_rec_format *format, const ps_rec_options *o, ps_arena *a,
                      ps_rec *out, char *err, size_t cap)
{
	/* 16 bytes more than the line and its NUL: every string of the tree
	 * is followed by 16 that can be read (ps_json_plain_padded) */
	char *text = ps_arena_alloc(a, len + 1 + LINE_PAD);
	if (!text)
		return -2;
	memcpy(text, line, len);
	memset(text + len, 0, 1 + LINE_PAD);
	size_t at = 0;
	const jt *obj = jt_parse(&tree, text, len, &at);
	if (!obj && tree.oom)
		return -2;
	if (obj) {
		while (at < len && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r' || line[at] == '\n'))
			at++;
		if (at < len) {
			snprintf(err, cap, "invalid JSON at column %zu: text after the JSON value", at + 1);
			return -1;
		}
	}
	if (!obj && tree.too_many) {
		snprintf(err, cap, "the line holds more than %zu JSON values (column %zu)", (size_t)JT_NODES_MAX, at + 1);
		return -1;
	}
	if (!obj) {
		/* the text at the byte that is wrong, as written (ASCII only, so
		 * that a cut character cannot garble the message) */
		char near[20];
		size_t k = 0;
		for (size_t i = at; i < len && k < 16; i++)
			near[k++] = (unsigned char)line[i] >= 0x20 && (unsigned char)line[i] < 0x7f ? line[i] : '?';
		near[k] = 0;
		if (at >= len)
			snprintf(err, cap, "invalid JSON: the line ends at column %zu inside a value", len + 1);
		else
			snprintf(err, cap, "invalid JSON at column %zu, near '%s'%s", at + 1, near,
			         at + k >= len ? " at the end of the line" : "");
		return -1;
	}
	if (!jt_is_object(obj)) {
		snprintf(err, cap, "expected a JSON object, got %s", type_name(obj));
		return -1;
	}
	if (!*format)
		*format = jt_member(obj, "original_url") ? PS_REC_JSONL : PS_REC_HTTPX;
	return *format == PS_REC_JSONL ? rec_from_jsonl(obj, o, a, out, err, cap) : rec_from_httpx(obj, o, a, out, err, cap);
}

int ps_rec_from_line(const char *line, size_t len, ps_rec_format *format, const ps_rec_options *o,
                     ps_arena *a, ps_rec *out, char *err, size_t cap)
{
	int rc = parse_line(line, len, format, o, a, out, err, cap);
	if (rc == -2 || a->oom) {
		snprintf(err, cap, "out of memory");
		return -2;
	}
	return rc;
}

ps_rec_format ps_rec_detect(const char *line, size_t len)
{
	char *text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, line, len);
	size_t end;
	const jt *obj = jt_parse(&inner, text, len, &end);
	ps_rec_format f = 0;
	if (obj && jt_is_object(obj))
		f = jt_member(obj, "original_url") ? PS_REC_JSONL : PS_REC_HTTPX;
	free(text);
	return f;
}

int ps_rec_validate(const ps_rec *rc, char *err, size_t cap)
{
	const ps_probe_result *r = &rc->r;
	if (!r->input_url || !*r->input_url) {
		snprintf(err, cap, "no URL (httpx: url or input; probestore: original_url)");
		return -1;
	}
	if (ps_url_check(r->input_url)) {
		snprintf(err, cap, "%s", ps_errmsg());
		return -1;
	}
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
