/*
 * Unit tests for the checks of devices and queue maps (core/conf.c):
 * which lcore owns which rx and tx queue of which port.
 */
#include "test_conf_util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
