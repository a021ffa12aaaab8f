#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "probestore/probestore.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int ps_buf_grow(ps_buf *b, size_t need)
{
	if (b->cap - b->len > need)
		return 0;
	if (need > SIZE_MAX / 2 - b->len)
		return PS_ENOMEM;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return PS_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int ps_buf_printf(ps_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ps_buf_reserve(b, (size_t)n + 1))
		return PS_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void ps_buf_free(ps_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int ps_array_room(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? *cap : first ? first : 1;
	while (want <= n) {
		if (want > SIZE_MAX / 2)
			return ps_err_nomem();
		want *= 2;
	}
	if (want > SIZE_MAX / size)
		return ps_err_nomem();
	void *p;
	memcpy(&p, items, sizeof p);
	p = realloc(p, want * size);
	if (!p)
		return ps_err_nomem();
	memcpy(items, &p, sizeof p);
	*cap = want;
	return 0;
}

struct ps_arena_block {
	ps_arena_block *next;
	size_t used, size;
	_Alignas(8) unsigned char mem[];
};

void *ps_arena_alloc(ps_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	ps_arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t want = b ? (b->size < 32 * 1024 ? b->size * 2 : 64 * 1024) : 2048;
		size_t size = n > want ? n : want;
		b = malloc(sizeof *b + size);
		if (!b) {
			a->oom = true;
			return NULL;
		}
		b->used = 0;
		b->size = size;
		/* a block for one big allocation goes behind the current one, which
		 * keeps its free room for the small ones that follow */
		if (a->head && n > want) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->bytes += sizeof *b + size;
	}
	void *p = b->mem + b->used;
	b->used += n;
	return p;
}

char *ps_arena_strndup(ps_arena *a, const void *p, size_t n)
{
	char *s = ps_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

void ps_arena_adopt(ps_arena *dst, ps_arena *src)
{
	ps_arena_block *tail = src->head;
	if (!tail)
		return;
	while (tail->next)
		tail = tail->next;
	/* behind dst's head, which keeps serving allocations */
	if (dst->head) {
		tail->next = dst->head->next;
		dst->head->next = src->head;
	} else {
		dst->head = src->head;
	}
	dst->bytes += src->bytes;
	dst->oom |= src->oom;
	src->head = NULL;
	src->bytes = 0;
	src->oom = false;
}

void ps_arena_free(ps_arena *a)
{
	ps_arena_block *b = a->head;
	while (b) {
		ps_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->bytes = 0;
	a->oom = false;
}

size_t ps_arena_memory(const ps_arena *a)
{
	size_t n = 0;
	for (const ps_arena_block *b = a->head; b; b = b->next)
		n += sizeof *b + b->size;
	return n;
}

/* ---- UTF-8 ---- */

static inline size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
	if (!len || len > n)
		return 0;
	uint32_t v = len == 2 ? c & 31 : len == 3 ? c & 15 : c & 7;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 63u);
	}
	if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v < 0xE000))) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)))
		return 0;
	*cp = v;
	return len;
}

size_t ps_utf8_valid(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0;
	while (i < n) {
#if defined(__SSE2__)
		/* ASCII, thirty-two bytes at a time: every ingested line is checked */
		while (n - i >= 32) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
			if (_mm_movemask_epi8(_mm_or_si128(a, b)))
				break;
			i += 32;
		}
#endif
		/* ASCII, eight bytes at a time */
		for (uint64_t v; n - i >= 8; i += 8) {
			memcpy(&v, p + i, 8);
			if (v & 0x8080808080808080ull)
				break;
		}
		if (i == n)
			break;
		uint32_t cp;
		size_t len = utf8_seq(p + i, n - i, &cp);
		if (!len)
			break;
		i += len;
	}
	return i;
}

size_t ps_utf8_seq(const void *p, size_t n, uint32_t *cp)
{
	uint32_t v;
	size_t len = utf8_seq(p, n, &v);
	if (len && cp)
		*cp = v;
	return len;
}

int ps_utf8_fix(ps_arena *a, const char *s, size_t n, const char **out)
{
	ps_buf b = {0};
	int rc = 0;
	while (!rc && n) {
		size_t good = ps_utf8_valid(s, n);
		rc = ps_buf_add(&b, s, good);
		s += good;
		n -= good;
		if (!rc && n) {
			rc = ps_buf_add(&b, "\xEF\xBF\xBD", 3);
			s++;
			n--;
		}
	}
	char *r = rc ? NULL : ps_arena_strndup(a, b.data ? b.data : "", b.len);
	ps_buf_free(&b);
	if (!r)
		return ps_err_nomem();
	*out = r;
	return 0;
}

const char *ps_size_human(double bytes, char *buf, size_t cap)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%.0f B", bytes);
	else
		snprintf(buf, cap, "%.1f %s", bytes, units[u]);
	return buf;
}

int ps_pread_full(int fd, void *p, size_t n, int64_t off)
{
	uint8_t *b = p;
	while (n) {
		ssize_t r = pread(fd, b, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		b += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

int ps_write_full(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = 0;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

void *ps_thread_local_get(ps_thread_local *t, size_t size)
{
	if (!__atomic_load_n(&t->ready, __ATOMIC_ACQUIRE)) {
		static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
		pthread_mutex_lock(&mu);
		if (!t->ready && !t->failed) {
			if (pthread_key_create(&t->key, t->destroy) == 0)
				__atomic_store_n(&t->ready, true, __ATOMIC_RELEASE);
			else
				t->failed = true;
		}
		pthread_mutex_unlock(&mu);
		if (!__atomic_load_n(&t->ready, __ATOMIC_ACQUIRE))
			return NULL;
	}
	void *p = pthread_getspecific(t->key);
	if (!p && (p = calloc(1, size)) && pthread_setspecific(t->key, p) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}
