#!/usr/bin/env bash
# Fetch Go 1.15 (Debian bullseye's golang-1.15) and unpack it under DEST (default:
# target/go1.15), without touching the machine's apt sources or installing anything:
# apt-get reads a sources list and package lists of its own under a temporary directory,
# `apt-get download` fetches the two .debs, and `dpkg-deb -x` unpacks them.
#
#   .ci/fetch-go1.15.sh [DEST]
#   gojs-harness matrix --goroot "$DEST/usr/lib/go-1.15" ...
#
# Prints the GOROOT on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-target/go1.15}
goroot="$dest/usr/lib/go-1.15"
if [ -x "$goroot/bin/go" ]; then
	echo "$goroot"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/etc/preferences.d" "$dest"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" >"$work/bullseye.list"
opts=(
	-o "Dir::Etc::SourceList=$work/bullseye.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::Etc::PreferencesParts=$work/etc/preferences.d"
	-o "Dir::State::Lists=$work/lists"
	-o "Dir::Cache::Archives=$work/archives"
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
)
apt-get "${opts[@]}" update -qq >&2
(cd "$work" && apt-get "${opts[@]}" download golang-1.15-go golang-1.15-src >&2)
for deb in "$work"/*.deb; do
	dpkg-deb -x "$deb" "$dest"
done
GOENV=off "$goroot/bin/go" version >&2
echo "$goroot"
