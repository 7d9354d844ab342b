/*
 * Quiescent-state RCU for shared, read-mostly tables (routes with the
 * local addresses, neighbours, the service table and its snapshots,
 * persistence templates, the NAT reply registry).  Workers read without locks and report a
 * quiescent state once per loop; while they sleep they are offline, so a
 * writer (the master) never waits for a sleeping worker.
 */
#ifndef DPVS_RCU_H
#define DPVS_RCU_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

int rcu_init(void);
void rcu_fini(void);
struct rte_rcu_qsbr *rcu_qsbr(void);
/* Worker side. */
void rcu_register(unsigned lcore);
void rcu_unregister(unsigned lcore);
void rcu_online(unsigned lcore);
void rcu_offline(unsigned lcore);
void rcu_quiescent(unsigned lcore);
/* Master: returns once every reader has passed a quiescent state. */
void rcu_synchronize(void);
/*
 * Master, without waiting: a token now, and whether every reader has
 * passed a quiescent state since it was taken (wait: until they have).
 */
uint64_t rcu_token(void);
bool rcu_passed(uint64_t token, bool wait);

#endif
