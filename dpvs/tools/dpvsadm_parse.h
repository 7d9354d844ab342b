/*
 * dpvsadm's command line: argv (or a line of -R's input) into a struct
 * cmd, checked against ipvsadm's rules and the limits of libdpvs.h.
 * Pure: no I/O, no call to the daemon, so that a usage error exits 2
 * whether or not dpvs runs, and the parser is unit-tested alone
 * (dpvs/tests/unit/test_dpvsadm_parse.c).
 */
#ifndef DPVS_DPVSADM_PARSE_H
#define DPVS_DPVSADM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libdpvs.h"

#define ALL_ONES 0xffffffffu
#define SCHED_FLAGS (DPVS_SVC_F_SCHED_FALLBACK | DPVS_SVC_F_SCHED_PORT)
#define PROXY_FLAGS (DPVS_SVC_F_PROXY_V1 | DPVS_SVC_F_PROXY_V2)

enum cmd_id {
	CMD_NONE,
	CMD_ADD,
	CMD_EDIT,
	CMD_DEL,
	CMD_FLUSH,
	CMD_LIST,
	CMD_SAVE,
	CMD_ZERO,
	CMD_ADDDEST,
	CMD_EDITDEST,
	CMD_DELDEST,
	CMD_SET,
	CMD_ADDLADDR,
	CMD_DELLADDR,
	CMD_GETLADDR,
	CMD_RESTORE,
	CMD_HELP,
	CMD_COUNT
};

/* Options that can be given once each; bit numbers. */
enum opt_id {
	OPT_SERVICE,
	OPT_SCHED,
	OPT_PERSIST,
	OPT_NETMASK,
	OPT_SCHED_FLAGS,
	OPT_SERVER,
	OPT_FWD,
	OPT_WEIGHT,
	OPT_UTHRESH,
	OPT_LTHRESH,
	OPT_NUMERIC,
	OPT_CONN,
	OPT_TIMEOUT,
	OPT_STATS,
	OPT_RATE,
	OPT_THRESH,
	OPT_PCONN,
	OPT_NOSORT,
	OPT_SORT,
	OPT_EXACT,
	OPT_LADDR,
	OPT_IFNAME,
	OPT_PROXY,
	OPT_COUNT
};

#define O(x) (1u << OPT_##x)

/* A command line, parsed and checked: what run() needs. */
struct cmd {
	enum cmd_id cmd;
	unsigned opts;                 /* O(...) bits given */
	const char *ipc;               /* --ipc-file, NULL: default */
	struct dpvs_service svc;       /* key from -t/-u; -s -p -M -b */
	bool svc_port_given;           /* VIP:PORT rather than VIP */
	char mask_arg[16];             /* -M as given: its meaning follows
					  the service's family */
	struct dpvs_dest dest;         /* -r, forwarding method, -w -x -y */
	bool dest_port_given;          /* RS:PORT rather than RS */
	const char *flags_for_sched;   /* -b names: "sh", "mh" or "" */
	struct dpvs_laddr laddr;       /* -z, -F */
	struct dpvs_timeouts timeouts; /* --set */
	const char *pos[4];            /* arguments that are not options */
	int npos;
};

/* "add-service", "list"...: how messages name a command. */
extern const char *const cmd_names[CMD_COUNT];

/*
 * Parses argv[1..] into c.  Returns 0, or -1 with a message (without
 * "dpvsadm: ") in err.
 */
int parse_cmd(int argc, char **argv, struct cmd *c, char *err, size_t len);
/*
 * One line of -R's input into c.  Returns 1 if it holds a command, 0 if
 * it is blank or a comment, -1 with a message in err.  line is cut into
 * words in place; c keeps no pointer into it.
 */
int parse_line(char *line, struct cmd *c, char *err, size_t len);

/*
 * The checks -E and -e make again once the options given are merged
 * with the service or real server as dpvs has it.
 */
int check_sched_flags(const char *sched, uint32_t flags,
		      const char *for_sched, char *err, size_t len);
int check_dest_port(const struct dpvs_dest *d, char *err, size_t len);
/* A real server of the service's family, or IPv4 under IPv6 by -b. */
int check_families(const struct dpvs_dest *d, char *err, size_t len);
int check_thresholds(const struct dpvs_dest *d, char *err, size_t len);
/* "v1", "v2" or "none": the service's PROXY protocol flag. */
const char *fmt_proxy(uint32_t flags);

#endif
