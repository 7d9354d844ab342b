/*
 * Duplicate address detection (RFC 4862 5.4) on the master's timer,
 * and MLDv2 reports (RFC 3810) of the solicited-node groups, so that
 * snooping switches pass the NS for our addresses to the port.  Runs
 * count timer ticks, not wall time: a late tick delays DAD, it never
 * shortens it.
 */
#include "ndisc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "core/log.h"
#include "inet6addr.h"
#include "inet_addr.h"
#include "kni.h"
#include "ndisc_int.h"
#include "neigh6.h"
#include "netif.h"
#include "pktstats.h"

#define MLD2_RECORD_LEN 20     /* type, aux len, sources, group */
#define MLD2_CHANGE_TO_EXCLUDE 4
#define MLD2_MAX_RECORDS 64    /* per report: 8 + 64 * 20 fits any MTU */
/*
 * Queries go to the kernel twin, which answers only for its own groups:
 * dpvs refreshes its memberships unasked, well within a snooping
 * switch's listener interval (260 s by default, RFC 3810 9.4).
 */
#define MLD_REFRESH_TICKS (60 * 1000 / NDISC_DAD_TICK_MS)

struct dad_run {
	bool used;
	uint16_t port;
	struct in6_addr addr;
	uint32_t ns_left;          /* NS still to send */
	uint32_t wait;             /* ticks until the next step */
	ndisc_dad_done_fn done;
};

static struct dad_run *runs;
static uint32_t nactive;     /* runs in use: the tick costs nothing without */
static uint32_t mld_ticks;
static uint64_t mld_last[NETIF_MAX_PORTS];   /* tsc of each port's last report */
static uint32_t nruns;
static uint32_t transmits = 1, retrans_ticks = 10;
static bool mld_on = true;

int nd_dad_init(const struct dpvs_conf *c)
{
	runs = calloc(c->ip6_max_addrs, sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	nruns = c->ip6_max_addrs;
	ndisc_set_params(c);
	return 0;
}

void nd_dad_fini(void)
{
	free(runs);
	runs = NULL;
	nruns = 0;
	nactive = 0;
}

void ndisc_set_params(const struct dpvs_conf *c)
{
	transmits = c->ip6_dad_transmits;
	retrans_ticks = (c->ip6_dad_retrans_ms + NDISC_DAD_TICK_MS - 1) /
			NDISC_DAD_TICK_MS;
	if (retrans_ticks == 0)
		retrans_ticks = 1;
	mld_on = c->ip6_mld_reports;
	/* net6_apply reloads the v6 stack through here, not neigh6 itself. */
	neigh6_set_params(c);
}

static struct dad_run *find(uint16_t port, const struct in6_addr *a)
{
	for (uint32_t i = 0; i < nruns; i++)
		if (runs[i].used && runs[i].port == port &&
		    memcmp(&runs[i].addr, a, sizeof(*a)) == 0)
			return &runs[i];
	return NULL;
}

/* RFC 4862 5.4.2: from ::, to the solicited-node group, no SLLA. */
static void send_probe(struct dad_run *r)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct rte_mbuf *m = nd_build_ns(r->port, &any, &r->addr, NULL, false);

	if (m)
		kni_send(m);
	r->ns_left--;
	r->wait = retrans_ticks;
}

/* Ends r, then tells its owner (which may start or cancel runs). */
static void finish(struct dad_run *r, bool ok)
{
	ndisc_dad_done_fn done = r->done;
	uint16_t port = r->port;
	struct in6_addr a = r->addr;

	r->used = false;
	nactive--;
	done(port, &a, ok);
}

int ndisc_dad_start(uint16_t port, const struct in6_addr *addr, ndisc_dad_done_fn done)
{
	struct dad_run *r = find(port, addr);

	if (transmits == 0 || !runs) {
		done(port, addr, true);
		return 0;
	}
	for (uint32_t i = 0; !r && i < nruns; i++)
		if (!runs[i].used)
			r = &runs[i];
	if (!r)
		return -ENOSPC;
	if (!r->used)
		nactive++;
	*r = (struct dad_run){ .used = true, .port = port, .addr = *addr,
			       .ns_left = transmits, .done = done };
	/* Members of the group before probing it (RFC 4862 5.4.2). */
	ndisc_mld_report(port);
	send_probe(r);
	return 0;
}

void ndisc_dad_cancel(uint16_t port, const struct in6_addr *addr)
{
	struct dad_run *r = runs ? find(port, addr) : NULL;

	if (r) {
		r->used = false;
		nactive--;
	}
}

void ndisc_dad_tick(void *arg __rte_unused)
{
	for (uint32_t i = 0; nactive > 0 && i < nruns; i++) {
		struct dad_run *r = &runs[i];

		if (!r->used || --r->wait > 0)
			continue;
		if (r->ns_left > 0)
			send_probe(r);
		else
			finish(r, true);
	}
	if (++mld_ticks < MLD_REFRESH_TICKS)
		return;
	mld_ticks = 0;
	for (uint16_t port = 0; port < NETIF_MAX_PORTS; port++)
		if (netif_port(port))
			ndisc_mld_report(port);
}

void ndisc_dad_conflict(uint16_t port, const struct in6_addr *addr,
			const struct rte_ether_addr *from)
{
	struct dad_run *r = runs ? find(port, addr) : NULL;
	char a[INET6_ADDRSTRLEN];

	if (!r)
		return; /* ended meanwhile: nothing to stop */
	PKT_INC(rte_lcore_id(), nd_dad_conflict);
	LOG_WARNX("ndisc", "duplicate address %s on port %u: " RTE_ETHER_ADDR_PRT_FMT
		  " has it; not used until deleted",
		  inet_ntop(AF_INET6, addr, a, sizeof(a)), port,
		  RTE_ETHER_ADDR_BYTES(from));
	finish(r, false);
}

/* ---- MLDv2 reports ---- */

struct groups {
	uint16_t port;
	uint32_t n;
	struct in6_addr g[MLD2_MAX_RECORDS];
};

static void send_report(uint16_t port, const struct groups *gs)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	static const struct in6_addr mld_routers = {
		.s6_addr = { 0xff, 0x02, [15] = 0x16 } };
	/* Hop-by-Hop: Router Alert (MLD, RFC 2711), then PadN. */
	static const uint8_t hbh[8] = { IPPROTO_ICMPV6, 0, 5, 2, 0, 0, 1, 0 };
	uint16_t len = (uint16_t)(sizeof(hbh) + 8 + gs->n * MLD2_RECORD_LEN);
	const struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;
	uint8_t mac[6], *pl, *icmp;
	uint16_t c;

	ipv6_mcast_mac(mac, &mld_routers);
	/* RFC 3810 5.2.13: from :: when no link-local is ours (the twin's). */
	m = nd_frame(port, &any, &mld_routers, mac, 1, IPPROTO_HOPOPTS, len, &pl);
	if (!m)
		return;
	memcpy(pl, hbh, sizeof(hbh));
	icmp = pl + sizeof(hbh);
	icmp[0] = MLD2_REPORT;
	icmp[7] = (uint8_t)gs->n;
	for (uint32_t i = 0; i < gs->n; i++) {
		uint8_t *rec = icmp + 8 + i * MLD2_RECORD_LEN;

		rec[0] = MLD2_CHANGE_TO_EXCLUDE;
		memcpy(rec + 4, &gs->g[i], 16);
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
				     sizeof(struct rte_ether_hdr));
	c = nd_csum(ip, icmp, len - sizeof(hbh));
	memcpy(icmp + 2, &c, 2);
	kni_send(m);
}

static void add_group(uint16_t port, const struct in6_addr *a, uint8_t plen,
		      uint32_t flags, void *arg)
{
	struct groups *gs = arg;
	struct in6_addr g;

	(void)plen;
	(void)flags;
	if (port != gs->port)
		return;
	ipv6_solicited_node(&g, a);
	for (uint32_t i = 0; i < gs->n; i++)
		if (memcmp(&gs->g[i], &g, sizeof(g)) == 0)
			return;
	if (gs->n == MLD2_MAX_RECORDS) {
		send_report(port, gs);
		gs->n = 0;
	}
	gs->g[gs->n++] = g;
}

void ndisc_mld_report(uint16_t port)
{
	struct groups *gs;

	if (!mld_on || port >= NETIF_MAX_PORTS)
		return;
	mld_last[port] = rte_get_tsc_cycles();
	gs = calloc(1, sizeof(*gs));
	if (!gs)
		return;
	gs->port = port;
	inet6addr_walk(add_group, gs);
	if (gs->n > 0)
		send_report(port, gs);
	free(gs);
}

/*
 * Every address that goes live is announced (ndisc_send_una): the
 * moment its group must be reported, without one report per NA of an
 * HA announce series.
 */
void nd_mld_report_soon(uint16_t port)
{
	if (port < NETIF_MAX_PORTS &&
	    rte_get_tsc_cycles() - mld_last[port] > rte_get_tsc_hz())
		ndisc_mld_report(port);
}
