/*
 * Per-worker packet counters.  Each has a comment saying when it moves:
 * these are what an operator reads (dpip -s link, dpvsctl) to find out
 * where packets went.  Only the owning lcore writes its row.
 */
#ifndef DPVS_PKTSTATS_H
#define DPVS_PKTSTATS_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#define PKTSTATS(X)                                                          \
	X(rx_packets)     /* received from a port */                          \
	X(rx_bytes)                                                           \
	X(tx_packets)     /* handed to a port's tx queue */                   \
	X(tx_bytes)                                                           \
	X(tx_dropped)     /* tx queue full */                                 \
	X(tx_no_queue)    /* this lcore has no tx queue on the out port */    \
	X(eth_short)      /* frame shorter than an ethernet header */         \
	X(eth_other)      /* not for our MAC, broadcast or multicast */       \
	X(arp_bad)        /* truncated or non-IPv4/ethernet ARP */            \
	X(arp_replied)    /* ARP requests for a local address answered */     \
	X(arp_learned)    /* neighbours learnt from ARP */                    \
	X(arp_ignored)    /* ARP from an unknown sender, not aimed at us */   \
	X(arp_learn_limited) /* ARP news not passed on: neigh.learn_rate */   \
	X(arp_ha_inactive) /* requests for an HA address unanswered: no lease */\
	X(ip_bad_hdr)     /* version, IHL or truncated IPv4 header */         \
	X(ip_bad_csum)    /* IPv4 header checksum wrong */                    \
	X(ip_bad_len)     /* total length beyond the frame or below IHL */    \
	X(ip_frag)        /* fragments (handed to the kernel path) */         \
	X(ip_ttl)         /* TTL expired while forwarding */                  \
	X(ip_no_route)    /* no route to the destination */                   \
	X(ip_not_local)   /* not ours and forwarding is off */                \
	X(ip_forwarded)   /* routed out of a port */                          \
	X(icmp_echo)      /* echo requests to a local address answered */     \
	X(neigh_queued)   /* held while the next hop resolves */              \
	X(neigh_full)     /* dropped: resolution queue full */                \
	X(neigh_timeout)  /* dropped: next hop did not answer ARP */          \
	X(arp_sent)       /* ARP requests sent to resolve a next hop */       \
	X(arp_probed)     /* unicast ARP probes of a stale neighbour in use */\
	X(neigh_evicted)  /* master: unused neighbours evicted, table full */ \
	X(neigh_table_full) /* master: neighbour refused, all in use */       \
	X(neigh_probe_failed) /* master: removed, probes unanswered */        \
	X(kni_up)         /* handed to the kernel path (both classes) */      \
	X(kni_up_full)    /* dropped: kernel-path bulk ring full */           \
	X(kni_up_limited) /* dropped: kernel-path bulk rate limit */          \
	X(kni_prio_up)    /* handed up in the priority class (VRRP, ...) */   \
	X(kni_prio_full)  /* dropped: priority ring full */                   \
	X(kni_prio_limited) /* dropped: priority budget of its kind spent */  \
	X(kni_disabled)   /* dropped: port has no kernel twin (kni = false) */\
	X(kni_down)       /* sent on behalf of the kernel */                  \
	X(kni_arp_vip_dropped) /* master: kernel ARP claiming a lost VIP */   \
	X(ipvs_conn_new)  /* connections created */                           \
	X(ipvs_conn_full) /* dropped: pool or table full of established conns */\
	X(ipvs_conn_clash) /* dropped: its reply tuple is another conn's */  \
	X(ipvs_embryonic_evicted) /* half-open TCP conns dropped for new ones */\
	X(ipvs_no_dest)   /* dropped: no usable real server */                \
	X(ipvs_no_laddr)  /* dropped: FullNAT, no (active HA) local address */\
	X(ipvs_no_port)   /* dropped: FullNAT local ports exhausted */        \
	X(ipvs_no_conn)   /* dropped: not a new flow and no connection */     \
	X(ipvs_handover)  /* replies passed to the worker owning the conn */  \
	X(ipvs_handover_full) /* dropped: hand-over ring full */              \
	X(ipvs_bad_l4)    /* truncated TCP/UDP header to a service */\
	X(ipvs_pp_sent)   /* PROXY headers put in front of a client segment */\
	X(ipvs_pp_cut)    /* first segment too big for the header: sent alone */\
	X(ipvs_pp_bad)    /* dropped: first segment bad (header, csum, room) */\
	X(tun_frag_needed) /* TUN: DF packet past the MTU; ICMP sent back */  \
	X(tun_fragmented) /* TUN: packets sent as outer fragments (no DF) */  \
	X(tun_frag_fail)  /* dropped: TUN packet past the MTU, no mbuf */

struct pktstats {
#define X(name) uint64_t name;
	PKTSTATS(X)
#undef X
} __rte_cache_aligned;

enum {
#define X(name) PKTSTATS_IDX_##name,
	PKTSTATS(X)
#undef X
	PKTSTATS_N
};

extern struct pktstats pktstats[RTE_MAX_LCORE];

/* Counting on the hot path: the owning lcore only, no atomics needed. */
#define PKT_INC(lc, name) (pktstats[lc].name++)
#define PKT_ADD(lc, name, n) (pktstats[lc].name += (n))

/* Names in struct order, for the control socket. */
extern const char *const pktstats_names[PKTSTATS_N];
/* Sums every lcore's row into out[PKTSTATS_N]. */
void pktstats_sum(uint64_t *out);

#endif
