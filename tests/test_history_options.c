/* The seed's history and store settings that the store keeps: the history
 * files' codec, the per-URL mutexes (freed with their last release, or
 * kept and cleaned up every cleanup_interval), rotation before a file
 * passes max_file_size, host names with history, a distinct "not found"
 * for the last record, and a cancelled first scan that leaves no empty
 * target directory. */
#include <sys/stat.h>
#include <unistd.h>

#include "history_test.h"
#include "history/history_internal.h"
#include "parq/meta.h"
#include "store_internal.h"

static char base[] = "/tmp/ps_hopts_XXXXXX";
static char sbase[512]; /* the stores: base, or its place in the bucket */

/* Version v of url: len bytes that do not compress, or with text set,
 * that compress under every codec (a page that does not shrink is stored
 * uncompressed, whatever the codec). */
static void store_version(ps_store *st, const char *url, int v, size_t len, bool text)
{
	char *content = malloc(len + 1);
	uint64_t seed = (uint64_t)v * 7919 + 1;
	for (size_t i = 0; i < len; i++)
		content[i] = text ? "function f(x) { return x + 1; }\n"[i % 33] : (char)(test_rand(&seed) & 0xff);
	char hash[32];
	snprintf(hash, sizeof hash, text ? "t%d" : "h%d", v);
	ps_history_record r = {.url = url, .timestamp_ms = 1700000000000 + v, .hash = hash,
	                       .content = (const uint8_t *)content, .content_len = len};
	CHECK_OK(ps_history_store(st, &r, NULL));
	free(content);
}

static void store_one(ps_store *st, const char *url, int v, size_t len)
{
	store_version(st, url, v, len, false);
}

static int file_codec(const ps_store *st, const char *path)
{
	parq_reader *r = ht_reader(st, path);
	if (!r)
		return -100;
	const parq_file_meta *m = parq_reader_metadata(r);
	int c = m->n_row_groups ? (int)m->row_groups[0].columns[PS_H_CONTENT].meta.codec : -101;
	parq_reader_close(r);
	return c;
}

static const char *yaml_codec;

static void edit_yaml(ps_config *c)
{
	REQUIRE(ps_config_load_string(c, yaml_codec, "test.yaml") == 0);
}

static void codecs(void)
{
	static const struct {
		const char *yaml;
		int codec;
	} cases[] = {
		/* history follows the store's codec unless it has its own */
		{"storage_config:\n  compression_codec: zstd\n", PARQ_CODEC_ZSTD},
		{"storage_config:\n  compression_codec: gzip\n", PARQ_CODEC_GZIP},
		{"storage_config:\n  compression_codec: gzip\n  file_history:\n    compression_codec: snappy\n",
		 PARQ_CODEC_SNAPPY},
		{"storage_config:\n  file_history:\n    compression_codec: brotli\n", PARQ_CODEC_BROTLI},
		/* auto by size: a small history file is snappy */
		{"storage_config:\n  file_history:\n    compression_codec: auto\n", PARQ_CODEC_SNAPPY},
		{"storage_config:\n  file_history:\n    compression_codec: zstd\n    enable_compression: false\n",
		 PARQ_CODEC_UNCOMPRESSED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char dir[600], path[4096];
		snprintf(dir, sizeof dir, "%s/codec%zu", sbase, i);
		yaml_codec = cases[i].yaml;
		ps_store *st = ht_open(dir, edit_yaml);
		store_version(st, "https://example.com/app.js", 1, 3000, true);
		CHECK_OK(ps_history_path(st, "https://example.com/app.js", path, sizeof path));
		int got = file_codec(st, path);
		if (got != cases[i].codec)
			fprintf(stderr, "case %zu (%s): codec %d, expected %d\n", i, cases[i].yaml, got, cases[i].codec);
		CHECK_EQ_INT(got, cases[i].codec);
		ps_store_close(st);
	}
	/* the environment sets it too; a bad name is refused with the variable */
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	CHECK_EQ_INT(cfg.history.compression_codec, PS_CODEC_CONFIG);
	char *env[] = {"PROBESTORE_HISTORY_CODEC=lz4_raw", NULL};
	CHECK_OK(ps_config_apply_env(&cfg, env));
	CHECK_EQ_INT(cfg.history.compression_codec, PARQ_CODEC_LZ4_RAW);
	char *bad[] = {"PROBESTORE_HISTORY_CODEC=lzma", NULL};
	CHECK_EQ_INT(ps_config_apply_env(&cfg, bad), PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "PROBESTORE_HISTORY_CODEC"));
	ps_config_free(&cfg);
}

static void mutex_options(void)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	CHECK(cfg.history.enable_url_mutexes);
	CHECK_EQ_INT(cfg.history.cleanup_interval_s, 0);
	CHECK_OK(ps_config_load_string(&cfg,
	                               "storage_config:\n  file_history:\n    enable_url_mutexes: false\n"
	                               "    cleanup_interval: 300\n",
	                               "m.yaml"));
	CHECK(!cfg.history.enable_url_mutexes);
	CHECK_EQ_INT(cfg.history.cleanup_interval_s, 300);
	char *env[] = {"PROBESTORE_URL_MUTEXES=true", "PROBESTORE_MUTEX_CLEANUP_INTERVAL=1", NULL};
	CHECK_OK(ps_config_apply_env(&cfg, env));
	CHECK(cfg.history.enable_url_mutexes);
	CHECK_EQ_INT(cfg.history.cleanup_interval_s, 1);
	CHECK_EQ_INT(ps_config_load_string(&cfg, "storage_config:\n  file_history:\n    cleanup_interval: -1\n", "m.yaml"),
	             PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "cleanup_interval"));
	ps_config_free(&cfg);

	/* default: a URL's mutex goes with its last release */
	char dir[600];
	snprintf(dir, sizeof dir, "%s/mutex", sbase);
	ps_store *st = ht_open(dir, NULL);
	store_one(st, "https://example.com/a.js", 1, 100);
	store_one(st, "https://example.com/b.js", 2, 100);
	CHECK_EQ_INT(ps_urlmutex_count(st->urlmutex), 0);
	CHECK(!st->has_cleaner);
	ps_store_close(st);
}

static void edit_cleanup(ps_config *c)
{
	c->history.cleanup_interval_s = 1;
}

static void edit_no_mutexes(ps_config *c)
{
	c->history.enable_url_mutexes = false;
}

static void mutex_cleanup_thread(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/cleanup", sbase);
	ps_store *st = ht_open(dir, edit_cleanup);
	CHECK(st->has_cleaner);
	store_one(st, "https://example.com/a.js", 1, 100);
	store_one(st, "https://example.com/b.js", 2, 100);
	/* kept for reuse until the next cleanup, within about a second */
	size_t kept = ps_urlmutex_count(st->urlmutex);
	uint64_t runs = __atomic_load_n(&st->cleaner_runs, __ATOMIC_ACQUIRE);
	double t0 = ht_now();
	while (ps_urlmutex_count(st->urlmutex) && ht_now() - t0 < 10)
		usleep(20000);
	double waited = ht_now() - t0;
	/* kept unless a cleanup ran between the stores and the count */
	CHECK(kept == 2 || __atomic_load_n(&st->cleaner_runs, __ATOMIC_ACQUIRE) > runs);
	CHECK_EQ_INT(ps_urlmutex_count(st->urlmutex), 0);
	CHECK(waited < 5);
	CHECK(__atomic_load_n(&st->cleaner_runs, __ATOMIC_ACQUIRE) >= 1);
	double c0 = ht_now();
	ps_store_close(st); /* wakes the thread at once */
	CHECK(ht_now() - c0 < 0.5);

	/* without URL mutexes, writers of one URL still take turns (the lock
	 * files) and every version is kept */
	snprintf(dir, sizeof dir, "%s/nomutex", sbase);
	st = ht_open(dir, edit_no_mutexes);
	for (int v = 0; v < 5; v++)
		store_one(st, "https://example.com/a.js", v, 100);
	CHECK_EQ_INT(ps_urlmutex_count(st->urlmutex), 0);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, "https://example.com/a.js", 0, &set));
	CHECK_EQ_INT(set.n, 5);
	ps_history_set_free(&set);
	ps_store_close(st);
}

static void edit_small_files(ps_config *c)
{
	c->history.max_file_size = 20000;
	c->history.compaction_threshold = 0;
}

typedef struct sizes {
	const ps_store *st;
	const char *dir;
	int64_t max;
	int n;
} sizes;

static int check_sizes(const ps_store *st, const char *dir, int64_t max);

static int check_one_size(void *ud, const ps_entry *e)
{
	sizes *z = ud;
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", z->dir, e->name);
	if (e->is_dir) {
		if (!strcmp(e->name, "archive"))
			z->n += check_sizes(z->st, p, z->max);
		return 0;
	}
	size_t l = strlen(e->name);
	if (e->name[0] == '.' || l < 8 || strcmp(e->name + l - 8, ".parquet"))
		return 0;
	z->n++;
	parq_reader *r = ht_reader(z->st, p);
	CHECK(r != NULL);
	int64_t rows = r ? parq_reader_num_rows(r) : 0;
	if (r)
		parq_reader_close(r);
	if (e->size > z->max && rows > 1)
		fprintf(stderr, "%s: %lld bytes, %lld records, over the maximum of %lld\n", p, (long long)e->size,
		        (long long)rows, (long long)z->max);
	CHECK(e->size <= z->max || rows == 1);
	return 0;
}

/* Checks every .parquet file of dir (and its archive) in the store against
 * max: a file past it must hold a single record. Returns the number of
 * files. */
static int check_sizes(const ps_store *st, const char *dir, int64_t max)
{
	sizes z = {st, dir, max, 0};
	CHECK_OK(ps_store_list_dir(st, dir, check_one_size, &z));
	return z.n;
}

static void rotation(void)
{
	char dir[600], path[4096];
	snprintf(dir, sizeof dir, "%s/rotate", sbase);
	ps_store *st = ht_open(dir, edit_small_files);
	const char *url = "https://example.com/big.js";
	CHECK_OK(ps_history_path(st, url, path, sizeof path));
	*strrchr(path, '/') = 0;
	/* incompressible versions of 300 to 1,100 bytes: the row group, its
	 * page headers, statistics and footer entry add several hundred bytes
	 * a record, which the record's own bytes do not count */
	for (int v = 0; v < 150; v++) {
		store_one(st, url, v, 300 + (size_t)(v * 337 % 800));
		check_sizes(st, path, 20000);
	}
	int files = check_sizes(st, path, 20000);
	CHECK(files >= 5);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, url, 0, &set));
	CHECK_EQ_INT(set.n, 150);
	ps_history_set_free(&set);
	/* a record larger than the maximum still gets a file of its own */
	store_one(st, url, 1000, 30000);
	ps_history_record *last = NULL;
	CHECK_OK(ps_history_last(st, url, &last));
	CHECK(last && last->content_len == 30000);
	ps_history_record_free(last);
	check_sizes(st, path, 20000);
	ps_store_close(st);
}

static void hostnames_and_not_found(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/hosts", sbase);
	ps_store *st = ht_open(dir, NULL);
	store_one(st, "https://example.com/a.js", 1, 100);
	store_one(st, "http://example.com:8080/a.js", 2, 100);
	store_one(st, "http://[::1]:8080/b.js", 3, 100);
	store_one(st, "https://App.Example.NET/c.js", 4, 100);
	char **h;
	size_t n;
	CHECK_OK(ps_history_hostnames(st, &h, &n));
	const char *want[] = {"::1", "app.example.net", "example.com"};
	CHECK_EQ_INT(n, 3);
	for (size_t i = 0; i < n && i < 3; i++) {
		if (strcmp(h[i], want[i]))
			fprintf(stderr, "hostname %zu: '%s', expected '%s'\n", i, h[i], want[i]);
		CHECK(!strcmp(h[i], want[i]));
	}
	ps_history_hosts_free(h, n);
	CHECK_OK(ps_history_hosts(st, &h, &n));
	const char *hp[] = {"[::1]:8080", "app.example.net:443", "example.com:443", "example.com:8080"};
	CHECK_EQ_INT(n, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		CHECK(!strcmp(h[i], hp[i]));
	ps_history_hosts_free(h, n);

	/* the last record of a URL without history: PS_ENOTFOUND, whether its
	 * host has history or not */
	const char *unknown[] = {"https://example.com/none.js", "https://nohistory.example.org/x.js"};
	for (int i = 0; i < 2; i++) {
		ps_history_record *r = (ps_history_record *)&r;
		CHECK_EQ_INT(ps_history_last(st, unknown[i], &r), PS_ENOTFOUND);
		char hash[80];
		CHECK_EQ_INT(ps_history_last_hash(st, unknown[i], hash, sizeof hash), PS_ENOTFOUND);
	}
	ps_history_record *r = NULL;
	CHECK_OK(ps_history_last(st, "https://example.com/a.js", &r));
	CHECK(r && !strcmp(r->hash, "h1"));
	ps_history_record_free(r);
	ps_store_close(st);
}

static void cancelled_scan(void)
{
	char dir[600], target[4096];
	snprintf(dir, sizeof dir, "%s/scans", sbase);
	ps_store *st = ht_open(dir, NULL);
	ps_probe_result pr;
	memset(&pr, 0, sizeof pr);
	pr.input_url = "https://shop.example.com/";
	pr.status_code = 200;
	ps_cancel cancel = {0};
	ps_cancel_request(&cancel);
	ps_scan_options so;
	ps_scan_options_default(&so);
	so.root_target = "shop.example.com";
	so.cancel = &cancel;
	CHECK_EQ_INT(ps_scan_write(st, &so, &pr, 1, NULL), PS_ECANCELED);
	/* nothing under the target's directory, nor under probe_results (on
	 * object storage: no key under those prefixes, claims included) */
	snprintf(target, sizeof target, "%s/probe_results/shop.example.com_443", dir);
	CHECK_EQ_INT(ht_entries(st, target), 0);
	snprintf(target, sizeof target, "%s/probe_results", dir);
	CHECK_EQ_INT(ht_entries(st, target), 0);
	/* a writer cancelled after some records: the same */
	ps_scan_writer *w;
	so.cancel = NULL;
	ps_cancel later = {0};
	so.cancel = &later;
	CHECK_OK(ps_scan_writer_open(&w, st, &so));
	CHECK_OK(ps_scan_writer_add(w, &pr, 1));
	ps_cancel_request(&later);
	CHECK_EQ_INT(ps_scan_writer_commit(w, NULL), PS_ECANCELED);
	CHECK_EQ_INT(ht_entries(st, target), 0);
	/* a target with scans keeps its directory */
	so.cancel = NULL;
	CHECK_OK(ps_scan_write(st, &so, &pr, 1, NULL));
	so.cancel = &cancel;
	CHECK_EQ_INT(ps_scan_write(st, &so, &pr, 1, NULL), PS_ECANCELED);
	ps_scan_info *scans;
	size_t n;
	CHECK_OK(ps_store_list_scans(st, "shop.example.com", &scans, &n));
	CHECK_EQ_INT(n, 1);
	free(scans);
	/* an error other than a cancellation: the same */
	ps_probe_result bad = pr;
	bad.status_code = 999;
	so.cancel = NULL;
	so.root_target = "other.example.com";
	CHECK_EQ_INT(ps_scan_write(st, &so, &bad, 1, NULL), PS_EINVAL);
	snprintf(target, sizeof target, "%s/probe_results/other.example.com_443", dir);
	CHECK_EQ_INT(ht_entries(st, target), 0);
	ps_store_close(st);
}

static void edit_reader(ps_config *c)
{
	REQUIRE(ps_config_load_string(c, "storage_config:\n  parquet_reader:\n    buffer_size: 4KiB\n    read_all: true\n",
	                              "r.yaml") == 0);
}

/* The seed's BufferSize and ReadAll: accepted from YAML and the
 * environment, handed to libparq (test_reader_io shows what they do), and
 * history reads give the same records with them. */
static void reader_settings(void)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	CHECK_EQ_INT(cfg.reader.buffer_size, 65536);
	CHECK(!cfg.reader.read_all);
	char *env[] = {"PROBESTORE_READ_BUFFER_SIZE=1MiB", "PROBESTORE_READ_ALL=true", NULL};
	CHECK_OK(ps_config_apply_env(&cfg, env));
	CHECK_EQ_INT(cfg.reader.buffer_size, 1 << 20);
	CHECK(cfg.reader.read_all);
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	ps_store_reader_options(&cfg, &ro);
	CHECK_EQ_INT(ro.read_size, 1 << 20);
	CHECK(ro.read_all);
	CHECK_EQ_INT(ps_config_load_string(&cfg, "storage_config:\n  parquet_reader:\n    buffer_size: 2GiB\n", "r.yaml"),
	             PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), "buffer_size"));
	ps_config_free(&cfg);

	char dir[600];
	snprintf(dir, sizeof dir, "%s/reader", sbase);
	ps_store *st = ht_open(dir, edit_reader);
	CHECK_EQ_INT(st->cfg.reader.buffer_size, 4096);
	for (int v = 0; v < 20; v++)
		store_one(st, "https://example.com/r.js", v, 5000);
	ps_history_set set;
	CHECK_OK(ps_history_records(st, "https://example.com/r.js", 0, &set));
	CHECK_EQ_INT(set.n, 20);
	for (size_t i = 0; i < set.n; i++) {
		char want[32];
		snprintf(want, sizeof want, "h%d", 19 - (int)i);
		CHECK(!strcmp(set.records[i].hash, want) && set.records[i].content_len == 5000);
	}
	ps_history_set_free(&set);
	ps_store_close(st);
}

int main(void)
{
	test_backend_init("test_history_options");
	REQUIRE(mkdtemp(base));
	test_store_base(sbase, sizeof sbase, base);
	codecs();
	mutex_options();
	mutex_cleanup_thread();
	rotation();
	hostnames_and_not_found();
	cancelled_scan();
	reader_settings();
	ht_rm_rf(base);
	return test_report("test_history_options");
}
