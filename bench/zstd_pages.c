/* zstd levels and page sizes on a scan's values: each line of a file is
 * one value, laid out as a PLAIN BYTE_ARRAY page holds it (a 4-byte
 * length, then the bytes); pages end past PAGE bytes and are compressed
 * one by one, as libparq's writer compresses them. Prints, per level and
 * page size, the compressed share and compression and decompression
 * speeds (the best of 5 passes).
 *
 *   zstd_pages FILE...      (docs/benchmarks.md: "zstd level and page size
 *                            of the scans") */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The file's lines as PLAIN values (a 4-byte length, then the bytes). */
static unsigned char *plain(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	unsigned char *b = malloc(cap);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t l;
	while (b && (l = getline(&line, &lcap, f)) > 0) {
		if (line[l - 1] == '\n')
			l--;
		while (n + (size_t)l + 4 > cap)
			cap *= 2;
		unsigned char *nb = realloc(b, cap);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		uint32_t v = (uint32_t)l;
		memcpy(b + n, &v, 4);
		memcpy(b + n + 4, line, (size_t)l);
		n += (size_t)l + 4;
	}
	free(line);
	fclose(f);
	*len = n;
	return b;
}

/* Where each page ends: past page bytes, at a value's end (as the writer
 * cuts them); the longest page into *longest. */
static size_t *page_ends(const unsigned char *b, size_t len, size_t page, size_t *n_pages, size_t *longest)
{
	size_t *e = malloc((len / page + 2) * sizeof *e), np = 0, start = 0;
	*longest = *n_pages = 0;
	if (!e)
		return NULL;
	for (size_t at = 0; at < len;) {
		uint32_t v;
		memcpy(&v, b + at, 4);
		at += 4 + v;
		if (at - start >= page || at == len) {
			*longest = at - start > *longest ? at - start : *longest;
			e[np++] = start = at;
		}
	}
	*n_pages = np;
	return e;
}

/* One page at level, with zstd's match table and shortest match set
 * where hash_log is (as libparq's parq_zstd_tune sets them). */
static size_t compress(ZSTD_CCtx *cc, void *dst, size_t cap, const void *src, size_t n, int level, int hash_log,
                       int min_match)
{
	if (!hash_log)
		return ZSTD_compressCCtx(cc, dst, cap, src, n, level);
	size_t r = ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cc, ZSTD_c_hashLog, hash_log);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cc, ZSTD_c_minMatch, min_match);
	if (!ZSTD_isError(r))
		r = ZSTD_compress2(cc, dst, cap, src, n);
	/* the next plain call is plain again */
	ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: zstd_pages FILE...\n");
		return 2;
	}
	/* each level as zstd sets it, and level 1 with the scans' tuning of
	 * headers_json (PS_SCAN_HEADERS_HASH_LOG and _MIN_MATCH) */
	static const struct {
		int level, hash_log, min_match;
	} levels[] = {{1, 0, 0}, {1, 12, 7}, {2, 0, 0}, {3, 0, 0}};
	static const size_t pages[] = {64 << 10, 256 << 10};
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	printf("| values | level | page | bytes | compressed | share | compress MB/s | decompress MB/s |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int a = 1; a < argc; a++) {
		size_t len;
		unsigned char *src = plain(argv[a], &len), *back = src ? malloc(len) : NULL;
		if (!back) {
			fprintf(stderr, "zstd_pages: cannot read %s\n", argv[a]);
			return 1;
		}
		const char *name = strrchr(argv[a], '/');
		name = name ? name + 1 : argv[a];
		for (size_t p = 0; p < sizeof pages / sizeof *pages; p++) {
			size_t np, longest, *ends = page_ends(src, len, pages[p], &np, &longest);
			size_t cap = ZSTD_compressBound(longest);
			unsigned char *dst = ends ? malloc(cap * np) : NULL;
			size_t *csz = malloc(np * sizeof *csz);
			if (!dst || !csz)
				return 1;
			for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
				double best_c = 1e9, best_d = 1e9;
				size_t total = 0;
				for (int pass = 0; pass < 5; pass++) {
					double t0 = now();
					total = 0;
					for (size_t i = 0, at = 0; i < np; at = ends[i++]) {
						csz[i] = compress(cc, dst + i * cap, cap, src + at, ends[i] - at, levels[k].level,
						                  levels[k].hash_log, levels[k].min_match);
						if (ZSTD_isError(csz[i]))
							return 1;
						total += csz[i];
					}
					double t1 = now();
					for (size_t i = 0, at = 0; i < np; at = ends[i++])
						if (ZSTD_decompressDCtx(dc, back + at, ends[i] - at, dst + i * cap, csz[i]) != ends[i] - at)
							return 1;
					double t2 = now();
					if (memcmp(back, src, len))
						return 1;
					best_c = t1 - t0 < best_c ? t1 - t0 : best_c;
					best_d = t2 - t1 < best_d ? t2 - t1 : best_d;
				}
				char lv[48];
				if (levels[k].hash_log)
					snprintf(lv, sizeof lv, "%d, table 2^%d, matches from %d", levels[k].level, levels[k].hash_log,
					         levels[k].min_match);
				else
					snprintf(lv, sizeof lv, "%d", levels[k].level);
				printf("| %s | %s | %zu KiB | %zu | %zu | %.1f%% | %.0f | %.0f |\n", name, lv, pages[p] >> 10, len,
				       total, 100.0 * (double)total / (double)len, (double)len / best_c / 1e6,
				       (double)len / best_d / 1e6);
			}
			free(ends), free(dst), free(csz);
		}
		free(src), free(back);
	}
	ZSTD_freeCCtx(cc);
	ZSTD_freeDCtx(dc);
	return 0;
}
