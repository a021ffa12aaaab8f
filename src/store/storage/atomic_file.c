#include "storage/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.h"
#include "storage/store_io.h"

int ps_mkdirs(const ps_store_io *io, const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return ps_err(PS_EINVAL, "directory name '%s' is empty or too long", path);
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	/* most often only the last component is missing (a new target's
	 * directory): one mkdir, not one per component */
	if (ps_io_mkdir(io, path, 0777) == 0)
		return 0;
	if (errno != ENOENT && errno != EEXIST)
		return ps_err(PS_EIO, "cannot create directory %s: %s", path, strerror(errno));
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (ps_io_mkdir(io, buf, 0777) != 0 && errno != EEXIST) {
			if (i == n)
				return ps_err(PS_EIO, "cannot create directory %s: %s", buf, strerror(errno));
			return ps_err(PS_EIO, "cannot create directory %s (making %s): %s", buf, path, strerror(errno));
		}
		buf[i] = c;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ps_err(PS_EIO, "%s is not a directory", path);
	return 0;
}

int ps_fsync_dir(const ps_store_io *io, const char *dir)
{
	int fd = ps_io_open(io, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return ps_err(PS_EIO, "cannot open directory %s to fsync it: %s", dir, strerror(errno));
	int rc = ps_io_fsync(io, fd);
	int e = errno;
	ps_io_close(io, fd);
	/* some file systems cannot sync a directory and say so with EINVAL */
	if (rc != 0 && e != EINVAL)
		return ps_err(PS_EIO, "fsync of directory %s: %s", dir, strerror(e));
	return 0;
}

mode_t ps_file_mode(void)
{
	/* umask(2) can only be read by setting it, which would race with the
	 * process's other threads; Linux shows it in /proc/self/status */
	FILE *f = fopen("/proc/self/status", "re");
	if (f) {
		char line[256];
		unsigned mask;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Umask: %o", &mask) == 1) {
				fclose(f);
				return (mode_t)(0666 & ~mask);
			}
		fclose(f);
	}
	mode_t mask = umask(022);
	umask(mask);
	return 0666 & ~mask;
}

int ps_tmpfile_create(ps_tmpfile *t, const ps_store_io *io, const char *dir, const char *hint, mode_t mode)
{
	t->fd = -1;
	t->io = io;
	t->path[0] = 0;
	if ((size_t)snprintf(t->dir, sizeof t->dir, "%s", dir) >= sizeof t->dir ||
	    (size_t)snprintf(t->path, sizeof t->path, "%s/.%s.tmp.XXXXXX", dir, hint) >= sizeof t->path) {
		t->path[0] = 0;
		return ps_err(PS_EINVAL, "path too long in %s", dir);
	}
	t->fd = ps_io_mkostemp(io, t->path, O_CLOEXEC);
	if (t->fd < 0 && errno == ENOENT && ps_mkdirs(io, dir) == 0) {
		/* a writer that gave up removed the directory it had made just
		 * as this one found it there: make it again */
		snprintf(t->path, sizeof t->path, "%s/.%s.tmp.XXXXXX", dir, hint);
		t->fd = ps_io_mkostemp(io, t->path, O_CLOEXEC);
	}
	if (t->fd < 0) {
		int e = errno;
		ps_err(PS_EIO, "cannot create the temporary file %s: %s", t->path, strerror(e));
		t->path[0] = 0; /* nothing to remove */
		return PS_EIO;
	}
	/* mkostemp creates 0600; the file is to be read like any other file the
	 * process creates, by DuckDB or another user as the umask allows */
	if (fchmod(t->fd, mode) != 0) {
		int e = errno;
		ps_err(PS_EIO, "cannot set the mode of %s: %s", t->path, strerror(e));
		ps_tmpfile_discard(t);
		return PS_EIO;
	}
	return 0;
}

static int sync_close(ps_tmpfile *t)
{
	if (ps_io_fsync(t->io, t->fd) != 0) {
		int e = errno;
		ps_err(PS_EIO, "fsync of %s: %s", t->path, strerror(e));
		ps_tmpfile_discard(t);
		return PS_EIO;
	}
	int fd = t->fd;
	t->fd = -1; /* released even when close fails */
	if (ps_io_close(t->io, fd) != 0) {
		int e = errno;
		ps_err(PS_EIO, "close of %s: %s", t->path, strerror(e));
		ps_tmpfile_discard(t);
		return PS_EIO;
	}
	return 0;
}

/* The directory fsync after the rename: a failure leaves the file in place,
 * complete, but perhaps not on disk; the error says so. */
static int sync_placed(ps_tmpfile *t, const char *final)
{
	int rc = ps_fsync_dir(t->io, t->dir);
	if (rc)
		return ps_err_prefix(rc, "%s is in place but not known to be durable: ", final);
	return 0;
}

/* Renames t to the first free dir/stem[_N]ext (see
 * ps_tmpfile_commit_unique); with sync, fsyncs the directory after. */
static int place_unique(ps_tmpfile *t, const char *stem, const char *ext, char *final, size_t cap, bool sync,
                        int first_k, int *k_out)
{
	for (int k = first_k > 1 ? first_k : 1; k < 100000; k++) {
		if (k_out)
			*k_out = k;
		int n = k == 1 ? snprintf(final, cap, "%s/%s%s", t->dir, stem, ext)
		               : snprintf(final, cap, "%s/%s_%d%s", t->dir, stem, k, ext);
		if (n < 0 || (size_t)n >= cap) {
			ps_tmpfile_discard(t);
			if (cap)
				final[0] = 0;
			return ps_err(PS_EINVAL, "path too long in %s", t->dir);
		}
		/* renameat2 with RENAME_NOREPLACE: of two writers that pick the same
		 * name, one gets it and the other moves on to the next suffix */
		const char *what = "rename";
		if (ps_io_rename(t->io, t->path, final, RENAME_NOREPLACE) == 0) {
			t->path[0] = 0;
			return sync ? sync_placed(t, final) : 0;
		}
		if (errno == EINVAL || errno == ENOSYS) {
			/* file systems without RENAME_NOREPLACE: link() fails if taken */
			what = "link";
			if (ps_io_link(t->io, t->path, final) == 0) {
				/* in place; a temporary name left behind is a hidden
				 * second name of a complete file, removed by no one but
				 * harmless to readers */
				ps_io_unlink(t->io, t->path);
				t->path[0] = 0;
				return sync ? sync_placed(t, final) : 0;
			}
		}
		if (errno != EEXIST) {
			int e = errno;
			ps_err(PS_EIO, "cannot %s %s to %s: %s", what, t->path, final, strerror(e));
			ps_tmpfile_discard(t);
			final[0] = 0;
			return PS_EIO;
		}
	}
	ps_tmpfile_discard(t);
	final[0] = 0;
	return ps_err(PS_EIO, "no free name for %s in %s", stem, t->dir);
}


int ps_tmpfile_commit_unique(ps_tmpfile *t, const char *stem, const char *ext, char *final, size_t cap)
{
	int rc = sync_close(t);
	if (rc) {
		if (cap)
			final[0] = 0;
		return rc;
	}
	return place_unique(t, stem, ext, final, cap, true, 1, NULL);
}

int ps_tmpfile_commit_replace(ps_tmpfile *t, const char *name)
{
	char final[4096];
	int rc = sync_close(t);
	if (rc)
		return rc;
	if ((size_t)snprintf(final, sizeof final, "%s/%s", t->dir, name) >= sizeof final) {
		ps_tmpfile_discard(t);
		return ps_err(PS_EINVAL, "path too long in %s", t->dir);
	}
	if (ps_io_rename(t->io, t->path, final, 0) != 0) {
		int e = errno;
		ps_err(PS_EIO, "cannot rename %s to %s: %s", t->path, final, strerror(e));
		ps_tmpfile_discard(t);
		return PS_EIO;
	}
	t->path[0] = 0;
	return sync_placed(t, final);
}

void ps_tmpfile_discard(ps_tmpfile *t)
{
	if (t->fd >= 0)
		ps_io_close(t->io, t->fd);
	t->fd = -1;
	if (t->path[0])
		ps_io_unlink(t->io, t->path);
	t->path[0] = 0;
}

int ps_tmpfile_close(ps_tmpfile *t)
{
	if (t->fd < 0)
		return 0;
	struct stat sb;
	int rc = 0;
	if (fstat(t->fd, &sb) != 0) {
		rc = ps_err(PS_EIO, "fstat of %s: %s", t->path, strerror(errno));
	} else {
		t->dev = sb.st_dev;
		int fd = t->fd;
#if defined(SYNC_FILE_RANGE_WRITE)
		/* the file's writeback starts now, while other files of the batch
		 * are still being written, rather than all at the batch's syncfs
		 * (a hint: its result does not matter, the syncfs makes the file
		 * durable) */
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
		t->fd = -1; /* released even when close fails */
		if (ps_io_close(t->io, fd) != 0)
			rc = ps_err(PS_EIO, "close of %s: %s", t->path, strerror(errno));
	}
	if (rc)
		ps_tmpfile_discard(t);
	return rc;
}

/* syncfs of the file system that holds dir. */
static int sync_fs(const ps_store_io *io, const char *dir, const char *when)
{
	int fd = ps_io_open(io, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return ps_err(PS_EIO, "cannot open %s to sync its file system %s: %s", dir, when, strerror(errno));
	int rc = ps_io_syncfs(io, fd);
	int e = errno;
	ps_io_close(io, fd);
	if (rc != 0)
		return ps_err(PS_EIO, "syncfs of the file system of %s %s: %s", dir, when, strerror(e));
	return 0;
}

/* One directory per file system among the files' directories. */
typedef struct fs_dirs {
	dev_t *dev;
	const char **dir;
	size_t n;
} fs_dirs;

/* Adds dir as the directory of file system dev, unless fs has one (room
 * for it is the caller's). */
static void fs_add(fs_dirs *fs, dev_t dev, const char *dir)
{
	for (size_t k = 0; k < fs->n; k++)
		if (fs->dev[k] == dev)
			return;
	fs->dev[fs->n] = dev;
	fs->dir[fs->n++] = dir;
}

static int sync_all(const fs_dirs *fs, const ps_store_io *io, const char *when)
{
	for (size_t k = 0; k < fs->n; k++) {
		int rc = sync_fs(io, fs->dir[k], when);
		if (rc)
			return rc;
	}
	return 0;
}

int ps_tmpfile_place(ps_tmpfile *t, const char *stem, const char *ext, int first_k, char *final, size_t cap,
                     int *k_out)
{
	return place_unique(t, stem, ext, final, cap, false, first_k, k_out);
}

int ps_tmpfile_sync_close(ps_tmpfile *t)
{
	return sync_close(t);
}

int ps_tmpfile_commit_batch(ps_tmpfile *const *t, const char *const *stems, size_t n, const char *ext,
                            char (*finals)[4096], size_t *n_placed)
{
	return ps_tmpfile_commit_batch_with(t, stems, n, ext, NULL, NULL, NULL, finals, n_placed);
}

void ps_sync_pending_clear(ps_sync_pending *p)
{
	for (size_t k = 0; k < p->n; k++)
		free(p->dir[k]);
	p->n = 0;
}

int ps_sync_pending_flush(ps_sync_pending *p)
{
	int rc = 0;
	for (size_t k = 0; k < p->n && !rc; k++)
		rc = sync_fs(p->io, p->dir[k], "after the renames");
	if (!rc && p->n)
		p->syncs++;
	ps_sync_pending_clear(p);
	return rc;
}

/* Adds dir's file system (dev) to pend; false when pend is full. */
static bool pending_add(ps_sync_pending *p, dev_t dev, const char *dir)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->dev[k] == dev)
			return true;
	if (p->n == PS_SYNC_PENDING_MAX || !(p->dir[p->n] = strdup(dir)))
		return false;
	p->dev[p->n++] = dev;
	return true;
}

int ps_tmpfile_commit_batch_with(ps_tmpfile *const *t, const char *const *stems, size_t n, const char *ext,
                                 ps_tmpfile_place_fn place, void *ud, ps_sync_pending *pend,
                                 char (*finals)[4096], size_t *n_placed)
{
	*n_placed = 0;
	for (size_t i = 0; i < n; i++)
		finals[i][0] = 0;
	if (n == 0)
		return 0;
	const ps_store_io *io = t[0]->io;
	size_t cap = n + (pend ? pend->n : 0);
	fs_dirs fs = {calloc(cap, sizeof *fs.dev), calloc(cap, sizeof *fs.dir), 0};
	int rc = 0;
	if (!fs.dev || !fs.dir)
		rc = ps_err_nomem();
	for (size_t i = 0; i < n && !rc; i++) {
		if (!t[i]->path[0]) {
			rc = ps_err(PS_EIO, "a temporary file of the batch is gone");
			break;
		}
		if ((rc = ps_tmpfile_close(t[i])))
			break;
		fs_add(&fs, t[i]->dev, t[i]->dir);
	}
	/* the files' data, before any name points at them (and the renames
	 * of the batch before, when they wait) */
	size_t own = fs.n;
	for (size_t k = 0; pend && k < pend->n && !rc; k++)
		fs_add(&fs, pend->dev[k], pend->dir[k]);
	if (!rc)
		rc = sync_all(&fs, io, "before the renames");
	if (!rc && pend && pend->n) {
		pend->syncs++;
		ps_sync_pending_clear(pend);
	}
	fs.n = own;
	size_t i = 0;
	for (; i < n && !rc; i++) {
		rc = place ? place(ud, i, finals[i], sizeof finals[i])
		           : place_unique(t[i], stems[i], ext, finals[i], sizeof finals[i], false, 1, NULL);
		if (!rc)
			(*n_placed)++;
	}
	for (size_t j = *n_placed; j < n; j++)
		ps_tmpfile_discard(t[j]);
	bool deferred = pend != NULL;
	for (size_t k = 0; deferred && *n_placed && k < fs.n; k++) {
		pend->io = io;
		deferred = pending_add(pend, fs.dev[k], fs.dir[k]);
	}
	if (*n_placed && !deferred) {
		/* the renames themselves */
		int src = sync_all(&fs, io, "after the renames");
		if (src) {
			/* the first error stays the one reported */
			if (!rc)
				rc = ps_err_prefix(src, "%zu files are in place but not known to be durable: ", *n_placed);
			*n_placed = 0;
		}
	}
	free(fs.dev);
	free(fs.dir);
	return rc;
}
