/* Readers over a parq_source: the same values and errors as the path
 * reader on the whole parquet-testing corpus; what a projected or pruned
 * scan reads and prefetches, measured against the footer's offsets; every
 * read of a scan inside a range prefetched before it; failing sources and
 * sources whose size lies, named in clean errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parq/meta.h"
#include "parq/parq.h"
#include "test.h"

static char dir[] = "/tmp/parq_source_XXXXXX";

/* ---- a source over memory that counts, checks and fails on request ---- */

typedef struct msrc {
	const uint8_t *data;
	int64_t size;        /* bytes of data (the source's size may claim otherwise) */
	bool checking;       /* reads are checked against the prefetched ranges (after the open) */
	bool strict;         /* a read outside every range prefetched so far fails */
	int64_t fail_from;   /* reads that reach this offset fail (-1: none) */
	bool with_prefetch;
	int reads, prefetches;
	parq_range *log;     /* read_at calls */
	size_t n_log, cap_log;
	parq_range *pf;      /* prefetched ranges */
	size_t n_pf, cap_pf;
	int outside;         /* reads outside the prefetched ranges */
	bool bad_hint;       /* a prefetch whose ranges were not sorted, merged, in the file */
} msrc;

static void push(parq_range **v, size_t *n, size_t *cap, parq_range r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = realloc(*v, *cap * sizeof **v);
		REQUIRE(*v);
	}
	(*v)[(*n)++] = r;
}

static bool inside(const parq_range *v, size_t n, int64_t off, int64_t len)
{
	for (size_t i = 0; i < n; i++)
		if (off >= v[i].off && off + len <= v[i].off + v[i].len)
			return true;
	return false;
}

static int m_read(void *ud, void *buf, size_t len, int64_t off)
{
	msrc *m = ud;
	m->reads++;
	push(&m->log, &m->n_log, &m->cap_log, (parq_range){off, (int64_t)len});
	if (m->fail_from >= 0 && off + (int64_t)len > m->fail_from) {
		errno = EIO;
		return PARQ_EIO;
	}
	if (m->checking && !inside(m->pf, m->n_pf, off, (int64_t)len)) {
		m->outside++;
		if (m->strict) {
			errno = 0;
			return PARQ_EIO;
		}
	}
	if (off < 0 || off + (int64_t)len > m->size) {
		errno = ERANGE;
		return PARQ_EIO;
	}
	memcpy(buf, m->data + off, len);
	return 0;
}

static int m_prefetch(void *ud, const parq_range *r, size_t n)
{
	msrc *m = ud;
	m->prefetches++;
	for (size_t i = 0; i < n; i++) {
		if (r[i].len <= 0 || r[i].off < 0 || (i && r[i].off <= r[i - 1].off + r[i - 1].len))
			m->bad_hint = true;
		push(&m->pf, &m->n_pf, &m->cap_pf, r[i]);
	}
	return 0;
}

static void m_init(msrc *m, const uint8_t *data, int64_t size)
{
	memset(m, 0, sizeof *m);
	m->data = data;
	m->size = size;
	m->fail_from = -1;
	m->with_prefetch = true;
}

/* Forgets what was read and prefetched (after the open, say). */
static void m_reset(msrc *m)
{
	m->reads = m->prefetches = m->outside = 0;
	m->checking = true;
	m->n_log = m->n_pf = 0;
	m->bad_hint = false;
}

static void m_free(msrc *m)
{
	free(m->log);
	free(m->pf);
}

static int m_open(parq_reader **r, msrc *m, int64_t size, const char *name)
{
	parq_source s = {.size = size, .read_at = m_read, .prefetch = m->with_prefetch ? m_prefetch : NULL, .ud = m};
	return parq_reader_open_source(r, &s, name, NULL);
}

/* Bytes covered by the union of ranges (sorted here). */
static int cmp_range(const void *a, const void *b)
{
	const parq_range *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int64_t union_bytes(parq_range *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_range);
	int64_t total = 0, end = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t a = v[i].off > end ? v[i].off : end, b = v[i].off + v[i].len;
		if (b > a)
			total += b - a;
		if (b > end)
			end = b;
	}
	return total;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = (size_t)(len > 0 ? len : 0);
	return buf;
}

/* ---- what a reader reads: a digest of every leaf's levels and values ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

typedef struct digest {
	int rc;
	char msg[600];
	uint64_t h;
	int64_t rows, values;
} digest;

/* Reads every leaf of r (over rgs, NULL: all) into d; stops at the first error. */
static void digest_reader(parq_reader *r, const int *rgs, int n_rgs, digest *d)
{
	const parq_schema *s = parq_reader_schema(r);
	d->h = 0xcbf29ce484222325ull;
	for (int l = 0; l < s->n_leaves && !d->rc; l++) {
		parq_column_reader *cr;
		if ((d->rc = parq_column_reader_open(&cr, r, l, rgs, n_rgs))) {
			snprintf(d->msg, sizeof d->msg, "%s", parq_errmsg());
			return;
		}
		size_t w = parq_value_width(s->leaves[l]);
		for (;;) {
			parq_column_batch b;
			if ((d->rc = parq_column_reader_read(cr, 777, &b))) {
				snprintf(d->msg, sizeof d->msg, "%s", parq_errmsg());
				break;
			}
			if (!b.num_rows)
				break;
			d->rows += b.num_rows;
			d->values += b.num_values;
			if (b.def_levels)
				d->h = fnv(d->h, b.def_levels, (size_t)b.num_levels * 2);
			if (b.rep_levels)
				d->h = fnv(d->h, b.rep_levels, (size_t)b.num_levels * 2);
			if (w && b.values)
				d->h = fnv(d->h, b.values, (size_t)b.num_values * w);
			for (int64_t i = 0; !w && b.bytes && i < b.num_values; i++) {
				d->h = fnv(d->h, &b.bytes[i].len, sizeof b.bytes[i].len);
				d->h = fnv(d->h, b.bytes[i].ptr, b.bytes[i].len);
			}
		}
		parq_column_reader_close(cr);
	}
}

static void digest_path(const char *path, digest *d)
{
	memset(d, 0, sizeof *d);
	parq_reader *r;
	if ((d->rc = parq_reader_open(&r, path, NULL))) {
		snprintf(d->msg, sizeof d->msg, "%s", parq_errmsg());
		return;
	}
	digest_reader(r, NULL, -1, d);
	parq_reader_close(r);
}

static void digest_source(msrc *m, const char *name, digest *d)
{
	memset(d, 0, sizeof *d);
	parq_reader *r;
	if ((d->rc = m_open(&r, m, m->size, name))) {
		snprintf(d->msg, sizeof d->msg, "%s", parq_errmsg());
		return;
	}
	m_reset(m);
	digest_reader(r, NULL, -1, d);
	parq_reader_close(r);
}

/* ---- the corpus ---- */

static int corpus_dir(const char *path, bool bad)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 8 || strcmp(e->d_name + n - 8, ".parquet") != 0)
			continue;
		char file[2048];
		snprintf(file, sizeof file, "%s/%s", path, e->d_name);
		size_t len;
		uint8_t *buf = slurp(file, &len);
		REQUIRE(buf);
		digest a, b;
		digest_path(file, &a);
		msrc m;
		m_init(&m, buf, (int64_t)len);
		digest_source(&m, file, &b);
		files++;
		test_checks++;
		if (a.rc != b.rc || strcmp(a.msg, b.msg) != 0 || a.h != b.h || a.rows != b.rows || a.values != b.values) {
			test_failures++;
			fprintf(stderr, "%s: path reader rc %d rows %lld '%s', source reader rc %d rows %lld '%s'\n", file,
			        a.rc, (long long)a.rows, a.msg, b.rc, (long long)b.rows, b.msg);
		}
		/* the chunks a column reader reads are the ones it prefetched */
		CHECK_EQ_INT(m.outside, 0);
		CHECK(!m.bad_hint);
		if (m.outside || m.bad_hint)
			fprintf(stderr, "%s: %d reads outside the prefetched ranges\n", file, m.outside);
		/* bad_data fails on both sides, but for the file tests/corpus/bad_data.tsv
		 * shows valid (21186 rows of one column) */
		if (bad && strcmp(e->d_name, "ARROW-GH-43605.parquet") == 0)
			CHECK_EQ_INT(b.rows, 21186);
		else if (bad)
			CHECK(a.rc != 0);
		if (bad && !a.rc)
			printf("test_reader_source: %s reads without an error\n", file);
		m_free(&m);
		free(buf);
	}
	closedir(d);
	return files;
}

static bool test_corpus(void)
{
	const char *root = getenv("PARQUET_TESTING_DIR");
	char data[1024], bad[1024];
	snprintf(data, sizeof data, "%s/data", root ? root : "../shared/parquet-testing");
	snprintf(bad, sizeof bad, "%s/bad_data", root ? root : "../shared/parquet-testing");
	int n = corpus_dir(data, false);
	if (n < 0) {
		printf("test_reader_source: %s is absent, the corpus part is skipped\n", data);
		return false;
	}
	int nb = corpus_dir(bad, true);
	printf("test_reader_source: %d corpus files and %d bad_data files read alike through a source\n", n, nb);
	CHECK(n > 40);
	CHECK(nb > 3);
	return true;
}

/* ---- a generated file: 20 columns, 4 row groups, page indexes, a bloom filter ---- */

#define NCOLS 20
#define RG_ROWS 20000
#define NRG 4
#define NROWS (RG_ROWS * NRG)

static char gen_path[256];

static void write_generated(void)
{
	parq_schema *s;
	CHECK_OK(parq_schema_new(&s));
	parq_logical str = parq_lt_string();
	CHECK_OK(parq_schema_add_leaf(s, NULL, "c0", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "c1", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &str, 0, NULL));
	for (int c = 2; c < NCOLS; c++) {
		char name[8];
		snprintf(name, sizeof name, "c%d", c);
		CHECK_OK(parq_schema_add_leaf(s, NULL, name, PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	}
	CHECK_OK(parq_schema_finish(s));
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	o.row_group_rows = RG_ROWS;
	o.page_rows = 1000;
	parq_column_options co;
	parq_column_options_default(&co, 1);
	co.bloom_fpp = 0.01;
	o.columns = &co;
	o.n_columns = 1;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, gen_path, s, &o));
	static int64_t cols[NCOLS][NROWS];
	static parq_bytes names[NROWS];
	static int16_t defs[NROWS];
	static char text[NROWS][16];
	int64_t nv = 0;
	for (int64_t i = 0; i < NROWS; i++) {
		for (int c = 0; c < NCOLS; c++)
			cols[c][i] = c == 0 ? i : (i * (c + 1) * 2654435761u) % 1000003;
		defs[i] = i % 7 != 3;
		if (defs[i]) {
			/* 50 hosts per row group, other ones in each */
			int len = snprintf(text[nv], sizeof text[nv], "h%lld", (long long)(i / RG_ROWS * 100 + i % 50));
			names[nv] = (parq_bytes){(const uint8_t *)text[nv], (uint32_t)len};
			nv++;
		}
	}
	parq_column_batch b[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		b[c] = (parq_column_batch){.num_rows = NROWS, .num_levels = NROWS, .num_values = NROWS, .values = cols[c]};
	b[1] = (parq_column_batch){.num_rows = NROWS, .num_levels = NROWS, .num_values = nv, .def_levels = defs,
	                           .bytes = names};
	CHECK_OK(parq_writer_write(w, b, NROWS));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
}

/* Where a column chunk lies, from the footer. */
static parq_range chunk_of(const parq_file_meta *fm, int rg, int leaf)
{
	const parq_meta_column *m = &fm->row_groups[rg].columns[leaf].meta;
	int64_t start = m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
	                m->dictionary_page_offset < m->data_page_offset ? m->dictionary_page_offset
	                                                                 : m->data_page_offset;
	return (parq_range){start, m->total_compressed_size};
}

/* Reads all rows of a scan; returns the count and a digest of the rows' c0
 * and the first field. */
static int64_t drain(parq_scan *s, uint64_t *h)
{
	int64_t n = 0;
	*h = 0xcbf29ce484222325ull;
	const parq_value *row;
	for (;;) {
		int rc = parq_scan_next(s, &row);
		CHECK_OK(rc);
		if (rc || !row)
			break;
		for (uint32_t i = 0; i < row->u.list.n; i++) {
			const parq_value *v = &row->u.list.items[i];
			*h = fnv(*h, &v->kind, sizeof v->kind);
			if (v->kind == PARQ_V_INT64)
				*h = fnv(*h, &v->u.i64, 8);
			else if (v->kind == PARQ_V_BYTES)
				*h = fnv(*h, v->u.bytes.ptr, v->u.bytes.len);
		}
		n++;
	}
	return n;
}

static uint8_t *gen;
static size_t gen_len;

/* The same scan on a path reader and on a strict source; returns the
 * source's counters after the open. */
static int64_t scan_both(const char *expr, const char *const *fields, int n_fields, const int *rgs, int n_rgs,
                         msrc *m, parq_scan_stats *st)
{
	parq_pred *p = NULL;
	if (expr)
		CHECK_OK(parq_pred_parse(&p, expr));
	parq_reader *pr, *sr;
	CHECK_OK(parq_reader_open(&pr, gen_path, NULL));
	m_init(m, gen, (int64_t)gen_len);
	CHECK_OK(m_open(&sr, m, m->size, "gen.parquet"));
	m_reset(m);
	m->strict = true;
	parq_scan *a, *b;
	CHECK_OK(parq_scan_open_row_groups(&a, pr, p, fields, n_fields, rgs, n_rgs));
	CHECK_OK(parq_scan_open_row_groups(&b, sr, p, fields, n_fields, rgs, n_rgs));
	uint64_t ha, hb;
	int64_t na = drain(a, &ha), nb = drain(b, &hb);
	CHECK_EQ_INT(na, nb);
	CHECK(ha == hb);
	CHECK_EQ_INT(m->outside, 0);
	CHECK(!m->bad_hint);
	parq_scan_get_stats(b, st);
	parq_scan_close(a);
	parq_scan_close(b);
	parq_reader_close(pr);
	parq_reader_close(sr);
	parq_pred_free(p);
	return nb;
}

static void test_open_reads(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	parq_reader *r;
	CHECK_OK(m_open(&r, &m, m.size, "gen.parquet"));
	/* the footer and its length in one read of the last 64 KiB, and no
	 * read of the magic at the start: each read of a source is a request */
	const parq_file_meta *fm = parq_reader_metadata(r);
	(void)fm;
	CHECK_EQ_INT(m.reads, 1);
	CHECK_EQ_INT(m.log[0].len, 65536);
	CHECK_EQ_INT(m.log[0].off, (int64_t)gen_len - 65536);
	CHECK_EQ_INT(m.prefetches, 0);
	CHECK_EQ_INT(parq_reader_file_size(r), (int64_t)gen_len);
	CHECK_EQ_INT(parq_reader_num_rows(r), NROWS);
	CHECK_EQ_INT(parq_reader_num_row_groups(r), NRG);
	/* raw reads go to the source as one read */
	uint8_t head[4];
	m_reset(&m);
	CHECK_OK(parq_reader_pread(r, head, 4, (int64_t)gen_len - 4));
	CHECK_MEM(head, "PAR1", 4);
	CHECK_EQ_INT(m.reads, 1);
	parq_reader_close(r);
	m_free(&m);
}

/* 2 of 20 columns: what is read is exactly those chunks, prefetched one
 * row group at a time. */
static void test_projection(void)
{
	msrc m;
	parq_scan_stats st;
	const char *f[] = {"c3", "c7"};
	int64_t n = scan_both(NULL, f, 2, NULL, -1, &m, &st);
	CHECK_EQ_INT(n, NROWS);
	parq_reader *pr;
	CHECK_OK(parq_reader_open(&pr, gen_path, NULL));
	const parq_file_meta *fm = parq_reader_metadata(pr);
	int64_t want = 0;
	for (int g = 0; g < NRG; g++) {
		parq_range a = chunk_of(fm, g, 3), b = chunk_of(fm, g, 7);
		want += a.len + b.len;
		for (size_t i = 0; i < m.n_log; i++)
			if (m.log[i].off >= a.off && m.log[i].off < a.off + a.len)
				CHECK(m.log[i].off + m.log[i].len <= a.off + a.len);
	}
	/* each prefetch: the two chunks of one row group */
	CHECK_EQ_INT(m.prefetches, NRG);
	CHECK_EQ_INT(m.n_pf, 2 * NRG);
	int64_t prefetched = union_bytes(m.pf, m.n_pf);
	CHECK_EQ_INT(prefetched, want);
	/* every read inside them (strict), and together they read them whole */
	CHECK_EQ_INT(union_bytes(m.log, m.n_log), want);
	printf("test_reader_source: 2 of 20 columns: %d reads, %lld distinct bytes, %lld bytes of chunks, file %zu bytes\n",
	       (int)m.n_log, (long long)union_bytes(m.log, m.n_log), (long long)want, gen_len);
	CHECK(want < (int64_t)gen_len / 5);
	parq_reader_close(pr);
	m_free(&m);
}

/* Statistics keep one row group of four: only its chunks (and the page
 * indexes its pruning reads) are read, in 2 prefetches. */
static void test_selective(void)
{
	msrc m;
	parq_scan_stats st;
	const char *f[] = {"c0", "c5"};
	int64_t n = scan_both("c0 >= 45000 AND c0 < 45100", f, 2, NULL, -1, &m, &st);
	CHECK_EQ_INT(n, 100);
	CHECK_EQ_INT(st.row_groups_skipped, NRG - 1);
	CHECK_EQ_INT(st.rows_matched, 100);
	CHECK_EQ_INT(m.prefetches, 2);
	parq_reader *pr;
	CHECK_OK(parq_reader_open(&pr, gen_path, NULL));
	const parq_file_meta *fm = parq_reader_metadata(pr);
	for (size_t i = 0; i < m.n_log; i++) {
		const parq_range *l = &m.log[i];
		bool ok = false;
		for (int leaf = 0; leaf < NCOLS && !ok; leaf++) {
			parq_range c = chunk_of(fm, 2, leaf);
			const parq_meta_chunk *ch = &fm->row_groups[2].columns[leaf];
			bool used = leaf == 0 || leaf == 5;
			if (used && l->off >= c.off && l->off + l->len <= c.off + c.len)
				ok = true;
			if (used && l->off >= ch->offset_index_offset &&
			    l->off + l->len <= ch->offset_index_offset + ch->offset_index_length)
				ok = true;
			if (used && l->off >= ch->column_index_offset &&
			    l->off + l->len <= ch->column_index_offset + ch->column_index_length)
				ok = true;
		}
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "read of %lld bytes at %lld outside row group 2's chunks of c0 and c5\n",
			        (long long)l->len, (long long)l->off);
	}
	parq_reader_close(pr);
	m_free(&m);
}

/* Rows whose c1 is "h<k>" (see write_generated). */
static int64_t rows_named(int k)
{
	int64_t n = 0;
	for (int64_t i = 0; i < NROWS; i++)
		n += i % 7 != 3 && i / RG_ROWS * 100 + i % 50 == k;
	return n;
}

/* A strict source serves scans of every kind: bloom filters and
 * dictionaries, page indexes, counts, chosen row groups. */
static void test_strict_scans(void)
{
	msrc m;
	parq_scan_stats st;
	const char *f[] = {"c0", "c1", "c19"};
	/* h7 lives in row group 0 only: the others fall by bloom filter or dictionary */
	CHECK_EQ_INT(scan_both("c1 = 'h7'", f, 3, NULL, -1, &m, &st), rows_named(7));
	CHECK_EQ_INT(st.row_groups_skipped, NRG - 1);
	CHECK(m.prefetches <= 3 * NRG);
	{
		/* c1's chunks are small and all dictionary: the pruning's
		 * prefetch brings each whole, and no bloom filter is read
		 * where the dictionary decides */
		parq_reader *pr;
		CHECK_OK(parq_reader_open(&pr, gen_path, NULL));
		const parq_file_meta *fm = parq_reader_metadata(pr);
		for (int g = 0; g < NRG; g++) {
			parq_range c = chunk_of(fm, g, 1);
			CHECK(c.len <= (64 << 10));
			/* the other row groups fall by their statistics ("h7" is
			 * past their maximum) before anything is prefetched */
			CHECK(inside(m.pf, m.n_pf, c.off, c.len) == (g == 0));
			const parq_meta_column *mc = &fm->row_groups[g].columns[1].meta;
			REQUIRE(mc->has_bloom_filter_offset);
			/* no range prefetched or read holds the filter's first byte */
			CHECK(!inside(m.pf, m.n_pf, mc->bloom_filter_offset, 1));
			CHECK(!inside(m.log, m.n_log, mc->bloom_filter_offset, 1));
		}
		parq_reader_close(pr);
	}
	m_free(&m);
	CHECK_EQ_INT(scan_both("c1 IN ('h107', 'h349') OR c0 < 3", NULL, -1, NULL, -1, &m, &st),
	             rows_named(107) + rows_named(349) + 3);
	m_free(&m);
	/* pages pruned by the page index of c0: the skipped pages are jumped */
	CHECK_EQ_INT(scan_both("c0 >= 61500 AND c0 < 61600 OR c0 >= 78000", f, 3, NULL, -1, &m, &st), 2100);
	CHECK(st.pages_skipped > 0);
	CHECK(m.prefetches <= 4);
	m_free(&m);
	int rgs[] = {1, 3};
	int64_t want = 0;
	for (int64_t i = 0; i < NROWS; i++)
		want += (i / RG_ROWS == 1 || i / RG_ROWS == 3) && (i * 3 * 2654435761u) % 1000003 > 500000;
	CHECK_EQ_INT(scan_both("c2 > 500000", NULL, -1, rgs, 2, &m, &st), want);
	CHECK_EQ_INT(st.row_groups, 2);
	CHECK(m.prefetches <= 2 * 2);
	m_free(&m);

	/* count over the predicate's columns only */
	parq_pred *p;
	CHECK_OK(parq_pred_parse(&p, "c0 >= 1000 AND c1 STARTS WITH 'h4'"));
	int64_t na = 0, nb = 0;
	parq_reader *pr, *sr;
	CHECK_OK(parq_reader_open(&pr, gen_path, NULL));
	m_init(&m, gen, (int64_t)gen_len);
	CHECK_OK(m_open(&sr, &m, m.size, "gen.parquet"));
	m_reset(&m);
	m.strict = true;
	parq_scan *a, *b;
	CHECK_OK(parq_scan_open(&a, pr, p, NULL, -1));
	CHECK_OK(parq_scan_open(&b, sr, p, NULL, -1));
	CHECK_OK(parq_scan_count(a, &na));
	CHECK_OK(parq_scan_count(b, &nb));
	CHECK_EQ_INT(na, nb);
	CHECK(na > 0);
	CHECK_EQ_INT(m.outside, 0);
	CHECK(m.prefetches <= 2 * NRG);
	parq_scan_close(a);
	parq_scan_close(b);
	/* the same count with what it reads fetched first, where the scan was
	 * opened (parq_scan_prefetch_count): the count asks for nothing more */
	static const char *const no_field[1] = {NULL};
	m_reset(&m);
	m.strict = true;
	CHECK_OK(parq_scan_open(&b, sr, p, no_field, 0));
	CHECK_OK(parq_scan_prefetch_count(b));
	int fetched_first = m.prefetches;
	CHECK(fetched_first >= 1);
	CHECK_OK(parq_scan_count(b, &nb));
	CHECK_EQ_INT(nb, na);
	CHECK_EQ_INT(m.prefetches, fetched_first);
	CHECK_EQ_INT(m.outside, 0);
	parq_scan_close(b);
	parq_pred_free(p);

	/* a count that projects nothing: c0's chunks (small) come whole in
	 * the pruning's prefetch and their page index is not fetched (one
	 * request fewer per file on a bucket); the count is the same, and
	 * the same with every column projected, which reads the index */
	static const char *const none[1] = {NULL};
	CHECK_OK(parq_pred_parse(&p, "c0 >= 61500 AND c0 < 61600 OR c0 >= 78000"));
	for (int proj = 0; proj < 2; proj++) {
		m_reset(&m);
		m.strict = true;
		CHECK_OK(parq_scan_open(&b, sr, p, proj ? NULL : none, proj ? -1 : 0));
		CHECK_OK(parq_scan_count(b, &nb));
		CHECK_EQ_INT(nb, 2100);
		CHECK_EQ_INT(m.outside, 0);
		const parq_file_meta *fm = parq_reader_metadata(sr);
		int whole = 0, index_read = 0;
		for (int g = 0; g < NRG; g++) {
			parq_range c = chunk_of(fm, g, 0);
			const parq_meta_chunk *ch = &fm->row_groups[g].columns[0];
			REQUIRE(ch->has_column_index_offset);
			if (!inside(m.pf, m.n_pf, c.off, c.len))
				continue;
			whole++;
			index_read += inside(m.pf, m.n_pf, ch->column_index_offset, 1) ||
			              inside(m.log, m.n_log, ch->column_index_offset, 1);
		}
		CHECK(whole > 0);
		CHECK_EQ_INT(index_read, proj ? whole : 0);
		parq_scan_close(b);
	}

	/* a row reader alone: one prefetch per row group */
	m_reset(&m);
	parq_row_reader *rr;
	const char *rf[] = {"c1", "c2"};
	CHECK_OK(parq_row_reader_open(&rr, sr, rf, 2));
	int64_t rows = 0;
	const parq_value *row;
	while (parq_row_reader_next(rr, &row) == 0 && row)
		rows++;
	CHECK_EQ_INT(rows, NROWS);
	CHECK_EQ_INT(m.outside, 0);
	CHECK_EQ_INT(m.prefetches, NRG);
	CHECK_EQ_INT(m.n_pf, NRG); /* c1 and c2 lie side by side: one range */
	parq_row_reader_close(rr);

	/* a plain column read over chosen row groups: one prefetch per chunk */
	m_reset(&m);
	digest da, db;
	memset(&da, 0, sizeof da);
	memset(&db, 0, sizeof db);
	digest_reader(pr, rgs, 2, &da);
	digest_reader(sr, rgs, 2, &db);
	CHECK_OK(da.rc);
	CHECK_OK(db.rc);
	CHECK(da.h == db.h);
	CHECK_EQ_INT(db.rows, 2 * RG_ROWS * NCOLS);
	CHECK_EQ_INT(m.outside, 0);
	CHECK_EQ_INT(m.prefetches, 2 * NCOLS);

	/* a column reader alone that skips to the end of a chunk (the last
	 * record of a file) fetches the pages from the one it lands on, and
	 * the dictionary, not the pages it passes; the values are the path
	 * reader's */
	for (int leaf = 1; leaf <= 2; leaf++) {
		m_reset(&m);
		m.strict = false; /* the offset index is read on its own, to find the page */
		int rg[1] = {2};
		parq_column_reader *ca, *cb;
		CHECK_OK(parq_column_reader_open(&ca, pr, leaf, rg, 1));
		CHECK_OK(parq_column_reader_open(&cb, sr, leaf, rg, 1));
		int64_t ga, gb;
		CHECK_OK(parq_column_reader_skip(ca, RG_ROWS - 300, &ga));
		CHECK_OK(parq_column_reader_skip(cb, RG_ROWS - 300, &gb));
		CHECK_EQ_INT(gb, RG_ROWS - 300);
		CHECK_EQ_INT(ga, gb);
		parq_column_batch x, y;
		CHECK_OK(parq_column_reader_read(ca, 1000, &x));
		CHECK_OK(parq_column_reader_read(cb, 1000, &y));
		CHECK_EQ_INT(y.num_rows, 300);
		CHECK_EQ_INT(x.num_values, y.num_values);
		int bad = 0;
		for (int64_t i = 0; i < y.num_values && i < x.num_values; i++)
			bad += leaf == 2 ? ((const int64_t *)x.values)[i] != ((const int64_t *)y.values)[i]
			                 : x.bytes[i].len != y.bytes[i].len || memcmp(x.bytes[i].ptr, y.bytes[i].ptr, x.bytes[i].len);
		CHECK_EQ_INT(bad, 0);
		if (leaf == 2)
			CHECK_EQ_INT(((const int64_t *)y.values)[0], ((int64_t)(3 * RG_ROWS - 300) * 3 * 2654435761u) % 1000003);
		const parq_file_meta *fm = parq_reader_metadata(sr);
		parq_range c = chunk_of(fm, 2, leaf);
		const parq_meta_column *mc = &fm->row_groups[2].columns[leaf].meta;
		int64_t first_data = mc->data_page_offset, fetched = 0;
		for (size_t i = 0; i < m.n_pf; i++)
			if (m.pf[i].off < c.off + c.len && m.pf[i].off + m.pf[i].len > c.off)
				fetched += m.pf[i].len;
		CHECK(!inside(m.pf, m.n_pf, first_data, 1));
		CHECK(fetched > 0 && fetched < c.len / 4);
		if (leaf == 1) /* its dictionary: the chunk's first bytes */
			CHECK(inside(m.pf, m.n_pf, c.off, 1));
		parq_column_reader_close(ca);
		parq_column_reader_close(cb);
	}
	parq_reader_close(pr);
	parq_reader_close(sr);
	parq_pred_free(p);
	m_free(&m);
}

/* An append whose base is a source reader copies the base through memory. */
static void test_append_from_source(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	parq_reader *sr;
	CHECK_OK(m_open(&sr, &m, m.size, "gen.parquet"));
	char out[300];
	snprintf(out, sizeof out, "%s/appended.parquet", dir);
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	parq_writer *w;
	CHECK_OK(parq_writer_open_append(&w, sr, -1, fd, out, NULL, NULL));
	CHECK_OK(parq_writer_close(w, NULL));
	close(fd);
	digest a, b;
	digest_path(gen_path, &a);
	digest_path(out, &b);
	CHECK_OK(b.rc);
	CHECK(a.h == b.h);
	CHECK_EQ_INT(b.rows, (int64_t)NROWS * NCOLS);
	parq_reader_close(sr);
	m_free(&m);
}

/* A source that fails: the error names the source and the range. */
static void test_failing(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	parq_reader *r;
	CHECK_OK(m_open(&r, &m, m.size, "s3://bucket/gen.parquet"));
	const parq_file_meta *fm = parq_reader_metadata(r);
	parq_range c = chunk_of(fm, 1, 4);
	m.fail_from = c.off + 10;
	int rgs[] = {1};
	parq_column_reader *cr;
	CHECK_OK(parq_column_reader_open(&cr, r, 4, rgs, 1));
	parq_column_batch b;
	int rc = parq_column_reader_read(cr, 100, &b);
	CHECK_EQ_INT(rc, PARQ_EIO);
	char want[200];
	snprintf(want, sizeof want, "s3://bucket/gen.parquet: read of %lld bytes at offset %lld failed: %s",
	         (long long)(c.len < 65536 ? c.len : 65536), (long long)c.off, strerror(EIO));
	CHECK(strstr(parq_errmsg(), want) != NULL);
	if (!strstr(parq_errmsg(), want))
		fprintf(stderr, "message: %s\nwanted: %s\n", parq_errmsg(), want);
	CHECK(strstr(parq_errmsg(), "column 'c4'") != NULL);
	parq_column_reader_close(cr);
	parq_reader_close(r);
	m_free(&m);

	/* the footer's read fails: named too */
	m_init(&m, gen, (int64_t)gen_len);
	m.fail_from = 0;
	CHECK_EQ_INT(m_open(&r, &m, m.size, "gen.parquet"), PARQ_EIO);
	snprintf(want, sizeof want, "gen.parquet: read of 65536 bytes at offset %lld failed", (long long)gen_len - 65536);
	CHECK(strstr(parq_errmsg(), want) != NULL);
	m_free(&m);

	/* no read_at, a negative size */
	parq_source s = {.size = -1, .read_at = m_read, .ud = &m};
	CHECK_EQ_INT(parq_reader_open_source(&r, &s, "x", NULL), PARQ_EINVAL);
	s.size = 10;
	s.read_at = NULL;
	CHECK_EQ_INT(parq_reader_open_source(&r, &s, "x", NULL), PARQ_EINVAL);
}

static int fail_prefetch(void *ud, const parq_range *r, size_t n)
{
	(void)ud;
	(void)r;
	(void)n;
	errno = ECONNRESET;
	return PARQ_EIO;
}

static void test_failing_prefetch(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	parq_source s = {.size = (int64_t)gen_len, .read_at = m_read, .prefetch = fail_prefetch, .ud = &m};
	parq_reader *r;
	CHECK_OK(parq_reader_open_source(&r, &s, "gen.parquet", NULL));
	parq_scan *sc;
	const char *f[] = {"c3"};
	CHECK_OK(parq_scan_open(&sc, r, NULL, f, 1));
	const parq_value *row;
	CHECK_EQ_INT(parq_scan_next(sc, &row), PARQ_EIO);
	CHECK(strstr(parq_errmsg(), "gen.parquet: prefetch of 1 ranges") != NULL);
	CHECK(strstr(parq_errmsg(), strerror(ECONNRESET)) != NULL);
	parq_scan_close(sc);
	/* a predicate's pruning prefetch fails at the scan's open */
	parq_pred *p;
	CHECK_OK(parq_pred_parse(&p, "c1 = 'h7'"));
	CHECK_EQ_INT(parq_scan_open(&sc, r, p, f, 1), PARQ_EIO);
	CHECK(strstr(parq_errmsg(), "row groups' indexes and dictionaries: gen.parquet: prefetch of") != NULL);
	parq_pred_free(p);
	parq_reader_close(r);
	m_free(&m);
}

/* Sources whose size is smaller than the footer claims. */
static void test_lying_size(void)
{
	msrc m;
	parq_reader *r;
	uint32_t flen;
	memcpy(&flen, gen + gen_len - 8, 4);
	/* the size cuts off the end: no magic where the end should be */
	m_init(&m, gen, (int64_t)gen_len);
	CHECK_EQ_INT(m_open(&r, &m, (int64_t)gen_len - 1000, "short.parquet"), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "short.parquet: not a Parquet file") != NULL);
	m_free(&m);
	/* the footer alone behind a magic: its chunks lie past the end */
	size_t n = 4 + flen + 8;
	uint8_t *buf = malloc(n);
	REQUIRE(buf);
	memcpy(buf, "PAR1", 4);
	memcpy(buf + 4, gen + gen_len - 8 - flen, flen + 8);
	m_init(&m, buf, (int64_t)n);
	CHECK_EQ_INT(m_open(&r, &m, (int64_t)n, "footer.parquet"), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "footer.parquet: row group 0 column '") != NULL);
	CHECK(strstr(parq_errmsg(), "' points past the end of the file") != NULL);
	m_free(&m);
	/* a footer longer than the whole source */
	memcpy(buf + 4, gen + gen_len - 108, 108);
	m_init(&m, buf, 112);
	CHECK_EQ_INT(m_open(&r, &m, 112, "tail.parquet"), PARQ_ECORRUPT);
	char want[120];
	snprintf(want, sizeof want, "tail.parquet: footer length %u exceeds the file size (112 bytes)", flen);
	CHECK(strstr(parq_errmsg(), want) != NULL);
	m_free(&m);
	/* too small for a file */
	m_init(&m, buf, 8);
	CHECK_EQ_INT(m_open(&r, &m, 8, "tiny.parquet"), PARQ_ECORRUPT);
	CHECK(strstr(parq_errmsg(), "tiny.parquet: 8 bytes is too small") != NULL);
	m_free(&m);
	free(buf);
}

/* read_all: the whole source in one read at open, nothing after. */
static void test_read_all(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	parq_source s = {.size = (int64_t)gen_len, .read_at = m_read, .prefetch = m_prefetch, .ud = &m};
	parq_reader_options o;
	parq_reader_options_default(&o);
	o.read_all = true;
	parq_reader *r;
	CHECK_OK(parq_reader_open_source(&r, &s, "gen.parquet", &o));
	CHECK_EQ_INT(m.reads, 1);
	CHECK_EQ_INT(m.log[0].len, (int64_t)gen_len);
	m_reset(&m);
	digest a, b;
	memset(&b, 0, sizeof b);
	digest_reader(r, NULL, -1, &b);
	digest_path(gen_path, &a);
	CHECK_OK(b.rc);
	CHECK(a.h == b.h);
	CHECK_EQ_INT(m.reads, 0);
	CHECK_EQ_INT(m.prefetches, 0);
	parq_reader_close(r);
	m_free(&m);
}

/* Readers on one ud in several threads: the source is called from all of
 * them at once and each reads what the path reader reads. */
static int ro_read(void *ud, void *buf, size_t len, int64_t off)
{
	const msrc *m = ud;
	if (off < 0 || off + (int64_t)len > m->size)
		return PARQ_EIO;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int ro_prefetch(void *ud, const parq_range *r, size_t n)
{
	const msrc *m = ud;
	for (size_t i = 0; i < n; i++)
		if (r[i].off < 0 || r[i].off + r[i].len > m->size)
			return PARQ_EIO;
	return 0;
}

typedef struct job {
	msrc *m;
	digest d;
	int64_t matched;
} job;

static void *run_job(void *arg)
{
	job *j = arg;
	parq_source s = {.size = j->m->size, .read_at = ro_read, .prefetch = ro_prefetch, .ud = j->m};
	parq_reader *r;
	memset(&j->d, 0, sizeof j->d);
	if ((j->d.rc = parq_reader_open_source(&r, &s, "gen.parquet", NULL)))
		return NULL;
	digest_reader(r, NULL, -1, &j->d);
	parq_pred *p;
	parq_scan *sc;
	if (!parq_pred_parse(&p, "c1 STARTS WITH 'h2'")) {
		if (!parq_scan_open(&sc, r, p, NULL, -1)) {
			if (parq_scan_count(sc, &j->matched))
				j->matched = -1;
			parq_scan_close(sc);
		}
		parq_pred_free(p);
	}
	parq_reader_close(r);
	return NULL;
}

static void test_threads(void)
{
	msrc m;
	m_init(&m, gen, (int64_t)gen_len);
	job jobs[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (job){.m = &m};
		REQUIRE(pthread_create(&t[i], NULL, run_job, &jobs[i]) == 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	digest a;
	digest_path(gen_path, &a);
	int64_t want = 0;
	/* h2, h20 to h29 in row group 0, h200 to h249 in row group 2 */
	for (int k = 0; k < 400; k++)
		if (k == 2 || (k >= 20 && k < 30) || (k >= 200 && k < 250))
			want += rows_named(k);
	for (int i = 0; i < 4; i++) {
		CHECK_OK(jobs[i].d.rc);
		CHECK(jobs[i].d.h == a.h);
		CHECK_EQ_INT(jobs[i].matched, want);
	}
	m_free(&m);
}

/* A substring test on a string chunk without nulls can rule out no page:
 * its page index is not read; a test by bounds on the same chunk reads it. */
static void test_index_left_out(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/urls.parquet", dir);
	parq_schema *s;
	parq_logical str = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "u", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &str, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	enum { N = 20000 };
	static char text[N][40];
	static parq_bytes u[N];
	int64_t admin = 0;
	for (int i = 0; i < N; i++) {
		int len = snprintf(text[i], sizeof text[i], "https://h%d.example.com/%s/%d", i % 97, i % 13 ? "p" : "admin", i);
		u[i] = (parq_bytes){(const uint8_t *)text[i], (uint32_t)len};
		admin += i % 13 == 0;
	}
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.page_rows = 1000;
	parq_writer *w;
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	parq_column_batch b = {.num_rows = N, .num_levels = N, .num_values = N, .bytes = u};
	CHECK_OK(parq_writer_write(w, &b, N));
	CHECK_OK(parq_writer_close(w, NULL));
	parq_schema_free(s);
	size_t len;
	uint8_t *data = slurp(path, &len);
	REQUIRE(data);
	msrc m;
	m_init(&m, data, (int64_t)len);
	parq_reader *r;
	CHECK_OK(m_open(&r, &m, m.size, "urls.parquet"));
	const parq_meta_chunk *ch = &parq_reader_metadata(r)->row_groups[0].columns[0];
	REQUIRE(ch->has_column_index_offset);
	const char *exprs[] = {"u CONTAINS 'admin'", "u >= 'https://h5'"};
	for (int k = 0; k < 2; k++) {
		parq_pred *p;
		CHECK_OK(parq_pred_parse(&p, exprs[k]));
		m_reset(&m);
		parq_scan *sc;
		CHECK_OK(parq_scan_open(&sc, r, p, NULL, -1));
		int64_t n = 0;
		CHECK_OK(parq_scan_count(sc, &n));
		if (k == 0)
			CHECK_EQ_INT(n, admin);
		else
			CHECK(n > 0 && n < N);
		bool index = inside(m.pf, m.n_pf, ch->column_index_offset, 1) || inside(m.log, m.n_log, ch->column_index_offset, 1);
		CHECK_EQ_INT(index, k == 1);
		parq_scan_close(sc);
		parq_pred_free(p);
	}
	parq_reader_close(r);
	m_free(&m);
	free(data);
	unlink(path);
}

int main(void)
{
	REQUIRE(mkdtemp(dir));
	snprintf(gen_path, sizeof gen_path, "%s/gen.parquet", dir);
	write_generated();
	gen = slurp(gen_path, &gen_len);
	REQUIRE(gen);
	test_open_reads();
	test_projection();
	test_selective();
	test_strict_scans();
	test_index_left_out();
	test_append_from_source();
	test_failing();
	test_failing_prefetch();
	test_lying_size();
	test_read_all();
	test_threads();
	bool corpus = test_corpus();
	free(gen);
	unlink(gen_path);
	char out[300];
	snprintf(out, sizeof out, "%s/appended.parquet", dir);
	unlink(out);
	rmdir(dir);
	int rc = test_report("test_reader_source");
	if (!rc && !corpus) {
		if (getenv("CI")) {
			printf("test_reader_source: the corpus must be there in CI\n");
			return 1;
		}
		return 77;
	}
	return rc;
}
