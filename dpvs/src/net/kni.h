/*
 * The kernel exception path.  Every port gets a TAP device in the kernel
 * (<port>.kni) with the port's MAC.  What the data plane does not consume
 * goes up: workers put it on their own bounded rings, the master writes it
 * to the TAP.  What the appliance depends on (kni_class.h) has a ring and
 * budgets of its own, drained first, so no flood of the rest starves it.  What the kernel sends on the TAP comes down: the master
 * reads it and hands it to the port's kni worker, which owns a tx queue.
 */
#ifndef DPVS_KNI_H
#define DPVS_KNI_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "core/conf.h"

int kni_init(const struct dpvs_conf *c);
void kni_fini(void);
/* Puts kni.rate_limit_pps and kni.priority_rate_pps into effect. */
void kni_set_rates(const struct dpvs_conf *c);

/* Slots of each worker's priority ring. */
#define KNI_PRIO_RING_SIZE 512

/* Worker: hands m (starting at its ethernet header) to the kernel. */
void kni_up(unsigned lcore, struct rte_mbuf *m);
/* Master: sends m out of its port (m->port) through the kni worker. */
int kni_send(struct rte_mbuf *m);
void kni_link_set(uint16_t port, bool up);

/* Master loop job: moves packets between rings and TAPs. */
int kni_master_job(void *arg);
/* Worker loop job: transmits what the kernel sent. */
int kni_worker_job(void *arg);

struct kni_port_stats {
	uint64_t to_kernel;
	uint64_t from_kernel;
	uint64_t dropped;
};
void kni_stats(uint16_t port, struct kni_port_stats *out);

#endif
