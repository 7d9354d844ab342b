/*
 * dpip's command line after its options: OBJECT [COMMAND [ARGS]] into a
 * struct cmd.  Pure: no I/O, no call to the daemon, so that a usage
 * error exits 2 whether or not dpvs runs, and the parser is unit-tested
 * alone (dpvs/tests/unit/test_dpip_parse.c).
 */
#ifndef DPVS_DPIP_PARSE_H
#define DPVS_DPIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "libdpvs.h"

enum obj { OBJ_HELP, OBJ_LINK, OBJ_ADDR, OBJ_ROUTE, OBJ_NEIGH, OBJ_STATS,
	   OBJ_GARP };
enum verb { VERB_SHOW, VERB_ADD, VERB_DEL };

struct cmd {
	enum obj obj;
	enum verb verb;
	char what[32];                     /* "route add": for messages */
	char dev[DPVS_IFNAME_MAX + 1];     /* show filter; "" for all */
	struct dpvs_addr addr;             /* addr add/del, garp */
	bool plen_given;                   /* addr add/del: "/PLEN" given */
	struct dpvs_route route;           /* route add/del */
	struct dpvs_neigh neigh;           /* neigh add/del */
	long lcore;                        /* stats: one lcore, -1 = sum */
	uint8_t family;                    /* -4/-6: AF_INET(6); 0 both */
};

/*
 * Parses OBJECT [COMMAND [ARGS]] into c.  Returns 0, or -1 with a
 * message (without "dpip: ") in err.
 */
int parse_cmd(int argc, char **argv, struct cmd *c, char *err, size_t len);
/*
 * The same under -4 (family AF_INET) or -6 (AF_INET6): listings show
 * that family only, and an address of the other is refused.  Without
 * either (0) each address says its family; 'default' is 0.0.0.0/0
 * unless -6 or a 'via' of IPv6 makes it ::/0.
 */
int parse_cmd_af(int argc, char **argv, uint8_t family, struct cmd *c,
		 char *err, size_t len);

#endif
