//! Helpers shared by the subcommands: reading and loading snapshots, parsing contexts and times.

use edgeflag::{Context, Engine, LoadError, LoadOptions};
use std::fmt::Display;

/// Exit code: a problem was found (invalid snapshot, unreadable file, ...).
pub const PROBLEM: u8 = 1;
/// Exit code: the command line was wrong.
pub const USAGE: u8 = 2;

/// Prints a usage error and returns the usage exit code.
pub fn usage(msg: impl Display) -> u8 {
    eprintln!("edgeflag: usage error: {msg}");
    USAGE
}

/// Reads a file (or `-` for standard input).
pub fn read(path: &str) -> Result<String, String> {
    let bytes = if path == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v).map_err(|e| format!("cannot read standard input: {e}"))?;
        v
    } else {
        std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?
    };
    String::from_utf8(bytes).map_err(|e| format!("{path} is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
}

/// Prints every problem of a load error on stderr.
pub fn print_load_error(path: &str, e: &LoadError) {
    for p in &e.problems {
        let sev = match p.severity {
            edgeflag::Severity::Error => "error",
            edgeflag::Severity::Warning => "warning",
        };
        eprintln!("{path}: {sev}: {}: {}", p.path, p.message);
    }
}

/// Reads and loads a snapshot; on failure prints why and returns the exit code.
pub fn load(path: &str, now_ms: Option<i64>) -> Result<Engine, u8> {
    let text = read(path).map_err(|m| {
        eprintln!("edgeflag: {m}");
        PROBLEM
    })?;
    Engine::from_json_with(&text, &LoadOptions { now_ms, ..LoadOptions::default() }).map_err(|e| {
        print_load_error(path, &e);
        PROBLEM
    })
}

/// Parses `--context` JSON: must be an object without duplicate keys.
pub fn context(text: Option<&str>) -> Result<Context, String> {
    match text {
        None => Ok(Context::empty()),
        Some(t) => Context::from_json(t).map_err(|e| format!("--context: {}", e.message)),
    }
}

/// Parses `--now` (RFC 3339), defaulting to the system clock.
pub fn now(text: Option<&str>) -> Result<i64, String> {
    match text {
        None => Ok(edgeflag::time::now_ms()),
        Some(t) => edgeflag::time::parse_rfc3339_ms(t).ok_or_else(|| format!("--now: \"{t}\" is not an RFC 3339 date-time")),
    }
}

/// Prints a line on stdout, ignoring a closed pipe (`edgeflag eval ... | head`).
pub fn print(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

/// The inputs of an evaluation: context and time first (usage errors win over an invalid snapshot,
/// spec §10), then the snapshot. On failure, the exit code (messages already printed).
pub fn evaluation_inputs(snapshot: &str, context_json: Option<&str>, now_text: Option<&str>) -> Result<(Engine, Context, i64), u8> {
    let ctx = context(context_json).map_err(usage)?;
    let now = now(now_text).map_err(usage)?;
    let engine = load(snapshot, None)?;
    Ok((engine, ctx, now))
}
