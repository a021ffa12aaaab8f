/* Two scans of one target, their URL diff, and a query.
 *
 *   scan_diff DATA_DIR
 *
 * Writes a first scan of shop.example.com (three URLs), a second one a day
 * later (one URL gone, one new), then prints the diff and the 2xx results
 * of the latest scan that run Nginx. */
#include <stdio.h>

#include "probestore/probestore.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: scan_diff DATA_DIR\n");
		return 2;
	}
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = argv[1];
	if (ps_store_open(&st, &so)) {
		fprintf(stderr, "scan_diff: %s\n", ps_errmsg());
		return 1;
	}
	const char *nginx[] = {"Nginx", "PHP"};
	const char *react[] = {"React"};
	const char *ip[] = {"93.184.215.14"};
	ps_header hdr[] = {{"server", "nginx/1.25.3"}, {"content-type", "text/html"}};
	ps_probe_result first[] = {
		{.input_url = "https://shop.example.com/", .status_code = 200, .title = "Shop", .web_server = "nginx",
		 .technologies = nginx, .n_technologies = 2, .ips = ip, .n_ips = 1, .headers = hdr, .n_headers = 2,
		 .content_type = "text/html", .content_length = 5120, .method = "GET"},
		{.input_url = "https://shop.example.com/admin", .status_code = 403, .web_server = "nginx",
		 .technologies = nginx, .n_technologies = 1, .method = "GET"},
		{.input_url = "https://shop.example.com/old-api", .status_code = 200, .content_type = "application/json",
		 .method = "GET"},
	};
	ps_probe_result second[] = {
		first[0],
		first[1],
		{.input_url = "https://shop.example.com/app", .status_code = 200, .title = "App",
		 .technologies = react, .n_technologies = 1, .web_server = "nginx", .method = "GET"},
	};
	ps_scan_options o;
	ps_scan_options_default(&o);
	o.root_target = "shop.example.com";
	o.scan_time_ms = 1764000000000; /* 2025-11-24 16:00:00 UTC */
	ps_scan_result r1, r2;
	if (ps_scan_write(st, &o, first, 3, &r1))
		goto fail;
	o.scan_time_ms += 86400000;
	if (ps_scan_write(st, &o, second, 3, &r2))
		goto fail;
	printf("scan 1: %s (%lld records)\n", r1.path, (long long)r1.records);
	printf("scan 2: %s (%lld records, %lld new, %lld existing)\n", r2.path, (long long)r2.records,
	       (long long)r2.n_new, (long long)r2.n_existing);

	ps_url_diff d;
	if (ps_store_diff_latest(st, "shop.example.com", &d))
		goto fail;
	for (size_t i = 0; i < d.n_new; i++)
		printf("new      %s\n", d.new_urls[i]);
	for (size_t i = 0; i < d.n_existing; i++)
		printf("existing %s\n", d.existing_urls[i]);
	for (size_t i = 0; i < d.n_old; i++)
		printf("old      %s\n", d.old_urls[i]);
	ps_url_diff_free(&d);

	ps_query q;
	ps_query_default(&q);
	q.root_target = "shop.example.com";
	ps_status_range ok = {200, 299};
	q.status_ranges = &ok;
	q.n_status_ranges = 1;
	q.technology = "Nginx";
	ps_probe_set set;
	if (ps_store_search(st, &q, &set))
		goto fail;
	printf("2xx with Nginx in the latest scan: %lld\n", (long long)set.total);
	for (size_t i = 0; i < set.n; i++)
		printf("  %s %d \"%s\" first seen %lld, %s\n", set.items[i].input_url, set.items[i].status_code,
		       set.items[i].title ? set.items[i].title : "", (long long)set.items[i].oldest_scan_timestamp_ms,
		       set.items[i].url_status);
	ps_probe_set_free(&set);
	ps_store_close(st);
	return 0;
fail:
	fprintf(stderr, "scan_diff: %s\n", ps_errmsg());
	ps_store_close(st);
	return 1;
}
