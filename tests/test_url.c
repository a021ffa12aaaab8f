/* URLs: parsing tables, host_port directory names (tables and round-trip
 * properties), URL hash vectors. */
#include "probestore/probestore.h"
#include "test.h"

#include <arpa/inet.h>
#include <stdbool.h>

#define CHECK_PS(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

static bool streq_null(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); test_checks++; if (!streq_null(_a, _b)) { \
	test_failures++; fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
	#a, _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)

/* ---- parsing ----------------------------------------------------------- */

struct valid_case {
	const char *in;
	bool target;
	const char *scheme, *userinfo, *host;
	ps_url_host_type htype;
	int port;
	bool port_explicit;
	const char *path, *query, *fragment;
};

static const struct valid_case valid[] = {
	{ "http://example.com", false, "http", NULL, "example.com", PS_URL_HOST_NAME, 80, false, "", NULL, NULL },
	{ "HTTPS://Example.COM:8443/a/B?x=1&Y=2#Frag", false, "https", NULL, "example.com", PS_URL_HOST_NAME,
	  8443, true, "/a/B", "x=1&Y=2", "Frag" },
	{ "hTTp://user:pa%20ss@host.example:443/", false, "http", "user:pa%20ss", "host.example",
	  PS_URL_HOST_NAME, 443, true, "/", NULL, NULL },
	{ "http://[::1]:8080/x", false, "http", NULL, "::1", PS_URL_HOST_IPV6, 8080, true, "/x", NULL, NULL },
	{ "https://[2001:DB8:0:0:0:0:0:1]/", false, "https", NULL, "2001:db8::1", PS_URL_HOST_IPV6, 443, false,
	  "/", NULL, NULL },
	{ "http://[::ffff:1.2.3.4]/", false, "http", NULL, "::ffff:1.2.3.4", PS_URL_HOST_IPV6, 80, false, "/",
	  NULL, NULL },
	{ "http://10.0.0.1:81/?", false, "http", NULL, "10.0.0.1", PS_URL_HOST_IPV4, 81, true, "/", "", NULL },
	{ "http://256.0.0.1/", false, "http", NULL, "256.0.0.1", PS_URL_HOST_NAME, 80, false, "/", NULL, NULL },
	{ "https://example.com#", false, "https", NULL, "example.com", PS_URL_HOST_NAME, 443, false, "", NULL, "" },
	{ "https://example.com?q#a?b#c", false, "https", NULL, "example.com", PS_URL_HOST_NAME, 443, false, "",
	  "q", "a?b#c" },
	{ "http://a@b@c.com/", false, "http", "a@b", "c.com", PS_URL_HOST_NAME, 80, false, "/", NULL, NULL },
	{ "http://@c.com/", false, "http", "", "c.com", PS_URL_HOST_NAME, 80, false, "/", NULL, NULL },
	{ "http://host:/", false, "http", NULL, "host", PS_URL_HOST_NAME, 80, false, "/", NULL, NULL },
	{ "https://example.com:00443/", false, "https", NULL, "example.com", PS_URL_HOST_NAME, 443, true, "/",
	  NULL, NULL },
	{ "https://example.com:65535", false, "https", NULL, "example.com", PS_URL_HOST_NAME, 65535, true, "",
	  NULL, NULL },
	{ "https://B\xc3\x9c" "cher.de/\xc3\xbc", false, "https", NULL, "b\xc3\x9c" "cher.de", PS_URL_HOST_NAME,
	  443, false, "/\xc3\xbc", NULL, NULL },
	{ "http://My_Host.internal:8000/", false, "http", NULL, "my_host.internal", PS_URL_HOST_NAME, 8000, true,
	  "/", NULL, NULL },
	{ "http://a%2Fb.example/", false, "http", NULL, "a%2fb.example", PS_URL_HOST_NAME, 80, false, "/", NULL,
	  NULL },
	{ "https://e.com/a\"b<c>{d}|^`[x]", false, "https", NULL, "e.com", PS_URL_HOST_NAME, 443, false,
	  "/a\"b<c>{d}|^`[x]", NULL, NULL },
	/* root targets */
	{ "example.com", true, "https", NULL, "example.com", PS_URL_HOST_NAME, 443, false, "", NULL, NULL },
	{ "Example.com:8443", true, "https", NULL, "example.com", PS_URL_HOST_NAME, 8443, true, "", NULL, NULL },
	{ "[::1]:8080", true, "https", NULL, "::1", PS_URL_HOST_IPV6, 8080, true, "", NULL, NULL },
	{ "[fe80::AB]", true, "https", NULL, "fe80::ab", PS_URL_HOST_IPV6, 443, false, "", NULL, NULL },
	{ "10.0.0.1", true, "https", NULL, "10.0.0.1", PS_URL_HOST_IPV4, 443, false, "", NULL, NULL },
	{ "localhost:8080/api?x#y", true, "https", NULL, "localhost", PS_URL_HOST_NAME, 8080, true, "/api", "x",
	  "y" },
	{ "http://x.com", true, "http", NULL, "x.com", PS_URL_HOST_NAME, 80, false, "", NULL, NULL },
	{ "HTTPS://X.com:1", true, "https", NULL, "x.com", PS_URL_HOST_NAME, 1, true, "", NULL, NULL },
};

struct invalid_case {
	const char *in;
	bool target;
	const char *msg;    /* substring of the error message */
};

static const struct invalid_case invalid[] = {
	{ "", false, "invalid URL \"\": empty" },
	{ "", true, "invalid target \"\": empty" },
	{ "example.com", false, "invalid URL \"example.com\": missing scheme (expected http:// or https://)" },
	{ "//example.com/", false, "missing scheme" },
	{ "://example.com/", false, "missing scheme" },
	{ "localhost:8080", false, "missing scheme" },
	{ "1http://x.com/", false, "missing scheme" },
	{ "ftp://example.com/", false, "invalid URL \"ftp://example.com/\": unsupported scheme \"ftp\" (only http and https)" },
	{ "ftp://example.com/", true, "invalid target \"ftp://example.com/\": unsupported scheme \"ftp\"" },
	{ "javascript:alert(1)", false, "unsupported scheme \"javascript\"" },
	{ "httpx://a.com", false, "unsupported scheme \"httpx\"" },
	{ "http:example.com", false, "missing \"//\" after \"http:\"" },
	{ "https:/example.com", true, "missing \"//\" after \"https:\"" },
	{ "http://", false, "empty host" },
	{ "http:///path", false, "empty host" },
	{ "http://:8080/", false, "empty host" },
	{ "http://user@/", false, "empty host" },
	{ "https://?q", false, "empty host" },
	{ ":8080", true, "empty host" },
	{ "http://example.com:0/", false, "bad port \"0\" (expected 1..65535)" },
	{ "http://example.com:65536/", false, "bad port \"65536\"" },
	{ "http://example.com:99999999999999999999/", false, "bad port \"99999999999999999999\"" },
	{ "http://example.com:8o/", false, "bad port \"8o\"" },
	{ "http://example.com:-1/", false, "bad port \"-1\"" },
	{ "http://example.com:80:80/", false, "bad port \"80:80\"" },
	{ "example.com:abc", true, "bad port \"abc\"" },
	{ "http://[::1]:99999/", false, "bad port \"99999\"" },
	{ "http://exa mple.com/", false, "contains a space at offset 10" },
	{ " http://example.com/", false, "contains a space at offset 0" },
	{ "http://example.com/\tx", false, "contains a control character (0x09) at offset 19" },
	{ "http://example.com/\x7f", false, "contains a control character (0x7F) at offset 19" },
	{ "http://example.com/\r\n", false, "invalid URL \"http://example.com/\\x0D\\x0A\": contains a control character (0x0D)" },
	{ "http://[::1/", false, "bad IPv6 literal: no closing ']'" },
	{ "http://[::g]/", false, "bad IPv6 literal \"[::g]\"" },
	{ "http://[]/", false, "bad IPv6 literal \"[]\"" },
	{ "http://[1:2:3:4:5:6:7:8:9]/", false, "bad IPv6 literal \"[1:2:3:4:5:6:7:8:9]\"" },
	{ "http://[fe80::1%25eth0]/", false, "bad IPv6 literal \"[fe80::1%25eth0]\"" },
	{ "http://[example.com]/", false, "bad IPv6 literal \"[example.com]\"" },
	{ "[1.2.3.4]", true, "bad IPv6 literal \"[1.2.3.4]\"" },
	{ "http://[::1]x/", false, "unexpected \"x\" after the IPv6 literal" },
	{ "http://::1/", false, "IPv6 address \"::1\" must be in brackets" },
	{ "http://2001:db8::1/", false, "IPv6 address \"2001:db8::1\" must be in brackets" },
	{ "::1", true, "IPv6 address \"::1\" must be in brackets" },
	{ "http://exa<mple.com/", false, "invalid character '<' in host" },
	{ "http://a[b]/", false, "invalid character '[' in host" },
	{ "http://a\"b/", false, "invalid URL \"http://a\\\"b/\": invalid character '\"' in host" },
	{ "http://ex%zzample.com/", false, "bad percent-encoding in host at offset 9" },
	{ "http://ex%2/", false, "bad percent-encoding in host" },
};

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		const struct valid_case *c = &valid[i];
		ps_url u;
		int rc = c->target ? ps_url_parse_target(c->in, &u) : ps_url_parse(c->in, &u);
		test_checks++;
		if (rc) {
			test_failures++;
			fprintf(stderr, "case %zu \"%s\": rc %d: %s\n", i, c->in, rc, ps_errmsg());
			continue;
		}
		CHECK_STR(u.scheme, c->scheme);
		CHECK_STR(u.userinfo, c->userinfo);
		CHECK_STR(u.host, c->host);
		CHECK_EQ_INT(u.host_type, c->htype);
		CHECK_EQ_INT(u.port, c->port);
		CHECK_EQ_INT(u.port_explicit, c->port_explicit);
		CHECK_STR(u.path, c->path);
		CHECK_STR(u.query, c->query);
		CHECK_STR(u.fragment, c->fragment);
		ps_url_free(&u);
		CHECK(u.host == NULL && u.buf_ == NULL);
		if (!c->target)
			CHECK_EQ_INT(ps_url_check(c->in), 0);
		/* every URL is also a valid target, with the same meaning */
		if (!c->target) {
			rc = ps_url_parse_target(c->in, &u);
			CHECK_EQ_INT(rc, 0);
			if (!rc) {
				CHECK_STR(u.host, c->host);
				CHECK_EQ_INT(u.port, c->port);
				ps_url_free(&u);
			}
		}
	}
}

static void test_invalid(void)
{
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		const struct invalid_case *c = &invalid[i];
		ps_url u;
		memset(&u, 0x5a, sizeof u);
		int rc = c->target ? ps_url_parse_target(c->in, &u) : ps_url_parse(c->in, &u);
		test_checks++;
		if (rc != PS_EINVAL || !strstr(ps_errmsg(), c->msg)) {
			test_failures++;
			fprintf(stderr, "case %zu \"%s\": rc %d, message \"%s\", expected \"%s\"\n", i, c->in, rc,
				ps_errmsg(), c->msg);
		}
		/* a failed parse leaves nothing to free */
		CHECK(u.buf_ == NULL && u.host == NULL);
		ps_url_free(&u);
		if (!c->target) {
			/* the check refuses it with the same message */
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", ps_errmsg());
			CHECK_EQ_INT(ps_url_check(c->in), PS_EINVAL);
			CHECK(strcmp(ps_errmsg(), msg) == 0);
		}
	}
}

static void test_limits(void)
{
	char *s = malloc(PS_URL_MAX + 16);
	REQUIRE(s);
	ps_url u;

	/* exactly at the limit is accepted, one byte more is not */
	strcpy(s, "https://example.com/");
	size_t n = strlen(s);
	memset(s + n, 'a', PS_URL_MAX - n);
	s[PS_URL_MAX] = 0;
	CHECK_PS(ps_url_parse(s, &u));
	CHECK_EQ_INT(strlen(u.path), PS_URL_MAX - n + 1);
	ps_url_free(&u);
	s[PS_URL_MAX] = 'a';
	s[PS_URL_MAX + 1] = 0;
	CHECK_EQ_INT(ps_url_parse(s, &u), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "8193 bytes long, over the limit of 8192"));
	/* the message shows the start of the URL, not all of it */
	CHECK(strstr(ps_errmsg(), "invalid URL \"https://example.com/aaaa"));
	CHECK(strstr(ps_errmsg(), "...\""));
	CHECK(strlen(ps_errmsg()) < 300);

	/* host length */
	strcpy(s, "http://");
	memset(s + 7, 'h', PS_URL_HOST_MAX);
	strcpy(s + 7 + PS_URL_HOST_MAX, "/x");
	CHECK_PS(ps_url_parse(s, &u));
	CHECK_EQ_INT(strlen(u.host), PS_URL_HOST_MAX);
	ps_url_free(&u);
	memset(s + 7, 'h', PS_URL_HOST_MAX + 1);
	strcpy(s + 8 + PS_URL_HOST_MAX, "/x");
	CHECK_EQ_INT(ps_url_parse(s, &u), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "host is 256 bytes long, over the limit of 255"));
	free(s);

	CHECK_EQ_INT(ps_url_parse(NULL, &u), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "URL is NULL"));
	CHECK_EQ_INT(ps_url_parse_target(NULL, &u), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "target is NULL"));
	CHECK_EQ_INT(ps_url_parse("http://x", NULL), PS_EINVAL);
	ps_url_free(NULL);
}

/* Random bytes, biased towards URL syntax: the parser never crashes, and
 * what it accepts has a sane shape. */
static void test_parse_random(void)
{
	static const char alpha[] = "htps:/[]@?#%.:-_0123456789abcdefABCDEF";
	uint64_t seed = 42;
	char s[96];
	int accepted = 0;
	for (int it = 0; it < 20000; it++) {
		size_t n = test_rand(&seed) % (sizeof s - 1);
		size_t i = 0;
		if (test_rand(&seed) % 2) {
			const char *pre = test_rand(&seed) % 2 ? "http://" : "https://";
			strcpy(s, pre);
			i = strlen(pre);
		}
		for (; i < n; i++) {
			uint64_t r = test_rand(&seed);
			s[i] = r % 8 == 0 ? (char)(1 + (r >> 8) % 255) : alpha[(r >> 8) % (sizeof alpha - 1)];
		}
		s[i] = 0;
		ps_url u;
		int rc = it % 2 ? ps_url_parse(s, &u) : ps_url_parse_target(s, &u);
		if (it % 2)
			CHECK_EQ_INT(ps_url_check(s), rc); /* the check agrees with the parse */
		if (rc == 0) {
			accepted++;
			test_checks++;
			if (!u.host || !*u.host || u.port < 1 || u.port > 65535 || !u.path) {
				test_failures++;
				fprintf(stderr, "accepted \"%s\" with a bad shape\n", s);
			}
			ps_url_free(&u);
		} else {
			CHECK_EQ_INT(rc, PS_EINVAL);
			CHECK(strstr(ps_errmsg(), "invalid "));
		}
	}
	CHECK(accepted > 100);
}

/* ---- host_port directory names ------------------------------------------ */

static void test_dir_table(void)
{
	static const struct { const char *host; int port; const char *dir; } t[] = {
		{ "example.com", 443, "example.com_443" },
		{ "::1", 443, "%3A%3A1_443" },
		{ "2001:db8::1", 8080, "2001%3Adb8%3A%3A1_8080" },
		{ "my_host", 80, "my%5Fhost_80" },
		{ "Example.COM", 443, "example.com_443" },
		{ "b\xc3\xbc" "cher.de", 443, "b%C3%BCcher.de_443" },
		{ "a%2fb", 1, "a%252fb_1" },
		{ "x~!$&'()*+,;=", 65535, "x%7E%21%24%26%27%28%29%2A%2B%2C%3B%3D_65535" },
		{ "10.0.0.1", 8443, "10.0.0.1_8443" },
		{ "-.", 9, "-._9" },
	};
	char buf[PS_HOST_PORT_DIR_MAX], host[PS_HOST_PORT_DIR_MAX];
	int port;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK_PS(ps_host_port_dir_format(t[i].host, t[i].port, buf, sizeof buf));
		CHECK_STR(buf, t[i].dir);
		CHECK_PS(ps_host_port_dir_parse(t[i].dir, host, sizeof host, &port));
		CHECK_EQ_INT(port, t[i].port);
		char lower[64];
		size_t j = 0;
		for (; t[i].host[j]; j++)
			lower[j] = (char)(t[i].host[j] >= 'A' && t[i].host[j] <= 'Z' ? t[i].host[j] + 32 : t[i].host[j]);
		lower[j] = 0;
		CHECK_STR(host, lower);
	}

	static const struct { const char *target; const char *dir, *display; } tt[] = {
		{ "example.com", "example.com_443", "example.com:443" },
		{ "https://Example.com", "example.com_443", "example.com:443" },
		{ "http://example.com/app.js", "example.com_80", "example.com:80" },
		{ "[::1]:8080", "%3A%3A1_8080", "[::1]:8080" },
		{ "http://[::1]", "%3A%3A1_80", "[::1]:80" },
		{ "http://user@My_Host:8000/x", "my%5Fhost_8000", "my_host:8000" },
		{ "10.0.0.1", "10.0.0.1_443", "10.0.0.1:443" },
	};
	char disp[PS_HOST_PORT_DISPLAY_MAX];
	for (size_t i = 0; i < sizeof tt / sizeof tt[0]; i++) {
		CHECK_PS(ps_target_host_port_dir(tt[i].target, buf, sizeof buf));
		CHECK_STR(buf, tt[i].dir);
		CHECK_PS(ps_host_port_dir_display(tt[i].dir, disp, sizeof disp));
		CHECK_STR(disp, tt[i].display);
		ps_url u;
		CHECK_PS(ps_url_parse_target(tt[i].target, &u));
		CHECK_PS(ps_url_host_port_dir(&u, buf, sizeof buf));
		CHECK_STR(buf, tt[i].dir);
		ps_url_free(&u);
	}
	CHECK_EQ_INT(ps_target_host_port_dir("ftp://x", buf, sizeof buf), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "unsupported scheme \"ftp\""));

	/* buffers: exactly enough, one short */
	CHECK_PS(ps_host_port_dir_format("example.com", 443, buf, 16));
	CHECK_EQ_INT(ps_host_port_dir_format("example.com", 443, buf, 15), PS_ELIMIT);
	CHECK(strstr(ps_errmsg(), "needs 16 bytes, buffer has 15"));
	CHECK_PS(ps_host_port_format("::1", 443, disp, 10));
	CHECK_STR(disp, "[::1]:443");
	CHECK_EQ_INT(ps_host_port_format("::1", 443, disp, 9), PS_ELIMIT);
	CHECK_EQ_INT(ps_host_port_dir_parse("%3A%3A1_443", host, 4, &port), 0);
	CHECK_EQ_INT(ps_host_port_dir_parse("%3A%3A1_443", host, 3, &port), PS_ELIMIT);

	/* bad formatter input */
	CHECK_EQ_INT(ps_host_port_dir_format("example.com", 0, buf, sizeof buf), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "port 0 out of range 1..65535"));
	CHECK_EQ_INT(ps_host_port_dir_format("example.com", 65536, buf, sizeof buf), PS_EINVAL);
	CHECK_EQ_INT(ps_host_port_dir_format("", 80, buf, sizeof buf), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "empty host"));
	CHECK_EQ_INT(ps_host_port_dir_format("a b", 80, buf, sizeof buf), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "space or control character"));
	CHECK_EQ_INT(ps_host_port_dir_format(NULL, 80, buf, sizeof buf), PS_EINVAL);
	CHECK_EQ_INT(ps_host_port_format("", 80, disp, sizeof disp), PS_EINVAL);
	CHECK_EQ_INT(ps_host_port_format("a", 0, disp, sizeof disp), PS_EINVAL);
	ps_url empty;
	memset(&empty, 0, sizeof empty);
	CHECK_EQ_INT(ps_url_host_port_dir(&empty, buf, sizeof buf), PS_EINVAL);
	/* a name over the file name limit: 85 underscores encode to 255 bytes */
	char longhost[100];
	memset(longhost, '_', 85);
	longhost[85] = 0;
	CHECK_EQ_INT(ps_host_port_dir_format(longhost, 80, buf, sizeof buf), PS_ELIMIT);
	CHECK(strstr(ps_errmsg(), "255-byte file name limit"));
	memset(longhost, 'a', 85);
	CHECK_PS(ps_host_port_dir_format(longhost, 80, buf, sizeof buf));
	/* the longest names fit the documented buffers */
	char h[PS_URL_HOST_MAX + 1];
	memset(h, 'a', 249);
	h[249] = 0;
	CHECK_PS(ps_host_port_dir_format(h, 10000, buf, sizeof buf));
	CHECK_EQ_INT(strlen(buf), 255);
	CHECK_PS(ps_host_port_dir_display(buf, disp, sizeof disp));
	h[249] = 'a';
	h[250] = 0;
	CHECK_EQ_INT(ps_host_port_dir_format(h, 10000, buf, sizeof buf), PS_ELIMIT);
	/* the longest host a URL may have, as IPv6 would be shown */
	memset(h, ':', PS_URL_HOST_MAX);
	h[PS_URL_HOST_MAX] = 0;
	CHECK_PS(ps_host_port_format(h, 65535, disp, sizeof disp));
	CHECK_EQ_INT(strlen(disp), PS_HOST_PORT_DISPLAY_MAX - 1);
}

static void test_dir_parse_invalid(void)
{
	static const struct { const char *dir; const char *msg; } t[] = {
		{ "example.com", "not a host_port directory name \"example.com\": no '_' before the port" },
		{ "_443", "empty host" },
		{ "example.com_", "bad port \"\"" },
		{ "example.com_0443", "bad port \"0443\" (expected 1..65535 without leading zeros)" },
		{ "example.com_0", "bad port \"0\"" },
		{ "example.com_65536", "bad port \"65536\"" },
		{ "example.com_443443", "bad port \"443443\"" },
		{ "example.com_44a", "bad port \"44a\"" },
		{ "example.com_-1", "bad port \"-1\"" },
		{ "example.com_+80", "bad port \"+80\"" },
		{ "Example.com_443", "unexpected character 0x45 at offset 0 (expected [a-z0-9.-] or %XX)" },
		{ "my_host_80", "unexpected character 0x5F at offset 2" },
		{ "a/b_80", "unexpected character 0x2F" },
		{ "%3a%3a1_443", "bad percent-encoding at offset 0 (expected %XX, upper-case hex)" },
		{ "ab%4_443", "bad percent-encoding at offset 2" },
		{ "ab%_443", "bad percent-encoding at offset 2" },
		{ "%61bc_443", "non-canonical encoding \"%61\" at offset 0" },
		{ "x%2E_443", "non-canonical encoding \"%2E\"" },
		{ "%41bc_443", "non-canonical encoding \"%41\"" },
		{ "%20x_443", "non-canonical encoding \"%20\"" },
		{ "%00x_443", "non-canonical encoding \"%00\"" },
		{ "x%7F_443", "non-canonical encoding \"%7F\"" },
		{ "scan_20240101_120000.parquet", "bad port \"120000.parquet\"" },
	};
	char host[PS_HOST_PORT_DIR_MAX];
	int port = 7;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = ps_host_port_dir_parse(t[i].dir, host, sizeof host, &port);
		test_checks++;
		if (rc != PS_EINVAL || !strstr(ps_errmsg(), t[i].msg)) {
			test_failures++;
			fprintf(stderr, "dir \"%s\": rc %d, message \"%s\", expected \"%s\"\n", t[i].dir, rc,
				ps_errmsg(), t[i].msg);
		}
		CHECK_EQ_INT(port, 7);
	}
	char longdir[300];
	memset(longdir, 'a', 256);
	strcpy(longdir + 256, "_80");
	CHECK_EQ_INT(ps_host_port_dir_parse(longdir, host, sizeof host, &port), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "longer than 255 bytes"));
	CHECK_EQ_INT(ps_host_port_dir_parse(NULL, host, sizeof host, &port), PS_EINVAL);
	CHECK_EQ_INT(ps_host_port_dir_display("nope", host, sizeof host), PS_EINVAL);
}

/* parse(format(x)) == x for random hosts of any allowed byte (including
 * ':', '_', '%', upper case, UTF-8), compared after lower-casing. */
static void test_dir_roundtrip_random(void)
{
	uint64_t seed = 1234;
	char host[64], lower[64], dir[PS_HOST_PORT_DIR_MAX], back[PS_HOST_PORT_DIR_MAX];
	char disp[PS_HOST_PORT_DISPLAY_MAX];
	int bad = 0;
	for (int it = 0; it < 10000; it++) {
		size_t n = 1 + test_rand(&seed) % 60;
		for (size_t i = 0; i < n; i++) {
			unsigned char c;
			uint64_t r = test_rand(&seed);
			switch (r % 4) {
			case 0: c = "abcxyz0189.-"[(r >> 8) % 12]; break;
			case 1: c = ":_%~!ABZ"[(r >> 8) % 8]; break;
			default: c = (unsigned char)(0x21 + (r >> 8) % (0x100 - 0x21)); break;
			}
			if (c == 0x7f)
				c = 'q';
			host[i] = (char)c;
			lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		host[n] = lower[n] = 0;
		int port = 1 + (int)(test_rand(&seed) % 65535);
		int port2 = -1;
		if (ps_host_port_dir_format(host, port, dir, sizeof dir) != 0 ||
		    ps_host_port_dir_parse(dir, back, sizeof back, &port2) != 0 ||
		    strcmp(back, lower) != 0 || port2 != port) {
			if (bad++ < 5)
				fprintf(stderr, "round trip failed for host of %zu bytes, port %d: %s\n", n, port,
					ps_errmsg());
		}
		/* the name is a single safe path component */
		if (strchr(dir, '/') || strlen(dir) > 255)
			bad++;
		if (ps_host_port_dir_display(dir, disp, sizeof disp) != 0)
			bad++;
	}
	test_checks++;
	if (bad) {
		test_failures++;
		fprintf(stderr, "%d of 10000 random host round trips failed\n", bad);
	}
}

/* Random IPv6 (with zero runs), IPv4 and name hosts through the whole
 * chain: URL text -> ps_url -> directory name -> host, port -> display. */
static void test_url_dir_roundtrip_random(void)
{
	uint64_t seed = 99;
	char url[256], dir[PS_HOST_PORT_DIR_MAX], host[PS_HOST_PORT_DIR_MAX], disp[PS_HOST_PORT_DISPLAY_MAX];
	char expect_host[INET6_ADDRSTRLEN + 64], expect_disp[PS_HOST_PORT_DISPLAY_MAX];
	int bad = 0;
	for (int it = 0; it < 10000; it++) {
		int kind = (int)(test_rand(&seed) % 3);
		bool explicit_port = test_rand(&seed) % 2;
		int port = explicit_port ? 1 + (int)(test_rand(&seed) % 65535) : 443;
		if (kind == 0) {
			unsigned char a[16];
			for (int i = 0; i < 16; i++)
				a[i] = (unsigned char)test_rand(&seed);
			int zs = (int)(test_rand(&seed) % 16), zl = (int)(test_rand(&seed) % 17);
			for (int i = zs; i < zs + zl && i < 16; i++)
				a[i] = 0;
			inet_ntop(AF_INET6, a, expect_host, sizeof expect_host);
			snprintf(url, sizeof url, "[%s]", expect_host);
		} else if (kind == 1) {
			uint64_t r = test_rand(&seed);
			snprintf(expect_host, sizeof expect_host, "%u.%u.%u.%u", (unsigned)(r & 255),
				 (unsigned)((r >> 8) & 255), (unsigned)((r >> 16) & 255), (unsigned)((r >> 24) & 255));
			snprintf(url, sizeof url, "%s", expect_host);
		} else {
			static const char hc[] = "abcdefghijklmnopqrstuvwxyz0123456789.-_~!$&'()*+,;=";
			size_t n = 1 + test_rand(&seed) % 40;
			for (size_t i = 0; i < n; i++)
				expect_host[i] = hc[test_rand(&seed) % (sizeof hc - 1)];
			expect_host[n] = 0;
			snprintf(url, sizeof url, "%s", expect_host);
		}
		char full[320];
		if (explicit_port)
			snprintf(full, sizeof full, "https://%s:%d/p", url, port);
		else
			snprintf(full, sizeof full, "%s", url);
		ps_url u;
		int port2 = -1;
		if (ps_url_parse_target(full, &u) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "\"%s\": %s\n", full, ps_errmsg());
			continue;
		}
		bool ok = strcmp(u.host, expect_host) == 0 && u.port == port &&
			  ps_url_host_port_dir(&u, dir, sizeof dir) == 0 &&
			  ps_host_port_dir_parse(dir, host, sizeof host, &port2) == 0 &&
			  strcmp(host, expect_host) == 0 && port2 == port &&
			  ps_host_port_dir_display(dir, disp, sizeof disp) == 0;
		snprintf(expect_disp, sizeof expect_disp, kind == 0 ? "[%s]:%d" : "%s:%d", expect_host, port);
		if (!ok || strcmp(disp, expect_disp) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "\"%s\": host \"%s\" dir \"%s\" display \"%s\" %s\n", full, u.host, dir,
					disp, ps_errmsg());
		}
		ps_url_free(&u);
	}
	test_checks++;
	if (bad) {
		test_failures++;
		fprintf(stderr, "%d of 10000 URL round trips failed\n", bad);
	}
}

/* Random names: whatever the reverse accepts, the formatter gives back
 * unchanged, so a directory maps to exactly one host and port. */
static void test_dir_parse_random(void)
{
	static const char alpha[] = "az09.-_%%%AF3C5E7aB";
	uint64_t seed = 7;
	char dir[40], host[PS_HOST_PORT_DIR_MAX], again[PS_HOST_PORT_DIR_MAX];
	int accepted = 0, bad = 0;
	for (int it = 0; it < 100000; it++) {
		size_t n = 1 + test_rand(&seed) % 12;
		for (size_t i = 0; i < n; i++)
			dir[i] = alpha[test_rand(&seed) % (sizeof alpha - 1)];
		snprintf(dir + n, sizeof dir - n, "_%d", (int)(test_rand(&seed) % 70000));
		int port;
		if (ps_host_port_dir_parse(dir, host, sizeof host, &port) != 0)
			continue;
		accepted++;
		if (ps_host_port_dir_format(host, port, again, sizeof again) != 0 || strcmp(again, dir) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "\"%s\" parsed but formats as \"%s\"\n", dir, again);
		}
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(accepted > 1000);
}

/* ---- hashes --------------------------------------------------------------- */

static void test_hash(void)
{
	/* digests computed with `printf %s URL | sha256sum` */
	static const struct { const char *url; const char *sha256; } t[] = {
		{ "https://example.com/app.js", "04deadd1e42a55d2b2cfa24800475cf4ada98998608368fec472fab1a201767d" },
		{ "http://example.com/", "2a1b402420ef46577471cdc7409b0fa2c6a204db316e59ade2d805435489a067" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "https://example.com/app.js?v=1#x", "7abaff5c4f70ffcaaee9bce62a18b162de54a8b626e80131d018d5713e1b9faf" },
		{ "https://[::1]:8443/static/main.6f1a2b.js",
		  "e4bcc01d846483e39d032b18882b6501e38c0a6d5d269af16945297ae42c460b" },
	};
	char out[65];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		for (int nd = 1; nd <= 64; nd++) {
			memset(out, 'X', sizeof out);
			CHECK_PS(ps_url_hash(t[i].url, nd, out));
			CHECK_EQ_INT(strlen(out), nd);
			CHECK(strncmp(out, t[i].sha256, (size_t)nd) == 0);
		}
	}
	CHECK_PS(ps_url_hash("https://example.com/app.js", PS_URL_HASH_DEFAULT_DIGITS, out));
	CHECK_STR(out, "04deadd1");
	/* exactly as given: no normalisation of case or trailing slash */
	char other[65];
	CHECK_PS(ps_url_hash("https://EXAMPLE.com/app.js", 8, other));
	CHECK(strcmp(out, other) != 0);

	CHECK_EQ_INT(ps_url_hash("x", 0, out), PS_EINVAL);
	CHECK(strstr(ps_errmsg(), "0 digits out of range 1..64"));
	CHECK_EQ_INT(ps_url_hash("x", 65, out), PS_EINVAL);
	CHECK_EQ_INT(ps_url_hash("x", -1, out), PS_EINVAL);
	CHECK_EQ_INT(ps_url_hash(NULL, 8, out), PS_EINVAL);
	CHECK_EQ_INT(ps_url_hash("x", 8, NULL), PS_EINVAL);
}

int main(void)
{
	test_valid();
	test_invalid();
	test_limits();
	test_parse_random();
	test_dir_table();
	test_dir_parse_invalid();
	test_dir_roundtrip_random();
	test_url_dir_roundtrip_random();
	test_dir_parse_random();
	test_hash();
	return test_report("test_url");
}
