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

#define ADDRPORT_LEN (INET_ADDRSTRLEN + 6)
#define SVC_NAME_LEN (4 + ADDRPORT_LEN)  /* "TCP 10.0.0.100:80" */

const char *proto_name(uint8_t proto);
const char *proto_switch(uint8_t proto);
const char *fmt_ip(uint32_t addr_net, char buf[INET_ADDRSTRLEN]);
const char *fmt_addrport(uint32_t addr_net, uint16_t port,
			 char buf[ADDRPORT_LEN]);
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

/* Services and dests in ipvsadm's order: protocol, address, port. */
int cmp_key(uint8_t p1, uint32_t a1, uint16_t port1, uint8_t p2,
	    uint32_t a2, uint16_t port2);
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
