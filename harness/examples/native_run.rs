//! Temporary driver for `gojs_harness::native::cli::run_command` until `gojs-harness run` is
//! wired in main.rs: `native_run [--deterministic] [--no-cache] [--timeout S] WASM [ARGS...]`.

use std::path::PathBuf;
use std::time::Duration;

use gojs_harness::native::NativeRunOptions;
use gojs_harness::native::cli::run_command;

fn main() {
    let mut opts = NativeRunOptions::default();
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.peek() {
        match a.as_str() {
            "--deterministic" => opts.deterministic = true,
            "--no-cache" => opts.cache = false,
            "--timeout" => {
                args.next();
                opts.timeout = args
                    .peek()
                    .and_then(|s| s.parse::<f64>().ok())
                    .map(Duration::from_secs_f64);
            }
            "--max-memory" => {
                args.next();
                opts.max_memory = args.peek().and_then(|s| s.parse().ok());
            }
            _ => break,
        }
        args.next();
    }
    let Some(wasm) = args.next() else {
        eprintln!("usage: native_run [--deterministic] [--no-cache] [--timeout S] WASM [ARGS...]");
        std::process::exit(2);
    };
    let rest: Vec<String> = args.collect();
    std::process::exit(run_command(opts, &PathBuf::from(wasm), &rest));
}
