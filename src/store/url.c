/* URLs: parsing, host_port directory names and URL hashes.
 *
 * The parser follows RFC 3986 for the parts the store uses (scheme,
 * authority, host, port) and is lenient with path, query and fragment:
 * probers report whatever the server linked to, and the store must keep it.
 * All character classes are ASCII and independent of the locale. */
#include "error.h"
#include "probestore/url.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_ctl_or_space(unsigned char c) { return c <= 0x20 || c == 0x7f; }
static unsigned char to_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int hex_val(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	return to_lower(c) - 'a' + 10;
}

/* Bytes a host may hold in a reg-name besides percent-encodings: RFC 3986
 * unreserved and sub-delims, plus non-ASCII bytes so that internationalised
 * names a prober printed in UTF-8 are kept rather than rejected. */
static bool is_host_char(unsigned char c)
{
	if (is_alpha(c) || is_digit(c) || c >= 0x80)
		return true;
	switch (c) {
	case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'':
	case '(': case ')': case '*': case '+': case ',': case ';': case '=':
		return true;
	default:
		return false;
	}
}

/* Bytes that stay as they are in a directory name; all others are
 * percent-encoded so that no host can produce '/', '_', '%' or a name
 * that differs from another only by case. */
static bool is_dir_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '-';
}

/* Renders at most `shown` bytes of s[0..n) for an error message, so that a
 * long or binary input gives a short printable message: '"' and '\\'
 * escaped, other non-printable bytes as \xNN, "..." when cut. */
static const char *quote(const char *s, size_t n, size_t shown, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == shown || o + 8 > cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = 0;
	return buf;
}

#define QUOTE_CAP 512

/* What is being parsed, for the messages. */
typedef struct pctx {
	const char *s;
	size_t n;
	const char *what;    /* "URL" or "target" */
} pctx;

static int bad(const pctx *c, const char *fmt, ...) PS_PRINTF(2, 3);
static int bad(const pctx *c, const char *fmt, ...)
{
	char detail[640], q[QUOTE_CAP];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return ps_err(PS_EINVAL, "invalid %s \"%s\": %s", c->what,
		      quote(c->s, c->n, 120, q, sizeof q), detail);
}

/* Length of the scheme at the start of s, 0 when s does not start with one.
 * "name:digits" and "a.b:..." without "//" are a bare host and port, not a
 * scheme, so that "localhost:8080" and "example.com:8443" read as targets. */
static size_t scheme_len(const char *s, size_t n)
{
	if (n == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	bool dot = false;
	while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
			 s[i] == '+' || s[i] == '-' || s[i] == '.')) {
		dot |= s[i] == '.';
		i++;
	}
	if (i >= n || s[i] != ':')
		return 0;
	if (n - i >= 3 && s[i + 1] == '/' && s[i + 2] == '/')
		return i;
	if (dot || (i + 1 < n && is_digit((unsigned char)s[i + 1])))
		return 0;
	return i;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/* The first position in [from, to) whose byte is in set (up to three
 * bytes) or is NUL, else to. */
static size_t find(const char *s, size_t from, size_t to, const char *set)
{
	unsigned char a = (unsigned char)set[0], b = set[0] ? (unsigned char)set[1] : 0;
	unsigned char d = b ? (unsigned char)set[2] : 0;
#if defined(__SSE2__)
	/* 16 bytes at a time: every URL is searched two or three times */
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b), vd = _mm_set1_epi8((char)d),
	              z = _mm_setzero_si128();
	while (from < to && to - from >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + from));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
		                           _mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, z)));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return from + (unsigned)__builtin_ctz(m);
		from += 16;
	}
#endif
	while (from < to) {
		unsigned char c = (unsigned char)s[from];
		if (!c || c == a || c == b || c == d)
			break;
		from++;
	}
	return from;
}

/* The offset of the first space or control character in s[0..n), else n. */
static size_t first_ctl(const char *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* min(x, 0x20) == x: x <= 0x20, unsigned */
		__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x), _mm_cmpeq_epi8(x, del));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && !is_ctl_or_space((unsigned char)s[i]))
		i++;
	return i;
}

/* Parses s[0..n) as the text of an IPv6 address into its canonical form
 * (at least INET6_ADDRSTRLEN bytes). */
static bool ipv6_canon(const char *s, size_t n, char *canon)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a;
	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return inet_pton(AF_INET6, tmp, &a) == 1 &&
	       inet_ntop(AF_INET6, &a, canon, INET6_ADDRSTRLEN) != NULL;
}

/* Appends s[0..n) and a NUL at *o in buf, returns where it starts. */
static const char *put(char *buf, size_t *o, const char *s, size_t n)
{
	char *p = buf + *o;
	memcpy(p, s, n);
	p[n] = 0;
	*o += n + 1;
	return p;
}

static int parse(const pctx *c, bool target, ps_url *out)
{
	const char *s = c->s;
	size_t n = c->n;

	if (n == 0)
		return bad(c, "empty");
	if (n > PS_URL_MAX)
		return bad(c, "%zu bytes long, over the limit of %d", n, PS_URL_MAX);
	size_t bad_at = first_ctl(s, n);
	if (bad_at < n) {
		unsigned char ch = (unsigned char)s[bad_at];
		if (ch == ' ')
			return bad(c, "contains a space at offset %zu", bad_at);
		return bad(c, "contains a control character (0x%02X) at offset %zu", ch, bad_at);
	}

	const char *scheme;
	size_t p;
	size_t sl = scheme_len(s, n);
	if (sl == 0) {
		if (!target)
			return bad(c, "missing scheme (expected http:// or https://)");
		scheme = "https";
		p = 0;
	} else {
		char q[QUOTE_CAP];
		if (ieq(s, sl, "http"))
			scheme = "http";
		else if (ieq(s, sl, "https"))
			scheme = "https";
		else
			return bad(c, "unsupported scheme \"%s\" (only http and https)",
				   quote(s, sl, 32, q, sizeof q));
		if (!(n - sl >= 3 && s[sl + 1] == '/' && s[sl + 2] == '/'))
			return bad(c, "missing \"//\" after \"%s:\"", scheme);
		p = sl + 3;
	}

	/* authority = [ userinfo "@" ] host [ ":" port ]; a '@' inside the
	 * userinfo would be invalid, and the last '@' is where browsers split */
	size_t aend = find(s, p, n, "/?#");
	const char *at = aend > p ? memrchr(s + p, '@', aend - p) : NULL;
	size_t hs = at ? (size_t)(at - s) + 1 : p;
	bool has_user = at != NULL;

	char canon6[INET6_ADDRSTRLEN];
	const char *host;
	size_t hlen;
	size_t pe;             /* where ":port" may start */
	ps_url_host_type htype = PS_URL_HOST_NAME;
	char q[QUOTE_CAP];
	if (hs < aend && s[hs] == '[') {
		size_t close = find(s, hs + 1, aend, "]");
		if (close == aend)
			return bad(c, "bad IPv6 literal: no closing ']'");
		if (!ipv6_canon(s + hs + 1, close - hs - 1, canon6))
			return bad(c, "bad IPv6 literal \"%s\"",
				   quote(s + hs, close + 1 - hs, 64, q, sizeof q));
		host = canon6;
		hlen = strlen(canon6);
		htype = PS_URL_HOST_IPV6;
		pe = close + 1;
		if (pe < aend && s[pe] != ':')
			return bad(c, "unexpected \"%s\" after the IPv6 literal",
				   quote(s + pe, aend - pe, 32, q, sizeof q));
	} else {
		pe = find(s, hs, aend, ":");
		host = s + hs;
		hlen = pe - hs;
		if (pe < aend && find(s, pe + 1, aend, ":") < aend &&
		    ipv6_canon(s + hs, aend - hs, canon6))
			return bad(c, "IPv6 address \"%s\" must be in brackets",
				   quote(s + hs, aend - hs, 64, q, sizeof q));
		if (hlen == 0)
			return bad(c, "empty host");
		if (hlen > PS_URL_HOST_MAX)
			return bad(c, "host is %zu bytes long, over the limit of %d",
				   hlen, PS_URL_HOST_MAX);
		for (size_t i = 0; i < hlen; i++) {
			unsigned char ch = (unsigned char)host[i];
			if (ch == '%') {
				if (i + 2 >= hlen || !is_hex((unsigned char)host[i + 1]) ||
				    !is_hex((unsigned char)host[i + 2]))
					return bad(c, "bad percent-encoding in host at offset %zu",
						   hs + i);
				i += 2;
			} else if (!is_host_char(ch)) {
				return bad(c, "invalid character '%c' in host", ch);
			}
		}
		char tmp[PS_URL_HOST_MAX + 1];
		struct in_addr a4;
		memcpy(tmp, host, hlen);
		tmp[hlen] = 0;
		if (out && inet_pton(AF_INET, tmp, &a4) == 1)
			htype = PS_URL_HOST_IPV4;
	}

	int port = strcmp(scheme, "http") == 0 ? 80 : 443;
	bool port_explicit = false;
	if (pe < aend) {
		/* an empty port means the default (RFC 3986 3.2.3) */
		size_t ps = pe + 1;
		if (ps < aend) {
			long v = 0;
			size_t i = ps;
			while (i < aend && is_digit((unsigned char)s[i]) && v <= 65535)
				v = v * 10 + (s[i++] - '0');
			if (i < aend || v < 1 || v > 65535)
				return bad(c, "bad port \"%s\" (expected 1..65535)",
					   quote(s + ps, aend - ps, 32, q, sizeof q));
			port = (int)v;
			port_explicit = true;
		}
	}

	if (!out)
		return 0; /* valid: nothing to build */
	size_t qpos = find(s, aend, n, "?#");
	size_t fpos = qpos < n && s[qpos] == '?' ? find(s, qpos, n, "#") : qpos;

	/* the parts and their NULs never exceed the input, except an IPv6 host
	 * whose canonical form can be longer than the text given */
	char *buf = malloc(n + INET6_ADDRSTRLEN + 8);
	if (!buf)
		return ps_err_nomem();
	size_t o = 0;
	out->buf_ = buf;
	out->scheme = scheme;
	out->userinfo = has_user ? put(buf, &o, s + p, hs - 1 - p) : NULL;
	char *h = buf + o;
	out->host = put(buf, &o, host, hlen);
	for (size_t i = 0; i < hlen; i++)
		h[i] = (char)to_lower((unsigned char)h[i]);
	out->host_type = htype;
	out->port = port;
	out->port_explicit = port_explicit;
	out->path = put(buf, &o, s + aend, qpos - aend);
	out->query = qpos < n && s[qpos] == '?' ? put(buf, &o, s + qpos + 1, fpos - qpos - 1) : NULL;
	out->fragment = fpos < n ? put(buf, &o, s + fpos + 1, n - fpos - 1) : NULL;
	return 0;
}

static int parse_public(const char *s, ps_url *out, bool target)
{
	const char *what = target ? "target" : "URL";
	if (!out)
		return ps_err(PS_EINVAL, "%s parse: output is NULL", what);
	memset(out, 0, sizeof *out);
	if (!s)
		return ps_err(PS_EINVAL, "%s is NULL", what);
	pctx c = { s, strlen(s), what };
	int rc = parse(&c, target, out);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int ps_url_check(const char *s)
{
	if (!s)
		return ps_err(PS_EINVAL, "URL is NULL");
	pctx c = {s, strlen(s), "URL"};
	return parse(&c, false, NULL);
}

int ps_url_parse(const char *s, ps_url *out)
{
	return parse_public(s, out, false);
}

int ps_url_parse_target(const char *target, ps_url *out)
{
	return parse_public(target, out, true);
}

void ps_url_free(ps_url *u)
{
	if (!u)
		return;
	free(u->buf_);
	memset(u, 0, sizeof *u);
}

/* ---- host_port directory names ------------------------------------------ */

#define NAME_LIMIT (PS_HOST_PORT_DIR_MAX - 1)

int ps_host_port_dir_format(const char *host, int port, char *buf, size_t cap)
{
	static const char hexd[] = "0123456789ABCDEF";
	char name[PS_HOST_PORT_DIR_MAX], q[QUOTE_CAP];
	size_t len = 0;

	if (!host || !buf)
		return ps_err(PS_EINVAL, "host_port directory name: NULL argument");
	size_t hn = strlen(host);
	if (hn == 0)
		return ps_err(PS_EINVAL, "host_port directory name: empty host");
	if (port < 1 || port > 65535)
		return ps_err(PS_EINVAL, "host_port directory name for \"%s\": port %d out of range 1..65535",
			      quote(host, hn, 120, q, sizeof q), port);
	for (size_t i = 0; i < hn; i++) {
		unsigned char ch = to_lower((unsigned char)host[i]);
		if (is_ctl_or_space(ch))
			return ps_err(PS_EINVAL, "host_port directory name for \"%s\": host contains a space or control character",
				      quote(host, hn, 120, q, sizeof q));
		if (len + 3 > NAME_LIMIT)
			return ps_err(PS_ELIMIT, "host_port directory name for \"%s\" would exceed the %d-byte file name limit",
				      quote(host, hn, 120, q, sizeof q), NAME_LIMIT);
		if (is_dir_plain(ch)) {
			name[len++] = (char)ch;
		} else {
			name[len++] = '%';
			name[len++] = hexd[ch >> 4];
			name[len++] = hexd[ch & 15];
		}
	}
	char suffix[8];
	int sn = snprintf(suffix, sizeof suffix, "_%d", port);
	if (len + (size_t)sn > NAME_LIMIT)
		return ps_err(PS_ELIMIT, "host_port directory name for \"%s\" would exceed the %d-byte file name limit",
			      quote(host, hn, 120, q, sizeof q), NAME_LIMIT);
	memcpy(name + len, suffix, (size_t)sn + 1);
	len += (size_t)sn;
	if (len + 1 > cap)
		return ps_err(PS_ELIMIT, "host_port directory name \"%s\" needs %zu bytes, buffer has %zu",
			      name, len + 1, cap);
	memcpy(buf, name, len + 1);
	return 0;
}

int ps_url_host_port_dir(const ps_url *u, char *buf, size_t cap)
{
	if (!u || !u->host)
		return ps_err(PS_EINVAL, "host_port directory name: URL is NULL or not parsed");
	return ps_host_port_dir_format(u->host, u->port, buf, cap);
}

int ps_host_port_dir_parse(const char *dir, char *host, size_t hcap, int *port)
{
	char q[QUOTE_CAP], q2[QUOTE_CAP], dec[PS_HOST_PORT_DIR_MAX];
	size_t dn = 0;

	if (!dir || !host || !port)
		return ps_err(PS_EINVAL, "host_port directory name parse: NULL argument");
	size_t n = strlen(dir);
#define BADDIR(...) ps_err_prefix(ps_err(PS_EINVAL, __VA_ARGS__), \
	"not a host_port directory name \"%s\": ", quote(dir, n, 120, q, sizeof q))
	if (n > NAME_LIMIT)
		return BADDIR("longer than %d bytes", NAME_LIMIT);
	const char *us = strrchr(dir, '_');
	if (!us)
		return BADDIR("no '_' before the port");
	size_t hn = (size_t)(us - dir);
	if (hn == 0)
		return BADDIR("empty host");

	const char *pp = us + 1;
	size_t pn = strlen(pp);
	long v = 0;
	if (pn >= 1 && pn <= 5 && strspn(pp, "0123456789") == pn)
		v = strtol(pp, NULL, 10);
	/* leading zeros are refused so that each (host, port) has one name */
	if (v < 1 || v > 65535 || pp[0] == '0')
		return BADDIR("bad port \"%s\" (expected 1..65535 without leading zeros)",
			      quote(pp, pn, 16, q2, sizeof q2));

	for (size_t i = 0; i < hn; i++) {
		unsigned char ch = (unsigned char)dir[i];
		if (is_dir_plain(ch)) {
			dec[dn++] = (char)ch;
			continue;
		}
		if (ch != '%')
			return BADDIR("unexpected character 0x%02X at offset %zu (expected [a-z0-9.-] or %%XX)",
				      ch, i);
		unsigned char h1 = i + 1 < hn ? (unsigned char)dir[i + 1] : 0;
		unsigned char h2 = i + 2 < hn ? (unsigned char)dir[i + 2] : 0;
		bool upper_hex = (is_digit(h1) || (h1 >= 'A' && h1 <= 'F')) &&
				 (is_digit(h2) || (h2 >= 'A' && h2 <= 'F'));
		if (!upper_hex)
			return BADDIR("bad percent-encoding at offset %zu (expected %%XX, upper-case hex)", i);
		unsigned char d = (unsigned char)(hex_val(h1) * 16 + hex_val(h2));
		/* the formatter encodes exactly the bytes it must, after lower-casing,
		 * and never sees spaces or controls; anything else is not its output */
		if (is_dir_plain(d) || (d >= 'A' && d <= 'Z') || is_ctl_or_space(d))
			return BADDIR("non-canonical encoding \"%%%c%c\" at offset %zu", h1, h2, i);
		dec[dn++] = (char)d;
		i += 2;
	}
#undef BADDIR
	if (dn + 1 > hcap)
		return ps_err(PS_ELIMIT, "host of directory \"%s\" needs %zu bytes, buffer has %zu",
			      quote(dir, n, 120, q, sizeof q), dn + 1, hcap);
	memcpy(host, dec, dn);
	host[dn] = 0;
	*port = (int)v;
	return 0;
}

int ps_host_port_format(const char *host, int port, char *buf, size_t cap)
{
	if (!host || !buf)
		return ps_err(PS_EINVAL, "host:port: NULL argument");
	if (!*host)
		return ps_err(PS_EINVAL, "host:port: empty host");
	char q[QUOTE_CAP];
	if (port < 1 || port > 65535)
		return ps_err(PS_EINVAL, "host:port for \"%s\": port %d out of range 1..65535",
			      quote(host, strlen(host), 120, q, sizeof q), port);
	bool v6 = strchr(host, ':') != NULL;
	int need = snprintf(NULL, 0, v6 ? "[%s]:%d" : "%s:%d", host, port);
	if (need < 0 || (size_t)need + 1 > cap)
		return ps_err(PS_ELIMIT, "host:port for \"%s\" needs %d bytes, buffer has %zu",
			      quote(host, strlen(host), 120, q, sizeof q), need + 1, cap);
	snprintf(buf, cap, v6 ? "[%s]:%d" : "%s:%d", host, port);
	return 0;
}

int ps_host_port_dir_display(const char *dir, char *buf, size_t cap)
{
	char host[PS_HOST_PORT_DIR_MAX];
	int port;
	int rc = ps_host_port_dir_parse(dir, host, sizeof host, &port);
	if (rc)
		return rc;
	return ps_host_port_format(host, port, buf, cap);
}

int ps_target_host_port_dir(const char *target, char *buf, size_t cap)
{
	ps_url u;
	int rc = ps_url_parse_target(target, &u);
	if (rc)
		return rc;
	rc = ps_url_host_port_dir(&u, buf, cap);
	ps_url_free(&u);
	return rc;
}

/* ---- URL hash ----------------------------------------------------------- */

int ps_url_hash(const char *url, int ndigits, char *out)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!url || !out)
		return ps_err(PS_EINVAL, "URL hash: NULL argument");
	if (ndigits < 1 || ndigits > 64)
		return ps_err(PS_EINVAL, "URL hash: %d digits out of range 1..64", ndigits);
	if (EVP_Digest(url, strlen(url), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ps_err(PS_EIO, "URL hash: SHA-256 failed in libcrypto");
	for (int i = 0; i < ndigits; i++)
		out[i] = hexd[i % 2 ? md[i / 2] & 15 : md[i / 2] >> 4];
	out[ndigits] = 0;
	return 0;
}
