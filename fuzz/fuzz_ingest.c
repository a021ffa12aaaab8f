/* One line of `probestore ingest` input: httpx -json output or the
 * store's own JSON Lines, detected or given, mapped onto a probe result
 * and validated as ingest does before writing. */
#include <stdarg.h>

#include "cli.h"
#include "fuzz.h"
#include "httpx.h"

/* args.c (time parsing) reports usage errors through main.c, which the
 * harness does not link. */
void cli_error(const char *fmt, ...)
{
	(void)fmt;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return EXIT_USAGE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* the first byte: detect the format, or force one */
	rec_format fmt = (rec_format)(data[0] % 3);
	rec_options o = {.keep_body = data[0] & 4};
	char *line = malloc(size - 1 ? size - 1 : 1);
	memcpy(line, data + 1, size - 1);
	arena a = {0};
	rec r;
	char err[256];
	if (rec_from_line(line, size - 1, &fmt, &o, &a, &r, err, sizeof err) == 0) {
		FUZZ_ASSERT(fmt == REC_HTTPX || fmt == REC_JSONL);
		if (rec_validate(&r, err, sizeof err) == 0) {
			FUZZ_ASSERT(r.r.input_url && r.r.input_url[0]);
			FUZZ_ASSERT(r.target);
		}
	} else {
		FUZZ_ASSERT(memchr(err, 0, sizeof err) && err[0]);
	}
	arena_free(&a);
	free(line);
	return 0;
}
