/* Monitoring a file: three fetched versions of a JavaScript bundle (and one
 * re-fetch that changed nothing) stored with ps_history_store_content,
 * then the last record and its diff printed.
 *
 *   monitor [DATA_DIR]
 *
 * DATA_DIR is a new or empty directory (default: a new one under /tmp);
 * run again on the same one, the first fetch is a change against the
 * third version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probestore/probestore.h"

static const char *URL = "https://shop.example.com/static/js/app.js";

static const char *VERSIONS[] = {
	"import { api } from './api.js';\n"
	"const BASE = '/api/v1';\n"
	"export function login(user, pass) {\n"
	"  return api.post(BASE + '/login', { user, pass });\n"
	"}\n",

	"import { api } from './api.js';\n"
	"const BASE = '/api/v2';\n"
	"export function login(user, pass) {\n"
	"  return api.post(BASE + '/login', { user, pass });\n"
	"}\n"
	"export function debugDump() {\n"
	"  return api.get('/internal/debug/dump');\n"
	"}\n",

	"import { api } from './api.js';\n"
	"const BASE = '/api/v2';\n"
	"export function login(user, pass, otp) {\n"
	"  return api.post(BASE + '/login', { user, pass, otp });\n"
	"}\n"
	"export function debugDump() {\n"
	"  return api.get('/internal/debug/dump');\n"
	"}\n",
};

static const char *status_name(ps_content_status s)
{
	return s == PS_CONTENT_NEW ? "new" : s == PS_CONTENT_CHANGED ? "changed" : "unchanged";
}

static void print_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%03dZ", buf, (int)(ms % 1000));
}

/* Prints text with a prefix before each line. */
static void print_lines(char mark, const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		printf("  %c %.*s\n", mark, (int)n, text + i);
		i += n + 1;
	}
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/probestore-monitor-XXXXXX";
	ps_store_options o;
	ps_store_options_default(&o);
	o.base_path = argc > 1 ? argv[1] : mkdtemp(tmp);
	if (!o.base_path) {
		perror("monitor: mkdtemp");
		return 1;
	}
	printf("data in %s\n", o.base_path);
	ps_store *st;
	if (ps_store_open(&st, &o)) {
		fprintf(stderr, "monitor: %s\n", ps_errmsg());
		return 1;
	}
	/* fetched every ten minutes; the third fetch found nothing new */
	const int order[] = {0, 1, 1, 2};
	const int64_t t0 = 1764576000000; /* 2025-12-01T08:00:00Z */
	for (int i = 0; i < 4; i++) {
		const char *body = VERSIONS[order[i]];
		char etag[32];
		snprintf(etag, sizeof etag, "\"v%d\"", order[i] + 1);
		ps_history_fetch f = {
			.url = URL, .content = body, .content_len = strlen(body), .content_type = "application/javascript",
			.etag = etag, .last_modified = "Mon, 01 Dec 2025 08:00:00 GMT", .fetched_at_ms = t0 + i * 600000LL,
		};
		ps_history_content_result r;
		if (ps_history_store_content(st, &f, &r)) {
			fprintf(stderr, "monitor: %s\n", ps_errmsg());
			ps_store_close(st);
			return 1;
		}
		printf("fetch %d: %-9s %.12s", i + 1, status_name(r.status), r.hash);
		if (r.status == PS_CONTENT_CHANGED)
			printf("  (+%lld -%lld lines)", (long long)r.lines_added, (long long)r.lines_deleted);
		printf("\n");
	}

	ps_history_record *last;
	if (ps_history_last(st, URL, &last)) {
		fprintf(stderr, "monitor: %s\n", ps_errmsg());
		ps_store_close(st);
		return 1;
	}
	printf("\nlast record of %s\n  stored at     ", last->url);
	print_time(last->timestamp_ms);
	printf("\n  hash          %s\n  content type  %s\n  etag          %s\n  content       %zu bytes\n", last->hash,
	       last->content_type ? last->content_type : "-", last->etag ? last->etag : "-", last->content_len);

	ps_diff_result d;
	int rc = ps_diff_result_parse(last->diff_result_json, strlen(last->diff_result_json), last->extracted_paths_json,
	                              &d);
	ps_history_record_free(last);
	if (rc) {
		fprintf(stderr, "monitor: %s\n", ps_errmsg());
		ps_diff_result_free(&d);
		ps_store_close(st);
		return 1;
	}
	printf("\ndiff against %.12s: +%lld -%lld lines, %lld changed\n", d.old_hash, (long long)d.lines_added,
	       (long long)d.lines_deleted, (long long)d.lines_changed);
	for (size_t i = 0; i < d.n_diffs; i++) {
		const ps_content_diff *c = &d.diffs[i];
		print_lines(c->operation == PS_DIFF_INSERT ? '+' : c->operation == PS_DIFF_DELETE ? '-' : ' ', c->text,
		            c->text_len);
	}
	ps_diff_result_free(&d);

	ps_history_set all;
	if (ps_history_records(st, URL, 0, &all) == 0) {
		printf("\n%zu versions stored, newest first:", all.n);
		for (size_t i = 0; i < all.n; i++)
			printf(" %.8s", all.records[i].hash);
		printf("\n");
		ps_history_set_free(&all);
	}
	ps_store_close(st);
	return 0;
}
