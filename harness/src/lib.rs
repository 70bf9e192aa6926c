//! Conformance suite and fuzz harness for the Go `GOOS=js GOARCH=wasm` host contract.
//!
//! The pieces: [`toolchain`] finds Go, [`corpus`] builds `goprograms/` with it, [`case`]
//! reads the expectations in `cases/`, [`host`] runs a module on Node, a command or the
//! native host, and [`runner`] turns host × Go release × case into trials.

pub mod bench;
pub mod bench_real;
pub mod bless;
pub mod capabilities;
pub mod case;
pub mod config;
pub mod console;
pub mod corpus;
pub mod differences;
pub mod difffuzz;
pub mod embedded;
pub mod exec;
pub mod fuzz_regress;
pub mod host;
pub mod libtest;
pub mod matcher;
pub mod matrix;
pub mod mutants;
pub mod paths;
pub mod profile;
pub mod real;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod stdlib;
pub mod synthesized;
pub mod toolchain;
pub mod version;
