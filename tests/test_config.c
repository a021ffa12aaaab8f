/* Configuration: the seed's defaults, a full YAML round, a seed-shaped
 * config file, every kind of error message, environment overrides, the
 * auto codec thresholds, and 2,000 random and mutated documents. */
#include "probestore/probestore.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "parq/parq.h"
#include "test.h"

#define MIB ((uint64_t)1 << 20)

#define CHECK_PS(expr) do { int _rc = (expr); test_checks++; if (_rc != 0) { test_failures++; \
	fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc, ps_errmsg()); } } while (0)
#define CHECK_STREQ(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
	if (!_a || !_b || strcmp(_a, _b) != 0) { test_failures++; fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", \
	__FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)

/* Loads yaml over defaults and expects PS_ECONFIG with exactly msg. */
static void expect_error(int line, const char *yaml, const char *msg)
{
	ps_config c;
	REQUIRE(ps_config_default(&c) == 0);
	int rc = ps_config_load_string(&c, yaml, "config.yaml");
	test_checks++;
	if (rc != PS_ECONFIG || strcmp(ps_errmsg(), msg) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: rc %d, message\n  \"%s\"\nexpected\n  \"%s\"\n", __FILE__, line, rc, ps_errmsg(),
		        msg);
	}
	/* a failed load leaves the config as it was */
	CHECK_STREQ(c.base_path, "./data");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_ZSTD);
	CHECK_EQ_INT(c.writer.batch_size, 1000);
	ps_config_free(&c);
}
#define EXPECT_ERROR(yaml, msg) expect_error(__LINE__, yaml, msg)

static bool config_equal(const ps_config *a, const ps_config *b)
{
	bool same_file = (!a->log.file && !b->log.file) ||
	                 (a->log.file && b->log.file && strcmp(a->log.file, b->log.file) == 0);
	return strcmp(a->base_path, b->base_path) == 0 && a->codec == b->codec &&
	       a->compression_level == b->compression_level && memcmp(&a->writer, &b->writer, sizeof a->writer) == 0 &&
	       memcmp(&a->reader, &b->reader, sizeof a->reader) == 0 &&
	       memcmp(&a->history, &b->history, sizeof a->history) == 0 && a->log.level == b->log.level &&
	       a->log.format == b->log.format && same_file;
}

static void test_defaults(void)
{
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	/* seed: storage_config (constants.go, datastore README) */
	CHECK_STREQ(c.base_path, "./data");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_ZSTD);
	CHECK_EQ_INT(c.compression_level, 0);
	/* seed: DefaultParquetWriterConfig */
	CHECK_EQ_INT(c.writer.batch_size, 1000);
	CHECK(c.writer.enable_validation);
	CHECK_EQ_INT(c.writer.rows_per_row_group, 100000);
	CHECK_EQ_INT(c.writer.max_file_size, 0);
	CHECK_EQ_INT(c.writer.utf8_repair, PS_UTF8_REPLACE);
	CHECK_EQ_INT(c.writer.max_line_size, 16 * MIB);
	CHECK_EQ_INT(c.reader.default_limit, 0);
	CHECK_EQ_INT(c.reader.stream_batch_size, 1024);
	CHECK(!c.reader.use_mmap);
	CHECK(c.reader.verify_crc);
	/* seed: DefaultParquetFileHistoryStoreConfig, maxMonitorHistoryFileSize */
	CHECK_EQ_INT(c.history.max_file_size, 100 * MIB);
	CHECK(c.history.enable_compression);
	CHECK(c.history.enable_archive);
	CHECK_EQ_INT(c.history.compaction_threshold, 32);
	/* seed: NewDefaultDiffReporterConfig MaxDiffFileSizeMB */
	CHECK_EQ_INT(c.history.max_diff_size, 10 * MIB);
	CHECK_EQ_INT(c.history.url_hash_length, 8);
	/* seed: NewDefaultLogConfig */
	CHECK_EQ_INT(c.log.level, PS_LOG_INFO);
	CHECK_EQ_INT(c.log.format, PS_LOG_FORMAT_CONSOLE);
	CHECK(c.log.file == NULL);
	CHECK_PS(ps_config_validate(&c));

	ps_config d;
	CHECK_PS(ps_config_copy(&d, &c));
	CHECK(d.base_path != c.base_path);
	CHECK(config_equal(&c, &d));
	ps_config_free(&d);
	ps_config_free(&d); /* idempotent */
	ps_config_free(&c);
	ps_config_free(NULL);

	/* an empty document, comments only, or a null document change nothing */
	const char *empties[] = { "", "# nothing\n", "---\n", "~\n", "---\n...\n", "storage_config:\n",
	                          "storage_config: ~\nlog_config:\n" };
	for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		ps_config e;
		CHECK_PS(ps_config_default(&e));
		CHECK_PS(ps_config_default(&d));
		CHECK_PS(ps_config_load_string(&e, empties[i], NULL));
		CHECK(config_equal(&e, &d));
		ps_config_free(&e);
		ps_config_free(&d);
	}
}

static const char FULL[] =
	"storage_config:\n"
	"  parquet_base_path: /srv/recon\n"
	"  compression_codec: GZIP\n"
	"  compression_level: 9\n"
	"  parquet_writer:\n"
	"    batch_size: 500\n"
	"    rows_per_row_group: 20000\n"
	"    max_file_size: 2 GiB\n"
	"    enable_validation: false\n"
	"    utf8_repair: reject\n"
	"  parquet_reader:\n"
	"    default_limit: 250\n"
	"    stream_batch_size: 64\n"
	"    use_mmap: yes\n"
	"    verify_crc: off\n"
	"  file_history:\n"
	"    max_file_size: 50MB\n"
	"    enable_compression: false\n"
	"    enable_archive: false\n"
	"    compaction_threshold: 0\n"
	"    max_diff_size: 1048576\n"
	"    url_hash_length: 16\n"
	"log_config:\n"
	"  log_level: warn\n"
	"  log_format: json\n"
	"  log_file: /var/log/probestore.log\n";

static void check_full(const ps_config *c)
{
	CHECK_STREQ(c->base_path, "/srv/recon");
	CHECK_EQ_INT(c->codec, PARQ_CODEC_GZIP);
	CHECK_EQ_INT(c->compression_level, 9);
	CHECK_EQ_INT(c->writer.batch_size, 500);
	CHECK_EQ_INT(c->writer.rows_per_row_group, 20000);
	CHECK_EQ_INT(c->writer.max_file_size, 2048 * MIB);
	CHECK(!c->writer.enable_validation);
	CHECK_EQ_INT(c->writer.utf8_repair, PS_UTF8_REJECT);
	CHECK_EQ_INT(c->reader.default_limit, 250);
	CHECK_EQ_INT(c->reader.stream_batch_size, 64);
	CHECK(c->reader.use_mmap);
	CHECK(!c->reader.verify_crc);
	CHECK_EQ_INT(c->history.max_file_size, 50 * MIB);
	CHECK(!c->history.enable_compression);
	CHECK(!c->history.enable_archive);
	CHECK_EQ_INT(c->history.compaction_threshold, 0);
	CHECK_EQ_INT(c->history.max_diff_size, MIB);
	CHECK_EQ_INT(c->history.url_hash_length, 16);
	CHECK_EQ_INT(c->log.level, PS_LOG_WARN);
	CHECK_EQ_INT(c->log.format, PS_LOG_FORMAT_JSON);
	CHECK_STREQ(c->log.file, "/var/log/probestore.log");
}

static void test_full_round(void)
{
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_string(&c, FULL, "full.yaml"));
	check_full(&c);

	/* a second document applies over the first: only what it names changes */
	CHECK_PS(ps_config_load_string(&c, "storage_config:\n  parquet_writer:\n    batch_size: 7\n"
	                                   "log_config:\n  log_file: \"\"\n  log_level: ~\n", "second.yaml"));
	CHECK_EQ_INT(c.writer.batch_size, 7);
	CHECK(c.log.file == NULL);
	CHECK_EQ_INT(c.log.level, PS_LOG_WARN);
	CHECK_STREQ(c.base_path, "/srv/recon");
	ps_config_free(&c);

	/* the same from a file, and flow style */
	char path[] = "/tmp/ps_config_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, FULL, sizeof FULL - 1) == (ssize_t)(sizeof FULL - 1));
	close(fd);
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_file(&c, path));
	check_full(&c);
	ps_config_free(&c);
	unlink(path);

	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_string(&c, "{storage_config: {compression_codec: auto, parquet_writer: {batch_size: 3}},"
	                                   " log_config: {log_level: DEBUG, log_format: text}}", NULL));
	CHECK_EQ_INT(c.codec, PS_CODEC_AUTO);
	CHECK_EQ_INT(c.writer.batch_size, 3);
	CHECK_EQ_INT(c.log.level, PS_LOG_DEBUG);
	CHECK_EQ_INT(c.log.format, PS_LOG_FORMAT_CONSOLE);
	/* quoted numbers and booleans, size units */
	CHECK_PS(ps_config_load_string(&c, "storage_config:\n  parquet_writer: {batch_size: \"12\", enable_validation: 'TRUE'}\n"
	                                   "  file_history: {max_file_size: 64 kib, max_diff_size: 0}\n", NULL));
	CHECK_EQ_INT(c.writer.batch_size, 12);
	CHECK(c.writer.enable_validation);
	CHECK_EQ_INT(c.history.max_file_size, 64 << 10);
	CHECK_EQ_INT(c.history.max_diff_size, 0);
	ps_config_free(&c);
}

/* The shape of the seed's config.yaml: its other sections are ignored, its
 * log rotation keys accepted, its diff size cap honoured. */
static const char SEEDLIKE[] =
	"mode: \"onetime\"\n"
	"progress_config:\n"
	"  display_interval: 3\n"
	"  enable_progress: true\n"
	"httpx_runner_config:\n"
	"  method: \"GET\"\n"
	"  request_uris:\n"
	"  threads: 25\n"
	"  custom_headers:\n"
	"    User-Agent: \"Scanner/1.0\"\n"
	"crawler_config:\n"
	"  scope:\n"
	"    disallowed_file_extensions:\n"
	"      - .css\n"
	"      - .png\n"
	"  headless_browser:\n"
	"    enabled: false\n"
	"    browser_args: [\"--no-sandbox\", \"--disable-gpu\"]\n"
	"  retry_config:\n"
	"    retry_status_codes: [429]\n"
	"    domain_level_rate_limit: {enabled: true, max_rate_limit_errors: 3}\n"
	"reporter_config:\n"
	"  output_dir: \"reports/scan\"\n"
	"storage_config:\n"
	"  parquet_base_path: \"database\"\n"
	"  compression_codec: \"zstd\"\n"
	"notification_config:\n"
	"  scan_service_discord_webhook_url: \"\"\n"
	"  mention_role_ids:\n"
	"  notify_on_failure: false\n"
	"log_config:\n"
	"  log_level: \"info\"\n"
	"  log_format: \"console\"\n"
	"  log_file: \"logs/app.log\"\n"
	"  max_log_size_mb: 100\n"
	"  max_log_backups: 3\n"
	"  use_subdirs: true\n"
	"  compress_old_logs: false\n"
	"diff_config:\n"
	"  previous_scan_lookback_days: 7\n"
	"diff_reporter_config:\n"
	"  max_diff_file_size_mb: 5\n"
	"  beautify_js_for_diff: false\n"
	"monitor_config:\n"
	"  js_file_extensions:\n"
	"    - \".js\"\n"
	"scheduler_config:\n"
	"  cycle_minutes: 10080\n"
	"scan_batch_config: {batch_size: 200, threshold_size: 500}\n"
	"secrets_config:\n"
	"  enabled: true\n"
	"normalizer_config: {}\n"
	"path_extractor_domains:\n"
	"? [complex, key]\n"
	": ignored\n"
	"anchors: &a {x: 1}\n"
	"alias_user: *a\n";

static void test_seed_file(void)
{
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_string(&c, SEEDLIKE, "config.yaml"));
	CHECK_STREQ(c.base_path, "database");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_ZSTD);
	CHECK_EQ_INT(c.log.level, PS_LOG_INFO);
	CHECK_EQ_INT(c.log.format, PS_LOG_FORMAT_CONSOLE);
	CHECK_STREQ(c.log.file, "logs/app.log");
	CHECK_EQ_INT(c.history.max_diff_size, 5 * MIB);
	CHECK_EQ_INT(c.writer.batch_size, 1000); /* scan_batch_config is not ours */
	ps_config_free(&c);

	/* the store's own key wins over the seed's, in either order */
	const char *orders[] = {
		"diff_reporter_config: {max_diff_file_size_mb: 5}\nstorage_config: {file_history: {max_diff_size: 3MB}}\n",
		"storage_config: {file_history: {max_diff_size: 3MB}}\ndiff_reporter_config: {max_diff_file_size_mb: 5}\n",
	};
	for (int i = 0; i < 2; i++) {
		CHECK_PS(ps_config_default(&c));
		CHECK_PS(ps_config_load_string(&c, orders[i], NULL));
		CHECK_EQ_INT(c.history.max_diff_size, 3 * MIB);
		ps_config_free(&c);
	}
	/* a null store key does not hide the seed's */
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_string(&c, "storage_config: {file_history: {max_diff_size: ~}}\n"
	                                   "diff_reporter_config: {max_diff_file_size_mb: 2}\n", NULL));
	CHECK_EQ_INT(c.history.max_diff_size, 2 * MIB);
	ps_config_free(&c);
}

static void test_errors(void)
{
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batchsize: 10\n",
	             "config.yaml:3: unknown key storage_config.parquet_writer.batchsize (did you mean batch_size?)");
	EXPECT_ERROR("storage_config:\n  compresion_codec: zstd\n",
	             "config.yaml:2: unknown key storage_config.compresion_codec (did you mean compression_codec?)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    colour: blue\n",
	             "config.yaml:3: unknown key storage_config.parquet_writer.colour (known keys: batch_size, "
	             "rows_per_row_group, max_file_size, enable_validation, utf8_repair, max_line_size, schema_version, "
	             "change_fields, change_length_percent)");
	EXPECT_ERROR("storage_config:\n  compression: zstd\n",
	             "config.yaml:2: unknown key storage_config.compression (known keys: parquet_base_path, "
	             "compression_codec, compression_level, backend, parquet_writer, parquet_reader, file_history, s3)");
	EXPECT_ERROR("log_config:\n  level: debug\n",
	             "config.yaml:2: unknown key log_config.level (known keys: log_level, log_format, log_file, "
	             "max_log_size_mb, max_log_backups, use_subdirs, compress_old_logs)");
	EXPECT_ERROR("mode: onetime\nstorage_confg:\n  parquet_base_path: x\n",
	             "config.yaml:2: unknown key storage_confg (did you mean storage_config?)");
	EXPECT_ERROR("Log_Config: {}\n", "config.yaml:1: unknown key Log_Config (did you mean log_config?)");
	EXPECT_ERROR("storage_config:\n  \"bad\\x01key\\\"\": 1\n",
	             "config.yaml:2: unknown key storage_config.bad\\x01key\\\" (known keys: parquet_base_path, "
	             "compression_codec, compression_level, backend, parquet_writer, parquet_reader, file_history, s3)");

	EXPECT_ERROR("storage_config:\n  compression_codec: lzma\n",
	             "config.yaml:2: storage_config.compression_codec: invalid value \"lzma\" (accepted: none, snappy, "
	             "gzip, zstd, lz4_raw, brotli, auto)");
	EXPECT_ERROR("storage_config:\n  compression_codec: \"\"\n",
	             "config.yaml:2: storage_config.compression_codec: invalid value \"\" (accepted: none, snappy, "
	             "gzip, zstd, lz4_raw, brotli, auto)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batch_size: 0\n",
	             "config.yaml:3: storage_config.parquet_writer.batch_size: 0 is out of range (accepted: 1 to 10000000)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batch_size: 99999999999999999999999\n",
	             "config.yaml:3: storage_config.parquet_writer.batch_size: 99999999999999999999999 is out of range "
	             "(accepted: 1 to 10000000)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batch_size: lots\n",
	             "config.yaml:3: storage_config.parquet_writer.batch_size: invalid value \"lots\" (accepted: an "
	             "integer from 1 to 10000000)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batch_size: 1.5\n",
	             "config.yaml:3: storage_config.parquet_writer.batch_size: invalid value \"1.5\" (accepted: an "
	             "integer from 1 to 10000000)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    enable_validation: maybe\n",
	             "config.yaml:3: storage_config.parquet_writer.enable_validation: invalid value \"maybe\" "
	             "(accepted: true, false, yes, no, on, off, 1, 0)");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    utf8_repair: ignore\n",
	             "config.yaml:3: storage_config.parquet_writer.utf8_repair: invalid value \"ignore\" (accepted: "
	             "replace, reject)");
	EXPECT_ERROR("storage_config:\n  file_history:\n    max_file_size: 10 parsecs\n",
	             "config.yaml:3: storage_config.file_history.max_file_size: invalid value \"10 parsecs\" "
	             "(accepted: a size in bytes from 0 to 1125899906842624, optionally with a unit KB, MB, GB, TB, "
	             "PB = KiB..PiB)");
	EXPECT_ERROR("storage_config:\n  file_history:\n    max_file_size: 2PB\n",
	             "config.yaml:3: storage_config.file_history.max_file_size: 2PB is out of range (accepted: 0 to "
	             "1125899906842624 bytes)");
	EXPECT_ERROR("storage_config:\n  file_history:\n    url_hash_length: 65\n",
	             "config.yaml:3: storage_config.file_history.url_hash_length: 65 is out of range (accepted: 1 to 64)");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: \"\"\n",
	             "config.yaml:2: storage_config.parquet_base_path: must not be empty");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: \"a\\0b\"\n",
	             "config.yaml:2: storage_config.parquet_base_path: invalid value \"a\\x00b\": contains a NUL byte");
	EXPECT_ERROR("log_config:\n  log_level: loud\n",
	             "config.yaml:2: log_config.log_level: invalid value \"loud\" (accepted: debug, info, warn, error, "
	             "off; also trace, warning, fatal, panic)");
	EXPECT_ERROR("log_config:\n  log_format: xml\n",
	             "config.yaml:2: log_config.log_format: invalid value \"xml\" (accepted: console, text, json)");
	EXPECT_ERROR("diff_reporter_config:\n  max_diff_file_size_mb: -1\n",
	             "config.yaml:2: diff_reporter_config.max_diff_file_size_mb: -1 is out of range (accepted: 0 to "
	             "1073741824 MiB)");

	/* the level checked against the codec, blaming the key this file set */
	EXPECT_ERROR("storage_config:\n  compression_codec: snappy\n  compression_level: 5\n",
	             "config.yaml:3: storage_config.compression_level: compression_level 5 does not apply to codec "
	             "snappy (accepted: 0, the codec's default)");
	EXPECT_ERROR("storage_config:\n  compression_level: 5\n  compression_codec: none\n",
	             "config.yaml:2: storage_config.compression_level: compression_level 5 does not apply to codec none "
	             "(accepted: 0, the codec's default)");
	EXPECT_ERROR("storage_config:\n  compression_codec: gzip\n  compression_level: 12\n",
	             "config.yaml:3: storage_config.compression_level: compression_level 12 is out of range for codec "
	             "gzip (accepted: 0 to 9, 0 = the codec's default)");
	EXPECT_ERROR("storage_config:\n  compression_level: 23\n",
	             "config.yaml:2: storage_config.compression_level: 23 is out of range (accepted: 0 to 22)");

	/* structure */
	EXPECT_ERROR("storage_config:\n  parquet_base_path: a\n  parquet_base_path: b\n",
	             "config.yaml:3: duplicate key storage_config.parquet_base_path (first set at line 2)");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: a\nstorage_config:\n  compression_codec: gzip\n",
	             "config.yaml:3: duplicate key storage_config (first set at line 1)");
	EXPECT_ERROR("storage_config: 5\n", "config.yaml:1: storage_config: expected a mapping of keys, got a scalar");
	EXPECT_ERROR("storage_config:\n  - parquet_base_path: x\n",
	             "config.yaml:1: storage_config: expected a mapping of keys, got a sequence");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: [a, b]\n",
	             "config.yaml:2: storage_config.parquet_base_path: expected a single value, got a sequence");
	EXPECT_ERROR("storage_config:\n  parquet_writer:\n    batch_size: {n: 1}\n",
	             "config.yaml:3: storage_config.parquet_writer.batch_size: expected a single value, got a mapping");
	EXPECT_ERROR("base: &b /x\nstorage_config:\n  parquet_base_path: *b\n",
	             "config.yaml:3: storage_config.parquet_base_path: expected a single value, got an alias");
	EXPECT_ERROR("s: &s {parquet_base_path: /x}\nstorage_config: *s\n",
	             "config.yaml:2: storage_config: expected a mapping of keys, got an alias");
	EXPECT_ERROR("storage_config:\n  ? [a]\n  : 1\n",
	             "config.yaml:2: storage_config: keys must be plain strings, got a sequence");
	EXPECT_ERROR("- storage_config\n",
	             "config.yaml:1: expected a mapping of sections (storage_config, log_config) at the top level, got "
	             "a sequence");
	EXPECT_ERROR("just text\n",
	             "config.yaml:1: expected a mapping of sections (storage_config, log_config) at the top level, got "
	             "a scalar");
	EXPECT_ERROR("storage_config: {}\n---\nlog_config: {}\n",
	             "config.yaml:2: more than one YAML document; a config file holds one");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: x\n   bad: indent\n",
	             "config.yaml:3:7: YAML syntax error: mapping values are not allowed in this context");
	EXPECT_ERROR("storage_config: {parquet_base_path: x\n",
	             "config.yaml:2:1: YAML syntax error: while parsing a flow mapping did not find expected ',' or '}' "
	             "(line 1)");
	EXPECT_ERROR("storage_config:\n  parquet_base_path: \"\xff\"\n",
	             "config.yaml:2: invalid input: invalid leading UTF-8 octet (byte offset 38)");

	/* nesting: a store section, and a deep ignored one */
	char *deep = malloc(300000);
	REQUIRE(deep);
	strcpy(deep, "crawler_config: ");
	size_t n = strlen(deep);
	memset(deep + n, '[', 200000);
	deep[n + 200000] = 0;
	EXPECT_ERROR(deep, "config.yaml:1: nesting deeper than 64 levels");
	strcpy(deep, "storage_config: {parquet_writer: ");
	n = strlen(deep);
	memset(deep + n, '[', 100);
	strcpy(deep + n + 100, "\n");
	EXPECT_ERROR(deep, "config.yaml:1: storage_config.parquet_writer: expected a mapping of keys, got a sequence");
	/* 60 levels of ignored nesting are fine */
	strcpy(deep, "crawler_config: ");
	n = strlen(deep);
	memset(deep + n, '[', 60);
	memset(deep + n + 60, ']', 60);
	strcpy(deep + n + 120, "\nstorage_config: {compression_codec: snappy}\n");
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_load_string(&c, deep, NULL));
	CHECK_EQ_INT(c.codec, PARQ_CODEC_SNAPPY);
	ps_config_free(&c);
	free(deep);

	/* files: missing, a directory, too large */
	CHECK_PS(ps_config_default(&c));
	CHECK_EQ_INT(ps_config_load_file(&c, "/nonexistent/probestore.yaml"), PS_EIO);
	CHECK_STREQ(ps_errmsg(), "/nonexistent/probestore.yaml: cannot open: No such file or directory");
	CHECK_EQ_INT(ps_config_load_file(&c, "/tmp"), PS_EIO);
	CHECK_STREQ(ps_errmsg(), "/tmp: cannot read: Is a directory");
	char path[] = "/tmp/ps_config_big_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, (off_t)(10 * MIB + 1)) == 0);
	close(fd);
	CHECK_EQ_INT(ps_config_load_file(&c, path), PS_ECONFIG);
	CHECK(strstr(ps_errmsg(), ": config is larger than the 10485760 bytes accepted") != NULL);
	unlink(path);
	/* and a file's errors name the file */
	strcpy(path, "/tmp/ps_config_bad_XXXXXX");
	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	const char bad[] = "# probestore\nstorage_config:\n  parquet_writer:\n    batchsize: 10\n";
	REQUIRE(write(fd, bad, sizeof bad - 1) == (ssize_t)(sizeof bad - 1));
	close(fd);
	CHECK_EQ_INT(ps_config_load_file(&c, path), PS_ECONFIG);
	char want[256];
	snprintf(want, sizeof want, "%s:4: unknown key storage_config.parquet_writer.batchsize (did you mean batch_size?)",
	         path);
	CHECK_STREQ(ps_errmsg(), want);
	unlink(path);
	CHECK_STREQ(c.base_path, "./data");
	ps_config_free(&c);

	CHECK_PS(ps_config_default(&c));
	CHECK_EQ_INT(ps_config_load_string(&c, NULL, NULL), PS_EINVAL);
	CHECK_EQ_INT(ps_config_load_mem(&c, "storage_config: {}\0", 19, "nul"), PS_ECONFIG);
	CHECK(strncmp(ps_errmsg(), "nul:1: invalid input: control characters are not allowed", 56) == 0);
	ps_config_free(&c);
}

static void test_env(void)
{
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	char *env[] = {
		"HOME=/root",
		"PROBESTORE_DATA=/mnt/recon",
		"PROBESTORE_CODEC=brotli",
		"PROBESTORE_COMPRESSION_LEVEL=11",
		"PROBESTORE_LOG_LEVEL=debug",
		"PROBESTORE_LOG_FORMAT=json",
		"PROBESTORE_LOG_FILE=/tmp/ps.log",
		"PROBESTORE_BATCH_SIZE=42",
		"PROBESTORE_ROWS_PER_ROW_GROUP=5000",
		"PROBESTORE_MAX_FILE_SIZE=1GB",
		"PROBESTORE_VALIDATION=0",
		"PROBESTORE_UTF8_REPAIR=reject",
		"PROBESTORE_MAX_LINE_SIZE=64MiB",
		"PROBESTORE_DEFAULT_LIMIT=100",
		"PROBESTORE_STREAM_BATCH_SIZE=99",
		"PROBESTORE_USE_MMAP=true",
		"PROBESTORE_VERIFY_CRC=false",
		"PROBESTORE_HISTORY_MAX_FILE_SIZE=5MiB",
		"PROBESTORE_HISTORY_COMPRESSION=no",
		"PROBESTORE_HISTORY_ARCHIVE=off",
		"PROBESTORE_COMPACTION_THRESHOLD=4",
		"PROBESTORE_MAX_DIFF_SIZE=1k",
		"PROBESTORE_URL_HASH_LENGTH=12",
		"PROBESTORE_UNRELATED=whatever",
		"PROBESTORE_DATA=/second/definition/ignored",
		NULL,
	};
	CHECK_PS(ps_config_apply_env(&c, env));
	CHECK_STREQ(c.base_path, "/mnt/recon");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_BROTLI);
	CHECK_EQ_INT(c.compression_level, 11);
	CHECK_EQ_INT(c.log.level, PS_LOG_DEBUG);
	CHECK_EQ_INT(c.log.format, PS_LOG_FORMAT_JSON);
	CHECK_STREQ(c.log.file, "/tmp/ps.log");
	CHECK_EQ_INT(c.writer.batch_size, 42);
	CHECK_EQ_INT(c.writer.rows_per_row_group, 5000);
	CHECK_EQ_INT(c.writer.max_file_size, 1024 * MIB);
	CHECK(!c.writer.enable_validation);
	CHECK_EQ_INT(c.writer.utf8_repair, PS_UTF8_REJECT);
	CHECK_EQ_INT(c.writer.max_line_size, 64 * MIB);
	CHECK_EQ_INT(c.reader.default_limit, 100);
	CHECK_EQ_INT(c.reader.stream_batch_size, 99);
	CHECK(c.reader.use_mmap);
	CHECK(!c.reader.verify_crc);
	CHECK_EQ_INT(c.history.max_file_size, 5 * MIB);
	CHECK(!c.history.enable_compression);
	CHECK(!c.history.enable_archive);
	CHECK_EQ_INT(c.history.compaction_threshold, 4);
	CHECK_EQ_INT(c.history.max_diff_size, 1024);
	CHECK_EQ_INT(c.history.url_hash_length, 12);
	ps_config_free(&c);

	/* empty values are ignored; a bad one names the variable, changes nothing */
	CHECK_PS(ps_config_default(&c));
	char *env2[] = { "PROBESTORE_DATA=", "PROBESTORE_CODEC=rar", NULL };
	CHECK_EQ_INT(ps_config_apply_env(&c, env2), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "environment variable PROBESTORE_CODEC: storage_config.compression_codec: invalid value "
	                         "\"rar\" (accepted: none, snappy, gzip, zstd, lz4_raw, brotli, auto)");
	CHECK_STREQ(c.base_path, "./data");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_ZSTD);
	char *env3[] = { "PROBESTORE_DATA=/a", "PROBESTORE_LOG_LEVEL=chatty", NULL };
	CHECK_EQ_INT(ps_config_apply_env(&c, env3), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "environment variable PROBESTORE_LOG_LEVEL: log_config.log_level: invalid value "
	                         "\"chatty\" (accepted: debug, info, warn, error, off; also trace, warning, fatal, panic)");
	CHECK_STREQ(c.base_path, "./data");

	/* environment over a file: the codec from the environment clashes with the file's level */
	CHECK_PS(ps_config_load_string(&c, "storage_config: {compression_level: 5}\n", NULL));
	char *env4[] = { "PROBESTORE_CODEC=snappy", NULL };
	CHECK_EQ_INT(ps_config_apply_env(&c, env4), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "environment variable PROBESTORE_CODEC: storage_config.compression_codec: "
	                         "compression_level 5 does not apply to codec snappy (accepted: 0, the codec's default)");
	char *env5[] = { "PROBESTORE_CODEC=snappy", "PROBESTORE_COMPRESSION_LEVEL=0", NULL };
	CHECK_PS(ps_config_apply_env(&c, env5));
	CHECK_EQ_INT(c.codec, PARQ_CODEC_SNAPPY);
	CHECK_EQ_INT(c.compression_level, 0);
	ps_config_free(&c);

	/* NULL: the process environment */
	CHECK_PS(ps_config_default(&c));
	REQUIRE(setenv("PROBESTORE_DATA", "/from/environ", 1) == 0);
	REQUIRE(setenv("PROBESTORE_LOG_LEVEL", "error", 1) == 0);
	CHECK_PS(ps_config_apply_env(&c, NULL));
	CHECK_STREQ(c.base_path, "/from/environ");
	CHECK_EQ_INT(c.log.level, PS_LOG_ERROR);
	unsetenv("PROBESTORE_DATA");
	unsetenv("PROBESTORE_LOG_LEVEL");
	ps_config_free(&c);
}

static void test_set_and_validate(void)
{
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	CHECK_PS(ps_config_set(&c, "storage_config.parquet_base_path", "/cli/data"));
	CHECK_STREQ(c.base_path, "/cli/data");
	CHECK_PS(ps_config_set(&c, "log_config.log_level", "warn"));
	CHECK_EQ_INT(c.log.level, PS_LOG_WARN);
	CHECK_PS(ps_config_set(&c, "log_config.max_log_backups", "anything")); /* accepted, unused */
	CHECK_EQ_INT(ps_config_set(&c, "storage_config.parquet_writer.batchsize", "1"), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "unknown key storage_config.parquet_writer.batchsize");
	CHECK_EQ_INT(ps_config_set(&c, "storage_config.file_history.url_hash_length", "0"), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.file_history.url_hash_length: 0 is out of range (accepted: 1 to 64)");
	CHECK_EQ_INT(c.history.url_hash_length, 8);
	CHECK_EQ_INT(ps_config_set(&c, "storage_config.compression_level", "4"), 0); /* zstd */
	CHECK_EQ_INT(ps_config_set(&c, "storage_config.compression_codec", "gzip"), 0);
	CHECK_EQ_INT(ps_config_set(&c, "storage_config.compression_codec", "lz4"), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.compression_codec: compression_level 4 does not apply to codec lz4_raw "
	                         "(accepted: 0, the codec's default)");
	CHECK_EQ_INT(c.codec, PARQ_CODEC_GZIP);
	CHECK_EQ_INT(ps_config_set(&c, NULL, "x"), PS_EINVAL);

	/* hand-filled structs */
	c.writer.batch_size = 0;
	CHECK_EQ_INT(ps_config_validate(&c), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.parquet_writer.batch_size: 0 is out of range (accepted: 1 to 10000000)");
	c.writer.batch_size = 10;
	c.codec = PARQ_CODEC_LZ4;
	CHECK_EQ_INT(ps_config_validate(&c), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.compression_codec: unknown codec id 5 (accepted: none, snappy, gzip, "
	                         "zstd, lz4_raw, brotli, auto)");
	c.codec = PARQ_CODEC_ZSTD;
	c.history.max_file_size = UINT64_MAX;
	CHECK_EQ_INT(ps_config_validate(&c), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.file_history.max_file_size: value is out of range (accepted: 0 to "
	                         "1125899906842624)");
	c.history.max_file_size = 0;
	free(c.base_path);
	c.base_path = NULL;
	CHECK_EQ_INT(ps_config_validate(&c), PS_ECONFIG);
	CHECK_STREQ(ps_errmsg(), "storage_config.parquet_base_path: must not be empty");
	c.base_path = strdup("x");
	c.log.level = 9;
	CHECK_EQ_INT(ps_config_validate(&c), PS_ECONFIG);
	c.log.level = PS_LOG_OFF;
	CHECK_PS(ps_config_validate(&c));
	ps_config_free(&c);
}

static void test_codecs(void)
{
	int codec = -9, level = -9;
	const size_t M = (size_t)MIB;
	const struct {
		size_t bytes;
		int codec, level;
	} cases[] = {
		{ 0, PARQ_CODEC_SNAPPY, 0 },         { 1, PARQ_CODEC_SNAPPY, 0 },
		{ M - 1, PARQ_CODEC_SNAPPY, 0 },     { M, PARQ_CODEC_GZIP, 6 },
		{ M + 1, PARQ_CODEC_GZIP, 6 },       { 10 * M - 1, PARQ_CODEC_GZIP, 6 },
		{ 10 * M, PARQ_CODEC_ZSTD, 3 },      { 10 * M + 1, PARQ_CODEC_ZSTD, 3 },
		{ SIZE_MAX, PARQ_CODEC_ZSTD, 3 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ps_config_auto_codec(cases[i].bytes, &codec, &level);
		CHECK_EQ_INT(codec, cases[i].codec);
		CHECK_EQ_INT(level, cases[i].level);
	}
	ps_config c;
	CHECK_PS(ps_config_default(&c));
	ps_config_codec_for(&c, 20 * M, &codec, &level);
	CHECK_EQ_INT(codec, PARQ_CODEC_ZSTD);
	CHECK_EQ_INT(level, 0);
	CHECK_PS(ps_config_set(&c, "storage_config.compression_codec", "auto"));
	ps_config_codec_for(&c, 5 * M, &codec, &level);
	CHECK_EQ_INT(codec, PARQ_CODEC_GZIP);
	CHECK_EQ_INT(level, 6);
	ps_config_free(&c);

	const char *names[] = { "none", "snappy", "gzip", "zstd", "lz4_raw", "brotli", "auto" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		CHECK_EQ_INT(ps_codec_parse(names[i], &codec), 0);
		CHECK_STREQ(ps_codec_name(codec), names[i]);
	}
	CHECK_EQ_INT(ps_codec_parse("uncompressed", &codec), 0);
	CHECK_EQ_INT(codec, PARQ_CODEC_UNCOMPRESSED);
	CHECK_EQ_INT(ps_codec_parse("ZSTD", &codec), 0);
	CHECK_EQ_INT(codec, PARQ_CODEC_ZSTD);
	CHECK_EQ_INT(ps_codec_parse("lzo", &codec), PS_EINVAL);
	CHECK_STREQ(ps_codec_name(PARQ_CODEC_LZO), "unknown");
}

/* ---- fuzz ---------------------------------------------------------------- */

static const char *const VOCAB[] = {
	"storage_config", "log_config", "diff_reporter_config", "crawler_config", "parquet_writer", "parquet_reader",
	"file_history", "parquet_base_path", "compression_codec", "compression_level", "batch_size",
	"rows_per_row_group", "max_file_size", "enable_validation", "utf8_repair", "max_line_size", "default_limit",
	"stream_batch_size", "use_mmap", "verify_crc", "enable_compression", "enable_archive", "compaction_threshold",
	"max_diff_size", "url_hash_length", "log_level", "log_format", "log_file", "max_diff_file_size_mb",
	"zstd", "auto", "gzip", "snappy", "none", "true", "false", "~", "null", "0", "1", "-1", "22", "64", "8",
	"100MB", "1 GiB", "99999999999999999999", "json", "console", "debug", "reject", "replace", "\"\"", "''",
	"&a", "*a", "!!str", "!!int", "<<", "[", "]", "{", "}", ",", "- ", "? ", ": ", "|", ">", "#", "---", "...",
	"%YAML 1.1", "\"\\0\"", "\"\\x01\"", "\xff", "\xc3\xa9", "\t", "'", "\"", "@", "`",
};

static const char *const SEEDS[] = {
	FULL, SEEDLIKE,
	"storage_config:\n  compression_codec: auto\n  parquet_writer: {batch_size: 10, utf8_repair: reject}\n",
	"log_config: {log_level: debug, log_format: json}\ndiff_reporter_config: {max_diff_file_size_mb: 3}\n",
};

static size_t gen_random(uint64_t *rng, char *buf, size_t cap)
{
	size_t n = test_rand(rng) % cap;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(test_rand(rng) & 0xFF);
	return n;
}

static size_t gen_structured(uint64_t *rng, char *buf, size_t cap)
{
	size_t n = 0;
	int lines = 1 + (int)(test_rand(rng) % 20);
	for (int l = 0; l < lines; l++) {
		int indent = (int)(test_rand(rng) % 4) * 2;
		int words = 1 + (int)(test_rand(rng) % 4);
		for (int i = 0; i < indent && n + 1 < cap; i++)
			buf[n++] = ' ';
		for (int w = 0; w < words; w++) {
			const char *v = VOCAB[test_rand(rng) % (sizeof VOCAB / sizeof VOCAB[0])];
			size_t vl = strlen(v);
			if (n + vl + 3 >= cap)
				break;
			memcpy(buf + n, v, vl);
			n += vl;
			if (w == 0 && test_rand(rng) % 3 != 0) {
				memcpy(buf + n, ": ", 2);
				n += 2;
			} else if (test_rand(rng) % 2) {
				buf[n++] = ' ';
			}
		}
		if (n + 1 < cap)
			buf[n++] = '\n';
	}
	return n;
}

static size_t gen_mutated(uint64_t *rng, char *buf, size_t cap)
{
	const char *seed = SEEDS[test_rand(rng) % (sizeof SEEDS / sizeof SEEDS[0])];
	size_t n = strlen(seed);
	if (n > cap)
		n = cap;
	memcpy(buf, seed, n);
	int edits = 1 + (int)(test_rand(rng) % 8);
	for (int e = 0; e < edits && n > 0; e++) {
		size_t at = test_rand(rng) % n;
		switch (test_rand(rng) % 5) {
		case 0: /* flip a byte */
			buf[at] = (char)(test_rand(rng) & 0xFF);
			break;
		case 1: { /* insert a vocabulary word */
			const char *v = VOCAB[test_rand(rng) % (sizeof VOCAB / sizeof VOCAB[0])];
			size_t vl = strlen(v);
			if (n + vl <= cap) {
				memmove(buf + at + vl, buf + at, n - at);
				memcpy(buf + at, v, vl);
				n += vl;
			}
			break;
		}
		case 2: { /* delete a run */
			size_t len = 1 + test_rand(rng) % 16;
			if (at + len > n)
				len = n - at;
			memmove(buf + at, buf + at + len, n - at - len);
			n -= len;
			break;
		}
		case 3: /* truncate */
			n = at;
			break;
		case 4: { /* duplicate a run */
			size_t len = 1 + test_rand(rng) % 64;
			if (at + len > n)
				len = n - at;
			if (n + len <= cap) {
				memmove(buf + at + len, buf + at, n - at);
				n += len;
			}
			break;
		}
		}
	}
	return n;
}

static void test_fuzz(void)
{
	enum { DOCS = 2000, CAP = 8192 };
	uint64_t rng = 0x5EEDC0F16ull;
	char *buf = malloc(CAP + 1);
	REQUIRE(buf);
	int ok = 0, rejected = 0, bad_rc = 0, changed_on_error = 0, invalid_after_ok = 0, empty_msg = 0;
	for (int i = 0; i < DOCS; i++) {
		size_t n;
		switch (i % 3) {
		case 0: n = gen_random(&rng, buf, CAP); break;
		case 1: n = gen_structured(&rng, buf, CAP); break;
		default: n = gen_mutated(&rng, buf, CAP); break;
		}
		buf[n] = 0;
		ps_config c, before;
		REQUIRE(ps_config_default(&c) == 0);
		REQUIRE(ps_config_copy(&before, &c) == 0);
		/* half through the NUL-terminated entry point, half with the exact bytes */
		int rc = i % 2 ? ps_config_load_string(&c, buf, "<fuzz>") : ps_config_load_mem(&c, buf, n, "<fuzz>");
		if (rc == 0) {
			ok++;
			if (ps_config_validate(&c) != 0)
				invalid_after_ok++;
		} else if (rc == PS_ECONFIG) {
			rejected++;
			if (!config_equal(&c, &before))
				changed_on_error++;
			if (strncmp(ps_errmsg(), "<fuzz>", 6) != 0)
				empty_msg++;
		} else {
			bad_rc++;
			fprintf(stderr, "fuzz document %d: rc %d: %s\n", i, rc, ps_errmsg());
		}
		ps_config_free(&c);
		ps_config_free(&before);
	}
	free(buf);
	CHECK_EQ_INT(ok + rejected, DOCS);
	CHECK_EQ_INT(bad_rc, 0);
	CHECK_EQ_INT(changed_on_error, 0);
	CHECK_EQ_INT(invalid_after_ok, 0);
	CHECK_EQ_INT(empty_msg, 0);
	/* the generators reach both outcomes */
	CHECK(ok > 50);
	CHECK(rejected > 50);
	printf("fuzz: %d documents, %d accepted, %d rejected\n", DOCS, ok, rejected);
}

int main(void)
{
	test_defaults();
	test_full_round();
	test_seed_file();
	test_errors();
	test_env();
	test_set_and_validate();
	test_codecs();
	test_fuzz();
	return test_report("test_config");
}
