/* The in-place JSON parser of ingest (src/store/ingest/jtree.c) against
 * cJSON, the parser it replaced: random JSON texts, whole and then cut,
 * with bytes changed or inserted, must be taken or refused by both, at
 * the same offset, with the same tree (fuzz/jtree_oracle.h). Then the
 * cases the oracle cannot judge: what jt_parse leaves in the text. */
#include <math.h>

#include "../fuzz/jtree_oracle.h"
#include "test.h"

typedef struct gen {
	char *b;
	size_t n, cap;
	uint64_t r;
} gen;

static void put(gen *g, const char *s, size_t n)
{
	if (g->n + n + 1 > g->cap) {
		g->cap = (g->n + n + 1) * 2;
		g->b = realloc(g->b, g->cap);
		REQUIRE(g->b);
	}
	memcpy(g->b + g->n, s, n);
	g->n += n;
}

static void puts_(gen *g, const char *s) { put(g, s, strlen(s)); }

static unsigned pick(gen *g, unsigned n) { return (unsigned)(test_rand(&g->r) % n); }

static void gen_string(gen *g)
{
	static const char *const parts[] = {
		"a", "url", "https://x.example.com/admin", " ", "\\\"", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u0041",
		"\\u00e9", "\\u20ac", "\\ud83d\\ude00", "\\uD834\\uDD1E", "\xc3\xa9", "\xe2\x82\xac", "\t", "{", "]", ":",
		",", "\\u0000", "nginx:1.25.3", "\\ud800", "\\udc00", "\\uzzzz", "\\x", "\\u12", "\\ud800\\u0041"};
	puts_(g, "\"");
	for (unsigned k = pick(g, 5); k; k--)
		puts_(g, parts[pick(g, sizeof parts / sizeof *parts - (pick(g, 8) ? 7 : 0))]);
	puts_(g, "\"");
}

static void gen_number(gen *g)
{
	static const char *const nums[] = {
		"0", "-0", "200", "-17", "007", "123456789012345", "1234567890123456", "99999999999999999999",
		"1.5", "-0.25", "1e5", "1E-3", "2.5e+10", "1.", "1e", "-", "0.1e-400", "1e400", "12345678901234567890123456789",
		"3.14159265358979323846264338327950288419716939937510582097494459230781640628620899"};
	puts_(g, nums[pick(g, sizeof nums / sizeof *nums)]);
}

static void gen_value(gen *g, int depth)
{
	unsigned k = pick(g, depth > 4 ? 6 : 8);
	static const char *const ws[] = {"", "", " ", "\t", "\n ", "\x01"};
	puts_(g, ws[pick(g, 6)]);
	switch (k) {
	case 0: puts_(g, "null"); break;
	case 1: puts_(g, "true"); break;
	case 2: puts_(g, "false"); break;
	case 3:
	case 4: gen_string(g); break;
	case 5: gen_number(g); break;
	case 6: {
		puts_(g, "[");
		for (unsigned i = 0, n = pick(g, 4); i < n; i++) {
			if (i)
				puts_(g, ",");
			gen_value(g, depth + 1);
		}
		puts_(g, "]");
		break;
	}
	default: {
		puts_(g, "{");
		for (unsigned i = 0, n = pick(g, 5); i < n; i++) {
			if (i)
				puts_(g, ",");
			gen_string(g);
			puts_(g, ws[pick(g, 6)]);
			puts_(g, ":");
			gen_value(g, depth + 1);
		}
		puts_(g, "}");
		break;
	}
	}
	puts_(g, ws[pick(g, 6)]);
}

static int checked, refused, differed;

static void check(jt_doc *d, const char *text, size_t len)
{
	char why[512];
	checked++;
	if (jtree_vs_cjson(d, text, len, why, sizeof why)) {
		if (differed++ < 10)
			fprintf(stderr, "jt_parse and cJSON differ on '%.*s': %s\n", (int)(len < 200 ? len : 200), text, why);
		CHECK(!"jt_parse reads as cJSON does");
	}
	char *copy = malloc(len + 1);
	REQUIRE(copy);
	memcpy(copy, text, len);
	size_t end;
	refused += jt_parse(d, copy, len, &end) == NULL;
	free(copy);
}

static void test_random(jt_doc *d)
{
	static const char noise[] = "\"\\{}[],:u0-.eE \t";
	gen g = {.r = 0x51ab1e5eed};
	for (int round = 0; round < 20000; round++) {
		g.n = 0;
		gen_value(&g, 0);
		char *t = g.b;
		size_t n = g.n;
		check(d, t, n);
		/* cut anywhere */
		check(d, t, pick(&g, (unsigned)n + 1));
		/* a byte changed, a byte inserted */
		if (n) {
			size_t at = pick(&g, (unsigned)n);
			char was = t[at];
			t[at] = noise[pick(&g, sizeof noise - 1)];
			check(d, t, n);
			t[at] = was;
			put(&g, "", 0);
			memmove(g.b + at + 1, g.b + at, n - at);
			g.b[at] = noise[pick(&g, sizeof noise - 1)];
			check(d, g.b, n + 1);
		}
	}
	free(g.b);
	printf("test_jtree: %d texts against cJSON, %d refused\n", checked, refused);
	CHECK(refused > 10000 && checked - refused > 10000);
}

/* What the oracle does not see: the text rewritten in place, the numbers'
 * text, nesting, a byte order mark. */
static void test_in_place(jt_doc *d)
{
	char t[] = "\xEF\xBB\xBF {\"k\\u00e9y\":\"a\\tb\\u20acc\",\"n\":-12.5e1,\"e\":\"\",\"l\":[1,\"x\"]}  ";
	size_t end, len = strlen(t);
	const jt *r = jt_parse(d, t, len, &end);
	REQUIRE(r && r->type == JT_OBJECT && r->len == 4);
	CHECK_EQ_INT(end, len - 2);
	const jt *k = r->child;
	CHECK(!strcmp(k->key, "k\xc3\xa9y") && k->klen == 4);
	CHECK(!strcmp(k->s, "a\tb\xe2\x82\xac" "c") && k->len == 7);
	CHECK(k->s > t && k->s < t + len); /* in the text */
	const jt *n = jt_member(r, "n");
	CHECK(n && n->type == JT_NUMBER && n->d == -125.0 && n->len == 7 && !memcmp(n->s, "-12.5e1", 7));
	const jt *e = jt_member(r, "e");
	CHECK(e && e->type == JT_STRING && e->len == 0 && !*e->s);
	const jt *l = jt_member(r, "l");
	CHECK(l && l->len == 2 && l->child->d == 1 && !strcmp(l->child->next->s, "x") && !l->child->next->next);
	CHECK(jt_member(r, "none") == NULL);

	/* escaped NULs are told, in a key or in a string value */
	char nul[] = "{\"a\\u0000\":1,\"b\":\"x\\u0000\",\"c\":\"\\u0041\",\"d\":[\"\\u0000\"]}";
	r = jt_parse(d, nul, strlen(nul), &end);
	REQUIRE(r && r->len == 4);
	CHECK(r->child->nul && r->child->next->nul && !r->child->next->next->nul);
	CHECK(!jt_member(r, "d")->nul && jt_member(r, "d")->child->nul);

	/* the last of repeated keys */
	char dup[] = "{\"a\":1,\"b\":2,\"a\":3}";
	r = jt_parse(d, dup, strlen(dup), &end);
	CHECK(r && jt_member(r, "a")->d == 3);

	/* 1,000 levels of nesting, not 1,001 */
	char deep[2100];
	for (int levels = 1000; levels <= 1001; levels++) {
		memset(deep, '[', (size_t)levels);
		memset(deep + levels, ']', (size_t)levels);
		r = jt_parse(d, deep, 2 * (size_t)levels, &end);
		CHECK(levels == 1000 ? r != NULL : r == NULL && end == 1000);
	}

	/* the text an outer value leaves open after an inner one, which cJSON
	 * takes, is refused at its last byte */
	char cut[] = "{\"tls\":{\"a\":\"b\"}";
	len = strlen(cut);
	CHECK(jt_parse(d, cut, len, &end) == NULL && end == len - 1);
}

/* Texts of many nodes: the nodes fill several blocks, which later parses
 * of one document reuse, smaller and larger. */
static void test_many_nodes(jt_doc *d)
{
	gen g = {.r = 7};
	for (int round = 0; round < 3; round++) {
		size_t members = round == 1 ? 10 : 5000;
		g.n = 0;
		puts_(&g, "[");
		for (size_t i = 0; i < members; i++) {
			char m[64];
			snprintf(m, sizeof m, "%s{\"k\":%zu,\"s\":\"v%zu\",\"l\":[]}", i ? "," : "", i, i);
			puts_(&g, m);
		}
		puts_(&g, "]");
		check(d, g.b, g.n);
		char *copy = malloc(g.n);
		REQUIRE(copy);
		memcpy(copy, g.b, g.n);
		size_t end;
		const jt *r = jt_parse(d, copy, g.n, &end);
		REQUIRE(r && r->len == members);
		const jt *e = r->child;
		size_t seen = 0;
		for (; e; e = e->next, seen++) {
			const jt *k = jt_member(e, "k"), *s = jt_member(e, "s");
			char want[32];
			snprintf(want, sizeof want, "v%zu", seen);
			if (!k || k->d != (double)seen || !s || strcmp(s->s, want) || !jt_member(e, "l"))
				break;
		}
		CHECK_EQ_INT(seen, members);
		free(copy);
	}
	free(g.b);
}

/* The bound on a text's values: max_nodes values parse, one more is
 * refused where it stands, and the blocks a large text needed are not kept
 * for the texts after it. */
static void test_bound(jt_doc *d)
{
	gen g = {.r = 3};
	size_t end;
	d->max_nodes = 1000;
	for (size_t values = 999; values <= 1000; values++) {
		/* an array of values - 1 elements: values nodes */
		g.n = 0;
		puts_(&g, "[");
		for (size_t i = 0; i + 1 < values; i++)
			puts_(&g, i ? ",7" : "7");
		puts_(&g, "]");
		char *t = malloc(g.n);
		REQUIRE(t);
		memcpy(t, g.b, g.n);
		const jt *r = jt_parse(d, t, g.n, &end);
		CHECK(r && r->len == values - 1 && !d->too_many);
		free(t);
	}
	/* 1,000 elements: the last one is the 1,001st value, at offset 1 + 2 * 999 */
	g.n--; /* the closing bracket */
	puts_(&g, ",7]");
	char *t = malloc(g.n);
	REQUIRE(t);
	memcpy(t, g.b, g.n);
	CHECK(jt_parse(d, t, g.n, &end) == NULL && d->too_many && !d->oom);
	CHECK_EQ_INT(end, 1 + 2 * 999);
	free(t);
	d->max_nodes = 0;

	/* 200,000 values, then a short text: no more blocks kept than the first */
	g.n = 0;
	puts_(&g, "[");
	for (size_t i = 0; i < 199999; i++)
		puts_(&g, i ? ",1" : "1");
	puts_(&g, "]");
	t = malloc(g.n);
	REQUIRE(t);
	memcpy(t, g.b, g.n);
	const jt *r = jt_parse(d, t, g.n, &end);
	CHECK(r && r->len == 199999);
	CHECK(d->n_blocks > JT_BLOCKS_KEPT);
	free(t);
	char small[] = "{\"a\":[1,2]}";
	r = jt_parse(d, small, strlen(small), &end);
	CHECK(r && r->len == 1 && !d->too_many);
	CHECK(d->n_blocks <= JT_BLOCKS_KEPT);
	free(g.b);
}

int main(void)
{
	jt_doc d = {0};
	test_in_place(&d);
	test_many_nodes(&d);
	test_bound(&d);
	test_random(&d);
	jt_free(&d);
	return test_report("test_jtree");
}
