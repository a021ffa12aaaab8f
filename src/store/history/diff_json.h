/* The diff result's JSON of a file-history record (the ContentDiffResult of
 * the Go datastore whose behaviour probestore implements): written by the
 * content diff, parsed by the readers (ps_diff_result_parse, public). It
 * calls no other history file. */
#ifndef PS_DIFF_JSON_H
#define PS_DIFF_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "../util.h"
#include "history/linediff.h"

/* Appends to b the JSON of a diff at time ts: its fields in the Go
 * struct's order, omitempty where it has it. Without with_diffs, "diffs"
 * is null (no diff text), as Go writes a nil slice; error_message, old_hash
 * and new_hash may be NULL or "" (left out). 0 or PS_ENOMEM. */
int ps_diff_json_write(ps_buf *b, int64_t ts, const char *content_type, const ps_linediff *d, bool with_diffs,
                       const char *error_message, int64_t ms, const char *old_hash, const char *new_hash);

#endif
