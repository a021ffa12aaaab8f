/* Streaming a history file and looking up its newest records stay in
 * bounded memory: a file of 160 versions of 1 MiB each is streamed by the
 * callback and by the iterator, and its last record and newest records are
 * read, each in a new process (this program run again: a forked child
 * would start with the parent's pages) whose peak resident size comes from
 * wait4(). Without sanitizers (which add their own shadow memory) the
 * bounds are asserted. */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include "storage/atomic_file.h"
#include "storage/backend.h"
#include "history/history_internal.h"
#include "history_test.h"

static const int VERSIONS = SANITIZED ? 40 : 160;
static const size_t SIZE = (size_t)1 << 20;
static char base[] = "/tmp/ps_hstream_XXXXXX";
static char sbase[512]; /* the store: base, or its place in the bucket */
static const char *URL = "https://big.example.com/vendor.js";
static const int64_t T0 = 1764600000000;

static void fill(uint8_t *buf, int v)
{
	uint64_t s = (uint64_t)v * 7919;
	for (size_t i = 0; i < SIZE; i += 8) {
		uint64_t x = test_rand(&s);
		memcpy(buf + i, &x, 8);
	}
}

/* The file as the store would hold it, written directly so the test does
 * not spend its time appending 160 MiB one version at a time. */
static void write_file(const char *path)
{
	parq_schema *s = ps_history_schema_new();
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_UNCOMPRESSED; /* the size on disk is the point */
	o.row_group_bytes = (size_t)16 << 20;
	parq_writer *w;
	REQUIRE(parq_writer_open(&w, path, s, &o) == 0);
	uint8_t *buf = malloc(SIZE);
	ps_history_cols cols = {0};
	for (int v = 0; v < VERSIONS; v++) {
		fill(buf, v);
		char hash[32];
		snprintf(hash, sizeof hash, "v%d", v);
		ps_history_record r = {.url = URL, .timestamp_ms = T0 + v, .hash = hash, .content = buf, .content_len = SIZE};
		REQUIRE(ps_history_cols_build(&cols, &r, 1) == 0);
		REQUIRE(parq_writer_write(w, cols.col, 1) == 0);
	}
	REQUIRE(parq_writer_close(w, NULL) == 0);
	ps_history_cols_free(&cols);
	free(buf);
	parq_schema_free(s);
}

static char path[4096];

typedef struct check {
	int n, bad;
	uint8_t *buf;
} check;

static int check_one(void *ud, const ps_history_record *r)
{
	check *c = ud;
	fill(c->buf, c->n);
	if (r->content_len != SIZE || memcmp(r->content, c->buf, SIZE) != 0 || r->timestamp_ms != T0 + c->n)
		c->bad++;
	c->n++;
	return 0;
}

static int do_stream(void)
{
	check c = {0, 0, malloc(SIZE)};
	int rc = ps_history_stream(path, check_one, &c, NULL);
	free(c.buf);
	return rc || c.n != VERSIONS || c.bad ? 1 : 0;
}

static int do_iter(void)
{
	ps_history_iter *it;
	if (ps_history_iter_open(&it, path))
		return 1;
	check c = {0, 0, malloc(SIZE)};
	const ps_history_record *r;
	while (ps_history_iter_next(it, &r) == 0 && r)
		check_one(&c, r);
	ps_history_iter_close(it);
	free(c.buf);
	return c.n != VERSIONS || c.bad ? 1 : 0;
}

static int do_last(void)
{
	ps_store *st = ht_open(sbase, NULL);
	ps_history_record *r;
	int bad = ps_history_last(st, URL, &r) != 0;
	uint8_t *buf = malloc(SIZE);
	fill(buf, VERSIONS - 1);
	bad = bad || r->content_len != SIZE || memcmp(r->content, buf, SIZE) != 0;
	ps_history_record_free(r);
	ps_history_set set;
	bad = bad || ps_history_records(st, URL, 3, &set) != 0 || set.n != 3 ||
	      set.records[2].timestamp_ms != T0 + VERSIONS - 3;
	ps_history_set_free(&set);
	free(buf);
	ps_store_close(st);
	return bad;
}

static const char *self;

/* Runs this program as `self --child WHAT PATH STORE` and returns its exit
 * status, its peak resident size in *maxrss_kb. */
static int in_child(const char *what, long *maxrss_kb)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)self, "--child", (char *)what, path, sbase, NULL};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	*maxrss_kb = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 5 && !strcmp(argv[1], "--child")) {
		snprintf(path, sizeof path, "%s", argv[3]);
		snprintf(sbase, sizeof sbase, "%s", argv[4]);
		return !strcmp(argv[2], "stream") ? do_stream() : !strcmp(argv[2], "iter") ? do_iter() : do_last();
	}
	test_backend_init("test_history_stream");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	ps_store *st = ht_open(base, NULL);
	CHECK_OK(ps_history_path(st, URL, path, sizeof path));
	ps_store_close(st);
	char dir[4096];
	snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
	REQUIRE(ps_mkdirs(NULL, dir) == 0);
	write_file(path);
	struct stat sb;
	stat(path, &sb);
	if (test_backend_s3()) {
		/* the same file put where the bucket's store keeps the URL's
		 * history, for the last-record lookups; streaming and the
		 * iterator read local files only (they take a path), so they
		 * read the local copy */
		st = ht_open(sbase, NULL);
		char spath[4096];
		CHECK_OK(ps_history_path(st, URL, spath, sizeof spath));
		int fd = open(path, O_RDONLY);
		REQUIRE(fd >= 0);
		CHECK_OK(ps_storage_put(st, spath, fd, PS_PUT_NEW, NULL, NULL));
		close(fd);
		ps_store_close(st);
	}
	long s_kb = 0, i_kb = 0, l_kb = 0;
	CHECK_EQ_INT(in_child("stream", &s_kb), 0);
	CHECK_EQ_INT(in_child("iter", &i_kb), 0);
	CHECK_EQ_INT(in_child("last", &l_kb), 0);
	printf("test_history_stream: a %.0f MB file of %d versions: streaming peaked at %.1f MB, the iterator at %.1f MB, "
	       "last record and newest 3 at %.1f MB\n",
	       sb.st_size / 1048576.0, VERSIONS, s_kb / 1024.0, i_kb / 1024.0, l_kb / 1024.0);
	if (SANITIZED) {
		printf("test_history_stream: sanitizer build: 40 versions, the 32 MB bound is asserted in the plain build\n");
	} else {
		CHECK(s_kb < 32 * 1024);
		CHECK(i_kb < 32 * 1024);
		CHECK(l_kb < 32 * 1024);
	}
	ht_rm_rf(base);
	return test_report("test_history_stream");
}
