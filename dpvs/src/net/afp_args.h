/*
 * The devargs dpvs probes an af_packet port with.  DPDK's driver
 * bypasses the qdisc by default (qdisc_bypass=1): a frame sent while the
 * interface has no carrier then stays in the socket's TX ring, with
 * every frame after it, and the kernel sends them all, stale, when the
 * link returns.  A MASTER's VRRP advert from the moment it lost its link
 * so reaches the peer that took over seconds later, which steps down
 * before the returning MASTER heard it (docs/network.md, section 2).
 * Through the qdisc, the kernel drops what has no carrier.
 */
#ifndef DPVS_AFP_ARGS_H
#define DPVS_AFP_ARGS_H

#include <stddef.h>

/* What dpvs adds to an af_packet port's devargs that do not set it. */
#define AFP_QDISC_ARG ",qdisc_bypass=0"

/*
 * devargs into out (len bytes), with AFP_QDISC_ARG appended for an
 * af_packet port whose devargs do not choose qdisc_bypass themselves.
 * 0, or -ENAMETOOLONG if out is too short (out is then empty).
 */
int afp_devargs(const char *devargs, char *out, size_t len);

#endif
