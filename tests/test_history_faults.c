/* Fault injection: every write, fsync, rename, copy_file_range, close and
 * open (of the temporary file, and of the directory to fsync it) a history
 * append makes is failed in turn (one per attempt), and the disk is made
 * full after every amount of bytes up to a whole append; each failure is an
 * error naming what failed, leaves no temporary file, and leaves the
 * previous file byte for byte as it was and readable. Plain appends, appends
 * that compact and appends that archive are all covered. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/store_io.h"
#include "fault_disk.h"
#include "history_test.h"

static char base[] = "/tmp/ps_hfault_XXXXXX";
static const int64_t T0 = 1764600000000;
static const char *URL = "https://faults.example.com/app.js";

/* mkdir first: the directories exist after the first append (and the
 * first archive), so only the first kind's rounds meet its calls */
enum { K_MKDIR, K_WRITE, K_FSYNC, K_RENAME, K_COPY, K_CLOSE, K_OPEN, NKINDS };

typedef struct faults {
	int kind;            /* which call fails, -1: none */
	int at;              /* the at-th call of that kind (1-based) */
	int err;
	int64_t disk_left;   /* bytes writable before ENOSPC; -1: unlimited */
	int calls[NKINDS];
	bool hit;
	bool hit_dir_fsync;  /* the failure was the directory fsync after a rename */
	bool hit_archive;    /* the failure was the move to the archive, or the
	                      * directory fsync after it */
	char last_to[4096];  /* the last rename's target */
} faults;

static bool fail_now(faults *f, int kind)
{
	if (++f->calls[kind] == f->at && f->kind == kind) {
		f->hit = true;
		errno = f->err;
		return true;
	}
	return false;
}

static ssize_t h_write(void *ud, int fd, const void *buf, size_t n)
{
	faults *f = ud;
	if (fail_now(f, K_WRITE))
		return -1;
	if (!disk_admit(&f->disk_left, &n)) {
		f->hit = true;
		return -1;
	}
	ssize_t k = write(fd, buf, n);
	disk_used(&f->disk_left, k);
	return k;
}

static ssize_t h_copy(void *ud, int in, int64_t *off_in, int out, int64_t *off_out, size_t len)
{
	faults *f = ud;
	if (fail_now(f, K_COPY))
		return -1;
	if (!disk_admit(&f->disk_left, &len)) {
		f->hit = true;
		return -1;
	}
	off64_t i = *off_in, o = *off_out;
	ssize_t k = copy_file_range(in, &i, out, &o, len, 0);
	*off_in = i;
	*off_out = o;
	disk_used(&f->disk_left, k);
	return k;
}

static int h_fsync(void *ud, int fd)
{
	faults *f = ud;
	if (fail_now(f, K_FSYNC)) {
		struct stat sb;
		f->hit_dir_fsync = fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode);
		f->hit_archive = f->hit_dir_fsync && strstr(f->last_to, "/archive/") != NULL;
		return -1;
	}
	return fsync(fd);
}

/* The temporary file's close; a directory opened to fsync it is read-only
 * and its close decides nothing. */
static int h_close(void *ud, int fd)
{
	faults *f = ud;
	struct stat sb;
	if (!(fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) && fail_now(f, K_CLOSE)) {
		close(fd); /* released, as close(2) on Linux releases it */
		errno = f->err;
		return -1;
	}
	return close(fd);
}

static int h_mkdir(void *ud, const char *path, mode_t mode)
{
	faults *f = ud;
	if (fail_now(f, K_MKDIR))
		return -1;
	return mkdir(path, mode);
}

/* Creating the temporary file, and opening a directory to fsync it. */
static int h_open(void *ud, const char *path, int flags, mode_t mode)
{
	faults *f = ud;
	if (fail_now(f, K_OPEN)) {
		f->hit_dir_fsync = (flags & O_DIRECTORY) != 0;
		f->hit_archive = f->hit_dir_fsync && strstr(f->last_to, "/archive/") != NULL;
		return -1;
	}
	return open(path, flags, mode);
}

static int h_rename(void *ud, const char *from, const char *to, unsigned flags)
{
	faults *f = ud;
	if (fail_now(f, K_RENAME)) {
		f->hit_archive = strstr(to, "/archive/") != NULL;
		return -1;
	}
	snprintf(f->last_to, sizeof f->last_to, "%s", to);
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, fp) != (size_t)n)
		n = -1;
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static int count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".parquet.tmp") != NULL;
	if (d)
		closedir(d);
	return n;
}

static int stored;       /* records acknowledged so far */

static void record(int seq, char *content, ps_history_record *r, char *hash)
{
	int n = snprintf(content, 900, "version %d\n", seq);
	uint64_t s = (uint64_t)seq;
	while (n < 600)
		n += snprintf(content + n, (size_t)(900 - n), "%016llx\n", (unsigned long long)test_rand(&s));
	sprintf(hash, "v%d", seq);
	*r = (ps_history_record){.url = URL, .timestamp_ms = T0 + seq, .hash = hash, .content = (const uint8_t *)content,
	                         .content_len = (size_t)n};
}

/* Every acknowledged record reads back; false if one does not. */
static bool check_all(ps_store *st, int expect)
{
	ps_history_set set;
	int rc = ps_history_records(st, URL, 0, &set);
	CHECK_OK(rc);
	if (rc)
		return false;
	CHECK_EQ_INT(set.n, expect);
	bool ok = set.n == (size_t)expect;
	for (size_t i = 0; i < set.n; i++) {
		char content[900], hash[16];
		ps_history_record want;
		record(expect - 1 - (int)i, content, &want, hash);
		bool same = strcmp(set.records[i].hash, hash) == 0 && set.records[i].content_len == want.content_len &&
		            memcmp(set.records[i].content, content, want.content_len) == 0;
		CHECK(same);
		ok &= same;
	}
	ps_history_set_free(&set);
	return ok;
}

typedef struct tally {
	int attempts, injected, failed, dir_fsync, archive, mkdir, lost;
} tally;

static tally total;

/* One append of the next record under f; checks what a failure leaves. */
static bool attempt(ps_store *st, faults *f, tally *t, const char *dir)
{
	char path[4096];
	CHECK_OK(ps_history_path(st, URL, path, sizeof path));
	size_t before_len = 0;
	uint8_t *before = slurp(path, &before_len);
	char content[900], hash[16];
	ps_history_record r;
	record(stored, content, &r, hash);
	for (int k = 0; k < NKINDS; k++)
		f->calls[k] = 0;
	f->hit = f->hit_dir_fsync = f->hit_archive = false;
	f->last_to[0] = 0;
	int rc = ps_history_store(st, &r, NULL);
	t->attempts++;
	t->injected += f->hit;
	t->mkdir += f->hit && f->kind == K_MKDIR;
	bool ok = rc == 0, lost = false;
	if (ok) {
		CHECK(!f->hit);
		stored++;
	} else {
		t->failed++;
		CHECK(f->hit);
		CHECK_EQ_INT(rc, PS_EIO);
		const char *msg = ps_errmsg();
		CHECK(strstr(msg, strerror(f->err)) != NULL);
		CHECK(count_tmp(dir) == 0);
		if (f->hit_dir_fsync) {
			/* renamed into place, not known to be durable: the record is
			 * there and a retry skips it */
			t->dir_fsync++;
			t->archive += f->hit_archive;
			ps_history_record *last = NULL;
			int lrc = ps_history_last(st, URL, &last);
			/* after the commit rename the record is in; after the move to
			 * the archive it is not, and the archive holds the old file */
			if (f->hit_archive) {
				CHECK(lrc == PS_ENOTFOUND || (last && strcmp(last->hash, hash) != 0));
			} else {
				CHECK(last && strcmp(last->hash, hash) == 0);
				lost |= !(last && strcmp(last->hash, hash) == 0);
				stored++;
			}
			ps_history_record_free(last);
		} else {
			size_t after_len = 0;
			uint8_t *after = slurp(path, &after_len);
			if (f->hit_archive)
				t->archive++;
			/* a failure after the move to the archive leaves no current
			 * file; the archive holds it, intact (check_all reads it) */
			if (after || !before) {
				CHECK_EQ_INT(after_len, before_len);
				CHECK(after_len == before_len && (!before_len || memcmp(after, before, before_len) == 0));
				lost |= !(after_len == before_len && (!before_len || memcmp(after, before, before_len) == 0));
			}
			free(after);
		}
		if (!(strstr(msg, path) || strstr(msg, dir)))
			fprintf(stderr, "message names no file: %s\n", msg);
		CHECK(strstr(msg, path) || strstr(msg, dir));
	}
	free(before);
	lost |= !check_all(st, stored);
	t->lost += lost;
	return ok;
}

static void run(const char *name, ps_store *st, faults *f, const char *dir, int rounds)
{
	tally t = {0};
	for (int round = 0; round < rounds; round++) {
		for (int kind = 0; kind < NKINDS; kind++) {
			int errs[2] = {EIO, ENOSPC};
			for (int e = 0; e < 2; e++) {
				/* fail the 1st, 2nd, ... call until an append gets through */
				for (int at = 1;; at++) {
					*f = (faults){.kind = kind, .at = at, .err = errs[e], .disk_left = -1};
					if (attempt(st, f, &t, dir))
						break;
					if (at > 500) {
						CHECK(!"an append that never succeeds");
						break;
					}
				}
			}
		}
		/* a full disk after every amount of bytes, in steps */
		for (int64_t left = 0;; left += SANITIZED ? 397 : 97) {
			*f = (faults){.kind = -1, .err = ENOSPC, .disk_left = left};
			if (attempt(st, f, &t, dir))
				break;
		}
	}
	*f = (faults){.kind = -1, .disk_left = -1};
	printf("test_history_faults: %s: %d attempts, %d failed cleanly (%d creating a directory, %d at the directory "
	       "fsync after the rename, %d at the move to the archive)%s\n",
	       name, t.attempts, t.failed, t.mkdir, t.dir_fsync, t.archive,
	       SANITIZED ? "; sanitizer build: one round and a full disk in steps of 397 bytes instead of two and 97" : "");
	CHECK(t.failed > 20);
	total.attempts += t.attempts;
	total.injected += t.injected;
	total.failed += t.failed;
	total.dir_fsync += t.dir_fsync;
	total.mkdir += t.mkdir;
	total.lost += t.lost;
}

static void edit_plain(ps_config *c)
{
	c->history.compaction_threshold = 0;
	c->history.max_file_size = 0;
}

static void edit_compact(ps_config *c)
{
	c->history.compaction_threshold = 1; /* every append merges */
	c->history.max_file_size = 0;
}

static void edit_archive(ps_config *c)
{
	c->history.compaction_threshold = 0;
	c->history.max_file_size = 1; /* every append archives the current file */
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	faults f = {.kind = -1, .disk_left = -1};
	ps_store_io io = {.open = h_open, .mkdir = h_mkdir, .write = h_write, .copy_file_range = h_copy, .fsync = h_fsync,
	                  .close = h_close, .rename = h_rename, .ud = &f};
	void (*edits[3])(ps_config *) = {edit_plain, edit_compact, edit_archive};
	const char *names[3] = {"plain appends", "appends that compact", "appends that archive"};
	for (int m = 0; m < 3; m++) {
		char b[600], dir[700];
		snprintf(b, sizeof b, "%s/%d", base, m);
		snprintf(dir, sizeof dir, "%s/file_history/faults.example.com_443", b);
		ps_store *st = ht_open(b, edits[m]);
		ps_store_set_io(st, &io);
		stored = 0;
		/* the first write creates the file; later ones copy it */
		run(names[m], st, &f, dir, SANITIZED ? 1 : 2);
		ps_store_close(st);
	}
	printf("history faults: %d injected, %d lost (%d attempts, %d failed with an error, %d of them after the "
	       "rename with the record in place)\n",
	       total.injected, total.lost, total.attempts, total.failed, total.dir_fsync);
	CHECK_EQ_INT(total.lost, 0);
	CHECK(total.mkdir > 0);
	CHECK_EQ_INT(total.injected, total.failed);
	ht_rm_rf(base);
	return test_report("test_history_faults");
}
