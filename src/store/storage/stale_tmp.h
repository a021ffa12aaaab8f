/* Temporary scan files of writers that are gone (stale_tmp.c). */
#ifndef PS_STALE_TMP_H
#define PS_STALE_TMP_H

#include <stddef.h>

#include "probestore/store.h"

/* st's writer id (16 hex digits), taken on first use with an flock on
 * <base>/.writers/<id>.lock held until ps_store_writer_release; NULL when
 * the lock file cannot be made (temporary files then carry no id). */
const char *ps_store_writer_id(ps_store *st);
/* Removes and unlocks st's writer lock file (ps_store_close). */
void ps_store_writer_release(ps_store *st);
/* The hint for ps_tmpfile_create of a scan file of stem: "<stem>.w<id>". */
void ps_scan_tmp_hint(ps_store *st, const char *stem, char *buf, size_t cap);
/* Removes the stale temporary scan files of one target directory;
 * *n_removed (may be NULL) counts them. */
int ps_scan_tmp_clean(ps_store *st, const char *dir, size_t *n_removed);

#endif
