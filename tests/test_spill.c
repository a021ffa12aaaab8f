/* parq_writer_spill: a writer that moves its complete pages to a spill
 * file between batches writes the very bytes of a writer that does not
 * (dictionaries, bloom filters, page indexes, CRCs, data pages v1 and v2,
 * lists), while holding less memory; without a spill directory it ends
 * the row group; a spill directory it cannot use is a clear error; and
 * nothing of the spill file is left behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parq/parq.h"
#include "test.h"

enum { BATCH_MAX = 3000, COLS = 6 };

static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "nginx", "apache", "iis"};

/* One batch of n rows, made from *r: id, status (optional), name
 * (optional, few values), body (optional, random hex: no dictionary pays),
 * tags (list of names), flag. */
typedef struct batch {
	int64_t id[BATCH_MAX];
	int32_t st[BATCH_MAX];
	int16_t sdef[BATCH_MAX], ndef[BATCH_MAX], bdef[BATCH_MAX], tdef[BATCH_MAX * 4], trep[BATCH_MAX * 4];
	parq_bytes names[BATCH_MAX], bodies[BATCH_MAX], tags[BATCH_MAX * 4];
	char body_text[BATCH_MAX][48];
	uint8_t flag[BATCH_MAX];
	parq_column_batch cols[COLS];
} batch;

static void make_batch(batch *b, int64_t first, int64_t n, uint64_t *r)
{
	int64_t ns = 0, nn = 0, nb = 0, nt = 0, tv = 0;
	for (int64_t i = 0; i < n; i++) {
		b->id[i] = first + i;
		b->sdef[i] = test_rand(r) % 10 != 0;
		if (b->sdef[i])
			b->st[ns++] = 200 + (int32_t)(test_rand(r) % 5) * 100;
		b->ndef[i] = test_rand(r) % 7 != 0;
		if (b->ndef[i]) {
			const char *w = words[test_rand(r) % 8];
			b->names[nn++] = (parq_bytes){(const uint8_t *)w, (uint32_t)strlen(w)};
		}
		b->bdef[i] = test_rand(r) % 5 != 0;
		if (b->bdef[i]) {
			int len = snprintf(b->body_text[nb], sizeof b->body_text[nb], "%016llx%08llx",
			                   (unsigned long long)test_rand(r), (unsigned long long)(test_rand(r) & 0xffffffff));
			b->bodies[nb] = (parq_bytes){(const uint8_t *)b->body_text[nb], (uint32_t)len};
			nb++;
		}
		int k = (int)(test_rand(r) % 4);
		if (!k) {
			b->trep[nt] = 0;
			b->tdef[nt++] = (int16_t)(test_rand(r) % 2);
		}
		for (int j = 0; j < k; j++) {
			const char *w = words[test_rand(r) % 8];
			b->trep[nt] = j ? 1 : 0;
			b->tdef[nt++] = 2;
			b->tags[tv++] = (parq_bytes){(const uint8_t *)w, (uint32_t)strlen(w)};
		}
		b->flag[i] = test_rand(r) % 2;
	}
	parq_column_batch cols[COLS] = {
		{.num_rows = n, .num_levels = n, .num_values = n, .values = b->id},
		{.num_rows = n, .num_levels = n, .num_values = ns, .def_levels = b->sdef, .values = b->st},
		{.num_rows = n, .num_levels = n, .num_values = nn, .def_levels = b->ndef, .bytes = b->names},
		{.num_rows = n, .num_levels = n, .num_values = nb, .def_levels = b->bdef, .bytes = b->bodies},
		{.num_rows = n, .num_levels = nt, .num_values = tv, .def_levels = b->tdef, .rep_levels = b->trep, .bytes = b->tags},
		{.num_rows = n, .num_levels = n, .num_values = n, .values = b->flag},
	};
	memcpy(b->cols, cols, sizeof cols);
}

static parq_schema *make_schema(void)
{
	parq_schema *s;
	parq_logical S = parq_lt_string();
	REQUIRE(parq_schema_new(&s) == 0);
	REQUIRE(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL) == 0);
	REQUIRE(parq_schema_add_leaf(s, NULL, "status", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL) == 0);
	REQUIRE(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) == 0);
	REQUIRE(parq_schema_add_leaf(s, NULL, "body", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) == 0);
	REQUIRE(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL) == 0);
	REQUIRE(parq_schema_add_leaf(s, NULL, "flag", PARQ_BOOLEAN, PARQ_REQUIRED, NULL, 0, NULL) == 0);
	REQUIRE(parq_schema_finish(s) == 0);
	return s;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* The same rows through a writer that spills after some batches and one
 * that never does: the files are equal. */
static void same_bytes(const char *dir, parq_codec codec, int page_version, uint64_t seed)
{
	char plain[600], spilled[600], spill_dir[600];
	snprintf(plain, sizeof plain, "%s/plain.parquet", dir);
	snprintf(spilled, sizeof spilled, "%s/spilled.parquet", dir);
	snprintf(spill_dir, sizeof spill_dir, "%s/spill", dir);
	REQUIRE(mkdir(spill_dir, 0700) == 0 || access(spill_dir, W_OK) == 0);
	parq_schema *s = make_schema();
	parq_column_options co[2] = {
		{.leaf = 2, .dictionary = -1, .encoding = -1, .bloom_fpp = 0.01},
		{.leaf = 4, .dictionary = -1, .encoding = -1, .bloom_fpp = 0.05},
	};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = codec;
	o.data_page_version = page_version;
	o.page_rows = 700;
	o.row_group_rows = 9000;
	o.page_crc = true;
	o.columns = co;
	o.n_columns = 2;
	parq_writer *a, *b;
	CHECK_OK(parq_writer_open(&a, plain, s, &o));
	o.spill_dir = spill_dir;
	CHECK_OK(parq_writer_open(&b, spilled, s, &o));
	static batch bt;
	uint64_t r = seed;
	int64_t done = 0, spills = 0, moved = 0;
	while (done < 40000) {
		int64_t n = 1 + (int64_t)(test_rand(&r) % BATCH_MAX);
		make_batch(&bt, done, n, &r);
		CHECK_OK(parq_writer_write(a, bt.cols, n));
		CHECK_OK(parq_writer_write(b, bt.cols, n));
		done += n;
		if (test_rand(&r) % 3 == 0) {
			int64_t k = parq_writer_spillable(b), before = parq_writer_memory(b);
			CHECK_OK(parq_writer_spill(b));
			CHECK_EQ_INT(parq_writer_spillable(b), 0);
			/* what moved out is no longer held */
			CHECK(parq_writer_memory(b) <= before - k);
			CHECK_OK(parq_writer_spill(b)); /* nothing more to move */
			spills++;
			moved += k;
		}
	}
	int64_t sa = 0, sb = 0;
	CHECK_OK(parq_writer_close(a, &sa));
	CHECK_OK(parq_writer_close(b, &sb));
	CHECK_EQ_INT(sa, sb);
	size_t la, lb;
	uint8_t *pa = test_slurp(plain, &la), *pb = test_slurp(spilled, &lb);
	CHECK_EQ_INT(la, lb);
	if (la == lb)
		CHECK_MEM(pa, pb, la);
	free(pa);
	free(pb);
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, spilled, NULL));
	CHECK_EQ_INT(parq_reader_num_rows(rd), done);
	CHECK_EQ_INT(parq_reader_num_row_groups(rd), (done + 8999) / 9000);
	parq_reader_close(rd);
	CHECK(spills > 5 && moved > 100000);
	CHECK_EQ_INT(entries(spill_dir), 0); /* the spill file was never linked, or is gone */
	printf("codec %s, pages v%d: %lld spills moved %lld bytes, %lld-byte files equal\n", parq_codec_name(codec),
	       page_version, (long long)spills, (long long)moved, (long long)sa);
	parq_schema_free(s);
	unlink(plain);
	unlink(spilled);
	rmdir(spill_dir);
}

/* Without a spill directory a spill ends the row group; with one that
 * is not there it fails, naming it. */
static void without_spill_dir(const char *dir)
{
	char path[600];
	snprintf(path, sizeof path, "%s/trim.parquet", dir);
	parq_schema *s = make_schema();
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 500;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	static batch bt;
	uint64_t r = 3;
	make_batch(&bt, 0, 2000, &r);
	CHECK_OK(parq_writer_write(w, bt.cols, 2000));
	CHECK_OK(parq_writer_spill(w));
	make_batch(&bt, 2000, 2000, &r);
	CHECK_OK(parq_writer_write(w, bt.cols, 2000));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_reader *rd;
	CHECK_OK(parq_reader_open(&rd, path, NULL));
	CHECK_EQ_INT(parq_reader_num_row_groups(rd), 2);
	CHECK_EQ_INT(parq_reader_num_rows(rd), 4000);
	parq_reader_close(rd);

	char missing[700];
	snprintf(missing, sizeof missing, "%s/no-such-dir", dir);
	o.spill_dir = missing;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	make_batch(&bt, 0, 2000, &r);
	CHECK_OK(parq_writer_write(w, bt.cols, 2000));
	CHECK_EQ_INT(parq_writer_spill(w), PARQ_EIO);
	CHECK(strstr(parq_errmsg(), "no-such-dir") != NULL);
	parq_writer_abort(w);
	parq_schema_free(s);
	unlink(path);
}

/* A spill file that cannot be written (a full disk, injected): the
 * spill fails naming it, the writer fails, and aborting it leaves
 * nothing. */
static int out_fd = -1;
static ssize_t full_spill(void *ud, int fd, const void *buf, size_t n)
{
	(void)ud;
	if (fd != out_fd) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, n);
}

static void spill_disk_full(const char *dir)
{
	char path[600], sdir[600];
	snprintf(path, sizeof path, "%s/full.parquet", dir);
	snprintf(sdir, sizeof sdir, "%s/fullspill", dir);
	REQUIRE(mkdir(sdir, 0700) == 0);
	parq_schema *s = make_schema();
	parq_io io = {.write = full_spill};
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 300;
	o.spill_dir = sdir;
	o.io = &io;
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	REQUIRE(fd >= 0);
	out_fd = fd;
	parq_writer *w;
	CHECK_OK(parq_writer_open_fd(&w, fd, path, s, &o));
	static batch bt;
	uint64_t r = 5;
	make_batch(&bt, 0, 3000, &r);
	CHECK_OK(parq_writer_write(w, bt.cols, 3000));
	CHECK(parq_writer_spillable(w) > 0);
	CHECK_EQ_INT(parq_writer_spill(w), PARQ_EIO);
	CHECK(strstr(parq_errmsg(), "spill file") && strstr(parq_errmsg(), "No space left"));
	CHECK(parq_writer_write(w, bt.cols, 3000) != 0); /* failed for good */
	parq_writer_abort(w);
	close(fd);
	CHECK_EQ_INT(entries(sdir), 0);
	rmdir(sdir);
	unlink(path);
	parq_schema_free(s);
}

int main(void)
{
	char dir[] = "/tmp/parq_spill_XXXXXX";
	REQUIRE(mkdtemp(dir));
	same_bytes(dir, PARQ_CODEC_ZSTD, 1, 7);
	same_bytes(dir, PARQ_CODEC_SNAPPY, 2, 8);
	same_bytes(dir, PARQ_CODEC_UNCOMPRESSED, 1, 9);
	without_spill_dir(dir);
	spill_disk_full(dir);
	CHECK(rmdir(dir) == 0);
	return test_report("test_spill");
}
