/* The system calls the store's writes make (scan files and file history
 * alike), routed through one table a test may replace on one store to
 * inject failures (a full disk, a failing create, fsync or rename) without
 * touching the process's other I/O. */
#ifndef PS_STORE_IO_H
#define PS_STORE_IO_H

#include <stdint.h>
#include <sys/types.h>

#include "parq/parq.h"
#include "probestore/store.h"

/* Each member behaves like the system call of its name and sets errno on
 * failure; a NULL member means the system call itself.
 *   open      open(2): history's temporary files, directories to fsync
 *   mkdir     mkdir(2): directories the store lacks (a target's, a host's,
 *             an archive), one path component at a time
 *   mkostemp  mkostemp(3): a scan's temporary file
 *   write, copy_file_range (both offsets given, flags 0), fsync: the data
 *             of files (also libparq's, through ps_io_parq); fsync also of
 *             directories
 *   close     close(2); the descriptor is released even when it fails, as
 *             on Linux
 *   rename    renameat2(2) with AT_FDCWD on both sides and the given flags
 *   link, unlink: the fallback where RENAME_NOREPLACE is not supported,
 *             and temporary files discarded
 *   syncfs    syncfs(2) of the file system holding fd: ingest's commit of
 *             many scans at once, in place of an fsync per file */
typedef struct ps_store_io {
	int (*open)(void *ud, const char *path, int flags, mode_t mode);
	int (*mkdir)(void *ud, const char *path, mode_t mode);
	int (*mkostemp)(void *ud, char *tmpl, int flags);
	ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
	ssize_t (*copy_file_range)(void *ud, int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len);
	int (*fsync)(void *ud, int fd);
	int (*close)(void *ud, int fd);
	int (*rename)(void *ud, const char *from, const char *to, unsigned flags);
	int (*link)(void *ud, const char *from, const char *to);
	int (*unlink)(void *ud, const char *path);
	int (*syncfs)(void *ud, int fd);
	void *ud;
} ps_store_io;

/* Routes st's writes (scans and file history) through io (NULL: the system
 * calls). io must stay valid while st writes; set it before other threads
 * use st. */
void ps_store_set_io(ps_store *st, const ps_store_io *io);
/* st's table, or NULL. */
const ps_store_io *ps_store_get_io(const ps_store *st);
/* The mode of the files st creates (0666 under the umask st was opened
 * with). */
mode_t ps_store_file_mode(const ps_store *st);

/* The calls through io, which may be NULL. */
int ps_io_open(const ps_store_io *io, const char *path, int flags, mode_t mode);
int ps_io_mkostemp(const ps_store_io *io, char *tmpl, int flags);
int ps_io_mkdir(const ps_store_io *io, const char *path, mode_t mode);
int ps_io_fsync(const ps_store_io *io, int fd);
int ps_io_close(const ps_store_io *io, int fd);
/* flags 0 is rename(2) itself when io has no rename. */
int ps_io_rename(const ps_store_io *io, const char *from, const char *to, unsigned flags);
int ps_io_link(const ps_store_io *io, const char *from, const char *to);
int ps_io_unlink(const ps_store_io *io, const char *path);
int ps_io_syncfs(const ps_store_io *io, int fd);

/* libparq's writes through io: fills *pio and returns it, or returns NULL
 * (libparq's own system calls) when io is NULL. */
const parq_io *ps_io_parq(const ps_store_io *io, parq_io *pio);

#endif
