//! Evaluation (spec §7): one flag, one context, one instant → an [`Outcome`].
//!
//! Order: a disabled flag serves `offVariant` (DISABLED); then each prerequisite must evaluate to a
//! listed variant (else `offVariant`, PREREQUISITE_FAILED); then rules in order — a rule is skipped
//! outside its `[from, until)` window, when its condition is false, when it buckets by an attribute
//! the context lacks, or when a `percent`/`ramp` leaves the unit out; otherwise it decides. No rule:
//! `default` (DEFAULT, or STATIC for a flag without rules).
//!
//! The code is generic over a [`Tracer`]: [`NoTrace`] compiles to nothing (the hot path), and the
//! explain recorder ([`crate::explain`]) sees every step. There is one evaluator, so the trace can
//! never disagree with the result.
//!
//! Invariant: evaluation never panics and does not allocate (except for units over 256 bytes and
//! `ignoreCase` on long or non-ASCII strings); recursion through prerequisites and segments is
//! bounded ([`MAX_NESTING`]) even if a plan were cyclic.

use crate::bucket::{bucket_with_prefix, integer_unit};
use crate::condition::Matcher;
use crate::context::{Attr, Attributes};
use crate::plan::{Cond, FlagPlan, Plan, ServePlan, KEY_SLOT};
use crate::reason::Reason;
use xxhash_rust::xxh3::xxh3_64;

/// How deep prerequisites and segment references may nest at evaluation time. Validation keeps real
/// snapshots far below this; it is a guard against stack exhaustion, not a rule of the format.
pub const MAX_NESTING: usize = 64;

/// What one evaluation decided (indices into the plan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Variant index; `u32::MAX` when none (error).
    pub variant: u32,
    pub reason: Reason,
    pub rule: Option<u32>,
    /// The failing prerequisite's flag index.
    pub prerequisite: Option<u32>,
}

impl Outcome {
    fn new(variant: u32, reason: Reason) -> Outcome {
        Outcome { variant, reason, rule: None, prerequisite: None }
    }
    pub(crate) fn error() -> Outcome {
        Outcome::new(u32::MAX, Reason::Error)
    }
}

/// How a segment's membership was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The key is in `include` (or `includeHashed`).
    Include,
    /// The key is in `exclude` (or `excludeHashed`).
    Exclude,
    /// The segment's `when` decided.
    When,
    /// Not listed and no `when`: not in.
    Nothing,
}

/// Why a rule did or did not decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleStep {
    /// `now` is outside `[from, until)`.
    OutsideWindow,
    /// The condition is false.
    ConditionFalse,
    /// The bucketing attribute is missing or not a string/integer.
    NoUnit,
    /// `percent`/`ramp`: the bucket is not below the threshold.
    NotInRollout,
    /// The rule decided.
    Served,
}

/// Observes an evaluation. Every method has an empty default; `FULL` asks conditions to evaluate
/// every child (no short-circuit) so a trace can show each one.
pub(crate) trait Tracer {
    const FULL: bool = false;
    fn flag_begin(&mut self, _flag: u32) {}
    fn flag_end(&mut self, _flag: u32, _o: &Outcome) {}
    fn prerequisite(&mut self, _index: usize, _flag: u32, _ok: bool) {}
    fn rule_begin(&mut self, _index: usize) {}
    fn rule_end(&mut self, _index: usize, _step: RuleStep) {}
    fn unit(&mut self, _unit: Option<&[u8]>, _bucket: Option<u32>) {}
    fn threshold(&mut self, _buckets: u32) {}
    fn cond_begin(&mut self, _kind: &'static str) {}
    fn cond_end(&mut self, _result: bool) {}
    fn leaf(&mut self, _slot: u32, _m: &Matcher, _operand: &str, _seen: &Attr<'_>, _result: bool) {}
    fn segment_begin(&mut self, _segment: u32) {}
    fn segment_end(&mut self, _segment: u32, _via: Via, _result: bool) {}
}

/// The tracer that records nothing.
pub(crate) struct NoTrace;
impl Tracer for NoTrace {}

/// Evaluates flag `flag`.
#[inline(always)]
pub(crate) fn evaluate<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T) -> Outcome {
    eval_flag(plan, flag, ctx, now, t, 0)
}

fn eval_flag<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T, depth: usize) -> Outcome {
    t.flag_begin(flag);
    let o = decide(plan, flag, ctx, now, t, depth);
    t.flag_end(flag, &o);
    o
}

fn decide<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T, depth: usize) -> Outcome {
    let Some(f) = plan.flags.get(flag as usize) else { return Outcome::error() };
    if !f.enabled {
        return Outcome::new(f.off, Reason::Disabled);
    }
    for (i, req) in plan.requires(f).iter().enumerate() {
        let o = if depth < MAX_NESTING { eval_flag(plan, req.flag, ctx, now, t, depth + 1) } else { Outcome::error() };
        let ok = o.reason != Reason::Error && req.variants.of(&plan.required).contains(&o.variant);
        t.prerequisite(i, req.flag, ok);
        if !ok {
            return Outcome { variant: f.off, reason: Reason::PrerequisiteFailed, rule: None, prerequisite: Some(req.flag) };
        }
    }
    for (i, r) in plan.rules(f).iter().enumerate() {
        t.rule_begin(i);
        let (from, until) = plan.window(r);
        if from.is_some_and(|from| now < from) || until.is_some_and(|until| now >= until) {
            t.rule_end(i, RuleStep::OutsideWindow);
            continue;
        }
        if let Some(c) = &r.when {
            if !eval_cond(plan, c, ctx, t, 0) {
                t.rule_end(i, RuleStep::ConditionFalse);
                continue;
            }
        }
        let served = |variant: u32, reason: Reason| Outcome { variant, reason, rule: Some(i as u32), prerequisite: None };
        match &r.serve {
            ServePlan::Variant(v) => {
                t.rule_end(i, RuleStep::Served);
                return served(*v, Reason::TargetingMatch);
            }
            ServePlan::Split { by, entries } => match unit_bucket(plan, plan.salt_prefix(f), *by, ctx, t) {
                None => {
                    t.rule_end(i, RuleStep::NoUnit);
                }
                Some(b) => {
                    let picked = entries.of(&plan.splits).iter().find(|(end, _)| *end > b);
                    if let Some((end, _)) = picked {
                        t.threshold(*end);
                    }
                    // Entries sum to 100 %, so a pick always exists for a valid plan.
                    let v = picked.map(|(_, v)| *v).unwrap_or(f.default);
                    t.rule_end(i, RuleStep::Served);
                    return served(v, Reason::Split);
                }
            },
            ServePlan::Percent { by, buckets, variant } => {
                if let Some(o) = rollout(plan, f, *by, *buckets, *variant, ctx, t, i) {
                    return served(o, Reason::Split);
                }
            }
            ServePlan::Ramp { by, steps, variant } => {
                let buckets = steps.of(&plan.ramps).iter().take_while(|(at, _)| *at <= now).last().map(|(_, b)| *b).unwrap_or(0);
                if let Some(o) = rollout(plan, f, *by, buckets, *variant, ctx, t, i) {
                    return served(o, Reason::Split);
                }
            }
        }
    }
    Outcome::new(f.default, if f.has_rules { Reason::Default } else { Reason::Static })
}

#[allow(clippy::too_many_arguments)]
fn rollout<A: Attributes + ?Sized, T: Tracer>(
    plan: &Plan,
    f: &FlagPlan,
    by: u32,
    buckets: u32,
    variant: u32,
    ctx: &A,
    t: &mut T,
    rule: usize,
) -> Option<u32> {
    t.threshold(buckets);
    match unit_bucket(plan, plan.salt_prefix(f), by, ctx, t) {
        None => {
            t.rule_end(rule, RuleStep::NoUnit);
            None
        }
        Some(b) => {
            if b < buckets {
                t.rule_end(rule, RuleStep::Served);
                Some(variant)
            } else {
                t.rule_end(rule, RuleStep::NotInRollout);
                None
            }
        }
    }
}

/// The unit's bytes for bucketing (spec §5 step 1), handed to `f`: a string as is, an integer
/// (magnitude ≤ 2^53) in decimal. `None` for anything else.
#[inline]
pub(crate) fn with_unit<R>(a: &Attr<'_>, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match *a {
        Attr::String(s) => Some(f(s.as_bytes())),
        Attr::Number { value, integer: true } => {
            let mut buf = [0u8; 24];
            Some(f(integer_unit(value as i64, &mut buf)))
        }
        _ => None,
    }
}

#[inline]
fn unit_bucket<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, prefix: &[u8], by: u32, ctx: &A, t: &mut T) -> Option<u32> {
    let path = plan.attrs.get(by as usize).map(|p| &p[..]).unwrap_or(&[]);
    let a = ctx.attr(by as usize, path);
    let b = with_unit(&a, |u| {
        let b = bucket_with_prefix(prefix, u);
        t.unit(Some(u), Some(b));
        b
    });
    if b.is_none() {
        t.unit(None, None);
    }
    b
}

/// Evaluates the condition tree rooted at `conds[i]` (false when out of range).
#[inline]
fn eval_root<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, i: u32, ctx: &A, t: &mut T, depth: usize) -> bool {
    match plan.conds.get(i as usize) {
        Some(c) => eval_cond(plan, c, ctx, t, depth),
        None => false,
    }
}

fn eval_cond<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, c: &Cond, ctx: &A, t: &mut T, depth: usize) -> bool {
    match c {
        Cond::All(items) => {
            t.cond_begin("all");
            let mut r = true;
            for it in items.of(&plan.conds) {
                let x = eval_child(plan, it, ctx, t, depth);
                r &= x;
                if !r && !T::FULL {
                    break;
                }
            }
            t.cond_end(r);
            r
        }
        Cond::Any(items) => {
            t.cond_begin("any");
            let mut r = false;
            for it in items.of(&plan.conds) {
                let x = eval_child(plan, it, ctx, t, depth);
                r |= x;
                if r && !T::FULL {
                    break;
                }
            }
            t.cond_end(r);
            r
        }
        Cond::Not(inner) => {
            t.cond_begin("not");
            let r = !eval_root(plan, *inner, ctx, t, depth);
            t.cond_end(r);
            r
        }
        Cond::Segment(s) => {
            t.cond_begin("segment");
            let r = depth < MAX_NESTING && in_segment(plan, *s, ctx, t, depth + 1);
            t.cond_end(r);
            r
        }
        Cond::Attr(l) => eval_leaf(plan, *l, ctx, t),
    }
}

/// A child of `all`/`any`: leaves are tested in place (most conditions are a list of leaves), the
/// rest recursively — one call fewer per leaf on the hot path.
#[inline(always)]
fn eval_child<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, c: &Cond, ctx: &A, t: &mut T, depth: usize) -> bool {
    match c {
        Cond::Attr(l) => eval_leaf(plan, *l, ctx, t),
        _ => eval_cond(plan, c, ctx, t, depth),
    }
}

/// Tests leaf `leaves[l]` (false when out of range).
#[inline(always)]
fn eval_leaf<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, l: u32, ctx: &A, t: &mut T) -> bool {
    let Some(leaf) = plan.leaves.get(l as usize) else { return false };
    let slot = leaf.slot;
    let path = plan.attrs.get(slot as usize).map(|p| &p[..]).unwrap_or(&[]);
    let a = ctx.attr(slot as usize, path);
    let r = leaf.matcher.test(&a);
    t.leaf(slot, &leaf.matcher, plan.operand(leaf), &a, r);
    r
}

fn in_segment<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, seg: u32, ctx: &A, t: &mut T, depth: usize) -> bool {
    let Some(s) = plan.segments.get(seg as usize) else { return false };
    t.segment_begin(seg);
    let path = plan.attrs.get(KEY_SLOT as usize).map(|p| &p[..]).unwrap_or(&[]);
    let key = ctx.attr(KEY_SLOT as usize, path);
    let listed = with_unit(&key, |k| {
        let hashed = |set: &crate::set::U64Set| !set.is_empty() && set.contains(segment_hash(&s.hash_prefix, k));
        let k = core::str::from_utf8(k).unwrap_or("");
        if s.include.contains(k) || hashed(&s.include_hashed) {
            Some(true)
        } else if s.exclude.contains(k) || hashed(&s.exclude_hashed) {
            Some(false)
        } else {
            None
        }
    })
    .flatten();
    let (via, r) = match (listed, &s.when) {
        (Some(true), _) => (Via::Include, true),
        (Some(false), _) => (Via::Exclude, false),
        (None, Some(w)) => (Via::When, eval_cond(plan, w, ctx, t, depth)),
        (None, None) => (Via::Nothing, false),
    };
    t.segment_end(seg, via, r);
    r
}

/// XXH3-64 of `prefix` + `key` (the hashed segment lists' hash), without allocating for short keys.
pub(crate) fn segment_hash(prefix: &[u8], key: &[u8]) -> u64 {
    let n = prefix.len() + key.len();
    if n <= 256 {
        let mut buf = [0u8; 256];
        buf[..prefix.len()].copy_from_slice(prefix);
        buf[prefix.len()..n].copy_from_slice(key);
        xxh3_64(&buf[..n])
    } else {
        let mut v = prefix.to_vec();
        v.extend_from_slice(key);
        xxh3_64(&v)
    }
}
