/* Where the store's files live: a local directory, or S3-compatible object
 * storage (AWS S3, Ceph RGW, MinIO, R2) under a bucket and prefix.
 *
 * The store names its files by path on both: "<base>/probe_results/..."
 * where base is a directory or "s3://bucket/prefix"; on object storage the
 * key is the path's part after the base, under the bucket's prefix, so the
 * bucket holds the same layout as a local store (docs/format.md).
 *
 * Reads (listing, sizes, Parquet readers) go through this layer on both
 * backends. Writes differ by nature: a local store writes a temporary file
 * beside the target and renames it into place (atomic_file.h); an object
 * store writes the same bytes to a spool file on local disk, then puts the
 * object with a condition (If-None-Match for a new name, If-Match on the
 * ETag for a history's next version), so readers never see a partial
 * object and no write replaces what another wrote.
 *
 * Thread-safe: one backend serves all of a store's threads (it keeps a
 * pool of S3 connections). Internal API of libprobestore. */
#ifndef PS_STORAGE_BACKEND_H
#define PS_STORAGE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parq/parq.h"
#include "probestore/config.h"
#include "probestore/store.h"

#define PS_ETAG_MAX 80

typedef struct ps_backend ps_backend;

/* A backend for base (a directory, or "s3://bucket/prefix") and cfg's
 * storage_config.backend and s3 keys; *resolved gets the base the store
 * names its files under (malloc'd: "s3://bucket/prefix" for S3, base
 * itself for a directory). No request is made. */
int ps_backend_open(ps_backend **out, const char *base, const ps_config *cfg, char **resolved);
void ps_backend_close(ps_backend *b);

/* True for object storage. */
bool ps_storage_remote(const ps_store *st);

/* One entry of a listing, the public ps_store_entry (store.h): a file
 * (size known) or a directory (a common prefix on object storage). */
typedef ps_store_entry ps_entry;
typedef ps_store_entry_fn ps_entry_fn;

/* The entries directly under a directory: the public ps_store_list_dir. */

/* Every file below dir at any depth, e->name its path relative to dir
 * ("t_443/scan_x.parquet"): one listing of keys on object storage (a
 * request per 1,000 keys) where ps_store_list_dir would take one per
 * directory; a walk of the directories locally. */
int ps_storage_list_tree(const ps_store *st, const char *dir, ps_entry_fn fn, void *ud);

/* The scans of the last complete listing of dir on object storage, as
 * ps_storage_list_tree gave them, when the footer cache keeps one
 * (PS_ENOTFOUND when it does not: a local store, another directory than
 * probe_results, no cache): a guess of what a listing taken now will
 * name, which costs no request. The versions it names are noted, so that
 * readers opened on them find their footers in the cache and read those
 * very versions; the next complete listing notes the versions it finds,
 * and forgets those it does not. */
int ps_storage_list_tree_kept(const ps_store *st, const char *dir, ps_entry_fn fn, void *ud);

/* The ETag of path's version that a listing noted (false: none did). */
bool ps_storage_listed_etag(const ps_store *st, const char *path, char etag[PS_ETAG_MAX]);

/* The size of the file at path (etag may be NULL; "" for a local file).
 * PS_ENOTFOUND when there is none. */
int ps_storage_stat(const ps_store *st, const char *path, int64_t *size, char etag[PS_ETAG_MAX]);

/* What the footer GET of an object brought (its last bytes, its size and
 * ETag), kept to open more readers of the object without a request: the
 * units of one large scan, read on several threads. */
typedef struct ps_reader_tail {
	uint8_t *data;
	size_t len;
	uint64_t size;
	char etag[PS_ETAG_MAX];
} ps_reader_tail;

/* A Parquet reader of path: a local file through libparq's own reads, an
 * object through ranged GETs (the footer by one suffix-range GET, then
 * the column chunks a scan asks for, coalesced). A scan's footer comes
 * from the footer cache (footer_cache.h) instead when the version the
 * last listing named is in it; a footer fetched, or the footer of a scan
 * ps_storage_put wrote, is kept there. ro may be NULL. tail
 * (may be NULL): the footer GET is taken from it when it holds one, and
 * a copy kept there when it does not (a local file leaves it empty).
 * PS_ENOTFOUND, PS_ECORRUPT (the file does not read) or PS_EIO, with a
 * message naming the path. Close with parq_reader_close. */
int ps_storage_open_reader(const ps_store *st, const char *path, const parq_reader_options *ro,
                           ps_reader_tail *tail, parq_reader **out);
void ps_reader_tail_free(ps_reader_tail *t);
/* ps_store_open_parquet with a kept footer GET, as above. */
int ps_store_open_parquet_tail(const ps_store *st, const char *path, ps_reader_tail *tail, parq_reader **out);

/* Every read of an object's Parquet reader is of the version its footer
 * came from (If-Match on its ETag). When the object is replaced meanwhile
 * (a history's next version), the read fails and ps_storage_replaced()
 * turns true on the calling thread until ps_storage_replaced_clear():
 * the caller reads again from the start. */
void ps_storage_replaced_clear(void);
bool ps_storage_replaced(void);

/* ---- object storage's writes (ps_storage_remote) ---- */

/* A directory on local disk for the spool files of this store handle's
 * writes; created when the store is opened, removed when it is closed. */
const char *ps_storage_spool_dir(const ps_store *st);

/* The object at path copied into fd (an empty file open for writing),
 * and its ETag. PS_ENOTFOUND when there is none. */
int ps_storage_fetch(const ps_store *st, const char *path, int fd, char etag[PS_ETAG_MAX]);

/* How ps_storage_put may write. */
typedef enum ps_put_mode {
	PS_PUT_NEW,       /* only if no object has the name: PS_EEXISTS otherwise */
	PS_PUT_IF_MATCH,  /* only over the object with ETag if_match: PS_ECONFLICT (another
	                     writer changed it first) otherwise,
	                     PS_ENOTFOUND when it is gone */
	PS_PUT_CLAIMED    /* a name claimed by ps_storage_claim: one PUT with If-None-Match
	                     when the bytes fit in one part (PS_EEXISTS as with
	                     PS_PUT_NEW), else a multipart upload, aborted on failure
	                     (the claim alone guards its completion) */
} ps_put_mode;

/* Puts the len bytes of fd (from offset 0) at path. A retry after a lost
 * response that finds its own bytes in place counts as written. etag
 * (may be NULL) gets the new object's ETag. */
int ps_storage_put(const ps_store *st, const char *path, int fd, ps_put_mode mode, const char *if_match,
                   char etag[PS_ETAG_MAX]);

/* ps_storage_put of a scan under a claimed name (PS_PUT_CLAIMED). put
 * (may be NULL) gets the scan's ETag, size and the bytes a footer GET
 * would bring of it, read from fd once for the footer cache and for it
 * (put->data NULL when they cannot be read): a batch's footer index. */
int ps_storage_put_scan(const ps_store *st, const char *path, int fd, ps_reader_tail *put);

/* Claims the name of a new object at path for this writer: a small
 * marker "<dir>/.claims/<name>.claim" put with If-None-Match and holding
 * token. PS_EEXISTS when another writer holds the claim; a claim holding
 * token already (a retry of this writer) counts as ours. */
int ps_storage_claim(const ps_store *st, const char *path, const char *token);

/* A scan just put: its path in the store, and its ETag, size and last
 * bytes (ps_storage_put_scan). */
typedef struct ps_footer_src {
	const char *path;
	const ps_reader_tail *tail;
} ps_footer_src;

/* On object storage, puts the footers of the scans src[0..n) (what a
 * footer GET brings of each) as footer index objects under
 * probe_results/.footers/ (format.md), one per 128 scans, which the
 * queries of other machines read instead of a footer GET per scan. None
 * for fewer than two scans, nor when the footers would be more than a
 * quarter of the scans' bytes. A failure is logged, not returned: the
 * scans are in place. */
void ps_storage_put_footer_index(const ps_store *st, const ps_footer_src *src, size_t n);
/* For tests: scans per footer index (0: 128) and bytes of indexes a
 * handle keeps in memory (24 MiB unless set). */
void ps_storage_footer_index_limits(const ps_store *st, size_t entries, size_t held);

/* Removes the object at path; one that is not there is no error. */
int ps_storage_delete(const ps_store *st, const char *path);


#endif
