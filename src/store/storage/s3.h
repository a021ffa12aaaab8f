/* An S3 client for the store's object storage (AWS S3, Ceph RGW, MinIO,
 * R2): HTTP and SigV4 signing by libcurl, XML responses by expat.
 *
 * Keys given to these functions are relative to the handle's prefix, the
 * same paths as under a local store's base directory. Credentials come
 * from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and
 * appear in no error message.
 *
 * Every operation retries on 5xx (503 SlowDown included), 429, timeouts,
 * stalls and broken connections, with exponential backoff and full jitter,
 * bounded by max_attempts and retry_budget_ms (docs/reliability.md). When
 * they run out the error names the operation, key, last status and the
 * attempts made.
 *
 * A handle is not thread-safe: one thread at a time (it keeps one
 * connection for reuse). Internal API of libprobestore. */
#ifndef PS_STORAGE_S3_H
#define PS_STORAGE_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/probestore.h"
#include "probestore/store.h"

/* Results of the storage layer beyond the PS_E* codes. */
enum {
	PS_S3_EEXISTS = -40,  /* a PUT with If-None-Match: the key exists (HTTP 412) */
	PS_S3_ECHANGED = -41  /* a PUT with If-Match: the object's ETag is another (HTTP 412) */
};

#define PS_S3_ETAG_MAX 80 /* an ETag, without quotes, and its NUL */

typedef struct ps_s3 ps_s3;

typedef struct ps_s3_options {
	const char *endpoint;  /* "http://127.0.0.1:7480"; NULL: $AWS_ENDPOINT_URL, else
	                          https://s3.<region>.amazonaws.com */
	const char *region;    /* NULL: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1 */
	const char *bucket;    /* required */
	const char *prefix;    /* prepended to every key ("a/b" and "a/b/" alike); NULL: none */
	bool path_style;       /* endpoint/bucket/key, not bucket.endpoint/key */
	int max_attempts;                /* per request, first one included: 5 */
	uint32_t backoff_base_ms;        /* first backoff, doubled each retry: 100 */
	uint32_t backoff_max_ms;         /* cap of one backoff: 5000 */
	uint32_t retry_budget_ms;        /* no retry starts after this long: 60000 */
	uint32_t connect_timeout_ms;     /* 5000 */
	uint32_t stall_timeout_s;        /* an attempt moving no byte this long fails: 30 */
	size_t part_size;                /* multipart part size, >= 5 MiB: 8 MiB */
	int max_inflight;                /* ranged GETs at once: 8 */
	size_t coalesce_gap;             /* ranges this close share one GET: 0 (adjacent only) */
	size_t coalesce_gap_useful;      /* ... and up to this far apart when the gap is no larger
	                                    than the bytes of the ranges it joins: 0 (off) */
	size_t coalesce_max;             /* no coalesced GET larger than this: 32 MiB */
	size_t get_max;                  /* whole-object GET larger than this fails: 1 GiB */
	const ps_cancel *cancel;         /* checked before each attempt and during transfers; NULL:
	                                    none. Must outlive the handle. */
} ps_s3_options;

void ps_s3_options_default(ps_s3_options *o);

/* Opens a handle (no request is made). The strings of o are copied; o may
 * be NULL for the defaults (then the bucket is missing). PS_ECONFIG when
 * the bucket, the endpoint or the credentials are missing or malformed.
 * Free with ps_s3_close. */
int ps_s3_open(ps_s3 **out, const ps_s3_options *o);
void ps_s3_close(ps_s3 *s3);

/* The endpoint the handle's requests go to, as resolved at open
 * ("scheme://host[:port]/path"; the bucket's host in virtual-hosted
 * style). */
void ps_s3_endpoint(const ps_s3 *s3, char *out, size_t cap);

/* Counters since open, for benchmarks and tests. */
typedef struct ps_s3_stats {
	uint64_t requests;       /* HTTP attempts, retries included */
	uint64_t retries;        /* attempts after a retryable failure */
	uint64_t bytes_fetched;  /* response body bytes of GETs received, retries included */
	uint64_t bytes_sent;     /* request body bytes sent */
} ps_s3_stats;
void ps_s3_stats_get(const ps_s3 *s3, ps_s3_stats *out);

typedef struct ps_s3_stat {
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];  /* without quotes */
} ps_s3_stat;

/* HEAD: size and ETag. PS_ENOTFOUND when the key does not exist. */
int ps_s3_head(ps_s3 *s3, const char *key, ps_s3_stat *out);

/* The whole object into *data (malloc'd, NUL-terminated beyond *len; the
 * caller frees it). etag may be NULL. PS_ENOTFOUND, PS_ELIMIT over get_max. */
int ps_s3_get(ps_s3 *s3, const char *key, uint8_t **data, size_t *len, char etag[PS_S3_ETAG_MAX]);

/* Bytes [off, off+len) into dst; *got is less than len only at the end of
 * the object (0 when off is at or past it). */
int ps_s3_get_range(ps_s3 *s3, const char *key, uint64_t off, size_t len, void *dst, size_t *got);

/* The last n bytes (all of it when the object is shorter) into dst, for a
 * Parquet footer: *got bytes, *size the object's size (may be NULL). */
int ps_s3_get_tail(ps_s3 *s3, const char *key, size_t n, void *dst, size_t *got, uint64_t *size);

/* Ranged GETs (ps_s3_get_range, ps_s3_get_tail, ps_s3_get_ranges) of this
 * handle from now on carry If-Match: etag, so that the reads of one object
 * all come from one version of it: a version replaced meanwhile fails
 * them with PS_S3_ECHANGED rather than mixing two versions' bytes. NULL
 * or "": no condition. */
void ps_s3_pin(ps_s3 *s3, const char *etag);
/* The ETag of the object of the handle's last successful ps_s3_get_tail
 * (without quotes; "" when the server sent none). */
const char *ps_s3_last_etag(const ps_s3 *s3);

/* Several ranges of one object: requests run max_inflight at a time, and
 * ranges that touch or lie within coalesce_gap of each other are fetched by
 * one request, as are ranges up to coalesce_gap_useful apart where the
 * gap is no larger than the ranges it joins (at most as many bytes wasted
 * as wanted). Each range's got is set as by ps_s3_get_range. On failure
 * no range is to be trusted. */
typedef struct ps_s3_range {
	uint64_t off;
	size_t len;
	void *dst;
	size_t got;
} ps_s3_range;
int ps_s3_get_ranges(ps_s3 *s3, const char *key, ps_s3_range *ranges, size_t n);

/* PUT of len bytes; etag (may be NULL) receives the new ETag. */
int ps_s3_put(ps_s3 *s3, const char *key, const void *data, size_t len, char etag[PS_S3_ETAG_MAX]);
/* PUT with If-None-Match: *, the object is written only if the key is
 * free: PS_S3_EEXISTS otherwise, nothing written. A retry after a lost
 * response that finds this very content in place counts as written. */
int ps_s3_put_new(ps_s3 *s3, const char *key, const void *data, size_t len, char etag[PS_S3_ETAG_MAX]);
/* PUT with If-Match: if_etag (compare-and-swap): PS_S3_ECHANGED when the
 * object's ETag is another, PS_ENOTFOUND when it is gone. */
int ps_s3_put_if_match(ps_s3 *s3, const char *key, const void *data, size_t len, const char *if_etag,
                       char etag[PS_S3_ETAG_MAX]);

/* DELETE; a key that does not exist is not an error. */
int ps_s3_delete(ps_s3 *s3, const char *key);

/* ListObjectsV2, one page. */
typedef struct ps_s3_entry {
	char *key;      /* relative to the handle's prefix */
	uint64_t size;
	char etag[PS_S3_ETAG_MAX];
} ps_s3_entry;

typedef struct ps_s3_list_page {
	ps_s3_entry *entries;
	size_t n_entries;
	char **prefixes;       /* common prefixes, when a delimiter was given */
	size_t n_prefixes;
	char *next_token;      /* NULL on the last page */
} ps_s3_list_page;

/* The keys under prefix (may be NULL or ""), grouped at delimiter (NULL:
 * none), at most max_keys (0: the server's 1000), continuing after token
 * (NULL: from the start). Fills *page; free with ps_s3_list_page_free. */
int ps_s3_list(ps_s3 *s3, const char *prefix, const char *delimiter, const char *token, int max_keys,
               ps_s3_list_page *page);
void ps_s3_list_page_free(ps_s3_list_page *page);

/* Multipart uploads in progress under prefix (their count in *n), to see
 * that an aborted upload left nothing behind. */
int ps_s3_uploads_count(ps_s3 *s3, const char *prefix, size_t *n);

/* A streamed upload with memory bounded by one part: data is buffered
 * until part_size bytes are there, then sent as a part of a multipart
 * upload (created with the first part). An upload that never fills a part
 * is sent by one PUT at finish. Nothing is visible under the key before
 * finish succeeds. */
typedef struct ps_s3_upload ps_s3_upload;

/* Starts an upload to key (no request yet). Free with finish or abort. */
int ps_s3_upload_begin(ps_s3 *s3, const char *key, ps_s3_upload **out);
/* Appends; on failure (or cancellation: PS_ECANCELED) the upload is
 * aborted on the server, and only ps_s3_upload_abort remains to call. */
int ps_s3_upload_write(ps_s3_upload *u, const void *data, size_t len);
/* Sends the rest and completes; frees u whatever the result (aborting the
 * multipart upload on failure). etag may be NULL. */
int ps_s3_upload_finish(ps_s3_upload *u, char etag[PS_S3_ETAG_MAX]);
/* Aborts the multipart upload, if one was created, and frees u. Returns
 * 0, or the error of the abort request (the upload is freed anyway). */
int ps_s3_upload_abort(ps_s3_upload *u);

#endif
