/* Split-block bloom filters as the Parquet spec defines them (BloomFilter.md):
 * 256-bit blocks of eight 32-bit words, XXH64 of the plain-encoded value. */
#ifndef PARQ_BLOOM_H
#define PARQ_BLOOM_H

#include "util.h"

typedef struct parq_bloom {
	uint32_t *words;   /* num_bytes / 4 words, 8 per block */
	uint32_t num_bytes;
	bool owned;
} parq_bloom;

/* Bytes for ndv distinct values at false-positive rate fpp: a power of two
 * between 32 bytes and 128 MiB. */
uint32_t parq_bloom_size(uint64_t ndv, double fpp);
int parq_bloom_init(parq_bloom *b, uint32_t num_bytes);
/* Views an existing bitset (num_bytes a multiple of 32). */
int parq_bloom_view(parq_bloom *b, const uint8_t *bits, uint32_t num_bytes);
void parq_bloom_free(parq_bloom *b);

/* The hash of a value as stored: XXH64, seed 0, over its plain encoding
 * (BYTE_ARRAY: the bytes without their length). */
uint64_t parq_bloom_hash(const void *p, size_t n);
void parq_bloom_insert(parq_bloom *b, uint64_t hash);
bool parq_bloom_check(const parq_bloom *b, uint64_t hash);

#endif
