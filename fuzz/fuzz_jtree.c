/* jt_parse, ingest's JSON parser, against cJSON, whose reading it keeps
 * (fuzz/jtree_oracle.h): any bytes taken or refused by both, at the same
 * offset, with the same tree. */
#include "fuzz.h"
#include "jtree_oracle.h"

static jt_doc doc; /* reused from input to input, as ingest reuses it */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];
	if (jtree_vs_cjson(&doc, (const char *)data, size, why, sizeof why)) {
		fprintf(stderr, "jt_parse: %s\n", why);
		FUZZ_ASSERT(!"jt_parse reads the input as cJSON does");
	}
	return 0;
}
