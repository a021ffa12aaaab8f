/* Go's encoding/json string encoding (gojson.c): the bytes json.Marshal
 * (Go 1.19) writes for each class of input, for headers_json and the diff
 * result's JSON alike. */
#include "gojson.h"
#include "parq/parq.h"
#include "test.h"

static void expect(const char *in, size_t n, const char *want, int line)
{
	ps_buf b = {0};
	int rc = ps_json_go_string(&b, in, n);
	test_checks++;
	if (rc || strcmp(b.data ? b.data : "", want) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: rc %d, got %s, want %s\n", __FILE__, line, rc, b.data ? b.data : "(null)", want);
	}
	ps_buf_free(&b);
}

#define EXPECT(s, want) expect(s, sizeof s - 1, want, __LINE__)

/* Each class of byte at each offset of a longer plain string: the plain
 * runs are scanned four bytes at a time, and a byte that needs escaping
 * must be found wherever it falls in them. */
static void test_every_offset(void)
{
	static const struct {
		const char *in, *out;
	} sp[] = {
		{"\"", "\\\""}, {"\\", "\\\\"}, {"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"},
		{"\n", "\\n"}, {"\x01", "\\u0001"}, {"\x1f", "\\u001f"}, {" ", " "}, {"\x7f", "\x7f"},
		{"~", "~"}, {"\xc3\xa9", "\xc3\xa9"}, {"\xff", "\\ufffd"}, {"\xe2\x80\xa8", "\\u2028"},
	};
	const char *plain = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF";
	for (size_t k = 0; k < sizeof sp / sizeof *sp; k++) {
		for (size_t at = 0; at <= 24; at++) {
			for (size_t tail = 0; tail <= 17; tail += 17) {
				char in[128], want[128];
				int n = snprintf(in, sizeof in, "%.*s%s%.*s", (int)at, plain, sp[k].in, (int)tail, plain + at);
				snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, plain, sp[k].out, (int)tail, plain + at);
				expect(in, (size_t)n, want, __LINE__);
			}
		}
	}
}

int main(void)
{
	test_every_offset();
	EXPECT("", "\"\"");
	EXPECT("plain text 123 ~!", "\"plain text 123 ~!\"");
	EXPECT("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	/* the five short escapes; \b and \f have none in Go up to 1.21 */
	EXPECT("\n\r\t\b\f", "\"\\n\\r\\t\\u0008\\u000c\"");
	EXPECT("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
	/* a NUL inside the length is a character like any other */
	EXPECT("a\0b", "\"a\\u0000b\"");
	/* HTML-safe */
	EXPECT("<script>&'", "\"\\u003cscript\\u003e\\u0026'\"");
	/* valid UTF-8 as it is, U+2028 and U+2029 escaped */
	EXPECT("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	EXPECT("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
	/* each byte of invalid UTF-8 as U+FFFD: a stray byte, a cut sequence,
	 * an overlong form, a surrogate, past U+10FFFF */
	EXPECT("\xff", "\"\\ufffd\"");
	EXPECT("x\xc3", "\"x\\ufffd\"");
	EXPECT("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	EXPECT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* appended, not replaced */
	ps_buf b = {0};
	CHECK_OK(ps_buf_add(&b, "{\"k\":", 5));
	CHECK_OK(ps_json_go_string(&b, "v<", 2));
	CHECK(b.data && strcmp(b.data, "{\"k\":\"v\\u003c\"") == 0);
	ps_buf_free(&b);
	return test_report("test_gojson");
}
