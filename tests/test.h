/* A minimal test harness: CHECK* macros count failures, main returns
 * non-zero if any check failed. */
#ifndef PARQ_TEST_H
#define PARQ_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The whole of a local file (malloc'd, a byte to spare), its length in
 * *len; the test stops when it cannot be read. */
static inline uint8_t *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	REQUIRE(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	REQUIRE(n >= 0);
	rewind(f);
	uint8_t *p = malloc((size_t)n + 1);
	REQUIRE(p && fread(p, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
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

/* The backend switch of the store tests. With PROBESTORE_TEST_BACKEND=s3
 * a test's stores live in the bucket $PROBESTORE_S3_BUCKET at the endpoint
 * of AWS_ENDPOINT_URL (tests/with_ceph.sh sets both from the Ceph of the
 * CTest fixture); otherwise in local directories. */
static inline bool test_backend_s3(void)
{
	const char *b = getenv("PROBESTORE_TEST_BACKEND");
	return b && !strcmp(b, "s3");
}

/* Exits 77 (CTest's skip) when the S3 backend is asked for and no endpoint
 * is set, or 1 when PROBESTORE_REQUIRE_CEPH=1 requires the S3 runs. */
static inline void test_backend_init(const char *name)
{
	if (!test_backend_s3())
		return;
	if (getenv("AWS_ENDPOINT_URL") && getenv("PROBESTORE_S3_BUCKET") && getenv("AWS_ACCESS_KEY_ID")) {
		printf("%s: stores in s3://%s at %s\n", name, getenv("PROBESTORE_S3_BUCKET"), getenv("AWS_ENDPOINT_URL"));
		return;
	}
	const char *req = getenv("PROBESTORE_REQUIRE_CEPH");
	if (req && !strcmp(req, "1")) {
		fprintf(stderr, "%s: PROBESTORE_TEST_BACKEND=s3 without AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and "
		        "PROBESTORE_S3_BUCKET, and PROBESTORE_REQUIRE_CEPH=1 requires the S3 runs\n", name);
		exit(1);
	}
	printf("%s: SKIP: PROBESTORE_TEST_BACKEND=s3 but no S3 endpoint (AWS_ENDPOINT_URL, PROBESTORE_S3_BUCKET); "
	       "Debian: ceph-mon ceph-osd radosgw ceph-common\n", name);
	exit(77);
}

/* The base path of a store for the local directory dir: dir itself, or on
 * the S3 backend "s3://<bucket>/<run>/<last component of dir>", where <run>
 * is unique to this process so that runs never see each other's objects.
 * Returns out. */
static inline char *test_store_base(char *out, size_t cap, const char *dir)
{
	static char run[64];
	if (!test_backend_s3()) {
		snprintf(out, cap, "%s", dir);
		return out;
	}
	if (!run[0]) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(run, sizeof run, "run-%lld-%ld-%ld", (long long)ts.tv_sec, (long)ts.tv_nsec, (long)getpid());
	}
	const char *name = strrchr(dir, '/');
	name = name ? name + 1 : dir;
	snprintf(out, cap, "s3://%s/%s/%s", getenv("PROBESTORE_S3_BUCKET"), run, name);
	return out;
}

/* Waits for the n child processes and checks that each exited with 0. */
static inline void test_wait_ok(const pid_t *pids, int n)
{
	for (int p = 0; p < n; p++) {
		int status;
		REQUIRE(waitpid(pids[p], &status, 0) == pids[p]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

#endif
