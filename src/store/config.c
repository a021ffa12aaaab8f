/* Configuration: one table of keys drives the YAML loader, the environment
 * overrides, ps_config_set() and validation, so the four cannot drift. */
#include "error.h"
#include "scan/changes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "parq/parq.h"

extern char **environ;

#define MIB ((uint64_t)1 << 20)
#define PIB ((int64_t)1 << 50)
/* The Go datastore whose behaviour probestore implements refuses config
 * files above 10 MB; so do we. */
#define MAX_CONFIG_BYTES (10 * MIB)
/* Deeper nesting is no config; the bound also bounds libyaml's stacks. */
#define MAX_DEPTH 64
#define KEY_MAX 128

/* How a value is parsed. */
enum parse_kind {
	P_STRING,   /* min 1: must be non-empty; min 0: empty means NULL */
	P_CODEC,
	P_INT,      /* decimal integer in [min, max] */
	P_SIZE,     /* bytes: integer with an optional unit (KB, MiB, ...) */
	P_SIZE_MB,  /* integer count of MiB, stored as bytes (the Go datastore's *_mb keys) */
	P_BOOL,
	P_UTF8,
	P_LOGLEVEL,
	P_LOGFMT,
	P_IGNORE    /* a Go datastore key the store accepts and does not use */
};

/* How a value is stored. */
enum store_type { T_NONE, T_STR, T_INT, T_I64, T_U64, T_SIZE, T_BOOL, T_UTF8, T_LOGFMT };

typedef struct keydef {
	const char *path;
	const char *env;
	unsigned char parse;
	unsigned char type;
	size_t off;
	int64_t min, max;
	int yields_to; /* index of a key that wins over this one when both are set, or -1 */
} keydef;

#define F(member) offsetof(ps_config, member)

enum {
	K_BASE_PATH, K_CODEC, K_LEVEL,
	K_W_BATCH, K_W_ROWS_RG, K_W_MAX_FILE, K_W_VALIDATION, K_W_UTF8, K_W_MAX_LINE,
	K_W_SCHEMA, K_W_CHANGE_FIELDS, K_W_CHANGE_LENGTH,
	K_R_LIMIT, K_R_STREAM_BATCH, K_R_MMAP, K_R_CRC, K_R_BUFFER, K_R_READ_ALL,
	K_H_MAX_FILE, K_H_COMPRESSION, K_H_ARCHIVE, K_H_COMPACTION, K_H_MAX_DIFF, K_H_HASH_LEN,
	K_H_CODEC, K_H_MUTEXES, K_H_CLEANUP,
	K_L_LEVEL, K_L_FORMAT, K_L_FILE,
	K_L_MAX_SIZE, K_L_BACKUPS, K_L_SUBDIRS, K_L_COMPRESS,
	K_REPORTER_MAX_DIFF,
	K_O_BACKEND, K_O_ENDPOINT, K_O_REGION, K_O_BUCKET, K_O_PREFIX, K_O_PATH_STYLE, K_O_CACHE_DIR, K_O_CACHE_SIZE,
	NKEYS
};

static const keydef KEYS[NKEYS] = {
	[K_BASE_PATH] = { "storage_config.parquet_base_path", "PROBESTORE_DATA", P_STRING, T_STR, F(base_path), 1, 0, -1 },
	[K_CODEC] = { "storage_config.compression_codec", "PROBESTORE_CODEC", P_CODEC, T_INT, F(codec), 0, 0, -1 },
	[K_LEVEL] = { "storage_config.compression_level", "PROBESTORE_COMPRESSION_LEVEL", P_INT, T_INT,
	              F(compression_level), 0, 22, -1 },

	[K_W_BATCH] = { "storage_config.parquet_writer.batch_size", "PROBESTORE_BATCH_SIZE", P_INT, T_SIZE,
	                F(writer.batch_size), 1, 10000000, -1 },
	[K_W_ROWS_RG] = { "storage_config.parquet_writer.rows_per_row_group", "PROBESTORE_ROWS_PER_ROW_GROUP", P_INT,
	                  T_I64, F(writer.rows_per_row_group), 1, 1000000000, -1 },
	[K_W_MAX_FILE] = { "storage_config.parquet_writer.max_file_size", "PROBESTORE_MAX_FILE_SIZE", P_SIZE, T_U64,
	                   F(writer.max_file_size), 0, PIB, -1 },
	[K_W_VALIDATION] = { "storage_config.parquet_writer.enable_validation", "PROBESTORE_VALIDATION", P_BOOL, T_BOOL,
	                     F(writer.enable_validation), 0, 1, -1 },
	[K_W_UTF8] = { "storage_config.parquet_writer.utf8_repair", "PROBESTORE_UTF8_REPAIR", P_UTF8, T_UTF8,
	               F(writer.utf8_repair), 0, 1, -1 },
	[K_W_MAX_LINE] = { "storage_config.parquet_writer.max_line_size", "PROBESTORE_MAX_LINE_SIZE", P_SIZE, T_U64,
	                   F(writer.max_line_size), 1, (int64_t)1 << 40, -1 },
	[K_W_SCHEMA] = { "storage_config.parquet_writer.schema_version", "PROBESTORE_SCHEMA_VERSION", P_INT, T_INT,
	                 F(writer.schema_version), 1, 2, -1 },
	[K_W_CHANGE_FIELDS] = { "storage_config.parquet_writer.change_fields", "PROBESTORE_CHANGE_FIELDS", P_STRING,
	                        T_STR, F(writer.change_fields), 0, 0, -1 },
	[K_W_CHANGE_LENGTH] = { "storage_config.parquet_writer.change_length_percent", "PROBESTORE_CHANGE_LENGTH_PERCENT",
	                        P_INT, T_INT, F(writer.change_length_percent), 0, 1000000, -1 },

	[K_R_LIMIT] = { "storage_config.parquet_reader.default_limit", "PROBESTORE_DEFAULT_LIMIT", P_INT, T_I64,
	                F(reader.default_limit), 0, INT64_MAX, -1 },
	[K_R_STREAM_BATCH] = { "storage_config.parquet_reader.stream_batch_size", "PROBESTORE_STREAM_BATCH_SIZE", P_INT,
	                       T_SIZE, F(reader.stream_batch_size), 1, 10000000, -1 },
	[K_R_MMAP] = { "storage_config.parquet_reader.use_mmap", "PROBESTORE_USE_MMAP", P_BOOL, T_BOOL,
	               F(reader.use_mmap), 0, 1, -1 },
	[K_R_CRC] = { "storage_config.parquet_reader.verify_crc", "PROBESTORE_VERIFY_CRC", P_BOOL, T_BOOL,
	              F(reader.verify_crc), 0, 1, -1 },
	/* the Go datastore's ParquetReaderConfig, which had no YAML keys */
	[K_R_BUFFER] = { "storage_config.parquet_reader.buffer_size", "PROBESTORE_READ_BUFFER_SIZE", P_SIZE, T_SIZE,
	                 F(reader.buffer_size), 0, (int64_t)1 << 30, -1 },
	[K_R_READ_ALL] = { "storage_config.parquet_reader.read_all", "PROBESTORE_READ_ALL", P_BOOL, T_BOOL,
	                   F(reader.read_all), 0, 1, -1 },

	[K_H_MAX_FILE] = { "storage_config.file_history.max_file_size", "PROBESTORE_HISTORY_MAX_FILE_SIZE", P_SIZE,
	                   T_U64, F(history.max_file_size), 0, PIB, -1 },
	[K_H_COMPRESSION] = { "storage_config.file_history.enable_compression", "PROBESTORE_HISTORY_COMPRESSION", P_BOOL,
	                      T_BOOL, F(history.enable_compression), 0, 1, -1 },
	[K_H_ARCHIVE] = { "storage_config.file_history.enable_archive", "PROBESTORE_HISTORY_ARCHIVE", P_BOOL, T_BOOL,
	                  F(history.enable_archive), 0, 1, -1 },
	[K_H_COMPACTION] = { "storage_config.file_history.compaction_threshold", "PROBESTORE_COMPACTION_THRESHOLD", P_INT,
	                     T_INT, F(history.compaction_threshold), 0, 1000000, -1 },
	[K_H_MAX_DIFF] = { "storage_config.file_history.max_diff_size", "PROBESTORE_MAX_DIFF_SIZE", P_SIZE, T_U64,
	                   F(history.max_diff_size), 0, PIB, -1 },
	[K_H_HASH_LEN] = { "storage_config.file_history.url_hash_length", "PROBESTORE_URL_HASH_LENGTH", P_INT, T_INT,
	                   F(history.url_hash_length), 1, 64, -1 },
	/* the Go datastore's ParquetFileHistoryStoreConfig, which had no YAML keys */
	[K_H_CODEC] = { "storage_config.file_history.compression_codec", "PROBESTORE_HISTORY_CODEC", P_CODEC, T_INT,
	                F(history.compression_codec), 0, 0, -1 },
	[K_H_MUTEXES] = { "storage_config.file_history.enable_url_mutexes", "PROBESTORE_URL_MUTEXES", P_BOOL, T_BOOL,
	                  F(history.enable_url_mutexes), 0, 1, -1 },
	[K_H_CLEANUP] = { "storage_config.file_history.cleanup_interval", "PROBESTORE_MUTEX_CLEANUP_INTERVAL", P_INT,
	                  T_I64, F(history.cleanup_interval_s), 0, 31536000, -1 },

	[K_L_LEVEL] = { "log_config.log_level", "PROBESTORE_LOG_LEVEL", P_LOGLEVEL, T_INT, F(log.level), 0, 0, -1 },
	[K_L_FORMAT] = { "log_config.log_format", "PROBESTORE_LOG_FORMAT", P_LOGFMT, T_LOGFMT, F(log.format), 0, 0, -1 },
	[K_L_FILE] = { "log_config.log_file", "PROBESTORE_LOG_FILE", P_STRING, T_STR, F(log.file), 0, 0, -1 },
	/* the Go datastore's log rotation, which is the program's business */
	[K_L_MAX_SIZE] = { "log_config.max_log_size_mb", NULL, P_IGNORE, T_NONE, 0, 0, 0, -1 },
	[K_L_BACKUPS] = { "log_config.max_log_backups", NULL, P_IGNORE, T_NONE, 0, 0, 0, -1 },
	[K_L_SUBDIRS] = { "log_config.use_subdirs", NULL, P_IGNORE, T_NONE, 0, 0, 0, -1 },
	[K_L_COMPRESS] = { "log_config.compress_old_logs", NULL, P_IGNORE, T_NONE, 0, 0, 0, -1 },

	/* the Go datastore's diff size cap; storage_config.file_history.max_diff_size wins */
	[K_REPORTER_MAX_DIFF] = { "diff_reporter_config.max_diff_file_size_mb", NULL, P_SIZE_MB, T_U64,
	                      F(history.max_diff_size), 0, (int64_t)1 << 30, K_H_MAX_DIFF },

	[K_O_BACKEND] = { "storage_config.backend", "PROBESTORE_BACKEND", P_STRING, T_STR, F(object.backend), 0, 0, -1 },
	[K_O_ENDPOINT] = { "storage_config.s3.endpoint", "PROBESTORE_S3_ENDPOINT", P_STRING, T_STR, F(object.endpoint), 0,
	                   0, -1 },
	[K_O_REGION] = { "storage_config.s3.region", "PROBESTORE_S3_REGION", P_STRING, T_STR, F(object.region), 0, 0, -1 },
	[K_O_BUCKET] = { "storage_config.s3.bucket", "PROBESTORE_S3_BUCKET", P_STRING, T_STR, F(object.bucket), 0, 0, -1 },
	[K_O_PREFIX] = { "storage_config.s3.prefix", "PROBESTORE_S3_PREFIX", P_STRING, T_STR, F(object.prefix), 0, 0, -1 },
	[K_O_PATH_STYLE] = { "storage_config.s3.path_style", "PROBESTORE_S3_PATH_STYLE", P_BOOL, T_BOOL,
	                     F(object.path_style), 0, 1, -1 },
	[K_O_CACHE_DIR] = { "storage_config.s3.footer_cache_dir", "PROBESTORE_S3_FOOTER_CACHE_DIR", P_STRING, T_STR,
	                    F(object.footer_cache_dir), 0, 0, -1 },
	[K_O_CACHE_SIZE] = { "storage_config.s3.footer_cache_size", "PROBESTORE_S3_FOOTER_CACHE_SIZE", P_SIZE, T_U64,
	                     F(object.footer_cache_size), 0, PIB, -1 },
};

enum policy {
	POL_TOP,    /* other keys ignored (the Go datastore's other sections), unless a near miss of ours */
	POL_STRICT, /* other keys are errors */
	POL_LOOSE   /* other keys ignored (a Go datastore section the store reads one key of) */
};

typedef struct sectiondef {
	const char *path;
	enum policy policy;
} sectiondef;

enum { S_TOP, S_STORAGE, S_WRITER, S_READER, S_HISTORY, S_S3, S_LOG, S_DIFF_REPORTER, NSECTIONS };

static const sectiondef SECTIONS[NSECTIONS] = {
	[S_TOP] = { "", POL_TOP },
	[S_STORAGE] = { "storage_config", POL_STRICT },
	[S_WRITER] = { "storage_config.parquet_writer", POL_STRICT },
	[S_READER] = { "storage_config.parquet_reader", POL_STRICT },
	[S_HISTORY] = { "storage_config.file_history", POL_STRICT },
	[S_S3] = { "storage_config.s3", POL_STRICT },
	[S_LOG] = { "log_config", POL_STRICT },
	[S_DIFF_REPORTER] = { "diff_reporter_config", POL_LOOSE },
};

static const char CODECS_ACCEPTED[] = "none, snappy, gzip, zstd, lz4_raw, brotli, auto";

/* ---- codecs ------------------------------------------------------------ */

int ps_codec_parse(const char *name, int *codec)
{
	static const struct {
		const char *name;
		int codec;
	} names[] = {
		{ "none", PARQ_CODEC_UNCOMPRESSED }, { "uncompressed", PARQ_CODEC_UNCOMPRESSED },
		{ "snappy", PARQ_CODEC_SNAPPY },     { "gzip", PARQ_CODEC_GZIP },
		{ "zstd", PARQ_CODEC_ZSTD },         { "lz4_raw", PARQ_CODEC_LZ4_RAW },
		{ "lz4", PARQ_CODEC_LZ4_RAW },       { "brotli", PARQ_CODEC_BROTLI },
		{ "auto", PS_CODEC_AUTO },
	};
	if (!name)
		return PS_EINVAL;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*codec = names[i].codec;
			return 0;
		}
	return PS_EINVAL;
}

const char *ps_codec_name(int codec)
{
	switch (codec) {
	case PARQ_CODEC_UNCOMPRESSED: return "none";
	case PARQ_CODEC_SNAPPY: return "snappy";
	case PARQ_CODEC_GZIP: return "gzip";
	case PARQ_CODEC_ZSTD: return "zstd";
	case PARQ_CODEC_LZ4_RAW: return "lz4_raw";
	case PARQ_CODEC_BROTLI: return "brotli";
	case PS_CODEC_AUTO: return "auto";
	default: return "unknown";
	}
}

void ps_config_auto_codec(size_t bytes, int *codec, int *level)
{
	if (bytes < MIB) {
		*codec = PARQ_CODEC_SNAPPY;
		*level = 0;
	} else if (bytes < 10 * MIB) {
		*codec = PARQ_CODEC_GZIP;
		*level = 6;
	} else {
		*codec = PARQ_CODEC_ZSTD;
		*level = 3;
	}
}

void ps_config_codec_for(const ps_config *cfg, size_t bytes, int *codec, int *level)
{
	if (cfg->codec == PS_CODEC_AUTO) {
		ps_config_auto_codec(bytes, codec, level);
	} else {
		*codec = cfg->codec;
		*level = cfg->compression_level;
	}
}

/* Largest compression_level each codec takes (0 is always its default). */
static int codec_max_level(int codec)
{
	switch (codec) {
	case PARQ_CODEC_GZIP: return 9;
	case PARQ_CODEC_ZSTD: return 22;
	case PARQ_CODEC_BROTLI: return 11;
	case PS_CODEC_AUTO: return 22; /* ignored */
	default: return 0;
	}
}

/* ---- defaults, copy, free ---------------------------------------------- */

int ps_config_default(ps_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->base_path = strdup("./data");
	if (!cfg->base_path)
		return ps_err_nomem();
	cfg->codec = PARQ_CODEC_ZSTD;
	cfg->compression_level = 0;

	cfg->writer.batch_size = PS_BATCH_SIZE_DEFAULT;
	cfg->writer.rows_per_row_group = 100000;
	cfg->writer.max_file_size = 0;
	cfg->writer.enable_validation = true;
	cfg->writer.utf8_repair = PS_UTF8_REPLACE;
	cfg->writer.max_line_size = 16 * MIB;
	cfg->writer.schema_version = 2;
	cfg->writer.change_fields = NULL;
	cfg->writer.change_length_percent = 10;

	cfg->reader.default_limit = 0;
	cfg->reader.stream_batch_size = 1024;
	cfg->reader.use_mmap = false;
	cfg->reader.verify_crc = true;
	cfg->reader.buffer_size = 64 * 1024;
	cfg->reader.read_all = false;

	cfg->history.max_file_size = 100 * MIB;
	cfg->history.enable_compression = true;
	cfg->history.enable_archive = true;
	cfg->history.compaction_threshold = 32;
	cfg->history.max_diff_size = 10 * MIB;
	cfg->history.url_hash_length = 8;
	cfg->history.compression_codec = PS_CODEC_CONFIG;
	cfg->history.enable_url_mutexes = true;
	cfg->history.cleanup_interval_s = 0;

	cfg->log.level = PS_LOG_INFO;
	cfg->log.format = PS_LOG_FORMAT_CONSOLE;
	cfg->log.file = NULL;

	cfg->object.path_style = true;
	cfg->object.footer_cache_size = 64 * MIB;
	return 0;
}

void ps_config_free(ps_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->base_path);
	cfg->base_path = NULL;
	free(cfg->log.file);
	cfg->log.file = NULL;
	free(cfg->writer.change_fields);
	cfg->writer.change_fields = NULL;
	char **o[] = {&cfg->object.backend, &cfg->object.endpoint, &cfg->object.region, &cfg->object.bucket,
	              &cfg->object.prefix, &cfg->object.footer_cache_dir};
	for (size_t i = 0; i < sizeof o / sizeof *o; i++) {
		free(*o[i]);
		*o[i] = NULL;
	}
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return PS_ENOMEM;
	return 0;
}

int ps_config_copy(ps_config *dst, const ps_config *src)
{
	*dst = *src;
	dst->base_path = NULL;
	dst->log.file = NULL;
	dst->writer.change_fields = NULL;
	dst->object = (ps_object_config){.path_style = src->object.path_style,
	                                 .footer_cache_size = src->object.footer_cache_size};
	if (dup_opt(&dst->base_path, src->base_path) || dup_opt(&dst->log.file, src->log.file) ||
	    dup_opt(&dst->writer.change_fields, src->writer.change_fields) ||
	    dup_opt(&dst->object.backend, src->object.backend) || dup_opt(&dst->object.endpoint, src->object.endpoint) ||
	    dup_opt(&dst->object.region, src->object.region) || dup_opt(&dst->object.bucket, src->object.bucket) ||
	    dup_opt(&dst->object.prefix, src->object.prefix) ||
	    dup_opt(&dst->object.footer_cache_dir, src->object.footer_cache_dir)) {
		ps_config_free(dst);
		memset(dst, 0, sizeof *dst);
		return ps_err_nomem();
	}
	return 0;
}

/* ---- value parsing ----------------------------------------------------- */

/* A printable, bounded rendering of untrusted text for messages. */
static void sanitize(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	const size_t limit = 60;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		if (i == limit) {
			if (o + 4 < cap) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
			tmp[0] = (char)c;
			tmp[1] = 0;
		} else if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			tmp[2] = 0;
		} else {
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
		}
		size_t l = strlen(tmp);
		if (o + l + 1 > cap)
			break;
		memcpy(out + o, tmp, l);
		o += l;
	}
	out[o] = 0;
}

/* A parsed value: text for strings, a number for everything else. */
typedef struct value {
	const char *s; /* P_STRING: NUL-terminated, may be "" */
	int64_t n;
} pvalue;

static int parse_int(const char *s, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	uint64_t v = 0;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > ((uint64_t)INT64_MAX + 1 - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (*p)
		return -1;
	if (!neg && v > (uint64_t)INT64_MAX)
		return -2;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int parse_size(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		int shift;
	} units[] = {
		{ "", 0 },   { "b", 0 },    { "k", 10 },  { "kb", 10 },  { "kib", 10 }, { "m", 20 },
		{ "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 }, { "t", 40 },
		{ "tb", 40 }, { "tib", 40 }, { "p", 50 }, { "pb", 50 }, { "pib", 50 },
	};
	const char *p = s;
	uint64_t v = 0;
	if (*p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX >> 1) / 10)
			return -2;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -2;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(p, units[i].unit) != 0)
			continue;
		if (units[i].shift && v > ((uint64_t)INT64_MAX >> units[i].shift))
			return -2;
		*out = (int64_t)(v << units[i].shift);
		return 0;
	}
	return -1;
}

static int parse_bool(const char *s, int64_t *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Parses text (len bytes, may hold NULs) for key k. On failure writes the
 * reason, without the key, into why and returns PS_ECONFIG. *tmp receives
 * a malloc'ed NUL-terminated copy that v->s may point into; free it. */
static int parse_value(const keydef *k, const char *text, size_t len, pvalue *v, char **tmp, char *why,
                       size_t whycap)
{
	char shown[256];
	int rc;
	*tmp = NULL;
	v->s = NULL;
	v->n = 0;
	sanitize(shown, sizeof shown, text, len);
	if (memchr(text, 0, len)) {
		snprintf(why, whycap, "invalid value \"%s\": contains a NUL byte", shown);
		return PS_ECONFIG;
	}
	char *s = malloc(len + 1);
	if (!s)
		return ps_err_nomem();
	memcpy(s, text, len);
	s[len] = 0;
	*tmp = s;

	switch ((enum parse_kind)k->parse) {
	case P_IGNORE:
		return 0;
	case P_STRING:
		if (k->min > 0 && len == 0) {
			snprintf(why, whycap, "must not be empty");
			return PS_ECONFIG;
		}
		v->s = s;
		return 0;
	case P_CODEC: {
		int codec;
		if (ps_codec_parse(s, &codec) != 0) {
			snprintf(why, whycap, "invalid value \"%s\" (accepted: %s)", shown, CODECS_ACCEPTED);
			return PS_ECONFIG;
		}
		v->n = codec;
		return 0;
	}
	case P_INT:
	case P_SIZE:
	case P_SIZE_MB:
		rc = k->parse == P_SIZE ? parse_size(s, &v->n) : parse_int(s, &v->n);
		if (rc == -1) {
			if (k->parse == P_SIZE)
				snprintf(why, whycap,
				         "invalid value \"%s\" (accepted: a size in bytes from %lld to %lld, optionally "
				         "with a unit KB, MB, GB, TB, PB = KiB..PiB)",
				         shown, (long long)k->min, (long long)k->max);
			else
				snprintf(why, whycap, "invalid value \"%s\" (accepted: an integer from %lld to %lld%s)", shown,
				         (long long)k->min, (long long)k->max, k->parse == P_SIZE_MB ? " (MiB)" : "");
			return PS_ECONFIG;
		}
		if (rc == -2 || v->n < k->min || v->n > k->max) {
			snprintf(why, whycap, "%s is out of range (accepted: %lld to %lld%s)", shown, (long long)k->min,
			         (long long)k->max, k->parse == P_SIZE ? " bytes" : k->parse == P_SIZE_MB ? " MiB" : "");
			return PS_ECONFIG;
		}
		if (k->parse == P_SIZE_MB)
			v->n *= (int64_t)MIB;
		return 0;
	case P_BOOL:
		if (parse_bool(s, &v->n) != 0) {
			snprintf(why, whycap, "invalid value \"%s\" (accepted: true, false, yes, no, on, off, 1, 0)", shown);
			return PS_ECONFIG;
		}
		return 0;
	case P_UTF8:
		if (strcasecmp(s, "replace") == 0) {
			v->n = PS_UTF8_REPLACE;
		} else if (strcasecmp(s, "reject") == 0) {
			v->n = PS_UTF8_REJECT;
		} else {
			snprintf(why, whycap, "invalid value \"%s\" (accepted: replace, reject)", shown);
			return PS_ECONFIG;
		}
		return 0;
	case P_LOGLEVEL:
		rc = ps_log_level_parse(s);
		if (rc < 0) {
			snprintf(why, whycap,
			         "invalid value \"%s\" (accepted: debug, info, warn, error, off; also trace, warning, "
			         "fatal, panic)",
			         shown);
			return PS_ECONFIG;
		}
		v->n = rc;
		return 0;
	case P_LOGFMT: {
		ps_log_format f;
		if (ps_log_format_parse(s, &f) != 0) {
			snprintf(why, whycap, "invalid value \"%s\" (accepted: console, text, json)", shown);
			return PS_ECONFIG;
		}
		v->n = f;
		return 0;
	}
	}
	snprintf(why, whycap, "unsupported key");
	return PS_ECONFIG;
}

static void *field_ptr(ps_config *cfg, const keydef *k)
{
	return (char *)cfg + k->off;
}

static int store_value(ps_config *cfg, const keydef *k, const pvalue *v)
{
	void *f = field_ptr(cfg, k);
	switch ((enum store_type)k->type) {
	case T_NONE:
		return 0;
	case T_STR: {
		char **p = f;
		char *d = NULL;
		if (v->s && *v->s && !(d = strdup(v->s)))
			return ps_err_nomem();
		free(*p);
		*p = d;
		return 0;
	}
	case T_INT: *(int *)f = (int)v->n; return 0;
	case T_I64: *(int64_t *)f = v->n; return 0;
	case T_U64: *(uint64_t *)f = (uint64_t)v->n; return 0;
	case T_SIZE: *(size_t *)f = (size_t)v->n; return 0;
	case T_BOOL: *(bool *)f = v->n != 0; return 0;
	case T_UTF8: *(ps_utf8_repair *)f = (ps_utf8_repair)v->n; return 0;
	case T_LOGFMT: *(ps_log_format *)f = (ps_log_format)v->n; return 0;
	}
	return 0;
}

/* A numeric field as int64 for range checks; false for other types. */
static bool load_number(const ps_config *cfg, const keydef *k, int64_t *out, bool *too_big)
{
	const void *f = (const char *)cfg + k->off;
	*too_big = false;
	switch ((enum store_type)k->type) {
	case T_INT: *out = *(const int *)f; return true;
	case T_I64: *out = *(const int64_t *)f; return true;
	case T_U64:
		*too_big = *(const uint64_t *)f > (uint64_t)INT64_MAX;
		*out = (int64_t)(*(const uint64_t *)f & (uint64_t)INT64_MAX);
		return true;
	case T_SIZE:
		*too_big = (uint64_t)*(const size_t *)f > (uint64_t)INT64_MAX;
		*out = (int64_t)((uint64_t)*(const size_t *)f & (uint64_t)INT64_MAX);
		return true;
	default: return false;
	}
}

/* ---- validation -------------------------------------------------------- */

/* Where the values came from, for messages: a YAML file with the lines keys
 * were set at, the environment, or neither. */
typedef struct origin {
	const char *name;     /* file name, or NULL */
	const int *lines;     /* per key, 0 when not set by this source */
	const char *const *envs; /* per key, the variable that set it, or NULL */
	int set_key;          /* the key ps_config_set() set, or -1 */
} origin;

static int config_err(const origin *o, int key, const char *fmt, ...) PS_PRINTF(3, 4);

static int config_err(const origin *o, int key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *path = key >= 0 ? KEYS[key].path : "";
	const char *sep = key >= 0 ? ": " : "";
	if (o && o->name && o->lines && key >= 0 && o->lines[key])
		return ps_err(PS_ECONFIG, "%s:%d: %s%s%s", o->name, o->lines[key], path, sep, msg);
	if (o && o->envs && key >= 0 && o->envs[key])
		return ps_err(PS_ECONFIG, "environment variable %s: %s%s%s", o->envs[key], path, sep, msg);
	if (o && o->name)
		return ps_err(PS_ECONFIG, "%s: %s%s%s", o->name, path, sep, msg);
	return ps_err(PS_ECONFIG, "%s%s%s", path, sep, msg);
}

static int validate(const ps_config *cfg, const origin *o)
{
	if (!cfg->base_path || !*cfg->base_path)
		return config_err(o, K_BASE_PATH, "must not be empty");
	if (cfg->codec != PS_CODEC_AUTO && strcmp(ps_codec_name(cfg->codec), "unknown") == 0)
		return config_err(o, K_CODEC, "unknown codec id %d (accepted: %s)", cfg->codec, CODECS_ACCEPTED);
	int hc = cfg->history.compression_codec;
	if (hc != PS_CODEC_CONFIG && hc != PS_CODEC_AUTO && strcmp(ps_codec_name(hc), "unknown") == 0)
		return config_err(o, K_H_CODEC, "unknown codec id %d (accepted: %s)", hc, CODECS_ACCEPTED);
	const char *be = cfg->object.backend;
	if (be && strcmp(be, "local") && strcmp(be, "s3"))
		return config_err(o, K_O_BACKEND, "unknown backend \"%s\" (accepted: local, s3)", be);
	if (be && !strcmp(be, "s3") && strncmp(cfg->base_path, "s3://", 5) && (!cfg->object.bucket || !*cfg->object.bucket))
		return config_err(o, K_O_BUCKET, "is required with backend s3 (or a base path s3://bucket/prefix)");
	if (cfg->log.level < PS_LOG_DEBUG || cfg->log.level > PS_LOG_OFF)
		return config_err(o, K_L_LEVEL, "unknown level %d", cfg->log.level);
	if (cfg->log.format != PS_LOG_FORMAT_CONSOLE && cfg->log.format != PS_LOG_FORMAT_JSON)
		return config_err(o, K_L_FORMAT, "unknown format %d", (int)cfg->log.format);
	if (cfg->writer.utf8_repair != PS_UTF8_REPLACE && cfg->writer.utf8_repair != PS_UTF8_REJECT)
		return config_err(o, K_W_UTF8, "unknown mode %d", (int)cfg->writer.utf8_repair);
	if (cfg->writer.change_fields) {
		ps_change_cfg cc;
		if (ps_change_cfg_from_config(cfg, &cc))
			return config_err(o, K_W_CHANGE_FIELDS, "%s", ps_errmsg());
	}
	for (int i = 0; i < NKEYS; i++) {
		const keydef *k = &KEYS[i];
		int64_t n;
		bool too_big;
		if (k->parse != P_INT && k->parse != P_SIZE)
			continue;
		if (!load_number(cfg, k, &n, &too_big))
			continue;
		if (too_big)
			return config_err(o, i, "value is out of range (accepted: %lld to %lld)", (long long)k->min,
			                  (long long)k->max);
		if (n < k->min || n > k->max)
			return config_err(o, i, "%lld is out of range (accepted: %lld to %lld)", (long long)n,
			                  (long long)k->min, (long long)k->max);
	}
	int maxl = codec_max_level(cfg->codec);
	if (cfg->compression_level < 0 || cfg->compression_level > maxl) {
		/* blame whichever of the two keys this source set */
		int key = K_LEVEL;
		if (o && ((o->lines && !o->lines[K_LEVEL] && o->lines[K_CODEC]) ||
		          (o->envs && !o->envs[K_LEVEL] && o->envs[K_CODEC]) || o->set_key == K_CODEC))
			key = K_CODEC;
		if (maxl == 0)
			return config_err(o, key,
			                  "compression_level %d does not apply to codec %s (accepted: 0, the codec's default)",
			                  cfg->compression_level, ps_codec_name(cfg->codec));
		return config_err(o, key, "compression_level %d is out of range for codec %s (accepted: 0 to %d, 0 = the codec's default)",
		                  cfg->compression_level, ps_codec_name(cfg->codec), maxl);
	}
	return 0;
}

int ps_config_validate(const ps_config *cfg)
{
	return validate(cfg, NULL);
}

/* ---- key lookup -------------------------------------------------------- */

static int find_key(const char *path)
{
	for (int i = 0; i < NKEYS; i++)
		if (strcmp(KEYS[i].path, path) == 0)
			return i;
	return -1;
}

static int find_section(const char *path)
{
	for (int i = 1; i < NSECTIONS; i++)
		if (strcmp(SECTIONS[i].path, path) == 0)
			return i;
	return -1;
}

/* The last component of a path directly under section, or NULL. */
static const char *child_of(const char *path, const char *section)
{
	size_t n = strlen(section);
	if (n == 0)
		return strchr(path, '.') ? NULL : path;
	if (strncmp(path, section, n) != 0 || path[n] != '.')
		return NULL;
	path += n + 1;
	return strchr(path, '.') ? NULL : path;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[KEY_MAX + 1];
	if (la > KEY_MAX || lb > KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known child of section closest to key (within 2 edits), or NULL. */
static const char *suggest(int section, const char *key)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (int i = 0; i < NKEYS + NSECTIONS; i++) {
		const char *path = i < NKEYS ? KEYS[i].path : SECTIONS[i - NKEYS].path;
		const char *c = child_of(path, SECTIONS[section].path);
		if (!c || !*c)
			continue;
		size_t d = strcasecmp(c, key) == 0 ? 0 : edit_distance(c, key);
		if (d < bestd) {
			bestd = d;
			best = c;
		}
	}
	return best;
}

static void known_children(int section, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < NKEYS + NSECTIONS; i++) {
		const char *path = i < NKEYS ? KEYS[i].path : SECTIONS[i - NKEYS].path;
		const char *c = child_of(path, SECTIONS[section].path);
		if (!c || !*c)
			continue;
		int w = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", c);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
}

/* ---- YAML -------------------------------------------------------------- */

typedef struct loader {
	yaml_parser_t parser;
	const char *name;
	const unsigned char *data;
	size_t len;
	ps_config *cfg;
	int lines[NKEYS];        /* where each key got its value, 0 if it did not */
	int seen[NKEYS];         /* where each key appeared, null or not */
	int section_lines[NSECTIONS];
} loader;

static int line_of(const yaml_event_t *ev)
{
	size_t l = ev->start_mark.line + 1;
	return l > INT_MAX ? INT_MAX : (int)l;
}

static int syntax_error(loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	const char *problem = p->problem ? p->problem : "invalid YAML";
	if (p->error == YAML_MEMORY_ERROR)
		return ps_err_nomem();
	if (p->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a line */
		size_t off = p->problem_offset < ld->len ? p->problem_offset : ld->len, line = 1;
		for (size_t i = 0; i < off; i++)
			line += ld->data[i] == '\n';
		return ps_err(PS_ECONFIG, "%s:%zu: invalid input: %s (byte offset %zu)", ld->name, line, problem,
		              p->problem_offset);
	}
	if (p->context)
		return ps_err(PS_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s %s (line %zu)", ld->name,
		              p->problem_mark.line + 1, p->problem_mark.column + 1, p->context, problem,
		              p->context_mark.line + 1);
	return ps_err(PS_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s", ld->name, p->problem_mark.line + 1,
	              p->problem_mark.column + 1, problem);
}

static int next_event(loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev))
		return syntax_error(ld);
	return 0;
}

static int depth_error(loader *ld, const yaml_event_t *ev)
{
	return ps_err(PS_ECONFIG, "%s:%d: nesting deeper than %d levels", ld->name, line_of(ev), MAX_DEPTH);
}

/* Consumes the node that starts with ev (which this deletes). */
static int skip_node(loader *ld, yaml_event_t *ev, int depth)
{
	int open = 0;
	for (;;) {
		if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) {
			open++;
			if (depth + open > MAX_DEPTH) {
				int rc = depth_error(ld, ev);
				yaml_event_delete(ev);
				return rc;
			}
		} else if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) {
			open--;
		}
		yaml_event_delete(ev);
		if (open <= 0)
			return 0;
		int rc = next_event(ld, ev);
		if (rc)
			return rc;
	}
}

static bool is_null(const yaml_event_t *ev)
{
	if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 || memcmp(s, "NULL", 4) == 0));
}

static const char *node_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_SEQUENCE_START_EVENT: return "a sequence";
	case YAML_ALIAS_EVENT: return "an alias";
	default: return "a scalar";
	}
}

static int load_mapping(loader *ld, int section, int depth);

/* Applies the value event ev (deleted here) to key k. */
static int apply_leaf(loader *ld, int k, int kline, yaml_event_t *ev, int depth)
{
	const keydef *kd = &KEYS[k];
	if (ld->seen[k]) {
		yaml_event_delete(ev);
		return ps_err(PS_ECONFIG, "%s:%d: duplicate key %s (first set at line %d)", ld->name, kline, kd->path,
		              ld->seen[k]);
	}
	ld->seen[k] = kline;
	if (kd->parse == P_IGNORE)
		return skip_node(ld, ev, depth);
	if (ev->type != YAML_SCALAR_EVENT) {
		int rc = ps_err(PS_ECONFIG, "%s:%d: %s: expected a single value, got %s", ld->name, kline, kd->path,
		                node_kind(ev));
		yaml_event_delete(ev);
		return rc;
	}
	if (is_null(ev)) {
		yaml_event_delete(ev); /* a null leaves the key as if absent */
		return 0;
	}
	if (kd->yields_to >= 0 && ld->lines[kd->yields_to]) {
		yaml_event_delete(ev);
		return 0;
	}
	ld->lines[k] = kline;
	pvalue v;
	char *tmp = NULL, why[640];
	int rc = parse_value(kd, (const char *)ev->data.scalar.value, ev->data.scalar.length, &v, &tmp, why, sizeof why);
	int vline = line_of(ev);
	yaml_event_delete(ev);
	if (rc == PS_ECONFIG)
		rc = ps_err(PS_ECONFIG, "%s:%d: %s: %s", ld->name, vline, kd->path, why);
	else if (rc == 0)
		rc = store_value(ld->cfg, kd, &v);
	free(tmp);
	return rc;
}

static int apply_section(loader *ld, int s, int kline, yaml_event_t *ev, int depth)
{
	if (ld->section_lines[s]) {
		yaml_event_delete(ev);
		return ps_err(PS_ECONFIG, "%s:%d: duplicate key %s (first set at line %d)", ld->name, kline,
		              SECTIONS[s].path, ld->section_lines[s]);
	}
	if (is_null(ev)) {
		yaml_event_delete(ev);
		return 0;
	}
	if (ev->type != YAML_MAPPING_START_EVENT) {
		int rc = ps_err(PS_ECONFIG, "%s:%d: %s: expected a mapping of keys, got %s", ld->name, kline,
		                SECTIONS[s].path, node_kind(ev));
		yaml_event_delete(ev);
		return rc;
	}
	ld->section_lines[s] = kline;
	if (depth + 1 > MAX_DEPTH) {
		int rc = depth_error(ld, ev);
		yaml_event_delete(ev);
		return rc;
	}
	yaml_event_delete(ev);
	return load_mapping(ld, s, depth + 1);
}

static int unknown_key(loader *ld, int section, int kline, const char *key, size_t keylen)
{
	char shown[256], known[512];
	const char *prefix = SECTIONS[section].path;
	const char *dot = *prefix ? "." : "";
	sanitize(shown, sizeof shown, key, keylen);
	const char *s = keylen < KEY_MAX && !memchr(key, 0, keylen) ? suggest(section, key) : NULL;
	if (s)
		return ps_err(PS_ECONFIG, "%s:%d: unknown key %s%s%s (did you mean %s?)", ld->name, kline, prefix, dot,
		              shown, s);
	known_children(section, known, sizeof known);
	return ps_err(PS_ECONFIG, "%s:%d: unknown key %s%s%s (known keys: %s)", ld->name, kline, prefix, dot, shown,
	              known);
}

/* The body of a mapping whose start event has been consumed. */
static int load_mapping(loader *ld, int section, int depth)
{
	const sectiondef *sd = &SECTIONS[section];
	for (;;) {
		yaml_event_t kev, vev;
		int rc = next_event(ld, &kev);
		if (rc)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		int kline = line_of(&kev);
		if (kev.type != YAML_SCALAR_EVENT) {
			if (sd->policy == POL_STRICT) {
				rc = ps_err(PS_ECONFIG, "%s:%d: %s: keys must be plain strings, got %s", ld->name, kline,
				            sd->path, node_kind(&kev));
				yaml_event_delete(&kev);
				return rc;
			}
			if ((rc = skip_node(ld, &kev, depth)) || (rc = next_event(ld, &vev)) ||
			    (rc = skip_node(ld, &vev, depth)))
				return rc;
			continue;
		}
		char key[KEY_MAX + 1], path[2 * KEY_MAX + 2];
		size_t keylen = kev.data.scalar.length;
		bool fits = keylen <= KEY_MAX && !memchr(kev.data.scalar.value, 0, keylen);
		char shown_raw[KEY_MAX + 1];
		size_t shown_len = keylen < KEY_MAX ? keylen : KEY_MAX;
		memcpy(shown_raw, kev.data.scalar.value, shown_len);
		shown_raw[shown_len] = 0;
		if (fits) {
			memcpy(key, kev.data.scalar.value, keylen);
			key[keylen] = 0;
		} else {
			key[0] = 0;
		}
		yaml_event_delete(&kev);
		if ((rc = next_event(ld, &vev)))
			return rc;

		int k = -1, s = -1;
		if (fits) {
			snprintf(path, sizeof path, "%s%s%s", sd->path, *sd->path ? "." : "", key);
			k = find_key(path);
			if (k < 0)
				s = find_section(path);
		}
		if (k >= 0) {
			rc = apply_leaf(ld, k, kline, &vev, depth);
		} else if (s >= 0) {
			rc = apply_section(ld, s, kline, &vev, depth);
		} else if (sd->policy == POL_STRICT ||
		           (sd->policy == POL_TOP && fits && keylen > 3 && suggest(section, key))) {
			/* a near miss of one of our sections is a typo, not a Go datastore section */
			yaml_event_delete(&vev);
			return unknown_key(ld, section, kline, shown_raw, keylen < KEY_MAX ? keylen : KEY_MAX);
		} else {
			rc = skip_node(ld, &vev, depth);
		}
		if (rc)
			return rc;
	}
}

static int load_stream(loader *ld)
{
	yaml_event_t ev;
	int rc;
	if ((rc = next_event(ld, &ev)))
		return rc;
	yaml_event_delete(&ev); /* STREAM-START */
	if ((rc = next_event(ld, &ev)))
		return rc;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if ((rc = next_event(ld, &ev)))
		return rc;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		yaml_event_delete(&ev);
		if ((rc = load_mapping(ld, S_TOP, 1)))
			return rc;
	} else if (is_null(&ev)) {
		yaml_event_delete(&ev);
	} else {
		rc = ps_err(PS_ECONFIG, "%s:%d: expected a mapping of sections (storage_config, log_config) at the top "
		                        "level, got %s",
		            ld->name, line_of(&ev), node_kind(&ev));
		yaml_event_delete(&ev);
		return rc;
	}
	if ((rc = next_event(ld, &ev)))
		return rc;
	yaml_event_delete(&ev); /* DOCUMENT-END */
	if ((rc = next_event(ld, &ev)))
		return rc;
	if (ev.type != YAML_STREAM_END_EVENT) {
		rc = ps_err(PS_ECONFIG, "%s:%d: more than one YAML document; a config file holds one", ld->name,
		            line_of(&ev));
		yaml_event_delete(&ev);
		return rc;
	}
	yaml_event_delete(&ev);
	return 0;
}

/* Commits work into cfg on success; frees it otherwise. */
static int commit(ps_config *cfg, ps_config *work, int rc)
{
	if (rc) {
		ps_config_free(work);
		return rc;
	}
	ps_config_free(cfg);
	*cfg = *work;
	return 0;
}

int ps_config_load_mem(ps_config *cfg, const void *data, size_t len, const char *name)
{
	if (!name)
		name = "<string>";
	if (!cfg || (!data && len))
		return ps_err(PS_EINVAL, "%s: no config or no data", name);
	if (len > MAX_CONFIG_BYTES)
		return ps_err(PS_ECONFIG, "%s: config is larger than the %llu bytes accepted", name,
		              (unsigned long long)MAX_CONFIG_BYTES);
	static const unsigned char empty[1];
	loader *ld = calloc(1, sizeof *ld);
	if (!ld)
		return ps_err_nomem();
	ps_config work;
	int rc = ps_config_copy(&work, cfg);
	if (rc) {
		free(ld);
		return rc;
	}
	ld->name = name;
	ld->data = len ? data : empty;
	ld->len = len;
	ld->cfg = &work;
	if (!yaml_parser_initialize(&ld->parser)) {
		free(ld);
		ps_config_free(&work);
		return ps_err_nomem();
	}
	yaml_parser_set_input_string(&ld->parser, ld->data, len);
	rc = load_stream(ld);
	yaml_parser_delete(&ld->parser);
	if (!rc) {
		origin o = { name, ld->lines, NULL, -1 };
		rc = validate(&work, &o);
	}
	free(ld);
	return commit(cfg, &work, rc);
}

int ps_config_load_string(ps_config *cfg, const char *yaml, const char *name)
{
	if (!yaml)
		return ps_err(PS_EINVAL, "%s: no YAML text", name ? name : "<string>");
	return ps_config_load_mem(cfg, yaml, strlen(yaml), name);
}

int ps_config_load_file(ps_config *cfg, const char *path)
{
	if (!path)
		return ps_err(PS_EINVAL, "no config path");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ps_err(PS_EIO, "%s: cannot open: %s", path, strerror(errno));
	size_t cap = 64 << 10, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return ps_err_nomem();
	}
	for (;;) {
		if (len > MAX_CONFIG_BYTES) {
			free(buf);
			close(fd);
			return ps_err(PS_ECONFIG, "%s: config is larger than the %llu bytes accepted", path,
			              (unsigned long long)MAX_CONFIG_BYTES);
		}
		if (len == cap) {
			size_t ncap = cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				close(fd);
				return ps_err_nomem();
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return ps_err(PS_EIO, "%s: cannot read: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	int rc = ps_config_load_mem(cfg, buf, len, path);
	free(buf);
	return rc;
}

/* ---- environment and single keys --------------------------------------- */

/* Parses and stores text for key k into work; messages name `who`. */
static int set_one(ps_config *work, int k, const char *text, const origin *o)
{
	pvalue v;
	char *tmp = NULL, why[640];
	int rc = parse_value(&KEYS[k], text, strlen(text), &v, &tmp, why, sizeof why);
	if (rc == PS_ECONFIG)
		rc = config_err(o, k, "%s", why);
	else if (rc == 0)
		rc = store_value(work, &KEYS[k], &v);
	free(tmp);
	return rc;
}

int ps_config_apply_env(ps_config *cfg, char *const envp[])
{
	const char *envs[NKEYS] = { 0 };
	origin o = { NULL, NULL, envs, -1 };
	ps_config work;
	if (!cfg)
		return ps_err(PS_EINVAL, "no config");
	if (!envp)
		envp = environ;
	int rc = ps_config_copy(&work, cfg);
	if (rc)
		return rc;
	for (int k = 0; k < NKEYS && !rc && envp; k++) {
		const char *name = KEYS[k].env;
		if (!name)
			continue;
		size_t n = strlen(name);
		/* the first definition wins, as with getenv() */
		for (char *const *e = envp; *e; e++) {
			if (strncmp(*e, name, n) != 0 || (*e)[n] != '=')
				continue;
			const char *val = *e + n + 1;
			if (*val) {
				envs[k] = name;
				rc = set_one(&work, k, val, &o);
			}
			break;
		}
	}
	if (!rc)
		rc = validate(&work, &o);
	return commit(cfg, &work, rc);
}

int ps_config_set(ps_config *cfg, const char *key, const char *value)
{
	if (!cfg || !key || !value)
		return ps_err(PS_EINVAL, "ps_config_set: missing config, key or value");
	int k = find_key(key);
	if (k < 0) {
		char shown[256];
		sanitize(shown, sizeof shown, key, strlen(key));
		return ps_err(PS_ECONFIG, "unknown key %s", shown);
	}
	ps_config work;
	int rc = ps_config_copy(&work, cfg);
	if (rc)
		return rc;
	origin o = { NULL, NULL, NULL, k };
	rc = set_one(&work, k, value, &o);
	if (!rc)
		rc = validate(&work, &o);
	return commit(cfg, &work, rc);
}
