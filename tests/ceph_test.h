/* The S3 endpoint of a Ceph-backed test: a running service named by the
 * environment (AWS_ENDPOINT_URL, the keys and PROBESTORE_S3_BUCKET, as
 * `scripts/ceph.sh env DIR` prints them), or a one-node cluster started
 * here with scripts/ceph.sh in a temporary directory and stopped at exit.
 * Without Ceph the test skips (77), unless PROBESTORE_REQUIRE_CEPH=1. */
#ifndef CEPH_TEST_H
#define CEPH_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/s3.h"
#include "test.h"

static const char *ceph_test_name = "test";
static char ceph_dir[256]; /* a cluster this test started; "" when none */

static void ceph_stop(void)
{
	if (!ceph_dir[0])
		return;
	const char *src = getenv("PROBESTORE_SRC");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "bash '%s/scripts/ceph.sh' stop '%s'", src ? src : ".", ceph_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: stopping the Ceph cluster in %s failed\n", ceph_test_name, ceph_dir);
	ceph_dir[0] = 0;
}

static int skip_or_fail(const char *why)
{
	const char *req = getenv("PROBESTORE_REQUIRE_CEPH");
	if (req && !strcmp(req, "1")) {
		fprintf(stderr, "%s: %s, and PROBESTORE_REQUIRE_CEPH=1 requires the Ceph tests to run\n", ceph_test_name, why);
		return 1;
	}
	printf("%s: SKIP: %s (Debian: ceph-mon ceph-osd radosgw ceph-common; "
	       "scripts/install-deps.sh with PROBESTORE_WITH_CEPH=1)\n", ceph_test_name, why);
	return 77;
}

/* Sets the variables of an "export A=1 B=2" line. */
static void env_load(const char *path)
{
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	char line[2048];
	REQUIRE(fgets(line, sizeof line, f));
	fclose(f);
	char *save = NULL;
	for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(t, '=');
		if (!eq || !strcmp(t, "export"))
			continue;
		*eq = 0;
		setenv(t, eq + 1, 1);
	}
}

/* 0 when an endpoint is ready (*started: this test started the cluster, in
 * ceph_dir), 77 or 1 when the test cannot run. */
static int ceph_ready_named(const char *name, bool *started)
{
	ceph_test_name = name;
	*started = false;
	if (getenv("AWS_ENDPOINT_URL") && getenv("PROBESTORE_S3_BUCKET") && getenv("AWS_ACCESS_KEY_ID")) {
		printf("%s: using the running S3 service at %s\n", name, getenv("AWS_ENDPOINT_URL"));
		return 0;
	}
	if (system("command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && "
	           "command -v ceph-osd >/dev/null && command -v radosgw-admin >/dev/null") != 0)
		return skip_or_fail("Ceph (ceph-mon, ceph-osd, radosgw) is not installed");
	const char *src = getenv("PROBESTORE_SRC");
	if (!src)
		return skip_or_fail("PROBESTORE_SRC (the source tree, for scripts/ceph.sh) is not set");
	const char *tmp = getenv("TMPDIR");
	snprintf(ceph_dir, sizeof ceph_dir, "%s/probestore-ceph-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	REQUIRE(mkdtemp(ceph_dir));
	atexit(ceph_stop);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "bash '%s/scripts/ceph.sh' start '%s' >/dev/null", src, ceph_dir);
	time_t t0 = time(NULL);
	int st = system(cmd);
	if (st != 0) {
		fprintf(stderr, "%s: scripts/ceph.sh start failed (status %d)\n", name, st);
		return 1;
	}
	char envf[300];
	snprintf(envf, sizeof envf, "%s/env", ceph_dir);
	env_load(envf);
	*started = true;
	printf("%s: Ceph started in %s in about %lld s, S3 at %s\n", name, ceph_dir, (long long)(time(NULL) - t0),
	       getenv("AWS_ENDPOINT_URL"));
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deletes every object under s3's prefix (a run's own), then checks that
 * none is left. */
static void cleanup_run(ps_s3 *s3)
{
	ps_s3_list_page p;
	size_t deleted = 0;
	for (int round = 0; round < 1000; round++) {
		if (ps_s3_list(s3, "", NULL, NULL, 500, &p)) {
			fprintf(stderr, "cleanup: %s\n", ps_errmsg());
			CHECK(0);
			return;
		}
		size_t n = p.n_entries;
		for (size_t i = 0; i < n; i++)
			deleted += ps_s3_delete(s3, p.entries[i].key) == 0;
		ps_s3_list_page_free(&p);
		if (!n)
			break;
	}
	int rc = ps_s3_list(s3, "", NULL, NULL, 0, &p);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		CHECK_EQ_INT(p.n_entries, 0);
		ps_s3_list_page_free(&p);
	}
	printf("%s: %zu objects of this run deleted\n", ceph_test_name, deleted);
}

#endif
