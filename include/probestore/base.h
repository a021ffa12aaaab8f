/* What every part of libprobestore's API shares: the export marker, the
 * error codes, the last error's message, the library's version. */
#ifndef PROBESTORE_BASE_H
#define PROBESTORE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The functions libprobestore exports; everything else stays inside. */
#if defined(__GNUC__)
#define PS_API __attribute__((visibility("default")))
#else
#define PS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PS_VERSION_MAJOR 0
#define PS_VERSION_MINOR 2
#define PS_VERSION_PATCH 0
#define PS_VERSION_STRING "0.2.0"

enum {
	PS_OK = 0,
	PS_EIO = -1,         /* operating system error (errno in the message) */
	PS_ENOMEM = -2,
	PS_EINVAL = -3,      /* invalid argument or record (validation) */
	PS_ECORRUPT = -4,    /* a stored file does not read back */
	PS_EUNSUPPORTED = -5,
	PS_ELIMIT = -6,      /* a size past a configured cap */
	PS_EEXISTS = -7,     /* it is there already (a write that must not replace) */
	PS_ECANCELED = -8,
	PS_ENOTFOUND = -9,   /* no such target, scan or record */
	PS_ECONFIG = -10,    /* bad configuration */
	PS_ECONFLICT = -11   /* another writer changed it first (object storage), retries used up */
};

/* The calling thread's last error message (never NULL). */
PS_API const char *ps_errmsg(void);
/* The name of an error code ("PS_ENOTFOUND"), "PS_OK" for 0, "unknown" for
 * a code that is not one of them. Never NULL; static storage. */
PS_API const char *ps_strerror(int code);
/* libprobestore's version, PS_VERSION_STRING of the library that runs. */
PS_API const char *ps_version(void);
/* A size in bytes as people read it: "512 B", "4.0 KiB", "12.3 MiB"
 * (powers of 1024, up to TiB), written into buf (cap bytes; 32 hold any
 * size). Returns buf. */
PS_API const char *ps_size_human(double bytes, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
