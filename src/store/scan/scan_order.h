/* The order of a target's scans and the marks that follow it: the target's
 * lock file, the sequence number that orders scans of one time, the scan
 * that precedes a given one, and re-marking a scan file against it. */
#ifndef PS_SCAN_ORDER_H
#define PS_SCAN_ORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "storage/atomic_file.h"
#include "parq/parq.h"
#include "probestore/store.h"

/* Key-value metadata of the scan order. */
#define PS_KV_SCAN_SEQ "probestore.scan_seq"

/* An exclusive flock on <dir>/.lock, the target's lock: held from choosing
 * the scan a new one follows to its rename, and while later scans are
 * re-marked. The file also keeps the target's last sequence number and
 * the last name placed (text: "seq N\nlast STEM K\n"). */
typedef struct ps_target_lock {
	int fd;
	char path[4096];
	int64_t seq;               /* the last sequence number given */
	char last_stem[64];        /* the last name placed: stem and suffix */
	int last_k;
} ps_target_lock;

/* Takes the lock (waits for it), creating the file when needed. */
int ps_target_lock_take(ps_target_lock *l, const struct ps_store_io *io, const char *dir);
/* The next sequence number, written to the lock file before it is returned. */
int ps_target_lock_next_seq(ps_target_lock *l, int64_t *seq);
/* Records name (stem, suffix k) as the last placed. */
int ps_target_lock_placed(ps_target_lock *l, const char *stem, int k);
/* The suffix to try first for stem: past the last name placed when that
 * name had the same stem, so that a name removed is not given again. */
int ps_target_lock_first_k(const ps_target_lock *l, const char *stem);
void ps_target_lock_release(ps_target_lock *l);
/* Removes the lock file while holding it (before removing the directory
 * of a target never written): lockers check that the file they locked is
 * still the one named. */
int ps_target_lock_remove(ps_target_lock *l);

/* Orders scans: time, then sequence number, then name (shorter first). */
int ps_scan_info_cmp(const ps_scan_info *x, const ps_scan_info *y);

/* Where a new scan of time ms and sequence seq falls among the scans
 * all[0..n) of a directory (ps_scan_list_dir):
 * *prev the newest readable scan before it (*has_prev false when none),
 * *later the readable scans after it, oldest first (free with free()).
 * A scan that does not read is passed over, with a warning naming it
 * when it is after the new one (the writer names those before it when it
 * opens). */
int ps_scan_neighbors(ps_store *st, const ps_scan_info *all, size_t n, int64_t ms, int64_t seq, ps_scan_info *prev,
                      bool *has_prev, ps_scan_info **later, size_t *n_later);

typedef struct ps_remark_result {
	int64_t n_new, n_existing, n_old; /* distinct URLs */
	bool changed;                     /* a mark or a first-seen time differs from src's */
} ps_remark_result;

/* Writes a copy of the scan file src into *out (a temporary file created in
 * src's directory; fsynced and closed, not placed) with its marks and
 * first-seen times computed against prev_path (NULL: no previous scan,
 * every URL new) and, when scan_ms is not INT64_MIN, its scan time set to
 * scan_ms (rows and key-value metadata); everything else is copied, key-value
 * metadata included. On error nothing is left. */
int ps_scan_remark(ps_store *st, const char *src, const char *prev_path, int64_t scan_ms, ps_tmpfile *out,
                   ps_remark_result *res);

/* Loads prev_path's URLs with their first-seen times (scan time when
 * absent) into m. */
struct ps_strmap;
int ps_scan_load_first_seen(const ps_store *st, const char *prev_path, struct ps_strmap *m);

/* Columns of a scan file with options of their own, at most. */
#define PS_SCAN_COL_OPTS 8
/* The zstd level of a scan whose compression_level is 0 (unset). */
#define PS_SCAN_ZSTD_LEVEL 1
/* Uncompressed bytes after which a page of headers_json ends (the other
 * columns' pages end at 64 KiB or 4,096 rows). */
#define PS_SCAN_HEADERS_PAGE_BYTES ((size_t)256 << 10)
/* ... compressed (at PS_SCAN_ZSTD_LEVEL) with a match table of 2^12
 * entries and matches of 7 bytes or more, where level 1 takes 2^14 and
 * 6 for a page of 256 KiB: the table stays in the core's cache */
#define PS_SCAN_HEADERS_HASH_LOG 12
#define PS_SCAN_HEADERS_MIN_MATCH 7
/* The libparq options of a scan file of schema version (PS_SCHEMA_V1 or
 * V2): codec, level (0: PS_SCAN_ZSTD_LEVEL for zstd), row groups, page
 * CRCs, bloom filters on the columns looked up by value, no dictionary on
 * the columns whose values are distinct, larger pages for headers_json
 * (co: room for PS_SCAN_COL_OPTS), the store's I/O. */
void ps_scan_parq_options(ps_store *st, int version, int codec, int level, int64_t rows_per_row_group,
                          parq_writer_options *po, parq_column_options *co, parq_io *pio);

/* What tells one version of a file from another: device, inode (which a
 * file replaced may give back), size and modification time; an object's
 * size and ETag. */
typedef struct ps_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	char etag[80];
} ps_file_id;

/* The id of path in st, for telling whether the scan before a new one is
 * still the one its marks were computed against. */
int ps_file_id_get(const ps_store *st, const char *path, ps_file_id *id);
bool ps_file_id_equal(const ps_file_id *a, const ps_file_id *b);

#endif
