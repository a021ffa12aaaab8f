/* Line diffs: hand-made cases, random inputs checked against a dynamic
 * programming LCS (the diff must be minimal and rebuild both inputs), the
 * size cap, the work budget's coarse fallback, and a large file. */
#include <time.h>

#include "history_test.h"
#include "history/linediff.h"

/* Rebuilds a (ops 0 and -1) or b (ops 0 and 1) from the segments. */
static char *rebuild(const ps_linediff *d, int skip_op, size_t *len)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->segs[i].op != skip_op)
			n += d->segs[i].len;
	char *s = malloc(n + 1);
	size_t at = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->segs[i].op != skip_op) {
			memcpy(s + at, d->segs[i].text, d->segs[i].len);
			at += d->segs[i].len;
		}
	s[n] = 0;
	*len = n;
	return s;
}

/* Both inputs rebuild; no empty segments; a changed stretch is one delete
 * then one insert, between equal segments. */
static void check_shape(const char *a, size_t alen, const char *b, size_t blen, const ps_linediff *d)
{
	size_t la, lb;
	char *ra = rebuild(d, 1, &la), *rb = rebuild(d, -1, &lb);
	CHECK_EQ_INT(la, alen);
	CHECK_EQ_INT(lb, blen);
	CHECK(la == alen && memcmp(ra, a, alen) == 0);
	CHECK(lb == blen && memcmp(rb, b, blen) == 0);
	free(ra);
	free(rb);
	for (size_t i = 0; i < d->n; i++) {
		CHECK(d->segs[i].len > 0);
		if (i) {
			int p = d->segs[i - 1].op, c = d->segs[i].op;
			CHECK(p != c);
			CHECK(!(p == 1 && c == -1)); /* delete before insert */
		}
	}
}

static int64_t count_op_lines(const ps_linediff *d, int op)
{
	int64_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->segs[i].op != op)
			continue;
		for (size_t k = 0; k < d->segs[i].len; k++)
			n += d->segs[i].text[k] == '\n';
		if (d->segs[i].text[d->segs[i].len - 1] != '\n')
			n++;
	}
	return n;
}

static void test_cases(void)
{
	ps_linediff d;
	const char *a = "one\ntwo\nthree\n", *b = "one\n2\nthree\nfour\n";
	CHECK_OK(ps_linediff_compute(a, strlen(a), b, strlen(b), 0, &d));
	check_shape(a, strlen(a), b, strlen(b), &d);
	CHECK_EQ_INT(d.n, 5);
	if (d.n == 5) {
		CHECK(d.segs[0].op == 0 && d.segs[0].len == 4);
		CHECK(d.segs[1].op == -1 && d.segs[1].len == 4 && !memcmp(d.segs[1].text, "two\n", 4));
		CHECK(d.segs[2].op == 1 && d.segs[2].len == 2 && !memcmp(d.segs[2].text, "2\n", 2));
		CHECK(d.segs[3].op == 0 && d.segs[3].len == 6);
		CHECK(d.segs[4].op == 1 && d.segs[4].len == 5 && !memcmp(d.segs[4].text, "four\n", 5));
	}
	CHECK_EQ_INT(d.added, 2);
	CHECK_EQ_INT(d.deleted, 1);
	CHECK_EQ_INT(d.changed, 1);
	CHECK(!d.capped && !d.coarse);
	ps_linediff_free(&d);

	/* identical */
	CHECK_OK(ps_linediff_compute(a, strlen(a), a, strlen(a), 0, &d));
	CHECK_EQ_INT(d.n, 1);
	CHECK_EQ_INT(d.added + d.deleted, 0);
	ps_linediff_free(&d);
	/* from and to nothing */
	CHECK_OK(ps_linediff_compute(NULL, 0, a, strlen(a), 0, &d));
	CHECK_EQ_INT(d.n, 1);
	CHECK_EQ_INT(d.added, 3);
	CHECK_EQ_INT(d.changed, 0);
	ps_linediff_free(&d);
	CHECK_OK(ps_linediff_compute(a, strlen(a), "", 0, 0, &d));
	CHECK_EQ_INT(d.deleted, 3);
	ps_linediff_free(&d);
	/* a last line without its newline is another line */
	CHECK_OK(ps_linediff_compute("x\ny", 3, "x\ny\n", 4, 0, &d));
	check_shape("x\ny", 3, "x\ny\n", 4, &d);
	CHECK_EQ_INT(d.added, 1);
	CHECK_EQ_INT(d.deleted, 1);
	ps_linediff_free(&d);
	/* NUL bytes are bytes */
	CHECK_OK(ps_linediff_compute("a\0b\nc\n", 6, "a\0c\nc\n", 6, 0, &d));
	check_shape("a\0b\nc\n", 6, "a\0c\nc\n", 6, &d);
	CHECK_EQ_INT(d.changed, 1);
	ps_linediff_free(&d);
}

static size_t lcs(const int *x, size_t n, const int *y, size_t m)
{
	size_t *t = calloc((n + 1) * (m + 1), sizeof *t);
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++)
			t[i * (m + 1) + j] = x[i - 1] == y[j - 1] ? t[(i - 1) * (m + 1) + j - 1] + 1
			                   : t[(i - 1) * (m + 1) + j] > t[i * (m + 1) + j - 1] ? t[(i - 1) * (m + 1) + j]
			                                                                   : t[i * (m + 1) + j - 1];
	size_t r = t[n * (m + 1) + m];
	free(t);
	return r;
}

static char *lines_text(const int *x, size_t n, size_t *len)
{
	char *s = malloc(n * 8 + 1);
	size_t at = 0;
	for (size_t i = 0; i < n; i++)
		at += (size_t)sprintf(s + at, "L%d\n", x[i]);
	*len = at;
	return s;
}

static void test_random(void)
{
	uint64_t seed = 7;
	int x[80], y[80];
	int bad = 0;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = test_rand(&seed) % 60, m = test_rand(&seed) % 60;
		int alpha = 2 + (int)(test_rand(&seed) % 8);
		for (size_t i = 0; i < n; i++)
			x[i] = (int)(test_rand(&seed) % (uint64_t)alpha);
		/* b: often an edit of a, sometimes unrelated */
		if (iter % 3) {
			m = 0;
			for (size_t i = 0; i < n && m < 80; i++) {
				uint64_t r = test_rand(&seed) % 10;
				if (r == 0)
					continue;
				if (r == 1 && m < 79)
					y[m++] = (int)(test_rand(&seed) % (uint64_t)alpha);
				y[m++] = x[i];
			}
		} else {
			for (size_t i = 0; i < m; i++)
				y[i] = (int)(test_rand(&seed) % (uint64_t)alpha);
		}
		size_t al, bl;
		char *a = lines_text(x, n, &al), *b = lines_text(y, m, &bl);
		ps_linediff d;
		CHECK_OK(ps_linediff_compute(a, al, b, bl, 0, &d));
		check_shape(a, al, b, bl, &d);
		size_t l = lcs(x, n, y, m);
		/* minimal: every line not in a longest common subsequence changes */
		if (d.added != (int64_t)(m - l) || d.deleted != (int64_t)(n - l)) {
			if (bad++ < 5)
				fprintf(stderr, "iteration %d: +%lld -%lld, LCS says +%zu -%zu\n", iter, (long long)d.added,
				        (long long)d.deleted, m - l, n - l);
		}
		CHECK_EQ_INT(count_op_lines(&d, 1), d.added);
		CHECK_EQ_INT(count_op_lines(&d, -1), d.deleted);
		ps_linediff_free(&d);
		free(a);
		free(b);
	}
	CHECK_EQ_INT(bad, 0);
}

static void test_cap_and_budget(void)
{
	const char *a = "head\nsame\nold 1\nold 2\ntail\n", *b = "head\nsame\nnew 1\ntail\n";
	ps_linediff d;
	CHECK_OK(ps_linediff_compute(a, strlen(a), b, strlen(b), 10, &d));
	CHECK(d.capped);
	CHECK_EQ_INT(d.n, 0);
	CHECK_EQ_INT(d.deleted, 2);
	CHECK_EQ_INT(d.added, 1);
	CHECK_EQ_INT(d.changed, 1);
	ps_linediff_free(&d);
	/* exactly at the cap is not over it */
	CHECK_OK(ps_linediff_compute(a, strlen(a), b, strlen(b), strlen(a), &d));
	CHECK(!d.capped);
	CHECK_EQ_INT(d.deleted, 2);
	ps_linediff_free(&d);

	/* two unrelated files: a tiny budget gives a coarse, correct diff */
	int x[400], y[400];
	uint64_t seed = 3;
	for (int i = 0; i < 400; i++) {
		x[i] = (int)(test_rand(&seed) % 50);
		y[i] = (int)(test_rand(&seed) % 50);
	}
	size_t al, bl;
	char *ta = lines_text(x, 400, &al), *tb = lines_text(y, 400, &bl);
	CHECK_OK(ps_linediff_compute_budget(ta, al, tb, bl, 0, 100, &d));
	CHECK(d.coarse);
	check_shape(ta, al, tb, bl, &d);
	int64_t coarse = d.added + d.deleted;
	ps_linediff_free(&d);
	CHECK_OK(ps_linediff_compute(ta, al, tb, bl, 0, &d));
	CHECK(!d.coarse);
	CHECK(d.added + d.deleted < coarse);
	CHECK_EQ_INT(d.added, 400 - (int64_t)lcs(x, 400, y, 400));
	ps_linediff_free(&d);
	free(ta);
	free(tb);
}

static void test_large(void)
{
	/* a 50,000-line bundle with 40 edits spread over it */
	enum { N = 50000 };
	int *x = malloc(N * sizeof *x), *y = malloc((N + 100) * sizeof *y);
	size_t m = 0;
	for (int i = 0; i < N; i++)
		x[i] = i;
	for (int i = 0; i < N; i++) {
		if (i % 1250 == 7)
			y[m++] = -i; /* replaced */
		else
			y[m++] = x[i];
		if (i % 2500 == 11)
			y[m++] = -100000 - i; /* inserted */
	}
	size_t al, bl;
	char *a = malloc(N * 32), *b = malloc((N + 100) * 32);
	al = bl = 0;
	for (int i = 0; i < N; i++)
		al += (size_t)sprintf(a + al, "var v%d = %d;\n", x[i], i % 97);
	for (size_t i = 0; i < m; i++)
		bl += (size_t)sprintf(b + bl, "var v%d = %d;\n", y[i], y[i] < 0 ? 1 : y[i] % 97);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ps_linediff d;
	CHECK_OK(ps_linediff_compute(a, al, b, bl, 0, &d));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	check_shape(a, al, b, bl, &d);
	CHECK_EQ_INT(d.deleted, 40);
	CHECK_EQ_INT(d.added, 60);
	CHECK_EQ_INT(d.changed, 40);
	printf("test_linediff: %d lines with 40 changes and 20 insertions diffed in %.1f ms\n", N, ms);
	ps_linediff_free(&d);
	free(a);
	free(b);
	free(x);
	free(y);
}

int main(void)
{
	test_cases();
	test_random();
	test_cap_and_budget();
	test_large();
	return test_report("test_linediff");
}
