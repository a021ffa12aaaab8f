/* Writes a small probe-results Parquet file with libparq: the 17 columns of
 * the probe result schema, columnar batches, ZSTD. Usage: write_sample OUT */
#include <stdio.h>
#include <string.h>

#include "parq/parq.h"

typedef struct sample {
	const char *url, *final_url;
	int status;          /* 0: none */
	long long length;    /* 0: none */
	const char *ctype, *title, *server;
	const char *tech[4];
	const char *ips[3];
	const char *error;
	const char *headers;
} sample;

static const sample rows[] = {
	{"https://example.com", "https://example.com/", 200, 1256, "text/html", "Example Domain", "ECS (dcb/7F83)",
	 {"Nginx", "Bootstrap"}, {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"}, NULL,
	 "{\"content-type\":\"text/html; charset=UTF-8\",\"server\":\"ECS (dcb/7F83)\"}"},
	{"https://api.example.com", "https://api.example.com/v1/", 401, 58, "application/json", NULL, "envoy",
	 {"Envoy"}, {"93.184.216.40"}, NULL, "{\"www-authenticate\":\"Bearer\"}"},
	{"https://admin.example.com", NULL, 0, 0, NULL, NULL, NULL, {NULL}, {NULL},
	 "dial tcp: lookup admin.example.com: no such host", NULL},
	{"https://blog.example.com", "https://blog.example.com/", 200, 48213, "text/html", "Blog \u2014 \"Notes\"",
	 "nginx/1.25.3", {"WordPress", "PHP", "MySQL", "Nginx"}, {"93.184.216.41"}, NULL,
	 "{\"x-powered-by\":\"PHP/8.2.12\"}"},
	{"http://legacy.example.com:8080", "http://legacy.example.com:8080/login", 302, 0, "text/html", "Redirecting",
	 "Apache/2.4.41 (Ubuntu)", {"Apache HTTP Server", "Ubuntu"}, {"10.0.0.7"}, NULL,
	 "{\"location\":\"/login\"}"},
	{"https://cdn.example.com/app.js", "https://cdn.example.com/app.js", 200, 301744, "application/javascript", NULL,
	 "cloudflare", {"Cloudflare"}, {"104.16.1.2", "104.16.2.2"}, NULL, "{\"cf-cache-status\":\"HIT\"}"},
	{"https://status.example.com", "https://status.example.com/", 503, 19, "text/plain", NULL, "AmazonS3",
	 {"Amazon S3"}, {"52.216.0.1"}, NULL, "{\"retry-after\":\"120\"}"},
	{"https://shop.example.com", "https://shop.example.com/", 403, 4512, "text/html", "Access denied", "cloudflare",
	 {"Cloudflare", "Shopify"}, {"23.227.38.65"}, NULL, "{\"cf-ray\":\"8a1b2c3d4e5f-AMS\"}"},
};

#define N (sizeof rows / sizeof rows[0])

static parq_bytes str(const char *s)
{
	parq_bytes b = {(const uint8_t *)s, (uint32_t)strlen(s)};
	return b;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: write_sample OUT.parquet\n");
		return 2;
	}
	parq_schema *s;
	parq_logical S = parq_lt_string();
	if (parq_schema_new(&s) ||
	    parq_schema_add_leaf(s, NULL, "original_url", PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "final_url", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "status_code", PARQ_INT32, PARQ_OPTIONAL, NULL, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "content_length", PARQ_INT64, PARQ_OPTIONAL, NULL, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "content_type", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "title", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "web_server", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_list(s, NULL, "technologies", PARQ_REQUIRED, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL) ||
	    parq_schema_add_list(s, NULL, "ip_address", PARQ_REQUIRED, PARQ_BYTE_ARRAY, PARQ_REQUIRED, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "root_target_url", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "probe_error", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "method", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "headers_json", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "diff_status", PARQ_BYTE_ARRAY, PARQ_OPTIONAL, &S, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "scan_timestamp", PARQ_INT64, PARQ_REQUIRED, NULL, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "first_seen_timestamp", PARQ_INT64, PARQ_OPTIONAL, NULL, 0, NULL) ||
	    parq_schema_add_leaf(s, NULL, "last_seen_timestamp", PARQ_INT64, PARQ_OPTIONAL, NULL, 0, NULL) ||
	    parq_schema_finish(s)) {
		fprintf(stderr, "write_sample: %s\n", parq_errmsg());
		return 1;
	}

	/* Column vectors: for each leaf, definition levels and present values. */
	enum { NL = 17 };
	static int16_t def[NL][N * 4], rep[NL][N * 4];
	static parq_bytes bytes[NL][N * 4];
	static int32_t i32[N];
	static int64_t i64[NL][N];
	int64_t nlev[NL] = {0}, nval[NL] = {0};
	const long long scan = 1732435200000LL; /* 2024-11-24T08:00:00Z */

#define OPT_STR(col, v) do { if (v) { def[col][nlev[col]++] = 1; bytes[col][nval[col]++] = str(v); } \
                             else def[col][nlev[col]++] = 0; } while (0)
	for (size_t r = 0; r < N; r++) {
		const sample *x = &rows[r];
		bytes[0][nval[0]++] = str(x->url), nlev[0]++;
		OPT_STR(1, x->final_url);
		if (x->status) { def[2][nlev[2]++] = 1; i32[nval[2]++] = x->status; } else def[2][nlev[2]++] = 0;
		if (x->length) { def[3][nlev[3]++] = 1; i64[3][nval[3]++] = x->length; } else def[3][nlev[3]++] = 0;
		OPT_STR(4, x->ctype);
		OPT_STR(5, x->title);
		OPT_STR(6, x->server);
		for (int col = 7; col <= 8; col++) {
			const char *const *list = col == 7 ? x->tech : x->ips;
			int k = 0;
			for (; k < (col == 7 ? 4 : 3) && list[k]; k++) {
				rep[col][nlev[col]] = k ? 1 : 0;
				def[col][nlev[col]++] = 1;
				bytes[col][nval[col]++] = str(list[k]);
			}
			if (k == 0) { /* empty list */
				rep[col][nlev[col]] = 0;
				def[col][nlev[col]++] = 0;
			}
		}
		OPT_STR(9, "https://example.com");
		OPT_STR(10, x->error);
		OPT_STR(11, "GET");
		OPT_STR(12, x->headers);
		OPT_STR(13, r % 3 ? "existing" : "new");
		i64[14][nval[14]++] = scan, nlev[14]++;
		def[15][nlev[15]++] = 1, i64[15][nval[15]++] = scan - (long long)(r % 3) * 86400000LL;
		def[16][nlev[16]++] = 1, i64[16][nval[16]++] = scan;
	}
	parq_column_batch cols[NL];
	for (int c = 0; c < NL; c++) {
		const parq_node *leaf = s->leaves[c];
		cols[c] = (parq_column_batch){
			.num_rows = (int64_t)N, .num_levels = nlev[c], .num_values = nval[c],
			.def_levels = leaf->max_def ? def[c] : NULL,
			.rep_levels = leaf->max_rep ? rep[c] : NULL,
			.values = leaf->type == PARQ_INT32 ? (const void *)i32 : leaf->type == PARQ_INT64 ? (const void *)i64[c] : NULL,
			.bytes = leaf->type == PARQ_BYTE_ARRAY ? bytes[c] : NULL,
		};
	}
	parq_writer_options o;
	parq_writer_options_default(&o);
	o.codec = PARQ_CODEC_ZSTD;
	parq_writer *w;
	int64_t size = 0;
	if (parq_writer_open(&w, argv[1], s, &o) || parq_writer_set_kv(w, "probestore.root_target", "https://example.com") ||
	    parq_writer_write(w, cols, (int64_t)N) || parq_writer_close(w, &size)) {
		fprintf(stderr, "write_sample: %s\n", parq_errmsg());
		parq_schema_free(s);
		return 1;
	}
	fprintf(stderr, "wrote %zu rows to %s (%lld bytes)\n", (size_t)N, argv[1], (long long)size);
	parq_schema_free(s);
	return 0;
}
