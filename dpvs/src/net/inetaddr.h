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

/*
 * addr in host order, flags IFA_F_* (an HA address is a /32).  0 or
 * -EEXIST, -ENOENT, -ENOSPC, -EINVAL.
 */
int inetaddr_add(uint16_t port, uint32_t addr, uint8_t plen, uint32_t flags);
int inetaddr_del(uint16_t port, uint32_t addr, uint8_t plen);
void inetaddr_walk(void (*fn)(uint16_t port, uint32_t addr, uint8_t plen,
			      uint32_t flags, void *arg), void *arg);
void inetaddr_flush(void);
/*
 * Announces addr (host order) from port.  0, -ENOBUFS, or -EADDRNOTAVAIL
 * for an HA address while HA addresses are inactive.
 */
int inetaddr_garp(uint16_t port, uint32_t addr);

/*
 * Whether HA addresses are live now (the lease is held): read by the
 * workers (ARP, FullNAT source choice) without a lock.  While they are
 * not, dpvs neither answers ARP for them nor announces them, and new
 * FullNAT connections do not use them; packets that still arrive for
 * them (connections made before) are handled as on any local address.
 */
bool inetaddr_ha_active(void);
/*
 * Master: on taking the lease and on losing it.  Turning on announces
 * every HA address at once and count - 1 more times, interval_ms apart
 * (a timer: the backends' ARP caches follow).
 */
void inetaddr_ha_set_active(bool on);
#define INETADDR_HA_GARP_COUNT 3
#define INETADDR_HA_GARP_INTERVAL_MS 100
/*
 * Master, while active: the announcements again, as on turning on.  A
 * call while they run gives them their full count again at their pace:
 * never more than one round an interval.
 */
void inetaddr_ha_announce(void);
/* The announcements' count (>= 1) and interval; 0 keeps the current one. */
void inetaddr_ha_set_garp(uint32_t count, uint32_t interval_ms);
/* Master: removes every LEASED address (IPv6 ones too) with its routes; how many went. */
unsigned inetaddr_flush_leased(void);
/*
 * Master: whether addr (host order) was added LEASED and not deleted
 * since by inetaddr_del() or inetaddr_flush() (the lease's end does not
 * forget it): the peer's while this dpvs does not hold it, so the
 * kernel path must never answer ARP for it.  At most
 * INETADDR_LEASED_SEEN_MAX are remembered; beyond, the oldest no longer
 * configured is forgotten.
 */
#define INETADDR_LEASED_SEEN_MAX INETADDR_MAX
bool inetaddr_was_leased(uint32_t addr);
/*
 * Master: was leased and is not configured now (the lease ended): the
 * peer's.  While dpvs has it, the kernel's claims (keepalived's
 * gratuitous ARP on the TAP) say what dpvs says.
 */
bool inetaddr_leased_gone(uint32_t addr);
/* How many are remembered. */
unsigned inetaddr_leased_seen(void);
/* Master: how many HA and LEASED addresses are configured. */
void inetaddr_count(unsigned *ha, unsigned *leased);

#endif
