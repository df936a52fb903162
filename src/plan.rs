//! The compiled evaluation plan: what evaluation runs, built once per snapshot.
//!
//! Compilation turns the validated model into flat, index-based structures: flag, segment and
//! variant references become indices; attribute paths become *slots* (see [`crate::context`]);
//! percents become bucket counts; instants become milliseconds; conditions become trees of
//! compiled [`Matcher`]s. Operator and operand problems are reported here, into the same problem
//! list as shape and validation problems, so a load reports everything at once.
//!
//! Layout: a load makes a few allocations per snapshot, not per flag. Every flag's parts live in
//! shared arenas of the [`Plan`], and a [`FlagPlan`] holds [`Span`]s (start, end) into them:
//! - `rules` (all flags' [`RulePlan`]s, each flag's contiguous, in order; a rule holds its condition's
//!   root node, the rest of the tree is in `conds`), `requires` (with their
//!   accepted variants in `required`), `variants` and `flag_metadata`;
//! - `conds`: every condition node; the children of an `all`/`any` are contiguous (`Cond::All(span)`),
//!   a `not`'s operand is one index, and leaves point into `leaves` (slot, operand text, [`Matcher`]);
//! - `text`: flag keys, bucketing prefixes and condition operands (compact JSON for explain
//!   traces; builds without explain traces, the browser runtime, leave the operands out), one string; a flag without `salt` shares its key's bytes (`key` then `:`);
//! - what rules rarely have (an id, a `from`/`until` window) is in `rule_extras`, so a [`RulePlan`] is
//!   a few words; split entries and ramp steps are in `splits` and `ramps`.
//!
//! The one-pass load sizes the arenas that grow with the flags by extrapolating its first flags over
//! the text (plus a sixteenth), so they seldom regrow.
//!
//! Invariants: a `Plan` built from a problem-free model has every index and span in range; `conds`
//! holds trees (every node but a root is the child of exactly one node, so evaluation, which recurses
//! over them, ends); `NONE` marks an absent index. Evaluation still uses checked access (`get`, [`Span::of`])
//! so that no input can make it panic: an index out of range reads as absent or empty.

use crate::bytes::Push;
use crate::condition::{self, Matcher};
use crate::error::{Path, Problems};
use crate::json::{opt_text, Value};
use crate::limits::Limits;
use crate::set::{StrIndex, U64Set};
// (`key_text` rather than `Deref` of a `Str`: a call in the wasm build, at opt-level "z")
use crate::snapshot::{key_text, Condition, Flag, FlagSink, Segment, Serve, Snapshot, Str};
use crate::time;
use crate::validate::{percent_buckets, ValueKind};

// The direct reader: natively and in the wasm speed build, not in the size build (the module's docs, "Builds").
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
mod direct;

/// An absent index (no condition, no rule extras).
pub(crate) const NONE: u32 = u32::MAX;

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
    /// Slot → the [`short_word`](crate::bytes::short_word) of its path's first segment (`u64::MAX`:
    /// none), so that a native context finds the attribute without reading its name
    /// ([`Attributes::attr_at`](crate::context::Attributes::attr_at)). Native builds only: the wasm
    /// layer's slot tables ignore it.
    #[cfg(not(target_arch = "wasm32"))]
    pub attr_words: Vec<u64>,
    /// Every flag's rules; a flag's are `FlagPlan::rules`.
    pub rules: Vec<RulePlan>,
    /// Rule ids and windows, for the rules that have one (`RulePlan::extra`).
    pub rule_extras: Vec<RuleExtra>,
    /// Every flag's prerequisites (`FlagPlan::requires`).
    pub requires: Vec<Requirement>,
    /// The variants each prerequisite accepts (`Requirement::variants`).
    pub required: Vec<u32>,
    /// Every flag's variants (`FlagPlan::variants`), in document order.
    pub variants: Vec<(Box<str>, Value<'static>)>,
    /// Every flag's metadata (`FlagPlan::metadata`).
    pub flag_metadata: Vec<(Box<str>, Value<'static>)>,
    /// Split entries as (exclusive cumulative bucket end, variant) (`ServePlan::Split`).
    pub splits: Vec<(u32, u32)>,
    /// Ramp steps as (instant ms, buckets), increasing in time (`ServePlan::Ramp`).
    pub ramps: Vec<(i64, u32)>,
    /// Every condition node; see the module docs.
    pub conds: Vec<Cond>,
    /// The attribute tests of `conds`.
    pub leaves: Vec<Leaf>,
    /// Keys, bucketing prefixes and operands (see [`Plan::str`]).
    pub text: String,
}

/// A range of an arena or of [`Plan::text`]: start and end (exclusive) positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span(pub u32, pub u32);

impl Span {
    /// The span's part of `v`; empty when out of range (never for a plan built without problems).
    #[inline]
    pub(crate) fn of<T>(self, v: &[T]) -> &[T] {
        v.get(self.0 as usize..self.1 as usize).unwrap_or(&[])
    }

    /// `start..end` as a span; an empty one should the positions not fit `u32` (a 4 GiB arena cannot
    /// come from a snapshot within `max_bytes`).
    fn new(start: usize, end: usize) -> Span {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(a), Ok(b)) => Span(a, b),
            _ => Span(0, 0),
        }
    }

    /// Its length.
    pub(crate) fn len(self) -> usize {
        self.1.saturating_sub(self.0) as usize
    }
}

/// A position as an index (`NONE` should it not fit `u32`).
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

impl Plan {
    /// A span of [`Plan::text`] (`""` when out of range or not on a character boundary).
    #[inline]
    pub(crate) fn str(&self, s: Span) -> &str {
        self.text.get(s.0 as usize..s.1 as usize).unwrap_or("")
    }

    /// The operand text of a leaf (compact JSON, `""` when it has none), for explain traces; always
    /// `""` in a build without them (see [`Leaf`]).
    #[inline]
    pub(crate) fn operand(&self, leaf: &Leaf) -> &str {
        #[cfg(any(not(target_arch = "wasm32"), feature = "explain"))]
        return self.str(leaf.operand);
        #[cfg(all(target_arch = "wasm32", not(feature = "explain")))]
        {
            let _ = leaf;
            ""
        }
    }

    /// A flag's key.
    #[inline]
    pub(crate) fn key(&self, f: &FlagPlan) -> &str {
        self.str(f.key)
    }

    /// A flag's bucketing prefix: its salt (default: its key) followed by `:`.
    #[inline]
    pub(crate) fn salt_prefix(&self, f: &FlagPlan) -> &[u8] {
        self.text.as_bytes().get(f.salt_prefix.0 as usize..f.salt_prefix.1 as usize).unwrap_or(&[])
    }

    /// A flag's variants (key, value), in document order.
    #[inline]
    pub(crate) fn variants(&self, f: &FlagPlan) -> &[(Box<str>, Value<'static>)] {
        f.variants.of(&self.variants)
    }

    /// A flag's metadata.
    #[inline]
    pub(crate) fn flag_metadata(&self, f: &FlagPlan) -> &[(Box<str>, Value<'static>)] {
        f.metadata.of(&self.flag_metadata)
    }

    /// A flag's rules, in order.
    #[inline]
    pub(crate) fn rules(&self, f: &FlagPlan) -> &[RulePlan] {
        f.rules.of(&self.rules)
    }

    /// A flag's prerequisites.
    #[inline]
    pub(crate) fn requires(&self, f: &FlagPlan) -> &[Requirement] {
        // the common flag without prerequisites is told by its span alone
        if f.requires.0 >= f.requires.1 {
            return &[];
        }
        f.requires.of(&self.requires)
    }

    /// A rule's id.
    #[inline]
    pub(crate) fn rule_id(&self, r: &RulePlan) -> Option<&str> {
        self.rule_extras.get(r.extra as usize).and_then(|e| e.id.as_deref())
    }

    /// A rule's window `[from, until)`.
    #[inline]
    pub(crate) fn window(&self, r: &RulePlan) -> (Option<i64>, Option<i64>) {
        // the common rule without extras (no window) is told by its index alone
        if r.extra == NONE {
            return (None, None);
        }
        self.rule_extras.get(r.extra as usize).map_or((None, None), |e| (e.from, e.until))
    }
}

/// The slot of the `key` attribute.
pub(crate) const KEY_SLOT: u32 = 0;

/// One flag: spans into the plan's arenas, indices and a few flags (see the module docs).
#[derive(Debug)]
pub(crate) struct FlagPlan {
    /// In `text`.
    pub key: Span,
    /// In `text`: `salt` followed by `:`, the bucketing prefix.
    pub salt_prefix: Span,
    /// In `variants`.
    pub variants: Span,
    /// In `flag_metadata`.
    pub metadata: Span,
    /// In `requires`.
    pub requires: Span,
    /// In `rules`.
    pub rules: Span,
    pub default: u32,
    pub off: u32,
    pub kind: ValueKind,
    pub enabled: bool,
    /// False when `rules` was absent or empty (reason `STATIC`).
    pub has_rules: bool,
    /// The result may depend on the time (windows, ramps, also through prerequisites).
    pub uses_time: bool,
    /// The result may depend on the context.
    pub uses_context: bool,
}

/// A prerequisite: flag `flag` must evaluate to one of `variants` (a span of `Plan::required`).
#[derive(Debug)]
pub(crate) struct Requirement {
    pub flag: u32,
    pub variants: Span,
}

/// A rule.
#[derive(Debug)]
pub(crate) struct RulePlan {
    /// Its condition's root node (its children are in `conds`); `None`: everyone.
    pub when: Option<Cond>,
    /// Its id and window in `rule_extras`; `NONE`: neither.
    pub extra: u32,
    pub serve: ServePlan,
}

/// What rules rarely have.
#[derive(Debug)]
pub(crate) struct RuleExtra {
    pub id: Option<Box<str>>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

#[derive(Debug)]
pub(crate) enum ServePlan {
    Variant(u32),
    /// Entries in `splits`.
    Split { by: u32, entries: Span },
    Percent { by: u32, buckets: u32, variant: u32 },
    /// Steps in `ramps`.
    Ramp { by: u32, steps: Span, variant: u32 },
}

/// A condition node (see the module docs).
#[derive(Debug)]
pub(crate) enum Cond {
    /// Children in `conds`.
    All(Span),
    /// Children in `conds`.
    Any(Span),
    /// Its operand's index in `conds`.
    Not(u32),
    Segment(u32),
    /// An index in `leaves`.
    Attr(u32),
}

/// An attribute test.
///
/// The operand text is kept only where explain traces can be asked for (native
/// builds, and wasm builds with the `explain` feature); the shipped browser runtime has no explain, and
/// leaves it out (S3: 3,000 spans and ~60 KB of text less).
#[derive(Debug)]
pub(crate) struct Leaf {
    pub slot: u32,
    /// In `text`.
    #[cfg(any(not(target_arch = "wasm32"), feature = "explain"))]
    pub operand: Span,
    pub matcher: Matcher,
}

// One `Leaf` per condition leaf (S3: 3,169), checked at compile time in wasm32: the slot and the
// 40-byte `Matcher`, plus the operand's span where explain is built.
#[cfg(all(target_arch = "wasm32", not(feature = "explain")))]
const _: () = assert!(core::mem::size_of::<Leaf>() == 44);
#[cfg(all(target_arch = "wasm32", feature = "explain"))]
const _: () = assert!(core::mem::size_of::<Leaf>() == 52);

#[derive(Debug)]
pub(crate) struct SegmentPlan {
    pub key: Box<str>,
    pub include: StrIndex,
    pub exclude: StrIndex,
    pub include_hashed: U64Set,
    pub exclude_hashed: U64Set,
    /// `hashSalt` (default: the segment key) followed by `:`.
    pub hash_prefix: Box<[u8]>,
    /// Its `when`'s root node (its children are in `conds`).
    pub when: Option<Cond>,
}

struct Compiler {
    limits: Limits,
    /// What is left of `limits.max_regex_total_bytes`.
    regex_budget: usize,
    slots: StrIndex,
    /// The first [`Compiler::SHORT_SLOTS`] slots whose path has at most 7 bytes, as (the path's
    /// [`short_word`](crate::bytes::short_word), slot): found by a scan of integers, without hashing
    /// the path (a load looks a slot up per leaf and per `by`; most paths are short and few).
    short_slots: Vec<(u64, u32)>,
    attrs: Vec<Vec<Box<str>>>,
    segment_index: StrIndex,
    conds: Vec<Cond>,
    leaves: Vec<Leaf>,
    text: String,
    /// No problem met since it was last set: the checks validation makes of a usual flag
    /// ([`crate::validate::usual`]) are made as it is compiled, each clearing this where validation reports
    /// a problem. The one-pass load sets it before each flag and refuses the text when a flag clears it;
    /// the ordinary load, which validated the model first, ignores it.
    clean: bool,
}

impl Compiler {
    /// A compiler with slot 0 taken by `key`.
    fn new(limits: &Limits, segment_index: StrIndex) -> Compiler {
        let mut c = Compiler {
            limits: *limits,
            regex_budget: limits.max_regex_total_bytes,
            slots: StrIndex::default(),
            short_slots: Vec::new(),
            attrs: Vec::new(),
            segment_index,
            conds: Vec::new(),
            leaves: Vec::new(),
            text: String::new(),
            clean: true,
        };
        c.slot("key");
        c
    }

    /// Slots kept in `short_slots`.
    const SHORT_SLOTS: usize = 8;

    fn slot(&mut self, path: &str) -> u32 {
        let word = crate::bytes::short_word(path.as_bytes());
        if let Some(w) = word {
            if let Some(&(_, s)) = self.short_slots.iter().find(|(x, _)| *x == w) {
                return s;
            }
        }
        self.slot_by_index(path)
    }

    /// [`Compiler::slot`] of a path not among the `short_slots` (a long path, a new one, or one past the
    /// first eight): by the index of paths, a new slot for a new path (cold, out of line: `slot`, run per
    /// condition, stays short; the few paths of a snapshot are soon all short slots).
    #[cold]
    #[inline(never)]
    fn slot_by_index(&mut self, path: &str) -> u32 {
        let word = crate::bytes::short_word(path.as_bytes());
        let next = self.attrs.len() as u32;
        let s = self.slots.get_or_insert(path, next);
        if s == next {
            // (a plain loop: `collect` from the splitter is generic code of its own in the wasm build)
            let mut segments = Vec::new();
            for seg in crate::split::split(path, b'.') {
                segments.push(Box::from(seg));
            }
            self.attrs.push(segments);
        }
        if let Some(w) = word {
            if self.short_slots.len() < Self::SHORT_SLOTS {
                self.short_slots.push((w, s));
            }
        }
        s
    }

    /// The slot of a serve's `by` (default: `key`). An empty `by` is a problem (`validate::by_attr`).
    fn by(&mut self, by: &Option<std::borrow::Cow<'_, str>>) -> u32 {
        self.by_path(opt_text(by))
    }

    /// [`Compiler::by`] of a `by` given as text (`None`: none given).
    #[inline]
    fn by_path(&mut self, by: Option<&str>) -> u32 {
        let path = by.unwrap_or("key");
        self.clean &= !path.is_empty();
        self.slot(path)
    }

    /// Appends `s` to the text; its span.
    fn text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span::new(start, self.text.len())
    }

    /// Appends a leaf's operands to the text as compact JSON (explain traces); their span.
    #[cfg(any(not(target_arch = "wasm32"), feature = "explain"))]
    fn operand(&mut self, a: &crate::snapshot::AttrCondition<'_>) -> Span {
        let operand = &mut self.text;
        let start = operand.len();
        match (a.compact, &a.value, &a.values) {
            (Some(text), _, _) => operand.push_str(text),
            (_, Some(v), _) => crate::json::write_value(operand, v),
            (_, _, Some(vs)) => {
                operand.push_ascii(b'[');
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        operand.push_ascii(b',');
                    }
                    crate::json::write_value(operand, v);
                }
                operand.push_ascii(b']');
            }
            _ => {}
        }
        Span::new(start, operand.len())
    }

    /// Compiles a condition tree into `conds`; the index of its root there. `depth`: its nesting level
    /// (a rule's or a segment's `when` is at 1).
    fn root(&mut self, c: &Condition<'_>, path: &Path<'_>, depth: usize, p: &mut Problems) -> u32 {
        let node = self.cond(c, path, depth, p);
        self.conds.push(node);
        index(self.conds.len() - 1)
    }

    /// Compiles a condition node: its children are placed in `conds`, the node itself is returned
    /// (its parent places it, so that siblings are contiguous). Nested deeper than the limit, or naming an
    /// unknown segment, it is a problem (`validate::condition`: clears `clean`).
    fn cond(&mut self, c: &Condition<'_>, path: &Path<'_>, depth: usize, p: &mut Problems) -> Cond {
        self.clean &= depth <= self.limits.max_condition_depth;
        match c {
            Condition::All(items) => Cond::All(self.children(items, &path.key("all"), depth + 1, p)),
            Condition::Any(items) => Cond::Any(self.children(items, &path.key("any"), depth + 1, p)),
            Condition::Not(inner) => Cond::Not(self.root(inner, &path.key("not"), depth + 1, p)),
            Condition::Segment(s) => {
                let i = self.segment_index.get(s);
                self.clean &= i.is_some();
                Cond::Segment(i.unwrap_or(NONE))
            }
            Condition::Attr(a) => self.leaf(a, path, p),
            Condition::Invalid => Cond::Any(Span(0, 0)),
        }
    }

    /// Compiles an `attr` condition into a leaf of `leaves` (its matcher from [`condition::compile_common`]
    /// or else [`condition::compile`], its slot); one that does not compile is a node that never matches.
    /// An empty `attr` is a problem (`validate::condition`: clears `clean`).
    /// (Out of line: `cond`, which also runs for every `all`, `any` and `not`, stays short; see
    /// docs/ARCHITECTURE.md, "Cold start".)
    #[inline(never)]
    fn leaf(&mut self, a: &crate::snapshot::AttrCondition<'_>, path: &Path<'_>, p: &mut Problems) -> Cond {
        let (op, value, values) = (key_text(&a.op), a.value.as_ref(), a.values.as_deref());
        self.clean &= !key_text(&a.attr).is_empty();
        let matcher = match condition::compile_common(op, value, values, a.ignore_case) {
            Some(m) => Some(m),
            None => condition::compile(op, value, values, a.ignore_case, &self.limits, &mut self.regex_budget, path, p),
        };
        match matcher {
            Some(matcher) => self.push_leaf(a, matcher),
            None => Cond::Any(Span(0, 0)),
        }
    }

    /// [`Compiler::leaf`] for the direct reader, which made the matcher from the operands' words: the leaf of
    /// `a` compiled to `matcher` (its operand text where plans keep it, its attribute's slot). An empty `attr`
    /// clears `clean`.
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    #[inline(always)]
    pub(super) fn leaf_with(&mut self, a: &crate::snapshot::AttrCondition<'_>, matcher: Matcher) -> Cond {
        self.clean &= !key_text(&a.attr).is_empty();
        self.push_leaf(a, matcher)
    }

    /// Adds the leaf of `a` compiled to `matcher`: its operand text where plans keep it (from `a.compact`, else
    /// from its operands), its attribute's slot.
    #[inline(always)]
    fn push_leaf(&mut self, a: &crate::snapshot::AttrCondition<'_>, matcher: Matcher) -> Cond {
        #[cfg(any(not(target_arch = "wasm32"), feature = "explain"))]
        let operand = self.operand(a);
        let slot = self.slot(key_text(&a.attr));
        self.leaves.push(Leaf {
            slot,
            #[cfg(any(not(target_arch = "wasm32"), feature = "explain"))]
            operand,
            matcher,
        });
        Cond::Attr(index(self.leaves.len() - 1))
    }

    /// Places the nodes of `items` side by side in `conds` (their own children after them).
    fn children(&mut self, items: &[Condition<'_>], base: &Path<'_>, depth: usize, p: &mut Problems) -> Span {
        let start = self.conds.len();
        for _ in items {
            self.conds.push(Cond::Any(Span(0, 0)));
        }
        for (i, c) in items.iter().enumerate() {
            let node = self.cond(c, &base.index(i), depth, p);
            if let Some(slot) = self.conds.get_mut(start + i) {
                *slot = node;
            }
        }
        Span::new(start, start + items.len())
    }
}

/// Variant positions by name: a scan for a few variants, a hash index for many (no quadratic compile
/// of a flag with thousands of variants and rules).
struct Variants<'f, 'a> {
    f: &'f Flag<'a>,
    index: Option<StrIndex>,
    /// A name that is not a variant of the flag was looked up (a problem: `validate::Variants::check`).
    unknown: core::cell::Cell<bool>,
}

impl<'f, 'a> Variants<'f, 'a> {
    fn new(f: &'f Flag<'a>) -> Self {
        Variants { f, index: crate::validate::variant_set(f), unknown: core::cell::Cell::new(false) }
    }

    /// The position of variant `name`; 0 when there is no name, or when it is unknown (noted in `unknown`).
    fn get(&self, name: Option<&str>) -> u32 {
        let Some(n) = name else { return 0 };
        let i = crate::validate::variant_position(self.f, self.index.as_ref(), n);
        self.unknown.set(self.unknown.get() | i.is_none());
        i.unwrap_or(0)
    }
}

fn parse_hashes(list: &[std::borrow::Cow<'_, str>]) -> U64Set {
    // (a plain loop, and `number::hex_u64` for core's generic radix parser: less code in the wasm build)
    let mut v = Vec::with_capacity(list.len());
    for h in list {
        if let Some(x) = crate::number::hex_u64(h) {
            v.push(x);
        }
    }
    U64Set::new(v)
}

/// Owned (key, value) pairs, in a vector of exactly their number (not reusing the model's buffer,
/// which `collect` would do, keeping its spare capacity for the engine's lifetime).
fn owned_pairs(mut v: Vec<(std::borrow::Cow<'_, str>, Value<'_>)>) -> Vec<(Box<str>, Value<'static>)> {
    let mut out = Vec::new();
    append_pairs(&mut out, &mut v);
    out
}

/// Moves (key, value) pairs, owned, to the end of `arena`; their span. `v` is left empty, its
/// allocation kept (a flag's variants: see [`crate::snapshot::Spare`]). (No `Drain`, whose code the
/// wasm build would carry for this type.)
fn append_pairs(arena: &mut Vec<(Box<str>, Value<'static>)>, v: &mut Vec<(std::borrow::Cow<'_, str>, Value<'_>)>) -> Span {
    let start = arena.len();
    arena.extend(v.iter().map(|(k, v)| (Box::from(key_text(k)), v.to_owned_value())));
    v.clear();
    Span::new(start, arena.len())
}

/// `salt` followed by `:`, allocated once at its exact size.
fn prefix(salt: &str) -> Box<[u8]> {
    let mut v = Vec::with_capacity(salt.len() + 1);
    v.extend_from_slice(salt.as_bytes());
    v.push(b':');
    v.into_boxed_slice()
}

fn segment_plan(c: &mut Compiler, key: &str, s: &Segment<'_>, p: &mut Problems) -> SegmentPlan {
    let (root, segments) = (Path::Root, "segments");
    let when = s.when.as_ref().map(|w| c.cond(w, &root.key(segments).key(key).key("when"), 1, p));
    let salt = opt_text(&s.hash_salt).unwrap_or(key);
    SegmentPlan {
        key: key.into(),
        include: StrIndex::of_keys(&s.include),
        exclude: StrIndex::of_keys(&s.exclude),
        include_hashed: parse_hashes(&s.include_hashed),
        exclude_hashed: parse_hashes(&s.exclude_hashed),
        hash_prefix: prefix(salt),
        when,
    }
}

/// The arenas being filled by [`flag_plan`].
#[derive(Default)]
struct Arenas {
    rules: Vec<RulePlan>,
    extras: Vec<RuleExtra>,
    requires: Vec<Requirement>,
    required: Vec<u32>,
    variants: Vec<(Box<str>, Value<'static>)>,
    metadata: Vec<(Box<str>, Value<'static>)>,
    splits: Vec<(u32, u32)>,
    ramps: Vec<(i64, u32)>,
}

/// Compiles a model. Problems (operators, operands) are added to `p`; the plan is only meaningful
/// when `p` holds no errors. `keys` are the segment and flag indices of `s` (built once per load, see
/// [`Keys::new`]); the flag index moves into the plan. The model is consumed flag by flag, so that
/// what a load holds at its peak is about the larger of model and plan, not their sum.
pub(crate) fn compile(s: Snapshot<'_>, keys: Keys, limits: &Limits, p: &mut Problems) -> Plan {
    let Keys { segments: segment_index, flags: flag_index } = keys;
    let mut st = Stream::new(limits, None, 0);
    st.c.segment_index = segment_index;
    let segments = segment_plans(&mut st.c, &s.segments, p);
    let Snapshot { schema, version, environment, published_at, metadata, segments: _, flags: mut model } = s;
    // (by `iter_mut`, the model dropped as a whole after: no consuming iterator of flags in the wasm build)
    for (key, f) in model.iter_mut() {
        st.add(key, f, p);
    }
    drop(model);
    st.flag_index = flag_index;
    // Unknown flags and variants were reported by validation; they resolve to nothing here.
    let _ = st.resolve(false);
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    let head = Head { schema, version, environment, published_at, metadata };
    #[cfg(not(any(edgeflag_speed, not(target_arch = "wasm32"))))]
    let head = Snapshot { schema, version, environment, published_at, metadata, ..Snapshot::default() };
    assemble(head, st.c, st.a, st.flags, st.flag_index, segments, limits, p)
}

/// The model's top-level fields that the plan keeps, for [`assemble`] where the load is lean
/// ([`crate::LEAN_LOAD`]): a [`Snapshot`] without its lists of segments and flags, whose drop glue a lean
/// load does not call (see [`drop_list`]). (The size build hands `assemble` the model itself, as it did
/// before: its `.wasm` keeps its bytes.)
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
struct Head<'a> {
    schema: u64,
    version: u64,
    environment: Option<Str<'a>>,
    published_at: Option<Str<'a>>,
    metadata: Vec<(Str<'a>, Value<'a>)>,
}

/// What [`assemble`] takes of the model: a [`Head`] where the load is lean, else the model itself.
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
type HeadOf<'a> = Head<'a>;
#[cfg(not(any(edgeflag_speed, not(target_arch = "wasm32"))))]
type HeadOf<'a> = Snapshot<'a>;

/// The plan of its parts (the model's top-level fields in `head`), after the whole-plan checks.
#[allow(clippy::too_many_arguments)]
fn assemble(
    head: HeadOf<'_>,
    c: Compiler,
    a: Arenas,
    flags: Vec<FlagPlan>,
    flag_index: StrIndex,
    segments: Vec<SegmentPlan>,
    limits: &Limits,
    p: &mut Problems,
) -> Plan {
    let mut plan = Plan {
        schema: head.schema,
        version: head.version,
        environment: opt_text(&head.environment).map(Into::into),
        published_at: opt_text(&head.published_at).map(Into::into),
        metadata: owned_pairs(head.metadata),
        flags,
        flag_index,
        segments,
        #[cfg(not(target_arch = "wasm32"))]
        attr_words: c.attrs.iter().map(|p| crate::context::path_word(p)).collect(),
        attrs: c.attrs,
        rules: a.rules,
        rule_extras: a.extras,
        requires: a.requires,
        required: a.required,
        variants: a.variants,
        flag_metadata: a.metadata,
        splits: a.splits,
        ramps: a.ramps,
        conds: c.conds,
        leaves: c.leaves,
        text: c.text,
    };
    if !p.has_errors() {
        evaluation_steps(&plan, limits, p);
    }
    if !p.has_errors() {
        dependencies(&mut plan);
    }
    plan
}

/// Loads a snapshot in one pass, compiling each flag as soon as it is read and dropping its model, so
/// that a load holds the text, the plan and one flag's model at a time, not the whole model (the
/// model of a flag takes several times its plan). `None` as soon as anything is wrong (a problem of
/// any kind, a warning included, a text that is not JSON, an unknown schema) or when the text has
/// segments after its flags: the caller then loads the text the ordinary way
/// ([`snapshot::build`](crate::snapshot::build), [`crate::validate::validate`], [`compile`]), which
/// reports every problem, in order. On success the plan equals what that way builds.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // the wasm build loads through `Chunked` (`Engine::from_json_with`)
pub(crate) fn stream(text: &str, limits: &Limits, now_ms: Option<i64>) -> Option<Plan> {
    let mut p = Problems::default();
    let mut sink = Stream::new(limits, now_ms, text.len());
    let model = crate::snapshot::build_with(text, limits.max_json_depth, &mut p, &mut sink).ok()??;
    sink.finish(model, p)
}

/// A chunked load: [`stream`] over a text handed over in pieces, of which only the unread part of the
/// current one is held (the wasm build: the text is not copied whole into its memory, which never
/// shrinks). The members of the root object before `flags` are held until `flags` is found (read
/// from them: its segments, compiled before the first flag); each flag is read as soon as its text is
/// complete; the members after `flags` are held to the end. The model of the document but its flags is
/// then read from a *skeleton*, those members with `"flags":{}`, and checked as [`stream`] checks it.
///
/// Anything [`stream`] would refuse is refused ([`Chunked::finish`] gives `None`, and the whole text is
/// to be loaded the ordinary way, which reports every problem with its line, column and path): a
/// problem, a text that is not JSON (a chunk boundary can make a window fail to read, so a window is
/// only judged wrong once it holds the rest of the text), a flag key written twice (each window is
/// checked by the reader, and all keys by the flag index). On success the plan equals [`stream`]'s.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
pub(crate) struct Chunked {
    sink: Stream,
    /// The text not yet read, beginning with `{` once the flags are reached (see [`Chunked::push`]).
    window: Vec<u8>,
    /// The root members before the `flags` object's `{`.
    head: Vec<u8>,
    /// Reading the flags: where `window` starts in the whole text; `after`: the window starts just after
    /// a flag (a `,` or the `}` closing `flags` is to come) rather than at a key.
    flags: Option<(usize, bool)>,
    /// The `flags` object was closed: `window` holds the text after it.
    ended: bool,
    /// Bytes received; the last chunk was pushed (the text is complete).
    received: usize,
    complete: bool,
    /// A window that could not be read is read again only once it is twice as long (no quadratic work
    /// over a long flag, or a wrong one).
    retry_at: usize,
    /// The most bytes a flag's value took so far: a flag with fewer bytes after its key is left for the
    /// next window rather than read and cut by this one's end ([`crate::snapshot::read_flags`]).
    longest: usize,
    failed: bool,
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
impl Chunked {
    /// A chunked load of a text of about `size` bytes (the arenas are sized by it: JS encodes a string
    /// chunk by chunk, and knows its length in UTF-8 only at its end; a string's length in UTF-16 units
    /// is that of an ASCII text). The hint counts up to the limit `max_bytes` only: a longer text fails
    /// when its bytes pass the limit, and the arenas are never sized for more than a text can be.
    pub(crate) fn new(size: usize, limits: &Limits, now_ms: Option<i64>) -> Chunked {
        Chunked {
            sink: Stream::new(limits, now_ms, size.min(limits.max_bytes)),
            window: Vec::new(),
            head: Vec::new(),
            flags: None,
            ended: false,
            received: 0,
            complete: false,
            retry_at: 0,
            longest: 0,
            failed: limits.max_json_depth < 2,
        }
    }

    /// Whether the load has failed already (the rest of the text need not be pushed).
    pub(crate) fn failed(&self) -> bool {
        self.failed || self.sink.failed
    }

    /// Takes the next bytes of the text (`last`: the text ends with them) and reads what they complete.
    /// A text longer than the limit `max_bytes`, or bytes pushed after the last, fail the load.
    pub(crate) fn push(&mut self, chunk: &[u8], last: bool) {
        if self.failed() {
            return;
        }
        self.received = self.received.saturating_add(chunk.len());
        if self.complete || self.received > self.sink.c.limits.max_bytes {
            self.failed = true;
            return;
        }
        self.complete = last;
        if self.window.capacity() == 0 && !last {
            // Room for two chunks from the first on: the rest of a window (a cut flag, or one left for the
            // next window) and the next chunk fit it, and it is not reallocated at the second push (which
            // freed a block of one chunk in every load, between the plan's arenas).
            self.window.reserve(chunk.len().saturating_mul(2));
        }
        self.window.extend_from_slice(chunk);
        while !self.failed() && !self.ended && (last || self.window.len() >= self.retry_at) {
            if !self.step(last) {
                break;
            }
        }
    }

    /// Reads what the window holds; `false` when it needs more text.
    fn step(&mut self, last: bool) -> bool {
        let depth = self.sink.c.limits.max_json_depth;
        // A multi-byte character cut by the chunk boundary is left for the next chunk.
        let Some(text) = crate::bytes::utf8_window(&self.window, !last) else {
            self.failed = true;
            return false;
        };
        let Some((base, after)) = self.flags else {
            let Some((start, segments)) = crate::snapshot::flags_start(text, depth) else { return self.wait(last) };
            // The window from the flags' `{` on; the members before it are kept, their segments compiled.
            let open = start - 1;
            self.head.extend_from_slice(self.window.get(..open).unwrap_or_default());
            self.consume(open);
            self.flags = Some((open, false));
            if segments || !crate::LEAN_LOAD {
                self.segments();
            }
            self.retry_at = 0;
            return true;
        };
        if after {
            // Just after a flag: a `,` (which becomes the window's `{`) or the `}` closing the flags.
            let at = crate::json::ws_end(text.as_bytes(), 0);
            match self.window.get_mut(at) {
                Some(b @ b',') => *b = b'{',
                Some(b'}') => {
                    self.consume(at + 1);
                    self.ended = true;
                    return true;
                }
                None => return self.wait(last),
                _ => {
                    self.failed = true;
                    return false;
                }
            }
            self.consume(at);
            self.flags = Some((base + at, false));
            return true;
        }
        // Bytes left for the next window: at most half the window's allocation (with the next chunk they
        // fit it, see `flags_left_for_the_next_window_do_not_grow_it`), none from the last.
        let most = if last { 0 } else { self.window.capacity() / 2 };
        match crate::snapshot::read_flags(text, depth - 1, base, &mut self.sink, &mut self.longest, most) {
            crate::snapshot::FlagsRead::End(end) => {
                self.consume(end);
                self.ended = true;
                true
            }
            crate::snapshot::FlagsRead::More(mark) if mark > 1 => {
                // The rest (a flag cut by the window's end, or left for the next window) is read with the
                // next chunk; in the last window it is not JSON.
                self.consume(mark);
                self.flags = Some((base + mark, true));
                self.retry_at = 0;
                last
            }
            crate::snapshot::FlagsRead::More(_) => self.wait(last),
            crate::snapshot::FlagsRead::Failed => {
                self.failed = true;
                false
            }
        }
    }

    /// Drops the first `n` bytes of the window (read).
    fn consume(&mut self, n: usize) {
        let n = n.min(self.window.len());
        self.window.copy_within(n.., 0);
        self.window.truncate(self.window.len() - n);
    }

    /// The window cannot be read yet: wait until it is twice as long, or fail when the text is complete.
    fn wait(&mut self, last: bool) -> bool {
        self.failed |= last;
        self.retry_at = self.window.len().saturating_mul(2);
        false
    }

    /// The segments written before the flags, compiled before the first flag (as [`stream`] does).
    fn segments(&mut self) {
        let mut head = self.head.clone();
        head.extend_from_slice(b"{}}");
        let mut p = Problems::default();
        // (the head is text of a window read before, cut at the flags' `{`: UTF-8; else `finish` fails)
        if let Some(model) = skeleton(&head, self.sink.c.limits.max_json_depth, &mut p) {
            if !model.segments.is_empty() {
                let c = &mut self.sink.c;
                c.segment_index = segment_keys(&model.segments);
                let plans = segment_plans(c, &model.segments, &mut p);
                self.sink.segments = Some((model.segments.len(), plans));
                self.failed |= !p.list.is_empty();
            }
        }
    }

    /// The plan, once the whole text was pushed; `None`: load the text the ordinary way.
    pub(crate) fn finish(self) -> Option<Plan> {
        if self.failed() || !self.ended || !self.complete {
            return None;
        }
        let Chunked { sink, window, mut head, .. } = self;
        head.extend_from_slice(b"{}");
        head.extend_from_slice(&window);
        let mut p = Problems::default();
        let model = skeleton(&head, sink.c.limits.max_json_depth, &mut p)?;
        sink.finish(model, p)
    }
}

/// The model of a chunked load's skeleton (the root members with `"flags":{}`, [`Chunked`]), or `None`
/// when it is not UTF-8, not JSON or of an unknown schema (one function for [`Chunked::segments`] and
/// [`Chunked::finish`]).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
fn skeleton<'t>(text: &'t [u8], max_depth: usize, p: &mut Problems) -> Option<Snapshot<'t>> {
    crate::snapshot::build(crate::bytes::from_utf8(text)?, max_depth, p).ok()?
}

/// Drops list `v` where the load is lean ([`crate::LEAN_LOAD`]): not at all when it holds no memory (a `Vec`
/// of capacity 0 owns nothing: `forget` is its drop), else out of line. A list's drop glue drops its
/// elements as well, and the glue of a list of segments or prerequisites is kilobytes of wasm, which a cold
/// start's engine compiles on its first call even when the list is empty, as a usual snapshot's are
/// (docs/ARCHITECTURE.md, "Cold start"). So a lean load moves such lists out of what it drops and hands
/// them here (`snapshot::drop_filled` drops those that hold memory).
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[inline(always)]
fn drop_list<T>(v: Vec<T>) {
    if v.capacity() == 0 {
        core::mem::forget(v);
    } else {
        crate::snapshot::drop_filled(v);
    }
}

/// Compiles the segments, in order.
fn segment_plans(c: &mut Compiler, segments: &[(Str<'_>, Segment<'_>)], p: &mut Problems) -> Vec<SegmentPlan> {
    // (a plain loop: `collect` of a `map` is generic code of its own in the wasm build)
    let mut out = Vec::with_capacity(segments.len());
    for (k, seg) in segments {
        out.push(segment_plan(c, k, seg, p));
    }
    out
}

/// Segment key → position (first occurrence wins).
fn segment_keys(segments: &[(Str<'_>, Segment<'_>)]) -> StrIndex {
    StrIndex::of_positions(segments)
}

/// The [`FlagSink`] of [`stream`].
struct Stream {
    c: Compiler,
    a: Arenas,
    flags: Vec<FlagPlan>,
    flag_index: StrIndex,
    /// Prerequisites to resolve once every flag is read: (flag index, position in `requires`, model).
    /// Owned: a chunked load reads each flag from a window that is gone when they are resolved.
    pending: Vec<(u32, u32, crate::snapshot::Prerequisite<'static>)>,
    /// The number of segments read before the first flag, and their plans.
    segments: Option<(usize, Vec<SegmentPlan>)>,
    now_ms: Option<i64>,
    /// A problem was found: the load will be done the ordinary way; flags are no longer compiled.
    failed: bool,
    /// The length of the text, to extrapolate the arenas' sizes (see [`Stream::reserve`]).
    text_len: usize,
    /// Flags read straight into the plan ([`direct`]).
    #[cfg(test)]
    direct_reads: usize,
    /// Operand arrays read straight into their words ([`direct`]).
    #[cfg(test)]
    word_reads: usize,
}

impl Stream {
    /// Flags read before the arenas are sized by extrapolation.
    const SAMPLE: usize = 16;

    #[inline(never)]
    fn new(limits: &Limits, now_ms: Option<i64>, text_len: usize) -> Self {
        Stream {
            c: Compiler::new(limits, StrIndex::default()),
            a: Arenas::default(),
            flags: Vec::new(),
            text_len,
            flag_index: StrIndex::default(),
            pending: Vec::new(),
            segments: None,
            now_ms,
            failed: false,
            #[cfg(test)]
            direct_reads: 0,
            #[cfg(test)]
            word_reads: 0,
        }
    }

    /// The plan, once every flag went through the sink; `model`: the rest of the document (its segments
    /// among them), `p` the problems found reading it. `None` on any problem.
    fn finish(mut self, model: Snapshot<'_>, mut p: Problems) -> Option<Plan> {
        if self.failed || !p.list.is_empty() {
            return None;
        }
        // Segments are compiled before the first flag (their slots come first, as in `compile`); a
        // snapshot without flags has them compiled here. (Nothing to compile, nothing called: the wasm
        // build compiles a function on its first call, see `resolve` below.)
        let segments = match self.segments.take() {
            Some((n, plans)) if n == model.segments.len() => plans,
            Some(_) => return None,
            None if model.segments.is_empty() => Vec::new(),
            None => {
                self.c.segment_index = segment_keys(&model.segments);
                segment_plans(&mut self.c, &model.segments, &mut p)
            }
        };
        // What `validate` checks beyond the flags (the flags were checked one by one, but for their
        // prerequisites, checked by `resolve`).
        let segment_index = core::mem::take(&mut self.c.segment_index);
        let limits = self.c.limits;
        if !crate::LEAN_LOAD || crate::validate::head_has_fields(&model) {
            crate::validate::validate_head(&model, &segment_index, &limits, &mut p);
        }
        // (`resolve` returns at once without prerequisites; not called then: in the wasm build each
        // function is compiled on its first call, by V8's baseline compiler during a cold start's load,
        // and this one is 1.2 KB.)
        if !p.list.is_empty() || !(self.pending.is_empty() || self.resolve(true)) {
            return None;
        }
        // Where the load is lean, the lists moved out and dropped by `drop_list` (see there).
        #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
        let plan = {
            let Snapshot { schema, version, environment, published_at, metadata, segments: model_segments, flags: model_flags } = model;
            drop_list(model_segments);
            drop_list(model_flags);
            let Stream { c, a, flags, flag_index, pending, .. } = self;
            drop_list(pending);
            let head = Head { schema, version, environment, published_at, metadata };
            assemble(head, c, a, flags, flag_index, segments, &limits, &mut p)
        };
        #[cfg(not(any(edgeflag_speed, not(target_arch = "wasm32"))))]
        let plan = {
            let head = Snapshot { segments: Vec::new(), ..model };
            assemble(head, self.c, self.a, self.flags, self.flag_index, segments, &limits, &mut p)
        };
        p.list.is_empty().then_some(plan)
    }

    /// Compiles flag `key` (its prerequisites are left for [`Stream::resolve`]).
    #[inline(never)]
    fn add(&mut self, key: &str, f: &mut Flag<'_>, p: &mut Problems) {
        let i = index(self.flags.len());
        let start = self.a.requires.len();
        for r in &f.requires {
            let at = index(self.a.requires.len());
            self.a.requires.push(Requirement { flag: NONE, variants: Span(0, 0) });
            // (copies by reference: no consuming iterator and in-place collection of strings in the wasm build)
            let owned = |s: &Str<'_>| Str::Owned(String::from(&**s));
            let mut variants = Vec::with_capacity(r.variants.len());
            for v in &r.variants {
                variants.push(owned(v));
            }
            let r = crate::snapshot::Prerequisite { flag: r.flag.as_ref().map(owned), variants };
            self.pending.push((i, at, r));
        }
        f.requires.clear();
        let requires = Span::new(start, self.a.requires.len());
        let root = Path::Root;
        let flags_path = root.key("flags");
        let plan = flag_plan(&mut self.c, &mut self.a, key, f, requires, &flags_path, p);
        self.flags.push(plan);
    }

    /// Resolves the prerequisites once every flag is compiled. `strict`: whether each must name a known
    /// flag and at least one of its variants, and the graph be free of cycles and of chains over the
    /// limit (else `false`); otherwise (validation reported those) an unknown flag resolves to `NONE`
    /// and unknown variants to nothing.
    fn resolve(&mut self, strict: bool) -> bool {
        let pending = core::mem::take(&mut self.pending);
        if pending.is_empty() {
            return true;
        }
        // `edges[flag]`: the flags it requires (pending is in flag order).
        let mut edges: Vec<Vec<(usize, String)>> = Vec::new();
        let a = &mut self.a;
        for &(owner, at, ref r) in &pending {
            let target = opt_text(&r.flag).and_then(|k| self.flag_index.get(k));
            let names = target.and_then(|t| self.flags.get(t as usize)).map_or(&[][..], |t| t.variants.of(&a.variants));
            if strict && (target.is_none() || r.variants.is_empty()) {
                return false;
            }
            // Many variants: a hash index (no quadratic resolution).
            let index_of = (names.len() > 16 && r.variants.len() > 1).then(|| {
                let mut ix = StrIndex::default();
                for (i, (k, _)) in names.iter().enumerate() {
                    ix.get_or_insert(k, index(i));
                }
                ix
            });
            let first = a.required.len();
            for v in &r.variants {
                let i = match &index_of {
                    Some(ix) => ix.get(v),
                    None => names.iter().position(|(k, _)| **k == **v).map(index),
                };
                match i {
                    Some(i) => a.required.push(i),
                    None if strict => return false,
                    None => {}
                }
            }
            if let Some(req) = a.requires.get_mut(at as usize) {
                *req = Requirement { flag: target.unwrap_or(NONE), variants: Span::new(first, a.required.len()) };
            }
            if let (true, Some(t)) = (strict, target) {
                while edges.len() <= owner as usize {
                    edges.push(Vec::new());
                }
                if let Some(e) = edges.last_mut() {
                    e.push((t as usize, String::new()));
                }
            }
        }
        while edges.len() < self.flags.len() {
            edges.push(Vec::new());
        }
        !strict || crate::validate::prerequisites_ok(&edges, &self.c.limits)
    }

    /// Reserves room in the arenas for the rest of the text, extrapolating what the flags read up to
    /// byte `offset` take (plus a sixteenth): so that they are not regrown (regrowth copies them and, in
    /// wasm, leaves holes that grow the memory). An estimate too low only means regrowth, too high a
    /// margin trimmed when the plan is assembled.
    fn reserve(&mut self, offset: usize) {
        let offset = offset.max(1);
        let more = |n: usize| {
            let total = n.saturating_mul(self.text_len) / offset;
            total.saturating_add(total / 16).saturating_sub(n)
        };
        let (c, a) = (&mut self.c, &mut self.a);
        self.flags.reserve(more(self.flags.len()));
        self.flag_index.reserve(more(self.flag_index.len()), more(self.flag_index.key_bytes()));
        c.leaves.reserve(more(c.leaves.len()));
        a.rules.reserve(more(a.rules.len()));
        a.variants.reserve(more(a.variants.len()));
        c.conds.reserve(more(c.conds.len()));
        c.text.reserve(more(c.text.len()));
    }
}

impl<'a> FlagSink<'a> for Stream {
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    #[inline]
    fn direct(&mut self, r: &mut crate::json::Reader<'a>, segments: &[(Str<'a>, Segment<'a>)], key: &Str<'a>, base: usize, spare: &mut crate::snapshot::Spare<'a>) -> bool {
        self.read_direct(r, segments.is_empty(), key, base, spare)
    }

    #[inline(never)]
    fn flag(&mut self, segments: &[(Str<'a>, Segment<'a>)], key: Str<'a>, f: &mut Flag<'a>, offset: usize, p: &mut Problems) -> Option<(Str<'a>, Flag<'a>)> {
        if self.failed || !p.list.is_empty() {
            self.failed = true;
            return None;
        }
        let c = &mut self.c;
        if self.segments.is_none() {
            // (no segments, nothing compiled: not even a call, see `finish`)
            let mut plans = Vec::new();
            if !segments.is_empty() {
                c.segment_index = segment_keys(segments);
                plans = segment_plans(c, segments, p);
            }
            self.segments = Some((segments.len(), plans));
        }
        let k = key_text(&key);
        // A usual flag is checked as it is compiled (`flag_plan`, `Compiler::clean`); any other by
        // validation first.
        if !crate::validate::usual(f) {
            crate::validate::flag_alone(k, f, &c.segment_index, &c.limits, self.now_ms, p);
            if !p.list.is_empty() {
                self.failed = true;
                return None;
            }
        }
        // A key written twice is refused by the reader; a chunked load reads the flags window by window,
        // and finds it here.
        if self.flag_index.get_or_insert(k, index(self.flags.len())) != index(self.flags.len()) {
            self.failed = true;
            return None;
        }
        self.c.clean = true;
        self.add(k, f, p);
        self.failed = !p.list.is_empty() || !self.c.clean;
        if self.flags.len() == Self::SAMPLE {
            self.reserve(offset);
        }
        None
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
        Keys { segments: segment_keys(&s.segments), flags: StrIndex::of_positions(&s.flags) }
    }
}

/// Compiles one flag (consuming its model) into the arenas. Not inlined: called once per flag, it is
/// optimised early by wasm engines that start in baseline code.
///
/// As it goes it makes the checks validation makes of a usual flag ([`crate::validate::usual`]: the key,
/// the variants, the variant names, conditions, `by` and percents), clearing `c.clean` where validation
/// reports a problem, so that the one-pass load does not walk a usual flag's model twice (the reports
/// themselves are left to the ordinary load, which a refused one-pass load falls back to).
#[inline(never)]
fn flag_plan(c: &mut Compiler, a: &mut Arenas, key: &str, f: &mut Flag<'_>, requires: Span, flags_path: &Path<'_>, p: &mut Problems) -> FlagPlan {
    let path = flags_path.key(key);
    let rules_path = path.key("rules");
    // The flag's type (its first typed variant's); a valid key, at least one variant, each with a valid
    // key and a value of that type (no null), as validation checks them.
    let mut kind = None;
    let mut ok = crate::validate::key_ok(key) && !f.variants.is_empty();
    for (k, v) in &f.variants {
        let this = ValueKind::of(v);
        ok &= crate::validate::key_ok(key_text(k)) && this.is_some() && (kind.is_none() || this == kind);
        kind = kind.or(this);
    }
    c.clean &= ok;
    let kind = kind.unwrap_or(ValueKind::Boolean);
    let vx = Variants::new(f);
    let default = vx.get(opt_text(&f.default));
    let off = if f.off_variant.is_some() { vx.get(opt_text(&f.off_variant)) } else { default };
    // The key, then `:`; the salt and `:` after it when there is one.
    let key_span = c.text(key);
    c.text.push_ascii(b':');
    let salt_prefix = match opt_text(&f.salt) {
        None => Span(key_span.0, key_span.1.saturating_add(1)),
        Some(salt) => {
            let s = c.text(salt);
            c.text.push_ascii(b':');
            Span(s.0, s.1.saturating_add(1))
        }
    };
    let first_rule = a.rules.len();
    // What the flag's own reachable rules use (`uses_time`, `uses_context`; a disabled flag serves its off
    // variant, using nothing); `dependencies` adds its prerequisites'.
    let (mut uses_time, mut uses_context, mut reachable) = (false, false, f.enabled);
    for (i, r) in f.rules.as_deref().unwrap_or_default().iter().enumerate() {
        let rp = rules_path.index(i);
        let when = r.when.as_ref().map(|w| c.cond(w, &rp.key("when"), 1, p));
        let serve = match &r.serve {
            Serve::Variant(v) => ServePlan::Variant(vx.get(Some(key_text(v)))),
            Serve::Split { .. } | Serve::Ramp { .. } => serve_rare(c, a, &r.serve, &vx),
            Serve::Percent { variant, percent, by } => ServePlan::Percent {
                by: c.by(by),
                buckets: match percent_buckets(percent.text()) {
                    Ok(b) => b,
                    Err(_) => {
                        c.clean = false;
                        0
                    }
                },
                variant: vx.get(opt_text(variant)),
            },
            Serve::Invalid => ServePlan::Variant(0),
        };
        let extra = if r.id.is_some() || r.from.is_some() || r.until.is_some() { rule_extra(a, r) } else { NONE };
        if reachable {
            // (a window that is not a date-time is a problem: the plan is refused)
            let windowed = r.from.is_some() || r.until.is_some();
            let variant = matches!(serve, ServePlan::Variant(_));
            uses_time |= windowed || matches!(serve, ServePlan::Ramp { .. });
            uses_context |= when.is_some() || !variant;
            // after a variant served to everyone, always, every later rule is unreachable
            reachable = when.is_some() || windowed || !variant;
        }
        a.rules.push(RulePlan { when, extra, serve });
    }
    c.clean &= !vx.unknown.get();
    let rules = Span::new(first_rule, a.rules.len());
    FlagPlan {
        key: key_span,
        kind,
        salt_prefix,
        variants: append_pairs(&mut a.variants, &mut f.variants),
        default,
        off,
        enabled: f.enabled,
        requires,
        has_rules: rules.len() > 0,
        rules,
        metadata: append_pairs(&mut a.metadata, &mut f.metadata),
        uses_time,
        uses_context,
    }
}

/// The plan of a split or a ramp serve (cold, out of line: [`flag_plan`] compiles the usual forms, a
/// variant and a percent, in short code).
#[cold]
#[inline(never)]
fn serve_rare(c: &mut Compiler, a: &mut Arenas, serve: &Serve<'_>, vx: &Variants<'_, '_>) -> ServePlan {
    match serve {
        Serve::Split { split, by } => {
            let mut acc = 0u32;
            let start = a.splits.len();
            // (`extend`, not `push`: a second caller of `Vec<(u32, u32)>::push` keeps it out of line where
            // the reader records each key's span, `json::Reader::next_key`: +0.55M instructions per S3 load)
            a.splits.extend(split.iter().map(|e| {
                acc += e.percent.as_ref().and_then(|n| percent_buckets(n.text()).ok()).unwrap_or(0);
                (acc, vx.get(opt_text(&e.variant)))
            }));
            ServePlan::Split { by: c.by(by), entries: Span::new(start, a.splits.len()) }
        }
        Serve::Ramp { variant, ramp, by } => {
            let start = a.ramps.len();
            // (plain loops here: iterator adaptors each bring code of their own into the wasm build)
            for st in ramp {
                let at = opt_text(&st.at).and_then(time::parse_rfc3339_ms);
                let pc = st.percent.as_ref().and_then(|n| percent_buckets(n.text()).ok());
                if let (Some(at), Some(pc)) = (at, pc) {
                    a.ramps.push((at, pc));
                }
            }
            ServePlan::Ramp { by: c.by(by), steps: Span::new(start, a.ramps.len()), variant: vx.get(opt_text(variant)) }
        }
        Serve::Variant(_) | Serve::Percent { .. } | Serve::Invalid => ServePlan::Variant(0),
    }
}

/// A rule's id and window, placed in the arena of extras; their index there (cold: most rules have none).
#[cold]
#[inline(never)]
fn rule_extra(a: &mut Arenas, r: &crate::snapshot::Rule<'_>) -> u32 {
    a.extras.push(RuleExtra {
        id: opt_text(&r.id).map(Into::into),
        from: opt_text(&r.from).and_then(time::parse_rfc3339_ms),
        until: opt_text(&r.until).and_then(time::parse_rfc3339_ms),
    });
    index(a.extras.len() - 1)
}

/// Refuses a plan whose evaluation of every flag once may take more than `Limits::max_evaluation_steps`
/// steps: rules, condition nodes, segment checks and prerequisites count 1, operators their
/// `Matcher::work`, and a shared segment or prerequisite counts each time it is reached (2 references to
/// the next segment, 16 deep, are 2^16 checks; a segment with 1,000 costly leaves in 1,000 flags, a million
/// tests). Runs on a problem-free plan: references in range, no cycle, chains within their limits (the
/// recursion is bounded by them, and by MAX_NESTING whatever the plan).
fn evaluation_steps(plan: &Plan, limits: &Limits, p: &mut Problems) {
    // Most plans are within the limit by far: a bound in one plain pass answers for them, without the walk
    // (run per flag and per condition at the end of a load, its functions grew hot in a cold start's
    // first load and were recompiled by V8's optimising compiler: docs/ARCHITECTURE.md, "Cold start").
    if steps_bound(plan).is_some_and(|b| b <= limits.max_evaluation_steps as u64) {
        return;
    }
    steps_over(plan, limits, p);
}

/// [`evaluation_steps`] past the bound: the walk, and the report (cold, out of line: `assemble`, run once per
/// load and compiled on its first call in a cold start's wasm, stays short).
#[cold]
#[inline(never)]
fn steps_over(plan: &Plan, limits: &Limits, p: &mut Problems) {
    let (total, costliest) = steps_walk(plan);
    if total > limits.max_evaluation_steps as u64 {
        if let Some((i, cost)) = costliest {
            let key = plan.flags.get(i).map_or("", |f| plan.key(f));
            p.error(
                Path::Root.key("flags").key(key),
                crate::message::why!(
                    "evaluating every flag once may take ",
                    total,
                    " steps (rules, conditions and their operands, segment \
                     checks, prerequisites; a shared segment or prerequisite counts each time it is reached), over \
                     the limit of ",
                    limits.max_evaluation_steps,
                    "; this flag alone takes ",
                    cost
                ),
            );
        }
    }
}

/// An upper bound of [`steps_walk`]'s total for a plan without segments and prerequisites, `None` for
/// any other. Without them nothing is shared: each rule's condition is a tree of its own (its root in the
/// rule, the other nodes in `conds`), so the walk counts each flag, rule and node once, as this sum does
/// (nodes no rule reaches would only add to it). Out of line in the speed build (`edgeflag_speed`, see
/// `lib.rs`): inlined, its loops had V8 recompile all of `assemble`, run once per load, around a process's
/// tenth load, where only they are hot.
#[cfg_attr(edgeflag_speed, inline(never))]
fn steps_bound(plan: &Plan) -> Option<u64> {
    if !plan.segments.is_empty() || !plan.requires.is_empty() {
        return None;
    }
    let node = |c: &Cond| match c {
        Cond::All(_) | Cond::Any(_) | Cond::Not(_) => Some(1),
        Cond::Attr(l) => Some(leaf_work(plan, *l)),
        Cond::Segment(_) => None,
    };
    let mut total = (plan.flags.len() as u64).saturating_add(plan.rules.len() as u64);
    for r in &plan.rules {
        if let Some(w) = &r.when {
            total = total.saturating_add(node(w)?);
        }
    }
    for c in &plan.conds {
        total = total.saturating_add(node(c)?);
    }
    Some(total)
}

/// The steps of leaf `l`'s test (its matcher's work; one copy of it in the wasm build, for the bound and the
/// walk).
#[inline(never)]
fn leaf_work(plan: &Plan, l: u32) -> u64 {
    plan.leaves.get(l as usize).map_or(1, |l| l.matcher.work())
}

/// The steps of evaluating every flag once ([`evaluation_steps`]), and the costliest flag (the first of
/// them in document order) with its own steps.
#[inline]
fn steps_walk(plan: &Plan) -> (u64, Option<(usize, u64)>) {
    use crate::eval::MAX_NESTING;
    fn cond(plan: &Plan, c: &Cond, memo: &mut [Option<u64>], depth: usize) -> u64 {
        match c {
            Cond::All(items) | Cond::Any(items) => {
                let mut a = 1u64;
                for c in items.of(&plan.conds) {
                    a = a.saturating_add(cond(plan, c, memo, depth));
                }
                a
            }
            Cond::Not(inner) => plan.conds.get(*inner as usize).map_or(0, |c| cond(plan, c, memo, depth)).saturating_add(1),
            Cond::Segment(s) => segment(plan, *s as usize, memo, depth + 1).saturating_add(1),
            Cond::Attr(l) => leaf_work(plan, *l),
        }
    }
    fn segment(plan: &Plan, i: usize, memo: &mut [Option<u64>], depth: usize) -> u64 {
        if let Some(Some(c)) = memo.get(i) {
            return *c;
        }
        if depth > MAX_NESTING {
            return u64::MAX;
        }
        let c = plan.segments.get(i).and_then(|s| s.when.as_ref()).map_or(0, |w| cond(plan, w, memo, depth)).saturating_add(1);
        if let Some(m) = memo.get_mut(i) {
            *m = Some(c);
        }
        c
    }
    fn flag(plan: &Plan, i: usize, seg: &mut [Option<u64>], memo: &mut [Option<u64>], depth: usize) -> u64 {
        if let Some(Some(c)) = memo.get(i) {
            return *c;
        }
        if depth > MAX_NESTING {
            return u64::MAX;
        }
        let Some(f) = plan.flags.get(i) else { return 0 };
        let mut c = 1u64;
        for r in plan.rules(f) {
            c = c.saturating_add(1).saturating_add(r.when.as_ref().map_or(0, |w| cond(plan, w, seg, 0)));
        }
        for r in plan.requires(f) {
            c = c.saturating_add(1).saturating_add(flag(plan, r.flag as usize, seg, memo, depth + 1));
        }
        if let Some(m) = memo.get_mut(i) {
            *m = Some(c);
        }
        c
    }
    let mut seg = vec![None; plan.segments.len()];
    let mut memo = vec![None; plan.flags.len()];
    // The total, and the costliest flag, the first of them in document order (a plain loop: no list of
    // costs, no iterator adaptors' code in the wasm build).
    let mut total = 0u64;
    let mut costliest: Option<(usize, u64)> = None;
    for i in 0..plan.flags.len() {
        let c = flag(plan, i, &mut seg, &mut memo, 0);
        total = total.saturating_add(c);
        if costliest.is_none_or(|(_, most)| c > most) {
            costliest = Some((i, c));
        }
    }
    (total, costliest)
}

/// Works out `uses_time` and `uses_context` for every flag, prerequisites included.
/// Requires an acyclic prerequisite graph (validated).
fn dependencies(plan: &mut Plan) {
    // Each flag's own rules were read by `flag_plan`; without prerequisites they decide alone (no graph to
    // walk: `visit`, run per flag, grew hot in a cold start's first load and was recompiled by V8's
    // optimising compiler).
    if plan.requires.is_empty() {
        return;
    }
    dependencies_through_requires(plan);
}

/// [`dependencies`] of a plan with prerequisites: a flag uses what its prerequisites use.
#[cold]
#[inline(never)]
fn dependencies_through_requires(plan: &mut Plan) {
    let n = plan.flags.len();
    // Per flag, 0 until worked out, then `DONE | TIME * t | CONTEXT * c` (bytes: `vec!` of a zero byte is one
    // zeroed allocation, without the generic `Vec::extend_with` an `Option` brings into the wasm build).
    const DONE: u8 = 1;
    const TIME: u8 = 2;
    const CONTEXT: u8 = 4;
    let mut done: Vec<u8> = vec![0; n];
    fn visit(i: usize, plan: &Plan, done: &mut Vec<u8>, guard: usize) -> (bool, bool) {
        if let Some(&d) = done.get(i).filter(|d| **d != 0) {
            return (d & TIME != 0, d & CONTEXT != 0);
        }
        let Some(f) = plan.flags.get(i) else { return (false, false) };
        // its own rules' (flag_plan)
        let (mut t, mut c) = (f.uses_time, f.uses_context);
        if f.enabled && guard > 0 {
            for r in plan.requires(f) {
                let (rt, rc) = visit(r.flag as usize, plan, done, guard - 1);
                t |= rt;
                c |= rc;
            }
        }
        if let Some(d) = done.get_mut(i) {
            *d = DONE | (TIME * t as u8) | (CONTEXT * c as u8);
        }
        (t, c)
    }
    for i in 0..n {
        visit(i, plan, &mut done, n + 1);
    }
    // (by index: `zip`'s code would be a function of its own in the wasm build)
    for (i, f) in plan.flags.iter_mut().enumerate() {
        let d = done.get(i).copied().unwrap_or(0);
        let (t, c) = if d == 0 { (true, true) } else { (d & TIME != 0, d & CONTEXT != 0) };
        f.uses_time = t;
        f.uses_context = c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{self, Value};

    /// The ordinary load's plan (`None` when the text has problems).
    fn ordinary(text: &str) -> Option<Plan> {
        ordinary_with(text, &Limits::default())
    }

    /// [`ordinary`] under `limits`.
    pub(super) fn ordinary_with(text: &str, limits: &Limits) -> Option<Plan> {
        let limits = *limits;
        let mut p = Problems::default();
        let model = crate::snapshot::build(text, limits.max_json_depth, &mut p).ok()??;
        let keys = Keys::new(&model);
        crate::validate::validate(&model, &keys, &limits, None, &mut p);
        let plan = compile(model, keys, &limits, &mut p);
        p.list.is_empty().then_some(plan)
    }

    /// Every snapshot of the case files and examples: the one-pass load takes exactly the texts without
    /// problems, and builds the same plan as the ordinary load.
    #[test]
    fn one_pass_load_equals_the_ordinary_load() {
        let snapshots = snapshots();
        let mut streamed = 0;
        for s in &snapshots {
            let one = stream(s, &Limits::default(), None);
            let two = ordinary(s);
            match (&one, &two) {
                (Some(a), Some(b)) => {
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{s}");
                    streamed += 1;
                }
                (None, Some(_)) => assert!(s.find("\"segments\"") > s.find("\"flags\""), "not taken by the one-pass load: {s}"),
                (Some(_), None) => panic!("the one-pass load took a text with problems: {s}"),
                (None, None) => {}
            }
        }
        assert!(streamed > 12, "{streamed}");
    }

    /// Single-flag snapshots, many of them wrong in what validation checks of a flag (keys, variants, their
    /// types, variant names, conditions, `by`, percents), some with rare parts (metadata, a rule id, a
    /// split), generated from a fixed seed.
    fn generated_flags() -> Vec<String> {
        const KEYS: [&str; 4] = ["f", "", "k", "é"];
        const VARIANTS: [&str; 8] = [
            r#"{"on":true,"off":false}"#,
            r#"{}"#,
            r#"{"":true,"off":false}"#,
            r#"{"on":null,"off":false}"#,
            r#"{"on":true,"off":1}"#,
            r#"{"on":"a","off":"b","x":[1]}"#,
            r#"{"on":{"a":1},"off":[2]}"#,
            r#"{"on":true,"off":false,"v2":true,"v3":true,"v4":true,"v5":true,"v6":true,"v7":true,"v8":true,"v9":true,"v10":true,"v11":true,"v12":true,"v13":true,"v14":true,"v15":true,"v16":true,"v17":false}"#,
        ];
        const DEFAULTS: [&str; 4] = [r#","default":"off""#, r#","default":"zz""#, r#","default":"on""#, r#","default":"""#];
        const OFF: [&str; 3] = ["", r#","offVariant":"on""#, r#","offVariant":"zz""#];
        const EXTRAS: [&str; 6] = ["", "", "", r#","metadata":{"m":1}"#, r#","metadata":{"":1}"#, r#","salt":"s1""#];
        const WHEN: [&str; 12] = [
            "",
            r#""when":{"attr":"country","op":"in","values":["de","fr"]},"#,
            r#""when":{"attr":"","op":"eq","value":1},"#,
            r#""when":{"segment":"s"},"#,
            r#""when":{"segment":"nope"},"#,
            r#""when":{"all":[{"attr":"age","op":"gte","value":3},{"any":[{"not":{"attr":"a","op":"eq","value":"x"}}]}]},"#,
            r#""when":{"all":[{"any":[{"not":{"attr":"a","op":"eq","value":"x"}}]}]},"#,
            r#""when":{"not":{"not":{"not":{"segment":"s"}}}},"#,
            r#""when":{"any":[{"all":[]},{"attr":"","op":"eq","value":2}]},"#,
            r#""when":{"attr":"a","op":"zz","value":1},"#,
            r#""when":{"attr":"a","op":"gte","value":"x"},"#,
            r#""when":{"all":[{"attr":"a","op":"eq","value":1},{"segment":"nope"}]},"#,
        ];
        const SERVE: [&str; 14] = [
            r#""serve":"on""#,
            r#""serve":"zz""#,
            r#""serve":{"variant":"on","percent":30}"#,
            r#""serve":{"variant":"on","percent":30,"by":"key"}"#,
            r#""serve":{"variant":"on","percent":30,"by":""}"#,
            r#""serve":{"variant":"zz","percent":30}"#,
            r#""serve":{"variant":"off","percent":100}"#,
            r#""serve":{"variant":"on","percent":0}"#,
            r#""serve":{"variant":"on","percent":101}"#,
            r#""serve":{"variant":"on","percent":12.5}"#,
            r#""serve":{"variant":"on","percent":1.0005}"#,
            r#""serve":{"variant":"on","percent":-1}"#,
            r#""serve":{"split":[{"variant":"on","percent":50},{"variant":"off","percent":50}]}"#,
            r#""serve":"off""#,
        ];
        // a fixed xorshift: the same texts on every run
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // each list's first choice (a valid one) three times in five, else any
        let mut pick = |n: usize| {
            let r = next();
            if r % 5 < 3 {
                0
            } else {
                (r / 5 % n as u64) as usize
            }
        };
        let mut texts = Vec::new();
        for _ in 0..3000 {
            let key = match KEYS[pick(KEYS.len())] {
                "k" => "k".repeat(255 + pick(3)),
                k => k.to_string(),
            };
            let mut rules = Vec::new();
            for _ in 0..1 + pick(4) {
                let id = if pick(12) == 11 { r#""id":"r","# } else { "" };
                rules.push(format!("{{{id}{}{}}}", WHEN[pick(WHEN.len())], SERVE[pick(SERVE.len())]));
            }
            let rules = if rules.is_empty() && pick(2) == 0 { String::new() } else { format!(r#","rules":[{}]"#, rules.join(",")) };
            texts.push(format!(
                r#"{{"schema":1,"version":1,"segments":{{"s":{{"include":["u"]}}}},"flags":{{"{key}":{{"variants":{}{}{}{}{rules}}}}}}}"#,
                VARIANTS[pick(VARIANTS.len())],
                DEFAULTS[pick(DEFAULTS.len())],
                OFF[pick(OFF.len())],
                EXTRAS[pick(EXTRAS.len())],
            ));
        }
        texts
    }

    /// The compiler's checks of a usual flag (`Compiler::clean`) find a problem exactly when validation
    /// (`validate::flag_alone`) reports one, and never one that validation does not report for any flag;
    /// the one-pass load, which relies on them, takes exactly the texts that the ordinary load takes, and
    /// builds the same plan.
    #[test]
    fn compiler_checks_usual_flags_as_validation_does() {
        // conditions nested deeper than 3 levels are a problem (WHEN's deepest go to 4)
        let limits = Limits { max_condition_depth: 3, ..Limits::default() };
        let (mut usual, mut wrong, mut rare, mut taken, mut shape) = (0, 0, 0, 0, 0);
        for t in generated_flags() {
            let mut p = Problems::default();
            let Some(mut model) = crate::snapshot::build(&t, limits.max_json_depth, &mut p).unwrap() else { panic!("{t}") };
            if !p.list.is_empty() {
                // (a problem of shape: no one-pass load, and validation's reports are masked by it)
                assert!(stream(&t, &limits, None).is_none(), "{t}");
                shape += 1;
                continue;
            }
            let segments = segment_keys(&model.segments);
            for (key, f) in model.flags.iter_mut() {
                let mut v = Problems::default();
                crate::validate::flag_alone(key_text(key), f, &segments, &limits, None, &mut v);
                let is_usual = crate::validate::usual(f);
                let mut c = Compiler::new(&limits, segments.clone());
                let mut q = Problems::default();
                flag_plan(&mut c, &mut Arenas::default(), key_text(key), f, Span(0, 0), &Path::Root.key("flags"), &mut q);
                if is_usual {
                    assert_eq!(c.clean, v.list.is_empty(), "{t}: {:?}", v.list);
                    usual += 1;
                    wrong += usize::from(!c.clean);
                } else {
                    assert!(c.clean || !v.list.is_empty(), "{t}");
                    rare += 1;
                }
            }
            let one = stream(&t, &limits, None);
            let two = ordinary_with(&t, &limits);
            assert_eq!(one.as_ref().map(|p| format!("{p:?}")), two.as_ref().map(|p| format!("{p:?}")), "{t}");
            taken += usize::from(one.is_some());
        }
        assert!(usual > 2000 && wrong > 1000 && usual - wrong > 500 && rare > 200 && taken > 500 && shape < 300, "{usual} {wrong} {rare} {taken} {shape}");
    }

    #[test]
    fn reused_lists_and_cached_slots_build_the_same_plan() {
        // Flags of changing shapes (each reuses the lists of the one before: `snapshot::Spare`), and
        // more short attribute paths than `Compiler::SHORT_SLOTS`, with long and nested ones between.
        let mut flags = Vec::new();
        for i in 0..40 {
            let attr = format!("a{}", i % 11);
            let long = format!("attribute.number{}", i % 3);
            let cond = match i % 4 {
                0 => format!(r#"{{"all":[{{"attr":"{attr}","op":"in","values":["x","y","z{i}"]}},{{"any":[{{"attr":"{long}","op":"eq","value":{i}}},{{"not":{{"attr":"{attr}","op":"in","values":[1,2,3,4,5,6]}}}}]}}]}}"#),
                1 => format!(r#"{{"attr":"{attr}","op":"gte","value":{i}}}"#),
                2 => r#"{"any":[]}"#.to_string(),
                _ => format!(r#"{{"attr":"{long}","op":"in","values":["{i}"]}}"#),
            };
            let by = if i % 5 == 0 { format!(r#","by":"{attr}""#) } else { String::new() };
            let more = if i % 2 == 0 { r#","x":true"# } else { "" };
            flags.push(format!(r#""f{i}":{{"variants":{{"on":true,"off":false{more}}},"default":"off","rules":[{{"when":{cond},"serve":"on"}},{{"serve":{{"variant":"on","percent":{}{by}}}}}]}}"#, i % 101));
        }
        let text = format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","));
        let one = stream(&text, &Limits::default(), None).expect("loads");
        let two = ordinary(&text).expect("loads");
        assert_eq!(format!("{one:?}"), format!("{two:?}"));
        let three = chunked(text.as_bytes(), 97, &Limits::default()).expect("loads");
        assert_eq!(format!("{one:?}"), format!("{three:?}"));
        // every path its own slot, in the order of first use: key, a0, then as the flags use them
        let paths: Vec<String> = one.attrs.iter().map(|p| p.join(".")).collect();
        assert_eq!(paths.len(), 1 + 11 + 3, "{paths:?}");
        assert_eq!(&paths[..3], ["key", "a0", "attribute.number0"]);
        let distinct: std::collections::HashSet<&String> = paths.iter().collect();
        assert_eq!(distinct.len(), paths.len());
        // each leaf's slot is its attribute's: f1's `gte 1` is on a1, f3's `in` on attribute.number0
        let leaf = |flag: usize| {
            let f = &one.flags[flag];
            match one.rules[f.rules.0 as usize].when {
                Some(Cond::Attr(l)) => paths[one.leaves[l as usize].slot as usize].clone(),
                ref w => panic!("{w:?}"),
            }
        };
        assert_eq!(leaf(1), "a1");
        assert_eq!(leaf(3), "attribute.number0");
        assert_eq!(leaf(37), "a4");
        assert_eq!(leaf(39), "attribute.number0");
    }

    /// A chunked load of `text` in chunks of `size` bytes.
    fn chunked(text: &[u8], size: usize, limits: &Limits) -> Option<Plan> {
        let mut c = Chunked::new(text.len(), limits, None);
        let n = text.chunks(size.max(1)).len();
        for (i, chunk) in text.chunks(size.max(1)).enumerate() {
            c.push(chunk, i + 1 == n);
        }
        c.finish()
    }

    /// The chunked load takes exactly what the one-pass load takes, and builds the same plan, whatever
    /// the chunk size: boundaries inside keys, strings, escapes, numbers, multi-byte characters and
    /// between flags.
    #[test]
    fn chunked_load_equals_the_one_pass_load() {
        let mut texts = snapshots();
        // Whitespace between members, escapes, non-ASCII keys and values, prerequisites across chunks.
        texts.push(
            "{ \"schema\" : 1 ,\n \"version\":2, \"metadata\":{\"é\":\"\\u00e9\\n\"},\n \"flags\" :\n {\n  \"flag-ü\" : {\"variants\":{\"on\":true,\"off\":false},\"default\":\"off\",\"requires\":[{\"flag\":\"b\\u00e9\",\"variants\":[\"x\"]}]} ,\n  \"bé\":{\"variants\":{\"x\":12.5e1,\"y\":-0.25},\"default\":\"x\",\"rules\":[{\"when\":{\"attr\":\"plan\",\"op\":\"in\",\"values\":[\"pro\",\"t\\\"eam\",\"日本\"]},\"serve\":\"y\"}]}\n }\n , \"environment\" : \"prod\" }\n"
                .to_string(),
        );
        let mut many = String::from("{\"schema\":1,\"version\":1,\"segments\":{\"s\":{\"include\":[\"u1\"]}},\"flags\":{");
        for i in 0..40 {
            if i > 0 {
                many.push(',');
            }
            many.push_str(&format!(
                "\"f{i}\":{{\"variants\":{{\"on\":true,\"off\":false}},\"default\":\"off\",\"rules\":[{{\"when\":{{\"any\":[{{\"segment\":\"s\"}},{{\"attr\":\"age\",\"op\":\"gte\",\"value\":{}}}]}},\"serve\":\"on\"}},{{\"serve\":{{\"variant\":\"on\",\"percent\":30}}}}]}}",
                20 + i
            ));
        }
        many.push_str("}}");
        // The segments before the flags under an escaped key (the chunked load compiles them before the
        // first flag, `snapshot::flags_start`), and a segment used by a flag with none before it.
        texts.push(many.replacen("\"segments\"", "\"segm\\u0065nts\"", 1));
        texts.push(many.replacen("\"segments\":{\"s\":{\"include\":[\"u1\"]}},", "", 1));
        texts.push(many);
        let limits = Limits::default();
        let mut taken = 0;
        for t in &texts {
            let one = stream(t, &limits, None).map(|p| format!("{p:?}"));
            for size in [1, 2, 3, 5, 8, 13, 64, 1000, usize::MAX] {
                let two = chunked(t.as_bytes(), size, &limits).map(|p| format!("{p:?}"));
                assert_eq!(one, two, "chunks of {size}: {t}");
            }
            taken += usize::from(one.is_some());
        }
        assert!(taken > 14, "{taken}");
    }

    /// Flags of lengths that vary, with segments before them and members after (`bad`: the flag at
    /// `bad` of `n` has an unknown field, which the one-pass load refuses).
    fn varied(n: usize, bad: Option<usize>) -> String {
        let mut t = String::from("{\"schema\":1,\"version\":3,\"segments\":{\"s\":{\"include\":[\"u1\",\"u2\"],\"when\":{\"op\":\"eq\",\"attr\":\"c\",\"value\":\"z\"}}},\"flags\":{");
        for i in 0..n {
            if i > 0 {
                t.push_str(if i % 5 == 0 { " ,\n " } else { "," });
            }
            t.push_str(&format!("\"f{i}\":{{\"variants\":{{\"on\":true,\"off\":false}},\"default\":\"off\",\"rules\":["));
            for j in 0..(i * 7) % 5 {
                if j > 0 {
                    t.push(',');
                }
                if j == 1 {
                    // a condition whose first key is not its shape's and a split: read after a look
                    // ahead over their keys (`Reader::scan_keys`), which a cut must not change
                    t.push_str(&format!("{{\"when\":{{\"op\":\"eq\",\"attr\":\"b\",\"value\":\"y{i}\"}},\"serve\":{{\"split\":[{{\"variant\":\"on\",\"percent\":40}},{{\"variant\":\"off\",\"percent\":60}}]}}}}"));
                    continue;
                }
                t.push_str(&format!("{{\"when\":{{\"any\":[{{\"segment\":\"s\"}},{{\"attr\":\"a{j}\",\"op\":\"in\",\"values\":[\"x{i}\",\"日本\"]}}]}},\"serve\":\"on\"}}"));
            }
            t.push_str("],\"description\":\"");
            t.push_str(&"d".repeat((i * 37) % 120));
            t.push('"');
            if bad == Some(i) {
                t.push_str(",\"colour\":1");
            }
            t.push('}');
        }
        t.push_str("},\"environment\":\"prod\"}");
        t
    }

    /// A chunked load whose windows are cut at every byte of the text (in two chunks, and in three with a
    /// window between that is not the last, from which flags are left for the next) builds the plan the
    /// one-pass load builds, and refuses what it refuses: the same errors whatever the cuts.
    #[test]
    fn chunked_load_cut_at_every_byte() {
        let limits = Limits::default();
        for t in [varied(24, None), varied(24, Some(17)), varied(12, Some(0))] {
            let one = stream(&t, &limits, None).map(|p| format!("{p:?}"));
            let b = t.as_bytes();
            for cut in 0..=b.len() {
                for width in [0, 97, 700] {
                    let mid = (cut + width).min(b.len());
                    let mut c = Chunked::new(b.len(), &limits, None);
                    for (chunk, last) in [(&b[..cut], false), (&b[cut..mid], false), (&b[mid..], true)] {
                        c.push(chunk, last);
                    }
                    assert_eq!(one, c.finish().map(|p| format!("{p:?}")), "cut at {cut}, then {width}");
                }
            }
        }
        assert!(stream(&varied(24, None), &limits, None).is_some());
        assert!(stream(&varied(24, Some(17)), &limits, None).is_none());
    }

    /// Flags left for the next window (fewer bytes follow their key than the longest flag took) do not
    /// make the window outgrow two chunks (JS pushes 16 KiB ones), though a flag longer than a chunk was
    /// read (left for the next window up to its length, they would: the cap, half the window's
    /// allocation); the plan is the one-pass load's.
    #[test]
    fn flags_left_for_the_next_window_do_not_grow_it() {
        const CHUNK: usize = 16384;
        let mut t = varied(600, None);
        // Long flags (over half a chunk, and one over a chunk) early and late.
        for (at, len) in [(2, 9000), (300, 18000), (450, 12000)] {
            let key = format!("\"f{at}\":{{\"variants\"");
            let i = t.find(&key).unwrap() + key.len() - "\"variants\"".len();
            t.insert_str(i, &format!("\"metadata\":{{\"note\":\"{}\"}},", "l".repeat(len)));
        }
        let limits = Limits::default();
        let b = t.as_bytes();
        assert!(b.len() > 12 * CHUNK, "{}", b.len());
        let mut c = Chunked::new(b.len(), &limits, None);
        let (mut most, mut left) = (0, 0);
        let n = b.chunks(CHUNK).len();
        for (i, chunk) in b.chunks(CHUNK).enumerate() {
            c.push(chunk, i + 1 == n);
            most = most.max(c.window.capacity());
            left += usize::from(!c.window.is_empty());
        }
        assert!(most <= 2 * CHUNK, "{most}");
        assert!(left > 10, "{left}");
        assert!(c.longest > CHUNK, "{}", c.longest);
        assert_eq!(c.finish().map(|p| format!("{p:?}")), stream(&t, &limits, None).map(|p| format!("{p:?}")));
    }

    /// What the one-pass load refuses, the chunked load refuses (then the text is loaded the ordinary
    /// way, which reports the problems): texts cut short, bytes removed or changed, a key written twice in
    /// different chunks, invalid UTF-8, a length that differs from the text's, nesting over the limit.
    #[test]
    fn chunked_load_refuses_what_the_one_pass_load_refuses() {
        let good = r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"on":true,"off":false},"default":"off"},"b":{"variants":{"x":"é"},"default":"x"}},"environment":"e"}"#;
        let limits = Limits::default();
        assert!(chunked(good.as_bytes(), 3, &limits).is_some());
        let mut bad: Vec<Vec<u8>> = Vec::new();
        for i in 0..good.len() {
            let mut cut = good.as_bytes().to_vec();
            cut.truncate(i);
            bad.push(cut);
            let mut gone = good.as_bytes().to_vec();
            gone.remove(i);
            bad.push(gone);
            let mut changed = good.as_bytes().to_vec();
            changed[i] = if changed[i] == b',' { b' ' } else { b',' };
            bad.push(changed);
        }
        bad.push(br#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1},"default":"x"},"a":{"variants":{"x":1},"default":"x"}}}"#.to_vec());
        bad.push(br#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1},"default":"x"}},"flags":{}}"#.to_vec());
        bad.push(b"{\"schema\":1,\"version\":1,\"flags\":{\"a\":{\"variants\":{\"x\":\"\xff\"},\"default\":\"x\"}}}".to_vec());
        for b in &bad {
            let one = core::str::from_utf8(b).ok().and_then(|t| stream(t, &limits, None)).map(|p| format!("{p:?}"));
            for size in [1, 2, 7, 40, usize::MAX] {
                let two = chunked(b, size, &limits).map(|p| format!("{p:?}"));
                assert_eq!(one, two, "chunks of {size}: {}", String::from_utf8_lossy(b));
            }
        }
        // The size is a hint (the arenas'): a text pushed whole loads whatever it says.
        for size in [0, good.len() / 2, good.len(), 3 * good.len()] {
            let mut c = Chunked::new(size, &limits, None);
            c.push(good.as_bytes(), true);
            assert!(c.finish().is_some(), "{size}");
        }
        // A hint past the limit sizes the arenas for the limit at most (the text fails at the limit).
        assert_eq!(Chunked::new(usize::MAX, &limits, None).sink.text_len, limits.max_bytes);
        assert_eq!(Chunked::new(good.len(), &limits, None).sink.text_len, good.len());
        // A text not ended (no last chunk), bytes after the last chunk.
        let mut c = Chunked::new(good.len(), &limits, None);
        c.push(good.as_bytes(), false);
        assert!(c.finish().is_none());
        let mut c = Chunked::new(good.len(), &limits, None);
        c.push(good.as_bytes(), true);
        c.push(b" ", true);
        assert!(c.failed() && c.finish().is_none());
        // The limit on the text's length, in bytes (`Engine::from_json_with` checks it before `stream`),
        // counted as they come: the length is not told first.
        for (max_bytes, loads) in [(good.len(), true), (good.len() - 1, false)] {
            let limits = Limits { max_bytes, ..Limits::default() };
            for size in [1, 7, usize::MAX] {
                assert_eq!(chunked(good.as_bytes(), size, &limits).is_some(), loads, "{max_bytes} {size}");
            }
        }
        // Nesting: the same limit as the one-pass load, counted from the document's root.
        let deep = |n: usize| format!(r#"{{"schema":1,"version":1,"flags":{{"a":{{"variants":{{"x":{}1{}}},"default":"x"}}}}}}"#, "[".repeat(n), "]".repeat(n));
        for n in [0, 1, 2, 3, 4] {
            let t = deep(n);
            let limits = Limits { max_json_depth: 5, ..Limits::default() };
            let one = stream(&t, &limits, None).map(|p| format!("{p:?}"));
            assert_eq!(one, chunked(t.as_bytes(), 4, &limits).map(|p| format!("{p:?}")), "{t}");
            assert_eq!(one.is_some(), n <= 1, "{t}");
        }
    }

    /// The bound that spares most loads the walk of [`evaluation_steps`] is never below the walk's total, and
    /// equals it (every node reached once) for the plans it answers for.
    #[test]
    fn steps_bound_is_the_walks_total() {
        let mut bounded = 0;
        for t in snapshots() {
            let Some(plan) = ordinary(&t) else { continue };
            let (total, _) = steps_walk(&plan);
            if let Some(b) = steps_bound(&plan) {
                assert_eq!(b, total, "{t}");
                bounded += 1;
            }
        }
        assert!(bounded > 10, "{bounded}");
        // Over the limit, the walk reports the costliest flag as before.
        let t = r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1},"default":"x","rules":[{"when":{"attr":"n","op":"in","values":[1,2,3]},"serve":"x"}]},"b":{"variants":{"x":1},"default":"x"}}}"#;
        let limits = Limits { max_evaluation_steps: 6, ..Limits::default() };
        let mut p = Problems::default();
        let model = crate::snapshot::build(t, limits.max_json_depth, &mut p).unwrap().unwrap();
        let keys = Keys::new(&model);
        let plan = compile(model, keys, &limits, &mut p);
        assert_eq!(steps_bound(&plan), Some(7)); // 2 flags, 1 rule, `in` on 3 numbers (4)
        assert_eq!(p.list.len(), 1, "{:?}", p.list);
        assert_eq!(p.list[0].path.to_string(), "flags.a", "{:?}", p.list);
        assert!(stream(t, &Limits { max_evaluation_steps: 7, ..Limits::default() }, None).is_some());
        assert!(stream(t, &limits, None).is_none());
    }

    /// `flag_plan` and `dependencies` give each flag the `uses_time` and `uses_context` of a walk of its
    /// reachable rules and, through its prerequisites, theirs (the way they were worked out before).
    #[test]
    fn uses_are_those_of_the_rules_and_prerequisites() {
        fn walk(plan: &Plan, i: usize, depth: usize) -> (bool, bool) {
            let Some(f) = plan.flags.get(i) else { return (false, false) };
            if !f.enabled {
                return (false, false);
            }
            let (mut time, mut ctx) = (false, false);
            for r in plan.rules(f) {
                let (from, until) = plan.window(r);
                let windowed = from.is_some() || until.is_some();
                time |= windowed;
                ctx |= r.when.is_some();
                match r.serve {
                    ServePlan::Variant(_) if r.when.is_none() && !windowed => break,
                    ServePlan::Variant(_) => {}
                    ServePlan::Ramp { .. } => (time, ctx) = (true, true),
                    _ => ctx = true,
                }
            }
            for q in plan.requires(f) {
                if depth < 64 {
                    let (t, c) = walk(plan, q.flag as usize, depth + 1);
                    (time, ctx) = (time | t, ctx | c);
                }
            }
            (time, ctx)
        }
        let (mut checked, mut time, mut context, mut constant) = (0, 0, 0, 0);
        for t in snapshots() {
            for plan in [ordinary(&t), stream(&t, &Limits::default(), None)].into_iter().flatten() {
                for (i, f) in plan.flags.iter().enumerate() {
                    assert_eq!((f.uses_time, f.uses_context), walk(&plan, i, 0), "{i} of {t}");
                    checked += 1;
                    time += usize::from(f.uses_time);
                    context += usize::from(f.uses_context);
                    constant += usize::from(!f.uses_time && !f.uses_context);
                }
            }
        }
        assert!(checked > 100 && time > 5 && context > 50 && constant > 10, "{checked} {time} {context} {constant}");
    }

    /// The snapshots of the case files and examples, and a few more.
    fn snapshots() -> Vec<String> {
        let mut texts = Vec::new();
        for dir in ["tests/cases", "examples"] {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_some_and(|x| x == "json") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut snapshots = Vec::new();
        for t in &texts {
            let v = json::parse(t).unwrap();
            let Value::Object(members) = &v else { continue };
            if members.iter().any(|(k, _)| k == "flags") {
                snapshots.push(t.clone());
            }
            for (k, x) in members {
                match (&**k, x) {
                    ("snapshot", x) => {
                        let mut out = String::new();
                        json::write_value(&mut out, x);
                        snapshots.push(out);
                    }
                    ("snapshotText", Value::String(s)) => snapshots.push(s.to_string()),
                    _ => {}
                }
            }
        }
        // Segments after flags: taken by the ordinary load only.
        snapshots.push(r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"a":1},"default":"a","rules":[{"when":{"segment":"s"},"serve":"a"}]}},"segments":{"s":{"include":["u"]}}}"#.into());
        // Prerequisites, before and after.
        snapshots.push(r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1,"y":2},"default":"x","requires":[{"flag":"b","variants":["on"]}]},"b":{"variants":{"off":false,"on":true},"default":"on","requires":[{"flag":"c","variants":["z"]}]},"c":{"variants":{"z":"z"},"default":"z"}}}"#.into());
        assert!(snapshots.len() > 20, "{}", snapshots.len());
        snapshots
    }
}
