/* Concurrent writers: 4 processes with 4 threads each append to one shared
 * URL and to one URL of their own, all of which share one file (one-digit
 * URL hashes), with compaction and archiving going on; afterwards every
 * record is there exactly once. And reads while a writer is halfway
 * through moving a file to the archive, and probestore verify while
 * files move. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/store_io.h"
#include "history_test.h"

enum { PROCS = 4, THREADS = 4 };
static const int K = SANITIZED ? 8 : 15; /* appends per thread and URL */
static char base[] = "/tmp/ps_hconc_XXXXXX";
static const int64_t T0 = 1764600000000;
static char shared_url[128];
static char own_url[PROCS][THREADS][128];

static void edit(ps_config *c)
{
	c->history.url_hash_length = 1;
	c->history.compaction_threshold = 6;
	c->history.max_file_size = 48 * 1024;
}

/* URLs on one host whose first hash digit is the shared URL's. */
static void make_urls(void)
{
	snprintf(shared_url, sizeof shared_url, "https://race.example.com/shared.js");
	char want[2], h[2];
	ps_url_hash(shared_url, 1, want);
	int k = 0;
	for (int p = 0; p < PROCS; p++)
		for (int t = 0; t < THREADS; t++) {
			for (;;) {
				snprintf(own_url[p][t], sizeof own_url[p][t], "https://race.example.com/own/%d.js", k++);
				ps_url_hash(own_url[p][t], 1, h);
				if (strcmp(h, want) == 0)
					break;
			}
		}
}

typedef struct job {
	ps_store *st;
	int p, t;
	int failures;
} job;

static void content_of(char *buf, size_t cap, const char *url, int p, int t, int i, int *n)
{
	*n = snprintf(buf, cap, "%s by process %d thread %d, version %d\n", url, p, t, i);
	*n = ht_fill(buf, cap, *n, 600, (uint64_t)(p * 1000 + t * 100 + i), "\n");
}

static void *worker(void *arg)
{
	job *j = arg;
	for (int i = 0; i < K; i++) {
		for (int which = 0; which < 2; which++) {
			const char *url = which ? own_url[j->p][j->t] : shared_url;
			char hash[64], content[1024];
			int n;
			snprintf(hash, sizeof hash, "%d-%d-%d-%d", j->p, j->t, i, which);
			content_of(content, sizeof content, url, j->p, j->t, i, &n);
			ps_history_record r = {.url = url, .timestamp_ms = T0 + i * 1000 + j->p * 10 + j->t, .hash = hash,
			                       .content = (const uint8_t *)content, .content_len = (size_t)n};
			if (ps_history_store(j->st, &r, NULL) != 0) {
				fprintf(stderr, "process %d thread %d: %s\n", j->p, j->t, ps_errmsg());
				j->failures++;
			}
		}
	}
	return NULL;
}

static int child(int p)
{
	ps_store *st = ht_open(base, edit);
	pthread_t th[THREADS];
	job jobs[THREADS];
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (job){st, p, t, 0};
		pthread_create(&th[t], NULL, worker, &jobs[t]);
	}
	int failures = 0;
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		failures += jobs[t].failures;
	}
	ps_store_close(st);
	return failures ? 1 : 0;
}

/* Checks that url has exactly the expected records, each once. */
static void verify(ps_store *st, const char *url, int procs_lo, int procs_hi, int t_lo, int t_hi, int which)
{
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	int expect = (procs_hi - procs_lo) * (t_hi - t_lo) * K;
	CHECK_EQ_INT(set.n, expect);
	static unsigned char seen[PROCS][THREADS][64];
	memset(seen, 0, sizeof seen);
	int bad = 0;
	for (size_t i = 0; i < set.n; i++) {
		const ps_history_record *r = &set.records[i];
		int p, t, v, w;
		if (sscanf(r->hash, "%d-%d-%d-%d", &p, &t, &v, &w) != 4 || p < procs_lo || p >= procs_hi || t < t_lo ||
		    t >= t_hi || v < 0 || v >= K || w != which || seen[p][t][v]++) {
			bad++;
			continue;
		}
		char content[1024];
		int n;
		content_of(content, sizeof content, url, p, t, v, &n);
		if (r->content_len != (size_t)n || memcmp(r->content, content, (size_t)n) != 0 || strcmp(r->url, url) != 0)
			bad++;
		if (i && r->timestamp_ms > set.records[i - 1].timestamp_ms)
			bad++; /* newest first */
	}
	CHECK_EQ_INT(bad, 0);
	ps_history_set_free(&set);
}

/* ---- reads during a move to the archive ---- */

typedef struct archiving {
	ps_store *st;
	const char *url;
	pthread_t th;
	bool started;
	int rc_diffs, rc_records;
	size_t n_diffs, n_records;
} archiving;

static void *read_while_archiving(void *arg)
{
	archiving *a = arg;
	ps_history_set set;
	a->rc_diffs = ps_history_records_with_diff(a->st, &set);
	a->n_diffs = set.n;
	if (a->rc_diffs)
		fprintf(stderr, "records with diff during a move to the archive: %s\n", ps_errmsg());
	ps_history_set_free(&set);
	a->rc_records = ps_history_records(a->st, a->url, 0, &set);
	a->n_records = set.n;
	ps_history_set_free(&set);
	return NULL;
}

/* Holds the writer right after it moved the current file to the archive,
 * before the next version is in place, while another thread reads. */
static int rename_pausing(void *ud, const char *from, const char *to, unsigned flags)
{
	archiving *a = ud;
	int rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
	if (rc == 0 && strstr(to, "/archive/") && !a->started) {
		a->started = true;
		REQUIRE(pthread_create(&a->th, NULL, read_while_archiving, a) == 0);
		/* long enough for a read that does not wait to have failed */
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return rc;
}

static void edit_archive(ps_config *c)
{
	c->history.max_file_size = 4096;
}

/* A read that lists the current files (records with diffs) or all of a
 * URL's files waits for the writer and sees every record: the file being
 * archived never goes missing under it. */
static void reads_while_archiving(void)
{
	char b[600];
	snprintf(b, sizeof b, "%s/archiving", base);
	ps_store *st = ht_open(b, edit_archive);
	archiving a = {.st = st, .url = "https://archive.example.com/app.js"};
	ps_store_io io = {.rename = rename_pausing, .ud = &a};
	ps_store_set_io(st, &io);
	int v = 0;
	for (; v < 100 && !a.started; v++) {
		char hash[16], content[1024];
		int n = snprintf(content, sizeof content, "version %d\n", v);
		n = ht_fill(content, sizeof content, n, 900, (uint64_t)v, "\n");
		snprintf(hash, sizeof hash, "%d", v);
		ps_history_record r = {.url = a.url, .timestamp_ms = T0 + v, .hash = hash, .content = (const uint8_t *)content,
		                       .content_len = (size_t)n, .diff_result_json = "{\"lines_added\":1}"};
		CHECK_OK(ps_history_store(st, &r, NULL));
	}
	REQUIRE(a.started);
	pthread_join(a.th, NULL);
	CHECK_EQ_INT(a.rc_diffs, 0);
	CHECK_EQ_INT(a.n_diffs, 1); /* the new current file's one record */
	CHECK_EQ_INT(a.rc_records, 0);
	CHECK_EQ_INT(a.n_records, v);
	ps_store_close(st);
}

static void edit_every_append_archives(ps_config *c)
{
	c->history.max_file_size = 1;
}

enum { VERIFY_URLS = 120, VERIFY_RUNS = SANITIZED ? 6 : 15 };

static void verify_url(char *buf, size_t cap, int u)
{
	snprintf(buf, cap, "https://moving.example.com/static/chunk-%d.js", u);
}

/* Appends to the URLs in turn, each append moving the URL's file to the
 * archive, until the parent closes the pipe. */
static int archiving_writer(const char *dir, int stop_fd)
{
	ps_store *st = ht_open(dir, edit_every_append_archives);
	fcntl(stop_fd, F_SETFL, O_NONBLOCK);
	char c, url[128], hash[32], body[64];
	for (int v = 1; read(stop_fd, &c, 1) < 0 && errno == EAGAIN; v++) {
		verify_url(url, sizeof url, v % VERIFY_URLS);
		snprintf(hash, sizeof hash, "v%d", v);
		int n = snprintf(body, sizeof body, "version %d\n", v);
		ps_history_record r = {.url = url, .timestamp_ms = T0 + v, .hash = hash, .content = (const uint8_t *)body,
		                       .content_len = (size_t)n};
		if (ps_history_store(st, &r, NULL)) {
			fprintf(stderr, "archiving writer: %s\n", ps_errmsg());
			return 1;
		}
	}
	ps_store_close(st);
	return 0;
}

/* probestore verify while a writer moves files to the archive: a file
 * listed and gone when verify reads it is no failure (it was, before). */
static void verify_while_archiving(void)
{
	const char *bin = getenv("PROBESTORE_BIN");
	if (!bin) {
		printf("test_history_concurrency: PROBESTORE_BIN not set, verify during archiving not run\n");
		return;
	}
	char dir[600];
	snprintf(dir, sizeof dir, "%s/verify", base);
	ps_store *st = ht_open(dir, NULL);
	for (int u = 0; u < VERIFY_URLS; u++) {
		char url[128];
		verify_url(url, sizeof url, u);
		ps_history_record r = {.url = url, .timestamp_ms = T0, .hash = "v0", .content = (const uint8_t *)"v0\n",
		                       .content_len = 3};
		CHECK_OK(ps_history_store(st, &r, NULL));
	}
	ps_store_close(st);
	int stop[2];
	REQUIRE(pipe(stop) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(stop[1]);
		_exit(archiving_writer(dir, stop[0]));
	}
	close(stop[0]);
	int failed = 0, saw_moves = 0;
	char cmd[1400];
	snprintf(cmd, sizeof cmd, "'%s' --data '%s' verify 2>&1", bin, dir);
	for (int i = 0; i < VERIFY_RUNS; i++) {
		FILE *p = popen(cmd, "r");
		REQUIRE(p);
		char out[8192];
		size_t n = fread(out, 1, sizeof out - 1, p);
		out[n] = 0;
		int status = pclose(p);
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!ok && !failed++)
			fprintf(stderr, "probestore verify during archiving failed:\n%s", out);
		saw_moves += strstr(out, "moved or removed while being read") != NULL;
	}
	close(stop[1]);
	int status;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_INT(failed, 0);
	printf("test_history_concurrency: probestore verify run %d times while every append moved a file to the "
	       "archive: %d failed, %d met files moving under them\n",
	       VERIFY_RUNS, failed, saw_moves);
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	make_urls();
	double t = ht_now();
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		REQUIRE(pids[p] >= 0);
		if (pids[p] == 0)
			_exit(child(p));
	}
	test_wait_ok(pids, PROCS);
	t = ht_now() - t;
	ps_store *st = ht_open(base, edit);
	verify(st, shared_url, 0, PROCS, 0, THREADS, 0);
	for (int p = 0; p < PROCS; p++)
		for (int th = 0; th < THREADS; th++)
			verify(st, own_url[p][th], p, p + 1, th, th + 1, 1);
	/* all of it in one file and its archive */
	char path[4096], arch[4200];
	CHECK_OK(ps_history_path(st, shared_url, path, sizeof path));
	for (int p = 0; p < PROCS; p++)
		for (int th = 0; th < THREADS; th++) {
			char other[4096];
			CHECK_OK(ps_history_path(st, own_url[p][th], other, sizeof other));
			CHECK(strcmp(other, path) == 0);
		}
	int64_t rows = 0, total = 0;
	CHECK_OK(ps_history_count(path, &rows));
	total += rows;
	snprintf(arch, sizeof arch, "%.*s/archive", (int)(strrchr(path, '/') - path), path);
	int archives = 0;
	DIR *d = opendir(arch);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p2[4500];
		snprintf(p2, sizeof p2, "%s/%s", arch, e->d_name);
		CHECK_OK(ps_history_count(p2, &rows));
		total += rows;
		archives++;
	}
	if (d)
		closedir(d);
	CHECK_EQ_INT(total, 2 * PROCS * THREADS * K);
	printf("test_history_concurrency: %d processes x %d threads, %d appends in %.2f s (%.1f ms each, serialised "
	       "on one file), %d archive files%s\n",
	       PROCS, THREADS, 2 * PROCS * THREADS * K, t, t * 1e3 / (2 * PROCS * THREADS * K), archives,
	       SANITIZED ? "; sanitizer build: 8 appends per thread and URL instead of 15" : "");
	CHECK(archives > 0);
	ps_store_close(st);
	reads_while_archiving();
	verify_while_archiving();
	ht_rm_rf(base);
	return test_report("test_history_concurrency");
}
