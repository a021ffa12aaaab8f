/* A disk that fills up, for the fault tests: *left bytes still fit
 * (-1: unlimited). */
#ifndef FAULT_DISK_H
#define FAULT_DISK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Whether a write of *n bytes may start: false with errno ENOSPC when the
 * disk is full; otherwise *n is cut to what fits (a short write, as a
 * filling disk gives). */
static inline bool disk_admit(int64_t *left, size_t *n)
{
	if (*left < 0)
		return true;
	if (*left == 0) {
		errno = ENOSPC;
		return false;
	}
	if ((int64_t)*n > *left)
		*n = (size_t)*left;
	return true;
}

/* Counts k bytes written (k < 0: a failed call, nothing written). */
static inline void disk_used(int64_t *left, ssize_t k)
{
	if (k > 0 && *left >= 0)
		*left -= k;
}

#endif
