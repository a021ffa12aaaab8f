/* Storing fetched content in one call: hash, compare with the last known
 * version, line diff, and the diff result as the seed's ContentDiffResult
 * JSON; and that JSON parsed back into a C struct. */
#include <openssl/evp.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../error.h"
#include "history/history_internal.h"
#include "history/linediff.h"
#include "../store_internal.h"
#include "storage/backend.h"

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

/* ---- Go's encoding/json ---- */

int ps_json_go_string(ps_buf *b, const void *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = s, *e = p + n;
	int rc = ps_buf_addc(b, '"');
	while (!rc && p < e) {
		/* the run that needs no escaping goes in one piece */
		const unsigned char *q = p;
		while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\' && *q != '<' && *q != '>' && *q != '&')
			q++;
		if (q > p) {
			rc = ps_buf_add(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		unsigned c = *p;
		if (c < 0x80) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			switch (c) {
			case '"': rc = ps_buf_add(b, "\\\"", 2); break;
			case '\\': rc = ps_buf_add(b, "\\\\", 2); break;
			case '\n': rc = ps_buf_add(b, "\\n", 2); break;
			case '\r': rc = ps_buf_add(b, "\\r", 2); break;
			case '\t': rc = ps_buf_add(b, "\\t", 2); break;
			case '\b': rc = ps_buf_add(b, "\\b", 2); break;
			case '\f': rc = ps_buf_add(b, "\\f", 2); break;
			default: rc = ps_buf_add(b, esc, 6); /* other controls and <, >, & */
			}
			p++;
			continue;
		}
		uint32_t cp;
		size_t len = ps_utf8_seq(p, (size_t)(e - p), &cp);
		if (!len) {
			rc = ps_buf_add(b, "\\ufffd", 6); /* as Go replaces invalid bytes */
			p++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			rc = ps_buf_add(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			p += len;
		} else {
			rc = ps_buf_add(b, p, len);
			p += len;
		}
	}
	if (!rc)
		rc = ps_buf_addc(b, '"');
	return rc ? ps_err_nomem() : 0;
}

/* The seed's ContentDiffResult, fields in its order, omitempty where it
 * has it. diffs NULL writes null (no diff text), as Go writes a nil slice. */
static int diff_json(ps_buf *b, int64_t ts, const char *content_type, const ps_linediff *d, bool with_diffs,
                     const char *error_message, int64_t ms, const char *old_hash, const char *new_hash)
{
	int rc = ps_buf_printf(b, "{\"timestamp\":%lld,\"content_type\":", (long long)ts);
	if (!rc)
		rc = ps_json_go_string(b, content_type ? content_type : "", content_type ? strlen(content_type) : 0);
	if (!rc)
		rc = ps_buf_add(b, ",\"diffs\":", 9);
	if (!rc && !with_diffs)
		rc = ps_buf_add(b, "null", 4);
	if (!rc && with_diffs) {
		rc = ps_buf_addc(b, '[');
		for (size_t i = 0; i < d->n && !rc; i++) {
			rc = ps_buf_printf(b, "%s{\"operation\":%d,\"text\":", i ? "," : "", d->segs[i].op);
			if (!rc)
				rc = ps_json_go_string(b, d->segs[i].text, d->segs[i].len);
			if (!rc)
				rc = ps_buf_addc(b, '}');
		}
		if (!rc)
			rc = ps_buf_addc(b, ']');
	}
	if (!rc)
		rc = ps_buf_printf(b, ",\"lines_added\":%lld,\"lines_deleted\":%lld,\"lines_changed\":%lld,\"is_identical\":false",
		                   (long long)d->added, (long long)d->deleted, (long long)d->changed);
	if (!rc && error_message && *error_message) {
		rc = ps_buf_add(b, ",\"error_message\":", 17);
		if (!rc)
			rc = ps_json_go_string(b, error_message, strlen(error_message));
	}
	if (!rc)
		rc = ps_buf_printf(b, ",\"processing_time_ms\":%lld", (long long)ms);
	if (!rc && old_hash && *old_hash && !(rc = ps_buf_add(b, ",\"old_hash\":", 12)))
		rc = ps_json_go_string(b, old_hash, strlen(old_hash));
	if (!rc && new_hash && *new_hash && !(rc = ps_buf_add(b, ",\"new_hash\":", 12)))
		rc = ps_json_go_string(b, new_hash, strlen(new_hash));
	if (!rc)
		rc = ps_buf_addc(b, '}');
	return rc ? ps_err_nomem() : 0;
}

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
				rc = diff_json(&json, v.timestamp_ms, v.content_type, &d, !d.capped, why, mono_ms() - t0,
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

/* ---- parsing ContentDiffResult ---- */

typedef struct parse_ctx {
	ps_arena *a;
	const char *what;
} parse_ctx;

static int bad_type(const char *what, const char *key, const char *want)
{
	return ps_err(PS_ECORRUPT, "%s: '%s' is not %s", what, key, want);
}

static int get_str(parse_ctx *p, json_t *obj, const char *key, const char **out, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (len)
		*len = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_type(p->what, key, "a string");
	size_t n = json_string_length(v);
	char *s = ps_arena_strndup(p->a, json_string_value(v), n);
	if (!s)
		return ps_err_nomem();
	*out = s;
	if (len)
		*len = n;
	return 0;
}

static int get_int(parse_ctx *p, json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad_type(p->what, key, "an integer");
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int parse_paths(parse_ctx *p, json_t *arr, ps_diff_result *out)
{
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return ps_err(PS_ECORRUPT, "%s: not an array", p->what);
	size_t n = json_array_size(arr);
	out->extracted_paths = ps_arena_alloc(p->a, (n ? n : 1) * sizeof *out->extracted_paths);
	if (!out->extracted_paths)
		return ps_err_nomem();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		ps_extracted_path *x = &out->extracted_paths[i];
		if (!json_is_object(e))
			return ps_err(PS_ECORRUPT, "%s: element %zu is not an object", p->what, i);
		int rc;
		if ((rc = get_str(p, e, "source_url", &x->source_url, NULL)) ||
		    (rc = get_str(p, e, "extracted_raw_path", &x->extracted_raw_path, NULL)) ||
		    (rc = get_str(p, e, "extracted_absolute_url", &x->extracted_absolute_url, NULL)) ||
		    (rc = get_str(p, e, "context", &x->context, NULL)) || (rc = get_str(p, e, "type", &x->type, NULL)) ||
		    (rc = get_str(p, e, "discovery_timestamp", &x->discovery_timestamp, NULL)))
			return ps_err_prefix(rc, "element %zu: ", i);
		out->n_extracted_paths = i + 1;
	}
	return 0;
}

static json_t *load(const char *what, const char *s, size_t len, int *rc)
{
	json_error_t err;
	json_t *j = json_loadb(s, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	*rc = j ? 0 : ps_err(PS_ECORRUPT, "%s: invalid JSON at line %d, column %d: %s", what, err.line, err.column,
	                     err.text);
	return j;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

int ps_diff_result_parse(const char *json, size_t len, const char *extracted_paths_json, ps_diff_result *out)
{
	memset(out, 0, sizeof *out);
	ps_arena *a = calloc(1, sizeof *a);
	if (!a)
		return ps_err_nomem();
	out->priv = a;
	parse_ctx p = {a, "diff_result_json"};
	if (!json)
		return ps_err(PS_EINVAL, "diff_result_json: NULL");
	int rc;
	json_t *j = load(p.what, json, len, &rc);
	if (!rc && !json_is_object(j))
		rc = ps_err(PS_ECORRUPT, "diff_result_json: not a JSON object");
	if (!rc && !(rc = get_int(&p, j, "timestamp", &out->timestamp_ms)) &&
	    !(rc = get_str(&p, j, "content_type", &out->content_type, NULL)) &&
	    !(rc = get_int(&p, j, "lines_added", &out->lines_added)) &&
	    !(rc = get_int(&p, j, "lines_deleted", &out->lines_deleted)) &&
	    !(rc = get_int(&p, j, "lines_changed", &out->lines_changed)) &&
	    !(rc = get_str(&p, j, "error_message", &out->error_message, NULL)) &&
	    !(rc = get_int(&p, j, "processing_time_ms", &out->processing_time_ms)) &&
	    !(rc = get_str(&p, j, "old_hash", &out->old_hash, NULL)) &&
	    !(rc = get_str(&p, j, "new_hash", &out->new_hash, NULL))) {
		json_t *ident = json_object_get(j, "is_identical");
		if (ident && !json_is_null(ident) && !json_is_boolean(ident))
			rc = bad_type(p.what, "is_identical", "a boolean");
		out->is_identical = ident && json_is_true(ident);
	}
	json_t *diffs = rc ? NULL : json_object_get(j, "diffs");
	if (diffs && !json_is_null(diffs)) {
		if (!json_is_array(diffs)) {
			rc = bad_type(p.what, "diffs", "an array");
		} else {
			size_t n = json_array_size(diffs);
			out->diffs = ps_arena_alloc(a, (n ? n : 1) * sizeof *out->diffs);
			if (!out->diffs)
				rc = ps_err_nomem();
			for (size_t i = 0; i < n && !rc; i++) {
				json_t *e = json_array_get(diffs, i);
				ps_content_diff *d = &out->diffs[i];
				int64_t op = 0;
				if (!json_is_object(e))
					rc = ps_err(PS_ECORRUPT, "diff_result_json: diffs[%zu] is not an object", i);
				else if (!(rc = get_int(&p, e, "operation", &op)) && (op < -1 || op > 1))
					rc = ps_err(PS_ECORRUPT, "diff_result_json: diffs[%zu].operation is %lld, not -1, 0 or 1", i,
					            (long long)op);
				if (!rc)
					rc = get_str(&p, e, "text", &d->text, &d->text_len);
				if (!rc) {
					d->operation = (ps_diff_op)op;
					if (!d->text)
						d->text = "";
					out->n_diffs = i + 1;
				}
			}
		}
	}
	if (!rc && !extracted_paths_json) {
		p.what = "diff_result_json: extracted_paths";
		rc = parse_paths(&p, json_object_get(j, "extracted_paths"), out);
	}
	json_decref(j);
	if (!rc && extracted_paths_json && *extracted_paths_json) {
		p.what = "extracted_paths_json";
		json_t *pj = load(p.what, extracted_paths_json, strlen(extracted_paths_json), &rc);
		if (!rc)
			rc = parse_paths(&p, pj, out);
		json_decref(pj);
	}
	out->content_type = or_empty(out->content_type);
	out->error_message = or_empty(out->error_message);
	out->old_hash = or_empty(out->old_hash);
	out->new_hash = or_empty(out->new_hash);
	return rc;
}

void ps_diff_result_free(ps_diff_result *d)
{
	if (!d)
		return;
	if (d->priv) {
		ps_arena_free(d->priv);
		free(d->priv);
	}
	memset(d, 0, sizeof *d);
}
