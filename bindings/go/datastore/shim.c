#include "shim.h"

#include <stdio.h>

#include "_cgo_export.h"

static void log_cb(void *ud, int level, const char *msg, const ps_log_field *fields, size_t n)
{
	gopsLog((uintptr_t)ud, level, (char *)msg, (ps_log_field *)fields, n);
}

static int probe_cb(void *ud, const ps_probe_result *r)
{
	return gopsProbe((uintptr_t)ud, (ps_probe_result *)r);
}

static int history_cb(void *ud, const ps_history_record *r)
{
	return gopsHistory((uintptr_t)ud, (ps_history_record *)r);
}

int gops_store_open(ps_store **out, const char *base_path, const char *const *kv, size_t n,
                    uintptr_t log_handle, int log_min_level, char *errbuf, size_t cap)
{
	*out = NULL;
	ps_config cfg;
	int rc = ps_config_default(&cfg);
	for (size_t i = 0; !rc && i + 1 < n; i += 2)
		rc = ps_config_set(&cfg, kv[i], kv[i + 1]);
	if (!rc) {
		ps_logger lg;
		ps_logger_default(&lg);
		lg.fn = log_cb;
		lg.ud = (void *)log_handle;
		lg.min_level = log_min_level;
		ps_store_options o;
		ps_store_options_default(&o);
		o.base_path = base_path;
		o.config = &cfg;
		o.logger = log_handle ? &lg : NULL;
		rc = ps_store_open(out, &o);
	}
	if (rc)
		snprintf(errbuf, cap, "%s", ps_errmsg());
	ps_config_free(&cfg);
	return rc;
}

int gops_scan_stream(const char *path, uintptr_t handle, const ps_cancel *cancel)
{
	return ps_scan_stream(path, probe_cb, (void *)handle, cancel);
}

int gops_history_stream(const char *path, uintptr_t handle, const ps_cancel *cancel)
{
	return ps_history_stream(path, history_cb, (void *)handle, cancel);
}

const char *gops_field_str(const ps_log_field *f) { return f->v.s; }
int64_t gops_field_int(const ps_log_field *f) { return f->v.i; }
uint64_t gops_field_uint(const ps_log_field *f) { return f->v.u; }
double gops_field_double(const ps_log_field *f) { return f->v.d; }
int gops_field_bool(const ps_log_field *f) { return f->v.b; }
