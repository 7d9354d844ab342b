/* Small parsing helpers shared by the command-line tools. */
#ifndef DPVS_CLI_UTIL_H
#define DPVS_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Formats a usage error into err; returns -1. */
int perr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A dotted quad, into network order. */
bool parse_ipv4(const char *s, uint32_t *out);
/* A unicast address a host can own: not 0/8, multicast nor reserved. */
bool is_unicast(uint32_t addr_net);

#endif
