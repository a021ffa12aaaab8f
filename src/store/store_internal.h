/* The store handle and helpers shared by the store's modules. */
#ifndef PS_STORE_INTERNAL_H
#define PS_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "probestore/store.h"

struct ps_store_io;

struct ps_backend;

struct ps_store {
	char *base;                           /* a directory, or "s3://bucket/prefix" */
	struct ps_backend *backend;           /* where the files live (storage/backend.h) */
	ps_config cfg;
	ps_logger logger;
	bool has_logger;
	ps_urlmutex_mgr *urlmutex;            /* file history writers of one URL take turns */
	const struct ps_store_io *io;         /* writes' system calls; NULL: the calls themselves (store_io.h) */
	mode_t file_mode;                     /* new files' mode: 0666 under the umask at open */
	parq_schema *probe_schema[2];         /* scan files' schemas, versions 1 and 2, shared by writers */
	/* the URL mutex cleanup thread, with history.cleanup_interval */
	bool has_cleaner, cleaner_stop;
	pthread_t cleaner;
	pthread_mutex_t cleaner_lock;
	pthread_cond_t cleaner_cond;
	uint64_t cleaner_runs;                /* cleanups done (atomic) */
	/* the writer id of temporary scan files (stale_tmp.c) */
	pthread_mutex_t writer_mu;
	int writer_fd;                        /* flock on .writers/<id>.lock; -1 */
	bool writer_failed;
	char writer_id[24];
};

/* Sets the reader options cfg's storage_config.parquet_reader decides
 * (use_mmap, verify_crc, buffer_size, read_all) in ro, which holds
 * libparq's defaults or the caller's other choices. */
void ps_store_reader_options(const ps_config *cfg, parq_reader_options *ro);

/* <base>/probe_results/<host>_<port> of a root target into buf. */
int ps_store_target_dir(const ps_store *st, const char *root_target, char *buf, size_t cap);
const ps_logger *ps_store_logger(const ps_store *st);
/* Milliseconds since the epoch, UTC. */
int64_t ps_now_ms(void);
/* The scan time from a file name "scan_YYYYMMDD_HHMMSS[_N].parquet", or -1. */
int64_t ps_scan_name_time(const char *name);

/* Scan writers in steps for ingest, which writes many scans at once
 * (scan_writer.c). */
/* Sets the scan time of w, opened with another (ingest learns a target's
 * earliest record time after its first rows are written): the file is
 * rewritten with it at the commit. */
void ps_scan_writer_set_time(ps_scan_writer *w, int64_t ms);
/* Tells w that every record's input URL was checked as ps_url_check
 * checks it (ingest's ps_rec_validate) and that every string is valid
 * UTF-8 (ingest checks or repairs each line before it is parsed, and the
 * JSON parser refuses escapes that are not UTF-16): neither is checked a
 * second time; and that a record's headers_json, when set, is its
 * headers' text as ps_headers_to_json makes it (ingest makes it as it
 * parses, on the parsing threads): it is written as it is. */
void ps_scan_writer_checked(ps_scan_writer *w);
/* Finishes w's file (footer, no sync), ready for ps_scan_writers_commit. */
int ps_scan_writer_prepare(ps_scan_writer *w);
/* Prepares w[0..n) and commits them in one batch (ps_tmpfile_commit_batch):
 * res[i] (may be NULL) filled for each placed, whose path is then not
 * empty (res zeroed by the caller tells the others); *n_committed counts
 * those placed: all on success, the first ones in a local directory, any
 * on object storage, where the scans of different targets are placed on
 * several threads. Frees every writer, also on error. With
 * pend (NULL: the batch is durable on return), the sync after the renames
 * waits in pend (ps_tmpfile_commit_batch_with); object storage ignores it. */
struct ps_sync_pending;
int ps_scan_writers_commit(ps_scan_writer **w, size_t n, ps_scan_result *res, size_t *n_committed,
                           struct ps_sync_pending *pend);
/* Bytes w holds of its current row group (estimated), and ending it now. */
int64_t ps_scan_writer_buffered(const ps_scan_writer *w);
int ps_scan_writer_flush(ps_scan_writer *w);
/* Bytes the writer holds allocated (its Parquet writer's buffers and what
 * it keeps of the previous scan), and the same flushed and given back. A
 * batch's column vectors are the thread's, not the writer's. */
int64_t ps_scan_writer_memory(const ps_scan_writer *w);
int ps_scan_writer_trim(ps_scan_writer *w);
/* Moves the complete pages of the current row group to a spill file
 * beside the scan's temporary file (parq_writer_spill): memory given back
 * without ending the row group. ps_scan_writer_spillable: what it moves. */
int ps_scan_writer_spill(ps_scan_writer *w);
int64_t ps_scan_writer_spillable(const ps_scan_writer *w);
/* The part of ps_scan_writer_memory a trim cannot give back: the previous
 * scan's URLs and compared values. (This scan's set of URLs is not
 * counted: it grows with the scan whatever the budget.) */
int64_t ps_scan_writer_memory_kept(const ps_scan_writer *w);

#endif
