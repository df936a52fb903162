//! The snapshot model (spec §1–§6): typed structs built from the JSON text by a [`json::Reader`]
//! (no JSON tree is built, except for variant values, metadata values and operands).
//!
//! This layer checks *shape*: required fields, JSON types, unknown fields (a typo must never silently
//! change who sees a feature). It reports every problem with its JSON path and keeps going, keeping
//! broken parts as `Invalid` placeholders so that positions (`rules[2]`) stay right for the later
//! layers: [`crate::validate`] checks meaning (references, percents, cycles, limits) and
//! [`crate::plan`] compiles operators and operands. Strings borrow from the JSON text where they can.

use crate::message::why;
use crate::error::{Path, Problems};
use crate::json::{self, Number, ParseError, ParseOptions, Peek, Reader, Value};
use std::borrow::Cow;

/// A string from the document, borrowed when it had no escapes.
pub type Str<'a> = Cow<'a, str>;

/// The whole document (spec §1).
#[derive(Clone, Debug, Default)]
pub struct Snapshot<'a> {
    /// Format version (1).
    pub schema: u64,
    /// Publish counter; clients refuse a lower one.
    pub version: u64,
    /// Free text shown in errors and tooling.
    pub environment: Option<Str<'a>>,
    /// RFC 3339 publish time.
    pub published_at: Option<Str<'a>>,
    /// Publisher's metadata (string, number or boolean values).
    pub metadata: Vec<(Str<'a>, Value<'a>)>,
    /// Segments in document order.
    pub segments: Vec<(Str<'a>, Segment<'a>)>,
    /// Flags in document order.
    pub flags: Vec<(Str<'a>, Flag<'a>)>,
}

/// A flag (spec §2).
#[derive(Clone, Debug, Default)]
pub struct Flag<'a> {
    /// Release documentation.
    pub description: Option<Str<'a>>,
    /// Owning team or person.
    pub owner: Option<Str<'a>>,
    /// Free tags.
    pub tags: Vec<Str<'a>>,
    /// Date or RFC 3339 after which tooling warns.
    pub expires: Option<Str<'a>>,
    /// Returned with every evaluation.
    pub metadata: Vec<(Str<'a>, Value<'a>)>,
    /// The kill switch (default true).
    pub enabled: bool,
    /// Variant key → value, in document order.
    pub variants: Vec<(Str<'a>, Value<'a>)>,
    /// Variant served when no rule applies.
    pub default: Option<Str<'a>>,
    /// Variant served when disabled or a prerequisite fails (default: `default`).
    pub off_variant: Option<Str<'a>>,
    /// Bucketing salt (default: the flag key).
    pub salt: Option<Str<'a>>,
    /// Prerequisites.
    pub requires: Vec<Prerequisite<'a>>,
    /// Rules; `None` when the field is absent.
    pub rules: Option<Vec<Rule<'a>>>,
    /// Extension: stripped from browser snapshots by `edgeflag build --audience browser`.
    pub server_only: bool,
}

/// A prerequisite: `flag` must evaluate to one of `variants`.
#[derive(Clone, Debug, Default)]
pub struct Prerequisite<'a> {
    /// The prerequisite flag's key.
    pub flag: Option<Str<'a>>,
    /// Acceptable variants.
    pub variants: Vec<Str<'a>>,
}

/// A rule (spec §3).
#[derive(Clone, Debug)]
pub struct Rule<'a> {
    /// Optional id, unique within the flag.
    pub id: Option<Str<'a>>,
    /// Condition; `None` means everyone.
    pub when: Option<Condition<'a>>,
    /// Start of the window (inclusive), RFC 3339.
    pub from: Option<Str<'a>>,
    /// End of the window (exclusive), RFC 3339.
    pub until: Option<Str<'a>>,
    /// What the rule serves.
    pub serve: Serve<'a>,
}

/// The four serve forms, or a broken one.
#[derive(Clone, Debug)]
pub enum Serve<'a> {
    /// `"serve": "on"`.
    Variant(Str<'a>),
    /// Weighted assignment.
    Split {
        /// Entries in order.
        split: Vec<SplitEntry<'a>>,
        /// Bucketing attribute (default `key`).
        by: Option<Str<'a>>,
    },
    /// Gradual release: the first `percent` of buckets get `variant`, the rest fall through.
    Percent {
        /// Variant served to those in.
        variant: Option<Str<'a>>,
        /// The percent as written.
        percent: Number<'a>,
        /// Bucketing attribute.
        by: Option<Str<'a>>,
    },
    /// Progressive release over time.
    Ramp {
        /// Variant served to those in.
        variant: Option<Str<'a>>,
        /// Steps in increasing time.
        ramp: Vec<RampStep<'a>>,
        /// Bucketing attribute.
        by: Option<Str<'a>>,
    },
    /// Shape problems were reported; the rule is not compiled.
    Invalid,
}

/// One entry of a split.
#[derive(Clone, Debug)]
pub struct SplitEntry<'a> {
    /// Variant key (`None` when missing or of the wrong type).
    pub variant: Option<Str<'a>>,
    /// Percent as written (`None` when missing or of the wrong type).
    pub percent: Option<Number<'a>>,
}

/// One ramp step.
#[derive(Clone, Debug)]
pub struct RampStep<'a> {
    /// When the step starts (RFC 3339).
    pub at: Option<Str<'a>>,
    /// Percent in force from then on.
    pub percent: Option<Number<'a>>,
}

/// A condition (spec §4).
#[derive(Clone, Debug)]
pub enum Condition<'a> {
    /// Every condition holds (empty: true).
    All(Vec<Condition<'a>>),
    /// At least one holds (empty: false).
    Any(Vec<Condition<'a>>),
    /// Negation.
    Not(Box<Condition<'a>>),
    /// Segment membership.
    Segment(Str<'a>),
    /// An operator on an attribute.
    Attr(AttrCondition<'a>),
    /// Shape problems were reported.
    Invalid,
}

/// `{ "attr", "op", "value" | "values", "ignoreCase" }`.
#[derive(Clone, Debug)]
pub struct AttrCondition<'a> {
    /// Dot path into the context.
    pub attr: Str<'a>,
    /// Operator name.
    pub op: Str<'a>,
    /// Single operand.
    pub value: Option<Value<'a>>,
    /// Operand list (any-of).
    pub values: Option<Vec<Value<'a>>>,
    /// Compare strings by their Unicode lower case.
    pub ignore_case: bool,
    /// The source text of the operand (`value` or `values`) when it is already compact JSON
    /// ([`json::is_compact`]): the plan copies it instead of writing the operand again. Only where the
    /// plan keeps operand texts ([`KEEPS_OPERANDS`]); else always `None`.
    pub compact: Option<&'a str>,
}

/// Whether the plan keeps each leaf's operand text (explain traces: native builds and the devtools wasm
/// build). Without it the reader does not look for [`AttrCondition::compact`] texts: in the runtime `.wasm`
/// that scan of every operand was work for nothing, run per condition in a load (and recompiled by V8's
/// optimising compiler in a cold start: docs/ARCHITECTURE.md, "Cold start").
pub(crate) const KEEPS_OPERANDS: bool = cfg!(any(not(target_arch = "wasm32"), feature = "explain"));

/// A segment (spec §6).
#[derive(Clone, Debug, Default)]
pub struct Segment<'a> {
    /// Documentation.
    pub description: Option<Str<'a>>,
    /// Keys always in.
    pub include: Vec<Str<'a>>,
    /// Keys out (unless included).
    pub exclude: Vec<Str<'a>>,
    /// Extension: hashed keys always in (16 lowercase hex digits).
    pub include_hashed: Vec<Str<'a>>,
    /// Extension: hashed keys out.
    pub exclude_hashed: Vec<Str<'a>>,
    /// Extension: salt for hashed lists (default: the segment key).
    pub hash_salt: Option<Str<'a>>,
    /// Rule for everyone else (absent: not in).
    pub when: Option<Condition<'a>>,
}

/// Builds the model straight from the JSON text (no tree: a [`Reader`] walks the text and the model
/// borrows its strings), reporting shape problems. `Ok(None)` only for an unknown `schema`, which is
/// reported alone (spec §9). A text that is not JSON, has a duplicate key or nests deeper than
/// `max_depth` gives the [`ParseError`] that [`json::parse_with`] reports for it, and nothing else.
pub(crate) fn build<'a>(text: &'a str, max_depth: usize, p: &mut Problems) -> Result<Option<Snapshot<'a>>, ParseError> {
    build_with(text, max_depth, p, &mut Keep)
}

/// Receives each flag as soon as it is read (see [`build_with`]).
pub(crate) trait FlagSink<'a> {
    /// Takes flag `key`, read up to byte `offset` of the text; `segments` are the segments read so far.
    /// Returns the flag when it is to be kept in the model's `flags` (taken out of `f`); what it leaves
    /// in `f` is recycled for the next flag ([`Spare`]).
    fn flag(&mut self, segments: &[(Str<'a>, Segment<'a>)], key: Str<'a>, f: &mut Flag<'a>, offset: usize, p: &mut Problems) -> Option<(Str<'a>, Flag<'a>)>;

    /// Reads flag `key` straight from `r` (at the flag's value) into what the sink builds, when it can:
    /// `true` when it did (`r` is past the value), `false` when the flag is to be read into its model and
    /// handed to [`FlagSink::flag`] (`r` is where it was). `segments`, `base`: as [`FlagSink::flag`]'s, and
    /// where `r`'s text starts in the whole text; `spare`: the lists of the flags read so far. By default it
    /// never does.
    fn direct(&mut self, r: &mut Reader<'a>, segments: &[(Str<'a>, Segment<'a>)], key: &Str<'a>, base: usize, spare: &mut Spare<'a>) -> bool {
        let _ = (r, segments, key, base, spare);
        false
    }
}

/// The sink that keeps every flag in the model.
struct Keep;

impl<'a> FlagSink<'a> for Keep {
    #[inline]
    fn flag(&mut self, _: &[(Str<'a>, Segment<'a>)], key: Str<'a>, f: &mut Flag<'a>, _: usize, _: &mut Problems) -> Option<(Str<'a>, Flag<'a>)> {
        Some((key, core::mem::take(f)))
    }
}

/// [`build`], handing each flag to `sink` as soon as it is read (the model keeps those the sink returns):
/// a loader can compile a flag and drop its model before the next one is read.
///
/// The sink is a trait object: one copy of the reader's code serves both loads (the wasm build's size).
pub(crate) fn build_with<'a>(text: &'a str, max_depth: usize, p: &mut Problems, sink: &mut dyn FlagSink<'a>) -> Result<Option<Snapshot<'a>>, ParseError> {
    let mut r = Reader::new(text, max_depth);
    let mut s = Snapshot::default();
    let mut unknown_schema = None;
    if r.object() {
        r.keys_checked();
        let (mut has_schema, mut has_version) = (false, false);
        let root = Path::Root;
        let mut seen = 0;
        while let Some(k) = r.next_key() {
            let path = root.key(key_text(&k));
            let i = member(&mut r, &k, &ROOT_FIELDS, &mut seen);
            match i {
                1 /* schema */ => {
                    has_schema = true;
                    match r.number() {
                        Some(n) => {
                            s.schema = integer_number(&n, &path, p).unwrap_or(1);
                            // An unknown schema is reported alone: nothing else can be judged against a
                            // format we don't know. (Moved, not cloned: no `Cow::clone` in the wasm build.)
                            if n.is_integer_literal() && n.as_u64() != Some(1) {
                                unknown_schema = Some(n);
                            }
                        }
                        None => {
                            type_error(r.peek(), "an integer", &path, p);
                            r.skip();
                        }
                    }
                }
                2 /* version */ => {
                    has_version = true;
                    s.version = integer(&mut r, &path, p).unwrap_or(0);
                }
                4 /* environment */ => s.environment = string(&mut r, &path, p),
                5 /* publishedAt */ => s.published_at = string(&mut r, &path, p),
                6 /* metadata */ => s.metadata = metadata(&mut r, &path, p),
                3 /* segments */ => {
                    if open_object(&mut r, &path, p) {
                        while let Some(key) = r.next_key() {
                            let seg = segment(&mut r, &path.key(key_text(&key)), p);
                            s.segments.push((key, seg));
                        }
                    }
                }
                0 /* flags */ => {
                    if open_object(&mut r, &path, p) {
                        // `flag` is called through a pointer the optimizers cannot see through: wasm-opt
                        // inlines a function called from one place, and inlined here the reading of every
                        // flag would run in this one long call, which a wasm engine that starts in baseline
                        // code never optimizes (no on-stack replacement); called, `flag` is optimized
                        // (tiered up) after its first few hundred calls.
                        let read_flag: FlagReader<'a> = std::hint::black_box(flag);
                        let mut spare = Spare::default();
                        while let Some(key) = r.next_key() {
                            // (a text with problems before its flags is loaded the ordinary way: no flag is read
                            // straight into the plan)
                            if p.list.is_empty() && sink.direct(&mut r, &s.segments, &key, 0, &mut spare) {
                                continue;
                            }
                            let mut f = read_flag(&mut r, &path.key(key_text(&key)), p, &mut spare);
                            if let Some(kept) = sink.flag(&s.segments, key, &mut f, r.offset(), p) {
                                s.flags.push(kept);
                            }
                            spare.recycle(f);
                        }
                    }
                }
                _ => unknown(&mut r, &path, p),
            }
        }
        if !has_schema {
            p.error("schema", "required field missing (write \"schema\": 1)");
        }
        if !has_version {
            p.error("version", "required field missing (an integer ≥ 0, raised on every publish)");
        }
    } else {
        p.error("(root)", why!("a snapshot must be a JSON object, not ", r.peek().type_name()));
        r.skip();
    }
    if !r.finish() {
        return Err(parse_error(text, max_depth));
    }
    if let Some(n) = unknown_schema {
        let mut alone = Problems::default();
        alone.error("schema", why!("unknown schema ", n.text(), ": this engine reads schema 1"));
        *p = alone;
        return Ok(None);
    }
    Ok(Some(s))
}

/// Where the members of the root object's `flags` object start in `text` (the position just after its
/// `{`), for a chunked load ([`crate::plan::Chunked`]), and whether a root member before it is `segments`
/// (its segments are compiled before the first flag; where the load is lean, `crate::LEAN_LOAD`, nothing
/// looks for them without: always `false` elsewhere, where they are looked for): `None` when the text
/// read so far does not reach it (it may be cut short) or has no such object. The root members before
/// `flags` are only skipped (the chunked load reads them again, with the rest of the document but the
/// flags).
/// Out of line in the speed build (`edgeflag_speed`, see `lib.rs`; run once per load): inlined, it made
/// the loader's step, run per chunk, long enough for V8 to recompile it around a process's tenth load.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
#[cfg_attr(edgeflag_speed, inline(never))]
pub(crate) fn flags_start(text: &str, max_depth: usize) -> Option<(usize, bool)> {
    let mut r = Reader::new(text, max_depth);
    if !r.object() {
        return None;
    }
    let mut segments = false;
    while let Some(k) = r.next_key() {
        if bytes(&k) == b"flags" {
            let at = r.offset();
            let at = crate::json::ws_end(text.as_bytes(), at);
            return (text.as_bytes().get(at) == Some(&b'{')).then_some((at + 1, segments));
        }
        segments |= crate::LEAN_LOAD && bytes(&k) == b"segments";
        r.skip();
    }
    None
}

/// What [`read_flags`] reached.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FlagsRead {
    /// The window ends before the `flags` object does: the flags up to this position of the window were
    /// read (and handed to the sink); the rest is to be read again with more text.
    More(usize),
    /// The `flags` object ends at this position of the window (just after its `}`).
    End(usize),
    /// A flag has a problem: the load is to be done the ordinary way.
    Failed,
}

/// Reads the flags of a window of a chunked load: `window` is `{` followed by members of the `flags`
/// object, from a member's key on (the text may end anywhere). Each complete flag goes to `sink`
/// (`base`: the window's position in the whole text), as [`build_with`] hands them. `max_depth` counts
/// from the window's `{` (the `flags` object's depth in the whole text).
///
/// `longest`: the most bytes a flag's value took so far (after its key; raised here). A flag after the
/// window's first followed by fewer bytes than that, and than `most`, is not read but left for the next
/// window (`More` just before it): read, it would likely be cut by the window's end, fail, and be read
/// again. `most` caps the bytes so left (half the window's allocation: with the next chunk they fit it);
/// 0 in the last window, which must read everything.
/// Out of line in the speed build (`edgeflag_speed`, see `lib.rs`): its loop over the flags is what grows
/// hot, and apart V8 recompiles the loop alone, not all of the loader's step (`edgeflag_loader_push`).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // the wasm loader's (and tests')
#[cfg_attr(edgeflag_speed, inline(never))]
pub(crate) fn read_flags<'a>(window: &'a str, max_depth: usize, base: usize, sink: &mut dyn FlagSink<'a>, longest: &mut usize, most: usize) -> FlagsRead {
    let mut r = Reader::new(window, max_depth);
    if !r.object() {
        return FlagsRead::More(0);
    }
    let root = Path::Root;
    let path = root.key("flags");
    let read_flag: FlagReader<'a> = std::hint::black_box(flag);
    let mut spare = Spare::default();
    let mut mark = 1;
    loop {
        match r.next_key() {
            Some(key) => {
                let start = r.offset();
                if mark > 1 && window.len().saturating_sub(start) < (*longest).min(most) {
                    return FlagsRead::More(mark);
                }
                if sink.direct(&mut r, &[], &key, base, &mut spare) {
                    *longest = (*longest).max(r.offset().saturating_sub(start));
                    mark = r.offset();
                    continue;
                }
                let mut p = Problems::default();
                let mut f = read_flag(&mut r, &path.key(key_text(&key)), &mut p, &mut spare);
                if r.failed() {
                    // Cut short by the window's end (or wrong: then it stays so with the whole text).
                    return FlagsRead::More(mark);
                }
                if !p.list.is_empty() {
                    return FlagsRead::Failed;
                }
                *longest = (*longest).max(r.offset().saturating_sub(start));
                let _ = sink.flag(&[], key, &mut f, base.saturating_add(r.offset()), &mut p);
                spare.recycle(f);
                if !p.list.is_empty() {
                    return FlagsRead::Failed;
                }
                mark = r.offset();
            }
            None if r.failed() => return FlagsRead::More(mark),
            None => return FlagsRead::End(r.offset()),
        }
    }
}

/// The exact error for a text the reader refused (see [`Reader`]). The runtime `.wasm`
/// ([`crate::message::LEAN`]) does not look for it: it reports the refusal at `(root)` with its fixed text,
/// and leaves the tree parser out (the diagnostics module gives the line, column and path).
#[cold]
fn parse_error(text: &str, max_depth: usize) -> ParseError {
    let parsed = if crate::message::LEAN { Ok(json::Value::Null) } else { json::parse_with(text, &ParseOptions { max_depth }) };
    match parsed {
        Err(e) => e,
        // The runtime `.wasm`; elsewhere unreachable: the reader refuses exactly what the parser refuses.
        // Should they ever disagree, the snapshot is still refused.
        Ok(_) => ParseError {
            offset: 0,
            line: 1,
            column: 1,
            path: json::ROOT_PATH.to_string(),
            kind: json::ParseErrorKind::UnexpectedEnd { expected: json::Expected::Value },
        },
    }
}

/// The fields of each object, for [`field`] (a `match` on the position it gives).
const ROOT_FIELDS: [&str; 7] = ["flags", "schema", "version", "segments", "environment", "publishedAt", "metadata"];
pub(crate) const FLAG_FIELDS: [&str; 13] = ["variants", "default", "rules", "enabled", "salt", "offVariant", "requires", "description", "owner", "tags", "expires", "metadata", "serverOnly"];
const PREREQUISITE_FIELDS: [&str; 2] = ["flag", "variants"];
pub(crate) const RULE_FIELDS: [&str; 5] = ["when", "serve", "id", "from", "until"];
const SERVE_FORMS: [&str; 4] = ["variant", "percent", "split", "ramp"];
pub(crate) const SERVE_FIELDS: [&str; 5] = ["variant", "percent", "by", "split", "ramp"];
const SPLIT_FIELDS: [&str; 2] = ["variant", "percent"];
const RAMP_FIELDS: [&str; 2] = ["at", "percent"];
pub(crate) const ATTR_FIELDS: [&str; 5] = ["attr", "op", "values", "value", "ignoreCase"];
const SEGMENT_FIELDS: [&str; 7] = ["description", "include", "exclude", "includeHashed", "excludeHashed", "hashSalt", "when"];

/// The position of key `k` in `names` (`names.len()` when it is not there). One small loop for every
/// object of the format: a `match` on byte strings compiles to a decision tree per object (code
/// size), one on `&str` to a comparison call per arm (time).
///
/// The loop compares lengths only, and calls [`crate::bytes::eq_out_of_line`] for a name of the key's length: with
/// `bytes::eq` inlined into it, the loop carried a dozen values worked out from the key before it
/// started, which the wasm build's baseline code (Liftoff) keeps in memory and reloads at each name.
#[inline(never)]
pub(crate) fn field(k: &[u8], names: &[&str]) -> usize {
    let mut i = 0;
    while let Some(n) = names.get(i) {
        if n.len() == k.len() && crate::bytes::eq_out_of_line(n.as_bytes(), k) {
            break;
        }
        i += 1;
    }
    i
}

// A key's text: [`json::text`] (not `Deref`, a call in the wasm build).
pub(crate) use crate::json::text as key_text;

/// Whether `a` is `b` (variant names), without the call to `Deref` that `a == b` makes in the wasm build,
/// and without a byte loop (`bytes::eq_short`: in baseline code a loop costs at each byte).
#[allow(clippy::ptr_arg)]
#[inline(never)]
pub(crate) fn same(a: &Str<'_>, b: &str) -> bool {
    crate::bytes::eq_out_of_line(key_text(a).as_bytes(), b.as_bytes())
}

/// The end of key `k`, at the end of a per-flag reader's loop: a borrowed key (every key but an escaped
/// one) needs nothing, and is not passed to `Cow`'s drop glue, a call per key in the wasm build.
#[inline(always)]
fn done(k: Str<'_>) {
    if matches!(k, Cow::Owned(_)) {
        drop_owned(k);
    } else {
        core::mem::forget(k);
    }
}

/// Drops an owned key ([`done`]), out of line.
#[cold]
#[inline(never)]
fn drop_owned(k: Str<'_>) {
    drop(k);
}

/// A key's bytes, for [`field`].
#[inline(always)]
fn bytes<'k>(k: &'k Str<'_>) -> &'k [u8] {
    key_text(k).as_bytes()
}

/// Reports an unknown field and reads past its value. (Cold and out of line, as `type_error` and
/// `wrong`: the readers that call them stay small enough to be inlined.)
#[cold]
#[inline(never)]
fn unknown(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) {
    p.error(path, "unknown field");
    // Not one of the object's fields: its keys are compared by the reader (see `found`).
    r.check_keys();
    r.skip();
}

/// Notes that the object being read has field `i` (`seen`: a bit per field found so far). The objects
/// of the format are read with [`Reader::keys_checked`]: two keys that are the same field are a
/// duplicate, two different fields are not, so the reader need not compare the keys when the object
/// closes; a field found twice (or a position past 31, or an unknown key, see `unknown`) has it
/// compare them, and refuse the text, as it does by default.
#[inline(always)]
fn found(r: &mut Reader<'_>, seen: &mut u32, i: usize) {
    let bit = 1u32.checked_shl(i as u32).unwrap_or(0);
    if *seen & bit != 0 || bit == 0 {
        r.check_keys();
    }
    *seen |= bit;
}

/// The position of key `k` in `names` ([`field`]), noted in `seen` ([`found`]). (One call in the wasm
/// build, for its size; inlined natively.)
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn member(r: &mut Reader<'_>, k: &Str<'_>, names: &[&str], seen: &mut u32) -> usize {
    let i = field(bytes(k), names);
    found(r, seen, i);
    i
}

/// Reports field `key` of the object at `path` missing (`message`, the problem's text), unless a problem
/// is reported there already (the field is there, of the wrong type). (Cold, out of line: the readers
/// that run per flag, rule and condition make one short call instead of building the field's path
/// themselves.)
#[cold]
#[inline(never)]
fn missing(path: &Path<'_>, key: &str, message: &'static str, p: &mut Problems) {
    let at = path.key(key);
    if !p.at(&at) {
        p.error(&at, message);
    }
}

/// [`open_object`] for an object whose keys are fields of the format, checked with [`found`].
fn open_fields(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) -> bool {
    let open = open_object(r, path, p);
    if open {
        r.keys_checked();
    }
    open
}

#[cold]
#[inline(never)]
fn type_error(found: Peek, want: &str, path: &Path<'_>, p: &mut Problems) {
    p.error(path, why!("expected ", want, ", found ", found.type_name()));
}

/// Reports that the next value is not `want` and reads past it.
#[cold]
#[inline(never)]
fn wrong(r: &mut Reader<'_>, want: &str, path: &Path<'_>, p: &mut Problems) {
    type_error(r.peek(), want, path, p);
    r.skip();
}

fn integer_number(n: &Number<'_>, path: &Path<'_>, p: &mut Problems) -> Option<u64> {
    if !n.is_integer_literal() {
        p.error(path, why!("must be an integer literal (no fraction or exponent), found ", n.text()));
        return None;
    }
    let x = n.as_u64();
    if x.is_none() {
        p.error(path, why!("must be an integer from 0 to 18446744073709551615, found ", n.text()));
    }
    x
}

fn integer(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) -> Option<u64> {
    match r.number() {
        Some(n) => integer_number(&n, path, p),
        None => {
            wrong(r, "an integer", path, p);
            None
        }
    }
}

fn string<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Option<Str<'a>> {
    let s = r.string();
    if s.is_none() {
        wrong(r, "a string", path, p);
    }
    s
}

fn boolean(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) -> Option<bool> {
    if r.peek() != Peek::Bool {
        wrong(r, "true or false", path, p);
        return None;
    }
    r.boolean()
}

fn number<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Option<Number<'a>> {
    let n = r.number();
    if n.is_none() {
        wrong(r, "a number", path, p);
    }
    n
}

/// Enters an object (then read it with `next_key`), or reports a value of another type and reads
/// past it.
fn open_object(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) -> bool {
    if r.peek() == Peek::Object {
        r.object()
    } else {
        wrong(r, "an object", path, p);
        false
    }
}

/// Enters an array (then read it with `next_element`), or reports a value of another type.
fn open_array(r: &mut Reader<'_>, path: &Path<'_>, p: &mut Problems) -> bool {
    if r.peek() == Peek::Array {
        r.array()
    } else {
        wrong(r, "an array", path, p);
        false
    }
}

/// An object's members with their values as trees (variants).
fn members<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, out: &mut Vec<(Str<'a>, Value<'a>)>) {
    if open_object(r, path, p) {
        while let Some(k) = r.next_key() {
            let v = r.value();
            out.push((k, v));
        }
    }
}

fn strings<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<Str<'a>> {
    let mut out = Vec::new();
    if open_array(r, path, p) {
        let mut i = 0;
        while r.next_element() {
            if let Some(s) = string(r, &path.index(i), p) {
                out.push(s);
            }
            i += 1;
        }
    }
    out
}

fn metadata<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<(Str<'a>, Value<'a>)> {
    let mut out = Vec::new();
    if open_object(r, path, p) {
        while let Some(k) = r.next_key() {
            match r.peek() {
                Peek::String | Peek::Number | Peek::Bool => {
                    let v = r.value();
                    out.push((k, v));
                }
                _ => wrong(r, "a string, number or boolean", &path.key(key_text(&k)), p),
            }
        }
    }
    out
}

/// The type of [`flag`].
type FlagReader<'a> = for<'r, 'x, 'y, 's> fn(&'r mut Reader<'a>, &'x Path<'y>, &mut Problems, &'s mut Spare<'a>) -> Flag<'a>;

/// Lists a load reuses from one flag to the next: a flag's model is dropped once it is compiled, and
/// the allocations of its lists (rules, variants, `all`/`any` items, operands) serve the next flag's
/// (S3: four allocations a flag fewer). Each stack keeps at most [`Spare::KEEP`] lists.
#[derive(Default)]
pub(crate) struct Spare<'a> {
    rules: Vec<Vec<Rule<'a>>>,
    pairs: Vec<Vec<(Str<'a>, Value<'a>)>>,
    items: Vec<Vec<Condition<'a>>>,
    operands: Vec<Vec<Value<'a>>>,
}

impl<'a> Spare<'a> {
    /// Lists kept per stack.
    const KEEP: usize = 16;

    /// An empty list, with room from an earlier flag when there is one.
    fn take<T>(stack: &mut Vec<Vec<T>>) -> Vec<T> {
        stack.pop().unwrap_or_default()
    }

    /// Empties `v` and keeps it (its allocation) for a later list.
    fn keep<T>(stack: &mut Vec<Vec<T>>, mut v: Vec<T>) {
        if v.capacity() > 0 && stack.len() < Self::KEEP {
            v.clear();
            stack.push(v);
        }
    }

    /// A list for a condition's operands ([`crate::json::Reader::array_into`]), with room from an earlier one
    /// when there is one.
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    pub(crate) fn operands(&mut self) -> Vec<Value<'a>> {
        Self::take(&mut self.operands)
    }

    /// Keeps a list of operands for a later condition (emptied).
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    pub(crate) fn keep_operands(&mut self, v: Vec<Value<'a>>) {
        Self::keep(&mut self.operands, v);
    }

    /// Takes the lists of a flag's model that was read with this pool, dropping the rest.
    #[inline(never)]
    pub(crate) fn recycle(&mut self, mut f: Flag<'a>) {
        f.variants.clear();
        Self::keep(&mut self.pairs, core::mem::take(&mut f.variants));
        if let Some(mut rules) = f.rules.take() {
            for r in &mut rules {
                if let Some(c) = &mut r.when {
                    self.condition(c);
                }
            }
            // (the lists taken out, the rest is dropped by the ordinary drop glue: no new copy of it)
            rules.clear();
            Self::keep(&mut self.rules, rules);
        }
    }

    /// Takes the lists out of a condition tree (recursive, as its drop is: the tree was read within the
    /// nesting limit).
    fn condition(&mut self, c: &mut Condition<'a>) {
        match c {
            Condition::All(items) | Condition::Any(items) => {
                for c in items.iter_mut() {
                    self.condition(c);
                }
                // (`keep` empties the list: no `clear` of its own here)
                Self::keep(&mut self.items, core::mem::take(items));
            }
            Condition::Not(c) => self.condition(c),
            Condition::Attr(a) => {
                if let Some(v) = a.values.take() {
                    Self::keep(&mut self.operands, v);
                }
            }
            Condition::Segment(_) | Condition::Invalid => {}
        }
    }
}

// (natively and in the wasm speed build, `edgeflag_speed`: the size build keeps the plain drop glue, 272 B of
// gzip smaller, for a drop that a browser's page runs once or twice)
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
impl Drop for Spare<'_> {
    /// Frees the kept lists. Invariant: they are empty ([`Spare::keep`] empties each), so this drop needs
    /// none of their elements' drop code, which the fields' own drop glue would carry (the drops of rules,
    /// conditions and values: 2.1 KB of the speed build's wasm, run once per load, that V8 recompiled
    /// with its optimising compiler around a process's 18th load, ~2 ms of CPU for nothing). Inlined into
    /// the drop glue, so that the compiler sees the stacks emptied when the fields' own drops follow.
    #[inline(always)]
    fn drop(&mut self) {
        free_emptied(&mut self.rules);
        free_emptied(&mut self.pairs);
        free_emptied(&mut self.items);
        free_emptied(&mut self.operands);
    }
}

/// Frees a stack of emptied lists, leaving it empty (so that its own drop has no element to drop). A list
/// with elements, which [`Spare::keep`] never leaves, is dropped out of line by [`drop_filled`].
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[inline(always)]
fn free_emptied<T>(stack: &mut Vec<Vec<T>>) {
    while let Some(v) = stack.pop() {
        if v.is_empty() {
            // (its length known to be 0 here: only the allocation is freed)
            drop(v);
        } else {
            drop_filled(v);
        }
    }
}

/// The ordinary drop of a list with elements (see [`free_emptied`]), or with memory (`plan::drop_list`), out of
/// line.
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[cold]
#[inline(never)]
pub(crate) fn drop_filled<T>(v: Vec<T>) {
    drop(v);
}

// Not inlined: called once per item, it is optimised early by wasm engines that start in baseline code
// (one huge loader function would run a whole first load unoptimised).
#[inline(never)]
fn flag<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, spare: &mut Spare<'a>) -> Flag<'a> {
    let mut f = Flag { enabled: true, ..Flag::default() };
    let (mut has_variants, mut has_default) = (false, false);
    if !open_fields(r, path, p) {
        return f;
    }
    let mut seen = 0;
    while let Some(k) = r.next_key() {
        let fp = path.key(key_text(&k));
        let i = member(r, &k, &FLAG_FIELDS, &mut seen);
        match i {
            3 /* enabled */ => f.enabled = boolean(r, &fp, p).unwrap_or(true),
            0 /* variants */ => {
                has_variants = true;
                f.variants = Spare::take(&mut spare.pairs);
                members(r, &fp, p, &mut f.variants);
            }
            1 /* default */ => {
                has_default = true;
                f.default = string(r, &fp, p);
            }
            5 /* offVariant */ => f.off_variant = string(r, &fp, p),
            2 /* rules */ => {
                let mut rules = Spare::take(&mut spare.rules);
                if open_array(r, &fp, p) {
                    let mut i = 0;
                    while r.next_element() {
                        rules.push(rule(r, &fp.index(i), p, spare));
                        i += 1;
                    }
                }
                f.rules = Some(rules);
            }
            _ => flag_field(r, i, &fp, p, &mut f),
        }
        done(k);
    }
    if !has_variants {
        missing(path, "variants", "required field missing (a map of variant key to value)", p);
    }
    if !has_default {
        missing(path, "default", "required field missing (the variant served when no rule applies)", p);
    }
    f
}

/// Reads field `i` (a position in [`FLAG_FIELDS`]) of a flag other than those [`flag`] reads itself,
/// or reports an unknown one (cold: the rarer fields, out of line, keep `flag` short).
#[cold]
#[inline(never)]
fn flag_field<'a>(r: &mut Reader<'a>, i: usize, fp: &Path<'_>, p: &mut Problems, f: &mut Flag<'a>) {
    match i {
        7 /* description */ => f.description = string(r, fp, p),
        8 /* owner */ => f.owner = string(r, fp, p),
        9 /* tags */ => f.tags = strings(r, fp, p),
        10 /* expires */ => f.expires = string(r, fp, p),
        11 /* metadata */ => f.metadata = metadata(r, fp, p),
        4 /* salt */ => f.salt = string(r, fp, p),
        6 /* requires */ => {
            if open_array(r, fp, p) {
                let mut i = 0;
                while r.next_element() {
                    f.requires.push(prerequisite(r, &fp.index(i), p));
                    i += 1;
                }
            }
        }
        12 /* serverOnly */ => f.server_only = boolean(r, fp, p).unwrap_or(false),
        _ => unknown(r, fp, p),
    }
}

#[inline(never)] // see `flag`
fn prerequisite<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Prerequisite<'a> {
    let mut q = Prerequisite::default();
    let mut has_variants = false;
    if !open_fields(r, path, p) {
        return q;
    }
    let mut seen = 0;
    while let Some(k) = r.next_key() {
        let fp = path.key(key_text(&k));
        let i = member(r, &k, &PREREQUISITE_FIELDS, &mut seen);
        match i {
            0 /* flag */ => q.flag = string(r, &fp, p),
            1 /* variants */ => {
                has_variants = true;
                q.variants = strings(r, &fp, p);
            }
            _ => unknown(r, &fp, p),
        }
    }
    if q.flag.is_none() && !p.at(&path.key("flag")) {
        p.error(&path.key("flag"), "required field missing (the prerequisite flag's key)");
    }
    if !has_variants {
        p.error(&path.key("variants"), "required field missing (the variants the prerequisite must evaluate to)");
    }
    q
}

#[inline(never)] // see `flag`
fn rule<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, spare: &mut Spare<'a>) -> Rule<'a> {
    let mut out = Rule { id: None, when: None, from: None, until: None, serve: Serve::Invalid };
    let mut has_serve = false;
    if !open_fields(r, path, p) {
        return out;
    }
    let mut seen = 0;
    while let Some(k) = r.next_key() {
        let fp = path.key(key_text(&k));
        let i = member(r, &k, &RULE_FIELDS, &mut seen);
        match i {
            2 /* id */ => out.id = string(r, &fp, p),
            0 /* when */ => out.when = Some(condition(r, &fp, p, spare)),
            3 /* from */ => out.from = string(r, &fp, p),
            4 /* until */ => out.until = string(r, &fp, p),
            1 /* serve */ => {
                has_serve = true;
                out.serve = serve(r, &fp, p);
            }
            _ => unknown(r, &fp, p),
        }
        done(k);
    }
    if !has_serve {
        missing(path, "serve", "required field missing (a variant key, or a split, percent or ramp)", p);
    }
    out
}

/// The entries of a `split` or the steps of a `ramp`: objects of two required fields, a string and a
/// number (`variant`/`percent`, `at`/`percent`, named by `fields`), which `parts` gives of an entry.
fn entries<'a, T>(
    r: &mut Reader<'a>,
    path: &Path<'_>,
    p: &mut Problems,
    fields: [&str; 2],
    empty: impl Fn() -> T,
    parts: impl Fn(&mut T) -> (&mut Option<Str<'a>>, &mut Option<Number<'a>>),
) -> Vec<T> {
    let mut out = Vec::new();
    if !open_array(r, path, p) {
        return out;
    }
    let mut i = 0;
    while r.next_element() {
        let ep = path.index(i);
        i += 1;
        let mut entry = empty();
        if !open_fields(r, &ep, p) {
            out.push(entry);
            continue;
        }
        let mut has = [false; 2];
        let mut seen = 0;
        while let Some(k) = r.next_key() {
            let kp = ep.key(key_text(&k));
            let j = field(bytes(&k), &fields);
            let (text, number_field) = parts(&mut entry);
            match j {
                0 => *text = string(r, &kp, p),
                1 => *number_field = number(r, &kp, p),
                _ => {
                    unknown(r, &kp, p);
                    continue;
                }
            }
            found(r, &mut seen, j);
            if let Some(h) = has.get_mut(j) {
                *h = true;
            }
        }
        for (i, name) in fields.iter().enumerate() {
            if !has.get(i).copied().unwrap_or(true) {
                p.error(&ep.key(name), "required field missing");
            }
        }
        out.push(entry);
    }
    out
}

#[inline(never)] // see `flag`
fn serve<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Serve<'a> {
    match r.peek() {
        Peek::String => return r.string().map_or(Serve::Invalid, Serve::Variant),
        Peek::Object => {}
        _ => {
            wrong(r, "a variant key or an object", path, p);
            return Serve::Invalid;
        }
    }
    // One pass, taking it for a `percent` or `ramp` serve (the usual forms): its keys are learnt as it
    // is read. Should it be another form, or none, or several, it is read again from its start, its
    // keys looked at first, and any problems found in the first pass taken back: the same problems as
    // that way from the start. (A text that is not JSON fails the reader, and the load, either way.)
    let (start, before) = (r.offset(), p.list.len());
    let mut forms = [false; 3];
    let s = serve_object(r, path, p, false, &mut forms);
    if r.failed() || matches!(forms, [false, true, false] | [false, false, true]) {
        return s;
    }
    serve_again(r, path, p, start, before)
}

/// Reads again, from its start (`start`, the problems back to `before`), a serve object that is not of
/// the `percent` or `ramp` form: a split, or one of no form or several (cold, out of line: `serve` stays
/// short).
#[cold]
#[inline(never)]
fn serve_again<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, start: usize, before: usize) -> Serve<'a> {
    r.rewind(start);
    p.truncate(before);
    let present = keys_present(r, &SERVE_FORMS);
    let (has_variant, has_percent, is_split, is_ramp) = (present & 1 != 0, present & 2 != 0, present & 4 != 0, present & 8 != 0);
    let forms = usize::from(is_split) + usize::from(has_percent) + usize::from(is_ramp);
    if forms == 0 {
        if has_variant {
            p.error(path, "a serve object with only \"variant\" is not allowed: write \"serve\": \"<variant>\", or add \"percent\" or \"ramp\"");
        } else {
            p.error(path, "a serve object needs \"split\", \"percent\" or \"ramp\"");
        }
        if r.object() {
            while let Some(k) = r.next_key() {
                if !matches!(field(bytes(&k), &SERVE_FIELDS), 0 | 2) { // variant, by
                    p.error(&path.key(key_text(&k)), "unknown field");
                }
                r.skip();
            }
        }
        return Serve::Invalid;
    }
    if forms > 1 {
        p.error(path, "a serve object takes only one of \"split\", \"percent\" and \"ramp\"");
        r.skip();
        return Serve::Invalid;
    }
    serve_object(r, path, p, is_split, &mut [false; 3])
}

/// Reads a serve object of one of the forms (`is_split`: a split, else a percent or a ramp), noting in
/// `forms` whether it has `split`, `percent`, `ramp`.
fn serve_object<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, is_split: bool, forms: &mut [bool; 3]) -> Serve<'a> {
    let (mut variant, mut by, mut percent, mut split, mut ramp) = (None, None, None, Vec::new(), Vec::new());
    let mut broken = false;
    if r.object() {
        r.keys_checked();
        let mut seen = 0;
        while let Some(k) = r.next_key() {
            let fp = path.key(key_text(&k));
            let i = member(r, &k, &SERVE_FIELDS, &mut seen);
            forms[0] |= i == 3;
            forms[1] |= i == 1;
            forms[2] |= i == 4;
            match i {
                2 /* by */ => by = string(r, &fp, p),
                0 /* variant */ if !is_split => variant = string(r, &fp, p),
                1 /* percent */ => {
                    percent = number(r, &fp, p);
                    broken |= percent.is_none();
                }
                _ => serve_field(r, i, &fp, p, &mut split, &mut ramp),
            }
            done(k);
        }
    }
    if is_split {
        Serve::Split { split, by }
    } else {
        if variant.is_none() {
            missing(path, "variant", "required field missing (the variant served to units in the rollout)", p);
        }
        if forms[2] {
            Serve::Ramp { variant, ramp, by }
        } else {
            match percent {
                Some(percent) if !broken => Serve::Percent { variant, percent, by },
                _ => Serve::Invalid,
            }
        }
    }
}

/// Reads field `i` (a position in [`SERVE_FIELDS`]) of a serve object other than those
/// [`serve_object`] reads itself, `split` or `ramp`, or reports an unknown one (cold, out of line:
/// `serve_object` reads a percent serve in short code).
#[cold]
#[inline(never)]
fn serve_field<'a>(r: &mut Reader<'a>, i: usize, fp: &Path<'_>, p: &mut Problems, split: &mut Vec<SplitEntry<'a>>, ramp: &mut Vec<RampStep<'a>>) {
    match i {
        3 /* split */ => *split = entries(r, fp, p, SPLIT_FIELDS, || SplitEntry { variant: None, percent: None }, |e| (&mut e.variant, &mut e.percent)),
        4 /* ramp */ => *ramp = entries(r, fp, p, RAMP_FIELDS, || RampStep { at: None, percent: None }, |e| (&mut e.at, &mut e.percent)),
        _ => unknown(r, fp, p),
    }
}

/// The keys that make a condition's shape; a condition has exactly one.
const SHAPES: [&str; 5] = ["all", "any", "not", "segment", "attr"];

/// Positions in [`SHAPES`].
pub(crate) const ALL: usize = 0;
pub(crate) const ANY: usize = 1;
const NOT: usize = 2;
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
pub(crate) const SEGMENT: usize = 3;
pub(crate) const ATTR: usize = 4;

/// The position of `k` in [`SHAPES`].
pub(crate) fn shape_of(k: &[u8]) -> Option<usize> {
    let i = field(k, &SHAPES);
    (i < SHAPES.len()).then_some(i)
}

/// Parses a condition; `path` is its JSON path.
fn condition<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, spare: &mut Spare<'a>) -> Condition<'a> {
    if r.peek() != Peek::Object {
        wrong(r, "a condition object", path, p);
        return Condition::Invalid;
    }
    // The shape: the first key when it is one (the usual case, read in one pass; a second shape key
    // found on the way makes the condition invalid after all), else see `condition_unshaped`.
    let Some(shape) = r.first_key().and_then(shape_of) else {
        return condition_unshaped(r, path, p, spare);
    };
    // Problems inside are taken back when the shape turns out wrong: a condition of two shapes is
    // reported alone. (Written straight into `p`, not into a list of their own moved over after: a
    // load reads thousands of conditions, nearly all without problems.)
    let before = p.list.len();
    let mut present = [false; 5];
    let c = condition_body(r, shape, path, p, &mut present, spare);
    if shapes(present) > 1 {
        p.truncate(before);
        shape_error(present, path, p);
        return Condition::Invalid;
    }
    c
}

/// How many shape keys `present` marks. (The five added: `filter(..).count()` is a fold of its own in
/// the wasm build.)
#[inline(always)]
fn shapes(present: [bool; 5]) -> u8 {
    u8::from(present[0]) + u8::from(present[1]) + u8::from(present[2]) + u8::from(present[3]) + u8::from(present[4])
}

/// A condition whose first key is not a shape key, read in one pass as an attribute condition (the only
/// shape whose other fields may come first: `{"op": .., "attr": ..}`), fields in any order. Reading it
/// marks every shape key it has: one of no shape or several is reported alone, the problems found inside
/// taken back; one of another shape is read again from its start as that shape, the problems of the
/// first pass taken back: the same problems as a look ahead at its keys would give. (Out of line:
/// `condition` stays short.)
#[inline(never)]
fn condition_unshaped<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, spare: &mut Spare<'a>) -> Condition<'a> {
    let (start, before) = (r.offset(), p.list.len());
    let mut present = [false; 5];
    let c = condition_body(r, ATTR, path, p, &mut present, spare);
    if present[ATTR] && shapes(present) == 1 {
        return c;
    }
    p.truncate(before);
    if shapes(present) != 1 {
        shape_error(present, path, p);
        return Condition::Invalid;
    }
    r.rewind(start);
    // (a plain loop: iterator adaptors are code of their own in the wasm build)
    let mut shape = 0;
    while present.get(shape) == Some(&false) {
        shape += 1;
    }
    condition_body(r, shape, path, p, &mut present, spare)
}

/// Which of `names` (at most 32) the next object has as keys, as bits (bit `i`: `names[i]`), from a look ahead
/// ([`Reader::scan_keys`]).
fn keys_present(r: &Reader<'_>, names: &[&str]) -> u32 {
    let mut bits = 0u32;
    r.scan_keys(|k| {
        let i = field(k.as_bytes(), names);
        if i < names.len() {
            bits |= 1u32.checked_shl(i as u32).unwrap_or(0);
        }
    });
    bits
}

/// Reports a condition with no shape key, or several (`present`: which of [`SHAPES`]). (Cold.)
#[cold]
#[inline(never)]
fn shape_error(present: [bool; 5], path: &Path<'_>, p: &mut Problems) {
    // (the message built inside `why!`: a build without messages, `message::LEAN`, lists nothing)
    p.error(path, why!(&shape_message(present)));
}

/// [`shape_error`]'s message: the shape keys `present` marks.
fn shape_message(present: [bool; 5]) -> String {
    let mut found: Vec<&str> = Vec::new();
    let mut i = 0;
    while let (Some(&here), Some(s)) = (present.get(i), SHAPES.get(i)) {
        if here {
            found.push(s);
        }
        i += 1;
    }
    if found.is_empty() {
        String::from("a condition needs exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"")
    } else {
        crate::message::msg!("a condition takes exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"; found ", &crate::message::join(&found, ", "))
    }
}

/// Marks `shape` (a position in [`SHAPES`], if any) in `present`.
#[inline(always)]
fn mark(present: &mut [bool; 5], shape: Option<usize>) {
    if let Some(x) = shape.and_then(|i| present.get_mut(i)) {
        *x = true;
    }
}

/// Reads a condition object of shape `shape` (a position in [`SHAPES`]), marking in `present` the shape keys it has.
fn condition_body<'a>(r: &mut Reader<'a>, shape: usize, path: &Path<'_>, p: &mut Problems, present: &mut [bool; 5], spare: &mut Spare<'a>) -> Condition<'a> {
    if !r.object() {
        return Condition::Invalid;
    }
    r.keys_checked();
    if shape == ATTR {
        attr_body(r, path, p, present, spare)
    } else {
        group_body(r, shape, path, p, present, spare)
    }
}

/// The fields of an `attr` condition (the reader inside its object), as [`condition_body`]. (Out of line,
/// as [`group_body`]: each is short.)
#[inline(never)]
fn attr_body<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, present: &mut [bool; 5], spare: &mut Spare<'a>) -> Condition<'a> {
    let mut seen = 0;
    let mut c = AttrCondition { attr: Cow::Borrowed(""), op: Cow::Borrowed(""), value: None, values: None, ignore_case: false, compact: None };
    let (mut ok, mut has_op) = (true, false);
    while let Some(k) = r.next_key() {
        let i = member(r, &k, &ATTR_FIELDS, &mut seen);
        // Of the attribute fields only `attr` is a shape key; other keys may be.
        mark(present, match i {
            0 => Some(ATTR),
            1..=4 => None,
            _ => shape_of(bytes(&k)),
        });
        let fp = path.key(key_text(&k));
        match i {
            0 /* attr */ => match string(r, &fp, p) {
                Some(s) => c.attr = s,
                None => ok = false,
            },
            1 /* op */ => {
                has_op = true;
                match string(r, &fp, p) {
                    Some(s) => c.op = s,
                    None => ok = false,
                }
            }
            3 /* value */ => {
                let start = r.offset();
                c.value = Some(r.value());
                if KEEPS_OPERANDS {
                    c.compact = Some(r.since(start)).filter(|t| json::is_compact(t));
                }
            }
            2 /* values */ => {
                let start = r.offset();
                let mut a = Spare::take(&mut spare.operands);
                if r.array_into(&mut a) {
                    c.values = Some(a);
                    if KEEPS_OPERANDS {
                        c.compact = Some(r.since(start)).filter(|t| json::is_compact(t));
                    }
                } else {
                    // Not an array (`array_into` read nothing), or not JSON: the reader has failed, and the
                    // load with it, whatever is reported here.
                    wrong(r, "an array of operands", &fp, p);
                    ok = false;
                }
            }
            4 /* ignoreCase */ => c.ignore_case = boolean(r, &fp, p).unwrap_or(false),
            _ => unknown(r, &fp, p),
        }
        done(k);
    }
    if !has_op {
        missing(path, "op", "required field missing (the operator)", p);
        ok = false;
    }
    if ok { Condition::Attr(c) } else { Condition::Invalid }
}

/// The field of an `all`, `any`, `not` or `segment` condition (`shape`), as [`condition_body`].
#[inline(never)]
fn group_body<'a>(r: &mut Reader<'a>, shape: usize, path: &Path<'_>, p: &mut Problems, present: &mut [bool; 5], spare: &mut Spare<'a>) -> Condition<'a> {
    let mut seen = 0;
    let mut out = Condition::Invalid;
    while let Some(k) = r.next_key() {
        let this = shape_of(bytes(&k));
        mark(present, this);
        let fp = path.key(key_text(&k));
        if this != Some(shape) {
            unknown(r, &fp, p);
            continue;
        }
        found(r, &mut seen, shape);
        out = match shape {
            ALL | ANY => {
                let mut items = Spare::take(&mut spare.items);
                if open_array(r, &fp, p) {
                    let mut i = 0;
                    while r.next_element() {
                        items.push(condition(r, &fp.index(i), p, spare));
                        i += 1;
                    }
                }
                if shape == ALL {
                    Condition::All(items)
                } else {
                    Condition::Any(items)
                }
            }
            NOT => Condition::Not(Box::new(condition(r, &fp, p, spare))),
            _ => match string(r, &fp, p) {
                Some(s) => Condition::Segment(s),
                None => Condition::Invalid,
            },
        };
    }
    out
}

#[inline(never)] // see `flag`
fn segment<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems) -> Segment<'a> {
    let mut s = Segment::default();
    if !open_fields(r, path, p) {
        return s;
    }
    let mut seen = 0;
    while let Some(k) = r.next_key() {
        let fp = path.key(key_text(&k));
        let i = member(r, &k, &SEGMENT_FIELDS, &mut seen);
        match i {
            0 /* description */ => s.description = string(r, &fp, p),
            1 /* include */ => s.include = strings(r, &fp, p),
            2 /* exclude */ => s.exclude = strings(r, &fp, p),
            3 /* includeHashed */ => s.include_hashed = strings(r, &fp, p),
            4 /* excludeHashed */ => s.exclude_hashed = strings(r, &fp, p),
            5 /* hashSalt */ => s.hash_salt = string(r, &fp, p),
            6 /* when */ => s.when = Some(condition(r, &fp, p, &mut Spare::default())),
            _ => unknown(r, &fp, p),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_text(t: &str) -> (Option<Snapshot<'_>>, Vec<String>) {
        let mut p = Problems::default();
        let s = build(t, json::DEFAULT_MAX_DEPTH, &mut p).unwrap();
        (s, p.list.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn field_finds_each_name_at_its_position() {
        let tables: [&[&str]; 11] = [
            &ROOT_FIELDS, &FLAG_FIELDS, &PREREQUISITE_FIELDS, &RULE_FIELDS, &SERVE_FORMS, &SERVE_FIELDS,
            &SPLIT_FIELDS, &RAMP_FIELDS, &ATTR_FIELDS, &SEGMENT_FIELDS, &SHAPES,
        ];
        for names in tables {
            for (i, n) in names.iter().enumerate() {
                assert_eq!(field(n.as_bytes(), names), i, "{n}");
                // Near misses are not fields.
                assert_eq!(field(&n.as_bytes()[1..], names), names.len(), "{n}");
                assert_eq!(field(format!("{n}s").as_bytes(), names), names.iter().position(|m| *m == format!("{n}s")).unwrap_or(names.len()));
            }
        }
        assert_eq!(field(b"", &FLAG_FIELDS), FLAG_FIELDS.len());
        assert_eq!(shape_of(b"segment"), Some(3));
        assert_eq!(shape_of(b"Attr"), None);
    }

    /// A snapshot with every object of the format, for the tests below.
    const EVERY_OBJECT: &str = r#"{"schema":1,"version":1,"segments":{"s":{"include":["u"],"when":{"attr":"b","op":"eq","value":1}}},"flags":{"f":{"variants":{"on":true,"off":false},"default":"off","requires":[{"flag":"g","variants":["on"]}],"rules":[{"id":"r","when":{"all":[{"attr":"a","op":"in","values":["x","y"]},{"not":{"segment":"s"}}]},"serve":{"variant":"on","percent":30,"by":"key"}},{"serve":{"split":[{"variant":"on","percent":50},{"variant":"off","percent":50}]}},{"serve":{"variant":"on","ramp":[{"at":"2026-01-01T00:00:00Z","percent":10}]}}]},"g":{"variants":{"on":true},"default":"on"}}}"#;

    #[test]
    fn duplicate_fields_are_refused_without_comparing_keys() {
        // The objects of the format are read with `Reader::keys_checked`: a field written twice (also
        // through an escape), or an unknown key written twice, must still be refused as a duplicate key,
        // in every kind of object; distinct unknown keys are problems, not parse errors.
        let (ok, p) = build_text(EVERY_OBJECT);
        assert!(ok.is_some() && p.is_empty(), "{p:?}");
        let twice = [
            (r#""version":1"#, r#""version":1,"version":2"#),
            (r#""default":"off""#, r#""default":"off","default":"on""#),
            (r#""default":"off""#, r#""default":"off","\u0064efault":"on""#),
            (r#""default":"off""#, r#""colour":1,"default":"off","colour":2"#),
            (r#""flag":"g""#, r#""flag":"g","flag":"g""#),
            (r#""id":"r""#, r#""id":"r","id":"q""#),
            (r#""by":"key""#, r#""by":"key","by":"key""#),
            (r#""percent":30"#, r#""percent":30,"percent":30"#),
            (r#""values":["x","y"]"#, r#""values":["x","y"],"values":["z"]"#),
            (r#""op":"in""#, r#""op":"in","op":"in""#),
            (r#""segment":"s""#, r#""segment":"s","segment":"s""#),
            (r#"{"variant":"on","percent":50}"#, r#"{"variant":"on","percent":50,"percent":50}"#),
            (r#""at":"2026-01-01T00:00:00Z""#, r#""at":"2026-01-01T00:00:00Z","at":"2026-01-01T00:00:00Z""#),
            (r#""include":["u"]"#, r#""include":["u"],"include":[]"#),
            (r#""on":true,"off":false"#, r#""on":true,"off":false,"on":true"#),
        ];
        for (from, to) in twice {
            let t = EVERY_OBJECT.replacen(from, to, 1);
            assert_ne!(t, EVERY_OBJECT, "{from}");
            let mut p = Problems::default();
            match build(&t, json::DEFAULT_MAX_DEPTH, &mut p) {
                Err(e) => assert!(matches!(e.kind, json::ParseErrorKind::DuplicateKey(_)), "{to}: {e}"),
                Ok(_) => panic!("accepted a duplicate key: {to}"),
            }
        }
        let t = EVERY_OBJECT.replacen(r#""default":"off""#, r#""colour":1,"default":"off","color":2"#, 1);
        let (s, p) = build_text(&t);
        assert!(s.is_some());
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn renamed_keys_are_refused_exactly_when_the_parser_refuses_them() {
        // Every key of the snapshot renamed to every name it uses (making duplicates in every kind of
        // object, fields and unknown keys alike): the reader refuses the text exactly when the parser does.
        let text = EVERY_OBJECT;
        let mut keys = Vec::new();
        let b = text.as_bytes();
        for (i, w) in b.windows(2).enumerate() {
            if w == b"\":" {
                let start = text[..i].rfind('"').unwrap() + 1;
                keys.push((start, i));
            }
        }
        let mut names: Vec<&str> = keys.iter().map(|&(a, z)| &text[a..z]).collect();
        names.sort_unstable();
        names.dedup();
        assert!(keys.len() > 40 && names.len() > 25, "{} {}", keys.len(), names.len());
        let mut refused = 0;
        for &(a, z) in &keys {
            for name in &names {
                let t = format!("{}{}{}", &text[..a], name, &text[z..]);
                let parser = json::parse(&t).is_err();
                let mut p = Problems::default();
                let reader = build(&t, json::DEFAULT_MAX_DEPTH, &mut p).is_err();
                assert_eq!(reader, parser, "{t}");
                refused += usize::from(parser);
            }
        }
        assert!(refused > 40, "{refused}");
    }

    #[test]
    fn keys_escaped_unknown_or_cut_in_every_object() {
        // Every key of the snapshot, in every kind of object: written with an escape it reads as written
        // plainly (the same snapshot, the same problems); renamed to a key that is no field (plain or
        // escaped) it is reported at its own path; the text cut anywhere is refused, as by the parser.
        let text = EVERY_OBJECT;
        let (plain, plain_p) = build_text(text);
        let plain = format!("{plain:?}");
        assert!(plain_p.is_empty(), "{plain_p:?}");
        let (mut keys, mut reported) = (0, 0);
        for (i, w) in text.as_bytes().windows(2).enumerate() {
            if w != b"\":" {
                continue;
            }
            let start = text[..i].rfind('"').unwrap() + 1;
            keys += 1;
            let first = text.as_bytes()[start];
            let t = format!("{}\\u00{first:02x}{}", &text[..start], &text[start + 1..]);
            let (s, p) = build_text(&t);
            assert_eq!((format!("{s:?}"), &p), (plain.clone(), &plain_p), "{t}");
            for (other, shown) in [("zz", "zz"), ("z\\u00e9", "z\u{e9}")] {
                let t = format!("{}{other}{}", &text[..start], &text[i..]);
                let mut p = Problems::default();
                match build(&t, json::DEFAULT_MAX_DEPTH, &mut p) {
                    // Renaming a variant makes the default or a rule name an unknown one; renaming a flag
                    // or segment key is no problem of the reader's.
                    Ok(_) => {
                        let unknown: Vec<String> = p.list.iter().map(|x| x.to_string()).filter(|x| x.contains("unknown field")).collect();
                        assert!(unknown.len() <= 1, "{t}: {unknown:?}");
                        if let Some(u) = unknown.first() {
                            assert!(u.contains(shown), "{t}: {u}");
                            reported += 1;
                        }
                    }
                    Err(e) => panic!("{t}: {e}"),
                }
            }
        }
        assert!(keys > 40 && reported > 60, "{keys} {reported}");
        for at in 0..text.len() {
            let mut p = Problems::default();
            assert!(build(&text[..at], json::DEFAULT_MAX_DEPTH, &mut p).is_err(), "{}", &text[..at]);
        }
    }

    #[test]
    fn serve_objects_read_in_one_pass_or_again() {
        // A percent or ramp serve is read in one pass; any other (a split, none of the forms, several)
        // is read again from its start: the problems are those of reading it keys first.
        let with = |serve: &str| {
            let t = format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"serve":{serve}}}]}}}}}}"#);
            let mut p = Problems::default();
            let s = build(&t, json::DEFAULT_MAX_DEPTH, &mut p).unwrap();
            let serve = s.and_then(|s| s.flags.into_iter().next()).and_then(|(_, f)| f.rules).and_then(|r| r.into_iter().next()).map(|r| format!("{:?}", r.serve));
            (serve.unwrap_or_default(), p.list.iter().map(|x| x.to_string()).collect::<Vec<_>>())
        };
        let (s, p) = with(r#"{"variant":"on","percent":30,"by":"key"}"#);
        assert!(s.starts_with("Percent") && p.is_empty(), "{s} {p:?}");
        let (s, p) = with(r#"{"variant":1,"ramp":[{"at":"2026-01-01T00:00:00Z","percent":10}]}"#);
        assert!(s.starts_with("Ramp") && p.len() == 1 && p[0].contains("rules[0].serve.variant"), "{s} {p:?}");
        // a split's `variant` is an unknown field; read first as a percent's, its problem is taken back
        let (s, p) = with(r#"{"variant":2,"split":[{"variant":"on","percent":100}],"colour":1}"#);
        assert!(s.starts_with("Split"), "{s}");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("serve.variant") && p[0].contains("unknown field") && p[1].contains("serve.colour"), "{p:?}");
        let (s, p) = with(r#"{"variant":"on","by":3}"#);
        assert_eq!((s.as_str(), p.len()), ("Invalid", 1), "{p:?}");
        assert!(p[0].contains("only \"variant\""), "{p:?}");
        let (s, p) = with(r#"{"percent":"x","ramp":[],"variant":7}"#);
        assert_eq!((s.as_str(), p.len()), ("Invalid", 1), "{p:?}");
        assert!(p[0].contains("only one of"), "{p:?}");
    }

    #[test]
    fn shapes() {
        let (s, p) = build_text(
            r#"{"schema":1,"version":2,"flags":{"f":{"variants":{"a":1},"default":"a","rules":[
                {"serve":"a"},{"serve":{"split":[{"variant":"a","percent":100}],"by":"org"}},
                {"serve":{"variant":"a","percent":5}},{"serve":{"variant":"a","ramp":[]}}]}}}"#,
        );
        assert!(p.is_empty(), "{p:?}");
        let s = s.unwrap();
        let rules = s.flags[0].1.rules.as_ref().unwrap();
        assert!(matches!(rules[0].serve, Serve::Variant(_)));
        assert!(matches!(&rules[1].serve, Serve::Split { by: Some(b), .. } if b == "org"));
        assert!(matches!(rules[2].serve, Serve::Percent { .. }));
        assert!(matches!(rules[3].serve, Serve::Ramp { .. }));
    }

    #[test]
    fn problems_have_paths_and_keep_going() {
        let (_, p) = build_text(r#"{"schema":1,"version":1.5,"flags":{"f":{"colour":1,"variants":{},"rules":[{"serve":{"variant":"x"}}]}}}"#);
        assert_eq!(
            p,
            vec![
                "version: must be an integer literal (no fraction or exponent), found 1.5",
                "flags.f.colour: unknown field",
                "flags.f.rules[0].serve: a serve object with only \"variant\" is not allowed: write \"serve\": \"<variant>\", or add \"percent\" or \"ramp\"",
                "flags.f.default: required field missing (the variant served when no rule applies)",
            ]
        );
    }

    #[test]
    fn unknown_schema_is_alone() {
        let (s, p) = build_text(r#"{"schema":2,"version":"x","bogus":1}"#);
        assert!(s.is_none());
        assert_eq!(p, vec!["schema: unknown schema 2: this engine reads schema 1"]);
    }

    #[test]
    fn conditions() {
        let (_, p) = build_text(
            r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"a":1},"default":"a","rules":[
                {"when":{"all":[],"any":[]},"serve":"a"},{"when":{"attr":"x"},"serve":"a"},{"when":{"not":{"segment":1}},"serve":"a"}]}}}"#,
        );
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("flags.f.rules[0].when: a condition takes exactly one"));
        assert!(p[1].starts_with("flags.f.rules[1].when.op: required field missing"));
        assert!(p[2].starts_with("flags.f.rules[2].when.not.segment: expected a string"));
    }

    #[test]
    fn condition_shapes_in_any_key_order() {
        let (_, p) = build_text(
            r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"a":1},"default":"a","rules":[
                {"when":{"op":"eq","value":1,"attr":"x"},"serve":"a"},
                {"when":{"attr":"x","colour":1,"op":"eq","not":{"bogus":1}},"serve":"a"},
                {"when":{"op":"eq","colour":2},"serve":"a"},
                {"when":{"not":{"attr":"y","op":"exists","x":1}},"serve":"a"}]}}}"#,
        );
        assert_eq!(
            p,
            vec![
                "flags.f.rules[1].when: a condition takes exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"; found not, attr",
                "flags.f.rules[2].when: a condition needs exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"",
                "flags.f.rules[3].when.not.x: unknown field",
            ]
        );
    }

    /// A condition as it was read before conditions whose first key is not a shape key were read in one
    /// pass: a look ahead over such a condition's keys first (the oracle of the test below).
    fn condition_with_look_ahead<'a>(r: &mut Reader<'a>, path: &Path<'_>, p: &mut Problems, spare: &mut Spare<'a>) -> Condition<'a> {
        if r.peek() != Peek::Object {
            wrong(r, "a condition object", path, p);
            return Condition::Invalid;
        }
        let shape = match r.first_key().and_then(shape_of) {
            Some(i) => i,
            None => {
                let keys = keys_present(r, &SHAPES);
                let present: [bool; 5] = core::array::from_fn(|i| keys >> i & 1 != 0);
                let shapes: Vec<usize> = (0..5).filter(|&i| present[i]).collect();
                if shapes.len() != 1 {
                    shape_error(present, path, p);
                    r.skip();
                    return Condition::Invalid;
                }
                shapes[0]
            }
        };
        let before = p.list.len();
        let mut present = [false; 5];
        let c = condition_body(r, shape, path, p, &mut present, spare);
        if present.iter().filter(|&&x| x).count() > 1 {
            p.truncate(before);
            shape_error(present, path, p);
            return Condition::Invalid;
        }
        c
    }

    /// Every order of `items`, each as a list.
    fn orders<'s>(items: &[&'s str]) -> Vec<Vec<&'s str>> {
        if items.is_empty() {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut o in orders(&rest) {
                o.insert(0, first);
                out.push(o);
            }
        }
        out
    }

    /// A condition read in one pass, its keys in any order (valid or not: wrong types, unknown keys,
    /// other shapes' keys, duplicates, escaped keys), gives the condition, the problems (paths, messages,
    /// order), the reader's state and offset that the look ahead gave; a valid one, in any order, the
    /// condition its `attr`-first order gives, without problems.
    #[test]
    fn condition_in_any_key_order_is_read_as_with_a_look_ahead() {
        let read = |text: &str, one_pass: bool| {
            let mut r = Reader::new(text, 8);
            let mut p = Problems::default();
            let path = Path::Root.key("when");
            let c = if one_pass {
                condition(&mut r, &path, &mut p, &mut Spare::default())
            } else {
                condition_with_look_ahead(&mut r, &path, &mut p, &mut Spare::default())
            };
            let problems: Vec<String> = p.list.iter().map(|x| x.to_string()).collect();
            (format!("{c:?}"), problems, r.failed(), r.offset())
        };
        let attrs = [Some(r#""attr":"plan""#), Some(r#""attr":1"#), None];
        let ops = [Some(r#""op":"eq""#), Some(r#""op":true"#), None];
        let values = [Some(r#""value":"pro""#), Some(r#""values":["a",{"b":[1]}]"#), Some(r#""values":3"#), None];
        let cases = [Some(r#""ignoreCase":true"#), Some(r#""ignoreCase":"yes""#), None];
        let extras = [
            None,
            Some(r#""all":[]"#),
            Some(r#""any":[{"op":"eq","attr":"x"}]"#),
            Some(r#""not":{"value":1}"#),
            Some(r#""segment":"s""#),
            Some(r#""bogus":{"all":1}"#),
            Some(r#""op":"ne""#),
            Some(r#""attr":"plan""#),
            Some(r#""o\u0070":"eq""#),
        ];
        let (mut compared, mut valid) = (0, 0);
        for attr in attrs {
            for op in ops {
                for value in values {
                    for case in cases {
                        for extra in extras {
                            let keys: Vec<&str> = [attr, op, value, case, extra].into_iter().flatten().collect();
                            let canonical = read(&format!("{{{}}}", keys.join(",")), true);
                            for order in orders(&keys) {
                                let text = format!("{{{}}}", order.join(","));
                                let got = read(&text, true);
                                assert_eq!(got, read(&text, false), "{text}");
                                if canonical.1.is_empty() && !canonical.2 {
                                    assert_eq!((&got.0, &got.1), (&canonical.0, &canonical.1), "{text}");
                                    valid += 1;
                                }
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 20_000 && valid > 100, "{compared} {valid}");
        // Not objects, and the other shapes first, as well.
        for text in ["[]", "1", r#"{"all":[],"op":"eq"}"#, r#"{"segment":"s","bogus":1}"#, r#"{}"#, r#"{"op":"eq","attr":"x"#] {
            assert_eq!(read(text, true), read(text, false), "{text}");
        }
    }

    /// The keys a window's flags reach a sink with.
    struct Keys(Vec<String>);

    impl<'a> FlagSink<'a> for Keys {
        fn flag(&mut self, _: &[(Str<'a>, Segment<'a>)], key: Str<'a>, _: &mut Flag<'a>, _: usize, _: &mut Problems) -> Option<(Str<'a>, Flag<'a>)> {
            self.0.push(key.into_owned());
            None
        }
    }

    /// A flag followed by fewer bytes than the longest flag read so far (and than `most`) is left for the
    /// next window, at its key; `longest` grows with the flags read; `most` 0 (the last window) reads all.
    #[test]
    fn read_flags_leaves_a_short_rest_for_the_next_window() {
        let a = r#""a":{"variants":{"on":true,"off":false},"default":"off","rules":[{"serve":"on"},{"serve":"off"}]}"#;
        let b = r#""b":{"variants":{"x":1},"default":"x"}"#;
        let c = r#""c":{"variants":{"on":true"#; // cut by the window's end
        let window = format!("{{{a},{b},{c}");
        let (la, lb) = (a.len() - 4, b.len() - 4); // the values' lengths (after `"a":`)
        let after_b = lb + 1 + c.len(); // the bytes after `b`'s key
        assert!(after_b < la);
        let read = |longest: &mut usize, most: usize| {
            let mut keys = Keys(Vec::new());
            let got = read_flags(&window, 10, 0, &mut keys, longest, most);
            (got, keys.0.join(","))
        };
        // `a` read, then `b` left: fewer bytes follow its key than `a` took.
        let mut longest = 0;
        assert_eq!(read(&mut longest, 1 << 20), (FlagsRead::More(1 + a.len()), "a".to_string()));
        assert_eq!(longest, la);
        // The last window (`most` 0) reads every flag: `c` is cut, and does not count.
        let mut longest = 0;
        assert_eq!(read(&mut longest, 0), (FlagsRead::More(window.len() - c.len() - 1), "a,b".to_string()));
        assert_eq!(longest, la);
        // Capped by `most`: a rest of `most` bytes or more is read.
        assert_eq!(read(&mut longest, after_b).0, FlagsRead::More(window.len() - c.len() - 1));
        assert_eq!(read(&mut longest, after_b + 1).0, FlagsRead::More(1 + a.len()));
        // The window's first flag is read whatever follows it (it is left only when cut).
        let mut huge = usize::MAX;
        assert_eq!(read(&mut huge, usize::MAX), (FlagsRead::More(1 + a.len()), "a".to_string()));
        // The last flag of a complete `flags` object is left as well (its end is not known before it is
        // read), but not from the last window.
        let whole = format!("{{{a},{b}}}");
        let mut keys = Keys(Vec::new());
        assert_eq!(read_flags(&whole, 10, 0, &mut keys, &mut longest, usize::MAX), FlagsRead::More(1 + a.len()));
        assert_eq!(read_flags(&whole, 10, 0, &mut keys, &mut longest, 0), FlagsRead::End(whole.len()));
        assert_eq!(keys.0, ["a", "a", "b"]);
    }

    /// `Spare`'s drop frees the emptied lists it keeps and drops the elements of a list that is not empty
    /// (which `keep` never leaves, but the drop must not leak it), leaving the stack empty.
    #[test]
    fn spare_lists_are_freed_with_any_elements_dropped() {
        let counted = std::rc::Rc::new(());
        let mut emptied = Vec::with_capacity(4);
        emptied.push(counted.clone());
        emptied.clear();
        let mut stack = vec![emptied, vec![counted.clone(), counted.clone()], Vec::new()];
        assert_eq!(std::rc::Rc::strong_count(&counted), 3);
        super::free_emptied(&mut stack);
        assert!(stack.is_empty());
        assert_eq!(std::rc::Rc::strong_count(&counted), 1);

        // and a pool after a load of flags with rules, items and operands: its lists are all empty
        let mut spare = Spare::default();
        let text = r#"{"variants":{"on":true,"off":false},"default":"off","rules":[
            {"when":{"all":[{"attr":"country","op":"in","values":["FR","DE"]},{"attr":"plan","op":"eq","value":"pro"}]},"serve":"on"}]}"#;
        for _ in 0..3 {
            let mut r = Reader::new(text, 64);
            let mut p = Problems::default();
            let f = flag(&mut r, &Path::Root, &mut p, &mut spare);
            assert!(p.list.is_empty());
            spare.recycle(f);
        }
        assert!(!spare.rules.is_empty() && !spare.items.is_empty() && !spare.operands.is_empty() && !spare.pairs.is_empty());
        assert!(spare.rules.iter().all(Vec::is_empty) && spare.items.iter().all(Vec::is_empty));
        assert!(spare.operands.iter().all(Vec::is_empty) && spare.pairs.iter().all(Vec::is_empty));
    }
}
