/* probestore scans: targets and their scans. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore scans [--target URL] [--format table|jsonl|csv]\n\n"
	"Lists the scans of every target (or of one), oldest first: the scan time, the\n"
	"records and bytes of its file, its scan session id and the file. A scan file that\n"
	"does not open is reported on standard error (exit status 1).\n\n"
	"Options:\n"
	"  --target URL  one root target (default: every target)\n"
	"  --format FMT  table (default on a terminal), jsonl (default otherwise) or csv\n";

static const table_col COLS[] = {
	{"target", 0, false}, {"scan", 0, false}, {"records", 0, true}, {"size", 0, true}, {"file", 0, false},
};

/* A listed scan whose footer did not read: why, on standard error. */
static void report_unreadable(const ps_store *st, const ps_scan_info *s, bool *bad)
{
	int64_t rows;
	if (s->rows < 0 && ps_store_scan_count(st, s->path, &rows) != 0) {
		cli_error("%s", ps_errmsg());
		*bad = true;
	}
}

static int list(ps_store *st, const char *target, const char *display, cli_out_format fmt, table *t, strbuf *b,
                bool *bad)
{
	ps_scan_info *scans;
	size_t n;
	if (ps_store_list_scans(st, target, &scans, &n)) {
		cli_error("%s: %s", target, ps_errmsg());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const ps_scan_info *s = &scans[i];
		char when[32], recs[24], bytes[24];
		if (s->rows >= 0)
			snprintf(recs, sizeof recs, "%" PRId64, s->rows);
		report_unreadable(st, s, bad);
		const char *sess = s->rows >= 0 ? s->session_id : NULL;
		if (fmt == OUT_TABLE) {
			char size[32];
			const char *cells[] = {display, cli_time_short(s->scan_time_ms, when), s->rows >= 0 ? recs : "?",
			                       s->rows >= 0 ? ps_size_human((double)s->bytes, size, sizeof size) : "?", s->path};
			table_add(t, cells);
		} else if (fmt == OUT_CSV) {
			snprintf(bytes, sizeof bytes, "%" PRId64, s->bytes);
			char ms[24];
			snprintf(ms, sizeof ms, "%" PRId64, s->scan_time_ms);
			csv_field(b, display, false);
			csv_field(b, cli_time_iso(s->scan_time_ms, when), false);
			csv_field(b, ms, false);
			csv_field(b, s->rows >= 0 ? recs : NULL, false);
			csv_field(b, s->rows >= 0 ? bytes : NULL, false);
			csv_field(b, sess, false);
			csv_field(b, s->path, true);
		} else {
			sb_puts(b, "{\"target\":");
			json_string(b, (const uint8_t *)display, strlen(display));
			sb_printf(b, ",\"scan_time\":\"%s\",\"scan_timestamp\":%" PRId64 ",\"records\":",
			          cli_time_iso(s->scan_time_ms, when), s->scan_time_ms);
			if (s->rows >= 0)
				sb_printf(b, "%" PRId64 ",\"bytes\":%" PRId64, s->rows, s->bytes);
			else
				sb_puts(b, "null,\"bytes\":null");
			sb_puts(b, ",\"session\":");
			if (sess)
				json_string(b, (const uint8_t *)sess, strlen(sess));
			else
				sb_puts(b, "null");
			sb_puts(b, ",\"file\":");
			json_string(b, (const uint8_t *)s->path, strlen(s->path));
			sb_puts(b, "}\n");
		}
	}
	free(scans);
	return (int)n;
}

typedef struct each_list {
	ps_store *st;
	cli_out_format fmt;
	table *t;
	strbuf *b;
	bool *bad;
	int total;
} each_list;

static int list_each(void *ud, const ps_target_info *ti, size_t i)
{
	(void)i;
	each_list *e = ud;
	int k = list(e->st, ti->host_port, ti->host_port, e->fmt, e->t, e->b, e->bad);
	if (k < 0)
		return -1;
	e->total += k;
	return 0;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *target = NULL, *format = NULL;
	const cli_optdef defs[] = {{"--target", &target, NULL}, {"--format", &format, NULL}};
	if (cli_args_parse("scans", NULL, argc, argv, 1, defs, 2, NULL, NULL))
		return EXIT_USAGE;
	cli_out_format fmt;
	if (cli_parse_out_format("scans", format, &fmt) || (target && cli_check_target("scans", "--target", target)))
		return EXIT_USAGE;
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	table t;
	table_init(&t, COLS, (int)(sizeof COLS / sizeof *COLS));
	strbuf b = {0};
	if (fmt == OUT_CSV)
		sb_puts(&b, "target,scan_time,scan_timestamp,records,bytes,session,file\n");
	bool bad = false;
	int total = 0;
	rc = EXIT_RUNTIME;
	if (target) {
		char dir[PS_HOST_PORT_DIR_MAX], display[PS_HOST_PORT_DISPLAY_MAX];
		if (ps_target_host_port_dir(target, dir, sizeof dir) || ps_host_port_dir_display(dir, display, sizeof display)) {
			cli_error("%s", ps_errmsg());
			goto out;
		}
		if ((total = list(st, target, display, fmt, &t, &b, &bad)) < 0)
			goto out;
		if (total == 0) {
			cli_no_scans(st, target);
			goto out;
		}
	} else {
		each_list e = {st, fmt, &t, &b, &bad, 0};
		if (cli_each_target(st, list_each, &e, NULL))
			goto out;
		total = e.total;
	}
	if (fmt == OUT_TABLE) {
		if (t.rows)
			table_render(&t, &b);
		else
			sb_printf(&b, "no scans in %s\n", ps_store_base_path(st));
	}
	rc = cli_write(b.data, b.len) && !bad ? EXIT_OK : EXIT_RUNTIME;
out:
	table_free(&t);
	sb_free(&b);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_scans = {"scans", "list targets and their scans", usage, run};
