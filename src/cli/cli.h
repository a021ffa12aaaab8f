/* The probestore command line: shared declarations. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct cli_global {
	const char *data_dir;
	const char *config;
	const char *log_level;
	const char *log_format;
} cli_global;

typedef struct cli_command {
	const char *name;
	const char *summary;
	const char *usage;      /* full --help text */
	int (*run)(const cli_global *g, int argc, char **argv);
} cli_command;

/* Prints "probestore: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error with a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True if argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);
/* Writes all of buf to stdout; false on a write error (reported). */
bool cli_write(const void *buf, size_t n);

extern const cli_command cmd_inspect;
extern const cli_command cmd_cat;

#endif
