/* Kernel exception path over TAP devices. */
#include "kni.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "core/evloop.h"
#include "kni_class.h"
#include "core/lcore.h"
#include "core/log.h"
#include "inet6addr.h"
#include "inetaddr.h"
#include "netif.h"
#include "pktstats.h"

#define BURST 32
#define FRAME_MAX 9216u
/* Priority ring slots KNI_SYNC leaves to the other kinds. */
#define KNI_PRIO_RESERVE 64

struct kni_port {
	int fd;                  /* TAP, -1 if none */
	struct evloop_fd ev;     /* fd in the master's loop: only wakes it */
	struct rte_ring *down;   /* master -> kni worker */
	struct kni_port_stats st;
};

/* Token bucket of one worker for traffic to the kernel. */
struct bucket {
	uint64_t last;
	uint64_t tokens;         /* in 1/1024 packet units */
} __rte_cache_aligned;

static struct kni_port kports[NETIF_MAX_PORTS];
/* Per worker: bulk and priority rings, each with budgets of its own. */
static struct rte_ring *up[RTE_MAX_LCORE];
static struct rte_ring *up_prio[RTE_MAX_LCORE];
static struct bucket buckets[RTE_MAX_LCORE][NETIF_MAX_PORTS];
static struct bucket prio_buckets[RTE_MAX_LCORE][KNI_KINDS];
static uint32_t rate_per_worker;  /* bulk pps per port, 0 = unlimited */
static uint32_t prio_rate;        /* pps per kind and worker, 0 = unlimited */
static uint32_t sync_rate;        /* KNI_SYNC pps per worker, 0 = unlimited */

void kni_set_rates(const struct dpvs_conf *c)
{
	unsigned n = lcore_nworkers() ? lcore_nworkers() : 1;
	uint32_t pps = c->kni_rate_pps;

	__atomic_store_n(&rate_per_worker, pps ? (pps + n - 1) / n : 0,
			 __ATOMIC_RELAXED);
	/* Not shared out: one peer's adverts all land on one worker. */
	__atomic_store_n(&prio_rate, c->kni_prio_rate_pps, __ATOMIC_RELAXED);
	/* Sync carries thousands of datagrams a second, VRRP ten. */
	__atomic_store_n(&sync_rate, c->kni_sync_rate_pps, __ATOMIC_RELAXED);
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return -errno;
	rc = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return rc;
}

static int tap_open(const struct netif_port *p)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.*s", IFNAMSIZ - 1, p->kni_name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	rc = ifreq_ioctl(SIOCSIFHWADDR, &ifr);
	ifr.ifr_mtu = (int)p->mtu;
	if (!rc)
		rc = ifreq_ioctl(SIOCSIFMTU, &ifr);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

void kni_link_set(uint16_t port, bool up_)
{
	const struct netif_port *p = netif_port(port);
	struct ifreq ifr = { 0 };

	if (!p || kports[port].fd < 0)
		return;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.*s", IFNAMSIZ - 1, p->kni_name);
	if (ifreq_ioctl(SIOCGIFFLAGS, &ifr) < 0)
		return;
	if (up_)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	if (ifreq_ioctl(SIOCSIFFLAGS, &ifr) < 0)
		LOG_WARNX("kni", "%s: cannot set link %s", p->kni_name,
			  up_ ? "up" : "down");
}

/* The down ring exists for every port: gratuitous ARP uses it too. */
static int port_init(const struct netif_port *p, uint32_t ring_size)
{
	char name[RTE_RING_NAMESIZE];
	int fd;

	snprintf(name, sizeof(name), "kni_down_%u", p->id);
	kports[p->id].down = rte_ring_create(name, ring_size, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!kports[p->id].down)
		return -ENOMEM;
	if (!p->kni_name[0])
		return 0;
	fd = tap_open(p);
	if (fd < 0) {
		LOG_ERRX("kni", "%s: cannot create TAP %s: %s", p->name,
			 p->kni_name, strerror(-fd));
		return fd;
	}
	kports[p->id].fd = fd;
	/* What the kernel sends wakes the master at once. */
	evloop_add(&kports[p->id].ev, fd, EPOLLIN, NULL);
	kni_link_set(p->id, p->link_up);
	LOG_INFOX("kni", "%s: kernel twin %s", p->name, p->kni_name);
	return 0;
}

struct init_ctx {
	uint32_t ring_size;
	int rc;
};

static void init_port(const struct netif_port *p, void *arg)
{
	struct init_ctx *ctx = arg;

	if (ctx->rc == 0)
		ctx->rc = port_init(p, ctx->ring_size);
}

int kni_init(const struct dpvs_conf *c)
{
	struct init_ctx ctx = { c->kni_ring_size, 0 };
	char name[RTE_RING_NAMESIZE];
	unsigned lc;

	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++)
		kports[i].fd = -1;
	kni_flows_reset();
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (lcore_role(lc) != ROLE_WORKER)
			continue;
		snprintf(name, sizeof(name), "kni_up_%u", lc);
		up[lc] = rte_ring_create(name, c->kni_ring_size, SOCKET_ID_ANY,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "kni_prio_%u", lc);
		up_prio[lc] = rte_ring_create(name, KNI_PRIO_RING_SIZE,
					      SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!up[lc] || !up_prio[lc])
			return -ENOMEM;
	}
	netif_port_walk(init_port, &ctx);
	kni_set_rates(c);
	return ctx.rc;
}

static void drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

void kni_fini(void)
{
	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++) {
		if (kports[i].fd >= 0) {
			evloop_del(&kports[i].ev);
			close(kports[i].fd);
		}
		drain_ring(kports[i].down);
		rte_ring_free(kports[i].down);
		memset(&kports[i], 0, sizeof(kports[i]));
		kports[i].fd = -1;
	}
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		drain_ring(up[lc]);
		rte_ring_free(up[lc]);
		up[lc] = NULL;
		drain_ring(up_prio[lc]);
		rte_ring_free(up_prio[lc]);
		up_prio[lc] = NULL;
	}
}

static bool take_token(struct bucket *b, uint32_t rate)
{
	uint64_t now, burst, dt;

	if (!rate)
		return true;
	now = rte_get_tsc_cycles();
	burst = (uint64_t)(rate / 10 + 32) << 10;
	/* A second refills more than any burst: cap dt so nothing overflows. */
	dt = now - b->last < rte_get_tsc_hz() ? now - b->last : rte_get_tsc_hz();
	b->tokens += dt * rate * 1024 / rte_get_tsc_hz();
	b->last = now;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens < 1024)
		return false;
	b->tokens -= 1024;
	return true;
}

/* Each worker may send a port's bulk rate / nworkers to the kernel. */
static void bulk_up(unsigned lc, struct rte_mbuf *m)
{
	uint32_t rate = __atomic_load_n(&rate_per_worker, __ATOMIC_RELAXED);

	if (!take_token(&buckets[lc][m->port], rate)) {
		PKT_INC(lc, kni_up_limited);
		rte_pktmbuf_free(m);
		return;
	}
	if (rte_ring_sp_enqueue(up[lc], m) != 0) {
		PKT_INC(lc, kni_up_full);
		rte_pktmbuf_free(m);
		return;
	}
	PKT_INC(lc, kni_up);
}

/* Each kind has its own bucket: a flood of one cannot starve another. */
static void prio_up(unsigned lc, struct rte_mbuf *m, enum kni_kind k)
{
	uint32_t rate = __atomic_load_n(k == KNI_SYNC ? &sync_rate : &prio_rate,
					__ATOMIC_RELAXED);

	if (!take_token(&prio_buckets[lc][k], rate)) {
		PKT_INC(lc, kni_prio_limited);
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * Sync comes in bursts of hundreds: it may not take the ring's last
	 * slots, which the few frames of the other kinds (VRRP) need.
	 */
	if ((k == KNI_SYNC &&
	     rte_ring_free_count(up_prio[lc]) <= KNI_PRIO_RESERVE) ||
	    rte_ring_sp_enqueue(up_prio[lc], m) != 0) {
		PKT_INC(lc, kni_prio_full);
		rte_pktmbuf_free(m);
		return;
	}
	PKT_INC(lc, kni_up);
	PKT_INC(lc, kni_prio_up);
}

void kni_up(unsigned lc, struct rte_mbuf *m)
{
	enum kni_kind k;

	if (m->port >= NETIF_MAX_PORTS || kports[m->port].fd < 0) {
		PKT_INC(lc, kni_disabled);
		rte_pktmbuf_free(m);
		return;
	}
	k = kni_classify(m);
	if (k == KNI_BULK)
		bulk_up(lc, m);
	else
		prio_up(lc, m, k);
}

int kni_send(struct rte_mbuf *m)
{
	struct kni_port *kp = m->port < NETIF_MAX_PORTS ? &kports[m->port] : NULL;

	if (!kp || !kp->down || rte_ring_sp_enqueue(kp->down, m) != 0) {
		if (kp)
			kp->st.dropped++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

static void write_up(struct rte_mbuf **pkts, unsigned n)
{
	static uint8_t frame[FRAME_MAX];

	for (unsigned i = 0; i < n; i++) {
		struct kni_port *kp = &kports[pkts[i]->port];
		uint32_t len = RTE_MIN(pkts[i]->pkt_len, FRAME_MAX);
		const void *data = rte_pktmbuf_read(pkts[i], 0, len, frame);

		if (data && write(kp->fd, data, len) > 0)
			kp->st.to_kernel++;
		else
			kp->st.dropped++;
		rte_pktmbuf_free(pkts[i]);
	}
}

/*
 * Up: worker rings -> TAPs.  The priority rings are emptied first, whole
 * (their budgets bound them); then at most a burst from each bulk ring.
 */
static int to_kernel(void)
{
	struct rte_mbuf *pkts[BURST];
	int work = 0;

	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		unsigned n, done = 0;

		/* What is there now, not what keeps coming: the loop ends. */
		while (up_prio[lc] && done < KNI_PRIO_RING_SIZE &&
		       (n = rte_ring_sc_dequeue_burst(up_prio[lc], (void **)pkts,
						      BURST, NULL)) > 0) {
			write_up(pkts, n);
			done += n;
		}
		work += (int)done;
	}
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		unsigned n;

		if (!up[lc])
			continue;
		n = rte_ring_sc_dequeue_burst(up[lc], (void **)pkts, BURST, NULL);
		write_up(pkts, n);
		work += (int)n;
	}
	return work;
}

/*
 * An address added as a VIP by a lease holder is the peer's once the
 * lease ended: the kernel, which a hung or killed keepalived leaves
 * with the VIPs on the TAP, may not claim it (consumes m if so).  While
 * dpvs has it, the kernel's claims (keepalived's announcements) agree.
 */
static bool speaks_for_vip(struct rte_mbuf *m)
{
	struct in6_addr target;
	uint32_t sip;

	if (kni_arp_claim(m, &sip) && inetaddr_leased_gone(sip)) {
		PKT_INC(rte_lcore_id(), kni_arp_vip_dropped);
	} else if (kni_na_claim(m, &target) && inet6addr_leased_gone(&target)) {
		/* The v6 twin: an NA is IPv6's ARP reply and GARP. */
		PKT_INC(rte_lcore_id(), kni_na_vip_dropped);
	} else {
		return false;
	}
	rte_pktmbuf_free(m);
	return true;
}

/* Down: TAPs -> kni workers' rings. */
static int from_kernel(void)
{
	struct rte_mempool *pool = netif_pktpool();
	int work = 0;

	for (unsigned p = 0; p < NETIF_MAX_PORTS; p++) {
		struct kni_port *kp = &kports[p];

		for (int i = 0; kp->fd >= 0 && i < BURST; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			ssize_t n;

			if (!m) {
				kp->st.dropped++;
				break;
			}
			n = read(kp->fd, rte_pktmbuf_mtod(m, void *),
				 rte_pktmbuf_tailroom(m));
			if (n <= 0) {
				rte_pktmbuf_free(m);
				break;
			}
			m->data_len = (uint16_t)n;
			m->pkt_len = (uint32_t)n;
			m->port = (uint16_t)p;
			if (speaks_for_vip(m))
				continue;
			kni_flow_learn(m);
			if (kni_send(m) == 0)
				kp->st.from_kernel++;
			work++;
		}
	}
	return work;
}

int kni_master_job(void *arg __rte_unused)
{
	return to_kernel() + from_kernel();
}

int kni_worker_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();
	struct rte_mbuf *pkts[BURST];
	int work = 0;

	for (unsigned p = 0; p < NETIF_MAX_PORTS; p++) {
		const struct netif_port *np = netif_port((uint16_t)p);
		unsigned n;

		if (!np || np->kni_lcore != lc || !kports[p].down)
			continue;
		n = rte_ring_sc_dequeue_burst(kports[p].down, (void **)pkts,
					      BURST, NULL);
		for (unsigned i = 0; i < n; i++)
			netif_xmit(lc, (uint16_t)p, pkts[i]);
		PKT_ADD(lc, kni_down, n);
		work += (int)n;
	}
	return work;
}

void kni_stats(uint16_t port, struct kni_port_stats *out)
{
	if (port < NETIF_MAX_PORTS)
		*out = kports[port].st;
	else
		memset(out, 0, sizeof(*out));
}
