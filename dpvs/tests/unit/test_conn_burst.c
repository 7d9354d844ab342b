/*
 * The rx burst's answers (issue 16, conn2): a packet's first lookup
 * takes the conn the burst found for it by index; a later lookup of the
 * same packet (looped back after a rewrite) is of another tuple and
 * must get its own conn; a packet without a key (ICMP) gets nothing
 * from the burst; the burst's tick is the one conn updates use.
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
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_fwd.h"
#include "core/lcore.h"
#include "net/netif.h"

#define NW 1
#define WLC 1   /* the worker's lcore: the burst hook serves workers only */

static struct dpvs_conf conf;
static struct ipvs_dest *dest;
static struct rte_mempool *mp;

static int setup(void **state)
{
	(void)state;
	conf_defaults(&conf);
	conf.nworkers = NW;
	conf.workers[0].lcore = WLC;
	conf.conn_pool_size = 1024;
	if (lcore_roles_init(&conf) < 0 || ipvs_conn_init(&conf) < 0)
		return -1;
	dest = rte_zmalloc("dest", sizeof(*dest), 0);
	mp = rte_pktmbuf_pool_create("burst_mp", 64, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!dest || !mp)
		return -1;
	dest->stats = rte_zmalloc("st", sizeof(*dest->stats) * NW, 0);
	dest->refcnt = 1;
	dest->af = dest->vaf = AF_INET;
	dest->addr = inet_v4(0x0a00010b);
	return dest->stats ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ipvs_conn_flush_all();
	ipvs_conn_fini();
	return 0;
}

/* A DR conn of the worker from client port cport. */
static struct ipvs_conn *dr(uint16_t cport)
{
	struct ipvs_conn t = {
		.caddr = 0x0b000002, .cport = cport,
		.vaddr = 0x0a000064, .vport = 80,
		.daddr = dest->addr.in4, .dport = 80,
		.proto = IPPROTO_TCP, .fwd = IPVS_FWD_DR,
		.state = CS_ESTABLISHED, .dest = dest,
	};

	return ipvs_conn_new(0, &t);
}

static struct conn_tuple in_of(const struct ipvs_conn *c)
{
	struct conn_tuple t = { c->caddr, c->vaddr, c->cport, c->vport,
				c->proto };

	return t;
}

/* An untagged frame from c's client to its VIP, of protocol proto. */
static struct rte_mbuf *frame(const struct ipvs_conn *c, uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	size_t len = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		     sizeof(struct rte_tcp_hdr);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(eh);
	memset(eh, 0, len);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eh)));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(c->caddr);
	ip->dst_addr = rte_cpu_to_be_32(c->vaddr);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(c->cport);
	th->dst_port = rte_cpu_to_be_16(c->vport);
	th->data_off = 0x50;
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	return m;
}

struct burst_case {
	struct ipvs_conn *a, *b;
	struct rte_mbuf *pkts[2];
	struct ipvs_conn *found[4];
	enum conn_dir dirs[4];
};

/* On the worker's lcore, as netif_rx_job calls the hook. */
static int burst_on_worker(void *arg)
{
	struct burst_case *x = arg;
	const struct netif_burst_hook *h = &ipvs_conn_burst_hook;
	struct conn_tuple ta = in_of(x->a), tb = in_of(x->b);

	h->begin(rte_lcore_id(), x->pkts, 2);
	h->at(rte_lcore_id(), 0);
	x->found[0] = ipvs_conn_lookup(0, &ta, &x->dirs[0]);
	/* The same packet again, rewritten to b's tuple. */
	x->found[1] = ipvs_conn_lookup(0, &tb, &x->dirs[1]);
	x->found[2] = ipvs_conn_lookup(0, &ta, &x->dirs[2]);
	h->at(rte_lcore_id(), 1);   /* ICMP: its lookup is of b's tuple */
	x->found[3] = ipvs_conn_lookup(0, &tb, &x->dirs[3]);
	h->end(rte_lcore_id());
	return 0;
}

static void test_burst_answers(void **state)
{
	struct burst_case x = { 0 };

	(void)state;
	x.a = dr(1000);
	x.b = dr(1001);
	assert_non_null(x.a);
	assert_non_null(x.b);
	x.pkts[0] = frame(x.a, IPPROTO_TCP);
	x.pkts[1] = frame(x.a, IPPROTO_ICMP);
	assert_int_equal(rte_eal_remote_launch(burst_on_worker, &x, WLC), 0);
	assert_int_equal(rte_eal_wait_lcore(WLC), 0);
	assert_ptr_equal(x.found[0], x.a);
	assert_int_equal(x.dirs[0], DIR_IN);
	assert_ptr_equal(x.found[1], x.b);
	assert_ptr_equal(x.found[2], x.a);
	assert_ptr_equal(x.found[3], x.b);
	assert_int_equal(x.dirs[3], DIR_IN);
	rte_pktmbuf_free(x.pkts[0]);
	rte_pktmbuf_free(x.pkts[1]);
}

struct tick_case {
	struct ipvs_conn *c;
	struct rte_mbuf *m;
	uint32_t in_burst, after;
};

/*
 * A conn updated in a burst counts its deadline from the burst's start
 * (one tick read per burst), one updated outside from now.
 */
static int tick_on_worker(void *arg)
{
	struct tick_case *x = arg;
	const void *th = rte_pktmbuf_mtod_offset(x->m, const char *,
		sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

	ipvs_conn_burst_hook.begin(rte_lcore_id(), &x->m, 1);
	ipvs_conn_burst_hook.at(rte_lcore_id(), 0);
	usleep(1500 * 1000);   /* past the next one-second tick */
	ipvs_conn_update(x->c, DIR_IN, th, false);
	x->in_burst = x->c->expire;
	ipvs_conn_burst_hook.end(rte_lcore_id());
	ipvs_conn_update(x->c, DIR_IN, th, false);
	x->after = x->c->expire;
	return 0;
}

static void test_burst_tick(void **state)
{
	struct tick_case x = { 0 };

	(void)state;
	x.c = dr(2000);
	assert_non_null(x.c);
	x.m = frame(x.c, IPPROTO_TCP);
	assert_int_equal(rte_eal_remote_launch(tick_on_worker, &x, WLC), 0);
	assert_int_equal(rte_eal_wait_lcore(WLC), 0);
	assert_true((int32_t)(x.after - x.in_burst) >= 1);
	assert_true((int32_t)(x.after - x.in_burst) <= 2);
	rte_pktmbuf_free(x.m);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_conn_burst", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0,1@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_answers),
		cmocka_unit_test(test_burst_tick),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_conn_burst_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("conn_burst", tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
