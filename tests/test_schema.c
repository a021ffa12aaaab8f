/* Schema trees: levels, paths, leaf order, validation, and the flattened
 * metadata form (to file and back, legacy converted types). */
#include "parq/meta.h"
#include "parq/parq.h"
#include "schema.h"
#include "test.h"

static void test_levels(void)
{
	parq_schema *s;
	parq_logical S = parq_lt_string(), ts = parq_lt_timestamp(PARQ_UNIT_MILLIS, true);
	parq_logical map = {0};
	map.kind = PARQ_LT_MAP;
	parq_node *elem, *g, *kv, *m, *inner;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "when", PARQ_INT64, PARQ_OPTIONAL, &ts, 0, NULL));
	CHECK_OK(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, &elem));
	CHECK_OK(parq_schema_add_group(s, NULL, "attrs", PARQ_OPTIONAL, &map, &m));
	CHECK_OK(parq_schema_add_group(s, m, "key_value", PARQ_REPEATED, NULL, &kv));
	CHECK_OK(parq_schema_add_leaf(s, kv, "key", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, kv, "value", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_group(s, NULL, "nested", PARQ_REQUIRED, NULL, &g));
	CHECK_OK(parq_schema_add_group(s, g, "inner", PARQ_REPEATED, NULL, &inner));
	CHECK_OK(parq_schema_add_leaf(s, inner, "x", PARQ_DOUBLE, PARQ_REQUIRED, NULL, 0, NULL));
	/* duplicates and misplaced types are refused */
	CHECK_EQ_INT(parq_schema_add_leaf(s, NULL, "id", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL), PARQ_EINVAL);
	CHECK_EQ_INT(parq_schema_add_leaf(s, NULL, "bad", PARQ_INT32, PARQ_REQUIRED, &S, 0, NULL), PARQ_EINVAL);
	CHECK_EQ_INT(parq_schema_add_leaf(s, NULL, "flba", PARQ_FIXED_LEN_BYTE_ARRAY, PARQ_REQUIRED, NULL, 0, NULL),
	             PARQ_EINVAL);
	CHECK_OK(parq_schema_finish(s));
	CHECK_EQ_INT(parq_schema_add_leaf(s, NULL, "late", PARQ_INT32, PARQ_REQUIRED, NULL, 0, NULL), PARQ_EINVAL);

	CHECK_EQ_INT(s->n_leaves, 6);
	const char *paths[] = {"id", "when", "tags.list.element", "attrs.key_value.key", "attrs.key_value.value",
	                       "nested.inner.x"};
	const int defs[] = {0, 1, 3, 2, 3, 1};
	const int reps[] = {0, 0, 1, 1, 1, 1};
	for (int i = 0; i < 6; i++) {
		CHECK(strcmp(s->leaves[i]->path, paths[i]) == 0);
		CHECK_EQ_INT(s->leaves[i]->max_def, defs[i]);
		CHECK_EQ_INT(s->leaves[i]->max_rep, reps[i]);
		CHECK_EQ_INT(s->leaves[i]->leaf_index, i);
		CHECK_EQ_INT(parq_schema_find_leaf(s, paths[i]), i);
	}
	CHECK(elem == s->leaves[2]);
	CHECK_EQ_INT(parq_schema_find_leaf(s, "tags"), 2); /* a field with one leaf */
	CHECK_EQ_INT(parq_schema_find_leaf(s, "attrs"), -1); /* two leaves */
	CHECK_EQ_INT(parq_schema_find_leaf(s, "nope"), -1);
	CHECK_EQ_INT(m->first_leaf, 3);
	CHECK_EQ_INT(m->n_leaves, 2);
	CHECK_EQ_INT(s->leaves[1]->converted_type, PARQ_CT_TIMESTAMP_MILLIS);
	CHECK_EQ_INT(s->leaves[2]->converted_type, PARQ_CT_UTF8);

	/* to the flattened form and back */
	parq_meta_schema_elem *el;
	uint32_t n;
	CHECK_OK(parq_schema_to_meta(s, &el, &n));
	CHECK_EQ_INT(n, (uint32_t)s->n_nodes);
	parq_schema *back;
	CHECK_OK(parq_schema_from_meta(&back, el, n));
	CHECK_EQ_INT(back->n_leaves, 6);
	for (int i = 0; i < 6; i++) {
		CHECK(strcmp(back->leaves[i]->path, paths[i]) == 0);
		CHECK_EQ_INT(back->leaves[i]->max_def, defs[i]);
		CHECK_EQ_INT(back->leaves[i]->max_rep, reps[i]);
		CHECK_EQ_INT(back->leaves[i]->type, s->leaves[i]->type);
		CHECK_EQ_INT(back->leaves[i]->logical.kind, s->leaves[i]->logical.kind);
	}
	CHECK(back->leaves[1]->logical.utc && back->leaves[1]->logical.unit == PARQ_UNIT_MILLIS);
	free(el);
	parq_schema_free(back);
	parq_schema_free(s);
}

static parq_meta_schema_elem leaf_elem(const char *name, int type, int rep, int ct)
{
	parq_meta_schema_elem e;
	memset(&e, 0, sizeof e);
	e.name = (parq_bytes){(const uint8_t *)name, (uint32_t)strlen(name)};
	e.has_type = true;
	e.type = type;
	e.has_repetition = true;
	e.repetition = rep;
	if (ct >= 0) {
		e.has_converted_type = true;
		e.converted_type = ct;
	}
	return e;
}

static void test_converted_types(void)
{
	parq_meta_schema_elem el[6];
	memset(el, 0, sizeof el);
	el[0].name = (parq_bytes){(const uint8_t *)"schema", 6};
	el[0].has_num_children = true;
	el[0].num_children = 5;
	el[1] = leaf_elem("s", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, PARQ_CT_UTF8);
	el[2] = leaf_elem("u8", PARQ_INT32, PARQ_OPTIONAL, PARQ_CT_UINT_8);
	el[3] = leaf_elem("d", PARQ_INT64, PARQ_OPTIONAL, PARQ_CT_DECIMAL);
	el[3].has_precision = el[3].has_scale = true;
	el[3].precision = 10;
	el[3].scale = 2;
	el[4] = leaf_elem("t", PARQ_INT64, PARQ_OPTIONAL, PARQ_CT_TIMESTAMP_MICROS);
	el[5] = leaf_elem("f", PARQ_FIXED_LEN_BYTE_ARRAY, PARQ_REQUIRED, -1);
	el[5].has_type_length = true;
	el[5].type_length = 16;
	parq_schema *s;
	CHECK_OK(parq_schema_from_meta(&s, el, 6));
	CHECK_EQ_INT(s->leaves[0]->logical.kind, PARQ_LT_STRING);
	CHECK_EQ_INT(s->leaves[1]->logical.kind, PARQ_LT_INTEGER);
	CHECK_EQ_INT(s->leaves[1]->logical.bit_width, 8);
	CHECK(!s->leaves[1]->logical.is_signed);
	CHECK_EQ_INT(s->leaves[2]->logical.kind, PARQ_LT_DECIMAL);
	CHECK_EQ_INT(s->leaves[2]->logical.precision, 10);
	CHECK_EQ_INT(s->leaves[2]->logical.scale, 2);
	CHECK_EQ_INT(s->leaves[3]->logical.kind, PARQ_LT_TIMESTAMP);
	CHECK_EQ_INT(s->leaves[3]->logical.unit, PARQ_UNIT_MICROS);
	CHECK_EQ_INT(s->leaves[4]->type_length, 16);
	parq_schema_free(s);

	/* invalid: FLBA without a length, repetition missing below the root */
	el[5].has_type_length = false;
	CHECK_EQ_INT(parq_schema_from_meta(&s, el, 6), PARQ_ECORRUPT);
	el[5].has_type_length = true;
	el[4].has_repetition = false;
	CHECK_EQ_INT(parq_schema_from_meta(&s, el, 6), PARQ_ECORRUPT);
	CHECK_EQ_INT(parq_schema_from_meta(&s, el, 0), PARQ_ECORRUPT);
}

static void test_names(void)
{
	parq_codec c;
	CHECK_OK(parq_codec_from_name("ZSTD", &c));
	CHECK_EQ_INT(c, PARQ_CODEC_ZSTD);
	CHECK_OK(parq_codec_from_name("none", &c));
	CHECK_EQ_INT(c, PARQ_CODEC_UNCOMPRESSED);
	CHECK_EQ_INT(parq_codec_from_name("zip", &c), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "zip") != NULL);
	CHECK(strcmp(parq_encoding_name(PARQ_ENC_RLE_DICTIONARY), "RLE_DICTIONARY") == 0);
	CHECK(strcmp(parq_type_name(PARQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY") == 0);
}

int main(void)
{
	test_levels();
	test_converted_types();
	test_names();
	return test_report("test_schema");
}
