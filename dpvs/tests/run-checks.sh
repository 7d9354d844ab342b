#!/bin/bash
# Runs every test stage and ends with one summary line; exit 1 if any failed.
#   BUILD=build|build-san  FUZZ_SECONDS=19 (each fuzz target)  PYTEST_ARGS=...
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-19}
FUZZ_TARGETS=${FUZZ_TARGETS:-"fuzz_ctrl_request fuzz_ctrl_ops fuzz_packet fuzz_sync_msg fuzz_ipv6_parse"}
export BUILD
# Sanitizer builds: stop at the first report, and say where it came from.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

results=()
failed=0

stage() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		results+=("$name: pass")
	else
		results+=("$name: FAIL")
		failed=$((failed + 1))
	fi
}

unit_tests() {
	local rc=0 t
	# The Makefile's list (UNIT_TESTS), so a test renamed away does not
	# run from a stale binary; by hand, whatever the build folder holds.
	for t in ${UNIT_TESTS:-$(cd "$BUILD/tests" && echo test_*)}; do
		echo "--- $t"
		"$BUILD/tests/$t" || rc=1
	done
	# Each EAL unit test names its runtime folder test_NAME_PID.
	rm -rf /var/run/dpdk/test_*_[0-9]* 2>/dev/null
	return $rc
}

# The folders' include rules, the 1,000-line limit, and every path the
# docs name (docs/architecture.md, "Boundaries").
layout_checks() {
	local rc=0
	/usr/bin/python3 dpvs/tests/check-layers.py || rc=1
	/usr/bin/python3 docs/check-paths.py || rc=1
	return $rc
}

fuzz_all() {
	local rc=0 t
	for t in $FUZZ_TARGETS; do
		dpvs/tests/run-fuzz.sh "$BUILD/$t" "$FUZZ_SECONDS" || rc=1
	done
	return $rc
}

leftovers() {
	local procs
	procs=$(pgrep -af "^$(pwd)/$BUILD/(dpvs|dpvs-snmp|dpvs-exporter|keepalived) " || true)
	if [ -n "$procs" ]; then
		echo "left running after the tests:"
		echo "$procs"
		return 1
	fi
	return 0
}

stage "layers and docs" layout_checks
stage "unit tests" unit_tests
stage "fuzz $(echo $FUZZ_TARGETS | wc -w)x${FUZZ_SECONDS}s" fuzz_all
stage "system tests" /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} ha-tests
stage "nothing left running" leftovers

echo
echo "check summary ($BUILD): ${results[*]/%/;} $([ $failed -eq 0 ] && echo ALL PASSED || echo "$failed stage(s) FAILED")"
[ $failed -eq 0 ]
