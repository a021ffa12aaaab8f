/* File writer: row groups, page index, footer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "append.h"
#include "column_writer.h"
#include "schema.h"
#include "thrift.h"

#define SLICE_ROWS 4096

void parq_writer_options_default(parq_writer_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = PARQ_CODEC_ZSTD;
	o->data_page_version = 1;
	o->dictionary = true;
	o->dictionary_page_limit = (size_t)1 << 20;
	o->page_bytes = (size_t)1 << 20;
	o->page_rows = 20000;
	o->row_group_rows = 1000000;
	o->row_group_bytes = (size_t)128 << 20;
	o->statistics = true;
	o->statistics_max_bytes = 64;
	o->page_index = true;
	o->page_index_min_pages = 2;
	o->bloom_min_values = 1024;
}

/* What the footer needs of a written column chunk. Its ColumnMetaData is
 * kept encoded (about 100 bytes instead of a 600-byte structure and its
 * statistics): a writer of many small row groups (ingest's, under its
 * memory budget) holds one per chunk until the footer. */
typedef struct written_chunk {
	uint8_t *meta;           /* ColumnMetaData (parq_meta_encode_column_meta) */
	uint32_t meta_len;
	int64_t file_offset;
	/* page index, serialized at the flush, placed before the footer */
	uint8_t *column_index;
	size_t column_index_len;
	uint8_t *offset_index;
	size_t offset_index_len;
	int64_t column_index_offset, offset_index_offset;
	int32_t column_index_length, offset_index_length;
	bool has_ci_offset, has_ci_length, has_oi_offset, has_oi_length;
	uint8_t *bloom;          /* header + bitset, written after the row group */
	size_t bloom_len;
} written_chunk;

/* A chunk's ColumnMetaData while its row group is flushed (one per
 * column, reused from row group to row group). */
typedef struct chunk_build {
	parq_meta_column meta;
	int32_t encodings[10];
	parq_meta_page_enc_stats enc_stats[4];
	parq_buf stats;          /* the statistics' bytes */
} chunk_build;

typedef struct written_rg {
	written_chunk *chunks;
	int64_t num_rows;
	int64_t total_byte_size;
	int64_t total_compressed;
	int64_t file_offset;
} written_rg;

typedef struct kv_entry {
	char *key, *value;
} kv_entry;

struct parq_writer {
	char *name;
	char *path;           /* set when the writer created the file */
	int fd;
	bool own_fd;
	int64_t offset;       /* bytes written */
	const parq_schema *schema;
	parq_writer_options opts;
	parq_codec_ctx *ctx;
	parq_colw **cols;
	int n_cols;
	int64_t rg_rows;
	int64_t total_rows;
	written_rg *rgs;
	int n_rgs, cap_rgs;
	kv_entry *kv;
	int n_kv;
	int failed;           /* sticky error: the file is unusable */
	parq_buf scratch;
	parq_buf out;         /* bytes not yet written (offset counts them) */
	parq_writer_base *base; /* row groups carried over from an appended-to file */
	chunk_build *build;     /* n_cols */
	parq_bytes *paths;      /* each leaf's path_in_schema, max_depth entries a leaf */
	int max_depth;
	/* the current row group's pages parq_writer_spill moved out of
	 * memory: an unlinked file in opts.spill_dir, emptied when the row
	 * group is written */
	bool has_spill;
	int spill_fd;
	int64_t spill_end;
	uint8_t *spill_copy;    /* SPILL_COPY bytes while a row group with spilled pages is written */
};

static int w_fail(parq_writer *w, int rc)
{
	if (rc && !w->failed)
		w->failed = rc;
	return rc;
}

/* Writes are gathered up to this size: a row group makes two writes per
 * column chunk and more for indexes and filters, which for a small file is
 * dozens of system calls instead of one. */
#define OUT_BYTES ((size_t)256 << 10)
/* spilled pages come back in blocks of this size (a buffer held while a
 * row group is written: not one per writer of an ingest's many) */
#define SPILL_COPY ((size_t)128 << 10)

/* Writes n bytes to fd through io (NULL: write(2)), retried on EINTR and
 * short writes: the bytes written, n unless it failed (errno set, 0 when
 * a write moved nothing). */
static size_t io_write_full(const parq_io *io, int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t done = 0;
	while (done < n) {
		ssize_t k = io && io->write ? io->write(io->ud, fd, b + done, n - done) : write(fd, b + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = 0;
			break;
		}
		done += (size_t)k;
	}
	return done;
}

static int write_fd(parq_writer *w, const void *p, size_t n)
{
	size_t done = io_write_full(w->opts.io, w->fd, p, n);
	if (done < n)
		return w_fail(w, parq_err(PARQ_EIO, "%s: write failed at offset %lld: %s", w->name,
		                          (long long)(w->offset - (int64_t)w->out.len + (int64_t)done),
		                          errno ? strerror(errno) : "no progress"));
	return 0;
}

/* Writes what is gathered. */
static int flush_out(parq_writer *w)
{
	if (!w->out.len)
		return 0;
	int rc = write_fd(w, w->out.data, w->out.len);
	w->out.len = 0;
	return rc;
}

static int write_all(parq_writer *w, const void *p, size_t n)
{
	if (w->failed)
		return w->failed;
	if (w->out.len + n > OUT_BYTES) {
		int rc = flush_out(w);
		if (rc)
			return rc;
	}
	if (n >= OUT_BYTES) {
		int rc = write_fd(w, p, n);
		if (!rc)
			w->offset += (int64_t)n;
		return rc;
	}
	if (parq_buf_append(&w->out, p, n))
		return w_fail(w, PARQ_ENOMEM);
	w->offset += (int64_t)n;
	return 0;
}

void parq_column_options_default(parq_column_options *o, int leaf)
{
	memset(o, 0, sizeof *o);
	o->leaf = leaf;
	o->dictionary = -1;
	o->encoding = -1;
}

static const parq_column_options *col_opts(const parq_writer_options *o, int leaf)
{
	for (int i = 0; i < o->n_columns; i++)
		if (o->columns[i].leaf == leaf)
			return &o->columns[i];
	return NULL;
}

/* Splits a leaf's dotted path into the path_in_schema list. */
static int leaf_path(const parq_node *leaf, parq_bytes *out, uint32_t *n)
{
	uint32_t k = 0;
	for (const parq_node *p = leaf; p->parent; p = p->parent)
		k++;
	uint32_t i = k;
	for (const parq_node *p = leaf; p->parent; p = p->parent) {
		i--;
		out[i].ptr = (const uint8_t *)p->name;
		out[i].len = (uint32_t)strlen(p->name);
	}
	*n = k;
	return 0;
}

static int writer_init(parq_writer *w, const parq_schema *schema, const parq_writer_options *opts)
{
	if (opts)
		w->opts = *opts;
	else
		parq_writer_options_default(&w->opts);
	parq_writer_options *o = &w->opts;
	if (o->data_page_version != 1 && o->data_page_version != 2)
		return parq_err(PARQ_EINVAL, "%s: data page version must be 1 or 2, not %d", w->name,
		                o->data_page_version);
	if (!parq_codec_can_write(o->codec))
		return parq_err(PARQ_EUNSUPPORTED, "%s: cannot write codec %s", w->name, parq_codec_name(o->codec));
	if (o->page_bytes == 0)
		o->page_bytes = (size_t)1 << 20;
	if (o->page_rows <= 0)
		o->page_rows = 20000;
	if (o->row_group_rows <= 0)
		o->row_group_rows = 1000000;
	if (o->row_group_bytes == 0)
		o->row_group_bytes = (size_t)128 << 20;
	if (!schema->finished)
		return parq_err(PARQ_EINVAL, "%s: schema not finished (call parq_schema_finish)", w->name);
	if (schema->n_leaves == 0)
		return parq_err(PARQ_EINVAL, "%s: schema has no columns", w->name);
	w->schema = schema;
	if (!(w->ctx = parq_codec_ctx_new()))
		return parq_err_nomem();
	w->n_cols = schema->n_leaves;
	w->cols = parq_calloc((size_t)w->n_cols, sizeof *w->cols);
	if (!w->cols)
		return PARQ_ENOMEM;
	for (int i = 0; i < w->n_cols; i++) {
		const parq_column_options *co = col_opts(o, i);
		parq_colw_config cfg = {
			.leaf = schema->leaves[i],
			.codec = o->codec,
			.level = o->compression_level,
			.page_version = o->data_page_version,
			.dictionary = o->dictionary,
			.dict_limit = o->dictionary_page_limit ? o->dictionary_page_limit : (size_t)1 << 20,
			.page_bytes = o->page_bytes,
			.page_rows = o->page_rows,
			.statistics = o->statistics,
			.stats_max_bytes = o->statistics_max_bytes,
			.page_index = o->page_index,
			.crc = o->page_crc,
			.encoding = -1,
		};
		if (co) {
			bool integer = cfg.leaf->type == PARQ_INT32 || cfg.leaf->type == PARQ_INT64;
			if (co->encoding != -1 && co->encoding != PARQ_ENC_PLAIN &&
			    !(co->encoding == PARQ_ENC_DELTA_BINARY_PACKED && integer))
				return parq_err(PARQ_EINVAL, "%s: column %d: encoding %s is not available for %s values", w->name, i,
				                parq_encoding_name((parq_encoding)co->encoding),
				                parq_type_name(cfg.leaf->type));
			cfg.zstd = (parq_zstd_tune){co->long_match, co->zstd_hash_log, co->zstd_min_match};
			int trc = parq_zstd_tune_check(&cfg.zstd, w->name, i);
			if (trc)
				return trc;
			if (co->dictionary >= 0)
				cfg.dictionary = co->dictionary != 0;
			if (co->statistics_off)
				cfg.statistics = false;
			cfg.bloom_fpp = co->bloom_fpp;
			cfg.bloom_min_values = o->bloom_min_values;
			cfg.bloom_ndv = co->bloom_ndv;
			cfg.encoding = co->encoding;
			if (co->page_bytes)
				cfg.page_bytes = co->page_bytes;
		}
		int rc = parq_colw_new(&w->cols[i], &cfg, w->ctx);
		if (rc)
			return rc;
	}
	w->max_depth = 1;
	for (int i = 0; i < w->n_cols; i++)
		if (schema->leaves[i]->depth > w->max_depth)
			w->max_depth = schema->leaves[i]->depth;
	w->build = parq_calloc((size_t)w->n_cols, sizeof *w->build);
	w->paths = parq_calloc((size_t)w->n_cols * (size_t)w->max_depth, sizeof *w->paths);
	if (!w->build || !w->paths)
		return PARQ_ENOMEM;
	for (int i = 0; i < w->n_cols; i++) {
		parq_meta_column *m = &w->build[i].meta;
		m->path = w->paths + (size_t)i * (size_t)w->max_depth;
		leaf_path(schema->leaves[i], m->path, &m->n_path);
	}
	/* an appending writer continues after the copied bytes, magic included */
	return w->offset ? 0 : write_all(w, "PAR1", 4);
}

static int writer_alloc(parq_writer **out, const char *name)
{
	parq_writer *w = parq_calloc(1, sizeof *w);
	if (!w)
		return PARQ_ENOMEM;
	w->fd = -1;
	if (!(w->name = parq_strdup(name))) {
		free(w);
		return PARQ_ENOMEM;
	}
	*out = w;
	return 0;
}

static void writer_free(parq_writer *w)
{
	if (!w)
		return;
	if (w->has_spill)
		close(w->spill_fd);
	free(w->spill_copy);
	for (int i = 0; i < w->n_cols; i++)
		parq_colw_free(w->cols[i]);
	free(w->cols);
	for (int r = 0; r < w->n_rgs; r++) {
		for (int i = 0; i < w->n_cols; i++) {
			free(w->rgs[r].chunks[i].meta);
			free(w->rgs[r].chunks[i].column_index);
			free(w->rgs[r].chunks[i].offset_index);
			free(w->rgs[r].chunks[i].bloom);
		}
		free(w->rgs[r].chunks);
	}
	free(w->rgs);
	for (int i = 0; w->build && i < w->n_cols; i++)
		parq_buf_free(&w->build[i].stats);
	free(w->build);
	free(w->paths);
	for (int i = 0; i < w->n_kv; i++) {
		free(w->kv[i].key);
		free(w->kv[i].value);
	}
	free(w->kv);
	parq_codec_ctx_free(w->ctx);
	parq_buf_free(&w->scratch);
	parq_buf_free(&w->out);
	if (w->base)
		parq_writer_base_free(w->base);
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	free(w->name);
	free(w->path);
	free(w);
}

int parq_writer_open(parq_writer **out, const char *path, const parq_schema *schema,
                     const parq_writer_options *opts)
{
	parq_writer *w;
	int rc = writer_alloc(&w, path);
	if (rc)
		return rc;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (w->fd < 0) {
		rc = parq_err(PARQ_EIO, "%s: cannot create: %s", path, strerror(errno));
		writer_free(w);
		return rc;
	}
	w->own_fd = true;
	if (!(w->path = parq_strdup(path)) || (rc = writer_init(w, schema, opts))) {
		parq_writer_abort(w);
		return rc ? rc : PARQ_ENOMEM;
	}
	*out = w;
	return 0;
}

int parq_writer_open_fd(parq_writer **out, int fd, const char *name, const parq_schema *schema,
                        const parq_writer_options *opts)
{
	parq_writer *w;
	int rc = writer_alloc(&w, name ? name : "<fd>");
	if (rc)
		return rc;
	w->fd = fd;
	if ((rc = writer_init(w, schema, opts))) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int parq_writer_open_fd_base(parq_writer **out, int fd, const char *name, const parq_schema *schema,
                             const parq_writer_options *opts, int64_t offset, parq_writer_base *base)
{
	parq_writer *w;
	int rc = writer_alloc(&w, name ? name : "<fd>");
	if (rc) {
		parq_writer_base_free(base);
		return rc;
	}
	w->fd = fd;
	w->offset = offset;
	w->base = base;
	if ((rc = writer_init(w, schema, opts))) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int parq_writer_set_kv(parq_writer *w, const char *key, const char *value)
{
	for (int i = 0; i < w->n_kv; i++)
		if (strcmp(w->kv[i].key, key) == 0) {
			char *v = parq_strdup(value ? value : "");
			if (!v)
				return PARQ_ENOMEM;
			free(w->kv[i].value);
			w->kv[i].value = v;
			return 0;
		}
	kv_entry *kv = parq_realloc(w->kv, sizeof *kv * (size_t)(w->n_kv + 1));
	if (!kv)
		return PARQ_ENOMEM;
	w->kv = kv;
	char *k = parq_strdup(key), *v = parq_strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		return PARQ_ENOMEM;
	}
	kv[w->n_kv].key = k;
	kv[w->n_kv].value = v;
	w->n_kv++;
	return 0;
}

int64_t parq_writer_rows(const parq_writer *w) { return w->total_rows + w->rg_rows; }

static size_t rg_estimate(const parq_writer *w);

int64_t parq_writer_buffered(const parq_writer *w)
{
	return (int64_t)rg_estimate(w);
}

int64_t parq_writer_memory(const parq_writer *w)
{
	int64_t m = (int64_t)w->out.cap;
	for (int i = 0; i < w->n_cols; i++)
		m += (int64_t)parq_colw_memory(w->cols[i]);
	return m;
}

int parq_writer_trim(parq_writer *w)
{
	int rc = parq_writer_flush_row_group(w);
	if (!rc)
		rc = flush_out(w);
	for (int i = 0; !rc && i < w->n_cols; i++)
		rc = parq_colw_trim(w->cols[i]);
	if (!rc)
		parq_buf_free(&w->out);
	return rc;
}

/* The spill file: unlinked from the start (O_TMPFILE), or created and
 * unlinked where the file system cannot. */
static int spill_open(parq_writer *w)
{
	const char *dir = w->opts.spill_dir;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != ENOENT && errno != EACCES && errno != ENOSPC && errno != EROFS) {
		char path[4096];
		if ((size_t)snprintf(path, sizeof path, "%s/.parq-spill-XXXXXX", dir) < sizeof path &&
		    (fd = mkostemp(path, O_CLOEXEC)) >= 0)
			unlink(path);
	}
	if (fd < 0)
		return parq_err(PARQ_EIO, "%s: cannot create a spill file in %s: %s", w->name, dir, strerror(errno));
	w->spill_fd = fd;
	w->has_spill = true;
	w->spill_end = 0;
	return 0;
}

/* Appends to the spill file, through opts.io like the file's writes (the
 * file's position is its end: set back to 0 when the file is emptied). */
static int spill_sink(void *ud, const uint8_t *p, size_t n, int64_t *off)
{
	parq_writer *w = ud;
	*off = w->spill_end;
	size_t done = io_write_full(w->opts.io, w->spill_fd, p, n);
	w->spill_end += (int64_t)done;
	if (done < n)
		return parq_err(PARQ_EIO, "%s: cannot write the spill file in %s: %s", w->name, w->opts.spill_dir,
		                errno ? strerror(errno) : "no progress");
	return 0;
}

int64_t parq_writer_spillable(const parq_writer *w)
{
	int64_t n = 0;
	for (int i = 0; i < w->n_cols; i++)
		n += (int64_t)parq_colw_spillable(w->cols[i]);
	return n;
}

int parq_writer_spill(parq_writer *w)
{
	if (w->failed)
		return parq_err(w->failed, "%s: writer failed earlier", w->name);
	if (!w->opts.spill_dir)
		return parq_writer_trim(w);
	if (!parq_writer_spillable(w))
		return 0;
	int rc = w->has_spill ? 0 : spill_open(w);
	for (int i = 0; !rc && i < w->n_cols; i++)
		if ((rc = parq_colw_spill(w->cols[i], spill_sink, w)))
			rc = parq_err_prefix(rc, "column '%s': ", w->schema->leaves[i]->path);
	if (!rc)
		rc = flush_out(w);
	if (rc)
		return w_fail(w, rc);
	parq_buf_free(&w->out);
	return 0;
}

/* Copies a spilled run of pages into the file, through the output, in
 * blocks of w->spill_copy (allocated at the row group's first run). */
static int copy_spilled(parq_writer *w, const parq_colw_seg *s)
{
	uint8_t **buf = &w->spill_copy;
	if (!*buf && !(*buf = parq_malloc(SPILL_COPY)))
		return w_fail(w, PARQ_ENOMEM);
	for (size_t done = 0; done < s->len;) {
		size_t n = s->len - done < SPILL_COPY ? s->len - done : SPILL_COPY;
		ssize_t k = pread(w->spill_fd, *buf, n, s->off + (int64_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return w_fail(w, parq_err(PARQ_EIO, "%s: cannot read the spill file in %s: %s", w->name,
			                          w->opts.spill_dir, k < 0 ? strerror(errno) : "it ends early"));
		int rc = write_all(w, *buf, (size_t)k);
		if (rc)
			return rc;
		done += (size_t)k;
	}
	return 0;
}

int64_t parq_writer_bytes(const parq_writer *w)
{
	int64_t b = w->offset;
	for (int i = 0; i < w->n_cols; i++)
		b += (int64_t)parq_colw_estimate(w->cols[i]);
	return b;
}

/* Checks that a column batch is consistent with its leaf and nrows. */
static int check_batch(const parq_writer *w, int i, const parq_column_batch *b, int64_t nrows)
{
	const parq_node *leaf = w->schema->leaves[i];
	const char *col = leaf->path;
	if (b->num_rows != nrows)
		return parq_err(PARQ_EINVAL, "%s: column '%s': batch has %lld rows, expected %lld", w->name, col,
		                (long long)b->num_rows, (long long)nrows);
	if (leaf->max_rep == 0 && b->num_levels != nrows)
		return parq_err(PARQ_EINVAL, "%s: column '%s': %lld levels for %lld rows", w->name, col,
		                (long long)b->num_levels, (long long)nrows);
	if (b->num_levels < nrows || b->num_values < 0 || b->num_values > b->num_levels)
		return parq_err(PARQ_EINVAL, "%s: column '%s': inconsistent counts (%lld rows, %lld levels, %lld values)",
		                w->name, col, (long long)nrows, (long long)b->num_levels, (long long)b->num_values);
	if (leaf->max_def && !b->def_levels && b->num_levels)
		return parq_err(PARQ_EINVAL, "%s: column '%s': definition levels missing", w->name, col);
	if (leaf->max_rep && !b->rep_levels && b->num_levels)
		return parq_err(PARQ_EINVAL, "%s: column '%s': repetition levels missing", w->name, col);
	if (b->num_values && (leaf->type == PARQ_BYTE_ARRAY ? !b->bytes : !b->values))
		return parq_err(PARQ_EINVAL, "%s: column '%s': values missing", w->name, col);
	int64_t present = 0;
	if (leaf->max_def) {
		const int16_t *d = b->def_levels;
		int16_t md = leaf->max_def;
		int bad = 0;
		for (int64_t k = 0; k < b->num_levels; k++) {
			bad |= d[k] < 0 || d[k] > md;
			present += d[k] == md;
		}
		if (bad)
			return parq_err(PARQ_EINVAL, "%s: column '%s': definition level out of 0..%d", w->name, col, md);
	} else {
		present = b->num_levels;
	}
	if (present != b->num_values)
		return parq_err(PARQ_EINVAL, "%s: column '%s': levels define %lld values, batch has %lld", w->name,
		                col, (long long)present, (long long)b->num_values);
	if (leaf->max_rep) {
		const int16_t *r = b->rep_levels;
		int64_t starts = 0;
		int bad = b->num_levels && r[0] != 0;
		for (int64_t k = 0; k < b->num_levels; k++) {
			bad |= r[k] < 0 || r[k] > leaf->max_rep;
			starts += r[k] == 0;
		}
		if (bad)
			return parq_err(PARQ_EINVAL, "%s: column '%s': repetition levels invalid (first must be 0, all in 0..%d)",
			                w->name, col, leaf->max_rep);
		if (starts != nrows)
			return parq_err(PARQ_EINVAL, "%s: column '%s': repetition levels start %lld rows, expected %lld",
			                w->name, col, (long long)starts, (long long)nrows);
	}
	if (leaf->type == PARQ_BYTE_ARRAY)
		for (int64_t k = 0; k < b->num_values; k++)
			if (!b->bytes[k].ptr && b->bytes[k].len)
				return parq_err(PARQ_EINVAL, "%s: column '%s': value %lld is NULL with length %u", w->name,
				                col, (long long)k, b->bytes[k].len);
	return 0;
}

static int serialize_page_index(written_chunk *wc, const parq_colw_chunk *ch,
                                int64_t data_start)
{
	/* OffsetIndex: always. */
	parq_meta_offset_index oi;
	memset(&oi, 0, sizeof oi);
	parq_meta_page_location *locs = parq_calloc((size_t)ch->n_pages, sizeof *locs);
	if (!locs)
		return PARQ_ENOMEM;
	for (int p = 0; p < ch->n_pages; p++) {
		locs[p].offset = data_start + ch->pages[p].offset;
		locs[p].compressed_page_size = ch->pages[p].size;
		locs[p].first_row_index = ch->pages[p].first_row;
	}
	oi.page_locations = locs;
	oi.n_page_locations = (uint32_t)ch->n_pages;
	parq_buf b = {0};
	int rc = parq_meta_encode_offset_index(&b, &oi);
	free(locs);
	if (rc) {
		parq_buf_free(&b);
		return rc;
	}
	wc->offset_index = b.data;
	wc->offset_index_len = b.len;
	if (!ch->has_page_bounds)
		return 0;
	/* ColumnIndex: only when every non-null page has bounds. */
	parq_meta_column_index ci;
	memset(&ci, 0, sizeof ci);
	size_t n = (size_t)ch->n_pages;
	ci.null_pages = parq_calloc(n, sizeof *ci.null_pages);
	ci.min_values = parq_calloc(n, sizeof *ci.min_values);
	ci.max_values = parq_calloc(n, sizeof *ci.max_values);
	ci.null_counts = parq_calloc(n, sizeof *ci.null_counts);
	rc = (!ci.null_pages || !ci.min_values || !ci.max_values || !ci.null_counts) ? PARQ_ENOMEM : 0;
	if (!rc) {
		ci.n_null_pages = ci.n_min_values = ci.n_max_values = ci.n_null_counts = (uint32_t)n;
		bool asc = true, desc = true;
		parq_order ord = ch->stats->order;
		const parq_bytes *prev_min = NULL, *prev_max = NULL;
		for (size_t p = 0; p < n; p++) {
			const parq_colw_page *pg = &ch->pages[p];
			ci.null_pages[p] = pg->null_page;
			ci.null_counts[p] = pg->nulls;
			if (pg->null_page)
				continue; /* empty bounds for all-null pages */
			ci.min_values[p].ptr = ch->bounds->data + pg->min_off;
			ci.min_values[p].len = (uint32_t)pg->min_len;
			ci.max_values[p].ptr = ch->bounds->data + pg->max_off;
			ci.max_values[p].len = (uint32_t)pg->max_len;
			if (prev_min) {
				if (parq_order_compare(ord, prev_min->ptr, prev_min->len, ci.min_values[p].ptr, ci.min_values[p].len) > 0 ||
				    parq_order_compare(ord, prev_max->ptr, prev_max->len, ci.max_values[p].ptr, ci.max_values[p].len) > 0)
					asc = false;
				if (parq_order_compare(ord, prev_min->ptr, prev_min->len, ci.min_values[p].ptr, ci.min_values[p].len) < 0 ||
				    parq_order_compare(ord, prev_max->ptr, prev_max->len, ci.max_values[p].ptr, ci.max_values[p].len) < 0)
					desc = false;
			}
			prev_min = &ci.min_values[p];
			prev_max = &ci.max_values[p];
		}
		ci.boundary_order = asc ? PARQ_BOUNDARY_ASCENDING : desc ? PARQ_BOUNDARY_DESCENDING
		                                                         : PARQ_BOUNDARY_UNORDERED;
		parq_buf cb = {0};
		rc = parq_meta_encode_column_index(&cb, &ci);
		if (rc)
			parq_buf_free(&cb);
		else {
			wc->column_index = cb.data;
			wc->column_index_len = cb.len;
		}
	}
	free(ci.null_pages);
	free(ci.min_values);
	free(ci.max_values);
	free(ci.null_counts);
	return rc;
}

static int fill_chunk_meta(parq_writer *w, int i, written_chunk *wc, const parq_colw_chunk *ch,
                           int64_t start)
{
	const parq_node *leaf = w->schema->leaves[i];
	chunk_build *cb = &w->build[i];
	parq_meta_column *m = &cb->meta;
	/* what the last row group set goes; the path stays */
	parq_bytes *path = m->path;
	uint32_t n_path = m->n_path;
	memset(m, 0, sizeof *m);
	m->path = path;
	m->n_path = n_path;
	wc->file_offset = start;
	m->type = leaf->type;
	int ne = 0;
	for (int e = 0; e < 10; e++)
		if (ch->encodings & (1u << e))
			cb->encodings[ne++] = e;
	m->encodings = cb->encodings;
	m->n_encodings = (uint32_t)ne;
	m->codec = ch->codec;
	m->num_values = ch->num_values;
	m->total_uncompressed_size = ch->total_uncompressed;
	m->total_compressed_size = ch->total_compressed;
	int64_t dict_len = (int64_t)ch->dict_page->len;
	if (dict_len) {
		m->has_dictionary_page_offset = true;
		m->dictionary_page_offset = start;
	}
	m->data_page_offset = start + dict_len;
	/* encoding stats: how each page was encoded */
	int ns = 0;
	if (ch->dict_pages)
		cb->enc_stats[ns++] = (parq_meta_page_enc_stats){PARQ_PAGE_DICTIONARY, PARQ_ENC_PLAIN, ch->dict_pages};
	int dtype = w->opts.data_page_version == 2 ? PARQ_PAGE_DATA_V2 : PARQ_PAGE_DATA;
	if (ch->dict_data_pages)
		cb->enc_stats[ns++] = (parq_meta_page_enc_stats){dtype, PARQ_ENC_RLE_DICTIONARY, ch->dict_data_pages};
	if (ch->plain_data_pages)
		cb->enc_stats[ns++] = (parq_meta_page_enc_stats){dtype, ch->data_encoding, ch->plain_data_pages};
	if (ch->delta_data_pages)
		cb->enc_stats[ns++] =
		    (parq_meta_page_enc_stats){dtype, PARQ_ENC_DELTA_BINARY_PACKED, ch->delta_data_pages};
	m->enc_stats = cb->enc_stats;
	m->n_enc_stats = (uint32_t)ns;
	if (w->opts.statistics && parq_order_of(leaf) != PARQ_ORDER_NONE) {
		parq_buf *sb = &cb->stats;
		parq_stats_enc e;
		bool utf8 = leaf->logical.kind == PARQ_LT_STRING || leaf->logical.kind == PARQ_LT_JSON ||
		            leaf->logical.kind == PARQ_LT_ENUM;
		sb->len = 0;
		if (parq_stats_encode(ch->stats, w->opts.statistics_max_bytes, utf8, sb, &e))
			return PARQ_ENOMEM;
		m->has_stats = true;
		m->stats.has_null_count = true;
		m->stats.null_count = ch->stats->nulls;
		if (e.has) {
			m->stats.has_min_value = m->stats.has_max_value = true;
			m->stats.min_value = (parq_bytes){sb->data + e.min_off, (uint32_t)e.min_len};
			m->stats.max_value = (parq_bytes){sb->data + e.max_off, (uint32_t)e.max_len};
			m->stats.has_is_min_value_exact = m->stats.has_is_max_value_exact = true;
			m->stats.is_min_value_exact = e.min_exact;
			m->stats.is_max_value_exact = e.max_exact;
			/* Legacy min/max share the signed order for these types. */
			parq_order o = ch->stats->order;
			if (o == PARQ_ORDER_I32 || o == PARQ_ORDER_I64 || o == PARQ_ORDER_BOOL ||
			    o == PARQ_ORDER_FLOAT || o == PARQ_ORDER_DOUBLE) {
				m->stats.has_min = m->stats.has_max = true;
				m->stats.min = m->stats.min_value;
				m->stats.max = m->stats.max_value;
			}
		}
	}
	/* path_in_schema: the leaf's names below the root */
	return 0;
}

int parq_writer_flush_row_group(parq_writer *w)
{
	if (w->failed)
		return parq_err(w->failed, "%s: writer failed earlier", w->name);
	if (w->rg_rows == 0)
		return 0;
	if (w->n_rgs == w->cap_rgs) {
		int cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
		written_rg *r = parq_realloc(w->rgs, sizeof *r * (size_t)cap);
		if (!r)
			return w_fail(w, PARQ_ENOMEM);
		w->rgs = r;
		w->cap_rgs = cap;
	}
	written_rg *rg = &w->rgs[w->n_rgs];
	memset(rg, 0, sizeof *rg);
	rg->chunks = parq_calloc((size_t)w->n_cols, sizeof *rg->chunks);
	if (!rg->chunks)
		return w_fail(w, PARQ_ENOMEM);
	w->n_rgs++;
	rg->num_rows = w->rg_rows;
	rg->file_offset = w->offset;
	for (int i = 0; i < w->n_cols; i++) {
		parq_colw_chunk ch;
		int rc = parq_colw_finish(w->cols[i], &ch);
		if (rc)
			return w_fail(w, parq_err_prefix(rc, "%s: column '%s': ", w->name, w->schema->leaves[i]->path));
		int64_t start = w->offset;
		if ((rc = write_all(w, ch.dict_page->data, ch.dict_page->len)))
			return rc;
		for (int k = 0; k < ch.n_spilled && !rc; k++)
			rc = copy_spilled(w, &ch.spilled[k]);
		if (rc)
			return rc;
		if ((rc = write_all(w, ch.data_pages->data, ch.data_pages->len)))
			return rc;
		written_chunk *wc = &rg->chunks[i];
		if ((rc = fill_chunk_meta(w, i, wc, &ch, start)))
			return w_fail(w, rc);
		if (w->opts.page_index && ch.n_pages >= w->opts.page_index_min_pages &&
		    (rc = serialize_page_index(wc, &ch, start + (int64_t)ch.dict_page->len)))
			return w_fail(w, rc);
		if (ch.bloom->len) {
			wc->bloom = parq_malloc(ch.bloom->len);
			if (!wc->bloom)
				return w_fail(w, PARQ_ENOMEM);
			memcpy(wc->bloom, ch.bloom->data, ch.bloom->len);
			wc->bloom_len = ch.bloom->len;
		}
		rg->total_byte_size += ch.total_uncompressed;
		rg->total_compressed += ch.total_compressed;
		parq_colw_reset(w->cols[i]);
	}
	/* Bloom filters follow the row group's column chunks; then each
	 * chunk's metadata is complete and kept encoded */
	for (int i = 0; i < w->n_cols; i++) {
		written_chunk *wc = &rg->chunks[i];
		parq_meta_column *m = &w->build[i].meta;
		if (wc->bloom) {
			m->has_bloom_filter_offset = m->has_bloom_filter_length = true;
			m->bloom_filter_offset = w->offset;
			m->bloom_filter_length = (int32_t)wc->bloom_len;
			int rc = write_all(w, wc->bloom, wc->bloom_len);
			if (rc)
				return rc;
			free(wc->bloom);
			wc->bloom = NULL;
		}
		w->scratch.len = 0;
		int rc = parq_meta_encode_column_meta(&w->scratch, m);
		if (!rc && !(wc->meta = parq_malloc(w->scratch.len ? w->scratch.len : 1)))
			rc = PARQ_ENOMEM;
		if (rc)
			return w_fail(w, rc);
		memcpy(wc->meta, w->scratch.data, w->scratch.len);
		wc->meta_len = (uint32_t)w->scratch.len;
	}
	w->total_rows += w->rg_rows;
	w->rg_rows = 0;
	free(w->spill_copy);
	w->spill_copy = NULL;
	if (w->has_spill && w->spill_end) {
		/* the next row group's pages start the file again (where it
		 * cannot shrink, they are written over) */
		int shrunk = ftruncate(w->spill_fd, 0);
		(void)shrunk;
		if (lseek(w->spill_fd, 0, SEEK_SET) != 0)
			return w_fail(w, parq_err(PARQ_EIO, "%s: cannot rewind the spill file: %s", w->name, strerror(errno)));
		w->spill_end = 0;
	}
	return 0;
}

static size_t rg_estimate(const parq_writer *w)
{
	size_t b = 0;
	for (int i = 0; i < w->n_cols; i++)
		b += parq_colw_estimate(w->cols[i]);
	return b;
}

/* Level index where row `rows` (counted from level `from`) begins. */
static int64_t level_of_row(const int16_t *rep, int64_t from, int64_t n_levels, int64_t rows)
{
	if (!rep)
		return from + rows;
	int64_t seen = 0, k = from;
	for (; k < n_levels; k++) {
		if (rep[k] == 0) {
			if (seen == rows)
				return k;
			seen++;
		}
	}
	return k;
}

int parq_writer_write(parq_writer *w, const parq_column_batch *cols, int64_t nrows)
{
	if (w->failed)
		return parq_err(w->failed, "%s: writer failed earlier", w->name);
	if (nrows < 0)
		return parq_err(PARQ_EINVAL, "%s: negative row count", w->name);
	if (nrows == 0)
		return 0;
	for (int i = 0; i < w->n_cols; i++) {
		int rc = check_batch(w, i, &cols[i], nrows);
		if (rc)
			return rc;
	}
	int64_t *lpos = parq_calloc((size_t)w->n_cols * 2, sizeof *lpos);
	if (!lpos)
		return PARQ_ENOMEM;
	int64_t *vpos = lpos + w->n_cols;
	int64_t done = 0;
	int rc = 0;
	while (done < nrows && !rc) {
		int64_t n = nrows - done;
		if (n > SLICE_ROWS)
			n = SLICE_ROWS;
		if (n > w->opts.row_group_rows - w->rg_rows)
			n = w->opts.row_group_rows - w->rg_rows;
		for (int i = 0; i < w->n_cols && !rc; i++) {
			const parq_column_batch *b = &cols[i];
			const parq_node *leaf = w->schema->leaves[i];
			int64_t l0 = lpos[i];
			int64_t l1 = done + n == nrows ? b->num_levels
			                               : level_of_row(b->rep_levels, l0, b->num_levels, n);
			int64_t nv;
			if (b->def_levels) {
				nv = 0;
				for (int64_t k = l0; k < l1; k++)
					nv += b->def_levels[k] == leaf->max_def;
			} else {
				nv = l1 - l0;
			}
			size_t width = leaf->type == PARQ_BOOLEAN ? 1 : leaf->type == PARQ_INT32 || leaf->type == PARQ_FLOAT ? 4
			             : leaf->type == PARQ_INT64 || leaf->type == PARQ_DOUBLE ? 8
			             : leaf->type == PARQ_INT96 ? 12 : leaf->type == PARQ_FIXED_LEN_BYTE_ARRAY ? (size_t)leaf->type_length : 0;
			const void *vals = width && b->values ? (const uint8_t *)b->values + (size_t)vpos[i] * width : NULL;
			const parq_bytes *bytes = leaf->type == PARQ_BYTE_ARRAY && b->bytes ? b->bytes + vpos[i] : NULL;
			rc = parq_colw_append(w->cols[i], b->def_levels ? b->def_levels + l0 : NULL,
			                      b->rep_levels ? b->rep_levels + l0 : NULL, l1 - l0, vals, bytes, nv, n);
			if (rc)
				rc = w_fail(w, parq_err_prefix(rc, "%s: column '%s': ", w->name, leaf->path));
			lpos[i] = l1;
			vpos[i] += nv;
		}
		if (rc)
			break;
		w->rg_rows += n;
		done += n;
		if (w->rg_rows >= w->opts.row_group_rows || rg_estimate(w) >= w->opts.row_group_bytes)
			rc = parq_writer_flush_row_group(w);
	}
	free(lpos);
	return rc;
}


/* Appends an index blob (NULL: none) to idx and points the chunk's
 * offset and length at where it lands in the file (idx starts at `at`). */
static int place_index(parq_buf *idx, int64_t at, const void *p, size_t len, int64_t *off, int32_t *n,
                       bool *has_off, bool *has_len)
{
	*has_off = *has_len = p != NULL;
	if (!p)
		return 0;
	*off = at + (int64_t)idx->len;
	*n = (int32_t)len;
	return parq_buf_append(idx, p, len);
}

static int write_page_indexes(parq_writer *w)
{
	int rc;
	/* Page indexes go between the last row group and the footer: first
	 * those of the carried row groups, moved here from the old file. They
	 * are gathered and written at once: an appended file carries many. */
	parq_buf idx = {0};
	parq_writer_base *base = w->base;
	int nb = base ? base->n_row_groups : 0;
	/* all column indexes, then all offset indexes (kind 0, then 1) */
	for (int kind = 0; kind < 2; kind++) {
		for (int r = 0; r < nb; r++)
			for (int i = 0; i < w->n_cols; i++) {
				parq_meta_chunk *c = &base->row_groups[r].columns[i];
				size_t k = (size_t)r * (size_t)w->n_cols + (size_t)i;
				parq_bytes b = kind ? base->offset_index[k] : base->column_index[k];
				if (kind ? place_index(&idx, w->offset, b.ptr, b.len, &c->offset_index_offset,
				                       &c->offset_index_length, &c->has_offset_index_offset,
				                       &c->has_offset_index_length)
				         : place_index(&idx, w->offset, b.ptr, b.len, &c->column_index_offset,
				                       &c->column_index_length, &c->has_column_index_offset,
				                       &c->has_column_index_length))
					goto nomem;
			}
		for (int r = 0; w->opts.page_index && r < w->n_rgs; r++)
			for (int i = 0; i < w->n_cols; i++) {
				written_chunk *wc = &w->rgs[r].chunks[i];
				if (kind ? place_index(&idx, w->offset, wc->offset_index, wc->offset_index_len,
				                       &wc->offset_index_offset, &wc->offset_index_length, &wc->has_oi_offset,
				                       &wc->has_oi_length)
				         : place_index(&idx, w->offset, wc->column_index, wc->column_index_len,
				                       &wc->column_index_offset, &wc->column_index_length, &wc->has_ci_offset,
				                       &wc->has_ci_length))
					goto nomem;
			}
	}
	rc = idx.len ? write_all(w, idx.data, idx.len) : 0;
	parq_buf_free(&idx);
	return rc;
nomem:
	parq_buf_free(&idx);
	return w_fail(w, PARQ_ENOMEM);
}

static int write_footer(parq_writer *w)
{
	int rc = write_page_indexes(w);
	if (rc)
		return rc;
	parq_writer_base *base = w->base;
	int nb = base ? base->n_row_groups : 0;
	parq_file_meta fm;
	memset(&fm, 0, sizeof fm);
	fm.version = 2;
	fm.num_rows = (base ? base->rows : 0) + w->total_rows;
	if ((rc = parq_schema_to_meta(w->schema, &fm.schema, &fm.n_schema)))
		return rc;
	parq_meta_row_group *rgs = parq_calloc((size_t)(nb + w->n_rgs), sizeof *rgs);
	parq_meta_chunk *chunks = parq_calloc((size_t)w->n_rgs * (size_t)w->n_cols, sizeof *chunks);
	parq_meta_kv *kv = parq_calloc((size_t)w->n_kv, sizeof *kv);
	int32_t *orders = parq_calloc((size_t)w->n_cols, sizeof *orders);
	char created_by[512];
	if (!rgs || !chunks || !kv || !orders) {
		rc = PARQ_ENOMEM;
		goto out;
	}
	for (int i = 0; i < w->n_cols; i++)
		orders[i] = 1;
	for (int r = 0; r < nb; r++) {
		rgs[r] = base->row_groups[r];
		rgs[r].has_ordinal = r <= INT16_MAX;
		rgs[r].ordinal = (int16_t)r;
	}
	for (int r = 0; r < w->n_rgs; r++) {
		written_rg *wr = &w->rgs[r];
		parq_meta_row_group *g = &rgs[nb + r];
		g->columns = chunks + (size_t)r * (size_t)w->n_cols;
		g->n_columns = (uint32_t)w->n_cols;
		g->num_rows = wr->num_rows;
		g->total_byte_size = wr->total_byte_size;
		g->has_total_compressed_size = true;
		g->total_compressed_size = wr->total_compressed;
		g->has_file_offset = true;
		g->file_offset = wr->file_offset;
		g->has_ordinal = nb + r <= INT16_MAX;
		g->ordinal = (int16_t)(nb + r);
		for (int i = 0; i < w->n_cols; i++) {
			parq_meta_chunk *c = &g->columns[i];
			const written_chunk *wc = &wr->chunks[i];
			c->file_offset = wc->file_offset;
			c->has_meta = c->has_meta_raw = true;
			c->meta_raw = (parq_bytes){wc->meta, wc->meta_len};
			c->offset_index_offset = wc->offset_index_offset;
			c->offset_index_length = wc->offset_index_length;
			c->has_offset_index_offset = wc->has_oi_offset;
			c->has_offset_index_length = wc->has_oi_length;
			c->column_index_offset = wc->column_index_offset;
			c->column_index_length = wc->column_index_length;
			c->has_column_index_offset = wc->has_ci_offset;
			c->has_column_index_length = wc->has_ci_length;
		}
	}
	fm.row_groups = rgs;
	fm.n_row_groups = (uint32_t)(nb + w->n_rgs);
	for (int i = 0; i < w->n_kv; i++) {
		kv[i].key = (parq_bytes){(const uint8_t *)w->kv[i].key, (uint32_t)strlen(w->kv[i].key)};
		kv[i].value = (parq_bytes){(const uint8_t *)w->kv[i].value, (uint32_t)strlen(w->kv[i].value)};
		kv[i].has_value = true;
	}
	fm.kv = kv;
	fm.n_kv = (uint32_t)w->n_kv;
	if (w->opts.created_by || (base && base->created_by))
		snprintf(created_by, sizeof created_by, "%s", w->opts.created_by ? w->opts.created_by : base->created_by);
	else
		snprintf(created_by, sizeof created_by, "parq version %s (probestore)", PARQ_VERSION_STRING);
	fm.has_created_by = true;
	fm.created_by = (parq_bytes){(const uint8_t *)created_by, (uint32_t)strlen(created_by)};
	fm.column_orders = orders;
	fm.n_column_orders = (uint32_t)w->n_cols;
	w->scratch.len = 0;
	if ((rc = parq_meta_encode_file(&w->scratch, &fm)))
		goto out;
	uint8_t tail[8];
	parq_store_u32(tail, (uint32_t)w->scratch.len);
	memcpy(tail + 4, "PAR1", 4);
	if ((rc = write_all(w, w->scratch.data, w->scratch.len)) || (rc = write_all(w, tail, 8)))
		goto out;
out:
	free(fm.schema);
	free(rgs);
	free(chunks);
	free(kv);
	free(orders);
	return rc;
}

int parq_writer_close(parq_writer *w, int64_t *file_size)
{
	if (!w)
		return parq_err(PARQ_EINVAL, "parq_writer_close: NULL writer");
	int rc = w->failed ? parq_err(w->failed, "%s: writer failed earlier; file not finished", w->name) : 0;
	if (!rc)
		rc = parq_writer_flush_row_group(w);
	if (!rc)
		rc = write_footer(w);
	if (!rc)
		rc = flush_out(w);
	if (!rc && w->opts.fsync &&
	    (w->opts.io && w->opts.io->fsync ? w->opts.io->fsync(w->opts.io->ud, w->fd) : fsync(w->fd)) != 0)
		rc = parq_err(PARQ_EIO, "%s: fsync failed: %s", w->name, strerror(errno));
	if (!rc && w->own_fd) {
		int fd = w->fd;
		w->fd = -1;
		if (close(fd) != 0)
			rc = parq_err(PARQ_EIO, "%s: close failed: %s", w->name, strerror(errno));
	}
	if (!rc && file_size)
		*file_size = w->offset;
	if (rc && w->path) {
		/* Never leave a file that might pass for complete. */
		unlink(w->path);
	}
	writer_free(w);
	return rc;
}

void parq_writer_abort(parq_writer *w)
{
	if (!w)
		return;
	if (w->path)
		unlink(w->path);
	writer_free(w);
}
