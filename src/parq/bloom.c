/* Split-block bloom filters. */
#include "bloom.h"

#include <math.h>
/* inline: short values are most of what is hashed, and a call into the
 * library costs as much as their hash */
#define XXH_INLINE_ALL
#include <xxhash.h>

static const uint32_t salt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                 0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

#define BLOOM_MIN 32u
#define BLOOM_MAX (128u << 20)

uint32_t parq_bloom_size(uint64_t ndv, double fpp)
{
	if (fpp <= 0 || fpp >= 1)
		fpp = 0.01;
	if (ndv == 0)
		ndv = 1;
	/* m = -8 n / ln(1 - p^(1/8)) bits, for eight hash bits per value */
	double bits = -8.0 * (double)ndv / log(1.0 - pow(fpp, 1.0 / 8.0));
	double bytes = bits / 8.0;
	uint32_t n = BLOOM_MIN;
	while (n < BLOOM_MAX && (double)n < bytes)
		n <<= 1;
	return n;
}

int parq_bloom_init(parq_bloom *b, uint32_t num_bytes)
{
	if (num_bytes < BLOOM_MIN || num_bytes > BLOOM_MAX || num_bytes % 32)
		return parq_err(PARQ_EINVAL, "bloom filter size %u is not a multiple of 32 in 32..%u", num_bytes, BLOOM_MAX);
	b->words = parq_calloc(num_bytes / 4, 4);
	if (!b->words)
		return PARQ_ENOMEM;
	b->num_bytes = num_bytes;
	b->owned = true;
	return 0;
}

int parq_bloom_view(parq_bloom *b, const uint8_t *bits, uint32_t num_bytes)
{
	if (num_bytes < BLOOM_MIN || num_bytes % 32)
		return parq_err(PARQ_ECORRUPT, "bloom filter of %u bytes is not a whole number of 32-byte blocks", num_bytes);
	/* words are read with memcpy-free access only when aligned */
	b->words = parq_malloc(num_bytes);
	if (!b->words)
		return PARQ_ENOMEM;
	memcpy(b->words, bits, num_bytes);
	b->num_bytes = num_bytes;
	b->owned = true;
	return 0;
}

void parq_bloom_free(parq_bloom *b)
{
	if (b->owned)
		free(b->words);
	memset(b, 0, sizeof *b);
}

uint64_t parq_bloom_hash(const void *p, size_t n) { return XXH64(p, n, 0); }

static uint32_t *block_of(const parq_bloom *b, uint64_t hash)
{
	uint64_t nblocks = b->num_bytes / 32;
	uint64_t i = ((hash >> 32) * nblocks) >> 32;
	return b->words + i * 8;
}

void parq_bloom_insert(parq_bloom *b, uint64_t hash)
{
	uint32_t *blk = block_of(b, hash), key = (uint32_t)hash;
	for (int i = 0; i < 8; i++)
		blk[i] |= 1u << ((key * salt[i]) >> 27);
}

bool parq_bloom_check(const parq_bloom *b, uint64_t hash)
{
	const uint32_t *blk = block_of(b, hash);
	uint32_t key = (uint32_t)hash;
	for (int i = 0; i < 8; i++)
		if (!(blk[i] & (1u << ((key * salt[i]) >> 27))))
			return false;
	return true;
}
