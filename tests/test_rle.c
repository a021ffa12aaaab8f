/* RLE / bit-packing hybrid, bit packing and legacy BIT_PACKED: every bit
 * width 0..32, spec examples, chunked decoding, malformed input. */
#include "rle.h"
#include "test.h"

static uint64_t seed = 12345;

static void fill(uint32_t *v, size_t n, int bw, int pattern)
{
	uint32_t mask = bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1;
	for (size_t i = 0; i < n; i++) {
		switch (pattern) {
		case 0: v[i] = (uint32_t)test_rand(&seed) & mask; break;             /* random */
		case 1: v[i] = (uint32_t)(i / 37) & mask; break;                      /* runs */
		case 2: v[i] = (i & 1) ? mask : 0; break;                             /* alternating */
		default: v[i] = (test_rand(&seed) % 5 == 0 ? (uint32_t)test_rand(&seed) : 0) & mask; /* mostly 0 */
		}
	}
}

static void roundtrip(int bw, size_t n, int pattern)
{
	uint32_t *v = malloc((n + 1) * sizeof *v), *out = malloc((n + 1) * sizeof *out);
	fill(v, n, bw, pattern);
	parq_buf b = {0};
	CHECK_OK(parq_rle_encode_u32(&b, bw, v, n));
	parq_rle_decoder d;
	parq_rle_decoder_init(&d, b.data, b.len, bw);
	CHECK_OK(parq_rle_decode_u32(&d, out, n));
	if (memcmp(v, out, n * sizeof *v) != 0) {
		test_failures++;
		fprintf(stderr, "bw %d n %zu pattern %d: decode differs\n", bw, n, pattern);
	}
	test_checks++;
	/* chunked decoding across run boundaries */
	static const size_t chunks[] = {1, 3, 7, 1000};
	for (size_t c = 0; c < 4; c++) {
		parq_rle_decoder_init(&d, b.data, b.len, bw);
		size_t done = 0;
		int rc = 0;
		while (done < n && !rc) {
			size_t k = n - done < chunks[c] ? n - done : chunks[c];
			rc = parq_rle_decode_u32(&d, out + done, k);
			done += k;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK(memcmp(v, out, n * sizeof *v) == 0);
	}
	/* asking for more values than were encoded fails cleanly (bit-packed
	 * padding may supply up to 7 extra zeros) */
	parq_rle_decoder_init(&d, b.data, b.len, bw);
	uint32_t *big = malloc((n + 64) * sizeof *big);
	CHECK(parq_rle_decode_u32(&d, big, n + 64) == PARQ_ECORRUPT);
	free(big);
	/* levels (widths up to 15): the same values as int16, whole and in
	 * chunks, and the same failure past the end */
	if (bw <= 15) {
		int16_t *lv = malloc((n + 64) * sizeof *lv);
		for (size_t c = 0; c < 5; c++) {
			parq_rle_decoder_init(&d, b.data, b.len, bw);
			size_t step = c == 4 ? n : chunks[c], done = 0;
			int rc = 0;
			while (done < n && !rc) {
				size_t k = n - done < step ? n - done : step;
				rc = parq_rle_decode_i16(&d, lv + done, k);
				done += k;
			}
			CHECK_EQ_INT(rc, 0);
			bool same = true;
			for (size_t i = 0; i < n && same; i++)
				same = lv[i] == (int16_t)v[i];
			CHECK(same);
		}
		parq_rle_decoder_init(&d, b.data, b.len, bw);
		CHECK(parq_rle_decode_i16(&d, lv, n + 64) == PARQ_ECORRUPT);
		free(lv);
	}
	parq_buf_free(&b);
	free(v);
	free(out);
}

static void test_widths(void)
{
	static const size_t lens[] = {0, 1, 7, 8, 9, 63, 64, 65, 1000, 100003};
	for (int bw = 0; bw <= 32; bw++)
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
			for (int pattern = 0; pattern < 4; pattern++)
				if (lens[l] > 0)
					roundtrip(bw, lens[l], pattern);
}

static void test_spec_examples(void)
{
	/* Encodings.md: values 0..7 bit-packed with width 3 */
	uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7}, out[8];
	parq_buf b = {0};
	CHECK_OK(parq_pack32(&b, v, 8, 3));
	const uint8_t packed[] = {0x88, 0xC6, 0xFA};
	CHECK_EQ_INT(b.len, 3);
	CHECK_MEM(b.data, packed, 3);
	parq_unpack32(packed, out, 8, 3);
	CHECK_MEM(out, v, sizeof v);

	/* the same as a hybrid run: header (1 group << 1 | 1) then the bytes */
	const uint8_t hybrid[] = {0x03, 0x88, 0xC6, 0xFA};
	parq_rle_decoder d;
	parq_rle_decoder_init(&d, hybrid, sizeof hybrid, 3);
	CHECK_OK(parq_rle_decode_u32(&d, out, 8));
	CHECK_MEM(out, v, sizeof v);

	/* an RLE run: 100 times the value 5 in one byte */
	const uint8_t rle[] = {0xC8, 0x01, 0x05};
	uint32_t r[100];
	parq_rle_decoder_init(&d, rle, sizeof rle, 3);
	CHECK_OK(parq_rle_decode_u32(&d, r, 100));
	int ok = 1;
	for (int i = 0; i < 100; i++)
		ok &= r[i] == 5;
	CHECK(ok);

	/* our encoder writes the long run as RLE */
	parq_buf_reset(&b);
	CHECK_OK(parq_rle_encode_u32(&b, 3, r, 100));
	CHECK_EQ_INT(b.len, 3);
	CHECK_MEM(b.data, rle, 3);

	/* legacy BIT_PACKED, most significant bit first */
	const uint8_t legacy[] = {0x05, 0x39, 0x77};
	int16_t lv[8];
	CHECK_OK(parq_bitpacked_legacy_decode_i16(legacy, 3, 3, lv, 8));
	for (int i = 0; i < 8; i++)
		CHECK_EQ_INT(lv[i], i);
	CHECK_EQ_INT(parq_bitpacked_legacy_decode_i16(legacy, 2, 3, lv, 8), PARQ_ECORRUPT);
	parq_buf_free(&b);
}

static void test_levels_and_indices(void)
{
	int16_t lv[5000], back[5000];
	for (int i = 0; i < 5000; i++)
		lv[i] = (int16_t)((i % 300 < 200) ? 1 : (i % 3));
	parq_buf b = {0};
	CHECK_OK(parq_rle_encode_i16(&b, 2, lv, 5000));
	parq_rle_decoder d;
	parq_rle_decoder_init(&d, b.data, b.len, 2);
	CHECK_OK(parq_rle_decode_i16(&d, back, 5000));
	CHECK_MEM(lv, back, sizeof lv);

	uint32_t idx[64], out[64];
	for (int i = 0; i < 64; i++)
		idx[i] = (uint32_t)(i % 10);
	parq_buf_reset(&b);
	CHECK_OK(parq_rle_encode_u32(&b, 4, idx, 64));
	parq_rle_decoder_init(&d, b.data, b.len, 4);
	CHECK_OK(parq_rle_decode_indices(&d, out, 64, 10));
	CHECK_MEM(idx, out, sizeof idx);
	parq_rle_decoder_init(&d, b.data, b.len, 4);
	CHECK_EQ_INT(parq_rle_decode_indices(&d, out, 64, 9), PARQ_ECORRUPT);
	parq_buf_free(&b);
}

static void test_malformed(void)
{
	uint32_t out[1024];
	parq_rle_decoder d;
	/* zero-length runs would never end */
	const uint8_t zero_rle[] = {0x00, 0x01};
	parq_rle_decoder_init(&d, zero_rle, 2, 1);
	CHECK_EQ_INT(parq_rle_decode_u32(&d, out, 4), PARQ_ECORRUPT);
	const uint8_t zero_packed[] = {0x01};
	parq_rle_decoder_init(&d, zero_packed, 1, 1);
	CHECK_EQ_INT(parq_rle_decode_u32(&d, out, 4), PARQ_ECORRUPT);
	/* an over-long varint header */
	const uint8_t longhdr[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	parq_rle_decoder_init(&d, longhdr, sizeof longhdr, 1);
	CHECK_EQ_INT(parq_rle_decode_u32(&d, out, 4), PARQ_ECORRUPT);
	/* an RLE value wider than the bit width */
	const uint8_t wide[] = {0x08, 0x09};
	parq_rle_decoder_init(&d, wide, 2, 3);
	CHECK_EQ_INT(parq_rle_decode_u32(&d, out, 4), PARQ_ECORRUPT);
	/* a run value cut off */
	const uint8_t cut[] = {0x08, 0x01};
	parq_rle_decoder_init(&d, cut, 2, 16);
	CHECK_EQ_INT(parq_rle_decode_u32(&d, out, 4), PARQ_ECORRUPT);
	/* every truncation of a valid stream: error or correct values, no overread */
	uint32_t v[300];
	fill(v, 300, 9, 0);
	for (int i = 100; i < 200; i++)
		v[i] = 7;
	parq_buf b = {0};
	CHECK_OK(parq_rle_encode_u32(&b, 9, v, 300));
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan catches overreads */
		memcpy(copy, b.data, len);
		parq_rle_decoder_init(&d, copy, len, 9);
		int rc = parq_rle_decode_u32(&d, out, 300);
		if (rc == 0) {
			CHECK(memcmp(out, v, sizeof v) == 0);
		} else {
			CHECK_EQ_INT(rc, PARQ_ECORRUPT);
		}
		free(copy);
	}
	/* random garbage */
	for (int iter = 0; iter < 2000; iter++) {
		uint8_t junk[64];
		size_t len = test_rand(&seed) % sizeof junk;
		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)test_rand(&seed);
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, junk, len);
		parq_rle_decoder_init(&d, copy, len, (int)(test_rand(&seed) % 33));
		(void)parq_rle_decode_u32(&d, out, 1 + test_rand(&seed) % 1024);
		free(copy);
	}
	parq_buf_free(&b);
}

static void test_pack64(void)
{
	uint64_t v[77], out[77];
	for (int bw = 0; bw <= 64; bw++) {
		uint64_t mask = bw == 64 ? ~0ull : (1ull << bw) - 1;
		for (int i = 0; i < 77; i++)
			v[i] = test_rand(&seed) & mask;
		parq_buf b = {0};
		CHECK_OK(parq_pack64(&b, v, 77, bw));
		CHECK_EQ_INT(b.len, (77 * (size_t)bw + 7) / 8);
		uint8_t *exact = malloc(b.len ? b.len : 1);
		memcpy(exact, b.data, b.len);
		parq_unpack64(exact, out, 77, bw);
		CHECK(memcmp(v, out, sizeof v) == 0);
		free(exact);
		parq_buf_free(&b);
	}
	for (int bw = 0; bw <= 32; bw++) {
		uint32_t v32[13], o32[13];
		uint32_t mask = bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1;
		for (int i = 0; i < 13; i++)
			v32[i] = (uint32_t)test_rand(&seed) & mask;
		parq_buf b = {0};
		CHECK_OK(parq_pack32(&b, v32, 13, bw));
		uint8_t *exact = malloc(b.len ? b.len : 1);
		memcpy(exact, b.data, b.len);
		parq_unpack32(exact, o32, 13, bw);
		CHECK(memcmp(v32, o32, sizeof v32) == 0);
		free(exact);
		parq_buf_free(&b);
	}
}

/* An empty stream without a buffer (an empty parq_buf, as encoding no
 * values leaves it): found by fuzz_rle, pointer arithmetic on NULL under
 * UBSan. */
static void test_empty_null(void)
{
	parq_rle_decoder d;
	uint32_t out[1];
	parq_rle_decoder_init(&d, NULL, 0, 3);
	CHECK_OK(parq_rle_decode_u32(&d, out, 0));
	CHECK(parq_rle_decode_u32(&d, out, 1) == PARQ_ECORRUPT);
	parq_buf empty = {0};
	CHECK_OK(parq_rle_encode_u32(&empty, 5, out, 0));
	parq_rle_decoder_init(&d, empty.data, empty.len, 5);
	CHECK_OK(parq_rle_decode_u32(&d, out, 0));
	parq_buf_free(&empty);
}

/* One value n times without its array: the very bytes the array encodes
 * to, for every count around the RLE threshold and every width. */
static void test_run(void)
{
	static uint32_t v[5000];
	parq_buf a = {0}, b = {0};
	const size_t counts[] = {0, 1, 2, 7, 8, 9, 63, 64, 127, 128, 4096, 5000};
	for (int bw = 0; bw <= 32; bw++) {
		uint32_t x = bw ? (uint32_t)(0xA5A5A5A5u >> (32 - bw)) : 0;
		for (size_t i = 0; i < 5000; i++)
			v[i] = x;
		for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
			parq_buf_reset(&a);
			parq_buf_reset(&b);
			CHECK_OK(parq_rle_encode_u32(&a, bw, v, counts[k]));
			CHECK_OK(parq_rle_encode_run(&b, bw, x, counts[k]));
			CHECK_EQ_INT(b.len, a.len);
			if (a.len == b.len && a.len)
				CHECK_MEM(b.data, a.data, a.len);
		}
	}
	parq_buf_free(&a);
	parq_buf_free(&b);
}

int main(void)
{
	test_run();
	test_empty_null();
	test_spec_examples();
	test_widths();
	test_levels_and_indices();
	test_malformed();
	test_pack64();
	return test_report("test_rle");
}
