/* The store on object storage (a real radosgw: the one-node Ceph cluster of
 * scripts/ceph.sh, started here in a temporary directory, or a running one
 * named by the environment as `scripts/ceph.sh env DIR` prints it, with
 * PROBESTORE_CEPH_DIR=DIR for the restart part). Without Ceph installed
 * the test skips (77), unless PROBESTORE_REQUIRE_CEPH=1.
 *
 * 1. Four processes, each with its own store handle on one s3:// prefix and
 *    no lock between them, write scans of the same three targets (names of
 *    the same second taken in turn, one scan large enough for a multipart
 *    upload) and store contents for the same four URLs (compare-and-swap
 *    conflicts, archive rotations) at the same time; every write they
 *    acknowledged is there exactly once and reads back whole.
 * 2. Faults injected by a proxy (tests/fault_proxy.h) between the store and
 *    radosgw: within the retry bounds the calls succeed whole; past them
 *    they fail with a clear error, leave nothing partial, and a retry
 *    stores once.
 * 3. radosgw stopped and started again under a writer: clear, bounded
 *    errors while it is down, success after, nothing acknowledged lost. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fault_proxy.h"
#include "history/history_internal.h"
#include "probestore/probestore.h"
#include "storage/backend.h"
#include "storage/s3.h"
#include "test.h"
#include "ceph_test.h"

#define OKS(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

static const char *rgw_dir;  /* the cluster whose radosgw part 3 may restart */
static char run_prefix[96];
static const char *bucket;

static int ceph_ready(void)
{
	bool started;
	int rc = ceph_ready_named("test_s3_store", &started);
	if (!rc)
		rgw_dir = started ? ceph_dir : getenv("PROBESTORE_CEPH_DIR");
	return rc;
}

/* ---- helpers ---- */

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* A handle straight to radosgw on the run's prefix: listings, uploads. */
static ps_s3 *open_direct(void)
{
	ps_s3_options o;
	ps_s3_options_default(&o);
	o.bucket = bucket;
	o.prefix = run_prefix;
	o.path_style = true;
	ps_s3 *s3 = NULL;
	if (ps_s3_open(&s3, &o)) {
		fprintf(stderr, "ps_s3_open: %s\n", ps_errmsg());
		exit(1);
	}
	return s3;
}

typedef struct store_setup {
	const char *endpoint;       /* NULL: $AWS_ENDPOINT_URL */
	uint64_t max_file_size;     /* history files; 0: the default */
	atomic_int *conflicts;      /* counts the history conflicts logged; may be NULL */
} store_setup;

static void count_conflicts(void *ud, int level, const char *msg, const ps_log_field *f, size_t n)
{
	(void)level;
	(void)f;
	(void)n;
	if (strstr(msg, "replaced by another writer"))
		atomic_fetch_add((atomic_int *)ud, 1);
}

static ps_store *open_store(const char *sub, const store_setup *ss)
{
	ps_config cfg;
	REQUIRE(ps_config_default(&cfg) == 0);
	if (ss && ss->endpoint)
		REQUIRE((cfg.object.endpoint = strdup(ss->endpoint)));
	if (ss && ss->max_file_size)
		cfg.history.max_file_size = ss->max_file_size;
	char base[512];
	snprintf(base, sizeof base, "s3://%s/%s/%s", bucket, run_prefix, sub);
	ps_logger lg;
	ps_logger_default(&lg);
	lg.min_level = PS_LOG_OFF;
	if (ss && ss->conflicts) {
		lg.fn = count_conflicts;
		lg.ud = ss->conflicts;
		lg.min_level = PS_LOG_DEBUG;
	}
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	so.config = &cfg;
	so.logger = &lg;
	ps_store *st = NULL;
	if (ps_store_open(&st, &so)) {
		fprintf(stderr, "ps_store_open %s: %s\n", base, ps_errmsg());
		exit(1);
	}
	ps_config_free(&cfg);
	return st;
}

/* Keys under dir (relative to the run's prefix) ending in .parquet, none
 * of the claim markers. */
typedef struct keylist {
	char **k;
	uint64_t *size;
	size_t n;
} keylist;

static void keys_free(keylist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->k[i]);
	free(l->k);
	free(l->size);
	memset(l, 0, sizeof *l);
}

static int list_parquet(ps_s3 *s3, const char *dir, keylist *out)
{
	memset(out, 0, sizeof *out);
	char *token = NULL;
	int rc;
	do {
		ps_s3_list_page p;
		if ((rc = ps_s3_list(s3, dir, NULL, token, 0, &p)))
			break;
		free(token);
		token = p.next_token;
		p.next_token = NULL;
		for (size_t i = 0; i < p.n_entries; i++) {
			const char *k = p.entries[i].key;
			size_t len = strlen(k);
			if (strstr(k, "/.claims/") || len < 8 || strcmp(k + len - 8, ".parquet"))
				continue;
			out->k = realloc(out->k, (out->n + 1) * sizeof *out->k);
			out->size = realloc(out->size, (out->n + 1) * sizeof *out->size);
			REQUIRE(out->k && out->size);
			out->size[out->n] = p.entries[i].size;
			REQUIRE((out->k[out->n++] = strdup(k)));
		}
		ps_s3_list_page_free(&p);
	} while (token);
	free(token);
	return rc;
}

/* The path of a key as the store names it. */
static void path_of(char *buf, size_t cap, const char *key)
{
	snprintf(buf, cap, "s3://%s/%s/%s", bucket, run_prefix, key);
}

/* Reads every record of a scan: count and the order-free digest of URLs. */
static int scan_digest(ps_store *st, const char *path, int64_t *records, uint64_t *digest)
{
	ps_probe_iter *it;
	*records = 0;
	*digest = 0;
	int rc = ps_store_probe_iter_open(&it, st, path);
	if (rc)
		return rc;
	const ps_probe_result *r;
	while (!(rc = ps_probe_iter_next(it, &r)) && r) {
		(*records)++;
		*digest += fnv(r->input_url);
	}
	ps_probe_iter_close(it);
	return rc;
}

static size_t uploads_left(ps_s3 *s3, const char *under)
{
	size_t n = 99;
	if (ps_s3_uploads_count(s3, under, &n)) {
		fprintf(stderr, "uploads count: %s\n", ps_errmsg());
		return 99;
	}
	return n;
}

/* Records of one scan: n results of target t, URLs named by tag. A
 * title_len above 0 gives each result a title of that many random
 * letters (for a scan larger than a multipart part). */
typedef struct scan_data {
	ps_probe_result *r;
	char **urls, **titles;
	size_t n;
	uint64_t digest;
} scan_data;

static void scan_data_make(scan_data *d, int t, const char *tag, size_t n, size_t title_len, uint64_t seed)
{
	memset(d, 0, sizeof *d);
	d->n = n;
	REQUIRE((d->r = calloc(n, sizeof *d->r)) && (d->urls = calloc(n, sizeof *d->urls)) &&
	        (d->titles = calloc(n, sizeof *d->titles)));
	for (size_t i = 0; i < n; i++) {
		char u[256];
		snprintf(u, sizeof u, "https://h%zu.t%d.example.com/%s/%zu", i % 7, t, tag, i);
		REQUIRE((d->urls[i] = strdup(u)));
		d->digest += fnv(u);
		d->r[i].input_url = d->urls[i];
		d->r[i].status_code = 200 + (int32_t)(i % 5);
		d->r[i].content_length = (int64_t)(1000 + i);
		if (title_len) {
			REQUIRE((d->titles[i] = malloc(title_len + 1)));
			for (size_t k = 0; k < title_len; k++)
				d->titles[i][k] = (char)('a' + test_rand(&seed) % 26);
			d->titles[i][title_len] = 0;
			d->r[i].title = d->titles[i];
		} else {
			d->r[i].title = "a page";
		}
	}
}

static void scan_data_free(scan_data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->urls[i]);
		free(d->titles[i]);
	}
	free(d->urls);
	free(d->titles);
	free(d->r);
}

static const char *target_name(int t)
{
	static const char *names[] = {"t0.example.com", "t1.example.com", "t2.example.com"};
	return names[t];
}

/* Content for version v of a URL by writer c: len random letters after a
 * header naming them (distinct for every writer and version). */
static char *content_make(int c, int u, int v, size_t len, uint64_t seed)
{
	char *p = malloc(len + 1);
	REQUIRE(p);
	int h = snprintf(p, len + 1, "// writer %d url %d version %d\n", c, u, v);
	for (size_t k = (size_t)h; k < len; k++)
		p[k] = k % 64 == 63 ? '\n' : (char)('a' + test_rand(&seed) % 26);
	p[len] = 0;
	return p;
}

static const char *hist_url(int u)
{
	static const char *urls[] = {"https://app.example.com/static/main.js", "https://app.example.com/api/openapi.json",
	                             "https://cdn.example.net/bundle.js", "https://static.example.org/app.bundle.js"};
	return urls[u];
}

/* Acknowledged history records, as reported. */
typedef struct hist_ack {
	int url;
	int64_t ts;
	char hash[65];
} hist_ack;

/* Every acknowledged record of url present exactly once (current file and
 * archive) and nothing more; every file of the URL verifies. */
static void check_history(ps_store *st, ps_s3 *direct, const char *sub, int u, const hist_ack *acks, size_t n_acks)
{
	ps_history_set set;
	int rc = ps_history_records(st, hist_url(u), 0, &set);
	OKS(rc);
	if (rc)
		return;
	size_t want = 0;
	for (size_t i = 0; i < n_acks; i++) {
		if (acks[i].url != u)
			continue;
		want++;
		int found = 0;
		for (size_t j = 0; j < set.n; j++)
			if (set.records[j].timestamp_ms == acks[i].ts && !strcmp(set.records[j].hash, acks[i].hash))
				found++;
		if (found != 1)
			fprintf(stderr, "history of %s: the record of %lld (%.12s) found %d times\n", hist_url(u),
			        (long long)acks[i].ts, acks[i].hash, found);
		CHECK_EQ_INT(found, 1);
	}
	CHECK_EQ_INT(set.n, want);
	/* every record whole: its content hashes to its hash */
	for (size_t j = 0; j < set.n; j++) {
		char h[65] = "";
		CHECK(set.records[j].url && !strcmp(set.records[j].url, hist_url(u)));
		OKS(ps_sha256_hex(set.records[j].content, set.records[j].content_len, h));
		CHECK(!strcmp(h, set.records[j].hash));
	}
	ps_history_set_free(&set);
	/* the URL's files, current and archived, each verified */
	char cur[4096];
	OKS(ps_history_path(st, hist_url(u), cur, sizeof cur));
	const char *slash = strrchr(cur, '/');
	char hash[80];
	snprintf(hash, sizeof hash, "%.*s", (int)(strlen(slash + 1) - 8), slash + 1);
	keylist kl;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/file_history/", sub);
	OKS(list_parquet(direct, dir, &kl));
	int verified = 0;
	for (size_t i = 0; i < kl.n; i++) {
		const char *name = strrchr(kl.k[i], '/') + 1;
		if (strncmp(name, hash, strlen(hash)))
			continue;
		char path[4096];
		path_of(path, sizeof path, kl.k[i]);
		ps_history_verify_result vr;
		rc = ps_history_verify(st, path, NULL, &vr);
		if (rc)
			fprintf(stderr, "verify %s: %s\n", path, ps_errmsg());
		CHECK_EQ_INT(rc, 0);
		CHECK(vr.records > 0 && vr.hashes_checked == vr.records);
		verified++;
	}
	CHECK(verified >= 1);
	keys_free(&kl);
}

/* ---- 1. four writers, no shared lock ---- */

#define WRITERS 4
#define SCANS_PER_TARGET 2
#define VERSIONS 4
#define BIG_RECORDS 1100
#define BIG_TITLE 8000
#define BIG_VERSIONS 2       /* per writer, of the URL whose history passes 64 KiB */
#define BIG_CONTENT 30000

static const int64_t scan_t0 = 1796000000000; /* 2026-11-30 */

static void writer_child(int c, int gate, const char *report)
{
	atomic_int conflicts = 0;
	store_setup ss = {.max_file_size = 16 << 10, .conflicts = &conflicts};
	ps_store *st = open_store("writers", &ss);
	/* and one URL whose history grows past the 64 KiB a reader's first
	 * GET holds: the last version is read by ranged GETs of an object
	 * the other writers replace meanwhile */
	store_setup ss_big = {.conflicts = &conflicts};
	ps_store *st_big = open_store("writers", &ss_big);
	FILE *f = fopen(report, "w");
	REQUIRE(f);
	/* what the child writes, made before the gate opens */
	scan_data big;
	if (c == 0)
		scan_data_make(&big, 0, "big", BIG_RECORDS, BIG_TITLE, 99);
	char buf[1];
	REQUIRE(read(gate, buf, 1) == 0); /* EOF: every writer is ready */
	close(gate);
	int failures = 0, rotations = 0;
	for (int i = 0; i < SCANS_PER_TARGET; i++) {
		for (int t = 0; t < 3; t++) {
			char tag[64];
			snprintf(tag, sizeof tag, "w%d-s%d", c, i);
			scan_data d;
			scan_data_make(&d, t, tag, 20 + (size_t)(c * 3 + i), 0, 0);
			ps_scan_options o;
			ps_scan_options_default(&o);
			o.root_target = target_name(t);
			/* scan i of every writer in the same second: the names _2,
			 * _3, _4 go to whoever comes later */
			o.scan_time_ms = scan_t0 + i * 1000;
			ps_scan_result res;
			int rc = ps_scan_write(st, &o, d.r, d.n, &res);
			if (rc) {
				fprintf(f, "E scan %s: %s\n", tag, ps_errmsg());
				failures++;
			} else {
				fprintf(f, "S %s %lld %llu %lld\n", res.path, (long long)res.records, (unsigned long long)d.digest,
				        (long long)res.bytes);
			}
			scan_data_free(&d);
			/* the URLs' history between the scans */
			int v = i * 3 + t;
			if (v < VERSIONS) {
				for (int u = 0; u < 3; u++) {
					char *content = content_make(c, u, v, 2000 + (size_t)(c * 100), (uint64_t)(c * 1000 + u * 100 + v));
					ps_history_fetch hf = {.url = hist_url(u), .content = content, .content_len = strlen(content),
					                       .content_type = "application/javascript",
					                       .fetched_at_ms = scan_t0 + (int64_t)(v * WRITERS + c) * 1000 + u};
					ps_history_content_result hr;
					rc = ps_history_store_content(st, &hf, &hr);
					if (rc) {
						fprintf(f, "E history %d/%d: %s\n", u, v, ps_errmsg());
						failures++;
					} else if (hr.status == PS_CONTENT_UNCHANGED || !hr.write.stored) {
						fprintf(f, "E history %d/%d: not stored (status %d)\n", u, v, (int)hr.status);
						failures++;
					} else {
						fprintf(f, "H %d %lld %s\n", u, (long long)hf.fetched_at_ms, hr.hash);
						rotations += hr.write.archived[0] != 0;
					}
					free(content);
				}
			}
		}
		for (int b = 0; b < BIG_VERSIONS / SCANS_PER_TARGET; b++) {
			int v = i * (BIG_VERSIONS / SCANS_PER_TARGET) + b;
			char *content = content_make(c, 3, v, BIG_CONTENT, (uint64_t)(c * 1000 + 300 + v));
			ps_history_fetch hf = {.url = hist_url(3), .content = content, .content_len = strlen(content),
			                       .fetched_at_ms = scan_t0 + (int64_t)(v * WRITERS + c) * 1000 + 3};
			ps_history_content_result hr;
			int rc = ps_history_store_content(st_big, &hf, &hr);
			if (rc || !hr.write.stored) {
				fprintf(f, "E history 3/%d: %s\n", v, rc ? ps_errmsg() : "not stored");
				failures++;
			} else {
				fprintf(f, "H 3 %lld %s\n", (long long)hf.fetched_at_ms, hr.hash);
			}
			free(content);
		}
		if (c == 0 && i == 0) {
			ps_scan_options o;
			ps_scan_options_default(&o);
			o.root_target = target_name(0);
			o.scan_time_ms = scan_t0;  /* the same second again */
			o.codec = PARQ_CODEC_UNCOMPRESSED;
			ps_scan_result res;
			int rc = ps_scan_write(st, &o, big.r, big.n, &res);
			if (rc) {
				fprintf(f, "E big scan: %s\n", ps_errmsg());
				failures++;
			} else {
				fprintf(f, "S %s %lld %llu %lld\n", res.path, (long long)res.records, (unsigned long long)big.digest,
				        (long long)res.bytes);
			}
		}
	}
	if (c == 0)
		scan_data_free(&big);
	ps_store_io_stats stt;
	ps_store_io_stats_get(st, &stt);
	fprintf(f, "C %d %d %llu %llu\n", atomic_load(&conflicts), rotations, (unsigned long long)stt.requests,
	        (unsigned long long)stt.retries);
	fclose(f);
	ps_store_close(st);
	ps_store_close(st_big);
	_exit(failures ? 3 : 0);
}

typedef struct scan_ack {
	char path[4096];
	int64_t records, bytes;
	uint64_t digest;
} scan_ack;

static void test_writers(ps_s3 *direct, const char *tmpdir)
{
	int gate[2];
	REQUIRE(pipe(gate) == 0);
	pid_t pids[WRITERS];
	char reports[WRITERS][600];
	double t0 = now_s();
	for (int c = 0; c < WRITERS; c++) {
		snprintf(reports[c], sizeof reports[c], "%s/writer%d.txt", tmpdir, c);
		fflush(NULL);
		pid_t p = fork();
		REQUIRE(p >= 0);
		if (p == 0) {
			close(gate[1]);
			writer_child(c, gate[0], reports[c]);
		}
		pids[c] = p;
	}
	close(gate[0]);
	/* give the children the time to open their stores, then let them go
	 * together */
	fp_sleep_ms(300);
	close(gate[1]);
	for (int c = 0; c < WRITERS; c++) {
		int status;
		REQUIRE(waitpid(pids[c], &status, 0) == pids[c]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fprintf(stderr, "writer %d: status %d\n", c, status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	double dt = now_s() - t0;

	scan_ack *scans = NULL;
	hist_ack *hist = NULL;
	size_t n_scans = 0, n_hist = 0;
	int conflicts = 0, rotations = 0;
	unsigned long long requests = 0, retries = 0;
	for (int c = 0; c < WRITERS; c++) {
		FILE *f = fopen(reports[c], "r");
		REQUIRE(f);
		char line[8192];
		while (fgets(line, sizeof line, f)) {
			if (line[0] == 'S') {
				REQUIRE((scans = realloc(scans, (n_scans + 1) * sizeof *scans)));
				scan_ack *a = &scans[n_scans++];
				unsigned long long dg;
				long long rec, by;
				REQUIRE(sscanf(line, "S %4095s %lld %llu %lld", a->path, &rec, &dg, &by) == 4);
				a->records = rec;
				a->bytes = by;
				a->digest = dg;
			} else if (line[0] == 'H') {
				REQUIRE((hist = realloc(hist, (n_hist + 1) * sizeof *hist)));
				hist_ack *a = &hist[n_hist++];
				long long ts;
				REQUIRE(sscanf(line, "H %d %lld %64s", &a->url, &ts, a->hash) == 3);
				a->ts = ts;
			} else if (line[0] == 'C') {
				int k, r;
				unsigned long long q, rt;
				REQUIRE(sscanf(line, "C %d %d %llu %llu", &k, &r, &q, &rt) == 4);
				conflicts += k;
				rotations += r;
				requests += q;
				retries += rt;
			} else {
				fprintf(stderr, "writer %d: %s", c, line);
				CHECK(0);
			}
		}
		fclose(f);
	}
	/* every write acknowledged */
	CHECK_EQ_INT(n_scans, WRITERS * SCANS_PER_TARGET * 3 + 1);
	CHECK_EQ_INT(n_hist, WRITERS * (3 * VERSIONS + BIG_VERSIONS));

	ps_store *st = open_store("writers", NULL);
	double tv = now_s();
	/* scans: no path given twice, each listed once and reading back whole */
	int suffixed = 0, big = 0;
	for (size_t i = 0; i < n_scans; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(scans[i].path, scans[j].path)) {
				fprintf(stderr, "two writers were given %s\n", scans[i].path);
				CHECK(0);
			}
		const char *name = strrchr(scans[i].path, '/');
		suffixed += name && strchr(name, '_') != strrchr(name, '_') &&
		            strlen(name) > strlen("/scan_20261130_000000.parquet");
		big += scans[i].bytes > (int64_t)8 << 20;
		int64_t rows = -1, records = -1;
		uint64_t digest = 0;
		OKS(ps_store_scan_count(st, scans[i].path, &rows));
		CHECK_EQ_INT(rows, scans[i].records);
		int rc = scan_digest(st, scans[i].path, &records, &digest);
		OKS(rc);
		CHECK_EQ_INT(records, scans[i].records);
		if (digest != scans[i].digest)
			fprintf(stderr, "%s: the URLs read back are not those written\n", scans[i].path);
		CHECK(digest == scans[i].digest);
	}
	keylist kl;
	OKS(list_parquet(direct, "writers/probe_results/", &kl));
	CHECK_EQ_INT(kl.n, n_scans);
	for (size_t i = 0; i < kl.n; i++) {
		char path[4096];
		path_of(path, sizeof path, kl.k[i]);
		int found = 0;
		for (size_t j = 0; j < n_scans; j++)
			found += !strcmp(path, scans[j].path);
		if (found != 1)
			fprintf(stderr, "%s listed, acknowledged %d times\n", path, found);
		CHECK_EQ_INT(found, 1);
	}
	keys_free(&kl);
	size_t per_target[3] = {0, 0, 0};
	for (int t = 0; t < 3; t++) {
		ps_scan_info *si;
		size_t n;
		OKS(ps_store_list_scans(st, target_name(t), &si, &n));
		per_target[t] = n;
		free(si);
	}
	CHECK_EQ_INT(per_target[0], WRITERS * SCANS_PER_TARGET + 1);
	CHECK_EQ_INT(per_target[1], WRITERS * SCANS_PER_TARGET);
	CHECK_EQ_INT(per_target[2], WRITERS * SCANS_PER_TARGET);
	/* names of one second taken in turn: two seconds shared by four
	 * writers on three targets, one more on target 0 */
	CHECK(suffixed >= 2 * 3 * (WRITERS - 1));
	CHECK_EQ_INT(big, 1);
	CHECK_EQ_INT(uploads_left(direct, "writers/"), 0);

	/* history */
	for (int u = 0; u < 4; u++)
		check_history(st, direct, "writers", u, hist, n_hist);
	CHECK(rotations > 0);
	printf("test_s3_store: %d writers: %zu scans (%d under a _N name, %d multipart) and %zu history records "
	       "in %.1f s; %d history conflicts retried, %d archive rotations, %llu requests, %llu retried\n",
	       WRITERS, n_scans, suffixed, big, n_hist, dt, conflicts, rotations, requests, retries);
	CHECK(conflicts > 0);
	printf("test_s3_store: the writers' results checked in %.1f s\n", now_s() - tv);
	ps_store_close(st);
	free(scans);
	free(hist);
}

/* ---- 2. faults through the proxy ---- */

/* Sleeps into the next second of the clock. */
static void next_second(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fp_sleep_ms((int)((1000000000L - ts.tv_nsec) / 1000000L) + 5);
}

/* Every scan of the target listed reads whole (nothing partial shows). */
static size_t scans_whole(ps_store *st, const char *target)
{
	ps_scan_info *si = NULL;
	size_t n = 0;
	OKS(ps_store_list_scans(st, target, &si, &n));
	for (size_t i = 0; i < n; i++) {
		int64_t records, rows;
		uint64_t digest;
		OKS(ps_store_scan_count(st, si[i].path, &rows));
		OKS(scan_digest(st, si[i].path, &records, &digest));
		CHECK_EQ_INT(records, rows);
		CHECK(rows > 0);
	}
	free(si);
	return n;
}

static int write_scan(ps_store *st, int t, const scan_data *d, int64_t ms, bool skip, ps_scan_result *res)
{
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = target_name(t);
	o.scan_time_ms = ms;
	o.skip_stored = skip;
	o.codec = PARQ_CODEC_UNCOMPRESSED;
	return ps_scan_write(st, &o, d->r, d->n, res);
}

/* A scan read back from res->path equals d. */
static void check_scan(ps_store *st, const ps_scan_result *res, const scan_data *d)
{
	int64_t records = -1;
	uint64_t digest = 0;
	OKS(scan_digest(st, res->path, &records, &digest));
	CHECK_EQ_INT(records, d->n);
	CHECK(digest == d->digest);
}

static void test_faults(ps_s3 *direct, fault_proxy *fp, const char *purl)
{
	store_setup ss = {.endpoint = purl, .max_file_size = 4096};
	ps_store *st = open_store("faults", &ss);
	ps_store_io_stats s0, s1;
	ps_scan_result res;
	fp->stall_ms = 400;

	/* within the bounds: the call succeeds, the scan whole */
	struct {
		enum fp_fault f;
		int count;
		const char *method;
		const char *what;
	} ok_cases[] = {
		{FP_SLOWDOWN, 3, "PUT", "503 SlowDown on 3 PUTs"},
		{FP_RESET, 3, NULL, "3 resets"},
		{FP_STALL, 2, "GET", "2 stalls on GETs"},
		{FP_DROP_RESPONSE, 2, "PUT", "2 lost answers to PUTs"},
	};
	for (size_t k = 0; k < sizeof ok_cases / sizeof *ok_cases; k++) {
		scan_data d;
		char tag[32];
		snprintf(tag, sizeof tag, "ok%zu", k);
		scan_data_make(&d, 1, tag, 30, 0, 0);
		ps_store_io_stats_get(st, &s0);
		fp_inject(fp, ok_cases[k].f, ok_cases[k].count, ok_cases[k].method);
		int rc = write_scan(st, 1, &d, scan_t0 + (int64_t)k * 1000, false, &res);
		if (rc)
			fprintf(stderr, "scan with %s: %s\n", ok_cases[k].what, ps_errmsg());
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(fp_faults(fp), ok_cases[k].count);
		ps_store_io_stats_get(st, &s1);
		CHECK(s1.retries >= s0.retries + (uint64_t)ok_cases[k].count);
		if (!rc)
			check_scan(st, &res, &d);
		scan_data_free(&d);
	}
	CHECK_EQ_INT(scans_whole(st, target_name(1)), 4);

	/* a multipart scan (over 8 MiB) with a part cut mid-body and a 503 */
	scan_data big;
	scan_data_make(&big, 2, "big", BIG_RECORDS, BIG_TITLE, 7);
	fp_inject(fp, FP_RESET_BODY, 1, "PUT");
	/* the claim goes through; the first part is cut, its retry passes */
	int rc = write_scan(st, 2, &big, scan_t0, false, &res);
	if (rc)
		fprintf(stderr, "multipart scan with a part cut: %s\n", ps_errmsg());
	CHECK_EQ_INT(rc, 0);
	CHECK(res.bytes > (int64_t)8 << 20);
	if (!rc)
		check_scan(st, &res, &big);
	CHECK_EQ_INT(uploads_left(direct, "faults/"), 0);
	/* two parts met by silence and a closed connection, retried */
	fp_inject_after(fp, FP_STALL, 2, "PUT", 1);
	rc = write_scan(st, 2, &big, scan_t0 + 2000, false, &res);
	if (rc)
		fprintf(stderr, "multipart scan with stalled parts: %s\n", ps_errmsg());
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(fp_faults(fp), 2);
	if (!rc)
		check_scan(st, &res, &big);
	CHECK_EQ_INT(uploads_left(direct, "faults/"), 0);

	/* past the bounds: a multipart scan whose parts get 503 for ever (the
	 * name's claim goes through) */
	fp_inject_after(fp, FP_SLOWDOWN, 1000, "PUT", 1);
	double t0 = now_s();
	rc = write_scan(st, 2, &big, scan_t0 + 1000, true, &res);
	double dt = now_s() - t0;
	fp_inject(fp, FP_NONE, 0, NULL);
	CHECK_EQ_INT(rc, PS_EIO);
	printf("test_s3_store: a scan put against 503 for ever failed in %.2f s: %s\n", dt, ps_errmsg());
	CHECK(strstr(ps_errmsg(), "probe_results/t2.example.com_443/scan_") != NULL);
	CHECK(strstr(ps_errmsg(), "part") && strstr(ps_errmsg(), "503") && strstr(ps_errmsg(), "attempts"));
	CHECK_EQ_INT(uploads_left(direct, "faults/"), 0);
	CHECK_EQ_INT(scans_whole(st, target_name(2)), 2);
	/* the retry stores it once */
	rc = write_scan(st, 2, &big, scan_t0 + 1000, true, &res);
	OKS(rc);
	CHECK(!res.already_stored);
	if (!rc)
		check_scan(st, &res, &big);
	CHECK_EQ_INT(scans_whole(st, target_name(2)), 3);
	/* and again: stored already, nothing written */
	OKS(write_scan(st, 2, &big, scan_t0 + 1000, true, &res));
	CHECK(res.already_stored);
	CHECK_EQ_INT(scans_whole(st, target_name(2)), 3);
	scan_data_free(&big);

	/* past the bounds: a small scan whose claim, then whose object PUT
	 * gets 503 for ever; nothing shows, the retry stores it once */
	scan_data d;
	scan_data_make(&d, 1, "never", 25, 0, 0);
	for (int skip = 0; skip < 2; skip++) {
		fp_inject_after(fp, FP_SLOWDOWN, 1000, "PUT", skip);
		rc = write_scan(st, 1, &d, scan_t0 + 50000, true, &res);
		fp_inject(fp, FP_NONE, 0, NULL);
		CHECK_EQ_INT(rc, PS_EIO);
		CHECK(strstr(ps_errmsg(), "S3 PUT") && strstr(ps_errmsg(), "probe_results/t1.example.com_443/") &&
		      strstr(ps_errmsg(), "gave up after 5 attempts"));
		CHECK(skip == 0 ? strstr(ps_errmsg(), ".claims/") != NULL : strstr(ps_errmsg(), ".claims/") == NULL);
		CHECK_EQ_INT(scans_whole(st, target_name(1)), 4);
	}
	OKS(write_scan(st, 1, &d, scan_t0 + 50000, true, &res));
	CHECK(!res.already_stored);
	check_scan(st, &res, &d);
	CHECK_EQ_INT(scans_whole(st, target_name(1)), 5);
	scan_data_free(&d);
	/* every answer to the object's PUT lost: it is stored, the call fails,
	 * and the retry finds it stored */
	scan_data_make(&d, 1, "unanswered", 25, 0, 0);
	fp_inject_after(fp, FP_DROP_RESPONSE, 1000, "PUT", 1);
	rc = write_scan(st, 1, &d, scan_t0 + 60000, true, &res);
	fp_inject(fp, FP_NONE, 0, NULL);
	CHECK_EQ_INT(rc, PS_EIO);
	CHECK(strstr(ps_errmsg(), "probe_results/t1.example.com_443/scan_") && strstr(ps_errmsg(), "attempts"));
	CHECK_EQ_INT(scans_whole(st, target_name(1)), 6);
	OKS(write_scan(st, 1, &d, scan_t0 + 60000, true, &res));
	CHECK(res.already_stored);
	check_scan(st, &res, &d);
	CHECK_EQ_INT(scans_whole(st, target_name(1)), 6);
	scan_data_free(&d);

	/* history: every append after the first moves the file to the
	 * archive (4 KiB files, 3,000-byte versions) */
	hist_ack acks[32];
	size_t n_acks = 0;
	int v = 0;
	struct {
		enum fp_fault f;
		int count;
		const char *method;
	} hist_ok[] = {
		{FP_NONE, 0, NULL}, {FP_SLOWDOWN, 3, "PUT"}, {FP_RESET, 3, "GET"}, {FP_STALL, 1, NULL},
		{FP_DROP_RESPONSE, 1, "PUT"}, {FP_CUT_RESPONSE, 2, "GET"},
	};
	for (size_t k = 0; k < sizeof hist_ok / sizeof *hist_ok; k++, v++) {
		char *content = content_make(9, 0, v, 3000, (uint64_t)v + 500);
		ps_history_fetch hf = {.url = hist_url(0), .content = content, .content_len = strlen(content),
		                       .fetched_at_ms = scan_t0 + v * 1000};
		ps_history_content_result hr;
		fp_inject(fp, hist_ok[k].f, hist_ok[k].count, hist_ok[k].method);
		rc = ps_history_store_content(st, &hf, &hr);
		if (rc)
			fprintf(stderr, "history append %zu with faults: %s\n", k, ps_errmsg());
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(fp_faults(fp), hist_ok[k].count);
		CHECK(hr.write.stored);
		CHECK(k == 0 || hr.write.archived[0]);
		if (!rc) {
			acks[n_acks] = (hist_ack){0, hf.fetched_at_ms, ""};
			memcpy(acks[n_acks++].hash, hr.hash, 65);
		}
		free(content);
	}
	fp_inject(fp, FP_NONE, 0, NULL);
	check_history(st, direct, "faults", 0, acks, n_acks);

	/* past the bounds: the call fails, the history reads complete, and
	 * the retry stores the record once. The PUTs of a rotating append:
	 * the archive name's claim, the archive copy, the new version. */
	struct {
		enum fp_fault f;
		int skip;
		const char *what;
		ps_content_status retry;
	} hist_bad[] = {
		{FP_SLOWDOWN, 0, "503 on every PUT", PS_CONTENT_CHANGED},
		{FP_SLOWDOWN, 1, "503 on the archive copy", PS_CONTENT_CHANGED},
		{FP_DROP_RESPONSE, 1, "every answer to the archive copy lost (stored)", PS_CONTENT_CHANGED},
		{FP_SLOWDOWN, 2, "503 on the new version", PS_CONTENT_CHANGED},
		/* stored, unanswered: the retry finds it */
		{FP_DROP_RESPONSE, 2, "every answer to the new version lost (stored)", PS_CONTENT_UNCHANGED},
	};
	for (size_t k = 0; k < sizeof hist_bad / sizeof *hist_bad; k++, v++) {
		char *content = content_make(9, 0, v, 3000, (uint64_t)v + 500);
		ps_history_fetch hf = {.url = hist_url(0), .content = content, .content_len = strlen(content),
		                       .fetched_at_ms = scan_t0 + v * 1000};
		ps_history_content_result hr;
		next_second(); /* an archive name of its own: the PUTs counted are these */
		fp_inject_after(fp, hist_bad[k].f, 1000, "PUT", hist_bad[k].skip);
		t0 = now_s();
		rc = ps_history_store_content(st, &hf, &hr);
		dt = now_s() - t0;
		fp_inject(fp, FP_NONE, 0, NULL);
		printf("test_s3_store: history append, %s: failed in %.2f s: %s\n", hist_bad[k].what, dt,
		       rc ? ps_errmsg() : "(no error)");
		CHECK(rc != 0);
		CHECK(strstr(ps_errmsg(), "file_history/app.example.com_443/") && strstr(ps_errmsg(), "attempts"));
		if (hist_bad[k].retry == PS_CONTENT_UNCHANGED) {
			acks[n_acks] = (hist_ack){0, hf.fetched_at_ms, ""};
			memcpy(acks[n_acks++].hash, hr.hash, 65);
		}
		check_history(st, direct, "faults", 0, acks, n_acks);
		rc = ps_history_store_content(st, &hf, &hr);
		OKS(rc);
		CHECK_EQ_INT(hr.status, hist_bad[k].retry);
		if (!rc && hr.status != PS_CONTENT_UNCHANGED) {
			acks[n_acks] = (hist_ack){0, hf.fetched_at_ms, ""};
			memcpy(acks[n_acks++].hash, hr.hash, 65);
		}
		check_history(st, direct, "faults", 0, acks, n_acks);
		free(content);
	}
	CHECK_EQ_INT(uploads_left(direct, "faults/"), 0);
	ps_store_close(st);
}

/* ---- 3. radosgw stopped and started again under a writer ---- */

typedef struct restart_state {
	ps_store *st;
	atomic_int stop;
	atomic_int down;          /* 1 while radosgw is stopped */
	atomic_int ok_after;      /* calls that succeeded after the restart */
	atomic_int n_ok;
	/* what the writer had acknowledged */
	scan_ack scans[256];
	hist_ack hist[256];
	size_t n_scans, n_hist;
	int errors, errors_unclear;
	double max_fail_s;
	char first_err[1024], slowest_err[1024];
} restart_state;

static void restart_failed(restart_state *rs, double dt)
{
	rs->errors++;
	const char *m = ps_errmsg();
	if (dt > rs->max_fail_s) {
		rs->max_fail_s = dt;
		snprintf(rs->slowest_err, sizeof rs->slowest_err, "%s", m);
	}
	if (!rs->first_err[0])
		snprintf(rs->first_err, sizeof rs->first_err, "%s", m);
	/* the operation, its key and the attempts made */
	if (!strstr(m, "S3 ") || !strstr(m, "attempts")) {
		rs->errors_unclear++;
		fprintf(stderr, "an unclear error while radosgw is down: %s\n", m);
	}
}

static void *restart_writer(void *arg)
{
	restart_state *rs = arg;
	int i = 0, v = 0;
	while (!atomic_load(&rs->stop) && rs->n_scans < 256 && rs->n_hist < 256) {
		int was_down = atomic_load(&rs->down);
		/* a scan, retried until stored (skip_stored: once) */
		char tag[32];
		snprintf(tag, sizeof tag, "r%d", i);
		scan_data d;
		scan_data_make(&d, 0, tag, 15, 0, 0);
		ps_scan_result res;
		double t0 = now_s();
		int rc = write_scan(rs->st, 0, &d, scan_t0 + (int64_t)i * 1000, true, &res);
		double dt = now_s() - t0;
		if (!rc) {
			scan_ack *a = &rs->scans[rs->n_scans++];
			snprintf(a->path, sizeof a->path, "%s", res.path);
			a->records = res.records;
			a->digest = d.digest;
			i++;
			atomic_fetch_add(&rs->n_ok, 1);
			if (was_down == 2)
				atomic_fetch_add(&rs->ok_after, 1);
		} else {
			restart_failed(rs, dt);
		}
		scan_data_free(&d);
		/* a version of a monitored file, retried until stored */
		char *content = content_make(7, 1, v, 1500, (uint64_t)v + 77);
		ps_history_fetch hf = {.url = hist_url(1), .content = content, .content_len = strlen(content),
		                       .fetched_at_ms = scan_t0 + v * 1000};
		ps_history_content_result hr;
		t0 = now_s();
		rc = ps_history_store_content(rs->st, &hf, &hr);
		dt = now_s() - t0;
		if (!rc) {
			hist_ack *a = &rs->hist[rs->n_hist++];
			a->url = 1;
			a->ts = hf.fetched_at_ms;
			memcpy(a->hash, hr.hash, 65);
			v++;
			atomic_fetch_add(&rs->n_ok, 1);
			if (was_down == 2)
				atomic_fetch_add(&rs->ok_after, 1);
		} else {
			restart_failed(rs, dt);
		}
		free(content);
		fp_sleep_ms(50);
	}
	return NULL;
}

static int rgw_ctl(const char *what)
{
	char cmd[1024];
	const char *src = getenv("PROBESTORE_SRC");
	snprintf(cmd, sizeof cmd, "bash '%s/scripts/ceph.sh' %s '%s' >/dev/null", src ? src : ".", what, rgw_dir);
	return system(cmd);
}

static void test_restart(ps_s3 *direct)
{
	if (!rgw_dir || !getenv("PROBESTORE_SRC")) {
		/* not a pass: said so, and a failure where Ceph is required */
		const char *req = getenv("PROBESTORE_REQUIRE_CEPH");
		bool required = req && !strcmp(req, "1");
		fprintf(required ? stderr : stdout,
		        "test_s3_store: radosgw restart NOT TESTED: the cluster is not this test's (set "
		        "PROBESTORE_CEPH_DIR to its scripts/ceph.sh directory, and PROBESTORE_SRC)\n");
		CHECK(!required);
		return;
	}
	static restart_state rs;
	memset(&rs, 0, sizeof rs);
	rs.st = open_store("restart", NULL);
	pthread_t t;
	REQUIRE(pthread_create(&t, NULL, restart_writer, &rs) == 0);
	while (atomic_load(&rs.n_ok) < 4)
		fp_sleep_ms(20);
	double t0 = now_s();
	atomic_store(&rs.down, 1);
	CHECK_EQ_INT(rgw_ctl("rgw-stop"), 0);
	double t_stop = now_s() - t0;
	fp_sleep_ms(3000);
	int errors_down = rs.errors;
	CHECK_EQ_INT(rgw_ctl("rgw-start"), 0);
	double t_down = now_s() - t0;
	atomic_store(&rs.down, 2);
	double t1 = now_s();
	while (atomic_load(&rs.ok_after) < 6 && now_s() - t1 < 60)
		fp_sleep_ms(20);
	atomic_store(&rs.stop, 1);
	pthread_join(t, NULL);
	printf("test_s3_store: radosgw stopped (%.1f s to stop) and started again after %.1f s: %d calls failed, "
	       "each within %.2f s (first: %s; slowest: %s); %d succeeded after the restart\n",
	       t_stop, t_down, rs.errors, rs.max_fail_s, rs.first_err, rs.slowest_err, atomic_load(&rs.ok_after));
	CHECK(errors_down > 0);
	CHECK_EQ_INT(rs.errors_unclear, 0);
	/* a request: 5 attempts, backoff at most 0.1 + 0.2 + 0.4 + 0.8 s, a
	 * refused connection at once; a store call makes a few requests */
	CHECK(rs.max_fail_s < 15.0);
	CHECK(atomic_load(&rs.ok_after) >= 6);

	/* nothing acknowledged lost, nothing twice */
	ps_scan_info *si = NULL;
	size_t n = 0;
	OKS(ps_store_list_scans(rs.st, target_name(0), &si, &n));
	CHECK_EQ_INT(n, rs.n_scans);
	for (size_t k = 0; k < rs.n_scans; k++) {
		int found = 0;
		for (size_t j = 0; j < n; j++)
			found += !strcmp(si[j].path, rs.scans[k].path);
		CHECK_EQ_INT(found, 1);
		int64_t records;
		uint64_t digest;
		OKS(scan_digest(rs.st, rs.scans[k].path, &records, &digest));
		CHECK_EQ_INT(records, rs.scans[k].records);
		CHECK(digest == rs.scans[k].digest);
	}
	free(si);
	check_history(rs.st, direct, "restart", 1, rs.hist, rs.n_hist);
	CHECK_EQ_INT(uploads_left(direct, "restart/"), 0);
	ps_store_close(rs.st);
}

int main(void)
{
	int rc = ceph_ready();
	if (rc)
		return rc;
	bucket = getenv("PROBESTORE_S3_BUCKET");
	snprintf(run_prefix, sizeof run_prefix, "test_s3_store/%ld_%d", (long)time(NULL), (int)getpid());
	const char *tmp = getenv("TMPDIR");
	char tmpdir[512];
	snprintf(tmpdir, sizeof tmpdir, "%s/test_s3_store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	REQUIRE(mkdtemp(tmpdir));
	ps_s3 *direct = open_direct();
	double t0 = now_s();
	test_writers(direct, tmpdir);
	printf("test_s3_store: part 1 in %.1f s\n", now_s() - t0);

	const char *endpoint = getenv("AWS_ENDPOINT_URL");
	const char *colon = strrchr(endpoint, ':');
	REQUIRE(colon);
	fault_proxy fp;
	REQUIRE(fp_start(&fp, atoi(colon + 1)) == 0);
	char purl[64];
	snprintf(purl, sizeof purl, "http://127.0.0.1:%d", fp.port);
	t0 = now_s();
	test_faults(direct, &fp, purl);
	printf("test_s3_store: part 2 in %.1f s\n", now_s() - t0);
	fp_stop(&fp);

	t0 = now_s();
	test_restart(direct);
	printf("test_s3_store: part 3 in %.1f s\n", now_s() - t0);

	cleanup_run(direct);
	ps_s3_close(direct);
	/* nothing of an s3:// store on local disk ("s3:/bucket/..." under the
	 * working directory) */
	char local[600];
	struct stat sb;
	snprintf(local, sizeof local, "s3:/%s/%s", bucket, run_prefix);
	CHECK(stat(local, &sb) != 0);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	ceph_stop();
	return test_report("test_s3_store");
}
