/* probestore query: probe results of stored scans, filtered. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore query [--target URL] [--status LIST] [--tech NAME]\n"
	"                        [--diff new|existing|old] [--content-type PREFIX]\n"
	"                        [--url-contains TEXT] [--title-contains TEXT] [--errors]\n"
	"                        [--scan latest|all|TIME] [--since TIME] [--until TIME]\n"
	"                        [--limit N] [--offset N] [--count] [--format table|jsonl|csv]\n"
	"                        [--threads N]\n\n"
	"Prints the probe results of stored scans that match every filter given, target\n"
	"by target, newest scan first. JSON Lines output can be read back by probestore\n"
	"ingest.\n\n"
	"Options:\n"
	"  --target URL           one root target (default: every target)\n"
	"  --status LIST          status codes, ranges and classes: 200,301-302,5xx\n"
	"  --tech NAME            a technology, with or without the version httpx appends\n"
	"                         (Nginx matches Nginx:1.25.3); case-insensitive\n"
	"  --diff STATUS          new or existing (against the scan before), or old: the\n"
	"                         previous scan's results whose URL is gone from the scan\n"
	"  --content-type PREFIX  content types starting with PREFIX, e.g. text/html\n"
	"  --url-contains TEXT    URL (original or final) containing TEXT\n"
	"  --title-contains TEXT  title containing TEXT\n"
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
	"                         most 8)\n\n"
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

/* httpx reports a technology as "Name" or "Name:version". */
static bool tech_match(const ps_probe_result *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; r->technologies && i < r->n_technologies; i++) {
		const char *t = r->technologies[i];
		if (t && !strncasecmp(t, name, n) && (t[n] == 0 || (t[n] == ':' && !strchr(name, ':'))))
			return true;
	}
	return false;
}

/* Results gathered from one or more searches, before offset and limit. */
typedef struct gathered {
	ps_probe_set *sets;
	size_t n_sets;
	const ps_probe_result **items;
	size_t n, cap;
	ps_url_diff *diffs;
	size_t n_diffs;
} gathered;

static ps_probe_set *new_set(gathered *g)
{
	ps_probe_set *s = realloc(g->sets, (g->n_sets + 1) * sizeof *s);
	if (!s)
		return NULL;
	g->sets = s;
	memset(&s[g->n_sets], 0, sizeof *s);
	return &s[g->n_sets++];
}

static int push(gathered *g, const ps_probe_result *r)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		const ps_probe_result **v = realloc(g->items, cap * sizeof *v);
		if (!v)
			return -1;
		g->items = v;
		g->cap = cap;
	}
	g->items[g->n++] = r;
	return 0;
}

static void gathered_free(gathered *g)
{
	for (size_t i = 0; i < g->n_sets; i++)
		ps_probe_set_free(&g->sets[i]);
	for (size_t i = 0; i < g->n_diffs; i++)
		ps_url_diff_free(&g->diffs[i]);
	free(g->sets);
	free(g->diffs);
	free(g->items);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scan of a target the query looks at (latest, or the last one in the
 * --scan TIME window) and the one before it. */
static void pick_scans(const ps_scan_info *scans, size_t n, bool at_time, int64_t lo, int64_t hi, ptrdiff_t *cur,
                       ptrdiff_t *prev)
{
	*cur = *prev = -1;
	for (size_t k = n; k-- > 0;) {
		if (!at_time || (scans[k].scan_time_ms >= lo && scans[k].scan_time_ms <= hi)) {
			*cur = (ptrdiff_t)k;
			*prev = (ptrdiff_t)k - 1;
			return;
		}
	}
}

/* --diff old: per target, the previous scan's results (filtered) whose URL
 * is missing from the selected scan, marked old. */
static int gather_old(ps_store *st, const ps_query *base, const char *target, bool at_time, int64_t lo, int64_t hi,
                      const char *tech, gathered *g)
{
	ps_target_info *targets = NULL;
	size_t nt = 1;
	if (!target && ps_store_list_targets(st, &targets, &nt)) {
		cli_error("%s", ps_errmsg());
		return -1;
	}
	int rc = 0;
	for (size_t t = 0; t < nt && !rc; t++) {
		const char *tg = target ? target : targets[t].host_port;
		ps_scan_info *scans;
		size_t ns;
		if (ps_store_list_scans(st, tg, &scans, &ns)) {
			cli_error("%s: %s", tg, ps_errmsg());
			rc = -1;
			break;
		}
		ptrdiff_t cur, prev;
		pick_scans(scans, ns, at_time, lo, hi, &cur, &prev);
		if (cur < 0 || prev < 0) {
			free(scans);
			continue;
		}
		ps_url_diff *d = realloc(g->diffs, (g->n_diffs + 1) * sizeof *d);
		ps_probe_set *set = d ? new_set(g) : NULL;
		if (!d || !set) {
			if (d)
				g->diffs = d;
			free(scans);
			cli_error("out of memory");
			rc = -1;
			break;
		}
		g->diffs = d;
		d = &g->diffs[g->n_diffs];
		if (ps_scan_diff(scans[prev].path, scans[cur].path, d)) {
			cli_error("%s", ps_errmsg());
			free(scans);
			rc = -1;
			break;
		}
		g->n_diffs++;
		ps_query q = *base;
		q.root_target = tg;
		q.scans = PS_SCANS_RANGE;
		q.from_ms = q.to_ms = scans[prev].scan_time_ms;
		q.diff_status = NULL;
		q.limit = INT64_MAX;
		q.offset = 0;
		free(scans);
		if (ps_store_search(st, &q, set)) {
			cli_error("%s", ps_errmsg());
			rc = -1;
			break;
		}
		for (size_t i = 0; i < set->n && !rc; i++) {
			ps_probe_result *r = &set->items[i];
			if (!r->input_url || !bsearch(&r->input_url, d->old_urls, d->n_old, sizeof *d->old_urls, cmp_str))
				continue;
			if (tech && !tech_match(r, tech))
				continue;
			r->url_status = "old";
			if (push(g, r)) {
				cli_error("out of memory");
				rc = -1;
			}
		}
	}
	free(targets);
	return rc;
}

static int output(const gathered *g, size_t from, size_t to, int64_t total, cli_out_format fmt)
{
	strbuf b = {0};
	bool ok = true;
	if (fmt == OUT_TABLE) {
		bool with_scan = false;
		for (size_t i = from + 1; i < to && !with_scan; i++)
			with_scan = g->items[i]->scan_timestamp_ms != g->items[from]->scan_timestamp_ms;
		const table_col *cols;
		int nc = probe_table_cols(&cols, with_scan);
		table t;
		table_init(&t, cols, nc);
		for (size_t i = from; i < to; i++)
			probe_table_add(&t, g->items[i], with_scan);
		if (to > from)
			table_render(&t, &b);
		table_free(&t);
		if (to == from)
			sb_printf(&b, "no results%s\n", total ? " in this range (see --offset)" : "");
		else if ((int64_t)(to - from) < total)
			sb_printf(&b, "%zu of %" PRId64 " results (--limit, --offset)\n", to - from, total);
		return cli_write(b.data, b.len) ? (sb_free(&b), EXIT_OK) : (sb_free(&b), EXIT_RUNTIME);
	}
	if (fmt == OUT_CSV)
		probe_csv_header(&b);
	for (size_t i = from; i < to && ok; i++) {
		if (fmt == OUT_CSV)
			probe_csv(&b, g->items[i]);
		else
			probe_jsonl(&b, g->items[i]);
		if (b.len >= 1 << 16 || i + 1 == to) {
			ok = cli_write(b.data, b.len);
			b.len = 0;
		}
	}
	if (ok && b.len)
		ok = cli_write(b.data, b.len);
	sb_free(&b);
	return ok ? EXIT_OK : EXIT_RUNTIME;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	const char *target = NULL, *status = NULL, *tech = NULL, *diff = NULL, *ctype = NULL, *url = NULL,
	           *title = NULL, *scan = NULL, *since = NULL, *until = NULL, *limit_s = NULL, *offset_s = NULL,
	           *threads_s = NULL, *format = NULL;
	bool errors = false, count = false;
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
		    (m = cli_opt("query", argc, argv, &i, "--format", &format))) {
			if (m < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--errors")) {
			errors = true;
		} else if (!strcmp(a, "--count")) {
			count = true;
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
	if (diff && strcmp(diff, "new") && strcmp(diff, "existing") && strcmp(diff, "old"))
		return cli_usage_error("query", "--diff must be new, existing or old, not '%s'", diff);
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
	bool at_time = false;
	if (scan && !strcmp(scan, "all")) {
		q.scans = PS_SCANS_ALL;
	} else if (scan && strcmp(scan, "latest")) {
		if (cli_parse_time("query", "--scan", scan, &lo, &hi))
			return EXIT_USAGE;
		q.scans = PS_SCANS_RANGE;
		q.from_ms = lo;
		q.to_ms = hi;
		at_time = true;
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
		q.from_ms = since_ms;
		q.to_ms = until_ms;
	}
	bool old = diff && !strcmp(diff, "old");
	if (old && (q.scans == PS_SCANS_ALL || since || until))
		return cli_usage_error("query", "--diff old compares one scan with the one before it: use --scan latest or "
		                                "--scan TIME");
	statuses sts = {0};
	if (status && parse_statuses(status, &sts)) {
		free(sts.codes);
		free(sts.ranges);
		return EXIT_USAGE;
	}
	q.root_target = target;
	q.status_codes = sts.codes;
	q.n_status_codes = sts.n_codes;
	q.status_ranges = sts.ranges;
	q.n_status_ranges = sts.n_ranges;
	q.diff_status = old ? NULL : diff;
	q.content_type = ctype;
	q.url_contains = url;
	q.title_contains = title;
	q.errors_only = errors;

	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc) {
		free(sts.codes);
		free(sts.ranges);
		return rc;
	}
	if (limit < 0)
		limit = ps_store_config(st)->reader.default_limit;
	gathered g = {0};
	int64_t total = 0;
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
	/* filters the store cannot apply (a technology named with or without its
	 * version, URLs gone since the scan before) come after the search, and
	 * offset and limit after them */
	bool post = tech || old;
	if (old) {
		if (gather_old(st, &q, target, at_time, lo, hi, tech, &g))
			goto out;
		total = (int64_t)g.n;
	} else {
		ps_probe_set *set = new_set(&g);
		if (!set) {
			cli_error("out of memory");
			goto out;
		}
		q.limit = post || limit == 0 ? INT64_MAX : count ? 1 : limit;
		q.offset = post ? 0 : offset;
		if (ps_store_search(st, &q, set)) {
			cli_error("%s", ps_errmsg());
			goto out;
		}
		for (size_t i = 0; i < set->n; i++) {
			if (tech && !tech_match(&set->items[i], tech))
				continue;
			if (push(&g, &set->items[i])) {
				cli_error("out of memory");
				goto out;
			}
		}
		total = post ? (int64_t)g.n : set->total;
	}
	if (count) {
		char line[32];
		int n = snprintf(line, sizeof line, "%" PRId64 "\n", total);
		rc = cli_write(line, (size_t)n) ? EXIT_OK : EXIT_RUNTIME;
		goto out;
	}
	size_t from = 0, to = g.n;
	if (post) {
		from = offset < (int64_t)g.n ? (size_t)offset : g.n;
		to = limit > 0 && (int64_t)(g.n - from) > limit ? from + (size_t)limit : g.n;
	}
	rc = output(&g, from, to, total, fmt);
out:
	gathered_free(&g);
	free(sts.codes);
	free(sts.ranges);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_query = {"query", "search stored probe results", usage, run};
