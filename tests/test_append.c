/* Appending writers: files grown from an existing file without decoding it.
 * The copied row groups keep their bytes and offsets, new row groups follow,
 * every value reads back, statistics and page indexes of old and new row
 * groups still prune correctly, merging of trailing row groups, schema
 * checks, I/O failures, and foreign files (parquet-testing) re-footered. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parq/meta.h"
#include "parq/parq.h"
#include "test.h"

static char dir[] = "/tmp/parq_append_XXXXXX";

/* ---- a schema of the kinds a history file has, plus a list ---- */

enum { C_ID, C_NAME, C_BLOB, C_TAGS, NCOLS };

static parq_schema *make_schema(void)
{
	parq_schema *s;
	parq_logical str = parq_lt_string();
	CHECK_OK(parq_schema_new(&s));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "name", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &str, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(s, NULL, "blob", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_list(s, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &str, 0, NULL));
	CHECK_OK(parq_schema_finish(s));
	return s;
}

/* Row i's values are a function of i, so any row can be checked alone. */
static void row_name(int64_t i, char *buf, size_t cap) { snprintf(buf, cap, "name-%06lld", (long long)i); }
static bool has_name(int64_t i) { return i % 7 != 3; }
static bool has_blob(int64_t i) { return i % 5 != 0; }
static size_t blob_len(int64_t i) { return (size_t)(i * 37 % 3000); }
static uint8_t blob_byte(int64_t i, size_t k) { return (uint8_t)(i * 31 + (int64_t)k * 7); }
static int n_tags(int64_t i) { return i % 4 == 1 ? -1 : (int)(i % 3); } /* -1: null list */

typedef struct batch {
	int64_t ids[4096];
	int16_t def_name[4096], def_blob[4096];
	parq_bytes names[4096], blobs[4096];
	char namebuf[4096][16];
	uint8_t *blobbuf;
	int16_t tag_def[4096 * 3], tag_rep[4096 * 3];
	parq_bytes tags[4096 * 3];
	parq_column_batch col[NCOLS];
} batch;

static const char *TAGS[] = {"alpha", "beta", "gamma"};

/* Builds the batch of rows [from, from + n). */
static void build(batch *r, int64_t from, int64_t n)
{
	free(r->blobbuf);
	r->blobbuf = malloc(3000 * (size_t)n + 1);
	size_t nn = 0, nb = 0, boff = 0, nl = 0, nt = 0;
	for (int64_t k = 0; k < n; k++) {
		int64_t i = from + k;
		r->ids[k] = i;
		r->def_name[k] = has_name(i);
		if (has_name(i)) {
			row_name(i, r->namebuf[nn], sizeof r->namebuf[nn]);
			r->names[nn] = (parq_bytes){(const uint8_t *)r->namebuf[nn], (uint32_t)strlen(r->namebuf[nn])};
			nn++;
		}
		r->def_blob[k] = has_blob(i);
		if (has_blob(i)) {
			size_t len = blob_len(i);
			for (size_t j = 0; j < len; j++)
				r->blobbuf[boff + j] = blob_byte(i, j);
			r->blobs[nb++] = (parq_bytes){r->blobbuf + boff, (uint32_t)len};
			boff += len;
		}
		int t = n_tags(i);
		if (t < 0) {
			r->tag_def[nl] = 0;
			r->tag_rep[nl++] = 0;
		} else if (t == 0) {
			r->tag_def[nl] = 1;
			r->tag_rep[nl++] = 0;
		} else {
			for (int j = 0; j < t; j++) {
				r->tag_rep[nl] = j ? 1 : 0;
				r->tag_def[nl] = (int16_t)((i + j) % 5 == 0 ? 2 : 3); /* some null elements */
				if (r->tag_def[nl] == 3) {
					const char *s = TAGS[(i + j) % 3];
					r->tags[nt++] = (parq_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
				}
				nl++;
			}
		}
	}
	r->col[C_ID] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = n, .values = r->ids};
	r->col[C_NAME] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = (int64_t)nn,
	                                     .def_levels = r->def_name, .bytes = r->names};
	r->col[C_BLOB] = (parq_column_batch){.num_rows = n, .num_levels = n, .num_values = (int64_t)nb,
	                                     .def_levels = r->def_blob, .bytes = r->blobs};
	r->col[C_TAGS] = (parq_column_batch){.num_rows = n, .num_levels = (int64_t)nl, .num_values = (int64_t)nt,
	                                     .def_levels = r->tag_def, .rep_levels = r->tag_rep, .bytes = r->tags};
}

static void write_rows(parq_writer *w, batch *r, int64_t from, int64_t n, int64_t per_rg)
{
	for (int64_t at = 0; at < n; at += per_rg) {
		int64_t m = n - at < per_rg ? n - at : per_rg;
		build(r, from + at, m);
		CHECK_OK(parq_writer_write(w, r->col, m));
		CHECK_OK(parq_writer_flush_row_group(w));
	}
}

static void options(parq_writer_options *o, parq_column_options *co)
{
	parq_writer_options_default(o);
	o->page_rows = 40; /* several pages per chunk, so the page index matters */
	/* every chunk gets its index and bloom filter, however small: their
	 * moves are what is tested */
	o->page_index_min_pages = 1;
	o->bloom_min_values = 0;
	parq_column_options_default(&co[0], C_NAME);
	co[0].bloom_fpp = 0.01;
	o->columns = co;
	o->n_columns = 1;
}

/* Writes rows [0, n) in row groups of per_rg rows to path. */
static void write_file(const char *path, const parq_schema *s, int64_t n, int64_t per_rg)
{
	parq_writer_options o;
	parq_column_options co[1];
	options(&o, co);
	parq_writer *w;
	batch *r = calloc(1, sizeof *r);
	CHECK_OK(parq_writer_open(&w, path, s, &o));
	CHECK_OK(parq_writer_set_kv(w, "origin", "first"));
	CHECK_OK(parq_writer_set_kv(w, "kept", "yes"));
	write_rows(w, r, 0, n, per_rg);
	CHECK_OK(parq_writer_close(w, NULL));
	free(r->blobbuf);
	free(r);
}

/* Appends rows [from, from + n) as row groups of per_rg rows to the file at
 * path, keeping `keep` of its row groups; the result replaces path. With
 * `merge`, the rows of the dropped row groups are written again first. */
static int append_file(const char *path, const parq_schema *s, int keep, int64_t from, int64_t n, int64_t per_rg,
                       const parq_io *io, const char *origin)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	parq_reader *base;
	int rc = parq_reader_open(&base, path, NULL);
	if (rc)
		return rc;
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0);
	parq_writer_options o;
	parq_column_options co[1];
	options(&o, co);
	o.io = io;
	parq_writer *w;
	rc = parq_writer_open_append(&w, base, keep, fd, tmp, s, &o);
	if (!rc) {
		batch *r = calloc(1, sizeof *r);
		if (keep >= 0 && keep < parq_reader_num_row_groups(base)) {
			/* merge: the rows of the dropped row groups, as one row group */
			int64_t skip = 0, more = 0;
			for (int g = 0; g < parq_reader_num_row_groups(base); g++)
				*(g < keep ? &skip : &more) += parq_reader_row_group_rows(base, g);
			build(r, skip, more);
			rc = parq_writer_write(w, r->col, more);
		}
		if (!rc && origin)
			rc = parq_writer_set_kv(w, "origin", origin);
		for (int64_t at = 0; !rc && at < n; at += per_rg) {
			int64_t m = n - at < per_rg ? n - at : per_rg;
			build(r, from + at, m);
			if (!(rc = parq_writer_flush_row_group(w)) && !(rc = parq_writer_write(w, r->col, m)))
				rc = parq_writer_flush_row_group(w);
		}
		free(r->blobbuf);
		free(r);
		if (rc)
			parq_writer_abort(w);
		else
			rc = parq_writer_close(w, NULL);
	}
	close(fd);
	parq_reader_close(base);
	if (!rc)
		REQUIRE(rename(tmp, path) == 0);
	else
		unlink(tmp);
	return rc;
}

/* Reads every row of path and checks it against the row functions;
 * returns the number of rows. */
static int64_t verify_file(const char *path)
{
	parq_reader *r;
	int rc = parq_reader_open(&r, path, NULL);
	CHECK_OK(rc);
	if (rc)
		return -1;
	parq_row_reader *rr;
	CHECK_OK(parq_row_reader_open(&rr, r, NULL, 0));
	const parq_value *row;
	int64_t i = 0, bad = 0;
	while (parq_row_reader_next(rr, &row) == 0 && row) {
		const parq_value *f = row->u.list.items;
		char name[32];
		bool ok = f[C_ID].kind == PARQ_V_INT64 && f[C_ID].u.i64 == i;
		if (has_name(i)) {
			row_name(i, name, sizeof name);
			ok = ok && f[C_NAME].kind == PARQ_V_BYTES && f[C_NAME].u.bytes.len == strlen(name) &&
			     memcmp(f[C_NAME].u.bytes.ptr, name, strlen(name)) == 0;
		} else {
			ok = ok && f[C_NAME].kind == PARQ_V_NULL;
		}
		if (has_blob(i)) {
			ok = ok && f[C_BLOB].kind == PARQ_V_BYTES && f[C_BLOB].u.bytes.len == blob_len(i);
			for (size_t k = 0; ok && k < blob_len(i); k++)
				ok = f[C_BLOB].u.bytes.ptr[k] == blob_byte(i, k);
		} else {
			ok = ok && f[C_BLOB].kind == PARQ_V_NULL;
		}
		int t = n_tags(i);
		if (t < 0) {
			ok = ok && f[C_TAGS].kind == PARQ_V_NULL;
		} else {
			/* LIST group -> repeated "list" -> elements */
			const parq_value *lst = &f[C_TAGS];
			ok = ok && lst->kind == PARQ_V_STRUCT && lst->u.list.n == 1 && lst->u.list.items[0].kind == PARQ_V_LIST &&
			     lst->u.list.items[0].u.list.n == (uint32_t)t;
			for (int j = 0; ok && j < t; j++) {
				const parq_value *e = &lst->u.list.items[0].u.list.items[j].u.list.items[0];
				if ((i + j) % 5 == 0) {
					ok = e->kind == PARQ_V_NULL;
				} else {
					const char *s = TAGS[(i + j) % 3];
					ok = e->kind == PARQ_V_BYTES && e->u.bytes.len == strlen(s) && !memcmp(e->u.bytes.ptr, s, strlen(s));
				}
			}
		}
		if (!ok && bad++ < 5)
			fprintf(stderr, "%s: row %lld differs\n", path, (long long)i);
		i++;
	}
	CHECK_EQ_INT(bad, 0);
	parq_row_reader_close(rr);
	parq_reader_close(r);
	return i;
}

/* Rows of id == v found by a pruning scan, and the row groups it skipped. */
static int64_t scan_id(const char *path, int64_t v, int *skipped, int64_t *pages_skipped)
{
	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	parq_pred *p;
	parq_scalar sv = parq_scalar_int(v);
	CHECK_OK(parq_pred_compare(&p, "id", PARQ_OP_EQ, &sv));
	parq_scan *sc;
	CHECK_OK(parq_scan_open(&sc, r, p, NULL, 0));
	const parq_value *row;
	int64_t n = 0;
	while (parq_scan_next(sc, &row) == 0 && row) {
		CHECK_EQ_INT(row->u.list.items[C_ID].u.i64, v);
		n++;
	}
	parq_scan_stats st;
	parq_scan_get_stats(sc, &st);
	*skipped = st.row_groups_skipped;
	*pages_skipped = st.pages_skipped;
	parq_scan_close(sc);
	parq_pred_free(p);
	parq_reader_close(r);
	return n;
}

static void test_append_keeps_bytes(const parq_schema *s)
{
	char path[256], old[256];
	snprintf(path, sizeof path, "%s/a.parquet", dir);
	snprintf(old, sizeof old, "%s/a.old", dir);
	write_file(path, s, 500, 200); /* row groups of 200, 200, 100 */
	size_t olen;
	uint8_t *obytes = test_slurp(path, &olen);
	FILE *f = fopen(old, "wb");
	fwrite(obytes, 1, olen, f);
	fclose(f);

	CHECK_OK(append_file(path, s, -1, 500, 120, 120, NULL, "second"));
	CHECK_EQ_INT(verify_file(path), 620);

	parq_reader *a, *b;
	CHECK_OK(parq_reader_open(&a, old, NULL));
	CHECK_OK(parq_reader_open(&b, path, NULL));
	CHECK_EQ_INT(parq_reader_num_row_groups(b), 4);
	CHECK_EQ_INT(parq_reader_num_rows(b), 620);
	const char *kv = parq_reader_kv(b, "origin");
	CHECK(kv && strcmp(kv, "second") == 0);
	kv = parq_reader_kv(b, "kept");
	CHECK(kv && strcmp(kv, "yes") == 0);
	/* the old row groups are where they were, with the same bytes */
	size_t nlen;
	uint8_t *nbytes = test_slurp(path, &nlen);
	const parq_file_meta *ma = parq_reader_metadata(a), *mb = parq_reader_metadata(b);
	for (int g = 0; g < 3; g++) {
		CHECK_EQ_INT(mb->row_groups[g].num_rows, ma->row_groups[g].num_rows);
		CHECK_EQ_INT(mb->row_groups[g].ordinal, g);
		for (int c = 0; c < NCOLS; c++) {
			const parq_meta_column *x = &ma->row_groups[g].columns[c].meta, *y = &mb->row_groups[g].columns[c].meta;
			CHECK_EQ_INT(y->data_page_offset, x->data_page_offset);
			CHECK_EQ_INT(y->total_compressed_size, x->total_compressed_size);
			int64_t start = x->has_dictionary_page_offset ? x->dictionary_page_offset : x->data_page_offset;
			CHECK((size_t)(start + x->total_compressed_size) <= nlen);
			CHECK_MEM(nbytes + start, obytes + start, (size_t)x->total_compressed_size);
			/* the page indexes moved, with the same content */
			const parq_meta_chunk *ca = &ma->row_groups[g].columns[c], *cb = &mb->row_groups[g].columns[c];
			CHECK(cb->has_offset_index_offset);
			CHECK_EQ_INT(cb->offset_index_length, ca->offset_index_length);
			CHECK(cb->offset_index_offset > ma->row_groups[2].file_offset);
			CHECK_MEM(nbytes + cb->offset_index_offset, obytes + ca->offset_index_offset,
			          (size_t)ca->offset_index_length);
			CHECK_EQ_INT(cb->has_column_index_offset, ca->has_column_index_offset);
			if (c == C_NAME) {
				CHECK(y->has_bloom_filter_offset);
				CHECK_EQ_INT(y->bloom_filter_offset, x->bloom_filter_offset);
			}
		}
	}
	CHECK_EQ_INT(mb->row_groups[3].ordinal, 3);
	/* the new row group starts where the old data ended: nothing of the old
	 * footer or page indexes is carried as dead bytes */
	CHECK(mb->row_groups[3].file_offset < ma->row_groups[0].columns[0].offset_index_offset);
	free(nbytes);
	free(obytes);
	parq_reader_close(a);
	parq_reader_close(b);

	/* pruning by statistics and page index, over old and new row groups */
	int skipped;
	int64_t pskip;
	CHECK_EQ_INT(scan_id(path, 250, &skipped, &pskip), 1);
	CHECK_EQ_INT(skipped, 3);
	CHECK(pskip > 0);
	CHECK_EQ_INT(scan_id(path, 555, &skipped, &pskip), 1);
	CHECK_EQ_INT(skipped, 3);
	CHECK_EQ_INT(scan_id(path, 9999, &skipped, &pskip), 0);
	CHECK_EQ_INT(skipped, 4);
	unlink(old);
}

static void test_many_appends(const parq_schema *s)
{
	char path[256];
	snprintf(path, sizeof path, "%s/many.parquet", dir);
	write_file(path, s, 3, 3);
	int64_t rows = 3;
	for (int k = 0; k < 60; k++) {
		int64_t n = 1 + k % 4;
		CHECK_OK(append_file(path, s, -1, rows, n, n, NULL, NULL));
		rows += n;
	}
	CHECK_EQ_INT(verify_file(path), rows);
	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	CHECK_EQ_INT(parq_reader_num_row_groups(r), 61);
	/* every page index entry points at the row group's own pages */
	const parq_file_meta *m = parq_reader_metadata(r);
	int64_t prev_end = 4;
	for (uint32_t g = 0; g < m->n_row_groups; g++) {
		const parq_meta_row_group *rg = &m->row_groups[g];
		CHECK(rg->file_offset >= prev_end);
		prev_end = rg->file_offset + rg->total_compressed_size;
		CHECK(rg->columns[0].offset_index_offset > m->row_groups[m->n_row_groups - 1].file_offset);
	}
	const char *kv = parq_reader_kv(r, "origin");
	CHECK(kv && strcmp(kv, "first") == 0);
	parq_reader_close(r);
	int skipped;
	int64_t pskip;
	CHECK_EQ_INT(scan_id(path, 100, &skipped, &pskip), 1);
	CHECK_EQ_INT(skipped, 60);
}

static void test_merge_tail(const parq_schema *s)
{
	char path[256];
	snprintf(path, sizeof path, "%s/merge.parquet", dir);
	write_file(path, s, 400, 200);
	int64_t rows = 400;
	for (int k = 0; k < 20; k++) {
		CHECK_OK(append_file(path, s, -1, rows, 5, 5, NULL, NULL));
		rows += 5;
	}
	struct stat before;
	stat(path, &before);
	/* keep the two large row groups, merge the 20 small ones and add 5 rows */
	CHECK_OK(append_file(path, s, 2, rows, 5, 5, NULL, NULL));
	rows += 5;
	CHECK_EQ_INT(verify_file(path), rows);
	parq_reader *r;
	CHECK_OK(parq_reader_open(&r, path, NULL));
	CHECK_EQ_INT(parq_reader_num_row_groups(r), 4);
	CHECK_EQ_INT(parq_reader_row_group_rows(r, 2), 100);
	CHECK_EQ_INT(parq_reader_row_group_rows(r, 3), 5);
	parq_reader_close(r);
	struct stat after;
	stat(path, &after);
	/* twenty small row groups' overhead is gone */
	CHECK(after.st_size < before.st_size);

	/* keep nothing: a new file with the base's metadata */
	CHECK_OK(append_file(path, s, 0, rows, 3, 3, NULL, NULL));
	CHECK_EQ_INT(verify_file(path), rows + 3);
}

static void test_refused(const parq_schema *s)
{
	char path[256], tmp[256];
	snprintf(path, sizeof path, "%s/ref.parquet", dir);
	snprintf(tmp, sizeof tmp, "%s/ref.tmp", dir);
	write_file(path, s, 10, 10);
	parq_reader *base;
	CHECK_OK(parq_reader_open(&base, path, NULL));
	parq_writer *w = NULL;
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0644);
	/* a schema with another type in one column */
	parq_schema *other;
	parq_logical str = parq_lt_string();
	CHECK_OK(parq_schema_new(&other));
	CHECK_OK(parq_schema_add_leaf(other, NULL, "id", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(other, NULL, "name", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &str, 0, NULL));
	CHECK_OK(parq_schema_add_leaf(other, NULL, "blob", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, NULL, 0, NULL));
	CHECK_OK(parq_schema_add_list(other, NULL, "tags", PARQ_OPTIONAL, PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &str, 0, NULL));
	CHECK_OK(parq_schema_finish(other));
	CHECK_EQ_INT(parq_writer_open_append(&w, base, -1, fd, tmp, other, NULL), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "'name'") && strstr(parq_errmsg(), "repetition"));
	CHECK(w == NULL);
	parq_schema_free(other);
	CHECK_EQ_INT(parq_writer_open_append(&w, base, 2, fd, tmp, s, NULL), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "cannot keep 2 of the 1 row groups"));
	/* a file that is not empty */
	CHECK(write(fd, "x", 1) == 1);
	CHECK_EQ_INT(parq_writer_open_append(&w, base, -1, fd, tmp, NULL, NULL), PARQ_EINVAL);
	CHECK(strstr(parq_errmsg(), "empty"));
	close(fd);
	unlink(tmp);
	parq_reader_close(base);
}

/* ---- I/O failures ---- */

typedef struct faults {
	int copy_errno;       /* copy_file_range fails with this */
	int write_fail_at;    /* the n-th write fails (1-based), 0: never */
	int write_errno;
	int fsync_errno;
	int writes, copies;
} faults;

static ssize_t f_write(void *ud, int fd, const void *buf, size_t n)
{
	faults *f = ud;
	if (++f->writes == f->write_fail_at) {
		errno = f->write_errno;
		return -1;
	}
	return write(fd, buf, n);
}

static ssize_t f_copy(void *ud, int in, int64_t *off_in, int out, int64_t *off_out, size_t len)
{
	faults *f = ud;
	f->copies++;
	if (f->copy_errno) {
		errno = f->copy_errno;
		return -1;
	}
	off64_t i = *off_in, o = *off_out;
	/* short copies, as the kernel may do */
	ssize_t k = copy_file_range(in, &i, out, &o, len > 1000 ? 1000 : len, 0);
	*off_in = i;
	*off_out = o;
	return k;
}

static int f_fsync(void *ud, int fd)
{
	faults *f = ud;
	if (f->fsync_errno) {
		errno = f->fsync_errno;
		return -1;
	}
	return fsync(fd);
}

static void test_io(const parq_schema *s)
{
	char path[256];
	snprintf(path, sizeof path, "%s/io.parquet", dir);
	write_file(path, s, 300, 100);
	faults f = {0};
	parq_io io = {f_write, f_copy, f_fsync, &f};
	/* short copies are continued */
	CHECK_OK(append_file(path, s, -1, 300, 10, 10, &io, NULL));
	CHECK(f.copies > 5);
	CHECK_EQ_INT(verify_file(path), 310);
	/* file systems without copy_file_range: copied through memory */
	memset(&f, 0, sizeof f);
	f.copy_errno = EXDEV;
	CHECK_OK(append_file(path, s, -1, 310, 10, 10, &io, NULL));
	CHECK(f.writes > 1);
	CHECK_EQ_INT(verify_file(path), 320);
	/* a failing copy is an error naming the file and the call */
	memset(&f, 0, sizeof f);
	f.copy_errno = EIO;
	CHECK_EQ_INT(append_file(path, s, -1, 320, 10, 10, &io, NULL), PARQ_EIO);
	CHECK(strstr(parq_errmsg(), "copy_file_range") && strstr(parq_errmsg(), "io.parquet"));
	/* a full disk at every write of the copy fallback and of the writer's
	 * own (gathered) writes, until the append makes no more writes than
	 * the failure waits for and goes through */
	int failures = 0;
	for (int at = 1; at <= 256; at++) {
		memset(&f, 0, sizeof f);
		f.copy_errno = ENOSYS;
		f.write_fail_at = at;
		f.write_errno = ENOSPC;
		int rc = append_file(path, s, -1, 320, 10, 10, &io, NULL);
		if (rc == 0)
			break;
		CHECK_EQ_INT(rc, PARQ_EIO);
		CHECK(strstr(parq_errmsg(), "No space left on device"));
		CHECK_EQ_INT(verify_file(path), 320); /* untouched by the failure */
		failures++;
	}
	CHECK(failures >= 2); /* the copy's writes and the writer's own */
	CHECK_EQ_INT(verify_file(path), 330);
}

/* ---- foreign files: re-footered without new rows, they read the same ---- */

static void value_text(const parq_value *v, FILE *out)
{
	switch (v->kind) {
	case PARQ_V_NULL: fputs("null", out); break;
	case PARQ_V_BOOL: fprintf(out, "%d", v->u.b); break;
	case PARQ_V_INT32: fprintf(out, "%d", v->u.i32); break;
	case PARQ_V_INT64: fprintf(out, "%lld", (long long)v->u.i64); break;
	case PARQ_V_FLOAT: fprintf(out, "%a", (double)v->u.f); break;
	case PARQ_V_DOUBLE: fprintf(out, "%a", v->u.d); break;
	case PARQ_V_INT96: for (int i = 0; i < 12; i++) fprintf(out, "%02x", v->u.int96[i]); break;
	case PARQ_V_BYTES:
		fputc('"', out);
		for (uint32_t i = 0; i < v->u.bytes.len; i++)
			fprintf(out, "%02x", v->u.bytes.ptr[i]);
		fputc('"', out);
		break;
	case PARQ_V_LIST:
	case PARQ_V_STRUCT:
		fputc(v->kind == PARQ_V_LIST ? '[' : '{', out);
		for (uint32_t i = 0; i < v->u.list.n; i++) {
			if (i)
				fputc(',', out);
			value_text(&v->u.list.items[i], out);
		}
		fputc(v->kind == PARQ_V_LIST ? ']' : '}', out);
		break;
	}
}

/* All rows of path as text, or NULL if the file does not read. */
static char *file_text(const char *path, size_t *len)
{
	parq_reader *r;
	if (parq_reader_open(&r, path, NULL))
		return NULL;
	parq_row_reader *rr;
	if (parq_row_reader_open(&rr, r, NULL, 0)) {
		parq_reader_close(r);
		return NULL;
	}
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	const parq_value *row;
	int rc;
	while (!(rc = parq_row_reader_next(rr, &row)) && row) {
		value_text(row, out);
		fputc('\n', out);
	}
	fclose(out);
	parq_row_reader_close(rr);
	parq_reader_close(r);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_foreign(void)
{
	const char *root = getenv("PARQUET_TESTING_DIR");
	char data[1024];
	snprintf(data, sizeof data, "%s/data", root ? root : "../shared/parquet-testing");
	DIR *d = opendir(data);
	if (!d) {
		printf("test_append: %s is absent, foreign files skipped\n", data);
		return;
	}
	struct dirent *e;
	int done = 0, readable = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 8 || strcmp(e->d_name + n - 8, ".parquet") != 0)
			continue;
		char src[2048], dst[2048];
		snprintf(src, sizeof src, "%s/%s", data, e->d_name);
		size_t la, lb;
		char *a = file_text(src, &la);
		if (!a)
			continue; /* files we cannot read are the corpus tests' business */
		readable++;
		parq_reader *base;
		if (parq_reader_open(&base, src, NULL)) {
			free(a);
			continue;
		}
		snprintf(dst, sizeof dst, "%s/foreign.parquet", dir);
		int fd = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
		parq_writer *w;
		int rc = parq_writer_open_append(&w, base, -1, fd, dst, NULL, NULL);
		if (rc == PARQ_EUNSUPPORTED || rc == PARQ_ECORRUPT) {
			/* chunks that overlap the footer or another file: refused cleanly */
			printf("test_append: %s not appendable: %s\n", e->d_name, parq_errmsg());
		} else {
			CHECK_OK(rc);
			if (!rc)
				CHECK_OK(parq_writer_close(w, NULL));
			char *b = file_text(dst, &lb);
			CHECK(b != NULL);
			if (!b)
				fprintf(stderr, "%s does not read after re-footering: %s\n", e->d_name, parq_errmsg());
			if (b) {
				CHECK_EQ_INT(lb, la);
				if (lb != la || memcmp(a, b, la) != 0) {
					test_checks++;
					test_failures++;
					fprintf(stderr, "%s reads differently after re-footering\n", e->d_name);
				}
				done++;
			}
			free(b);
		}
		close(fd);
		parq_reader_close(base);
		free(a);
	}
	closedir(d);
	printf("test_append: %d of %d readable parquet-testing files re-footered and read back the same\n", done,
	       readable);
	CHECK(done > 20);
}

int main(void)
{
	REQUIRE(mkdtemp(dir));
	parq_schema *s = make_schema();
	test_append_keeps_bytes(s);
	test_many_appends(s);
	test_merge_tail(s);
	test_refused(s);
	test_io(s);
	test_foreign();
	parq_schema_free(s);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_report("test_append");
}
