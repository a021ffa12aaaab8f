/* Thrift compact protocol, and the Parquet metadata structures encoded with it.
 *
 * Decoding is strict: every length, count and nesting depth is checked
 * against the bytes actually present before anything is allocated; unknown
 * fields are skipped; missing required fields are errors (PARQ_ECORRUPT with
 * a message naming the structure and field). Byte strings in decoded
 * structures point into the input buffer, which must outlive them; lists are
 * allocated from the arena.
 */
#ifndef PARQ_THRIFT_H
#define PARQ_THRIFT_H

#include "parq/meta.h"
#include "util.h"

/* Deepest struct/list nesting accepted while decoding or skipping. */
#define PARQ_THRIFT_MAX_DEPTH 64

/* ---- compact protocol primitives ---- */

enum {
	TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5,
	TC_I64 = 6, TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10,
	TC_MAP = 11, TC_STRUCT = 12
};

typedef struct tc_reader {
	const uint8_t *p, *end;
	int depth;
} tc_reader;

typedef struct tc_writer {
	parq_buf *out;
	int16_t last_id[PARQ_THRIFT_MAX_DEPTH];
	int depth;
	int err;                 /* sticky: first error */
} tc_writer;

/* Reader primitives return 0 or PARQ_ECORRUPT (message set). The common
 * cases (a one-byte varint, a field header with an id delta) are inline;
 * a footer of a few hundred row groups is some 100,000 of them. */
int tc_read_varint_slow(tc_reader *r, uint64_t *v);
int tc_read_field_slow(tc_reader *r, int *type, int16_t *id, int16_t *last_id, bool *bool_val);
int tc_read_i16(tc_reader *r, int16_t *v);
int tc_read_i32_range(int64_t x);
int tc_read_double(tc_reader *r, double *v);
int tc_read_binary(tc_reader *r, parq_bytes *v);

static inline int tc_read_varint(tc_reader *r, uint64_t *v)
{
	if (r->p < r->end && *r->p < 0x80) {
		*v = *r->p++;
		return 0;
	}
	return tc_read_varint_slow(r, v);
}

static inline int tc_read_i64(tc_reader *r, int64_t *v)
{
	uint64_t u = 0;
	int rc = tc_read_varint(r, &u);
	if (!rc)
		*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return rc;
}

static inline int tc_read_i32(tc_reader *r, int32_t *v)
{
	int64_t x;
	int rc = tc_read_i64(r, &x);
	if (rc)
		return rc;
	if (x < INT32_MIN || x > INT32_MAX)
		return tc_read_i32_range(x);
	*v = (int32_t)x;
	return 0;
}

/* Field header: *type TC_STOP at the end of a struct; *last_id tracks deltas;
 * *bool_val receives the value of a boolean field (encoded in the type). */
static inline int tc_read_field(tc_reader *r, int *type, int16_t *id, int16_t *last_id, bool *bool_val)
{
	if (r->p < r->end) {
		uint8_t b = *r->p;
		int t = b & 0x0F, delta = b >> 4;
		if (b == 0) {
			r->p++;
			*type = TC_STOP;
			return 0;
		}
		if (delta && t != TC_STOP && t <= TC_STRUCT && *last_id <= INT16_MAX - delta) {
			r->p++;
			*id = (int16_t)(*last_id + delta);
			*last_id = *id;
			*type = t;
			*bool_val = t == TC_TRUE;
			return 0;
		}
	}
	return tc_read_field_slow(r, type, id, last_id, bool_val);
}
/* List/set header; checks that n elements can fit in the remaining bytes. */
int tc_read_list(tc_reader *r, int *elem_type, uint32_t *n);
int tc_read_list_bool(tc_reader *r, bool *v);
int tc_skip(tc_reader *r, int type);
int tc_struct_begin(tc_reader *r);   /* depth check */
void tc_struct_end(tc_reader *r);

void tc_writer_init(tc_writer *w, parq_buf *out);
void tc_write_struct_begin(tc_writer *w);
void tc_write_struct_end(tc_writer *w);           /* writes STOP */
void tc_write_field(tc_writer *w, int type, int16_t id);
void tc_write_bool_field(tc_writer *w, int16_t id, bool v);
void tc_write_i32_field(tc_writer *w, int16_t id, int32_t v);
void tc_write_i64_field(tc_writer *w, int16_t id, int64_t v);
void tc_write_binary_field(tc_writer *w, int16_t id, const void *p, size_t n);
void tc_write_varint(tc_writer *w, uint64_t v);
void tc_write_zigzag(tc_writer *w, int64_t v);
void tc_write_binary(tc_writer *w, const void *p, size_t n);
void tc_write_list(tc_writer *w, int elem_type, uint32_t n);

/* ---- Parquet structures ---- */

/* FileMetaData. */
int parq_meta_decode_file(parq_arena *a, const uint8_t *buf, size_t len, parq_file_meta *out);
int parq_meta_encode_file(parq_buf *out, const parq_file_meta *m);
/* A ColumnMetaData on its own (its fields and the stop byte), for a
 * writer that keeps its row groups' metadata encoded until the footer. */
int parq_meta_encode_column_meta(parq_buf *out, const parq_meta_column *m);

/* PageHeader; *consumed receives the header's size in bytes. No allocation. */
int parq_meta_decode_page_header(const uint8_t *buf, size_t len, parq_meta_page_header *out,
                                 size_t *consumed);
int parq_meta_encode_page_header(parq_buf *out, const parq_meta_page_header *h);

int parq_meta_decode_column_index(parq_arena *a, const uint8_t *buf, size_t len,
                                  parq_meta_column_index *out);
int parq_meta_encode_column_index(parq_buf *out, const parq_meta_column_index *ci);
int parq_meta_decode_offset_index(parq_arena *a, const uint8_t *buf, size_t len,
                                  parq_meta_offset_index *out);
int parq_meta_encode_offset_index(parq_buf *out, const parq_meta_offset_index *oi);
int parq_meta_decode_bloom_header(const uint8_t *buf, size_t len, parq_meta_bloom_header *out,
                                  size_t *consumed);
int parq_meta_encode_bloom_header(parq_buf *out, const parq_meta_bloom_header *h);

#endif
