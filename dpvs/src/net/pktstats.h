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
	X(ipvs_reply_taken) /* NAT reply tuple taken from a conn that is over */\
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
	X(tun_frag_fail)  /* dropped: TUN packet past the MTU, no mbuf */      \
	X(ip6_rx)         /* IPv6 packets taken by the IPv6 path */          \
	X(ip6_bad_hdr)    /* version, short header or multicast source */   \
	X(ip6_bad_len)    /* payload length beyond the frame; jumbogram */   \
	X(ip6_ext_trunc)  /* an extension header beyond the first segment */ \
	X(ip6_ext_too_many) /* more than 8 extension headers */              \
	X(ip6_ext_order)  /* Hop-by-Hop not first, or two Fragment headers */\
	X(ip6_hbh_opt)    /* a bad option, or one whose type says discard */ \
	X(ip6_rh_segleft) /* Routing header with segments left, or type 0 */ \
	X(ip6_frag)       /* fragments (handed to the kernel path) */        \
	X(ip6_frag_bad)   /* dropped: bad fragment length */                 \
	X(ip6_other)      /* AH, ESP, unknown next header: to the kernel */  \
	X(ip6_hop_limit)  /* hop limit expired while forwarding */           \
	X(ip6_no_route)   /* no route to the destination */                  \
	X(ip6_not_local)  /* not ours and forwarding is off */               \
	X(ip6_forwarded)  /* routed out of a port */                         \
	X(ip6_tentative)  /* dropped: to an address still in DAD */          \
	X(icmp6_bad)      /* dropped: short ICMPv6 or bad checksum */        \
	X(icmp6_echo)     /* echo requests to a local address answered */    \
	X(icmp6_err_sent) /* ICMPv6 errors sent (PTB, time exceeded, ...) */ \
	X(icmp6_err_limited) /* errors not sent: ipv6.icmp_error_pps */      \
	X(nd_bad)         /* dropped: NDP failing RFC 4861 7.1 checks */     \
	X(nd_ns_replied)  /* NS for a local address answered */              \
	X(nd_na_learned)  /* neighbours learnt from NDP */                   \
	X(nd_ignored)     /* NDP from an unknown sender, not aimed at us */  \
	X(nd_learn_limited) /* NDP news not passed on: neigh.learn_rate */   \
	X(nd_ha_inactive) /* NS for an HA address unanswered: no lease */    \
	X(nd_dad_conflict) /* a duplicate of a tentative address heard */    \
	X(nd_una_sent)    /* unsolicited NAs sent */                         \
	X(nd_ns_sent)     /* NS sent to resolve a next hop */                \
	X(neigh6_queued)  /* held while the IPv6 next hop resolves */        \
	X(neigh6_full)    /* dropped: IPv6 resolution queue full */          \
	X(neigh6_timeout) /* dropped: IPv6 next hop did not answer NS */     \
	X(ipvs6_bad_l4)   /* truncated TCP/UDP header to an IPv6 service */  \
	X(ipvs6_digest_clash) /* new IPv6 conn refused: key digest clash */  \
	X(ipvs6_ptb_relayed) /* ICMPv6 packet-too-big relayed to a conn */   \
	X(nat64_frag)     /* NAT64: fragments dropped */                     \
	X(nat64_too_big)  /* NAT64: reply past the IPv6 MTU, no DF: dropped */\
	X(nat64_bad_icmp) /* NAT64: ICMP not translatable: dropped */        \
	X(nat64_csum)     /* NAT64: UDP zero checksum computed */            \
	X(tun6_too_big)   /* TUN6: past the MTU; PTB sent or dropped */      \
	X(kni_na_vip_dropped) /* master: kernel NA claiming a lost VIP */     \
	X(nat64_no_room)  /* NAT64: no headroom for the IPv6 header: dropped */

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
