/* probestore diff: new, existing and old URLs between two scans. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore diff [--target URL] [--from TIME] [--to TIME] [--changes]\n"
	"                       [--format table|jsonl|csv]\n\n"
	"Compares two scans of a target by URL: new URLs (only in the later scan),\n"
	"existing ones (in both) and old ones (gone from the later scan). By default the\n"
	"latest scan against the one before it; a target with a single scan has only new\n"
	"URLs. Without --target, every target's latest two scans.\n\n"
	"Options:\n"
	"  --target URL  one root target (needed with --from and --to)\n"
	"  --from TIME   the earlier scan (default: the scan before the later one)\n"
	"  --to TIME     the later scan (default: the latest)\n"
	"  --changes     existing URLs whose status, title, technologies, web server, final\n"
	"                URL, location, content length, body hash, TLS certificate or IPs\n"
	"                differ are listed as changed, with the old and new values\n"
	"                (storage_config.parquet_writer.change_fields says which count)\n"
	"  --format FMT  table (default on a terminal), jsonl (default otherwise) or csv\n\n"
	"TIME names a scan as in probestore query: 2025-03-01T09:00:00Z, 20250301_090000,\n"
	"a date (the last scan that day) or Unix milliseconds.\n";

/* The last scan in [lo, hi], or -1. */
static ptrdiff_t scan_at(const ps_scan_info *s, size_t n, int64_t lo, int64_t hi)
{
	for (size_t k = n; k-- > 0;)
		if (s[k].scan_time_ms >= lo && s[k].scan_time_ms <= hi)
			return (ptrdiff_t)k;
	return -1;
}

/* CSV with --changes has the columns field, old and new too */
static bool csv_wide;

static void put(strbuf *b, cli_out_format fmt, const char *display, const char *from, const char *to,
                const char *status, const char *url)
{
	if (fmt == OUT_TABLE) {
		sb_printf(b, "%-8s  %s\n", status, url);
	} else if (fmt == OUT_CSV) {
		csv_field(b, display, false);
		csv_field(b, from, false);
		csv_field(b, to, false);
		csv_field(b, status, false);
		csv_field(b, url, !csv_wide);
		if (csv_wide) {
			csv_field(b, NULL, false);
			csv_field(b, NULL, false);
			csv_field(b, NULL, true);
		}
	} else {
		sb_puts(b, "{\"target\":");
		json_string(b, (const uint8_t *)display, strlen(display));
		if (from)
			sb_printf(b, ",\"from\":\"%s\"", from);
		else
			sb_puts(b, ",\"from\":null");
		sb_printf(b, ",\"to\":\"%s\",\"diff_status\":\"%s\",\"url\":", to, status);
		json_string(b, (const uint8_t *)url, strlen(url));
		sb_puts(b, "}\n");
	}
}

static void json_str_or_null(strbuf *b, const char *s)
{
	if (s)
		json_string(b, (const uint8_t *)s, strlen(s));
	else
		sb_puts(b, "null");
}

/* A changed URL: its fields with the old and new values. */
static void put_changed(strbuf *b, cli_out_format fmt, const char *display, const char *from, const char *to,
                        const ps_url_change *c)
{
	if (fmt == OUT_TABLE) {
		sb_printf(b, "%-8s  %s\n", "changed", c->url);
		for (size_t i = 0; i < c->n_fields; i++) {
			const ps_field_change *f = &c->fields[i];
			if (f->added || f->removed)
				sb_printf(b, "          %s: %s%s%s%s\n", f->field, f->added ? "+" : "", f->added ? f->added : "",
				          f->added && f->removed ? "  -" : f->removed ? "-" : "", f->removed ? f->removed : "");
			else
				sb_printf(b, "          %s: %s -> %s\n", f->field, f->old_value ? f->old_value : "(none)",
				          f->new_value ? f->new_value : "(none)");
		}
		return;
	}
	if (fmt == OUT_CSV) {
		for (size_t i = 0; i < c->n_fields; i++) {
			csv_field(b, display, false);
			csv_field(b, from, false);
			csv_field(b, to, false);
			csv_field(b, "changed", false);
			csv_field(b, c->url, false);
			csv_field(b, c->fields[i].field, false);
			csv_field(b, c->fields[i].old_value, false);
			csv_field(b, c->fields[i].new_value, true);
		}
		return;
	}
	sb_puts(b, "{\"target\":");
	json_string(b, (const uint8_t *)display, strlen(display));
	sb_puts(b, ",\"from\":");
	json_str_or_null(b, from);
	sb_printf(b, ",\"to\":\"%s\",\"diff_status\":\"changed\",\"url\":", to);
	json_string(b, (const uint8_t *)c->url, strlen(c->url));
	sb_puts(b, ",\"changes\":[");
	for (size_t i = 0; i < c->n_fields; i++) {
		const ps_field_change *f = &c->fields[i];
		sb_printf(b, "%s{\"field\":\"%s\",\"old\":", i ? "," : "", f->field);
		json_str_or_null(b, f->old_value);
		sb_puts(b, ",\"new\":");
		json_str_or_null(b, f->new_value);
		if (f->added || f->removed) {
			sb_puts(b, ",\"added\":");
			json_str_or_null(b, f->added);
			sb_puts(b, ",\"removed\":");
			json_str_or_null(b, f->removed);
		}
		sb_putc(b, '}');
	}
	sb_puts(b, "]}\n");
}

static int diff_target(ps_store *st, const char *target, const char *from_s, const char *to_s, int64_t flo,
                       int64_t fhi, int64_t tlo, int64_t thi, bool changes, cli_out_format fmt, strbuf *b,
                       bool first)
{
	char dir[PS_HOST_PORT_DIR_MAX], display[PS_HOST_PORT_DISPLAY_MAX];
	if (ps_target_host_port_dir(target, dir, sizeof dir) || ps_host_port_dir_display(dir, display, sizeof display)) {
		cli_error("%s", ps_errmsg());
		return -1;
	}
	ps_scan_info *scans;
	size_t n;
	if (ps_store_list_scans(st, target, &scans, &n)) {
		cli_error("%s: %s", target, ps_errmsg());
		return -1;
	}
	int rc = -1;
	if (n == 0) {
		cli_no_scans(st, target);
		goto out;
	}
	ptrdiff_t to = to_s ? scan_at(scans, n, tlo, thi) : (ptrdiff_t)n - 1;
	if (to < 0) {
		cli_error("no scan of %s at %s (see probestore scans --target %s)", target, to_s, target);
		goto out;
	}
	ptrdiff_t from = from_s ? scan_at(scans, n, flo, fhi) : to - 1;
	if (from_s && from < 0) {
		cli_error("no scan of %s at %s (see probestore scans --target %s)", target, from_s, target);
		goto out;
	}
	ps_url_diff d;
	const ps_config *cfg = ps_store_config(st);
	ps_change_options co;
	ps_change_options_default(&co);
	co.fields = changes ? cfg->writer.change_fields : "";
	co.length_ratio = cfg->writer.change_length_percent / 100.0;
	if (ps_store_scan_diff(st, from >= 0 ? scans[from].path : NULL, scans[to].path, &co, &d)) {
		cli_error("%s", ps_errmsg());
		goto out;
	}
	char fbuf[32], tbuf[32];
	const char *fs = NULL, *ts;
	if (fmt == OUT_TABLE) {
		if (from >= 0)
			fs = cli_time_short(scans[from].scan_time_ms, fbuf);
		ts = cli_time_short(scans[to].scan_time_ms, tbuf);
		if (changes)
			sb_printf(b, "%s%s: %s -> %s: %zu new, %zu existing (%zu changed), %zu old\n", first ? "" : "\n",
			          display, fs ? fs : "(no earlier scan)", ts, d.n_new, d.n_existing - d.n_changed, d.n_changed,
			          d.n_old);
		else
			sb_printf(b, "%s%s: %s -> %s: %zu new, %zu existing, %zu old\n", first ? "" : "\n", display,
			          fs ? fs : "(no earlier scan)", ts, d.n_new, d.n_existing, d.n_old);
	} else {
		if (from >= 0)
			fs = cli_time_iso(scans[from].scan_time_ms, fbuf);
		ts = cli_time_iso(scans[to].scan_time_ms, tbuf);
	}
	for (size_t i = 0; i < d.n_new; i++)
		put(b, fmt, display, fs, ts, "new", d.new_urls[i]);
	/* with --changes, the changed URLs (a sorted subset of the existing
	 * ones) come after the unchanged ones */
	for (size_t i = 0, c = 0; i < d.n_existing; i++) {
		if (c < d.n_changed && d.changed[c].url == d.existing_urls[i]) {
			c++;
			continue;
		}
		put(b, fmt, display, fs, ts, "existing", d.existing_urls[i]);
	}
	for (size_t i = 0; i < d.n_changed; i++)
		put_changed(b, fmt, display, fs, ts, &d.changed[i]);
	for (size_t i = 0; i < d.n_old; i++)
		put(b, fmt, display, fs, ts, "old", d.old_urls[i]);
	ps_url_diff_free(&d);
	rc = 0;
out:
	free(scans);
	return rc;
}

typedef struct each_diff {
	ps_store *st;
	bool changes;
	cli_out_format fmt;
	strbuf *b;
} each_diff;

static int diff_each(void *ud, const ps_target_info *t, size_t i)
{
	each_diff *e = ud;
	return diff_target(e->st, t->host_port, NULL, NULL, 0, 0, 0, 0, e->changes, e->fmt, e->b, i == 0) ? -1 : 0;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *target = NULL, *from = NULL, *to = NULL, *format = NULL;
	bool changes = false;
	const cli_optdef defs[] = {{"--changes", NULL, &changes}, {"--target", &target, NULL}, {"--from", &from, NULL},
	                           {"--to", &to, NULL}, {"--format", &format, NULL}};
	if (cli_args_parse("diff", NULL, argc, argv, 1, defs, sizeof defs / sizeof *defs, NULL, NULL))
		return EXIT_USAGE;
	cli_out_format fmt;
	int64_t flo = 0, fhi = 0, tlo = 0, thi = 0;
	if (cli_parse_out_format("diff", format, &fmt) || (target && cli_check_target("diff", "--target", target)) ||
	    (from && cli_parse_time("diff", "--from", from, &flo, &fhi)) ||
	    (to && cli_parse_time("diff", "--to", to, &tlo, &thi)))
		return EXIT_USAGE;
	if ((from || to) && !target)
		return cli_usage_error("diff", "--from and --to name scans of one target: give --target");
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	strbuf b = {0};
	csv_wide = changes;
	if (fmt == OUT_CSV)
		sb_puts(&b, changes ? "target,from,to,diff_status,url,field,old,new\n" : "target,from,to,diff_status,url\n");
	rc = EXIT_RUNTIME;
	if (target) {
		if (diff_target(st, target, from, to, flo, fhi, tlo, thi, changes, fmt, &b, true))
			goto out;
	} else {
		each_diff e = {st, changes, fmt, &b};
		size_t n;
		if (cli_each_target(st, diff_each, &e, &n))
			goto out;
		if (n == 0 && fmt == OUT_TABLE)
			sb_printf(&b, "no scans in %s\n", ps_store_base_path(st));
	}
	rc = cli_write(b.data, b.len) ? EXIT_OK : EXIT_RUNTIME;
out:
	sb_free(&b);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_diff = {"diff", "new, existing and old URLs between two scans", usage, run};
