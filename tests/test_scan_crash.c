/* Crash safety of scan writes: a child writes scans in a loop and reports
 * each one the store acknowledged on a pipe; the parent kills it with
 * SIGKILL at random moments, 200 times (every 20th when its first scan
 * is acknowledged, which paces the others). After every kill, each visible
 * scan file reads back completely, every acknowledged scan is there, and
 * nothing but scan files (and hidden temporary files) is in the
 * directory. The same again with ingest: a child ingests httpx lines of
 * several targets in a loop (one batch commit of several scans each time)
 * and acknowledges the scans of each summary. */
#include <dirent.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probestore/probestore.h"
#include "test.h"

/* sanitizers slow the writer several times: fewer, later kills */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define KILLS 40
#define MAX_DELAY_NS 300000000
#else
#define KILLS 200
#define MAX_DELAY_NS 40000000
#endif

enum { ROWS = 300 };
static char base[] = "/tmp/ps_crash_XXXXXX";

static void child(int ack_fd, int round)
{
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	if (ps_store_open(&st, &so))
		_exit(1);
	static ps_probe_result r[ROWS];
	static char urls[ROWS][80];
	for (int k = 0;; k++) {
		for (int i = 0; i < ROWS; i++) {
			snprintf(urls[i], sizeof urls[i], "https://crash.example.com/r%d/k%d/%d", round, k, i);
			r[i] = (ps_probe_result){.input_url = urls[i], .status_code = 200, .title = "t"};
		}
		ps_scan_options o;
		ps_scan_options_default(&o);
		o.root_target = "crash.example.com";
		o.rows_per_row_group = 64;
		ps_scan_result res;
		if (ps_scan_write(st, &o, r, ROWS, &res))
			_exit(2);
		char line[4200];
		int n = snprintf(line, sizeof line, "%s\n", res.path);
		if (write(ack_fd, line, (size_t)n) != n)
			_exit(3);
	}
}

/* Ingests lines of INGEST_TARGETS hosts in a loop, grouped by host, and
 * acknowledges every scan of each summary. */
enum { INGEST_TARGETS = 6 };

static void ingest_child(int ack_fd, int round)
{
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	if (ps_store_open(&st, &so))
		_exit(1);
	static char buf[ROWS * INGEST_TARGETS * 100];
	for (int k = 0;; k++) {
		size_t at = 0;
		for (int i = 0; i < ROWS * INGEST_TARGETS; i++)
			at += (size_t)snprintf(buf + at, sizeof buf - at,
			                       "{\"url\":\"https://t%d.crash.example.com/r%d/k%d/%d\",\"status_code\":200}\n",
			                       i % INGEST_TARGETS, round, k, i);
		ps_ingest_options o;
		ps_ingest_options_default(&o);
		o.group_by = PS_GROUP_HOST;
		ps_ingest *in;
		ps_ingest_summary sum;
		if (ps_ingest_open(&in, st, &o) || ps_ingest_begin(in, "crash") || ps_ingest_push(in, buf, at) ||
		    ps_ingest_end(in) || ps_ingest_finish(in, &sum))
			_exit(2);
		for (size_t j = 0; j < sum.n_scans; j++) {
			char line[4200];
			int n = snprintf(line, sizeof line, "%s\n", sum.scans[j].path);
			if (write(ack_fd, line, (size_t)n) != n)
				_exit(3);
		}
		ps_ingest_summary_free(&sum);
		ps_ingest_close(in);
	}
}

typedef struct acks {
	char **path;
	size_t n, cap;
} acks;

static void read_acks(int fd, acks *a)
{
	static char buf[1 << 16];
	size_t len = 0;
	ssize_t k;
	while ((k = read(fd, buf + len, sizeof buf - len - 1)) > 0)
		len += (size_t)k;
	buf[len] = 0;
	for (char *p = buf, *e; (e = strchr(p, '\n')); p = e + 1) {
		*e = 0;
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 256;
			a->path = realloc(a->path, a->cap * sizeof *a->path);
		}
		a->path[a->n++] = strdup(p);
	}
}

static int count_rows(void *ud, const ps_probe_result *r)
{
	(void)r;
	(*(int64_t *)ud)++;
	return 0;
}

/* Every visible file in the directory is a complete scan. */
static void verify_dir(const char *dir, int *files, int *bad)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* hidden temporary files of killed writers */
		char path[4600];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		int64_t n = 0;
		bool ok = strncmp(e->d_name, "scan_", 5) == 0 && ps_scan_stream(path, count_rows, &n, NULL) == 0 &&
		          n == ROWS;
		if (!ok) {
			(*bad)++;
			fprintf(stderr, "after a kill: %s does not read back (%lld rows): %s\n", path, (long long)n,
			        ps_errmsg());
		}
		(*files)++;
	}
	closedir(d);
}

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

/* kills children of one kind (ingest or not) `kills` times; every visible
 * file of the target directories is checked after each kill */
static void kill_loop(bool ingest, int kills, acks *a, int *files, int *bad, uint64_t *seed)
{
	long long window_ns = MAX_DELAY_NS;
	for (int round = 0; round < kills; round++) {
		int fds[2];
		REQUIRE(pipe(fds) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			if (ingest)
				ingest_child(fds[1], round);
			child(fds[1], round);
		}
		close(fds[1]);
		/* kill at a random moment: before, during or between writes. Every
		 * 20th child is killed when its first scan is acknowledged, and that
		 * time paces the others (up to three times as long, at least
		 * MAX_DELAY_NS), so a loaded machine still sees scans completed. */
		if (round % 20 == 0) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			struct pollfd pf = {.fd = fds[0], .events = POLLIN};
			poll(&pf, 1, 20000);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			long long ns = ((long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)) * 3;
			window_ns = ns > MAX_DELAY_NS ? (ns < 2000000000LL ? ns : 2000000000LL) : MAX_DELAY_NS;
		} else {
			long long ns = (long long)(test_rand(seed) % (uint64_t)window_ns);
			struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		read_acks(fds[0], a);
		close(fds[0]);
		*files = 0;
		char dir[4200];
		snprintf(dir, sizeof dir, "%s/probe_results/crash.example.com_443", base);
		verify_dir(dir, files, bad);
		for (int t = 0; t < INGEST_TARGETS; t++) {
			snprintf(dir, sizeof dir, "%s/probe_results/t%d.crash.example.com_443", base, t);
			verify_dir(dir, files, bad);
		}
	}
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	uint64_t seed = (uint64_t)time(NULL);
	acks a = {0};
	int bad = 0, files = 0, missing = 0;
	kill_loop(false, KILLS, &a, &files, &bad, &seed);
	size_t scans_acked = a.n;
	kill_loop(true, KILLS / 2, &a, &files, &bad, &seed);
	size_t ingest_acked = a.n - scans_acked;
	for (size_t i = 0; i < a.n; i++)
		if (access(a.path[i], F_OK) != 0) {
			missing++;
			fprintf(stderr, "acknowledged scan %s is missing\n", a.path[i]);
		}
	printf("%d + %d kills: %zu scans and %zu ingested scans acknowledged, %d scan files visible, %d unreadable, "
	       "%d missing (seed %llu)\n",
	       KILLS, KILLS / 2, scans_acked, ingest_acked, files, bad, missing, (unsigned long long)seed);
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(missing, 0);
	CHECK((size_t)files >= a.n);
	CHECK(scans_acked >= KILLS / 20);       /* each pacing child completed a scan */
	CHECK(ingest_acked >= INGEST_TARGETS); /* and each pacing ingest its scans */
	for (size_t i = 0; i < a.n; i++)
		free(a.path[i]);
	free(a.path);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_scan_crash");
}
