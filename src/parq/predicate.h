/* Internal predicate representation, shared by evaluation and pruning. */
#ifndef PARQ_PREDICATE_H
#define PARQ_PREDICATE_H

#include <errno.h>

#include "util.h"

#define PRED_MAX_DEPTH 16

struct parq_pred {
	parq_op op;
	char *column;
	parq_scalar *vals;    /* owned; BYTES copied */
	size_t n_vals;
	parq_pred *a, *b;     /* AND / OR */
	/* bound by a scan (mutable binding state of an otherwise const tree) */
	int field_pos;        /* index of the top-level field in the scanned row */
	int sub[PRED_MAX_DEPTH], n_sub; /* child indices below it, for nested groups */
	int leaf;             /* the leaf column the pruning looks at, or -1 */
	bool group;           /* IS [NOT] NULL of a group: leaf is its first leaf */
	bool substr;          /* CONTAINS on a string column: a substring test */
};

/* Compares a plain value (kind as in parq_value) of a leaf with a constant:
 * 0 and *out set (<0, 0, >0), or -1 when not comparable. */
int parq_cmp_scalar(const parq_node *leaf, parq_value_kind kind, const void *val, size_t len,
                    const parq_scalar *s, int *out);

#endif
