#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parq/parq.h"

static _Thread_local char errbuf[1024];

const char *ps_errmsg(void)
{
	return errbuf;
}

int ps_err(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return code;
}

int ps_err_prefix(int code, const char *fmt, ...)
{
	char pre[512], old[sizeof errbuf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, errbuf, sizeof old);
	/* truncation keeps a valid, shorter string */
	size_t n = strlen(pre), m = strlen(old);
	if (m > sizeof errbuf - 1 - n)
		m = sizeof errbuf - 1 - n;
	memcpy(errbuf, pre, n);
	memcpy(errbuf + n, old, m);
	errbuf[n + m] = 0;
	return code;
}

int ps_err_nomem(void)
{
	return ps_err(PS_ENOMEM, "out of memory");
}

int ps_err_from_parq(int parq_code, const char *ctx)
{
	int code;
	switch (parq_code) {
	case PARQ_ENOMEM: code = PS_ENOMEM; break;
	case PARQ_EIO: code = PS_EIO; break;
	case PARQ_EINVAL: code = PS_EINVAL; break;
	case PARQ_EUNSUPPORTED: code = PS_EUNSUPPORTED; break;
	case PARQ_ELIMIT: code = PS_ELIMIT; break;
	case PARQ_ECANCELED: code = PS_ECANCELED; break;
	default: code = PS_ECORRUPT; break;
	}
	if (ctx)
		return ps_err(code, "%s: %s", ctx, parq_errmsg());
	return ps_err(code, "%s", parq_errmsg());
}

const char *ps_strerror(int code)
{
	static const char *const names[] = {
		"PS_OK", "PS_EIO", "PS_ENOMEM", "PS_EINVAL", "PS_ECORRUPT", "PS_EUNSUPPORTED",
		"PS_ELIMIT", "PS_EEXISTS", "PS_ECANCELED", "PS_ENOTFOUND", "PS_ECONFIG", "PS_ECONFLICT",
	};
	return code <= 0 && code > -(int)(sizeof names / sizeof *names) ? names[-code] : "unknown";
}

const char *ps_version(void)
{
	return PS_VERSION_STRING;
}
