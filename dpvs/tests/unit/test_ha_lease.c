/*
 * The HA lease and the HA addresses on the real daemon, run in this
 * process as test_ipvs_golden runs it (a net_ring port, workers driven
 * by hand, the master's timers by core_timer_job): who may take, renew
 * and release the lease, its three ends (release, TTL by the timer, the
 * holder's connection closing), what each end does to the addresses,
 * the announcements after a take, ARP for an HA address with and
 * without the lease, and FullNAT's choice of a local address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "core/lcore.h"
#include "core/rcu.h"
#include "core/timer.h"
#include "dpvs_ops.h"
#include "../fuzz/fuzz_daemon.h"
#include "ha/ha_lease.h"
#include "net/inetaddr.h"
#include "net/kni.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			  ((uint32_t)(c) << 8) | (uint32_t)(d))

#define CLIENT IP4(10, 0, 0, 2)
#define VIP IP4(10, 0, 0, 100)     /* a VIP the lease holder adds */
#define VIP2 IP4(10, 0, 0, 101)
#define HA1 IP4(10, 0, 1, 210)     /* shared local addresses */
#define HA2 IP4(10, 0, 1, 211)
#define OWN IP4(10, 0, 1, 200)     /* this LB's own local address */
#define RS IP4(10, 0, 1, 11)
#define FRAME_MAX 256

static struct fuzz_port port;
static const struct rte_ether_addr client_mac = { { 2, 0, 0, 0, 1, 2 } };

static unsigned ends;
static char last_why[64];

static void on_end(const char *why)
{
	ends++;
	snprintf(last_why, sizeof(last_why), "%s", why);
}

/* ---- helpers ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Runs the master's timers for ms milliseconds. */
static void run_timers(unsigned ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;

	do {
		core_timer_job(NULL);
		sleep_ms(1);
	} while (rte_get_tsc_cycles() < end);
}

static void count_one(const struct route_entry *r, void *arg)
{
	(void)r;
	(*(unsigned *)arg)++;
}

static unsigned count_routes(void)
{
	unsigned n = 0;

	route_walk(count_one, &n);
	return n;
}

static bool is_local(uint32_t addr)
{
	const struct route_entry *r = route_find(addr, 32);

	return r && r->type == RT_LOCAL;
}

static uint64_t counter(unsigned idx)
{
	uint64_t sums[PKTSTATS_N];

	pktstats_sum(sums);
	return sums[idx];
}

#define COUNTER(name) counter(PKTSTATS_IDX_##name)

static void take(uint64_t holder)
{
	uint32_t left = 0;

	/* Long enough for the tests that run the timers meanwhile. */
	assert_int_equal(ha_lease_renew(holder, 4211, 5000, &left), 0);
	assert_int_equal(left, 5000);
}

/* ---- the worker ---- */

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* What the daemon sent, sorted out of its tx rings. */
struct seen {
	unsigned replies;        /* ARP replies to the client */
	uint32_t reply_sip;      /* the address the last one answered for */
	unsigned garps;          /* gratuitous ARP requests */
	unsigned ipv4;
	uint32_t ipv4_src;       /* the first one's source */
};

static void sort_out(const struct rte_mbuf *m, struct seen *s)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_arp_hdr *a = (const void *)(eh + 1);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		if (s->ipv4++ == 0)
			s->ipv4_src = rte_be_to_cpu_32(ip->src_addr);
		return;
	}
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
		return;
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) &&
	    a->arp_data.arp_tip == rte_cpu_to_be_32(CLIENT)) {
		assert_memory_equal(&a->arp_data.arp_sha, &port.mac,
				    sizeof(port.mac));
		s->replies++;
		s->reply_sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	} else if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
		   a->arp_data.arp_sip == a->arp_data.arp_tip) {
		s->garps++;
	}
}

/*
 * Runs both workers (the kernel path's sender among them) until they
 * send nothing more, and sorts out what they sent.
 */
static struct seen run_and_sort(void)
{
	struct seen s = { 0 };
	struct rte_mbuf *m;
	int quiet = 0;

	/* A frame sent in one loop may leave the tx buffer in the next. */
	for (int i = 0; i < 256 && quiet < 3; i++) {
		quiet++;
		fuzz_run_worker(0);
		fuzz_run_worker(1);
		for (unsigned q = 0; q < FUZZ_NWORKERS; q++)
			while (rte_ring_dequeue(port.rings[q], (void **)&m) == 0) {
				sort_out(m, &s);
				rte_pktmbuf_free(m);
				quiet = 0;
			}
	}
	return s;
}

/* Gratuitous ARP sent since the last look. */
static unsigned garps(void)
{
	return run_and_sort().garps;
}

static struct seen rx(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, f->len), f->b, f->len);
	m->port = port.id;
	assert_int_equal(rte_ring_enqueue(port.rings[0], m), 0);
	return run_and_sort();
}

/* "Who has tip? Tell CLIENT" from the client, broadcast. */
static unsigned arp_ask(uint32_t tip)
{
	struct frame f = { .len = sizeof(struct rte_ether_hdr) +
				  sizeof(struct rte_arp_hdr) };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f.b;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);
	struct seen got;

	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = client_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = client_mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(CLIENT);
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	got = rx(&f);
	if (got.replies)
		assert_int_equal(got.reply_sip, tip);
	return got.replies;
}

/* A TCP segment from src:sp to dst:dp; the source of what went out. */
static unsigned tcp_in(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
		       uint8_t flags, uint32_t *out_src)
{
	struct frame f = { 0 };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f.b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct seen got;

	eh->dst_addr = port.mac;
	eh->src_addr = client_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = rte_cpu_to_be_16(sp);
	th->dst_port = rte_cpu_to_be_16(dp);
	th->sent_seq = RTE_BE32(1000);
	th->recv_ack = flags & RTE_TCP_ACK_FLAG ? RTE_BE32(5000) : 0;
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	f.len = sizeof(*eh) + sizeof(*ip) + sizeof(*th);
	got = rx(&f);
	if (got.ipv4 && out_src)
		*out_src = got.ipv4_src;
	return got.ipv4;
}

/* ---- set-up through the control ops ---- */

static void op(uint32_t code, struct wbuf *b)
{
	assert_int_equal(fuzz_op_wb(code, b), DPVS_OK);
}

static void neigh(uint32_t ip)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .ip = htonl(ip),
				.mac = { 2, 0, 0, 0, 1, 0 },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	n.mac[5] = (uint8_t)(ip & 0xff);
	wb_init(&b);
	wire_enc_neigh(&b, &n);
	op(DPVS_OP_NEIGH_ADD, &b);
}

static struct dpvs_service fnat_svc(uint16_t vport)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP, .vip = htonl(VIP),
				  .vport = vport, .sched = "rr" };
	struct dpvs_dest d = { .proto = IPPROTO_TCP, .vip = htonl(VIP),
			       .vport = vport, .addr = htonl(RS),
			       .port = 8080, .fwd = DPVS_FWD_FNAT, .weight = 1 };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	op(DPVS_OP_SVC_ADD, &b);
	wb_init(&b);
	wire_enc_dest(&b, &d);
	op(DPVS_OP_DEST_ADD, &b);
	return s;
}

static void laddr(const struct dpvs_service *s, uint32_t ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vip = s->vip,
				.vport = s->vport, .addr = htonl(ip),
				.ifname = "dpdk0" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_laddr(&b, &l);
	op(DPVS_OP_LADDR_ADD, &b);
}

static int setup(void **state)
{

	(void)state;
	fuzz_daemon_start("ha_lease", "net_ring0", NULL);
	if (fuzz_port_open(&port, "ha_rx", 255) < 0)
		return -1;
	ha_lease_set_end_cb(on_end);
	return 0;
}

/* Each test starts without a lease, with the subnets and no VIP. */
static int before(void **state)
{
	(void)state;
	ha_lease_on_close(1);
	ha_lease_on_close(2);
	assert_false(ha_lease_held());
	fuzz_daemon_reset();
	assert_int_equal(inetaddr_add(port.id, IP4(10, 0, 0, 1), 24, 0), 0);
	assert_int_equal(inetaddr_add(port.id, IP4(10, 0, 1, 1), 24, 0), 0);
	neigh(CLIENT);
	neigh(RS);
	run_and_sort();
	ends = 0;
	last_why[0] = '\0';
	return 0;
}

/* ---- the lease ---- */

static void test_take_renew_release(void **state)
{
	struct ha_lease_state st;
	uint32_t left = 0;

	(void)state;
	take(1);
	assert_true(ha_lease_held());
	assert_true(inetaddr_ha_active());
	ha_lease_state(&st);
	assert_true(st.held);
	assert_int_equal(st.holder, 1);
	assert_int_equal(st.holder_pid, 4211);
	assert_in_range(st.ms_left, 4000, 5000);
	/* Renewal by the holder; the TTL is clamped both ways. */
	assert_int_equal(ha_lease_renew(1, 4211, 1, &left), 0);
	assert_int_equal(left, HA_LEASE_MIN_MS);
	assert_int_equal(ha_lease_renew(1, 4211, 10000000, &left), 0);
	assert_int_equal(left, HA_LEASE_MAX_MS);
	/* ha.lease_min_ms and lease_max_ms move the bounds. */
	ha_lease_set_bounds(100, 1000);
	assert_int_equal(ha_lease_renew(1, 4211, 1, &left), 0);
	assert_int_equal(left, 100);
	assert_int_equal(ha_lease_renew(1, 4211, 5000, &left), 0);
	assert_int_equal(left, 1000);
	ha_lease_set_bounds(HA_LEASE_MIN_MS, HA_LEASE_MAX_MS);
	/* Nobody else takes it, renews it or releases it. */
	assert_int_equal(ha_lease_renew(2, 99, 280, &left), -EBUSY);
	assert_int_equal(ha_lease_release(2), -EPERM);
	ha_lease_on_close(2);
	assert_true(ha_lease_held());
	assert_int_equal(ends, 0);
	ha_lease_state(&st);
	assert_int_equal(st.holder, 1);
	/* The holder lets it go; releasing what nobody holds is no error. */
	assert_int_equal(ha_lease_release(1), 0);
	assert_false(ha_lease_held());
	assert_false(inetaddr_ha_active());
	assert_int_equal(ends, 1);
	assert_string_equal(last_why, "released");
	assert_int_equal(ha_lease_release(1), 0);
	assert_int_equal(ha_lease_release(2), 0);
	ha_lease_on_close(1);
	assert_int_equal(ends, 1);
	ha_lease_state(&st);
	assert_false(st.held);
	assert_int_equal(st.ms_left, 0);
	assert_int_equal(st.holder_pid, 0);
	/* Free again: another connection takes it. */
	take(2);
	assert_int_equal(ha_lease_release(2), 0);
}

/* What every end must leave: no VIP, HA addresses silent but present. */
static void assert_ended(unsigned ends_before, const char *why)
{
	unsigned ha, leased;

	assert_false(ha_lease_held());
	assert_false(inetaddr_ha_active());
	assert_int_equal(ends, ends_before + 1);
	assert_string_equal(last_why, why);
	assert_false(is_local(VIP));
	assert_false(is_local(VIP2));
	assert_true(is_local(HA1));
	assert_true(is_local(OWN));
	inetaddr_count(&ha, &leased);
	assert_int_equal(ha, 1);
	assert_int_equal(leased, 0);
}

static void add_vips(void)
{
	assert_int_equal(inetaddr_add(port.id, VIP, 32, IFA_F_LEASED), 0);
	assert_int_equal(inetaddr_add(port.id, VIP2, 24, IFA_F_LEASED), 0);
	assert_true(is_local(VIP) && is_local(VIP2));
}

static void test_each_end_removes_vips_and_silences_ha(void **state)
{
	struct ha_lease_state st0, st;

	(void)state;
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_add(port.id, OWN, 32, IFA_F_SAPOOL), 0);
	ha_lease_state(&st0);

	take(1);
	add_vips();
	assert_int_equal(ha_lease_release(1), 0);
	assert_ended(0, "released");

	take(1);
	add_vips();
	ha_lease_on_close(1);
	assert_ended(1, "connection closed");

	/* TTL: renewed for a while, then the holder hangs. */
	take(7);
	add_vips();
	for (int i = 0; i < 5; i++) {
		uint32_t left;

		/* 30 ms apart, 300 ms each: a loaded machine has margin. */
		run_timers(30);
		assert_int_equal(ha_lease_renew(7, 4211, 300, &left), 0);
	}
	assert_true(ha_lease_held());
	assert_int_equal(ends, 2);
	run_timers(300 + 50);
	assert_ended(2, "TTL passed");
	/* The timer ends it once, not again on each tick. */
	run_timers(30);
	assert_int_equal(ends, 3);
	ha_lease_state(&st);
	assert_int_equal(st.taken, st0.taken + 3);
	assert_int_equal(st.lost, st0.lost + 2);
	assert_int_equal(st.released, st0.released + 1);
}

/* A renewal after the TTL passed, before the timer saw it, is a new take. */
static void test_late_renewal_ends_first(void **state)
{
	uint32_t left;

	(void)state;
	assert_int_equal(ha_lease_renew(1, 4211, HA_LEASE_MIN_MS, &left), 0);
	add_vips();
	sleep_ms(HA_LEASE_MIN_MS + 20);
	assert_int_equal(ha_lease_renew(2, 77, 280, &left), 0);
	assert_int_equal(ends, 1);
	assert_string_equal(last_why, "TTL passed");
	assert_false(is_local(VIP));
	assert_true(ha_lease_held());
	assert_int_equal(ha_lease_release(2), 0);
}

/* ---- announcements ---- */

static void test_garp_only_while_active(void **state)
{
	uint64_t t0;

	(void)state;
	/* An HA address is a /32 (no subnet route sourced from it). */
	assert_int_equal(inetaddr_add(port.id, HA1, 24, IFA_F_HA), -EINVAL);
	/* An HA address added without the lease is not announced... */
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_add(port.id, HA2, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_garp(port.id, HA1), -EADDRNOTAVAIL);
	assert_int_equal(garps(), 0);
	/* ... an ordinary one is. */
	assert_int_equal(inetaddr_add(port.id, OWN, 32, IFA_F_SAPOOL), 0);
	assert_int_equal(garps(), 1);
	/* Taking the lease: both at once, then twice more 100 ms apart. */
	t0 = rte_get_tsc_cycles();
	take(1);
	assert_int_equal(garps(), 2);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS / 2);
	/* Not before the interval (unless this thread was held up). */
	if (rte_get_tsc_cycles() - t0 < rte_get_tsc_hz() / 1000 *
					 (INETADDR_HA_GARP_INTERVAL_MS - 10))
		assert_int_equal(garps(), 0);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	assert_int_equal(garps(), 2 * (INETADDR_HA_GARP_COUNT - 1));
	/* Added while active: announced at once. */
	assert_int_equal(inetaddr_del(port.id, HA2, 32), 0);
	assert_int_equal(inetaddr_add(port.id, HA2, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_garp(port.id, HA1), 0);
	assert_int_equal(garps(), 2);
	/* Lost before the rounds are done: the rest are not sent. */
	assert_int_equal(ha_lease_release(1), 0);
	take(1);
	ha_lease_on_close(1);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	assert_int_equal(garps(), 2);
	/* ha.garp_count and garp_interval_ms. */
	inetaddr_ha_set_garp(1, 0);
	take(1);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 2);
	assert_int_equal(garps(), 2);
	ha_lease_on_close(1);
	inetaddr_ha_set_garp(5, 20);
	take(1);
	run_timers(200);
	assert_int_equal(garps(), 2 * 5);
	ha_lease_on_close(1);
	inetaddr_ha_set_garp(INETADDR_HA_GARP_COUNT,
			     INETADDR_HA_GARP_INTERVAL_MS);
}

/* After two MASTERs met: the holder announces again, nobody else. */
static void test_announce_again(void **state)
{
	uint64_t t0, ms, rounds;

	(void)state;
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_add(port.id, HA2, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(ha_lease_announce(1), -EPERM);
	take(1);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	assert_int_equal(garps(), 2 * INETADDR_HA_GARP_COUNT);
	/* Another connection may not; nothing is sent. */
	assert_int_equal(ha_lease_announce(2), -EPERM);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 2);
	assert_int_equal(garps(), 0);
	/* The holder: the same rounds as on taking the lease. */
	assert_int_equal(ha_lease_announce(1), 0);
	assert_int_equal(garps(), 2);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	assert_int_equal(garps(), 2 * (INETADDR_HA_GARP_COUNT - 1));
	/*
	 * Asked 50 times while they run: no more than a round an interval,
	 * and the full count after the last ask.
	 */
	inetaddr_ha_set_garp(3, 50);
	t0 = rte_get_tsc_cycles();
	assert_int_equal(ha_lease_announce(1), 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(ha_lease_announce(1), 0);
		run_timers(2);
	}
	/* One round at once, then one each 50 ms. */
	ms = (rte_get_tsc_cycles() - t0) * 1000 / rte_get_tsc_hz();
	rounds = 1 + ms / 50 + 1;
	assert_in_range(garps(), 2, 2 * rounds);
	run_timers(50 * 5);
	assert_int_equal(garps(), 2 * 3);
	run_timers(50 * 2);
	assert_int_equal(garps(), 0);
	inetaddr_ha_set_garp(INETADDR_HA_GARP_COUNT,
			     INETADDR_HA_GARP_INTERVAL_MS);
	/* Lost: the holder is no more, nor are the rounds. */
	assert_int_equal(ha_lease_announce(1), 0);
	ha_lease_on_close(1);
	assert_int_equal(ha_lease_announce(1), -EPERM);
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	assert_int_equal(garps(), 2);
}

/* ---- ARP ---- */

static void test_arp_for_ha_address_only_with_lease(void **state)
{
	uint64_t silent = COUNTER(arp_ha_inactive);

	(void)state;
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_add(port.id, OWN, 32, IFA_F_SAPOOL), 0);
	assert_int_equal(arp_ask(HA1), 0);
	assert_int_equal(COUNTER(arp_ha_inactive), silent + 1);
	assert_int_equal(arp_ask(OWN), 1);
	take(1);
	assert_int_equal(arp_ask(HA1), 1);
	assert_int_equal(arp_ask(OWN), 1);
	ha_lease_on_close(1);
	assert_int_equal(arp_ask(HA1), 0);
	assert_int_equal(arp_ask(OWN), 1);
	assert_int_equal(COUNTER(arp_ha_inactive), silent + 2);
}

/* ---- VIPs the kernel path may not claim ---- */

static void test_leased_addresses_remembered(void **state)
{
	uint32_t base = IP4(10, 2, 0, 0);
	unsigned n0;

	(void)state;
	take(1);
	add_vips();
	assert_int_equal(inetaddr_add(port.id, OWN, 32, IFA_F_SAPOOL), 0);
	assert_true(inetaddr_was_leased(VIP) && inetaddr_was_leased(VIP2));
	assert_false(inetaddr_was_leased(OWN));
	/* Ours while configured: keepalived may announce them. */
	assert_false(inetaddr_leased_gone(VIP));
	assert_false(inetaddr_leased_gone(OWN));
	/* The lease's end removes them, but they stay the pair's. */
	ha_lease_on_close(1);
	assert_false(is_local(VIP));
	assert_true(inetaddr_was_leased(VIP) && inetaddr_was_leased(VIP2));
	assert_true(inetaddr_leased_gone(VIP) && inetaddr_leased_gone(VIP2));
	/* Added again by the next holder: still one entry each. */
	n0 = inetaddr_leased_seen();
	take(2);
	add_vips();
	assert_int_equal(inetaddr_leased_seen(), n0);
	/* An operator's delete forgets; so does a flush. */
	assert_int_equal(inetaddr_del(port.id, VIP, 32), 0);
	assert_false(inetaddr_was_leased(VIP));
	assert_false(inetaddr_leased_gone(VIP));
	assert_true(inetaddr_was_leased(VIP2));
	ha_lease_on_close(2);
	/* Churn past the bound: the configured ones are never forgotten. */
	take(3);
	assert_int_equal(inetaddr_add(port.id, VIP, 32, IFA_F_LEASED), 0);
	for (uint32_t i = 0; i < 4 * INETADDR_LEASED_SEEN_MAX; i++) {
		uint32_t a = base + i;

		assert_int_equal(inetaddr_add(port.id, a, 32, IFA_F_LEASED), 0);
		assert_true(inetaddr_was_leased(a));
		assert_true(inetaddr_was_leased(VIP));
		if (i % 2)
			continue;
		assert_in_range(inetaddr_flush_leased(), 2, 3);
		assert_int_equal(inetaddr_add(port.id, VIP, 32, IFA_F_LEASED),
				 0);
	}
	assert_int_equal(inetaddr_leased_seen(), INETADDR_LEASED_SEEN_MAX);
	/* The oldest went first: the last ones are all there. */
	for (uint32_t i = 1; i < INETADDR_LEASED_SEEN_MAX / 2; i++)
		assert_true(inetaddr_was_leased(
			base + 4 * INETADDR_LEASED_SEEN_MAX - i));
	assert_false(inetaddr_was_leased(base));
	ha_lease_on_close(3);
	/* A flush (dpvs stopping) forgets them all. */
	assert_int_equal(inetaddr_del(port.id, OWN, 32), 0);
	assert_int_equal(inetaddr_del(port.id, IP4(10, 0, 0, 1), 24), 0);
	assert_int_equal(inetaddr_del(port.id, IP4(10, 0, 1, 1), 24), 0);
	inetaddr_flush();
	assert_int_equal(inetaddr_leased_seen(), 0);
	assert_false(inetaddr_was_leased(VIP2));
}

/* ---- FullNAT's local address ---- */

static void test_fnat_source_skips_inactive_ha(void **state)
{
	struct dpvs_service s;
	uint64_t no_laddr;
	uint32_t src = 0;
	uint16_t cport = 40000;

	(void)state;
	assert_int_equal(inetaddr_add(port.id, VIP, 32, 0), 0);
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(inetaddr_add(port.id, OWN, 32, IFA_F_SAPOOL), 0);
	/* Only an HA address: no new conn without the lease. */
	s = fnat_svc(80);
	laddr(&s, HA1);
	no_laddr = COUNTER(ipvs_no_laddr);
	assert_int_equal(tcp_in(CLIENT, cport++, VIP, 80, RTE_TCP_SYN_FLAG,
				NULL), 0);
	assert_int_equal(COUNTER(ipvs_no_laddr), no_laddr + 1);
	take(1);
	assert_int_equal(tcp_in(CLIENT, cport, VIP, 80, RTE_TCP_SYN_FLAG,
				&src), 1);
	assert_int_equal(src, HA1);
	/* Lost: the conn made on it still works, new ones are refused. */
	ha_lease_on_close(1);
	assert_int_equal(tcp_in(CLIENT, cport++, VIP, 80, RTE_TCP_ACK_FLAG,
				&src), 1);
	assert_int_equal(src, HA1);
	assert_int_equal(tcp_in(CLIENT, cport++, VIP, 80, RTE_TCP_SYN_FLAG,
				NULL), 0);
	assert_int_equal(COUNTER(ipvs_no_laddr), no_laddr + 2);
	/* With an own address too: every new conn takes that one. */
	s = fnat_svc(81);
	laddr(&s, HA1);
	laddr(&s, OWN);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(tcp_in(CLIENT, cport++, VIP, 81,
					RTE_TCP_SYN_FLAG, &src), 1);
		assert_int_equal(src, OWN);
	}
	/* With the lease both are used (the choice hashes the client). */
	take(1);
	{
		unsigned on_ha = 0;

		for (int i = 0; i < 16; i++) {
			assert_int_equal(tcp_in(CLIENT, cport++, VIP, 81,
						RTE_TCP_SYN_FLAG, &src), 1);
			on_ha += src == HA1;
		}
		assert_in_range(on_ha, 1, 15);
	}
	assert_int_equal(ha_lease_release(1), 0);
}

/* ---- churn ---- */

static void test_churn(void **state)
{
	unsigned routes0, ha, leased;
	unsigned in_use0;
	struct ha_lease_state st0, st;

	(void)state;
	run_and_sort();
	in_use0 = rte_mempool_in_use_count(netif_pktpool());
	assert_int_equal(inetaddr_add(port.id, HA1, 32,
				      IFA_F_HA | IFA_F_SAPOOL), 0);
	routes0 = count_routes();
	ha_lease_state(&st0);
	for (unsigned i = 0; i < 10000; i++) {
		uint64_t holder = 100 + i;

		take(holder);
		add_vips();
		if (i % 2)
			assert_int_equal(ha_lease_release(holder), 0);
		else
			ha_lease_on_close(holder);
		assert_false(ha_lease_held());
	}
	assert_int_equal(ends, 10000);
	assert_int_equal(count_routes(), routes0);
	inetaddr_count(&ha, &leased);
	assert_int_equal(ha, 1);
	assert_int_equal(leased, 0);
	ha_lease_state(&st);
	assert_int_equal(st.taken - st0.taken, 10000);
	assert_int_equal(st.lost + st.released - st0.lost - st0.released,
			 10000);
	/* GARPs and ARP left no mbuf behind. */
	run_timers(INETADDR_HA_GARP_INTERVAL_MS * 3);
	run_and_sort();
	assert_int_equal(rte_mempool_in_use_count(netif_pktpool()), in_use0);
	/* It still works. */
	take(1);
	assert_int_equal(arp_ask(HA1), 1);
	ha_lease_on_close(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_take_renew_release, before),
		cmocka_unit_test_setup(test_each_end_removes_vips_and_silences_ha,
				       before),
		cmocka_unit_test_setup(test_late_renewal_ends_first, before),
		cmocka_unit_test_setup(test_garp_only_while_active, before),
		cmocka_unit_test_setup(test_announce_again, before),
		cmocka_unit_test_setup(test_arp_for_ha_address_only_with_lease,
				       before),
		cmocka_unit_test_setup(test_fnat_source_skips_inactive_ha,
				       before),
		cmocka_unit_test_setup(test_leased_addresses_remembered,
				       before),
		cmocka_unit_test_setup(test_churn, before),
	};

	return cmocka_run_group_tests_name("ha_lease", tests, setup, NULL);
}
