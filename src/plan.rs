//! The compiled evaluation plan: what evaluation runs, built once per snapshot.
//!
//! Compilation turns the validated model into flat, index-based structures: flag, segment and
//! variant references become indices; attribute paths become *slots* (see [`crate::context`]);
//! percents become bucket counts; instants become milliseconds; conditions become [`Cond`] trees of
//! compiled [`Matcher`]s. Operator and operand problems are reported here, into the same problem
//! list as shape and validation problems, so a load reports everything at once.
//!
//! Invariant: a `Plan` built from a problem-free model has every index in range; evaluation still
//! uses checked access (`get`) so that no input can make it panic.

use crate::condition::{self, Matcher};
use crate::error::{Path, Problems};
use crate::json::Value;
use crate::limits::Limits;
use crate::set::{StrIndex, U64Set};
use crate::snapshot::{Condition, Flag, Segment, Serve, Snapshot};
use crate::time;
use crate::validate::{percent_buckets, ValueKind};

/// A compiled snapshot.
#[derive(Debug)]
pub(crate) struct Plan {
    pub schema: u64,
    pub version: u64,
    pub environment: Option<String>,
    pub published_at: Option<String>,
    pub metadata: Vec<(Box<str>, Value<'static>)>,
    pub flags: Vec<FlagPlan>,
    pub flag_index: StrIndex,
    pub segments: Vec<SegmentPlan>,
    /// Slot → attribute path segments. Slot 0 is always `key`.
    pub attrs: Vec<Vec<Box<str>>>,
    /// The operands of every `Cond::Attr`, as compact JSON, one after another (see [`Plan::operand`]):
    /// one buffer instead of a string per condition.
    pub operands: String,
}

/// Where a condition's operand text is in [`Plan::operands`]: start and end byte offsets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span(pub u32, pub u32);

impl Plan {
    /// The operand text of a condition (compact JSON, `""` when it has none), for explain traces.
    #[inline]
    pub(crate) fn operand(&self, s: Span) -> &str {
        self.operands.get(s.0 as usize..s.1 as usize).unwrap_or("")
    }
}

/// The slot of the `key` attribute.
pub(crate) const KEY_SLOT: u32 = 0;

#[derive(Debug)]
pub(crate) struct FlagPlan {
    pub key: Box<str>,
    pub kind: ValueKind,
    pub variants: Vec<(Box<str>, Value<'static>)>,
    pub default: u32,
    pub off: u32,
    pub enabled: bool,
    /// `salt` followed by `:`, the bucketing prefix.
    pub salt_prefix: Box<[u8]>,
    pub requires: Vec<Requirement>,
    pub rules: Vec<RulePlan>,
    /// False when `rules` was absent or empty (reason `STATIC`).
    pub has_rules: bool,
    pub metadata: Vec<(Box<str>, Value<'static>)>,
    /// The result may depend on the time (windows, ramps, also through prerequisites).
    pub uses_time: bool,
    /// The result may depend on the context.
    pub uses_context: bool,
}

#[derive(Debug)]
pub(crate) struct Requirement {
    pub flag: u32,
    pub variants: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct RulePlan {
    pub id: Option<Box<str>>,
    pub when: Option<Cond>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub serve: ServePlan,
}

#[derive(Debug)]
pub(crate) enum ServePlan {
    Variant(u32),
    /// Entries as (exclusive cumulative bucket end, variant).
    Split { by: u32, entries: Vec<(u32, u32)> },
    Percent { by: u32, buckets: u32, variant: u32 },
    /// Steps as (instant ms, buckets), increasing in time.
    Ramp { by: u32, steps: Vec<(i64, u32)>, variant: u32 },
}

#[derive(Debug)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Segment(u32),
    Attr { slot: u32, matcher: Matcher, operand: Span },
}

#[derive(Debug)]
pub(crate) struct SegmentPlan {
    pub key: Box<str>,
    pub include: StrIndex,
    pub exclude: StrIndex,
    pub include_hashed: U64Set,
    pub exclude_hashed: U64Set,
    /// `hashSalt` (default: the segment key) followed by `:`.
    pub hash_prefix: Box<[u8]>,
    pub when: Option<Cond>,
}

struct Compiler<'l> {
    limits: &'l Limits,
    /// What is left of `limits.max_regex_total_bytes`.
    regex_budget: usize,
    slots: StrIndex,
    attrs: Vec<Vec<Box<str>>>,
    segment_index: &'l StrIndex,
    operands: String,
}

impl Compiler<'_> {
    fn slot(&mut self, path: &str) -> u32 {
        let next = self.attrs.len() as u32;
        let s = self.slots.get_or_insert(path, next);
        if s == next {
            self.attrs.push(path.split('.').map(Into::into).collect());
        }
        s
    }

    fn cond(&mut self, c: &Condition<'_>, path: &Path<'_>, p: &mut Problems) -> Cond {
        match c {
            Condition::All(items) => {
                let base = path.key("all");
                Cond::All(items.iter().enumerate().map(|(i, c)| self.cond(c, &base.index(i), p)).collect())
            }
            Condition::Any(items) => {
                let base = path.key("any");
                Cond::Any(items.iter().enumerate().map(|(i, c)| self.cond(c, &base.index(i), p)).collect())
            }
            Condition::Not(inner) => Cond::Not(Box::new(self.cond(inner, &path.key("not"), p))),
            Condition::Segment(s) => Cond::Segment(self.segment_index.get(s).unwrap_or(u32::MAX)),
            Condition::Attr(a) => {
                let matcher =
                    condition::compile(&a.op, a.value.as_ref(), a.values.as_deref(), a.ignore_case, self.limits, &mut self.regex_budget, path, p);
                match matcher {
                    Some(matcher) => {
                        let operand = &mut self.operands;
                        let start = operand.len();
                        match (&a.value, &a.values) {
                            (Some(v), _) => crate::json::write_value(operand, v),
                            (_, Some(vs)) => {
                                operand.push('[');
                                for (i, v) in vs.iter().enumerate() {
                                    if i > 0 {
                                        operand.push(',');
                                    }
                                    crate::json::write_value(operand, v);
                                }
                                operand.push(']');
                            }
                            _ => {}
                        }
                        // Offsets past u32 (a 4 GiB operand buffer) cannot come from a snapshot within
                        // `max_bytes`; should they, the operand reads as empty rather than wrong.
                        let span = match (u32::try_from(start), u32::try_from(operand.len())) {
                            (Ok(a), Ok(b)) => Span(a, b),
                            _ => Span(0, 0),
                        };
                        Cond::Attr { slot: self.slot(&a.attr), matcher, operand: span }
                    }
                    None => Cond::Any(Vec::new()),
                }
            }
            Condition::Invalid => Cond::Any(Vec::new()),
        }
    }
}

/// Variant positions by name: a scan for a few variants, a hash index for many (no quadratic compile
/// of a flag with thousands of variants and rules).
struct Variants<'f, 'a> {
    f: &'f Flag<'a>,
    index: Option<StrIndex>,
}

impl<'f, 'a> Variants<'f, 'a> {
    fn new(f: &'f Flag<'a>) -> Self {
        let index = (f.variants.len() > 16).then(|| StrIndex::new(f.variants.iter().enumerate().map(|(i, (k, _))| (&**k, i as u32))));
        Variants { f, index }
    }

    fn position(&self, name: &str) -> Option<u32> {
        match &self.index {
            Some(ix) => ix.get(name),
            None => self.f.variants.iter().position(|(k, _)| k == name).map(|i| i as u32),
        }
    }

    fn get(&self, name: Option<&str>) -> u32 {
        name.and_then(|n| self.position(n)).unwrap_or(0)
    }
}

fn parse_hashes(list: &[std::borrow::Cow<'_, str>]) -> U64Set {
    U64Set::new(list.iter().filter_map(|h| u64::from_str_radix(h, 16).ok()).collect())
}

/// Owned (key, value) pairs, in a vector of exactly their number (not reusing the model's buffer,
/// which `collect` would do, keeping its spare capacity for the engine's lifetime).
fn owned_pairs(v: Vec<(std::borrow::Cow<'_, str>, Value<'_>)>) -> Vec<(Box<str>, Value<'static>)> {
    let mut out = Vec::with_capacity(v.len());
    out.extend(v.into_iter().map(|(k, v)| (Box::from(&*k), v.into_owned())));
    out
}

/// `salt` followed by `:`, allocated once at its exact size.
fn prefix(salt: &str) -> Box<[u8]> {
    let mut v = Vec::with_capacity(salt.len() + 1);
    v.extend_from_slice(salt.as_bytes());
    v.push(b':');
    v.into_boxed_slice()
}

fn segment_plan(c: &mut Compiler<'_>, key: &str, s: &Segment<'_>, p: &mut Problems) -> SegmentPlan {
    let (root, segments) = (Path::Root, "segments");
    let when = s.when.as_ref().map(|w| c.cond(w, &root.key(segments).key(key).key("when"), p));
    let salt = s.hash_salt.as_deref().unwrap_or(key);
    SegmentPlan {
        key: key.into(),
        include: StrIndex::new(s.include.iter().map(|k| (&**k, 0))),
        exclude: StrIndex::new(s.exclude.iter().map(|k| (&**k, 0))),
        include_hashed: parse_hashes(&s.include_hashed),
        exclude_hashed: parse_hashes(&s.exclude_hashed),
        hash_prefix: prefix(salt),
        when,
    }
}

/// Compiles a model. Problems (operators, operands) are added to `p`; the plan is only meaningful
/// when `p` holds no errors. `keys` are the segment and flag indices of `s` (built once per load, see
/// [`Keys::new`]); the flag index moves into the plan. The model is consumed flag by flag, so that
/// what a load holds at its peak is about the larger of model and plan, not their sum.
pub(crate) fn compile(s: Snapshot<'_>, keys: Keys, limits: &Limits, p: &mut Problems) -> Plan {
    let Keys { segments: segment_index, flags: flag_index } = keys;
    let mut c = Compiler {
        limits,
        regex_budget: limits.max_regex_total_bytes,
        slots: StrIndex::default(),
        attrs: Vec::new(),
        segment_index: &segment_index,
        operands: String::new(),
    };
    c.slot("key");
    let segments: Vec<SegmentPlan> = s.segments.iter().map(|(k, seg)| segment_plan(&mut c, k, seg, p)).collect();
    // Prerequisites name other flags' variants: resolved before the flags are consumed.
    let mut requires: Vec<Vec<Requirement>> = s
        .flags
        .iter()
        .map(|(_, f)| {
            f.requires
                .iter()
                .map(|r| {
                    let flag = r.flag.as_deref().and_then(|k| flag_index.get(k)).unwrap_or(u32::MAX);
                    let target = s.flags.get(flag as usize).map(|(_, t)| Variants::new(t));
                    let variants = r.variants.iter().filter_map(|v| target.as_ref().and_then(|t| t.position(v))).collect();
                    Requirement { flag, variants }
                })
                .collect()
        })
        .collect();
    let Snapshot { schema, version, environment, published_at, metadata, segments: _, flags: model } = s;
    let mut flags = Vec::with_capacity(model.len());
    let root = Path::Root;
    let flags_path = root.key("flags");
    for (i, (key, f)) in model.into_iter().enumerate() {
        let requires = requires.get_mut(i).map(std::mem::take).unwrap_or_default();
        flags.push(flag_plan(&mut c, &key, f, requires, &flags_path, p));
    }
    if !p.has_errors() {
        evaluation_steps(&flags, &segments, limits, p);
    }
    if !p.has_errors() {
        dependencies(&mut flags);
    }
    Plan {
        schema,
        version,
        environment: environment.as_deref().map(Into::into),
        published_at: published_at.as_deref().map(Into::into),
        metadata: owned_pairs(metadata),
        flags,
        flag_index,
        segments,
        attrs: c.attrs,
        operands: c.operands,
    }
}

/// The segment and flag keys of a snapshot, indexed once per load: validation checks references
/// against them and compilation resolves references through them (and keeps the flag index).
pub(crate) struct Keys {
    /// Segment key → position (first occurrence wins).
    pub segments: StrIndex,
    /// Flag key → position (first occurrence wins).
    pub flags: StrIndex,
}

impl Keys {
    /// Indexes the keys of `s`.
    pub(crate) fn new(s: &Snapshot<'_>) -> Keys {
        Keys {
            segments: StrIndex::new(s.segments.iter().enumerate().map(|(i, (k, _))| (&**k, i as u32))),
            flags: StrIndex::new(s.flags.iter().enumerate().map(|(i, (k, _))| (&**k, i as u32))),
        }
    }
}

/// Compiles one flag (consuming its model). Not inlined: called once per flag, it is optimised early
/// by wasm engines that start in baseline code.
#[inline(never)]
fn flag_plan(c: &mut Compiler<'_>, key: &str, f: Flag<'_>, requires: Vec<Requirement>, flags_path: &Path<'_>, p: &mut Problems) -> FlagPlan {
    let path = flags_path.key(key);
    let rules_path = path.key("rules");
    let kind = f.variants.iter().find_map(|(_, v)| ValueKind::of(v)).unwrap_or(ValueKind::Boolean);
    let vx = Variants::new(&f);
    let default = vx.get(f.default.as_deref());
    let off = if f.off_variant.is_some() { vx.get(f.off_variant.as_deref()) } else { default };
    let mut rules = Vec::with_capacity(f.rules.as_ref().map_or(0, Vec::len));
    for (i, r) in f.rules.iter().flatten().enumerate() {
        let rp = rules_path.index(i);
        let when = r.when.as_ref().map(|w| c.cond(w, &rp.key("when"), p));
        let by = |c: &mut Compiler<'_>, by: &Option<std::borrow::Cow<'_, str>>| c.slot(by.as_deref().unwrap_or("key"));
        let serve = match &r.serve {
            Serve::Variant(v) => ServePlan::Variant(vx.get(Some(v))),
            Serve::Split { split, by: b } => {
                let mut acc = 0u32;
                let entries = split
                    .iter()
                    .map(|e| {
                        acc += e.percent.as_ref().and_then(|n| percent_buckets(n.text()).ok()).unwrap_or(0);
                        (acc, vx.get(e.variant.as_deref()))
                    })
                    .collect();
                ServePlan::Split { by: by(c, b), entries }
            }
            Serve::Percent { variant, percent, by: b } => ServePlan::Percent {
                by: by(c, b),
                buckets: percent_buckets(percent.text()).unwrap_or(0),
                variant: vx.get(variant.as_deref()),
            },
            Serve::Ramp { variant, ramp, by: b } => ServePlan::Ramp {
                by: by(c, b),
                steps: ramp
                    .iter()
                    .filter_map(|st| {
                        let at = time::parse_rfc3339_ms(st.at.as_deref()?)?;
                        let pc = percent_buckets(st.percent.as_ref()?.text()).ok()?;
                        Some((at, pc))
                    })
                    .collect(),
                variant: vx.get(variant.as_deref()),
            },
            Serve::Invalid => ServePlan::Variant(0),
        };
        rules.push(RulePlan {
            id: r.id.as_deref().map(Into::into),
            when,
            from: r.from.as_deref().and_then(time::parse_rfc3339_ms),
            until: r.until.as_deref().and_then(time::parse_rfc3339_ms),
            serve,
        });
    }
    let salt = f.salt.as_deref().unwrap_or(key);
    FlagPlan {
        key: key.into(),
        kind,
        salt_prefix: prefix(salt),
        variants: owned_pairs(f.variants),
        default,
        off,
        enabled: f.enabled,
        requires,
        has_rules: !rules.is_empty(),
        rules,
        metadata: owned_pairs(f.metadata),
        uses_time: false,
        uses_context: false,
    }
}

/// Refuses a plan whose evaluation of every flag once may take more than `Limits::max_evaluation_steps`
/// steps: rules, condition nodes, segment checks and prerequisites count 1, operators their
/// `Matcher::work`, and a shared segment or prerequisite counts each time it is reached (2 references to
/// the next segment, 16 deep, are 2^16 checks; a segment with 1,000 costly leaves in 1,000 flags, a million
/// tests). Runs on a problem-free plan: references in range, no cycle, chains within their limits (the
/// recursion is bounded by them, and by MAX_NESTING whatever the plan).
fn evaluation_steps(flags: &[FlagPlan], segments: &[SegmentPlan], limits: &Limits, p: &mut Problems) {
    use crate::eval::MAX_NESTING;
    fn cond(c: &Cond, segments: &[SegmentPlan], memo: &mut [Option<u64>], depth: usize) -> u64 {
        match c {
            Cond::All(items) | Cond::Any(items) => items.iter().fold(1u64, |a, c| a.saturating_add(cond(c, segments, memo, depth))),
            Cond::Not(inner) => cond(inner, segments, memo, depth).saturating_add(1),
            Cond::Segment(i) => segment(*i as usize, segments, memo, depth + 1).saturating_add(1),
            Cond::Attr { matcher, .. } => matcher.work(),
        }
    }
    fn segment(i: usize, segments: &[SegmentPlan], memo: &mut [Option<u64>], depth: usize) -> u64 {
        if let Some(Some(c)) = memo.get(i) {
            return *c;
        }
        if depth > MAX_NESTING {
            return u64::MAX;
        }
        let c = segments.get(i).and_then(|s| s.when.as_ref()).map_or(0, |w| cond(w, segments, memo, depth)).saturating_add(1);
        if let Some(m) = memo.get_mut(i) {
            *m = Some(c);
        }
        c
    }
    fn flag(i: usize, flags: &[FlagPlan], segments: &[SegmentPlan], seg: &mut [Option<u64>], memo: &mut [Option<u64>], depth: usize) -> u64 {
        if let Some(Some(c)) = memo.get(i) {
            return *c;
        }
        if depth > MAX_NESTING {
            return u64::MAX;
        }
        let Some(f) = flags.get(i) else { return 0 };
        let mut c = 1u64;
        for r in &f.rules {
            c = c.saturating_add(1).saturating_add(r.when.as_ref().map_or(0, |w| cond(w, segments, seg, 0)));
        }
        for r in &f.requires {
            c = c.saturating_add(1).saturating_add(flag(r.flag as usize, flags, segments, seg, memo, depth + 1));
        }
        if let Some(m) = memo.get_mut(i) {
            *m = Some(c);
        }
        c
    }
    let mut seg = vec![None; segments.len()];
    let mut memo = vec![None; flags.len()];
    let costs: Vec<u64> = (0..flags.len()).map(|i| flag(i, flags, segments, &mut seg, &mut memo, 0)).collect();
    let total = costs.iter().fold(0u64, |a, c| a.saturating_add(*c));
    if total > limits.max_evaluation_steps as u64 {
        // The costliest flag, the first of them in document order.
        if let Some((i, cost)) = costs.iter().enumerate().rev().max_by_key(|(_, c)| **c) {
            let key = flags.get(i).map_or("", |f| &*f.key);
            p.error(
                Path::Root.key("flags").key(key),
                format!(
                    "evaluating every flag once may take {total} steps (rules, conditions and their operands, segment \
                     checks, prerequisites; a shared segment or prerequisite counts each time it is reached), over \
                     the limit of {}; this flag alone takes {cost}",
                    limits.max_evaluation_steps
                ),
            );
        }
    }
}

/// Works out `uses_time` and `uses_context` for every flag, prerequisites included.
/// Requires an acyclic prerequisite graph (validated).
fn dependencies(flags: &mut [FlagPlan]) {
    fn own(f: &FlagPlan) -> (bool, bool) {
        if !f.enabled {
            return (false, false);
        }
        let (mut time, mut ctx) = (false, false);
        for r in &f.rules {
            time |= r.from.is_some() || r.until.is_some();
            ctx |= r.when.is_some();
            match r.serve {
                ServePlan::Variant(_) => {
                    if r.when.is_none() && r.from.is_none() && r.until.is_none() {
                        break; // every later rule is unreachable
                    }
                }
                ServePlan::Ramp { .. } => {
                    time = true;
                    ctx = true;
                }
                _ => ctx = true,
            }
        }
        (time, ctx)
    }
    let n = flags.len();
    let mut done: Vec<Option<(bool, bool)>> = vec![None; n];
    fn visit(i: usize, flags: &[FlagPlan], done: &mut Vec<Option<(bool, bool)>>, guard: usize) -> (bool, bool) {
        if let Some(Some(d)) = done.get(i) {
            return *d;
        }
        let Some(f) = flags.get(i) else { return (false, false) };
        let (mut t, mut c) = own(f);
        if f.enabled && guard > 0 {
            for r in &f.requires {
                let (rt, rc) = visit(r.flag as usize, flags, done, guard - 1);
                t |= rt;
                c |= rc;
            }
        }
        if let Some(d) = done.get_mut(i) {
            *d = Some((t, c));
        }
        (t, c)
    }
    for i in 0..n {
        visit(i, flags, &mut done, n + 1);
    }
    for (f, d) in flags.iter_mut().zip(done) {
        let (t, c) = d.unwrap_or((true, true));
        f.uses_time = t;
        f.uses_context = c;
    }
}
