/* The probestore command line: shared declarations. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probestore/probestore.h"

/* Exit statuses. */
/* EXIT_PARTIAL: the command answered from the files that read, and named
 * on standard error those that did not. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

typedef struct cli_global {
	const char *data_dir;   /* --data; NULL: $PROBESTORE_DATA, the config's, ./data */
	const char *config;     /* --config */
	const char *log_level;  /* --log-level; NULL: the config's, else warn */
	const char *log_format; /* --log-format; NULL: the config's */
} cli_global;

typedef struct cli_command {
	const char *name;
	const char *summary;
	const char *usage;      /* full --help text */
	int (*run)(const cli_global *g, int argc, char **argv);
} cli_command;

/* Prints "probestore: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Allocation that cannot fail: out of memory prints "probestore: out of
 * memory" and exits with EXIT_RUNTIME. A zero size allocates one byte. */
void *cli_xrealloc(void *p, size_t n);
void *cli_xcalloc(size_t n, size_t size);
char *cli_xstrdup(const char *s);
/* Prints a usage error with a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True if argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);
/* Writes all of buf to stdout; false on a write error (reported). */
bool cli_write(const void *buf, size_t n);

/* ---- the store behind the global options (setup.c) ---- */

/* A store opened under the global options: configuration from defaults,
 * --config, PROBESTORE_* variables, then the flags; the logger from the
 * configuration. With must_exist, a data directory that does not exist is
 * an error instead of being created. Prints the error and returns
 * EXIT_RUNTIME on failure; close with cli_store_close(). */
int cli_store_open(const cli_global *g, bool must_exist, ps_store **out);
/* An on_bad_file callback of the store's reads: counts the file in *(int *)ud
 * and names it on stderr as skipped. */
void cli_file_skipped(void *ud, const char *path, int code, const char *message);
void cli_store_close(ps_store *st);
/* fn(ud, target, i) for every target of the store in name order, until
 * one returns non-zero (returned); -1 when the listing fails (printed).
 * *n (may be NULL) gets the number of targets. */
int cli_each_target(ps_store *st, int (*fn)(void *ud, const ps_target_info *t, size_t i), void *ud, size_t *n);
/* A Parquet file named on the command line: a local path, or an object
 * "s3://bucket/key" read through a store on that bucket (*st, to close
 * after the reader; NULL for a local file). Prints the error itself;
 * returns EXIT_OK or EXIT_RUNTIME. */
int cli_parquet_open(const cli_global *g, const char *path, parq_reader **r, ps_store **st);

/* ---- arguments (args.c) ---- */

/* Matches argv[*i] against the option name given as "--name VALUE" or
 * "--name=VALUE". Returns 1 and sets *value (advancing *i past the value)
 * on a match, 0 when argv[*i] is another argument, and -1 after reporting
 * a missing value as a usage error of cmd. */
int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value);
/* An option of a command: "--name VALUE" or "--name=VALUE" into *value;
 * with value NULL, a flag that sets *flag. */
typedef struct cli_optdef {
	const char *name;
	const char **value;
	bool *flag;
} cli_optdef;
/* Parses argv[first..argc) against defs[0..n): options in any order and
 * at most one operand, into *operand (NULL: the command takes none). cmd
 * names the command in messages and sub, when not NULL, its subcommand
 * ("unknown option '--x' for add"); a second operand is reported as
 * `extra` when given, else as an unexpected argument. 0, or EXIT_USAGE
 * after reporting the usage error. */
int cli_args_parse(const char *cmd, const char *sub, int argc, char **argv, int first, const cli_optdef *defs,
                   size_t n, const char **operand, const char *extra);
/* A non-negative integer option value; usage error (-1) otherwise. */
int cli_parse_count(const char *cmd, const char *opt, const char *s, int64_t *out);
/* A size such as 16MiB, 512K or 1048576 (units are powers of 1024). */
int cli_parse_size(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Parses a time as cli_parse_time() does, without reporting errors:
 * 0 or -1. */
int time_parse(const char *s, int64_t *lo, int64_t *hi);
/* A time given on the command line, as the window of instants it names:
 * "2025-03-01" is that whole day (UTC), "2025-03-01T09:00:00Z" that second,
 * "...00.250Z" that millisecond. Accepted forms: RFC 3339 with 'T' or a
 * space, optional seconds, fraction and offset (Z, +hh:mm, -hhmm; none
 * means UTC); a date alone; a scan file's YYYYMMDD_HHMMSS; Unix
 * milliseconds (digits only). Returns 0, or -1 after a usage error of cmd
 * naming opt. */
int cli_parse_time(const char *cmd, const char *opt, const char *s, int64_t *lo, int64_t *hi);
/* "2025-03-01T09:00:00.000Z" (buf of 32 bytes). */
const char *cli_time_iso(int64_t ms, char *buf);
/* "2025-03-01 09:00:00" for tables, with ".250" when the milliseconds
 * are not zero (buf of 32 bytes). */
const char *cli_time_short(int64_t ms, char *buf);

/* Output formats of commands that list things. */
typedef enum { OUT_TABLE, OUT_JSONL, OUT_CSV } cli_out_format;
/* Parses --format's value; NULL picks a table on a terminal, JSON Lines
 * otherwise. -1 after a usage error. */
int cli_parse_out_format(const char *cmd, const char *s, cli_out_format *out);

/* The root target argument checked as the store reads it (a URL or a bare
 * host); usage error (-1) otherwise. */
int cli_check_target(const char *cmd, const char *opt, const char *target);
/* Reports that target has no scans in st, naming its host:port and, when
 * the same host has scans under other ports, where they are. */
void cli_no_scans(ps_store *st, const char *target);

extern const cli_command cmd_ingest;
extern const cli_command cmd_query;
extern const cli_command cmd_scans;
extern const cli_command cmd_diff;
extern const cli_command cmd_timeline;
extern const cli_command cmd_count;
extern const cli_command cmd_inspect;
extern const cli_command cmd_cat;
extern const cli_command cmd_verify;
extern const cli_command cmd_history;
extern const cli_command cmd_report;

#endif
