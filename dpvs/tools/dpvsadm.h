/*
 * dpvsadm's modules, apart from the parser (dpvsadm_parse.h):
 *   dpvsadm.c        main, the table of commands, errors
 *   dpvsadm_edit.c   -E and -e
 *   dpvsadm_usage.c  --help
 *   dpvsadm_print.c  formatting: addresses, listings (stdout only)
 *   dpvsadm_table.c  the table as dpvs has it, fetched and sorted
 *   dpvsadm_list.c   -L and -G
 *   dpvsadm_save.c   -S and -R
 */
#ifndef DPVS_DPVSADM_H
#define DPVS_DPVSADM_H

#include <arpa/inet.h>
#include <stdio.h>

#include "dpvsadm_parse.h"

void usage(FILE *out);

/* ---- errors (dpvsadm.c) ---- */

/* The input line -R is applying (messages name it), 0 otherwise. */
extern unsigned long restore_line;
/* "dpvsadm: [restore: line N: ]MESSAGE" on stderr; returns 1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rc's message as "WHAT: MESSAGE"; 0 if rc is DPVS_OK, else 1. */
int report(struct dpvs_handle *h, int rc, const char *what);
/* The outcome of c's request, said as ipvsadm says it. */
int report_cmd(struct dpvs_handle *h, const struct cmd *c, int rc);
int connect_dpvs(const char *ipc, struct dpvs_handle **h);
/* Carries out c (any command but -R and -h) on h; the exit status. */
int run(struct dpvs_handle *h, const struct cmd *c);

/* ---- formatting (dpvsadm_print.c) ---- */

/* An address of a record: its family and both of its fields. */
struct ip_ref {
	uint8_t af;                /* AF_INET (or 0) or AF_INET6 */
	uint32_t v4;               /* network order */
	const struct in6_addr *v6;
};

#define SVC_IP(s) ((struct ip_ref){ (s)->af, (s)->vip, &(s)->vip6 })
#define VIP_OF(x) ((struct ip_ref){ (x)->vaf, (x)->vip, &(x)->vip6 })
#define DEST_IP(d) ((struct ip_ref){ (d)->af, (d)->addr, &(d)->addr6 })
#define LADDR_IP(l) ((struct ip_ref){ (l)->af, (l)->addr, &(l)->addr6 })

#define IP_LEN INET6_ADDRSTRLEN
#define ADDRPORT_LEN (IP_LEN + 8)        /* "[ADDR6]:65535" */
#define SVC_NAME_LEN (4 + ADDRPORT_LEN)  /* "TCP 10.0.0.100:80" */

const char *proto_name(uint8_t proto);
const char *proto_switch(uint8_t proto);
/* "10.0.0.1", "2001:db8::1" */
const char *fmt_ip(struct ip_ref a, char buf[IP_LEN]);
/* "10.0.0.1:80", "[2001:db8::1]:80" (what -t, -r read back) */
const char *fmt_addrport(struct ip_ref a, uint16_t port,
			 char buf[ADDRPORT_LEN]);
/* A persistence granularity as -M reads it: A.B.C.D, or IPv6's length. */
const char *fmt_mask(const struct dpvs_service *s, char buf[IP_LEN]);
/* Whether s has one (not one client per address). */
bool has_mask(const struct dpvs_service *s);
const char *fmt_svc(const struct dpvs_service *s, char buf[SVC_NAME_LEN]);
/* "-g", "-m"...: the switch that gives forwarding mode fwd. */
char fwd_flag(uint32_t fwd);
/* "sh-fallback,sh-port" as the scheduler calls them. */
const char *fmt_sched_flags(const char *sched, uint32_t flags, char buf[32]);

enum list_fmt { FMT_PLAIN, FMT_STATS, FMT_RATE, FMT_THRESH, FMT_PCONN };

struct out {
	enum list_fmt fmt;
	bool exact;
	bool sort;
};

struct out out_of(const struct cmd *c);
void print_title(const struct out *o);
void print_service(const struct dpvs_service *s, const struct out *o);
void print_dest(const struct dpvs_dest *d, const struct out *o);
void print_conn(const struct dpvs_conn *x);
void print_laddr_title(void);
void print_laddrs_of(const struct dpvs_service *s,
		     const struct dpvs_laddr *l, size_t nl);

/* ---- the table (dpvsadm_table.c) ---- */

/*
 * Services and dests in ipvsadm's order: protocol, address (IPv4 before
 * IPv6), port.
 */
int cmp_key(uint8_t p1, struct ip_ref a1, uint16_t port1, uint8_t p2,
	    struct ip_ref a2, uint16_t port2);
int cmp_svc(const void *a, const void *b);

/* A dest with its position in the daemon's answer (for --nosort). */
struct dref {
	const struct dpvs_dest *d;
	size_t idx;
};

int cmp_dref_sorted(const void *a, const void *b);

/* The whole table as it stands: services and every dest, grouped. */
struct table {
	struct dpvs_service *svcs;
	size_t nsvcs;
	struct dpvs_dest *dests;
	size_t ndests;
	struct dref *refs;     /* dests by service key */
};

int table_get(struct dpvs_handle *h, bool sort, struct table *t,
	      const char *what);
void table_free(struct table *t);
/* The first dest of service s in t->refs, and how many there are. */
size_t table_dests(const struct table *t, const struct dpvs_service *s,
		   size_t *first);
/* Whether dpvs has the service key (true if that cannot be told). */
bool svc_exists(struct dpvs_handle *h, const struct dpvs_service *key);
/* Finds the service with c's key in the daemon's list. */
int find_service(struct dpvs_handle *h, const struct cmd *c,
		 const char *what, struct dpvs_service *out);

/* ---- commands (dpvsadm_edit.c, dpvsadm_list.c, dpvsadm_save.c) ---- */

int cmd_edit_service(struct dpvs_handle *h, const struct cmd *c);
int cmd_edit_dest(struct dpvs_handle *h, const struct cmd *c);
int cmd_list(struct dpvs_handle *h, const struct cmd *c);
int cmd_get_laddr(struct dpvs_handle *h, const struct cmd *c);
int cmd_save(struct dpvs_handle *h, const struct cmd *c);
int cmd_restore(const struct cmd *rc_cmd);

#endif
