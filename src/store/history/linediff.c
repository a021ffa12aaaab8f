/* Line diffs with Myers' algorithm (E. Myers, "An O(ND) Difference
 * Algorithm and Its Variations", 1986), in its linear-space form: find the
 * middle snake by searching from both ends at once, split there, recurse.
 * Lines are interned to integers first, so comparing two lines is one
 * compare. The search has a work budget: a pathological input (two large,
 * wholly different files) gets a correct but coarse diff (the stretch
 * deleted and inserted whole) instead of quadratic time. */
#include "history/linediff.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../error.h"
#include "../util.h"

/* Steps of the search before falling back; about a tenth of a second. */
#define DEFAULT_BUDGET ((int64_t)50 * 1000 * 1000)
#define MAX_DEPTH 4096

typedef struct block {
	ptrdiff_t a, b, len;   /* equal lines a[a..a+len) == b[b..b+len) */
} block;

typedef struct ctx {
	const uint32_t *A, *B;
	block *blocks;
	size_t nb, capb;
	int64_t budget;
	bool coarse;
	ptrdiff_t *v;          /* search vectors, sized for the largest call */
	size_t vcap;
} ctx;

/* ---- lines ---- */

typedef struct lines {
	size_t *off;           /* n + 1 offsets: line i is [off[i], off[i+1]) */
	size_t n;
} lines;

static int split_lines(const char *s, size_t len, lines *out)
{
	size_t n = 0;
	for (const char *p = s, *e = s + len; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		p = nl ? nl + 1 : e;
		n++;
	}
	out->off = malloc((n + 1) * sizeof *out->off);
	if (!out->off)
		return PS_ENOMEM;
	out->n = n;
	size_t i = 0;
	out->off[0] = 0;
	for (const char *p = s, *e = s + len; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		p = nl ? nl + 1 : e;
		out->off[++i] = (size_t)(p - s);
	}
	return 0;
}

typedef struct slot {
	uint64_t h;
	const char *p;
	size_t len;
	uint32_t id;
	bool used;
} slot;

/* Maps every line of a and b to an id; equal lines get equal ids. */
static int intern(const char *a, const lines *la, const char *b, const lines *lb, uint32_t **ia, uint32_t **ib)
{
	size_t total = la->n + lb->n, cap = 16;
	while (cap < total * 2)
		cap <<= 1;
	slot *t = calloc(cap, sizeof *t);
	*ia = malloc((la->n ? la->n : 1) * sizeof **ia);
	*ib = malloc((lb->n ? lb->n : 1) * sizeof **ib);
	if (!t || !*ia || !*ib) {
		free(t);
		return PS_ENOMEM;
	}
	uint32_t next = 0;
	for (int side = 0; side < 2; side++) {
		const char *s = side ? b : a;
		const lines *l = side ? lb : la;
		uint32_t *ids = side ? *ib : *ia;
		for (size_t i = 0; i < l->n; i++) {
			const char *p = s + l->off[i];
			size_t len = l->off[i + 1] - l->off[i];
			uint64_t h = XXH64(p, len, 0);
			size_t k = (size_t)h & (cap - 1);
			while (t[k].used && !(t[k].h == h && t[k].len == len && memcmp(t[k].p, p, len) == 0))
				k = (k + 1) & (cap - 1);
			if (!t[k].used)
				t[k] = (slot){h, p, len, next++, true};
			ids[i] = t[k].id;
		}
	}
	free(t);
	return 0;
}

/* ---- search ---- */

static int add_block(ctx *c, ptrdiff_t a, ptrdiff_t b, ptrdiff_t len)
{
	if (len <= 0)
		return 0;
	if (c->nb) {
		block *p = &c->blocks[c->nb - 1];
		if (p->a + p->len == a && p->b + p->len == b) {
			p->len += len;
			return 0;
		}
	}
	if (c->nb == c->capb) {
		size_t cap = c->capb ? c->capb * 2 : 64;
		block *nbk = realloc(c->blocks, cap * sizeof *nbk);
		if (!nbk)
			return PS_ENOMEM;
		c->blocks = nbk;
		c->capb = cap;
	}
	c->blocks[c->nb++] = (block){a, b, len};
	return 0;
}

/* Finds the middle snake of A[a0..a0+n) and B[b0..b0+m): *sx, *sy is a
 * point on an optimal path. Returns 1 when found, 0 when the budget ran out
 * or nothing is shared. */
static int bisect(ctx *c, ptrdiff_t a0, ptrdiff_t n, ptrdiff_t b0, ptrdiff_t m, ptrdiff_t *sx, ptrdiff_t *sy)
{
	const uint32_t *A = c->A + a0, *B = c->B + b0;
	ptrdiff_t max_d = (n + m + 1) / 2, voff = max_d, vlen = 2 * max_d + 2;
	ptrdiff_t *v1 = c->v, *v2 = c->v + vlen;
	for (ptrdiff_t i = 0; i < vlen; i++)
		v1[i] = v2[i] = -1;
	v1[voff + 1] = 0;
	v2[voff + 1] = 0;
	ptrdiff_t delta = n - m;
	/* with an odd delta the forward search meets the reverse one */
	bool front = (delta & 1) != 0;
	ptrdiff_t k1start = 0, k1end = 0, k2start = 0, k2end = 0;
	for (ptrdiff_t d = 0; d < max_d; d++) {
		if (c->budget < 0)
			return 0;
		for (ptrdiff_t k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
			ptrdiff_t k1off = voff + k1, x1;
			if (k1 == -d || (k1 != d && v1[k1off - 1] < v1[k1off + 1]))
				x1 = v1[k1off + 1];
			else
				x1 = v1[k1off - 1] + 1;
			ptrdiff_t y1 = x1 - k1, x0 = x1;
			while (x1 < n && y1 < m && A[x1] == B[y1]) {
				x1++;
				y1++;
			}
			c->budget -= 1 + (x1 - x0);
			v1[k1off] = x1;
			if (x1 > n) {
				k1end += 2;     /* ran off the right */
			} else if (y1 > m) {
				k1start += 2;   /* ran off the bottom */
			} else if (front) {
				ptrdiff_t k2off = voff + delta - k1;
				if (k2off >= 0 && k2off < vlen && v2[k2off] != -1 && x1 >= n - v2[k2off]) {
					*sx = x1;
					*sy = y1;
					return 1;
				}
			}
		}
		for (ptrdiff_t k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
			ptrdiff_t k2off = voff + k2, x2;
			if (k2 == -d || (k2 != d && v2[k2off - 1] < v2[k2off + 1]))
				x2 = v2[k2off + 1];
			else
				x2 = v2[k2off - 1] + 1;
			ptrdiff_t y2 = x2 - k2, x0 = x2;
			while (x2 < n && y2 < m && A[n - x2 - 1] == B[m - y2 - 1]) {
				x2++;
				y2++;
			}
			c->budget -= 1 + (x2 - x0);
			v2[k2off] = x2;
			if (x2 > n) {
				k2end += 2;
			} else if (y2 > m) {
				k2start += 2;
			} else if (!front) {
				ptrdiff_t k1off = voff + delta - k2;
				if (k1off >= 0 && k1off < vlen && v1[k1off] != -1) {
					ptrdiff_t x1 = v1[k1off], y1 = voff + x1 - k1off;
					if (x1 >= n - x2) {
						*sx = x1;
						*sy = y1;
						return 1;
					}
				}
			}
		}
	}
	return 0;
}

static int diff_rec(ctx *c, ptrdiff_t a0, ptrdiff_t a1, ptrdiff_t b0, ptrdiff_t b1, int depth)
{
	ptrdiff_t p = 0;
	while (a0 + p < a1 && b0 + p < b1 && c->A[a0 + p] == c->B[b0 + p])
		p++;
	int rc = add_block(c, a0, b0, p);
	if (rc)
		return rc;
	a0 += p;
	b0 += p;
	ptrdiff_t s = 0;
	while (a1 - s > a0 && b1 - s > b0 && c->A[a1 - s - 1] == c->B[b1 - s - 1])
		s++;
	a1 -= s;
	b1 -= s;
	if (a0 < a1 && b0 < b1) {
		ptrdiff_t x, y;
		int found = depth < MAX_DEPTH ? bisect(c, a0, a1 - a0, b0, b1 - b0, &x, &y) : 0;
		/* a split at a corner would not make progress */
		if (found && !(x == 0 && y == 0) && !(x == a1 - a0 && y == b1 - b0)) {
			if ((rc = diff_rec(c, a0, a0 + x, b0, b0 + y, depth + 1)) ||
			    (rc = diff_rec(c, a0 + x, a1, b0 + y, b1, depth + 1)))
				return rc;
		} else if (c->budget < 0 || depth >= MAX_DEPTH) {
			c->coarse = true; /* the stretch stays one delete and one insert */
		}
	}
	return add_block(c, a1, b1, s);
}

/* ---- result ---- */

static int add_seg(ps_linediff *d, size_t *cap, int op, const char *text, size_t len)
{
	if (len == 0)
		return 0;
	if (ps_array_room(&d->segs, cap, d->n, sizeof *d->segs, 16))
		return PS_ENOMEM;
	d->segs[d->n++] = (ps_linediff_seg){op, text, len};
	return 0;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	for (const char *p = s, *e = s + len; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		p = nl ? nl + 1 : e;
		n++;
	}
	return n;
}

static size_t line_len(const char *s, size_t at, size_t len)
{
	const char *nl = memchr(s + at, '\n', len - at);
	return nl ? (size_t)(nl - (s + at)) + 1 : len - at;
}

/* Start of the line that ends at end (exclusive), not before lo. */
static size_t line_start(const char *s, size_t lo, size_t end)
{
	if (end - lo < 2)
		return lo;
	const char *nl = memrchr(s + lo, '\n', end - 1 - lo);
	return nl ? (size_t)(nl - s) + 1 : lo;
}

/* Over the cap: the lines between the common head and tail, in linear
 * time and constant memory. */
static void capped_counts(const char *a, size_t alen, const char *b, size_t blen, ps_linediff *d)
{
	size_t pa = 0, pb = 0;
	while (pa < alen && pb < blen) {
		size_t la = line_len(a, pa, alen), lb = line_len(b, pb, blen);
		if (la != lb || memcmp(a + pa, b + pb, la) != 0)
			break;
		pa += la;
		pb += lb;
	}
	size_t ea = alen, eb = blen;
	while (ea > pa && eb > pb) {
		size_t sa = line_start(a, pa, ea), sb = line_start(b, pb, eb);
		if (ea - sa != eb - sb || memcmp(a + sa, b + sb, ea - sa) != 0)
			break;
		ea = sa;
		eb = sb;
	}
	d->deleted = (int64_t)count_lines(a + pa, ea - pa);
	d->added = (int64_t)count_lines(b + pb, eb - pb);
	d->changed = d->deleted < d->added ? d->deleted : d->added;
	d->capped = true;
}

int ps_linediff_compute_budget(const char *a, size_t alen, const char *b, size_t blen, uint64_t max_bytes,
                               int64_t budget, ps_linediff *d)
{
	memset(d, 0, sizeof *d);
	if (!a) {
		a = "";
		alen = 0;
	}
	if (!b) {
		b = "";
		blen = 0;
	}
	if (max_bytes && (alen > max_bytes || blen > max_bytes)) {
		capped_counts(a, alen, b, blen, d);
		return 0;
	}
	lines la = {0}, lb = {0};
	uint32_t *ia = NULL, *ib = NULL;
	ctx c = {.budget = budget};
	int rc = split_lines(a, alen, &la);
	if (!rc)
		rc = split_lines(b, blen, &lb);
	if (!rc)
		rc = intern(a, &la, b, &lb, &ia, &ib);
	if (!rc) {
		c.A = ia;
		c.B = ib;
		/* v1 and v2 of the outermost search; inner ones are smaller */
		c.vcap = 2 * (2 * ((la.n + lb.n + 1) / 2) + 2);
		if (!(c.v = malloc(c.vcap * sizeof *c.v)))
			rc = PS_ENOMEM;
	}
	if (!rc)
		rc = diff_rec(&c, 0, (ptrdiff_t)la.n, 0, (ptrdiff_t)lb.n, 0);
	/* the blocks in order, with the stretches between them */
	size_t cap = 0;
	ptrdiff_t i = 0, j = 0;
	for (size_t k = 0; !rc && k <= c.nb; k++) {
		ptrdiff_t ba = k < c.nb ? c.blocks[k].a : (ptrdiff_t)la.n;
		ptrdiff_t bb = k < c.nb ? c.blocks[k].b : (ptrdiff_t)lb.n;
		ptrdiff_t del = ba - i, ins = bb - j;
		d->deleted += del;
		d->added += ins;
		d->changed += del < ins ? del : ins;
		if (!(rc = add_seg(d, &cap, -1, a + la.off[i], la.off[ba] - la.off[i])))
			rc = add_seg(d, &cap, 1, b + lb.off[j], lb.off[bb] - lb.off[j]);
		if (k < c.nb && !rc) {
			ptrdiff_t len = c.blocks[k].len;
			rc = add_seg(d, &cap, 0, a + la.off[ba], la.off[ba + len] - la.off[ba]);
			i = ba + len;
			j = bb + len;
		}
	}
	d->coarse = c.coarse;
	free(c.v);
	free(c.blocks);
	free(ia);
	free(ib);
	free(la.off);
	free(lb.off);
	if (rc) {
		ps_linediff_free(d);
		return ps_err_nomem();
	}
	return 0;
}

int ps_linediff_compute(const char *a, size_t alen, const char *b, size_t blen, uint64_t max_bytes, ps_linediff *d)
{
	return ps_linediff_compute_budget(a, alen, b, blen, max_bytes, DEFAULT_BUDGET, d);
}

void ps_linediff_free(ps_linediff *d)
{
	free(d->segs);
	d->segs = NULL;
	d->n = 0;
}
