/*
 * Unit tests for reload comparison (core/conf.c): conf_diff and
 * conf_apply_reloadable.
 */
#include "test_conf_util.h"

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

/* sync.threshold is a pair, yet reloadable like the scalar sync keys. */
static void test_sync_keys_reload(void **state)
{
	struct reports rs = { 0 };
	const struct report *r;

	(void)state;
	conf_defaults(&old_conf);
	new_conf = old_conf;
	new_conf.sync_threshold[1] = 100;
	new_conf.sync_flush_ms = 5;
	new_conf.sync_ring_size = 16384;
	assert_int_equal(conf_diff(&old_conf, &new_conf, record, &rs), 3);
	r = find_report(&rs, "sync.threshold");
	assert_true(r->applied);
	assert_string_equal(r->from, "[3, 50]");
	assert_string_equal(r->to, "[3, 100]");
	assert_true(find_report(&rs, "sync.flush_ms")->applied);
	assert_false(find_report(&rs, "sync.ring_size")->applied);
	conf_apply_reloadable(&old_conf, &new_conf);
	assert_int_equal(old_conf.sync_threshold[1], 100);
	assert_int_equal(old_conf.sync_flush_ms, 5);
	assert_int_equal(old_conf.sync_ring_size, 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_identical_reports_nothing),
		cmocka_unit_test(test_diff_reloadable_keys_applied),
		cmocka_unit_test(test_sync_keys_reload),
		cmocka_unit_test(test_diff_start_only_scalars_not_applied),
		cmocka_unit_test(test_diff_lists_are_start_only),
		cmocka_unit_test(test_diff_list_count_change),
		cmocka_unit_test(test_diff_mixed_count),
		cmocka_unit_test(test_apply_reloadable_copies_only_reloadable),
		cmocka_unit_test(test_apply_reloadable_then_diff_leaves_start_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
