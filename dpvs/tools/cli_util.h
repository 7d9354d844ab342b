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

/* Where an address of a record goes: its family and both its fields. */
struct inet_out {
	uint8_t *af;
	uint32_t *v4;          /* network order */
	struct in6_addr *v6;
};

/*
 * ipvsadm's address forms: "A.B.C.D[:PORT]", "[ADDR6][:PORT]" (brackets
 * needed with a port) or a bare "ADDR6" (no port); a unicast address of
 * global scope.  *port_given tells whether a port came (host order in
 * *port, else 0).  what names the address in err ("real server").
 */
int parse_inet_port(const char *s, bool port_allowed, const char *what,
		    struct inet_out a, uint16_t *port, bool *port_given,
		    char *err, size_t len);

#endif
