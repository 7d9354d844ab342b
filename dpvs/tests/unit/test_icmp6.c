/*
 * ICMPv6 on a real EAL: an echo request answered in place, byte for
 * byte; bad checksums and short messages dropped and counted; the
 * errors dpvs builds (golden), each RFC 4443 2.4(e) refusal, the quote
 * cut at 1280 bytes, and the per-worker budget of ipv6.icmp_error_pps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "net/icmp6.h"
#include "net/icmp_err.h"
#include "net/pktstats.h"
#include "test_ipv6_env.h"

#define PEER "2001:db8::2"
#define US "2001:db8::1"

static struct rte_mempool *pool;
static struct dpvs_conf conf;
static uint8_t fb[4096];

static uint64_t counter(unsigned idx)
{
	return ((const uint64_t *)&pktstats[0])[idx];
}

static void set_pps(uint32_t pps)
{
	conf.ip6_icmp_error_pps = pps;
	icmp6_init(&conf);            /* a full bucket again */
}

/* icmp6_input on the frame in fb: m at its IPv6 header, as ipv6.c hands it. */
static void input(uint32_t len)
{
	struct rte_mbuf *m = env_mbuf(pool, fb, len);
	unsigned in_use = rte_mempool_in_use_count(pool);
	struct ipv6_pkt p;

	assert_int_equal(ipv6_parse(fb + 14, len - 14, &p), IPV6_OK);
	rte_pktmbuf_adj(m, 14);
	icmp6_input(0, m, &p);
	/* Sent, handed up or dropped: consumed either way. */
	assert_int_equal(rte_mempool_in_use_count(pool), in_use - 1);
}

static void test_echo_golden(void **state)
{
	uint8_t want[256];
	uint32_t len = env_echo(fb, PEER, US, 56);
	uint64_t echo = counter(PKTSTATS_IDX_icmp6_echo);
	uint16_t c;

	(void)state;
	env_reset();
	input(len);
	assert_int_equal(env.xmit.n, 1);
	assert_int_equal(counter(PKTSTATS_IDX_icmp6_echo), echo + 1);
	/* Built from scratch: back to the peer's MAC, from ours, hop limit 64. */
	memcpy(want, fb, len);
	memcpy(want, fb + 6, 6);
	memcpy(want + 6, fb, 6);
	want[14 + 7] = 64;
	memcpy(want + 14 + 8, fb + 14 + 24, 16);
	memcpy(want + 14 + 24, fb + 14 + 8, 16);
	want[54] = 129;
	want[56] = want[57] = 0;
	c = env_icmp6_csum(want + 14, want + 54, 64);
	want[56] = (uint8_t)(c >> 8), want[57] = (uint8_t)c;
	assert_int_equal(env.xmit.len, len);
	assert_memory_equal(env.xmit.b, want, len);
}

/* Extension headers are not echoed back: the reply is a plain one. */
static void test_echo_with_dstopts(void **state)
{
	uint8_t body[80] = { 58, 0, 1, 4, 0, 0, 0, 0, 128, 0, 0, 0, 0, 9, 0, 2 };
	uint8_t plain[256];
	uint32_t len, plen;
	uint16_t c;

	(void)state;
	env_reset();
	for (unsigned i = 16; i < 48; i++)
		body[i] = (uint8_t)i;
	len = env_frame6(fb, PEER, US, 64, 60, body, 48);
	c = env_icmp6_csum(fb + 14, fb + 14 + 48, 40);
	fb[14 + 48 + 2] = (uint8_t)(c >> 8), fb[14 + 48 + 3] = (uint8_t)c;
	input(len);
	assert_int_equal(env.xmit.n, 1);
	plen = env_frame6(plain, US, PEER, 64, 58, body + 8, 40);
	memcpy(plain, fb + 6, 6);
	memcpy(plain + 6, fb, 6);
	plain[54] = 129;
	plain[56] = plain[57] = 0;
	c = env_icmp6_csum(plain + 14, plain + 54, 40);
	plain[56] = (uint8_t)(c >> 8), plain[57] = (uint8_t)c;
	assert_int_equal(env.xmit.len, plen);
	assert_memory_equal(env.xmit.b, plain, plen);
}

static void test_bad_checksum_and_short(void **state)
{
	uint64_t bad = counter(PKTSTATS_IDX_icmp6_bad);
	uint8_t tiny[4] = { 128, 0, 0, 0 };
	uint32_t len;

	(void)state;
	env_reset();
	len = env_echo(fb, PEER, US, 8);
	fb[57] ^= 1;
	input(len);
	len = env_echo(fb, PEER, US, 8);
	fb[14 + 8 + 15] ^= 1;                 /* the source: the pseudo-header counts */
	input(len);
	len = env_frame6(fb, PEER, US, 64, 58, tiny, sizeof(tiny));
	input(len);
	assert_int_equal(counter(PKTSTATS_IDX_icmp6_bad), bad + 3);
	assert_int_equal(env.xmit.n + env.kni.n, 0);
}

static void test_other_types_go_up(void **state)
{
	uint32_t len;

	(void)state;
	env_reset();
	len = env_echo(fb, PEER, US, 8);
	fb[54] = 129;                         /* an echo reply: the kernel's ping */
	fb[56] = fb[57] = 0;
	{
		uint16_t c = env_icmp6_csum(fb + 14, fb + 54, 16);

		fb[56] = (uint8_t)(c >> 8), fb[57] = (uint8_t)c;
	}
	input(len);
	assert_int_equal(env.kni.n, 1);
	assert_int_equal(env.xmit.n, 0);
	assert_memory_equal(env.kni.b, fb, len);   /* at its ethernet header */
}

/* ---- errors ---- */

/* A UDP datagram of n bytes from src to dst, in fb; m at its IPv6 header. */
static struct rte_mbuf *offender(const char *src, const char *dst, uint8_t nh,
				 const uint8_t *l4, uint32_t n)
{
	uint8_t body[2048] = { 0x9c, 0x40, 0, 53, 0, 0, 0, 0 };
	struct rte_mbuf *m;
	uint32_t len;

	if (l4)
		memcpy(body, l4, 8);
	for (uint32_t i = 8; i < n; i++)
		body[i] = (uint8_t)i;
	len = env_frame6(fb, src, dst, 1, nh, body, n);
	m = env_mbuf(pool, fb, len);
	rte_pktmbuf_adj(m, 14);
	return m;
}

static struct rte_mbuf *error_about(struct rte_mbuf *m, uint8_t type, uint8_t code,
				    uint32_t info)
{
	struct in6_addr src = env_in6(US);

	return icmp6_error(0, m, 0, type, code, info, &src);
}

static void test_time_exceeded_golden(void **state)
{
	struct rte_mbuf *m = offender(PEER, "2001:db8:9::1", 17, NULL, 24);
	uint64_t sent = counter(PKTSTATS_IDX_icmp6_err_sent);
	static const uint8_t zeros[8];
	uint8_t want[256] = { 0 };
	struct rte_mbuf *e;
	uint16_t c;

	(void)state;
	set_pps(0);
	e = error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0);
	assert_non_null(e);
	assert_int_equal(counter(PKTSTATS_IDX_icmp6_err_sent), sent + 1);
	env_frame6(want, US, PEER, 64, 58, zeros, 8);
	want[14 + 5] = 72;                     /* with the quote */
	want[54] = 3;
	memcpy(want + 62, fb + 14, 64);        /* the whole offender, quoted */
	c = env_icmp6_csum(want + 14, want + 54, 72);
	want[56] = (uint8_t)(c >> 8), want[57] = (uint8_t)c;
	assert_int_equal(e->pkt_len, 40 + 72);
	assert_memory_equal(rte_pktmbuf_mtod(e, uint8_t *), want + 14, 40 + 72);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

static void test_ptb_carries_mtu_and_cut_at_1280(void **state)
{
	struct rte_mbuf *m = offender(PEER, "2001:db8:9::1", 6, NULL, 1960);
	const uint8_t *b;
	struct rte_mbuf *e;

	(void)state;
	set_pps(0);
	e = error_about(m, ICMP6_T_PACKET_TOO_BIG, 0, 1400);
	assert_non_null(e);
	assert_int_equal(e->pkt_len, 1280);
	b = rte_pktmbuf_mtod(e, const uint8_t *);
	assert_int_equal(b[4] << 8 | b[5], 1240);
	assert_int_equal(b[40], 2);
	assert_int_equal(b[44] << 24 | b[45] << 16 | b[46] << 8 | b[47], 1400);
	assert_memory_equal(b + 48, fb + 14, 1232);
	assert_int_equal(env_icmp6_csum(b, b + 40, 1240), 0);   /* sums to zero */
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

/* Each RFC 4443 2.4(e) case: no error, nothing counted as sent. */
static void test_rfc4443_refusals(void **state)
{
	static const uint8_t icmp_err[8] = { 1, 4, 0, 0, 0, 0, 0, 0 };
	static const uint8_t icmp_echo[8] = { 128, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t sent = counter(PKTSTATS_IDX_icmp6_err_sent);
	struct in6_addr any = env_in6("::"), mc = env_in6("ff02::1"), us = env_in6(US);
	struct rte_mbuf *m, *e;

	(void)state;
	set_pps(0);
	/* e.1: about an ICMPv6 error. */
	m = offender(PEER, "2001:db8:9::1", 58, icmp_err, 48);
	assert_null(error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0));
	rte_pktmbuf_free(m);
	/* ... but an informational message may be answered. */
	m = offender(PEER, "2001:db8:9::1", 58, icmp_echo, 48);
	e = error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0);
	assert_non_null(e);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
	/* e.2: to a multicast group, except packet too big and param problem 2. */
	m = offender(PEER, "ff0e::1", 17, NULL, 24);
	assert_null(error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0));
	assert_null(error_about(m, ICMP6_T_DEST_UNREACH, 0, 0));
	assert_null(error_about(m, ICMP6_T_PARAM_PROBLEM, 1, 6));
	e = error_about(m, ICMP6_T_PACKET_TOO_BIG, 0, 1280);
	assert_non_null(e);
	rte_pktmbuf_free(e);
	e = error_about(m, ICMP6_T_PARAM_PROBLEM, 2, 40);
	assert_non_null(e);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
	/* e.3: sent to a link-layer multicast address (seen with its ethernet header). */
	m = offender(PEER, "2001:db8:9::1", 17, NULL, 24);
	rte_pktmbuf_prepend(m, 14);
	rte_pktmbuf_mtod(m, uint8_t *)[0] = 0x33;
	assert_null(icmp6_error(0, m, 14, ICMP6_T_TIME_EXCEEDED, 0, 0, &us));
	e = icmp6_error(0, m, 14, ICMP6_T_PACKET_TOO_BIG, 0, 1280, &us);
	assert_non_null(e);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
	/* e.4: from the unspecified address, a group, loopback. */
	m = offender("::", "2001:db8:9::1", 17, NULL, 24);
	assert_null(error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0));
	rte_pktmbuf_free(m);
	m = offender("::1", "2001:db8:9::1", 17, NULL, 24);
	assert_null(error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0));
	rte_pktmbuf_free(m);
	/* And never from :: or a group ourselves. */
	m = offender(PEER, "2001:db8:9::1", 17, NULL, 24);
	assert_null(icmp6_error(0, m, 0, ICMP6_T_TIME_EXCEEDED, 0, 0, &any));
	assert_null(icmp6_error(0, m, 0, ICMP6_T_TIME_EXCEEDED, 0, 0, &mc));
	assert_null(icmp6_error(0, m, 0, ICMP6_T_TIME_EXCEEDED, 0, 0, NULL));
	rte_pktmbuf_free(m);
	assert_int_equal(counter(PKTSTATS_IDX_icmp6_err_sent), sent + 4);
}

static void test_rate_limit(void **state)
{
	struct rte_mbuf *m = offender(PEER, "2001:db8:9::1", 17, NULL, 24);
	uint64_t limited = counter(PKTSTATS_IDX_icmp6_err_limited);
	unsigned got = 0;

	(void)state;
	set_pps(10);                          /* a burst of pps/10 + 1 = 2 */
	for (unsigned i = 0; i < 200; i++) {
		struct rte_mbuf *e = error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0);

		got += e != NULL;
		rte_pktmbuf_free(e);
	}
	/* A loop of 200 takes far less than the 100 ms one more token needs. */
	assert_in_range(got, 2, 3);
	assert_int_equal(counter(PKTSTATS_IDX_icmp6_err_limited), limited + 200 - got);
	rte_delay_ms(250);                    /* 2.5 tokens: the bucket holds 2 */
	got = 0;
	for (unsigned i = 0; i < 200; i++) {
		struct rte_mbuf *e = error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0);

		got += e != NULL;
		rte_pktmbuf_free(e);
	}
	assert_in_range(got, 2, 3);
	set_pps(0);                           /* no limit */
	got = 0;
	for (unsigned i = 0; i < 1000; i++) {
		struct rte_mbuf *e = error_about(m, ICMP6_T_TIME_EXCEEDED, 0, 0);

		got += e != NULL;
		rte_pktmbuf_free(e);
	}
	assert_int_equal(got, 1000);
	rte_pktmbuf_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_golden),
		cmocka_unit_test(test_echo_with_dstopts),
		cmocka_unit_test(test_bad_checksum_and_short),
		cmocka_unit_test(test_other_types_go_up),
		cmocka_unit_test(test_time_exceeded_golden),
		cmocka_unit_test(test_ptb_carries_mtu_and_cut_at_1280),
		cmocka_unit_test(test_rfc4443_refusals),
		cmocka_unit_test(test_rate_limit),
	};
	int rc;

	pool = env_eal("test_icmp6", false, 64);
	if (!pool)
		return 1;
	rc = cmocka_run_group_tests_name("icmp6", tests, NULL, NULL);
	env_eal_end("test_icmp6");
	return rc;
}
