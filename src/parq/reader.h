/* Internal state of a file reader, shared by the column and row readers. */
#ifndef PARQ_READER_H
#define PARQ_READER_H

#include "parq/meta.h"
#include "util.h"

struct parq_reader {
	char *name;
	int fd;
	const uint8_t *mem;      /* whole file in memory (mmap or caller's), or NULL */
	void *map;               /* our mapping, to unmap */
	uint8_t *owned;          /* the file read whole (read_all), to free */
	int64_t size;
	bool has_src;            /* reads go through src (parq_reader_open_source) */
	parq_source src;
	parq_reader_options opts;
	uint8_t *footer;
	parq_arena arena;
	parq_file_meta meta;
	parq_schema *schema;
	char **kv_cache;
	int n_kv_cache;
	/* Bytes a column chunk may extend past its recorded size: parquet-mr
	 * before 1.2.9 left the dictionary page header out of
	 * total_compressed_size (PARQUET-816, IMPALA-694). */
	int64_t chunk_slack;
};

/* Hints to the reader's source that ranges will be read soon: sorts and
 * merges them in place (*n updated) and calls the source's prefetch once;
 * 0 at once for readers without a source prefetch or when *n is 0. */
int parq_reader_prefetch(parq_reader *r, parq_range *ranges, size_t *n);

/* Byte range [*start, *end) of a column chunk as a column reader reads it
 * (the dictionary page first, the slack of old writers, clipped to the
 * file), and where its dictionary page ends when the chunk's metadata
 * places it before the data pages (*dict_end; 0 when not known). */
void parq_chunk_extent(const parq_reader *r, int rg, int leaf, int64_t *start, int64_t *end, int64_t *dict_end);

/* Who prefetches the column chunks of a row group for the column readers
 * that share it: the first of them to open a chunk of a row group not
 * prefetched yet prefetches the chunks of that row group of every leaf the
 * group reads, in one call. Row groups are visited in increasing order by
 * every reader of a group, so a group remembers the last one. */
typedef struct parq_prefetch_group {
	parq_reader *r;
	uint8_t *leaves;      /* 1 for each leaf read; NULL when the reader's source has no prefetch */
	int last_rg;
	bool with_offset_index; /* skips may read the chunks' offset indexes: prefetch them too */
	int prefetches;         /* calls made (for tests through the source) */
} parq_prefetch_group;

/* 0 or PARQ_ENOMEM. free: parq_prefetch_group_free. */
int parq_prefetch_group_init(parq_prefetch_group *g, parq_reader *r, bool with_offset_index);
void parq_prefetch_group_free(parq_prefetch_group *g);
/* Prefetches row group rg's chunks unless done already. */
int parq_prefetch_group_row_group(parq_prefetch_group *g, int rg);
/* Makes cr prefetch through g (which must outlive it, and reads cr's leaf
 * from now on); NULL: cr prefetches nothing (someone else did). */
void parq_column_reader_set_prefetch(parq_column_reader *cr, parq_prefetch_group *g);
/* The same for every column reader of rr. */
void parq_row_reader_set_prefetch(parq_row_reader *rr, parq_prefetch_group *g);

/* Bytes [off, off+len) of the file: a pointer into memory when mapped,
 * else read into buf. The result is valid until buf is reused. */
int parq_reader_view(parq_reader *r, int64_t off, size_t len, parq_buf *buf, const uint8_t **out);


/* The dictionary of the reader's first column chunk (views for BYTE_ARRAY,
 * packed values otherwise), valid until the reader moves on. */
int parq_column_reader_dictionary(parq_column_reader *cr, const parq_bytes **views, const uint8_t **vals,
                                  uint32_t *n);

/* Makes the reads of a BYTE_ARRAY column keep their dictionary indices for
 * parq_column_reader_indices (other reads do not pay for them). */
void parq_column_reader_keep_indices(parq_column_reader *cr);
/* The dictionary indices of the values the last parq_column_reader_read
 * returned (BYTE_ARRAY leaves), aligned with its values, when every one of
 * them came from a dictionary page of one dictionary; NULL otherwise (no
 * values, a plain page among them, or two dictionaries). *dict and *n give
 * that dictionary, valid until the next read; *epoch changes whenever the
 * reader loads another dictionary, so a caller can keep per-entry results. */
const uint32_t *parq_column_reader_indices(const parq_column_reader *cr, const parq_bytes **dict, uint32_t *n,
                                           uint64_t *epoch);

#endif
