/* Small parsing helpers shared by the command-line tools. */
#ifndef DPVS_CLI_UTIL_H
#define DPVS_CLI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* A dotted quad, into network order. */
bool parse_ipv4(const char *s, uint32_t *out);
/* A unicast address a host can own: not 0/8, multicast nor reserved. */
bool is_unicast(uint32_t addr_net);

#endif
