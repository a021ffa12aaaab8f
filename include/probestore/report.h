/* The report: what the store knows, gathered per target (scans over time,
 * the latest diff, distributions of the latest scan, failed probes) and per
 * monitored URL (versions and the latest content diff), and written as one
 * self-contained HTML page.
 *
 * Every string in a report comes from the sites that were scanned and is
 * treated as hostile: the HTML writer escapes it for its context, shows
 * invalid UTF-8 as U+FFFD, control characters as visible symbols, isolates
 * bidirectional text and links only http and https URLs. The page makes no
 * request of any kind (a Content-Security-Policy forbids every source
 * outside it) and reads the same with scripts disabled. */
#ifndef PROBESTORE_REPORT_H
#define PROBESTORE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/base.h"

#include "probestore/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_report_options {
	const char *const *targets;  /* root targets (URL or bare host); NULL or none: every target */
	size_t n_targets;
	int64_t since_ms, until_ms;  /* scans and file versions in [since, until]
	                              * (PS_TIME_UNSET, the default: open) */
	size_t max_rows;             /* rows kept per table (new, old, failed); 0: none */
	size_t max_bars;             /* bars kept per distribution */
	size_t max_files;            /* monitored URLs kept */
	size_t max_versions;         /* versions kept per monitored URL */
	size_t max_diff_lines;       /* lines of a content diff kept */
	const ps_cancel *cancel;     /* NULL: not cancellable */
} ps_report_options;

/* max_rows 200, max_bars 12, max_files 200, max_versions 20,
 * max_diff_lines 400, everything else zero. */
PS_API void ps_report_options_default(ps_report_options *o);

/* One scan of a target. */
typedef struct ps_report_scan {
	int64_t time_ms;
	int64_t records;
	int64_t n_new;               /* URLs not in the scan before it (the first scan: all) */
	int64_t n_old;               /* URLs of the scan before it missing from this one */
	int64_t n_changed;           /* URLs of both scans whose compared fields differ (ps_url_diff.changed); -1: unknown */
} ps_report_scan;

/* One probe result in a table; strings are never NULL ("" when absent). */
typedef struct ps_report_row {
	const char *url;
	int32_t status_code;
	const char *title;
	const char *web_server;
	const char *content_type;
	const char *const *technologies;
	size_t n_technologies;
	const char *error;
} ps_report_row;

/* A table: the first rows kept, and how many there were. */
typedef struct ps_report_rows {
	ps_report_row *rows;
	size_t n;
	int64_t total;
} ps_report_rows;

typedef struct ps_report_count {
	const char *name;
	int64_t count;
} ps_report_count;

/* A distribution: the largest counts first (ties by name), the rest summed. */
typedef struct ps_report_dist {
	ps_report_count *items;
	size_t n;
	int64_t n_distinct;          /* values in all */
	int64_t rest;                /* count of the values past the kept ones */
} ps_report_dist;

typedef struct ps_report_target {
	char host_port[264];         /* "example.com:443" */
	char target[280];            /* what `probestore query --target` takes: "https://example.com" */
	ps_report_scan *scans;       /* oldest first, within [since, until] */
	size_t n_scans;
	int64_t latest_ms, previous_ms; /* the last scan and the one before (0: none) */
	ps_report_rows new_urls;     /* in the latest scan, not in the one before */
	ps_report_rows old_urls;     /* in the scan before, not in the latest */
	ps_report_rows failed;       /* the latest scan's results with a probe error */
	ps_report_dist status_classes; /* "1xx" to "5xx", then "none" (no response), in that order */
	ps_report_dist technologies;
	ps_report_dist web_servers;
	ps_report_dist content_types; /* media type only: "text/html" */
	/* the URLs of both the latest scan and the one before whose compared
	 * fields differ, with the old and new values (the first max_rows) */
	const ps_url_change *changed;
	size_t n_changed;
	int64_t changed_total;
} ps_report_target;

/* One stored version of a monitored file. */
typedef struct ps_report_version {
	int64_t time_ms;
	const char *hash;
	int64_t size;                /* content bytes */
	int64_t lines_added, lines_deleted; /* -1: the version carries no diff */
} ps_report_version;

/* One line of a unified diff. An op of '~' stands for n_skipped unchanged
 * lines left out (text ""). text may hold any bytes (text_len of them). */
typedef struct ps_report_diff_line {
	char op;                     /* ' ', '+', '-' or '~' */
	int64_t old_no, new_no;      /* 1-based line numbers; 0 where the side has none */
	const char *text;
	size_t text_len;
	int64_t n_skipped;
} ps_report_diff_line;

typedef struct ps_report_file {
	const char *url;
	char host_port[264];
	ps_report_version *versions; /* newest first */
	size_t n_versions;
	int64_t total_versions;      /* records of the URL in its files */
	bool has_diff;               /* a version carries a diff */
	int64_t diff_time_ms;        /* that newest version's time */
	const char *old_hash, *new_hash;
	int64_t lines_added, lines_deleted;
	const char *diff_note;       /* why the diff has no text ("" when it has) */
	ps_report_diff_line *lines;
	size_t n_lines;
	bool lines_capped;           /* more lines than max_diff_lines */
} ps_report_file;

typedef struct ps_report {
	const char *base_path;
	int64_t since_ms, until_ms;  /* as asked (PS_TIME_UNSET: not asked) */
	int64_t first_ms, last_ms;   /* the scans' and versions' times found (0: none) */
	int64_t total_scans;
	int64_t total_records;       /* the records of the targets' latest scans */
	ps_report_target *targets;   /* newest latest scan first */
	size_t n_targets;
	ps_report_file *files;       /* newest change first */
	size_t n_files;
	int64_t total_files;         /* monitored URLs found */
	const char *version;         /* probestore's */
	void *priv;
} ps_report;

/* Gathers the report's data from st with the store's readers: scans are
 * listed from their file names and counted from footers, the URL diffs of
 * consecutive scans read the URL column only, and the latest scan and the
 * one before are streamed once each. A target asked for that has no scan
 * is PS_ENOTFOUND naming it. Free *out with ps_report_free (also after an
 * error). */
PS_API int ps_report_gather(ps_store *st, const ps_report_options *o, ps_report *out);
PS_API void ps_report_free(ps_report *r);

/* Writes r as one self-contained HTML page to fd (which the caller keeps
 * open and owns). PS_EIO naming the error when a write fails. */
PS_API int ps_report_render_html(const ps_report *r, int fd);

/* ps_report_gather then ps_report_render_html: the page of st to fd. */
PS_API int ps_report_write_html(ps_store *st, const ps_report_options *o, int fd);

#ifdef __cplusplus
}
#endif

#endif
