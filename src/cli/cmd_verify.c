/* probestore verify: every Parquet file under the data directory read back
 * in full, history records checked against their hashes; the temporary
 * files of writers that are gone reported (and removed with --repair), the
 * files that do not read moved to <base>/quarantine (--quarantine). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "parq/parq.h"

static const char usage[] =
	"usage: probestore verify [--verbose] [--repair] [--quarantine]\n\n"
	"Reads every Parquet file under the data directory in full: every page of every\n"
	"column decoded and every row assembled, page checksums checked where present;\n"
	"scan files are also read as probe results, and every file history record's hash\n"
	"is compared with its content. Reports each file that does not read\n"
	"back, with the reason, on standard error, then a summary. Also lists the\n"
	"temporary files (.NAME.tmp...) that writers left behind when they were killed,\n"
	"telling those a live writer still holds from those nobody holds.\n"
	"Files under DIR/quarantine are not read.\n\n"
	"Exit status: 0 when every file reads back, 1 when a file does not (also when\n"
	"--quarantine moved it), 2 on a usage error. Temporary files alone do not\n"
	"change the status.\n\n"
	"Options:\n"
	"  -v, --verbose  also list every file that reads back, with its rows\n"
	"  --repair       remove the temporary files that no live writer holds\n"
	"  --quarantine   move each scan or history file that does not read back to\n"
	"                 DIR/quarantine/<its path under DIR>, where no listing or\n"
	"                 query looks; a history file is checked again and moved under\n"
	"                 its URL's lock\n";

typedef struct verify {
	bool verbose, repair, quarantine;
	bool remote;        /* the store is on object storage */
	int64_t files, rows, bad, gone;
	int64_t tmp_stale, tmp_live, tmp_removed, moved, quarantined_before;
	const char *base;
	char **bad_paths;   /* scan and history files that did not read back */
	size_t n_bad_paths;
	char **tmps;        /* temporary files found */
	size_t n_tmps;
	strbuf out;
} verify;

static void push(char ***v, size_t *n, const char *s)
{
	*v = cli_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = cli_xstrdup(s);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* Every row of any Parquet file of the store (a local file or an
 * object). The error's message is ps_errmsg() when the file did not
 * open, parq_errmsg() when its rows did not read; it is returned. */
static const char *read_parquet(const ps_store *st, const char *path, int64_t *rows)
{
	parq_reader *r;
	if (ps_store_open_parquet(st, path, &r))
		return ps_errmsg();
	parq_row_reader *rr;
	if (parq_row_reader_open(&rr, r, NULL, 0)) {
		parq_reader_close(r);
		return parq_errmsg();
	}
	const parq_value *row;
	int rc;
	*rows = 0;
	while (!(rc = parq_row_reader_next(rr, &row)) && row)
		(*rows)++;
	parq_row_reader_close(rr);
	parq_reader_close(r);
	return rc ? parq_errmsg() : NULL;
}

/* A scan file read as probe results: the schema checked and every result
 * converted, as queries would read it. */
static int read_scan(const ps_store *st, const char *path, int64_t *rows)
{
	ps_probe_iter *it;
	if (ps_store_probe_iter_open(&it, st, path))
		return -1;
	const ps_probe_result *r;
	int rc;
	*rows = 0;
	while (!(rc = ps_probe_iter_next(it, &r)) && r)
		(*rows)++;
	ps_probe_iter_close(it);
	return rc ? -1 : 0;
}

/* A file listed but no longer there was moved while the store is in use:
 * a history file to its archive (where the walk meets it, the archive
 * coming after the file), a scan replaced. Not damage; counted apart. */
static bool vanished(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) != 0 && errno == ENOENT;
}

static void check_file(verify *v, ps_store *st, const char *path, bool scan, bool history)
{
	int64_t rows = 0, probes;
	/* libparq's and the store's messages name the file; a history file's
	 * records are checked first, against their hashes too, so that its
	 * message names the row group's URL */
	const char *err = history && ps_history_verify(st, path, NULL, NULL) ? ps_errmsg() : NULL;
	if (!err)
		err = read_parquet(st, path, &rows);
	if (!err && scan && read_scan(st, path, &probes))
		err = ps_errmsg();
	if (err && !v->remote && vanished(path)) {
		v->gone++;
		return;
	}
	v->files++;
	if (err) {
		cli_error("%s", err);
		v->bad++;
		if (scan || history)
			push(&v->bad_paths, &v->n_bad_paths, path);
		return;
	}
	v->rows += rows;
	if (v->verbose)
		sb_printf(&v->out, "ok  %s (%" PRId64 " row%s)\n", path, rows, rows == 1 ? "" : "s");
}

/* A writer's temporary file: .<name>.tmp.XXXXXX (atomic_file.c) or a
 * history file's next version .<urlhash>.parquet.tmp. */
static bool is_tmp_name(const char *name)
{
	return name[0] == '.' && strstr(name, ".tmp") != NULL;
}

/* Regular files under path (recursively). */
static int64_t count_files(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int64_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[8192];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		struct stat sb;
		if (lstat(sub, &sb) == 0)
			n += S_ISDIR(sb.st_mode) ? count_files(sub) : 1;
	}
	closedir(d);
	return n;
}

static bool is_scan_name(const char *name)
{
	return !strncmp(name, "scan_", 5) && has_suffix(name, ".parquet");
}

static int walk(verify *v, ps_store *st, const char *dir, bool in_probe_results, bool in_history)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		cli_error("cannot list %s: %s", dir, strerror(errno));
		v->bad++;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			free(ents[i]);
			continue;
		}
		size_t len = strlen(dir) + strlen(name) + 2;
		char *path = malloc(len);
		if (!path) {
			cli_error("out of memory");
			for (; i < n; i++)
				free(ents[i]);
			free(ents);
			return -1;
		}
		snprintf(path, len, "%s/%s", dir, name);
		struct stat sb;
		bool top = !strcmp(dir, v->base);
		if (top && !strcmp(name, "quarantine")) {
			v->quarantined_before += count_files(path);
		} else if (lstat(path, &sb) != 0) {
			if (errno == ENOENT) {
				v->gone += has_suffix(name, ".parquet");
			} else {
				cli_error("%s: %s", path, strerror(errno));
				v->bad++;
			}
		} else if (S_ISDIR(sb.st_mode)) {
			walk(v, st, path, in_probe_results || !strcmp(name, "probe_results"),
			     in_history || !strcmp(name, "file_history"));
		} else if (S_ISREG(sb.st_mode) && is_tmp_name(name)) {
			push(&v->tmps, &v->n_tmps, path);
		} else if (S_ISREG(sb.st_mode) && has_suffix(name, ".parquet")) {
			check_file(v, st, path, in_probe_results && is_scan_name(name), in_history && name[0] != '.');
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/* The walk over object storage: the keys by prefix, a level at a time. No
 * temporary files live there (writers put whole objects), nor locks. */
typedef struct remote_walk {
	verify *v;
	ps_store *st;
	const char *dir;
	bool in_probe_results, in_history;
	char **subdirs, **files;
	size_t n_subdirs, n_files;
} remote_walk;

static int remote_entry(void *ud, const ps_store_entry *e)
{
	remote_walk *w = ud;
	if (e->is_dir)
		push(&w->subdirs, &w->n_subdirs, e->name);
	else if (has_suffix(e->name, ".parquet"))
		push(&w->files, &w->n_files, e->name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = cli_xcalloc(n, 1);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void walk_remote(verify *v, ps_store *st, const char *dir, bool in_probe_results, bool in_history)
{
	remote_walk w = {v, st, dir, in_probe_results, in_history, NULL, NULL, 0, 0};
	if (ps_store_list_dir(st, dir, remote_entry, &w)) {
		cli_error("%s", ps_errmsg());
		v->bad++;
	}
	qsort(w.files, w.n_files, sizeof *w.files, cmp_name);
	qsort(w.subdirs, w.n_subdirs, sizeof *w.subdirs, cmp_name);
	for (size_t i = 0; i < w.n_files; i++) {
		char *path = join(dir, w.files[i]);
		check_file(v, st, path, in_probe_results && is_scan_name(w.files[i]), in_history);
		free(path);
		free(w.files[i]);
	}
	for (size_t i = 0; i < w.n_subdirs; i++) {
		const char *name = w.subdirs[i];
		char *path = join(dir, name);
		/* ".claims" holds the markers of scan names, not Parquet */
		if (strcmp(name, ".claims"))
			walk_remote(v, st, path, in_probe_results || !strcmp(name, "probe_results"),
			            in_history || !strcmp(name, "file_history"));
		free(path);
		free(w.subdirs[i]);
	}
	free(w.files);
	free(w.subdirs);
}

/* For a history file DIR/<hash>.parquet, DIR/.<hash>.parquet.tmp or
 * DIR/archive/<hash>_<stamp>.parquet: the URL's lock file DIR/.<hash>.lock.
 * False for other paths. */
static bool history_lock_of(const char *path, char *lock, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !strstr(path, "/file_history/"))
		return false;
	const char *name = slash + 1;
	size_t dirlen = (size_t)(slash - path);
	if (dirlen >= 8 && !strncmp(slash - 8, "/archive", 8))
		dirlen -= 8;
	const char *start = name + (name[0] == '.');
	size_t hl = 0;
	while ((start[hl] >= '0' && start[hl] <= '9') || (start[hl] >= 'a' && start[hl] <= 'f'))
		hl++;
	if (!hl || hl > 64 || (start[hl] != '.' && start[hl] != '_'))
		return false;
	return (size_t)snprintf(lock, cap, "%.*s/.%.*s.lock", (int)dirlen, path, (int)hl, start) < cap;
}

/* Takes an exclusive flock on path: 1 taken (*fd holds it), 0 held by
 * another process (a live writer, or a reader of that history), -1 when
 * path does not open (*fd -1: nothing holds what is not there). */
static int try_lock(const char *path, bool wait, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -1;
	while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		if (errno == EINTR)
			continue;
		close(*fd);
		*fd = -1;
		return 0;
	}
	return 1;
}

/* A temporary file: held by a live writer (its flock on the file, or for
 * a history file the URL's lock), or left by one that is gone; removed with
 * --repair while the lock is held, so that no writer starts on it. */
static void check_tmp(verify *v, const char *path)
{
	char lock[4096 + 80];
	bool hist = history_lock_of(path, lock, sizeof lock);
	int fd, got = try_lock(hist ? lock : path, false, &fd);
	if (got < 0 && !hist) {
		v->gone++; /* committed or removed by its writer meanwhile */
		return;
	}
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		v->gone++;
		return;
	}
	if (got == 0) {
		v->tmp_live++;
		sb_printf(&v->out, "temporary file %s (%lld bytes): in use (its lock is held), kept\n", path,
		          (long long)sb.st_size);
		return;
	}
	v->tmp_stale++;
	if (v->repair) {
		if (unlink(path) == 0) {
			v->tmp_removed++;
			sb_printf(&v->out, "temporary file %s (%lld bytes): left by a writer that is gone, removed\n", path,
			          (long long)sb.st_size);
		} else {
			cli_error("cannot remove the temporary file %s: %s", path, strerror(errno));
		}
	} else {
		sb_printf(&v->out, "temporary file %s (%lld bytes): left by a writer that is gone (--repair removes it)\n",
		          path, (long long)sb.st_size);
	}
	if (fd >= 0)
		close(fd);
}

/* mkdir -p of path's parent directories. */
static int make_parents(const char *path)
{
	char buf[8192];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Moves a scan or history file that did not read back to
 * <base>/quarantine/<its path under base> (a number appended when that
 * name is taken). A history file is moved under its URL's lock, after
 * being checked again: a writer may have replaced it meanwhile. */
static void quarantine(verify *v, ps_store *st, const char *path)
{
	size_t bl = strlen(v->base);
	if (strncmp(path, v->base, bl) != 0 || path[bl] != '/')
		return;
	char lock[4096 + 80], dest[8192];
	int fd = -1;
	if (history_lock_of(path, lock, sizeof lock)) {
		if (try_lock(lock, true, &fd) < 0) {
			cli_error("cannot lock %s to move %s: %s", lock, path, strerror(errno));
			return;
		}
		int64_t rows;
		if (!read_parquet(st, path, &rows) && !ps_history_verify(st, path, NULL, NULL)) {
			sb_printf(&v->out, "%s reads back now (replaced by a writer), not moved\n", path);
			close(fd);
			return;
		}
	}
	snprintf(dest, sizeof dest, "%s/quarantine%s", v->base, path + bl);
	struct stat sb;
	for (int k = 2; lstat(dest, &sb) == 0 && k < 1000; k++)
		snprintf(dest, sizeof dest, "%s/quarantine%s.%d", v->base, path + bl, k);
	if (make_parents(dest) != 0 || rename(path, dest) != 0)
		cli_error("cannot move %s to %s: %s", path, dest, strerror(errno));
	else {
		v->moved++;
		sb_printf(&v->out, "moved %s to %s\n", path, dest);
	}
	if (fd >= 0)
		close(fd);
}

static int run(const cli_global *gl, int argc, char **argv)
{
	verify v = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			v.verbose = true;
		else if (!strcmp(argv[i], "--repair"))
			v.repair = true;
		else if (!strcmp(argv[i], "--quarantine"))
			v.quarantine = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("verify", "unknown option '%s'", argv[i]);
		else
			return cli_usage_error("verify", "unexpected argument '%s'", argv[i]);
	}
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	const char *base = ps_store_base_path(st);
	v.base = base;
	v.remote = !strncmp(base, "s3://", 5);
	if (v.remote && (v.repair || v.quarantine)) {
		cli_error("verify: --repair and --quarantine work on a local data directory; on object storage, "
		          "remove a damaged object with the storage's own tools");
		cli_store_close(st);
		return EXIT_USAGE;
	}
	if (v.remote)
		walk_remote(&v, st, base, false, false);
	else if (walk(&v, st, base, false, false)) {
		cli_store_close(st);
		sb_free(&v.out);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < v.n_tmps; i++)
		check_tmp(&v, v.tmps[i]);
	for (size_t i = 0; v.quarantine && i < v.n_bad_paths; i++)
		quarantine(&v, st, v.bad_paths[i]);
	for (size_t i = 0; i < v.n_tmps; i++)
		free(v.tmps[i]);
	for (size_t i = 0; i < v.n_bad_paths; i++)
		free(v.bad_paths[i]);
	free(v.tmps);
	free(v.bad_paths);
	if (v.bad)
		sb_printf(&v.out, "%" PRId64 " of %" PRId64 " files in %s do not read back\n", v.bad, v.files, base);
	else
		sb_printf(&v.out, "%" PRId64 " file%s in %s read back (%" PRId64 " row%s)\n", v.files, v.files == 1 ? "" : "s",
		          base, v.rows, v.rows == 1 ? "" : "s");
	if (v.gone)
		sb_printf(&v.out, "%" PRId64 " file%s moved or removed while being read (not counted)\n", v.gone,
		          v.gone == 1 ? "" : "s");
	if (v.moved)
		sb_printf(&v.out, "%" PRId64 " file%s moved to %s/quarantine\n", v.moved, v.moved == 1 ? "" : "s", base);
	if (v.tmp_stale || v.tmp_live)
		sb_printf(&v.out, "%" PRId64 " temporary file%s left by writers that are gone (%" PRId64 " removed), %" PRId64
		          " in use\n", v.tmp_stale, v.tmp_stale == 1 ? "" : "s", v.tmp_removed, v.tmp_live);
	if (v.quarantined_before)
		sb_printf(&v.out, "%" PRId64 " file%s in %s/quarantine not read\n", v.quarantined_before,
		          v.quarantined_before == 1 ? "" : "s", base);
	rc = cli_write(v.out.data, v.out.len) && !v.bad ? EXIT_OK : EXIT_RUNTIME;
	sb_free(&v.out);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_verify = {"verify", "read every file in the data directory back", usage, run};
