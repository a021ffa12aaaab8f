/* The RLE / bit-packing hybrid decoder (levels, booleans, dictionary
 * indices) and legacy BIT_PACKED levels. The first bytes choose the mode,
 * bit width, value count and how the values are requested (in pieces of
 * varying size, which walks the decoder's partial-group state). One mode
 * encodes the input's values and checks that they decode unchanged. */
#include "fuzz.h"
#include "rle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t mode = fuzz_u8(&in) % 5;
	int bw = fuzz_u8(&in) % 33;
	size_t n = fuzz_u16(&in) % 20000;
	uint8_t piece = fuzz_u8(&in);
	uint8_t *buf = malloc(in.n ? in.n : 1);
	if (in.n)
		memcpy(buf, in.p, in.n);
	uint32_t *out = malloc((n ? n : 1) * sizeof *out);
	int16_t *lv = malloc((n ? n : 1) * sizeof *lv);
	parq_rle_decoder d;
	parq_rle_decoder_init(&d, buf, in.n, bw);
	switch (mode) {
	case 0: {
		/* pieces of 1..piece values, then the rest */
		size_t done = 0, step = piece ? piece : 1;
		while (done < n) {
			size_t k = n - done < step ? n - done : step;
			if (parq_rle_decode_u32(&d, out + done, k) != 0)
				break;
			for (size_t i = 0; i < k && bw < 32; i++)
				FUZZ_ASSERT(out[done + i] >> bw == 0);
			done += k;
			step = step % 13 + 1;
		}
		break;
	}
	case 1:
		if (parq_rle_decode_i16(&d, lv, n) == 0)
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(lv[i] >= 0);
		break;
	case 2:
		if (parq_rle_decode_indices(&d, out, n, piece) == 0)
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(out[i] < piece);
		break;
	case 3:
		if (parq_bitpacked_legacy_decode_i16(buf, in.n, bw % 16, lv, n) == 0)
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(lv[i] >= 0);
		break;
	case 4: {
		/* round trip of the input's bytes as values of bw bits */
		size_t nv = in.n / 4 < n ? in.n / 4 : n;
		uint32_t *vals = malloc((nv ? nv : 1) * sizeof *vals);
		uint32_t mask = bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1;
		for (size_t i = 0; i < nv; i++) {
			uint32_t v;
			memcpy(&v, buf + 4 * i, 4);
			/* runs: repeat the previous value when the top bit says so */
			vals[i] = i && (v & 0x80000000u) ? vals[i - 1] : v & mask;
		}
		parq_buf enc = {0};
		FUZZ_ASSERT(parq_rle_encode_u32(&enc, bw, vals, nv) == 0);
		parq_rle_decoder_init(&d, enc.data, enc.len, bw);
		FUZZ_ASSERT(parq_rle_decode_u32(&d, out, nv) == 0);
		FUZZ_ASSERT(nv == 0 || memcmp(out, vals, nv * sizeof *vals) == 0);
		parq_buf_free(&enc);
		free(vals);
		break;
	}
	}
	free(lv);
	free(out);
	free(buf);
	return 0;
}
