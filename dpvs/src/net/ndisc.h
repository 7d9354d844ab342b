/*
 * Neighbour discovery (RFC 4861) for dpvs's own addresses: NS and NA in
 * and out, duplicate address detection (RFC 4862), unsolicited NA (the
 * IPv6 gratuitous ARP, also the HA announce) and MLDv2 reports of the
 * solicited-node groups.  Link-local addresses are the kernel twin's:
 * dpvs never sends from one.
 */
#ifndef DPVS_NDISC_H
#define DPVS_NDISC_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "ipv6_parse.h"

int ndisc_init(const struct dpvs_conf *c);
void ndisc_fini(void);
void ndisc_set_params(const struct dpvs_conf *c);

/* Worker: an NS or NA (m at its IPv6 header); consumes m (copies it up). */
void ndisc_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p);
/* Worker: an NS for target; ucast_mac NULL: to its solicited-node group. */
void ndisc_solicit(unsigned lc, uint16_t port, const struct in6_addr *target,
		   const struct rte_ether_addr *ucast_mac);
/* Master: an unsolicited NA (O=1) for addr to ff02::1.  0 or -errno. */
int ndisc_send_una(uint16_t port, const struct in6_addr *addr);

/*
 * Master: DAD for a tentative addr; done(port, addr, ok) runs on the
 * master when it ends (ok false: a duplicate answered).
 */
typedef void (*ndisc_dad_done_fn)(uint16_t port, const struct in6_addr *a, bool ok);
int ndisc_dad_start(uint16_t port, const struct in6_addr *addr, ndisc_dad_done_fn done);
void ndisc_dad_cancel(uint16_t port, const struct in6_addr *addr);
/* Master timer, every NDISC_DAD_TICK_MS: retransmits and ends DAD runs. */
#define NDISC_DAD_TICK_MS 100
void ndisc_dad_tick(void *arg);
/* Master: a worker's MSG_TYPE_DAD_EVENT (a duplicate heard). */
void ndisc_dad_conflict(uint16_t port, const struct in6_addr *addr,
			const struct rte_ether_addr *from);
/* Master: an MLDv2 report of the port's solicited-node groups. */
void ndisc_mld_report(uint16_t port);

#endif
