#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

int ps_mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return ps_err(PS_EINVAL, "directory name '%s' is empty or too long", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return ps_err(PS_EIO, "cannot create directory %s: %s", buf, strerror(errno));
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ps_err(PS_EIO, "%s is not a directory", path);
	return 0;
}

int ps_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ps_err(PS_EIO, "cannot open directory %s: %s", dir, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc != 0 && e != EINVAL)
		return ps_err(PS_EIO, "fsync of directory %s: %s", dir, strerror(e));
	return 0;
}

int ps_tmpfile_create(ps_tmpfile *t, const char *dir, const char *hint)
{
	t->fd = -1;
	if ((size_t)snprintf(t->dir, sizeof t->dir, "%s", dir) >= sizeof t->dir ||
	    (size_t)snprintf(t->path, sizeof t->path, "%s/.%s.tmp.XXXXXX", dir, hint) >= sizeof t->path)
		return ps_err(PS_EINVAL, "path too long in %s", dir);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0)
		return ps_err(PS_EIO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
	return 0;
}

static int sync_close(ps_tmpfile *t)
{
	if (fsync(t->fd) != 0) {
		int e = errno;
		ps_tmpfile_discard(t);
		return ps_err(PS_EIO, "fsync of %s: %s", t->path, strerror(e));
	}
	if (close(t->fd) != 0) {
		int e = errno;
		t->fd = -1;
		ps_tmpfile_discard(t);
		return ps_err(PS_EIO, "close of %s: %s", t->path, strerror(e));
	}
	t->fd = -1;
	return 0;
}

int ps_tmpfile_commit_unique(ps_tmpfile *t, const char *stem, const char *ext, char *final, size_t cap)
{
	int rc = sync_close(t);
	if (rc)
		return rc;
	for (int k = 1; k < 100000; k++) {
		int n = k == 1 ? snprintf(final, cap, "%s/%s%s", t->dir, stem, ext)
		               : snprintf(final, cap, "%s/%s_%d%s", t->dir, stem, k, ext);
		if (n < 0 || (size_t)n >= cap) {
			ps_tmpfile_discard(t);
			return ps_err(PS_EINVAL, "path too long in %s", t->dir);
		}
		/* renameat2 with RENAME_NOREPLACE: of two writers that pick the same
		 * name, one gets it and the other moves on to the next suffix */
		if (renameat2(AT_FDCWD, t->path, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
			return ps_fsync_dir(t->dir);
		if (errno == EINVAL || errno == ENOSYS) {
			/* file systems without RENAME_NOREPLACE: link() fails if taken */
			if (link(t->path, final) == 0) {
				unlink(t->path);
				return ps_fsync_dir(t->dir);
			}
		}
		if (errno != EEXIST) {
			int e = errno;
			ps_tmpfile_discard(t);
			return ps_err(PS_EIO, "cannot rename %s to %s: %s", t->path, final, strerror(e));
		}
	}
	ps_tmpfile_discard(t);
	return ps_err(PS_EIO, "no free name for %s in %s", stem, t->dir);
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
	if (rename(t->path, final) != 0) {
		int e = errno;
		ps_tmpfile_discard(t);
		return ps_err(PS_EIO, "cannot rename %s to %s: %s", t->path, final, strerror(e));
	}
	return ps_fsync_dir(t->dir);
}

void ps_tmpfile_discard(ps_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path[0])
		unlink(t->path);
	t->path[0] = 0;
}
