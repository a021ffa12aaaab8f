/* Writes the benchmark data set as JSON Lines.
 *
 *   bench_gen --rows N [--seed S] [--format httpx|rows|targets|subdomains] [--target T] OUT
 *
 * httpx: what `httpx -json` prints (url, input, status_code, tech, a,
 * header, ...). rows: one object per scan-file row with the 17 columns of
 * the probe schema (for the peers to load before they write Parquet).
 * targets: httpx lines over 50 targets that are registrable domains of
 * their own, `input` the target, so that `probestore ingest` makes one
 * scan per target. subdomains: httpx lines over subdomains of 20
 * registrable domains, 7 in 10 lines a new subdomain, `input` the
 * subdomain (gen.h).
 * --target T keeps only rows of target T (0..49). The same seed gives the
 * same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "gen.h"

static void str_field(strbuf *b, const char *name, const char *v, bool *first)
{
	if (!*first)
		sb_putc(b, ',');
	*first = false;
	sb_printf(b, "\"%s\":", name);
	if (v)
		json_string(b, (const uint8_t *)v, strlen(v));
	else
		sb_puts(b, "null");
}

static void list_field(strbuf *b, const char *name, const char *const *v, size_t n, bool *first)
{
	if (!*first)
		sb_putc(b, ',');
	*first = false;
	sb_printf(b, "\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(b, ',');
		json_string(b, (const uint8_t *)v[i], strlen(v[i]));
	}
	sb_putc(b, ']');
}

static void headers_object(strbuf *b, const ps_probe_result *r)
{
	sb_putc(b, '{');
	for (size_t k = 0; k < r->n_headers; k++) {
		if (k)
			sb_putc(b, ',');
		json_string(b, (const uint8_t *)r->headers[k].name, strlen(r->headers[k].name));
		sb_putc(b, ':');
		json_string(b, (const uint8_t *)r->headers[k].value, strlen(r->headers[k].value));
	}
	sb_putc(b, '}');
}

static void httpx_line(strbuf *b, const bench_row *row)
{
	const ps_probe_result *r = &row->r;
	bool first = true;
	time_t s = (time_t)(row->timestamp_ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	sb_putc(b, '{');
	sb_printf(b, "\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
	          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(row->timestamp_ms % 1000));
	first = false;
	str_field(b, "url", r->input_url, &first);
	str_field(b, "input", row->input[0] ? row->input : r->input_url, &first);
	if (r->error) {
		str_field(b, "error", r->error, &first);
		sb_puts(b, ",\"failed\":true}");
		return;
	}
	if (r->final_url)
		str_field(b, "final_url", r->final_url, &first);
	sb_printf(b, ",\"status_code\":%d,\"content_length\":%lld", r->status_code, (long long)r->content_length);
	str_field(b, "content_type", r->content_type, &first);
	if (r->title)
		str_field(b, "title", r->title, &first);
	if (r->web_server)
		str_field(b, "webserver", r->web_server, &first);
	if (r->n_technologies)
		list_field(b, "tech", r->technologies, r->n_technologies, &first);
	list_field(b, "a", r->ips, r->n_ips, &first);
	str_field(b, "method", r->method, &first);
	sb_puts(b, ",\"header\":");
	headers_object(b, r);
	sb_printf(b, ",\"time\":\"%d.%dms\",\"failed\":false}", 20 + (int)(row->timestamp_ms % 400), (int)(row->timestamp_ms % 10));
}

/* The row as the scan file holds it (the seed's transformation). */
static void rows_line(strbuf *b, const bench_row *row, strbuf *hj)
{
	const ps_probe_result *r = &row->r;
	bool first = true;
	sb_putc(b, '{');
	str_field(b, "original_url", r->input_url, &first);
	str_field(b, "final_url", r->final_url, &first);
	if (r->status_code)
		sb_printf(b, ",\"status_code\":%d", r->status_code);
	else
		sb_puts(b, ",\"status_code\":null");
	if (r->content_length)
		sb_printf(b, ",\"content_length\":%lld", (long long)r->content_length);
	else
		sb_puts(b, ",\"content_length\":null");
	str_field(b, "content_type", r->content_type, &first);
	str_field(b, "title", r->title, &first);
	str_field(b, "web_server", r->web_server, &first);
	list_field(b, "technologies", r->technologies, r->n_technologies, &first);
	list_field(b, "ip_address", r->ips, r->n_ips, &first);
	str_field(b, "root_target_url", r->root_target_url, &first);
	str_field(b, "probe_error", r->error, &first);
	str_field(b, "method", r->method, &first);
	hj->len = 0;
	if (r->n_headers) {
		/* sorted keys, as the store writes headers_json */
		const ps_header *h[15];
		for (size_t k = 0; k < r->n_headers; k++)
			h[k] = &r->headers[k];
		for (size_t k = 1; k < r->n_headers; k++)
			for (size_t j = k; j > 0 && strcmp(h[j - 1]->name, h[j]->name) > 0; j--) {
				const ps_header *x = h[j];
				h[j] = h[j - 1];
				h[j - 1] = x;
			}
		sb_putc(hj, '{');
		for (size_t k = 0; k < r->n_headers; k++) {
			if (k)
				sb_putc(hj, ',');
			json_string(hj, (const uint8_t *)h[k]->name, strlen(h[k]->name));
			sb_putc(hj, ':');
			json_string(hj, (const uint8_t *)h[k]->value, strlen(h[k]->value));
		}
		sb_putc(hj, '}');
		sb_putc(hj, 0);
		str_field(b, "headers_json", hj->data, &first);
	} else {
		str_field(b, "headers_json", NULL, &first);
	}
	str_field(b, "diff_status", "new", &first);
	sb_printf(b, ",\"scan_timestamp\":%lld,\"first_seen_timestamp\":%lld,\"last_seen_timestamp\":%lld}",
	          (long long)1764000000000, (long long)1764000000000, (long long)1764000000000);
}

int main(int argc, char **argv)
{
	int64_t rows = -1;
	uint64_t seed = 1;
	const char *fmt = "httpx", *out = NULL;
	int target = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rows") && i + 1 < argc)
			rows = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--format") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strcmp(argv[i], "--target") && i + 1 < argc)
			target = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !out)
			out = argv[i];
		else {
			fprintf(stderr, "usage: bench_gen --rows N [--seed S] [--format httpx|rows|targets|subdomains] [--target T] OUT\n");
			return 2;
		}
	}
	if (rows < 0 || !out ||
	    (strcmp(fmt, "httpx") && strcmp(fmt, "rows") && strcmp(fmt, "targets") && strcmp(fmt, "subdomains"))) {
		fprintf(stderr, "usage: bench_gen --rows N [--seed S] [--format httpx|rows|targets|subdomains] [--target T] OUT\n");
		return 2;
	}
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		perror(out);
		return 1;
	}
	strbuf b = {0}, hj = {0};
	bench_row row;
	for (int64_t i = 0; i < rows; i++) {
		if (!strcmp(fmt, "targets"))
			bench_gen_target_row(seed, i, &row);
		else if (!strcmp(fmt, "subdomains"))
			bench_gen_subdomain_row(seed, i, &row);
		else
			bench_gen_row(seed, i, &row);
		if (target >= 0 && row.target != target)
			continue;
		b.len = 0;
		if (strcmp(fmt, "rows"))
			httpx_line(&b, &row);
		else
			rows_line(&b, &row, &hj);
		sb_putc(&b, '\n');
		fwrite(b.data, 1, b.len, f);
	}
	sb_free(&b);
	sb_free(&hj);
	if (f != stdout && fclose(f) != 0) {
		perror(out);
		return 1;
	}
	return 0;
}
