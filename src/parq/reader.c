/* File reader: opening, footer and metadata validation, raw reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "schema.h"
#include "thrift.h"

void parq_reader_options_default(parq_reader_options *o)
{
	memset(o, 0, sizeof *o);
	o->verify_crc = true;
	o->max_page_bytes = PARQ_MAX_PAGE_BYTES_DEFAULT;
	o->max_footer_bytes = (size_t)256 << 20;
}

/* The source's error as the reader's: what was read, where, and why. */
static int source_fail(const parq_reader *r, int rc, int err, const char *what, size_t len, int64_t off)
{
	int code = rc < 0 && rc >= PARQ_ECANCELED ? rc : PARQ_EIO;
	return parq_err(code, "%s: %s of %zu bytes at offset %lld failed: %s", r->name, what, len, (long long)off,
	                err ? strerror(err) : parq_strerror(code));
}

static int source_read(parq_reader *r, void *buf, size_t len, int64_t off)
{
	if (!len)
		return 0;
	errno = 0;
	int rc = r->src.read_at(r->src.ud, buf, len, off);
	return rc ? source_fail(r, rc, errno, "read", len, off) : 0;
}

static int range_cmp(const void *a, const void *b)
{
	const parq_range *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off ? 1 : (x->len > y->len) - (x->len < y->len);
}

int parq_reader_prefetch(parq_reader *r, parq_range *ranges, size_t *n)
{
	if (!r->has_src || !r->src.prefetch || !*n)
		return 0;
	/* clip to the file, drop the empty, sort, merge what touches */
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		int64_t a = ranges[i].off, l = ranges[i].len;
		if (a < 0 || a >= r->size || l <= 0)
			continue;
		ranges[k++] = (parq_range){a, l > r->size - a ? r->size - a : l};
	}
	qsort(ranges, k, sizeof *ranges, range_cmp);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (m && ranges[i].off <= ranges[m - 1].off + ranges[m - 1].len) {
			int64_t e = ranges[i].off + ranges[i].len;
			if (e > ranges[m - 1].off + ranges[m - 1].len)
				ranges[m - 1].len = e - ranges[m - 1].off;
		} else {
			ranges[m++] = ranges[i];
		}
	}
	*n = m;
	if (!m)
		return 0;
	errno = 0;
	int rc = r->src.prefetch(r->src.ud, ranges, m);
	if (!rc)
		return 0;
	int64_t total = 0;
	for (size_t i = 0; i < m; i++)
		total += ranges[i].len;
	char what[64];
	snprintf(what, sizeof what, "prefetch of %zu ranges", m);
	return source_fail(r, rc, errno, what, (size_t)total, ranges[0].off);
}

int parq_reader_pread(parq_reader *r, void *buf, size_t len, int64_t off)
{
	if (off < 0 || (uint64_t)off > (uint64_t)r->size || len > (uint64_t)(r->size - off))
		return parq_err(PARQ_ECORRUPT, "%s: read of %zu bytes at offset %lld is past the end of the file (%lld bytes)",
		                r->name, len, (long long)off, (long long)r->size);
	if (r->mem) {
		memcpy(buf, r->mem + off, len);
		return 0;
	}
	if (r->has_src)
		return source_read(r, buf, len, off);
	uint8_t *p = buf;
	while (len) {
		size_t want = r->opts.read_size && len > r->opts.read_size ? r->opts.read_size : len;
		ssize_t k = pread(r->fd, p, want, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return parq_err(PARQ_EIO, "%s: read at offset %lld failed: %s", r->name, (long long)off,
			                strerror(errno));
		}
		if (k == 0)
			return parq_err(PARQ_EIO, "%s: file shrank while reading (offset %lld)", r->name, (long long)off);
		p += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

int parq_reader_view(parq_reader *r, int64_t off, size_t len, parq_buf *buf, const uint8_t **out)
{
	if (off < 0 || (uint64_t)off > (uint64_t)r->size || len > (uint64_t)(r->size - off))
		return parq_err(PARQ_ECORRUPT, "%s: %zu bytes at offset %lld lie past the end of the file (%lld bytes)",
		                r->name, len, (long long)off, (long long)r->size);
	if (r->mem) {
		*out = r->mem + off;
		return 0;
	}
	buf->len = 0;
	if (parq_buf_reserve(buf, len))
		return PARQ_ENOMEM;
	int rc = parq_reader_pread(r, buf->data, len, off);
	if (rc)
		return rc;
	buf->len = len;
	*out = buf->data;
	return 0;
}

/* Checks what later stages rely on, so they need not check again. */
static int validate(parq_reader *r)
{
	const parq_file_meta *m = &r->meta;
	const parq_schema *s = r->schema;
	if (m->num_rows < 0)
		return parq_err(PARQ_ECORRUPT, "%s: negative row count %lld", r->name, (long long)m->num_rows);
	int64_t rows = 0;
	for (uint32_t g = 0; g < m->n_row_groups; g++) {
		const parq_meta_row_group *rg = &m->row_groups[g];
		if (rg->num_rows < 0)
			return parq_err(PARQ_ECORRUPT, "%s: row group %u has a negative row count", r->name, g);
		if (rg->n_columns != (uint32_t)s->n_leaves)
			return parq_err(PARQ_ECORRUPT, "%s: row group %u has %u column chunks, the schema has %d columns",
			                r->name, g, rg->n_columns, s->n_leaves);
		rows += rg->num_rows;
		for (uint32_t c = 0; c < rg->n_columns; c++) {
			const parq_meta_chunk *ch = &rg->columns[c];
			const parq_node *leaf = s->leaves[c];
			if (ch->encrypted || !ch->has_meta) {
				if (ch->encrypted)
					return parq_err(PARQ_EUNSUPPORTED, "%s: column '%s' is encrypted", r->name, leaf->path);
				return parq_err(PARQ_ECORRUPT, "%s: row group %u column '%s' has no metadata", r->name, g,
				                leaf->path);
			}
			if (ch->has_file_path)
				return parq_err(PARQ_EUNSUPPORTED, "%s: column '%s' lives in another file (%.*s)", r->name,
				                leaf->path, (int)ch->file_path.len, (const char *)ch->file_path.ptr);
			const parq_meta_column *cm = &ch->meta;
			if (cm->type != (int32_t)leaf->type)
				return parq_err(PARQ_ECORRUPT, "%s: row group %u column '%s' is %s in the chunk, %s in the schema",
				                r->name, g, leaf->path, parq_type_name((parq_type)cm->type),
				                parq_type_name(leaf->type));
			if (cm->num_values < 0 || cm->total_compressed_size < 0 || cm->data_page_offset < 0)
				return parq_err(PARQ_ECORRUPT, "%s: row group %u column '%s' has negative sizes", r->name, g,
				                leaf->path);
			if (cm->data_page_offset >= r->size || cm->total_compressed_size > r->size)
				return parq_err(PARQ_ECORRUPT, "%s: row group %u column '%s' points past the end of the file",
				                r->name, g, leaf->path);
		}
	}
	(void)rows; /* some writers leave FileMetaData.num_rows inconsistent; row groups rule */
	return 0;
}

/* Is created_by a parquet-mr older than 1.2.9 (or without a version)? */
static bool writer_omits_dict_header(const parq_file_meta *m)
{
	static const char app[] = "parquet-mr";
	if (!m->has_created_by || m->created_by.len < sizeof app - 1 ||
	    memcmp(m->created_by.ptr, app, sizeof app - 1) != 0)
		return false;
	char text[64];
	size_t n = m->created_by.len < sizeof text - 1 ? m->created_by.len : sizeof text - 1;
	memcpy(text, m->created_by.ptr, n);
	text[n] = 0;
	int v[3] = {0, 0, 0};
	if (strncmp(text + sizeof app - 1, " version ", 9) != 0)
		return text[sizeof app - 1] == 0 || text[sizeof app - 1] == ' ';
	char *p = text + sizeof app - 1 + 9;
	for (int i = 0; i < 3 && *p >= '0' && *p <= '9'; i++) {
		long x = strtol(p, &p, 10);
		v[i] = x > 100000 ? 100000 : (int)x;
		if (*p != '.')
			break;
		p++;
	}
	return v[0] < 1 || (v[0] == 1 && (v[1] < 2 || (v[1] == 2 && v[2] < 9)));
}

static int reader_load_footer(parq_reader *r, const uint8_t *head, const uint8_t *tail, const uint8_t *end,
                              size_t nend);

static int reader_load(parq_reader *r)
{
	if (r->size < 12)
		return parq_err(PARQ_ECORRUPT, "%s: %lld bytes is too small for a Parquet file (needs at least 12)",
		                r->name, (long long)r->size);
	uint8_t head[4], tail[8];
	int rc;
	/* with a read size, the end of the file in one read: the footer's
	 * length and, when it fits, the footer itself */
	uint8_t *end = NULL;
	size_t nend = 0;
	if (!r->mem && r->opts.read_size > 8) {
		nend = (uint64_t)r->size < r->opts.read_size ? (size_t)r->size : r->opts.read_size;
		if (!(end = parq_malloc(nend)))
			return PARQ_ENOMEM;
		if ((rc = parq_reader_pread(r, end, nend, r->size - (int64_t)nend))) {
			free(end);
			return rc;
		}
		memcpy(tail, end + nend - 8, 8);
	}
	/* the leading magic: within the tail when that is the whole file; a
	 * source (an object read by requests) is not asked for it, since a
	 * 4-byte request costs a round trip and a damaged start fails the
	 * first page read anyway */
	bool head_read = true;
	if (end && (int64_t)nend == r->size)
		memcpy(head, end, 4);
	else if (r->has_src)
		memcpy(head, "PAR1", 4);
	else
		head_read = false;
	if ((!head_read && (rc = parq_reader_pread(r, head, 4, 0))) ||
	    (!end && (rc = parq_reader_pread(r, tail, 8, r->size - 8)))) {
		free(end);
		return rc;
	}
	rc = reader_load_footer(r, head, tail, end, nend);
	free(end);
	return rc;
}

/* The rest of reader_load, with the first 4 and last 8 bytes, and the
 * file's last nend bytes when they were read (end, else NULL). */
static int reader_load_footer(parq_reader *r, const uint8_t *head, const uint8_t *tail, const uint8_t *end,
                              size_t nend)
{
	int rc;
	if (memcmp(tail + 4, "PARE", 4) == 0)
		return parq_err(PARQ_EUNSUPPORTED, "%s: the footer is encrypted (PARE), which is not supported", r->name);
	if (memcmp(tail + 4, "PAR1", 4) != 0)
		return parq_err(PARQ_ECORRUPT, "%s: not a Parquet file (no PAR1 magic at the end)", r->name);
	if (memcmp(head, "PAR1", 4) != 0)
		return parq_err(PARQ_ECORRUPT, "%s: not a Parquet file (no PAR1 magic at the start)", r->name);
	uint32_t flen = parq_load_u32(tail);
	if ((int64_t)flen > r->size - 12)
		return parq_err(PARQ_ECORRUPT, "%s: footer length %u exceeds the file size (%lld bytes)", r->name, flen,
		                (long long)r->size);
	if (flen > r->opts.max_footer_bytes)
		return parq_err(PARQ_ELIMIT, "%s: footer of %u bytes exceeds the limit of %zu", r->name, flen,
		                r->opts.max_footer_bytes);
	r->footer = parq_malloc(flen ? flen : 1);
	if (!r->footer)
		return PARQ_ENOMEM;
	if (end && (size_t)flen + 8 <= nend)
		memcpy(r->footer, end + nend - 8 - flen, flen);
	else if ((rc = parq_reader_pread(r, r->footer, flen, r->size - 8 - flen)))
		return rc;
	/* Decoded metadata is a bounded multiple of the footer's size. */
	parq_arena_init(&r->arena, (size_t)flen * 64 + ((size_t)1 << 20));
	if ((rc = parq_meta_decode_file(&r->arena, r->footer, flen, &r->meta)))
		return parq_err_prefix(rc, "%s: footer: ", r->name);
	if (r->meta.encrypted)
		return parq_err(PARQ_EUNSUPPORTED, "%s: the file is encrypted, which is not supported", r->name);
	if ((rc = parq_schema_from_meta(&r->schema, r->meta.schema, r->meta.n_schema)))
		return parq_err_prefix(rc, "%s: ", r->name);
	if (writer_omits_dict_header(&r->meta))
		r->chunk_slack = 100; /* the largest dictionary page header, as Arrow allows */
	return validate(r);
}

static int reader_new(parq_reader **out, const char *name, const parq_reader_options *opts)
{
	parq_reader *r = parq_calloc(1, sizeof *r);
	if (!r)
		return PARQ_ENOMEM;
	r->fd = -1;
	if (opts)
		r->opts = *opts;
	else
		parq_reader_options_default(&r->opts);
	if (!r->opts.max_page_bytes)
		r->opts.max_page_bytes = PARQ_MAX_PAGE_BYTES_DEFAULT;
	if (!r->opts.max_footer_bytes)
		r->opts.max_footer_bytes = (size_t)256 << 20;
	if (!(r->name = parq_strdup(name))) {
		free(r);
		return PARQ_ENOMEM;
	}
	*out = r;
	return 0;
}

/* The end of every open: the whole file read at once when read_all asks
 * for it (and it is not in memory already), then the footer. Closes r on
 * failure. */
static int reader_finish_open(parq_reader *r, parq_reader **out)
{
	int rc;
	if (r->opts.read_all && !r->mem && r->size > 0) {
		if ((uint64_t)r->size > SIZE_MAX || !(r->owned = parq_malloc((size_t)r->size))) {
			rc = parq_err(PARQ_ENOMEM, "%s: no memory to read its %lld bytes at once (read_all)", r->name,
			              (long long)r->size);
			parq_reader_close(r);
			return rc;
		}
		if ((rc = parq_reader_pread(r, r->owned, (size_t)r->size, 0))) {
			parq_reader_close(r);
			return rc;
		}
		r->mem = r->owned;
	}
	if ((rc = reader_load(r))) {
		parq_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int parq_reader_open(parq_reader **out, const char *path, const parq_reader_options *opts)
{
	parq_reader *r;
	int rc = reader_new(&r, path, opts);
	if (rc)
		return rc;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = parq_err(PARQ_EIO, "%s: cannot open: %s", path, strerror(errno));
		parq_reader_close(r);
		return rc;
	}
	struct stat st;
	if (fstat(r->fd, &st) != 0) {
		rc = parq_err(PARQ_EIO, "%s: cannot stat: %s", path, strerror(errno));
		parq_reader_close(r);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = parq_err(PARQ_EIO, "%s: not a regular file", path);
		parq_reader_close(r);
		return rc;
	}
	r->size = st.st_size;
	if (r->opts.use_mmap && r->size > 0) {
		void *p = mmap(NULL, (size_t)r->size, PROT_READ, MAP_PRIVATE, r->fd, 0);
		if (p != MAP_FAILED) {
			r->map = p;
			r->mem = p;
		}
	}
	return reader_finish_open(r, out);
}

int parq_reader_open_memory(parq_reader **out, const void *data, size_t len, const char *name,
                            const parq_reader_options *opts)
{
	parq_reader *r;
	int rc = reader_new(&r, name ? name : "<memory>", opts);
	if (rc)
		return rc;
	r->mem = data;
	r->size = (int64_t)len;
	if ((rc = reader_load(r))) {
		parq_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int parq_reader_open_source(parq_reader **out, const parq_source *src, const char *name,
                            const parq_reader_options *opts)
{
	if (!src || !src->read_at || src->size < 0) {
		if (src && src->close)
			src->close(src->ud);
		return parq_err(PARQ_EINVAL, "%s: a source needs a read_at function and a size of 0 or more",
		                name ? name : "<source>");
	}
	parq_reader *r;
	int rc = reader_new(&r, name ? name : "<source>", opts);
	if (rc) {
		if (src->close)
			src->close(src->ud);
		return rc;
	}
	r->has_src = true;
	r->src = *src;
	r->size = src->size;
	/* each read of a source is a request: the footer with its length in one */
	if (!r->opts.read_size)
		r->opts.read_size = (size_t)64 << 10;
	return reader_finish_open(r, out);
}

void parq_reader_close(parq_reader *r)
{
	if (!r)
		return;
	parq_schema_free(r->schema);
	parq_arena_free(&r->arena);
	free(r->footer);
	for (int i = 0; i < r->n_kv_cache; i++)
		free(r->kv_cache[i]);
	free(r->kv_cache);
	if (r->map)
		munmap(r->map, (size_t)r->size);
	free(r->owned);
	if (r->fd >= 0)
		close(r->fd);
	if (r->has_src && r->src.close)
		r->src.close(r->src.ud);
	free(r->name);
	free(r);
}

const char *parq_reader_name(const parq_reader *r) { return r->name; }
const parq_schema *parq_reader_schema(const parq_reader *r) { return r->schema; }
const parq_file_meta *parq_reader_metadata(const parq_reader *r) { return &r->meta; }
int parq_reader_num_row_groups(const parq_reader *r) { return (int)r->meta.n_row_groups; }
int64_t parq_reader_file_size(const parq_reader *r) { return r->size; }

int64_t parq_reader_num_rows(const parq_reader *r)
{
	int64_t n = 0;
	for (uint32_t g = 0; g < r->meta.n_row_groups; g++)
		n += r->meta.row_groups[g].num_rows;
	return n;
}

int64_t parq_reader_row_group_rows(const parq_reader *r, int rg)
{
	if (rg < 0 || (uint32_t)rg >= r->meta.n_row_groups)
		return -1;
	return r->meta.row_groups[rg].num_rows;
}

const char *parq_reader_kv(const parq_reader *r, const char *key)
{
	size_t klen = strlen(key);
	for (uint32_t i = 0; i < r->meta.n_kv; i++) {
		const parq_meta_kv *kv = &r->meta.kv[i];
		if (kv->key.len != klen || memcmp(kv->key.ptr, key, klen) != 0)
			continue;
		if (!kv->has_value)
			return "";
		/* Cache a NUL-terminated copy; the reader is logically const here. */
		parq_reader *mr = (parq_reader *)r;
		char **c = realloc(mr->kv_cache, sizeof *c * (size_t)(mr->n_kv_cache + 1));
		if (!c)
			return NULL;
		mr->kv_cache = c;
		char *v = malloc((size_t)kv->value.len + 1);
		if (!v)
			return NULL;
		memcpy(v, kv->value.ptr, kv->value.len);
		v[kv->value.len] = 0;
		c[mr->n_kv_cache++] = v;
		return v;
	}
	return NULL;
}
