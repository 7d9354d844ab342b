/*
 * The connection objects' flat array: each worker's own list of free
 * objects, and a ring of free indices the workers share.
 */
#include "conn_pool.h"

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/mem_size.h"
#include "ipvs_conn.h"

#define BATCH 32   /* objects moved between a worker's list and the ring */

/*
 * The ring's multi-producer/consumer ops are not preemption-safe: a
 * thread preempted between reserving its slots and publishing them
 * makes every other thread on the ring spin until it runs again.  Where
 * workers share a CPU (or a VM's vCPU is descheduled) a ring op per new
 * conn and per free stalled them all for whole time slices: a SYN flood
 * on four workers pinned to one CPU got 130 new conns a second.  So a
 * worker takes and frees on its own list, which only its thread
 * touches, linked through the free objects themselves (no memory of its
 * own), and goes to the ring a batch at a time: when its list is empty,
 * or holds keep + BATCH objects, BATCH of which then go back for the
 * others.
 */
struct free_list {
	uint32_t first;   /* conn_ref, 0: empty; linked by wheel_next */
	uint32_t n;
} __rte_cache_aligned;

struct ipvs_conn *conn_objs;
uint32_t conn_nobjs;
static struct rte_ring *free_ring;
static struct free_list *lists;   /* [nlists], by worker index */
static unsigned nlists;
/*
 * Free objects a worker's list keeps: 1/8 of the pool over the workers,
 * at least BATCH.  Reaching keep + BATCH, it gives BATCH back.
 */
static uint32_t keep;

uint64_t conn_pool_bytes(uint64_t n)
{
	return n * sizeof(struct ipvs_conn) + mem_pow2_ceil(n + 1) * 4;
}

int conn_pool_init(uint32_t n, unsigned nworkers)
{
	if (n == 0)
		return -EINVAL;
	conn_objs = rte_zmalloc("ipvs_conns", (size_t)n * sizeof(*conn_objs),
				RTE_CACHE_LINE_SIZE);
	free_ring = rte_ring_create_elem("ipvs_conn_free", sizeof(uint32_t), n,
					 SOCKET_ID_ANY, RING_F_EXACT_SZ);
	lists = rte_zmalloc("ipvs_conn_free_lists",
			    sizeof(*lists) * (nworkers ? nworkers : 1),
			    RTE_CACHE_LINE_SIZE);
	if (!conn_objs || !free_ring || !lists) {
		conn_pool_fini();
		return -ENOMEM;
	}
	/*
	 * Faulted in now, not by the conns that first use each page (the
	 * ring hands out every object in turn): with 4 KiB pages a fault
	 * would cost a new conn more than the rest of its making, and the
	 * RSS shows the whole pool from the start, as with a mempool.
	 */
	memset(conn_objs, 0, (size_t)n * sizeof(*conn_objs));
	for (uint32_t i = 0; i < n; ) {
		uint32_t idx[256], k = 0;

		while (k < RTE_DIM(idx) && i < n)
			idx[k++] = i++;
		rte_ring_enqueue_bulk_elem(free_ring, idx, sizeof(idx[0]), k, NULL);
	}
	conn_nobjs = n;
	nlists = nworkers;
	keep = nworkers ? n / 8 / nworkers : 0;
	if (keep < BATCH)
		keep = BATCH;
	return 0;
}

void conn_pool_fini(void)
{
	rte_ring_free(free_ring);
	rte_free(conn_objs);
	rte_free(lists);
	free_ring = NULL;
	conn_objs = NULL;
	lists = NULL;
	conn_nobjs = 0;
	nlists = 0;
}

static void list_push(struct free_list *l, struct ipvs_conn *c)
{
	c->wheel_next = l->first;
	l->first = conn_ref(c);
	__atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELAXED);
}

static struct ipvs_conn *list_pop(struct free_list *l)
{
	struct ipvs_conn *c = conn_at(l->first);

	l->first = c->wheel_next;
	__atomic_store_n(&l->n, l->n - 1, __ATOMIC_RELAXED);
	/* The next new conn's object: its link is read, it is written. */
	if (l->first)
		rte_prefetch0(conn_at(l->first));
	return c;
}

static void list_refill(struct free_list *l)
{
	uint32_t idx[BATCH];
	unsigned k = rte_ring_dequeue_burst_elem(free_ring, idx, sizeof(idx[0]),
						 BATCH, NULL);

	while (k)
		list_push(l, &conn_objs[idx[--k]]);
}

/* BATCH objects, the last freed, back to the ring. */
static void list_spill(struct free_list *l)
{
	uint32_t idx[BATCH];

	for (unsigned k = 0; k < BATCH; k++)
		idx[k] = conn_index(list_pop(l));
	rte_ring_enqueue_bulk_elem(free_ring, idx, sizeof(idx[0]), BATCH, NULL);
}

struct ipvs_conn *conn_pool_get(unsigned w)
{
	struct free_list *l;
	uint32_t i;

	if (!free_ring)
		return NULL;
	if (w >= nlists) {
		if (rte_ring_dequeue_elem(free_ring, &i, sizeof(i)) != 0)
			return NULL;
		return &conn_objs[i];
	}
	l = &lists[w];
	if (!l->n)
		list_refill(l);
	return l->n ? list_pop(l) : NULL;
}

void conn_pool_put(unsigned w, struct ipvs_conn *c)
{
	uint32_t i = conn_index(c);

	if (w >= nlists) {
		rte_ring_enqueue_elem(free_ring, &i, sizeof(i));
		return;
	}
	list_push(&lists[w], c);
	if (lists[w].n >= keep + BATCH)
		list_spill(&lists[w]);
}

/* Objects taken: neither in the ring nor on a list (racy, as a count). */
uint32_t conn_pool_in_use(void)
{
	uint32_t listed = 0;

	if (!free_ring)
		return 0;
	for (unsigned w = 0; w < nlists; w++)
		listed += __atomic_load_n(&lists[w].n, __ATOMIC_RELAXED);
	return conn_nobjs - rte_ring_count(free_ring) - listed;
}
