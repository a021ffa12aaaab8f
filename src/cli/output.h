/* Output of listing commands: aligned tables for terminals, CSV, and probe
 * results as JSON Lines, CSV rows and table rows. */
#ifndef PS_CLI_OUTPUT_H
#define PS_CLI_OUTPUT_H

#include <locale.h>
#include <stdbool.h>

#include "format.h"
#include "probestore/probestore.h"

/* A table printed once all rows are known, so columns line up. Cells are
 * copied; control characters become spaces, bytes that are not UTF-8
 * U+FFFD, and a cell wider than its column's maximum is cut with an
 * ellipsis. Widths are terminal columns (a CJK character or an emoji
 * takes 2, a combining mark 0), by Unicode's tables whatever the locale.
 * Free with table_free(). */
typedef struct table_col {
	const char *head;  /* printed upper-case */
	int max_width;     /* 0: no limit */
	bool right;        /* right-aligned (numbers) */
} table_col;

typedef struct table {
	const table_col *cols;
	int ncols;
	char **cells;      /* rows * ncols */
	size_t rows, cap;
	locale_t utf8;     /* C.UTF-8 for character widths, (locale_t)0 without it */
} table;

void table_init(table *t, const table_col *cols, int ncols);
/* Adds a row of ncols cells (NULL prints as empty). */
void table_add(table *t, const char *const *cells);
/* Writes the header and rows to b. */
void table_render(const table *t, strbuf *b);
void table_free(table *t);

/* A CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF;
 * NULL is empty), followed by ',' or, after the last field, a newline.
 * Text beginning with '=', '+', '-', '@', tab or CR gets a leading "'",
 * so that a spreadsheet shows it instead of evaluating it. */
void csv_field(strbuf *b, const char *s, bool last);

/* A probe result as one JSON object: the scan file's 17 columns in order,
 * with the values `cat` prints for the row. */
void probe_jsonl(strbuf *b, const ps_probe_result *r);
/* The CSV header and a row: the same columns; null is an empty field,
 * a list is a JSON array of strings. */
void probe_csv_header(strbuf *b);
void probe_csv(strbuf *b, const ps_probe_result *r);

/* The columns of the probe table; with_scan adds the scan time. */
int probe_table_cols(const table_col **cols, bool with_scan);
void probe_table_add(table *t, const ps_probe_result *r, bool with_scan);

#endif
