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

struct in6_addr;
/*
 * An address of either family: AF_INET into *v4 (network order) or
 * AF_INET6 into *v6; the other is zeroed.  false for anything else.
 */
bool parse_inet(const char *s, uint8_t *af, uint32_t *v4, struct in6_addr *v6);
/* Not ::, ::1 nor multicast (link-local is unicast). */
bool is_unicast6(const struct in6_addr *a);
bool is_linklocal6(const struct in6_addr *a);

#endif
