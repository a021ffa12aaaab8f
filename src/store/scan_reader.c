/* Reading scans: targets and scans on disk, iteration in bounded memory,
 * counts from the footer, searches with filters pushed down to libparq,
 * and the URL diff of two scans. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "probe_rows.h"
#include "store_internal.h"
#include "strmap.h"

/* ---- iteration ---- */

struct ps_probe_iter {
	parq_reader *r;
	parq_scan *scan;
	parq_pred *pred;
	ps_arena arena;
	ps_probe_result cur;
	int64_t n;
};

/* cfg NULL: libparq's defaults (CRC checked, pread). */
static int open_reader(const char *path, const ps_config *cfg, parq_reader **r)
{
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	if (cfg) {
		ro.use_mmap = cfg->reader.use_mmap;
		ro.verify_crc = cfg->reader.verify_crc;
	}
	int rc = parq_reader_open(r, path, &ro);
	if (rc)
		return ps_err_from_parq(rc, NULL);
	rc = ps_probe_schema_check(parq_reader_schema(*r), path);
	if (rc) {
		parq_reader_close(*r);
		*r = NULL;
	}
	return rc;
}

/* Opens an iterator over the rows of path matching pred (owned by the
 * iterator; NULL: all). */
static int iter_open(ps_probe_iter **out, const char *path, const ps_config *cfg, parq_pred *pred)
{
	*out = NULL;
	ps_probe_iter *it = calloc(1, sizeof *it);
	if (!it) {
		parq_pred_free(pred);
		return ps_err_nomem();
	}
	it->pred = pred;
	int rc = open_reader(path, cfg, &it->r);
	if (!rc && (rc = parq_scan_open(&it->scan, it->r, pred, NULL, 0)))
		rc = ps_err_from_parq(rc, path);
	if (rc) {
		ps_probe_iter_close(it);
		return rc;
	}
	*out = it;
	return 0;
}

int ps_probe_iter_open(ps_probe_iter **out, const char *path)
{
	return iter_open(out, path, NULL, NULL);
}

int ps_probe_iter_next(ps_probe_iter *it, const ps_probe_result **r)
{
	*r = NULL;
	const parq_value *row;
	int rc = parq_scan_next(it->scan, &row);
	if (rc)
		return ps_err_from_parq(rc, parq_reader_name(it->r));
	if (!row)
		return 0;
	/* the strings of one result at a time: memory stays bounded */
	ps_arena_free(&it->arena);
	if ((rc = ps_probe_from_row(row, &it->arena, &it->cur)))
		return ps_err_prefix(rc, "%s: row %lld: ", parq_reader_name(it->r), (long long)it->n);
	it->n++;
	*r = &it->cur;
	return 0;
}

void ps_probe_iter_close(ps_probe_iter *it)
{
	if (!it)
		return;
	if (it->scan)
		parq_scan_close(it->scan);
	if (it->r)
		parq_reader_close(it->r);
	parq_pred_free(it->pred);
	ps_arena_free(&it->arena);
	free(it);
}

int ps_scan_stream(const char *path, ps_probe_fn fn, void *ud, const ps_cancel *cancel)
{
	ps_probe_iter *it;
	int rc = ps_probe_iter_open(&it, path);
	if (rc)
		return rc;
	const ps_probe_result *r;
	for (;;) {
		if (ps_cancel_requested(cancel)) {
			rc = ps_err(PS_ECANCELED, "%s: streaming canceled", path);
			break;
		}
		if ((rc = ps_probe_iter_next(it, &r)) || !r)
			break;
		if ((rc = fn(ud, r)))
			break;
	}
	ps_probe_iter_close(it);
	return rc;
}

int ps_scan_count(const char *path, int64_t *rows)
{
	parq_reader *r;
	int rc = open_reader(path, NULL, &r);
	if (rc)
		return rc;
	*rows = parq_reader_num_rows(r);
	parq_reader_close(r);
	return 0;
}

/* ---- targets and scans ---- */

static int cmp_target(const void *a, const void *b)
{
	return strcmp(((const ps_target_info *)a)->dir, ((const ps_target_info *)b)->dir);
}

static bool is_scan_name(const char *name)
{
	return ps_scan_name_time(name) >= 0;
}

int ps_store_list_targets(ps_store *st, ps_target_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char root[4096];
	snprintf(root, sizeof root, "%s/probe_results", st->base);
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot list %s: %s", root, strerror(errno));
	size_t cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		char host[PS_URL_HOST_MAX + 1];
		int port;
		if (e->d_name[0] == '.' || ps_host_port_dir_parse(e->d_name, host, sizeof host, &port))
			continue; /* not a target directory of ours */
		char sub[4096 + 256];
		snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
		DIR *sd = opendir(sub);
		if (!sd)
			continue;
		int scans = 0;
		struct dirent *f;
		while ((f = readdir(sd)))
			scans += is_scan_name(f->d_name);
		closedir(sd);
		if (!scans)
			continue;
		if ((rc = ps_array_room(out, &cap, *n, sizeof **out, 16)))
			break;
		ps_target_info *t = &(*out)[(*n)++];
		memset(t, 0, sizeof *t);
		snprintf(t->dir, sizeof t->dir, "%s", e->d_name);
		ps_host_port_format(host, port, t->host_port, sizeof t->host_port);
		t->n_scans = scans;
	}
	closedir(d);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_target);
	return 0;
}

static int cmp_scan(const void *a, const void *b)
{
	const ps_scan_info *x = a, *y = b;
	if (x->scan_time_ms != y->scan_time_ms)
		return x->scan_time_ms < y->scan_time_ms ? -1 : 1;
	/* same time: scan_X.parquet before scan_X_2.parquet before scan_X_10 */
	size_t lx = strlen(x->path), ly = strlen(y->path);
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->path, y->path);
}

static int list_scans_in(const char *dir, ps_scan_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot list %s: %s", dir, strerror(errno));
	size_t cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		int64_t t = ps_scan_name_time(e->d_name);
		if (t < 0)
			continue;
		if ((rc = ps_array_room(out, &cap, *n, sizeof **out, 16)))
			break;
		ps_scan_info *s = &(*out)[(*n)++];
		memset(s, 0, sizeof *s);
		snprintf(s->path, sizeof s->path, "%s/%s", dir, e->d_name);
		s->scan_time_ms = t;
	}
	closedir(d);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	/* the precise time and the row count come from the footer */
	for (size_t i = 0; i < *n; i++) {
		parq_reader *r;
		ps_scan_info *s = &(*out)[i];
		if (parq_reader_open(&r, s->path, NULL) != 0) {
			s->rows = -1; /* unreadable: listed, and reads of it report why */
			continue;
		}
		s->rows = parq_reader_num_rows(r);
		s->bytes = parq_reader_file_size(r);
		const char *ms = parq_reader_kv(r, "probestore.scan_timestamp");
		if (ms) {
			char *end;
			long long v = strtoll(ms, &end, 10);
			if (!*end && v / 1000 == s->scan_time_ms / 1000)
				s->scan_time_ms = v;
		}
		parq_reader_close(r);
	}
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_scan);
	return 0;
}

int ps_store_list_scans(ps_store *st, const char *root_target, ps_scan_info **out, size_t *n)
{
	char dir[4096];
	*out = NULL;
	*n = 0;
	int rc = ps_store_target_dir(st, root_target, dir, sizeof dir);
	return rc ? rc : list_scans_in(dir, out, n);
}

static int read_all(const char *path, const ps_config *cfg, parq_pred *pred, ps_probe_set *out)
{
	ps_probe_iter *it;
	int rc = iter_open(&it, path, cfg, pred);
	if (rc)
		return rc;
	ps_arena *a = ps_probe_set_arena(out);
	const parq_value *row;
	if (!a)
		rc = ps_err_nomem();
	while (!rc) {
		if ((rc = parq_scan_next(it->scan, &row))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (!row)
			break;
		ps_probe_result *slot;
		if ((rc = ps_probe_set_push(out, &slot)) || (rc = ps_probe_from_row(row, a, slot)))
			break;
	}
	ps_probe_iter_close(it);
	return rc;
}

int ps_store_latest_results(ps_store *st, const char *root_target, ps_probe_set *out)
{
	memset(out, 0, sizeof *out);
	ps_scan_info *scans;
	size_t n;
	int rc = ps_store_list_scans(st, root_target, &scans, &n);
	if (rc)
		return rc;
	if (n == 0) {
		free(scans);
		return ps_err(PS_ENOTFOUND, "%s has no scan", root_target);
	}
	rc = read_all(scans[n - 1].path, &st->cfg, NULL, out);
	out->scan_time_ms = scans[n - 1].scan_time_ms;
	out->total = (int64_t)out->n;
	free(scans);
	if (rc)
		ps_probe_set_free(out);
	return rc;
}

/* ---- search ---- */

void ps_query_default(ps_query *q)
{
	memset(q, 0, sizeof *q);
}

static int and_pred(parq_pred **acc, parq_pred *p, int rc)
{
	if (rc)
		return rc;
	if (!*acc) {
		*acc = p;
		return 0;
	}
	parq_pred *both = NULL;
	rc = parq_pred_and(&both, *acc, p); /* frees both inputs on failure */
	*acc = both;
	return rc;
}

/* The query's filters that libparq can prune with. */
static int build_pred(const ps_query *q, parq_pred **out)
{
	parq_pred *acc = NULL, *p = NULL;
	int rc = 0;
	if (q->n_status_codes || q->n_status_ranges) {
		parq_pred *any = NULL;
		if (q->n_status_codes) {
			parq_scalar *v = malloc(q->n_status_codes * sizeof *v);
			if (!v)
				return ps_err_nomem();
			for (size_t i = 0; i < q->n_status_codes; i++)
				v[i] = parq_scalar_int(q->status_codes[i]);
			rc = parq_pred_in(&any, "status_code", v, q->n_status_codes);
			free(v);
		}
		for (size_t i = 0; !rc && i < q->n_status_ranges; i++) {
			parq_pred *lo = NULL, *hi = NULL, *both = NULL;
			parq_scalar a = parq_scalar_int(q->status_ranges[i].lo), b = parq_scalar_int(q->status_ranges[i].hi);
			rc = parq_pred_compare(&lo, "status_code", PARQ_OP_GE, &a);
			if (!rc)
				rc = parq_pred_compare(&hi, "status_code", PARQ_OP_LE, &b);
			if (!rc) {
				rc = parq_pred_and(&both, lo, hi);
				lo = hi = NULL;
			}
			parq_pred_free(lo);
			parq_pred_free(hi);
			if (!rc)
				rc = any ? parq_pred_or(&any, any, both) : (any = both, 0);
		}
		rc = and_pred(&acc, any, rc);
	}
	if (!rc && q->technology) {
		parq_scalar v = parq_scalar_bytes(q->technology, (uint32_t)strlen(q->technology));
		rc = parq_pred_contains(&p, "technologies", &v);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->diff_status) {
		parq_scalar v = parq_scalar_bytes(q->diff_status, (uint32_t)strlen(q->diff_status));
		rc = parq_pred_compare(&p, "diff_status", PARQ_OP_EQ, &v);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->content_type) {
		rc = parq_pred_prefix(&p, "content_type", q->content_type, (uint32_t)strlen(q->content_type));
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->errors_only) {
		rc = parq_pred_null(&p, "probe_error", false);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->url_contains) {
		/* on a string column, CONTAINS is a substring test */
		parq_scalar v = parq_scalar_bytes(q->url_contains, (uint32_t)strlen(q->url_contains));
		parq_pred *a = NULL, *b = NULL, *either = NULL;
		rc = parq_pred_contains(&a, "original_url", &v);
		if (!rc)
			rc = parq_pred_contains(&b, "final_url", &v);
		if (!rc) {
			rc = parq_pred_or(&either, a, b);
			a = b = NULL;
		}
		parq_pred_free(a);
		parq_pred_free(b);
		rc = and_pred(&acc, either, rc);
	}
	if (!rc && q->title_contains) {
		parq_scalar v = parq_scalar_bytes(q->title_contains, (uint32_t)strlen(q->title_contains));
		rc = parq_pred_contains(&p, "title", &v);
		rc = and_pred(&acc, p, rc);
	}
	if (rc) {
		parq_pred_free(acc);
		return ps_err_from_parq(rc, "query");
	}
	*out = acc;
	return 0;
}

/* Counts the matches in one file after the `before` counted in earlier
 * files (out->total), and keeps those in the window [offset, offset +
 * limit) of all matches; only those are assembled and converted. With
 * stop_when_full the count ends when the window is full (the total is
 * known already); a set stop flag (another thread's error) ends it. */
static int search_file(const ps_query *q, const ps_config *cfg, const char *path, int64_t offset, int64_t limit,
                       bool stop_when_full, const atomic_bool *stop, ps_probe_set *out)
{
	parq_pred *pred = NULL;
	int rc = build_pred(q, &pred);
	if (rc)
		return rc;
	ps_probe_iter *it;
	if ((rc = iter_open(&it, path, cfg, pred)))
		return rc;
	ps_arena *a = ps_probe_set_arena(out);
	if (!a) {
		ps_probe_iter_close(it);
		return ps_err_nomem();
	}
	for (int64_t k = 0;; k++) {
		if ((k & 1023) == 0 && ((stop && atomic_load(stop)) || ps_cancel_requested(q->cancel))) {
			rc = ps_err(PS_ECANCELED, "query canceled");
			break;
		}
		bool found;
		if ((rc = parq_scan_advance(it->scan, &found))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (!found)
			break;
		out->total++;
		bool full = limit > 0 && (int64_t)out->n >= limit;
		if (full && stop_when_full)
			break;
		if (out->total <= offset || full)
			continue;
		const parq_value *row;
		ps_probe_result *slot;
		if ((rc = parq_scan_row(it->scan, &row))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if ((rc = ps_probe_set_push(out, &slot)) || (rc = ps_probe_from_row(row, a, slot)))
			break;
	}
	ps_probe_iter_close(it);
	return rc;
}

/* A file's part in a search: with limit 0, its matches counted and
 * nothing assembled (set.total); else the rows of its matches
 * [offset, offset + limit). */
typedef struct file_part {
	const char *path;
	int64_t offset, limit;
	ps_probe_set set;
} file_part;

typedef struct parts_job {
	const ps_query *q;
	const ps_config *cfg;
	file_part *parts;
	size_t n;
	atomic_size_t next;
	atomic_bool stop;       /* an error or a cancel: the others stop too */
	pthread_mutex_t mu;
	int rc;                 /* the first error, its message in err */
	char err[1024];
} parts_job;

static void *parts_worker(void *arg)
{
	parts_job *j = arg;
	for (size_t i; !atomic_load(&j->stop) && (i = atomic_fetch_add(&j->next, 1)) < j->n;) {
		file_part *p = &j->parts[i];
		int rc = search_file(j->q, j->cfg, p->path, p->limit ? p->offset : INT64_MAX, p->limit, p->limit > 0,
		                     &j->stop, &p->set);
		if (rc) {
			pthread_mutex_lock(&j->mu);
			/* a cancel caused by another thread's error is not the error */
			if (!j->rc || (j->rc == PS_ECANCELED && rc != PS_ECANCELED)) {
				j->rc = rc;
				snprintf(j->err, sizeof j->err, "%s", ps_errmsg());
			}
			pthread_mutex_unlock(&j->mu);
			atomic_store(&j->stop, true);
		}
	}
	return NULL;
}

/* Searches the n parts on up to `threads` threads. */
static int search_parts(const ps_query *q, const ps_config *cfg, file_part *parts, size_t n, int threads)
{
	parts_job j = {.q = q, .cfg = cfg, .parts = parts, .n = n};
	atomic_init(&j.next, 0);
	atomic_init(&j.stop, false);
	pthread_mutex_init(&j.mu, NULL);
	pthread_t th[8];
	int started = 0;
	for (int t = 1; t < threads && (size_t)t < n; t++) {
		if (pthread_create(&th[started], NULL, parts_worker, &j) != 0)
			break; /* fewer threads: the work still gets done */
		started++;
	}
	parts_worker(&j);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.mu);
	return j.rc ? ps_err(j.rc, "%s", j.err) : 0;
}

/* The totals of every file on several threads, then the window's rows from
 * the files that hold them, each file's share on a thread of its own. */
static int search_threaded(const ps_query *q, const ps_config *cfg, char **paths, size_t n, int64_t limit,
                           int threads, ps_probe_set *out)
{
	file_part *parts = calloc(n ? n : 1, sizeof *parts);
	if (!parts)
		return ps_err_nomem();
	for (size_t i = 0; i < n; i++)
		parts[i].path = paths[i];
	int rc = search_parts(q, cfg, parts, n, threads);
	int64_t before = 0, total = 0, want = limit;
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t c = parts[i].set.total;
		ps_probe_set_free(&parts[i].set);
		if (rc)
			continue;
		total += c;
		/* matches [before, before + c) of the whole; the window starts at q->offset */
		int64_t from = q->offset > before ? q->offset - before : 0;
		if (want > 0 && from < c) {
			int64_t take = c - from < want ? c - from : want;
			parts[np++] = (file_part){.path = paths[i], .offset = from, .limit = take};
			want -= take;
		}
		before += c;
	}
	if (!rc)
		rc = search_parts(q, cfg, parts, np, threads);
	ps_arena *a = rc ? NULL : ps_probe_set_arena(out);
	if (!rc && !a)
		rc = ps_err_nomem();
	for (size_t i = 0; i < np; i++) {
		ps_probe_set *s = &parts[i].set;
		for (size_t k = 0; !rc && k < s->n; k++) {
			ps_probe_result *slot;
			if (!(rc = ps_probe_set_push(out, &slot)))
				*slot = s->items[k]; /* its strings move with the arena below */
		}
		if (!rc && s->priv)
			ps_arena_adopt(a, &((ps_probe_set_priv *)s->priv)->arena);
		ps_probe_set_free(s);
	}
	free(parts);
	out->total = total;
	return rc;
}

static int query_threads(const ps_query *q, size_t files)
{
	long t = q->threads > 0 ? q->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (t < 1)
		t = 1;
	if (t > 8)
		t = 8;
	return (size_t)t > files ? (int)files : (int)t;
}

/* The scan files a query reads, in result order: targets by name, each
 * target's newest scan first. */
static int query_files(ps_store *st, const ps_query *q, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	ps_target_info *targets = NULL;
	size_t nt = 0, cap = 0;
	char **paths = NULL;
	int rc = 0;
	if (q->root_target) {
		targets = calloc(1, sizeof *targets);
		if (!targets)
			return ps_err_nomem();
		nt = 1;
	} else if ((rc = ps_store_list_targets(st, &targets, &nt))) {
		return rc;
	}
	for (size_t t = 0; t < nt && !rc; t++) {
		char dir[4096 + 300];
		if (q->root_target)
			rc = ps_store_target_dir(st, q->root_target, dir, sizeof dir);
		else
			snprintf(dir, sizeof dir, "%s/probe_results/%s", st->base, targets[t].dir);
		ps_scan_info *scans = NULL;
		size_t ns = 0;
		if (!rc)
			rc = list_scans_in(dir, &scans, &ns);
		/* newest scan first */
		for (size_t k = ns; k-- > 0 && !rc;) {
			const ps_scan_info *s = &scans[k];
			if (q->scans == PS_SCANS_LATEST && k != ns - 1)
				break;
			if (q->scans == PS_SCANS_RANGE &&
			    ((q->from_ms && s->scan_time_ms < q->from_ms) || (q->to_ms && s->scan_time_ms > q->to_ms)))
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				char **p = realloc(paths, cap * sizeof *p);
				if (!p) {
					rc = ps_err_nomem();
					break;
				}
				paths = p;
			}
			if (!(paths[*n] = strdup(s->path)))
				rc = ps_err_nomem();
			else
				(*n)++;
		}
		free(scans);
	}
	free(targets);
	*out = paths;
	return rc;
}

static void free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int ps_store_search(ps_store *st, const ps_query *q, ps_probe_set *out)
{
	memset(out, 0, sizeof *out);
	if (q->offset < 0 || q->limit < 0 || q->threads < 0)
		return ps_err(PS_EINVAL, "query: negative limit, offset or threads");
	int64_t limit = q->limit ? q->limit : st->cfg.reader.default_limit;
	char **paths;
	size_t n;
	int rc = query_files(st, q, &paths, &n);
	/* counting first pays when a window is wanted; for every match (no
	 * limit) it would be a pass for nothing */
	int threads = limit > 0 && limit < INT64_MAX ? query_threads(q, n) : 1;
	if (!rc && threads <= 1) {
		/* one pass: count every match, keep the window's */
		for (size_t i = 0; i < n && !rc; i++)
			rc = search_file(q, &st->cfg, paths[i], q->offset, limit, false, NULL, out);
	} else if (!rc) {
		rc = search_threaded(q, &st->cfg, paths, n, limit, threads, out);
	}
	free_paths(paths, n);
	if (rc)
		ps_probe_set_free(out);
	return rc;
}

/* ---- URL diff ---- */

typedef struct diff_priv {
	ps_strmap a, b;
} diff_priv;

/* The URLs of a scan into m. Only the URL column is read: a diff costs
 * one column's pages, not the decoding of whole records. */
static int load_urls(const char *path, ps_strmap *m)
{
	if (!path)
		return 0;
	parq_reader *r;
	int rc = open_reader(path, NULL, &r);
	if (rc)
		return rc;
	int leaf = parq_schema_find_leaf(parq_reader_schema(r), ps_probe_column_name(PS_COL_ORIGINAL_URL));
	parq_column_reader *cr = NULL;
	if (leaf < 0)
		rc = ps_err(PS_ECORRUPT, "%s: no original_url column", path);
	else if ((rc = parq_column_reader_open(&cr, r, leaf, NULL, 0)))
		rc = ps_err_from_parq(rc, path);
	while (!rc) {
		parq_column_batch b;
		if ((rc = parq_column_reader_read(cr, 4096, &b))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (b.num_rows == 0)
			break;
		/* values hold only the non-null URLs, in order */
		for (int64_t i = 0; i < b.num_values; i++)
			if (ps_strmap_put(m, (const char *)b.bytes[i].ptr, b.bytes[i].len, 1)) {
				rc = ps_err_nomem();
				break;
			}
	}
	parq_column_reader_close(cr);
	parq_reader_close(r);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys of m that are (in_other) or are not in other, sorted. */
static int pick(const ps_strmap *m, const ps_strmap *other, bool in_other, const char ***out, size_t *n)
{
	*out = malloc((m->n ? m->n : 1) * sizeof **out);
	*n = 0;
	if (!*out)
		return ps_err_nomem();
	for (size_t i = 0; m->keys && i <= m->mask; i++) {
		const char *k = m->keys[i];
		if (k && (ps_strmap_get(other, k, strlen(k)) != NULL) == in_other)
			(*out)[(*n)++] = k;
	}
	qsort(*out, *n, sizeof **out, cmp_str);
	return 0;
}

int ps_scan_diff(const char *path_a, const char *path_b, ps_url_diff *out)
{
	memset(out, 0, sizeof *out);
	diff_priv *p = calloc(1, sizeof *p);
	if (!p)
		return ps_err_nomem();
	out->priv = p;
	int rc = load_urls(path_a, &p->a);
	if (!rc)
		rc = load_urls(path_b, &p->b);
	if (!rc)
		rc = pick(&p->b, &p->a, false, &out->new_urls, &out->n_new);
	if (!rc)
		rc = pick(&p->b, &p->a, true, &out->existing_urls, &out->n_existing);
	if (!rc)
		rc = pick(&p->a, &p->b, false, &out->old_urls, &out->n_old);
	if (rc)
		ps_url_diff_free(out);
	return rc;
}

int ps_store_diff_latest(ps_store *st, const char *root_target, ps_url_diff *out)
{
	memset(out, 0, sizeof *out);
	ps_scan_info *scans;
	size_t n;
	int rc = ps_store_list_scans(st, root_target, &scans, &n);
	if (rc)
		return rc;
	if (n == 0)
		rc = ps_err(PS_ENOTFOUND, "%s has no scan", root_target);
	else
		rc = ps_scan_diff(n > 1 ? scans[n - 2].path : NULL, scans[n - 1].path, out);
	free(scans);
	return rc;
}

void ps_url_diff_free(ps_url_diff *d)
{
	diff_priv *p = d->priv;
	if (p) {
		ps_strmap_free(&p->a);
		ps_strmap_free(&p->b);
		free(p);
	}
	free(d->new_urls);
	free(d->existing_urls);
	free(d->old_urls);
	memset(d, 0, sizeof *d);
}
