/* Thrift compact protocol primitives, strictly bounded. */
#include "thrift.h"

int tc_read_varint_slow(tc_reader *r, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (r->p >= r->end)
			return parq_err(PARQ_ECORRUPT, "thrift: truncated varint");
		uint8_t b = *r->p++;
		if (shift == 63 && b > 1)
			return parq_err(PARQ_ECORRUPT, "thrift: varint overflows 64 bits");
		x |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return parq_err(PARQ_ECORRUPT, "thrift: varint longer than 10 bytes");
}

int tc_read_i32_range(int64_t x)
{
	return parq_err(PARQ_ECORRUPT, "thrift: i32 value %lld out of range", (long long)x);
}

int tc_read_i16(tc_reader *r, int16_t *v)
{
	int64_t x;
	int rc = tc_read_i64(r, &x);
	if (rc)
		return rc;
	if (x < INT16_MIN || x > INT16_MAX)
		return parq_err(PARQ_ECORRUPT, "thrift: i16 value %lld out of range", (long long)x);
	*v = (int16_t)x;
	return 0;
}

int tc_read_double(tc_reader *r, double *v)
{
	if (r->end - r->p < 8)
		return parq_err(PARQ_ECORRUPT, "thrift: truncated double");
	memcpy(v, r->p, 8);
	r->p += 8;
	return 0;
}

int tc_read_binary(tc_reader *r, parq_bytes *v)
{
	uint64_t n = 0;
	int rc = tc_read_varint(r, &n);
	if (rc)
		return rc;
	if (n > (uint64_t)(r->end - r->p))
		return parq_err(PARQ_ECORRUPT, "thrift: string of %llu bytes exceeds the %zu bytes left",
		                (unsigned long long)n, (size_t)(r->end - r->p));
	v->ptr = r->p;
	v->len = (uint32_t)n;
	r->p += n;
	return 0;
}

int tc_read_field_slow(tc_reader *r, int *type, int16_t *id, int16_t *last_id, bool *bool_val)
{
	if (r->p >= r->end)
		return parq_err(PARQ_ECORRUPT, "thrift: struct truncated (no stop field)");
	uint8_t b = *r->p++;
	if (b == 0) {
		*type = TC_STOP;
		return 0;
	}
	int t = b & 0x0F, delta = b >> 4;
	if (t == TC_STOP || t > TC_STRUCT)
		return parq_err(PARQ_ECORRUPT, "thrift: invalid field type %d", t);
	if (delta) {
		if (*last_id > INT16_MAX - delta)
			return parq_err(PARQ_ECORRUPT, "thrift: field id overflows");
		*id = (int16_t)(*last_id + delta);
	} else {
		int rc = tc_read_i16(r, id);
		if (rc)
			return rc;
	}
	*last_id = *id;
	*type = t;
	*bool_val = t == TC_TRUE;
	return 0;
}

/* Minimum encoded size of one element of a type (for count checks). */
static size_t min_size(int type)
{
	return type == TC_DOUBLE ? 8 : 1;
}

int tc_read_list(tc_reader *r, int *elem_type, uint32_t *n)
{
	if (r->p >= r->end)
		return parq_err(PARQ_ECORRUPT, "thrift: truncated list header");
	uint8_t b = *r->p++;
	uint64_t size = b >> 4;
	*elem_type = b & 0x0F;
	if (size == 15) {
		int rc = tc_read_varint(r, &size);
		if (rc)
			return rc;
	}
	if (*elem_type == TC_STOP || *elem_type > TC_STRUCT)
		return parq_err(PARQ_ECORRUPT, "thrift: invalid list element type %d", *elem_type);
	size_t left = (size_t)(r->end - r->p);
	if (size > UINT32_MAX || size * min_size(*elem_type) > left)
		return parq_err(PARQ_ECORRUPT, "thrift: list of %llu elements exceeds the %zu bytes left",
		                (unsigned long long)size, left);
	*n = (uint32_t)size;
	return 0;
}

int tc_read_list_bool(tc_reader *r, bool *v)
{
	if (r->p >= r->end)
		return parq_err(PARQ_ECORRUPT, "thrift: truncated bool");
	*v = *r->p++ == TC_TRUE;
	return 0;
}

int tc_struct_begin(tc_reader *r)
{
	if (++r->depth > PARQ_THRIFT_MAX_DEPTH)
		return parq_err(PARQ_ECORRUPT, "thrift: nesting deeper than %d", PARQ_THRIFT_MAX_DEPTH);
	return 0;
}

void tc_struct_end(tc_reader *r) { r->depth--; }

static int skip_value(tc_reader *r, int type, bool in_list);

static int skip_struct(tc_reader *r)
{
	int rc = tc_struct_begin(r);
	if (rc)
		return rc;
	int16_t last = 0, id;
	for (;;) {
		int t = 0;
		bool bv;
		if ((rc = tc_read_field(r, &t, &id, &last, &bv)))
			return rc;
		if (t == TC_STOP)
			break;
		if ((rc = skip_value(r, t, false)))
			return rc;
	}
	tc_struct_end(r);
	return 0;
}

static int skip_value(tc_reader *r, int type, bool in_list)
{
	uint64_t u = 0;
	switch (type) {
	case TC_TRUE:
	case TC_FALSE:
		if (in_list) {
			if (r->p >= r->end)
				return parq_err(PARQ_ECORRUPT, "thrift: truncated bool");
			r->p++;
		}
		return 0;
	case TC_BYTE:
		if (r->p >= r->end)
			return parq_err(PARQ_ECORRUPT, "thrift: truncated byte");
		r->p++;
		return 0;
	case TC_I16:
	case TC_I32:
	case TC_I64:
		return tc_read_varint(r, &u);
	case TC_DOUBLE:
		if (r->end - r->p < 8)
			return parq_err(PARQ_ECORRUPT, "thrift: truncated double");
		r->p += 8;
		return 0;
	case TC_BINARY: {
		parq_bytes b;
		return tc_read_binary(r, &b);
	}
	case TC_LIST:
	case TC_SET: {
		int et;
		uint32_t n;
		int rc = tc_read_list(r, &et, &n);
		if (rc)
			return rc;
		if ((rc = tc_struct_begin(r)))
			return rc;
		for (uint32_t i = 0; i < n; i++)
			if ((rc = skip_value(r, et, true)))
				return rc;
		tc_struct_end(r);
		return 0;
	}
	case TC_MAP: {
		int rc = tc_read_varint(r, &u);
		if (rc)
			return rc;
		if (u == 0)
			return 0;
		if (r->p >= r->end)
			return parq_err(PARQ_ECORRUPT, "thrift: truncated map header");
		uint8_t kv = *r->p++;
		int kt = kv >> 4, vt = kv & 0x0F;
		if (kt == TC_STOP || kt > TC_STRUCT || vt == TC_STOP || vt > TC_STRUCT)
			return parq_err(PARQ_ECORRUPT, "thrift: invalid map types");
		if (u > (uint64_t)(r->end - r->p) / 2)
			return parq_err(PARQ_ECORRUPT, "thrift: map of %llu entries exceeds the data", (unsigned long long)u);
		if ((rc = tc_struct_begin(r)))
			return rc;
		for (uint64_t i = 0; i < u; i++)
			if ((rc = skip_value(r, kt, true)) || (rc = skip_value(r, vt, true)))
				return rc;
		tc_struct_end(r);
		return 0;
	}
	case TC_STRUCT:
		return skip_struct(r);
	default:
		return parq_err(PARQ_ECORRUPT, "thrift: cannot skip type %d", type);
	}
}

int tc_skip(tc_reader *r, int type) { return skip_value(r, type, false); }

/* ---- writer ---- */

void tc_writer_init(tc_writer *w, parq_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->depth = -1;
}

static void put(tc_writer *w, const void *p, size_t n)
{
	if (!w->err && parq_buf_append(w->out, p, n))
		w->err = PARQ_ENOMEM;
}

static void put_byte(tc_writer *w, uint8_t b) { put(w, &b, 1); }

void tc_write_varint(tc_writer *w, uint64_t v)
{
	uint8_t b[10];
	int n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	put(w, b, (size_t)n);
}

void tc_write_zigzag(tc_writer *w, int64_t v)
{
	tc_write_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void tc_write_binary(tc_writer *w, const void *p, size_t n)
{
	tc_write_varint(w, n);
	put(w, p, n);
}

void tc_write_struct_begin(tc_writer *w)
{
	if (w->depth + 1 >= PARQ_THRIFT_MAX_DEPTH) {
		w->err = parq_err(PARQ_EINVAL, "thrift: structure nested too deeply");
		return;
	}
	w->last_id[++w->depth] = 0;
}

void tc_write_struct_end(tc_writer *w)
{
	put_byte(w, TC_STOP);
	if (w->depth >= 0)
		w->depth--;
}

void tc_write_field(tc_writer *w, int type, int16_t id)
{
	if (w->depth < 0)
		return;
	int16_t last = w->last_id[w->depth];
	int delta = id - last;
	if (delta > 0 && delta <= 15) {
		put_byte(w, (uint8_t)(delta << 4 | type));
	} else {
		put_byte(w, (uint8_t)type);
		tc_write_zigzag(w, id);
	}
	w->last_id[w->depth] = id;
}

void tc_write_bool_field(tc_writer *w, int16_t id, bool v) { tc_write_field(w, v ? TC_TRUE : TC_FALSE, id); }

void tc_write_i32_field(tc_writer *w, int16_t id, int32_t v)
{
	tc_write_field(w, TC_I32, id);
	tc_write_zigzag(w, v);
}

void tc_write_i64_field(tc_writer *w, int16_t id, int64_t v)
{
	tc_write_field(w, TC_I64, id);
	tc_write_zigzag(w, v);
}

void tc_write_binary_field(tc_writer *w, int16_t id, const void *p, size_t n)
{
	tc_write_field(w, TC_BINARY, id);
	tc_write_binary(w, p, n);
}

void tc_write_list(tc_writer *w, int elem_type, uint32_t n)
{
	if (n < 15) {
		put_byte(w, (uint8_t)(n << 4 | (uint32_t)elem_type));
	} else {
		put_byte(w, (uint8_t)(0xF0 | elem_type));
		tc_write_varint(w, n);
	}
}
