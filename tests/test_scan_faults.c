/* Fault injection for scan writes. A target has a previous scan on disk;
 * a new scan of it (thousands of rows, zstd, several row groups) is written
 * while one system call fails, one per attempt: the 1st, 2nd, ... call of
 * each kind (creating the temporary file, write, fsync of the file, its
 * close, the rename into place, the link into place on a file system
 * without RENAME_NOREPLACE, the open and the fsync of the directory) until
 * an attempt sees no failure, with EIO and with ENOSPC; then the disk is
 * made full after every budget of bytes from 0 to the whole file, in steps
 * (short writes, then ENOSPC).
 *
 * After every failed attempt: the write returned PS_EIO with a message that
 * names the operation, the error and the file or directory; no temporary
 * file is left; the previous scan is byte for byte as it was and reads back
 * in full; no partial scan file is visible; every Parquet file under the
 * store reads back as `probestore verify` reads it (the CLI itself is run
 * after the first failure of each kind when PROBESTORE_BIN names it); and a
 * write with no fault then succeeds, under the name the failed write would
 * have taken, and the target's latest results are exactly its rows.
 *
 * The directory fsync after the rename (and the open of the directory for
 * it) come after the file is in place: the write returns PS_EIO, and the
 * message says the scan file is in place but not known to be durable. A
 * caller may then find the new scan under its final name, complete (every
 * row reads back), or after a crash perhaps not find it; never a partial
 * file. A retry writes a second scan of the same time, with "_2" before
 * the extension.
 *
 * A write that gets through with the table set writes the same bytes as
 * one without it. Totals go to stdout as "scan faults: N injected, M lost
 * ..."; SCAN_FAULTS_SHOW=1 in the environment also prints the message of
 * the first failure of each series. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_disk.h"
#include "history_test.h"
#include "storage/store_io.h"

static char base[] = "/tmp/ps_sfault_XXXXXX";
static char dir[700];
static const char *TARGET = "faults.example.com";
static const int64_t T_PREV = 1764600000000; /* 2025-12-01 14:40:00 UTC */
static const int64_t T_NEW = 1764603600000;  /* an hour later */
enum { N_PREV = 1200, N_NEW = 2400, RG_ROWS = 480 };

/* ---- the failing system calls ---- */

enum { K_CREATE, K_WRITE, K_FSYNC, K_CLOSE, K_RENAME, K_LINK, K_OPEN_DIR, K_FSYNC_DIR, K_MKDIR, NKINDS };
static const char *KIND_NAMES[NKINDS] = {"create", "write", "fsync", "close", "rename", "link",
                                         "open of the directory", "fsync of the directory", "mkdir"};
/* what the error message must say for each kind */
static const char *KIND_WORDS[NKINDS] = {"cannot create the temporary file", "write failed", "fsync of ", "close of ",
                                         "cannot rename", "cannot link", "cannot open directory",
                                         "fsync of directory", "cannot create directory"};

typedef struct faults {
	int kind;            /* which call fails, -1: none */
	int at;              /* the at-th call of that kind (1-based) */
	int err;
	int64_t disk_left;   /* bytes writable before ENOSPC; -1: unlimited */
	bool no_noreplace;   /* a file system without RENAME_NOREPLACE */
	int calls[NKINDS];
	bool hit;
	int hit_kind;
	bool placed;         /* a rename or link put a file in place */
	char placed_path[4096];
} faults;

static bool fail_now(faults *f, int kind)
{
	if (++f->calls[kind] == f->at && f->kind == kind) {
		f->hit = true;
		f->hit_kind = kind;
		errno = f->err;
		return true;
	}
	return false;
}

static bool is_dir_fd(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int h_open(void *ud, const char *path, int flags, mode_t mode)
{
	faults *f = ud;
	if ((flags & O_DIRECTORY) && fail_now(f, K_OPEN_DIR))
		return -1;
	return open(path, flags, mode);
}

static int h_mkdir(void *ud, const char *path, mode_t mode)
{
	faults *f = ud;
	if (fail_now(f, K_MKDIR))
		return -1;
	return mkdir(path, mode);
}

static int h_mkostemp(void *ud, char *tmpl, int flags)
{
	faults *f = ud;
	if (fail_now(f, K_CREATE))
		return -1;
	return mkostemp(tmpl, flags);
}

static ssize_t h_write(void *ud, int fd, const void *buf, size_t n)
{
	faults *f = ud;
	if (fail_now(f, K_WRITE))
		return -1;
	if (!disk_admit(&f->disk_left, &n)) {
		f->hit = true;
		f->hit_kind = K_WRITE;
		return -1;
	}
	ssize_t k = write(fd, buf, n);
	disk_used(&f->disk_left, k);
	return k;
}

/* A passing fsync does not reach the disk: what is tested is the store's
 * answer to a failing call, not durability across a power cut, and a
 * thousand real fsyncs would only make the test wait. */
static int h_fsync(void *ud, int fd)
{
	faults *f = ud;
	if (fail_now(f, is_dir_fd(fd) ? K_FSYNC_DIR : K_FSYNC))
		return -1;
	return 0;
}

static int h_close(void *ud, int fd)
{
	faults *f = ud;
	/* the descriptor of a directory opened to fsync it is read-only and
	 * its close decides nothing; the temporary file's close does */
	if (!is_dir_fd(fd) && fail_now(f, K_CLOSE)) {
		close(fd); /* released, as close(2) on Linux releases it */
		errno = f->err;
		return -1;
	}
	return close(fd);
}

static void placed(faults *f, const char *to)
{
	f->placed = true;
	snprintf(f->placed_path, sizeof f->placed_path, "%s", to);
}

static int h_rename(void *ud, const char *from, const char *to, unsigned flags)
{
	faults *f = ud;
	if (f->no_noreplace && (flags & RENAME_NOREPLACE)) {
		errno = EINVAL; /* not a fault: what such a file system answers */
		return -1;
	}
	if (fail_now(f, K_RENAME))
		return -1;
	int rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
	if (rc == 0)
		placed(f, to);
	return rc;
}

static int h_link(void *ud, const char *from, const char *to)
{
	faults *f = ud;
	if (fail_now(f, K_LINK))
		return -1;
	int rc = link(from, to);
	if (rc == 0)
		placed(f, to);
	return rc;
}

/* ---- the scans ---- */

typedef struct rowset {
	ps_probe_result *r;
	char (*url)[96], (*final)[96], (*title)[96];
	const char *(*tech)[2];
	const char *(*ip)[1];
	char (*ipbuf)[24];
	size_t n;
} rowset;

static const char *TECHS[] = {"nginx", "React", "jQuery", "PHP", "WordPress", "Go"};
static const char *TYPES[] = {"text/html; charset=utf-8", "application/json", "text/plain", "image/png"};
static const char *SERVERS[] = {"nginx/1.25.3", "Apache/2.4.58", "cloudflare", ""};
static const ps_header HEADERS[] = {{"Server", "nginx"}, {"X-Frame-Options", "DENY"}};

/* Scan `scan` (0: previous, 1: new) of n rows; the new one shares the
 * first half of its URLs with the previous one. */
static void rows_make(rowset *s, int scan, size_t n)
{
	s->n = n;
	s->r = calloc(n, sizeof *s->r);
	s->url = calloc(n, sizeof *s->url);
	s->final = calloc(n, sizeof *s->final);
	s->title = calloc(n, sizeof *s->title);
	s->tech = calloc(n, sizeof *s->tech);
	s->ip = calloc(n, sizeof *s->ip);
	s->ipbuf = calloc(n, sizeof *s->ipbuf);
	REQUIRE(s->r && s->url && s->final && s->title && s->tech && s->ip && s->ipbuf);
	uint64_t seed = 77 + (uint64_t)scan;
	for (size_t i = 0; i < n; i++) {
		size_t id = scan == 0 ? i : i < n / 2 ? i : i + 100000;
		uint64_t x = test_rand(&seed);
		snprintf(s->url[i], sizeof s->url[i], "https://faults.example.com/p/%zu/%s", id, id % 3 ? "index.html" : "api");
		snprintf(s->final[i], sizeof s->final[i], "%s%s", s->url[i], x & 2 ? "/" : "");
		snprintf(s->title[i], sizeof s->title[i], "Page %zu %016llx", id, (unsigned long long)(x >> 3));
		snprintf(s->ipbuf[i], sizeof s->ipbuf[i], "10.%d.%d.%d", (int)(x >> 8 & 255), (int)(x >> 16 & 255),
		         (int)(x >> 24 & 255));
		s->tech[i][0] = TECHS[x % 6];
		s->tech[i][1] = TECHS[(x >> 5) % 6];
		s->ip[i][0] = s->ipbuf[i];
		static const int status[] = {200, 200, 200, 301, 404, 500};
		s->r[i] = (ps_probe_result){
			.input_url = s->url[i], .final_url = s->final[i], .status_code = status[(x >> 32) % 6],
			.content_length = (int64_t)(x >> 40 & 0xFFFF), .content_type = TYPES[(x >> 12) % 4],
			.title = s->title[i], .web_server = SERVERS[(x >> 20) % 4], .technologies = s->tech[i],
			.n_technologies = 1 + (x >> 28 & 1), .ips = s->ip[i], .n_ips = 1, .method = "GET",
			.headers = HEADERS, .n_headers = 2};
	}
}

static void rows_free(rowset *s)
{
	free(s->r);
	free(s->url);
	free(s->final);
	free(s->title);
	free(s->tech);
	free(s->ip);
	free(s->ipbuf);
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Does got hold exactly want's fields (as written at scan_ms)? */
static bool same_row(const ps_probe_result *got, const ps_probe_result *want, int64_t scan_ms)
{
	if (!same_str(got->input_url, want->input_url) || !same_str(got->final_url, want->final_url) ||
	    got->status_code != want->status_code || got->content_length != want->content_length ||
	    !same_str(got->content_type, want->content_type) || !same_str(got->title, want->title) ||
	    !same_str(got->web_server, want->web_server) || !same_str(got->method, want->method) ||
	    got->scan_timestamp_ms != scan_ms || got->n_technologies != want->n_technologies || got->n_ips != want->n_ips)
		return false;
	for (size_t k = 0; k < want->n_technologies; k++)
		if (!same_str(got->technologies[k], want->technologies[k]))
			return false;
	return same_str(got->ips[0], want->ips[0]);
}

/* Every row of the scan file at path, in order, is exactly s's. */
static bool scan_file_is(const char *path, const rowset *s, int64_t scan_ms)
{
	ps_probe_iter *it;
	if (ps_probe_iter_open(&it, path)) {
		fprintf(stderr, "%s does not open: %s\n", path, ps_errmsg());
		return false;
	}
	const ps_probe_result *r;
	size_t i = 0;
	bool ok = true;
	int rc;
	while (ok && !(rc = ps_probe_iter_next(it, &r)) && r) {
		ok = i < s->n && same_row(r, &s->r[i], scan_ms);
		i++;
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", path, ps_errmsg());
	ps_probe_iter_close(it);
	return ok && rc == 0 && i == s->n;
}

/* ---- the directory ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, fp) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	*len = p ? (size_t)n : 0;
	return p;
}

static int count_tmp(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

/* Files a reader sees (not hidden), at most cap of them. */
static int visible(char names[][128], int cap)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && n < cap)
			snprintf(names[n++], 128, "%.127s", e->d_name);
	if (d)
		closedir(d);
	return n;
}

static bool listed(char names[][128], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* What `probestore verify` does: every Parquet file under p read in full,
 * row by row, and scan files also as probe results. Returns the files that
 * do not read back. */
static int verify_tree(const char *p, int *files)
{
	DIR *d = opendir(p);
	if (!d)
		return 1;
	int bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", p, e->d_name);
		struct stat sb;
		if (lstat(path, &sb) != 0) {
			bad++;
		} else if (S_ISDIR(sb.st_mode)) {
			bad += verify_tree(path, files);
		} else if (S_ISREG(sb.st_mode) && has_suffix(e->d_name, ".parquet")) {
			(*files)++;
			parq_reader *r;
			parq_row_reader *rr;
			bool ok = false;
			if (parq_reader_open(&r, path, NULL) == 0) {
				if (parq_row_reader_open(&rr, r, NULL, 0) == 0) {
					const parq_value *row;
					int rc;
					while (!(rc = parq_row_reader_next(rr, &row)) && row)
						;
					ok = rc == 0;
					parq_row_reader_close(rr);
				}
				parq_reader_close(r);
			}
			if (ok && !strncmp(e->d_name, "scan_", 5)) {
				ps_probe_iter *it;
				ok = ps_probe_iter_open(&it, path) == 0;
				if (ok) {
					const ps_probe_result *row;
					int rc;
					while (!(rc = ps_probe_iter_next(it, &row)) && row)
						;
					ok = rc == 0;
					ps_probe_iter_close(it);
				}
			}
			if (!ok) {
				fprintf(stderr, "verify: %s does not read back\n", path);
				bad++;
			}
		}
	}
	closedir(d);
	return bad;
}

/* `probestore --data base verify`, when the test knows where the CLI is. */
static int cli_runs;
static void cli_verify(void)
{
	const char *bin = getenv("PROBESTORE_BIN");
	if (!bin || !*bin)
		return;
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' --data '%s' verify >/dev/null", bin, base);
	int st = system(cmd);
	cli_runs++;
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "probestore verify after a failed scan write: status %d\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- attempts ---- */

typedef struct tally {
	int attempts, injected, failed, in_place, lost;
} tally;

static rowset prev_rows, new_rows;
static char prev_path[4096], new_path[4096]; /* new_path: where a new scan goes */
static uint8_t *prev_bytes, *new_bytes; /* new_bytes: written with no table set */
static size_t prev_len, new_len;
static int64_t new_size;

static int write_new(ps_store *st, ps_scan_result *res)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = TARGET;
	o.scan_time_ms = T_NEW;
	o.codec = PARQ_CODEC_ZSTD;
	o.rows_per_row_group = RG_ROWS;
	o.session_id = "faults-new";
	return ps_scan_write(st, &o, new_rows.r, new_rows.n, res);
}

/* Leaves the directory with the previous scan alone. */
/* The target's lock file as it was before the first write of the new
 * scan: it keeps the sequence number and the last name given, which the
 * trials put back so that each writes the same file under the same name. */
static char lock_saved[256];
static size_t lock_saved_len;

static void lock_file_save(void)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/.lock", dir);
	FILE *fp = fopen(p, "rb");
	REQUIRE(fp);
	lock_saved_len = fread(lock_saved, 1, sizeof lock_saved, fp);
	fclose(fp);
}

static void lock_file_restore(void)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/.lock", dir);
	FILE *fp = fopen(p, "wb");
	REQUIRE(fp);
	REQUIRE(fwrite(lock_saved, 1, lock_saved_len, fp) == lock_saved_len);
	fclose(fp);
}

static void remove_new_scans(void)
{
	lock_file_restore();
	char names[16][128];
	int n = visible(names, 16);
	for (int i = 0; i < n; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (strcmp(p, prev_path) != 0)
			unlink(p);
	}
}

/* One write of the new scan under f. Returns whether it succeeded. */
static bool attempt(ps_store *st, faults *f, tally *t, bool run_cli)
{
	char before[16][128];
	int n_before = visible(before, 16);
	for (int k = 0; k < NKINDS; k++)
		f->calls[k] = 0;
	f->hit = f->placed = false;
	f->hit_kind = -1;
	f->placed_path[0] = 0;
	ps_scan_result res;
	int rc = write_new(st, &res);
	t->attempts++;
	t->injected += f->hit;
	bool lost = false;
	if (rc == 0) {
		CHECK(!f->hit);
		CHECK(strcmp(res.path, new_path) == 0);
		lost |= !scan_file_is(res.path, &new_rows, T_NEW);
		/* the table changes where the calls go, not what is written */
		size_t len;
		uint8_t *got = slurp(res.path, &len);
		CHECK(got && len == new_len && memcmp(got, new_bytes, len) == 0);
		free(got);
		remove_new_scans();
		t->lost += lost;
		CHECK(!lost);
		return true;
	}
	t->failed++;
	CHECK(f->hit);
	CHECK_EQ_INT(rc, PS_EIO);
	const char *msg = ps_errmsg();
	int kind = f->hit_kind >= 0 ? f->hit_kind : K_WRITE;
	bool named = strstr(msg, KIND_WORDS[kind]) && strstr(msg, strerror(f->err ? f->err : ENOSPC)) && strstr(msg, dir);
	if (!named)
		fprintf(stderr, "%s failed (%s): the message does not name it and the file: %s\n", KIND_NAMES[kind],
		        strerror(f->err), msg);
	CHECK(named);
	if (getenv("SCAN_FAULTS_SHOW") && (f->kind >= 0 ? f->at == 1 : f->disk_left == 0))
		printf("%s, %s: %s\n", KIND_NAMES[kind], strerror(f->err ? f->err : ENOSPC), msg);
	CHECK_EQ_INT(count_tmp(), 0);

	/* the previous scan: byte for byte what was read back in full at the
	 * start (and verify_tree below reads it in full again) */
	size_t len;
	uint8_t *now = slurp(prev_path, &len);
	lost |= !now || len != prev_len || memcmp(now, prev_bytes, len) != 0;
	free(now);

	/* what a reader sees: what was there, and only when the failure came
	 * after the rename, the new scan, complete */
	char after[16][128];
	int n_after = visible(after, 16);
	bool in_place = kind == K_OPEN_DIR || kind == K_FSYNC_DIR;
	CHECK(f->placed == in_place);
	for (int i = 0; i < n_before; i++)
		lost |= !listed(after, n_after, before[i]);
	if (in_place) {
		t->in_place++;
		CHECK_EQ_INT(n_after, n_before + 1);
		CHECK(strcmp(f->placed_path, new_path) == 0);
		CHECK(strstr(msg, new_path) && strstr(msg, "in place but not known to be durable"));
		lost |= !scan_file_is(f->placed_path, &new_rows, T_NEW);
	} else {
		lost |= n_after != n_before;
	}
	int files = 0;
	lost |= verify_tree(base, &files) != 0;
	CHECK_EQ_INT(files, n_after);
	if (run_cli)
		cli_verify();

	/* a write with no fault gets through, under the name the failed one
	 * would have taken unless that one is in place; its URLs are marked
	 * against the scan before it, which is the one in place if any */
	faults keep = *f;
	*f = (faults){.kind = -1, .disk_left = -1, .no_noreplace = keep.no_noreplace};
	ps_scan_result ok;
	int orc = write_new(st, &ok);
	CHECK_OK(orc);
	if (orc == 0) {
		char want[4096];
		snprintf(want, sizeof want, "%.*s%s", (int)(strlen(new_path) - strlen(".parquet")), new_path,
		         in_place ? "_2.parquet" : ".parquet");
		CHECK(strcmp(ok.path, want) == 0);
		ps_probe_set set;
		int lrc = ps_store_latest_results(st, TARGET, &set);
		CHECK_OK(lrc);
		bool exact = lrc == 0 && set.n == new_rows.n && set.scan_time_ms == T_NEW;
		for (size_t i = 0; exact && i < set.n; i++)
			exact = same_row(&set.items[i], &new_rows.r[i], T_NEW) &&
			        same_str(set.items[i].url_status, in_place || i < new_rows.n / 2 ? "existing" : "new");
		if (lrc == 0)
			ps_probe_set_free(&set);
		lost |= !exact;
	}
	*f = keep;
	remove_new_scans();
	CHECK(!lost);
	t->lost += lost;
	return false;
}

/* The 1st, 2nd, ... call of kind fails with err until a write gets through. */
static void each_call(ps_store *st, faults *f, tally *t, int kind, int err, bool no_noreplace, int stride)
{
	for (int at = 1;; at += stride) {
		*f = (faults){.kind = kind, .at = at, .err = err, .disk_left = -1, .no_noreplace = no_noreplace};
		if (attempt(st, f, t, at == 1))
			break;
		if (at > 5000) {
			CHECK(!"a write that never succeeds");
			break;
		}
	}
}

/* The first scan of a target creates its directory: every mkdir call
 * failing, with EIO and ENOSPC, is an error naming the directory, leaves
 * no scan of that target and changes nothing of the other target's. */
static void new_target(ps_store *st, faults *f, tally *t)
{
	static const char *FRESH = "fresh.example.com";
	char fresh[800];
	snprintf(fresh, sizeof fresh, "%s/probe_results/%s_443", base, FRESH);
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = FRESH;
	o.scan_time_ms = T_NEW;
	o.session_id = "faults-fresh";
	static const int errs[] = {EIO, ENOSPC};
	int hits = 0;
	for (int e = 0; e < 2; e++) {
		ht_rm_rf(fresh);
		for (int at = 1; at < 100; at++) {
			*f = (faults){.kind = K_MKDIR, .at = at, .err = errs[e], .disk_left = -1};
			ps_scan_result res;
			int rc = ps_scan_write(st, &o, prev_rows.r, 100, &res);
			t->attempts++;
			t->injected += f->hit;
			if (rc == 0) {
				CHECK(!f->hit);
				CHECK(strstr(res.path, fresh) == res.path);
				break;
			}
			t->failed++;
			hits++;
			CHECK(f->hit);
			CHECK_EQ_INT(rc, PS_EIO);
			const char *msg = ps_errmsg();
			CHECK(strstr(msg, KIND_WORDS[K_MKDIR]) && strstr(msg, fresh) && strstr(msg, strerror(errs[e])));
			DIR *d = opendir(fresh);
			int n = 0;
			struct dirent *de;
			while (d && (de = readdir(d)))
				n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
			if (d)
				closedir(d);
			CHECK_EQ_INT(n, 0); /* the directory, when made, is empty */
			size_t len;
			uint8_t *p = slurp(prev_path, &len);
			CHECK(p && len == prev_len && memcmp(p, prev_bytes, len) == 0);
			t->lost += !(p && len == prev_len && memcmp(p, prev_bytes, len) == 0);
			free(p);
		}
	}
	*f = (faults){.kind = -1, .disk_left = -1};
	/* the target's directory under an existing probe_results: one call
	 * (ps_mkdirs tries the last component first), failing each time */
	CHECK(hits >= 2);
	printf("test_scan_faults: a new target's directory: %d failing mkdir calls, each refused cleanly\n", hits);
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	snprintf(dir, sizeof dir, "%s/probe_results/faults.example.com_443", base);
	rows_make(&prev_rows, 0, N_PREV);
	rows_make(&new_rows, 1, N_NEW);
	ps_store *st = ht_open(base, NULL);

	/* the previous scan, and where the new one goes */
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = TARGET;
	o.scan_time_ms = T_PREV;
	o.codec = PARQ_CODEC_ZSTD;
	o.rows_per_row_group = RG_ROWS;
	o.session_id = "faults-prev";
	ps_scan_result res;
	REQUIRE(ps_scan_write(st, &o, prev_rows.r, prev_rows.n, &res) == 0);
	snprintf(prev_path, sizeof prev_path, "%s", res.path);
	prev_bytes = slurp(prev_path, &prev_len);
	REQUIRE(prev_bytes);
	CHECK(scan_file_is(prev_path, &prev_rows, T_PREV));
	lock_file_save();
	REQUIRE(write_new(st, &res) == 0);
	snprintf(new_path, sizeof new_path, "%s", res.path);
	new_size = res.bytes;
	new_bytes = slurp(new_path, &new_len);
	REQUIRE(new_bytes && (int64_t)new_len == new_size);
	CHECK(scan_file_is(new_path, &new_rows, T_NEW));
	int64_t rgs = 0;
	{
		parq_reader *r;
		REQUIRE(parq_reader_open(&r, new_path, NULL) == 0);
		rgs = parq_reader_num_row_groups(r);
		parq_reader_close(r);
	}
	remove_new_scans();

	faults f = {.kind = -1, .disk_left = -1};
	ps_store_io io = {.open = h_open, .mkdir = h_mkdir, .mkostemp = h_mkostemp, .write = h_write, .fsync = h_fsync,
	                  .close = h_close, .rename = h_rename, .link = h_link, .ud = &f};
	ps_store_set_io(st, &io);

	/* how many calls of each kind a write makes */
	tally t = {0};
	f = (faults){.kind = -1, .disk_left = -1};
	REQUIRE(attempt(st, &f, &t, false));
	int per_write[NKINDS];
	memcpy(per_write, f.calls, sizeof per_write);
	/* every call of the commit goes through the table, and libparq's
	 * writes do, gathered in 256 KiB: a small file is one write */
	for (int k = 0; k < NKINDS; k++)
		if (k != K_LINK && k != K_MKDIR)
			CHECK(per_write[k] >= 1);
	CHECK_EQ_INT(per_write[K_MKDIR], 0); /* the target's directory is there */
	CHECK(per_write[K_WRITE] >= 1 && per_write[K_WRITE] <= 1 + (int)(new_size >> 18));
	CHECK_EQ_INT(per_write[K_LINK], 0);

	/* every call of every kind, with EIO and ENOSPC; sanitizers slow the
	 * writer, so there every 11th write call fails instead of every one */
	int write_stride = SANITIZED ? 11 : 1;
	static const int kinds[] = {K_CREATE, K_WRITE, K_FSYNC, K_CLOSE, K_RENAME, K_OPEN_DIR, K_FSYNC_DIR};
	static const int errs[] = {EIO, ENOSPC};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
		for (int e = 0; e < 2; e++)
			each_call(st, &f, &t, kinds[k], errs[e], false, kinds[k] == K_WRITE ? write_stride : 1);
	/* a file system without RENAME_NOREPLACE: link() puts the file in place */
	f = (faults){.kind = -1, .disk_left = -1, .no_noreplace = true};
	REQUIRE(attempt(st, &f, &t, false));
	int link_calls = f.calls[K_LINK];
	CHECK_EQ_INT(link_calls, 1);
	static const int fallback_kinds[] = {K_LINK, K_OPEN_DIR, K_FSYNC_DIR};
	for (size_t k = 0; k < sizeof fallback_kinds / sizeof *fallback_kinds; k++)
		for (int e = 0; e < 2; e++)
			each_call(st, &f, &t, fallback_kinds[k], errs[e], true, 1);

	/* a full disk after every budget of bytes, in steps, up to the file */
	int64_t step = new_size / (SANITIZED ? 30 : 100) + 1;
	for (int64_t left = 0; left < new_size; left += step) {
		f = (faults){.kind = -1, .disk_left = left};
		CHECK(!attempt(st, &f, &t, left == 0));
	}
	/* a byte short of the file fails; the whole file fits */
	f = (faults){.kind = -1, .disk_left = new_size - 1};
	CHECK(!attempt(st, &f, &t, false));
	f = (faults){.kind = -1, .disk_left = new_size};
	CHECK(attempt(st, &f, &t, false));
	f = (faults){.kind = -1, .disk_left = -1};
	new_target(st, &f, &t);

	printf("test_scan_faults: a write of %d rows in %lld row groups (%lld bytes, zstd) makes %d creates, %d writes, "
	       "%d fsyncs, %d closes, %d renames, %d directory opens and %d directory fsyncs\n",
	       N_NEW, (long long)rgs, (long long)new_size, per_write[K_CREATE], per_write[K_WRITE], per_write[K_FSYNC],
	       per_write[K_CLOSE], per_write[K_RENAME], per_write[K_OPEN_DIR], per_write[K_FSYNC_DIR]);
	printf("scan faults: %d injected, %d lost (%d attempts, %d failed with an error naming the call and the file, "
	       "%d of them after the rename with the scan in place and complete; full disk in steps of %lld bytes; "
	       "probestore verify run %d times)%s\n",
	       t.injected, t.lost, t.attempts, t.failed, t.in_place, (long long)step, cli_runs,
	       SANITIZED ? "; sanitizer build: every 11th write call failed instead of every one, full disk in 30 steps "
	                   "instead of 100"
	                 : "");
	CHECK_EQ_INT(t.lost, 0);
	CHECK(t.injected == t.failed);
	if (!getenv("PROBESTORE_BIN"))
		printf("test_scan_faults: PROBESTORE_BIN not set, the CLI's verify was not run\n");

	ps_store_close(st);
	free(prev_bytes);
	free(new_bytes);
	rows_free(&prev_rows);
	rows_free(&new_rows);
	ht_rm_rf(base);
	return test_report("test_scan_faults");
}
