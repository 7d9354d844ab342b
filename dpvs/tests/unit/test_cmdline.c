/* Unit tests for the daemon's command line (dpvs/src/core/cmdline.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/cmdline.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* argv arrays end with NULL, as main's do; argc excludes it. */
static int parse(char **argv, int argc, struct cmdline *cl, char *err,
		 size_t errlen)
{
	memset(err, 0, errlen);
	return cmdline_parse(argc, argv, cl, err, errlen);
}

static void test_defaults(void **state)
{
	char *argv[] = { "dpvs", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, DPVS_DEFAULT_CONF);
	assert_string_equal(cl.pid_file, DPVS_DEFAULT_PID);
	assert_null(cl.ipc_file);
	assert_false(cl.test_config);
	assert_false(cl.version);
	assert_false(cl.help);
	assert_int_equal(cl.eal_argc, 0);
}

static void test_short_options(void **state)
{
	char *argv[] = { "dpvs", "-c", "/tmp/a.conf", "-p", "/tmp/a.pid",
			 "-x", "/tmp/a.ipc", "-t", "-v", "-h", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "/tmp/a.conf");
	assert_string_equal(cl.pid_file, "/tmp/a.pid");
	assert_string_equal(cl.ipc_file, "/tmp/a.ipc");
	assert_true(cl.test_config);
	assert_true(cl.version);
	assert_true(cl.help);
	assert_int_equal(cl.eal_argc, 0);
}

static void test_short_options_attached_and_clustered(void **state)
{
	char *argv[] = { "dpvs", "-c/tmp/b.conf", "-tv", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "/tmp/b.conf");
	assert_true(cl.test_config);
	assert_true(cl.version);
	assert_false(cl.help);
}

static void test_long_options(void **state)
{
	char *argv[] = { "dpvs", "--conf", "/tmp/l.conf", "--pid-file=/tmp/l.pid",
			 "--ipc-file", "/tmp/l.ipc", "--test-config", "--version",
			 "--help", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "/tmp/l.conf");
	assert_string_equal(cl.pid_file, "/tmp/l.pid");
	assert_string_equal(cl.ipc_file, "/tmp/l.ipc");
	assert_true(cl.test_config);
	assert_true(cl.version);
	assert_true(cl.help);
}

static void test_only_test_config_set(void **state)
{
	char *argv[] = { "dpvs", "--test-config", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_true(cl.test_config);
	assert_false(cl.version);
	assert_false(cl.help);
	assert_string_equal(cl.conf_file, DPVS_DEFAULT_CONF);
}

static void test_double_dash_hands_rest_to_eal(void **state)
{
	char *argv[] = { "dpvs", "-c", "x.conf", "--", "--no-huge", "-m", "512",
			 "-c", "0x3", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "x.conf");
	assert_int_equal(cl.eal_argc, 5);
	assert_ptr_equal(cl.eal_argv, &argv[4]);
	assert_string_equal(cl.eal_argv[0], "--no-huge");
	assert_string_equal(cl.eal_argv[3], "-c");
	assert_string_equal(cl.eal_argv[4], "0x3");
}

static void test_double_dash_at_end_gives_no_eal_args(void **state)
{
	char *argv[] = { "dpvs", "-t", "--", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), 0);
	assert_true(cl.test_config);
	assert_int_equal(cl.eal_argc, 0);
}

static void test_missing_argument_short(void **state)
{
	char *argv[] = { "dpvs", "-t", "-c", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-c"));
	assert_non_null(strstr(err, "needs an argument"));
}

static void test_missing_argument_long(void **state)
{
	char *argv[] = { "dpvs", "--pid-file", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--pid-file"));
	assert_non_null(strstr(err, "needs an argument"));
}

static void test_unknown_short_option(void **state)
{
	char *argv[] = { "dpvs", "-z", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option '-z'"));
}

static void test_unknown_long_option(void **state)
{
	char *argv[] = { "dpvs", "--frobnicate", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option '--frobnicate'"));
}

/* "-zt": the unknown option is z, inside a cluster; the message must say so. */
static void test_unknown_option_inside_cluster_is_named(void **state)
{
	char *argv[] = { "dpvs", "-zt", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option"));
	assert_non_null(strstr(err, "-z"));
}

static void test_stray_positional_argument(void **state)
{
	char *argv[] = { "dpvs", "-t", "extra", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unexpected argument 'extra'"));
}

static void test_stray_positional_first(void **state)
{
	char *argv[] = { "dpvs", "extra", "-t", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, NARGS(argv), &cl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unexpected argument 'extra'"));
}

static void test_parse_twice_resets_state(void **state)
{
	char *a1[] = { "dpvs", "-c", "one.conf", "-t", NULL };
	char *a2[] = { "dpvs", "-p", "two.pid", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(a1, NARGS(a1), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "one.conf");
	assert_int_equal(parse(a2, NARGS(a2), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.pid_file, "two.pid");
	assert_string_equal(cl.conf_file, DPVS_DEFAULT_CONF);
	assert_false(cl.test_config);
}

static void test_parse_after_error_resets_state(void **state)
{
	char *a1[] = { "dpvs", "-z", NULL };
	char *a2[] = { "dpvs", "-v", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(a1, NARGS(a1), &cl, err, sizeof(err)), -1);
	assert_int_equal(parse(a2, NARGS(a2), &cl, err, sizeof(err)), 0);
	assert_true(cl.version);
}

/* An error in the middle of "-zt" must not leak into the next parse. */
static void test_parse_after_error_mid_cluster_resets_state(void **state)
{
	char *a1[] = { "dpvs", "-zt", NULL };
	char *a2[] = { "dpvs", "-c", "next.conf", NULL };
	struct cmdline cl;
	char err[256];

	(void)state;
	assert_int_equal(parse(a1, NARGS(a1), &cl, err, sizeof(err)), -1);
	assert_int_equal(parse(a2, NARGS(a2), &cl, err, sizeof(err)), 0);
	assert_string_equal(cl.conf_file, "next.conf");
	assert_false(cl.test_config);
}

static void test_usage_mentions_options(void **state)
{
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	assert_non_null(f);
	cmdline_usage("mydpvs", f);
	fclose(f);
	buf[sizeof(buf) - 1] = '\0';
	assert_non_null(strstr(buf, "Usage: mydpvs"));
	assert_non_null(strstr(buf, "--conf"));
	assert_non_null(strstr(buf, "--test-config"));
	assert_non_null(strstr(buf, DPVS_DEFAULT_CONF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_short_options_attached_and_clustered),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_only_test_config_set),
		cmocka_unit_test(test_double_dash_hands_rest_to_eal),
		cmocka_unit_test(test_double_dash_at_end_gives_no_eal_args),
		cmocka_unit_test(test_missing_argument_short),
		cmocka_unit_test(test_missing_argument_long),
		cmocka_unit_test(test_unknown_short_option),
		cmocka_unit_test(test_unknown_long_option),
		cmocka_unit_test(test_unknown_option_inside_cluster_is_named),
		cmocka_unit_test(test_stray_positional_argument),
		cmocka_unit_test(test_stray_positional_first),
		cmocka_unit_test(test_parse_twice_resets_state),
		cmocka_unit_test(test_parse_after_error_resets_state),
		cmocka_unit_test(test_parse_after_error_mid_cluster_resets_state),
		cmocka_unit_test(test_usage_mentions_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
