/* Unit tests for configuration parsing and reload comparison (conf.c). */
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

static int load(const char *text)
{
	memset(err, 0, sizeof(err));
	return conf_load_string(text, NAME, &conf, err, sizeof(err));
}

/* 1-based line of the first occurrence of needle in text. */
static int line_in(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	int line = 1;

	assert_non_null(p);
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The error names NAME, the line of `marker` in text, and key. */
static void check_err_at(const char *text, const char *marker,
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
static void expect_one_error(const char *text, const char *marker,
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

/* ---- defaults and a good config ---- */

static void check_defaults(const struct dpvs_conf *c)
{
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->log_target, LOG_TO_STDERR);
	assert_string_equal(c->log_file, "");
	assert_int_equal(c->neal_args, 0);
	assert_int_equal(c->ndevices, 0);
	assert_int_equal(c->master_lcore, 0);
	assert_int_equal(c->nworkers, 0);
	assert_int_equal(c->idle_policy, IDLE_SLEEP);
	assert_int_equal(c->idle_empty_loops, 64);
	assert_int_equal(c->idle_sleep_us, 50);
	assert_int_equal(c->idle_max_sleep_us, 1000);
	assert_int_equal(c->msg_ring_size, 4096);
	assert_int_equal(c->msg_pool_size, 8192);
	assert_int_equal(c->sync_timeout_ms, 2000);
	assert_string_equal(c->ipc_file, "/var/run/dpvs.ipc");
	assert_string_equal(c->ctrl_group, "");
	assert_int_equal(c->max_request, 1u << 20);
	assert_int_equal(c->max_clients, 256);
	assert_int_equal(c->client_timeout_ms, 30000);
	assert_int_equal(c->timer_tick_us, 1000);
}

static void test_conf_defaults_values(void **state)
{
	(void)state;
	memset(&conf, 0x5a, sizeof(conf));
	conf_defaults(&conf);
	check_defaults(&conf);
}

static void test_empty_config_gives_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_string_equal(err, "");
	check_defaults(&conf);
	assert_string_equal(conf.file, NAME);
}

static void test_empty_sections_give_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("global = {};\nnetif = {};\nworkers = {};\n"
			      "ctrl = {};\ntimers = {};\n"), 0);
	check_defaults(&conf);
}

static void test_absent_sections_keep_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("timers = { tick_us = 250; };\n"), 0);
	assert_int_equal(conf.timer_tick_us, 250);
	assert_int_equal(conf.sync_timeout_ms, 2000);
	assert_int_equal(conf.log_level, LOG_INFO);
	assert_int_equal(conf.msg_ring_size, 4096);
}

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

static void test_good_config_global(void **state)
{
	(void)state;
	assert_int_equal(load(good_conf), 0);
	assert_string_equal(err, "");
	assert_int_equal(conf.log_level, LOG_DEBUG);
	assert_int_equal(conf.log_target, LOG_TO_FILE);
	assert_string_equal(conf.log_file, "/tmp/dpvs-test.log");
	assert_int_equal(conf.neal_args, 3);
	assert_string_equal(conf.eal_args[0], "--no-huge");
	assert_string_equal(conf.eal_args[1], "-m");
	assert_string_equal(conf.eal_args[2], "512");
}

static void test_good_config_devices(void **state)
{
	const struct conf_device *d0 = &conf.devices[0], *d1 = &conf.devices[1];

	(void)state;
	assert_int_equal(load(good_conf), 0);
	assert_int_equal(conf.ndevices, 2);
	assert_string_equal(d0->name, "dpdk0");
	assert_string_equal(d0->devargs, "net_tap0,iface=t0");
	assert_int_equal(d0->rx_queues, 2);
	assert_int_equal(d0->tx_queues, 3);
	assert_int_equal(d0->rx_desc, 512);
	assert_int_equal(d0->tx_desc, 256);
	assert_false(d0->promisc);
	/* Per-device defaults. */
	assert_string_equal(d1->name, "dpdk1");
	assert_string_equal(d1->devargs, "net_null0");
	assert_int_equal(d1->rx_queues, 1);
	assert_int_equal(d1->tx_queues, 1);
	assert_int_equal(d1->rx_desc, 1024);
	assert_int_equal(d1->tx_desc, 1024);
	assert_true(d1->promisc);
}

static void test_good_config_workers(void **state)
{
	const struct conf_worker *w1 = &conf.workers[0], *w2 = &conf.workers[1];

	(void)state;
	assert_int_equal(load(good_conf), 0);
	assert_int_equal(conf.master_lcore, 0);
	assert_int_equal(conf.idle_policy, IDLE_BUSY_POLL);
	assert_int_equal(conf.idle_empty_loops, 10);
	assert_int_equal(conf.idle_sleep_us, 20);
	assert_int_equal(conf.idle_max_sleep_us, 400);
	assert_int_equal(conf.nworkers, 2);
	assert_int_equal(w1->lcore, 1);
	assert_int_equal(w1->nmaps, 2);
	assert_int_equal(w1->maps[0].port, 0);
	assert_int_equal(w1->maps[0].nrx, 1);
	assert_int_equal(w1->maps[0].rx[0], 0);
	assert_int_equal(w1->maps[0].ntx, 2);
	assert_int_equal(w1->maps[0].tx[0], 0);
	assert_int_equal(w1->maps[0].tx[1], 2);
	assert_int_equal(w1->maps[1].port, 1);
	assert_int_equal(w1->maps[1].nrx, 1);
	assert_int_equal(w1->maps[1].ntx, 1);
	assert_int_equal(w2->lcore, 2);
	assert_int_equal(w2->nmaps, 1);
	assert_int_equal(w2->maps[0].port, 0);
	assert_int_equal(w2->maps[0].rx[0], 1);
	assert_int_equal(w2->maps[0].tx[0], 1);
}

static void test_good_config_ctrl_and_timers(void **state)
{
	(void)state;
	assert_int_equal(load(good_conf), 0);
	assert_int_equal(conf.msg_ring_size, 1024);
	assert_int_equal(conf.msg_pool_size, 2048);
	assert_int_equal(conf.sync_timeout_ms, 500);
	assert_string_equal(conf.ipc_file, "/tmp/dpvs-test.ipc");
	assert_string_equal(conf.ctrl_group, "dpvs");
	assert_int_equal(conf.max_request, 65536);
	assert_int_equal(conf.max_clients, 8);
	assert_int_equal(conf.client_timeout_ms, 1000);
	assert_int_equal(conf.timer_tick_us, 500);
}

static void test_log_level_by_number(void **state)
{
	(void)state;
	assert_int_equal(load("global = { log_level = \"3\"; };\n"), 0);
	assert_int_equal(conf.log_level, LOG_ERR);
}

/* ---- syntax and unknown keys ---- */

static void test_syntax_error_names_file_and_line(void **state)
{
	static const char text[] = "ctrl = {\n  sync_timeout_ms = ;\n};\n";

	(void)state;
	expect_one_error(text, "sync_timeout_ms", "(syntax)", NULL);
}

static void test_unknown_top_level_key(void **state)
{
	static const char text[] = "global = {};\n\nbogus = 1;\n";
	char want[64];

	(void)state;
	assert_int_equal(load(text), -1);
	snprintf(want, sizeof(want), "%s:3: ", NAME);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "bogus: unknown key"));
	assert_int_equal(count_lines(err), 1);
}

static void test_unknown_key_in_section(void **state)
{
	static const char text[] =
		"ctrl = {\n  max_clients = 4;\n  sync_timeout = 5;\n};\n";

	(void)state;
	expect_one_error(text, "sync_timeout =", "ctrl.sync_timeout",
			 "unknown key");
}

static void test_unknown_key_in_device(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      rx_queue = 2; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "rx_queue", "netif.devices[0].rx_queue", "unknown key");
}

static void test_unknown_key_in_queue_map(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0, 1 ]; },\n"
		"                            { port = \"dpdk1\"; rx = [ 0 ];\n"
		"                              rxq = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "rxq", "workers.lcores[0].queues[1].rxq",
			 "unknown key");
}

static void test_unknown_key_in_worker(void **state)
{
	static const char text[] = "workers = {\n  lcores = (\n"
				   "    { lcore = 1;\n      cpu = 3; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "cpu", "workers.lcores[0].cpu", "unknown key");
}

/* ---- wrong types ---- */

static void test_int_key_given_string(void **state)
{
	static const char text[] = "ctrl = {\n  sync_timeout_ms = \"500\";\n};\n";

	(void)state;
	expect_one_error(text, "sync_timeout_ms", "ctrl.sync_timeout_ms",
			 "must be an integer");
}

static void test_int_key_given_float(void **state)
{
	static const char text[] = "timers = {\n\n  tick_us = 1.5;\n};\n";

	(void)state;
	expect_one_error(text, "tick_us", "timers.tick_us", "must be an integer");
}

static void test_string_key_given_int(void **state)
{
	static const char text[] = "global = {\n  log_level = 7;\n};\n";

	(void)state;
	expect_one_error(text, "log_level", "global.log_level",
			 "must be a string");
}

static void test_device_int_given_string(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      rx_desc = \"big\"; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "rx_desc", "netif.devices[0].rx_desc",
		     "must be an integer");
}

static void test_device_promisc_not_bool(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      promisc = 1; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "promisc", "netif.devices[0].promisc",
		     "must be true or false");
}

static void test_device_name_missing(void **state)
{
	static const char text[] = "netif = {\n  devices = (\n"
				   "    { device = \"net_null0\"; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "{ device", "netif.devices[0].name", "missing");
}

static void test_devices_not_a_list(void **state)
{
	static const char text[] = "netif = {\n  devices = 3;\n};\n";

	(void)state;
	expect_one_error(text, "devices", "netif.devices", "must be a list");
}

static void test_eal_args_not_strings(void **state)
{
	static const char text[] = "global = {\n  eal_args = [ 1, 2 ];\n};\n";

	(void)state;
	expect_one_error(text, "eal_args", "global.eal_args", "must be a string");
}

static void test_section_not_a_group(void **state)
{
	static const char text[] = "\nctrl = 5;\n";

	(void)state;
	expect_one_error(text, "ctrl", "ctrl", "must be a group");
}

/* ---- ranges ---- */

static void test_int_below_range(void **state)
{
	static const char text[] = "ctrl = {\n  sync_timeout_ms = 0;\n};\n";

	(void)state;
	expect_one_error(text, "sync_timeout_ms", "ctrl.sync_timeout_ms",
			 "out of range");
}

static void test_int_negative(void **state)
{
	static const char text[] = "ctrl = {\n  max_clients = -1;\n};\n";

	(void)state;
	expect_one_error(text, "max_clients", "ctrl.max_clients", "out of range");
}

static void test_int_above_range(void **state)
{
	static const char text[] = "workers = {\n  master_lcore = 128;\n};\n";

	(void)state;
	expect_one_error(text, "master_lcore", "workers.master_lcore",
			 "out of range");
}

static void test_int64_above_range(void **state)
{
	static const char text[] = "ctrl = {\n  max_request = 10000000000L;\n};\n";

	(void)state;
	expect_one_error(text, "max_request", "ctrl.max_request", "out of range");
}

static void test_out_of_range_keeps_default(void **state)
{
	(void)state;
	assert_int_equal(load("ctrl = { sync_timeout_ms = 0; };\n"), -1);
	assert_int_equal(conf.sync_timeout_ms, 2000);
}

/* netif.mbuf_pool_size: 0 (computed) by default, kept when in range. */
static void test_mbuf_pool_size(void **state)
{
	static const char big[] = "netif = {\n  mbuf_pool_size = 16777217;\n};\n";
	static const char str[] = "netif = {\n  mbuf_pool_size = \"1M\";\n};\n";

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(conf.mbuf_pool_size, 0);
	assert_int_equal(load("netif = { mbuf_pool_size = 2000000; };\n"), 0);
	assert_int_equal(conf.mbuf_pool_size, 2000000);
	expect_one_error(big, "mbuf_pool_size", "netif.mbuf_pool_size",
			 "out of range");
	expect_one_error(str, "mbuf_pool_size", "netif.mbuf_pool_size",
			 "must be an integer");
}

static void test_device_queues_out_of_range(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      rx_queues = 17; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "rx_queues", "netif.devices[0].rx_queues",
		     "out of range");
}

static void test_worker_lcore_out_of_range(void **state)
{
	static const char text[] = "workers = {\n  lcores = (\n"
				   "    { lcore = 1; },\n    { lcore = 500; }\n"
				   "  );\n};\n";

	(void)state;
	expect_one_error(text, "lcore = 500", "workers.lcores[1].lcore",
			 "out of range");
}

static void test_msg_ring_size_not_power_of_two(void **state)
{
	static const char text[] = "ctrl = {\n  msg_ring_size = 1000;\n};\n";

	(void)state;
	expect_one_error(text, "msg_ring_size", "ctrl.msg_ring_size",
			 "not a power of two");
}

static void test_rx_desc_not_power_of_two(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      rx_desc = 1000; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "rx_desc", "netif.devices[0].rx_desc",
		     "not a power of two");
}

static void test_tx_desc_not_power_of_two(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\"; },\n"
		"    { name = \"dpdk1\"; device = \"net_null1\";\n"
		"      tx_desc = 768; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "tx_desc", "netif.devices[1].tx_desc",
		     "not a power of two");
}

/* ---- names ---- */

static void test_unknown_log_level(void **state)
{
	static const char text[] = "global = {\n  log_level = \"loud\";\n};\n";

	(void)state;
	expect_one_error(text, "log_level", "global.log_level",
			 "unknown level 'loud'");
}

static void test_unknown_log_target(void **state)
{
	static const char text[] = "global = {\n  log_target = \"console\";\n};\n";

	(void)state;
	expect_one_error(text, "log_target", "global.log_target",
			 "unknown target 'console'");
}

static void test_unknown_idle_policy(void **state)
{
	static const char text[] = "workers = {\n  idle_policy = \"nap\";\n};\n";

	(void)state;
	expect_one_error(text, "idle_policy", "workers.idle_policy",
			 "unknown policy 'nap'");
}

static void test_string_too_long(void **state)
{
	char text[256];

	(void)state;
	snprintf(text, sizeof(text), "ctrl = {\n  group = \"%040d\";\n};\n", 0);
	expect_one_error(text, "group", "ctrl.group", "longer than");
}

/* ---- devices and queue maps ---- */

static void test_duplicate_device_name(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\"; },\n"
		"    { name = \"dpdk0\"; device = \"net_null1\"; }\n  );\n};\n";

	(void)state;
	expect_one_error(text, "{ name = \"dpdk0\"; device = \"net_null1\"",
			 "netif.devices[1]", "duplicate device name 'dpdk0'");
}

static void test_duplicate_device_args(void **state)
{
	static const char text[] =
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\"; },\n"
		"    { name = \"dpdk1\"; device = \"net_null0\"; }\n  );\n};\n";

	(void)state;
	expect_one_error(text, "{ name = \"dpdk1\"", "netif.devices[1]",
			 "already used by dpdk0");
}

static void test_queue_map_unknown_port(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0, 1 ]; } ); },\n"
		"    { lcore = 2; queues = (\n"
		"        { port = \"dpdk9\"; rx = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "{ port = \"dpdk9\"",
			 "workers.lcores[1].queues[0].port", "no device named 'dpdk9'");
}

static void test_queue_index_beyond_port_queues(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\";\n"
		"                              rx = [ 0, 2 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "rx = [ 0, 2 ]", "workers.lcores[0].queues[0].rx",
			 "queue 2 does not exist (the port has 2)");
}

static void test_tx_queue_index_beyond_port_queues(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk1\"; rx = [ 0 ];\n"
		"                              tx = [ 1 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "tx = [ 1 ]", "workers.lcores[0].queues[0].tx",
			 "queue 1 does not exist (the port has 1)");
}

static void test_negative_queue_index(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk1\";\n"
		"                              rx = [ -1 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "rx = [ -1 ]", "workers.lcores[0].queues[0].rx",
			 "does not exist");
}

/* ---- ownership of queues and lcores ---- */

static void test_rx_queue_owned_by_two_workers(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0, 1 ]; },\n"
		"                            { port = \"dpdk1\"; rx = [ 0 ]; } ); },\n"
		"    { lcore = 2; queues = ( { port = \"dpdk0\"; rx = [ 1 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores",
			 "rx queue 1 of dpdk0 owned by lcores 1 and 2");
}

static void test_tx_queue_owned_by_two_workers(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0 ]; tx = [ 1 ]; },\n"
		"                            { port = \"dpdk1\"; rx = [ 0 ]; } ); },\n"
		"    { lcore = 2; queues = ( { port = \"dpdk0\"; rx = [ 1 ]; tx = [ 1 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores",
			 "tx queue 1 of dpdk0 owned by lcores 1 and 2");
}

static void test_rx_queue_owned_by_none(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0 ]; },\n"
		"                            { port = \"dpdk1\"; rx = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores",
			 "rx queue 1 of dpdk0 is polled by no worker");
}

static void test_devices_without_workers_refused(void **state)
{
	(void)state;
	assert_int_equal(load(DEVICES), -1);
	assert_non_null(strstr(err, "rx queue 0 of dpdk0 is polled by no worker"));
	assert_non_null(strstr(err, "rx queue 1 of dpdk0 is polled by no worker"));
	assert_non_null(strstr(err, "rx queue 0 of dpdk1 is polled by no worker"));
	assert_int_equal(count_lines(err), 3);
}

/* Every error names a real line, even when workers.lcores is absent. */
static void test_devices_without_workers_names_a_line(void **state)
{
	(void)state;
	assert_int_equal(load(DEVICES), -1);
	if (strstr(err, NAME ":0:"))
		fail_msg("error names line 0:\n%s", err);
}

static void test_worker_on_master_lcore(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  master_lcore = 2;\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0, 1 ]; } ); },\n"
		"    { lcore = 2; queues = ( { port = \"dpdk1\"; rx = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores",
			 "lcore 2 is the master lcore");
}

static void test_duplicate_worker_lcore(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 3; queues = ( { port = \"dpdk0\"; rx = [ 0, 1 ]; } ); },\n"
		"    { lcore = 3; queues = ( { port = \"dpdk1\"; rx = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores", "lcore 3 listed twice");
}

static void test_worker_maps_port_twice(void **state)
{
	static const char text[] = DEVICES
		"workers = {\n  lcores = (\n"
		"    { lcore = 1; queues = ( { port = \"dpdk0\"; rx = [ 0 ]; },\n"
		"                            { port = \"dpdk0\"; rx = [ 1 ]; },\n"
		"                            { port = \"dpdk1\"; rx = [ 0 ]; } ); }\n"
		"  );\n};\n";

	(void)state;
	expect_one_error(text, "lcores", "workers.lcores",
			 "lcore 1 maps port dpdk0 twice");
}

static void test_worker_lcore_missing(void **state)
{
	static const char text[] = "workers = {\n  lcores = (\n"
				   "    { queues = ( ); }\n  );\n};\n";

	(void)state;
	expect_one_error(text, "{ queues", "workers.lcores[0].lcore", "missing");
}

/* ---- cross-key checks and several errors ---- */

static void test_log_target_file_needs_log_file(void **state)
{
	static const char text[] = "global = {\n  log_level = \"info\";\n"
				   "  log_target = \"file\";\n};\n";

	(void)state;
	expect_one_error(text, "log_target", "global.log_file",
			 "required when log_target is \"file\"");
}

static void test_several_errors_reported_at_once(void **state)
{
	static const char text[] =
		"global = {\n  log_level = \"loud\";\n};\n"
		"ctrl = {\n  sync_timeout_ms = 0;\n  msg_ring_size = 100;\n"
		"  bogus = 1;\n};\n"
		"netif = {\n  devices = (\n"
		"    { name = \"dpdk0\"; device = \"net_null0\";\n"
		"      rx_desc = 100; }\n  );\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	check_err_at(text, "log_level", "global.log_level", NULL);
	check_err_at(text, "sync_timeout_ms", "ctrl.sync_timeout_ms", NULL);
	check_err_at(text, "msg_ring_size", "ctrl.msg_ring_size", NULL);
	check_err_at(text, "bogus", "ctrl.bogus", NULL);
	check_err_at(text, "rx_desc", "netif.devices[0].rx_desc", NULL);
	assert_int_equal(count_lines(err), 5);
}

static void test_small_error_buffer_is_terminated(void **state)
{
	char small[24];

	(void)state;
	memset(small, 'X', sizeof(small));
	assert_int_equal(conf_load_string("ctrl = { sync_timeout_ms = 0; "
					  "max_clients = 0; };\n",
					  NAME, &conf, small, sizeof(small)), -1);
	assert_true(memchr(small, '\0', sizeof(small)) != NULL);
	assert_int_equal(strncmp(small, NAME ":1: ", strlen(NAME ":1: ")), 0);
}

static void test_idle_max_sleep_below_idle_sleep(void **state)
{
	static const char text[] = "workers = {\n  idle_sleep_us = 500;\n"
				   "  idle_max_sleep_us = 200;\n};\n";

	(void)state;
	expect_one_error(text, "idle_max_sleep_us", "workers.idle_max_sleep_us",
			 "200 is below workers.idle_sleep_us (500)");
}

static void test_idle_sleep_equal_to_max_ok(void **state)
{
	(void)state;
	assert_int_equal(load("workers = { idle_sleep_us = 300; "
			      "idle_max_sleep_us = 300; };\n"), 0);
	assert_int_equal(conf.idle_sleep_us, 300);
	assert_int_equal(conf.idle_max_sleep_us, 300);
}

/*
 * idle_sleep_us alone above the default idle_max_sleep_us (1000): the
 * error must point at a real line (the key the user wrote), not line 0.
 */
static void test_idle_sleep_above_default_max_names_its_line(void **state)
{
	static const char text[] = "workers = {\n  idle_sleep_us = 5000;\n};\n";

	(void)state;
	assert_int_equal(load(text), -1);
	if (strstr(err, NAME ":0:"))
		fail_msg("error names line 0:\n%s", err);
	if (!strstr(err, NAME ":2: workers.idle_"))
		fail_msg("expected line 2 of %s in:\n%s", NAME, err);
}

/* ---- conf_load from files ---- */

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/test_conf_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_conf_load_good_file(void **state)
{
	char *path = write_temp(good_conf);
	int rc;

	(void)state;
	memset(err, 0, sizeof(err));
	rc = conf_load(path, &conf, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_string_equal(conf.file, path);
	assert_int_equal(conf.ndevices, 2);
	assert_int_equal(conf.nworkers, 2);
	assert_int_equal(conf.sync_timeout_ms, 500);
	free(path);
}

static void test_conf_load_bad_file_names_path_and_line(void **state)
{
	char *path = write_temp("ctrl = {\n\n  max_clients = 0;\n};\n");
	char want[128];
	int rc;

	(void)state;
	memset(err, 0, sizeof(err));
	rc = conf_load(path, &conf, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "%s:3: ctrl.max_clients: ", path);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in:\n%s", want, err);
	free(path);
}

static void test_conf_load_syntax_error_in_file(void **state)
{
	char *path = write_temp("global = {\n  log_level = \"info\"\n  x = ;\n};\n");
	char want[128];
	int rc;

	(void)state;
	memset(err, 0, sizeof(err));
	rc = conf_load(path, &conf, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "%s:3: (syntax): ", path);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in:\n%s", want, err);
	free(path);
}

static void test_conf_load_missing_file(void **state)
{
	const char *path = "/nonexistent/dir/dpvs-missing.conf";

	(void)state;
	memset(err, 0, sizeof(err));
	assert_int_equal(conf_load(path, &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "cannot read"));
}

/* ---- conf_diff and conf_apply_reloadable ---- */

struct report {
	bool applied;
	char key[64];
	char from[128];
	char to[128];
};

struct reports {
	int n;
	struct report r[16];
};

static void record(void *arg, bool applied, const char *key, const char *from,
		   const char *to)
{
	struct reports *rs = arg;
	struct report *r;

	assert_true(rs->n < 16);
	r = &rs->r[rs->n++];
	r->applied = applied;
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->from, sizeof(r->from), "%s", from);
	snprintf(r->to, sizeof(r->to), "%s", to);
}

static const struct report *find_report(const struct reports *rs,
					const char *key)
{
	for (int i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].key, key))
			return &rs->r[i];
	fail_msg("no report for %s", key);
	return NULL;
}

static struct dpvs_conf old_conf, new_conf;

static void test_diff_identical_reports_nothing(void **state)
{
	struct reports rs = { 0 };

	(void)state;
	assert_int_equal(load(good_conf), 0);
	old_conf = conf;
	assert_int_equal(load(good_conf), 0);
	assert_int_equal(conf_diff(&old_conf, &conf, record, &rs), 0);
	assert_int_equal(rs.n, 0);
}

static void test_diff_reloadable_keys_applied(void **state)
{
	struct reports rs = { 0 };
	const struct report *r;

	(void)state;
	conf_defaults(&old_conf);
	new_conf = old_conf;
	new_conf.sync_timeout_ms = 500;
	new_conf.log_level = LOG_DEBUG;
	new_conf.idle_policy = IDLE_BUSY_POLL;
	snprintf(new_conf.ctrl_group, sizeof(new_conf.ctrl_group), "wheel");
	assert_int_equal(conf_diff(&old_conf, &new_conf, record, &rs), 4);
	assert_int_equal(rs.n, 4);
	r = find_report(&rs, "ctrl.sync_timeout_ms");
	assert_true(r->applied);
	assert_string_equal(r->from, "2000");
	assert_string_equal(r->to, "500");
	r = find_report(&rs, "global.log_level");
	assert_true(r->applied);
	assert_string_equal(r->from, "info");
	assert_string_equal(r->to, "debug");
	r = find_report(&rs, "workers.idle_policy");
	assert_true(r->applied);
	assert_string_equal(r->from, "sleep");
	assert_string_equal(r->to, "busy_poll");
	r = find_report(&rs, "ctrl.group");
	assert_true(r->applied);
	assert_string_equal(r->to, "\"wheel\"");
}

static void test_diff_start_only_scalars_not_applied(void **state)
{
	struct reports rs = { 0 };
	const struct report *r;

	(void)state;
	conf_defaults(&old_conf);
	new_conf = old_conf;
	new_conf.msg_ring_size = 1024;
	new_conf.timer_tick_us = 200;
	snprintf(new_conf.ipc_file, sizeof(new_conf.ipc_file), "/tmp/x.ipc");
	new_conf.master_lcore = 3;
	assert_int_equal(conf_diff(&old_conf, &new_conf, record, &rs), 4);
	r = find_report(&rs, "ctrl.msg_ring_size");
	assert_false(r->applied);
	assert_string_equal(r->from, "4096");
	assert_string_equal(r->to, "1024");
	r = find_report(&rs, "timers.tick_us");
	assert_false(r->applied);
	r = find_report(&rs, "ctrl.ipc_file");
	assert_false(r->applied);
	assert_string_equal(r->from, "\"/var/run/dpvs.ipc\"");
	assert_string_equal(r->to, "\"/tmp/x.ipc\"");
	r = find_report(&rs, "workers.master_lcore");
	assert_false(r->applied);
}

static void test_diff_lists_are_start_only(void **state)
{
	struct reports rs = { 0 };
	const struct report *r;

	(void)state;
	assert_int_equal(load(good_conf), 0);
	old_conf = conf;
	new_conf = conf;
	new_conf.devices[0].rx_desc = 2048;
	new_conf.workers[1].lcore = 3;
	snprintf(new_conf.eal_args[1], CONF_EAL_ARG_LEN, "-n");
	assert_int_equal(conf_diff(&old_conf, &new_conf, record, &rs), 3);
	r = find_report(&rs, "netif.devices");
	assert_false(r->applied);
	r = find_report(&rs, "workers.lcores");
	assert_false(r->applied);
	r = find_report(&rs, "global.eal_args");
	assert_false(r->applied);
	assert_string_not_equal(r->from, r->to);
}

static void test_diff_list_count_change(void **state)
{
	struct reports rs = { 0 };

	(void)state;
	conf_defaults(&old_conf);
	new_conf = old_conf;
	new_conf.neal_args = 1; /* "" added */
	assert_int_equal(conf_diff(&old_conf, &new_conf, record, &rs), 1);
	assert_string_equal(rs.r[0].key, "global.eal_args");
	assert_false(rs.r[0].applied);
}

static void test_diff_mixed_count(void **state)
{
	static const char changed[] =
		"global = { log_level = \"err\"; };\n"
		"ctrl = { msg_ring_size = 128; max_clients = 9; };\n";
	struct reports rs = { 0 };

	(void)state;
	assert_int_equal(load(""), 0);
	old_conf = conf;
	assert_int_equal(load(changed), 0);
	assert_int_equal(conf_diff(&old_conf, &conf, record, &rs), 3);
	assert_true(find_report(&rs, "global.log_level")->applied);
	assert_true(find_report(&rs, "ctrl.max_clients")->applied);
	assert_false(find_report(&rs, "ctrl.msg_ring_size")->applied);
}

static void test_apply_reloadable_copies_only_reloadable(void **state)
{
	(void)state;
	conf_defaults(&old_conf);
	assert_int_equal(load(good_conf), 0);
	conf_apply_reloadable(&old_conf, &conf);
	/* reloadable: taken from the new config */
	assert_int_equal(old_conf.log_level, LOG_DEBUG);
	assert_int_equal(old_conf.log_target, LOG_TO_FILE);
	assert_string_equal(old_conf.log_file, "/tmp/dpvs-test.log");
	assert_int_equal(old_conf.idle_policy, IDLE_BUSY_POLL);
	assert_int_equal(old_conf.idle_empty_loops, 10);
	assert_int_equal(old_conf.idle_sleep_us, 20);
	assert_int_equal(old_conf.idle_max_sleep_us, 400);
	assert_int_equal(old_conf.sync_timeout_ms, 500);
	assert_string_equal(old_conf.ctrl_group, "dpvs");
	assert_int_equal(old_conf.max_request, 65536);
	assert_int_equal(old_conf.max_clients, 8);
	assert_int_equal(old_conf.client_timeout_ms, 1000);
	/* start-only: unchanged */
	assert_int_equal(old_conf.msg_ring_size, 4096);
	assert_int_equal(old_conf.msg_pool_size, 8192);
	assert_string_equal(old_conf.ipc_file, "/var/run/dpvs.ipc");
	assert_int_equal(old_conf.timer_tick_us, 1000);
	assert_int_equal(old_conf.master_lcore, 0);
	assert_int_equal(old_conf.ndevices, 0);
	assert_int_equal(old_conf.nworkers, 0);
	assert_int_equal(old_conf.neal_args, 0);
}

static void test_apply_reloadable_then_diff_leaves_start_only(void **state)
{
	struct reports rs = { 0 };

	(void)state;
	conf_defaults(&old_conf);
	assert_int_equal(load(good_conf), 0);
	conf_apply_reloadable(&old_conf, &conf);
	conf_diff(&old_conf, &conf, record, &rs);
	assert_true(rs.n > 0);
	for (int i = 0; i < rs.n; i++)
		if (rs.r[i].applied)
			fail_msg("%s still differs after apply", rs.r[i].key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_defaults_values),
		cmocka_unit_test(test_empty_config_gives_defaults),
		cmocka_unit_test(test_empty_sections_give_defaults),
		cmocka_unit_test(test_absent_sections_keep_defaults),
		cmocka_unit_test(test_good_config_global),
		cmocka_unit_test(test_good_config_devices),
		cmocka_unit_test(test_good_config_workers),
		cmocka_unit_test(test_good_config_ctrl_and_timers),
		cmocka_unit_test(test_log_level_by_number),
		cmocka_unit_test(test_mbuf_pool_size),
		cmocka_unit_test(test_syntax_error_names_file_and_line),
		cmocka_unit_test(test_unknown_top_level_key),
		cmocka_unit_test(test_unknown_key_in_section),
		cmocka_unit_test(test_unknown_key_in_device),
		cmocka_unit_test(test_unknown_key_in_queue_map),
		cmocka_unit_test(test_unknown_key_in_worker),
		cmocka_unit_test(test_int_key_given_string),
		cmocka_unit_test(test_int_key_given_float),
		cmocka_unit_test(test_string_key_given_int),
		cmocka_unit_test(test_device_int_given_string),
		cmocka_unit_test(test_device_promisc_not_bool),
		cmocka_unit_test(test_device_name_missing),
		cmocka_unit_test(test_devices_not_a_list),
		cmocka_unit_test(test_eal_args_not_strings),
		cmocka_unit_test(test_section_not_a_group),
		cmocka_unit_test(test_int_below_range),
		cmocka_unit_test(test_int_negative),
		cmocka_unit_test(test_int_above_range),
		cmocka_unit_test(test_int64_above_range),
		cmocka_unit_test(test_out_of_range_keeps_default),
		cmocka_unit_test(test_device_queues_out_of_range),
		cmocka_unit_test(test_worker_lcore_out_of_range),
		cmocka_unit_test(test_msg_ring_size_not_power_of_two),
		cmocka_unit_test(test_rx_desc_not_power_of_two),
		cmocka_unit_test(test_tx_desc_not_power_of_two),
		cmocka_unit_test(test_unknown_log_level),
		cmocka_unit_test(test_unknown_log_target),
		cmocka_unit_test(test_unknown_idle_policy),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_duplicate_device_name),
		cmocka_unit_test(test_duplicate_device_args),
		cmocka_unit_test(test_queue_map_unknown_port),
		cmocka_unit_test(test_queue_index_beyond_port_queues),
		cmocka_unit_test(test_tx_queue_index_beyond_port_queues),
		cmocka_unit_test(test_negative_queue_index),
		cmocka_unit_test(test_rx_queue_owned_by_two_workers),
		cmocka_unit_test(test_tx_queue_owned_by_two_workers),
		cmocka_unit_test(test_rx_queue_owned_by_none),
		cmocka_unit_test(test_devices_without_workers_refused),
		cmocka_unit_test(test_devices_without_workers_names_a_line),
		cmocka_unit_test(test_worker_on_master_lcore),
		cmocka_unit_test(test_duplicate_worker_lcore),
		cmocka_unit_test(test_worker_maps_port_twice),
		cmocka_unit_test(test_worker_lcore_missing),
		cmocka_unit_test(test_log_target_file_needs_log_file),
		cmocka_unit_test(test_several_errors_reported_at_once),
		cmocka_unit_test(test_small_error_buffer_is_terminated),
		cmocka_unit_test(test_idle_max_sleep_below_idle_sleep),
		cmocka_unit_test(test_idle_sleep_equal_to_max_ok),
		cmocka_unit_test(test_idle_sleep_above_default_max_names_its_line),
		cmocka_unit_test(test_conf_load_good_file),
		cmocka_unit_test(test_conf_load_bad_file_names_path_and_line),
		cmocka_unit_test(test_conf_load_syntax_error_in_file),
		cmocka_unit_test(test_conf_load_missing_file),
		cmocka_unit_test(test_diff_identical_reports_nothing),
		cmocka_unit_test(test_diff_reloadable_keys_applied),
		cmocka_unit_test(test_diff_start_only_scalars_not_applied),
		cmocka_unit_test(test_diff_lists_are_start_only),
		cmocka_unit_test(test_diff_list_count_change),
		cmocka_unit_test(test_diff_mixed_count),
		cmocka_unit_test(test_apply_reloadable_copies_only_reloadable),
		cmocka_unit_test(test_apply_reloadable_then_diff_leaves_start_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
