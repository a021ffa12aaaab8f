/* probestore cat: any Parquet file as JSON Lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "parq/parq.h"

static const char usage[] =
	"usage: probestore cat FILE [--columns A,B,...] [--where EXPR] [--limit N] [--offset N]\n\n"
	"Prints the rows of any Parquet file as JSON Lines, one object per row, keys in\n"
	"schema order. See docs/cli.md for how each Parquet type is rendered.\n\n"
	"Options:\n"
	"  --columns LIST  only these top-level columns, in this order (comma-separated)\n"
	"  --where EXPR    only rows matching EXPR, e.g. \"status_code >= 400 AND\n"
	"                  technologies CONTAINS 'Nginx'\" (=, !=, <, <=, >, >=, IN (...),\n"
	"                  IS [NOT] NULL, STARTS WITH, CONTAINS, AND, OR, parentheses);\n"
	"                  row groups and pages that cannot match are not read\n"
	"  --limit N       print at most N rows\n"
	"  --offset N      skip the first N rows\n";

static int parse_count(const char *opt, const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < 0)
		return cli_usage_error("cat", "%s expects a non-negative integer, not '%s'", opt, s);
	*out = v;
	return 0;
}

static int run(const cli_global *g, int argc, char **argv)
{
	(void)g;
	const char *path = NULL;
	char *columns = NULL;
	const char *where = NULL;
	long long limit = -1, offset = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--columns") == 0 || strcmp(a, "--limit") == 0 || strcmp(a, "--offset") == 0 ||
		     strcmp(a, "--where") == 0)) {
			if (i + 1 >= argc)
				return cli_usage_error("cat", "option %s needs a value", a);
			const char *v = argv[++i];
			if (a[2] == 'c')
				columns = (char *)v;
			else if (a[2] == 'w')
				where = v;
			else if (parse_count(a, v, a[2] == 'l' ? &limit : &offset))
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("cat", "unknown option '%s'", a);
		} else if (!path) {
			path = a;
		} else {
			return cli_usage_error("cat", "unexpected argument '%s'", a);
		}
	}
	if (!path)
		return cli_usage_error("cat", "missing FILE");

	parq_pred *pred = NULL;
	if (where && parq_pred_parse(&pred, where))
		return cli_usage_error("cat", "%s", parq_errmsg());
	parq_reader *r;
	ps_store *st;
	if (cli_parquet_open(g, path, &r, &st)) {
		parq_pred_free(pred);
		return EXIT_RUNTIME;
	}
	const char **names = NULL;
	int n_names = 0;
	char *cols = NULL;
	if (columns) {
		cols = strdup(columns);
		names = calloc(strlen(columns) + 1, sizeof *names);
		if (!cols || !names) {
			cli_error("out of memory");
			return EXIT_RUNTIME;
		}
		for (char *tok = strtok(cols, ","); tok; tok = strtok(NULL, ","))
			names[n_names++] = tok;
		if (n_names == 0) {
			free(cols);
			free(names);
			parq_reader_close(r);
			cli_store_close(st);
			return cli_usage_error("cat", "--columns needs at least one name");
		}
	}
	parq_scan *scan;
	int rc = EXIT_OK;
	if (parq_scan_open(&scan, r, pred, names, names ? n_names : 0)) {
		cli_error("%s", parq_errmsg());
		rc = strstr(parq_errmsg(), "no column named") || strstr(parq_errmsg(), "where:") ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	strbuf line = {0};
	long long seen = 0, printed = 0;
	for (;;) {
		if (limit >= 0 && printed >= limit)
			break;
		const parq_value *row;
		if (parq_scan_next(scan, &row)) {
			cli_error("%s", parq_errmsg());
			rc = EXIT_RUNTIME;
			break;
		}
		if (!row)
			break;
		if (seen++ < offset)
			continue;
		line.len = 0;
		json_row(&line, row);
		sb_putc(&line, '\n');
		if (!cli_write(line.data, line.len)) {
			rc = EXIT_RUNTIME;
			break;
		}
		printed++;
	}
	sb_free(&line);
	parq_scan_close(scan);
out:
	parq_pred_free(pred);
	free(cols);
	free(names);
	parq_reader_close(r);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_cat = {"cat", "print any Parquet file as JSON Lines", usage, run};
