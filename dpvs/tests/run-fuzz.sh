#!/bin/bash
# Runs the control-request fuzzer for a bounded time.
#   run-fuzz.sh FUZZER SECONDS
# The corpus starts from the seeds in dpvs/tests/fuzz/seeds and grows in a
# scratch folder; crashes are written to $FUZZ_ARTIFACTS (default build/).
set -euo pipefail
fuzzer=$1
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$(dirname "$fuzzer")}/
cp "$here"/fuzz/seeds/* "$corpus"/ 2>/dev/null || true
echo "fuzz: running $(basename "$fuzzer") for ${secs}s"
"$fuzzer" -max_total_time="$secs" -max_len=20000 -print_final_stats=1 \
	-artifact_prefix="$artifacts" "$corpus" 2>&1 | tail -n 12
