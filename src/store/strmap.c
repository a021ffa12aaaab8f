#include "strmap.h"

#include <stdlib.h>
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

void ps_strmap_free(ps_strmap *m)
{
	free(m->keys);
	free(m->vals);
	ps_arena_free(&m->arena);
	memset(m, 0, sizeof *m);
}
