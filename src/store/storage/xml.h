/* The S3 responses' XML, read with expat: each element's path and text. */
#ifndef PS_STORAGE_XML_H
#define PS_STORAGE_XML_H

#include <stddef.h>

/* Called at the end of every element with its path from the root, names
 * joined by '/' ("ListBucketResult/Contents/Key"), and its text content
 * (NUL-terminated; empty for an element that holds only elements). A
 * non-zero return stops the parse and is returned by ps_xml_parse. */
typedef int (*ps_xml_fn)(void *ctx, const char *path, const char *text, size_t len);

/* Parses doc[0..len). 0, the callback's non-zero result, or PS_ECORRUPT
 * (message set, prefixed by what) when the document is not well-formed
 * or nests or holds text beyond the limits of an S3 response. */
int ps_xml_parse(const char *doc, size_t len, const char *what, ps_xml_fn fn, void *ctx);

#endif
