/* Writing one scan of one root target: validation, URL diff against the
 * previous scan, columnar batches into libparq, durable commit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "storage/atomic_file.h"
#include "../error.h"
#include "scan/probe_rows.h"
#include "scan/scan_internal.h"
#include "scan/scan_order.h"
#include "storage/backend.h"
#include "storage/stale_tmp.h"
#include "../store_internal.h"
#include "storage/store_io.h"
#include "../strmap.h"
#include "scan/changes.h"
#include "scan/scan_internal.h"


/* What changed for the URLs the previous scan had (changed_fields). */
typedef struct writer_changes {
	bool on;
	ps_change_cfg cfg;
	ps_prev_scan prev;         /* the previous scan's compared values */
	const char *const **rows;  /* per batch row: the changed fields, or NULL */
	size_t *n;                 /* per batch row: how many */
	const char **names;        /* the rows' lists, PS_CHG_N a row */
	size_t cap;
	int64_t n_changed;
} writer_changes;

struct ps_scan_writer {
	ps_store *st;
	ps_scan_options o;
	char *root_target, *session_id;
	char dir[4096], stem[64];
	int64_t scan_ms;
	int codec, level;
	bool validate, codec_resolved;
	bool checked;            /* the caller checked every input URL and string (ingest) */
	ps_reader_tail put;      /* object storage: the scan put (its ETag and last
	                          * bytes), for the batch's footer index */
	ps_utf8_repair utf8;
	int version;             /* PS_SCHEMA_V1 or PS_SCHEMA_V2 */
	const parq_schema *schema;          /* the store's (st->probe_schema) */
	parq_writer *pw;
	parq_io pio;             /* the store's I/O table as libparq sees it */
	ps_tmpfile tmp;
	ps_strmap prev;          /* previous scan: original_url -> first_seen */
	bool has_prev;
	ps_file_id prev_id;      /* the file the marks were computed against */
	ps_urlset seen;          /* this scan's URLs, counted once each */
	int64_t seq;             /* the target's sequence number, once prepared */
	int64_t open_ms;         /* the scan time the rows were written with */
	bool skipped;            /* the same scan was stored already */
	char claim_id[48];       /* object storage: its claims' own part, once made */
	int64_t records, n_new, n_existing;
	int64_t n_prev_seen;     /* distinct URLs of prev met (their values made negative) */
	bool prepared;           /* file complete and closed, waiting for its commit */
	int64_t n_old;           /* once prepared */
	int64_t size;
	struct timespec t0;
	/* per batch */
	const char **diff;
	int64_t *first;
	size_t cap;
	ps_arena repair;         /* repaired copies of records with bad UTF-8 */
	/* changes against the previous scan (changed_fields) */
	writer_changes chg;
	/* the directories this writer created (the target's, and probe_results
	 * when it was new), removed again when nothing is committed */
	bool made_dir, made_parent, committed;
	bool remote;             /* object storage: no lock, spool file, conditional PUT */
};

void ps_scan_options_default(ps_scan_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = PS_CODEC_CONFIG;
	o->validate = -1;
	o->mark_diff = true;
	o->scan_time_ms = PS_TIME_UNSET;
}

void ps_session_id_new(char *buf, size_t cap, int64_t ms)
{
	unsigned char r[8] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	if (f) {
		if (fread(r, 1, sizeof r, f) != sizeof r)
			memset(r, 0, sizeof r);
		fclose(f);
	}
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, cap, "%04d%02d%02d-%02d%02d%02d-%02x%02x%02x%02x%02x%02x%02x%02x", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, r[0], r[1], r[2], r[3], r[4], r[5], r[6],
	         r[7]);
}

/* Change detection from the configuration (its fields and threshold). */
static int changes_init(ps_scan_writer *w, const ps_config *cfg)
{
	int rc = ps_change_cfg_from_config(cfg, &w->chg.cfg);
	if (rc)
		return rc;
	w->chg.on = w->chg.cfg.mask != 0;
	return 0;
}

/* The changed fields of rows[0..m) whose mark is "existing" (w->diff),
 * into w->chg's per-row lists. */
static int changes_batch(ps_scan_writer *w, const ps_probe_result *rows, size_t m)
{
	writer_changes *c = &w->chg;
	if (!c->on)
		return 0;
	if (m > c->cap) {
		void *r = realloc((void *)c->rows, m * sizeof *c->rows);
		if (r)
			c->rows = r;
		void *n = realloc(c->n, m * sizeof *c->n);
		if (n)
			c->n = n;
		void *names = realloc(c->names, m * PS_CHG_N * sizeof *c->names);
		if (names)
			c->names = names;
		if (!r || !n || !names)
			return ps_err_nomem();
		c->cap = m;
	}
	bool v2 = c->prev.v2 && w->version >= PS_SCHEMA_V2;
	for (size_t i = 0; i < m; i++) {
		c->rows[i] = NULL;
		c->n[i] = 0;
		if (!w->diff[i] || strcmp(w->diff[i], "existing"))
			continue;
		const ps_probe_result *old = ps_prev_scan_get(&c->prev, rows[i].input_url);
		unsigned bits = old ? ps_probe_changes(&c->cfg, old, &rows[i], v2) : 0;
		if (!bits)
			continue;
		const char **v = &c->names[i * PS_CHG_N];
		size_t k = 0;
		for (int b = 0; b < PS_CHG_N; b++)
			if (bits & 1u << b)
				v[k++] = ps_change_name(b);
		c->rows[i] = v;
		c->n[i] = k;
		c->n_changed++;
	}
	return 0;
}

static void changes_free(writer_changes *c)
{
	ps_prev_scan_free(&c->prev);
	free((void *)c->rows);
	free(c->n);
	free(c->names);
	c->rows = NULL;
	c->n = NULL;
	c->names = NULL;
	c->cap = 0;
}

/* Loads the previous scan's URLs with their first-seen time. */
/* The first-seen times of a scan's URLs and, when changes are judged,
 * the values they are compared on: only those columns are read. */
static int load_prev_content(ps_scan_writer *w, const char *path)
{
	ps_prev_scan_free(&w->chg.prev);
	ps_probe_iter *it;
	int rc = ps_probe_iter_open_fields(&it, w->st, path, ps_change_columns, &w->chg.prev.v2);
	if (rc)
		return ps_err_prefix(rc, "previous scan: ");
	const ps_probe_result *r;
	while (!(rc = ps_probe_iter_next(it, &r)) && r) {
		int64_t first = r->oldest_scan_timestamp_ms ? r->oldest_scan_timestamp_ms : r->scan_timestamp_ms;
		/* the earliest of a URL's rows (one per method) */
		int64_t *have = r->input_url ? ps_strmap_get(&w->prev, r->input_url, strlen(r->input_url)) : NULL;
		if (have) {
			if (first < *have)
				*have = first;
		} else if (r->input_url && ps_strmap_put(&w->prev, r->input_url, strlen(r->input_url), first)) {
			rc = ps_err_nomem();
			break;
		}
		if (w->chg.on && (rc = ps_prev_scan_add(&w->chg.prev, r)))
			break;
	}
	ps_probe_iter_close(it);
	if (rc)
		ps_prev_scan_free(&w->chg.prev);
	return rc;
}

static int load_previous(ps_scan_writer *w)
{
	ps_scan_info *scans;
	size_t n;
	int rc = ps_store_list_scans(w->st, w->root_target, &scans, &n);
	if (rc)
		return rc;
	/* the newest scan not after this one that reads: a damaged one is
	 * passed over with a warning naming it */
	for (size_t i = n; i-- > 0;) {
		if (scans[i].scan_time_ms > w->scan_ms)
			continue;
		ps_strmap_free(&w->prev);
		/* the id before the content: a file replaced meanwhile (its
		 * marks brought up to date) then differs at the commit */
		rc = ps_file_id_get(w->st, scans[i].path, &w->prev_id);
		if (!rc)
			rc = load_prev_content(w, scans[i].path);
		if (rc == PS_ENOMEM)
			break;
		if (!rc) {
			w->has_prev = true;
			break;
		}
		ps_log_field f[] = {PS_LOG_STR("path", scans[i].path), PS_LOG_STR("error", ps_errmsg())};
		ps_log(ps_store_logger(w->st), PS_LOG_WARN, f, 2,
		       "previous scan does not read; the marks are computed against the scan before it");
		rc = 0;
	}
	if (!w->has_prev)
		ps_strmap_free(&w->prev);
	free(scans);
	return rc;
}

/* The file name's stem from the scan time. */
static void set_stem(ps_scan_writer *w)
{
	/* floor: a time before 1970 names the second it falls in */
	int64_t s = w->scan_ms / 1000 - (w->scan_ms % 1000 < 0);
	time_t secs = (time_t)s;
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(w->stem, sizeof w->stem, "scan_%04d%02d%02d_%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Where the temporary file is: the target's directory, or on object
 * storage the spool, where the bytes wait until the PUT. */
static const char *tmp_dir(const ps_scan_writer *w)
{
	return w->remote ? ps_storage_spool_dir(w->st) : w->dir;
}

int ps_scan_writer_open(ps_scan_writer **out, ps_store *st, const ps_scan_options *o)
{
	*out = NULL;
	ps_scan_options def;
	if (!o) {
		ps_scan_options_default(&def);
		o = &def;
	}
	ps_scan_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ps_err_nomem();
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	w->st = st;
	w->o = *o;
	w->tmp.fd = -1;
	const ps_config *cfg = ps_store_config(st);
	w->scan_ms = o->scan_time_ms != PS_TIME_UNSET ? o->scan_time_ms : ps_now_ms();
	w->open_ms = w->scan_ms;
	w->validate = o->validate < 0 ? cfg->writer.enable_validation : o->validate != 0;
	w->utf8 = cfg->writer.utf8_repair;
	w->codec = o->codec == PS_CODEC_CONFIG ? cfg->codec : o->codec;
	w->level = o->codec == PS_CODEC_CONFIG ? cfg->compression_level : o->compression_level;
	char sid[64];
	int rc = ps_store_target_dir(st, o->root_target, w->dir, sizeof w->dir);
	if (!rc) {
		if (!o->session_id)
			ps_session_id_new(sid, sizeof sid, w->scan_ms);
		w->root_target = strdup(o->root_target);
		w->session_id = strdup(o->session_id ? o->session_id : sid);
		if (!w->root_target || !w->session_id)
			rc = ps_err_nomem();
	}
	set_stem(w);
	if (!rc && o->mark_diff)
		rc = changes_init(w, cfg);
	if (!rc && o->mark_diff)
		rc = load_previous(w);
	w->remote = ps_storage_remote(st);
	if (!rc && !w->remote) {
		struct stat sb;
		w->made_dir = stat(w->dir, &sb) != 0;
		char *slash = strrchr(w->dir, '/');
		if (w->made_dir && slash) {
			*slash = 0;
			w->made_parent = stat(w->dir, &sb) != 0;
			*slash = '/';
		}
		rc = ps_mkdirs(w->st->io, w->dir);
	}
	w->version = cfg->writer.schema_version == PS_SCHEMA_V1 ? PS_SCHEMA_V1 : PS_SCHEMA_V2;
	w->schema = st->probe_schema[w->version - 1];
	if (!rc) {
		char hint[128];
		ps_scan_tmp_hint(st, w->stem, hint, sizeof hint);
		rc = ps_tmpfile_create(&w->tmp, st->io, tmp_dir(w), hint, st->file_mode);
	}
	if (rc) {
		ps_scan_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Opens the Parquet writer once the codec is known (auto decides from the
 * first batch's size). */
static int open_parquet(ps_scan_writer *w, size_t batch_bytes)
{
	int codec = w->codec, level = w->level;
	if (codec == PS_CODEC_AUTO)
		ps_config_auto_codec(batch_bytes, &codec, &level);
	w->codec = codec;
	w->level = level;
	parq_writer_options po;
	parq_column_options co[PS_SCAN_COL_OPTS];
	ps_scan_parq_options(w->st, w->version, codec, level, w->o.rows_per_row_group, &po, co, &w->pio);
	/* pages spilled beside the temporary file, on its file system */
	po.spill_dir = tmp_dir(w);
	int rc = parq_writer_open_fd(&w->pw, w->tmp.fd, w->tmp.path, w->schema, &po);
	if (rc)
		return ps_err_from_parq(rc, NULL);
	char ms[32];
	snprintf(ms, sizeof ms, "%lld", (long long)w->scan_ms);
	if ((rc = parq_writer_set_kv(w->pw, "probestore.schema_version", w->version == PS_SCHEMA_V1 ? "1" : "2")) ||
	    (rc = parq_writer_set_kv(w->pw, "probestore.kind", "probe_results")) ||
	    (rc = parq_writer_set_kv(w->pw, "probestore.scan_session_id", w->session_id)) ||
	    (rc = parq_writer_set_kv(w->pw, "probestore.root_target", w->root_target)) ||
	    (rc = parq_writer_set_kv(w->pw, "probestore.scan_timestamp", ms)))
		return ps_err_from_parq(rc, NULL);
	w->codec_resolved = true;
	return 0;
}

void ps_scan_parq_options(ps_store *st, int version, int codec, int level, int64_t rows_per_row_group,
                          parq_writer_options *po, parq_column_options *co, parq_io *pio)
{
	const ps_config *cfg = ps_store_config(st);
	parq_writer_options_default(po);
	po->codec = (parq_codec)codec;
	/* zstd's own default is level 3; a scan's short strings (URLs,
	 * titles, headers with tokens and dates) come out as small or
	 * smaller at level 1, compressed a quarter faster (benchmarks.md) */
	bool own_level = codec == PARQ_CODEC_ZSTD && level == 0;
	po->compression_level = own_level ? PS_SCAN_ZSTD_LEVEL : level;
	po->row_group_rows = rows_per_row_group > 0 ? rows_per_row_group : cfg->writer.rows_per_row_group;
	/* a CRC in every page header: a flipped bit on disk is an error
	 * naming the page, not a wrong value */
	po->page_crc = true;
	/* pages of 64 KiB or 4,096 rows: a writer holds its row group
	 * compressed but for the open pages, so that under one memory budget
	 * for all targets their row groups are larger */
	po->page_bytes = (size_t)64 << 10;
	po->page_rows = 4096;
	/* bloom filters on the columns queries look up by value; version 2:
	 * also the hashes ("which targets serve this favicon") */
	enum { N_BLOOM = 7 };
	const int bloom_cols[N_BLOOM] = {PS_COL_ORIGINAL_URL, PS_COL_STATUS_CODE, PS_COL_WEB_SERVER,
	                                 PS_COL_FAVICON_MMH3, PS_COL_JARM, PS_COL_BODY_SHA256,
	                                 PS_COL_HEADER_SHA256};
	int n_bloom = version == PS_SCHEMA_V1 ? 3 : N_BLOOM;
	for (int k = 0; k < n_bloom; k++) {
		/* the leaf of a column: one leaf each, in column order */
		parq_column_options_default(&co[k], bloom_cols[k]);
		co[k].bloom_fpp = 0.01;
	}
	/* no dictionary where values do not repeat: a scan holds each URL
	 * once, and the response headers carry the Date header. Each value
	 * would be hashed and copied into a dictionary that the first page
	 * then drops. */
	co[0].dictionary = 0;
	parq_column_options_default(&co[n_bloom], PS_COL_HEADERS_JSON);
	co[n_bloom].dictionary = 0;
	/* the headers are most of a scan's bytes: larger pages compress
	 * them faster and smaller, and no query looks into their pages */
	co[n_bloom].page_bytes = PS_SCAN_HEADERS_PAGE_BYTES;
	/* and at the scans' own zstd level, a smaller match table and
	 * longer matches than the level's compress them faster
	 * (docs/benchmarks.md, "zstd level and page size of the scans") */
	if (own_level) {
		co[n_bloom].zstd_hash_log = PS_SCAN_HEADERS_HASH_LOG;
		co[n_bloom].zstd_min_match = PS_SCAN_HEADERS_MIN_MATCH;
	}
	_Static_assert(N_BLOOM + 1 <= PS_SCAN_COL_OPTS, "room for the column options");
	po->columns = co;
	po->n_columns = n_bloom + 1;
	po->io = ps_io_parq(st->io, pio);
}

/* ---- validation ---- */

/* Checks one string field; repairs into *fixed when allowed. */
static int check_str(ps_scan_writer *w, size_t idx, const char *field, const char *s, const char **fixed)
{
	*fixed = NULL;
	if (!s)
		return 0;
	size_t n = strlen(s), ok = ps_utf8_valid(s, n);
	if (ok == n)
		return 0;
	if (w->utf8 == PS_UTF8_REJECT)
		return ps_err(PS_EINVAL, "record %zu: %s is not valid UTF-8 (at byte %zu)", idx, field, ok);
	return ps_utf8_fix(&w->repair, s, n, fixed);
}
/* A copy of r in the repair arena, for fields to be replaced in (NULL
 * without memory). */
static ps_probe_result *repair_copy(ps_scan_writer *w, const ps_probe_result *r)
{
	ps_probe_result *copy = ps_arena_alloc(&w->repair, sizeof *copy);
	if (copy)
		*copy = *r;
	return copy;
}


/* Validates r (record index idx); when strings need repair, *out is a
 * repaired copy in w->repair, else r itself. */
static int validate_one(ps_scan_writer *w, size_t idx, const ps_probe_result *r, const ps_probe_result **out)
{
	*out = r;
	if (!r->input_url || !*r->input_url)
		return ps_err(PS_EINVAL, "record %zu: input URL is empty", idx);
	if (!w->checked && ps_url_check(r->input_url))
		return ps_err_prefix(PS_EINVAL, "record %zu: input URL: ", idx);
	if (r->status_code != 0 && (r->status_code < 100 || r->status_code > 599))
		return ps_err(PS_EINVAL, "record %zu: status_code %d is outside 100..599", idx, (int)r->status_code);
	if (!ps_url_status_valid(r->url_status))
		return ps_err(PS_EINVAL, "record %zu: diff status '%s' is not new, existing or old", idx, r->url_status);
	if (r->content_length < 0)
		return ps_err(PS_EINVAL, "record %zu: content_length %lld is negative", idx, (long long)r->content_length);
	if (w->checked)
		return 0; /* every string is valid UTF-8 */
	struct {
		const char *name;
		const char *const *p;
	} f[] = {
		{"input URL", &r->input_url}, {"final_url", &r->final_url}, {"content_type", &r->content_type},
		{"title", &r->title}, {"web_server", &r->web_server}, {"root_target_url", &r->root_target_url},
		{"error", &r->error}, {"method", &r->method}, {"location", &r->location}, {"host_ip", &r->host_ip},
		{"scheme", &r->scheme}, {"path", &r->path}, {"cdn_name", &r->cdn_name}, {"cdn_type", &r->cdn_type},
		{"favicon_url", &r->favicon_url}, {"body_sha256", &r->body_sha256}, {"header_sha256", &r->header_sha256},
		{"jarm", &r->jarm}, {"asn_name", &r->asn_name}, {"tls_subject_cn", &r->tls_subject_cn},
		{"tls_issuer_cn", &r->tls_issuer_cn},
	};
	ps_probe_result *copy = NULL;
	for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
		const char *fixed;
		int rc = check_str(w, idx, f[k].name, *f[k].p, &fixed);
		if (rc)
			return rc;
		if (fixed) {
			if (!copy && !(copy = repair_copy(w, r)))
				return ps_err_nomem();
			*(const char **)((char *)copy + ((const char *)f[k].p - (const char *)r)) = fixed;
		}
	}
	/* lists and headers: checked, repaired element by element */
	struct {
		const char *name;
		const char *const *const *p;
		size_t n;
	} lists[] = {
		{"technologies", &r->technologies, r->n_technologies}, {"ips", &r->ips, r->n_ips},
		{"cname", &r->cnames, r->n_cnames}, {"tls_subject_an", &r->tls_subject_an, r->n_tls_subject_an},
		{"changed_fields", &r->changed_fields, r->n_changed_fields},
	};
	for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
		const char *const *cur = *lists[l].p;
		for (size_t j = 0; cur && j < lists[l].n; j++) {
			const char *fixed;
			int rc = check_str(w, idx, lists[l].name, cur[j], &fixed);
			if (rc)
				return rc;
			if (fixed) {
				if (!copy && !(copy = repair_copy(w, r)))
					return ps_err_nomem();
				const char **nl = ps_arena_alloc(&w->repair, lists[l].n * sizeof *nl);
				if (!nl)
					return ps_err_nomem();
				memcpy(nl, cur, lists[l].n * sizeof *nl);
				nl[j] = fixed;
				/* the same member of the copy */
				*(const char *const **)((char *)copy + ((const char *)lists[l].p - (const char *)r)) = nl;
				cur = nl;
			}
		}
	}
	for (size_t j = 0; r->headers && j < r->n_headers; j++) {
		const char *fn, *fv;
		int rc = check_str(w, idx, "header name", r->headers[j].name, &fn);
		if (!rc)
			rc = check_str(w, idx, "header value", r->headers[j].value, &fv);
		if (rc)
			return rc;
		if (fn || fv) {
			if (!copy) {
				if (!(copy = ps_arena_alloc(&w->repair, sizeof *copy)))
					return ps_err_nomem();
				*copy = *r;
			}
			if (copy->headers == r->headers) {
				ps_header *nh = ps_arena_alloc(&w->repair, r->n_headers * sizeof *nh);
				if (!nh)
					return ps_err_nomem();
				memcpy(nh, r->headers, r->n_headers * sizeof *nh);
				copy->headers = nh;
			}
			ps_header *nh = (ps_header *)copy->headers;
			if (fn)
				nh[j].name = fn;
			if (fv)
				nh[j].value = fv;
		}
	}
	if (copy)
		*out = copy;
	return 0;
}

/* A batch's column vectors are needed only while it is written: one set
 * per thread, not one per writer (ingest keeps a writer per target open,
 * and each would hold vectors as large as its largest batch). */
static void cols_destroy(void *p)
{
	ps_probe_cols_free(p);
	free(p);
}

static ps_thread_local cols_tl = PS_THREAD_LOCAL(cols_destroy);

static ps_probe_cols *cols_get(void)
{
	return ps_thread_local_get(&cols_tl, sizeof(ps_probe_cols));
}

int ps_scan_writer_add(ps_scan_writer *w, const ps_probe_result *r, size_t n)
{
	if (ps_cancel_requested(w->o.cancel))
		return ps_err(PS_ECANCELED, "scan of %s canceled", w->root_target);
	const ps_config *cfg = ps_store_config(w->st);
	size_t batch = cfg->writer.batch_size ? cfg->writer.batch_size : PS_BATCH_SIZE_DEFAULT;
	for (size_t at = 0; at < n;) {
		size_t m = n - at < batch ? n - at : batch;
		if (m > w->cap) {
			void *d = realloc(w->diff, m * sizeof *w->diff);
			if (d)
				w->diff = d;
			void *f = realloc(w->first, m * sizeof *w->first);
			if (f)
				w->first = f;
			if (!d || !f)
				return ps_err_nomem();
			w->cap = m;
		}
		ps_arena_free(&w->repair);
		const ps_probe_result *rows = r + at;
		ps_probe_result *fixed_rows = NULL;
		if (w->validate) {
			for (size_t i = 0; i < m; i++) {
				const ps_probe_result *v;
				int rc = validate_one(w, (size_t)w->records + i, &rows[i], &v);
				if (rc)
					return rc;
				if (v != &rows[i] && !fixed_rows) {
					fixed_rows = ps_arena_alloc(&w->repair, m * sizeof *fixed_rows);
					if (!fixed_rows)
						return ps_err_nomem();
					memcpy(fixed_rows, rows, m * sizeof *fixed_rows);
				}
				if (fixed_rows)
					fixed_rows[i] = *v;
			}
			if (fixed_rows)
				rows = fixed_rows;
		}
		for (size_t i = 0; i < m; i++) {
			w->diff[i] = NULL;
			w->first[i] = PS_TIME_UNSET;
			if (!w->o.mark_diff || !rows[i].input_url)
				continue;
			/* a URL's identity is the URL: its rows (one per method or
			 * probe) share its mark and are counted once */
			size_t ul = strlen(rows[i].input_url);
			int added = ps_urlset_add(&w->seen, rows[i].input_url, ul);
			if (added < 0)
				return ps_err_nomem();
			bool first_row = added == 1;
			int64_t *prev = ps_strmap_get(&w->prev, rows[i].input_url, ul);
			w->diff[i] = prev ? "existing" : "new";
			if (prev) {
				/* a URL met is marked by its value made negative (first-seen
				 * times are not): what stays positive is old */
				if (*prev >= 0) {
					*prev = -*prev - 1;
					w->n_prev_seen++;
				}
				w->first[i] = -*prev - 1;
				w->n_existing += first_row;
			} else {
				w->n_new += first_row;
			}
		}
		int rc = changes_batch(w, rows, m);
		if (rc)
			return rc;
		ps_probe_overrides ov = {.diff_status = w->diff, .first_seen_ms = w->first, .root_target = w->root_target,
		                         .changed = w->chg.on ? w->chg.rows : NULL, .n_changed = w->chg.n,
		                         .headers_json_given = w->checked};
		ps_probe_cols *cols = cols_get();
		if (!cols)
			return ps_err_nomem();
		rc = ps_probe_cols_build(cols, rows, m, w->scan_ms, &ov);
		if (rc)
			return rc;
		if (!w->codec_resolved && (rc = open_parquet(w, cols->raw_bytes)))
			return rc;
		if ((rc = parq_writer_write(w->pw, cols->col, (int64_t)m)))
			return ps_err_from_parq(rc, NULL);
		uint64_t cap = ps_store_config(w->st)->writer.max_file_size;
		if (cap && (uint64_t)parq_writer_bytes(w->pw) > cap)
			return ps_err(PS_ELIMIT,
			              "scan of %s: %lld bytes after %lld records exceed the writer's max_file_size of %llu",
			              w->root_target, (long long)parq_writer_bytes(w->pw), (long long)(w->records + (int64_t)m),
			              (unsigned long long)cap);
		w->records += (int64_t)m;
		at += m;
		if (ps_cancel_requested(w->o.cancel))
			return ps_err(PS_ECANCELED, "scan of %s canceled", w->root_target);
	}
	return 0;
}

/* The key-value metadata that orders the scan: a sequence number taken
 * under the target's lock. */
static int set_order_kv(ps_scan_writer *w)
{
	ps_target_lock l;
	int rc = 0;
	if (w->remote) {
		/* machines share no counter: the time in microseconds orders
		 * the scans of one second by when they were finished */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		w->seq = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	} else if (!(rc = ps_target_lock_take(&l, w->st->io, w->dir))) {
		rc = ps_target_lock_next_seq(&l, &w->seq);
		ps_target_lock_release(&l);
	}
	if (rc)
		return ps_err_prefix(rc, "scan of %s: ", w->root_target);
	char seq[32];
	snprintf(seq, sizeof seq, "%lld", (long long)w->seq);
	if ((rc = parq_writer_set_kv(w->pw, PS_KV_SCAN_SEQ, seq)))
		return ps_err_from_parq(rc, NULL);
	return 0;
}

/* Completes the file (the footer), unsynced and open. */
static int finish_file(ps_scan_writer *w)
{
	int rc = 0;
	if (ps_cancel_requested(w->o.cancel))
		rc = ps_err(PS_ECANCELED, "scan of %s canceled", w->root_target);
	if (!rc && !w->codec_resolved)
		rc = open_parquet(w, 0); /* an empty scan is a valid zero-row file */
	if (!rc)
		rc = set_order_kv(w);
	if (!rc) {
		rc = parq_writer_close(w->pw, &w->size);
		w->pw = NULL;
		if (rc)
			rc = ps_err_from_parq(rc, NULL);
	}
	w->n_old = w->has_prev ? (int64_t)w->prev.n - w->n_prev_seen : 0;
	return rc;
}

int ps_scan_writer_prepare(ps_scan_writer *w)
{
	if (w->prepared)
		return 0;
	int rc = finish_file(w);
	if (!rc)
		rc = ps_tmpfile_close(&w->tmp);
	if (rc)
		return rc;
	/* what the commit no longer needs goes: ingest prepares thousands */
	ps_strmap_free(&w->prev);
	changes_free(&w->chg);
	ps_urlset_free(&w->seen);
	ps_arena_free(&w->repair);
	free(w->diff);
	free(w->first);
	w->diff = NULL;
	w->first = NULL;
	w->cap = 0;
	w->prepared = true;
	return 0;
}

/* The result of w, placed at final; logged. */
static void placed(ps_scan_writer *w, const char *final, ps_scan_result *res)
{
	if (res) {
		memset(res, 0, sizeof *res);
		snprintf(res->path, sizeof res->path, "%s", final);
		res->records = w->records;
		res->bytes = w->size;
		res->scan_time_ms = w->scan_ms;
		res->n_new = w->n_new;
		res->n_existing = w->n_existing;
		res->n_old = w->n_old;
		res->n_changed = w->chg.n_changed;
		res->codec = w->codec;
		res->already_stored = w->skipped;
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		res->elapsed_s = (double)(t1.tv_sec - w->t0.tv_sec) + (double)(t1.tv_nsec - w->t0.tv_nsec) / 1e9;
	}
	ps_log_field f[] = {PS_LOG_STR("path", final), PS_LOG_INT("records", w->records), PS_LOG_INT("bytes", w->size),
	                    PS_LOG_INT("new", w->n_new), PS_LOG_INT("existing", w->n_existing)};
	ps_log(ps_store_logger(w->st), PS_LOG_INFO, f, 5, w->skipped ? "scan stored already" : "scan written");
}

/* The scan of the same time and records stored already, if any: its path
 * into found. A stored scan that cannot be read is not the same. */
static bool find_stored(ps_scan_writer *w, const ps_scan_info *scans, size_t n, char *found, size_t cap)
{
	bool hit = false;
	for (size_t i = 0; i < n && !hit; i++) {
		if (scans[i].scan_time_ms != w->scan_ms || scans[i].rows != w->records)
			continue;
		bool same = false;
		if (ps_scan_same_records(w->st, scans[i].path, w->tmp.path, !w->o.mark_diff, &same) || !same)
			continue;
		hit = true;
		snprintf(found, cap, "%s", scans[i].path);
		/* the counts reported are the stored scan's, against the scan
		 * before it */
		const char *prev = NULL;
		for (size_t j = i; j-- > 0;)
			if (scans[j].rows >= 0) {
				prev = scans[j].path;
				break;
			}
		ps_url_diff diff;
		if (ps_store_scan_diff(w->st, prev, scans[i].path, NULL, &diff) == 0) {
			w->n_new = (int64_t)diff.n_new;
			w->n_existing = (int64_t)diff.n_existing;
			w->n_old = (int64_t)diff.n_old;
			ps_url_diff_free(&diff);
		}
	}
	return hit;
}

/* Brings the marks of the scans after w's (just placed at final) up to
 * date, each against the one before it: a corrected copy renamed over
 * it, until a copy would change nothing. A failure leaves the rest as
 * they were and is logged. */
static void remark_later(ps_scan_writer *w, const char *final, const ps_scan_info *later, size_t n)
{
	const char *prev = final;
	for (size_t i = 0; i < n; i++) {
		ps_tmpfile nt;
		ps_remark_result rr;
		char etag[PS_ETAG_MAX] = "";
		/* the version read is the one replaced, or none */
		int rc = w->remote ? ps_storage_stat(w->st, later[i].path, NULL, etag) : 0;
		if (!rc)
			rc = ps_scan_remark(w->st, later[i].path, prev, INT64_MIN, &nt, &rr);
		if (!rc && !rr.changed) {
			ps_tmpfile_discard(&nt);
			return;
		}
		if (!rc && w->remote) {
			int fd = open(nt.path, O_RDONLY | O_CLOEXEC);
			rc = fd < 0 ? ps_err(PS_EIO, "cannot open %s: %s", nt.path, strerror(errno))
			            : ps_storage_put(w->st, later[i].path, fd, PS_PUT_IF_MATCH, etag, NULL);
			if (fd >= 0)
				close(fd);
			ps_tmpfile_discard(&nt);
		} else if (!rc) {
			/* complete and synced: in place of the old copy, atomically */
			if (ps_io_rename(w->st->io, nt.path, later[i].path, 0) != 0) {
				rc = ps_err(PS_EIO, "cannot rename %s to %s: %s", nt.path, later[i].path, strerror(errno));
				ps_tmpfile_discard(&nt);
			} else {
				nt.path[0] = 0;
				rc = ps_fsync_dir(w->st->io, w->dir);
			}
		}
		if (rc) {
			ps_log_field f[] = {PS_LOG_STR("path", later[i].path), PS_LOG_STR("error", ps_errmsg())};
			ps_log(ps_store_logger(w->st), PS_LOG_ERROR, f, 2,
			       "the marks of a later scan could not be brought up to date");
			return;
		}
		prev = later[i].path;
	}
}

/* The file re-marked when the scan before it is not the one its marks
 * were computed against (a scan placed meanwhile, or an older one arriving
 * late; prev NULL: none now) or its time changed: a corrected copy takes
 * the temporary file's place. */
static int remark_if_moved(ps_scan_writer *w, const ps_scan_info *prev)
{
	bool same = (prev != NULL) == w->has_prev;
	if (same && prev) {
		ps_file_id id;
		same = !ps_file_id_get(w->st, prev->path, &id) && ps_file_id_equal(&id, &w->prev_id);
	}
	if (same && w->scan_ms == w->open_ms)
		return 0;
	ps_tmpfile nt;
	ps_remark_result rr;
	int rc = ps_scan_remark(w->st, w->tmp.path, prev ? prev->path : NULL,
	                        w->scan_ms != w->open_ms ? w->scan_ms : INT64_MIN, &nt, &rr);
	if (rc)
		return rc;
	ps_tmpfile_discard(&w->tmp);
	w->tmp = nt;
	w->n_new = rr.n_new;
	w->n_existing = rr.n_existing;
	w->n_old = rr.n_old;
	struct stat sb;
	if (stat(w->tmp.path, &sb) == 0)
		w->size = sb.st_size;
	return 0;
}

/* Puts w's complete, closed spool file under the first free name: the
 * name claimed first (a marker put with If-None-Match), then the object
 * put with If-None-Match too, in parts when large (docs/format.md). */
static int put_remote(ps_scan_writer *w, char *final, size_t cap)
{
	int fd = open(w->tmp.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ps_err(PS_EIO, "cannot open %s: %s", w->tmp.path, strerror(errno));
	/* the writer's own: its session, an ID of its own (writers of one
	 * session share the session), made once so that a retried commit
	 * knows its claims, and its sequence */
	if (!w->claim_id[0])
		ps_session_id_new(w->claim_id, sizeof w->claim_id, w->scan_ms);
	char token[160];
	snprintf(token, sizeof token, "%s %s %lld", w->session_id, w->claim_id, (long long)w->seq);
	int rc = 0;
	for (int k = 1;; k++) {
		if (k > 1000) {
			rc = ps_err(PS_EEXISTS, "scan of %s: no free name for %s", w->root_target, w->stem);
			break;
		}
		int len = k == 1 ? snprintf(final, cap, "%s/%s.parquet", w->dir, w->stem)
		                 : snprintf(final, cap, "%s/%s_%d.parquet", w->dir, w->stem, k);
		if (len < 0 || (size_t)len >= cap) {
			rc = ps_err(PS_EINVAL, "path too long in %s", w->dir);
			break;
		}
		if ((rc = ps_storage_claim(w->st, final, token)) == PS_EEXISTS)
			continue;
		if (rc)
			break;
		rc = ps_storage_put_scan(w->st, final, fd, &w->put);
		if (rc != PS_EEXISTS)
			break;
	}
	close(fd);
	if (rc)
		final[0] = 0;
	return rc;
}

/* Places w's complete, closed file (synced, in a local directory) under
 * the target's lock, or on object storage by a claim and a conditional
 * PUT: skipped when stored already (skip_stored); re-marked first when
 * the scan before it in time is not the one its marks were computed
 * against (a scan placed meanwhile, or an older scan arriving late) or its
 * time changed; then placed under a name never given before, and the
 * scans after it re-marked. No sync of the directory. */
static int place(ps_scan_writer *w, char *final, size_t cap)
{
	ps_target_lock l;
	final[0] = 0;
	int rc = 0;
	/* object storage has no lock to take: the name's claim and the
	 * conditional PUT stand for it */
	if (!w->remote && (rc = ps_target_lock_take(&l, w->st->io, w->dir))) {
		ps_tmpfile_discard(&w->tmp);
		return ps_err_prefix(rc, "scan of %s: ", w->root_target);
	}
	/* the target's scans, each footer read once, and what writers killed
	 * in this directory left behind (there is always this writer's own
	 * temporary file: the others are looked at only when there is more
	 * than one; an object store's are in the handle's spool) */
	ps_scan_info *all = NULL;
	size_t n_all = 0;
	size_t n_tmp = w->remote ? 0 : 2;
	if (w->o.skip_stored || w->o.mark_diff)
		rc = ps_scan_list_dir_tmp(w->st, w->dir, &all, &n_all, w->remote ? NULL : &n_tmp);
	if (n_tmp > 1)
		ps_scan_tmp_clean(w->st, w->dir, NULL);
	if (!rc && w->o.skip_stored && find_stored(w, all, n_all, final, cap)) {
		ps_tmpfile_discard(&w->tmp);
		w->skipped = true;
		free(all);
		if (!w->remote)
			ps_target_lock_release(&l);
		return 0;
	}
	ps_scan_info prev, *later = NULL;
	size_t n_later = 0;
	bool has_prev = false;
	if (!rc && w->o.mark_diff)
		rc = ps_scan_neighbors(w->st, all, n_all, w->scan_ms, w->seq, &prev, &has_prev, &later, &n_later);
	free(all);
	if (!rc && w->o.mark_diff)
		rc = remark_if_moved(w, has_prev ? &prev : NULL);
	int k = 1;
	if (rc) {
		ps_tmpfile_discard(&w->tmp);
	} else if (w->remote) {
		rc = put_remote(w, final, cap);
		ps_tmpfile_discard(&w->tmp); /* the spool file has gone up, or failed to */
	} else {
		rc = ps_tmpfile_place(&w->tmp, w->stem, ".parquet", ps_target_lock_first_k(&l, w->stem), final, cap, &k);
	}
	if (!rc) {
		w->committed = true;
		if (!w->remote && ps_target_lock_placed(&l, w->stem, k)) {
			/* the name is recorded only to skip it next time */
			ps_log_field f[] = {PS_LOG_STR("path", l.path), PS_LOG_STR("error", ps_errmsg())};
			ps_log(ps_store_logger(w->st), PS_LOG_WARN, f, 2, "lock file not updated");
		}
		remark_later(w, final, later, n_later);
	}
	free(later);
	if (!w->remote)
		ps_target_lock_release(&l);
	return rc;
}

int ps_scan_writer_commit(ps_scan_writer *w, ps_scan_result *res)
{
	int rc = w->prepared ? ps_err(PS_EINVAL, "scan of %s: prepared for a batch commit", w->root_target)
	                     : finish_file(w);
	char final[4096] = "";
	if (!rc && w->remote) {
		/* the PUT's answer is the durability: no sync of the spool */
		if (!(rc = ps_tmpfile_close(&w->tmp)))
			rc = place(w, final, sizeof final);
		if (!rc)
			placed(w, final, res);
		ps_scan_writer_abort(w);
		return rc;
	}
	if (!rc)
		rc = ps_tmpfile_sync_close(&w->tmp);
	if (!rc)
		rc = place(w, final, sizeof final);
	if (!rc && !w->skipped && (rc = ps_fsync_dir(w->st->io, w->dir)))
		rc = ps_err_prefix(rc, "%s is in place but not known to be durable: ", final);
	/* in place, even when only the directory fsync failed */
	w->committed = w->committed || (!rc && !w->skipped);
	if (!rc)
		placed(w, final, res);
	ps_scan_writer_abort(w);
	return rc;
}

static int place_batch(void *ud, size_t i, char *final, size_t cap)
{
	ps_scan_writer **w = ud;
	return place(w[i], final, cap);
}

/* Object storage: the scans of a batch are placed by several threads,
 * each a request or two at a time (a listing, a claim, a conditional PUT)
 * that would otherwise wait in turn. The scans of one target stay in
 * order on one thread; the targets go to the threads by their directory. */
#define PLACE_THREADS 8

typedef struct place_run {
	ps_scan_writer **w;
	size_t n;
	ps_scan_result *res;
	int *rc;            /* per writer: 0 placed, else the error */
	char (*msg)[512];   /* ... and its message */
	char **path;        /* per writer: where a scan was put (NULL: none) */
	unsigned *lane;     /* per writer: its thread */
	unsigned t;
} place_run;

typedef struct place_arg {
	place_run *run;
	unsigned lane;
} place_arg;

static void *place_lane(void *p)
{
	const place_arg *a = p;
	place_run *r = a->run;
	for (size_t i = 0; i < r->n; i++) {
		if (r->lane[i] != a->lane)
			continue;
		char final[4096];
		int rc = ps_scan_writer_prepare(r->w[i]);
		if (!rc)
			rc = place(r->w[i], final, sizeof final);
		if (rc) {
			r->rc[i] = rc;
			snprintf(r->msg[i], sizeof r->msg[i], "%s", ps_errmsg());
		} else {
			placed(r->w[i], final, r->res ? &r->res[i] : NULL);
			if (!r->w[i]->skipped && r->w[i]->put.data)
				r->path[i] = strdup(final); /* for the footer index (none without memory) */
		}
	}
	return NULL;
}

/* The footers of the scans a batch put, in one object that other
 * machines read instead of one footer GET per scan. */
static void put_footer_index(const place_run *r)
{
	ps_footer_src *src = calloc(r->n ? r->n : 1, sizeof *src);
	size_t n = 0;
	for (size_t i = 0; src && i < r->n; i++)
		if (r->path[i])
			src[n++] = (ps_footer_src){r->path[i], &r->w[i]->put};
	if (src)
		ps_storage_put_footer_index(r->w[0]->st, src, n);
	free(src);
}

static int commit_remote(ps_scan_writer **w, size_t n, ps_scan_result *res, size_t *n_committed)
{
	place_run r = {w, n, res, calloc(n ? n : 1, sizeof *r.rc), calloc(n ? n : 1, sizeof *r.msg),
	               calloc(n ? n : 1, sizeof *r.path), calloc(n ? n : 1, sizeof *r.lane),
	               n < PLACE_THREADS ? (unsigned)n : PLACE_THREADS};
	int rc = r.rc && r.msg && r.path && r.lane ? 0 : ps_err_nomem();
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			r.lane[i] = (unsigned)(XXH3_64bits(w[i]->dir, strlen(w[i]->dir)) % r.t);
		pthread_t th[PLACE_THREADS];
		place_arg args[PLACE_THREADS];
		bool on_thread[PLACE_THREADS] = {false};
		unsigned started = 0;
		for (unsigned t = 0; t < r.t; t++) {
			args[t] = (place_arg){&r, t};
			if (t && pthread_create(&th[started], NULL, place_lane, &args[t]) == 0) {
				on_thread[t] = true;
				started++;
			}
		}
		/* lane 0, and the lanes of a thread that did not start, run here */
		for (unsigned t = 0; t < r.t; t++)
			if (!on_thread[t])
				place_lane(&args[t]);
		for (unsigned t = 0; t < started; t++)
			pthread_join(th[t], NULL);
		/* the first error in the batch's order is the batch's */
		for (size_t i = 0; i < n; i++) {
			if (r.rc[i] && !rc)
				rc = ps_err(r.rc[i], "%s", r.msg[i]);
			else if (!r.rc[i])
				(*n_committed)++;
		}
		put_footer_index(&r);
	}
	for (size_t i = 0; i < n; i++)
		ps_scan_writer_abort(w[i]);
	for (size_t i = 0; r.path && i < n; i++)
		free(r.path[i]);
	free(r.path);
	free(r.rc);
	free(r.msg);
	free(r.lane);
	return rc;
}

int ps_scan_writers_commit(ps_scan_writer **w, size_t n, ps_scan_result *res, size_t *n_committed,
                           ps_sync_pending *pend)
{
	*n_committed = 0;
	if (n && w[0]->remote)
		return commit_remote(w, n, res, n_committed);
	ps_tmpfile **t = calloc(n ? n : 1, sizeof *t);
	const char **stems = calloc(n ? n : 1, sizeof *stems);
	char (*finals)[4096] = calloc(n ? n : 1, sizeof *finals);
	int rc = t && stems && finals ? 0 : ps_err_nomem();
	for (size_t i = 0; i < n && !rc; i++) {
		rc = ps_scan_writer_prepare(w[i]);
		t[i] = &w[i]->tmp;
		stems[i] = w[i]->stem;
	}
	size_t n_placed = 0;
	if (!rc)
		rc = ps_tmpfile_commit_batch_with(t, stems, n, ".parquet", place_batch, w, pend, finals, &n_placed);
	/* placed but not known durable (the last sync failed) is not counted */
	for (size_t i = 0; i < n_placed; i++) {
		w[i]->committed = !w[i]->skipped;
		placed(w[i], finals[i], res ? &res[i] : NULL);
	}
	*n_committed = n_placed;
	for (size_t i = 0; i < n; i++)
		ps_scan_writer_abort(w[i]);
	free(t);
	free(stems);
	free(finals);
	return rc;
}

void ps_scan_writer_checked(ps_scan_writer *w)
{
	w->checked = true;
}

void ps_scan_writer_set_time(ps_scan_writer *w, int64_t ms)
{
	w->scan_ms = ms;
	set_stem(w);
}

int64_t ps_scan_writer_buffered(const ps_scan_writer *w)
{
	return w->pw ? parq_writer_buffered(w->pw) : 0;
}

int64_t ps_scan_writer_memory_kept(const ps_scan_writer *w)
{
	return (int64_t)(ps_strmap_memory(&w->prev) + ps_prev_scan_memory(&w->chg.prev));
}

int64_t ps_scan_writer_memory(const ps_scan_writer *w)
{
	return (w->pw ? parq_writer_memory(w->pw) : 0) + ps_scan_writer_memory_kept(w);
}

int ps_scan_writer_trim(ps_scan_writer *w)
{
	if (!w->pw)
		return 0;
	int rc = parq_writer_trim(w->pw);
	return rc ? ps_err_from_parq(rc, NULL) : 0;
}

int ps_scan_writer_spill(ps_scan_writer *w)
{
	if (!w->pw)
		return 0;
	int rc = parq_writer_spill(w->pw);
	return rc ? ps_err_from_parq(rc, NULL) : 0;
}

int64_t ps_scan_writer_spillable(const ps_scan_writer *w)
{
	return w->pw ? parq_writer_spillable(w->pw) : 0;
}

int ps_scan_writer_flush(ps_scan_writer *w)
{
	if (!w->pw)
		return 0;
	int rc = parq_writer_flush_row_group(w->pw);
	return rc ? ps_err_from_parq(rc, NULL) : 0;
}

/* The lock file of a target directory this writer made, when nothing
 * but it is there: removed, so that the directory goes too. */
static void remove_lock_if_alone(ps_scan_writer *w)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/.lock", w->dir);
	if (access(p, F_OK) != 0)
		return;
	ps_target_lock l;
	if (ps_target_lock_take(&l, w->st->io, w->dir))
		return;
	DIR *d = opendir(w->dir);
	bool alone = d != NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".lock"))
			alone = false;
	if (d)
		closedir(d);
	if (alone)
		ps_target_lock_remove(&l);
	ps_target_lock_release(&l);
}

void ps_scan_writer_abort(ps_scan_writer *w)
{
	if (!w)
		return;
	if (w->pw)
		parq_writer_abort(w->pw); /* an fd writer leaves the file to us */
	/* after a batch commit placed it, the temporary name is gone */
	ps_tmpfile_discard(&w->tmp);
	/* a cancelled or failed first scan leaves no empty target directory;
	 * rmdir removes nothing another writer has put there meanwhile */
	if (w->made_dir && !w->committed)
		remove_lock_if_alone(w);
	if (w->made_dir && !w->committed && rmdir(w->dir) == 0 && w->made_parent) {
		char *slash = strrchr(w->dir, '/');
		if (slash) {
			*slash = 0;
			rmdir(w->dir);
		}
	}
	ps_strmap_free(&w->prev);
	changes_free(&w->chg);
	ps_urlset_free(&w->seen);
	ps_arena_free(&w->repair);
	free(w->diff);
	free(w->first);
	free(w->root_target);
	free(w->session_id);
	ps_reader_tail_free(&w->put);
	free(w);
}

int ps_scan_write(ps_store *st, const ps_scan_options *o, const ps_probe_result *results, size_t n,
                  ps_scan_result *res)
{
	ps_scan_writer *w;
	int rc = ps_scan_writer_open(&w, st, o);
	if (rc)
		return rc;
	/* auto: the whole scan's size decides, so open the file from it */
	if (w->codec == PS_CODEC_AUTO && n) {
		ps_probe_cols est = {0};
		size_t bytes = 0;
		for (size_t at = 0; at < n && !rc; at += 4096) {
			size_t m = n - at < 4096 ? n - at : 4096;
			rc = ps_probe_cols_build(&est, results + at, m, 0, NULL);
			bytes += est.raw_bytes;
		}
		ps_probe_cols_free(&est);
		if (!rc)
			rc = open_parquet(w, bytes);
	}
	if (!rc)
		rc = ps_scan_writer_add(w, results, n);
	if (rc) {
		ps_scan_writer_abort(w);
		return rc;
	}
	return ps_scan_writer_commit(w, res);
}
