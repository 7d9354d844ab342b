/* The master's listing of connections, a page at a time, racing workers. */
#include "ipvs_conn_int.h"

#include <errno.h>
#include <stdlib.h>

/*
 * The pool's objects as runs of consecutive addresses, indexed once at
 * start, so a listing can resume at any object index in O(runs) instead
 * of walking the pool from its start for every page.
 */
struct obj_run {
	uint8_t *first;
	uint32_t start;   /* index of first */
	uint32_t n;
};

static struct obj_run *runs;
static unsigned nruns, runs_cap;
static size_t obj_stride;
static bool runs_failed;

static void index_obj(struct rte_mempool *mp __rte_unused, void *arg __rte_unused,
		      void *obj, unsigned idx)
{
	struct obj_run *r = nruns ? &runs[nruns - 1] : NULL;

	if (r && (uint8_t *)obj == r->first + (size_t)r->n * obj_stride) {
		r->n++;
		return;
	}
	if (nruns == runs_cap) {
		unsigned cap = runs_cap ? runs_cap * 2 : 8;
		struct obj_run *p = realloc(runs, sizeof(*p) * cap);

		if (!p) {
			runs_failed = true;
			return;
		}
		runs = p;
		runs_cap = cap;
	}
	runs[nruns++] = (struct obj_run){ obj, idx, 1 };
}

int conn_list_index(struct rte_mempool *mp)
{
	obj_stride = mp->header_size + mp->elt_size + mp->trailer_size;
	rte_mempool_obj_iter(mp, index_obj, NULL);
	return runs_failed ? -ENOMEM : 0;
}

void conn_list_unindex(void)
{
	free(runs);
	runs = NULL;
	nruns = runs_cap = 0;
	runs_failed = false;
}

uint32_t ipvs_conn_walk_page(uint32_t from, uint32_t max_scan,
			     uint32_t max_conns,
			     void (*fn)(const struct ipvs_conn *c, void *arg),
			     void *arg)
{
	uint32_t scanned = 0, found = 0;

	for (unsigned r = 0; r < nruns; r++) {
		const struct obj_run *run = &runs[r];

		if (from >= run->start + run->n)
			continue;
		for (uint32_t i = from > run->start ? from - run->start : 0;
		     i < run->n; i++) {
			const struct ipvs_conn *obj =
				(const void *)(run->first + (size_t)i * obj_stride);
			struct ipvs_conn copy;

			if (scanned == max_scan || found == max_conns)
				return run->start + i;
			scanned++;
			if (!__atomic_load_n(&obj->used, __ATOMIC_ACQUIRE))
				continue;
			/* A racy but safe snapshot: the worker owns it. */
			memcpy(&copy, obj, sizeof(copy));
			fn(&copy, arg);
			found++;
		}
	}
	return 0;
}
