/* probestore query: probe results of stored scans, filtered. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore query [--target URL] [--status LIST] [--tech NAME]\n"
	"                        [--diff new|existing|changed|old] [--content-type PREFIX]\n"
	"                        [--url-contains TEXT] [--title-contains TEXT] [-i] [--errors]\n"
	"                        [--scan latest|all|TIME] [--since TIME] [--until TIME]\n"
	"                        [--limit N] [--offset N] [--count] [--format table|jsonl|csv]\n"
	"                        [--threads N] [--port N] [--cdn NAME] [--favicon HASH]\n"
	"                        [--jarm HASH] [--tls-san NAME] [--location-contains TEXT]\n"
	"                        [--chain-status LIST] [--body-hash SHA256]\n\n"
	"Prints the probe results of stored scans that match every filter given, target\n"
	"by target, newest scan first. JSON Lines output can be read back by probestore\n"
	"ingest.\n\n"
	"Options:\n"
	"  --target URL           one root target (default: every target)\n"
	"  --status LIST          status codes, ranges and classes: 200,301-302,5xx\n"
	"  --tech NAME            a technology, with or without the version httpx appends\n"
	"                         (Nginx matches Nginx:1.25.3); case-insensitive\n"
	"  --diff STATUS          new or existing (against the scan before), changed (existing\n"
	"                         with a compared field changed: status, title, ...), or\n"
	"                         old: the previous scan's results whose URL is gone\n"
	"  --content-type PREFIX  content types starting with PREFIX, e.g. text/html\n"
	"  --url-contains TEXT    URL (original or final) containing TEXT\n"
	"  --title-contains TEXT  title containing TEXT\n"
	"  -i, --ignore-case      --url-contains and --title-contains ignore ASCII case\n"
	"  --errors               only failed probes (with an error)\n"
	"  --scan WHICH           latest (default), all, or the scans at TIME\n"
	"  --since TIME           scans at or after TIME (implies every scan in the range)\n"
	"  --until TIME           scans at or before TIME\n"
	"  --limit N              print at most N results (0: no limit; default: the\n"
	"                         configuration's default_limit, 0 there meaning all)\n"
	"  --offset N             skip the first N results\n"
	"  --count                print the number of matching results only\n"
	"  --format FMT           table (default on a terminal), jsonl (default otherwise) or csv\n"
	"  --threads N            scan files searched at once (default 0: one per core, at\n"
	"                         most 8; on a bucket 16, as many GETs in flight)\n"
	"Filters on the columns of schema version 2 (a version 1 scan matches none):\n"
	"  --port N               the port probed\n"
	"  --cdn NAME             the CDN httpx named (cdn_name), ignoring case\n"
	"  --favicon HASH         the favicon's MurmurHash3 (favicon_mmh3), e.g. -1231216342\n"
	"  --jarm HASH            the TLS server's JARM fingerprint\n"
	"  --tls-san NAME         a name of the certificate's subject alternative names\n"
	"  --location-contains TEXT  the redirect target (location) containing TEXT\n"
	"                         (-i ignores ASCII case)\n"
	"  --chain-status LIST    a hop of the redirect chain with a status in LIST (the\n"
	"                         syntax of --status: 301,3xx,500-599)\n"
	"  --body-hash SHA256     the body's SHA-256 (body_sha256, hex)\n\n"
	"TIME is a date (2025-03-01, the whole day), an RFC 3339 time\n"
	"(2025-03-01T09:00:00Z, that second), a scan file's 20250301_090000, or Unix\n"
	"milliseconds.\n";

typedef struct statuses {
	int *codes;
	size_t n_codes;
	ps_status_range *ranges;
	size_t n_ranges;
} statuses;

static int parse_statuses(const char *s, statuses *out)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	out->codes = calloc(n, sizeof *out->codes);
	out->ranges = calloc(n, sizeof *out->ranges);
	if (!out->codes || !out->ranges) {
		cli_error("out of memory");
		return -1;
	}
	const char *p = s;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[32];
		if (len == 0 || len >= sizeof item)
			goto bad;
		memcpy(item, p, len);
		item[len] = 0;
		int lo, hi, k;
		if (len == 3 && item[0] >= '1' && item[0] <= '5' && (item[1] == 'x' || item[1] == 'X') &&
		    (item[2] == 'x' || item[2] == 'X')) {
			out->ranges[out->n_ranges++] = (ps_status_range){(item[0] - '0') * 100, (item[0] - '0') * 100 + 99};
		} else if (sscanf(item, "%d-%d%n", &lo, &hi, &k) == 2 && (size_t)k == len) {
			if (lo < 100 || hi > 599 || lo > hi)
				goto bad;
			out->ranges[out->n_ranges++] = (ps_status_range){lo, hi};
		} else if (sscanf(item, "%d%n", &lo, &k) == 1 && (size_t)k == len && item[0] != '-' && item[0] != '+') {
			if (lo < 100 || lo > 599)
				goto bad;
			out->codes[out->n_codes++] = lo;
		} else {
			goto bad;
		}
		if (!end)
			return 0;
		p = end + 1;
	}
bad:
	cli_usage_error("query",
	                "--status expects codes, ranges or classes within 100..599 such as 200,301-302,5xx, not '%s'",
	                s);
	return -1;
}

/* Output of the results as they come, in bounded memory: JSON Lines and
 * CSV line by line, a table in blocks of TABLE_BLOCK rows (each block
 * aligned on its own). */
#define TABLE_BLOCK 10000

typedef struct sink {
	cli_out_format fmt;
	strbuf b;
	bool ok, header_done;
	int64_t n;
	/* tables: the rows of the current block */
	ps_probe_set block;
	int64_t total;            /* matches in all (tables print "N of M") */
} sink;

static bool flush_text(sink *o)
{
	if (o->b.len && o->ok)
		o->ok = cli_write(o->b.data, o->b.len);
	o->b.len = 0;
	return o->ok;
}

static void flush_table(sink *o)
{
	ps_probe_set *s = &o->block;
	if (!s->n)
		return;
	bool with_scan = false;
	for (size_t i = 1; i < s->n && !with_scan; i++)
		with_scan = s->items[i].scan_timestamp_ms != s->items[0].scan_timestamp_ms;
	const table_col *cols;
	int nc = probe_table_cols(&cols, with_scan);
	table t;
	table_init(&t, cols, nc);
	for (size_t i = 0; i < s->n; i++)
		probe_table_add(&t, &s->items[i], with_scan);
	table_render(&t, &o->b);
	table_free(&t);
	ps_probe_set_free(s);
	flush_text(o);
}

static int emit(void *ud, const ps_probe_result *r)
{
	sink *o = ud;
	o->n++;
	if (o->fmt == OUT_TABLE) {
		if (ps_probe_set_add(&o->block, r)) {
			cli_error("out of memory");
			return -1;
		}
		if (o->block.n == TABLE_BLOCK)
			flush_table(o);
		return o->ok ? 0 : -1;
	}
	if (o->fmt == OUT_CSV) {
		if (!o->header_done)
			probe_csv_header(&o->b);
		o->header_done = true;
		probe_csv(&o->b, r);
	} else {
		probe_jsonl(&o->b, r);
	}
	if (o->b.len >= 1 << 16 && !flush_text(o))
		return -1;
	return 0;
}

/* A result as a line of JSON Lines or CSV, on the search's threads
 * (ps_store_search_text): formatting, as much work as reading, is spread
 * over the cores. */
static int format_row(void *ud, const ps_probe_result *r, ps_text *out)
{
	strbuf b = {out->data, out->len, out->cap};
	if (*(const cli_out_format *)ud == OUT_CSV)
		probe_csv(&b, r);
	else
		probe_jsonl(&b, r);
	out->data = b.data;
	out->len = b.len;
	out->cap = b.cap;
	return 0;
}

/* The lines of consecutive results, in order. */
static int emit_text(void *ud, const char *text, size_t len, size_t rows)
{
	sink *o = ud;
	o->n += (int64_t)rows;
	if (o->fmt == OUT_CSV && !o->header_done)
		probe_csv_header(&o->b);
	o->header_done = true;
	if (!flush_text(o) || !(o->ok = cli_write(text, len)))
		return -1;
	return 0;
}

/* Ends the output: the rest of the text, or of the table and its footer. */
static bool sink_end(sink *o)
{
	if (o->fmt == OUT_TABLE) {
		flush_table(o);
		if (o->n == 0)
			sb_printf(&o->b, "no results%s\n", o->total ? " in this range (see --offset)" : "");
		else if (o->n < o->total)
			sb_printf(&o->b, "%" PRId64 " of %" PRId64 " results (--limit, --offset)\n", o->n, o->total);
	} else if (o->fmt == OUT_CSV && !o->header_done) {
		probe_csv_header(&o->b);
	}
	flush_text(o);
	sb_free(&o->b);
	ps_probe_set_free(&o->block);
	return o->ok;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *target = NULL, *status = NULL, *tech = NULL, *diff = NULL, *ctype = NULL, *url = NULL,
	           *title = NULL, *scan = NULL, *since = NULL, *until = NULL, *limit_s = NULL, *offset_s = NULL,
	           *threads_s = NULL, *format = NULL, *port_s = NULL, *cdn = NULL, *favicon_s = NULL, *jarm = NULL,
	           *tls_san = NULL, *loc = NULL, *chain = NULL, *body_hash = NULL;
	bool errors = false, count = false, nocase = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if ((m = cli_opt("query", argc, argv, &i, "--target", &target)) ||
		    (m = cli_opt("query", argc, argv, &i, "--status", &status)) ||
		    (m = cli_opt("query", argc, argv, &i, "--tech", &tech)) ||
		    (m = cli_opt("query", argc, argv, &i, "--diff", &diff)) ||
		    (m = cli_opt("query", argc, argv, &i, "--content-type", &ctype)) ||
		    (m = cli_opt("query", argc, argv, &i, "--url-contains", &url)) ||
		    (m = cli_opt("query", argc, argv, &i, "--title-contains", &title)) ||
		    (m = cli_opt("query", argc, argv, &i, "--scan", &scan)) ||
		    (m = cli_opt("query", argc, argv, &i, "--since", &since)) ||
		    (m = cli_opt("query", argc, argv, &i, "--until", &until)) ||
		    (m = cli_opt("query", argc, argv, &i, "--limit", &limit_s)) ||
		    (m = cli_opt("query", argc, argv, &i, "--offset", &offset_s)) ||
		    (m = cli_opt("query", argc, argv, &i, "--threads", &threads_s)) ||
		    (m = cli_opt("query", argc, argv, &i, "--format", &format)) ||
		    (m = cli_opt("query", argc, argv, &i, "--port", &port_s)) ||
		    (m = cli_opt("query", argc, argv, &i, "--cdn", &cdn)) ||
		    (m = cli_opt("query", argc, argv, &i, "--favicon", &favicon_s)) ||
		    (m = cli_opt("query", argc, argv, &i, "--jarm", &jarm)) ||
		    (m = cli_opt("query", argc, argv, &i, "--tls-san", &tls_san)) ||
		    (m = cli_opt("query", argc, argv, &i, "--location-contains", &loc)) ||
		    (m = cli_opt("query", argc, argv, &i, "--chain-status", &chain)) ||
		    (m = cli_opt("query", argc, argv, &i, "--body-hash", &body_hash))) {
			if (m < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--errors")) {
			errors = true;
		} else if (!strcmp(a, "--count")) {
			count = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--ignore-case")) {
			nocase = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("query", "unknown option '%s'", a);
		} else {
			return cli_usage_error("query", "unexpected argument '%s'", a);
		}
	}
	cli_out_format fmt;
	if (cli_parse_out_format("query", format, &fmt))
		return EXIT_USAGE;
	if (target && cli_check_target("query", "--target", target))
		return EXIT_USAGE;
	if (diff && strcmp(diff, "new") && strcmp(diff, "existing") && strcmp(diff, "old") && strcmp(diff, "changed"))
		return cli_usage_error("query", "--diff must be new, existing, changed or old, not '%s'", diff);
	if (tech && !*tech)
		return cli_usage_error("query", "--tech needs a name");
	int64_t limit = -1, offset = 0, lo = 0, hi = 0, since_ms = 0, until_ms = 0, ignore, threads = 0;
	if ((limit_s && cli_parse_count("query", "--limit", limit_s, &limit)) ||
	    (offset_s && cli_parse_count("query", "--offset", offset_s, &offset)) ||
	    (threads_s && cli_parse_count("query", "--threads", threads_s, &threads)))
		return EXIT_USAGE;
	ps_query q;
	ps_query_default(&q);
	q.threads = threads > 64 ? 64 : (int)threads;
	if (scan && !strcmp(scan, "all")) {
		q.scans = PS_SCANS_ALL;
	} else if (scan && strcmp(scan, "latest")) {
		if (cli_parse_time("query", "--scan", scan, &lo, &hi))
			return EXIT_USAGE;
		q.scans = PS_SCANS_RANGE;
		q.from_ms = lo;
		q.to_ms = hi;
	}
	if (since || until) {
		if (scan)
			return cli_usage_error("query", "--since and --until select the scans; leave out --scan");
		if ((since && cli_parse_time("query", "--since", since, &since_ms, &ignore)) ||
		    (until && cli_parse_time("query", "--until", until, &ignore, &until_ms)))
			return EXIT_USAGE;
		if (since && until && since_ms > until_ms)
			return cli_usage_error("query", "--since %s is after --until %s", since, until);
		q.scans = PS_SCANS_RANGE;
		q.from_ms = since ? since_ms : PS_TIME_UNSET;
		q.to_ms = until ? until_ms : PS_TIME_UNSET;
	}
	bool old = diff && !strcmp(diff, "old");
	if (old && (q.scans == PS_SCANS_ALL || since || until))
		return cli_usage_error("query", "--diff old compares one scan with the one before it: use --scan latest or "
		                                "--scan TIME");
	int64_t port = 0;
	if (port_s && cli_parse_count("query", "--port", port_s, &port))
		return EXIT_USAGE;
	if (port_s && (port < 1 || port > 65535))
		return cli_usage_error("query", "--port must be 1..65535, not '%s'", port_s);
	if (favicon_s) {
		char *end;
		errno = 0;
		long long f = strtoll(favicon_s, &end, 10);
		if (!*favicon_s || *end || errno || f < INT32_MIN || f > UINT32_MAX)
			return cli_usage_error("query", "--favicon takes the favicon's MurmurHash3 as httpx prints it "
			                                "(e.g. -1231216342), not '%s'", favicon_s);
		q.has_favicon = true;
		q.favicon_mmh3 = (int32_t)(uint32_t)(f & 0xffffffff);
	}
	q.port = (int)port;
	q.cdn_name = cdn;
	q.jarm = jarm;
	q.tls_san = tls_san;
	q.location_contains = loc;
	q.body_sha256 = body_hash;
	statuses sts = {0}, chs = {0};
	if ((status && parse_statuses(status, &sts)) || (chain && parse_statuses(chain, &chs))) {
		free(sts.codes);
		free(sts.ranges);
		free(chs.codes);
		free(chs.ranges);
		return EXIT_USAGE;
	}
	q.chain_status_codes = chs.codes;
	q.n_chain_status_codes = chs.n_codes;
	q.chain_status_ranges = chs.ranges;
	q.n_chain_status_ranges = chs.n_ranges;
	q.root_target = target;
	q.status_codes = sts.codes;
	q.n_status_codes = sts.n_codes;
	q.status_ranges = sts.ranges;
	q.n_status_ranges = sts.n_ranges;
	q.content_type = ctype;
	q.url_contains = url;
	q.title_contains = title;
	q.errors_only = errors;

	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc) {
		free(sts.codes);
		free(sts.ranges);
		free(chs.codes);
		free(chs.ranges);
		return rc;
	}
	if (limit < 0)
		limit = ps_store_config(st)->reader.default_limit;
	rc = EXIT_RUNTIME;
	if (target) {
		ps_scan_info *scans;
		size_t ns;
		if (ps_store_list_scans(st, target, &scans, &ns)) {
			cli_error("%s: %s", target, ps_errmsg());
			goto out;
		}
		free(scans);
		if (ns == 0) {
			cli_no_scans(st, target);
			goto out;
		}
	}
	q.technology = tech;
	q.tech_match = PS_TECH_NAME;
	q.ignore_case = nocase;
	q.diff_status = diff;
	q.offset = offset;
	int n_bad = 0;
	q.on_bad_file = cli_file_skipped;
	q.bad_file_ud = &n_bad;
	if (count) {
		int64_t n;
		if (ps_store_count(st, &q, &n)) {
			cli_error("%s", ps_errmsg());
			goto out;
		}
		char line[32];
		int len = snprintf(line, sizeof line, "%" PRId64 "\n", n);
		rc = !cli_write(line, (size_t)len) ? EXIT_RUNTIME : n_bad ? EXIT_PARTIAL : EXIT_OK;
		goto out;
	}
	/* limit 0 means every match here, not the configuration's default */
	q.limit = limit == 0 ? INT64_MAX : limit;
	sink o = {.fmt = fmt, .ok = true};
	int sr = fmt == OUT_TABLE ? ps_store_search_each(st, &q, emit, &o, &o.total)
	                          : ps_store_search_text(st, &q, format_row, &o.fmt, emit_text, &o, NULL);
	if (sr && o.ok)
		cli_error("%s", ps_errmsg());
	bool ok = sink_end(&o);
	rc = sr || !ok ? EXIT_RUNTIME : n_bad ? EXIT_PARTIAL : EXIT_OK;
out:
	free(sts.codes);
	free(sts.ranges);
	free(chs.codes);
	free(chs.ranges);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_query = {"query", "search stored probe results", usage, run};
