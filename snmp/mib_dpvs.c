/*
 * DPVS-MIB (snmp/DPVS-MIB.txt): which column of which table shows what
 * of a snapshot.  Column numbers here and in the MIB must agree; the
 * system test walks every column the MIB defines.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "agent.h"

/* enterprises.99999: a PEN not registered with IANA (see docs/snmp.md). */
#define DPVS_MIB_ROOT 1, 3, 6, 1, 4, 1, 99999
const oid dpvs_mib_root[] = { DPVS_MIB_ROOT };
const size_t dpvs_mib_root_len = OID_LENGTH(dpvs_mib_root);

#define NUM(t, n) (v->type = (t), v->num = (uint64_t)(n), true)
#define C64(n) NUM(ASN_COUNTER64, n)
#define G32(n) NUM(ASN_GAUGE, n)
#define U32(n) NUM(ASN_UNSIGNED, n)
#define INT(n) NUM(ASN_INTEGER, (int64_t)(n))
#define TICKS(n) NUM(ASN_TIMETICKS, n)

static bool str(struct mib_value *v, const char *s)
{
	v->type = ASN_OCTET_STR;
	v->buf = s;
	v->len = strlen(s);
	return true;
}

static bool bytes(struct mib_value *v, const void *p, size_t n, u_char type)
{
	v->type = type;
	v->buf = p;
	v->len = n;
	return true;
}

#define IP(a) bytes(v, &(a), 4, ASN_IPADDRESS)

uint32_t mib_fwd(uint32_t dpvs_fwd)
{
	/* dpvs_fwd's numbers were chosen to be the MIB's. */
	return dpvs_fwd >= DPVS_FWD_FNAT && dpvs_fwd <= DPVS_FWD_TUN ? dpvs_fwd : 6;
}

/* ---- dpvsGlobal: one row (index 0), the snapshot itself ---- */

#define GLOBAL_COLS(X)                                                       \
	X(1, version, s->ok && str(v, s->ver.version))                        \
	X(2, uptime, s->ok && TICKS(s->ver.uptime_ms / 10))                   \
	X(3, workers, s->ok && U32(s->ver.nworkers))                          \
	X(4, pool_size, s->ok && U32(s->ws->conn_pool_size))                  \
	X(5, pool_in_use, s->ok && G32(s->ws->conn_pool_in_use))              \
	X(6, conns, s->ok && G32(s->conns))                                   \
	X(7, conns_created, s->ok && C64(s->conns_created))                   \
	X(8, in_pkts, s->ok && C64(s->rx_pkts))                               \
	X(9, out_pkts, s->ok && C64(s->tx_pkts))                              \
	X(10, in_bytes, s->ok && C64(s->rx_bytes))                            \
	X(11, out_bytes, s->ok && C64(s->tx_bytes))                           \
	X(12, services, s->ok && G32(s->nsvcs))                               \
	X(13, reachable, INT(s->ok ? 1 : 2))

#define GLOBAL_GET(n, name, expr)                                            \
	static bool global_##name(const struct snapshot *s,                   \
				  const void *o __attribute__((unused)),      \
				  struct mib_value *v)                        \
	{                                                                     \
		return expr;                                                  \
	}
GLOBAL_COLS(GLOBAL_GET)

static void global_rows(const struct snapshot *s, struct mib_table *t)
{
	mib_idx_u32(mib_rows_add(t, s), 0);
}

/* ---- dpvsServiceTable ---- */

static bool flag_bits(const struct dpvs_service *sv, struct mib_value *v)
{
	static uint8_t bits;   /* copied by the agent before the next call */

	bits = (uint8_t)((sv->flags & DPVS_SVC_F_PERSISTENT ? 0x80 : 0) |
			 (sv->flags & DPVS_SVC_F_SCHED_FALLBACK ? 0x40 : 0) |
			 (sv->flags & DPVS_SVC_F_SCHED_PORT ? 0x20 : 0) |
			 (sv->flags & DPVS_SVC_F_PROXY_V1 ? 0x10 : 0) |
			 (sv->flags & DPVS_SVC_F_PROXY_V2 ? 0x08 : 0));
	return bytes(v, &bits, 1, ASN_OCTET_STR);
}

#define SVC_COLS(X)                                                          \
	X(4, sched, str(v, sv->sched[0] ? sv->sched : "wlc"))                 \
	X(5, flags, flag_bits(sv, v))                                         \
	X(6, persist_timeout, U32(sv->timeout))                               \
	X(7, persist_netmask, IP(sv->netmask))                                \
	X(8, fwd, INT(e->fwd))                                                \
	X(9, conns, C64(sv->stats.conns))                                     \
	X(10, inpkts, C64(sv->stats.inpkts))                                  \
	X(11, outpkts, C64(sv->stats.outpkts))                                \
	X(12, inbytes, C64(sv->stats.inbytes))                                \
	X(13, outbytes, C64(sv->stats.outbytes))                              \
	X(14, cps, G32(sv->stats.cps))                                        \
	X(15, inpps, G32(sv->stats.inpps))                                    \
	X(16, outpps, G32(sv->stats.outpps))                                  \
	X(17, inbps, G32(sv->stats.inbps))                                    \
	X(18, outbps, G32(sv->stats.outbps))                                  \
	X(19, active, G32(e->active))                                         \
	X(20, inactive, G32(e->inactive))                                     \
	X(21, nrs, G32(e->nrs))                                               \
	X(22, nrs_up, G32(e->nrs_up))                                         \
	X(23, nladdr, G32(e->nladdr))

#define SVC_GET(n, name, expr)                                               \
	static bool svc_##name(const struct snapshot *s, const void *o,       \
			       struct mib_value *v)                           \
	{                                                                     \
		const struct dpvs_service *sv = o;                            \
		const struct svc_extra *e = &s->extra[sv - s->svcs];          \
		(void)e;                                                      \
		return expr;                                                  \
	}
SVC_COLS(SVC_GET)

/* The persistence granularity as InetAddressPrefixLength: dpvs keeps a
 * v4 netmask (network order) and a v6 prefix length (0 for 128). */
static uint32_t persist_plen(const struct dpvs_service *sv)
{
	uint32_t m = ntohl(sv->netmask), n = 0;

	if (sv->af == AF_INET6)
		return sv->netmask && sv->netmask <= 128 ? sv->netmask : 128;
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	return n;
}

static bool svc_persist_plen(const struct snapshot *s __attribute__((unused)),
			     const void *o, struct mib_value *v)
{
	return U32(persist_plen(o));
}

/* The IpAddress-indexed tables (deprecated) keep IPv4 rows only. */
static bool is_v6(uint8_t af)
{
	return af == AF_INET6;
}

static void idx_svc(struct mib_row *r, uint8_t proto, uint32_t vip,
		    uint16_t vport)
{
	mib_idx_u32(r, proto);
	mib_idx_ip(r, vip);
	mib_idx_u32(r, vport);
}

static void idx_svc_inet(struct mib_row *r, uint8_t proto, uint8_t af,
			 uint32_t vip, const struct in6_addr *vip6, uint16_t vport)
{
	mib_idx_u32(r, proto);
	mib_idx_inet(r, af, vip, vip6);
	mib_idx_u32(r, vport);
}

static void svc_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->nsvcs; i++)
		if (!is_v6(s->svcs[i].af))
			idx_svc(mib_rows_add(t, &s->svcs[i]), s->svcs[i].proto,
				s->svcs[i].vip, s->svcs[i].vport);
}

static void svc_inet_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->nsvcs; i++) {
		const struct dpvs_service *sv = &s->svcs[i];

		idx_svc_inet(mib_rows_add(t, sv), sv->proto, sv->af, sv->vip,
			     &sv->vip6, sv->vport);
	}
}

/* ---- dpvsRealServerTable ---- */

#define RS_COLS(X)                                                           \
	X(3, fwd, INT(mib_fwd(d->fwd)))                                       \
	X(4, weight, INT(d->weight))                                          \
	X(5, u_thresh, U32(d->u_thresh))                                      \
	X(6, l_thresh, U32(d->l_thresh))                                      \
	X(7, active, G32(d->activeconns))                                     \
	X(8, inactive, G32(d->inactconns))                                    \
	X(9, persist, G32(d->persistconns))                                   \
	X(10, conns, C64(d->stats.conns))                                     \
	X(11, inpkts, C64(d->stats.inpkts))                                   \
	X(12, outpkts, C64(d->stats.outpkts))                                 \
	X(13, inbytes, C64(d->stats.inbytes))                                 \
	X(14, outbytes, C64(d->stats.outbytes))                               \
	X(15, cps, G32(d->stats.cps))                                         \
	X(16, inpps, G32(d->stats.inpps))                                     \
	X(17, outpps, G32(d->stats.outpps))                                   \
	X(18, inbps, G32(d->stats.inbps))                                     \
	X(19, outbps, G32(d->stats.outbps))

#define RS_GET(n, name, expr)                                                \
	static bool rs_##name(const struct snapshot *s __attribute__((unused)),\
			      const void *o, struct mib_value *v)             \
	{                                                                     \
		const struct dpvs_dest *d = o;                                \
		return expr;                                                  \
	}
RS_COLS(RS_GET)

static void rs_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->ndests; i++) {
		const struct dpvs_dest *d = &s->dests[i];
		struct mib_row *r;

		if (is_v6(d->vaf) || is_v6(d->af))
			continue;
		r = mib_rows_add(t, d);
		idx_svc(r, d->proto, d->vip, d->vport);
		mib_idx_ip(r, d->addr);
		mib_idx_u32(r, d->port);
	}
}

static void rs_inet_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->ndests; i++) {
		const struct dpvs_dest *d = &s->dests[i];
		struct mib_row *r = mib_rows_add(t, d);

		idx_svc_inet(r, d->proto, d->vaf, d->vip, &d->vip6, d->vport);
		mib_idx_inet(r, d->af, d->addr, &d->addr6);
		mib_idx_u32(r, d->port);
	}
}

/* ---- dpvsWorkerTable ---- */

/* The sum of a worker's counters named in the NULL-terminated list. */
static uint64_t wsum(const struct snapshot *s,
		     const struct dpvs_worker_stats *w, ...)
{
	uint64_t sum = 0;
	const char *name;
	va_list ap;

	va_start(ap, w);
	while ((name = va_arg(ap, const char *)))
		sum += dpvs_worker_counter(s->ws, w, name);
	va_end(ap);
	return sum;
}

#define W(...) wsum(s, w, __VA_ARGS__, (const char *)NULL)
#define WORKER_COLS(X)                                                       \
	X(2, lcore, U32(w->lcore_id))                                         \
	X(3, rx_pkts, C64(W("rx_packets")))                                   \
	X(4, rx_bytes, C64(W("rx_bytes")))                                    \
	X(5, tx_pkts, C64(W("tx_packets")))                                   \
	X(6, tx_bytes, C64(W("tx_bytes")))                                    \
	X(7, conns, G32(w->conns))                                            \
	X(8, conns_created, C64(W("ipvs_conn_new")))                          \
	X(9, msgs, C64(w->msgs_handled))                                      \
	X(10, redirected, C64(W("ipvs_handover")))                            \
	X(11, drop_tx, C64(W("tx_dropped", "tx_no_queue")))                   \
	X(12, drop_hdr, C64(W("eth_short", "arp_bad", "ip_bad_hdr",           \
			      "ip_bad_csum", "ip_bad_len", "ipvs_bad_l4")))   \
	X(13, drop_route, C64(W("ip_no_route", "ip_ttl", "ip_not_local")))    \
	X(14, drop_neigh, C64(W("neigh_full", "neigh_timeout")))              \
	X(15, drop_kni, C64(W("kni_up_full", "kni_up_limited",                \
			      "kni_prio_full", "kni_prio_limited",            \
			      "kni_disabled")))                               \
	X(16, drop_no_conn, C64(W("ipvs_no_conn")))                           \
	X(17, drop_conn_full, C64(W("ipvs_conn_full")))                       \
	X(18, drop_no_dest, C64(W("ipvs_no_dest")))                           \
	X(19, drop_no_port, C64(W("ipvs_no_laddr", "ipvs_no_port")))          \
	X(20, drop_handover, C64(W("ipvs_handover_full")))                    \
	X(21, conns_max, G32(w->conns_max))

#define WORKER_GET(n, name, expr)                                            \
	static bool worker_##name(const struct snapshot *s, const void *o,    \
				  struct mib_value *v)                        \
	{                                                                     \
		const struct dpvs_worker_stats *w = o;                        \
		(void)s;                                                      \
		return expr;                                                  \
	}
WORKER_COLS(WORKER_GET)

static void worker_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; s->ok && i < s->ws->nworkers; i++)
		mib_idx_u32(mib_rows_add(t, &s->ws->workers[i]), (uint32_t)i + 1);
}

/* ---- dpvsWorkerCounterTable: a row is one counter of one worker ---- */

static bool wc_find(const struct snapshot *s, const void *o, size_t *ci)
{
	const uint64_t *p = o;

	for (size_t w = 0; w < s->ws->nworkers; w++) {
		const uint64_t *c = s->ws->workers[w].counters;

		if (p >= c && p < c + s->ws->ncounters) {
			*ci = (size_t)(p - c);
			return true;
		}
	}
	return false;
}

static bool wc_name(const struct snapshot *s, const void *o,
		    struct mib_value *v)
{
	size_t ci;

	return wc_find(s, o, &ci) && str(v, s->ws->names[ci]);
}

static bool wc_value(const struct snapshot *s __attribute__((unused)),
		     const void *o, struct mib_value *v)
{
	return C64(*(const uint64_t *)o);
}

static void wc_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t w = 0; s->ok && w < s->ws->nworkers; w++)
		for (size_t c = 0; c < s->ws->ncounters; c++) {
			struct mib_row *r = mib_rows_add(t, &s->ws->workers[w].counters[c]);

			mib_idx_u32(r, (uint32_t)w + 1);
			mib_idx_u32(r, (uint32_t)c + 1);
		}
}

/* ---- dpvsPortTable ---- */

#define PORT_COLS(X)                                                         \
	X(2, name, str(v, l->name))                                           \
	X(3, kni, str(v, l->kni_name))                                        \
	X(4, driver, str(v, l->driver))                                       \
	X(5, mac, bytes(v, l->mac, 6, ASN_OCTET_STR))                         \
	X(6, mtu, U32(l->mtu))                                                \
	X(7, oper, INT(l->flags & DPVS_LINK_UP ? 1 : 2))                      \
	X(8, speed, G32(l->speed_mbps))                                       \
	X(9, ipackets, C64(l->ipackets))                                      \
	X(10, opackets, C64(l->opackets))                                     \
	X(11, ibytes, C64(l->ibytes))                                         \
	X(12, obytes, C64(l->obytes))                                         \
	X(13, ierrors, C64(l->ierrors))                                       \
	X(14, oerrors, C64(l->oerrors))                                       \
	X(15, imissed, C64(l->imissed))                                       \
	X(16, nombuf, C64(l->rx_nombuf))                                      \
	X(17, kni_to, C64(l->kni_to_kernel))                                  \
	X(18, kni_from, C64(l->kni_from_kernel))                              \
	X(19, kni_drop, C64(l->kni_dropped))

#define PORT_GET(n, name, expr)                                              \
	static bool port_##name(const struct snapshot *s __attribute__((unused)),\
				const void *o, struct mib_value *v)           \
	{                                                                     \
		const struct dpvs_link_info *l = o;                           \
		return expr;                                                  \
	}
PORT_COLS(PORT_GET)

static void port_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->nlinks; i++)
		mib_idx_u32(mib_rows_add(t, &s->links[i]), s->links[i].port_id + 1);
}

/* ---- dpvsLocalAddressTable ---- */

#define LADDR_COLS(X)                                                        \
	X(2, ifname, str(v, l->ifname))                                       \
	X(3, conns, C64(l->conns))                                            \
	X(4, in_use, G32(l->ports_total - l->ports_free))                     \
	X(5, free, G32(l->ports_free))

#define LADDR_GET(n, name, expr)                                             \
	static bool laddr_##name(const struct snapshot *s __attribute__((unused)),\
				 const void *o, struct mib_value *v)          \
	{                                                                     \
		const struct dpvs_laddr *l = o;                               \
		return expr;                                                  \
	}
LADDR_COLS(LADDR_GET)

static void laddr_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->nladdrs; i++) {
		const struct dpvs_laddr *l = &s->laddrs[i];
		struct mib_row *r;

		if (is_v6(l->vaf) || is_v6(l->af))
			continue;
		r = mib_rows_add(t, l);
		idx_svc(r, l->proto, l->vip, l->vport);
		mib_idx_ip(r, l->addr);
	}
}

static void laddr_inet_rows(const struct snapshot *s, struct mib_table *t)
{
	for (size_t i = 0; i < s->nladdrs; i++) {
		const struct dpvs_laddr *l = &s->laddrs[i];
		struct mib_row *r = mib_rows_add(t, l);

		idx_svc_inet(r, l->proto, l->vaf, l->vip, &l->vip6, l->vport);
		mib_idx_inet(r, l->af, l->addr, &l->addr6);
	}
}

/* ---- dpvsSync: one row (index 0), HA connection sync and the lease ---- */

/*
 * The records not installed: port_busy and dir_full ones are installed
 * all the same (without the port's reservation, outside the directory).
 */
static uint64_t refused_sum(const struct dpvs_sync_counters *c)
{
	return c->no_service + c->no_dest + c->no_laddr + c->clash + c->full;
}

/* Network order, as IpAddress wants. */
static uint32_t sync_group_of(const struct dpvs_sync_state *y)
{
	return htonl(y->roles && !y->conf.peer ? y->conf.group : 0);
}

static uint32_t sync_peer_of(const struct dpvs_sync_state *y)
{
	return htonl(y->conf.peer);
}

#define SYNC_COLS(X)                                                         \
	X(1, role, Y && INT(s->sync.roles & 3))                               \
	X(2, bulk, Y && INT(s->sync.bulk))                                    \
	X(3, syncid, Y && U32(s->sync.conf.syncid))                           \
	X(4, iface, Y && str(v, s->sync.conf.ifname))                         \
	X(5, group, Y && ip_of(v, sync_group_of(&s->sync)))                   \
	X(6, peer, Y && ip_of(v, sync_peer_of(&s->sync)))                     \
	X(7, port, Y && U32(s->sync.conf.port))                               \
	X(8, last_rx, Y && U32(s->sync.last_rx_ms > UINT32_MAX ? UINT32_MAX : \
			       s->sync.last_rx_ms))                           \
	X(9, key_fp, Y && str(v, s->sync.key_fp))                             \
	X(10, conns, Y && G32(s->sync.synced_conns))                          \
	X(11, tx_msgs, Y && C64(s->sync.c.tx_msgs))                           \
	X(12, tx_conns, Y && C64(s->sync.c.tx_conns))                         \
	X(13, tx_bytes, Y && C64(s->sync.c.tx_bytes))                         \
	X(14, tx_dropped, Y && C64(s->sync.c.tx_dropped))                     \
	X(15, rx_msgs, Y && C64(s->sync.c.rx_msgs))                           \
	X(16, rx_conns, Y && C64(s->sync.c.rx_conns))                         \
	X(17, rx_bytes, Y && C64(s->sync.c.rx_bytes))                         \
	X(18, rx_dropped, Y && C64(s->sync.c.rx_dropped))                     \
	X(19, rx_bad, Y && C64(s->sync.c.rx_bad))                             \
	X(20, rx_other_id, Y && C64(s->sync.c.rx_other_id))                   \
	X(21, rx_auth, Y && C64(s->sync.c.rx_auth_failed))                    \
	X(22, rx_replayed, Y && C64(s->sync.c.rx_replayed))                   \
	X(23, rx_stale, Y && C64(s->sync.c.rx_stale))                         \
	X(24, refused, Y && C64(refused_sum(&s->sync.c)))                    \
	X(25, installed, Y && C64(s->sync.c.installed))                       \
	X(26, bulk_sent, Y && C64(s->sync.c.bulk_sent))                       \
	X(27, bulk_received, Y && C64(s->sync.c.bulk_received))               \
	X(28, lease_held, H && INT(s->ha.held ? 1 : 2))                       \
	X(29, lease_left, H && U32(s->ha.ms_left))                            \
	X(30, lease_lost, H && C64(s->ha.lost))

static bool ip_of(struct mib_value *v, uint32_t a)
{
	static uint32_t copy;   /* copied by the agent before the next call */

	copy = a;
	return bytes(v, &copy, 4, ASN_IPADDRESS);
}

#define Y (s->ok && s->have_sync)
#define H (s->ok && s->have_ha)
#define SYNC_GET(n, name, expr)                                              \
	static bool sync_##name(const struct snapshot *s,                     \
				const void *o __attribute__((unused)),        \
				struct mib_value *v)                          \
	{                                                                     \
		return expr;                                                  \
	}
SYNC_COLS(SYNC_GET)
#undef Y
#undef H

/* ---- the tables ---- */

#define COL(n, name, expr) { n, PREFIX(name) },
#define PREFIX(name) global_##name
static const struct mib_column global_cols[] = { GLOBAL_COLS(COL) };
#undef PREFIX
#define PREFIX(name) svc_##name
static const struct mib_column svc_cols[] = { SVC_COLS(COL) };
#undef PREFIX
#define PREFIX(name) rs_##name
static const struct mib_column rs_cols[] = { RS_COLS(COL) };
#undef PREFIX
#define PREFIX(name) worker_##name
static const struct mib_column worker_cols[] = { WORKER_COLS(COL) };
#undef PREFIX
#define PREFIX(name) port_##name
static const struct mib_column port_cols[] = { PORT_COLS(COL) };
#undef PREFIX
#define PREFIX(name) laddr_##name
static const struct mib_column laddr_cols[] = { LADDR_COLS(COL) };
#undef PREFIX
#define PREFIX(name) sync_##name
static const struct mib_column sync_cols[] = { SYNC_COLS(COL) };
#undef PREFIX
static const struct mib_column wc_cols[] = { { 2, wc_name }, { 3, wc_value } };

/*
 * The Inet tables show the same columns as the IpAddress ones, one
 * further on (their index has one more column), but the persistence
 * netmask, which becomes a prefix length.
 */
#define INET_COL(n, name, expr) { n + 1, PREFIX(name) },
#define svc_persist_netmask svc_persist_plen
#define PREFIX(name) svc_##name
static const struct mib_column svc_inet_cols[] = { SVC_COLS(INET_COL) };
#undef PREFIX
#undef svc_persist_netmask
#define PREFIX(name) rs_##name
static const struct mib_column rs_inet_cols[] = { RS_COLS(INET_COL) };
#undef PREFIX
#define PREFIX(name) laddr_##name
static const struct mib_column laddr_inet_cols[] = { LADDR_COLS(INET_COL) };
#undef PREFIX

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
/* dpvsObjects.sub.1 (xxxEntry); the scalars sit at dpvsObjects.1. */
#define TABLE(nm, sub, c, r)                                                 \
	{ .name = nm, .root = { DPVS_MIB_ROOT, 1, sub, 1 },                   \
	  .root_len = dpvs_root_n + 3, .cols = c, .ncols = NCOLS(c), .rows = r }
enum { dpvs_root_n = NCOLS(dpvs_mib_root) };

static struct mib_table tables[] = {
	{ .name = "dpvsGlobal", .root = { DPVS_MIB_ROOT, 1, 1 },
	  .root_len = dpvs_root_n + 2, .cols = global_cols,
	  .ncols = NCOLS(global_cols), .rows = global_rows },
	TABLE("dpvsServiceTable", 2, svc_cols, svc_rows),
	TABLE("dpvsRealServerTable", 3, rs_cols, rs_rows),
	TABLE("dpvsWorkerTable", 4, worker_cols, worker_rows),
	TABLE("dpvsWorkerCounterTable", 5, wc_cols, wc_rows),
	TABLE("dpvsPortTable", 6, port_cols, port_rows),
	TABLE("dpvsLocalAddressTable", 7, laddr_cols, laddr_rows),
	{ .name = "dpvsSync", .root = { DPVS_MIB_ROOT, 1, 8 },
	  .root_len = dpvs_root_n + 2, .cols = sync_cols,
	  .ncols = NCOLS(sync_cols), .rows = global_rows },
	TABLE("dpvsServiceInetTable", 9, svc_inet_cols, svc_inet_rows),
	TABLE("dpvsRealServerInetTable", 10, rs_inet_cols, rs_inet_rows),
	TABLE("dpvsLocalAddressInetTable", 11, laddr_inet_cols, laddr_inet_rows),
};

int mib_dpvs_register(void)
{
	for (size_t i = 0; i < NCOLS(tables); i++)
		if (mib_table_register(&tables[i]) < 0) {
			snmp_log(LOG_ERR, "dpvs-snmp: cannot register %s\n",
				 tables[i].name);
			return -1;
		}
	return 0;
}

void mib_dpvs_fini(void)
{
	for (size_t i = 0; i < NCOLS(tables); i++)
		mib_table_free(&tables[i]);
}
