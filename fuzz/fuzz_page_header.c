/* PageHeader, as the column reader decodes it before every page; a header
 * that decodes is encoded again and must decode to the same encoding. */
#include "fuzz.h"
#include "thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parq_meta_page_header h;
	size_t used;
	if (parq_meta_decode_page_header(data, size, &h, &used) != 0)
		return 0;
	FUZZ_ASSERT(used > 0 && used <= size);
	parq_buf e1 = {0}, e2 = {0};
	if (parq_meta_encode_page_header(&e1, &h) == 0) {
		parq_meta_page_header h2;
		size_t used2;
		FUZZ_ASSERT(parq_meta_decode_page_header(e1.data, e1.len, &h2, &used2) == 0);
		FUZZ_ASSERT(used2 == e1.len);
		FUZZ_ASSERT(parq_meta_encode_page_header(&e2, &h2) == 0);
		FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	}
	parq_buf_free(&e1);
	parq_buf_free(&e2);
	return 0;
}
