/*
 * The in-process daemon and the helpers test_ipvs_sync and
 * test_ipvs_sync_dir share (test_ipvs_sync_env.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "core/lcore.h"
#include "core/rcu.h"
#include "dpvs_ops.h"
#include "net/netif.h"
#include "test_inproc.h"
#include "test_ipvs_sync_env.h"

static struct fuzz_port port;

uint32_t ip4(const char *s)
{
	return ntohl(inet_addr(s));
}

/* ---- frames ---- */

void frame_l4(struct frame *f, uint8_t proto, uint32_t src, uint16_t sp,
	      uint32_t dst, uint16_t dp, uint8_t flags)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	size_t l4len = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) :
					      sizeof(struct rte_udp_hdr);

	memset(f, 0, sizeof(*f));
	eh->dst_addr = port.mac;
	eh->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } };
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->src_port = rte_cpu_to_be_16(sp);
		th->dst_port = rte_cpu_to_be_16(dp);
		th->data_off = 5 << 4;
		th->tcp_flags = flags;
		th->rx_win = RTE_BE16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->src_port = rte_cpu_to_be_16(sp);
		uh->dst_port = rte_cpu_to_be_16(dp);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
	}
	f->len = (uint16_t)(sizeof(*eh) + sizeof(*ip) + l4len);
}

/* ---- the workers ---- */

struct fuzz_port *sync_env_port(void)
{
	return &port;
}

void run_workers(unsigned loops)
{
	for (unsigned i = 0; i < loops; i++)
		for (unsigned w = 0; w < NW; w++)
			fuzz_run_worker(w);
}

/* IPv4 frames sent (ARP left out); the first's destination in *dst. */
unsigned take_sent(uint32_t *dst)
{
	struct rte_mbuf *m;
	unsigned got = 0;

	for (unsigned q = 0; q < NW; q++)
		while (rte_ring_dequeue(port.rings[q], (void **)&m) == 0) {
			const struct rte_ether_hdr *eh =
				rte_pktmbuf_mtod(m, const void *);

			if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
				const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);

				if (!got++ && dst)
					*dst = rte_be_to_cpu_32(ip->dst_addr);
			}
			rte_pktmbuf_free(m);
		}
	return got;
}

/*
 * f received on worker w, then the other runs twice (a hand-over, and
 * the rx job that flushes what it sent); the frames sent.  A queue's
 * ring is its rx and tx: w run again would take back what it sent.
 */
unsigned rx_on(unsigned w, const struct frame *f, uint32_t *dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, f->len), f->b, f->len);
	m->port = port.id;
	assert_int_equal(rte_ring_enqueue(port.rings[w], m), 0);
	fuzz_run_worker(w);
	fuzz_run_worker(!w);
	fuzz_run_worker(!w);
	return take_sent(dst);
}

unsigned tcp_in(unsigned w, const char *vip, uint32_t caddr,
		uint16_t cport, uint8_t flags)
{
	struct frame f;

	frame_l4(&f, IPPROTO_TCP, caddr, cport, ip4(vip), 80, flags);
	return rx_on(w, &f, NULL);
}

/* ---- helpers ---- */

struct ipvs_sync_rec conn_rec(uint8_t fwd, uint32_t caddr, uint16_t cport,
			      const char *vip, const char *rs, uint16_t dport,
			      uint8_t state)
{
	struct ipvs_sync_rec r = {
		.rtype = IPVS_SYNC_CONN, .proto = IPPROTO_TCP, .fwd = fwd,
		.state = state, .caddr = caddr, .cport = cport,
		.vaddr = ip4(vip), .vport = 80, .daddr = ip4(rs), .dport = dport,
		.timeout_s = 900,
	};

	if (fwd == IPVS_FWD_FNAT)
		r.laddr = ip4("10.0.1.200");
	return r;
}

struct ipvs_conn *find_conn(unsigned w, const struct ipvs_sync_rec *r)
{
	struct conn_tuple t = { r->caddr, r->vaddr, r->cport, r->vport, r->proto };
	enum conn_dir dir;

	return ipvs_conn_lookup(w, &t, &dir);
}

struct ipvs_sync_stats sync_counts(void)
{
	struct ipvs_sync_stats s;

	ipvs_sync_stats(&s);
	return s;
}

/* Posts r and lets the workers install it. */
void post_and_install(const struct ipvs_sync_rec *r, unsigned sender_nw)
{
	assert_int_equal(ipvs_sync_post(r, sender_nw), 0);
	run_workers(1);
}

unsigned drain_all(unsigned w, struct ipvs_sync_rec *out, unsigned max)
{
	unsigned n = 0, k;

	while (n < max && (k = ipvs_sync_drain(w, out + n, max - n)) > 0)
		n += k;
	return n;
}

void producer_params(uint16_t th0, uint16_t th1, bool embryonic)
{
	struct ipvs_sync_params p = { { th0, th1 }, 60, embryonic, false };

	ipvs_sync_set_params(&p);
}

struct ipvs_dest *dest_of(const char *vip, uint16_t vport, uint8_t proto,
			  const char *rs)
{
	struct ipvs_service *s = ipvs_svc_get(proto, AF_INET, INET_V4P(ip4(vip)), vport);

	assert_non_null(s);
	for (struct ipvs_dest *d = s->dests; d; d = d->next)
		if (d->addr.in4 == ip4(rs))
			return d;
	fail_msg("no real server %s", rs);
	return NULL;
}

/*
 * Clients on 10.0.0.0/24, real servers on 10.0.1.0/24.  VIPs: .100
 * FullNAT (two servers, local address .200), .101 NAT, .102 DR, .103
 * TUN, .104 UDP FullNAT (local address .201), .105 DR persistent (two
 * servers).
 */
int sync_env_setup(void **state)
{
	struct dpvs_service s;

	(void)state;
	fuzz_daemon_start("sync", "net_ring0", NULL);
	if (fuzz_port_open(&port, "sync_rx", 255) < 0)
		return -1;
	inproc_addr("10.0.0.1", 24, 0);
	inproc_addr("10.0.1.1", 24, 0);
	for (unsigned i = 100; i <= 105; i++) {
		char vip[16];

		snprintf(vip, sizeof(vip), "10.0.0.%u", i);
		inproc_addr(vip, 32, 0);
	}
	inproc_addr("10.0.1.200", 32, DPVS_ADDR_F_SAPOOL);
	inproc_addr("10.0.1.201", 32, DPVS_ADDR_F_SAPOOL);
	inproc_neigh("10.0.0.2");
	for (unsigned i = 11; i <= 15; i++) {
		char rs[16];

		snprintf(rs, sizeof(rs), "10.0.1.%u", i);
		inproc_neigh(rs);
	}
	s = inproc_svc(IPPROTO_TCP, "10.0.0.100", 80);
	inproc_dest(&s, "10.0.1.11", 8080, DPVS_FWD_FNAT, 1);
	inproc_dest(&s, "10.0.1.15", 8080, DPVS_FWD_FNAT, 0);
	inproc_laddr(&s, "10.0.1.200");
	s = inproc_svc(IPPROTO_TCP, "10.0.0.101", 80);
	inproc_dest(&s, "10.0.1.12", 8080, DPVS_FWD_NAT, 1);
	s = inproc_svc(IPPROTO_TCP, "10.0.0.102", 80);
	inproc_dest(&s, "10.0.1.13", 0, DPVS_FWD_DR, 1);
	s = inproc_svc(IPPROTO_TCP, "10.0.0.103", 80);
	inproc_dest(&s, "10.0.1.14", 0, DPVS_FWD_TUN, 1);
	s = inproc_svc(IPPROTO_UDP, "10.0.0.104", 53);
	inproc_dest(&s, "10.0.1.11", 5353, DPVS_FWD_FNAT, 1);
	inproc_laddr(&s, "10.0.1.201");
	s = (struct dpvs_service){ .proto = IPPROTO_TCP,
				   .vip = inet_addr("10.0.0.105"), .vport = 80,
				   .sched = "rr", .flags = DPVS_SVC_F_PERSISTENT,
				   .timeout = 300 };
	{
		struct wbuf b;

		wb_init(&b);
		wire_enc_svc(&b, &s);
		inproc_op(DPVS_OP_SVC_ADD, &b);
	}
	inproc_dest(&s, "10.0.1.13", 0, DPVS_FWD_DR, 1);
	inproc_dest(&s, "10.0.1.14", 0, DPVS_FWD_DR, 1);
	return 0;
}

int sync_env_before(void **state)
{
	(void)state;
	ipvs_sync_set_roles(0);
	producer_params(3, 50, false);
	return 0;
}
