#!/usr/bin/env bash
# Shard the suite with cargo-nextest and check the shards add up: the trials of
# `--partition count:K/4` for K = 1..4 are exactly the trials of one unpartitioned run (none
# lost, none run twice), each with the same verdict.
#
#   .ci/partitions.sh                    # native trials with the installed Go (about 2 min)
#   GOJS_HOSTS=native,node .ci/partitions.sh
#
# Needs cargo-nextest (`cargo install cargo-nextest --locked`). Each trial is a process of
# its own under nextest, so the check runs the native host only unless GOJS_HOSTS says more;
# real programs: gofmt unless GOJS_REAL says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo nextest --version >/dev/null 2>&1; then
	echo "error: cargo-nextest is not installed: cargo install cargo-nextest --locked" >&2
	exit 1
fi
export GOJS_HOSTS="${GOJS_HOSTS:-native}"
export GOJS_REAL="${GOJS_REAL:-gofmt}"
parts=4
out=$(mktemp -d)
# .config/nextest.toml puts nextest's store here, whatever CARGO_TARGET_DIR says.
junit="target/nextest/partition/junit.xml"

run() { # NAME [nextest args...]
	local name=$1
	shift
	rm -f "$junit"
	# A failing trial fails the run; its verdict is compared all the same.
	cargo nextest run --profile partition -p gojs-harness --test suite "$@" >"$out/$name.log" 2>&1 || true
	if [ ! -f "$junit" ]; then
		echo "error: nextest wrote no JUnit report for the $name run:" >&2
		tail -n 20 "$out/$name.log" >&2
		exit 1
	fi
	cp "$junit" "$out/$name.xml"
	echo "$name: $(grep -c '<testcase' "$out/$name.xml") trials"
}

cargo nextest run --profile partition -p gojs-harness --test suite --no-run >/dev/null
run whole
for k in $(seq 1 "$parts"); do
	run "part$k" --partition "count:$k/$parts"
done

python3 - "$out" "$parts" <<'PY'
import sys, xml.etree.ElementTree as ET
out, parts = sys.argv[1], int(sys.argv[2])

def verdicts(name):
    got = {}
    for case in ET.parse(f"{out}/{name}.xml").iter("testcase"):
        kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        got[case.get("name")] = kinds[0] if kinds else "passed"
    return got

whole = verdicts("whole")
seen, problems = {}, []
for k in range(1, parts + 1):
    for trial, verdict in verdicts(f"part{k}").items():
        if trial in seen:
            problems.append(f"{trial}: run by partitions {seen[trial][0]} and {k}")
        seen[trial] = (k, verdict)
for trial in sorted(set(whole) - set(seen)):
    problems.append(f"{trial}: in the whole run, in no partition")
for trial in sorted(set(seen) - set(whole)):
    problems.append(f"{trial}: in partition {seen[trial][0]}, not in the whole run")
for trial in sorted(set(whole) & set(seen)):
    if whole[trial] != seen[trial][1]:
        problems.append(f"{trial}: {whole[trial]} in the whole run, {seen[trial][1]} in partition {seen[trial][0]}")
if not whole:
    problems.append("the whole run ran no trial")
for p in problems:
    print("error:", p, file=sys.stderr)
if problems:
    sys.exit(1)
counts = {}
for v in whole.values():
    counts[v] = counts.get(v, 0) + 1
print(f"{parts} partitions ran the {len(whole)} trials of the whole run exactly once each, with the same verdicts ({', '.join(f'{n} {v}' for v, n in sorted(counts.items()))})")
PY
