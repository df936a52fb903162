//! Validation (spec §8–§9): the rules of meaning that a well-shaped snapshot must also follow.
//!
//! Runs on the model from [`crate::snapshot`], after shape checks, and reports into the same list:
//! key lengths, variant types, references (variants, segments, prerequisite flags), percents (exact
//! decimals, sums), ramps and windows, dates, condition depth, prerequisite depth, and cycles
//! between segments and between flags. It never stops at the first problem. Operator and operand
//! checks belong to compilation ([`crate::plan`]), which also runs on every snapshot.

use crate::bytes::Push;
use crate::error::{index, join, Path, Problems};
use crate::eval::MAX_NESTING;
use crate::json::Value;
use crate::limits::Limits;
use crate::message::{msg, why};
use crate::number::decimal_thousandths;
use crate::plan::Keys;
use crate::snapshot::{Condition, Flag, Rule, Serve, Snapshot};
use crate::time;
use crate::set::StrIndex;

/// Largest key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;

/// The JSON type class of a variant value: all variants of a flag share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `true`/`false`.
    Boolean,
    /// Strings.
    String,
    /// Numbers.
    Number,
    /// Objects and arrays.
    Json,
}

impl ValueKind {
    /// The kind of a (non-null) value.
    pub fn of(v: &Value<'_>) -> Option<ValueKind> {
        match v {
            Value::Bool(_) => Some(ValueKind::Boolean),
            Value::String(_) => Some(ValueKind::String),
            Value::Number(_) => Some(ValueKind::Number),
            Value::Object(_) | Value::Array(_) => Some(ValueKind::Json),
            Value::Null => None,
        }
    }

    /// `boolean`, `string`, `number` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Boolean => "boolean",
            ValueKind::String => "string",
            ValueKind::Number => "number",
            ValueKind::Json => "json",
        }
    }
}

/// A percent written as a JSON number, in buckets (thousandths of a percent), or a message.
pub(crate) fn percent_buckets(text: &str) -> Result<u32, String> {
    // The usual percent, an integer from 1 to 100 (no leading zero: JSON has none), read here: the long
    // body of `decimal_thousandths` (the same fast path, then the general case) is not run per flag,
    // nor grows hot in a cold start's load (docs/ARCHITECTURE.md, "Cold start").
    if let [b'1'..=b'9', rest @ ..] = text.as_bytes() {
        if rest.len() <= 2 && crate::number::all_digits(rest) {
            // (the slice's iterator: `str::bytes`' `next` is a call per digit in the wasm build)
            let n = text.as_bytes().iter().fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'));
            if n <= 100 {
                return Ok(n * 1000);
            }
        }
    }
    match decimal_thousandths(text) {
        Ok(t) if t <= 100_000 => Ok(t as u32),
        Ok(_) => Err(percent_error(text, "is over 100")),
        Err(e) => Err(percent_error(text, e.as_str())),
    }
}

/// `percent <text> <why>` (cold, out of line: `percent_buckets` stays small).
#[cold]
#[inline(never)]
fn percent_error(text: &str, why: &str) -> String {
    why!("percent ", text, " ", why)
}

/// Whether `key` is a valid key: not empty, at most [`MAX_KEY_BYTES`] long (one test for validation's
/// reports and the compiler's checks of usual flags, [`usual`]).
#[inline]
pub(crate) fn key_ok(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_BYTES
}

fn check_key(key: &str, path: &Path<'_>, what: &str, p: &mut Problems) {
    if !key_ok(key) {
        key_error(key, path, what, p);
    }
}

/// An empty or too long key (cold, out of line: `check_key` runs on every key).
#[cold]
#[inline(never)]
fn key_error(key: &str, path: &Path<'_>, what: &str, p: &mut Problems) {
    if key.is_empty() {
        p.error(path, why!(what, " must not be empty"));
    } else {
        p.error(path, why!(what, " is ", key.len(), " bytes long; at most ", MAX_KEY_BYTES, " are allowed"));
    }
}

/// Validates the model. `now_ms`, when given, enables warnings about expired flags. `keys` index the
/// segment and flag keys of `s` ([`Keys::new`]).
pub(crate) fn validate(s: &Snapshot<'_>, keys: &Keys, limits: &Limits, now_ms: Option<i64>, p: &mut Problems) {
    validate_head(s, &keys.segments, limits, p);
    let flag_keys = &keys.flags;
    let root = Path::Root;
    let flags_path = root.key("flags");
    for (key, f) in &s.flags {
        let path = flags_path.key(key);
        check_key(key, &path, "a flag key", p);
        flag(f, &path, Some((s, flag_keys)), &keys.segments, limits, now_ms, p);
    }
    prerequisite_graph(s, flag_keys, limits, p);
    // The work of an evaluation (`Limits::max_evaluation_steps`) is checked on the compiled plan, where
    // each operator's cost is known: plan::evaluation_steps.
}

/// What [`validate`] checks but the flags: `publishedAt`, the metadata keys and the segments (their keys,
/// hashed keys, conditions, cycles and chains; `segment_keys` index them). The whole check of a model
/// without flags, as a one-pass load's is once its flags were checked one by one ([`flag_alone`]): that
/// load calls this alone, and a cold start's wasm compiles neither the flags' part nor, without
/// segments, the graph searches (each function is compiled on its first call: docs/ARCHITECTURE.md,
/// "Cold start"). Invariant: it reports nothing for a head of which [`head_has_fields`] is false (a lean
/// load does not call it then); a check of another field added here goes into that test too.
pub(crate) fn validate_head(s: &Snapshot<'_>, segment_keys: &StrIndex, limits: &Limits, p: &mut Problems) {
    if let Some(t) = &s.published_at {
        if time::parse_rfc3339_ms(t).is_none() {
            p.error("publishedAt", why!("\"", t, "\" is not an RFC 3339 date-time"));
        }
    }
    for (k, _) in &s.metadata {
        check_key(k, &Path::Root.key("metadata").key(k), "a metadata key", p);
    }
    let root = Path::Root;
    let segments_path = root.key("segments");
    for (key, seg) in &s.segments {
        let path = segments_path.key(key);
        check_key(key, &path, "a segment key", p);
        for (field, list) in [("includeHashed", &seg.include_hashed), ("excludeHashed", &seg.exclude_hashed)] {
            for (i, h) in list.iter().enumerate() {
                if h.len() != 16 || crate::bytes::any_of(h.as_bytes(), |b| !(b.is_ascii_digit() || (b'a'..=b'f').contains(&b))) {
                    p.error(&path.key(field).index(i), why!("\"", h, "\" is not a hashed key (16 lowercase hex digits)"));
                }
            }
        }
        if let Some(c) = &seg.when {
            condition(c, &path.key("when"), 1, limits, segment_keys, p);
        }
    }
    // (no segments, no graph: nothing to search)
    if s.segments.is_empty() {
        return;
    }
    if let Some(edges) = segment_cycles(s, segment_keys, p) {
        segment_depth(&edges, limits, p);
    }
}

/// Whether [`validate_head`] has anything to check in `s`: a publish time, metadata or segments (a usual
/// snapshot's head has none; a lean load then does not call it, `crate::LEAN_LOAD`).
#[inline(always)]
pub(crate) fn head_has_fields(s: &Snapshot<'_>) -> bool {
    s.published_at.is_some() || !s.metadata.is_empty() || !s.segments.is_empty()
}

/// Validates flag `key` alone, as a load that compiles each flag as it is read does
/// ([`crate::plan::stream`]): everything [`validate`] checks of it but its prerequisites, which name
/// other flags (that load checks them once every flag is read). `segment_keys` index the segments.
pub(crate) fn flag_alone(key: &str, f: &Flag<'_>, segment_keys: &StrIndex, limits: &Limits, now_ms: Option<i64>, p: &mut Problems) {
    let path = Path::Root.key("flags");
    let path = path.key(key);
    check_key(key, &path, "a flag key", p);
    flag(f, &path, None, segment_keys, limits, now_ms, p);
}

/// Whether every check [`flag_alone`] makes of `f` is one the compiler makes too, as it compiles the flag
/// (`plan::flag_plan`, which then clears `Compiler::clean` where this reports a problem): the key, the
/// variants (keys, types), `default` and `offVariant`, conditions (depth, segments, attributes) and the
/// usual serve forms (a variant, a percent). A flag with metadata, `expires`, a rule id or window, a split
/// or a ramp is not usual: the one-pass load runs [`flag_alone`] on it first. (Prerequisites are no
/// obstacle: `flag_alone` leaves them to that load's end.)
pub(crate) fn usual(f: &Flag<'_>) -> bool {
    if !f.metadata.is_empty() || f.expires.is_some() {
        return false;
    }
    // (a plain loop: iterator adaptors each bring code of their own into the wasm build)
    // (`as_deref`, not `iter().flatten()`: `FlattenCompat`'s `next` is code of its own in the wasm build)
    for r in f.rules.as_deref().unwrap_or_default() {
        if r.id.is_some() || r.from.is_some() || r.until.is_some() || matches!(r.serve, Serve::Split { .. } | Serve::Ramp { .. }) {
            return false;
        }
    }
    true
}

/// Whether the prerequisite graph `edges[flag] = [required flag]` has neither a cycle nor a chain over
/// the limit (what [`validate`] reports as problems).
pub(crate) fn prerequisites_ok(edges: &[Vec<(usize, String)>], limits: &Limits) -> bool {
    let mut p = Problems::default();
    find_cycles(&[], edges, "prerequisite", &mut p);
    p.list.is_empty() && report_chains(edges, limits.max_prerequisite_depth.min(MAX_NESTING), "prerequisite", &mut p)
}

/// `targets`: the model and its flag keys, to check prerequisites against; `None` skips them. The common
/// parts run here; the rare ones (metadata, `expires`, prerequisites, rule ids and windows, splits, ramps)
/// and the reports are out of line, so that this function, run once per flag, stays short (a cold start
/// in wasm recompiles the functions that grow hot: docs/ARCHITECTURE.md, "Cold start").
#[inline(never)] // once per flag: optimised early in wasm (see snapshot::flag)
fn flag(
    f: &Flag<'_>,
    path: &Path<'_>,
    targets: Option<(&Snapshot<'_>, &StrIndex)>,
    segment_keys: &StrIndex,
    limits: &Limits,
    now_ms: Option<i64>,
    p: &mut Problems,
) {
    let vpath = path.key("variants");
    let variants = variant_set(f);
    let vs = Variants { f, index: variants.as_ref() };
    if f.variants.is_empty() {
        no_variants(&vpath, path, p);
    }
    let mut kind: Option<ValueKind> = None;
    for (k, v) in &f.variants {
        check_key(k, &vpath.key(k), "a variant key", p);
        let this = ValueKind::of(v);
        if kind.is_none() || this.is_none() || this != kind {
            variant_kind(this, &mut kind, &vpath.key(k), p);
        }
    }
    if let Some(d) = &f.default {
        vs.check(d, &path.key("default"), p);
    }
    if let Some(o) = &f.off_variant {
        vs.check(o, &path.key("offVariant"), p);
    }
    if !f.metadata.is_empty() || f.expires.is_some() || !f.requires.is_empty() {
        flag_extras(f, path, targets, now_ms, p);
    }
    let Some(rules) = &f.rules else { return };
    let rules_path = path.key("rules");
    let mut ids = StrIndex::default();
    for (i, r) in rules.iter().enumerate() {
        let rp = rules_path.index(i);
        if r.id.is_some() || r.from.is_some() || r.until.is_some() {
            rule_extras(r, i, &rp, &mut ids, p);
        }
        if let Some(c) = &r.when {
            condition(c, &rp.key("when"), 1, limits, segment_keys, p);
        }
        let sp = rp.key("serve");
        match &r.serve {
            Serve::Variant(v) => vs.check(v, &sp, p),
            Serve::Percent { variant, percent, by } => {
                by_attr(by.as_ref(), &sp, p);
                if let Some(v) = variant {
                    vs.check(v, &sp.key("variant"), p);
                }
                if let Err(m) = percent_buckets(percent.text()) {
                    p.error(&sp.key("percent"), m);
                }
            }
            Serve::Split { .. } | Serve::Ramp { .. } => serve_rare(&r.serve, &vs, &sp, p),
            Serve::Invalid => {}
        }
    }
}

/// The variants of a flag being validated, to check the names that refer to them.
struct Variants<'v, 'f> {
    f: &'v Flag<'f>,
    index: Option<&'v StrIndex>,
}

impl Variants<'_, '_> {
    /// Reports `v` at `at` unless it is a variant of the flag.
    fn check(&self, v: &str, at: &Path<'_>, p: &mut Problems) {
        if !in_variants(self.f, self.index, v) {
            unknown_variant(self.f, v, at, p);
        }
    }
}

/// `unknown variant "v" (variants: …)` (cold, out of line).
#[cold]
#[inline(never)]
fn unknown_variant(f: &Flag<'_>, v: &str, at: &Path<'_>, p: &mut Problems) {
    p.error(at, why!("unknown variant \"", v, "\"", &known_list(f)));
}

/// A flag without variants, reported unless its `variants` (or the flag) already has a problem (cold).
#[cold]
#[inline(never)]
fn no_variants(vpath: &Path<'_>, path: &Path<'_>, p: &mut Problems) {
    if !p.at(vpath) && !p.at(path) {
        p.error(vpath, "a flag needs at least one variant");
    }
}

/// The type of a variant's value (`this`) against the flag's (`kind`, set by the first typed variant):
/// a null, or another type, is reported at `kp`. (Out of line: called for the first variant and for
/// the faulty ones only.)
#[inline(never)]
fn variant_kind(this: Option<ValueKind>, kind: &mut Option<ValueKind>, kp: &Path<'_>, p: &mut Problems) {
    match this {
        None => p.error(kp, "a variant value may not be null"),
        Some(this) => match *kind {
            None => *kind = Some(this),
            Some(first) if first != this => p.error(
                kp,
                why!("all variants of a flag share one type: this one is ", this.as_str(), ", the first is ", first.as_str()),
            ),
            Some(_) => {}
        },
    }
}

/// A flag's metadata keys, `expires` and prerequisites (cold: most flags have none).
#[cold]
#[inline(never)]
fn flag_extras(f: &Flag<'_>, path: &Path<'_>, targets: Option<(&Snapshot<'_>, &StrIndex)>, now_ms: Option<i64>, p: &mut Problems) {
    for (k, _) in &f.metadata {
        check_key(k, &path.key("metadata").key(k), "a metadata key", p);
    }
    if let Some(e) = &f.expires {
        let ep = path.key("expires");
        match time::parse_date_or_datetime_ms(e) {
            None => p.error(&ep, why!("\"", e, "\" is not a date (YYYY-MM-DD) or an RFC 3339 date-time")),
            Some(t) => {
                if let Some(now) = now_ms {
                    if t <= now {
                        p.warning(&ep, msg!("the flag expired on ", e, ": remove it or move the date"));
                    }
                }
            }
        }
    }
    for (i, r) in f.requires.iter().enumerate() {
        let Some((s, flag_keys)) = targets else { break };
        let requires = path.key("requires");
        let rp = requires.index(i);
        let target = crate::json::opt_text(&r.flag).and_then(|k| flag_keys.get(k).map(|j| (k, j as usize)));
        if let Some(k) = crate::json::opt_text(&r.flag) {
            if target.is_none() {
                p.error(&rp.key("flag"), why!("unknown flag \"", k, "\""));
            }
        }
        let vp = rp.key("variants");
        if r.variants.is_empty() && !p.at(&vp) {
            p.error(&vp, "list at least one variant the prerequisite must evaluate to");
        }
        if let Some((k, j)) = target {
            if let Some((_, tf)) = s.flags.get(j) {
                let target_index = if r.variants.len() > SMALL { variant_set(tf) } else { None };
                for (vi, v) in r.variants.iter().enumerate() {
                    if !tf.variants.is_empty() && !in_variants(tf, target_index.as_ref(), v) {
                        p.error(&vp.index(vi), why!("flag \"", k, "\" has no variant \"", v, "\"", &known_list(tf)));
                    }
                }
            }
        }
    }
}

/// A rule's `id` (`ids`: the flag's ids so far) and its window, `from` and `until` (cold: most rules
/// have none).
#[cold]
#[inline(never)]
fn rule_extras(r: &Rule<'_>, i: usize, rp: &Path<'_>, ids: &mut StrIndex, p: &mut Problems) {
    if let Some(id) = &r.id {
        let ip = rp.key("id");
        check_key(id, &ip, "a rule id", p);
        if ids.get_or_insert(id, i as u32) != i as u32 {
            p.error(&ip, why!("rule id \"", id, "\" is already used in this flag"));
        }
    }
    let from = r.from.as_ref().and_then(|t| instant(t, &rp.key("from"), p));
    let until = r.until.as_ref().and_then(|t| instant(t, &rp.key("until"), p));
    if let (Some(a), Some(b)) = (from, until) {
        if a >= b {
            p.error(&rp.key("until"), "\"until\" must be later than \"from\"");
        }
    }
}

/// A split or a ramp serve, at `sp` (cold: the usual forms are a variant and a percent).
#[cold]
#[inline(never)]
fn serve_rare(serve: &Serve<'_>, vs: &Variants<'_, '_>, sp: &Path<'_>, p: &mut Problems) {
    match serve {
        Serve::Split { split, by } => {
            by_attr(by.as_ref(), sp, p);
            let mut total: u64 = 0;
            let mut all_ok = true;
            let mut seen = StrIndex::default();
            for (j, e) in split.iter().enumerate() {
                let split_path = sp.key("split");
                let ep = split_path.index(j);
                match &e.variant {
                    Some(v) => {
                        vs.check(v, &ep.key("variant"), p);
                        if seen.get_or_insert(v, j as u32) != j as u32 {
                            p.error(&ep.key("variant"), why!("variant \"", v, "\" appears twice in this split"));
                        }
                    }
                    None => all_ok = false,
                }
                match &e.percent {
                    Some(n) => match percent_buckets(n.text()) {
                        Ok(b) => total += u64::from(b),
                        Err(m) => {
                            all_ok = false;
                            p.error(&ep.key("percent"), m);
                        }
                    },
                    None => all_ok = false,
                }
            }
            if all_ok && total != 100_000 {
                p.error(&sp.key("split"), why!("split percents add up to ", &thousandths_text(total), ", not exactly 100"));
            }
        }
        Serve::Ramp { variant, ramp, by } => {
            by_attr(by.as_ref(), sp, p);
            if let Some(v) = variant {
                vs.check(v, &sp.key("variant"), p);
            }
            let mut prev: Option<i64> = None;
            for (j, st) in ramp.iter().enumerate() {
                let ramp_path = sp.key("ramp");
                let ep = ramp_path.index(j);
                if let Some(n) = &st.percent {
                    if let Err(m) = percent_buckets(n.text()) {
                        p.error(&ep.key("percent"), m);
                    }
                }
                if let Some(at) = st.at.as_ref().and_then(|t| instant(t, &ep.key("at"), p)) {
                    if let Some(pr) = prev {
                        if at <= pr {
                            p.error(&ep.key("at"), "ramp steps must be in strictly increasing time");
                        }
                    }
                    prev = Some(at);
                }
            }
        }
        Serve::Variant(_) | Serve::Percent { .. } | Serve::Invalid => {}
    }
}

/// Up to this many variants are searched linearly; more get a hash index (no quadratic load).
const SMALL: usize = 16;

/// A flag's variant index (key → position, the first of a key written twice), built only past [`SMALL`]
/// variants. (One for validation and compilation: [`crate::plan`] finds positions through it too.)
pub(crate) fn variant_set(f: &Flag<'_>) -> Option<StrIndex> {
    if f.variants.len() <= SMALL {
        return None;
    }
    Some(StrIndex::of_positions(&f.variants))
}

/// The position of variant `v` in flag `f` (`index`: its [`variant_set`]). (One routine for validation and
/// compilation.)
#[inline(never)]
pub(crate) fn variant_position(f: &Flag<'_>, index: Option<&StrIndex>, v: &str) -> Option<u32> {
    match index {
        Some(ix) => ix.get(v),
        None => f.variants.iter().position(|(k, _)| crate::snapshot::same(k, v)).map(|i| i as u32),
    }
}

fn in_variants(f: &Flag<'_>, index: Option<&StrIndex>, v: &str) -> bool {
    variant_position(f, index, v).is_some()
}

fn known_list(f: &Flag<'_>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in f.variants.get(..10).unwrap_or(&f.variants) {
        names.push(k);
    }
    if names.is_empty() {
        String::new()
    } else {
        msg!(" (variants: ", &crate::message::join(&names, ", "), ")")
    }
}

fn thousandths_text(t: u64) -> String {
    let (int, frac) = (t / 1000, t % 1000);
    let mut out = msg!(int);
    if frac != 0 {
        // three digits, then without trailing zeros
        let digits = [frac / 100, frac / 10 % 10, frac % 10];
        let len = if digits[2] != 0 { 3 } else if digits[1] != 0 { 2 } else { 1 };
        out.push_ascii(b'.');
        for d in &digits[..len] {
            out.push_ascii(b'0' + *d as u8);
        }
    }
    out
}

/// (`by` as the model holds it: `Option::as_deref` of it is a function of its own in the wasm build)
fn by_attr(by: Option<&crate::snapshot::Str<'_>>, serve_path: &Path<'_>, p: &mut Problems) {
    if by.is_some_and(|b| b.is_empty()) {
        p.error(&serve_path.key("by"), "\"by\" must name an attribute (a dot path), not be empty");
    }
}

fn instant(t: &str, path: &Path<'_>, p: &mut Problems) -> Option<i64> {
    let r = time::parse_rfc3339_ms(t);
    if r.is_none() {
        p.error(path, why!("\"", t, "\" is not an RFC 3339 date-time (like 2026-12-01T09:00:00Z)"));
    }
    r
}

/// Checks depth, segment references and empty attributes of a condition tree.
fn condition(c: &Condition<'_>, path: &Path<'_>, depth: usize, limits: &Limits, segments: &StrIndex, p: &mut Problems) {
    if depth > limits.max_condition_depth {
        p.error(path, why!("conditions are nested deeper than ", limits.max_condition_depth, " levels"));
        return;
    }
    match c {
        Condition::All(items) | Condition::Any(items) => {
            let key = if matches!(c, Condition::All(_)) { "all" } else { "any" };
            let base = path.key(key);
            for (i, it) in items.iter().enumerate() {
                condition(it, &base.index(i), depth + 1, limits, segments, p);
            }
        }
        Condition::Not(inner) => condition(inner, &path.key("not"), depth + 1, limits, segments, p),
        Condition::Segment(s) => {
            if !segments.contains(s) {
                p.error(&path.key("segment"), why!("unknown segment \"", s, "\""));
            }
        }
        Condition::Attr(a) => {
            if a.attr.is_empty() {
                p.error(&path.key("attr"), "\"attr\" must name an attribute (a dot path), not be empty");
            }
        }
        Condition::Invalid => {}
    }
}

/// Segment references of a condition to segments of `keys` (by index), with their paths, in document order.
fn segment_refs(c: &Condition<'_>, keys: &StrIndex, path: &Path<'_>, out: &mut Vec<(usize, String)>) {
    match c {
        Condition::All(items) | Condition::Any(items) => {
            let key = if matches!(c, Condition::All(_)) { "all" } else { "any" };
            let base = path.key(key);
            for (i, it) in items.iter().enumerate() {
                segment_refs(it, keys, &base.index(i), out);
            }
        }
        Condition::Not(inner) => segment_refs(inner, keys, &path.key("not"), out),
        Condition::Segment(s) => {
            if let Some(i) = keys.get(s) {
                out.push((i as usize, path.key("segment").text()));
            }
        }
        _ => {}
    }
}

/// Depth-first search for cycles over `edges[node] = [(target, path of the reference)]`, in order;
/// reports each cycle once, at the reference that closes it. `names[node]` names the nodes in messages.
fn find_cycles(names: &[&str], edges: &[Vec<(usize, String)>], what: &str, p: &mut Problems) {
    // The marks as bytes, new being 0: `vec!` of a zero byte is one zeroed allocation (an enum's copies
    // each bring `Vec::extend_with` for their type into the wasm build).
    const NEW: u8 = 0;
    const ACTIVE: u8 = 1;
    const DONE: u8 = 2;
    let mut mark = vec![NEW; edges.len()];
    for start in 0..edges.len() {
        if mark[start] != NEW {
            continue;
        }
        // explicit stack: (node, next edge position)
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = ACTIVE;
        while let Some(&mut (node, ref mut pos)) = stack.last_mut() {
            let Some(node_edges) = edges.get(node) else {
                stack.pop();
                continue;
            };
            if let Some((target, path)) = node_edges.get(*pos) {
                *pos += 1;
                match mark.get(*target).copied() {
                    Some(NEW) => {
                        mark[*target] = ACTIVE;
                        stack.push((*target, 0));
                    }
                    // (the chain written inside `why!`: a build without messages, `message::LEAN`, names nothing)
                    Some(ACTIVE) => p.error(path, why!(what, " cycle: ", &cycle_text(&stack, *target, names))),
                    _ => {}
                }
            } else {
                mark[node] = DONE;
                stack.pop();
            }
        }
    }
}

/// The names of a cycle's nodes, ` → ` between them: `stack`'s nodes from `target` on, then `target` again.
fn cycle_text(stack: &[(usize, usize)], target: usize, names: &[&str]) -> String {
    let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
    let mut chain: Vec<&str> = Vec::new();
    for (n, _) in stack.get(from..).unwrap_or_default() {
        chain.push(names.get(*n).copied().unwrap_or("?"));
    }
    chain.push(names.get(target).copied().unwrap_or("?"));
    crate::message::join(&chain, " → ")
}

/// Reports segment cycles; returns the reference graph when there is none.
fn segment_cycles(s: &Snapshot<'_>, keys: &StrIndex, p: &mut Problems) -> Option<Vec<Vec<(usize, String)>>> {
    // (plain loops, as in `prerequisite_graph`)
    let mut names: Vec<&str> = Vec::with_capacity(s.segments.len());
    let mut edges: Vec<Vec<(usize, String)>> = Vec::with_capacity(s.segments.len());
    for (k, seg) in &s.segments {
        names.push(k);
        let mut refs = Vec::new();
        if let Some(c) = &seg.when {
            segment_refs(c, keys, &Path::Root.key("segments").key(k).key("when"), &mut refs);
        }
        edges.push(refs);
    }
    let before = p.list.len();
    find_cycles(&names, &edges, "segment", p);
    (p.list.len() == before).then_some(edges)
}

/// The nodes of a graph, each after every node it reaches (for an acyclic graph). Iterative, so chains
/// of any length (a 100,000-flag prerequisite chain) cannot exhaust the stack.
fn post_order(edges: &[Vec<(usize, String)>]) -> Vec<usize> {
    let n = edges.len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push((start, 0));
        while let Some(&mut (node, ref mut pos)) = stack.last_mut() {
            match edges.get(node).and_then(|es| es.get(*pos)) {
                Some(&(t, _)) => {
                    *pos += 1;
                    if t < n && !seen[t] {
                        seen[t] = true;
                        stack.push((t, 0));
                    }
                }
                None => {
                    order.push(node);
                    stack.pop();
                }
            }
        }
    }
    order
}

/// Longest chain (in edges) from each node of an acyclic graph.
fn chain_depths(edges: &[Vec<(usize, String)>]) -> Vec<usize> {
    let mut depth = vec![0usize; edges.len()];
    for &i in &post_order(edges) {
        let mut d = 0;
        for (t, _) in &edges[i] {
            d = d.max(depth.get(*t).map_or(0, |d| d + 1));
        }
        depth[i] = d;
    }
    depth
}

/// Reports chains over `limit` once each, where they start (a node over the limit that no node over the
/// limit refers to), at its reference to the deepest next node. Returns whether all are within the limit.
fn report_chains(edges: &[Vec<(usize, String)>], limit: usize, what: &str, p: &mut Problems) -> bool {
    let depth = chain_depths(edges);
    let mut over = vec![false; depth.len()];
    let mut any = false;
    for (o, d) in over.iter_mut().zip(&depth) {
        *o = *d > limit;
        any |= *o;
    }
    if any {
        chains_over(edges, &depth, &over, limit, what, p);
    }
    !any
}

/// The reports of [`report_chains`], for the chains over `limit` (`depth`: each node's longest chain,
/// `over`: whether it is over the limit). Cold, out of line: a usual graph has none, and a cold start's
/// wasm compiles each function on its first call.
#[cold]
#[inline(never)]
fn chains_over(edges: &[Vec<(usize, String)>], depth: &[usize], over: &[bool], limit: usize, what: &str, p: &mut Problems) {
    let mut below_over = vec![false; edges.len()];
    for (j, es) in edges.iter().enumerate() {
        if over[j] {
            for (t, _) in es {
                if let Some(b) = below_over.get_mut(*t) {
                    *b = true;
                }
            }
        }
    }
    for i in 0..edges.len() {
        if over[i] && !below_over[i] {
            // the last of the deepest next nodes (as `max_by_key` picks)
            let mut deepest: Option<(usize, &String)> = None;
            for (t, path) in &edges[i] {
                let d = depth.get(*t).copied().unwrap_or(0);
                if deepest.is_none_or(|(m, _)| d >= m) {
                    deepest = Some((d, path));
                }
            }
            if let Some((_, path)) = deepest {
                p.error(path, why!(what, " chain of ", depth[i], " steps is longer than the limit of ", limit));
            }
        }
    }
}

/// Segment reference chains (spec §8 does not bound them; see `Limits::max_segment_depth`). Returns
/// whether they are within the limit.
fn segment_depth(edges: &[Vec<(usize, String)>], limits: &Limits, p: &mut Problems) -> bool {
    // The evaluator stops at MAX_NESTING levels; a rule's own reference is the first.
    report_chains(edges, limits.max_segment_depth.min(MAX_NESTING - 1), "segment reference", p)
}

/// Reports prerequisite cycles, and chains over the limit.
fn prerequisite_graph(s: &Snapshot<'_>, keys: &StrIndex, limits: &Limits, p: &mut Problems) {
    // (plain loops: iterator adaptors each bring code of their own into the wasm build)
    let mut names: Vec<&str> = Vec::with_capacity(s.flags.len());
    let mut edges: Vec<Vec<(usize, String)>> = Vec::with_capacity(s.flags.len());
    for (k, f) in &s.flags {
        names.push(k);
        let mut out = Vec::new();
        for (i, r) in f.requires.iter().enumerate() {
            if let Some(j) = crate::json::opt_text(&r.flag).and_then(|t| keys.get(t)) {
                out.push((j as usize, join(&index(&join(&join("flags", k), "requires"), i), "flag")));
            }
        }
        edges.push(out);
    }
    let before = p.list.len();
    find_cycles(&names, &edges, "prerequisite", p);
    if p.list.len() > before {
        return; // depth is meaningless with cycles
    }
    // The evaluator stops at MAX_NESTING levels: a longer chain could never be met.
    report_chains(&edges, limits.max_prerequisite_depth.min(MAX_NESTING), "prerequisite", p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_fast_path_agrees_with_decimal_thousandths() {
        for n in 0..=1000u32 {
            let text = n.to_string();
            let general = match decimal_thousandths(&text) {
                Ok(t) if t <= 100_000 => Ok(t as u32),
                Ok(_) => Err(percent_error(&text, "is over 100")),
                Err(e) => Err(percent_error(&text, e.as_str())),
            };
            assert_eq!(percent_buckets(&text), general, "{text}");
        }
        for text in ["05", "1.5", "100.0", "1e2", "-1", "0.001", "", "1a"] {
            assert_eq!(percent_buckets(text).is_ok(), matches!(decimal_thousandths(text), Ok(t) if t <= 100_000), "{text}");
        }
    }

    /// Problems as (path, message) pairs.
    type Reports = Vec<(String, String)>;

    /// The problems of `validate` and of `validate_head` (the one-pass load's check of a model without
    /// flags) for `text`.
    fn both(text: &str, limits: &Limits) -> (Reports, Reports) {
        let mut p = Problems::default();
        let model = crate::snapshot::build(text, 64, &mut p).unwrap().unwrap();
        let keys = Keys::new(&model);
        let list = |p: Problems| p.list.into_iter().map(|q| (q.path, q.message)).collect::<Vec<_>>();
        let (mut a, mut b) = (Problems::default(), Problems::default());
        validate(&model, &keys, limits, None, &mut a);
        validate_head(&model, &keys.segments, limits, &mut b);
        (list(a), list(b))
    }

    /// Segments are checked, their graph searched, whenever there are segments (the early exit is for
    /// none): a cycle, a chain over the limit, a wrong hashed key, by both checks alike.
    #[test]
    fn segment_graphs_are_searched_when_there_are_segments() {
        let cycle = r#"{"schema":1,"version":1,"segments":{"a":{"when":{"segment":"b"}},"b":{"when":{"segment":"a"}}},"flags":{}}"#;
        let (a, b) = both(cycle, &Limits::default());
        assert_eq!(a, vec![("segments.b.when.segment".to_string(), "segment cycle: a → b → a".to_string())]);
        assert_eq!(a, b);
        let chain = r#"{"schema":1,"version":1,"segments":{"a":{"when":{"segment":"b"}},"b":{"when":{"segment":"c"}},"c":{"includeHashed":["x"]}},"flags":{}}"#;
        let limits = Limits { max_segment_depth: 1, ..Limits::default() };
        let (a, b) = both(chain, &limits);
        assert_eq!(a.len(), 2, "{a:?}");
        assert!(a[0].0 == "segments.c.includeHashed[0]" && a[1].0 == "segments.a.when.segment", "{a:?}");
        assert_eq!(a[1].1, "segment reference chain of 2 steps is longer than the limit of 1");
        assert_eq!(a, b);
        let (a, b) = both(r#"{"schema":1,"version":1,"flags":{}}"#, &Limits::default());
        assert!(a.is_empty() && b.is_empty());
    }

    /// Prerequisite graphs with edges are still searched: a cycle, and a chain over the limit (reported
    /// by the cold `chains_over`), at the reference that closes or starts them.
    #[test]
    fn prerequisite_graphs_report_cycles_and_chains() {
        let flag = |k: &str, req: &str| {
            let requires = if req.is_empty() { String::new() } else { format!(r#","requires":[{{"flag":"{req}","variants":["on"]}}]"#) };
            format!(r#""{k}":{{"variants":{{"on":true}},"default":"on"{requires}}}"#)
        };
        let cycle = format!(r#"{{"schema":1,"version":1,"flags":{{{},{}}}}}"#, flag("a", "b"), flag("b", "a"));
        let (a, _) = both(&cycle, &Limits::default());
        assert_eq!(a, vec![("flags.b.requires[0].flag".to_string(), "prerequisite cycle: a → b → a".to_string())]);
        let chain = format!(r#"{{"schema":1,"version":1,"flags":{{{},{},{}}}}}"#, flag("a", "b"), flag("b", "c"), flag("c", ""));
        let limits = Limits { max_prerequisite_depth: 1, ..Limits::default() };
        let (a, _) = both(&chain, &limits);
        assert_eq!(a, vec![("flags.a.requires[0].flag".to_string(), "prerequisite chain of 2 steps is longer than the limit of 1".to_string())]);
        let (a, _) = both(&chain, &Limits::default());
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn thousandths() {
        assert_eq!(thousandths_text(99_999), "99.999");
        assert_eq!(thousandths_text(100_500), "100.5");
        assert_eq!(thousandths_text(100_000), "100");
        assert_eq!(percent_buckets("1.005"), Ok(1005));
        assert!(percent_buckets("100.001").is_err());
        assert!(percent_buckets("1.0005").is_err());
    }
}
