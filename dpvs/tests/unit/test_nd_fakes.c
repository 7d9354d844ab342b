/* Fakes of the modules around ndisc.c and neigh6.c (test_nd_fakes.h). */
#include "test_nd_fakes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_ether.h>

#include "net/eth.h"
#include "net/inet6addr.h"
#include "net/inet_addr.h"
#include "net/kni.h"
#include "net/netif.h"
#include "net/route6.h"

#define FAKE_ADDRS 16

static struct rte_mempool *pool;
static struct netif_port port0 = { .used = true, .id = FAKE_PORT, .name = "dpdk0",
				   .mac = { FAKE_MAC }, .mtu = 1500 };
static struct { struct in6_addr a; uint8_t plen; uint32_t flags; } addrs[FAKE_ADDRS];
static unsigned naddrs;
static struct route6_entry rt;
static bool ha_on;
static struct { struct rte_mbuf *m[FAKE_FRAMES]; unsigned head, n; } paths[FAKE_PATHS];

int fake_init(void)
{
	pool = rte_pktmbuf_pool_create("nd_fake", 2047, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool ? 0 : -1;
}

void fake_fini(void)
{
	fake_drain();
	rte_mempool_free(pool);
	pool = NULL;
}

struct rte_mempool *fake_pool(void)
{
	return pool;
}

struct in6_addr fake_in6(const char *a)
{
	struct in6_addr x;

	if (inet_pton(AF_INET6, a, &x) != 1)
		memset(&x, 0xee, sizeof(x));
	return x;
}

void fake_addr(const char *a, uint8_t plen, uint32_t flags)
{
	addrs[naddrs].a = fake_in6(a);
	addrs[naddrs].plen = plen;
	addrs[naddrs].flags = flags;
	naddrs++;
}

void fake_addrs_clear(void)
{
	naddrs = 0;
}

void fake_ha_active(bool on)
{
	ha_on = on;
}

static void put(enum fake_path p, struct rte_mbuf *m)
{
	if (paths[p].n == FAKE_FRAMES) {
		rte_pktmbuf_free(m);
		return;
	}
	paths[p].m[(paths[p].head + paths[p].n++) % FAKE_FRAMES] = m;
}

unsigned fake_count(enum fake_path p)
{
	return paths[p].n;
}

struct rte_mbuf *fake_take(enum fake_path p)
{
	struct rte_mbuf *m;

	if (paths[p].n == 0)
		return NULL;
	m = paths[p].m[paths[p].head];
	paths[p].head = (paths[p].head + 1) % FAKE_FRAMES;
	paths[p].n--;
	return m;
}

void fake_drain(void)
{
	for (unsigned p = 0; p < FAKE_PATHS; p++)
		while (paths[p].n)
			rte_pktmbuf_free(fake_take((enum fake_path)p));
}

/* ---- netif, eth, kni ---- */

const struct netif_port *netif_port(uint16_t id)
{
	return id == FAKE_PORT ? &port0 : NULL;
}

struct rte_mempool *netif_pktpool(void)
{
	return pool;
}

void netif_xmit(unsigned lcore, uint16_t port, struct rte_mbuf *m)
{
	(void)lcore;
	m->port = port;
	put(FAKE_TX, m);
}

void eth_fill(struct rte_mbuf *m, const struct rte_ether_addr *dst,
	      const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
}

void kni_up(unsigned lcore, struct rte_mbuf *m)
{
	(void)lcore;
	put(FAKE_UP, m);
}

int kni_send(struct rte_mbuf *m)
{
	put(FAKE_DOWN, m);
	return 0;
}

bool inetaddr_ha_active(void)
{
	return ha_on;
}

/* ---- inet6addr, route6: the port's addresses and their prefixes ---- */

bool inet6addr_is_local(uint16_t port, const struct in6_addr *a, uint32_t *flags)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (port == FAKE_PORT && memcmp(&addrs[i].a, a, sizeof(*a)) == 0) {
			*flags = addrs[i].flags;
			return true;
		}
	return false;
}

static bool preferred(unsigned i)
{
	return !(addrs[i].flags & (IFA6_F_TENTATIVE | IFA6_F_DADFAILED));
}

bool inet6addr_port_source(uint16_t port, struct in6_addr *out)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (port == FAKE_PORT && preferred(i)) {
			*out = addrs[i].a;
			return true;
		}
	return false;
}

void inet6addr_walk(void (*fn)(uint16_t port, const struct in6_addr *a, uint8_t plen,
			       uint32_t flags, void *arg), void *arg)
{
	for (unsigned i = 0; i < naddrs; i++)
		fn(FAKE_PORT, &addrs[i].a, addrs[i].plen, addrs[i].flags, arg);
}

const struct route6_entry *route6_lookup(const struct in6_addr *dst)
{
	for (unsigned i = 0; i < naddrs; i++) {
		union inet_addr a = { .in6 = addrs[i].a }, d = { .in6 = *dst }, p;

		inet_addr_mask(AF_INET6, &p, &a, addrs[i].plen);
		if (!preferred(i) || !inet_prefix_has(AF_INET6, &p, addrs[i].plen, &d))
			continue;
		memset(&rt, 0, sizeof(rt));
		rt.prefix = addrs[i].a;
		rt.plen = addrs[i].plen;
		rt.type = RT_CONNECTED;
		rt.port = FAKE_PORT;
		rt.src = addrs[i].a;
		return &rt;
	}
	return NULL;
}

bool route6_source(const struct route6_entry *r, const struct in6_addr *dst,
		   struct in6_addr *src)
{
	(void)dst;
	if (ipv6_is_unspecified(&r->src))
		return false;
	*src = r->src;
	return true;
}
