/* probestore ingest: httpx -json output or probestore's own JSON Lines into
 * one scan per root target. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "httpx.h"
#include "output.h"

static const char usage[] =
	"usage: probestore ingest [FILE...|-] [--format auto|httpx|jsonl] [--target URL]\n"
	"                         [--session ID] [--scan-time TIME] [--codec CODEC]\n"
	"                         [--on-error fail|skip] [--max-line-size SIZE] [--quiet]\n\n"
	"Reads httpx -json output, or probestore's own JSON Lines (what query --format jsonl\n"
	"prints), from the files or standard input, groups the records by root target and\n"
	"writes one scan per target, each URL marked new or existing against the target's\n"
	"previous scan. Prints a summary per scan: records, new, existing, old (URLs of\n"
	"the previous scan that are gone) and the file written.\n\n"
	"Options:\n"
	"  --format FMT       auto (default: detected from the first record), httpx or jsonl\n"
	"  --target URL       one root target for every record (default: each httpx record's\n"
	"                     input host, or the root_target_url of probestore's records)\n"
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

/* records buffered before the scans of big targets are started early */
#define FLUSH_BYTES ((size_t)8 << 20)

/* ---- lines ---- */

typedef struct reader {
	int fd;
	const char *name;
	char *buf;
	size_t start, end, scanned, cap;
	bool eof, discarding;
	int64_t line;    /* number of the line last returned */
	uint64_t *bytes; /* bytes read, across inputs */
} reader;

enum { LINE_EOF = 0, LINE_OK = 1, LINE_TOO_LONG = -2, LINE_IO = -1 };

/* The next line without its newline (and CR), at most max bytes; a longer
 * one is read to its end and dropped. */
static int reader_next(reader *r, size_t max, char **line, size_t *len)
{
	for (;;) {
		char *nl = r->scanned < r->end ? memchr(r->buf + r->scanned, '\n', r->end - r->scanned) : NULL;
		if (nl) {
			size_t at = (size_t)(nl - r->buf);
			r->line++;
			if (r->discarding) {
				r->discarding = false;
				r->start = r->scanned = at + 1;
				return LINE_TOO_LONG;
			}
			*line = r->buf + r->start;
			*len = at - r->start;
			r->start = r->scanned = at + 1;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			if (*len > max)
				return LINE_TOO_LONG;
			return LINE_OK;
		}
		r->scanned = r->end;
		if (r->end - r->start > max + 1 || r->discarding) {
			r->discarding = true; /* keep reading, keep nothing */
			r->start = r->scanned = r->end = 0;
		}
		if (r->eof) {
			if (r->discarding) {
				r->discarding = false;
				r->line++;
				return LINE_TOO_LONG;
			}
			if (r->end == r->start)
				return LINE_EOF;
			r->line++;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->scanned = r->end;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			return *len > max ? LINE_TOO_LONG : LINE_OK;
		}
		if (r->start) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scanned -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 1 << 16;
			char *b = realloc(r->buf, cap + 1);
			if (!b) {
				cli_error("out of memory reading %s", r->name);
				return LINE_IO;
			}
			r->buf = b;
			r->cap = cap;
		}
		/* read(), not fread(): a pipe from a running httpx delivers what
		 * it has, and the records are counted as they come */
		ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			cli_error("%s: %s", r->name, strerror(errno));
			return LINE_IO;
		}
		r->end += (size_t)got;
		*r->bytes += (uint64_t)got;
		if (got == 0)
			r->eof = true;
	}
}

/* ---- UTF-8 ---- */

/* p[0..n) with each invalid byte replaced by U+FFFD, in *out. */
static void utf8_repair(const char *p, size_t n, strbuf *out)
{
	out->len = 0;
	while (n) {
		size_t ok = ps_utf8_valid(p, n);
		sb_put(out, p, ok);
		p += ok;
		n -= ok;
		if (n) {
			sb_put(out, "\xEF\xBF\xBD", 3);
			p++;
			n--;
		}
	}
}

/* ---- groups: one scan each ---- */

typedef struct group {
	char dir[PS_HOST_PORT_DIR_MAX]; /* the target's directory name */
	int64_t key_time;               /* with keyed_by_time: the records' scan time */
	char *target;
	int64_t first_time;             /* the first record's time (httpx timestamp) */
	size_t order;                   /* first appearance of the target's directory */
	arena a;
	ps_probe_result *recs;
	size_t n, cap;
	ps_scan_writer *w;
	char *prev;                     /* the scan the writer diffs against */
	int64_t scan_ms;
	ps_scan_result res;
	size_t n_old;
	bool written;
} group;

typedef struct ingest {
	const char *target, *session, *codec_name;
	int64_t scan_time;
	bool has_scan_time, skip, quiet, progress;
	int codec;
	rec_format format;              /* 0: detect from the first record */
	size_t max_line;
	ps_store *st;
	ps_utf8_repair utf8;
	int64_t now;
	char session_buf[64];
	group **groups;
	size_t n_groups, cap_groups;
	size_t *slots;                  /* hash of dir + time -> group index + 1 */
	size_t n_slots;
	char **dirs;                    /* target directories in order of first appearance */
	size_t n_dirs, cap_dirs;
	size_t *dir_slots;              /* hash of dir -> index in dirs + 1 */
	size_t n_dir_slots;
	size_t buffered, flush_at;      /* bytes of records held; the next look at them */
	int64_t records, skipped, lines;
	uint64_t bytes;
	struct timespec t0, last_progress;
	bool progress_shown;
	char last_target[512];          /* the last record's target ("" none) ... */
	char last_dir[PS_HOST_PORT_DIR_MAX]; /* ... and its directory */
} ingest;

static uint64_t hash_key(const char *dir, int64_t t)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)dir; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	for (int k = 0; k < 8; k++)
		h = (h ^ (uint64_t)((t >> (8 * k)) & 0xff)) * 1099511628211ull;
	return h;
}

/* Keeps an open-addressing table of n entries (slot: index + 1) at most
 * half full: doubles it and places the entries again, hash(in, i) giving
 * entry i's hash. */
static void slots_fit(ingest *in, size_t **slots, size_t *n_slots, size_t n,
                      uint64_t (*hash)(const ingest *in, size_t i))
{
	if (n * 2 < *n_slots)
		return;
	size_t ns = *n_slots ? *n_slots * 2 : 64;
	size_t *t = cli_xcalloc(ns, sizeof *t);
	for (size_t i = 0; i < n; i++) {
		size_t k = hash(in, i) & (ns - 1);
		while (t[k])
			k = (k + 1) & (ns - 1);
		t[k] = i + 1;
	}
	free(*slots);
	*slots = t;
	*n_slots = ns;
}

static uint64_t dir_hash(const ingest *in, size_t i)
{
	return hash_key(in->dirs[i], 0);
}

static uint64_t group_hash(const ingest *in, size_t i)
{
	return hash_key(in->groups[i]->dir, in->groups[i]->key_time);
}

/* The position of dir among the target directories in order of first
 * appearance (hashed: httpx output without --target can name a target per
 * line, tens of thousands of them). */
static size_t dir_order(ingest *in, const char *dir)
{
	slots_fit(in, &in->dir_slots, &in->n_dir_slots, in->n_dirs, dir_hash);
	size_t s = hash_key(dir, 0) & (in->n_dir_slots - 1);
	for (; in->dir_slots[s]; s = (s + 1) & (in->n_dir_slots - 1))
		if (!strcmp(in->dirs[in->dir_slots[s] - 1], dir))
			return in->dir_slots[s] - 1;
	if (in->n_dirs == in->cap_dirs) {
		in->cap_dirs = in->cap_dirs ? 2 * in->cap_dirs : 16;
		in->dirs = cli_xrealloc(in->dirs, in->cap_dirs * sizeof *in->dirs);
	}
	in->dirs[in->n_dirs] = cli_xstrdup(dir);
	in->dir_slots[s] = ++in->n_dirs;
	return in->n_dirs - 1;
}

static group *group_find(ingest *in, const char *dir, int64_t t, const char *target)
{
	slots_fit(in, &in->slots, &in->n_slots, in->n_groups, group_hash);
	size_t s = hash_key(dir, t) & (in->n_slots - 1);
	for (; in->slots[s]; s = (s + 1) & (in->n_slots - 1)) {
		group *g = in->groups[in->slots[s] - 1];
		if (g->key_time == t && !strcmp(g->dir, dir))
			return g;
	}
	group *g = cli_xcalloc(1, sizeof *g);
	snprintf(g->dir, sizeof g->dir, "%s", dir);
	g->key_time = t;
	g->target = cli_xstrdup(target);
	g->order = dir_order(in, dir);
	if (in->n_groups == in->cap_groups) {
		in->cap_groups = in->cap_groups ? in->cap_groups * 2 : 16;
		in->groups = cli_xrealloc(in->groups, in->cap_groups * sizeof *in->groups);
	}
	in->groups[in->n_groups++] = g;
	in->slots[s] = in->n_groups;
	return g;
}

static void group_free(group *g)
{
	if (g->w)
		ps_scan_writer_abort(g->w);
	arena_free(&g->a);
	free(g->recs);
	free(g->target);
	free(g->prev);
	free(g);
}

/* A copy of r (its strings, lists and headers) in g's arena. The body is
 * left out: the scan files have no column for it. */
static void group_add(ingest *in, group *g, const ps_probe_result *r)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		g->recs = cli_xrealloc(g->recs, g->cap * sizeof *g->recs);
	}
	size_t before = g->a.bytes;
	ps_probe_result *c = &g->recs[g->n++];
	*c = *r;
	c->body = NULL;
#define DUP(f) c->f = r->f ? arena_strndup(&g->a, r->f, strlen(r->f)) : NULL
	DUP(input_url);
	DUP(final_url);
	DUP(content_type);
	DUP(title);
	DUP(web_server);
	DUP(root_target_url);
	DUP(error);
	DUP(method);
	DUP(asn);
#undef DUP
	const char *const *lists[3] = {r->technologies, r->ips, r->cnames};
	size_t counts[3] = {r->n_technologies, r->n_ips, r->n_cnames};
	const char *const **dst[3] = {&c->technologies, &c->ips, &c->cnames};
	for (int l = 0; l < 3; l++) {
		*dst[l] = NULL;
		if (!lists[l] || !counts[l])
			continue;
		const char **v = arena_alloc(&g->a, counts[l] * sizeof *v);
		for (size_t i = 0; i < counts[l]; i++)
			v[i] = lists[l][i] ? arena_strndup(&g->a, lists[l][i], strlen(lists[l][i])) : NULL;
		*dst[l] = v;
	}
	c->headers = NULL;
	if (r->headers && r->n_headers) {
		ps_header *h = arena_alloc(&g->a, r->n_headers * sizeof *h);
		for (size_t i = 0; i < r->n_headers; i++) {
			h[i].name = arena_strndup(&g->a, r->headers[i].name, strlen(r->headers[i].name));
			h[i].value = r->headers[i].value ? arena_strndup(&g->a, r->headers[i].value, strlen(r->headers[i].value))
			                                 : NULL;
		}
		c->headers = h;
	}
	in->buffered += g->a.bytes - before;
}

static int64_t group_scan_time(const ingest *in, const group *g)
{
	if (in->has_scan_time)
		return in->scan_time;
	if (g->key_time)
		return g->key_time;
	return g->first_time ? g->first_time : in->now;
}

/* Opens g's scan writer, noting the scan it will be diffed against. */
static int group_open(const ingest *in, group *g)
{
	ps_scan_info *scans;
	size_t n;
	if (ps_store_list_scans(in->st, g->target, &scans, &n)) {
		cli_error("%s: %s", g->target, ps_errmsg());
		return -1;
	}
	if (n && !(g->prev = strdup(scans[n - 1].path))) {
		free(scans);
		cli_error("out of memory");
		return -1;
	}
	free(scans);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = g->target;
	o.session_id = in->session;
	o.scan_time_ms = g->scan_ms = group_scan_time(in, g);
	if (in->codec_name)
		o.codec = in->codec;
	if (ps_scan_writer_open(&g->w, in->st, &o)) {
		cli_error("%s: %s", g->target, ps_errmsg());
		return -1;
	}
	return 0;
}

/* Hands g's buffered records to its writer and frees them. */
static int group_write(const ingest *in, group *g)
{
	if (!g->w && group_open(in, g))
		return -1;
	if (g->n && ps_scan_writer_add(g->w, g->recs, g->n)) {
		cli_error("%s: %s", g->target, ps_errmsg());
		return -1;
	}
	arena_free(&g->a);
	g->n = 0;
	return 0;
}

/* The same while reading, keeping count of what stays buffered. */
static int group_flush(ingest *in, group *g)
{
	size_t bytes = g->a.bytes;
	if (group_write(in, g))
		return -1;
	in->buffered -= bytes < in->buffered ? bytes : in->buffered;
	return 0;
}

/* Too much buffered: hand the records of big targets to their scan
 * writers, which hold them compressed. Small targets stay buffered (a
 * writer costs more than a few records). Only one scan per target is
 * possible then: scans keyed by time are written in time order at the
 * end, each diffed against the one before. */
static int relieve(ingest *in, bool keyed_by_time)
{
	if (keyed_by_time || in->buffered < in->flush_at)
		return 0;
	for (size_t i = 0; i < in->n_groups; i++) {
		group *g = in->groups[i];
		if ((g->n >= 1000 || g->a.bytes >= ((size_t)1 << 20)) && group_flush(in, g))
			return -1;
	}
	/* what stays is small targets': look again after another 2 MiB,
	 * not after every line */
	in->flush_at = in->buffered + FLUSH_BYTES / 4 > FLUSH_BYTES ? in->buffered + FLUSH_BYTES / 4 : FLUSH_BYTES;
	return 0;
}

/* ---- progress ---- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(ingest *in, bool force)
{
	if (!in->progress)
		return;
	if (!force && seconds_since(&in->last_progress) < 0.2)
		return;
	clock_gettime(CLOCK_MONOTONIC, &in->last_progress);
	double el = seconds_since(&in->t0);
	char size[32];
	fprintf(stderr, "\r\033[Kingest: %" PRId64 " record%s, %.0f records/s, %s read", in->records,
	        in->records == 1 ? "" : "s", el > 0 ? (double)in->records / el : 0.0, human_size((double)in->bytes, size));
	if (in->skipped)
		fprintf(stderr, ", %" PRId64 " lines skipped", in->skipped);
	fflush(stderr);
	in->progress_shown = true;
}

static void progress_clear(ingest *in)
{
	if (in->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		in->progress_shown = false;
	}
}

/* ---- one line ---- */

/* A bad line: with --on-error skip it is reported and skipped (0),
 * otherwise the ingest stops (-1). */
static int bad_line(ingest *in, const reader *r, const char *why)
{
	progress_clear(in);
	if (in->skip) {
		cli_error("%s:%" PRId64 ": %s (line skipped)", r->name, r->line, why);
		in->skipped++;
		return 0;
	}
	cli_error("%s:%" PRId64 ": %s; nothing was written", r->name, r->line, why);
	return -1;
}

static int take_line(ingest *in, const reader *rd, const char *line, size_t len, strbuf *fixed)
{
	size_t blank = 0;
	while (blank < len && (line[blank] == ' ' || line[blank] == '\t'))
		blank++;
	if (blank == len)
		return 0;
	char why[512];
	size_t ok = ps_utf8_valid(line, len);
	if (ok < len) {
		if (in->utf8 == PS_UTF8_REJECT) {
			snprintf(why, sizeof why, "invalid UTF-8 at byte %zu (utf8_repair: reject)", ok + 1);
			return bad_line(in, rd, why);
		}
		utf8_repair(line, len, fixed);
		line = fixed->data;
		len = fixed->len;
	}
	arena tmp = {0};
	rec r;
	rec_options ro = {.keep_body = false, .no_target = in->target != NULL};
	int rc = rec_from_line(line, len, &in->format, &ro, &tmp, &r, why, sizeof why);
	/* records of probestore's own format carry their scan time: one scan
	 * per target and time, unless --scan-time names one */
	bool keyed = in->format == REC_JSONL && !in->has_scan_time;
	if (!rc && in->target)
		r.target = in->target;
	if (!rc)
		rc = rec_validate(&r, why, sizeof why);
	/* the directory of the previous record's target, most often the same */
	char *dir = in->last_dir;
	if (!rc && (!in->last_target[0] || strcmp(r.target, in->last_target) != 0)) {
		if (ps_target_host_port_dir(r.target, dir, sizeof in->last_dir)) {
			snprintf(why, sizeof why, "root target: %s", ps_errmsg());
			in->last_target[0] = 0;
			rc = -1;
		} else if (snprintf(in->last_target, sizeof in->last_target, "%s", r.target) >=
		           (int)sizeof in->last_target) {
			in->last_target[0] = 0; /* too long to remember: computed again */
		}
	}
	if (rc) {
		arena_free(&tmp);
		return bad_line(in, rd, why);
	}
	group *g = group_find(in, dir, keyed ? r.time_ms : 0, r.target);
	if (!g->n && !g->w)
		g->first_time = r.time_ms;
	group_add(in, g, &r.r);
	in->records++;
	arena_free(&tmp);
	return relieve(in, keyed);
}

static int read_input(ingest *in, const char *path)
{
	bool is_stdin = !strcmp(path, "-");
	reader rd = {0};
	rd.name = is_stdin ? "<stdin>" : path;
	rd.bytes = &in->bytes;
	rd.fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	/* typed at a terminal, an ingest that waits for input looks hung */
	if (is_stdin && in->progress && isatty(STDIN_FILENO))
		fputs("probestore: reading JSON Lines from the terminal; end with Ctrl-D\n", stderr);
	if (rd.fd < 0) {
		progress_clear(in);
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	strbuf fixed = {0};
	int rc = 0;
	for (;;) {
		char *line;
		size_t len;
		int got = reader_next(&rd, in->max_line, &line, &len);
		if (got == LINE_EOF)
			break;
		if (got == LINE_IO) {
			rc = -1;
			break;
		}
		in->lines++;
		if (got == LINE_TOO_LONG) {
			char why[128], size[32];
			snprintf(why, sizeof why, "line longer than the %s limit (--max-line-size, max_line_size)", human_size((double)in->max_line, size));
			if ((rc = bad_line(in, &rd, why)))
				break;
			continue;
		}
		if ((rc = take_line(in, &rd, line, len, &fixed)))
			break;
		progress(in, false);
	}
	sb_free(&fixed);
	free(rd.buf);
	if (!is_stdin)
		close(rd.fd);
	return rc;
}

/* ---- writing ---- */

static int cmp_group(const void *a, const void *b)
{
	const group *x = *(const group *const *)a, *y = *(const group *const *)b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->key_time > y->key_time) - (x->key_time < y->key_time);
}

static const table_col SUMMARY[] = {
	{"target", 0, false}, {"scan", 0, false}, {"records", 0, true}, {"new", 0, true},
	{"existing", 0, true}, {"old", 0, true}, {"file", 0, false},
};

static int commit_group(const ingest *in, group *g)
{
	if (group_write(in, g))
		return -1;
	int rc = ps_scan_writer_commit(g->w, &g->res);
	g->w = NULL;
	if (rc) {
		cli_error("%s: %s", g->target, ps_errmsg());
		return -1;
	}
	g->written = true;
	ps_url_diff d;
	if (ps_scan_diff(g->prev, g->res.path, &d)) {
		cli_error("%s: scan written to %s, but the diff against %s failed: %s", g->target, g->res.path,
		          g->prev ? g->prev : "nothing", ps_errmsg());
		return -1;
	}
	g->n_old = d.n_old;
	ps_url_diff_free(&d);
	return 0;
}

/* Scans are committed on several threads: each commit waits for two
 * fsyncs (the file and its directory), and an httpx run over thousands of
 * hosts makes thousands of scans. One thread commits all the scans of a
 * target, in time order, since each is diffed against the one before. */
typedef struct committer {
	const ingest *in;
	group **groups;
	const size_t *starts; /* first group of each target, and n_groups at the end */
	size_t n_targets;
	size_t next;          /* the next target to take (atomic) */
	int failed;           /* atomic */
} committer;

static void *commit_worker(void *arg)
{
	committer *c = arg;
	while (!__atomic_load_n(&c->failed, __ATOMIC_ACQUIRE)) {
		size_t t = __atomic_fetch_add(&c->next, 1, __ATOMIC_ACQ_REL);
		if (t >= c->n_targets)
			break;
		for (size_t k = c->starts[t]; k < c->starts[t + 1]; k++)
			if (commit_group(c->in, c->groups[k])) {
				__atomic_store_n(&c->failed, 1, __ATOMIC_RELEASE);
				break;
			}
	}
	return NULL;
}

/* Commits every group (sorted by target, then time); false if one failed. */
static bool commit_all(const ingest *in)
{
	size_t *starts = calloc(in->n_groups + 1, sizeof *starts);
	if (!starts) {
		cli_error("out of memory");
		return false;
	}
	size_t nt = 0;
	for (size_t k = 0; k < in->n_groups; k++)
		if (k == 0 || in->groups[k]->order != in->groups[k - 1]->order)
			starts[nt++] = k;
	starts[nt] = in->n_groups;
	committer c = {.in = in, .groups = in->groups, .starts = starts, .n_targets = nt};
	pthread_t th[8];
	size_t n = nt < 8 ? nt : 8, started = 0;
	while (n > 1 && started < n && pthread_create(&th[started], NULL, commit_worker, &c) == 0)
		started++;
	commit_worker(&c); /* this thread works too, alone if no thread started */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(starts);
	return !c.failed;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	ingest in = {0};
	const char **paths = calloc((size_t)argc, sizeof *paths);
	size_t n_paths = 0;
	const char *on_error = "fail", *format = "auto", *max_line = NULL, *scan_time = NULL;
	if (!paths) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	int rc = EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if ((m = cli_opt("ingest", argc, argv, &i, "--format", &format)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--target", &in.target)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--session", &in.session)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--scan-time", &scan_time)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--codec", &in.codec_name)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--on-error", &on_error)) ||
		    (m = cli_opt("ingest", argc, argv, &i, "--max-line-size", &max_line))) {
			if (m < 0)
				goto out;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			in.quiet = true;
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
		in.format = REC_HTTPX;
	else if (!strcmp(format, "jsonl"))
		in.format = REC_JSONL;
	else if (strcmp(format, "auto")) {
		cli_usage_error("ingest", "--format must be auto, httpx or jsonl, not '%s'", format);
		goto out;
	}
	if (!strcmp(on_error, "skip"))
		in.skip = true;
	else if (strcmp(on_error, "fail")) {
		cli_usage_error("ingest", "--on-error must be fail or skip, not '%s'", on_error);
		goto out;
	}
	if (in.target && cli_check_target("ingest", "--target", in.target))
		goto out;
	if (in.session && !*in.session) {
		cli_usage_error("ingest", "--session needs an id, not an empty string");
		goto out;
	}
	int64_t hi;
	if (scan_time && cli_parse_time("ingest", "--scan-time", scan_time, &in.scan_time, &hi))
		goto out;
	in.has_scan_time = scan_time != NULL;
	if (in.codec_name && ps_codec_parse(in.codec_name, &in.codec)) {
		cli_usage_error("ingest", "--codec must be none, snappy, gzip, zstd, lz4_raw, brotli or auto, not '%s'",
		                in.codec_name);
		goto out;
	}
	uint64_t ml = 0;
	if (max_line && cli_parse_size("ingest", "--max-line-size", max_line, &ml))
		goto out;
	if (max_line && (ml == 0 || ml > ((uint64_t)1 << 40))) {
		cli_usage_error("ingest", "--max-line-size must be between 1 byte and 1 TiB");
		goto out;
	}
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
	if (cli_store_open(gl, false, &in.st))
		goto out;
	in.utf8 = ps_store_config(in.st)->writer.utf8_repair;
	in.max_line = (size_t)(ml ? ml : ps_store_config(in.st)->writer.max_line_size);
	in.flush_at = FLUSH_BYTES;
	in.progress = !in.quiet && isatty(STDERR_FILENO);
	/* one scan per target may be open at once: allow many descriptors */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	in.now = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	clock_gettime(CLOCK_MONOTONIC, &in.t0);
	if (!in.session) {
		ps_session_id_new(in.session_buf, sizeof in.session_buf, in.now);
		in.session = in.session_buf;
	}

	bool failed = false;
	for (size_t k = 0; k < n_paths && !failed; k++)
		failed = read_input(&in, paths[k]) != 0;
	progress_clear(&in);
	if (failed)
		goto out;
	if (in.n_groups == 0 && in.target) {
		/* scanned, nothing answered: an empty scan says so */
		char dir[PS_HOST_PORT_DIR_MAX];
		if (ps_target_host_port_dir(in.target, dir, sizeof dir) == 0)
			group_find(&in, dir, 0, in.target);
	}
	if (in.n_groups == 0) {
		/* every line skipped is a failure, an empty input is not */
		if (in.skipped)
			cli_error("no valid records in the input (%" PRId64 " lines skipped); nothing was written", in.skipped);
		else if (!in.quiet)
			cli_error("no records in the input; nothing was written");
		rc = in.skipped ? EXIT_RUNTIME : EXIT_OK;
		goto out;
	}
	qsort(in.groups, in.n_groups, sizeof *in.groups, cmp_group);
	table t;
	table_init(&t, SUMMARY, (int)(sizeof SUMMARY / sizeof *SUMMARY));
	bool ok = commit_all(&in);
	for (size_t k = 0; k < in.n_groups; k++) {
		group *g = in.groups[k];
		if (!g->written)
			continue;
		char scan[32], recs[24], nw[24], ex[24], old[24], display[PS_HOST_PORT_DISPLAY_MAX];
		if (ps_host_port_dir_display(g->dir, display, sizeof display))
			snprintf(display, sizeof display, "%s", g->target);
		snprintf(recs, sizeof recs, "%" PRId64, g->res.records);
		snprintf(nw, sizeof nw, "%" PRId64, g->res.n_new);
		snprintf(ex, sizeof ex, "%" PRId64, g->res.n_existing);
		snprintf(old, sizeof old, "%zu", g->n_old);
		const char *cells[] = {display, cli_time_short(g->res.scan_time_ms, scan), recs, nw, ex, old, g->res.path};
		table_add(&t, cells);
	}
	if (!in.quiet && t.rows) {
		strbuf o = {0};
		table_render(&t, &o);
		if (!cli_write(o.data, o.len))
			ok = false;
		sb_free(&o);
	}
	table_free(&t);
	if (ok && in.skipped)
		cli_error("%" PRId64 " of %" PRId64 " lines skipped", in.skipped, in.lines);
	if (!ok) {
		size_t written = 0;
		for (size_t k = 0; k < in.n_groups; k++)
			written += in.groups[k]->written;
		if (written)
			cli_error("%zu of %zu scans were written before the error", written, in.n_groups);
	}
	rc = ok ? EXIT_OK : EXIT_RUNTIME;
out:
	for (size_t k = 0; k < in.n_groups; k++)
		group_free(in.groups[k]);
	free(in.groups);
	free(in.slots);
	free(in.dir_slots);
	rec_release();
	for (size_t k = 0; k < in.n_dirs; k++)
		free(in.dirs[k]);
	free(in.dirs);
	if (in.st)
		cli_store_close(in.st);
	free(paths);
	return rc;
}

const cli_command cmd_ingest = {"ingest", "read httpx -json output (or probestore's JSON Lines) into scans", usage,
                                run};
