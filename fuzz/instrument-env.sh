# Sourced by campaign.sh and .clusterfuzzlite/build.sh: GOJS_FUZZ_INSTRUMENT picks which crates
# carry SanitizerCoverage. `all` (the default) is cargo-fuzz's own build; `ours` runs rustc
# through instrument-ours.sh, which keeps it in this repository's crates only.
case "${GOJS_FUZZ_INSTRUMENT:-all}" in
all) ;;
ours)
	gojs_wrapper=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/instrument-ours.sh
	if [ "${RUSTC_WRAPPER:-}" != "$gojs_wrapper" ]; then
		# A wrapper already set (sccache, …) runs inside ours.
		if [ -n "${RUSTC_WRAPPER:-}" ] && [ -z "${GOJS_FUZZ_INNER_WRAPPER:-}" ]; then
			export GOJS_FUZZ_INNER_WRAPPER=$RUSTC_WRAPPER
		fi
		export RUSTC_WRAPPER=$gojs_wrapper
	fi
	# cargo fingerprints RUSTFLAGS but not the wrapper: without a mark of its own, a build made
	# the other way would be taken as up to date.
	case " ${RUSTFLAGS:-} " in
	*" --cfg gojs_fuzz_instrument_ours "*) ;;
	*) export RUSTFLAGS="${RUSTFLAGS:-} --cfg gojs_fuzz_instrument_ours" ;;
	esac
	;;
*)
	echo "GOJS_FUZZ_INSTRUMENT=$GOJS_FUZZ_INSTRUMENT: expected all or ours" >&2
	exit 1
	;;
esac
