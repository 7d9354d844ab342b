/*
 * Which kernel-bound frames the appliance itself depends on.  VRRP
 * adverts, ARP for our own addresses, replies on connections the kernel
 * opened (health checks), BGP and HA connection sync travel up in the priority class, each
 * kind with a budget of its own, so that a flood of anything else -- or
 * of one of these kinds -- cannot starve the others.  Everything else is
 * bulk.
 */
#ifndef DPVS_KNI_CLASS_H
#define DPVS_KNI_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

enum kni_kind {
	KNI_BULK,
	KNI_VRRP,   /* IP protocol 112, TTL 255, to 224.0.0.18, ff02::12 or unicast */
	KNI_ARP,    /* ARP, NS or NA for a local, kni_host or link-local address */
	KNI_FLOW,   /* TCP/UDP/ICMP echo replies to the kernel's own flows */
	KNI_BGP,    /* TCP from or to port 179 */
	KNI_SYNC,   /* HA sync: UDP to the sync port at its group or a kni_host address */
	KNI_KINDS
};

/* Worker: the kind of m, which starts at its (validated) ethernet header. */
enum kni_kind kni_classify(const struct rte_mbuf *m);

/*
 * Master: learns the flows the kernel opens from the frames it sends
 * (TCP SYN, UDP from a port >= 1024, ICMP echo request), so that their
 * replies are KNI_FLOW for KNI_FLOW_TTL_S seconds after the last frame.
 */
void kni_flow_learn(const struct rte_mbuf *m);
void kni_flows_reset(void);

/*
 * Master: the HA sync engine's UDP port and multicast group (host
 * order) while it runs, so that its datagrams are KNI_SYNC; port 0 when
 * it stops.  Relaxed globals: a worker may classify one more frame
 * either way.
 */
void kni_class_set_sync(uint16_t port, uint32_t group);

/*
 * Master: whether m, a frame the kernel sends, tells the LAN that the
 * sender owns *sip (host order): an ARP reply or a gratuitous request
 * (sender = target), after at most one VLAN tag.
 */
bool kni_arp_claim(const struct rte_mbuf *m, uint32_t *sip);

/*
 * Master: whether m, a frame the kernel sends, is an NA: it tells the
 * LAN that the sender owns *target (solicited or not, O or not).
 */
bool kni_na_claim(const struct rte_mbuf *m, struct in6_addr *target);

#define KNI_FLOWS 4096
#define KNI_FLOW_TTL_S 30

#endif
