/*
 * What the load balancer's handlers share (ipvs_ctl.c, the services and
 * real servers; ipvs_laddr_ctl.c, the local addresses).
 */
#ifndef DPVS_IPVS_CTL_INT_H
#define DPVS_IPVS_CTL_INT_H

#include <stdint.h>

#include "ctrl/ctrl.h"

struct ipvs_service;

struct list_ctx {
	struct wbuf *b;
	uint32_t n;
	const struct ipvs_service *only;
};

/* The service of a record's key; NULL after a "no such service" reply. */
struct ipvs_service *ipvs_ctl_svc_get(struct ctrl_reply *rep, uint8_t proto,
				      uint8_t af, uint32_t vip,
				      const struct in6_addr *vip6,
				      uint16_t vport);
/* An optional service record narrows a list to that service (*key). */
int ipvs_ctl_only_svc(struct rbuf *req, struct ctrl_reply *rep,
		      const struct ipvs_service **out,
		      struct dpvs_service *key);
/*
 * ctrl_errno() plus the ipvs layer's -EAFNOSUPPORT: a family pair it
 * refuses (svc_af, af: the service's and the object's), or IPv6 where
 * this daemon has no IPv6 tables.
 */
int ipvs_ctl_errno(struct ctrl_reply *rep, int rc, const char *what,
		   uint8_t svc_af, uint8_t af);

int ipvs_ctl_laddr_add(uint32_t op, struct rbuf *req, struct ctrl_reply *rep);
int ipvs_ctl_laddr_del(uint32_t op, struct rbuf *req, struct ctrl_reply *rep);
int ipvs_ctl_laddr_list(uint32_t op, struct rbuf *req, struct ctrl_reply *rep);

#endif
