/* Load-balancing records of the wire format (layouts in wire.h). */
#include <endian.h>
#include <string.h>

#include "wire.h"

static void enc_key(struct wbuf *b, uint8_t proto, uint32_t vip, uint16_t vport)
{
	wb_u8(b, proto);
	wb_u8(b, 0);
	wb_u16(b, 0);
	wb_u32(b, be32toh(vip));
	wb_u16(b, vport);
	wb_u16(b, 0);
}

static void dec_key(struct rbuf *b, uint8_t *proto, uint32_t *vip,
		    uint16_t *vport)
{
	*proto = rb_u8(b);
	rb_u8(b);
	rb_u16(b);
	*vip = htobe32(rb_u32(b));
	*vport = rb_u16(b);
	rb_u16(b);
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
	enc_key(b, s->proto, s->vip, s->vport);
	wb_str(b, s->sched, DPVS_SCHED_NAME_MAX + 1);
	wb_u32(b, s->flags);
	wb_u32(b, s->timeout);
	wb_u32(b, be32toh(s->netmask));
	wb_u32(b, s->ndests);
	enc_stats(b, &s->stats);
}

int wire_dec_svc(struct rbuf *b, struct dpvs_service *s)
{
	memset(s, 0, sizeof(*s));
	dec_key(b, &s->proto, &s->vip, &s->vport);
	/* 16 bytes on the wire, the last always NUL. */
	rb_str(b, s->sched, DPVS_SCHED_NAME_MAX);
	rb_u8(b);
	s->flags = rb_u32(b);
	s->timeout = rb_u32(b);
	s->netmask = htobe32(rb_u32(b));
	s->ndests = rb_u32(b);
	dec_stats(b, &s->stats);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_dest(struct wbuf *b, const struct dpvs_dest *d)
{
	enc_key(b, d->proto, d->vip, d->vport);
	wb_u32(b, be32toh(d->addr));
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
	dec_key(b, &d->proto, &d->vip, &d->vport);
	d->addr = htobe32(rb_u32(b));
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
	enc_key(b, l->proto, l->vip, l->vport);
	wb_u32(b, be32toh(l->addr));
	wb_str(b, l->ifname, DPVS_IFNAME_MAX);
	wb_u64(b, l->conns);
	wb_u32(b, l->ports_free);
	wb_u32(b, l->ports_total);
}

int wire_dec_laddr(struct rbuf *b, struct dpvs_laddr *l)
{
	memset(l, 0, sizeof(*l));
	dec_key(b, &l->proto, &l->vip, &l->vport);
	l->addr = htobe32(rb_u32(b));
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
	wb_u32(b, be32toh(c->caddr));
	wb_u32(b, be32toh(c->vaddr));
	wb_u32(b, be32toh(c->laddr));
	wb_u32(b, be32toh(c->daddr));
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
	memset(c, 0, sizeof(*c));
	c->proto = rb_u8(b);
	rb_u8(b);
	rb_u16(b);
	c->caddr = htobe32(rb_u32(b));
	c->vaddr = htobe32(rb_u32(b));
	c->laddr = htobe32(rb_u32(b));
	c->daddr = htobe32(rb_u32(b));
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
