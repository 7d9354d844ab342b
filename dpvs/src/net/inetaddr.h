/*
 * Interface addresses (master only).  Adding one installs a /32 local
 * route and, below /32, the connected route of its subnet (shared by
 * addresses in the same subnet), and announces it with a gratuitous ARP.
 */
#ifndef DPVS_INETADDR_H
#define DPVS_INETADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"

#define INETADDR_MAX 1024

/* Address flags; the local route of the address carries them (RT_F_*). */
#define IFA_F_SAPOOL RT_F_SAPOOL  /* serves as a FullNAT local address */
/*
 * HA (docs/ha.md): an address both LBs of the pair configure, live only
 * while this dpvs holds the HA lease; and one the lease holder added
 * (its VIPs), removed when the lease ends.
 */
#define IFA_F_HA     RT_F_HA
#define IFA_F_LEASED RT_F_LEASED

/* addr in host order, flags IFA_F_*.  0 or -EEXIST, -ENOENT, -ENOSPC, -EINVAL. */
int inetaddr_add(uint16_t port, uint32_t addr, uint8_t plen, uint32_t flags);
int inetaddr_del(uint16_t port, uint32_t addr, uint8_t plen);
void inetaddr_walk(void (*fn)(uint16_t port, uint32_t addr, uint8_t plen,
			      uint32_t flags, void *arg), void *arg);
void inetaddr_flush(void);
/* Announces addr (host order) from port.  0 or -ENOBUFS. */
int inetaddr_garp(uint16_t port, uint32_t addr);

/*
 * Whether HA addresses are live now (the lease is held): read by the
 * workers (ARP, FullNAT source choice) without a lock.
 */
bool inetaddr_ha_active(void);
/* Master: on taking the lease (GARPs every HA address) and on losing it. */
void inetaddr_ha_set_active(bool on);
/* Master: removes every LEASED address; returns how many went. */
unsigned inetaddr_flush_leased(void);

#endif
