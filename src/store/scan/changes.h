/* What changed between two results of one URL in two scans: the compared
 * fields, the comparison, and the previous scan's values loaded for it
 * (the scan writer's changed_fields column, ps_scan_diff's changed list). */
#ifndef PS_CHANGES_H
#define PS_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "probestore/probestore.h"
#include "../strmap.h"
#include "../util.h"

/* The compared fields, one bit each; PS_CHG_V2 are version 2 columns,
 * compared only when both scans have them. */
enum {
	PS_CHG_STATUS,       /* status_code */
	PS_CHG_TITLE,        /* title */
	PS_CHG_TECH,         /* technologies, as a set */
	PS_CHG_SERVER,       /* web_server */
	PS_CHG_FINAL_URL,    /* final_url */
	PS_CHG_LOCATION,     /* location */
	PS_CHG_LENGTH,       /* content_length, past the relative threshold */
	PS_CHG_BODY_HASH,    /* body_sha256 */
	PS_CHG_TLS,          /* tls_subject_cn, tls_subject_an, tls_issuer_cn, tls_not_after */
	PS_CHG_IPS,          /* ip_address, as a set */
	PS_CHG_N
};
#define PS_CHG_V2 ((1u << PS_CHG_LOCATION) | (1u << PS_CHG_BODY_HASH) | (1u << PS_CHG_TLS))

typedef struct ps_change_cfg {
	unsigned mask;       /* the compared fields */
	double ratio;        /* content_length: |new - old| > ratio * old */
} ps_change_cfg;

/* From the public options (NULL: defaults); PS_EINVAL naming an unknown field. */
int ps_change_cfg_make(const ps_change_options *o, ps_change_cfg *out);
/* From storage_config.parquet_writer.change_fields and change_length_percent. */
int ps_change_cfg_from_config(const ps_config *cfg, ps_change_cfg *out);

/* The name of a field bit ("status_code", "tls", ...). */
const char *ps_change_name(int bit);

/* The fields of cfg that differ between old and cur (a bit set); v2_both
 * says whether both scans have the version 2 columns. */
unsigned ps_probe_changes(const ps_change_cfg *cfg, const ps_probe_result *old, const ps_probe_result *cur,
                          bool v2_both);

/* The columns a comparison reads (with original_url), NULL-terminated. */
extern const char *const ps_change_columns[];

/* A scan's compared values by URL. */
typedef struct ps_prev_scan {
	ps_strmap idx;         /* original_url -> index into recs */
	ps_probe_result *recs;
	size_t n, cap;
	ps_arena arena;
	bool v2;               /* the file has the version 2 columns */
} ps_prev_scan;

/* Copies r's compared fields (and URL) into p. */
int ps_prev_scan_add(ps_prev_scan *p, const ps_probe_result *r);
const ps_probe_result *ps_prev_scan_get(const ps_prev_scan *p, const char *url);
/* Reads path's compared columns only into p (path NULL: nothing). */
int ps_prev_scan_load(const ps_store *st, const char *path, ps_prev_scan *p);
void ps_prev_scan_free(ps_prev_scan *p);
/* Bytes p holds allocated. */
size_t ps_prev_scan_memory(const ps_prev_scan *p);

/* A field's value as text into a (NULL when absent): lists joined with
 * ", ", tls as "CN=...; SAN=...; issuer=...; not_after=...". */
const char *ps_change_value(int bit, const ps_probe_result *r, ps_arena *a);
/* For the set fields: elements of cur not in old into *added, of old not
 * in cur into *removed, joined with ", " (NULL: none). */
int ps_change_set_diff(int bit, const ps_probe_result *old, const ps_probe_result *cur, ps_arena *a,
                       const char **added, const char **removed);

#endif
