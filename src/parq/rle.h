/* The RLE / bit-packing hybrid encoding (levels, booleans, dictionary
 * indices), plain bit-packing helpers, and the legacy BIT_PACKED encoding. */
#ifndef PARQ_RLE_H
#define PARQ_RLE_H

#include "util.h"

/* Appends the hybrid encoding of n values of bit_width bits (0..32) to out,
 * without any length prefix. Values must fit in bit_width bits. */
int parq_rle_encode_u32(parq_buf *out, int bit_width, const uint32_t *vals, size_t n);
int parq_rle_encode_i16(parq_buf *out, int bit_width, const int16_t *vals, size_t n);
/* The same for n copies of one value, without the array: the bytes
 * parq_rle_encode_u32 makes of it. */
int parq_rle_encode_run(parq_buf *out, int bit_width, uint32_t value, size_t n);

typedef struct parq_rle_decoder {
	const uint8_t *p, *end;
	int bit_width;
	uint32_t rle_left;      /* values left in the current RLE run */
	uint32_t rle_value;
	uint32_t packed_left;   /* values left in the current bit-packed run */
	const uint8_t *packed;  /* next group of 8 values in the bit-packed run */
	uint32_t pending[8];    /* unpacked group being consumed */
	uint32_t pending_pos, pending_n;
} parq_rle_decoder;

/* Initialises a decoder over [p, p+n) (no length prefix). bit_width 0..32. */
void parq_rle_decoder_init(parq_rle_decoder *d, const uint8_t *p, size_t n, int bit_width);
/* Decodes exactly n values; PARQ_ECORRUPT if the data ends first or a
 * header is malformed. */
int parq_rle_decode_u32(parq_rle_decoder *d, uint32_t *out, size_t n);
int parq_rle_decode_i16(parq_rle_decoder *d, int16_t *out, size_t n);
/* Dictionary indices: also fails with PARQ_ECORRUPT if an index >= dict_size. */
int parq_rle_decode_indices(parq_rle_decoder *d, uint32_t *out, size_t n, uint32_t dict_size);

/* Unpacks n values (n any count) of bit_width (0..32) bits, LSB-first, from
 * in, which must hold at least (n * bit_width + 7) / 8 bytes. */
void parq_unpack32(const uint8_t *in, uint32_t *out, size_t n, int bit_width);
/* Same for widths 0..64. */
void parq_unpack64(const uint8_t *in, uint64_t *out, size_t n, int bit_width);
/* Packs n values LSB-first, appending (n * bit_width + 7) / 8 bytes. */
int parq_pack32(parq_buf *out, const uint32_t *vals, size_t n, int bit_width);
int parq_pack64(parq_buf *out, const uint64_t *vals, size_t n, int bit_width);

/* Legacy BIT_PACKED levels (MSB-first within bytes), n values from [p, p+len). */
int parq_bitpacked_legacy_decode_i16(const uint8_t *p, size_t len, int bit_width,
                                     int16_t *out, size_t n);

#endif
