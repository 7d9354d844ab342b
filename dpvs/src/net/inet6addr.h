/*
 * IPv6 interface addresses (master only), the sibling of inetaddr.h.
 * Adding one installs its connected route at once and, once DAD passed
 * (or at once with IFA6_F_NODAD), its /128 RT_LOCAL route, then
 * announces it with an unsolicited NA.  Link-local addresses belong to
 * the kernel twin and are refused.
 */
#ifndef DPVS_INET6ADDR_H
#define DPVS_INET6ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include "core/conf.h"
#include "inetaddr.h"

#define IFA6_F_NODAD 0x100        /* no DAD (keepalived's VIPs, tests) */
#define IFA6_F_TENTATIVE 0x200    /* listing only: DAD running */
#define IFA6_F_DADFAILED 0x400    /* listing only: a duplicate answered */

int inet6addr_init(const struct dpvs_conf *c);
void inet6addr_fini(void);
void inet6addr_set_params(const struct dpvs_conf *c);

/* flags IFA_F_* | IFA6_F_NODAD.  0 or -EEXIST, -ENOENT, -ENOSPC, -EINVAL. */
int inet6addr_add(uint16_t port, const struct in6_addr *a, uint8_t plen, uint32_t flags);
int inet6addr_del(uint16_t port, const struct in6_addr *a, uint8_t plen);
void inet6addr_walk(void (*fn)(uint16_t port, const struct in6_addr *a, uint8_t plen,
			       uint32_t flags, void *arg), void *arg);
void inet6addr_flush(void);
/* Unsolicited NAs for a (dpip garp, the HA announce).  0 or -errno. */
int inet6addr_una(uint16_t port, const struct in6_addr *a);
/* inetaddr_ha_announce() calls it: UNAs for every HA address. */
void inet6addr_ha_announce(void);
unsigned inet6addr_flush_leased(void);
bool inet6addr_leased_gone(const struct in6_addr *a);
/* A preferred global address of port, to send from; false: none. */
bool inet6addr_port_source(uint16_t port, struct in6_addr *out);
/* a is one of port's addresses (any state); *flags its IFA_F_* | IFA6_F_*. */
bool inet6addr_is_local(uint16_t port, const struct in6_addr *a, uint32_t *flags);
void inet6addr_count(unsigned *n, unsigned *ha, unsigned *leased);
/*
 * Worker: a is a tentative (DAD running) address of port.  Costs one
 * load while no DAD runs, which is nearly always.
 */
bool inet6addr_tentative(uint16_t port, const struct in6_addr *a);

#endif
