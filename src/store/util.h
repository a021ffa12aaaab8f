/* Small helpers of libprobestore: a growable byte buffer, an arena for
 * strings that live as long as a result set, whole reads and writes. */
#ifndef PS_UTIL_H
#define PS_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probestore/probestore.h"

typedef struct ps_buf {
	char *data;
	size_t len, cap;
} ps_buf;

/* Grows b to room for need more bytes (plus a NUL); PS_ENOMEM on failure. */
int ps_buf_grow(ps_buf *b, size_t need);

/* Ensures room for need more bytes (plus a NUL); PS_ENOMEM on failure.
 * The appends are inline: building a row's JSON makes millions of them. */
static inline int ps_buf_reserve(ps_buf *b, size_t need)
{
	return b->cap - b->len > need ? 0 : ps_buf_grow(b, need);
}

static inline int ps_buf_add(ps_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n && ps_buf_grow(b, n))
		return PS_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

static inline int ps_buf_addc(ps_buf *b, char c)
{
	if (b->cap - b->len <= 1 && ps_buf_grow(b, 1))
		return PS_ENOMEM;
	b->data[b->len++] = c;
	b->data[b->len] = 0;
	return 0;
}
/* Room for element n of the array *items (cap elements of size bytes each,
 * items being the address of the array pointer): when n == *cap the array
 * doubles (to first when empty). 0, or PS_ENOMEM with the error set and
 * the array as it was. */
int ps_array_room(void *items, size_t *cap, size_t n, size_t size, size_t first);

int ps_buf_printf(ps_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ps_buf_free(ps_buf *b);

/* Strings and arrays of one result set, one line or one target's buffered
 * records, freed all at once. Blocks grow from 2 KiB to 64 KiB, so an
 * arena holding one small record stays small (ingest keeps one per
 * target); a larger allocation gets a block of its own. */
typedef struct ps_arena_block ps_arena_block;
typedef struct ps_arena {
	ps_arena_block *head;
	size_t bytes;      /* allocated from the system so far */
	bool oom;          /* an allocation failed since the last free */
} ps_arena;

/* 8-byte aligned, uninitialised; NULL on failure (a->oom set, no error
 * set). */
void *ps_arena_alloc(ps_arena *a, size_t n);
/* A NUL-terminated copy of p[0..n); NULL on failure. */
char *ps_arena_strndup(ps_arena *a, const void *p, size_t n);
void ps_arena_free(ps_arena *a);
/* Bytes a holds allocated, its blocks' headers included. */
size_t ps_arena_memory(const ps_arena *a);

/* s[0..n) in a with every invalid UTF-8 sequence made U+FFFD, NUL
 * terminated, in *out; PS_ENOMEM on failure. */
int ps_utf8_fix(ps_arena *a, const char *s, size_t n, const char **out);
/* Moves src's blocks into dst (what was allocated from src stays valid,
 * owned by dst); src is left empty. */
void ps_arena_adopt(ps_arena *dst, ps_arena *src);

/* The n-byte little-endian integer at p (n <= 8), and v stored so. */
static inline uint64_t ps_le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline void ps_le_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* All n bytes at off of fd, or all n bytes to fd at its position,
 * retried on EINTR and short transfers: 0, or -1 with errno set (0 when
 * the file ended, or a write moved nothing). */
int ps_pread_full(int fd, void *p, size_t n, int64_t off);
int ps_write_full(int fd, const void *p, size_t n);

/* An object of each thread's, made zeroed at its first use and given to
 * destroy (which frees it) when the thread ends; define one as
 * `static ps_thread_local x = PS_THREAD_LOCAL(destroy);`. */
typedef struct ps_thread_local {
	void (*destroy)(void *);
	pthread_key_t key;
	bool ready, failed;
} ps_thread_local;
#define PS_THREAD_LOCAL(fn) {.destroy = (fn)}
/* The calling thread's object of size bytes; NULL when out of memory. */
void *ps_thread_local_get(ps_thread_local *t, size_t size);

#endif
