/* The IPv6 stack's neighbours for its unit tests (test_ipv6_env.h). */
#include "test_ipv6_env.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>

#include "net/inetaddr.h"
#include "net/kni.h"
#include "net/ndisc.h"
#include "net/neigh6.h"
#include "net/netif.h"

struct env env;
static struct netif_port ports[2];
static char eal_prefix[64];

static void record(struct env_frame *f, struct rte_mbuf *m, uint16_t port)
{
	f->n++;
	f->len = RTE_MIN(m->pkt_len, (uint32_t)ENV_FRAME_MAX);
	const void *d = rte_pktmbuf_read(m, 0, f->len, f->b);

	if (d != f->b)
		memcpy(f->b, d, f->len);
	f->port = port;
	rte_pktmbuf_free(m);
}

void env_reset(void)
{
	memset(&env, 0, sizeof(env));
	env.mtu = 1500;
}

void env_dad_end(bool ok)
{
	void (*done)(uint16_t, const struct in6_addr *, bool) = env.dad_done;

	env.dad_done = NULL;
	if (done)
		done(env.dad_port, &env.dad_addr, ok);
}

struct in6_addr env_in6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

struct rte_mempool *env_eal(const char *name, bool second_lcore, unsigned n)
{
	char *eal[] = { (char *)(uintptr_t)name, "--no-huge", "-m", "256", "--no-pci",
			"--lcores", second_lcore ? "0@0,1@0" : "0@0",
			"--file-prefix", eal_prefix, "--no-shconf", "--no-telemetry",
			"--log-level", "warning", NULL };

	snprintf(eal_prefix, sizeof(eal_prefix), "%s_%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return NULL;
	env_reset();
	return rte_pktmbuf_pool_create("env", n, 0, 0, 4096, SOCKET_ID_ANY);
}

void env_eal_end(const char *name)
{
	char path[128];

	(void)name;
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", eal_prefix);
	rmdir(path);
}

/* ---- the stand-ins ---- */

void kni_up(unsigned lc, struct rte_mbuf *m)
{
	(void)lc;
	record(&env.kni, m, m->port);
}

void netif_xmit(unsigned lc, uint16_t port, struct rte_mbuf *m)
{
	(void)lc;
	record(&env.xmit, m, port);
}

const struct netif_port *netif_port(uint16_t id)
{
	if (id >= RTE_DIM(ports))
		return NULL;
	ports[id].used = true;
	ports[id].id = id;
	ports[id].mtu = env.mtu;
	return &ports[id];
}

void neigh6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh,
		   uint16_t port)
{
	(void)lc;
	env.neigh.nh = *nh;
	record(&env.neigh, m, port);
}

void ndisc_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	(void)lc;
	(void)p;
	record(&env.ndisc, m, m->port);
}

int ndisc_dad_start(uint16_t port, const struct in6_addr *addr, ndisc_dad_done_fn done)
{
	env.dad_started++;
	env.dad_port = port;
	env.dad_addr = *addr;
	if (!env.dad_manual) {
		done(port, addr, true);
		return 0;
	}
	env.dad_done = done;
	return 0;
}

void ndisc_dad_cancel(uint16_t port, const struct in6_addr *addr)
{
	(void)port;
	(void)addr;
	env.dad_cancelled++;
	env.dad_done = NULL;
}

int ndisc_send_una(uint16_t port, const struct in6_addr *addr)
{
	(void)port;
	env.una_sent++;
	env.una_last = *addr;
	return 0;
}

bool inetaddr_ha_active(void)
{
	return env.ha_active;
}

/* ---- frames ---- */

uint32_t env_frame6(uint8_t *b, const char *src, const char *dst, uint8_t hop,
		    uint8_t nh, const void *body, uint32_t len)
{
	const struct rte_ether_addr us = ENV_MAC_US, peer = ENV_MAC_PEER;
	struct in6_addr s = env_in6(src), d = env_in6(dst);
	uint8_t *ip = b + 14;

	memcpy(b, &us, 6);
	memcpy(b + 6, &peer, 6);
	b[12] = 0x86, b[13] = 0xdd;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(len >> 8), ip[5] = (uint8_t)len;
	ip[6] = nh;
	ip[7] = hop;
	memcpy(ip + 8, &s, 16);
	memcpy(ip + 24, &d, 16);
	memcpy(ip + 40, body, len);
	return 14 + 40 + len;
}

uint16_t env_icmp6_csum(const uint8_t *ip6, const uint8_t *l4, uint32_t len)
{
	uint32_t sum = 0;

	for (unsigned i = 8; i < 40; i += 2)          /* both addresses */
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += len >> 16;
	sum += len & 0xffff;
	sum += 58;
	for (uint32_t i = 0; i < len; i += 2)
		sum += (uint32_t)(l4[i] << 8 | (i + 1 < len ? l4[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t env_echo(uint8_t *b, const char *src, const char *dst, uint32_t ndata)
{
	uint8_t body[2048] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1 };
	uint32_t n;
	uint16_t c;

	for (uint32_t i = 0; i < ndata; i++)
		body[8 + i] = (uint8_t)(i * 7);
	n = env_frame6(b, src, dst, 64, 58, body, 8 + ndata);
	c = env_icmp6_csum(b + 14, b + 54, 8 + ndata);
	b[56] = (uint8_t)(c >> 8), b[57] = (uint8_t)c;
	return n;
}

struct rte_mbuf *env_mbuf(struct rte_mempool *pool, const uint8_t *b, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!m)
		return NULL;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), b, len);
	m->port = 0;
	return m;
}
