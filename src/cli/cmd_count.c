/* probestore count: records in a Parquet file or in a target's scans, from
 * the footers alone. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parq/parq.h"

static const char usage[] =
	"usage: probestore count FILE\n"
	"       probestore count --target URL [--scan latest|all|TIME]\n\n"
	"Prints the number of rows of any Parquet file, or of the records in a target's\n"
	"scans, read from the file footers alone.\n\n"
	"Options:\n"
	"  --target URL   a root target\n"
	"  --scan WHICH   latest (default), all (the sum over every scan), or the scans at\n"
	"                 TIME (2025-03-01T09:00:00Z, 20250301_090000, a whole day as\n"
	"                 2025-03-01, or Unix milliseconds)\n";

static int print_count(int64_t n)
{
	char line[32];
	int k = snprintf(line, sizeof line, "%" PRId64 "\n", n);
	return cli_write(line, (size_t)k) ? EXIT_OK : EXIT_RUNTIME;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *path = NULL, *target = NULL, *scan = NULL;
	const cli_optdef defs[] = {{"--target", &target, NULL}, {"--scan", &scan, NULL}};
	if (cli_args_parse("count", NULL, argc, argv, 1, defs, 2, &path, NULL))
		return EXIT_USAGE;
	if (path && target)
		return cli_usage_error("count", "give FILE or --target, not both");
	if (!path && !target)
		return cli_usage_error("count", "missing FILE or --target URL");
	if (path && scan)
		return cli_usage_error("count", "--scan goes with --target");
	if (path) {
		parq_reader *r;
		if (parq_reader_open(&r, path, NULL)) {
			cli_error("%s", parq_errmsg());
			return EXIT_RUNTIME;
		}
		int64_t n = parq_reader_num_rows(r);
		parq_reader_close(r);
		return print_count(n);
	}
	if (cli_check_target("count", "--target", target))
		return EXIT_USAGE;
	int64_t lo = 0, hi = 0;
	bool all = scan && !strcmp(scan, "all"), at = scan && !all && strcmp(scan, "latest");
	if (at && cli_parse_time("count", "--scan", scan, &lo, &hi))
		return EXIT_USAGE;
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	ps_scan_info *scans;
	size_t n;
	rc = EXIT_RUNTIME;
	if (ps_store_list_scans(st, target, &scans, &n)) {
		cli_error("%s: %s", target, ps_errmsg());
		goto out;
	}
	int64_t total = 0;
	size_t matched = 0;
	for (size_t k = 0; k < n; k++) {
		if (at ? scans[k].scan_time_ms < lo || scans[k].scan_time_ms > hi : !all && k + 1 != n)
			continue;
		int64_t rows;
		if (ps_store_scan_count(st, scans[k].path, &rows)) {
			cli_error("%s", ps_errmsg());
			free(scans);
			goto out;
		}
		total += rows;
		matched++;
	}
	free(scans);
	if (n == 0)
		cli_no_scans(st, target);
	else if (!matched)
		cli_error("no scan of %s at %s (see probestore scans --target %s)", target, scan, target);
	else
		rc = print_count(total);
out:
	cli_store_close(st);
	return rc;
}

const cli_command cmd_count = {"count", "count the records of a file or of a target's scans", usage, run};
