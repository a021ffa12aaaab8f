/* jt_parse (src/store/ingest/jtree.c) against cJSON, the parser it
 * replaced in ingest and whose reading it keeps: both take or both refuse
 * a text, at the same offset, with the same tree. Two exceptions, both
 * cJSON faults that jt_parse does not copy:
 * - a text that ends before its outer array or object closes, right after
 *   an inner one closed, cJSON takes (it reads the inner close twice);
 * - a \u escape whose four bytes are not all hex digits cJSON reads as
 *   \u0000, which ends the string there; jt_parse refuses the text at it.
 * Used by tests/test_jtree.c and fuzz/fuzz_jtree.c. */
#ifndef PS_JTREE_ORACLE_H
#define PS_JTREE_ORACLE_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jtree.h"

/* The arrays and objects text[0..len) leaves open (outside strings). */
static int oracle_open_depth(const char *t, size_t len)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return depth;
}

static bool oracle_same_tree(const cJSON *c, const jt *j, char *why, size_t cap)
{
	int want = cJSON_IsNull(c)     ? JT_NULL
	           : cJSON_IsFalse(c)  ? JT_FALSE
	           : cJSON_IsTrue(c)   ? JT_TRUE
	           : cJSON_IsNumber(c) ? JT_NUMBER
	           : cJSON_IsString(c) ? JT_STRING
	           : cJSON_IsArray(c)  ? JT_ARRAY
	           : cJSON_IsObject(c) ? JT_OBJECT
	                               : -1;
	if ((int)j->type != want) {
		snprintf(why, cap, "type %d, cJSON's %d", (int)j->type, want);
		return false;
	}
	if (c->string && (!j->key || strcmp(c->string, j->key))) {
		snprintf(why, cap, "key '%s', cJSON's '%s'", j->key ? j->key : "(none)", c->string);
		return false;
	}
	if (j->type == JT_NUMBER && j->d != c->valuedouble) {
		snprintf(why, cap, "number %.17g, cJSON's %.17g", j->d, c->valuedouble);
		return false;
	}
	/* cJSON's strings end at a NUL byte */
	if (j->type == JT_STRING && strcmp(j->s, c->valuestring)) {
		snprintf(why, cap, "string '%s', cJSON's '%s'", j->s, c->valuestring);
		return false;
	}
	if (j->type == JT_STRING && !memchr(j->s, 0, j->len) && strlen(j->s) != j->len) {
		snprintf(why, cap, "string length %zu for '%s'", j->len, j->s);
		return false;
	}
	size_t n = 0;
	const cJSON *ce = c->child;
	const jt *je = j->child;
	for (; ce && je; ce = ce->next, je = je->next, n++)
		if (!oracle_same_tree(ce, je, why, cap))
			return false;
	if ((j->type == JT_ARRAY || j->type == JT_OBJECT) && (ce || je || n != j->len)) {
		snprintf(why, cap, "%zu children (len %zu), cJSON's differ", n, j->len);
		return false;
	}
	return true;
}

/* Whether text[0..len) has a \u escape not followed by four hex digits
 * at offset at. */
static bool oracle_bad_hex_at(const char *t, size_t len, size_t at)
{
	if (at + 1 >= len || t[at] != '\\' || t[at + 1] != 'u')
		return false;
	for (size_t i = at + 2; i < at + 6; i++)
		if (i >= len || !((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f') || (t[i] >= 'A' && t[i] <= 'F')))
			return true;
	/* a high surrogate whose low half has no four hex digits */
	return at + 7 < len && t[at + 6] == '\\' && t[at + 7] == 'u' && oracle_bad_hex_at(t, len, at + 6);
}

/* 0 when jt_parse reads text[0..len) as cJSON does, else 1 with why. */
static int jtree_vs_cjson(jt_doc *d, const char *text, size_t len, char *why, size_t cap)
{
	/* cJSON may look one byte past the end (a key's opening quote) */
	char *cj_text = malloc(len + 1), *jt_text = malloc(len + 1);
	if (!cj_text || !jt_text) {
		free(cj_text);
		free(jt_text);
		return 0;
	}
	memcpy(cj_text, text, len);
	memcpy(jt_text, text, len);
	cj_text[len] = jt_text[len] = '\0';
	const char *cend = NULL;
	cJSON *c = cJSON_ParseWithLengthOpts(cj_text, len, &cend, 0);
	size_t cpos = cend ? (size_t)(cend - cj_text) : 0, jpos = 0;
	const jt *j = jt_parse(d, jt_text, len, &jpos);
	int bad = 0;
	if (d->oom) {
		bad = 0;
	} else if (c && j) {
		if (cpos != jpos) {
			snprintf(why, cap, "value ends at %zu, cJSON's at %zu", jpos, cpos);
			bad = 1;
		} else if (!oracle_same_tree(c, j, why, cap)) {
			bad = 1;
		}
	} else if (!j && oracle_bad_hex_at(text, len, jpos)) {
		bad = 0; /* cJSON's \u0000 for what is not hex */
	} else if (!c && !j) {
		if (cpos != jpos) {
			snprintf(why, cap, "refused at %zu, cJSON at %zu", jpos, cpos);
			bad = 1;
		}
	} else if (j) {
		snprintf(why, cap, "taken, cJSON refuses it at %zu", cpos);
		bad = 1;
	} else if (!(len && jpos == len - 1 && (text[len - 1] == '}' || text[len - 1] == ']') &&
	             oracle_open_depth(text, len) > 0)) {
		snprintf(why, cap, "refused at %zu, cJSON takes it", jpos);
		bad = 1;
	}
	cJSON_Delete(c);
	free(cj_text);
	free(jt_text);
	return bad;
}

#endif
