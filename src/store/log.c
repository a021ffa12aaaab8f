#include "probestore/probestore.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A bounded string builder that keeps counting past its capacity, so one
 * pass gives both the text (when it fits) and the length needed. */
typedef struct sbuf {
	char *p;
	size_t cap; /* bytes available for text, NUL excluded */
	size_t len;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->len < b->cap) {
		size_t room = b->cap - b->len;
		memcpy(b->p + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

/* Copies the UTF-8 sequence at u (n bytes left), or U+FFFD for a byte
 * that does not start one; returns the bytes taken. */
static size_t sb_utf8(sbuf *b, const unsigned char *u, size_t n)
{
	size_t l = ps_utf8_seq(u, n, NULL);
	if (!l) {
		sb_puts(b, "\xEF\xBF\xBD");
		return 1;
	}
	sb_putn(b, (const char *)u, l);
	return l;
}

/* JSON string body (no quotes). */
static void sb_json_str(sbuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		unsigned char c = u[i];
		size_t run = i;
		/* copy plain ASCII in runs */
		while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
			run++;
		if (run > i) {
			sb_putn(b, s + i, run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			char esc[8];
			switch (c) {
			case '\n': sb_puts(b, "\\n"); break;
			case '\r': sb_puts(b, "\\r"); break;
			case '\t': sb_puts(b, "\\t"); break;
			case '\b': sb_puts(b, "\\b"); break;
			case '\f': sb_puts(b, "\\f"); break;
			default:
				snprintf(esc, sizeof esc, "\\u%04x", c);
				sb_puts(b, esc);
			}
			i++;
		} else {
			i += sb_utf8(b, u + i, n - i);
		}
	}
}

/* Console text: control characters escaped so an event stays on one line;
 * with quote, the text is wrapped in double quotes and '"' and '\\' are
 * escaped too. */
static void sb_console_str(sbuf *b, const char *s, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	if (quote)
		sb_putc(b, '"');
	while (i < n) {
		unsigned char c = u[i];
		if (c < 0x20 || c == 0x7F) {
			char esc[8];
			switch (c) {
			case '\n': sb_puts(b, "\\n"); break;
			case '\r': sb_puts(b, "\\r"); break;
			case '\t': sb_puts(b, "\\t"); break;
			default:
				snprintf(esc, sizeof esc, "\\x%02x", c);
				sb_puts(b, esc);
			}
			i++;
		} else if (quote && (c == '"' || c == '\\')) {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
			i++;
		} else if (c < 0x80) {
			sb_putc(b, (char)c);
			i++;
		} else {
			i += sb_utf8(b, u + i, n - i);
		}
	}
	if (quote)
		sb_putc(b, '"');
}

static bool console_needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if (*u <= 0x20 || *u == 0x7F || *u == '"' || *u == '=' || *u == '\\')
			return true;
	return false;
}

/* Shortest %g rendering that reads back as the same double. */
static void fmt_double(char *out, size_t cap, double d)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

/* A field's value as text; *is_str tells whether it is a string (quoted in
 * JSON), *is_null whether it is a JSON null. */
static const char *field_text(const ps_log_field *f, char *tmp, size_t cap, bool *is_str, bool *is_null)
{
	*is_str = false;
	*is_null = false;
	switch (f->type) {
	case PS_LOG_FIELD_STR:
		if (!f->v.s) {
			*is_null = true;
			return "null";
		}
		*is_str = true;
		return f->v.s;
	case PS_LOG_FIELD_INT:
		snprintf(tmp, cap, "%lld", (long long)f->v.i);
		return tmp;
	case PS_LOG_FIELD_UINT:
		snprintf(tmp, cap, "%llu", (unsigned long long)f->v.u);
		return tmp;
	case PS_LOG_FIELD_DOUBLE:
		if (isnan(f->v.d)) {
			*is_str = true;
			return "NaN";
		}
		if (isinf(f->v.d)) {
			*is_str = true;
			return f->v.d > 0 ? "Infinity" : "-Infinity";
		}
		fmt_double(tmp, cap, f->v.d);
		return tmp;
	case PS_LOG_FIELD_BOOL:
		return f->v.b ? "true" : "false";
	}
	*is_str = true;
	return "?";
}

static const char *level_upper(int level)
{
	switch (level) {
	case PS_LOG_DEBUG: return "DEBUG";
	case PS_LOG_INFO: return "INFO";
	case PS_LOG_WARN: return "WARN";
	case PS_LOG_ERROR: return "ERROR";
	default: return "UNKNOWN";
	}
}

size_t ps_log_format_line(char *buf, size_t cap, ps_log_format format, const struct timespec *ts,
                          int level, const char *msg, const ps_log_field *fields, size_t n_fields)
{
	sbuf b = { buf, cap ? cap - 1 : 0, 0 };
	char tbuf[64], vbuf[64];
	struct tm tm;
	time_t sec = ts ? ts->tv_sec : 0;
	long ms = ts ? ts->tv_nsec / 1000000 : 0;
	if (ms < 0 || ms > 999)
		ms = 0;
	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof tm);
	if (!msg)
		msg = "";

	if (format == PS_LOG_FORMAT_JSON) {
		snprintf(tbuf, sizeof tbuf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		sb_puts(&b, "{\"ts\":\"");
		sb_puts(&b, tbuf);
		sb_puts(&b, "\",\"level\":\"");
		sb_puts(&b, ps_log_level_name(level));
		sb_puts(&b, "\",\"msg\":\"");
		sb_json_str(&b, msg);
		sb_putc(&b, '"');
		for (size_t i = 0; i < n_fields; i++) {
			bool is_str, is_null;
			const char *v = field_text(&fields[i], vbuf, sizeof vbuf, &is_str, &is_null);
			sb_puts(&b, ",\"");
			sb_json_str(&b, fields[i].key ? fields[i].key : "");
			sb_puts(&b, "\":");
			if (is_str) {
				sb_putc(&b, '"');
				sb_json_str(&b, v);
				sb_putc(&b, '"');
			} else {
				sb_puts(&b, v);
			}
		}
		sb_puts(&b, "}\n");
	} else {
		snprintf(tbuf, sizeof tbuf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		sb_puts(&b, tbuf);
		sb_putc(&b, ' ');
		sb_puts(&b, level_upper(level));
		sb_putc(&b, ' ');
		sb_console_str(&b, msg, false);
		for (size_t i = 0; i < n_fields; i++) {
			bool is_str, is_null;
			const char *k = fields[i].key ? fields[i].key : "";
			const char *v = field_text(&fields[i], vbuf, sizeof vbuf, &is_str, &is_null);
			sb_putc(&b, ' ');
			sb_console_str(&b, k, console_needs_quotes(k));
			sb_putc(&b, '=');
			sb_console_str(&b, v, is_str && console_needs_quotes(v));
		}
		sb_putc(&b, '\n');
	}
	if (cap)
		buf[b.len < b.cap ? b.len : b.cap] = 0;
	return b.len;
}

/* One write() for the whole line; a partial write (a full pipe, a signal)
 * continues with the rest rather than dropping it. */
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void default_write(const ps_logger *lg, int level, const char *msg, const ps_log_field *fields,
                          size_t n_fields)
{
	char stackbuf[2048];
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	size_t need = ps_log_format_line(stackbuf, sizeof stackbuf, lg->format, &ts, level, msg, fields, n_fields);
	if (need < sizeof stackbuf) {
		write_all(lg->fd, stackbuf, need);
		return;
	}
	char *heap = malloc(need + 1);
	if (!heap) {
		/* keep the line a line even when cut */
		stackbuf[sizeof stackbuf - 2] = '\n';
		write_all(lg->fd, stackbuf, sizeof stackbuf - 1);
		return;
	}
	ps_log_format_line(heap, need + 1, lg->format, &ts, level, msg, fields, n_fields);
	write_all(lg->fd, heap, need);
	free(heap);
}

void ps_logger_default(ps_logger *lg)
{
	lg->fn = NULL;
	lg->ud = NULL;
	lg->min_level = PS_LOG_INFO;
	lg->format = PS_LOG_FORMAT_CONSOLE;
	lg->fd = 2;
}

bool ps_log_enabled(const ps_logger *lg, int level)
{
	return lg && level >= lg->min_level && level >= PS_LOG_DEBUG && level < PS_LOG_OFF;
}

void ps_logv(const ps_logger *lg, int level, const ps_log_field *fields, size_t n_fields,
             const char *fmt, va_list ap)
{
	if (!ps_log_enabled(lg, level))
		return;
	char stackbuf[1024];
	char *msg = stackbuf;
	va_list ap2;
	va_copy(ap2, ap);
	int n = 0;
	stackbuf[0] = 0;
	if (fmt)
		n = vsnprintf(stackbuf, sizeof stackbuf, fmt, ap);
	if (n < 0) {
		stackbuf[0] = 0;
	} else if ((size_t)n >= sizeof stackbuf) {
		char *heap = malloc((size_t)n + 1);
		if (heap) {
			vsnprintf(heap, (size_t)n + 1, fmt, ap2);
			msg = heap;
		}
	}
	va_end(ap2);
	if (!fields)
		n_fields = 0;
	if (lg->fn)
		lg->fn(lg->ud, level, msg, fields, n_fields);
	else
		default_write(lg, level, msg, fields, n_fields);
	if (msg != stackbuf)
		free(msg);
}

void ps_log(const ps_logger *lg, int level, const ps_log_field *fields, size_t n_fields, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_logv(lg, level, fields, n_fields, fmt, ap);
	va_end(ap);
}

int ps_log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "debug", PS_LOG_DEBUG }, { "trace", PS_LOG_DEBUG }, { "info", PS_LOG_INFO },
		{ "warn", PS_LOG_WARN },   { "warning", PS_LOG_WARN }, { "error", PS_LOG_ERROR },
		{ "fatal", PS_LOG_ERROR }, { "panic", PS_LOG_ERROR },  { "off", PS_LOG_OFF },
		{ "disabled", PS_LOG_OFF },
	};
	if (!name)
		return PS_EINVAL;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0)
			return names[i].level;
	return PS_EINVAL;
}

const char *ps_log_level_name(int level)
{
	switch (level) {
	case PS_LOG_DEBUG: return "debug";
	case PS_LOG_INFO: return "info";
	case PS_LOG_WARN: return "warn";
	case PS_LOG_ERROR: return "error";
	case PS_LOG_OFF: return "off";
	default: return "unknown";
	}
}

int ps_log_format_parse(const char *name, ps_log_format *out)
{
	if (!name)
		return PS_EINVAL;
	if (strcasecmp(name, "console") == 0 || strcasecmp(name, "text") == 0) {
		*out = PS_LOG_FORMAT_CONSOLE;
		return 0;
	}
	if (strcasecmp(name, "json") == 0) {
		*out = PS_LOG_FORMAT_JSON;
		return 0;
	}
	return PS_EINVAL;
}
