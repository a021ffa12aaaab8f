/* The system calls file history writes make, routed through a table a test
 * may replace on one store to inject failures (a full disk, a failing
 * fsync or rename) without touching the process's other I/O. */
#ifndef PS_HISTORY_IO_H
#define PS_HISTORY_IO_H

#include <stdint.h>
#include <sys/types.h>

#include "probestore/store.h"

/* Each member behaves like the system call of its name (rename like
 * renameat2 with AT_FDCWD and the given flags) and sets errno on failure.
 * A NULL member means the system call itself. */
typedef struct ps_history_io {
	ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
	ssize_t (*copy_file_range)(void *ud, int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len);
	int (*fsync)(void *ud, int fd);
	int (*rename)(void *ud, const char *from, const char *to, unsigned flags);
	void *ud;
} ps_history_io;

/* Routes st's history writes through io (NULL: the system calls). io must
 * stay valid while st writes; set it before other threads use st. */
void ps_history_set_io(ps_store *st, const ps_history_io *io);

#endif
