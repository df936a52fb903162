//! Explain traces: why an evaluation came out as it did.
//!
//! [`Recorder`] is a [`Tracer`] for the one evaluator in [`crate::eval`], so the trace always agrees
//! with the result. A [`Trace`] lists each prerequisite (with its own nested trace), each rule tried
//! (window, condition tree with the attribute value seen and why each leaf held or not, the unit's
//! bucket against its threshold) and the outcome. The CLI prints it (`edgeflag explain`, text or
//! `--json`) and the explorer page renders the same JSON from the wasm module.

use crate::bytes::Push;
use crate::condition::Matcher;
use crate::context::Attr;
use crate::eval::{Outcome, RuleStep, Tracer, Via};
use crate::json::write_string;
use crate::plan::{Plan, ServePlan};
use crate::time::format_rfc3339_ms;
use core::fmt::Write as _;

/// A recorded evaluation of one flag.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Flag key.
    pub flag: String,
    /// Variant served (`None` on error).
    pub variant: Option<String>,
    /// Its value as JSON text.
    pub value: Option<String>,
    /// Reason name.
    pub reason: &'static str,
    /// The deciding rule's index.
    pub rule_index: Option<u32>,
    /// The deciding rule's id.
    pub rule_id: Option<String>,
    /// The failing prerequisite's key.
    pub prerequisite: Option<String>,
    /// False when the kill switch is off.
    pub enabled: bool,
    /// Each prerequisite checked, in order.
    pub prerequisites: Vec<PrerequisiteTrace>,
    /// Each rule tried, in order (rules after the deciding one are not tried).
    pub rules: Vec<RuleTrace>,
    /// The instant evaluated at, ms since the epoch.
    pub now: i64,
}

/// One prerequisite check.
#[derive(Clone, Debug, Default)]
pub struct PrerequisiteTrace {
    /// Prerequisite flag key.
    pub flag: String,
    /// The variants it had to evaluate to.
    pub allowed: Vec<String>,
    /// Whether it did.
    pub ok: bool,
    /// Its own evaluation.
    pub trace: Trace,
}

/// One rule tried.
#[derive(Clone, Debug)]
pub struct RuleTrace {
    /// Position in `rules`.
    pub index: u32,
    /// Rule id.
    pub id: Option<String>,
    /// `from`, when set (ms).
    pub from: Option<i64>,
    /// `until`, when set (ms).
    pub until: Option<i64>,
    /// The condition tree as evaluated (`None`: the rule has no condition, or it was not reached).
    pub condition: Option<CondTrace>,
    /// What the rule serves, in words (`variant "on"`, `10% of units by key → "on"`, ...).
    pub serve: String,
    /// The bucketing attribute path, for split/percent/ramp rules.
    pub by: Option<String>,
    /// The unit read from the context (`None`: missing or not a string/integer).
    pub unit: Option<String>,
    /// The unit's bucket, 0–99,999.
    pub bucket: Option<u32>,
    /// Buckets the unit had to be below (percent/ramp threshold, or the picked split entry's end).
    pub threshold: Option<u32>,
    /// How the rule ended.
    pub step: RuleStep,
}

/// One node of a condition tree as evaluated.
#[derive(Clone, Debug, Default)]
pub struct CondTrace {
    /// `all`, `any`, `not`, `segment` or `attr`.
    pub kind: &'static str,
    /// Whether it held.
    pub result: bool,
    /// Children (`all`/`any`/`not`, and a segment's `when`).
    pub children: Vec<CondTrace>,
    /// Attribute path (`attr`).
    pub attr: Option<String>,
    /// Operator (`attr`).
    pub op: Option<&'static str>,
    /// Operand(s) as JSON text (`attr`).
    pub operand: Option<String>,
    /// The attribute value seen, as JSON text (`None`: missing).
    pub seen: Option<String>,
    /// Why the leaf held or not, in a few words.
    pub why: Option<&'static str>,
    /// Segment key (`segment`).
    pub segment: Option<String>,
    /// How membership was decided (`segment`).
    pub via: Option<Via>,
}

struct Frame {
    trace: Trace,
    rule: Option<RuleTrace>,
    conds: Vec<CondTrace>,
    pending: Option<Trace>,
}

/// Records a [`Trace`] while the evaluator runs.
pub(crate) struct Recorder<'p> {
    plan: &'p Plan,
    now: i64,
    frames: Vec<Frame>,
    done: Option<Trace>,
}

impl<'p> Recorder<'p> {
    pub(crate) fn new(plan: &'p Plan, now: i64) -> Recorder<'p> {
        Recorder { plan, now, frames: Vec::new(), done: None }
    }

    pub(crate) fn finish(self) -> Trace {
        self.done.unwrap_or_default()
    }

    fn attach(&mut self, node: CondTrace) {
        let Some(f) = self.frames.last_mut() else { return };
        if let Some(parent) = f.conds.last_mut() {
            parent.children.push(node);
        } else if let Some(r) = f.rule.as_mut() {
            r.condition = Some(node);
        }
    }
}

/// An attribute value as JSON text (`None` when missing).
pub(crate) fn attr_json(a: &Attr<'_>) -> Option<String> {
    fn scalar(out: &mut String, a: &Attr<'_>) {
        match *a {
            Attr::Missing => out.push_str("null"),
            Attr::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Attr::Number { value, integer } => {
                if integer {
                    let _ = write!(out, "{}", value as i64);
                } else {
                    write_float(out, value);
                }
            }
            Attr::String(s) => write_string(out, s),
            Attr::Array(arr) => {
                out.push_ascii(b'[');
                for (i, e) in arr.iter().enumerate() {
                    if i > 0 {
                        out.push_ascii(b',');
                    }
                    scalar(out, &e);
                }
                out.push_ascii(b']');
            }
            Attr::Other => out.push_str("{…}"),
        }
    }
    if !a.is_present() {
        return None;
    }
    let mut s = String::new();
    scalar(&mut s, a);
    Some(s)
}

/// Writes a double as a JSON number with up to 15 significant digits (enough to show what was seen
/// in a trace; exact round trips are not needed there). Avoids the formatting machinery of `core`,
/// which would cost the wasm build about 16 KB. Non-finite values are written as `null`.
fn write_float(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == 0.0 {
        out.push_ascii(b'0');
        return;
    }
    if x < 0.0 {
        out.push_ascii(b'-');
    }
    let a = x.abs();
    // decimal exponent e with 10^e <= a < 10^(e+1)
    let mut e = a.log10().floor() as i32;
    let mut m = (a / 10f64.powi(e - 14)).round() as u64; // 15 significant digits
    if m >= 1_000_000_000_000_000 {
        m /= 10;
        e += 1;
    }
    let mut digits = [0u8; 15];
    let mut n = m;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = digits.iter().rposition(|&d| d != b'0').map_or(1, |p| p + 1);
    let sig = &digits[..len];
    let push = |out: &mut String, b: &[u8]| out.extend(b.iter().map(|&c| c as char));
    if (-6..15).contains(&e) {
        if e >= 0 {
            let int_len = (e + 1) as usize;
            if sig.len() <= int_len {
                push(out, sig);
                out.extend(std::iter::repeat_n('0', int_len - sig.len()));
            } else {
                push(out, &sig[..int_len]);
                out.push_ascii(b'.');
                push(out, &sig[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-e - 1) as usize));
            push(out, sig);
        }
    } else {
        push(out, &sig[..1]);
        if sig.len() > 1 {
            out.push_ascii(b'.');
            push(out, &sig[1..]);
        }
        out.push_ascii(b'e');
        let _ = write!(out, "{e}");
    }
}

fn percent_text(buckets: u32) -> String {
    let (i, f) = (buckets / 1000, buckets % 1000);
    if f == 0 {
        format!("{i}%")
    } else {
        format!("{}%", format!("{i}.{f:03}").trim_end_matches('0'))
    }
}

/// An attribute path written with dots (`device.os`). Not `[_]::join`: in the wasm build each
/// element type of `join` is one more copy of a 900-byte function.
fn dotted(path: &[Box<str>]) -> String {
    let mut s = String::new();
    for (i, seg) in path.iter().enumerate() {
        if i > 0 {
            s.push_ascii(b'.');
        }
        s.push_str(seg);
    }
    s
}

fn serve_text(plan: &Plan, flag: u32, s: &ServePlan, now: i64) -> (String, Option<String>) {
    let f = plan.flags.get(flag as usize);
    let name = |v: u32| f.and_then(|f| plan.variants(f).get(v as usize)).map(|(k, _)| format!("\"{k}\"")).unwrap_or_default();
    let by = |b: u32| plan.attrs.get(b as usize).map(|p| dotted(p));
    match s {
        ServePlan::Variant(v) => (format!("variant {}", name(*v)), None),
        ServePlan::Split { by: b, entries } => {
            let mut prev = 0;
            let mut text = String::from("split ");
            for (i, (end, v)) in entries.of(&plan.splits).iter().enumerate() {
                if i > 0 {
                    text.push_str(" / ");
                }
                let _ = write!(text, "{} {}", name(*v), percent_text(end - prev));
                prev = *end;
            }
            (text, by(*b))
        }
        ServePlan::Percent { by: b, buckets, variant } => (format!("{} of units → {}", percent_text(*buckets), name(*variant)), by(*b)),
        ServePlan::Ramp { by: b, steps, variant } => {
            let steps = steps.of(&plan.ramps);
            let cur = steps.iter().take_while(|(at, _)| *at <= now).last().map(|(_, p)| *p).unwrap_or(0);
            (format!("ramp, now at {} of units → {} ({} steps)", percent_text(cur), name(*variant), steps.len()), by(*b))
        }
    }
}

impl Tracer for Recorder<'_> {
    const FULL: bool = true;

    fn flag_begin(&mut self, flag: u32) {
        let f = self.plan.flags.get(flag as usize);
        self.frames.push(Frame {
            trace: Trace {
                flag: f.map(|f| self.plan.key(f).to_string()).unwrap_or_default(),
                enabled: f.is_some_and(|f| f.enabled),
                now: self.now,
                ..Trace::default()
            },
            rule: None,
            conds: Vec::new(),
            pending: None,
        });
    }

    fn flag_end(&mut self, flag: u32, o: &Outcome) {
        let Some(mut fr) = self.frames.pop() else { return };
        let f = self.plan.flags.get(flag as usize);
        let t = &mut fr.trace;
        if let Some((k, v)) = f.and_then(|f| self.plan.variants(f).get(o.variant as usize)) {
            t.variant = Some(k.to_string());
            t.value = Some(v.to_string());
        }
        t.reason = o.reason.as_str();
        t.rule_index = o.rule;
        let plan = self.plan;
        t.rule_id = o.rule.and_then(|r| f.and_then(|f| plan.rules(f).get(r as usize)).and_then(|r| plan.rule_id(r).map(String::from)));
        t.prerequisite = o.prerequisite.and_then(|p| plan.flags.get(p as usize)).map(|p| plan.key(p).to_string());
        match self.frames.last_mut() {
            Some(parent) => parent.pending = Some(fr.trace),
            None => self.done = Some(fr.trace),
        }
    }

    fn prerequisite(&mut self, index: usize, flag: u32, ok: bool) {
        let plan = self.plan;
        let Some(fr) = self.frames.last_mut() else { return };
        let owner = plan.flags.iter().find(|f| plan.key(f) == fr.trace.flag);
        let target = plan.flags.get(flag as usize);
        let allowed = owner
            .and_then(|o| plan.requires(o).get(index))
            .map(|r| {
                r.variants
                    .of(&plan.required)
                    .iter()
                    .filter_map(|v| target.and_then(|t| plan.variants(t).get(*v as usize)).map(|(k, _)| k.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let trace = fr.pending.take().unwrap_or_default();
        fr.trace.prerequisites.push(PrerequisiteTrace { flag: trace.flag.clone(), allowed, ok, trace });
    }

    fn rule_begin(&mut self, index: usize) {
        let plan = self.plan;
        let now = self.now;
        let Some(fr) = self.frames.last_mut() else { return };
        let fi = plan.flag_index.get(&fr.trace.flag).unwrap_or(u32::MAX);
        let r = plan.flags.get(fi as usize).and_then(|f| plan.rules(f).get(index));
        let (serve, by) = r.map(|r| serve_text(plan, fi, &r.serve, now)).unwrap_or_default();
        fr.rule = Some(RuleTrace {
            index: index as u32,
            id: r.and_then(|r| plan.rule_id(r).map(String::from)),
            from: r.and_then(|r| plan.window(r).0),
            until: r.and_then(|r| plan.window(r).1),
            condition: None,
            serve,
            by,
            unit: None,
            bucket: None,
            threshold: None,
            step: RuleStep::ConditionFalse,
        });
    }

    fn rule_end(&mut self, _index: usize, step: RuleStep) {
        let Some(fr) = self.frames.last_mut() else { return };
        if let Some(mut r) = fr.rule.take() {
            r.step = step;
            fr.trace.rules.push(r);
        }
    }

    fn unit(&mut self, unit: Option<&[u8]>, bucket: Option<u32>) {
        if let Some(r) = self.frames.last_mut().and_then(|f| f.rule.as_mut()) {
            r.unit = unit.map(|u| String::from_utf8_lossy(u).into_owned());
            r.bucket = bucket;
        }
    }

    fn threshold(&mut self, buckets: u32) {
        if let Some(r) = self.frames.last_mut().and_then(|f| f.rule.as_mut()) {
            r.threshold = Some(buckets);
        }
    }

    fn cond_begin(&mut self, kind: &'static str) {
        if let Some(f) = self.frames.last_mut() {
            f.conds.push(CondTrace { kind, ..CondTrace::default() });
        }
    }

    fn cond_end(&mut self, result: bool) {
        let Some(mut node) = self.frames.last_mut().and_then(|f| f.conds.pop()) else { return };
        node.result = result;
        self.attach(node);
    }

    fn leaf(&mut self, slot: u32, m: &Matcher, operand: &str, seen: &Attr<'_>, result: bool) {
        let node = CondTrace {
            kind: "attr",
            result,
            attr: self.plan.attrs.get(slot as usize).map(|p| dotted(p)),
            op: Some(m.op().as_str()),
            operand: (!operand.is_empty()).then(|| operand.to_string()),
            seen: attr_json(seen),
            why: Some(m.why(seen, result)),
            ..CondTrace::default()
        };
        self.attach(node);
    }

    fn segment_begin(&mut self, segment: u32) {
        let key = self.plan.segments.get(segment as usize).map(|s| s.key.to_string());
        if let Some(top) = self.frames.last_mut().and_then(|f| f.conds.last_mut()) {
            top.segment = key;
        }
    }

    fn segment_end(&mut self, _segment: u32, via: Via, _result: bool) {
        if let Some(top) = self.frames.last_mut().and_then(|f| f.conds.last_mut()) {
            top.via = Some(via);
        }
    }
}

impl Via {
    /// `include`, `exclude`, `when` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Include => "include",
            Via::Exclude => "exclude",
            Via::When => "when",
            Via::Nothing => "none",
        }
    }
}

impl RuleStep {
    /// `outside_window`, `condition_false`, `no_unit`, `not_in_rollout` or `served`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStep::OutsideWindow => "outside_window",
            RuleStep::ConditionFalse => "condition_false",
            RuleStep::NoUnit => "no_unit",
            RuleStep::NotInRollout => "not_in_rollout",
            RuleStep::Served => "served",
        }
    }
}

fn opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_string(out, s),
        None => out.push_str("null"),
    }
}

fn opt_raw(out: &mut String, s: Option<&str>) {
    out.push_str(s.unwrap_or("null"));
}

fn opt_num(out: &mut String, n: Option<impl core::fmt::Display>) {
    match n {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
}

fn opt_time(out: &mut String, t: Option<i64>) {
    opt_str(out, t.map(format_rfc3339_ms).as_deref());
}

impl CondTrace {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"kind\":");
        write_string(out, self.kind);
        let _ = write!(out, ",\"result\":{}", self.result);
        if self.kind == "attr" {
            out.push_str(",\"attr\":");
            opt_str(out, self.attr.as_deref());
            out.push_str(",\"op\":");
            opt_str(out, self.op);
            out.push_str(",\"operand\":");
            opt_raw(out, self.operand.as_deref());
            out.push_str(",\"seen\":");
            match &self.seen {
                Some(s) if s == "{…}" => write_string(out, s),
                Some(s) => out.push_str(s),
                None => out.push_str("null"),
            }
            let _ = write!(out, ",\"present\":{}", self.seen.is_some());
            out.push_str(",\"why\":");
            opt_str(out, self.why);
        }
        if self.kind == "segment" {
            out.push_str(",\"segment\":");
            opt_str(out, self.segment.as_deref());
            out.push_str(",\"via\":");
            opt_str(out, self.via.map(Via::as_str));
        }
        if !self.children.is_empty() {
            out.push_str(",\"children\":[");
            for (i, c) in self.children.iter().enumerate() {
                if i > 0 {
                    out.push_ascii(b',');
                }
                c.write_json(out);
            }
            out.push_ascii(b']');
        }
        out.push_ascii(b'}');
    }
}

impl Trace {
    /// The trace as JSON (the format the explorer page and `edgeflag explain --json` show).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"flag\":");
        write_string(out, &self.flag);
        out.push_str(",\"value\":");
        opt_raw(out, self.value.as_deref());
        out.push_str(",\"variant\":");
        opt_str(out, self.variant.as_deref());
        out.push_str(",\"reason\":");
        write_string(out, self.reason);
        out.push_str(",\"ruleIndex\":");
        opt_num(out, self.rule_index);
        out.push_str(",\"ruleId\":");
        opt_str(out, self.rule_id.as_deref());
        out.push_str(",\"prerequisite\":");
        opt_str(out, self.prerequisite.as_deref());
        let _ = write!(out, ",\"enabled\":{},\"now\":", self.enabled);
        opt_time(out, Some(self.now));
        out.push_str(",\"prerequisites\":[");
        for (i, p) in self.prerequisites.iter().enumerate() {
            if i > 0 {
                out.push_ascii(b',');
            }
            out.push_str("{\"flag\":");
            write_string(out, &p.flag);
            out.push_str(",\"allowed\":[");
            for (j, a) in p.allowed.iter().enumerate() {
                if j > 0 {
                    out.push_ascii(b',');
                }
                write_string(out, a);
            }
            let _ = write!(out, "],\"ok\":{},\"trace\":", p.ok);
            p.trace.write_json(out);
            out.push_ascii(b'}');
        }
        out.push_str("],\"rules\":[");
        for (i, r) in self.rules.iter().enumerate() {
            if i > 0 {
                out.push_ascii(b',');
            }
            let _ = write!(out, "{{\"index\":{},\"id\":", r.index);
            opt_str(out, r.id.as_deref());
            out.push_str(",\"from\":");
            opt_time(out, r.from);
            out.push_str(",\"until\":");
            opt_time(out, r.until);
            out.push_str(",\"serve\":");
            write_string(out, &r.serve);
            out.push_str(",\"by\":");
            opt_str(out, r.by.as_deref());
            out.push_str(",\"unit\":");
            opt_str(out, r.unit.as_deref());
            out.push_str(",\"bucket\":");
            opt_num(out, r.bucket);
            out.push_str(",\"threshold\":");
            opt_num(out, r.threshold);
            out.push_str(",\"step\":");
            write_string(out, r.step.as_str());
            out.push_str(",\"condition\":");
            match &r.condition {
                Some(c) => c.write_json(out),
                None => out.push_str("null"),
            }
            out.push_ascii(b'}');
        }
        out.push_str("]}");
    }

    /// The trace as indented text for people (`edgeflag explain`): the result first, then the kill
    /// switch, each prerequisite (with its own trace, indented), each rule tried with its window,
    /// condition tree (✓/✗, the attribute value seen and why), bucket and threshold, and how the
    /// rule ended; last, what was served when no rule decided.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out, 0);
        out
    }

    fn write_text(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent);
        let served = match (&self.variant, &self.value) {
            (Some(v), Some(val)) => format!("\"{v}\" = {val}"),
            _ => "no variant (the caller's default)".to_string(),
        };
        let why = match (self.rule_index, &self.rule_id, &self.prerequisite) {
            (Some(i), Some(id), _) => format!("{}, rule {i} \"{id}\"", self.reason),
            (Some(i), None, _) => format!("{}, rule {i}", self.reason),
            (None, _, Some(p)) => format!("{}, prerequisite {p}", self.reason),
            _ => self.reason.to_string(),
        };
        let _ = writeln!(out, "{pad}{} → {served} ({why})", self.flag);
        if indent == 0 {
            let _ = writeln!(out, "{pad}  evaluated at {}", format_rfc3339_ms(self.now));
        }
        if !self.enabled {
            let _ = writeln!(out, "{pad}  kill switch: OFF (enabled: false) → serving offVariant to everyone");
            return;
        }
        for p in &self.prerequisites {
            let allowed = p.allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(" or ");
            let _ = writeln!(
                out,
                "{pad}  prerequisite {} must be {allowed}: got {} → {}",
                p.flag,
                p.trace.variant.as_deref().map(|v| format!("\"{v}\"")).unwrap_or_else(|| "an error".into()),
                if p.ok { "met" } else { "NOT MET" }
            );
            p.trace.write_text(out, indent + 2);
        }
        if self.reason == "PREREQUISITE_FAILED" {
            let _ = writeln!(out, "{pad}  a prerequisite is not met → serving offVariant; rules not tried");
            return;
        }
        for r in &self.rules {
            let _ = writeln!(out, "{pad}  rule {}{}: serve {}", r.index, r.id.as_ref().map(|i| format!(" \"{i}\"")).unwrap_or_default(), r.serve);
            if r.from.is_some() || r.until.is_some() {
                let _ = writeln!(
                    out,
                    "{pad}    window from {} until {}: now is {}",
                    r.from.map(format_rfc3339_ms).unwrap_or_else(|| "the beginning".into()),
                    r.until.map(format_rfc3339_ms).unwrap_or_else(|| "forever".into()),
                    if r.step == RuleStep::OutsideWindow { "OUTSIDE" } else { "inside" }
                );
            }
            match &r.condition {
                Some(c) => c.write_text(out, indent + 1),
                None if r.step != RuleStep::OutsideWindow => {
                    let _ = writeln!(out, "{pad}    ✓ no condition: everyone");
                }
                None => {}
            }
            if let Some(by) = &r.by {
                match (&r.unit, r.bucket) {
                    (Some(u), Some(b)) => {
                        let split = r.serve.starts_with("split");
                        let verdict = match r.threshold {
                            Some(t) if split => match &self.variant {
                                Some(v) => format!(" → split entry \"{v}\" (its buckets end below {t})"),
                                None => format!(" → the split entry whose buckets end below {t}"),
                            },
                            Some(t) if b < t => format!(" < {t} ({}) → in the rollout", percent_text(t)),
                            Some(t) => format!(" ≥ {t} ({}) → not in the rollout", percent_text(t)),
                            None => String::new(),
                        };
                        let _ = writeln!(out, "{pad}    unit {by} = \"{u}\": bucket {b}{verdict}");
                    }
                    _ if r.step == RuleStep::NoUnit => {
                        let _ = writeln!(out, "{pad}    unit {by}: missing, or not a string or an integer");
                    }
                    _ => {}
                }
            }
            let _ = writeln!(
                out,
                "{pad}    → {}",
                match r.step {
                    RuleStep::OutsideWindow => "skipped: now is outside the rule's time window",
                    RuleStep::ConditionFalse => "skipped: the condition is false",
                    RuleStep::NoUnit => "skipped: no bucketing unit",
                    RuleStep::NotInRollout => "skipped: the unit is not in the rollout",
                    RuleStep::Served => "APPLIED",
                }
            );
        }
        match self.reason {
            "STATIC" => {
                let _ = writeln!(out, "{pad}  the flag has no rules → serving default");
            }
            "DEFAULT" => {
                let _ = writeln!(out, "{pad}  no rule applied → serving default");
            }
            _ => {}
        }
    }
}

impl CondTrace {
    /// One line per node, `✓`/`✗` for held/did not hold; children indented below their parent.
    fn write_text(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent + 1);
        let mark = if self.result { "✓" } else { "✗" };
        match self.kind {
            "attr" => {
                let operand = self.operand.as_deref().map(|o| format!(" {o}")).unwrap_or_default();
                let seen = match &self.seen {
                    Some(s) => format!("seen {s}"),
                    None => "no value".to_string(),
                };
                let _ = writeln!(
                    out,
                    "{pad}{mark} {} {}{operand}: {seen} ({})",
                    self.attr.as_deref().unwrap_or("?"),
                    self.op.unwrap_or("?"),
                    self.why.unwrap_or("")
                );
            }
            "segment" => {
                let how = match self.via {
                    Some(Via::Include) => "the key is listed in include",
                    Some(Via::Exclude) => "the key is listed in exclude",
                    Some(Via::When) => "not listed; its condition decides",
                    Some(Via::Nothing) => "not listed, and it has no condition",
                    None => "not evaluated",
                };
                let _ = writeln!(out, "{pad}{mark} in segment {}: {how}", self.segment.as_deref().unwrap_or("?"));
            }
            "all" if self.children.is_empty() => {
                let _ = writeln!(out, "{pad}{mark} all of nothing (always true)");
            }
            "any" if self.children.is_empty() => {
                let _ = writeln!(out, "{pad}{mark} any of nothing (always false)");
            }
            "all" => {
                let _ = writeln!(out, "{pad}{mark} all of:");
            }
            "any" => {
                let _ = writeln!(out, "{pad}{mark} any of:");
            }
            "not" => {
                let _ = writeln!(out, "{pad}{mark} not:");
            }
            k => {
                let _ = writeln!(out, "{pad}{mark} {k}");
            }
        }
        for c in &self.children {
            c.write_text(out, indent + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Context, Engine};

    #[test]
    fn floats() {
        for (x, want) in [
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e21, "1e21"),
            (123456.789, "123456.789"),
            (0.000001, "0.000001"),
            (1.5e-7, "1.5e-7"),
            (f64::NAN, "null"),
            (99.99999999999999, "100"),
        ] {
            let mut s = String::new();
            super::write_float(&mut s, x);
            assert_eq!(s, want, "{x}");
            if want != "null" {
                assert!((s.parse::<f64>().unwrap() - x).abs() <= x.abs() * 1e-14);
            }
        }
    }

    #[test]
    fn trace_shows_conditions_buckets_and_prerequisites() {
        let e = Engine::from_json(
            r#"{"schema":1,"version":1,"segments":{"s":{"include":["vip"]}},"flags":{
            "base":{"variants":{"on":true,"off":false},"default":"on"},
            "f":{"variants":{"on":true,"off":false},"default":"off","requires":[{"flag":"base","variants":["on"]}],
              "rules":[{"id":"seg","when":{"any":[{"segment":"s"},{"attr":"country","op":"eq","value":"DE"}]},"serve":"on"},
                       {"id":"roll","serve":{"variant":"on","percent":0}}]}}}"#,
        )
        .unwrap();
        let t = e.explain("f", &Context::new("u1").with("country", "US"), 0).unwrap();
        assert_eq!(t.reason, "DEFAULT");
        assert_eq!(t.prerequisites.len(), 1);
        assert!(t.prerequisites[0].ok);
        assert_eq!(t.rules.len(), 2);
        let c = t.rules[0].condition.as_ref().unwrap();
        assert_eq!((c.kind, c.result, c.children.len()), ("any", false, 2));
        assert_eq!(c.children[1].seen.as_deref(), Some("\"US\""));
        assert_eq!(c.children[0].segment.as_deref(), Some("s"));
        assert_eq!(t.rules[1].threshold, Some(0));
        assert_eq!(t.rules[1].bucket, Some(crate::bucket::bucket("f", "u1")));
        let j = t.to_json();
        assert!(j.contains("\"step\":\"not_in_rollout\""), "{j}");
        assert!(crate::json::parse(&j).is_ok());
        assert!(t.to_text().contains("not in the rollout"));
    }
}
