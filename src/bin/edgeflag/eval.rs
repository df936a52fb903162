//! `edgeflag eval SNAPSHOT --context JSON [--flag KEY]... [--now RFC3339]` (spec §10).

use crate::common;

/// Arguments of `eval`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Prints {\"<flag>\": {\"value\", \"variant\", \"reason\", \"ruleId\", \"ruleIndex\", \"errorCode\", ...}, ...}; an unknown
flag gives reason ERROR, errorCode FLAG_NOT_FOUND and value null.

Exit status: 0 the snapshot loaded (evaluation errors are in the output), 1 invalid or unreadable
snapshot (every problem on stderr), 2 usage error (a --context that is not a JSON object, or has a
duplicate key, included). A usage error wins over an invalid snapshot.

Examples:
  edgeflag eval examples/storefront.json --context '{\"key\": \"user-bob\", \"country\": \"FR\"}'
  edgeflag eval examples/storefront.json --context '{\"key\": 42}' --flag theme --now 2026-12-08T12:00:00Z")]
pub struct Args {
    /// Snapshot file (`-` for standard input).
    pub snapshot: String,
    /// The evaluation context, a JSON object (default `{}`).
    #[arg(long, short)]
    pub context: Option<String>,
    /// Only these flags (repeatable); all flags when absent.
    #[arg(long = "flag", short)]
    pub flags: Vec<String>,
    /// Evaluate at this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<String>,
}

/// Runs `eval`.
pub fn run(a: Args) -> u8 {
    let (engine, ctx, now) = match common::evaluation_inputs(&a.snapshot, a.context.as_deref(), a.now.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let keys: Vec<String> = if a.flags.is_empty() {
        engine.flag_keys().map(String::from).collect()
    } else {
        let mut seen = Vec::new();
        for k in a.flags {
            if !seen.contains(&k) {
                seen.push(k);
            }
        }
        seen
    };
    let mut out = String::from("{");
    for (i, k) in keys.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        edgeflag::json::write_string(&mut out, k);
        out.push_str(": ");
        engine.evaluate(k, &ctx, now).write_json(&mut out);
    }
    out.push_str(if keys.is_empty() { "}" } else { "\n}" });
    common::print(&out);
    0
}
