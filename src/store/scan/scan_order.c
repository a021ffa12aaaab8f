/* The order of a target's scans and marks that follow it (scan_order.h). */
#include "scan/scan_order.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.h"
#include "parq/meta.h"
#include "scan/probe_rows.h"
#include "scan/scan_internal.h"
#include "storage/stale_tmp.h"
#include "../store_internal.h"
#include "storage/store_io.h"
#include "storage/backend.h"
#include "../strmap.h"

/* ---- the target's lock ---- */

static int lock_read(ps_target_lock *l)
{
	char buf[256];
	ssize_t n = pread(l->fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return ps_err(PS_EIO, "cannot read %s: %s", l->path, strerror(errno));
	buf[n] = 0;
	l->seq = 0;
	l->last_stem[0] = 0;
	l->last_k = 0;
	long long seq;
	char stem[64];
	int k;
	if (sscanf(buf, "seq %lld", &seq) == 1 && seq >= 0)
		l->seq = seq;
	const char *last = strstr(buf, "\nlast ");
	if (last && sscanf(last, "\nlast %63s %d", stem, &k) == 2 && k >= 1) {
		snprintf(l->last_stem, sizeof l->last_stem, "%s", stem);
		l->last_k = k;
	}
	return 0;
}

static int lock_write(ps_target_lock *l)
{
	/* one width, padded with spaces: each write covers the last one and
	 * the file needs no truncation */
	char buf[128];
	int n = snprintf(buf, sizeof buf, "seq %020lld\nlast %-40s %010d\n", (long long)l->seq,
	                 l->last_stem[0] ? l->last_stem : "-", l->last_k);
	if (n < 0 || (size_t)n >= sizeof buf || pwrite(l->fd, buf, (size_t)n, 0) != n)
		return ps_err(PS_EIO, "cannot write %s: %s", l->path, strerror(errno));
	return 0;
}

int ps_target_lock_take(ps_target_lock *l, const ps_store_io *io, const char *dir)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	if ((size_t)snprintf(l->path, sizeof l->path, "%s/.lock", dir) >= sizeof l->path)
		return ps_err(PS_EINVAL, "path too long in %s", dir);
	/* not through io: the lock file holds no data (a test's faults
	 * injected into the data's calls leave it be) */
	(void)io;
	for (int tries = 0;; tries++) {
		l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (l->fd < 0)
			return ps_err(PS_EIO, "cannot open the lock file %s: %s", l->path, strerror(errno));
		int rc;
		while ((rc = flock(l->fd, LOCK_EX)) != 0 && errno == EINTR)
			;
		if (rc != 0) {
			int e = errno;
			close(l->fd);
			l->fd = -1;
			return ps_err(PS_EIO, "cannot lock %s: %s", l->path, strerror(e));
		}
		/* a writer that gave up on a new target removes its lock file
		 * with the directory: a lock on that file locks nothing */
		struct stat a, b;
		if (fstat(l->fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(l->fd);
		l->fd = -1;
		if (tries == 100)
			return ps_err(PS_EIO, "cannot lock %s: it keeps being removed", l->path);
	}
	int rc = lock_read(l);
	if (rc)
		ps_target_lock_release(l);
	return rc;
}

int ps_target_lock_remove(ps_target_lock *l)
{
	return unlink(l->path) == 0 || errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot remove %s: %s", l->path, strerror(errno));
}

int ps_target_lock_next_seq(ps_target_lock *l, int64_t *seq)
{
	l->seq++;
	*seq = l->seq;
	return lock_write(l);
}

int ps_target_lock_placed(ps_target_lock *l, const char *stem, int k)
{
	snprintf(l->last_stem, sizeof l->last_stem, "%s", stem);
	l->last_k = k;
	return lock_write(l);
}

int ps_target_lock_first_k(const ps_target_lock *l, const char *stem)
{
	return l->last_k >= 1 && !strcmp(l->last_stem, stem) ? l->last_k + 1 : 1;
}

void ps_target_lock_release(ps_target_lock *l)
{
	if (l->fd >= 0)
		close(l->fd); /* releases the flock */
	l->fd = -1;
}

/* ---- order ---- */

int ps_scan_info_cmp(const ps_scan_info *x, const ps_scan_info *y)
{
	if (x->scan_time_ms != y->scan_time_ms)
		return x->scan_time_ms < y->scan_time_ms ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* files of writers without sequence numbers: scan_X before scan_X_2
	 * before scan_X_10 */
	size_t lx = strlen(x->path), ly = strlen(y->path);
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->path, y->path);
}

static void warn_bad(ps_store *st, const char *path, const char *why)
{
	ps_log_field f[] = {PS_LOG_STR("path", path), PS_LOG_STR("error", why)};
	ps_log(ps_store_logger(st), PS_LOG_WARN, f, 2, "scan file does not read; passed over");
}

int ps_scan_neighbors(ps_store *st, const ps_scan_info *all, size_t n, int64_t ms, int64_t seq, ps_scan_info *prev,
                      bool *has_prev, ps_scan_info **later, size_t *n_later)
{
	*has_prev = false;
	*later = NULL;
	*n_later = 0;
	int rc = 0;
	ps_scan_info me = {.scan_time_ms = ms, .seq = seq};
	size_t cap = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (all[i].rows < 0) {
			/* those before it were named when the writer opened */
			if (ps_scan_info_cmp(&all[i], &me) > 0)
				warn_bad(st, all[i].path, "its footer does not read");
			continue;
		}
		/* me.path is "": a scan of the same time and sequence (none but
		 * of writers without them) sorts after it, as newer */
		if (ps_scan_info_cmp(&all[i], &me) < 0) {
			*prev = all[i];
			*has_prev = true;
		} else if (!(rc = ps_array_room(later, &cap, *n_later, sizeof **later, 4))) {
			(*later)[(*n_later)++] = all[i];
		}
	}
	if (rc) {
		free(*later);
		*later = NULL;
		*n_later = 0;
	}
	return rc;
}

int ps_file_id_get(const ps_store *st, const char *path, ps_file_id *id)
{
	struct stat sb;
	memset(id, 0, sizeof *id);
	if (ps_storage_remote(st)) {
		int64_t size;
		int rc = ps_storage_stat(st, path, &size, id->etag);
		id->size = (off_t)size;
		return rc;
	}
	if (stat(path, &sb) != 0)
		return ps_err(PS_EIO, "cannot stat %s: %s", path, strerror(errno));
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	id->size = sb.st_size;
	id->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	return 0;
}

bool ps_file_id_equal(const ps_file_id *a, const ps_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns &&
	       !strcmp(a->etag, b->etag);
}

/* ---- re-marking ---- */

int ps_scan_load_first_seen(const ps_store *st, const char *prev_path, ps_strmap *m)
{
	if (!prev_path)
		return 0;
	ps_probe_iter *it;
	int rc = ps_store_probe_iter_open(&it, st, prev_path);
	if (rc)
		return rc;
	const ps_probe_result *r;
	while (!(rc = ps_probe_iter_next(it, &r)) && r) {
		int64_t first = r->oldest_scan_timestamp_ms ? r->oldest_scan_timestamp_ms : r->scan_timestamp_ms;
		/* the earliest of a URL's rows */
		int64_t *have = r->input_url ? ps_strmap_get(m, r->input_url, strlen(r->input_url)) : NULL;
		if (have) {
			if (first < *have)
				*have = first;
		} else if (r->input_url && ps_strmap_put(m, r->input_url, strlen(r->input_url), first)) {
			rc = ps_err_nomem();
			break;
		}
	}
	ps_probe_iter_close(it);
	return rc;
}

int ps_scan_remark(ps_store *st, const char *src, const char *prev_path, int64_t scan_ms, ps_tmpfile *out,
                   ps_remark_result *res)
{
	memset(res, 0, sizeof *res);
	out->fd = -1;
	out->path[0] = 0;
	ps_strmap prev = {0}, seen = {0};
	parq_reader *base = NULL;
	ps_probe_iter *it = NULL;
	parq_schema *schema = NULL;
	parq_writer *pw = NULL;
	ps_probe_cols cols = {0};
	ps_probe_result *rows = NULL;
	const char **diff = NULL;
	int64_t *first = NULL;
	ps_arena arena = {0};
	enum { BATCH = 1024 };
	/* the copy is written beside src, or in the spool of an object store */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", ps_storage_remote(st) ? ps_storage_spool_dir(st) : src);
	char *slash = ps_storage_remote(st) ? NULL : strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else if (!ps_storage_remote(st))
		snprintf(dir, sizeof dir, ".");
	int rc = ps_scan_load_first_seen(st, prev_path, &prev);
	if (rc)
		rc = ps_err_prefix(rc, "previous scan %s: ", prev_path);
	if (!rc)
		rc = ps_scan_open_reader(st, src, &base);
	/* the copy keeps the file's schema version and every column of it */
	int version = !rc ? ps_probe_schema_version(parq_reader_schema(base)) : PS_SCHEMA_V1;
	if (!rc && !(schema = ps_probe_schema_new(version)))
		rc = PS_ENOMEM;
	if (!rc && (!(rows = calloc(BATCH, sizeof *rows)) || !(diff = calloc(BATCH, sizeof *diff)) ||
	            !(first = calloc(BATCH, sizeof *first))))
		rc = ps_err_nomem();
	if (!rc)
	{
		char hint[128];
		ps_scan_tmp_hint(st, "scan_remark", hint, sizeof hint);
		rc = ps_tmpfile_create(out, ps_store_get_io(st), dir, hint, ps_store_file_mode(st));
	}
	int64_t file_ms = INT64_MIN;
	if (!rc) {
		const char *kv = parq_reader_kv(base, "probestore.scan_timestamp");
		if (kv)
			file_ms = strtoll(kv, NULL, 10);
		const parq_file_meta *fm = parq_reader_metadata(base);
		/* the file's codec: a tiny chunk's UNCOMPRESSED does not say it */
		int codec = fm->n_row_groups ? (int)PARQ_CODEC_UNCOMPRESSED : (int)PARQ_CODEC_SNAPPY;
		for (uint32_t g = 0; g < fm->n_row_groups && codec == PARQ_CODEC_UNCOMPRESSED; g++)
			for (uint32_t c = 0; c < fm->row_groups[g].n_columns && codec == PARQ_CODEC_UNCOMPRESSED; c++)
				codec = fm->row_groups[g].columns[c].meta.codec;
		parq_writer_options po;
		parq_column_options co[PS_SCAN_COL_OPTS];
		parq_io pio;
		ps_scan_parq_options(st, version, codec, 0, 0, &po, co, &pio);
		if ((rc = parq_writer_open_fd(&pw, out->fd, out->path, schema, &po)))
			rc = ps_err_from_parq(rc, out->path);
		for (uint32_t i = 0; !rc && i < fm->n_kv; i++) {
			const parq_meta_kv *e = &fm->kv[i];
			char *k = strndup((const char *)e->key.ptr, e->key.len);
			char *v = e->has_value ? strndup((const char *)e->value.ptr, e->value.len) : strdup("");
			if (!k || !v)
				rc = ps_err_nomem();
			else if ((rc = parq_writer_set_kv(pw, k, v)))
				rc = ps_err_from_parq(rc, out->path);
			free(k);
			free(v);
		}
		if (!rc && scan_ms != INT64_MIN) {
			char ms[32];
			snprintf(ms, sizeof ms, "%lld", (long long)scan_ms);
			if ((rc = parq_writer_set_kv(pw, "probestore.scan_timestamp", ms)))
				rc = ps_err_from_parq(rc, out->path);
		}
	}
	if (!rc)
		rc = ps_store_probe_iter_open(&it, st, src);
	int64_t n_prev_seen = 0;
	for (bool done = false; !rc && !done;) {
		size_t m = 0;
		ps_arena_free(&arena);
		int64_t row_ms = scan_ms;
		while (m < BATCH) {
			const ps_probe_result *r;
			if ((rc = ps_probe_iter_next(it, &r)))
				break;
			if (!r) {
				done = true;
				break;
			}
			if ((rc = ps_probe_copy(r, &arena, &rows[m])))
				break;
			if (row_ms == INT64_MIN)
				row_ms = file_ms != INT64_MIN ? file_ms : r->scan_timestamp_ms;
			int64_t old_first = r->oldest_scan_timestamp_ms;
			const char *old_diff = r->url_status;
			const char *u = rows[m].input_url ? rows[m].input_url : "";
			size_t ul = strlen(u);
			int64_t *p = ps_strmap_get(&prev, u, ul);
			bool first_row = !ps_strmap_get(&seen, u, ul);
			if (first_row && ps_strmap_put(&seen, u, ul, 1)) {
				rc = ps_err_nomem();
				break;
			}
			if (p) {
				/* URLs met are marked by their value made negative */
				if (*p >= 0) {
					*p = -*p - 1;
					n_prev_seen++;
				}
				diff[m] = "existing";
				first[m] = -*p - 1;
				res->n_existing += first_row;
			} else {
				diff[m] = "new";
				first[m] = scan_ms != INT64_MIN ? scan_ms : (file_ms != INT64_MIN ? file_ms : r->scan_timestamp_ms);
				res->n_new += first_row;
			}
			if (!old_diff || strcmp(old_diff, diff[m]) || old_first != first[m])
				res->changed = true;
			m++;
		}
		if (rc || (m == 0 && done && parq_writer_rows(pw) > 0))
			break;
		if (row_ms == INT64_MIN)
			row_ms = file_ms != INT64_MIN ? file_ms : 0;
		ps_probe_overrides ov = {.diff_status = diff, .first_seen_ms = first, .root_target = NULL};
		if (m && (rc = ps_probe_cols_build(&cols, rows, m, row_ms, &ov)))
			break;
		if (m && (rc = parq_writer_write(pw, cols.col, (int64_t)m)))
			rc = ps_err_from_parq(rc, out->path);
	}
	res->n_old = prev_path ? (int64_t)prev.n - n_prev_seen : 0;
	if (scan_ms != INT64_MIN && scan_ms != file_ms)
		res->changed = true;
	ps_probe_iter_close(it);
	if (!rc) {
		rc = parq_writer_close(pw, NULL);
		pw = NULL;
		if (rc)
			rc = ps_err_from_parq(rc, out->path);
	}
	if (!rc && ps_io_fsync(ps_store_get_io(st), out->fd) != 0)
		rc = ps_err(PS_EIO, "fsync of %s: %s", out->path, strerror(errno));
	if (!rc)
		rc = ps_tmpfile_close(out);
	if (pw)
		parq_writer_abort(pw);
	if (rc)
		ps_tmpfile_discard(out);
	if (base)
		parq_reader_close(base);
	parq_schema_free(schema);
	ps_probe_cols_free(&cols);
	ps_strmap_free(&prev);
	ps_strmap_free(&seen);
	ps_arena_free(&arena);
	free(rows);
	free(diff);
	free(first);
	return rc;
}
