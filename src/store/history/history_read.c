/* File history reads: last record and hash, records newest first, hosts,
 * latest diffs, records with diffs, streaming. Row groups are chosen by
 * their url and timestamp statistics and read a few rows at a time, so a
 * lookup costs the newest row group, not the history. */
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
#include "history/history_internal.h"
#include "storage/backend.h"
#include "../store_internal.h"

static bool raw_is(const ps_history_raw *raw, const char *url, size_t len)
{
	return raw->v[PS_H_URL].len == len && memcmp(raw->v[PS_H_URL].ptr, url, len) == 0;
}

/* The Go datastore whose behaviour probestore implements counts a diff
 * when the JSON is neither null, "" nor "null". */
static bool raw_has_diff(const ps_history_raw *raw)
{
	parq_bytes d = raw->v[PS_H_DIFF];
	return raw->has[PS_H_DIFF] && d.len && !(d.len == 4 && memcmp(d.ptr, "null", 4) == 0);
}

/* ---- the newest row of a URL ---- */

typedef struct cand_rg {
	int g;
	int64_t max_ts;
} cand_rg;

static int cmp_cand_rg(const void *x, const void *y)
{
	const cand_rg *a = x, *b = y;
	if (a->max_ts != b->max_ts)
		return a->max_ts > b->max_ts ? -1 : 1;
	return b->g - a->g;
}

int ps_history_find_last(parq_reader *r, const char *url, bool need_diff, int *bg, int64_t *brow, int64_t *bts)
{
	return ps_history_find_last_upto(r, url, need_diff, INT64_MAX, bg, brow, bts);
}

int ps_history_find_last_upto(parq_reader *r, const char *url, bool need_diff, int64_t upto, int *bg,
                              int64_t *brow, int64_t *bts)
{
	*bg = -1;
	*brow = -1;
	*bts = INT64_MIN;
	const parq_file_meta *m = parq_reader_metadata(r);
	size_t len = strlen(url);
	cand_rg *c = malloc((m->n_row_groups ? m->n_row_groups : 1) * sizeof *c);
	if (!c)
		return ps_err_nomem();
	size_t n = 0;
	for (int g = 0; g < (int)m->n_row_groups; g++) {
		if (!ps_history_rg_may_hold_url(m, g, url, len))
			continue;
		int64_t lo, hi;
		if (!ps_history_rg_ts_range(m, g, &lo, &hi))
			hi = INT64_MAX;
		else if (lo > upto)
			continue; /* all of it later than asked */
		c[n++] = (cand_rg){g, hi < upto ? hi : upto};
	}
	qsort(c, n, sizeof *c, cmp_cand_rg);
	unsigned cols = PS_H_BIT(PS_H_URL) | PS_H_BIT(PS_H_TIMESTAMP) | (need_diff ? PS_H_BIT(PS_H_DIFF) : 0);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		/* row groups by newest possible timestamp: stop when none can win
		 * (on a tie the later row group wins, and those come first) */
		if (*bg >= 0 && (c[i].max_ts < *bts || (c[i].max_ts == *bts && c[i].g < *bg)))
			break;
		ps_history_cursor cur;
		if ((rc = ps_history_cursor_open(&cur, r, cols, &c[i].g, 1, need_diff ? 64 : 1024)))
			break;
		ps_history_raw raw;
		bool end;
		for (int64_t row = 0; !(rc = ps_history_cursor_next(&cur, &raw, &end)) && !end; row++) {
			if (!raw_is(&raw, url, len) || (need_diff && !raw_has_diff(&raw)) || raw.ts > upto)
				continue;
			if (*bg < 0 || raw.ts > *bts || (raw.ts == *bts && (c[i].g > *bg || (c[i].g == *bg && row > *brow)))) {
				*bg = c[i].g;
				*brow = row;
				*bts = raw.ts;
			}
		}
		ps_history_cursor_close(&cur);
	}
	free(c);
	return rc;
}

int ps_history_read_row(parq_reader *r, int g, int64_t row, unsigned cols, ps_arena *a, ps_history_record *out)
{
	ps_history_cursor cur;
	int rc = ps_history_cursor_open(&cur, r, cols, &g, 1, 1);
	if (rc)
		return rc;
	ps_history_raw raw;
	bool end = false;
	if (!(rc = ps_history_cursor_skip(&cur, row)) && !(rc = ps_history_cursor_next(&cur, &raw, &end))) {
		if (end)
			rc = ps_err(PS_ECORRUPT, "%s: row group %d has no row %lld", parq_reader_name(r), g, (long long)row);
		else
			rc = ps_history_raw_to_record(&raw, a, out);
	}
	ps_history_cursor_close(&cur);
	return rc;
}

/* ---- files of a URL ---- */

static int cmp_archive(const void *x, const void *y)
{
	/* <hash>_<YYYYMMDD_HHMMSS>[_N].parquet: newest stamp, then highest N, first */
	const char *a = x, *b = y;
	const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
	ba = ba ? ba + 1 : a;
	bb = bb ? bb + 1 : b;
	const char *sa = strchr(ba, '_'), *sb = strchr(bb, '_');
	int c = strncmp(sb ? sb : "", sa ? sa : "", 16);
	if (c)
		return c;
	long na = 1, nb = 1;
	if (sa && strlen(sa) > 16 && sa[16] == '_')
		na = strtol(sa + 17, NULL, 10);
	if (sb && strlen(sb) > 16 && sb[16] == '_')
		nb = strtol(sb + 17, NULL, 10);
	return na < nb ? 1 : na > nb ? -1 : 0;
}

static bool is_archive_name(const char *name, const char *hash)
{
	size_t hl = strlen(hash), n = strlen(name);
	if (n < hl + 1 + 15 + 8 || strncmp(name, hash, hl) != 0 || name[hl] != '_')
		return false;
	const char *p = name + hl + 1;
	for (int i = 0; i < 15; i++)
		if (i == 8 ? p[i] != '_' : (p[i] < '0' || p[i] > '9'))
			return false;
	p += 15;
	if (*p == '_') {
		p++;
		if (*p < '1' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return strcmp(p, ".parquet") == 0;
}

typedef struct archive_acc {
	const ps_history_loc *loc;
	char (*v)[4096];
	size_t n, cap;
} archive_acc;

static int add_archive(void *ud, const ps_entry *e)
{
	archive_acc *a = ud;
	if (!is_archive_name(e->name, a->loc->hash)) /* a directory so named does not read: named as such */
		return 0;
	int rc = ps_array_room(&a->v, &a->cap, a->n, sizeof *a->v, 8);
	if (!rc && (size_t)snprintf(a->v[a->n], 4096, "%s/%s", a->loc->archive, e->name) < 4096)
		a->n++;
	return rc;
}

int ps_history_list_archive(const ps_store *st, const ps_history_loc *loc, char (**paths)[4096], size_t *n)
{
	archive_acc a = {loc, NULL, 0, 0};
	int rc = ps_store_list_dir(st, loc->archive, add_archive, &a);
	*paths = a.v;
	*n = a.n;
	if (rc) {
		free(*paths);
		*paths = NULL;
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(*paths, *n, sizeof **paths, cmp_archive);
	return 0;
}

/* The current file (when it exists) then the archive, newest first. */
static int url_files(const ps_store *st, const ps_history_loc *loc, char (**files)[4096], size_t *n)
{
	char(*arch)[4096];
	size_t na;
	int rc = ps_history_list_archive(st, loc, &arch, &na);
	if (rc)
		return rc;
	bool cur = ps_storage_stat(st, loc->path, NULL, NULL) == 0;
	*files = malloc((na + 1) * sizeof **files);
	if (!*files) {
		free(arch);
		return ps_err_nomem();
	}
	*n = 0;
	if (cur)
		snprintf((*files)[(*n)++], 4096, "%s", loc->path);
	for (size_t i = 0; i < na; i++)
		memcpy((*files)[(*n)++], arch[i], 4096);
	free(arch);
	return 0;
}

/* A shared lock on the files of one URL hash in dir, so that a rotation
 * does not move records between the files being read, nor take a file
 * away between its listing and its read; -1 when there is no lock file
 * (nothing was ever written). */
static int lock_shared_hash(const ps_store *st, const char *dir, const char *hash, int *fd)
{
	/* objects are replaced whole: a reader sees one version or the next */
	*fd = -1;
	if (ps_storage_remote(st))
		return 0;
	char lock[4096 + 80];
	snprintf(lock, sizeof lock, "%s/.%s.lock", dir, hash);
	*fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot open the lock file %s: %s", lock, strerror(errno));
	while (flock(*fd, LOCK_SH) != 0) {
		if (errno != EINTR) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return ps_err(PS_EIO, "cannot lock %s: %s", lock, strerror(e));
		}
	}
	return 0;
}

static int lock_shared(const ps_store *st, const ps_history_loc *loc, int *fd)
{
	return lock_shared_hash(st, loc->dir, loc->hash, fd);
}

static void unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* May r hold a record of url with a timestamp above ts? From the footer's
 * statistics alone.
 *
 * A URL's files are visited newest first, but the timestamps are the
 * writers' (when the content was fetched), not the order of storage: two
 * writers that fetched at 100 and 101 may store 101 first, and the store
 * of 100 may be the one that moves the file holding 101 to the archive.
 * So an older file is passed over only when its statistics show that it
 * holds nothing newer. */
static bool file_may_beat_upto(parq_reader *r, const char *url, int64_t ts, int64_t upto)
{
	const parq_file_meta *m = parq_reader_metadata(r);
	size_t len = strlen(url);
	for (int g = 0; g < (int)m->n_row_groups; g++) {
		int64_t lo, hi;
		if (ps_history_rg_may_hold_url(m, g, url, len) &&
		    (!ps_history_rg_ts_range(m, g, &lo, &hi) || (hi > ts && lo <= upto)))
			return true;
	}
	return false;
}

static bool file_may_beat(parq_reader *r, const char *url, int64_t ts)
{
	return file_may_beat_upto(r, url, ts, INT64_MAX);
}

/* ---- files that do not read ---- */

void ps_history_read_options_default(ps_history_read_options *o)
{
	memset(o, 0, sizeof *o);
}

/* The files a read passes over, with the caller's handler; a read without
 * a handler fails on the first file that does not read. */
typedef struct bad_files {
	const ps_history_read_options *o;
	char (*skip)[4096];
	size_t n, cap;
} bad_files;

static bool bad_skipped(const bad_files *b, const char *path)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (!strcmp(b->skip[i], path))
			return true;
	return false;
}

/* rc, an error reading path, is passed over (0) when the caller asked to be
 * told of such files: the handler is called and the file skipped from now
 * on. Out of memory and cancellation are never a file's fault. */
static int bad_file(bad_files *b, const char *path, int rc)
{
	/* an object replaced while it was read is not damaged: read again */
	if (!rc || !b || !b->o || !b->o->on_bad_file || rc == PS_ENOMEM || rc == PS_ECANCELED || ps_storage_replaced())
		return rc;
	if (ps_array_room(&b->skip, &b->cap, b->n, sizeof *b->skip, 4))
		return PS_ENOMEM;
	snprintf(b->skip[b->n++], 4096, "%s", path);
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", ps_errmsg());
	b->o->on_bad_file(b->o->bad_file_ud, path, rc, msg);
	return 0;
}

static void bad_files_free(bad_files *b)
{
	free(b->skip);
	b->skip = NULL;
	b->n = b->cap = 0;
}

/* Finds the newest row of url across its files; opens *r on the file
 * holding it (NULL when none). On equal timestamps the newer file's row,
 * stored later, wins. Files that do not read are passed over as bf says. */
static int find_last_any(ps_store *st, const char *url, bool need_diff, bool lock, bad_files *bf, int64_t upto,
                         parq_reader **r, int *g, int64_t *row, int64_t *ts)
{
	*r = NULL;
	ps_history_loc loc;
	int rc = ps_history_locate(st, url, &loc);
	if (rc)
		return rc;
	int lfd = -1;
	if (lock && (rc = lock_shared(st, &loc, &lfd)))
		return rc;
	char(*files)[4096] = NULL;
	size_t n = 0;
	rc = url_files(st, &loc, &files, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		parq_reader *fr;
		if (bad_skipped(bf, files[i]))
			continue;
		if ((rc = ps_history_open_reader_in(st, files[i], &fr))) {
			rc = bad_file(bf, files[i], rc);
			continue;
		}
		int fg;
		int64_t frow, fts;
		if ((*r && !file_may_beat_upto(fr, url, *ts, upto)) ||
		    (rc = ps_history_find_last_upto(fr, url, need_diff, upto, &fg, &frow, &fts)) || fg < 0 ||
		    (*r && fts <= *ts)) {
			parq_reader_close(fr);
			rc = bad_file(bf, files[i], rc);
			continue;
		}
		if (*r)
			parq_reader_close(*r);
		*r = fr;
		*g = fg;
		*row = frow;
		*ts = fts;
	}
	if (rc && *r) {
		parq_reader_close(*r);
		*r = NULL;
	}
	free(files);
	unlock(lfd);
	return rc;
}

/* One allocation: the record, then its strings. */
typedef struct owned_record {
	ps_history_record rec;
	ps_arena arena;
} owned_record;

/* How often a read starts again from the listing when an object it reads
 * is replaced meanwhile (object storage: a writer's next version). */
#define REPLACED_RETRIES 8

static int last_record_once(ps_store *st, const char *url, bool lock, const ps_history_read_options *ro,
                            int64_t upto, ps_history_record **out);

static int last_record(ps_store *st, const char *url, bool lock, const ps_history_read_options *ro, int64_t upto,
                       ps_history_record **out)
{
	int rc;
	for (int attempt = 1;; attempt++) {
		ps_storage_replaced_clear();
		rc = last_record_once(st, url, lock, ro, upto, out);
		if (!rc || !ps_storage_replaced() || attempt >= REPLACED_RETRIES)
			return rc;
	}
}

static int last_record_once(ps_store *st, const char *url, bool lock, const ps_history_read_options *ro,
                            int64_t upto, ps_history_record **out)
{
	*out = NULL;
	bad_files bf = {.o = ro};
	int rc;
	/* a file whose chosen row does not read is passed over and the
	 * newest row looked for again among the others */
	for (;;) {
		parq_reader *r;
		int g;
		int64_t row, ts;
		if ((rc = find_last_any(st, url, false, lock, &bf, upto, &r, &g, &row, &ts)))
			break;
		if (!r) {
			rc = ps_err(PS_ENOTFOUND, "file history: no record of %s", url);
			break;
		}
		owned_record *o = calloc(1, sizeof *o);
		if (!o)
			rc = ps_err_nomem();
		else
			rc = ps_history_read_row(r, g, row, PS_H_ALL, &o->arena, &o->rec);
		char path[4096];
		snprintf(path, sizeof path, "%s", parq_reader_name(r));
		parq_reader_close(r);
		if (!rc) {
			*out = &o->rec;
			break;
		}
		ps_history_record_free(o ? &o->rec : NULL);
		if ((rc = bad_file(&bf, path, rc)))
			break;
	}
	bad_files_free(&bf);
	return rc;
}

int ps_history_last(ps_store *st, const char *url, ps_history_record **out)
{
	return last_record(st, url, true, NULL, INT64_MAX, out);
}

int ps_history_last_opt(ps_store *st, const char *url, const ps_history_read_options *o, ps_history_record **out)
{
	return last_record(st, url, true, o, INT64_MAX, out);
}

int ps_history_last_unlocked(ps_store *st, const char *url, const ps_history_read_options *o,
                             ps_history_record **out)
{
	return last_record(st, url, false, o, INT64_MAX, out);
}

int ps_history_before_unlocked(ps_store *st, const char *url, int64_t upto, const ps_history_read_options *o,
                               ps_history_record **out)
{
	return last_record(st, url, false, o, upto, out);
}

void ps_history_record_free(ps_history_record *r)
{
	if (!r)
		return;
	owned_record *o = (owned_record *)r;
	ps_arena_free(&o->arena);
	free(o);
}

int ps_history_last_hash(ps_store *st, const char *url, char *buf, size_t cap)
{
	parq_reader *r;
	int g;
	int64_t row, ts;
	int rc = find_last_any(st, url, false, true, NULL, INT64_MAX, &r, &g, &row, &ts);
	if (rc)
		return rc;
	if (!r)
		return ps_err(PS_ENOTFOUND, "file history: no record of %s", url);
	ps_arena a = {0};
	ps_history_record rec;
	rc = ps_history_read_row(r, g, row, PS_H_BIT(PS_H_HASH), &a, &rec);
	parq_reader_close(r);
	if (!rc && (size_t)snprintf(buf, cap, "%s", rec.hash) >= cap)
		rc = ps_err(PS_ELIMIT, "file history: the hash of %s needs %zu bytes, the buffer has %zu", url,
		            strlen(rec.hash) + 1, cap);
	ps_arena_free(&a);
	return rc;
}

/* ---- sets ---- */

typedef struct set_priv {
	ps_arena arena;
	size_t cap;
} set_priv;

static int set_push(ps_history_set *s, ps_history_record **slot)
{
	set_priv *p = s->priv;
	if (!p && !(p = s->priv = calloc(1, sizeof *p)))
		return ps_err_nomem();
	if (ps_array_room(&s->records, &p->cap, s->n, sizeof *s->records, 16))
		return PS_ENOMEM;
	*slot = &s->records[s->n++];
	memset(*slot, 0, sizeof **slot);
	return 0;
}

static ps_arena *set_arena(ps_history_set *s)
{
	if (!s->priv)
		s->priv = calloc(1, sizeof(set_priv));
	return s->priv ? &((set_priv *)s->priv)->arena : NULL;
}

void ps_history_set_free(ps_history_set *s)
{
	if (!s)
		return;
	if (s->priv) {
		ps_arena_free(&((set_priv *)s->priv)->arena);
		free(s->priv);
	}
	free(s->records);
	memset(s, 0, sizeof *s);
}

/* ---- records of a URL ---- */

typedef struct cand {
	int64_t ts;
	size_t file;
	int g;
	int64_t row;
	size_t out;      /* position in the result */
} cand;

static int cmp_newest(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	if (a->ts != b->ts)
		return a->ts > b->ts ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1; /* the current file, then newer archives */
	if (a->g != b->g)
		return a->g > b->g ? -1 : 1;
	return a->row > b->row ? -1 : a->row < b->row ? 1 : 0;
}

static int cmp_position(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->g != b->g)
		return a->g < b->g ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row ? 1 : 0;
}

/* Adds the rows of url in r (file index fi) to *c. */
static int collect(parq_reader *r, const char *url, size_t fi, cand **c, size_t *n, size_t *cap)
{
	const parq_file_meta *m = parq_reader_metadata(r);
	size_t len = strlen(url);
	int rc = 0;
	for (int g = 0; g < (int)m->n_row_groups && !rc; g++) {
		if (!ps_history_rg_may_hold_url(m, g, url, len))
			continue;
		ps_history_cursor cur;
		if ((rc = ps_history_cursor_open(&cur, r, PS_H_BIT(PS_H_URL) | PS_H_BIT(PS_H_TIMESTAMP), &g, 1, 1024)))
			break;
		ps_history_raw raw;
		bool end;
		for (int64_t row = 0; !(rc = ps_history_cursor_next(&cur, &raw, &end)) && !end; row++) {
			if (!raw_is(&raw, url, len))
				continue;
			if ((rc = ps_array_room(c, cap, *n, sizeof **c, 64)))
				break;
			(*c)[(*n)++] = (cand){raw.ts, fi, g, row, 0};
		}
		ps_history_cursor_close(&cur);
	}
	return rc;
}

/* Reads the chosen rows (sorted by position) into their slots of out;
 * on error *bad_fi is the file that did not read. */
static int fetch(const ps_store *st, char (*files)[4096], cand *c, size_t n, ps_history_set *out, size_t *bad_fi)
{
	ps_arena *a = set_arena(out);
	if (!a)
		return ps_err_nomem();
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		parq_reader *r;
		size_t fi = c[i].file;
		*bad_fi = fi;
		if ((rc = ps_history_open_reader_in(st, files[fi], &r)))
			break;
		while (i < n && c[i].file == fi && !rc) {
			int g = c[i].g;
			ps_history_cursor cur;
			if ((rc = ps_history_cursor_open(&cur, r, PS_H_ALL, &g, 1, 1)))
				break;
			int64_t at = 0;
			for (; i < n && c[i].file == fi && c[i].g == g && !rc; i++) {
				ps_history_raw raw;
				bool end;
				if ((rc = ps_history_cursor_skip(&cur, c[i].row - at)) || (rc = ps_history_cursor_next(&cur, &raw, &end)))
					break;
				if (end) {
					rc = ps_err(PS_ECORRUPT, "%s: row group %d ended before row %lld", files[fi], g,
					            (long long)c[i].row);
					break;
				}
				at = c[i].row + 1;
				rc = ps_history_raw_to_record(&raw, a, &out->records[c[i].out]);
			}
			ps_history_cursor_close(&cur);
		}
		parq_reader_close(r);
	}
	return rc;
}

/* One pass of ps_history_records_opt over the files bf does not skip;
 * *retry when a file failed while its rows were fetched (it is skipped
 * from now on, and the newest records are chosen again). */
static int records_pass(ps_store *st, const ps_history_loc *loc, const char *url, size_t limit, bad_files *bf,
                        ps_history_set *out, bool *retry)
{
	*retry = false;
	char(*files)[4096] = NULL;
	size_t nf = 0, n = 0, cap = 0;
	cand *c = NULL;
	int rc = url_files(st, loc, &files, &nf);
	for (size_t i = 0; !rc && i < nf; i++) {
		parq_reader *r;
		if (bad_skipped(bf, files[i]))
			continue;
		if ((rc = ps_history_open_reader_in(st, files[i], &r))) {
			rc = bad_file(bf, files[i], rc);
			continue;
		}
		/* once the limit is reached, an older file is read only when it
		 * may hold a record newer than the limit-th so far (on a tie, the
		 * newer file's record comes first) */
		if (limit && n >= limit) {
			qsort(c, n, sizeof *c, cmp_newest);
			n = limit;
			if (!file_may_beat(r, url, c[limit - 1].ts)) {
				parq_reader_close(r);
				continue;
			}
		}
		size_t before = n;
		if ((rc = collect(r, url, i, &c, &n, &cap)) && !(rc = bad_file(bf, files[i], rc)))
			n = before; /* none of a file that does not read */
		parq_reader_close(r);
	}
	if (!rc && n) {
		qsort(c, n, sizeof *c, cmp_newest);
		if (limit && n > limit)
			n = limit;
		for (size_t i = 0; i < n; i++)
			c[i].out = i;
		out->records = calloc(n, sizeof *out->records);
		if (!out->records)
			rc = ps_err_nomem();
		else
			out->n = n;
		if (!rc && !set_arena(out))
			rc = ps_err_nomem();
		if (!rc) {
			((set_priv *)out->priv)->cap = n;
			qsort(c, n, sizeof *c, cmp_position);
			size_t bad_fi = 0;
			if ((rc = fetch(st, files, c, n, out, &bad_fi)) && !(rc = bad_file(bf, files[bad_fi], rc)))
				*retry = true;
		}
	}
	free(c);
	free(files);
	if (rc || *retry)
		ps_history_set_free(out);
	return rc;
}

int ps_history_records_opt(ps_store *st, const char *url, size_t limit, const ps_history_read_options *o,
                           ps_history_set *out)
{
	memset(out, 0, sizeof *out);
	ps_history_loc loc;
	int rc = ps_history_locate(st, url, &loc);
	if (rc)
		return rc;
	int lfd;
	if ((rc = lock_shared(st, &loc, &lfd)))
		return rc;
	bad_files bf = {.o = o};
	for (int attempt = 1;; attempt++) {
		bool retry = true;
		ps_storage_replaced_clear();
		while (!rc && retry)
			rc = records_pass(st, &loc, url, limit, &bf, out, &retry);
		if (!rc || !ps_storage_replaced() || attempt >= REPLACED_RETRIES)
			break;
		/* an object replaced while read: the records again, from the listing */
		ps_history_set_free(out);
		rc = 0;
	}
	bad_files_free(&bf);
	unlock(lfd);
	return rc;
}

int ps_history_records(ps_store *st, const char *url, size_t limit, ps_history_set *out)
{
	return ps_history_records_opt(st, url, limit, NULL, out);
}

/* ---- hosts ---- */

static bool is_hex_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strcmp(dot, ".parquet") != 0 || dot - name > 64)
		return false;
	for (const char *p = name; p < dot; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* <hash>.parquet or the lock file .<hash>.lock */
static bool is_hash_entry(const char *name)
{
	size_t n = strlen(name);
	if (name[0] != '.')
		return is_hex_name(name);
	if (n < 7 || n > 6 + 64 || strcmp(name + n - 5, ".lock") != 0)
		return false;
	for (const char *p = name + 1; p < name + n - 5; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int archive_parquet(void *ud, const ps_entry *e)
{
	(void)ud;
	size_t n = strlen(e->name);
	return !e->is_dir && e->name[0] != '.' && n > 8 && strcmp(e->name + n - 8, ".parquet") == 0;
}

static int current_parquet(void *ud, const ps_entry *e)
{
	(void)ud;
	return !e->is_dir && is_hex_name(e->name);
}

/* Does dir hold a history file (archive: an archived one)? The listing
 * stops at the first. */
static bool dir_has_parquet(const ps_store *st, const char *dir, bool archive)
{
	return ps_store_list_dir(st, dir, archive ? archive_parquet : current_parquet, NULL) == 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_sorted(const ps_store *st, const char *dir, bool (*keep)(const char *), char ***names, size_t *n);
static bool is_host_dir(const char *name);

/* The targets with history as "host:port" (names false) or as host names,
 * each once (names true). */
static int list_hosts(ps_store *st, bool names, char ***hosts, size_t *n)
{
	*hosts = NULL;
	*n = 0;
	char root[4096];
	snprintf(root, sizeof root, "%s/file_history", st->base);
	char **dirs;
	size_t nd;
	int rc = list_sorted(st, root, is_host_dir, &dirs, &nd);
	if (rc)
		return rc;
	size_t cap = 0;
	for (size_t i = 0; i < nd && !rc; i++) {
		char host[PS_URL_HOST_MAX + 1], sub[4096 + 512], disp[PS_HOST_PORT_DISPLAY_MAX];
		int port;
		if (ps_host_port_dir_parse(dirs[i], host, sizeof host, &port))
			continue; /* not a directory of ours */
		snprintf(sub, sizeof sub, "%s/%s", root, dirs[i]);
		bool has = dir_has_parquet(st, sub, false);
		if (!has) {
			strncat(sub, "/archive", sizeof sub - strlen(sub) - 1);
			has = dir_has_parquet(st, sub, true);
		}
		if (!has)
			continue;
		if (names)
			snprintf(disp, sizeof disp, "%s", host);
		else if (ps_host_port_format(host, port, disp, sizeof disp))
			continue;
		if ((rc = ps_array_room(hosts, &cap, *n, sizeof **hosts, 16)))
			break;
		if (!((*hosts)[*n] = strdup(disp)))
			rc = ps_err_nomem();
		else
			(*n)++;
	}
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	if (rc) {
		ps_history_hosts_free(*hosts, *n);
		*hosts = NULL;
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(*hosts, *n, sizeof **hosts, cmp_str);
	/* a host under several ports is one name */
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (k && strcmp((*hosts)[k - 1], (*hosts)[i]) == 0)
			free((*hosts)[i]);
		else
			(*hosts)[k++] = (*hosts)[i];
	}
	*n = k;
	return 0;
}

int ps_history_hosts(ps_store *st, char ***hosts, size_t *n)
{
	return list_hosts(st, false, hosts, n);
}

int ps_history_hostnames(ps_store *st, char ***names, size_t *n)
{
	return list_hosts(st, true, names, n);
}

void ps_history_hosts_free(char **hosts, size_t n)
{
	for (size_t i = 0; hosts && i < n; i++)
		free(hosts[i]);
	free(hosts);
}

/* ---- diffs ---- */

int ps_history_latest_diffs(ps_store *st, const char *const *urls, size_t n, ps_latest_diffs *out)
{
	return ps_history_latest_diffs_opt(st, urls, n, NULL, out);
}

int ps_history_latest_diffs_opt(ps_store *st, const char *const *urls, size_t n, const ps_history_read_options *o,
                                ps_latest_diffs *out)
{
	memset(out, 0, sizeof *out);
	ps_arena *a = calloc(1, sizeof *a);
	out->items = calloc(n ? n : 1, sizeof *out->items);
	if (!a || !out->items) {
		free(a);
		free(out->items);
		out->items = NULL;
		return ps_err_nomem();
	}
	out->priv = a;
	out->n = n;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		ps_latest_diff *it = &out->items[i];
		if (!urls[i] || !*urls[i]) {
			rc = ps_err(PS_EINVAL, "file history: URL %zu of %zu is empty", i, n);
			break;
		}
		if (!(it->url = ps_arena_strndup(a, urls[i], strlen(urls[i])))) {
			rc = ps_err_nomem();
			break;
		}
		/* a file whose chosen row does not read is passed over (with a
		 * handler) and the newest diff looked for again */
		bad_files bf = {.o = o};
		for (;;) {
			parq_reader *r;
			int g;
			int64_t row = 0, ts = 0;
			if ((rc = find_last_any(st, urls[i], true, true, &bf, INT64_MAX, &r, &g, &row, &ts))) {
				rc = ps_err_prefix(rc, "URL %zu: ", i);
				break;
			}
			if (!r)
				break;
			ps_arena tmp = {0};
			ps_history_record rec;
			rc = ps_history_read_row(r, g, row, PS_H_BIT(PS_H_DIFF) | PS_H_BIT(PS_H_PATHS), &tmp, &rec);
			if (!rc) {
				ps_diff_result_free(&it->diff);
				rc = ps_diff_result_parse(rec.diff_result_json, strlen(rec.diff_result_json),
				                          rec.extracted_paths_json, &it->diff);
				if (rc)
					rc = ps_err_prefix(rc, "%s: diff of %s at %lld: ", parq_reader_name(r), urls[i], (long long)ts);
			}
			it->found = rc == 0;
			it->record_timestamp_ms = ts;
			ps_arena_free(&tmp);
			char path[4096];
			snprintf(path, sizeof path, "%s", parq_reader_name(r));
			parq_reader_close(r);
			if (!rc || (rc = bad_file(&bf, path, rc)))
				break;
		}
		bad_files_free(&bf);
	}
	if (rc)
		ps_latest_diffs_free(out);
	return rc;
}

void ps_latest_diffs_free(ps_latest_diffs *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->items && i < d->n; i++)
		ps_diff_result_free(&d->items[i].diff);
	if (d->priv) {
		ps_arena_free(d->priv);
		free(d->priv);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir for which keep() holds. */
typedef struct names_acc {
	bool (*keep)(const char *);
	char **v;
	size_t n, cap;
} names_acc;

static int add_name(void *ud, const ps_entry *e)
{
	names_acc *a = ud;
	if (!a->keep(e->name))
		return 0;
	int rc = ps_array_room(&a->v, &a->cap, a->n, sizeof *a->v, 16);
	if (!rc && !(a->v[a->n] = strdup(e->name)))
		rc = ps_err_nomem();
	if (!rc)
		a->n++;
	return rc;
}

/* Sorted names in dir for which keep() holds. */
static int list_sorted(const ps_store *st, const char *dir, bool (*keep)(const char *), char ***names, size_t *n)
{
	names_acc a = {keep, NULL, 0, 0};
	int rc = ps_store_list_dir(st, dir, add_name, &a);
	if (!rc && a.n)
		qsort(a.v, a.n, sizeof *a.v, cmp_name);
	*names = a.v;
	*n = a.n;
	return rc;
}

static bool is_host_dir(const char *name)
{
	char host[PS_URL_HOST_MAX + 1];
	int port;
	return name[0] != '.' && ps_host_port_dir_parse(name, host, sizeof host, &port) == 0;
}

static int diffs_of_file(const ps_store *st, const char *path, ps_history_set *out)
{
	parq_reader *r;
	int rc = ps_history_open_reader_in(st, path, &r);
	if (rc)
		return rc;
	ps_arena *a = set_arena(out);
	const parq_file_meta *m = parq_reader_metadata(r);
	for (int g = 0; g < (int)m->n_row_groups && !rc && a; g++) {
		/* a row group whose diffs are all null is passed over */
		const parq_meta_column *dc = &m->row_groups[g].columns[PS_H_DIFF].meta;
		if (dc->has_stats && dc->stats.has_null_count && dc->stats.null_count >= m->row_groups[g].num_rows)
			continue;
		ps_history_cursor cur;
		if ((rc = ps_history_cursor_open(&cur, r, PS_H_ALL, &g, 1, 16)))
			break;
		ps_history_raw raw;
		bool end;
		while (!(rc = ps_history_cursor_next(&cur, &raw, &end)) && !end) {
			if (!raw_has_diff(&raw))
				continue;
			ps_history_record *slot = NULL;
			if ((rc = set_push(out, &slot)) || (rc = ps_history_raw_to_record(&raw, a, slot)))
				break;
		}
		ps_history_cursor_close(&cur);
	}
	if (!a)
		rc = ps_err_nomem();
	parq_reader_close(r);
	return rc;
}

int ps_history_records_with_diff(ps_store *st, ps_history_set *out)
{
	memset(out, 0, sizeof *out);
	char root[4096];
	snprintf(root, sizeof root, "%s/file_history", st->base);
	char **dirs;
	size_t nd;
	int rc = list_sorted(st, root, is_host_dir, &dirs, &nd);
	for (size_t i = 0; i < nd; i++) {
		char dir[4096 + 512];
		snprintf(dir, sizeof dir, "%s/%s", root, dirs[i]);
		/* the hashes with a current file or a lock file: a writer moving
		 * a file to the archive holds the lock until its successor is in
		 * place, so the file is read whole under the lock, and found even
		 * when the listing fell between the move and the successor */
		char **files = NULL;
		size_t nfiles = 0, nh = 0;
		if (!rc)
			rc = list_sorted(st, dir, is_hash_entry, &files, &nfiles);
		for (size_t k = 0; k < nfiles; k++) {
			char *f = files[k], *h = f + (f[0] == '.');
			memmove(f, h, strlen(h) + 1);
			*strrchr(f, '.') = 0;
		}
		if (nfiles)
			qsort(files, nfiles, sizeof *files, cmp_name);
		for (size_t k = 0; k < nfiles; k++) {
			if (nh && strcmp(files[nh - 1], files[k]) == 0) {
				free(files[k]);
				continue;
			}
			files[nh++] = files[k];
		}
		for (size_t k = 0; k < nh; k++) {
			char path[4096 + 1024];
			snprintf(path, sizeof path, "%s/%s.parquet", dir, files[k]);
			int lfd = -1;
			if (!rc && !(rc = lock_shared_hash(st, dir, files[k], &lfd))) {
				/* gone: it went to the archive, which is left out, and a
				 * failed write began no successor */
				if (!(rc = ps_storage_stat(st, path, NULL, NULL)))
					rc = diffs_of_file(st, path, out);
				else if (rc == PS_ENOTFOUND)
					rc = 0;
				unlock(lfd);
			}
			free(files[k]);
		}
		free(files);
		free(dirs[i]);
	}
	free(dirs);
	if (rc)
		ps_history_set_free(out);
	return rc;
}

/* ---- streaming ---- */

struct ps_history_iter {
	parq_reader *r;
	ps_history_cursor cur;
	ps_arena arena;
	ps_history_record rec;
};

int ps_history_iter_open(ps_history_iter **out, const char *path)
{
	*out = NULL;
	ps_history_iter *it = calloc(1, sizeof *it);
	if (!it)
		return ps_err_nomem();
	int rc = ps_history_open_reader(path, &it->r);
	if (!rc)
		rc = ps_history_cursor_open(&it->cur, it->r, PS_H_ALL, NULL, 0, 8);
	if (rc) {
		ps_history_iter_close(it);
		return rc;
	}
	*out = it;
	return 0;
}

int ps_history_iter_next(ps_history_iter *it, const ps_history_record **r)
{
	*r = NULL;
	ps_history_raw raw;
	bool end;
	int rc = ps_history_cursor_next(&it->cur, &raw, &end);
	if (rc || end)
		return rc;
	/* one record's strings at a time */
	ps_arena_free(&it->arena);
	if ((rc = ps_history_raw_to_record(&raw, &it->arena, &it->rec)))
		return ps_err_prefix(rc, "%s: record %lld: ", parq_reader_name(it->r), (long long)(it->cur.index - 1));
	*r = &it->rec;
	return 0;
}

void ps_history_iter_close(ps_history_iter *it)
{
	if (!it)
		return;
	ps_history_cursor_close(&it->cur);
	if (it->r)
		parq_reader_close(it->r);
	ps_arena_free(&it->arena);
	free(it);
}

int ps_history_stream(const char *path, ps_history_fn fn, void *ud, const ps_cancel *cancel)
{
	ps_history_iter *it;
	int rc = ps_history_iter_open(&it, path);
	if (rc)
		return rc;
	const ps_history_record *r;
	for (;;) {
		if (ps_cancel_requested(cancel)) {
			rc = ps_err(PS_ECANCELED, "%s: streaming canceled", path);
			break;
		}
		if ((rc = ps_history_iter_next(it, &r)) || !r)
			break;
		if ((rc = fn(ud, r)))
			break;
	}
	ps_history_iter_close(it);
	return rc;
}

int ps_history_count(const char *path, int64_t *rows)
{
	parq_reader *r;
	int rc = ps_history_open_reader(path, &r);
	if (rc)
		return rc;
	*rows = parq_reader_num_rows(r);
	parq_reader_close(r);
	return 0;
}
