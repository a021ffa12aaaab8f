/* Go's encoding/json string encoding, the one escaper of the store: the
 * headers_json column of a scan and the diff result's JSON of a file's
 * history are written as the Go datastore whose behaviour
 * probestore implements wrote them. */
#include "error.h"
#include "gojson.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes copied as they are: printable ASCII but for the quote, the
 * backslash and the <, > and & that json.Marshal escapes (HTML-safe). */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The end of the run of plain bytes from p: four at a time (a header
 * value is mostly plain ASCII), then byte by byte. */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *e)
{
	while (e - p >= 4 && (plain[p[0]] & plain[p[1]] & plain[p[2]] & plain[p[3]]))
		p += 4;
	while (p < e && plain[*p])
		p++;
	return p;
}

int ps_json_go_string(ps_buf *b, const void *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = s, *e = p + n;
	int rc = ps_buf_addc(b, '"');
	while (!rc && p < e) {
		/* a run that needs no escaping goes in one copy */
		const unsigned char *q = plain_run(p, e);
		if (q > p) {
			rc = ps_buf_add(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		unsigned c = *p;
		if (c < 0x80) {
			/* Go (up to 1.21, and the Go datastore's 1.19) writes \b and \f
			 * as \u0008 and \u000c: only these five have a short form */
			switch (c) {
			case '"': rc = ps_buf_add(b, "\\\"", 2); break;
			case '\\': rc = ps_buf_add(b, "\\\\", 2); break;
			case '\n': rc = ps_buf_add(b, "\\n", 2); break;
			case '\r': rc = ps_buf_add(b, "\\r", 2); break;
			case '\t': rc = ps_buf_add(b, "\\t", 2); break;
			default: {
				/* other controls, and <, > and & */
				char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				rc = ps_buf_add(b, esc, 6);
			}
			}
			p++;
			continue;
		}
		uint32_t cp;
		size_t len = ps_utf8_seq(p, (size_t)(e - p), &cp);
		if (!len) {
			rc = ps_buf_add(b, "\\ufffd", 6); /* as Go replaces an invalid byte */
			p++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			rc = ps_buf_add(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			p += len;
		} else {
			rc = ps_buf_add(b, p, len);
			p += len;
		}
	}
	if (!rc)
		rc = ps_buf_addc(b, '"');
	return rc ? ps_err_nomem() : 0;
}

int ps_json_go_string_padded(ps_buf *b, const void *s, size_t n)
{
#if defined(__SSE2__)
	/* 16 bytes at a time, each block checked and stored whole: below
	 * 0x20 or from 0x80 on (negative as signed bytes), or one of the five
	 * escaped, sends the string the general way */
	const unsigned char *p = s;
	if (ps_buf_reserve(b, n + 18))
		return ps_err_nomem();
	char *o = b->data + b->len + 1;
	const __m128i lo = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
	for (size_t i = 0; i < n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, q)),
		                           _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, amp)),
		                                        _mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, gt))));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (n - i < 16)
			m &= (1u << (n - i)) - 1;
		if (m)
			return ps_json_go_string(b, s, n);
		_mm_storeu_si128((__m128i *)(void *)(o + i), x);
	}
	o[-1] = '"';
	o[n] = '"';
	b->len += n + 2;
	return 0;
#else
	return ps_json_go_string(b, s, n);
#endif
}
