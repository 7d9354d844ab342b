/*
 * The virtual server table as dpvs has it, for -L, -S and -G: fetched in
 * one request and sorted in ipvsadm's order (protocol, address, port).
 */
#include "dpvsadm.h"

#include <stdlib.h>
#include <string.h>

#include "dpvs_ops.h"
#include "wire.h"

static int cmp_ip(struct ip_ref a, struct ip_ref b)
{
	bool v6a = a.af == AF_INET6, v6b = b.af == AF_INET6;
	uint32_t h1 = ntohl(a.v4), h2 = ntohl(b.v4);

	if (v6a != v6b)
		return v6a ? 1 : -1;
	if (v6a)
		return memcmp(a.v6, b.v6, sizeof(*a.v6));
	return h1 < h2 ? -1 : h1 > h2;
}

int cmp_key(uint8_t p1, struct ip_ref a1, uint16_t port1, uint8_t p2,
	    struct ip_ref a2, uint16_t port2)
{
	int r;

	if (p1 != p2)
		return p1 < p2 ? -1 : 1;
	r = cmp_ip(a1, a2);
	if (r)
		return r < 0 ? -1 : 1;
	return port1 < port2 ? -1 : port1 > port2;
}

int cmp_svc(const void *a, const void *b)
{
	const struct dpvs_service *x = a, *y = b;

	return cmp_key(x->proto, SVC_IP(x), x->vport, y->proto, SVC_IP(y),
		       y->vport);
}

bool svc_exists(struct dpvs_handle *h, const struct dpvs_service *key)
{
	struct dpvs_service *s;
	size_t n;
	bool found = false;

	if (dpvs_svc_list(h, &s, &n))
		return true;
	for (size_t i = 0; i < n && !found; i++)
		found = !cmp_svc(&s[i], key);
	free(s);
	return found;
}

static int cmp_dref(const void *a, const void *b, bool sort)
{
	const struct dref *x = a, *y = b;
	int r = cmp_key(x->d->proto, VIP_OF(x->d), x->d->vport, y->d->proto,
			VIP_OF(y->d), y->d->vport);

	if (r)
		return r;
	if (sort) {
		r = cmp_key(0, DEST_IP(x->d), x->d->port, 0, DEST_IP(y->d),
			    y->d->port);
		if (r)
			return r;
	}
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int cmp_dref_sorted(const void *a, const void *b)
{
	return cmp_dref(a, b, true);
}

static int cmp_dref_unsorted(const void *a, const void *b)
{
	return cmp_dref(a, b, false);
}

void table_free(struct table *t)
{
	free(t->svcs);
	free(t->dests);
	free(t->refs);
	memset(t, 0, sizeof(*t));
}

int table_get(struct dpvs_handle *h, bool sort, struct table *t,
	      const char *what)
{
	int rc;

	memset(t, 0, sizeof(*t));
	/* One request, one gather: a service's counters are its servers'. */
	rc = dpvs_svc_dest_list(h, &t->svcs, &t->nsvcs, &t->dests, &t->ndests);
	if (rc) {
		table_free(t);
		return report(h, rc, what);
	}
	t->refs = calloc(t->ndests ? t->ndests : 1, sizeof(*t->refs));
	if (!t->refs) {
		table_free(t);
		return fail("%s: out of memory", what);
	}
	for (size_t i = 0; i < t->ndests; i++)
		t->refs[i] = (struct dref){ &t->dests[i], i };
	if (sort)
		qsort(t->svcs, t->nsvcs, sizeof(*t->svcs), cmp_svc);
	qsort(t->refs, t->ndests, sizeof(*t->refs),
	      sort ? cmp_dref_sorted : cmp_dref_unsorted);
	return 0;
}

size_t table_dests(const struct table *t, const struct dpvs_service *s,
		   size_t *first)
{
	size_t lo = 0, hi = t->ndests, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dpvs_dest *d = t->refs[mid].d;

		if (cmp_key(d->proto, VIP_OF(d), d->vport, s->proto, SVC_IP(s),
			    s->vport) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < t->ndests) {
		const struct dpvs_dest *d = t->refs[lo + n].d;

		if (cmp_key(d->proto, VIP_OF(d), d->vport, s->proto, SVC_IP(s),
			    s->vport))
			break;
		n++;
	}
	return n;
}

/*
 * Asks dpvs for the one service (its counters only are gathered): 1 when
 * this dpvs lists everything only (before 2026-12, "expected 0..0"), so
 * the caller falls back to the whole list.
 */
static int ask_service(struct dpvs_handle *h, const struct dpvs_service *key,
		       struct dpvs_service *out, int *rc)
{
	struct wbuf q;
	struct rbuf r;
	void *buf = NULL;
	size_t len = 0;
	uint32_t n;

	wb_init(&q);
	wire_enc_svc(&q, key);
	*rc = q.err ? DPVS_ENOMEM : dpvs_call(h, DPVS_OP_SVC_LIST, q.data,
					      q.len, &buf, &len);
	wb_free(&q);
	if (*rc == DPVS_EINVAL)
		return 1;
	if (*rc)
		return 0;
	rb_init(&r, buf, len);
	n = rb_u32(&r);
	if (n != 1 || wire_dec_svc(&r, out) != DPVS_OK || !rb_done(&r))
		*rc = DPVS_EPROTO;
	free(buf);
	return 0;
}

static int find_in_list(struct dpvs_handle *h, const struct cmd *c,
			const char *what, struct dpvs_service *out)
{
	struct dpvs_service *s;
	size_t n;
	bool found = false;
	char svc[SVC_NAME_LEN];
	int rc = dpvs_svc_list(h, &s, &n);

	if (rc)
		return report(h, rc, what);
	for (size_t i = 0; i < n && !found; i++)
		if (!cmp_svc(&s[i], &c->svc)) {
			*out = s[i];
			found = true;
		}
	free(s);
	if (found)
		return 0;
	return fail("%s: no such service %s", what, fmt_svc(&c->svc, svc));
}

int find_service(struct dpvs_handle *h, const struct cmd *c,
		 const char *what, struct dpvs_service *out)
{
	char svc[SVC_NAME_LEN];
	int rc;

	if (ask_service(h, &c->svc, out, &rc))
		return find_in_list(h, c, what, out);
	if (rc == DPVS_ENOENT)
		return fail("%s: no such service %s", what,
			    fmt_svc(&c->svc, svc));
	return rc ? report(h, rc, what) : 0;
}
