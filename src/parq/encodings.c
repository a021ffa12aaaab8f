/* DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT (see the format's Encodings.md). */
#include "encodings.h"

#include "rle.h"

typedef struct cursor {
	const uint8_t *p, *end;
} cursor;

static int read_uvarint(cursor *c, uint64_t *v, const char *what)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end)
			return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: %s truncated", what);
		uint8_t b = *c->p++;
		x |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: %s is not a valid varint", what);
}

static int read_zigzag(cursor *c, int64_t *v, const char *what)
{
	uint64_t u = 0;
	int rc = read_uvarint(c, &u, what);
	if (!rc)
		*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return rc;
}

/* Decodes n values of a DELTA_BINARY_PACKED stream into out (as uint64,
 * wrapping; width 4 wraps at 32 bits). *used receives the bytes the values
 * needed. n may be smaller than the stream's total count. */
static int delta_decode(const uint8_t *p, size_t len, int width, uint64_t *out, size_t n, size_t *used,
                        size_t *total_out)
{
	cursor c = {p, p + len};
	uint64_t block = 0, minis = 0, total = 0;
	int64_t first = 0;
	int rc;
	if ((rc = read_uvarint(&c, &block, "block size")) || (rc = read_uvarint(&c, &minis, "miniblock count")) ||
	    (rc = read_uvarint(&c, &total, "value count")) || (rc = read_zigzag(&c, &first, "first value")))
		return rc;
	if (block == 0 || block % 128 || minis == 0 || block % minis || (block / minis) % 32 || block > (1u << 20))
		return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: block of %llu values in %llu miniblocks is invalid",
		                (unsigned long long)block, (unsigned long long)minis);
	if (total < n)
		return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: stream holds %llu values, %zu needed",
		                (unsigned long long)total, n);
	if (total_out)
		*total_out = (size_t)total;
	uint64_t per_mini = block / minis;
	uint64_t mask = width == 4 ? 0xFFFFFFFFull : ~0ull;
	uint64_t cur = (uint64_t)first & mask;
	size_t done = 0;
	/* when the caller wants every value, consume the whole stream so that
	 * *used points past it (the last block's miniblocks may be absent) */
	size_t want = (size_t)total;
	uint64_t tmp[64];
	if (want > 0) {
		if (done < n)
			out[done] = cur;
		done = 1;
	}
	while (done < want) {
		int64_t min_delta;
		if ((rc = read_zigzag(&c, &min_delta, "min delta")))
			return rc;
		if ((uint64_t)(c.end - c.p) < minis)
			return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: miniblock widths truncated");
		const uint8_t *widths = c.p;
		c.p += minis;
		for (uint64_t m = 0; m < minis && done < want; m++) {
			int bw = widths[m];
			/* INT32 writers that compute deltas in 64 bits (DuckDB) need
			 * up to 33 bits; the sum wraps to 32 bits either way */
			if (bw > 64)
				return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: miniblock bit width %d exceeds 64", bw);
			size_t bytes = (size_t)(per_mini * (uint64_t)bw / 8);
			size_t left = want - done;
			size_t in_mini = per_mini < left ? (size_t)per_mini : left;
			/* the last miniblock may be cut short; never read past the end */
			size_t need = (in_mini * (size_t)bw + 7) / 8;
			if ((size_t)(c.end - c.p) < need)
				return parq_err(PARQ_ECORRUPT, "DELTA_BINARY_PACKED: miniblock truncated (%zu of %zu bytes)",
				                (size_t)(c.end - c.p), need);
			if (done >= n) {
				/* values nobody asked for: step over them, so that a stream
				 * announcing billions of zero-width values costs its bytes,
				 * not its count */
				done += in_mini;
				c.p += bytes <= (size_t)(c.end - c.p) ? bytes : (size_t)(c.end - c.p);
				continue;
			}
			for (size_t k = 0; k < in_mini; k += 64) {
				size_t chunk = in_mini - k < 64 ? in_mini - k : 64;
				/* unpack from a bit offset that is a multiple of 8 values */
				parq_unpack64(c.p + k * (size_t)bw / 8, tmp, chunk, bw);
				for (size_t i = 0; i < chunk; i++) {
					cur = (cur + (uint64_t)min_delta + tmp[i]) & mask;
					if (done < n)
						out[done] = cur;
					done++;
				}
			}
			c.p += bytes <= (size_t)(c.end - c.p) ? bytes : (size_t)(c.end - c.p);
		}
	}
	*used = (size_t)(c.p - p);
	return 0;
}

static int grow_views(parq_decoded *out, size_t n)
{
	if (*out->cap_views >= n)
		return 0;
	size_t cap = *out->cap_views ? *out->cap_views : 1024;
	while (cap < n)
		cap *= 2;
	parq_bytes *v = realloc(*out->views, cap * sizeof *v);
	if (!v)
		return parq_err_nomem();
	*out->views = v;
	*out->cap_views = cap;
	return 0;
}

/* Lengths (as DELTA_BINARY_PACKED) followed by the concatenated bytes. */
static int dlba_decode(const uint8_t *p, size_t len, size_t n, parq_bytes *views, size_t *used)
{
	uint64_t *lens = parq_malloc((n ? n : 1) * sizeof *lens);
	if (!lens)
		return PARQ_ENOMEM;
	size_t hdr, total;
	int rc = delta_decode(p, len, 4, lens, n, &hdr, &total);
	if (rc) {
		free(lens);
		return parq_err_prefix(rc, "DELTA_LENGTH_BYTE_ARRAY: lengths: ");
	}
	size_t at = hdr;
	for (size_t i = 0; i < n; i++) {
		int32_t l = (int32_t)(uint32_t)lens[i];
		if (l < 0 || (size_t)l > len - at) {
			free(lens);
			return parq_err(PARQ_ECORRUPT, "DELTA_LENGTH_BYTE_ARRAY: value %zu claims %d bytes, %zu left", i,
			                (int)l, len - at);
		}
		views[i].ptr = p + at;
		views[i].len = (uint32_t)l;
		at += (size_t)l;
	}
	free(lens);
	*used = at;
	return 0;
}

static size_t fixed_width(const parq_node *leaf)
{
	switch (leaf->type) {
	case PARQ_INT32: case PARQ_FLOAT: return 4;
	case PARQ_INT64: case PARQ_DOUBLE: return 8;
	case PARQ_FIXED_LEN_BYTE_ARRAY: return (size_t)leaf->type_length;
	default: return 0;
	}
}

int parq_decode_values(int encoding, const parq_node *leaf, const uint8_t *p, size_t len, size_t n,
                       parq_decoded *out)
{
	int rc;
	switch (encoding) {
	case PARQ_ENC_DELTA_BINARY_PACKED: {
		if (leaf->type != PARQ_INT32 && leaf->type != PARQ_INT64)
			break;
		int w = leaf->type == PARQ_INT32 ? 4 : 8;
		uint64_t *tmp = parq_malloc((n ? n : 1) * sizeof *tmp);
		if (!tmp)
			return PARQ_ENOMEM;
		size_t used;
		rc = delta_decode(p, len, w, tmp, n, &used, NULL);
		/* + 1: a page of nulls has no values, and the buffer still needs memory to point into */
		if (!rc && parq_buf_reserve(out->vals, n * (size_t)w + 1))
			rc = PARQ_ENOMEM;
		if (!rc) {
			uint8_t *o = out->vals->data + out->vals->len;
			for (size_t i = 0; i < n; i++) {
				if (w == 4) {
					uint32_t v = (uint32_t)tmp[i];
					memcpy(o + i * 4, &v, 4);
				} else {
					memcpy(o + i * 8, &tmp[i], 8);
				}
			}
			out->vals->len += n * (size_t)w;
		}
		free(tmp);
		return rc;
	}
	case PARQ_ENC_DELTA_LENGTH_BYTE_ARRAY: {
		if (leaf->type != PARQ_BYTE_ARRAY)
			break;
		if ((rc = grow_views(out, n)))
			return rc;
		size_t used;
		return dlba_decode(p, len, n, *out->views, &used);
	}
	case PARQ_ENC_DELTA_BYTE_ARRAY: {
		if (leaf->type != PARQ_BYTE_ARRAY && leaf->type != PARQ_FIXED_LEN_BYTE_ARRAY)
			break;
		uint64_t *pre = parq_malloc((n ? n : 1) * sizeof *pre);
		parq_bytes *suf = parq_malloc((n ? n : 1) * sizeof *suf);
		size_t used = 0, used2;
		rc = !pre || !suf ? PARQ_ENOMEM : delta_decode(p, len, 4, pre, n, &used, NULL);
		if (rc && pre && suf)
			rc = parq_err_prefix(rc, "DELTA_BYTE_ARRAY: prefix lengths: ");
		if (!rc)
			rc = dlba_decode(p + used, len - used, n, suf, &used2);
		/* total size first, so the heap never moves under the views */
		size_t total = 0, prev = 0;
		for (size_t i = 0; !rc && i < n; i++) {
			int32_t pl = (int32_t)(uint32_t)pre[i];
			if (pl < 0 || (size_t)pl > prev) {
				rc = parq_err(PARQ_ECORRUPT, "DELTA_BYTE_ARRAY: value %zu reuses %d bytes of a %zu-byte value", i,
				              (int)pl, prev);
				break;
			}
			prev = (size_t)pl + suf[i].len;
			if (prev > UINT32_MAX || total > SIZE_MAX - prev) {
				rc = parq_err(PARQ_ECORRUPT, "DELTA_BYTE_ARRAY: values too large");
				break;
			}
			total += prev;
		}
		/* prefixes can multiply the data: bound it like any page */
		size_t cap = out->max_bytes ? out->max_bytes : (size_t)1 << 31;
		if (!rc && total > cap)
			rc = parq_err(PARQ_ELIMIT, "DELTA_BYTE_ARRAY: %zu bytes of values exceed the limit of %zu", total,
			              cap);
		size_t w = leaf->type == PARQ_FIXED_LEN_BYTE_ARRAY ? (size_t)leaf->type_length : 0;
		if (!rc && w && total != n * w)
			rc = parq_err(PARQ_ECORRUPT, "DELTA_BYTE_ARRAY: values are not all %zu bytes long", w);
		parq_buf *dst = w ? out->vals : out->heap;
		if (!rc) {
			if (!w)
				dst->len = 0;
			if (parq_buf_reserve(dst, total + 1) || (!w && grow_views(out, n)))
				rc = PARQ_ENOMEM;
		}
		const uint8_t *last = NULL;
		for (size_t i = 0; !rc && i < n; i++) {
			uint8_t *o = dst->data + dst->len;
			size_t pl = (size_t)(uint32_t)pre[i];
			if (pl)
				memcpy(o, last, pl);
			if (suf[i].len)
				memcpy(o + pl, suf[i].ptr, suf[i].len);
			size_t vl = pl + suf[i].len;
			if (!w) {
				(*out->views)[i].ptr = o;
				(*out->views)[i].len = (uint32_t)vl;
			}
			last = o;
			dst->len += vl;
		}
		free(pre);
		free(suf);
		return rc;
	}
	case PARQ_ENC_BYTE_STREAM_SPLIT: {
		size_t w = fixed_width(leaf);
		if (!w)
			break;
		if (n > len / w)
			return parq_err(PARQ_ECORRUPT, "BYTE_STREAM_SPLIT: %zu values of %zu bytes need %zu bytes, %zu present",
			                n, w, n * w, len);
		if (parq_buf_reserve(out->vals, n * w + 1)) /* + 1: see DELTA_BINARY_PACKED */
			return PARQ_ENOMEM;
		uint8_t *o = out->vals->data + out->vals->len;
		/* the streams are as long as the page's values: len / w each */
		size_t stride = len / w;
		for (size_t j = 0; j < w; j++) {
			const uint8_t *s = p + j * stride;
			for (size_t i = 0; i < n; i++)
				o[i * w + j] = s[i];
		}
		out->vals->len += n * w;
		return 0;
	}
	default:
		return parq_err(PARQ_EUNSUPPORTED, "encoding %s is not supported",
		                parq_encoding_name((parq_encoding)encoding));
	}
	return parq_err(PARQ_EUNSUPPORTED, "%s does not apply to %s values", parq_encoding_name((parq_encoding)encoding),
	                parq_type_name(leaf->type));
}

static void put_uvarint(parq_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

int parq_encode_delta_binary(parq_buf *out, const void *values, size_t n, int width)
{
	enum { BLOCK = 128, MINIS = 4, PER = 32 };
	if (parq_buf_reserve(out, 40 + (n / BLOCK + 1) * (10 + MINIS) + n * (size_t)width + 16))
		return PARQ_ENOMEM;
	uint64_t mask = width == 4 ? 0xFFFFFFFFull : ~0ull;
	const int32_t *v32 = values;
	const int64_t *v64 = values;
#define VAL(i) (width == 4 ? (int64_t)v32[i] : v64[i])
	put_uvarint(out, BLOCK);
	put_uvarint(out, MINIS);
	put_uvarint(out, n);
	int64_t first = n ? VAL(0) : 0;
	put_uvarint(out, ((uint64_t)first << 1) ^ (uint64_t)(first >> 63));
	uint64_t deltas[BLOCK];
	for (size_t at = 1; at < n; at += BLOCK) {
		size_t cnt = n - at < BLOCK ? n - at : BLOCK;
		/* deltas wrap in the column's width; the minimum is signed there */
		int64_t min = INT64_MAX;
		for (size_t i = 0; i < cnt; i++) {
			uint64_t d = ((uint64_t)VAL(at + i) - (uint64_t)VAL(at + i - 1)) & mask;
			int64_t sd = width == 4 ? (int64_t)(int32_t)(uint32_t)d : (int64_t)d;
			deltas[i] = (uint64_t)sd;
			if (sd < min)
				min = sd;
		}
		put_uvarint(out, ((uint64_t)min << 1) ^ (uint64_t)(min >> 63));
		size_t widths_at = out->len;
		out->len += MINIS;
		for (int m = 0; m < MINIS; m++) {
			size_t lo = (size_t)m * PER;
			uint64_t packed[PER];
			uint64_t maxv = 0;
			for (size_t i = 0; i < PER; i++) {
				size_t k = lo + i;
				packed[i] = k < cnt ? (deltas[k] - (uint64_t)min) & mask : 0;
				maxv |= packed[i];
			}
			int bw = lo < cnt ? parq_bit_width(maxv) : 0;
			out->data[widths_at + (size_t)m] = (uint8_t)bw;
			if (lo >= cnt)
				continue; /* miniblocks past the values are left out */
			if (parq_pack64(out, packed, PER, bw))
				return PARQ_ENOMEM;
			if (parq_buf_reserve(out, 10 + MINIS + (size_t)PER * 8 + 16))
				return PARQ_ENOMEM;
		}
		if (parq_buf_reserve(out, 20 + MINIS + (size_t)BLOCK * 8))
			return PARQ_ENOMEM;
	}
#undef VAL
	return 0;
}
