/*
 * Parquet file metadata, as decoded from (and encoded to) the Thrift
 * structures of parquet.thrift. Byte strings are views into the buffer the
 * metadata was decoded from; arrays are owned by the metadata's arena.
 * Optional fields carry a has_* flag.
 */
#ifndef PARQ_META_H
#define PARQ_META_H

#include "parq.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parq_meta_stats {
	parq_bytes max, min;             /* legacy, signed order */
	parq_bytes max_value, min_value; /* column order */
	int64_t null_count, distinct_count;
	bool is_max_value_exact, is_min_value_exact;
	bool has_max, has_min, has_max_value, has_min_value;
	bool has_null_count, has_distinct_count;
	bool has_is_max_value_exact, has_is_min_value_exact;
} parq_meta_stats;

typedef struct parq_meta_schema_elem {
	parq_bytes name;
	int32_t type;            /* parq_type */
	int32_t type_length;
	int32_t repetition;      /* parq_repetition */
	int32_t num_children;
	int32_t converted_type;  /* parq_converted_type */
	int32_t scale, precision;
	int32_t field_id;
	parq_logical logical;
	bool has_type, has_type_length, has_repetition, has_num_children;
	bool has_converted_type, has_scale, has_precision, has_field_id, has_logical;
} parq_meta_schema_elem;

typedef struct parq_meta_kv {
	parq_bytes key, value;
	bool has_value;
} parq_meta_kv;

typedef struct parq_meta_sorting_column {
	int32_t column_idx;
	bool descending, nulls_first;
} parq_meta_sorting_column;

typedef struct parq_meta_page_enc_stats {
	int32_t page_type, encoding, count;
} parq_meta_page_enc_stats;

typedef struct parq_meta_column {
	int32_t type;
	int32_t *encodings;
	uint32_t n_encodings;
	parq_bytes *path;
	uint32_t n_path;
	int32_t codec;
	int64_t num_values;
	int64_t total_uncompressed_size, total_compressed_size;
	parq_meta_kv *kv;
	uint32_t n_kv;
	int64_t data_page_offset;
	int64_t index_page_offset;
	int64_t dictionary_page_offset;
	parq_meta_stats stats;
	parq_meta_page_enc_stats *enc_stats;
	uint32_t n_enc_stats;
	int64_t bloom_filter_offset;
	int32_t bloom_filter_length;
	bool has_index_page_offset, has_dictionary_page_offset, has_stats;
	bool has_bloom_filter_offset, has_bloom_filter_length;
} parq_meta_column;

typedef struct parq_meta_chunk {
	parq_bytes file_path;
	int64_t file_offset;
	parq_meta_column meta;
	int64_t offset_index_offset;
	int32_t offset_index_length;
	int64_t column_index_offset;
	int32_t column_index_length;
	bool has_file_path, has_meta;
	bool has_offset_index_offset, has_offset_index_length;
	bool has_column_index_offset, has_column_index_length;
	bool encrypted;          /* crypto_metadata or encrypted_column_metadata present */
	/* writing: meta already encoded (parq_meta_encode_column_meta), used
	 * instead of meta when has_meta_raw */
	parq_bytes meta_raw;
	bool has_meta_raw;
} parq_meta_chunk;

typedef struct parq_meta_row_group {
	parq_meta_chunk *columns;
	uint32_t n_columns;
	int64_t total_byte_size;
	int64_t num_rows;
	parq_meta_sorting_column *sorting_columns;
	uint32_t n_sorting_columns;
	int64_t file_offset;
	int64_t total_compressed_size;
	int16_t ordinal;
	bool has_file_offset, has_total_compressed_size, has_ordinal;
} parq_meta_row_group;

struct parq_file_meta {
	int32_t version;
	parq_meta_schema_elem *schema;
	uint32_t n_schema;
	int64_t num_rows;
	parq_meta_row_group *row_groups;
	uint32_t n_row_groups;
	parq_meta_kv *kv;
	uint32_t n_kv;
	parq_bytes created_by;
	int32_t *column_orders;  /* 1 = TYPE_DEFINED_ORDER, 0 = unknown member */
	uint32_t n_column_orders;
	bool has_created_by;
	bool encrypted;          /* encryption_algorithm present */
};

typedef struct parq_meta_data_page {
	int32_t num_values, encoding, def_level_encoding, rep_level_encoding;
	parq_meta_stats stats;
	bool has_stats;
} parq_meta_data_page;

typedef struct parq_meta_dict_page {
	int32_t num_values, encoding;
	bool is_sorted, has_is_sorted;
} parq_meta_dict_page;

typedef struct parq_meta_data_page_v2 {
	int32_t num_values, num_nulls, num_rows, encoding;
	int32_t def_levels_byte_length, rep_levels_byte_length;
	bool is_compressed;      /* defaults to true when absent */
	parq_meta_stats stats;
	bool has_stats;
} parq_meta_data_page_v2;

typedef struct parq_meta_page_header {
	int32_t type;            /* parq_page_type */
	int32_t uncompressed_page_size, compressed_page_size;
	int32_t crc;
	parq_meta_data_page data_page;
	parq_meta_dict_page dict_page;
	parq_meta_data_page_v2 data_page_v2;
	bool has_crc, has_data_page, has_dict_page, has_data_page_v2, has_index_page;
} parq_meta_page_header;

enum { PARQ_BOUNDARY_UNORDERED = 0, PARQ_BOUNDARY_ASCENDING = 1, PARQ_BOUNDARY_DESCENDING = 2 };

typedef struct parq_meta_column_index {
	bool *null_pages;
	uint32_t n_null_pages;
	parq_bytes *min_values, *max_values;
	uint32_t n_min_values, n_max_values;
	int32_t boundary_order;
	int64_t *null_counts;
	uint32_t n_null_counts;  /* 0 when absent */
} parq_meta_column_index;

typedef struct parq_meta_page_location {
	int64_t offset;
	int32_t compressed_page_size;
	int64_t first_row_index;
} parq_meta_page_location;

typedef struct parq_meta_offset_index {
	parq_meta_page_location *page_locations;
	uint32_t n_page_locations;
	int64_t *unencoded_byte_array_data_bytes;
	uint32_t n_unencoded;    /* 0 when absent */
} parq_meta_offset_index;

typedef struct parq_meta_bloom_header {
	int32_t num_bytes;
	int32_t algorithm;       /* union member id: 1 = BLOCK */
	int32_t hash;            /* 1 = XXHASH */
	int32_t compression;     /* 1 = UNCOMPRESSED */
} parq_meta_bloom_header;

#ifdef __cplusplus
}
#endif

#endif
