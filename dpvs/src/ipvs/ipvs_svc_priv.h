/*
 * Between the files that keep the services (ipvs_svc.c, ipvs_dest.c,
 * ipvs_laddr.c, ipvs_snap.c, ipvs_refs.c, ipvs_counters.c, ipvs_rate.c,
 * ipvs_stats.c); the rest of the daemon uses ipvs.h only.
 */
#ifndef DPVS_IPVS_SVC_PRIV_H
#define DPVS_IPVS_SVC_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "ipvs.h"

/* Workers counted when the table was made (ipvs_svc.c); 0 before. */
unsigned ipvs_nworkers(void);
/* Between ipvs_svc_table_init and _fini: walks are allowed. */
bool ipvs_svc_table_ready(void);

/*
 * Builds the service's snapshot from its master lists and swaps it in;
 * the old one is freed after a grace period (ipvs_snap.c).  -ENOMEM
 * leaves the old one in place.
 */
int ipvs_snap_publish(struct ipvs_service *s);
/*
 * The same without waiting: the old one is freed once a later call sees
 * its grace period over.  Only where the old snapshot names nothing that
 * is freed next (an add or an edit, not a delete).
 */
int ipvs_snap_publish_lazy(struct ipvs_service *s);
/* Waits out a grace period and frees every replaced snapshot. */
void ipvs_snap_quiesce(void);
/* Frees a snapshot no worker can still read. */
void ipvs_snap_free(struct svc_snap *sn);

/* One zeroed element per worker, a cache line apart (ipvs_refs.c). */
void *ipvs_pc_alloc(size_t elem);
/* Adds delta to ipvs_nat_dests if d forwards by NAT. */
void ipvs_nat_count(const struct ipvs_dest *d, int delta);

/*
 * What the log names an object by (ipvs_svc.c): "TCP 10.0.0.100:80",
 * "TCP [2001:db8::1]:80", "10.0.1.11:80" (port 0: the address alone),
 * the forwarding method.  Room for "proto 255 [<46>]:65535".
 */
#define IPVS_NAME_LEN 72
const char *ipvs_svc_str(const struct ipvs_service *s, char *buf, size_t len);
const char *ipvs_addr_str(uint8_t af, const union inet_addr *addr, uint16_t port,
			  char *buf, size_t len);
const char *ipvs_fwd_str(uint8_t fwd);

/* to += x (ipvs_counters.c). */
void ipvs_counters_add(struct ipvs_counters *to, const struct ipvs_counters *x);
/* d->total from the workers' raw sum, less the zeroing baseline. */
void ipvs_dest_set_total(struct ipvs_dest *d, const struct ipvs_counters *raw);

#endif
