/*
 * The link of a port whose PMD cannot see it.  DPDK's af_packet and
 * af_xdp drivers always report the link up; their kernel interface (a
 * veth, a NIC left to the kernel) knows, so the link job asks the kernel
 * instead.
 */
#ifndef DPVS_KIF_LINK_H
#define DPVS_KIF_LINK_H

#include <stdbool.h>
#include <stddef.h>

/* Whether devargs name an af_packet port (net_af_packet, eth_af_packet). */
bool kif_is_af_packet(const char *devargs);
/* Whether devargs name an af_xdp port (net_af_xdp, eth_af_xdp). */
bool kif_is_af_xdp(const char *devargs);
/*
 * Whether devargs name an af_packet or af_xdp port with its kernel
 * interface ("net_af_packet0,iface=NAME,...", eth_af_packet, net_af_xdp,
 * eth_af_xdp); NAME into out (len bytes, at most IFNAMSIZ).
 */
bool kif_of_devargs(const char *devargs, char *out, size_t len);
/*
 * The kernel interface's link in dpvs's network namespace: 1 when up
 * and running (carrier), 0 when not, -errno if it cannot be read.
 */
int kif_link_up(const char *ifname);
/* Closes the socket kif_link_up() keeps. */
void kif_link_fini(void);

#endif
