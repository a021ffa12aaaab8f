/* A string -> int64 hash map (open addressing) with its own copies of the
 * keys, for URL sets of a scan. */
#ifndef PS_STRMAP_H
#define PS_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef struct ps_strmap {
	const char **keys;
	int64_t *vals;
	size_t n, mask;
	ps_arena arena;
} ps_strmap;

/* Inserts or replaces; PS_ENOMEM on failure. */
int ps_strmap_put(ps_strmap *m, const char *key, size_t len, int64_t val);
/* Pointer to the value, or NULL. */
int64_t *ps_strmap_get(const ps_strmap *m, const char *key, size_t len);
void ps_strmap_free(ps_strmap *m);
/* Bytes m holds allocated: its table and its keys. */
size_t ps_strmap_memory(const ps_strmap *m);

/* A set of strings kept as their 128-bit hashes (XXH3_128), 16 bytes a
 * string whatever its length, for counting a scan's distinct URLs: two
 * URLs would have to share all 128 bits to count as one. */
typedef struct ps_urlset {
	uint64_t *slots;  /* two words a slot; an empty slot is all zero */
	size_t n, mask;
} ps_urlset;

/* 1 when s was not in the set and now is, 0 when it was, PS_ENOMEM. */
int ps_urlset_add(ps_urlset *set, const char *s, size_t len);
/* Bytes the set holds allocated. */
size_t ps_urlset_memory(const ps_urlset *set);
void ps_urlset_free(ps_urlset *set);

#endif
