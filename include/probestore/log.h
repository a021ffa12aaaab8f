/* Logging: levels, a caller-set callback, the default stderr logger. */
#ifndef PROBESTORE_LOG_H
#define PROBESTORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probestore/base.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PS_LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_LOG_PRINTF(a, b)
#endif

/* Levels, in increasing severity. PS_LOG_OFF as a minimum level silences
 * a logger. */
enum {
	PS_LOG_DEBUG = 0,
	PS_LOG_INFO = 1,
	PS_LOG_WARN = 2,
	PS_LOG_ERROR = 3,
	PS_LOG_OFF = 4
};

/* Line formats of the default logger. */
typedef enum ps_log_format {
	PS_LOG_FORMAT_CONSOLE = 0, /* 2026-11-25T03:14:15Z INFO msg key=value */
	PS_LOG_FORMAT_JSON = 1     /* {"ts":"2026-11-25T03:14:15.123Z","level":"info","msg":"msg","key":"value"} */
} ps_log_format;

typedef enum ps_log_field_type {
	PS_LOG_FIELD_STR = 0,   /* v.s, NULL logs as null */
	PS_LOG_FIELD_INT = 1,   /* v.i */
	PS_LOG_FIELD_UINT = 2,  /* v.u */
	PS_LOG_FIELD_DOUBLE = 3,/* v.d; NaN and infinities log as strings */
	PS_LOG_FIELD_BOOL = 4   /* v.b */
} ps_log_field_type;

/* One structured field of an event. The key and any string are borrowed for
 * the duration of the call only. */
typedef struct ps_log_field {
	const char *key;
	ps_log_field_type type;
	union {
		const char *s;
		int64_t i;
		uint64_t u;
		double d;
		bool b;
	} v;
} ps_log_field;

/* Field constructors, for arrays built in place:
 *   ps_log_field f[] = { PS_LOG_STR("path", path), PS_LOG_INT("rows", n) }; */
#define PS_LOG_STR(k, x)    ((ps_log_field){ .key = (k), .type = PS_LOG_FIELD_STR, .v.s = (x) })
#define PS_LOG_INT(k, x)    ((ps_log_field){ .key = (k), .type = PS_LOG_FIELD_INT, .v.i = (int64_t)(x) })
#define PS_LOG_UINT(k, x)   ((ps_log_field){ .key = (k), .type = PS_LOG_FIELD_UINT, .v.u = (uint64_t)(x) })
#define PS_LOG_DOUBLE(k, x) ((ps_log_field){ .key = (k), .type = PS_LOG_FIELD_DOUBLE, .v.d = (double)(x) })
#define PS_LOG_BOOL(k, x)   ((ps_log_field){ .key = (k), .type = PS_LOG_FIELD_BOOL, .v.b = (bool)(x) })

/* A log callback. msg is the formatted message (UTF-8 expected, not
 * escaped); fields and msg are valid only during the call. The callback may
 * be called from several threads at once when the logger is shared. */
typedef void (*ps_log_fn)(void *ud, int level, const char *msg,
                          const ps_log_field *fields, size_t n_fields);

/* Where events go. Set by the caller, read-only to the library, which never
 * frees or changes it. fn NULL selects the default logger: one line per
 * event written to fd in `format` with a single write() call, so lines of
 * concurrent threads (and processes, below PIPE_BUF bytes) never
 * interleave. */
typedef struct ps_logger {
	ps_log_fn fn;
	void *ud;              /* passed to fn */
	int min_level;         /* events below this level are dropped */
	ps_log_format format;  /* default logger only */
	int fd;                /* default logger only; 2 (stderr) by default */
} ps_logger;

/* fn NULL (the default logger), min_level PS_LOG_INFO, console format,
 * fd 2. */
PS_API void ps_logger_default(ps_logger *lg);

/* Logs one event. lg NULL logs nothing. fmt is printf-style; the result
 * becomes the event's message. Thread-safe as far as lg->fn is. */
PS_API void ps_log(const ps_logger *lg, int level, const ps_log_field *fields, size_t n_fields,
            const char *fmt, ...) PS_LOG_PRINTF(5, 6);
PS_API void ps_logv(const ps_logger *lg, int level, const ps_log_field *fields, size_t n_fields,
             const char *fmt, va_list ap) PS_LOG_PRINTF(5, 0);

/* True when an event of this level would reach the logger, for callers
 * that would otherwise build fields for nothing. */
PS_API bool ps_log_enabled(const ps_logger *lg, int level);

/* Parses a level name, case-insensitively: "debug", "info", "warn",
 * "error", "off"; also "trace" (as debug), "warning" (as warn) and the
 * "fatal" and "panic" of the Go datastore whose behaviour probestore
 * implements (as error), and "disabled" (as off). Returns the level (>= 0) or PS_EINVAL. */
PS_API int ps_log_level_parse(const char *name);
/* "debug", "info", "warn", "error", "off"; "unknown" for other values. */
PS_API const char *ps_log_level_name(int level);
/* Parses "console", "text" (the Go datastore's colourless console) or "json",
 * case-insensitively, into *out; returns 0 or PS_EINVAL. */
PS_API int ps_log_format_parse(const char *name, ps_log_format *out);

/* Formats one event as the default logger does, with the time ts (UTC),
 * into buf, like snprintf: writes at most cap bytes including the NUL and
 * returns the full line's length (ending in '\n', NUL not counted).
 * JSON strings are escaped per RFC 8259 and invalid UTF-8 becomes U+FFFD;
 * console values with spaces, quotes, '=' or control characters are
 * quoted and escaped; the message never spans lines. */
PS_API size_t ps_log_format_line(char *buf, size_t cap, ps_log_format format, const struct timespec *ts,
                          int level, const char *msg, const ps_log_field *fields, size_t n_fields);

#ifdef __cplusplus
}
#endif

#endif
