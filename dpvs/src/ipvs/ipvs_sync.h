/*
 * Connection sync, the data plane's side (docs/ha.md).  On the MASTER
 * the owning worker writes a record into its own ring when a conn
 * becomes worth saving (ESTABLISHED, a later state change, UDP past the
 * threshold, a refresh); the master lcore drains the rings and sends.
 * On the BACKUP the master lcore posts each authenticated record to the
 * worker that will own the conn, which installs it in its own table.
 * Nothing is shared between workers but the sync directory (client
 * tuple -> owner), so nothing locks.
 */
#ifndef DPVS_IPVS_SYNC_H
#define DPVS_IPVS_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "net/inet_addr.h"

struct dpvs_conf;
struct ipvs_conn;

#define IPVS_SYNC_MASTER 0x1
#define IPVS_SYNC_BACKUP 0x2

#define IPVS_SYNC_CONN 1    /* rtype */
#define IPVS_SYNC_TMPL 2    /* a persistence template */
#define IPVS_SYNC_CONN6 3   /* a v6 or NAT64 conn: datagram v2 only */
#define IPVS_SYNC_TMPL6 4   /* a v6 or NAT64 service's template: v2 only */

#define IPVS_SYNC_AF4 4     /* the record's family numbers (as wire v5's) */
#define IPVS_SYNC_AF6 6

#define IPVS_SYNC_F_BULK     0x1   /* part of a bulk answer */
#define IPVS_SYNC_F_INACTIVE 0x2   /* not yet ESTABLISHED */
#define IPVS_SYNC_F_PP       0x4   /* PROXY header: reserved is its isn1
				    * (records of both versions) */

/*
 * One record, host order: exactly what the message carries (40 bytes).
 * fwd is enum ipvs_fwd and state the protocol state (ipvs_proto.h), the
 * data plane's numbers: the message's version names them.
 */
struct ipvs_sync_rec {
	uint8_t rtype;
	uint8_t proto;
	uint8_t fwd;
	uint8_t state;
	uint16_t flags;
	uint16_t widx;             /* the sender's owning worker */
	uint32_t caddr, vaddr, laddr, daddr;   /* laddr 0 unless FullNAT */
	uint16_t cport, vport, lport, dport;   /* lport 0 unless FullNAT */
	uint32_t timeout_s;        /* seconds left on the sender */
	uint32_t reserved;         /* IPVS_SYNC_F_PP: the client's isn1 */
};

/*
 * A v6 or NAT64 conn (datagram v2, 92 bytes on the wire).  caf is the
 * client and VIP side's family, daf the local address and server side's:
 * both 6, or 6 and 4 for NAT64.  xmit is enum ipvs_xmit_id.  A v4
 * address is in4 (host order) with the rest of the union zero.
 * IPVS_SYNC_TMPL6 pins the client's prefix (caddr, masked by the peer's
 * own -M length) of service vaddr:vport to daddr:dport for timeout_s;
 * its state, laddr and lport are 0.
 */
struct ipvs_sync_rec6 {
	uint8_t rtype;             /* IPVS_SYNC_CONN6 */
	uint8_t proto;
	uint8_t xmit;
	uint8_t state;
	uint16_t flags;
	uint16_t widx;
	uint8_t caf, daf;
	union inet_addr caddr, vaddr, laddr, daddr;   /* laddr 0 unless FullNAT */
	uint16_t cport, vport, lport, dport;
	uint32_t timeout_s;
	uint32_t reserved;         /* IPVS_SYNC_F_PP: the client's isn1 */
};

struct ipvs_sync_params {
	uint16_t threshold[2];     /* UDP: at packet [0], then every [1] */
	uint32_t refresh_s;        /* resend a live conn at most this often */
	bool embryonic;            /* also send TCP conns at their SYN */
	bool backup_only;          /* BACKUP without MASTER: no new conns */
};

/* What the workers counted (summed over them). */
struct ipvs_sync_stats {
	uint64_t out_ring_full;    /* records the producer could not queue */
	uint64_t in_ring_full;     /* records ipvs_sync_post could not queue */
	uint64_t processed;        /* records the installers took off their rings */
	uint64_t installed, updated, replaced;   /* installed: conns and templates */
	uint64_t no_service, no_dest, no_laddr, port_busy, clash, full, dir_full;
	uint64_t handover;         /* client packets sent to a synced conn's owner */
	uint64_t backup_only;      /* new conns refused by sync.backup_only */
	uint32_t synced_conns;     /* live conns installed from sync */
};

/* ipvs_init: the rings (sync.ring_size); the directory on first start. */
int ipvs_sync_init(const struct dpvs_conf *c);
void ipvs_sync_fini(void);

/* Master lcore.  Roles are flags: producing needs MASTER, installing BACKUP. */
void ipvs_sync_set_roles(unsigned roles);
unsigned ipvs_sync_roles(void);
void ipvs_sync_set_params(const struct ipvs_sync_params *p);
/* Takes up to max records worker w produced. */
unsigned ipvs_sync_drain(unsigned w, struct ipvs_sync_rec *out, unsigned max);
/*
 * Queues r for the worker that will own it (sender_nw: the sender's
 * worker count, for the owner guess).  0, or -ENOBUFS (that worker's
 * ring is full: counted) or -EINVAL (a record no worker can own).
 */
int ipvs_sync_post(const struct ipvs_sync_rec *r, unsigned sender_nw);
/* A conn as a record (the bulk walk, on the master: a racy read is fine). */
void ipvs_sync_rec_of(const struct ipvs_conn *c, struct ipvs_sync_rec *r);
/*
 * The same for v6 and NAT64 conns (ipvs_sync_is_v6()), their own rings:
 * made with ipv6.enable only, so a v4-only LB pays nothing for them.
 */
bool ipvs_sync_is_v6(const struct ipvs_conn *c);
void ipvs_sync_rec6_of(const struct ipvs_conn *c, struct ipvs_sync_rec6 *r);
unsigned ipvs_sync_drain6(unsigned w, struct ipvs_sync_rec6 *out, unsigned max);
int ipvs_sync_post6(const struct ipvs_sync_rec6 *r, unsigned sender_nw);
void ipvs_sync_stats(struct ipvs_sync_stats *out);
void ipvs_sync_stats_reset(void);
/*
 * Master, for `dpvsctl resources`: records waiting in every worker's
 * rings (both ways) and their room; client tuples in the sync directory
 * and its size (0 until the first BACKUP start).
 */
void ipvs_sync_ring_usage(uint32_t *used, uint32_t *size);
void ipvs_sync_dir_usage(uint32_t *used, uint32_t *size);

/* Worker loop job: installs what the master posted. */
int ipvs_sync_in_job(void *arg);

#endif
