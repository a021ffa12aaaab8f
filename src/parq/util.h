/* Internal helpers shared by libparq modules: errors, growable buffers,
 * arenas, little-endian access. */
#ifndef PARQ_UTIL_H
#define PARQ_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parq/parq.h"

#if defined(__GNUC__)
#define PARQ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PARQ_LIKELY(x) __builtin_expect(!!(x), 1)
#define PARQ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PARQ_PRINTF(a, b)
#define PARQ_LIKELY(x) (x)
#define PARQ_UNLIKELY(x) (x)
#endif

/* Sets this thread's error message and returns code. */
int parq_err(int code, const char *fmt, ...) PARQ_PRINTF(2, 3);
/* Prefixes the current message with context ("file.parquet: row group 2: ")
 * and returns code unchanged. */
int parq_err_prefix(int code, const char *fmt, ...) PARQ_PRINTF(2, 3);
/* Out-of-memory error. */
int parq_err_nomem(void);

/* The first occurrence of nd[0..k) in h[0..n), or NULL; memmem's answer.
 * Where SSE2 is there, 16 positions are tested at once for the needle's
 * first and last bytes and only those passing are compared whole: on URLs
 * three times faster than glibc's memmem for a needle like "admin". */
const void *parq_memmem(const void *h, size_t n, const void *nd, size_t k);
/* The same, ASCII letters of either case alike (other bytes as they are). */
const void *parq_memmem_nocase(const void *h, size_t n, const void *nd, size_t k);

/* ---- growable byte buffer ---- */
typedef struct parq_buf {
	uint8_t *data;
	size_t len, cap;
} parq_buf;

int parq_buf_grow(parq_buf *b, size_t need); /* ensures cap >= len + need */
/* The same, the doubled capacity kept within limit where len + need fits. */
int parq_buf_grow_within(parq_buf *b, size_t need, size_t limit);
static inline int parq_buf_reserve(parq_buf *b, size_t need)
{
	if (PARQ_LIKELY(b->cap - b->len >= need))
		return 0;
	return parq_buf_grow(b, need);
}
static inline int parq_buf_append(parq_buf *b, const void *p, size_t n)
{
	if (parq_buf_reserve(b, n))
		return PARQ_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}
static inline int parq_buf_push(parq_buf *b, uint8_t c)
{
	if (parq_buf_reserve(b, 1))
		return PARQ_ENOMEM;
	b->data[b->len++] = c;
	return 0;
}
static inline void parq_buf_reset(parq_buf *b) { b->len = 0; }
static inline void parq_buf_free(parq_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ---- arena: bump allocation, freed at once ---- */
typedef struct parq_arena_chunk parq_arena_chunk;
typedef struct parq_arena {
	parq_arena_chunk *head;
	size_t used_total;   /* bytes handed out */
	size_t limit;        /* 0: unlimited; else allocations past it fail */
	int last_err;        /* PARQ_ELIMIT or PARQ_ENOMEM after a failed allocation */
} parq_arena;

void parq_arena_init(parq_arena *a, size_t limit);
/* Zeroed, 16-byte aligned memory; NULL (with error set) on failure or limit. */
void *parq_arena_alloc(parq_arena *a, size_t n);
/* Checked n * size; NULL on overflow. */
void *parq_arena_calloc(parq_arena *a, size_t n, size_t size);
char *parq_arena_strdup(parq_arena *a, const char *s, size_t n);
void parq_arena_reset(parq_arena *a); /* keeps the first chunk */
void parq_arena_free(parq_arena *a);

/* ---- little-endian loads and stores (unaligned) ---- */
static inline uint32_t parq_load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t parq_load_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void parq_store_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void parq_store_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Bits needed to store values 0..max. */
static inline int parq_bit_width(uint64_t max)
{
	return max ? 64 - __builtin_clzll(max) : 0;
}

/* Checked allocation helpers; set the error on failure. */
void *parq_malloc(size_t n);
void *parq_calloc(size_t n, size_t size);
void *parq_realloc(void *p, size_t n);
char *parq_strdup(const char *s);

#endif
