/* Page decompression with every codec (SNAPPY, GZIP, LZ4 in its three
 * framings, LZ4_RAW, ZSTD, BROTLI, and the refusal of LZO and unknown
 * codecs), into exactly the size a page header would declare. The first
 * bytes choose the codec and the declared size; the output buffer is its
 * own allocation so that ASan sees a write past it. One mode compresses
 * the input and checks that it decompresses unchanged. A context is
 * reused for a second call, as the column reader reuses it page after
 * page. */
#include "codec.h"
#include "fuzz.h"

#define MAX_OUT ((size_t)4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t sel = fuzz_u8(&in);
	int codec = sel % 9;
	bool round_trip = sel & 0x80;
	size_t dst_len = fuzz_u32(&in) % (MAX_OUT + 1);
	if (fuzz_u8(&in) & 1)
		dst_len %= 4096; /* most pages are small */
	parq_codec_ctx *ctx = parq_codec_ctx_new();
	FUZZ_ASSERT(ctx);
	uint8_t *src = malloc(in.n ? in.n : 1);
	if (in.n)
		memcpy(src, in.p, in.n);

	if (round_trip) {
		if (parq_codec_can_write(codec)) {
			parq_buf c = {0};
			int level = (sel >> 4) & 7;
			FUZZ_ASSERT(parq_compress(ctx, codec, level, src, in.n, &c) == 0);
			uint8_t *back = malloc(in.n ? in.n : 1);
			int rc = parq_decompress(ctx, codec, c.data, c.len, back, in.n);
			if (rc)
				fprintf(stderr, "%s\n", parq_errmsg());
			FUZZ_ASSERT(rc == 0);
			FUZZ_ASSERT(in.n == 0 || memcmp(back, src, in.n) == 0);
			FUZZ_ASSERT(parq_decompress_check(ctx, codec, c.data, c.len, in.n) == 0);
			free(back);
			parq_buf_free(&c);
		}
	} else {
		uint8_t *dst = malloc(dst_len ? dst_len : 1);
		for (int pass = 0; pass < 2; pass++) {
			int rc = parq_decompress(ctx, codec, src, in.n, dst, dst_len);
			FUZZ_ASSERT(rc == 0 || rc == PARQ_ECORRUPT || rc == PARQ_EUNSUPPORTED || rc == PARQ_ELIMIT);
			/* what the reader asks before allocating never refuses a good page */
			int crc = parq_decompress_check(ctx, codec, src, in.n, dst_len);
			FUZZ_ASSERT(crc == 0 || crc == PARQ_ECORRUPT);
			if (rc == 0)
				FUZZ_ASSERT(crc == 0);
		}
		free(dst);
	}
	free(src);
	parq_codec_ctx_free(ctx);
	return 0;
}
