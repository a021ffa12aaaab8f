/* The ground of the file history, below its writer, readers, content
 * diff and verification: where a URL's history lives, what a history
 * file's row-group statistics say, and the hash a record carries. It calls
 * none of them. */
#ifndef PS_HISTORY_FILE_H
#define PS_HISTORY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parq/meta.h"
#include "probestore/probestore.h"

/* The history columns, in the order of the schema (history_rows.c). */
enum {
	PS_H_URL, PS_H_TIMESTAMP, PS_H_HASH, PS_H_CONTENT_TYPE, PS_H_CONTENT, PS_H_ETAG,
	PS_H_LAST_MODIFIED, PS_H_DIFF, PS_H_PATHS, PS_H_NCOLS
};

/* Where a URL's history lives. */
typedef struct ps_history_loc {
	char dir[4096];       /* <base>/file_history/<host>_<port> */
	char hash[65];        /* <urlhash> */
	char path[4096];      /* dir/<urlhash>.parquet */
	char archive[4096];   /* dir/archive */
} ps_history_loc;

int ps_history_locate(ps_store *st, const char *url, ps_history_loc *loc);

/* Statistics of row group g of a history file: false when the
 * timestamps' are missing; may the row group hold url (true when the url
 * statistics are missing). */
bool ps_history_rg_ts_range(const parq_file_meta *m, int g, int64_t *min, int64_t *max);
bool ps_history_rg_may_hold_url(const parq_file_meta *m, int g, const char *url, size_t len);

/* " (URL u)" or " (URLs a to b)" from row group g's url statistics into
 * buf, "" without them. */
void ps_history_rg_urls(const parq_file_meta *m, int g, char *buf, size_t cap);

/* Hex SHA-256 of data into out (65 bytes). */
int ps_sha256_hex(const void *data, size_t len, char out[65]);

#endif
