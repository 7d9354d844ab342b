/*
 * Frames through ipv6_input() on a real EAL, with the real route table,
 * addresses and ICMPv6: where each kind goes (ours, NDP, the kernel,
 * the load balancer's hooks, forwarding), the counter of every parse
 * verdict, Ethernet padding trimmed, a tentative address, hop limit and
 * packet too big while forwarding, and the stack switched off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "net/icmp6.h"
#include "net/icmp_err.h"
#include "net/inet6addr.h"
#include "net/ipv6.h"
#include "net/pktstats.h"
#include "net/route6.h"
#include "test_ipv6_env.h"

#define US "2001:db8::1"           /* ours, on port 0, 2001:db8::/64 */
#define PEER "2001:db8::2"         /* on link */
#define FAR "2001:db8:9::1"        /* via 2001:db8:1::5 on port 1 */
#define NOWHERE "2001:db9::1"

static struct rte_mempool *pool;
static struct dpvs_conf conf;
static uint8_t fb[4096];

static uint64_t counter(unsigned idx)
{
	return ((const uint64_t *)&pktstats[0])[idx];
}

/* Feeds the frame in fb; returns how much counter idx moved. */
static uint64_t feed(uint32_t len, unsigned idx)
{
	uint64_t before = counter(idx);
	unsigned in_use = rte_mempool_in_use_count(pool);

	ipv6_input(0, env_mbuf(pool, fb, len));
	/* Whatever the verdict, the frame was consumed, not leaked. */
	assert_int_equal(rte_mempool_in_use_count(pool), in_use);
	return counter(idx) - before;
}

static uint32_t tcp_to(const char *dst, uint8_t hop, uint32_t n)
{
	uint8_t body[2048] = { 0x9c, 0x40, 0, 80 };

	return env_frame6(fb, PEER, dst, hop, 6, body, n);
}

static unsigned out_total(void)
{
	return env.kni.n + env.xmit.n + env.neigh.n + env.ndisc.n;
}

static void test_echo_to_us(void **state)
{
	uint32_t len = env_echo(fb, PEER, US, 16);

	(void)state;
	env_reset();
	assert_int_equal(feed(len, PKTSTATS_IDX_icmp6_echo), 1);
	assert_int_equal(env.xmit.n, 1);
	assert_int_equal(env.xmit.b[54], 129);
}

/* A 78-byte echo padded to 100 bytes: the reply is 78 bytes. */
static void test_padding_trimmed(void **state)
{
	uint32_t len = env_echo(fb, PEER, US, 16);

	(void)state;
	env_reset();
	memset(fb + len, 0xaa, 22);
	assert_int_equal(feed(len + 22, PKTSTATS_IDX_icmp6_echo), 1);
	assert_int_equal(env.xmit.len, len);
}

/* Each malformed frame: its counter, and nothing goes anywhere. */
static void test_each_verdict_counted(void **state)
{
	uint8_t body[128] = { 0 };
	uint32_t len;

	(void)state;
	env_reset();
	len = tcp_to(US, 64, 20);
	assert_int_equal(feed(53, PKTSTATS_IDX_ip6_bad_hdr), 1);      /* 39 bytes */
	fb[14] = 0x40;
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_bad_hdr), 1);
	len = tcp_to(US, 64, 20);
	fb[14 + 8] = 0xff;                                            /* mc source */
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_bad_hdr), 1);
	len = tcp_to(US, 64, 20);
	fb[14 + 5] = 200;                                             /* lies */
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_bad_len), 1);
	body[0] = 60, body[1] = 4;                                    /* 40 bytes, 16 there */
	len = env_frame6(fb, PEER, US, 64, 60, body, 16);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_ext_trunc), 1);
	memset(body, 0, sizeof(body));
	for (unsigned i = 0; i < 9; i++)                              /* 9 DstOpts */
		body[i * 8] = i == 8 ? 6 : 60;
	len = env_frame6(fb, PEER, US, 64, 60, body, 72 + 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_ext_too_many), 1);
	memset(body, 0, sizeof(body));
	body[0] = 0, body[1] = 0, body[2] = 4;                        /* RH, then HBH */
	body[8] = 6;
	len = env_frame6(fb, PEER, US, 64, 43, body, 16 + 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_ext_order), 1);
	memset(body, 0, sizeof(body));
	body[0] = 6, body[2] = 0x9e, body[3] = 4;                     /* discard option */
	len = env_frame6(fb, PEER, US, 64, 0, body, 8 + 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_hbh_opt), 1);
	memset(body, 0, sizeof(body));
	body[0] = 6, body[1] = 0, body[2] = 0, body[3] = 0;           /* RH type 0 */
	len = env_frame6(fb, PEER, US, 64, 43, body, 8 + 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_rh_segleft), 1);
	memset(body, 0, sizeof(body));
	body[0] = 6, body[3] = 1;                                     /* frag, M, 20 bytes */
	len = env_frame6(fb, PEER, US, 64, 44, body, 8 + 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_frag_bad), 1);
	assert_int_equal(out_total(), 0);
	memset(body, 0, sizeof(body));                                /* ESP: the kernel's */
	len = env_frame6(fb, PEER, US, 64, 50, body, 24);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_other), 1);
	assert_int_equal(env.kni.n, 1);
	assert_memory_equal(env.kni.b, fb, len);
}

static void test_multicast_and_link_local(void **state)
{
	uint8_t ns[24] = { 135 }, mld[24] = { 143 }, vrrp[24] = { 0x31 };
	uint32_t len;

	(void)state;
	env_reset();
	len = env_frame6(fb, PEER, "ff02::1:ff00:1", 255, 58, ns, sizeof(ns));
	feed(len, 0);
	assert_int_equal(env.ndisc.n, 1);
	assert_int_equal(env.ndisc.b[0] >> 4, 6);          /* at its IPv6 header */
	len = env_frame6(fb, PEER, "ff02::16", 1, 58, mld, sizeof(mld));
	feed(len, 0);
	len = env_frame6(fb, PEER, "ff02::12", 255, 112, vrrp, sizeof(vrrp));
	feed(len, 0);
	assert_int_equal(env.kni.n, 2);
	assert_memory_equal(env.kni.b, fb, len);           /* at its ethernet header */
	/* Link-local destinations are the kernel twin's, its NDP included. */
	len = env_echo(fb, PEER, "fe80::1", 8);
	feed(len, 0);
	assert_int_equal(env.kni.n, 3);
	len = env_frame6(fb, "fe80::2", "fe80::1", 255, 58, ns, sizeof(ns));
	feed(len, 0);
	assert_int_equal(env.ndisc.n, 2);
	assert_int_equal(out_total(), 5);
}

/* A stand-in for the load balancer: takes local TCP to port 80 only. */
static struct {
	unsigned local, forward;
	uint8_t first_byte;
	uint8_t l4_proto;
} seen;

static bool take_local(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
		       const struct route6_entry *r)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);

	(void)lc;
	assert_int_equal(r->type, RT_LOCAL);
	seen.first_byte = b[0];
	seen.l4_proto = p->l4_proto;
	if (p->l4_proto != 6 || b[p->l4_off + 3] != 80)
		return false;
	seen.local++;
	rte_pktmbuf_free(m);
	return true;
}

static bool take_forward(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	(void)lc;
	(void)p;
	seen.forward++;
	seen.first_byte = *rte_pktmbuf_mtod(m, uint8_t *);
	rte_pktmbuf_free(m);
	return true;
}

static void test_local_delivery(void **state)
{
	const struct ipv6_hooks h = { take_local, NULL };
	uint8_t body[64] = { 0x9c, 0x40, 0, 22 };
	uint32_t len;

	(void)state;
	env_reset();
	memset(&seen, 0, sizeof(seen));
	ipv6_set_hooks(&h);
	len = tcp_to(US, 64, 20);
	feed(len, 0);
	assert_int_equal(seen.local, 1);
	assert_int_equal(seen.first_byte, 0x60);           /* at the IPv6 header */
	len = env_frame6(fb, PEER, US, 64, 6, body, 20);   /* SSH: declined, up */
	feed(len, 0);
	assert_int_equal(env.kni.n, 1);
	assert_memory_equal(env.kni.b, fb, len);
	body[0] = 135;                                     /* unicast NS */
	len = env_frame6(fb, PEER, US, 255, 58, body, 24);
	feed(len, 0);
	assert_int_equal(env.ndisc.n, 1);
	memset(body, 0, sizeof(body));                     /* a fragment: up */
	body[0] = 6, body[3] = 1, body[7] = 9;
	len = env_frame6(fb, PEER, US, 64, 44, body, 8 + 24);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_frag), 1);
	assert_int_equal(env.kni.n, 2);
	body[3] = 0;                                       /* atomic: served */
	body[8 + 3] = 80;
	len = env_frame6(fb, PEER, US, 64, 44, body, 8 + 20);
	feed(len, 0);
	assert_int_equal(seen.local, 2);
	ipv6_set_hooks(NULL);
	len = tcp_to(US, 64, 20);
	feed(len, 0);
	assert_int_equal(env.kni.n, 3);                    /* no hooks: all up */
}

static void test_kni_host_route(void **state)
{
	struct route6_entry k = { .prefix = env_in6("2001:db8::21"), .plen = 128,
				  .type = RT_KNI };
	uint32_t len;

	(void)state;
	env_reset();
	assert_int_equal(route6_add(&k), 0);
	len = tcp_to("2001:db8::21", 64, 20);
	feed(len, 0);
	assert_int_equal(env.kni.n, 1);
	assert_int_equal(out_total(), 1);
	assert_int_equal(route6_del(&k.prefix, 128, 0), 0);
}

static void test_tentative_address(void **state)
{
	struct in6_addr t = env_in6("2001:db8::7");
	uint8_t ns[24] = { 135 };
	uint32_t len;

	(void)state;
	env_reset();
	env.dad_manual = true;
	assert_int_equal(inet6addr_add(0, &t, 64, 0), 0);
	len = env_echo(fb, PEER, "2001:db8::7", 8);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_tentative), 1);
	len = tcp_to("2001:db8::7", 64, 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_tentative), 1);
	assert_int_equal(out_total(), 0);
	len = env_frame6(fb, PEER, "2001:db8::7", 255, 58, ns, sizeof(ns));
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_tentative), 0);
	assert_int_equal(env.ndisc.n, 1);                  /* DAD's own NDP passes */
	env_dad_end(true);
	len = env_echo(fb, PEER, "2001:db8::7", 8);
	assert_int_equal(feed(len, PKTSTATS_IDX_icmp6_echo), 1);
	assert_int_equal(inet6addr_del(0, &t, 64), 0);
}

static void test_not_local_without_forwarding(void **state)
{
	uint32_t len = tcp_to(FAR, 64, 20);

	(void)state;
	env_reset();
	ipv6_set_forwarding(false);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_not_local), 1);
	assert_int_equal(out_total(), 0);
}

static void test_forwarding(void **state)
{
	const struct ipv6_hooks h = { NULL, take_forward };
	struct in6_addr gw = env_in6("2001:db8:1::5");
	uint32_t len = tcp_to(FAR, 64, 20);

	(void)state;
	env_reset();
	ipv6_set_forwarding(true);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_forwarded), 1);
	assert_int_equal(env.neigh.n, 1);
	assert_int_equal(env.neigh.port, 1);
	assert_memory_equal(&env.neigh.nh, &gw, 16);
	assert_int_equal(env.neigh.len, len - 14);
	assert_int_equal(env.neigh.b[7], 63);                /* hop limit - 1 */
	assert_memory_equal(env.neigh.b + 8, fb + 14 + 8, 32);
	len = tcp_to(NOWHERE, 64, 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_no_route), 1);
	/* A unicast packet sent to a link-layer group is not routed. */
	len = tcp_to(FAR, 64, 20);
	fb[0] = 0x33, fb[1] = 0x33;
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_not_local), 1);
	assert_int_equal(env.neigh.n, 1);
	/* The load balancer's transit hook sees it first. */
	memset(&seen, 0, sizeof(seen));
	ipv6_set_hooks(&h);
	len = tcp_to(FAR, 64, 20);
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_forwarded), 0);
	assert_int_equal(seen.forward, 1);
	assert_int_equal(seen.first_byte, 0x60);
	ipv6_set_hooks(NULL);
	ipv6_set_forwarding(false);
}

static void test_hop_limit_time_exceeded(void **state)
{
	struct in6_addr peer = env_in6(PEER), us = env_in6(US);
	uint32_t len;

	(void)state;
	env_reset();
	ipv6_set_forwarding(true);
	for (uint8_t hop = 0; hop <= 1; hop++) {
		len = tcp_to(FAR, hop, 20);
		assert_int_equal(feed(len, PKTSTATS_IDX_ip6_hop_limit), 1);
		/* Time exceeded, back to the peer, from our address on its link. */
		assert_int_equal(env.neigh.n, hop + 1u);
		assert_memory_equal(&env.neigh.nh, &peer, 16);
		assert_int_equal(env.neigh.b[6], 58);
		assert_memory_equal(env.neigh.b + 8, &us, 16);
		assert_memory_equal(env.neigh.b + 24, &peer, 16);
		assert_int_equal(env.neigh.b[40], ICMP6_T_TIME_EXCEEDED);
		assert_memory_equal(env.neigh.b + 48, fb + 14, len - 14);
	}
	ipv6_set_forwarding(false);
}

static void test_packet_too_big_at_port_mtu(void **state)
{
	struct in6_addr peer = env_in6(PEER);
	const uint8_t *b = env.neigh.b;
	uint32_t len;

	(void)state;
	env_reset();
	env.mtu = 1400;
	ipv6_set_forwarding(true);
	len = tcp_to(FAR, 64, 1400 - 40);                  /* exactly the MTU */
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_forwarded), 1);
	len = tcp_to(FAR, 64, 1400 - 40 + 1);              /* one byte more */
	assert_int_equal(feed(len, PKTSTATS_IDX_ip6_forwarded), 0);
	assert_int_equal(env.neigh.n, 2);
	assert_memory_equal(&env.neigh.nh, &peer, 16);
	assert_int_equal(b[40], ICMP6_T_PACKET_TOO_BIG);
	assert_int_equal(b[44] << 24 | b[45] << 16 | b[46] << 8 | b[47], 1400);
	assert_int_equal(env.neigh.len, 1280);             /* cut to the minimum MTU */
	ipv6_set_forwarding(false);
}

static void test_disabled_all_to_kernel(void **state)
{
	uint64_t rx = counter(PKTSTATS_IDX_ip6_rx);
	uint32_t len;

	(void)state;
	env_reset();
	ipv6_set_enabled(false);
	len = env_echo(fb, PEER, US, 8);
	feed(len, 0);
	len = tcp_to(US, 64, 20);
	fb[14 + 5] = 200;                                  /* even a broken one */
	feed(len, 0);
	assert_int_equal(env.kni.n, 2);
	assert_int_equal(out_total(), 2);
	assert_int_equal(counter(PKTSTATS_IDX_ip6_rx), rx);
	ipv6_set_enabled(true);
	len = env_echo(fb, PEER, US, 8);
	assert_int_equal(feed(len, PKTSTATS_IDX_icmp6_echo), 1);
}

static int setup(void **state)
{
	struct in6_addr us = env_in6(US), p1 = env_in6("2001:db8:1::1");
	struct route6_entry far = { .prefix = env_in6("2001:db8:9::"), .plen = 48,
				    .type = RT_GATEWAY, .port = 1,
				    .gw = env_in6("2001:db8:1::5") };

	(void)state;
	conf.ip6_max_addrs = 16;
	conf.ip6_dad_transmits = 1;
	conf.ip6_icmp_error_pps = 0;
	if (route6_init(64) < 0 || inet6addr_init(&conf) < 0 || icmp6_init(&conf) < 0)
		return -1;
	if (inet6addr_add(0, &us, 64, IFA6_F_NODAD) < 0 ||
	    inet6addr_add(1, &p1, 64, IFA6_F_NODAD) < 0 || route6_add(&far) < 0)
		return -1;
	ipv6_set_enabled(true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	inet6addr_flush();
	inet6addr_fini();
	route6_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_to_us),
		cmocka_unit_test(test_padding_trimmed),
		cmocka_unit_test(test_each_verdict_counted),
		cmocka_unit_test(test_multicast_and_link_local),
		cmocka_unit_test(test_local_delivery),
		cmocka_unit_test(test_kni_host_route),
		cmocka_unit_test(test_tentative_address),
		cmocka_unit_test(test_not_local_without_forwarding),
		cmocka_unit_test(test_forwarding),
		cmocka_unit_test(test_hop_limit_time_exceeded),
		cmocka_unit_test(test_packet_too_big_at_port_mtu),
		cmocka_unit_test(test_disabled_all_to_kernel),
	};
	int rc;

	pool = env_eal("test_ipv6", false, 64);
	if (!pool)
		return 1;
	rc = cmocka_run_group_tests_name("ipv6", tests, setup, teardown);
	env_eal_end("test_ipv6");
	return rc;
}
