/* FullNAT local ports: per address, a pool per worker. */
#include "ipvs_ports.h"

#include <errno.h>

#include <rte_malloc.h>

#include "core/lcore.h"
#include "ipvs.h"

#define FNAT_PORT_MIN 1024u

/*
 * A worker's free ports of one local address, reused oldest first: a
 * port freed by early drop may still be known to a real server (a
 * half-open connection there, its SYN-ACKs on the way), so it goes to
 * the back of the queue rather than to the next connection.
 */
struct port_pool {
	uint32_t count;        /* free ports; read by the master */
	uint32_t head;         /* the oldest */
	uint32_t size;         /* slots */
	uint16_t ports[];
};

/*
 * Local ports belong to the address, not to a service: services that
 * share a local address (keepalived's local_address_group does that)
 * must never hand out the same port, or the reply key of one
 * connection would replace another's and send its replies to the wrong
 * client.  So each address has one set of per-worker pools, found by
 * address when a service adds it.  The master keeps the registry and
 * frees unused sets; a worker dropping the last connection of a local
 * address only lowers the count.
 */
struct port_set {
	uint32_t addr;
	uint32_t refs;               /* laddr objects using it; atomic */
	struct port_pool **pools;    /* [nworkers] */
	unsigned npools;
	struct port_set *next;       /* master's registry */
};

static struct port_set *port_sets;

static void port_set_free(struct port_set *ps)
{
	for (unsigned w = 0; w < ps->npools; w++)
		rte_free(ps->pools[w]);
	rte_free(ps->pools);
	rte_free(ps);
}

/* Master: frees the sets no local address uses any more. */
static void port_sets_sweep(bool all)
{
	struct port_set **pp = &port_sets;

	while (*pp) {
		struct port_set *ps = *pp;

		if (all || __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) == 0) {
			*pp = ps->next;
			port_set_free(ps);
		} else {
			pp = &ps->next;
		}
	}
}

static struct port_set *port_set_new(uint32_t addr, unsigned nw)
{
	unsigned span = 65536 - FNAT_PORT_MIN;
	struct port_set *ps = rte_zmalloc("port_set", sizeof(*ps), 0);

	if (!ps)
		return NULL;
	ps->addr = addr;
	ps->pools = rte_zmalloc("port_pools", sizeof(*ps->pools) * nw, 0);
	if (!ps->pools) {
		rte_free(ps);
		return NULL;
	}
	for (unsigned w = 0; w < nw; w++, ps->npools++) {
		struct port_pool *p = rte_zmalloc("port_pool", sizeof(*p) +
						  sizeof(uint16_t) * (span / nw + 1),
						  RTE_CACHE_LINE_SIZE);

		if (!p) {
			port_set_free(ps);
			return NULL;
		}
		/* Worker w owns the ports p with p % nworkers == w. */
		p->size = span / nw + 1;
		for (uint32_t port = FNAT_PORT_MIN; port <= 65535; port++)
			if (port % nw == w)
				p->ports[p->count++] = (uint16_t)port;
		ps->pools[w] = p;
	}
	return ps;
}

int ipvs_port_pools_init(struct ipvs_laddr *l, unsigned nw)
{
	struct port_set *ps;

	if (nw == 0)
		return 0;
	port_sets_sweep(false);
	for (ps = port_sets; ps; ps = ps->next)
		if (ps->addr == l->addr)
			break;
	if (!ps) {
		ps = port_set_new(l->addr, nw);
		if (!ps)
			return -ENOMEM;
		ps->next = port_sets;
		port_sets = ps;
	}
	__atomic_add_fetch(&ps->refs, 1, __ATOMIC_ACQ_REL);
	l->pset = ps;
	l->pools = ps->pools;
	return 0;
}

bool ipvs_port_set_used(uint32_t addr)
{
	for (const struct port_set *ps = port_sets; ps; ps = ps->next)
		if (ps->addr == addr &&
		    __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) > 0)
			return true;
	return false;
}

/* Any lcore: the set itself is freed by the master's next sweep. */
void ipvs_port_pools_free(struct ipvs_laddr *l)
{
	if (l->pset)
		__atomic_sub_fetch(&l->pset->refs, 1, __ATOMIC_ACQ_REL);
	l->pset = NULL;
	l->pools = NULL;
}

uint16_t ipvs_port_get(struct ipvs_laddr *l, unsigned w)
{
	struct port_pool *p = l->pools[w];
	uint16_t port;

	if (!p->count)
		return 0;
	port = p->ports[p->head];
	if (++p->head == p->size)
		p->head = 0;
	__atomic_store_n(&p->count, p->count - 1, __ATOMIC_RELAXED);
	return port;
}

void ipvs_port_put(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	struct port_pool *p = l->pools[w];
	uint32_t tail = p->head + p->count;

	p->ports[tail < p->size ? tail : tail - p->size] = port;
	__atomic_store_n(&p->count, p->count + 1, __ATOMIC_RELAXED);
}

/*
 * Read from the master while workers take and give ports: each worker's
 * count is one aligned word, so the sum is a few packets stale at worst.
 */
void ipvs_port_usage(const struct ipvs_laddr *l, uint32_t *free_ports,
		     uint32_t *total)
{
	*free_ports = 0;
	*total = 65535 - FNAT_PORT_MIN + 1;
	for (unsigned w = 0; l->pools && w < lcore_nworkers(); w++)
		*free_ports += __atomic_load_n(&l->pools[w]->count, __ATOMIC_RELAXED);
}

void ipvs_port_sets_fini(void)
{
	port_sets_sweep(true);
}
