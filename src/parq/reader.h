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
