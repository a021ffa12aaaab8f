/* Go's encoding/json string encoding, the one escaper of the store: the
 * headers_json column of a scan and the diff result's JSON of a file's
 * history are written as the Go datastore whose behaviour
 * probestore implements wrote them. */
#include "error.h"
#include "gojson.h"

#include <string.h>

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
