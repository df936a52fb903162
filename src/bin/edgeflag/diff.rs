//! `edgeflag diff OLD NEW [--format text|markdown|json] [--contexts FILE] [--now T]`: release notes
//! between two snapshots, computed on their JSON trees (a structural diff, not a text diff).
//!
//! Rules are matched by `id` when they have one; the others by identical content, then by the same
//! condition and serve form (the serve changed), then by the same serve (the targeting changed),
//! then by position.
//! Matched rules whose relative order changed are reported as moved (the rules outside a longest
//! run kept in order).

use crate::common;
use crate::model::{self, cond_text, items, members, pct, pct_of, q, same, same_opt, serve_text, str_field, thousandths, V};
use crate::pretty;
use edgeflag::json::Value;
use edgeflag::{Context, Engine};

/// Output formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Indented text for people.
    Text,
    /// Markdown, for a pull request or a changelog.
    Markdown,
    /// JSON, for tools.
    Json,
}

/// Arguments of `diff`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Reports: version and environment; flags added and removed; kill switches flipped; default and
offVariant changes; variants added, removed or changed; prerequisites; rules added, removed, moved
or changed (serve, percents and ramps old → new, targeting, time window, bucketing); segments
(list sizes, hashed lists, conditions); documentation (description, owner, tags, expires, metadata).
With --contexts, which of those contexts get another variant (or value), per flag present in both.

Exit status: 0 compared (with or without changes; 1 with changes when --exit-code is given),
1 a snapshot or the contexts file is invalid or unreadable, 2 usage error.

Examples:
  edgeflag diff published.json candidate.json
  edgeflag diff published.json candidate.json --format markdown > RELEASE_NOTES.md
  edgeflag diff old.json new.json --contexts examples/contexts.json --now 2026-12-08T12:00:00Z")]
pub struct Args {
    /// The snapshot before (for example the one published now).
    pub old: String,
    /// The snapshot after.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A JSON file holding an array of contexts: report which of them change variant, per flag.
    #[arg(long, value_name = "FILE")]
    pub contexts: Option<String>,
    /// Evaluate the contexts at this instant (RFC 3339) instead of now (both snapshots at the same time).
    #[arg(long)]
    pub now: Option<String>,
    /// Exit with status 1 when the snapshots differ (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
}

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The document's own fields.
    Snapshot,
    /// A flag.
    Flag,
    /// A segment.
    Segment,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Snapshot => "snapshot",
            Scope::Flag => "flag",
            Scope::Segment => "segment",
        }
    }
}

/// One change.
#[derive(Clone, Debug)]
pub struct Change {
    /// What it is about.
    pub scope: Scope,
    /// The flag's or segment's key (empty for the snapshot).
    pub key: String,
    /// A stable name for tools: `flag.added`, `killSwitch`, `rule.percent`, `segment.include`, ...
    pub kind: &'static str,
    /// JSON path in the new snapshot (in the old one for what was removed).
    pub path: String,
    /// The value before, when it helps.
    pub old: Option<V>,
    /// The value after, when it helps.
    pub new: Option<V>,
    /// More fields for tools (counts, positions).
    pub extra: Vec<(&'static str, V)>,
    /// For people.
    pub text: String,
}

struct Out {
    changes: Vec<Change>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, scope: Scope, key: &str, kind: &'static str, path: String, old: Option<&V>, new: Option<&V>, text: String) {
        self.changes.push(Change { scope, key: key.to_string(), kind, path, old: old.cloned(), new: new.cloned(), extra: Vec::new(), text });
    }

    fn extra(&mut self, e: Vec<(&'static str, V)>) {
        if let Some(c) = self.changes.last_mut() {
            c.extra = e;
        }
    }
}

/// Every structural change from `old` to `new`, in a stable order: the snapshot's fields, then flags
/// (added in new document order, removed in old order, changed in new order), then segments.
pub fn diff(old: &V, new: &V) -> Vec<Change> {
    let mut out = Out { changes: Vec::new() };
    diff_document(old, new, &mut out);
    let (of, nf) = (model::flags(old), model::flags(new));
    for (k, f) in nf {
        if model::lookup(of, k).is_none() {
            let path = format!("flags.{k}");
            out.push(Scope::Flag, k, "flag.added", path, None, Some(f), flag_summary(f));
        }
    }
    for (k, f) in of {
        if model::lookup(nf, k).is_none() {
            let path = format!("flags.{k}");
            out.push(Scope::Flag, k, "flag.removed", path, Some(f), None, flag_summary(f));
        }
    }
    for (k, n) in nf {
        if let Some(o) = model::lookup(of, k) {
            diff_flag(k, o, n, &mut out);
        }
    }
    let (os, ns) = (model::segments(old), model::segments(new));
    for (k, s) in ns {
        if model::lookup(os, k).is_none() {
            out.push(Scope::Segment, k, "segment.added", format!("segments.{k}"), None, Some(s), segment_summary(s));
        }
    }
    for (k, s) in os {
        if model::lookup(ns, k).is_none() {
            out.push(Scope::Segment, k, "segment.removed", format!("segments.{k}"), Some(s), None, segment_summary(s));
        }
    }
    for (k, n) in ns {
        if let Some(o) = model::lookup(os, k) {
            diff_segment(k, o, n, &mut out);
        }
    }
    out.changes
}

fn show(v: Option<&V>) -> String {
    match v {
        Some(v) => pretty::one_line(v),
        None => "(none)".into(),
    }
}

fn diff_document(o: &V, n: &V, out: &mut Out) {
    let (ov, nv) = (o.get("version").and_then(Value::as_number), n.get("version").and_then(Value::as_number));
    let (ovu, nvu) = (ov.and_then(|x| x.as_u64()).unwrap_or(0), nv.and_then(|x| x.as_u64()).unwrap_or(0));
    let text = if nvu > ovu {
        format!("version {ovu} → {nvu}")
    } else if nvu == ovu {
        format!("version unchanged ({nvu}): raise it, or clients that hold {ovu} keep either snapshot")
    } else {
        format!("version goes DOWN {ovu} → {nvu}: clients that hold {ovu} will refuse this snapshot (anti-rollback)")
    };
    out.push(Scope::Snapshot, "", "version", "version".into(), o.get("version"), n.get("version"), text);
    for (field, kind) in [("environment", "environment"), ("publishedAt", "publishedAt")] {
        let (a, b) = (o.get(field), n.get(field));
        if !same_opt(a, b) {
            let text = if field == "environment" {
                format!("environment {} → {}: are these snapshots of the same environment?", show(a), show(b))
            } else {
                format!("publishedAt {} → {}", show(a), show(b))
            };
            out.push(Scope::Snapshot, "", kind, field.into(), a, b, text);
        }
    }
    diff_map(Scope::Snapshot, "", "metadata", "metadata", "metadata", o.get("metadata"), n.get("metadata"), out);
}

/// A map of scalars (metadata): keys added, removed, changed.
#[allow(clippy::too_many_arguments)]
fn diff_map(scope: Scope, key: &str, kind: &'static str, path: &str, label: &str, o: Option<&V>, n: Option<&V>, out: &mut Out) {
    let (om, nm) = (members(o), members(n));
    for (k, v) in nm {
        match model::lookup(om, k) {
            None => out.push(scope, key, kind, format!("{path}.{k}"), None, Some(v), format!("{label}.{k} added: {}", show(Some(v)))),
            Some(ov) if !same(ov, v) => {
                out.push(scope, key, kind, format!("{path}.{k}"), Some(ov), Some(v), format!("{label}.{k} {} → {}", show(Some(ov)), show(Some(v))))
            }
            _ => {}
        }
    }
    for (k, v) in om {
        if model::lookup(nm, k).is_none() {
            out.push(scope, key, kind, format!("{path}.{k}"), Some(v), None, format!("{label}.{k} removed (was {})", show(Some(v))));
        }
    }
}

/// `boolean, variants "on" "off", default "off", 2 rules, requires x` for added/removed flags.
fn flag_summary(f: &V) -> String {
    let vars = members(f.get("variants"));
    let kind = vars
        .first()
        .map(|(_, v)| match v {
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            _ => "json",
        })
        .unwrap_or("?");
    let names: Vec<String> = vars.iter().map(|(k, _)| q(k)).collect();
    let mut s = format!("{kind} flag, variants {}, default {}", names.join(" "), q(model::default_variant(f)));
    let rules = items(f.get("rules")).len();
    s.push_str(&match rules {
        0 => ", no rules".to_string(),
        1 => ", 1 rule".to_string(),
        n => format!(", {n} rules"),
    });
    let req: Vec<&str> = items(f.get("requires")).iter().filter_map(|r| str_field(r, "flag")).collect();
    if !req.is_empty() {
        s.push_str(&format!(", requires {}", req.join(", ")));
    }
    if !model::enabled(f) {
        s.push_str(", DISABLED");
    }
    if f.get("serverOnly").and_then(Value::as_bool) == Some(true) {
        s.push_str(", server-only");
    }
    if let Some(d) = str_field(f, "description") {
        s.push_str(&format!(": {d}"));
    }
    s
}

fn segment_summary(s: &V) -> String {
    let mut parts = Vec::new();
    for k in ["include", "exclude", "includeHashed", "excludeHashed"] {
        let n = items(s.get(k)).len();
        if n > 0 {
            parts.push(format!("{n} in {k}"));
        }
    }
    match s.get("when") {
        Some(w) => parts.push(format!("when {}", cond_text(w))),
        None => parts.push("no condition".into()),
    }
    let mut t = parts.join(", ");
    if let Some(d) = str_field(s, "description") {
        t.push_str(&format!(": {d}"));
    }
    t
}

fn diff_flag(key: &str, o: &V, n: &V, out: &mut Out) {
    let base = format!("flags.{key}");
    let fl = Scope::Flag;
    let (oe, ne) = (model::enabled(o), model::enabled(n));
    if oe != ne {
        let text = if ne {
            format!("kill switch flipped ON: the flag is enabled again (it served {} to everyone)", q(model::off_variant(o)))
        } else {
            format!("kill switch flipped OFF: everyone now gets offVariant {}", q(model::off_variant(n)))
        };
        out.push(fl, key, "killSwitch", format!("{base}.enabled"), Some(&Value::Bool(oe)), Some(&Value::Bool(ne)), text);
    }
    let (oso, nso) = (o.get("serverOnly").and_then(Value::as_bool).unwrap_or(false), n.get("serverOnly").and_then(Value::as_bool).unwrap_or(false));
    if oso != nso {
        let text = if nso { "now server-only: left out of browser snapshots" } else { "no longer server-only: browser snapshots now include it" };
        out.push(fl, key, "serverOnly", format!("{base}.serverOnly"), Some(&Value::Bool(oso)), Some(&Value::Bool(nso)), text.into());
    }
    let (od, nd) = (model::default_variant(o), model::default_variant(n));
    if od != nd {
        out.push(fl, key, "default", format!("{base}.default"), o.get("default"), n.get("default"), format!("default {} → {}", q(od), q(nd)));
    }
    let (oo, no) = (model::off_variant(o), model::off_variant(n));
    if oo != no {
        out.push(fl, key, "offVariant", format!("{base}.offVariant"), Some(&model::s(oo)), Some(&model::s(no)), format!("offVariant {} → {}", q(oo), q(no)));
    }
    let (osa, nsa) = (model::salt(key, o), model::salt(key, n));
    if osa != nsa {
        out.push(
            fl,
            key,
            "salt",
            format!("{base}.salt"),
            Some(&model::s(osa)),
            Some(&model::s(nsa)),
            format!("salt {} → {}: every unit is bucketed anew (splits and rollouts reshuffle)", q(osa), q(nsa)),
        );
    }
    // Variants.
    let (ovars, nvars) = (members(o.get("variants")), members(n.get("variants")));
    for (k, v) in nvars {
        match model::lookup(ovars, k) {
            None => out.push(fl, key, "variant.added", format!("{base}.variants.{k}"), None, Some(v), format!("variant {} added: {}", q(k), show(Some(v)))),
            Some(ov) if !same(ov, v) => out.push(
                fl,
                key,
                "variant.changed",
                format!("{base}.variants.{k}"),
                Some(ov),
                Some(v),
                format!("variant {} value {} → {}", q(k), show(Some(ov)), show(Some(v))),
            ),
            _ => {}
        }
    }
    for (k, v) in ovars {
        if model::lookup(nvars, k).is_none() {
            out.push(fl, key, "variant.removed", format!("{base}.variants.{k}"), Some(v), None, format!("variant {} removed (was {})", q(k), show(Some(v))));
        }
    }
    // Prerequisites, matched by flag.
    let (oreq, nreq) = (items(o.get("requires")), items(n.get("requires")));
    let req_text = |r: &V| items(r.get("variants")).iter().filter_map(Value::as_str).map(q).collect::<Vec<_>>().join(" or ");
    for (j, r) in nreq.iter().enumerate() {
        let f = str_field(r, "flag").unwrap_or("?");
        let path = format!("{base}.requires[{j}]");
        match oreq.iter().find(|x| str_field(x, "flag") == Some(f)) {
            None => out.push(fl, key, "requires.added", path, None, Some(r), format!("now requires {f} to be {}", req_text(r))),
            Some(or) if !same_opt(or.get("variants"), r.get("variants")) => out.push(
                fl,
                key,
                "requires.changed",
                path,
                Some(or),
                Some(r),
                format!("prerequisite {f}: must be {} → must be {}", req_text(or), req_text(r)),
            ),
            _ => {}
        }
    }
    for (i, r) in oreq.iter().enumerate() {
        let f = str_field(r, "flag").unwrap_or("?");
        if !nreq.iter().any(|x| str_field(x, "flag") == Some(f)) {
            out.push(fl, key, "requires.removed", format!("{base}.requires[{i}]"), Some(r), None, format!("no longer requires {f} (was: to be {})", req_text(r)));
        }
    }
    diff_rules(key, &base, items(o.get("rules")), items(n.get("rules")), out);
    // Documentation.
    for field in ["description", "owner", "expires"] {
        let (a, b) = (o.get(field), n.get(field));
        if !same_opt(a, b) {
            let kind = match field {
                "description" => "doc.description",
                "owner" => "doc.owner",
                _ => "doc.expires",
            };
            out.push(fl, key, kind, format!("{base}.{field}"), a, b, format!("{field} {} → {}", show(a), show(b)));
        }
    }
    let (ot, nt) = (items(o.get("tags")), items(n.get("tags")));
    let added: Vec<String> = nt.iter().filter(|t| !ot.contains(t)).map(|t| show(Some(t))).collect();
    let removed: Vec<String> = ot.iter().filter(|t| !nt.contains(t)).map(|t| show(Some(t))).collect();
    if !added.is_empty() || !removed.is_empty() {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("added {}", added.join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!("removed {}", removed.join(", ")));
        }
        out.push(fl, key, "doc.tags", format!("{base}.tags"), o.get("tags"), n.get("tags"), format!("tags {}", parts.join("; ")));
    }
    diff_map(fl, key, "doc.metadata", &format!("{base}.metadata"), "metadata", o.get("metadata"), n.get("metadata"), out);
}

fn rule_id(r: &V) -> Option<&str> {
    str_field(r, "id")
}

/// The rule without its `id`, to compare content.
fn without_id(r: &V) -> V {
    match r {
        Value::Object(m) => Value::Object(m.iter().filter(|(k, _)| k != "id").cloned().collect()),
        other => other.clone(),
    }
}

fn label(r: &V, pos: usize) -> String {
    match rule_id(r) {
        Some(id) => format!("rule {}", q(id)),
        None => format!("rule #{pos}"),
    }
}

/// Pairs old and new rules: by id, by identical content, by the same condition and serve form, by
/// the same serve, by position (the last three among rules without an id).
fn match_rules(or: &[V], nr: &[V]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut om = vec![false; or.len()];
    let mut nm = vec![false; nr.len()];
    let pass = |pairs: &mut Vec<(usize, usize)>, om: &mut Vec<bool>, nm: &mut Vec<bool>, ok: &dyn Fn(&V, &V, usize, usize) -> bool| {
        for i in 0..or.len() {
            if om[i] {
                continue;
            }
            if let Some(j) = (0..nr.len()).find(|&j| !nm[j] && ok(&or[i], &nr[j], i, j)) {
                om[i] = true;
                nm[j] = true;
                pairs.push((i, j));
            }
        }
    };
    pass(&mut pairs, &mut om, &mut nm, &|a, b, _, _| rule_id(a).is_some() && rule_id(a) == rule_id(b));
    // An id that exists on both sides is matched above only; don't pair it with something else.
    let both: Vec<&str> = or.iter().filter_map(rule_id).filter(|id| nr.iter().any(|r| rule_id(r) == Some(id))).collect();
    let free = |r: &V| rule_id(r).is_none_or(|id| !both.contains(&id));
    pass(&mut pairs, &mut om, &mut nm, &|a, b, _, _| free(a) && free(b) && same(&without_id(a), &without_id(b)));
    let idless = |a: &V, b: &V| rule_id(a).is_none() && rule_id(b).is_none();
    pass(&mut pairs, &mut om, &mut nm, &|a, b, _, _| {
        idless(a, b) && same_opt(a.get("when"), b.get("when")) && model::serve_form(a.get("serve")) == model::serve_form(b.get("serve"))
    });
    pass(&mut pairs, &mut om, &mut nm, &|a, b, _, _| idless(a, b) && same_opt(a.get("serve"), b.get("serve")));
    pass(&mut pairs, &mut om, &mut nm, &|a, b, i, j| idless(a, b) && i == j);
    pairs.sort();
    pairs
}

/// Positions (into `seq`) of a longest strictly increasing subsequence.
fn lis(seq: &[usize]) -> Vec<usize> {
    let n = seq.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if seq[j] < seq[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let Some(mut best) = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i))) else { return Vec::new() };
    let mut out = vec![best];
    while prev[best] != usize::MAX {
        best = prev[best];
        out.push(best);
    }
    out.reverse();
    out
}

fn diff_rules(key: &str, base: &str, or: &[V], nr: &[V], out: &mut Out) {
    let fl = Scope::Flag;
    let pairs = match_rules(or, nr);
    let kept = lis(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    for (j, r) in nr.iter().enumerate() {
        if !pairs.iter().any(|p| p.1 == j) {
            let when = r.get("when").map(|w| format!(" when {}", cond_text(w))).unwrap_or_else(|| " for everyone".into());
            let window = window_text(r).map(|w| format!(", {w}")).unwrap_or_default();
            out.push(
                fl,
                key,
                "rule.added",
                format!("{base}.rules[{j}]"),
                None,
                Some(r),
                format!("{} added at #{j}: serve {}{when}{window}", label(r, j), serve_text(r.get("serve"))),
            );
        }
    }
    for (i, r) in or.iter().enumerate() {
        if !pairs.iter().any(|p| p.0 == i) {
            let when = r.get("when").map(|w| format!(" when {}", cond_text(w))).unwrap_or_else(|| " for everyone".into());
            out.push(
                fl,
                key,
                "rule.removed",
                format!("{base}.rules[{i}]"),
                Some(r),
                None,
                format!("{} removed (was #{i}: serve {}{when})", label(r, i), serve_text(r.get("serve"))),
            );
        }
    }
    for (pi, &(i, j)) in pairs.iter().enumerate() {
        let (a, b) = (&or[i], &nr[j]);
        let name = match (rule_id(b), i == j) {
            (Some(_), _) | (None, true) => label(b, j),
            (None, false) => format!("rule #{j} (was #{i})"),
        };
        let path = format!("{base}.rules[{j}]");
        if !kept.contains(&pi) {
            out.push(
                fl,
                key,
                "rule.moved",
                path.clone(),
                Some(&model::n(i as i64)),
                Some(&model::n(j as i64)),
                {
                    let overtaken: Vec<String> =
                        pairs.iter().filter(|&&(i2, j2)| i2 < i && j2 > j).map(|&(_, j2)| label(&nr[j2], j2)).collect();
                    let passed: Vec<String> = pairs.iter().filter(|&&(i2, j2)| i2 > i && j2 < j).map(|&(_, j2)| label(&nr[j2], j2)).collect();
                    let mut t = format!("{} moved from #{i} to #{j}", label(b, j));
                    if !overtaken.is_empty() {
                        t.push_str(&format!(": now tried before {}", overtaken.join(", ")));
                    }
                    if !passed.is_empty() {
                        t.push_str(&format!("{} after {}", if overtaken.is_empty() { ": now tried" } else { ", and" }, passed.join(", ")));
                    }
                    t
                },
            );
        }
        if rule_id(a) != rule_id(b) {
            let text = match (rule_id(a), rule_id(b)) {
                (Some(x), Some(y)) => format!("rule #{j}: id {} → {}", q(x), q(y)),
                (None, Some(y)) => format!("rule #{j}: id {} given", q(y)),
                (Some(x), None) => format!("rule #{j}: id {} dropped", q(x)),
                _ => String::new(),
            };
            out.push(fl, key, "rule.id", format!("{path}.id"), a.get("id"), b.get("id"), text);
        }
        if !same_opt(a.get("from"), b.get("from")) || !same_opt(a.get("until"), b.get("until")) {
            let w = |r: &V| window_text(r).unwrap_or_else(|| "no time window".into());
            out.push(
                fl,
                key,
                "rule.window",
                path.clone(),
                Some(&window_value(a)),
                Some(&window_value(b)),
                format!("{name}: {} → {}", w(a), w(b)),
            );
        }
        let (aw, bw) = (a.get("when"), b.get("when"));
        if !same_opt(aw, bw) {
            let text = match (aw, bw) {
                (Some(x), Some(y)) => format!("{name}: targeting {} ⇒ {}", cond_text(x), cond_text(y)),
                (None, Some(y)) => format!("{name}: targeting added: now only when {} (was everyone)", cond_text(y)),
                (Some(x), None) => format!("{name}: targeting removed: now everyone (was when {})", cond_text(x)),
                (None, None) => String::new(),
            };
            out.push(fl, key, "rule.targeting", format!("{path}.when"), aw, bw, text);
        }
        diff_serve(key, &name, &format!("{path}.serve"), a.get("serve"), b.get("serve"), out);
    }
}

fn window_text(r: &V) -> Option<String> {
    match (str_field(r, "from"), str_field(r, "until")) {
        (None, None) => None,
        (Some(f), None) => Some(format!("from {f}")),
        (None, Some(u)) => Some(format!("until {u}")),
        (Some(f), Some(u)) => Some(format!("from {f} until {u}")),
    }
}

fn window_value(r: &V) -> V {
    model::obj(vec![("from", r.get("from").cloned().unwrap_or(Value::Null)), ("until", r.get("until").cloned().unwrap_or(Value::Null))])
}

fn diff_serve(key: &str, name: &str, path: &str, a: Option<&V>, b: Option<&V>, out: &mut Out) {
    let fl = Scope::Flag;
    if same_opt(a, b) {
        return;
    }
    let (fa, fb) = (model::serve_form(a), model::serve_form(b));
    if fa != fb {
        out.push(fl, key, "rule.serve", path.into(), a, b, format!("{name}: serve {} ⇒ {}", serve_text(a), serve_text(b)));
        return;
    }
    let (Some(a), Some(b)) = (a, b) else { return };
    if fa == "variant" {
        out.push(fl, key, "rule.serve", path.into(), Some(a), Some(b), format!("{name}: serves {} → {}", show(Some(a)), show(Some(b))));
        return;
    }
    let (va, vb) = (str_field(a, "variant"), str_field(b, "variant"));
    if va != vb {
        out.push(
            fl,
            key,
            "rule.serve",
            format!("{path}.variant"),
            a.get("variant"),
            b.get("variant"),
            format!("{name}: serves {} → {}", q(va.unwrap_or("?")), q(vb.unwrap_or("?"))),
        );
    }
    let (ba, bb) = (model::by(Some(a)), model::by(Some(b)));
    if ba != bb {
        out.push(
            fl,
            key,
            "rule.by",
            format!("{path}.by"),
            Some(&model::s(ba)),
            Some(&model::s(bb)),
            format!("{name}: bucketing attribute {ba} → {bb}: units are bucketed anew"),
        );
    }
    match fa {
        "percent" => {
            let (pa, pb) = (thousandths(a.get("percent")), thousandths(b.get("percent")));
            if pa != pb {
                let dir = if pb > pa { "widened" } else { "NARROWED (units that had it lose it)" };
                out.push(
                    fl,
                    key,
                    "rule.percent",
                    format!("{path}.percent"),
                    a.get("percent"),
                    b.get("percent"),
                    format!("{name}: rollout {} → {} of units get {} ({dir})", pct_of(a.get("percent")), pct_of(b.get("percent")), q(vb.unwrap_or("?"))),
                );
            }
        }
        "ramp" if !same_opt(a.get("ramp"), b.get("ramp")) => {
            out.push(
                fl,
                key,
                "rule.ramp",
                format!("{path}.ramp"),
                a.get("ramp"),
                b.get("ramp"),
                format!("{name}: ramp {} ⇒ {}", model::ramp_text(a), model::ramp_text(b)),
            );
        }
        "split" if !same_opt(a.get("split"), b.get("split")) => {
            let entries = |s: &V| -> Vec<(String, u64)> {
                items(s.get("split")).iter().map(|e| (str_field(e, "variant").unwrap_or("?").to_string(), thousandths(e.get("percent")).unwrap_or(0))).collect()
            };
            let (ea, eb) = (entries(a), entries(b));
            let order_a: Vec<&String> = ea.iter().map(|e| &e.0).filter(|v| eb.iter().any(|x| &x.0 == *v)).collect();
            let order_b: Vec<&String> = eb.iter().map(|e| &e.0).filter(|v| ea.iter().any(|x| &x.0 == *v)).collect();
            let text = if order_a != order_b {
                format!("{name}: split {} ⇒ {} (entries reordered: units move between variants)", serve_text(Some(a)), serve_text(Some(b)))
            } else {
                let mut parts = Vec::new();
                for (v, p) in &eb {
                    match ea.iter().find(|x| &x.0 == v) {
                        Some((_, op)) if op != p => parts.push(format!("{} {} → {}", q(v), pct(*op), pct(*p))),
                        None => parts.push(format!("{} added with {}", q(v), pct(*p))),
                        _ => {}
                    }
                }
                for (v, p) in &ea {
                    if !eb.iter().any(|x| &x.0 == v) {
                        parts.push(format!("{} removed (had {})", q(v), pct(*p)));
                    }
                }
                format!("{name}: split {}", parts.join(", "))
            };
            out.push(fl, key, "rule.split", format!("{path}.split"), a.get("split"), b.get("split"), text);
        }
        _ => {}
    }
}

fn diff_segment(key: &str, o: &V, n: &V, out: &mut Out) {
    let sg = Scope::Segment;
    let base = format!("segments.{key}");
    for list in ["include", "exclude", "includeHashed", "excludeHashed"] {
        let (a, b) = (items(o.get(list)), items(n.get(list)));
        let added = b.iter().filter(|x| !a.contains(x)).count();
        let removed = a.iter().filter(|x| !b.contains(x)).count();
        if added > 0 || removed > 0 || a.len() != b.len() {
            out.push(
                sg,
                key,
                match list {
                    "include" => "segment.include",
                    "exclude" => "segment.exclude",
                    "includeHashed" => "segment.includeHashed",
                    _ => "segment.excludeHashed",
                },
                format!("{base}.{list}"),
                Some(&model::n(a.len() as i64)),
                Some(&model::n(b.len() as i64)),
                format!("{list}: {added} added, {removed} removed ({} → {} entries)", a.len(), b.len()),
            );
            out.extra(vec![("added", model::n(added as i64)), ("removed", model::n(removed as i64))]);
        }
    }
    let (ha, hb) = (o.get("hashSalt"), n.get("hashSalt"));
    if !same_opt(ha, hb) {
        out.push(sg, key, "segment.hashSalt", format!("{base}.hashSalt"), ha, hb, format!("hashSalt {} → {}: hashed entries must be recomputed", show(ha), show(hb)));
    }
    let (aw, bw) = (o.get("when"), n.get("when"));
    if !same_opt(aw, bw) {
        let text = match (aw, bw) {
            (Some(x), Some(y)) => format!("condition {} ⇒ {}", cond_text(x), cond_text(y)),
            (None, Some(y)) => format!("condition added: also everyone with {}", cond_text(y)),
            (Some(x), None) => format!("condition removed: only the listed keys now (was also {})", cond_text(x)),
            (None, None) => String::new(),
        };
        out.push(sg, key, "segment.targeting", format!("{base}.when"), aw, bw, text);
    }
    let (da, db) = (o.get("description"), n.get("description"));
    if !same_opt(da, db) {
        out.push(sg, key, "doc.description", format!("{base}.description"), da, db, format!("description {} → {}", show(da), show(db)));
    }
}

/// A context whose result changed for a flag.
struct Moved {
    label: String,
    index: usize,
    old: Res,
    new: Res,
}

struct Res {
    variant: Option<String>,
    value: Option<String>,
    reason: &'static str,
    rule_id: Option<String>,
    rule_index: Option<u32>,
}

impl Res {
    fn of(e: &edgeflag::Evaluation<'_>) -> Res {
        Res {
            variant: e.variant.map(String::from),
            value: e.value.map(|v| v.to_string()),
            reason: e.reason.as_str(),
            rule_id: e.rule_id.map(String::from),
            rule_index: e.rule_index,
        }
    }

    fn why(&self) -> String {
        match (&self.rule_id, self.rule_index) {
            (Some(id), _) => format!("{} rule {}", self.reason, q(id)),
            (None, Some(i)) => format!("{} rule #{i}", self.reason),
            _ => self.reason.to_string(),
        }
    }

    fn variant_text(&self) -> String {
        self.variant.as_deref().map(q).unwrap_or_else(|| "no variant".into())
    }

    fn to_json(&self) -> V {
        model::obj(vec![
            ("variant", model::opt_s(self.variant.as_deref())),
            ("value", self.value.as_deref().and_then(|t| edgeflag::json::parse(t).ok()).map(Value::into_owned).unwrap_or(Value::Null)),
            ("reason", model::s(self.reason)),
            ("ruleId", model::opt_s(self.rule_id.as_deref())),
            ("ruleIndex", self.rule_index.map(|i| model::n(i64::from(i))).unwrap_or(Value::Null)),
        ])
    }
}

struct ContextReport {
    file: String,
    count: usize,
    now: i64,
    flags: Vec<(String, Vec<Moved>)>,
}

/// Reads a JSON array of contexts; problems are reported with the element's path.
fn read_contexts(path: &str) -> Result<Vec<(String, Context)>, u8> {
    let text = common::read(path).map_err(|m| {
        eprintln!("edgeflag: {m}");
        common::PROBLEM
    })?;
    let doc = edgeflag::json::parse(&text).map_err(|e| {
        eprintln!("edgeflag: {path}: {}: {e}", if e.path.is_empty() { "(root)" } else { &e.path });
        common::PROBLEM
    })?;
    let Value::Array(list) = doc.into_owned() else {
        eprintln!("edgeflag: {path}: (root): expected an array of contexts (JSON objects)");
        return Err(common::PROBLEM);
    };
    let mut out = Vec::new();
    let mut bad = false;
    for (i, c) in list.into_iter().enumerate() {
        let label = match c.get("key") {
            Some(Value::String(s)) => s.to_string(),
            Some(Value::Number(n)) => n.text().to_string(),
            _ => format!("[{i}]"),
        };
        match Context::from_value(c) {
            Ok(ctx) => out.push((label, ctx)),
            Err(e) => {
                eprintln!("edgeflag: {path}: [{i}]: {}", e.message);
                bad = true;
            }
        }
    }
    if bad {
        return Err(common::PROBLEM);
    }
    Ok(out)
}

fn contexts_report(file: &str, contexts: &[(String, Context)], old: &Engine, new: &Engine, now: i64) -> ContextReport {
    let mut flags = Vec::new();
    for key in new.flag_keys() {
        if old.flag_index(key).is_none() {
            continue;
        }
        let mut moved = Vec::new();
        for (index, (label, ctx)) in contexts.iter().enumerate() {
            let (a, b) = (Res::of(&old.evaluate(key, ctx, now)), Res::of(&new.evaluate(key, ctx, now)));
            let value_changed = match (&a.value, &b.value) {
                (Some(x), Some(y)) => {
                    let (x, y) = (edgeflag::json::parse(x).map(Value::into_owned), edgeflag::json::parse(y).map(Value::into_owned));
                    !matches!((x, y), (Ok(x), Ok(y)) if same(&x, &y))
                }
                (x, y) => x != y,
            };
            if a.variant != b.variant || value_changed {
                moved.push(Moved { label: label.clone(), index, old: a, new: b });
            }
        }
        if !moved.is_empty() {
            flags.push((key.to_string(), moved));
        }
    }
    ContextReport { file: file.to_string(), count: contexts.len(), now, flags }
}

/// Runs `diff`.
pub fn run(a: Args) -> u8 {
    let now = match common::now(a.now.as_deref()) {
        Ok(n) => n,
        Err(m) => return common::usage(m),
    };
    let (old, new) = (model::load(&a.old), model::load(&a.new));
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let contexts = match &a.contexts {
        Some(path) => match read_contexts(path) {
            Ok(list) => Some(contexts_report(path, &list, &old.engine, &new.engine, now)),
            Err(c) => return c,
        },
        None => None,
    };
    let changes = diff(&old.doc, &new.doc);
    let text = match a.format {
        Format::Text => render_text(&a, &old.doc, &new.doc, &changes, contexts.as_ref()),
        Format::Markdown => render_markdown(&old.doc, &new.doc, &changes, contexts.as_ref()),
        Format::Json => pretty::pretty(&render_json(&a, &changes, contexts.as_ref())),
    };
    common::print(text.trim_end_matches('\n'));
    let differs = changes.iter().any(|c| !(c.kind == "version" && same_opt(c.old.as_ref(), c.new.as_ref())));
    if a.exit_code && differs {
        common::PROBLEM
    } else {
        0
    }
}

fn is_noise(c: &Change) -> bool {
    // The version line is always produced; unchanged versions are reported only when other things changed.
    c.kind == "version" && same_opt(c.old.as_ref(), c.new.as_ref())
}

/// Whether anything but the version line was found.
fn has_real_changes(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind != "version")
}

struct Grouped<'c> {
    snapshot: Vec<&'c Change>,
    flags_added: Vec<&'c Change>,
    flags_removed: Vec<&'c Change>,
    flags_changed: Vec<(&'c str, Vec<&'c Change>)>,
    segs_added: Vec<&'c Change>,
    segs_removed: Vec<&'c Change>,
    segs_changed: Vec<(&'c str, Vec<&'c Change>)>,
}

fn group(changes: &[Change]) -> Grouped<'_> {
    let mut g = Grouped {
        snapshot: Vec::new(),
        flags_added: Vec::new(),
        flags_removed: Vec::new(),
        flags_changed: Vec::new(),
        segs_added: Vec::new(),
        segs_removed: Vec::new(),
        segs_changed: Vec::new(),
    };
    let real = has_real_changes(changes);
    for c in changes {
        match (c.scope, c.kind) {
            (Scope::Snapshot, _) if is_noise(c) && !real => {}
            (Scope::Snapshot, _) => g.snapshot.push(c),
            (Scope::Flag, "flag.added") => g.flags_added.push(c),
            (Scope::Flag, "flag.removed") => g.flags_removed.push(c),
            (Scope::Segment, "segment.added") => g.segs_added.push(c),
            (Scope::Segment, "segment.removed") => g.segs_removed.push(c),
            (scope, _) => {
                let list = if scope == Scope::Flag { &mut g.flags_changed } else { &mut g.segs_changed };
                match list.iter_mut().find(|(k, _)| *k == c.key) {
                    Some((_, v)) => v.push(c),
                    None => list.push((&c.key, vec![c])),
                }
            }
        }
    }
    g
}

fn describe(doc: &V) -> String {
    let v = doc.get("version").map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    match str_field(doc, "environment") {
        Some(e) => format!("{e} v{v}"),
        None => format!("v{v}"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary(g: &Grouped<'_>) -> String {
    let mut parts = Vec::new();
    let f = [(g.flags_added.len(), "added"), (g.flags_removed.len(), "removed"), (g.flags_changed.len(), "changed")];
    let fparts: Vec<String> = f.iter().filter(|(n, _)| *n > 0).map(|(n, w)| format!("{n} {w}")).collect();
    if !fparts.is_empty() {
        parts.push(format!("flags: {}", fparts.join(", ")));
    }
    let s = [(g.segs_added.len(), "added"), (g.segs_removed.len(), "removed"), (g.segs_changed.len(), "changed")];
    let sparts: Vec<String> = s.iter().filter(|(n, _)| *n > 0).map(|(n, w)| format!("{n} {w}")).collect();
    if !sparts.is_empty() {
        parts.push(format!("segments: {}", sparts.join(", ")));
    }
    if parts.is_empty() {
        "no flag or segment changes".into()
    } else {
        parts.join("; ")
    }
}

fn render_text(a: &Args, old: &V, new: &V, changes: &[Change], ctx: Option<&ContextReport>) -> String {
    let g = group(changes);
    let mut s = format!("{} ({}) → {} ({})\n{}\n", a.old, describe(old), a.new, describe(new), summary(&g));
    if !g.snapshot.is_empty() {
        s.push_str("\nSnapshot\n");
        for c in &g.snapshot {
            s.push_str(&format!("  {}\n", c.text));
        }
    }
    let lists = [("Flags added", &g.flags_added, '+'), ("Flags removed", &g.flags_removed, '-')];
    for (title, list, mark) in lists {
        if !list.is_empty() {
            s.push_str(&format!("\n{title} ({})\n", list.len()));
            for c in list.iter() {
                s.push_str(&format!("  {mark} {}: {}\n", c.key, c.text));
            }
        }
    }
    if !g.flags_changed.is_empty() {
        s.push_str(&format!("\nFlags changed ({})\n", g.flags_changed.len()));
        for (k, list) in &g.flags_changed {
            s.push_str(&format!("  {k}\n"));
            for c in list {
                s.push_str(&format!("    {}\n", c.text));
            }
        }
    }
    let lists = [("Segments added", &g.segs_added, '+'), ("Segments removed", &g.segs_removed, '-')];
    for (title, list, mark) in lists {
        if !list.is_empty() {
            s.push_str(&format!("\n{title} ({})\n", list.len()));
            for c in list.iter() {
                s.push_str(&format!("  {mark} {}: {}\n", c.key, c.text));
            }
        }
    }
    if !g.segs_changed.is_empty() {
        s.push_str(&format!("\nSegments changed ({})\n", g.segs_changed.len()));
        for (k, list) in &g.segs_changed {
            s.push_str(&format!("  {k}\n"));
            for c in list {
                s.push_str(&format!("    {}\n", c.text));
            }
        }
    }
    if let Some(r) = ctx {
        s.push_str(&format!(
            "\nContexts that change variant ({}, {}, at {})\n",
            r.file,
            plural(r.count, "context", "contexts"),
            edgeflag::time::format_rfc3339_ms(r.now)
        ));
        if r.flags.is_empty() {
            s.push_str("  none: every context gets the same variant and value from both snapshots\n");
        }
        for (flag, moved) in &r.flags {
            s.push_str(&format!("  {flag} ({} of {})\n", moved.len(), r.count));
            for m in moved {
                let value = if m.old.variant == m.new.variant {
                    format!(" (value {} → {})", m.old.value.as_deref().unwrap_or("null"), m.new.value.as_deref().unwrap_or("null"))
                } else {
                    String::new()
                };
                s.push_str(&format!(
                    "    {}: {} → {}{value}   [{} → {}]\n",
                    m.label,
                    m.old.variant_text(),
                    m.new.variant_text(),
                    m.old.why(),
                    m.new.why()
                ));
            }
        }
    }
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn render_markdown(old: &V, new: &V, changes: &[Change], ctx: Option<&ContextReport>) -> String {
    let g = group(changes);
    let mut s = format!("## Release notes: {} → {}\n\n{}\n", describe(old), describe(new), summary(&g));
    if !g.snapshot.is_empty() {
        s.push_str("\n### Snapshot\n\n");
        for c in &g.snapshot {
            s.push_str(&format!("- {}\n", c.text));
        }
    }
    for (title, list) in [("Flags added", &g.flags_added), ("Flags removed", &g.flags_removed)] {
        if !list.is_empty() {
            s.push_str(&format!("\n### {title}\n\n"));
            for c in list.iter() {
                s.push_str(&format!("- `{}`: {}\n", c.key, c.text));
            }
        }
    }
    if !g.flags_changed.is_empty() {
        s.push_str("\n### Flags changed\n");
        for (k, list) in &g.flags_changed {
            s.push_str(&format!("\n#### `{k}`\n\n"));
            for c in list {
                let mark = if matches!(c.kind, "killSwitch" | "salt" | "rule.by") { "**⚠** " } else { "" };
                s.push_str(&format!("- {mark}{}\n", c.text));
            }
        }
    }
    for (title, list) in [("Segments added", &g.segs_added), ("Segments removed", &g.segs_removed)] {
        if !list.is_empty() {
            s.push_str(&format!("\n### {title}\n\n"));
            for c in list.iter() {
                s.push_str(&format!("- `{}`: {}\n", c.key, c.text));
            }
        }
    }
    if !g.segs_changed.is_empty() {
        s.push_str("\n### Segments changed\n");
        for (k, list) in &g.segs_changed {
            s.push_str(&format!("\n#### `{k}`\n\n"));
            for c in list {
                s.push_str(&format!("- {}\n", c.text));
            }
        }
    }
    if let Some(r) = ctx {
        s.push_str(&format!(
            "\n### Contexts that change variant\n\n{} from `{}`, evaluated at {}.\n",
            plural(r.count, "context", "contexts"),
            r.file,
            edgeflag::time::format_rfc3339_ms(r.now)
        ));
        if r.flags.is_empty() {
            s.push_str("\nNone: every context gets the same variant and value from both snapshots.\n");
        }
        for (flag, moved) in &r.flags {
            s.push_str(&format!("\n#### `{flag}` ({} of {})\n\n| context | before | after |\n|---|---|---|\n", moved.len(), r.count));
            for m in moved {
                s.push_str(&format!(
                    "| {} | {} ({}) | {} ({}) |\n",
                    md_escape(&m.label),
                    md_escape(&m.old.variant_text()),
                    md_escape(&m.old.why()),
                    md_escape(&m.new.variant_text()),
                    md_escape(&m.new.why())
                ));
            }
        }
    }
    s
}

fn render_json(a: &Args, changes: &[Change], ctx: Option<&ContextReport>) -> V {
    let real = has_real_changes(changes);
    let list: Vec<V> = changes
        .iter()
        .filter(|c| real || !is_noise(c))
        .map(|c| {
            let mut m = vec![
                ("scope", model::s(c.scope.as_str())),
                ("key", if c.scope == Scope::Snapshot { Value::Null } else { model::s(&c.key) }),
                ("kind", model::s(c.kind)),
                ("path", model::s(&c.path)),
                ("old", c.old.clone().unwrap_or(Value::Null)),
                ("new", c.new.clone().unwrap_or(Value::Null)),
            ];
            m.extend(c.extra.iter().cloned());
            m.push(("text", model::s(&c.text)));
            model::obj(m)
        })
        .collect();
    let mut top = vec![("old", model::s(&a.old)), ("new", model::s(&a.new)), ("changes", Value::Array(list))];
    if let Some(r) = ctx {
        let flags: Vec<V> = r
            .flags
            .iter()
            .map(|(flag, moved)| {
                let m: Vec<V> = moved
                    .iter()
                    .map(|m| model::obj(vec![("context", model::s(&m.label)), ("index", model::n(m.index as i64)), ("old", m.old.to_json()), ("new", m.new.to_json())]))
                    .collect();
                model::obj(vec![("flag", model::s(flag)), ("changed", Value::Array(m))])
            })
            .collect();
        top.push((
            "contexts",
            model::obj(vec![
                ("file", model::s(&r.file)),
                ("count", model::n(r.count as i64)),
                ("now", model::s(&edgeflag::time::format_rfc3339_ms(r.now))),
                ("flags", Value::Array(flags)),
            ]),
        ));
    }
    model::obj(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> V {
        edgeflag::json::parse(t).unwrap().into_owned()
    }

    fn kinds(old: &str, new: &str) -> Vec<(String, &'static str)> {
        diff(&v(old), &v(new)).into_iter().filter(|c| c.kind != "version").map(|c| (c.text, c.kind)).collect()
    }

    const F: &str = r#""variants":{"on":true,"off":false},"default":"off""#;

    #[test]
    fn rules_matched_by_id_report_moves_and_percents() {
        let old = format!(r#"{{"version":1,"flags":{{"f":{{{F},"rules":[
            {{"id":"a","serve":"on","when":{{"attr":"x","op":"exists"}}}},
            {{"id":"b","serve":{{"variant":"on","percent":10}}}}]}}}}}}"#);
        let new = format!(r#"{{"version":2,"flags":{{"f":{{{F},"rules":[
            {{"id":"b","serve":{{"variant":"on","percent":25}}}},
            {{"id":"a","serve":"on","when":{{"attr":"x","op":"exists"}}}}]}}}}}}"#);
        let k = kinds(&old, &new);
        assert!(k.iter().any(|(t, k)| *k == "rule.percent" && t.contains("10% → 25%")), "{k:?}");
        let moved: Vec<_> = k.iter().filter(|(_, k)| *k == "rule.moved").collect();
        assert_eq!(moved.len(), 1, "{k:?}");
    }

    #[test]
    fn id_less_rules_matched_by_content_then_condition_then_position() {
        let old = format!(r#"{{"version":1,"flags":{{"f":{{{F},"rules":[
            {{"serve":"on","when":{{"attr":"x","op":"exists"}}}},
            {{"serve":{{"variant":"on","percent":10}}}}]}}}}}}"#);
        // A new rule inserted first; the percent rule changed; the condition rule unchanged.
        let new = format!(r#"{{"version":2,"flags":{{"f":{{{F},"rules":[
            {{"serve":"off","when":{{"attr":"y","op":"exists"}}}},
            {{"serve":"on","when":{{"attr":"x","op":"exists"}}}},
            {{"serve":{{"variant":"on","percent":20}}}}]}}}}}}"#);
        let k = kinds(&old, &new);
        let ks: Vec<&str> = k.iter().map(|x| x.1).collect();
        assert_eq!(ks, ["rule.added", "rule.percent"], "{k:?}");
        assert!(k[1].0.starts_with("rule #2 (was #1): rollout 10% → 20%"), "{k:?}");
    }

    #[test]
    fn kill_switch_variants_docs_segments() {
        let old = format!(
            r#"{{"version":1,"segments":{{"s":{{"include":["a","b"]}}}},"flags":{{"f":{{{F},"enabled":false,"tags":["x"],"metadata":{{"t":"A"}}}}}}}}"#
        );
        let new = r#"{"version":2,"segments":{"s":{"include":["a","c","d"],"when":{"attr":"e","op":"exists"}}},
            "flags":{"f":{"variants":{"on":true,"off":false,"maybe":true},"default":"off","tags":["y"],"metadata":{"t":"B"}}}}"#;
        let k = kinds(&old, new);
        let ks: Vec<&str> = k.iter().map(|x| x.1).collect();
        assert_eq!(ks, ["killSwitch", "variant.added", "doc.tags", "doc.metadata", "segment.include", "segment.targeting"], "{k:?}");
        assert_eq!(k[4].0, "include: 2 added, 1 removed (2 → 3 entries)");
    }

    #[test]
    fn lis_finds_a_longest_run() {
        assert_eq!(lis(&[0, 1, 2]), [0, 1, 2]);
        assert_eq!(lis(&[1, 0]).len(), 1);
        assert_eq!(lis(&[2, 0, 1, 3]), [1, 2, 3]);
        assert!(lis(&[]).is_empty());
    }
}
