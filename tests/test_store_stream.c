/* Streaming a 1,000,000-row scan keeps peak memory under 100 MB: a child
 * process writes the scan in batches, another streams it; the peak
 * resident size of each comes from wait4(). Without sanitizers (which add
 * their own shadow memory) the bound is asserted. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probestore/probestore.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static char base[] = "/tmp/ps_stream_XXXXXX";
static char sbase[512]; /* the store: base, or its place in the bucket */
static const int64_t ROWS = SANITIZED ? 100000 : 1000000;
static const int64_t SCAN_MS = 1764600000000;

static int write_scan(void)
{
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = sbase;
	if (ps_store_open(&st, &so))
		return 1;
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "big.example.com";
	o.scan_time_ms = SCAN_MS;
	o.mark_diff = false;
	ps_scan_writer *w;
	if (ps_scan_writer_open(&w, st, &o))
		return 1;
	enum { B = 10000 };
	static ps_probe_result r[B];
	static char urls[B][64], titles[B][48];
	static const char *tech[2] = {"Nginx", "React"};
	static ps_header h[1] = {{"server", "nginx"}};
	for (int64_t at = 0; at < ROWS; at += B) {
		for (int i = 0; i < B; i++) {
			int64_t k = at + i;
			snprintf(urls[i], sizeof urls[i], "https://big.example.com/path/%lld", (long long)k);
			snprintf(titles[i], sizeof titles[i], "Page %lld", (long long)(k % 977));
			r[i] = (ps_probe_result){.input_url = urls[i], .status_code = 200 + (int)(k % 3) * 100,
			                         .content_length = k % 10000, .title = titles[i], .web_server = "nginx",
			                         .technologies = tech, .n_technologies = (size_t)(k % 3),
			                         .headers = h, .n_headers = 1, .method = "GET"};
		}
		if (ps_scan_writer_add(w, r, B)) {
			fprintf(stderr, "add: %s\n", ps_errmsg());
			ps_scan_writer_abort(w);
			return 1;
		}
	}
	ps_scan_result res;
	if (ps_scan_writer_commit(w, &res)) {
		fprintf(stderr, "commit: %s\n", ps_errmsg());
		return 1;
	}
	ps_store_close(st);
	char note[4200];
	snprintf(note, sizeof note, "%s/path.txt", base);
	FILE *f = fopen(note, "w");
	fprintf(f, "%s", res.path);
	fclose(f);
	return 0;
}

typedef struct counter {
	int64_t n, bad;
} counter;

static int count_one(void *ud, const ps_probe_result *r)
{
	counter *c = ud;
	char want[64];
	snprintf(want, sizeof want, "https://big.example.com/path/%lld", (long long)c->n);
	c->bad += strcmp(r->input_url, want) != 0 || r->scan_timestamp_ms != SCAN_MS ||
	          r->status_code != 200 + (int)(c->n % 3) * 100 || r->n_technologies != (size_t)(c->n % 3);
	c->n++;
	return 0;
}

static int stream_scan(void)
{
	char path[4096] = {0}, note[4200];
	snprintf(note, sizeof note, "%s/path.txt", base);
	FILE *f = fopen(note, "r");
	if (!f || !fgets(path, sizeof path, f))
		return 1;
	fclose(f);
	counter c = {0};
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = sbase;
	if (ps_store_open(&st, &so))
		return 1;
	if (ps_store_scan_stream(st, path, count_one, &c, NULL)) {
		fprintf(stderr, "stream: %s\n", ps_errmsg());
		ps_store_close(st);
		return 1;
	}
	ps_store_close(st);
	if (c.n != ROWS || c.bad) {
		fprintf(stderr, "streamed %lld rows, %lld wrong\n", (long long)c.n, (long long)c.bad);
		return 1;
	}
	return 0;
}

/* Runs fn in a child; returns its exit status and peak RSS in KiB. */
static int in_child(int (*fn)(void), long *maxrss_kb)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	*maxrss_kb = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

int main(void)
{
	test_backend_init("test_store_stream");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	long w_kb = 0, r_kb = 0;
	CHECK_EQ_INT(in_child(write_scan, &w_kb), 0);
	CHECK_EQ_INT(in_child(stream_scan, &r_kb), 0);
	printf("%lld rows: writing peaked at %.1f MB, streaming at %.1f MB\n", (long long)ROWS, w_kb / 1024.0,
	       r_kb / 1024.0);
	if (SANITIZED)
		printf("sanitizer build: the 100 MB bound is asserted in the plain build\n");
	else
		CHECK(r_kb < 100 * 1024);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_store_stream");
}
