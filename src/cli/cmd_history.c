/* probestore history: monitored files' versions, stored and read back. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

static const char usage[] =
	"usage: probestore history add --url URL [--file FILE|-] [--content-type T] [--etag E]\n"
	"                              [--last-modified L] [--time TIME]\n"
	"       probestore history last URL [--content]\n"
	"       probestore history list URL [--limit N]\n"
	"       probestore history hosts\n"
	"       probestore history diffs URL...\n"
	"       probestore history compact URL...\n\n"
	"The versions of monitored files (a JavaScript bundle, an API document), kept in\n"
	"file_history/<host>_<port>/<urlhash>.parquet with their hashes and line diffs.\n\n"
	"  add      stores the content of FILE (default: standard input) fetched from URL:\n"
	"           hashed (SHA-256), compared with the last version, stored with its line\n"
	"           diff when it changed, nothing stored when it did not. Prints one JSON\n"
	"           line: status (new, changed, unchanged), hash, old_hash, lines added,\n"
	"           deleted and changed, file.\n"
	"  last     the newest version as one JSON line (without the content); with\n"
	"           --content, the content itself, byte for byte, and nothing else\n"
	"  list     the versions, newest first, one JSON line each (without content)\n"
	"  hosts    the host:port list of targets with history, one per line\n"
	"  diffs    for each URL, its newest diff: one JSON line with the counts, the\n"
	"           hashes and the diff operations (found false: one version, no diff)\n"
	"  compact  merges the small row groups of each URL's file now\n\n"
	"A URL without any stored version is an error for last, list, diffs and compact:\n"
	"a message names it, the other URLs are still printed, and the exit status is 1.\n"
	"A history file of the URL that does not read (damaged, truncated, unreadable)\n"
	"does not stop add, last, list and diffs: they answer from the URL's other files,\n"
	"name each such file on standard error, and exit with status 3. add still fails\n"
	"(status 1) when the URL's current file does not read, the file it appends to.\n\n"
	"Options:\n"
	"  --url URL            the monitored file's URL (add)\n"
	"  --file FILE          the content to store; - or absent: standard input\n"
	"  --content-type T, --etag E, --last-modified L\n"
	"                       the response headers stored with the version\n"
	"  --time TIME          when it was fetched (default: now), as `query --since`\n"
	"  --limit N            at most N versions (list; default: all)\n"
	"  --content            print the content of the last version (last)\n";

static bool out_line(strbuf *b)
{
	sb_putc(b, '\n');
	bool ok = cli_write(b->data, b->len);
	b->len = 0;
	return ok;
}

static void key(strbuf *b, const char *k, bool *first)
{
	sb_puts(b, *first ? "{" : ",");
	*first = false;
	json_string(b, (const uint8_t *)k, strlen(k));
	sb_putc(b, ':');
}

static void kstr(strbuf *b, const char *k, const char *v, bool *first)
{
	key(b, k, first);
	if (v)
		json_string(b, (const uint8_t *)v, strlen(v));
	else
		sb_puts(b, "null");
}

static void kint(strbuf *b, const char *k, int64_t v, bool *first)
{
	key(b, k, first);
	sb_printf(b, "%" PRId64, v);
}

/* The keys of a diff result, as `last`, `list` and `diffs` all print it:
 * hashes, counts, and the operations by name (the stored JSON has the
 * -1, 0, 1 of the Go datastore whose behaviour probestore implements). */
static void diff_fields(strbuf *b, const ps_diff_result *r, bool *first)
{
	kstr(b, "old_hash", r->old_hash, first);
	kstr(b, "new_hash", r->new_hash, first);
	kint(b, "lines_added", r->lines_added, first);
	kint(b, "lines_deleted", r->lines_deleted, first);
	kint(b, "lines_changed", r->lines_changed, first);
	key(b, "is_identical", first);
	sb_puts(b, r->is_identical ? "true" : "false");
	kstr(b, "error_message", r->error_message && *r->error_message ? r->error_message : NULL, first);
	key(b, "diffs", first);
	if (!r->diffs) {
		sb_puts(b, "null");
		return;
	}
	sb_putc(b, '[');
	for (size_t k = 0; k < r->n_diffs; k++) {
		static const char *const ops[] = {"delete", "equal", "insert"};
		sb_printf(b, "%s{\"operation\":\"%s\",\"text\":", k ? "," : "", ops[r->diffs[k].operation + 1]);
		json_string(b, (const uint8_t *)r->diffs[k].text, r->diffs[k].text_len);
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

static bool has_json(const char *j)
{
	return j && *j && strcmp(j, "null") != 0;
}

/* A record as one JSON object, without its content; false (reported)
 * when its stored diff does not parse. */
static bool record_json(strbuf *b, const ps_history_record *r)
{
	bool first = true;
	char t[32];
	kstr(b, "url", r->url, &first);
	kstr(b, "timestamp", cli_time_iso(r->timestamp_ms, t), &first);
	kstr(b, "hash", r->hash, &first);
	kstr(b, "content_type", r->content_type, &first);
	kint(b, "content_length", (int64_t)r->content_len, &first);
	kstr(b, "etag", r->etag, &first);
	kstr(b, "last_modified", r->last_modified, &first);
	key(b, "diff_result", &first);
	bool ok = true;
	if (has_json(r->diff_result_json)) {
		ps_diff_result d;
		if (ps_diff_result_parse(r->diff_result_json, strlen(r->diff_result_json), NULL, &d)) {
			cli_error("%s at %s: the stored diff does not read: %s", r->url, t, ps_errmsg());
			ok = false;
		} else {
			bool f2 = true;
			diff_fields(b, &d, &f2);
			sb_putc(b, '}');
		}
		ps_diff_result_free(&d);
	} else {
		sb_puts(b, "null");
	}
	key(b, "extracted_paths", &first);
	/* stored JSON is embedded as it is (it parsed when it was written) */
	sb_puts(b, has_json(r->extracted_paths_json) ? r->extracted_paths_json : "null");
	sb_putc(b, '}');
	return ok;
}

/* The message of a URL without history, the same for every subcommand. */
static void no_history(ps_store *st, const char *url)
{
	cli_error("%s has no stored version in %s", url, ps_store_base_path(st));
}

/* Reads all of f (at most cap bytes). */
static int slurp(FILE *f, const char *name, size_t cap, char **out, size_t *len)
{
	size_t n = 0, size = 1 << 16;
	char *buf = malloc(size);
	for (;;) {
		if (!buf) {
			cli_error("out of memory reading %s", name);
			return EXIT_RUNTIME;
		}
		size_t k = fread(buf + n, 1, size - n, f);
		n += k;
		if (n > cap) {
			cli_error("%s: more than %zu bytes (history.max_file_size)", name, cap);
			free(buf);
			return EXIT_RUNTIME;
		}
		if (k == 0)
			break;
		if (n == size) {
			size *= 2;
			char *bigger = realloc(buf, size);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	if (ferror(f)) {
		cli_error("cannot read %s: %s", name, strerror(errno));
		free(buf);
		return EXIT_RUNTIME;
	}
	*out = buf;
	*len = n;
	return EXIT_OK;
}

static int cmd_add(const cli_global *gl, int argc, char **argv)
{
	const char *url = NULL, *file = NULL, *ctype = NULL, *etag = NULL, *lastmod = NULL, *time = NULL;
	const cli_optdef defs[] = {{"--url", &url, NULL},     {"--file", &file, NULL},
	                           {"--content-type", &ctype, NULL}, {"--etag", &etag, NULL},
	                           {"--last-modified", &lastmod, NULL}, {"--time", &time, NULL}};
	if (cli_args_parse("history", "add", argc, argv, 2, defs, sizeof defs / sizeof *defs, NULL, NULL))
		return EXIT_USAGE;
	if (!url)
		return cli_usage_error("history", "add needs --url URL");
	int64_t at = 0, hi;
	if (time && cli_parse_time("history", "--time", time, &at, &hi))
		return EXIT_USAGE;
	ps_store *st;
	int rc = cli_store_open(gl, false, &st);
	if (rc)
		return rc;
	size_t cap = ps_store_config(st)->history.max_file_size;
	FILE *f = file && strcmp(file, "-") ? fopen(file, "rb") : stdin;
	const char *name = file && strcmp(file, "-") ? file : "standard input";
	char *content = NULL;
	size_t len = 0;
	if (!f) {
		cli_error("cannot open %s: %s", file, strerror(errno));
		rc = EXIT_RUNTIME;
	} else {
		rc = slurp(f, name, cap ? cap : SIZE_MAX / 2, &content, &len);
		if (f != stdin)
			fclose(f);
	}
	if (rc == EXIT_OK) {
		int n_bad = 0;
		ps_history_fetch fe = {.url = url, .content = content, .content_len = len, .content_type = ctype,
		                       .etag = etag, .last_modified = lastmod, .fetched_at_ms = at,
		                       .on_bad_file = cli_file_skipped, .bad_file_ud = &n_bad};
		ps_history_content_result res;
		if (ps_history_store_content(st, &fe, &res)) {
			cli_error("%s", ps_errmsg());
			rc = EXIT_RUNTIME;
		} else {
			static const char *const status[] = {"new", "changed", "unchanged"};
			strbuf b = {0};
			bool first = true;
			kstr(&b, "url", url, &first);
			kstr(&b, "status", status[res.status], &first);
			kstr(&b, "hash", res.hash, &first);
			kstr(&b, "old_hash", res.old_hash[0] ? res.old_hash : NULL, &first);
			kint(&b, "lines_added", res.lines_added, &first);
			kint(&b, "lines_deleted", res.lines_deleted, &first);
			kint(&b, "lines_changed", res.lines_changed, &first);
			kstr(&b, "file", res.status == PS_CONTENT_UNCHANGED ? NULL : res.write.path, &first);
			sb_putc(&b, '}');
			rc = !out_line(&b) ? EXIT_RUNTIME : n_bad ? EXIT_PARTIAL : EXIT_OK;
			sb_free(&b);
		}
	}
	free(content);
	cli_store_close(st);
	return rc;
}

static int cmd_last(const cli_global *gl, int argc, char **argv)
{
	const char *url = NULL;
	bool content = false;
	const cli_optdef defs[] = {{"--content", NULL, &content}};
	if (cli_args_parse("history", "last", argc, argv, 2, defs, 1, &url, "last takes one URL"))
		return EXIT_USAGE;
	if (!url)
		return cli_usage_error("history", "last needs a URL");
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	ps_history_record *r;
	int n_bad = 0;
	ps_history_read_options ro;
	ps_history_read_options_default(&ro);
	ro.on_bad_file = cli_file_skipped;
	ro.bad_file_ud = &n_bad;
	int e = ps_history_last_opt(st, url, &ro, &r);
	if (e) {
		if (e == PS_ENOTFOUND && n_bad)
			cli_error("%s has no stored version in the files of %s that read", url, ps_store_base_path(st));
		else if (e == PS_ENOTFOUND)
			no_history(st, url);
		else
			cli_error("%s", ps_errmsg());
		cli_store_close(st);
		return EXIT_RUNTIME;
	}
	if (content) {
		rc = !r->content_len || cli_write(r->content, r->content_len) ? EXIT_OK : EXIT_RUNTIME;
	} else {
		strbuf b = {0};
		rc = record_json(&b, r) && out_line(&b) ? EXIT_OK : EXIT_RUNTIME;
		sb_free(&b);
	}
	if (rc == EXIT_OK && n_bad)
		rc = EXIT_PARTIAL;
	ps_history_record_free(r);
	cli_store_close(st);
	return rc;
}

static int cmd_list(const cli_global *gl, int argc, char **argv)
{
	const char *url = NULL, *limit_s = NULL;
	const cli_optdef defs[] = {{"--limit", &limit_s, NULL}};
	if (cli_args_parse("history", "list", argc, argv, 2, defs, 1, &url, "list takes one URL"))
		return EXIT_USAGE;
	if (!url)
		return cli_usage_error("history", "list needs a URL");
	int64_t limit = 0;
	if (limit_s && cli_parse_count("history", "--limit", limit_s, &limit))
		return EXIT_USAGE;
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	ps_history_set set;
	int n_bad = 0;
	ps_history_read_options ro;
	ps_history_read_options_default(&ro);
	ro.on_bad_file = cli_file_skipped;
	ro.bad_file_ud = &n_bad;
	if (ps_history_records_opt(st, url, (size_t)limit, &ro, &set)) {
		cli_error("%s", ps_errmsg());
		cli_store_close(st);
		return EXIT_RUNTIME;
	}
	if (set.n == 0) {
		if (n_bad)
			cli_error("%s has no stored version in the files of %s that read", url, ps_store_base_path(st));
		else
			no_history(st, url);
		rc = EXIT_RUNTIME;
	}
	strbuf b = {0};
	for (size_t i = 0; i < set.n && rc == EXIT_OK; i++)
		rc = record_json(&b, &set.records[i]) && out_line(&b) ? EXIT_OK : EXIT_RUNTIME;
	if (rc == EXIT_OK && n_bad)
		rc = EXIT_PARTIAL;
	sb_free(&b);
	ps_history_set_free(&set);
	cli_store_close(st);
	return rc;
}

static int cmd_hosts(const cli_global *gl, int argc, char **argv)
{
	if (argc > 2 && argv[2][0] == '-' && argv[2][1])
		return cli_usage_error("history", "unknown option '%s' for hosts", argv[2]);
	if (argc > 2)
		return cli_usage_error("history", "hosts takes no argument");
	ps_store *st;
	int rc = cli_store_open(gl, true, &st);
	if (rc)
		return rc;
	char **hosts;
	size_t n;
	if (ps_history_hosts(st, &hosts, &n)) {
		cli_error("%s", ps_errmsg());
		cli_store_close(st);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n && rc == EXIT_OK; i++)
		if (!cli_write(hosts[i], strlen(hosts[i])) || !cli_write("\n", 1))
			rc = EXIT_RUNTIME;
	ps_history_hosts_free(hosts, n);
	cli_store_close(st);
	return rc;
}

/* The store for `history <sub> URL...`, which takes URLs and no option
 * (a data directory that must exist). EXIT_OK, or the exit status. */
static int urls_store(const cli_global *gl, int argc, char **argv, const char *sub, bool must_exist, ps_store **st)
{
	if (argc < 3)
		return cli_usage_error("history", "%s needs at least one URL", sub);
	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("history", "unknown option '%s' for %s", argv[i], sub);
	return cli_store_open(gl, must_exist, st);
}

/* What a store call's code e means for one URL of several: 0 go on, 1 it
 * has no history (said, *missing set; the next URL follows), -1 an error
 * (said; the command stops). */
static int url_outcome(ps_store *st, const char *url, int e, bool *missing)
{
	if (e == PS_ENOTFOUND) {
		no_history(st, url);
		*missing = true;
		return 1;
	}
	if (e) {
		cli_error("%s", ps_errmsg());
		return -1;
	}
	return 0;
}

static int cmd_diffs(const cli_global *gl, int argc, char **argv)
{
	ps_store *st;
	int rc = urls_store(gl, argc, argv, "diffs", true, &st);
	if (rc)
		return rc;
	ps_latest_diffs d;
	int n_bad = 0;
	ps_history_read_options ro;
	ps_history_read_options_default(&ro);
	ro.on_bad_file = cli_file_skipped;
	ro.bad_file_ud = &n_bad;
	if (ps_history_latest_diffs_opt(st, (const char *const *)argv + 2, (size_t)(argc - 2), &ro, &d)) {
		cli_error("%s", ps_errmsg());
		cli_store_close(st);
		return EXIT_RUNTIME;
	}
	strbuf b = {0};
	char t[32];
	bool missing = false;
	for (size_t i = 0; i < d.n && rc == EXIT_OK; i++) {
		const ps_latest_diff *x = &d.items[i];
		if (!x->found) {
			/* no diff yet (a single version), or no history at all */
			ps_history_record *last = NULL;
			int e = ps_history_last_opt(st, x->url, &ro, &last);
			ps_history_record_free(last);
			if ((e = url_outcome(st, x->url, e, &missing)) > 0)
				continue;
			if (e < 0) {
				rc = EXIT_RUNTIME;
				break;
			}
		}
		bool first = true;
		kstr(&b, "url", x->url, &first);
		key(&b, "found", &first);
		sb_puts(&b, x->found ? "true" : "false");
		if (x->found) {
			kstr(&b, "timestamp", cli_time_iso(x->record_timestamp_ms, t), &first);
			diff_fields(&b, &x->diff, &first);
		}
		sb_putc(&b, '}');
		rc = out_line(&b) ? EXIT_OK : EXIT_RUNTIME;
	}
	if (missing && rc == EXIT_OK)
		rc = EXIT_RUNTIME;
	if (n_bad && rc == EXIT_OK)
		rc = EXIT_PARTIAL;
	sb_free(&b);
	ps_latest_diffs_free(&d);
	cli_store_close(st);
	return rc;
}

static int cmd_compact(const cli_global *gl, int argc, char **argv)
{
	ps_store *st;
	int rc = urls_store(gl, argc, argv, "compact", true, &st);
	if (rc)
		return rc;
	strbuf b = {0};
	bool missing = false;
	for (int i = 2; i < argc && rc == EXIT_OK; i++) {
		ps_history_write_result res;
		int e = url_outcome(st, argv[i], ps_history_compact(st, argv[i], &res), &missing);
		if (e > 0)
			continue;
		if (e < 0) {
			rc = EXIT_RUNTIME;
			break;
		}
		bool first = true;
		kstr(&b, "url", argv[i], &first);
		kstr(&b, "file", res.path[0] ? res.path : NULL, &first);
		kint(&b, "row_groups", res.row_groups, &first);
		kint(&b, "records", res.records, &first);
		kint(&b, "bytes", res.bytes, &first);
		sb_putc(&b, '}');
		rc = out_line(&b) ? EXIT_OK : EXIT_RUNTIME;
	}
	if (missing && rc == EXIT_OK)
		rc = EXIT_RUNTIME;
	sb_free(&b);
	cli_store_close(st);
	return rc;
}

static int run(const cli_global *gl, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("history", "missing subcommand (add, last, list, hosts, diffs, compact)");
	const char *sub = argv[1];
	if (!strcmp(sub, "add"))
		return cmd_add(gl, argc, argv);
	if (!strcmp(sub, "last"))
		return cmd_last(gl, argc, argv);
	if (!strcmp(sub, "list"))
		return cmd_list(gl, argc, argv);
	if (!strcmp(sub, "hosts"))
		return cmd_hosts(gl, argc, argv);
	if (!strcmp(sub, "diffs"))
		return cmd_diffs(gl, argc, argv);
	if (!strcmp(sub, "compact"))
		return cmd_compact(gl, argc, argv);
	return cli_usage_error("history", "unknown subcommand '%s' (add, last, list, hosts, diffs, compact)", sub);
}

const cli_command cmd_history = {"history", "store and read the versions of monitored files", usage, run};
