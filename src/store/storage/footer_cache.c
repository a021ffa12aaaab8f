/* Parquet footers of objects kept on local disk (footer_cache.h).
 *
 * One file per entry, "<hash>.footer", the hash (XXH3, 128 bits) of the
 * scope, key, size and ETag; the file holds them again, so that a
 * collision or a damaged file reads as a miss:
 *
 *   "PSFOOTR1"  object size (u64)  lengths of scope, key, ETag, bytes (u32
 *   each)  XXH3-64 of what follows (u64)  scope  key  ETag  bytes
 *
 * (integers little-endian). A file is written under a temporary name and
 * renamed into place, so a reader sees a whole entry or none; no fsync:
 * an entry lost to a crash is fetched again. A hit sets the file's mtime,
 * and a trim removes the entries read least recently until the directory
 * holds three quarters of its bound: at the first entry a process writes
 * and every TRIM_EVERY entries after. */
#include "storage/footer_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../util.h"

#define MAGIC "PSFOOTR1"
#define HEADER 40
/* no entry larger than this, nor than an eighth of the bound */
#define ENTRY_MAX ((size_t)16 << 20)
#define TRIM_EVERY 256
/* a temporary file this old was left by a process that died writing it */
#define STALE_TMP_S 3600

struct ps_footer_cache {
	char *dir, *scope;
	uint64_t max;
	pthread_mutex_t mu;     /* the trim's bookkeeping */
	uint64_t since_trim;
	bool trimmed;
	uint64_t hits, writes;  /* atomics */
	uint64_t tmp_seq;       /* atomic */
};

void ps_footer_cache_default_dir(char *dir, size_t size)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (x && x[0] == '/')
		snprintf(dir, size, "%s/probestore/footers", x);
	else if (h && h[0] == '/')
		snprintf(dir, size, "%s/.cache/probestore/footers", h);
	else if (size)
		dir[0] = 0;
}

ps_footer_cache *ps_footer_cache_open(const char *dir, uint64_t max_bytes, const char *scope)
{
	if (!dir || !*dir || !max_bytes || strlen(dir) > 3800)
		return NULL;
	/* a directory there already must be ours: another user's would
	 * read what this one queried */
	struct stat sb;
	if (lstat(dir, &sb) == 0 && (!S_ISDIR(sb.st_mode) || sb.st_uid != getuid()))
		return NULL;
	ps_footer_cache *c = calloc(1, sizeof *c);
	if (!c || !(c->dir = strdup(dir)) || !(c->scope = strdup(scope ? scope : ""))) {
		ps_footer_cache_close(c);
		return NULL;
	}
	c->max = max_bytes;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void ps_footer_cache_close(ps_footer_cache *c)
{
	if (!c)
		return;
	if (c->dir && c->scope)
		pthread_mutex_destroy(&c->mu);
	free(c->dir);
	free(c->scope);
	free(c);
}

void ps_footer_cache_counts(const ps_footer_cache *c, uint64_t *hits, uint64_t *writes)
{
	*hits = c ? __atomic_load_n(&c->hits, __ATOMIC_RELAXED) : 0;
	*writes = c ? __atomic_load_n(&c->writes, __ATOMIC_RELAXED) : 0;
}

/* The entry's header and names (the bytes follow them), malloc'd; NULL
 * when out of memory or the names are too long. */
static uint8_t *entry_head(const ps_footer_cache *c, const char *key, uint64_t size, const char *etag, size_t len,
                           size_t *head_len)
{
	size_t ls = strlen(c->scope), lk = strlen(key), le = strlen(etag);
	if (ls > 4096 || lk > 4096 || le > 256 || len > ENTRY_MAX)
		return NULL;
	uint8_t *h = malloc(HEADER + ls + lk + le);
	if (!h)
		return NULL;
	memcpy(h, MAGIC, 8);
	ps_le_put(h + 8, size, 8);
	ps_le_put(h + 16, ls, 4);
	ps_le_put(h + 20, lk, 4);
	ps_le_put(h + 24, le, 4);
	ps_le_put(h + 28, len, 4);
	ps_le_put(h + 32, 0, 8);
	memcpy(h + HEADER, c->scope, ls);
	memcpy(h + HEADER + ls, key, lk);
	memcpy(h + HEADER + ls + lk, etag, le);
	*head_len = HEADER + ls + lk + le;
	return h;
}

/* "<dir>/<hash><suffix>": the hash of h's size, names and their lengths
 * (not of the byte count or the checksum); the suffix ".footer" for
 * footers, ".listing" for a kept listing */
static void entry_path(const ps_footer_cache *c, const uint8_t *h, size_t head_len, const char *suffix, char *path,
                       size_t size)
{
	XXH128_hash_t x = XXH3_128bits_withSeed(h + HEADER, head_len - HEADER, XXH3_64bits(h + 8, 20));
	snprintf(path, size, "%s/%016llx%016llx%s", c->dir, (unsigned long long)x.high64, (unsigned long long)x.low64,
	         suffix);
}

/* XXH3-64 of an entry's names and bytes */
static uint64_t entry_sum(const uint8_t *names, size_t names_len, const uint8_t *data, size_t len)
{
	XXH64_hash_t a = XXH3_64bits(names, names_len);
	return XXH3_64bits_withSeed(data, len, a);
}

static int entry_get(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, const char *suffix,
                     uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (!c || !etag || !*etag)
		return 0;
	size_t head_len;
	uint8_t *want = entry_head(c, key, size, etag, 0, &head_len);
	if (!want)
		return 0;
	char path[4096];
	entry_path(c, want, head_len, suffix, path, sizeof path);
	int hit = 0;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < (off_t)head_len + 8 ||
	    (uint64_t)sb.st_size > head_len + 8 + ENTRY_MAX)
		goto out;
	size_t total = (size_t)sb.st_size;
	if (!(buf = malloc(total)) || ps_pread_full(fd, buf, total, 0))
		goto out;
	size_t n = (size_t)ps_le_get(buf + 28, 4);
	/* the names and size equal (all of the header but the byte count and
	 * the checksum), the length and the checksum hold */
	if (memcmp(buf, want, 28) || memcmp(buf + HEADER, want + HEADER, head_len - HEADER) ||
	    total != head_len + n || n == 0)
		goto out;
	if (ps_le_get(buf + 32, 8) != entry_sum(buf + HEADER, head_len - HEADER, buf + head_len, n))
		goto out;
	if (n > size || !(*data = malloc(n)))
		goto out; /* no object ends with more bytes than it has */
	memcpy(*data, buf + head_len, n);
	*len = n;
	hit = 1;
	futimens(fd, NULL); /* read recently: the trim keeps it */
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(want);
	return hit;
}

int ps_footer_cache_get(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, uint8_t **data,
                        size_t *len)
{
	int hit = entry_get(c, key, size, etag, ".footer", data, len);
	if (hit)
		__atomic_add_fetch(&c->hits, 1, __ATOMIC_RELAXED);
	return hit;
}

/* A listing is kept as an entry of no object's size or version. */
#define LISTING_SIZE UINT64_MAX
#define LISTING_ETAG "listing"

int ps_footer_cache_get_listing(ps_footer_cache *c, const char *dir, uint8_t **data, size_t *len)
{
	return entry_get(c, dir, LISTING_SIZE, LISTING_ETAG, ".listing", data, len);
}

/* mkdir -p, mode 0700 for what it creates; the last component must end
 * up a directory of ours */
static bool make_dir(const char *dir)
{
	struct stat sb;
	if (lstat(dir, &sb) == 0)
		return S_ISDIR(sb.st_mode) && sb.st_uid == getuid();
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char ch = *p;
		*p = 0;
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return false;
		*p = ch;
		if (!ch)
			break;
	}
	return lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == getuid();
}

typedef struct old_entry {
	struct timespec mtime;
	off_t size;
	char name[64];
} old_entry;

static int cmp_old(const void *x, const void *y)
{
	const old_entry *a = x, *b = y;
	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
	return (a->mtime.tv_nsec > b->mtime.tv_nsec) - (a->mtime.tv_nsec < b->mtime.tv_nsec);
}

/* The directory back under three quarters of its bound, the least
 * recently read entries first; temporary files of dead writers go too. */
static void trim(ps_footer_cache *c)
{
	DIR *d = opendir(c->dir);
	if (!d)
		return;
	old_entry *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat sb;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
			continue;
		size_t nl = strlen(e->d_name);
		if (!strncmp(e->d_name, ".tmp-", 5)) {
			if (now - sb.st_mtime > STALE_TMP_S)
				unlinkat(dirfd(d), e->d_name, 0);
			continue;
		}
		if (nl < 9 || nl >= sizeof v->name ||
		    (strcmp(e->d_name + nl - 7, ".footer") && strcmp(e->d_name + nl - 8, ".listing")))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			old_entry *g = realloc(v, nc * sizeof *v);
			if (!g)
				break;
			v = g;
			cap = nc;
		}
		v[n].mtime = sb.st_mtim;
		v[n].size = sb.st_size;
		memcpy(v[n].name, e->d_name, nl + 1);
		n++;
		total += (uint64_t)sb.st_size;
	}
	if (total > c->max && n) {
		qsort(v, n, sizeof *v, cmp_old);
		for (size_t i = 0; i < n && total > c->max / 4 * 3; i++)
			if (unlinkat(dirfd(d), v[i].name, 0) == 0)
				total -= (uint64_t)v[i].size;
	}
	closedir(d);
	free(v);
}

static bool entry_put(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, const char *suffix,
                      const uint8_t *data, size_t len)
{
	if (!c || !etag || !*etag || !len || len > c->max / 8)
		return false;
	size_t head_len;
	uint8_t *h = entry_head(c, key, size, etag, 0, &head_len);
	if (!h)
		return false;
	char path[4096], tmp[4096 + 64];
	entry_path(c, h, head_len, suffix, path, sizeof path);
	ps_le_put(h + 28, len, 4);
	ps_le_put(h + 32, entry_sum(h + HEADER, head_len - HEADER, data, len), 8);
	uint64_t seq = __atomic_add_fetch(&c->tmp_seq, 1, __ATOMIC_RELAXED);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%llu", c->dir, (long)getpid(), (unsigned long long)seq);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT && make_dir(c->dir))
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0 && !ps_write_full(fd, h, head_len) && !ps_write_full(fd, data, len);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok && fd >= 0)
		unlink(tmp);
	free(h);
	if (!ok)
		return false;
	pthread_mutex_lock(&c->mu);
	bool due = !c->trimmed || ++c->since_trim >= TRIM_EVERY;
	if (due) {
		c->trimmed = true;
		c->since_trim = 0;
		trim(c);
	}
	pthread_mutex_unlock(&c->mu);
	return true;
}

void ps_footer_cache_put(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, const uint8_t *data,
                         size_t len)
{
	if (entry_put(c, key, size, etag, ".footer", data, len))
		__atomic_add_fetch(&c->writes, 1, __ATOMIC_RELAXED);
}

void ps_footer_cache_put_listing(ps_footer_cache *c, const char *dir, const uint8_t *data, size_t len)
{
	entry_put(c, dir, LISTING_SIZE, LISTING_ETAG, ".listing", data, len);
}
