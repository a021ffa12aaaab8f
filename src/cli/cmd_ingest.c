/* probestore ingest: httpx -json output or probestore's own JSON Lines into
 * one scan per root target. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: probestore ingest [FILE...|-] [--format auto|httpx|jsonl] [--target URL]\n"
	"                         [--group-by domain|host] [--session ID] [--scan-time TIME]\n"
	"                         [--codec CODEC] [--on-error fail|skip] [--max-line-size SIZE]\n"
	"                         [--quiet]\n\n"
	"Reads httpx -json output, or probestore's own JSON Lines (what query --format jsonl\n"
	"prints), from the files or standard input, groups the records by root target and\n"
	"writes one scan per target, each URL marked new or existing against the target's\n"
	"previous scan. Prints a summary per scan: records, new, existing, old (URLs of\n"
	"the previous scan that are gone) and the file written.\n\n"
	"Options:\n"
	"  --format FMT       auto (default: detected from the first record), httpx or jsonl\n"
	"  --target URL       one root target for every record (default: see --group-by for\n"
	"                     httpx records; probestore's records keep their root_target_url)\n"
	"  --group-by G       domain (default): an httpx record's root target is its host's\n"
	"                     registrable domain (Public Suffix List) as a bare host, i.e.\n"
	"                     <domain>:443, whatever the scheme and port; IP addresses and\n"
	"                     single-label hosts stay grouped by host:port;\n"
	"                     host: one target per host and port of httpx's input\n"
	"  --session ID       scan session id written with each scan (default: generated)\n"
	"  --scan-time TIME   the scans' time, e.g. 2025-03-01T09:00:00Z (default: the\n"
	"                     timestamp of the target's first httpx record, the scan_timestamp\n"
	"                     of probestore's records, else now)\n"
	"  --codec CODEC      none, snappy, gzip, zstd, lz4_raw, brotli or auto (default: the\n"
	"                     configuration's compression_codec)\n"
	"  --on-error MODE    fail (default): a bad line stops the ingest and nothing is written;\n"
	"                     skip: report each bad line, skip it and write the rest\n"
	"  --max-line-size S  longest line accepted, e.g. 64MiB (default: the configuration's\n"
	"                     max_line_size, 16MiB unless set)\n"
	"  -q, --quiet        no summary and no progress line\n\n"
	"On a terminal, a progress line (records, records per second, bytes read) shows on\n"
	"standard error while reading.\n";

/* ---- progress and bad lines (called by the store while it reads) ---- */

typedef struct ui {
	bool progress, shown;
	struct timespec t0, last;
} ui;

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_clear(ui *u)
{
	if (u->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		u->shown = false;
	}
}

static void on_progress(void *ud, const ps_ingest_progress *p)
{
	ui *u = ud;
	if (!u->progress || seconds_since(&u->last) < 0.2)
		return;
	clock_gettime(CLOCK_MONOTONIC, &u->last);
	double el = seconds_since(&u->t0);
	char size[32];
	fprintf(stderr, "\r\033[Kingest: %" PRId64 " record%s, %.0f records/s, %s read", p->records,
	        p->records == 1 ? "" : "s", el > 0 ? (double)p->records / el : 0.0, ps_size_human((double)p->bytes, size, sizeof size));
	if (p->skipped)
		fprintf(stderr, ", %" PRId64 " lines skipped", p->skipped);
	fflush(stderr);
	u->shown = true;
}

static void on_bad_line(void *ud, const char *input, int64_t line, const char *why)
{
	progress_clear(ud);
	cli_error("%s:%" PRId64 ": %s (line skipped)", input, line, why);
}

static const table_col SUMMARY[] = {
	{"target", 0, false}, {"scan", 0, false}, {"records", 0, true}, {"new", 0, true},
	{"existing", 0, true}, {"old", 0, true}, {"file", 0, false},
};

/* One input into the ingest; false after reporting an error. */
static bool read_input(ps_ingest *ing, ui *u, const char *path)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	/* typed at a terminal, an ingest that waits for input looks hung */
	if (is_stdin && u->progress && isatty(STDIN_FILENO))
		fputs("probestore: reading JSON Lines from the terminal; end with Ctrl-D\n", stderr);
	if (fd < 0) {
		progress_clear(u);
		cli_error("%s: %s", path, strerror(errno));
		return false;
	}
	int rc = ps_ingest_read_fd(ing, fd, name);
	if (!is_stdin)
		close(fd);
	if (rc) {
		progress_clear(u);
		cli_error("%s", ps_errmsg());
	}
	return rc == 0;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	ps_ingest_options io;
	ps_ingest_options_default(&io);
	const char **paths = calloc((size_t)argc, sizeof *paths);
	size_t n_paths = 0;
	const char *on_error = "fail", *format = "auto", *max_line = NULL, *scan_time = NULL, *codec = NULL;
	const char *group_by = "domain";
	bool quiet = false;
	ps_store *st = NULL;
	ps_ingest *ing = NULL;
	ps_ingest_summary sum = {0};
	if (!paths) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	int rc = EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if ((m = cli_opt("ingest", argc, argv, &i, "--format", &format)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--target", &io.target)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--group-by", &group_by)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--session", &io.session_id)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--scan-time", &scan_time)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--codec", &codec)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--on-error", &on_error)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--max-line-size", &max_line))) {
			if (m < 0)
				goto out;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				paths[n_paths++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			cli_usage_error("ingest", "unknown option '%s'", a);
			goto out;
		} else {
			paths[n_paths++] = a;
		}
	}
	if (!strcmp(format, "httpx"))
		io.format = PS_INGEST_HTTPX;
	else if (!strcmp(format, "jsonl"))
		io.format = PS_INGEST_JSONL;
	else if (strcmp(format, "auto")) {
		cli_usage_error("ingest", "--format must be auto, httpx or jsonl, not '%s'", format);
		goto out;
	}
	if (!strcmp(group_by, "host"))
		io.group_by = PS_GROUP_HOST;
	else if (strcmp(group_by, "domain")) {
		cli_usage_error("ingest", "--group-by must be domain or host, not '%s'", group_by);
		goto out;
	}
	if (!strcmp(on_error, "skip"))
		io.skip_bad_lines = true;
	else if (strcmp(on_error, "fail")) {
		cli_usage_error("ingest", "--on-error must be fail or skip, not '%s'", on_error);
		goto out;
	}
	if (io.target && cli_check_target("ingest", "--target", io.target))
		goto out;
	if (io.session_id && !*io.session_id) {
		cli_usage_error("ingest", "--session needs an id, not an empty string");
		goto out;
	}
	int64_t hi;
	if (scan_time && cli_parse_time("ingest", "--scan-time", scan_time, &io.scan_time_ms, &hi))
		goto out;
	io.has_scan_time = scan_time != NULL;
	if (codec && ps_codec_parse(codec, &io.codec)) {
		cli_usage_error("ingest", "--codec must be none, snappy, gzip, zstd, lz4_raw, brotli or auto, not '%s'",
		                codec);
		goto out;
	}
	uint64_t ml = 0;
	if (max_line && cli_parse_size("ingest", "--max-line-size", max_line, &ml))
		goto out;
	if (max_line && (ml == 0 || ml > ((uint64_t)1 << 40))) {
		cli_usage_error("ingest", "--max-line-size must be between 1 byte and 1 TiB");
		goto out;
	}
	io.max_line_size = (size_t)ml;
	if (n_paths == 0)
		paths[n_paths++] = "-";
	size_t n_stdin = 0;
	for (size_t k = 0; k < n_paths; k++)
		n_stdin += !strcmp(paths[k], "-");
	if (n_stdin > 1) {
		cli_usage_error("ingest", "standard input ('-') can be read only once");
		goto out;
	}

	rc = EXIT_RUNTIME;
	if (cli_store_open(gl, false, &st))
		goto out;
	/* the writers' row groups are flushed and their buffers freed and
	 * grown again all through an ingest: blocks of a megabyte or more go
	 * back to the kernel when freed instead of staying as holes in the
	 * heap (at 4,000,000 lines, a peak of 249 MB instead of 255 MB, at
	 * the same speed; main sets 16 MiB for the reading commands) */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 20);
	ui u = {.progress = !quiet && isatty(STDERR_FILENO)};
	clock_gettime(CLOCK_MONOTONIC, &u.t0);
	io.on_progress = on_progress;
	io.on_bad_line = on_bad_line;
	io.ud = &u;
	/* an httpx run over many hosts, grouped by host, may hold a scan file
	 * open per host: allow many descriptors */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (ps_ingest_open(&ing, st, &io)) {
		cli_error("%s", ps_errmsg());
		goto out;
	}
	bool failed = false;
	for (size_t k = 0; k < n_paths && !failed; k++)
		failed = !read_input(ing, &u, paths[k]);
	progress_clear(&u);
	if (failed)
		goto out;
	bool ok = ps_ingest_finish(ing, &sum) == 0;
	if (!ok && !sum.n_planned) {
		cli_error("%s", ps_errmsg());
		goto out;
	}
	if (ok && sum.n_planned == 0) {
		/* every line skipped is a failure, an empty input is not */
		if (sum.skipped)
			cli_error("no valid records in the input (%" PRId64 " lines skipped); nothing was written", sum.skipped);
		else if (!quiet)
			cli_error("no records in the input; nothing was written");
		rc = sum.skipped ? EXIT_RUNTIME : EXIT_OK;
		goto out;
	}
	table t;
	table_init(&t, SUMMARY, (int)(sizeof SUMMARY / sizeof *SUMMARY));
	for (size_t k = 0; k < sum.n_scans; k++) {
		const ps_ingest_scan *s = &sum.scans[k];
		char scan[32], recs[24], nw[24], ex[24], old[24];
		snprintf(recs, sizeof recs, "%" PRId64, s->records);
		snprintf(nw, sizeof nw, "%" PRId64, s->n_new);
		snprintf(ex, sizeof ex, "%" PRId64, s->n_existing);
		snprintf(old, sizeof old, "%" PRId64, s->n_old);
		char file[4200];
		snprintf(file, sizeof file, "%s%s", s->path, s->already_stored ? " (stored already)" : "");
		const char *cells[] = {s->host_port, cli_time_short(s->scan_time_ms, scan), recs, nw, ex, old, file};
		table_add(&t, cells);
	}
	if (!ok)
		cli_error("%s", ps_errmsg());
	if (!quiet && t.rows) {
		strbuf o = {0};
		table_render(&t, &o);
		if (!cli_write(o.data, o.len))
			ok = false;
		sb_free(&o);
	}
	table_free(&t);
	if (ok && sum.skipped)
		cli_error("%" PRId64 " of %" PRId64 " lines skipped", sum.skipped, sum.lines);
	if (!ok)
		cli_error("%zu of %zu scans were written before the error; running the same ingest again is safe: "
		          "it writes the scans that are missing and skips those stored",
		          sum.n_scans, sum.n_planned);
	rc = ok ? EXIT_OK : EXIT_RUNTIME;
out:
	ps_ingest_summary_free(&sum);
	ps_ingest_close(ing);
	if (st)
		cli_store_close(st);
	free(paths);
	return rc;
}

const cli_command cmd_ingest = {"ingest", "read httpx -json output (or probestore's JSON Lines) into scans", usage,
                                run};
