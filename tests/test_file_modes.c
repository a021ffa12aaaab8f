/* Every file the store creates gets 0666 under the process's umask, as
 * open(2) would give it: scan files, history files, their archives and
 * lock files alike, so that another user (or DuckDB run as one) reads
 * them when the umask allows. */
#include <dirent.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "history_test.h"

static char base[] = "/tmp/ps_modes_XXXXXX";

static void max_size(ps_config *c)
{
	c->history.max_file_size = 2000;
}

/* Checks the mode of every regular file under dir (recursively), returns
 * their number. */
static int check_tree(const char *dir, mode_t want)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			n += check_tree(p, want);
		} else if (S_ISREG(sb.st_mode)) {
			n++;
			if ((sb.st_mode & 07777) != want)
				fprintf(stderr, "%s: mode %04o, expected %04o\n", p, (unsigned)(sb.st_mode & 07777),
				        (unsigned)want);
			CHECK_EQ_INT(sb.st_mode & 07777, want);
		}
	}
	closedir(d);
	return n;
}

static void write_all(const char *dir, mode_t mask)
{
	umask(mask);
	ps_store *st = ht_open(dir, max_size);
	ps_probe_result r[2];
	memset(r, 0, sizeof r);
	r[0].input_url = "https://a.example.com/";
	r[0].status_code = 200;
	r[1].input_url = "https://b.example.com/login";
	r[1].status_code = 302;
	ps_scan_options so;
	ps_scan_options_default(&so);
	so.root_target = "example.com";
	ps_scan_result sr;
	CHECK_OK(ps_scan_write(st, &so, r, 2, &sr));
	struct stat sb;
	CHECK(stat(sr.path, &sb) == 0 && (sb.st_mode & 0777) == (0666 & ~mask));

	char content[3000];
	bool archived = false;
	for (int v = 0; v < 4; v++) {
		int n = ht_fill(content, sizeof content, 0, 1500, (uint64_t)v + 1, "\n");
		ps_history_record h = {.url = "https://example.com/app.js", .timestamp_ms = 1700000000000 + v,
		                       .hash = v % 2 ? "h1" : "h0", .content = (const uint8_t *)content,
		                       .content_len = (size_t)n};
		ps_history_write_result hr;
		CHECK_OK(ps_history_store(st, &h, &hr));
		archived |= hr.archived[0] != 0;
	}
	CHECK(archived);
	ps_store_close(st);
	/* the scan, its target's files, the history file, its lock and at
	 * least one archive */
	CHECK(check_tree(dir, 0666 & ~mask) >= 4);
}

int main(void)
{
	REQUIRE(mkdtemp(base));
	char dir[600];
	snprintf(dir, sizeof dir, "%s/umask022", base);
	write_all(dir, 022);
	snprintf(dir, sizeof dir, "%s/umask002", base);
	write_all(dir, 002);
	snprintf(dir, sizeof dir, "%s/umask077", base);
	write_all(dir, 077);
	umask(022);
	ht_rm_rf(base);
	return test_report("test_file_modes");
}
