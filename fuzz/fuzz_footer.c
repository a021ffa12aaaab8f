/* The footer: FileMetaData decoded as the reader decodes it (arena bounded
 * by the footer's size), the schema built from it, and the metadata
 * encoded again, which appending writers do with a file's footer: the
 * encoding must decode, and encode to the same bytes. */
#include "fuzz.h"
#include "schema.h"
#include "thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parq_arena a;
	parq_arena_init(&a, (size_t)size * 64 + ((size_t)1 << 20));
	parq_file_meta m;
	if (parq_meta_decode_file(&a, data, size, &m) != 0) {
		parq_arena_free(&a);
		return 0;
	}
	parq_schema *s = NULL;
	if (parq_schema_from_meta(&s, m.schema, m.n_schema) == 0) {
		FUZZ_ASSERT(s->finished && s->n_leaves >= 0);
		for (int i = 0; i < s->n_leaves; i++)
			FUZZ_ASSERT(s->leaves[i]->leaf_index == i && !s->leaves[i]->is_group);
		parq_meta_schema_elem *flat;
		uint32_t nflat;
		if (parq_schema_to_meta(s, &flat, &nflat) == 0) {
			FUZZ_ASSERT(nflat == (uint32_t)s->n_nodes);
			free(flat);
		}
		parq_schema_free(s);
	}

	parq_buf enc1 = {0}, enc2 = {0};
	if (parq_meta_encode_file(&enc1, &m) == 0) {
		parq_arena b;
		parq_arena_init(&b, enc1.len * 64 + ((size_t)1 << 20));
		parq_file_meta m2;
		FUZZ_ASSERT(parq_meta_decode_file(&b, enc1.data, enc1.len, &m2) == 0);
		FUZZ_ASSERT(parq_meta_encode_file(&enc2, &m2) == 0);
		FUZZ_ASSERT(enc1.len == enc2.len && memcmp(enc1.data, enc2.data, enc1.len) == 0);
		parq_arena_free(&b);
	}
	parq_buf_free(&enc1);
	parq_buf_free(&enc2);
	parq_arena_free(&a);
	return 0;
}
