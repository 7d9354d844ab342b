/* The control-socket wire format; see wire.h for the frame layout. */
#include "wire.h"

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wire_hdr_encode(uint8_t out[DPVS_WIRE_HDR_LEN], const struct wire_hdr *h)
{
	uint32_t v32;
	uint16_t v16;

	v32 = htobe32(h->magic);
	memcpy(out, &v32, 4);
	v16 = htobe16(h->version);
	memcpy(out + 4, &v16, 2);
	v16 = htobe16(h->flags);
	memcpy(out + 6, &v16, 2);
	v32 = htobe32(h->op);
	memcpy(out + 8, &v32, 4);
	v32 = htobe32(h->seq);
	memcpy(out + 12, &v32, 4);
	v32 = htobe32(h->status);
	memcpy(out + 16, &v32, 4);
	v32 = htobe32(h->len);
	memcpy(out + 20, &v32, 4);
}

void wire_hdr_decode(const uint8_t in[DPVS_WIRE_HDR_LEN], struct wire_hdr *h)
{
	struct rbuf b;

	rb_init(&b, in, DPVS_WIRE_HDR_LEN);
	h->magic = rb_u32(&b);
	h->version = rb_u16(&b);
	h->flags = rb_u16(&b);
	h->op = rb_u32(&b);
	h->seq = rb_u32(&b);
	h->status = rb_u32(&b);
	h->len = rb_u32(&b);
}

enum wire_verdict wire_req_check(const struct wire_hdr *h, uint32_t max_len)
{
	if (h->magic != DPVS_WIRE_MAGIC)
		return WIRE_BAD_MAGIC;
	if (h->version != DPVS_WIRE_VERSION)
		return WIRE_BAD_VERSION;
	if (h->flags != 0 || h->status != 0)
		return WIRE_BAD_FLAGS;
	if (h->len > max_len)
		return WIRE_TOO_BIG;
	return WIRE_OK;
}

enum wire_verdict wire_reply_check(const struct wire_hdr *h, uint32_t seq)
{
	if (h->magic != DPVS_WIRE_MAGIC)
		return WIRE_BAD_MAGIC;
	/* Another version's only frame we read: its refusal of ours. */
	if (h->version != DPVS_WIRE_VERSION &&
	    (h->status != DPVS_EVERSION || (h->seq != 0 && h->seq != seq) ||
	     h->flags != DPVS_WF_REPLY))
		return WIRE_BAD_VERSION;
	if (!(h->flags & DPVS_WF_REPLY) || (h->flags & ~DPVS_WF_KNOWN))
		return WIRE_BAD_FLAGS;
	/* seq 0 with an error is the server refusing the whole connection. */
	if (h->seq != seq && !(h->seq == 0 && h->status != 0))
		return WIRE_BAD_FLAGS;
	if (h->len > DPVS_WIRE_CHUNK_MAX)
		return WIRE_TOO_BIG;
	return WIRE_OK;
}

const char *wire_verdict_str(enum wire_verdict v)
{
	switch (v) {
	case WIRE_OK:
		return "ok";
	case WIRE_BAD_MAGIC:
		return "bad magic (not a dpvs control frame)";
	case WIRE_BAD_VERSION:
		return "unsupported wire version";
	case WIRE_BAD_FLAGS:
		return "bad flags, status or sequence in header";
	case WIRE_TOO_BIG:
		return "payload length over the limit";
	}
	return "unknown";
}

void wire_version_refusal(char *buf, size_t len, uint16_t theirs)
{
	snprintf(buf, len, "dpvs speaks wire version %u, this libdpvs %u: "
		 "install matching packages", theirs, DPVS_WIRE_VERSION);
}

/* Status texts: shared by the daemon and the library. */
static const char *const status_str[DPVS_STATUS_MAX] = {
	[DPVS_OK] = "success",
	[DPVS_EINVAL] = "invalid argument",
	[DPVS_ENOMEM] = "out of memory",
	[DPVS_ENOTSUP] = "operation not supported",
	[DPVS_EVERSION] = "wire version mismatch",
	[DPVS_ETOOBIG] = "message too big",
	[DPVS_EPERM] = "permission denied",
	[DPVS_ETIMEDOUT] = "timed out",
	[DPVS_EEXIST] = "already exists",
	[DPVS_ENOENT] = "not found",
	[DPVS_EBUSY] = "busy",
	[DPVS_EIO] = "I/O error talking to dpvs",
	[DPVS_EPROTO] = "protocol error",
	[DPVS_ECONFIG] = "configuration rejected",
};

const char *dpvs_strerror(int status)
{
	if (status < 0 || status >= DPVS_STATUS_MAX || !status_str[status])
		return "unknown error";
	return status_str[status];
}

/* ---- growable writer ---- */

void wb_init(struct wbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void wb_free(struct wbuf *b)
{
	free(b->data);
	wb_init(b);
}

static bool wb_reserve(struct wbuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return false;
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->err = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void wb_bytes(struct wbuf *b, const void *p, size_t n)
{
	if (n == 0 || !wb_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void wb_u8(struct wbuf *b, uint8_t v)
{
	wb_bytes(b, &v, 1);
}

void wb_u16(struct wbuf *b, uint16_t v)
{
	v = htobe16(v);
	wb_bytes(b, &v, 2);
}

void wb_u32(struct wbuf *b, uint32_t v)
{
	v = htobe32(v);
	wb_bytes(b, &v, 4);
}

void wb_u64(struct wbuf *b, uint64_t v)
{
	v = htobe64(v);
	wb_bytes(b, &v, 8);
}

void wb_str(struct wbuf *b, const char *s, size_t width)
{
	size_t n = s ? strnlen(s, width) : 0;

	if (!wb_reserve(b, width))
		return;
	memcpy(b->data + b->len, s ? s : "", n);
	memset(b->data + b->len + n, 0, width - n);
	b->len += width;
}

/* ---- bounded reader ---- */

void rb_init(struct rbuf *b, const void *data, size_t len)
{
	b->data = data;
	b->len = data ? len : 0;
	b->off = 0;
	b->err = false;
}

static const uint8_t *rb_take(struct rbuf *b, size_t n)
{
	const uint8_t *p;

	if (b->err || rb_left(b) < n) {
		b->err = true;
		return NULL;
	}
	p = b->data + b->off;
	b->off += n;
	return p;
}

uint8_t rb_u8(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 1);

	return p ? *p : 0;
}

uint16_t rb_u16(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 2);
	uint16_t v;

	if (!p)
		return 0;
	memcpy(&v, p, 2);
	return be16toh(v);
}

uint32_t rb_u32(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 4);
	uint32_t v;

	if (!p)
		return 0;
	memcpy(&v, p, 4);
	return be32toh(v);
}

uint64_t rb_u64(struct rbuf *b)
{
	const uint8_t *p = rb_take(b, 8);
	uint64_t v;

	if (!p)
		return 0;
	memcpy(&v, p, 8);
	return be64toh(v);
}

void rb_str(struct rbuf *b, char *out, size_t width)
{
	const uint8_t *p = rb_take(b, width);

	if (!p) {
		out[0] = '\0';
		return;
	}
	memcpy(out, p, width);
	out[width] = '\0';
}

/* ---- payload codecs ---- */

void wire_enc_version(struct wbuf *b, const struct dpvs_version_info *v)
{
	wb_str(b, v->version, WIRE_VERSION_STR);
	wb_u32(b, v->wire_version);
	wb_u32(b, v->pid);
	wb_u32(b, v->nworkers);
	wb_u32(b, v->nports);
	wb_u64(b, v->start_time);
	wb_u64(b, v->uptime_ms);
}

int wire_dec_version(struct rbuf *b, struct dpvs_version_info *v)
{
	rb_str(b, v->version, WIRE_VERSION_STR);
	v->wire_version = rb_u32(b);
	v->pid = rb_u32(b);
	v->nworkers = rb_u32(b);
	v->nports = rb_u32(b);
	v->start_time = rb_u64(b);
	v->uptime_ms = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_lcore(struct wbuf *b, const struct dpvs_lcore_info *l)
{
	wb_u32(b, l->lcore_id);
	wb_u32(b, l->role);
	wb_u32(b, (uint32_t)l->cpu);
	wb_u32(b, l->nrxq);
	wb_u64(b, l->loops);
	wb_u64(b, l->busy_loops);
	wb_u64(b, l->idle_sleeps);
	wb_u64(b, l->rx_packets);
	wb_u64(b, l->msgs_handled);
}

int wire_dec_lcore(struct rbuf *b, struct dpvs_lcore_info *l)
{
	l->lcore_id = rb_u32(b);
	l->role = rb_u32(b);
	l->cpu = (int32_t)rb_u32(b);
	l->nrxq = rb_u32(b);
	l->loops = rb_u64(b);
	l->busy_loops = rb_u64(b);
	l->idle_sleeps = rb_u64(b);
	l->rx_packets = rb_u64(b);
	l->msgs_handled = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_msgbus(struct wbuf *b, const struct dpvs_msgbus_stats *m)
{
	wb_u32(b, m->type);
	wb_str(b, m->name, WIRE_NAME_STR);
	wb_u64(b, m->sent);
	wb_u64(b, m->received);
	wb_u64(b, m->replied);
	wb_u64(b, m->timed_out);
	wb_u64(b, m->dropped);
	wb_u64(b, m->late);
	wb_u64(b, m->failed);
}

int wire_dec_msgbus(struct rbuf *b, struct dpvs_msgbus_stats *m)
{
	m->type = rb_u32(b);
	rb_str(b, m->name, WIRE_NAME_STR);
	m->sent = rb_u64(b);
	m->received = rb_u64(b);
	m->replied = rb_u64(b);
	m->timed_out = rb_u64(b);
	m->dropped = rb_u64(b);
	m->late = rb_u64(b);
	m->failed = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

/* The ctrl stats record is its counters in struct order. */
#define CTRL_STATS_FIELDS(X)                                               \
	X(accepted) X(refused) X(active) X(requests) X(errors) X(bad_magic) \
	X(bad_version) X(bad_flags) X(too_big) X(unknown_op) X(bad_len)     \
	X(truncated) X(idle_timeouts) X(write_errors) X(over_limit)         \
	X(over_budget) X(buffered) X(loop_max_us)

void wire_enc_ctrl_stats(struct wbuf *b, const struct dpvs_ctrl_stats *s)
{
#define X(f) wb_u64(b, s->f);
	CTRL_STATS_FIELDS(X)
#undef X
}

int wire_dec_ctrl_stats(struct rbuf *b, struct dpvs_ctrl_stats *s)
{
#define X(f) s->f = rb_u64(b);
	CTRL_STATS_FIELDS(X)
#undef X
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

/* ---- network-stack records ---- */

/* ---- addresses of either family ---- */

static const uint8_t zeroes[16];

void wire_enc_inet(struct wbuf *b, uint8_t af, uint32_t v4,
		   const struct in6_addr *v6)
{
	/* An unknown family goes out as af 0: the peer refuses the record. */
	wb_u8(b, af == AF_INET6 ? WIRE_AF_INET6 :
		 af == AF_INET || af == 0 ? WIRE_AF_INET : 0);
	wb_u8(b, 0);
	wb_u16(b, 0);
	if (af == AF_INET6) {
		wb_bytes(b, v6, 16);
		return;
	}
	wb_bytes(b, &v4, 4);    /* network order already */
	wb_bytes(b, zeroes, 12);
}

int wire_dec_inet(struct rbuf *b, uint8_t *af, uint32_t *v4,
		  struct in6_addr *v6)
{
	uint8_t waf = rb_u8(b), pad0 = rb_u8(b);
	uint16_t pad = rb_u16(b);
	const uint8_t *p = rb_left(b) >= 16 && !b->err ? b->data + b->off : NULL;

	memset(v6, 0, sizeof(*v6));
	*v4 = 0;
	*af = 0;
	if (!p || pad0 || pad || (waf != WIRE_AF_INET && waf != WIRE_AF_INET6) ||
	    (waf == WIRE_AF_INET && memcmp(p + 4, zeroes, 12) != 0)) {
		b->err = true;
		return DPVS_EPROTO;
	}
	b->off += 16;
	if (waf == WIRE_AF_INET6) {
		*af = AF_INET6;
		memcpy(v6, p, 16);
	} else {
		*af = AF_INET;
		memcpy(v4, p, 4);
	}
	return DPVS_OK;
}

/* A MAC address: 6 bytes then 2 zero bytes of padding. */
static void wb_mac(struct wbuf *b, const uint8_t mac[6])
{
	wb_bytes(b, mac, 6);
	wb_u16(b, 0);
}

static void rb_mac(struct rbuf *b, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = rb_u8(b);
	(void)rb_u16(b);
}

/* A prefix length: 1 byte then 3 zero bytes of padding. */
static void wb_plen(struct wbuf *b, uint8_t plen)
{
	wb_u8(b, plen);
	wb_u8(b, 0);
	wb_u16(b, 0);
}

static uint8_t rb_plen(struct rbuf *b)
{
	uint8_t plen = rb_u8(b);

	(void)rb_u8(b);
	(void)rb_u16(b);
	return plen;
}

/* The link record's counters, in struct and wire order. */
#define LINK_COUNTERS(X)                                                     \
	X(ipackets) X(opackets) X(ibytes) X(obytes) X(imissed) X(ierrors)     \
	X(oerrors) X(rx_nombuf) X(kni_to_kernel) X(kni_from_kernel)           \
	X(kni_dropped)

void wire_enc_link(struct wbuf *b, const struct dpvs_link_info *l)
{
	wb_str(b, l->name, WIRE_NAME_STR);
	wb_str(b, l->kni_name, WIRE_NAME_STR);
	wb_str(b, l->driver, WIRE_NAME_STR);
	wb_u32(b, l->port_id);
	wb_mac(b, l->mac);
	wb_u32(b, l->mtu);
	wb_u32(b, l->flags);
	wb_u32(b, l->speed_mbps);
	wb_u32(b, l->nrxq);
	wb_u32(b, l->ntxq);
#define X(f) wb_u64(b, l->f);
	LINK_COUNTERS(X)
#undef X
}

int wire_dec_link(struct rbuf *b, struct dpvs_link_info *l)
{
	rb_str(b, l->name, WIRE_NAME_STR);
	rb_str(b, l->kni_name, WIRE_NAME_STR);
	rb_str(b, l->driver, WIRE_NAME_STR);
	l->port_id = rb_u32(b);
	rb_mac(b, l->mac);
	l->mtu = rb_u32(b);
	l->flags = rb_u32(b);
	l->speed_mbps = rb_u32(b);
	l->nrxq = rb_u32(b);
	l->ntxq = rb_u32(b);
#define X(f) l->f = rb_u64(b);
	LINK_COUNTERS(X)
#undef X
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_counter(struct wbuf *b, const struct dpvs_counter *c)
{
	wb_str(b, c->name, WIRE_COUNTER_STR);
	wb_u64(b, c->value);
}

int wire_dec_counter(struct rbuf *b, struct dpvs_counter *c)
{
	rb_str(b, c->name, WIRE_COUNTER_STR);
	c->value = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_addr(struct wbuf *b, const struct dpvs_addr *a)
{
	wb_str(b, a->ifname, WIRE_NAME_STR);
	wire_enc_inet(b, a->af, a->addr, &a->addr6);
	wb_plen(b, a->plen);
	wb_u32(b, a->flags);
}

int wire_dec_addr(struct rbuf *b, struct dpvs_addr *a)
{
	rb_str(b, a->ifname, WIRE_NAME_STR);
	wire_dec_inet(b, &a->af, &a->addr, &a->addr6);
	a->plen = rb_plen(b);
	a->flags = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_route(struct wbuf *b, const struct dpvs_route *r)
{
	wb_str(b, r->ifname, WIRE_NAME_STR);
	wire_enc_inet(b, r->af, r->prefix, &r->prefix6);
	wb_plen(b, r->plen);
	wb_u32(b, r->type);
	wire_enc_inet(b, r->af, r->gw, &r->gw6);
	wire_enc_inet(b, r->af, r->src, &r->src6);
}

int wire_dec_route(struct rbuf *b, struct dpvs_route *r)
{
	uint8_t gaf, saf;

	rb_str(b, r->ifname, WIRE_NAME_STR);
	wire_dec_inet(b, &r->af, &r->prefix, &r->prefix6);
	r->plen = rb_plen(b);
	r->type = rb_u32(b);
	wire_dec_inet(b, &gaf, &r->gw, &r->gw6);
	wire_dec_inet(b, &saf, &r->src, &r->src6);
	/* One route, one family: its gateway and source are of it. */
	if (!b->err && (gaf != r->af || saf != r->af))
		b->err = true;
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_neigh(struct wbuf *b, const struct dpvs_neigh *n)
{
	wb_str(b, n->ifname, WIRE_NAME_STR);
	wire_enc_inet(b, n->af, n->ip, &n->ip6);
	wb_mac(b, n->mac);
	wb_u32(b, n->state);
	wb_u32(b, n->age_s);
	wb_u32(b, n->flags);
}

int wire_dec_neigh(struct rbuf *b, struct dpvs_neigh *n)
{
	rb_str(b, n->ifname, WIRE_NAME_STR);
	wire_dec_inet(b, &n->af, &n->ip, &n->ip6);
	rb_mac(b, n->mac);
	n->state = rb_u32(b);
	n->age_s = rb_u32(b);
	n->flags = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}
