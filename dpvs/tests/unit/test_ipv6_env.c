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
