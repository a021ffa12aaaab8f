/* The batch processor: results are copied in, handed to a callback a full
 * batch at a time. */
#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "scan/probe_rows.h"

struct ps_batch {
	size_t size, n;
	ps_probe_result *items;
	ps_arena arena;
	ps_batch_fn fn;
	void *ud;
};

int ps_batch_new(ps_batch **out, size_t batch_size, ps_batch_fn fn, void *ud)
{
	*out = NULL;
	if (!fn)
		return ps_err(PS_EINVAL, "batch processor: no callback");
	if (batch_size == 0)
		batch_size = PS_BATCH_SIZE_DEFAULT;
	if (batch_size > ((size_t)1 << 24))
		return ps_err(PS_EINVAL, "batch processor: batch size %zu is too large", batch_size);
	ps_batch *b = calloc(1, sizeof *b);
	if (!b || !(b->items = malloc(batch_size * sizeof *b->items))) {
		free(b);
		return ps_err_nomem();
	}
	b->size = batch_size;
	b->fn = fn;
	b->ud = ud;
	*out = b;
	return 0;
}

int ps_batch_flush(ps_batch *b)
{
	if (!b->n)
		return 0;
	int rc = b->fn(b->ud, b->items, b->n);
	/* like the Go datastore whose behaviour probestore implements, the
	 * buffer is emptied whatever the callback said */
	b->n = 0;
	ps_arena_free(&b->arena);
	return rc;
}

int ps_batch_add(ps_batch *b, const ps_probe_result *r)
{
	int rc = ps_probe_copy(r, &b->arena, &b->items[b->n]);
	if (rc)
		return rc;
	if (++b->n >= b->size)
		return ps_batch_flush(b);
	return 0;
}

size_t ps_batch_pending(const ps_batch *b)
{
	return b->n;
}

void ps_batch_free(ps_batch *b)
{
	if (!b)
		return;
	ps_arena_free(&b->arena);
	free(b->items);
	free(b);
}
