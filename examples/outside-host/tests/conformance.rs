//! The whole conformance suite on [`EmbeddedHost`]: `cargo test -p gojs-example-host`, with
//! the usual filters (`-- exit/`), `--list`, and `GOJS_GO`/`GOJS_GOROOT` for other Go releases.

use std::sync::Arc;

use gojs_example_host::EmbeddedHost;

fn main() -> std::process::ExitCode {
    gojs_harness::libtest::run_on(vec![Arc::new(EmbeddedHost::new())])
}
