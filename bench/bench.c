/* probestore's side of the benchmarks. Each command prints one JSON object
 * with what it measured; scripts/bench.sh runs them and the peers' scripts
 * and prints the comparison.
 *
 *   bench write  --rows N --codec zstd|snappy --out FILE [--seed S]
 *   bench read   FILE                       decode every value, fold into a checksum
 *   bench files  --rows N --files K --out DIR   K small scan files (not timed)
 *   bench count  DIR                        rows of every scan file from the footers
 *   bench store  --rows N --out BASE        a store: one scan per target (not timed)
 *   bench query  BASE --tech T [--threads N] status 200 and tech T, limit 100 offset 50, total
 *                                          (threads 0: one per core)
 *   bench stream FILE                       stream every result (run under `bench rss`)
 *   bench rss    [--stdout FILE] CMD ARGS... a command's wall time, CPU time and peak
 *                                          resident memory (its output to FILE if given)
 *   bench zstd   FILE                       this machine's raw zstd decompression speed
 *   bench history --versions 1,100,1000 --out BASE
 *                 append latency and last-record latency at those history
 *                 sizes (a 200 KB bundle, a few lines changed per version),
 *                 and the cost of the usual approach: rewriting the file
 */
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "gen.h"
#include "parq/meta.h"
#include "parq/parq.h"
#include "scan/probe_rows.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s%s\n", what, ps_errmsg(), parq_errmsg());
	exit(1);
}

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

/* All rows of the data set as columns, strings in one arena. */
typedef struct dataset {
	ps_probe_result *r;
	ps_arena arena;
	int64_t n;
} dataset;

static void dataset_make(dataset *d, int64_t n, uint64_t seed, int target)
{
	memset(d, 0, sizeof *d);
	d->r = malloc((size_t)(n ? n : 1) * sizeof *d->r);
	bench_row row;
	for (int64_t i = 0; i < n; i++) {
		bench_gen_row(seed, i, &row);
		if (target >= 0 && row.target != target)
			continue;
		/* as bench_gen --format rows has it: a first scan, every URL new */
		row.r.url_status = "new";
		if (ps_probe_copy(&row.r, &d->arena, &d->r[d->n++]))
			die("copy");
	}
}

static int cmd_write(int argc, char **argv)
{
	int64_t rows = atoll(arg(argc, argv, "--rows", "100000"));
	const char *codec = arg(argc, argv, "--codec", "zstd"), *out = arg(argc, argv, "--out", NULL);
	if (!out)
		return 2;
	dataset d;
	dataset_make(&d, rows, strtoull(arg(argc, argv, "--seed", "1"), NULL, 10), -1);
	/* the columns as the scan file holds them, built before the clock
	 * starts: the peers, too, write from a table already in memory */
	ps_probe_cols cols = {0};
	if (ps_probe_cols_build(&cols, d.r, (size_t)d.n, 1764000000000, NULL))
		die("columns");
	parq_schema *s = ps_probe_schema_new(PS_SCHEMA_V1); /* the seed's columns, as the peers write */
	parq_writer_options o;
	parq_writer_options_default(&o);
	if (parq_codec_from_name(codec, &o.codec))
		die(codec);
	o.row_group_rows = 100000;
	/* --repeat K writes K times and keeps the fastest (for profiling the
	 * write alone; scripts/bench.sh repeats whole runs instead) */
	int repeat = atoi(arg(argc, argv, "--repeat", "1"));
	double t = 1e9;
	int64_t size = 0;
	for (int k = 0; k < (repeat > 0 ? repeat : 1); k++) {
		double t0 = now();
		parq_writer *w;
		if (parq_writer_open(&w, out, s, &o) || parq_writer_write(w, cols.col, d.n) || parq_writer_close(w, &size))
			die("write");
		if (now() - t0 < t)
			t = now() - t0;
	}
	printf("{\"op\":\"write\",\"codec\":\"%s\",\"rows\":%lld,\"seconds\":%.6f,\"bytes\":%lld}\n", codec,
	       (long long)d.n, t, (long long)size);
	ps_probe_cols_free(&cols);
	parq_schema_free(s);
	ps_arena_free(&d.arena);
	free(d.r);
	return 0;
}

/* Every value of every column, folded into a checksum. */
static int cmd_read(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	double t0 = now();
	parq_reader *r;
	if (parq_reader_open(&r, argv[0], NULL))
		die(argv[0]);
	const parq_schema *s = parq_reader_schema(r);
	uint64_t sum = 0;
	int64_t values = 0;
	for (int l = 0; l < s->n_leaves; l++) {
		parq_column_reader *cr;
		if (parq_column_reader_open(&cr, r, l, NULL, 0))
			die("column");
		parq_column_batch b;
		while (parq_column_reader_read(cr, 65536, &b) == 0 && b.num_rows) {
			if (b.bytes) {
				for (int64_t i = 0; i < b.num_values; i++)
					sum += XXH3_64bits(b.bytes[i].ptr, b.bytes[i].len);
			} else if (s->leaves[l]->type == PARQ_INT32) {
				const int32_t *v = b.values;
				for (int64_t i = 0; i < b.num_values; i++)
					sum += (uint64_t)(int64_t)v[i];
			} else {
				const int64_t *v = b.values;
				for (int64_t i = 0; i < b.num_values; i++)
					sum += (uint64_t)v[i];
			}
			values += b.num_values;
			for (int64_t i = 0; b.def_levels && i < b.num_levels; i++)
				sum += (uint64_t)b.def_levels[i];
		}
		parq_column_reader_close(cr);
	}
	const parq_file_meta *m = parq_reader_metadata(r);
	int64_t unc = 0;
	for (uint32_t g = 0; g < m->n_row_groups; g++)
		for (uint32_t c = 0; c < m->row_groups[g].n_columns; c++)
			unc += m->row_groups[g].columns[c].meta.total_uncompressed_size;
	int64_t rows = parq_reader_num_rows(r);
	parq_reader_close(r);
	double t = now() - t0;
	printf("{\"op\":\"read\",\"rows\":%lld,\"values\":%lld,\"seconds\":%.6f,\"uncompressed_bytes\":%lld,"
	       "\"checksum\":\"%016llx\"}\n",
	       (long long)rows, (long long)values, t, (long long)unc, (unsigned long long)sum);
	return 0;
}

static ps_store *store_at(const char *base)
{
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	if (ps_store_open(&st, &so))
		die(base);
	return st;
}

static int cmd_files(int argc, char **argv)
{
	int64_t rows = atoll(arg(argc, argv, "--rows", "100"));
	int files = atoi(arg(argc, argv, "--files", "1000"));
	const char *out = arg(argc, argv, "--out", NULL);
	if (!out)
		return 2;
	dataset d;
	dataset_make(&d, rows * files, 7, -1);
	ps_store *st = store_at(out);
	for (int f = 0; f < files; f++) {
		ps_scan_options o;
		ps_scan_options_default(&o);
		o.root_target = "count.example.com";
		o.scan_time_ms = 1764000000000 + (int64_t)f * 1000;
		o.mark_diff = false;
		o.codec = PARQ_CODEC_ZSTD;
		if (ps_scan_write(st, &o, d.r + (int64_t)f * rows, (size_t)rows, NULL))
			die("scan");
	}
	ps_store_close(st);
	ps_arena_free(&d.arena);
	free(d.r);
	return 0;
}

static int cmd_count(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	double t0 = now();
	DIR *dir = opendir(argv[0]);
	if (!dir) {
		perror(argv[0]);
		return 1;
	}
	int64_t total = 0;
	int files = 0;
	struct dirent *e;
	char path[8192];
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "scan_", 5))
			continue;
		snprintf(path, sizeof path, "%s/%s", argv[0], e->d_name);
		int64_t n;
		if (ps_scan_count(path, &n))
			die(path);
		total += n;
		files++;
	}
	closedir(dir);
	double t = now() - t0;
	printf("{\"op\":\"count\",\"files\":%d,\"rows\":%lld,\"seconds\":%.6f}\n", files, (long long)total, t);
	return 0;
}

static int cmd_store(int argc, char **argv)
{
	int64_t rows = atoll(arg(argc, argv, "--rows", "100000"));
	const char *out = arg(argc, argv, "--out", NULL);
	if (!out)
		return 2;
	ps_store *st = store_at(out);
	for (int t = 0; t < BENCH_TARGETS; t++) {
		dataset d;
		dataset_make(&d, rows, 1, t);
		ps_scan_options o;
		ps_scan_options_default(&o);
		o.root_target = bench_target(t);
		o.scan_time_ms = 1764000000000;
		o.codec = PARQ_CODEC_ZSTD;
		if (ps_scan_write(st, &o, d.r, (size_t)d.n, NULL))
			die("scan");
		ps_arena_free(&d.arena);
		free(d.r);
	}
	ps_store_close(st);
	return 0;
}

static int cmd_query(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	const char *tech = arg(argc, argv, "--tech", BENCH_QUERY_TECH);
	double t0 = now();
	ps_store *st = store_at(argv[0]);
	ps_query q;
	ps_query_default(&q);
	const int ok[1] = {200};
	q.status_codes = ok;
	q.n_status_codes = 1;
	q.technology = tech;
	q.limit = 100;
	q.offset = 50;
	q.threads = atoi(arg(argc, argv, "--threads", "0"));
	ps_probe_set set;
	if (ps_store_search(st, &q, &set))
		die("search");
	double t = now() - t0;
	uint64_t sum = 0;
	for (size_t i = 0; i < set.n; i++)
		sum += XXH3_64bits(set.items[i].input_url, strlen(set.items[i].input_url));
	printf("{\"op\":\"query\",\"total\":%lld,\"returned\":%zu,\"seconds\":%.6f,\"checksum\":\"%016llx\"}\n",
	       (long long)set.total, set.n, t, (unsigned long long)sum);
	ps_probe_set_free(&set);
	ps_store_close(st);
	return 0;
}

static int count_cb(void *ud, const ps_probe_result *r)
{
	(*(int64_t *)ud) += r->status_code;
	return 0;
}

static int cmd_stream(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	double t0 = now();
	int64_t sum = 0;
	if (ps_scan_stream(argv[0], count_cb, &sum, NULL))
		die(argv[0]);
	printf("{\"op\":\"stream\",\"seconds\":%.6f,\"status_sum\":%lld}\n", now() - t0, (long long)sum);
	return 0;
}

static int cmd_rss(int argc, char **argv)
{
	const char *out = NULL;
	if (argc >= 1 && !strcmp(argv[0], "--stdout")) {
		if (argc < 3) {
			fprintf(stderr, "usage: bench rss [--stdout FILE] CMD ARGS...\n");
			return 2;
		}
		out = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return 2;
	fflush(stdout);
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (out) {
			FILE *f = freopen(out, "w", stdout);
			if (!f) {
				perror(out);
				_exit(127);
			}
		}
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return 1;
	double t = now() - t0;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	             (double)ru.ru_stime.tv_usec / 1e6;
	printf("{\"op\":\"rss\",\"max_rss_kb\":%ld,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"status\":%d}\n",
	       ru.ru_maxrss, t, cpu, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Raw zstd decompression speed on this machine: the first 64 MiB of FILE
 * (the data set as uncompressed text) compressed at level 3 in 1 MiB
 * blocks, as pages are, then decompressed (best of 5). */
static int cmd_zstd(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	FILE *f = fopen(argv[0], "rb");
	if (!f)
		return 1;
	size_t cap = (size_t)64 << 20;
	uint8_t *src = malloc(cap);
	size_t n = fread(src, 1, cap, f);
	fclose(f);
	size_t block = 1 << 20, nb = (n + block - 1) / block;
	uint8_t **comp = calloc(nb, sizeof *comp);
	size_t *clen = calloc(nb, sizeof *clen);
	for (size_t b = 0; b < nb; b++) {
		size_t len = n - b * block < block ? n - b * block : block;
		comp[b] = malloc(ZSTD_compressBound(len));
		clen[b] = ZSTD_compress(comp[b], ZSTD_compressBound(len), src + b * block, len, 3);
	}
	uint8_t *dst = malloc(block);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	double best = 1e9;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now();
		for (size_t b = 0; b < nb; b++)
			ZSTD_decompressDCtx(dc, dst, block, comp[b], clen[b]);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("{\"op\":\"zstd\",\"bytes\":%zu,\"seconds\":%.6f,\"mb_per_s\":%.1f}\n", n, best, n / best / 1e6);
	for (size_t b = 0; b < nb; b++)
		free(comp[b]);
	free(comp);
	free(clen);
	free(dst);
	free(src);
	ZSTD_freeDCtx(dc);
	return 0;
}

/* ---- history ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A JavaScript bundle of about 200 KB: 5,000 lines; version v changes three
 * lines chosen from v. */
static size_t bundle(char *buf, size_t cap, int version)
{
	size_t at = 0;
	uint64_t g = 0x1234;
	int changed[3];
	for (int k = 0; k < 3; k++) {
		uint64_t x = (uint64_t)version * 3 + (uint64_t)k + 1;
		x = (x ^ (x >> 31)) * 0x9E3779B97F4A7C15ull;
		changed[k] = (int)(x % 5000);
	}
	for (int i = 0; i < 5000 && at + 64 < cap; i++) {
		g = g * 6364136223846793005ull + 1442695040888963407ull;
		int v = (i == changed[0] || i == changed[1] || i == changed[2]) ? version : 0;
		at += (size_t)snprintf(buf + at, cap - at, "function f%d(a,b){return a*%u+b-%d;}\n", i,
		                       (unsigned)(g >> 48), v);
	}
	return at;
}

/* The usual approach: read every row of the file and write it again. */
static double rewrite_file(const char *path, const char *out)
{
	double t0 = now();
	parq_reader *r;
	if (parq_reader_open(&r, path, NULL))
		die(path);
	const parq_schema *s = parq_reader_schema(r);
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	o.fsync = true;
	parq_writer *w;
	if (parq_writer_open(&w, out, s, &o))
		die(out);
	parq_column_reader **cr = calloc((size_t)s->n_leaves, sizeof *cr);
	parq_column_batch *b = calloc((size_t)s->n_leaves, sizeof *b);
	for (int l = 0; l < s->n_leaves; l++)
		if (parq_column_reader_open(&cr[l], r, l, NULL, 0))
			die("column");
	for (;;) {
		for (int l = 0; l < s->n_leaves; l++)
			if (parq_column_reader_read(cr[l], 64, &b[l]))
				die("read");
		if (!b[0].num_rows)
			break;
		if (parq_writer_write(w, b, b[0].num_rows))
			die("write");
	}
	if (parq_writer_close(w, NULL))
		die("close");
	for (int l = 0; l < s->n_leaves; l++)
		parq_column_reader_close(cr[l]);
	free(cr);
	free(b);
	parq_reader_close(r);
	return now() - t0;
}

static int cmd_history(int argc, char **argv)
{
	const char *out = arg(argc, argv, "--out", NULL);
	char *list = strdup(arg(argc, argv, "--versions", "1,100,1000"));
	if (!out)
		return 2;
	ps_store *st = store_at(out);
	size_t cap = 400000;
	char *buf = malloc(cap);
	const char *url = "https://cdn.example.com/static/app.bundle.js";
	int version = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		int target = atoi(tok);
		/* grow the history to target - 1 versions, then time 10 appends */
		while (version < target - 1) {
			version++;
			size_t n = bundle(buf, cap, version);
			ps_history_fetch f = {.url = url, .content = buf, .content_len = n,
			                      .content_type = "application/javascript",
			                      .fetched_at_ms = 1764000000000 + (int64_t)version * 1000};
			if (ps_history_store_content(st, &f, NULL))
				die("history");
		}
		enum { K = 10 };
		double app[K], last[K];
		for (int k = 0; k < K; k++) {
			version++;
			size_t n = bundle(buf, cap, version);
			ps_history_fetch f = {.url = url, .content = buf, .content_len = n,
			                      .content_type = "application/javascript",
			                      .fetched_at_ms = 1764000000000 + (int64_t)version * 1000};
			double t0 = now();
			if (ps_history_store_content(st, &f, NULL))
				die("history");
			app[k] = now() - t0;
			t0 = now();
			ps_history_record *rec;
			if (ps_history_last(st, url, &rec))
				die("last");
			last[k] = now() - t0;
			ps_history_record_free(rec);
		}
		qsort(app, K, sizeof *app, cmp_double);
		qsort(last, K, sizeof *last, cmp_double);
		char path[4096], copy[4200];
		if (ps_history_path(st, url, path, sizeof path))
			die("path");
		snprintf(copy, sizeof copy, "%s.rewrite", path);
		double rw = rewrite_file(path, copy);
		unlink(copy);
		struct stat sb;
		int64_t size = stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
		printf("{\"op\":\"history\",\"versions\":%d,\"append_s\":%.6f,\"append_min_s\":%.6f,"
		       "\"append_max_s\":%.6f,\"last_s\":%.6f,\"last_min_s\":%.6f,\"last_max_s\":%.6f,"
		       "\"rewrite_s\":%.6f,\"file_bytes\":%lld}\n",
		       target, app[K / 2], app[0], app[K - 1], last[K / 2], last[0], last[K - 1], rw, (long long)size);
		fflush(stdout);
	}
	ps_store_close(st);
	free(buf);
	free(list);
	return 0;
}

int main(int argc, char **argv)
{
	/* as the probestore command does (src/cli/main.c) */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	if (argc < 2) {
		fprintf(stderr, "usage: bench write|read|files|count|store|query|stream|rss|zstd ...\n");
		return 2;
	}
	const char *c = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(c, "write")) return cmd_write(argc, argv);
	if (!strcmp(c, "read")) return cmd_read(argc, argv);
	if (!strcmp(c, "files")) return cmd_files(argc, argv);
	if (!strcmp(c, "count")) return cmd_count(argc, argv);
	if (!strcmp(c, "store")) return cmd_store(argc, argv);
	if (!strcmp(c, "query")) return cmd_query(argc, argv);
	if (!strcmp(c, "stream")) return cmd_stream(argc, argv);
	if (!strcmp(c, "rss")) return cmd_rss(argc, argv);
	if (!strcmp(c, "zstd")) return cmd_zstd(argc, argv);
	if (!strcmp(c, "history")) return cmd_history(argc, argv);
	fprintf(stderr, "bench: unknown command %s\n", c);
	return 2;
}
