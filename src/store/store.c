/* The store handle, cancellation tokens and on-disk naming. */
#include "storage/stale_tmp.h"
#include "store_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/atomic_file.h"
#include "storage/backend.h"
#include "scan/probe_rows.h"
#include "error.h"

void ps_store_options_default(ps_store_options *o)
{
	memset(o, 0, sizeof *o);
}

/* With history.cleanup_interval, URL mutexes are kept for reuse and a
 * thread frees the unused ones every interval (the periodic
 * CleanupUnusedMutexes of the Go datastore whose behaviour probestore
 * implements); it sleeps on a condition variable, so closing
 * the store wakes and stops it at once. */
static void *cleaner_run(void *arg)
{
	ps_store *st = arg;
	pthread_mutex_lock(&st->cleaner_lock);
	while (!st->cleaner_stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)st->cfg.history.cleanup_interval_s;
		while (!st->cleaner_stop &&
		       pthread_cond_timedwait(&st->cleaner_cond, &st->cleaner_lock, &until) != ETIMEDOUT)
			;
		if (st->cleaner_stop)
			break;
		pthread_mutex_unlock(&st->cleaner_lock);
		size_t freed = ps_urlmutex_cleanup_unused(st->urlmutex, NULL, 0);
		__atomic_add_fetch(&st->cleaner_runs, 1, __ATOMIC_RELEASE);
		if (freed) {
			ps_log_field f[] = {PS_LOG_INT("freed", (int64_t)freed)};
			ps_log(ps_store_logger(st), PS_LOG_DEBUG, f, 1, "unused URL mutexes freed");
		}
		pthread_mutex_lock(&st->cleaner_lock);
	}
	pthread_mutex_unlock(&st->cleaner_lock);
	return NULL;
}

static int cleaner_start(ps_store *st)
{
	pthread_condattr_t ca;
	int e = pthread_condattr_init(&ca);
	if (!e && !(e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) &&
	    !(e = pthread_cond_init(&st->cleaner_cond, &ca))) {
		if ((e = pthread_mutex_init(&st->cleaner_lock, NULL)))
			pthread_cond_destroy(&st->cleaner_cond);
	}
	pthread_condattr_destroy(&ca);
	if (e)
		return ps_err(PS_EIO, "the URL mutex cleanup: %s", strerror(e));
	if ((e = pthread_create(&st->cleaner, NULL, cleaner_run, st))) {
		pthread_cond_destroy(&st->cleaner_cond);
		pthread_mutex_destroy(&st->cleaner_lock);
		return ps_err(PS_EIO, "cannot start the URL mutex cleanup thread: %s", strerror(e));
	}
	st->has_cleaner = true;
	return 0;
}

static void cleaner_stop(ps_store *st)
{
	if (!st->has_cleaner)
		return;
	pthread_mutex_lock(&st->cleaner_lock);
	st->cleaner_stop = true;
	pthread_cond_signal(&st->cleaner_cond);
	pthread_mutex_unlock(&st->cleaner_lock);
	pthread_join(st->cleaner, NULL);
	pthread_cond_destroy(&st->cleaner_cond);
	pthread_mutex_destroy(&st->cleaner_lock);
	st->has_cleaner = false;
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
	pthread_mutex_init(&st->writer_mu, NULL);
	st->writer_fd = -1;
	st->file_mode = ps_file_mode();
	int rc = o->config ? ps_config_copy(&st->cfg, o->config) : ps_config_default(&st->cfg);
	const char *base = o->base_path ? o->base_path : st->cfg.base_path;
	if (!rc && (!base || !*base))
		rc = ps_err(PS_EINVAL, "the store needs a base path");
	if (!rc)
		rc = ps_backend_open(&st->backend, base, &st->cfg, &st->base);
	if (!rc && !ps_storage_remote(st))
		rc = ps_mkdirs(NULL, st->base); /* before any table is set */
	for (int v = 0; v < 2 && !rc; v++)
		if (!(st->probe_schema[v] = ps_probe_schema_new(v + 1)))
			rc = PS_ENOMEM;
	if (!rc)
		rc = ps_urlmutex_mgr_new(&st->urlmutex, st->cfg.history.enable_url_mutexes);
	if (!rc && st->cfg.history.enable_url_mutexes && st->cfg.history.cleanup_interval_s > 0) {
		ps_urlmutex_mgr_set_keep(st->urlmutex, true);
		rc = cleaner_start(st);
	}
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
	cleaner_stop(st);
	ps_store_writer_release(st);
	pthread_mutex_destroy(&st->writer_mu);
	ps_urlmutex_mgr_free(st->urlmutex);
	for (int v = 0; v < 2; v++)
		parq_schema_free(st->probe_schema[v]);
	if (ps_storage_remote(st)) {
		ps_store_io_stats io;
		ps_store_io_stats_get(st, &io);
		ps_log_field f[] = {PS_LOG_STR("store", st->base), PS_LOG_INT("requests", (int64_t)io.requests),
		                    PS_LOG_INT("retries", (int64_t)io.retries),
		                    PS_LOG_INT("bytes_fetched", (int64_t)io.bytes_fetched),
		                    PS_LOG_INT("bytes_sent", (int64_t)io.bytes_sent)};
		ps_log(ps_store_logger(st), PS_LOG_INFO, f, 5, "object storage traffic");
	}
	ps_config_free(&st->cfg);
	ps_backend_close(st->backend);
	free(st->base);
	free(st);
}

void ps_store_reader_options(const ps_config *cfg, parq_reader_options *ro)
{
	ro->use_mmap = cfg->reader.use_mmap;
	ro->verify_crc = cfg->reader.verify_crc;
	ro->read_size = cfg->reader.buffer_size;
	ro->read_all = cfg->reader.read_all;
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
