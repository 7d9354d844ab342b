/*
 * A service's FullNAT local addresses (DPVS_OP_LADDR_*): of either
 * family, since a NAT64 service (IPv6 VIP, IPv4 servers) takes IPv4 ones.
 */
#include "handlers.h"

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "inet_wire.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs_ctl_int.h"
#include "core/lcore.h"
#include "net/inet6addr.h"
#include "net/inetaddr.h"
#include "net/netif.h"
#include "net/route.h"
#include "net/route6.h"

static bool proto_ok(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP;
}

/* Decodes a local-address record and finds its service. */
static struct ipvs_service *laddr_arg(struct rbuf *req, struct ctrl_reply *rep,
				      struct dpvs_laddr *l)
{
	if (wire_dec_laddr(req, l) != DPVS_OK || !proto_ok(l->proto)) {
		ctrl_error(rep, DPVS_EINVAL, "malformed local-address record");
		return NULL;
	}
	return ipvs_ctl_svc_get(rep, l->proto, l->vaf, l->vip, &l->vip6,
				l->vport);
}

int ipvs_ctl_laddr_del(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct dpvs_laddr l;
	struct ipvs_service *svc = laddr_arg(req, rep, &l);
	union inet_addr a;

	if (!svc)
		return (int)rep->status;
	a = inet_of_wire(l.af, l.addr, &l.addr6);
	return ipvs_ctl_errno(rep, ipvs_laddr_del(svc, inet_wire_af(l.af), &a),
			      "local address", svc->af, svc->af);
}

static int not_ours(struct ctrl_reply *rep, const char *a)
{
	return ctrl_error(rep, DPVS_EINVAL, "%s is not an address of this "
			  "host: add it with 'dpip addr add ... sapool' "
			  "first, or name its port", a);
}

/* Replies find their worker by local port only on sapool addresses. */
static int no_sapool(struct ctrl_reply *rep, const char *a)
{
	return ctrl_error(rep, DPVS_EINVAL, "%s has no sapool: with %u "
			  "workers its replies would reach the wrong one; add "
			  "it with 'dpip addr add ... sapool'", a,
			  lcore_nworkers());
}

/* The port named by the record, or NULL (an error reply if unknown). */
static bool named_port(struct ctrl_reply *rep, const struct dpvs_laddr *l,
		       const struct netif_port **p)
{
	*p = l->ifname[0] ? netif_port_by_name(l->ifname) : NULL;
	if (l->ifname[0] && !*p) {
		ctrl_error(rep, DPVS_ENOENT, "no device named '%s'", l->ifname);
		return false;
	}
	return true;
}

static int laddr4_add(struct ctrl_reply *rep, struct ipvs_service *svc,
		      const struct dpvs_laddr *l, const char *str)
{
	uint32_t addr = rte_be_to_cpu_32(l->addr);
	const struct route_entry *r = route_lookup(addr);
	const struct netif_port *p;

	if (!named_port(rep, l, &p))
		return (int)rep->status;
	if (!p && r)
		p = netif_port(r->port);
	/* Replies must come back to us: it has to be one of our addresses. */
	if ((!r || r->type != RT_LOCAL || r->prefix != addr) && p) {
		/* Given a port (keepalived's local_address_group), make it one. */
		int rc = inetaddr_add(p->id, addr, 32, IFA_F_SAPOOL);

		if (rc < 0 && rc != -EEXIST)
			return ctrl_errno(rep, rc, "local address");
		r = route_lookup(addr);
	}
	if (!r || r->type != RT_LOCAL || r->prefix != addr || !p)
		return not_ours(rep, str);
	if (lcore_nworkers() > 1 && !(r->flags & RT_F_SAPOOL))
		return no_sapool(rep, str);
	return ipvs_ctl_errno(rep, ipvs_laddr_add(svc, AF_INET,
						  INET_V4P(addr), p->id),
			      "local address", svc->af, svc->af);
}

static int v6_errno(struct ctrl_reply *rep, int rc, const char *str)
{
	if (rc == -EAFNOSUPPORT)
		return ctrl_error(rep, DPVS_ENOTSUP, "%s: IPv6 addresses are "
				  "not supported by this dpvs yet", str);
	return ctrl_errno(rep, rc, "local address");
}

/* a is an address of port p (or of any port, p NULL) still in DAD. */
static bool tentative6(const struct netif_port *p, const struct in6_addr *a)
{
	uint32_t flags = 0;

	for (uint16_t id = 0; id < NETIF_MAX_PORTS; id++)
		if ((!p || p->id == id) && inet6addr_is_local(id, a, &flags))
			return (flags & IFA6_F_TENTATIVE) != 0;
	return false;
}

static int laddr6_add(struct ctrl_reply *rep, struct ipvs_service *svc,
		      const struct dpvs_laddr *l, const char *str)
{
	union inet_addr a = inet_v6(&l->addr6);
	const struct route6_entry *r = route6_find(&l->addr6, 128);
	const struct netif_port *p;

	if (!named_port(rep, l, &p))
		return (int)rep->status;
	if (!p && r && r->type == RT_LOCAL)
		p = netif_port(r->port);
	/*
	 * Given a port (keepalived's local_address_group), make it one.  No
	 * DAD: it would stay tentative, and refused here, for a second, and
	 * the peer of an HA pair holds the same address.
	 */
	if ((!r || r->type != RT_LOCAL) && p) {
		int rc = inet6addr_add(p->id, &l->addr6, 128,
				       IFA_F_SAPOOL | IFA6_F_NODAD);

		if (rc < 0 && rc != -EEXIST)
			return v6_errno(rep, rc, str);
		r = route6_find(&l->addr6, 128);
	}
	if ((!r || r->type != RT_LOCAL) && tentative6(p, &l->addr6))
		return ctrl_error(rep, DPVS_EBUSY, "%s is still tentative "
				  "(duplicate address detection): try again "
				  "when 'dpip -6 addr' no longer says tentative, "
				  "or add it with nodad", str);
	if (!r || r->type != RT_LOCAL || !p)
		return not_ours(rep, str);
	if (lcore_nworkers() > 1 && !(r->flags & RT_F_SAPOOL))
		return no_sapool(rep, str);
	return ipvs_ctl_errno(rep, ipvs_laddr_add(svc, AF_INET6, &a, p->id),
			      "local address", svc->af, svc->af);
}

int ipvs_ctl_laddr_add(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct dpvs_laddr l;
	struct ipvs_service *svc = laddr_arg(req, rep, &l);
	char str[INET_ADDRSTR_MAX];
	union inet_addr a;

	if (!svc)
		return (int)rep->status;
	a = inet_of_wire(l.af, l.addr, &l.addr6);
	inet_wire_str(l.af, &a, str);
	if (inet_addr_is_any(&a))
		return ctrl_error(rep, DPVS_EINVAL, "no local address");
	return l.af == AF_INET6 ? laddr6_add(rep, svc, &l, str) :
				  laddr4_add(rep, svc, &l, str);
}

static void put_laddrs(struct ipvs_service *svc, void *arg)
{
	struct list_ctx *ctx = arg;

	if (ctx->only && ctx->only != svc)
		return;
	for (const struct ipvs_laddr *l = svc->laddrs; l; l = l->next) {
		const struct netif_port *p = netif_port(l->port_id);
		struct dpvs_laddr o = {
			.proto = svc->proto,
			.vport = svc->vport,
		};

		inet_to_wire(svc->af, &svc->vip, &o.vaf, &o.vip, &o.vip6);
		inet_to_wire(l->af, &l->addr, &o.af, &o.addr, &o.addr6);
		snprintf(o.ifname, sizeof(o.ifname), "%s", p ? p->name : "?");
		for (unsigned w = 0; w < lcore_nworkers(); w++)
			o.conns += __atomic_load_n(&l->conns[w * 8], __ATOMIC_RELAXED);
		ipvs_port_usage(l, &o.ports_free, &o.ports_total);
		wire_enc_laddr(ctx->b, &o);
		ctx->n++;
	}
}

int ipvs_ctl_laddr_list(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct list_ctx ctx = { &rep->data, 0, NULL };
	struct dpvs_service key;
	size_t at;

	if (ipvs_ctl_only_svc(req, rep, &ctx.only, &key) != DPVS_OK)
		return (int)rep->status;
	at = ctrl_list_begin(&rep->data);
	ipvs_svc_walk(put_laddrs, &ctx);
	ctrl_list_end(&rep->data, at, ctx.n);
	return DPVS_OK;
}
