/* Port probing, queue setup, the worker rx job and per-lcore tx buffers. */
#include "netif.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "afp_args.h"
#include "eth.h"
#include "kif_link.h"
#include "kni.h"
#include "neigh.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/mem_size.h"
#include "pktstats.h"
#include "xdp_args.h"
#include "route.h"

#define RX_BURST 32
#define TX_BURST 32
#define PREFETCH_AHEAD 3
#define MBUF_CACHE 256
/* How often the kernel is asked for af_packet ports' links. */
#define KIF_POLL_MS 100

struct rxq_ref {
	uint16_t port;
	uint16_t queue;
};

/* What one lcore polls and where it transmits; read-only after start. */
struct lcore_queues {
	unsigned nrx;
	struct rxq_ref rx[CONF_MAX_DEVICES * CONF_MAX_QUEUES];
	int txq[NETIF_MAX_PORTS];                       /* -1: none */
	unsigned ntxp;
	uint16_t txports[NETIF_MAX_PORTS];              /* ports with a txq */
	struct rte_eth_dev_tx_buffer *txb[NETIF_MAX_PORTS];
} __rte_cache_aligned;

static struct lcore_queues lqs[RTE_MAX_LCORE];
static struct netif_port ports[NETIF_MAX_PORTS];
static uint16_t conf_port[CONF_MAX_DEVICES];   /* config index -> port id */
static unsigned nports;
static struct rte_mempool *mbuf_pool;
/* af_packet ports: their kernel interface, which knows the link. */
static char kif[NETIF_MAX_PORTS][IFNAMSIZ];

struct rte_mempool *netif_pktpool(void)
{
	return mbuf_pool;
}

const struct netif_port *netif_port(uint16_t id)
{
	return id < NETIF_MAX_PORTS && ports[id].used ? &ports[id] : NULL;
}

const struct netif_port *netif_port_by_name(const char *name)
{
	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++)
		if (ports[i].used && !strcmp(ports[i].name, name))
			return &ports[i];
	return NULL;
}

void netif_port_walk(void (*fn)(const struct netif_port *p, void *arg),
		     void *arg)
{
	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++)
		if (ports[i].used)
			fn(&ports[i], arg);
}

/* An af_xdp port that cannot work, refused with why (xdp_args.h). */
static int xdp_refused(const struct conf_device *d)
{
	char why[160];
	int rc = xdp_check(d->devargs, d->rx_queues, d->tx_queues, d->mtu, 0,
			   why, sizeof(why));

	_Static_assert(RTE_MBUF_DEFAULT_DATAROOM == XDP_MBUF_DATAROOM,
		       "xdp_args.h's frame room follows the mbuf pool's");

	if (rc < 0)
		LOG_ERRX("netif", "%s: af_xdp device '%s' refused: %s", d->name,
			 d->devargs, why);
	return rc;
}

static int probe(const struct conf_device *d, uint16_t *port)
{
	char name[CONF_DEVARGS_LEN];
	char args[CONF_DEVARGS_LEN + sizeof(AFP_QDISC_ARG)];
	char *comma;
	int rc;

	snprintf(name, sizeof(name), "%s", d->devargs);
	comma = strchr(name, ',');
	if (comma)
		*comma = '\0';
	/* Already there if the EAL command line created it. */
	if (rte_eth_dev_get_port_by_name(name, port) == 0)
		return 0;
	if (kif_is_af_xdp(d->devargs) && xdp_refused(d) < 0)
		return -EINVAL;
	rc = afp_devargs(d->devargs, args, sizeof(args));
	if (rc == 0)
		rc = rte_dev_probe(args);
	if (rc < 0 && rc != -EEXIST) {
		LOG_ERRX("netif", "%s: cannot probe device '%s': %s", d->name,
			 d->devargs, strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		LOG_ERRX("netif", "%s: device '%s' is not an ethernet port",
			 d->name, d->devargs);
		return -ENODEV;
	}
	return 0;
}

static void rss_conf(uint16_t port, const struct conf_device *d,
		     const struct rte_eth_dev_info *info,
		     struct rte_eth_conf *conf)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

	if (d->rx_queues < 2)
		return;
	if (!(info->flow_type_rss_offloads & want)) {
		/* Queues still work (e.g. af_packet fanout); we just can't steer. */
		LOG_NOTICEX("netif", "%s (port %u): no RSS support; the PMD "
			    "spreads packets over %u queues itself", d->name,
			    port, d->rx_queues);
		return;
	}
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = want & info->flow_type_rss_offloads;
}

static int setup_queues(uint16_t port, const struct conf_device *d)
{
	uint16_t nrxd = (uint16_t)d->rx_desc, ntxd = (uint16_t)d->tx_desc;
	int sock = rte_eth_dev_socket_id(port);
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (rc < 0)
		return rc;
	for (uint16_t q = 0; q < d->rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrxd, sock, NULL, mbuf_pool);
		if (rc < 0) {
			LOG_ERRX("netif", "%s: rx queue %u setup: %s", d->name, q,
				 strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < d->tx_queues; q++) {
		rc = rte_eth_tx_queue_setup(port, q, ntxd, sock, NULL);
		if (rc < 0) {
			LOG_ERRX("netif", "%s: tx queue %u setup: %s", d->name, q,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * The port's link: the PMD's, or for an af_packet port, whose PMD always
 * says up, its kernel interface's (gone counts as down).  0, or -1 if
 * unknown.
 */
static int port_link(uint16_t port, bool *up)
{
	struct rte_eth_link link;
	int k;

	if (rte_eth_link_get_nowait(port, &link) != 0)
		return -1;
	ports[port].speed = link.link_speed;
	*up = link.link_status == RTE_ETH_LINK_UP;
	if (!kif[port][0])
		return 0;
	k = kif_link_up(kif[port]);
	if (k >= 0 || k == -ENODEV)
		*up = k > 0;
	return 0;
}

static void port_record(uint16_t port, const struct conf_device *d)
{
	struct netif_port *p = &ports[port];

	p->used = true;
	p->id = port;
	snprintf(p->name, sizeof(p->name), "%s", d->name);
	if (d->kni)
		snprintf(p->kni_name, sizeof(p->kni_name), "%s", d->kni_name);
	rte_eth_macaddr_get(port, &p->mac);
	p->nrxq = (uint16_t)d->rx_queues;
	p->ntxq = (uint16_t)d->tx_queues;
	p->promisc = d->promisc;
	p->kni_lcore = RTE_MAX_LCORE;
	p->mtu = d->mtu;
	if (rte_eth_dev_set_mtu(port, (uint16_t)d->mtu) != 0) {
		uint16_t mtu = 1500;

		rte_eth_dev_get_mtu(port, &mtu);
		LOG_NOTICEX("netif", "%s: cannot set mtu %u; using %u", d->name,
			    d->mtu, mtu);
		p->mtu = mtu;
	}
	if (kif_of_devargs(d->devargs, kif[port], sizeof(kif[port])))
		LOG_INFOX("netif", "%s: link state from kernel interface %s",
			  d->name, kif[port]);
	port_link(port, &p->link_up);
}

static int port_setup(unsigned idx, const struct conf_device *d)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t port;
	int rc;

	rc = probe(d, &port);
	if (rc < 0)
		return rc;
	conf_port[idx] = port;
	rc = rte_eth_dev_info_get(port, &info);
	if (rc < 0)
		return rc;
	if (d->rx_queues > info.max_rx_queues || d->tx_queues > info.max_tx_queues) {
		LOG_ERRX("netif", "%s: %u rx / %u tx queues asked, device has at "
			 "most %u / %u", d->name, d->rx_queues, d->tx_queues,
			 info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	rss_conf(port, d, &info, &conf);
	rc = rte_eth_dev_configure(port, (uint16_t)d->rx_queues,
				   (uint16_t)d->tx_queues, &conf);
	if (rc < 0) {
		LOG_ERRX("netif", "%s: rte_eth_dev_configure: %s", d->name,
			 strerror(-rc));
		return rc;
	}
	rc = setup_queues(port, d);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_start(port);
	if (rc < 0) {
		LOG_ERRX("netif", "%s: rte_eth_dev_start: %s", d->name,
			 strerror(-rc));
		return rc;
	}
	port_record(port, d);
	if (d->promisc && rte_eth_promiscuous_enable(port) != 0)
		LOG_NOTICEX("netif", "%s: promiscuous mode not supported", d->name);
	rte_eth_allmulticast_enable(port);
	LOG_INFOX("netif", "%s: port %u (%s) " RTE_ETHER_ADDR_PRT_FMT
		  " up with %u rx / %u tx queues", d->name, port, d->devargs,
		  RTE_ETHER_ADDR_BYTES(&ports[port].mac), d->rx_queues,
		  d->tx_queues);
	return 0;
}

static unsigned pool_size(const struct dpvs_conf *c, unsigned nlcores)
{
	unsigned n = 4096 + nlcores * MBUF_CACHE * 2 +
		     c->kni_ring_size * (c->nworkers + c->ndevices) +
		     KNI_PRIO_RING_SIZE * c->nworkers +
		     c->nworkers * 32 * c->neigh_queue_len;

	for (uint32_t i = 0; i < c->ndevices; i++)
		n += c->devices[i].rx_queues * c->devices[i].rx_desc +
		     c->devices[i].tx_queues * c->devices[i].tx_desc +
		     c->nworkers * TX_BURST;
	/* A larger pool on request (net_pcap preloads its whole file). */
	return c->mbuf_pool_size > n ? c->mbuf_pool_size : n;
}

uint64_t netif_mem_need(const struct dpvs_conf *c)
{
	return mem_mempool_bytes(pool_size(c, c->nworkers + 1),
				sizeof(struct rte_mbuf) +
				RTE_MBUF_DEFAULT_BUF_SIZE);
}

static void tx_error(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	unsigned lc = (unsigned)(uintptr_t)arg;

	PKT_ADD(lc, tx_dropped, n);
	rte_pktmbuf_free_bulk(pkts, n);
}

static int map_tx(unsigned lc, uint16_t port, uint16_t q)
{
	struct lcore_queues *lq = &lqs[lc];

	lq->txq[port] = q;
	lq->txb[port] = rte_zmalloc_socket("txbuf",
					   RTE_ETH_TX_BUFFER_SIZE(TX_BURST), 0,
					   rte_lcore_to_socket_id(lc));
	if (!lq->txb[port])
		return -ENOMEM;
	rte_eth_tx_buffer_init(lq->txb[port], TX_BURST);
	rte_eth_tx_buffer_set_err_callback(lq->txb[port], tx_error,
					   (void *)(uintptr_t)lc);
	lq->txports[lq->ntxp++] = port;
	if (ports[port].kni_lcore == RTE_MAX_LCORE)
		ports[port].kni_lcore = lc;
	return 0;
}

static int map_queues(const struct dpvs_conf *c)
{
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++)
		for (unsigned p = 0; p < NETIF_MAX_PORTS; p++)
			lqs[lc].txq[p] = -1;
	for (uint32_t w = 0; w < c->nworkers; w++) {
		unsigned lc = c->workers[w].lcore;
		struct lcore_queues *lq = &lqs[lc];

		for (uint32_t m = 0; m < c->workers[w].nmaps; m++) {
			const struct conf_queue_map *qm = &c->workers[w].maps[m];
			uint16_t port = conf_port[qm->port];

			for (uint32_t i = 0; i < qm->nrx; i++) {
				lq->rx[lq->nrx].port = port;
				lq->rx[lq->nrx].queue = qm->rx[i];
				lq->nrx++;
			}
			/* One tx queue per port per lcore is all it uses. */
			if (qm->ntx && map_tx(lc, port, qm->tx[0]) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* A worker that receives must be able to answer on every port. */
static int check_tx_coverage(void)
{
	int rc = 0;

	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		if (lqs[lc].nrx == 0)
			continue;
		for (unsigned p = 0; p < NETIF_MAX_PORTS; p++) {
			if (!ports[p].used || lqs[lc].txq[p] >= 0)
				continue;
			LOG_ERRX("netif", "lcore %u polls rx queues but has no tx "
				 "queue on %s: give it one in workers.lcores", lc,
				 ports[p].name);
			rc = -EINVAL;
		}
	}
	return rc;
}

int netif_init(const struct dpvs_conf *c)
{
	int rc;

	mbuf_pool = rte_pktmbuf_pool_create("mbuf_pool", pool_size(c, rte_lcore_count()),
					    MBUF_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (!mbuf_pool) {
		LOG_ERRX("netif", "cannot create the mbuf pool (%u mbufs): %s",
			 pool_size(c, rte_lcore_count()), rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (c->ndevices == 0)
		LOG_WARNX("netif", "no devices in netif.devices: nothing to forward");
	for (uint32_t i = 0; i < c->ndevices; i++) {
		rc = port_setup(i, &c->devices[i]);
		if (rc < 0)
			return rc;
		nports++;
	}
	rc = map_queues(c);
	return rc < 0 ? rc : check_tx_coverage();
}

void netif_fini(void)
{
	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++) {
		if (!ports[i].used)
			continue;
		rte_eth_dev_stop(i);
		rte_eth_dev_close(i);
	}
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++)
		for (unsigned p = 0; p < NETIF_MAX_PORTS; p++)
			rte_free(lqs[lc].txb[p]);
	memset(ports, 0, sizeof(ports));
	memset(lqs, 0, sizeof(lqs));
	memset(kif, 0, sizeof(kif));
	kif_link_fini();
	nports = 0;
	rte_mempool_free(mbuf_pool);
	mbuf_pool = NULL;
}

unsigned netif_nports(void)
{
	return nports;
}

unsigned netif_lcore_nrxq(unsigned lcore)
{
	return lcore < RTE_MAX_LCORE ? lqs[lcore].nrx : 0;
}

void netif_xmit(unsigned lcore, uint16_t port, struct rte_mbuf *m)
{
	struct lcore_queues *lq = &lqs[lcore];

	if (unlikely(port >= NETIF_MAX_PORTS || lq->txq[port] < 0)) {
		PKT_INC(lcore, tx_no_queue);
		rte_pktmbuf_free(m);
		return;
	}
	PKT_INC(lcore, tx_packets);
	PKT_ADD(lcore, tx_bytes, m->pkt_len);
	rte_eth_tx_buffer(port, (uint16_t)lq->txq[port], lq->txb[port], m);
}

static void flush_tx(unsigned lcore)
{
	struct lcore_queues *lq = &lqs[lcore];

	for (unsigned i = 0; i < lq->ntxp; i++) {
		uint16_t p = lq->txports[i];

		rte_eth_tx_buffer_flush(p, (uint16_t)lq->txq[p], lq->txb[p]);
	}
}

static struct netif_burst_hook burst_hook;

void netif_set_burst_hook(const struct netif_burst_hook *h)
{
	burst_hook = *h;
}

int netif_rx_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();
	const struct lcore_queues *lq = &lqs[lc];
	struct rte_mbuf *pkts[RX_BURST];
	unsigned total = 0;
	uint64_t bytes = 0;

	/* Route and next hop are looked up once per burst, not per packet. */
	neigh_burst_begin(lc);
	route_burst_begin(lc);
	for (unsigned i = 0; i < lq->nrx; i++) {
		uint16_t n = rte_eth_rx_burst(lq->rx[i].port, lq->rx[i].queue,
					      pkts, RX_BURST);

		if (n == 0)
			continue;
		for (uint16_t j = 0; j < n && j < PREFETCH_AHEAD; j++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[j], void *));
		if (burst_hook.begin)
			burst_hook.begin(lc, pkts, n);
		for (uint16_t j = 0; j < n; j++) {
			if (j + PREFETCH_AHEAD < n)
				rte_prefetch0(rte_pktmbuf_mtod(
					pkts[j + PREFETCH_AHEAD], void *));
			if (burst_hook.at)
				burst_hook.at(lc, j);
			bytes += pkts[j]->pkt_len;
			eth_input(lc, pkts[j]);
		}
		if (burst_hook.end)
			burst_hook.end(lc);
		total += n;
	}
	route_burst_end(lc);
	neigh_burst_end(lc);
	if (total) {
		PKT_ADD(lc, rx_packets, total);
		PKT_ADD(lc, rx_bytes, bytes);
		lcore_stat_add(&lcore_stats[lc].rx_packets, total);
	}
	flush_tx(lc);
	return (int)total;
}

int netif_link_job(void *arg __rte_unused)
{
	static uint64_t kif_next;
	uint64_t now = rte_get_tsc_cycles();
	bool ask_kernel = now >= kif_next;

	/* A syscall each: a few times a second is soon enough. */
	if (ask_kernel)
		kif_next = now + rte_get_tsc_hz() / 1000 * KIF_POLL_MS;
	for (unsigned i = 0; i < NETIF_MAX_PORTS; i++) {
		struct netif_port *p = &ports[i];
		bool up;

		if (!p->used || (kif[i][0] && !ask_kernel) ||
		    port_link((uint16_t)i, &up) != 0)
			continue;
		if (up == p->link_up)
			continue;
		p->link_up = up;
		LOG_NOTICEX("netif", "%s: link %s", p->name, up ? "up" : "down");
		kni_link_set(i, up);
	}
	return 0;
}
