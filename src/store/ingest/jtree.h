/* A line's JSON value parsed in place (jtree.c). */
#ifndef PS_JTREE_H
#define PS_JTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JT_NULL = 1, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT } jt_type;

typedef struct jt {
	const struct jt *next;  /* the next member or element, NULL after the last */
	const struct jt *child; /* an array's first element, an object's first member */
	const char *key;        /* a member's key, unescaped, NUL-terminated; NULL for others */
	const char *s;          /* JT_STRING: the value unescaped, NUL-terminated;
	                         * JT_NUMBER: its text as written (not terminated) */
	size_t len;             /* bytes of s; an array's elements, an object's members */
	double d;               /* JT_NUMBER: its value */
	uint32_t klen;          /* bytes of key */
	bool nul;               /* its key or string value holds an escaped NUL (\u0000) */
	jt_type type;
} jt;

#define JT_BLOCKS 32
/* The values one text may hold: an httpx line has a few hundred, and a
 * line of 16 MiB of "0," would otherwise take 512 MiB of nodes. */
#define JT_NODES_MAX ((size_t)1 << 18)
/* What a document keeps for the next parse: the blocks of the first
 * 65,280 nodes (4 MiB); larger ones are freed after the parse that
 * needed them. */
#define JT_BLOCKS_KEPT 8

/* The nodes of one parse, kept for the next (jt_free frees them): in
 * blocks that never move (block k holds up to 256 << k nodes), so that a
 * node's links are pointers from the start. */
typedef struct jt_doc {
	jt *blocks[JT_BLOCKS];
	size_t size[JT_BLOCKS]; /* nodes each block holds */
	size_t n_blocks;        /* allocated */
	size_t block, used;     /* the block being filled, its nodes used */
	size_t avail, base;     /* the nodes it may give (0 before the first), those of the blocks before it */
	size_t max_nodes;       /* the bound on a parse's nodes (0: JT_NODES_MAX) */
	bool oom;               /* the last parse ran out of memory */
	bool too_many;          /* the last parse met more than max_nodes values */
} jt_doc;

/* Parses the JSON value at the start of text[0..len) (after a UTF-8 byte
 * order mark and white space), which it rewrites: each string is
 * unescaped where it stands and ends with a NUL where its closing quote
 * was, so that the strings of the tree point into text and live as long
 * as it does. The tree lives until the next parse with d. Returns the
 * value, *end the offset of the first byte after it; NULL when the text
 * is not JSON (*end: the offset of the byte that is wrong, len when the
 * text ends inside a value), or when memory ran out (d->oom).
 *
 * It reads what cJSON 1.7 reads, so that ingest takes and refuses the
 * lines it took and refused with cJSON: any byte up to 0x20 is white
 * space; a number is the longest prefix strtod takes of a run of
 * [0-9+-.eE]; a string may hold raw control bytes;
 * a \u escape must be UTF-16 (a high surrogate followed by an escaped low
 * one, no lone low surrogate); 1,000 levels of nesting at most. UTF-8 is
 * not checked (ingest checks or repairs it before). */
const jt *jt_parse(jt_doc *d, char *text, size_t len, size_t *end);
/* A text of more than max_nodes values (JT_NODES_MAX) is refused: NULL,
 * d->too_many, *end the offset of the value that was one too many. */

void jt_free(jt_doc *d);

/* The member called key of object o, the last of several; NULL when
 * absent. Keys compare byte for byte. */
const jt *jt_member(const jt *o, const char *key);

#endif
