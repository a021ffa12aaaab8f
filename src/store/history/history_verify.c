/* File history checks: every page of a history file read (page checksums
 * verified where the file has them) and every record's hash compared with
 * its content, by the store's verify and before compaction re-encodes a
 * record. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../error.h"
#include "history/history_internal.h"
#include "storage/backend.h"
#include "../store_internal.h"

static bool is_sha256_hex(const parq_bytes *h)
{
	if (h->len != 64)
		return false;
	for (size_t i = 0; i < 64; i++) {
		char c = (char)h->ptr[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

int ps_history_raw_check(const char *path, int g, int64_t row, const ps_history_raw *raw, bool *checked)
{
	*checked = false;
	/* only a hash written as hex SHA-256 names content it can be checked
	 * against; a record without content has nothing to compare */
	if (!raw->has[PS_H_HASH] || !raw->has[PS_H_CONTENT] || !is_sha256_hex(&raw->v[PS_H_HASH]))
		return 0;
	char got[65];
	int rc = ps_sha256_hex(raw->v[PS_H_CONTENT].ptr, raw->v[PS_H_CONTENT].len, got);
	if (rc)
		return rc;
	*checked = true;
	if (strncasecmp(got, (const char *)raw->v[PS_H_HASH].ptr, 64) == 0)
		return 0;
	int ul = raw->has[PS_H_URL] && raw->v[PS_H_URL].len < 2048 ? (int)raw->v[PS_H_URL].len : 0;
	return ps_err(PS_ECORRUPT,
	              "%s: row group %d, row %lld (URL %.*s, timestamp %lld): the content (%zu bytes) does not match "
	              "its hash %.64s (SHA-256 %s)",
	              path, g, (long long)row, ul, ul ? (const char *)raw->v[PS_H_URL].ptr : "", (long long)raw->ts,
	              (size_t)raw->v[PS_H_CONTENT].len, (const char *)raw->v[PS_H_HASH].ptr, got);
}

void ps_history_verify_options_default(ps_history_verify_options *o)
{
	memset(o, 0, sizeof *o);
	o->check_hashes = true;
}

int ps_history_verify(ps_store *st, const char *path, const ps_history_verify_options *opt,
                      ps_history_verify_result *res)
{
	ps_history_verify_options dflt;
	if (!opt) {
		ps_history_verify_options_default(&dflt);
		opt = &dflt;
	}
	ps_history_verify_result scratch;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof *res);
	if (!path || !*path)
		return ps_err(PS_EINVAL, "file history verify: a path is required");
	parq_reader_options ro;
	parq_reader_options_default(&ro);
	if (st)
		ps_store_reader_options(&st->cfg, &ro);
	ro.verify_crc = true; /* whatever the reads are configured with */
	parq_reader *r;
	int rc;
	/* a store's path may name an object (s3://...): read through its storage */
	if (st) {
		if ((rc = ps_storage_open_reader(st, path, &ro, NULL, &r)))
			return rc;
	} else if ((rc = parq_reader_open(&r, path, &ro))) {
		return ps_err_from_parq(rc, NULL);
	}
	if ((rc = ps_history_schema_check(parq_reader_schema(r), path))) {
		parq_reader_close(r);
		return rc;
	}
	const parq_file_meta *m = parq_reader_metadata(r);
	for (int g = 0; g < (int)m->n_row_groups && !rc; g++) {
		ps_history_cursor cur;
		ps_history_raw raw;
		bool end = false;
		int64_t row = 0;
		if (!(rc = ps_history_cursor_open(&cur, r, PS_H_ALL, &g, 1, 8))) {
			for (; !(rc = ps_history_cursor_next(&cur, &raw, &end)) && !end; row++) {
				bool checked = false;
				if (opt->check_hashes && (rc = ps_history_raw_check(path, g, row, &raw, &checked)))
					break;
				res->records++;
				res->hashes_checked += checked;
			}
			ps_history_cursor_close(&cur);
		}
		if (rc) {
			/* a page that does not read: the row group's URLs from its
			 * statistics (a hash mismatch names its record's URL) */
			char urls[2200];
			ps_history_rg_urls(m, g, urls, sizeof urls);
			if (rc != PS_ENOMEM && !strstr(ps_errmsg(), "row group"))
				rc = ps_err_prefix(rc, "%s: row group %d%s: ", path, g, urls);
			else if (rc != PS_ENOMEM && !strstr(ps_errmsg(), "(URL")) {
				char msg[2048]; /* the message, copied: it is rewritten */
				snprintf(msg, sizeof msg, "%s", ps_errmsg());
				rc = ps_err(rc, "%s%s", msg, urls);
			}
			break;
		}
		if (row != m->row_groups[g].num_rows)
			rc = ps_err(PS_ECORRUPT, "%s: row group %d holds %lld rows, its footer says %lld", path, g,
			            (long long)row, (long long)m->row_groups[g].num_rows);
		res->row_groups++;
	}
	parq_reader_close(r);
	return rc;
}
