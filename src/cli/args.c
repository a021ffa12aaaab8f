/* Command-line arguments: options with values, counts, sizes, times, the
 * output format and root targets. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != 0)
		return 0;
	if (*i + 1 >= argc) {
		cli_usage_error(cmd, "option %s needs a value", name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int cli_parse_count(const char *cmd, const char *opt, const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < 0 || !isdigit((unsigned char)s[0])) {
		cli_usage_error(cmd, "%s expects a non-negative integer, not '%s'", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_size(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
	if (!isdigit((unsigned char)s[0]) || errno)
		goto bad;
	while (*end == ' ')
		end++;
	int shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'B': shift = 0; end++; break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: goto bad;
	}
	if (shift && (*end == 'i' || *end == 'I') && (end[1] == 'b' || end[1] == 'B'))
		end += 2;
	else if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		goto bad;
	*out = (uint64_t)v << shift;
	return 0;
bad:
	cli_usage_error(cmd, "%s expects a size such as 16MiB, 512K or 1048576, not '%s'", opt, s);
	return -1;
}

/* Reads exactly n digits at *p into *v. */
static bool digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int k = 0; k < n; k++) {
		if (!isdigit((unsigned char)(*p)[k]))
			return false;
		x = x * 10 + ((*p)[k] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* Seconds since the epoch of a UTC civil time (proleptic Gregorian). */
static int64_t epoch_seconds(int y, int mo, int d, int h, int mi, int s)
{
	/* days from civil, after Howard Hinnant's algorithm */
	int64_t yy = y - (mo <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + s;
}

int time_parse(const char *s, int64_t *lo, int64_t *hi)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t span_ms; /* the precision the text gives */
	int64_t frac_ms = 0;
	int offset_s = 0;
	size_t len = strlen(s);
	if (len > 0 && len <= 18 && strspn(s, "0123456789") == len) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno)
			return -1;
		*lo = *hi = v;
		return 0;
	}
	if (len == 15 && s[8] == '_') { /* YYYYMMDD_HHMMSS */
		if (!digits(&p, 4, &y) || !digits(&p, 2, &mo) || !digits(&p, 2, &d) || *p++ != '_' || !digits(&p, 2, &h) ||
		    !digits(&p, 2, &mi) || !digits(&p, 2, &sec))
			goto bad;
		span_ms = 1000;
	} else {
		if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
			goto bad;
		span_ms = 86400000;
		if (*p == 'T' || *p == 't' || *p == ' ') {
			p++;
			if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
				goto bad;
			span_ms = 60000;
			if (*p == ':') {
				p++;
				if (!digits(&p, 2, &sec))
					goto bad;
				span_ms = 1000;
				if (*p == '.' || *p == ',') {
					p++;
					int nd = 0;
					int64_t scale = 100;
					while (isdigit((unsigned char)*p)) {
						if (nd < 3)
							frac_ms += (*p - '0') * scale;
						scale /= 10;
						nd++;
						p++;
					}
					if (nd == 0 || nd > 9)
						goto bad;
					span_ms = nd == 1 ? 100 : nd == 2 ? 10 : 1;
				}
			}
			if (*p == 'Z' || *p == 'z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1, oh, om;
				if (!digits(&p, 2, &oh))
					goto bad;
				if (*p == ':')
					p++;
				if (!digits(&p, 2, &om) || oh > 23 || om > 59)
					goto bad;
				offset_s = sign * (oh * 3600 + om * 60);
			}
		}
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		goto bad;
	*lo = (epoch_seconds(y, mo, d, h, mi, sec) - offset_s) * 1000 + frac_ms;
	*hi = *lo + span_ms - 1;
	return 0;
bad:
	return -1;
}

int cli_parse_time(const char *cmd, const char *opt, const char *s, int64_t *lo, int64_t *hi)
{
	if (time_parse(s, lo, hi) == 0)
		return 0;
	cli_usage_error(cmd,
	                "%s expects a time such as 2025-03-01, 2025-03-01T09:00:00Z, 20250301_090000 or Unix "
	                "milliseconds, not '%s'",
	                opt, s);
	return -1;
}

static void civil(int64_t ms, struct tm *tm, int *msec)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	*msec = (int)(ms - secs * 1000);
	time_t t = (time_t)secs;
	gmtime_r(&t, tm);
}

/* The fields as bounded unsigned values: years outside 0..9999 do not
 * occur in scans, and the bounds let the compiler see the buffer suffices. */
#define U2(x) ((unsigned)(x) % 100u)

const char *cli_time_iso(int64_t ms, char *buf)
{
	struct tm tm;
	int msec;
	civil(ms, &tm, &msec);
	snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
	         U2(tm.tm_mon + 1), U2(tm.tm_mday), U2(tm.tm_hour), U2(tm.tm_min), U2(tm.tm_sec),
	         (unsigned)msec % 1000u);
	return buf;
}

const char *cli_time_short(int64_t ms, char *buf)
{
	struct tm tm;
	int msec;
	civil(ms, &tm, &msec);
	snprintf(buf, 32, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)(tm.tm_year + 1900) % 10000u, U2(tm.tm_mon + 1),
	         U2(tm.tm_mday), U2(tm.tm_hour), U2(tm.tm_min), U2(tm.tm_sec));
	if (msec)
		snprintf(buf + 19, 32 - 19, ".%03u", (unsigned)msec % 1000u);
	return buf;
}

int cli_parse_out_format(const char *cmd, const char *s, cli_out_format *out)
{
	if (!s) {
		*out = isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_JSONL;
		return 0;
	}
	if (!strcmp(s, "table"))
		*out = OUT_TABLE;
	else if (!strcmp(s, "jsonl") || !strcmp(s, "json"))
		*out = OUT_JSONL;
	else if (!strcmp(s, "csv"))
		*out = OUT_CSV;
	else {
		cli_usage_error(cmd, "--format must be table, jsonl or csv, not '%s'", s);
		return -1;
	}
	return 0;
}

void cli_no_scans(ps_store *st, const char *target)
{
	ps_url u;
	char want[PS_HOST_PORT_DISPLAY_MAX] = "", first[PS_HOST_PORT_DISPLAY_MAX] = "";
	size_t others = 0;
	if (ps_url_parse_target(target, &u) == 0) {
		ps_host_port_format(u.host, u.port, want, sizeof want);
		/* the same host under other ports (a bare host means https) */
		ps_target_info *t;
		size_t n;
		if (ps_store_list_targets(st, &t, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				char host[PS_URL_HOST_MAX + 1];
				int port;
				if (ps_host_port_dir_parse(t[i].dir, host, sizeof host, &port) || strcmp(host, u.host) ||
				    port == u.port)
					continue;
				if (!others++)
					snprintf(first, sizeof first, "%s", t[i].host_port);
			}
			free(t);
		}
		ps_url_free(&u);
	}
	const char *name = *want ? want : target, *base = ps_store_base_path(st);
	if (others > 1)
		cli_error("no scans of %s in %s; the host has scans on %zu other ports, as %s (see probestore scans)",
		          name, base, others, first);
	else if (others)
		cli_error("no scans of %s in %s; the host has scans as %s (--target %s)", name, base, first, first);
	else
		cli_error("no scans of %s in %s", name, base);
}

int cli_check_target(const char *cmd, const char *opt, const char *target)
{
	ps_url u;
	if (!*target) {
		cli_usage_error(cmd, "%s needs a URL or host, not an empty string", opt);
		return -1;
	}
	if (ps_url_parse_target(target, &u)) {
		cli_usage_error(cmd, "%s: %s", opt, ps_errmsg());
		return -1;
	}
	ps_url_free(&u);
	return 0;
}
