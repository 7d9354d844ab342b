/* Control operations of the load balancer (ids 0x0300-0x03ff). */
#include "handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "inet_wire.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_xmit.h"
#include "ipvs_ctl_int.h"
#include "core/lcore.h"
#include "core/log.h"


static bool proto_ok(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP;
}

/*
 * Wire <-> data plane.  The daemon numbers forwarding modes from 0 and
 * has its own flag bits; these tables and functions are the only place
 * that knows both.  The forwarding-mode maps are built at start from
 * libdpvs's dpvs_fwd_modes[] (the tools' table) by name, after checking
 * that it and the daemon's ipvs_xmit[] agree on every property: the two
 * tables cannot drift apart without dpvs refusing to start.
 */
static uint8_t fwd_in[DPVS_FWD_MAX + 1];
static uint32_t fwd_out[IPVS_FWD_MAX];

static bool fwd_flag_agrees(const struct dpvs_fwd_mode *m, uint32_t flag,
			    bool daemon_has)
{
	return !!(m->flags & flag) == daemon_has;
}

static int fwd_maps_init(void)
{
	for (unsigned f = 0; f < IPVS_FWD_MAX; f++) {
		const struct dpvs_fwd_mode *m =
			dpvs_fwd_by_name(ipvs_xmit[f].name);

		if (!m || !fwd_flag_agrees(m, DPVS_FWDF_REPLY_VIA_LB,
					   ipvs_fwd_reply_via_lb(f)) ||
		    !fwd_flag_agrees(m, DPVS_FWDF_SNAT, ipvs_fwd_snat(f)) ||
		    !fwd_flag_agrees(m, DPVS_FWDF_CLIENT_REPLY_KEY,
				     ipvs_fwd_client_reply_key(f))) {
			LOG_ERRX("ipvs", "forwarding mode %s: libdpvs's table and the "
			    "daemon's disagree", ipvs_xmit[f].name);
			return -1;
		}
		fwd_out[f] = m->id;
		fwd_in[m->id] = (uint8_t)f;
	}
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		if (!fwd_out[fwd_in[id]] || fwd_out[fwd_in[id]] != id) {
			LOG_ERRX("ipvs", "forwarding mode %s: no such mode in the daemon",
			    dpvs_fwd_name(id));
			return -1;
		}
	}
	return 0;
}

static uint32_t fwd_to_wire(uint8_t f)
{
	return f < IPVS_FWD_MAX ? fwd_out[f] : 0;
}

static const struct { uint32_t wire, ipvs; } svc_flags[] = {
	{ DPVS_SVC_F_PERSISTENT, IPVS_SVC_F_PERSISTENT },
	{ DPVS_SVC_F_SCHED_FALLBACK, IPVS_SVC_F_SCHED_FALLBACK },
	{ DPVS_SVC_F_SCHED_PORT, IPVS_SVC_F_SCHED_PORT },
	{ DPVS_SVC_F_PROXY_V1, IPVS_SVC_F_PROXY_V1 },
	{ DPVS_SVC_F_PROXY_V2, IPVS_SVC_F_PROXY_V2 },
};

static uint32_t flags_to_ipvs(uint32_t f)
{
	uint32_t out = 0;

	for (size_t i = 0; i < sizeof(svc_flags) / sizeof(svc_flags[0]); i++)
		out |= f & svc_flags[i].wire ? svc_flags[i].ipvs : 0;
	return out;
}

static uint32_t flags_to_wire(uint32_t f)
{
	uint32_t out = 0;

	for (size_t i = 0; i < sizeof(svc_flags) / sizeof(svc_flags[0]); i++)
		out |= f & svc_flags[i].ipvs ? svc_flags[i].wire : 0;
	return out;
}

/* IPv6: the prefix length as it is (0, none given, is 128). */
static uint32_t netmask_of(const struct dpvs_service *s)
{
	if (s->af == AF_INET6)
		return s->netmask ? s->netmask : 128;
	return rte_be_to_cpu_32(s->netmask);
}

static void svc_conf_of(const struct dpvs_service *s, struct ipvs_svc_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->proto = s->proto;
	c->af = inet_wire_af(s->af);
	c->vip = inet_of_wire(s->af, s->vip, &s->vip6);
	c->vport = s->vport;
	snprintf(c->sched, sizeof(c->sched), "%s", s->sched);
	c->flags = flags_to_ipvs(s->flags);
	c->timeout = s->timeout;
	c->netmask = netmask_of(s);
}

static void dest_conf_of(const struct dpvs_dest *d, struct ipvs_dest_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->af = inet_wire_af(d->af);
	c->addr = inet_of_wire(d->af, d->addr, &d->addr6);
	c->port = d->port;
	c->fwd = fwd_in[d->fwd];   /* range checked by the caller */
	c->weight = d->weight;
	c->u_thresh = d->u_thresh;
	c->l_thresh = d->l_thresh;
}

static void stats_to_wire(struct dpvs_stats *o, const struct ipvs_counters *c,
			  const struct ipvs_rates *r)
{
	o->conns = c->conns;
	o->inpkts = c->inpkts;
	o->outpkts = c->outpkts;
	o->inbytes = c->inbytes;
	o->outbytes = c->outbytes;
	o->cps = r->cps;
	o->inpps = r->inpps;
	o->outpps = r->outpps;
	o->inbps = r->inbps;
	o->outbps = r->outbps;
}

struct ipvs_service *ipvs_ctl_svc_get(struct ctrl_reply *rep, uint8_t proto,
				      uint8_t af, uint32_t vip,
				      const struct in6_addr *vip6,
				      uint16_t vport)
{
	union inet_addr a = inet_of_wire(af, vip, vip6);
	struct ipvs_service *svc = ipvs_svc_get(proto, inet_wire_af(af), &a,
						vport);

	if (!svc)
		ctrl_error(rep, DPVS_ENOENT, "no such service");
	return svc;
}

/* Decodes a service record (or its key) and finds the service. */
static struct ipvs_service *svc_arg(struct rbuf *req, struct ctrl_reply *rep,
				    struct dpvs_service *s)
{
	if (wire_dec_svc(req, s) != DPVS_OK || !proto_ok(s->proto)) {
		ctrl_error(rep, DPVS_EINVAL, "malformed service record");
		return NULL;
	}
	return ipvs_ctl_svc_get(rep, s->proto, s->af, s->vip, &s->vip6,
				s->vport);
}

static bool addr_set(uint8_t af, uint32_t v4, const struct in6_addr *v6)
{
	return af == AF_INET6 ? !IN6_IS_ADDR_UNSPECIFIED(v6) : v4 != 0;
}

/* A whole service record; false after the error reply. */
static bool svc_rec(struct rbuf *req, struct ctrl_reply *rep,
		    struct dpvs_service *s)
{
	if (wire_dec_svc(req, s) != DPVS_OK || !proto_ok(s->proto) ||
	    !addr_set(s->af, s->vip, &s->vip6)) {
		ctrl_error(rep, DPVS_EINVAL, "malformed service record");
		return false;
	}
	return true;
}

int ipvs_ctl_errno(struct ctrl_reply *rep, int rc, const char *what,
		   uint8_t svc_af, uint8_t af)
{
	if (rc != -EAFNOSUPPORT)
		return ctrl_errno(rep, rc, what);
	if (inet_wire_af(svc_af) != inet_wire_af(af))
		return ctrl_error(rep, DPVS_EINVAL, "mixed families: only "
				  "FullNAT from an IPv6 service to IPv4 real "
				  "servers (NAT64)");
	return ctrl_error(rep, DPVS_ENOTSUP, "%s: IPv6 is not supported by "
			  "this dpvs's load balancer yet", what);
}

/* A PROXY protocol header: one version, TCP only (as libdpvs checks). */
static bool proxy_ok(const struct dpvs_service *s, struct ctrl_reply *rep)
{
	const uint32_t both = DPVS_SVC_F_PROXY_V1 | DPVS_SVC_F_PROXY_V2;

	if ((s->flags & both) == both) {
		ctrl_error(rep, DPVS_EINVAL, "PROXY protocol v1 and v2 both "
			   "asked for");
		return false;
	}
	if ((s->flags & both) && s->proto != IPPROTO_TCP) {
		ctrl_error(rep, DPVS_EINVAL, "the PROXY protocol is for TCP "
			   "services");
		return false;
	}
	return true;
}

/* Add and edit: the record's scheduler must exist. */
static bool svc_conf_arg(struct rbuf *req, struct ctrl_reply *rep,
			 struct ipvs_svc_conf *c)
{
	struct dpvs_service s;

	if (!svc_rec(req, rep, &s))
		return false;
	if (s.sched[0] && !sched_lookup(s.sched)) {
		ctrl_error(rep, DPVS_EINVAL, "unknown scheduler '%s'", s.sched);
		return false;
	}
	/* The limits dpvsadm and keepalived apply (libdpvs.h): one source. */
	if (s.timeout > DPVS_PERSIST_TIMEOUT_MAX) {
		ctrl_error(rep, DPVS_EINVAL, "persistence timeout %u out of "
			   "range (1-%u seconds)", s.timeout,
			   DPVS_PERSIST_TIMEOUT_MAX);
		return false;
	}
	if (!proxy_ok(&s, rep))
		return false;
	if (s.af == AF_INET6 && s.netmask > 128) {
		ctrl_error(rep, DPVS_EINVAL, "persistence prefix %u is not "
			   "1..128", s.netmask);
		return false;
	}
	if (s.af != AF_INET6 &&
	    !dpvs_netmask_is_prefix(rte_be_to_cpu_32(s.netmask))) {
		ctrl_error(rep, DPVS_EINVAL, "persistence netmask is not a "
			   "prefix (its ones must be contiguous)");
		return false;
	}
	svc_conf_of(&s, c);
	return true;
}

static int op_svc_add(uint32_t op __rte_unused, struct rbuf *req,
		      struct ctrl_reply *rep)
{
	struct ipvs_svc_conf c;

	if (!svc_conf_arg(req, rep, &c))
		return (int)rep->status;
	return ipvs_ctl_errno(rep, ipvs_svc_add(&c), "service", c.af, c.af);
}

static int op_svc_edit(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct ipvs_svc_conf c;

	if (!svc_conf_arg(req, rep, &c))
		return (int)rep->status;
	return ipvs_ctl_errno(rep, ipvs_svc_edit(&c), "service", c.af, c.af);
}

static int op_svc_del(uint32_t op __rte_unused, struct rbuf *req,
		      struct ctrl_reply *rep)
{
	struct dpvs_service s;
	union inet_addr vip;

	if (!svc_rec(req, rep, &s))
		return (int)rep->status;
	vip = inet_of_wire(s.af, s.vip, &s.vip6);
	return ipvs_ctl_errno(rep, ipvs_svc_del(s.proto, inet_wire_af(s.af),
						&vip, s.vport), "service",
			      s.af, s.af);
}

static void fill_svc(const struct ipvs_service *svc, struct dpvs_service *s)
{
	struct ipvs_counters c;

	memset(s, 0, sizeof(*s));
	s->proto = svc->proto;
	inet_to_wire(svc->af, &svc->vip, &s->af, &s->vip, &s->vip6);
	s->vport = svc->vport;
	snprintf(s->sched, sizeof(s->sched), "%s", svc->sched);
	s->flags = flags_to_wire(svc->flags);
	s->timeout = svc->timeout;
	s->netmask = svc->af == AF_INET6 ? svc->netmask :
					   rte_cpu_to_be_32(svc->netmask);
	s->ndests = svc->ndests;
	ipvs_svc_stats(svc, &c);
	stats_to_wire(&s->stats, &c, &svc->rate.rate);
}

static void put_svc(struct ipvs_service *svc, void *arg)
{
	struct list_ctx *ctx = arg;
	struct dpvs_service s;

	fill_svc(svc, &s);
	wire_enc_svc(ctx->b, &s);
	ctx->n++;
}

/*
 * Replies with counters as of now (rates: last 8 s) are built once the
 * workers answered a gather; meanwhile the master serves everything else
 * and this client's later requests wait their turn.
 */
typedef int (*gathered_fn)(struct ctrl_reply *rep,
			   const struct ipvs_service *only, int rc);

struct after_gather {
	struct ctrl_deferred *d;
	gathered_fn build;
	bool has_key;
	struct dpvs_service key; /* the service may go meanwhile: look again */
};

static void gathered(void *arg, int rc)
{
	struct after_gather *a = arg;
	struct ctrl_reply rep = { .status = DPVS_OK };
	const struct ipvs_service *only = NULL;

	wb_init(&rep.data);
	if (a->has_key)
		only = ipvs_ctl_svc_get(&rep, a->key.proto, a->key.af,
					a->key.vip, &a->key.vip6,
					a->key.vport);
	if (!a->has_key || only)
		a->build(&rep, only, rc);
	ctrl_answer(a->d, &rep);
	wb_free(&rep.data);
	free(a);
}

static struct ipvs_service *svc_of_key(const struct dpvs_service *k)
{
	union inet_addr a = inet_of_wire(k->af, k->vip, &k->vip6);

	return ipvs_svc_get(k->proto, inet_wire_af(k->af), &a, k->vport);
}

/* Keyed (key not NULL): only that service's counters are gathered. */
static int gather_then(struct ctrl_reply *rep, const struct dpvs_service *key,
		       gathered_fn build)
{
	struct after_gather *a = calloc(1, sizeof(*a));

	if (a)
		a->d = ctrl_defer(rep);
	if (!a || !a->d) {
		free(a);
		return ctrl_error(rep, DPVS_ENOMEM, "out of memory");
	}
	a->build = build;
	a->has_key = key != NULL;
	if (key)
		a->key = *key;
	/* No gather (pending slots full): answer from the last snapshot. */
	if (ipvs_stats_gather_svc_async(key ? svc_of_key(key) : NULL,
					gathered, a) < 0)
		gathered(a, -EBUSY);
	return DPVS_OK;
}

static int build_svc_list(struct ctrl_reply *rep,
			  const struct ipvs_service *only, int rc __rte_unused)
{
	struct list_ctx ctx = { &rep->data, 0, NULL };
	size_t at = ctrl_list_begin(&rep->data);

	if (only)
		put_svc((struct ipvs_service *)(uintptr_t)only, &ctx);
	else
		ipvs_svc_walk(put_svc, &ctx);
	ctrl_list_end(&rep->data, at, ctx.n);
	return DPVS_OK;
}

/*
 * With a service's key, a list of that one service: what a client polls
 * for one change without gathering every service's counters.
 */
static int op_svc_list(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	const struct ipvs_service *only;
	struct dpvs_service key;

	if (ipvs_ctl_only_svc(req, rep, &only, &key) != DPVS_OK)
		return (int)rep->status;
	return gather_then(rep, only ? &key : NULL, build_svc_list);
}

static int op_svc_flush(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep __rte_unused)
{
	ipvs_svc_flush();
	return DPVS_OK;
}

/* Decodes a real-server record and finds its service. */
static struct ipvs_service *dest_arg(struct rbuf *req, struct ctrl_reply *rep,
				     struct dpvs_dest *d)
{
	if (wire_dec_dest(req, d) != DPVS_OK || !proto_ok(d->proto)) {
		ctrl_error(rep, DPVS_EINVAL, "malformed real-server record");
		return NULL;
	}
	return ipvs_ctl_svc_get(rep, d->proto, d->vaf, d->vip, &d->vip6,
				d->vport);
}

/* Add and edit: the whole record must make sense. */
static struct ipvs_service *dest_conf_arg(struct rbuf *req,
					  struct ctrl_reply *rep,
					  struct ipvs_dest_conf *c)
{
	struct dpvs_dest d;
	struct ipvs_service *svc = dest_arg(req, rep, &d);

	if (!svc)
		return NULL;
	if (!dpvs_fwd_by_id(d.fwd) || d.weight < 0 ||
	    !addr_set(d.af, d.addr, &d.addr6)) {
		ctrl_error(rep, DPVS_EINVAL, "bad forwarding method, "
			   "weight or address");
		return NULL;
	}
	if ((uint32_t)d.weight > DPVS_WEIGHT_MAX || d.u_thresh > DPVS_THRESH_MAX ||
	    d.l_thresh > DPVS_THRESH_MAX ||
	    (d.u_thresh && d.l_thresh > d.u_thresh)) {
		ctrl_error(rep, DPVS_EINVAL, "weight (0-%u) or thresholds "
			   "(0-%u, lower <= upper) out of range",
			   DPVS_WEIGHT_MAX, DPVS_THRESH_MAX);
		return NULL;
	}
	dest_conf_of(&d, c);
	return svc;
}

static int op_dest_add(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct ipvs_dest_conf c;
	struct ipvs_service *svc = dest_conf_arg(req, rep, &c);

	if (!svc)
		return (int)rep->status;
	return ipvs_ctl_errno(rep, ipvs_dest_add(svc, &c), "real server",
			      svc->af, c.af);
}

static int op_dest_edit(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct ipvs_dest_conf c;
	struct ipvs_service *svc = dest_conf_arg(req, rep, &c);

	if (!svc)
		return (int)rep->status;
	return ipvs_ctl_errno(rep, ipvs_dest_edit(svc, &c), "real server",
			      svc->af, c.af);
}

static int op_dest_del(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	struct dpvs_dest d;
	struct ipvs_service *svc = dest_arg(req, rep, &d);
	union inet_addr a;

	if (!svc)
		return (int)rep->status;
	a = inet_of_wire(d.af, d.addr, &d.addr6);
	return ipvs_ctl_errno(rep, ipvs_dest_del(svc, inet_wire_af(d.af), &a,
						 d.port), "real server",
			      svc->af, d.af);
}

static void put_dests(struct ipvs_service *svc, void *arg)
{
	struct list_ctx *ctx = arg;

	if (ctx->only && ctx->only != svc)
		return;
	for (const struct ipvs_dest *d = svc->dests; d; d = d->next) {
		struct dpvs_dest o = {
			.proto = svc->proto,
			.vport = svc->vport,
			.port = d->port,
			.fwd = fwd_to_wire(d->fwd),
			.weight = d->weight,
			.u_thresh = d->u_thresh,
			.l_thresh = d->l_thresh,
			.activeconns = __atomic_load_n(&d->cnt.active, __ATOMIC_RELAXED),
			.inactconns = __atomic_load_n(&d->cnt.inactive, __ATOMIC_RELAXED),
			.persistconns = d->persistconns,
		};

		inet_to_wire(svc->af, &svc->vip, &o.vaf, &o.vip, &o.vip6);
		inet_to_wire(d->af, &d->addr, &o.af, &o.addr, &o.addr6);
		stats_to_wire(&o.stats, &d->total, &d->rate.rate);
		wire_enc_dest(ctx->b, &o);
		ctx->n++;
	}
}

int ipvs_ctl_only_svc(struct rbuf *req, struct ctrl_reply *rep,
		      const struct ipvs_service **out,
		      struct dpvs_service *key)
{
	*out = NULL;
	if (rb_left(req) == 0)
		return DPVS_OK;
	*out = svc_arg(req, rep, key);
	return *out ? DPVS_OK : (int)rep->status;
}

static int build_dest_list(struct ctrl_reply *rep,
			   const struct ipvs_service *only, int rc __rte_unused)
{
	struct list_ctx ctx = { &rep->data, 0, only };
	size_t at = ctrl_list_begin(&rep->data);

	ipvs_svc_walk(put_dests, &ctx);
	ctrl_list_end(&rep->data, at, ctx.n);
	return DPVS_OK;
}

static int op_dest_list(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	const struct ipvs_service *only;
	struct dpvs_service key;

	if (ipvs_ctl_only_svc(req, rep, &only, &key) != DPVS_OK)
		return (int)rep->status;
	return gather_then(rep, only ? &key : NULL, build_dest_list);
}

/* Services and real servers from one gather: their counters agree. */
static int build_svc_dest_list(struct ctrl_reply *rep,
			       const struct ipvs_service *only __rte_unused,
			       int rc __rte_unused)
{
	struct list_ctx svcs = { &rep->data, 0, NULL };
	struct list_ctx dests = { &rep->data, 0, NULL };
	size_t at;

	at = ctrl_list_begin(&rep->data);
	ipvs_svc_walk(put_svc, &svcs);
	ctrl_list_end(&rep->data, at, svcs.n);
	at = ctrl_list_begin(&rep->data);
	ipvs_svc_walk(put_dests, &dests);
	ctrl_list_end(&rep->data, at, dests.n);
	return DPVS_OK;
}

static int op_svc_dest_list(uint32_t op __rte_unused,
			    struct rbuf *req __rte_unused,
			    struct ctrl_reply *rep)
{
	return gather_then(rep, NULL, build_svc_dest_list);
}

/*
 * A v6 (or NAT64) conn holds only its client's address: the others are
 * its dest's and local address's (ipvs_conn.h).
 */
static void conn_addrs6(const struct ipvs_conn *c, struct dpvs_conn *o)
{
	const union inet_addr *l = ipvs_conn_laddr(c);
	const struct ipvs_dest *d = c->dest;

	o->caf = AF_INET6;
	o->caddr6 = c->caddr6;
	o->vaddr6 = ipvs_conn_vaddr(c)->in6;
	o->daf = d->af;
	if (d->af == AF_INET6) {
		o->daddr6 = d->addr.in6;
		if (l)
			o->laddr6 = l->in6;
	} else {
		o->daddr = rte_cpu_to_be_32(d->addr.in4);
		if (l)
			o->laddr = rte_cpu_to_be_32(l->in4);
	}
}

static void put_conn(const struct ipvs_conn *c, void *arg)
{
	struct list_ctx *ctx = arg;
	bool v6 = ipvs_conn_is_v6(c);
	struct dpvs_conn o = {
		.proto = c->proto,
		.caf = AF_INET,
		.daf = AF_INET,
		.caddr = v6 ? 0 : rte_cpu_to_be_32(c->caddr),
		.vaddr = v6 ? 0 : rte_cpu_to_be_32(c->vaddr),
		.laddr = v6 ? 0 : rte_cpu_to_be_32(c->laddr),
		.daddr = v6 ? 0 : rte_cpu_to_be_32(c->daddr),
		.cport = c->cport,
		.vport = c->vport,
		.lport = c->lport,
		.dport = c->dport,
		/* c->fwd indexes ipvs_xmit[], whose entry names its mode */
		.fwd = fwd_to_wire(ipvs_xmit[c->fwd].fwd),
		.state = c->state,
		.expire_s = ipvs_conn_expires_in(c),
		.lcore = lcore_workers()[c->widx],
		.flags = c->flags & CONN_F_SYNCED ? DPVS_CONN_F_SYNCED : 0,
	};

	if (v6)
		conn_addrs6(c, &o);
	snprintf(o.state_name, sizeof(o.state_name), "%s",
		 ipvs_conn_state_name(c->state));
	wire_enc_conn(ctx->b, &o);
	ctx->n++;
}

/*
 * One page of the listing: a bounded piece of work for the master (about
 * a millisecond), however big the table.  The client asks again from the
 * cursor each reply carries.
 */
static int op_conn_list(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	struct list_ctx ctx = { &rep->data, 0, NULL };
	uint32_t from = rb_u32(req), next;
	size_t at_next = ctrl_list_begin(&rep->data); /* u32 cursor slot */
	size_t at = ctrl_list_begin(&rep->data);

	next = ipvs_conn_walk_page(from, DPVS_CONN_PAGE_SCAN,
				   DPVS_CONN_PAGE_MAX, put_conn, &ctx);
	ctrl_list_end(&rep->data, at_next, next);
	ctrl_list_end(&rep->data, at, ctx.n);
	return DPVS_OK;
}

static void zero_one(struct ipvs_service *svc, void *arg)
{
	if (!arg || arg == svc)
		ipvs_zero(svc);
}

/* The baseline is what the workers count now: all of them. */
static int build_zero(struct ctrl_reply *rep, const struct ipvs_service *only,
		      int rc)
{
	if (rc < 0)
		return ctrl_error(rep, DPVS_ETIMEDOUT,
				  "zero: not every worker answered; nothing zeroed");
	ipvs_svc_walk(zero_one, (void *)(uintptr_t)only);
	return DPVS_OK;
}

static int op_zero(uint32_t op __rte_unused, struct rbuf *req,
		   struct ctrl_reply *rep)
{
	const struct ipvs_service *only;
	struct dpvs_service key;

	if (ipvs_ctl_only_svc(req, rep, &only, &key) != DPVS_OK)
		return (int)rep->status;
	return gather_then(rep, only ? &key : NULL, build_zero);
}

static int op_timeout_get(uint32_t op __rte_unused,
			  struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	struct ipvs_timeouts it;
	struct dpvs_timeouts t;

	ipvs_conn_get_timeouts(&it);
	t = (struct dpvs_timeouts){ it.tcp, it.tcp_fin, it.udp };
	wire_enc_timeouts(&rep->data, &t);
	return DPVS_OK;
}

static int op_timeout_set(uint32_t op __rte_unused, struct rbuf *req,
			  struct ctrl_reply *rep)
{
	struct dpvs_timeouts t;
	struct ipvs_timeouts it;

	if (wire_dec_timeouts(req, &t) != DPVS_OK)
		return ctrl_error(rep, DPVS_EINVAL, "bad timeouts record");
	if (t.tcp > DPVS_TIMEOUT_MAX || t.tcp_fin > DPVS_TIMEOUT_MAX ||
	    t.udp > DPVS_TIMEOUT_MAX)
		return ctrl_error(rep, DPVS_EINVAL, "timeouts out of range "
				  "(0-%u seconds, 0: unchanged)",
				  DPVS_TIMEOUT_MAX);
	it = (struct ipvs_timeouts){ t.tcp, t.tcp_fin, t.udp };
	ipvs_conn_set_timeouts(&it);
	return DPVS_OK;
}

/* One handler per op: the dispatcher has already chosen by op. */
static const struct ctrl_op ipvs_ops[] = {
	{ DPVS_OP_SVC_ADD, "svc-add", WIRE_SVC_REC_LEN, WIRE_SVC_REC_LEN, op_svc_add },
	{ DPVS_OP_SVC_EDIT, "svc-edit", WIRE_SVC_REC_LEN, WIRE_SVC_REC_LEN, op_svc_edit },
	{ DPVS_OP_SVC_DEL, "svc-del", WIRE_SVC_REC_LEN, WIRE_SVC_REC_LEN, op_svc_del },
	{ DPVS_OP_SVC_LIST, "svc-list", 0, WIRE_SVC_REC_LEN, op_svc_list },
	{ DPVS_OP_SVC_FLUSH, "svc-flush", 0, 0, op_svc_flush },
	{ DPVS_OP_SVC_DEST_LIST, "svc-dest-list", 0, 0, op_svc_dest_list },
	{ DPVS_OP_DEST_ADD, "dest-add", WIRE_DEST_REC_LEN, WIRE_DEST_REC_LEN, op_dest_add },
	{ DPVS_OP_DEST_EDIT, "dest-edit", WIRE_DEST_REC_LEN, WIRE_DEST_REC_LEN, op_dest_edit },
	{ DPVS_OP_DEST_DEL, "dest-del", WIRE_DEST_REC_LEN, WIRE_DEST_REC_LEN, op_dest_del },
	{ DPVS_OP_DEST_LIST, "dest-list", 0, WIRE_SVC_REC_LEN, op_dest_list },
	{ DPVS_OP_LADDR_ADD, "laddr-add", WIRE_LADDR_REC_LEN, WIRE_LADDR_REC_LEN,
	  ipvs_ctl_laddr_add },
	{ DPVS_OP_LADDR_DEL, "laddr-del", WIRE_LADDR_REC_LEN, WIRE_LADDR_REC_LEN,
	  ipvs_ctl_laddr_del },
	{ DPVS_OP_LADDR_LIST, "laddr-list", 0, WIRE_SVC_REC_LEN,
	  ipvs_ctl_laddr_list },
	{ DPVS_OP_CONN_LIST, "conn-list", 4, 4, op_conn_list },
	{ DPVS_OP_ZERO, "zero", 0, WIRE_SVC_REC_LEN, op_zero },
	{ DPVS_OP_TIMEOUT_SET, "timeout-set", WIRE_TIMEOUTS_REC_LEN,
	  WIRE_TIMEOUTS_REC_LEN, op_timeout_set },
	{ DPVS_OP_TIMEOUT_GET, "timeout-get", 0, 0, op_timeout_get },
};

static struct ctrl_range ipvs_range = {
	.module = "ipvs",
	.min = DPVS_OP_IPVS_MIN,
	.max = DPVS_OP_IPVS_MAX,
	.ops = ipvs_ops,
	.nops = sizeof(ipvs_ops) / sizeof(ipvs_ops[0]),
};

int ipvs_ctl_init(void)
{
	if (fwd_maps_init() < 0)
		return -1;
	return ctrl_register(&ipvs_range);
}
