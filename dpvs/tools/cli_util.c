/* Small parsing helpers shared by the command-line tools. */
#include "cli_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int perr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*out = in.s_addr;
	return true;
}

bool is_unicast(uint32_t addr_net)
{
	uint32_t a = ntohl(addr_net);

	return (a >> 24) != 0 && (a >> 28) < 0xe;
}

bool parse_inet(const char *s, uint8_t *af, uint32_t *v4, struct in6_addr *v6)
{
	memset(v6, 0, sizeof(*v6));
	*v4 = 0;
	if (parse_ipv4(s, v4)) {
		*af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, v6) == 1) {
		*af = AF_INET6;
		return true;
	}
	return false;
}

bool is_unicast6(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a);
}

bool is_linklocal6(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LINKLOCAL(a);
}

/* 0..65535 in decimal digits only (no sign, no spaces). */
static bool parse_port(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > 65535)
			return false;
	}
	*out = v;
	return true;
}

/*
 * Where the address of s ends and its ":PORT" (or nothing) starts, as
 * ipvsadm reads it: "A.B.C.D[:PORT]", "[ADDR6][:PORT]" (brackets needed
 * with a port), or a bare "ADDR6" (two colons or more: no port).
 */
static bool split_addr(const char *s, char *buf, size_t size,
		       const char **port)
{
	const char *end, *colon = strchr(s, ':');
	size_t n;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		n = (size_t)(end - s - 1);
		s++;
		*port = end[1] ? end + 1 : NULL;
	} else if (colon && strchr(colon + 1, ':')) {
		n = strlen(s);
		*port = NULL;
	} else {
		n = colon ? (size_t)(colon - s) : strlen(s);
		*port = colon;
	}
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/*
 * An address of either family and its optional port (host order;
 * *port_given tells which form).  what names the address in messages
 * ("virtual service", "real server", "local").
 */
int parse_inet_port(const char *s, bool port_allowed, const char *what,
		    struct inet_out a, uint16_t *port, bool *port_given, char *err,
		    size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	const char *ps;
	uint32_t p;

	if (!split_addr(s, buf, sizeof(buf), &ps) ||
	    !parse_inet(buf, a.af, a.v4, a.v6) ||
	    (s[0] == '[' && *a.af != AF_INET6))
		return perr(err, len, "illegal %s address '%s' (A.B.C.D%s, "
			    "%s)", what, s, port_allowed ? "[:PORT]" : "",
			    port_allowed ? "[ADDR6][:PORT]" : "ADDR6");
	if (*a.af == AF_INET ? !is_unicast(*a.v4) :
	    !is_unicast6(a.v6) || is_linklocal6(a.v6))
		return perr(err, len, "illegal %s address '%s' (not a unicast "
			    "address%s)", what, s,
			    *a.af == AF_INET6 ? " of global scope" : "");
	if (ps && !port_allowed)
		return perr(err, len, "illegal %s address '%s': no port here",
			    what, s);
	*port_given = ps != NULL;
	*port = 0;
	if (ps) {
		if (!parse_port(ps + 1, &p))
			return perr(err, len, "illegal port in %s address '%s' "
				    "(0-65535)", what, s);
		*port = (uint16_t)p;
	}
	return 0;
}

