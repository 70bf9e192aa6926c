#!/usr/bin/env bash
# RUSTC_WRAPPER for `cargo fuzz build`: keeps SanitizerCoverage in this repository's crates only.
#
# libFuzzer scans and clears every coverage counter after each input, and wasmtime, Cranelift,
# Winch and boa bring about 600 000 of them: that scan, not the input, was most of a target's
# time (reports/fuzz.md, "Fast in-process targets"). This wrapper drops the coverage flags
# cargo-fuzz puts in RUSTFLAGS from every crate whose manifest is outside this checkout, and
# from the machinery that is not the code under test (gojs-synth, gojs-realm-snapshot, the
# targets' mains), so the fuzzer is steered by the coverage of the host, gojs-abi and
# gojs-native (and any crate of a host's own added to the checkout), and of gojs-fuzzing, where
# the ABI layer's generic handlers are instantiated for the mock and boa realms. A dependency's bugs are still found by crashes
# and by the oracles, but new paths in a dependency no longer count as progress. Everything
# else stays on every crate: `--cfg fuzzing`, sanitizers (`-Zsanitizer=…` must agree across
# crates), debug assertions, codegen units.
#
#   RUSTC_WRAPPER=$PWD/fuzz/instrument-ours.sh cargo fuzz build -s none -O
# or GOJS_FUZZ_INSTRUMENT=ours with fuzz/campaign.sh and .clusterfuzzlite/build.sh, which also
# mark RUSTFLAGS so that cargo rebuilds instead of reusing a build made the other way
# (cargo does not fingerprint the wrapper).
#
# Optional environment:
#   GOJS_FUZZ_INSTRUMENT_CRATES  space-separated crate names (as in --crate-name) to instrument
#                                instead of "every crate of this checkout but the machinery"
#   GOJS_FUZZ_INSTRUMENT_MACHINERY=1  instrument gojs-synth, gojs-realm-snapshot and the targets too
#   GOJS_FUZZ_INSTRUMENT_LOG     a file to which each compiled crate is appended, with its decision
#   GOJS_FUZZ_INNER_WRAPPER      a wrapper to run rustc through in turn (sccache, …)
set -euo pipefail

rustc=$1
shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

crate=
prev=
for arg in "$@"; do
	if [ "$prev" = --crate-name ]; then
		crate=$arg
		break
	fi
	prev=$arg
done

run() {
	if [ -n "${GOJS_FUZZ_INNER_WRAPPER:-}" ]; then
		exec "$GOJS_FUZZ_INNER_WRAPPER" "$rustc" "$@"
	fi
	exec "$rustc" "$@"
}

# `rustc -vV`, `--print cfg` and the like: nothing to decide.
if [ -z "$crate" ]; then
	run "$@"
fi

ours=no
if [ -n "${GOJS_FUZZ_INSTRUMENT_CRATES:-}" ]; then
	for c in $GOJS_FUZZ_INSTRUMENT_CRATES; do
		if [ "$c" = "$crate" ]; then ours=yes; fi
	done
elif [ -n "${CARGO_MANIFEST_DIR:-}" ]; then
	# Registry and git dependencies live under CARGO_HOME, not in the checkout.
	dir=$(cd "$CARGO_MANIFEST_DIR" && pwd -P)
	case "$dir/" in
	"$root"/*) ours=yes ;;
	esac
	# Fuzzing machinery that is not the code under test: the synthesizer that encodes an input
	# into a module or the interpreter's program, the fingerprint a reused realm is checked
	# against, the targets' mains. Their edges say how the machinery ran, not the host, and
	# their comparisons were a fifth of call_sequences' time. gojs-fuzzing stays instrumented
	# although it is machinery too: the ABI layer's handlers are generic over the realm, and
	# the crate that instantiates them (gojs-fuzzing for the mock realm and for
	# valueof_roundtrip's boa realm) is the one whose flags they get.
	# GOJS_FUZZ_INSTRUMENT_MACHINERY=1 instruments these too.
	case "$crate" in
	gojs_synth | gojs_realm_snapshot | gojs_fuzz | import_frames | call_sequences | valueof_roundtrip | module_loading | run_default)
		if [ "${GOJS_FUZZ_INSTRUMENT_MACHINERY:-0}" != 1 ]; then ours=no; fi
		;;
	esac
fi

if [ -n "${GOJS_FUZZ_INSTRUMENT_LOG:-}" ]; then
	echo "$crate $ours" >>"$GOJS_FUZZ_INSTRUMENT_LOG"
fi

if [ "$ours" = yes ]; then
	run "$@"
fi

# Drop the SanitizerCoverage pass and its options (both `-Cx=y` and `-C x=y` spellings), and the
# branch-folding switch that only exists to give the coverage finer edges.
coverage_option() {
	case "$1" in
	passes=sancov-module | llvm-args=-sanitizer-coverage-* | llvm-args=-simplifycfg-branch-fold-threshold=*) return 0 ;;
	*) return 1 ;;
	esac
}
args=()
n=$#
i=1
while [ "$i" -le "$n" ]; do
	arg=${!i}
	i=$((i + 1))
	case "$arg" in
	-C)
		if [ "$i" -le "$n" ] && coverage_option "${!i}"; then
			i=$((i + 1))
			continue
		fi
		;;
	-C*)
		if coverage_option "${arg#-C}"; then
			continue
		fi
		;;
	esac
	args+=("$arg")
done
run "${args[@]}"
