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

#endif
