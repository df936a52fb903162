//! `edgeflag`: the command-line tool. Exit codes: 0 ok, 1 a problem found (invalid snapshot,
//! unreadable file, lint findings), 2 usage error.

mod common;
mod eval;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Feature flags evaluated where the user is: validate, evaluate and explain snapshots.
#[derive(Parser, Debug)]
#[command(name = "edgeflag", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate flags for a context and print one JSON object keyed by flag key.
    Eval(eval::Args),
    /// Check a snapshot: print every problem with its JSON path; exit 1 when invalid.
    Validate(validate::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Eval(a) => eval::run(a),
        Command::Validate(a) => validate::run(a),
    };
    ExitCode::from(code)
}
