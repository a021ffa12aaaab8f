/* The URL mutex manager: one reference-counted mutex per URL.
 *
 * An entry lives while a thread holds or waits for its mutex: the last
 * release frees it, unless the manager keeps unused entries for reuse,
 * which then live until a cleanup.
 *
 * A chained hash table under one manager lock maps URLs to entries. An
 * entry's reference count, also guarded by the manager lock, counts the
 * threads that hold its mutex or are about to wait for it: the count goes
 * up before a thread blocks on the entry and down only after it has
 * unlocked it, so an entry with count zero is unlocked and unwanted, and
 * cleanup may destroy it. The manager lock is never held while waiting
 * for an entry's mutex, so a long holder of one URL delays nobody else. */
#include "error.h"
#include "probestore/url.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS 64

struct ps_urlmutex {
	struct ps_urlmutex *next;
	uint64_t hash;
	size_t refs;
	pthread_mutex_t mu;
	size_t len;
	char url[];
};

struct ps_urlmutex_mgr {
	bool enabled;
	bool keep;         /* unused entries stay until a cleanup (else: freed at last release) */
	pthread_mutex_t lock;
	/* error-checking entry mutexes turn a relock by the holder into an
	 * error instead of a deadlock, and an unlock by a non-holder into an
	 * error instead of undefined behaviour */
	pthread_mutexattr_t attr;
	struct ps_urlmutex **buckets;
	size_t nbuckets;   /* a power of two */
	size_t count;
};

/* FNV-1a: URLs are short and a chain collision costs only a compare. */
static uint64_t hash_url(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Moves every entry into a table of nb buckets. On allocation failure the
 * old table stays: it still works, with longer chains. */
static void rehash(ps_urlmutex_mgr *m, size_t nb)
{
	struct ps_urlmutex **nbk = calloc(nb, sizeof *nbk);
	if (!nbk)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct ps_urlmutex *e = m->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t b = (size_t)(e->hash & (nb - 1));
			e->next = nbk[b];
			nbk[b] = e;
		}
	}
	free(m->buckets);
	m->buckets = nbk;
	m->nbuckets = nb;
}

int ps_urlmutex_mgr_new(ps_urlmutex_mgr **out, bool enabled)
{
	if (!out)
		return ps_err(PS_EINVAL, "URL mutex manager: output is NULL");
	*out = NULL;
	ps_urlmutex_mgr *m = calloc(1, sizeof *m);
	if (!m)
		return ps_err_nomem();
	m->enabled = enabled;
	if (!enabled) {
		*out = m;
		return 0;
	}
	m->buckets = calloc(MIN_BUCKETS, sizeof *m->buckets);
	if (!m->buckets) {
		free(m);
		return ps_err_nomem();
	}
	m->nbuckets = MIN_BUCKETS;
	int rc = pthread_mutex_init(&m->lock, NULL);
	if (rc) {
		free(m->buckets);
		free(m);
		return ps_err(PS_EIO, "URL mutex manager: pthread_mutex_init: %s", strerror(rc));
	}
	rc = pthread_mutexattr_init(&m->attr);
	if (!rc) {
		rc = pthread_mutexattr_settype(&m->attr, PTHREAD_MUTEX_ERRORCHECK);
		if (rc)
			pthread_mutexattr_destroy(&m->attr);
	}
	if (rc) {
		pthread_mutex_destroy(&m->lock);
		free(m->buckets);
		free(m);
		return ps_err(PS_EIO, "URL mutex manager: mutex attributes: %s", strerror(rc));
	}
	*out = m;
	return 0;
}

void ps_urlmutex_mgr_free(ps_urlmutex_mgr *mgr)
{
	if (!mgr)
		return;
	if (mgr->enabled) {
		for (size_t i = 0; i < mgr->nbuckets; i++) {
			struct ps_urlmutex *e = mgr->buckets[i], *next;
			for (; e; e = next) {
				next = e->next;
				pthread_mutex_destroy(&e->mu);
				free(e);
			}
		}
		free(mgr->buckets);
		pthread_mutexattr_destroy(&mgr->attr);
		pthread_mutex_destroy(&mgr->lock);
	}
	free(mgr);
}

/* Finds or creates url's entry and takes a reference, under the lock. */
static int ref_entry(ps_urlmutex_mgr *m, const char *url, struct ps_urlmutex **out)
{
	size_t len = strlen(url);
	uint64_t h = hash_url(url, len);
	struct ps_urlmutex *e = m->buckets[h & (m->nbuckets - 1)];
	while (e && !(e->hash == h && e->len == len && memcmp(e->url, url, len) == 0))
		e = e->next;
	if (!e) {
		if (len > SIZE_MAX - sizeof *e - 1)
			return ps_err_nomem();
		e = malloc(sizeof *e + len + 1);
		if (!e)
			return ps_err_nomem();
		int rc = pthread_mutex_init(&e->mu, &m->attr);
		if (rc) {
			free(e);
			return ps_err(PS_EIO, "URL mutex: pthread_mutex_init: %s", strerror(rc));
		}
		e->hash = h;
		e->refs = 0;
		e->len = len;
		memcpy(e->url, url, len + 1);
		if (m->count + 1 > m->nbuckets)
			rehash(m, m->nbuckets * 2);
		size_t b = (size_t)(h & (m->nbuckets - 1));
		e->next = m->buckets[b];
		m->buckets[b] = e;
		m->count++;
	}
	e->refs++;
	*out = e;
	return 0;
}

int ps_urlmutex_acquire(ps_urlmutex_mgr *mgr, const char *url, ps_urlmutex **out)
{
	if (!out)
		return ps_err(PS_EINVAL, "URL mutex acquire: output is NULL");
	*out = NULL;
	if (!mgr || !url)
		return ps_err(PS_EINVAL, "URL mutex acquire: %s is NULL", mgr ? "URL" : "manager");
	if (!mgr->enabled)
		return 0;

	struct ps_urlmutex *e = NULL;
	pthread_mutex_lock(&mgr->lock);
	int rc = ref_entry(mgr, url, &e);
	pthread_mutex_unlock(&mgr->lock);
	if (rc)
		return rc;

	int lrc = pthread_mutex_lock(&e->mu);
	if (lrc) {
		pthread_mutex_lock(&mgr->lock);
		e->refs--;
		pthread_mutex_unlock(&mgr->lock);
		if (lrc == EDEADLK)
			return ps_err(PS_EINVAL, "URL mutex for \"%.200s\": already held by this thread", url);
		return ps_err(PS_EIO, "URL mutex for \"%.200s\": pthread_mutex_lock: %s", url, strerror(lrc));
	}
	*out = e;
	return 0;
}

void ps_urlmutex_mgr_set_keep(ps_urlmutex_mgr *mgr, bool keep)
{
	if (!mgr || !mgr->enabled)
		return;
	pthread_mutex_lock(&mgr->lock);
	mgr->keep = keep;
	pthread_mutex_unlock(&mgr->lock);
}

/* The link that points at h in its bucket's chain, or NULL when h is no
 * entry of m (a handle released already, and perhaps freed: only the
 * pointer is compared). */
static struct ps_urlmutex **find_link(ps_urlmutex_mgr *m, const ps_urlmutex *h)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct ps_urlmutex **pp = &m->buckets[i]; *pp; pp = &(*pp)->next)
			if (*pp == h)
				return pp;
	return NULL;
}

static void unlink_free(ps_urlmutex_mgr *m, struct ps_urlmutex **pp)
{
	struct ps_urlmutex *e = *pp;
	*pp = e->next;
	pthread_mutex_destroy(&e->mu);
	free(e);
	m->count--;
}

/* Gives back the bucket array a burst of URLs grew (a release scans it). */
static void shrink(ps_urlmutex_mgr *m)
{
	size_t nb = m->nbuckets;
	while (nb > MIN_BUCKETS && m->count * 4 < nb)
		nb /= 2;
	if (nb != m->nbuckets)
		rehash(m, nb);
}

int ps_urlmutex_release(ps_urlmutex_mgr *mgr, ps_urlmutex *h)
{
	if (!h)
		return 0;
	if (!mgr)
		return ps_err(PS_EINVAL, "URL mutex release: manager is NULL");
	/* all under the manager lock (unlocking never blocks): the entry is
	 * looked up before it is touched, so a handle released twice, whose
	 * entry may be gone, is an error and not a use after free */
	pthread_mutex_lock(&mgr->lock);
	struct ps_urlmutex **pp = find_link(mgr, h);
	if (!pp) {
		pthread_mutex_unlock(&mgr->lock);
		return ps_err(PS_EINVAL, "URL mutex release: the handle is not held (released already?)");
	}
	int rc = pthread_mutex_unlock(&h->mu);
	if (rc) {
		int e = ps_err(PS_EINVAL, "URL mutex for \"%.200s\": released by a thread that does not hold it", h->url);
		pthread_mutex_unlock(&mgr->lock);
		return e;
	}
	if (--h->refs == 0 && !mgr->keep) {
		unlink_free(mgr, pp);
		shrink(mgr);
	}
	pthread_mutex_unlock(&mgr->lock);
	return 0;
}

static bool listed(const struct ps_urlmutex *e, const char *const *urls, size_t n)
{
	for (size_t i = 0; urls && i < n; i++)
		if (urls[i] && strlen(urls[i]) == e->len && memcmp(urls[i], e->url, e->len) == 0)
			return true;
	return false;
}

size_t ps_urlmutex_cleanup_unused(ps_urlmutex_mgr *mgr, const char *const *active_urls, size_t n_active)
{
	size_t freed = 0;
	if (!mgr || !mgr->enabled)
		return 0;
	pthread_mutex_lock(&mgr->lock);
	for (size_t i = 0; i < mgr->nbuckets; i++) {
		struct ps_urlmutex **pp = &mgr->buckets[i];
		while (*pp) {
			struct ps_urlmutex *e = *pp;
			if (e->refs || listed(e, active_urls, n_active)) {
				pp = &e->next;
				continue;
			}
			unlink_free(mgr, pp);
			freed++;
		}
	}
	shrink(mgr);
	pthread_mutex_unlock(&mgr->lock);
	return freed;
}

size_t ps_urlmutex_count(ps_urlmutex_mgr *mgr)
{
	if (!mgr || !mgr->enabled)
		return 0;
	pthread_mutex_lock(&mgr->lock);
	size_t n = mgr->count;
	pthread_mutex_unlock(&mgr->lock);
	return n;
}
