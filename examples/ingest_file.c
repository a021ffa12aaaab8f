/* httpx -json output into the store, as `probestore ingest` does it.
 *
 *   ingest_file DATA_DIR FILE
 *
 * Ingests FILE (httpx -json output, or probestore's own JSON Lines) with
 * the defaults: grouped by registrable domain, bad lines fail the ingest,
 * parsed on every CPU. Prints one line per scan written. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "probestore/probestore.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ingest_file DATA_DIR FILE\n");
		return 2;
	}
	ps_store *st;
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = argv[1];
	if (ps_store_open(&st, &so)) {
		fprintf(stderr, "ingest_file: %s\n", ps_errmsg());
		return 1;
	}
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		ps_store_close(st);
		return 1;
	}
	ps_ingest *in = NULL;
	ps_ingest_summary sum = {0};
	int rc = ps_ingest_open(&in, st, NULL);
	if (!rc)
		rc = ps_ingest_read_fd(in, fd, argv[2]);
	if (!rc)
		rc = ps_ingest_finish(in, &sum);
	if (rc)
		fprintf(stderr, "ingest_file: %s\n", ps_errmsg());
	for (size_t k = 0; k < sum.n_scans; k++) {
		const ps_ingest_scan *s = &sum.scans[k];
		printf("%s: %" PRId64 " records (%" PRId64 " new, %" PRId64 " existing, %" PRId64 " old) in %s\n",
		       s->host_port, s->records, s->n_new, s->n_existing, s->n_old, s->path);
	}
	ps_ingest_summary_free(&sum);
	ps_ingest_close(in);
	close(fd);
	ps_store_close(st);
	return rc ? 1 : 0;
}
