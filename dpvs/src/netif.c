/* Port probing, queue setup and the worker rx job. */
#include "netif.h"

#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "lcore.h"
#include "log.h"

#define RX_BURST 32
#define MBUF_CACHE 256

struct rxq_ref {
	uint16_t port;
	uint16_t queue;
};

/* The queues one lcore polls; written before launch, read-only after. */
struct lcore_queues {
	unsigned nrx;
	struct rxq_ref rx[CONF_MAX_DEVICES * CONF_MAX_QUEUES];
} __rte_cache_aligned;

static struct lcore_queues lqs[RTE_MAX_LCORE];
static uint16_t port_ids[CONF_MAX_DEVICES];
static bool port_started[CONF_MAX_DEVICES];
static unsigned nports;
static struct rte_mempool *mbuf_pool;

static int probe(const struct conf_device *d, uint16_t *port)
{
	char name[CONF_DEVARGS_LEN];
	char *comma;
	int rc;

	snprintf(name, sizeof(name), "%s", d->devargs);
	comma = strchr(name, ',');
	if (comma)
		*comma = '\0';
	/* Already there if the EAL command line created it. */
	if (rte_eth_dev_get_port_by_name(name, port) == 0)
		return 0;
	rc = rte_dev_probe(d->devargs);
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

static int port_setup(unsigned idx, const struct conf_device *d)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t port;
	int rc;

	rc = probe(d, &port);
	if (rc < 0)
		return rc;
	port_ids[idx] = port;
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
	port_started[idx] = true;
	if (d->promisc && rte_eth_promiscuous_enable(port) != 0)
		LOG_NOTICEX("netif", "%s: promiscuous mode not supported", d->name);
	LOG_INFOX("netif", "%s: port %u (%s) up with %u rx / %u tx queues",
		  d->name, port, d->devargs, d->rx_queues, d->tx_queues);
	return 0;
}

static unsigned pool_size(const struct dpvs_conf *c)
{
	unsigned n = 1024 + rte_lcore_count() * MBUF_CACHE * 2;

	for (uint32_t i = 0; i < c->ndevices; i++)
		n += c->devices[i].rx_queues * c->devices[i].rx_desc +
		     c->devices[i].tx_queues * c->devices[i].tx_desc;
	return n;
}

static void map_queues(const struct dpvs_conf *c)
{
	for (uint32_t w = 0; w < c->nworkers; w++) {
		struct lcore_queues *lq = &lqs[c->workers[w].lcore];

		for (uint32_t m = 0; m < c->workers[w].nmaps; m++) {
			const struct conf_queue_map *qm = &c->workers[w].maps[m];

			for (uint32_t i = 0; i < qm->nrx; i++) {
				lq->rx[lq->nrx].port = port_ids[qm->port];
				lq->rx[lq->nrx].queue = qm->rx[i];
				lq->nrx++;
			}
		}
	}
}

int netif_init(const struct dpvs_conf *c)
{
	int rc;

	if (c->ndevices == 0) {
		LOG_WARNX("netif", "no devices in netif.devices: nothing to forward");
		return 0;
	}
	mbuf_pool = rte_pktmbuf_pool_create("mbuf_pool", pool_size(c),
					    MBUF_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (!mbuf_pool) {
		LOG_ERRX("netif", "cannot create the mbuf pool (%u mbufs): %s",
			 pool_size(c), rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < c->ndevices; i++) {
		rc = port_setup(i, &c->devices[i]);
		if (rc < 0)
			return rc;
		nports++;
	}
	map_queues(c);
	return 0;
}

void netif_fini(void)
{
	for (unsigned i = 0; i < nports; i++) {
		if (port_started[i])
			rte_eth_dev_stop(port_ids[i]);
		rte_eth_dev_close(port_ids[i]);
		port_started[i] = false;
	}
	nports = 0;
	memset(lqs, 0, sizeof(lqs));
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

int netif_rx_job(void *arg __rte_unused)
{
	unsigned id = rte_lcore_id();
	const struct lcore_queues *lq = &lqs[id];
	struct rte_mbuf *pkts[RX_BURST];
	unsigned total = 0;

	for (unsigned i = 0; i < lq->nrx; i++) {
		uint16_t n = rte_eth_rx_burst(lq->rx[i].port, lq->rx[i].queue,
					      pkts, RX_BURST);

		if (n == 0)
			continue;
		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
	}
	if (total)
		lcore_stat_add(&lcore_stats[id].rx_packets, total);
	return (int)total;
}
