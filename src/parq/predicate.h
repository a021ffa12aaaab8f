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
	parq_match_fn fn;     /* MATCH */
	void *fn_ud;
	bool nocase;          /* CONTAINS of a string, ignoring ASCII case */
};

/* Where a leaf test of a predicate finds its value in the rows a scan
 * assembles; a scan keeps these for the tree it was given, which stays
 * untouched (one predicate serves any number of scans at once). */
typedef struct parq_pbind {
	const parq_pred *p;
	int field_pos;        /* index of the top-level field in the scanned row */
	int sub[PRED_MAX_DEPTH], n_sub; /* child indices below it, for nested groups */
	int leaf;             /* the leaf column the pruning looks at, or -1 */
	bool group;           /* IS [NOT] NULL of a group: leaf is its first leaf */
	bool substr;          /* CONTAINS on a string column: a substring test */
	bool elem;            /* CONTAINS or MATCH tests the elements of a list */
} parq_pbind;

/* parq_pred_eval_row with the bindings of a scan (n of them) for leaf
 * tests to find their values by position; a test without one looks its
 * field up by name. */
int parq_pred_eval_bound(const parq_pred *p, const parq_value *row, const parq_pbind *binds, int n, bool *out);

/* Compares a plain value (kind as in parq_value) of a leaf with a constant:
 * 0 and *out set (<0, 0, >0), or -1 when not comparable. */
int parq_cmp_scalar(const parq_node *leaf, parq_value_kind kind, const void *val, size_t len,
                    const parq_scalar *s, int *out);

/* Whether a present (not null) value of a leaf, of the kind a row reader
 * gives it (BYTES for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY), matches the
 * leaf predicate p under op: p->op, where CONTAINS is a substring test;
 * the elements of a list are tested with IN (CONTAINS) or MATCH. */
bool parq_pred_match_plain(const parq_pred *p, parq_op op, const parq_node *leaf, parq_value_kind kind,
                           const void *val, size_t len);

/* The primitive leaf that is the element of the list field f (a top-level
 * LIST group or bare repeated field), as parq_pred_eval_row reads
 * CONTAINS; NULL when f's elements are not that leaf's values. */
const parq_node *parq_pred_list_leaf(const parq_node *f);

#endif
