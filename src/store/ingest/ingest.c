/* Ingest: JSON Lines into one scan per root target, streaming.
 *
 * The thread that pushes input cuts it into chunks of whole lines (about a
 * megabyte each) in a ring of slots; worker threads parse and map the
 * chunks' lines (httpx.c) and work out each record's root target; the
 * pushing thread takes the parsed chunks back in input order, so that the
 * first bad line is the first by line number and records reach each
 * target in order; while it waits, it does the workers' work (one worker
 * fewer than the threads asked for is started). A target's records are
 * buffered until there are enough of them to be worth a scan writer; from
 * then on they go to the writer as write jobs, which the worker threads
 * run between chunks (a target's jobs one at a time, in order; a chunk is
 * reused once its jobs are done).
 * Writers flush row groups to their temporary files when the records and
 * row groups held by all targets together pass the memory budget.
 * ps_ingest_finish waits for the jobs, writes the remaining
 * small targets on the worker threads and commits every scan in one batch
 * (ps_scan_writers_commit: two syncs of the file system in all). */
#include "probestore/ingest.h"
#include "probestore/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../error.h"
#include "ingest/httpx.h"
#include "ingest/json_nul.h"
#include "../store_internal.h"
#include "../strmap.h"
#include "storage/atomic_file.h"
#include "../util.h"

#define CHUNK_BYTES ((size_t)1 << 20)
/* a target's records are handed to a scan writer from this many on */
#define WRITER_RECORDS 1000
#define WRITER_BYTES ((size_t)1 << 20)
/* ... and from this many when the memory budget is reached */
#define RELIEF_RECORDS 250
/* the budget: what the writers hold besides the complete pages they move
 * to spill files (open pages, dictionaries, filter hashes) and the
 * records at hand. 192 MiB made row groups of one per scan at 500,000
 * lines over 50 targets (91 before spill files) and 73 at 1,000,000
 * (148), the whole process peaking at 171, 191 and 205 MB from 500,000
 * to 4,000,000 lines; 224 MiB: 62 row groups at 1,000,000 lines for
 * 14 to 20 MB more (docs/benchmarks.md) */
#define DEFAULT_BUDGET ((size_t)192 << 20)
/* a writer holding less than this of its row group is not worth trimming:
 * with the previous scans' values counted, a lower floor trims row groups
 * to a few pages and makes the files much larger (docs/benchmarks.md) */
#define TRIM_MIN ((int64_t)1 << 20)
/* complete pages worth moving to a spill file (a write per column) */
#define SPILL_MIN ((int64_t)64 << 10)

/* ---- parsed lines ---- */

enum { ITEM_REC, ITEM_BAD, ITEM_FATAL };

typedef struct item {
	int kind;
	int64_t line;
	ps_rec r;                 /* ITEM_REC */
	const char *target, *dir; /* ITEM_REC: the root target grouped by, its directory */
	const char *why;          /* ITEM_BAD, ITEM_FATAL */
} item;

/* SLOT_HELD: taken back, its records still read by write jobs */
enum { SLOT_FREE, SLOT_FILLED, SLOT_PARSING, SLOT_PARSED, SLOT_HELD };

typedef struct chunk {
	int state;
	char *data;
	size_t len, cap;
	int64_t first_line;       /* number of its first line */
	int64_t n_lines;          /* set when cut */
	int64_t too_long;         /* > 0: no data, just this line, too long */
	const char *name;         /* the input's name */
	ps_rec_format format;
	item *items;
	size_t n_items, cap_items;
	ps_arena a;               /* the items' strings */
	ps_buf nul_fixed;         /* a line whose escaped NULs were replaced */
	size_t refs;              /* write jobs reading its records (under mu) */
} chunk;

/* ---- targets ---- */

typedef struct group {
	char *target;
	char dir[PS_HOST_PORT_DIR_MAX];
	int64_t key_time;         /* records of probestore's own: their scan time */
	int64_t first_time;       /* the first record's time */
	int64_t min_time;         /* the earliest record time (0: none) */
	size_t order;             /* first appearance of the target's directory */
	ps_arena a;               /* deep copies of buffered records */
	ps_probe_result *recs;    /* buffered: deep copies, or, while a chunk is
	                           * taken, views into it (shallow) */
	size_t n, cap;
	bool shallow;             /* recs are views into the current chunk */
	bool touched;             /* in the current chunk's list */
	bool started;             /* records handed to write jobs: the writer
	                           * is the jobs' (the pushing thread's view) */
	ps_scan_writer *w;        /* while jobs run, touched by them only */
	int64_t scan_ms;
	ps_ingest_scan *res;      /* once written */
	/* write jobs, run in order one at a time (under the ingest's mu) */
	struct job *q_head, *q_tail;
	bool queued;              /* in the ready list or running */
	struct group *ready_next;
	int64_t mem;              /* atomic: what its writer held after its last job */
	int64_t kept;             /* atomic: the part of it a trim does not give back */
	int64_t spillable;        /* atomic: the part of it a spill moves to disk */
	int64_t after;            /* atomic: what it holds once its queued trim or spill ran */
	bool trimming;            /* atomic: a trim or spill queued, not yet run */
} group;

/* Records handed to a target's writer, or a trim of its buffers: run by
 * the worker threads so that encoding and compression overlap parsing. */
enum { JOB_WRITE, JOB_TRIM, JOB_SPILL };

typedef struct job {
	int kind;
	group *g;
	ps_probe_result *recs;    /* owned array; the strings in c or in a */
	size_t n;
	chunk *c;                 /* the chunk the records view, or NULL */
	ps_arena a;           /* deep copies, when c is NULL */
	int64_t scan_ms;          /* the scan time should the writer be opened */
	struct job *next;
} job;

/* A parsing thread's memory of the records' targets: the root target
 * each groups into (the registrable domain, by the Public Suffix List)
 * and its directory, worked out once per distinct target rather than
 * parsing the URL twice more for every record. Full, it keeps what it
 * has and works out the others each time. */
#define TCACHE_MAX 2048
typedef struct tcache {
	/* by input format (grouping differs): record target -> offset in pairs */
	ps_strmap map[2];
	ps_buf pairs; /* "root target\0directory\0", back to back */
} tcache;

struct ps_ingest {
	ps_store *st;
	ps_ingest_options o;
	char *target, *session;
	char session_buf[64];
	char target_dir[PS_HOST_PORT_DIR_MAX];
	size_t max_line, budget;
	ps_utf8_repair utf8;
	psl_ctx_t *psl;
	bool psl_owned;
	int64_t now;
	int failed;               /* the error that ended it */
	bool finished;
	ps_rec_format format;     /* 0 until the first object is met */

	/* inputs: names live until close */
	char **names;
	size_t n_names, cap_names;
	const char *name;         /* the current input, NULL between inputs */
	int64_t line;             /* lines of the current input cut so far */
	bool discarding;          /* inside a line over the limit */
	ps_ingest_progress prog;

	/* the ring */
	chunk *slots;
	size_t n_slots;
	uint64_t seq_fill;        /* the chunk being filled */
	uint64_t seq_parse;       /* the next chunk for a worker */
	uint64_t seq_take;        /* the next chunk to take back */
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* the workers wait on it: chunks, jobs, stop */
	pthread_cond_t cv_main;   /* the pushing thread: parsed, freed, jobs done */
	pthread_t *workers;
	size_t n_workers;
	bool stop;
	ps_buf fixed;             /* UTF-8 repairs when parsing here */
	tcache tc;                /* ... and the records' targets */
	/* write jobs (under mu): targets with jobs queued, in turn */
	group *ready_head, *ready_tail;
	size_t n_jobs;            /* queued or running */
	int job_failed;           /* atomic: the first failed job's code */
	char job_msg[1024];       /* its message */

	/* targets */
	group **groups;
	size_t n_groups, cap_groups;
	size_t *slots_g;          /* hash of dir + time -> group index + 1 */
	size_t n_slots_g;
	size_t n_dirs;
	size_t *dir_order;        /* hash of dir -> order + 1 (order of the first group) */
	char **dirs;
	size_t n_dir_slots, cap_dirs;
	group **touched;          /* groups given records of the current chunk */
	size_t n_touched, cap_touched;
	size_t buffered;          /* atomic: bytes of deep-copied records held,
	                           * by targets and by jobs not yet run */
	uint64_t spilled;         /* atomic: bytes spill jobs moved to disk */
	int64_t early_rgs;        /* atomic: row groups trim jobs wrote */
	bool keyed;               /* records keyed by their scan time */
};

void ps_ingest_options_default(ps_ingest_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = PS_CODEC_CONFIG;
}

/* ---- grouping ---- */

static bool is_ip(const char *host)
{
	unsigned char b[16];
	return strchr(host, ':') || inet_pton(AF_INET, host, b) == 1;
}

/* The root target of a record: --target, the record's (probestore's own
 * records, grouping by host), else its host's registrable domain. */
static const char *group_target(const ps_ingest *in, ps_rec_format format, const ps_rec *r, ps_arena *a,
                                char *why, size_t cap)
{
	if (in->target)
		return in->target;
	if (format == PS_REC_JSONL || in->o.group_by == PS_GROUP_HOST || !in->psl)
		return r->target;
	ps_url u;
	if (ps_url_parse_target(r->target, &u)) {
		snprintf(why, cap, "root target: %s", ps_errmsg());
		return NULL;
	}
	const char *t = r->target;
	if (!is_ip(u.host) && strchr(u.host, '.')) {
		const char *d = psl_registrable_domain(in->psl, u.host);
		if (d) {
			t = ps_arena_strndup(a, d, strlen(d));
			if (!t)
				snprintf(why, cap, "out of memory");
		}
	}
	ps_url_free(&u);
	return t;
}

/* ---- parsing a chunk (any thread) ---- */

static item *new_item(chunk *c, int kind, int64_t line)
{
	if (c->n_items == c->cap_items) {
		size_t cap = c->cap_items ? c->cap_items * 2 : 1024;
		item *v = realloc(c->items, cap * sizeof *v);
		if (!v)
			return NULL;
		c->items = v;
		c->cap_items = cap;
	}
	item *it = &c->items[c->n_items++];
	it->kind = kind;
	it->line = line;
	it->why = NULL;
	return it;
}

/* A bad line's item with its reason; false when out of memory. */
static bool bad(chunk *c, int64_t line, const char *why)
{
	item *it = new_item(c, ITEM_BAD, line);
	if (!it)
		return false;
	it->why = ps_arena_strndup(&c->a, why, strlen(why));
	if (!it->why)
		it->kind = ITEM_FATAL;
	return true;
}

static int repair(ps_buf *out, const char *p, size_t n)
{
	out->len = 0;
	while (n) {
		size_t ok = ps_utf8_valid(p, n);
		if (ps_buf_add(out, p, ok))
			return PS_ENOMEM;
		p += ok;
		n -= ok;
		if (n) {
			if (ps_buf_add(out, "\xEF\xBF\xBD", 3))
				return PS_ENOMEM;
			p++;
			n--;
		}
	}
	return 0;
}

/* The root target and directory remembered for a record target. */
static bool tc_get(const tcache *tc, ps_rec_format f, const char *key, const char **target, const char **dir)
{
	const int64_t *at = ps_strmap_get(&tc->map[f == PS_REC_JSONL], key, strlen(key));
	if (!at)
		return false;
	*target = tc->pairs.data + *at;
	*dir = *target + strlen(*target) + 1;
	return true;
}

/* Remembers key -> (target, dir); nothing when full or out of memory. */
static void tc_put(tcache *tc, ps_rec_format f, const char *key, const char *target, const char *dir)
{
	ps_strmap *m = &tc->map[f == PS_REC_JSONL];
	size_t at = tc->pairs.len;
	if (m->n >= TCACHE_MAX || ps_buf_add(&tc->pairs, target, strlen(target) + 1) ||
	    ps_buf_add(&tc->pairs, dir, strlen(dir) + 1) || ps_strmap_put(m, key, strlen(key), (int64_t)at))
		tc->pairs.len = at;
}

static void tc_free(tcache *tc)
{
	ps_strmap_free(&tc->map[0]);
	ps_strmap_free(&tc->map[1]);
	ps_buf_free(&tc->pairs);
}

/* One line into c's items; false when out of memory (c gets a fatal item
 * when it can). */
static bool parse_line(const ps_ingest *in, chunk *c, int64_t no, const char *line, size_t len, ps_buf *fixed,
                       tcache *tc)
{
	char why[512];
	if (len > in->max_line) {
		char size[32];
		snprintf(why, sizeof why, "line longer than the %s limit (--max-line-size, max_line_size)",
		         ps_size_human((double)in->max_line, size, sizeof size));
		return bad(c, no, why);
	}
	size_t blank = 0;
	while (blank < len && (line[blank] == ' ' || line[blank] == '\t'))
		blank++;
	if (blank == len)
		return true;
	size_t ok = ps_utf8_valid(line, len);
	if (ok < len) {
		if (in->utf8 == PS_UTF8_REJECT) {
			snprintf(why, sizeof why, "invalid UTF-8 at byte %zu (utf8_repair: reject)", ok + 1);
			return bad(c, no, why);
		}
		if (repair(fixed, line, len))
			return false;
		line = fixed->data;
		len = fixed->len;
	}
	/* an escaped NUL would end the string where the parser reads it */
	int nul = ps_json_nul_fix(line, len, in->utf8 != PS_UTF8_REJECT, &c->nul_fixed, why, sizeof why);
	if (nul == -2)
		return false;
	if (nul < 0)
		return bad(c, no, why);
	if (nul > 0) {
		line = c->nul_fixed.data;
		len = c->nul_fixed.len;
	}
	ps_rec r;
	ps_rec_options ro = {.keep_body = false, .no_target = in->target != NULL};
	ps_rec_format f = c->format;
	int rc = ps_rec_from_line(line, len, &f, &ro, &c->a, &r, why, sizeof why);
	if (rc == -2)
		return false;
	if (!rc && in->target)
		r.target = in->target;
	if (!rc)
		rc = ps_rec_validate(&r, why, sizeof why);
	if (rc)
		return bad(c, no, why);
	const char *target, *dir;
	if (in->target) {
		target = in->target;
		dir = in->target_dir;
	} else {
		const char *kt, *kd;
		if (tc_get(tc, f, r.target, &kt, &kd)) {
			/* copies: the chunk's items outlive this thread's memory */
			if (!(target = ps_arena_strndup(&c->a, kt, strlen(kt))) ||
			    !(dir = ps_arena_strndup(&c->a, kd, strlen(kd))))
				return false;
		} else {
			if (!(target = group_target(in, f, &r, &c->a, why, sizeof why)))
				return bad(c, no, why);
			char d[PS_HOST_PORT_DIR_MAX];
			if (ps_target_host_port_dir(target, d, sizeof d)) {
				snprintf(why, sizeof why, "root target: %s", ps_errmsg());
				return bad(c, no, why);
			}
			if (!(dir = ps_arena_strndup(&c->a, d, strlen(d))))
				return false;
			tc_put(tc, f, r.target, target, dir);
		}
	}
	item *it = new_item(c, ITEM_REC, no);
	if (!it)
		return false;
	it->r = r;
	it->target = target;
	it->dir = dir;
	return true;
}

static void parse_chunk(const ps_ingest *in, chunk *c, ps_buf *fixed, tcache *tc)
{
	c->n_items = 0;
	ps_arena_free(&c->a);
	int64_t no = c->too_long ? c->too_long : c->first_line;
	if (c->too_long) {
		char why[160], size[32];
		snprintf(why, sizeof why, "line longer than the %s limit (--max-line-size, max_line_size)",
		         ps_size_human((double)in->max_line, size, sizeof size));
		if (!bad(c, c->too_long, why))
			goto oom;
		return;
	}
	const char *p = c->data, *end = c->data + c->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (!parse_line(in, c, no, p, len, fixed, tc))
			goto oom;
		no++;
		p = nl ? nl + 1 : end;
	}
	return;
oom:
	c->n_items = 0;
	item *it = new_item(c, ITEM_FATAL, no);
	if (it)
		it->why = "out of memory";
	else
		c->too_long = -1; /* no room even for that: the taker sees it */
}
/* Puts g, which has jobs waiting, at the end of the targets ready to run
 * (under in->mu). */
static void ready_push(ps_ingest *in, group *g)
{
	g->ready_next = NULL;
	if (in->ready_tail)
		in->ready_tail->ready_next = g;
	else
		in->ready_head = g;
	in->ready_tail = g;
}


static void run_job(ps_ingest *in, job *j);
static void job_done(ps_ingest *in, job *j);

/* One piece of work, under mu (released while it runs): the next write
 * job, first, since jobs hold chunks the pushing thread waits for, else,
 * when parse is set, the next chunk to parse (with the thread's fixed and
 * tc); false when there was none. */
static bool work_one(ps_ingest *in, bool parse, ps_buf *fixed, tcache *tc)
{
	if (in->ready_head) {
		group *g = in->ready_head;
		if (!(in->ready_head = g->ready_next))
			in->ready_tail = NULL;
		job *j = g->q_head;
		if (!(g->q_head = j->next))
			g->q_tail = NULL;
		pthread_mutex_unlock(&in->mu);
		run_job(in, j);
		pthread_mutex_lock(&in->mu);
		job_done(in, j);
		return true;
	}
	if (parse && in->seq_parse < in->seq_fill && in->slots[in->seq_parse % in->n_slots].state == SLOT_FILLED) {
		chunk *c = &in->slots[in->seq_parse++ % in->n_slots];
		c->state = SLOT_PARSING;
		pthread_mutex_unlock(&in->mu);
		parse_chunk(in, c, fixed, tc);
		pthread_mutex_lock(&in->mu);
		c->state = SLOT_PARSED;
		pthread_cond_signal(&in->cv_main);
		return true;
	}
	return false;
}

/* The pushing thread, waiting (under mu): does a worker's work rather
 * than sleep while there is some (the workers and the pushing thread
 * share the cores: when the workers waited on the pushing thread's
 * chunks, it was often waiting on theirs); false when there was none. */
static bool help(ps_ingest *in)
{
	return work_one(in, true, &in->fixed, &in->tc);
}

/* Parses chunks and runs write jobs. At stop, the jobs queued are run (as
 * nothing, when the ingest is closed unfinished) before the thread ends. */
static void *worker(void *arg)
{
	ps_ingest *in = arg;
	ps_buf fixed = {0};
	tcache tc = {0};
	pthread_mutex_lock(&in->mu);
	for (;;) {
		while (!in->stop && !in->ready_head &&
		       !(in->seq_parse < in->seq_fill && in->slots[in->seq_parse % in->n_slots].state == SLOT_FILLED))
			pthread_cond_wait(&in->cv, &in->mu);
		if (!work_one(in, !in->stop, &fixed, &tc))
			break; /* stopped, no job left */
	}
	pthread_mutex_unlock(&in->mu);
	ps_buf_free(&fixed);
	tc_free(&tc);
	ps_rec_release();
	return NULL;
}

/* ---- groups (the pushing thread) ---- */

static uint64_t hash_key(const char *dir, int64_t t)
{
	/* every record is looked up by its directory: XXH3, not a byte at a time */
	return XXH3_64bits_withSeed(dir, strlen(dir), (uint64_t)t);
}

/* Keeps an open-addressing table of n entries (slot: index + 1) at most
 * half full, key(i) giving entry i's hash. */
static int slots_fit(size_t **slots, size_t *n_slots, size_t n, const ps_ingest *in,
                     uint64_t (*key)(const ps_ingest *in, size_t i))
{
	if (n * 2 < *n_slots)
		return 0;
	size_t ns = *n_slots ? *n_slots * 2 : 64;
	size_t *t = calloc(ns, sizeof *t);
	if (!t)
		return ps_err_nomem();
	for (size_t i = 0; i < n; i++) {
		size_t k = key(in, i) & (ns - 1);
		while (t[k])
			k = (k + 1) & (ns - 1);
		t[k] = i + 1;
	}
	free(*slots);
	*slots = t;
	*n_slots = ns;
	return 0;
}

static uint64_t group_key(const ps_ingest *in, size_t i)
{
	return hash_key(in->groups[i]->dir, in->groups[i]->key_time);
}

static uint64_t dir_key(const ps_ingest *in, size_t i)
{
	return hash_key(in->dirs[i], 0);
}

/* The order of dir's first appearance. */
static int dir_order(ps_ingest *in, const char *dir, size_t *order)
{
	int rc = slots_fit(&in->dir_order, &in->n_dir_slots, in->n_dirs, in, dir_key);
	if (rc)
		return rc;
	size_t s = hash_key(dir, 0) & (in->n_dir_slots - 1);
	for (; in->dir_order[s]; s = (s + 1) & (in->n_dir_slots - 1))
		if (!strcmp(in->dirs[in->dir_order[s] - 1], dir)) {
			*order = in->dir_order[s] - 1;
			return 0;
		}
	if (ps_array_room(&in->dirs, &in->cap_dirs, in->n_dirs, sizeof *in->dirs, 16))
		return PS_ENOMEM;
	if (!(in->dirs[in->n_dirs] = strdup(dir)))
		return ps_err_nomem();
	in->dir_order[s] = ++in->n_dirs;
	*order = in->n_dirs - 1;
	return 0;
}

static int group_find(ps_ingest *in, const char *dir, int64_t t, const char *target, group **out)
{
	int rc = slots_fit(&in->slots_g, &in->n_slots_g, in->n_groups, in, group_key);
	if (rc)
		return rc;
	size_t s = hash_key(dir, t) & (in->n_slots_g - 1);
	for (; in->slots_g[s]; s = (s + 1) & (in->n_slots_g - 1)) {
		group *g = in->groups[in->slots_g[s] - 1];
		if (g->key_time == t && !strcmp(g->dir, dir)) {
			*out = g;
			return 0;
		}
	}
	group *g = calloc(1, sizeof *g);
	if (!g || !(g->target = strdup(target)) ||
	    ps_array_room(&in->groups, &in->cap_groups, in->n_groups, sizeof *in->groups, 16)) {
		if (g)
			free(g->target);
		free(g);
		return ps_err_nomem();
	}
	snprintf(g->dir, sizeof g->dir, "%s", dir);
	g->key_time = t;
	if ((rc = dir_order(in, dir, &g->order))) {
		free(g->target);
		free(g);
		return rc;
	}
	in->groups[in->n_groups++] = g;
	in->slots_g[s] = in->n_groups;
	*out = g;
	return 0;
}

static void group_free(group *g)
{
	if (g->w)
		ps_scan_writer_abort(g->w);
	ps_arena_free(&g->a);
	free(g->recs);
	free(g->target);
	if (g->res)
		free(g->res->path);
	free(g->res);
	free(g);
}

static int group_room(group *g)
{
	return ps_array_room(&g->recs, &g->cap, g->n, sizeof *g->recs, 8);
}

static const char *const *copy_list(ps_arena *a, const char *const *v, size_t n)
{
	if (!v || !n)
		return NULL;
	const char **d = ps_arena_alloc(a, n * sizeof *d);
	for (size_t i = 0; d && i < n; i++)
		d[i] = v[i] ? ps_arena_strndup(a, v[i], strlen(v[i])) : NULL;
	return d;
}

/* The version 2 fields of r copied into c (which holds r's values) in a. */
static void copy_rec_v2(ps_arena *a, ps_probe_result *c, const ps_probe_result *r)
{
#define DUP(f) c->f = r->f ? ps_arena_strndup(a, r->f, strlen(r->f)) : NULL
	DUP(location);
	DUP(host_ip);
	DUP(scheme);
	DUP(path);
	DUP(cdn_name);
	DUP(cdn_type);
	DUP(favicon_url);
	DUP(body_sha256);
	DUP(header_sha256);
	DUP(jarm);
	DUP(asn_name);
	DUP(tls_subject_cn);
	DUP(tls_issuer_cn);
#undef DUP
	c->tls_subject_an = copy_list(a, r->tls_subject_an, r->n_tls_subject_an);
	c->changed_fields = copy_list(a, r->changed_fields, r->n_changed_fields);
	c->chain_status_codes = NULL;
	if (r->chain_status_codes && r->n_chain_status_codes) {
		int32_t *v = ps_arena_alloc(a, r->n_chain_status_codes * sizeof *v);
		if (v)
			memcpy(v, r->chain_status_codes, r->n_chain_status_codes * sizeof *v);
		c->chain_status_codes = v;
	}
}

/* A copy of r in g's arena (the body left out: no column holds it). */
static int copy_rec(group *g, ps_probe_result *c, const ps_probe_result *r)
{
	ps_arena *a = &g->a;
	*c = *r;
	c->body = NULL;
#define DUP(f) c->f = r->f ? ps_arena_strndup(a, r->f, strlen(r->f)) : NULL
	DUP(input_url);
	DUP(final_url);
	DUP(content_type);
	DUP(title);
	DUP(web_server);
	DUP(root_target_url);
	DUP(error);
	DUP(method);
	DUP(asn);
	DUP(headers_json); /* made by the parser (headers_text in httpx.c) */
#undef DUP
	const char *const *lists[3] = {r->technologies, r->ips, r->cnames};
	size_t counts[3] = {r->n_technologies, r->n_ips, r->n_cnames};
	const char *const **dst[3] = {&c->technologies, &c->ips, &c->cnames};
	for (int l = 0; l < 3; l++) {
		*dst[l] = NULL;
		if (!lists[l] || !counts[l])
			continue;
		const char **v = ps_arena_alloc(a, counts[l] * sizeof *v);
		if (!v)
			break;
		for (size_t i = 0; i < counts[l]; i++)
			v[i] = lists[l][i] ? ps_arena_strndup(a, lists[l][i], strlen(lists[l][i])) : NULL;
		*dst[l] = v;
	}
	c->headers = NULL;
	if (r->headers && r->n_headers) {
		ps_header *h = ps_arena_alloc(a, r->n_headers * sizeof *h);
		for (size_t i = 0; h && i < r->n_headers; i++) {
			h[i].name = ps_arena_strndup(a, r->headers[i].name, strlen(r->headers[i].name));
			h[i].value = r->headers[i].value ? ps_arena_strndup(a, r->headers[i].value, strlen(r->headers[i].value))
			                                 : NULL;
		}
		c->headers = h;
	}
	copy_rec_v2(a, c, r);
	return a->oom ? ps_err_nomem() : 0;
}

static int64_t group_scan_time(const ps_ingest *in, const group *g)
{
	if (in->o.has_scan_time)
		return in->o.scan_time_ms;
	if (g->key_time)
		return g->key_time;
	/* the earliest record's: a scan began when its first probe was made,
	 * whatever order httpx printed them in */
	if (g->min_time)
		return g->min_time;
	return g->first_time ? g->first_time : in->now;
}

/* The target as the summary shows it (host:port), for messages. */
static const char *group_name(const group *g, char *buf, size_t cap)
{
	if (ps_host_port_dir_display(g->dir, buf, cap))
		snprintf(buf, cap, "%s", g->target);
	return buf;
}

static int group_open(ps_ingest *in, group *g, int64_t scan_ms)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = g->target;
	o.session_id = in->session;
	o.scan_time_ms = g->scan_ms = scan_ms;
	o.codec = in->o.codec;
	o.compression_level = in->o.compression_level;
	o.cancel = in->o.cancel;
	/* a rerun of an ingest adds nothing twice */
	o.skip_stored = true;
	int rc = ps_scan_writer_open(&g->w, in->st, &o);
	if (!rc)
		ps_scan_writer_checked(g->w); /* as the lines were parsed */
	char name[PS_HOST_PORT_DISPLAY_MAX];
	return rc ? ps_err_prefix(rc, "%s: ", group_name(g, name, sizeof name)) : 0;
}

/* Hands g's buffered records to its writer (opened first if need be), on
 * this thread: the scans written at the end, once no job runs. */
static int group_write(ps_ingest *in, group *g)
{
	int rc;
	if (!g->w && (rc = group_open(in, g, group_scan_time(in, g))))
		return rc;
	if (g->n && (rc = ps_scan_writer_add(g->w, g->recs, g->n))) {
		char name[PS_HOST_PORT_DISPLAY_MAX];
		return ps_err_prefix(rc, "%s: ", group_name(g, name, sizeof name));
	}
	if (!g->shallow)
		ps_arena_free(&g->a);
	g->n = 0;
	g->shallow = false;
	return 0;
}

/* ---- write jobs ---- */

static void chunk_reset(chunk *c)
{
	c->len = 0;
	c->n_items = 0;
	c->too_long = 0;
	ps_arena_free(&c->a);
}
/* Keeps the first error of several threads: its code in *failed (read
 * without the lock by the others) and its message. */
static void first_error(pthread_mutex_t *mu, int *failed, char *msg, size_t cap, int rc)
{
	pthread_mutex_lock(mu);
	if (!*failed) {
		snprintf(msg, cap, "%s", ps_errmsg());
		__atomic_store_n(failed, rc, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(mu);
}


/* Runs j (any thread, without mu): nothing once the ingest has failed or
 * is being closed. */
static void run_job(ps_ingest *in, job *j)
{
	group *g = j->g;
	int rc = 0;
	if (!__atomic_load_n(&in->stop, __ATOMIC_ACQUIRE) && !__atomic_load_n(&in->job_failed, __ATOMIC_ACQUIRE)) {
		char name[PS_HOST_PORT_DISPLAY_MAX];
		if (j->kind == JOB_WRITE) {
			if (!g->w)
				rc = group_open(in, g, j->scan_ms);
			if (!rc && j->n && (rc = ps_scan_writer_add(g->w, j->recs, j->n)))
				rc = ps_err_prefix(rc, "%s: ", group_name(g, name, sizeof name));
		} else if (g->w) {
			if (j->kind == JOB_SPILL)
				__atomic_add_fetch(&in->spilled, (uint64_t)ps_scan_writer_spillable(g->w), __ATOMIC_RELAXED);
			else if (ps_scan_writer_buffered(g->w))
				__atomic_add_fetch(&in->early_rgs, 1, __ATOMIC_RELAXED);
			rc = j->kind == JOB_SPILL ? ps_scan_writer_spill(g->w) : ps_scan_writer_trim(g->w);
			if (rc)
				rc = ps_err_prefix(rc, "%s: ", group_name(g, name, sizeof name));
		}
		if (g->w) {
			__atomic_store_n(&g->kept, ps_scan_writer_memory_kept(g->w), __ATOMIC_RELAXED);
			__atomic_store_n(&g->mem, ps_scan_writer_memory(g->w), __ATOMIC_RELAXED);
			__atomic_store_n(&g->spillable, ps_scan_writer_spillable(g->w), __ATOMIC_RELAXED);
		}
		if (j->kind != JOB_WRITE)
			__atomic_store_n(&g->trimming, false, __ATOMIC_RELEASE);
		if (rc)
			first_error(&in->mu, &in->job_failed, in->job_msg, sizeof in->job_msg, rc);
	}
	free(j->recs);
	if (!j->c) {
		__atomic_sub_fetch(&in->buffered, j->a.bytes, __ATOMIC_RELAXED);
		ps_arena_free(&j->a);
	}
}

/* After run_job, under mu: the chunk released, the target's next job
 * queued in its turn. */
static void job_done(ps_ingest *in, job *j)
{
	group *g = j->g;
	if (j->c && --j->c->refs == 0 && j->c->state == SLOT_HELD) {
		chunk_reset(j->c);
		j->c->state = SLOT_FREE;
		pthread_cond_signal(&in->cv_main);
	}
	if (g->q_head)
		ready_push(in, g);
	else
		g->queued = false;
	/* the thread here takes the next ready target itself */
	if (--in->n_jobs == 0)
		pthread_cond_signal(&in->cv_main);
	free(j);
}

/* Queues j behind its target's other jobs (the pushing thread); run here
 * when there are no worker threads. */
static void job_submit(ps_ingest *in, job *j)
{
	group *g = j->g;
	pthread_mutex_lock(&in->mu);
	in->n_jobs++;
	if (j->c)
		j->c->refs++;
	if (!in->n_workers) {
		pthread_mutex_unlock(&in->mu);
		run_job(in, j);
		pthread_mutex_lock(&in->mu);
		job_done(in, j);
		pthread_mutex_unlock(&in->mu);
		return;
	}
	j->next = NULL;
	if (g->q_tail)
		g->q_tail->next = j;
	else
		g->q_head = j;
	g->q_tail = j;
	if (!g->queued) {
		g->queued = true;
		ready_push(in, g);
	}
	pthread_cond_signal(&in->cv);
	pthread_mutex_unlock(&in->mu);
}

/* g's buffered records to a write job: views into c, or g's deep copies,
 * which the job takes over (the pushing thread). */
static int group_hand(ps_ingest *in, group *g, chunk *c)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return ps_err_nomem();
	j->kind = JOB_WRITE;
	j->g = g;
	j->recs = g->recs;
	j->n = g->n;
	j->scan_ms = group_scan_time(in, g);
	if (g->shallow) {
		j->c = c;
	} else {
		j->a = g->a;
		memset(&g->a, 0, sizeof g->a);
	}
	g->recs = NULL;
	g->cap = 0;
	g->n = 0;
	g->shallow = false;
	g->started = true;
	job_submit(in, j);
	return 0;
}

/* Every job done; the first failure's error. */
static int jobs_wait(ps_ingest *in)
{
	pthread_mutex_lock(&in->mu);
	while (in->n_jobs)
		if (!help(in))
			pthread_cond_wait(&in->cv_main, &in->mu);
	pthread_mutex_unlock(&in->mu);
	int rc = __atomic_load_n(&in->job_failed, __ATOMIC_ACQUIRE);
	return rc ? ps_err(rc, "%s", in->job_msg) : 0;
}

static int touch(ps_ingest *in, group *g)
{
	if (g->touched)
		return 0;
	if (ps_array_room(&in->touched, &in->cap_touched, in->n_touched, sizeof *in->touched, 16))
		return PS_ENOMEM;
	in->touched[in->n_touched++] = g;
	g->touched = true;
	return 0;
}

static int take_rec(ps_ingest *in, const item *it)
{
	group *g;
	int rc = group_find(in, it->dir, in->keyed ? it->r.time_ms : 0, it->target, &g);
	if (rc)
		return rc;
	if (!g->n && !g->started)
		g->first_time = it->r.time_ms;
	if (it->r.time_ms && (!g->min_time || it->r.time_ms < g->min_time))
		g->min_time = it->r.time_ms;
	if ((rc = group_room(g)))
		return rc;
	if (g->started) {
		/* a target with a writer takes the chunk's records as they are,
		 * the chunk held until its jobs are done */
		g->recs[g->n++] = it->r.r;
		g->shallow = true;
	} else {
		size_t before = g->a.bytes;
		if ((rc = copy_rec(g, &g->recs[g->n++], &it->r.r)))
			return rc;
		__atomic_add_fetch(&in->buffered, g->a.bytes - before, __ATOMIC_RELAXED);
	}
	in->prog.records++;
	return touch(in, g);
}

/* The writer a spill (kind JOB_SPILL) or a trim (JOB_TRIM) gives most
 * back of, *most what it gives, *left what the writer holds after; NULL
 * when none gives SPILL_MIN or TRIM_MIN. */
static group *relief_pick(ps_ingest *in, int kind, int64_t *most, int64_t *left)
{
	group *big = NULL;
	*most = *left = 0;
	for (size_t k = 0; k < in->n_groups; k++) {
		group *g = in->groups[k];
		if (__atomic_load_n(&g->trimming, __ATOMIC_ACQUIRE))
			continue;
		int64_t mem = __atomic_load_n(&g->mem, __ATOMIC_RELAXED);
		int64_t keep = kind == JOB_SPILL ? mem - __atomic_load_n(&g->spillable, __ATOMIC_RELAXED)
		                                 : __atomic_load_n(&g->kept, __ATOMIC_RELAXED);
		if (mem - keep >= (kind == JOB_SPILL ? SPILL_MIN : TRIM_MIN) && mem - keep > *most) {
			*most = mem - keep;
			*left = keep;
			big = g;
		}
	}
	return big;
}

/* The memory budget: deep-copied records over a quarter of it go to
 * writers (the biggest targets first); past half of it, writers move
 * their complete pages to spill files or flush their row groups (those
 * giving back most first). */
static int relieve(ps_ingest *in, chunk *c)
{
	int rc;
	for (size_t k = 0; k < in->n_touched; k++) {
		group *g = in->touched[k];
		g->touched = false;
		if (g->shallow || (!in->keyed && (g->n >= WRITER_RECORDS || g->a.bytes >= WRITER_BYTES)))
			if ((rc = group_hand(in, g, c)))
				return rc;
	}
	in->n_touched = 0;
	if (in->keyed)
		return 0; /* scans keyed by time are written in time order at the end */
	/* a writer costs more than a few records (its columns, dictionaries,
	 * compression context): targets of fewer than RELIEF_RECORDS stay
	 * held whatever the budget, so many small targets do grow memory */
	while (__atomic_load_n(&in->buffered, __ATOMIC_RELAXED) > in->budget / 4) {
		group *big = NULL;
		for (size_t k = 0; k < in->n_groups; k++)
			if (in->groups[k]->n >= RELIEF_RECORDS && (!big || in->groups[k]->a.bytes > big->a.bytes))
				big = in->groups[k];
		if (!big)
			break;
		if ((rc = group_hand(in, big, c)))
			return rc;
	}
	/* what the writers hold allocated, not only their rows: each keeps
	 * page buffers and dictionaries per column, which across many open
	 * targets add up to more than their rows, and the previous scan's URLs
	 * and compared values. Past half the budget, the writer that gives
	 * most back goes first, until the writers hold three eighths of it
	 * (the rest is for the records at hand, the compression contexts and
	 * the allocator's slack): first writers holding SPILL_MIN or more of
	 * complete pages move them to a spill file beside their scans (their
	 * row groups go on, so row groups do not shrink with the budget), then
	 * writers holding TRIM_MIN or more besides write their row groups and
	 * free their buffers. Counting every writer costs a pass
	 * over them: done after each chunk of input. The writers are the
	 * jobs': each reports what it holds after its last job, and a trim or
	 * spill is a job queued behind the target's writes. */
	int64_t held = 0;
	for (size_t k = 0; k < in->n_groups; k++) {
		const group *g = in->groups[k];
		held += __atomic_load_n(&g->trimming, __ATOMIC_ACQUIRE) ? __atomic_load_n(&g->after, __ATOMIC_RELAXED)
		                                                         : __atomic_load_n(&g->mem, __ATOMIC_RELAXED);
	}
	if (held <= (int64_t)(in->budget / 2))
		return 0;
	while (held > (int64_t)(in->budget / 8 * 3)) {
		int kind = JOB_SPILL;
		int64_t most, left;
		group *big = relief_pick(in, kind, &most, &left);
		if (!big) {
			kind = JOB_TRIM;
			big = relief_pick(in, kind, &most, &left);
		}
		if (!big)
			break; /* what the writers hold is not theirs to give back */
		job *j = calloc(1, sizeof *j);
		if (!j)
			return ps_err_nomem();
		j->kind = kind;
		j->g = big;
		/* counted as given back until the job has run */
		__atomic_store_n(&big->after, left, __ATOMIC_RELAXED);
		__atomic_store_n(&big->trimming, true, __ATOMIC_RELEASE);
		held -= most;
		job_submit(in, j);
	}
	return 0;
}

/* ---- the ring (the pushing thread) ---- */

static int fail(ps_ingest *in, int rc)
{
	if (!in->failed)
		in->failed = rc ? rc : PS_EIO;
	return in->failed;
}

/* Takes the oldest chunk back once parsed: its records to their targets. */
static int take_chunk(ps_ingest *in)
{
	chunk *c = &in->slots[in->seq_take % in->n_slots];
	pthread_mutex_lock(&in->mu);
	while (c->state != SLOT_PARSED)
		if (!help(in))
			pthread_cond_wait(&in->cv_main, &in->mu);
	pthread_mutex_unlock(&in->mu);
	int rc = 0;
	in->prog.lines += c->n_lines;
	int failed = __atomic_load_n(&in->job_failed, __ATOMIC_ACQUIRE);
	if (failed)
		rc = ps_err(failed, "%s", in->job_msg);
	else if (c->too_long < 0)
		rc = ps_err_nomem();
	for (size_t k = 0; k < c->n_items && !rc; k++) {
		const item *it = &c->items[k];
		if (it->kind == ITEM_FATAL) {
			rc = ps_err(PS_ENOMEM, "%s:%" PRId64 ": %s", c->name, it->line, it->why);
		} else if (it->kind == ITEM_BAD) {
			if (!in->o.skip_bad_lines) {
				rc = ps_err(PS_EINVAL, "%s:%" PRId64 ": %s; nothing was written", c->name, it->line, it->why);
				break;
			}
			in->prog.skipped++;
			if (in->o.on_bad_line)
				in->o.on_bad_line(in->o.ud, c->name, it->line, it->why);
		} else {
			rc = take_rec(in, it);
		}
	}
	/* the chunk's records go to write jobs, which hold it until done */
	if (!rc)
		rc = relieve(in, c);
	if (!rc && ps_cancel_requested(in->o.cancel))
		rc = ps_err(PS_ECANCELED, "ingest canceled");
	pthread_mutex_lock(&in->mu);
	bool held = c->refs > 0;
	if (held)
		c->state = SLOT_HELD;
	pthread_mutex_unlock(&in->mu);
	if (!held)
		chunk_reset(c);
	pthread_mutex_lock(&in->mu);
	if (!held)
		c->state = SLOT_FREE;
	in->seq_take++;
	pthread_mutex_unlock(&in->mu);
	if (!rc && in->o.on_progress)
		in->o.on_progress(in->o.ud, &in->prog);
	return rc ? fail(in, rc) : 0;
}

/* The chunk being filled, waiting for its slot to be taken back. */
static int filling(ps_ingest *in, chunk **out)
{
	while (in->seq_take + in->n_slots <= in->seq_fill) {
		int rc = take_chunk(in);
		if (rc)
			return rc;
	}
	chunk *c = &in->slots[in->seq_fill % in->n_slots];
	pthread_mutex_lock(&in->mu);
	while (c->state != SLOT_FREE)
		if (!help(in))
			pthread_cond_wait(&in->cv_main, &in->mu); /* its write jobs */
	pthread_mutex_unlock(&in->mu);
	*out = c;
	return 0;
}

/* The first object's format, looked for in c's lines while unknown. */
static void detect(ps_ingest *in, const chunk *c)
{
	const char *p = c->data, *end = c->data + c->len;
	while (!in->format && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len <= in->max_line) {
			size_t ok = ps_utf8_valid(p, len);
			if (ok == len)
				in->format = ps_rec_detect(p, len);
			else if (in->utf8 != PS_UTF8_REJECT && !repair(&in->fixed, p, len))
				in->format = ps_rec_detect(in->fixed.data, in->fixed.len);
		}
		p = nl ? nl + 1 : end;
	}
}

/* Submits the chunk being filled (its first n bytes; what follows moves to
 * the next one) for parsing. */
static int submit(ps_ingest *in, size_t n)
{
	chunk *c = &in->slots[in->seq_fill % in->n_slots];
	size_t rest = c->len - n;
	c->len = n;
	c->name = in->name;
	c->first_line = in->line + 1;
	int64_t lines = 0;
	if (c->too_long) {
		lines = 1;
	} else {
		for (const char *p = c->data, *end = c->data + n; p < end; lines++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
	}
	c->n_lines = lines;
	in->line += lines;
	if (!in->format && !in->o.format)
		detect(in, c);
	c->format = in->format;
	in->keyed = in->format == PS_REC_JSONL && !in->o.has_scan_time;
	pthread_mutex_lock(&in->mu);
	c->state = SLOT_FILLED;
	in->seq_fill++;
	pthread_cond_signal(&in->cv);
	pthread_mutex_unlock(&in->mu);
	if (!in->n_workers) {
		/* no threads: parsed here */
		parse_chunk(in, c, &in->fixed, &in->tc);
		c->state = SLOT_PARSED;
		in->seq_parse++;
	}
	chunk *next;
	int rc = filling(in, &next);
	if (rc)
		return rc;
	if (rest) {
		if (next->cap < rest + CHUNK_BYTES) {
			size_t cap = rest + CHUNK_BYTES;
			char *d = realloc(next->data, cap);
			if (!d)
				return fail(in, ps_err_nomem());
			next->data = d;
			next->cap = cap;
		}
		memcpy(next->data, c->data + n, rest);
	}
	next->len = rest;
	return 0;
}

static int check(const ps_ingest *in)
{
	if (in->failed)
		return ps_err(in->failed, "the ingest failed earlier");
	if (in->finished)
		return ps_err(PS_EINVAL, "the ingest is finished");
	return 0;
}

/* The chunk being filled, with room for more input (*room bytes). */
static int fill_room(ps_ingest *in, chunk **out, size_t *room)
{
	chunk *c;
	int rc = filling(in, &c);
	if (rc)
		return rc;
	if (c->cap == c->len) {
		size_t cap = c->cap ? c->cap * 2 : CHUNK_BYTES + 4096;
		char *d = realloc(c->data, cap);
		if (!d)
			return fail(in, ps_err_nomem());
		c->data = d;
		c->cap = cap;
	}
	*out = c;
	*room = c->cap - c->len;
	return 0;
}

/* After input was added to c: submits it once it holds CHUNK_BYTES, cut
 * after its last line (the rest goes to the next chunk), or starts
 * discarding a line that is over the limit already. */
static int filled(ps_ingest *in, chunk *c)
{
	if (c->len < CHUNK_BYTES)
		return 0;
	const char *last = memrchr(c->data, '\n', c->len);
	if (last)
		return submit(in, (size_t)(last + 1 - c->data));
	if (c->len > in->max_line + 1) {
		/* one line, already over the limit: read to its end, keep nothing */
		c->len = 0;
		in->discarding = true;
	}
	return 0;
}

int ps_ingest_push(ps_ingest *in, const void *buf, size_t n)
{
	int rc = check(in);
	if (rc)
		return rc;
	if (!in->name)
		return ps_err(PS_EINVAL, "ps_ingest_push before ps_ingest_begin");
	const char *p = buf;
	in->prog.bytes += n;
	while (n) {
		if (in->discarding) {
			const char *nl = memchr(p, '\n', n);
			if (!nl)
				return 0;
			n -= (size_t)(nl + 1 - p);
			p = nl + 1;
			in->discarding = false;
			chunk *c;
			if ((rc = filling(in, &c)))
				return rc;
			c->too_long = in->line + 1;
			c->len = 0;
			if ((rc = submit(in, 0)))
				return rc;
			continue;
		}
		chunk *c;
		size_t room;
		if ((rc = fill_room(in, &c, &room)))
			return rc;
		size_t take = n < room ? n : room;
		memcpy(c->data + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
		if ((rc = filled(in, c)))
			return rc;
	}
	return 0;
}

int ps_ingest_begin(ps_ingest *in, const char *name)
{
	int rc = check(in);
	if (rc)
		return rc;
	if (in->name)
		return ps_err(PS_EINVAL, "ps_ingest_begin: input %s is not ended", in->name);
	if (ps_array_room(&in->names, &in->cap_names, in->n_names, sizeof *in->names, 4))
		return fail(in, PS_ENOMEM);
	if (!(in->names[in->n_names] = strdup(name ? name : "<input>")))
		return fail(in, ps_err_nomem());
	in->name = in->names[in->n_names++];
	in->line = 0;
	in->discarding = false;
	return 0;
}

int ps_ingest_end(ps_ingest *in)
{
	int rc = check(in);
	if (rc)
		return rc;
	if (!in->name)
		return ps_err(PS_EINVAL, "ps_ingest_end without ps_ingest_begin");
	chunk *c;
	if ((rc = filling(in, &c)))
		return rc;
	if (in->discarding) {
		in->discarding = false;
		c->too_long = in->line + 1;
		c->len = 0;
	}
	if ((c->len || c->too_long) && (rc = submit(in, c->len)))
		return rc;
	while (in->seq_take < in->seq_fill)
		if ((rc = take_chunk(in)))
			return rc;
	in->name = NULL;
	return 0;
}

int ps_ingest_read_fd(ps_ingest *in, int fd, const char *name)
{
	int rc = ps_ingest_begin(in, name);
	if (rc)
		return rc;
	size_t cap = (size_t)256 << 10;
	char *buf = malloc(cap);
	if (!buf)
		return fail(in, ps_err_nomem());
	for (;;) {
		/* straight into the chunk being filled (ps_ingest_push's copy
		 * was two fifths of the reading thread's work), but through buf
		 * while a line over the limit is passed over */
		chunk *c = NULL;
		size_t room = cap;
		if (!in->discarding && (rc = fill_room(in, &c, &room)))
			break;
		/* read(), not fread(): a pipe from a running httpx delivers what
		 * it has, and the records are counted as they come */
		ssize_t got = read(fd, c ? c->data + c->len : buf, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = fail(in, ps_err(PS_EIO, "%s: %s", name, strerror(errno)));
			break;
		}
		if (got == 0)
			break;
		if (!c) {
			rc = ps_ingest_push(in, buf, (size_t)got);
		} else {
			in->prog.bytes += (uint64_t)got;
			c->len += (size_t)got;
			rc = filled(in, c);
		}
		if (rc)
			break;
	}
	free(buf);
	return rc ? rc : ps_ingest_end(in);
}

/* ---- open, close ---- */

int ps_ingest_open(ps_ingest **out, ps_store *st, const ps_ingest_options *o)
{
	*out = NULL;
	ps_ingest_options def;
	if (!o) {
		ps_ingest_options_default(&def);
		o = &def;
	}
	if (o->format < PS_INGEST_AUTO || o->format > PS_INGEST_JSONL)
		return ps_err(PS_EINVAL, "ingest: unknown format %d", (int)o->format);
	if (o->group_by != PS_GROUP_DOMAIN && o->group_by != PS_GROUP_HOST)
		return ps_err(PS_EINVAL, "ingest: unknown grouping %d", (int)o->group_by);
	if (o->session_id && !*o->session_id)
		return ps_err(PS_EINVAL, "ingest: the session id is empty");
	ps_ingest *in = calloc(1, sizeof *in);
	if (!in)
		return ps_err_nomem();
	in->st = st;
	in->o = *o;
	in->o.target = in->o.session_id = NULL;
	in->format = (ps_rec_format)o->format;
	const ps_config *cfg = ps_store_config(st);
	in->utf8 = cfg->writer.utf8_repair;
	in->max_line = o->max_line_size ? o->max_line_size : (size_t)cfg->writer.max_line_size;
	in->budget = o->memory_budget ? o->memory_budget : DEFAULT_BUDGET;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	in->now = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	int rc = 0;
	if (o->target) {
		if (!(in->target = strdup(o->target)))
			rc = ps_err_nomem();
		else if ((rc = ps_target_host_port_dir(o->target, in->target_dir, sizeof in->target_dir)))
			rc = ps_err_prefix(rc, "target: ");
	}
	if (!rc && o->session_id && !(in->session = strdup(o->session_id)))
		rc = ps_err_nomem();
	if (!rc && !o->session_id) {
		ps_session_id_new(in->session_buf, sizeof in->session_buf, in->now);
		in->session = in->session_buf;
	}
	if (!rc && o->group_by == PS_GROUP_DOMAIN && !o->target) {
		/* the system's list (kept up to date by the publicsuffix
		 * package), else the one libpsl was built with */
		in->psl = psl_latest(NULL);
		in->psl_owned = in->psl != NULL;
		if (!in->psl)
			in->psl = (psl_ctx_t *)psl_builtin();
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = o->threads > 0 ? o->threads : cpus > 0 ? (int)cpus : 1;
	if (threads > 64)
		threads = 64;
	in->n_slots = 2 * (size_t)threads + 2;
	if (!rc && !(in->slots = calloc(in->n_slots, sizeof *in->slots)))
		rc = ps_err_nomem();
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->cv, NULL);
	pthread_cond_init(&in->cv_main, NULL);
	/* threads - 1 workers: the pushing thread is the last one, parsing
	 * and writing while it waits (help); one more thread than cores made
	 * the pushing thread and the workers wait on one another (1.55 ->
	 * 1.45 s for 500,000 lines on two cores, docs/benchmarks.md) */
	if (!rc && threads > 1) {
		if (!(in->workers = calloc((size_t)threads, sizeof *in->workers)))
			rc = ps_err_nomem();
		for (int k = 0; !rc && k < threads - 1; k++) {
			if (pthread_create(&in->workers[in->n_workers], NULL, worker, in) != 0)
				break; /* fewer threads; with none, parsing happens here */
			in->n_workers++;
		}
	}
	if (rc) {
		ps_ingest_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

static void stop_workers(ps_ingest *in)
{
	pthread_mutex_lock(&in->mu);
	__atomic_store_n(&in->stop, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
	for (size_t k = 0; k < in->n_workers; k++)
		pthread_join(in->workers[k], NULL);
	in->n_workers = 0;
}

void ps_ingest_close(ps_ingest *in)
{
	if (!in)
		return;
	stop_workers(in);
	free(in->workers);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->cv);
	pthread_cond_destroy(&in->cv_main);
	for (size_t k = 0; in->slots && k < in->n_slots; k++) {
		free(in->slots[k].data);
		free(in->slots[k].items);
		ps_arena_free(&in->slots[k].a);
		ps_buf_free(&in->slots[k].nul_fixed);
	}
	free(in->slots);
	for (size_t k = 0; k < in->n_groups; k++)
		group_free(in->groups[k]);
	free(in->groups);
	free(in->slots_g);
	free(in->dir_order);
	for (size_t k = 0; k < in->n_dirs; k++)
		free(in->dirs[k]);
	free(in->dirs);
	free(in->touched);
	for (size_t k = 0; k < in->n_names; k++)
		free(in->names[k]);
	free(in->names);
	ps_buf_free(&in->fixed);
	tc_free(&in->tc);
	if (in->psl_owned)
		psl_free(in->psl);
	free(in->target);
	if (in->session != in->session_buf)
		free(in->session);
	ps_rec_release();
	free(in);
}

/* ---- finishing ---- */

static int cmp_group(const void *a, const void *b)
{
	const group *x = *(const group *const *)a, *y = *(const group *const *)b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->key_time > y->key_time) - (x->key_time < y->key_time);
}

/* Writes the groups of one round (each target's k-th scan) on threads. */
typedef struct round {
	ps_ingest *in;
	group **g;
	size_t n;
	size_t next;   /* atomic */
	int failed;    /* atomic: the first error's code */
	bool stop;     /* atomic: the commit of the slice before failed */
	char msg[1024];
	pthread_mutex_t mu;
	pthread_t th[64];
	size_t started;
} round;

static void *round_worker(void *arg)
{
	round *r = arg;
	for (;;) {
		if (__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE) || __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
		size_t k = __atomic_fetch_add(&r->next, 1, __ATOMIC_ACQ_REL);
		if (k >= r->n)
			break;
		group *g = r->g[k];
		int rc = group_write(r->in, g);
		/* a writer opened before its target's earliest record was seen */
		if (!rc && group_scan_time(r->in, g) != g->scan_ms)
			ps_scan_writer_set_time(g->w, g->scan_ms = group_scan_time(r->in, g));
		if (!rc)
			rc = ps_scan_writer_prepare(g->w);
		if (rc) {
			first_error(&r->mu, &r->failed, r->msg, sizeof r->msg, rc);
			break;
		}
	}
	return NULL;
}

/* The scans of a round are committed in slices of this many (by
 * default): the files of one slice are complete and closed at once,
 * waiting for the sync. Larger slices make fewer syncs but hold more
 * writers' remains (about 60 KB each) at once. */
#define COMMIT_SLICE 1024

/* Starts writing a slice's files on threads: a small scan is mostly
 * waiting on the file system (create, write, close, and the directory
 * operations), so more threads than CPUs. The calling thread joins in
 * with round_worker once it has committed the slice before. */
static void slice_start(ps_ingest *in, round *r, group **g, size_t n)
{
	memset(r, 0, sizeof *r);
	r->in = in;
	r->g = g;
	r->n = n;
	pthread_mutex_init(&r->mu, NULL);
	size_t want = in->n_slots / 2 - 1 > 8 ? in->n_slots / 2 - 1 : 8;
	if (want > n)
		want = n;
	while (want > 1 && r->started < want - 1 && r->started < 64 &&
	       pthread_create(&r->th[r->started], NULL, round_worker, r) == 0)
		r->started++;
}

/* Waits for a slice's threads; its error, if any, is the thread's error
 * when report is set. */
static int slice_join(round *r, bool report)
{
	for (size_t k = 0; k < r->started; k++)
		pthread_join(r->th[k], NULL);
	pthread_mutex_destroy(&r->mu);
	if (!r->failed)
		return 0;
	return report ? ps_err(r->failed, "%s", r->msg) : r->failed;
}

/* Places a written slice's scans (ps_scan_writers_commit: one sync for
 * all, then the renames, synced with the next slice's files or by
 * ps_sync_pending_flush) and records what each became; *done counts
 * those placed. */
static int slice_commit(group **g, size_t n, ps_sync_pending *pend, size_t *placed)
{
	ps_scan_writer **w = calloc(n, sizeof *w);
	ps_scan_result *res = calloc(n, sizeof *res);
	int rc = w && res ? 0 : ps_err_nomem();
	size_t done = 0;
	if (!rc) {
		for (size_t k = 0; k < n; k++) {
			w[k] = g[k]->w;
			g[k]->w = NULL; /* freed by the commit */
		}
		rc = ps_scan_writers_commit(w, n, res, &done, pend);
	}
	*placed = done;
	for (size_t k = 0; k < n && res; k++) {
		if (!res[k].path[0])
			continue; /* not placed */
		ps_ingest_scan *s = calloc(1, sizeof *s);
		if (!s || !(s->path = strdup(res[k].path))) {
			free(s);
			rc = rc ? rc : ps_err(PS_ENOMEM, "out of memory after %s was written", res[k].path);
			continue;
		}
		s->scan_time_ms = res[k].scan_time_ms;
		s->records = res[k].records;
		s->bytes = res[k].bytes;
		s->n_new = res[k].n_new;
		s->n_existing = res[k].n_existing;
		s->n_old = res[k].n_old;
		s->already_stored = res[k].already_stored;
		g[k]->res = s;
	}
	free(w);
	free(res);
	return rc;
}

/* The scans of the last slice whose renames wait for a sync. */
typedef struct placed_slice {
	group **g;
	size_t n;
} placed_slice;

/* After a slice commit that placed n scans: a rename comes only after the
 * commit's first sync, which also synced the slice before; with none
 * placed, that slice still waits unless the sync was made. */
static void placed_update(placed_slice *ps, const ps_sync_pending *pend, uint64_t syncs_before, group **g,
                          size_t n)
{
	if (n)
		*ps = (placed_slice){g, n};
	else if (pend->syncs != syncs_before)
		*ps = (placed_slice){NULL, 0};
}

/* Syncs what waits; when that fails, the scans that waited are in place
 * but not known to be durable, and are not reported as written (running
 * the ingest again finds them stored). */
static int placed_flush(placed_slice *ps, ps_sync_pending *pend, int rc)
{
	int src = ps_sync_pending_flush(pend);
	if (src) {
		for (size_t i = 0; i < ps->n; i++) {
			group *x = ps->g[i];
			if (x->res) {
				free(x->res->path);
				free(x->res);
				x->res = NULL;
			}
		}
		if (!rc)
			rc = ps_err_prefix(src, "%zu scans are in place but not known to be durable: ", ps->n);
	}
	*ps = (placed_slice){NULL, 0};
	return rc;
}

/* Writes a round slice by slice, the next slice's files written on the
 * threads while this thread commits the slice before (whose syncs and
 * renames wait on the disk more than they use a CPU), and each commit's
 * sync before its renames also the sync after the renames before it. The
 * targets of a round are distinct, so the slices are independent; a
 * failed commit stops the slice being written, whose files are then
 * removed with their writers. */
static int write_round(ps_ingest *in, group **g, size_t n)
{
	int rc = 0;
	group **prev = NULL;
	size_t n_prev = 0, done;
	ps_sync_pending pend;
	memset(&pend, 0, sizeof pend);
	placed_slice ps = {NULL, 0};
	size_t slice = in->o.commit_batch ? in->o.commit_batch : COMMIT_SLICE;
	for (size_t at = 0; at < n && !rc; at += slice) {
		size_t m = n - at < slice ? n - at : slice;
		round r;
		slice_start(in, &r, g + at, m);
		if (prev) {
			uint64_t syncs = pend.syncs;
			rc = slice_commit(prev, n_prev, &pend, &done);
			placed_update(&ps, &pend, syncs, prev, done);
		}
		if (rc)
			__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
		else
			round_worker(&r);
		int wrc = slice_join(&r, !rc);
		if (!rc)
			rc = wrc;
		prev = g + at;
		n_prev = m;
	}
	if (!rc && prev) {
		uint64_t syncs = pend.syncs;
		rc = slice_commit(prev, n_prev, &pend, &done);
		placed_update(&ps, &pend, syncs, prev, done);
	}
	return placed_flush(&ps, &pend, rc);
}

int ps_ingest_finish(ps_ingest *in, ps_ingest_summary *sum)
{
	memset(sum, 0, sizeof *sum);
	int rc = check(in);
	if (!rc && in->name)
		rc = ps_ingest_end(in);
	if (rc)
		return rc;
	in->finished = true;
	if ((rc = jobs_wait(in)))
		return fail(in, rc);
	stop_workers(in); /* the round threads take their place */
	sum->records = in->prog.records;
	sum->lines = in->prog.lines;
	sum->skipped = in->prog.skipped;
	sum->bytes = in->prog.bytes;
	sum->spilled_bytes = __atomic_load_n(&in->spilled, __ATOMIC_RELAXED);
	sum->early_row_groups = __atomic_load_n(&in->early_rgs, __ATOMIC_RELAXED);
	if (in->n_groups == 0 && in->target) {
		/* scanned, nothing answered: an empty scan says so */
		group *g;
		if ((rc = group_find(in, in->target_dir, 0, in->target, &g)))
			return fail(in, rc);
	}
	sum->n_planned = in->n_groups;
	if (in->n_groups == 0)
		return 0;
	qsort(in->groups, in->n_groups, sizeof *in->groups, cmp_group);
	/* round k: the k-th scan of every target (scans keyed by time are
	 * diffed each against the one before, committed in an earlier round) */
	group **batch = calloc(in->n_groups, sizeof *batch);
	if (!batch)
		return fail(in, ps_err_nomem());
	for (size_t round_no = 0; !rc; round_no++) {
		size_t n = 0;
		for (size_t k = 0, pos = 0; k < in->n_groups; k++) {
			pos = k == 0 || in->groups[k]->order != in->groups[k - 1]->order ? 0 : pos + 1;
			if (pos == round_no)
				batch[n++] = in->groups[k];
		}
		if (n == 0)
			break;
		rc = write_round(in, batch, n);
	}
	free(batch);
	size_t written = 0;
	for (size_t k = 0; k < in->n_groups; k++)
		written += in->groups[k]->res != NULL;
	if (written && !(sum->scans = calloc(written, sizeof *sum->scans)))
		return fail(in, ps_err_nomem());
	for (size_t k = 0; k < in->n_groups; k++) {
		group *g = in->groups[k];
		if (!g->res)
			continue;
		ps_ingest_scan *s = &sum->scans[sum->n_scans++];
		*s = *g->res; /* its path is the summary's now */
		free(g->res);
		g->res = NULL;
		s->target = g->target;
		g->target = NULL;
		if (ps_host_port_dir_display(g->dir, s->host_port, sizeof s->host_port))
			snprintf(s->host_port, sizeof s->host_port, "%s", s->target);
	}
	ps_log_field f[] = {PS_LOG_INT("records", sum->records), PS_LOG_INT("scans", (int64_t)sum->n_scans),
	                    PS_LOG_INT("spilled_bytes", (int64_t)sum->spilled_bytes),
	                    PS_LOG_INT("early_row_groups", sum->early_row_groups)};
	ps_log(ps_store_logger(in->st), PS_LOG_INFO, f, 4, "ingest memory budget");
	return rc ? fail(in, rc) : 0;
}

void ps_ingest_summary_free(ps_ingest_summary *sum)
{
	for (size_t k = 0; k < sum->n_scans; k++) {
		free(sum->scans[k].target);
		free(sum->scans[k].path);
	}
	free(sum->scans);
	memset(sum, 0, sizeof *sum);
}
