/*
 * Bringing dpvs back to what keepalived has: the services, real servers
 * and local addresses keepalived wants (struct dpvs_want, recorded by
 * running the push to a restarted dpvs with the ipvs_* calls recording
 * instead of calling) are compared with what dpvs lists, and the
 * differences are fixed.  Services keepalived added and no longer wants
 * (a delete that failed or timed out, or came too late) are deleted;
 * services keepalived never added are left alone.
 *
 * Included by libipvs_dpvs.c (it uses its handle and helpers).
 */

/* ---- recording what keepalived wants ---- */

static struct dpvs_want *want;

void ipvs_dpvs_record(struct dpvs_want *w)
{
	want = w;
}

void dpvs_want_free(struct dpvs_want *w)
{
	free(w->svcs);
	free(w->dests);
	free(w->laddrs);
	memset(w, 0, sizeof(*w));
}

/* Appends rec to *arr (*n of them); false when out of memory. */
static bool push_rec(void **arr, size_t *n, size_t size, const void *rec)
{
	uint8_t *grown = realloc(*arr, size * (*n + 1));

	if (!grown)
		return false;
	memcpy(grown + size * *n, rec, size);
	*arr = grown;
	(*n)++;
	return true;
}

static int record_svc(const struct dpvs_service *s)
{
	want->failed |= !push_rec((void **)&want->svcs, &want->nsvcs,
				  sizeof(*s), s);
	return 0;
}

static int record_dest(const struct dpvs_dest *d)
{
	want->failed |= !push_rec((void **)&want->dests, &want->ndests,
				  sizeof(*d), d);
	return 0;
}

static int record_laddr(const struct dpvs_laddr *l)
{
	want->failed |= !push_rec((void **)&want->laddrs, &want->nladdrs,
				  sizeof(*l), l);
	return 0;
}

/* ---- keys, sorted: the tables may hold tens of thousands ---- */

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* IPv4 (af AF_INET or 0) before IPv6, then the address's bytes. */
static int cmp_inet(uint8_t xaf, uint32_t x4, const struct in6_addr *x6,
		    uint8_t yaf, uint32_t y4, const struct in6_addr *y6)
{
	bool xv6 = xaf == AF_INET6, yv6 = yaf == AF_INET6;

	if (xv6 != yv6)
		return xv6 - yv6;
	return xv6 ? memcmp(x6, y6, sizeof(*x6)) : cmp_u32(ntohl(x4), ntohl(y4));
}

/* The key of a service (proto, family, vip, vport), alone. */
static struct dpvs_service svc_key(uint8_t proto, uint8_t af, uint32_t vip,
				   const struct in6_addr *vip6, uint16_t vport)
{
	struct dpvs_service k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.af = af == AF_INET6 ? AF_INET6 : AF_INET;
	k.vip = vip;
	k.vip6 = *vip6;
	k.vport = vport;
	return k;
}

#define SVC_KEY_OF(r) svc_key((r)->proto, (r)->vaf, (r)->vip, &(r)->vip6, \
			      (r)->vport)

/* Two service keys, in place: the sorts of 10^5 records make 10^6
 * comparisons, which must not build whole records (SVC_KEY_OF). */
static int cmp_key(uint8_t xproto, uint8_t xaf, uint32_t xvip,
		   const struct in6_addr *xvip6, uint16_t xvport,
		   uint8_t yproto, uint8_t yaf, uint32_t yvip,
		   const struct in6_addr *yvip6, uint16_t yvport)
{
	int c;

	if (xproto != yproto)
		return xproto - yproto;
	c = cmp_inet(xaf, xvip, xvip6, yaf, yvip, yvip6);
	return c ? c : xvport - yvport;
}

#define REC_KEY(r) (r)->proto, (r)->vaf, (r)->vip, &(r)->vip6, (r)->vport

/* Services, and the service part of real servers and local addresses. */
static int cmp_svc(const void *x, const void *y)
{
	const struct dpvs_service *a = x, *b = y;

	return cmp_key(a->proto, a->af, a->vip, &a->vip6, a->vport,
		       b->proto, b->af, b->vip, &b->vip6, b->vport);
}

static int cmp_dest(const void *x, const void *y)
{
	const struct dpvs_dest *a = x, *b = y;
	int c = cmp_key(REC_KEY(a), REC_KEY(b));

	if (!c)
		c = cmp_inet(a->af, a->addr, &a->addr6, b->af, b->addr, &b->addr6);
	return c ? c : a->port - b->port;
}

static int cmp_laddr(const void *x, const void *y)
{
	const struct dpvs_laddr *a = x, *b = y;
	int c = cmp_key(REC_KEY(a), REC_KEY(b));

	return c ? c : cmp_inet(a->af, a->addr, &a->addr6, b->af, b->addr,
				&b->addr6);
}

static struct dpvs_service * __attribute__((pure))
find_svc(struct dpvs_service *arr, size_t n, const struct dpvs_service *key)
{
	return n ? bsearch(key, arr, n, sizeof(*arr), cmp_svc) : NULL;
}

static struct dpvs_dest *find_dest(struct dpvs_dest *arr, size_t n,
				   const struct dpvs_dest *key)
{
	return n ? bsearch(key, arr, n, sizeof(*arr), cmp_dest) : NULL;
}

static bool has_laddr(struct dpvs_laddr *arr, size_t n,
		      const struct dpvs_laddr *key)
{
	return n && bsearch(key, arr, n, sizeof(*arr), cmp_laddr);
}

/* ---- services keepalived added (it may delete them again) ---- */

/*
 * Appended as keepalived adds them (unsorted); sorted, with the deleted
 * ones and duplicates dropped, at each comparison.  A delete marks them
 * dead: found by binary search while sorted, by a scan otherwise.
 */
struct owned_svc {
	struct dpvs_service key;  /* proto, af, vip or vip6, vport only */
	bool dead;
};

static struct owned_svc *owned;
static size_t nowned;
static bool owned_sorted = true;

static struct owned_svc * __attribute__((pure))
owned_find(const struct dpvs_service *s)
{
	struct owned_svc key = { .key = svc_key(s->proto, s->af, s->vip,
						&s->vip6, s->vport) };

	if (!owned_sorted || !nowned)
		return NULL;
	return bsearch(&key, owned, nowned, sizeof(*owned), cmp_svc);
}

static void owned_add(const struct dpvs_service *s)
{
	struct owned_svc o = { .key = svc_key(s->proto, s->af, s->vip,
					      &s->vip6, s->vport) };
	struct owned_svc *found = owned_find(s);

	if (found) {
		found->dead = false;
		return;
	}
	if (push_rec((void **)&owned, &nowned, sizeof(o), &o))
		owned_sorted = nowned < 2;
}

static void owned_del(const struct dpvs_service *s)
{
	struct owned_svc *found = owned_find(s);

	if (found) {
		found->dead = true;
		return;
	}
	for (size_t i = 0; !owned_sorted && i < nowned; i++)
		if (!cmp_svc(&owned[i].key, s))
			owned[i].dead = true;
}

static void owned_clear(void)
{
	nowned = 0;
	owned_sorted = true;
}

/* Sorts, keeping one entry per service: alive if any copy is (a delete
 * marks every copy dead, an add after it appends a live one). */
static void owned_compact(void)
{
	size_t n = 0;

	if (nowned)
		qsort(owned, nowned, sizeof(*owned), cmp_svc);
	for (size_t i = 0; i < nowned; i++) {
		if (n && !cmp_svc(&owned[n - 1].key, &owned[i].key)) {
			owned[n - 1].dead = owned[n - 1].dead && owned[i].dead;
			continue;
		}
		owned[n++] = owned[i];
	}
	nowned = n;
	for (size_t i = n = 0; i < nowned; i++)
		if (!owned[i].dead)
			owned[n++] = owned[i];
	nowned = n;
	owned_sorted = true;
}

/* ---- changes dpvs refused for good: not tried again and again ---- */

/* The fixes a comparison makes. */
enum { SYNC_SVC_ADD, SYNC_SVC_EDIT, SYNC_SVC_DEL, SYNC_DEST_ADD,
       SYNC_DEST_EDIT, SYNC_DEST_DEL, SYNC_LADDR_ADD };

struct refusal {
	int op;                 /* SYNC_* */
	union {
		struct dpvs_service s;
		struct dpvs_dest d;
		struct dpvs_laddr l;
	} rec;
};

#define REFUSALS_MAX 4096

static struct refusal *refused;
static size_t nrefused;

void ipvs_dpvs_forget_refusals(void)
{
	free(refused);
	refused = NULL;
	nrefused = 0;
}

static struct refusal refusal_of(int op, const void *rec, size_t size)
{
	struct refusal r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	memcpy(&r.rec, rec, size);
	return r;
}

static bool __attribute__((pure)) was_refused(const struct refusal *r)
{
	for (size_t i = 0; i < nrefused; i++)
		if (!memcmp(&refused[i], r, sizeof(*r)))
			return true;
	return false;
}

/* A service dpvs refused to add: its real servers and addresses wait. */
static bool __attribute__((pure)) svc_refused(const struct dpvs_service *key)
{
	for (size_t i = 0; i < nrefused; i++)
		if (refused[i].op == SYNC_SVC_ADD &&
		    !cmp_svc(&refused[i].rec.s, key))
			return true;
	return false;
}

/* Statuses that say "this request is wrong", not "dpvs could not now". */
static bool refused_for_good(int rc)
{
	return rc == DPVS_EINVAL || rc == DPVS_ENOTSUP || rc == DPVS_EPERM ||
	       rc == DPVS_ETOOBIG || rc == DPVS_EVERSION;
}

/* ---- the comparison ---- */

struct sync_pass {
	struct dpvs_service *svcs;   /* what dpvs has */
	struct dpvs_dest *dests;
	struct dpvs_laddr *laddrs;
	size_t nsvcs, ndests, nladdrs;
	unsigned fixed, failed;
	bool stalled;           /* dpvs timed out or went: stop this pass */
	char first_error[256];
};

typedef int (*sync_op_fn)(struct dpvs_handle *, const void *);

static int op_svc_add(struct dpvs_handle *h, const void *r) { return dpvs_svc_add(h, r); }
static int op_svc_edit(struct dpvs_handle *h, const void *r) { return dpvs_svc_edit(h, r); }
static int op_svc_del(struct dpvs_handle *h, const void *r) { return dpvs_svc_del(h, r); }
static int op_dest_add(struct dpvs_handle *h, const void *r) { return dpvs_dest_add(h, r); }
static int op_dest_edit(struct dpvs_handle *h, const void *r) { return dpvs_dest_edit(h, r); }
static int op_dest_del(struct dpvs_handle *h, const void *r) { return dpvs_dest_del(h, r); }
static int op_laddr_add(struct dpvs_handle *h, const void *r) { return laddr_add(h, r); }

static const char *const sync_op_names[] = {
	"adding service", "editing service", "deleting service",
	"adding real server", "editing real server", "deleting real server",
	"adding local address",
};
static const sync_op_fn sync_ops[] = {
	op_svc_add, op_svc_edit, op_svc_del, op_dest_add, op_dest_edit,
	op_dest_del, op_laddr_add,
};

/* addr[:port] as dpvsadm prints it: IPv6 in brackets when a port follows. */
static void format_inet(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			int port, char *buf, size_t len)
{
	char a[DPVS_INET_ADDRSTRLEN];

	dpvs_inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, v4, v6, a, sizeof(a));
	if (port < 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, af == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port);
}

static void format_rec(int op, const void *rec, char *buf, size_t len)
{
	char vip[DPVS_INET_ADDRSTRLEN + 8], addr[DPVS_INET_ADDRSTRLEN + 8];

	if (op >= SYNC_DEST_ADD && op <= SYNC_DEST_DEL) {
		const struct dpvs_dest *d = rec;

		format_inet(d->vaf, d->vip, &d->vip6, d->vport, vip, sizeof(vip));
		format_inet(d->af, d->addr, &d->addr6, d->port, addr, sizeof(addr));
		snprintf(buf, len, "%s (weight %d) of %s", addr, d->weight, vip);
	} else if (op == SYNC_LADDR_ADD) {
		const struct dpvs_laddr *l = rec;

		format_inet(l->vaf, l->vip, &l->vip6, l->vport, vip, sizeof(vip));
		format_inet(l->af, l->addr, &l->addr6, -1, addr, sizeof(addr));
		snprintf(buf, len, "%s of %s", addr, vip);
	} else {
		const struct dpvs_service *s = rec;

		format_inet(s->af, s->vip, &s->vip6, s->vport, vip, sizeof(vip));
		snprintf(buf, len, "%s %s", s->proto == IPPROTO_UDP ? "UDP" :
			 "TCP", vip);
	}
}

/* One fix: done, or counted as failed (a refusal once, and then left). */
static void sync_do(struct sync_pass *p, int op, const void *rec, size_t size)
{
	struct refusal r = refusal_of(op, rec, size);
	char what[192];
	int rc;

	if (p->stalled || was_refused(&r))
		return;
	format_rec(op, rec, what, sizeof(what));
	if (connected() < 0)
		rc = DPVS_EIO;
	else
		rc = sync_ops[op](dh, rec);
	if (rc == DPVS_OK || (op == SYNC_SVC_DEL && rc == DPVS_ENOENT)) {
		log_message(LOG_INFO, "dpvs: %s %s, to match keepalived's state",
			    sync_op_names[op], what);
		if (op == SYNC_SVC_DEL)
			owned_del(rec);
		p->fixed++;
		return;
	}
	if (refused_for_good(rc)) {
		log_message(LOG_INFO, "dpvs: %s %s refused (%s); not tried again "
			    "until a reload or a dpvs restart", sync_op_names[op],
			    what, dh ? dpvs_errmsg(dh) : dpvs_strerror(rc));
		if (nrefused >= REFUSALS_MAX)
			ipvs_dpvs_forget_refusals();
		push_rec((void **)&refused, &nrefused, sizeof(r), &r);
		return;
	}
	if (!p->failed++)
		snprintf(p->first_error, sizeof(p->first_error), "%s %s: %s",
			 sync_op_names[op], what, dh && dpvs_errmsg(dh)[0] ?
			 dpvs_errmsg(dh) : dpvs_strerror(rc));
	if (rc == DPVS_EIO || rc == DPVS_ETIMEDOUT)
		p->stalled = true;  /* the rest would wait as long: next pass */
}

static bool svc_differs(const struct dpvs_service *w,
			const struct dpvs_service *h)
{
	const char *ws = w->sched[0] ? w->sched : "wlc";
	const char *hs = h->sched[0] ? h->sched : "wlc";

	if (strcmp(ws, hs) || w->flags != h->flags)
		return true;
	return (w->flags & DPVS_SVC_F_PERSISTENT) &&
	       (w->timeout != h->timeout || w->netmask != h->netmask);
}

static bool dest_differs(const struct dpvs_dest *w, const struct dpvs_dest *h)
{
	return w->fwd != h->fwd || w->weight != h->weight ||
	       w->u_thresh != h->u_thresh || w->l_thresh != h->l_thresh;
}

static void sync_services(struct sync_pass *p, const struct dpvs_want *w)
{
	for (size_t i = 0; i < w->nsvcs; i++) {
		const struct dpvs_service *h = find_svc(p->svcs, p->nsvcs,
							&w->svcs[i]);

		if (!h)
			sync_do(p, SYNC_SVC_ADD, &w->svcs[i], sizeof(w->svcs[i]));
		else if (svc_differs(&w->svcs[i], h))
			sync_do(p, SYNC_SVC_EDIT, &w->svcs[i], sizeof(w->svcs[i]));
	}
}

static void sync_dests(struct sync_pass *p, const struct dpvs_want *w)
{
	for (size_t i = 0; i < w->ndests; i++) {
		const struct dpvs_dest *h = find_dest(p->dests, p->ndests,
						      &w->dests[i]);

		struct dpvs_service key = SVC_KEY_OF(&w->dests[i]);

		if (svc_refused(&key))
			continue;
		if (!h)
			sync_do(p, SYNC_DEST_ADD, &w->dests[i], sizeof(w->dests[i]));
		else if (dest_differs(&w->dests[i], h))
			sync_do(p, SYNC_DEST_EDIT, &w->dests[i], sizeof(w->dests[i]));
	}
	/* In a service keepalived wants, only its real servers. */
	for (size_t i = 0; i < p->ndests; i++) {
		struct dpvs_service key = SVC_KEY_OF(&p->dests[i]);

		if (find_svc(w->svcs, w->nsvcs, &key) &&
		    !find_dest(w->dests, w->ndests, &p->dests[i]))
			sync_do(p, SYNC_DEST_DEL, &p->dests[i], sizeof(p->dests[i]));
	}
}

static void sync_laddrs(struct sync_pass *p, const struct dpvs_want *w)
{
	for (size_t i = 0; i < w->nladdrs; i++) {
		const struct dpvs_laddr *l = &w->laddrs[i];
		struct dpvs_service key = SVC_KEY_OF(l);

		if (!has_laddr(p->laddrs, p->nladdrs, l) && !svc_refused(&key))
			sync_do(p, SYNC_LADDR_ADD, l, sizeof(*l));
	}
}

/* Services keepalived added but does not want (any more): deleted. */
static void sync_leftovers(struct sync_pass *p, const struct dpvs_want *w)
{
	owned_compact();
	for (size_t i = 0; i < nowned; i++) {
		const struct dpvs_service *o = &owned[i].key;

		if (find_svc(w->svcs, w->nsvcs, o))
			continue;
		if (!find_svc(p->svcs, p->nsvcs, o))
			owned[i].dead = true;      /* gone already */
		else
			sync_do(p, SYNC_SVC_DEL, o, sizeof(*o));
	}
}

/* Sorted for binary search: what dpvs has, and what keepalived wants. */
/* (qsort() must not be given the NULL of an empty list.) */
static void sort_recs(void *arr, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(arr, n, size, cmp);
}

static void sync_sort(struct sync_pass *p, struct dpvs_want *w)
{
	sort_recs(p->svcs, p->nsvcs, sizeof(*p->svcs), cmp_svc);
	sort_recs(p->dests, p->ndests, sizeof(*p->dests), cmp_dest);
	sort_recs(p->laddrs, p->nladdrs, sizeof(*p->laddrs), cmp_laddr);
	sort_recs(w->svcs, w->nsvcs, sizeof(*w->svcs), cmp_svc);
	sort_recs(w->dests, w->ndests, sizeof(*w->dests), cmp_dest);
	sort_recs(w->laddrs, w->nladdrs, sizeof(*w->laddrs), cmp_laddr);
}

static void sync_pass_free(struct sync_pass *p)
{
	free(p->svcs);
	free(p->dests);
	free(p->laddrs);
}

/*
 * Fixes what differs between dpvs and w.  Returns the number of fixes that
 * failed and are worth trying again (-1: dpvs could not be listed); the
 * first failure is logged.
 */
int ipvs_dpvs_sync(struct dpvs_want *w)
{
	struct sync_pass p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (w->failed || connected() < 0)
		return -1;    /* without all of w, nothing may be deleted */
	rc = dpvs_svc_dest_list(dh, &p.svcs, &p.nsvcs, &p.dests, &p.ndests);
	if (!rc)
		rc = dpvs_laddr_list(dh, NULL, &p.laddrs, &p.nladdrs);
	if (rc) {
		log_message(LOG_INFO, "dpvs: cannot list its state to compare "
			    "with keepalived's: %s", dpvs_errmsg(dh));
		dpvs_close(dh);
		dh = NULL;
		sync_pass_free(&p);
		return -1;
	}
	sync_sort(&p, w);
	sync_services(&p, w);
	sync_dests(&p, w);
	sync_laddrs(&p, w);
	sync_leftovers(&p, w);
	sync_pass_free(&p);
	if (p.failed)
		log_message(LOG_INFO, "dpvs: %u change(s) to match keepalived's "
			    "state failed, first: %s", p.failed, p.first_error);
	return (int)p.failed;
}
