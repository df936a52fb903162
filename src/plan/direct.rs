//! The one-pass load's fast path: a usual flag read from the text straight into the plan's arenas,
//! without a model of it.
//!
//! [`Stream`] reads most flags here. A flag of the forms read here is compiled as its fields are read:
//! its variants into `variants`, its rules' conditions into `conds` and `leaves` (through the compiler's
//! own [`Compiler::leaf`](super::Compiler::leaf)), its rules into `rules`. At the first thing it does not
//! read — a field or a form it leaves to the model, a value of another type, an escaped key in a format
//! object, any problem — it *gives up*: the reader goes back to the flag's start
//! ([`Reader::restore`]), the arenas back to their lengths before it, and the flag is read into its model
//! ([`crate::snapshot`]) and compiled from it ([`Stream`]'s `FlagSink::flag`), which reports what there is
//! to report. A flag read here never has a problem.
//!
//! What it reads: `variants` (any values of one type, at most 16, before `rules`), `default`,
//! `offVariant`, `enabled`, `salt` (before `rules`), `description`, `owner`, `tags`, `serverOnly`, and
//! `rules` whose fields are `when` and `serve`; a `serve` that is a variant or a percent rollout (`variant`,
//! `percent`, `by`); a `when` that is an `attr` test (fields in any order), a `segment`, or an `all` or
//! `any` of those two. The rest — prerequisites, metadata, `expires`, rule ids and windows, splits, ramps,
//! `not`, nested groups — is read into a model.
//!
//! The operands of an `attr` test with `values`: when `op` came before them and has a common form (`eq`, `neq`,
//! `in`, `not_in` on strings of at most 7 bytes, `lt`, `lte`, `gt`, `gte` on numbers; at most 16), they are read
//! straight into the words that [`condition::compile_common`] makes of them ([`operands_as_words`]), with no list of
//! values built and dropped;
//! otherwise the array is read again from its start as values, for [`Compiler::leaf`](super::Compiler::leaf). A
//! `value` likewise, as `values` of one ([`operands_as_words`]).
//!
//! Builds: natively and in the wasm speed build (`--cfg edgeflag_speed`: Node, Deno, Bun, and Workers that
//! import `edgeflag/server.wasm`), where a large snapshot's load is worth the code. The size build, which
//! browsers download, leaves this module out (`cfg(any(edgeflag_speed, not(target_arch = "wasm32")))` on it and
//! on what only it uses: [`Reader::mark`], [`Reader::restore`], `Spare::operands`): there [`Stream`]'s
//! `FlagSink::direct` is the trait's default, which reads every flag into its model. That is 2,124 B of gzip
//! less (`www/pkg/edgeflag_bg.wasm` 46,761 → 44,637 B), for a load of S3 (1,000 flags) about 1.3× as long in that
//! build (Node 20, 1.72 → 2.27 ms warm; docs/wasm-size.md). Both paths build the same plan (the invariants
//! below; the size build runs every conformance case, `www/test/builds.test.js`).
//!
//! Invariants:
//! - A flag read here builds the plan the model's compile builds (`flag_plan`): the same entries in the
//!   same arenas, in the same order. The text gets the key and `:`, then the salt and `:` (so a `salt`
//!   after `rules` is left to the model), then the leaves' operands; each rule's leaves are compiled in
//!   document order, then its `by`. (Tests: the one-pass and chunked loads' plans are compared with the
//!   ordinary load's, `plan::tests`, and `direct_reads_build_the_models_plan` below.)
//! - Operands read as words give the leaf `compile_common` gives for the same operands as values: the same
//!   words and the same matcher ([`condition::CommonWords`]; test `common_words_make_compile_commons_matcher`), and where `compile_common`
//!   would not apply (`ignoreCase` on strings, read after the operands; both `value` and `values`) the flag is given
//!   up. (Tests: the leaves of `direct_reads_build_the_models_plan`, and `usual_flags_are_read_straight_into_the_plan`
//!   counts the arrays read as words.)
//! - Giving up leaves no trace but attribute slots: a slot made for a leaf or a `by` of the flag is one
//!   the model's compile makes for the same leaf or `by` first (it makes them in the same order), so the
//!   slots' numbering is the same. The regex budget and `Compiler::clean` are set back.

use super::{index, Cond, FlagPlan, RulePlan, ServePlan, Span, Stream, NONE};
use crate::bytes::Push;
use crate::condition::{self, CommonWords, Op};
use crate::error::{Path, Problems};
use crate::json::{Mark, Peek, Reader, Value};
use crate::snapshot::{self, key_text, AttrCondition, Spare, Str};
use crate::validate::{key_ok, percent_buckets, ValueKind};

/// The bits of `values` and `value` (`ATTR_FIELDS` 2 and 3) in an `attr` test's fields seen ([`fresh`]).
const VALUE_AND_VALUES: u32 = 1 << 2 | 1 << 3;

/// The most variants a flag read here has (more are looked up by a hash index, in the model's compile).
const MOST_VARIANTS: usize = 16;

/// Lengths to go back to when a direct read gives up.
struct Start {
    reader: Mark,
    conds: usize,
    leaves: usize,
    text: usize,
    rules: usize,
    variants: usize,
    regex_budget: usize,
}

/// Notes field `i` of `names` in `seen`: `None` when it is not one of them or was met before (a duplicate,
/// which the model's reader reports).
#[inline(always)]
fn fresh(seen: &mut u32, i: usize, names: &[&str]) -> Option<()> {
    let bit = 1u32.checked_shl(i as u32).filter(|_| i < names.len())?;
    if *seen & bit != 0 {
        return None;
    }
    *seen |= bit;
    Some(())
}

/// The next key of the object being read when it is plain (no escape): the format's fields are matched
/// on it. `None` at the end of the object, and for an escaped key, which is left to the model
/// (`Some(None)`: give up).
#[inline(always)]
fn next_plain<'a>(r: &mut Reader<'a>) -> Option<Option<&'a str>> {
    match r.next_key() {
        Some(Str::Borrowed(k)) => Some(Some(k)),
        Some(Str::Owned(_)) => Some(None),
        None => None,
    }
}

/// The operator named `op` when it has a common form ([`condition::common_strings`]: whether its operands are
/// strings); `None` for another, or before `op` is read (`""`).
#[inline(always)]
fn common_of(op: &Str<'_>) -> Option<(Op, bool)> {
    let op = Op::parse(key_text(op))?;
    Some((op, condition::common_strings(op)?))
}

/// Reads the operands at the reader into `words` as [`condition::compile_common`] makes them, when `a.op`, read
/// before them, has a common form: the `values` array (`one` false), or the one `value` (`one`: as `values` of
/// one), of short strings or numbers (as the operator takes), at most [`CommonWords::MOST`]; where plans keep
/// operand texts, written compactly (`a.compact`, the text kept). The operator and whether its operands are
/// strings; `None` when they are not read so (no `op` yet or another one, an operand of another kind, a longer
/// or escaped string, more of them, not an array, not JSON), with the reader back where it was and no words:
/// the caller reads them as values, for `Compiler::leaf`. (Out of line in the speed build, `edgeflag_speed`:
/// what V8 recompiles of `attr` stays short. A usual snapshot's `in`, `eq` and `gte` tests all compile so,
/// without `Compiler::leaf`, which a cold start would otherwise compile and V8 recompile during the load.)
#[cfg_attr(edgeflag_speed, inline(never))]
fn operands_as_words<'a>(r: &mut Reader<'a>, a: &mut AttrCondition<'a>, words: &mut CommonWords, one: bool) -> Option<(Op, bool)> {
    let common @ (_, strings) = common_of(&a.op)?;
    let (start, mark) = (r.offset(), r.mark());
    let read = if one { operand_word(r, strings).and_then(|w| words.push(w)).is_some() } else { operand_words(r, strings, words) };
    if read {
        if !snapshot::KEEPS_OPERANDS {
            return Some(common);
        }
        a.compact = Some(r.since(start)).filter(|t| crate::json::is_compact(t));
        if a.compact.is_some() {
            return Some(common);
        }
    }
    r.restore(mark);
    words.clear();
    None
}

/// The operands at the reader read as values, for `Compiler::leaf`: the `values` array into `a.values` (in a
/// list of `spare`'s; `one` false) or the one `value` into `a.value` (`one`), where they are not a common form's
/// words ([`operands_as_words`]); where plans keep operand texts, written compactly (`a.compact`). `None` when
/// the array is not JSON. (Cold, out of line: what a usual snapshot does not run stays out of `Stream::attr`,
/// which V8 recompiles during a cold start's load in time that grows with its length; docs/ARCHITECTURE.md,
/// "Cold start".)
#[cold]
#[inline(never)]
fn operands_as_values<'a>(r: &mut Reader<'a>, a: &mut AttrCondition<'a>, spare: &mut Spare<'a>, one: bool) -> Option<()> {
    let start = r.offset();
    if one {
        a.value = Some(r.value());
    } else {
        let mut list = spare.operands();
        let ok = r.array_into(&mut list);
        a.values = Some(list);
        if !ok {
            return None;
        }
    }
    if snapshot::KEEPS_OPERANDS {
        a.compact = Some(r.since(start)).filter(|t| crate::json::is_compact(t));
    }
    Some(())
}

/// [`operands_as_words`]' read of the array (`strings`: the operator's operands are strings); `false` when the
/// operands are not all of that kind and form, with the reader anywhere in the array.
#[inline(always)]
fn operand_words(r: &mut Reader<'_>, strings: bool, words: &mut CommonWords) -> bool {
    if !r.array() {
        return false;
    }
    while r.next_element() {
        if operand_word(r, strings).and_then(|w| words.push(w)).is_none() {
            return false;
        }
    }
    !r.failed()
}

/// The word of the operand at the reader: a string of at most 7 bytes (`strings`; an escaped one is not read
/// here: the operands are read again as values) or a number; `None` for another, the reader anywhere in it.
#[inline(always)]
fn operand_word(r: &mut Reader<'_>, strings: bool) -> Option<u64> {
    if strings {
        r.plain_str().and_then(condition::string_word)
    } else {
        r.number().map(|n| condition::number_word(&n))
    }
}

/// What a flag's fields give that its plan needs after the flag is read.
struct Fields<'a> {
    default: Option<&'a str>,
    off: Option<&'a str>,
    enabled: bool,
    kind: Option<ValueKind>,
    salt_prefix: Span,
}

impl Stream {
    /// Reads flag `key` straight into the plan (see the module docs); `false`, with the reader and the
    /// arenas as they were, when it gives up. `no_segments`: no segments were read so far (the first flag
    /// of a text whose segments come before its flags compiles them, `FlagSink::flag`; a text with none has
    /// nothing to compile, and no flag needs the model's code, which a cold start then does not compile);
    /// `base`: where the reader's text starts in the whole text.
    #[inline(never)]
    pub(super) fn read_direct<'a>(&mut self, r: &mut Reader<'a>, no_segments: bool, key: &Str<'a>, base: usize, spare: &mut Spare<'a>) -> bool {
        if self.failed || r.peek() != Peek::Object {
            return false;
        }
        if self.segments.is_none() {
            if !no_segments {
                return false;
            }
            self.segments = Some((0, Vec::new()));
        }
        let start = Start {
            reader: r.mark(),
            conds: self.c.conds.len(),
            leaves: self.c.leaves.len(),
            text: self.c.text.len(),
            rules: self.a.rules.len(),
            variants: self.a.variants.len(),
            regex_budget: self.c.regex_budget,
        };
        let k = key_text(key);
        let read = self.direct_flag(r, k, spare);
        let at = index(self.flags.len());
        match read {
            // (a key written twice is left to the model's read, which finds it, as `FlagSink::flag`)
            Some(plan) if self.flag_index.get_or_insert(k, at) == at => {
                self.flags.push(plan);
                if self.flags.len() == Self::SAMPLE {
                    self.reserve(base.saturating_add(r.offset()));
                }
                #[cfg(test)]
                {
                    self.direct_reads += 1;
                }
                true
            }
            _ => {
                self.give_up(r, start);
                false
            }
        }
    }

    /// Sets the reader and the arenas back to `start`, for the model's read of the flag. (Cold, out of line:
    /// `read_direct` runs per flag, and V8 recompiles it during a cold start's load, in time that grows with
    /// its length; docs/ARCHITECTURE.md, "Cold start".)
    #[cold]
    #[inline(never)]
    fn give_up(&mut self, r: &mut Reader<'_>, start: Start) {
        r.restore(start.reader);
        self.c.conds.truncate(start.conds);
        self.c.leaves.truncate(start.leaves);
        self.c.text.truncate(start.text);
        self.a.rules.truncate(start.rules);
        self.a.variants.truncate(start.variants);
        self.c.regex_budget = start.regex_budget;
        self.c.clean = true;
    }

    /// The leaf of the `attr` test `a` whose operands were read as values ([`operands_as_values`]), by
    /// `Compiler::leaf`; `None` (give up) on any problem. (Cold, out of line, as `give_up`.)
    #[cold]
    #[inline(never)]
    fn leaf_of_values(&mut self, a: &AttrCondition<'_>) -> Option<Cond> {
        let mut p = Problems::default();
        let node = self.c.leaf(a, &Path::Root, &mut p);
        (p.list.is_empty() && matches!(node, Cond::Attr(_))).then_some(node)
    }

    /// A flag's field that a usual flag does not have: `salt`, `offVariant`, `description`, `owner`, `tags`,
    /// `serverOnly` (field `i` of `FLAG_FIELDS`), read into `f`; `None`: give up (any other field, too).
    /// (Cold, out of line, as `give_up`.)
    #[cold]
    #[inline(never)]
    fn rare_field<'a>(&mut self, r: &mut Reader<'a>, i: usize, f: &mut Fields<'a>, has_rules_field: bool) -> Option<()> {
        match i {
            4 /* salt */ => {
                // (the salt goes to the text before the operands: a salt after the rules is the model's)
                let salt = r.string()?;
                if has_rules_field {
                    return None;
                }
                let s = self.c.text(key_text(&salt));
                self.c.text.push_ascii(b':');
                f.salt_prefix = Span(s.0, s.1.saturating_add(1));
            }
            5 /* offVariant */ => f.off = Some(r.plain_str()?),
            7 | 8 /* description, owner */ => {
                r.string()?;
            }
            9 /* tags */ => {
                if !r.array() {
                    return None;
                }
                while r.next_element() {
                    r.string()?;
                }
            }
            12 /* serverOnly */ => {
                r.boolean()?;
            }
            // requires, expires, metadata
            _ => return None,
        }
        Some(())
    }

    /// The flag at the reader, read and compiled; `None`: give up.
    fn direct_flag<'a>(&mut self, r: &mut Reader<'a>, key: &str, spare: &mut Spare<'a>) -> Option<FlagPlan> {
        if !key_ok(key) || !r.object() {
            return None;
        }
        r.keys_checked();
        self.c.clean = true;
        // The key and `:` first in the text, as `flag_plan` places them (the salt follows them).
        let key_span = self.c.text(key);
        self.c.text.push_ascii(b':');
        let first_variant = self.a.variants.len();
        let first_rule = self.a.rules.len();
        let mut f = Fields { default: None, off: None, enabled: true, kind: None, salt_prefix: Span(key_span.0, key_span.1.saturating_add(1)) };
        let (mut seen, mut has_rules_field) = (0, false);
        while let Some(k) = next_plain(r) {
            let i = snapshot::field(k?.as_bytes(), &snapshot::FLAG_FIELDS);
            fresh(&mut seen, i, &snapshot::FLAG_FIELDS)?;
            match i {
                0 /* variants */ => f.kind = Some(self.variants(r)?),
                1 /* default */ => f.default = Some(r.plain_str()?),
                2 /* rules */ => {
                    // (their serves name variants: those must be known)
                    if self.a.variants.len() == first_variant || !r.array() {
                        return None;
                    }
                    has_rules_field = true;
                    while r.next_element() {
                        self.rule(r, first_variant, spare)?;
                    }
                }
                3 /* enabled */ => f.enabled = r.boolean()?,
                _ => self.rare_field(r, i, &mut f, has_rules_field)?,
            }
        }
        if r.failed() || !self.c.clean {
            return None;
        }
        let default = self.variant(first_variant, f.default?)?;
        let off = match f.off {
            Some(o) => self.variant(first_variant, o)?,
            None => default,
        };
        let rules = Span::new(first_rule, self.a.rules.len());
        // What `flag_plan` works out: a disabled flag uses nothing; else the rules use the context unless
        // the first serves a variant to everyone (then the later ones are never reached). No windows, no
        // ramps here: no time.
        let uses_context = f.enabled
            && rules.of(&self.a.rules).first().is_some_and(|r| r.when.is_some() || !matches!(r.serve, ServePlan::Variant(_)));
        Some(FlagPlan {
            key: key_span,
            kind: f.kind?,
            salt_prefix: f.salt_prefix,
            variants: Span::new(first_variant, self.a.variants.len()),
            default,
            off,
            enabled: f.enabled,
            requires: Span::new(self.a.requires.len(), self.a.requires.len()),
            has_rules: rules.len() > 0,
            rules,
            metadata: Span::new(self.a.metadata.len(), self.a.metadata.len()),
            uses_time: false,
            uses_context,
        })
    }

    /// A flag's `variants`, into the arena: their type (one for all; at least one variant, each with a
    /// valid key and a value that is not null, at most [`MOST_VARIANTS`]). Duplicate keys fail the reader
    /// as the object closes.
    #[cfg_attr(edgeflag_speed, inline(never))]
    fn variants(&mut self, r: &mut Reader<'_>) -> Option<ValueKind> {
        let first = self.a.variants.len();
        if !r.object() {
            return None;
        }
        let mut kind = None;
        while let Some(k) = r.next_key() {
            let name = key_text(&k);
            // (a boolean, the usual variant, read without `Reader::value` and a `Value` to drop: a cold start's
            // load then neither compiles nor recompiles those)
            let (this, value) = if r.peek() == Peek::Bool {
                (ValueKind::Boolean, Value::Bool(r.boolean()?))
            } else {
                let v = r.value();
                (ValueKind::of(&v)?, v.to_owned_value())
            };
            if !key_ok(name) || kind.is_some_and(|kind| kind != this) || self.a.variants.len() - first >= MOST_VARIANTS {
                return None;
            }
            kind = Some(this);
            self.a.variants.push((Box::from(name), value));
        }
        if r.failed() {
            return None;
        }
        kind
    }

    /// The position of variant `name` among the flag's, which start at `first` in the arena.
    fn variant(&self, first: usize, name: &str) -> Option<u32> {
        let vs = self.a.variants.get(first..)?;
        vs.iter().position(|(k, _)| crate::bytes::eq_out_of_line(k.as_bytes(), name.as_bytes())).map(index)
    }

    /// A rule (`when` and `serve`), compiled into the arena.
    #[cfg_attr(edgeflag_speed, inline(never))]
    fn rule<'a>(&mut self, r: &mut Reader<'a>, first_variant: usize, spare: &mut Spare<'a>) -> Option<()> {
        if !r.object() {
            return None;
        }
        r.keys_checked();
        let (mut when, mut serve, mut by, mut seen) = (None, None, None, 0);
        while let Some(k) = next_plain(r) {
            let i = snapshot::field(k?.as_bytes(), &snapshot::RULE_FIELDS);
            fresh(&mut seen, i, &snapshot::RULE_FIELDS)?;
            match i {
                0 /* when */ => when = Some(self.cond(r, 1, spare)?),
                1 /* serve */ => serve = Some(self.serve(r, first_variant, &mut by)?),
                // id, from, until
                _ => return None,
            }
        }
        if r.failed() {
            return None;
        }
        let mut serve = serve?;
        // The `by` slot after the condition's (the order of `flag_plan`).
        if let ServePlan::Percent { by: slot, .. } = &mut serve {
            *slot = self.c.by_path(by);
        }
        self.a.rules.push(RulePlan { when, extra: NONE, serve });
        Some(())
    }

    /// A serve: a variant, or a percent rollout (its `by` is left in `by`, its slot to [`Stream::rule`]).
    /// (Its strings are read by `plain_str` and its percent turned into buckets as it is read: nothing
    /// to drop on the ways out.)
    fn serve<'a>(&mut self, r: &mut Reader<'a>, first_variant: usize, by: &mut Option<&'a str>) -> Option<ServePlan> {
        if r.peek() == Peek::String {
            let name = r.plain_str()?;
            return Some(ServePlan::Variant(self.variant(first_variant, name)?));
        }
        if !r.object() {
            return None;
        }
        r.keys_checked();
        let (mut variant, mut percent, mut seen) = (None, None, 0);
        while let Some(k) = next_plain(r) {
            let i = snapshot::field(k?.as_bytes(), &snapshot::SERVE_FIELDS);
            fresh(&mut seen, i, &snapshot::SERVE_FIELDS)?;
            match i {
                0 /* variant */ => variant = Some(self.variant(first_variant, r.plain_str()?)?),
                1 /* percent */ => percent = Some(percent_buckets(r.number()?.text()).ok()?),
                2 /* by */ => *by = Some(r.plain_str()?),
                // split, ramp
                _ => return None,
            }
        }
        if r.failed() {
            return None;
        }
        Some(ServePlan::Percent { by: NONE, buckets: percent?, variant: variant? })
    }

    /// A condition at nesting level `depth` (a rule's `when` is at 1): an `attr` test, a `segment`, or (at
    /// level 1) an `all` or `any` of those, its items placed side by side in `conds`.
    fn cond<'a>(&mut self, r: &mut Reader<'a>, depth: usize, spare: &mut Spare<'a>) -> Option<Cond> {
        if depth > self.c.limits.max_condition_depth || !r.object() {
            return None;
        }
        r.keys_checked();
        let first = next_plain(r)??;
        let node = match snapshot::shape_of(first.as_bytes()) {
            Some(shape @ (snapshot::ALL | snapshot::ANY)) if depth == 1 => {
                if !r.array() {
                    return None;
                }
                let start = self.c.conds.len();
                while r.next_element() {
                    let item = self.cond(r, depth + 1, spare)?;
                    self.c.conds.push(item);
                }
                let items = Span::new(start, self.c.conds.len());
                if shape == snapshot::ALL {
                    Cond::All(items)
                } else {
                    Cond::Any(items)
                }
            }
            Some(snapshot::SEGMENT) => {
                let s = r.string()?;
                Cond::Segment(self.c.segment_index.get(key_text(&s))?)
            }
            // `attr` first, or another of its fields (`op` first: `condition_unshaped`)
            Some(snapshot::ATTR) | None => return self.attr(r, first, spare),
            _ => return None,
        };
        // nothing after the group's or segment's one field
        match r.next_key() {
            None if !r.failed() => Some(node),
            _ => None,
        }
    }

    /// The fields of an `attr` test from `first` (the first key, read) on, compiled into a leaf.
    #[cfg_attr(edgeflag_speed, inline(never))]
    fn attr<'a>(&mut self, r: &mut Reader<'a>, first: &'a str, spare: &mut Spare<'a>) -> Option<Cond> {
        let mut a = AttrCondition { attr: Str::Borrowed(""), op: Str::Borrowed(""), value: None, values: None, ignore_case: false, compact: None };
        let (mut seen, mut key) = (0, Some(first));
        // `values` (or `value`) read straight into the words of `compile_common` (then `a.values` and
        // `a.value` stay `None`), and the operator they were read for
        let (mut words, mut from_words) = (CommonWords::new(), None);
        let read = loop {
            let Some(k) = key else { break Some(()) };
            let i = snapshot::field(k.as_bytes(), &snapshot::ATTR_FIELDS);
            if fresh(&mut seen, i, &snapshot::ATTR_FIELDS).is_none() {
                break None;
            }
            let ok = match i {
                0 /* attr */ => r.string().map(|s| a.attr = s),
                1 /* op */ => r.string().map(|s| a.op = s),
                // (`value` and `values` both: the model reports it)
                2 | 3 if seen & VALUE_AND_VALUES == VALUE_AND_VALUES => None,
                2 | 3 /* values, value */ => {
                    // With `op` read before them and of a common form, the operands as its words, if they are
                    // all of its kind; else as values, for `Compiler::leaf`.
                    let one = i == 3;
                    from_words = operands_as_words(r, &mut a, &mut words, one);
                    if from_words.is_some() {
                        Some(())
                    } else {
                        operands_as_values(r, &mut a, spare, one)
                    }
                }
                _ /* ignoreCase */ => r.boolean().map(|b| a.ignore_case = b),
            };
            if ok.is_none() {
                break None;
            }
            key = match next_plain(r) {
                Some(Some(k)) => Some(k),
                Some(None) => break None,
                None => None,
            };
        };
        // (`attr` and `op` are both required: the model reports either missing)
        let node = match read {
            // The words' matcher is `compile_common`'s for these operands, unless `ignoreCase` came after them
            // (strings: not a common form): the model's compile has those. (`op` is read once, `fresh`;
            // `value` and `values` both were given up on as read.)
            Some(()) if !r.failed() && seen & 3 == 3 && from_words.is_some() => match from_words {
                Some((op, strings)) if !(strings && a.ignore_case) => {
                    #[cfg(test)]
                    {
                        self.word_reads += 1;
                    }
                    let node = self.c.leaf_with(&a, words.matcher(op, strings));
                    matches!(node, Cond::Attr(_)).then_some(node)
                }
                _ => None,
            },
            Some(()) if !r.failed() && seen & 3 == 3 => self.leaf_of_values(&a),
            _ => None,
        };
        if let Some(list) = a.values.take() {
            spare.keep_operands(list);
        }
        node
    }
}

#[cfg(test)]
mod tests {
    use super::super::{tests::ordinary_with, Stream};
    use crate::error::Problems;
    use crate::limits::Limits;

    /// The one-pass load of `text` under `limits` (its plan, as `Debug` text) and how many flags it read
    /// straight into the plan.
    fn one_pass(text: &str, limits: &Limits) -> (Option<String>, usize) {
        let mut p = Problems::default();
        let mut sink = Stream::new(limits, None, text.len());
        let model = crate::snapshot::build_with(text, limits.max_json_depth, &mut p, &mut sink).ok().flatten();
        let n = sink.direct_reads;
        (model.and_then(|m| sink.finish(m, p)).map(|plan| format!("{plan:?}")), n)
    }

    /// A fixed xorshift: the same texts on every run.
    struct Pick(u64);

    impl Pick {
        fn one<'s>(&mut self, from: &[&'s str]) -> &'s str {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            from[(self.0 % from.len() as u64) as usize]
        }

        /// One of `usual`, or (one time in `odds`) one of `odd`.
        fn mostly<'s>(&mut self, usual: &[&'s str], odd: &[&'s str], odds: usize) -> &'s str {
            if self.below(odds) == 0 {
                self.one(odd)
            } else {
                self.one(usual)
            }
        }

        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Leaves (`attr` tests and segments): usual ones, then ([`ODD_LEAVES`] on) ones each wrong or rare in
    /// one way.
    const LEAVES: [&str; 32] = [
        r#"{"attr":"country","op":"in","values":["DE","FR","日本"]}"#,
        r#"{"attr":"plan","op":"eq","value":"pro"}"#,
        r#"{"op":"eq","attr":"plan","value":"team"}"#,
        r#"{"value":21,"op":"gte","attr":"age"}"#,
        r#"{"attr":"email","op":"ends_with","value":"@example.com"}"#,
        r#"{"attr":"name","op":"eq","value":"Ann","ignoreCase":true}"#,
        r#"{"attr":"user.org.id","op":"in","values":[1,2,3]}"#,
        r#"{"attr":"v","op":"semver_gte","value":"1.2.3"}"#,
        r#"{"attr":"s","op":"matches","value":"^a+b$"}"#,
        r#"{"segment":"beta"}"#,
        // (operand arrays read as words, or not: `operands_as_words`)
        r#"{"attr":"country","values":["DE","FR"],"op":"not_in"}"#,
        r#"{"attr":"tier","op":"in","values":["gold-member","FR"]}"#,
        r#"{"attr":"n","op":"lt","values":[1,2.5,-3e2]}"#,
        r#"{"attr":"name","op":"in","values":["Ann"],"ignoreCase":true}"#,
        r#"{"attr":"c","op":"in","values":["a\u0062","c",1]}"#,
        r#"{"op":"neq","attr":"c","values":[]}"#,
        r#"{"attr":"c","op":"in","values":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]}"#,
        // (a `value` read as a word, or not: `operands_as_words`)
        r#"{"attr":"tier","op":"eq","value":"gold-member"}"#,
        r#"{"attr":"c","op":"neq","value":"a\u0062"}"#,
        r#"{"attr":"n","op":"eq","value":3}"#,
        r#"{"attr":"name","ignoreCase":true,"op":"eq","value":"Ann"}"#,
        // ODD_LEAVES
        r#"{"segment":"nope"}"#,
        r#"{"attr":"","op":"eq","value":"x"}"#,
        r#"{"attr":"a","op":"bogus","value":1}"#,
        r#"{"attr":"a","op":"eq"}"#,
        r#"{"attr":"a","op":"eq","value":"x","colour":1}"#,
        r#"{"attr":"a","op":"eq","value":"x","attr":"b"}"#,
        r#"{"attr":"a","op":"in","values":"x"}"#,
        r#"{"\u0061ttr":"a","op":"eq","value":"x"}"#,
        r#"{"attr":"a","op":"eq","value":"x","any":[]}"#,
        r#"{"attr":"a","op":"eq","value":"x","values":["y"]}"#,
        r#"{}"#,
    ];

    const ODD_LEAVES: usize = 21;

    fn leaf(g: &mut Pick) -> &'static str {
        g.mostly(&LEAVES[..ODD_LEAVES], &LEAVES[ODD_LEAVES..], 25)
    }

    /// A condition: a leaf, a group of leaves, or (seldom) a rarer form.
    fn condition(g: &mut Pick) -> String {
        match g.below(24) {
            0..=11 => leaf(g).to_string(),
            12..=20 => {
                let n = g.below(4);
                let items: Vec<&str> = (0..n).map(|_| leaf(g)).collect();
                format!(r#"{{"{}":[{}]}}"#, g.one(&["all", "any"]), items.join(","))
            }
            21 => format!(r#"{{"not":{}}}"#, leaf(g)),
            22 => format!(r#"{{"all":[{{"any":[{}]}},{}]}}"#, leaf(g), leaf(g)),
            _ => format!(r#"{{"any":[{}],"all":[]}}"#, leaf(g)),
        }
    }

    /// Serves: the usual two, then percent rollouts, then ([`ODD_SERVES`] on) wrong or rare ones.
    const SERVES: [&str; 11] = [
        r#""on""#,
        r#""off""#,
        r#"{"variant":"on","percent":30}"#,
        r#"{"variant":"on","percent":30,"by":"org"}"#,
        r#"{"by":"key","percent":12.5,"variant":"off"}"#,
        r#""nope""#,
        r#"{"variant":"on","percent":101}"#,
        r#"{"variant":"on","percent":30,"by":""}"#,
        r#"{"variant":"on"}"#,
        r#"{"split":[{"variant":"on","percent":50},{"variant":"off","percent":50}]}"#,
        r#"{"variant":"on","ramp":[{"at":"2020-01-01T00:00:00Z","percent":10}]}"#,
    ];

    const ODD_SERVES: usize = 5;

    fn rule(g: &mut Pick) -> String {
        let serve = if g.below(3) == 0 { g.one(&SERVES[2..ODD_SERVES]) } else { g.mostly(&SERVES[..2], &SERVES[ODD_SERVES..], 25) };
        let when = condition(g);
        match g.below(30) {
            0..=14 => format!(r#"{{"when":{when},"serve":{serve}}}"#),
            15..=19 => format!(r#"{{"serve":{serve},"when":{when}}}"#),
            20..=26 => format!(r#"{{"serve":{serve}}}"#),
            27 => format!(r#"{{"when":{when}}}"#),
            28 => format!(r#"{{"id":"r","when":{when},"serve":{serve}}}"#),
            _ => format!(r#"{{"when":{when},"serve":{serve},"until":"2999-01-01T00:00:00Z"}}"#),
        }
    }

    /// Variants: the usual, then others of other types, wrong or escaped.
    const VARIANTS: [&str; 9] = [
        r#"{"on":true,"off":false}"#,
        r#"{"on":"x","off":"y","mid":"z"}"#,
        r#"{"on":{"a":[1,2]},"off":{}}"#,
        r#"{"on":1,"off":2.5}"#,
        r#"{"on":true,"off":"no"}"#,
        r#"{"on":true,"off":false,"x1":true,"x2":true,"x3":true,"x4":true,"x5":true,"x6":true,"x7":true,"x8":true,"x9":true,"xa":true,"xb":true,"xc":true,"xd":true,"xe":true,"xf":true}"#,
        r#"{"on":null,"off":false}"#,
        r#"{"on":true,"on":false}"#,
        r#"{"o\u006e":true,"off":false}"#,
    ];

    /// A flag: its fields from the usual ones and a few rare or wrong ones, in any order.
    fn flag(g: &mut Pick) -> String {
        let rules: Vec<String> = (0..g.below(4)).map(|_| rule(g)).collect();
        let mut fields = vec![
            format!(r#""variants":{}"#, g.mostly(&VARIANTS[..1], &VARIANTS[1..], 6)),
            format!(r#""default":{}"#, g.mostly(&[r#""off""#, r#""on""#], &[r#""nope""#, "1"], 30)),
            format!(r#""rules":[{}]"#, rules.join(",")),
        ];
        // usual ones, then (from the 9th) rare or wrong ones
        const MORE: [&str; 14] = [
            r#""enabled":false"#,
            r#""enabled":true"#,
            r#""salt":"pepper""#,
            r#""offVariant":"on""#,
            r#""description":"Gates the new checkout""#,
            r#""owner":"team-a""#,
            r#""tags":["ui","beta"]"#,
            r#""serverOnly":true"#,
            r#""enabled":1"#,
            r#""offVariant":"nope""#,
            r#""tags":["ui",1]"#,
            r#""metadata":{"jira":"X-1"}"#,
            r#""expires":"2999-01-01T00:00:00Z""#,
            r#""requires":[{"flag":"f0","variants":["on"]}]"#,
        ];
        for _ in 0..g.below(4) {
            fields.push(g.mostly(&MORE[..8], &MORE[8..], 10).to_string());
        }
        // any order, now and then a field twice or unknown
        for i in (1..fields.len()).rev() {
            fields.swap(i, g.below(i + 1));
        }
        match g.below(20) {
            0 => fields.push(r#""colour":"red""#.to_string()),
            1 => fields.push(r#""default":"on""#.to_string()),
            _ => {}
        }
        format!("{{{}}}", fields.join(","))
    }

    /// Snapshots of a few generated flags (the first is always read into its model: it sets the segments
    /// up), loaded in one pass under two limits: the plan is the ordinary load's, whichever way each flag
    /// was read, and refused exactly when that load reports a problem; most usual flags are read straight
    /// into the plan.
    #[test]
    fn direct_reads_build_the_models_plan() {
        let mut g = Pick(0x9e37_79b9_7f4a_7c15);
        let shallow = Limits { max_condition_depth: 1, ..Limits::default() };
        let (mut loaded, mut direct) = (0, 0);
        for k in 0..6000 {
            let flags: Vec<String> = (0..3).map(|i| format!(r#""f{i}":{}"#, flag(&mut g))).collect();
            // (with segments before the flags, and every third text without: the chunked load then looks
            // for none, `snapshot::flags_start`)
            let segments = if k % 3 == 0 { "" } else { r#""segments":{"beta":{"include":["u1"]}},"# };
            let text = format!(
                r#"{{"schema":1,"version":1,{segments}"flags":{{"f":{{"variants":{{"on":true}},"default":"on"}},{}}}}}"#,
                flags.join(",")
            );
            for limits in [Limits::default(), shallow] {
                let (one, n) = one_pass(&text, &limits);
                let two = ordinary_with(&text, &limits).map(|plan| format!("{plan:?}"));
                assert_eq!(one, two, "{text}");
                loaded += usize::from(one.is_some());
                direct += n;
            }
        }
        assert!(loaded > 1000 && direct > 3000, "{loaded} loaded, {direct} flags read straight into the plan");
    }

    /// `VALUE_AND_VALUES` names the bits of `values` and `value` in `ATTR_FIELDS`.
    #[test]
    fn value_and_values_are_the_attr_fields_of_their_bits() {
        assert_eq!(crate::snapshot::ATTR_FIELDS[2..4], ["values", "value"]);
        assert_eq!(super::VALUE_AND_VALUES, 0b1100);
    }

    /// S3's flags (bench/) are read straight into the plan, every one (a text without segments: the first
    /// flag too).
    #[test]
    fn usual_flags_are_read_straight_into_the_plan() {
        let mut text = String::from(r#"{"schema":1,"version":1,"flags":{"#);
        for i in 0..50 {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                r#""flag-{i:04}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"all":[{{"attr":"country","op":"in","values":["DE","FR"]}},{{"attr":"plan","op":"eq","value":"pro"}}]}},"serve":"on"}},{{"when":{{"attr":"age","op":"gte","value":{}}},"serve":"on"}},{{"serve":{{"variant":"on","percent":30,"by":"key"}}}}]}}"#,
                20 + i
            ));
        }
        text.push_str("}}");
        let (one, n) = one_pass(&text, &Limits::default());
        assert_eq!(one, ordinary_with(&text, &Limits::default()).map(|plan| format!("{plan:?}")));
        assert_eq!(n, 50);
        // and each flag's `in` operands and `eq` and `gte` operand straight into their words (`operands_as_words`)
        let mut p = Problems::default();
        let mut sink = Stream::new(&Limits::default(), None, text.len());
        assert!(crate::snapshot::build_with(&text, 64, &mut p, &mut sink).is_ok());
        assert_eq!(sink.word_reads, 150);
    }

    /// Usual flags with one token changed, many times over (a name for another, a value of another type, a
    /// comma dropped, a key escaped, whitespace added): the one-pass load, reading what it can straight into
    /// the plan, builds the ordinary load's plan, or refuses exactly what it refuses.
    #[test]
    fn usual_flags_with_a_token_changed_load_as_the_ordinary_load() {
        const BASE: &str = r#"{"schema":1,"version":1,"segments":{"beta":{"include":["u1"]}},"flags":{"a":{"variants":{"on":true,"off":false},"default":"off","rules":[{"when":{"all":[{"attr":"country","op":"in","values":["DE","FR"]},{"attr":"plan","op":"eq","value":"pro"}]},"serve":"on"},{"when":{"any":[{"segment":"beta"},{"attr":"age","op":"gte","value":21}]},"serve":"on"},{"serve":{"variant":"on","percent":30,"by":"key"}}]},"b":{"variants":{"x":"1","y":"2"},"default":"y","salt":"s","rules":[{"when":{"op":"eq","attr":"plan","value":"pro"},"serve":"x"}]},"c":{"variants":{"on":true,"off":false},"default":"on","enabled":false}}}"#;
        const SWAPS: [(&str, &[&str]); 16] = [
            ("\"on\"", &["\"off\"", "\"nope\"", "\"o\\u006e\"", "1"]),
            ("true", &["false", "null", "\"true\"", "{}"]),
            ("\"variants\"", &["\"default\"", "\"variant\"", "\"metadata\""]),
            ("\"default\"", &["\"offVariant\"", "\"variants\"", "\"salt\""]),
            ("\"rules\"", &["\"requires\"", "\"tags\"", "\"rule\""]),
            ("\"when\"", &["\"serve\"", "\"id\"", "\"until\""]),
            ("\"serve\"", &["\"when\"", "\"from\""]),
            ("\"attr\"", &["\"op\"", "\"all\"", "\"segment\"", "\"\\u0061ttr\""]),
            ("\"op\"", &["\"attr\"", "\"value\"", "\"ignoreCase\""]),
            ("\"all\"", &["\"any\"", "\"not\"", "\"attr\""]),
            ("\"values\"", &["\"value\""]),
            ("\"value\"", &["\"values\""]),
            ("\"in\"", &["\"eq\"", "\"matches\"", "\"bogus\""]),
            ("30", &["0", "100", "101", "12.5", "\"30\""]),
            ("\"beta\"", &["\"alpha\""]),
            (",", &["", " , ", ",,"]),
        ];
        let mut g = Pick(0x2545_f491_4f6c_dd1d);
        let (mut loaded, mut changed) = (0, 0);
        for _ in 0..4000 {
            let (from, to) = SWAPS[g.below(SWAPS.len())];
            let at: Vec<usize> = BASE.match_indices(from).map(|(i, _)| i).collect();
            let i = at[g.below(at.len())];
            let text = format!("{}{}{}", &BASE[..i], g.one(to), &BASE[i + from.len()..]);
            let limits = Limits::default();
            let (one, _) = one_pass(&text, &limits);
            let two = ordinary_with(&text, &limits).map(|plan| format!("{plan:?}"));
            assert_eq!(one, two, "{text}");
            loaded += usize::from(one.is_some());
            changed += 1;
        }
        assert!(loaded > 600, "{loaded} of {changed} loaded");
    }
}
