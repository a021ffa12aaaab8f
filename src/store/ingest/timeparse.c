/* Times as ingest and the command line read them: RFC 3339 and the
 * shorter forms people type (see ps_time_parse in probestore/ingest.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probestore/probestore.h"

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

int ps_time_parse(const char *s, int64_t *lo, int64_t *hi)
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

