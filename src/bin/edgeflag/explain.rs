//! `edgeflag explain SNAPSHOT --flag K [--context JSON] [--now T] [--json]`: why a flag evaluates
//! as it does for one context. The trace comes from the core (`Engine::explain`), the same data the
//! explorer page shows; this command only prints it.

use crate::common;

/// Arguments of `explain`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The trace lists the kill switch, each prerequisite (with its own trace), each rule tried: its time
window, every condition with the attribute value seen and why it held or not, and for split,
percent and ramp rules the unit's bucket and the threshold it was compared with.

Exit status: 0 explained, 1 the snapshot is invalid or unreadable or has no such flag, 2 usage error.

Examples:
  edgeflag explain examples/storefront.json --flag new-checkout \\
      --context '{\"key\": \"user-bob\", \"email\": \"bob@example.org\"}' --now 2026-12-08T12:00:00Z
  edgeflag explain examples/storefront.json --flag theme --context '{\"key\": 42}' --json")]
pub struct Args {
    /// Snapshot file (`-` for standard input).
    pub snapshot: String,
    /// The flag to explain.
    #[arg(long, short)]
    pub flag: String,
    /// The evaluation context, a JSON object (default `{}`).
    #[arg(long, short)]
    pub context: Option<String>,
    /// Evaluate at this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<String>,
    /// Print the trace as JSON (the explorer page's format) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `explain`.
pub fn run(a: Args) -> u8 {
    let (engine, ctx, now) = match common::evaluation_inputs(&a.snapshot, a.context.as_deref(), a.now.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(trace) = engine.explain(&a.flag, &ctx, now) else {
        let keys: Vec<&str> = engine.flag_keys().collect();
        eprintln!(
            "edgeflag: flag \"{}\" is not in {} (version {}; its flags: {})",
            a.flag,
            a.snapshot,
            engine.version(),
            if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
        );
        return common::PROBLEM;
    };
    if a.json {
        common::print(&trace.to_json());
    } else {
        let text = trace.to_text();
        common::print(text.trim_end_matches('\n'));
    }
    0
}
