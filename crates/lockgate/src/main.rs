//! The `lockgate` command: argument parsing, validation and exit codes (0 the gate
//! passed, 1 the gate failed, 2 a usage or tool error). Everything else is in the
//! library crates.

// The global allocator is mimalloc, declared by `regorus` (through lockgate-policy) in
// the build that counts live bytes, so Rego evaluations stop at their memory budget.
// mimalloc rather than the system allocator also matters for speed: parsing builds and
// drops millions of small nodes, and on `bench/run.sh`'s 10,000-object tree it scans
// 15–20 % faster than glibc's malloc (see bench/README.md).

mod admit;
mod cli;
mod commands;
mod db;
mod hook;
mod image;
mod policy;

use std::process::ExitCode;

fn main() -> ExitCode {
    match commands::run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
