//! The `stent` command-line tool: the commands of the contract (docs/cli.md) over the frontend,
//! the IR and the engines. The binary's `main` only parses arguments and reports errors; the
//! work is here so integration tests can call it.

pub mod commands;
pub mod conformance;
pub mod engines;
pub mod fuzz;
pub mod load;
