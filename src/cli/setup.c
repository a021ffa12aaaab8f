/* The store behind the global options: configuration in its order of
 * precedence (defaults < --config file < PROBESTORE_* variables < flags),
 * the logger it describes, and the data directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "parq/parq.h"

/* The store copies the logger; a log file's descriptor stays ours to close. */
static int log_fd = -1;

int cli_store_open(const cli_global *g, bool must_exist, ps_store **out)
{
	*out = NULL;
	ps_config cfg;
	if (ps_config_default(&cfg)) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	/* a command line tool is quiet unless asked: warnings and errors only,
	 * unless the configuration file or the environment says otherwise */
	cfg.log.level = PS_LOG_WARN;
	int rc = 0;
	if (g->config && ps_config_load_file(&cfg, g->config))
		rc = -1;
	if (!rc && ps_config_apply_env(&cfg, NULL))
		rc = -1;
	if (rc) {
		cli_error("%s", ps_errmsg());
		ps_config_free(&cfg);
		return EXIT_RUNTIME;
	}
	if (g->log_level)
		cfg.log.level = ps_log_level_parse(g->log_level);
	if (g->log_format)
		ps_log_format_parse(g->log_format, &cfg.log.format);
	const char *base = g->data_dir ? g->data_dir : cfg.base_path;
	/* a bucket is not a directory: its listing says whether it is there */
	if (!strncmp(base, "s3://", 5) || (cfg.object.backend && !strcmp(cfg.object.backend, "s3")))
		must_exist = false;
	struct stat sb;
	if (must_exist && stat(base, &sb) != 0) {
		cli_error("data directory %s: %s", base, strerror(errno));
		ps_config_free(&cfg);
		return EXIT_RUNTIME;
	}
	if (must_exist && !S_ISDIR(sb.st_mode)) {
		cli_error("data directory %s: not a directory", base);
		ps_config_free(&cfg);
		return EXIT_RUNTIME;
	}
	ps_logger lg;
	ps_logger_default(&lg);
	lg.min_level = cfg.log.level;
	lg.format = cfg.log.format;
	if (cfg.log.file && *cfg.log.file) {
		int fd = open(cfg.log.file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd < 0) {
			cli_error("log file %s: %s", cfg.log.file, strerror(errno));
			ps_config_free(&cfg);
			return EXIT_RUNTIME;
		}
		lg.fd = log_fd = fd;
	}
	ps_store_options so;
	ps_store_options_default(&so);
	so.base_path = base;
	so.config = &cfg;
	so.logger = &lg;
	if (ps_store_open(out, &so)) {
		cli_error("%s", ps_errmsg());
		ps_config_free(&cfg);
		cli_store_close(NULL);
		return EXIT_RUNTIME;
	}
	ps_config_free(&cfg);
	return EXIT_OK;
}

void cli_store_close(ps_store *st)
{
	ps_store_close(st);
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
}

int cli_parquet_open(const cli_global *g, const char *path, parq_reader **r, ps_store **st)
{
	*st = NULL;
	if (strncmp(path, "s3://", 5) != 0) {
		if (parq_reader_open(r, path, NULL)) {
			cli_error("%s", parq_errmsg());
			return EXIT_RUNTIME;
		}
		return EXIT_OK;
	}
	/* an object: read through a store on its bucket */
	const char *slash = strchr(path + 5, '/');
	size_t blen = slash ? (size_t)(slash - path) : strlen(path);
	char *bucket = cli_xcalloc(blen + 1, 1);
	memcpy(bucket, path, blen);
	cli_global gb = *g;
	gb.data_dir = bucket;
	int rc = cli_store_open(&gb, false, st);
	free(bucket);
	if (rc)
		return rc;
	if (ps_store_open_parquet(*st, path, r)) {
		cli_error("%s", ps_errmsg());
		cli_store_close(*st);
		*st = NULL;
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int cli_each_target(ps_store *st, int (*fn)(void *ud, const ps_target_info *t, size_t i), void *ud, size_t *n_out)
{
	ps_target_info *targets;
	size_t n;
	if (ps_store_list_targets(st, &targets, &n)) {
		cli_error("%s", ps_errmsg());
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(ud, &targets[i], i);
	free(targets);
	if (n_out)
		*n_out = n;
	return rc;
}
