#!/bin/bash
# Runs one libFuzzer target for a bounded time and prints its runs and
# coverage (docs/testing.md).
#   run-fuzz.sh FUZZER SECONDS
# The corpus starts from the target's seeds (fuzz_ctrl_request: fuzz/seeds,
# fuzz_X_Y: fuzz/seeds-Y) and grows in a scratch folder; crashes are
# written to $FUZZ_ARTIFACTS (default: the fuzzer's folder).  Exit 1 on a
# crash, leak, UB report or a unit over 120 s (a hang).
set -uo pipefail
fuzzer=$1
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$fuzzer")
case $name in
fuzz_ctrl_request) seeds=$here/fuzz/seeds ;;
*) seeds=$here/fuzz/seeds-${name##*_} ;;
esac
corpus=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$corpus" "$log"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$(dirname "$fuzzer")}/
cp "$seeds"/* "$corpus"/ 2>/dev/null || true
echo "fuzz: running $name for ${secs}s from $(ls "$corpus" | wc -l) seeds"
"$fuzzer" -max_total_time="$secs" -max_len=20000 -timeout=120 \
	-print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1 &
pid=$!
wait $pid
rc=$?
# What an in-process daemon leaves when the fuzzer dies (fuzz_daemon.c).
rm -rf /tmp/dpvs-fuzz-*-"$pid" /var/run/dpdk/fuzz_*_"$pid"
if [ $rc -ne 0 ]; then
	# The report itself, which the final statistics would push out.
	start=$(grep -a -n -m1 -E '==[0-9]+==ERROR|runtime error|^fuzz_[a-z_]+: |deadly signal' \
		"$log" | cut -d: -f1)
	[ -n "$start" ] && sed -n "$((start > 3 ? start - 3 : 1)),$((start + 40))p" "$log"
	echo ...
fi
# libFuzzer's last status line (cov: edges, ft: features) and final stats.
grep -a -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse) ' "$log" | tail -n 1
grep -a -E '^(Done |stat::)' "$log"
# The last status line: executions and edge coverage, for the summary.
runs=$(grep -a -o '^stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*')
echo "fuzz: $name: ${runs:-?} runs in ${secs}s, cov ${cov:-?}, exit $rc"
exit $rc
