/* Column reader: pages in, row-aligned batches of levels and values out. */
#include <stdio.h>
#include <zlib.h>

#include "codec.h"
#include "encodings.h"
#include "reader.h"
#include "rle.h"
#include "thrift.h"

/* Level entries one page may announce; real writers stay far below. */
#define MAX_PAGE_LEVELS ((int64_t)1 << 26)
#define HEADER_WINDOW ((size_t)64 << 10)
#define HEADER_WINDOW_MAX ((size_t)64 << 20)
#define SPARE_BUFS 8

struct parq_column_reader {
	parq_reader *r;
	const parq_node *leaf;
	int leaf_index;
	size_t width;              /* fixed width in bytes; 0 for BYTE_ARRAY */
	int *rgs;
	int n_rgs, rg_pos;         /* rg_pos: index of the next chunk to open */
	parq_codec_ctx *ctx;

	/* current chunk */
	bool in_chunk;
	int rg;
	int codec;
	int64_t pos, end;          /* next page offset, chunk end */
	int64_t levels_left;       /* from ColumnMetaData.num_values */
	bool levels_unknown;       /* after a jump by the offset index: levels_left is not counted */
	parq_buf window;           /* page header (+ body when it fits) */
	parq_buf raw;              /* compressed page body, when read separately */

	int64_t chunk_start;
	int64_t dict_end;          /* where the dictionary page ends, when the metadata says (else 0) */
	parq_prefetch_group own_pf; /* a column reader used alone prefetches its chunks itself */
	parq_prefetch_group *pf;   /* the group that prefetches for it, or NULL */
	bool pf_pending;           /* used alone: the chunk is prefetched at its first read, from
	                            * there on (a skip by the offset index fetches no page it passes) */
	int64_t chunk_row;         /* complete rows consumed in this chunk */
	parq_meta_offset_index oi; /* page locations, when the chunk has them */
	int oi_state;              /* 0 not loaded, 1 loaded, -1 absent */
	parq_arena oi_arena;
	parq_buf oi_buf;

	/* dictionary */
	bool has_dict;
	parq_buf dictbuf;          /* decompressed dictionary page */
	parq_buf dvals;            /* fixed-width dictionary values */
	parq_bytes *dviews;
	uint32_t dict_n, dict_cap;
	uint64_t dict_epoch;       /* counts the chunks opened: names the current chunk's dictionary */
	/* the views of the dictionary before the current one: a read that
	 * looks one page ahead for the end of a row may load the next chunk's
	 * dictionary while its values are the previous one's */
	parq_bytes *prev_dviews;
	uint32_t prev_n, prev_cap;
	uint64_t prev_epoch;

	/* current page, decoded */
	parq_buf pagedata;         /* decompressed page */
	parq_buf heap;             /* values built while decoding (DELTA_BYTE_ARRAY) */
	int16_t *pdef, *prep;
	int64_t pn, ppos;          /* level entries, cursor */
	parq_buf pvals;            /* fixed-width values */
	parq_bytes *pviews;
	int64_t pv_n, pv_pos;      /* values, cursor */
	size_t cap_levels, cap_views;
	uint32_t *idx;             /* dictionary indices scratch */
	size_t cap_idx;
	bool page_dict;            /* the page's values came from the dictionary (indices in idx) */
	bool started;              /* first level of the column seen */

	/* output */
	int16_t *odef, *orep;
	parq_buf ovals;
	parq_bytes *oviews;
	size_t cap_olevels, cap_oviews;
	/* BYTE_ARRAY: the dictionary indices of the last read's values, when
	 * all of them came from the current dictionary (else NULL) */
	bool keep_idx;             /* asked for by parq_column_reader_keep_indices */
	uint32_t *oidx;
	size_t cap_oidx;
	const uint32_t *out_idx;
	uint64_t out_epoch;
	/* buffers referenced by the current output */
	parq_buf *retained;
	int n_retained, cap_retained;
	/* buffers released by earlier reads, handed out again by retain():
	 * fresh memory for every page costs a page fault per 4 KiB */
	parq_buf spare[SPARE_BUFS];
	int n_spare;
	bool page_referenced;      /* the output points into pagedata */
	bool dict_referenced;      /* ... or into dictbuf */
};

#define CR_ERR(cr, code, ...) cr_err(cr, code, __VA_ARGS__)

static int cr_err(parq_column_reader *cr, int code, const char *fmt, ...) PARQ_PRINTF(3, 4);
static int cr_err(parq_column_reader *cr, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return parq_err(code, "%s: row group %d, column '%s': %s", cr->r->name, cr->rg, cr->leaf->path, msg);
}

/* Adds context to an error raised by a lower layer. */
static int cr_ctx(parq_column_reader *cr, int rc, int64_t offset)
{
	return parq_err_prefix(rc, "%s: row group %d, column '%s', page at offset %lld: ", cr->r->name, cr->rg,
	                       cr->leaf->path, (long long)offset);
}

int parq_column_reader_open(parq_column_reader **out, parq_reader *r, int leaf,
                            const int *row_groups, int n_row_groups)
{
	if (leaf < 0 || leaf >= r->schema->n_leaves)
		return parq_err(PARQ_EINVAL, "%s: no column %d (the file has %d)", r->name, leaf, r->schema->n_leaves);
	parq_column_reader *cr = parq_calloc(1, sizeof *cr);
	if (!cr)
		return PARQ_ENOMEM;
	cr->r = r;
	cr->leaf = r->schema->leaves[leaf];
	cr->leaf_index = leaf;
	cr->width = parq_value_width(cr->leaf);
	cr->rg = -1;
	parq_arena_init(&cr->oi_arena, 0);
	int n = row_groups ? n_row_groups : (int)r->meta.n_row_groups;
	cr->rgs = parq_calloc((size_t)(n > 0 ? n : 1), sizeof *cr->rgs);
	if (!cr->rgs || !(cr->ctx = parq_codec_ctx_new())) {
		parq_column_reader_close(cr);
		return parq_err_nomem();
	}
	for (int i = 0; i < n; i++) {
		int g = row_groups ? row_groups[i] : i;
		if (g < 0 || (uint32_t)g >= r->meta.n_row_groups) {
			parq_column_reader_close(cr);
			return parq_err(PARQ_EINVAL, "%s: no row group %d", r->name, g);
		}
		cr->rgs[i] = g;
	}
	cr->n_rgs = n;
	if (parq_prefetch_group_init(&cr->own_pf, r, false)) {
		parq_column_reader_close(cr);
		return parq_err_nomem();
	}
	cr->pf = &cr->own_pf;
	parq_column_reader_set_prefetch(cr, cr->pf);
	*out = cr;
	return 0;
}

void parq_chunk_extent(const parq_reader *r, int rg, int leaf, int64_t *start_out, int64_t *end_out,
                       int64_t *dict_end)
{
	const parq_meta_column *m = &r->meta.row_groups[rg].columns[leaf].meta;
	int64_t start = m->data_page_offset;
	*dict_end = 0;
	/* Some writers record a dictionary offset of 0 when there is none. */
	if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
	    m->dictionary_page_offset < m->data_page_offset) {
		start = m->dictionary_page_offset;
		*dict_end = m->data_page_offset;
	}
	int64_t end = start + m->total_compressed_size + r->chunk_slack;
	if (end > r->size || end < start)
		end = r->size;
	*start_out = start;
	*end_out = end;
}

int parq_prefetch_group_init(parq_prefetch_group *g, parq_reader *r, bool with_offset_index)
{
	memset(g, 0, sizeof *g);
	g->r = r;
	g->last_rg = -1;
	g->with_offset_index = with_offset_index;
	if (r->has_src && r->src.prefetch && !r->mem &&
	    !(g->leaves = parq_calloc((size_t)(r->schema->n_leaves ? r->schema->n_leaves : 1), 1)))
		return PARQ_ENOMEM;
	return 0;
}

void parq_prefetch_group_free(parq_prefetch_group *g)
{
	free(g->leaves);
	g->leaves = NULL;
}

int parq_prefetch_group_row_group(parq_prefetch_group *g, int rg)
{
	if (!g->leaves || rg <= g->last_rg)
		return 0;
	g->last_rg = rg;
	parq_reader *r = g->r;
	int n = r->schema->n_leaves;
	parq_range *rs = parq_calloc((size_t)n * 2 + 1, sizeof *rs);
	if (!rs)
		return parq_err_nomem();
	size_t k = 0;
	for (int l = 0; l < n; l++) {
		if (!g->leaves[l])
			continue;
		int64_t a, b, d;
		parq_chunk_extent(r, rg, l, &a, &b, &d);
		rs[k++] = (parq_range){a, b - a};
		const parq_meta_chunk *ch = &r->meta.row_groups[rg].columns[l];
		if (g->with_offset_index && ch->has_offset_index_offset && ch->offset_index_length > 0)
			rs[k++] = (parq_range){ch->offset_index_offset, ch->offset_index_length};
	}
	g->prefetches++;
	int rc = parq_reader_prefetch(r, rs, &k);
	free(rs);
	return rc;
}

void parq_column_reader_set_prefetch(parq_column_reader *cr, parq_prefetch_group *g)
{
	cr->pf = g;
	if (g && g->leaves)
		g->leaves[cr->leaf_index] = 1;
}

void parq_column_reader_close(parq_column_reader *cr)
{
	if (!cr)
		return;
	free(cr->rgs);
	parq_prefetch_group_free(&cr->own_pf);
	parq_codec_ctx_free(cr->ctx);
	parq_arena_free(&cr->oi_arena);
	parq_buf_free(&cr->oi_buf);
	parq_buf_free(&cr->window);
	parq_buf_free(&cr->raw);
	parq_buf_free(&cr->dictbuf);
	parq_buf_free(&cr->dvals);
	free(cr->dviews);
	free(cr->prev_dviews);
	parq_buf_free(&cr->pagedata);
	parq_buf_free(&cr->heap);
	free(cr->pdef);
	free(cr->prep);
	parq_buf_free(&cr->pvals);
	free(cr->pviews);
	free(cr->idx);
	free(cr->odef);
	free(cr->orep);
	parq_buf_free(&cr->ovals);
	free(cr->oviews);
	free(cr->oidx);
	for (int i = 0; i < cr->n_retained; i++)
		parq_buf_free(&cr->retained[i]);
	free(cr->retained);
	for (int i = 0; i < cr->n_spare; i++)
		parq_buf_free(&cr->spare[i]);
	free(cr);
}

/* Keeps buf alive until the next read call; buf is replaced by a spare
 * buffer, or becomes empty. */
static int retain(parq_column_reader *cr, parq_buf *buf)
{
	if (cr->n_retained == cr->cap_retained) {
		int cap = cr->cap_retained ? cr->cap_retained * 2 : 4;
		parq_buf *p = realloc(cr->retained, sizeof *p * (size_t)cap);
		if (!p)
			return parq_err_nomem();
		cr->retained = p;
		cr->cap_retained = cap;
	}
	cr->retained[cr->n_retained++] = *buf;
	if (cr->n_spare) {
		*buf = cr->spare[--cr->n_spare];
		buf->len = 0;
	} else {
		memset(buf, 0, sizeof *buf);
	}
	return 0;
}

/* The buffers the previous output referenced become spares (the largest
 * kept when there are too many). */
static void release_retained(parq_column_reader *cr)
{
	for (int i = 0; i < cr->n_retained; i++) {
		parq_buf *b = &cr->retained[i];
		if (cr->n_spare < SPARE_BUFS) {
			cr->spare[cr->n_spare++] = *b;
			continue;
		}
		int small = 0;
		for (int k = 1; k < SPARE_BUFS; k++)
			if (cr->spare[k].cap < cr->spare[small].cap)
				small = k;
		if (cr->spare[small].cap < b->cap) {
			parq_buf t = cr->spare[small];
			cr->spare[small] = *b;
			*b = t;
		}
		parq_buf_free(b);
	}
	cr->n_retained = 0;
}

static int open_next_chunk(parq_column_reader *cr)
{
	if (cr->rg_pos >= cr->n_rgs)
		return 1; /* end */
	if (cr->dict_referenced && cr->has_dict && retain(cr, &cr->dictbuf))
		return PARQ_ENOMEM;
	cr->dict_referenced = false;
	cr->rg = cr->rgs[cr->rg_pos++];
	const parq_meta_column *m = &cr->r->meta.row_groups[cr->rg].columns[cr->leaf_index].meta;
	int64_t start;
	parq_chunk_extent(cr->r, cr->rg, cr->leaf_index, &start, &cr->end, &cr->dict_end);
	cr->pos = start;
	cr->chunk_start = start;
	cr->chunk_row = 0;
	cr->oi_state = 0;
	cr->pf_pending = cr->pf == &cr->own_pf && cr->pf->leaves;
	if (cr->pf && !cr->pf_pending) {
		int rc = parq_prefetch_group_row_group(cr->pf, cr->rg);
		if (rc)
			return parq_err_prefix(rc, "row group %d, column '%s': ", cr->rg, cr->leaf->path);
	}
	cr->codec = m->codec;
	if (!parq_codec_can_read(cr->codec))
		return CR_ERR(cr, PARQ_EUNSUPPORTED, "codec %s is not supported", parq_codec_name((parq_codec)cr->codec));
	cr->levels_left = m->num_values;
	cr->levels_unknown = false;
	if (cr->has_dict && cr->leaf->type == PARQ_BYTE_ARRAY) {
		/* the previous chunk's dictionary stays readable for the values
		 * of the read under way */
		parq_bytes *t = cr->prev_dviews;
		uint32_t tc = cr->prev_cap;
		cr->prev_dviews = cr->dviews;
		cr->prev_cap = cr->dict_cap;
		cr->prev_n = cr->dict_n;
		cr->prev_epoch = cr->dict_epoch;
		cr->dviews = t;
		cr->dict_cap = tc;
	}
	cr->dict_epoch++; /* this chunk's dictionary, if it has one */
	cr->has_dict = false;
	cr->dict_n = 0;
	cr->in_chunk = true;
	return 0;
}

static int grow_levels(parq_column_reader *cr, size_t n)
{
	if (n <= cr->cap_levels)
		return 0;
	size_t cap = cr->cap_levels ? cr->cap_levels : 1024;
	while (cap < n)
		cap *= 2;
	int16_t *d = realloc(cr->pdef, cap * sizeof *d);
	if (!d)
		return parq_err_nomem();
	cr->pdef = d;
	int16_t *r = realloc(cr->prep, cap * sizeof *r);
	if (!r)
		return parq_err_nomem();
	cr->prep = r;
	cr->cap_levels = cap;
	return 0;
}

static int grow_views(parq_bytes **v, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 1024;
	while (c < n)
		c *= 2;
	parq_bytes *p = realloc(*v, c * sizeof *p);
	if (!p)
		return parq_err_nomem();
	*v = p;
	*cap = c;
	return 0;
}

static int grow_idx(parq_column_reader *cr, size_t n)
{
	if (n <= cr->cap_idx)
		return 0;
	size_t c = cr->cap_idx ? cr->cap_idx : 1024;
	while (c < n)
		c *= 2;
	uint32_t *p = realloc(cr->idx, c * sizeof *p);
	if (!p)
		return parq_err_nomem();
	cr->idx = p;
	cr->cap_idx = c;
	return 0;
}

/* Decompresses a body into buf (or points at it when uncompressed). */
static int decompress_into(parq_column_reader *cr, const uint8_t *src, size_t n, size_t unc,
                           parq_buf *buf, const uint8_t **out, int codec, int64_t off)
{
	if (codec == PARQ_CODEC_UNCOMPRESSED) {
		if (n != unc)
			return CR_ERR(cr, PARQ_ECORRUPT, "uncompressed page at offset %lld has %zu bytes, header says %zu",
			              (long long)off, n, unc);
		*out = src;
		return 0;
	}
	/* the header's size is a claim: test it against the data before allocating it */
	int rc = parq_decompress_check(cr->ctx, codec, src, n, unc);
	if (rc)
		return cr_ctx(cr, rc, off);
	buf->len = 0;
	if (parq_buf_reserve(buf, unc ? unc : 1))
		return PARQ_ENOMEM;
	rc = parq_decompress(cr->ctx, codec, src, n, buf->data, unc);
	if (rc)
		return cr_ctx(cr, rc, off);
	buf->len = unc;
	*out = buf->data;
	return 0;
}

/* Decodes n PLAIN values of the leaf's type from [p, p+len) into vals/views. */
static int decode_plain(parq_column_reader *cr, const uint8_t *p, size_t len, int64_t n,
                        parq_buf *vals, parq_bytes **views, size_t *cap_views, int64_t off)
{
	size_t count = (size_t)n;
	if (cr->leaf->type == PARQ_BYTE_ARRAY) {
		if (grow_views(views, cap_views, count))
			return PARQ_ENOMEM;
		parq_bytes *v = *views;
		size_t at = 0;
		for (size_t i = 0; i < count; i++) {
			if (len - at < 4)
				return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: PLAIN values end after %zu of %zu",
				              (long long)off, i, count);
			uint32_t l = parq_load_u32(p + at);
			at += 4;
			if (l > len - at)
				return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: value %zu claims %u bytes, %zu left",
				              (long long)off, i, l, len - at);
			v[i].ptr = p + at;
			v[i].len = l;
			at += l;
		}
		return 0;
	}
	vals->len = 0;
	if (cr->leaf->type == PARQ_BOOLEAN) {
		if ((count + 7) / 8 > len)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %zu booleans need %zu bytes, %zu present",
			              (long long)off, count, (count + 7) / 8, len);
		if (parq_buf_reserve(vals, count ? count : 1))
			return PARQ_ENOMEM;
		for (size_t i = 0; i < count; i++)
			vals->data[i] = (p[i >> 3] >> (i & 7)) & 1;
		vals->len = count;
		return 0;
	}
	if (count > len / cr->width)
		return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %zu values of %zu bytes need %zu bytes, %zu present",
		              (long long)off, count, cr->width, count * cr->width, len);
	return parq_buf_append(vals, p, count * cr->width);
}

static int load_dictionary(parq_column_reader *cr, const parq_meta_page_header *h, const uint8_t *body,
                           size_t body_len, int64_t off)
{
	if (cr->has_dict)
		return CR_ERR(cr, PARQ_ECORRUPT, "second dictionary page at offset %lld", (long long)off);
	int32_t n = h->dict_page.num_values;
	if (n < 0)
		return CR_ERR(cr, PARQ_ECORRUPT, "dictionary page at offset %lld has %d values", (long long)off, (int)n);
	if (h->dict_page.encoding != PARQ_ENC_PLAIN && h->dict_page.encoding != PARQ_ENC_PLAIN_DICTIONARY)
		return CR_ERR(cr, PARQ_EUNSUPPORTED, "dictionary page encoding %s",
		              parq_encoding_name((parq_encoding)h->dict_page.encoding));
	size_t per_value = cr->width ? cr->width : sizeof(parq_bytes);
	if ((size_t)n > cr->r->opts.max_page_bytes / per_value)
		return CR_ERR(cr, PARQ_ELIMIT, "dictionary page at offset %lld: %d values exceed the limit of %zu bytes",
		              (long long)off, (int)n, cr->r->opts.max_page_bytes);
	/* Every dictionary value takes at least one byte (or bit for booleans). */
	if ((size_t)h->uncompressed_page_size < (cr->width ? (size_t)n * cr->width / (cr->width == 1 && cr->leaf->type == PARQ_BOOLEAN ? 8 : 1) : (size_t)n * 4))
		return CR_ERR(cr, PARQ_ECORRUPT, "dictionary page at offset %lld: %d values cannot fit in %d bytes",
		              (long long)off, (int)n, (int)h->uncompressed_page_size);
	const uint8_t *data;
	int rc = decompress_into(cr, body, body_len, (size_t)h->uncompressed_page_size, &cr->dictbuf, &data,
	                         cr->codec, off);
	if (rc)
		return rc;
	if (data != cr->dictbuf.data) {
		/* Uncompressed: the body lives in a read buffer that the next page
		 * reuses, and dictionary values must outlive it. */
		cr->dictbuf.len = 0;
		if (parq_buf_append(&cr->dictbuf, data, body_len))
			return PARQ_ENOMEM;
		data = cr->dictbuf.data;
	}
	size_t cap = cr->dict_cap;
	rc = decode_plain(cr, data, (size_t)h->uncompressed_page_size, n, &cr->dvals, &cr->dviews, &cap, off);
	cr->dict_cap = (uint32_t)cap;
	if (rc)
		return rc;
	cr->dict_n = (uint32_t)n;
	cr->has_dict = true;
	return 0;
}

static int decode_levels_v1(parq_column_reader *cr, int enc, int16_t max, const uint8_t **p, size_t *len,
                            int16_t *out, int64_t n, int64_t off, const char *what)
{
	int bw = parq_bit_width((uint64_t)max);
	if (enc == PARQ_ENC_RLE) {
		if (*len < 4)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %s levels truncated", (long long)off, what);
		uint32_t l = parq_load_u32(*p);
		if (l > *len - 4)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %s levels claim %u bytes, %zu left",
			              (long long)off, what, l, *len - 4);
		parq_rle_decoder d;
		parq_rle_decoder_init(&d, *p + 4, l, bw);
		int rc = parq_rle_decode_i16(&d, out, (size_t)n);
		if (rc)
			return cr_ctx(cr, rc, off);
		*p += 4 + l;
		*len -= 4 + l;
	} else if (enc == PARQ_ENC_BIT_PACKED) {
		size_t l = ((size_t)n * (size_t)bw + 7) / 8;
		int rc = parq_bitpacked_legacy_decode_i16(*p, *len, bw, out, (size_t)n);
		if (rc)
			return cr_ctx(cr, rc, off);
		*p += l;
		*len -= l;
	} else {
		return CR_ERR(cr, PARQ_EUNSUPPORTED, "page at offset %lld: %s level encoding %s", (long long)off, what,
		              parq_encoding_name((parq_encoding)enc));
	}
	for (int64_t i = 0; i < n; i++)
		if (out[i] > max)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %s level %d exceeds the maximum %d",
			              (long long)off, what, out[i], max);
	return 0;
}

static int decode_values(parq_column_reader *cr, int enc, const uint8_t *p, size_t len, int64_t n, int64_t off)
{
	int rc;
	cr->pv_n = n;
	cr->pv_pos = 0;
	cr->page_dict = false;
	switch (enc) {
	case PARQ_ENC_PLAIN:
		return decode_plain(cr, p, len, n, &cr->pvals, &cr->pviews, &cr->cap_views, off);
	case PARQ_ENC_PLAIN_DICTIONARY:
	case PARQ_ENC_RLE_DICTIONARY: {
		if (!cr->has_dict)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld is dictionary-encoded but the chunk has no dictionary",
			              (long long)off);
		if (n == 0)
			return 0;
		if (len < 1)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: dictionary indices missing", (long long)off);
		int bw = p[0];
		if (bw > 32)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: index bit width %d", (long long)off, bw);
		if (grow_idx(cr, (size_t)n))
			return PARQ_ENOMEM;
		parq_rle_decoder d;
		parq_rle_decoder_init(&d, p + 1, len - 1, bw);
		if ((rc = parq_rle_decode_indices(&d, cr->idx, (size_t)n, cr->dict_n)))
			return cr_ctx(cr, rc, off);
		if (cr->leaf->type == PARQ_BYTE_ARRAY) {
			if (grow_views(&cr->pviews, &cr->cap_views, (size_t)n))
				return PARQ_ENOMEM;
			for (int64_t i = 0; i < n; i++)
				cr->pviews[i] = cr->dviews[cr->idx[i]];
			cr->page_dict = true;
			return 0;
		}
		cr->pvals.len = 0;
		size_t w = cr->width;
		if (parq_buf_reserve(&cr->pvals, (size_t)n * w))
			return PARQ_ENOMEM;
		uint8_t *o = cr->pvals.data;
		const uint8_t *dv = cr->dvals.data;
		if (w == 4) {
			const uint32_t *d32 = (const uint32_t *)(const void *)dv;
			uint32_t *o32 = (uint32_t *)(void *)o;
			for (int64_t i = 0; i < n; i++)
				o32[i] = d32[cr->idx[i]];
		} else if (w == 8) {
			const uint64_t *d64 = (const uint64_t *)(const void *)dv;
			uint64_t *o64 = (uint64_t *)(void *)o;
			for (int64_t i = 0; i < n; i++)
				o64[i] = d64[cr->idx[i]];
		} else {
			for (int64_t i = 0; i < n; i++)
				memcpy(o + (size_t)i * w, dv + (size_t)cr->idx[i] * w, w);
		}
		cr->pvals.len = (size_t)n * w;
		return 0;
	}
	case PARQ_ENC_RLE: {
		if (cr->leaf->type != PARQ_BOOLEAN)
			return CR_ERR(cr, PARQ_EUNSUPPORTED, "RLE encoding for %s values", parq_type_name(cr->leaf->type));
		if (len < 4)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: RLE booleans truncated", (long long)off);
		uint32_t l = parq_load_u32(p);
		if (l > len - 4)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: RLE booleans claim %u bytes, %zu left",
			              (long long)off, l, len - 4);
		if (grow_idx(cr, (size_t)n))
			return PARQ_ENOMEM;
		parq_rle_decoder d;
		parq_rle_decoder_init(&d, p + 4, l, 1);
		if ((rc = parq_rle_decode_u32(&d, cr->idx, (size_t)n)))
			return cr_ctx(cr, rc, off);
		cr->pvals.len = 0;
		if (parq_buf_reserve(&cr->pvals, (size_t)n + 1))
			return PARQ_ENOMEM;
		for (int64_t i = 0; i < n; i++)
			cr->pvals.data[i] = (uint8_t)cr->idx[i];
		cr->pvals.len = (size_t)n;
		return 0;
	}
	default: {
		parq_decoded dec = {.vals = &cr->pvals, .views = &cr->pviews, .cap_views = &cr->cap_views,
		                    .heap = &cr->heap, .max_bytes = cr->r->opts.max_page_bytes};
		cr->pvals.len = 0;
		rc = parq_decode_values(enc, cr->leaf, p, len, (size_t)n, &dec);
		if (rc)
			return cr_ctx(cr, rc, off);
		return 0;
	}
	}
}

/* The prefetch of a column reader used alone: the chunk from `from` to its
 * end, and its dictionary page when `from` lies past it. */
static int prefetch_from(parq_column_reader *cr, int64_t from)
{
	cr->pf_pending = false;
	parq_range rs[2];
	size_t k = 0;
	if (cr->dict_end > cr->chunk_start && from >= cr->dict_end && !cr->has_dict)
		rs[k++] = (parq_range){cr->chunk_start, cr->dict_end - cr->chunk_start};
	rs[k++] = (parq_range){from, cr->end - from};
	cr->pf->prefetches++;
	int rc = parq_reader_prefetch(cr->r, rs, &k);
	return rc ? parq_err_prefix(rc, "row group %d, column '%s': ", cr->rg, cr->leaf->path) : 0;
}

/* Reads the page at off: header, body (compressed), CRC check; advances
 * cr->pos past it. */
static int read_page(parq_column_reader *cr, int64_t off, parq_meta_page_header *h, const uint8_t **body,
                     size_t *clen_out)
{
	int rc;
	if (cr->pf_pending && (rc = prefetch_from(cr, off)))
		return rc;
	size_t remain = (size_t)(cr->end - off);
	size_t win = remain < HEADER_WINDOW ? remain : HEADER_WINDOW;
	/* the dictionary page alone: its bytes are all a pruning test reads */
	if (off == cr->chunk_start && cr->dict_end > off && (uint64_t)(cr->dict_end - off) < win)
		win = (size_t)(cr->dict_end - off);
	size_t hlen = 0;
	const uint8_t *hp;
	for (;;) {
		if ((rc = parq_reader_view(cr->r, off, win, &cr->window, &hp)))
			return cr_ctx(cr, rc, off);
		rc = parq_meta_decode_page_header(hp, win, h, &hlen);
		if (!rc)
			break;
		if (win >= remain || win >= HEADER_WINDOW_MAX)
			return cr_ctx(cr, rc, off);
		win = remain < win * 4 ? remain : win * 4; /* a header with large statistics */
	}
	if (h->compressed_page_size < 0 || h->uncompressed_page_size < 0)
		return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld has negative sizes", (long long)off);
	if ((size_t)h->compressed_page_size > remain - hlen)
		return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: %d bytes announced, %zu left in the column chunk",
		              (long long)off, (int)h->compressed_page_size, remain - hlen);
	if ((size_t)h->uncompressed_page_size > cr->r->opts.max_page_bytes)
		return CR_ERR(cr, PARQ_ELIMIT, "page at offset %lld: %d uncompressed bytes exceed the limit of %zu",
		              (long long)off, (int)h->uncompressed_page_size, cr->r->opts.max_page_bytes);
	size_t clen = (size_t)h->compressed_page_size;
	if (hlen + clen <= win) {
		*body = hp + hlen;
	} else if ((rc = parq_reader_view(cr->r, off + (int64_t)hlen, clen, &cr->raw, body))) {
		return cr_ctx(cr, rc, off);
	}
	cr->pos = off + (int64_t)hlen + (int64_t)clen;
	if (h->has_crc && cr->r->opts.verify_crc) {
		uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), *body, (uInt)clen);
		if (crc != (uint32_t)h->crc)
			return CR_ERR(cr, PARQ_ECRC, "page at offset %lld: CRC mismatch (stored %08x, computed %08x)",
			              (long long)off, (unsigned)h->crc, crc);
	}
	*clen_out = clen;
	return 0;
}

/* A chunk read to its end must have held the values its metadata
 * announced and the row group's rows; a short chunk would otherwise just
 * yield fewer rows. */
static int check_chunk_end(parq_column_reader *cr)
{
	const parq_meta_column *m = &cr->r->meta.row_groups[cr->rg].columns[cr->leaf_index].meta;
	if (cr->levels_left > 0 && !cr->levels_unknown)
		return CR_ERR(cr, PARQ_ECORRUPT, "the column chunk ends after %lld of its %lld values",
		              (long long)(m->num_values - cr->levels_left), (long long)m->num_values);
	int64_t rows = cr->r->meta.row_groups[cr->rg].num_rows;
	if (cr->chunk_row != rows)
		return CR_ERR(cr, PARQ_ECORRUPT, "the column chunk holds %lld rows, the row group %lld",
		              (long long)cr->chunk_row, (long long)rows);
	return 0;
}

/* Reads the next data page of the column into the page state. Returns 1 at
 * the end of the column. */
static int load_page(parq_column_reader *cr)
{
	/* The output may point into the exhausted page: its decompressed data,
	 * values built in the heap, or (uncompressed) the read buffers. Keep
	 * them until the next read call. */
	if (cr->page_referenced) {
		if ((cr->pagedata.data && retain(cr, &cr->pagedata)) || (cr->heap.data && retain(cr, &cr->heap)) ||
		    (cr->window.data && retain(cr, &cr->window)) || (cr->raw.data && retain(cr, &cr->raw)))
			return PARQ_ENOMEM;
		cr->page_referenced = false;
	}
	for (;;) {
		if (!cr->in_chunk || cr->levels_left <= 0 || cr->pos >= cr->end) {
			if (cr->in_chunk) {
				int rc = check_chunk_end(cr);
				if (rc)
					return rc;
			}
			cr->in_chunk = false;
			int rc = open_next_chunk(cr);
			if (rc)
				return rc;
			continue;
		}
		int64_t off = cr->pos;
		parq_meta_page_header h;
		const uint8_t *body;
		size_t clen;
		int rc = read_page(cr, off, &h, &body, &clen);
		if (rc)
			return rc;
		if (h.type == PARQ_PAGE_DICTIONARY) {
			if (!h.has_dict_page)
				return CR_ERR(cr, PARQ_ECORRUPT, "dictionary page at offset %lld has no dictionary header",
				              (long long)off);
			if ((rc = load_dictionary(cr, &h, body, clen, off)))
				return rc;
			continue;
		}
		if (h.type != PARQ_PAGE_DATA && h.type != PARQ_PAGE_DATA_V2)
			continue; /* index pages and unknown page types carry no values */


		bool v2 = h.type == PARQ_PAGE_DATA_V2;
		if ((v2 && !h.has_data_page_v2) || (!v2 && !h.has_data_page))
			return CR_ERR(cr, PARQ_ECORRUPT, "data page at offset %lld lacks its header", (long long)off);
		int64_t n = v2 ? h.data_page_v2.num_values : h.data_page.num_values;
		int enc = v2 ? h.data_page_v2.encoding : h.data_page.encoding;
		if (n < 0 || n > MAX_PAGE_LEVELS)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld announces %lld values", (long long)off, (long long)n);
		if (n > cr->levels_left)
			return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld has %lld values, the chunk only %lld more",
			              (long long)off, (long long)n, (long long)cr->levels_left);
		/* Levels encode in a few bytes however many they are, and a few
		 * dictionary indices can stand for wide values: what the page
		 * decodes to, not its size, is bounded by the page cap. */
		size_t per_value = 2 * sizeof(int16_t) + (cr->width ? cr->width : sizeof(parq_bytes));
		if ((size_t)n > cr->r->opts.max_page_bytes / per_value)
			return CR_ERR(cr, PARQ_ELIMIT, "page at offset %lld: %lld values of %zu bytes decoded exceed the limit of %zu",
			              (long long)off, (long long)n, per_value, cr->r->opts.max_page_bytes);
		if (grow_levels(cr, (size_t)n + 1))
			return PARQ_ENOMEM;
		int16_t max_def = cr->leaf->max_def, max_rep = cr->leaf->max_rep;
		const uint8_t *vp;
		size_t vlen;
		if (!v2) {
			if ((rc = decompress_into(cr, body, clen, (size_t)h.uncompressed_page_size, &cr->pagedata, &vp,
			                          cr->codec, off)))
				return rc;
			vlen = (size_t)h.uncompressed_page_size;
			if (max_rep && (rc = decode_levels_v1(cr, h.data_page.rep_level_encoding, max_rep, &vp, &vlen,
			                                      cr->prep, n, off, "repetition")))
				return rc;
			if (max_def && (rc = decode_levels_v1(cr, h.data_page.def_level_encoding, max_def, &vp, &vlen,
			                                      cr->pdef, n, off, "definition")))
				return rc;
		} else {
			int32_t rl = h.data_page_v2.rep_levels_byte_length, dl = h.data_page_v2.def_levels_byte_length;
			if (rl < 0 || dl < 0 || (size_t)rl + (size_t)dl > clen ||
			    (size_t)rl + (size_t)dl > (size_t)h.uncompressed_page_size)
				return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: level lengths %d + %d exceed the page",
				              (long long)off, (int)rl, (int)dl);
			parq_rle_decoder d;
			if (max_rep) {
				parq_rle_decoder_init(&d, body, (size_t)rl, parq_bit_width((uint64_t)max_rep));
				if ((rc = parq_rle_decode_i16(&d, cr->prep, (size_t)n)))
					return cr_ctx(cr, rc, off);
			}
			if (max_def) {
				parq_rle_decoder_init(&d, body + rl, (size_t)dl, parq_bit_width((uint64_t)max_def));
				if ((rc = parq_rle_decode_i16(&d, cr->pdef, (size_t)n)))
					return cr_ctx(cr, rc, off);
			}
			for (int64_t i = 0; i < n; i++)
				if ((max_rep && cr->prep[i] > max_rep) || (max_def && cr->pdef[i] > max_def))
					return CR_ERR(cr, PARQ_ECORRUPT, "page at offset %lld: level out of range", (long long)off);
			size_t lv = (size_t)rl + (size_t)dl;
			size_t unc = (size_t)h.uncompressed_page_size - lv;
			bool compressed = h.data_page_v2.is_compressed && cr->codec != PARQ_CODEC_UNCOMPRESSED;
			if ((rc = decompress_into(cr, body + lv, clen - lv, unc, &cr->pagedata, &vp,
			                          compressed ? cr->codec : PARQ_CODEC_UNCOMPRESSED, off)))
				return rc;
			vlen = unc;
		}
		if (!max_def)
			memset(cr->pdef, 0, sizeof *cr->pdef * (size_t)n);
		if (!max_rep)
			memset(cr->prep, 0, sizeof *cr->prep * (size_t)n);
		int64_t present = n;
		if (max_def) {
			present = 0;
			for (int64_t i = 0; i < n; i++)
				present += cr->pdef[i] == max_def;
		}
		if (!cr->started && n > 0) {
			if (max_rep && cr->prep[0] != 0)
				return CR_ERR(cr, PARQ_ECORRUPT, "the column's first repetition level is %d, not 0", cr->prep[0]);
			cr->started = true;
		}
		if ((rc = decode_values(cr, enc, vp, vlen, present, off)))
			return rc;
		cr->pn = n;
		cr->ppos = 0;
		cr->levels_left -= n;
		if (n == 0)
			continue;
		return 0;
	}
}

static int grow_oidx(parq_column_reader *cr, size_t n)
{
	if (n <= cr->cap_oidx)
		return 0;
	size_t c = cr->cap_oidx ? cr->cap_oidx : 1024;
	while (c < n)
		c *= 2;
	uint32_t *p = realloc(cr->oidx, c * sizeof *p);
	if (!p)
		return parq_err_nomem();
	cr->oidx = p;
	cr->cap_oidx = c;
	return 0;
}

static int grow_out(parq_column_reader *cr, size_t levels, size_t values)
{
	if (levels > cr->cap_olevels) {
		size_t c = cr->cap_olevels ? cr->cap_olevels : 1024;
		while (c < levels)
			c *= 2;
		int16_t *d = realloc(cr->odef, c * sizeof *d);
		if (!d)
			return parq_err_nomem();
		cr->odef = d;
		int16_t *r = realloc(cr->orep, c * sizeof *r);
		if (!r)
			return parq_err_nomem();
		cr->orep = r;
		cr->cap_olevels = c;
	}
	if (cr->leaf->type == PARQ_BYTE_ARRAY)
		return grow_views(&cr->oviews, &cr->cap_oviews, values);
	return parq_buf_reserve(&cr->ovals, values * cr->width - cr->ovals.len);
}

int parq_column_reader_read(parq_column_reader *cr, int64_t max_rows, parq_column_batch *out)
{
	release_retained(cr);
	cr->page_referenced = cr->dict_referenced = false;
	cr->out_idx = NULL;
	memset(out, 0, sizeof *out);
	if (max_rows <= 0)
		return 0;
	int16_t max_def = cr->leaf->max_def, max_rep = cr->leaf->max_rep;
	bool ba = cr->leaf->type == PARQ_BYTE_ARRAY;
	int64_t rows = 0, nlev = 0, nval = 0;
	bool copied = false;
	/* The first segment is returned in place when it is the only one. */
	const int16_t *s_def = NULL, *s_rep = NULL;
	const void *s_vals = NULL;
	const parq_bytes *s_views = NULL;
	/* dictionary indices (BYTE_ARRAY): valid while every segment's values
	 * come from one dictionary */
	const uint32_t *s_idx = NULL;
	bool idx_ok = ba && cr->keep_idx, ep_set = false;
	uint64_t ep = 0;
	cr->ovals.len = 0;
	cr->out_idx = NULL;
	for (;;) {
		if (cr->ppos >= cr->pn) {
			if (nlev && !copied) {
				/* Loading a page overwrites the page arrays: copy first. */
				if (grow_out(cr, (size_t)nlev, (size_t)nval))
					return PARQ_ENOMEM;
				memcpy(cr->odef, s_def, sizeof *s_def * (size_t)nlev);
				memcpy(cr->orep, s_rep, sizeof *s_rep * (size_t)nlev);
				if (nval && ba)
					memcpy(cr->oviews, s_views, sizeof *s_views * (size_t)nval);
				else if (nval && parq_buf_append(&cr->ovals, s_vals, (size_t)nval * cr->width))
					return PARQ_ENOMEM;
				if (idx_ok && nval) {
					if (grow_oidx(cr, (size_t)nval))
						return PARQ_ENOMEM;
					memcpy(cr->oidx, s_idx, sizeof *s_idx * (size_t)nval);
				}
				copied = true;
			}
			int rc = load_page(cr);
			if (rc < 0)
				return rc;
			if (rc > 0)
				break; /* end of column */
		}
		int64_t start = cr->ppos, end, rows_before = rows;
		bool stop = false;
		if (!max_rep) {
			int64_t take = cr->pn - start;
			if (take > max_rows - rows)
				take = max_rows - rows;
			end = start + take;
			rows += take;
			stop = rows == max_rows;
		} else {
			end = start;
			while (end < cr->pn) {
				if (cr->prep[end] == 0) {
					if (rows == max_rows) {
						stop = true;
						break;
					}
					rows++;
				}
				end++;
			}
		}
		int64_t nv = end - start;
		if (max_def) {
			nv = 0;
			for (int64_t i = start; i < end; i++)
				nv += cr->pdef[i] == max_def;
		}
		/* One row of a repeated column may run on over any number of
		 * pages, each small and within the page cap: the rows of one call
		 * are bounded by the same cap. */
		if (max_rep && (size_t)(nlev + end - start) * 2 * sizeof(int16_t) +
		                       (size_t)(nval + nv) * (ba ? sizeof(parq_bytes) : cr->width) >
		                   cr->r->opts.max_page_bytes)
			return CR_ERR(cr, PARQ_ELIMIT, "%lld values in %lld rows exceed the limit of %zu bytes; read fewer rows at once",
			              (long long)(nlev + end - start), (long long)rows, cr->r->opts.max_page_bytes);
		if (idx_ok && nv) {
			if (!cr->page_dict || (ep_set && ep != cr->dict_epoch))
				idx_ok = false;
			ep = cr->dict_epoch;
			ep_set = true;
		}
		if (end > start) {
			if (!copied && nlev == 0) {
				s_def = cr->pdef + start;
				s_rep = cr->prep + start;
				s_vals = ba || !cr->pvals.data ? NULL : cr->pvals.data + (size_t)cr->pv_pos * cr->width;
				s_views = ba && cr->pviews ? cr->pviews + cr->pv_pos : NULL;
				s_idx = idx_ok && nv ? cr->idx + cr->pv_pos : NULL;
			} else {
				if (grow_out(cr, (size_t)(nlev + end - start), (size_t)(nval + nv)))
					return PARQ_ENOMEM;
				memcpy(cr->odef + nlev, cr->pdef + start, sizeof *cr->pdef * (size_t)(end - start));
				memcpy(cr->orep + nlev, cr->prep + start, sizeof *cr->prep * (size_t)(end - start));
				if (idx_ok && nv) {
					if (grow_oidx(cr, (size_t)(nval + nv)))
						return PARQ_ENOMEM;
					memcpy(cr->oidx + nval, cr->idx + cr->pv_pos, sizeof *cr->oidx * (size_t)nv);
				}
				if (nv && ba)
					memcpy(cr->oviews + nval, cr->pviews + cr->pv_pos, sizeof *cr->oviews * (size_t)nv);
				else if (nv && parq_buf_append(&cr->ovals, cr->pvals.data + (size_t)cr->pv_pos * cr->width,
				                               (size_t)nv * cr->width))
					return PARQ_ENOMEM;
			}
			if (ba && nv) {
				cr->page_referenced = true;
				cr->dict_referenced |= cr->has_dict;
			}
		}
		cr->chunk_row += rows - rows_before;
		nlev += end - start;
		nval += nv;
		cr->ppos = end;
		cr->pv_pos += nv;
		if (stop)
			break;
	}
	out->num_rows = rows;
	out->num_levels = nlev;
	out->num_values = nval;
	if (!copied) {
		out->def_levels = max_def ? s_def : NULL;
		out->rep_levels = max_rep ? s_rep : NULL;
		out->values = s_vals;
		out->bytes = s_views;
	} else {
		out->def_levels = max_def ? cr->odef : NULL;
		out->rep_levels = max_rep ? cr->orep : NULL;
		out->values = ba ? NULL : cr->ovals.data;
		out->bytes = ba ? cr->oviews : NULL;
	}
	if (idx_ok && ep_set && nval && (ep == cr->dict_epoch || (ep == cr->prev_epoch && ep))) {
		cr->out_idx = copied ? cr->oidx : s_idx;
		cr->out_epoch = ep;
	}
	return 0;
}

void parq_column_reader_keep_indices(parq_column_reader *cr)
{
	cr->keep_idx = cr->leaf->type == PARQ_BYTE_ARRAY;
}

const uint32_t *parq_column_reader_indices(const parq_column_reader *cr, const parq_bytes **dict, uint32_t *n,
                                           uint64_t *epoch)
{
	if (!cr->out_idx)
		return NULL;
	bool cur = cr->out_epoch == cr->dict_epoch;
	*dict = cur ? cr->dviews : cr->prev_dviews;
	*n = cur ? cr->dict_n : cr->prev_n;
	*epoch = cr->out_epoch;
	return cr->out_idx;
}

/* Loads the chunk's OffsetIndex; returns 1 when the chunk has none usable. */
static int load_offset_index(parq_column_reader *cr)
{
	if (cr->oi_state)
		return cr->oi_state > 0 ? 0 : 1;
	cr->oi_state = -1;
	const parq_meta_chunk *ch = &cr->r->meta.row_groups[cr->rg].columns[cr->leaf_index];
	if (!ch->has_offset_index_offset || !ch->has_offset_index_length || ch->offset_index_length <= 0 ||
	    ch->offset_index_length > (64 << 20))
		return 1;
	const uint8_t *p;
	int rc = parq_reader_view(cr->r, ch->offset_index_offset, (size_t)ch->offset_index_length, &cr->oi_buf, &p);
	if (rc)
		return rc;
	parq_arena_reset(&cr->oi_arena);
	rc = parq_meta_decode_offset_index(&cr->oi_arena, p, (size_t)ch->offset_index_length, &cr->oi);
	if (rc)
		return cr_ctx(cr, rc, ch->offset_index_offset);
	/* only trust a monotone index whose pages lie inside the chunk */
	int64_t prev_row = -1, prev_off = -1;
	for (uint32_t i = 0; i < cr->oi.n_page_locations; i++) {
		const parq_meta_page_location *l = &cr->oi.page_locations[i];
		if (l->first_row_index <= prev_row || l->offset <= prev_off || l->offset < cr->chunk_start ||
		    l->offset >= cr->end)
			return 1;
		prev_row = l->first_row_index;
		prev_off = l->offset;
	}
	cr->oi_state = 1;
	return 0;
}

/* Loads the dictionary page at the start of the chunk, if there is one,
 * before a jump past it. */
static int ensure_dictionary(parq_column_reader *cr)
{
	if (cr->has_dict || cr->oi.n_page_locations == 0 || cr->chunk_start >= cr->oi.page_locations[0].offset)
		return 0;
	int64_t saved = cr->pos;
	parq_meta_page_header h;
	const uint8_t *body;
	size_t clen;
	int rc = read_page(cr, cr->chunk_start, &h, &body, &clen);
	if (!rc && h.type == PARQ_PAGE_DICTIONARY && h.has_dict_page)
		rc = load_dictionary(cr, &h, body, clen, cr->chunk_start);
	cr->pos = saved;
	return rc;
}

int parq_column_reader_skip(parq_column_reader *cr, int64_t n, int64_t *skipped)
{
	int64_t done = 0;
	while (done < n) {
		if (cr->ppos >= cr->pn && !cr->in_chunk) {
			int rc = open_next_chunk(cr);
			if (rc < 0)
				return rc;
			if (rc > 0)
				break; /* end of the column */
		}
		if (cr->ppos >= cr->pn && cr->in_chunk) {
			/* between pages: whole pages, or the rest of the chunk, can be
			 * passed over without decoding */
			int64_t rg_rows = cr->r->meta.row_groups[cr->rg].num_rows;
			int64_t target = cr->chunk_row + (n - done);
			if (target >= rg_rows && cr->chunk_row <= rg_rows) {
				done += rg_rows - cr->chunk_row;
				cr->chunk_row = rg_rows;
				cr->in_chunk = false;
				continue;
			}
			int rc = load_offset_index(cr);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				int64_t best = -1;
				for (uint32_t i = 0; i < cr->oi.n_page_locations; i++) {
					const parq_meta_page_location *l = &cr->oi.page_locations[i];
					if (l->first_row_index > target)
						break;
					if (l->offset >= cr->pos)
						best = i;
				}
				if (best >= 0 && cr->oi.page_locations[best].first_row_index > cr->chunk_row) {
					/* the pages passed over are not fetched */
					if (cr->pf_pending && (rc = prefetch_from(cr, cr->oi.page_locations[best].offset)))
						return rc;
					if ((rc = ensure_dictionary(cr)))
						return rc;
					const parq_meta_page_location *l = &cr->oi.page_locations[best];
					done += l->first_row_index - cr->chunk_row;
					cr->chunk_row = l->first_row_index;
					cr->pos = l->offset;
					cr->levels_left = INT64_MAX; /* counted by position from here */
					cr->levels_unknown = true;
					continue;
				}
			}
		}
		parq_column_batch b;
		int64_t want = n - done < 65536 ? n - done : 65536;
		int rc = parq_column_reader_read(cr, want, &b);
		if (rc)
			return rc;
		if (b.num_rows == 0)
			break;
		done += b.num_rows;
	}
	if (skipped)
		*skipped = done;
	return 0;
}

int parq_column_reader_dictionary(parq_column_reader *cr, const parq_bytes **views, const uint8_t **vals,
                                  uint32_t *n)
{
	if (!cr->in_chunk) {
		int rc = open_next_chunk(cr);
		if (rc)
			return rc < 0 ? rc : parq_err(PARQ_EINVAL, "no column chunk to read a dictionary from");
	}
	if (!cr->has_dict) {
		parq_meta_page_header h;
		const uint8_t *body;
		size_t clen;
		int64_t saved = cr->pos;
		int rc = read_page(cr, cr->chunk_start, &h, &body, &clen);
		if (!rc && h.type == PARQ_PAGE_DICTIONARY && h.has_dict_page)
			rc = load_dictionary(cr, &h, body, clen, cr->chunk_start);
		cr->pos = saved;
		if (rc)
			return rc;
		if (!cr->has_dict)
			return parq_err(PARQ_EINVAL, "column '%s' has no dictionary", cr->leaf->path);
	}
	*views = cr->dviews;
	*vals = cr->dvals.data;
	*n = cr->dict_n;
	return 0;
}
