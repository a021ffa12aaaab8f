/* A line's JSON value parsed in place.
 *
 * Ingest parses every line of its input into a tree and copies the fields
 * it keeps into the records' memory. cJSON allocated each node and string
 * apart and copied each string twice; here the nodes are one array kept
 * from line to line and the strings are unescaped where they stand in the
 * line, which ingest has copied into the records' memory already: a
 * string of the tree is the record's string (docs/benchmarks.md, "A JSON
 * tree in place"). What it takes and refuses, and where it says a line
 * is wrong, are cJSON's (jtree.h). */
#include "ingest/jtree.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define DEPTH_MAX 1000
#define NUMBER_SHORT 64

/* The parse's state; the offset into the text travels as an argument and
 * a return value (FAIL when the text is wrong, or memory ran out), which
 * keeps it in a register while strings are unescaped in the text. */
typedef struct parser {
	jt_doc *d;
	char *t;
	size_t len;
	size_t err;  /* the offset of the byte that is wrong */
	int depth;
} parser;

#define FAIL SIZE_MAX

static size_t fail_at(parser *p, size_t at)
{
	p->err = at;
	return FAIL;
}

static inline size_t skip_ws(const char *t, size_t at, size_t len)
{
	while (at < len && (unsigned char)t[at] <= 0x20)
		at++;
	return at;
}

/* Makes room for the next node of d: the next block, allocated when it is
 * not kept from an earlier parse. -1 when memory ran out or the text
 * holds more values than the bound. */
static __attribute__((noinline)) int next_block(jt_doc *d)
{
	size_t max = d->max_nodes ? d->max_nodes : JT_NODES_MAX;
	if (d->base + d->used >= max) {
		d->too_many = true;
		return -1;
	}
	if (d->avail) {
		d->base += d->avail;
		d->block++;
		d->used = 0;
	}
	if (d->block == d->n_blocks) {
		/* block k holds 256 << k nodes, the last what the bound leaves */
		size_t size = (size_t)256 << d->block, left = max - d->base;
		jt *b = d->block < JT_BLOCKS ? malloc((size < left ? size : left) * sizeof *b) : NULL;
		if (!b) {
			d->oom = true;
			return -1;
		}
		d->size[d->n_blocks] = size < left ? size : left;
		d->blocks[d->n_blocks++] = b;
	}
	d->avail = d->size[d->block] < max - d->base ? d->size[d->block] : max - d->base;
	return 0;
}

/* A new node of d, or NULL (next_block). */
static inline jt *new_node(jt_doc *d, jt_type type)
{
	if (d->used == d->avail && next_block(d))
		return NULL;
	jt *n = &d->blocks[d->block][d->used++];
	*n = (jt){.type = type};
	return n;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* The \u escape (and the low half of a surrogate pair) at t[i..end) as
 * UTF-8 at out: its length, *used the bytes of text it took; 0 when it
 * is not UTF-16. */
static size_t utf16_escape(const char *t, size_t i, size_t end, char *out, size_t *used)
{
	if (end - i < 6)
		return 0;
	int hi = hex4(t + i + 2);
	if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
		return 0;
	unsigned long cp = (unsigned long)hi;
	*used = 6;
	if (hi >= 0xD800 && hi <= 0xDBFF) {
		if (end - i < 12 || t[i + 6] != '\\' || t[i + 7] != 'u')
			return 0;
		int lo = hex4(t + i + 8);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return 0;
		cp = 0x10000 + (((unsigned long)hi & 0x3FF) << 10) + ((unsigned long)lo & 0x3FF);
		*used = 12;
	}
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The string whose opening quote is at t[at], unescaped in place and
 * ended with a NUL where its closing quote was; returns the offset after
 * the closing quote. As cJSON: the closing quote is looked for first (an
 * unclosed string is wrong just after its opening quote), then the
 * escapes are read (a wrong one is wrong at its backslash). *nul: an
 * escaped NUL is in it. */
static inline __attribute__((always_inline)) size_t parse_string(parser *p, size_t at, const char **out,
                                                                 size_t *out_len, bool *nul)
{
	char *t = p->t;
	const size_t len = p->len;
	size_t start = at + 1, i = start;
	bool escaped = false;
	*nul = false;
#if defined(__SSE2__)
	/* 16 bytes at a time to the first quote or backslash */
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	while (i + 16 <= len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
		if (m) {
			i += (unsigned)__builtin_ctz(m);
			break;
		}
		i += 16;
	}
#endif
	while (i < len && t[i] != '"') {
		if (t[i] == '\\') {
			if (i + 1 >= len)
				return fail_at(p, start);
			escaped = true;
			i++;
		}
		i++;
	}
	if (i >= len)
		return fail_at(p, start);
	size_t end = i, w = start;
	if (escaped) {
		for (i = start; i < end;) {
			if (t[i] != '\\') {
				t[w++] = t[i++];
				continue;
			}
			char e = t[i + 1], c;
			switch (e) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '"':
			case '\\':
			case '/': c = e; break;
			case 'u': {
				char utf8[4];
				size_t used = 0, n = utf16_escape(t, i, end, utf8, &used);
				if (!n)
					return fail_at(p, i);
				memcpy(t + w, utf8, n); /* never past i: an escape is longer */
				*nul = *nul || !utf8[0];
				w += n;
				i += used;
				continue;
			}
			default: return fail_at(p, i);
			}
			t[w++] = c;
			i += 2;
		}
	} else {
		w = end;
	}
	t[w] = '\0';
	*out = t + start;
	*out_len = w - start;
	return end + 1;
}

static inline bool number_byte(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

/* A number as cJSON reads one: the longest prefix strtod takes of the run
 * of number bytes at t[at]. Integers of up to 15 digits, most of them,
 * are read without strtod. */
static size_t parse_number(parser *p, size_t at, jt *n)
{
	const char *s = p->t + at;
	size_t room = p->len - at, k = 0;
	bool neg = s[0] == '-';
	k = neg;
	uint64_t v = 0;
	while (k < room && k < 16 && s[k] >= '0' && s[k] <= '9')
		v = v * 10 + (uint64_t)(s[k++] - '0');
	if (k > (size_t)neg && k <= 15 + (size_t)neg && (k == room || !number_byte(s[k]))) {
		double d = (double)v;
		n->d = neg ? -d : d;
		n->s = s;
		n->len = k;
		return at + k;
	}
	for (k = 0; k < room && number_byte(s[k]);)
		k++;
	char short_buf[NUMBER_SHORT], *buf = k < NUMBER_SHORT ? short_buf : malloc(k + 1);
	if (!buf) {
		p->d->oom = true;
		return FAIL;
	}
	memcpy(buf, s, k);
	buf[k] = '\0';
	char *after;
	double d = strtod(buf, &after);
	size_t used = (size_t)(after - buf);
	if (buf != short_buf)
		free(buf);
	if (!used)
		return fail_at(p, at);
	n->d = d;
	n->s = s;
	n->len = used;
	return at + used;
}

static size_t parse_value(parser *p, size_t at, jt *n);

/* The array or object at t[at], its elements or members children of node. */
static size_t parse_container(parser *p, size_t at, jt *node, bool object)
{
	const char *t = p->t;
	const size_t len = p->len;
	char close = object ? '}' : ']';
	if (p->depth >= DEPTH_MAX)
		return fail_at(p, at);
	p->depth++;
	at = skip_ws(t, at + 1, len);
	if (at < len && t[at] == close) {
		p->depth--;
		return at + 1;
	}
	jt *last = NULL;
	size_t count = 0;
	for (;;) {
		if (at >= len)
			return fail_at(p, len);
		const char *key = NULL;
		size_t klen = 0;
		bool key_nul = false;
		if (object) {
			if (t[at] != '"')
				return fail_at(p, at + 1); /* where cJSON says */
			if ((at = parse_string(p, at, &key, &klen, &key_nul)) == FAIL)
				return FAIL;
			at = skip_ws(t, at, len);
			if (at >= len || t[at] != ':')
				return fail_at(p, at);
			at = skip_ws(t, at + 1, len);
		}
		jt *c = new_node(p->d, JT_NULL);
		if (!c)
			return p->d->too_many ? fail_at(p, at) : FAIL;
		if ((at = parse_value(p, at, c)) == FAIL)
			return FAIL;
		c->key = key;
		c->klen = (uint32_t)klen;
		c->nul = c->nul || key_nul;
		if (last)
			last->next = c;
		else
			node->child = c;
		last = c;
		count++;
		at = skip_ws(t, at, len);
		if (at < len && t[at] == ',') {
			at = skip_ws(t, at + 1, len);
			continue;
		}
		if (at < len && t[at] == close)
			break;
		return fail_at(p, at);
	}
	p->depth--;
	node->len = count;
	return at + 1;
}

static size_t parse_value(parser *p, size_t at, jt *n)
{
	if (at >= p->len)
		return fail_at(p, p->len);
	const char *s = p->t + at;
	size_t room = p->len - at;
	switch (*s) {
	case '"': {
		const char *v;
		size_t len;
		bool nul;
		if ((at = parse_string(p, at, &v, &len, &nul)) == FAIL)
			return FAIL;
		n->type = JT_STRING;
		n->s = v;
		n->len = len;
		n->nul = nul;
		return at;
	}
	case '{':
	case '[':
		n->type = *s == '{' ? JT_OBJECT : JT_ARRAY;
		return parse_container(p, at, n, *s == '{');
	case 'n':
	case 'f':
	case 't': {
		static const struct {
			const char *text;
			size_t len;
			jt_type type;
		} lit[] = {{"null", 4, JT_NULL}, {"false", 5, JT_FALSE}, {"true", 4, JT_TRUE}};
		int k = *s == 'n' ? 0 : *s == 'f' ? 1 : 2;
		if (room >= lit[k].len && !memcmp(s, lit[k].text, lit[k].len)) {
			n->type = lit[k].type;
			return at + lit[k].len;
		}
		break;
	}
	default:
		if (*s == '-' || (*s >= '0' && *s <= '9')) {
			n->type = JT_NUMBER;
			return parse_number(p, at, n);
		}
		break;
	}
	return fail_at(p, at);
}

const jt *jt_parse(jt_doc *d, char *text, size_t len, size_t *end)
{
	parser p = {.d = d, .t = text, .len = len};
	/* the blocks a long text needed are not kept for the short ones after
	 * it */
	while (d->n_blocks > JT_BLOCKS_KEPT)
		free(d->blocks[--d->n_blocks]);
	d->block = d->used = d->avail = d->base = 0;
	d->oom = d->too_many = false;
	size_t at = 0;
	/* cJSON skips a byte order mark where at least two bytes follow it */
	if (len >= 5 && !memcmp(text, "\xEF\xBB\xBF", 3))
		at = 3;
	at = skip_ws(text, at, len);
	jt *root = new_node(d, JT_NULL);
	size_t e = root ? parse_value(&p, at, root) : FAIL;
	if (e == FAIL) {
		/* cJSON names the last byte of a text that ends too early */
		*end = d->oom ? 0 : d->too_many ? p.err : p.err < len || !len ? p.err : len - 1;
		return NULL;
	}
	*end = e;
	return root;
}

void jt_free(jt_doc *d)
{
	for (size_t k = 0; k < d->n_blocks; k++)
		free(d->blocks[k]);
	memset(d, 0, sizeof *d);
}

const jt *jt_member(const jt *o, const char *key)
{
	const jt *found = NULL;
	size_t n = strlen(key);
	for (const jt *e = o ? o->child : NULL; e; e = e->next)
		if (e->key && e->klen == n && !memcmp(e->key, key, n))
			found = e;
	return found;
}
