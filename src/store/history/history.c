/* File history writes: records validated, appended to the URL's file
 * without rewriting it, small row groups merged, full files archived.
 *
 * Every write builds the next version of the file beside it and renames it
 * into place, under the URL's mutex (threads) and an flock on a lock file
 * next to the data (processes; the data file itself cannot carry the lock,
 * its inode changes with every write). The next version is the current
 * file's row groups copied byte for byte (libparq's appending writer, with
 * copy_file_range), the new row group, and a new footer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/atomic_file.h"
#include "../error.h"
#include "history/history_internal.h"
#include "../store_internal.h"
#include "storage/store_io.h"
#include "storage/backend.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <strings.h>

#define SCHEMA_VERSION "1"
/* A page holds at least one value; contents stay well below the largest
 * page the format can declare (2 GiB), compressed or not. */
#define CONTENT_MAX ((size_t)512 << 20)
/* Row groups this large (uncompressed) are final: compaction copies them
 * and merges only the smaller ones after them, so a record is re-encoded
 * a bounded number of times however long the history grows. Every read
 * decodes the footer, one entry per row group: at 64 MiB, 10,000 versions
 * of a 200 KB file make some 60 row groups (180 at 16 MiB, where the
 * footer took longer to decode than the last record's two values). */
#define COMPACT_TARGET ((size_t)64 << 20)
#define MERGE_BATCH 16
/* Pages of contents, diffs and extracted paths end past this many bytes:
 * about 40 versions of a 200 KB file. A larger page stores each version in
 * less but costs more to decompress for a single old version. */
#define BIG_PAGE ((size_t)8 << 20)



/* s, or a copy in a with every invalid UTF-8 sequence made U+FFFD. */
static int check_utf8(ps_store *st, const char *field, const char *s, ps_arena *a, const char **out)
{
	*out = s;
	if (!s)
		return 0;
	size_t n = strlen(s), ok = ps_utf8_valid(s, n);
	if (ok == n)
		return 0;
	if (st->cfg.writer.utf8_repair == PS_UTF8_REJECT)
		return ps_err(PS_EINVAL, "history record: %s is not valid UTF-8 (at byte %zu)", field, ok);
	return ps_utf8_fix(a, s, n, out);
}

int ps_history_validate(ps_store *st, const ps_history_record *rec, ps_arena *a, ps_history_record *out)
{
	if (!rec)
		return ps_err(PS_EINVAL, "history record: NULL");
	*out = *rec;
	if (!rec->url || !*rec->url)
		return ps_err(PS_EINVAL, "history record: url is empty");
	ps_url u;
	if (ps_url_parse(rec->url, &u))
		return ps_err_prefix(PS_EINVAL, "history record: url: ");
	ps_url_free(&u);
	size_t ulen = strlen(rec->url);
	/* a repaired URL would be another URL */
	if (ps_utf8_valid(rec->url, ulen) != ulen)
		return ps_err(PS_EINVAL, "history record: url '%s' is not valid UTF-8", rec->url);
	if (!rec->hash || !*rec->hash)
		return ps_err(PS_EINVAL, "history record for %s: hash is empty", rec->url);
	if (rec->content_len && !rec->content)
		return ps_err(PS_EINVAL, "history record for %s: content is NULL with length %zu", rec->url, rec->content_len);
	if (rec->content_len > CONTENT_MAX)
		return ps_err(PS_ELIMIT, "history record for %s: content of %zu bytes exceeds the limit of %zu", rec->url,
		              rec->content_len, CONTENT_MAX);
	if (!out->timestamp_ms)
		out->timestamp_ms = ps_now_ms();
	struct {
		const char *name;
		const char **p;
	} f[] = {
		{"hash", &out->hash}, {"content_type", &out->content_type}, {"etag", &out->etag},
		{"last_modified", &out->last_modified}, {"diff_result_json", &out->diff_result_json},
		{"extracted_paths_json", &out->extracted_paths_json},
	};
	for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
		int rc = check_utf8(st, f[k].name, *f[k].p, a, f[k].p);
		if (rc)
			return ps_err_prefix(rc, "%s: ", rec->url);
	}
	return 0;
}

/* ---- the write session ---- */

/* The temporary file of the next version: one name per hash, since only
 * the lock holder writes one, so that what a killed writer left is
 * removed in passing, without listing the directory. */
static int tmp_create(const ps_store *st, const ps_history_loc *loc, ps_tmpfile *t)
{
	t->fd = -1;
	t->io = st->io;
	if (ps_storage_remote(st)) {
		/* the next version waits in the spool until its PUT */
		snprintf(t->dir, sizeof t->dir, "%s", ps_storage_spool_dir(st));
		if ((size_t)snprintf(t->path, sizeof t->path, "%s/history.XXXXXX", ps_storage_spool_dir(st)) >= sizeof t->path)
			return ps_err(PS_EINVAL, "spool directory path too long");
		t->fd = mkostemp(t->path, O_CLOEXEC);
		if (t->fd < 0) {
			int e = errno;
			t->path[0] = 0;
			return ps_err(PS_EIO, "cannot create a spool file in %s: %s", t->dir, strerror(e));
		}
		return 0;
	}
	snprintf(t->dir, sizeof t->dir, "%s", loc->dir);
	if ((size_t)snprintf(t->path, sizeof t->path, "%s/.%s.parquet.tmp", loc->dir, loc->hash) >= sizeof t->path)
		return ps_err(PS_EINVAL, "file history: path too long in %s", loc->dir);
	if (ps_io_unlink(t->io, t->path) != 0 && errno != ENOENT) {
		int e = errno;
		ps_err(PS_EIO, "cannot remove the stale temporary file %s: %s", t->path, strerror(e));
		t->path[0] = 0;
		return PS_EIO;
	}
	t->fd = ps_io_open(t->io, t->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (t->fd < 0) {
		int e = errno;
		t->path[0] = 0;
		return ps_err(PS_EIO, "cannot create %s/.%s.parquet.tmp: %s", loc->dir, loc->hash, strerror(e));
	}
	return 0;
}

/* Object storage: the current version copied to the spool, read from
 * there; its ETag is what the next version replaces. */
static int begin_remote(ps_history_session *s)
{
	char sp[4200];
	snprintf(sp, sizeof sp, "%s/base.XXXXXX", ps_storage_spool_dir(s->st));
	int fd = mkostemp(sp, O_CLOEXEC);
	if (fd < 0)
		return ps_err(PS_EIO, "cannot create a spool file in %s: %s", ps_storage_spool_dir(s->st), strerror(errno));
	int rc = ps_storage_fetch(s->st, s->loc.path, fd, s->etag);
	if (rc == PS_ENOTFOUND) {
		s->etag[0] = 0;
		rc = 0;
	} else if (!rc) {
		rc = ps_history_open_reader_in(s->st, sp, &s->base);
		if (rc)
			rc = ps_err_prefix(rc, "the current history object %s does not read, nothing is written over it: ",
			                   s->loc.path);
	}
	unlink(sp);
	if (!rc && s->base)
		s->base_fd = fd;
	else
		close(fd);
	return rc;
}

int ps_history_session_begin(ps_history_session *s, ps_store *st, const char *url)
{
	memset(s, 0, sizeof *s);
	s->st = st;
	s->lock_fd = -1;
	s->base_fd = -1;
	s->remote = ps_storage_remote(st);
	int rc = ps_history_locate(st, url, &s->loc);
	if (rc)
		return rc;
	if ((rc = ps_urlmutex_acquire(st->urlmutex, url, &s->mu)))
		return rc;
	if (s->remote) {
		if ((rc = begin_remote(s)))
			ps_history_session_end(s);
		return rc;
	}
	char lock[4096 + 80];
	snprintf(lock, sizeof lock, "%s/.%s.lock", s->loc.dir, s->loc.hash);
	if (!(rc = ps_mkdirs(st->io, s->loc.dir))) {
		s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (s->lock_fd < 0)
			rc = ps_err(PS_EIO, "cannot open the lock file %s: %s", lock, strerror(errno));
	}
	while (!rc && flock(s->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			rc = ps_err(PS_EIO, "cannot lock %s: %s", lock, strerror(errno));
	if (!rc) {
		struct stat sb;
		if (stat(s->loc.path, &sb) == 0)
			rc = ps_history_open_reader_in(st, s->loc.path, &s->base);
		else if (errno != ENOENT)
			rc = ps_err(PS_EIO, "cannot stat %s: %s", s->loc.path, strerror(errno));
		if (rc)
			rc = ps_err_prefix(rc, "the current history file does not read, nothing is written over it: ");
	}
	if (rc)
		ps_history_session_end(s);
	return rc;
}

void ps_history_session_end(ps_history_session *s)
{
	if (s->base)
		parq_reader_close(s->base);
	s->base = NULL;
	if (s->base_fd >= 0)
		close(s->base_fd);
	s->base_fd = -1;
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	s->lock_fd = -1;
	if (s->mu)
		ps_urlmutex_release(s->st->urlmutex, s->mu);
	s->mu = NULL;
}

/* Is there a record with rec's URL, hash and timestamp in r? */
static int find_dup(parq_reader *r, const ps_history_record *rec, bool *dup)
{
	*dup = false;
	const parq_file_meta *m = parq_reader_metadata(r);
	size_t ulen = strlen(rec->url), hlen = strlen(rec->hash);
	for (int g = 0; g < (int)m->n_row_groups && !*dup; g++) {
		int64_t lo, hi;
		if (ps_history_rg_ts_range(m, g, &lo, &hi) && (rec->timestamp_ms < lo || rec->timestamp_ms > hi))
			continue;
		if (!ps_history_rg_may_hold_url(m, g, rec->url, ulen))
			continue;
		ps_history_cursor c;
		int rc = ps_history_cursor_open(&c, r, PS_H_BIT(PS_H_URL) | PS_H_BIT(PS_H_TIMESTAMP) | PS_H_BIT(PS_H_HASH),
		                                &g, 1, 1024);
		if (rc)
			return rc;
		ps_history_raw raw;
		bool end = false;
		while (!(rc = ps_history_cursor_next(&c, &raw, &end)) && !end) {
			if (raw.ts == rec->timestamp_ms && raw.v[PS_H_URL].len == ulen && raw.v[PS_H_HASH].len == hlen &&
			    memcmp(raw.v[PS_H_URL].ptr, rec->url, ulen) == 0 && memcmp(raw.v[PS_H_HASH].ptr, rec->hash, hlen) == 0) {
				*dup = true;
				break;
			}
		}
		ps_history_cursor_close(&c);
		if (rc)
			return rc;
	}
	return 0;
}

static void stamp_now(char *buf, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, cap, "%04d%02d%02d_%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
}

/* Moves the current file to the archive; the next write begins a new one.
 * Names are unique under the lock: only its holder writes this hash's
 * archive names. */
/* Object storage: the current version put under a new archive name; the
 * next version, which replaces it, must then win its If-Match, or the
 * archive copy is removed again (commit_remote). */
static int rotate_remote(ps_history_session *s, ps_history_write_result *res)
{
	char stamp[32], name[sizeof res->archived];
	stamp_now(stamp, sizeof stamp);
	/* the name is claimed first, so that a copy whose PUT failed without
	 * an answer (it may be stored) is known to be this writer's and is
	 * removed: a copy left behind would hold the records twice */
	unsigned char rnd[16];
	char token[64];
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return ps_err(PS_EIO, "file history: no random bytes for an archive claim");
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	int rc = 0;
	bool claimed = false;
	for (int k = 1; k <= 1000; k++) {
		int len = k == 1 ? snprintf(name, sizeof name, "%s/%s_%s.parquet", s->loc.archive, s->loc.hash, stamp)
		                 : snprintf(name, sizeof name, "%s/%s_%s_%d.parquet", s->loc.archive, s->loc.hash, stamp, k);
		if (len < 0 || (size_t)len >= sizeof name)
			return ps_err(PS_EINVAL, "file history: archive path too long in %s", s->loc.archive);
		if ((rc = ps_storage_claim(s->st, name, token)) == PS_EEXISTS)
			continue;
		if (rc)
			break;
		claimed = true;
		if ((rc = ps_storage_put(s->st, name, s->base_fd, PS_PUT_CLAIMED, NULL, NULL)) != PS_EEXISTS)
			break;
		claimed = false;
	}
	if (rc && claimed) {
		char msg[2048];
		snprintf(msg, sizeof msg, "%s", ps_errmsg());
		ps_storage_delete(s->st, name);
		ps_err(rc, "%s", msg);
	}
	if (rc)
		return ps_err_prefix(rc, "cannot copy %s to the archive: ", s->loc.path);
	parq_reader_close(s->base);
	s->base = NULL;
	memcpy(res->archived, name, sizeof name);
	ps_log_field f[] = {PS_LOG_STR("path", s->loc.path), PS_LOG_STR("archive", name)};
	ps_log(ps_store_logger(s->st), PS_LOG_INFO, f, 2, "file history archived");
	return 0;
}

static int rotate(ps_history_session *s, ps_history_write_result *res)
{
	if (s->remote)
		return rotate_remote(s, res);
	int rc = ps_mkdirs(s->st->io, s->loc.archive);
	if (rc)
		return rc;
	char stamp[32], name[sizeof res->archived];
	stamp_now(stamp, sizeof stamp);
	struct stat sb;
	for (int k = 1;; k++) {
		int len = k == 1 ? snprintf(name, sizeof name, "%s/%s_%s.parquet", s->loc.archive, s->loc.hash, stamp)
		                 : snprintf(name, sizeof name, "%s/%s_%s_%d.parquet", s->loc.archive, s->loc.hash, stamp, k);
		if (len < 0 || (size_t)len >= sizeof name)
			return ps_err(PS_EINVAL, "file history: archive path too long in %s", s->loc.archive);
		if (stat(name, &sb) != 0)
			break;
	}
	if (ps_io_rename(s->st->io, s->loc.path, name, 0) != 0)
		return ps_err(PS_EIO, "cannot move %s to the archive (%s): %s", s->loc.path, name, strerror(errno));
	parq_reader_close(s->base);
	s->base = NULL;
	memcpy(res->archived, name, sizeof name);
	if ((rc = ps_fsync_dir(s->st->io, s->loc.archive)) || (rc = ps_fsync_dir(s->st->io, s->loc.dir)))
		return rc;
	ps_log_field f[] = {PS_LOG_STR("path", s->loc.path), PS_LOG_STR("archive", name)};
	ps_log(ps_store_logger(s->st), PS_LOG_INFO, f, 2, "file history archived");
	return 0;
}

static bool rg_small(const parq_file_meta *m, int g)
{
	return m->row_groups[g].total_byte_size < (int64_t)COMPACT_TARGET;
}

/* Writes the rows of base's row groups [from, to) to w, a few at a time.
 * A record whose pages fail their checksums or whose content does not
 * match its hash is not re-encoded (that would make the damage look
 * sound): the merge stops with an error naming it. */
static int merge_rows(parq_reader *base, int from, int to, parq_writer *w, bool *damaged)
{
	*damaged = false;
	int n = to - from, *rgs = malloc((size_t)(n ? n : 1) * sizeof *rgs);
	if (!rgs)
		return ps_err_nomem();
	for (int i = 0; i < n; i++)
		rgs[i] = from + i;
	ps_history_cursor c;
	int rc = ps_history_cursor_open(&c, base, PS_H_ALL, rgs, n, MERGE_BATCH);
	free(rgs);
	if (rc) {
		*damaged = rc != PS_ENOMEM;
		return rc;
	}
	const parq_file_meta *m = parq_reader_metadata(base);
	const char *name = parq_reader_name(base);
	int g = from;
	int64_t g_start = 0; /* cursor index of row group g's first row */
	ps_history_raw rows[MERGE_BATCH];
	ps_history_cols cols = {0};
	size_t k = 0;
	for (;;) {
		/* the views die when the cursor loads its next batch: write first */
		if (k && c.row >= c.rows) {
			if ((rc = ps_history_cols_build_raw(&cols, rows, k)))
				break;
			if ((rc = parq_writer_write(w, cols.col, (int64_t)k))) {
				rc = ps_err_from_parq(rc, NULL);
				break;
			}
			k = 0;
		}
		bool end;
		while (g < to - 1 && c.index >= g_start + m->row_groups[g].num_rows)
			g_start += m->row_groups[g++].num_rows;
		if ((rc = ps_history_cursor_next(&c, &rows[k], &end))) {
			*damaged = rc != PS_ENOMEM && rc != PS_ECANCELED;
			char urls[2200];
			ps_history_rg_urls(m, g, urls, sizeof urls);
			if (rc != PS_ENOMEM && !strstr(ps_errmsg(), "row group"))
				rc = ps_err_prefix(rc, "row group %d%s: ", g, urls);
			else if (rc != PS_ENOMEM) {
				char msg[2048]; /* the message, copied: it is rewritten */
				snprintf(msg, sizeof msg, "%s", ps_errmsg());
				rc = ps_err(rc, "%s%s", msg, urls);
			}
			break;
		}
		if (end)
			break;
		bool checked;
		if ((rc = ps_history_raw_check(name, g, c.index - 1 - g_start, &rows[k], &checked))) {
			*damaged = rc == PS_ECORRUPT;
			break;
		}
		k++;
	}
	ps_history_cols_free(&cols);
	ps_history_cursor_close(&c);
	return rc;
}

/* The codec and level of a history file of about `bytes` bytes: the
 * history's own compression_codec, else the store's (docs/config.md). */
void ps_history_codec(const ps_config *cfg, size_t bytes, int *codec, int *level)
{
	int hc = cfg->history.compression_codec;
	if (!cfg->history.enable_compression) {
		*codec = PARQ_CODEC_UNCOMPRESSED;
		*level = 0;
	} else if (hc == PS_CODEC_CONFIG) {
		ps_config_codec_for(cfg, bytes, codec, level);
	} else if (hc == PS_CODEC_AUTO) {
		ps_config_auto_codec(bytes, codec, level);
	} else {
		*codec = hc;
		*level = 0;
	}
}

static void writer_options(const ps_store *st, size_t bytes, parq_writer_options *po, parq_column_options *co,
                           parq_io *pio)
{
	parq_writer_options_default(po);
	int codec, level;
	ps_history_codec(&st->cfg, bytes, &codec, &level);
	po->codec = (parq_codec)codec;
	po->compression_level = level;
	po->row_group_bytes = COMPACT_TARGET;
	po->row_group_rows = (int64_t)1 << 40;
	/* URLs share long prefixes; longer bounds keep the url statistics useful */
	po->statistics_max_bytes = 512;
	/* every page carries its CRC-32, checked on every read: a damaged
	 * version is refused, not returned, merged or diffed against */
	po->page_crc = true;
	/* contents, diffs and paths are neither looked up by value nor
	 * repeated exactly, but successive versions of a file are mostly the
	 * same: pages of many versions, compressed with long-distance
	 * matching, store each version after the first of a page in about
	 * the size of its changes (docs/format.md) */
	const int big[3] = {PS_H_CONTENT, PS_H_DIFF, PS_H_PATHS};
	for (int k = 0; k < 3; k++) {
		parq_column_options_default(&co[k], big[k]);
		co[k].dictionary = 0;
		co[k].statistics_off = true;
		co[k].page_bytes = BIG_PAGE;
		co[k].long_match = true;
	}
	po->columns = co;
	po->n_columns = 3;
	po->io = ps_io_parq(st->io, pio);
}

/* Object storage: the next version put over the one the session began
 * from (If-Match on its ETag), or as the first (If-None-Match).
 * PS_ECONFLICT when another writer came first: an archive copy this
 * session made is removed, and nothing of it remains. */
/* The MD5 of fd's bytes in hex (a single-part object's ETag); "" when
 * they do not read. */
static void fd_md5(int fd, char hex[33])
{
	hex[0] = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	bool ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1;
	for (off_t off = 0; ok;) {
		ssize_t r = pread(fd, buf, sizeof buf, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = r == 0;
			break;
		}
		ok = EVP_DigestUpdate(c, buf, (size_t)r) == 1;
		off += r;
	}
	if (ok && EVP_DigestFinal_ex(c, md, &len) == 1 && len == 16)
		for (unsigned i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
}

/* After a failed PUT of the next version that was no conflict (the
 * retries ran out, perhaps after the version was stored): may the archive
 * copy go? Only when the object is still the version the session began
 * from (nothing was stored) or another writer's (that one won). When it
 * is this version, or when nothing answers, the copy stays: it holds the
 * records the version replaced. */
static bool archive_copy_unneeded(ps_history_session *s, const char *md5)
{
	char etag[PS_ETAG_MAX];
	char msg[2048];
	snprintf(msg, sizeof msg, "%s", ps_errmsg());
	int src = ps_storage_stat(s->st, s->loc.path, NULL, etag);
	ps_err(PS_EIO, "%s", msg);
	if (src)
		return false;
	return !*md5 ? !strcmp(etag, s->etag) : strcasecmp(etag, md5) != 0;
}

static int commit_remote(ps_history_session *s, ps_tmpfile *t, ps_history_write_result *res, bool *placed)
{
	int fd = t->fd;
	t->fd = -1;
	char md5[33] = "";
	if (res->archived[0])
		fd_md5(fd, md5);
	int rc = ps_storage_put(s->st, s->loc.path, fd, s->etag[0] ? PS_PUT_IF_MATCH : PS_PUT_NEW,
	                        s->etag[0] ? s->etag : NULL, NULL);
	close(fd);
	ps_tmpfile_discard(t);
	if (rc == PS_EEXISTS)
		rc = ps_err(PS_ECONFLICT, "%s was created by another writer", s->loc.path);
	if (rc && res->archived[0] && (rc == PS_ECONFLICT || archive_copy_unneeded(s, md5))) {
		char msg[2048];
		snprintf(msg, sizeof msg, "%s", ps_errmsg());
		if (ps_storage_delete(s->st, res->archived) == 0)
			res->archived[0] = 0;
		ps_err(rc, "%s", msg);
	}
	*placed = rc == 0;
	return rc;
}

/* fsync, close, rename into place, fsync the directory. *placed tells
 * whether the new version replaced the old one (also on error). */
static int commit(ps_history_session *s, ps_tmpfile *t, bool *placed)
{
	*placed = false;
	const char *what = "fsync";
	if (ps_io_fsync(t->io, t->fd) != 0)
		goto fail;
	what = "close";
	int fd = t->fd;
	t->fd = -1;
	if (ps_io_close(t->io, fd) != 0)
		goto fail;
	what = "rename";
	if (ps_io_rename(t->io, t->path, s->loc.path, 0) != 0)
		goto fail;
	t->path[0] = 0;
	*placed = true;
	/* the new version is in place; a failure now is reported, and a retry
	 * finds the record and skips it */
	return ps_fsync_dir(t->io, s->loc.dir);
fail:;
	int e = errno;
	int rc = ps_err(PS_EIO, "%s of %s (new version of %s): %s", what, t->path, s->loc.path, strerror(e));
	ps_tmpfile_discard(t);
	return rc;
}

static void fill_result(ps_history_session *s, ps_history_write_result *res, parq_reader *r)
{
	snprintf(res->path, sizeof res->path, "%s", s->loc.path);
	if (!r)
		return;
	res->bytes = parq_reader_file_size(r);
	res->row_groups = parq_reader_num_row_groups(r);
	res->records = parq_reader_num_rows(r);
}

int ps_history_session_append(ps_history_session *s, const ps_history_record *rec, bool force_compact,
                              ps_history_write_result *res)
{
	ps_history_write_result scratch;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof *res);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const ps_history_config *hc = &s->st->cfg.history;
	int rc;
	if (rec && s->base) {
		bool dup;
		if ((rc = find_dup(s->base, rec, &dup)))
			return rc;
		if (dup) {
			fill_result(s, res, s->base);
			return 0;
		}
	}
	ps_tmpfile tmp;
	bool have_tmp = false, no_merge = false;
again:;
	/* merge the trailing run of small row groups once it is long enough */
	int nrg = s->base ? parq_reader_num_row_groups(s->base) : 0, keep = -1;
	if (s->base) {
		const parq_file_meta *m = parq_reader_metadata(s->base);
		int first = nrg;
		while (first > 0 && rg_small(m, first - 1))
			first--;
		int small = nrg - first;
		bool merge = force_compact ? small > 1
		                           : hc->compaction_threshold > 0 && small + (rec ? 1 : 0) > hc->compaction_threshold;
		if (merge && !no_merge)
			keep = first;
	}
	if (!rec && keep < 0) {
		fill_result(s, res, s->base);
		return 0; /* nothing to merge */
	}
	if (!have_tmp && (rc = tmp_create(s->st, &s->loc, &tmp)))
		return rc;
	have_tmp = true;
	parq_schema *schema = ps_history_schema_new();
	parq_writer *w = NULL;
	parq_writer_options po;
	parq_column_options co[3];
	parq_io pio;
	size_t bytes = (s->base ? (size_t)parq_reader_file_size(s->base) : 0) + (rec ? rec->content_len : 0);
	writer_options(s->st, bytes, &po, co, &pio);
	if (!schema) {
		rc = PS_ENOMEM;
	} else {
		int prc = s->base ? parq_writer_open_append(&w, s->base, keep, tmp.fd, tmp.path, schema, &po)
		                  : parq_writer_open_fd(&w, tmp.fd, tmp.path, schema, &po);
		if (prc)
			rc = ps_err_from_parq(prc, NULL);
	}
	if (!rc && ((rc = parq_writer_set_kv(w, "probestore.schema_version", SCHEMA_VERSION)) ||
	            (rc = parq_writer_set_kv(w, "probestore.kind", "file_history")) ||
	            (rc = parq_writer_set_kv(w, "probestore.url_hash", s->loc.hash))))
		rc = ps_err_from_parq(rc, NULL);
	/* the merged rows make a row group of their own, so that the newest
	 * record, which lookups want most, stays small and quick to read */
	bool damaged = false;
	if (!rc && keep >= 0 && !(rc = merge_rows(s->base, keep, nrg, w, &damaged)) && rec &&
	    (rc = parq_writer_flush_row_group(w)))
		rc = ps_err_from_parq(rc, NULL);
	if (rc && damaged && w) {
		/* a damaged record is never re-encoded: an explicit compaction
		 * fails naming it, a store appends without merging (the damage
		 * stays where verify finds it) */
		parq_writer_abort(w);
		w = NULL;
		parq_schema_free(schema);
		if (!rec || force_compact) {
			rc = ps_err_prefix(rc, "compaction of %s refused, nothing was rewritten: ", s->loc.path);
			ps_tmpfile_discard(&tmp);
			return rc;
		}
		ps_log_field lf[] = {PS_LOG_STR("path", s->loc.path), PS_LOG_STR("error", ps_errmsg())};
		ps_log(ps_store_logger(s->st), PS_LOG_WARN, lf, 2, "file history not compacted: a record is damaged");
		if (ftruncate(tmp.fd, 0) != 0 || lseek(tmp.fd, 0, SEEK_SET) != 0) {
			rc = ps_err(PS_EIO, "cannot empty %s: %s", tmp.path, strerror(errno));
			ps_tmpfile_discard(&tmp);
			return rc;
		}
		no_merge = true;
		rc = 0;
		goto again;
	}
	if (!rc && rec) {
		ps_history_cols cols = {0};
		if (!(rc = ps_history_cols_build(&cols, rec, 1)) && (rc = parq_writer_write(w, cols.col, 1)))
			rc = ps_err_from_parq(rc, NULL);
		ps_history_cols_free(&cols);
	}
	if (w) {
		if (rc) {
			parq_writer_abort(w);
		} else if ((rc = parq_writer_close(w, NULL))) {
			rc = ps_err_from_parq(rc, NULL);
		}
	}
	parq_schema_free(schema);
	/* the next version would pass max_file_size: the current file goes to
	 * the archive and the record begins a new one. Measured on the version
	 * written (row group, page and footer overhead, compression), not
	 * guessed from the record's bytes; a record too large for any file
	 * still gets one of its own. */
	if (!rc && rec && s->base && hc->enable_archive && hc->max_file_size > 0 && parq_reader_num_rows(s->base) > 0) {
		struct stat sb;
		if (fstat(tmp.fd, &sb) != 0) {
			rc = ps_err(PS_EIO, "cannot stat %s: %s", tmp.path, strerror(errno));
		} else if ((uint64_t)sb.st_size > hc->max_file_size) {
			/* the temporary file is emptied and written again */
			if (ftruncate(tmp.fd, 0) != 0 || lseek(tmp.fd, 0, SEEK_SET) != 0) {
				rc = ps_err(PS_EIO, "cannot empty %s: %s", tmp.path, strerror(errno));
			} else if ((rc = rotate(s, res)) == 0) {
				goto again;
			}
			ps_tmpfile_discard(&tmp);
			return rc;
		}
	}
	bool placed = false;
	parq_reader *now = NULL;
	if (!rc && s->remote) {
		/* what the result reports, from the spool copy before it goes */
		if (ps_history_open_reader_in(NULL, tmp.path, &now) == 0) {
			fill_result(s, res, now);
			parq_reader_close(now);
		}
		rc = commit_remote(s, &tmp, res, &placed);
	} else if (!rc) {
		rc = commit(s, &tmp, &placed);
	} else {
		ps_tmpfile_discard(&tmp);
	}
	if (rc) {
		/* in place but perhaps not durable: the record is there */
		res->stored = placed && rec != NULL;
		return rc;
	}
	res->stored = rec != NULL;
	res->compacted = keep >= 0;
	if (s->remote) {
		snprintf(res->path, sizeof res->path, "%s", s->loc.path);
	} else if (parq_reader_open(&now, s->loc.path, NULL) == 0) {
		fill_result(s, res, now);
		parq_reader_close(now);
	} else {
		snprintf(res->path, sizeof res->path, "%s", s->loc.path);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ps_log_field f[] = {PS_LOG_STR("path", s->loc.path), PS_LOG_INT("bytes", res->bytes),
	                    PS_LOG_INT("row_groups", res->row_groups), PS_LOG_BOOL("compacted", res->compacted)};
	ps_log(ps_store_logger(s->st), PS_LOG_DEBUG, f, 4, rec ? "file history record stored" : "file history compacted");
	return 0;
}

/* ---- public entry points ---- */

int ps_history_cas_wait(int attempt, const char *path)
{
	if (attempt >= PS_HISTORY_CAS_ATTEMPTS)
		return ps_err(PS_ECONFLICT, "%s: other writers replaced it %d times in a row; nothing was written",
		              path, PS_HISTORY_CAS_ATTEMPTS);
	/* 10 ms doubled per attempt, at most 1 s, fully jittered */
	unsigned cap = 10u << (attempt < 7 ? attempt : 7);
	if (cap > 1000)
		cap = 1000;
	unsigned r;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (unsigned)attempt * 7919u;
	struct timespec ts = {0, (long)(r % (cap + 1)) * 1000000L};
	nanosleep(&ts, NULL);
	return 0;
}

void ps_history_log_conflict(ps_store *st, const char *url, int attempt)
{
	ps_log_field f[] = {PS_LOG_STR("url", url), PS_LOG_INT("attempt", attempt), PS_LOG_STR("error", ps_errmsg())};
	ps_log(ps_store_logger(st), PS_LOG_DEBUG, f, 3, "file history replaced by another writer first, trying again");
}

static int store_once(ps_store *st, const ps_history_record *rec, ps_history_write_result *res);

int ps_history_store(ps_store *st, const ps_history_record *rec, ps_history_write_result *res)
{
	int rc;
	for (int attempt = 1;; attempt++) {
		if ((rc = store_once(st, rec, res)) != PS_ECONFLICT)
			return rc;
		ps_history_log_conflict(st, rec ? rec->url : NULL, attempt);
		if ((rc = ps_history_cas_wait(attempt, res ? res->path : "file history")))
			return rc;
	}
}

static int store_once(ps_store *st, const ps_history_record *rec, ps_history_write_result *res)
{
	if (res)
		memset(res, 0, sizeof *res);
	ps_arena a = {0};
	ps_history_record v;
	int rc = ps_history_validate(st, rec, &a, &v);
	ps_history_session s;
	if (!rc && !(rc = ps_history_session_begin(&s, st, v.url))) {
		rc = ps_history_session_append(&s, &v, false, res);
		ps_history_session_end(&s);
	}
	ps_arena_free(&a);
	return rc;
}

static int compact_once(ps_store *st, const char *url, ps_history_write_result *res);

int ps_history_compact(ps_store *st, const char *url, ps_history_write_result *res)
{
	int rc;
	for (int attempt = 1;; attempt++) {
		if ((rc = compact_once(st, url, res)) != PS_ECONFLICT)
			return rc;
		ps_history_log_conflict(st, url, attempt);
		if ((rc = ps_history_cas_wait(attempt, url)))
			return rc;
	}
}

static int compact_once(ps_store *st, const char *url, ps_history_write_result *res)
{
	if (res)
		memset(res, 0, sizeof *res);
	/* a URL without history is named as such, and gets no directory and
	 * no lock file from a compaction */
	char hash[80];
	int rc = ps_history_last_hash(st, url, hash, sizeof hash);
	if (rc == PS_ENOTFOUND)
		return ps_err(PS_ENOTFOUND, "file history: no record of %s, nothing to compact", url);
	if (rc && rc != PS_ENOMEM && rc != PS_EINVAL) {
		/* an archived file that does not read does not stop the merge of
		 * the current file, which is all compaction rewrites; a current
		 * file that does not read fails below, naming it */
		char path[4096];
		if (ps_history_path(st, url, path, sizeof path) == 0 && ps_storage_stat(st, path, NULL, NULL) == 0)
			rc = 0;
	}
	if (rc)
		return rc;
	ps_history_session s;
	if ((rc = ps_history_session_begin(&s, st, url)))
		return rc;
	/* without a current file (all of it archived) there is nothing to
	 * merge: res->path stays "" */
	if (s.base)
		rc = ps_history_session_append(&s, NULL, true, res);
	ps_history_session_end(&s);
	return rc;
}
