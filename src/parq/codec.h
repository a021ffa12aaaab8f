/* Page compression codecs, with reusable per-thread-of-use contexts. */
#ifndef PARQ_CODEC_H
#define PARQ_CODEC_H

#include "util.h"

typedef struct parq_codec_ctx parq_codec_ctx;

/* A context caches codec state (zstd contexts, zlib streams) between calls.
 * NULL on allocation failure. Not thread-safe. */
parq_codec_ctx *parq_codec_ctx_new(void);
void parq_codec_ctx_free(parq_codec_ctx *ctx);

/* True if this build can compress (write) / decompress (read) with codec. */
bool parq_codec_can_write(int codec);
bool parq_codec_can_read(int codec);

/* Compresses n bytes of src and appends the result to dst. level 0 means
 * the codec's default. Returns 0 or a PARQ_E* code (message set). */
int parq_compress(parq_codec_ctx *ctx, int codec, int level, const void *src, size_t n,
                  parq_buf *dst);

/* How ZSTD compresses beyond its level; all zero: as the level says.
 * Other codecs ignore it. */
typedef struct parq_zstd_tune {
	/* also search the whole input for long matches (long-distance
	 * matching): values repeated far apart, such as successive versions
	 * of a document in one page, then cost a few bytes each instead of a
	 * fresh copy. The frame's window stays within the input, so any zstd
	 * decoder reads it. */
	bool long_match;
	int hash_log;  /* ZSTD_c_hashLog, 0: the level's */
	int min_match; /* ZSTD_c_minMatch, 0: the level's */
} parq_zstd_tune;

/* 0 when tune's settings are within the bounds zstd gives them (0: the
 * level's), else PARQ_EINVAL naming them and the file's column. */
int parq_zstd_tune_check(const parq_zstd_tune *tune, const char *file, int column);

/* parq_compress with ZSTD tuned by tune (NULL: not). */
int parq_compress_tuned(parq_codec_ctx *ctx, int codec, int level, const parq_zstd_tune *tune, const void *src,
                        size_t n, parq_buf *dst);

/* Decompresses src into exactly dst_len bytes (the page's uncompressed
 * size). Output that would exceed dst_len, or fall short of it, is
 * PARQ_ECORRUPT; nothing is ever written past dst + dst_len.
 * PARQ_CODEC_LZ4 accepts the Hadoop framing and, failing that, a raw LZ4
 * block or LZ4 frame; GZIP accepts several concatenated members and raw
 * zlib streams. */
int parq_decompress(parq_codec_ctx *ctx, int codec, const void *src, size_t n,
                    void *dst, size_t dst_len);

/* Checks, before dst_len bytes are allocated for it, that n bytes of src
 * can decompress to dst_len bytes: a page header may lie. The sizes
 * snappy and zstd record must equal dst_len; no codec may exceed its
 * format's largest expansion (snappy 22x, LZ4 255x, deflate 1032x, zstd
 * 32768x); and where a zstd frame without its size or a brotli stream
 * claims a large size beyond deflate's ratio, the data is decompressed
 * into a small scratch buffer to count its bytes. 0 if plausible, else
 * PARQ_ECORRUPT (message set); a page this passes may still fail to
 * decompress. */
int parq_decompress_check(parq_codec_ctx *ctx, int codec, const void *src, size_t n, size_t dst_len);

#endif
