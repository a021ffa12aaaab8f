/* Line diffs: Myers' O(ND) algorithm in linear space over interned lines.
 *
 * A line is the bytes up to and including '\n', or the unterminated rest.
 * The result is a list of segments in order: EQUAL (text from a), and for
 * each changed stretch a DELETE (lines of a) followed by an INSERT (lines
 * of b), each segment's text contiguous in its input; concatenating EQUAL
 * and DELETE texts gives a, EQUAL and INSERT texts gives b. */
#ifndef PS_LINEDIFF_H
#define PS_LINEDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ps_linediff_seg {
	/* -1 delete, 0 equal, 1 insert: the DiffOperation of the Go datastore
	 * whose behaviour probestore implements */
	int op;
	const char *text;      /* points into a or b */
	size_t len;
} ps_linediff_seg;

typedef struct ps_linediff {
	ps_linediff_seg *segs;
	size_t n;
	int64_t added, deleted;  /* lines */
	int64_t changed;         /* lines replaced: per changed stretch, min(deleted, added) */
	bool capped;             /* an input exceeded max_bytes: no segments, counts of the
	                          * lines between the common head and tail */
	bool coarse;             /* the work budget ran out: some stretches are not minimal */
} ps_linediff;

/* Diffs a[0..alen) against b[0..blen). max_bytes 0: no cap. Segments point
 * into a and b, which must outlive d. Returns 0 or PS_ENOMEM. */
int ps_linediff_compute(const char *a, size_t alen, const char *b, size_t blen, uint64_t max_bytes, ps_linediff *d);
/* Like ps_linediff_compute, with the work budget (steps of the search)
 * given; for tests of the fallback. */
int ps_linediff_compute_budget(const char *a, size_t alen, const char *b, size_t blen, uint64_t max_bytes,
                               int64_t budget, ps_linediff *d);
void ps_linediff_free(ps_linediff *d);

#endif
