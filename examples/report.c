/* The report of a data directory from C: its totals through the data API,
 * then the HTML page.
 *
 *   report DATA_DIR > report.html
 *
 * Prints one line per target to stderr (scans, new and old URLs of the
 * latest scan, failed probes) and writes the page to stdout. */
#include <stdio.h>
#include <unistd.h>

#include "probestore/probestore.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: report DATA_DIR > report.html\n");
		return 2;
	}
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = argv[1];
	if (ps_store_open(&st, &so)) {
		fprintf(stderr, "report: %s\n", ps_errmsg());
		return 1;
	}
	ps_report_options o;
	ps_report_options_default(&o);
	ps_report r;
	int rc = ps_report_gather(st, &o, &r);
	if (!rc) {
		for (size_t i = 0; i < r.n_targets; i++) {
			const ps_report_target *t = &r.targets[i];
			fprintf(stderr, "%s: %zu scans, %lld new, %lld old, %lld failed\n", t->host_port, t->n_scans,
			        (long long)t->new_urls.total, (long long)t->old_urls.total, (long long)t->failed.total);
		}
		fprintf(stderr, "%lld monitored files\n", (long long)r.total_files);
		rc = ps_report_render_html(&r, STDOUT_FILENO);
	}
	if (rc)
		fprintf(stderr, "report: %s\n", ps_errmsg());
	ps_report_free(&r);
	ps_store_close(st);
	return rc ? 1 : 0;
}
