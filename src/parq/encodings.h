/* Value encodings beyond PLAIN and dictionary: DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT (decoding),
 * and DELTA_BINARY_PACKED (encoding). */
#ifndef PARQ_ENCODINGS_H
#define PARQ_ENCODINGS_H

#include "util.h"

/* Where decoded values go. Fixed-width values are appended to *vals
 * (packed as in parq_column_batch: INT32 int32_t, INT64 int64_t, FLOAT,
 * DOUBLE, FIXED_LEN_BYTE_ARRAY type_length bytes each); BYTE_ARRAY values
 * become views in (*views)[0..n), growing the array (capacity *cap_views)
 * as needed; views point into the input or into *heap, whose contents must
 * not move after the call (reserve before writing). */
typedef struct parq_decoded {
	parq_buf *vals;
	parq_bytes **views;
	size_t *cap_views;
	parq_buf *heap;
	/* Cap on the bytes of values a page may build (DELTA_BYTE_ARRAY's
	 * prefixes multiply its data): PARQ_ELIMIT past it; 0 means 2 GiB. */
	size_t max_bytes;
} parq_decoded;

/* Decodes exactly n values encoded with `encoding` for a leaf of the given
 * physical type from [p, p+len). PARQ_ECORRUPT on malformed input,
 * PARQ_EUNSUPPORTED for an encoding that does not apply to the type. */
int parq_decode_values(int encoding, const parq_node *leaf, const uint8_t *p, size_t len, size_t n,
                       parq_decoded *out);

/* Appends the DELTA_BINARY_PACKED encoding of n INT32 (width 4) or INT64
 * (width 8) values. */
int parq_encode_delta_binary(parq_buf *out, const void *values, size_t n, int width);

#endif
