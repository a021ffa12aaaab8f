/* Helpers shared by the file history tests: the store's error messages in
 * failed checks, stores in temporary directories, sanitizer detection. */
#ifndef HISTORY_TEST_H
#define HISTORY_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "parq/parq.h"
#include "probestore/probestore.h"
#include "storage/backend.h"
#include "test.h"

#undef CHECK_OK
#define CHECK_OK(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int ht_rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

static inline void ht_rm_rf(const char *p)
{
	nftw(p, ht_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens a store on base with the defaults changed by the caller's cfg
 * edits (cfg may be NULL). */
static inline ps_store *ht_open(const char *base, void (*edit)(ps_config *))
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	if (edit)
		edit(&cfg);
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = base;
	o.config = &cfg;
	ps_store *st = NULL;
	int rc = ps_store_open(&st, &o);
	if (rc)
		fprintf(stderr, "ps_store_open(%s): %s\n", base, ps_errmsg());
	REQUIRE(rc == 0);
	ps_config_free(&cfg);
	return st;
}

/* Appends pseudo-random 16-digit hex words from seed, each followed by sep,
 * to buf[0..n) until it holds at least min bytes; returns the length.
 * Content that compresses badly, so that files fill up. */
static inline int ht_fill(char *buf, size_t cap, int n, int min, uint64_t seed, const char *sep)
{
	while (n < min)
		n += snprintf(buf + n, cap - (size_t)n, "%016llx%s", (unsigned long long)test_rand(&seed), sep);
	return n;
}

/* A reader of a store file on either backend (a local path or an
 * s3:// object): the checks that look into a file's footer. */
static inline parq_reader *ht_reader(const ps_store *st, const char *path)
{
	parq_reader *r = NULL;
	if (ps_storage_open_reader(st, path, NULL, NULL, &r)) {
		fprintf(stderr, "reading %s: %s\n", path, ps_errmsg());
		return NULL;
	}
	return r;
}

/* The rows of a store file on either backend from its footer; -1 when it
 * does not read. */
static inline int64_t ht_rows(const ps_store *st, const char *path)
{
	parq_reader *r = ht_reader(st, path);
	if (!r)
		return -1;
	int64_t n = parq_reader_num_rows(r);
	parq_reader_close(r);
	return n;
}

/* The size of a store file on either backend; -1 when there is none. */
static inline int64_t ht_size(const ps_store *st, const char *path)
{
	int64_t size = -1;
	if (ps_storage_stat(st, path, &size, NULL))
		return -1;
	return size;
}

static int ht_count_one(void *ud, const ps_entry *e)
{
	(void)e;
	(*(int *)ud)++;
	return 0;
}

/* The entries (files and directories) directly under dir of a store on
 * either backend; 0 for a directory that does not exist, which on object
 * storage is a prefix with no key. */
static inline int ht_entries(const ps_store *st, const char *dir)
{
	int n = 0;
	if (ps_store_list_dir(st, dir, ht_count_one, &n))
		return -1;
	return n;
}

typedef struct ht_suffix_count {
	const char *suffix;
	int n;
} ht_suffix_count;

static int ht_count_suffix(void *ud, const ps_entry *e)
{
	ht_suffix_count *c = ud;
	size_t l = strlen(e->name), s = strlen(c->suffix);
	c->n += !e->is_dir && e->name[0] != '.' && l >= s && strcmp(e->name + l - s, c->suffix) == 0;
	return 0;
}

/* The files directly under dir of a store on either backend whose names
 * end in suffix (hidden ones left out). */
static inline int ht_files(const ps_store *st, const char *dir, const char *suffix)
{
	ht_suffix_count c = {suffix, 0};
	if (ps_store_list_dir(st, dir, ht_count_suffix, &c))
		return -1;
	return c.n;
}

static inline double ht_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
