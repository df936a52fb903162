//! `edgeflag lint SNAPSHOT [--now T] [--stale-days N] [--json]`: what a reviewer wants flagged.
//!
//! Findings (each with a code and a JSON path):
//! - `expired`: the flag's `expires` is in the past.
//! - `stale`: the flag is *settled*, serving one variant to everyone, for more than N days (see
//!   [`settled`] for the exact definition and how the date is found). Flags tagged `permanent` are
//!   exempt (operational switches meant to stay).
//! - `rule-after-catch-all`, `rule-never-matches`, `rule-window-over`, `rule-serves-nobody`: rules
//!   that can never apply.
//! - `unused-segment`, `empty-segment`: segments no flag uses; segments nobody can be in.
//! - `variant-never-served`: not default, not offVariant, served by no rule or split entry, and
//!   named by no prerequisite.

use crate::common;
use crate::model::{self, items, str_field, thousandths, V};
use crate::pretty;
use edgeflag::json::Value;
use edgeflag::time::{format_rfc3339_ms, parse_date_or_datetime_ms, parse_rfc3339_ms};

const DAY_MS: i64 = 86_400_000;

/// Arguments of `lint`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Findings, each with a code and a JSON path:
  expired               `expires` is in the past
  stale                 the flag has served one variant to everyone for more than --stale-days days:
                        disabled; or every rule that can still apply serves the same variant as the
                        flag would otherwise (a rule for everyone, or a 100% percent, ramp or split,
                        ends the list); the date is the last ramp step, rule start or rule end that
                        made it so, else publishedAt. Flags tagged `permanent` are exempt.
  rule-after-catch-all  a rule after one that serves everyone (no condition, no window)
  rule-never-matches    its condition can never hold (`any: []`, `not` of `all: []`, `in` with no
                        values, a segment nobody can be in, ...)
  rule-window-over      its `until` has passed
  rule-serves-nobody    `percent: 0`, or a ramp whose steps are all 0%
  unused-segment        no flag uses the segment (directly or through other segments)
  empty-segment         no include list and no condition that can hold: nobody is in it
  variant-never-served  not default/offVariant, served by no rule, named by no prerequisite

Exit status: 0 no findings, 1 findings (or an invalid or unreadable snapshot), 2 usage error.

Examples:
  edgeflag lint published.json
  edgeflag lint examples/storefront.json --now 2027-02-15T00:00:00Z --stale-days 30 --json")]
pub struct Args {
    /// Snapshot file (`-` for standard input).
    pub snapshot: String,
    /// Judge at this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<String>,
    /// A settled flag is stale after this many days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub stale_days: u32,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable code (see the module's list).
    pub code: &'static str,
    /// JSON path.
    pub path: String,
    /// For people.
    pub message: String,
}

/// Runs `lint`.
pub fn run(a: Args) -> u8 {
    let now = match common::now(a.now.as_deref()) {
        Ok(n) => n,
        Err(m) => return common::usage(m),
    };
    let loaded = match model::load(&a.snapshot) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let findings = lint(&loaded.doc, now, a.stale_days);
    if a.json {
        let list: Vec<V> = findings
            .iter()
            .map(|f| model::obj(vec![("code", model::s(f.code)), ("path", model::s(&f.path)), ("message", model::s(&f.message))]))
            .collect();
        let doc = model::obj(vec![
            ("snapshot", model::s(&a.snapshot)),
            ("now", model::s(&format_rfc3339_ms(now))),
            ("staleDays", model::n(i64::from(a.stale_days))),
            ("count", model::n(findings.len() as i64)),
            ("findings", Value::Array(list)),
        ]);
        common::print(pretty::pretty(&doc).trim_end_matches('\n'));
    } else {
        for f in &findings {
            common::print(&format!("{}: {} [{}]", f.path, f.message, f.code));
        }
        match findings.len() {
            0 => common::print(&format!("{}: no findings", a.snapshot)),
            n => common::print(&format!("{}: {n} finding{}", a.snapshot, if n == 1 { "" } else { "s" })),
        }
    }
    if findings.is_empty() {
        0
    } else {
        common::PROBLEM
    }
}

/// Every finding for a valid snapshot, in document order (flags, then segments).
pub fn lint(doc: &V, now: i64, stale_days: u32) -> Vec<Finding> {
    let mut out = Vec::new();
    let published = model::instant(doc, "publishedAt");
    for (key, flag) in model::flags(doc) {
        let base = format!("flags.{key}");
        if let Some(exp) = str_field(flag, "expires") {
            if let Some(t) = parse_date_or_datetime_ms(exp).filter(|t| *t <= now) {
                out.push(Finding {
                    code: "expired",
                    path: format!("{base}.expires"),
                    message: format!("expired on {exp} ({}): remove the flag, or set a new date", ago(now - t)),
                });
            }
        }
        let permanent = items(flag.get("tags")).iter().any(|t| t.as_str() == Some("permanent"));
        if !permanent {
            if let Some(s) = settled(doc, flag, now) {
                let (since, how) = match (s.since, published) {
                    (Some(t), _) => (Some(t), format!("since {}", format_rfc3339_ms(t))),
                    (None, Some(p)) => (Some(p), format!("since at least {} (publishedAt)", format_rfc3339_ms(p))),
                    (None, None) => (None, String::new()),
                };
                if let Some(t) = since.filter(|t| now - *t > i64::from(stale_days) * DAY_MS) {
                    let what = match s.state {
                        State::Disabled => format!("disabled (serving offVariant {} to everyone)", model::q(&s.variant)),
                        State::Off => format!("fully off (serving only {} to everyone)", model::q(&s.variant)),
                        State::RolledOut => format!("fully rolled out (serving only {} to everyone)", model::q(&s.variant)),
                    };
                    out.push(Finding {
                        code: "stale",
                        path: base.clone(),
                        message: format!(
                            "{what} {how}, {} (more than {stale_days}): remove the flag and keep that behaviour in code, or tag it \"permanent\"",
                            ago(now - t)
                        ),
                    });
                }
            }
        }
        lint_rules(doc, &base, flag, now, &mut out);
        let served = referenced_variants(doc, key, flag);
        for (v, _) in model::members(flag.get("variants")) {
            if !served.iter().any(|s| s == v) {
                out.push(Finding {
                    code: "variant-never-served",
                    path: format!("{base}.variants.{v}"),
                    message: format!("variant {} is never served: not default or offVariant, no rule serves it, no prerequisite names it", model::q(v)),
                });
            }
        }
    }
    let mut used: Vec<String> = Vec::new();
    for (_, f) in model::flags(doc) {
        used.extend(model::flag_segments(doc, f));
    }
    for (key, seg) in model::segments(doc) {
        if !used.iter().any(|u| u == key) {
            out.push(Finding {
                code: "unused-segment",
                path: format!("segments.{key}"),
                message: format!("segment {} is not used by any flag (directly or through another segment)", model::q(key)),
            });
        }
        if let (Tri::Never, why) = segment_tri(doc, seg, 0) {
            out.push(Finding { code: "empty-segment", path: format!("segments.{key}"), message: format!("nobody can be in segment {}: {why}", model::q(key)) });
        }
    }
    out
}

fn ago(ms: i64) -> String {
    let days = ms / DAY_MS;
    match days {
        0 => "less than a day ago".into(),
        1 => "1 day ago".into(),
        d => format!("{d} days ago"),
    }
}

/// Whether a condition always, never or sometimes holds, judged from its shape alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    /// Holds for every context.
    Always,
    /// Holds for no context.
    Never,
    /// Depends on the context.
    Maybe,
}

const POSITIVE_OPS: [&str; 18] = [
    "eq",
    "in",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
    "lt",
    "lte",
    "gt",
    "gte",
    "semver_eq",
    "semver_lt",
    "semver_lte",
    "semver_gt",
    "semver_gte",
    "before",
    "after",
    "in_cidr",
];

/// Judges a condition, with the reason when it is `Always` or `Never`.
pub fn tri(doc: &V, c: &V, depth: usize) -> (Tri, String) {
    if depth > 64 {
        return (Tri::Maybe, String::new());
    }
    if let Some(list) = c.get("all").and_then(Value::as_array) {
        if list.is_empty() {
            return (Tri::Always, "`all: []` always holds".into());
        }
        let parts: Vec<(Tri, String)> = list.iter().map(|x| tri(doc, x, depth + 1)).collect();
        if let Some((_, why)) = parts.iter().find(|p| p.0 == Tri::Never) {
            return (Tri::Never, why.clone());
        }
        if parts.iter().all(|p| p.0 == Tri::Always) {
            return (Tri::Always, parts[0].1.clone());
        }
        return (Tri::Maybe, String::new());
    }
    if let Some(list) = c.get("any").and_then(Value::as_array) {
        if list.is_empty() {
            return (Tri::Never, "`any: []` never holds".into());
        }
        let parts: Vec<(Tri, String)> = list.iter().map(|x| tri(doc, x, depth + 1)).collect();
        if let Some((_, why)) = parts.iter().find(|p| p.0 == Tri::Always) {
            return (Tri::Always, why.clone());
        }
        if parts.iter().all(|p| p.0 == Tri::Never) {
            return (Tri::Never, parts[0].1.clone());
        }
        return (Tri::Maybe, String::new());
    }
    if let Some(inner) = c.get("not") {
        return match tri(doc, inner, depth + 1) {
            (Tri::Always, why) => (Tri::Never, format!("`not` of a condition that always holds ({why})")),
            (Tri::Never, why) => (Tri::Always, format!("`not` of a condition that never holds ({why})")),
            m => m,
        };
    }
    if let Some(s) = str_field(c, "segment") {
        return match model::lookup(model::segments(doc), s).map(|seg| segment_tri(doc, seg, depth + 1)) {
            Some((Tri::Never, why)) => (Tri::Never, format!("nobody can be in segment {} ({why})", model::q(s))),
            Some((Tri::Always, why)) => (Tri::Always, format!("everyone is in segment {} ({why})", model::q(s))),
            _ => (Tri::Maybe, String::new()),
        };
    }
    let op = str_field(c, "op").unwrap_or("");
    if let Some(Value::Array(vals)) = c.get("values") {
        if vals.is_empty() && POSITIVE_OPS.contains(&op) {
            return (Tri::Never, format!("`{op}` with `values: []` never holds"));
        }
    }
    (Tri::Maybe, String::new())
}

fn segment_tri(doc: &V, seg: &V, depth: usize) -> (Tri, String) {
    let listed = !items(seg.get("include")).is_empty() || !items(seg.get("includeHashed")).is_empty();
    let excluded = !items(seg.get("exclude")).is_empty() || !items(seg.get("excludeHashed")).is_empty();
    let (when, why) = match seg.get("when") {
        Some(w) => tri(doc, w, depth + 1),
        None => (Tri::Never, "no condition".to_string()),
    };
    match when {
        Tri::Never if !listed => (Tri::Never, if seg.get("when").is_some() { format!("no include list, and {why}") } else { "no include list and no condition".into() }),
        Tri::Always if !excluded => (Tri::Always, why),
        _ => (Tri::Maybe, String::new()),
    }
}

fn rule_name(r: &V, i: usize) -> String {
    match str_field(r, "id") {
        Some(id) => format!("rule #{i} ({})", model::q(id)),
        None => format!("rule #{i}"),
    }
}

/// Whether the rule's serve covers everyone who reaches it: a variant, a split, a 100% percent, or
/// a ramp at 100% with no step to come (contexts without the bucketing attribute aside).
fn covers_everyone(serve: Option<&V>, now: i64) -> bool {
    match (model::serve_form(serve), serve) {
        ("variant", _) | ("split", _) => true,
        ("percent", Some(s)) => thousandths(s.get("percent")) == Some(100_000),
        ("ramp", Some(s)) => {
            let steps = model::ramp_steps(s);
            steps.iter().all(|(at, _)| *at <= now) && model::ramp_at(&steps, now) == 100_000
        }
        _ => false,
    }
}

fn lint_rules(doc: &V, base: &str, flag: &V, now: i64, out: &mut Vec<Finding>) {
    let mut catch_all: Option<String> = None;
    for (i, r) in items(flag.get("rules")).iter().enumerate() {
        let path = format!("{base}.rules[{i}]");
        let name = rule_name(r, i);
        if let Some(c) = &catch_all {
            out.push(Finding {
                code: "rule-after-catch-all",
                path,
                message: format!("{name} can never apply: {c} before it serves everyone who reaches it"),
            });
            continue;
        }
        let (t, why) = r.get("when").map(|w| tri(doc, w, 0)).unwrap_or((Tri::Always, String::new()));
        if t == Tri::Never {
            out.push(Finding { code: "rule-never-matches", path: format!("{path}.when"), message: format!("{name} can never apply: {why}") });
        }
        if let Some(u) = model::instant(r, "until").filter(|u| *u <= now) {
            out.push(Finding {
                code: "rule-window-over",
                path: format!("{path}.until"),
                message: format!("{name} can no longer apply: its window ended at {} ({})", format_rfc3339_ms(u), ago(now - u)),
            });
        }
        let serve = r.get("serve");
        match (model::serve_form(serve), serve) {
            ("percent", Some(s)) if thousandths(s.get("percent")) == Some(0) => out.push(Finding {
                code: "rule-serves-nobody",
                path: format!("{path}.serve.percent"),
                message: format!("{name} serves nobody: percent 0"),
            }),
            ("ramp", Some(s)) if model::ramp_steps(s).iter().all(|(_, p)| *p == 0) => out.push(Finding {
                code: "rule-serves-nobody",
                path: format!("{path}.serve.ramp"),
                message: format!("{name} serves nobody: {}", if items(s.get("ramp")).is_empty() { "the ramp has no steps" } else { "every ramp step is 0%" }),
            }),
            _ => {}
        }
        // Only a plain variant for everyone, at any time, hides the rules after it from every context.
        if t == Tri::Always && r.get("from").is_none() && r.get("until").is_none() && model::serve_form(serve) == "variant" {
            catch_all = Some(name);
        }
    }
}

/// Variants the flag can serve or that something names.
fn referenced_variants(doc: &V, key: &str, flag: &V) -> Vec<String> {
    let mut out = vec![model::default_variant(flag).to_string(), model::off_variant(flag).to_string()];
    for r in items(flag.get("rules")) {
        match r.get("serve") {
            Some(Value::String(v)) => out.push(v.to_string()),
            Some(s) => {
                if let Some(v) = str_field(s, "variant") {
                    out.push(v.to_string());
                }
                for e in items(s.get("split")) {
                    if let Some(v) = str_field(e, "variant") {
                        out.push(v.to_string());
                    }
                }
            }
            None => {}
        }
    }
    for (_, other) in model::flags(doc) {
        for req in items(other.get("requires")) {
            if str_field(req, "flag") == Some(key) {
                out.extend(items(req.get("variants")).iter().filter_map(Value::as_str).map(String::from));
            }
        }
    }
    out
}

/// How a settled flag came to serve one variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// `enabled: false`.
    Disabled,
    /// Serves only its offVariant (which is also its default).
    Off,
    /// Serves only a variant other than its offVariant.
    RolledOut,
}

/// A settled flag: one variant for everyone from `since` on (`None`: the snapshot gives no date of
/// its own; the caller falls back on `publishedAt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// The only variant served.
    pub variant: String,
    /// Since when, when the snapshot says.
    pub since: Option<i64>,
    /// Why.
    pub state: State,
}

/// A flag is settled at `now` when, from `now` on, it serves the same variant to every context:
/// - it is disabled (it serves offVariant); or
/// - nothing is scheduled (no rule starts or ends after `now`, no ramp step is still to come), and
///   the variants that can still be served are one: offVariant when the flag has prerequisites,
///   plus each rule's served variants (a rule whose window is over is left out; percents and
///   ramps of 0% and split entries of 0% serve nothing), up to and including the first rule that
///   serves everyone who reaches it (no condition, or one that always holds; a variant, a split,
///   a 100% percent, or a ramp at 100%), plus `default` when no such rule exists.
///
/// Contexts without a bucketing attribute are not considered. `since` is the latest of the
/// instants that made it so (a rule's `from`, a finished rule's `until`, a ramp's last step).
pub fn settled(doc: &V, flag: &V, now: i64) -> Option<Settled> {
    let off = model::off_variant(flag).to_string();
    if !model::enabled(flag) {
        return Some(Settled { variant: off, since: None, state: State::Disabled });
    }
    let mut served: Vec<String> = Vec::new();
    let mut times: Vec<i64> = Vec::new();
    if !items(flag.get("requires")).is_empty() {
        served.push(off.clone());
    }
    let mut covered = false;
    for r in items(flag.get("rules")) {
        let from = r.get("from").and_then(Value::as_str).and_then(parse_rfc3339_ms);
        let until = r.get("until").and_then(Value::as_str).and_then(parse_rfc3339_ms);
        match until {
            Some(u) if u <= now => {
                times.push(u);
                continue;
            }
            Some(_) => return None,
            None => {}
        }
        match from {
            Some(f) if f > now => return None,
            Some(f) => times.push(f),
            None => {}
        }
        let serve = r.get("serve");
        match (model::serve_form(serve), serve) {
            ("variant", Some(Value::String(v))) => served.push(v.to_string()),
            ("percent", Some(s)) => {
                if thousandths(s.get("percent")).unwrap_or(0) > 0 {
                    served.extend(str_field(s, "variant").map(String::from));
                }
            }
            ("ramp", Some(s)) => {
                let steps = model::ramp_steps(s);
                if steps.iter().any(|(at, _)| *at > now) {
                    return None;
                }
                if let Some((at, p)) = steps.last() {
                    times.push(*at);
                    if *p > 0 {
                        served.extend(str_field(s, "variant").map(String::from));
                    }
                }
            }
            ("split", Some(s)) => {
                for e in items(s.get("split")) {
                    if thousandths(e.get("percent")).unwrap_or(0) > 0 {
                        served.extend(str_field(e, "variant").map(String::from));
                    }
                }
            }
            _ => return None,
        }
        let always = match r.get("when") {
            None => true,
            Some(w) => tri(doc, w, 0).0 == Tri::Always,
        };
        if always && covers_everyone(serve, now) {
            covered = true;
            break;
        }
    }
    if !covered {
        served.push(model::default_variant(flag).to_string());
    }
    served.dedup();
    let first = served.first()?.clone();
    if served.iter().any(|v| *v != first) {
        return None;
    }
    let state = if first == off && first == model::default_variant(flag) { State::Off } else { State::RolledOut };
    Some(Settled { variant: first, since: times.into_iter().max(), state })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> V {
        edgeflag::json::parse(t).unwrap().into_owned()
    }

    fn t(s: &str) -> i64 {
        parse_rfc3339_ms(s).unwrap()
    }

    const NOW: &str = "2027-01-10T00:00:00Z";

    fn settled_at(flag: &str) -> Option<Settled> {
        settled(&Value::Null, &v(flag), t(NOW))
    }

    #[test]
    fn settled_flags() {
        let on_off = r#""variants":{"on":true,"off":false},"default":"off""#;
        assert_eq!(settled_at(&format!("{{{on_off},\"enabled\":false}}")).map(|s| s.state), Some(State::Disabled));
        assert_eq!(settled_at(&format!("{{{on_off}}}")).map(|s| (s.state, s.since)), Some((State::Off, None)));
        // A finished ramp at 100%: rolled out since its last step.
        let ramp = format!(r#"{{{on_off},"rules":[{{"serve":{{"variant":"on","ramp":[{{"at":"2026-12-01T00:00:00Z","percent":10}},{{"at":"2026-12-07T00:00:00Z","percent":100}}]}}}}]}}"#);
        assert_eq!(settled_at(&ramp), Some(Settled { variant: "on".into(), since: Some(t("2026-12-07T00:00:00Z")), state: State::RolledOut }));
        // Still ramping: not settled.
        assert_eq!(settled(&Value::Null, &v(&ramp), t("2026-12-05T00:00:00Z")), None);
        // A targeted rule serving another variant: not settled.
        assert_eq!(settled_at(&format!(r#"{{{on_off},"rules":[{{"when":{{"attr":"x","op":"exists"}},"serve":"on"}}]}}"#)), None);
        // Every rule serves the default: settled.
        assert!(settled_at(&format!(r#"{{{on_off},"rules":[{{"when":{{"attr":"x","op":"exists"}},"serve":"off"}}]}}"#)).is_some());
        // A 0% rollout serves nothing.
        assert!(settled_at(&format!(r#"{{{on_off},"rules":[{{"serve":{{"variant":"on","percent":0}}}}]}}"#)).is_some());
        // A window that ended: settled since its end; a window still open: not settled.
        let ended = format!(r#"{{{on_off},"rules":[{{"until":"2027-01-01T00:00:00Z","serve":"on"}}]}}"#);
        assert_eq!(settled_at(&ended).and_then(|s| s.since), Some(t("2027-01-01T00:00:00Z")));
        assert_eq!(settled(&Value::Null, &v(&ended), t("2026-12-31T00:00:00Z")), None);
        // A split with one live entry.
        let split = format!(r#"{{{on_off},"rules":[{{"serve":{{"split":[{{"variant":"on","percent":100}},{{"variant":"off","percent":0}}]}}}}]}}"#);
        assert_eq!(settled_at(&split).map(|s| s.variant), Some("on".into()));
    }

    #[test]
    fn tri_state_conditions() {
        let doc = v(r#"{"segments":{"nobody":{},"listed":{"include":["a"]},"all":{"when":{"all":[]}}}}"#);
        let j = |c: &str| tri(&doc, &v(c), 0).0;
        assert_eq!(j(r#"{"any":[]}"#), Tri::Never);
        assert_eq!(j(r#"{"not":{"all":[]}}"#), Tri::Never);
        assert_eq!(j(r#"{"all":[{"attr":"x","op":"exists"},{"any":[]}]}"#), Tri::Never);
        assert_eq!(j(r#"{"any":[{"attr":"x","op":"exists"},{"all":[]}]}"#), Tri::Always);
        assert_eq!(j(r#"{"attr":"x","op":"in","values":[]}"#), Tri::Never);
        assert_eq!(j(r#"{"attr":"x","op":"not_in","values":[]}"#), Tri::Maybe);
        assert_eq!(j(r#"{"segment":"nobody"}"#), Tri::Never);
        assert_eq!(j(r#"{"segment":"listed"}"#), Tri::Maybe);
        assert_eq!(j(r#"{"segment":"all"}"#), Tri::Always);
        assert_eq!(j(r#"{"attr":"x","op":"eq","value":1}"#), Tri::Maybe);
    }
}
