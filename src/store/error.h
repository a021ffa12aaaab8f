/* Errors of libprobestore: a per-thread last message with context. */
#ifndef PS_ERROR_H
#define PS_ERROR_H

#include "probestore/probestore.h"

#if defined(__GNUC__)
#define PS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_PRINTF(a, b)
#endif

/* Sets this thread's error message and returns code. */
int ps_err(int code, const char *fmt, ...) PS_PRINTF(2, 3);
/* Prefixes the current message with context and returns code unchanged. */
int ps_err_prefix(int code, const char *fmt, ...) PS_PRINTF(2, 3);
/* Maps a libparq error (code and its message) to a PS_E* code, keeping the
 * message, prefixed with ctx when ctx is not NULL. */
int ps_err_from_parq(int parq_code, const char *ctx);
int ps_err_nomem(void);

#endif
