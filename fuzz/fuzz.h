/* Shared by the libFuzzer harnesses: the entry point's prototype (C11 has
 * no extern "C" to hide behind -Wmissing-prototypes), a check that fails
 * the run when an invariant breaks, and a byte cursor for harnesses that
 * take their parameters from the first bytes of the input. */
#ifndef PROBESTORE_FUZZ_H
#define PROBESTORE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test, not of the input: abort so that
 * libFuzzer records the input as a crash. */
#define FUZZ_ASSERT(cond)                                                                         \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

typedef struct fuzz_in {
	const uint8_t *p;
	size_t n;
} fuzz_in;

/* The next byte, 0 once the input is used up. */
static inline uint8_t fuzz_u8(fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* The next little-endian 16/32-bit value, zero-padded at the end. */
static inline uint32_t fuzz_u16(fuzz_in *in)
{
	uint32_t v = fuzz_u8(in);
	return v | (uint32_t)fuzz_u8(in) << 8;
}

static inline uint32_t fuzz_u32(fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);
	return v | fuzz_u16(in) << 16;
}

#endif
