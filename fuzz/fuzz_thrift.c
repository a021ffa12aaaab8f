/* The Thrift compact protocol decoder: any bytes skipped as a struct of
 * unknown fields (every type, list, set, map and nesting depth), then read
 * as the small structures the page index and bloom filters use. */
#include "fuzz.h"
#include "thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tc_reader r = {data, data + size, 0};
	if (tc_skip(&r, TC_STRUCT) == 0) {
		FUZZ_ASSERT(r.p <= data + size && r.p > data);
		FUZZ_ASSERT(r.depth == 0);
	}

	parq_arena a;
	parq_arena_init(&a, (size_t)size * 64 + 4096);
	parq_meta_column_index ci;
	if (parq_meta_decode_column_index(&a, data, size, &ci) == 0) {
		for (uint32_t i = 0; i < ci.n_min_values; i++)
			FUZZ_ASSERT(ci.min_values[i].ptr >= data && ci.min_values[i].ptr + ci.min_values[i].len <= data + size);
	}
	parq_arena_reset(&a);
	parq_meta_offset_index oi;
	if (parq_meta_decode_offset_index(&a, data, size, &oi) == 0)
		FUZZ_ASSERT(oi.n_page_locations <= size);
	parq_arena_free(&a);

	parq_meta_bloom_header bh;
	size_t used;
	if (parq_meta_decode_bloom_header(data, size, &bh, &used) == 0)
		FUZZ_ASSERT(used <= size);
	return 0;
}
