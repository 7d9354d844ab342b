/*
 * VRRP with dpvs: an instance that names "dpdk_interface PORT" also puts
 * its VIPs on that dpvs port when it becomes MASTER (dpvs announces each
 * with a gratuitous ARP, an IPv6 one with unsolicited neighbour
 * advertisements) and takes them off when it leaves MASTER.  The
 * VRRP packets themselves run on the port's kernel twin (interface
 * PORT.kni).  The instance's virtual routes go with its VIPs, a reload
 * takes out what it dropped, and a watch keeps dpvs in step
 * (vrrp_dpvs_sync.c).  The VIPs live in dpvs under the HA lease, and
 * dpvs dying puts the instances into FAULT (vrrp_dpvs_lease.c); the
 * sync key and peer are vrrp_dpvs_ha.c's.  Included by vrrp.c when built
 * with _WITH_DPVS_.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libdpvs.h"
#include "vrrp_iproute.h"

static struct dpvs_handle *vrrp_dh;
static bool vrrp_dpvs_error;   /* a change failed: compare soon */

/* $DPVS_IPC_FILE, with $DPVS_IPC_TIMEOUT_MS as the wait for each call. */
static int vrrp_dpvs_open(void)
{
	const char *path = getenv("DPVS_IPC_FILE");
	const char *ms = getenv("DPVS_IPC_TIMEOUT_MS");
	int rc = dpvs_connect(path && *path ? path : NULL, &vrrp_dh);

	if (rc == DPVS_OK && ms && atoi(ms) > 0)
		dpvs_set_timeout(vrrp_dh, atoi(ms));
	return rc;
}

static bool vrrp_dpvs_connected(void)
{
	if (vrrp_dh)
		return true;
	if (vrrp_dpvs_open() == DPVS_OK)
		return true;
	vrrp_dpvs_error = true;
	log_message(LOG_INFO, "dpvs: cannot connect to its control socket: %s",
		    strerror(errno));
	return false;
}

/* Runs op once more on a new connection if dpvs restarted (DPVS_EIO). */
static int vrrp_dpvs_do(int (*op)(struct dpvs_handle *, const void *),
			const void *arg)
{
	int rc;

	if (!vrrp_dpvs_connected())
		return DPVS_EIO;
	rc = op(vrrp_dh, arg);
	if (rc == DPVS_EIO) {
		dpvs_close(vrrp_dh);
		vrrp_dh = NULL;
		if (!vrrp_dpvs_connected())
			return DPVS_EIO;
		rc = op(vrrp_dh, arg);
	}
	return rc;
}

static int vrrp_dpvs_addr_add(struct dpvs_handle *h, const void *a) { return dpvs_addr_add(h, a); }
static int vrrp_dpvs_addr_del(struct dpvs_handle *h, const void *a) { return dpvs_addr_del(h, a); }
static int vrrp_dpvs_route_add(struct dpvs_handle *h, const void *r) { return dpvs_route_add(h, r); }
static int vrrp_dpvs_route_del(struct dpvs_handle *h, const void *r) { return dpvs_route_del(h, r); }

/* Only "already there" on add and "not there" on delete are expected. */
static bool vrrp_dpvs_failed(int rc, bool add)
{
	return rc != DPVS_OK && !(add && rc == DPVS_EEXIST) &&
	       !(!add && rc == DPVS_ENOENT);
}

static const char *vrrp_dpvs_msg(int rc)
{
	if (rc == DPVS_EIO || !vrrp_dh)
		return "dpvs is not running (control socket refused)";
	return dpvs_errmsg(vrrp_dh);
}

/*
 * A VIP in dpvs's terms (either family; plen and flags left to the
 * caller).  IPv6 VIPs are NODAD: the VRRP election already decided who
 * holds them, and a takeover must not wait a second for DAD.
 */
static void vrrp_dpvs_addr_of(const vrrp_t *vrrp, const ip_address_t *ip,
			      struct dpvs_addr *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->ifname, sizeof(a->ifname), "%s", vrrp->dpdk_interface);
	a->af = (uint8_t)ip->ifa.ifa_family;
	if (a->af == AF_INET6) {
		a->addr6 = ip->u.sin6_addr;
		a->flags = DPVS_ADDR_F_NODAD;
	} else
		a->addr = ip->u.sin.sin_addr.s_addr;
}

static bool vrrp_dpvs_vip_family(const ip_address_t *ip)
{
	return ip->ifa.ifa_family == AF_INET || ip->ifa.ifa_family == AF_INET6;
}

static uint8_t vrrp_dpvs_full_plen(const struct dpvs_addr *a)
{
	return a->af == AF_INET6 ? 128 : 32;
}

/* The address of a as text (brackets-free, as ip prints it). */
static const char *vrrp_dpvs_addr_str(const struct dpvs_addr *a, char *buf,
				      size_t len)
{
	return dpvs_inet_ntop(a->af == AF_INET6 ? AF_INET6 : AF_INET, a->addr,
			      &a->addr6, buf, len);
}

#include "vrrp_dpvs_sync.c"

static void vrrp_dpvs_vips(vrrp_t *vrrp, list_head_t *l, int cmd)
{
	ip_address_t *ip;

	if (!vrrp->dpdk_interface || list_empty(l))
		return;
	if (cmd == IPADDRESS_ADD)
		vrrp->dpvs_vips_set = true;   /* ours to take out again */
	if (!vrrp_dpvs_connected())
		return;
	list_for_each_entry(ip, l, e_list) {
		struct dpvs_addr a;
		int rc;

		if (!vrrp_dpvs_vip_family(ip))
			continue;
		vrrp_dpvs_addr_of(vrrp, ip, &a);
		a.plen = ip->ifa.ifa_prefixlen ? ip->ifa.ifa_prefixlen :
			 vrrp_dpvs_full_plen(&a);
		/* dpvs removes them if this process loses the HA lease */
		if (cmd == IPADDRESS_ADD)
			a.flags |= DPVS_ADDR_F_LEASED;
		rc = vrrp_dpvs_do(cmd == IPADDRESS_ADD ? vrrp_dpvs_addr_add :
				  vrrp_dpvs_addr_del, &a);
		vrrp_dpvs_note(false, &a, NULL, cmd == IPADDRESS_ADD, rc);
		if (rc == DPVS_EIO && !vrrp_dh)
			return;      /* said by vrrp_dpvs_connected() */
		if (vrrp_dpvs_failed(rc, cmd == IPADDRESS_ADD)) {
			char buf[DPVS_INET_ADDRSTRLEN];

			vrrp_dpvs_addr_str(&a, buf, sizeof(buf));
			log_message(LOG_INFO, "(%s) dpvs: %s VIP %s on %s: %s",
				    vrrp->iname, cmd == IPADDRESS_ADD ? "adding" :
				    "removing", buf, vrrp->dpdk_interface,
				    vrrp_dpvs_msg(rc));
		}
	}
}

/* A gratuitous ARP, or for IPv6 unsolicited neighbour advertisements. */
static int vrrp_dpvs_garp_op(struct dpvs_handle *h, const void *x)
{
	const struct dpvs_addr *a = x;

	if (a->af == AF_INET6)
		return dpvs_addr_announce(h, a);
	return dpvs_garp(h, a->ifname, a->addr);
}

static bool vrrp_dpvs_ha_announce(const vrrp_t *vrrp);

static void vrrp_dpvs_garp_one(const vrrp_t *vrrp, const struct dpvs_addr *a)
{
	char buf[DPVS_INET_ADDRSTRLEN];
	int rc = vrrp_dpvs_do(vrrp_dpvs_garp_op, a);

	if (rc == DPVS_OK || (rc == DPVS_EIO && !vrrp_dh))
		return;
	vrrp_dpvs_addr_str(a, buf, sizeof(buf));
	log_message(LOG_INFO, "(%s) dpvs: %s for %s on %s: %s", vrrp->iname,
		    a->af == AF_INET6 ? "unsolicited NA" : "gratuitous ARP",
		    buf, a->ifname, vrrp_dpvs_msg(rc));
}

/*
 * keepalived's own gratuitous ARPs leave through the TAP, and dpvs drops
 * them (the kernel never speaks for a VIP).  So whenever keepalived sends
 * them (becoming MASTER, garp_master_refresh, a lower priority advert
 * heard after a split brain...), dpvs sends one for each VIP, and
 * announces the pair's shared "ha" local addresses again, which the real
 * servers must find at this LB too (only the lease holder may).
 * keepalived's unsolicited NAs for IPv6 VIPs take the same way.
 */
static void vrrp_dpvs_garp(vrrp_t *vrrp)
{
	struct dpvs_addr *addrs = NULL, a;
	size_t n = 0;
	ip_address_t *ip;
	list_head_t *l;

	if (!vrrp->dpdk_interface || !vrrp_dpvs_connected())
		return;
	for (l = &vrrp->vip; l; l = l == &vrrp->vip ? &vrrp->evip : NULL)
		list_for_each_entry(ip, l, e_list) {
			if (!vrrp_dpvs_vip_family(ip))
				continue;
			vrrp_dpvs_addr_of(vrrp, ip, &a);
			vrrp_dpvs_garp_one(vrrp, &a);
		}
	if (vrrp_dpvs_ha_announce(vrrp) || !vrrp_dh ||
	    dpvs_addr_list(vrrp_dh, &addrs, &n) != DPVS_OK)
		return;
	/* A dpvs without the announce: one for each, as for the VIPs. */
	for (size_t i = 0; i < n; i++)
		if (addrs[i].flags & DPVS_ADDR_F_HA)
			vrrp_dpvs_garp_one(vrrp, &addrs[i]);
	free(addrs);
}

/*
 * A virtual route in dpvs's terms: unicast, of either family (IPv6 ones
 * go to dpvs's route6), a gateway route with "via", otherwise on-link;
 * on the instance's dpdk_interface.  False (with the reason in *why)
 * for what dpvs cannot hold.
 */
static bool vrrp_dpvs_route_of(const vrrp_t *vrrp, const ip_route_t *rt,
			       struct dpvs_route *r, const char **why)
{
	bool v6 = rt->family == AF_INET6;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (rt->family != AF_INET && !v6)
		return false;
	if (rt->type != RTN_UNICAST) {
		*why = "only unicast routes go to dpvs";
		return false;
	}
	if (!list_empty(&rt->nhs)) {
		*why = "multipath routes (nexthop) do not go to dpvs";
		return false;
	}
	if (rt->via && rt->via->ifa.ifa_family != rt->family) {
		*why = "a gateway of the other family does not go to dpvs";
		return false;
	}
	snprintf(r->ifname, sizeof(r->ifname), "%s", vrrp->dpdk_interface);
	r->af = v6 ? AF_INET6 : AF_INET;
	if (rt->dst && rt->dst->ifa.ifa_family == rt->family) {
		r->prefix = v6 ? 0 : rt->dst->u.sin.sin_addr.s_addr;
		if (v6)
			r->prefix6 = rt->dst->u.sin6_addr;
		r->plen = rt->dst->ifa.ifa_prefixlen;
	}                      /* else "default": 0.0.0.0/0 or ::/0 */
	r->type = rt->via ? DPVS_RT_GATEWAY : DPVS_RT_CONNECTED;
	if (rt->via && v6)
		r->gw6 = rt->via->u.sin6_addr;
	else if (rt->via)
		r->gw = rt->via->u.sin.sin_addr.s_addr;
	if (rt->pref_src && rt->pref_src->ifa.ifa_family == rt->family) {
		if (v6)
			r->src6 = rt->pref_src->u.sin6_addr;
		else
			r->src = rt->pref_src->u.sin.sin_addr.s_addr;
	}
	return true;
}

static void vrrp_dpvs_route(vrrp_t *vrrp, ip_route_t *rt, int cmd)
{
	struct dpvs_route r;
	const char *why;
	char buf[DPVS_INET_ADDRSTRLEN];
	int rc;

	if (!vrrp_dpvs_route_of(vrrp, rt, &r, &why)) {
		if (why && cmd == IPROUTE_ADD)
			log_message(LOG_INFO, "(%s) dpvs: virtual route %s: %s; "
				    "it is set in the kernel only", vrrp->iname,
				    rt->dst ? ipaddresstos(NULL, rt->dst) : "default",
				    why);
		return;
	}
	rc = vrrp_dpvs_do(cmd == IPROUTE_DEL ? vrrp_dpvs_route_del :
			  vrrp_dpvs_route_add, &r);
	vrrp_dpvs_note(true, NULL, &r, cmd != IPROUTE_DEL, rc);
	if (rc == DPVS_EIO && !vrrp_dh)
		return;
	if (vrrp_dpvs_failed(rc, cmd != IPROUTE_DEL)) {
		dpvs_inet_ntop(r.af, r.prefix, &r.prefix6, buf, sizeof(buf));
		log_message(LOG_INFO, "(%s) dpvs: %s route %s/%u on %s: %s",
			    vrrp->iname, cmd != IPROUTE_DEL ? "adding" : "removing",
			    buf, r.plen, vrrp->dpdk_interface, vrrp_dpvs_msg(rc));
	}
}

/* The instance's virtual routes go to (IPROUTE_ADD) or leave dpvs. */
static void vrrp_dpvs_routes(vrrp_t *vrrp, list_head_t *l, int cmd)
{
	ip_route_t *rt;

	if (!vrrp->dpdk_interface || list_empty(l) || !vrrp_dpvs_connected())
		return;
	list_for_each_entry(rt, l, e_list)
		vrrp_dpvs_route(vrrp, rt, cmd);
}

static bool vrrp_dpvs_same_port(const vrrp_t *a, const vrrp_t *b)
{
	return a->dpdk_interface && b->dpdk_interface &&
	       !strcmp(a->dpdk_interface, b->dpdk_interface);
}

/*
 * Reload, before the kernel side is diffed: the old instance's VIPs that
 * the new configuration dropped leave dpvs (all of them if the instance
 * lost or changed its dpdk_interface).  Only while the VIPs are set.
 */
static void vrrp_dpvs_reload_vips(vrrp_t *old, vrrp_t *new)
{
	list_head_t gone;
	ip_address_t *ip, *n;
	list_head_t *l;

	if (!old->dpdk_interface || !old->vipset)
		return;
	if (!vrrp_dpvs_same_port(old, new)) {
		vrrp_dpvs_vips(old, &old->vip, IPADDRESS_DEL);
		vrrp_dpvs_vips(old, &old->evip, IPADDRESS_DEL);
		return;
	}
	INIT_LIST_HEAD(&gone);
	for (l = &old->vip; l; l = l == &old->vip ? &old->evip : NULL) {
		list_for_each_entry_safe(ip, n, l, e_list) {
			ip_address_t *keep;
			bool kept = false;

			list_for_each_entry(keep, &new->vip, e_list)
				kept = kept || !compare_ipaddress(ip, keep);
			list_for_each_entry(keep, &new->evip, e_list)
				kept = kept || !compare_ipaddress(ip, keep);
			if (!kept) {
				list_del_init(&ip->e_list);
				list_add_tail(&ip->e_list, &gone);
			}
		}
	}
	vrrp_dpvs_vips(old, &gone, IPADDRESS_DEL);
	/* Back where they were: keepalived's own diff comes next. */
	list_splice(&gone, &old->vip);
}

/* Likewise for virtual routes: dropped or changed ones leave dpvs (a
 * changed one is added again as it is now by the reload). */
static void vrrp_dpvs_reload_routes(vrrp_t *old, vrrp_t *new)
{
	ip_route_t *rt, *nrt;

	if (!old->dpdk_interface || !old->vipset)
		return;
	list_for_each_entry(rt, &old->vroutes, e_list) {
		struct dpvs_route a, b;
		const char *why;
		bool kept = false;

		if (!vrrp_dpvs_route_of(old, rt, &a, &why))
			continue;
		if (vrrp_dpvs_same_port(old, new))
			list_for_each_entry(nrt, &new->vroutes, e_list)
				if (vrrp_dpvs_route_of(new, nrt, &b, &why) &&
				    !memcmp(&a, &b, sizeof(a)))
					kept = true;
		if (!kept)
			vrrp_dpvs_route(old, rt, IPROUTE_DEL);
	}
}

#include "vrrp_dpvs_ha.c"
#include "vrrp_dpvs_lease.c"

/* dpvs lost the sync roles (it restarted; the lease ended, which stops
 * the master role): the instance's, again. */
static void vrrp_dpvs_sync_restart(const char *why)
{
	const struct lvs_syncd_config *s = &global_data->lvs_syncd;

	if (!s->ifname || !s->vrrp || !vrrp_dpvs_sync_secret(NULL))
		return;
	log_message(LOG_INFO, "%s: starting connection sync again", why);
	ipvs_syncd_cmd(IPVS_STARTDAEMON, s, s->vrrp->state == VRRP_STATE_MAST ?
		       IPVS_MASTER : IPVS_BACKUP, false);
}

/*
 * The VRRP side's own watch on dpvs: when a different dpvs answers (it
 * restarted), a MASTER instance puts its VIPs and virtual routes back at
 * once, without waiting for a VRRP state change (there is none if VRRP
 * does not run on the port's TAP).
 */
static uint64_t vrrp_dpvs_gen;

static uint64_t vrrp_dpvs_generation(void)
{
	struct dpvs_version_info v;

	if (!vrrp_dh && vrrp_dpvs_open() != DPVS_OK)
		return 0;
	if (dpvs_get_version(vrrp_dh, &v) != DPVS_OK) {
		dpvs_close(vrrp_dh);
		vrrp_dh = NULL;
		return 0;
	}
	return v.start_time << 22 ^ v.pid;
}

static void vrrp_dpvs_watch_thread(__attribute__((unused)) thread_ref_t thread)
{
	uint64_t gen = vrrp_dpvs_generation();
	vrrp_t *vrrp;

	if (gen && vrrp_dpvs_gen && gen != vrrp_dpvs_gen) {
		vrrp_dpvs_sync_restart("dpvs restarted");
		list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list) {
			if (!vrrp->dpdk_interface || vrrp->state != VRRP_STATE_MAST ||
			    !vrrp->vipset)
				continue;
			vrrp_dpvs_lease_take(vrrp);
			log_message(LOG_INFO, "(%s) dpvs restarted: setting VIPs and "
				    "virtual routes on %s again", vrrp->iname,
				    vrrp->dpdk_interface);
			vrrp_dpvs_vips(vrrp, &vrrp->vip, IPADDRESS_ADD);
			vrrp_dpvs_vips(vrrp, &vrrp->evip, IPADDRESS_ADD);
			vrrp_dpvs_routes(vrrp, &vrrp->vroutes, IPROUTE_ADD);
		}
	}
	if (gen) {
		vrrp_dpvs_gen = gen;
		vrrp_dpvs_sync_tick();
	}
	vrrp_dpvs_ha_tick();
	thread_add_timer(master, vrrp_dpvs_watch_thread, NULL, TIMER_HZ);
}

void vrrp_dpvs_start_watch(void)
{
	vrrp_t *vrrp;

	list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list)
		if (vrrp->dpdk_interface) {
			if (!vrrp_dpvs_gen)
				vrrp_dpvs_gen = vrrp_dpvs_generation();
			vrrp_dpvs_ha_start();
			thread_add_timer(master, vrrp_dpvs_watch_thread, NULL,
					 TIMER_HZ);
			return;
		}
}
