/*
 * What the configuration unit tests (test_conf_*.c) share.  Each test
 * file is its own program, so the state stays static (no clash with
 * libc's err(3)) and the helpers static inline.
 */
#ifndef TEST_CONF_UTIL_H
#define TEST_CONF_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/conf.h"

#define NAME "t.conf"

static struct dpvs_conf conf; /* large: keep off the stack */
static char err[8192];

static inline int load(const char *text)
{
	memset(err, 0, sizeof(err));
	return conf_load_string(text, NAME, &conf, err, sizeof(err));
}

/* 1-based line of the first occurrence of needle in text. */
static inline int line_in(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	int line = 1;

	assert_non_null(p);
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The error names NAME, the line of `marker` in text, and key. */
static inline void check_err_at(const char *text, const char *marker,
			        const char *key, const char *what)
{
	char want[256];

	snprintf(want, sizeof(want), "%s:%d: %s: ", NAME, line_in(text, marker),
		 key);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in:\n%s", want, err);
	if (what && !strstr(err, what))
		fail_msg("expected \"%s\" in:\n%s", what, err);
}

/* Loads text, expects exactly one error naming marker's line and key. */
static inline void expect_one_error(const char *text, const char *marker,
			            const char *key, const char *what)
{
	assert_int_equal(load(text), -1);
	check_err_at(text, marker, key, what);
	if (count_lines(err) != 1)
		fail_msg("expected one error, got:\n%s", err);
}

/* Two ports (2 and 1 rx queues) and two workers covering every rx queue. */
#define DEVICES                                                              \
	"netif = {\n"                                                        \
	"  devices = (\n"                                                    \
	"    { name = \"dpdk0\"; device = \"net_null0\"; rx_queues = 2; tx_queues = 2; },\n" \
	"    { name = \"dpdk1\"; device = \"net_null1\"; }\n"                \
	"  );\n"                                                             \
	"};\n"

/* A config that sets most keys, for the load and reload tests. */
static const char good_conf[] =
	"global = {\n"
	"  log_level = \"debug\";\n"
	"  log_target = \"file\";\n"
	"  log_file = \"/tmp/dpvs-test.log\";\n"
	"  eal_args = [ \"--no-huge\", \"-m\", \"512\" ];\n"
	"};\n"
	"netif = {\n"
	"  devices = (\n"
	"    { name = \"dpdk0\"; device = \"net_tap0,iface=t0\"; rx_queues = 2;\n"
	"      tx_queues = 3; rx_desc = 512; tx_desc = 256; promisc = false; },\n"
	"    { name = \"dpdk1\"; device = \"net_null0\"; }\n"
	"  );\n"
	"};\n"
	"workers = {\n"
	"  master_lcore = 0;\n"
	"  idle_policy = \"busy_poll\";\n"
	"  idle_empty_loops = 10;\n"
	"  idle_sleep_us = 20;\n"
	"  idle_max_sleep_us = 400;\n"
	"  lcores = (\n"
	"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0 ]; tx = [ 0, 2 ]; },\n"
	"                            { port = \"dpdk1\"; rx = [ 0 ]; tx = [ 0 ]; } ); },\n"
	"    { lcore = 2; queues = ( { port = \"dpdk0\"; rx = [ 1 ]; tx = [ 1 ]; } ); }\n"
	"  );\n"
	"};\n"
	"ctrl = {\n"
	"  msg_ring_size = 1024;\n"
	"  msg_pool_size = 2048;\n"
	"  sync_timeout_ms = 500;\n"
	"  ipc_file = \"/tmp/dpvs-test.ipc\";\n"
	"  group = \"dpvs\";\n"
	"  max_request = 65536;\n"
	"  max_clients = 8;\n"
	"  client_timeout_ms = 1000;\n"
	"};\n"
	"timers = { tick_us = 500; };\n";

#endif
