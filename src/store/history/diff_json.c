/* The diff result's JSON, the ContentDiffResult of the Go datastore whose
 * behaviour probestore implements: written for a new
 * version of a monitored file, parsed back into a ps_diff_result. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "history/diff_json.h"
#include "gojson.h"

/* The Go datastore's ContentDiffResult, fields in its order, omitempty where it
 * has it. diffs NULL writes null (no diff text), as Go writes a nil slice. */
int ps_diff_json_write(ps_buf *b, int64_t ts, const char *content_type, const ps_linediff *d, bool with_diffs,
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
