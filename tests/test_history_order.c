/* Stored diffs follow time order. Processes storing versions of one URL
 * at the same time with the default fetch time: every record's diff is
 * against the record that precedes it in time (on equal times, the one
 * stored before it), checked against a brute-force recomputation: the
 * diff's old and new texts rebuilt and compared with both contents, its
 * hashes and its line counts with a fresh line diff. A version stored with
 * a fetch time older than the last version's is diffed against the
 * version that precedes it in time, and the next version's stored diff is
 * left as it was (docs/format.md). */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history/history_internal.h"
#include "history_test.h"
#include "history/linediff.h"
#include "storage/store_io.h"

#define URL "https://order.example.com/static/app.js"
#define PROCS 4
#define THREADS 2
#define ADDS 25

static char base[64];
static char sbase[512]; /* the stores: base, or its place in the bucket */

static int no_fsync(void *ud, int fd)
{
	(void)ud, (void)fd;
	return 0;
}

static size_t version(char *buf, size_t cap, int p, int t, int i)
{
	int n = 0;
	for (int l = 0; l < 12; l++)
		n += snprintf(buf + n, cap - (size_t)n, "shared line %d\n", l);
	n += snprintf(buf + n, cap - (size_t)n, "writer %d.%d version %d\n", p, t, i);
	for (int l = 0; l < 4; l++)
		n += snprintf(buf + n, cap - (size_t)n, "tail line %d of %d\n", l, (p * 7 + t * 3 + i) % 5);
	return (size_t)n;
}

typedef struct job {
	ps_store *st;
	int p, t, failed;
} job;

static void *writer(void *arg)
{
	job *j = arg;
	char buf[1024];
	for (int i = 0; i < ADDS; i++) {
		size_t len = version(buf, sizeof buf, j->p, j->t, i);
		ps_history_fetch fe = {.url = URL, .content = buf, .content_len = len};
		if (ps_history_store_content(j->st, &fe, NULL)) {
			fprintf(stderr, "writer %d.%d: %s\n", j->p, j->t, ps_errmsg());
			j->failed++;
		}
	}
	return NULL;
}

static ps_store *open_store(const char *dir)
{
	ps_store *st = ht_open(dir, NULL);
	static const ps_store_io io = {.fsync = no_fsync};
	ps_store_set_io(st, &io);
	return st;
}

/* Joins the texts of the diff's segments whose operation is keep or op. */
static void rebuild(const ps_diff_result *d, int op, ps_buf *out)
{
	out->len = 0;
	for (size_t i = 0; i < d->n_diffs; i++)
		if (d->diffs[i].operation == PS_DIFF_EQUAL || (int)d->diffs[i].operation == op)
			ps_buf_add(out, d->diffs[i].text, d->diffs[i].text_len);
}

/* Checks every record's diff of the URL against the record before it in
 * time; returns the number of records whose diff is wrong. */
static int check_chain(ps_store *st, size_t *n_out)
{
	ps_history_set set;
	CHECK_OK(ps_history_records(st, URL, 0, &set));
	*n_out = set.n;
	int wrong = 0;
	ps_buf a = {0};
	/* newest first, on equal times stored later first: backwards is time
	 * order, on equal times storage order */
	for (size_t k = set.n; k-- > 0;) {
		const ps_history_record *r = &set.records[k];
		const ps_history_record *prev = k + 1 < set.n ? &set.records[k + 1] : NULL;
		if (!prev) {
			if (r->diff_result_json) {
				fprintf(stderr, "the oldest record (%lld) has a diff\n", (long long)r->timestamp_ms);
				wrong++;
			}
			continue;
		}
		ps_diff_result d;
		if (!r->diff_result_json || ps_diff_result_parse(r->diff_result_json, strlen(r->diff_result_json), NULL, &d)) {
			fprintf(stderr, "record %lld: no diff that parses\n", (long long)r->timestamp_ms);
			wrong++;
			continue;
		}
		ps_linediff ld = {0};
		bool ok = !strcmp(d.old_hash, prev->hash) && !strcmp(d.new_hash, r->hash);
		rebuild(&d, PS_DIFF_DELETE, &a);
		ok = ok && a.len == prev->content_len && !memcmp(a.data, prev->content, a.len);
		rebuild(&d, PS_DIFF_INSERT, &a);
		ok = ok && a.len == r->content_len && !memcmp(a.data, r->content, a.len);
		ok = ok && ps_linediff_compute((const char *)prev->content, prev->content_len, (const char *)r->content,
		                               r->content_len, 0, &ld) == 0 &&
		     ld.added == d.lines_added && ld.deleted == d.lines_deleted && ld.changed == d.lines_changed;
		if (!ok) {
			if (wrong < 5)
				fprintf(stderr, "record %lld: diff against %s, the record before it in time is %lld (%s)\n",
				        (long long)r->timestamp_ms, d.old_hash, (long long)prev->timestamp_ms, prev->hash);
			wrong++;
		}
		ps_linediff_free(&ld);
		ps_diff_result_free(&d);
	}
	ps_buf_free(&a);
	ps_history_set_free(&set);
	return wrong;
}

static void concurrent(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/concurrent", sbase);
	/* the store and its directory exist before the writers start */
	ps_store *st = open_store(dir);
	ps_store_close(st);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		REQUIRE(pids[p] >= 0);
		if (pids[p] == 0) {
			ps_store *cs = open_store(dir);
			pthread_t th[THREADS];
			job j[THREADS];
			for (int t = 0; t < THREADS; t++) {
				j[t] = (job){cs, p, t, 0};
				pthread_create(&th[t], NULL, writer, &j[t]);
			}
			int failed = 0;
			for (int t = 0; t < THREADS; t++) {
				pthread_join(th[t], NULL);
				failed += j[t].failed;
			}
			ps_store_close(cs);
			_exit(failed ? 1 : 0);
		}
	}
	test_wait_ok(pids, PROCS);
	st = open_store(dir);
	size_t n;
	int wrong = check_chain(st, &n);
	/* every version differs from every other: each add stored one record */
	CHECK_EQ_INT(n, PROCS * THREADS * ADDS);
	CHECK_EQ_INT(wrong, 0);
	printf("test_history_order: %zu records stored by %d processes of %d threads at once, %d with a diff other "
	       "than against the record before them in time\n",
	       n, PROCS, THREADS, wrong);
	ps_store_close(st);
}

static void store_at(ps_store *st, const char *content, int64_t ts, ps_history_content_result *res)
{
	ps_history_fetch fe = {.url = URL, .content = content, .content_len = strlen(content), .fetched_at_ms = ts};
	CHECK_OK(ps_history_store_content(st, &fe, res));
}

static void out_of_order(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/order", sbase);
	ps_store *st = open_store(dir);
	const char *v1 = "a\nb\nc\n", *v3 = "a\nB\nc\nd\n", *v2 = "a\nb\nc\nd\n", *v0 = "z\n";
	char h1[65], h2[65], h3[65];
	ps_sha256_hex(v1, strlen(v1), h1);
	ps_sha256_hex(v2, strlen(v2), h2);
	ps_sha256_hex(v3, strlen(v3), h3);
	ps_history_content_result res;
	store_at(st, v1, 1000, &res);
	CHECK(res.status == PS_CONTENT_NEW);
	store_at(st, v3, 3000, &res);
	CHECK(res.status == PS_CONTENT_CHANGED && !strcmp(res.old_hash, h1));
	/* older than the last version: against the one before it in time */
	store_at(st, v2, 2000, &res);
	CHECK(res.status == PS_CONTENT_CHANGED && !strcmp(res.old_hash, h1));
	CHECK(res.lines_added == 1 && res.lines_deleted == 0);
	/* the same content as the version before it in time: nothing stored */
	store_at(st, v1, 1500, &res);
	CHECK(res.status == PS_CONTENT_UNCHANGED && !strcmp(res.old_hash, h1));
	/* older than every version: the first in time, without a diff */
	store_at(st, v0, 500, &res);
	CHECK(res.status == PS_CONTENT_NEW && res.old_hash[0] == 0);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, URL, 0, &set));
	CHECK_EQ_INT(set.n, 4);
	if (set.n == 4) {
		/* 3000 keeps the diff it was stored with, against 1000 */
		ps_diff_result d;
		CHECK(set.records[0].timestamp_ms == 3000 && set.records[0].diff_result_json);
		CHECK_OK(ps_diff_result_parse(set.records[0].diff_result_json, strlen(set.records[0].diff_result_json), NULL,
		                              &d));
		CHECK(!strcmp(d.old_hash, h1) && !strcmp(d.new_hash, h3));
		ps_diff_result_free(&d);
		CHECK(set.records[1].timestamp_ms == 2000);
		CHECK_OK(ps_diff_result_parse(set.records[1].diff_result_json, strlen(set.records[1].diff_result_json), NULL,
		                              &d));
		CHECK(!strcmp(d.old_hash, h1) && !strcmp(d.new_hash, h2));
		ps_diff_result_free(&d);
		CHECK(set.records[3].timestamp_ms == 500 && set.records[3].diff_result_json == NULL);
	}
	ps_history_set_free(&set);
	ps_store_close(st);
}

int main(void)
{
	test_backend_init("test_history_order");
	snprintf(base, sizeof base, "/tmp/ps_horder_XXXXXX");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	concurrent();
	out_of_order();
	ht_rm_rf(base);
	return test_report("test_history_order");
}
