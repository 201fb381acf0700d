//! The `lockgate` command: argument parsing, validation and exit codes (0 the gate
//! passed, 1 the gate failed, 2 a usage or tool error). Everything else is in the
//! library crates.

mod cli;
mod commands;

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
