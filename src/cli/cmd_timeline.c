/* probestore timeline: per scan of a target, its records and its new,
 * existing, old and changed URLs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore timeline --target URL [--format table|jsonl|csv]\n\n"
	"Prints, for each scan of a target, oldest first, its records and its new,\n"
	"existing, old and changed URLs against the scan before it: the data of a chart\n"
	"of the target over time, read from the file footers and the scans' diff marks\n"
	"(no record is decoded). Changed counts need schema version 2 files (a version 1\n"
	"scan shows none: -, null in JSON Lines, empty in CSV).\n\n"
	"Options:\n"
	"  --target URL  the root target\n"
	"  --format FMT  table (default on a terminal), jsonl (default otherwise) or csv\n";

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *target = NULL, *format = NULL;
	const cli_optdef defs[] = {{"--target", &target, NULL}, {"--format", &format, NULL}};
	if (cli_args_parse("timeline", NULL, argc, argv, 1, defs, 2, NULL, NULL))
		return EXIT_USAGE;
	cli_out_format fmt;
	if (cli_parse_out_format("timeline", format, &fmt))
		return EXIT_USAGE;
	if (!target)
		return cli_usage_error("timeline", "missing --target URL");
	if (cli_check_target("timeline", "--target", target))
		return EXIT_USAGE;
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	ps_timeline_point *t = NULL;
	size_t n = 0;
	rc = EXIT_RUNTIME;
	if (ps_store_timeline(st, target, &t, &n)) {
		cli_error("%s: %s", target, ps_errmsg());
		goto out;
	}
	if (n == 0) {
		cli_no_scans(st, target);
		goto out;
	}
	strbuf b = {0};
	if (fmt == OUT_TABLE)
		sb_printf(&b, "%-23s  %8s  %8s  %8s  %8s  %8s\n", "SCAN", "RECORDS", "NEW", "EXISTING", "OLD", "CHANGED");
	else if (fmt == OUT_CSV)
		sb_puts(&b, "scan_time,records,new,existing,old,changed\n");
	for (size_t i = 0; i < n; i++) {
		char tb[40], ch[24] = "";
		if (t[i].n_changed >= 0)
			snprintf(ch, sizeof ch, "%" PRId64, t[i].n_changed);
		if (fmt == OUT_TABLE)
			sb_printf(&b, "%-23s  %8" PRId64 "  %8" PRId64 "  %8" PRId64 "  %8" PRId64 "  %8s\n",
			          cli_time_short(t[i].scan_time_ms, tb), t[i].records, t[i].n_new, t[i].n_existing, t[i].n_old,
			          *ch ? ch : "-");
		else if (fmt == OUT_CSV)
			sb_printf(&b, "%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%s\n", cli_time_iso(t[i].scan_time_ms, tb),
			          t[i].records, t[i].n_new, t[i].n_existing, t[i].n_old, ch);
		else
			sb_printf(&b,
			          "{\"scan_time\":\"%s\",\"scan_timestamp\":%" PRId64 ",\"records\":%" PRId64 ",\"new\":%" PRId64
			          ",\"existing\":%" PRId64 ",\"old\":%" PRId64 ",\"changed\":%s}\n",
			          cli_time_iso(t[i].scan_time_ms, tb), t[i].scan_time_ms, t[i].records, t[i].n_new,
			          t[i].n_existing, t[i].n_old, *ch ? ch : "null");
	}
	rc = cli_write(b.data, b.len) ? EXIT_OK : EXIT_RUNTIME;
	sb_free(&b);
out:
	free(t);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_timeline = {"timeline", "per scan of a target: records, new, existing, old and changed URLs",
                                  usage, run};
