//! Conformance suite and fuzz harness for the Go `GOOS=js GOARCH=wasm` host contract.
//!
//! The pieces: [`toolchain`] finds Go, [`corpus`] builds `goprograms/` with it, [`case`]
//! reads the expectations in `cases/`, [`host`] runs a module on Node, a command or the
//! native host, and [`runner`] turns host × Go release × case into trials.

pub mod abi;
pub mod bench;
pub mod bless;
pub mod case;
pub mod config;
pub mod corpus;
pub mod differences;
pub mod fuzzing;
pub mod host;
pub mod matcher;
pub mod mutants;
pub mod native;
pub mod paths;
pub mod realm;
pub mod report;
pub mod runner;
pub mod stdlib;
pub mod synth;
pub mod toolchain;
pub mod version;
