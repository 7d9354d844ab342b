/* Control operations of the network stack (ids 0x0200-0x02ff). */
#include "handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "net/inetaddr.h"
#include "ipvs/ipvs_conn.h"
#include "net/kni.h"
#include "core/lcore.h"
#include "core/log.h"
#include "net/neigh.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"
#include "netif6_ctl.h"

static const struct netif_port *port_arg(struct ctrl_reply *rep,
					 const char *name)
{
	const struct netif_port *p = netif_port_by_name(name);

	if (!p)
		ctrl_error(rep, DPVS_ENOENT, "no device named '%s'", name);
	return p;
}

static void put_link(const struct netif_port *p, void *arg)
{
	struct wbuf *b = arg;
	struct dpvs_link_info l = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_stats st = { 0 };
	struct kni_port_stats ks;

	snprintf(l.name, sizeof(l.name), "%s", p->name);
	snprintf(l.kni_name, sizeof(l.kni_name), "%s", p->kni_name);
	if (rte_eth_dev_info_get(p->id, &info) == 0 && info.driver_name)
		snprintf(l.driver, sizeof(l.driver), "%s", info.driver_name);
	l.port_id = p->id;
	memcpy(l.mac, p->mac.addr_bytes, 6);
	l.mtu = p->mtu;
	l.flags = (p->link_up ? DPVS_LINK_UP : 0) |
		  (p->promisc ? DPVS_LINK_PROMISC : 0) |
		  (p->kni_name[0] ? DPVS_LINK_KNI : 0);
	l.speed_mbps = p->speed;
	l.nrxq = p->nrxq;
	l.ntxq = p->ntxq;
	rte_eth_stats_get(p->id, &st);
	l.ipackets = st.ipackets;
	l.opackets = st.opackets;
	l.ibytes = st.ibytes;
	l.obytes = st.obytes;
	l.imissed = st.imissed;
	l.ierrors = st.ierrors;
	l.oerrors = st.oerrors;
	l.rx_nombuf = st.rx_nombuf;
	kni_stats(p->id, &ks);
	l.kni_to_kernel = ks.to_kernel;
	l.kni_from_kernel = ks.from_kernel;
	l.kni_dropped = ks.dropped;
	wire_enc_link(b, &l);
}

static int op_link_list(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep)
{
	wb_u32(&rep->data, netif_nports());
	netif_port_walk(put_link, &rep->data);
	return DPVS_OK;
}

static void put_counter(struct wbuf *b, const char *name, uint64_t value)
{
	struct dpvs_counter c = { .value = value };

	snprintf(c.name, sizeof(c.name), "%s", name);
	wire_enc_counter(b, &c);
}

/* No payload: the sum over lcores plus mbuf pool usage; u32: one lcore. */
static int op_pkt_stats(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct rte_mempool *pool = netif_pktpool();
	uint64_t v[PKTSTATS_N];
	bool one = rb_left(req) == 4;
	uint32_t lc = one ? rb_u32(req) : 0;

	if (one && (lc >= RTE_MAX_LCORE || lcore_role(lc) == ROLE_NONE))
		return ctrl_error(rep, DPVS_ENOENT, "lcore %u is not used by dpvs",
				  lc);
	if (one)
		memcpy(v, &pktstats[lc], sizeof(v));
	else
		pktstats_sum(v);
	wb_u32(&rep->data, (uint32_t)PKTSTATS_N + (one || !pool ? 0 : 2));
	for (unsigned i = 0; i < PKTSTATS_N; i++)
		put_counter(&rep->data, pktstats_names[i], v[i]);
	if (!one && pool) {
		put_counter(&rep->data, "mbuf_pool_size", pool->size);
		put_counter(&rep->data, "mbuf_pool_in_use",
			    rte_mempool_in_use_count(pool));
	}
	return DPVS_OK;
}

static int op_link_xstats(uint32_t op __rte_unused, struct rbuf *req,
			  struct ctrl_reply *rep)
{
	char name[DPVS_IFNAME_MAX + 1];
	const struct netif_port *p;
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n;

	rb_str(req, name, DPVS_IFNAME_MAX);
	p = port_arg(rep, name);
	if (!p)
		return (int)rep->status;
	n = rte_eth_xstats_get_names(p->id, NULL, 0);
	if (n > 0) {
		names = calloc((size_t)n, sizeof(*names));
		vals = calloc((size_t)n, sizeof(*vals));
	}
	if (n > 0 && names && vals &&
	    rte_eth_xstats_get_names(p->id, names, (unsigned)n) == n &&
	    rte_eth_xstats_get(p->id, vals, (unsigned)n) == n) {
		wb_u32(&rep->data, (uint32_t)n);
		for (int i = 0; i < n; i++)
			put_counter(&rep->data, names[vals[i].id].name, vals[i].value);
	} else {
		wb_u32(&rep->data, 0);
	}
	free(names);
	free(vals);
	return DPVS_OK;
}

/* The wire's address flags to the data plane's; unknown bits are dropped. */
static uint32_t ifa_flags_of(uint32_t wire)
{
	return ((wire & DPVS_ADDR_F_SAPOOL) ? IFA_F_SAPOOL : 0) |
	       ((wire & DPVS_ADDR_F_HA) ? IFA_F_HA : 0) |
	       ((wire & DPVS_ADDR_F_LEASED) ? IFA_F_LEASED : 0);
}

/* Listing: an HA address also says whether it is live now (HA_ACTIVE,
 * never an input). */
static uint32_t wire_addr_flags(uint32_t ifa)
{
	return ((ifa & IFA_F_SAPOOL) ? DPVS_ADDR_F_SAPOOL : 0) |
	       ((ifa & IFA_F_HA) ? DPVS_ADDR_F_HA : 0) |
	       ((ifa & IFA_F_HA) && inetaddr_ha_active() ?
			DPVS_ADDR_F_HA_ACTIVE : 0) |
	       ((ifa & IFA_F_LEASED) ? DPVS_ADDR_F_LEASED : 0);
}

/* Decodes an address record; NULL (rep set) if it or its port is bad. */
static const struct netif_port *addr_arg(struct rbuf *req,
					 struct ctrl_reply *rep,
					 struct dpvs_addr *a, uint32_t *addr)
{
	if (wire_dec_addr(req, a) != DPVS_OK) {
		ctrl_error(rep, DPVS_EINVAL, "malformed address record");
		return NULL;
	}
	*addr = rte_be_to_cpu_32(a->addr);
	return port_arg(rep, a->ifname);
}

static int addr_invalid(struct ctrl_reply *rep, const struct dpvs_addr *a)
{
	return ctrl_error(rep, DPVS_EINVAL, "invalid address or prefix "
			  "length /%u", a->plen);
}

static void log_addr(const struct netif_port *p, uint32_t addr, uint8_t plen,
		     const char *what)
{
	LOG_INFOX("netif", "%s: address %u.%u.%u.%u/%u %s", p->name,
		  addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		  addr & 0xff, plen, what);
}

static int op_addr_add(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct dpvs_addr a;
	uint32_t addr, flags;
	const struct netif_port *p = addr_arg(req, rep, &a, &addr);
	int rc;

	if (!p)
		return (int)rep->status;
	if (a.af == AF_INET6)
		return netif6_addr_add(rep, p, &a);
	if (a.plen == 0 || a.plen > 32 || addr == 0)
		return addr_invalid(rep, &a);
	flags = ifa_flags_of(a.flags);
	if ((flags & IFA_F_HA) && a.plen != 32)
		return ctrl_error(rep, DPVS_EINVAL, "an ha address is a /32, "
				  "not /%u (a subnet route would announce it "
				  "while the peer owns it)", a.plen);
	/* A local address re-added must stay sapool (see op_laddr). */
	if (lcore_nworkers() > 1 && !(flags & IFA_F_SAPOOL) &&
	    ipvs_port_set_used(addr))
		return ctrl_error(rep, DPVS_EINVAL, "%u.%u.%u.%u is a FullNAT "
				  "local address: with %u workers it needs "
				  "sapool", addr >> 24, (addr >> 16) & 0xff,
				  (addr >> 8) & 0xff, addr & 0xff,
				  lcore_nworkers());
	rc = inetaddr_add(p->id, addr, a.plen, flags);
	if (rc == 0)
		log_addr(p, addr, a.plen, "added");
	return ctrl_errno(rep, rc, "address");
}

static int op_addr_del(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct dpvs_addr a;
	uint32_t addr;
	const struct netif_port *p = addr_arg(req, rep, &a, &addr);
	int rc;

	if (!p)
		return (int)rep->status;
	if (a.af == AF_INET6)
		return netif6_addr_del(rep, p, &a);
	if (a.plen > 32 || addr == 0)
		return addr_invalid(rep, &a);
	rc = inetaddr_del(p->id, addr, a.plen);
	if (rc == 0)
		log_addr(p, addr, a.plen, "deleted");
	return ctrl_errno(rep, rc, "address");
}

static int op_garp(uint32_t op __rte_unused, struct rbuf *req,
		   struct ctrl_reply *rep)
{
	struct dpvs_addr a;
	uint32_t addr;
	const struct netif_port *p = addr_arg(req, rep, &a, &addr);
	int rc;

	if (!p)
		return (int)rep->status;
	if (a.af == AF_INET6)
		return netif6_una(rep, p, &a);
	rc = inetaddr_garp(p->id, addr);
	if (rc == -EADDRNOTAVAIL)
		return ctrl_error(rep, DPVS_EINVAL, "garp: an ha address is "
				  "announced only while this dpvs holds the "
				  "HA lease");
	return ctrl_errno(rep, rc, "garp");
}

static void put_addr(uint16_t port, uint32_t addr, uint8_t plen,
		     uint32_t flags, void *arg)
{
	const struct netif_port *p = netif_port(port);
	struct dpvs_addr a = { .addr = rte_cpu_to_be_32(addr), .plen = plen,
			       .flags = wire_addr_flags(flags) };
	uint32_t *n = ((uint32_t **)arg)[1];

	snprintf(a.ifname, sizeof(a.ifname), "%s", p ? p->name : "?");
	wire_enc_addr(((struct wbuf **)arg)[0], &a);
	(*n)++;
}

static int op_addr_list(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep)
{
	uint32_t n = 0;
	void *ctx[2] = { &rep->data, &n };
	size_t at = ctrl_list_begin(&rep->data);

	inetaddr_walk(put_addr, ctx);
	netif6_addr_list(&rep->data, &n);
	ctrl_list_end(&rep->data, at, n);
	return DPVS_OK;
}

/* The wire's route types to the data plane's; 0 for none. */
static uint8_t route_type_of(uint32_t wire)
{
	switch (wire) {
	case DPVS_RT_LOCAL: return RT_LOCAL;
	case DPVS_RT_CONNECTED: return RT_CONNECTED;
	case DPVS_RT_GATEWAY: return RT_GATEWAY;
	case DPVS_RT_KNI: return RT_KNI;
	default: return 0;
	}
}

uint32_t netif_wire_route_type(uint8_t type)
{
	switch (type) {
	case RT_LOCAL: return DPVS_RT_LOCAL;
	case RT_CONNECTED: return DPVS_RT_CONNECTED;
	case RT_GATEWAY: return DPVS_RT_GATEWAY;
	case RT_KNI: return DPVS_RT_KNI;
	default: return 0;
	}
}

static int route_arg(struct rbuf *req, struct ctrl_reply *rep,
		     struct dpvs_route *r)
{
	if (wire_dec_route(req, r) != DPVS_OK)
		return ctrl_error(rep, DPVS_EINVAL, "malformed route record");
	if (r->plen > (r->af == AF_INET6 ? 128 : 32))
		return ctrl_error(rep, DPVS_EINVAL, "prefix length /%u", r->plen);
	return DPVS_OK;
}

/* ARP needs a source: borrow the port's address on that link. */
static int connected_src(struct ctrl_reply *rep, const struct netif_port *p,
			 struct route_entry *e)
{
	const struct route_entry *via = route_lookup(e->prefix);

	e->src = via && via->port == p->id ? via->src : 0;
	if (!e->src)
		return ctrl_error(rep, DPVS_EINVAL, "no address of %s on "
				  "that link to send ARP from: add one "
				  "or give 'src'", p->name);
	return DPVS_OK;
}

#define IP4(a) (a) >> 24, ((a) >> 16) & 0xff, ((a) >> 8) & 0xff, (a) & 0xff

static void log_route(const struct route_entry *e, const struct netif_port *p,
		      const char *what)
{
	if (e->gw)
		LOG_INFOX("route", "route %u.%u.%u.%u/%u via %u.%u.%u.%u dev %s %s",
			  IP4(e->prefix), e->plen, IP4(e->gw), p->name, what);
	else
		LOG_INFOX("route", "route %u.%u.%u.%u/%u dev %s %s",
			  IP4(e->prefix), e->plen, p->name, what);
}

static int op_route_add(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct dpvs_route r;
	struct route_entry e = { 0 };
	const struct netif_port *p;
	int rc;

	if (route_arg(req, rep, &r) != DPVS_OK)
		return (int)rep->status;
	p = port_arg(rep, r.ifname);
	if (!p)
		return (int)rep->status;
	e.type = route_type_of(r.type);
	if (e.type != RT_CONNECTED && e.type != RT_GATEWAY && e.type != RT_KNI)
		return ctrl_error(rep, DPVS_EINVAL, "route type %u cannot be "
				  "added by hand", r.type);
	if (r.af == AF_INET6)
		return netif6_route_add(rep, p, &r, e.type);
	if (e.type == RT_GATEWAY && r.gw == 0)
		return ctrl_error(rep, DPVS_EINVAL, "a gateway route needs 'via'");
	e.prefix = rte_be_to_cpu_32(r.prefix);
	e.plen = r.plen;
	e.port = p->id;
	e.gw = rte_be_to_cpu_32(r.gw);
	e.src = rte_be_to_cpu_32(r.src);
	if (e.type == RT_CONNECTED && !e.src &&
	    connected_src(rep, p, &e) != DPVS_OK)
		return (int)rep->status;
	e.refs = 1;
	rc = route_add(&e);
	if (rc == 0)
		log_route(&e, p, "added");
	return ctrl_errno(rep, rc, "route");
}

static int op_route_del(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct dpvs_route r;
	uint32_t prefix;
	int rc;

	if (route_arg(req, rep, &r) != DPVS_OK)
		return (int)rep->status;
	if (r.af == AF_INET6)
		return netif6_route_del(rep, &r);
	prefix = rte_be_to_cpu_32(r.prefix);
	rc = route_del_user(prefix, r.plen);
	if (rc == 0)
		LOG_INFOX("route", "route %u.%u.%u.%u/%u removed", IP4(prefix),
			  r.plen);
	return ctrl_errno(rep, rc, "route");
}

static void put_route(const struct route_entry *e, void *arg)
{
	const struct netif_port *p = netif_port(e->port);
	struct dpvs_route r = {
		.prefix = rte_cpu_to_be_32(e->prefix),
		.plen = e->plen,
		.type = netif_wire_route_type(e->type),
		.gw = rte_cpu_to_be_32(e->gw),
		.src = rte_cpu_to_be_32(e->src),
	};
	uint32_t *n = ((uint32_t **)arg)[1];

	snprintf(r.ifname, sizeof(r.ifname), "%s", p ? p->name : "?");
	wire_enc_route(((struct wbuf **)arg)[0], &r);
	(*n)++;
}

static int op_route_list(uint32_t op __rte_unused,
			 struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	uint32_t n = 0;
	void *ctx[2] = { &rep->data, &n };
	size_t at = ctrl_list_begin(&rep->data);

	route_walk(put_route, ctx);
	netif6_route_list(&rep->data, &n);
	ctrl_list_end(&rep->data, at, n);
	return DPVS_OK;
}

static const struct netif_port *neigh_arg(struct rbuf *req,
					  struct ctrl_reply *rep,
					  struct dpvs_neigh *nb)
{
	if (wire_dec_neigh(req, nb) != DPVS_OK) {
		ctrl_error(rep, DPVS_EINVAL, "malformed neighbour record");
		return NULL;
	}
	return port_arg(rep, nb->ifname);
}

static int op_neigh_add(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct dpvs_neigh nb;
	struct rte_ether_addr mac;
	const struct netif_port *p = neigh_arg(req, rep, &nb);
	uint32_t ip;
	int rc;

	if (!p)
		return (int)rep->status;
	memcpy(mac.addr_bytes, nb.mac, 6);
	if (!rte_is_valid_assigned_ether_addr(&mac))
		return ctrl_error(rep, DPVS_EINVAL, "invalid lladdr");
	if (nb.af == AF_INET6)
		return netif6_neigh_add(rep, p, &nb, &mac);
	if (nb.ip == 0)
		return ctrl_error(rep, DPVS_EINVAL, "invalid address or lladdr");
	ip = rte_be_to_cpu_32(nb.ip);
	rc = neigh_update(ip, p->id, &mac, true);
	if (rc == 0)
		LOG_INFOX("neigh", "%s: neighbour %u.%u.%u.%u lladdr "
			  RTE_ETHER_ADDR_PRT_FMT " added (permanent)", p->name,
			  IP4(ip), RTE_ETHER_ADDR_BYTES(&mac));
	return ctrl_errno(rep, rc, "neighbour");
}

static int op_neigh_del(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct dpvs_neigh nb;
	const struct netif_port *p = neigh_arg(req, rep, &nb);
	uint32_t ip;
	int rc;

	if (!p)
		return (int)rep->status;
	if (nb.af == AF_INET6)
		return netif6_neigh_del(rep, p, &nb);
	ip = rte_be_to_cpu_32(nb.ip);
	rc = neigh_delete(ip, p->id);
	if (rc == 0)
		LOG_INFOX("neigh", "%s: neighbour %u.%u.%u.%u removed", p->name,
			  IP4(ip));
	return ctrl_errno(rep, rc, "neighbour");
}

uint32_t netif_wire_neigh_state(enum neigh_state s)
{
	switch (s) {
	case NEIGH_REACHABLE: return DPVS_NEIGH_REACHABLE;
	case NEIGH_STALE: return DPVS_NEIGH_STALE;
	case NEIGH_PERMANENT: return DPVS_NEIGH_PERMANENT;
	case NEIGH_DELAY: return DPVS_NEIGH_DELAY;
	case NEIGH_PROBE: return DPVS_NEIGH_PROBE;
	}
	return 0;
}

static void put_neigh(const struct neigh_info *ni, void *arg)
{
	const struct netif_port *p = netif_port(ni->port);
	struct dpvs_neigh n = { .ip = rte_cpu_to_be_32(ni->ip),
				.state = netif_wire_neigh_state(ni->state),
				.age_s = ni->age_s };
	uint32_t *cnt = ((uint32_t **)arg)[1];

	memcpy(n.mac, ni->mac.addr_bytes, 6);
	snprintf(n.ifname, sizeof(n.ifname), "%s", p ? p->name : "?");
	wire_enc_neigh(((struct wbuf **)arg)[0], &n);
	(*cnt)++;
}

static int op_neigh_list(uint32_t op __rte_unused,
			 struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	uint32_t n = 0;
	void *ctx[2] = { &rep->data, &n };
	size_t at = ctrl_list_begin(&rep->data);

	neigh_walk(put_neigh, ctx);
	netif6_neigh_list(&rep->data, &n);
	ctrl_list_end(&rep->data, at, n);
	return DPVS_OK;
}

static const struct ctrl_op netif_ops[] = {
	{ DPVS_OP_LINK_LIST, "link-list", 0, 0, op_link_list },
	{ DPVS_OP_PKT_STATS, "pkt-stats", 0, 4, op_pkt_stats },
	{ DPVS_OP_LINK_XSTATS, "link-xstats", DPVS_IFNAME_MAX, DPVS_IFNAME_MAX,
	  op_link_xstats },
	{ DPVS_OP_ADDR_ADD, "addr-add", WIRE_ADDR_REC_LEN, WIRE_ADDR_REC_LEN,
	  op_addr_add },
	{ DPVS_OP_ADDR_DEL, "addr-del", WIRE_ADDR_REC_LEN, WIRE_ADDR_REC_LEN,
	  op_addr_del },
	{ DPVS_OP_ADDR_LIST, "addr-list", 0, 0, op_addr_list },
	{ DPVS_OP_ROUTE_ADD, "route-add", WIRE_ROUTE_REC_LEN, WIRE_ROUTE_REC_LEN,
	  op_route_add },
	{ DPVS_OP_ROUTE_DEL, "route-del", WIRE_ROUTE_REC_LEN, WIRE_ROUTE_REC_LEN,
	  op_route_del },
	{ DPVS_OP_ROUTE_LIST, "route-list", 0, 0, op_route_list },
	{ DPVS_OP_NEIGH_ADD, "neigh-add", WIRE_NEIGH_REC_LEN, WIRE_NEIGH_REC_LEN,
	  op_neigh_add },
	{ DPVS_OP_NEIGH_DEL, "neigh-del", WIRE_NEIGH_REC_LEN, WIRE_NEIGH_REC_LEN,
	  op_neigh_del },
	{ DPVS_OP_NEIGH_LIST, "neigh-list", 0, 0, op_neigh_list },
	{ DPVS_OP_GARP, "garp", WIRE_ADDR_REC_LEN, WIRE_ADDR_REC_LEN, op_garp },
};

static struct ctrl_range netif_range = {
	.module = "netif",
	.min = DPVS_OP_NETIF_MIN,
	.max = DPVS_OP_NETIF_MAX,
	.ops = netif_ops,
	.nops = sizeof(netif_ops) / sizeof(netif_ops[0]),
};

int netif_ctl_init(void)
{
	return ctrl_register(&netif_range);
}
