/* The storage layer: a local directory or S3-compatible object storage
 * (backend.h). */
#include "storage/backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../error.h"
#include "../store_internal.h"
#include "../util.h"
#include "../strmap.h"
#include "storage/footer_cache.h"
#include "storage/s3.h"
#include "probestore/log.h"

enum { BACKEND_LOCAL, BACKEND_S3 };

/* The version of an object a listing named. */
typedef struct listed_obj {
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];
} listed_obj;

struct ps_backend {
	int kind;
	char *base;          /* what paths begin with */
	size_t base_len;
	/* S3 */
	ps_s3_options so;
	char *endpoint, *region, *bucket, *prefix;
	pthread_mutex_t mu;  /* the pool of idle handles, the retired stats */
	ps_s3 **idle;
	size_t n_idle, cap_idle;
	ps_store_io_stats retired;
	char spool[4096];    /* "" when none was made */
	/* the footers of objects read before (NULL: no cache), found by the
	 * version of an object the last listing named */
	ps_footer_cache *fc;
	pthread_mutex_t lmu;  /* listed, seen, fidx */
	ps_strmap listed;     /* key -> index in seen */
	listed_obj *seen;
	size_t n_seen, cap_seen;
	/* the footer indexes the listings named (format.md), read into the
	 * footer cache when a listed scan's footer is not in it */
	pthread_mutex_t imu;  /* reading them: one thread at a time */
	ps_strmap fidx_keys;  /* key -> index in fidx */
	struct fidx_obj *fidx;
	size_t n_fidx, cap_fidx;
	/* the footers they held, for this handle's readers (under lmu): the
	 * footer cache gets them too, but after the readers waiting for them */
	ps_strmap fmem_keys;  /* key -> index in fmem */
	struct fidx_entry *fmem;
	size_t n_fmem, cap_fmem;
	uint8_t **blobs;      /* the indexes read, which fmem points into */
	size_t n_blobs, cap_blobs, held;
	size_t fidx_entries_max, fidx_held_max; /* FIDX_ENTRIES_MAX, FIDX_HELD_MAX unless a test sets them */
	ps_arena farena;      /* the keys of fmem (under imu) */
	/* the scans of the last complete listing of probe_results/, kept in
	 * the footer cache (ps_storage_list_tree_kept); the keys it noted
	 * that no listing has named since (under lmu) */
	uint64_t kept_sum;    /* the kept listing's hash (0: none read or written) */
	ps_strmap kept_keys;
};

/* A footer of a footer index. */
typedef struct fidx_entry {
	const char *key;      /* NUL-terminated copy */
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];
	const uint8_t *tail;  /* in the index read */
	size_t len;
} fidx_entry;

/* an index holds the footers of 128 scans at most (4 MiB of 32 KiB
 * tails), is read only up to 16 MiB, and a handle keeps up to 24 MiB of
 * indexes in memory: past that, what it reads goes to the cache alone */
#define FIDX_ENTRIES_MAX 128
#define FIDX_BYTES_MAX ((uint64_t)16 << 20)
#define FIDX_HELD_MAX ((size_t)24 << 20)

/* A footer index a listing named. */
typedef struct fidx_obj {
	char *key;
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];
	bool done;            /* read (or found read before), or not readable */
} fidx_obj;

/* ---- opening ---- */

static int dup_or_null(char **dst, const char *src)
{
	*dst = NULL;
	if (src && *src && !(*dst = strdup(src)))
		return ps_err_nomem();
	return 0;
}

/* bucket and prefix from "s3://bucket/prefix" */
static int parse_s3_uri(const char *uri, char **bucket, char **prefix)
{
	const char *b = uri + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);
	if (!blen)
		return ps_err(PS_ECONFIG, "%s: no bucket after s3://", uri);
	if (!(*bucket = strndup(b, blen)))
		return ps_err_nomem();
	const char *p = slash ? slash + 1 : "";
	size_t plen = strlen(p);
	while (plen && p[plen - 1] == '/')
		plen--;
	if (!(*prefix = strndup(p, plen)))
		return ps_err_nomem();
	return 0;
}

/* Removes a directory's files and the directory (a spool holds no
 * subdirectory). */
static void spool_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The spools of processes that are gone (killed before they closed their
 * store): "probestore-spool-<pid>-XXXXXX" whose pid runs no more. */
static void spool_clean_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		long pid;
		char rest[16];
		if (sscanf(e->d_name, "probestore-spool-%ld-%15s", &pid, rest) != 2 || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive, or not ours to judge */
		char dir[4400];
		snprintf(dir, sizeof dir, "%s/%s", tmp, e->d_name);
		struct stat sb;
		if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == getuid())
			spool_remove(dir);
	}
	if (d)
		closedir(d);
}

static int spool_make(ps_backend *b)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	spool_clean_stale(tmp);
	snprintf(b->spool, sizeof b->spool, "%s/probestore-spool-%ld-XXXXXX", tmp, (long)getpid());
	if (!mkdtemp(b->spool)) {
		int e = errno;
		char dir[4096];
		snprintf(dir, sizeof dir, "%s", b->spool);
		b->spool[0] = 0;
		return ps_err(PS_EIO, "cannot create a spool directory %s: %s", dir, strerror(e));
	}
	return 0;
}

/* The footer cache of an object store: its directory from the
 * configuration or the user's cache directory, its entries scoped by
 * the endpoint h resolved, the bucket and the prefix. */
static void footer_cache_open(ps_backend *b, const ps_object_config *oc, const ps_s3 *h)
{
	char dir[4096], ep[2048], scope[4096];
	if (oc->footer_cache_dir)
		snprintf(dir, sizeof dir, "%s", oc->footer_cache_dir);
	else
		ps_footer_cache_default_dir(dir, sizeof dir);
	ps_s3_endpoint(h, ep, sizeof ep);
	snprintf(scope, sizeof scope, "%s|%s|%s", ep, b->bucket, b->prefix);
	b->fc = ps_footer_cache_open(dir, oc->footer_cache_size, scope);
}

int ps_backend_open(ps_backend **out, const char *base, const ps_config *cfg, char **resolved)
{
	*out = NULL;
	*resolved = NULL;
	ps_backend *b = calloc(1, sizeof *b);
	if (!b)
		return ps_err_nomem();
	pthread_mutex_init(&b->mu, NULL);
	pthread_mutex_init(&b->lmu, NULL);
	pthread_mutex_init(&b->imu, NULL);
	b->fidx_entries_max = FIDX_ENTRIES_MAX;
	b->fidx_held_max = FIDX_HELD_MAX;
	const ps_object_config *oc = &cfg->object;
	bool s3 = !strncmp(base, "s3://", 5) || (oc->backend && !strcmp(oc->backend, "s3"));
	int rc = 0;
	if (!s3) {
		b->kind = BACKEND_LOCAL;
		if (oc->backend && strcmp(oc->backend, "local"))
			rc = ps_err(PS_ECONFIG, "unknown storage backend \"%s\" (accepted: local, s3)", oc->backend);
		else if (!(b->base = strdup(base)))
			rc = ps_err_nomem();
	} else {
		b->kind = BACKEND_S3;
		if (!strncmp(base, "s3://", 5))
			rc = parse_s3_uri(base, &b->bucket, &b->prefix);
		else if (!(rc = dup_or_null(&b->bucket, oc->bucket)))
			rc = dup_or_null(&b->prefix, oc->prefix ? oc->prefix : "");
		if (!rc && !b->bucket)
			rc = ps_err(PS_ECONFIG, "storage backend s3: no bucket (storage_config.s3.bucket, or a base "
			                        "path s3://bucket/prefix)");
		if (!rc && !b->prefix && !(b->prefix = strdup("")))
			rc = ps_err_nomem();
		if (!rc && !(rc = dup_or_null(&b->endpoint, oc->endpoint)))
			rc = dup_or_null(&b->region, oc->region);
		if (!rc) {
			size_t n = strlen(b->bucket) + strlen(b->prefix) + 8;
			if (!(b->base = malloc(n)))
				rc = ps_err_nomem();
			else
				snprintf(b->base, n, *b->prefix ? "s3://%s/%s" : "s3://%s", b->bucket, b->prefix);
		}
		if (!rc) {
			ps_s3_options_default(&b->so);
			b->so.endpoint = b->endpoint;
			b->so.region = b->region;
			b->so.bucket = b->bucket;
			b->so.prefix = b->prefix;
			b->so.path_style = oc->path_style;
			/* ranges this close share a GET: a request costs more than
			 * 8 KiB of answer (the hole Arrow's reader also fills), and
			 * more than a hole of 32 KiB between ranges as large (the
			 * columns between two a query reads in a row group) */
			b->so.coalesce_gap = (size_t)8 << 10;
			b->so.coalesce_gap_useful = (size_t)32 << 10;
			/* the credentials and endpoint are checked now, not at the
			 * first request */
			ps_s3 *h;
			if (!(rc = ps_s3_open(&h, &b->so))) {
				b->idle = malloc(4 * sizeof *b->idle);
				if (!b->idle) {
					ps_s3_close(h);
					rc = ps_err_nomem();
				} else {
					b->cap_idle = 4;
					b->idle[b->n_idle++] = h;
				}
			}
		}
		if (!rc)
			rc = spool_make(b);
		if (!rc)
			footer_cache_open(b, oc, b->idle[0]);
	}
	if (!rc && !(*resolved = strdup(b->base)))
		rc = ps_err_nomem();
	if (rc) {
		ps_backend_close(b);
		return rc;
	}
	b->base_len = strlen(b->base);
	*out = b;
	return 0;
}

static void stats_add(ps_store_io_stats *to, ps_s3 *h)
{
	ps_s3_stats s;
	ps_s3_stats_get(h, &s);
	to->requests += s.requests;
	to->retries += s.retries;
	to->bytes_fetched += s.bytes_fetched;
	to->bytes_sent += s.bytes_sent;
}

void ps_backend_close(ps_backend *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_idle; i++)
		ps_s3_close(b->idle[i]);
	free(b->idle);
	if (b->spool[0])
		spool_remove(b->spool); /* what a failed write left: the handle's own files */
	pthread_mutex_destroy(&b->mu);
	ps_footer_cache_close(b->fc);
	ps_strmap_free(&b->listed);
	free(b->seen);
	ps_strmap_free(&b->kept_keys);
	for (size_t i = 0; i < b->n_fidx; i++)
		free(b->fidx[i].key);
	free(b->fidx);
	ps_strmap_free(&b->fidx_keys);
	ps_strmap_free(&b->fmem_keys);
	free(b->fmem);
	for (size_t i = 0; i < b->n_blobs; i++)
		free(b->blobs[i]);
	free(b->blobs);
	ps_arena_free(&b->farena);
	pthread_mutex_destroy(&b->lmu);
	pthread_mutex_destroy(&b->imu);
	free(b->endpoint);
	free(b->region);
	free(b->bucket);
	free(b->prefix);
	free(b->base);
	free(b);
}

/* ---- S3 handles: one per request at a time, kept for reuse ---- */

static int s3_acquire(ps_backend *b, ps_s3 **h)
{
	pthread_mutex_lock(&b->mu);
	*h = b->n_idle ? b->idle[--b->n_idle] : NULL;
	pthread_mutex_unlock(&b->mu);
	return *h ? 0 : ps_s3_open(h, &b->so);
}

static void s3_release(ps_backend *b, ps_s3 *h)
{
	pthread_mutex_lock(&b->mu);
	if (b->n_idle == b->cap_idle) {
		size_t cap = b->cap_idle * 2;
		ps_s3 **n = realloc(b->idle, cap * sizeof *n);
		if (!n) {
			stats_add(&b->retired, h);
			pthread_mutex_unlock(&b->mu);
			ps_s3_close(h);
			return;
		}
		b->idle = n;
		b->cap_idle = cap;
	}
	b->idle[b->n_idle++] = h;
	pthread_mutex_unlock(&b->mu);
}

/* Is path the base or below it? */
static bool in_store(const ps_backend *b, const char *path)
{
	return !strncmp(path, b->base, b->base_len) && (path[b->base_len] == '/' || path[b->base_len] == 0);
}

/* The key of path: its part after the base and a slash. */
static int key_of(const ps_backend *b, const char *path, const char **key)
{
	if (!in_store(b, path))
		return ps_err(PS_EINVAL, "%s is not in the store %s", path, b->base);
	*key = path[b->base_len] ? path + b->base_len + 1 : "";
	return 0;
}

/* The key of path and a handle for one request on it (give it back with
 * s3_release). */
static int s3_begin(ps_backend *b, const char *path, const char **key, ps_s3 **h)
{
	int rc = key_of(b, path, key);
	return rc ? rc : s3_acquire(b, h);
}

bool ps_storage_remote(const ps_store *st)
{
	return st->backend && st->backend->kind == BACKEND_S3;
}

const char *ps_storage_spool_dir(const ps_store *st)
{
	return st->backend ? st->backend->spool : "";
}

void ps_store_io_stats_get(const ps_store *st, ps_store_io_stats *out)
{
	memset(out, 0, sizeof *out);
	ps_backend *b = st->backend;
	if (!b || b->kind != BACKEND_S3)
		return;
	pthread_mutex_lock(&b->mu);
	*out = b->retired;
	for (size_t i = 0; i < b->n_idle; i++)
		stats_add(out, b->idle[i]);
	pthread_mutex_unlock(&b->mu);
}

/* ---- listing ---- */

static int list_local(const char *dir, ps_entry_fn fn, void *ud)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : ps_err(PS_EIO, "cannot list %s: %s", dir, strerror(errno));
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ps_entry en = {e->d_name, false, -1};
		struct stat sb;
		if (e->d_type == DT_DIR) {
			en.is_dir = true;
		} else if (fstatat(dirfd(d), e->d_name, &sb, 0) == 0) {
			en.is_dir = S_ISDIR(sb.st_mode);
			en.size = en.is_dir ? -1 : sb.st_size;
		} else {
			continue; /* gone meanwhile */
		}
		rc = fn(ud, &en);
	}
	closedir(d);
	return rc;
}

/* ---- the versions the listings named, for the footer cache ---- */

/* A scan: the objects the footer cache is for. The store never replaces
 * one (it puts a scan under a free name), where a history's file has a
 * next version under its name, which a listing taken before would hide. */
static bool is_scan(const char *key)
{
	size_t n = strlen(key);
	return !strncmp(key, "probe_results/", 14) && n > 8 && !strcmp(key + n - 8, ".parquet");
}

/* A footer index: probe_results/.footers/<name>.pfi (format.md). */
#define FIDX_DIR "probe_results/.footers/"
#define FIDX_DIR_LEN (sizeof FIDX_DIR - 1)

static bool is_footer_index(const char *key)
{
	size_t n = strlen(key);
	return !strncmp(key, FIDX_DIR, FIDX_DIR_LEN) && n > FIDX_DIR_LEN + 4 && !strchr(key + FIDX_DIR_LEN, '/') &&
	       !strcmp(key + n - 4, ".pfi");
}

/* Notes the size and ETag of a listed scan (a failure to note it only
 * costs its footer GET). */
static void fidx_note(ps_backend *b, const ps_s3_entry *e);

static void listed_note(ps_backend *b, const ps_s3_entry *e)
{
	if (b->fc && e->etag[0] && is_footer_index(e->key))
		fidx_note(b, e);
	if (!b->fc || !e->etag[0] || !is_scan(e->key))
		return;
	size_t kl = strlen(e->key);
	pthread_mutex_lock(&b->lmu);
	int64_t *at = ps_strmap_get(&b->listed, e->key, kl);
	size_t i;
	if (at) {
		i = (size_t)*at;
	} else if (!ps_array_room(&b->seen, &b->cap_seen, b->n_seen, sizeof *b->seen, 64) &&
	           !ps_strmap_put(&b->listed, e->key, kl, (int64_t)b->n_seen)) {
		i = b->n_seen++;
	} else {
		pthread_mutex_unlock(&b->lmu);
		return;
	}
	b->seen[i].size = e->size;
	snprintf(b->seen[i].etag, sizeof b->seen[i].etag, "%s", e->etag);
	pthread_mutex_unlock(&b->lmu);
}

/* The version of key the last listing named: false when none did. */
static bool listed_find(ps_backend *b, const char *key, listed_obj *out)
{
	if (!b->fc)
		return false;
	pthread_mutex_lock(&b->lmu);
	int64_t *at = ps_strmap_get(&b->listed, key, strlen(key));
	if (at)
		*out = b->seen[*at];
	pthread_mutex_unlock(&b->lmu);
	return at && out->etag[0];
}

/* The listing's version of key is no longer the object's (a read met
 * another): it is not looked for again before the next listing. */
static void listed_forget(ps_backend *b, const char *key)
{
	if (!b->fc)
		return;
	pthread_mutex_lock(&b->lmu);
	int64_t *at = ps_strmap_get(&b->listed, key, strlen(key));
	if (at)
		b->seen[*at].etag[0] = 0;
	pthread_mutex_unlock(&b->lmu);
}

/* ---- versions of objects, as a footer index and the listing kept write them ---- */

static int le_put(ps_buf *b, uint64_t v, int n)
{
	uint8_t x[8];
	ps_le_put(x, v, n);
	return ps_buf_add(b, x, (size_t)n);
}

/* A key of at most 1,000 bytes (a scan's is short), an ETag that a
 * listed_obj holds. */
#define VERSION_KEY_MAX 1000

/* One version of an object: its key's length (2 bytes), key, size (8),
 * ETag's length (1) and ETag. PS_ENOMEM. */
static int version_put(ps_buf *b, const char *key, size_t kl, uint64_t size, const char *etag, size_t el)
{
	return le_put(b, kl, 2) || ps_buf_add(b, key, kl) || le_put(b, size, 8) || le_put(b, el, 1) ||
	               ps_buf_add(b, etag, el)
	           ? PS_ENOMEM
	           : 0;
}

typedef struct version_view {
	const char *key;      /* kl bytes, not NUL-terminated */
	size_t kl;
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];
	size_t el;
} version_view;

/* The version at *p, before end (*p moved past it): false when there is
 * none whole there, or its key or ETag is empty or too long. A NUL in
 * either is the caller's to look for. */
static bool version_get(const uint8_t **p, const uint8_t *end, version_view *v)
{
	const uint8_t *q = *p;
	if (end - q < 2)
		return false;
	v->kl = (size_t)ps_le_get(q, 2);
	q += 2;
	if (!v->kl || v->kl > VERSION_KEY_MAX || (size_t)(end - q) < v->kl + 9)
		return false;
	v->key = (const char *)q;
	q += v->kl;
	v->size = ps_le_get(q, 8);
	v->el = q[8];
	q += 9;
	if (!v->el || v->el >= PS_S3_ETAG_MAX || (size_t)(end - q) < v->el)
		return false;
	memcpy(v->etag, q, v->el);
	v->etag[v->el] = 0;
	*p = q + v->el;
	return true;
}

/* ---- the last listing of every scan, kept ----
 *
 * A count over every target's newest scan starts with a listing of
 * probe_results/, and can do nothing else before its answer: which
 * objects, and which of their versions. The scans of the last complete
 * one are kept in the footer cache (one entry, replaced when a listing
 * differs), so that the next query on this machine opens the objects it
 * names while its own listing is under way, and uses what it opened only
 * for an object the new listing names in the same version. An entry:
 * "PSLIST01", then per scan its key's length (2 bytes), key, size (8)
 * and ETag's length (1) and ETag. */
#define SCANS_DIR "probe_results"
#define KEPT_MAGIC "PSLIST01"
#define KEPT_BYTES_MAX ((size_t)8 << 20)

typedef struct kept_listing {
	bool on;
	bool failed;          /* too large, or memory ran out: not kept */
	ps_buf buf;
	ps_strmap keys;       /* what it names, to forget the kept keys it does not */
} kept_listing;

static void kept_add(kept_listing *kl, const ps_s3_entry *e)
{
	if (!kl->on || kl->failed || !e->etag[0] || !is_scan(e->key))
		return;
	size_t kn = strlen(e->key), el = strlen(e->etag);
	if (kn > VERSION_KEY_MAX || el >= PS_S3_ETAG_MAX || kl->buf.len + kn + el + 11 > KEPT_BYTES_MAX ||
	    (!kl->buf.len && ps_buf_add(&kl->buf, KEPT_MAGIC, 8)) ||
	    version_put(&kl->buf, e->key, kn, e->size, e->etag, el) || ps_strmap_put(&kl->keys, e->key, kn, 1))
		kl->failed = true;
}

static void kept_free(kept_listing *kl)
{
	ps_buf_free(&kl->buf);
	ps_strmap_free(&kl->keys);
}

/* The scans kept noted from the last kept listing that this complete
 * listing does not name are forgotten (a footer is never looked for by
 * a version that may be gone); the listing is kept when it differs from
 * the one read or written last. */
static void kept_save(ps_backend *b, kept_listing *kl)
{
	if (!kl->on || kl->failed)
		return;
	pthread_mutex_lock(&b->lmu);
	if (b->kept_keys.n) {
		for (size_t i = 0; i <= b->kept_keys.mask; i++) {
			const char *k = b->kept_keys.keys[i];
			if (!k || ps_strmap_get(&kl->keys, k, strlen(k)))
				continue;
			int64_t *at = ps_strmap_get(&b->listed, k, strlen(k));
			if (at)
				b->seen[*at].etag[0] = 0;
		}
		ps_strmap_free(&b->kept_keys);
	}
	pthread_mutex_unlock(&b->lmu);
	if (!kl->buf.len && ps_buf_add(&kl->buf, KEPT_MAGIC, 8))
		return;
	uint64_t sum = XXH3_64bits(kl->buf.data, kl->buf.len) | 1;
	if (sum == __atomic_load_n(&b->kept_sum, __ATOMIC_RELAXED))
		return;
	ps_footer_cache_put_listing(b->fc, SCANS_DIR "/", (const uint8_t *)kl->buf.data, kl->buf.len);
	__atomic_store_n(&b->kept_sum, sum, __ATOMIC_RELAXED);
}

int ps_storage_list_tree_kept(const ps_store *st, const char *dir, ps_entry_fn fn, void *ud)
{
	ps_backend *b = st->backend;
	const char *key = NULL;
	uint8_t *d = NULL;
	size_t len = 0;
	if (!b || b->kind != BACKEND_S3 || !b->fc || key_of(b, dir, &key) || strcmp(key, SCANS_DIR) ||
	    !ps_footer_cache_get_listing(b->fc, SCANS_DIR "/", &d, &len))
		return PS_ENOTFOUND;
	int rc = len >= 8 && !memcmp(d, KEPT_MAGIC, 8) ? 0 : PS_ENOTFOUND;
	if (!rc)
		__atomic_store_n(&b->kept_sum, XXH3_64bits(d, len) | 1, __ATOMIC_RELAXED);
	const uint8_t *p = d + 8, *end = d + len;
	size_t plen = strlen(SCANS_DIR) + 1;
	char k[VERSION_KEY_MAX + 1];
	while (!rc && p < end) {
		version_view v;
		/* the entry's sum was checked: one that does not read is no listing */
		if (!version_get(&p, end, &v)) {
			rc = PS_ENOTFOUND;
			break;
		}
		memcpy(k, v.key, v.kl);
		k[v.kl] = 0;
		if (strlen(k) != v.kl || !is_scan(k) || strncmp(k, SCANS_DIR "/", plen))
			continue; /* none is written */
		ps_s3_entry e = {.key = k, .size = v.size};
		memcpy(e.etag, v.etag, v.el + 1);
		listed_note(b, &e);
		pthread_mutex_lock(&b->lmu);
		if (ps_strmap_put(&b->kept_keys, k, v.kl, 1))
			rc = ps_err_nomem();
		pthread_mutex_unlock(&b->lmu);
		ps_entry en = {k + plen, false, (int64_t)v.size};
		if (!rc)
			rc = fn(ud, &en);
	}
	free(d);
	return rc;
}

bool ps_storage_listed_etag(const ps_store *st, const char *path, char etag[PS_ETAG_MAX])
{
	ps_backend *b = st->backend;
	const char *key = NULL;
	listed_obj lo;
	etag[0] = 0;
	if (!b || b->kind != BACKEND_S3 || key_of(b, path, &key) || !listed_find(b, key, &lo))
		return false;
	snprintf(etag, PS_ETAG_MAX, "%s", lo.etag);
	return true;
}

/* The keys under dir, page after page: with the delimiter "/", its
 * subdirectories (common prefixes) and the files directly in it; without,
 * every key below it, named by its path relative to dir. */
static int list_keys(ps_backend *b, const char *dir, bool tree, ps_entry_fn fn, void *ud)
{
	const char *key = NULL;
	int rc = key_of(b, dir, &key);
	if (rc)
		return rc;
	size_t klen = strlen(key);
	char *prefix = malloc(klen + 2);
	if (!prefix)
		return ps_err_nomem();
	snprintf(prefix, klen + 2, klen ? "%s/" : "%s", key);
	size_t plen = strlen(prefix);
	ps_s3 *h;
	if ((rc = s3_acquire(b, &h))) {
		free(prefix);
		return rc;
	}
	/* a listing of every scan: kept for the next query's guess */
	kept_listing kl = {.on = tree && b->fc && !strcmp(key, SCANS_DIR)};
	char *token = NULL;
	do {
		ps_s3_list_page page;
		if ((rc = ps_s3_list(h, prefix, tree ? NULL : "/", token, 0, &page)))
			break;
		free(token);
		token = page.next_token;
		page.next_token = NULL;
		for (size_t i = 0; !rc && i < page.n_prefixes; i++) {
			char *name = page.prefixes[i] + (strncmp(page.prefixes[i], prefix, plen) ? 0 : plen);
			size_t n = strlen(name);
			if (n && name[n - 1] == '/')
				name[n - 1] = 0;
			if (*name) {
				ps_entry en = {name, true, -1};
				rc = fn(ud, &en);
			}
		}
		for (size_t i = 0; !rc && i < page.n_entries; i++) {
			const char *name = page.entries[i].key + (strncmp(page.entries[i].key, prefix, plen) ? 0 : plen);
			if (!*name || (!tree && strchr(name, '/')))
				continue;
			listed_note(b, &page.entries[i]);
			kept_add(&kl, &page.entries[i]);
			ps_entry en = {name, false, (int64_t)page.entries[i].size};
			rc = fn(ud, &en);
		}
		ps_s3_list_page_free(&page);
	} while (!rc && token);
	free(token);
	free(prefix);
	s3_release(b, h);
	if (!rc)
		kept_save(b, &kl);
	kept_free(&kl);
	return rc;
}

typedef struct tree_ctx {
	const char *root;
	char rel[4400];    /* the path below root being walked */
	int depth;
	ps_entry_fn fn;
	void *ud;
} tree_ctx;

/* A local tree: files to the caller by their path below the root,
 * directories walked (8 levels at most: the store has 3). */
static int tree_entry(void *ud, const ps_entry *e)
{
	tree_ctx *t = ud;
	size_t at = strlen(t->rel);
	if ((size_t)snprintf(t->rel + at, sizeof t->rel - at, "%s%s", at ? "/" : "", e->name) >= sizeof t->rel - at) {
		t->rel[at] = 0;
		return 0; /* deeper than any path of the store */
	}
	int rc = 0;
	if (!e->is_dir) {
		ps_entry f = {t->rel, false, e->size};
		rc = t->fn(t->ud, &f);
	} else if (t->depth < 8) {
		char dir[8800];
		snprintf(dir, sizeof dir, "%s/%s", t->root, t->rel);
		t->depth++;
		rc = list_local(dir, tree_entry, t);
		t->depth--;
	}
	t->rel[at] = 0;
	return rc;
}

int ps_storage_list_tree(const ps_store *st, const char *dir, ps_entry_fn fn, void *ud)
{
	ps_backend *b = st->backend;
	if (!b || b->kind == BACKEND_LOCAL)
	{
		tree_ctx t = {.root = dir, .fn = fn, .ud = ud};
		return list_local(dir, tree_entry, &t);
	}
	return list_keys(b, dir, true, fn, ud);
}

int ps_store_list_dir(const ps_store *st, const char *dir, ps_store_entry_fn fn, void *ud)
{
	const ps_backend *b = st->backend;
	if (!b || b->kind == BACKEND_LOCAL)
		return list_local(dir, fn, ud);
	return list_keys(st->backend, dir, false, fn, ud);
}

int ps_storage_stat(const ps_store *st, const char *path, int64_t *size, char etag[PS_ETAG_MAX])
{
	if (etag)
		etag[0] = 0;
	ps_backend *b = st->backend;
	if (!b || b->kind == BACKEND_LOCAL) {
		struct stat sb;
		if (stat(path, &sb) != 0)
			return errno == ENOENT || errno == ENOTDIR ? PS_ENOTFOUND
			                                           : ps_err(PS_EIO, "cannot stat %s: %s", path, strerror(errno));
		if (size)
			*size = sb.st_size;
		return 0;
	}
	const char *key = NULL;
	ps_s3 *h;
	int rc = s3_begin(b, path, &key, &h);
	if (rc)
		return rc;
	ps_s3_stat s;
	rc = ps_s3_head(h, key, &s);
	s3_release(b, h);
	if (rc)
		return rc;
	if (size)
		*size = (int64_t)s.size;
	if (etag)
		snprintf(etag, PS_ETAG_MAX, "%s", s.etag);
	return 0;
}

/* ---- object storage's reads and writes ---- */

int ps_storage_fetch(const ps_store *st, const char *path, int fd, char etag[PS_ETAG_MAX])
{
	ps_backend *b = st->backend;
	const char *key = NULL;
	ps_s3 *h;
	int rc = s3_begin(b, path, &key, &h);
	if (rc)
		return rc;
	uint8_t *data = NULL;
	size_t len = 0;
	char tag[PS_S3_ETAG_MAX];
	rc = ps_s3_get(h, key, &data, &len, tag);
	s3_release(b, h);
	if (!rc && ps_write_full(fd, data, len))
		rc = ps_err(PS_EIO, "cannot write a spool file: %s", errno ? strerror(errno) : "no progress");
	if (!rc && etag)
		snprintf(etag, PS_ETAG_MAX, "%s", tag);
	free(data);
	return rc;
}

/* ---- a Parquet reader over ranged GETs ----
 *
 * The footer comes with the object's size in one suffix-range GET of the
 * last 32 KiB (a scan's footer and page indexes of a few row groups; a
 * larger footer is a second GET); after that, libparq's prefetch hints
 * name the column chunks (and the page indexes, bloom filters and
 * dictionaries that pruning reads) of each row group, which are fetched
 * together (coalesced, several GETs in flight) and kept until later hints
 * push them out of a bounded cache. A read outside what was fetched is a
 * GET of its own. */

#define SRC_TAIL ((size_t)32 << 10)
/* a longer footer is read by libparq as it goes (and not kept) */
#define SRC_FOOTER_MAX ((size_t)16 << 20)
#define SRC_CACHE_MAX ((size_t)64 << 20)

typedef struct src_range {
	int64_t off;
	size_t len;
	uint8_t *data;
} src_range;

typedef struct s3_src {
	ps_backend *b;
	const ps_store *st;
	char *key;
	char etag[PS_S3_ETAG_MAX]; /* the version the footer came from: every read is of it */
	pthread_mutex_t mu;   /* readers of one source may run on several threads */
	src_range *c;         /* oldest first */
	size_t n, cap, bytes;
} s3_src;

static void src_free(void *ud)
{
	s3_src *s = ud;
	for (size_t i = 0; i < s->n; i++)
		free(s->c[i].data);
	free(s->c);
	free(s->key);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Adds a fetched range (taking data), first pushing the oldest out while
 * the cache would pass its bound. Under s->mu. */
static int src_keep(s3_src *s, int64_t off, size_t len, uint8_t *data)
{
	size_t drop = 0;
	while (drop < s->n && s->bytes + len > SRC_CACHE_MAX) {
		s->bytes -= s->c[drop].len;
		free(s->c[drop].data);
		drop++;
	}
	if (drop) { /* the first range of a source comes to an empty cache (s->c NULL) */
		memmove(s->c, s->c + drop, (s->n - drop) * sizeof *s->c);
		s->n -= drop;
	}
	if (ps_array_room(&s->c, &s->cap, s->n, sizeof *s->c, 8)) {
		free(data);
		return PARQ_ENOMEM;
	}
	s->c[s->n++] = (src_range){off, len, data};
	s->bytes += len;
	return 0;
}

/* A read met another version of its object than the footer's: the
 * thread's last such event, for callers that read again from the start
 * (ps_storage_replaced). */
static _Thread_local bool replaced_seen;

void ps_storage_replaced_clear(void)
{
	replaced_seen = false;
}

bool ps_storage_replaced(void)
{
	return replaced_seen;
}

/* The libparq code of a failed read, noting a replaced object. */
static int src_failed(s3_src *s, int rc)
{
	errno = EIO;
	if (rc == PS_S3_ECHANGED) {
		listed_forget(s->b, s->key);
		replaced_seen = true;
		errno = ESTALE;
	}
	return rc == PS_ECORRUPT ? PARQ_ECORRUPT : PARQ_EIO;
}

static void src_log(const s3_src *s, const char *what)
{
	ps_log_field f[] = {PS_LOG_STR("key", s->key), PS_LOG_STR("error", ps_errmsg())};
	ps_log(ps_store_logger(s->st), PS_LOG_ERROR, f, 2, "%s", what);
}

static int src_read_at(void *ud, void *buf, size_t len, int64_t off)
{
	s3_src *s = ud;
	pthread_mutex_lock(&s->mu);
	for (size_t i = s->n; i-- > 0;) {
		const src_range *r = &s->c[i];
		if (off >= r->off && off + (int64_t)len <= r->off + (int64_t)r->len) {
			memcpy(buf, r->data + (off - r->off), len);
			pthread_mutex_unlock(&s->mu);
			return 0;
		}
	}
	pthread_mutex_unlock(&s->mu);
	ps_s3 *h;
	size_t got = 0;
	int rc = s3_acquire(s->b, &h);
	if (!rc) {
		ps_s3_pin(h, s->etag);
		rc = ps_s3_get_range(h, s->key, (uint64_t)off, len, buf, &got);
		ps_s3_pin(h, NULL);
		s3_release(s->b, h);
	}
	if (!rc && got != len)
		rc = ps_err(PS_ECORRUPT, "%s: %zu bytes at offset %lld, the object ends before", s->key, len,
		            (long long)off);
	if (rc) {
		src_log(s, "object storage read failed");
		return src_failed(s, rc);
	}
	return 0;
}

static int src_prefetch(void *ud, const parq_range *ranges, size_t n)
{
	s3_src *s = ud;
	if (!n)
		return 0;
	ps_s3_range *rr = calloc(n, sizeof *rr);
	if (!rr)
		return PARQ_ENOMEM;
	int rc = 0;
	/* ranges the cache holds are not fetched again: a second GET of the
	 * key could return another version of an object replaced meanwhile
	 * (a history's next version), torn from the footer read before */
	size_t m = 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		bool held = false;
		for (size_t j = 0; j < s->n && !held; j++)
			held = ranges[i].off >= s->c[j].off &&
			       ranges[i].off + ranges[i].len <= s->c[j].off + (int64_t)s->c[j].len;
		if (!held) {
			rr[m].off = (uint64_t)ranges[i].off;
			rr[m++].len = (size_t)ranges[i].len;
		}
	}
	pthread_mutex_unlock(&s->mu);
	n = m;
	if (!n) {
		free(rr);
		return 0;
	}
	for (size_t i = 0; i < n && !rc; i++)
		if (!(rr[i].dst = malloc(rr[i].len ? rr[i].len : 1)))
			rc = PARQ_ENOMEM;
	ps_s3 *h = NULL;
	if (!rc && !(rc = s3_acquire(s->b, &h))) {
		ps_s3_pin(h, s->etag);
		rc = ps_s3_get_ranges(h, s->key, rr, n);
		ps_s3_pin(h, NULL);
		s3_release(s->b, h);
		if (rc) {
			src_log(s, "object storage read failed");
			rc = src_failed(s, rc);
		}
	} else if (rc != PARQ_ENOMEM) {
		rc = PARQ_EIO;
	}
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		if (!rc && rr[i].got == rr[i].len) {
			int k = src_keep(s, (int64_t)rr[i].off, rr[i].len, rr[i].dst);
			rc = rc ? rc : k;
		} else {
			free(rr[i].dst);
		}
	}
	pthread_mutex_unlock(&s->mu);
	free(rr);
	return rc;
}

/* What a footer GET keeps of an object of size bytes whose last 8 are
 * end ("<footer length>PAR1"): its last SRC_TAIL bytes (all of a shorter
 * object), or the whole footer where that is longer (up to
 * SRC_FOOTER_MAX). */
static uint64_t tail_bytes(const uint8_t end[8], uint64_t size)
{
	uint64_t n = size < SRC_TAIL ? size : SRC_TAIL;
	uint64_t need = ((uint64_t)end[0] | (uint64_t)end[1] << 8 | (uint64_t)end[2] << 16 | (uint64_t)end[3] << 24) + 8;
	return !memcmp(end + 4, "PAR1", 4) && need > n && need <= size && need <= SRC_FOOTER_MAX ? need : n;
}

/* The footer GET: the object's last SRC_TAIL bytes, its size and the
 * ETag of its version (s->etag); a footer longer than that is completed
 * by a GET of the rest, of the same version, so that *tail holds the
 * whole footer (what the footer cache keeps). */
static int tail_fetch(s3_src *s, uint8_t **tail, size_t *got, uint64_t *size)
{
	*got = 0;
	if (!(*tail = malloc(SRC_TAIL)))
		return ps_err_nomem();
	ps_s3 *h;
	int rc = s3_acquire(s->b, &h);
	if (rc)
		return rc;
	rc = ps_s3_get_tail(h, s->key, SRC_TAIL, *tail, got, size);
	if (!rc)
		snprintf(s->etag, sizeof s->etag, "%s", ps_s3_last_etag(h));
	uint64_t need = !rc && *got >= 8 ? tail_bytes(*tail + *got - 8, *size) : 0;
	if (need > *got) {
		uint8_t *all = malloc(need);
		size_t more = (size_t)need - *got, had = 0;
		if (!all) {
			rc = ps_err_nomem();
		} else {
			ps_s3_pin(h, s->etag);
			rc = ps_s3_get_range(h, s->key, *size - need, more, all, &had);
			ps_s3_pin(h, NULL);
			if (!rc && had != more)
				rc = ps_err(PS_ECORRUPT, "%s: the object ends before its footer", s->key);
		}
		if (!rc) {
			memcpy(all + more, *tail, *got);
			free(*tail);
			*tail = all;
			*got = (size_t)need;
		} else {
			free(all);
		}
	}
	s3_release(s->b, h);
	return rc;
}

/* ---- footer indexes ----
 *
 * An ingest that puts several scans also puts their footers (what the
 * footer cache keeps of each) in one object under probe_results/.footers/:
 * a query from another machine, whose cache has none of them, fills its
 * cache with one GET instead of one per scan (format.md). An index is
 *
 *   "PSFIDX01"  u32 entries
 *   per entry:  u16 key length, key, u64 object size, u8 ETag length,
 *               ETag, u32 length, the object's last bytes
 *   XXH3-64 of all the bytes before it (u64)
 *
 * little-endian; one that does not read as this is skipped. */

#define FIDX_MAGIC "PSFIDX01"
/* indexes read for one listing at most, newest first */
#define FIDX_READ_MAX 16

static void fidx_note(ps_backend *b, const ps_s3_entry *e)
{
	size_t kl = strlen(e->key);
	pthread_mutex_lock(&b->lmu);
	int64_t *at = ps_strmap_get(&b->fidx_keys, e->key, kl);
	if (at) {
		fidx_obj *o = &b->fidx[*at];
		if (o->size != e->size || strcmp(o->etag, e->etag)) {
			o->size = e->size;
			snprintf(o->etag, sizeof o->etag, "%s", e->etag);
			o->done = false;
		}
	} else if (!ps_array_room(&b->fidx, &b->cap_fidx, b->n_fidx, sizeof *b->fidx, 16)) {
		fidx_obj *o = &b->fidx[b->n_fidx];
		memset(o, 0, sizeof *o);
		if ((o->key = strdup(e->key)) && !ps_strmap_put(&b->fidx_keys, e->key, kl, (int64_t)b->n_fidx)) {
			o->size = e->size;
			snprintf(o->etag, sizeof o->etag, "%s", e->etag);
			b->n_fidx++;
		} else {
			free(o->key);
		}
	}
	pthread_mutex_unlock(&b->lmu);
}

/* Appends v as an n-byte little-endian integer. */
/* The entries of index d[0..len), checked, appended to *out (their keys
 * copied into a, the rest pointing into d); -1 when it does not read as
 * an index. An entry
 * is kept only as a footer GET of a scan would bring it: the last bytes
 * of the object, ending in "PAR1". */
static int fidx_parse(const uint8_t *d, size_t len, ps_arena *a, fidx_entry **out, size_t *n_out, size_t *cap)
{
	if (len < 20 || memcmp(d, FIDX_MAGIC, 8) || XXH3_64bits(d, len - 8) != ps_le_get(d + len - 8, 8))
		return -1;
	const uint8_t *p = d + 12, *end = d + len - 8;
	uint64_t n = ps_le_get(d + 8, 4);
	for (uint64_t i = 0; i < n; i++) {
		version_view v;
		if (!version_get(&p, end, &v) || end - p < 4)
			return -1;
		size_t tl = (size_t)ps_le_get(p, 4);
		p += 4;
		if ((size_t)(end - p) < tl)
			return -1;
		char *k = ps_arena_strndup(a, v.key, v.kl);
		if (!k || ps_array_room(out, cap, *n_out, sizeof **out, 64))
			return PS_ENOMEM;
		fidx_entry *e = &(*out)[*n_out];
		e->key = k;
		e->size = v.size;
		memcpy(e->etag, v.etag, v.el + 1);
		e->tail = p;
		e->len = tl;
		if (strlen(k) == v.kl && strlen(e->etag) == v.el && is_scan(k) && tl >= 12 && tl <= v.size &&
		    tl <= SRC_FOOTER_MAX && !memcmp(p + tl - 4, "PAR1", 4))
			(*n_out)++;
		p += tl;
	}
	return p == end ? 0 : -1;
}

/* The footer of key's version (size, etag) from an index this handle
 * read: a copy in *tail. */
static bool fmem_get(ps_backend *b, const char *key, uint64_t size, const char *etag, uint8_t **tail, size_t *len)
{
	bool found = false;
	pthread_mutex_lock(&b->lmu);
	int64_t *at = b->n_fmem ? ps_strmap_get(&b->fmem_keys, key, strlen(key)) : NULL;
	if (at) {
		const fidx_entry *e = &b->fmem[*at];
		if (e->size == size && !strcmp(e->etag, etag) && (*tail = malloc(e->len))) {
			memcpy(*tail, e->tail, e->len);
			*len = e->len;
			found = true;
		}
	}
	pthread_mutex_unlock(&b->lmu);
	return found;
}

static int cmp_key_desc(const void *x, const void *y)
{
	return strcmp(((const fidx_obj *)y)->key, ((const fidx_obj *)x)->key);
}

/* Reads the footer indexes the listings named that this machine has not
 * read yet (the newest FIDX_READ_MAX): their footers serve this handle's
 * readers at once, then go to the footer cache, the index last (an entry
 * of its own, which later handles find and skip it by). A thread that
 * finds them being read waits: what it misses may be among them. */
static void fidx_read(ps_backend *b, const ps_store *st)
{
	pthread_mutex_lock(&b->lmu);
	bool any = b->n_fidx > 0;
	pthread_mutex_unlock(&b->lmu);
	if (!any)
		return;
	pthread_mutex_lock(&b->imu);
	fidx_obj pick[FIDX_READ_MAX];
	size_t np = 0;
	pthread_mutex_lock(&b->lmu);
	for (size_t i = 0; i < b->n_fidx; i++) {
		fidx_obj *o = &b->fidx[i];
		if (o->done)
			continue;
		o->done = true;
		fidx_obj c = *o;
		if (!(c.key = strdup(o->key)))
			continue;
		if (np < FIDX_READ_MAX) {
			pick[np++] = c;
			continue;
		}
		/* keep the newest: the names begin with their time */
		qsort(pick, np, sizeof *pick, cmp_key_desc);
		if (strcmp(c.key, pick[np - 1].key) > 0) {
			free(pick[np - 1].key);
			pick[np - 1] = c;
		} else {
			free(c.key);
		}
	}
	pthread_mutex_unlock(&b->lmu);
	/* what this thread puts into the footer cache once the others go on */
	size_t from = b->n_fmem;
	bool read[FIDX_READ_MAX] = {false};
	for (size_t i = 0; i < np; i++) {
		fidx_obj *o = &pick[i];
		uint8_t *d = NULL;
		size_t len = 0;
		const char *why = NULL;
		fidx_entry *es = NULL;
		size_t ne = 0, cap = 0;
		if (ps_footer_cache_get(b->fc, o->key, o->size, o->etag, &d, &len)) {
			why = "read before"; /* its footers are in the cache */
		} else if (o->size > FIDX_BYTES_MAX) {
			why = "too large";
		} else {
			ps_s3 *h;
			char tag[PS_S3_ETAG_MAX] = "";
			int rc = s3_acquire(b, &h);
			if (!rc) {
				rc = ps_s3_get(h, o->key, &d, &len, tag);
				s3_release(b, h);
			}
			if (rc)
				why = ps_errmsg();
			else if (strcmp(tag, o->etag))
				why = "replaced since the listing";
			else if ((rc = fidx_parse(d, len, &b->farena, &es, &ne, &cap)))
				why = rc == PS_ENOMEM ? "out of memory" : "not a footer index";
		}
		if (!why && b->held + len > b->fidx_held_max) {
			/* memory for indexes is spent: this one's footers go to the
			 * cache now, where the readers that wait find them */
			for (size_t k = 0; k < ne; k++)
				ps_footer_cache_put(b->fc, es[k].key, es[k].size, es[k].etag, es[k].tail, es[k].len);
			ps_footer_cache_put(b->fc, o->key, o->size, o->etag, (const uint8_t *)"1", 1);
		}
		pthread_mutex_lock(&b->lmu);
		bool kept = !why && b->held + len <= b->fidx_held_max &&
		            !ps_array_room(&b->blobs, &b->cap_blobs, b->n_blobs, sizeof *b->blobs, 4);
		for (size_t k = 0; kept && k < ne; k++) {
			/* the key's copy lives in the map's arena */
			if (ps_array_room(&b->fmem, &b->cap_fmem, b->n_fmem, sizeof *b->fmem, 64) ||
			    ps_strmap_put(&b->fmem_keys, es[k].key, strlen(es[k].key), (int64_t)b->n_fmem))
				break;
			b->fmem[b->n_fmem++] = es[k];
		}
		if (kept) {
			b->blobs[b->n_blobs++] = d;
			b->held += len;
			d = NULL;
			read[i] = true;
		}
		pthread_mutex_unlock(&b->lmu);
		ps_log_field f[] = {PS_LOG_STR("key", o->key), PS_LOG_INT("footers", (int64_t)ne),
		                    PS_LOG_STR("skipped", why ? why : "")};
		ps_log(ps_store_logger(st), PS_LOG_DEBUG, f, 3, why ? "footer index skipped" : "footer index read");
		free(d);
		free(es);
	}
	pthread_mutex_lock(&b->lmu);
	size_t to = b->n_fmem;
	pthread_mutex_unlock(&b->lmu);
	pthread_mutex_unlock(&b->imu);
	/* fmem only grows (under imu, which the next reader of indexes takes
	 * after this point): entries [from, to) stay where they are read */
	for (size_t k = from; k < to; k++) {
		pthread_mutex_lock(&b->lmu);
		fidx_entry e = b->fmem[k];
		pthread_mutex_unlock(&b->lmu);
		ps_footer_cache_put(b->fc, e.key, e.size, e.etag, e.tail, e.len);
	}
	for (size_t i = 0; i < np; i++) {
		if (read[i])
			ps_footer_cache_put(b->fc, pick[i].key, pick[i].size, pick[i].etag, (const uint8_t *)"1", 1);
		free(pick[i].key);
	}
}

/* What a footer GET brings of the Parquet file open at fd (its last
 * 32 KiB, or its whole footer when longer), malloc'd into *tail, and the
 * file's size. Nonzero when it cannot be read. */
static int tail_of_file(int fd, uint8_t **tail, size_t *len, uint64_t *size)
{
	struct stat sb;
	uint8_t end[8];
	*tail = NULL;
	*len = 0;
	if (fstat(fd, &sb) != 0 || sb.st_size < 12 || ps_pread_full(fd, end, 8, sb.st_size - 8))
		return -1;
	*size = (uint64_t)sb.st_size;
	uint64_t n = tail_bytes(end, *size);
	if (!(*tail = malloc(n)) || ps_pread_full(fd, *tail, n, (int64_t)(*size - n))) {
		free(*tail);
		*tail = NULL;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* The bytes of an index of the scans src[0..n), or none (out->len 0)
 * when it would hold fewer than two or more than a quarter of their
 * bytes (many small scans, whose tails are most of them). */
static int fidx_build(ps_backend *b, const ps_footer_src *src, size_t n, ps_buf *out, size_t *count)
{
	*count = 0;
	uint64_t scans = 0;
	int rc = ps_buf_add(out, FIDX_MAGIC, 8) || le_put(out, 0, 4) ? PS_ENOMEM : 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const ps_reader_tail *t = src[i].tail;
		const char *key = NULL;
		size_t kl, el = strlen(t->etag);
		if (key_of(b, src[i].path, &key) || !is_scan(key) || (kl = strlen(key)) > VERSION_KEY_MAX || !el ||
		    el >= PS_S3_ETAG_MAX || !t->data || t->len < 12 || t->len > t->size)
			continue;
		rc = version_put(out, key, kl, t->size, t->etag, el) || le_put(out, t->len, 4) ||
		             ps_buf_add(out, t->data, t->len)
		         ? PS_ENOMEM
		         : 0;
		scans += t->size;
		(*count)++;
	}
	if (rc)
		return ps_err_nomem();
	if (*count < 2 || (uint64_t)out->len * 4 > scans || out->len > FIDX_BYTES_MAX) {
		out->len = 0;
		return 0;
	}
	ps_le_put((uint8_t *)out->data + 8, *count, 4);
	return le_put(out, XXH3_64bits(out->data, out->len), 8) ? ps_err_nomem() : 0;
}

/* Puts one index of src[0..n) (none when fidx_build makes none). */
static void fidx_put(const ps_store *st, ps_backend *b, const ps_footer_src *src, size_t n)
{
	ps_buf blob = {0};
	size_t count = 0;
	int rc = fidx_build(b, src, n, &blob, &count);
	char key[128] = "", tag[PS_S3_ETAG_MAX];
	if (!rc && blob.len) {
		/* a name no other writer takes: the time, then 64 random bits */
		uint64_t r = 0;
		if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			r = XXH3_64bits_withSeed(&ts, sizeof ts, (uint64_t)getpid() ^ (uint64_t)(uintptr_t)src);
		}
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
		snprintf(key, sizeof key, FIDX_DIR "%s_%016llx.pfi", stamp, (unsigned long long)r);
		ps_s3 *h;
		if (!(rc = s3_acquire(b, &h))) {
			rc = ps_s3_put_new(h, key, blob.data, blob.len, tag);
			s3_release(b, h);
		}
	}
	if (blob.len || rc) {
		/* not an error of the ingest: its scans are in place, and a reader
		 * without the index fetches their footers one by one */
		ps_log_field f[] = {PS_LOG_STR("key", key), PS_LOG_INT("footers", (int64_t)count),
		                    PS_LOG_INT("bytes", (int64_t)blob.len)};
		if (rc)
			ps_log(ps_store_logger(st), PS_LOG_WARN, f, 3, "footer index not written: %s", ps_errmsg());
		else
			ps_log(ps_store_logger(st), PS_LOG_DEBUG, f, 3, "footer index written");
	}
	ps_buf_free(&blob);
}

void ps_storage_put_footer_index(const ps_store *st, const ps_footer_src *src, size_t n)
{
	ps_backend *b = st->backend;
	if (!b || b->kind != BACKEND_S3 || n < 2)
		return;
	size_t per = b->fidx_entries_max;
	for (size_t at = 0; at < n; at += per)
		fidx_put(st, b, src + at, n - at < per ? n - at : per);
}

void ps_storage_footer_index_limits(const ps_store *st, size_t entries, size_t held)
{
	ps_backend *b = st->backend;
	if (b) {
		b->fidx_entries_max = entries ? entries : FIDX_ENTRIES_MAX;
		b->fidx_held_max = held;
	}
}

void ps_reader_tail_free(ps_reader_tail *t)
{
	free(t->data);
	memset(t, 0, sizeof *t);
}

int ps_storage_open_reader(const ps_store *st, const char *path, const parq_reader_options *ro,
                           ps_reader_tail *kept, parq_reader **out)
{
	*out = NULL;
	ps_backend *b = st->backend;
	int rc;
	/* a path outside the store (an object store writer's spool file) is
	 * a local file */
	if (!b || b->kind == BACKEND_LOCAL || !in_store(b, path)) {
		rc = parq_reader_open(out, path, ro);
		return rc ? ps_err_from_parq(rc, NULL) : 0;
	}
	const char *key = NULL;
	key_of(b, path, &key);
	s3_src *s = calloc(1, sizeof *s);
	if (!s || !(s->key = strdup(key))) {
		free(s);
		return ps_err_nomem();
	}
	s->b = b;
	s->st = st;
	pthread_mutex_init(&s->mu, NULL);
	uint8_t *tail = NULL;
	size_t got = 0;
	uint64_t size = 0;
	listed_obj lo;
	if (kept && kept->data) {
		/* the footer GET of an earlier reader of the same object */
		rc = (tail = malloc(kept->len)) ? 0 : ps_err_nomem();
		if (!rc) {
			memcpy(tail, kept->data, kept->len);
			got = kept->len;
			size = kept->size;
			snprintf(s->etag, sizeof s->etag, "%s", kept->etag);
		}
	} else if (listed_find(b, key, &lo) && (fmem_get(b, key, lo.size, lo.etag, &tail, &got) ||
	                                        ps_footer_cache_get(b->fc, key, lo.size, lo.etag, &tail, &got) ||
	                                        (fidx_read(b, st), fmem_get(b, key, lo.size, lo.etag, &tail, &got)) ||
	                                        ps_footer_cache_get(b->fc, key, lo.size, lo.etag, &tail, &got))) {
		/* the footer of the version the listing named, read before or
		 * from a footer index (kept in memory, or past FIDX_HELD_MAX
		 * written to the cache) */
		size = lo.size;
		snprintf(s->etag, sizeof s->etag, "%s", lo.etag);
		rc = 0;
	} else {
		rc = tail_fetch(s, &tail, &got, &size);
		if (!rc && got && is_scan(key))
			ps_footer_cache_put(b->fc, key, size, s->etag, tail, got);
	}
	if (!rc && got && kept && !kept->data && (kept->data = malloc(got))) {
		memcpy(kept->data, tail, got);
		kept->len = got;
		kept->size = size;
		snprintf(kept->etag, sizeof kept->etag, "%s", s->etag);
	}
	if (!rc && got) {
		pthread_mutex_lock(&s->mu);
		rc = src_keep(s, (int64_t)(size - got), got, tail) ? ps_err_nomem() : 0;
		pthread_mutex_unlock(&s->mu);
		tail = NULL;
	}
	free(tail);
	if (rc) {
		src_free(s);
		return rc == PS_ENOTFOUND ? ps_err(PS_ENOTFOUND, "%s: no such object", path) : rc;
	}
	parq_reader_options o;
	if (ro)
		o = *ro;
	else
		parq_reader_options_default(&o);
	o.read_size = SRC_TAIL;
	o.use_mmap = false;
	parq_source src = {.size = (int64_t)size, .read_at = src_read_at, .prefetch = src_prefetch,
	                   .close = src_free, .ud = s};
	if ((rc = parq_reader_open_source(out, &src, path, &o)))
		return ps_err_from_parq(rc, NULL);
	return 0;
}

static int read_all_fd(int fd, uint8_t **data, size_t *len)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return ps_err(PS_EIO, "cannot stat a spool file: %s", strerror(errno));
	*len = (size_t)sb.st_size;
	if (!(*data = malloc(*len ? *len : 1)))
		return ps_err_nomem();
	if (ps_pread_full(fd, *data, *len, 0)) {
		free(*data);
		*data = NULL;
		return ps_err(PS_EIO, "cannot read a spool file: %s", errno ? strerror(errno) : "short");
	}
	return 0;
}

/* A claimed name's bytes, in parts when they pass one part's size. */
static int put_stream(ps_s3 *h, const char *key, int fd, size_t part, char *etag)
{
	ps_s3_upload *u;
	int rc = ps_s3_upload_begin(h, key, &u);
	if (rc)
		return rc;
	uint8_t *buf = malloc(part);
	if (!buf) {
		ps_s3_upload_abort(u);
		return ps_err_nomem();
	}
	off_t off = 0;
	for (;;) {
		ssize_t r = pread(fd, buf, part, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ps_err(PS_EIO, "cannot read a spool file: %s", strerror(errno));
			ps_s3_upload_abort(u);
			break;
		}
		if (r == 0) {
			rc = ps_s3_upload_finish(u, etag);
			break;
		}
		if ((rc = ps_s3_upload_write(u, buf, (size_t)r))) {
			ps_s3_upload_abort(u);
			break;
		}
		off += r;
	}
	free(buf);
	return rc;
}

/* The footer of a scan just put, read once from its spool file (the bytes
 * a footer GET would bring): kept in the footer cache, so that a query
 * from this machine fetches no footer of what it wrote, and handed to
 * *put (may be NULL) with the scan's ETag. */
static void tail_written(ps_backend *b, const char *key, int fd, const char *etag, ps_reader_tail *put)
{
	uint8_t *tail;
	size_t n;
	uint64_t size;
	if ((!b->fc && !put) || !etag[0] || !is_scan(key) || tail_of_file(fd, &tail, &n, &size))
		return;
	ps_footer_cache_put(b->fc, key, size, etag, tail, n);
	if (!put) {
		free(tail);
		return;
	}
	ps_reader_tail_free(put);
	put->data = tail;
	put->len = n;
	put->size = size;
	snprintf(put->etag, sizeof put->etag, "%s", etag);
}

static int put_object(const ps_store *st, const char *path, int fd, ps_put_mode mode, const char *if_match,
                      char etag[PS_ETAG_MAX], ps_reader_tail *put)
{
	ps_backend *b = st->backend;
	const char *key = NULL;
	ps_s3 *h;
	int rc = s3_begin(b, path, &key, &h);
	if (rc)
		return rc;
	char tag[PS_S3_ETAG_MAX] = "";
	struct stat sb;
	if (mode == PS_PUT_CLAIMED && fstat(fd, &sb) != 0) {
		rc = ps_err(PS_EIO, "cannot stat the spool file of %s: %s", path, strerror(errno));
	} else if (mode == PS_PUT_CLAIMED && (uint64_t)sb.st_size > b->so.part_size) {
		rc = put_stream(h, key, fd, b->so.part_size, tag);
	} else {
		uint8_t *data = NULL;
		size_t len = 0;
		if (!(rc = read_all_fd(fd, &data, &len))) {
			rc = mode == PS_PUT_IF_MATCH ? ps_s3_put_if_match(h, key, data, len, if_match, tag)
			                             : ps_s3_put_new(h, key, data, len, tag);
			free(data);
		}
		if (rc == PS_S3_EEXISTS)
			rc = ps_err(PS_EEXISTS, "%s exists already", path);
		else if (rc == PS_S3_ECHANGED)
			rc = ps_err(PS_ECONFLICT, "%s was changed by another writer", path);
	}
	s3_release(b, h);
	if (!rc)
		tail_written(b, key, fd, tag, put);
	if (!rc && etag)
		snprintf(etag, PS_ETAG_MAX, "%s", tag);
	return rc;
}

int ps_storage_put(const ps_store *st, const char *path, int fd, ps_put_mode mode, const char *if_match,
                   char etag[PS_ETAG_MAX])
{
	return put_object(st, path, fd, mode, if_match, etag, NULL);
}

int ps_storage_put_scan(const ps_store *st, const char *path, int fd, ps_reader_tail *put)
{
	return put_object(st, path, fd, PS_PUT_CLAIMED, NULL, NULL, put);
}

int ps_storage_claim(const ps_store *st, const char *path, const char *token)
{
	ps_backend *b = st->backend;
	const char *key = NULL;
	int rc = key_of(b, path, &key);
	if (rc)
		return rc;
	const char *slash = strrchr(key, '/');
	size_t dlen = slash ? (size_t)(slash - key) + 1 : 0;
	char ck[4200];
	if ((size_t)snprintf(ck, sizeof ck, "%.*s.claims/%s.claim", (int)dlen, key, key + dlen) >= sizeof ck)
		return ps_err(PS_EINVAL, "%s: name too long", path);
	ps_s3 *h;
	if ((rc = s3_acquire(b, &h)))
		return rc;
	rc = ps_s3_put_new(h, ck, token, strlen(token), NULL);
	if (rc == PS_S3_EEXISTS) {
		/* ours, from an attempt whose answer was lost? */
		uint8_t *data = NULL;
		size_t len = 0;
		int grc = ps_s3_get(h, ck, &data, &len, NULL);
		rc = !grc && len == strlen(token) && !memcmp(data, token, len) ? 0 : ps_err(PS_EEXISTS, "%s is taken", path);
		free(data);
	}
	s3_release(b, h);
	return rc;
}

int ps_storage_delete(const ps_store *st, const char *path)
{
	ps_backend *b = st->backend;
	if (!b || b->kind == BACKEND_LOCAL)
		return unlink(path) == 0 || errno == ENOENT ? 0
		                                            : ps_err(PS_EIO, "cannot remove %s: %s", path, strerror(errno));
	const char *key = NULL;
	ps_s3 *h;
	int rc = s3_begin(b, path, &key, &h);
	if (rc)
		return rc;
	rc = ps_s3_delete(h, key);
	s3_release(b, h);
	return rc;
}

/* ---- the public face ---- */

int ps_store_open_parquet(const ps_store *st, const char *path, parq_reader **out)
{
	return ps_store_open_parquet_tail(st, path, NULL, out);
}

int ps_store_open_parquet_tail(const ps_store *st, const char *path, ps_reader_tail *tail, parq_reader **out)
{
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	if (!st) {
		int rc = parq_reader_open(out, path, &ro);
		return rc ? ps_err_from_parq(rc, NULL) : 0;
	}
	ps_store_reader_options(&st->cfg, &ro);
	return ps_storage_open_reader(st, path, &ro, tail, out);
}
