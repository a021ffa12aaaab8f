/* The probe result model: one probed URL, as httpx reports it. */
#ifndef PROBESTORE_PROBE_H
#define PROBESTORE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A response header. */
typedef struct ps_header {
	const char *name;
	const char *value;
} ps_header;

/* One probed URL. Strings are UTF-8 and NUL-terminated; NULL or "" means
 * absent, as do zero numbers (the convention of the Go datastore whose
 * behaviour probestore implements). */
typedef struct ps_probe_result {
	const char *input_url;        /* required */
	const char *final_url;
	int32_t status_code;
	int64_t content_length;
	const char *content_type;
	const char *title;
	const char *web_server;
	const char *const *technologies;
	size_t n_technologies;
	const char *const *ips;
	size_t n_ips;
	const char *root_target_url;
	const char *error;
	const char *method;
	const ps_header *headers;
	size_t n_headers;
	const char *url_status;       /* "new", "existing", "old" */
	int64_t scan_timestamp_ms;
	int64_t oldest_scan_timestamp_ms; /* first seen */
	/* carried by callers that have them; not part of the Go datastore's columns */
	const char *const *cnames;
	size_t n_cnames;
	const char *asn;
	double duration_s;            /* response time (see response_time_ms) */
	const char *body;
	/* scan schema version 2 (docs/format.md): what httpx -json reports
	 * beyond the Go datastore's columns; cnames and duration_s above fill the cname
	 * and response_time_ms columns. NULL, 0 and false are absent. */
	const char *location;         /* the redirect target (Location header) */
	const int32_t *chain_status_codes; /* status of each hop of a followed redirect chain */
	size_t n_chain_status_codes;
	const char *host_ip;          /* the address probed */
	int32_t port;
	const char *scheme;
	const char *path;
	int64_t words, lines;         /* of the body */
	const char *cdn_name, *cdn_type;
	int32_t favicon_mmh3;         /* Shodan-style MurmurHash3 of the favicon */
	const char *favicon_url;
	const char *body_sha256, *header_sha256; /* hex */
	const char *jarm;
	int64_t asn_number;           /* 13335 for "AS13335" */
	const char *asn_name;
	const char *tls_subject_cn;
	const char *const *tls_subject_an;
	size_t n_tls_subject_an;
	const char *tls_issuer_cn;
	int64_t tls_not_after_ms;     /* UTC milliseconds */
	bool http2, websocket;
	/* set by the scan writer for a URL the previous scan had: the names of
	 * the compared fields whose values differ ("status_code", "title", ...) */
	const char *const *changed_fields;
	size_t n_changed_fields;
	/* the response_time_ms column as read (0: duration_s * 1000 is written) */
	double response_time_ms;
	/* set by the readers of scan files: the headers_json column's text, from
	 * which headers were read (NULL otherwise); writers ignore it and write
	 * headers */
	const char *headers_json;
} ps_probe_result;

/* The probe-result columns of a scan file, in file order (the Go datastore's
 * ParquetProbeResult). */
typedef enum {
	PS_COL_ORIGINAL_URL,
	PS_COL_FINAL_URL,
	PS_COL_STATUS_CODE,
	PS_COL_CONTENT_LENGTH,
	PS_COL_CONTENT_TYPE,
	PS_COL_TITLE,
	PS_COL_WEB_SERVER,
	PS_COL_TECHNOLOGIES,
	PS_COL_IP_ADDRESS,
	PS_COL_ROOT_TARGET_URL,
	PS_COL_PROBE_ERROR,
	PS_COL_METHOD,
	PS_COL_HEADERS_JSON,
	PS_COL_DIFF_STATUS,
	PS_COL_SCAN_TIMESTAMP,
	PS_COL_FIRST_SEEN_TIMESTAMP,
	PS_COL_LAST_SEEN_TIMESTAMP,
	PS_PROBE_NCOLS,               /* the 17 columns of schema version 1 */
	/* schema version 2 appends these (optional) columns */
	PS_COL_LOCATION = PS_PROBE_NCOLS,
	PS_COL_CHAIN_STATUS_CODES,
	PS_COL_HOST_IP,
	PS_COL_PORT,
	PS_COL_SCHEME,
	PS_COL_PATH,
	PS_COL_WORDS,
	PS_COL_LINES,
	PS_COL_RESPONSE_TIME_MS,
	PS_COL_CDN_NAME,
	PS_COL_CDN_TYPE,
	PS_COL_FAVICON_MMH3,
	PS_COL_FAVICON_URL,
	PS_COL_BODY_SHA256,
	PS_COL_HEADER_SHA256,
	PS_COL_JARM,
	PS_COL_CNAME,
	PS_COL_ASN_NUMBER,
	PS_COL_ASN_NAME,
	PS_COL_TLS_SUBJECT_CN,
	PS_COL_TLS_SUBJECT_AN,
	PS_COL_TLS_ISSUER_CN,
	PS_COL_TLS_NOT_AFTER,
	PS_COL_HTTP2,
	PS_COL_WEBSOCKET,
	PS_COL_CHANGED_FIELDS,
	PS_PROBE_V2_NCOLS
} ps_probe_column;

/* The scan schema versions the store writes and reads. */
#define PS_SCHEMA_V1 1
#define PS_SCHEMA_V2 2

/* Column name of c ("original_url", ...), for both versions' columns. */
PS_API const char *ps_probe_column_name(ps_probe_column c);

/* The headers as the headers_json column holds them: a JSON object written
 * as Go's json.Marshal writes a map (keys sorted, the last of equal names
 * wins, <, > and & escaped). *out is malloc'ed and NUL-terminated (the
 * caller frees it), NULL when there are no headers. Returns 0 or
 * PS_ENOMEM. */
PS_API int ps_headers_json(const ps_header *headers, size_t n, char **out);

/* Bytes of the longest valid UTF-8 prefix of p[0..n): n when all of it is
 * valid. Overlong forms, surrogates and code points past U+10FFFF are
 * invalid, as in every string probestore stores. */
PS_API size_t ps_utf8_valid(const void *p, size_t n);
/* Bytes of the one valid UTF-8 sequence at p (n bytes readable, n > 0),
 * 0 when it is not one; *cp (when not NULL) receives its code point. */
PS_API size_t ps_utf8_seq(const void *p, size_t n, uint32_t *cp);

/* The diff status of a URL against the target's previous scan. */
PS_API bool ps_url_status_valid(const char *s); /* "new", "existing", "old" or absent */

/* Probe results read back: items[0..n) point into memory owned by the set.
 * Free with ps_probe_set_free. */
typedef struct ps_probe_set {
	ps_probe_result *items;
	size_t n;
	int64_t total;        /* queries: matches before limit/offset */
	int64_t scan_time_ms; /* the scan the results come from (latest-scan reads) */
	void *priv;
} ps_probe_set;

PS_API void ps_probe_set_free(ps_probe_set *set);
/* Appends a deep copy of r to set (a zeroed set to start); PS_ENOMEM. */
PS_API int ps_probe_set_add(ps_probe_set *set, const ps_probe_result *r);

#ifdef __cplusplus
}
#endif

#endif
