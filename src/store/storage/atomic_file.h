/* Files readers can see are always complete: write a temporary file in the
 * target directory, fsync it, rename it into place without replacing
 * anything, fsync the directory. The system calls go through a store I/O
 * table (store_io.h; NULL: the calls themselves). */
#ifndef PS_ATOMIC_FILE_H
#define PS_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ps_store_io;

/* Creates the directories of path (like mkdir -p) through io; nothing but
 * a stat when path is a directory already. */
int ps_mkdirs(const struct ps_store_io *io, const char *path);

/* The mode open(2) would give a new file with 0666 under the process's
 * umask: the mode of every file the store creates. */
mode_t ps_file_mode(void);

typedef struct ps_tmpfile {
	int fd;
	char path[4096];   /* the temporary file, ".<name>.tmp.XXXXXX" in dir */
	char dir[4096];
	const struct ps_store_io *io;
	dev_t dev;         /* its file system, once closed by ps_tmpfile_close */
} ps_tmpfile;

/* Creates a temporary file in dir for a file to be called like hint, with
 * the given mode (ps_file_mode's, read once by the caller: a writer of
 * thousands of small files does not read /proc for each). */
int ps_tmpfile_create(ps_tmpfile *t, const struct ps_store_io *io, const char *dir, const char *hint, mode_t mode);
/* fsyncs and closes the file, then renames it to dir/name, where name is
 * tried as given and, while taken, with "_2", "_3", ... before ext (name
 * without ext is passed as stem). Never replaces an existing file. The
 * final path is written to final (cap bytes). fsyncs the directory.
 * On an error before the rename the temporary file is removed and final
 * is "". When only the directory fsync fails, the file is in place and
 * complete under final but not known to be durable; the error says so. */
int ps_tmpfile_commit_unique(ps_tmpfile *t, const char *stem, const char *ext, char *final, size_t cap);
/* Closes the file without syncing it, for ps_tmpfile_commit_batch (which
 * syncs the file system): a writer of many files holds no descriptor per
 * file. On an error the file is removed. */
int ps_tmpfile_close(ps_tmpfile *t);
/* Commits n temporary files at once, for writers of many small files: each
 * is closed without an fsync (if not closed already), then one syncfs(2) per file system they are
 * on makes their data durable, then each is renamed as
 * ps_tmpfile_commit_unique does (never replacing a file), then another
 * syncfs makes the renames durable: two syncs in all instead of two fsyncs
 * per file. finals[i] gets file i's final path ("" when not placed).
 * On an error before the renames every temporary file is removed and
 * nothing is placed; a rename that fails stops there (the files after it
 * are removed); *n_placed counts the first files, in place and durable. A
 * failure of the last sync leaves them in place but not known to be
 * durable (*n_placed 0): an error says so. */
int ps_tmpfile_commit_batch(ps_tmpfile *const *t, const char *const *stems, size_t n, const char *ext,
                            char (*finals)[4096], size_t *n_placed);
/* ps_tmpfile_commit_batch with the renames made by place(ud, i, final,
 * cap), which renames file i (with ps_tmpfile_place, say) and writes its
 * final path, or fails. */
typedef int (*ps_tmpfile_place_fn)(void *ud, size_t i, char *final, size_t cap);

/* The file systems of renames that wait for their sync. A writer of batch
 * after batch (ingest) passes one to each batch commit: the sync before a
 * batch's renames is then also the sync after the renames of the batch
 * before, and the last batch's renames are synced by
 * ps_sync_pending_flush: one sync per batch instead of two, with every
 * file's data still synced before its name points at it. */
#define PS_SYNC_PENDING_MAX 8
typedef struct ps_sync_pending {
	const struct ps_store_io *io;
	size_t n;
	dev_t dev[PS_SYNC_PENDING_MAX];
	char *dir[PS_SYNC_PENDING_MAX];  /* a directory on each file system (owned) */
	uint64_t syncs;                  /* syncs that made pending renames durable */
} ps_sync_pending;
/* Syncs the file systems p holds (none: nothing to do) and empties p. */
int ps_sync_pending_flush(ps_sync_pending *p);
/* Empties p without a sync (frees what it holds). */
void ps_sync_pending_clear(ps_sync_pending *p);

/* ps_tmpfile_commit_batch with the renames made by place(ud, i, final,
 * cap), which renames file i (with ps_tmpfile_place, say) and writes its
 * final path, or fails. With pend, the sync before the renames covers
 * pend's file systems too (emptying pend when it succeeds), and the sync
 * after them is left to the next batch or ps_sync_pending_flush: the
 * files placed are in place, durable once pend is synced. */
int ps_tmpfile_commit_batch_with(ps_tmpfile *const *t, const char *const *stems, size_t n, const char *ext,
                                 ps_tmpfile_place_fn place, void *ud, ps_sync_pending *pend,
                                 char (*finals)[4096], size_t *n_placed);
/* Renames the complete, synced and closed t to the first free
 * dir/stem[_k]ext with k >= first_k (k 1: no suffix), never replacing a
 * file; *k_out (may be NULL) gets k. No sync of the directory. On error
 * the temporary file is removed and final is "". */
int ps_tmpfile_place(ps_tmpfile *t, const char *stem, const char *ext, int first_k, char *final, size_t cap,
                     int *k_out);
/* fsyncs and closes the file (removed on error). */
int ps_tmpfile_sync_close(ps_tmpfile *t);
/* fsyncs and closes, then renames over dir/name (replacing it). */
int ps_tmpfile_commit_replace(ps_tmpfile *t, const char *name);
/* Closes and unlinks the temporary file. */
void ps_tmpfile_discard(ps_tmpfile *t);
/* fsync of a directory. */
int ps_fsync_dir(const struct ps_store_io *io, const char *dir);

#endif
