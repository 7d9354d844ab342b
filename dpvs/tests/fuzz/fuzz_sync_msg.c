/*
 * libFuzzer target for the sync datagram receiver (dpvs/src/ha/sync_msg.c):
 * sync_msg_verify, sync_msg_rec and the replay window, with a fixed key.
 *
 * Random bytes almost never carry a valid tag, so the first byte picks
 * one of three modes:
 *   0: the rest is a datagram as received;
 *   1: the rest describes a datagram (header fields, then records), which
 *      is built with the key, checked to verify, then changed at one byte
 *      and verified again (a forger who knows the format but not the key);
 *      a type byte with its top bit set makes it a version 2 datagram;
 *   2: the rest is a run of replay-window checks, each one re-checked at
 *      once, which must then be refused.
 * A property that fails aborts, so libFuzzer reports it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ha/sync_msg.h"

#define SYNCID 51

static const struct sync_key key = {
	.len = 32,
	.key = "fuzz-sync-key-0123456789abcdef!",
};

/* A verified datagram: every record read, the replay check run. */
static void consume(const uint8_t *buf, const struct sync_msg_hdr *h)
{
	struct sync_replay r = { 0 };
	struct ipvs_sync_rec rec;
	struct ipvs_sync_rec6 rec6;

	if (h->type == SYNC_MSG_CONN && h->version == SYNC_MSG_VERSION6)
		for (unsigned i = 0; i < h->nrec; i++) {
			sync_msg_rec6(buf, i, &rec6);
			if (rec6.caf != IPVS_SYNC_AF6 ||
			    (rec6.daf != IPVS_SYNC_AF6 && rec6.daf != IPVS_SYNC_AF4))
				abort();   /* the verifier let a family through */
		}
	else if (h->type == SYNC_MSG_CONN)
		for (unsigned i = 0; i < h->nrec; i++)
			sync_msg_rec(buf, i, &rec);
	if (sync_replay_check(&r, h, h->sent_s, 60) != SYNC_OK)
		abort();            /* the first datagram of a fresh peer */
	if (sync_replay_check(&r, h, h->sent_s, 60) != SYNC_REPLAY)
		abort();
}

static void received(const uint8_t *data, size_t len)
{
	struct sync_msg_hdr h;

	if (sync_msg_verify(data, len, &key, SYNCID, &h) == SYNC_OK)
		consume(data, &h);
}

static uint64_t take(const uint8_t **p, size_t *left, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		v <<= 8;
		if (*left) {
			v |= **p;
			(*p)++;
			(*left)--;
		}
	}
	return v;
}

/* Version 2: what verifies reads back as built, field for field. */
static size_t forged6(uint8_t *buf, const struct sync_msg_hdr *h,
		      const uint8_t *p, size_t left)
{
	static struct ipvs_sync_rec6 recs[SYNC_MAX_RECS6];
	struct sync_msg_hdr got;
	unsigned nrec = (unsigned)(left / sizeof(recs[0]));
	size_t len;

	if (nrec > SYNC_MAX_RECS6)
		nrec = SYNC_MAX_RECS6;
	memcpy(recs, p, nrec * sizeof(recs[0]));
	len = sync_msg_build6(buf, SYNC_MAX_LEN, h, recs, nrec, &key);
	if (!len)
		return 0;
	if (sync_msg_verify(buf, len, &key, h->syncid, &got) != SYNC_OK) {
		if (h->seq && h->nworkers)
			abort();
		return len;
	}
	for (unsigned i = 0; i < got.nrec; i++) {
		struct ipvs_sync_rec6 r, again;
		uint8_t b2[SYNC_MIN_LEN + SYNC_REC6_LEN];

		sync_msg_rec6(buf, i, &r);
		/* Read, built again and read: the same record. */
		if (!sync_msg_build6(b2, sizeof(b2), h, &r, 1, &key))
			abort();
		sync_msg_rec6(b2, 0, &again);
		if (memcmp(&r, &again, sizeof(r)) || r.cport != recs[i].cport ||
		    r.timeout_s != recs[i].timeout_s)
			abort();
	}
	consume(buf, &got);
	return len;
}

static void forged(const uint8_t *p, size_t left)
{
	static uint8_t buf[SYNC_MAX_LEN];
	static struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	struct sync_msg_hdr h = { 0 }, got;
	unsigned nrec;
	size_t len, at;
	uint8_t x;

	bool v2;

	h.type = (uint8_t)take(&p, &left, 1);
	v2 = h.type & 0x80;
	h.type %= 5;
	h.syncid = (uint8_t)take(&p, &left, 1);
	h.nworkers = (uint16_t)take(&p, &left, 2);
	h.sender_id = take(&p, &left, 8);
	h.seq = take(&p, &left, 8);
	h.start_s = (uint32_t)take(&p, &left, 4);
	h.sent_s = (uint32_t)take(&p, &left, 4);
	h.count = (uint32_t)take(&p, &left, 4);
	at = (size_t)take(&p, &left, 2);
	x = (uint8_t)take(&p, &left, 1);
	if (v2) {
		len = forged6(buf, &h, p, left);
		goto tamper;
	}
	nrec = h.type == SYNC_MSG_CONN ? left / sizeof(recs[0]) : 0;
	if (nrec > SYNC_MAX_RECS)
		nrec = SYNC_MAX_RECS;
	memcpy(recs, p, nrec * sizeof(recs[0]));
	len = sync_msg_build(buf, sizeof(buf), &h, recs, nrec, &key);
	if (!len)
		return;
	/* What we build, we accept (unless it lies about seq or workers). */
	if (sync_msg_verify(buf, len, &key, h.syncid, &got) == SYNC_OK) {
		for (unsigned i = 0; i < got.nrec && h.type == SYNC_MSG_CONN; i++) {
			struct ipvs_sync_rec r;

			sync_msg_rec(buf, i, &r);
			if (memcmp(&r, &recs[i], sizeof(r)))
				abort();
		}
		consume(buf, &got);
	} else if (h.seq && h.nworkers) {
		abort();
	}
tamper:
	if (!len || !x)
		return;
	buf[at % len] ^= x;
	if (sync_msg_verify(buf, len, &key, h.syncid, &got) == SYNC_OK)
		abort();        /* a changed datagram passed the tag */
}

static void replays(const uint8_t *p, size_t left)
{
	struct sync_replay r = { 0 };

	while (left >= 6) {
		struct sync_msg_hdr h = { .type = SYNC_MSG_CONN };
		uint32_t now = 1000;
		enum sync_verdict v;

		h.sender_id = take(&p, &left, 1) % 3;
		h.start_s = (uint32_t)take(&p, &left, 1);
		h.seq = take(&p, &left, 2) + (take(&p, &left, 1) << 40);
		h.sent_s = now - 64 + (uint32_t)take(&p, &left, 1) / 2;
		v = sync_replay_check(&r, &h, now, 60);
		if (v == SYNC_OK && sync_replay_check(&r, &h, now, 60) == SYNC_OK)
			abort();    /* accepted twice */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		received(data + 1, size - 1);
		break;
	case 1:
		forged(data + 1, size - 1);
		break;
	default:
		replays(data + 1, size - 1);
		break;
	}
	return 0;
}
