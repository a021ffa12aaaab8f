/* Logging: level names, line formats (checked by parsing the JSON with
 * jansson), the callback, and the default logger through a pipe, from
 * several threads at once. */
#include "probestore/probestore.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "test.h"

#define CHECK_STREQ(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
	if (!_a || strcmp(_a, _b) != 0) { test_failures++; fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", \
	__FILE__, __LINE__, _a ? _a : "(null)", _b); } } while (0)

/* 2026-11-25T03:14:15.123Z */
static const struct timespec TS = { 1795576455, 123456789 };

static json_t *parse_line(const char *line)
{
	json_error_t err;
	json_t *j = json_loads(line, 0, &err);
	if (!j)
		fprintf(stderr, "not JSON (%s): %s\n", err.text, line);
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_levels(void)
{
	CHECK_EQ_INT(ps_log_level_parse("debug"), PS_LOG_DEBUG);
	CHECK_EQ_INT(ps_log_level_parse("INFO"), PS_LOG_INFO);
	CHECK_EQ_INT(ps_log_level_parse("warn"), PS_LOG_WARN);
	CHECK_EQ_INT(ps_log_level_parse("Warning"), PS_LOG_WARN);
	CHECK_EQ_INT(ps_log_level_parse("error"), PS_LOG_ERROR);
	CHECK_EQ_INT(ps_log_level_parse("fatal"), PS_LOG_ERROR);
	CHECK_EQ_INT(ps_log_level_parse("panic"), PS_LOG_ERROR);
	CHECK_EQ_INT(ps_log_level_parse("trace"), PS_LOG_DEBUG);
	CHECK_EQ_INT(ps_log_level_parse("off"), PS_LOG_OFF);
	CHECK_EQ_INT(ps_log_level_parse("disabled"), PS_LOG_OFF);
	CHECK_EQ_INT(ps_log_level_parse("verbose"), PS_EINVAL);
	CHECK_EQ_INT(ps_log_level_parse(""), PS_EINVAL);
	CHECK_EQ_INT(ps_log_level_parse(NULL), PS_EINVAL);
	CHECK(strcmp(ps_log_level_name(PS_LOG_DEBUG), "debug") == 0);
	CHECK(strcmp(ps_log_level_name(PS_LOG_INFO), "info") == 0);
	CHECK(strcmp(ps_log_level_name(PS_LOG_WARN), "warn") == 0);
	CHECK(strcmp(ps_log_level_name(PS_LOG_ERROR), "error") == 0);
	CHECK(strcmp(ps_log_level_name(99), "unknown") == 0);
	for (int l = PS_LOG_DEBUG; l <= PS_LOG_OFF; l++)
		CHECK_EQ_INT(ps_log_level_parse(ps_log_level_name(l)), l);

	ps_log_format f = PS_LOG_FORMAT_JSON;
	CHECK_EQ_INT(ps_log_format_parse("console", &f), 0);
	CHECK_EQ_INT(f, PS_LOG_FORMAT_CONSOLE);
	CHECK_EQ_INT(ps_log_format_parse("JSON", &f), 0);
	CHECK_EQ_INT(f, PS_LOG_FORMAT_JSON);
	CHECK_EQ_INT(ps_log_format_parse("text", &f), 0);
	CHECK_EQ_INT(f, PS_LOG_FORMAT_CONSOLE);
	CHECK_EQ_INT(ps_log_format_parse("xml", &f), PS_EINVAL);

	ps_logger lg;
	ps_logger_default(&lg);
	CHECK(lg.fn == NULL);
	CHECK_EQ_INT(lg.min_level, PS_LOG_INFO);
	CHECK_EQ_INT(lg.format, PS_LOG_FORMAT_CONSOLE);
	CHECK_EQ_INT(lg.fd, 2);
	CHECK(!ps_log_enabled(&lg, PS_LOG_DEBUG));
	CHECK(ps_log_enabled(&lg, PS_LOG_INFO));
	CHECK(ps_log_enabled(&lg, PS_LOG_ERROR));
	CHECK(!ps_log_enabled(&lg, PS_LOG_OFF));
	CHECK(!ps_log_enabled(NULL, PS_LOG_ERROR));
}

static void test_json_line(void)
{
	char buf[1024];
	ps_log_field f[] = {
		PS_LOG_STR("path", "/data/probe_results/example.com_443/scan_20261125_031415.parquet"),
		PS_LOG_INT("records", -42),
		PS_LOG_UINT("bytes", 9007199254740993u),
		PS_LOG_DOUBLE("secs", 0.1),
		PS_LOG_BOOL("ok", true),
		PS_LOG_STR("none", NULL),
		PS_LOG_DOUBLE("nan", NAN),
		PS_LOG_DOUBLE("inf", -INFINITY),
		PS_LOG_STR("tricky \"key\"", "quote \" backslash \\ nl \n tab \t ctl \x01 del \x7f e\xc3\xa9 bad \xff end"),
		PS_LOG_STR("surrogate", "\xed\xa0\x80"),
		PS_LOG_STR("overlong", "\xc0\xaf"),
		PS_LOG_STR("emoji", "\xf0\x9f\x90\x99"),
	};
	size_t n = ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_JSON, &TS, PS_LOG_WARN,
	                              "wrote \"scan\"\nsecond line", f, sizeof f / sizeof f[0]);
	CHECK_EQ_INT(n, strlen(buf));
	REQUIRE(n > 0 && buf[n - 1] == '\n');
	CHECK(memchr(buf, '\n', n - 1) == NULL); /* one line */
	CHECK(strncmp(buf, "{\"ts\":\"2026-11-25T03:14:15.123Z\",\"level\":\"warn\",\"msg\":", 54) == 0);
	json_t *j = parse_line(buf);
	REQUIRE(j);
	CHECK(strcmp(jstr(j, "ts"), "2026-11-25T03:14:15.123Z") == 0);
	CHECK(strcmp(jstr(j, "level"), "warn") == 0);
	CHECK(strcmp(jstr(j, "msg"), "wrote \"scan\"\nsecond line") == 0);
	CHECK(strcmp(jstr(j, "path"), "/data/probe_results/example.com_443/scan_20261125_031415.parquet") == 0);
	CHECK(json_is_integer(json_object_get(j, "records")));
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "records")), -42);
	CHECK(json_integer_value(json_object_get(j, "bytes")) == 9007199254740993);
	CHECK(json_is_real(json_object_get(j, "secs")));
	CHECK(json_real_value(json_object_get(j, "secs")) == 0.1);
	CHECK(strstr(buf, "\"secs\":0.1,") != NULL);
	CHECK(json_is_true(json_object_get(j, "ok")));
	CHECK(json_is_null(json_object_get(j, "none")));
	CHECK(strcmp(jstr(j, "nan"), "NaN") == 0);
	CHECK(strcmp(jstr(j, "inf"), "-Infinity") == 0);
	const char *t = jstr(j, "tricky \"key\"");
	REQUIRE(t);
	CHECK(strcmp(t, "quote \" backslash \\ nl \n tab \t ctl \x01 del \x7f e\xc3\xa9 bad \xef\xbf\xbd end") == 0);
	CHECK(strstr(buf, "\\u0001") != NULL);
	CHECK(strcmp(jstr(j, "surrogate"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0);
	CHECK(strcmp(jstr(j, "overlong"), "\xef\xbf\xbd\xef\xbf\xbd") == 0);
	CHECK(strcmp(jstr(j, "emoji"), "\xf0\x9f\x90\x99") == 0);
	CHECK_EQ_INT(json_object_size(j), 3 + sizeof f / sizeof f[0]);
	json_decref(j);

	/* snprintf semantics: the full length back, a truncated NUL-terminated text */
	char small[16];
	size_t n2 = ps_log_format_line(small, sizeof small, PS_LOG_FORMAT_JSON, &TS, PS_LOG_WARN,
	                               "wrote \"scan\"\nsecond line", f, sizeof f / sizeof f[0]);
	CHECK_EQ_INT(n2, n);
	CHECK_EQ_INT(strlen(small), sizeof small - 1);
	CHECK(memcmp(small, buf, sizeof small - 1) == 0);
	CHECK_EQ_INT(ps_log_format_line(NULL, 0, PS_LOG_FORMAT_JSON, &TS, PS_LOG_WARN,
	                                "wrote \"scan\"\nsecond line", f, sizeof f / sizeof f[0]), n);

	/* jansson's integers are signed: the largest unsigned one by its text */
	ps_log_field u = PS_LOG_UINT("bytes", UINT64_MAX);
	ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_JSON, &TS, PS_LOG_INFO, "m", &u, 1);
	CHECK(strstr(buf, ",\"bytes\":18446744073709551615}\n") != NULL);

	/* no fields, a NULL message */
	n = ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_JSON, &TS, PS_LOG_DEBUG, NULL, NULL, 0);
	CHECK(strcmp(buf, "{\"ts\":\"2026-11-25T03:14:15.123Z\",\"level\":\"debug\",\"msg\":\"\"}\n") == 0);
	CHECK_EQ_INT(n, strlen(buf));
}

static void test_console_line(void)
{
	char buf[1024];
	ps_log_field f[] = {
		PS_LOG_STR("key", "value"),
		PS_LOG_INT("n", 42),
		PS_LOG_STR("s", "a b"),
		PS_LOG_STR("q", "say \"hi\""),
		PS_LOG_STR("e", ""),
		PS_LOG_STR("eq", "a=b"),
		PS_LOG_STR("nl", "x\ny"),
		PS_LOG_BOOL("b", false),
		PS_LOG_STR("null", NULL),
		PS_LOG_DOUBLE("d", 2.5),
		PS_LOG_STR("bad", "\xff"),
		PS_LOG_STR("my key", "v"),
	};
	ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_CONSOLE, &TS, PS_LOG_INFO, "hello", f, 10);
	CHECK_STREQ(buf, "2026-11-25T03:14:15Z INFO hello key=value n=42 s=\"a b\" q=\"say \\\"hi\\\"\" e=\"\" "
	                 "eq=\"a=b\" nl=\"x\\ny\" b=false null=null d=2.5\n");
	ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_CONSOLE, &TS, PS_LOG_ERROR, "two\nlines\tand \x1b[31mred",
	                   f + 10, 2);
	CHECK_STREQ(buf, "2026-11-25T03:14:15Z ERROR two\\nlines\\tand \\x1b[31mred bad=\xef\xbf\xbd \"my key\"=v\n");
	ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_CONSOLE, &TS, PS_LOG_DEBUG, "m", NULL, 0);
	CHECK(strcmp(buf, "2026-11-25T03:14:15Z DEBUG m\n") == 0);
	ps_log_format_line(buf, sizeof buf, PS_LOG_FORMAT_CONSOLE, &TS, PS_LOG_WARN, "m", NULL, 0);
	CHECK(strcmp(buf, "2026-11-25T03:14:15Z WARN m\n") == 0);
}

/* ---- callback ------------------------------------------------------------ */

typedef struct capture {
	int calls;
	int level;
	char msg[8192];
	size_t n_fields;
	char first_key[64];
	char first_val[64];
	int64_t second_int;
} capture;

static void capture_fn(void *ud, int level, const char *msg, const ps_log_field *fields, size_t n)
{
	capture *c = ud;
	c->calls++;
	c->level = level;
	snprintf(c->msg, sizeof c->msg, "%s", msg);
	c->n_fields = n;
	c->first_key[0] = c->first_val[0] = 0;
	if (n > 0 && fields[0].type == PS_LOG_FIELD_STR) {
		snprintf(c->first_key, sizeof c->first_key, "%s", fields[0].key);
		snprintf(c->first_val, sizeof c->first_val, "%s", fields[0].v.s);
	}
	if (n > 1 && fields[1].type == PS_LOG_FIELD_INT)
		c->second_int = fields[1].v.i;
}

static void test_callback(void)
{
	capture c = { 0 };
	ps_logger lg;
	ps_logger_default(&lg);
	lg.fn = capture_fn;
	lg.ud = &c;
	lg.min_level = PS_LOG_WARN;

	ps_log_field f[] = { PS_LOG_STR("target", "https://example.com"), PS_LOG_INT("records", 1234) };
	ps_log(&lg, PS_LOG_INFO, f, 2, "dropped %d", 1);
	CHECK_EQ_INT(c.calls, 0);
	ps_log(&lg, PS_LOG_WARN, f, 2, "wrote %d records to %s", 1234, "scan.parquet");
	CHECK_EQ_INT(c.calls, 1);
	CHECK_EQ_INT(c.level, PS_LOG_WARN);
	CHECK(strcmp(c.msg, "wrote 1234 records to scan.parquet") == 0);
	CHECK_EQ_INT(c.n_fields, 2);
	CHECK(strcmp(c.first_key, "target") == 0);
	CHECK(strcmp(c.first_val, "https://example.com") == 0);
	CHECK_EQ_INT(c.second_int, 1234);
	ps_log(&lg, PS_LOG_ERROR, NULL, 5, "no fields");
	CHECK_EQ_INT(c.calls, 2);
	CHECK_EQ_INT(c.n_fields, 0);

	/* messages longer than the internal buffer arrive whole */
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	ps_log(&lg, PS_LOG_ERROR, NULL, 0, "<%s>", big);
	CHECK_EQ_INT(strlen(c.msg), sizeof big + 1);
	CHECK(c.msg[0] == '<' && c.msg[sizeof big] == '>');

	/* out-of-range levels and OFF */
	ps_log(&lg, 42, NULL, 0, "nope");
	ps_log(&lg, -1, NULL, 0, "nope");
	CHECK_EQ_INT(c.calls, 3);
	lg.min_level = PS_LOG_OFF;
	ps_log(&lg, PS_LOG_ERROR, NULL, 0, "silenced");
	CHECK_EQ_INT(c.calls, 3);
	lg.min_level = PS_LOG_DEBUG;
	ps_log(&lg, PS_LOG_DEBUG, NULL, 0, "debug %s", "on");
	CHECK_EQ_INT(c.calls, 4);
	CHECK(strcmp(c.msg, "debug on") == 0);

	ps_log(NULL, PS_LOG_ERROR, f, 2, "no logger, no output");
}

/* ---- default logger ------------------------------------------------------ */

/* Reads everything currently in a pipe (writer side already closed). */
static char *slurp(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	REQUIRE(buf);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			REQUIRE(buf);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	return buf;
}

static void test_default_pipe(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	ps_logger lg;
	ps_logger_default(&lg);
	lg.fd = p[1];
	lg.format = PS_LOG_FORMAT_JSON;
	lg.min_level = PS_LOG_DEBUG;
	ps_log_field f[] = { PS_LOG_STR("url", "https://example.com/a?b=\"c\""), PS_LOG_UINT("rows", 7) };
	ps_log(&lg, PS_LOG_INFO, f, 2, "stored %s", "record");
	char big[3000];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = 0;
	ps_log_field fb[] = { PS_LOG_STR("big", big) };
	ps_log(&lg, PS_LOG_ERROR, fb, 1, "big one");
	lg.format = PS_LOG_FORMAT_CONSOLE;
	ps_log(&lg, PS_LOG_WARN, f, 1, "console");
	close(p[1]);
	char *out = slurp(p[0]);
	close(p[0]);

	char *save = NULL;
	char *line1 = strtok_r(out, "\n", &save);
	char *line2 = strtok_r(NULL, "\n", &save);
	char *line3 = strtok_r(NULL, "\n", &save);
	REQUIRE(line1 && line2 && line3);
	CHECK(strtok_r(NULL, "\n", &save) == NULL);
	json_t *j = parse_line(line1);
	REQUIRE(j);
	const char *ts = jstr(j, "ts");
	REQUIRE(ts);
	/* 2026-11-25T03:14:15.123Z */
	CHECK_EQ_INT(strlen(ts), 24);
	CHECK(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' && ts[13] == ':' && ts[16] == ':' && ts[19] == '.' &&
	      ts[23] == 'Z');
	CHECK(strcmp(jstr(j, "level"), "info") == 0);
	CHECK(strcmp(jstr(j, "msg"), "stored record") == 0);
	CHECK(strcmp(jstr(j, "url"), "https://example.com/a?b=\"c\"") == 0);
	CHECK_EQ_INT(json_integer_value(json_object_get(j, "rows")), 7);
	json_decref(j);
	j = parse_line(line2);
	REQUIRE(j);
	CHECK(strcmp(jstr(j, "level"), "error") == 0);
	CHECK(strcmp(jstr(j, "big"), big) == 0);
	json_decref(j);
	CHECK(strlen(line3) > 21);
	CHECK(line3[10] == 'T' && line3[19] == 'Z' && line3[20] == ' ');
	CHECK(strcmp(line3 + 21, "WARN console url=\"https://example.com/a?b=\\\"c\\\"\"") == 0);
	free(out);
}

/* The default fd is stderr: swap a pipe in for fd 2 for one event. */
static void test_default_stderr(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	fflush(stderr);
	int saved = dup(2);
	REQUIRE(saved >= 0);
	REQUIRE(dup2(p[1], 2) == 2);
	ps_logger lg;
	ps_logger_default(&lg);
	ps_log(&lg, PS_LOG_INFO, NULL, 0, "to stderr");
	ps_log(&lg, PS_LOG_DEBUG, NULL, 0, "below the minimum");
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	char *out = slurp(p[0]);
	close(p[0]);
	size_t n = strlen(out);
	CHECK(n > 21);
	CHECK(strcmp(out + 20, " INFO to stderr\n") == 0);
	CHECK(out[10] == 'T' && out[19] == 'Z');
	free(out);
}

/* ---- threads ----------------------------------------------------------- */

enum { THREADS = 4, PER_THREAD = 500 };

typedef struct writer_arg {
	const ps_logger *lg;
	int id;
} writer_arg;

static void *writer_main(void *p)
{
	writer_arg *a = p;
	char pad[200];
	memset(pad, 'a' + a->id, sizeof pad - 1);
	pad[sizeof pad - 1] = 0;
	for (int i = 0; i < PER_THREAD; i++) {
		ps_log_field f[] = { PS_LOG_INT("thread", a->id), PS_LOG_INT("seq", i), PS_LOG_STR("pad", pad) };
		ps_log(a->lg, PS_LOG_INFO, f, 3, "event %d of thread %d", i, a->id);
	}
	return NULL;
}

typedef struct reader_arg {
	int fd;
	char *out;
} reader_arg;

static void *reader_main(void *p)
{
	reader_arg *a = p;
	a->out = slurp(a->fd);
	return NULL;
}

static void test_threads(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0);
	ps_logger lg;
	ps_logger_default(&lg);
	lg.fd = p[1];
	lg.format = PS_LOG_FORMAT_JSON;
	reader_arg ra = { p[0], NULL };
	pthread_t rt, wt[THREADS];
	writer_arg wa[THREADS];
	REQUIRE(pthread_create(&rt, NULL, reader_main, &ra) == 0);
	for (int t = 0; t < THREADS; t++) {
		wa[t].lg = &lg;
		wa[t].id = t;
		REQUIRE(pthread_create(&wt[t], NULL, writer_main, &wa[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(wt[t], NULL);
	close(p[1]);
	pthread_join(rt, NULL);
	close(p[0]);

	static int seen[THREADS][PER_THREAD];
	int lines = 0, bad = 0;
	int next[THREADS] = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(ra.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		json_t *j = json_loads(line, 0, NULL);
		if (!j) {
			bad++;
			continue;
		}
		int t = (int)json_integer_value(json_object_get(j, "thread"));
		int s = (int)json_integer_value(json_object_get(j, "seq"));
		const char *pad = jstr(j, "pad");
		if (t < 0 || t >= THREADS || s < 0 || s >= PER_THREAD || !pad || strlen(pad) != 199 ||
		    pad[0] != 'a' + t) {
			bad++;
		} else {
			seen[t][s]++;
			/* one thread's events keep their order */
			if (s != next[t])
				bad++;
			next[t] = s + 1;
		}
		json_decref(j);
	}
	CHECK_EQ_INT(lines, THREADS * PER_THREAD);
	CHECK_EQ_INT(bad, 0);
	int missing = 0;
	for (int t = 0; t < THREADS; t++)
		for (int s = 0; s < PER_THREAD; s++)
			missing += seen[t][s] != 1;
	CHECK_EQ_INT(missing, 0);
	free(ra.out);
}

int main(void)
{
	test_levels();
	test_json_line();
	test_console_line();
	test_callback();
	test_default_pipe();
	test_default_stderr();
	test_threads();
	return test_report("test_log");
}
