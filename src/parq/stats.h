/* Column statistics: ordering of physical values under their logical type,
 * min/max accumulation, and truncation of long byte strings. */
#ifndef PARQ_STATS_H
#define PARQ_STATS_H

#include "util.h"

typedef enum {
	PARQ_ORDER_NONE = 0, /* no defined order: no min/max written */
	PARQ_ORDER_BOOL,
	PARQ_ORDER_I32,
	PARQ_ORDER_U32,
	PARQ_ORDER_I64,
	PARQ_ORDER_U64,
	PARQ_ORDER_FLOAT,
	PARQ_ORDER_DOUBLE,
	PARQ_ORDER_BYTES     /* unsigned lexicographic */
} parq_order;

/* The sort order of a leaf's values, as the spec's ColumnOrder defines it. */
parq_order parq_order_of(const parq_node *leaf);

/* Accumulated min/max/null count. Byte-string bounds are owned copies. */
typedef struct parq_stats {
	parq_order order;
	bool has_minmax;
	union { int32_t i32; int64_t i64; float f; double d; uint8_t b; } min, max;
	parq_buf bmin, bmax;
	int64_t nulls;
	int64_t values;      /* non-null values seen */
	/* Byte strings: only the first cmp_limit bytes decide min and max (0:
	 * all). With cmp_limit at least the truncation length + 4 (the longest
	 * UTF-8 character a cut may split), the written bounds come out the
	 * same as with full comparisons, and long values with long common
	 * prefixes (JSON, URLs) cost no more than that to compare. */
	size_t cmp_limit;
} parq_stats;

void parq_stats_init(parq_stats *s, parq_order order);
void parq_stats_reset(parq_stats *s);
void parq_stats_free(parq_stats *s);
/* Folds n packed fixed-width values (see parq_column_batch) into s. */
void parq_stats_update_fixed(parq_stats *s, const void *values, size_t n);
/* Folds byte strings; `width` > 0 for FIXED_LEN_BYTE_ARRAY values packed in `flba`. */
int parq_stats_update_bytes(parq_stats *s, const parq_bytes *v, size_t n);
int parq_stats_update_flba(parq_stats *s, const uint8_t *flba, size_t n, int width);
/* Merges b into a (same order). */
int parq_stats_merge(parq_stats *a, const parq_stats *b);
/* Compares two plain-encoded values under an order: <0, 0, >0. */
int parq_order_compare(parq_order o, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Plain-encodes s's min and max into out, truncating byte strings longer
 * than max_bytes (min cut; max cut and incremented; UTF-8 kept valid when
 * utf8). *min / *max point into out after the call; *exact flags tell if
 * truncation happened. Returns 0; sets has to false when no min/max. */
typedef struct parq_stats_enc {
	bool has;
	size_t min_off, min_len, max_off, max_len;
	bool min_exact, max_exact;
} parq_stats_enc;
int parq_stats_encode(const parq_stats *s, size_t max_bytes, bool utf8, parq_buf *out,
                      parq_stats_enc *enc);

#endif
