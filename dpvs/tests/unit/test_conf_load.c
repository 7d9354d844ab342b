/*
 * Unit tests for loading a configuration (core/conf.c): the defaults,
 * a full config, and conf_load from files.
 */
#include "test_conf_util.h"

/* ---- defaults and a good config ---- */

static void check_defaults(const struct dpvs_conf *c)
{
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->log_target, LOG_TO_AUTO);
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
		cmocka_unit_test(test_conf_load_good_file),
		cmocka_unit_test(test_conf_load_bad_file_names_path_and_line),
		cmocka_unit_test(test_conf_load_syntax_error_in_file),
		cmocka_unit_test(test_conf_load_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
