/* Statistics: ordering, accumulation and truncation. */
#include "stats.h"

#include <math.h>

parq_order parq_order_of(const parq_node *leaf)
{
	const parq_logical *l = &leaf->logical;
	switch (leaf->type) {
	case PARQ_BOOLEAN: return PARQ_ORDER_BOOL;
	case PARQ_INT32:
		if (l->kind == PARQ_LT_INTEGER && !l->is_signed) return PARQ_ORDER_U32;
		return PARQ_ORDER_I32;
	case PARQ_INT64:
		if (l->kind == PARQ_LT_INTEGER && !l->is_signed) return PARQ_ORDER_U64;
		return PARQ_ORDER_I64;
	case PARQ_FLOAT: return PARQ_ORDER_FLOAT;
	case PARQ_DOUBLE: return PARQ_ORDER_DOUBLE;
	case PARQ_INT96: return PARQ_ORDER_NONE;
	case PARQ_BYTE_ARRAY:
	case PARQ_FIXED_LEN_BYTE_ARRAY:
		/* Decimals order as signed numbers and FLOAT16/INTERVAL have their
		 * own orders; byte order would mislead, so no min/max for them. */
		if (l->kind == PARQ_LT_DECIMAL || l->kind == PARQ_LT_FLOAT16 ||
		    leaf->converted_type == PARQ_CT_INTERVAL)
			return PARQ_ORDER_NONE;
		return PARQ_ORDER_BYTES;
	}
	return PARQ_ORDER_NONE;
}

void parq_stats_init(parq_stats *s, parq_order order)
{
	memset(s, 0, sizeof *s);
	s->order = order;
}

void parq_stats_reset(parq_stats *s)
{
	s->has_minmax = false;
	s->nulls = 0;
	s->values = 0;
	s->bmin.len = s->bmax.len = 0;
}

void parq_stats_free(parq_stats *s)
{
	parq_buf_free(&s->bmin);
	parq_buf_free(&s->bmax);
}

static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int parq_order_compare(parq_order o, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	switch (o) {
	case PARQ_ORDER_BOOL: return (int)(a[0] != 0) - (int)(b[0] != 0);
	case PARQ_ORDER_I32: { int32_t x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return (x > y) - (x < y); }
	case PARQ_ORDER_U32: { uint32_t x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return (x > y) - (x < y); }
	case PARQ_ORDER_I64: { int64_t x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return (x > y) - (x < y); }
	case PARQ_ORDER_U64: { uint64_t x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return (x > y) - (x < y); }
	case PARQ_ORDER_FLOAT: { float x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return (x > y) - (x < y); }
	case PARQ_ORDER_DOUBLE: { double x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return (x > y) - (x < y); }
	case PARQ_ORDER_BYTES: return bytes_cmp(a, alen, b, blen);
	default: return 0;
	}
}

#define FOLD_INT(T, field, sign_cast)                                                  \
	do {                                                                           \
		const T *v = values;                                                   \
		T lo = s->has_minmax ? (T)s->min.field : v[0];                          \
		T hi = s->has_minmax ? (T)s->max.field : v[0];                          \
		for (size_t i = 0; i < n; i++) {                                       \
			T x = v[i];                                                    \
			lo = x < lo ? x : lo;                                          \
			hi = x > hi ? x : hi;                                          \
		}                                                                      \
		s->min.field = sign_cast lo;                                           \
		s->max.field = sign_cast hi;                                           \
		s->has_minmax = true;                                                  \
	} while (0)

void parq_stats_update_fixed(parq_stats *s, const void *values, size_t n)
{
	s->values += (int64_t)n;
	if (!n)
		return;
	switch (s->order) {
	case PARQ_ORDER_BOOL: {
		const uint8_t *v = values;
		uint8_t lo = s->has_minmax ? s->min.b : 1, hi = s->has_minmax ? s->max.b : 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t x = v[i] != 0;
			lo &= x;
			hi |= x;
		}
		s->min.b = lo;
		s->max.b = hi;
		s->has_minmax = true;
		break;
	}
	case PARQ_ORDER_I32: FOLD_INT(int32_t, i32, (int32_t)); break;
	case PARQ_ORDER_U32: FOLD_INT(uint32_t, i32, (int32_t)); break;
	case PARQ_ORDER_I64: FOLD_INT(int64_t, i64, (int64_t)); break;
	case PARQ_ORDER_U64: FOLD_INT(uint64_t, i64, (int64_t)); break;
	case PARQ_ORDER_FLOAT: {
		const float *v = values;
		for (size_t i = 0; i < n; i++) {
			float x = v[i];
			if (isnan(x))
				continue;
			if (!s->has_minmax) {
				s->min.f = s->max.f = x;
				s->has_minmax = true;
			}
			/* -0.0 and +0.0 compare equal; keep the sign that widens the range. */
			if (x < s->min.f || (x == 0 && s->min.f == 0 && signbit(x)))
				s->min.f = x;
			if (x > s->max.f || (x == 0 && s->max.f == 0 && !signbit(x)))
				s->max.f = x;
		}
		break;
	}
	case PARQ_ORDER_DOUBLE: {
		const double *v = values;
		for (size_t i = 0; i < n; i++) {
			double x = v[i];
			if (isnan(x))
				continue;
			if (!s->has_minmax) {
				s->min.d = s->max.d = x;
				s->has_minmax = true;
			}
			if (x < s->min.d || (x == 0 && s->min.d == 0 && signbit(x)))
				s->min.d = x;
			if (x > s->max.d || (x == 0 && s->max.d == 0 && !signbit(x)))
				s->max.d = x;
		}
		break;
	}
	default: break;
	}
}

/* Compares the first k bytes of a and b (k 0: all). For the maximum, a tie
 * between two values longer than k is settled on the whole values: a max
 * whose prefix cannot be raised is written whole, so it must be exact. */
static int prefix_cmp(const parq_bytes *a, const parq_bytes *b, size_t k, bool for_max)
{
	if (!k)
		return bytes_cmp(a->ptr, a->len, b->ptr, b->len);
	size_t la = a->len < k ? a->len : k, lb = b->len < k ? b->len : k;
	int c = bytes_cmp(a->ptr, la, b->ptr, lb);
	if (c)
		return c;
	if (a->len <= k || b->len <= k) /* a value kept whole: the lengths decide */
		return (a->len > b->len) - (a->len < b->len);
	return for_max ? bytes_cmp(a->ptr, a->len, b->ptr, b->len) : 0;
}

int parq_stats_update_bytes(parq_stats *s, const parq_bytes *v, size_t n)
{
	s->values += (int64_t)n;
	if (s->order != PARQ_ORDER_BYTES || !n)
		return 0;
	/* Track the winners as views and copy once, not on every change. */
	const parq_bytes *lo = &v[0], *hi = &v[0];
	size_t k = s->cmp_limit;
	for (size_t i = 1; i < n; i++) {
		if (prefix_cmp(&v[i], lo, k, false) < 0)
			lo = &v[i];
		else if (prefix_cmp(&v[i], hi, k, true) > 0)
			hi = &v[i];
	}
	if (!s->has_minmax || bytes_cmp(lo->ptr, lo->len, s->bmin.data, s->bmin.len) < 0) {
		s->bmin.len = 0;
		if (parq_buf_append(&s->bmin, lo->ptr, lo->len))
			return PARQ_ENOMEM;
	}
	if (!s->has_minmax || bytes_cmp(hi->ptr, hi->len, s->bmax.data, s->bmax.len) > 0) {
		s->bmax.len = 0;
		if (parq_buf_append(&s->bmax, hi->ptr, hi->len))
			return PARQ_ENOMEM;
	}
	s->has_minmax = true;
	return 0;
}

int parq_stats_update_flba(parq_stats *s, const uint8_t *flba, size_t n, int width)
{
	s->values += (int64_t)n;
	if (s->order != PARQ_ORDER_BYTES || !n)
		return 0;
	size_t w = (size_t)width, lo = 0, hi = 0;
	for (size_t i = 1; i < n; i++) {
		if (memcmp(flba + i * w, flba + lo * w, w) < 0)
			lo = i;
		else if (memcmp(flba + i * w, flba + hi * w, w) > 0)
			hi = i;
	}
	if (!s->has_minmax || bytes_cmp(flba + lo * w, w, s->bmin.data, s->bmin.len) < 0) {
		s->bmin.len = 0;
		if (parq_buf_append(&s->bmin, flba + lo * w, w))
			return PARQ_ENOMEM;
	}
	if (!s->has_minmax || bytes_cmp(flba + hi * w, w, s->bmax.data, s->bmax.len) > 0) {
		s->bmax.len = 0;
		if (parq_buf_append(&s->bmax, flba + hi * w, w))
			return PARQ_ENOMEM;
	}
	s->has_minmax = true;
	return 0;
}

int parq_stats_merge(parq_stats *a, const parq_stats *b)
{
	a->nulls += b->nulls;
	a->values += b->values;
	if (!b->has_minmax)
		return 0;
	if (a->order == PARQ_ORDER_BYTES) {
		if (!a->has_minmax || bytes_cmp(b->bmin.data, b->bmin.len, a->bmin.data, a->bmin.len) < 0) {
			a->bmin.len = 0;
			if (parq_buf_append(&a->bmin, b->bmin.data, b->bmin.len))
				return PARQ_ENOMEM;
		}
		if (!a->has_minmax || bytes_cmp(b->bmax.data, b->bmax.len, a->bmax.data, a->bmax.len) > 0) {
			a->bmax.len = 0;
			if (parq_buf_append(&a->bmax, b->bmax.data, b->bmax.len))
				return PARQ_ENOMEM;
		}
		a->has_minmax = true;
		return 0;
	}
	if (!a->has_minmax) {
		a->min = b->min;
		a->max = b->max;
		a->has_minmax = true;
		return 0;
	}
	int64_t saved = a->values;
	/* Fold b's bounds as two values; value counts were merged above. */
	switch (a->order) {
	case PARQ_ORDER_BOOL: { uint8_t v[2] = {b->min.b, b->max.b}; parq_stats_update_fixed(a, v, 2); break; }
	case PARQ_ORDER_I32: case PARQ_ORDER_U32: { int32_t v[2] = {b->min.i32, b->max.i32}; parq_stats_update_fixed(a, v, 2); break; }
	case PARQ_ORDER_I64: case PARQ_ORDER_U64: { int64_t v[2] = {b->min.i64, b->max.i64}; parq_stats_update_fixed(a, v, 2); break; }
	case PARQ_ORDER_FLOAT: { float v[2] = {b->min.f, b->max.f}; parq_stats_update_fixed(a, v, 2); break; }
	case PARQ_ORDER_DOUBLE: { double v[2] = {b->min.d, b->max.d}; parq_stats_update_fixed(a, v, 2); break; }
	default: break;
	}
	a->values = saved;
	return 0;
}

/* Length of the longest prefix of p (at most max bytes) that ends on a
 * UTF-8 character boundary. */
static size_t utf8_cut(const uint8_t *p, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && (p[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Increments the string in buf[0..*len) to the smallest string of at most
 * that length that is greater than every string with this prefix. Returns
 * false when impossible (all 0xFF / no incrementable character). */
static bool increment_bytes(uint8_t *b, size_t *len)
{
	for (size_t i = *len; i-- > 0;) {
		if (b[i] != 0xFF) {
			b[i]++;
			*len = i + 1;
			return true;
		}
	}
	return false;
}

static size_t utf8_encode(uint32_t cp, uint8_t *o)
{
	if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
	if (cp < 0x800) { o[0] = (uint8_t)(0xC0 | (cp >> 6)); o[1] = (uint8_t)(0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xE0 | (cp >> 12)); o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (cp & 0x3F)); return 3;
	}
	o[0] = (uint8_t)(0xF0 | (cp >> 18)); o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* UTF-8 aware increment: bumps the last code point that can be bumped
 * (skipping surrogates), dropping what follows. */
static bool increment_utf8(uint8_t *b, size_t *len)
{
	size_t end = *len;
	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && (b[start] & 0xC0) == 0x80)
			start--;
		uint32_t cp;
		size_t n = end - start;
		uint8_t c0 = b[start];
		if (n == 1 && c0 < 0x80) cp = c0;
		else if (n == 2 && (c0 & 0xE0) == 0xC0) cp = ((uint32_t)(c0 & 0x1F) << 6) | (b[start + 1] & 0x3F);
		else if (n == 3 && (c0 & 0xF0) == 0xE0)
			cp = ((uint32_t)(c0 & 0x0F) << 12) | ((uint32_t)(b[start + 1] & 0x3F) << 6) | (b[start + 2] & 0x3F);
		else if (n == 4 && (c0 & 0xF8) == 0xF0)
			cp = ((uint32_t)(c0 & 0x07) << 18) | ((uint32_t)(b[start + 1] & 0x3F) << 12) |
			     ((uint32_t)(b[start + 2] & 0x3F) << 6) | (b[start + 3] & 0x3F);
		else
			return increment_bytes(b, len); /* not UTF-8 after all */
		uint32_t next = cp + 1;
		if (next >= 0xD800 && next <= 0xDFFF)
			next = 0xE000;
		if (next <= 0x10FFFF) {
			uint8_t enc[4];
			size_t m = utf8_encode(next, enc);
			if (m <= n) { /* never grow past the cut */
				memcpy(b + start, enc, m);
				*len = start + m;
				return true;
			}
		}
		end = start;
	}
	return false;
}

int parq_stats_encode(const parq_stats *s, size_t max_bytes, bool utf8, parq_buf *out,
                      parq_stats_enc *enc)
{
	memset(enc, 0, sizeof *enc);
	if (!s->has_minmax || s->order == PARQ_ORDER_NONE)
		return 0;
	enc->has = true;
	enc->min_exact = enc->max_exact = true;
	uint8_t tmp[16];
	size_t w = 0;
	switch (s->order) {
	case PARQ_ORDER_BOOL: w = 1; break;
	case PARQ_ORDER_I32: case PARQ_ORDER_U32: case PARQ_ORDER_FLOAT: w = 4; break;
	case PARQ_ORDER_I64: case PARQ_ORDER_U64: case PARQ_ORDER_DOUBLE: w = 8; break;
	default: break;
	}
	if (w) {
		enc->min_off = out->len;
		enc->min_len = enc->max_len = w;
		memcpy(tmp, &s->min, w);
		if (parq_buf_append(out, tmp, w))
			return PARQ_ENOMEM;
		enc->max_off = out->len;
		memcpy(tmp, &s->max, w);
		return parq_buf_append(out, tmp, w);
	}
	size_t mlen = s->bmin.len;
	if (max_bytes && mlen > max_bytes) {
		mlen = utf8 ? utf8_cut(s->bmin.data, s->bmin.len, max_bytes) : max_bytes;
		enc->min_exact = false;
	}
	enc->min_off = out->len;
	enc->min_len = mlen;
	if (parq_buf_append(out, s->bmin.data, mlen))
		return PARQ_ENOMEM;
	size_t xlen = s->bmax.len;
	enc->max_off = out->len;
	if (max_bytes && xlen > max_bytes) {
		size_t cut = utf8 ? utf8_cut(s->bmax.data, s->bmax.len, max_bytes) : max_bytes;
		if (parq_buf_reserve(out, cut))
			return PARQ_ENOMEM;
		memcpy(out->data + out->len, s->bmax.data, cut);
		bool ok = utf8 ? increment_utf8(out->data + out->len, &cut)
		               : increment_bytes(out->data + out->len, &cut);
		if (ok) {
			enc->max_len = cut;
			enc->max_exact = false;
			out->len += cut;
			return 0;
		}
		/* No shorter upper bound exists: keep the whole value. */
	}
	enc->max_len = xlen;
	return parq_buf_append(out, s->bmax.data, xlen);
}
