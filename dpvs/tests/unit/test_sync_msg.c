/*
 * Unit tests for the sync datagram (dpvs/src/ha/sync_msg.c): build and
 * verify every type, every bound, the HMAC against RFC 4231, tampering,
 * the replay window, and version 2 (v6 and NAT64 records).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ha/sync_msg.h"

static struct sync_key key_of(uint8_t seed, uint32_t len)
{
	struct sync_key k = { .len = len };

	for (uint32_t i = 0; i < sizeof(k.key); i++)
		k.key[i] = (uint8_t)(seed + i * 7);
	return k;
}

static struct sync_msg_hdr hdr_of(uint8_t type)
{
	return (struct sync_msg_hdr){
		.type = type, .syncid = 51, .nworkers = 3,
		.sender_id = 0x9c3e71d04a5b2f18ull, .seq = 0x0102030405060708ull,
		.start_s = 1765000000u, .sent_s = 1765000042u,
	};
}

/* Distinct values in every field, so a swapped field shows. */
static struct ipvs_sync_rec rec_of(unsigned i)
{
	return (struct ipvs_sync_rec){
		.rtype = (uint8_t)(1 + i % 2), .proto = i % 3 ? 6 : 17,
		.fwd = (uint8_t)(i % 4), .state = (uint8_t)(i % 12),
		.flags = (uint16_t)(i % 4), .widx = (uint16_t)(i * 3 + 1),
		.caddr = 0x0a000001u + i, .vaddr = 0xc0a80001u + i * 5,
		.laddr = 0x0a00016eu + i * 7, .daddr = 0x0a000201u + i * 11,
		.cport = (uint16_t)(40000 + i), .vport = (uint16_t)(80 + i),
		.lport = (uint16_t)(1024 + i * 13), .dport = (uint16_t)(8080 + i),
		.timeout_s = 900 - i, .reserved = i * 0x01010101u,
	};
}

/* Recomputes the tag after a test changed the body on purpose. */
static void retag(uint8_t *buf, size_t len, const struct sync_key *k)
{
	assert_true(sync_hmac(k->key, k->len, buf, len - SYNC_TAG_LEN,
			      buf + len - SYNC_TAG_LEN));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void check_hdr(const struct sync_msg_hdr *a, const struct sync_msg_hdr *b)
{
	assert_int_equal(a->version, SYNC_MSG_VERSION);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->syncid, b->syncid);
	assert_int_equal(a->nworkers, b->nworkers);
	assert_true(a->sender_id == b->sender_id);
	assert_true(a->seq == b->seq);
	assert_int_equal(a->start_s, b->start_s);
	assert_int_equal(a->sent_s, b->sent_s);
}

static void test_conn_round_trip(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN];
	static struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	struct sync_key k = key_of(1, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	const unsigned counts[] = { 1, 2, 35, 254, 255 };

	(void)state;
	for (unsigned i = 0; i < SYNC_MAX_RECS; i++)
		recs[i] = rec_of(i);
	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned n = counts[c];
		size_t len = sync_msg_build(buf, sizeof(buf), &h, recs, n, &k);

		assert_int_equal(len, SYNC_MIN_LEN + n * SYNC_REC_LEN);
		memset(&got, 0xee, sizeof(got));
		assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
		check_hdr(&got, &h);
		assert_int_equal(got.nrec, n);
		assert_int_equal(got.len, len);
		assert_int_equal(got.count, 0);
		for (unsigned i = 0; i < n; i++) {
			struct ipvs_sync_rec r;

			memset(&r, 0xee, sizeof(r));
			sync_msg_rec(buf, i, &r);
			assert_memory_equal(&r, &recs[i], sizeof(r));
		}
	}
	/* Network order on the wire, as the design's layout says. */
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], SYNC_MSG_CONN);
	assert_int_equal(buf[2], 51);
	assert_int_equal(buf[3], 255);
	assert_int_equal(buf[4] << 8 | buf[5], SYNC_MAX_LEN);
	assert_int_equal(buf[8], 0x9c);
	assert_int_equal(buf[16 + 7], 0x08);
	assert_int_equal(buf[SYNC_HDR_LEN + 8], 0x0a);    /* caddr */
	assert_int_equal(buf[SYNC_HDR_LEN + 11], 0x01);
}

static void test_control_round_trip(void **state)
{
	uint8_t buf[256];
	struct sync_key k = key_of(2, 64);
	const uint8_t types[] = { SYNC_MSG_BULK_REQ, SYNC_MSG_BULK_END,
				  SYNC_MSG_HEARTBEAT };

	(void)state;
	for (unsigned t = 0; t < sizeof(types); t++) {
		struct sync_msg_hdr h = hdr_of(types[t]), got;
		size_t len;

		h.count = 123456789u;
		h.count6 = 0x0a0b0c0du;
		len = sync_msg_build(buf, sizeof(buf), &h, NULL, 0, &k);
		if (types[t] == SYNC_MSG_BULK_END) {
			/* One pseudo-record: rtype 0, the count at offset 32. */
			assert_int_equal(len, SYNC_MIN_LEN + SYNC_REC_LEN);
			assert_int_equal(buf[3], 1);
			assert_int_equal(buf[SYNC_HDR_LEN], 0);
			assert_int_equal(buf[SYNC_HDR_LEN + 32], 123456789u >> 24);
			/* v2 records at 36, where an older LB reads nothing. */
			assert_int_equal(buf[SYNC_HDR_LEN + 36], 0x0a);
			assert_int_equal(buf[SYNC_HDR_LEN + 39], 0x0d);
		} else {
			assert_int_equal(len, SYNC_MIN_LEN);
		}
		assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
		check_hdr(&got, &h);
		assert_int_equal(got.count,
				 types[t] == SYNC_MSG_BULK_END ? 123456789u : 0);
		assert_int_equal(got.count6,
				 types[t] == SYNC_MSG_BULK_END ? 0x0a0b0c0du : 0);
	}
}

static void test_build_bounds(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN + 64];
	static struct ipvs_sync_rec recs[SYNC_MAX_RECS + 1];
	struct sync_key k = key_of(3, 32), k31 = key_of(3, 31),
		k65 = key_of(3, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), r = hdr_of(SYNC_MSG_BULK_REQ);
	struct sync_msg_hdr bad = hdr_of(0), bad5 = hdr_of(5);

	(void)state;
	k65.len = 65;
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, recs, 0, &k), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, recs, 256, &k), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &r, recs, 1, &k), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &bad, recs, 1, &k), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &bad5, recs, 1, &k), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, recs, 1, &k31), 0);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, recs, 1, &k65), 0);
	assert_int_equal(sync_msg_build(buf, SYNC_MIN_LEN + 3 * SYNC_REC_LEN - 1,
					&h, recs, 3, &k), 0);
	assert_int_equal(sync_msg_build(buf, SYNC_MIN_LEN + 3 * SYNC_REC_LEN,
					&h, recs, 3, &k),
			 SYNC_MIN_LEN + 3 * SYNC_REC_LEN);
	assert_int_equal(sync_msg_build(NULL, 0, &r, NULL, 0, &k), 0);
	/* The capacity of a payload: (maxlen - 64) / 40, at most 255. */
	assert_int_equal(sync_msg_max_recs(0), 0);
	assert_int_equal(sync_msg_max_recs(SYNC_MIN_LEN), 0);
	assert_int_equal(sync_msg_max_recs(103), 0);
	assert_int_equal(sync_msg_max_recs(104), 1);
	assert_int_equal(sync_msg_max_recs(1472), 35);
	assert_int_equal(sync_msg_max_recs(SYNC_MAX_LEN - 1), 254);
	assert_int_equal(sync_msg_max_recs(SYNC_MAX_LEN), 255);
	assert_int_equal(sync_msg_max_recs(10272), 255);
	assert_int_equal(sync_msg_max_recs(65535), 255);
}

/* Every length but the built one is refused before the tag is computed. */
static void test_verify_lengths(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN + 2 * SYNC_REC_LEN];
	static struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	struct sync_key k = key_of(4, 40);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	size_t len;

	(void)state;
	len = sync_msg_build(buf, sizeof(buf), &h, recs, 3, &k);
	for (size_t l = 0; l < sizeof(buf); l++)
		assert_int_equal(sync_msg_verify(buf, l, &k, 51, &got),
				 l == len ? SYNC_OK : SYNC_BAD);
	assert_int_equal(sync_msg_verify(NULL, len, &k, 51, &got), SYNC_BAD);
	/* A length field that lies, with a valid tag over the lie. */
	put16(buf + 4, (uint16_t)(len + SYNC_REC_LEN));
	retag(buf, len, &k);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_BAD);
	/* 256 records: over the maximum however well formed. */
	len = SYNC_MAX_LEN + SYNC_REC_LEN;
	memset(buf, 0, len);
	buf[0] = 1;
	buf[1] = SYNC_MSG_CONN;
	buf[3] = 0;          /* 256 does not fit a u8 */
	put16(buf + 4, (uint16_t)len);
	retag(buf, len, &k);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_BAD);
}

/* Builds a datagram, changes byte off to v, retags: the verdict. */
static enum sync_verdict mutated(uint8_t type, unsigned nrec, size_t off,
				 uint8_t v, size_t *lenp)
{
	static uint8_t buf[SYNC_MAX_LEN];
	static struct ipvs_sync_rec recs[4];
	struct sync_key k = key_of(5, 32);
	struct sync_msg_hdr h = hdr_of(type), got;
	size_t len;

	for (unsigned i = 0; i < 4; i++)
		recs[i] = rec_of(i);
	len = sync_msg_build(buf, sizeof(buf), &h, recs, nrec, &k);
	assert_true(len > 0);
	buf[off] = v;
	retag(buf, len, &k);
	if (lenp)
		*lenp = len;
	return sync_msg_verify(buf, len, &k, 51, &got);
}

static void test_verify_fields(void **state)
{
	(void)state;
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 0, 0, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 0, 2, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, 0, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, 5, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, 255, NULL), SYNC_BAD);
	/* nrec must match the length and suit the type. */
	assert_int_equal(mutated(SYNC_MSG_CONN, 2, 3, 1, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 2, 3, 3, NULL), SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_HEARTBEAT, 0, 1, SYNC_MSG_CONN, NULL),
			 SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, SYNC_MSG_BULK_REQ, NULL),
			 SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, SYNC_MSG_HEARTBEAT, NULL),
			 SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_CONN, 2, 1, SYNC_MSG_BULK_END, NULL),
			 SYNC_BAD);
	/* A CONN with one record may say BULK_END only with rtype 0. */
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 1, SYNC_MSG_BULK_END, NULL),
			 SYNC_BAD);
	assert_int_equal(mutated(SYNC_MSG_BULK_END, 0, SYNC_HDR_LEN, 1, NULL),
			 SYNC_BAD);
	/* Authenticated but impossible: seq 0, no workers. */
	assert_int_equal(mutated(SYNC_MSG_HEARTBEAT, 0, 23, 0, NULL), SYNC_OK);
	assert_int_equal(mutated(SYNC_MSG_HEARTBEAT, 0, 7, 0, NULL), SYNC_BAD);
	{
		struct sync_key k = key_of(6, 32);
		struct sync_msg_hdr h = hdr_of(SYNC_MSG_HEARTBEAT), got;
		uint8_t buf[SYNC_MIN_LEN];

		h.seq = 0;
		assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, NULL, 0, &k),
				 SYNC_MIN_LEN);
		assert_int_equal(sync_msg_verify(buf, sizeof(buf), &k, 51, &got),
				 SYNC_BAD);
	}
	/* Another syncid: authentic, not ours. */
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 2, 52, NULL), SYNC_OTHER_ID);
	assert_int_equal(mutated(SYNC_MSG_CONN, 1, 2, 0, NULL), SYNC_OTHER_ID);
}

/* Flipping any byte (tag included) or any key byte never passes. */
static void test_tamper(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN], copy[SYNC_MAX_LEN];
	static struct ipvs_sync_rec recs[7];
	struct sync_key k = key_of(7, 48), other;
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 7; i++)
		recs[i] = rec_of(i);
	len = sync_msg_build(buf, sizeof(buf), &h, recs, 7, &k);
	for (size_t i = 0; i < len; i++) {
		const uint8_t masks[] = { 0x01, 0x80, 0xff };

		for (unsigned m = 0; m < sizeof(masks); m++) {
			enum sync_verdict v;

			memcpy(copy, buf, len);
			copy[i] ^= masks[m];
			v = sync_msg_verify(copy, len, &k, 51, &got);
			assert_true(v == SYNC_AUTH || v == SYNC_BAD);
		}
	}
	for (uint32_t i = 0; i < k.len; i++) {
		other = k;
		other.key[i] ^= 0x20;
		assert_int_equal(sync_msg_verify(buf, len, &other, 51, &got),
				 SYNC_AUTH);
	}
	/* A longer key that starts the same is another key. */
	other = k;
	other.len = 49;
	assert_int_equal(sync_msg_verify(buf, len, &other, 51, &got), SYNC_AUTH);
	/* No usable key: nothing is authentic. */
	other.len = 31;
	assert_int_equal(sync_msg_verify(buf, len, &other, 51, &got), SYNC_AUTH);
	other.len = 0;
	assert_int_equal(sync_msg_verify(buf, len, &other, 51, &got), SYNC_AUTH);
	other.len = 65;
	assert_int_equal(sync_msg_verify(buf, len, &other, 51, &got), SYNC_AUTH);
	assert_int_equal(sync_msg_verify(buf, len, NULL, 51, &got), SYNC_AUTH);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
}

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 4231, HMAC-SHA-256 of test cases 1-4, 6 and 7 (5 truncates). */
static void test_hmac_rfc4231(void **state)
{
	static const char *const tc7 = "This is a test using a larger than "
		"block-size key and a larger than block-size data. The key "
		"needs to be hashed before being used by the HMAC algorithm.";
	uint8_t key[131], data[160], want[32], got[32];
	struct {
		uint8_t kfill;
		size_t klen;
		const char *data;
		uint8_t dfill;
		size_t dlen;
		const char *mac;
	} tc[] = {
		{ 0x0b, 20, "Hi There", 0, 0, "b0344c61d8db38535ca8afceaf0bf12b"
		  "881dc200c9833da726e9376c2e32cff7" },
		{ 0, 4, "what do ya want for nothing?", 0, 0,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ 0xaa, 20, NULL, 0xdd, 50,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ 0, 25, NULL, 0xcd, 50,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
		  0, 0,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ 0xaa, 131, tc7, 0, 0,
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};

	(void)state;
	for (size_t t = 0; t < sizeof(tc) / sizeof(tc[0]); t++) {
		size_t dlen = tc[t].data ? strlen(tc[t].data) : tc[t].dlen;

		if (t == 1)
			memcpy(key, "Jefe", 4);
		else if (t == 3)
			for (size_t i = 0; i < 25; i++)
				key[i] = (uint8_t)(i + 1);
		else
			memset(key, tc[t].kfill, tc[t].klen);
		if (tc[t].data)
			memcpy(data, tc[t].data, dlen);
		else
			memset(data, tc[t].dfill, dlen);
		hex(tc[t].mac, want);
		assert_true(sync_hmac(key, tc[t].klen, data, dlen, got));
		assert_memory_equal(got, want, 32);
	}
}

static void test_fingerprint(void **state)
{
	struct sync_key k = { .len = 32 }, k2;
	char fp[9], fp2[9];

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		k.key[i] = (uint8_t)i;
	memset(fp, 'x', sizeof(fp));
	sync_key_fingerprint(&k, fp);
	/* sha256(bytes 0..31) starts 630dcd29 (python3 hashlib). */
	assert_string_equal(fp, "630dcd29");
	/* Only the key's bytes count, not what lies past len. */
	k2 = k;
	k2.key[40] = 9;
	sync_key_fingerprint(&k2, fp2);
	assert_string_equal(fp, fp2);
	k2.len = 33;
	sync_key_fingerprint(&k2, fp2);
	assert_string_not_equal(fp, fp2);
}

static struct sync_msg_hdr at(uint64_t id, uint32_t start, uint64_t seq,
			      uint32_t sent)
{
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN);

	h.sender_id = id;
	h.start_s = start;
	h.seq = seq;
	h.sent_s = sent;
	return h;
}

static enum sync_verdict chk(struct sync_replay *r, uint64_t id,
			     uint32_t start, uint64_t seq)
{
	struct sync_msg_hdr h = at(id, start, seq, 1000);

	return sync_replay_check(r, &h, 1000, 60);
}

static void test_replay_window(void **state)
{
	struct sync_replay r = { 0 };

	(void)state;
	/* In order. */
	for (uint64_t s = 1; s <= 100; s++)
		assert_int_equal(chk(&r, 7, 500, s), SYNC_OK);
	assert_true(r.top == 100);
	/* Duplicates: the top, inside the window, at its last slot. */
	assert_int_equal(chk(&r, 7, 500, 100), SYNC_REPLAY);
	assert_int_equal(chk(&r, 7, 500, 60), SYNC_REPLAY);
	assert_int_equal(chk(&r, 7, 500, 37), SYNC_REPLAY);
	/* Below the window, even if never seen. */
	assert_int_equal(chk(&r, 7, 500, 36), SYNC_REPLAY);
	assert_int_equal(chk(&r, 7, 500, 1), SYNC_REPLAY);
	/* Reordered within 64: a jump ahead, then the gap fills once. */
	assert_int_equal(chk(&r, 7, 500, 160), SYNC_OK);
	for (uint64_t s = 159; s >= 101; s--)
		assert_int_equal(chk(&r, 7, 500, s), SYNC_OK);
	for (uint64_t s = 97; s <= 160; s++)
		assert_int_equal(chk(&r, 7, 500, s), SYNC_REPLAY);
	assert_int_equal(chk(&r, 7, 500, 96), SYNC_REPLAY);
	/* A jump of 64 or more leaves only the new top in the window. */
	assert_int_equal(chk(&r, 7, 500, 1000), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 999), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 937), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 936), SYNC_REPLAY);
	/* Exactly 64 ahead: nothing of the old window may linger. */
	assert_int_equal(chk(&r, 7, 500, 2000), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 1999), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 1998), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 2064), SYNC_OK);
	for (uint64_t s = 2001; s < 2064; s++)
		assert_int_equal(chk(&r, 7, 500, s), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, 2000), SYNC_REPLAY);
	assert_int_equal(chk(&r, 7, 500, UINT64_MAX), SYNC_OK);
	assert_int_equal(chk(&r, 7, 500, UINT64_MAX), SYNC_REPLAY);
}

static void test_replay_senders(void **state)
{
	struct sync_replay r = { 0 };
	struct sync_msg_hdr h;

	(void)state;
	assert_int_equal(chk(&r, 7, 500, 40), SYNC_OK);
	/* A restarted peer: a new id, a later or equal start; seq restarts. */
	assert_int_equal(chk(&r, 8, 600, 1), SYNC_OK);
	assert_int_equal(chk(&r, 8, 600, 2), SYNC_OK);
	assert_int_equal(chk(&r, 9, 600, 1), SYNC_OK);
	/* The old boot's datagrams, however fresh their seq, are stale. */
	assert_int_equal(chk(&r, 8, 600, 3), SYNC_OK); /* same start: a restart */
	assert_int_equal(chk(&r, 7, 500, 41), SYNC_STALE);
	assert_int_equal(chk(&r, 7, 500, 1000000), SYNC_STALE);
	assert_true(r.sender_id == 8 && r.start_s == 600);
	/* Refusals change nothing. */
	assert_int_equal(chk(&r, 8, 600, 4), SYNC_OK);
	assert_int_equal(chk(&r, 8, 600, 3), SYNC_REPLAY);
	/* max_age: either side of our clock; 0 turns it off. */
	h = at(8, 600, 10, 1061);
	assert_int_equal(sync_replay_check(&r, &h, 1000, 60), SYNC_STALE);
	h = at(8, 600, 10, 939);
	assert_int_equal(sync_replay_check(&r, &h, 1000, 60), SYNC_STALE);
	h = at(8, 600, 10, 940);
	assert_int_equal(sync_replay_check(&r, &h, 1000, 60), SYNC_OK);
	h = at(8, 600, 11, 1060);
	assert_int_equal(sync_replay_check(&r, &h, 1000, 60), SYNC_OK);
	h = at(8, 600, 12, 0);
	assert_int_equal(sync_replay_check(&r, &h, 4000000000u, 0), SYNC_OK);
	h = at(8, 600, 13, UINT32_MAX);
	assert_int_equal(sync_replay_check(&r, &h, 0, 86400), SYNC_STALE);
	/* The first datagram of all is taken as it comes. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(chk(&r, 3, 1, 77), SYNC_OK);
	assert_int_equal(chk(&r, 3, 1, 76), SYNC_OK);
	assert_int_equal(chk(&r, 3, 1, 77), SYNC_REPLAY);
}

/* ---- version 2: v6 and NAT64 records ---- */

static struct ipvs_sync_rec6 rec6_of(unsigned i)
{
	struct ipvs_sync_rec6 r = {
		.rtype = IPVS_SYNC_CONN6, .proto = i % 3 ? 6 : 17,
		.xmit = (uint8_t)(4 + i % 5), .state = (uint8_t)(i % 12),
		.flags = (uint16_t)(i % 4), .widx = (uint16_t)(i * 3 + 1),
		.caf = IPVS_SYNC_AF6, .daf = i % 2 ? IPVS_SYNC_AF4 : IPVS_SYNC_AF6,
		.cport = (uint16_t)(40000 + i), .vport = (uint16_t)(80 + i),
		.lport = (uint16_t)(1024 + i * 13), .dport = (uint16_t)(8080 + i),
		.timeout_s = 900 - i, .reserved = i * 0x01010101u,
	};

	for (unsigned b = 0; b < 16; b++) {
		r.caddr.b[b] = (uint8_t)(0x20 + b + i);
		r.vaddr.b[b] = (uint8_t)(0x40 + b * 3 + i);
	}
	if (r.daf == IPVS_SYNC_AF4) {
		r.laddr.in4 = 0x0a00026eu + i;
		r.daddr.in4 = 0x0a000201u + i * 11;
	} else {
		for (unsigned b = 0; b < 16; b++) {
			r.laddr.b[b] = (uint8_t)(0x60 + b * 5 + i);
			r.daddr.b[b] = (uint8_t)(0x80 + b * 7 + i);
		}
	}
	return r;
}

static void test_v2_round_trip(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN];
	static struct ipvs_sync_rec6 recs[SYNC_MAX_RECS6];
	struct sync_key k = key_of(3, 48);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	const unsigned counts[] = { 1, 2, 15, SYNC_MAX_RECS6 };

	(void)state;
	assert_int_equal(sizeof(struct ipvs_sync_rec6), 96);
	/* The default 1,472-byte payload holds 15 of them. */
	assert_int_equal(sync_msg_max_recs6(1472), 15);
	assert_int_equal(sync_msg_max_recs6(SYNC_MIN_LEN + SYNC_REC6_LEN - 1), 0);
	assert_int_equal(sync_msg_max_recs6(65535), SYNC_MAX_RECS6);
	for (unsigned i = 0; i < SYNC_MAX_RECS6; i++)
		recs[i] = rec6_of(i);
	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned n = counts[c];
		size_t len = sync_msg_build6(buf, sizeof(buf), &h, recs, n, &k);

		assert_int_equal(len, SYNC_MIN_LEN + n * SYNC_REC6_LEN);
		memset(&got, 0xee, sizeof(got));
		assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
		assert_int_equal(got.version, SYNC_MSG_VERSION6);
		assert_int_equal(got.nrec, n);
		for (unsigned i = 0; i < n; i++) {
			struct ipvs_sync_rec6 r;

			sync_msg_rec6(buf, i, &r);
			assert_memory_equal(&r, &recs[i], sizeof(r));
		}
	}
	/* On the wire: version 2, a v4 server address big-endian, then zeros. */
	assert_int_equal(buf[0], 2);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 9], IPVS_SYNC_AF4);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 60], 0x0a);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 63], 0x0c);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 64], 0);
	assert_int_equal(buf[SYNC_HDR_LEN + 12], 0x20);   /* caddr, as is */
}

static void test_v2_build_bounds(void **state)
{
	uint8_t buf[SYNC_MAX_LEN];
	struct ipvs_sync_rec6 recs[SYNC_MAX_RECS6 + 1], r = rec6_of(0);
	struct sync_key k = key_of(3, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN);

	(void)state;
	for (unsigned i = 0; i <= SYNC_MAX_RECS6; i++)
		recs[i] = rec6_of(i);
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, recs, 0, &k), 0);
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, recs,
					 SYNC_MAX_RECS6 + 1, &k), 0);
	assert_int_equal(sync_msg_build6(buf, SYNC_MIN_LEN + SYNC_REC6_LEN - 1,
					 &h, recs, 1, &k), 0);
	h.type = SYNC_MSG_HEARTBEAT;   /* version 2 is CONN only */
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, recs, 1, &k), 0);
	h.type = SYNC_MSG_CONN;
	/* v4 to v4 stays in version 1; v4 clients to v6 servers do not exist. */
	r.caf = r.daf = IPVS_SYNC_AF4;
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, &r, 1, &k), 0);
	r.daf = IPVS_SYNC_AF6;
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, &r, 1, &k), 0);
	r.caf = 5;
	assert_int_equal(sync_msg_build6(buf, sizeof(buf), &h, &r, 1, &k), 0);
}

/* A v2 datagram of 2 records, changed at off to val and re-tagged. */
static enum sync_verdict v2_changed(size_t off, uint8_t val)
{
	uint8_t buf[SYNC_MIN_LEN + 2 * SYNC_REC6_LEN];
	struct ipvs_sync_rec6 recs[2] = { rec6_of(0), rec6_of(1) };
	struct sync_key k = key_of(4, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	size_t len = sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);

	assert_int_equal(len, sizeof(buf));
	buf[off] = val;
	retag(buf, len, &k);
	return sync_msg_verify(buf, len, &k, 51, &got);
}

static void test_v2_verify_families(void **state)
{
	const size_t r0 = SYNC_HDR_LEN, r1 = SYNC_HDR_LEN + SYNC_REC6_LEN;

	(void)state;
	assert_int_equal(v2_changed(r0 + 8, IPVS_SYNC_AF6), SYNC_OK);
	assert_int_equal(v2_changed(r0 + 8, IPVS_SYNC_AF4), SYNC_BAD);
	assert_int_equal(v2_changed(r0 + 8, 0), SYNC_BAD);
	assert_int_equal(v2_changed(r0 + 9, 10), SYNC_BAD);
	assert_int_equal(v2_changed(r1 + 9, IPVS_SYNC_AF6), SYNC_OK);
	assert_int_equal(v2_changed(r1 + 9, 2), SYNC_BAD);
	assert_int_equal(v2_changed(r1 + 10, 1), SYNC_BAD);    /* pad */
	/* Record 1 is NAT64: its v4 server and local address have zero tails. */
	assert_int_equal(v2_changed(r1 + 44 + 4, 1), SYNC_BAD);
	assert_int_equal(v2_changed(r1 + 60 + 15, 1), SYNC_BAD);
	assert_int_equal(v2_changed(r1 + 60 + 3, 1), SYNC_OK);
	/* Record 0 is v6 to v6: every byte is an address's. */
	assert_int_equal(v2_changed(r0 + 60 + 15, 1), SYNC_OK);
}

static void test_v2_verify_lengths(void **state)
{
	uint8_t buf[SYNC_MAX_LEN];
	struct ipvs_sync_rec6 recs[2] = { rec6_of(0), rec6_of(1) };
	struct sync_key k = key_of(5, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	size_t len = sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);

	(void)state;
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
	/* Lengths that are no whole number of v2 records (v1's among them). */
	for (size_t l = SYNC_MIN_LEN; l <= len + SYNC_REC_LEN; l += 4) {
		if ((l - SYNC_MIN_LEN) % SYNC_REC6_LEN == 0)
			continue;
		sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);
		put16(buf + 4, (uint16_t)l);
		buf[3] = (uint8_t)((l - SYNC_MIN_LEN) / SYNC_REC6_LEN);
		retag(buf, l, &k);
		assert_int_equal(sync_msg_verify(buf, l, &k, 51, &got), SYNC_BAD);
	}
	/* A v1 datagram's shape under version 2, and v2 types other than CONN. */
	len = sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);
	buf[3] = 1;
	retag(buf, len, &k);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_BAD);
	buf[3] = 2;
	buf[1] = SYNC_MSG_BULK_END;
	retag(buf, len, &k);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_BAD);
	buf[1] = SYNC_MSG_CONN;
	buf[0] = 3;
	retag(buf, len, &k);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_BAD);
	/* The tag covers version 2 as version 1. */
	len = sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);
	buf[SYNC_HDR_LEN + 30] ^= 1;
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_AUTH);
}

/* One sender numbers v1 and v2 datagrams in one sequence: one window. */
static void test_v1_v2_one_replay_window(void **state)
{
	uint8_t b1[256], b2[256];
	struct ipvs_sync_rec r1 = rec_of(0);
	struct ipvs_sync_rec6 r2 = rec6_of(1);
	struct sync_key k = key_of(6, 32);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), g1, g2;
	struct sync_replay win = { 0 };
	size_t l1, l2;

	(void)state;
	h.seq = 10;
	l1 = sync_msg_build(b1, sizeof(b1), &h, &r1, 1, &k);
	h.seq = 11;
	l2 = sync_msg_build6(b2, sizeof(b2), &h, &r2, 1, &k);
	assert_int_equal(sync_msg_verify(b1, l1, &k, 51, &g1), SYNC_OK);
	assert_int_equal(sync_msg_verify(b2, l2, &k, 51, &g2), SYNC_OK);
	assert_int_equal(g1.version, 1);
	assert_int_equal(g2.version, 2);
	assert_int_equal(sync_replay_check(&win, &g2, g2.sent_s, 60), SYNC_OK);
	assert_int_equal(sync_replay_check(&win, &g1, g1.sent_s, 60), SYNC_OK);
	assert_int_equal(sync_replay_check(&win, &g1, g1.sent_s, 60), SYNC_REPLAY);
	assert_int_equal(sync_replay_check(&win, &g2, g2.sent_s, 60), SYNC_REPLAY);
}

/*
 * A NAT64 template record and a PROXY conn's record, where the peer
 * reads them: rtype at 0, flags at 4, isn1 (reserved) at 88.
 */
static void test_v2_tmpl6_and_pp_on_the_wire(void **state)
{
	static uint8_t buf[SYNC_MAX_LEN];
	struct sync_key k = key_of(3, 48);
	struct sync_msg_hdr h = hdr_of(SYNC_MSG_CONN), got;
	struct ipvs_sync_rec6 recs[2] = { rec6_of(1), rec6_of(2) }, r;
	size_t len;

	(void)state;
	recs[0].rtype = IPVS_SYNC_TMPL6;
	recs[0].state = 0;
	recs[0].flags = 0;
	recs[0].reserved = 0;
	recs[1].flags = IPVS_SYNC_F_PP;
	recs[1].reserved = 0xfedcba98;
	len = sync_msg_build6(buf, sizeof(buf), &h, recs, 2, &k);
	assert_int_equal(len, SYNC_MIN_LEN + 2 * SYNC_REC6_LEN);
	assert_int_equal(sync_msg_verify(buf, len, &k, 51, &got), SYNC_OK);
	assert_int_equal(buf[SYNC_HDR_LEN], IPVS_SYNC_TMPL6);
	assert_int_equal(buf[SYNC_HDR_LEN + 9], IPVS_SYNC_AF4);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 5], IPVS_SYNC_F_PP);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 88], 0xfe);
	assert_int_equal(buf[SYNC_HDR_LEN + SYNC_REC6_LEN + 91], 0x98);
	for (unsigned i = 0; i < 2; i++) {
		sync_msg_rec6(buf, i, &r);
		assert_memory_equal(&r, &recs[i], sizeof(r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_round_trip),
		cmocka_unit_test(test_control_round_trip),
		cmocka_unit_test(test_build_bounds),
		cmocka_unit_test(test_verify_lengths),
		cmocka_unit_test(test_verify_fields),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_replay_senders),
		cmocka_unit_test(test_v2_round_trip),
		cmocka_unit_test(test_v2_build_bounds),
		cmocka_unit_test(test_v2_verify_families),
		cmocka_unit_test(test_v2_verify_lengths),
		cmocka_unit_test(test_v1_v2_one_replay_window),
		cmocka_unit_test(test_v2_tmpl6_and_pp_on_the_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
