/* Storing fetched content in one call: hash, compare with the last known
 * version, line diff, and the diff result's JSON (diff_json.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../error.h"
#include "history/diff_json.h"
#include "history/history_internal.h"
#include "history/linediff.h"
#include "../store_internal.h"
#include "storage/backend.h"

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool hex_hash(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int store_content_once(ps_store *st, const ps_history_fetch *f, ps_history_content_result *res);

/* Object storage: is the URL's history object another version than the
 * one the session began from? Then a read of it that failed may have
 * met the next version halfway (ranged GETs of a replaced object), and
 * the write would lose its compare-and-swap anyway: a conflict. */
static bool replaced_meanwhile(const ps_history_session *s)
{
	char etag[PS_ETAG_MAX], msg[2048];
	snprintf(msg, sizeof msg, "%s", ps_errmsg());
	int rc = ps_storage_stat(s->st, s->loc.path, NULL, etag);
	ps_err(PS_EIO, "%s", msg);
	return rc == 0 ? strcmp(etag, s->etag) != 0 : rc == PS_ENOTFOUND && s->etag[0];
}

int ps_history_store_content(ps_store *st, const ps_history_fetch *f, ps_history_content_result *res)
{
	int rc;
	for (int attempt = 1;; attempt++) {
		if ((rc = store_content_once(st, f, res)) != PS_ECONFLICT)
			return rc;
		ps_history_log_conflict(st, f ? f->url : NULL, attempt);
		if ((rc = ps_history_cas_wait(attempt, f && f->url ? f->url : "file history")))
			return rc;
	}
}

/* One attempt: on object storage, another writer may replace the URL's
 * history between the read of the last version and the write of the next
 * (PS_ECONFLICT); the next attempt diffs against what it wrote. */
static int store_content_once(ps_store *st, const ps_history_fetch *f, ps_history_content_result *res)
{
	ps_history_content_result scratch;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof *res);
	if (!f)
		return ps_err(PS_EINVAL, "file history: no fetch to store");
	if (f->content_len && !f->content)
		return ps_err(PS_EINVAL, "file history: content of %s is NULL with length %zu", f->url ? f->url : "?",
		              f->content_len);
	int rc = ps_sha256_hex(f->content, f->content_len, res->hash);
	if (rc)
		return rc;
	ps_history_record rec = {
		.url = f->url, .timestamp_ms = f->fetched_at_ms ? f->fetched_at_ms : ps_now_ms(), .hash = res->hash,
		.content_type = f->content_type, .content = f->content, .content_len = f->content_len, .etag = f->etag,
		.last_modified = f->last_modified, .extracted_paths_json = f->extracted_paths_json,
	};
	ps_arena a = {0};
	ps_history_record v;
	if ((rc = ps_history_validate(st, &rec, &a, &v))) {
		ps_arena_free(&a);
		return rc;
	}
	ps_history_session s;
	if ((rc = ps_history_session_begin(&s, st, v.url))) {
		ps_arena_free(&a);
		return rc;
	}
	/* the fetch time by default is taken under the lock, so that records
	 * of concurrent writers follow their storage order: a time taken
	 * before waiting for the lock could precede the record it is then
	 * diffed against */
	if (!f->fetched_at_ms)
		v.timestamp_ms = ps_now_ms();
	/* the version that precedes this one in time, under the lock: another
	 * writer cannot slip in between the comparison and the write. Usually
	 * the last version; for a fetch time older than the last version's, the
	 * newest version not newer than it (on equal times, stored earlier) */
	ps_history_record *last = NULL;
	ps_history_read_options ro = {.on_bad_file = f->on_bad_file, .bad_file_ud = f->bad_file_ud};
	rc = ps_history_last_unlocked(st, v.url, &ro, &last);
	if (!rc && last->timestamp_ms > v.timestamp_ms) {
		ps_history_record_free(last);
		last = NULL;
		rc = ps_history_before_unlocked(st, v.url, v.timestamp_ms, &ro, &last);
	}
	if (rc == PS_ENOTFOUND)
		rc = 0;
	if (rc && rc != PS_ENOMEM && rc != PS_ECANCELED && s.remote && replaced_meanwhile(&s))
		rc = ps_err(PS_ECONFLICT, "%s was replaced by another writer while it was read", s.loc.path);
	ps_buf json = {0};
	ps_linediff d = {0};
	if (!rc && last && strcmp(last->hash, res->hash) == 0) {
		snprintf(res->old_hash, sizeof res->old_hash, "%s", last->hash);
		res->status = PS_CONTENT_UNCHANGED;
		snprintf(res->write.path, sizeof res->write.path, "%s", s.loc.path);
	} else if (!rc) {
		res->status = last ? PS_CONTENT_CHANGED : PS_CONTENT_NEW;
		if (last) {
			snprintf(res->old_hash, sizeof res->old_hash, "%s", hex_hash(last->hash) ? last->hash : "");
			int64_t t0 = mono_ms();
			uint64_t cap = st->cfg.history.max_diff_size;
			char why[256] = "";
			rc = ps_linediff_compute((const char *)last->content, last->content_len, (const char *)v.content,
			                         v.content_len, cap, &d);
			if (!rc && d.capped)
				snprintf(why, sizeof why,
				         "Content changed, but it is too large for a detailed diff (limit: %llu bytes). Previous "
				         "size: %zu bytes, current size: %zu bytes. The line counts cover the lines between the "
				         "common beginning and end.",
				         (unsigned long long)cap, last->content_len, v.content_len);
			else if (!rc && !last->content && last->content_len == 0 && v.content_len)
				snprintf(why, sizeof why, "The previous version's content was not stored; the diff is against empty content.");
			if (!rc)
				rc = ps_diff_json_write(&json, v.timestamp_ms, v.content_type, &d, !d.capped, why, mono_ms() - t0,
				               last->hash, res->hash);
			if (!rc) {
				v.diff_result_json = json.data;
				res->lines_added = d.added;
				res->lines_deleted = d.deleted;
				res->lines_changed = d.changed;
				res->diff_capped = d.capped;
			}
		}
		if (!rc)
			rc = ps_history_session_append(&s, &v, false, &res->write);
	}
	ps_history_session_end(&s);
	ps_history_record_free(last);
	ps_linediff_free(&d);
	ps_buf_free(&json);
	ps_arena_free(&a);
	return rc;
}
