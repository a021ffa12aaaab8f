/* Parquet footers of objects kept on local disk, so that a query over a
 * bucket it has read before needs no footer GET per object.
 *
 * An entry is the last bytes of one version of one object: named by the
 * endpoint and bucket, the key, the object's size and its ETag, which
 * the listing every query starts with gives for each object. A scan is
 * never overwritten, and an object that is (a history's next version)
 * has another ETag: an entry can only be found for the very bytes it
 * holds. Entries are checked (their names, lengths and a checksum) when
 * read: a torn or damaged one is a miss, never an error. The directory is
 * kept under a size by removing the entries least recently read.
 *
 * Thread-safe. Internal API of libprobestore. */
#ifndef PS_STORAGE_FOOTER_CACHE_H
#define PS_STORAGE_FOOTER_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ps_footer_cache ps_footer_cache;

/* A cache in dir (created, mode 0700, at the first entry written) of at
 * most max_bytes, for the objects of scope (the endpoint and bucket).
 * NULL (no cache) when dir is NULL or empty, max_bytes 0, or memory runs
 * out: a cache is never required. */
ps_footer_cache *ps_footer_cache_open(const char *dir, uint64_t max_bytes, const char *scope);
void ps_footer_cache_close(ps_footer_cache *c);

/* The default directory: $XDG_CACHE_HOME/probestore/footers, else
 * $HOME/.cache/probestore/footers; "" when neither variable is set. */
void ps_footer_cache_default_dir(char *dir, size_t size);

/* 1 and the entry's bytes in *data (malloc'd, *len of them) when the
 * cache holds the last bytes of key's version (size, etag); 0 when not. */
int ps_footer_cache_get(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, uint8_t **data,
                        size_t *len);

/* Keeps the last len bytes of key's version (size, etag). Failures are
 * silent: the next reader fetches the footer again. */
void ps_footer_cache_put(ps_footer_cache *c, const char *key, uint64_t size, const char *etag, const uint8_t *data,
                         size_t len);

/* The last listing of dir (a key prefix) kept, in an entry of its own
 * (<hash>.listing, checked and trimmed as footers are): 1 and its bytes
 * in *data (malloc'd) when there is one, 0 when not; kept, it replaces
 * the one before. Not counted by ps_footer_cache_counts. */
int ps_footer_cache_get_listing(ps_footer_cache *c, const char *dir, uint8_t **data, size_t *len);
void ps_footer_cache_put_listing(ps_footer_cache *c, const char *dir, const uint8_t *data, size_t len);

/* Entries found and written since open, for tests and benchmarks. */
void ps_footer_cache_counts(const ps_footer_cache *c, uint64_t *hits, uint64_t *writes);

#endif
