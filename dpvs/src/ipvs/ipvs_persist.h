/*
 * Persistence templates: (service, client network) -> real server, shared
 * by all workers so a client's connections reach the same server whichever
 * worker they land on.  Lookups are lock-free; creating a template takes
 * the hash's writer lock, once per client network per timeout.  The master
 * expires templates.  v6 services' templates share the table, keyed by
 * the client's prefix of the service's length (-M 64: the /64), naming
 * a v6 server or, for NAT64, a v4 one.
 */
#ifndef DPVS_IPVS_PERSIST_H
#define DPVS_IPVS_PERSIST_H

#include <stdint.h>

#include <netinet/in.h>

#include "ipvs.h"

int ipvs_persist_init(uint32_t max_templates);
/* Bytes of DPDK memory ipvs_persist_init(n) takes (start-up checks). */
uint64_t ipvs_persist_mem_need(uint32_t max_templates);
void ipvs_persist_fini(void);
/* Key slots in use (deleted ones still waiting count) and the limit. */
void ipvs_persist_usage(uint32_t *used, uint32_t *size);

/*
 * The server a client network is pinned to, as an index into sn->dests,
 * or -1 (no template, or its server is gone or unusable).
 */
int ipvs_persist_lookup(const struct ipvs_service *svc,
			const struct svc_snap *sn, uint32_t caddr);
/* Pins the client network to sn->dests[i] for the service's timeout. */
void ipvs_persist_bind(const struct ipvs_service *svc,
		       const struct svc_snap *sn, uint32_t caddr, int i);
/* The same for a v6 service: the client's first sn->plen6 bits. */
int ipvs_persist_lookup6(const struct ipvs_service *svc,
			 const struct svc_snap *sn, const struct in6_addr *caddr);
void ipvs_persist_bind6(const struct ipvs_service *svc,
			const struct svc_snap *sn, const struct in6_addr *caddr,
			int i);
/*
 * Master loop job: removes expired templates, a slice of at most
 * ipvs_persist_slice() key positions and IPVS_PERSIST_EXPIRE_MAX
 * deletes (one grace period) per call.  A pass over the table starts once a second;
 * the job reports work until it ends.
 */
#define IPVS_PERSIST_EXPIRE_MAX 1024
int ipvs_persist_expire_job(void *arg);
uint32_t ipvs_persist_slice(void);
/* Totals since init: positions scanned, templates expired, passes. */
void ipvs_persist_expire_stats(uint64_t *scanned, uint64_t *expired,
			       uint64_t *passes);

#endif
