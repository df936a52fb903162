//! `edgeflag validate FILE`: every problem with its JSON path; exit 1 when invalid.

use crate::common;
use edgeflag::{Engine, LoadOptions, Severity};

/// Arguments of `validate`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Exit status: 0 valid (warnings, such as an expired flag, are printed too), 1 invalid or unreadable,
2 usage error.

Examples:
  edgeflag validate examples/storefront.json
  curl -s https://cdn.example.com/flags/production.json | edgeflag validate - --json")]
pub struct Args {
    /// Snapshot file (`-` for standard input).
    pub snapshot: String,
    /// Print the problems as JSON (`{"valid", "problems": [{"severity","path","message"}]}`).
    #[arg(long)]
    pub json: bool,
}

/// Runs `validate`.
pub fn run(a: Args) -> u8 {
    let text = match common::read(&a.snapshot) {
        Ok(t) => t,
        Err(m) => {
            eprintln!("edgeflag: {m}");
            return common::PROBLEM;
        }
    };
    let now = edgeflag::time::now_ms();
    let (problems, summary) = match Engine::from_json_with(&text, &LoadOptions { now_ms: Some(now), ..LoadOptions::default() }) {
        Ok(e) => (
            e.warnings().to_vec(),
            Some(format!(
                "{}: valid snapshot, schema {}, version {}{}, {} flag{}",
                a.snapshot,
                e.schema(),
                e.version(),
                e.environment().map(|s| format!(" ({s})")).unwrap_or_default(),
                e.flag_count(),
                if e.flag_count() == 1 { "" } else { "s" }
            )),
        ),
        Err(e) => (e.problems, None),
    };
    let valid = summary.is_some();
    if a.json {
        let mut out = format!("{{\"valid\":{valid},\"problems\":[");
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"severity\":");
            edgeflag::json::write_string(&mut out, if p.severity == Severity::Error { "error" } else { "warning" });
            out.push_str(",\"path\":");
            edgeflag::json::write_string(&mut out, &p.path);
            out.push_str(",\"message\":");
            edgeflag::json::write_string(&mut out, &p.message);
            out.push('}');
        }
        out.push_str("]}");
        common::print(&out);
    } else {
        for p in &problems {
            let sev = if p.severity == Severity::Error { "error" } else { "warning" };
            common::print(&format!("{sev}: {}: {}", p.path, p.message));
        }
        match summary {
            Some(s) => common::print(&s),
            None => {
                let n = problems.iter().filter(|p| p.severity == Severity::Error).count();
                common::print(&format!("{}: invalid snapshot: {n} problem{}", a.snapshot, if n == 1 { "" } else { "s" }));
            }
        }
    }
    if valid {
        0
    } else {
        common::PROBLEM
    }
}
