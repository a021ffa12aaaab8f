/* What the scan reader, the queries and the scan writer share: opening a
 * scan file, listing a target's scans, a scan's URL set. */
#ifndef PS_SCAN_INTERNAL_H
#define PS_SCAN_INTERNAL_H

#include "parq/parq.h"
#include "probestore/store.h"
#include "../strmap.h"
#include "storage/backend.h"

/* Opens a scan file of st with st's reader options (st NULL: a local file,
 * libparq's defaults) and checks that it holds the probe columns. */
int ps_scan_open_reader(const ps_store *st, const char *path, parq_reader **r);
/* The same, taking the footer GET from *tail when it holds one and keeping
 * a copy there when it does not (storage/backend.h). */
int ps_scan_open_reader_tail(const ps_store *st, const char *path, ps_reader_tail *tail, parq_reader **r);

/* The scans in a target directory, oldest first (precise times from the
 * footers). A missing directory gives n == 0. Free *out with free(). */
int ps_scan_list_dir(const ps_store *st, const char *dir, ps_scan_info **out, size_t *n);
/* The same, and *n_tmp (may be NULL) the temporary scan files
 * (".scan_*.tmp.*") dir holds. */
int ps_scan_list_dir_tmp(const ps_store *st, const char *dir, ps_scan_info **out, size_t *n, size_t *n_tmp);

/* The newest scan in a target directory, reading only the footers of the
 * scans of its second when there are several (out->rows and bytes are
 * then filled; for a scan alone in its second they are 0 and its time is
 * the name's): *found false when there is none. */
int ps_scan_latest_in(const ps_store *st, const char *dir, ps_scan_info *out, bool *found);
/* The same for every target, targets in directory name order, from one
 * listing of probe_results/ (object storage: one request per 1,000 keys,
 * where a listing per target directory would take one each). */
int ps_scan_latest_all(const ps_store *st, ps_scan_info **out, size_t *n);
/* The same from the last listing kept (ps_storage_list_tree_kept), with
 * no request: PS_ENOTFOUND when none is. */
int ps_scan_latest_all_kept(const ps_store *st, ps_scan_info **out, size_t *n);

/* An iterator over every row of path reading only the top-level fields
 * of the NULL-terminated list that the file has (the others read as
 * absent); *v2 (optional) tells whether the file has schema version 2's
 * columns. */
int ps_probe_iter_open_fields(ps_probe_iter **out, const ps_store *st, const char *path, const char *const *fields, bool *v2);

/* The original_url values of a scan file into m (value 1). Only that
 * column is read. path NULL adds nothing. */
int ps_scan_load_urls(const ps_store *st, const char *path, ps_strmap *m);

/* *same: whether the scan files stored (of st) and local (a local file)
 * hold the same records: every value of every column both have equal,
 * but the marks (diff_status, first_seen_timestamp, changed_fields)
 * unless marks. */
int ps_scan_same_records(const ps_store *st, const char *stored, const char *local, bool marks, bool *same);

#endif
