/* Parquet metadata structures over the Thrift compact protocol
 * (field ids from parquet.thrift). */
#include "thrift.h"

/* ---- decoding helpers ---- */

#define BEGIN_FIELDS(r)                                                  \
	int rc = tc_struct_begin(r);                                     \
	if (rc)                                                          \
		return rc;                                               \
	int16_t last_ = 0, id;                                           \
	int type;                                                        \
	bool bv;                                                         \
	for (;;) {                                                       \
		if ((rc = tc_read_field(r, &type, &id, &last_, &bv)))    \
			return rc;                                       \
		if (type == TC_STOP)                                     \
			break;                                           \
		switch (id) {

#define END_FIELDS(r)                                                    \
		default:                                                 \
			rc = tc_skip(r, type);                           \
		}                                                        \
		if (rc)                                                  \
			return rc;                                       \
	}                                                                \
	tc_struct_end(r);

#define REQUIRE(cond, sname, fname)                                                               \
	do {                                                                                      \
		if (!(cond))                                                                      \
			return parq_err(PARQ_ECORRUPT, sname ": missing required field '" fname "'"); \
	} while (0)

static int get_i32(tc_reader *r, int type, int32_t *v, bool *has)
{
	if (type != TC_I32 && type != TC_I16 && type != TC_BYTE)
		return tc_skip(r, type);
	if (type == TC_BYTE) {
		if (r->p >= r->end)
			return parq_err(PARQ_ECORRUPT, "thrift: truncated byte");
		*v = (int8_t)*r->p++;
	} else {
		int rc = tc_read_i32(r, v);
		if (rc)
			return rc;
	}
	if (has)
		*has = true;
	return 0;
}

static int get_i64(tc_reader *r, int type, int64_t *v, bool *has)
{
	if (type != TC_I64 && type != TC_I32)
		return tc_skip(r, type);
	int rc = tc_read_i64(r, v);
	if (!rc && has)
		*has = true;
	return rc;
}

static int get_bin(tc_reader *r, int type, parq_bytes *v, bool *has)
{
	if (type != TC_BINARY)
		return tc_skip(r, type);
	int rc = tc_read_binary(r, v);
	if (!rc && has)
		*has = true;
	return rc;
}

static int get_bool(tc_reader *r, int type, bool bval, bool *v, bool *has)
{
	if (type != TC_TRUE && type != TC_FALSE)
		return tc_skip(r, type);
	*v = bval;
	if (has)
		*has = true;
	return 0;
}

/* Reads a list header expecting elem; *n = 0 and skipped if the types differ. */
static int get_list(tc_reader *r, int type, int elem, uint32_t *n, bool *skipped)
{
	*skipped = false;
	if (type != TC_LIST && type != TC_SET) {
		*skipped = true;
		return tc_skip(r, type);
	}
	int et;
	int rc = tc_read_list(r, &et, n);
	if (rc)
		return rc;
	bool ok = et == elem || (elem == TC_TRUE && et == TC_FALSE) || (elem == TC_I64 && et == TC_I32) ||
	          (elem == TC_I32 && (et == TC_I16 || et == TC_BYTE));
	if (!ok) {
		/* skip the elements */
		for (uint32_t i = 0; i < *n; i++) {
			if (et == TC_TRUE || et == TC_FALSE) {
				bool b;
				if ((rc = tc_read_list_bool(r, &b)))
					return rc;
			} else if ((rc = tc_skip(r, et))) {
				return rc;
			}
		}
		*n = 0;
		*skipped = true;
	}
	return 0;
}

#define ALLOC(a, n, T) ((T *)parq_arena_calloc((a), (n) ? (n) : 1, sizeof(T)))

/* A list of elem values (structs too), each read by read_one into size
 * bytes of an array from the arena; an error in element i is prefixed
 * "<name>[i]<sep>" (name NULL: no prefix). A list of another element type
 * is skipped and *out left as it was, so a list read is one whose *out is
 * set. Inlined into each caller below, with read_one known there. */
static inline int get_typed_list(parq_arena *a, tc_reader *r, int type, int elem, size_t size,
                                 int (*read_one)(parq_arena *, tc_reader *, void *), const char *name,
                                 const char *sep, void **out, uint32_t *count)
{
	uint32_t n;
	bool skipped;
	int rc = get_list(r, type, elem, &n, &skipped);
	if (rc || skipped)
		return rc;
	uint8_t *v = parq_arena_calloc(a, n ? n : 1, size);
	if (!v)
		return a->last_err ? a->last_err : PARQ_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = read_one(a, r, v + (size_t)i * size)))
			return name ? parq_err_prefix(rc, "%s[%u]%s", name, i, sep) : rc;
	*out = v;
	*count = n;
	return 0;
}

static int read_i32(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return tc_read_i32(r, v);
}

static int read_i64(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return tc_read_i64(r, v);
}

static int read_bin(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return tc_read_binary(r, v);
}

static int get_i32_list(parq_arena *a, tc_reader *r, int type, int32_t **out, uint32_t *count)
{
	void *v = NULL;
	int rc = get_typed_list(a, r, type, TC_I32, sizeof **out, read_i32, NULL, NULL, &v, count);
	if (!rc && v)
		*out = v;
	return rc;
}

static int get_i64_list(parq_arena *a, tc_reader *r, int type, int64_t **out, uint32_t *count)
{
	void *v = NULL;
	int rc = get_typed_list(a, r, type, TC_I64, sizeof **out, read_i64, NULL, NULL, &v, count);
	if (!rc && v)
		*out = v;
	return rc;
}

static int get_bin_list(parq_arena *a, tc_reader *r, int type, parq_bytes **out, uint32_t *count)
{
	void *v = NULL;
	int rc = get_typed_list(a, r, type, TC_BINARY, sizeof **out, read_bin, NULL, NULL, &v, count);
	if (!rc && v)
		*out = v;
	return rc;
}

/* ---- structures ---- */

static int dec_stats(tc_reader *r, parq_meta_stats *s)
{
	memset(s, 0, sizeof *s);
	BEGIN_FIELDS(r)
	case 1: rc = get_bin(r, type, &s->max, &s->has_max); break;
	case 2: rc = get_bin(r, type, &s->min, &s->has_min); break;
	case 3: rc = get_i64(r, type, &s->null_count, &s->has_null_count); break;
	case 4: rc = get_i64(r, type, &s->distinct_count, &s->has_distinct_count); break;
	case 5: rc = get_bin(r, type, &s->max_value, &s->has_max_value); break;
	case 6: rc = get_bin(r, type, &s->min_value, &s->has_min_value); break;
	case 7: rc = get_bool(r, type, bv, &s->is_max_value_exact, &s->has_is_max_value_exact); break;
	case 8: rc = get_bool(r, type, bv, &s->is_min_value_exact, &s->has_is_min_value_exact); break;
	END_FIELDS(r)
	return 0;
}

/* A union of empty structs: *which receives the first member's field id. */
static int dec_union_first(tc_reader *r, int32_t *which)
{
	*which = 0;
	int rc = tc_struct_begin(r);
	if (rc)
		return rc;
	int16_t last = 0, id;
	int type;
	bool bv;
	for (;;) {
		if ((rc = tc_read_field(r, &type, &id, &last, &bv)))
			return rc;
		if (type == TC_STOP)
			break;
		if (!*which)
			*which = id;
		if ((rc = tc_skip(r, type)))
			return rc;
	}
	tc_struct_end(r);
	return 0;
}

static int dec_time_unit(tc_reader *r, parq_time_unit *u)
{
	int32_t which;
	int rc = dec_union_first(r, &which);
	if (rc)
		return rc;
	*u = which == 1 ? PARQ_UNIT_MILLIS : which == 2 ? PARQ_UNIT_MICROS : PARQ_UNIT_NANOS;
	if (which < 1 || which > 3)
		return parq_err(PARQ_ECORRUPT, "TimeUnit: unknown unit %d", (int)which);
	return 0;
}

static int dec_time_like(tc_reader *r, parq_logical *l)
{
	bool has_unit = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_bool(r, type, bv, &l->utc, NULL); break;
	case 2:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_time_unit(r, &l->unit);
		has_unit = true;
		break;
	END_FIELDS(r)
	REQUIRE(has_unit, "TimestampType/TimeType", "unit");
	return 0;
}

static int dec_logical(tc_reader *r, parq_logical *l)
{
	memset(l, 0, sizeof *l);
	int members = 0;
	BEGIN_FIELDS(r)
	case 5: /* DECIMAL */
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		l->kind = PARQ_LT_DECIMAL;
		members++;
		{
			bool hs = false, hp = false;
			tc_reader *rr = r;
			int rc2 = tc_struct_begin(rr);
			if (rc2)
				return rc2;
			int16_t last2 = 0, id2;
			int t2;
			bool b2;
			for (;;) {
				if ((rc2 = tc_read_field(rr, &t2, &id2, &last2, &b2)))
					return rc2;
				if (t2 == TC_STOP)
					break;
				if (id2 == 1)
					rc2 = get_i32(rr, t2, &l->scale, &hs);
				else if (id2 == 2)
					rc2 = get_i32(rr, t2, &l->precision, &hp);
				else
					rc2 = tc_skip(rr, t2);
				if (rc2)
					return rc2;
			}
			tc_struct_end(rr);
			REQUIRE(hs && hp, "DecimalType", "scale/precision");
		}
		break;
	case 7: /* TIME */
	case 8: /* TIMESTAMP */
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		l->kind = id == 7 ? PARQ_LT_TIME : PARQ_LT_TIMESTAMP;
		members++;
		rc = dec_time_like(r, l);
		break;
	case 10: /* INTEGER */
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		l->kind = PARQ_LT_INTEGER;
		members++;
		{
			bool hw = false, hsg = false;
			int rc2 = tc_struct_begin(r);
			if (rc2)
				return rc2;
			int16_t last2 = 0, id2;
			int t2;
			bool b2;
			for (;;) {
				if ((rc2 = tc_read_field(r, &t2, &id2, &last2, &b2)))
					return rc2;
				if (t2 == TC_STOP)
					break;
				if (id2 == 1) {
					int32_t w = 0;
					rc2 = get_i32(r, t2, &w, &hw);
					l->bit_width = (int8_t)w;
				} else if (id2 == 2) {
					rc2 = get_bool(r, t2, b2, &l->is_signed, &hsg);
				} else {
					rc2 = tc_skip(r, t2);
				}
				if (rc2)
					return rc2;
			}
			tc_struct_end(r);
			REQUIRE(hw && hsg, "IntType", "bitWidth/isSigned");
		}
		break;
	case 1: case 2: case 3: case 4: case 6: case 11: case 12: case 13: case 14: case 15: case 16:
	case 17: case 18:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		l->kind = (parq_logical_kind)id;
		members++;
		rc = tc_skip(r, type);
		break;
	default:
		if (type == TC_STRUCT && !members) {
			l->kind = PARQ_LT_OTHER;
			members++;
		}
		rc = tc_skip(r, type);
		break;
	case -32768: break;
	}
	if (rc)
		return rc;
	}
	tc_struct_end(r);
	return 0;
}

static int dec_schema_elem(tc_reader *r, parq_meta_schema_elem *e)
{
	memset(e, 0, sizeof *e);
	bool has_name = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &e->type, &e->has_type); break;
	case 2: rc = get_i32(r, type, &e->type_length, &e->has_type_length); break;
	case 3: rc = get_i32(r, type, &e->repetition, &e->has_repetition); break;
	case 4: rc = get_bin(r, type, &e->name, &has_name); break;
	case 5: rc = get_i32(r, type, &e->num_children, &e->has_num_children); break;
	case 6: rc = get_i32(r, type, &e->converted_type, &e->has_converted_type); break;
	case 7: rc = get_i32(r, type, &e->scale, &e->has_scale); break;
	case 8: rc = get_i32(r, type, &e->precision, &e->has_precision); break;
	case 9: rc = get_i32(r, type, &e->field_id, &e->has_field_id); break;
	case 10:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_logical(r, &e->logical);
		e->has_logical = !rc && e->logical.kind != PARQ_LT_NONE;
		break;
	END_FIELDS(r)
	REQUIRE(has_name, "SchemaElement", "name");
	return 0;
}

static int dec_kv(tc_reader *r, parq_meta_kv *kv)
{
	memset(kv, 0, sizeof *kv);
	bool has_key = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_bin(r, type, &kv->key, &has_key); break;
	case 2: rc = get_bin(r, type, &kv->value, &kv->has_value); break;
	END_FIELDS(r)
	REQUIRE(has_key, "KeyValue", "key");
	return 0;
}

static int one_kv(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return dec_kv(r, v);
}

static int dec_kv_list(parq_arena *a, tc_reader *r, int type, parq_meta_kv **out, uint32_t *count)
{
	void *v = NULL;
	int rc = get_typed_list(a, r, type, TC_STRUCT, sizeof **out, one_kv, "key_value_metadata", ": ", &v, count);
	if (!rc && v)
		*out = v;
	return rc;
}

static int dec_enc_stats(tc_reader *r, parq_meta_page_enc_stats *s)
{
	memset(s, 0, sizeof *s);
	bool h1 = false, h2 = false, h3 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &s->page_type, &h1); break;
	case 2: rc = get_i32(r, type, &s->encoding, &h2); break;
	case 3: rc = get_i32(r, type, &s->count, &h3); break;
	END_FIELDS(r)
	REQUIRE(h1 && h2 && h3, "PageEncodingStats", "page_type/encoding/count");
	return 0;
}

static int one_enc_stats(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return dec_enc_stats(r, v);
}

static int dec_column_meta(parq_arena *a, tc_reader *r, parq_meta_column *m)
{
	memset(m, 0, sizeof *m);
	bool has_type = false, has_enc = false, has_path = false, has_codec = false, has_nv = false;
	bool has_tus = false, has_tcs = false, has_dpo = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &m->type, &has_type); break;
	case 2: rc = get_i32_list(a, r, type, &m->encodings, &m->n_encodings); has_enc = true; break;
	case 3: rc = get_bin_list(a, r, type, &m->path, &m->n_path); has_path = true; break;
	case 4: rc = get_i32(r, type, &m->codec, &has_codec); break;
	case 5: rc = get_i64(r, type, &m->num_values, &has_nv); break;
	case 6: rc = get_i64(r, type, &m->total_uncompressed_size, &has_tus); break;
	case 7: rc = get_i64(r, type, &m->total_compressed_size, &has_tcs); break;
	case 8: rc = dec_kv_list(a, r, type, &m->kv, &m->n_kv); break;
	case 9: rc = get_i64(r, type, &m->data_page_offset, &has_dpo); break;
	case 10: rc = get_i64(r, type, &m->index_page_offset, &m->has_index_page_offset); break;
	case 11: rc = get_i64(r, type, &m->dictionary_page_offset, &m->has_dictionary_page_offset); break;
	case 12:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_stats(r, &m->stats);
		m->has_stats = true;
		break;
	case 13: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *m->enc_stats, one_enc_stats, NULL, NULL, &v,
		                    &m->n_enc_stats);
		if (!rc && v)
			m->enc_stats = v;
		break;
	}
	case 14: rc = get_i64(r, type, &m->bloom_filter_offset, &m->has_bloom_filter_offset); break;
	case 15: rc = get_i32(r, type, &m->bloom_filter_length, &m->has_bloom_filter_length); break;
	END_FIELDS(r)
	REQUIRE(has_type, "ColumnMetaData", "type");
	REQUIRE(has_enc, "ColumnMetaData", "encodings");
	REQUIRE(has_path, "ColumnMetaData", "path_in_schema");
	REQUIRE(has_codec, "ColumnMetaData", "codec");
	REQUIRE(has_nv, "ColumnMetaData", "num_values");
	REQUIRE(has_tus, "ColumnMetaData", "total_uncompressed_size");
	REQUIRE(has_tcs, "ColumnMetaData", "total_compressed_size");
	REQUIRE(has_dpo, "ColumnMetaData", "data_page_offset");
	return 0;
}

static int dec_chunk(parq_arena *a, tc_reader *r, parq_meta_chunk *c)
{
	memset(c, 0, sizeof *c);
	BEGIN_FIELDS(r)
	case 1: rc = get_bin(r, type, &c->file_path, &c->has_file_path); break;
	case 2: rc = get_i64(r, type, &c->file_offset, NULL); break;
	case 3:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_column_meta(a, r, &c->meta);
		if (rc)
			return parq_err_prefix(rc, "meta_data: ");
		c->has_meta = true;
		break;
	case 4: rc = get_i64(r, type, &c->offset_index_offset, &c->has_offset_index_offset); break;
	case 5: rc = get_i32(r, type, &c->offset_index_length, &c->has_offset_index_length); break;
	case 6: rc = get_i64(r, type, &c->column_index_offset, &c->has_column_index_offset); break;
	case 7: rc = get_i32(r, type, &c->column_index_length, &c->has_column_index_length); break;
	case 8: case 9: c->encrypted = true; rc = tc_skip(r, type); break;
	END_FIELDS(r)
	return 0;
}

static int one_chunk(parq_arena *a, tc_reader *r, void *v)
{
	return dec_chunk(a, r, v);
}

static int one_sorting_column(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	parq_meta_sorting_column *sc = v;
	bool h1 = false, h2 = false, h3 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &sc->column_idx, &h1); break;
	case 2: rc = get_bool(r, type, bv, &sc->descending, &h2); break;
	case 3: rc = get_bool(r, type, bv, &sc->nulls_first, &h3); break;
	END_FIELDS(r)
	REQUIRE(h1 && h2 && h3, "SortingColumn", "column_idx/descending/nulls_first");
	return 0;
}

static int dec_row_group(parq_arena *a, tc_reader *r, parq_meta_row_group *g)
{
	memset(g, 0, sizeof *g);
	bool has_cols = false, has_tbs = false, has_rows = false;
	BEGIN_FIELDS(r)
	case 1: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *g->columns, one_chunk, "columns", ".", &v,
		                    &g->n_columns);
		if (!rc && v) {
			g->columns = v;
			has_cols = true;
		}
		break;
	}
	case 2: rc = get_i64(r, type, &g->total_byte_size, &has_tbs); break;
	case 3: rc = get_i64(r, type, &g->num_rows, &has_rows); break;
	case 4: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *g->sorting_columns, one_sorting_column, NULL, NULL, &v,
		                    &g->n_sorting_columns);
		if (!rc && v)
			g->sorting_columns = v;
		break;
	}
	case 5: rc = get_i64(r, type, &g->file_offset, &g->has_file_offset); break;
	case 6: rc = get_i64(r, type, &g->total_compressed_size, &g->has_total_compressed_size); break;
	case 7: {
		int32_t o = 0;
		rc = get_i32(r, type, &o, &g->has_ordinal);
		g->ordinal = (int16_t)o;
		break;
	}
	END_FIELDS(r)
	REQUIRE(has_cols, "RowGroup", "columns");
	REQUIRE(has_tbs, "RowGroup", "total_byte_size");
	REQUIRE(has_rows, "RowGroup", "num_rows");
	return 0;
}

static int one_schema_elem(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	return dec_schema_elem(r, v);
}

static int one_row_group(parq_arena *a, tc_reader *r, void *v)
{
	return dec_row_group(a, r, v);
}

static int one_column_order(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	int32_t *o = v;
	int rc = dec_union_first(r, o);
	if (!rc && *o != 1)
		*o = 0; /* TypeDefinedOrder is the one order there is */
	return rc;
}

static int dec_file(parq_arena *a, tc_reader *r, parq_file_meta *m)
{
	memset(m, 0, sizeof *m);
	bool has_version = false, has_schema = false, has_rows = false, has_rgs = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &m->version, &has_version); break;
	case 2: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *m->schema, one_schema_elem, "schema", ": ", &v,
		                    &m->n_schema);
		if (!rc && v) {
			m->schema = v;
			has_schema = true;
		}
		break;
	}
	case 3: rc = get_i64(r, type, &m->num_rows, &has_rows); break;
	case 4: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *m->row_groups, one_row_group, "row_groups", ".", &v,
		                    &m->n_row_groups);
		if (!rc && v) {
			m->row_groups = v;
			has_rgs = true;
		}
		break;
	}
	case 5: rc = dec_kv_list(a, r, type, &m->kv, &m->n_kv); break;
	case 6: rc = get_bin(r, type, &m->created_by, &m->has_created_by); break;
	case 7: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *m->column_orders, one_column_order, NULL, NULL, &v,
		                    &m->n_column_orders);
		if (!rc && v)
			m->column_orders = v;
		break;
	}
	case 8: m->encrypted = true; rc = tc_skip(r, type); break;
	END_FIELDS(r)
	REQUIRE(has_version, "FileMetaData", "version");
	REQUIRE(has_schema, "FileMetaData", "schema");
	REQUIRE(has_rows, "FileMetaData", "num_rows");
	REQUIRE(has_rgs, "FileMetaData", "row_groups");
	return 0;
}

int parq_meta_decode_file(parq_arena *a, const uint8_t *buf, size_t len, parq_file_meta *out)
{
	tc_reader r = {buf, buf + len, 0};
	int rc = dec_file(a, &r, out);
	if (rc)
		return parq_err_prefix(rc, "FileMetaData.");
	return 0;
}

static int dec_data_page(tc_reader *r, parq_meta_data_page *d)
{
	memset(d, 0, sizeof *d);
	bool h1 = false, h2 = false, h3 = false, h4 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &d->num_values, &h1); break;
	case 2: rc = get_i32(r, type, &d->encoding, &h2); break;
	case 3: rc = get_i32(r, type, &d->def_level_encoding, &h3); break;
	case 4: rc = get_i32(r, type, &d->rep_level_encoding, &h4); break;
	case 5:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_stats(r, &d->stats);
		d->has_stats = true;
		break;
	END_FIELDS(r)
	REQUIRE(h1 && h2 && h3 && h4, "DataPageHeader", "num_values/encoding/level encodings");
	return 0;
}

static int dec_dict_page(tc_reader *r, parq_meta_dict_page *d)
{
	memset(d, 0, sizeof *d);
	bool h1 = false, h2 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &d->num_values, &h1); break;
	case 2: rc = get_i32(r, type, &d->encoding, &h2); break;
	case 3: rc = get_bool(r, type, bv, &d->is_sorted, &d->has_is_sorted); break;
	END_FIELDS(r)
	REQUIRE(h1 && h2, "DictionaryPageHeader", "num_values/encoding");
	return 0;
}

static int dec_data_page_v2(tc_reader *r, parq_meta_data_page_v2 *d)
{
	memset(d, 0, sizeof *d);
	d->is_compressed = true;
	bool h[6] = {0};
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &d->num_values, &h[0]); break;
	case 2: rc = get_i32(r, type, &d->num_nulls, &h[1]); break;
	case 3: rc = get_i32(r, type, &d->num_rows, &h[2]); break;
	case 4: rc = get_i32(r, type, &d->encoding, &h[3]); break;
	case 5: rc = get_i32(r, type, &d->def_levels_byte_length, &h[4]); break;
	case 6: rc = get_i32(r, type, &d->rep_levels_byte_length, &h[5]); break;
	case 7: rc = get_bool(r, type, bv, &d->is_compressed, NULL); break;
	case 8:
		if (type != TC_STRUCT) {
			rc = tc_skip(r, type);
			break;
		}
		rc = dec_stats(r, &d->stats);
		d->has_stats = true;
		break;
	END_FIELDS(r)
	for (int i = 0; i < 6; i++)
		REQUIRE(h[i], "DataPageHeaderV2", "num_values/num_nulls/num_rows/encoding/level lengths");
	return 0;
}

static int dec_page_header(tc_reader *r, parq_meta_page_header *h)
{
	memset(h, 0, sizeof *h);
	bool h1 = false, h2 = false, h3 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &h->type, &h1); break;
	case 2: rc = get_i32(r, type, &h->uncompressed_page_size, &h2); break;
	case 3: rc = get_i32(r, type, &h->compressed_page_size, &h3); break;
	case 4: rc = get_i32(r, type, &h->crc, &h->has_crc); break;
	case 5:
		if (type != TC_STRUCT) { rc = tc_skip(r, type); break; }
		rc = dec_data_page(r, &h->data_page);
		h->has_data_page = true;
		break;
	case 6: h->has_index_page = type == TC_STRUCT; rc = tc_skip(r, type); break;
	case 7:
		if (type != TC_STRUCT) { rc = tc_skip(r, type); break; }
		rc = dec_dict_page(r, &h->dict_page);
		h->has_dict_page = true;
		break;
	case 8:
		if (type != TC_STRUCT) { rc = tc_skip(r, type); break; }
		rc = dec_data_page_v2(r, &h->data_page_v2);
		h->has_data_page_v2 = true;
		break;
	END_FIELDS(r)
	REQUIRE(h1 && h2 && h3, "PageHeader", "type/uncompressed_page_size/compressed_page_size");
	return 0;
}

int parq_meta_decode_page_header(const uint8_t *buf, size_t len, parq_meta_page_header *out, size_t *consumed)
{
	tc_reader r = {buf, buf + len, 0};
	int rc = dec_page_header(&r, out);
	if (rc)
		return parq_err_prefix(rc, "page header: ");
	*consumed = (size_t)(r.p - buf);
	return 0;
}

int parq_meta_decode_column_index(parq_arena *a, const uint8_t *buf, size_t len, parq_meta_column_index *ci)
{
	tc_reader rr = {buf, buf + len, 0}, *r = &rr;
	memset(ci, 0, sizeof *ci);
	bool h1 = false, h2 = false, h3 = false, h4 = false;
	BEGIN_FIELDS(r)
	case 1: {
		uint32_t n;
		bool skipped;
		if ((rc = get_list(r, type, TC_TRUE, &n, &skipped)) || skipped)
			break;
		ci->null_pages = ALLOC(a, n, bool);
		if (!ci->null_pages)
			return a->last_err ? a->last_err : PARQ_ENOMEM;
		for (uint32_t i = 0; i < n && !rc; i++)
			rc = tc_read_list_bool(r, &ci->null_pages[i]);
		ci->n_null_pages = n;
		h1 = true;
		break;
	}
	case 2: rc = get_bin_list(a, r, type, &ci->min_values, &ci->n_min_values); h2 = true; break;
	case 3: rc = get_bin_list(a, r, type, &ci->max_values, &ci->n_max_values); h3 = true; break;
	case 4: rc = get_i32(r, type, &ci->boundary_order, &h4); break;
	case 5: rc = get_i64_list(a, r, type, &ci->null_counts, &ci->n_null_counts); break;
	END_FIELDS(r)
	if (!(h1 && h2 && h3 && h4))
		return parq_err(PARQ_ECORRUPT, "ColumnIndex: missing required fields");
	return 0;
}

static int one_page_location(parq_arena *a, tc_reader *r, void *v)
{
	(void)a;
	parq_meta_page_location *pl = v;
	bool h1 = false, h2 = false, h3 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i64(r, type, &pl->offset, &h1); break;
	case 2: rc = get_i32(r, type, &pl->compressed_page_size, &h2); break;
	case 3: rc = get_i64(r, type, &pl->first_row_index, &h3); break;
	END_FIELDS(r)
	REQUIRE(h1 && h2 && h3, "PageLocation", "offset/compressed_page_size/first_row_index");
	return 0;
}

int parq_meta_decode_offset_index(parq_arena *a, const uint8_t *buf, size_t len, parq_meta_offset_index *oi)
{
	tc_reader rr = {buf, buf + len, 0}, *r = &rr;
	memset(oi, 0, sizeof *oi);
	bool h1 = false;
	BEGIN_FIELDS(r)
	case 1: {
		void *v = NULL;
		rc = get_typed_list(a, r, type, TC_STRUCT, sizeof *oi->page_locations, one_page_location, NULL, NULL, &v,
		                    &oi->n_page_locations);
		if (!rc && v) {
			oi->page_locations = v;
			h1 = true;
		}
		break;
	}
	case 2: rc = get_i64_list(a, r, type, &oi->unencoded_byte_array_data_bytes, &oi->n_unencoded); break;
	END_FIELDS(r)
	REQUIRE(h1, "OffsetIndex", "page_locations");
	return 0;
}

int parq_meta_decode_bloom_header(const uint8_t *buf, size_t len, parq_meta_bloom_header *h, size_t *consumed)
{
	tc_reader rr = {buf, buf + len, 0}, *r = &rr;
	memset(h, 0, sizeof *h);
	bool h1 = false;
	BEGIN_FIELDS(r)
	case 1: rc = get_i32(r, type, &h->num_bytes, &h1); break;
	case 2: if (type == TC_STRUCT) rc = dec_union_first(r, &h->algorithm); else rc = tc_skip(r, type); break;
	case 3: if (type == TC_STRUCT) rc = dec_union_first(r, &h->hash); else rc = tc_skip(r, type); break;
	case 4: if (type == TC_STRUCT) rc = dec_union_first(r, &h->compression); else rc = tc_skip(r, type); break;
	END_FIELDS(r)
	REQUIRE(h1, "BloomFilterHeader", "numBytes");
	*consumed = (size_t)(r->p - buf);
	return 0;
}

/* ---- encoding ---- */

static void enc_stats(tc_writer *w, int16_t id, const parq_meta_stats *s)
{
	tc_write_field(w, TC_STRUCT, id);
	tc_write_struct_begin(w);
	if (s->has_max) tc_write_binary_field(w, 1, s->max.ptr, s->max.len);
	if (s->has_min) tc_write_binary_field(w, 2, s->min.ptr, s->min.len);
	if (s->has_null_count) tc_write_i64_field(w, 3, s->null_count);
	if (s->has_distinct_count) tc_write_i64_field(w, 4, s->distinct_count);
	if (s->has_max_value) tc_write_binary_field(w, 5, s->max_value.ptr, s->max_value.len);
	if (s->has_min_value) tc_write_binary_field(w, 6, s->min_value.ptr, s->min_value.len);
	if (s->has_is_max_value_exact) tc_write_bool_field(w, 7, s->is_max_value_exact);
	if (s->has_is_min_value_exact) tc_write_bool_field(w, 8, s->is_min_value_exact);
	tc_write_struct_end(w);
}

static void enc_empty_member(tc_writer *w, int16_t id)
{
	tc_write_field(w, TC_STRUCT, id);
	tc_write_struct_begin(w);
	tc_write_struct_end(w);
}

/* List field id of n binaries, or of n integers (I32 or I64, zigzag
 * varints alike on the wire). */
static void enc_bin_list(tc_writer *w, int16_t id, const parq_bytes *v, uint32_t n)
{
	tc_write_field(w, TC_LIST, id);
	tc_write_list(w, TC_BINARY, n);
	for (uint32_t i = 0; i < n; i++)
		tc_write_binary(w, v[i].ptr, v[i].len);
}

static void enc_i64_list(tc_writer *w, int16_t id, const int64_t *v, uint32_t n)
{
	tc_write_field(w, TC_LIST, id);
	tc_write_list(w, TC_I64, n);
	for (uint32_t i = 0; i < n; i++)
		tc_write_zigzag(w, v[i]);
}

static void enc_logical(tc_writer *w, const parq_logical *l)
{
	tc_write_field(w, TC_STRUCT, 10);
	tc_write_struct_begin(w);
	switch (l->kind) {
	case PARQ_LT_DECIMAL:
		tc_write_field(w, TC_STRUCT, 5);
		tc_write_struct_begin(w);
		tc_write_i32_field(w, 1, l->scale);
		tc_write_i32_field(w, 2, l->precision);
		tc_write_struct_end(w);
		break;
	case PARQ_LT_TIME:
	case PARQ_LT_TIMESTAMP:
		tc_write_field(w, TC_STRUCT, (int16_t)l->kind);
		tc_write_struct_begin(w);
		tc_write_bool_field(w, 1, l->utc);
		tc_write_field(w, TC_STRUCT, 2);
		tc_write_struct_begin(w);
		enc_empty_member(w, (int16_t)(l->unit == PARQ_UNIT_MILLIS ? 1 : l->unit == PARQ_UNIT_MICROS ? 2 : 3));
		tc_write_struct_end(w);
		tc_write_struct_end(w);
		break;
	case PARQ_LT_INTEGER:
		tc_write_field(w, TC_STRUCT, 10);
		tc_write_struct_begin(w);
		tc_write_field(w, TC_BYTE, 1);
		{
			uint8_t b = (uint8_t)l->bit_width;
			if (!w->err && parq_buf_append(w->out, &b, 1))
				w->err = PARQ_ENOMEM;
		}
		tc_write_bool_field(w, 2, l->is_signed);
		tc_write_struct_end(w);
		break;
	default:
		enc_empty_member(w, (int16_t)l->kind);
	}
	tc_write_struct_end(w);
}

static void enc_kv_list(tc_writer *w, int16_t id, const parq_meta_kv *kv, uint32_t n)
{
	tc_write_field(w, TC_LIST, id);
	tc_write_list(w, TC_STRUCT, n);
	for (uint32_t i = 0; i < n; i++) {
		tc_write_struct_begin(w);
		tc_write_binary_field(w, 1, kv[i].key.ptr, kv[i].key.len);
		if (kv[i].has_value)
			tc_write_binary_field(w, 2, kv[i].value.ptr, kv[i].value.len);
		tc_write_struct_end(w);
	}
}

static void enc_column_meta(tc_writer *w, const parq_meta_column *m)
{
	tc_write_struct_begin(w);
	tc_write_i32_field(w, 1, m->type);
	tc_write_field(w, TC_LIST, 2);
	tc_write_list(w, TC_I32, m->n_encodings);
	for (uint32_t i = 0; i < m->n_encodings; i++)
		tc_write_zigzag(w, m->encodings[i]);
	enc_bin_list(w, 3, m->path, m->n_path);
	tc_write_i32_field(w, 4, m->codec);
	tc_write_i64_field(w, 5, m->num_values);
	tc_write_i64_field(w, 6, m->total_uncompressed_size);
	tc_write_i64_field(w, 7, m->total_compressed_size);
	if (m->n_kv)
		enc_kv_list(w, 8, m->kv, m->n_kv);
	tc_write_i64_field(w, 9, m->data_page_offset);
	if (m->has_index_page_offset)
		tc_write_i64_field(w, 10, m->index_page_offset);
	if (m->has_dictionary_page_offset)
		tc_write_i64_field(w, 11, m->dictionary_page_offset);
	if (m->has_stats)
		enc_stats(w, 12, &m->stats);
	if (m->n_enc_stats) {
		tc_write_field(w, TC_LIST, 13);
		tc_write_list(w, TC_STRUCT, m->n_enc_stats);
		for (uint32_t i = 0; i < m->n_enc_stats; i++) {
			tc_write_struct_begin(w);
			tc_write_i32_field(w, 1, m->enc_stats[i].page_type);
			tc_write_i32_field(w, 2, m->enc_stats[i].encoding);
			tc_write_i32_field(w, 3, m->enc_stats[i].count);
			tc_write_struct_end(w);
		}
	}
	if (m->has_bloom_filter_offset)
		tc_write_i64_field(w, 14, m->bloom_filter_offset);
	if (m->has_bloom_filter_length)
		tc_write_i32_field(w, 15, m->bloom_filter_length);
	tc_write_struct_end(w);
}

int parq_meta_encode_column_meta(parq_buf *out, const parq_meta_column *m)
{
	tc_writer w;
	tc_writer_init(&w, out);
	enc_column_meta(&w, m);
	return w.err;
}

int parq_meta_encode_file(parq_buf *out, const parq_file_meta *m)
{
	tc_writer w;
	tc_writer_init(&w, out);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, m->version);
	tc_write_field(&w, TC_LIST, 2);
	tc_write_list(&w, TC_STRUCT, m->n_schema);
	for (uint32_t i = 0; i < m->n_schema; i++) {
		const parq_meta_schema_elem *e = &m->schema[i];
		tc_write_struct_begin(&w);
		if (e->has_type) tc_write_i32_field(&w, 1, e->type);
		if (e->has_type_length) tc_write_i32_field(&w, 2, e->type_length);
		if (e->has_repetition) tc_write_i32_field(&w, 3, e->repetition);
		tc_write_binary_field(&w, 4, e->name.ptr, e->name.len);
		if (e->has_num_children) tc_write_i32_field(&w, 5, e->num_children);
		if (e->has_converted_type) tc_write_i32_field(&w, 6, e->converted_type);
		if (e->has_scale) tc_write_i32_field(&w, 7, e->scale);
		if (e->has_precision) tc_write_i32_field(&w, 8, e->precision);
		if (e->has_field_id) tc_write_i32_field(&w, 9, e->field_id);
		if (e->has_logical) enc_logical(&w, &e->logical);
		tc_write_struct_end(&w);
	}
	tc_write_i64_field(&w, 3, m->num_rows);
	tc_write_field(&w, TC_LIST, 4);
	tc_write_list(&w, TC_STRUCT, m->n_row_groups);
	for (uint32_t g = 0; g < m->n_row_groups; g++) {
		const parq_meta_row_group *rg = &m->row_groups[g];
		tc_write_struct_begin(&w);
		tc_write_field(&w, TC_LIST, 1);
		tc_write_list(&w, TC_STRUCT, rg->n_columns);
		for (uint32_t c = 0; c < rg->n_columns; c++) {
			const parq_meta_chunk *ch = &rg->columns[c];
			tc_write_struct_begin(&w);
			if (ch->has_file_path) tc_write_binary_field(&w, 1, ch->file_path.ptr, ch->file_path.len);
			tc_write_i64_field(&w, 2, ch->file_offset);
			if (ch->has_meta_raw) {
				/* a struct's fields count their ids from its own start:
				 * encoded alone, it is spliced in as it is */
				tc_write_field(&w, TC_STRUCT, 3);
				if (!w.err && parq_buf_append(w.out, ch->meta_raw.ptr, ch->meta_raw.len))
					w.err = PARQ_ENOMEM;
			} else if (ch->has_meta) {
				tc_write_field(&w, TC_STRUCT, 3);
				enc_column_meta(&w, &ch->meta);
			}
			if (ch->has_offset_index_offset) tc_write_i64_field(&w, 4, ch->offset_index_offset);
			if (ch->has_offset_index_length) tc_write_i32_field(&w, 5, ch->offset_index_length);
			if (ch->has_column_index_offset) tc_write_i64_field(&w, 6, ch->column_index_offset);
			if (ch->has_column_index_length) tc_write_i32_field(&w, 7, ch->column_index_length);
			tc_write_struct_end(&w);
		}
		tc_write_i64_field(&w, 2, rg->total_byte_size);
		tc_write_i64_field(&w, 3, rg->num_rows);
		if (rg->n_sorting_columns) {
			tc_write_field(&w, TC_LIST, 4);
			tc_write_list(&w, TC_STRUCT, rg->n_sorting_columns);
			for (uint32_t i = 0; i < rg->n_sorting_columns; i++) {
				tc_write_struct_begin(&w);
				tc_write_i32_field(&w, 1, rg->sorting_columns[i].column_idx);
				tc_write_bool_field(&w, 2, rg->sorting_columns[i].descending);
				tc_write_bool_field(&w, 3, rg->sorting_columns[i].nulls_first);
				tc_write_struct_end(&w);
			}
		}
		if (rg->has_file_offset) tc_write_i64_field(&w, 5, rg->file_offset);
		if (rg->has_total_compressed_size) tc_write_i64_field(&w, 6, rg->total_compressed_size);
		if (rg->has_ordinal) {
			tc_write_field(&w, TC_I16, 7);
			tc_write_zigzag(&w, rg->ordinal);
		}
		tc_write_struct_end(&w);
	}
	if (m->n_kv)
		enc_kv_list(&w, 5, m->kv, m->n_kv);
	if (m->has_created_by)
		tc_write_binary_field(&w, 6, m->created_by.ptr, m->created_by.len);
	if (m->n_column_orders) {
		tc_write_field(&w, TC_LIST, 7);
		tc_write_list(&w, TC_STRUCT, m->n_column_orders);
		for (uint32_t i = 0; i < m->n_column_orders; i++) {
			tc_write_struct_begin(&w);
			enc_empty_member(&w, 1);
			tc_write_struct_end(&w);
		}
	}
	tc_write_struct_end(&w);
	return w.err;
}

int parq_meta_encode_page_header(parq_buf *out, const parq_meta_page_header *h)
{
	tc_writer w;
	tc_writer_init(&w, out);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, h->type);
	tc_write_i32_field(&w, 2, h->uncompressed_page_size);
	tc_write_i32_field(&w, 3, h->compressed_page_size);
	if (h->has_crc)
		tc_write_i32_field(&w, 4, h->crc);
	if (h->has_data_page) {
		const parq_meta_data_page *d = &h->data_page;
		tc_write_field(&w, TC_STRUCT, 5);
		tc_write_struct_begin(&w);
		tc_write_i32_field(&w, 1, d->num_values);
		tc_write_i32_field(&w, 2, d->encoding);
		tc_write_i32_field(&w, 3, d->def_level_encoding);
		tc_write_i32_field(&w, 4, d->rep_level_encoding);
		if (d->has_stats)
			enc_stats(&w, 5, &d->stats);
		tc_write_struct_end(&w);
	}
	if (h->has_dict_page) {
		tc_write_field(&w, TC_STRUCT, 7);
		tc_write_struct_begin(&w);
		tc_write_i32_field(&w, 1, h->dict_page.num_values);
		tc_write_i32_field(&w, 2, h->dict_page.encoding);
		if (h->dict_page.has_is_sorted)
			tc_write_bool_field(&w, 3, h->dict_page.is_sorted);
		tc_write_struct_end(&w);
	}
	if (h->has_data_page_v2) {
		const parq_meta_data_page_v2 *d = &h->data_page_v2;
		tc_write_field(&w, TC_STRUCT, 8);
		tc_write_struct_begin(&w);
		tc_write_i32_field(&w, 1, d->num_values);
		tc_write_i32_field(&w, 2, d->num_nulls);
		tc_write_i32_field(&w, 3, d->num_rows);
		tc_write_i32_field(&w, 4, d->encoding);
		tc_write_i32_field(&w, 5, d->def_levels_byte_length);
		tc_write_i32_field(&w, 6, d->rep_levels_byte_length);
		if (!d->is_compressed)
			tc_write_bool_field(&w, 7, false);
		if (d->has_stats)
			enc_stats(&w, 8, &d->stats);
		tc_write_struct_end(&w);
	}
	tc_write_struct_end(&w);
	return w.err;
}

int parq_meta_encode_column_index(parq_buf *out, const parq_meta_column_index *ci)
{
	tc_writer w;
	tc_writer_init(&w, out);
	tc_write_struct_begin(&w);
	tc_write_field(&w, TC_LIST, 1);
	tc_write_list(&w, TC_TRUE, ci->n_null_pages);
	for (uint32_t i = 0; i < ci->n_null_pages; i++) {
		uint8_t b = ci->null_pages[i] ? TC_TRUE : TC_FALSE;
		if (!w.err && parq_buf_append(out, &b, 1))
			w.err = PARQ_ENOMEM;
	}
	enc_bin_list(&w, 2, ci->min_values, ci->n_min_values);
	enc_bin_list(&w, 3, ci->max_values, ci->n_max_values);
	tc_write_i32_field(&w, 4, ci->boundary_order);
	if (ci->n_null_counts)
		enc_i64_list(&w, 5, ci->null_counts, ci->n_null_counts);
	tc_write_struct_end(&w);
	return w.err;
}

int parq_meta_encode_offset_index(parq_buf *out, const parq_meta_offset_index *oi)
{
	tc_writer w;
	tc_writer_init(&w, out);
	tc_write_struct_begin(&w);
	tc_write_field(&w, TC_LIST, 1);
	tc_write_list(&w, TC_STRUCT, oi->n_page_locations);
	for (uint32_t i = 0; i < oi->n_page_locations; i++) {
		tc_write_struct_begin(&w);
		tc_write_i64_field(&w, 1, oi->page_locations[i].offset);
		tc_write_i32_field(&w, 2, oi->page_locations[i].compressed_page_size);
		tc_write_i64_field(&w, 3, oi->page_locations[i].first_row_index);
		tc_write_struct_end(&w);
	}
	if (oi->n_unencoded)
		enc_i64_list(&w, 2, oi->unencoded_byte_array_data_bytes, oi->n_unencoded);
	tc_write_struct_end(&w);
	return w.err;
}

int parq_meta_encode_bloom_header(parq_buf *out, const parq_meta_bloom_header *h)
{
	tc_writer w;
	tc_writer_init(&w, out);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, h->num_bytes);
	tc_write_field(&w, TC_STRUCT, 2);
	tc_write_struct_begin(&w);
	enc_empty_member(&w, (int16_t)(h->algorithm ? h->algorithm : 1));
	tc_write_struct_end(&w);
	tc_write_field(&w, TC_STRUCT, 3);
	tc_write_struct_begin(&w);
	enc_empty_member(&w, (int16_t)(h->hash ? h->hash : 1));
	tc_write_struct_end(&w);
	tc_write_field(&w, TC_STRUCT, 4);
	tc_write_struct_begin(&w);
	enc_empty_member(&w, (int16_t)(h->compression ? h->compression : 1));
	tc_write_struct_end(&w);
	tc_write_struct_end(&w);
	return w.err;
}
