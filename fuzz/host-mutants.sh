#!/bin/sh
# Differential fuzzing against the catalogue: `gojs-harness fuzz --host node --mutant NAME`
# for every non-equivalent mutant of the classes whose faults sit in import handlers, and a
# Markdown table row per mutant on stdout (found or not, inputs and time until then, rate).
#
# usage: fuzz/host-mutants.sh [SECONDS] [EXTRA FUZZ OPTIONS...]   (default 60 s per mutant)
# GOJS_HARNESS names the binary (default: target/release/gojs-harness, else target/debug/).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
bin=${GOJS_HARNESS:-}
if [ -z "$bin" ]; then
	for b in target/release/gojs-harness target/debug/gojs-harness; do
		[ -x "$b" ] && bin=$b && break
	done
fi
[ -n "$bin" ] || { echo "build gojs-harness first (cargo build -p gojs-harness), or set GOJS_HARNESS" >&2; exit 2; }
out=$(mktemp -d)
echo "| mutant | class | found | inputs | seconds | inputs/s | verdict |"
echo "|---|---|---|---|---|---|---|"
for f in mutants/*.toml; do
	name=$(basename "$f" .toml)
	class=$(sed -n 's/^class = "\(.*\)"/\1/p' "$f")
	case "$class" in values|refs|call|reentry|strings|memory|copybytes) ;; *) continue ;; esac
	grep -q '^equivalent' "$f" && continue
	log="$out/$name.log"
	set +e
	"$bin" fuzz --host node --mutant "$name" --seconds "$seconds" --seed 1 --out "$out/$name" "$@" >"$log" 2>&1
	rc=$?
	set -e
	summary=$(grep -E '^[0-9]+ inputs in ' "$log" | tail -1)
	inputs=$(echo "$summary" | sed -n 's/^\([0-9]*\) inputs in \([0-9.]*\) s (\([0-9]*\)\/s.*/\1/p')
	secs=$(echo "$summary" | sed -n 's/^\([0-9]*\) inputs in \([0-9.]*\) s (\([0-9]*\)\/s.*/\2/p')
	rate=$(echo "$summary" | sed -n 's/^\([0-9]*\) inputs in \([0-9.]*\) s (\([0-9]*\)\/s.*/\3/p')
	case $rc in
	1) found=yes; verdict=$(sed -n 's/^finding: //p' "$log" | head -1) ;;
	0) found=no; verdict="" ;;
	*) found=error; verdict=$(tail -1 "$log") ;;
	esac
	echo "| \`$name\` | $class | $found | $inputs | $secs | $rate | $verdict |"
done
echo "(logs and findings in $out)" >&2
