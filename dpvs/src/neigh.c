/* The neighbour table and the per-worker resolution queues. */
/* rte_hash_rcu_qsbr_add is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API
#include "neigh.h"

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "arp.h"
#include "eth.h"
#include "log.h"
#include "msgbus.h"
#include "netif.h"
#include "pktstats.h"
#include "rcu.h"
#include "route.h"

#define PENDING_SLOTS 32
#define PENDING_MAX_QUEUE 64
#define ARP_RETRY_HZ_DIV 1   /* re-ask once a second */

struct neigh_key {
	uint32_t ip;      /* host order */
	uint16_t port;
	uint16_t pad;
};

struct neigh_entry {
	uint64_t mac;           /* 6 bytes; one atomic word for readers */
	uint64_t confirmed;     /* tsc; any lcore may refresh it */
	uint32_t ip;
	uint16_t port;
	uint8_t state;          /* enum dpvs_neigh_state */
	bool used;              /* master only */
};

/* Packets of one lcore waiting for one next hop. */
struct pending {
	bool used;
	uint16_t port;
	uint32_t nh;
	uint32_t n;
	uint64_t first;
	uint64_t last_arp;
	struct rte_mbuf *pkts[PENDING_MAX_QUEUE];
};

struct lcore_pending {
	unsigned nused;
	struct pending slot[PENDING_SLOTS];
} __rte_cache_aligned;

static struct rte_hash *table;
static struct neigh_entry *entries;
static uint32_t max_entries;
static struct lcore_pending *pend;      /* [RTE_MAX_LCORE] */
static uint32_t queue_len;
static uint64_t resolve_tsc;
static uint64_t reachable_tsc;

struct learn_msg {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];
};

static uint64_t mac_pack(const struct rte_ether_addr *a)
{
	uint64_t v = 0;

	memcpy(&v, a->addr_bytes, RTE_ETHER_ADDR_LEN);
	return v;
}

static void mac_unpack(uint64_t v, struct rte_ether_addr *a)
{
	memcpy(a->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
}

static struct neigh_entry *lookup(uint32_t ip, uint16_t port)
{
	struct neigh_key k = { .ip = ip, .port = port };
	void *data;

	if (rte_hash_lookup_data(table, &k, &data) < 0)
		return NULL;
	return &entries[(uintptr_t)data];
}

static int learn_cb(const void *req, uint16_t len, void *reply __rte_unused,
		    uint16_t *rlen __rte_unused)
{
	const struct learn_msg *lm = req;
	struct rte_ether_addr mac;

	if (len != sizeof(*lm))
		return -EINVAL;
	memcpy(mac.addr_bytes, lm->mac, sizeof(lm->mac));
	return neigh_update(lm->ip, lm->port, &mac, false);
}

void neigh_set_params(const struct dpvs_conf *c)
{
	resolve_tsc = rte_get_tsc_hz() / 1000 * c->neigh_resolve_ms;
	reachable_tsc = rte_get_tsc_hz() * c->neigh_reachable_s;
}

int neigh_init(const struct dpvs_conf *c)
{
	struct rte_hash_parameters hp = {
		.name = "neigh",
		.entries = c->neigh_max,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* Lock-free readers, one writer (the master). */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = { .v = rcu_qsbr(),
					  .mode = RTE_HASH_QSBR_MODE_SYNC };

	table = rte_hash_create(&hp);
	entries = rte_zmalloc("neigh", sizeof(*entries) * c->neigh_max,
			      RTE_CACHE_LINE_SIZE);
	pend = rte_zmalloc("neigh_pending", sizeof(*pend) * RTE_MAX_LCORE,
			   RTE_CACHE_LINE_SIZE);
	if (!table || !entries || !pend) {
		LOG_ERRX("neigh", "cannot create a table of %u neighbours: %s",
			 c->neigh_max, rte_strerror(rte_errno));
		neigh_fini();
		return -ENOMEM;
	}
	if (rc.v && rte_hash_rcu_qsbr_add(table, &rc) != 0) {
		neigh_fini();
		return -ENOMEM;
	}
	max_entries = c->neigh_max;
	queue_len = c->neigh_queue_len < PENDING_MAX_QUEUE ? c->neigh_queue_len :
							     PENDING_MAX_QUEUE;
	neigh_set_params(c);
	return msgbus_register(rte_get_main_lcore(), MSG_TYPE_NEIGH_LEARN,
			       "neigh-learn", learn_cb);
}

void neigh_fini(void)
{
	if (pend)
		for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++)
			for (unsigned i = 0; i < PENDING_SLOTS; i++)
				rte_pktmbuf_free_bulk(pend[lc].slot[i].pkts,
						      pend[lc].slot[i].n);
	rte_hash_free(table);
	rte_free(entries);
	rte_free(pend);
	table = NULL;
	entries = NULL;
	pend = NULL;
}

/* ---- worker side ---- */

static void send_to(unsigned lc, struct rte_mbuf *m, uint16_t port,
		    uint64_t mac)
{
	const struct netif_port *p = netif_port(port);
	struct rte_ether_addr dst;

	mac_unpack(mac, &dst);
	rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	eth_fill(m, &dst, &p->mac, RTE_ETHER_TYPE_IPV4);
	netif_xmit(lc, port, m);
}

/* Asks for nh from the address that owns its subnet on `port`. */
static void solicit(unsigned lc, uint32_t nh, uint16_t port)
{
	const struct route_entry *r = route_lookup(nh);
	struct rte_mbuf *m;

	if (!r || r->port != port || !r->src)
		return;
	m = arp_build_request(port, r->src, nh);
	if (!m)
		return;
	PKT_INC(lc, arp_sent);
	netif_xmit(lc, port, m);
}

static struct pending *pending_slot(unsigned lc, uint32_t nh, uint16_t port)
{
	struct lcore_pending *lp = &pend[lc];
	struct pending *free_slot = NULL;

	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];

		if (s->used && s->nh == nh && s->port == port)
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->nh = nh;
		free_slot->port = port;
		free_slot->n = 0;
		free_slot->first = rte_get_tsc_cycles();
		free_slot->last_arp = 0;
		lp->nused++;
	}
	return free_slot;
}

void neigh_output(unsigned lc, struct rte_mbuf *m, uint32_t nh, uint16_t port)
{
	const struct neigh_entry *e = lookup(nh, port);
	struct pending *s;

	if (likely(e)) {
		send_to(lc, m, port, __atomic_load_n(&e->mac, __ATOMIC_RELAXED));
		return;
	}
	s = pending_slot(lc, nh, port);
	if (!s || s->n >= queue_len) {
		PKT_INC(lc, neigh_full);
		rte_pktmbuf_free(m);
		return;
	}
	s->pkts[s->n++] = m;
	PKT_INC(lc, neigh_queued);
	if (s->last_arp == 0) {
		s->last_arp = rte_get_tsc_cycles();
		solicit(lc, nh, port);
	}
}

bool neigh_confirm(unsigned lc, uint32_t ip, uint16_t port,
		   const struct rte_ether_addr *mac)
{
	struct neigh_entry *e = lookup(ip, port);
	struct learn_msg lm = { .ip = ip, .port = port };

	if (e && __atomic_load_n(&e->mac, __ATOMIC_RELAXED) == mac_pack(mac)) {
		__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(),
				 __ATOMIC_RELAXED);
		return false;
	}
	if (e && e->state == DPVS_NEIGH_PERMANENT)
		return false;
	memcpy(lm.mac, mac->addr_bytes, sizeof(lm.mac));
	(void)lc;
	return msgbus_send_async(rte_get_main_lcore(), MSG_TYPE_NEIGH_LEARN, &lm,
				 sizeof(lm)) == 0;
}

static void pending_release(struct lcore_pending *lp, struct pending *s)
{
	s->used = false;
	s->n = 0;
	lp->nused--;
}

int neigh_pending_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();
	struct lcore_pending *lp = &pend[lc];
	uint64_t now;
	int work = 0;

	if (likely(lp->nused == 0))
		return 0;
	now = rte_get_tsc_cycles();
	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];
		const struct neigh_entry *e;

		if (!s->used)
			continue;
		e = lookup(s->nh, s->port);
		if (e) {
			uint64_t mac = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);

			for (uint32_t j = 0; j < s->n; j++)
				send_to(lc, s->pkts[j], s->port, mac);
			work += (int)s->n;
			pending_release(lp, s);
		} else if (now - s->first > resolve_tsc) {
			PKT_ADD(lc, neigh_timeout, s->n);
			rte_pktmbuf_free_bulk(s->pkts, s->n);
			pending_release(lp, s);
		} else if (now - s->last_arp > rte_get_tsc_hz() / ARP_RETRY_HZ_DIV) {
			s->last_arp = now;
			solicit(lc, s->nh, s->port);
		}
	}
	return work;
}

/* ---- master side ---- */

static int alloc_entry(void)
{
	for (uint32_t i = 0; i < max_entries; i++)
		if (!entries[i].used)
			return (int)i;
	return -ENOSPC;
}

int neigh_update(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		 bool permanent)
{
	struct neigh_key k = { .ip = ip, .port = port };
	struct neigh_entry *e = lookup(ip, port);
	int idx;

	if (e) {
		if (e->state == DPVS_NEIGH_PERMANENT && !permanent)
			return 0; /* static entries win over what ARP says */
		__atomic_store_n(&e->mac, mac_pack(mac), __ATOMIC_RELAXED);
		__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(),
				 __ATOMIC_RELAXED);
		e->state = permanent ? DPVS_NEIGH_PERMANENT : DPVS_NEIGH_REACHABLE;
		return 0;
	}
	idx = alloc_entry();
	if (idx < 0)
		return idx;
	e = &entries[idx];
	e->ip = ip;
	e->port = port;
	e->mac = mac_pack(mac);
	e->confirmed = rte_get_tsc_cycles();
	e->state = permanent ? DPVS_NEIGH_PERMANENT : DPVS_NEIGH_REACHABLE;
	e->used = true;
	if (rte_hash_add_key_data(table, &k, (void *)(uintptr_t)idx) < 0) {
		e->used = false;
		return -ENOSPC;
	}
	return 0;
}

int neigh_delete(uint32_t ip, uint16_t port)
{
	struct neigh_key k = { .ip = ip, .port = port };
	struct neigh_entry *e = lookup(ip, port);

	if (!e)
		return -ENOENT;
	rte_hash_del_key(table, &k);
	/* Readers may hold e until their next quiescent state. */
	rcu_synchronize();
	memset(e, 0, sizeof(*e));
	return 0;
}

void neigh_walk(void (*fn)(const struct dpvs_neigh *n, uint16_t port,
			   void *arg), void *arg)
{
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();

	for (uint32_t i = 0; i < max_entries; i++) {
		const struct neigh_entry *e = &entries[i];
		struct dpvs_neigh n = { 0 };
		struct rte_ether_addr mac;

		if (!e->used)
			continue;
		n.ip = rte_cpu_to_be_32(e->ip);
		mac_unpack(e->mac, &mac);
		memcpy(n.mac, mac.addr_bytes, 6);
		n.state = e->state;
		n.age_s = (uint32_t)((now - e->confirmed) / hz);
		fn(&n, e->port, arg);
	}
}

int neigh_expire_job(void *arg __rte_unused)
{
	static uint64_t last;
	uint64_t now = rte_get_tsc_cycles();

	if (now - last < rte_get_tsc_hz())
		return 0;
	last = now;
	for (uint32_t i = 0; i < max_entries; i++) {
		struct neigh_entry *e = &entries[i];
		uint64_t age;

		if (!e->used || e->state == DPVS_NEIGH_PERMANENT)
			continue;
		age = now - __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED);
		if (age > 3 * reachable_tsc)
			neigh_delete(e->ip, e->port);
		else if (age > reachable_tsc)
			e->state = DPVS_NEIGH_STALE;
		else
			e->state = DPVS_NEIGH_REACHABLE;
	}
	return 0;
}
