/* Column chunk writer: levels and values in, encoded pages out. */
#include "column_writer.h"

#include <pthread.h>
/* inline: short values are most of what is hashed, and a call into the
 * library costs as much as their hash */
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <zlib.h>

#include "bloom.h"
#include "encodings.h"
#include "rle.h"
#include "thrift.h"

/* ---- dictionary: open addressing over entry indices ---- */

typedef struct dict {
	uint32_t *slots;     /* entry index + 1; 0 = empty */
	uint32_t mask;
	uint32_t n, cap;
	uint64_t *hashes;    /* per entry */
	uint32_t *offs, *lens;
	uint32_t *stamp;     /* per entry: the page whose statistics hold it */
	parq_buf data;       /* entry bytes, back to back */
	size_t plain_bytes;  /* size of the PLAIN-encoded dictionary page body */
} dict;

static void dict_clear(dict *d)
{
	if (d->slots)
		memset(d->slots, 0, sizeof *d->slots * ((size_t)d->mask + 1));
	d->n = 0;
	d->data.len = 0;
	d->plain_bytes = 0;
}

static void dict_free(dict *d)
{
	free(d->slots);
	free(d->hashes);
	free(d->stamp);
	free(d->offs);
	free(d->lens);
	parq_buf_free(&d->data);
	memset(d, 0, sizeof *d);
}

/* A dictionary starts small: a writer per target keeps 43 columns open,
 * most of whose chunks hold a few distinct values or none. */
#define DICT_FIRST 64

static int dict_rehash(dict *d, uint32_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof *s);
	if (!s)
		return parq_err_nomem();
	uint32_t mask = nslots - 1;
	for (uint32_t i = 0; i < d->n; i++) {
		uint32_t h = (uint32_t)d->hashes[i] & mask;
		while (s[h])
			h = (h + 1) & mask;
		s[h] = i + 1;
	}
	free(d->slots);
	d->slots = s;
	d->mask = mask;
	return 0;
}

/* Index of the entry equal to p[0..len), inserting it if new; -1 on OOM. */
static int64_t dict_index(dict *d, const uint8_t *p, uint32_t len, size_t plain_len)
{
	if (!d->slots && dict_rehash(d, 2 * DICT_FIRST))
		return -1; /* allocated at the first value, freed by a trim or a drop */
	uint64_t hv = XXH3_64bits(p, len);
	uint32_t h = (uint32_t)hv & d->mask;
	for (;;) {
		uint32_t e = d->slots[h];
		if (!e)
			break;
		e--;
		if (d->hashes[e] == hv && d->lens[e] == len && memcmp(d->data.data + d->offs[e], p, len) == 0)
			return e;
		h = (h + 1) & d->mask;
	}
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : DICT_FIRST;
		uint64_t *hs = realloc(d->hashes, sizeof *hs * cap);
		if (!hs)
			return -1;
		d->hashes = hs;
		uint32_t *o = realloc(d->offs, sizeof *o * cap);
		if (!o)
			return -1;
		d->offs = o;
		uint32_t *l = realloc(d->lens, sizeof *l * cap);
		if (!l)
			return -1;
		d->lens = l;
		uint32_t *st = realloc(d->stamp, sizeof *st * cap);
		if (!st)
			return -1;
		d->stamp = st;
		d->cap = cap;
	}
	if (d->data.len > UINT32_MAX - len || parq_buf_append(&d->data, p, len))
		return -1;
	uint32_t e = d->n++;
	d->hashes[e] = hv;
	d->stamp[e] = 0;
	d->offs[e] = (uint32_t)(d->data.len - len);
	d->lens[e] = len;
	d->slots[h] = e + 1;
	d->plain_bytes += plain_len;
	if ((uint64_t)d->n * 2 > (uint64_t)d->mask + 1) {
		if (dict_rehash(d, (d->mask + 1) * 2))
			return -1;
	}
	return e;
}

/* ---- column writer ---- */

/* The levels or the dictionary indices of the open page. While they are
 * all one value (a column null throughout the page or present throughout,
 * a scan's time, a method), they are that value and the page's count: the
 * array is allocated at the first different value. A writer per target
 * keeps 43 columns open, most of them uniform, and their arrays were most
 * of what it held. */
typedef struct uniform {
	void *v;        /* the values when mixed (int16_t levels, uint32_t indices) */
	size_t cap;
	uint32_t same;  /* the value of every one while not mixed */
	bool mixed;
} uniform;

struct parq_colw {
	parq_colw_config cfg;
	parq_codec_ctx *ctx;
	parq_type type;
	size_t width;            /* bytes per fixed-width value; 0 for BYTE_ARRAY */
	int16_t max_def, max_rep;
	bool utf8;

	/* open page */
	uniform def, rep;        /* int16_t levels, nlev of each */
	size_t nlev;
	parq_buf vals;           /* PLAIN values (BOOLEAN: one byte per value) */
	uniform idx;             /* uint32_t dictionary indices, nidx */
	size_t nidx;
	int64_t page_rows, page_nulls;
	int64_t page_first_row;
	parq_stats page_stats;
	bool page_dict;
	uint32_t page_stamp;     /* the open page's, for dictionary entries' stamps (never 0) */

	/* dictionary */
	bool dict_on;
	dict dict;
	int dict_skip;           /* chunks still to start without one (maybe_drop_dictionary) */

	/* chunk */
	parq_buf dict_page, data, header;
	parq_colw_seg *segs;     /* pages moved to the spill file, before data */
	int n_segs, cap_segs;
	int64_t spilled;         /* their bytes */
	int64_t chunk_levels, chunk_rows;
	int64_t unc_total, comp_total;
	parq_stats chunk_stats;
	uint32_t encodings;
	int n_dict_data_pages, n_plain_data_pages, n_delta_data_pages, n_dict_pages;
	parq_colw_page *pages;
	int n_pages, cap_pages;
	parq_buf bounds;
	bool bounds_ok;
	bool finishing;          /* the page flushed now is the chunk's last */
	bool raw;                /* the chunk is stored uncompressed (tiny_chunk_raw) */

	/* bloom filter: hashes of every value in the chunk */
	uint64_t *hashes;
	size_t n_hashes, cap_hashes;
	int64_t bloom_values;     /* values the chunk's bloom filter covers, repeats counted */
	parq_buf bloom;
};

int parq_colw_new(parq_colw **out, const parq_colw_config *cfg, parq_codec_ctx *ctx)
{
	parq_colw *c = parq_calloc(1, sizeof *c);
	if (!c)
		return PARQ_ENOMEM;
	c->cfg = *cfg;
	c->ctx = ctx;
	c->type = cfg->leaf->type;
	c->width = parq_value_width(cfg->leaf);
	c->max_def = cfg->leaf->max_def;
	c->max_rep = cfg->leaf->max_rep;
	c->utf8 = cfg->leaf->logical.kind == PARQ_LT_STRING || cfg->leaf->logical.kind == PARQ_LT_JSON ||
	          cfg->leaf->logical.kind == PARQ_LT_ENUM;
	parq_order order = cfg->statistics ? parq_order_of(cfg->leaf) : PARQ_ORDER_NONE;
	parq_stats_init(&c->page_stats, order);
	parq_stats_init(&c->chunk_stats, order);
	/* 4 bytes past the cut: a UTF-8 cut looks at the character it splits */
	c->page_stats.cmp_limit = c->chunk_stats.cmp_limit = cfg->stats_max_bytes ? cfg->stats_max_bytes + 4 : 0;
	c->page_stamp = 1;
	/* Booleans gain nothing from a dictionary. */
	if (c->type == PARQ_BOOLEAN)
		c->cfg.dictionary = false;
	c->dict_on = c->cfg.dictionary;
	c->bounds_ok = true;
	*out = c;
	return 0;
}

static void uniform_free(uniform *u)
{
	free(u->v);
	memset(u, 0, sizeof *u);
}

/* Frees the buffers the rows of a chunk grow (levels, values, pages,
 * hashes), leaving them empty. */
static void free_buffers(parq_colw *c)
{
	uniform_free(&c->def);
	uniform_free(&c->rep);
	uniform_free(&c->idx);
	parq_buf_free(&c->vals);
	parq_buf_free(&c->dict_page);
	parq_buf_free(&c->data);
	parq_buf_free(&c->header);
	parq_buf_free(&c->bounds);
	parq_buf_free(&c->bloom);
	free(c->hashes);
	c->hashes = NULL;
	c->cap_hashes = 0;
	free(c->pages);
	c->pages = NULL;
	c->cap_pages = 0;
	free(c->segs);
	c->segs = NULL;
	c->cap_segs = 0;
}

void parq_colw_free(parq_colw *c)
{
	if (!c)
		return;
	free_buffers(c);
	parq_stats_free(&c->page_stats);
	parq_stats_free(&c->chunk_stats);
	dict_free(&c->dict);
	free(c);
}

void parq_colw_reset(parq_colw *c)
{
	c->nlev = c->nidx = 0;
	c->def.mixed = c->rep.mixed = c->idx.mixed = false;
	c->vals.len = 0;
	c->page_rows = c->page_nulls = c->page_first_row = 0;
	parq_stats_reset(&c->page_stats);
	parq_stats_reset(&c->chunk_stats);
	c->dict_on = c->cfg.dictionary && c->dict_skip == 0;
	c->dict_skip -= c->dict_skip > 0;
	c->page_dict = false;
	dict_clear(&c->dict);
	c->dict_page.len = c->data.len = 0;
	c->n_segs = 0;
	c->spilled = 0;
	c->chunk_levels = c->chunk_rows = 0;
	c->unc_total = c->comp_total = 0;
	c->encodings = 0;
	c->n_dict_data_pages = c->n_plain_data_pages = c->n_delta_data_pages = c->n_dict_pages = 0;
	c->n_pages = 0;
	c->bounds.len = 0;
	c->bounds_ok = true;
	c->raw = false;
	c->n_hashes = 0;
	c->bloom_values = 0;
	c->bloom.len = 0;
}

static size_t page_estimate(const parq_colw *c)
{
	size_t lev_bits = (size_t)(parq_bit_width((uint64_t)c->max_def) + parq_bit_width((uint64_t)c->max_rep));
	size_t est = c->nlev * lev_bits / 8;
	if (c->page_dict)
		est += c->nidx * (size_t)(parq_bit_width(c->dict.n) + 1) / 8 + 1;
	else
		est += c->type == PARQ_BOOLEAN ? c->vals.len / 8 : c->vals.len;
	return est;
}

size_t parq_colw_memory(const parq_colw *c)
{
	const dict *d = &c->dict;
	size_t m = sizeof *c + (c->def.cap + c->rep.cap) * sizeof(int16_t) + c->idx.cap * sizeof(uint32_t) + c->vals.cap +
	           c->dict_page.cap + c->data.cap + c->header.cap + c->bounds.cap +
	           c->bloom.cap + c->cap_hashes * sizeof(uint64_t) + (size_t)c->cap_pages * sizeof *c->pages +
	           (size_t)c->cap_segs * sizeof *c->segs;
	if (d->slots)
		m += ((size_t)d->mask + 1) * sizeof *d->slots;
	m += (size_t)d->cap * (sizeof *d->hashes + sizeof *d->offs + sizeof *d->lens) + d->data.cap;
	return m;
}

int parq_colw_trim(parq_colw *c)
{
	if (c->nlev || c->chunk_rows || c->data.len || c->spilled)
		return 0; /* rows at hand: their buffers stay */
	free_buffers(c);
	dict_free(&c->dict); /* its first value allocates it again */
	return 0;
}

size_t parq_colw_estimate(const parq_colw *c)
{
	return (size_t)c->spilled + c->data.len + c->dict.plain_bytes + page_estimate(c);
}

size_t parq_colw_spillable(const parq_colw *c)
{
	return c->data.len;
}

int parq_colw_spill(parq_colw *c, parq_colw_sink sink, void *ud)
{
	if (!c->data.len)
		return 0;
	if (c->n_segs == c->cap_segs) {
		int cap = c->cap_segs ? c->cap_segs * 2 : 8;
		parq_colw_seg *g = realloc(c->segs, (size_t)cap * sizeof *g);
		if (!g)
			return parq_err_nomem();
		c->segs = g;
		c->cap_segs = cap;
	}
	int64_t off;
	int rc = sink(ud, c->data.data, c->data.len, &off);
	if (rc)
		return rc;
	c->segs[c->n_segs++] = (parq_colw_seg){off, c->data.len};
	c->spilled += (int64_t)c->data.len;
	parq_buf_free(&c->data); /* it grows again with the next pages */
	return 0;
}

/* The capacity, doubled from cap (from 1024 when 0), that holds used + n. */
static size_t grown(size_t cap, size_t used, size_t n)
{
	cap = cap ? cap : 1024;
	while (cap - used < n)
		cap *= 2;
	return cap;
}

/* Reallocates the array whose pointer is at pp to cap elements of size
 * bytes; it stays as it was on failure. */
static int resize(void *pp, size_t cap, size_t size)
{
	void *p;
	memcpy(&p, pp, sizeof p);
	if (!(p = realloc(p, cap * size)))
		return parq_err_nomem();
	memcpy(pp, &p, sizeof p);
	return 0;
}

/* The dictionary index at i of the open page. */
static uint32_t idx_at(const parq_colw *c, size_t i)
{
	return c->idx.mixed ? ((const uint32_t *)c->idx.v)[i] : c->idx.same;
}

/* Gives u's array room for `need` elements of `size` bytes. */
static int uniform_room(uniform *u, size_t size, size_t need)
{
	if (u->cap >= need)
		return 0;
	size_t cap = grown(u->cap, 0, need);
	if (resize(&u->v, cap, size))
		return PARQ_ENOMEM;
	u->cap = cap;
	return 0;
}

/* The same, and writes the first `have` out as the value they all are. */
static int uniform_mix(uniform *u, size_t size, size_t have, size_t need)
{
	if (uniform_room(u, size, need))
		return PARQ_ENOMEM;
	for (size_t i = 0; i < have; i++) {
		if (size == 2)
			((int16_t *)u->v)[i] = (int16_t)u->same;
		else
			((uint32_t *)u->v)[i] = u->same;
	}
	u->mixed = true;
	return 0;
}

/* Appends n levels to the `have` levels of the page. */
static int levels_put(uniform *u, size_t have, const int16_t *src, size_t n)
{
	if (!n)
		return 0;
	if (!u->mixed) {
		if (!have)
			u->same = (uint32_t)(uint16_t)src[0];
		size_t k = 0;
		while (k < n && (uint32_t)(uint16_t)src[k] == u->same)
			k++;
		if (k == n)
			return 0;
		if (uniform_mix(u, sizeof(int16_t), have, have + n))
			return PARQ_ENOMEM;
	} else if (uniform_room(u, sizeof(int16_t), have + n)) {
		return PARQ_ENOMEM;
	}
	memcpy((int16_t *)u->v + have, src, n * sizeof *src);
	return 0;
}

/* Appends dictionary index e to the page's nidx; room for `more` after it
 * is made when the indices stop being one value. */
static inline int idx_put(parq_colw *c, uint32_t e, size_t more)
{
	uniform *u = &c->idx;
	if (!u->mixed) {
		if (!c->nidx || e == u->same) {
			u->same = e;
			c->nidx++;
			return 0;
		}
		if (uniform_mix(u, sizeof(uint32_t), c->nidx, c->nidx + 1 + more))
			return PARQ_ENOMEM;
	}
	((uint32_t *)u->v)[c->nidx++] = e;
	return 0;
}

/* Room for n more PLAIN bytes in the open page. Grown by doubling, but not
 * past the page's byte budget and an eighth where that is enough: a page
 * ends at its budget, and doubling past it held twice a page for every
 * PLAIN column of every open writer. */
static int vals_reserve(parq_colw *c, size_t n)
{
	if (c->vals.cap - c->vals.len >= n)
		return 0;
	return parq_buf_grow_within(&c->vals, n, c->cfg.page_bytes + c->cfg.page_bytes / 8);
}

/* Appends a little-endian u32. */
static int put_u32(parq_buf *b, uint32_t v)
{
	uint8_t t[4];
	parq_store_u32(t, v);
	return parq_buf_append(b, t, 4);
}

static int encode_levels(parq_buf *out, const uniform *lv, size_t n, int16_t max, bool prefix)
{
	if (!max)
		return 0;
	size_t at = out->len;
	if (prefix && put_u32(out, 0))
		return PARQ_ENOMEM;
	int bw = parq_bit_width((uint64_t)max);
	int rc = lv->mixed ? parq_rle_encode_i16(out, bw, lv->v, n) : parq_rle_encode_run(out, bw, lv->same, n);
	if (rc)
		return rc;
	if (prefix)
		parq_store_u32(out->data + at, (uint32_t)(out->len - at - 4));
	return 0;
}

static int encode_values(parq_colw *c, parq_buf *out, int *encoding)
{
	if (c->page_dict) {
		int bw = parq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
		*encoding = PARQ_ENC_RLE_DICTIONARY;
		if (parq_buf_push(out, (uint8_t)bw))
			return PARQ_ENOMEM;
		return c->idx.mixed ? parq_rle_encode_u32(out, bw, c->idx.v, c->nidx)
		                    : parq_rle_encode_run(out, bw, c->idx.same, c->nidx);
	}
	if (c->type == PARQ_BOOLEAN) {
		size_t n = c->vals.len;
		if (c->cfg.page_version == 2) {
			/* Data page v2 prefers RLE for booleans. */
			*encoding = PARQ_ENC_RLE;
			uint32_t *tmp = parq_malloc((n ? n : 1) * sizeof *tmp);
			if (!tmp)
				return PARQ_ENOMEM;
			for (size_t i = 0; i < n; i++)
				tmp[i] = c->vals.data[i];
			size_t at = out->len;
			int rc = put_u32(out, 0);
			if (!rc)
				rc = parq_rle_encode_u32(out, 1, tmp, n);
			free(tmp);
			if (rc)
				return rc;
			parq_store_u32(out->data + at, (uint32_t)(out->len - at - 4));
			return 0;
		}
		*encoding = PARQ_ENC_PLAIN;
		size_t nb = (n + 7) / 8;
		if (parq_buf_reserve(out, nb))
			return PARQ_ENOMEM;
		uint8_t *o = out->data + out->len;
		memset(o, 0, nb);
		for (size_t i = 0; i < n; i++)
			o[i >> 3] |= (uint8_t)((c->vals.data[i] & 1) << (i & 7));
		out->len += nb;
		return 0;
	}
	if ((c->type == PARQ_INT32 || c->type == PARQ_INT64) && c->cfg.encoding != PARQ_ENC_PLAIN) {
		/* automatic: DELTA_BINARY_PACKED only where it is smaller */
		size_t at = out->len;
		int rc = parq_encode_delta_binary(out, c->vals.data, c->vals.len / c->width, (int)c->width);
		if (rc)
			return rc;
		if (c->cfg.encoding == PARQ_ENC_DELTA_BINARY_PACKED || out->len - at < c->vals.len) {
			*encoding = PARQ_ENC_DELTA_BINARY_PACKED;
			return 0;
		}
		out->len = at;
	}
	*encoding = PARQ_ENC_PLAIN;
	return parq_buf_append(out, c->vals.data, c->vals.len);
}

static int add_page_entry(parq_colw *c, int64_t offset, int32_t size, int64_t nvalues)
{
	if (c->n_pages == c->cap_pages) {
		int cap = c->cap_pages ? c->cap_pages * 2 : 16;
		parq_colw_page *p = realloc(c->pages, sizeof *p * (size_t)cap);
		if (!p)
			return parq_err_nomem();
		c->pages = p;
		c->cap_pages = cap;
	}
	parq_colw_page *pg = &c->pages[c->n_pages++];
	memset(pg, 0, sizeof *pg);
	pg->offset = offset;
	pg->size = size;
	pg->first_row = c->page_first_row;
	pg->nulls = c->page_nulls;
	pg->null_page = nvalues == 0;
	if (c->cfg.page_index && c->page_stats.has_minmax) {
		parq_stats_enc e;
		if (parq_stats_encode(&c->page_stats, c->cfg.stats_max_bytes, c->utf8, &c->bounds, &e))
			return PARQ_ENOMEM;
		pg->has_minmax = e.has;
		pg->min_off = e.min_off;
		pg->min_len = e.min_len;
		pg->max_off = e.max_off;
		pg->max_len = e.max_len;
	} else if (!pg->null_page) {
		/* A non-null page without bounds: the column index cannot be written. */
		c->bounds_ok = false;
	}
	return 0;
}

/* Writes header + body into c->data. body: the bytes after the header;
 * unc: uncompressed size to announce. */
static int emit_page(parq_colw *c, parq_meta_page_header *h, const parq_buf *levels,
                     const uint8_t *body, size_t body_len)
{
	size_t lev_len = levels ? levels->len : 0;
	if (lev_len + body_len > INT32_MAX)
		return parq_err(PARQ_ELIMIT, "column '%s': page of %zu bytes exceeds the format's 2 GiB limit",
		                c->cfg.leaf->path, lev_len + body_len);
	h->compressed_page_size = (int32_t)(lev_len + body_len);
	if (c->cfg.crc) {
		uLong crc = crc32(0L, Z_NULL, 0);
		if (lev_len)
			crc = crc32(crc, levels->data, (uInt)lev_len);
		if (body_len)
			crc = crc32(crc, body, (uInt)body_len);
		h->has_crc = true;
		h->crc = (int32_t)(uint32_t)crc;
	}
	c->header.len = 0;
	int rc = parq_meta_encode_page_header(&c->header, h);
	if (rc)
		return rc;
	if (parq_buf_append(&c->data, c->header.data, c->header.len) ||
	    (lev_len && parq_buf_append(&c->data, levels->data, lev_len)) ||
	    parq_buf_append(&c->data, body, body_len))
		return PARQ_ENOMEM;
	c->unc_total += (int64_t)c->header.len + h->uncompressed_page_size;
	c->comp_total += (int64_t)c->header.len + h->compressed_page_size;
	return 0;
}

/* Rewrites the open page's dictionary indices as PLAIN values. */
/* A page's uncompressed body and its compressed form are needed only
 * while the page is written: each thread keeps one pair for every column
 * it writes, instead of each column keeping a pair as large as its
 * largest page (with many writers open, most of what they held). */
typedef struct page_bufs {
	parq_buf scratch, comp;
} page_bufs;

static pthread_key_t pb_key;
static pthread_once_t pb_once = PTHREAD_ONCE_INIT;
static bool pb_key_ok;

static void pb_destroy(void *p)
{
	page_bufs *b = p;
	parq_buf_free(&b->scratch);
	parq_buf_free(&b->comp);
	free(b);
}

static void pb_init(void)
{
	pb_key_ok = pthread_key_create(&pb_key, pb_destroy) == 0;
}

/* The calling thread's pair; NULL when out of memory. */
static page_bufs *page_bufs_get(void)
{
	pthread_once(&pb_once, pb_init);
	if (!pb_key_ok)
		return NULL;
	page_bufs *b = pthread_getspecific(pb_key);
	if (!b && (b = calloc(1, sizeof *b)) && pthread_setspecific(pb_key, b) != 0) {
		free(b);
		b = NULL;
	}
	return b;
}

/* Bytes of the open page's dictionary indices written PLAIN. */
static size_t page_plain_bytes(const parq_colw *c)
{
	size_t total = 0;
	for (size_t i = 0; i < c->nidx; i++)
		total += c->dict.lens[idx_at(c, i)] + (c->type == PARQ_BYTE_ARRAY ? 4 : 0);
	return total;
}

static int page_to_plain(parq_colw *c)
{
	const dict *d = &c->dict;
	size_t total = page_plain_bytes(c);
	c->vals.len = 0;
	if (vals_reserve(c, total))
		return PARQ_ENOMEM;
	uint8_t *o = c->vals.data;
	for (size_t i = 0; i < c->nidx; i++) {
		uint32_t e = idx_at(c, i), len = d->lens[e];
		if (c->type == PARQ_BYTE_ARRAY) {
			parq_store_u32(o, len);
			o += 4;
		}
		memcpy(o, d->data.data + d->offs[e], len);
		o += len;
	}
	c->vals.len = total;
	return 0;
}

/* The chunk goes on without a dictionary, none of its pages having used
 * it: what the dictionary and the indices held is given back rather than
 * kept (and counted against the writer's memory) until the chunk ends. */
static void dict_release(parq_colw *c)
{
	c->page_dict = false;
	c->dict_on = false;
	dict_free(&c->dict);
	uniform_free(&c->idx);
	c->nidx = 0;
}

/* At the chunk's first page, decides whether the dictionary pays. Mostly
 * distinct values (URLs, titles, addresses, timestamps) compress better
 * without one: byte arrays and floating point values go PLAIN when more
 * than half of the page's values are distinct; integers go
 * DELTA_BINARY_PACKED when that comes out smaller than dictionary plus
 * indices. The decision holds for the rest of the chunk, and a dropped
 * dictionary for the next DICT_SKIP chunks too, which start without one:
 * a column of distinct values stays so from row group to row group, and
 * each first page tried with a dictionary was every value hashed, copied
 * and then written again. */
#define DICT_SKIP 7
static int maybe_drop_dictionary(parq_colw *c)
{
	if (c->finishing && c->page_dict && !c->n_dict_data_pages && c->nidx < 64 && c->type != PARQ_BOOLEAN) {
		/* The chunk is this one page of a few values (a scan of a
		 * handful of rows, a file per host): PLAIN when that is no
		 * larger than the dictionary page (its header about 12 bytes)
		 * and the indices. */
		size_t plain = page_plain_bytes(c);
		size_t dict_cost = 12 + c->dict.plain_bytes + 3 + (c->nidx * (size_t)parq_bit_width(c->dict.n - 1) + 7) / 8;
		if (plain > dict_cost)
			return 0;
		int rc = page_to_plain(c);
		if (rc)
			return rc;
		dict_release(c);
		return 0;
	}
	if (!c->page_dict || c->n_dict_data_pages || c->nidx < 64 || c->cfg.encoding == PARQ_ENC_PLAIN ||
	    c->type == PARQ_BOOLEAN)
		return 0;
	bool integer = c->type == PARQ_INT32 || c->type == PARQ_INT64;
	if (integer ? c->dict.n * 4 < c->nidx : c->dict.n * 2 <= c->nidx)
		return 0;
	int rc = page_to_plain(c);
	if (rc)
		return rc;
	bool drop = true;
	if (integer) {
		size_t dict_cost = c->dict.plain_bytes + (c->nidx * (size_t)parq_bit_width(c->dict.n - 1) + 7) / 8;
		page_bufs *pb = page_bufs_get();
		if (!pb)
			return parq_err_nomem();
		pb->scratch.len = 0;
		if ((rc = parq_encode_delta_binary(&pb->scratch, c->vals.data, c->nidx, (int)c->width)))
			return rc;
		drop = pb->scratch.len < dict_cost;
	}
	if (drop) {
		dict_release(c);
		c->dict_skip = DICT_SKIP;
	} else {
		c->vals.len = 0;
	}
	return 0;
}

/* Whether the chunk's only page goes uncompressed: a page of a few dozen
 * bytes (a tiny chunk) does not shrink under any codec, whose frame alone
 * costs about ten bytes, and compressing thousands of them is a tiny
 * file's main cost. Larger ones are compressed (into comp) and kept raw
 * when that came out no smaller. The chunk's codec then says
 * UNCOMPRESSED (ColumnMetaData.codec is per chunk). */
static int tiny_chunk_raw(parq_colw *c, const uint8_t *p, size_t n, parq_buf *comp, bool *raw)
{
	*raw = c->cfg.codec == PARQ_CODEC_UNCOMPRESSED;
	bool only = c->finishing && c->n_pages == 0 && !c->page_dict;
	if (*raw || (only && n <= 64)) {
		c->raw = true;
		*raw = true;
		return 0;
	}
	comp->len = 0;
	int rc = parq_compress_tuned(c->ctx, c->cfg.codec, c->cfg.level, &c->cfg.zstd, p, n, comp);
	if (!rc && only && comp->len >= n)
		*raw = true;
	c->raw = *raw;
	return rc;
}

static int flush_page(parq_colw *c)
{
	if (!c->nlev)
		return 0;
	int rc0 = maybe_drop_dictionary(c);
	if (rc0)
		return rc0;
	parq_meta_page_header h;
	memset(&h, 0, sizeof h);
	/* offsets count the pages moved to the spill file */
	int64_t page_start = c->spilled + (int64_t)c->data.len;
	int64_t nvalues = (int64_t)c->nlev - c->page_nulls;
	int encoding, rc;
	page_bufs *pb = page_bufs_get();
	if (!pb)
		return parq_err_nomem();
	parq_buf *s = &pb->scratch;
	s->len = 0;
	if (c->cfg.page_version == 2) {
		/* Levels stay uncompressed, without length prefixes. */
		if ((rc = encode_levels(s, &c->rep, c->nlev, c->max_rep, false)))
			return rc;
		size_t rep_len = s->len;
		if ((rc = encode_levels(s, &c->def, c->nlev, c->max_def, false)))
			return rc;
		size_t def_len = s->len - rep_len;
		parq_buf vals = {0};
		rc = encode_values(c, &vals, &encoding);
		if (rc) {
			parq_buf_free(&vals);
			return rc;
		}
		h.type = PARQ_PAGE_DATA_V2;
		h.has_data_page_v2 = true;
		h.data_page_v2.num_values = (int32_t)c->nlev;
		h.data_page_v2.num_nulls = (int32_t)c->page_nulls;
		h.data_page_v2.num_rows = (int32_t)c->page_rows;
		h.data_page_v2.encoding = encoding;
		h.data_page_v2.def_levels_byte_length = (int32_t)def_len;
		h.data_page_v2.rep_levels_byte_length = (int32_t)rep_len;
		h.uncompressed_page_size = (int32_t)(s->len + vals.len);
		const uint8_t *body = vals.data;
		size_t body_len = vals.len;
		bool raw;
		if ((rc = tiny_chunk_raw(c, vals.data, vals.len, &pb->comp, &raw))) {
			parq_buf_free(&vals);
			return rc;
		}
		if (!raw) {
			body = pb->comp.data;
			body_len = pb->comp.len;
		}
		h.data_page_v2.is_compressed = !raw;
		rc = emit_page(c, &h, s, body, body_len);
		parq_buf_free(&vals);
		if (rc)
			return rc;
	} else {
		if ((rc = encode_levels(s, &c->rep, c->nlev, c->max_rep, true)) ||
		    (rc = encode_levels(s, &c->def, c->nlev, c->max_def, true)) ||
		    (rc = encode_values(c, s, &encoding)))
			return rc;
		if (s->len > INT32_MAX)
			return parq_err(PARQ_ELIMIT, "column '%s': page too large", c->cfg.leaf->path);
		h.type = PARQ_PAGE_DATA;
		h.has_data_page = true;
		h.data_page.num_values = (int32_t)c->nlev;
		h.data_page.encoding = encoding;
		h.data_page.def_level_encoding = PARQ_ENC_RLE;
		h.data_page.rep_level_encoding = PARQ_ENC_RLE;
		h.uncompressed_page_size = (int32_t)s->len;
		const uint8_t *body = s->data;
		size_t body_len = s->len;
		bool raw;
		if ((rc = tiny_chunk_raw(c, s->data, s->len, &pb->comp, &raw)))
			return rc;
		if (!raw) {
			body = pb->comp.data;
			body_len = pb->comp.len;
		}
		if ((rc = emit_page(c, &h, NULL, body, body_len)))
			return rc;
	}
	c->encodings |= 1u << encoding;
	if (c->max_def || c->max_rep)
		c->encodings |= 1u << PARQ_ENC_RLE;
	if (c->page_dict)
		c->n_dict_data_pages++;
	else if (encoding == PARQ_ENC_DELTA_BINARY_PACKED)
		c->n_delta_data_pages++;
	else
		c->n_plain_data_pages++;
	if ((rc = add_page_entry(c, page_start, (int32_t)(c->spilled + (int64_t)c->data.len - page_start), nvalues)))
		return rc;
	c->page_stats.nulls = c->page_nulls;
	if ((rc = parq_stats_merge(&c->chunk_stats, &c->page_stats)))
		return rc;
	parq_stats_reset(&c->page_stats);
	c->page_stamp = c->page_stamp + 1 ? c->page_stamp + 1 : 1;
	c->chunk_levels += (int64_t)c->nlev;
	c->page_first_row += c->page_rows;
	c->nlev = c->nidx = 0;
	c->def.mixed = c->rep.mixed = c->idx.mixed = false;
	c->vals.len = 0;
	c->page_rows = c->page_nulls = 0;
	c->page_dict = c->dict_on;
	return 0;
}

/* Room for n more bloom filter hashes: where they go, NULL when out of
 * memory. */
static uint64_t *hashes_room(parq_colw *c, size_t n)
{
	if (c->cap_hashes - c->n_hashes < n) {
		size_t cap = grown(c->cap_hashes, c->n_hashes, n);
		if (resize(&c->hashes, cap, sizeof *c->hashes))
			return NULL;
		c->cap_hashes = cap;
	}
	uint64_t *o = c->hashes + c->n_hashes;
	c->n_hashes += n;
	return o;
}

/* The bloom filter hashes of values [0, n) of a slice. */
static int hash_values(parq_colw *c, const void *values, const parq_bytes *bytes, size_t n)
{
	uint64_t *o = hashes_room(c, n);
	if (!o)
		return PARQ_ENOMEM;
	if (c->type == PARQ_BYTE_ARRAY) {
		for (size_t i = 0; i < n; i++)
			o[i] = parq_bloom_hash(bytes[i].ptr ? bytes[i].ptr : (const uint8_t *)"", bytes[i].len);
	} else {
		const uint8_t *v = values;
		for (size_t i = 0; i < n; i++)
			o[i] = parq_bloom_hash(v + i * c->width, c->width);
	}
	return 0;
}

/* The bloom filter hashes of the dictionary's entries from `from` on. */
static int hash_entries(parq_colw *c, uint32_t from)
{
	const dict *d = &c->dict;
	uint64_t *o = hashes_room(c, d->n - from);
	if (!o)
		return PARQ_ENOMEM;
	for (uint32_t e = from; e < d->n; e++)
		*o++ = parq_bloom_hash(d->lens[e] ? d->data.data + d->offs[e] : (const uint8_t *)"", d->lens[e]);
	return 0;
}

/* Appends values [0, n) of a slice to the open page, as dictionary indices
 * or PLAIN bytes. */
static int put_values(parq_colw *c, const void *values, const parq_bytes *bytes, size_t n)
{
	if (!n)
		return 0;
	int rc;
	/* the bloom filter's input: each value of a PLAIN page, but of a
	 * dictionary page only the entries it adds (hashed once each, not once
	 * per row: a status or a server repeats through the whole chunk) */
	bool bloom = c->cfg.bloom_fpp > 0;
	c->bloom_values += (int64_t)n;
	if (bloom && !c->page_dict && (rc = hash_values(c, values, bytes, n)))
		return rc;
	if (c->type == PARQ_BYTE_ARRAY) {
		/* a dictionary page's strings are folded into its statistics
		 * once per entry, below */
		if (!c->page_dict && (rc = parq_stats_update_bytes(&c->page_stats, bytes, n)))
			return rc;
	} else if (c->type == PARQ_FIXED_LEN_BYTE_ARRAY) {
		if ((rc = parq_stats_update_flba(&c->page_stats, values, n, (int)c->width)))
			return rc;
	} else {
		parq_stats_update_fixed(&c->page_stats, values, n);
	}
	if (c->page_dict) {
		uint32_t entries = c->dict.n;
		if (c->idx.mixed && uniform_room(&c->idx, sizeof(uint32_t), c->nidx + n))
			return PARQ_ENOMEM;
		/* a value equal to the one before it (a scan's time, its root
		 * target, a status that repeats) takes its entry without a lookup */
		uint32_t e = 0;
		if (c->type == PARQ_BYTE_ARRAY) {
			size_t folded = 0;
			for (size_t i = 0; i < n; i++) {
				if (!i || bytes[i].len != bytes[i - 1].len ||
				    (bytes[i].len && bytes[i].ptr != bytes[i - 1].ptr && memcmp(bytes[i].ptr, bytes[i - 1].ptr, bytes[i].len))) {
					int64_t x = dict_index(&c->dict, bytes[i].ptr, bytes[i].len, 4 + (size_t)bytes[i].len);
					if (x < 0)
						return parq_err_nomem();
					e = (uint32_t)x;
					if (c->dict.stamp[e] != c->page_stamp) {
						c->dict.stamp[e] = c->page_stamp;
						if ((rc = parq_stats_update_bytes(&c->page_stats, &bytes[i], 1)))
							return rc;
						folded++;
					}
				}
				if (idx_put(c, e, n - i - 1))
					return PARQ_ENOMEM;
			}
			c->page_stats.values += (int64_t)(n - folded);
		} else {
			const uint8_t *v = values;
			size_t w = c->width;
			for (size_t i = 0; i < n; i++) {
				if (!i || memcmp(v + i * w, v + (i - 1) * w, w)) {
					int64_t x = dict_index(&c->dict, v + i * w, (uint32_t)w, w);
					if (x < 0)
						return parq_err_nomem();
					e = (uint32_t)x;
				}
				if (idx_put(c, e, n - i - 1))
					return PARQ_ENOMEM;
			}
		}
		return bloom ? hash_entries(c, entries) : 0;
	}
	if (c->type == PARQ_BYTE_ARRAY) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++)
			total += 4 + (size_t)bytes[i].len;
		if (vals_reserve(c, total))
			return PARQ_ENOMEM;
		uint8_t *o = c->vals.data + c->vals.len;
		for (size_t i = 0; i < n; i++) {
			parq_store_u32(o, bytes[i].len);
			if (bytes[i].len)
				memcpy(o + 4, bytes[i].ptr, bytes[i].len);
			o += 4 + bytes[i].len;
		}
		c->vals.len += total;
		return 0;
	}
	if (c->type == PARQ_BOOLEAN) {
		const uint8_t *v = values;
		if (vals_reserve(c, n))
			return PARQ_ENOMEM;
		for (size_t i = 0; i < n; i++)
			c->vals.data[c->vals.len + i] = v[i] != 0;
		c->vals.len += n;
		return 0;
	}
	if (vals_reserve(c, n * c->width))
		return PARQ_ENOMEM;
	memcpy(c->vals.data + c->vals.len, values, n * c->width);
	c->vals.len += n * c->width;
	return 0;
}

/* How many of the next rows fit in the open page: at least one row, at most
 * the page's row budget, stopping once the page's byte budget is used. */
static int64_t rows_that_fit(const parq_colw *c, const int16_t *def, const int16_t *rep,
                             const parq_bytes *bytes, int64_t li, int64_t n_levels, int64_t vi,
                             int64_t *lend, int64_t *vcount)
{
	int64_t rows_room = c->cfg.page_rows - c->page_rows;
	if (rows_room < 1)
		rows_room = 1;
	size_t est = page_estimate(c);
	size_t room = c->cfg.page_bytes > est ? c->cfg.page_bytes - est : 0;
	int64_t rows = 0, l = li, v = vi;
	size_t bytes_used = 0;
	size_t per_value = c->width ? c->width : 0;
	if (!rep) {
		/* each level a row of one value or none: the loop below, made
		 * short (most columns are not repeated) */
		int64_t lmax = n_levels - l < rows_room ? n_levels : l + rows_room;
		for (; l < lmax; l++) {
			bool has = !def || def[l] == c->max_def;
			size_t rb = !has ? 0 : per_value ? per_value : 4 + (size_t)bytes[v].len;
			if (l > li && bytes_used + rb > room)
				break;
			bytes_used += rb;
			v += has;
		}
		*lend = l;
		*vcount = v - vi;
		return l - li;
	}
	while (l < n_levels && rows < rows_room) {
		/* one row: its first level and the levels that continue it */
		int64_t e = l + 1;
		if (rep)
			while (e < n_levels && rep[e] != 0)
				e++;
		int64_t nv = 0;
		if (def) {
			for (int64_t k = l; k < e; k++)
				nv += def[k] == c->max_def;
		} else {
			nv = e - l;
		}
		size_t rb;
		if (c->width) {
			rb = (size_t)nv * per_value;
		} else {
			rb = 0;
			for (int64_t k = 0; k < nv; k++)
				rb += 4 + (size_t)bytes[v + k].len;
		}
		if (rows > 0 && bytes_used + rb > room)
			break;
		bytes_used += rb;
		rows++;
		v += nv;
		l = e;
	}
	*lend = l;
	*vcount = v - vi;
	return rows;
}

int parq_colw_append(parq_colw *c, const int16_t *def, const int16_t *rep, int64_t n_levels,
                     const void *values, const parq_bytes *bytes, int64_t n_values, int64_t n_rows)
{
	int64_t li = 0, vi = 0;
	int rc;
	if (c->nlev == 0)
		c->page_dict = c->dict_on;
	while (li < n_levels) {
		int64_t lend, vcount;
		int64_t rows = rows_that_fit(c, def, rep, bytes, li, n_levels, vi, &lend, &vcount);
		size_t nl = (size_t)(lend - li);
		if ((c->max_def && levels_put(&c->def, c->nlev, def + li, nl)) ||
		    (c->max_rep && levels_put(&c->rep, c->nlev, rep + li, nl)))
			return PARQ_ENOMEM;
		c->nlev += nl;
		c->page_nulls += (int64_t)nl - vcount;
		c->page_rows += rows;
		const void *vp = c->width && values ? (const uint8_t *)values + (size_t)vi * c->width : NULL;
		if ((rc = put_values(c, vp, bytes ? bytes + vi : NULL, (size_t)vcount)))
			return rc;
		li = lend;
		vi += vcount;
		if (c->dict_on && c->dict.plain_bytes > c->cfg.dict_limit) {
			/* The dictionary grew too large: close the page that uses it
			 * and write the rest of the chunk PLAIN. */
			if ((rc = flush_page(c)))
				return rc;
			c->dict_on = false;
			c->page_dict = false;
		} else if (page_estimate(c) >= c->cfg.page_bytes || c->page_rows >= c->cfg.page_rows ||
		           (c->page_dict && !c->n_dict_data_pages && c->dict.plain_bytes >= c->cfg.page_bytes)) {
			/* the chunk's first page also ends when its dictionary holds
			 * a page's worth of values: whether the dictionary pays is
			 * decided on them, rather than on a dictionary of the whole
			 * chunk held uncompressed */
			if ((rc = flush_page(c)))
				return rc;
		}
	}
	(void)n_values;
	c->chunk_rows += n_rows;
	return 0;
}

static int write_dict_page(parq_colw *c)
{
	dict *d = &c->dict;
	page_bufs *pb = page_bufs_get();
	if (!pb)
		return parq_err_nomem();
	parq_buf *s = &pb->scratch;
	s->len = 0;
	if (parq_buf_reserve(s, d->plain_bytes))
		return PARQ_ENOMEM;
	for (uint32_t i = 0; i < d->n; i++) {
		if (c->type == PARQ_BYTE_ARRAY)
			put_u32(s, d->lens[i]);
		parq_buf_append(s, d->data.data + d->offs[i], d->lens[i]);
	}
	if (s->len > INT32_MAX)
		return parq_err(PARQ_ELIMIT, "column '%s': dictionary page too large", c->cfg.leaf->path);
	parq_meta_page_header h;
	memset(&h, 0, sizeof h);
	h.type = PARQ_PAGE_DICTIONARY;
	h.has_dict_page = true;
	h.dict_page.num_values = (int32_t)d->n;
	h.dict_page.encoding = PARQ_ENC_PLAIN;
	h.uncompressed_page_size = (int32_t)s->len;
	const uint8_t *body = s->data;
	size_t body_len = s->len;
	int rc;
	if (c->cfg.codec != PARQ_CODEC_UNCOMPRESSED) {
		pb->comp.len = 0;
		if ((rc = parq_compress_tuned(c->ctx, c->cfg.codec, c->cfg.level, &c->cfg.zstd, s->data, s->len, &pb->comp)))
			return rc;
		body = pb->comp.data;
		body_len = pb->comp.len;
	}
	h.compressed_page_size = (int32_t)body_len;
	if (c->cfg.crc) {
		h.has_crc = true;
		h.crc = (int32_t)(uint32_t)crc32(crc32(0L, Z_NULL, 0), body, (uInt)body_len);
	}
	c->dict_page.len = 0;
	if ((rc = parq_meta_encode_page_header(&c->dict_page, &h)))
		return rc;
	c->unc_total += (int64_t)c->dict_page.len + h.uncompressed_page_size;
	c->comp_total += (int64_t)c->dict_page.len + h.compressed_page_size;
	if (parq_buf_append(&c->dict_page, body, body_len))
		return PARQ_ENOMEM;
	c->encodings |= 1u << PARQ_ENC_PLAIN;
	c->n_dict_pages = 1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts v: least significant byte first, a pass skipped where every key
 * has the same byte (qsort when the scratch cannot be had). */
static void sort_u64(uint64_t *v, size_t n)
{
	uint64_t *tmp = n > 64 ? malloc(n * sizeof *tmp) : NULL;
	if (!tmp) {
		qsort(v, n, sizeof *v, cmp_u64);
		return;
	}
	uint64_t *src = v, *dst = tmp;
	for (int shift = 0; shift < 64; shift += 8) {
		size_t count[256] = {0};
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 255]++;
		if (count[(src[0] >> shift) & 255] == n)
			continue;
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t k = count[b];
			count[b] = pos;
			pos += k;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 255]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
	free(tmp);
}

/* Serializes the chunk's bloom filter (header + bitset) into c->bloom. */
static int build_bloom(parq_colw *c)
{
	c->bloom.len = 0;
	if (c->cfg.bloom_fpp <= 0 || c->type == PARQ_BOOLEAN || c->bloom_values < c->cfg.bloom_min_values)
		return 0;
	size_t distinct = 0;
	if (c->n_hashes) {
		sort_u64(c->hashes, c->n_hashes);
		for (size_t i = 0; i < c->n_hashes; i++)
			if (i == 0 || c->hashes[i] != c->hashes[i - 1])
				c->hashes[distinct++] = c->hashes[i];
	}
	uint64_t ndv = c->cfg.bloom_ndv > 0 ? (uint64_t)c->cfg.bloom_ndv : distinct;
	parq_bloom b;
	int rc = parq_bloom_init(&b, parq_bloom_size(ndv, c->cfg.bloom_fpp));
	if (rc)
		return rc;
	for (size_t i = 0; i < distinct; i++)
		parq_bloom_insert(&b, c->hashes[i]);
	parq_meta_bloom_header h = {.num_bytes = (int32_t)b.num_bytes, .algorithm = 1, .hash = 1, .compression = 1};
	rc = parq_meta_encode_bloom_header(&c->bloom, &h);
	if (!rc)
		rc = parq_buf_append(&c->bloom, b.words, b.num_bytes);
	parq_bloom_free(&b);
	return rc;
}

int parq_colw_finish(parq_colw *c, parq_colw_chunk *out)
{
	c->finishing = true;
	int rc = flush_page(c);
	c->finishing = false;
	if (rc)
		return rc;
	if ((rc = build_bloom(c)))
		return rc;
	c->dict_page.len = 0;
	if (c->n_dict_data_pages && (rc = write_dict_page(c)))
		return rc;
	memset(out, 0, sizeof *out);
	out->dict_page = &c->dict_page;
	out->spilled = c->segs;
	out->n_spilled = c->n_segs;
	out->data_pages = &c->data;
	out->num_values = c->chunk_levels;
	out->total_uncompressed = c->unc_total;
	out->total_compressed = c->comp_total;
	out->encodings = c->encodings;
	out->dict_pages = c->n_dict_pages;
	out->dict_data_pages = c->n_dict_data_pages;
	out->plain_data_pages = c->n_plain_data_pages;
	out->delta_data_pages = c->n_delta_data_pages;
	out->data_encoding = c->type == PARQ_BOOLEAN && c->cfg.page_version == 2 ? PARQ_ENC_RLE : PARQ_ENC_PLAIN;
	out->stats = &c->chunk_stats;
	out->pages = c->pages;
	out->n_pages = c->n_pages;
	out->bounds = &c->bounds;
	out->has_page_bounds = c->cfg.page_index && c->bounds_ok && c->chunk_stats.order != PARQ_ORDER_NONE;
	out->bloom = &c->bloom;
	out->codec = c->raw ? PARQ_CODEC_UNCOMPRESSED : c->cfg.codec;
	return 0;
}
