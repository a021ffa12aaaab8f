/* probestore: entry point, global options and command dispatch. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "parq/parq.h"

static const cli_command *commands[] = {&cmd_ingest, &cmd_query,   &cmd_scans, &cmd_diff,
                                        &cmd_count,  &cmd_inspect, &cmd_cat,   &cmd_verify, &cmd_history,
                                        &cmd_report, &cmd_timeline};

void cli_error(const char *fmt, ...)
{
	va_list ap;
	flockfile(stderr); /* one line, also when threads report at once */
	fputs("probestore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

static void *need(void *p)
{
	if (!p) {
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
	return p;
}

void *cli_xrealloc(void *p, size_t n)
{
	return need(realloc(p, n ? n : 1));
}

void *cli_xcalloc(size_t n, size_t size)
{
	return need(calloc(n ? n : 1, size ? size : 1));
}

char *cli_xstrdup(const char *s)
{
	return need(strdup(s));
}

/* The global option a names ("--data" for "--data" or "--data=DIR"), or
 * NULL. */
static const char *global_option(const char *a)
{
	static const char *const names[] = {"--data", "--config", "--log-level", "--log-format"};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		size_t n = strlen(names[k]);
		if (strncmp(a, names[k], n) == 0 && (a[n] == 0 || a[n] == '='))
			return names[k];
	}
	return NULL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "probestore%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'probestore %s%s--help')\n", cmd ? cmd : "", cmd ? " " : "");
	/* a global option after the command: say where it goes */
	if (cmd && (strncmp(fmt, "unknown option '%s'", 19) == 0 || strncmp(fmt, "unexpected argument '%s'", 24) == 0)) {
		va_start(ap, fmt);
		const char *opt = global_option(va_arg(ap, const char *));
		va_end(ap);
		if (opt)
			fprintf(stderr, "probestore: %s is a global option: give it before the command, as in "
			                "'probestore %s ... %s ...'\n", opt, opt, cmd);
	}
	return EXIT_USAGE;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

bool cli_write(const void *buf, size_t n)
{
	if (n && fwrite(buf, 1, n, stdout) != n) {
		if (errno != EPIPE)
			cli_error("cannot write output: %s", strerror(errno));
		return false;
	}
	return true;
}

static void usage(FILE *out)
{
	fputs("usage: probestore [--data DIR] [--config FILE] [--log-level LEVEL] [--log-format json|console]\n"
	      "                  COMMAND [ARGS]\n\n"
	      "Keeps web reconnaissance results (httpx probes, monitored file history) in Parquet files.\n\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help       show help for a command\n\n"
	      "Global options:\n"
	      "  --data DIR         data directory, or s3://bucket/prefix for object storage\n"
	      "                     (default: $PROBESTORE_DATA, the configuration's\n"
	      "                     storage_config.parquet_base_path, or ./data)\n"
	      "  --config FILE      YAML configuration file (see docs/config.md)\n"
	      "  --log-level LEVEL  debug, info, warn, error or off (default: warn)\n"
	      "  --log-format FMT   json or console (default: console)\n"
	      "  --version          print the version and exit\n"
	      "  -h, --help         show this help\n\n"
	      "Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n", out);
}

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int main(int argc, char **argv)
{
	/* Blocks up to 16 MiB (page and batch buffers) come from the heap and
	 * stay there when freed, rather than going back to the kernel and
	 * costing a page fault per 4 KiB when the next page needs them again:
	 * reads run 30% faster on a virtual machine (docs/benchmarks.md). */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	/* Two heaps, not one per thread: ingest's writers move from thread to
	 * thread, and freed blocks stay in the heap of the thread that took
	 * them (1,000,000 lines peak at 230 MB instead of 298 MB). */
	mallopt(M_ARENA_MAX, 2);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	cli_global g = {0};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0) {
			printf("probestore %s (libparq %s)\n", ps_version(), PARQ_VERSION_STRING);
			return EXIT_OK;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		const char **slot = NULL;
		const char *name = NULL;
		if (strncmp(a, "--data", 6) == 0 && (a[6] == 0 || a[6] == '=')) { slot = &g.data_dir; name = "--data"; }
		else if (strncmp(a, "--config", 8) == 0 && (a[8] == 0 || a[8] == '=')) { slot = &g.config; name = "--config"; }
		else if (strncmp(a, "--log-level", 11) == 0 && (a[11] == 0 || a[11] == '=')) { slot = &g.log_level; name = "--log-level"; }
		else if (strncmp(a, "--log-format", 12) == 0 && (a[12] == 0 || a[12] == '=')) { slot = &g.log_format; name = "--log-format"; }
		if (!slot)
			return cli_usage_error(NULL, "unknown option '%s'", a);
		const char *v = option_value(argc, argv, &i, name);
		if (!v)
			return cli_usage_error(NULL, "option %s needs a value", name);
		*slot = v;
	}
	if (g.log_format && strcmp(g.log_format, "json") != 0 && strcmp(g.log_format, "console") != 0)
		return cli_usage_error(NULL, "--log-format must be json or console, not '%s'", g.log_format);
	if (g.log_level && ps_log_level_parse(g.log_level) < 0)
		return cli_usage_error(NULL, "--log-level must be debug, info, warn, error or off, not '%s'", g.log_level);
	if (g.data_dir && !*g.data_dir)
		return cli_usage_error(NULL, "--data needs a directory, not an empty string");
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		if (i + 1 < argc) {
			const cli_command *c = find_command(argv[i + 1]);
			if (!c)
				return cli_usage_error(NULL, "unknown command '%s'", argv[i + 1]);
			fputs(c->usage, stdout);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	const cli_command *c = find_command(name);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", name);
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (cli_wants_help(sub_argc, sub_argv)) {
		fputs(c->usage, stdout);
		return EXIT_OK;
	}
	int rc = c->run(&g, sub_argc, sub_argv);
	if (fflush(stdout) != 0 && errno != EPIPE && rc == EXIT_OK) {
		cli_error("cannot write output: %s", strerror(errno));
		rc = EXIT_RUNTIME;
	}
	return rc;
}
