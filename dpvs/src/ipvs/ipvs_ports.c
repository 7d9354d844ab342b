/* FullNAT local ports: per address, a pool per worker. */
#include "ipvs_ports.h"

#include <errno.h>

#include <rte_malloc.h>

#include "core/lcore.h"
#include "core/rcu.h"
#include "ipvs.h"
#include "ipvs_ports_int.h"

#define FNAT_PORT_MIN 1024u

static struct port_set *port_sets;

static void port_set_free(struct port_set *ps)
{
	for (unsigned w = 0; w < ps->npools; w++)
		rte_free(ps->pools[w]);
	rte_free(ps->pools);
	rte_free(ps);
}

/*
 * Master: frees the sets no local address uses any more, once no worker
 * can still be looking a reply up in them (ports_tab_find).
 */
static void port_sets_sweep(bool all)
{
	struct port_set **pp = &port_sets, *doomed = NULL;

	while (*pp) {
		struct port_set *ps = *pp;

		if (all || __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) == 0) {
			*pp = ps->next;
			ports_tab_del(ps);
			ps->next = doomed;
			doomed = ps;
		} else {
			pp = &ps->next;
		}
	}
	if (doomed && !all)   /* all: at shutdown, the workers gone */
		rcu_synchronize();
	while (doomed) {
		struct port_set *ps = doomed;

		doomed = ps->next;
		port_set_free(ps);
	}
	if (all)
		ports_tab_fini();
}

static struct port_pool *pool_new(unsigned w, unsigned nw, unsigned span)
{
	uint32_t size = span / nw + 1, words = (size + 63) / 64;
	size_t ports = (sizeof(uint16_t) * size + 7) & ~(size_t)7;
	size_t bits = sizeof(uint64_t) * words * PB_N;
	struct port_pool *p = rte_zmalloc("port_pool", sizeof(*p) + ports +
					  bits + sizeof(uint32_t) * size,
					  RTE_CACHE_LINE_SIZE);

	if (!p)
		return NULL;
	p->size = size;
	p->nw = nw;
	for (unsigned b = 0; b < PB_N; b++)
		p->bits[b] = (uint64_t *)((char *)p->ports + ports) + b * words;
	p->owner = (uint32_t *)((char *)p->ports + ports + bits);
	/* Worker w owns the ports p with p % nworkers == w. */
	for (uint32_t port = FNAT_PORT_MIN; port <= 65535; port++)
		if (port % nw == w)
			p->ports[p->count++] = (uint16_t)port;
	return p;
}

static struct port_set *port_set_new(const struct ipvs_laddr *l, unsigned nw)
{
	unsigned span = 65536 - FNAT_PORT_MIN;
	struct port_set *ps = rte_zmalloc("port_set", sizeof(*ps), 0);

	if (!ps)
		return NULL;
	ps->af = l->af;
	ps->addr = l->addr;
	ps->pools = rte_zmalloc("port_pools", sizeof(*ps->pools) * nw, 0);
	if (!ps->pools) {
		rte_free(ps);
		return NULL;
	}
	for (unsigned w = 0; w < nw; w++, ps->npools++) {
		struct port_pool *p = pool_new(w, nw, span);

		if (!p) {
			port_set_free(ps);
			return NULL;
		}
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
		if (ps->af == l->af && inet_addr_eq(&ps->addr, &l->addr))
			break;
	if (!ps) {
		ps = port_set_new(l, nw);
		if (ps && ports_tab_add(ps) < 0) {
			port_set_free(ps);
			ps = NULL;
		}
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

bool ipvs_port_set_in_use(uint8_t af, const union inet_addr *addr)
{
	for (const struct port_set *ps = port_sets; ps; ps = ps->next)
		if (ps->af == af && inet_addr_eq(&ps->addr, addr) &&
		    __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) > 0)
			return true;
	return false;
}

bool ipvs_port_set_used(uint32_t addr)
{
	return ipvs_port_set_in_use(AF_INET, INET_V4P(addr));
}

/* Any lcore: the set itself is freed by the master's next sweep. */
void ipvs_port_pools_free(struct ipvs_laddr *l)
{
	if (l->pset)
		__atomic_sub_fetch(&l->pset->refs, 1, __ATOMIC_ACQ_REL);
	l->pset = NULL;
	l->pools = NULL;
}

static uint32_t bit_of(const struct port_pool *p, uint16_t port)
{
	return (uint32_t)(port - FNAT_PORT_MIN) / p->nw;
}

static bool bit_test(const struct port_pool *p, unsigned b, uint32_t i)
{
	return (p->bits[b][i / 64] >> (i % 64)) & 1;
}

static void bit_set(struct port_pool *p, unsigned b, uint32_t i, bool on)
{
	if (on)
		p->bits[b][i / 64] |= 1ull << (i % 64);
	else
		p->bits[b][i / 64] &= ~(1ull << (i % 64));
}

static uint16_t pool_pop(struct port_pool *p)
{
	uint16_t port = p->ports[p->head];

	if (++p->head == p->size)
		p->head = 0;
	__atomic_store_n(&p->count, p->count - 1, __ATOMIC_RELAXED);
	return port;
}

static void pool_push(struct port_pool *p, uint16_t port)
{
	uint32_t tail = p->head + p->count;

	p->ports[tail < p->size ? tail : tail - p->size] = port;
	__atomic_store_n(&p->count, p->count + 1, __ATOMIC_RELAXED);
}

/* A reserved port popped leaves the queue until its reservation ends. */
uint16_t ipvs_port_get(struct ipvs_laddr *l, unsigned w)
{
	struct port_pool *p = l->pools[w];

	while (p->count) {
		uint16_t port = pool_pop(p);
		uint32_t i = bit_of(p, port);

		if (!bit_test(p, PB_RSV, i)) {
			bit_set(p, PB_HELD, i, true);
			return port;
		}
		bit_set(p, PB_SKIP, i, true);
		__atomic_store_n(&p->rsv_queued, p->rsv_queued - 1,
				 __ATOMIC_RELAXED);
	}
	return 0;
}

/* A wanted port passes to its synced conn: reserved, out of the queue. */
void ipvs_port_put(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	struct port_pool *p = l->pools[w];
	uint32_t i = bit_of(p, port);

	bit_set(p, PB_HELD, i, false);
	if (!bit_test(p, PB_WANT, i)) {
		pool_push(p, port);
		return;
	}
	bit_set(p, PB_WANT, i, false);
	bit_set(p, PB_RSV, i, true);
	bit_set(p, PB_SKIP, i, true);
	__atomic_store_n(&p->handed, p->handed + 1, __ATOMIC_RELAXED);
}

/* Worker w's pool if port is one of its FullNAT ports (*i: its bit). */
static struct port_pool *own_pool(const struct ipvs_laddr *l, unsigned w,
				  uint16_t port, uint32_t *i)
{
	struct port_pool *p = l->pools ? l->pools[w] : NULL;

	if (!p || port < FNAT_PORT_MIN || port % p->nw != w)
		return NULL;
	*i = bit_of(p, port);
	return p;
}

int ipvs_port_reserve(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	uint32_t i;
	struct port_pool *p = own_pool(l, w, port, &i);

	if (!p)
		return -EINVAL;
	if (bit_test(p, PB_HELD, i) || bit_test(p, PB_RSV, i))
		return -EBUSY;
	bit_set(p, PB_RSV, i, true);
	/* Not held, never popped while reserved: it is in the queue. */
	__atomic_store_n(&p->rsv_queued, p->rsv_queued + 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * One wanter a port: a second record naming it while it is held is
 * installed without it, as is one naming a reserved port.
 */
int ipvs_port_want(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	uint32_t i;
	struct port_pool *p = own_pool(l, w, port, &i);

	if (!p)
		return -EINVAL;
	if (!bit_test(p, PB_HELD, i) || bit_test(p, PB_WANT, i))
		return -EBUSY;
	bit_set(p, PB_WANT, i, true);
	return 0;
}

/*
 * A held port is never reserved (ipvs_port_get skips reserved ones) and
 * has one wanter at most: WANT still set is the wanter's own, else the
 * holder's release handed the port to it.
 */
void ipvs_port_unwant(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	struct port_pool *p = l->pools[w];
	uint32_t i = bit_of(p, port);

	if (bit_test(p, PB_WANT, i))
		bit_set(p, PB_WANT, i, false);
	else
		ipvs_port_unreserve(l, w, port);
}

uint64_t ipvs_port_handed(const struct ipvs_laddr *l)
{
	uint64_t n = 0;

	for (unsigned w = 0; l->pools && w < lcore_nworkers(); w++)
		n += __atomic_load_n(&l->pools[w]->handed, __ATOMIC_RELAXED);
	return n;
}

void ipvs_port_unreserve(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	struct port_pool *p = l->pools[w];
	uint32_t i = bit_of(p, port);

	if (!bit_test(p, PB_RSV, i))
		return;
	bit_set(p, PB_RSV, i, false);
	if (bit_test(p, PB_SKIP, i)) {
		bit_set(p, PB_SKIP, i, false);
		pool_push(p, port);
	} else {
		__atomic_store_n(&p->rsv_queued, p->rsv_queued - 1,
				 __ATOMIC_RELAXED);
	}
}

uint32_t *ipvs_port_owner(const struct ipvs_laddr *l, unsigned w,
			  uint16_t port)
{
	uint32_t i;
	struct port_pool *p = own_pool(l, w, port, &i);

	return p ? &p->owner[i] : NULL;
}

uint32_t *ipvs_port_owner_find(uint8_t af, const union inet_addr *addr,
			       unsigned w, uint16_t port)
{
	const struct port_set *ps = ports_tab_find(af, addr);
	struct port_pool *p;

	if (!ps || w >= ps->npools)
		return NULL;
	p = ps->pools[w];
	if (port < FNAT_PORT_MIN || port % p->nw != w)
		return NULL;
	return &p->owner[bit_of(p, port)];
}

bool ipvs_port_reserved(const struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	uint32_t i;
	const struct port_pool *p = own_pool(l, w, port, &i);

	return p && bit_test(p, PB_RSV, i);
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
	for (unsigned w = 0; l->pools && w < lcore_nworkers(); w++) {
		const struct port_pool *p = l->pools[w];
		uint32_t n = __atomic_load_n(&p->count, __ATOMIC_RELAXED);
		uint32_t r = __atomic_load_n(&p->rsv_queued, __ATOMIC_RELAXED);

		/* Reserved ports are a synced conn's, not free. */
		*free_ports += n > r ? n - r : 0;
	}
}

void ipvs_port_sets_fini(void)
{
	port_sets_sweep(true);
}
