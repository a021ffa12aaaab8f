/* Go's encoding/json string encoding, as the Go datastore whose behaviour
 * probestore implements wrote its JSON (json.Marshal, Go 1.19). */
#ifndef PS_GOJSON_H
#define PS_GOJSON_H

#include <stddef.h>

#include "util.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Appends s[0..n) to b as a JSON string, quotes included: HTML-safe (<, >
 * and & as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, \n \r \t
 * \" \\ short, every other control as \u00XX (\b as \u0008, \f as
 * \u000c), each byte of invalid UTF-8 as \ufffd. 0, or PS_ENOMEM with the
 * error set. */
int ps_json_go_string(ps_buf *b, const void *s, size_t n);

/* s[0..n) quoted at o (room for n + 18 bytes) when no byte of it needs
 * escaping, checked and copied 16 bytes at a time (s followed by 16
 * readable bytes); returns the end, or NULL (what was written at o
 * does not count) for ps_json_go_string to do. Inline: a row's headers
 * are some twenty short strings. */
static inline char *ps_json_plain_padded(char *o, const void *s, size_t n)
{
#if defined(__SSE2__)
	const unsigned char *p = s;
	const __m128i lo = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
	char *d = o + 1;
	for (size_t i = 0; i < n; i += 16) {
		/* below 0x20 or from 0x80 on (negative as signed bytes), or one
		 * of the five escaped */
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, q)),
		                           _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, amp)),
		                                        _mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, gt))));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (n - i < 16)
			m &= (1u << (n - i)) - 1;
		if (m)
			return NULL;
		_mm_storeu_si128((__m128i *)(void *)(d + i), x);
	}
	o[0] = '"';
	d[n] = '"';
	return d + n + 1;
#else
	(void)o;
	(void)s;
	(void)n;
	return NULL;
#endif
}

#endif
