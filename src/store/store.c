/* The store handle, cancellation tokens and on-disk naming. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "error.h"

void ps_store_options_default(ps_store_options *o)
{
	memset(o, 0, sizeof *o);
}

int ps_store_open(ps_store **out, const ps_store_options *o)
{
	*out = NULL;
	ps_store_options def;
	if (!o) {
		ps_store_options_default(&def);
		o = &def;
	}
	ps_store *st = calloc(1, sizeof *st);
	if (!st)
		return ps_err_nomem();
	int rc = o->config ? ps_config_copy(&st->cfg, o->config) : ps_config_default(&st->cfg);
	const char *base = o->base_path ? o->base_path : st->cfg.base_path;
	if (!rc && (!base || !*base))
		rc = ps_err(PS_EINVAL, "the store needs a base path");
	if (!rc && !(st->base = strdup(base)))
		rc = ps_err_nomem();
	if (!rc)
		rc = ps_mkdirs(NULL, st->base); /* before any table is set */
	if (!rc)
		rc = ps_urlmutex_mgr_new(&st->urlmutex, true);
	if (rc) {
		ps_store_close(st);
		return rc;
	}
	if (o->logger) {
		st->logger = *o->logger;
		st->has_logger = true;
	}
	*out = st;
	return 0;
}

void ps_store_close(ps_store *st)
{
	if (!st)
		return;
	ps_urlmutex_mgr_free(st->urlmutex);
	ps_config_free(&st->cfg);
	free(st->base);
	free(st);
}

const char *ps_store_base_path(const ps_store *st)
{
	return st->base;
}

const ps_config *ps_store_config(const ps_store *st)
{
	return &st->cfg;
}

const ps_logger *ps_store_logger(const ps_store *st)
{
	return st->has_logger ? &st->logger : NULL;
}

void ps_cancel_request(ps_cancel *c)
{
	__atomic_store_n(&c->requested, 1, __ATOMIC_RELEASE);
}

bool ps_cancel_requested(const ps_cancel *c)
{
	return c && __atomic_load_n(&c->requested, __ATOMIC_ACQUIRE);
}

int ps_store_target_dir(const ps_store *st, const char *root_target, char *buf, size_t cap)
{
	char dir[PS_HOST_PORT_DIR_MAX];
	if (!root_target || !*root_target)
		return ps_err(PS_EINVAL, "a root target is required");
	int rc = ps_target_host_port_dir(root_target, dir, sizeof dir);
	if (rc)
		return rc;
	if ((size_t)snprintf(buf, cap, "%s/probe_results/%s", st->base, dir) >= cap)
		return ps_err(PS_EINVAL, "path too long under %s", st->base);
	return 0;
}

int64_t ps_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ps_scan_name_time(const char *name)
{
	int Y, M, D, h, m, s, n = 0;
	if (sscanf(name, "scan_%4d%2d%2d_%2d%2d%2d%n", &Y, &M, &D, &h, &m, &s, &n) != 6 || n != 20)
		return -1;
	const char *rest = name + n;
	if (*rest == '_') {
		rest++;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (strcmp(rest, ".parquet") != 0)
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60)
		return -1;
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}
