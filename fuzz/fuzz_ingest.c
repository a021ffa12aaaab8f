/* One line of `probestore ingest` input: httpx -json output or the
 * store's own JSON Lines, detected or given, mapped onto a probe result
 * and validated as ingest does before writing. */
#include "fuzz.h"
#include "ingest/httpx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* the first byte: detect the format, or force one */
	ps_rec_format fmt = (ps_rec_format)(data[0] % 3);
	ps_rec_options o = {.keep_body = data[0] & 4};
	char *line = malloc(size - 1 ? size - 1 : 1);
	memcpy(line, data + 1, size - 1);
	ps_arena a = {0};
	ps_rec r;
	char err[256];
	if (ps_rec_from_line(line, size - 1, &fmt, &o, &a, &r, err, sizeof err) == 0) {
		FUZZ_ASSERT(fmt == PS_REC_HTTPX || fmt == PS_REC_JSONL);
		if (ps_rec_validate(&r, err, sizeof err) == 0) {
			FUZZ_ASSERT(r.r.input_url && r.r.input_url[0]);
			FUZZ_ASSERT(r.target);
		}
	} else {
		FUZZ_ASSERT(memchr(err, 0, sizeof err) && err[0]);
	}
	ps_arena_free(&a);
	free(line);
	return 0;
}
