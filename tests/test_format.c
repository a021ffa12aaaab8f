/* The `cat` conventions: numbers, strings, dates, timestamps, decimals. */
#include <math.h>

#include "format.h"
#include "parq/parq.h"
#include "test.h"

static strbuf sb;

#define EXPECT(call, want) do { sb.len = 0; call; sb_putc(&sb, 0); test_checks++; \
	if (strcmp(sb.data, want) != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: got %s, want %s\n", __FILE__, __LINE__, sb.data, want); } } while (0)

static parq_node leaf(parq_type t, parq_logical l)
{
	parq_node n;
	memset(&n, 0, sizeof n);
	n.name = "x";
	n.type = t;
	n.logical = l;
	n.converted_type = PARQ_CT_NONE;
	n.leaf_index = 0;
	return n;
}

static void test_numbers(void)
{
	EXPECT(json_double(&sb, 0.1), "0.1");
	EXPECT(json_double(&sb, -2.5), "-2.5");
	EXPECT(json_double(&sb, 1e21), "1e+21");
	EXPECT(json_double(&sb, 123456789012345680000.0), "123456789012345680000");
	EXPECT(json_double(&sb, 1.5e-7), "1.5e-7");
	EXPECT(json_double(&sb, 0.000001), "0.000001");
	EXPECT(json_double(&sb, 5e-324), "5e-324");
	EXPECT(json_double(&sb, 1.7976931348623157e308), "1.7976931348623157e+308");
	EXPECT(json_double(&sb, 100), "100");
	EXPECT(json_double(&sb, 0.0), "0");
	EXPECT(json_double(&sb, 0.0 / 0.0), "\"NaN\"");
	EXPECT(json_double(&sb, -1.0 / 0.0), "\"-Infinity\"");
	EXPECT(json_float(&sb, 0.1f), "0.1");
	EXPECT(json_float(&sb, 16777216.0f), "16777216");
	EXPECT(json_float(&sb, 3.4028235e38f), "3.4028235e+38");
}

static void test_strings(void)
{
	EXPECT(json_string(&sb, (const uint8_t *)"a\"b\\c\n\x01", 7), "\"a\\\"b\\\\c\\n\\u0001\"");
	EXPECT(json_string(&sb, (const uint8_t *)"caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
	EXPECT(json_string(&sb, (const uint8_t *)"bad\xff!", 5), "\"bad\xef\xbf\xbd!\"");
	EXPECT(json_string(&sb, (const uint8_t *)"\xed\xa0\x80", 3), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");

	/* every kind of byte at every offset of strings up to 40 bytes (the
	 * 16-byte scan's edges), against an escaping written out byte by byte */
	static const char *const kinds[] = {"a", "~", " ", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xff"};
	enum { NK = sizeof kinds / sizeof *kinds };
	int bad = 0;
	for (int len = 1; len <= 40; len++)
		for (int at = 0; at < len; at++)
			for (int k = 0; k < NK; k++) {
				char in[64], want[256];
				size_t n = 0, w = 0;
				for (int i = 0; i < len; i++) {
					const char *s = i == at ? kinds[k] : "x";
					for (; *s; s++)
						in[n++] = *s;
				}
				want[w++] = '"';
				for (size_t i = 0; i < n; i++) {
					unsigned char c = (unsigned char)in[i];
					if (c == 0xc3 && i + 1 < n && (unsigned char)in[i + 1] == 0xa9) {
						want[w++] = in[i++];
						want[w++] = in[i];
					} else if (c == 0xff) {
						memcpy(want + w, "\xef\xbf\xbd", 3);
						w += 3;
					} else if (c == '"' || c == '\\') {
						want[w++] = '\\';
						want[w++] = (char)c;
					} else if (c == '\n') {
						memcpy(want + w, "\\n", 2);
						w += 2;
					} else if (c < 0x20) {
						w += (size_t)snprintf(want + w, 8, "\\u%04x", c);
					} else {
						want[w++] = (char)c;
					}
				}
				want[w++] = '"';
				sb.len = 0;
				json_string(&sb, (const uint8_t *)in, n);
				bad += sb.len != w || memcmp(sb.data, want, w);
			}
	CHECK_EQ_INT(bad, 0);
}

static void test_logical(void)
{
	parq_value v;
	memset(&v, 0, sizeof v);
	parq_node n = leaf(PARQ_INT32, parq_lt_date());
	v.node = &n;
	v.kind = PARQ_V_INT32;
	v.u.i32 = 0;
	EXPECT(json_value(&sb, &v), "\"1970-01-01\"");
	v.u.i32 = -1;
	EXPECT(json_value(&sb, &v), "\"1969-12-31\"");
	v.u.i32 = 19723; /* 2024-01-01 */
	EXPECT(json_value(&sb, &v), "\"2024-01-01\"");

	n = leaf(PARQ_INT64, parq_lt_timestamp(PARQ_UNIT_MILLIS, true));
	v.kind = PARQ_V_INT64;
	v.u.i64 = 1732435200123LL;
	EXPECT(json_value(&sb, &v), "\"2024-11-24T08:00:00.123Z\"");
	v.u.i64 = -1;
	EXPECT(json_value(&sb, &v), "\"1969-12-31T23:59:59.999Z\"");
	n = leaf(PARQ_INT64, parq_lt_timestamp(PARQ_UNIT_MICROS, false));
	v.u.i64 = 1;
	EXPECT(json_value(&sb, &v), "\"1970-01-01T00:00:00.000001\"");
	n = leaf(PARQ_INT64, parq_lt_int(64, false));
	v.u.i64 = -1;
	EXPECT(json_value(&sb, &v), "18446744073709551615");
	n = leaf(PARQ_INT64, parq_lt_decimal(18, 3));
	v.u.i64 = -50;
	EXPECT(json_value(&sb, &v), "\"-0.050\"");
	v.u.i64 = 123456;
	EXPECT(json_value(&sb, &v), "\"123.456\"");
	n = leaf(PARQ_INT32, parq_lt_decimal(9, 0));
	v.kind = PARQ_V_INT32;
	v.u.i32 = -7;
	EXPECT(json_value(&sb, &v), "\"-7\"");

	/* DECIMAL on bytes: big-endian two's complement */
	static const uint8_t dec[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x85};
	n = leaf(PARQ_FIXED_LEN_BYTE_ARRAY, parq_lt_decimal(20, 2));
	n.type_length = 10;
	v.kind = PARQ_V_BYTES;
	v.u.bytes = (parq_bytes){dec, 10};
	EXPECT(json_value(&sb, &v), "\"-1.23\"");

	/* INT96: julian day 2440588 is 1970-01-01 */
	n = leaf(PARQ_INT96, parq_lt_none());
	v.kind = PARQ_V_INT96;
	int64_t nanos = 3723000000001LL; /* 01:02:03.000000001 */
	int32_t jd = 2440589;
	memcpy(v.u.int96, &nanos, 8);
	memcpy(v.u.int96 + 8, &jd, 4);
	EXPECT(json_value(&sb, &v), "\"1970-01-02T01:02:03.000000001Z\"");
	/* before the epoch, with nanoseconds below a microsecond */
	nanos = 86399999999999LL; /* 23:59:59.999999999 */
	jd = 2440587;
	memcpy(v.u.int96, &nanos, 8);
	memcpy(v.u.int96 + 8, &jd, 4);
	EXPECT(json_value(&sb, &v), "\"1969-12-31T23:59:59.999999999Z\"");
	/* Spark's year-290000 value (int96_from_spark.parquet): it computes
	 * Julian microseconds in 64 bits, which wrap, and stores the wrapped
	 * day and a negative nanosecond count; reading undoes the wrap */
	static const uint8_t spark290000[12] = {0x00, 0x60, 0xb9, 0xc7, 0x6e, 0xe2, 0xff, 0xff,
	                                        0xa8, 0xab, 0xb0, 0xf9};
	memcpy(v.u.int96, spark290000, 12);
	EXPECT(json_value(&sb, &v), "\"+290000-12-30T23:00:00.000000000Z\"");
	static const uint8_t spark9999[12] = {0x00, 0xe0, 0x29, 0x92, 0xd2, 0x09, 0x00, 0x00,
	                                      0x2c, 0xfe, 0x51, 0x00};
	memcpy(v.u.int96, spark9999, 12);
	EXPECT(json_value(&sb, &v), "\"9999-12-31T03:00:00.000000000Z\"");
	/* an early year keeps its sign and four digits */
	nanos = 0;
	jd = 1721060 - 365; /* 0000-01-01 is Julian day 1721060; year -1 has 365 days */
	memcpy(v.u.int96, &nanos, 8);
	memcpy(v.u.int96 + 8, &jd, 4);
	EXPECT(json_value(&sb, &v), "\"-0001-01-01T00:00:00.000000000Z\"");

	/* plain binary as base64, strings as strings */
	n = leaf(PARQ_BYTE_ARRAY, parq_lt_none());
	v.kind = PARQ_V_BYTES;
	v.u.bytes = (parq_bytes){(const uint8_t *)"hello", 5};
	EXPECT(json_value(&sb, &v), "\"aGVsbG8=\"");
	n = leaf(PARQ_BYTE_ARRAY, parq_lt_string());
	EXPECT(json_value(&sb, &v), "\"hello\"");

	/* FLOAT16: 0x2E66 is the half nearest 0.1 */
	parq_logical f16 = {0};
	f16.kind = PARQ_LT_FLOAT16;
	n = leaf(PARQ_FIXED_LEN_BYTE_ARRAY, f16);
	n.type_length = 2;
	static const uint8_t half[] = {0x66, 0x2E};
	v.u.bytes = (parq_bytes){half, 2};
	EXPECT(json_value(&sb, &v), "0.1");
}

/* json_double against the definition of its digits: the output reads back
 * as x, its significant digits are printf's correctly rounded ones, and
 * one digit fewer does not read back. Doubles of every kind: decimals of
 * a few digits (times, sizes), products that miss them by an ulp, random
 * bit patterns, integers, powers of ten. */
static void test_shortest(void)
{
	uint64_t r = 0x243f6a8885a308d3u;
	int bad = 0, n = 0;
	for (int i = 0; i < 200000; i++) {
		double x;
		uint64_t u = test_rand(&r);
		switch (i % 6) {
		case 0: x = (double)(int64_t)(u % 1000000) / 10.0; break;
		case 1: x = (double)(int64_t)(u % 100000000) / 1000.0 * 1000.0 / 7.0; break;
		case 2: x = ((double)(u % 100000) / 1000.0) * 1000.0; break; /* 0.0234 s as ms */
		case 3: memcpy(&x, &u, sizeof x); break;
		case 4: x = (double)(int64_t)(u % 10000000000000000ull) * (u & 1 ? 1 : -1); break;
		default: x = pow(10.0, (double)(int)(u % 60) - 30) * (double)(1 + u % 9); break;
		}
		if (!isfinite(x) || x == 0)
			continue;
		sb.len = 0;
		json_double(&sb, x);
		sb_putc(&sb, 0);
		n++;
		/* the digits written, without sign, dot, exponent or padding zeros */
		char digits[40];
		int k = 0, lead = 1;
		for (const char *p = sb.data; *p && *p != 'e' && k < 39; p++) {
			if (*p < '0' || *p > '9' || (lead && *p == '0'))
				continue;
			lead = 0;
			digits[k++] = *p;
		}
		while (k > 1 && digits[k - 1] == '0')
			k--;
		digits[k] = 0;
		char want[40], fewer[40];
		snprintf(want, sizeof want, "%.*e", k - 1, x);
		char wd[40];
		int j = 0;
		for (const char *p = want; *p && *p != 'e'; p++)
			if (*p >= '0' && *p <= '9')
				wd[j++] = *p;
		while (j > 1 && wd[j - 1] == '0')
			j--;
		wd[j] = 0;
		bool ok = strtod(sb.data, NULL) == x && !strcmp(digits, wd);
		if (ok && k > 1) {
			snprintf(fewer, sizeof fewer, "%.*e", k - 2, x);
			ok = strtod(fewer, NULL) != x;
		}
		if (!ok && bad++ < 5)
			fprintf(stderr, "json_double(%.17g) = %s, digits %s, printf's %s\n", x, sb.data, digits, wd);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(n > 150000);
}

int main(void)
{
	test_numbers();
	test_shortest();
	test_strings();
	test_logical();
	sb_free(&sb);
	return test_report("test_format");
}
