/* Which JSON library parses httpx output fastest? Parses every line of a
 * JSON Lines file and walks the parsed object the way ingest does (every
 * field read), best of five runs. Built once per library found by CMake
 * (json_parse_jansson, json_parse_jsonc, json_parse_cjson: jansson and
 * json-c cannot share a program, their symbols clash), and once with
 * ingest's own parser (json_parse_jtree, src/store/ingest/jtree.c), which
 * parses a copy of the line in place, as ingest does. Used to choose the
 * parser; see docs/architecture.md.
 *
 *   json_parse_<library> FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(USE_JANSSON)
#include <jansson.h>
#define LIBRARY "jansson"
#elif defined(USE_JSONC)
#include <json-c/json.h>
#define LIBRARY "json-c"
#elif defined(USE_CJSON)
#include <cjson/cJSON.h>
#define LIBRARY "cJSON"
#elif defined(USE_JTREE)
#include "ingest/jtree.h"
#define LIBRARY "jtree"
#endif

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct lines {
	char *buf;
	size_t len;
	char **line;
	size_t *llen;
	size_t n;
} lines;

#ifdef USE_JANSSON
static unsigned long walk(json_t *v)
{
	unsigned long s = 0;
	const char *k;
	json_t *x;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT: json_object_foreach(v, k, x) s += strlen(k) + walk(x); break;
	case JSON_ARRAY: json_array_foreach(v, i, x) s += walk(x); break;
	case JSON_STRING: s += json_string_length(v); break;
	case JSON_INTEGER: s += (unsigned long)json_integer_value(v); break;
	default: s++;
	}
	return s;
}

static unsigned long parse(const char *p, size_t n)
{
	json_error_t err;
	json_t *v = json_loadb(p, n, 0, &err);
	unsigned long s = v ? walk(v) : 0;
	json_decref(v);
	return s;
}
#endif

#ifdef USE_JSONC
static unsigned long walk(struct json_object *v)
{
	unsigned long s = 0;
	switch (json_object_get_type(v)) {
	case json_type_object: {
		json_object_object_foreach(v, k, x) s += strlen(k) + walk(x);
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			s += walk(json_object_array_get_idx(v, i));
		break;
	case json_type_string: s += (unsigned long)json_object_get_string_len(v); break;
	case json_type_int: s += (unsigned long)json_object_get_int64(v); break;
	default: s++;
	}
	return s;
}

static unsigned long parse(const char *p, size_t n)
{
	(void)n;
	struct json_object *v = json_tokener_parse(p);
	unsigned long s = v ? walk(v) : 0;
	json_object_put(v);
	return s;
}
#endif

#ifdef USE_CJSON
static unsigned long walk(const cJSON *v)
{
	unsigned long s = 0;
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		for (const cJSON *c = v->child; c; c = c->next)
			s += (c->string ? strlen(c->string) : 0) + walk(c);
	} else if (cJSON_IsString(v)) {
		s += strlen(v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		s += (unsigned long)v->valuedouble;
	} else {
		s++;
	}
	return s;
}

static unsigned long parse(const char *p, size_t n)
{
	cJSON *v = cJSON_ParseWithLength(p, n);
	unsigned long s = v ? walk(v) : 0;
	cJSON_Delete(v);
	return s;
}
#endif

#ifdef USE_JTREE
static unsigned long walk(const jt *v)
{
	unsigned long s = 0;
	if (v->type == JT_OBJECT || v->type == JT_ARRAY) {
		for (const jt *c = v->child; c; c = c->next)
			s += c->klen + walk(c);
	} else if (v->type == JT_STRING) {
		s += v->len;
	} else if (v->type == JT_NUMBER) {
		s += (unsigned long)v->d;
	} else {
		s++;
	}
	return s;
}

static unsigned long parse(const char *p, size_t n)
{
	static jt_doc doc;
	static char *copy;
	static size_t cap;
	if (n + 1 > cap) {
		cap = 2 * (n + 1);
		copy = realloc(copy, cap);
	}
	memcpy(copy, p, n);
	size_t end;
	const jt *v = jt_parse(&doc, copy, n, &end);
	return v ? walk(v) : 0;
}
#endif

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: json_parsers FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	lines L = {0};
	fseek(f, 0, SEEK_END);
	L.len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	L.buf = malloc(L.len + 1);
	if (fread(L.buf, 1, L.len, f) != L.len)
		return 1;
	fclose(f);
	L.buf[L.len] = 0;
	size_t cap = 1024;
	L.line = malloc(cap * sizeof *L.line);
	L.llen = malloc(cap * sizeof *L.llen);
	for (char *p = L.buf; p < L.buf + L.len;) {
		char *e = memchr(p, '\n', (size_t)(L.buf + L.len - p));
		if (!e)
			e = L.buf + L.len;
		*e = 0;
		if (L.n == cap) {
			cap *= 2;
			L.line = realloc(L.line, cap * sizeof *L.line);
			L.llen = realloc(L.llen, cap * sizeof *L.llen);
		}
		L.line[L.n] = p;
		L.llen[L.n++] = (size_t)(e - p);
		p = e + 1;
	}
	double best = 1e9;
	unsigned long sum = 0;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now();
		sum = 0;
		for (size_t i = 0; i < L.n; i++)
			sum += parse(L.line[i], L.llen[i]);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("{\"library\":\"%s\",\"lines\":%zu,\"seconds\":%.4f,\"mb_per_s\":%.1f,\"checksum\":%lu}\n", LIBRARY,
	       L.n, best, (double)L.len / best / 1e6, sum);
	free(L.line);
	free(L.llen);
	free(L.buf);
	return 0;
}
