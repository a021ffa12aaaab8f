/* URLs: parsing, host_port directory names, URL hashes, the URL mutex manager. */
#ifndef PROBESTORE_URL_H
#define PROBESTORE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "probestore/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest URL or target accepted, in bytes. Real URLs are far shorter; the
 * bound keeps error messages, hashes and keys of a lying input cheap. */
#define PS_URL_MAX 8192
/* Longest host accepted, in bytes (DNS names stop at 253). */
#define PS_URL_HOST_MAX 255
/* Buffer size that holds any host_port directory name and its NUL: one
 * file name component (NAME_MAX 255) plus the NUL. */
#define PS_HOST_PORT_DIR_MAX 256
/* Buffer size that holds any "host:port" display form and its NUL: the
 * longest host a URL may have, brackets, ":65535". */
#define PS_HOST_PORT_DISPLAY_MAX 264
/* Hex digits of SHA-256 used in file history names unless configured. */
#define PS_URL_HASH_DEFAULT_DIGITS 8

typedef enum ps_url_host_type {
	PS_URL_HOST_NAME = 0,  /* a registered name such as example.com */
	PS_URL_HOST_IPV4 = 1,  /* dotted quad, as inet_pton reads it */
	PS_URL_HOST_IPV6 = 2   /* written in brackets in the URL */
} ps_url_host_type;

/* A parsed absolute http or https URL.
 *
 * The strings point into one allocation owned by the struct: release it with
 * ps_url_free(). They stay valid until then and do not depend on the string
 * that was parsed. */
typedef struct ps_url {
	char *buf_;               /* private: the allocation the strings live in */
	const char *scheme;       /* "http" or "https" (lower-cased) */
	const char *userinfo;     /* "user:pass" before '@', NULL when absent */
	const char *host;         /* lower-cased ASCII letters; IPv6 without
	                           * brackets and in its canonical text form
	                           * (inet_ntop), so [0:0::1] and [::1] are one host */
	ps_url_host_type host_type;
	int port;                 /* explicit, or the scheme's default (80, 443) */
	bool port_explicit;       /* the URL named a port */
	const char *path;         /* as given, "" when absent */
	const char *query;        /* without '?', NULL when there is no '?' */
	const char *fragment;     /* without '#', NULL when there is no '#' */
} ps_url;

/* Parses an absolute http or https URL (scheme case-insensitive).
 * On success fills *out, which the caller releases with ps_url_free().
 * On failure returns PS_EINVAL, leaves *out zeroed (nothing to free) and
 * sets a message naming the URL and what is wrong: missing or unsupported
 * scheme, empty host, bad port, space or control character, bad IPv6
 * literal, longer than PS_URL_MAX. */
PS_API int ps_url_parse(const char *s, ps_url *out);

/* What ps_url_parse() accepts, checked without building the parts: 0 or
 * PS_EINVAL with the same message. */
PS_API int ps_url_check(const char *s);

/* Like ps_url_parse(), but also accepts a root target given as a bare host,
 * with optional port and path: "example.com", "example.com:8443",
 * "[::1]:8080", "10.0.0.1". A target without a scheme means https.
 * Same ownership and errors as ps_url_parse(). */
PS_API int ps_url_parse_target(const char *target, ps_url *out);

/* Releases what ps_url_parse() allocated and zeroes *u. Accepts NULL and a
 * zeroed struct. */
PS_API void ps_url_free(ps_url *u);

/* Writes the directory name "<host>_<port>" of u into buf (cap bytes,
 * PS_HOST_PORT_DIR_MAX is always enough). See ps_host_port_dir_format().
 * Returns 0, PS_EINVAL for a bad host or port, PS_ELIMIT when the name does
 * not fit in cap or exceeds the 255-byte file name limit. */
PS_API int ps_url_host_port_dir(const ps_url *u, char *buf, size_t cap);

/* Writes "<host>_<port>": the host lower-cased, every byte outside
 * [a-z0-9.-] percent-encoded with upper-case hex ("::1" -> "%3A%3A1",
 * "_" -> "%5F"), so the name maps back with ps_host_port_dir_parse().
 * host must be non-empty and free of spaces and control characters; port
 * 1..65535. Errors as ps_url_host_port_dir(). */
PS_API int ps_host_port_dir_format(const char *host, int port, char *buf, size_t cap);

/* Reverses ps_host_port_dir_format(): splits dir at its last '_', decodes the
 * host into host (hcap bytes, with NUL) and the port into *port.
 * Only names that ps_host_port_dir_format() produces are accepted (canonical
 * encoding, upper-case hex, port 1..65535 without leading zeros), so a
 * directory that is not ours is rejected with PS_EINVAL and a message naming
 * it. PS_ELIMIT when the host does not fit in hcap. */
PS_API int ps_host_port_dir_parse(const char *dir, char *host, size_t hcap, int *port);

/* Writes the display form "host:port" into buf (cap bytes), with an IPv6
 * host (one containing ':') in brackets: "[::1]:443". PS_EINVAL for a NULL
 * or empty host or a port outside 1..65535, PS_ELIMIT when buf is short. */
PS_API int ps_host_port_format(const char *host, int port, char *buf, size_t cap);

/* The display form ("host:port") of a directory name, in one call: parses
 * dir with ps_host_port_dir_parse(), then ps_host_port_format().
 * PS_HOST_PORT_DISPLAY_MAX bytes are always enough. */
PS_API int ps_host_port_dir_display(const char *dir, char *buf, size_t cap);

/* The directory name of a URL or bare-host root target, in one call:
 * ps_url_parse_target() then ps_url_host_port_dir(). Errors of both. */
PS_API int ps_target_host_port_dir(const char *target, char *buf, size_t cap);

/* Writes the first ndigits (1..64) lower-case hex digits of SHA-256 of the
 * URL's bytes, exactly as given (no normalisation), and a NUL into out,
 * which holds at least ndigits + 1 bytes. The default width is
 * PS_URL_HASH_DEFAULT_DIGITS. PS_EINVAL for NULL arguments or ndigits out of
 * range, PS_EIO if the digest itself fails. */
PS_API int ps_url_hash(const char *url, int ndigits, char *out);

/* ---- URL mutex manager ---------------------------------------------------
 *
 * One mutex per URL, so that threads of one process writing the history of
 * the same URL take turns, while writers of different URLs do not wait on
 * each other. Entries are created on first use and reference-counted: an
 * entry that a thread holds or waits for is never freed, and the last
 * release frees it, so the manager holds only the URLs in use. A manager
 * set to keep entries (ps_urlmutex_mgr_set_keep) leaves unused ones for
 * reuse until ps_urlmutex_cleanup_unused() frees them.
 *
 * The manager is thread-safe. A handle belongs to the thread that acquired
 * it until that thread releases it. */
typedef struct ps_urlmutex_mgr ps_urlmutex_mgr;
typedef struct ps_urlmutex ps_urlmutex;

/* Creates a manager into *out, freed with ps_urlmutex_mgr_free(). A disabled
 * manager hands out no mutexes: acquire and release succeed and do nothing
 * (for single-threaded callers that want no locking cost). PS_ENOMEM or
 * PS_EIO (a pthread call failed) on failure, *out then NULL. */
PS_API int ps_urlmutex_mgr_new(ps_urlmutex_mgr **out, bool enabled);

/* Frees the manager and every entry. No handle may be held or waited for:
 * release them all first. Accepts NULL. */
PS_API void ps_urlmutex_mgr_free(ps_urlmutex_mgr *mgr);

/* Locks url's mutex, creating it on first use, waiting while another thread
 * holds it; *out receives the handle to pass to ps_urlmutex_release(). The
 * URL is copied, the caller keeps its string. With a disabled manager *out
 * is NULL and nothing is locked. PS_EINVAL for NULL arguments or when the
 * calling thread already holds url's mutex (it would wait forever),
 * PS_ENOMEM, PS_EIO when a pthread call fails; *out is NULL on failure. */
PS_API int ps_urlmutex_acquire(ps_urlmutex_mgr *mgr, const char *url, ps_urlmutex **out);

/* Keeps entries no thread uses any more for reuse (no allocation when a
 * URL comes back) until ps_urlmutex_cleanup_unused() frees them; false
 * (the default) frees an entry at its last release. No-op for NULL or a
 * disabled manager. */
PS_API void ps_urlmutex_mgr_set_keep(ps_urlmutex_mgr *mgr, bool keep);

/* Unlocks a handle from ps_urlmutex_acquire() and drops its reference;
 * the last reference frees the entry unless the manager keeps entries
 * (the handle is then invalid). A NULL handle (a disabled manager's) is a
 * no-op returning 0. PS_EINVAL when the calling thread does not hold the
 * mutex (the handle then stays as it was) or the handle was released
 * already. */
PS_API int ps_urlmutex_release(ps_urlmutex_mgr *mgr, ps_urlmutex *h);

/* Frees every entry that no thread holds or waits for, except those of the
 * URLs in active_urls[0..n_active) (NULL, 0: none is spared), and returns
 * how many it freed: CleanupUnusedMutexes(activeURLs) of the Go datastore
 * whose behaviour probestore implements. Only a manager that keeps entries has unused ones. 0 for NULL or a disabled
 * manager. Safe while other threads acquire and release; the caller keeps
 * its strings. */
PS_API size_t ps_urlmutex_cleanup_unused(ps_urlmutex_mgr *mgr, const char *const *active_urls, size_t n_active);

/* How many per-URL entries the manager currently keeps (held or not). */
PS_API size_t ps_urlmutex_count(ps_urlmutex_mgr *mgr);

#ifdef __cplusplus
}
#endif

#endif
