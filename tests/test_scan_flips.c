/* Damage in a scan file never reads back as other rows: single-bit flips
 * anywhere in the pages of a scan (dictionary and data pages of every
 * column) are either detected when the file is read (the page checksums
 * every scan now carries, or the decoding's own checks) or leave every
 * row's values as they were. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parq/meta.h"
#include "parq/parq.h"
#include "probestore/probestore.h"
#include "test.h"

#undef CHECK_OK
#define CHECK_OK(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)

static char base[] = "/tmp/ps_flips_XXXXXX";

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f)
{
	(void)s, (void)flag, (void)f;
	return remove(p);
}

static uint64_t mix(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

/* A digest of every row's values, in order. */
static int digest_row(void *ud, const ps_probe_result *r)
{
	uint64_t *h = ud;
	char num[64];
	snprintf(num, sizeof num, "%d/%lld/%lld/%lld", (int)r->status_code, (long long)r->content_length,
	         (long long)r->scan_timestamp_ms, (long long)r->oldest_scan_timestamp_ms);
	*h = mix(*h, num);
	const char *s[] = {r->input_url, r->final_url, r->content_type, r->title, r->web_server, r->error,
	                   r->method, r->url_status};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		*h = mix(*h, s[i]);
	for (size_t i = 0; i < r->n_technologies; i++)
		*h = mix(*h, r->technologies[i]);
	for (size_t i = 0; i < r->n_ips; i++)
		*h = mix(*h, r->ips[i]);
	for (size_t i = 0; i < r->n_headers; i++)
		*h = mix(mix(*h, r->headers[i].name), r->headers[i].value);
	return 0;
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	ps_store *st;
	REQUIRE(ps_store_open(&st, &so) == 0);
	enum { N = 2000 };
	static char urls[N][64], titles[N][48];
	static const char *techs[] = {"Nginx:1.25.3", "WordPress", "PHP:8.2", "React"};
	static ps_header hdr[N][2];
	static ps_probe_result res[N];
	uint64_t seed = 5;
	for (int i = 0; i < N; i++) {
		snprintf(urls[i], sizeof urls[i], "https://flips.example.com/p/%d", i);
		snprintf(titles[i], sizeof titles[i], "Page %d", (int)(test_rand(&seed) % 50));
		hdr[i][0] = (ps_header){"server", "nginx"};
		hdr[i][1] = (ps_header){"x-id", urls[i] + 26};
		res[i] = (ps_probe_result){.input_url = urls[i], .status_code = 200 + (int)(test_rand(&seed) % 4) * 100,
		                           .content_length = (int64_t)(test_rand(&seed) % 9000), .title = titles[i],
		                           .web_server = "nginx", .technologies = techs + test_rand(&seed) % 3,
		                           .n_technologies = 1 + test_rand(&seed) % 2, .headers = hdr[i], .n_headers = 2};
	}
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "flips.example.com";
	o.scan_time_ms = 1764000000000;
	o.rows_per_row_group = 500;
	ps_scan_result sr;
	CHECK_OK(ps_scan_write(st, &o, res, N, &sr));
	uint64_t want = 1469598103934665603ull;
	CHECK_OK(ps_scan_stream(sr.path, digest_row, &want, NULL));

	/* the pages: from the start to the page indexes and footer */
	parq_reader *r;
	REQUIRE(parq_reader_open(&r, sr.path, NULL) == 0);
	const parq_file_meta *fm = parq_reader_metadata(r);
	int64_t pages_end = 0;
	for (uint32_t g = 0; g < fm->n_row_groups; g++)
		for (uint32_t c = 0; c < fm->row_groups[g].n_columns; c++) {
			const parq_meta_column *m = &fm->row_groups[g].columns[c].meta;
			int64_t start = m->has_dictionary_page_offset && m->dictionary_page_offset > 0 ? m->dictionary_page_offset
			                                                                                : m->data_page_offset;
			if (start + m->total_compressed_size > pages_end)
				pages_end = start + m->total_compressed_size;
		}
	parq_reader_close(r);
	REQUIRE(pages_end > 4);

	struct stat sb;
	REQUIRE(stat(sr.path, &sb) == 0);
	unsigned char *orig = malloc((size_t)sb.st_size);
	REQUIRE(orig);
	FILE *f = fopen(sr.path, "rb");
	REQUIRE(f && fread(orig, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size);
	fclose(f);
	char copy[4200];
	snprintf(copy, sizeof copy, "%s/copy.parquet", base);
	int tried = 0, detected = 0, silent = 0;
	for (int k = 0; k < 300; k++) {
		int64_t at = 4 + (int64_t)(test_rand(&seed) % (uint64_t)(pages_end - 4));
		int bit = (int)(test_rand(&seed) % 8);
		orig[at] ^= (unsigned char)(1u << bit);
		f = fopen(copy, "wb");
		REQUIRE(f && fwrite(orig, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size);
		fclose(f);
		orig[at] ^= (unsigned char)(1u << bit);
		uint64_t got = 1469598103934665603ull;
		int rc = ps_scan_stream(copy, digest_row, &got, NULL);
		tried++;
		if (rc)
			detected++;
		else if (got != want) {
			silent++;
			fprintf(stderr, "flip of bit %d at offset %lld changed the rows without an error\n", bit, (long long)at);
		}
	}
	CHECK_EQ_INT(silent, 0);
	CHECK(detected > tried * 9 / 10);
	printf("test_scan_flips: %d single-bit flips in the pages of a scan of %d rows: %d detected, %d changed "
	       "nothing, 0 changed rows unseen\n", tried, N, detected, tried - detected - silent);
	free(orig);
	ps_store_close(st);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_report("test_scan_flips");
}
