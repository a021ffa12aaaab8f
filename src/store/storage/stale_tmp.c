/* Temporary scan files that killed writers left behind.
 *
 * Each store handle that writes a scan takes a writer id (16 random hex
 * digits) and holds an exclusive flock on <base>/.writers/<id>.lock while it
 * is open; its temporary scan files carry the id in their names,
 * ".scan_<...>.w<id>.tmp.XXXXXX". A temporary file whose writer's lock file
 * is gone or can be locked belongs to a writer that is no longer running
 * and is stale. So is, an hour after it last changed, a temporary file
 * without an id: an older writer's, or a ".parq-spill-XXXXXX" that a
 * writer killed at its creation left (parq_writer_spill unlinks it at
 * once; most file systems make it with O_TMPFILE, nameless). The lock is
 * not on the temporary file itself because ingest closes its temporary
 * files, thousands of them, before the batch commit renames them. */
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
#include "storage/stale_tmp.h"
#include "storage/backend.h"
#include "../store_internal.h"
#include "../util.h"

#define ID_LEN 16
/* temporary files without a writer id (of older writers) are stale once
 * they have not changed for this long */
#define UNTAGGED_STALE_S 3600

/* Opens and locks path, checking that the file locked is still the one
 * named (a cleaner removes lock files of writers gone while holding
 * them). block false: -1 with errno EWOULDBLOCK when held. */
static int lock_path(const char *path, bool create, bool block)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0666);
		if (fd < 0)
			return -1;
		int rc;
		while ((rc = flock(fd, LOCK_EX | (block ? 0 : LOCK_NB))) != 0 && errno == EINTR)
			;
		if (rc != 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
		if (!create) {
			errno = ENOENT;
			return -1;
		}
	}
	errno = EAGAIN;
	return -1;
}

const char *ps_store_writer_id(ps_store *st)
{
	/* an object store's temporary files are in the handle's own spool
	 * directory, removed when it closes: nothing to tag, and no lock
	 * file to make (under "s3:/..." in the working directory) */
	if (ps_storage_remote(st))
		return NULL;
	pthread_mutex_lock(&st->writer_mu);
	if (st->writer_fd < 0 && !st->writer_failed) {
		unsigned char r[ID_LEN / 2] = {0};
		FILE *f = fopen("/dev/urandom", "rb");
		bool ok = f && fread(r, 1, sizeof r, f) == sizeof r;
		if (f)
			fclose(f);
		char dir[4200], path[4300];
		snprintf(dir, sizeof dir, "%s/.writers", st->base);
		for (int k = 0; k < ID_LEN / 2; k++)
			snprintf(st->writer_id + 2 * k, 3, "%02x", r[k]);
		snprintf(path, sizeof path, "%s/%s.lock", dir, st->writer_id);
		if (ok && ps_mkdirs(NULL, dir) == 0)
			st->writer_fd = lock_path(path, true, true);
		if (st->writer_fd < 0)
			st->writer_failed = true; /* temporary files then go untagged */
	}
	pthread_mutex_unlock(&st->writer_mu);
	return st->writer_fd >= 0 ? st->writer_id : NULL;
}

void ps_store_writer_release(ps_store *st)
{
	if (st->writer_fd >= 0) {
		char path[4300];
		snprintf(path, sizeof path, "%s/.writers/%s.lock", st->base, st->writer_id);
		unlink(path); /* held: no one else is using it */
		close(st->writer_fd);
		st->writer_fd = -1;
	}
}

void ps_scan_tmp_hint(ps_store *st, const char *stem, char *buf, size_t cap)
{
	const char *id = ps_store_writer_id(st);
	if (id)
		snprintf(buf, cap, "%s.w%s", stem, id);
	else
		snprintf(buf, cap, "%s", stem);
}

/* A temporary scan file's writer id into id (false: none in the name). */
static bool tmp_name(const char *name, bool *is_tmp, char id[ID_LEN + 1])
{
	*is_tmp = false;
	if (!strncmp(name, ".parq-spill-", 12)) {
		/* a spill file where the file system has no O_TMPFILE, left by a
		 * writer killed between creating and unlinking it */
		*is_tmp = true;
		return false;
	}
	if (strncmp(name, ".scan_", 6) != 0)
		return false;
	const char *t = strstr(name, ".tmp.");
	if (!t)
		return false;
	*is_tmp = true;
	if (t - name < 6 + 2 + ID_LEN || t[-ID_LEN - 2] != '.' || t[-ID_LEN - 1] != 'w')
		return false;
	for (int k = 0; k < ID_LEN; k++) {
		char c = t[-ID_LEN + k];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		id[k] = c;
	}
	id[ID_LEN] = 0;
	return true;
}

typedef struct found {
	char **paths;
	size_t n, cap;
} found;

/* The stale temporary files of dir: removed (remove) or listed (into f). */
static int clean_dir(ps_store *st, const char *dir, bool remove, found *f, size_t *n_removed)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot list %s: %s", dir, strerror(errno));
	const char *own = st->writer_fd >= 0 ? st->writer_id : NULL;
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		bool is_tmp;
		char id[ID_LEN + 1];
		bool tagged = tmp_name(e->d_name, &is_tmp, id);
		if (!is_tmp || (tagged && own && !strcmp(id, own)))
			continue;
		char path[4600];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		int lfd = -1;
		if (tagged) {
			char lock[4400];
			snprintf(lock, sizeof lock, "%s/.writers/%s.lock", st->base, id);
			lfd = lock_path(lock, false, false);
			if (lfd < 0 && errno != ENOENT)
				continue; /* its writer is running */
		} else {
			struct stat sb;
			if (stat(path, &sb) != 0 || time(NULL) - sb.st_mtime < UNTAGGED_STALE_S)
				continue;
		}
		/* stale: the writer's lock (when there is one) is held while the
		 * file goes */
		if (remove) {
			if (unlink(path) == 0)
				(*n_removed)++;
			else if (errno != ENOENT)
				rc = ps_err(PS_EIO, "cannot remove %s: %s", path, strerror(errno));
		} else if (!(rc = ps_array_room(&f->paths, &f->cap, f->n, sizeof *f->paths, 8))) {
			if (!(f->paths[f->n] = strdup(path)))
				rc = ps_err_nomem();
			else
				f->n++;
		}
		if (lfd >= 0)
			close(lfd);
	}
	closedir(d);
	return rc;
}

int ps_scan_tmp_clean(ps_store *st, const char *dir, size_t *n_removed)
{
	size_t n = 0;
	int rc = clean_dir(st, dir, true, NULL, &n);
	if (n_removed)
		*n_removed = n;
	if (n) {
		ps_log_field fl[] = {PS_LOG_STR("dir", dir), PS_LOG_UINT("files", n)};
		ps_log(ps_store_logger(st), PS_LOG_INFO, fl, 2, "stale temporary files removed");
	}
	return rc;
}

/* Every target directory of the store. */
static int each_target(ps_store *st, bool remove, found *f, size_t *n_removed)
{
	char root[4200];
	snprintf(root, sizeof root, "%s/probe_results", st->base);
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : ps_err(PS_EIO, "cannot list %s: %s", root, strerror(errno));
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char dir[4600];
		snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
		struct stat sb;
		if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = clean_dir(st, dir, remove, f, n_removed);
	}
	closedir(d);
	return rc;
}

int ps_store_stale_tmp_list(ps_store *st, char ***paths, size_t *n)
{
	found f = {0};
	size_t none = 0;
	int rc = each_target(st, false, &f, &none);
	if (rc) {
		ps_store_stale_tmp_list_free(f.paths, f.n);
		f.paths = NULL;
		f.n = 0;
	}
	*paths = f.paths;
	*n = f.n;
	return rc;
}

void ps_store_stale_tmp_list_free(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

int ps_store_stale_tmp_remove(ps_store *st, size_t *n_removed)
{
	size_t n = 0;
	int rc = each_target(st, true, NULL, &n);
	if (n_removed)
		*n_removed = n;
	if (rc)
		return rc;
	/* the lock files of writers gone, each removed while held */
	char wdir[4200];
	snprintf(wdir, sizeof wdir, "%s/.writers", st->base);
	DIR *d = opendir(wdir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len != ID_LEN + 5 || strcmp(e->d_name + ID_LEN, ".lock") != 0)
			continue;
		if (st->writer_fd >= 0 && !strncmp(e->d_name, st->writer_id, ID_LEN))
			continue;
		char path[4500];
		snprintf(path, sizeof path, "%s/%s", wdir, e->d_name);
		int fd = lock_path(path, false, false);
		if (fd >= 0) {
			unlink(path);
			close(fd);
		}
	}
	closedir(d);
	return 0;
}
