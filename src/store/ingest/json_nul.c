/* NUL characters in the strings of a JSON line (json_nul.h). */
#include "ingest/json_nul.h"

#include <stdio.h>
#include <string.h>

/* Top-level fields that name what is probed: a NUL there would change
 * which URL, host or target a record is stored under. */
static const char *const STRICT[] = {"url", "input", "host", "final_url", "original_url", "root_target_url"};

static bool is_strict(const char *key)
{
	for (size_t k = 0; k < sizeof STRICT / sizeof *STRICT; k++)
		if (!strcmp(key, STRICT[k]))
			return true;
	return false;
}

/* Whether "\u0000" is in p[0..n): what memmem finds, by a memchr for
 * each backslash (most lines have none; memmem was a fiftieth of
 * ingest). */
static bool has_nul_escape(const char *p, size_t n)
{
	if (n < 6)
		return false;
	const char *e = p + n;
	for (; (p = memchr(p, '\\', (size_t)(e - p))) && e - p >= 6; p++)
		if (!memcmp(p + 1, "u0000", 5))
			return true;
	return false;
}

int ps_json_nul_fix(const char *line, size_t len, bool replace, ps_buf *out, char *why, size_t cap)
{
	if (!has_nul_escape(line, len))
		return 0;
	char key[64] = "", str_key[64] = "";
	int depth = 0, key_depth = 0, found = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = line[i];
		if (ch == '{' || ch == '[') {
			depth++;
			continue;
		}
		if (ch == '}' || ch == ']') {
			depth--;
			continue;
		}
		if (ch != '"')
			continue;
		/* a string: its bytes, then whether a ':' follows (a key) */
		size_t start = i + 1, j = start;
		bool nul = false;
		size_t nuls[16];
		size_t n_nuls = 0;
		while (j < len && line[j] != '"') {
			if (line[j] == '\\' && j + 1 < len) {
				if (line[j + 1] == 'u' && j + 5 < len && !memcmp(line + j + 2, "0000", 4)) {
					nul = true;
					if (n_nuls < sizeof nuls / sizeof *nuls)
						nuls[n_nuls++] = j;
					else
						n_nuls++;
				}
				j += 2;
				continue;
			}
			j++;
		}
		size_t k = j + 1;
		while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r' || line[k] == '\n'))
			k++;
		bool is_key = k < len && line[k] == ':';
		size_t n = j - start < sizeof str_key - 1 ? j - start : sizeof str_key - 1;
		memcpy(str_key, line + start, n);
		str_key[n] = 0;
		if (is_key) {
			snprintf(key, sizeof key, "%s", str_key);
			key_depth = depth;
		}
		if (nul) {
			const char *field = is_key ? "a field name" : key;
			bool strict = !is_key && key_depth == 1 && is_strict(key);
			if (strict || !replace) {
				snprintf(why, cap,
				         "%s%s%s holds a NUL character (\\u0000)%s", is_key ? "" : "field '", field,
				         is_key ? "" : "'",
				         strict ? ", which a URL or host cannot hold"
				                : " (utf8_repair: reject; with replace it becomes U+FFFD)");
				return -1;
			}
			if (!found) {
				out->len = 0;
				if (ps_buf_add(out, line, len))
					return -2;
			}
			found = 1;
			if (n_nuls > sizeof nuls / sizeof *nuls) {
				/* more than fit the list: replace them all in this string */
				for (size_t p = start; p + 5 < j; p++) {
					if (out->data[p] == '\\' && out->data[p + 1] == 'u' && !memcmp(out->data + p + 2, "0000", 4))
						memcpy(out->data + p + 2, "fffd", 4);
					if (out->data[p] == '\\')
						p++;
				}
			} else {
				for (size_t q = 0; q < n_nuls; q++)
					memcpy(out->data + nuls[q] + 2, "fffd", 4);
			}
		}
		i = j;
	}
	return found;
}
