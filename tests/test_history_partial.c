/* One damaged history file never blocks the rest: with every file of a
 * URL (the current one, each archive) in turn garbage, truncated,
 * unreadable (a directory in its place) or with a damaged content page,
 * ps_history_last_opt, ps_history_records_opt and
 * ps_history_latest_diffs_opt answer from the other files exactly (compared with the records each file held) and name the
 * bad file once; ps_history_store_content stores against the newest
 * readable version, or fails naming the current file when that one does
 * not open; compaction of the current file is not stopped by an archived
 * file. Without a handler the calls still fail, naming the file. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "history/history_internal.h"
#include "history_test.h"

#define URL "https://partial.example.com/static/app.js"
#define VERSIONS 12
#define MAXF 16

static void edit(ps_config *c)
{
	c->history.compaction_threshold = 1000;
	c->history.max_file_size = 9000;
}

typedef struct file_recs {
	char path[4096];
	int64_t ts[VERSIONS];
	char hash[VERSIONS][65];
	int n;
} file_recs;

static int collect_fn(void *ud, const ps_history_record *r)
{
	file_recs *f = ud;
	REQUIRE(f->n < VERSIONS);
	f->ts[f->n] = r->timestamp_ms;
	snprintf(f->hash[f->n], 65, "%s", r->hash);
	f->n++;
	return 0;
}

typedef struct seen {
	int calls;
	char path[4096];
	int code;
} seen;

static void on_bad(void *ud, const char *path, int code, const char *message)
{
	seen *s = ud;
	s->calls++;
	snprintf(s->path, sizeof s->path, "%s", path);
	s->code = code;
	CHECK(message && *message);
}

static void version(char *buf, size_t cap, int v, size_t *len)
{
	int n = ht_fill(buf, cap, 0, 1500, 99, ";\n");
	n += snprintf(buf + n, cap - (size_t)n, "const VERSION = %d;\n", v);
	*len = (size_t)n;
}

enum { M_GARBAGE, M_TRUNCATED, M_UNREADABLE, M_PAGE, M_N };
static const char *const mode_name[M_N] = {"garbage", "truncated", "unreadable", "damaged content page"};

static void damage(const char *path, int mode)
{
	struct stat sb;
	REQUIRE(stat(path, &sb) == 0);
	if (mode == M_GARBAGE) {
		FILE *f = fopen(path, "wb");
		REQUIRE(f);
		uint64_t seed = 5;
		for (off_t i = 0; i < sb.st_size; i++)
			fputc((int)(test_rand(&seed) & 0xff), f);
		fclose(f);
	} else if (mode == M_TRUNCATED) {
		REQUIRE(truncate(path, sb.st_size / 2) == 0);
	} else if (mode == M_UNREADABLE) {
		/* a directory where the file was: it opens, it does not read
		 * (the tests run as root, which a mode of 000 would not stop) */
		REQUIRE(unlink(path) == 0);
		REQUIRE(mkdir(path, 0700) == 0);
	} else {
		/* a content page of the last row group: the footer and the url and
		 * timestamp columns read, the record itself does not */
		parq_reader *r;
		REQUIRE(parq_reader_open(&r, path, NULL) == 0);
		const parq_file_meta *m = parq_reader_metadata(r);
		const parq_meta_column *c = &m->row_groups[m->n_row_groups - 1].columns[PS_H_CONTENT].meta;
		int64_t at = c->data_page_offset + c->total_compressed_size - 10;
		parq_reader_close(r);
		int fd = open(path, O_RDWR);
		REQUIRE(fd >= 0);
		unsigned char b;
		REQUIRE(pread(fd, &b, 1, at) == 1);
		b ^= 0x10;
		REQUIRE(pwrite(fd, &b, 1, at) == 1);
		close(fd);
	}
}

/* The expected newest-first timestamps with file `bad` left out. */
static int expected(const file_recs *f, int nf, int bad, int64_t *out)
{
	int n = 0;
	for (int i = 0; i < nf; i++)
		for (int k = 0; i != bad && k < f[i].n; k++)
			out[n++] = f[i].ts[k];
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j] > out[j - 1]; j--) {
			int64_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static const char *hash_at(const file_recs *f, int nf, int64_t ts)
{
	for (int i = 0; i < nf; i++)
		for (int k = 0; k < f[i].n; k++)
			if (f[i].ts[k] == ts)
				return f[i].hash[k];
	return "";
}

int main(void)
{
	char base[] = "/tmp/ps_hpartial_XXXXXX";
	REQUIRE(mkdtemp(base));
	char pristine[300];
	snprintf(pristine, sizeof pristine, "%s/pristine", base);
	ps_store *st = ht_open(pristine, edit);
	char buf[4096];
	for (int v = 0; v < VERSIONS; v++) {
		size_t len;
		version(buf, sizeof buf, v, &len);
		ps_history_fetch fe = {.url = URL, .content = buf, .content_len = len, .fetched_at_ms = 1764579600000 + v};
		CHECK_OK(ps_history_store_content(st, &fe, NULL));
	}
	/* the files, current first, and what each holds */
	file_recs f[MAXF];
	int nf = 0;
	char cur[4096];
	CHECK_OK(ps_history_path(st, URL, cur, sizeof cur));
	snprintf(f[nf++].path, 4096, "%s", cur);
	ps_history_loc loc;
	CHECK_OK(ps_history_locate(st, URL, &loc));
	char(*arch)[4096];
	size_t na;
	CHECK_OK(ps_history_list_archive(st, &loc, &arch, &na));
	for (size_t i = 0; i < na && nf < MAXF; i++)
		snprintf(f[nf++].path, 4096, "%s", arch[i]);
	free(arch);
	int total = 0;
	for (int i = 0; i < nf; i++) {
		f[i].n = 0;
		CHECK_OK(ps_history_stream(f[i].path, collect_fn, &f[i], NULL));
		total += f[i].n;
	}
	CHECK_EQ_INT(total, VERSIONS);
	CHECK(nf >= 4);
	ps_store_close(st);
	size_t plen = strlen(pristine);

	int cases = 0;
	for (int bad = 0; bad < nf; bad++) {
		for (int mode = 0; mode < M_N; mode++) {
			char dir[300], cmd[1024];
			snprintf(dir, sizeof dir, "%s/case", base);
			ht_rm_rf(dir);
			snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", pristine, dir);
			REQUIRE(system(cmd) == 0);
			char bad_path[4400];
			snprintf(bad_path, sizeof bad_path, "%s%s", dir, f[bad].path + plen);
			damage(bad_path, mode);
			st = ht_open(dir, edit);
			int failures_before = test_failures;
			int64_t want[VERSIONS];
			int nw = expected(f, nf, bad, want);
			cases++;

			/* without a handler: an error naming the file (when the call
			 * reads it at all) */
			ps_history_set set;
			int rc = ps_history_records(st, URL, 0, &set);
			CHECK(rc != 0 && strstr(ps_errmsg(), f[bad].path + plen) != NULL);
			if (!rc)
				ps_history_set_free(&set);

			seen s = {0};
			ps_history_read_options o;
			ps_history_read_options_default(&o);
			CHECK(o.on_bad_file == NULL);
			o.on_bad_file = on_bad;
			o.bad_file_ud = &s;
			ps_history_record *last = NULL;
			CHECK_OK(ps_history_last_opt(st, URL, &o, &last));
			CHECK(last && nw > 0 && last->timestamp_ms == want[0]);
			if (last && nw > 0 && last->timestamp_ms == want[0]) {
				size_t len;
				version(buf, sizeof buf, (int)(want[0] - 1764579600000), &len);
				CHECK(last->content_len == len && memcmp(last->content, buf, len) == 0);
			}
			ps_history_record_free(last);
			/* named when read: the last record may come from newer files
			 * whose statistics rule the bad one out, never misnamed */
			CHECK(s.calls <= 1);
			if (s.calls)
				CHECK(!strcmp(s.path, bad_path));

			memset(&s, 0, sizeof s);
			CHECK_OK(ps_history_records_opt(st, URL, 0, &o, &set));
			CHECK_EQ_INT(s.calls, 1);
			CHECK(!strcmp(s.path, bad_path));
			CHECK_EQ_INT(set.n, nw);
			int wrong = 0;
			for (size_t i = 0; i < set.n && (int)i < nw; i++) {
				size_t len;
				version(buf, sizeof buf, (int)(want[i] - 1764579600000), &len);
				wrong += set.records[i].timestamp_ms != want[i] || set.records[i].content_len != len ||
				         memcmp(set.records[i].content, buf, len) != 0;
			}
			CHECK_EQ_INT(wrong, 0);
			ps_history_set_free(&set);

			memset(&s, 0, sizeof s);
			CHECK_OK(ps_history_records_opt(st, URL, 3, &o, &set));
			CHECK(set.n == 3 && set.records[0].timestamp_ms == want[0] && set.records[2].timestamp_ms == want[2]);
			CHECK(s.calls <= 1);
			ps_history_set_free(&set);

			/* the newest diff, from the files that read */
			memset(&s, 0, sizeof s);
			ps_latest_diffs ld;
			const char *urls[1] = {URL};
			CHECK_OK(ps_history_latest_diffs_opt(st, urls, 1, &o, &ld));
			/* a damaged content page leaves the diff column readable */
			int64_t all[VERSIONS];
			expected(f, nf, -1, all);
			int64_t want_diff = mode == M_PAGE ? all[0] : want[0];
			CHECK(ld.n == 1 && ld.items[0].found && ld.items[0].record_timestamp_ms == want_diff);
			CHECK(ld.n == 1 && !strcmp(ld.items[0].diff.new_hash, hash_at(f, nf, want_diff)));
			CHECK(s.calls <= 1);
			ps_latest_diffs_free(&ld);

			/* a new version: diffed against the newest readable one; with
			 * the current file bad, refused naming it */
			memset(&s, 0, sizeof s);
			size_t len;
			version(buf, sizeof buf, 100, &len);
			ps_history_fetch fe = {.url = URL, .content = buf, .content_len = len,
			                       .fetched_at_ms = 1764579600000 + 100, .on_bad_file = on_bad, .bad_file_ud = &s};
			ps_history_content_result res;
			rc = ps_history_store_content(st, &fe, &res);
			char moved[4096] = "";
			if (!rc)
				snprintf(moved, sizeof moved, "%s", res.write.archived);
			if (bad == 0 && mode != M_PAGE) {
				CHECK(rc != 0 && strstr(ps_errmsg(), f[0].path + plen) != NULL);
			} else {
				/* a current file whose footer reads takes the new row group
				 * (its pages are copied as they are, the damaged one where
				 * verify finds it); the diff is against the newest record
				 * that reads */
				CHECK_OK(rc);
				CHECK(res.status == PS_CONTENT_CHANGED && !strcmp(res.old_hash, hash_at(f, nf, want[0])));
				CHECK(s.calls <= 1);
			}
			/* compaction rewrites the current file alone: a bad archived
			 * file does not stop it; a bad current file (or a damaged
			 * record in it) is refused */
			rc = ps_history_compact(st, URL, NULL);
			if (bad == 0 && moved[0]) {
				/* the new version moved the damaged current file to the
				 * archive (max_file_size): the new current file merges, the
				 * archived one still fails verify */
				CHECK_OK(rc);
				CHECK(ps_history_verify(st, moved, NULL, NULL) == PS_ECORRUPT);
			} else if (bad == 0) {
				CHECK(rc != 0 && strstr(ps_errmsg(), f[0].path + plen) != NULL);
			} else {
				CHECK_OK(rc);
			}
			if (test_failures > failures_before)
				fprintf(stderr, "  (file %d of %d, %s: %s)\n", bad, nf, mode_name[mode], bad_path);
			ps_store_close(st);
		}
	}
	printf("test_history_partial: %d stores with one of %d history files (current, %d archived) garbage, "
	       "truncated, unreadable or with a damaged content page answered from the others\n",
	       cases, nf, nf - 1);
	ht_rm_rf(base);
	return test_report("test_history_partial");
}
