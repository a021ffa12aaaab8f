/* Writes file history through the public libprobestore API for the interop
 * checks: three URLs sharing one file (one-digit URL hashes), 120 versions
 * each stored with ps_history_store_content (so with diffs) and some with
 * ps_history_store (binary content, nulls, non-ASCII headers), small
 * compaction threshold and file size so that the files mix copied,
 * appended and merged row groups and the archive fills; then, in a second
 * store, 20 versions of a large bundle (pages of several versions).
 *
 *   gen_history DATA_DIR
 *
 * Prints the history files it wrote, one per line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probestore/probestore.h"

static int fail(const char *what)
{
	fprintf(stderr, "gen_history: %s: %s\n", what, ps_errmsg());
	return 1;
}

/* Version v of a script: `lines` constants, about one in ten changed per
 * version. Returns the length. */
static int script(char *body, size_t cap, const char *url, int v, int lines, uint64_t *seed)
{
	int len = snprintf(body, cap, "// %s\n", url);
	for (int line = 0; line < lines && (size_t)len + 128 < cap; line++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		/* most lines stay, a few change each version */
		int change = (*seed >> 33) % 10 == 0;
		len += snprintf(body + len, cap - (size_t)len, "export const k%d = \"%s%d\"; // ünïcode <&>\n", line,
		                change ? "v" : "s", change ? v : line);
	}
	return len;
}

static void list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] != '.' && n > 8 && !strcmp(e->d_name + n - 8, ".parquet"))
			printf("%s/%s\n", dir, e->d_name);
	}
	if (d)
		closedir(d);
}

/* A second store, default settings but a compaction threshold of 7: 20
 * versions of a 250 KB bundle, so that merged row groups hold pages of
 * several versions compressed with long-distance matching. */
static int bundle(const char *data)
{
	ps_config cfg;
	if (ps_config_default(&cfg))
		return fail("config");
	cfg.history.compaction_threshold = 7;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/bundle", data);
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = dir;
	o.config = &cfg;
	ps_store *st;
	if (ps_store_open(&st, &o))
		return fail("open");
	ps_config_free(&cfg);
	const char *url = "https://interop.example.com/static/bundle.js";
	size_t cap = 400000;
	char *body = malloc(cap);
	uint64_t seed = 2;
	int rc = 0;
	for (int v = 0; v < 20 && !rc; v++) {
		ps_history_fetch f = {.url = url, .content = body,
		                      .content_len = (size_t)script(body, cap, url, v, 5000, &seed),
		                      .content_type = "application/javascript", .fetched_at_ms = 1764576000000 + v * 1000LL};
		if (ps_history_store_content(st, &f, NULL))
			rc = fail("store bundle");
	}
	free(body);
	char path[4096];
	if (!rc && ps_history_path(st, url, path, sizeof path) == 0)
		printf("%s\n", path);
	ps_store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_history DATA_DIR\n");
		return 2;
	}
	ps_config cfg;
	if (ps_config_default(&cfg))
		return fail("config");
	cfg.history.url_hash_length = 1;
	cfg.history.compaction_threshold = 7;
	cfg.history.max_file_size = 48 * 1024;
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = argv[1];
	o.config = &cfg;
	ps_store *st;
	if (ps_store_open(&st, &o))
		return fail("open");
	ps_config_free(&cfg);
	/* three URLs whose first hash digit is the same */
	char urls[3][96], h0[2], h[2];
	int n = 0;
	for (int k = 0; n < 3; k++) {
		snprintf(urls[n], sizeof urls[n], "https://interop.example.com/assets/chunk-%d.js", k);
		ps_url_hash(urls[n], 1, n ? h : h0);
		if (!n || !strcmp(h, h0))
			n++;
	}
	const int64_t t0 = 1764576000000;
	uint64_t seed = 1;
	for (int v = 0; v < 120; v++) {
		for (int u = 0; u < 3; u++) {
			char body[4096];
			int len = script(body, sizeof body, urls[u], v, 40, &seed);
			ps_history_fetch f = {
				.url = urls[u], .content = body, .content_len = (size_t)len,
				.content_type = u == 2 ? NULL : "application/javascript; charset=utf-8",
				.etag = v % 3 ? "W/\"ëtag\"" : NULL, .last_modified = "Mon, 01 Dec 2025 08:00:00 GMT",
				.fetched_at_ms = t0 + v * 60000LL + u,
				.extracted_paths_json = v % 4 ? NULL
				                              : "[{\"source_url\":\"https://interop.example.com/\",\"extracted_raw_path\":"
				                                "\"/api/x\",\"extracted_absolute_url\":\"https://interop.example.com/api/x\","
				                                "\"context\":\"JS:string\",\"type\":\"js_string\","
				                                "\"discovery_timestamp\":\"2025-12-01T08:00:00Z\"}]",
			};
			ps_history_content_result r;
			if (ps_history_store_content(st, &f, &r))
				return fail("store content");
		}
		if (v % 10 == 0) {
			/* binary content and empty optional columns */
			unsigned char bin[64];
			for (int i = 0; i < 64; i++)
				bin[i] = (unsigned char)(i * 37 + v);
			char hash[32];
			snprintf(hash, sizeof hash, "binary-%d", v);
			ps_history_record rec = {.url = urls[0], .timestamp_ms = t0 + v * 60000LL + 30000, .hash = hash,
			                         .content = bin, .content_len = sizeof bin};
			if (ps_history_store(st, &rec, NULL))
				return fail("store");
		}
	}
	/* the last versions appended after a merge: copied and new row groups */
	for (int v = 0; v < 3; v++) {
		char hash[32], body[64];
		snprintf(hash, sizeof hash, "tail-%d", v);
		int len = snprintf(body, sizeof body, "tail %d\n", v);
		ps_history_record rec = {.url = urls[1], .timestamp_ms = t0 + 200 * 60000LL + v, .hash = hash,
		                         .content = (const unsigned char *)body, .content_len = (size_t)len,
		                         .content_type = "text/plain", .diff_result_json = "null"};
		if (ps_history_store(st, &rec, NULL))
			return fail("store");
	}
	char path[4096];
	if (ps_history_path(st, urls[0], path, sizeof path))
		return fail("path");
	*strrchr(path, '/') = 0;
	list(path);
	strncat(path, "/archive", sizeof path - strlen(path) - 1);
	list(path);
	ps_store_close(st);
	return bundle(argv[1]);
}
