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

int cli_args_parse(const char *cmd, const char *sub, int argc, char **argv, int first, const cli_optdef *defs,
                   size_t n, const char **operand, const char *extra)
{
	char full[64];
	snprintf(full, sizeof full, "%s%s%s", cmd, sub ? " " : "", sub ? sub : "");
	const char *for_ = sub ? " for " : "", *which = sub ? sub : "";
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		int m = 0;
		for (size_t k = 0; k < n && !m; k++) {
			if (defs[k].value) {
				m = cli_opt(sub ? full : cmd, argc, argv, &i, defs[k].name, defs[k].value);
			} else if (!strcmp(a, defs[k].name)) {
				*defs[k].flag = true;
				m = 1;
			}
		}
		if (m < 0)
			return EXIT_USAGE;
		if (m)
			continue;
		if (a[0] == '-' && a[1])
			return cli_usage_error(cmd, "unknown option '%s'%s%s", a, for_, which);
		if (operand && !*operand)
			*operand = a;
		else if (operand && extra)
			return cli_usage_error(cmd, "%s", extra);
		else
			return cli_usage_error(cmd, "unexpected argument '%s'%s%s", a, for_, which);
	}
	return 0;
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

int time_parse(const char *s, int64_t *lo, int64_t *hi)
{
	return ps_time_parse(s, lo, hi);
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
