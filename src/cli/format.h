/* Output helpers: JSON text under the `cat` conventions (see docs/cli.md). */
#ifndef PS_CLI_FORMAT_H
#define PS_CLI_FORMAT_H

#include <stdio.h>

#include "parq/parq.h"

/* Growable text buffer for building output lines. */
typedef struct strbuf {
	char *data;
	size_t len, cap;
} strbuf;

void sb_putc(strbuf *b, char c);
void sb_put(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v in decimal (what "%" PRId64 prints), without printf's cost per call. */
void sb_i64(strbuf *b, int64_t v);
void sb_free(strbuf *b);

/* A JSON string literal; invalid UTF-8 bytes become U+FFFD. */
void json_string(strbuf *b, const uint8_t *p, size_t n);
/* Shortest decimal that reads back as the same double / float. */
void json_double(strbuf *b, double d);
/* UTC milliseconds as cat prints a TIMESTAMP(MILLIS, UTC): "2026-01-02T03:04:05.678Z" */
void json_timestamp_ms(strbuf *b, int64_t ms);
void json_float(strbuf *b, float f);

/* A value under the cat conventions. */
void json_value(strbuf *b, const parq_value *v);
/* A row (the STRUCT from parq_row_reader_next) as one JSON object. */
void json_row(strbuf *b, const parq_value *row);
/* A plain-encoded statistics value of a leaf, for display. */
void format_stat(strbuf *b, const parq_node *leaf, const uint8_t *p, size_t n);

#endif
