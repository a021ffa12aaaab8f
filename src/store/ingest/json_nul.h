/* NUL characters in the strings of a JSON line (json_nul.c). */
#ifndef PS_JSON_NUL_H
#define PS_JSON_NUL_H

#include <stdbool.h>
#include <stddef.h>

#include "../util.h"

/* Ingest's strings end at an escaped NUL (\u0000), which would cut a URL,
 * a host or a title silently. Finds the escaped NULs in the strings of the
 * JSON text line[0..len) (an escaped backslash followed by "u0000" is
 * none). Returns 0 when there is none; 1 when there are some, all in
 * strings that may hold one, and replace is set: *out holds the line with
 * each replaced by \ufffd (U+FFFD, the same length); -1 when one is in a
 * URL or host field (url, input, host, final_url, original_url,
 * root_target_url at the top level), or anywhere without replace: why
 * names the field; -2 out of memory. */
int ps_json_nul_fix(const char *line, size_t len, bool replace, ps_buf *out, char *why, size_t cap);

#endif
