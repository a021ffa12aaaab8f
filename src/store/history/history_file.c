/* Where a URL's history lives (its file, its archive) and what a history
 * file's row-group statistics say (the timestamps and URLs a row group may
 * hold), plus the hash a record carries: the ground the writer, the
 * readers, the content diff and verification all stand on. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../error.h"
#include "history/history_file.h"
#include "../store_internal.h"

/* ---- locations ---- */

int ps_history_locate(ps_store *st, const char *url, ps_history_loc *loc)
{
	memset(loc, 0, sizeof *loc);
	if (!url || !*url)
		return ps_err(PS_EINVAL, "file history: a URL is required");
	ps_url u;
	int rc = ps_url_parse(url, &u);
	if (rc)
		return ps_err_prefix(rc, "file history: ");
	char hp[PS_HOST_PORT_DIR_MAX];
	rc = ps_url_host_port_dir(&u, hp, sizeof hp);
	ps_url_free(&u);
	if (rc)
		return rc;
	int digits = st->cfg.history.url_hash_length;
	if (digits < 1 || digits > 64)
		digits = PS_URL_HASH_DEFAULT_DIGITS;
	if ((rc = ps_url_hash(url, digits, loc->hash)))
		return rc;
	size_t cap = sizeof loc->dir;
	if ((size_t)snprintf(loc->dir, cap, "%s/file_history/%s", st->base, hp) >= cap ||
	    (size_t)snprintf(loc->path, cap, "%s/%s.parquet", loc->dir, loc->hash) >= cap ||
	    (size_t)snprintf(loc->archive, cap, "%s/archive", loc->dir) >= cap)
		return ps_err(PS_EINVAL, "file history: path too long under %s", st->base);
	return 0;
}

int ps_history_path(ps_store *st, const char *url, char *buf, size_t cap)
{
	ps_history_loc loc;
	int rc = ps_history_locate(st, url, &loc);
	if (rc)
		return rc;
	if ((size_t)snprintf(buf, cap, "%s", loc.path) >= cap)
		return ps_err(PS_ELIMIT, "file history: %zu bytes are too few for the path %s", cap, loc.path);
	return 0;
}

/* ---- row-group statistics ---- */

static bool stat_i64(parq_bytes b, int64_t *v)
{
	if (b.len != 8)
		return false;
	memcpy(v, b.ptr, 8); /* little-endian on disk, as on every target we build for */
	return true;
}

bool ps_history_rg_ts_range(const parq_file_meta *m, int g, int64_t *min, int64_t *max)
{
	const parq_meta_column *c = &m->row_groups[g].columns[PS_H_TIMESTAMP].meta;
	if (!c->has_stats)
		return false;
	const parq_meta_stats *s = &c->stats;
	if (s->has_min_value && s->has_max_value)
		return stat_i64(s->min_value, min) && stat_i64(s->max_value, max);
	/* the legacy fields are in signed order, right for INT64 */
	return s->has_min && s->has_max && stat_i64(s->min, min) && stat_i64(s->max, max);
}

static int bytes_cmp(const char *a, size_t al, parq_bytes b)
{
	size_t n = al < b.len ? al : b.len;
	int c = n ? memcmp(a, b.ptr, n) : 0;
	return c ? c : al < b.len ? -1 : al > b.len ? 1 : 0;
}

bool ps_history_rg_may_hold_url(const parq_file_meta *m, int g, const char *url, size_t len)
{
	const parq_meta_column *c = &m->row_groups[g].columns[PS_H_URL].meta;
	if (!c->has_stats)
		return true;
	const parq_meta_stats *s = &c->stats;
	if (s->has_min_value && bytes_cmp(url, len, s->min_value) < 0)
		return false;
	if (s->has_max_value && bytes_cmp(url, len, s->max_value) > 0)
		return false;
	return true;
}

void ps_history_rg_urls(const parq_file_meta *m, int g, char *buf, size_t cap)
{
	buf[0] = 0;
	const parq_meta_column *c = &m->row_groups[g].columns[PS_H_URL].meta;
	if (!c->has_stats || !c->stats.has_min_value || !c->stats.has_max_value || c->stats.min_value.len > 1024 ||
	    c->stats.max_value.len > 1024)
		return;
	parq_bytes lo = c->stats.min_value, hi = c->stats.max_value;
	if (lo.len == hi.len && !memcmp(lo.ptr, hi.ptr, lo.len))
		snprintf(buf, cap, " (URL %.*s)", (int)lo.len, (const char *)lo.ptr);
	else
		snprintf(buf, cap, " (URLs %.*s to %.*s)", (int)lo.len, (const char *)lo.ptr, (int)hi.len,
		         (const char *)hi.ptr);
}

/* ---- content hashes ---- */

int ps_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (EVP_Digest(len ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ps_err(PS_EIO, "SHA-256 of %zu bytes failed", len);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = 0;
	return 0;
}
