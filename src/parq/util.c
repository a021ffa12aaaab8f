#include "util.h"

#include <stdio.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static _Thread_local char errbuf[1024];

const char *parq_errmsg(void) { return errbuf; }

const char *parq_strerror(int code)
{
	switch (code) {
	case PARQ_OK: return "PARQ_OK";
	case PARQ_EIO: return "PARQ_EIO";
	case PARQ_ENOMEM: return "PARQ_ENOMEM";
	case PARQ_EINVAL: return "PARQ_EINVAL";
	case PARQ_ECORRUPT: return "PARQ_ECORRUPT";
	case PARQ_EUNSUPPORTED: return "PARQ_EUNSUPPORTED";
	case PARQ_ELIMIT: return "PARQ_ELIMIT";
	case PARQ_ECRC: return "PARQ_ECRC";
	case PARQ_ECANCELED: return "PARQ_ECANCELED";
	default: return "PARQ_E?";
	}
}

int parq_err(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return code;
}

int parq_err_prefix(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof errbuf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, errbuf, sizeof old);
	/* Truncation is fine: the message stays a valid, shorter string. */
	size_t n = strlen(prefix);
	if (n >= sizeof errbuf)
		n = sizeof errbuf - 1;
	memcpy(errbuf, prefix, n);
	size_t m = strlen(old);
	if (m > sizeof errbuf - 1 - n)
		m = sizeof errbuf - 1 - n;
	memcpy(errbuf + n, old, m);
	errbuf[n + m] = 0;
	return code;
}

int parq_err_nomem(void) { return parq_err(PARQ_ENOMEM, "out of memory"); }

const void *parq_memmem(const void *hay, size_t n, const void *needle, size_t k)
{
#if defined(__SSE2__)
	const uint8_t *h = hay, *nd = needle;
	size_t i = 0;
	if (k >= 2) {
		const __m128i first = _mm_set1_epi8((char)nd[0]), last = _mm_set1_epi8((char)nd[k - 1]);
		/* blocks whose last-byte load ends inside h */
		for (; i + k - 1 + 16 <= n; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(h + i + k - 1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
			while (m) {
				unsigned z = (unsigned)__builtin_ctz(m);
				if (k == 2 || !memcmp(h + i + z + 1, nd + 1, k - 2))
					return h + i + z;
				m &= m - 1;
			}
		}
	}
	return memmem(h + i, n - i, nd, k);
#else
	return memmem(hay, n, needle, k);
#endif
}

static inline uint8_t ascii_lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

static bool same_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

const void *parq_memmem_nocase(const void *hay, size_t n, const void *needle, size_t k)
{
	const uint8_t *h = hay, *nd = needle;
	if (k == 0)
		return h;
	if (n < k)
		return NULL;
	size_t i = 0;
#if defined(__SSE2__)
	if (k >= 2) {
		/* a letter's two cases differ in bit 0x20 alone: setting it in
		 * the haystack's bytes matches both, and only them */
		uint8_t f = ascii_lower(nd[0]), l = ascii_lower(nd[k - 1]);
		const __m128i first = _mm_set1_epi8((char)f), last = _mm_set1_epi8((char)l);
		const __m128i ffold = _mm_set1_epi8(f >= 'a' && f <= 'z' ? 0x20 : 0);
		const __m128i lfold = _mm_set1_epi8(l >= 'a' && l <= 'z' ? 0x20 : 0);
		for (; i + k - 1 + 16 <= n; i += 16) {
			__m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(h + i)), ffold);
			__m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(h + i + k - 1)), lfold);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
			while (m) {
				unsigned z = (unsigned)__builtin_ctz(m);
				if (same_nocase(h + i + z + 1, nd + 1, k - 2))
					return h + i + z;
				m &= m - 1;
			}
		}
	}
#endif
	uint8_t f = ascii_lower(nd[0]);
	for (; i + k <= n; i++)
		if (ascii_lower(h[i]) == f && same_nocase(h + i + 1, nd + 1, k - 1))
			return h + i;
	return NULL;
}

void *parq_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		parq_err_nomem();
	return p;
}

void *parq_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		parq_err_nomem();
	return p;
}

void *parq_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		parq_err_nomem();
	return q;
}

char *parq_strdup(const char *s)
{
	size_t n = strlen(s);
	char *p = parq_malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

int parq_buf_grow(parq_buf *b, size_t need)
{
	return parq_buf_grow_within(b, need, SIZE_MAX);
}

int parq_buf_grow_within(parq_buf *b, size_t need, size_t limit)
{
	size_t want = b->len + need, cap = b->cap ? b->cap : 256;
	if (want < b->len)
		return parq_err_nomem();
	while (cap < want) {
		if (cap > SIZE_MAX / 2)
			return parq_err_nomem();
		cap *= 2;
	}
	if (cap > limit && want <= limit)
		cap = limit;
	/* nothing to keep: a new block, not a copy of the old one's bytes */
	uint8_t *p = b->len ? realloc(b->data, cap) : malloc(cap);
	if (!p)
		return parq_err_nomem();
	if (!b->len)
		free(b->data);
	b->data = p;
	b->cap = cap;
	return 0;
}

struct parq_arena_chunk {
	parq_arena_chunk *next;
	size_t used, cap;
	_Alignas(16) uint8_t mem[];
};

void parq_arena_init(parq_arena *a, size_t limit)
{
	a->head = NULL;
	a->used_total = 0;
	a->limit = limit;
	a->last_err = 0;
}

void *parq_arena_alloc(parq_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (a->limit && (n > a->limit || a->used_total > a->limit - n)) {
		a->last_err = parq_err(PARQ_ELIMIT, "metadata needs more than %zu bytes of memory", a->limit);
		return NULL;
	}
	parq_arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = c ? c->cap * 2 : 4096;
		if (cap > (size_t)64 << 20)
			cap = (size_t)64 << 20;
		if (cap < n)
			cap = n;
		c = malloc(sizeof *c + cap);
		if (!c) {
			a->last_err = parq_err_nomem();
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->mem + c->used;
	c->used += n;
	a->used_total += n;
	memset(p, 0, n);
	return p;
}

void *parq_arena_calloc(parq_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		a->last_err = parq_err(PARQ_ELIMIT, "allocation of %zu x %zu bytes overflows", n, size);
		return NULL;
	}
	return parq_arena_alloc(a, n * size);
}

char *parq_arena_strdup(parq_arena *a, const char *s, size_t n)
{
	char *p = parq_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

void parq_arena_reset(parq_arena *a)
{
	parq_arena_chunk *c = a->head;
	if (!c)
		return;
	while (c->next) {
		parq_arena_chunk *n = c->next;
		c->next = n->next;
		free(n);
	}
	c->used = 0;
	a->used_total = 0;
}

void parq_arena_free(parq_arena *a)
{
	parq_arena_chunk *c = a->head;
	while (c) {
		parq_arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used_total = 0;
}
