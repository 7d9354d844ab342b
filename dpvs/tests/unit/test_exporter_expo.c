/*
 * dpvs-exporter's text exposition writer (exporter/expo.c): HELP and
 * TYPE lines, label values escaped as format 0.0.4 wants (backslash,
 * double quote, newline), HELP text escaped (backslash, newline), and
 * the text growing past its first buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "exporter.h"

static void test_family_and_samples(void **state)
{
	struct expo e;
	struct expo_label l[2] = { { "port", "dpdk0" }, { "cause", "x" } };

	(void)state;
	expo_init(&e);
	expo_family(&e, "m_total", EXPO_COUNTER, "Some help.");
	expo_u64(&e, l, 2, 18446744073709551615ull);
	expo_u64(&e, NULL, 0, 0);
	expo_family(&e, "g", EXPO_GAUGE, "G.");
	expo_f64(&e, NULL, 0, 0.25);
	assert_false(e.oom);
	assert_string_equal(e.buf,
		"# HELP m_total Some help.\n# TYPE m_total counter\n"
		"m_total{port=\"dpdk0\",cause=\"x\"} 18446744073709551615\n"
		"m_total 0\n"
		"# HELP g G.\n# TYPE g gauge\ng 0.25\n");
	expo_free(&e);
}

static void test_label_values_escaped(void **state)
{
	struct expo e;
	struct expo_label l = { "name", "a\\b\"c\nd" };

	(void)state;
	expo_init(&e);
	expo_family(&e, "m", EXPO_GAUGE, "back\\slash \"quoted\"\nnext");
	expo_u64(&e, &l, 1, 1);
	assert_string_equal(e.buf,
		"# HELP m back\\\\slash \"quoted\"\\nnext\n# TYPE m gauge\n"
		"m{name=\"a\\\\b\\\"c\\nd\"} 1\n");
	expo_free(&e);
}

static void test_grows_past_first_buffer(void **state)
{
	char v[16];
	struct expo_label l = { "i", v };
	struct expo e;
	size_t lines = 0;

	(void)state;
	expo_init(&e);
	expo_family(&e, "m", EXPO_GAUGE, "h");
	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "%d", i);
		expo_u64(&e, &l, 1, (uint64_t)i);
	}
	assert_false(e.oom);
	for (size_t i = 0; i < e.len; i++)
		lines += e.buf[i] == '\n';
	assert_int_equal(lines, 20002);
	assert_int_equal(strlen(e.buf), e.len);
	assert_non_null(strstr(e.buf, "m{i=\"19999\"} 19999\n"));
	expo_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_values_escaped),
		cmocka_unit_test(test_grows_past_first_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
