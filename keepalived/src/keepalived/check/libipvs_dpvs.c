/*
 * libipvs over dpvs: the IPVS calls keepalived's checker makes go to the
 * dpvs daemon through libdpvs instead of the kernel.  Included by
 * libipvs.c when built with _WITH_DPVS_ (see the project's
 * keepalived/README.md: the build copies this file into the tree).
 *
 * Every call returns 0, or -1 with errno set as the kernel would have,
 * so keepalived's error handling and messages stay as they are.  The
 * control socket is $DPVS_IPC_FILE, or dpvs's default.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "libdpvs.h"
#include "check_dpvs.h"
#include "vrrp_dpvs_ha.h"

/* Forwarding method in conn_flags, as ip_vs.h; FULLNAT as DPVS numbers it. */
#ifndef IP_VS_CONN_F_FULLNAT
#define IP_VS_CONN_F_FULLNAT 0x0005
#endif

static struct dpvs_handle *dh;
static void *ipvs_func;
/* A call failed other than "already there"/"not there": compare soon. */
static bool dpvs_error_seen;

bool ipvs_dpvs_take_error(void)
{
	bool seen = dpvs_error_seen;

	dpvs_error_seen = false;
	return seen;
}

static int dpvs_errno(int status)
{
	switch (status) {
	case DPVS_OK: return 0;
	case DPVS_EEXIST: return EEXIST;
	case DPVS_ENOENT: return ENOENT;
	case DPVS_ENOMEM: return ENOMEM;
	case DPVS_EPERM: return EPERM;
	case DPVS_ENOTSUP: return EOPNOTSUPP;
	case DPVS_EIO: return ECONNREFUSED;
	case DPVS_ETIMEDOUT: return ETIMEDOUT;
	case DPVS_EBUSY: return EBUSY;
	case DPVS_EPROTO: return EPROTO;
	default: return EINVAL;
	}
}

/* Logs dpvs's own words, then reports in the kernel's terms. */
static int fail(int status)
{
	if (dh && dpvs_errmsg(dh)[0])
		log_message(LOG_INFO, "dpvs: %s", dpvs_errmsg(dh));
	if (status != DPVS_EEXIST && status != DPVS_ENOENT)
		dpvs_error_seen = true;
	if (status == DPVS_EIO) {
		/* dpvs went away: reconnect on the next call. */
		dpvs_close(dh);
		dh = NULL;
	}
	errno = dpvs_errno(status);
	return -1;
}

static int connected(void)
{
	const char *path = getenv("DPVS_IPC_FILE");
	const char *ms;
	int rc;

	if (dh)
		return 0;
	rc = dpvs_connect(path && *path ? path : NULL, &dh);
	if (rc) {
		errno = dpvs_errno(rc);
		dpvs_error_seen = true;
		return -1;
	}
	ms = getenv("DPVS_IPC_TIMEOUT_MS");
	if (ms && atoi(ms) > 0)
		dpvs_set_timeout(dh, atoi(ms));
	return 0;
}

int ipvs_init(void)
{
	ipvs_func = ipvs_init;
	return connected();
}

void ipvs_close(void)
{
	dpvs_close(dh);
	dh = NULL;
}

/* Records always carry their family: a list's af is never 0, and the
 * comparison (dpvs_sync.c) matches them byte for byte. */
static int svc_of(const ipvs_service_t *in, struct dpvs_service *out)
{
	memset(out, 0, sizeof(*out));
	if ((in->af != AF_INET && in->af != AF_INET6) || in->user.fwmark) {
		errno = in->user.fwmark ? EOPNOTSUPP : EAFNOSUPPORT;
		return -1;
	}
	out->proto = (uint8_t)in->user.protocol;
	out->af = (uint8_t)in->af;
	if (in->af == AF_INET6)
		out->vip6 = in->nf_addr.in6;
	else
		out->vip = in->nf_addr.ip;
	out->vport = ntohs(in->user.port);
	snprintf(out->sched, sizeof(out->sched), "%s", in->user.sched_name);
	if (in->user.flags & IP_VS_SVC_F_PERSISTENT) {
		out->flags |= DPVS_SVC_F_PERSISTENT;
		out->timeout = in->user.timeout;
		out->netmask = in->user.netmask;
	}
	if (in->user.flags & (IP_VS_SVC_F_SCHED1))
		out->flags |= DPVS_SVC_F_SCHED_FALLBACK;
	if (in->user.flags & (IP_VS_SVC_F_SCHED2))
		out->flags |= DPVS_SVC_F_SCHED_PORT;
	if (in->user.flags & DPVS_KA_SVC_F_PROXY_V1)
		out->flags |= DPVS_SVC_F_PROXY_V1;
	if (in->user.flags & DPVS_KA_SVC_F_PROXY_V2)
		out->flags |= DPVS_SVC_F_PROXY_V2;
	return 0;
}

static int dest_of(const ipvs_service_t *svc, const ipvs_dest_t *in,
		   struct dpvs_dest *out)
{
	struct dpvs_service s;

	if (svc_of(svc, &s) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	/* A server of the service's family, or NAT64: an IPv4 one under an
	 * IPv6 service with FullNAT (checked below, once fwd is known). */
	if (in->af != s.af && !(s.af == AF_INET6 && in->af == AF_INET)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	out->proto = s.proto;
	out->vaf = s.af;
	out->vip = s.vip;
	out->vip6 = s.vip6;
	out->vport = s.vport;
	out->af = (uint8_t)in->af;
	if (in->af == AF_INET6)
		out->addr6 = in->nf_addr.in6;
	else
		out->addr = in->nf_addr.ip;
	out->port = ntohs(in->user.port);
	switch (in->user.conn_flags & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ: out->fwd = DPVS_FWD_NAT; break;
	case IP_VS_CONN_F_TUNNEL: out->fwd = DPVS_FWD_TUN; break;
	case IP_VS_CONN_F_DROUTE: out->fwd = DPVS_FWD_DR; break;
	case IP_VS_CONN_F_FULLNAT: out->fwd = DPVS_FWD_FNAT; break;
	default:
		errno = EOPNOTSUPP;
		return -1;
	}
	if (out->af != out->vaf && out->fwd != DPVS_FWD_FNAT) {
		errno = EAFNOSUPPORT;   /* only FullNAT translates (NAT64) */
		return -1;
	}
	out->weight = in->user.weight;
	out->u_thresh = in->user.u_threshold;
	out->l_thresh = in->user.l_threshold;
	return 0;
}

static int queued(int rc, void *fn, const void *rec, size_t size);

/*
 * dpvs would make a missing IPv6 local address itself, but with DAD, and
 * refuse it as "not an address of this host" while it is tentative: so
 * it is made here first, without DAD (DPVS_EEXIST if it is there).
 */
static int laddr6_prepare(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	struct dpvs_addr a;

	if (l->af != AF_INET6 || !l->ifname[0])
		return DPVS_OK;
	memset(&a, 0, sizeof(a));
	snprintf(a.ifname, sizeof(a.ifname), "%s", l->ifname);
	a.af = AF_INET6;
	a.addr6 = l->addr6;
	a.plen = 128;
	a.flags = DPVS_ADDR_F_SAPOOL | DPVS_ADDR_F_NODAD;
	/* (named by ipvs_add_ha_addr: its "already there" is no failure) */
	return queued(dpvs_addr_add(h, &a), ipvs_add_ha_addr, l, sizeof(*l));
}

static int laddr_add(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	int rc = laddr6_prepare(h, l);

	return rc && rc != DPVS_EEXIST ? rc :
	       queued(dpvs_laddr_add(h, l), ipvs_add_laddr, l, sizeof(*l));
}

#include "dpvs_sync.c"

/* ---- the initial load and a reload's changes, pipelined ---- */

/* More than libdpvs keeps in flight: an index's entry is still here
 * when its status comes. */
#define BATCH_RING 512

static struct batched {
	void *fn;
	union { struct dpvs_service s; struct dpvs_dest d; struct dpvs_laddr l; } rec;
} batch_ring[BATCH_RING];
static bool batching;
static uint64_t batch_sent;

/* The calls below that are not named in batch_ring run outside it. */
static bool batch_hold(void)
{
	bool was = batching;

	if (was)
		ipvs_dpvs_batch(false);
	return was;
}

/* A request sent in the batch: kept to name it when its status comes. */
static int queued(int rc, void *fn, const void *rec, size_t size)
{
	struct batched *b = &batch_ring[batch_sent % BATCH_RING];

	if (!batching || rc != DPVS_OK)
		return rc;
	b->fn = fn;
	memcpy(&b->rec, rec, size);
	batch_sent++;
	return rc;
}

static const char *batched_what(const struct batched *b, int *op)
{
	if (b->fn == ipvs_add_service || b->fn == ipvs_update_service ||
	    b->fn == ipvs_del_service || b->fn == ipvs_zero_service) {
		*op = SYNC_SVC_ADD;
		return b->fn == ipvs_add_service ? "adding service" :
		       b->fn == ipvs_del_service ? "deleting service" :
		       b->fn == ipvs_zero_service ? "zeroing service" :
						    "editing service";
	}
	if (b->fn == ipvs_add_laddr || b->fn == ipvs_add_ha_addr) {
		*op = SYNC_LADDR_ADD;
		return "adding local address";
	}
	*op = SYNC_DEST_ADD;
	return b->fn == ipvs_add_dest ? "adding real server" :
	       b->fn == ipvs_del_dest ? "deleting real server" :
					"editing real server";
}

/* What fail() and svc_track() do for a call, once its status is known. */
static void batch_status(void *arg, uint64_t index, uint32_t op, int status,
			 const char *errmsg)
{
	const struct batched *b = &batch_ring[index % BATCH_RING];
	char what[192];
	int kind;
	const char *verb = batched_what(b, &kind);

	(void)arg;
	(void)op;
	if (b->fn == ipvs_del_service && (!status || status == DPVS_ENOENT))
		owned_del(&b->rec.s);
	if (!status || (b->fn == ipvs_add_ha_addr && status == DPVS_EEXIST))
		return;
	format_rec(kind, &b->rec, what, sizeof(what));
	log_message(LOG_INFO, "dpvs: %s %s failed: %s", verb, what,
		    errmsg[0] ? errmsg : dpvs_strerror(status));
	if (status != DPVS_EEXIST && status != DPVS_ENOENT)
		dpvs_error_seen = true;   /* the comparison fixes it soon */
}

void ipvs_dpvs_batch(bool on)
{
	unsigned failed;

	if (on == batching || connected() < 0)
		return;
	if (on) {
		batch_sent = 0;
		batching = dpvs_batch_begin(dh, batch_status, NULL) == DPVS_OK;
		return;
	}
	failed = dpvs_batch_end(dh);
	batching = false;
	if (failed)
		log_message(LOG_INFO, "dpvs: %u change(s) failed while loading",
			    failed);
}

/* Keeps the record of the services keepalived added (see dpvs_sync.c). */
static void svc_track(void *fn, const struct dpvs_service *s, int rc)
{
	if (fn == ipvs_add_service)
		owned_add(s);    /* even failed: a late one may yet be done */
	else if (fn == ipvs_del_service && !batching &&
		 (!rc || rc == DPVS_ENOENT))
		owned_del(s);
}

/* While keepalived's wants are recorded, adds and edits are recorded,
 * nothing is sent. */
#define SVC_CALL(fn, api, record)                                            \
	int fn(ipvs_service_t *svc)                                          \
	{                                                                    \
		struct dpvs_service s;                                       \
		int rc;                                                      \
                                                                             \
		ipvs_func = fn;                                              \
		if (svc_of(svc, &s) < 0)                                     \
			return -1;                                           \
		if (want)                                                    \
			return record ? record_svc(&s) : 0;                  \
		if (connected() < 0)                                         \
			return -1;                                           \
		rc = queued(api(dh, &s), fn, &s, sizeof(s));                 \
		svc_track(fn, &s, rc);                                       \
		return rc ? fail(rc) : 0;                                    \
	}

SVC_CALL(ipvs_add_service, dpvs_svc_add, true)
SVC_CALL(ipvs_update_service, dpvs_svc_edit, true)
SVC_CALL(ipvs_del_service, dpvs_svc_del, false)
SVC_CALL(ipvs_zero_service, dpvs_zero, false)

#define DEST_CALL(fn, api, record)                                           \
	int fn(ipvs_service_t *svc, ipvs_dest_t *dest)                       \
	{                                                                    \
		struct dpvs_dest d;                                          \
		int rc;                                                      \
                                                                             \
		ipvs_func = fn;                                              \
		if (dest_of(svc, dest, &d) < 0)                              \
			return -1;                                           \
		if (want)                                                    \
			return record ? record_dest(&d) : 0;                 \
		if (connected() < 0)                                         \
			return -1;                                           \
		rc = queued(api(dh, &d), fn, &d, sizeof(d));                 \
		return rc ? fail(rc) : 0;                                    \
	}

DEST_CALL(ipvs_add_dest, dpvs_dest_add, true)
DEST_CALL(ipvs_update_dest, dpvs_dest_edit, true)
DEST_CALL(ipvs_del_dest, dpvs_dest_del, false)

/* dpvs creates the address on the port (as a 'sapool' one) if needed.
 * addr: the v4 one (network order) with af AF_INET, else addr6. */
int ipvs_add_laddr(ipvs_service_t *svc, uint8_t af, uint32_t addr,
		   const struct in6_addr *addr6, const char *ifname)
{
	struct dpvs_service s;
	struct dpvs_laddr l;
	int rc;

	ipvs_func = ipvs_add_laddr;
	if (svc_of(svc, &s) < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	l.proto = s.proto;
	l.vaf = s.af;
	l.vip = s.vip;
	l.vip6 = s.vip6;
	l.vport = s.vport;
	l.af = af;
	if (af == AF_INET6)
		l.addr6 = *addr6;
	else
		l.addr = addr;
	snprintf(l.ifname, sizeof(l.ifname), "%s", ifname);
	if (want)
		return record_laddr(&l);
	if (connected() < 0)
		return -1;
	rc = laddr_add(dh, &l);
	return rc ? fail(rc) : 0;
}

/* Made here, not by dpvs_laddr_add() below, which would make a plain
 * sapool one.  Recording for a comparison, nothing is sent: the
 * comparison adds missing local addresses, not their flags. */
int ipvs_add_ha_addr(uint8_t af, uint32_t addr, const struct in6_addr *addr6,
		     const char *ifname)
{
	struct dpvs_addr a;
	bool held;
	int rc;

	ipvs_func = ipvs_add_laddr;
	if (want)
		return 0;
	if (connected() < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.af = af;
	if (af == AF_INET6) {
		/* both LBs hold it: no DAD, which would fail on the peer */
		a.addr6 = *addr6;
		a.plen = 128;
		a.flags = DPVS_ADDR_F_NODAD;
	} else {
		a.addr = addr;
		a.plen = 32;
	}
	a.flags |= DPVS_ADDR_F_SAPOOL | DPVS_ADDR_F_HA;
	held = batch_hold();
	rc = dpvs_addr_add(dh, &a);
	if (held)
		ipvs_dpvs_batch(true);
	return rc && rc != DPVS_EEXIST ? fail(rc) : 0;
}

uint64_t ipvs_dpvs_started(void)
{
	struct dpvs_version_info v;
	int rc;

	if (connected() < 0)
		return 0;
	rc = dpvs_get_version(dh, &v);
	if (rc) {
		dpvs_close(dh);
		dh = NULL;
		return 0;
	}
	/* With the pid: two starts within one second still differ. */
	return v.start_time << 22 ^ v.pid;
}

int ipvs_flush(void)
{
	bool held;
	int rc;

	ipvs_func = ipvs_flush;
	if (connected() < 0)
		return -1;
	held = batch_hold();
	rc = dpvs_svc_flush(dh);
	if (held)
		ipvs_dpvs_batch(true);
	if (!rc)
		owned_clear();
	return rc ? fail(rc) : 0;
}

int ipvs_set_timeout(const ipvs_timeout_t *to)
{
	struct dpvs_timeouts t;
	bool held;
	int rc;

	ipvs_func = ipvs_set_timeout;
	/* NULL: put back what was there before; dpvs keeps its own. */
	if (!to)
		return 0;
	if (connected() < 0)
		return -1;
	t.tcp = (uint32_t)to->tcp_timeout;
	t.tcp_fin = (uint32_t)to->tcp_fin_timeout;
	t.udp = (uint32_t)to->udp_timeout;
	held = batch_hold();
	rc = dpvs_timeout_set(dh, &t);
	if (held)
		ipvs_dpvs_batch(true);
	return rc ? fail(rc) : 0;
}

/* port, ttl, group and maxlen reach us only with these (configure finds
 * them in linux-libc-dev's ip_vs.h). */
#ifndef _HAVE_IPVS_SYNCD_ATTRIBUTES_
#error "keepalived for dpvs needs _HAVE_IPVS_SYNCD_ATTRIBUTES_ (linux-libc-dev)"
#endif

/*
 * The sync daemon is dpvs's (docs/keepalived.md section 10): the VRRP
 * process starts and stops its roles as keepalived does the kernel's,
 * with the key and peer of vrrp_dpvs_ha.c.  IPVS's states are dpvs's
 * roles: master 1, backup 2.
 */
static uint32_t sync_roles_of(int state)
{
	return (state & IP_VS_STATE_MASTER ? DPVS_SYNC_MASTER : 0) |
	       (state & IP_VS_STATE_BACKUP ? DPVS_SYNC_BACKUP : 0);
}

static const char *sync_roles_str(uint32_t roles)
{
	return roles == DPVS_SYNC_MASTER ? "MASTER" :
	       roles == DPVS_SYNC_BACKUP ? "BACKUP" : "MASTER and BACKUP";
}

/* A reload starts again without a configuration (vrrp_daemon.c): the
 * current one, as ipvs_syncd_cmd() would have filled it in. */
static const ipvs_daemon_t *sync_daemon_of(const ipvs_daemon_t *dm,
					   ipvs_daemon_t *tmp)
{
	const struct lvs_syncd_config *g = &global_data->lvs_syncd;

	if (dm->mcast_ifn[0] || !g->ifname)
		return dm;
	*tmp = *dm;
	tmp->syncid = (int)g->syncid;
	snprintf(tmp->mcast_ifn, sizeof(tmp->mcast_ifn), "%s", g->ifname);
	tmp->sync_maxlen = g->sync_maxlen;
	tmp->mcast_port = g->mcast_port;
	tmp->mcast_ttl = g->mcast_ttl;
	tmp->mcast_af = g->mcast_group.ss_family;
	if (g->mcast_group.ss_family == AF_INET)
		tmp->mcast_group.ip = ((const struct sockaddr_in *)&g->mcast_group)->sin_addr.s_addr;
	return tmp;
}

static int sync_conf_of(const ipvs_daemon_t *in, struct dpvs_sync_conf *c)
{
	ipvs_daemon_t tmp;
	const ipvs_daemon_t *dm = sync_daemon_of(in, &tmp);

	memset(c, 0, sizeof(*c));
	if (!vrrp_dpvs_sync_secret(c)) {
		errno = ENOKEY;
		return -1;
	}
	if (dm->mcast_af == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	c->roles = sync_roles_of(dm->state);
	c->syncid = (uint8_t)dm->syncid;
	c->ttl = dm->mcast_ttl;
	c->port = dm->mcast_port;
	c->maxlen = dm->sync_maxlen;
	snprintf(c->ifname, sizeof(c->ifname), "%s", dm->mcast_ifn);
	if (dm->mcast_af == AF_INET)
		c->group = ntohl(dm->mcast_group.ip);
	return 0;
}

/* Once more if dpvs restarted since the last call (a new connection). */
static int sync_call(int (*op)(struct dpvs_handle *, const void *), const void *arg)
{
	bool held = batch_hold();
	int rc = op(dh, arg);

	/* libdpvs opens a new connection for the next call */
	if (rc == DPVS_EIO)
		rc = op(dh, arg);
	if (held)
		ipvs_dpvs_batch(true);
	return rc;
}

static int sync_start_op(struct dpvs_handle *h, const void *c) { return dpvs_sync_start(h, c); }
static int sync_stop_op(struct dpvs_handle *h, const void *r) { return dpvs_sync_stop(h, *(const uint32_t *)r); }

/* What the last start sent, but the roles: a reload that changes the
 * key or the peer (which keepalived's own diff does not see) restarts. */
static struct dpvs_sync_conf sync_started;

static bool sync_settings_changed(const struct dpvs_sync_conf *c)
{
	struct dpvs_sync_conf a;

	memcpy(&a, c, sizeof(a));      /* padding included: memcmp below */
	a.roles = sync_started.roles;
	return sync_started.key_len && memcmp(&a, &sync_started, sizeof(a));
}

int ipvs_start_daemon(ipvs_daemon_t *dm)
{
	const uint32_t all = DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP;
	struct dpvs_sync_conf c;
	int rc;

	ipvs_func = ipvs_start_daemon;
	if (sync_conf_of(dm, &c) < 0 || connected() < 0)
		return -1;
	if (sync_settings_changed(&c))
		sync_call(sync_stop_op, &all);
	rc = sync_call(sync_start_op, &c);
	if (rc == DPVS_EBUSY) {
		/* It syncs with other settings (a reload changed them, or
		 * dpvsctl): keepalived's win, as with the kernel's daemon. */
		log_message(LOG_INFO, "dpvs: connection sync runs with other "
			    "settings (%s); starting it again", dpvs_errmsg(dh));
		rc = sync_call(sync_stop_op, &all);
		if (!rc || rc == DPVS_ENOENT)
			rc = sync_call(sync_start_op, &c);
	}
	if (rc == DPVS_EEXIST)
		rc = 0;
	if (!rc)
		memcpy(&sync_started, &c, sizeof(c));
	explicit_bzero(c.key, sizeof(c.key));
	if (!rc)
		log_message(LOG_INFO, "dpvs: connection sync %s on %s (syncid %u)",
			    sync_roles_str(c.roles), c.ifname, c.syncid);
	return rc ? fail(rc) : 0;
}

int ipvs_stop_daemon(ipvs_daemon_t *dm)
{
	uint32_t roles = sync_roles_of(dm->state);
	int rc;

	ipvs_func = ipvs_stop_daemon;
	if (!vrrp_dpvs_sync_secret(NULL))
		return 0;          /* refused at start: nothing runs */
	if (connected() < 0)
		return -1;
	rc = sync_call(sync_stop_op, &roles);
	return rc && rc != DPVS_ENOENT ? fail(rc) : 0;
}

#ifdef _WITH_SNMP_CHECKER_
/*
 * keepalived's SNMP tables (KEEPALIVED-MIB virtualServerTable and
 * realServerTable) read the counters and rates of each service and real
 * server here, as they would from the kernel.  dpvs's struct dpvs_stats
 * has the same counters (conns, in/out packets and bytes) and rates (cps,
 * in/out pps and bps); dpvs sums them over its workers.
 */
static void stats_of(const struct dpvs_stats *in, ip_vs_stats_t *out)
{
	out->conns = in->conns;
	out->inpkts = in->inpkts;
	out->outpkts = in->outpkts;
	out->inbytes = in->inbytes;
	out->outbytes = in->outbytes;
	out->cps = in->cps;
	out->inpps = in->inpps;
	out->outpps = in->outpps;
	out->inbps = in->inbps;
	out->outbps = in->outbps;
}

static unsigned conn_flags_of(uint32_t fwd)
{
	switch (fwd) {
	case DPVS_FWD_NAT: return IP_VS_CONN_F_MASQ;
	case DPVS_FWD_TUN: return IP_VS_CONN_F_TUNNEL;
	case DPVS_FWD_DR: return IP_VS_CONN_F_DROUTE;
	default: return IP_VS_CONN_F_FULLNAT;
	}
}

static bool svc_addr_is(const struct dpvs_service *s, __u16 af,
			const union nf_inet_addr *addr)
{
	if ((s->af == AF_INET6) != (af == AF_INET6))
		return false;
	return af == AF_INET6 ? !memcmp(&s->vip6, &addr->in6, sizeof(s->vip6)) :
				s->vip == addr->ip;
}

/* The service as dpvs lists it (with its statistics); NULL if absent. */
ipvs_service_entry_t *
ipvs_get_service(__u32 fwmark, __u16 af, __u16 protocol, union nf_inet_addr *addr,
		 __u16 port)
{
	struct dpvs_service *list = NULL;
	ipvs_service_entry_t *svc = NULL;
	size_t n = 0;
	int rc;

	ipvs_func = ipvs_get_service;
	if (fwmark || (af != AF_INET && af != AF_INET6)) {
		errno = fwmark ? EOPNOTSUPP : EAFNOSUPPORT;
		return NULL;
	}
	if (connected() < 0)
		return NULL;
	rc = dpvs_svc_list(dh, &list, &n);
	if (rc) {
		fail(rc);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dpvs_service *s = &list[i];

		if (s->proto != protocol || s->vport != ntohs(port) ||
		    !svc_addr_is(s, af, addr))
			continue;
		svc = MALLOC(sizeof(*svc));
		svc->af = af;
		if (af == AF_INET6)
			svc->nf_addr.in6 = s->vip6;
		else
			svc->nf_addr.ip = s->vip;
		svc->user.protocol = s->proto;
		svc->user.addr = s->vip;
		svc->user.port = htons(s->vport);
		snprintf(svc->user.sched_name, sizeof(svc->user.sched_name), "%s",
			 s->sched);
		if (s->flags & DPVS_SVC_F_PERSISTENT)
			svc->user.flags |= IP_VS_SVC_F_PERSISTENT;
		if (s->flags & DPVS_SVC_F_PROXY_V1)
			svc->user.flags |= DPVS_KA_SVC_F_PROXY_V1;
		if (s->flags & DPVS_SVC_F_PROXY_V2)
			svc->user.flags |= DPVS_KA_SVC_F_PROXY_V2;
		svc->user.timeout = s->timeout;
		svc->user.netmask = s->netmask;
		svc->user.num_dests = s->ndests;
		stats_of(&s->stats, &svc->stats);
		break;
	}
	free(list);
	if (!svc)
		errno = ENOENT;
	return svc;
}

/* The real servers of svc with their counters; NULL on failure. */
struct ip_vs_get_dests_app *ipvs_get_dests(ipvs_service_entry_t *svc)
{
	struct ip_vs_get_dests_app *d;
	struct dpvs_service s;
	struct dpvs_dest *list = NULL;
	size_t n = 0;
	int rc;

	ipvs_func = ipvs_get_dests;
	if (svc->af != AF_INET && svc->af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (connected() < 0)
		return NULL;
	memset(&s, 0, sizeof(s));
	s.proto = (uint8_t)svc->user.protocol;
	s.af = (uint8_t)svc->af;
	if (svc->af == AF_INET6)
		s.vip6 = svc->nf_addr.in6;
	else
		s.vip = svc->nf_addr.ip;
	s.vport = ntohs(svc->user.port);
	rc = dpvs_dest_list(dh, &s, &list, &n);
	if (rc) {
		fail(rc);
		return NULL;
	}
	d = MALLOC(sizeof(*d) + sizeof(d->user.entrytable[0]) * n);
	d->af = svc->af;
	d->nf_addr = svc->nf_addr;
	d->user.protocol = s.proto;
	d->user.addr = s.vip;
	d->user.port = svc->user.port;
	d->user.num_dests = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		struct ip_vs_dest_entry_app *e = &d->user.entrytable[i];

		e->af = list[i].af == AF_INET6 ? AF_INET6 : AF_INET;
		if (e->af == AF_INET6)
			e->nf_addr.in6 = list[i].addr6;
		else
			e->nf_addr.ip = list[i].addr;
		e->user.addr = list[i].addr;
		e->user.port = htons(list[i].port);
		e->user.conn_flags = conn_flags_of(list[i].fwd);
		e->user.weight = list[i].weight;
		e->user.u_threshold = list[i].u_thresh;
		e->user.l_threshold = list[i].l_thresh;
		e->user.activeconns = list[i].activeconns;
		e->user.inactconns = list[i].inactconns;
		e->user.persistconns = list[i].persistconns;
		stats_of(&list[i].stats, &e->stats);
	}
	free(list);
	return d;
}
#endif

const char *ipvs_strerror(int err)
{
	if (err == ECONNREFUSED)
		return "dpvs is not running (control socket refused)";
	if (err == ENOENT && (ipvs_func == ipvs_update_dest ||
			      ipvs_func == ipvs_del_dest))
		return "No such destination";
	if (err == EEXIST && ipvs_func == ipvs_add_dest)
		return "Destination already exists";
	if (err == EEXIST && ipvs_func == ipvs_add_service)
		return "Service already exists";
	if (err == ENOKEY && ipvs_func == ipvs_start_daemon)
		return "no usable lvs_sync_daemon_key_file: dpvs does not sync "
		       "unauthenticated; sync stays off";
	if (err == EAFNOSUPPORT && ipvs_func == ipvs_start_daemon)
		return "dpvs syncs over IPv4 only: lvs_sync_daemon group must be "
		       "an IPv4 group";
	if (err == EAFNOSUPPORT && (ipvs_func == ipvs_add_dest ||
				    ipvs_func == ipvs_update_dest))
		return "a real server of the other family needs an IPv6 "
		       "service with lb_kind FNAT (NAT64)";
	if (err == ENOENT)
		return "No such service or scheduler";
	return strerror(err);
}
