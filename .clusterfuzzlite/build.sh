#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script: the in-process cargo-fuzz targets of fuzz/, their
# seed corpora and libFuzzer options, into $OUT.
#
# Inside the builder image (gcr.io/oss-fuzz-base/base-builder-rust) `compile` runs it with
# SRC, OUT and SANITIZER set. Outside Docker set them by hand (see fuzz/README.md):
#   SRC=/tmp OUT=/tmp/cflite-out SANITIZER=none bash .clusterfuzzlite/build.sh
# Every bin of fuzz/Cargo.toml is a target, so a target added there (a
# host's own realm, fuzz/README.md) is built and shipped with no change here. Per target:
# fuzz/corpus/T/ and fuzz/regressions/T/ become $OUT/T_seed_corpus.zip and
# .clusterfuzzlite/T.options becomes $OUT/T.options.
# Optional: GOJS_PROJECT (the checkout; default: the one holding this script, else the working
# directory, else $SRC/gojs-conformance), CARGO_TARGET_DIR (where the fuzz crate builds;
# default fuzz/target), GOJS_FUZZ_TARGETS (a space-separated subset of the targets),
# GOJS_FUZZ_INSTRUMENT=ours (coverage instrumentation in this repository's crates only, not in
# wasmtime, Cranelift, boa, …: several times the executions a second; fuzz/README.md).
# `compile` runs it with bash -eux; `bash build.sh` by hand ignores the shebang's flags.
set -eu -o pipefail

: "${SRC:?SRC is not set (the builder image sets it; outside Docker any directory will do)}"
: "${OUT:?OUT is not set (the directory the fuzzers, corpora and options go to)}"
SANITIZER=${SANITIZER:-address}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${GOJS_PROJECT:-}" ]; then
	project=$GOJS_PROJECT
elif [ -f "$here/../fuzz/Cargo.toml" ]; then
	# Run from a checkout: the script's own repository, whatever $SRC says.
	project=$(cd "$here/.." && pwd)
elif [ -f fuzz/Cargo.toml ]; then
	# In the image the Dockerfile copies the script to $SRC/build.sh, away from the repository,
	# and `compile` runs it in the WORKDIR.
	project=$PWD
else
	project=$SRC/gojs-conformance
fi
if [ ! -f "$project/fuzz/Cargo.toml" ]; then
	echo "build.sh: no fuzz/Cargo.toml under $project (set GOJS_PROJECT to the checkout)" >&2
	exit 1
fi
cd "$project"
# shellcheck source=../fuzz/instrument-env.sh
. fuzz/instrument-env.sh

# Not `cargo fuzz ...`: in a coverage build the image's cargo wrapper turns any `cargo fuzz`
# into a build.
if ! command -v cargo-fuzz >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-fuzz" ]; then
	echo "build.sh: cargo-fuzz is missing: install it with 'cargo install cargo-fuzz --locked'" \
		"(the base-builder-rust image has it)" >&2
	exit 1
fi

for tool in jq zip; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build.sh: $tool is missing (the image has it): install it" >&2
		exit 1
	fi
done

if [ -n "${GOJS_FUZZ_TARGETS:-}" ]; then
	targets=$GOJS_FUZZ_TARGETS
else
	targets=$(cargo metadata --no-deps --format-version 1 --manifest-path fuzz/Cargo.toml |
		jq -r '.packages[].targets[] | select(.kind | index("bin")) | .name')
fi
if [ -z "$targets" ]; then
	echo "build.sh: no fuzz targets: fuzz/Cargo.toml has no [[bin]]" >&2
	exit 1
fi

flags=(-O)
case "$SANITIZER" in
address)
	# cargo fuzz's default sanitizer; -Zsanitizer needs a nightly compiler, which the image has.
	if ! rustc --version | grep -q nightly && [ -z "${RUSTC_BOOTSTRAP:-}" ]; then
		echo "build.sh: SANITIZER=address needs a nightly rustc ($(rustc --version)):" \
			"set RUSTUP_TOOLCHAIN=nightly, or SANITIZER=none for a build without a sanitizer" >&2
		exit 1
	fi
	;;
none)
	flags+=(-s none)
	;;
coverage)
	# The image's cargo wrapper turns `cargo fuzz build` into a plain `cargo build` of fuzz/
	# with coverage flags and puts the binaries where the copy below looks for them.
	;;
*)
	echo "build.sh: SANITIZER=$SANITIZER is not supported for Rust (address, none, coverage)" >&2
	exit 1
	;;
esac

# The binaries land in the fuzz crate's own target dir (it is its own workspace) unless
# CARGO_TARGET_DIR moves it; cargo resolves a relative one against the working directory.
target_dir=${CARGO_TARGET_DIR:-fuzz/target}
case "$target_dir" in
/*) ;;
*) target_dir=$project/$target_dir ;;
esac
bin_dir=$target_dir/x86_64-unknown-linux-gnu/release

if [ -z "${GOJS_FUZZ_TARGETS:-}" ]; then
	# One cargo invocation for every bin: the dependencies build once, in parallel.
	cargo fuzz build "${flags[@]}"
else
	for t in $targets; do
		cargo fuzz build "${flags[@]}" "$t"
	done
fi

mkdir -p "$OUT"
for t in $targets; do
	cp "$bin_dir/$t" "$OUT/$t"
	# The committed seeds and the inputs that once failed: both replayed by `cargo test` too.
	seeds=()
	for d in "fuzz/corpus/$t" "fuzz/regressions/$t"; do
		if [ -d "$d" ]; then
			# "$d/": a corpus directory may be a symlink to another target's (same input format).
			while IFS= read -r -d '' f; do seeds+=("$f"); done < <(find "$d/" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
		fi
	done
	rm -f "$OUT/${t}_seed_corpus.zip"
	if [ "${#seeds[@]}" -gt 0 ]; then
		zip -q -j "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
	fi
	if [ -f ".clusterfuzzlite/$t.options" ]; then
		cp ".clusterfuzzlite/$t.options" "$OUT/$t.options"
	fi
done
echo "build.sh: built" $targets "into $OUT (sanitizer: $SANITIZER)"
