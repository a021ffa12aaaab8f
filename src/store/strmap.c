#include "strmap.h"

#include <stdlib.h>
/* inline: short values are most of what is hashed, and a call into the
 * library costs as much as their hash */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "probestore/probestore.h"

static size_t slot_of(const ps_strmap *m, const char *key, size_t len)
{
	size_t h = (size_t)XXH3_64bits(key, len) & m->mask;
	while (m->keys[h] && (strncmp(m->keys[h], key, len) || m->keys[h][len]))
		h = (h + 1) & m->mask;
	return h;
}

static int rehash(ps_strmap *m, size_t slots)
{
	ps_strmap n = {.mask = slots - 1, .arena = m->arena};
	n.keys = calloc(slots, sizeof *n.keys);
	n.vals = malloc(slots * sizeof *n.vals);
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return PS_ENOMEM;
	}
	for (size_t i = 0; m->keys && i <= m->mask; i++) {
		if (!m->keys[i])
			continue;
		size_t h = slot_of(&n, m->keys[i], strlen(m->keys[i]));
		n.keys[h] = m->keys[i];
		n.vals[h] = m->vals[i];
	}
	n.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int ps_strmap_put(ps_strmap *m, const char *key, size_t len, int64_t val)
{
	if ((!m->keys || (m->n + 1) * 2 > m->mask + 1) && rehash(m, m->keys ? (m->mask + 1) * 2 : 64))
		return PS_ENOMEM;
	size_t h = slot_of(m, key, len);
	if (!m->keys[h]) {
		char *k = ps_arena_strndup(&m->arena, key, len);
		if (!k)
			return PS_ENOMEM;
		m->keys[h] = k;
		m->n++;
	}
	m->vals[h] = val;
	return 0;
}

int64_t *ps_strmap_get(const ps_strmap *m, const char *key, size_t len)
{
	if (!m->keys)
		return NULL;
	size_t h = slot_of(m, key, len);
	return m->keys[h] ? &m->vals[h] : NULL;
}

size_t ps_strmap_memory(const ps_strmap *m)
{
	size_t slots = m->keys ? m->mask + 1 : 0;
	return slots * (sizeof *m->keys + sizeof *m->vals) + ps_arena_memory(&m->arena);
}

/* ---- ps_urlset ---- */

static size_t urlset_slot(const uint64_t *slots, size_t mask, uint64_t lo, uint64_t hi)
{
	size_t h = (size_t)lo & mask;
	while ((slots[2 * h] || slots[2 * h + 1]) && (slots[2 * h] != lo || slots[2 * h + 1] != hi))
		h = (h + 1) & mask;
	return h;
}

static int urlset_grow(ps_urlset *set)
{
	size_t n_slots = set->slots ? (set->mask + 1) * 2 : 1024;
	uint64_t *t = calloc(n_slots, 2 * sizeof *t);
	if (!t)
		return PS_ENOMEM;
	for (size_t i = 0; set->slots && i <= set->mask; i++) {
		uint64_t lo = set->slots[2 * i], hi = set->slots[2 * i + 1];
		if (!lo && !hi)
			continue;
		size_t h = urlset_slot(t, n_slots - 1, lo, hi);
		t[2 * h] = lo;
		t[2 * h + 1] = hi;
	}
	free(set->slots);
	set->slots = t;
	set->mask = n_slots - 1;
	return 0;
}

int ps_urlset_add(ps_urlset *set, const char *s, size_t len)
{
	/* filled up to three quarters: with XXH3's spread, linear probing
	 * stays short, and a scan of a million URLs holds 21 to 43 bytes a
	 * URL rather than 32 to 64 */
	if ((!set->slots || (set->n + 1) * 4 > (set->mask + 1) * 3) && urlset_grow(set))
		return PS_ENOMEM;
	XXH128_hash_t x = XXH3_128bits(s, len);
	/* all zero marks an empty slot: that one hash moves one bit over */
	uint64_t lo = x.low64, hi = x.high64 ? x.high64 : 1;
	size_t h = urlset_slot(set->slots, set->mask, lo, hi);
	if (set->slots[2 * h] || set->slots[2 * h + 1])
		return 0;
	set->slots[2 * h] = lo;
	set->slots[2 * h + 1] = hi;
	set->n++;
	return 1;
}

size_t ps_urlset_memory(const ps_urlset *set)
{
	return set->slots ? (set->mask + 1) * 2 * sizeof *set->slots : 0;
}

void ps_urlset_free(ps_urlset *set)
{
	free(set->slots);
	memset(set, 0, sizeof *set);
}

void ps_strmap_free(ps_strmap *m)
{
	free(m->keys);
	free(m->vals);
	ps_arena_free(&m->arena);
	memset(m, 0, sizeof *m);
}
