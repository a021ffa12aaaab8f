/* Appending to a Parquet file without decoding it: the row groups to keep
 * are copied byte for byte (their offsets stay valid because the copy
 * starts at offset 0), their page indexes are moved behind the new data,
 * and the writer's footer lists old and new row groups. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "append.h"
#include "reader.h"
#include "schema.h"
#include "thrift.h"

#define COPY_BUF ((size_t)1 << 20)

void parq_writer_base_free(parq_writer_base *b)
{
	if (!b)
		return;
	for (int g = 0; g < b->n_row_groups; g++)
		free(b->row_groups[g].columns);
	free(b->index_buf);
	free(b->column_index);
	free(b->offset_index);
	free(b->row_groups);
	free(b->created_by);
	free(b);
}

static bool logical_eq(const parq_logical *a, const parq_logical *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case PARQ_LT_DECIMAL: return a->scale == b->scale && a->precision == b->precision;
	case PARQ_LT_TIME:
	case PARQ_LT_TIMESTAMP: return a->unit == b->unit && a->utc == b->utc;
	case PARQ_LT_INTEGER: return a->bit_width == b->bit_width && a->is_signed == b->is_signed;
	default: return true;
	}
}

/* The writer's schema must describe the copied column chunks exactly. */
static int schema_check(const parq_schema *want, const parq_schema *have, const char *file)
{
	parq_meta_schema_elem *a = NULL, *b = NULL;
	uint32_t na = 0, nb = 0;
	int rc = parq_schema_to_meta(want, &a, &na);
	if (!rc)
		rc = parq_schema_to_meta(have, &b, &nb);
	if (!rc && na != nb)
		rc = parq_err(PARQ_EINVAL, "%s: the schema has %u nodes, the file's has %u", file, na, nb);
	for (uint32_t i = 0; !rc && i < na; i++) {
		const parq_meta_schema_elem *x = &a[i], *y = &b[i];
		const char *what = NULL;
		if (i && (x->name.len != y->name.len || memcmp(x->name.ptr, y->name.ptr, x->name.len) != 0))
			what = "name";
		else if (x->has_type != y->has_type || (x->has_type && x->type != y->type))
			what = "type";
		else if (x->has_type && x->type == PARQ_FIXED_LEN_BYTE_ARRAY && x->type_length != y->type_length)
			what = "type length";
		else if (i && x->repetition != y->repetition)
			what = "repetition";
		else if (x->num_children != y->num_children)
			what = "number of children";
		else if (x->has_converted_type != y->has_converted_type ||
		         (x->has_converted_type && x->converted_type != y->converted_type))
			what = "converted type";
		else if (x->has_logical != y->has_logical || (x->has_logical && !logical_eq(&x->logical, &y->logical)))
			what = "logical type";
		if (what)
			rc = parq_err(PARQ_EINVAL, "%s: the schema differs from the file's at node %u ('%.*s'): %s", file, i,
			              (int)y->name.len, (const char *)y->name.ptr, what);
	}
	free(a);
	free(b);
	return rc;
}

/* Where the bytes of chunk c end: its pages and its bloom filter. */
static int chunk_end(parq_reader *r, int g, int col, const parq_meta_chunk *c, int64_t limit, int64_t *end)
{
	const parq_meta_column *m = &c->meta;
	const char *path = r->schema->leaves[col]->path;
	/* the chunk begins at its first page; writers have been seen to put 0
	 * in one of the two offsets, which can only be a placeholder */
	int64_t start = m->data_page_offset >= 4 ? m->data_page_offset : -1;
	if (m->has_dictionary_page_offset && m->dictionary_page_offset >= 4 &&
	    (start < 0 || m->dictionary_page_offset < start))
		start = m->dictionary_page_offset;
	if (start < 4 || m->total_compressed_size < 0 || m->total_compressed_size > limit - start)
		return parq_err(PARQ_ECORRUPT, "%s: row group %d column '%s': pages at %lld+%lld run into the footer",
		                r->name, g, path, (long long)start, (long long)m->total_compressed_size);
	int64_t e = start + m->total_compressed_size;
	/* parquet-mr < 1.2.9 left the dictionary page header out of the size */
	e = e + r->chunk_slack < limit ? e + r->chunk_slack : limit;
	if (m->has_bloom_filter_offset) {
		int64_t off = m->bloom_filter_offset, len;
		if (off < 4 || off >= limit)
			return parq_err(PARQ_ECORRUPT, "%s: row group %d column '%s': bloom filter offset %lld is out of the file",
			                r->name, g, path, (long long)off);
		if (m->has_bloom_filter_length) {
			len = m->bloom_filter_length;
		} else {
			/* the length is in the filter's header */
			uint8_t hb[256];
			size_t n = limit - off < (int64_t)sizeof hb ? (size_t)(limit - off) : sizeof hb, used;
			parq_meta_bloom_header h;
			int rc = parq_reader_pread(r, hb, n, off);
			if (!rc)
				rc = parq_meta_decode_bloom_header(hb, n, &h, &used);
			if (rc)
				return parq_err_prefix(rc, "%s: row group %d column '%s': bloom filter: ", r->name, g, path);
			len = (int64_t)used + h.num_bytes;
		}
		if (len < 0 || len > limit - off)
			return parq_err(PARQ_ECORRUPT, "%s: row group %d column '%s': bloom filter at %lld+%lld runs into the footer",
			                r->name, g, path, (long long)off, (long long)len);
		if (off + len > e)
			e = off + len;
	}
	*end = e;
	return 0;
}

/* Where a page index structure of the base file lies. */
typedef struct index_loc {
	int64_t off;
	int32_t len;
	bool has;
} index_loc;

static int check_index(parq_reader *r, int g, const char *path, const char *what, bool has, int64_t off, int32_t len,
                       index_loc *out)
{
	*out = (index_loc){0, 0, false};
	if (!has)
		return 0;
	if (off < 4 || len < 0 || (size_t)len > r->opts.max_footer_bytes || off > r->size - len)
		return parq_err(PARQ_ECORRUPT, "%s: row group %d column '%s': %s at %lld+%d is out of the file", r->name, g,
		                path, what, (long long)off, len);
	*out = (index_loc){off, len, true};
	return 0;
}

/* Reads the page indexes of the carried chunks into b->index_buf, with
 * b->column_index and b->offset_index pointing into it. Writers put them
 * together, so one read usually does. */
static int load_indexes(parq_reader *r, parq_writer_base *b, const index_loc *loc, size_t n)
{
	int64_t lo = INT64_MAX, hi = 0, total = 0;
	for (size_t k = 0; k < n; k++) {
		if (!loc[k].has)
			continue;
		lo = loc[k].off < lo ? loc[k].off : lo;
		hi = loc[k].off + loc[k].len > hi ? loc[k].off + loc[k].len : hi;
		total += loc[k].len;
	}
	if (!total)
		return 0;
	bool span = hi - lo <= total + total / 2 + 65536;
	b->index_buf = parq_malloc((size_t)(span ? hi - lo : total));
	if (!b->index_buf)
		return PARQ_ENOMEM;
	int rc = span ? parq_reader_pread(r, b->index_buf, (size_t)(hi - lo), lo) : 0;
	int64_t at = 0;
	for (size_t k = 0; k < n && !rc; k++) {
		if (!loc[k].has)
			continue;
		parq_bytes *dst = k % 2 ? &b->offset_index[k / 2] : &b->column_index[k / 2];
		if (span) {
			dst->ptr = b->index_buf + (loc[k].off - lo);
		} else {
			rc = parq_reader_pread(r, b->index_buf + at, (size_t)loc[k].len, loc[k].off);
			dst->ptr = b->index_buf + at;
			at += loc[k].len;
		}
		dst->len = (uint32_t)loc[k].len;
	}
	return rc;
}

static char *strdup_n(const char *p, size_t n)
{
	char *s = parq_malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static ssize_t sys_copy(int in, int64_t *off_in, int out, int64_t *off_out, size_t len)
{
	off64_t i = *off_in, o = *off_out;
	ssize_t k = copy_file_range(in, &i, out, &o, len, 0);
	*off_in = i;
	*off_out = o;
	return k;
}

static int write_out(int fd, const char *name, const uint8_t *p, size_t n, int64_t at, const parq_io *io)
{
	while (n) {
		ssize_t k = io && io->write ? io->write(io->ud, fd, p, n) : write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return parq_err(PARQ_EIO, "%s: write failed at offset %lld: %s", name, (long long)at, strerror(errno));
		}
		p += k;
		n -= (size_t)k;
		at += k;
	}
	return 0;
}

/* Copies bytes [0, len) of r to fd at offset 0 and leaves fd's offset at len. */
static int copy_prefix(parq_reader *r, int fd, const char *name, int64_t len, const parq_io *io)
{
	int64_t in = 0, out = 0;
	while (!r->mem && r->fd >= 0 && in < len) {
		ssize_t k = io && io->copy_file_range ? io->copy_file_range(io->ud, r->fd, &in, fd, &out, (size_t)(len - in))
		                                      : sys_copy(r->fd, &in, fd, &out, (size_t)(len - in));
		if (k > 0)
			continue;
		if (k == 0)
			return parq_err(PARQ_EIO, "%s: %s ended at offset %lld, %lld bytes were to be copied", name, r->name,
			                (long long)in, (long long)len);
		if (errno == EINTR)
			continue;
		/* file systems and kernels that cannot: copy through memory */
		if (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)
			break;
		return parq_err(PARQ_EIO, "%s: copying %s (copy_file_range at offset %lld): %s", name, r->name,
		                (long long)in, strerror(errno));
	}
	if (in < len) {
		if (lseek(fd, (off_t)out, SEEK_SET) != (off_t)out)
			return parq_err(PARQ_EIO, "%s: seek failed: %s", name, strerror(errno));
		uint8_t *buf = parq_malloc(COPY_BUF);
		if (!buf)
			return PARQ_ENOMEM;
		int rc = 0;
		while (!rc && in < len) {
			size_t n = len - in < (int64_t)COPY_BUF ? (size_t)(len - in) : COPY_BUF;
			rc = parq_reader_pread(r, buf, n, in);
			if (!rc)
				rc = write_out(fd, name, buf, n, in, io);
			in += (int64_t)n;
		}
		free(buf);
		if (rc)
			return rc;
	}
	if (lseek(fd, (off_t)len, SEEK_SET) != (off_t)len)
		return parq_err(PARQ_EIO, "%s: seek failed: %s", name, strerror(errno));
	return 0;
}

int parq_writer_open_append(parq_writer **out, parq_reader *base, int keep, int fd, const char *name,
                            const parq_schema *schema, const parq_writer_options *opts)
{
	*out = NULL;
	if (!base)
		return parq_err(PARQ_EINVAL, "parq_writer_open_append: no base file");
	if (!name)
		name = "<fd>";
	const parq_file_meta *m = &base->meta;
	int nrg = (int)m->n_row_groups;
	if (keep < -1 || keep > nrg)
		return parq_err(PARQ_EINVAL, "%s: cannot keep %d of the %d row groups of %s", name, keep, nrg, base->name);
	if (keep == -1)
		keep = nrg;
	int rc;
	if (schema && (rc = schema_check(schema, base->schema, base->name)))
		return rc;
	if (!schema)
		schema = base->schema;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return parq_err(PARQ_EIO, "%s: cannot stat: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size != 0)
		return parq_err(PARQ_EINVAL, "%s: an appending writer needs an empty regular file", name);
	uint8_t tail[8];
	if ((rc = parq_reader_pread(base, tail, 8, base->size - 8)))
		return rc;
	int64_t footer_start = base->size - 8 - (int64_t)parq_load_u32(tail);

	parq_writer_base *b = parq_calloc(1, sizeof *b);
	if (!b)
		return PARQ_ENOMEM;
	int ncols = schema->n_leaves;
	size_t nchunks = (size_t)keep * (size_t)ncols;
	b->n_columns = ncols;
	/* readers work around bugs of old writers by created_by: the copied
	 * bytes keep the name of the writer that made them */
	if (keep > 0 && m->has_created_by && !(opts && opts->created_by) &&
	    !(b->created_by = strdup_n((const char *)m->created_by.ptr, m->created_by.len))) {
		parq_writer_base_free(b);
		return PARQ_ENOMEM;
	}
	b->row_groups = parq_calloc((size_t)keep, sizeof *b->row_groups);
	b->column_index = parq_calloc(nchunks, sizeof *b->column_index);
	b->offset_index = parq_calloc(nchunks, sizeof *b->offset_index);
	index_loc *loc = parq_calloc(nchunks * 2, sizeof *loc); /* column, offset index per chunk */
	if (!b->row_groups || !b->column_index || !b->offset_index || !loc) {
		free(loc);
		parq_writer_base_free(b);
		return PARQ_ENOMEM;
	}
	int64_t end = 4; /* the magic */
	rc = 0;
	for (int g = 0; g < keep && !rc; g++) {
		const parq_meta_row_group *src = &m->row_groups[g];
		parq_meta_row_group *dst = &b->row_groups[g];
		*dst = *src;
		dst->columns = parq_calloc((size_t)ncols, sizeof *dst->columns);
		if (!dst->columns) {
			rc = PARQ_ENOMEM;
			break;
		}
		b->n_row_groups = g + 1;
		memcpy(dst->columns, src->columns, (size_t)ncols * sizeof *dst->columns);
		b->rows += src->num_rows;
		for (int c = 0; c < ncols && !rc; c++) {
			const parq_meta_chunk *ch = &src->columns[c];
			const char *path = base->schema->leaves[c]->path;
			size_t k = (size_t)g * (size_t)ncols + (size_t)c;
			int64_t e = 0;
			if ((rc = chunk_end(base, g, c, ch, footer_start, &e)))
				break;
			if (e > end)
				end = e;
			rc = check_index(base, g, path, "column index", ch->has_column_index_offset && ch->has_column_index_length,
			                 ch->column_index_offset, ch->column_index_length, &loc[2 * k]);
			if (!rc)
				rc = check_index(base, g, path, "offset index",
				                 ch->has_offset_index_offset && ch->has_offset_index_length, ch->offset_index_offset,
				                 ch->offset_index_length, &loc[2 * k + 1]);
		}
	}
	if (!rc)
		rc = load_indexes(base, b, loc, nchunks * 2);
	free(loc);
	if (!rc)
		rc = copy_prefix(base, fd, name, end, opts ? opts->io : NULL);
	if (rc) {
		parq_writer_base_free(b);
		return rc;
	}
	parq_writer *w;
	if ((rc = parq_writer_open_fd_base(&w, fd, name, schema, opts, end, b)))
		return rc;
	for (uint32_t i = 0; i < m->n_kv && !rc; i++) {
		const parq_meta_kv *kv = &m->kv[i];
		char *k = strdup_n((const char *)kv->key.ptr, kv->key.len);
		char *v = kv->has_value ? strdup_n((const char *)kv->value.ptr, kv->value.len) : NULL;
		if (!k || (kv->has_value && !v))
			rc = PARQ_ENOMEM;
		else
			rc = parq_writer_set_kv(w, k, v);
		free(k);
		free(v);
	}
	if (rc) {
		parq_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}
