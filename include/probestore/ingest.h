/* Ingest: JSON Lines (httpx -json output, or probestore's own records as
 * `query --format jsonl` prints them) into one scan per root target.
 *
 *   ps_ingest *in;
 *   ps_ingest_options o;
 *   ps_ingest_options_default(&o);
 *   ps_ingest_open(&in, store, &o);
 *   ps_ingest_read_fd(in, fd, "scan.jsonl");   (or ps_ingest_push ... )
 *   ps_ingest_finish(in, &summary);            (commits every scan)
 *   ps_ingest_summary_free(&summary);
 *   ps_ingest_close(in);
 *
 * The input streams: records are parsed on several threads, grouped by
 * root target and handed to each target's scan writer, which encodes them
 * on the same threads and flushes row groups to its temporary file under
 * one memory budget for all targets.
 * Nothing is visible in the store before ps_ingest_finish; a bad line
 * (with on_error fail), a failure or a cancellation leaves nothing behind.
 *
 * An ingest handle is used by one thread at a time (it runs threads of its
 * own inside). */
#ifndef PROBESTORE_INGEST_H
#define PROBESTORE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#include "probestore/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	PS_INGEST_AUTO = 0,  /* detected from the first record: probestore's carry original_url */
	PS_INGEST_HTTPX = 1,
	PS_INGEST_JSONL = 2  /* probestore's own records */
} ps_ingest_format;

/* How httpx records are grouped into root targets (probestore's records
 * keep their root_target_url, and an explicit target overrides both). */
typedef enum {
	/* the host's registrable domain (Public Suffix List) as a bare host,
	 * i.e. "<domain>:443", whatever the records' schemes and ports; IP
	 * addresses, single-label hosts and hosts without a registrable
	 * domain are grouped by host */
	PS_GROUP_DOMAIN = 0,
	/* httpx's input as scheme://host[:port], one target per host and port */
	PS_GROUP_HOST = 1
} ps_ingest_group;

typedef struct ps_ingest_progress {
	int64_t records;   /* records taken so far */
	int64_t lines;     /* lines read */
	int64_t skipped;   /* bad lines skipped */
	uint64_t bytes;    /* bytes of input */
} ps_ingest_progress;

typedef struct ps_ingest_options {
	ps_ingest_format format;
	ps_ingest_group group_by;
	const char *target;        /* one root target for every record (NULL: derived); copied */
	const char *session_id;    /* NULL: one generated for all the scans; copied */
	bool has_scan_time;        /* scan_time_ms names every scan's time */
	int64_t scan_time_ms;      /* else: the target's earliest httpx timestamp,
	                            * the records' scan_timestamp, else now */
	int codec;                 /* PS_CODEC_CONFIG (default), PS_CODEC_AUTO or a PARQ_CODEC_* */
	int compression_level;     /* with an explicit codec; 0: the codec's default */
	bool skip_bad_lines;       /* false (default): a bad line fails the ingest */
	size_t max_line_size;      /* longest line accepted; 0: the config's max_line_size */
	size_t memory_budget;      /* bytes for records, row groups and previous
	                            * scans' compared values held, all targets
	                            * together; 0: 192 MiB */
	int threads;               /* threads that parse and encode; 0: one per
	                            * online CPU (the small scans are written on
	                            * at least 8, since they mostly wait on the
	                            * file system) */
	size_t commit_batch;       /* scans placed per sync of the file system
	                            * when there are many (one per host): each
	                            * batch is written while the one before is
	                            * placed; 0: 1,024 */
	const ps_cancel *cancel;   /* NULL: not cancellable */
	/* With skip_bad_lines, called for each bad line in input order (input
	 * name, line number from 1, reason naming the field), on the thread
	 * that pushes. */
	void (*on_bad_line)(void *ud, const char *input, int64_t line, const char *why);
	/* Called on the thread that pushes, after each block of input is
	 * taken (about a megabyte of lines; the last block of an input may be
	 * shorter). */
	void (*on_progress)(void *ud, const ps_ingest_progress *p);
	void *ud;
} ps_ingest_options;

PS_API void ps_ingest_options_default(ps_ingest_options *o);

typedef struct ps_ingest ps_ingest;

/* A new ingest into st (which must outlive it). Free with ps_ingest_close. */
PS_API int ps_ingest_open(ps_ingest **out, ps_store *st, const ps_ingest_options *o);

/* Starts an input called name (in error messages: "name:line: ..."); line
 * numbers start again at 1. */
PS_API int ps_ingest_begin(ps_ingest *in, const char *name);
/* Feeds buf[0..n) of the current input; lines may be cut anywhere. */
PS_API int ps_ingest_push(ps_ingest *in, const void *buf, size_t n);
/* Ends the current input (a last line without a newline counts). */
PS_API int ps_ingest_end(ps_ingest *in);
/* begin, push everything read(2) gives until end of file, end. fd is not
 * closed. A read error is PS_EIO naming the input. */
PS_API int ps_ingest_read_fd(ps_ingest *in, int fd, const char *name);

/* Errors of begin, push, end and read_fd: a bad line without
 * skip_bad_lines is PS_EINVAL, "name:line: reason; nothing was written";
 * PS_ECANCELED, PS_ENOMEM, or a writer's error. After an error the ingest
 * can only be closed, and nothing is written. */

typedef struct ps_ingest_scan {
	char *target;              /* the root target as grouped ("example.com") */
	char host_port[264];       /* its "host:port" */
	char *path;                /* the scan file */
	int64_t scan_time_ms;
	int64_t records, bytes;
	int64_t n_new, n_existing; /* URLs against the target's previous scan */
	int64_t n_old;             /* URLs of the previous scan that are gone */
	/* the same scan (target, scan time and records) was stored before: path
	 * is that file and nothing was written, so that an ingest run again
	 * (after a failure, a kill) completes what is missing and adds nothing
	 * twice */
	bool already_stored;
} ps_ingest_scan;

typedef struct ps_ingest_summary {
	ps_ingest_scan *scans;     /* the scans written, by target (first
	                            * appearance in the input), then time */
	size_t n_scans;
	size_t n_planned;          /* scans the input made (n_scans unless an error) */
	int64_t records, lines, skipped;
	uint64_t bytes;
	/* what the memory budget did: bytes of complete pages moved to spill
	 * files beside the scans (their row groups went on), and row groups
	 * written before they were full */
	uint64_t spilled_bytes;
	int64_t early_row_groups;
} ps_ingest_summary;

/* Writes every scan: each file is completed, then one sync of the file
 * system, the renames into place (never replacing a file) and another
 * sync. An input without records writes nothing, unless a target was
 * named: then an empty scan of it. *sum (free with ps_ingest_summary_free)
 * is filled also on error, with the scans that were written. */
PS_API int ps_ingest_finish(ps_ingest *in, ps_ingest_summary *sum);
PS_API void ps_ingest_summary_free(ps_ingest_summary *sum);
/* Frees in; what was not finished is dropped (temporary files removed). */
PS_API void ps_ingest_close(ps_ingest *in);

/* Parses a time as ingest and the command line read them, into the window
 * [*lo, *hi] of UTC milliseconds it names: RFC 3339 with 'T' or a space,
 * optional seconds, fraction and offset (none means UTC); a date alone (the
 * whole day); a scan file's YYYYMMDD_HHMMSS; Unix milliseconds (digits).
 * 0 or -1. */
PS_API int ps_time_parse(const char *s, int64_t *lo, int64_t *hi);

#ifdef __cplusplus
}
#endif

#endif
