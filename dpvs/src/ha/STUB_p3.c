/*
 * TEMPORARY STUBS of P3 (the sync engine), for the lead to delete at
 * merge: the other parts' functions the engine calls, until their own
 * files are on main.  sync_msg_* stand for P1's ha/sync_msg.c (a working
 * copy of the format of docs/ha.md section 3, so the engine can be run),
 * ipvs_sync_* for P2's data plane (nothing produced, posts counted as
 * processed at once), ha_lease_set_end_cb for P4's ha_lease.c.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "ha/ha_lease.h"
#include "ha/sync_msg.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_sync.h"

/* ---- P1: ha/sync_msg.c ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

unsigned sync_msg_max_recs(unsigned maxlen)
{
	unsigned n = maxlen > SYNC_MIN_LEN ? (maxlen - SYNC_MIN_LEN) / SYNC_REC_LEN : 0;

	return n > SYNC_MAX_RECS ? SYNC_MAX_RECS : n;
}

static void put_rec(uint8_t *p, const struct ipvs_sync_rec *r)
{
	p[0] = r->rtype;
	p[1] = r->proto;
	p[2] = r->fwd;
	p[3] = r->state;
	put16(p + 4, r->flags);
	put16(p + 6, r->widx);
	put32(p + 8, r->caddr);
	put32(p + 12, r->vaddr);
	put32(p + 16, r->laddr);
	put32(p + 20, r->daddr);
	put16(p + 24, r->cport);
	put16(p + 26, r->vport);
	put16(p + 28, r->lport);
	put16(p + 30, r->dport);
	put32(p + 32, r->timeout_s);
	put32(p + 36, 0);
}

size_t sync_msg_build(uint8_t *buf, size_t cap, const struct sync_msg_hdr *h,
		      const struct ipvs_sync_rec *recs, unsigned nrec,
		      const struct sync_key *k)
{
	unsigned body = h->type == SYNC_MSG_BULK_END ? 1 : nrec;
	size_t len = SYNC_MIN_LEN + (size_t)body * SYNC_REC_LEN;
	unsigned taglen = SYNC_TAG_LEN;

	if (nrec > SYNC_MAX_RECS || len > cap)
		return 0;
	memset(buf, 0, len);
	buf[0] = h->version;
	buf[1] = h->type;
	buf[2] = h->syncid;
	buf[3] = (uint8_t)body;
	put16(buf + 4, (uint16_t)len);
	put16(buf + 6, h->nworkers);
	put64(buf + 8, h->sender_id);
	put64(buf + 16, h->seq);
	put32(buf + 24, h->start_s);
	put32(buf + 28, h->sent_s);
	if (h->type == SYNC_MSG_BULK_END)
		put32(buf + SYNC_HDR_LEN + 32, h->count);
	for (unsigned i = 0; i < nrec && h->type != SYNC_MSG_BULK_END; i++)
		put_rec(buf + SYNC_HDR_LEN + i * SYNC_REC_LEN, &recs[i]);
	HMAC(EVP_sha256(), k->key, (int)k->len, buf, len - SYNC_TAG_LEN,
	     buf + len - SYNC_TAG_LEN, &taglen);
	return len;
}

enum sync_verdict sync_msg_verify(const uint8_t *buf, size_t len,
				  const struct sync_key *k, uint8_t syncid,
				  struct sync_msg_hdr *h)
{
	uint8_t tag[SYNC_TAG_LEN];
	unsigned taglen = SYNC_TAG_LEN;

	if (len < SYNC_MIN_LEN || len > SYNC_MAX_LEN || get16(buf + 4) != len ||
	    len != SYNC_MIN_LEN + (size_t)buf[3] * SYNC_REC_LEN)
		return SYNC_BAD;
	HMAC(EVP_sha256(), k->key, (int)k->len, buf, len - SYNC_TAG_LEN, tag,
	     &taglen);
	if (CRYPTO_memcmp(tag, buf + len - SYNC_TAG_LEN, SYNC_TAG_LEN))
		return SYNC_AUTH;
	if (buf[0] != SYNC_MSG_VERSION || buf[1] < SYNC_MSG_CONN ||
	    buf[1] > SYNC_MSG_HEARTBEAT)
		return SYNC_BAD;
	memset(h, 0, sizeof(*h));
	h->version = buf[0];
	h->type = buf[1];
	h->syncid = buf[2];
	h->nrec = buf[3];
	h->len = (uint16_t)len;
	h->nworkers = get16(buf + 6);
	h->sender_id = get64(buf + 8);
	h->seq = get64(buf + 16);
	h->start_s = get32(buf + 24);
	h->sent_s = get32(buf + 28);
	if (h->type == SYNC_MSG_BULK_END) {
		if (h->nrec != 1)
			return SYNC_BAD;
		h->count = get32(buf + SYNC_HDR_LEN + 32);
		h->nrec = 0;
	} else if (h->type != SYNC_MSG_CONN && h->nrec) {
		return SYNC_BAD;
	}
	return h->syncid == syncid ? SYNC_OK : SYNC_OTHER_ID;
}

void sync_msg_rec(const uint8_t *buf, unsigned i, struct ipvs_sync_rec *r)
{
	const uint8_t *p = buf + SYNC_HDR_LEN + i * SYNC_REC_LEN;

	r->rtype = p[0];
	r->proto = p[1];
	r->fwd = p[2];
	r->state = p[3];
	r->flags = get16(p + 4);
	r->widx = get16(p + 6);
	r->caddr = get32(p + 8);
	r->vaddr = get32(p + 12);
	r->laddr = get32(p + 16);
	r->daddr = get32(p + 20);
	r->cport = get16(p + 24);
	r->vport = get16(p + 26);
	r->lport = get16(p + 28);
	r->dport = get16(p + 30);
	r->timeout_s = get32(p + 32);
	r->reserved = 0;
}

enum sync_verdict sync_replay_check(struct sync_replay *r,
				    const struct sync_msg_hdr *h,
				    uint32_t now_s, uint32_t max_age_s)
{
	int64_t skew = (int64_t)now_s - (int64_t)h->sent_s;

	if (max_age_s && (skew > max_age_s || -skew > max_age_s))
		return SYNC_STALE;
	if (!h->seq)
		return SYNC_REPLAY;
	if (!r->have || r->sender_id != h->sender_id) {
		if (r->have && h->start_s < r->start_s)
			return SYNC_STALE;
		*r = (struct sync_replay){ true, h->sender_id, h->start_s, h->seq, 1 };
		return SYNC_OK;
	}
	if (h->seq > r->top) {
		uint64_t d = h->seq - r->top;

		r->window = d >= 64 ? 1 : r->window << d | 1;
		r->top = h->seq;
		return SYNC_OK;
	}
	if (r->top - h->seq >= 64 || (r->window >> (r->top - h->seq) & 1))
		return SYNC_REPLAY;
	r->window |= 1ull << (r->top - h->seq);
	return SYNC_OK;
}

void sync_key_fingerprint(const struct sync_key *k, char out[9])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256(k->key, k->len, d);
	for (unsigned i = 0; i < 4; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[8] = '\0';
}

/* ---- P2: ipvs/ipvs_sync_out.c, ipvs_sync_in.c ---- */

static unsigned stub_roles;
static struct ipvs_sync_stats stub_stats;

void ipvs_sync_set_roles(unsigned roles)
{
	stub_roles = roles;
}

unsigned ipvs_sync_roles(void)
{
	return stub_roles;
}

void ipvs_sync_set_params(const struct ipvs_sync_params *p)
{
	(void)p;
}

unsigned ipvs_sync_drain(unsigned w, struct ipvs_sync_rec *out, unsigned max)
{
	(void)w;
	(void)out;
	(void)max;
	return 0;
}

int ipvs_sync_post(const struct ipvs_sync_rec *r, unsigned sender_nw)
{
	(void)r;
	(void)sender_nw;
	stub_stats.processed++;
	stub_stats.no_service++;
	return 0;
}

void ipvs_sync_rec_of(const struct ipvs_conn *c, struct ipvs_sync_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->rtype = IPVS_SYNC_CONN;
	r->proto = c->proto;
	r->fwd = c->fwd;
	r->state = c->state;
	r->widx = c->widx;
	r->caddr = c->caddr;
	r->vaddr = c->vaddr;
	r->laddr = c->laddr;
	r->daddr = c->daddr;
	r->cport = c->cport;
	r->vport = c->vport;
	r->lport = c->lport;
	r->dport = c->dport;
	r->timeout_s = ipvs_conn_expires_in(c);
}

void ipvs_sync_stats(struct ipvs_sync_stats *out)
{
	*out = stub_stats;
}

void ipvs_sync_stats_reset(void)
{
	memset(&stub_stats, 0, sizeof(stub_stats));
}

/* ---- P4: ha/ha_lease.c ---- */

void ha_lease_set_end_cb(void (*cb)(const char *why))
{
	(void)cb;
}
