/* libdpvs: the network stack (ports, addresses, routes, neighbours). */
#include "lib_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dpvs_ops.h"

static int dec_link(struct rbuf *b, void *rec)
{
	return wire_dec_link(b, rec);
}

static int dec_counter(struct rbuf *b, void *rec)
{
	return wire_dec_counter(b, rec);
}

static int dec_addr(struct rbuf *b, void *rec)
{
	return wire_dec_addr(b, rec);
}

static int dec_route(struct rbuf *b, void *rec)
{
	return wire_dec_route(b, rec);
}

static int dec_neigh(struct rbuf *b, void *rec)
{
	return wire_dec_neigh(b, rec);
}

int dpvs_link_list(struct dpvs_handle *h, struct dpvs_link_info **out,
		   size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_LINK_LIST, WIRE_LINK_REC_LEN,
				sizeof(**out), dec_link, (void **)out, n);
}

int dpvs_pkt_stats(struct dpvs_handle *h, struct dpvs_counter **out,
		   size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_PKT_STATS, WIRE_COUNTER_REC_LEN,
				sizeof(**out), dec_counter, (void **)out, n);
}

int dpvs_addr_list(struct dpvs_handle *h, struct dpvs_addr **out, size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_ADDR_LIST, WIRE_ADDR_REC_LEN,
				sizeof(**out), dec_addr, (void **)out, n);
}

int dpvs_route_list(struct dpvs_handle *h, struct dpvs_route **out,
		    size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_ROUTE_LIST, WIRE_ROUTE_REC_LEN,
				sizeof(**out), dec_route, (void **)out, n);
}

int dpvs_neigh_list(struct dpvs_handle *h, struct dpvs_neigh **out,
		    size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_NEIGH_LIST, WIRE_NEIGH_REC_LEN,
				sizeof(**out), dec_neigh, (void **)out, n);
}

static int check_plen(struct dpvs_handle *h, const char *what, uint8_t af,
		      uint8_t plen)
{
	unsigned max = af == AF_INET6 ? 128 : 32;
	int rc = libdpvs_check_af(h, what, af);

	if (rc == DPVS_OK && plen > max)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: prefix length %u over %u", what, plen,
				    max);
	return rc;
}


static int addr_call(struct dpvs_handle *h, uint32_t op, const char *what,
		     const struct dpvs_addr *a)
{
	struct wbuf b;
	int rc = libdpvs_check_ifname(h, what, a->ifname, true);

	if (rc == DPVS_OK)
		rc = check_plen(h, what, a->af, a->plen);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_addr(&b, a);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_addr_add(struct dpvs_handle *h, const struct dpvs_addr *a)
{
	return addr_call(h, DPVS_OP_ADDR_ADD, "addr add", a);
}

int dpvs_addr_del(struct dpvs_handle *h, const struct dpvs_addr *a)
{
	return addr_call(h, DPVS_OP_ADDR_DEL, "addr del", a);
}

/* A route is deleted by prefix alone: dev and type are not needed. */
static int route_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_route *r)
{
	bool add = op == DPVS_OP_ROUTE_ADD;
	struct wbuf b;
	int rc = libdpvs_check_ifname(h, what, r->ifname, add);

	if (rc == DPVS_OK)
		rc = check_plen(h, what, r->af, r->plen);
	if (rc)
		return rc;
	if (add && (r->type < DPVS_RT_LOCAL || r->type > DPVS_RT_KNI))
		return libdpvs_fail(h, DPVS_EINVAL, "%s: unknown route type %u",
				    what, r->type);
	wb_init(&b);
	wire_enc_route(&b, r);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_route_add(struct dpvs_handle *h, const struct dpvs_route *r)
{
	return route_call(h, DPVS_OP_ROUTE_ADD, "route add", r);
}

int dpvs_route_del(struct dpvs_handle *h, const struct dpvs_route *r)
{
	return route_call(h, DPVS_OP_ROUTE_DEL, "route del", r);
}

static int neigh_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_neigh *nb)
{
	struct wbuf b;
	int rc = libdpvs_check_ifname(h, what, nb->ifname, true);

	if (rc == DPVS_OK)
		rc = libdpvs_check_af(h, what, nb->af);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_neigh(&b, nb);
	return libdpvs_call_rec(h, op, &b);
}

int dpvs_neigh_add(struct dpvs_handle *h, const struct dpvs_neigh *nb)
{
	return neigh_call(h, DPVS_OP_NEIGH_ADD, "neigh add", nb);
}

int dpvs_neigh_del(struct dpvs_handle *h, const struct dpvs_neigh *nb)
{
	return neigh_call(h, DPVS_OP_NEIGH_DEL, "neigh del", nb);
}

int dpvs_garp(struct dpvs_handle *h, const char *ifname, uint32_t ip)
{
	struct dpvs_addr a;
	int rc = libdpvs_check_ifname(h, "garp", ifname, true);

	if (rc)
		return rc;
	memset(&a, 0, sizeof(a));
	memcpy(a.ifname, ifname, strlen(ifname));
	a.addr = ip;
	return addr_call(h, DPVS_OP_GARP, "garp", &a);
}

int dpvs_addr_announce(struct dpvs_handle *h, const struct dpvs_addr *a)
{
	struct dpvs_addr one = *a;

	one.plen = 0;
	one.flags = 0;
	return addr_call(h, DPVS_OP_GARP, "announce", &one);
}

int dpvs_inet_pton(const char *s, uint8_t *af, uint32_t *v4,
		   struct in6_addr *v6)
{
	*v4 = 0;
	memset(v6, 0, sizeof(*v6));
	if (s && inet_pton(AF_INET, s, v4) == 1) {
		*af = AF_INET;
		return DPVS_OK;
	}
	if (s && inet_pton(AF_INET6, s, v6) == 1) {
		*af = AF_INET6;
		return DPVS_OK;
	}
	*af = 0;
	return DPVS_EINVAL;
}

const char *dpvs_inet_ntop(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			   char *buf, size_t len)
{
	if (af == AF_INET6)
		return inet_ntop(AF_INET6, v6, buf, (socklen_t)len);
	if (af == AF_INET || af == 0)
		return inet_ntop(AF_INET, &v4, buf, (socklen_t)len);
	return NULL;
}

int dpvs_pkt_stats_lcore(struct dpvs_handle *h, uint32_t lcore,
			 struct dpvs_counter **out, size_t *n)
{
	struct wbuf b;
	int rc;

	wb_init(&b);
	wb_u32(&b, lcore);
	rc = b.err ? DPVS_ENOMEM :
		     libdpvs_get_list_req(h, DPVS_OP_PKT_STATS, b.data, b.len,
					  WIRE_COUNTER_REC_LEN, sizeof(**out),
					  dec_counter, (void **)out, n);
	wb_free(&b);
	return rc;
}

int dpvs_link_xstats(struct dpvs_handle *h, const char *ifname,
		     struct dpvs_counter **out, size_t *n)
{
	struct wbuf b;
	int rc;

	*out = NULL;
	*n = 0;
	if (!ifname || !*ifname || strlen(ifname) > DPVS_IFNAME_MAX)
		return libdpvs_fail(h, DPVS_EINVAL, "bad device name");
	wb_init(&b);
	wb_str(&b, ifname, DPVS_IFNAME_MAX);
	rc = b.err ? DPVS_ENOMEM :
		     libdpvs_get_list_req(h, DPVS_OP_LINK_XSTATS, b.data, b.len,
					  WIRE_COUNTER_REC_LEN, sizeof(**out),
					  dec_counter, (void **)out, n);
	wb_free(&b);
	return rc;
}

