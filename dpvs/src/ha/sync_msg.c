/*
 * The sync datagram, versions 1 and 2 (sync_msg.h; docs/ha.md, "The
 * message").
 * Everything a peer controls is checked here, in this order: the
 * datagram's shape (len, version, type, nrec: cheap, so a flood of junk
 * costs no HMAC), then the tag, and only then any authenticated field.
 */
#include "ha/sync_msg.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/*
 * BULK_END's counts sit in a pseudo-record (rtype 0): v1 records at 32,
 * where an LB that knows only v1 reads its count, v2 records at 36.
 */
#define SYNC_REC_COUNT_OFF 32
#define SYNC_REC_COUNT6_OFF 36

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

static unsigned max_recs(unsigned maxlen, unsigned rec_len, unsigned max)
{
	unsigned n;

	if (maxlen < SYNC_MIN_LEN)
		return 0;
	n = (maxlen - SYNC_MIN_LEN) / rec_len;
	return n > max ? max : n;
}

unsigned sync_msg_max_recs(unsigned maxlen)
{
	return max_recs(maxlen, SYNC_REC_LEN, SYNC_MAX_RECS);
}

unsigned sync_msg_max_recs6(unsigned maxlen)
{
	return max_recs(maxlen, SYNC_REC6_LEN, SYNC_MAX_RECS6);
}

bool sync_hmac(const uint8_t *key, size_t klen, const uint8_t *data, size_t n,
	       uint8_t out[SYNC_TAG_LEN])
{
	unsigned int olen = SYNC_TAG_LEN;

	/* key may be NULL with klen 0; HMAC() wants a pointer all the same. */
	return klen <= INT32_MAX &&
	       HMAC(EVP_sha256(), key ? (const void *)key : "", (int)klen,
		    data, n, out, &olen) && olen == SYNC_TAG_LEN;
}

static bool key_ok(const struct sync_key *k)
{
	return k && k->len >= SYNC_KEY_MIN && k->len <= SYNC_KEY_MAX;
}

static void put_hdr(uint8_t *p, uint8_t version, const struct sync_msg_hdr *h,
		    unsigned nrec, size_t len)
{
	p[0] = version;
	p[1] = h->type;
	p[2] = h->syncid;
	p[3] = (uint8_t)nrec;
	put16(p + 4, (uint16_t)len);
	put16(p + 6, h->nworkers);
	put64(p + 8, h->sender_id);
	put64(p + 16, h->seq);
	put32(p + 24, h->start_s);
	put32(p + 28, h->sent_s);
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
	put32(p + 36, r->reserved);
}

/* Records a datagram of this type carries: -1 when nrec does not fit it. */
static int type_nrec(uint8_t type, unsigned nrec)
{
	switch (type) {
	case SYNC_MSG_CONN:
		return nrec >= 1 && nrec <= SYNC_MAX_RECS ? (int)nrec : -1;
	case SYNC_MSG_BULK_END:
		return 1;
	case SYNC_MSG_BULK_REQ:
	case SYNC_MSG_HEARTBEAT:
		return 0;
	default:
		return -1;
	}
}

size_t sync_msg_build(uint8_t *buf, size_t cap, const struct sync_msg_hdr *h,
		      const struct ipvs_sync_rec *recs, unsigned nrec,
		      const struct sync_key *k)
{
	int n = type_nrec(h->type, nrec);
	size_t body;

	/* BULK_END's record is its count, not one of the caller's. */
	if (n < 0 || (h->type != SYNC_MSG_CONN && nrec) || !key_ok(k))
		return 0;
	body = SYNC_HDR_LEN + (size_t)n * SYNC_REC_LEN;
	if (!buf || cap < body + SYNC_TAG_LEN)
		return 0;
	put_hdr(buf, SYNC_MSG_VERSION, h, (unsigned)n, body + SYNC_TAG_LEN);
	if (h->type == SYNC_MSG_BULK_END) {
		memset(buf + SYNC_HDR_LEN, 0, SYNC_REC_LEN);
		put32(buf + SYNC_HDR_LEN + SYNC_REC_COUNT_OFF, h->count);
		put32(buf + SYNC_HDR_LEN + SYNC_REC_COUNT6_OFF, h->count6);
	} else {
		for (int i = 0; i < n; i++)
			put_rec(buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC_LEN,
				&recs[i]);
	}
	if (!sync_hmac(k->key, k->len, buf, body, buf + body))
		return 0;
	return body + SYNC_TAG_LEN;
}

/* Version 2: the client side is v6; the server side v6, or v4 (NAT64). */
static bool fams_ok(uint8_t caf, uint8_t daf)
{
	return caf == IPVS_SYNC_AF6 &&
	       (daf == IPVS_SYNC_AF6 || daf == IPVS_SYNC_AF4);
}

/* A v4 address is its 4 bytes, big-endian, then 12 zero bytes. */
static void put_addr(uint8_t *p, uint8_t af, const union inet_addr *a)
{
	if (af == IPVS_SYNC_AF4) {
		put32(p, a->in4);
		memset(p + 4, 0, 12);
	} else {
		memcpy(p, a->b, 16);
	}
}

static void get_addr(const uint8_t *p, uint8_t af, union inet_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (af == IPVS_SYNC_AF4)
		a->in4 = get32(p);
	else
		memcpy(a->b, p, 16);
}

static bool addr_ok(const uint8_t *p, uint8_t af)
{
	static const uint8_t zero[12];

	return af != IPVS_SYNC_AF4 || !memcmp(p + 4, zero, sizeof(zero));
}

static void put_rec6(uint8_t *p, const struct ipvs_sync_rec6 *r)
{
	p[0] = r->rtype;
	p[1] = r->proto;
	p[2] = r->xmit;
	p[3] = r->state;
	put16(p + 4, r->flags);
	put16(p + 6, r->widx);
	p[8] = r->caf;
	p[9] = r->daf;
	p[10] = p[11] = 0;
	put_addr(p + 12, r->caf, &r->caddr);
	put_addr(p + 28, r->caf, &r->vaddr);
	put_addr(p + 44, r->daf, &r->laddr);
	put_addr(p + 60, r->daf, &r->daddr);
	put16(p + 76, r->cport);
	put16(p + 78, r->vport);
	put16(p + 80, r->lport);
	put16(p + 82, r->dport);
	put32(p + 84, r->timeout_s);
	put32(p + 88, r->reserved);
}

size_t sync_msg_build6(uint8_t *buf, size_t cap, const struct sync_msg_hdr *h,
		       const struct ipvs_sync_rec6 *recs, unsigned nrec,
		       const struct sync_key *k)
{
	size_t body = SYNC_HDR_LEN + (size_t)nrec * SYNC_REC6_LEN;

	if (h->type != SYNC_MSG_CONN || nrec < 1 || nrec > SYNC_MAX_RECS6 ||
	    !key_ok(k) || !buf || cap < body + SYNC_TAG_LEN)
		return 0;
	for (unsigned i = 0; i < nrec; i++)
		if (!fams_ok(recs[i].caf, recs[i].daf))
			return 0;
	put_hdr(buf, SYNC_MSG_VERSION6, h, nrec, body + SYNC_TAG_LEN);
	for (unsigned i = 0; i < nrec; i++)
		put_rec6(buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC6_LEN, &recs[i]);
	if (!sync_hmac(k->key, k->len, buf, body, buf + body))
		return 0;
	return body + SYNC_TAG_LEN;
}

/* The shape: only bytes whose meaning does not depend on trusting them. */
static bool shape_ok(const uint8_t *buf, size_t len)
{
	size_t rec_len, nrec;

	if (len < SYNC_MIN_LEN || len > SYNC_MAX_LEN || get16(buf + 4) != len)
		return false;
	if (buf[0] == SYNC_MSG_VERSION)
		rec_len = SYNC_REC_LEN;
	else if (buf[0] == SYNC_MSG_VERSION6 && buf[1] == SYNC_MSG_CONN)
		rec_len = SYNC_REC6_LEN;
	else
		return false;
	if ((len - SYNC_MIN_LEN) % rec_len)
		return false;
	nrec = (len - SYNC_MIN_LEN) / rec_len;
	return buf[3] == nrec && type_nrec(buf[1], buf[3]) == (int)nrec;
}

/* Version 2's records: families the format carries, v4 tails zero. */
static bool recs6_ok(const uint8_t *buf, unsigned nrec)
{
	for (unsigned i = 0; i < nrec; i++) {
		const uint8_t *p = buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC6_LEN;

		if (!fams_ok(p[8], p[9]) || p[10] || p[11] ||
		    !addr_ok(p + 12, p[8]) || !addr_ok(p + 28, p[8]) ||
		    !addr_ok(p + 44, p[9]) || !addr_ok(p + 60, p[9]))
			return false;
	}
	return true;
}

static void get_hdr(const uint8_t *buf, struct sync_msg_hdr *h)
{
	h->version = buf[0];
	h->type = buf[1];
	h->syncid = buf[2];
	h->nrec = buf[3];
	h->len = get16(buf + 4);
	h->nworkers = get16(buf + 6);
	h->sender_id = get64(buf + 8);
	h->seq = get64(buf + 16);
	h->start_s = get32(buf + 24);
	h->sent_s = get32(buf + 28);
	h->count = h->type == SYNC_MSG_BULK_END ?
		get32(buf + SYNC_HDR_LEN + SYNC_REC_COUNT_OFF) : 0;
	h->count6 = h->type == SYNC_MSG_BULK_END ?
		get32(buf + SYNC_HDR_LEN + SYNC_REC_COUNT6_OFF) : 0;
}

enum sync_verdict sync_msg_verify(const uint8_t *buf, size_t len,
				  const struct sync_key *k, uint8_t syncid,
				  struct sync_msg_hdr *h)
{
	uint8_t tag[SYNC_TAG_LEN];
	size_t body;

	if (!buf || !shape_ok(buf, len))
		return SYNC_BAD;
	if (!key_ok(k))
		return SYNC_AUTH;
	body = len - SYNC_TAG_LEN;
	if (!sync_hmac(k->key, k->len, buf, body, tag) ||
	    CRYPTO_memcmp(tag, buf + body, SYNC_TAG_LEN))
		return SYNC_AUTH;
	get_hdr(buf, h);
	/* A key holder's bug, not an attack: still not ours to act on. */
	if (h->seq == 0 || h->nworkers == 0 ||
	    (h->type == SYNC_MSG_BULK_END && buf[SYNC_HDR_LEN] != 0) ||
	    (h->version == SYNC_MSG_VERSION6 && !recs6_ok(buf, h->nrec)))
		return SYNC_BAD;
	return h->syncid == syncid ? SYNC_OK : SYNC_OTHER_ID;
}

void sync_msg_rec(const uint8_t *buf, unsigned i, struct ipvs_sync_rec *r)
{
	const uint8_t *p = buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC_LEN;

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
	r->reserved = get32(p + 36);
}

void sync_msg_rec6(const uint8_t *buf, unsigned i, struct ipvs_sync_rec6 *r)
{
	const uint8_t *p = buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC6_LEN;

	memset(r, 0, sizeof(*r));
	r->rtype = p[0];
	r->proto = p[1];
	r->xmit = p[2];
	r->state = p[3];
	r->flags = get16(p + 4);
	r->widx = get16(p + 6);
	r->caf = p[8];
	r->daf = p[9];
	get_addr(p + 12, r->caf, &r->caddr);
	get_addr(p + 28, r->caf, &r->vaddr);
	get_addr(p + 44, r->daf, &r->laddr);
	get_addr(p + 60, r->daf, &r->daddr);
	r->cport = get16(p + 76);
	r->vport = get16(p + 78);
	r->lport = get16(p + 80);
	r->dport = get16(p + 82);
	r->timeout_s = get32(p + 84);
	r->reserved = get32(p + 88);
}

static void replay_reset(struct sync_replay *r, const struct sync_msg_hdr *h)
{
	r->have = true;
	r->sender_id = h->sender_id;
	r->start_s = h->start_s;
	r->top = h->seq;
	r->window = 1;
}

/* Same sender: IPsec's window; bit i stands for seq top - i. */
static enum sync_verdict replay_window(struct sync_replay *r, uint64_t seq)
{
	uint64_t d;

	if (seq > r->top) {
		d = seq - r->top;
		r->window = d >= 64 ? 1 : r->window << d | 1;
		r->top = seq;
		return SYNC_OK;
	}
	d = r->top - seq;
	if (d >= 64 || (r->window >> d & 1))
		return SYNC_REPLAY;
	r->window |= (uint64_t)1 << d;
	return SYNC_OK;
}

enum sync_verdict sync_replay_check(struct sync_replay *r,
				    const struct sync_msg_hdr *h,
				    uint32_t now_s, uint32_t max_age_s)
{
	int64_t skew = (int64_t)h->sent_s - (int64_t)now_s;

	if (max_age_s && (skew > max_age_s || -skew > max_age_s))
		return SYNC_STALE;
	if (!r->have) {
		replay_reset(r, h);
		return SYNC_OK;
	}
	if (h->sender_id != r->sender_id) {
		/* A peer restart draws a new id later; an older boot is a replay. */
		if (h->start_s < r->start_s)
			return SYNC_STALE;
		replay_reset(r, h);
		return SYNC_OK;
	}
	return replay_window(r, h->seq);
}

void sync_key_fingerprint(const struct sync_key *k, char out[9])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	size_t len = k && k->len <= SYNC_KEY_MAX ? k->len : 0;

	SHA256(k ? k->key : (const uint8_t *)"", len, md);
	snprintf(out, 9, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}
