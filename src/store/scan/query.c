/* Queries over stored scans: every filter of ps_query pushed down to
 * libparq, counts without assembling rows, and results streamed in order
 * in bounded memory, the scan files read on several threads.
 *
 * A query runs in three steps. The scan files it reads are listed (per
 * target, by directory name; per target, newest scan first) and their
 * footers read, which splits them into units: a small file is one unit,
 * a large one a unit per row group, so that the row groups of one big
 * scan are read on several threads. Then the matches of each unit are
 * counted where the window or the total needs it (parq_scan_count: only
 * the predicate's columns, tested on column vectors). Last, the units
 * that hold the window are read again, each past the matches before the
 * window without assembling them, and their rows are assembled in slices
 * that the calling thread hands to the caller in order, a worker waiting
 * when it is too far ahead: memory holds a few slices per thread,
 * whatever the size of the result. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../error.h"
#include "scan/probe_rows.h"
#include "scan/scan_internal.h"
#include "storage/backend.h"
#include "../store_internal.h"
#include "../strmap.h"

/* rows of a slice handed over at once, and slices a unit may hold ahead */
#define SLICE_ROWS 512
#define SLICES_AHEAD 4
/* a file with more rows than this is read one row group per unit */
#define SPLIT_ROWS 65536

/* ---- filters ---- */

/* The ASCII lower case of c. */
static inline uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* A string test with its needle, for parq_pred_match. */
typedef struct needle {
	char *s;            /* lower-cased for the case-insensitive tests */
	size_t n;
	bool has_colon;     /* a technology named with its version */
} needle;

/* httpx reports a technology as "Name" or "Name:version". */
static bool tech_name_match(void *ud, const uint8_t *p, size_t n)
{
	const needle *k = ud;
	if (n < k->n || (n > k->n && (k->has_colon || p[k->n] != ':')))
		return false;
	for (size_t i = 0; i < k->n; i++)
		if (lower(p[i]) != (uint8_t)k->s[i])
			return false;
	return true;
}

/* A string equal to the needle, ignoring ASCII case. */
static bool equals_nocase(void *ud, const uint8_t *p, size_t n)
{
	const needle *k = ud;
	if (n != k->n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (uint8_t)k->s[i])
			return false;
	return true;
}

/* --diff old: the URLs that the scan after this one no longer has. */
static bool url_gone(void *ud, const uint8_t *p, size_t n)
{
	return ps_strmap_get(ud, (const char *)p, n) == NULL;
}

/* The needles of a query, made once and shared (read only) by every
 * predicate built from it. */
typedef struct query_needles {
	needle tech, cdn;
} query_needles;

static int needle_set(needle *k, const char *s, bool fold)
{
	k->n = strlen(s);
	if (!(k->s = malloc(k->n + 1)))
		return ps_err_nomem();
	for (size_t i = 0; i <= k->n; i++)
		k->s[i] = fold ? (char)lower((uint8_t)s[i]) : s[i];
	k->has_colon = memchr(s, ':', k->n) != NULL;
	return 0;
}

static void needles_free(query_needles *nd)
{
	free(nd->tech.s);
	free(nd->cdn.s);
	memset(nd, 0, sizeof *nd);
}

static int needles_make(const ps_query *q, query_needles *nd)
{
	memset(nd, 0, sizeof *nd);
	int rc = 0;
	if (q->technology && q->tech_match == PS_TECH_NAME)
		rc = needle_set(&nd->tech, q->technology, true);
	if (!rc && q->cdn_name)
		rc = needle_set(&nd->cdn, q->cdn_name, true);
	if (rc)
		needles_free(nd);
	return rc;
}

static int and_pred(parq_pred **acc, parq_pred *p, int rc)
{
	if (rc) {
		parq_pred_free(p);
		return rc;
	}
	if (!*acc) {
		*acc = p;
		return 0;
	}
	parq_pred *both = NULL;
	rc = parq_pred_and(&both, *acc, p); /* frees both inputs on failure */
	*acc = both;
	return rc;
}

/* A substring test of a string column, ignoring ASCII case or not. */
static int text_pred(const char *column, const char *s, bool nocase, parq_pred **out)
{
	if (nocase)
		return parq_pred_contains_nocase(out, column, s, (uint32_t)strlen(s));
	/* on a string column, CONTAINS is a substring test */
	parq_scalar v = parq_scalar_bytes(s, (uint32_t)strlen(s));
	return parq_pred_contains(out, column, &v);
}

static int status_pred(const ps_query *q, parq_pred **out)
{
	parq_pred *any = NULL;
	int rc = 0;
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
	if (rc) {
		parq_pred_free(any);
		return rc;
	}
	*out = any;
	return 0;
}

static bool any_string(void *ud, const uint8_t *bytes, size_t n)
{
	(void)ud;
	(void)bytes;
	(void)n;
	return true;
}

/* Whether q filters on a column of scan schema version 2 only: such a
 * filter matches nothing in a version 1 file. */
static bool query_needs_v2(const ps_query *q)
{
	return (q->diff_status && !strcmp(q->diff_status, "changed")) || q->port || q->cdn_name || q->has_favicon ||
	       q->jarm || q->tls_san || q->location_contains || q->n_chain_status_codes || q->n_chain_status_ranges ||
	       q->body_sha256;
}

/* A hop of chain_status_codes in the query's codes or ranges: an OR of
 * list-contains tests, one per code (a range is its codes). */
static int chain_pred(const ps_query *q, parq_pred **out)
{
	int rc = 0;
	size_t n = q->n_chain_status_codes;
	for (size_t i = 0; i < q->n_chain_status_ranges; i++) {
		int lo = q->chain_status_ranges[i].lo, hi = q->chain_status_ranges[i].hi;
		if (hi - lo > 1000 || lo > hi)
			return ps_err(PS_EINVAL, "query: chain status range %d-%d is not within 100..599", lo, hi);
		n += (size_t)(hi - lo + 1);
	}
	parq_pred **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return ps_err_nomem();
	for (size_t i = 0; i < n && !rc; i++) {
		int code;
		if (i < q->n_chain_status_codes) {
			code = q->chain_status_codes[i];
		} else {
			size_t k = i - q->n_chain_status_codes, r = 0;
			while ((size_t)(q->chain_status_ranges[r].hi - q->chain_status_ranges[r].lo + 1) <= k) {
				k -= (size_t)(q->chain_status_ranges[r].hi - q->chain_status_ranges[r].lo + 1);
				r++;
			}
			code = q->chain_status_ranges[r].lo + (int)k;
		}
		parq_scalar c = parq_scalar_int(code);
		rc = parq_pred_contains(&v[i], "chain_status_codes", &c);
	}
	/* ORed pairwise: the tree stays shallow (a class is 100 codes) */
	while (!rc && n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i += 2) {
			if (i + 1 == n) {
				v[m++] = v[i];
				continue;
			}
			parq_pred *both = NULL;
			if (!rc)
				rc = parq_pred_or(&both, v[i], v[i + 1]); /* frees both on failure */
			else {
				parq_pred_free(v[i]);
				parq_pred_free(v[i + 1]);
			}
			v[m++] = both;
		}
		n = m;
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			parq_pred_free(v[i]);
		free(v);
		return ps_err_from_parq(rc, "query");
	}
	*out = n ? v[0] : NULL;
	free(v);
	return 0;
}

/* The filters on version 2 columns, ANDed into *acc. */
static int v2_preds(const ps_query *q, query_needles *nd, parq_pred **acc)
{
	parq_pred *p;
	int rc = 0;
	if (q->port) {
		parq_scalar v = parq_scalar_int(q->port);
		p = NULL;
		rc = parq_pred_compare(&p, "port", PARQ_OP_EQ, &v);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->cdn_name) {
		p = NULL;
		rc = parq_pred_match(&p, "cdn_name", equals_nocase, &nd->cdn);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->has_favicon) {
		parq_scalar v = parq_scalar_int(q->favicon_mmh3);
		p = NULL;
		rc = parq_pred_compare(&p, "favicon_mmh3", PARQ_OP_EQ, &v);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->jarm) {
		parq_scalar v = parq_scalar_bytes(q->jarm, (uint32_t)strlen(q->jarm));
		p = NULL;
		rc = parq_pred_compare(&p, "jarm", PARQ_OP_EQ, &v);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->body_sha256) {
		parq_scalar v = parq_scalar_bytes(q->body_sha256, (uint32_t)strlen(q->body_sha256));
		p = NULL;
		rc = parq_pred_compare(&p, "body_sha256", PARQ_OP_EQ, &v);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->tls_san) {
		parq_scalar v = parq_scalar_bytes(q->tls_san, (uint32_t)strlen(q->tls_san));
		p = NULL;
		rc = parq_pred_contains(&p, "tls_subject_an", &v);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && q->location_contains) {
		p = NULL;
		rc = text_pred("location", q->location_contains, q->ignore_case, &p);
		rc = and_pred(acc, p, rc);
	}
	if (!rc && (q->n_chain_status_codes || q->n_chain_status_ranges)) {
		p = NULL;
		if ((rc = chain_pred(q, &p)))
			return rc;
		rc = and_pred(acc, p, 0);
	}
	return rc;
}

/* The query's filters as one libparq predicate (NULL: none); excl, when
 * not NULL, leaves out the rows whose URL it holds. Scans keep their
 * bindings: one predicate serves all of them at once. */
static int build_pred(const ps_query *q, query_needles *nd, const ps_strmap *excl, parq_pred **out)
{
	parq_pred *acc = NULL, *p;
	int rc = 0;
	*out = NULL;
	if (q->n_status_codes || q->n_status_ranges) {
		p = NULL;
		rc = status_pred(q, &p);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->technology) {
		p = NULL;
		if (nd->tech.s) {
			rc = parq_pred_match(&p, "technologies", tech_name_match, &nd->tech);
		} else {
			parq_scalar v = parq_scalar_bytes(q->technology, (uint32_t)strlen(q->technology));
			rc = parq_pred_contains(&p, "technologies", &v);
		}
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->diff_status && !strcmp(q->diff_status, "changed")) {
		/* rows with a changed field (version 2 files) */
		p = NULL;
		rc = parq_pred_match(&p, "changed_fields", any_string, NULL);
		rc = and_pred(&acc, p, rc);
	} else if (!rc && q->diff_status && strcmp(q->diff_status, "old") != 0) {
		parq_scalar v = parq_scalar_bytes(q->diff_status, (uint32_t)strlen(q->diff_status));
		p = NULL;
		rc = parq_pred_compare(&p, "diff_status", PARQ_OP_EQ, &v);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->content_type) {
		p = NULL;
		rc = parq_pred_prefix(&p, "content_type", q->content_type, (uint32_t)strlen(q->content_type));
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->errors_only) {
		p = NULL;
		rc = parq_pred_null(&p, "probe_error", false);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && q->url_contains) {
		parq_pred *a = NULL, *b = NULL, *either = NULL;
		rc = text_pred("original_url", q->url_contains, q->ignore_case, &a);
		if (!rc)
			rc = text_pred("final_url", q->url_contains, q->ignore_case, &b);
		if (!rc) {
			rc = parq_pred_or(&either, a, b);
			a = b = NULL;
		}
		parq_pred_free(a);
		parq_pred_free(b);
		rc = and_pred(&acc, either, rc);
	}
	if (!rc && q->title_contains) {
		p = NULL;
		rc = text_pred("title", q->title_contains, q->ignore_case, &p);
		rc = and_pred(&acc, p, rc);
	}
	if (!rc && query_needs_v2(q))
		rc = v2_preds(q, nd, &acc);
	if (!rc && excl) {
		p = NULL;
		rc = parq_pred_match(&p, "original_url", url_gone, (void *)excl);
		rc = and_pred(&acc, p, rc);
	}
	if (rc) {
		parq_pred_free(acc);
		return ps_err_from_parq(rc, "query");
	}
	*out = acc;
	return 0;
}

/* ---- the files and units of a query ---- */

/* Threads of a query at most: one per core up to 8 on a local directory,
 * 16 on object storage, where they wait on requests. */
#define QUERY_THREADS_MAX 16

typedef struct qfile {
	char *path;
	bool bad;                  /* reported to on_bad_file: read no further */
	ps_strmap *excl;           /* --diff old: the URLs of the scan after this one */
	parq_pred *own;            /* with excl: the query's filters and excl's */
	const parq_pred *pred;     /* the filters (NULL: none), shared by the file's units */
	int64_t rows;              /* from the footer */
	int64_t count;             /* a count's matches, counted while planning (-1: in its units) */
	int n_rgs;
	parq_reader *r;            /* opened while planning, taken by the file's first unit */
	ps_reader_tail tail;       /* a file read in several units: its footer GET, for the others */
	char etag[PS_ETAG_MAX];    /* on a bucket, the version its footer was read from */
} qfile;

enum { SLICE_ROWS_ONLY, SLICE_FORMATTING, SLICE_TEXT };

typedef struct slice {
	struct slice *next;
	ps_probe_set set;
	/* ps_store_search_text: the rows as text (the set then emptied), made
	 * by a waiting worker or by the handing thread; in the pipe's queue of
	 * slices to format while SLICE_ROWS_ONLY (under its mu) */
	ps_text text;
	size_t rows;
	int state, rc;
	struct slice *fnext;
} slice;

static void slice_free(slice *s)
{
	ps_probe_set_free(&s->set);
	free(s->text.data);
	free(s);
}

typedef struct qunit {
	size_t file;
	int rg0, nrg;              /* row groups [rg0, rg0 + nrg) */
	int64_t rows;
	int64_t count;             /* matches, once counted */
	int64_t skip, take;        /* the window's share: matches passed over, then returned (-1: all) */
	slice *head, *tail;        /* assembled, not yet handed over */
	int queued;
	bool done;
	int rc;
	char *err;
} qunit;

typedef struct query_run {
	ps_store *st;
	const ps_query *q;
	query_needles nd;
	qfile *files;
	size_t n_files;
	ps_strmap *excls;          /* --diff old sets, one per target */
	size_t n_excls;
	qunit *units;
	size_t n_units;
	int threads;
	pthread_mutex_t bad_mu;    /* on_bad_file calls, one at a time */
	parq_pred *pred;           /* the query's filters, for every file without excl */
	bool filtered;             /* some file has filters (else the footers count) */
	bool needs_v2;             /* a filter on a version 2 column ... */
	parq_pred *never;          /* ... so version 1 files get this one, which nothing matches */
	struct cpu_stage *cpu;     /* a count on a bucket: where opened scans are counted (NULL: in place) */
	/* the files: every target's newest scan as the listing kept names them
	 * (kept), or as the caller listed them (given), instead of a listing */
	bool kept;
	const ps_scan_info *given;
	size_t n_given;
	bool guessing;             /* files of the kept listing: a file that does not read is passed over quietly */
} query_run;

/* A file that does not read: reported once, and the query goes on
 * without it (0), when the caller takes bad files; else the error. */
static int bad_file(query_run *qr, size_t file, int rc)
{
	const ps_query *q = qr->q;
	if ((!q->on_bad_file && !qr->guessing) || rc == PS_ENOMEM || rc == PS_ECANCELED)
		return rc;
	qfile *f = &qr->files[file];
	pthread_mutex_lock(&qr->bad_mu);
	if (!f->bad) {
		f->bad = true;
		/* a guess's file: read again if the listing names it */
		if (!qr->guessing)
			q->on_bad_file(q->bad_file_ud, f->path, rc, ps_errmsg());
	}
	pthread_mutex_unlock(&qr->bad_mu);
	return 0;
}

static bool is_bad(query_run *qr, size_t file)
{
	pthread_mutex_lock(&qr->bad_mu);
	bool bad = qr->files[file].bad;
	pthread_mutex_unlock(&qr->bad_mu);
	return bad;
}

static void run_free(query_run *qr)
{
	for (size_t i = 0; i < qr->n_files; i++) {
		free(qr->files[i].path);
		parq_reader_close(qr->files[i].r);
		ps_reader_tail_free(&qr->files[i].tail);
		parq_pred_free(qr->files[i].own);
	}
	parq_pred_free(qr->pred);
	parq_pred_free(qr->never);
	free(qr->files);
	for (size_t i = 0; i < qr->n_excls; i++)
		ps_strmap_free(&qr->excls[i]);
	free(qr->excls);
	for (size_t i = 0; i < qr->n_units; i++) {
		for (slice *s = qr->units[i].head, *next; s; s = next) {
			next = s->next;
			slice_free(s);
		}
		free(qr->units[i].err);
	}
	free(qr->units);
	needles_free(&qr->nd);
	pthread_mutex_destroy(&qr->bad_mu);
}

static int add_file(query_run *qr, size_t *cap, const char *path, ps_strmap *excl)
{
	if (ps_array_room(&qr->files, cap, qr->n_files, sizeof *qr->files, 16))
		return PS_ENOMEM;
	qfile *f = &qr->files[qr->n_files];
	memset(f, 0, sizeof *f);
	if (!(f->path = strdup(path)))
		return ps_err_nomem();
	f->excl = excl;
	f->count = -1;
	qr->n_files++;
	/* one predicate serves every scan of the query, on any thread */
	if (!excl) {
		f->pred = qr->pred;
		return 0;
	}
	int rc = build_pred(qr->q, &qr->nd, excl, &f->own);
	f->pred = f->own;
	return rc;
}

/* The scans of one target directory that q reads, newest first. */
static int target_files(query_run *qr, size_t *cap, const char *dir)
{
	const ps_query *q = qr->q;
	bool old = q->diff_status && !strcmp(q->diff_status, "old");
	if (q->scans == PS_SCANS_LATEST && !old) {
		ps_scan_info s;
		bool found;
		int rc = ps_scan_latest_in(qr->st, dir, &s, &found);
		return rc || !found ? rc : add_file(qr, cap, s.path, NULL);
	}
	ps_scan_info *scans = NULL;
	size_t ns = 0;
	int rc = ps_scan_list_dir(qr->st, dir, &scans, &ns);
	for (size_t k = ns; k-- > 0 && !rc;) {
		const ps_scan_info *s = &scans[k];
		bool in_range = q->scans != PS_SCANS_RANGE ||
		                !((q->from_ms != PS_TIME_UNSET && s->scan_time_ms < q->from_ms) ||
		                  (q->to_ms != PS_TIME_UNSET && s->scan_time_ms > q->to_ms));
		if (!in_range)
			continue;
		if (old) {
			/* the selected scan (the latest, or the last in the range)
			 * against the one before it */
			if (k > 0) {
				ps_strmap *m = &qr->excls[qr->n_excls++];
				rc = ps_scan_load_urls(qr->st, s->path, m);
				if (rc && q->on_bad_file && rc != PS_ENOMEM) {
					/* the selected scan does not read: no old results */
					q->on_bad_file(q->bad_file_ud, s->path, rc, ps_errmsg());
					rc = 0;
				} else if (!rc) {
					rc = add_file(qr, cap, scans[k - 1].path, m);
				}
			}
			break;
		}
		rc = add_file(qr, cap, s->path, NULL);
		if (q->scans == PS_SCANS_LATEST)
			break;
	}
	free(scans);
	return rc;
}

/* The scan files q reads, in result order: targets by name, each
 * target's newest scan first. */
static int list_files(query_run *qr)
{
	const ps_query *q = qr->q;
	ps_target_info *targets = NULL;
	size_t nt = 0, cap = 0;
	int rc = 0;
	bool old = q->diff_status && !strcmp(q->diff_status, "old");
	if (qr->given) {
		for (size_t i = 0; i < qr->n_given && !rc; i++)
			rc = add_file(qr, &cap, qr->given[i].path, NULL);
		return rc;
	}
	if (!q->root_target && q->scans == PS_SCANS_LATEST && !old) {
		/* every target's newest scan from one listing of the scans */
		ps_scan_info *latest;
		size_t nl;
		if (qr->kept && !qr->pred)
			return PS_ENOTFOUND; /* footers alone count: no guess to make */
		if ((rc = qr->kept ? ps_scan_latest_all_kept(qr->st, &latest, &nl)
		                   : ps_scan_latest_all(qr->st, &latest, &nl)))
			return rc;
		for (size_t i = 0; i < nl && !rc; i++)
			rc = add_file(qr, &cap, latest[i].path, NULL);
		free(latest);
		return rc;
	}
	if (q->root_target)
		nt = 1;
	else if ((rc = ps_store_list_targets(qr->st, &targets, &nt)))
		return rc;
	if (q->diff_status && !strcmp(q->diff_status, "old") && !(qr->excls = calloc(nt ? nt : 1, sizeof *qr->excls))) {
		free(targets);
		return ps_err_nomem();
	}
	for (size_t t = 0; t < nt && !rc; t++) {
		char dir[4096 + 300];
		if (q->root_target)
			rc = ps_store_target_dir(qr->st, q->root_target, dir, sizeof dir);
		else
			snprintf(dir, sizeof dir, "%s/probe_results/%s", qr->st->base, targets[t].dir);
		if (!rc)
			rc = target_files(qr, &cap, dir);
	}
	free(targets);
	return rc;
}

typedef struct pool {
	query_run *qr;
	size_t n;
	atomic_size_t next;
	atomic_bool stop;
	int (*work)(query_run *qr, size_t i, const atomic_bool *stop);
	pthread_mutex_t mu;
	int rc;
	char err[1024];
} pool;

static void *pool_worker(void *arg)
{
	pool *p = arg;
	for (size_t i; !atomic_load(&p->stop) && (i = atomic_fetch_add(&p->next, 1)) < p->n;) {
		int rc = p->work(p->qr, i, &p->stop);
		if (rc) {
			pthread_mutex_lock(&p->mu);
			if (!p->rc) {
				p->rc = rc;
				snprintf(p->err, sizeof p->err, "%s", ps_errmsg());
			}
			pthread_mutex_unlock(&p->mu);
			atomic_store(&p->stop, true);
		}
	}
	return NULL;
}

/* work(qr, i) for i in [from, to) on qr->threads threads (the calling
 * one among them); the first error is returned with its message. */
static int pool_run(query_run *qr, size_t from, size_t to, int (*work)(query_run *, size_t, const atomic_bool *))
{
	pool p = {.qr = qr, .n = to, .work = work};
	atomic_init(&p.next, from);
	atomic_init(&p.stop, false);
	pthread_mutex_init(&p.mu, NULL);
	pthread_t th[QUERY_THREADS_MAX];
	int started = 0;
	for (int t = 1; t < qr->threads && (size_t)t < to - from; t++) {
		if (pthread_create(&th[started], NULL, pool_worker, &p) != 0)
			break; /* fewer threads: the work still gets done */
		started++;
	}
	pool_worker(&p);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&p.mu);
	return p.rc ? ps_err(p.rc, "%s", p.err) : 0;
}

static int plan_file(query_run *qr, size_t i, const atomic_bool *stop)
{
	(void)stop;
	qfile *f = &qr->files[i];
	int rc = ps_scan_open_reader_tail(qr->st, f->path, &f->tail, &f->r);
	if (rc)
		return bad_file(qr, i, rc);
	memcpy(f->etag, f->tail.etag, sizeof f->etag);
	f->rows = parq_reader_num_rows(f->r);
	f->n_rgs = parq_reader_num_row_groups(f->r);
	return 0;
}

/* Cuts files [from, to), whose footers were read, into units appended to
 * qr->units; a file counted while planned has none. */
static int make_units(query_run *qr, size_t from, size_t to)
{
	size_t n = qr->n_units;
	for (size_t i = from; i < to; i++)
		n += qr->files[i].bad || qr->files[i].count >= 0 ? 0
		     : qr->files[i].rows > SPLIT_ROWS && qr->files[i].n_rgs > 1 ? (size_t)qr->files[i].n_rgs
		                                                                : 1;
	qunit *u = realloc(qr->units, (n ? n : 1) * sizeof *qr->units);
	if (!u)
		return ps_err_nomem();
	qr->units = u;
	for (size_t i = from; i < to; i++) {
		qfile *f = &qr->files[i];
		if (f->bad || f->count >= 0)
			continue;
		bool split = f->rows > SPLIT_ROWS && f->n_rgs > 1;
		if (!split)
			ps_reader_tail_free(&f->tail); /* one unit: opened once */
		for (int g = 0; g < (split ? f->n_rgs : 1); g++) {
			u = &qr->units[qr->n_units++];
			memset(u, 0, sizeof *u);
			u->file = i;
			u->rg0 = split ? g : 0;
			u->nrg = split ? 1 : f->n_rgs;
			u->rows = split ? parq_reader_row_group_rows(f->r, g) : f->rows;
			u->count = -1;
			u->take = -1;
		}
	}
	return 0;
}

/* Reads the footers of files [from, to) and cuts them into units. */
static int plan_units(query_run *qr, size_t from, size_t to)
{
	int rc = pool_run(qr, from, to, plan_file);
	return rc ? rc : make_units(qr, from, to);
}

/* A scan of unit u with the query's predicate; to count, a scan of no
 * column but the predicate's (on a bucket it then skips the page index of
 * a chunk it fetched whole). */
static int unit_scan(query_run *qr, const qunit *u, bool count, parq_reader **r, const parq_pred **pred,
                     parq_scan **scan)
{
	qfile *f = &qr->files[u->file];
	*r = NULL;
	*pred = NULL;
	*scan = NULL;
	/* the reader opened while planning goes to the file's first unit */
	int rc = 0;
	if (u->rg0 == 0 && f->r) {
		*r = f->r;
		f->r = NULL;
	} else {
		/* on a bucket, from the footer GET the planning kept; units
		 * only read the kept copy (none kept: a GET of their own) */
		rc = ps_scan_open_reader_tail(qr->st, f->path, f->tail.data ? &f->tail : NULL, r);
	}
	*pred = f->pred;
	/* original_url is required: "IS NULL" is ruled out by the statistics */
	if (!rc && qr->needs_v2 && ps_probe_schema_version(parq_reader_schema(*r)) < PS_SCHEMA_V2)
		*pred = qr->never;
	int rgs[1] = {u->rg0};
	static const char *const none[1] = {NULL};
	const char *const *fields = count ? none : NULL;
	if (!rc && (rc = u->nrg == 1 ? parq_scan_open_row_groups(scan, *r, *pred, fields, 0, rgs, 1)
	                             : parq_scan_open(scan, *r, *pred, fields, 0)))
		rc = ps_err_from_parq(rc, f->path);
	return rc;
}

static void unit_scan_close(parq_reader *r, parq_scan *scan)
{
	parq_scan_close(scan);
	parq_reader_close(r);
}

/* ---- a count's CPU stage ----
 *
 * On a bucket a count opens its scans on qr->threads threads, which
 * mostly wait for their GETs, and counts them on as many threads as
 * there are cores: the decoding's buffers and zstd contexts are made
 * and touched by a few threads instead of every one that waited for an
 * answer, and no more threads decode than can run. An opened scan waits
 * in a queue of at most CPU_QUEUE; a thread that opened one when it is
 * full waits for room. */
#define CPU_QUEUE 16
#define CPU_THREADS_MAX 8

typedef struct opened {
	size_t file;
	int64_t *count;            /* where its matches go */
	parq_reader *r;
	parq_scan *scan;
} opened;

typedef struct cpu_stage {
	query_run *qr;
	pthread_mutex_t mu;
	pthread_cond_t room, ready;
	opened q[CPU_QUEUE];
	size_t head, n;
	bool closed;               /* no more scans come */
	/* a guess's scans wait for the listing (listing_done), then only
	 * those of a newest scan in the version it names are counted */
	const struct listing_job *hold;
	bool listing_done;
	int rc;                    /* the first error, its message in err */
	char err[1024];
	pthread_t th[CPU_THREADS_MAX];
	int started;
} cpu_stage;

/* Counts an opened scan of file into *count (0 when it fails), closing
 * it; the error when the query stops for it. */
static int count_scan(query_run *qr, size_t file, parq_reader *r, parq_scan *scan, int64_t *count)
{
	int rc = parq_scan_count(scan, count);
	if (rc)
		rc = ps_err_from_parq(rc, qr->files[file].path);
	unit_scan_close(r, scan);
	if (rc) {
		*count = 0;
		rc = bad_file(qr, file, rc);
	}
	return rc;
}

static bool listing_names(const struct listing_job *j, const qfile *f);

static void *cpu_worker(void *arg)
{
	cpu_stage *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while ((!c->n && !c->closed) || (c->n && c->hold && !c->listing_done))
			pthread_cond_wait(&c->ready, &c->mu);
		if (!c->n)
			break;
		opened o = c->q[c->head];
		c->head = (c->head + 1) % CPU_QUEUE;
		c->n--;
		pthread_cond_signal(&c->room);
		bool failed = c->rc != 0;
		pthread_mutex_unlock(&c->mu);
		int rc = 0;
		if (c->hold && !failed && !listing_names(c->hold, &c->qr->files[o.file])) {
			/* not what the listing names: not counted */
			*o.count = -1;
			unit_scan_close(o.r, o.scan);
		} else if (failed || ps_cancel_requested(c->qr->q->cancel)) {
			*o.count = 0;
			unit_scan_close(o.r, o.scan);
			if (!failed)
				rc = ps_err(PS_ECANCELED, "query canceled");
		} else {
			rc = count_scan(c->qr, o.file, o.r, o.scan, o.count);
		}
		pthread_mutex_lock(&c->mu);
		if (rc && !c->rc) {
			c->rc = rc;
			snprintf(c->err, sizeof c->err, "%s", ps_errmsg());
		}
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Starts a count's CPU stage on a bucket (qr->cpu stays NULL, and scans
 * are counted where they are opened, elsewhere or when no thread starts). */
static int cpu_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores < 1 ? 1 : cores > CPU_THREADS_MAX ? CPU_THREADS_MAX : (int)cores;
}

static int cpu_begin(query_run *qr)
{
	qr->cpu = NULL;
	int n = cpu_threads();
	if (!ps_storage_remote(qr->st) || !qr->filtered || qr->threads <= n)
		return 0;
	cpu_stage *c = calloc(1, sizeof *c);
	if (!c)
		return ps_err_nomem();
	c->qr = qr;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->room, NULL);
	pthread_cond_init(&c->ready, NULL);
	for (int t = 0; t < n; t++)
		if (!pthread_create(&c->th[c->started], NULL, cpu_worker, c))
			c->started++;
	if (!c->started) {
		pthread_cond_destroy(&c->room);
		pthread_cond_destroy(&c->ready);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return 0;
	}
	qr->cpu = c;
	return 0;
}

/* Waits for the scans queued to be counted and ends the stage: rc, or
 * the stage's first error where rc is 0. */
static int cpu_end(query_run *qr, int rc)
{
	cpu_stage *c = qr->cpu;
	if (!c)
		return rc;
	pthread_mutex_lock(&c->mu);
	c->closed = true;
	pthread_cond_broadcast(&c->ready);
	pthread_mutex_unlock(&c->mu);
	for (int t = 0; t < c->started; t++)
		pthread_join(c->th[t], NULL);
	if (!rc && c->rc)
		rc = ps_err(c->rc, "%s", c->err);
	pthread_cond_destroy(&c->room);
	pthread_cond_destroy(&c->ready);
	pthread_mutex_destroy(&c->mu);
	free(c);
	qr->cpu = NULL;
	return rc;
}

/* Hands an opened scan to the CPU stage, waiting for room; once the
 * stage has failed, its error (the scan closed), so that the query's is
 * the first whichever thread returns it. */
static int cpu_put(cpu_stage *c, size_t file, parq_reader *r, parq_scan *scan, int64_t *count)
{
	char err[sizeof c->err];
	pthread_mutex_lock(&c->mu);
	while (c->n == CPU_QUEUE && !c->rc)
		pthread_cond_wait(&c->room, &c->mu);
	int rc = c->rc;
	if (!rc) {
		c->q[(c->head + c->n) % CPU_QUEUE] = (opened){file, count, r, scan};
		c->n++;
		pthread_cond_signal(&c->ready);
	} else {
		memcpy(err, c->err, sizeof err);
	}
	pthread_mutex_unlock(&c->mu);
	if (rc) {
		*count = 0;
		unit_scan_close(r, scan);
		return ps_err(rc, "%s", err);
	}
	return 0;
}

/* Counts the matches of unit u into *count (u->count unless the file is
 * planned and counted at once), on the CPU stage when there is one. */
static int count_one(query_run *qr, qunit *u, int64_t *count)
{
	if (ps_cancel_requested(qr->q->cancel))
		return ps_err(PS_ECANCELED, "query canceled");
	parq_reader *r;
	const parq_pred *pred;
	parq_scan *scan;
	if (is_bad(qr, u->file)) {
		*count = 0;
		return 0;
	}
	int rc = unit_scan(qr, u, true, &r, &pred, &scan);
	if (!rc && !pred) {
		*count = u->rows; /* nothing filters: the footer's count */
		unit_scan_close(r, scan);
		return 0;
	}
	/* on the CPU stage, with what it counts at hand: the stage's threads
	 * never wait for a GET */
	if (!rc && qr->cpu && (rc = parq_scan_prefetch_count(scan)))
		rc = ps_err_from_parq(rc, qr->files[u->file].path);
	if (!rc)
		return qr->cpu ? cpu_put(qr->cpu, u->file, r, scan, count) : count_scan(qr, u->file, r, scan, count);
	unit_scan_close(r, scan);
	*count = 0;
	return bad_file(qr, u->file, rc);
}

static int count_unit(query_run *qr, size_t i, const atomic_bool *stop)
{
	(void)stop;
	return count_one(qr, &qr->units[i], &qr->units[i].count);
}

/* Counts units [from, to): without filters from the footers alone. */
static int count_units(query_run *qr, size_t from, size_t to)
{
	if (!qr->filtered) {
		for (size_t i = from; i < to; i++)
			qr->units[i].count = qr->units[i].rows;
		return 0;
	}
	int rc = cpu_begin(qr);
	if (!rc)
		rc = pool_run(qr, from, to, count_unit);
	return cpu_end(qr, rc);
}

/* A count's planning and counting in one pass over the files: a file read
 * as one unit is counted by the thread that read its footer, as soon as
 * it has (on a bucket the column GETs of the first files then overlap
 * the footers of the others, rather than wait for all of them); a file
 * cut into units is counted after, its units shared among the threads. */
static int plan_count_file(query_run *qr, size_t i, const atomic_bool *stop)
{
	qfile *f = &qr->files[i];
	if (f->count >= 0)
		return 0; /* counted while guessing */
	int rc = plan_file(qr, i, stop);
	if (rc || f->bad || (f->rows > SPLIT_ROWS && f->n_rgs > 1) || !qr->filtered)
		return rc;
	qunit u = {.file = i, .rg0 = 0, .nrg = f->n_rgs, .rows = f->rows, .count = -1, .take = -1};
	ps_reader_tail_free(&f->tail); /* one unit: opened once */
	return count_one(qr, &u, &f->count);
}

/* ---- the window's rows, in order ---- */

/* What the caller gets: each row (fn, on the handing thread), or the rows
 * as text that format writes on the filling threads and emit receives a
 * slice at a time on the handing thread (ps_store_search_text). */
typedef struct handing {
	ps_probe_fn fn;
	void *ud;
	ps_probe_text_fn format;
	void *format_ud;
	ps_text_fn emit;
	void *emit_ud;
} handing;

typedef struct pipe_state {
	query_run *qr;
	size_t last;               /* the last unit that holds the window */
	size_t head;               /* the unit being handed over */
	atomic_size_t next;
	bool stop;                 /* under mu */
	bool inline_fill;          /* no worker thread: units are filled by the handing thread */
	handing h;
	slice *fq_head, *fq_tail;  /* slices to format, oldest first (under mu) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
} pipe_state;

/* A slice's rows as text, the rows then freed (s is SLICE_FORMATTING:
 * its thread's alone). */
static void slice_format(pipe_state *ps, slice *s)
{
	for (size_t k = 0; k < s->set.n && !s->rc; k++) {
		int rc = ps->h.format(ps->h.format_ud, &s->set.items[k], &s->text);
		if (rc)
			s->rc = rc > 0 ? ps_err(PS_EINVAL, "the result formatter failed (%d)", rc) : rc;
	}
	ps_probe_set_free(&s->set);
}

/* Takes s out of the queue of slices to format. Under mu. */
static void fq_remove(pipe_state *ps, slice *s)
{
	slice **at = &ps->fq_head, *prev = NULL;
	while (*at && *at != s) {
		prev = *at;
		at = &(*at)->fnext;
	}
	if (!*at)
		return;
	*at = s->fnext;
	if (ps->fq_tail == s)
		ps->fq_tail = prev;
	s->fnext = NULL;
}

/* Formats the oldest slice waiting for it, if any: true when it did.
 * Under mu, released while formatting. */
static bool format_one(pipe_state *ps)
{
	slice *s = ps->fq_head;
	if (!s)
		return false;
	fq_remove(ps, s);
	s->state = SLICE_FORMATTING;
	pthread_mutex_unlock(&ps->mu);
	slice_format(ps, s);
	pthread_mutex_lock(&ps->mu);
	s->state = SLICE_TEXT;
	pthread_cond_broadcast(&ps->cv);
	return true;
}

static int push_slice(pipe_state *ps, qunit *u, slice *s)
{
	s->rows = s->set.n;
	pthread_mutex_lock(&ps->mu);
	if (u->tail)
		u->tail->next = s;
	else
		u->head = s;
	u->tail = s;
	u->queued++;
	if (ps->h.format) {
		if (ps->fq_tail)
			ps->fq_tail->fnext = s;
		else
			ps->fq_head = s;
		ps->fq_tail = s;
	}
	pthread_cond_broadcast(&ps->cv);
	/* a worker waits while its unit holds SLICES_AHEAD slices not yet
	 * handed over (the unit being handed over too, or a consumer slower
	 * than the workers would let it hold all of its rows); with no
	 * worker, the handing thread fills a unit whole before it hands it.
	 * While it waits it formats slices of any unit, oldest first: the
	 * unit being handed over is read by one thread, its text made by the
	 * others */
	while (!ps->stop && !ps->inline_fill && u->queued >= SLICES_AHEAD)
		if (!format_one(ps))
			pthread_cond_wait(&ps->cv, &ps->mu);
	bool stop = ps->stop;
	pthread_mutex_unlock(&ps->mu);
	return stop;
}

/* Assembles unit ui's share of the window into slices. */
static int fill_unit(pipe_state *ps, size_t ui)
{
	query_run *qr = ps->qr;
	qunit *u = &qr->units[ui];
	const char *path = qr->files[u->file].path;
	bool old = qr->files[u->file].excl != NULL;
	if (is_bad(qr, u->file))
		return 0;
	parq_reader *r;
	const parq_pred *pred;
	parq_scan *scan;
	int rc = unit_scan(qr, &qr->units[ui], false, &r, &pred, &scan);
	int64_t skipped = 0, taken = 0;
	slice *s = NULL;
	while (!rc && (u->take < 0 || taken < u->take)) {
		if (((skipped + taken) & 255) == 0 && ps_cancel_requested(qr->q->cancel)) {
			rc = ps_err(PS_ECANCELED, "query canceled");
			break;
		}
		bool found;
		if ((rc = parq_scan_advance(scan, &found))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (!found)
			break;
		if (skipped < u->skip) {
			skipped++;
			continue;
		}
		const parq_value *row;
		ps_probe_result *slot;
		if ((rc = parq_scan_row(scan, &row))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (!s && !(s = calloc(1, sizeof *s))) {
			rc = ps_err_nomem();
			break;
		}
		ps_arena *a = ps_probe_set_arena(&s->set);
		if (!a) {
			rc = ps_err_nomem();
			break;
		}
		if ((rc = ps_probe_set_push(&s->set, &slot)) || (rc = ps_probe_from_row(row, a, slot))) {
			rc = ps_err_prefix(rc, "%s: ", path);
			break;
		}
		if (old)
			slot->url_status = "old";
		taken++;
		if (s->set.n == SLICE_ROWS) {
			slice *full = s;
			s = NULL;
			if (push_slice(ps, u, full))
				break;
		}
	}
	if (s && s->set.n)
		push_slice(ps, u, s);
	else if (s)
		slice_free(s);
	unit_scan_close(r, scan);
	return rc ? bad_file(qr, u->file, rc) : 0;
}

/* A slice to the caller, on the handing thread. */
static int hand_slice(pipe_state *ps, const slice *s)
{
	if (ps->h.format) {
		if (s->rc)
			return s->rc;
		return s->text.len ? ps->h.emit(ps->h.emit_ud, s->text.data, s->text.len, s->rows) : 0;
	}
	int rc = 0;
	for (size_t k = 0; k < s->set.n && !rc; k++)
		rc = ps->h.fn(ps->h.ud, &s->set.items[k]);
	return rc;
}

static void *pipe_worker(void *arg)
{
	pipe_state *ps = arg;
	for (;;) {
		size_t ui = atomic_fetch_add(&ps->next, 1);
		if (ui > ps->last)
			break;
		pthread_mutex_lock(&ps->mu);
		bool stop = ps->stop;
		pthread_mutex_unlock(&ps->mu);
		qunit *u = &ps->qr->units[ui];
		int rc = stop ? PS_ECANCELED : fill_unit(ps, ui);
		pthread_mutex_lock(&ps->mu);
		u->done = true;
		if (rc) {
			u->rc = rc;
			u->err = strdup(ps_errmsg());
		}
		pthread_cond_broadcast(&ps->cv);
		pthread_mutex_unlock(&ps->mu);
	}
	return NULL;
}

/* Hands the rows of units [first, last] to the caller in order (h), the
 * units filled on worker threads. */
static int hand_over(query_run *qr, size_t first, size_t last, const handing *h)
{
	pipe_state ps = {.qr = qr, .last = last, .head = first, .h = *h};
	atomic_init(&ps.next, first);
	pthread_mutex_init(&ps.mu, NULL);
	pthread_cond_init(&ps.cv, NULL);
	pthread_t th[QUERY_THREADS_MAX];
	int started = 0, want = qr->threads < 1 ? 1 : qr->threads;
	for (int t = 0; t < want && (size_t)t <= last - first; t++) {
		if (pthread_create(&th[started], NULL, pipe_worker, &ps) != 0)
			break;
		started++;
	}
	int rc = 0;
	if (!started) {
		/* no thread could start: fill each unit here, then hand it over */
		ps.inline_fill = true;
		for (size_t ui = first; ui <= last && !rc; ui++) {
			ps.head = ui;
			qunit *u = &qr->units[ui];
			/* with nobody ahead, a slice push never waits */
			if ((rc = fill_unit(&ps, ui)))
				break;
			for (slice *s = u->head; s && !rc; s = s->next) {
				if (ps.h.format) {
					fq_remove(&ps, s);
					slice_format(&ps, s);
				}
				rc = hand_slice(&ps, s);
			}
		}
	}
	for (size_t ui = first; started && ui <= last && !rc; ui++) {
		qunit *u = &qr->units[ui];
		for (;;) {
			pthread_mutex_lock(&ps.mu);
			ps.head = ui;
			pthread_cond_broadcast(&ps.cv);
			while (!u->head && !u->done)
				pthread_cond_wait(&ps.cv, &ps.mu);
			slice *s = u->head;
			if (s && ps.h.format) {
				/* its text: made here if no worker has taken it */
				if (s->state == SLICE_ROWS_ONLY) {
					fq_remove(&ps, s);
					s->state = SLICE_FORMATTING;
					pthread_mutex_unlock(&ps.mu);
					slice_format(&ps, s);
					pthread_mutex_lock(&ps.mu);
					s->state = SLICE_TEXT;
				}
				while (s->state != SLICE_TEXT)
					pthread_cond_wait(&ps.cv, &ps.mu);
			}
			if (s) {
				u->head = s->next;
				if (!u->head)
					u->tail = NULL;
				u->queued--;
				pthread_cond_broadcast(&ps.cv);
			}
			bool done = !s && u->done;
			pthread_mutex_unlock(&ps.mu);
			if (done) {
				if (u->rc)
					rc = ps_err(u->rc, "%s", u->err ? u->err : "query failed");
				break;
			}
			rc = hand_slice(&ps, s);
			slice_free(s);
			if (rc)
				break;
		}
	}
	pthread_mutex_lock(&ps.mu);
	ps.stop = true;
	pthread_cond_broadcast(&ps.cv);
	pthread_mutex_unlock(&ps.mu);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_cond_destroy(&ps.cv);
	pthread_mutex_destroy(&ps.mu);
	return rc;
}

/* ---- the API ---- */

void ps_query_default(ps_query *q)
{
	memset(q, 0, sizeof *q);
	q->from_ms = q->to_ms = PS_TIME_UNSET;
}

static int query_threads(const ps_store *st, const ps_query *q)
{
	/* on object storage the threads mostly wait for answers: 16 requests
	 * in flight whatever the cores */
	bool remote = ps_storage_remote(st);
	long t = q->threads > 0 ? q->threads : remote ? QUERY_THREADS_MAX : sysconf(_SC_NPROCESSORS_ONLN);
	long max = remote ? QUERY_THREADS_MAX : 8;
	return t < 1 ? 1 : t > max ? (int)max : (int)t;
}

/* A run of q over the files of a listing taken now, or of the listing
 * kept (kept), or of given, the caller's (n_given of them). run_free it
 * whatever the answer. */
static int run_open_from(ps_store *st, const ps_query *q, query_run *qr, bool kept, const ps_scan_info *given,
                         size_t n_given)
{
	memset(qr, 0, sizeof *qr);
	pthread_mutex_init(&qr->bad_mu, NULL);
	qr->st = st;
	qr->q = q;
	qr->kept = kept;
	qr->given = given;
	qr->n_given = n_given;
	qr->threads = query_threads(st, q);
	if (q->offset < 0 || q->limit < 0 || q->threads < 0)
		return ps_err(PS_EINVAL, "query: negative limit, offset or threads");
	if (q->diff_status && *q->diff_status && strcmp(q->diff_status, "new") && strcmp(q->diff_status, "existing") &&
	    strcmp(q->diff_status, "old") && strcmp(q->diff_status, "changed"))
		return ps_err(PS_EINVAL, "query: diff status '%s' is not new, existing, changed or old", q->diff_status);
	if (q->diff_status && !strcmp(q->diff_status, "old") && q->scans == PS_SCANS_ALL)
		return ps_err(PS_EINVAL, "query: old results compare one scan with the one before it: select the latest "
		                         "scan or a time range, not every scan");
	if (q->technology && !*q->technology)
		return ps_err(PS_EINVAL, "query: an empty technology name");
	int rc = needles_make(q, &qr->nd);
	if (!rc)
		rc = build_pred(q, &qr->nd, NULL, &qr->pred);
	qr->needs_v2 = query_needs_v2(q);
	if (!rc && qr->needs_v2 && (rc = parq_pred_null(&qr->never, "original_url", true)))
		rc = ps_err_from_parq(rc, "query");
	if (!rc)
		rc = list_files(qr);
	/* a file's predicate holds every filter, --diff old's test included */
	for (size_t i = 0; !rc && i < qr->n_files && !qr->filtered; i++)
		qr->filtered = qr->files[i].pred != NULL;
	return rc;
}

/* The count of an opened run: its files planned and counted (those
 * counted before, while guessing, kept), then its units. */
static int count_run(query_run *qr, int64_t *count)
{
	int rc = cpu_begin(qr);
	if (!rc)
		rc = cpu_end(qr, pool_run(qr, 0, qr->n_files, plan_count_file));
	if (!rc)
		rc = make_units(qr, 0, qr->n_files);
	if (!rc)
		rc = count_units(qr, 0, qr->n_units);
	for (size_t i = 0; !rc && i < qr->n_files; i++)
		*count += qr->files[i].count > 0 ? qr->files[i].count : 0;
	for (size_t i = 0; !rc && i < qr->n_units; i++)
		*count += qr->units[i].count;
	return rc;
}

/* ---- a count on a bucket that does not wait for its listing ----
 *
 * A count of every target's newest scan on a bucket starts with a
 * listing, whose answer it needs before anything else. When the footer
 * cache kept the last listing of the scans (ps_storage_list_tree_kept),
 * the count opens the newest scans it names, their footers from the
 * cache and what they count fetched, while a thread takes the listing;
 * the scans wait, opened, until the listing has come, and only those it
 * names as newest, in the version they were read at, are counted (the
 * GETs were pinned to that version). Then the count goes on as one
 * without a guess over what the listing names, those counted taken as
 * they are. A wrong guess costs GETs, never an answer: what was counted
 * is what a count after the listing would have read. */
typedef struct listing_job {
	ps_store *st;
	cpu_stage *cpu;
	ps_scan_info *latest;
	size_t n;
	ps_strmap paths;           /* latest's paths */
	int rc;
	char err[1024];
} listing_job;

static bool listing_names(const listing_job *j, const qfile *f)
{
	char etag[PS_ETAG_MAX];
	return !j->rc && f->etag[0] && ps_strmap_get(&j->paths, f->path, strlen(f->path)) &&
	       ps_storage_listed_etag(j->st, f->path, etag) && !strcmp(etag, f->etag);
}

static void *listing_main(void *arg)
{
	listing_job *j = arg;
	j->rc = ps_scan_latest_all(j->st, &j->latest, &j->n);
	for (size_t i = 0; !j->rc && i < j->n; i++)
		if (ps_strmap_put(&j->paths, j->latest[i].path, strlen(j->latest[i].path), (int64_t)i))
			j->rc = ps_err_nomem();
	if (j->rc)
		snprintf(j->err, sizeof j->err, "%s", ps_errmsg());
	pthread_mutex_lock(&j->cpu->mu);
	j->cpu->listing_done = true;
	pthread_cond_broadcast(&j->cpu->ready);
	pthread_mutex_unlock(&j->cpu->mu);
	return NULL;
}

/* Counts on a guess when it may (*guessed true, the answer in *count);
 * else leaves the count to the caller. */
static int count_guessing(ps_store *st, const ps_query *q, int64_t *count, bool *guessed)
{
	*guessed = false;
	bool old = q->diff_status && !strcmp(q->diff_status, "old");
	if (!ps_storage_remote(st) || q->root_target || q->scans != PS_SCANS_LATEST || old ||
	    query_threads(st, q) <= cpu_threads())
		return 0;
	query_run g;
	int rc = run_open_from(st, q, &g, true, NULL, 0);
	if (rc == PS_ENOTFOUND || (!rc && !g.filtered)) {
		/* no listing kept (or it names no scan), or footers alone count */
		run_free(&g);
		return 0;
	}
	if (!rc)
		rc = cpu_begin(&g);
	if (rc || !g.cpu) {
		/* a run that fails as any would; or counting on one thread */
		run_free(&g);
		if (rc)
			*guessed = true;
		return rc;
	}
	*guessed = true;
	g.guessing = true;
	listing_job j = {.st = st, .cpu = g.cpu};
	g.cpu->hold = &j;
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, listing_main, &j) == 0;
	if (!threaded)
		listing_main(&j);
	rc = pool_run(&g, 0, g.n_files, plan_count_file);
	/* the listing tells the stage it is done: it ends first */
	if (threaded)
		pthread_join(th, NULL);
	rc = cpu_end(&g, rc);
	if (!rc && j.rc)
		rc = ps_err(j.rc, "%s", j.err);
	ps_strmap counted = {0}; /* the guess's files it counted, by path */
	for (size_t k = 0; !rc && k < g.n_files; k++)
		if (g.files[k].count >= 0 && !g.files[k].bad)
			rc = ps_strmap_put(&counted, g.files[k].path, strlen(g.files[k].path), g.files[k].count)
			         ? ps_err_nomem()
			         : 0;
	if (!rc) {
		query_run qr;
		rc = run_open_from(st, q, &qr, false, j.latest, j.n);
		for (size_t i = 0; !rc && i < qr.n_files; i++) {
			const int64_t *c = ps_strmap_get(&counted, qr.files[i].path, strlen(qr.files[i].path));
			if (c)
				qr.files[i].count = *c;
		}
		if (!rc)
			rc = count_run(&qr, count);
		run_free(&qr);
	}
	ps_strmap_free(&counted);
	run_free(&g);
	free(j.latest);
	ps_strmap_free(&j.paths);
	return rc;
}

static int run_open(ps_store *st, const ps_query *q, query_run *qr)
{
	return run_open_from(st, q, qr, false, NULL, 0);
}

int ps_store_count(ps_store *st, const ps_query *q, int64_t *count)
{
	*count = 0;
	bool guessed;
	int rc = count_guessing(st, q, count, &guessed);
	if (guessed)
		return rc;
	query_run qr;
	if (!(rc = run_open(st, q, &qr)))
		rc = count_run(&qr, count);
	run_free(&qr);
	return rc;
}

static int search_window(ps_store *st, const ps_query *q, const handing *h, int64_t *total)
{
	if (total)
		*total = 0;
	query_run qr;
	int rc = run_open(st, q, &qr);
	int64_t limit = q->limit ? q->limit : st->cfg.reader.default_limit;
	size_t first = 0, last = 0;
	bool any = false;
	/* the end of the window, saturated: a limit of INT64_MAX means all */
	int64_t want_end = limit && limit <= INT64_MAX - q->offset ? q->offset + limit : INT64_MAX;
	if (!rc && want_end == INT64_MAX && q->offset == 0 && !total) {
		/* every match: no count needed */
		rc = plan_units(&qr, 0, qr.n_files);
		any = qr.n_units > 0;
		last = qr.n_units ? qr.n_units - 1 : 0;
	} else if (!rc) {
		/* count units in order until the window is covered (all of them
		 * for the total), a wave of one file per thread at a time: the
		 * footers of files past the window are not even read */
		int64_t before = 0;
		size_t counted = 0, planned = 0;
		if (total) {
			rc = plan_units(&qr, 0, qr.n_files);
			planned = qr.n_files;
		}
		while (!rc && (counted < qr.n_units || planned < qr.n_files) && (total || before < want_end)) {
			if (counted == qr.n_units) {
				size_t upto = planned + (size_t)qr.threads < qr.n_files ? planned + (size_t)qr.threads : qr.n_files;
				if ((rc = plan_units(&qr, planned, upto)))
					break;
				planned = upto;
				continue;
			}
			size_t to = total ? qr.n_units : counted + (size_t)qr.threads;
			if (to > qr.n_units)
				to = qr.n_units;
			rc = count_units(&qr, counted, to);
			for (size_t i = counted; !rc && i < to; i++) {
				qunit *u = &qr.units[i];
				/* matches [before, before + count) of the whole */
				int64_t from = q->offset > before ? q->offset - before : 0;
				if (from < u->count && before + from < want_end) {
					u->skip = from;
					int64_t room = want_end - (before + from);
					u->take = u->count - from > room ? room : u->count - from;
					if (!any)
						first = i;
					last = i;
					any = true;
				}
				before += u->count;
			}
			counted = to;
		}
		if (total)
			*total = before;
	}
	if (!rc && any)
		rc = hand_over(&qr, first, last, h);
	run_free(&qr);
	return rc;
}

int ps_store_search_each(ps_store *st, const ps_query *q, ps_probe_fn fn, void *ud, int64_t *total)
{
	handing h = {.fn = fn, .ud = ud};
	return search_window(st, q, &h, total);
}

int ps_store_search_text(ps_store *st, const ps_query *q, ps_probe_text_fn format, void *format_ud, ps_text_fn emit,
                         void *emit_ud, int64_t *total)
{
	if (!format || !emit) {
		if (total)
			*total = 0;
		return ps_err(PS_EINVAL, "search: a formatter and a receiver of its text are both needed");
	}
	handing h = {.format = format, .format_ud = format_ud, .emit = emit, .emit_ud = emit_ud};
	return search_window(st, q, &h, total);
}

int ps_text_append(ps_text *t, const void *p, size_t n)
{
	ps_buf b = {t->data, t->len, t->cap};
	int rc = ps_buf_add(&b, p, n);
	t->data = b.data;
	t->len = b.len;
	t->cap = b.cap;
	return rc ? ps_err_nomem() : 0;
}

static int collect(void *ud, const ps_probe_result *r)
{
	return ps_probe_set_add(ud, r);
}

int ps_store_search(ps_store *st, const ps_query *q, ps_probe_set *out)
{
	memset(out, 0, sizeof *out);
	int64_t total = 0;
	int rc = ps_store_search_each(st, q, collect, out, &total);
	out->total = total;
	if (rc)
		ps_probe_set_free(out);
	return rc;
}
