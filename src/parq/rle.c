/* RLE / bit-packing hybrid, bit packing, legacy BIT_PACKED. */
#include "rle.h"

/* ---- bit packing ---- */

/* Loads up to 8 bytes at p without reading past end. */
static inline uint64_t load_partial(const uint8_t *p, const uint8_t *end)
{
	if (end - p >= 8)
		return parq_load_u64(p);
	uint64_t v = 0;
	for (int i = 0; p + i < end; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Groups of 8 values of a width known at compile time (the function is
 * inlined once per width): every shift and offset a constant. A group
 * reads up to bw + 8 bytes from its start, so only groups that far from
 * end take this path; returns the values unpacked. */
static inline size_t unpack32_groups(const uint8_t *in, const uint8_t *end, uint32_t *out, size_t n, const int bw)
{
	const uint64_t mask = bw == 32 ? 0xFFFFFFFFull : ((1ull << bw) - 1);
	size_t i = 0;
	for (; i + 8 <= n && in + bw + 8 <= end; i += 8, in += bw)
		for (int j = 0; j < 8; j++)
			out[i + (size_t)j] = (uint32_t)((parq_load_u64(in + ((j * bw) >> 3)) >> ((j * bw) & 7)) & mask);
	return i;
}

void parq_unpack32(const uint8_t *in, uint32_t *out, size_t n, int bw)
{
	if (bw == 0) {
		memset(out, 0, n * sizeof *out);
		return;
	}
	const uint8_t *end = in + (n * (size_t)bw + 7) / 8;
	size_t done;
	switch (bw) {
#define W(b) case b: done = unpack32_groups(in, end, out, n, b); break;
	W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13) W(14) W(15) W(16)
	W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24) W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
#undef W
	default: done = 0; break;
	}
	uint64_t mask = bw == 32 ? 0xFFFFFFFFull : ((1ull << bw) - 1);
	size_t bit = done * (size_t)bw;
	for (size_t i = done; i < n; i++, bit += (size_t)bw) {
		const uint8_t *p = in + (bit >> 3);
		uint64_t w = p + 8 <= end ? parq_load_u64(p) : load_partial(p, end);
		out[i] = (uint32_t)((w >> (bit & 7)) & mask);
	}
}

void parq_unpack64(const uint8_t *in, uint64_t *out, size_t n, int bw)
{
	if (bw == 0) {
		memset(out, 0, n * sizeof *out);
		return;
	}
	const uint8_t *end = in + (n * (size_t)bw + 7) / 8;
	size_t bit = 0;
	for (size_t i = 0; i < n; i++, bit += (size_t)bw) {
		const uint8_t *p = in + (bit >> 3);
		unsigned sh = (unsigned)(bit & 7);
		uint64_t lo = p + 8 <= end ? parq_load_u64(p) : load_partial(p, end);
		uint64_t v = lo >> sh;
		if (bw + (int)sh > 64) {
			/* the value spills into a ninth byte */
			uint64_t hi = p + 8 < end ? p[8] : 0;
			v |= hi << (64 - sh);
		}
		if (bw < 64)
			v &= (1ull << bw) - 1;
		out[i] = v;
	}
}

typedef struct bitw {
	parq_buf *out;
	uint64_t acc;
	int nbits;
} bitw;

static inline void bitw_put(bitw *w, uint64_t v, int bits)
{
	/* bits <= 32 so acc never overflows (nbits < 8 before the add) */
	w->acc |= v << w->nbits;
	w->nbits += bits;
	while (w->nbits >= 8) {
		w->out->data[w->out->len++] = (uint8_t)w->acc;
		w->acc >>= 8;
		w->nbits -= 8;
	}
}

static inline void bitw_flush(bitw *w)
{
	if (w->nbits > 0)
		w->out->data[w->out->len++] = (uint8_t)w->acc;
	w->acc = 0;
	w->nbits = 0;
}

int parq_pack32(parq_buf *out, const uint32_t *vals, size_t n, int bw)
{
	if (parq_buf_reserve(out, (n * (size_t)bw + 7) / 8 + 8))
		return PARQ_ENOMEM;
	if (bw == 0)
		return 0;
	bitw w = {out, 0, 0};
	uint64_t mask = bw == 32 ? 0xFFFFFFFFull : (1ull << bw) - 1;
	for (size_t i = 0; i < n; i++)
		bitw_put(&w, vals[i] & mask, bw);
	bitw_flush(&w);
	return 0;
}

int parq_pack64(parq_buf *out, const uint64_t *vals, size_t n, int bw)
{
	if (parq_buf_reserve(out, (n * (size_t)bw + 7) / 8 + 8))
		return PARQ_ENOMEM;
	if (bw == 0)
		return 0;
	bitw w = {out, 0, 0};
	for (size_t i = 0; i < n; i++) {
		uint64_t v = bw == 64 ? vals[i] : vals[i] & ((1ull << bw) - 1);
		if (bw > 32) {
			bitw_put(&w, v & 0xFFFFFFFFull, 32);
			bitw_put(&w, v >> 32, bw - 32);
		} else {
			bitw_put(&w, v, bw);
		}
	}
	bitw_flush(&w);
	return 0;
}

/* ---- hybrid encoder ---- */

static int put_varint(parq_buf *out, uint64_t v)
{
	if (parq_buf_reserve(out, 10))
		return PARQ_ENOMEM;
	while (v >= 0x80) {
		out->data[out->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out->data[out->len++] = (uint8_t)v;
	return 0;
}

/* Length of the run of values equal to v[i], looking at most `cap` ahead. */
#define RUN_LEN(v, i, n, cap, out) do { size_t _j = (i) + 1; \
	while (_j < (n) && _j - (i) < (cap) && (v)[_j] == (v)[i]) { _j++; } \
	(out) = _j - (i); } while (0)

#define DEFINE_ENCODER(NAME, T)                                                             \
	int NAME(parq_buf *out, int bw, const T *v, size_t n)                                    \
	{                                                                                       \
		size_t vbytes = (size_t)(bw + 7) / 8;                                           \
		uint32_t lit[8];                                                                \
		size_t i = 0;                                                                   \
		while (i < n) {                                                                 \
			size_t run;                                                             \
			RUN_LEN(v, i, n, (size_t)-1, run);                                      \
			if (run >= 8) {                                                         \
				if (put_varint(out, (uint64_t)run << 1) || parq_buf_reserve(out, 4)) \
					return PARQ_ENOMEM;                                     \
				uint32_t x = (uint32_t)v[i];                                    \
				for (size_t b = 0; b < vbytes; b++)                             \
					out->data[out->len++] = (uint8_t)(x >> (8 * b));        \
				i += run;                                                       \
				continue;                                                       \
			}                                                                       \
			/* literal groups of 8 until a run of 8 starts on a group boundary */ \
			size_t k = i;                                                           \
			while (k < n) {                                                         \
				size_t r;                                                       \
				RUN_LEN(v, k, n, 8, r);                                         \
				if (r >= 8 && k > i)                                            \
					break;                                                  \
				k += 8;                                                         \
			}                                                                       \
			if (k > n)                                                              \
				k = n;                                                          \
			size_t groups = (k - i + 7) / 8;                                        \
			if (put_varint(out, ((uint64_t)groups << 1) | 1) ||                     \
			    parq_buf_reserve(out, groups * (size_t)bw + 8))                     \
				return PARQ_ENOMEM;                                             \
			for (size_t g = 0; g < groups; g++) {                                   \
				for (size_t t = 0; t < 8; t++) {                                \
					size_t idx = i + g * 8 + t;                             \
					lit[t] = idx < k ? (uint32_t)v[idx] : 0;                \
				}                                                               \
				if (parq_pack32(out, lit, 8, bw))                               \
					return PARQ_ENOMEM;                                     \
			}                                                                       \
			i = k;                                                                  \
		}                                                                               \
		return 0;                                                                       \
	}

DEFINE_ENCODER(parq_rle_encode_u32, uint32_t)
DEFINE_ENCODER(parq_rle_encode_i16, int16_t)

int parq_rle_encode_run(parq_buf *out, int bw, uint32_t value, size_t n)
{
	if (n < 8) { /* what the encoder makes of so short a run: a literal group */
		uint32_t v[8] = {value, value, value, value, value, value, value, value};
		return parq_rle_encode_u32(out, bw, v, n);
	}
	if (put_varint(out, (uint64_t)n << 1) || parq_buf_reserve(out, 4))
		return PARQ_ENOMEM;
	for (int b = 0; b < (bw + 7) / 8; b++)
		out->data[out->len++] = (uint8_t)(value >> (8 * b));
	return 0;
}

/* ---- hybrid decoder ---- */

void parq_rle_decoder_init(parq_rle_decoder *d, const uint8_t *p, size_t n, int bit_width)
{
	memset(d, 0, sizeof *d);
	d->p = p;
	d->end = n ? p + n : p; /* an empty stream may have no buffer: no arithmetic on NULL */
	d->bit_width = bit_width;
}

static int next_run(parq_rle_decoder *d, size_t done, size_t want)
{
	uint64_t h = 0;
	int shift = 0;
	for (;;) {
		if (d->p >= d->end)
			return parq_err(PARQ_ECORRUPT, "RLE data ends after %zu of %zu values", done, want);
		uint8_t b = *d->p++;
		if (shift == 63 && b > 1)
			return parq_err(PARQ_ECORRUPT, "RLE run header overflows");
		h |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return parq_err(PARQ_ECORRUPT, "RLE run header is too long");
	}
	if (h & 1) {
		uint64_t groups = h >> 1;
		if (groups == 0 || groups > UINT32_MAX / 8)
			return parq_err(PARQ_ECORRUPT, "RLE bit-packed run of %llu groups is invalid", (unsigned long long)groups);
		d->packed_left = (uint32_t)(groups * 8);
		d->packed = d->p;
		/* the run's bytes; the last run may be cut short by the writer */
		uint64_t bytes = groups * (uint64_t)d->bit_width;
		d->p = bytes > (uint64_t)(d->end - d->p) ? d->end : d->p + bytes;
	} else {
		uint64_t count = h >> 1;
		if (count == 0 || count > UINT32_MAX)
			return parq_err(PARQ_ECORRUPT, "RLE run of %llu values is invalid", (unsigned long long)count);
		size_t vb = (size_t)(d->bit_width + 7) / 8;
		if ((size_t)(d->end - d->p) < vb)
			return parq_err(PARQ_ECORRUPT, "RLE run value truncated");
		uint32_t v = 0;
		for (size_t i = 0; i < vb; i++)
			v |= (uint32_t)d->p[i] << (8 * i);
		d->p += vb;
		if (d->bit_width < 32 && (v >> d->bit_width))
			return parq_err(PARQ_ECORRUPT, "RLE run value %u exceeds %d bits", v, d->bit_width);
		d->rle_left = (uint32_t)count;
		d->rle_value = v;
	}
	return 0;
}

int parq_rle_decode_u32(parq_rle_decoder *d, uint32_t *out, size_t n)
{
	size_t done = 0;
	const int bw = d->bit_width;
	while (done < n) {
		if (d->pending_pos < d->pending_n) {
			size_t k = d->pending_n - d->pending_pos;
			if (k > n - done)
				k = n - done;
			memcpy(out + done, d->pending + d->pending_pos, k * sizeof *out);
			d->pending_pos += (uint32_t)k;
			done += k;
			continue;
		}
		if (d->rle_left) {
			size_t k = d->rle_left < n - done ? d->rle_left : n - done;
			uint32_t v = d->rle_value;
			for (size_t i = 0; i < k; i++)
				out[done + i] = v;
			d->rle_left -= (uint32_t)k;
			done += k;
			continue;
		}
		if (d->packed_left) {
			size_t avail = (size_t)(d->p - d->packed); /* bytes of this run present */
			size_t full_groups = bw ? avail / (size_t)bw : d->packed_left / 8;
			size_t run_groups = d->packed_left / 8;
			if (full_groups > run_groups)
				full_groups = run_groups;
			size_t want_groups = (n - done) / 8;
			if (want_groups && full_groups) {
				size_t g = want_groups < full_groups ? want_groups : full_groups;
				parq_unpack32(d->packed, out + done, g * 8, bw);
				d->packed += g * (size_t)bw;
				d->packed_left -= (uint32_t)(g * 8);
				done += g * 8;
				continue;
			}
			/* one group into pending (possibly cut short at the end of the data) */
			size_t have_bits = avail * 8;
			uint32_t nvals = 8;
			if (bw && have_bits < (size_t)bw * 8)
				nvals = (uint32_t)(have_bits / (size_t)bw);
			if (nvals == 0)
				return parq_err(PARQ_ECORRUPT, "RLE data ends after %zu of %zu values", done, n);
			uint8_t tmp[32] = {0};
			size_t gb = (size_t)bw < avail ? (size_t)bw : avail;
			memcpy(tmp, d->packed, gb);
			parq_unpack32(tmp, d->pending, 8, bw);
			d->pending_pos = 0;
			d->pending_n = nvals;
			d->packed += gb;
			d->packed_left = nvals == 8 ? d->packed_left - 8 : 0;
			continue;
		}
		int rc = next_run(d, done, n);
		if (rc)
			return rc;
	}
	return 0;
}

int parq_rle_decode_i16(parq_rle_decoder *d, int16_t *out, size_t n)
{
	uint32_t tmp[512];
	size_t done = 0;
	if (d->bit_width <= 15) {
		/* every value fits: RLE runs are filled in place, bit-packed
		 * values narrowed without a check */
		while (done < n) {
			bool pending = d->pending_pos < d->pending_n;
			if (!pending && d->rle_left) {
				size_t k = d->rle_left < n - done ? d->rle_left : n - done;
				int16_t v = (int16_t)d->rle_value;
				for (size_t i = 0; i < k; i++)
					out[done + i] = v;
				d->rle_left -= (uint32_t)k;
				done += k;
				continue;
			}
			if (!pending && !d->packed_left) {
				int rc = next_run(d, done, n);
				if (rc)
					return rc;
				continue;
			}
			/* the pending group and the rest of the bit-packed run */
			size_t k = (size_t)(d->pending_n - d->pending_pos) + d->packed_left;
			if (k > n - done)
				k = n - done;
			if (k > 512)
				k = 512;
			int rc = parq_rle_decode_u32(d, tmp, k);
			if (rc)
				return rc;
			for (size_t i = 0; i < k; i++)
				out[done + i] = (int16_t)tmp[i];
			done += k;
		}
		return 0;
	}
	while (done < n) {
		size_t k = n - done < 512 ? n - done : 512;
		int rc = parq_rle_decode_u32(d, tmp, k);
		if (rc)
			return rc;
		for (size_t i = 0; i < k; i++) {
			if (tmp[i] > INT16_MAX)
				return parq_err(PARQ_ECORRUPT, "level %u out of range", tmp[i]);
			out[done + i] = (int16_t)tmp[i];
		}
		done += k;
	}
	return 0;
}

int parq_rle_decode_indices(parq_rle_decoder *d, uint32_t *out, size_t n, uint32_t dict_size)
{
	int rc = parq_rle_decode_u32(d, out, n);
	if (rc)
		return rc;
	uint32_t max = 0;
	for (size_t i = 0; i < n; i++)
		max = out[i] > max ? out[i] : max;
	if (n && max >= dict_size)
		return parq_err(PARQ_ECORRUPT, "dictionary index %u out of range (dictionary has %u values)", max, dict_size);
	return 0;
}

int parq_bitpacked_legacy_decode_i16(const uint8_t *p, size_t len, int bw, int16_t *out, size_t n)
{
	size_t need = (n * (size_t)bw + 7) / 8;
	if (need > len)
		return parq_err(PARQ_ECORRUPT, "BIT_PACKED levels need %zu bytes, %zu present", need, len);
	size_t bit = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = 0;
		for (int b = 0; b < bw; b++, bit++)
			v = (v << 1) | ((p[bit >> 3] >> (7 - (bit & 7))) & 1);
		if (v > INT16_MAX)
			return parq_err(PARQ_ECORRUPT, "level %u out of range", v);
		out[i] = (int16_t)v;
	}
	return 0;
}
