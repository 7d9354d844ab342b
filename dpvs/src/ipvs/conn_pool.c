/* The connection objects' flat array and its ring of free indices. */
#include "conn_pool.h"

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/mem_size.h"
#include "ipvs_conn.h"

struct ipvs_conn *conn_objs;
uint32_t conn_nobjs;
static struct rte_ring *free_ring;

uint64_t conn_pool_bytes(uint64_t n)
{
	return n * sizeof(struct ipvs_conn) + mem_pow2_ceil(n + 1) * 4;
}

int conn_pool_init(uint32_t n)
{
	if (n == 0)
		return -EINVAL;
	conn_objs = rte_zmalloc("ipvs_conns", (size_t)n * sizeof(*conn_objs),
				RTE_CACHE_LINE_SIZE);
	free_ring = rte_ring_create_elem("ipvs_conn_free", sizeof(uint32_t), n,
					 SOCKET_ID_ANY, RING_F_EXACT_SZ);
	if (!conn_objs || !free_ring) {
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
	return 0;
}

void conn_pool_fini(void)
{
	rte_ring_free(free_ring);
	rte_free(conn_objs);
	free_ring = NULL;
	conn_objs = NULL;
	conn_nobjs = 0;
}

struct ipvs_conn *conn_pool_get(void)
{
	uint32_t i;

	if (!free_ring || rte_ring_dequeue_elem(free_ring, &i, sizeof(i)) != 0)
		return NULL;
	return &conn_objs[i];
}

void conn_pool_put(struct ipvs_conn *c)
{
	uint32_t i = (uint32_t)(c - conn_objs);

	rte_ring_enqueue_elem(free_ring, &i, sizeof(i));
}

uint32_t conn_pool_in_use(void)
{
	return free_ring ? conn_nobjs - rte_ring_count(free_ring) : 0;
}
