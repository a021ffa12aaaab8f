/* How libparq's reader reads a file: read_size caps each read(2) and takes
 * the footer with its length in one read; read_all reads the file whole at
 * open. The values are the same every way; the number of reads, counted
 * by the kernel (/proc/self/io, syscr), shows what each option does. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_test.h"

static char dir[] = "/tmp/parq_readio_XXXXXX";
#define ROWS 2000
#define VLEN 1000

static uint8_t value_byte(int64_t i, size_t k)
{
	return (uint8_t)(i * 131 + (int64_t)k * 7 + (int64_t)(k >> 5));
}

static void write_file(const char *path)
{
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "blob", PARQ_BYTE_ARRAY, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_UNCOMPRESSED;
	parq_column_options co;
	parq_column_options_default(&co, 1);
	co.dictionary = 0;
	co.page_bytes = (size_t)1 << 20; /* pages of about 1 MiB */
	o.columns = &co;
	o.n_columns = 1;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	static int64_t ids[ROWS];
	static parq_bytes blobs[ROWS];
	static uint8_t data[ROWS][VLEN];
	for (int64_t i = 0; i < ROWS; i++) {
		ids[i] = i * 3;
		for (size_t k = 0; k < VLEN; k++)
			data[i][k] = value_byte(i, k);
		blobs[i] = (parq_bytes){data[i], VLEN};
	}
	parq_column_batch col[2] = {
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .values = ids},
		{.num_rows = ROWS, .num_levels = ROWS, .num_values = ROWS, .bytes = blobs},
	};
	CHECK_OK(parq_writer_write(w, col, ROWS));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* read(2)-family calls of this process so far. */
static long long syscr(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return -1;
	char line[128];
	long long n = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "syscr: %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Reads every value and checks it; returns the read calls it took (the
 * /proc read itself cancels out). */
static long long read_all_values(const char *path, const parq_reader_options *ro, bool truncate_after_open,
                                 int *rc_out, long long *open_reads)
{
	long long before = syscr();
	parq_reader *r;
	int rc = parq_reader_open(&r, path, ro);
	long long opened = syscr();
	*open_reads = opened - before - 1;
	*rc_out = rc;
	if (rc)
		return -1;
	if (truncate_after_open)
		REQUIRE(truncate(path, 0) == 0);
	int64_t seen = 0;
	for (int leaf = 0; leaf < 2 && !rc; leaf++) {
		parq_column_reader *cr;
		if ((rc = parq_column_reader_open(&cr, r, leaf, NULL, 0)))
			break;
		int64_t row = 0;
		for (;;) {
			parq_column_batch b;
			if ((rc = parq_column_reader_read(cr, 512, &b)) || b.num_rows == 0)
				break;
			for (int64_t i = 0; i < b.num_rows; i++, row++) {
				if (leaf == 0) {
					CHECK_EQ_INT(((const int64_t *)b.values)[i], row * 3);
				} else {
					bool same = b.bytes[i].len == VLEN;
					for (size_t k = 0; same && k < VLEN; k += 97)
						same = b.bytes[i].ptr[k] == value_byte(row, k);
					CHECK(same);
				}
			}
		}
		parq_column_reader_close(cr);
		seen += row;
	}
	parq_reader_close(r);
	long long after = syscr();
	*rc_out = rc;
	if (!rc)
		CHECK_EQ_INT(seen, 2 * ROWS);
	return after - before - 2;
}

int main(void)
{
	REQUIRE(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof path, "%s/f.parquet", dir);
	write_file(path);
	struct stat sb;
	REQUIRE(stat(path, &sb) == 0);
	REQUIRE(syscr() >= 0);
	int rc;
	long long open_n;

	parq_reader_options ro;
	parq_reader_options_default(&ro);
	CHECK_EQ_INT(ro.read_size, 0);
	CHECK(!ro.read_all);
	long long plain = read_all_values(path, &ro, false, &rc, &open_n);
	CHECK_OK(rc);
	/* the magic, the footer's length, the footer */
	CHECK_EQ_INT(open_n, 3);

	/* the end of the file in one read: the footer comes with its length */
	ro.read_size = 64 * 1024;
	long long r64 = read_all_values(path, &ro, false, &rc, &open_n);
	CHECK_OK(rc);
	CHECK_EQ_INT(open_n, 2);

	/* reads of at most 4 KiB: about 2 MB of pages take some 500 reads */
	ro.read_size = 4096;
	long long r4 = read_all_values(path, &ro, false, &rc, &open_n);
	CHECK_OK(rc);
	CHECK(r4 >= (long long)(sb.st_size / 4096));
	CHECK(r4 > plain * 10);

	/* the whole file at open, in reads of read_size; later reads come from
	 * memory: the file may even be emptied under the reader */
	parq_reader_options_default(&ro);
	ro.read_all = true;
	ro.read_size = 256 * 1024;
	long long all = read_all_values(path, &ro, true, &rc, &open_n);
	CHECK_OK(rc);
	CHECK_EQ_INT(all, open_n); /* every read happened at open */
	CHECK(open_n >= (long long)(sb.st_size / (256 * 1024)) && open_n <= (long long)(sb.st_size / (256 * 1024)) + 3);
	write_file(path);
	/* without read_all the same emptying is an error, not a crash */
	parq_reader_options_default(&ro);
	read_all_values(path, &ro, true, &rc, &open_n);
	CHECK(rc == PARQ_EIO || rc == PARQ_ECORRUPT);
	printf("reads to open and read %lld bytes: %lld by default, %lld with read_size 64 KiB, %lld with 4 KiB, "
	       "%lld with read_all (all at open)\n",
	       (long long)sb.st_size, plain, r64, r4, all);
	ht_rm_rf(dir);
	return test_report("test_reader_io");
}
