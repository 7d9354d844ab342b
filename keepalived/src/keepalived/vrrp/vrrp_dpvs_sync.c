/*
 * Keeping dpvs's VIPs and virtual routes in step with the instances.
 * Compared with dpvs's lists every few seconds, and soon after a change
 * failed: a MASTER's missing VIPs and routes are added; those of an
 * instance that is not MASTER (and that this keepalived once put there)
 * are removed.  A delete that failed (a reload dropped the VIP, so no
 * instance has it any more) is kept and tried again until dpvs has it
 * no more, unless the VIP or route is added again meanwhile.
 * Included by vrrp_dpvs.c.
 */

static bool vrrp_dpvs_route_of(const vrrp_t *vrrp, const ip_route_t *rt,
			       struct dpvs_route *r, const char **why);

struct vrrp_dpvs_pending {
	bool route;
	struct dpvs_addr a;
	struct dpvs_route r;
};

#define VRRP_DPVS_PENDING_MAX 4096

static struct vrrp_dpvs_pending *pending;
static size_t npending;

/* Same family and address: a list's af is never 0, ours may be. */
static bool vrrp_dpvs_addr_eq(const struct dpvs_addr *x,
			      const struct dpvs_addr *y)
{
	bool v6 = x->af == AF_INET6;

	if (v6 != (y->af == AF_INET6))
		return false;
	return v6 ? !memcmp(&x->addr6, &y->addr6, sizeof(x->addr6)) :
		    x->addr == y->addr;
}

static bool vrrp_dpvs_route_eq(const struct dpvs_route *x,
			       const struct dpvs_route *y)
{
	bool v6 = x->af == AF_INET6;

	if (v6 != (y->af == AF_INET6) || x->plen != y->plen)
		return false;
	return v6 ? !memcmp(&x->prefix6, &y->prefix6, sizeof(x->prefix6)) :
		    x->prefix == y->prefix;
}

static bool vrrp_dpvs_same(const struct vrrp_dpvs_pending *p, bool route,
			   const struct dpvs_addr *a, const struct dpvs_route *r)
{
	if (p->route != route)
		return false;
	if (route)
		return vrrp_dpvs_route_eq(&p->r, r);
	return vrrp_dpvs_addr_eq(&p->a, a) && !strcmp(p->a.ifname, a->ifname);
}

/* A failure other than "refused for good" is worth another try. */
static bool vrrp_dpvs_transient(int rc)
{
	return rc == DPVS_ETIMEDOUT || rc == DPVS_EIO || rc == DPVS_EPROTO ||
	       rc == DPVS_ENOMEM || rc == DPVS_EBUSY;
}

/*
 * After a change was sent: a newer change of the same VIP or route
 * replaces a pending delete; a delete that failed for now is kept.
 */
static void vrrp_dpvs_note(bool route, const struct dpvs_addr *a,
			   const struct dpvs_route *r, bool add, int rc)
{
	struct vrrp_dpvs_pending p = { .route = route };
	struct vrrp_dpvs_pending *grown;

	for (size_t i = 0; i < npending; )
		if (vrrp_dpvs_same(&pending[i], route, a, r))
			pending[i] = pending[--npending];
		else
			i++;
	if (!vrrp_dpvs_failed(rc, add))
		return;
	vrrp_dpvs_error = true;
	if (add || !vrrp_dpvs_transient(rc) || npending >= VRRP_DPVS_PENDING_MAX)
		return;
	if (route)
		p.r = *r;
	else
		p.a = *a;
	grown = realloc(pending, sizeof(*pending) * (npending + 1));
	if (!grown)
		return;
	pending = grown;
	pending[npending++] = p;
}

struct vrrp_dpvs_pass {
	struct dpvs_addr *addrs;
	struct dpvs_route *routes;
	size_t naddrs, nroutes;
	unsigned failed;
};

static bool __attribute__((pure)) vrrp_dpvs_has_addr(const struct vrrp_dpvs_pass *s,
			       const struct dpvs_addr *a)
{
	for (size_t i = 0; i < s->naddrs; i++)
		if (vrrp_dpvs_addr_eq(&s->addrs[i], a) &&
		    !strcmp(s->addrs[i].ifname, a->ifname))
			return true;
	return false;
}

static bool __attribute__((pure)) vrrp_dpvs_has_route(const struct vrrp_dpvs_pass *s,
				const struct dpvs_route *r)
{
	for (size_t i = 0; i < s->nroutes; i++)
		if (vrrp_dpvs_route_eq(&s->routes[i], r))
			return true;
	return false;
}

/* One fix, logged; false if it failed for now. */
static bool vrrp_dpvs_fix(struct vrrp_dpvs_pass *s, const char *iname,
			  bool route, const void *rec, bool add)
{
	const struct dpvs_addr *a = rec;
	const struct dpvs_route *r = rec;
	char buf[DPVS_INET_ADDRSTRLEN];
	int rc;

	if (route)
		rc = vrrp_dpvs_do(add ? vrrp_dpvs_route_add :
				  vrrp_dpvs_route_del, r);
	else
		rc = vrrp_dpvs_do(add ? vrrp_dpvs_addr_add :
				  vrrp_dpvs_addr_del, a);
	if (route)
		dpvs_inet_ntop(r->af == AF_INET6 ? AF_INET6 : AF_INET, r->prefix,
			       &r->prefix6, buf, sizeof(buf));
	else
		vrrp_dpvs_addr_str(a, buf, sizeof(buf));
	if (!vrrp_dpvs_failed(rc, add)) {
		log_message(LOG_INFO, "(%s) dpvs: %s %s %s/%u on %s, to match "
			    "keepalived's state", iname, add ? "adding" : "removing",
			    route ? "route" : "VIP", buf, (unsigned)(route ? r->plen : a->plen),
			    route ? r->ifname : a->ifname);
		return true;
	}
	if (vrrp_dpvs_transient(rc))
		s->failed++;
	return false;
}

static void vrrp_dpvs_sync_vips(struct vrrp_dpvs_pass *s, vrrp_t *vrrp,
				list_head_t *l, bool is_master)
{
	ip_address_t *ip;

	list_for_each_entry(ip, l, e_list) {
		struct dpvs_addr a;
		bool there;

		if (!vrrp_dpvs_vip_family(ip))
			continue;
		vrrp_dpvs_addr_of(vrrp, ip, &a);
		a.plen = ip->ifa.ifa_prefixlen ? ip->ifa.ifa_prefixlen :
			 vrrp_dpvs_full_plen(&a);
		if (is_master)
			a.flags |= DPVS_ADDR_F_LEASED;
		there = vrrp_dpvs_has_addr(s, &a);
		if (is_master != there)
			vrrp_dpvs_fix(s, vrrp->iname, false, &a, is_master);
	}
}

static void vrrp_dpvs_sync_routes(struct vrrp_dpvs_pass *s, vrrp_t *vrrp,
				  bool is_master)
{
	ip_route_t *rt;

	list_for_each_entry(rt, &vrrp->vroutes, e_list) {
		struct dpvs_route r;
		const char *why;

		if (vrrp_dpvs_route_of(vrrp, rt, &r, &why) &&
		    is_master != vrrp_dpvs_has_route(s, &r))
			vrrp_dpvs_fix(s, vrrp->iname, true, &r, is_master);
	}
}

static void vrrp_dpvs_sync_pending(struct vrrp_dpvs_pass *s)
{
	for (size_t i = 0; i < npending; ) {
		struct vrrp_dpvs_pending p = pending[i];
		bool there = p.route ? vrrp_dpvs_has_route(s, &p.r) :
				       vrrp_dpvs_has_addr(s, &p.a);

		if (!there || vrrp_dpvs_fix(s, "reload", p.route,
					    p.route ? (void *)&p.r : (void *)&p.a,
					    false))
			pending[i] = pending[--npending];
		else
			i++;
	}
}

/* The fixes that failed for now; -1 if dpvs could not be listed. */
static int vrrp_dpvs_sync(void)
{
	struct vrrp_dpvs_pass s;
	vrrp_t *vrrp;
	int rc;

	memset(&s, 0, sizeof(s));
	if (!vrrp_dh)
		return -1;
	rc = dpvs_addr_list(vrrp_dh, &s.addrs, &s.naddrs);
	if (!rc)
		rc = dpvs_route_list(vrrp_dh, &s.routes, &s.nroutes);
	if (!rc) {
		list_for_each_entry(vrrp, &vrrp_data->vrrp, e_list) {
			bool is_master = vrrp->state == VRRP_STATE_MAST && vrrp->vipset;

			if (!vrrp->dpdk_interface || (!is_master && !vrrp->dpvs_vips_set))
				continue;
			vrrp_dpvs_sync_vips(&s, vrrp, &vrrp->vip, is_master);
			vrrp_dpvs_sync_vips(&s, vrrp, &vrrp->evip, is_master);
			vrrp_dpvs_sync_routes(&s, vrrp, is_master);
		}
		vrrp_dpvs_sync_pending(&s);
	}
	free(s.addrs);
	free(s.routes);
	return rc ? -1 : (int)s.failed;
}

#define VRRP_DPVS_SYNC_PERIOD 5
#define VRRP_DPVS_BACKOFF_MAX 32

static unsigned vrrp_sync_wait = 1, vrrp_sync_backoff = 1;

/* Once a second, as the checker's (check_dpvs.c): soon after a failure,
 * backing off while fixes fail, every few seconds otherwise. */
static void vrrp_dpvs_sync_tick(void)
{
	int failed;

	if (vrrp_dpvs_error && vrrp_sync_wait > vrrp_sync_backoff)
		vrrp_sync_wait = vrrp_sync_backoff;
	vrrp_dpvs_error = false;
	if (--vrrp_sync_wait > 0)
		return;
	failed = vrrp_dpvs_sync();
	vrrp_dpvs_error = false;
	if (!failed) {
		vrrp_sync_backoff = 1;
		vrrp_sync_wait = VRRP_DPVS_SYNC_PERIOD;
		return;
	}
	if (vrrp_sync_backoff < VRRP_DPVS_BACKOFF_MAX)
		vrrp_sync_backoff *= 2;
	vrrp_sync_wait = vrrp_sync_backoff;
	log_message(LOG_INFO, "dpvs: VIPs and virtual routes: some changes "
		    "failed; comparing again in %u s", vrrp_sync_wait);
}
