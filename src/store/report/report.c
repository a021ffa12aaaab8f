/* The report's data: per target its scans with their URL diffs, the latest
 * diff's rows, distributions and failed probes of the latest scan; per
 * monitored URL its versions and latest content diff. Built on the store's
 * public readers; only the enumeration of monitored URLs reads the history
 * files' url and timestamp columns directly (no public call lists them). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../error.h"
#include "history/history_internal.h"
#include "parq/parq.h"
#include "probestore/report.h"
#include "../store_internal.h"
#include "storage/backend.h"
#include "../strmap.h"
#include "../util.h"

void ps_report_options_default(ps_report_options *o)
{
	memset(o, 0, sizeof *o);
	o->since_ms = o->until_ms = PS_TIME_UNSET;
	o->max_rows = 200;
	o->max_bars = 12;
	o->max_files = 200;
	o->max_versions = 20;
	o->max_diff_lines = 400;
}

typedef struct report_priv {
	ps_arena arena;
} report_priv;

static ps_arena *arena_of(ps_report *r)
{
	return &((report_priv *)r->priv)->arena;
}

static const char *keep(ps_arena *a, const char *s)
{
	if (!s)
		return "";
	return ps_arena_strndup(a, s, strlen(s));
}

static bool in_range(const ps_report_options *o, int64_t ms)
{
	return (o->since_ms == PS_TIME_UNSET || ms >= o->since_ms) && (o->until_ms == PS_TIME_UNSET || ms <= o->until_ms);
}

static void widen(ps_report *r, int64_t ms)
{
	if (ms <= 0)
		return;
	if (!r->first_ms || ms < r->first_ms)
		r->first_ms = ms;
	if (ms > r->last_ms)
		r->last_ms = ms;
}

/* ---- distributions ---- */

typedef struct counter {
	ps_strmap map;
	int64_t total;
} counter;

static int count_add(counter *c, const char *s, size_t len)
{
	int64_t *v = ps_strmap_get(&c->map, s, len);
	if (v) {
		(*v)++;
		return 0;
	}
	return ps_strmap_put(&c->map, s, len, 1);
}

static int cmp_count(const void *x, const void *y)
{
	const ps_report_count *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(((const ps_report_count *)x)->name, ((const ps_report_count *)y)->name);
}

static int dist_build(counter *c, size_t max, ps_arena *a, ps_report_dist *out)
{
	memset(out, 0, sizeof *out);
	size_t n = c->map.n, k = 0;
	if (!n)
		return 0;
	ps_report_count *all = calloc(n, sizeof *all);
	if (!all)
		return ps_err_nomem();
	for (size_t i = 0; i <= c->map.mask; i++)
		if (c->map.keys[i])
			all[k++] = (ps_report_count){c->map.keys[i], c->map.vals[i]};
	qsort(all, k, sizeof *all, cmp_count);
	size_t keepn = k < max ? k : max;
	out->n_distinct = (int64_t)k;
	out->items = keepn ? ps_arena_alloc(a, keepn * sizeof *out->items) : NULL;
	if (keepn && !out->items) {
		free(all);
		return ps_err_nomem();
	}
	for (size_t i = 0; i < k; i++) {
		if (i < keepn) {
			out->items[i].count = all[i].count;
			if (!(out->items[i].name = keep(a, all[i].name))) {
				free(all);
				return ps_err_nomem();
			}
		} else {
			out->rest += all[i].count;
		}
	}
	out->n = keepn;
	free(all);
	return 0;
}

/* ---- rows ---- */

static int row_keep(ps_arena *a, const ps_probe_result *p, ps_report_row *out)
{
	memset(out, 0, sizeof *out);
	out->status_code = p->status_code;
	if (!(out->url = keep(a, p->input_url)) || !(out->title = keep(a, p->title)) ||
	    !(out->web_server = keep(a, p->web_server)) || !(out->content_type = keep(a, p->content_type)) ||
	    !(out->error = keep(a, p->error)))
		return ps_err_nomem();
	if (p->n_technologies) {
		const char **t = ps_arena_alloc(a, p->n_technologies * sizeof *t);
		if (!t)
			return ps_err_nomem();
		for (size_t i = 0; i < p->n_technologies; i++)
			if (!(t[i] = keep(a, p->technologies[i])))
				return ps_err_nomem();
		out->technologies = t;
		out->n_technologies = p->n_technologies;
	}
	return 0;
}

static const char *keep_or_null(ps_arena *a, const char *s, int *rc)
{
	if (!s)
		return NULL;
	const char *k = keep(a, s);
	if (!k)
		*rc = PS_ENOMEM;
	return k;
}

/* The first max of d's changed URLs, copied into the report's arena. */
static int changed_keep(ps_arena *a, const ps_url_diff *d, size_t max, ps_report_target *t)
{
	size_t n = d->n_changed < max ? d->n_changed : max;
	t->changed_total = (int64_t)d->n_changed;
	ps_url_change *c = ps_arena_alloc(a, (n ? n : 1) * sizeof *c);
	if (!c)
		return ps_err_nomem();
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const ps_url_change *s = &d->changed[i];
		ps_field_change *f = ps_arena_alloc(a, (s->n_fields ? s->n_fields : 1) * sizeof *f);
		if (!f)
			return ps_err_nomem();
		for (size_t j = 0; j < s->n_fields; j++) {
			f[j].field = keep_or_null(a, s->fields[j].field, &rc);
			f[j].old_value = keep_or_null(a, s->fields[j].old_value, &rc);
			f[j].new_value = keep_or_null(a, s->fields[j].new_value, &rc);
			f[j].added = keep_or_null(a, s->fields[j].added, &rc);
			f[j].removed = keep_or_null(a, s->fields[j].removed, &rc);
		}
		c[i] = (ps_url_change){keep_or_null(a, s->url, &rc), f, s->n_fields};
	}
	t->changed = c;
	t->n_changed = n;
	return rc ? ps_err_nomem() : 0;
}

static int rows_add(ps_report_rows *rows, size_t *cap, size_t max, ps_arena *a, const ps_probe_result *p)
{
	rows->total++;
	if (rows->n >= max)
		return 0;
	int rc = ps_array_room(&rows->rows, cap, rows->n, sizeof *rows->rows, 16);
	if (!rc && !(rc = row_keep(a, p, &rows->rows[rows->n])))
		rows->n++;
	return rc;
}

/* Rows are malloc'ed while they grow; the report frees them with itself. */
static void rows_free(ps_report_rows *rows)
{
	free(rows->rows);
	memset(rows, 0, sizeof *rows);
}

/* rows_add for a result whose URL is in set. */
static int rows_add_in(ps_report_rows *rows, size_t *cap, size_t max, ps_arena *a, const ps_strmap *set,
                       const ps_probe_result *p)
{
	const char *u = p->input_url ? p->input_url : "";
	return set->n && ps_strmap_get(set, u, strlen(u)) ? rows_add(rows, cap, max, a, p) : 0;
}

static int urlset_build(ps_strmap *m, const char **urls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = ps_strmap_put(m, urls[i], strlen(urls[i]), 0);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- one target ---- */

typedef struct latest_ctx {
	const ps_report_options *o;
	ps_arena *a;
	ps_report_target *t;
	ps_strmap *new_set;
	size_t cap_new, cap_failed;
	counter status, tech, server, ctype;
} latest_ctx;

static int on_latest(void *ud, const ps_probe_result *p)
{
	latest_ctx *c = ud;
	ps_report_target *t = c->t;
	int rc = rows_add_in(&t->new_urls, &c->cap_new, c->o->max_rows, c->a, c->new_set, p);
	if (rc)
		return rc;
	if (p->error && *p->error && (rc = rows_add(&t->failed, &c->cap_failed, c->o->max_rows, c->a, p)))
		return rc;
	char cls[8] = "none";
	if (p->status_code >= 100 && p->status_code <= 999) {
		cls[0] = (char)('0' + p->status_code / 100);
		memcpy(cls + 1, "xx", 3);
	}
	if ((rc = count_add(&c->status, cls, strlen(cls))))
		return rc;
	for (size_t i = 0; i < p->n_technologies; i++) {
		const char *s = p->technologies[i] ? p->technologies[i] : "";
		const char *colon = strchr(s, ':'); /* httpx appends ":version" */
		size_t len = colon ? (size_t)(colon - s) : strlen(s);
		if (len && (rc = count_add(&c->tech, s, len)))
			return rc;
	}
	if (p->web_server && *p->web_server && (rc = count_add(&c->server, p->web_server, strlen(p->web_server))))
		return rc;
	if (p->content_type && *p->content_type) {
		char mt[128];
		size_t k = 0;
		for (const char *s = p->content_type; *s && *s != ';' && k + 1 < sizeof mt; s++)
			if (*s != ' ' && *s != '\t')
				mt[k++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
		if (k && (rc = count_add(&c->ctype, mt, k)))
			return rc;
	}
	return 0;
}

typedef struct old_ctx {
	const ps_report_options *o;
	ps_arena *a;
	ps_report_target *t;
	ps_strmap *old_set;
	size_t cap;
} old_ctx;

static int on_previous(void *ud, const ps_probe_result *p)
{
	old_ctx *c = ud;
	return rows_add_in(&c->t->old_urls, &c->cap, c->o->max_rows, c->a, c->old_set, p);
}

static int gather_target(ps_store *st, const ps_report_options *o, ps_report *r, const char *target, bool asked,
                         ps_report_target *t)
{
	ps_arena *a = arena_of(r);
	char dir[PS_HOST_PORT_DIR_MAX];
	int rc = ps_target_host_port_dir(target, dir, sizeof dir);
	if (!rc)
		rc = ps_host_port_dir_display(dir, t->host_port, sizeof t->host_port);
	if (rc)
		return rc;
	snprintf(t->target, sizeof t->target, "%s", t->host_port); /* query --target takes host:port */
	ps_scan_info *scans = NULL;
	size_t n = 0;
	if ((rc = ps_store_list_scans(st, target, &scans, &n)))
		return rc;
	if (n == 0 && asked) {
		free(scans);
		return ps_err(PS_ENOTFOUND, "target %s (%s) has no scan in %s", target, t->host_port, st->base);
	}
	size_t lo = 0, hi = n; /* the scans in range: [lo, hi) */
	while (lo < n && o->since_ms != PS_TIME_UNSET && scans[lo].scan_time_ms < o->since_ms)
		lo++;
	while (hi > lo && o->until_ms != PS_TIME_UNSET && scans[hi - 1].scan_time_ms > o->until_ms)
		hi--;
	if (hi > lo) {
		t->scans = ps_arena_alloc(a, (hi - lo) * sizeof *t->scans);
		if (!t->scans) {
			free(scans);
			return ps_err_nomem();
		}
	}
	ps_url_diff last = {0};
	for (size_t i = lo; i < hi && !rc; i++) {
		if (ps_cancel_requested(o->cancel)) {
			rc = ps_err(PS_ECANCELED, "report canceled");
			break;
		}
		ps_url_diff d;
		if ((rc = ps_store_scan_diff(st, i ? scans[i - 1].path : NULL, scans[i].path, NULL, &d)))
			break;
		ps_report_scan *s = &t->scans[t->n_scans++];
		s->time_ms = scans[i].scan_time_ms;
		s->records = scans[i].rows;
		s->n_new = (int64_t)d.n_new;
		s->n_old = (int64_t)d.n_old;
		s->n_changed = (int64_t)d.n_changed; /* existing URLs whose compared fields differ */
		widen(r, s->time_ms);
		r->total_scans++;
		if (i + 1 == hi) {
			last = d;
			t->latest_ms = s->time_ms;
			t->previous_ms = i ? scans[i - 1].scan_time_ms : 0;
			r->total_records += s->records;
		} else {
			ps_url_diff_free(&d);
		}
	}
	if (!rc && t->n_scans) {
		ps_strmap new_set = {0}, old_set = {0};
		latest_ctx lc = {.o = o, .a = a, .t = t, .new_set = &new_set};
		rc = urlset_build(&new_set, last.new_urls, last.n_new);
		if (!rc)
			rc = ps_store_scan_stream(st, scans[hi - 1].path, on_latest, &lc, o->cancel);
		if (!rc)
			rc = dist_build(&lc.status, 16, a, &t->status_classes);
		if (!rc && t->status_classes.n > 1) /* 1xx to 5xx, then none: in the order of the classes */
			qsort(t->status_classes.items, t->status_classes.n, sizeof *t->status_classes.items, cmp_name);
		if (!rc)
			rc = dist_build(&lc.tech, o->max_bars, a, &t->technologies);
		if (!rc)
			rc = dist_build(&lc.server, o->max_bars, a, &t->web_servers);
		if (!rc)
			rc = dist_build(&lc.ctype, o->max_bars, a, &t->content_types);
		if (!rc && last.n_changed)
			rc = changed_keep(a, &last, o->max_rows, t);
		if (!rc && last.n_old && hi >= 2) {
			old_ctx oc = {.o = o, .a = a, .t = t, .old_set = &old_set};
			rc = urlset_build(&old_set, last.old_urls, last.n_old);
			if (!rc)
				rc = ps_store_scan_stream(st, scans[hi - 2].path, on_previous, &oc, o->cancel);
		}
		ps_strmap_free(&new_set);
		ps_strmap_free(&old_set);
		ps_strmap_free(&lc.status.map);
		ps_strmap_free(&lc.tech.map);
		ps_strmap_free(&lc.server.map);
		ps_strmap_free(&lc.ctype.map);
	}
	ps_url_diff_free(&last);
	free(scans);
	if (rc)
		return ps_err_prefix(rc, "report of %s: ", t->host_port);
	return 0;
}

/* ---- monitored files ---- */

typedef struct hist_url {
	const char *url;
	char host_port[PS_HOST_PORT_DISPLAY_MAX];
	int64_t records;       /* in all its files */
	int64_t newer;         /* records past until */
	int64_t latest_ms;     /* newest record in range (0: none) */
} hist_url;

typedef struct hist_list {
	hist_url *items;
	size_t n, cap;
	ps_strmap index;       /* url -> position in items */
	ps_arena arena;
} hist_list;

static int hist_scan_file(const ps_store *st, const ps_report_options *o, const char *path, const char *host_port, hist_list *h)
{
	parq_reader *pr;
	int rc = ps_history_open_reader_in(st, path, &pr);
	if (rc)
		return rc;
	ps_history_cursor cur;
	if ((rc = ps_history_cursor_open(&cur, pr, PS_H_BIT(PS_H_URL) | PS_H_BIT(PS_H_TIMESTAMP), NULL, 0, 1024))) {
		parq_reader_close(pr);
		return rc;
	}
	for (;;) {
		ps_history_raw raw;
		bool end;
		if ((rc = ps_history_cursor_next(&cur, &raw, &end)) || end)
			break;
		if (!raw.has[PS_H_URL])
			continue;
		const char *u = (const char *)raw.v[PS_H_URL].ptr;
		size_t len = raw.v[PS_H_URL].len;
		int64_t *pos = ps_strmap_get(&h->index, u, len);
		hist_url *e;
		if (pos) {
			e = &h->items[*pos];
		} else {
			if ((rc = ps_array_room(&h->items, &h->cap, h->n, sizeof *h->items, 64)))
				break;
			e = &h->items[h->n];
			memset(e, 0, sizeof *e);
			if (!(e->url = ps_arena_strndup(&h->arena, u, len))) {
				rc = ps_err_nomem();
				break;
			}
			snprintf(e->host_port, sizeof e->host_port, "%s", host_port);
			if ((rc = ps_strmap_put(&h->index, u, len, (int64_t)h->n)))
				break;
			h->n++;
		}
		e->records++;
		if (o->until_ms != PS_TIME_UNSET && raw.ts > o->until_ms)
			e->newer++;
		else if (in_range(o, raw.ts) && raw.ts > e->latest_ms)
			e->latest_ms = raw.ts;
	}
	ps_history_cursor_close(&cur);
	parq_reader_close(pr);
	return rc;
}

static bool is_parquet(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 8 && strcmp(name + n - 8, ".parquet") == 0;
}

typedef struct hist_dir {
	const ps_store *st;
	const ps_report_options *o;
	const char *dir, *host_port;
	hist_list *h;
} hist_dir;

static int hist_entry(void *ud, const ps_entry *e)
{
	hist_dir *hd = ud;
	if (e->is_dir || !is_parquet(e->name))
		return 0;
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", hd->dir, e->name);
	int rc = hist_scan_file(hd->st, hd->o, path, hd->host_port, hd->h);
	/* moved to the archive while listed: counted there */
	if (rc && ps_storage_stat(hd->st, path, NULL, NULL) == PS_ENOTFOUND)
		rc = 0;
	return rc;
}

static int hist_scan_dir(const ps_store *st, const ps_report_options *o, const char *dir, const char *host_port,
                         hist_list *h)
{
	hist_dir hd = {st, o, dir, host_port, h};
	return ps_store_list_dir(st, dir, hist_entry, &hd);
}

/* Does a history host belong to one of the targets asked (the same host or
 * a subdomain of it, any port)? */
static bool host_wanted(const ps_report_options *o, char (*hosts)[PS_URL_HOST_MAX + 1], const char *host)
{
	if (!o->n_targets)
		return true;
	size_t hl = strlen(host);
	for (size_t i = 0; i < o->n_targets; i++) {
		size_t tl = strlen(hosts[i]);
		if (hl == tl ? strcmp(host, hosts[i]) == 0
		             : hl > tl && host[hl - tl - 1] == '.' && strcmp(host + hl - tl, hosts[i]) == 0)
			return true;
	}
	return false;
}

typedef struct hist_targets {
	const ps_store *st;
	const ps_report_options *o;
	char (*hosts)[PS_URL_HOST_MAX + 1];
	const char *root;
	hist_list *h;
} hist_targets;

/* A history directory of a wanted target: its files and its archive's. */
static int hist_target(void *ud, const ps_entry *e)
{
	hist_targets *t = ud;
	char host[PS_URL_HOST_MAX + 1], disp[PS_HOST_PORT_DISPLAY_MAX], sub[8192];
	int port;
	if (!e->is_dir || e->name[0] == '.' || ps_host_port_dir_parse(e->name, host, sizeof host, &port) ||
	    ps_host_port_format(host, port, disp, sizeof disp) || !host_wanted(t->o, t->hosts, host))
		return 0;
	snprintf(sub, sizeof sub, "%s/%s", t->root, e->name);
	int rc = hist_scan_dir(t->st, t->o, sub, disp, t->h);
	if (!rc) {
		snprintf(sub, sizeof sub, "%s/%s/archive", t->root, e->name);
		rc = hist_scan_dir(t->st, t->o, sub, disp, t->h);
	}
	return rc;
}

static int cmp_hist(const void *x, const void *y)
{
	const hist_url *a = x, *b = y;
	if (a->latest_ms != b->latest_ms)
		return a->latest_ms > b->latest_ms ? -1 : 1;
	return strcmp(a->url, b->url);
}

/* Splits the diff into numbered lines, unchanged runs cut to three lines of
 * context on each side. */
typedef struct line_sink {
	ps_report_file *f;
	size_t cap, max;
	ps_arena *a;
} line_sink;

static int line_push(line_sink *s, char op, int64_t old_no, int64_t new_no, const char *text, size_t len,
                     int64_t skipped)
{
	ps_report_file *f = s->f;
	if (f->n_lines >= s->max) {
		f->lines_capped = true;
		return 0;
	}
	int rc = ps_array_room(&f->lines, &s->cap, f->n_lines, sizeof *f->lines, 64);
	if (rc)
		return rc;
	ps_report_diff_line *l = &f->lines[f->n_lines++];
	l->op = op;
	l->old_no = old_no;
	l->new_no = new_no;
	l->n_skipped = skipped;
	l->text_len = len;
	if (!(l->text = ps_arena_strndup(s->a, text, len)))
		return ps_err_nomem();
	return 0;
}

typedef struct split_line {
	const char *p;
	size_t len;
} split_line;

static int split(const char *text, size_t len, split_line **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		int rc = ps_array_room(out, &cap, *n, sizeof **out, 64);
		if (rc)
			return rc;
		(*out)[(*n)++] = (split_line){text + i, end - i};
		i = end + 1;
	}
	return 0;
}

static int diff_lines(const ps_diff_result *d, line_sink *s)
{
	int64_t old_no = 1, new_no = 1;
	int rc = 0;
	for (size_t k = 0; k < d->n_diffs && !rc && !s->f->lines_capped; k++) {
		const ps_content_diff *c = &d->diffs[k];
		split_line *ls;
		size_t n;
		if ((rc = split(c->text ? c->text : "", c->text ? c->text_len : 0, &ls, &n)))
			break;
		if (c->operation == PS_DIFF_EQUAL) {
			size_t head = k == 0 ? 0 : 3, tail = k + 1 == d->n_diffs ? 0 : 3;
			if (head + tail >= n) {
				head = n;
				tail = 0;
			}
			for (size_t i = 0; i < head && !rc; i++)
				rc = line_push(s, ' ', old_no + (int64_t)i, new_no + (int64_t)i, ls[i].p, ls[i].len, 0);
			size_t skipped = n - head - tail;
			if (skipped && !rc)
				rc = line_push(s, '~', 0, 0, "", 0, (int64_t)skipped);
			for (size_t i = n - tail; i < n && !rc; i++)
				rc = line_push(s, ' ', old_no + (int64_t)i, new_no + (int64_t)i, ls[i].p, ls[i].len, 0);
			old_no += (int64_t)n;
			new_no += (int64_t)n;
		} else {
			bool del = c->operation == PS_DIFF_DELETE;
			for (size_t i = 0; i < n && !rc; i++, del ? old_no++ : new_no++)
				rc = line_push(s, del ? '-' : '+', del ? old_no : 0, del ? 0 : new_no, ls[i].p, ls[i].len, 0);
		}
		free(ls);
	}
	return rc;
}

static int gather_file(ps_store *st, const ps_report_options *o, ps_report *r, const hist_url *h,
                       ps_report_file *f)
{
	ps_arena *a = arena_of(r);
	memset(f, 0, sizeof *f);
	if (!(f->url = keep(a, h->url)))
		return ps_err_nomem();
	snprintf(f->host_port, sizeof f->host_port, "%s", h->host_port);
	f->total_versions = h->records;
	f->diff_note = "";
	f->old_hash = f->new_hash = "";
	ps_history_set set;
	int rc = ps_history_records(st, h->url, o->max_versions + (size_t)h->newer, &set);
	if (rc)
		return rc;
	if (set.n) {
		f->versions = ps_arena_alloc(a, set.n * sizeof *f->versions);
		if (!f->versions)
			rc = ps_err_nomem();
	}
	for (size_t i = 0; i < set.n && !rc; i++) {
		const ps_history_record *rec = &set.records[i];
		if (!in_range(o, rec->timestamp_ms) || f->n_versions >= o->max_versions)
			continue;
		ps_report_version *v = &f->versions[f->n_versions++];
		v->time_ms = rec->timestamp_ms;
		v->size = (int64_t)rec->content_len;
		v->lines_added = v->lines_deleted = -1;
		widen(r, v->time_ms);
		if (!(v->hash = keep(a, rec->hash))) {
			rc = ps_err_nomem();
			break;
		}
		const char *dj = rec->diff_result_json;
		if (!dj || !*dj || strcmp(dj, "null") == 0)
			continue;
		ps_diff_result d;
		int prc = ps_diff_result_parse(dj, strlen(dj), NULL, &d);
		if (!prc) {
			v->lines_added = d.lines_added;
			v->lines_deleted = d.lines_deleted;
			if (!f->has_diff) {
				f->has_diff = true;
				f->diff_time_ms = rec->timestamp_ms;
				f->lines_added = d.lines_added;
				f->lines_deleted = d.lines_deleted;
				if (!(f->old_hash = keep(a, d.old_hash)) || !(f->new_hash = keep(a, d.new_hash)) ||
				    !(f->diff_note = keep(a, d.error_message)))
					rc = ps_err_nomem();
				line_sink s = {.f = f, .max = o->max_diff_lines, .a = a};
				if (!rc && d.diffs)
					rc = diff_lines(&d, &s);
				else if (!rc && !*f->diff_note)
					f->diff_note = "the stored diff holds counts only";
			}
		}
		ps_diff_result_free(&d);
	}
	ps_history_set_free(&set);
	return rc;
}

static int gather_files(ps_store *st, const ps_report_options *o, ps_report *r)
{
	char (*hosts)[PS_URL_HOST_MAX + 1] = NULL;
	if (o->n_targets) {
		hosts = calloc(o->n_targets, sizeof *hosts);
		if (!hosts)
			return ps_err_nomem();
		for (size_t i = 0; i < o->n_targets; i++) {
			ps_url u;
			int rc = ps_url_parse_target(o->targets[i], &u);
			if (rc) {
				free(hosts);
				return rc;
			}
			snprintf(hosts[i], sizeof hosts[i], "%s", u.host);
			ps_url_free(&u);
		}
	}
	hist_list h = {0};
	int rc = 0;
	char root[4096];
	snprintf(root, sizeof root, "%s/file_history", st->base);
	hist_targets ht = {st, o, hosts, root, &h};
	rc = ps_store_list_dir(st, root, hist_target, &ht);
	free(hosts);
	/* URLs with a version in range, newest change first */
	size_t k = 0;
	for (size_t i = 0; i < h.n; i++)
		if (h.items[i].latest_ms)
			h.items[k++] = h.items[i];
	if (k)
		qsort(h.items, k, sizeof *h.items, cmp_hist);
	r->total_files = (int64_t)k;
	size_t keepn = k < o->max_files ? k : o->max_files;
	if (!rc && keepn) {
		r->files = ps_arena_alloc(arena_of(r), keepn * sizeof *r->files);
		if (!r->files)
			rc = ps_err_nomem();
		else
			memset(r->files, 0, keepn * sizeof *r->files);
	}
	for (size_t i = 0; i < keepn && !rc; i++) {
		if (ps_cancel_requested(o->cancel)) {
			rc = ps_err(PS_ECANCELED, "report canceled");
			break;
		}
		rc = gather_file(st, o, r, &h.items[i], &r->files[i]);
		r->n_files++;
	}
	free(h.items);
	ps_strmap_free(&h.index);
	ps_arena_free(&h.arena);
	return rc;
}

/* ---- the report ---- */

static int cmp_target(const void *x, const void *y)
{
	const ps_report_target *a = x, *b = y;
	if (a->latest_ms != b->latest_ms)
		return a->latest_ms > b->latest_ms ? -1 : 1;
	return strcmp(a->host_port, b->host_port);
}

int ps_report_gather(ps_store *st, const ps_report_options *o, ps_report *out)
{
	memset(out, 0, sizeof *out);
	ps_report_options def;
	if (!o) {
		ps_report_options_default(&def);
		o = &def;
	}
	if (o->since_ms != PS_TIME_UNSET && o->until_ms != PS_TIME_UNSET && o->since_ms > o->until_ms)
		return ps_err(PS_EINVAL, "report: since (%lld) is after until (%lld)", (long long)o->since_ms,
		              (long long)o->until_ms);
	if (!(out->priv = calloc(1, sizeof(report_priv))))
		return ps_err_nomem();
	ps_arena *a = arena_of(out);
	out->since_ms = o->since_ms;
	out->until_ms = o->until_ms;
	out->version = PARQ_VERSION_STRING;
	if (!(out->base_path = keep(a, st->base)))
		return ps_err_nomem();
	ps_target_info *infos = NULL;
	size_t n = o->n_targets;
	int rc = 0;
	if (!n) {
		if ((rc = ps_store_list_targets(st, &infos, &n)))
			return rc;
	}
	if (n) {
		out->targets = calloc(n, sizeof *out->targets);
		if (!out->targets) {
			free(infos);
			return ps_err_nomem();
		}
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const char *tg = infos ? infos[i].host_port : o->targets[i];
		if (!tg || !*tg) {
			rc = ps_err(PS_EINVAL, "report: target %zu is empty", i);
			break;
		}
		ps_report_target *t = &out->targets[out->n_targets++];
		rc = gather_target(st, o, out, tg, !infos, t);
		if (!rc && infos && !t->n_scans) {
			/* a target not asked for, without a scan in the range: left out */
			out->n_targets--;
			memset(t, 0, sizeof *t);
		}
	}
	free(infos);
	if (!rc && out->n_targets > 1)
		qsort(out->targets, out->n_targets, sizeof *out->targets, cmp_target);
	if (!rc)
		rc = gather_files(st, o, out);
	return rc;
}

void ps_report_free(ps_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->targets && i < r->n_targets; i++) {
		rows_free(&r->targets[i].new_urls);
		rows_free(&r->targets[i].old_urls);
		rows_free(&r->targets[i].failed);
	}
	free(r->targets);
	for (size_t i = 0; r->files && i < r->n_files; i++)
		free(r->files[i].lines);
	if (r->priv) {
		ps_arena_free(arena_of(r));
		free(r->priv);
	}
	memset(r, 0, sizeof *r);
}
