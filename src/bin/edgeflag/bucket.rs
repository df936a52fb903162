//! `edgeflag bucket --flag K --unit U [SNAPSHOT] [--now T] [--json]`: a unit's bucket for a flag
//! and, with a snapshot, what each of the flag's rules gives it by bucketing alone.

use crate::common;
use crate::model::{self, items, pct, q, str_field, thousandths, V};
use crate::pretty;
use edgeflag::bucket::{bucket, BUCKETS};
use edgeflag::json::Value;
use edgeflag::time::format_rfc3339_ms;

/// Arguments of `bucket`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The bucket is (XXH3-64(salt + \":\" + unit) × 100000) >> 64, from 0 to 99999 (docs/snapshot-format.md,
section 7). Without a snapshot the salt is the flag key; with one, the flag's `salt` (default: its key).

With a snapshot, each rule is judged by bucketing alone: conditions, time windows and prerequisites are
ignored, and the unit stands for the value of each rule's `by` attribute. A percent or ramp includes the
unit when bucket < percent × 1000; a split picks the first entry whose running total exceeds the bucket.

Exit status: 0 ok, 1 the snapshot is invalid or unreadable or has no such flag, 2 usage error.

Examples:
  edgeflag bucket --flag new-checkout --unit user-bob
  edgeflag bucket --flag theme --unit 42 examples/storefront.json --now 2026-12-08T12:00:00Z")]
pub struct Args {
    /// The flag (its key; the salt when no snapshot gives another).
    #[arg(long, short)]
    pub flag: String,
    /// The unit: the value of the bucketing attribute (a string, or an integer in decimal).
    #[arg(long, short, allow_hyphen_values = true)]
    pub unit: String,
    /// A snapshot: use the flag's salt and show each rule's outcome.
    pub snapshot: Option<String>,
    /// For ramps: the instant (RFC 3339) whose percent applies, instead of now.
    #[arg(long)]
    pub now: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One rule judged by bucketing alone.
struct RuleOutcome {
    index: usize,
    id: Option<String>,
    serve: String,
    by: Option<String>,
    /// Buckets below which the unit is in (percent, ramp now) or the picked split entry's range.
    range: Option<(u32, u32)>,
    /// The variant this unit would get (when the rule's other conditions hold).
    variant: Option<String>,
    text: String,
}

/// Runs `bucket`.
pub fn run(a: Args) -> u8 {
    let now = match common::now(a.now.as_deref()) {
        Ok(n) => n,
        Err(m) => return common::usage(m),
    };
    if a.flag.is_empty() {
        return common::usage("--flag: the flag key is empty");
    }
    let loaded = match &a.snapshot {
        Some(path) => match model::load(path) {
            Ok(l) => Some(l),
            Err(c) => return c,
        },
        None => None,
    };
    let flag = match &loaded {
        Some(l) => match model::lookup(model::flags(&l.doc), &a.flag) {
            Some(f) => Some(f),
            None => {
                let keys: Vec<&str> = l.engine.flag_keys().collect();
                eprintln!(
                    "edgeflag: flag \"{}\" is not in {} (its flags: {})",
                    a.flag,
                    a.snapshot.as_deref().unwrap_or(""),
                    if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
                );
                return common::PROBLEM;
            }
        },
        None => None,
    };
    let salt = flag.map(|f| model::salt(&a.flag, f)).unwrap_or(&a.flag).to_string();
    let b = bucket(&salt, &a.unit);
    let rules: Vec<RuleOutcome> = flag.map(|f| items(f.get("rules")).iter().enumerate().map(|(i, r)| judge(i, r, b, now)).collect()).unwrap_or_default();
    let uses_ramp = flag.is_some_and(|f| items(f.get("rules")).iter().any(|r| model::serve_form(r.get("serve")) == "ramp"));
    if a.json {
        let mut m = vec![
            ("flag", model::s(&a.flag)),
            ("salt", model::s(&salt)),
            ("unit", model::s(&a.unit)),
            ("input", model::s(&format!("{salt}:{}", a.unit))),
            ("bucket", model::n(i64::from(b))),
        ];
        if flag.is_some() {
            m.push(("now", model::s(&format_rfc3339_ms(now))));
            let list: Vec<V> = rules
                .iter()
                .map(|r| {
                    model::obj(vec![
                        ("index", model::n(r.index as i64)),
                        ("id", model::opt_s(r.id.as_deref())),
                        ("serve", model::s(&r.serve)),
                        ("by", model::opt_s(r.by.as_deref())),
                        ("bucketsFrom", r.range.map(|x| model::n(i64::from(x.0))).unwrap_or(Value::Null)),
                        ("bucketsTo", r.range.map(|x| model::n(i64::from(x.1))).unwrap_or(Value::Null)),
                        ("variant", model::opt_s(r.variant.as_deref())),
                        ("text", model::s(&r.text)),
                    ])
                })
                .collect();
            m.push(("rules", Value::Array(list)));
        }
        common::print(pretty::pretty(&model::obj(m)).trim_end_matches('\n'));
        return 0;
    }
    let mut s = format!(
        "flag {}, salt {}{}, unit {}\ninput {} → bucket {b} of 0–{}\n",
        a.flag,
        q(&salt),
        if flag.is_some() { "" } else { " (the flag key; pass a snapshot to use the flag's own salt)" },
        q(&a.unit),
        q(&format!("{salt}:{}", a.unit)),
        BUCKETS - 1
    );
    s.push_str(&format!("in every percent rollout of more than {p}; out of those of {p} or less\n", p = pct(u64::from(b))));
    if flag.is_some() {
        if rules.is_empty() {
            s.push_str("\nthe flag has no rules\n");
        } else {
            s.push_str("\nBy bucketing alone (conditions, time windows and prerequisites ignored");
            if uses_ramp {
                s.push_str(&format!("; ramps at {}", format_rfc3339_ms(now)));
            }
            s.push_str("):\n");
            for r in &rules {
                s.push_str(&format!("  rule {}{}: {}\n    {}\n", r.index, r.id.as_deref().map(|i| format!(" {}", q(i))).unwrap_or_default(), r.serve, r.text));
            }
        }
    }
    common::print(s.trim_end_matches('\n'));
    0
}

fn judge(index: usize, r: &V, b: u32, now: i64) -> RuleOutcome {
    let serve = r.get("serve");
    let form = model::serve_form(serve);
    let by = (form != "variant").then(|| model::by(serve).to_string());
    let by_note = match by.as_deref() {
        Some("key") | None => String::new(),
        Some(other) => format!(" (the unit as {other})"),
    };
    let mut o = RuleOutcome {
        index,
        id: str_field(r, "id").map(String::from),
        serve: model::serve_text(serve),
        by,
        range: None,
        variant: None,
        text: String::new(),
    };
    let in_out = |o: &mut RuleOutcome, t: u64, what: String, v: Option<&str>| {
        let t = t.min(u64::from(BUCKETS)) as u32;
        o.range = Some((0, t));
        if b < t {
            o.variant = v.map(String::from);
            o.text = format!("{what}: bucket {b} < {t}{by_note} → in: {}", q(v.unwrap_or("?")));
        } else {
            o.text = format!("{what}: bucket {b} ≥ {t}{by_note} → out: falls through to the next rule");
        }
    };
    match (form, serve) {
        ("variant", Some(Value::String(v))) => {
            o.variant = Some(v.to_string());
            o.text = format!("not bucketed: {} to everyone the rule applies to", q(v));
        }
        ("percent", Some(s)) => {
            let t = thousandths(s.get("percent")).unwrap_or(0);
            in_out(&mut o, t, format!("percent {}", pct(t)), str_field(s, "variant"));
        }
        ("ramp", Some(s)) => {
            let steps = model::ramp_steps(s);
            let t = model::ramp_at(&steps, now);
            in_out(&mut o, t, format!("ramp at {} now", pct(t)), str_field(s, "variant"));
            let first_in = steps.iter().find(|(_, p)| u64::from(b) < *p);
            let when = match first_in {
                Some((at, p)) => format!("; the unit is in from the step at {} ({})", format_rfc3339_ms(*at), pct(*p)),
                None => "; no step includes the unit".to_string(),
            };
            o.text.push_str(&when);
        }
        ("split", Some(s)) => {
            let mut start = 0u64;
            let mut found = None;
            let mut parts = Vec::new();
            for e in items(s.get("split")) {
                let p = thousandths(e.get("percent")).unwrap_or(0);
                let end = start + p;
                let v = str_field(e, "variant").unwrap_or("?");
                parts.push(format!("{} {start}–{}", q(v), end.saturating_sub(1)));
                if found.is_none() && u64::from(b) < end {
                    found = Some((v.to_string(), start, end));
                }
                start = end;
            }
            match found {
                Some((v, from, to)) => {
                    o.range = Some((from as u32, to as u32));
                    o.text = format!("split buckets {}: bucket {b}{by_note} → {}", parts.join(", "), q(&v));
                    o.variant = Some(v);
                }
                None => o.text = format!("split: bucket {b} is in no entry"),
            }
        }
        _ => o.text = "?".into(),
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> V {
        edgeflag::json::parse(t).unwrap().into_owned()
    }

    #[test]
    fn rules_by_bucketing_alone() {
        // The spec's worked examples: new-checkout/user-bob is bucket 19034; theme-2026/user-ada 62021.
        assert_eq!(bucket("new-checkout", "user-bob"), 19034);
        let r = judge(0, &v(r#"{"serve":{"variant":"on","percent":30}}"#), 19034, 0);
        assert_eq!((r.variant.as_deref(), r.range), (Some("on"), Some((0, 30000))));
        let r = judge(0, &v(r#"{"serve":{"variant":"on","percent":19.034}}"#), 19034, 0);
        assert_eq!(r.variant, None);
        let split = v(r#"{"serve":{"split":[{"variant":"classic","percent":34},{"variant":"midnight","percent":33},{"variant":"ocean","percent":33}]}}"#);
        let r = judge(0, &split, 62021, 0);
        assert_eq!((r.variant.as_deref(), r.range), (Some("midnight"), Some((34000, 67000))));
        let ramp = v(r#"{"serve":{"variant":"on","ramp":[{"at":"2026-01-01T00:00:00Z","percent":5},{"at":"2026-02-01T00:00:00Z","percent":50}]}}"#);
        let jan15 = edgeflag::time::parse_rfc3339_ms("2026-01-15T00:00:00Z").unwrap();
        let r = judge(0, &ramp, 19034, jan15);
        assert_eq!(r.variant, None);
        assert!(r.text.contains("in from the step at 2026-02-01T00:00:00Z (50%)"), "{}", r.text);
        let r = judge(0, &v(r#"{"serve":"on"}"#), 5, 0);
        assert_eq!((r.variant.as_deref(), r.by), (Some("on"), None));
    }
}
