/* Records of JSON Lines input mapped onto probe results: httpx's -json
 * output and probestore's own JSON Lines (what `query --format jsonl`
 * prints). See docs/cli.md for the field mapping. Internal to the store:
 * ingest (ingest.c) is its user. */
#ifndef PS_HTTPX_H
#define PS_HTTPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probestore/probestore.h"
#include "../util.h"

typedef enum { PS_REC_HTTPX = 1, PS_REC_JSONL = 2 } ps_rec_format;

typedef struct ps_rec {
	ps_probe_result r;  /* strings in the arena */
	const char *target; /* root target: from httpx's input (else url), or the
	                     * record's root_target_url (else original_url) */
	int64_t time_ms;    /* httpx's timestamp or the record's scan_timestamp; 0 when absent */
} ps_rec;

typedef struct ps_rec_options {
	bool keep_body;     /* copy httpx's body into the result (the scan files have no column for it) */
	bool no_target;     /* leave out->target NULL: the caller names the target (--target) */
} ps_rec_options;

/* Parses one line, a JSON object, and maps it onto *out, copying strings
 * into a. *format says which format the line is in; 0 detects it
 * (probestore's own records carry original_url, httpx's do not) and sets
 * *format for the lines that follow. Unknown fields are ignored, JSON null
 * is the same as an absent field. On invalid JSON, a value that is not an
 * object or a field of the wrong type, returns -1 with the reason (naming
 * the field) in err (cap bytes); out of memory is -2. */
int ps_rec_from_line(const char *line, size_t len, ps_rec_format *format, const ps_rec_options *o,
                     ps_arena *a, ps_rec *out, char *err, size_t cap);
/* The format of a line that is a JSON object (0 for any other line),
 * detected as ps_rec_from_line does. */
ps_rec_format ps_rec_detect(const char *line, size_t len);
/* Frees the memory the calling thread's ps_rec_from_line calls keep for
 * the next line (up to 4 MiB). */
void ps_rec_release(void);

/* What the store's validation refuses, found before writing so that the
 * error can name the input line: an empty or unparsable URL, a status
 * outside 100..599, a negative content length. 0 or -1 with err set. */
int ps_rec_validate(const ps_rec *r, char *err, size_t cap);

/* A Go duration as httpx writes response times ("123.4ms", "1.5s",
 * "2m3.5s", "850µs") in seconds. 0 or -1. */
int ps_go_duration(const char *s, double *seconds);

#endif
