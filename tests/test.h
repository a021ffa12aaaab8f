/* A minimal test harness: CHECK* macros count failures, main returns
 * non-zero if any check failed. */
#ifndef PARQ_TEST_H
#define PARQ_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond) do { test_checks++; if (!(cond)) { test_failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); test_checks++; \
	if (_a != _b) { test_failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
	__FILE__, __LINE__, #a, _a, #b, _b); } } while (0)
#define CHECK_OK(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, parq_errmsg()); } } while (0)
#define CHECK_MEM(a, b, n) do { test_checks++; if (memcmp((a), (b), (n)) != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: memory differs: %s vs %s\n", __FILE__, __LINE__, #a, #b); } } while (0)
#define REQUIRE(cond) do { test_checks++; if (!(cond)) { fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", \
	__FILE__, __LINE__, #cond); exit(1); } } while (0)

static inline int test_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	return test_failures ? 1 : 0;
}

/* Deterministic PRNG (splitmix64) for property tests. */
static inline uint64_t test_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Version v of a JavaScript bundle of 5,000 functions alike but for a
 * number (about 210 KB): versions after 0 change about three functions,
 * chosen by seed. Writes at most cap bytes (cap >= 64) and returns the
 * length. */
static inline size_t test_bundle(char *buf, size_t cap, int v, uint64_t *seed)
{
	uint64_t g = 0x1234;
	size_t at = 0;
	for (int line = 0; line < 5000 && at + 64 <= cap; line++) {
		g = g * 6364136223846793005ull + 1442695040888963407ull;
		int changed = v > 0 && test_rand(seed) % 1667 == 0;
		at += (size_t)snprintf(buf + at, 64, "function f%d(a,b){return a*%u+b-%d;}\n", line, (unsigned)(g >> 48),
		                       changed ? v : 0);
	}
	return at;
}

#endif
