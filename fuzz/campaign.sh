#!/usr/bin/env bash
# Run one fuzz target for a while on stable (no sanitizer), new inputs into a scratch corpus,
# and print the run's length, executions and executions per second.
#   fuzz/campaign.sh TARGET SECONDS [extra libFuzzer flags]
# FUZZ_BUILD_FLAGS go to `cargo fuzz run` (e.g. -O for a build made by `cargo fuzz build -s none -O`;
# without them cargo-fuzz builds with debug assertions, a whole rebuild).
# GOJS_FUZZ_INSTRUMENT=ours: coverage instrumentation in this repository's crates only
# (instrument-ours.sh; fuzz/README.md, "Instrumenting only our crates").
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=instrument-env.sh
. ./instrument-env.sh
target=$1 secs=$2
shift 2
work=${FUZZ_WORK:-/tmp/gojs-fuzz-work}/$target
mkdir -p "$work" "artifacts/$target"
log=$work.log
# shellcheck disable=SC2086
cargo fuzz run "$target" -s none ${FUZZ_BUILD_FLAGS:-} "$work" "corpus/$target" -- \
	-max_total_time="$secs" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 "$@" >"$log" 2>&1 || true
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
crashes=$(ls "artifacts/$target" | grep -c -E '^(crash|timeout|oom|leak)-' || true)
echo "$target: ${took:-no Done line} (executed units: ${runs:-?}); artifacts: $crashes; log: $log"
grep -m3 -E 'panicked|oracle failed|ERROR: libFuzzer' "$log" || true
