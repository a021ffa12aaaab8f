/* Writes one leaf column's chunk of a row group: pages (levels, values,
 * dictionary), statistics, page locations and column index entries. The
 * encoded chunk is buffered in memory until the row group is written, but
 * for the complete pages parq_colw_spill moved to a spill file. */
#ifndef PARQ_COLUMN_WRITER_H
#define PARQ_COLUMN_WRITER_H

#include "codec.h"
#include "parq/meta.h"
#include "stats.h"

typedef struct parq_colw parq_colw;

typedef struct parq_colw_config {
	const parq_node *leaf;
	parq_codec codec;
	int level;
	int page_version;
	bool dictionary;
	size_t dict_limit;
	size_t page_bytes;
	int64_t page_rows;
	bool statistics;
	size_t stats_max_bytes;
	bool page_index;
	bool crc;
	double bloom_fpp;        /* > 0: build a bloom filter */
	int64_t bloom_ndv;       /* 0: size from the chunk's distinct values */
	int64_t bloom_min_values;/* fewer values in the chunk: no bloom filter */
	int encoding;            /* non-dictionary pages: -1 automatic, PLAIN or DELTA_BINARY_PACKED */
	parq_zstd_tune zstd;     /* ZSTD beyond its level (parq_compress_tuned) */
} parq_colw_config;

/* Per-page entries for the ColumnIndex / OffsetIndex of a chunk. */
typedef struct parq_colw_page {
	int64_t offset;          /* relative to the chunk's data pages start */
	int32_t size;            /* header + compressed body */
	int64_t first_row;       /* relative to the row group */
	int64_t nulls;
	bool null_page;
	bool has_minmax;
	size_t min_off, min_len, max_off, max_len; /* into the page-bounds buffer */
} parq_colw_page;

/* Complete pages moved out of memory by parq_colw_spill: len bytes at
 * off in the spill file. */
typedef struct parq_colw_seg {
	int64_t off;
	size_t len;
} parq_colw_seg;

/* Appends n bytes to a spill file, *off where they start. */
typedef int (*parq_colw_sink)(void *ud, const uint8_t *p, size_t n, int64_t *off);

/* The finished chunk, valid until the next parq_colw_reset. */
typedef struct parq_colw_chunk {
	const parq_buf *dict_page;   /* header + body, may be empty */
	const parq_colw_seg *spilled;/* the first data pages, in the spill file, in order */
	int n_spilled;
	const parq_buf *data_pages;  /* the data pages after them */
	int64_t num_values;          /* level entries */
	int64_t total_uncompressed, total_compressed;
	uint32_t encodings;          /* bit set of parq_encoding */
	int dict_pages, dict_data_pages, plain_data_pages, delta_data_pages; /* for encoding stats */
	int data_encoding;           /* encoding of non-dictionary data pages */
	parq_stats *stats;
	const parq_colw_page *pages;
	int n_pages;
	const parq_buf *bounds;      /* page min/max bytes */
	bool has_page_bounds;
	const parq_buf *bloom;       /* BloomFilterHeader + bitset, may be empty */
	int codec;                   /* the chunk's: the writer's, or UNCOMPRESSED for a tiny one */
} parq_colw_chunk;

int parq_colw_new(parq_colw **out, const parq_colw_config *cfg, parq_codec_ctx *ctx);
void parq_colw_free(parq_colw *c);
/* Appends a row-aligned slice (levels may be NULL when the max is 0). */
int parq_colw_append(parq_colw *c, const int16_t *def, const int16_t *rep, int64_t n_levels,
                     const void *values, const parq_bytes *bytes, int64_t n_values, int64_t n_rows);
/* Estimated bytes buffered for this chunk (encoded, and in the open page). */
size_t parq_colw_estimate(const parq_colw *c);
/* Bytes the column writer holds allocated (its buffers' capacities). */
size_t parq_colw_memory(const parq_colw *c);
/* Frees the buffers of a column writer that holds no rows (after a row
 * group was flushed); they grow again with the next rows. */
int parq_colw_trim(parq_colw *c);
/* Bytes of complete pages held in memory: what parq_colw_spill moves. */
size_t parq_colw_spillable(const parq_colw *c);
/* Moves the chunk's complete pages out of memory through sink, keeping
 * where they went; the chunk goes on (its open page, dictionary and
 * statistics stay), and its pages' offsets count the moved bytes. */
int parq_colw_spill(parq_colw *c, parq_colw_sink sink, void *ud);
/* Closes the chunk; *out describes it. */
int parq_colw_finish(parq_colw *c, parq_colw_chunk *out);
/* Starts a new chunk (new row group). */
void parq_colw_reset(parq_colw *c);

#endif
