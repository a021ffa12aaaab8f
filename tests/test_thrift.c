/* Thrift compact protocol and Parquet metadata: primitives, hand-written
 * bytes from the spec, round trips of every structure, and hostile input. */
#include "test.h"
#include "thrift.h"

static void test_primitives(void)
{
	parq_buf b = {0};
	tc_writer w;
	tc_writer_init(&w, &b);
	const int64_t vals[] = {0, -1, 1, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, 300, -300};
	for (size_t i = 0; i < 9; i++)
		tc_write_zigzag(&w, vals[i]);
	CHECK_EQ_INT(w.err, 0);
	/* zigzag: 0 -> 00, -1 -> 01, 1 -> 02 */
	CHECK_EQ_INT(b.data[0], 0);
	CHECK_EQ_INT(b.data[1], 1);
	CHECK_EQ_INT(b.data[2], 2);
	tc_reader r = {b.data, b.data + b.len, 0};
	for (size_t i = 0; i < 9; i++) {
		int64_t v = 0;
		CHECK_OK(tc_read_i64(&r, &v));
		CHECK_EQ_INT(v, vals[i]);
	}
	CHECK(r.p == r.end);
	/* i32 out of range */
	parq_buf_reset(&b);
	tc_write_zigzag(&w, (int64_t)INT32_MAX + 1);
	r = (tc_reader){b.data, b.data + b.len, 0};
	int32_t v32;
	CHECK_EQ_INT(tc_read_i32(&r, &v32), PARQ_ECORRUPT);
	/* an 11-byte varint */
	const uint8_t longv[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	r = (tc_reader){longv, longv + sizeof longv, 0};
	uint64_t u;
	CHECK_EQ_INT(tc_read_varint(&r, &u), PARQ_ECORRUPT);

	/* field headers: short deltas and the long form */
	parq_buf_reset(&b);
	tc_writer_init(&w, &b);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, 7);      /* delta 1: 0x15 */
	tc_write_bool_field(&w, 3, true);  /* delta 2, TRUE: 0x21 */
	tc_write_i32_field(&w, 40, 1);     /* delta 37: long form 0x05, zigzag(40)=80 */
	tc_write_bool_field(&w, 41, false);
	tc_write_struct_end(&w);
	const uint8_t expect[] = {0x15, 0x0E, 0x21, 0x05, 0x50, 0x02, 0x12, 0x00};
	CHECK_EQ_INT(b.len, sizeof expect);
	CHECK_MEM(b.data, expect, sizeof expect);
	r = (tc_reader){b.data, b.data + b.len, 0};
	int16_t last = 0, id;
	int type;
	bool bv;
	CHECK_OK(tc_read_field(&r, &type, &id, &last, &bv));
	CHECK(type == TC_I32 && id == 1);
	CHECK_OK(tc_read_i32(&r, &v32));
	CHECK_EQ_INT(v32, 7);
	CHECK_OK(tc_read_field(&r, &type, &id, &last, &bv));
	CHECK(type == TC_TRUE && id == 3 && bv);
	CHECK_OK(tc_read_field(&r, &type, &id, &last, &bv));
	CHECK(type == TC_I32 && id == 40);
	CHECK_OK(tc_skip(&r, type));
	CHECK_OK(tc_read_field(&r, &type, &id, &last, &bv));
	CHECK(type == TC_FALSE && id == 41 && !bv);
	CHECK_OK(tc_read_field(&r, &type, &id, &last, &bv));
	CHECK_EQ_INT(type, TC_STOP);

	/* lists: short and long headers, bools one byte each */
	parq_buf_reset(&b);
	tc_writer_init(&w, &b);
	tc_write_list(&w, TC_TRUE, 2);
	uint8_t bools[2] = {TC_TRUE, TC_FALSE};
	parq_buf_append(&b, bools, 2);
	tc_write_list(&w, TC_I32, 20);
	for (int i = 0; i < 20; i++)
		tc_write_zigzag(&w, i);
	CHECK_EQ_INT(b.data[0], 0x21);
	CHECK_EQ_INT(b.data[3], 0xF5);
	CHECK_EQ_INT(b.data[4], 20);
	r = (tc_reader){b.data, b.data + b.len, 0};
	int et;
	uint32_t n;
	CHECK_OK(tc_read_list(&r, &et, &n));
	CHECK(n == 2);
	bool x, y;
	CHECK_OK(tc_read_list_bool(&r, &x));
	CHECK_OK(tc_read_list_bool(&r, &y));
	CHECK(x && !y);
	CHECK_OK(tc_skip(&r, TC_LIST));
	CHECK(r.p == r.end);
	parq_buf_free(&b);
}

static parq_bytes B(const char *s) { return (parq_bytes){(const uint8_t *)s, (uint32_t)strlen(s)}; }

static bool bytes_eq(parq_bytes a, parq_bytes b) { return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)); }

static void build_file_meta(parq_file_meta *m, parq_meta_schema_elem *el, parq_meta_row_group *rgs,
                            parq_meta_chunk *chunks, parq_meta_kv *kv, int32_t *orders, int32_t *encs,
                            parq_bytes *paths, parq_meta_sorting_column *sc, parq_meta_page_enc_stats *es)
{
	memset(m, 0, sizeof *m);
	memset(el, 0, sizeof *el * 6);
	el[0].name = B("schema");
	el[0].has_num_children = true;
	el[0].num_children = 3;
	el[1] = (parq_meta_schema_elem){.name = B("price"), .type = PARQ_FIXED_LEN_BYTE_ARRAY, .type_length = 9,
	                                .repetition = PARQ_OPTIONAL, .converted_type = PARQ_CT_DECIMAL, .scale = 2,
	                                .precision = 20, .field_id = 7, .has_type = true, .has_type_length = true,
	                                .has_repetition = true, .has_converted_type = true, .has_scale = true,
	                                .has_precision = true, .has_field_id = true, .has_logical = true};
	el[1].logical = parq_lt_decimal(20, 2);
	el[2] = (parq_meta_schema_elem){.name = B("when"), .type = PARQ_INT64, .repetition = PARQ_REQUIRED,
	                                .has_type = true, .has_repetition = true, .has_logical = true};
	el[2].logical = parq_lt_timestamp(PARQ_UNIT_NANOS, false);
	el[3] = (parq_meta_schema_elem){.name = B("g"), .repetition = PARQ_OPTIONAL, .num_children = 1,
	                                .has_repetition = true, .has_num_children = true};
	el[4] = (parq_meta_schema_elem){.name = B("small"), .type = PARQ_INT32, .repetition = PARQ_REPEATED,
	                                .has_type = true, .has_repetition = true, .has_logical = true};
	el[4].logical = parq_lt_int(8, false);
	m->version = 2;
	m->schema = el;
	m->n_schema = 5;
	m->num_rows = 3000000000LL;
	for (int c = 0; c < 9; c++) {
		parq_meta_chunk *ch = &chunks[c];
		memset(ch, 0, sizeof *ch);
		ch->file_offset = 4 + c * 1000;
		ch->has_meta = true;
		ch->meta.type = c % 3 == 0 ? PARQ_FIXED_LEN_BYTE_ARRAY : c % 3 == 1 ? PARQ_INT64 : PARQ_INT32;
		ch->meta.encodings = encs;
		ch->meta.n_encodings = 3;
		ch->meta.path = paths;
		ch->meta.n_path = 2;
		ch->meta.codec = PARQ_CODEC_ZSTD;
		ch->meta.num_values = 1000 + c;
		ch->meta.total_uncompressed_size = 5000 + c;
		ch->meta.total_compressed_size = 900 + c;
		ch->meta.data_page_offset = 4 + c * 1000 + 50;
		ch->meta.has_dictionary_page_offset = c % 2;
		ch->meta.dictionary_page_offset = 4 + c * 1000;
		ch->meta.has_stats = true;
		ch->meta.stats = (parq_meta_stats){.min_value = B("aaa"), .max_value = B("zzz"), .null_count = c,
		                                   .has_min_value = true, .has_max_value = true, .has_null_count = true,
		                                   .is_max_value_exact = false, .has_is_max_value_exact = true};
		ch->meta.enc_stats = es;
		ch->meta.n_enc_stats = 2;
		ch->meta.has_bloom_filter_offset = ch->meta.has_bloom_filter_length = c == 4;
		ch->meta.bloom_filter_offset = 77777;
		ch->meta.bloom_filter_length = 1056;
		ch->has_offset_index_offset = ch->has_offset_index_length = true;
		ch->offset_index_offset = 123456789012LL;
		ch->offset_index_length = 33;
		ch->has_column_index_offset = ch->has_column_index_length = c != 2;
		ch->column_index_offset = 99;
		ch->column_index_length = 44;
	}
	for (int g = 0; g < 3; g++) {
		memset(&rgs[g], 0, sizeof rgs[g]);
		rgs[g].columns = chunks + g * 3;
		rgs[g].n_columns = 3;
		rgs[g].total_byte_size = 1 << 20;
		rgs[g].num_rows = 1000000000;
		rgs[g].has_file_offset = rgs[g].has_total_compressed_size = rgs[g].has_ordinal = true;
		rgs[g].file_offset = 4 + g * 3000;
		rgs[g].total_compressed_size = 2700;
		rgs[g].ordinal = (int16_t)g;
		rgs[g].sorting_columns = g == 1 ? sc : NULL;
		rgs[g].n_sorting_columns = g == 1 ? 1 : 0;
	}
	m->row_groups = rgs;
	m->n_row_groups = 3;
	kv[0] = (parq_meta_kv){B("probestore.root_target"), B("https://example.com"), true};
	kv[1] = (parq_meta_kv){B("no.value"), B(""), false};
	m->kv = kv;
	m->n_kv = 2;
	m->has_created_by = true;
	m->created_by = B("parq version 0.1.0 (probestore)");
	orders[0] = orders[1] = orders[2] = 1;
	m->column_orders = orders;
	m->n_column_orders = 3;
}

static void test_file_meta(void)
{
	parq_file_meta m, d;
	parq_meta_schema_elem el[6];
	parq_meta_row_group rgs[3];
	parq_meta_chunk chunks[9];
	parq_meta_kv kv[2];
	int32_t orders[3], encs[3] = {PARQ_ENC_PLAIN, PARQ_ENC_RLE, PARQ_ENC_RLE_DICTIONARY};
	parq_bytes paths[2] = {B("g"), B("small")};
	parq_meta_sorting_column sc = {2, true, false};
	parq_meta_page_enc_stats es[2] = {{PARQ_PAGE_DICTIONARY, PARQ_ENC_PLAIN, 1}, {PARQ_PAGE_DATA, PARQ_ENC_RLE_DICTIONARY, 5}};
	build_file_meta(&m, el, rgs, chunks, kv, orders, encs, paths, &sc, es);
	parq_buf b = {0};
	CHECK_OK(parq_meta_encode_file(&b, &m));
	parq_arena a;
	parq_arena_init(&a, 0);
	CHECK_OK(parq_meta_decode_file(&a, b.data, b.len, &d));
	CHECK_EQ_INT(d.version, 2);
	CHECK_EQ_INT(d.num_rows, 3000000000LL);
	CHECK_EQ_INT(d.n_schema, 5);
	CHECK(bytes_eq(d.schema[1].name, B("price")));
	CHECK(d.schema[1].has_logical && d.schema[1].logical.kind == PARQ_LT_DECIMAL);
	CHECK_EQ_INT(d.schema[1].logical.precision, 20);
	CHECK_EQ_INT(d.schema[1].logical.scale, 2);
	CHECK_EQ_INT(d.schema[1].type_length, 9);
	CHECK_EQ_INT(d.schema[1].field_id, 7);
	CHECK_EQ_INT(d.schema[1].converted_type, PARQ_CT_DECIMAL);
	CHECK_EQ_INT(d.schema[2].logical.kind, PARQ_LT_TIMESTAMP);
	CHECK_EQ_INT(d.schema[2].logical.unit, PARQ_UNIT_NANOS);
	CHECK(!d.schema[2].logical.utc);
	CHECK(!d.schema[3].has_type && d.schema[3].num_children == 1);
	CHECK_EQ_INT(d.schema[4].logical.kind, PARQ_LT_INTEGER);
	CHECK_EQ_INT(d.schema[4].logical.bit_width, 8);
	CHECK(!d.schema[4].logical.is_signed);
	CHECK_EQ_INT(d.n_row_groups, 3);
	for (int g = 0; g < 3; g++) {
		CHECK_EQ_INT(d.row_groups[g].n_columns, 3);
		CHECK_EQ_INT(d.row_groups[g].num_rows, 1000000000);
		CHECK_EQ_INT(d.row_groups[g].ordinal, g);
		CHECK_EQ_INT(d.row_groups[g].file_offset, 4 + g * 3000);
		for (int c = 0; c < 3; c++) {
			const parq_meta_chunk *x = &d.row_groups[g].columns[c], *y = &chunks[g * 3 + c];
			CHECK_EQ_INT(x->meta.type, y->meta.type);
			CHECK_EQ_INT(x->meta.num_values, y->meta.num_values);
			CHECK_EQ_INT(x->meta.total_compressed_size, y->meta.total_compressed_size);
			CHECK_EQ_INT(x->meta.has_dictionary_page_offset, y->meta.has_dictionary_page_offset);
			CHECK_EQ_INT(x->meta.n_encodings, 3);
			CHECK_EQ_INT(x->meta.encodings[2], PARQ_ENC_RLE_DICTIONARY);
			CHECK(bytes_eq(x->meta.path[1], B("small")));
			CHECK(bytes_eq(x->meta.stats.max_value, B("zzz")));
			CHECK(x->meta.stats.has_is_max_value_exact && !x->meta.stats.is_max_value_exact);
			CHECK_EQ_INT(x->meta.stats.null_count, g * 3 + c);
			CHECK_EQ_INT(x->meta.n_enc_stats, 2);
			CHECK_EQ_INT(x->meta.enc_stats[1].count, 5);
			CHECK_EQ_INT(x->meta.has_bloom_filter_offset, g * 3 + c == 4);
			CHECK_EQ_INT(x->offset_index_offset, 123456789012LL);
			CHECK_EQ_INT(x->has_column_index_offset, g * 3 + c != 2);
		}
	}
	CHECK_EQ_INT(d.row_groups[1].n_sorting_columns, 1);
	CHECK(d.row_groups[1].sorting_columns[0].descending);
	CHECK_EQ_INT(d.n_kv, 2);
	CHECK(bytes_eq(d.kv[0].value, B("https://example.com")));
	CHECK(!d.kv[1].has_value);
	CHECK(bytes_eq(d.created_by, B("parq version 0.1.0 (probestore)")));
	CHECK_EQ_INT(d.n_column_orders, 3);
	CHECK_EQ_INT(d.column_orders[0], 1);

	/* every truncation fails cleanly */
	int ok = 0;
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, b.data, len);
		parq_arena_reset(&a);
		if (parq_meta_decode_file(&a, copy, len, &d) == 0)
			ok++;
		free(copy);
	}
	CHECK_EQ_INT(ok, 0);
	/* random damage never crashes */
	uint64_t s = 1;
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t *copy = malloc(b.len);
		memcpy(copy, b.data, b.len);
		for (int k = 0; k < 3; k++)
			copy[test_rand(&s) % b.len] = (uint8_t)test_rand(&s);
		parq_arena_reset(&a);
		(void)parq_meta_decode_file(&a, copy, b.len, &d);
		free(copy);
	}
	parq_arena_free(&a);
	parq_buf_free(&b);
}

static void test_hostile(void)
{
	parq_arena a;
	parq_arena_init(&a, 1 << 20);
	parq_file_meta d;
	/* FileMetaData whose schema list claims 2^31 elements */
	const uint8_t huge[] = {0x15, 0x04, 0x19, 0xFC, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00};
	CHECK_EQ_INT(parq_meta_decode_file(&a, huge, sizeof huge, &d), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "exceeds") != NULL);
	/* deep nesting of unknown structs */
	uint8_t deep[300];
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		deep[n++] = 0x1C; /* field delta 1, STRUCT */
	while (n < sizeof deep)
		deep[n++] = 0;
	parq_arena_reset(&a);
	CHECK_EQ_INT(parq_meta_decode_file(&a, deep, sizeof deep, &d), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "nesting") != NULL);
	/* missing required fields are named */
	parq_buf b = {0};
	tc_writer w;
	tc_writer_init(&w, &b);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, 1);
	tc_write_struct_end(&w);
	parq_arena_reset(&a);
	CHECK_EQ_INT(parq_meta_decode_file(&a, b.data, b.len, &d), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "schema") != NULL);
	/* unknown fields, including nested structs, lists and maps, are skipped */
	parq_buf_reset(&b);
	tc_writer_init(&w, &b);
	tc_write_struct_begin(&w);
	tc_write_i32_field(&w, 1, 1);
	tc_write_field(&w, TC_LIST, 2);
	tc_write_list(&w, TC_STRUCT, 1);
	tc_write_struct_begin(&w);
	tc_write_binary_field(&w, 4, "x", 1);
	tc_write_i32_field(&w, 1, PARQ_INT32);
	tc_write_field(&w, TC_STRUCT, 30); /* unknown */
	tc_write_struct_begin(&w);
	tc_write_i64_field(&w, 1, 5);
	tc_write_struct_end(&w);
	tc_write_struct_end(&w);
	tc_write_i64_field(&w, 3, 0);
	tc_write_field(&w, TC_LIST, 4);
	tc_write_list(&w, TC_STRUCT, 0);
	tc_write_field(&w, TC_MAP, 20); /* unknown map<i32, binary> of one entry */
	tc_write_varint(&w, 1);
	uint8_t kt = (TC_I32 << 4) | TC_BINARY;
	parq_buf_append(&b, &kt, 1);
	tc_write_zigzag(&w, 3);
	tc_write_binary(&w, "v", 1);
	tc_write_field(&w, TC_DOUBLE, 21);
	parq_buf_append(&b, "12345678", 8);
	tc_write_struct_end(&w);
	parq_arena_reset(&a);
	CHECK_OK(parq_meta_decode_file(&a, b.data, b.len, &d));
	CHECK_EQ_INT(d.n_schema, 1);
	CHECK(bytes_eq(d.schema[0].name, B("x")));
	/* arena limit stops a footer that decodes to too much memory */
	parq_arena small;
	parq_arena_init(&small, 64);
	parq_file_meta m;
	parq_meta_schema_elem el[6];
	parq_meta_row_group rgs[3];
	parq_meta_chunk chunks[9];
	parq_meta_kv kv[2];
	int32_t orders[3], encs[3] = {0, 3, 8};
	parq_bytes paths[2] = {B("g"), B("small")};
	parq_meta_sorting_column sc = {0, false, false};
	parq_meta_page_enc_stats es[2] = {{0, 0, 1}, {0, 8, 1}};
	build_file_meta(&m, el, rgs, chunks, kv, orders, encs, paths, &sc, es);
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_file(&b, &m));
	CHECK_EQ_INT(parq_meta_decode_file(&small, b.data, b.len, &d), PARQ_ELIMIT);
	parq_arena_free(&small);
	parq_buf_free(&b);
	parq_arena_free(&a);
}

static void test_page_headers(void)
{
	parq_meta_page_header h, d;
	size_t used;
	parq_buf b = {0};
	/* hand-written: DATA_PAGE, sizes 100/50, data page header 10 values PLAIN, RLE, RLE */
	const uint8_t hand[] = {0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x2C, 0x15, 0x14, 0x15, 0x00,
	                        0x15, 0x06, 0x15, 0x06, 0x00, 0x00};
	CHECK_OK(parq_meta_decode_page_header(hand, sizeof hand, &d, &used));
	CHECK_EQ_INT(used, sizeof hand);
	CHECK_EQ_INT(d.type, PARQ_PAGE_DATA);
	CHECK_EQ_INT(d.uncompressed_page_size, 100);
	CHECK_EQ_INT(d.compressed_page_size, 50);
	CHECK(d.has_data_page);
	CHECK_EQ_INT(d.data_page.num_values, 10);
	CHECK_EQ_INT(d.data_page.def_level_encoding, PARQ_ENC_RLE);
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DATA;
	h.uncompressed_page_size = 100;
	h.compressed_page_size = 50;
	h.has_data_page = true;
	h.data_page = (parq_meta_data_page){.num_values = 10, .encoding = PARQ_ENC_PLAIN, .def_level_encoding = PARQ_ENC_RLE, .rep_level_encoding = PARQ_ENC_RLE};
	CHECK_OK(parq_meta_encode_page_header(&b, &h));
	CHECK_EQ_INT(b.len, sizeof hand);
	CHECK_MEM(b.data, hand, sizeof hand);

	/* v2 with is_compressed false, crc, stats */
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DATA_V2;
	h.uncompressed_page_size = 4000;
	h.compressed_page_size = 1234;
	h.has_crc = true;
	h.crc = (int32_t)0xDEADBEEF;
	h.has_data_page_v2 = true;
	h.data_page_v2 = (parq_meta_data_page_v2){.num_values = 300, .num_nulls = 7, .num_rows = 100,
	                                          .encoding = PARQ_ENC_RLE_DICTIONARY, .def_levels_byte_length = 12,
	                                          .rep_levels_byte_length = 30, .is_compressed = false,
	                                          .has_stats = true};
	h.data_page_v2.stats.has_null_count = true;
	h.data_page_v2.stats.null_count = 7;
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_page_header(&b, &h));
	CHECK_OK(parq_meta_decode_page_header(b.data, b.len, &d, &used));
	CHECK_EQ_INT(used, b.len);
	CHECK(d.has_crc && d.crc == (int32_t)0xDEADBEEF);
	CHECK(d.has_data_page_v2 && !d.data_page_v2.is_compressed);
	CHECK_EQ_INT(d.data_page_v2.num_rows, 100);
	CHECK_EQ_INT(d.data_page_v2.rep_levels_byte_length, 30);
	CHECK(d.data_page_v2.has_stats && d.data_page_v2.stats.null_count == 7);
	/* is_compressed defaults to true */
	h.data_page_v2.is_compressed = true;
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_page_header(&b, &h));
	CHECK_OK(parq_meta_decode_page_header(b.data, b.len, &d, &used));
	CHECK(d.data_page_v2.is_compressed);

	/* dictionary page */
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DICTIONARY;
	h.uncompressed_page_size = h.compressed_page_size = 64;
	h.has_dict_page = true;
	h.dict_page = (parq_meta_dict_page){16, PARQ_ENC_PLAIN, true, true};
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_page_header(&b, &h));
	CHECK_OK(parq_meta_decode_page_header(b.data, b.len, &d, &used));
	CHECK(d.has_dict_page && d.dict_page.num_values == 16 && d.dict_page.is_sorted);
	/* truncations */
	for (size_t len = 0; len < b.len; len++)
		CHECK(parq_meta_decode_page_header(b.data, len, &d, &used) != 0);
	parq_buf_free(&b);
}

static void test_indexes(void)
{
	parq_arena a;
	parq_arena_init(&a, 0);
	parq_buf b = {0};
	bool nulls[3] = {false, true, false};
	parq_bytes mins[3] = {B("a"), B(""), B("m")}, maxs[3] = {B("k"), B(""), B("z")};
	int64_t nc[3] = {0, 100, 4};
	parq_meta_column_index ci = {nulls, 3, mins, maxs, 3, 3, PARQ_BOUNDARY_ASCENDING, nc, 3};
	CHECK_OK(parq_meta_encode_column_index(&b, &ci));
	parq_meta_column_index dc;
	CHECK_OK(parq_meta_decode_column_index(&a, b.data, b.len, &dc));
	CHECK_EQ_INT(dc.n_null_pages, 3);
	CHECK(!dc.null_pages[0] && dc.null_pages[1]);
	CHECK(bytes_eq(dc.max_values[2], B("z")));
	CHECK_EQ_INT(dc.boundary_order, PARQ_BOUNDARY_ASCENDING);
	CHECK_EQ_INT(dc.null_counts[1], 100);

	parq_meta_page_location locs[2] = {{4, 100, 0}, {104, 200, 5000}};
	parq_meta_offset_index oi = {locs, 2, NULL, 0};
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_offset_index(&b, &oi));
	parq_meta_offset_index doi;
	CHECK_OK(parq_meta_decode_offset_index(&a, b.data, b.len, &doi));
	CHECK_EQ_INT(doi.n_page_locations, 2);
	CHECK_EQ_INT(doi.page_locations[1].first_row_index, 5000);
	CHECK_EQ_INT(doi.page_locations[1].compressed_page_size, 200);
	CHECK_EQ_INT(doi.n_unencoded, 0);

	parq_meta_bloom_header bh = {1024, 1, 1, 1}, dbh;
	parq_buf_reset(&b);
	CHECK_OK(parq_meta_encode_bloom_header(&b, &bh));
	/* numBytes, then three unions each holding an empty struct member 1 */
	const uint8_t expect[] = {0x15, 0x80, 0x10, 0x1C, 0x1C, 0x00, 0x00, 0x1C, 0x1C, 0x00, 0x00,
	                          0x1C, 0x1C, 0x00, 0x00, 0x00};
	CHECK_EQ_INT(b.len, sizeof expect);
	CHECK_MEM(b.data, expect, sizeof expect);
	size_t used;
	CHECK_OK(parq_meta_decode_bloom_header(b.data, b.len, &dbh, &used));
	CHECK_EQ_INT(dbh.num_bytes, 1024);
	CHECK(dbh.algorithm == 1 && dbh.hash == 1 && dbh.compression == 1);
	parq_buf_free(&b);
	parq_arena_free(&a);
}

int main(void)
{
	test_primitives();
	test_file_meta();
	test_hostile();
	test_page_headers();
	test_indexes();
	return test_report("test_thrift");
}
