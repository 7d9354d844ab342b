/*
 * Unit tests for the checks of single keys (core/conf.c): syntax,
 * unknown keys, types, ranges, names, cross-key checks, and how the
 * errors name the file, line and key.
 */
#include "test_conf_util.h"

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

/* The journal targets of a systemd service (docs/systemd.md). */
static void test_journal_log_targets(void **state)
{
	(void)state;
	assert_int_equal(load("global = { log_target = \"journal\"; };\n"), 0);
	assert_int_equal(conf.log_target, LOG_TO_JOURNAL);
	assert_int_equal(load("global = { log_target = \"auto\"; };\n"), 0);
	assert_int_equal(conf.log_target, LOG_TO_AUTO);
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

/* ---- sync (docs/ha.md) ---- */

static void test_sync_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("sync = {};\n"), 0);
	assert_int_equal(conf.sync_ring_size, 8192);
	assert_int_equal(conf.sync_flush_ms, 10);
	assert_int_equal(conf.sync_threshold[0], 3);
	assert_int_equal(conf.sync_threshold[1], 50);
	assert_int_equal(conf.sync_refresh_s, 60);
	assert_false(conf.sync_embryonic);
	assert_int_equal(conf.sync_max_msgs_per_s, 20000);
	assert_int_equal(conf.sync_bulk_msgs_per_s, 5000);
	assert_int_equal(conf.sync_heartbeat_ms, 1000);
	assert_int_equal(conf.sync_sock_buf_kb, 4096);
	assert_int_equal(conf.sync_max_age_s, 60);
	assert_false(conf.sync_backup_only);
	assert_int_equal(conf.sync_dir_entries, 0);
	assert_int_equal(conf.kni_sync_rate_pps, 50000);
}

static void test_sync_keys_set(void **state)
{
	static const char text[] =
		"kni = { sync_rate_pps = 0; };\n"
		"sync = {\n  ring_size = 1048576;\n  flush_ms = 1000;\n"
		"  threshold = [ 0, 65535 ];\n  refresh_s = 86400;\n"
		"  embryonic = true;\n  max_msgs_per_s = 100;\n"
		"  bulk_msgs_per_s = 1000000;\n  heartbeat_ms = 100;\n"
		"  sock_buf_kb = 64;\n  max_age_s = 0;\n  backup_only = true;\n"
		"  dir_entries = 1024;\n};\n";

	(void)state;
	if (load(text) != 0)
		fail_msg("%s", err);
	assert_int_equal(conf.sync_ring_size, 1048576);
	assert_int_equal(conf.sync_threshold[0], 0);
	assert_int_equal(conf.sync_threshold[1], 65535);
	assert_true(conf.sync_embryonic);
	assert_true(conf.sync_backup_only);
	assert_int_equal(conf.sync_max_age_s, 0);
	assert_int_equal(conf.sync_dir_entries, 1024);
	assert_int_equal(conf.kni_sync_rate_pps, 0);
}

static void test_sync_ring_size_power_of_two(void **state)
{
	static const char text[] = "sync = {\n  ring_size = 3000;\n};\n";

	(void)state;
	expect_one_error(text, "ring_size", "sync.ring_size",
			 "not a power of two");
}

static void test_sync_ranges(void **state)
{
	(void)state;
	expect_one_error("sync = {\n  flush_ms = 0;\n};\n", "flush_ms",
			 "sync.flush_ms", "out of range");
	expect_one_error("sync = {\n  max_msgs_per_s = 99;\n};\n",
			 "max_msgs_per_s", "sync.max_msgs_per_s", "out of range");
	expect_one_error("sync = {\n  heartbeat_ms = 60001;\n};\n",
			 "heartbeat_ms", "sync.heartbeat_ms", "out of range");
	expect_one_error("sync = {\n  dir_entries = 67108865;\n};\n",
			 "dir_entries", "sync.dir_entries", "out of range");
	expect_one_error("kni = {\n  sync_rate_pps = 10000001;\n};\n",
			 "sync_rate_pps", "kni.sync_rate_pps", "out of range");
	expect_one_error("sync = {\n  key_file = \"/k\";\n};\n", "key_file",
			 "sync.key_file", "unknown key");
}

static void test_sync_threshold_checked(void **state)
{
	(void)state;
	expect_one_error("sync = {\n  threshold = [ 3 ];\n};\n", "threshold",
			 "sync.threshold", "two integers");
	expect_one_error("sync = {\n  threshold = [ 3, 65536 ];\n};\n",
			 "threshold", "sync.threshold", "0..65535");
	expect_one_error("sync = {\n  threshold = 3;\n};\n", "threshold",
			 "sync.threshold", "two integers");
	assert_int_equal(conf.sync_threshold[0], 3);
}

/* ha: the lease's TTL bounds and the announcements after a take. */
static void test_ha_keys(void **state)
{
	static const char below[] = "ha = {\n  lease_min_ms = 500;\n"
				    "  lease_max_ms = 200;\n};\n";
	static const char alone[] = "ha = {\n  lease_min_ms = 70000;\n};\n";

	(void)state;
	assert_int_equal(load("ha = { garp_count = 1; };\n"), 0);
	assert_int_equal(conf.ha_lease_min_ms, 50);
	assert_int_equal(conf.ha_lease_max_ms, 60000);
	assert_int_equal(conf.ha_garp_count, 1);
	assert_int_equal(conf.ha_garp_interval_ms, 100);
	expect_one_error(below, "lease_max_ms", "ha.lease_max_ms",
			 "ha.lease_max_ms (200) is below ha.lease_min_ms (500)");
	expect_one_error(alone, "lease_min_ms", "ha.lease_min_ms",
			 "ha.lease_max_ms (60000) is below ha.lease_min_ms "
			 "(70000)");
	expect_one_error("ha = {\n  garp_count = 0;\n};\n", "garp_count",
			 "ha.garp_count", "out of range");
	expect_one_error("ha = {\n  garp_interval_ms = 5;\n};\n",
			 "garp_interval_ms", "ha.garp_interval_ms",
			 "out of range");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbuf_pool_size),
		cmocka_unit_test(test_sync_defaults),
		cmocka_unit_test(test_sync_keys_set),
		cmocka_unit_test(test_sync_ring_size_power_of_two),
		cmocka_unit_test(test_sync_ranges),
		cmocka_unit_test(test_sync_threshold_checked),
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
		cmocka_unit_test(test_journal_log_targets),
		cmocka_unit_test(test_unknown_idle_policy),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_log_target_file_needs_log_file),
		cmocka_unit_test(test_several_errors_reported_at_once),
		cmocka_unit_test(test_small_error_buffer_is_terminated),
		cmocka_unit_test(test_idle_max_sleep_below_idle_sleep),
		cmocka_unit_test(test_idle_sleep_equal_to_max_ok),
		cmocka_unit_test(test_idle_sleep_above_default_max_names_its_line),
		cmocka_unit_test(test_ha_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
