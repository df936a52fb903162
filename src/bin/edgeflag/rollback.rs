//! `edgeflag rollback OLD_SNAPSHOT --current CURRENT -o OUT`: a deliberate rollback, published forward.
//!
//! Clients refuse a snapshot whose `version` is lower than the one they hold (anti-rollback), so going
//! back to an earlier snapshot means publishing its content under a *new* version. This writes OLD's
//! flags and segments unchanged with `version` = CURRENT's version + 1, `publishedAt` set to now (when OLD
//! has one) and `metadata.rollbackOf` = OLD's version, checks that the result loads, and writes it
//! (pretty-printed). Sign and publish OUT like any snapshot (docs/security.md).

use crate::common::{self, PROBLEM};
use edgeflag::json::{self, Number, Value};
use edgeflag::{Engine, LoadOptions};
use std::borrow::Cow;

/// Largest version clients compare exactly (JavaScript numbers): 2^53 − 1.
const MAX_VERSION: u64 = (1 << 53) - 1;

/// Arguments of `rollback`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Exit status: 0 written, 1 a snapshot is invalid or unreadable (or the version would pass 2^53 - 1),
2 usage error.

Example:
  edgeflag rollback archive/production.41.json --current production.json -o production.json
  edgeflag sign production.json --key edgeflag.key")]
pub struct Args {
    /// The earlier snapshot whose content is to be served again.
    pub old: String,
    /// The snapshot published now (its version + 1 is the new version).
    #[arg(long)]
    pub current: String,
    /// Where to write the new snapshot (`-` for standard output). It may be CURRENT itself.
    #[arg(long, short)]
    pub output: String,
}

/// Runs `rollback`.
pub fn run(a: Args) -> u8 {
    let current = match common::load(&a.current, None) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let old_text = match common::read(&a.old) {
        Ok(t) => t,
        Err(m) => {
            eprintln!("edgeflag: {m}");
            return PROBLEM;
        }
    };
    let old = match Engine::from_json_with(&old_text, &LoadOptions::default()) {
        Ok(e) => e,
        Err(e) => {
            common::print_load_error(&a.old, &e);
            return PROBLEM;
        }
    };
    let Some(version) = current.version().checked_add(1).filter(|v| *v <= MAX_VERSION) else {
        eprintln!("edgeflag: {}: version {} + 1 passes 2^53 - 1, which clients cannot compare exactly", a.current, current.version());
        return PROBLEM;
    };
    // The old document loaded, so it is an object whose members are known to be well formed.
    let Ok(Value::Object(mut members)) = json::parse(&old_text).map(Value::into_owned) else {
        eprintln!("edgeflag: {}: not a JSON object", a.old);
        return PROBLEM;
    };
    let set = |members: &mut Vec<(Cow<'static, str>, Value<'static>)>, key: &'static str, value: Value<'static>, after: &str| {
        if let Some(m) = members.iter_mut().find(|(k, _)| k == key) {
            m.1 = value;
        } else {
            let at = members.iter().position(|(k, _)| k == after).map_or(members.len(), |i| i + 1);
            members.insert(at, (Cow::Borrowed(key), value));
        }
    };
    set(&mut members, "version", Value::Number(Number::from_u64(version)), "schema");
    if members.iter().any(|(k, _)| k == "publishedAt") {
        let now = edgeflag::time::format_rfc3339_ms(edgeflag::time::now_ms());
        set(&mut members, "publishedAt", Value::String(Cow::Owned(now)), "environment");
    }
    let mut metadata = match members.iter().find(|(k, _)| k == "metadata") {
        Some((_, Value::Object(m))) => m.clone(),
        _ => Vec::new(),
    };
    metadata.retain(|(k, _)| k != "rollbackOf");
    metadata.push((Cow::Borrowed("rollbackOf"), Value::Number(Number::from_u64(old.version()))));
    set(&mut members, "metadata", Value::Object(metadata), "publishedAt");
    let text = crate::pretty::pretty(&Value::Object(members));

    // What we write must load, and must carry the old content.
    match Engine::from_json_with(&text, &LoadOptions::default()) {
        Ok(e) if e.version() == version && e.flag_count() == old.flag_count() => {}
        Ok(_) => {
            eprintln!("edgeflag: internal error: the rolled-back snapshot does not match {}", a.old);
            return PROBLEM;
        }
        Err(e) => {
            common::print_load_error("(rollback)", &e);
            return PROBLEM;
        }
    }
    if a.output == "-" {
        common::print(text.trim_end());
    } else if let Err(e) = std::fs::write(&a.output, &text) {
        eprintln!("edgeflag: cannot write {}: {e}", a.output);
        return PROBLEM;
    }
    eprintln!(
        "rollback: the content of version {} ({}) republished as version {version} (current: {}){}; sign and publish it",
        old.version(),
        a.old,
        current.version(),
        if a.output == "-" { String::new() } else { format!(" in {}", a.output) }
    );
    if old.version() >= current.version() {
        eprintln!("note: {} (version {}) is not older than {} (version {})", a.old, old.version(), a.current, current.version());
    }
    0
}
