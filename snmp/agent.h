/*
 * dpvs-snmp: the AgentX subagent serving DPVS-MIB.
 *
 * snapshot.c reads dpvs through libdpvs into one immutable snapshot;
 * mibtable.c answers GET/GETNEXT over tables of sorted rows built from
 * it; mib_dpvs.c says what the tables of DPVS-MIB hold; notify.c sends
 * notifications on what changed between two snapshots.
 */
#ifndef DPVS_SNMP_AGENT_H
#define DPVS_SNMP_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "libdpvs.h"

/* ---- snapshot.c ---- */

/* What the tables need of a service beyond dpvs's own record. */
struct svc_extra {
	uint32_t active, inactive;  /* sums over its real servers */
	uint32_t nrs, nrs_up;       /* real servers, with weight > 0 */
	uint32_t nladdr;
	uint32_t fwd;               /* DPVS-MIB dpvsSvcFwdMethod */
};

struct snapshot {
	bool ok;                    /* dpvs answered every call */
	uint64_t gen;               /* bumps at every refresh */
	uint64_t taken_ms;          /* monotonic */
	struct dpvs_version_info ver;
	struct dpvs_worker_stats_set *ws;
	struct dpvs_link_info *links;
	size_t nlinks;
	/* Sorted by (proto, family, vip, vport[, family, addr, port]). */
	struct dpvs_service *svcs;
	struct svc_extra *extra;    /* parallel to svcs */
	size_t nsvcs;
	struct dpvs_dest *dests;
	size_t ndests;
	struct dpvs_laddr *laddrs;
	size_t nladdrs;
	/* Sums over the workers. */
	uint64_t conns, conns_created, rx_pkts, tx_pkts, rx_bytes, tx_bytes;
	/* HA (dpvsSync): false when this dpvs has no sync or lease ops. */
	bool have_sync, have_ha;
	struct dpvs_sync_state sync;
	struct dpvs_ha_state ha;
};

struct snap_params {
	const char *ipc;            /* dpvs control socket */
	unsigned cache_ms;          /* serve a snapshot this long */
	int timeout_ms;             /* per libdpvs call */
};

void snapshot_init(const struct snap_params *p);
void snapshot_fini(void);
/* The current snapshot, refreshed first when older than the cache time. */
const struct snapshot *snapshot_get(void);
/* Refreshes now (the poll timer). */
const struct snapshot *snapshot_refresh(void);
uint64_t now_ms(void);

/* ---- mibtable.c ---- */

/* The longest index: dpvsRealServerInetTable's, 4 + 2 x (1 + 1 + 16) + 1. */
#define MIB_IDX_MAX 40

struct mib_value {
	u_char type;                /* ASN_* */
	uint64_t num;               /* integers, gauges, counters, ticks */
	const void *buf;            /* strings, IpAddress (network order), BITS */
	size_t len;
};

struct mib_row {
	const void *obj;
	size_t idxlen;
	oid idx[MIB_IDX_MAX];
};

/* false: this row has no such column now (noSuchInstance). */
typedef bool (*mib_get_fn)(const struct snapshot *s, const void *obj,
			   struct mib_value *v);

struct mib_column {
	oid sub;                    /* column number, ascending */
	mib_get_fn get;
};

struct mib_table {
	const char *name;
	oid root[MAX_OID_LEN];      /* xxxEntry, or the scalars' group */
	size_t root_len;
	const struct mib_column *cols;
	size_t ncols;
	/* Appends every row of s with mib_rows_add; order does not matter. */
	void (*rows)(const struct snapshot *s, struct mib_table *t);
	/* private: rows of snapshot gen, sorted by index */
	struct mib_row *row;
	size_t nrow, cap;
	uint64_t gen;
	bool built;
};

int mib_table_register(struct mib_table *t);
void mib_table_free(struct mib_table *t);
struct mib_row *mib_rows_add(struct mib_table *t, const void *obj);
/* Index helpers: append to r->idx. */
void mib_idx_u32(struct mib_row *r, uint32_t v);
void mib_idx_ip(struct mib_row *r, uint32_t addr_net);
/* InetAddressType then InetAddress, length-prefixed (RFC 4001 4.1):
 * 1.4.a.b.c.d for AF_INET (addr_net), 2.16.<16 bytes> for AF_INET6. */
void mib_idx_inet(struct mib_row *r, uint8_t af, uint32_t addr_net,
		  const struct in6_addr *addr6);

/* ---- mib_dpvs.c ---- */

extern const oid dpvs_mib_root[];
extern const size_t dpvs_mib_root_len;
int mib_dpvs_register(void);
void mib_dpvs_fini(void);
/* FullNAT etc. to dpvsRsFwdMethod values (the same numbers). */
uint32_t mib_fwd(uint32_t dpvs_fwd);

/* ---- notify.c ---- */

struct notify_params {
	unsigned pool_alarm_pct;    /* dpvsConnPoolFull above this */
};

void notify_init(const struct notify_params *p);
/* Compares s with the previous snapshot seen and sends what changed. */
void notify_check(const struct snapshot *s);

#endif
