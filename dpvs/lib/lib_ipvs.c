/* libdpvs: load balancing (services, real servers, laddrs, conns). */
#include "lib_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dpvs_ops.h"

static int dec_svc(struct rbuf *b, void *rec)
{
	return wire_dec_svc(b, rec);
}

static int dec_dest(struct rbuf *b, void *rec)
{
	return wire_dec_dest(b, rec);
}

static int dec_laddr(struct rbuf *b, void *rec)
{
	return wire_dec_laddr(b, rec);
}

static int dec_conn(struct rbuf *b, void *rec)
{
	return wire_dec_conn(b, rec);
}

#define SVC_F_KNOWN (DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_FALLBACK | \
		     DPVS_SVC_F_SCHED_PORT | DPVS_SVC_F_PROXY_V1 | \
		     DPVS_SVC_F_PROXY_V2)
#define SVC_F_PROXY (DPVS_SVC_F_PROXY_V1 | DPVS_SVC_F_PROXY_V2)

/* An address of af (0: AF_INET) that is set; DPVS_EINVAL if not. */
static int check_addr(struct dpvs_handle *h, const char *what,
		      const char *which, uint8_t af, uint32_t v4,
		      const struct in6_addr *v6)
{
	int rc = libdpvs_check_af(h, what, af);

	if (rc)
		return rc;
	if (af == AF_INET6 ? IN6_IS_ADDR_UNSPECIFIED(v6) : v4 == 0)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: no %s", what, which);
	return DPVS_OK;
}

/* The (proto, vip, vport) key every load-balancing record starts with. */
static int check_key(struct dpvs_handle *h, const char *what, uint8_t proto,
		     uint8_t af, uint32_t vip, const struct in6_addr *vip6)
{
	libdpvs_clear_error(h);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: protocol %u is not TCP (%u) nor UDP "
				    "(%u)", what, proto, IPPROTO_TCP,
				    IPPROTO_UDP);
	return check_addr(h, what, "virtual address", af, vip, vip6);
}

#define KEY_OF(s) (s)->proto, (s)->af, (s)->vip, &(s)->vip6
#define VKEY_OF(s) (s)->proto, (s)->vaf, (s)->vip, &(s)->vip6

static int check_svc(struct dpvs_handle *h, const char *what,
		     const struct dpvs_service *s)
{
	int rc = check_key(h, what, KEY_OF(s));

	if (rc)
		return rc;
	if (s->af == AF_INET6 && s->netmask > 128)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: persistence prefix "
				    "%u is not 1..128", what, s->netmask);
	if (strnlen(s->sched, sizeof(s->sched)) > DPVS_SCHED_NAME_MAX)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: scheduler name longer than %d bytes",
				    what, DPVS_SCHED_NAME_MAX);
	if (s->flags & ~(uint32_t)SVC_F_KNOWN)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: unknown service flags 0x%x", what,
				    s->flags & ~(uint32_t)SVC_F_KNOWN);
	if ((s->flags & SVC_F_PROXY) == SVC_F_PROXY)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: PROXY protocol v1 "
				    "and v2 both asked for", what);
	if ((s->flags & SVC_F_PROXY) && s->proto != IPPROTO_TCP)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: the PROXY protocol "
				    "is for TCP services", what);
	return DPVS_OK;
}

/* A service is deleted by its key alone: only that is checked. */
static int svc_call(struct dpvs_handle *h, uint32_t op, const char *what,
		    const struct dpvs_service *s)
{
	struct wbuf b;
	int rc = op == DPVS_OP_SVC_DEL ? check_key(h, what, KEY_OF(s)) :
					 check_svc(h, what, s);

	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, s);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_svc_add(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_ADD, "add service", s);
}

int dpvs_svc_edit(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_EDIT, "edit service", s);
}

int dpvs_svc_del(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_DEL, "delete service", s);
}

int dpvs_svc_list(struct dpvs_handle *h, struct dpvs_service **out, size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_SVC_LIST, WIRE_SVC_REC_LEN,
				sizeof(**out), dec_svc, (void **)out, n);
}

int dpvs_svc_flush(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_SVC_FLUSH, NULL, 0, NULL, NULL);
}

/* A real server is deleted by its key and address:port alone. */
static int dest_call(struct dpvs_handle *h, uint32_t op, const char *what,
		     const struct dpvs_dest *d)
{
	struct wbuf b;
	int rc = check_key(h, what, VKEY_OF(d));

	if (rc == DPVS_OK)
		rc = check_addr(h, what, "real-server address", d->af, d->addr,
				&d->addr6);
	if (rc)
		return rc;
	if (op != DPVS_OP_DEST_DEL) {
		if (!dpvs_fwd_by_id(d->fwd))
			return libdpvs_fail(h, DPVS_EINVAL,
					    "%s: unknown forwarding method %u",
					    what, d->fwd);
		if (d->weight < 0)
			return libdpvs_fail(h, DPVS_EINVAL,
					    "%s: negative weight %d", what,
					    d->weight);
		if (d->u_thresh && d->l_thresh > d->u_thresh)
			return libdpvs_fail(h, DPVS_EINVAL,
					    "%s: lower threshold %u above upper "
					    "threshold %u", what, d->l_thresh,
					    d->u_thresh);
	}
	wb_init(&b);
	wire_enc_dest(&b, d);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_dest_add(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_ADD, "add real server", d);
}

int dpvs_dest_edit(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_EDIT, "edit real server", d);
}

int dpvs_dest_del(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_DEL, "delete real server", d);
}

/*
 * A list narrowed to one service carries that service's record as the
 * request; a list of everything carries nothing.
 */
static int svc_filtered_list(struct dpvs_handle *h, uint32_t op,
			     const char *what, const struct dpvs_service *svc,
			     size_t rec_len, size_t rec_size, libdpvs_dec_fn dec,
			     void **out, size_t *n)
{
	struct wbuf b;
	int rc;

	*out = NULL;
	*n = 0;
	if (!svc)
		return libdpvs_get_list(h, op, rec_len, rec_size, dec, out, n);
	rc = check_key(h, what, KEY_OF(svc));
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, svc);
	rc = b.err ? libdpvs_fail(h, DPVS_ENOMEM,
				  "request record") : libdpvs_get_list_req(h,
				  op, b.data, b.len, rec_len, rec_size, dec,
				  out, n);
	wb_free(&b);
	return rc;
}

int dpvs_svc_dest_list(struct dpvs_handle *h, struct dpvs_service **svcs,
		       size_t *nsvcs, struct dpvs_dest **dests, size_t *ndests)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_SVC_DEST_LIST, NULL, 0, &buf, &len);

	*svcs = NULL;
	*dests = NULL;
	*nsvcs = *ndests = 0;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = libdpvs_dec_list(&b, WIRE_SVC_REC_LEN, sizeof(**svcs), dec_svc,
			      (void **)svcs, nsvcs);
	if (rc == DPVS_OK)
		rc = libdpvs_dec_list(&b, WIRE_DEST_REC_LEN, sizeof(**dests),
				      dec_dest, (void **)dests, ndests);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	free(buf);
	if (rc) {
		free(*svcs);
		free(*dests);
		*svcs = NULL;
		*dests = NULL;
		*nsvcs = *ndests = 0;
		return libdpvs_fail(h, rc,
				    "malformed service and real-server list");
	}
	return DPVS_OK;
}

int dpvs_dest_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		   struct dpvs_dest **out, size_t *n)
{
	return svc_filtered_list(h, DPVS_OP_DEST_LIST, "list real servers",
				 svc, WIRE_DEST_REC_LEN, sizeof(**out),
				 dec_dest, (void **)out, n);
}

static int laddr_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_laddr *l)
{
	struct wbuf b;
	int rc = check_key(h, what, VKEY_OF(l));

	if (rc == DPVS_OK)
		rc = libdpvs_check_ifname(h, what, l->ifname, false);
	if (rc == DPVS_OK)
		rc = check_addr(h, what, "local address", l->af, l->addr,
				&l->addr6);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_laddr(&b, l);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_laddr_add(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	return laddr_call(h, DPVS_OP_LADDR_ADD, "add local address", l);
}

int dpvs_laddr_del(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	return laddr_call(h, DPVS_OP_LADDR_DEL, "delete local address", l);
}

int dpvs_laddr_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		    struct dpvs_laddr **out, size_t *n)
{
	return svc_filtered_list(h, DPVS_OP_LADDR_LIST, "list local addresses",
				 svc, WIRE_LADDR_REC_LEN, sizeof(**out),
				 dec_laddr, (void **)out, n);
}

int dpvs_conn_list_page(struct dpvs_handle *h, uint32_t *cursor,
			struct dpvs_conn **out, size_t *n)
{
	uint8_t req[4] = { *cursor >> 24, *cursor >> 16, *cursor >> 8, *cursor };
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_CONN_LIST, req, sizeof(req), &buf, &len);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	*cursor = rb_u32(&b);
	rc = b.err ? DPVS_EPROTO : libdpvs_dec_list(&b, WIRE_CONN_REC_LEN,
						    sizeof(**out), dec_conn,
						    (void **)out, n);
	if (rc == DPVS_OK && !rb_done(&b)) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = DPVS_EPROTO;
	}
	free(buf);
	return rc ? libdpvs_fail(h, rc,
				 "malformed connection list reply") : DPVS_OK;
}

/* Appends a page to the array being built; false when out of memory. */
static bool append_conns(struct dpvs_conn **all, size_t *n, size_t *cap,
			 const struct dpvs_conn *page, size_t np)
{
	if (*n + np > *cap) {
		size_t c = *cap ? *cap : 4096;
		struct dpvs_conn *p;

		while (c < *n + np)
			c *= 2;
		p = realloc(*all, c * sizeof(*p));
		if (!p)
			return false;
		*all = p;
		*cap = c;
	}
	memcpy(*all + *n, page, np * sizeof(*page));
	*n += np;
	return true;
}

int dpvs_conn_list(struct dpvs_handle *h, struct dpvs_conn **out, size_t *n)
{
	struct dpvs_conn *all = NULL, *page;
	size_t count = 0, cap = 0, np;
	uint32_t cursor = 0;
	int rc;

	do {
		rc = dpvs_conn_list_page(h, &cursor, &page, &np);
		if (rc == DPVS_OK && !append_conns(&all, &count, &cap, page, np))
			rc = libdpvs_fail(h, DPVS_ENOMEM,
					  "list connections: %zu of them",
					  count + np);
		free(page);
	} while (rc == DPVS_OK && cursor);
	if (rc == DPVS_OK && !all)
		all = calloc(1, sizeof(*all));
	if (rc == DPVS_OK && !all)
		rc = libdpvs_fail(h, DPVS_ENOMEM, "list connections");
	if (rc) {
		free(all);
		all = NULL;
		count = 0;
	}
	*out = all;
	*n = count;
	return rc;
}

int dpvs_zero(struct dpvs_handle *h, const struct dpvs_service *svc)
{
	struct wbuf b;
	int rc;

	if (!svc)
		return dpvs_call(h, DPVS_OP_ZERO, NULL, 0, NULL, NULL);
	rc = check_key(h, "zero", KEY_OF(svc));
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, svc);
	return libdpvs_call_rec(h, DPVS_OP_ZERO, &b);
}

int dpvs_timeout_set(struct dpvs_handle *h, const struct dpvs_timeouts *t)
{
	struct wbuf b;

	wb_init(&b);
	wire_enc_timeouts(&b, t);
	return libdpvs_call_rec(h, DPVS_OP_TIMEOUT_SET, &b);
}

int dpvs_timeout_get(struct dpvs_handle *h, struct dpvs_timeouts *t)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_TIMEOUT_GET, NULL, 0, &buf, &len);

	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_timeouts(&b, t);
	free(buf);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	return rc ? libdpvs_fail(h, rc, "malformed timeouts reply") : DPVS_OK;
}

