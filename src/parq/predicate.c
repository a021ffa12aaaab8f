/* Predicates: construction, parsing, and exact evaluation on rows. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>

#include "predicate.h"

static parq_pred *pred_new(parq_op op, const char *column)
{
	parq_pred *p = parq_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->op = op;
	if (column && !(p->column = parq_strdup(column))) {
		free(p);
		return NULL;
	}
	return p;
}

void parq_pred_free(parq_pred *p)
{
	if (!p)
		return;
	parq_pred_free(p->a);
	parq_pred_free(p->b);
	for (size_t i = 0; i < p->n_vals; i++)
		if (p->vals[i].kind == PARQ_V_BYTES)
			free((void *)p->vals[i].u.s.ptr);
	free(p->vals);
	free(p->column);
	free(p);
}

static int set_values(parq_pred *p, const parq_scalar *v, size_t n)
{
	p->vals = parq_calloc(n ? n : 1, sizeof *p->vals);
	if (!p->vals)
		return PARQ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind != PARQ_V_BOOL && v[i].kind != PARQ_V_INT64 && v[i].kind != PARQ_V_DOUBLE &&
		    v[i].kind != PARQ_V_BYTES)
			return parq_err(PARQ_EINVAL, "predicate on '%s': a constant must be a bool, integer, number or string",
			                p->column);
		p->vals[i] = v[i];
		if (v[i].kind == PARQ_V_BYTES) {
			uint8_t *c = parq_malloc(v[i].u.s.len + 1);
			if (!c)
				return PARQ_ENOMEM;
			if (v[i].u.s.len)
				memcpy(c, v[i].u.s.ptr, v[i].u.s.len);
			p->vals[i].u.s.ptr = c;
		}
		p->n_vals = i + 1;
	}
	return 0;
}

static int finish_leaf(parq_pred **out, parq_pred *p, const parq_scalar *v, size_t n)
{
	if (!p)
		return PARQ_ENOMEM;
	int rc = v ? set_values(p, v, n) : 0;
	if (rc) {
		parq_pred_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int parq_pred_compare(parq_pred **out, const char *column, parq_op op, const parq_scalar *value)
{
	if (op > PARQ_OP_GE)
		return parq_err(PARQ_EINVAL, "parq_pred_compare: not a comparison operator");
	return finish_leaf(out, pred_new(op, column), value, 1);
}

int parq_pred_in(parq_pred **out, const char *column, const parq_scalar *values, size_t n)
{
	if (n == 0)
		return parq_err(PARQ_EINVAL, "predicate on '%s': IN needs at least one value", column);
	return finish_leaf(out, pred_new(PARQ_OP_IN, column), values, n);
}

int parq_pred_null(parq_pred **out, const char *column, bool is_null)
{
	return finish_leaf(out, pred_new(is_null ? PARQ_OP_IS_NULL : PARQ_OP_NOT_NULL, column), NULL, 0);
}

int parq_pred_prefix(parq_pred **out, const char *column, const void *prefix, uint32_t n)
{
	parq_scalar s = parq_scalar_bytes(prefix ? prefix : "", n);
	return finish_leaf(out, pred_new(PARQ_OP_PREFIX, column), &s, 1);
}

int parq_pred_contains(parq_pred **out, const char *list_column, const parq_scalar *value)
{
	return finish_leaf(out, pred_new(PARQ_OP_CONTAINS, list_column), value, 1);
}

int parq_pred_contains_nocase(parq_pred **out, const char *column, const void *s, uint32_t n)
{
	parq_pred *p = pred_new(PARQ_OP_CONTAINS, column);
	if (p)
		p->nocase = true;
	parq_scalar v = parq_scalar_bytes(s ? s : "", n);
	return finish_leaf(out, p, &v, 1);
}

int parq_pred_match(parq_pred **out, const char *column, parq_match_fn fn, void *ud)
{
	if (!fn)
		return parq_err(PARQ_EINVAL, "predicate on '%s': MATCH needs a function", column);
	parq_pred *p = pred_new(PARQ_OP_MATCH, column);
	if (!p)
		return PARQ_ENOMEM;
	p->fn = fn;
	p->fn_ud = ud;
	*out = p;
	return 0;
}

static int combine(parq_pred **out, parq_op op, parq_pred *a, parq_pred *b)
{
	parq_pred *p = a && b ? pred_new(op, NULL) : NULL;
	if (!p) {
		parq_pred_free(a);
		parq_pred_free(b);
		return a && b ? PARQ_ENOMEM : parq_err(PARQ_EINVAL, "AND/OR of a missing predicate");
	}
	p->a = a;
	p->b = b;
	*out = p;
	return 0;
}

int parq_pred_and(parq_pred **out, parq_pred *a, parq_pred *b) { return combine(out, PARQ_OP_AND, a, b); }
int parq_pred_or(parq_pred **out, parq_pred *a, parq_pred *b) { return combine(out, PARQ_OP_OR, a, b); }

/* ---- parsing ---- */

typedef struct lexer {
	const char *s, *p;
} lexer;

static void skip_ws(lexer *lx)
{
	while (isspace((unsigned char)*lx->p))
		lx->p++;
}

static bool keyword(lexer *lx, const char *kw)
{
	skip_ws(lx);
	size_t n = strlen(kw);
	if (strncasecmp(lx->p, kw, n) == 0 && !isalnum((unsigned char)lx->p[n]) && lx->p[n] != '_') {
		lx->p += n;
		return true;
	}
	return false;
}

static bool punct(lexer *lx, const char *tok)
{
	skip_ws(lx);
	size_t n = strlen(tok);
	if (strncmp(lx->p, tok, n) == 0) {
		lx->p += n;
		return true;
	}
	return false;
}

static int syntax(lexer *lx, const char *what)
{
	const char *at = *lx->p ? lx->p : "end of expression";
	return parq_err(PARQ_EINVAL, "where: %s at offset %d (near '%.20s')", what, (int)(lx->p - lx->s), at);
}

/* A column name: identifier characters, dots; or "double quoted". */
static int parse_column(lexer *lx, char *buf, size_t cap)
{
	skip_ws(lx);
	size_t n = 0;
	if (*lx->p == '"') {
		lx->p++;
		while (*lx->p && *lx->p != '"') {
			if (n + 1 >= cap)
				return syntax(lx, "column name too long");
			buf[n++] = *lx->p++;
		}
		if (*lx->p != '"')
			return syntax(lx, "unterminated column name");
		lx->p++;
	} else {
		while (isalnum((unsigned char)*lx->p) || *lx->p == '_' || *lx->p == '.' || *lx->p == '-' || *lx->p == ':') {
			if (n + 1 >= cap)
				return syntax(lx, "column name too long");
			buf[n++] = *lx->p++;
		}
	}
	if (!n)
		return syntax(lx, "expected a column name");
	buf[n] = 0;
	return 0;
}

/* A constant; string bytes are copied into *heap (freed by the caller). */
static int parse_value(lexer *lx, parq_scalar *v, char **heap)
{
	skip_ws(lx);
	*heap = NULL;
	if (*lx->p == '\'') {
		lx->p++;
		size_t cap = strlen(lx->p) + 1, n = 0;
		char *b = parq_malloc(cap);
		if (!b)
			return PARQ_ENOMEM;
		for (;;) {
			if (!*lx->p) {
				free(b);
				return syntax(lx, "unterminated string");
			}
			if (*lx->p == '\'') {
				if (lx->p[1] == '\'') {
					b[n++] = '\'';
					lx->p += 2;
					continue;
				}
				lx->p++;
				break;
			}
			b[n++] = *lx->p++;
		}
		b[n] = 0;
		*heap = b;
		*v = parq_scalar_bytes(b, (uint32_t)n);
		return 0;
	}
	if (keyword(lx, "true")) {
		*v = parq_scalar_bool(true);
		return 0;
	}
	if (keyword(lx, "false")) {
		*v = parq_scalar_bool(false);
		return 0;
	}
	const char *start = lx->p;
	char *end;
	errno = 0;
	long long i = strtoll(start, &end, 10);
	if (end != start && !errno && !(*end == '.' || *end == 'e' || *end == 'E')) {
		lx->p = end;
		*v = parq_scalar_int(i);
		return 0;
	}
	double d = strtod(start, &end);
	if (end != start) {
		lx->p = end;
		*v = parq_scalar_double(d);
		return 0;
	}
	return syntax(lx, "expected a value ('string', number, true or false)");
}

static int parse_or(lexer *lx, parq_pred **out, int depth);

static int parse_primary(lexer *lx, parq_pred **out, int depth)
{
	if (depth > 64)
		return syntax(lx, "expression nested too deeply");
	if (punct(lx, "(")) {
		int rc = parse_or(lx, out, depth + 1);
		if (rc)
			return rc;
		if (!punct(lx, ")")) {
			parq_pred_free(*out);
			return syntax(lx, "expected ')'");
		}
		return 0;
	}
	char col[256];
	int rc = parse_column(lx, col, sizeof col);
	if (rc)
		return rc;
	if (keyword(lx, "IS")) {
		bool neg = keyword(lx, "NOT");
		if (!keyword(lx, "NULL"))
			return syntax(lx, "expected NULL");
		return parq_pred_null(out, col, !neg);
	}
	if (keyword(lx, "STARTS")) {
		if (!keyword(lx, "WITH"))
			return syntax(lx, "expected WITH");
		parq_scalar v;
		char *heap;
		if ((rc = parse_value(lx, &v, &heap)))
			return rc;
		if (v.kind != PARQ_V_BYTES)
			rc = syntax(lx, "STARTS WITH needs a string");
		else
			rc = parq_pred_prefix(out, col, v.u.s.ptr, v.u.s.len);
		free(heap);
		return rc;
	}
	if (keyword(lx, "CONTAINS")) {
		parq_scalar v;
		char *heap;
		if ((rc = parse_value(lx, &v, &heap)))
			return rc;
		rc = parq_pred_contains(out, col, &v);
		free(heap);
		return rc;
	}
	if (keyword(lx, "IN")) {
		if (!punct(lx, "("))
			return syntax(lx, "expected '(' after IN");
		parq_scalar vals[256];
		char *heaps[256];
		size_t n = 0;
		rc = 0;
		do {
			if (n == 256) {
				rc = syntax(lx, "more than 256 values in IN");
				break;
			}
			if ((rc = parse_value(lx, &vals[n], &heaps[n])))
				break;
			n++;
		} while (punct(lx, ","));
		if (!rc && !punct(lx, ")"))
			rc = syntax(lx, "expected ')' after the IN list");
		if (!rc)
			rc = parq_pred_in(out, col, vals, n);
		for (size_t i = 0; i < n; i++)
			free(heaps[i]);
		return rc;
	}
	static const struct { const char *tok; parq_op op; } ops[] = {
		{"<=", PARQ_OP_LE}, {">=", PARQ_OP_GE}, {"!=", PARQ_OP_NE}, {"<>", PARQ_OP_NE},
		{"==", PARQ_OP_EQ}, {"=", PARQ_OP_EQ}, {"<", PARQ_OP_LT}, {">", PARQ_OP_GT},
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (punct(lx, ops[i].tok)) {
			parq_scalar v;
			char *heap;
			if ((rc = parse_value(lx, &v, &heap)))
				return rc;
			rc = parq_pred_compare(out, col, ops[i].op, &v);
			free(heap);
			return rc;
		}
	}
	return syntax(lx, "expected an operator (=, !=, <, <=, >, >=, IN, IS NULL, STARTS WITH, CONTAINS)");
}

static int parse_and(lexer *lx, parq_pred **out, int depth)
{
	parq_pred *left;
	int rc = parse_primary(lx, &left, depth);
	if (rc)
		return rc;
	while (keyword(lx, "AND")) {
		parq_pred *right;
		if ((rc = parse_primary(lx, &right, depth))) {
			parq_pred_free(left);
			return rc;
		}
		if ((rc = parq_pred_and(&left, left, right)))
			return rc;
	}
	*out = left;
	return 0;
}

static int parse_or(lexer *lx, parq_pred **out, int depth)
{
	parq_pred *left;
	int rc = parse_and(lx, &left, depth);
	if (rc)
		return rc;
	while (keyword(lx, "OR")) {
		parq_pred *right;
		if ((rc = parse_and(lx, &right, depth))) {
			parq_pred_free(left);
			return rc;
		}
		if ((rc = parq_pred_or(&left, left, right)))
			return rc;
	}
	*out = left;
	return 0;
}

int parq_pred_parse(parq_pred **out, const char *expr)
{
	lexer lx = {expr, expr};
	parq_pred *p;
	int rc = parse_or(&lx, &p, 0);
	if (rc)
		return rc;
	skip_ws(&lx);
	if (*lx.p) {
		parq_pred_free(p);
		return syntax(&lx, "unexpected text");
	}
	*out = p;
	return 0;
}

/* ---- comparison of values with constants ---- */

static bool is_unsigned(const parq_node *n)
{
	return n->logical.kind == PARQ_LT_INTEGER && !n->logical.is_signed;
}

int parq_cmp_scalar(const parq_node *leaf, parq_value_kind kind, const void *val, size_t len,
                    const parq_scalar *s, int *out)
{
	switch (kind) {
	case PARQ_V_BOOL:
		if (s->kind != PARQ_V_BOOL)
			return -1;
		*out = (int)(*(const bool *)val) - (int)s->u.b;
		return 0;
	case PARQ_V_INT32:
	case PARQ_V_INT64: {
		int64_t x;
		bool u = is_unsigned(leaf);
		if (kind == PARQ_V_INT32) {
			int32_t y;
			memcpy(&y, val, 4);
			x = u ? (int64_t)(uint32_t)y : y;
		} else {
			memcpy(&x, val, 8);
		}
		if (s->kind == PARQ_V_INT64) {
			if (u && kind == PARQ_V_INT64) {
				uint64_t ux = (uint64_t)x;
				if (s->u.i < 0) { *out = 1; return 0; }
				*out = (ux > (uint64_t)s->u.i) - (ux < (uint64_t)s->u.i);
				return 0;
			}
			*out = (x > s->u.i) - (x < s->u.i);
			return 0;
		}
		if (s->kind == PARQ_V_DOUBLE) {
			if (isnan(s->u.d))
				return -1;
			long double lx = u && kind == PARQ_V_INT64 ? (long double)(uint64_t)x : (long double)x;
			*out = (lx > s->u.d) - (lx < s->u.d);
			return 0;
		}
		return -1;
	}
	case PARQ_V_FLOAT:
	case PARQ_V_DOUBLE: {
		double x;
		if (kind == PARQ_V_FLOAT) {
			float f;
			memcpy(&f, val, 4);
			x = f;
		} else {
			memcpy(&x, val, 8);
		}
		double y = s->kind == PARQ_V_DOUBLE ? s->u.d : s->kind == PARQ_V_INT64 ? (double)s->u.i : NAN;
		if (isnan(x) || isnan(y))
			return -1;
		*out = (x > y) - (x < y);
		return 0;
	}
	case PARQ_V_BYTES: {
		if (s->kind != PARQ_V_BYTES)
			return -1;
		size_t n = len < s->u.s.len ? len : s->u.s.len;
		int c = n ? memcmp(val, s->u.s.ptr, n) : 0;
		*out = c ? c : (len > s->u.s.len) - (len < s->u.s.len);
		return 0;
	}
	default:
		return -1;
	}
}

static bool any_equal(const parq_pred *p, const parq_node *leaf, parq_value_kind kind, const void *val, size_t len)
{
	int c;
	for (size_t i = 0; i < p->n_vals; i++)
		if (parq_cmp_scalar(leaf, kind, val, len, &p->vals[i], &c) == 0 && c == 0)
			return true;
	return false;
}

bool parq_pred_match_plain(const parq_pred *p, parq_op op, const parq_node *leaf, parq_value_kind kind,
                           const void *val, size_t len)
{
	int c;
	switch (op) {
	case PARQ_OP_IS_NULL: return false;
	case PARQ_OP_NOT_NULL: return true;
	case PARQ_OP_CONTAINS:
		return kind == PARQ_V_BYTES && p->vals[0].kind == PARQ_V_BYTES && len >= p->vals[0].u.s.len &&
		       (p->vals[0].u.s.len == 0 ||
		        (p->nocase ? parq_memmem_nocase(val, len, p->vals[0].u.s.ptr, p->vals[0].u.s.len)
		                   : parq_memmem(val, len, p->vals[0].u.s.ptr, p->vals[0].u.s.len)) != NULL);
	case PARQ_OP_IN:
		return any_equal(p, leaf, kind, val, len);
	case PARQ_OP_MATCH:
		return kind == PARQ_V_BYTES && p->fn(p->fn_ud, val, len);
	case PARQ_OP_PREFIX:
		return kind == PARQ_V_BYTES && len >= p->vals[0].u.s.len &&
		       (p->vals[0].u.s.len == 0 || memcmp(val, p->vals[0].u.s.ptr, p->vals[0].u.s.len) == 0);
	default:
		break;
	}
	if (parq_cmp_scalar(leaf, kind, val, len, &p->vals[0], &c) != 0)
		return false;
	switch (op) {
	case PARQ_OP_EQ: return c == 0;
	case PARQ_OP_NE: return c != 0;
	case PARQ_OP_LT: return c < 0;
	case PARQ_OP_LE: return c <= 0;
	case PARQ_OP_GT: return c > 0;
	case PARQ_OP_GE: return c >= 0;
	default: return false;
	}
}

static bool scalar_match(parq_op op, const parq_value *v, const parq_pred *p)
{
	const void *val = NULL;
	size_t len = 0;
	switch (v->kind) {
	case PARQ_V_NULL: return op == PARQ_OP_IS_NULL;
	case PARQ_V_BOOL: val = &v->u.b; len = 1; break;
	case PARQ_V_INT32: val = &v->u.i32; len = 4; break;
	case PARQ_V_INT64: val = &v->u.i64; len = 8; break;
	case PARQ_V_FLOAT: val = &v->u.f; len = 4; break;
	case PARQ_V_DOUBLE: val = &v->u.d; len = 8; break;
	case PARQ_V_BYTES: val = v->u.bytes.ptr; len = v->u.bytes.len; break;
	default: break; /* INT96, lists and groups compare with nothing */
	}
	return parq_pred_match_plain(p, op, v->node, v->kind, val, len);
}

/* Whether the repeated child rep of a list group g holds the element as
 * its one field (3-level), rather than being the element itself (the
 * spec's legacy 2-level forms: a group named "array" or "<g>_tuple"). */
static bool rep_wraps_element(const parq_node *g, const parq_node *rep)
{
	size_t gl = strlen(g->name);
	bool tuple = strlen(rep->name) == gl + 6 && strncmp(rep->name, g->name, gl) == 0 &&
	             strcmp(rep->name + gl, "_tuple") == 0;
	return rep->is_group && rep->n_children == 1 && strcmp(rep->name, "array") != 0 && !tuple;
}

/* The elements of a LIST-annotated group value (see the spec's rules). */
static bool list_elements(const parq_value *v, const parq_value **items, uint32_t *n, bool *wrapped)
{
	const parq_node *g = v->node;
	if (v->kind == PARQ_V_LIST) { /* a bare repeated field */
		*items = v->u.list.items;
		*n = v->u.list.n;
		*wrapped = false;
		return true;
	}
	if (v->kind != PARQ_V_STRUCT || g->n_children != 1 || g->children[0]->repetition != PARQ_REPEATED)
		return false;
	const parq_node *rep = g->children[0];
	const parq_value *inst = &v->u.list.items[0];
	*items = inst->u.list.items;
	*n = inst->u.list.n;
	*wrapped = rep_wraps_element(g, rep);
	return true;
}

const parq_node *parq_pred_list_leaf(const parq_node *f)
{
	if (!f->is_group)
		return f->repetition == PARQ_REPEATED ? f : NULL; /* a bare repeated field */
	if (f->repetition == PARQ_REPEATED || f->n_children != 1 || f->children[0]->repetition != PARQ_REPEATED)
		return NULL;
	const parq_node *rep = f->children[0];
	if (!rep->is_group)
		return rep; /* 2-level: the repeated field is the element */
	if (!rep_wraps_element(f, rep) || rep->children[0]->is_group || rep->children[0]->repetition == PARQ_REPEATED)
		return NULL;
	return rep->children[0];
}

static bool is_field(const parq_value *v, const char *column)
{
	size_t n = strcspn(column, ".");
	return v->node && v->node->name && strncmp(v->node->name, column, n) == 0 && v->node->name[n] == 0;
}

/* The predicate's field in row: at the position a scan bound, or found by
 * name in rows of another reader (the row carries its schema nodes). */
static const parq_value *lookup(const parq_pred *p, const parq_pbind *b, const parq_value *row)
{
	const parq_value *v = NULL;
	if (b && b->field_pos >= 0 && (uint32_t)b->field_pos < row->u.list.n &&
	    is_field(&row->u.list.items[b->field_pos], p->column))
		v = &row->u.list.items[b->field_pos];
	for (uint32_t i = 0; !v && i < row->u.list.n; i++)
		if (is_field(&row->u.list.items[i], p->column))
			v = &row->u.list.items[i];
	if (!v)
		return NULL;
	if (b) {
		for (int i = 0; i < b->n_sub; i++) {
			if (v->kind != PARQ_V_STRUCT)
				return v; /* a null parent: the leaf is null too */
			v = &v->u.list.items[b->sub[i]];
		}
		return v;
	}
	/* unbound: the children named after the first dot */
	for (const char *c = strchr(p->column, '.'); c; c = strchr(c + 1, '.')) {
		if (v->kind != PARQ_V_STRUCT)
			return v;
		size_t n = strcspn(c + 1, ".");
		const parq_node *g = v->node;
		int k = -1;
		for (int i = 0; g && i < g->n_children && (uint32_t)i < v->u.list.n; i++)
			if (strlen(g->children[i]->name) == n && !strncmp(g->children[i]->name, c + 1, n))
				k = i;
		if (k < 0)
			return NULL;
		v = &v->u.list.items[k];
	}
	return v;
}

static const parq_pbind *bind_of(const parq_pred *p, const parq_pbind *binds, int n)
{
	for (int i = 0; i < n; i++)
		if (binds[i].p == p)
			return &binds[i];
	return NULL;
}

int parq_pred_eval_bound(const parq_pred *p, const parq_value *row, const parq_pbind *binds, int nb, bool *out)
{
	bool a, b;
	int rc;
	switch (p->op) {
	case PARQ_OP_AND:
		if ((rc = parq_pred_eval_bound(p->a, row, binds, nb, &a)))
			return rc;
		if (!a) {
			*out = false;
			return 0;
		}
		return parq_pred_eval_bound(p->b, row, binds, nb, out);
	case PARQ_OP_OR:
		if ((rc = parq_pred_eval_bound(p->a, row, binds, nb, &a)))
			return rc;
		if (a) {
			*out = true;
			return 0;
		}
		if ((rc = parq_pred_eval_bound(p->b, row, binds, nb, &b)))
			return rc;
		*out = b;
		return 0;
	default:
		break;
	}
	const parq_value *v = lookup(p, bind_of(p, binds, nb), row);
	if (!v)
		return parq_err(PARQ_EINVAL, "predicate column '%s' is not in the row", p->column);
	/* a list's elements, or (CONTAINS on a string) a substring */
	if ((p->op == PARQ_OP_CONTAINS || p->op == PARQ_OP_MATCH) && v->kind != PARQ_V_BYTES && v->kind != PARQ_V_NULL) {
		if (p->nocase)
			return parq_err(PARQ_EINVAL, "CONTAINS ignoring case: column '%s' is not a string", p->column);
		const parq_value *items;
		uint32_t n;
		bool wrapped;
		*out = false;
		if (v->kind == PARQ_V_NULL)
			return 0;
		if (!list_elements(v, &items, &n, &wrapped))
			return parq_err(PARQ_EINVAL, "%s: column '%s' is not a list", p->op == PARQ_OP_MATCH ? "MATCH" : "CONTAINS",
			                p->column);
		for (uint32_t i = 0; i < n && !*out; i++) {
			const parq_value *e = wrapped ? &items[i].u.list.items[0] : &items[i];
			*out = scalar_match(p->op == PARQ_OP_MATCH ? PARQ_OP_MATCH : PARQ_OP_IN, e, p);
		}
		return 0;
	}
	*out = scalar_match(p->op, v, p);
	return 0;
}

int parq_pred_eval_row(const parq_pred *p, const parq_value *row, bool *out)
{
	return parq_pred_eval_bound(p, row, NULL, 0, out);
}
