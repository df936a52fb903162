//! `edgeflag`: the command-line tool. Exit codes: 0 ok, 1 a problem found (invalid snapshot,
//! unreadable file, lint findings), 2 usage error.

mod bucket;
mod build;
mod common;
mod diff;
mod eval;
mod explain;
mod keygen;
mod lint;
mod model;
mod pretty;
mod rollback;
mod sign;
mod validate;
mod yaml;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Feature flags evaluated where the user is: build, validate, evaluate, explain, diff and lint snapshots.
#[derive(Parser, Debug)]
#[command(
    name = "edgeflag",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Exit status, for every command: 0 ok, 1 a problem found (an invalid or unreadable input, lint findings,\n\
                  an unknown flag, ...), 2 usage error. `edgeflag help COMMAND` shows a command's options and examples.\n\
                  Documentation: docs/cli.md."
)]
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
    /// Explain one evaluation: prerequisites, rules, conditions, buckets.
    Explain(explain::Args),
    /// Release notes between two snapshots (text, Markdown or JSON).
    Diff(diff::Args),
    /// Compose a snapshot from JSON/YAML sources, for an environment and an audience.
    Build(build::Args),
    /// Report what a reviewer should see: expired, stale and dead flags, rules, segments, variants.
    Lint(lint::Args),
    /// A unit's bucket for a flag, and what each of the flag's rules gives it by bucketing alone.
    Bucket(bucket::Args),
    /// Create an Ed25519 key pair for signing snapshots (private key file 0600, public key JWK).
    Keygen(keygen::Args),
    /// Sign a snapshot: an Ed25519 signature over its exact bytes, written to SNAPSHOT.sig.
    Sign(sign::Args),
    /// Check a snapshot's signature file with trusted public keys, as the JS client does.
    Verify(sign::VerifyArgs),
    /// Republish an earlier snapshot's content under a new version (a deliberate rollback).
    Rollback(rollback::Args),
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
        Command::Explain(a) => explain::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Build(a) => build::run(a),
        Command::Lint(a) => lint::run(a),
        Command::Bucket(a) => bucket::run(a),
        Command::Keygen(a) => keygen::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Verify(a) => sign::verify_run(a),
        Command::Rollback(a) => rollback::run(a),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
