/* probestore report: the store as one self-contained HTML page. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"usage: probestore report [--target URL ...] [--since TIME] [--until TIME]\n"
	"                         [--max-rows N] [-o FILE]\n\n"
	"Writes one HTML page of what the store knows: for each target, newest first,\n"
	"its scans over time (records, new and old URLs per scan), the latest diff's new\n"
	"and old URLs, the latest scan's status classes, technologies, web servers and\n"
	"content types, and its failed probes; then the monitored files with their\n"
	"versions and latest diff. The page opens offline and makes no request; scripts\n"
	"only add sorting and filtering.\n\n"
	"Options:\n"
	"  --target URL  a root target (repeatable; default: every target); its monitored\n"
	"                files are those of its host and subdomains\n"
	"  --since TIME  scans and file versions at or after TIME\n"
	"  --until TIME  scans and file versions at or before TIME\n"
	"  --max-rows N  rows shown per table (default 200); the page counts the rest and\n"
	"                names the probestore query command that lists them\n"
	"  -o FILE       the page's file, written whole or not at all (default: stdout)\n\n"
	"TIME is a date (2025-03-01, the whole day), an RFC 3339 time\n"
	"(2025-03-01T09:00:00Z), a scan file's 20250301_090000, or Unix milliseconds.\n";

/* Writes to a temporary file beside path, renamed over it once complete. */
static int write_file(ps_store *st, const ps_report_options *o, const char *path)
{
	size_t n = strlen(path) + 32;
	char *tmp = cli_xcalloc(n, 1);
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return EXIT_RUNTIME;
	}
	int rc = ps_report_write_html(st, o, fd);
	if (rc)
		cli_error("%s", ps_errmsg());
	else if (fsync(fd) != 0) {
		cli_error("cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (close(fd) != 0 && !rc) {
		cli_error("cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (!rc && rename(tmp, path) != 0) {
		cli_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc ? EXIT_RUNTIME : EXIT_OK;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *output = NULL, *max_rows = NULL;
	const char **targets = cli_xcalloc((size_t)argc, sizeof *targets);
	size_t nt = 0;
	int rc = EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *t = NULL;
		int m;
		if ((m = cli_opt("report", argc, argv, &i, "--target", &t)) ||
		    (m = cli_opt("report", argc, argv, &i, "--since", &since)) ||
		    (m = cli_opt("report", argc, argv, &i, "--until", &until)) ||
		    (m = cli_opt("report", argc, argv, &i, "--max-rows", &max_rows)) ||
		    (m = cli_opt("report", argc, argv, &i, "-o", &output))) {
			if (m < 0)
				goto out;
			if (t)
				targets[nt++] = t;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			rc = cli_usage_error("report", "unknown option '%s'", argv[i]);
			goto out;
		} else {
			rc = cli_usage_error("report", "unexpected argument '%s'", argv[i]);
			goto out;
		}
	}
	ps_report_options o;
	ps_report_options_default(&o);
	int64_t lo, hi, rows;
	for (size_t k = 0; k < nt; k++)
		if (cli_check_target("report", "--target", targets[k]))
			goto out;
	if (since) {
		if (cli_parse_time("report", "--since", since, &lo, &hi))
			goto out;
		o.since_ms = lo;
	}
	if (until) {
		if (cli_parse_time("report", "--until", until, &lo, &hi))
			goto out;
		o.until_ms = hi;
	}
	if (since && until && o.since_ms > o.until_ms) {
		rc = cli_usage_error("report", "--since %s is after --until %s", since, until);
		goto out;
	}
	if (max_rows) {
		if (cli_parse_count("report", "--max-rows", max_rows, &rows))
			goto out;
		o.max_rows = (size_t)rows;
	}
	if (output && !*output) {
		rc = cli_usage_error("report", "-o needs a file name, not an empty string");
		goto out;
	}
	o.targets = targets;
	o.n_targets = nt;
	ps_store *st;
	if ((rc = cli_store_open(gl, true, &st)))
		goto out;
	if (output && strcmp(output, "-") != 0) {
		rc = write_file(st, &o, output);
	} else {
		fflush(stdout);
		rc = ps_report_write_html(st, &o, STDOUT_FILENO);
		if (rc)
			cli_error("%s", ps_errmsg());
		rc = rc ? EXIT_RUNTIME : EXIT_OK;
	}
	cli_store_close(st);
out:
	free(targets);
	return rc;
}

const cli_command cmd_report = {"report", "write one self-contained HTML page of the store", usage, run};
