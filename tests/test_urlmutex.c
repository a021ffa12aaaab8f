/* The URL mutex manager: mutual exclusion per URL under contention, reference
 * counting against cleanup, misuse reported as errors, disabled mode. */
#include "probestore/probestore.h"
#include "test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#define CHECK_PS(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_basic(void)
{
	ps_urlmutex_mgr *m = NULL;
	ps_urlmutex *a = NULL, *b = NULL;
	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	REQUIRE(m);
	ps_urlmutex_mgr_set_keep(m, true);
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/app.js", &a));
	CHECK(a != NULL);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/other.js", &b));
	CHECK(b != NULL && b != a);
	CHECK_EQ_INT(ps_urlmutex_count(m), 2);
	/* held entries survive cleanup */
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
	CHECK_PS(ps_urlmutex_release(m, a));
	CHECK_EQ_INT(ps_urlmutex_count(m), 2);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 1);
	CHECK_EQ_INT(ps_urlmutex_count(m), 1);
	CHECK_PS(ps_urlmutex_release(m, b));
	/* reuse of an existing entry: same URL, same entry */
	ps_urlmutex *b2 = NULL;
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/other.js", &b2));
	CHECK(b2 == b);
	CHECK_EQ_INT(ps_urlmutex_count(m), 1);
	CHECK_PS(ps_urlmutex_release(m, b2));
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 1);
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);

	/* the caller's string is copied */
	char url[32];
	strcpy(url, "https://a/");
	CHECK_PS(ps_urlmutex_acquire(m, url, &a));
	strcpy(url, "https://b/");
	CHECK_PS(ps_urlmutex_acquire(m, url, &b));
	CHECK(a != b);
	CHECK_PS(ps_urlmutex_release(m, a));
	CHECK_PS(ps_urlmutex_release(m, b));
	/* the empty string is a key like any other */
	CHECK_PS(ps_urlmutex_acquire(m, "", &a));
	CHECK_PS(ps_urlmutex_release(m, a));
	CHECK_EQ_INT(ps_urlmutex_count(m), 3);

	/* many URLs: the table grows, and shrinks back after cleanup */
	for (int i = 0; i < 5000; i++) {
		char u[64];
		snprintf(u, sizeof u, "https://example.com/%d.js", i);
		ps_urlmutex *h = NULL;
		CHECK_PS(ps_urlmutex_acquire(m, u, &h));
		CHECK_PS(ps_urlmutex_release(m, h));
	}
	CHECK_EQ_INT(ps_urlmutex_count(m), 5003);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/17.js", &a));
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 5002);
	CHECK_EQ_INT(ps_urlmutex_count(m), 1);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/18.js", &b));
	CHECK_PS(ps_urlmutex_release(m, a));
	CHECK_PS(ps_urlmutex_release(m, b));
	CHECK_EQ_INT(ps_urlmutex_count(m), 2);
	ps_urlmutex_mgr_free(m);
	/* entries still present at free are freed with the manager (ASan) */
}

static void test_disabled_and_null(void)
{
	ps_urlmutex_mgr *m = NULL;
	ps_urlmutex *h = (ps_urlmutex *)&h;
	CHECK_PS(ps_urlmutex_mgr_new(&m, false));
	REQUIRE(m);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/", &h));
	CHECK(h == NULL);
	/* a disabled manager does not lock: the same thread may "acquire" twice */
	ps_urlmutex *h2 = NULL;
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/", &h2));
	CHECK_PS(ps_urlmutex_release(m, h));
	CHECK_PS(ps_urlmutex_release(m, h2));
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
	ps_urlmutex_mgr_free(m);

	CHECK_EQ_INT(ps_urlmutex_mgr_new(NULL, true), PS_EINVAL);
	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	h = (ps_urlmutex *)&h;
	CHECK_EQ_INT(ps_urlmutex_acquire(m, NULL, &h), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "URL is NULL"));
	CHECK(h == NULL);
	CHECK_EQ_INT(ps_urlmutex_acquire(NULL, "x", &h), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "manager is NULL"));
	CHECK_EQ_INT(ps_urlmutex_acquire(m, "x", NULL), PS_EINVAL);
	CHECK_PS(ps_urlmutex_release(m, NULL));
	CHECK_PS(ps_urlmutex_acquire(m, "x", &h));
	CHECK_EQ_INT(ps_urlmutex_release(NULL, h), PS_EINVAL);
	CHECK_PS(ps_urlmutex_release(m, h));
	CHECK_EQ_INT(ps_urlmutex_count(NULL), 0);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(NULL, NULL, 0), 0);
	ps_urlmutex_mgr_free(m);
	ps_urlmutex_mgr_free(NULL);
}

/* Relocking a URL one already holds is an error, not a deadlock, and leaves
 * the reference count as it was. */
static void test_relock(void)
{
	ps_urlmutex_mgr *m = NULL;
	ps_urlmutex *a = NULL, *again = (ps_urlmutex *)&again;
	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	ps_urlmutex_mgr_set_keep(m, true);
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/x", &a));
	CHECK_EQ_INT(ps_urlmutex_acquire(m, "https://example.com/x", &again), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "URL mutex for \"https://example.com/x\": already held by this thread"));
	CHECK(again == NULL);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
	CHECK_PS(ps_urlmutex_release(m, a));
	/* a second release of the same handle: the thread no longer holds it */
	CHECK_EQ_INT(ps_urlmutex_release(m, a), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "released by a thread that does not hold it"));
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 1);
	ps_urlmutex_mgr_free(m);
}

/* By default an entry goes with its last release: the manager holds only
 * the URLs in use, however many URLs came and went. */
static void test_free_on_release(void)
{
	ps_urlmutex_mgr *m = NULL;
	ps_urlmutex *a = NULL, *b = NULL, *a2 = NULL;
	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/app.js", &a));
	CHECK_PS(ps_urlmutex_acquire(m, "https://example.com/other.js", &b));
	CHECK_EQ_INT(ps_urlmutex_count(m), 2);
	CHECK_PS(ps_urlmutex_release(m, a));
	CHECK_EQ_INT(ps_urlmutex_count(m), 1);
	/* a released handle may be gone: releasing it again is an error */
	CHECK_EQ_INT(ps_urlmutex_release(m, a), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "not held (released already?)"));
	CHECK_PS(ps_urlmutex_release(m, b));
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
	/* 5,000 URLs one after the other: never more than one entry */
	size_t most = 0;
	for (int i = 0; i < 5000; i++) {
		char u[64];
		snprintf(u, sizeof u, "https://example.com/%d.js", i);
		CHECK_PS(ps_urlmutex_acquire(m, u, &a2));
		size_t c = ps_urlmutex_count(m);
		most = c > most ? c : most;
		CHECK_PS(ps_urlmutex_release(m, a2));
	}
	CHECK_EQ_INT(most, 1);
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	/* 5,000 held at once, then released: the table empties */
	static ps_urlmutex *h[5000];
	for (int i = 0; i < 5000; i++) {
		char u[64];
		snprintf(u, sizeof u, "https://example.com/%d.js", i);
		CHECK_PS(ps_urlmutex_acquire(m, u, &h[i]));
	}
	CHECK_EQ_INT(ps_urlmutex_count(m), 5000);
	for (int i = 0; i < 5000; i++)
		CHECK_PS(ps_urlmutex_release(m, h[i]));
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	ps_urlmutex_mgr_free(m);
}

/* Cleanup spares the URLs it is told are active (the seed's
 * CleanupUnusedMutexes(activeURLs)), in a manager that keeps entries. */
static void test_active_urls(void)
{
	ps_urlmutex_mgr *m = NULL;
	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	ps_urlmutex_mgr_set_keep(m, true);
	const char *urls[] = {"https://a.example.com/1.js", "https://a.example.com/2.js", "https://b.example.com/3.js",
	                      "https://b.example.com/4.js"};
	ps_urlmutex *h = NULL, *held = NULL;
	for (int i = 0; i < 4; i++) {
		CHECK_PS(ps_urlmutex_acquire(m, urls[i], &h));
		CHECK_PS(ps_urlmutex_release(m, h));
	}
	CHECK_EQ_INT(ps_urlmutex_count(m), 4);
	CHECK_PS(ps_urlmutex_acquire(m, urls[3], &held));
	/* 1 and 2 are active, 4 is held: only 3 goes */
	char copy[64];
	snprintf(copy, sizeof copy, "%s", urls[1]); /* compared by value */
	const char *active[] = {urls[0], copy, NULL, "https://c.example.com/none.js"};
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, active, 4), 1);
	CHECK_EQ_INT(ps_urlmutex_count(m), 3);
	/* a prefix of an active URL does not spare it */
	const char *prefix[] = {"https://a.example.com/1"};
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, prefix, 1), 2);
	CHECK_EQ_INT(ps_urlmutex_count(m), 1);
	CHECK_PS(ps_urlmutex_release(m, held));
	CHECK_EQ_INT(ps_urlmutex_count(m), 1); /* kept */
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 1);
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	/* back to freeing at the last release */
	ps_urlmutex_mgr_set_keep(m, false);
	CHECK_PS(ps_urlmutex_acquire(m, urls[0], &h));
	CHECK_PS(ps_urlmutex_release(m, h));
	CHECK_EQ_INT(ps_urlmutex_count(m), 0);
	ps_urlmutex_mgr_free(m);
}

struct foreign {
	ps_urlmutex_mgr *m;
	ps_urlmutex *h;
	int rc;
	char msg[256];
};

static void *release_foreign(void *arg)
{
	struct foreign *f = arg;
	f->rc = ps_urlmutex_release(f->m, f->h);
	snprintf(f->msg, sizeof f->msg, "%s", ps_errmsg());
	return NULL;
}

/* Only the holder may release. */
static void test_foreign_release(void)
{
	struct foreign f = { 0 };
	pthread_t t;
	CHECK_PS(ps_urlmutex_mgr_new(&f.m, true));
	ps_urlmutex_mgr_set_keep(f.m, true);
	CHECK_PS(ps_urlmutex_acquire(f.m, "https://example.com/y", &f.h));
	REQUIRE(pthread_create(&t, NULL, release_foreign, &f) == 0);
	pthread_join(t, NULL);
	CHECK_EQ_INT(f.rc, PS_EINVAL);
	CHECK(strstr(f.msg, "released by a thread that does not hold it"));
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(f.m, NULL, 0), 0);
	CHECK_PS(ps_urlmutex_release(f.m, f.h));
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(f.m, NULL, 0), 1);
	ps_urlmutex_mgr_free(f.m);
}

/* ---- counters under contention ------------------------------------------ */

#define NTHREADS 8
#define NITER 10000
#define NURLS 16

struct shared {
	ps_urlmutex_mgr *m;
	char urls[NURLS][64];
	long counters[NURLS];          /* guarded by the URL mutexes only */
	atomic_int stop;
	atomic_int errors;
	atomic_long cleaned;
};

struct worker {
	struct shared *sh;
	uint64_t seed;
	long tally[NURLS];
};

static void *counter_worker(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	for (int i = 0; i < NITER; i++) {
		int k = (int)(test_rand(&w->seed) % NURLS);
		ps_urlmutex *h = NULL;
		if (ps_urlmutex_acquire(sh->m, sh->urls[k], &h) != 0 || !h) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		/* read, maybe give the CPU away, write: a lost update shows up
		 * as a short count unless the mutex really excludes */
		long v = sh->counters[k];
		if ((i & 31) == 0)
			sched_yield();
		sh->counters[k] = v + 1;
		w->tally[k]++;
		if (ps_urlmutex_release(sh->m, h) != 0)
			atomic_fetch_add(&sh->errors, 1);
	}
	return NULL;
}

static void *cleaner(void *arg)
{
	struct shared *sh = arg;
	while (!atomic_load(&sh->stop)) {
		atomic_fetch_add(&sh->cleaned, (long)ps_urlmutex_cleanup_unused(sh->m, NULL, 0));
		if (ps_urlmutex_count(sh->m) > NURLS)
			atomic_fetch_add(&sh->errors, 1);
		sched_yield();
	}
	return NULL;
}

static void run_counters(bool keep, bool with_cleaner)
{
	static struct shared sh;
	static struct worker w[NTHREADS];
	pthread_t t[NTHREADS], ct;

	memset(&sh, 0, sizeof sh);
	CHECK_PS(ps_urlmutex_mgr_new(&sh.m, true));
	ps_urlmutex_mgr_set_keep(sh.m, keep);
	for (int k = 0; k < NURLS; k++)
		snprintf(sh.urls[k], sizeof sh.urls[k], "https://host%d.example.com/static/app.%d.js", k % 3, k);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].sh = &sh;
		w[i].seed = 1000 + (uint64_t)i;
	}
	if (with_cleaner)
		REQUIRE(pthread_create(&ct, NULL, cleaner, &sh) == 0);
	for (int i = 0; i < NTHREADS; i++)
		REQUIRE(pthread_create(&t[i], NULL, counter_worker, &w[i]) == 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&sh.stop, 1);
	if (with_cleaner)
		pthread_join(ct, NULL);

	CHECK_EQ_INT(atomic_load(&sh.errors), 0);
	long total = 0;
	for (int k = 0; k < NURLS; k++) {
		long expect = 0;
		for (int i = 0; i < NTHREADS; i++)
			expect += w[i].tally[k];
		CHECK_EQ_INT(sh.counters[k], expect);
		total += sh.counters[k];
	}
	CHECK_EQ_INT(total, (long)NTHREADS * NITER);
	size_t left = ps_urlmutex_count(sh.m);
	CHECK(left <= NURLS);
	if (!keep)
		CHECK_EQ_INT(left, 0); /* every entry went with its last release */
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(sh.m, NULL, 0), left);
	CHECK_EQ_INT(ps_urlmutex_count(sh.m), 0);
	if (with_cleaner)
		printf("cleanup freed %ld entries while the workers ran\n", atomic_load(&sh.cleaned));
	ps_urlmutex_mgr_free(sh.m);
}

/* ---- cleanup against holders and waiters --------------------------------- */

#define NHOLD 4

struct holder {
	ps_urlmutex_mgr *m;
	const char *url;
	ps_urlmutex *h;
	atomic_int held;      /* set once the mutex is ours */
	atomic_int go;        /* the main thread lets the holder release */
	int rc;
};

static void *hold_until_go(void *arg)
{
	struct holder *x = arg;
	x->rc = ps_urlmutex_acquire(x->m, x->url, &x->h);
	atomic_store(&x->held, 1);
	while (!atomic_load(&x->go))
		sleep_ms(1);
	if (!x->rc)
		x->rc = ps_urlmutex_release(x->m, x->h);
	return NULL;
}

static void test_cleanup_vs_holders(void)
{
	static const char *urls[NHOLD] = {
		"https://a.example.com/1.js", "https://a.example.com/2.js",
		"https://[::1]:8443/3.js", "http://b.example.com/4.js",
	};
	ps_urlmutex_mgr *m = NULL;
	struct holder hold[NHOLD], wait[NHOLD];
	pthread_t th[NHOLD], tw[NHOLD];

	CHECK_PS(ps_urlmutex_mgr_new(&m, true));
	ps_urlmutex_mgr_set_keep(m, true);
	memset(hold, 0, sizeof hold);
	memset(wait, 0, sizeof wait);
	for (int i = 0; i < NHOLD; i++) {
		hold[i].m = wait[i].m = m;
		hold[i].url = wait[i].url = urls[i];
		REQUIRE(pthread_create(&th[i], NULL, hold_until_go, &hold[i]) == 0);
	}
	for (int i = 0; i < NHOLD; i++)
		while (!atomic_load(&hold[i].held))
			sleep_ms(1);

	/* unused entries beside the held ones */
	for (int i = 0; i < 10; i++) {
		char u[64];
		ps_urlmutex *h = NULL;
		snprintf(u, sizeof u, "https://unused.example.com/%d", i);
		CHECK_PS(ps_urlmutex_acquire(m, u, &h));
		CHECK_PS(ps_urlmutex_release(m, h));
	}
	CHECK_EQ_INT(ps_urlmutex_count(m), NHOLD + 10);
	CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 10);
	CHECK_EQ_INT(ps_urlmutex_count(m), NHOLD);

	/* waiters queue up behind the holders */
	for (int i = 0; i < NHOLD; i++) {
		atomic_store(&wait[i].go, 1);
		REQUIRE(pthread_create(&tw[i], NULL, hold_until_go, &wait[i]) == 0);
	}
	for (int round = 0; round < 50; round++) {
		CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
		sleep_ms(1);
	}
	CHECK_EQ_INT(ps_urlmutex_count(m), NHOLD);
	/* had cleanup dropped a held entry, a waiter would have made a fresh
	 * one and got in while the holder still holds */
	for (int i = 0; i < NHOLD; i++)
		CHECK_EQ_INT(atomic_load(&wait[i].held), 0);

	/* holders release one by one; each waiter gets in only then */
	for (int i = 0; i < NHOLD; i++) {
		CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 0);
		atomic_store(&hold[i].go, 1);
		pthread_join(th[i], NULL);
		pthread_join(tw[i], NULL);
		CHECK_EQ_INT(hold[i].rc, 0);
		CHECK_EQ_INT(wait[i].rc, 0);
		CHECK(hold[i].h == wait[i].h);
		for (int j = i + 1; j < NHOLD; j++)
			CHECK_EQ_INT(atomic_load(&wait[j].held), 0);
		/* now only this URL's entry is unused */
		CHECK_EQ_INT(ps_urlmutex_cleanup_unused(m, NULL, 0), 1);
		CHECK_EQ_INT(ps_urlmutex_count(m), NHOLD - 1 - i);
	}
	ps_urlmutex_mgr_free(m);
}

int main(void)
{
	test_basic();
	test_disabled_and_null();
	test_relock();
	test_foreign_release();
	test_free_on_release();
	test_active_urls();
	run_counters(false, false);
	run_counters(false, true);
	run_counters(true, true);
	test_cleanup_vs_holders();
	return test_report("test_urlmutex");
}
