/* The value decoders of data pages (DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, and the
 * refusal of any other encoding), with the encoding, the physical type,
 * FIXED_LEN_BYTE_ARRAY's width and the value count taken from the first
 * five bytes and the page's values from the rest. */
#include "encodings.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	int encoding = fuzz_u8(&in) % 10;
	uint8_t t = fuzz_u8(&in);
	size_t n = fuzz_u16(&in);
	parq_node leaf;
	memset(&leaf, 0, sizeof leaf);
	leaf.type = (parq_type)(t % 8);
	leaf.type_length = leaf.type == PARQ_FIXED_LEN_BYTE_ARRAY ? 1 + (t >> 3) % 20 : 0;
	leaf.path = "fuzz";
	leaf.name = "fuzz";
	uint8_t extra = fuzz_u8(&in);
	if (extra & 1)
		n %= 64; /* small counts reach the ends of streams more often */

	/* the input of a page is its own allocation, so reads past it are seen */
	uint8_t *page = malloc(in.n ? in.n : 1);
	if (in.n)
		memcpy(page, in.p, in.n);
	parq_buf vals = {0}, heap = {0};
	parq_bytes *views = NULL;
	size_t cap_views = 0;
	parq_decoded out = {.vals = &vals, .views = &views, .cap_views = &cap_views, .heap = &heap,
	                    .max_bytes = (size_t)64 << 20};
	int rc = parq_decode_values(encoding, &leaf, page, in.n, n, &out);
	if (rc == 0) {
		volatile uint64_t sink = 0;
		if (leaf.type == PARQ_BYTE_ARRAY) {
			FUZZ_ASSERT(cap_views >= n);
			for (size_t i = 0; i < n; i++)
				for (uint32_t k = 0; k < views[i].len; k++)
					sink += views[i].ptr[k];
		} else {
			size_t w = leaf.type == PARQ_INT32 || leaf.type == PARQ_FLOAT ? 4
			         : leaf.type == PARQ_INT64 || leaf.type == PARQ_DOUBLE ? 8
			         : (size_t)leaf.type_length;
			FUZZ_ASSERT(vals.len == n * w);
			for (size_t i = 0; i < vals.len; i++)
				sink += vals.data[i];
		}
		(void)sink;
	} else {
		FUZZ_ASSERT(rc == PARQ_ECORRUPT || rc == PARQ_EUNSUPPORTED || rc == PARQ_ELIMIT);
	}
	free(views);
	parq_buf_free(&vals);
	parq_buf_free(&heap);
	free(page);
	return 0;
}
