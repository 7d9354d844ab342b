/* Load-balancing records of the wire format (layouts in wire.h). */
#include <endian.h>
#include <string.h>

#include "wire.h"

static void enc_key(struct wbuf *b, uint8_t proto, uint8_t af, uint32_t vip,
		    const struct in6_addr *vip6, uint16_t vport)
{
	wb_u8(b, proto);
	wb_u8(b, 0);
	wb_u16(b, 0);
	wire_enc_inet(b, af, vip, vip6);
	wb_u16(b, vport);
	wb_u16(b, 0);
}

static void dec_key(struct rbuf *b, uint8_t *proto, uint8_t *af,
		    uint32_t *vip, struct in6_addr *vip6, uint16_t *vport)
{
	*proto = rb_u8(b);
	rb_u8(b);
	rb_u16(b);
	wire_dec_inet(b, af, vip, vip6);
	*vport = rb_u16(b);
	rb_u16(b);
}

/* v4: a netmask in network order; v6: a prefix length, as it is. */
static uint32_t netmask_wire(uint8_t af, uint32_t netmask)
{
	return af == AF_INET6 ? netmask : be32toh(netmask);
}

static void enc_stats(struct wbuf *b, const struct dpvs_stats *s)
{
	wb_u64(b, s->conns);
	wb_u64(b, s->inpkts);
	wb_u64(b, s->outpkts);
	wb_u64(b, s->inbytes);
	wb_u64(b, s->outbytes);
	wb_u64(b, s->cps);
	wb_u64(b, s->inpps);
	wb_u64(b, s->outpps);
	wb_u64(b, s->inbps);
	wb_u64(b, s->outbps);
}

static void dec_stats(struct rbuf *b, struct dpvs_stats *s)
{
	s->conns = rb_u64(b);
	s->inpkts = rb_u64(b);
	s->outpkts = rb_u64(b);
	s->inbytes = rb_u64(b);
	s->outbytes = rb_u64(b);
	s->cps = rb_u64(b);
	s->inpps = rb_u64(b);
	s->outpps = rb_u64(b);
	s->inbps = rb_u64(b);
	s->outbps = rb_u64(b);
}

void wire_enc_svc(struct wbuf *b, const struct dpvs_service *s)
{
	enc_key(b, s->proto, s->af, s->vip, &s->vip6, s->vport);
	wb_str(b, s->sched, DPVS_SCHED_NAME_MAX + 1);
	wb_u32(b, s->flags);
	wb_u32(b, s->timeout);
	wb_u32(b, netmask_wire(s->af, s->netmask));
	wb_u32(b, s->ndests);
	enc_stats(b, &s->stats);
}

int wire_dec_svc(struct rbuf *b, struct dpvs_service *s)
{
	memset(s, 0, sizeof(*s));
	dec_key(b, &s->proto, &s->af, &s->vip, &s->vip6, &s->vport);
	/* 16 bytes on the wire, the last always NUL. */
	rb_str(b, s->sched, DPVS_SCHED_NAME_MAX);
	rb_u8(b);
	s->flags = rb_u32(b);
	s->timeout = rb_u32(b);
	s->netmask = netmask_wire(s->af, rb_u32(b));
	s->ndests = rb_u32(b);
	dec_stats(b, &s->stats);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_dest(struct wbuf *b, const struct dpvs_dest *d)
{
	enc_key(b, d->proto, d->vaf, d->vip, &d->vip6, d->vport);
	wire_enc_inet(b, d->af, d->addr, &d->addr6);
	wb_u16(b, d->port);
	wb_u16(b, 0);
	wb_u32(b, d->fwd);
	wb_u32(b, (uint32_t)d->weight);
	wb_u32(b, d->u_thresh);
	wb_u32(b, d->l_thresh);
	wb_u32(b, d->activeconns);
	wb_u32(b, d->inactconns);
	wb_u32(b, d->persistconns);
	enc_stats(b, &d->stats);
}

int wire_dec_dest(struct rbuf *b, struct dpvs_dest *d)
{
	memset(d, 0, sizeof(*d));
	dec_key(b, &d->proto, &d->vaf, &d->vip, &d->vip6, &d->vport);
	wire_dec_inet(b, &d->af, &d->addr, &d->addr6);
	d->port = rb_u16(b);
	rb_u16(b);
	d->fwd = rb_u32(b);
	d->weight = (int32_t)rb_u32(b);
	d->u_thresh = rb_u32(b);
	d->l_thresh = rb_u32(b);
	d->activeconns = rb_u32(b);
	d->inactconns = rb_u32(b);
	d->persistconns = rb_u32(b);
	dec_stats(b, &d->stats);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_laddr(struct wbuf *b, const struct dpvs_laddr *l)
{
	enc_key(b, l->proto, l->vaf, l->vip, &l->vip6, l->vport);
	wire_enc_inet(b, l->af, l->addr, &l->addr6);
	wb_str(b, l->ifname, DPVS_IFNAME_MAX);
	wb_u64(b, l->conns);
	wb_u32(b, l->ports_free);
	wb_u32(b, l->ports_total);
}

int wire_dec_laddr(struct rbuf *b, struct dpvs_laddr *l)
{
	memset(l, 0, sizeof(*l));
	dec_key(b, &l->proto, &l->vaf, &l->vip, &l->vip6, &l->vport);
	wire_dec_inet(b, &l->af, &l->addr, &l->addr6);
	rb_str(b, l->ifname, DPVS_IFNAME_MAX);
	l->conns = rb_u64(b);
	l->ports_free = rb_u32(b);
	l->ports_total = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_conn(struct wbuf *b, const struct dpvs_conn *c)
{
	wb_u8(b, c->proto);
	wb_u8(b, 0);
	wb_u16(b, 0);
	wire_enc_inet(b, c->caf, c->caddr, &c->caddr6);
	wire_enc_inet(b, c->caf, c->vaddr, &c->vaddr6);
	wire_enc_inet(b, c->daf, c->laddr, &c->laddr6);
	wire_enc_inet(b, c->daf, c->daddr, &c->daddr6);
	wb_u16(b, c->cport);
	wb_u16(b, c->vport);
	wb_u16(b, c->lport);
	wb_u16(b, c->dport);
	wb_u32(b, c->fwd);
	wb_u32(b, c->state);
	wb_str(b, c->state_name, 16);
	wb_u32(b, c->expire_s);
	wb_u32(b, c->lcore);
	wb_u32(b, c->flags);
}

int wire_dec_conn(struct rbuf *b, struct dpvs_conn *c)
{
	uint8_t vaf, laf;

	memset(c, 0, sizeof(*c));
	c->proto = rb_u8(b);
	rb_u8(b);
	rb_u16(b);
	wire_dec_inet(b, &c->caf, &c->caddr, &c->caddr6);
	wire_dec_inet(b, &vaf, &c->vaddr, &c->vaddr6);
	wire_dec_inet(b, &laf, &c->laddr, &c->laddr6);
	wire_dec_inet(b, &c->daf, &c->daddr, &c->daddr6);
	/* The client's side is of one family, the server's side of one. */
	if (!b->err && (vaf != c->caf || laf != c->daf))
		b->err = true;
	c->cport = rb_u16(b);
	c->vport = rb_u16(b);
	c->lport = rb_u16(b);
	c->dport = rb_u16(b);
	c->fwd = rb_u32(b);
	c->state = rb_u32(b);
	rb_str(b, c->state_name, 15);
	rb_u8(b);
	c->expire_s = rb_u32(b);
	c->lcore = rb_u32(b);
	c->flags = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_timeouts(struct wbuf *b, const struct dpvs_timeouts *t)
{
	wb_u32(b, t->tcp);
	wb_u32(b, t->tcp_fin);
	wb_u32(b, t->udp);
}

int wire_dec_timeouts(struct rbuf *b, struct dpvs_timeouts *t)
{
	t->tcp = rb_u32(b);
	t->tcp_fin = rb_u32(b);
	t->udp = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}
