/* Byte-string statistics: comparing only the first bytes that the written
 * (truncated) bounds keep gives exactly the bounds a full comparison
 * gives, including maxima that cannot be raised (0xFF prefixes) and
 * UTF-8 truncation. */
#include "stats.h"
#include "test.h"

static uint64_t seed = 2024;

static void encoded(const parq_bytes *v, size_t n, size_t limit, size_t max_bytes, bool utf8, parq_buf *out,
                    parq_stats_enc *e)
{
	parq_stats s;
	parq_stats_init(&s, PARQ_ORDER_BYTES);
	s.cmp_limit = limit;
	/* in several batches, as pages arrive */
	for (size_t at = 0; at < n; at += 7)
		CHECK_OK(parq_stats_update_bytes(&s, v + at, n - at < 7 ? n - at : 7));
	out->len = 0;
	CHECK_OK(parq_stats_encode(&s, max_bytes, utf8, out, e));
	parq_stats_free(&s);
}

int main(void)
{
	static const uint8_t alphabet[] = {'a', 'b', 0xFF, 0x00, 0xC3, 0xA9};
	uint8_t data[64][24];
	parq_bytes v[64];
	parq_buf a = {0}, b = {0};
	int differ = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + test_rand(&seed) % 64;
		size_t k = 1 + test_rand(&seed) % 10;
		bool utf8 = test_rand(&seed) % 2;
		for (size_t i = 0; i < n; i++) {
			size_t len = test_rand(&seed) % 24;
			/* long shared prefixes are the interesting case */
			for (size_t j = 0; j < len; j++)
				data[i][j] = j < k && test_rand(&seed) % 4 ? alphabet[round % 3 == 0 ? 2 : 0]
				                                          : alphabet[test_rand(&seed) % 6];
			v[i] = (parq_bytes){data[i], (uint32_t)len};
		}
		parq_stats_enc ea, eb;
		encoded(v, n, 0, k, utf8, &a, &ea);
		encoded(v, n, k + 4, k, utf8, &b, &eb);
		bool same = ea.has == eb.has && ea.min_len == eb.min_len && ea.max_len == eb.max_len &&
		            !memcmp(a.data + ea.min_off, b.data + eb.min_off, ea.min_len) &&
		            !memcmp(a.data + ea.max_off, b.data + eb.max_off, ea.max_len) &&
		            ea.min_exact == eb.min_exact && ea.max_exact == eb.max_exact;
		if (!same && differ++ < 3)
			fprintf(stderr, "round %d (k %zu, utf8 %d): bounds differ\n", round, k, utf8);
		test_checks++;
	}
	test_failures += differ;
	parq_buf_free(&a);
	parq_buf_free(&b);
	return test_report("test_stats");
}
