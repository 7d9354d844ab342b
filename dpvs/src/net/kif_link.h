/*
 * The link of a port whose PMD cannot see it.  DPDK's af_packet driver
 * always reports the link up; its kernel interface (a veth, a NIC left
 * to the kernel) knows, so the link job asks the kernel instead.
 */
#ifndef DPVS_KIF_LINK_H
#define DPVS_KIF_LINK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether devargs name an af_packet port ("net_af_packet0,iface=NAME,
 * ...", or eth_af_packet); NAME into out (len bytes, at most IFNAMSIZ).
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
