/* libdpvs: the network stack (ports, addresses, routes, neighbours). */
#include "lib_int.h"

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

static int check_plen(struct dpvs_handle *h, const char *what, uint8_t plen)
{
	if (plen > 32)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: prefix length %u over 32", what, plen);
	return DPVS_OK;
}


static int addr_call(struct dpvs_handle *h, uint32_t op, const char *what,
		     const struct dpvs_addr *a)
{
	struct wbuf b;
	int rc = libdpvs_check_ifname(h, what, a->ifname, true);

	if (rc == DPVS_OK)
		rc = check_plen(h, what, a->plen);
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
		rc = check_plen(h, what, r->plen);
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

