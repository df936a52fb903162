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
use crate::bucket::xxh3_64;

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
    /// Whether it looks at leaves ([`Tracer::leaf`]); when not, a leaf may be decided without
    /// building its attribute (native builds only).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    const LEAVES: bool = true;
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
impl Tracer for NoTrace {
    const LEAVES: bool = false;
}

/// Evaluates flag `flag`.
#[inline(always)]
pub(crate) fn evaluate<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T) -> Outcome {
    // Natively the flag read is decided in place (no call, no saving of registers); prerequisites
    // are evaluated by calls (`decide_out`).
    #[cfg(not(target_arch = "wasm32"))]
    {
        t.flag_begin(flag);
        let o = decide(plan, flag, ctx, now, t, 0);
        t.flag_end(flag, &o);
        o
    }
    #[cfg(target_arch = "wasm32")]
    eval_flag(plan, flag, ctx, now, t, 0)
}

fn eval_flag<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T, depth: usize) -> Outcome {
    t.flag_begin(flag);
    #[cfg(not(target_arch = "wasm32"))]
    let o = decide_out(plan, flag, ctx, now, t, depth);
    #[cfg(target_arch = "wasm32")]
    let o = decide(plan, flag, ctx, now, t, depth);
    t.flag_end(flag, &o);
    o
}

/// [`decide`] out of line (native builds, where `decide` itself is inlined into [`evaluate`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
fn decide_out<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, flag: u32, ctx: &A, now: i64, t: &mut T, depth: usize) -> Outcome {
    decide(plan, flag, ctx, now, t, depth)
}

#[cfg_attr(edgeflag_unstable, optimize(speed))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
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
        // Natively, the plan and the context are taken through `black_box` (the identity) for each
        // rule: otherwise the compiler hoists every table address and context field any rule might
        // read out of the loop into stack slots, ~70 instructions per evaluation for the one or
        // two rules a flag has (callgrind, S2). The wasm build is left as it was measured.
        #[cfg(not(target_arch = "wasm32"))]
        let (plan, ctx) = (core::hint::black_box(plan), core::hint::black_box(ctx));
        t.rule_begin(i);
        let (from, until) = plan.window(r);
        if from.is_some_and(|from| now < from) || until.is_some_and(|until| now >= until) {
            t.rule_end(i, RuleStep::OutsideWindow);
            continue;
        }
        if let Some(c) = &r.when {
            if !eval_when(plan, c, ctx, t) {
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
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(edgeflag_unstable, optimize(speed))]
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

/// The unit's bytes (see [`with_unit`]); `buf` holds an integer's digits.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn unit_bytes<'a>(a: &Attr<'a>, buf: &'a mut [u8; 24]) -> Option<&'a [u8]> {
    match *a {
        Attr::String(s) => Some(s.as_bytes()),
        Attr::Number { value, integer: true } => Some(integer_unit(value as i64, buf)),
        _ => None,
    }
}

/// The bucket of the unit at slot `by` (traced). Natively the unit's bytes are taken in place, not
/// handed to a closure (which the compiler kept out of line); the wasm build keeps the closure (its
/// size and speed were measured with it).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn unit_bucket<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, prefix: &[u8], by: u32, ctx: &A, t: &mut T) -> Option<u32> {
    // a string unit (the usual) straight from the context, without building an `Attr`
    if let Some(u) = read_str(plan, by, ctx) {
        let u = u.as_bytes();
        let b = bucket_with_prefix(prefix, u);
        t.unit(Some(u), Some(b));
        return Some(b);
    }
    unit_bucket_read(plan, prefix, by, ctx, t)
}

/// [`unit_bucket`] when the context does not give the unit as a string at once: reads the attribute.
#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
fn unit_bucket_read<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, prefix: &[u8], by: u32, ctx: &A, t: &mut T) -> Option<u32> {
    let a = read_attr(plan, by, ctx);
    let mut buf = [0u8; 24];
    match unit_bytes(&a, &mut buf) {
        Some(u) => {
            let b = bucket_with_prefix(prefix, u);
            t.unit(Some(u), Some(b));
            Some(b)
        }
        None => {
            t.unit(None, None);
            None
        }
    }
}

/// See the native version.
#[cfg(target_arch = "wasm32")]
#[inline]
#[cfg_attr(edgeflag_unstable, optimize(speed))]
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

/// The short word of the attribute at `slot` ([`Attributes::short_word_at`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn read_short_word<A: Attributes + ?Sized>(plan: &Plan, slot: u32, ctx: &A) -> u64 {
    let path = plan.attrs.get(slot as usize).map(|p| &p[..]).unwrap_or(&[]);
    let word = plan.attr_words.get(slot as usize).copied().unwrap_or(u64::MAX);
    ctx.short_word_at(slot as usize, path, word)
}

/// The attribute at `slot` when the context gives it as a string at once ([`Attributes::str_at`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn read_str<'c, A: Attributes + ?Sized>(plan: &Plan, slot: u32, ctx: &'c A) -> Option<&'c str> {
    let path = plan.attrs.get(slot as usize).map(|p| &p[..]).unwrap_or(&[]);
    let word = plan.attr_words.get(slot as usize).copied().unwrap_or(u64::MAX);
    ctx.str_at(slot as usize, path, word)
}

/// The attribute at `slot`, with its path and the path's word ([`Plan::attr_words`]).
#[inline(always)]
fn read_attr<'c, A: Attributes + ?Sized>(plan: &Plan, slot: u32, ctx: &'c A) -> Attr<'c> {
    let path = plan.attrs.get(slot as usize).map(|p| &p[..]).unwrap_or(&[]);
    #[cfg(not(target_arch = "wasm32"))]
    let word = plan.attr_words.get(slot as usize).copied().unwrap_or(u64::MAX);
    #[cfg(target_arch = "wasm32")]
    let word = u64::MAX;
    ctx.attr_at(slot as usize, path, word)
}

/// Evaluates the condition tree rooted at `conds[i]` (false when out of range).
#[inline]
fn eval_root<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, i: u32, ctx: &A, t: &mut T, depth: usize) -> bool {
    match plan.conds.get(i as usize) {
        Some(c) => eval_cond(plan, c, ctx, t, depth),
        None => false,
    }
}

#[cfg_attr(edgeflag_unstable, optimize(speed))]
fn eval_cond<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, c: &Cond, ctx: &A, t: &mut T, depth: usize) -> bool {
    match c {
        Cond::All(items) => eval_all(plan, *items, ctx, t, depth),
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

/// A rule's condition: natively, a leaf or an `all` (the common roots) is tested in place, without
/// a call; anything else by [`eval_cond`].
#[inline(always)]
fn eval_when<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, c: &Cond, ctx: &A, t: &mut T) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    match c {
        Cond::Attr(l) => return eval_leaf(plan, *l, ctx, t),
        Cond::All(items) => return eval_all(plan, *items, ctx, t, 0),
        _ => {}
    }
    eval_cond(plan, c, ctx, t, 0)
}

/// `all` of the nodes `items` (inlined into [`eval_cond`], and natively into [`eval_when`] too).
#[inline(always)]
fn eval_all<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, items: crate::plan::Span, ctx: &A, t: &mut T, depth: usize) -> bool {
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
    // Natively, when nothing looks at the leaf, a string of at most 7 bytes tested against short
    // string operands is decided by its word (which a `Context` keeps) compared with theirs: no
    // bytes read, no `Attr` built.
    #[cfg(not(target_arch = "wasm32"))]
    if !T::LEAVES && leaf.matcher.takes_short() {
        let w = read_short_word(plan, slot, ctx);
        if w != u64::MAX {
            if let Some(r) = leaf.matcher.test_short(w) {
                return r;
            }
        }
    }
    let a = read_attr(plan, slot, ctx);
    let r = leaf.matcher.test(&a);
    t.leaf(slot, &leaf.matcher, plan.operand(leaf), &a, r);
    r
}

fn in_segment<A: Attributes + ?Sized, T: Tracer>(plan: &Plan, seg: u32, ctx: &A, t: &mut T, depth: usize) -> bool {
    let Some(s) = plan.segments.get(seg as usize) else { return false };
    t.segment_begin(seg);
    let key = read_attr(plan, KEY_SLOT, ctx);
    let listed = with_unit(&key, |k| {
        let hashed = |set: &crate::set::U64Set| !set.is_empty() && set.contains(segment_hash(&s.hash_prefix, k));
        let k = crate::bytes::from_utf8(k).unwrap_or("");
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

/// XXH3-64 of `prefix` + `key` (the hashed segment lists' hash), without allocating for short keys (in
/// the wasm build, up to 128 bytes without a copy, by [`crate::bucket::xxh3_joined`] as bucketing does there).
pub(crate) fn segment_hash(prefix: &[u8], key: &[u8]) -> u64 {
    let n = prefix.len() + key.len();
    if cfg!(target_arch = "wasm32") && n <= crate::bucket::SHORT_INPUT {
        crate::bucket::xxh3_joined(prefix, key)
    } else if n <= 256 && !cfg!(target_arch = "wasm32") {
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

#[cfg(test)]
mod tests {
    use crate::context::{Attr, Attributes, Context};
    use crate::Engine;

    /// A source with only [`Attributes::attr`]: the trait's defaults for the rest.
    struct Plain<'a>(&'a Context);
    impl Attributes for Plain<'_> {
        fn attr(&self, slot: usize, path: &[Box<str>]) -> Attr<'_> {
            self.0.attr(slot, path)
        }
    }

    /// Rollouts take a string unit straight from a `Context` (`Attributes::str_at`): the same buckets
    /// as through `Attributes::attr` alone and as the explain trace, for units of every kind.
    #[test]
    fn units_in_place_agree_with_the_attribute() {
        let by = ["key", "u", "a-long-name", "o.u"];
        let flags: Vec<String> = by
            .iter()
            .enumerate()
            .map(|(i, b)| {
                format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"serve":{{"variant":"on","percent":50,"by":"{b}"}}}}]}}"#)
            })
            .collect();
        let e = Engine::from_json(&format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))).unwrap();
        let units = [
            "\"\"", "\"a\"", "\"user-1\"", "\"user-12\"", "\"user-123\"", "\"user-1234\"", "\"user-123456789\"",
            "\"user-1234567890\"", "\"0123456789abcdef0123456789abcdef\"", "\"é\"", "7", "-7", "9007199254740992", "1.5", "true", "null",
            "[\"a\"]", "{\"u\":\"x\"}",
        ];
        let mut contexts: Vec<Context> = Vec::new();
        for u in units {
            for k in 0..40 {
                let text = format!(r#"{{"key":{u},"u":{u},"a-long-name":{u},"o":{{"u":{u}}},"n":{k}}}"#);
                contexts.push(Context::from_json(&text).unwrap());
                // the unit past the fields a context holds in place
                let text = format!(r#"{{"a":1,"b":2,"c":3,"d":4,"n":{k},"key":{u},"u":{u},"a-long-name":{u},"o":{{"u":{u}}}}}"#);
                contexts.push(Context::from_json(&text).unwrap());
            }
            contexts.push(Context::from_json(&format!(r#"{{"u":{u}}}"#)).unwrap());
        }
        for (n, c) in contexts.iter().enumerate() {
            let c = if n % 3 == 0 { c.clone().with("key", format!("user-{n}").as_str()) } else { c.clone() };
            for i in 0..by.len() {
                let f = format!("f{i}");
                let fast = e.evaluate(&f, &c, 0);
                let plain = e.evaluate(&f, &Plain(&c), 0);
                let traced = e.explain(&f, &c, 0).map(|t| (t.variant, t.rule_index));
                assert_eq!(fast, plain, "{f} {c:?}");
                assert_eq!(Some((fast.variant.map(str::to_string), fast.rule_index)), traced, "{f} {c:?}");
            }
        }
        // both variants are served (the units are bucketed, not all left out)
        let on = contexts.iter().filter(|c| e.evaluate("f0", *c, 0).variant == Some("on")).count();
        assert!(on > 100 && on < contexts.len() - 100, "{on} of {}", contexts.len());
    }

    #[test]
    fn short_word_tests_agree_with_the_matcher() {
        let many: Vec<String> = (0..20).map(|i| format!("\"v{i}\"")).chain(["\"DE\"".into()]).collect();
        let many = format!(r#"{{"attr":"s","op":"in","values":[{}]}}"#, many.join(","));
        let conds = [
            r#"{"attr":"s","op":"eq","value":"DE"}"#,
            r#"{"attr":"s","op":"neq","value":"DE"}"#,
            r#"{"attr":"s","op":"in","values":["DE","FR","","abcdefg","abcdefgh","é","x\u0000"]}"#,
            r#"{"attr":"s","op":"not_in","values":["DE","abcdefg"]}"#,
            r#"{"attr":"s","op":"eq","value":"de","ignoreCase":true}"#,
            r#"{"attr":"s","op":"in","values":[1,"1","true"]}"#,
            r#"{"attr":"o.s","op":"in","values":["DE","x"]}"#,
            r#"{"attr":"a-long-name","op":"in","values":["DE","abcdefg"]}"#,
            r#"{"attr":"f6","op":"eq","value":"DE"}"#,
            r#"{"all":[{"attr":"s","op":"in","values":["DE","FR"]},{"attr":"t","op":"eq","value":"pro"}]}"#,
            many.as_str(),
        ];
        let flags: Vec<String> = conds
            .iter()
            .enumerate()
            .map(|(i, c)| format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{c},"serve":"on"}}]}}"#))
            .collect();
        let e = Engine::from_json(&format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))).unwrap();
        let values = [
            "", "D", "DE", "de", "FR", "abcdefg", "abcdefgh", "x\u{0}", "x", "é", "1", "true", "pro", "abcdefghijklmn", "abcdefghijklmno", "v7",
        ];
        let mut contexts: Vec<Context> = Vec::new();
        for v in values {
            for w in ["pro", "free"] {
                let c = Context::new("u").with("s", v).with("t", w).with("a-long-name", v);
                let c = c.with("f4", 4i64).with("f5", true).with("f6", v);
                contexts.push(c.clone().with("s", "replaced").with("s", v));
                contexts.push(c);
                let q = serde_json::to_string(v).unwrap();
                let text = format!(r#"{{"key":"u","s":{q},"t":"{w}","a-long-name":{q},"f4":4,"f5":true,"f6":{q},"o":{{"s":{q}}}}}"#);
                contexts.push(Context::from_json(&text).unwrap());
            }
        }
        for c in [r#"{"key":"u","s":1}"#, r#"{"key":"u","s":true}"#, r#"{"key":"u","s":null}"#, r#"{"key":"u","s":["DE"]}"#, r#"{"key":"u","s":{"a":1}}"#, r#"{"key":"u"}"#] {
            contexts.push(Context::from_json(c).unwrap());
        }
        for c in &contexts {
            for i in 0..conds.len() {
                let f = format!("f{i}");
                let fast = e.evaluate(&f, c, 0).variant;
                let plain = e.evaluate(&f, &Plain(c), 0).variant;
                let traced = e.explain(&f, c, 0).and_then(|t| t.variant);
                assert_eq!(fast, plain, "{f} {c:?}");
                assert_eq!(fast, traced.as_deref(), "{f} {c:?}");
            }
        }
    }
}
