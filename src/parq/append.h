/* What an appending writer carries over from the file it appends to. */
#ifndef PARQ_APPEND_H
#define PARQ_APPEND_H

#include "parq/meta.h"

typedef struct parq_writer_base {
	/* The carried row groups, first in the new footer. Their chunk arrays
	 * are owned here (the writer rewrites their page index offsets); the
	 * rest of the metadata points into the base reader. */
	parq_meta_row_group *row_groups;
	int n_row_groups;
	int n_columns;
	int64_t rows;
	/* Page indexes of the carried chunks, [row group * columns + column],
	 * pointing into index_buf; ptr NULL where a chunk has none. Owned here. */
	parq_bytes *column_index, *offset_index;
	uint8_t *index_buf;
	char *created_by;        /* the base file's, written instead of ours; NULL: ours */
} parq_writer_base;

void parq_writer_base_free(parq_writer_base *b);

/* A writer on fd that continues at offset (the file's first offset bytes
 * are already written, magic included) and puts base's row groups first in
 * its footer. Takes base, also on failure. */
int parq_writer_open_fd_base(parq_writer **out, int fd, const char *name, const parq_schema *schema,
                             const parq_writer_options *opts, int64_t offset, parq_writer_base *base);

#endif
