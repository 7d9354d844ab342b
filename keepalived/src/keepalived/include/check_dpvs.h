/*
 * dpvs additions to the checker's configuration: FullNAT local address
 * groups (DPVS's keywords, so existing DPVS configs load):
 *
 *   local_address_group NAME {
 *       10.0.1.100 dpdk1
 *       10.0.1.101-103 dpdk1
 *       10.0.1.110-111 dpdk1 ha    # shared by the HA pair
 *       2001:db8:1::100-10f dpdk1  # IPv6: the last group is the range
 *   }
 *   virtual_server 10.0.0.100 80 {
 *       lb_kind FNAT
 *       laddr_group_name NAME
 *       proxy_protocol v2          # or v1: the client's address for
 *       ...                        # the real servers (TCP, FullNAT)
 *   }
 */
#ifndef _CHECK_DPVS_H
#define _CHECK_DPVS_H

#include <stdbool.h>

#include "check_data.h"
#include "libipvs.h"
#include "libdpvs.h"

/*
 * proxy_protocol rides in vs->flags, in bits the kernel's IPVS never
 * uses, so that keepalived's own code carries it to the service rule and
 * a reload that changes it edits the service, without a hook.
 */
#define DPVS_KA_SVC_F_PROXY_V1 0x10000000u
#define DPVS_KA_SVC_F_PROXY_V2 0x20000000u
#define DPVS_KA_SVC_F_PROXY (DPVS_KA_SVC_F_PROXY_V1 | DPVS_KA_SVC_F_PROXY_V2)

void dpvs_init_keywords(bool active);
void dpvs_install_vs_keywords(void);
/* After parsing: an FNAT service names a group that exists (reported). */
bool dpvs_vs_valid(virtual_server_t *vs);
/* NAT64: rs is an IPv4 server of an IPv6 service, with FullNAT; the
 * parser keeps it (patch 0017), as it keeps tunnelled ones. */
bool dpvs_nat64_rs(const virtual_server_t *vs, const real_server_t *rs)
	__attribute__((pure));
/* After a service was added to dpvs: give it its local addresses. */
int dpvs_vs_add_laddrs(const virtual_server_t *vs, ipvs_service_t *srule);

/*
 * Watches dpvs once a second; when a new dpvs answers (restarted, or it
 * came back), pushes every service and real server keepalived has in
 * it, with their current health, so nothing waits for a check to change.
 * It also compares dpvs with keepalived's state every few seconds, and
 * soon after a call failed, and fixes what differs (dpvs_sync.c).
 */
void dpvs_start_watch(void);
/* True while the state is pushed to a new dpvs (read by ipvswrapper.c). */
extern bool dpvs_pushing;

/* libipvs_dpvs.c */
/* A local address of either family: addr (network order) for AF_INET,
 * addr6 for AF_INET6. */
int ipvs_add_laddr(ipvs_service_t *svc, uint8_t af, uint32_t addr,
		   const struct in6_addr *addr6, const char *ifname);
/* An "ha" local address on its port, before a service takes it: active
 * only while this dpvs holds the HA lease. */
int ipvs_add_ha_addr(uint8_t af, uint32_t addr, const struct in6_addr *addr6,
		     const char *ifname);
/* The running dpvs's start time, or 0 if it does not answer. */
uint64_t ipvs_dpvs_started(void);
/* True once after a call failed (other than "exists"/"not found"). */
bool ipvs_dpvs_take_error(void);

/* What keepalived wants in dpvs (dpvs_sync.c). */
struct dpvs_want {
	struct dpvs_service *svcs;
	struct dpvs_dest *dests;
	struct dpvs_laddr *laddrs;
	size_t nsvcs, ndests, nladdrs;
	bool failed;              /* out of memory: incomplete */
};
/* With w, the ipvs_* add and edit calls record into w instead of
 * calling dpvs (others do nothing); with NULL they call again. */
void ipvs_dpvs_record(struct dpvs_want *w);
void dpvs_want_free(struct dpvs_want *w);
/* Fixes what differs between dpvs and w (sorting w): the failed fixes,
 * -1 for all. */
int ipvs_dpvs_sync(struct dpvs_want *w);
/* true: the ipvs_* changes are pipelined (a libdpvs batch) until false,
 * each one's failure logged as its status arrives (the initial load and
 * a reload's changes). */
void ipvs_dpvs_batch(bool on);
/* Refused changes are tried again (a reload, a new dpvs). */
void ipvs_dpvs_forget_refusals(void);

#endif
