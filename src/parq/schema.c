/* Schema trees: building, level computation, lookup, names of enums. */
#include "schema.h"

#include <stdio.h>
#include <strings.h>

#define SCHEMA_MAX_DEPTH 64
/* Every node's path repeats its ancestors' names, so a long group name with
 * many children would multiply a small footer many times over: the paths
 * of one schema are bounded as a whole. */
#define SCHEMA_MAX_PATH_BYTES ((size_t)64 << 20)

int parq_schema_new(parq_schema **out)
{
	parq_schema *s = parq_calloc(1, sizeof *s);
	if (!s)
		return PARQ_ENOMEM;
	s->root = parq_calloc(1, sizeof *s->root);
	if (!s->root || !(s->root->name = parq_strdup("schema"))) {
		parq_schema_free(s);
		return PARQ_ENOMEM;
	}
	s->root->is_group = true;
	s->root->repetition = PARQ_REQUIRED;
	s->root->converted_type = PARQ_CT_NONE;
	s->root->field_id = -1;
	s->root->leaf_index = -1;
	s->n_nodes = 1;
	*out = s;
	return 0;
}

static void node_free(parq_node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n_children; i++)
		node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->path);
	free(n);
}

void parq_schema_free(parq_schema *s)
{
	if (!s)
		return;
	node_free(s->root);
	free(s->leaves);
	free(s);
}

static int add_node(parq_schema *s, parq_node *parent, const char *name, parq_node **out)
{
	if (s->finished)
		return parq_err(PARQ_EINVAL, "schema: cannot add '%s' after parq_schema_finish", name);
	if (!name || !*name)
		return parq_err(PARQ_EINVAL, "schema: a field needs a name");
	if (!parent)
		parent = s->root;
	if (!parent->is_group)
		return parq_err(PARQ_EINVAL, "schema: '%s' is not a group", parent->name);
	for (int i = 0; i < parent->n_children; i++)
		if (strcmp(parent->children[i]->name, name) == 0)
			return parq_err(PARQ_EINVAL, "schema: duplicate field '%s'", name);
	parq_node **kids = parq_realloc(parent->children, sizeof *kids * (size_t)(parent->n_children + 1));
	if (!kids)
		return PARQ_ENOMEM;
	parent->children = kids;
	parq_node *n = parq_calloc(1, sizeof *n);
	if (!n)
		return PARQ_ENOMEM;
	if (!(n->name = parq_strdup(name))) {
		free(n);
		return PARQ_ENOMEM;
	}
	n->parent = parent;
	n->converted_type = PARQ_CT_NONE;
	n->field_id = -1;
	n->leaf_index = -1;
	kids[parent->n_children++] = n;
	s->n_nodes++;
	*out = n;
	return 0;
}

/* The legacy converted type that matches a logical type, for old readers. */
static int converted_for(const parq_logical *lt, parq_type type)
{
	switch (lt->kind) {
	case PARQ_LT_STRING: return PARQ_CT_UTF8;
	case PARQ_LT_MAP: return PARQ_CT_MAP;
	case PARQ_LT_LIST: return PARQ_CT_LIST;
	case PARQ_LT_ENUM: return PARQ_CT_ENUM;
	case PARQ_LT_DECIMAL: return PARQ_CT_DECIMAL;
	case PARQ_LT_DATE: return PARQ_CT_DATE;
	case PARQ_LT_JSON: return PARQ_CT_JSON;
	case PARQ_LT_BSON: return PARQ_CT_BSON;
	case PARQ_LT_TIME:
		if (lt->unit == PARQ_UNIT_MILLIS && type == PARQ_INT32) return PARQ_CT_TIME_MILLIS;
		if (lt->unit == PARQ_UNIT_MICROS && type == PARQ_INT64) return PARQ_CT_TIME_MICROS;
		return PARQ_CT_NONE;
	case PARQ_LT_TIMESTAMP:
		/* The legacy types imply UTC adjustment. */
		if (!lt->utc) return PARQ_CT_NONE;
		if (lt->unit == PARQ_UNIT_MILLIS) return PARQ_CT_TIMESTAMP_MILLIS;
		if (lt->unit == PARQ_UNIT_MICROS) return PARQ_CT_TIMESTAMP_MICROS;
		return PARQ_CT_NONE;
	case PARQ_LT_INTEGER:
		switch (lt->bit_width) {
		case 8: return lt->is_signed ? PARQ_CT_INT_8 : PARQ_CT_UINT_8;
		case 16: return lt->is_signed ? PARQ_CT_INT_16 : PARQ_CT_UINT_16;
		case 32: return lt->is_signed ? PARQ_CT_INT_32 : PARQ_CT_UINT_32;
		case 64: return lt->is_signed ? PARQ_CT_INT_64 : PARQ_CT_UINT_64;
		}
		return PARQ_CT_NONE;
	default: return PARQ_CT_NONE;
	}
}

static int check_leaf_logical(const char *name, parq_type t, const parq_logical *lt, int32_t len)
{
	bool ok = true;
	switch (lt->kind) {
	case PARQ_LT_NONE: break;
	case PARQ_LT_STRING: case PARQ_LT_ENUM: case PARQ_LT_JSON: case PARQ_LT_BSON:
		ok = t == PARQ_BYTE_ARRAY; break;
	case PARQ_LT_DATE: ok = t == PARQ_INT32; break;
	case PARQ_LT_TIMESTAMP: ok = t == PARQ_INT64; break;
	case PARQ_LT_TIME:
		ok = lt->unit == PARQ_UNIT_MILLIS ? t == PARQ_INT32 : t == PARQ_INT64; break;
	case PARQ_LT_INTEGER:
		ok = (lt->bit_width == 64 ? t == PARQ_INT64 : t == PARQ_INT32) &&
		     (lt->bit_width == 8 || lt->bit_width == 16 || lt->bit_width == 32 || lt->bit_width == 64);
		break;
	case PARQ_LT_DECIMAL:
		ok = lt->precision >= 1 && lt->scale >= 0 && lt->scale <= lt->precision &&
		     ((t == PARQ_INT32 && lt->precision <= 9) || (t == PARQ_INT64 && lt->precision <= 18) ||
		      t == PARQ_BYTE_ARRAY || t == PARQ_FIXED_LEN_BYTE_ARRAY);
		break;
	case PARQ_LT_UUID: ok = t == PARQ_FIXED_LEN_BYTE_ARRAY && len == 16; break;
	case PARQ_LT_FLOAT16: ok = t == PARQ_FIXED_LEN_BYTE_ARRAY && len == 2; break;
	case PARQ_LT_UNKNOWN: break;
	default: ok = false;
	}
	if (!ok)
		return parq_err(PARQ_EINVAL, "schema: logical type %d does not fit %s column '%s'",
		                (int)lt->kind, parq_type_name(t), name);
	return 0;
}

int parq_schema_add_group(parq_schema *s, parq_node *parent, const char *name,
                          parq_repetition rep, const parq_logical *lt, parq_node **out)
{
	parq_node *n;
	int rc = add_node(s, parent, name, &n);
	if (rc)
		return rc;
	n->is_group = true;
	n->repetition = rep;
	if (lt) {
		n->logical = *lt;
		n->converted_type = converted_for(lt, PARQ_BYTE_ARRAY);
	}
	if (out)
		*out = n;
	return 0;
}

int parq_schema_add_leaf(parq_schema *s, parq_node *parent, const char *name,
                         parq_type type, parq_repetition rep, const parq_logical *lt,
                         int32_t type_length, parq_node **out)
{
	if ((unsigned)type > PARQ_FIXED_LEN_BYTE_ARRAY)
		return parq_err(PARQ_EINVAL, "schema: bad physical type %d for '%s'", (int)type, name);
	if (type == PARQ_FIXED_LEN_BYTE_ARRAY && type_length <= 0)
		return parq_err(PARQ_EINVAL, "schema: FIXED_LEN_BYTE_ARRAY '%s' needs a positive length", name);
	if (lt) {
		int rc = check_leaf_logical(name, type, lt, type_length);
		if (rc)
			return rc;
	}
	parq_node *n;
	int rc = add_node(s, parent, name, &n);
	if (rc)
		return rc;
	n->type = type;
	n->type_length = type == PARQ_FIXED_LEN_BYTE_ARRAY ? type_length : type == PARQ_INT96 ? 12 : 0;
	n->repetition = rep;
	if (lt) {
		n->logical = *lt;
		n->converted_type = converted_for(lt, type);
	}
	if (out)
		*out = n;
	return 0;
}

int parq_schema_add_list(parq_schema *s, parq_node *parent, const char *name,
                         parq_repetition list_rep, parq_type elem_type,
                         parq_repetition elem_rep, const parq_logical *elem_lt,
                         int32_t type_length, parq_node **elem_out)
{
	parq_logical list_lt = {0};
	list_lt.kind = PARQ_LT_LIST;
	parq_node *g, *rg;
	int rc = parq_schema_add_group(s, parent, name, list_rep, &list_lt, &g);
	if (rc)
		return rc;
	if ((rc = parq_schema_add_group(s, g, "list", PARQ_REPEATED, NULL, &rg)))
		return rc;
	return parq_schema_add_leaf(s, rg, "element", elem_type, elem_rep, elem_lt, type_length, elem_out);
}

static int finish_node(parq_schema *s, parq_node *n, int16_t def, int16_t rep, int depth,
                       const char *prefix, size_t *path_bytes)
{
	if (depth > SCHEMA_MAX_DEPTH)
		return parq_err(PARQ_ELIMIT, "schema: nesting deeper than %d levels", SCHEMA_MAX_DEPTH);
	if (n->parent) {
		if (n->repetition != PARQ_REQUIRED)
			def++;
		if (n->repetition == PARQ_REPEATED)
			rep++;
	}
	n->max_def = def;
	n->max_rep = rep;
	n->depth = depth;
	free(n->path);
	if (!n->parent) {
		n->path = parq_strdup("");
	} else {
		size_t a = strlen(prefix), b = strlen(n->name);
		*path_bytes += a + b + 2;
		if (*path_bytes > SCHEMA_MAX_PATH_BYTES)
			return parq_err(PARQ_ELIMIT, "schema: the column paths exceed %zu bytes", SCHEMA_MAX_PATH_BYTES);
		n->path = parq_malloc(a + b + 2);
		if (n->path) {
			memcpy(n->path, prefix, a);
			if (a)
				n->path[a++] = '.';
			memcpy(n->path + a, n->name, b + 1);
		}
	}
	if (!n->path)
		return PARQ_ENOMEM;
	n->first_leaf = s->n_leaves;
	if (!n->is_group) {
		n->leaf_index = s->n_leaves;
		/* capacity doubles: 8, 16, 32... (a footer may list a million leaves) */
		int nl = s->n_leaves;
		if (nl == 0 || (nl >= 8 && (nl & (nl - 1)) == 0)) {
			parq_node **l = parq_realloc(s->leaves, sizeof *l * (size_t)(nl ? 2 * nl : 8));
			if (!l)
				return PARQ_ENOMEM;
			s->leaves = l;
		}
		parq_node **l = s->leaves;
		l[s->n_leaves++] = n;
	} else {
		if (n->n_children == 0)
			return parq_err(PARQ_EINVAL, "schema: group '%s' has no fields", n->parent ? n->path : "schema");
		for (int i = 0; i < n->n_children; i++) {
			int rc = finish_node(s, n->children[i], def, rep, depth + 1, n->path, path_bytes);
			if (rc)
				return rc;
		}
	}
	n->n_leaves = s->n_leaves - n->first_leaf;
	return 0;
}

int parq_schema_finish(parq_schema *s)
{
	if (s->finished)
		return 0;
	s->n_leaves = 0;
	size_t path_bytes = 0;
	int rc = finish_node(s, s->root, 0, 0, 0, "", &path_bytes);
	if (rc)
		return rc;
	s->finished = true;
	return 0;
}

int parq_schema_find_leaf(const parq_schema *s, const char *path)
{
	for (int i = 0; i < s->n_leaves; i++)
		if (strcmp(s->leaves[i]->path, path) == 0)
			return i;
	const parq_node *f = parq_schema_find_field(s, path);
	if (f && f->n_leaves == 1)
		return f->first_leaf;
	return -1;
}

const parq_node *parq_schema_find_field(const parq_schema *s, const char *name)
{
	for (int i = 0; i < s->root->n_children; i++)
		if (strcmp(s->root->children[i]->name, name) == 0)
			return s->root->children[i];
	return NULL;
}

size_t parq_value_width(const parq_node *leaf)
{
	switch (leaf->type) {
	case PARQ_BOOLEAN: return 1;
	case PARQ_INT32: case PARQ_FLOAT: return 4;
	case PARQ_INT64: case PARQ_DOUBLE: return 8;
	case PARQ_INT96: return 12;
	case PARQ_FIXED_LEN_BYTE_ARRAY: return (size_t)leaf->type_length;
	default: return 0;
	}
}

const char *parq_type_name(parq_type t)
{
	static const char *names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
	                              "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
	return (unsigned)t < 8 ? names[t] : "UNKNOWN_TYPE";
}

const char *parq_codec_name(parq_codec c)
{
	static const char *names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4",
	                              "ZSTD", "LZ4_RAW"};
	return (unsigned)c < 8 ? names[c] : "UNKNOWN_CODEC";
}

const char *parq_encoding_name(parq_encoding e)
{
	switch (e) {
	case PARQ_ENC_PLAIN: return "PLAIN";
	case PARQ_ENC_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
	case PARQ_ENC_RLE: return "RLE";
	case PARQ_ENC_BIT_PACKED: return "BIT_PACKED";
	case PARQ_ENC_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
	case PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
	case PARQ_ENC_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
	case PARQ_ENC_RLE_DICTIONARY: return "RLE_DICTIONARY";
	case PARQ_ENC_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
	}
	return "UNKNOWN_ENCODING";
}

int parq_codec_from_name(const char *name, parq_codec *out)
{
	static const struct { const char *n; parq_codec c; } map[] = {
		{"none", PARQ_CODEC_UNCOMPRESSED}, {"uncompressed", PARQ_CODEC_UNCOMPRESSED},
		{"snappy", PARQ_CODEC_SNAPPY}, {"gzip", PARQ_CODEC_GZIP}, {"zstd", PARQ_CODEC_ZSTD},
		{"lz4", PARQ_CODEC_LZ4_RAW}, {"lz4_raw", PARQ_CODEC_LZ4_RAW}, {"brotli", PARQ_CODEC_BROTLI},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(name, map[i].n) == 0) {
			*out = map[i].c;
			return 0;
		}
	return parq_err(PARQ_EINVAL, "unknown codec '%s' (expected none, snappy, gzip, zstd, lz4, brotli)", name);
}

/* ---- schema from file metadata ---- */

/* Fills the logical type from a legacy converted type when the file has none. */
static void logical_from_converted(parq_node *n, const parq_meta_schema_elem *e)
{
	parq_logical *l = &n->logical;
	switch (e->converted_type) {
	case PARQ_CT_UTF8: l->kind = PARQ_LT_STRING; break;
	case PARQ_CT_MAP: case PARQ_CT_MAP_KEY_VALUE: l->kind = PARQ_LT_MAP; break;
	case PARQ_CT_LIST: l->kind = PARQ_LT_LIST; break;
	case PARQ_CT_ENUM: l->kind = PARQ_LT_ENUM; break;
	case PARQ_CT_JSON: l->kind = PARQ_LT_JSON; break;
	case PARQ_CT_BSON: l->kind = PARQ_LT_BSON; break;
	case PARQ_CT_DATE: l->kind = PARQ_LT_DATE; break;
	case PARQ_CT_DECIMAL:
		l->kind = PARQ_LT_DECIMAL;
		l->scale = e->has_scale ? e->scale : 0;
		l->precision = e->has_precision ? e->precision : 0;
		break;
	case PARQ_CT_TIME_MILLIS: case PARQ_CT_TIME_MICROS:
		l->kind = PARQ_LT_TIME;
		l->utc = true;
		l->unit = e->converted_type == PARQ_CT_TIME_MILLIS ? PARQ_UNIT_MILLIS : PARQ_UNIT_MICROS;
		break;
	case PARQ_CT_TIMESTAMP_MILLIS: case PARQ_CT_TIMESTAMP_MICROS:
		l->kind = PARQ_LT_TIMESTAMP;
		l->utc = true;
		l->unit = e->converted_type == PARQ_CT_TIMESTAMP_MILLIS ? PARQ_UNIT_MILLIS : PARQ_UNIT_MICROS;
		break;
	case PARQ_CT_UINT_8: case PARQ_CT_UINT_16: case PARQ_CT_UINT_32: case PARQ_CT_UINT_64:
	case PARQ_CT_INT_8: case PARQ_CT_INT_16: case PARQ_CT_INT_32: case PARQ_CT_INT_64: {
		static const int8_t widths[] = {8, 16, 32, 64};
		int k = e->converted_type - PARQ_CT_UINT_8;
		l->kind = PARQ_LT_INTEGER;
		l->is_signed = k >= 4;
		l->bit_width = widths[k % 4];
		break;
	}
	default: break;
	}
}

static char *bytes_dup(parq_bytes b)
{
	char *p = parq_malloc((size_t)b.len + 1);
	if (p) {
		if (b.len)
			memcpy(p, b.ptr, b.len);
		p[b.len] = 0;
	}
	return p;
}

/* Builds the subtree rooted at elems[*pos]; *pos advances past it. */
static int build_from_meta(parq_schema *s, parq_node *n, const parq_meta_schema_elem *elems,
                           uint32_t n_elems, uint32_t *pos, int depth)
{
	const parq_meta_schema_elem *e = &elems[*pos];
	(*pos)++;
	if (depth > SCHEMA_MAX_DEPTH)
		return parq_err(PARQ_ECORRUPT, "schema nests deeper than %d levels", SCHEMA_MAX_DEPTH);
	if (!(n->name = bytes_dup(e->name)))
		return PARQ_ENOMEM;
	n->repetition = e->has_repetition ? (parq_repetition)e->repetition : PARQ_REQUIRED;
	if (depth > 0 && (!e->has_repetition || e->repetition < 0 || e->repetition > 2))
		return parq_err(PARQ_ECORRUPT, "schema element '%s' has no valid repetition", n->name);
	n->converted_type = e->has_converted_type ? e->converted_type : PARQ_CT_NONE;
	n->field_id = e->has_field_id ? e->field_id : -1;
	n->leaf_index = -1;
	if (e->has_logical)
		n->logical = e->logical;
	else if (e->has_converted_type)
		logical_from_converted(n, e);
	if (n->logical.kind == PARQ_LT_DECIMAL && n->logical.precision == 0 && e->has_precision) {
		n->logical.precision = e->precision;
		n->logical.scale = e->has_scale ? e->scale : 0;
	}
	bool group = e->has_num_children && (e->num_children > 0 || !e->has_type);
	if (depth == 0)
		group = true;
	if (!group) {
		if (!e->has_type || e->type < 0 || e->type > PARQ_FIXED_LEN_BYTE_ARRAY)
			return parq_err(PARQ_ECORRUPT, "schema element '%s' has no valid physical type", n->name);
		n->type = (parq_type)e->type;
		n->type_length = e->has_type_length ? e->type_length : 0;
		if (n->type == PARQ_INT96)
			n->type_length = 12;
		if (n->type == PARQ_FIXED_LEN_BYTE_ARRAY && (n->type_length <= 0 || n->type_length > (1 << 24)))
			return parq_err(PARQ_ECORRUPT, "FIXED_LEN_BYTE_ARRAY column '%s' has invalid length %d",
			                n->name, (int)n->type_length);
		return 0;
	}
	n->is_group = true;
	int32_t nc = e->has_num_children ? e->num_children : 0;
	if (nc < 0 || (uint32_t)nc > n_elems - *pos)
		return parq_err(PARQ_ECORRUPT, "schema element '%s' claims %d children, only %u elements follow",
		                n->name, (int)nc, n_elems - *pos);
	if (nc == 0 && depth > 0)
		return parq_err(PARQ_ECORRUPT, "schema group '%s' has no children", n->name);
	n->children = parq_calloc((size_t)nc, sizeof *n->children);
	if (!n->children)
		return PARQ_ENOMEM;
	for (int32_t i = 0; i < nc; i++) {
		if (*pos >= n_elems)
			return parq_err(PARQ_ECORRUPT, "schema ends inside group '%s'", n->name);
		parq_node *c = parq_calloc(1, sizeof *c);
		if (!c)
			return PARQ_ENOMEM;
		c->parent = n;
		n->children[n->n_children++] = c;
		s->n_nodes++;
		int rc = build_from_meta(s, c, elems, n_elems, pos, depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

int parq_schema_from_meta(parq_schema **out, const parq_meta_schema_elem *elems, uint32_t n)
{
	if (n == 0)
		return parq_err(PARQ_ECORRUPT, "file metadata has an empty schema");
	parq_schema *s = parq_calloc(1, sizeof *s);
	if (!s)
		return PARQ_ENOMEM;
	s->root = parq_calloc(1, sizeof *s->root);
	if (!s->root) {
		free(s);
		return PARQ_ENOMEM;
	}
	s->n_nodes = 1;
	uint32_t pos = 0;
	int rc = build_from_meta(s, s->root, elems, n, &pos, 0);
	if (!rc && pos != n)
		rc = parq_err(PARQ_ECORRUPT, "schema has %u elements but the tree uses %u", n, pos);
	if (!rc)
		rc = parq_schema_finish_read(s);
	if (rc) {
		parq_schema_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int parq_schema_finish_read(parq_schema *s)
{
	s->n_leaves = 0;
	size_t path_bytes = 0;
	int rc = finish_node(s, s->root, 0, 0, 0, "", &path_bytes);
	if (rc == PARQ_EINVAL)
		rc = PARQ_ECORRUPT;
	if (!rc)
		s->finished = true;
	return rc;
}

/* ---- schema to file metadata ---- */

static int to_meta(const parq_node *n, parq_meta_schema_elem *out, uint32_t *pos)
{
	parq_meta_schema_elem *e = &out[(*pos)++];
	memset(e, 0, sizeof *e);
	e->name.ptr = (const uint8_t *)n->name;
	e->name.len = (uint32_t)strlen(n->name);
	if (n->parent) {
		e->has_repetition = true;
		e->repetition = n->repetition;
	}
	if (n->is_group) {
		e->has_num_children = true;
		e->num_children = n->n_children;
	} else {
		e->has_type = true;
		e->type = n->type;
		if (n->type == PARQ_FIXED_LEN_BYTE_ARRAY) {
			e->has_type_length = true;
			e->type_length = n->type_length;
		}
	}
	if (n->converted_type != PARQ_CT_NONE) {
		e->has_converted_type = true;
		e->converted_type = n->converted_type;
	}
	if (n->logical.kind != PARQ_LT_NONE && n->logical.kind != PARQ_LT_OTHER) {
		e->has_logical = true;
		e->logical = n->logical;
		if (n->logical.kind == PARQ_LT_DECIMAL) {
			e->has_scale = e->has_precision = true;
			e->scale = n->logical.scale;
			e->precision = n->logical.precision;
		}
	}
	if (n->field_id >= 0) {
		e->has_field_id = true;
		e->field_id = n->field_id;
	}
	for (int i = 0; i < n->n_children; i++) {
		int rc = to_meta(n->children[i], out, pos);
		if (rc)
			return rc;
	}
	return 0;
}

int parq_schema_to_meta(const parq_schema *s, parq_meta_schema_elem **out, uint32_t *n)
{
	parq_meta_schema_elem *e = parq_calloc((size_t)s->n_nodes, sizeof *e);
	if (!e)
		return PARQ_ENOMEM;
	uint32_t pos = 0;
	to_meta(s->root, e, &pos);
	*out = e;
	*n = pos;
	return 0;
}
