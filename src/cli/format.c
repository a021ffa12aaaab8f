/* JSON rendering of Parquet values under the `cat` conventions. */
#include "format.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "probestore/probe.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static void sb_grow(strbuf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		fputs("probestore: out of memory\n", stderr);
		exit(1);
	}
	b->data = p;
	b->cap = cap;
}

void sb_putc(strbuf *b, char c)
{
	sb_grow(b, 1);
	b->data[b->len++] = c;
}

void sb_put(strbuf *b, const char *s, size_t n)
{
	if (!n)
		return; /* an empty buffer has no data to offset */
	sb_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void sb_puts(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_i64(strbuf *b, int64_t v)
{
	char d[24];
	size_t k = sizeof d;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--k] = '-';
	sb_put(b, d + k, sizeof d - k);
}

void sb_free(strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void json_string(strbuf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sb_grow(b, n + 2);
	b->data[b->len++] = '"';
	size_t i = 0;
	while (i < n) {
		/* copy the longest run that needs no escaping (printable ASCII
		 * but quote and backslash), 16 bytes at a time where SSE2 is */
		size_t j = i;
#if defined(__SSE2__)
		const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
		while (j + 16 <= n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			/* signed: bytes from 0x80 are negative, so below 0x20 too */
			__m128i stop = _mm_or_si128(_mm_cmplt_epi8(x, space),
			                            _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
			unsigned m = (unsigned)_mm_movemask_epi8(stop);
			if (m) {
				j += (unsigned)__builtin_ctz(m);
				break;
			}
			j += 16;
		}
#endif
		while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
			j++;
		if (j > i) {
			sb_put(b, (const char *)p + i, j - i);
			i = j;
			continue;
		}
		uint8_t c = p[i];
		if (c >= 0x80) {
			size_t l = ps_utf8_seq(p + i, n - i, NULL);
			if (l) {
				sb_put(b, (const char *)p + i, l);
				i += l;
			} else {
				sb_put(b, "\xEF\xBF\xBD", 3);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': sb_put(b, "\\\"", 2); break;
		case '\\': sb_put(b, "\\\\", 2); break;
		case '\n': sb_put(b, "\\n", 2); break;
		case '\r': sb_put(b, "\\r", 2); break;
		case '\t': sb_put(b, "\\t", 2); break;
		case '\b': sb_put(b, "\\b", 2); break;
		case '\f': sb_put(b, "\\f", 2); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_put(b, e, 6);
		}
		}
		i++;
	}
	sb_putc(b, '"');
}

/* Renders digits (no dot) with decimal exponent n (value = 0.digits * 10^n)
 * the way ECMAScript's Number::toString does. */
static void js_number(strbuf *b, bool neg, const char *digits, int k, int n)
{
	if (neg)
		sb_putc(b, '-');
	if (k <= n && n <= 21) {
		sb_put(b, digits, (size_t)k);
		for (int i = 0; i < n - k; i++)
			sb_putc(b, '0');
	} else if (0 < n && n <= 21) {
		sb_put(b, digits, (size_t)n);
		sb_putc(b, '.');
		sb_put(b, digits + n, (size_t)(k - n));
	} else if (-6 < n && n <= 0) {
		sb_put(b, "0.", 2);
		for (int i = 0; i < -n; i++)
			sb_putc(b, '0');
		sb_put(b, digits, (size_t)k);
	} else {
		sb_putc(b, digits[0]);
		if (k > 1) {
			sb_putc(b, '.');
			sb_put(b, digits + 1, (size_t)(k - 1));
		}
		sb_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
}

/* Nearest half-precision value (ties to even), widened back to double. */
static double round_half(double x)
{
	if (!isfinite(x) || x == 0)
		return x;
	double a = fabs(x);
	if (a >= 65520)
		return x > 0 ? INFINITY : -INFINITY;
	int e;
	frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
	int exp2 = e - 1 < -14 ? -14 : e - 1;
	double q = ldexp(1.0, exp2 - 10); /* spacing of halves at this magnitude */
	double r = nearbyint(a / q) * q;  /* default rounding: to nearest even */
	return x < 0 ? -r : r;
}

/* The fewest significant digits (up to 15) of a decimal that reads back
 * as x, found without printf: for m < 2^53 and |k| <= 22, m / 10^k and
 * m * 10^k are the doubles nearest to the decimals m * 10^-k and m * 10^k
 * (both operands exact, one rounding), which is what strtod returns. 0
 * when none is found this way. m is rounded from x * 10^k, itself rounded,
 * so it may miss the fewest digits by one: the caller checks one fewer. */
static int fast_digits(double x)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	double a = fabs(x);
	if (!(a >= 1e-6 && a < 1e15))
		return 0;
	int e = (int)floor(log10(a));
	for (int p = 1; p <= 15; p++) {
		int k = p - 1 - e;
		if (k > 22 || k < -22)
			return 0;
		double m = nearbyint(k >= 0 ? a * p10[k] : a / p10[-k]);
		if (m <= 0 || m >= 1e15)
			continue;
		if ((k >= 0 ? m / p10[k] : m * p10[-k]) == a)
			return p;
	}
	return 0;
}

/* Shortest digits of x (finite, nonzero) that round-trip at the given
 * precision: 64 (double), 32 (float) or 16 (half). For a double whose
 * digits fast_digits finds (p), two formattings instead of p: p - 1
 * digits do not read back (else every count is tried from 1), p do. */
static void shortest(strbuf *b, double x, int bits)
{
	char buf[40];
	int maxp = bits == 64 ? 17 : bits == 32 ? 9 : 5, from = 1;
	int fast = bits == 64 ? fast_digits(x) : 0;
	if (fast > 1) {
		snprintf(buf, sizeof buf, "%.*e", fast - 2, x);
		if (strtod(buf, NULL) != x)
			from = fast;
	}
	for (int p = from; p <= maxp; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, x);
		double y = strtod(buf, NULL);
		bool ok = bits == 64 ? y == x : bits == 32 ? (float)y == (float)x : round_half(y) == x;
		if (ok || p == maxp)
			break;
	}
	/* buf: [-]d.ddde[+-]xx */
	bool neg = buf[0] == '-';
	const char *s = buf + neg;
	char digits[40];
	int k = 0;
	const char *e = strchr(s, 'e');
	for (const char *q = s; q < e; q++)
		if (*q != '.')
			digits[k++] = *q;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	int exp10 = atoi(e + 1);
	js_number(b, neg, digits, k, exp10 + 1);
}

void json_double(strbuf *b, double d)
{
	if (isnan(d)) { sb_puts(b, "\"NaN\""); return; }
	if (isinf(d)) { sb_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\""); return; }
	if (d == 0) { sb_puts(b, "0"); return; }
	shortest(b, d, 64);
}

void json_float(strbuf *b, float f)
{
	if (isnan(f)) { sb_puts(b, "\"NaN\""); return; }
	if (isinf(f)) { sb_puts(b, f > 0 ? "\"Infinity\"" : "\"-Infinity\""); return; }
	if (f == 0) { sb_puts(b, "0"); return; }
	shortest(b, (double)f, 32);
}

static void json_half(strbuf *b, double h)
{
	if (isnan(h) || isinf(h)) { json_double(b, h); return; }
	if (h == 0) { sb_puts(b, "0"); return; }
	shortest(b, h, 16);
}

static void base64(strbuf *b, const uint8_t *p, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sb_grow(b, (n + 2) / 3 * 4 + 2);
	sb_putc(b, '"');
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
		sb_put(b, o, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=', '='};
		sb_put(b, o, 4);
	}
	sb_putc(b, '"');
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static void put_date(strbuf *b, int64_t days)
{
	int64_t y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		sb_printf(b, "%04" PRId64 "-%02u-%02u", y, m, d);
	else
		sb_printf(b, "%+05" PRId64 "-%02u-%02u", y, m, d);
}

static int64_t floordiv(int64_t a, int64_t b, int64_t *rem)
{
	int64_t q = a / b, r = a % b;
	if (r < 0) {
		r += b;
		q--;
	}
	*rem = r;
	return q;
}

/* value in units of 10^-digits seconds since the epoch */
static void put_timestamp(strbuf *b, int64_t v, int digits, bool utc)
{
	int64_t per_sec = digits == 3 ? 1000 : digits == 6 ? 1000000 : 1000000000;
	int64_t frac, secs = floordiv(v, per_sec, &frac), sod;
	int64_t days = floordiv(secs, 86400, &sod);
	sb_putc(b, '"');
	put_date(b, days);
	sb_printf(b, "T%02d:%02d:%02d.%0*" PRId64 "%s\"", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
	          digits, frac, utc ? "Z" : "");
}

void json_timestamp_ms(strbuf *b, int64_t ms)
{
	put_timestamp(b, ms, 3, true);
}

static void put_time(strbuf *b, int64_t v, int digits)
{
	int64_t per_sec = digits == 3 ? 1000 : digits == 6 ? 1000000 : 1000000000;
	int64_t frac, secs = floordiv(v, per_sec, &frac);
	sb_printf(b, "\"%02d:%02d:%02d.%0*" PRId64 "\"", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
	          digits, frac);
}

/* Big-endian two's complement integer of n bytes, scaled, as a decimal string. */
static void put_decimal_bytes(strbuf *b, const uint8_t *p, size_t n, int scale)
{
	if (n == 0) {
		sb_puts(b, "\"0\"");
		return;
	}
	bool neg = p[0] & 0x80;
	uint8_t *mag = malloc(n);
	if (!mag)
		return;
	memcpy(mag, p, n);
	if (neg) { /* negate: invert and add one */
		for (size_t i = 0; i < n; i++)
			mag[i] = (uint8_t)~mag[i];
		for (size_t i = n; i-- > 0;)
			if (++mag[i] != 0)
				break;
	}
	/* repeated division by 10 */
	char *digits = malloc(n * 3 + 2);
	size_t nd = 0;
	bool nonzero = true;
	while (nonzero) {
		unsigned rem = 0;
		nonzero = false;
		for (size_t i = 0; i < n; i++) {
			unsigned cur = rem * 256 + mag[i];
			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			nonzero |= mag[i] != 0;
		}
		digits[nd++] = (char)('0' + rem);
	}
	while ((int)nd <= scale)
		digits[nd++] = '0';
	sb_putc(b, '"');
	if (neg)
		sb_putc(b, '-');
	for (size_t i = nd; i-- > 0;) {
		sb_putc(b, digits[i]);
		if (scale > 0 && i == (size_t)scale)
			sb_putc(b, '.');
	}
	sb_putc(b, '"');
	free(digits);
	free(mag);
}

static void put_decimal_int(strbuf *b, int64_t v, int scale)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	put_decimal_bytes(b, be, 8, scale);
}

static float half_to_float(uint16_t h)
{
	int e = (h >> 10) & 0x1F, m = h & 0x3FF;
	float v;
	if (e == 0)
		v = ldexpf((float)m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexpf((float)(m | 0x400), e - 25);
	return (h & 0x8000) ? -v : v;
}

static bool is_string_leaf(const parq_node *n)
{
	parq_logical_kind k = n->logical.kind;
	return k == PARQ_LT_STRING || k == PARQ_LT_ENUM || k == PARQ_LT_JSON ||
	       n->converted_type == PARQ_CT_UTF8 || n->converted_type == PARQ_CT_ENUM || n->converted_type == PARQ_CT_JSON;
}

static void json_scalar(strbuf *b, const parq_value *v)
{
	const parq_node *n = v->node;
	const parq_logical *l = &n->logical;
	switch (v->kind) {
	case PARQ_V_BOOL:
		sb_puts(b, v->u.b ? "true" : "false");
		return;
	case PARQ_V_INT32:
		if (l->kind == PARQ_LT_DATE) { sb_putc(b, '"'); put_date(b, v->u.i32); sb_putc(b, '"'); return; }
		if (l->kind == PARQ_LT_DECIMAL) { put_decimal_int(b, v->u.i32, l->scale); return; }
		if (l->kind == PARQ_LT_TIME) { put_time(b, v->u.i32, 3); return; }
		if (l->kind == PARQ_LT_INTEGER && !l->is_signed) { sb_printf(b, "%" PRIu32, (uint32_t)v->u.i32); return; }
		sb_printf(b, "%" PRId32, v->u.i32);
		return;
	case PARQ_V_INT64: {
		int digits = l->unit == PARQ_UNIT_MILLIS ? 3 : l->unit == PARQ_UNIT_MICROS ? 6 : 9;
		if (l->kind == PARQ_LT_TIMESTAMP) { put_timestamp(b, v->u.i64, digits, l->utc); return; }
		if (l->kind == PARQ_LT_TIME) { put_time(b, v->u.i64, digits); return; }
		if (l->kind == PARQ_LT_DECIMAL) { put_decimal_int(b, v->u.i64, l->scale); return; }
		if (l->kind == PARQ_LT_INTEGER && !l->is_signed) { sb_printf(b, "%" PRIu64, (uint64_t)v->u.i64); return; }
		sb_printf(b, "%" PRId64, v->u.i64);
		return;
	}
	case PARQ_V_INT96: {
		/* nanoseconds of the day (int64) and Julian day (int32). Read as
		 * Spark reads them: microseconds since the epoch in 64-bit
		 * two's-complement arithmetic, plus the nanoseconds below a
		 * microsecond. Within the +-292,000 years that int64 microseconds
		 * cover this is the exact time; Spark writes later times with the
		 * microsecond count wrapped around, and this undoes the wrap. */
		int64_t nanos;
		int32_t julian;
		memcpy(&nanos, v->u.int96, 8);
		memcpy(&julian, v->u.int96 + 8, 4);
		uint64_t uus = (uint64_t)((int64_t)julian - 2440588) * 86400000000u + (uint64_t)(nanos / 1000);
		int64_t us = uus <= (uint64_t)INT64_MAX ? (int64_t)uus : -(int64_t)(~uus) - 1;
		int64_t frac_us, secs = floordiv(us, 1000000, &frac_us);
		int64_t frac = frac_us * 1000 + nanos % 1000; /* nanos % 1000 may be negative */
		if (frac < 0) {
			frac += 1000000000;
			secs--;
		}
		int64_t sod, days = floordiv(secs, 86400, &sod);
		sb_putc(b, '"');
		put_date(b, days);
		sb_printf(b, "T%02d:%02d:%02d.%09" PRId64 "Z\"", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), frac);
		return;
	}
	case PARQ_V_FLOAT:
		json_float(b, v->u.f);
		return;
	case PARQ_V_DOUBLE:
		json_double(b, v->u.d);
		return;
	case PARQ_V_BYTES: {
		const uint8_t *p = v->u.bytes.ptr;
		size_t len = v->u.bytes.len;
		if (l->kind == PARQ_LT_DECIMAL) { put_decimal_bytes(b, p, len, l->scale); return; }
		if (l->kind == PARQ_LT_UUID && len == 16) {
			sb_printf(b, "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"", p[0], p[1], p[2],
			          p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
			return;
		}
		if (l->kind == PARQ_LT_FLOAT16 && len == 2) {
			json_half(b, (double)half_to_float((uint16_t)(p[0] | p[1] << 8)));
			return;
		}
		if (is_string_leaf(n)) { json_string(b, p, len); return; }
		base64(b, p, len);
		return;
	}
	default:
		sb_puts(b, "null");
	}
}

static bool is_list_node(const parq_node *n)
{
	return n->is_group && (n->logical.kind == PARQ_LT_LIST || n->converted_type == PARQ_CT_LIST) &&
	       n->n_children == 1 && n->children[0]->repetition == PARQ_REPEATED;
}

static bool is_map_node(const parq_node *n)
{
	return n->is_group &&
	       (n->logical.kind == PARQ_LT_MAP || n->converted_type == PARQ_CT_MAP ||
	        n->converted_type == PARQ_CT_MAP_KEY_VALUE) &&
	       n->n_children == 1 && n->children[0]->repetition == PARQ_REPEATED && n->children[0]->is_group &&
	       n->children[0]->n_children >= 1 && n->children[0]->n_children <= 2;
}

/* The spec's backward-compatibility rules: is the repeated child of a LIST
 * itself the element (legacy 2-level forms)? */
static bool repeated_is_element(const parq_node *list, const parq_node *rep)
{
	if (!rep->is_group || rep->n_children != 1)
		return true;
	size_t ln = strlen(list->name);
	if (strcmp(rep->name, "array") == 0)
		return true;
	if (strlen(rep->name) == ln + 6 && strncmp(rep->name, list->name, ln) == 0 &&
	    strcmp(rep->name + ln, "_tuple") == 0)
		return true;
	return false;
}

static void json_struct_fields(strbuf *b, const parq_value *v)
{
	sb_putc(b, '{');
	for (uint32_t i = 0; i < v->u.list.n; i++) {
		const parq_value *c = &v->u.list.items[i];
		if (i)
			sb_putc(b, ',');
		json_string(b, (const uint8_t *)c->node->name, strlen(c->node->name));
		sb_putc(b, ':');
		json_value(b, c);
	}
	sb_putc(b, '}');
}

void json_value(strbuf *b, const parq_value *v)
{
	const parq_node *n = v->node;
	if (v->kind == PARQ_V_NULL) {
		sb_puts(b, "null");
		return;
	}
	if (v->kind == PARQ_V_STRUCT && is_list_node(n)) {
		const parq_value *rep = &v->u.list.items[0]; /* LIST of instances */
		const parq_node *rn = n->children[0];
		bool self = repeated_is_element(n, rn);
		sb_putc(b, '[');
		for (uint32_t i = 0; i < rep->u.list.n; i++) {
			if (i)
				sb_putc(b, ',');
			const parq_value *inst = &rep->u.list.items[i];
			json_value(b, self ? inst : &inst->u.list.items[0]);
		}
		sb_putc(b, ']');
		return;
	}
	if (v->kind == PARQ_V_STRUCT && is_map_node(n)) {
		const parq_value *rep = &v->u.list.items[0];
		const parq_node *kv = n->children[0];
		const parq_node *key = kv->children[0];
		bool string_keys = !key->is_group && is_string_leaf(key);
		sb_putc(b, string_keys ? '{' : '[');
		for (uint32_t i = 0; i < rep->u.list.n; i++) {
			const parq_value *e = &rep->u.list.items[i];
			const parq_value *k = &e->u.list.items[0];
			const parq_value *val = kv->n_children > 1 ? &e->u.list.items[1] : NULL;
			if (i)
				sb_putc(b, ',');
			if (string_keys) {
				if (k->kind == PARQ_V_NULL)
					sb_puts(b, "\"null\"");
				else
					json_string(b, k->u.bytes.ptr, k->u.bytes.len);
				sb_putc(b, ':');
				if (val)
					json_value(b, val);
				else
					sb_puts(b, "null");
			} else {
				sb_puts(b, "{\"key\":");
				json_value(b, k);
				sb_puts(b, ",\"value\":");
				if (val)
					json_value(b, val);
				else
					sb_puts(b, "null");
				sb_putc(b, '}');
			}
		}
		sb_putc(b, string_keys ? '}' : ']');
		return;
	}
	if (v->kind == PARQ_V_STRUCT) {
		json_struct_fields(b, v);
		return;
	}
	if (v->kind == PARQ_V_LIST) {
		/* a repeated field outside a LIST: an array of its instances */
		sb_putc(b, '[');
		for (uint32_t i = 0; i < v->u.list.n; i++) {
			if (i)
				sb_putc(b, ',');
			json_value(b, &v->u.list.items[i]);
		}
		sb_putc(b, ']');
		return;
	}
	json_scalar(b, v);
}

void json_row(strbuf *b, const parq_value *row)
{
	json_struct_fields(b, row);
}

void format_stat(strbuf *b, const parq_node *leaf, const uint8_t *p, size_t n)
{
	parq_value v;
	memset(&v, 0, sizeof v);
	v.node = leaf;
	switch (leaf->type) {
	case PARQ_BOOLEAN: if (n < 1) goto raw; v.kind = PARQ_V_BOOL; v.u.b = p[0] != 0; break;
	case PARQ_INT32: if (n != 4) goto raw; v.kind = PARQ_V_INT32; memcpy(&v.u.i32, p, 4); break;
	case PARQ_INT64: if (n != 8) goto raw; v.kind = PARQ_V_INT64; memcpy(&v.u.i64, p, 8); break;
	case PARQ_FLOAT: if (n != 4) goto raw; v.kind = PARQ_V_FLOAT; memcpy(&v.u.f, p, 4); break;
	case PARQ_DOUBLE: if (n != 8) goto raw; v.kind = PARQ_V_DOUBLE; memcpy(&v.u.d, p, 8); break;
	case PARQ_INT96: if (n != 12) goto raw; v.kind = PARQ_V_INT96; memcpy(v.u.int96, p, 12); break;
	default:
		v.kind = PARQ_V_BYTES;
		v.u.bytes.ptr = p;
		v.u.bytes.len = (uint32_t)n;
		if (leaf->type == PARQ_FIXED_LEN_BYTE_ARRAY && (size_t)leaf->type_length != n)
			goto raw;
	}
	json_scalar(b, &v);
	return;
raw:
	base64(b, p, n);
}
