/*
 * libprobestore: web-reconnaissance results kept in Parquet files.
 *
 * On disk (see docs/format.md):
 *   <base>/probe_results/<host>_<port>/scan_<YYYYMMDD_HHMMSS>.parquet
 *   <base>/file_history/<host>_<port>/<urlhash>.parquet
 *   <base>/file_history/<host>_<port>/archive/<urlhash>_<YYYYMMDD_HHMMSS>.parquet
 *
 * Conventions: functions return 0 or a negative PS_E* code; ps_errmsg()
 * gives the calling thread's last error message with its context. The store
 * handle is thread-safe; other handles are not.
 *
 * This header is the planned public API of the store; see the issue tracker
 * for what is implemented.
 */
#ifndef PROBESTORE_H
#define PROBESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	PS_OK = 0,
	PS_EIO = -1,
	PS_ENOMEM = -2,
	PS_EINVAL = -3,      /* invalid argument or record (validation) */
	PS_ECORRUPT = -4,    /* a stored file does not read back */
	PS_EUNSUPPORTED = -5,
	PS_ELIMIT = -6,
	PS_ENOTFOUND = -9,   /* no such target, scan or record */
	PS_ECANCELED = -8,
	PS_ECONFIG = -10     /* bad configuration */
};

const char *ps_errmsg(void);

/* A response header. */
typedef struct ps_header {
	const char *name;
	const char *value;
} ps_header;

/* One probed URL. Strings are UTF-8 and NUL-terminated; NULL or "" means
 * absent, as do zero numbers (the seed's convention). */
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
	/* carried by callers that have them; not part of the seed's columns */
	const char *const *cnames;
	size_t n_cnames;
	const char *asn;
	double duration_s;
	const char *body;
} ps_probe_result;

#ifdef __cplusplus
}
#endif

#endif
