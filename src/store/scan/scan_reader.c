/* Reading scans: targets and scans on disk, iteration in bounded memory,
 * counts from the footer, searches with filters pushed down to libparq,
 * and the URL diff of two scans. */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../error.h"
#include "scan/probe_rows.h"
#include "../store_internal.h"
#include "scan/scan_internal.h"
#include "scan/scan_order.h"
#include "../strmap.h"
#include "scan/changes.h"
#include "storage/backend.h"

/* ---- iteration ---- */

struct ps_probe_iter {
	parq_reader *r;
	parq_scan *scan;
	parq_pred *pred;
	ps_arena arena;
	ps_probe_result cur;
	int64_t n;
};

/* st NULL: a local file, libparq's defaults (CRC checked, pread). */
int ps_scan_open_reader(const ps_store *st, const char *path, parq_reader **r)
{
	return ps_scan_open_reader_tail(st, path, NULL, r);
}

int ps_scan_open_reader_tail(const ps_store *st, const char *path, ps_reader_tail *tail, parq_reader **r)
{
	int rc = ps_store_open_parquet_tail(st, path, tail, r);
	if (rc)
		return rc;
	rc = ps_probe_schema_check(parq_reader_schema(*r), path);
	if (rc) {
		parq_reader_close(*r);
		*r = NULL;
	}
	return rc;
}

/* Opens an iterator over the rows of path matching pred (owned by the
 * iterator; NULL: all). */
static int iter_open(ps_probe_iter **out, const ps_store *st, const char *path, parq_pred *pred)
{
	*out = NULL;
	ps_probe_iter *it = calloc(1, sizeof *it);
	if (!it) {
		parq_pred_free(pred);
		return ps_err_nomem();
	}
	it->pred = pred;
	int rc = ps_scan_open_reader(st, path, &it->r);
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
	return iter_open(out, NULL, path, NULL);
}

int ps_store_probe_iter_open(ps_probe_iter **out, const ps_store *st, const char *path)
{
	return iter_open(out, st, path, NULL);
}

int ps_probe_iter_open_fields(ps_probe_iter **out, const ps_store *st, const char *path, const char *const *fields,
                              bool *v2)
{
	*out = NULL;
	ps_probe_iter *it = calloc(1, sizeof *it);
	if (!it)
		return ps_err_nomem();
	int rc = ps_scan_open_reader(st, path, &it->r);
	const char *have[PS_PROBE_V2_NCOLS];
	int n = 0;
	if (!rc) {
		const parq_schema *s = parq_reader_schema(it->r);
		for (size_t i = 0; fields[i] && n < PS_PROBE_V2_NCOLS; i++)
			if (parq_schema_find_field(s, fields[i]))
				have[n++] = fields[i];
		if (v2)
			*v2 = ps_probe_schema_version(s) >= PS_SCHEMA_V2;
		if ((rc = parq_scan_open(&it->scan, it->r, NULL, have, n)))
			rc = ps_err_from_parq(rc, path);
	}
	if (rc) {
		ps_probe_iter_close(it);
		return rc;
	}
	*out = it;
	return 0;
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
	return ps_store_scan_stream(NULL, path, fn, ud, cancel);
}

int ps_store_scan_stream(const ps_store *st, const char *path, ps_probe_fn fn, void *ud, const ps_cancel *cancel)
{
	ps_probe_iter *it;
	int rc = iter_open(&it, st, path, NULL);
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
	return ps_store_scan_count(NULL, path, rows);
}

int ps_store_scan_count(const ps_store *st, const char *path, int64_t *rows)
{
	parq_reader *r;
	int rc = ps_scan_open_reader(st, path, &r);
	if (rc)
		return rc;
	*rows = parq_reader_num_rows(r);
	parq_reader_close(r);
	return 0;
}

/* ---- targets and scans ---- */

static void scan_info_fill(const ps_store *st, ps_scan_info *s);
static int cmp_scan(const void *a, const void *b);

/* ---- every scan of every target in one listing ---- */

typedef struct tree_scan {
	char dir[256];        /* the target directory's name */
	char name[64];        /* the scan's file name */
	int64_t t, size;
} tree_scan;

typedef struct tree_acc {
	tree_scan *v;
	size_t n, cap;
} tree_acc;

static int add_tree_scan(void *ud, const ps_entry *e)
{
	tree_acc *a = ud;
	const char *slash = strchr(e->name, '/');
	if (!slash || strchr(slash + 1, '/') || (size_t)(slash - e->name) >= sizeof a->v->dir ||
	    strlen(slash + 1) >= sizeof a->v->name)
		return 0; /* not <target>/<scan> */
	int64_t t = ps_scan_name_time(slash + 1);
	char host[PS_URL_HOST_MAX + 1], dir[256];
	int port;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - e->name), e->name);
	if (t < 0 || dir[0] == '.' || ps_host_port_dir_parse(dir, host, sizeof host, &port))
		return 0;
	int rc = ps_array_room(&a->v, &a->cap, a->n, sizeof *a->v, 64);
	if (rc)
		return rc;
	tree_scan *s = &a->v[a->n++];
	memcpy(s->dir, dir, sizeof dir);
	snprintf(s->name, sizeof s->name, "%s", slash + 1);
	s->t = t;
	s->size = e->size;
	return 0;
}

static int cmp_tree_scan(const void *x, const void *y)
{
	const tree_scan *a = x, *b = y;
	int c = strcmp(a->dir, b->dir);
	return c ? c : (a->t > b->t) - (a->t < b->t);
}

/* Every scan under probe_results/, by target directory, oldest second
 * first within one; kept: as the last listing kept named them. */
static int list_scan_tree(const ps_store *st, tree_acc *a, bool kept)
{
	char root[4096];
	snprintf(root, sizeof root, "%s/probe_results", st->base);
	memset(a, 0, sizeof *a);
	int rc = kept ? ps_storage_list_tree_kept(st, root, add_tree_scan, a)
	              : ps_storage_list_tree(st, root, add_tree_scan, a);
	if (rc) {
		free(a->v);
		a->v = NULL;
		a->n = 0;
		return rc;
	}
	if (a->n)
		qsort(a->v, a->n, sizeof *a->v, cmp_tree_scan);
	return 0;
}

static int latest_all(const ps_store *st, ps_scan_info **out, size_t *n, bool kept)
{
	*out = NULL;
	*n = 0;
	tree_acc a;
	int rc = list_scan_tree(st, &a, kept);
	size_t cap = 0;
	for (size_t i = 0; !rc && i < a.n;) {
		size_t end = i;
		while (end < a.n && !strcmp(a.v[end].dir, a.v[i].dir))
			end++;
		/* the newest second's scans, ordered by their footers when
		 * there are several */
		size_t first = end - 1;
		while (first > i && a.v[first - 1].t == a.v[end - 1].t)
			first--;
		ps_scan_info same[16];
		size_t k = 0;
		for (size_t j = first; j < end && k < 16; j++, k++) {
			memset(&same[k], 0, sizeof same[k]);
			snprintf(same[k].path, sizeof same[k].path, "%s/probe_results/%s/%s", st->base, a.v[j].dir, a.v[j].name);
			same[k].scan_time_ms = a.v[j].t;
			same[k].bytes = a.v[j].size;
		}
		for (size_t j = 0; k > 1 && j < k; j++)
			scan_info_fill(st, &same[j]);
		if (k > 1)
			qsort(same, k, sizeof *same, cmp_scan);
		if (!(rc = ps_array_room(out, &cap, *n, sizeof **out, 16)))
			(*out)[(*n)++] = same[k - 1];
		i = end;
	}
	free(a.v);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int ps_scan_latest_all(const ps_store *st, ps_scan_info **out, size_t *n)
{
	return latest_all(st, out, n, false);
}

int ps_scan_latest_all_kept(const ps_store *st, ps_scan_info **out, size_t *n)
{
	return latest_all(st, out, n, true);
}

int ps_store_list_targets(ps_store *st, ps_target_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	/* one listing of every scan (on object storage one request per 1,000
	 * keys, not one per target), grouped by target directory */
	tree_acc t;
	int rc = list_scan_tree(st, &t, false);
	size_t cap = 0;
	for (size_t i = 0; !rc && i < t.n; i++) {
		if (*n && !strcmp((*out)[*n - 1].dir, t.v[i].dir)) {
			(*out)[*n - 1].n_scans++;
			continue;
		}
		char host[PS_URL_HOST_MAX + 1];
		int port;
		if (ps_host_port_dir_parse(t.v[i].dir, host, sizeof host, &port) ||
		    (rc = ps_array_room(out, &cap, *n, sizeof **out, 16)))
			continue;
		ps_target_info *ti = &(*out)[(*n)++];
		memset(ti, 0, sizeof *ti);
		snprintf(ti->dir, sizeof ti->dir, "%s", t.v[i].dir);
		ps_host_port_format(host, port, ti->host_port, sizeof ti->host_port);
		ti->n_scans = 1;
	}
	free(t.v);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The row count, size and precise time of a listed scan, from its footer
 * (rows -1 when it does not read: listed, and reads of it report why). */
static void scan_info_fill(const ps_store *st, ps_scan_info *s)
{
	parq_reader *r;
	if (ps_storage_open_reader(st, s->path, NULL, NULL, &r) != 0) {
		s->rows = -1;
		return;
	}
	s->rows = parq_reader_num_rows(r);
	s->bytes = parq_reader_file_size(r);
	const char *sid = parq_reader_kv(r, "probestore.scan_session_id");
	snprintf(s->session_id, sizeof s->session_id, "%s", sid ? sid : "");
	const char *ms = parq_reader_kv(r, "probestore.scan_timestamp");
	if (ms) {
		char *end;
		long long v = strtoll(ms, &end, 10);
		if (!*end && v / 1000 == s->scan_time_ms / 1000)
			s->scan_time_ms = v;
	}
	const char *seq = parq_reader_kv(r, PS_KV_SCAN_SEQ);
	if (seq) {
		char *end;
		long long v = strtoll(seq, &end, 10);
		if (!*end && v > 0)
			s->seq = v;
	}
	parq_reader_close(r);
}

static int cmp_scan(const void *a, const void *b)
{
	return ps_scan_info_cmp(a, b);
}

int ps_scan_list_dir(const ps_store *st, const char *dir, ps_scan_info **out, size_t *n)
{
	return ps_scan_list_dir_tmp(st, dir, out, n, NULL);
}

typedef struct scans_acc {
	const char *dir;
	ps_scan_info *v;
	size_t n, cap;
	size_t *n_tmp;
	int64_t only;   /* >= 0: the scans of this second alone */
	int64_t best;   /* the newest second seen */
} scans_acc;

static int add_scan(void *ud, const ps_entry *e)
{
	scans_acc *a = ud;
	if (e->is_dir)
		return 0;
	int64_t t = ps_scan_name_time(e->name);
	if (a->n_tmp && !strncmp(e->name, ".scan_", 6) && strstr(e->name, ".tmp."))
		(*a->n_tmp)++;
	if (t < 0 || (a->only >= 0 && t != a->only))
		return 0;
	if (t > a->best)
		a->best = t;
	int rc = ps_array_room(&a->v, &a->cap, a->n, sizeof *a->v, 16);
	if (rc)
		return rc;
	ps_scan_info *s = &a->v[a->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s/%s", a->dir, e->name);
	s->scan_time_ms = t;
	s->bytes = e->size > 0 ? e->size : 0;
	return 0;
}

int ps_scan_list_dir_tmp(const ps_store *st, const char *dir, ps_scan_info **out, size_t *n, size_t *n_tmp)
{
	*out = NULL;
	*n = 0;
	if (n_tmp)
		*n_tmp = 0;
	scans_acc a = {dir, NULL, 0, 0, n_tmp, -1, -1};
	int rc = ps_store_list_dir(st, dir, add_scan, &a);
	if (rc) {
		free(a.v);
		return rc;
	}
	*out = a.v;
	*n = a.n;
	/* the precise time and the row count come from the footer */
	for (size_t i = 0; i < *n; i++)
		scan_info_fill(st, &(*out)[i]);
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_scan);
	return 0;
}

int ps_scan_latest_in(const ps_store *st, const char *dir, ps_scan_info *out, bool *found)
{
	*found = false;
	scans_acc a = {dir, NULL, 0, 0, NULL, -1, -1};
	int rc = ps_store_list_dir(st, dir, add_scan, &a);
	/* the scans of the newest second, ordered by their precise times
	 * from their footers (one alone needs no footer: the caller reads
	 * the file anyway) */
	size_t k = 0;
	for (size_t i = 0; !rc && i < a.n; i++)
		if (a.v[i].scan_time_ms == a.best)
			a.v[k++] = a.v[i];
	if (!rc && k) {
		for (size_t i = 0; k > 1 && i < k; i++)
			scan_info_fill(st, &a.v[i]);
		qsort(a.v, k, sizeof *a.v, cmp_scan);
		*out = a.v[k - 1];
		*found = true;
	}
	free(a.v);
	return rc;
}

int ps_store_list_scans(ps_store *st, const char *root_target, ps_scan_info **out, size_t *n)
{
	char dir[4096];
	*out = NULL;
	*n = 0;
	int rc = ps_store_target_dir(st, root_target, dir, sizeof dir);
	return rc ? rc : ps_scan_list_dir(st, dir, out, n);
}

static int read_all(const ps_store *st, const char *path, parq_pred *pred, ps_probe_set *out)
{
	ps_probe_iter *it;
	int rc = iter_open(&it, st, path, pred);
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

/* The target's latest scan, and the one before it (path "" without one):
 * PS_ENOTFOUND when the target has no scan. The latest alone is
 * ps_scan_latest_in's, which reads no footer but those of its second. */
static int latest_two(ps_store *st, const char *root_target, ps_scan_info *cur, ps_scan_info *prev)
{
	ps_scan_info *scans;
	size_t n;
	int rc = ps_store_list_scans(st, root_target, &scans, &n);
	if (rc)
		return rc;
	if (n == 0) {
		free(scans);
		return ps_err(PS_ENOTFOUND, "%s has no scan", root_target);
	}
	*cur = scans[n - 1];
	if (n > 1)
		*prev = scans[n - 2];
	else
		prev->path[0] = 0;
	free(scans);
	return 0;
}

int ps_store_latest_results(ps_store *st, const char *root_target, ps_probe_set *out)
{
	memset(out, 0, sizeof *out);
	/* the latest scan from the directory's names: no footer of the
	 * target's other scans is read, its own for its time to the ms */
	char dir[4096];
	ps_scan_info cur;
	bool found = false;
	int rc = ps_store_target_dir(st, root_target, dir, sizeof dir);
	if (!rc)
		rc = ps_scan_latest_in(st, dir, &cur, &found);
	if (!rc && !found)
		rc = ps_err(PS_ENOTFOUND, "%s has no scan", root_target);
	if (rc)
		return rc;
	scan_info_fill(st, &cur);
	rc = read_all(st, cur.path, NULL, out);
	out->scan_time_ms = cur.scan_time_ms;
	out->total = (int64_t)out->n;
	if (rc)
		ps_probe_set_free(out);
	return rc;
}

/* ---- URL diff ---- */

typedef struct diff_priv {
	ps_strmap a, b;
	ps_prev_scan pa, pb;   /* the compared values, for the changes */
	ps_arena arena;        /* the changes */
	ps_url_change *changed;
} diff_priv;

/* The URLs of a scan into m. Only the URL column is read: a diff costs
 * one column's pages, not the decoding of whole records. */
int ps_scan_load_urls(const ps_store *st, const char *path, ps_strmap *m)
{
	if (!path)
		return 0;
	parq_reader *r;
	int rc = ps_scan_open_reader(st, path, &r);
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

/* The existing URLs of out whose compared fields differ. */
static int diff_changes(diff_priv *p, const ps_change_cfg *cfg, ps_url_diff *out)
{
	if (!out->n_existing || !cfg->mask)
		return 0;
	p->changed = calloc(out->n_existing, sizeof *p->changed);
	if (!p->changed)
		return ps_err_nomem();
	bool v2 = p->pa.v2 && p->pb.v2;
	size_t k = 0;
	for (size_t i = 0; i < out->n_existing; i++) {
		const ps_probe_result *a = ps_prev_scan_get(&p->pa, out->existing_urls[i]);
		const ps_probe_result *b = ps_prev_scan_get(&p->pb, out->existing_urls[i]);
		if (!a || !b)
			continue;
		unsigned m = ps_probe_changes(cfg, a, b, v2);
		if (!m)
			continue;
		ps_field_change *f = ps_arena_alloc(&p->arena, PS_CHG_N * sizeof *f);
		if (!f)
			return ps_err_nomem();
		size_t nf = 0;
		for (int bit = 0; bit < PS_CHG_N; bit++) {
			if (!(m & 1u << bit))
				continue;
			ps_field_change *c = &f[nf++];
			memset(c, 0, sizeof *c);
			c->field = ps_change_name(bit);
			c->old_value = ps_change_value(bit, a, &p->arena);
			c->new_value = ps_change_value(bit, b, &p->arena);
			if (bit == PS_CHG_TECH || bit == PS_CHG_IPS)
				ps_change_set_diff(bit, a, b, &p->arena, &c->added, &c->removed);
		}
		p->changed[k++] = (ps_url_change){out->existing_urls[i], f, nf};
	}
	out->changed = p->changed;
	out->n_changed = k;
	return 0;
}

int ps_scan_diff_changes(const char *path_a, const char *path_b, const ps_change_options *o, ps_url_diff *out)
{
	return ps_store_scan_diff(NULL, path_a, path_b, o, out);
}

int ps_store_scan_diff(const ps_store *st, const char *path_a, const char *path_b, const ps_change_options *o,
                       ps_url_diff *out)
{
	memset(out, 0, sizeof *out);
	ps_change_cfg cfg;
	int rc = ps_change_cfg_make(o, &cfg);
	if (rc)
		return rc;
	diff_priv *p = calloc(1, sizeof *p);
	if (!p)
		return ps_err_nomem();
	out->priv = p;
	rc = ps_scan_load_urls(st, path_a, &p->a);
	if (!rc)
		rc = ps_scan_load_urls(st, path_b, &p->b);
	if (!rc)
		rc = pick(&p->b, &p->a, false, &out->new_urls, &out->n_new);
	if (!rc)
		rc = pick(&p->b, &p->a, true, &out->existing_urls, &out->n_existing);
	if (!rc)
		rc = pick(&p->a, &p->b, false, &out->old_urls, &out->n_old);
	/* the compared columns only of the scans with URLs in common */
	if (!rc && out->n_existing && cfg.mask) {
		rc = ps_prev_scan_load(st, path_a, &p->pa);
		if (!rc)
			rc = ps_prev_scan_load(st, path_b, &p->pb);
		if (!rc)
			rc = diff_changes(p, &cfg, out);
	}
	if (rc)
		ps_url_diff_free(out);
	return rc;
}

int ps_scan_diff(const char *path_a, const char *path_b, ps_url_diff *out)
{
	return ps_scan_diff_changes(path_a, path_b, NULL, out);
}

int ps_store_diff_latest(ps_store *st, const char *root_target, ps_url_diff *out)
{
	memset(out, 0, sizeof *out);
	ps_scan_info cur, prev;
	int rc = latest_two(st, root_target, &cur, &prev);
	if (rc)
		return rc;
	const ps_config *cfg = ps_store_config(st);
	ps_change_options o;
	ps_change_options_default(&o);
	o.fields = cfg->writer.change_fields;
	o.length_ratio = cfg->writer.change_length_percent / 100.0;
	return ps_store_scan_diff(st, prev.path[0] ? prev.path : NULL, cur.path, &o, out);
}

void ps_url_diff_free(ps_url_diff *d)
{
	diff_priv *p = d->priv;
	if (p) {
		ps_strmap_free(&p->a);
		ps_strmap_free(&p->b);
		ps_prev_scan_free(&p->pa);
		ps_prev_scan_free(&p->pb);
		ps_arena_free(&p->arena);
		free(p->changed);
		free(p);
	}
	free(d->new_urls);
	free(d->existing_urls);
	free(d->old_urls);
	memset(d, 0, sizeof *d);
}
