/* probestore verify: every Parquet file under the data directory read back
 * in full. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "format.h"
#include "parq/parq.h"

static const char usage[] =
	"usage: probestore verify [--verbose]\n\n"
	"Reads every Parquet file under the data directory in full: every page of every\n"
	"column decoded and every row assembled, page checksums checked where present;\n"
	"scan files are also read as probe results, and every file history record's hash\n"
	"is compared with its content. Reports each file that does not read\n"
	"back, with the reason, on standard error, then a summary; exit status 1 if any\n"
	"file does not read back.\n\n"
	"Options:\n"
	"  -v, --verbose  also list every file that reads back, with its rows\n";

typedef struct verify {
	bool verbose;
	int64_t files, rows, bad, gone;
	strbuf out;
} verify;

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* Every row of any Parquet file. */
static int read_parquet(const char *path, int64_t *rows)
{
	parq_reader *r;
	if (parq_reader_open(&r, path, NULL))
		return -1;
	parq_row_reader *rr;
	if (parq_row_reader_open(&rr, r, NULL, 0)) {
		parq_reader_close(r);
		return -1;
	}
	const parq_value *row;
	int rc;
	*rows = 0;
	while (!(rc = parq_row_reader_next(rr, &row)) && row)
		(*rows)++;
	parq_row_reader_close(rr);
	parq_reader_close(r);
	return rc ? -1 : 0;
}

/* A scan file read as probe results: the schema checked and every result
 * converted, as queries would read it. */
static int read_scan(const char *path, int64_t *rows)
{
	ps_probe_iter *it;
	if (ps_probe_iter_open(&it, path))
		return -1;
	const ps_probe_result *r;
	int rc;
	*rows = 0;
	while (!(rc = ps_probe_iter_next(it, &r)) && r)
		(*rows)++;
	ps_probe_iter_close(it);
	return rc ? -1 : 0;
}

/* A file listed but no longer there was moved while the store is in use:
 * a history file to its archive (where the walk meets it, the archive
 * coming after the file), a scan replaced. Not damage; counted apart. */
static bool vanished(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) != 0 && errno == ENOENT;
}

static void check_file(verify *v, ps_store *st, const char *path, bool scan, bool history)
{
	int64_t rows = 0, probes;
	/* libparq's and the store's messages name the file; a history file's
	 * records are also checked against their hashes */
	const char *err = read_parquet(path, &rows) ? parq_errmsg()
	                  : scan && read_scan(path, &probes) ? ps_errmsg()
	                  : history && ps_history_verify(st, path, NULL, NULL) ? ps_errmsg()
	                                                                      : NULL;
	if (err && vanished(path)) {
		v->gone++;
		return;
	}
	v->files++;
	if (err) {
		cli_error("%s", err);
		v->bad++;
		return;
	}
	v->rows += rows;
	if (v->verbose)
		sb_printf(&v->out, "ok  %s (%" PRId64 " row%s)\n", path, rows, rows == 1 ? "" : "s");
}

static bool is_scan_name(const char *name)
{
	return !strncmp(name, "scan_", 5) && has_suffix(name, ".parquet");
}

static int walk(verify *v, ps_store *st, const char *dir, bool in_probe_results, bool in_history)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		cli_error("cannot list %s: %s", dir, strerror(errno));
		v->bad++;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			free(ents[i]);
			continue;
		}
		size_t len = strlen(dir) + strlen(name) + 2;
		char *path = malloc(len);
		if (!path) {
			cli_error("out of memory");
			for (; i < n; i++)
				free(ents[i]);
			free(ents);
			return -1;
		}
		snprintf(path, len, "%s/%s", dir, name);
		struct stat sb;
		if (lstat(path, &sb) != 0) {
			if (errno == ENOENT) {
				v->gone += has_suffix(name, ".parquet");
			} else {
				cli_error("%s: %s", path, strerror(errno));
				v->bad++;
			}
		} else if (S_ISDIR(sb.st_mode)) {
			walk(v, st, path, in_probe_results || !strcmp(name, "probe_results"),
			     in_history || !strcmp(name, "file_history"));
		} else if (S_ISREG(sb.st_mode) && has_suffix(name, ".parquet")) {
			check_file(v, st, path, in_probe_results && is_scan_name(name), in_history && name[0] != '.');
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	verify v = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			v.verbose = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("verify", "unknown option '%s'", argv[i]);
		else
			return cli_usage_error("verify", "unexpected argument '%s'", argv[i]);
	}
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	const char *base = ps_store_base_path(st);
	if (walk(&v, st, base, false, false)) {
		cli_store_close(st);
		sb_free(&v.out);
		return EXIT_RUNTIME;
	}
	if (v.bad)
		sb_printf(&v.out, "%" PRId64 " of %" PRId64 " files in %s do not read back\n", v.bad, v.files, base);
	else
		sb_printf(&v.out, "%" PRId64 " file%s in %s read back (%" PRId64 " row%s)\n", v.files, v.files == 1 ? "" : "s",
		          base, v.rows, v.rows == 1 ? "" : "s");
	if (v.gone)
		sb_printf(&v.out, "%" PRId64 " file%s moved or removed while being read (not counted)\n", v.gone,
		          v.gone == 1 ? "" : "s");
	rc = cli_write(v.out.data, v.out.len) && !v.bad ? EXIT_OK : EXIT_RUNTIME;
	sb_free(&v.out);
	cli_store_close(st);
	return rc;
}

const cli_command cmd_verify = {"verify", "read every file in the data directory back", usage, run};
