//! Modules synthesized from a short description: they reach corners of the import ABI that a
//! Go program never does, and need no Go toolchain.

pub mod build;
pub mod frame;
pub mod interp;
pub mod spec;

pub use build::build;
pub use spec::ModuleSpec;
