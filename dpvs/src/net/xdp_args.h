/*
 * af_xdp ports: the checks dpvs makes before DPDK's af_xdp driver
 * probes one.  The driver refuses what cannot work too, but late (a
 * queue's socket) or with a bare errno ("Operation not permitted" for an
 * interface that does not exist); these say why, and what to change.
 */
#ifndef DPVS_XDP_ARGS_H
#define DPVS_XDP_ARGS_H

#include <stddef.h>

/*
 * The largest frame an af_xdp port receives: the driver's UMEM is dpvs's
 * mbuf pool, whose mbufs have 2,048 bytes of data room (netif.c checks
 * it is RTE_MBUF_DEFAULT_DATAROOM), and the kernel keeps the first
 * XDP_PACKET_HEADROOM (256) of each for itself.  A longer frame is
 * dropped by the kernel, uncounted by dpvs, so the MTU must fit.
 */
#define XDP_MBUF_DATAROOM 2048
#define XDP_MAX_FRAME (XDP_MBUF_DATAROOM - 256)
/* Ethernet header and one VLAN tag. */
#define XDP_MAX_MTU (XDP_MAX_FRAME - 18)

/* What an af_xdp port's devargs and its kernel interface give dpvs. */
struct xdp_port_args {
	char iface[16];            /* IFNAMSIZ */
	unsigned start_queue;      /* first kernel queue bound (start_queue=) */
	unsigned queue_count;      /* queues bound (queue_count=) */
};

/*
 * Parses devargs ("net_af_xdp0,iface=NAME,start_queue=N,queue_count=N,
 * ..."; the driver's defaults 0 and 1) into a.  0, or -EINVAL with why
 * in err (errlen bytes).
 */
int xdp_parse(const char *devargs, struct xdp_port_args *a, char *err,
	      size_t errlen);
/*
 * Whether the port can work: queue_count rx and tx queues in dpvs's
 * config (a kernel queue bound to no socket sends its traffic past
 * dpvs), an MTU of at most XDP_MAX_MTU, an interface of that name in dpvs's namespace, and as many
 * kernel queues (channels) from start_queue on: the driver binds to
 * combined channels, and an interface without them (a veth) has one.
 * kq is the interface's queue count, or 0 to ask the kernel.  0, or
 * -EINVAL / -ENODEV with why in err.
 */
int xdp_check(const char *devargs, unsigned nrxq, unsigned ntxq, unsigned mtu,
	      unsigned kq, char *err, size_t errlen);
/* The kernel interface's queue count as af_xdp sees it (>= 1), or -errno. */
int xdp_kernel_queues(const char *ifname);

#endif
