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
 *
 * A conn installed from the HA peer (ipvs_sync.h) holds a port this
 * worker never handed out, maybe still queued: it is reserved instead of
 * taken out of the middle of the queue.  Four bitmaps over the pool's
 * ports (bit (port - FNAT_PORT_MIN) / nworkers): HELD, handed out by
 * ipvs_port_get; RSV, reserved by a synced conn; SKIP, popped while
 * reserved (so out of the queue until the reservation ends); WANT, a
 * synced conn needs the port a stale conn of this LB still holds (the
 * peer reused it), so the holder's release reserves it instead of
 * queueing it.  Only the owning worker writes them.
 */
enum { PB_HELD, PB_RSV, PB_SKIP, PB_WANT, PB_N };

struct port_pool {
	uint32_t count;        /* queued ports; read by the master */
	uint32_t rsv_queued;   /* of them reserved (not free); read by the master */
	uint32_t head;         /* the oldest */
	uint32_t size;         /* slots */
	uint64_t handed;       /* released ports that went to their wanter */
	unsigned nw;           /* the bit of a port: (port - MIN) / nw */
	uint64_t *bits[PB_N];  /* size bits each, in one allocation after ports */
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
	uint8_t af;
	union inet_addr addr;
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

static struct port_pool *pool_new(unsigned w, unsigned nw, unsigned span)
{
	uint32_t size = span / nw + 1, words = (size + 63) / 64;
	size_t ports = (sizeof(uint16_t) * size + 7) & ~(size_t)7;
	struct port_pool *p = rte_zmalloc("port_pool", sizeof(*p) + ports +
					  sizeof(uint64_t) * words * PB_N,
					  RTE_CACHE_LINE_SIZE);

	if (!p)
		return NULL;
	p->size = size;
	p->nw = nw;
	for (unsigned b = 0; b < PB_N; b++)
		p->bits[b] = (uint64_t *)((char *)p->ports + ports) + b * words;
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
