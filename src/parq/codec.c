/* Page compression codecs. */
#include "codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <lz4.h>
#include <pthread.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

struct parq_codec_ctx {
	ZSTD_DCtx *zd;
	z_stream inflate;
	bool inflate_ready;
};

/* A zstd decompression context costs an allocation of about 100 KiB and
 * its clearing; a query opens a column reader per column and file. Each
 * thread keeps the last context freed for the next reader it opens. */
static pthread_key_t zd_key;
static pthread_once_t zd_once = PTHREAD_ONCE_INIT;
static bool zd_key_ok;

static void zd_destroy(void *p)
{
	ZSTD_freeDCtx(p);
}

static void zd_init(void)
{
	zd_key_ok = pthread_key_create(&zd_key, zd_destroy) == 0;
}

static ZSTD_DCtx *zd_take(void)
{
	pthread_once(&zd_once, zd_init);
	ZSTD_DCtx *d = zd_key_ok ? pthread_getspecific(zd_key) : NULL;
	if (d) {
		pthread_setspecific(zd_key, NULL);
		return d;
	}
	return ZSTD_createDCtx();
}

static void zd_give(ZSTD_DCtx *d)
{
	if (!d)
		return;
	pthread_once(&zd_once, zd_init);
	if (zd_key_ok && !pthread_getspecific(zd_key) &&
	    !ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters)) && pthread_setspecific(zd_key, d) == 0)
		return;
	ZSTD_freeDCtx(d);
}

/* A zstd compression context holds about a megabyte of tables once used,
 * and a writer's pages are compressed one at a time: a program with many
 * writers open (ingest keeps one per target) would keep one each. Each
 * thread keeps one instead, taken for a page and given back. */
static pthread_key_t zc_key;
static pthread_once_t zc_once = PTHREAD_ONCE_INIT;
static bool zc_key_ok;

static void zc_destroy(void *p)
{
	ZSTD_freeCCtx(p);
}

static void zc_init(void)
{
	zc_key_ok = pthread_key_create(&zc_key, zc_destroy) == 0;
}

static ZSTD_CCtx *zc_take(void)
{
	pthread_once(&zc_once, zc_init);
	ZSTD_CCtx *z = zc_key_ok ? pthread_getspecific(zc_key) : NULL;
	if (z) {
		pthread_setspecific(zc_key, NULL);
		return z;
	}
	return ZSTD_createCCtx();
}

static void zc_give(ZSTD_CCtx *z)
{
	if (zc_key_ok && !pthread_getspecific(zc_key) && pthread_setspecific(zc_key, z) == 0)
		return;
	ZSTD_freeCCtx(z);
}

parq_codec_ctx *parq_codec_ctx_new(void)
{
	parq_codec_ctx *c = calloc(1, sizeof *c);
	return c;
}

void parq_codec_ctx_free(parq_codec_ctx *c)
{
	if (!c)
		return;
	zd_give(c->zd);
	if (c->inflate_ready)
		inflateEnd(&c->inflate);
	free(c);
}

bool parq_codec_can_write(int codec)
{
	switch (codec) {
	case PARQ_CODEC_UNCOMPRESSED: case PARQ_CODEC_SNAPPY: case PARQ_CODEC_GZIP:
	case PARQ_CODEC_BROTLI: case PARQ_CODEC_ZSTD: case PARQ_CODEC_LZ4_RAW:
		return true;
	default:
		return false;
	}
}

bool parq_codec_can_read(int codec)
{
	return parq_codec_can_write(codec) || codec == PARQ_CODEC_LZ4;
}

static int gzip_compress(int level, const uint8_t *src, size_t n, parq_buf *dst)
{
	z_stream s;
	memset(&s, 0, sizeof s);
	if (deflateInit2(&s, level ? level : 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return parq_err(PARQ_ENOMEM, "gzip: cannot initialise the compressor");
	uLong bound = deflateBound(&s, (uLong)n) + 32;
	if (parq_buf_reserve(dst, bound)) {
		deflateEnd(&s);
		return PARQ_ENOMEM;
	}
	s.next_in = (Bytef *)(uintptr_t)src;
	s.avail_in = (uInt)n;
	s.next_out = dst->data + dst->len;
	s.avail_out = (uInt)bound;
	int rc = deflate(&s, Z_FINISH);
	size_t out = bound - s.avail_out;
	deflateEnd(&s);
	if (rc != Z_STREAM_END)
		return parq_err(PARQ_EIO, "gzip: compression failed (%d)", rc);
	dst->len += out;
	return 0;
}

/* Inflates gzip (several members), zlib or raw deflate into exactly dst_len bytes. */
static int gzip_decompress(parq_codec_ctx *c, const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len)
{
	z_stream *s = &c->inflate;
	if (!c->inflate_ready) {
		memset(s, 0, sizeof *s);
		if (inflateInit2(s, 47) != Z_OK) /* 32 + 15: detect gzip or zlib */
			return parq_err(PARQ_ENOMEM, "gzip: cannot initialise the decompressor");
		c->inflate_ready = true;
	} else if (inflateReset2(s, 47) != Z_OK) {
		return parq_err(PARQ_ECORRUPT, "gzip: cannot reset the decompressor");
	}
	s->next_in = (Bytef *)(uintptr_t)src;
	s->avail_in = (uInt)n;
	s->next_out = dst;
	s->avail_out = (uInt)dst_len;
	for (;;) {
		int rc = inflate(s, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* another member may follow */
			if (s->avail_in == 0 || (s->avail_in > 0 && s->next_in[0] == 0))
				break;
			if (inflateReset2(s, 47) != Z_OK)
				return parq_err(PARQ_ECORRUPT, "gzip: cannot reset between members");
			continue;
		}
		if (rc == Z_OK) {
			if (s->avail_out == 0) {
				/* full: anything more is an overflow */
				uint8_t extra;
				s->next_out = &extra;
				s->avail_out = 1;
				rc = inflate(s, Z_NO_FLUSH);
				if (s->avail_out == 0)
					return parq_err(PARQ_ECORRUPT, "gzip: page decompresses to more than the %zu bytes its header says",
					                dst_len);
				if (rc == Z_STREAM_END)
					break;
				return parq_err(PARQ_ECORRUPT, "gzip: truncated stream");
			}
			if (s->avail_in == 0)
				return parq_err(PARQ_ECORRUPT, "gzip: truncated stream (%zu of %zu bytes)",
				                dst_len - s->avail_out, dst_len);
			continue;
		}
		if (rc == Z_BUF_ERROR && s->avail_in == 0)
			return parq_err(PARQ_ECORRUPT, "gzip: truncated stream (%zu of %zu bytes)", dst_len - s->avail_out,
			                dst_len);
		return parq_err(PARQ_ECORRUPT, "gzip: data error: %s", s->msg ? s->msg : "invalid stream");
	}
	size_t got = dst_len - s->avail_out;
	if (got != dst_len)
		return parq_err(PARQ_ECORRUPT, "gzip: page decompressed to %zu bytes, header says %zu", got, dst_len);
	return 0;
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop framing: [BE u32 uncompressed][BE u32 compressed][block]... */
static int lz4_hadoop(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len)
{
	size_t in = 0, out = 0;
	while (in < n) {
		if (n - in < 8)
			return -1;
		uint32_t ul = load_be32(src + in), cl = load_be32(src + in + 4);
		in += 8;
		if (cl > n - in || ul > dst_len - out)
			return -1;
		int got = LZ4_decompress_safe((const char *)src + in, (char *)dst + out, (int)cl, (int)ul);
		if (got < 0 || (uint32_t)got != ul)
			return -1;
		in += cl;
		out += ul;
	}
	return out == dst_len ? 0 : -1;
}

static int lz4_frame(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len)
{
	LZ4F_dctx *d;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return -1;
	size_t in = 0, out = 0;
	int rc = -1;
	for (;;) {
		size_t src_size = n - in, dst_size = dst_len - out;
		size_t hint = LZ4F_decompress(d, dst + out, &dst_size, src + in, &src_size, NULL);
		if (LZ4F_isError(hint))
			break;
		in += src_size;
		out += dst_size;
		if (hint == 0) {
			rc = in == n && out == dst_len ? 0 : -1;
			break;
		}
		if (src_size == 0 && dst_size == 0)
			break; /* no progress: truncated or output full */
	}
	LZ4F_freeDecompressionContext(d);
	return rc;
}

static size_t zstd_tuned(ZSTD_CCtx *z, int level, const parq_zstd_tune *t, void *dst, size_t cap, const void *src,
                         size_t n)
{
	/* the context is shared: every setting made again, from none */
	size_t r = ZSTD_CCtx_reset(z, ZSTD_reset_session_and_parameters);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r) && t->long_match)
		r = ZSTD_CCtx_setParameter(z, ZSTD_c_enableLongDistanceMatching, 1);
	if (!ZSTD_isError(r) && t->hash_log)
		r = ZSTD_CCtx_setParameter(z, ZSTD_c_hashLog, t->hash_log);
	if (!ZSTD_isError(r) && t->min_match)
		r = ZSTD_CCtx_setParameter(z, ZSTD_c_minMatch, t->min_match);
	/* ZSTD_compress2 knows n and shrinks the window to it */
	return ZSTD_isError(r) ? r : ZSTD_compress2(z, dst, cap, src, n);
}

int parq_zstd_tune_check(const parq_zstd_tune *t, const char *file, int column)
{
	ZSTD_bounds h = ZSTD_cParam_getBounds(ZSTD_c_hashLog), m = ZSTD_cParam_getBounds(ZSTD_c_minMatch);
	if ((t->hash_log && (t->hash_log < h.lowerBound || t->hash_log > h.upperBound)) ||
	    (t->min_match && (t->min_match < m.lowerBound || t->min_match > m.upperBound)))
		return parq_err(PARQ_EINVAL,
		                "%s: column %d: zstd_hash_log %d or zstd_min_match %d out of range (%d..%d and %d..%d, "
		                "0: the level's)",
		                file, column, t->hash_log, t->min_match, h.lowerBound, h.upperBound, m.lowerBound,
		                m.upperBound);
	return 0;
}

int parq_compress(parq_codec_ctx *c, int codec, int level, const void *src, size_t n, parq_buf *dst)
{
	return parq_compress_tuned(c, codec, level, NULL, src, n, dst);
}

int parq_compress_tuned(parq_codec_ctx *c, int codec, int level, const parq_zstd_tune *tune, const void *src,
                        size_t n, parq_buf *dst)
{
	switch (codec) {
	case PARQ_CODEC_UNCOMPRESSED:
		return parq_buf_append(dst, src, n);
	case PARQ_CODEC_SNAPPY: {
		size_t bound = snappy_max_compressed_length(n);
		if (parq_buf_reserve(dst, bound))
			return PARQ_ENOMEM;
		size_t out = bound;
		if (snappy_compress(src, n, (char *)dst->data + dst->len, &out) != SNAPPY_OK)
			return parq_err(PARQ_EIO, "snappy: compression failed");
		dst->len += out;
		return 0;
	}
	case PARQ_CODEC_GZIP:
		return gzip_compress(level, src, n, dst);
	case PARQ_CODEC_ZSTD: {
		(void)c;
		size_t bound = ZSTD_compressBound(n);
		if (parq_buf_reserve(dst, bound))
			return PARQ_ENOMEM;
		ZSTD_CCtx *z = zc_take();
		if (!z)
			return parq_err_nomem();
		/* ZSTD_compressCCtx ignores the parameters zstd_tuned sets */
		bool tuned = tune && (tune->long_match || tune->hash_log || tune->min_match);
		size_t out = tuned ? zstd_tuned(z, level ? level : 3, tune, dst->data + dst->len, bound, src, n)
		                   : ZSTD_compressCCtx(z, dst->data + dst->len, bound, src, n, level ? level : 3);
		zc_give(z);
		if (ZSTD_isError(out))
			return parq_err(PARQ_EIO, "zstd: %s", ZSTD_getErrorName(out));
		dst->len += out;
		return 0;
	}
	case PARQ_CODEC_LZ4_RAW: {
		if (n > LZ4_MAX_INPUT_SIZE)
			return parq_err(PARQ_ELIMIT, "lz4: %zu bytes exceed LZ4's input limit", n);
		int bound = LZ4_compressBound((int)n);
		if (parq_buf_reserve(dst, (size_t)bound))
			return PARQ_ENOMEM;
		int out = LZ4_compress_default(src, (char *)dst->data + dst->len, (int)n, bound);
		if (out <= 0 && n > 0)
			return parq_err(PARQ_EIO, "lz4: compression failed");
		dst->len += (size_t)(out > 0 ? out : 0);
		if (n == 0 && out <= 0) {
			/* LZ4 encodes empty input as a single zero token */
			return parq_buf_push(dst, 0);
		}
		return 0;
	}
	case PARQ_CODEC_BROTLI: {
		size_t bound = BrotliEncoderMaxCompressedSize(n);
		if (bound == 0)
			bound = n + 1024;
		if (parq_buf_reserve(dst, bound))
			return PARQ_ENOMEM;
		size_t out = bound;
		if (!BrotliEncoderCompress(level ? level : 5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, src, &out,
		                           dst->data + dst->len))
			return parq_err(PARQ_EIO, "brotli: compression failed");
		dst->len += out;
		return 0;
	}
	default:
		return parq_err(PARQ_EUNSUPPORTED, "cannot compress with codec %s", parq_codec_name((parq_codec)codec));
	}
}

/* Output sizes that call for counting rather than trusting: past 1 MiB and
 * past what deflate, the weakest of the big ratios, could produce. */
#define COUNT_FROM ((size_t)1 << 20)
#define SCRATCH ((size_t)128 << 10)

static int too_large(const char *codec, size_t n, size_t dst_len, size_t ratio)
{
	if (dst_len / ratio <= n)
		return 0;
	return parq_err(PARQ_ECORRUPT, "%s: %zu compressed bytes cannot hold the %zu bytes the page header declares",
	                codec, n, dst_len);
}

/* Decompresses into a scratch buffer, counting the bytes, and stops past
 * limit: the true size of a zstd stream without content sizes. */
static int zstd_count(parq_codec_ctx *c, const void *src, size_t n, size_t limit, size_t *out)
{
	if (!c->zd && !(c->zd = zd_take()))
		return parq_err_nomem();
	uint8_t *scratch = parq_malloc(SCRATCH);
	if (!scratch)
		return PARQ_ENOMEM;
	ZSTD_DCtx_reset(c->zd, ZSTD_reset_session_only);
	ZSTD_inBuffer in = {src, n, 0};
	size_t total = 0;
	int rc = 0;
	while (total <= limit) {
		ZSTD_outBuffer o = {scratch, SCRATCH, 0};
		size_t before = in.pos;
		size_t r = ZSTD_decompressStream(c->zd, &o, &in);
		if (ZSTD_isError(r)) {
			rc = parq_err(PARQ_ECORRUPT, "zstd: %s", ZSTD_getErrorName(r));
			break;
		}
		total += o.pos;
		/* a call stops at the end of a frame, when the output is full, or
		 * when the input runs out; the last leaves room in the output */
		if ((in.pos == in.size && o.pos < SCRATCH) || (in.pos == before && o.pos == 0))
			break;
	}
	free(scratch);
	ZSTD_DCtx_reset(c->zd, ZSTD_reset_session_only);
	*out = total;
	return rc;
}

static int brotli_count(const void *src, size_t n, size_t limit, size_t *out)
{
	BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	uint8_t *scratch = parq_malloc(SCRATCH);
	if (!st || !scratch) {
		BrotliDecoderDestroyInstance(st);
		free(scratch);
		return parq_err_nomem();
	}
	size_t avail_in = n, total = 0;
	const uint8_t *next_in = src;
	int rc = 0;
	for (;;) {
		size_t avail_out = SCRATCH;
		uint8_t *next_out = scratch;
		BrotliDecoderResult r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
		total += SCRATCH - avail_out;
		if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && total <= limit)
			continue;
		if (r == BROTLI_DECODER_RESULT_ERROR)
			rc = parq_err(PARQ_ECORRUPT, "brotli: invalid data");
		break;
	}
	BrotliDecoderDestroyInstance(st);
	free(scratch);
	*out = total;
	return rc;
}

int parq_decompress_check(parq_codec_ctx *c, int codec, const void *src, size_t n, size_t dst_len)
{
	const uint8_t *s = src;
	size_t got;
	int rc;
	if (n == 0 && dst_len == 0)
		return 0;
	switch (codec) {
	case PARQ_CODEC_UNCOMPRESSED:
		if (n != dst_len)
			return parq_err(PARQ_ECORRUPT, "uncompressed page has %zu bytes, header says %zu", n, dst_len);
		return 0;
	case PARQ_CODEC_SNAPPY:
		/* a copy of at most 64 bytes takes at least 3 */
		if (snappy_uncompressed_length(src, n, &got) != SNAPPY_OK)
			return parq_err(PARQ_ECORRUPT, "snappy: invalid data");
		if (got != dst_len)
			return parq_err(PARQ_ECORRUPT, "snappy: page decompresses to %zu bytes, header says %zu", got, dst_len);
		return too_large("snappy", n, dst_len, 22);
	case PARQ_CODEC_GZIP:
		/* 258 bytes from two bits at best */
		return too_large("gzip", n, dst_len, 1032);
	case PARQ_CODEC_LZ4:
	case PARQ_CODEC_LZ4_RAW:
		/* each further length byte adds at most 255 */
		return too_large("lz4", n, dst_len > 64 ? dst_len - 64 : 0, 255);
	case PARQ_CODEC_ZSTD: {
		/* a block of 128 KiB from 4 bytes at best */
		if ((rc = too_large("zstd", n, dst_len, 32768)))
			return rc;
		unsigned long long sum = 0;
		bool known = true;
		for (size_t at = 0; at < n && known;) {
			unsigned long long fcs = ZSTD_getFrameContentSize(s + at, n - at);
			size_t fl = ZSTD_findFrameCompressedSize(s + at, n - at);
			if (fcs == ZSTD_CONTENTSIZE_ERROR || ZSTD_isError(fl) || fl == 0)
				return parq_err(PARQ_ECORRUPT, "zstd: invalid frame at byte %zu of the page", at);
			if (fcs == ZSTD_CONTENTSIZE_UNKNOWN)
				known = false;
			else
				sum += fcs;
			if (sum > dst_len)
				break;
			at += fl;
		}
		if (known && sum != dst_len)
			return parq_err(PARQ_ECORRUPT, "zstd: page decompresses to %llu bytes, header says %zu", sum, dst_len);
		if (known || dst_len <= COUNT_FROM || dst_len / 1032 <= n)
			return 0;
		if ((rc = zstd_count(c, src, n, dst_len, &got)))
			return rc;
		break;
	}
	case PARQ_CODEC_BROTLI:
		if (dst_len <= COUNT_FROM || dst_len / 1032 <= n)
			return 0;
		if ((rc = brotli_count(src, n, dst_len, &got)))
			return rc;
		break;
	default:
		return 0; /* parq_decompress refuses it */
	}
	if (got != dst_len)
		return parq_err(PARQ_ECORRUPT, "%s: page decompresses to %s%zu bytes, header says %zu",
		                parq_codec_name((parq_codec)codec), got > dst_len ? "more than " : "", got > dst_len ? dst_len : got,
		                dst_len);
	return 0;
}

int parq_decompress(parq_codec_ctx *c, int codec, const void *src, size_t n, void *dst, size_t dst_len)
{
	const uint8_t *s = src;
	switch (codec) {
	case PARQ_CODEC_UNCOMPRESSED:
		if (n != dst_len)
			return parq_err(PARQ_ECORRUPT, "uncompressed page has %zu bytes, header says %zu", n, dst_len);
		if (n)
			memcpy(dst, src, n);
		return 0;
	case PARQ_CODEC_SNAPPY: {
		size_t len;
		if (n == 0 && dst_len == 0)
			return 0;
		if (snappy_uncompressed_length(src, n, &len) != SNAPPY_OK)
			return parq_err(PARQ_ECORRUPT, "snappy: invalid data");
		if (len != dst_len)
			return parq_err(PARQ_ECORRUPT, "snappy: page decompresses to %zu bytes, header says %zu", len, dst_len);
		if (snappy_uncompress(src, n, dst, &len) != SNAPPY_OK)
			return parq_err(PARQ_ECORRUPT, "snappy: invalid data");
		return 0;
	}
	case PARQ_CODEC_GZIP:
		if (n == 0 && dst_len == 0)
			return 0;
		return gzip_decompress(c, s, n, dst, dst_len);
	case PARQ_CODEC_ZSTD: {
		if (n == 0 && dst_len == 0)
			return 0;
		if (!c->zd && !(c->zd = zd_take()))
			return parq_err_nomem();
		size_t got = ZSTD_decompressDCtx(c->zd, dst, dst_len, src, n);
		if (ZSTD_isError(got))
			return parq_err(PARQ_ECORRUPT, "zstd: %s (page of %zu bytes, %zu expected)", ZSTD_getErrorName(got), n,
			                dst_len);
		if (got != dst_len)
			return parq_err(PARQ_ECORRUPT, "zstd: page decompressed to %zu bytes, header says %zu", got, dst_len);
		return 0;
	}
	case PARQ_CODEC_LZ4_RAW: {
		if (n == 0 && dst_len == 0)
			return 0;
		if (n > INT32_MAX || dst_len > INT32_MAX)
			return parq_err(PARQ_ELIMIT, "lz4: page too large");
		int got = LZ4_decompress_safe(src, dst, (int)n, (int)dst_len);
		if (got < 0)
			return parq_err(PARQ_ECORRUPT, "lz4: invalid data");
		if ((size_t)got != dst_len)
			return parq_err(PARQ_ECORRUPT, "lz4: page decompressed to %d bytes, header says %zu", got, dst_len);
		return 0;
	}
	case PARQ_CODEC_LZ4: {
		/* The deprecated codec: Hadoop framing, else an LZ4 frame, else a raw block. */
		if (n == 0 && dst_len == 0)
			return 0;
		if (lz4_hadoop(s, n, dst, dst_len) == 0)
			return 0;
		if (n >= 4 && parq_load_u32(s) == 0x184D2204u && lz4_frame(s, n, dst, dst_len) == 0)
			return 0;
		if (n <= INT32_MAX && dst_len <= INT32_MAX) {
			int got = LZ4_decompress_safe(src, dst, (int)n, (int)dst_len);
			if (got >= 0 && (size_t)got == dst_len)
				return 0;
		}
		return parq_err(PARQ_ECORRUPT, "lz4: data is neither Hadoop-framed, an LZ4 frame nor a raw block of %zu bytes",
		                dst_len);
	}
	case PARQ_CODEC_BROTLI: {
		if (n == 0 && dst_len == 0)
			return 0;
		BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
		if (!st)
			return parq_err_nomem();
		size_t avail_in = n, avail_out = dst_len;
		const uint8_t *next_in = s;
		uint8_t *next_out = dst;
		BrotliDecoderResult r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
		bool more = r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
		BrotliDecoderDestroyInstance(st);
		if (more)
			return parq_err(PARQ_ECORRUPT, "brotli: page decompresses to more than the %zu bytes its header says",
			                dst_len);
		if (r != BROTLI_DECODER_RESULT_SUCCESS)
			return parq_err(PARQ_ECORRUPT, "brotli: invalid or truncated data");
		if (avail_out != 0)
			return parq_err(PARQ_ECORRUPT, "brotli: page decompressed to %zu bytes, header says %zu",
			                dst_len - avail_out, dst_len);
		return 0;
	}
	case PARQ_CODEC_LZO:
		return parq_err(PARQ_EUNSUPPORTED, "LZO codec is not supported");
	default:
		return parq_err(PARQ_EUNSUPPORTED, "unknown codec %d", codec);
	}
}
