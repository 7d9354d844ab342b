/*
 * Golden packets through the IPv4 input path on a real EAL: the header
 * checks (ipv4_check) give the exact verdict, and ipv4_input() counts
 * each drop under the counter an operator reads; what is not dropped
 * reaches the hooks the load balancer registers, or forwarding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net/ipv4.h"
#include "net/pktstats.h"
#include "net/route.h"

/* RTE_IPV4 shifts a signed int: UB from 128.x on. */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			  ((uint32_t)(c) << 8) | (uint32_t)(d))

#define LIP IP4(10, 0, 0, 101)     /* a local address */
#define PEER IP4(10, 0, 0, 12)
#define FAR IP4(192, 0, 2, 7)      /* no route */

static struct rte_mempool *pool;

struct frame {
	struct rte_ether_hdr eh;
	struct rte_ipv4_hdr ip;
	uint8_t opts[4];        /* used when IHL is 6 */
	uint8_t l4[16];
};

/* A valid UDP-ish datagram of tot bytes (IPv4 header included). */
static struct frame frame(uint32_t src, uint32_t dst, uint8_t ttl)
{
	struct frame f = {
		.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		.ip = { .version_ihl = 0x45, .time_to_live = ttl,
			.next_proto_id = IPPROTO_UDP,
			.total_length = RTE_BE16(20 + 16),
			.src_addr = rte_cpu_to_be_32(src),
			.dst_addr = rte_cpu_to_be_32(dst) },
	};

	f.ip.hdr_checksum = rte_ipv4_cksum(&f.ip);
	return f;
}

/* Re-seals the header checksum over IHL words. */
static void seal(struct frame *f)
{
	f->ip.hdr_checksum = 0;
	f->ip.hdr_checksum = (uint16_t)~rte_raw_cksum(&f->ip,
			(f->ip.version_ihl & 0xf) * 4u);
}

static enum ipv4_verdict check(const struct frame *f, uint32_t avail)
{
	return ipv4_check(&f->ip, avail, false);
}

static void test_check_verdicts(void **state)
{
	struct frame f = frame(PEER, LIP, 64);

	(void)state;
	assert_int_equal(check(&f, 36), IPV4_OK);
	assert_int_equal(check(&f, 60), IPV4_OK);  /* ethernet padding */
	assert_int_equal(check(&f, 19), IPV4_BAD_HDR);
	f.ip.version_ihl = 0x65;                     /* IPv6 version nibble */
	seal(&f);
	assert_int_equal(check(&f, 36), IPV4_BAD_HDR);
	f = frame(PEER, LIP, 64);
	f.ip.version_ihl = 0x44;                     /* IHL below 5 */
	seal(&f);
	assert_int_equal(check(&f, 36), IPV4_BAD_HDR);
	f = frame(PEER, LIP, 64);
	f.ip.version_ihl = 0x4f;                     /* 60-byte header */
	assert_int_equal(check(&f, 36), IPV4_BAD_HDR);
	f = frame(PEER, LIP, 64);
	f.ip.hdr_checksum ^= 1;
	assert_int_equal(check(&f, 36), IPV4_BAD_CSUM);
	assert_int_equal(ipv4_check(&f.ip, 36, true), IPV4_OK); /* NIC said so */
	f = frame(PEER, LIP, 64);
	f.ip.total_length = RTE_BE16(37);            /* beyond the frame */
	seal(&f);
	assert_int_equal(check(&f, 36), IPV4_BAD_LEN);
	f.ip.total_length = RTE_BE16(19);            /* below the header */
	seal(&f);
	assert_int_equal(check(&f, 36), IPV4_BAD_LEN);
}

static void test_check_options_and_fragments_pass(void **state)
{
	struct frame f = frame(PEER, LIP, 64);

	(void)state;
	f.ip.version_ihl = 0x46;                     /* 4 bytes of options */
	f.ip.total_length = RTE_BE16(24 + 16);
	memset(f.opts, 1, sizeof(f.opts));           /* NOPs */
	seal(&f);
	assert_int_equal(check(&f, 40), IPV4_OK);
	f.ip.total_length = RTE_BE16(23);            /* ends inside options */
	seal(&f);
	assert_int_equal(check(&f, 40), IPV4_BAD_LEN);
	/* Fragments are not the checks' business: later stages decide. */
	f = frame(PEER, LIP, 64);
	f.ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG | 10);
	seal(&f);
	assert_int_equal(check(&f, 36), IPV4_OK);
	/* Nor is TTL: only forwarding looks at it. */
	f = frame(PEER, LIP, 0);
	assert_int_equal(check(&f, 36), IPV4_OK);
}

/* ---- through ipv4_input: the counters ---- */

static struct rte_mbuf *mb(const struct frame *f, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), f, len);
	return m;
}

static uint64_t counter(unsigned idx)
{
	return ((const uint64_t *)&pktstats[0])[idx];
}

/* Feeds f to ipv4_input; returns by how much counter idx moved. */
static uint64_t feed(const struct frame *f, uint16_t len, unsigned idx)
{
	uint64_t before = counter(idx);
	unsigned in_use = rte_mempool_in_use_count(pool);

	ipv4_input(0, mb(f, len));
	/* Whatever the verdict, the packet was consumed, not leaked. */
	assert_int_equal(rte_mempool_in_use_count(pool), in_use);
	return counter(idx) - before;
}

static void test_input_counts_each_drop(void **state)
{
	struct frame f = frame(PEER, LIP, 64);
	uint16_t len = sizeof(f.eh) + 36;

	(void)state;
	assert_int_equal(feed(&f, sizeof(f.eh) + 10, PKTSTATS_IDX_ip_bad_hdr), 1);
	f.ip.version_ihl = 0x55;
	seal(&f);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_bad_hdr), 1);
	f = frame(PEER, LIP, 64);
	f.ip.hdr_checksum ^= 0x100;
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_bad_csum), 1);
	f = frame(PEER, LIP, 64);
	f.ip.total_length = RTE_BE16(200);
	seal(&f);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_bad_len), 1);
}

static void test_input_forwarding_verdicts(void **state)
{
	struct frame f = frame(PEER, FAR, 64);
	uint16_t len = sizeof(f.eh) + 36;

	(void)state;
	ipv4_set_forwarding(false);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_not_local), 1);
	ipv4_set_forwarding(true);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_no_route), 1);
	f = frame(PEER, FAR, 1);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_ttl), 1);
	f = frame(PEER, FAR, 0);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_ttl), 1);
	ipv4_set_forwarding(false);
}

/* A stand-in for the load balancer: takes what it is offered. */
static struct {
	unsigned local, forward;
	const struct route_entry *r;
	uint8_t first_byte;
} seen;

static bool take_local(unsigned lc, struct rte_mbuf *m,
		       const struct route_entry *r)
{
	(void)lc;
	seen.local++;
	seen.r = r;
	seen.first_byte = *rte_pktmbuf_mtod(m, uint8_t *);
	rte_pktmbuf_free(m);
	return true;
}

static bool take_forward(unsigned lc, struct rte_mbuf *m)
{
	(void)lc;
	seen.forward++;
	seen.first_byte = *rte_pktmbuf_mtod(m, uint8_t *);
	rte_pktmbuf_free(m);
	return true;
}

static void test_hooks_see_local_and_transit_packets(void **state)
{
	const struct ipv4_hooks h = { take_local, take_forward };
	struct frame f = frame(PEER, LIP, 64);
	uint16_t len = sizeof(f.eh) + 36;

	(void)state;
	ipv4_set_hooks(&h);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_not_local), 0);
	assert_int_equal(seen.local, 1);
	assert_non_null(seen.r);
	assert_int_equal(seen.r->type, RT_LOCAL);
	assert_int_equal(seen.first_byte, 0x45);    /* at the IPv4 header */
	f = frame(PEER, FAR, 64);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_not_local), 0);
	assert_int_equal(seen.forward, 1);
	assert_int_equal(seen.first_byte, 0x45);
	/* Bad headers never reach the hooks. */
	f.ip.hdr_checksum ^= 1;
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_bad_csum), 1);
	assert_int_equal(seen.local + seen.forward, 2);
	/* Without hooks, transit goes to forwarding (off: counted). */
	ipv4_set_hooks(NULL);
	f = frame(PEER, FAR, 64);
	assert_int_equal(feed(&f, len, PKTSTATS_IDX_ip_not_local), 1);
	assert_int_equal(seen.forward, 1);
}

static int setup(void **state)
{
	struct route_entry local = { .prefix = LIP, .plen = 32,
				     .type = RT_LOCAL };

	(void)state;
	pool = rte_pktmbuf_pool_create("ip4", 64, 0, 0, 2048, SOCKET_ID_ANY);
	if (!pool || route_init(64) < 0 || route_add(&local) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	route_fini();
	rte_mempool_free(pool);
	return 0;
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_ipv4", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_verdicts),
		cmocka_unit_test(test_check_options_and_fragments_pass),
		cmocka_unit_test(test_input_counts_each_drop),
		cmocka_unit_test(test_input_forwarding_verdicts),
		cmocka_unit_test(test_hooks_see_local_and_transit_packets),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipv4_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipv4", tests, setup, teardown);
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
