/* The probe result model: one probed URL, as httpx reports it. */
#ifndef PROBESTORE_PROBE_H
#define PROBESTORE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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
