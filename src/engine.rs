//! The public API: load a snapshot, evaluate flags.

use crate::bytes::Push;
use crate::message::{msg, why};
use crate::context::{Attr, Attributes, Slots};
use crate::error::{LoadError, Problem, Problems, Severity};
use crate::eval::{self, NoTrace, Outcome};
use crate::explain::{Recorder, Trace};
use crate::json::{self, Value};
#[cfg(not(target_arch = "wasm32"))]
use crate::keys::KeyTable;
use crate::limits::Limits;
use crate::plan::{self, FlagPlan, Plan};
use crate::reason::{ErrorCode, Reason};
use crate::snapshot;
use crate::validate::{self, ValueKind};

/// How to load a snapshot.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Limits (spec §8).
    pub limits: Limits,
    /// The current time in ms since the epoch, to warn about expired flags; `None`: no such warnings.
    pub now_ms: Option<i64>,
}

/// A loaded, validated and compiled snapshot: evaluate flags against it.
///
/// ```
/// use edgeflag::{Context, Engine, Reason};
/// let engine = Engine::from_json(r#"{
///   "schema": 1, "version": 3,
///   "flags": { "new-checkout": {
///     "variants": { "on": true, "off": false }, "default": "off",
///     "rules": [ { "when": { "attr": "country", "op": "in", "values": ["DE", "FR"] }, "serve": "on" } ] } }
/// }"#).unwrap();
/// let ctx = Context::new("user-1").with("country", "DE");
/// let now = 1_790_000_000_000; // ms since the epoch (or use `evaluate_now`)
/// let d = engine.boolean("new-checkout", &ctx, false, now);
/// assert!(d.value);
/// assert_eq!(d.details.reason, Reason::TargetingMatch);
/// assert_eq!(d.details.rule_index, Some(0));
/// ```
#[derive(Debug)]
pub struct Engine {
    plan: Plan,
    warnings: Vec<Problem>,
    constants: Vec<Option<Outcome>>,
    /// Flag key → index for the by-key reads (native builds; `None`: use the plan's index). The wasm
    /// layer reads flags by index and leaves it out.
    #[cfg(not(target_arch = "wasm32"))]
    keys: Option<KeyTable>,
}

/// A flag evaluation, with every field of spec §7.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation<'e> {
    /// The flag's value; `None` on error (the caller's default applies).
    pub value: Option<&'e Value<'static>>,
    /// Variant key; `None` on error.
    pub variant: Option<&'e str>,
    /// Variant position in the flag's `variants` (for bindings); `None` on error.
    pub variant_index: Option<u32>,
    /// Why.
    pub reason: Reason,
    /// The deciding rule's position.
    pub rule_index: Option<u32>,
    /// The deciding rule's id.
    pub rule_id: Option<&'e str>,
    /// Error code (reason `ERROR`).
    pub error_code: Option<ErrorCode>,
    /// Error message (reason `ERROR`).
    pub error_message: Option<String>,
    /// The prerequisite that failed (`PREREQUISITE_FAILED`).
    pub prerequisite: Option<&'e str>,
    /// The flag's metadata (empty for unknown flags).
    pub metadata: &'e [(Box<str>, Value<'static>)],
}

/// A typed read: the value (or the caller's default on error) and the details.
#[derive(Clone, Debug, PartialEq)]
pub struct Typed<'e, T> {
    /// The flag's value, or the caller's default.
    pub value: T,
    /// The evaluation.
    pub details: Evaluation<'e>,
}

impl Engine {
    /// Loads a snapshot from JSON text with default limits.
    pub fn from_json(text: &str) -> Result<Engine, LoadError> {
        Engine::from_json_with(text, &LoadOptions::default())
    }

    /// Loads a snapshot from bytes (checked to be UTF-8).
    pub fn from_slice(bytes: &[u8], opts: &LoadOptions) -> Result<Engine, LoadError> {
        if bytes.len() > opts.limits.max_bytes {
            return Err(too_big(bytes.len(), &opts.limits));
        }
        match crate::bytes::from_utf8(bytes) {
            Some(t) => Engine::from_json_with(t, opts),
            None => Err(LoadError::single("(root)", why!("the snapshot is not valid UTF-8 (at byte ", crate::bytes::utf8_prefix(bytes).0, ")"))),
        }
    }

    /// Loads a snapshot from JSON text: parse, check shape, validate, compile. Every problem is
    /// reported at once; nothing is half-loaded.
    pub fn from_json_with(text: &str, opts: &LoadOptions) -> Result<Engine, LoadError> {
        if text.len() > opts.limits.max_bytes {
            return Err(too_big(text.len(), &opts.limits));
        }
        // The one-pass load; a text it does not take (a problem, a warning) is loaded the ordinary way,
        // which reports every problem. Not in the wasm build: there JS hands every text to the chunked
        // load first (`wasm::Loader`, `plan::Chunked`: the one-pass load in pieces, the same plan), and a
        // whole text comes here only after that gave no engine (or, in the diagnostics module, refused).
        if cfg!(not(target_arch = "wasm32")) {
            if let Some(plan) = plan::stream(text, &opts.limits, opts.now_ms) {
                return Ok(Engine::new(plan, Vec::new()));
            }
        }
        let mut p = Problems::default();
        let model = snapshot::build(text, opts.limits.max_json_depth, &mut p).map_err(|e| {
            // (a `LEAN` build's parse error is always at `(root)`: `snapshot::parse_error`)
            let path = if !crate::message::LEAN && matches!(e.kind, json::ParseErrorKind::DuplicateKey(_)) { e.path.clone() } else { "(root)".to_string() };
            LoadError::single(path, why!(&e.message()))
        })?;
        let Some(model) = model else {
            return Err(LoadError { problems: p.list });
        };
        let keys = plan::Keys::new(&model);
        validate::validate(&model, &keys, &opts.limits, opts.now_ms, &mut p);
        let plan = plan::compile(model, keys, &opts.limits, &mut p);
        if p.has_errors() {
            return Err(LoadError { problems: p.list });
        }
        Ok(Engine::new(plan, p.list))
    }

    /// Loads a snapshot as a JavaScript host asks for it (the diagnostics module): `limits` as JSON text (`None`: the defaults), and a refusal as JSON, `{"message",
    /// "problems"}` ([`LoadError::to_json`]; limits that are not valid give their message and no problems).
    pub fn from_host(bytes: &[u8], now_ms: Option<i64>, limits: Option<&str>) -> Result<Engine, String> {
        let limits = Limits::from_host(limits).map_err(|m| crate::error::refusal_json(&m, &[]))?;
        Engine::from_slice(bytes, &LoadOptions { now_ms, limits }).map_err(|e| e.to_json())
    }

    /// The engine of a plan built by a chunked load (`plan::Chunked`, the wasm loader).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn from_plan(plan: Plan) -> Engine {
        Engine::new(plan, Vec::new())
    }

    /// The engine of a plan, with its constant results worked out (out of line: called by both loads).
    #[inline(never)]
    fn new(plan: Plan, warnings: Vec<Problem>) -> Engine {
        // No table when no flag is constant (`outcome` then finds no entry and evaluates): S3, 1,000 flags
        // that all read the context, keeps 24 KB (wasm) less.
        let constant = |f: &FlagPlan| !f.uses_context && !f.uses_time;
        // The diagnostics module (feature `diagnose`) only loads, never evaluates: no table (the results stay
        // the same, `outcome` evaluates), and so no evaluator in that `.wasm`.
        let constants = if !cfg!(feature = "diagnose") && plan.flags.iter().any(constant) {
            // (a plain loop: an iterator adaptor's code of its own in the wasm build)
            let mut v = Vec::with_capacity(plan.flags.len());
            for (i, f) in plan.flags.iter().enumerate() {
                v.push(constant(f).then(|| eval::evaluate(&plan, i as u32, &Slots(&[]), 0, &mut NoTrace)));
            }
            v
        } else {
            Vec::new()
        };
        #[cfg(not(target_arch = "wasm32"))]
        let keys = KeyTable::new(plan.flags.iter().map(|f| plan.key(f)), |i| plan.flags.get(i as usize).map_or("", |f| plan.key(f)));
        Engine {
            #[cfg(not(target_arch = "wasm32"))]
            keys,
            plan,
            warnings,
            constants,
        }
    }

    /// The format version (1).
    pub fn schema(&self) -> u64 {
        self.plan.schema
    }

    /// The snapshot's version (raised on every publish).
    pub fn version(&self) -> u64 {
        self.plan.version
    }

    /// The snapshot's environment.
    pub fn environment(&self) -> Option<&str> {
        self.plan.environment.as_deref()
    }

    /// The snapshot's `publishedAt`.
    pub fn published_at(&self) -> Option<&str> {
        self.plan.published_at.as_deref()
    }

    /// The snapshot's metadata.
    pub fn metadata(&self) -> &[(Box<str>, Value<'static>)] {
        &self.plan.metadata
    }

    /// Warnings found at load (e.g. expired flags); the snapshot loaded anyway.
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// Flag keys in document order.
    pub fn flag_keys(&self) -> impl Iterator<Item = &str> {
        self.plan.flags.iter().map(|f| self.plan.key(f))
    }

    /// The key of flag `index` (its position in document order; `""` past the last flag).
    pub fn flag_key(&self, index: u32) -> &str {
        self.plan.flags.get(index as usize).map_or("", |f| self.plan.key(f))
    }

    /// Number of flags.
    pub fn flag_count(&self) -> usize {
        self.plan.flags.len()
    }

    /// The position of a flag (its index for the `*_index` methods).
    #[cfg(target_arch = "wasm32")]
    #[inline]
    pub fn flag_index(&self, key: &str) -> Option<u32> {
        self.plan.flag_index.get(key)
    }

    /// The position of a flag (its index for the `*_index` methods). A key of at most 16 bytes is
    /// looked up in place (by its words, [`KeyTable::get`]); others out of line ([`Engine::flag_index_long`]).
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    pub fn flag_index(&self, key: &str) -> Option<u32> {
        match &self.keys {
            // keys of at most 16 bytes are compared by their words: `key_of` is not called
            Some(t) if key.len() <= 16 => t.get(key, |_| ""),
            _ => self.flag_index_long(key),
        }
    }

    /// [`Engine::flag_index`] of a key over 16 bytes, or without a key table.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(never)]
    fn flag_index_long(&self, key: &str) -> Option<u32> {
        match &self.keys {
            Some(t) => t.get(key, |i| self.plan.flags.get(i as usize).map_or("", |f| self.plan.key(f))),
            None => self.plan.flag_index.get(key),
        }
    }

    /// The value type of the flag at `index`.
    pub fn flag_kind(&self, index: u32) -> Option<ValueKind> {
        self.plan.flags.get(index as usize).map(|f| f.kind)
    }

    /// Variant keys and values of the flag at `index`.
    pub fn variants(&self, index: u32) -> &[(Box<str>, Value<'static>)] {
        self.plan.flags.get(index as usize).map(|f| self.plan.variants(f)).unwrap_or(&[])
    }

    /// Metadata of the flag at `index`.
    pub fn flag_metadata(&self, index: u32) -> &[(Box<str>, Value<'static>)] {
        self.plan.flags.get(index as usize).map(|f| self.plan.flag_metadata(f)).unwrap_or(&[])
    }

    /// The ids of the flag's rules, by rule index (`None`: a rule without an id; empty for an unknown index).
    pub fn rule_ids(&self, index: u32) -> impl Iterator<Item = Option<&str>> {
        // (a slice's `map`, not a `flat_map` of the flag: less code in the wasm build)
        let rules = self.plan.flags.get(index as usize).map_or(&[][..], |f| self.plan.rules(f));
        rules.iter().map(|r| self.plan.rule_id(r))
    }

    /// Whether the flag's result can depend on the time.
    pub fn uses_time(&self, index: u32) -> bool {
        self.plan.flags.get(index as usize).is_some_and(|f| f.uses_time)
    }

    /// The flag's result when it depends on neither context nor time.
    pub fn constant(&self, index: u32) -> Option<Evaluation<'_>> {
        let o = (*self.constants.get(index as usize)?)?;
        Some(self.details(index, &o))
    }

    /// [`Engine::constant`]'s outcome, unbuilt (the wasm layer packs it: `edgeflag_flag_table`).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn constant_outcome(&self, index: u32) -> Option<Outcome> {
        *self.constants.get(index as usize)?
    }

    /// Attribute paths the snapshot reads, by slot (slot 0 is `key`). The JS client encodes these.
    pub fn attribute_paths(&self) -> &[Vec<Box<str>>] {
        &self.plan.attrs
    }

    // Inlined natively (S1/S2 reads); left to the optimiser in the size-optimised wasm build.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn details(&self, index: u32, o: &Outcome) -> Evaluation<'_> {
        self.details_of(self.plan.flags.get(index as usize), o)
    }

    /// The evaluation of flag `f` (`None`: out of range) that decided `o`: borrowed from the plan,
    /// nothing allocated unless the outcome is an error.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn details_of(&self, f: Option<&FlagPlan>, o: &Outcome) -> Evaluation<'_> {
        let var = f.and_then(|f| self.plan.variants(f).get(o.variant as usize));
        Evaluation {
            value: var.map(|(_, v)| v),
            variant: var.map(|(k, _)| &**k),
            variant_index: var.map(|_| o.variant),
            reason: o.reason,
            rule_index: o.rule,
            rule_id: match (o.rule, f) {
                (Some(r), Some(f)) => self.plan.rules(f).get(r as usize).and_then(|r| self.plan.rule_id(r)),
                _ => None,
            },
            error_code: (o.reason == Reason::Error).then_some(ErrorCode::General),
            error_message: if o.reason == Reason::Error { general_error() } else { None },
            prerequisite: match o.prerequisite {
                Some(p) => self.plan.flags.get(p as usize).map(|p| self.plan.key(p)),
                None => None,
            },
            metadata: f.map(|f| self.plan.flag_metadata(f)).unwrap_or(&[]),
        }
    }

    /// Evaluates the flag at `index` (see [`Engine::flag_index`]).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline)]
    pub fn evaluate_index<C: Attributes + ?Sized>(&self, index: u32, ctx: &C, now_ms: i64) -> Evaluation<'_> {
        self.details(index, &self.outcome(index, ctx, now_ms))
    }

    #[inline(always)]
    pub(crate) fn outcome<C: Attributes + ?Sized>(&self, index: u32, ctx: &C, now_ms: i64) -> Outcome {
        match self.constants.get(index as usize) {
            Some(Some(o)) => *o,
            _ => eval::evaluate(&self.plan, index, ctx, now_ms, &mut NoTrace),
        }
    }

    /// Evaluates `flag` (untyped, as `edgeflag eval` does): an unknown flag gives reason `ERROR`,
    /// `FLAG_NOT_FOUND` and no value.
    pub fn evaluate<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C, now_ms: i64) -> Evaluation<'_> {
        match self.flag_index(flag) {
            Some(i) => self.evaluate_index(i, ctx, now_ms),
            None => self.not_found(flag),
        }
    }

    /// Evaluates `flag` at the system clock's time (native builds only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn evaluate_now<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C) -> Evaluation<'_> {
        self.evaluate(flag, ctx, crate::time::now_ms())
    }

    #[cold]
    #[inline(never)]
    fn not_found(&self, flag: &str) -> Evaluation<'_> {
        Evaluation::error(ErrorCode::FlagNotFound, msg!("flag \"", flag, "\" is not in snapshot version ", self.plan.version))
    }

    /// Evaluates `flag` expecting values of `kind`: another kind gives `TYPE_MISMATCH`, no value.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn evaluate_typed<C: Attributes + ?Sized>(&self, flag: &str, kind: ValueKind, ctx: &C, now_ms: i64) -> Evaluation<'_> {
        match self.typed_flag(flag, kind) {
            Some((i, f)) => self.details_of(Some(f), &self.outcome(i, ctx, now_ms)),
            None => self.typed_failure(flag, kind),
        }
    }

    /// The index and plan of `flag` when it holds `kind` values (else see [`Engine::typed_failure`]).
    #[inline(always)]
    fn typed_flag(&self, flag: &str, kind: ValueKind) -> Option<(u32, &FlagPlan)> {
        let i = self.flag_index(flag)?;
        let f = self.plan.flags.get(i as usize)?;
        (f.kind == kind).then_some((i, f))
    }

    /// Why [`Engine::typed_flag`] found nothing: `FLAG_NOT_FOUND` or `TYPE_MISMATCH`.
    #[cold]
    #[inline(never)]
    fn typed_failure(&self, flag: &str, kind: ValueKind) -> Evaluation<'_> {
        match self.flag_index(flag).and_then(|i| self.plan.flags.get(i as usize)) {
            Some(f) => self.mismatch(flag, f, kind),
            None => self.not_found(flag),
        }
    }

    /// A typed read: `pick` takes the value from the flag's, `default` stands in on error. The result
    /// is written in one piece (the error case apart), not built and then copied: natively a copy of
    /// the `Evaluation` cost more than the rest of a constant flag's read (stores not forwarded).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn read<'a, T, C: Attributes + ?Sized>(
        &'a self,
        flag: &str,
        kind: ValueKind,
        ctx: &C,
        now_ms: i64,
        default: T,
        pick: impl FnOnce(&'a Value<'static>) -> Option<T>,
    ) -> Typed<'a, T> {
        match self.typed_flag(flag, kind) {
            Some((i, f)) => {
                let details = self.details_of(Some(f), &self.outcome(i, ctx, now_ms));
                Typed { value: details.value.and_then(pick).unwrap_or(default), details }
            }
            None => Typed { value: default, details: self.typed_failure(flag, kind) },
        }
    }

    #[cold]
    #[inline(never)]
    fn mismatch(&self, flag: &str, f: &FlagPlan, kind: ValueKind) -> Evaluation<'_> {
        Evaluation {
            error_code: Some(ErrorCode::TypeMismatch),
            error_message: Some(msg!("flag \"", flag, "\" holds ", f.kind.as_str(), " values, not ", kind.as_str())),
            reason: Reason::Error,
            value: None,
            variant: None,
            variant_index: None,
            rule_index: None,
            rule_id: None,
            prerequisite: None,
            metadata: self.plan.flag_metadata(f),
        }
    }

    /// A boolean read: the flag's value, or `default` on error (`TYPE_MISMATCH`, `FLAG_NOT_FOUND`).
    pub fn boolean<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C, default: bool, now_ms: i64) -> Typed<'_, bool> {
        self.read(flag, ValueKind::Boolean, ctx, now_ms, default, Value::as_bool)
    }

    /// A string read.
    pub fn string<'a, C: Attributes + ?Sized>(&'a self, flag: &str, ctx: &C, default: &'a str, now_ms: i64) -> Typed<'a, &'a str> {
        self.read(flag, ValueKind::String, ctx, now_ms, default, Value::as_str)
    }

    /// A number read.
    pub fn number<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C, default: f64, now_ms: i64) -> Typed<'_, f64> {
        self.read(flag, ValueKind::Number, ctx, now_ms, default, |v| match v {
            Value::Number(n) => Some(n.as_f64()),
            _ => None,
        })
    }

    /// A JSON (object/array) read; the value is `None` on error (use your default).
    pub fn json<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C, now_ms: i64) -> Evaluation<'_> {
        self.evaluate_typed(flag, ValueKind::Json, ctx, now_ms)
    }

    /// Evaluates every flag, in document order.
    pub fn evaluate_all<C: Attributes + ?Sized>(&self, ctx: &C, now_ms: i64) -> Vec<(&str, Evaluation<'_>)> {
        (0..self.plan.flags.len() as u32)
            .map(|i| (self.plan.flags.get(i as usize).map_or("", |f| self.plan.key(f)), self.evaluate_index(i, ctx, now_ms)))
            .collect()
    }

    /// The explain trace of `flag` (`None` when the snapshot has no such flag).
    pub fn explain<C: Attributes + ?Sized>(&self, flag: &str, ctx: &C, now_ms: i64) -> Option<Trace> {
        let i = self.flag_index(flag)?;
        Some(self.explain_index(i, ctx, now_ms))
    }

    /// The explain trace of the flag at `index`.
    pub fn explain_index<C: Attributes + ?Sized>(&self, index: u32, ctx: &C, now_ms: i64) -> Trace {
        let mut r = Recorder::new(&self.plan, now_ms);
        eval::evaluate(&self.plan, index, ctx, now_ms, &mut r);
        r.finish()
    }

    /// The bare outcome against a decoded slot table (the wasm layer's packed path).
    #[inline(always)]
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by src/wasm.rs only
    pub(crate) fn outcome_slots(&self, index: u32, slots: &[Attr<'_>], now_ms: i64) -> Outcome {
        self.outcome(index, &Slots(slots), now_ms)
    }

    /// Evaluates against a decoded slot table (the wasm layer's path).
    #[doc(hidden)]
    pub fn evaluate_slots(&self, index: u32, slots: &[Attr<'_>], now_ms: i64) -> Evaluation<'_> {
        self.evaluate_index(index, &Slots(slots), now_ms)
    }
}

/// The message of an evaluation error (kept out of line: the hot path never allocates).
#[cold]
#[inline(never)]
fn general_error() -> Option<String> {
    Some("evaluation failed".to_string())
}

fn too_big(n: usize, l: &Limits) -> LoadError {
    LoadError::single("(root)", why!("the snapshot is ", n, " bytes; the limit is ", l.max_bytes, " bytes"))
}

impl Evaluation<'_> {
    /// An error result that no flag's facts go with (no value, variant, rule or metadata): `code`, `message`.
    pub(crate) fn error(code: ErrorCode, message: String) -> Evaluation<'static> {
        Evaluation {
            value: None,
            variant: None,
            variant_index: None,
            reason: Reason::Error,
            rule_index: None,
            rule_id: None,
            error_code: Some(code),
            error_message: Some(message),
            prerequisite: None,
            metadata: &[],
        }
    }

    /// Writes the result as JSON: `{"value","variant","reason","ruleId","ruleIndex","errorCode",
    /// "errorMessage","prerequisite","metadata"}` (the CLI's `eval` format, spec §10).
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"value\":");
        match self.value {
            Some(v) => json::write_value(out, v),
            None => out.push_str("null"),
        }
        out.push_str(",\"variant\":");
        opt(out, self.variant);
        out.push_str(",\"reason\":");
        json::write_string(out, self.reason.as_str());
        out.push_str(",\"ruleId\":");
        opt(out, self.rule_id);
        out.push_str(",\"ruleIndex\":");
        match self.rule_index {
            Some(i) => crate::message::push_int(out, i as u64),
            None => out.push_str("null"),
        }
        out.push_str(",\"errorCode\":");
        opt(out, self.error_code.map(ErrorCode::as_str));
        out.push_str(",\"errorMessage\":");
        opt(out, self.error_message.as_deref());
        out.push_str(",\"prerequisite\":");
        opt(out, self.prerequisite);
        out.push_str(",\"metadata\":");
        pairs(out, self.metadata);
        out.push_ascii(b'}');
    }

    /// The result as JSON text (see [`Evaluation::write_json`]).
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.write_json(&mut s);
        s
    }
}

/// Appends `s` as a JSON string, or `null` (one copy: the wasm layer's JSON uses it too).
#[inline(never)]
pub(crate) fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json::write_string(out, s),
        None => out.push_str("null"),
    }
}

/// Appends `p` as a JSON object (metadata: a result's, a flag's, a snapshot's).
pub(crate) fn pairs(out: &mut String, p: &[(Box<str>, Value<'static>)]) {
    out.push_ascii(b'{');
    for (i, (k, v)) in p.iter().enumerate() {
        if i > 0 {
            out.push_ascii(b',');
        }
        json::write_string(out, k);
        out.push_ascii(b':');
        json::write_value(out, v);
    }
    out.push_ascii(b'}');
}

/// Severity filter helper for callers: the errors of a problem list.
pub fn errors_only(problems: &[Problem]) -> impl Iterator<Item = &Problem> {
    problems.iter().filter(|p| p.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_host_gives_the_refusal_as_json() {
        let bad = r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true},"default":"x"},"g":{"variants":{}}}}"#;
        let e = Engine::from_json(bad).err().map(|e| e.to_json()).unwrap_or_default();
        assert_eq!(Engine::from_host(bad.as_bytes(), None, None).err().as_deref(), Some(&*e));
        let v = crate::json::parse(&e).unwrap();
        let problems = v.get("problems").and_then(|p| p.as_array()).unwrap();
        let paths: Vec<_> = problems.iter().filter_map(|p| p.get("path").and_then(|p| p.as_str())).collect();
        assert_eq!(paths, ["flags.g.default", "flags.f.default", "flags.g.variants"]);
        assert!(e.starts_with(r#"{"message":"invalid snapshot (3 problems)\n  flags.g.default: "#), "{e}");
        let ok = r#"{"schema":1,"version":1,"flags":{}}"#;
        assert!(Engine::from_host(ok.as_bytes(), Some(0), Some(r#"{"maxBytes":100}"#)).is_ok());
        assert_eq!(
            Engine::from_host(ok.as_bytes(), None, Some(r#"{"maxBytes":10}"#)).err().as_deref(),
            Some(r#"{"message":"invalid snapshot (1 problem)\n  (root): the snapshot is 35 bytes; the limit is 10 bytes","problems":[{"path":"(root)","message":"the snapshot is 35 bytes; the limit is 10 bytes"}]}"#)
        );
        assert_eq!(
            Engine::from_host(ok.as_bytes(), None, Some(r#"{"nope":1}"#)).err().as_deref(),
            Some(r#"{"message":"limits.nope: unknown limit","problems":[]}"#)
        );
    }
    use crate::context::Context;

    const SNAP: &str = r#"{"schema":1,"version":9,"environment":"test","flags":{
      "static":{"variants":{"a":"x","b":"y"},"default":"b"},
      "off":{"enabled":false,"variants":{"on":true,"off":false},"default":"on","offVariant":"off"},
      "timed":{"variants":{"on":true,"off":false},"default":"off","rules":[{"from":"2026-01-01T00:00:00Z","serve":"on"}]},
      "ctx":{"variants":{"on":true,"off":false},"default":"off","rules":[{"when":{"attr":"plan","op":"eq","value":"pro"},"serve":"on"}]},
      "num":{"variants":{"n":1.50},"default":"n"},
      "obj":{"variants":{"o":{"a":[1]}},"default":"o"}}}"#;

    /// Keys of every length up to 40 bytes (in place up to 16, `flag_index_long` beyond) find their
    /// flag by key, and a key differing in its last byte, or one byte longer, none.
    #[test]
    fn flag_keys_of_every_length_are_found() {
        let keys: Vec<String> = (1..=40).map(|n| (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect()).collect();
        let flags: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!(r#""{k}":{{"variants":{{"v":{i}}},"default":"v"}}"#))
            .collect();
        let e = Engine::from_json(&format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))).unwrap();
        let ctx = Context::new("u");
        assert!(e.flag_keys().eq(keys.iter().map(String::as_str)));
        assert_eq!(e.flag_key(keys.len() as u32), "");
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(e.flag_key(i as u32), k);
            assert_eq!(e.flag_index(k), Some(i as u32), "{k}");
            assert_eq!(e.number(k, &ctx, -1.0, 0).value, i as f64, "{k}");
            let mut other = k.clone().into_bytes();
            if let Some(b) = other.last_mut() {
                *b = b'Z';
            }
            let other = String::from_utf8(other).unwrap();
            assert_eq!(e.flag_index(&other), None, "{other}");
            assert_eq!(e.flag_index(&format!("{k}!")), None, "{k}!");
        }
    }

    #[test]
    fn metadata_and_constants() {
        let e = Engine::from_json(SNAP).unwrap();
        assert_eq!((e.version(), e.environment(), e.flag_count()), (9, Some("test"), 6));
        assert!(e.constant(0).is_some() && e.constant(1).is_some());
        assert!(e.constant(2).is_none() && e.uses_time(2));
        assert!(e.constant(3).is_none() && !e.uses_time(3));
        assert_eq!(e.attribute_paths()[0][0].as_ref(), "key");
    }

    #[test]
    fn rule_ids_by_rule_index() {
        let e = Engine::from_json(
            r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true,"off":false},"default":"off",
            "rules":[{"id":"r1","when":{"attr":"a","op":"exists"},"serve":"on"},{"serve":"off"}]}}}"#,
        )
        .unwrap();
        assert_eq!(e.rule_ids(0).collect::<Vec<_>>(), [Some("r1"), None]);
        assert_eq!(e.rule_ids(7).count(), 0);
    }

    #[test]
    fn typed_reads() {
        let e = Engine::from_json(SNAP).unwrap();
        let c = Context::new("u").with("plan", "pro");
        assert_eq!(e.string("static", &c, "d", 0).value, "y");
        assert_eq!(e.string("static", &c, "d", 0).details.reason, Reason::Static);
        let m = e.boolean("static", &c, true, 0);
        assert!(m.value);
        assert_eq!(m.details.error_code, Some(ErrorCode::TypeMismatch));
        assert_eq!(e.number("num", &c, 0.0, 0).value, 1.5);
        assert!(e.json("obj", &c, 0).value.is_some());
        assert_eq!(e.boolean("off", &c, true, 0).details.reason, Reason::Disabled);
        assert!(e.boolean("ctx", &c, false, 0).value);
        let nf = e.boolean("missing", &c, true, 0);
        assert!(nf.value && nf.details.error_code == Some(ErrorCode::FlagNotFound));
        assert!(!e.boolean("timed", &c, false, 1_700_000_000_000).value);
        assert!(e.boolean("timed", &c, false, 1_800_000_000_000).value);
    }

    #[test]
    fn key_table_agrees_with_the_plan_index() {
        let mut flags: Vec<String> = (0..300).map(|i| format!("flag-{i}")).collect();
        flags.extend(["a", "checkout-redesign-enabled-everywhere", "checkout-redesign-enabled-elsewhere", "ü"].map(String::from));
        let body: Vec<String> = flags.iter().map(|k| format!(r#""{k}":{{"variants":{{"on":true,"off":false}},"default":"on"}}"#)).collect();
        let mut e = Engine::from_json(&format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, body.join(","))).unwrap();
        assert!(e.keys.is_some());
        let probes = flags.iter().map(String::as_str).chain(["flag-300", "checkout-redesign-enabled-anywhere", "b", "u"]);
        for k in probes.clone() {
            assert_eq!(e.flag_index(k), e.plan.flag_index.get(k), "{k}");
        }
        // Without the table (keys it would not take) the plan's index answers.
        e.keys = None;
        assert_eq!(e.flag_index("flag-7"), Some(7));
        assert!(e.boolean("checkout-redesign-enabled-elsewhere", &Context::empty(), false, 0).value);
        assert_eq!(e.boolean("nope", &Context::empty(), true, 0).details.error_code, Some(ErrorCode::FlagNotFound));
    }

    #[test]
    fn result_json() {
        let e = Engine::from_json(SNAP).unwrap();
        let j = e.evaluate("num", &Context::empty(), 0).to_json();
        assert_eq!(
            j,
            r#"{"value":1.50,"variant":"n","reason":"STATIC","ruleId":null,"ruleIndex":null,"errorCode":null,"errorMessage":null,"prerequisite":null,"metadata":{}}"#
        );
        let all = e.evaluate_all(&Context::empty(), 0);
        assert_eq!(all.len(), 6);
        assert_eq!(all[1].0, "off");
    }

    #[test]
    fn limits_and_bytes() {
        let small = LoadOptions { limits: Limits { max_bytes: 10, ..Limits::default() }, now_ms: None };
        assert_eq!(Engine::from_json_with(SNAP, &small).unwrap_err().problems[0].path, "(root)");
        assert!(Engine::from_slice(b"\xff", &LoadOptions::default()).is_err());
        let dup = r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1,"x":2},"default":"x"}}}"#;
        assert_eq!(Engine::from_json(dup).unwrap_err().problems[0].path, "flags.a.variants");
    }

    #[test]
    fn expiry_warnings() {
        let t = r#"{"schema":1,"version":1,"flags":{"a":{"expires":"2020-01-01","variants":{"x":1},"default":"x"}}}"#;
        let e = Engine::from_json_with(t, &LoadOptions { now_ms: Some(1_800_000_000_000), ..Default::default() }).unwrap();
        assert_eq!(e.warnings().len(), 1);
        assert_eq!(e.warnings()[0].path, "flags.a.expires");
        assert!(Engine::from_json(t).unwrap().warnings().is_empty());
    }
}
