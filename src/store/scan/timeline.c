/* A target's timeline: per scan the records, new, existing, old and
 * changed counts, from the footers and the marks' columns alone. */
#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "scan/probe_rows.h"
#include "scan/scan_internal.h"

/* Hands every batch of column leaf of r (a file at path) to fn. */
static int each_batch(parq_reader *r, const char *path, int leaf, void (*fn)(void *ud, const parq_column_batch *b),
                      void *ud)
{
	parq_column_reader *cr;
	int rc = parq_column_reader_open(&cr, r, leaf, NULL, 0);
	if (rc)
		return ps_err_from_parq(rc, path);
	for (;;) {
		parq_column_batch b;
		if ((rc = parq_column_reader_read(cr, 8192, &b))) {
			rc = ps_err_from_parq(rc, path);
			break;
		}
		if (!b.num_rows)
			break;
		fn(ud, &b);
	}
	parq_column_reader_close(cr);
	return rc;
}

typedef struct marks {
	int64_t n_new, n_existing;
} marks;

static void count_mark_values(void *ud, const parq_column_batch *b)
{
	marks *m = ud;
	for (int64_t i = 0; i < b->num_values; i++) {
		if (b->bytes[i].len == 3 && !memcmp(b->bytes[i].ptr, "new", 3))
			m->n_new++;
		else if (b->bytes[i].len == 8 && !memcmp(b->bytes[i].ptr, "existing", 8))
			m->n_existing++;
	}
}

/* Counts the "new" and "existing" values of the diff_status column. */
static int count_marks(parq_reader *r, const char *path, int64_t *n_new, int64_t *n_existing)
{
	*n_new = *n_existing = 0;
	int leaf = parq_schema_find_leaf(parq_reader_schema(r), "diff_status");
	if (leaf < 0)
		return 0;
	marks m = {0, 0};
	int rc = each_batch(r, path, leaf, count_mark_values, &m);
	*n_new = m.n_new;
	*n_existing = m.n_existing;
	return rc;
}

static void count_present_lists(void *ud, const parq_column_batch *b)
{
	int64_t *n = ud;
	/* a row starts at repetition level 0; a present list has a definition
	 * level past the optional group's */
	for (int64_t i = 0; i < b->num_levels; i++)
		if ((!b->rep_levels || b->rep_levels[i] == 0) && b->def_levels && b->def_levels[i] > 0)
			(*n)++;
}

/* Rows whose changed_fields list is not null: -1 without the column. */
static int count_changed(parq_reader *r, const char *path, int64_t *n)
{
	*n = -1;
	const parq_node *f = parq_schema_find_field(parq_reader_schema(r), "changed_fields");
	if (!f)
		return 0;
	*n = 0;
	return each_batch(r, path, f->first_leaf, count_present_lists, n);
}

int ps_store_timeline(ps_store *st, const char *root_target, ps_timeline_point **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	ps_scan_info *scans;
	size_t ns;
	int rc = ps_store_list_scans(st, root_target, &scans, &ns);
	if (rc)
		return rc;
	ps_timeline_point *t = calloc(ns ? ns : 1, sizeof *t);
	if (!t) {
		free(scans);
		return ps_err_nomem();
	}
	for (size_t i = 0; i < ns && !rc; i++) {
		parq_reader *r;
		if ((rc = ps_scan_open_reader(st, scans[i].path, &r)))
			break;
		t[i].scan_time_ms = scans[i].scan_time_ms;
		t[i].records = parq_reader_num_rows(r);
		rc = count_marks(r, scans[i].path, &t[i].n_new, &t[i].n_existing);
		if (!rc)
			rc = count_changed(r, scans[i].path, &t[i].n_changed);
		parq_reader_close(r);
		if (!rc && i > 0) {
			int64_t old = t[i - 1].records - t[i].n_existing;
			t[i].n_old = old > 0 ? old : 0;
		}
	}
	free(scans);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	*n = ns;
	return 0;
}
