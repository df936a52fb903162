//! The snapshot model (spec §1–§6): typed structs built from the JSON tree.
//!
//! This layer checks *shape*: required fields, JSON types, unknown fields (a typo must never silently
//! change who sees a feature). It reports every problem with its JSON path and keeps going, keeping
//! broken parts as `Invalid` placeholders so that positions (`rules[2]`) stay right for the later
//! layers: [`crate::validate`] checks meaning (references, percents, cycles, limits) and
//! [`crate::plan`] compiles operators and operands. Strings borrow from the JSON text where they can.

use crate::error::{Path, Problems};
use crate::json::{Number, Value};
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
}

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

/// Builds the model from a parsed document, reporting shape problems. Returns `None` only for an
/// unknown `schema`, which is reported alone (spec §9).
pub(crate) fn build<'a>(doc: Value<'a>, p: &mut Problems) -> Option<Snapshot<'a>> {
    let fields = match doc {
        Value::Object(f) => f,
        other => {
            p.error("(root)", format!("a snapshot must be a JSON object, not {}", other.type_name()));
            return Some(Snapshot::default());
        }
    };
    // An unknown schema is reported alone: nothing else can be judged against a format we don't know.
    if let Some((_, Value::Number(n))) = fields.iter().find(|(k, _)| k == "schema") {
        if n.is_integer_literal() && n.as_u64() != Some(1) {
            let mut alone = Problems::default();
            alone.error("schema", format!("unknown schema {}: this engine reads schema 1", n.text()));
            *p = alone;
            return None;
        }
    }
    let mut s = Snapshot::default();
    let (mut has_schema, mut has_version) = (false, false);
    let root = Path::Root;
    for (k, v) in fields {
        let path = root.key(&k);
        match &*k {
            "schema" => {
                has_schema = true;
                s.schema = integer(v, &path, p).unwrap_or(1);
            }
            "version" => {
                has_version = true;
                s.version = integer(v, &path, p).unwrap_or(0);
            }
            "environment" => s.environment = string(v, &path, p),
            "publishedAt" => s.published_at = string(v, &path, p),
            "metadata" => s.metadata = metadata(v, &path, p),
            "segments" => {
                for (key, v) in map(v, &path, p) {
                    let seg = segment(v, &path.key(&key), p);
                    s.segments.push((key, seg));
                }
            }
            "flags" => {
                for (key, v) in map(v, &path, p) {
                    let f = flag(v, &path.key(&key), p);
                    s.flags.push((key, f));
                }
            }
            _ => unknown(&path, p),
        }
    }
    if !has_schema {
        p.error("schema", "required field missing (write \"schema\": 1)");
    }
    if !has_version {
        p.error("version", "required field missing (an integer ≥ 0, raised on every publish)");
    }
    Some(s)
}

fn unknown(path: &Path<'_>, p: &mut Problems) {
    p.error(path, "unknown field");
}

fn type_error(v: &Value<'_>, want: &str, path: &Path<'_>, p: &mut Problems) {
    p.error(path, format!("expected {want}, found {}", v.type_name()));
}

fn integer(v: Value<'_>, path: &Path<'_>, p: &mut Problems) -> Option<u64> {
    match &v {
        Value::Number(n) if n.is_integer_literal() => match n.as_u64() {
            Some(x) => Some(x),
            None => {
                p.error(path, format!("must be an integer from 0 to 18446744073709551615, found {}", n.text()));
                None
            }
        },
        Value::Number(n) => {
            p.error(path, format!("must be an integer literal (no fraction or exponent), found {}", n.text()));
            None
        }
        _ => {
            type_error(&v, "an integer", path, p);
            None
        }
    }
}

fn string<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Option<Str<'a>> {
    match v {
        Value::String(s) => Some(s),
        other => {
            type_error(&other, "a string", path, p);
            None
        }
    }
}

fn boolean(v: Value<'_>, path: &Path<'_>, p: &mut Problems) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(b),
        other => {
            type_error(&other, "true or false", path, p);
            None
        }
    }
}

fn object<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<(Str<'a>, Value<'a>)> {
    match v {
        Value::Object(f) => f,
        other => {
            type_error(&other, "an object", path, p);
            Vec::new()
        }
    }
}

/// `segments`/`flags`: an object; `null` is an error too (spec §9).
fn map<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<(Str<'a>, Value<'a>)> {
    object(v, path, p)
}

fn array<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<Value<'a>> {
    match v {
        Value::Array(a) => a,
        other => {
            type_error(&other, "an array", path, p);
            Vec::new()
        }
    }
}

fn strings<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<Str<'a>> {
    let mut out = Vec::new();
    for (i, e) in array(v, path, p).into_iter().enumerate() {
        if let Some(s) = string(e, &path.index(i), p) {
            out.push(s);
        }
    }
    out
}

fn metadata<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Vec<(Str<'a>, Value<'a>)> {
    let mut out = Vec::new();
    for (k, v) in object(v, path, p) {
        match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => out.push((k, v)),
            other => type_error(&other, "a string, number or boolean", &path.key(&k), p),
        }
    }
    out
}

/// Like [`object`], but `None` for a value of the wrong type (reported), so that callers do not
/// also report its fields as missing.
fn object_fields<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Option<Vec<(Str<'a>, Value<'a>)>> {
    match v {
        Value::Object(f) => Some(f),
        other => {
            type_error(&other, "an object", path, p);
            None
        }
    }
}

fn flag<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Flag<'a> {
    let mut f = Flag { enabled: true, ..Flag::default() };
    let (mut has_variants, mut has_default) = (false, false);
    let Some(items) = object_fields(v, path, p) else { return f };
    for (k, v) in items {
        let fp = path.key(&k);
        match &*k {
            "description" => f.description = string(v, &fp, p),
            "owner" => f.owner = string(v, &fp, p),
            "tags" => f.tags = strings(v, &fp, p),
            "expires" => f.expires = string(v, &fp, p),
            "metadata" => f.metadata = metadata(v, &fp, p),
            "enabled" => f.enabled = boolean(v, &fp, p).unwrap_or(true),
            "variants" => {
                has_variants = true;
                f.variants = object(v, &fp, p);
            }
            "default" => {
                has_default = true;
                f.default = string(v, &fp, p);
            }
            "offVariant" => f.off_variant = string(v, &fp, p),
            "salt" => f.salt = string(v, &fp, p),
            "requires" => {
                for (i, r) in array(v, &fp, p).into_iter().enumerate() {
                    f.requires.push(prerequisite(r, &fp.index(i), p));
                }
            }
            "rules" => {
                let mut rules = Vec::new();
                for (i, r) in array(v, &fp, p).into_iter().enumerate() {
                    rules.push(rule(r, &fp.index(i), p));
                }
                f.rules = Some(rules);
            }
            "serverOnly" => f.server_only = boolean(v, &fp, p).unwrap_or(false),
            _ => unknown(&fp, p),
        }
    }
    if !has_variants {
        p.error(&path.key("variants"), "required field missing (a map of variant key to value)");
    }
    if !has_default {
        p.error(&path.key("default"), "required field missing (the variant served when no rule applies)");
    }
    f
}

fn prerequisite<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Prerequisite<'a> {
    let mut r = Prerequisite::default();
    let mut has_variants = false;
    let Some(items) = object_fields(v, path, p) else { return r };
    for (k, v) in items {
        let fp = path.key(&k);
        match &*k {
            "flag" => r.flag = string(v, &fp, p),
            "variants" => {
                has_variants = true;
                r.variants = strings(v, &fp, p);
            }
            _ => unknown(&fp, p),
        }
    }
    if r.flag.is_none() && !p.at(&path.key("flag")) {
        p.error(&path.key("flag"), "required field missing (the prerequisite flag's key)");
    }
    if !has_variants {
        p.error(&path.key("variants"), "required field missing (the variants the prerequisite must evaluate to)");
    }
    r
}

fn rule<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Rule<'a> {
    let mut r = Rule { id: None, when: None, from: None, until: None, serve: Serve::Invalid };
    let mut has_serve = false;
    let Some(items) = object_fields(v, path, p) else { return r };
    for (k, v) in items {
        let fp = path.key(&k);
        match &*k {
            "id" => r.id = string(v, &fp, p),
            "when" => r.when = Some(condition(v, &fp, p)),
            "from" => r.from = string(v, &fp, p),
            "until" => r.until = string(v, &fp, p),
            "serve" => {
                has_serve = true;
                r.serve = serve(v, &fp, p);
            }
            _ => unknown(&fp, p),
        }
    }
    if !has_serve {
        p.error(&path.key("serve"), "required field missing (a variant key, or a split, percent or ramp)");
    }
    r
}

fn number<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Option<Number<'a>> {
    match v {
        Value::Number(n) => Some(n),
        other => {
            type_error(&other, "a number", path, p);
            None
        }
    }
}

fn serve<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Serve<'a> {
    let fields = match v {
        Value::String(s) => return Serve::Variant(s),
        Value::Object(f) => f,
        other => {
            type_error(&other, "a variant key or an object", path, p);
            return Serve::Invalid;
        }
    };
    let has = |name: &str| fields.iter().any(|(k, _)| k == name);
    let forms = [has("split"), has("percent"), has("ramp")].iter().filter(|b| **b).count();
    if forms == 0 {
        if has("variant") {
            p.error(path, "a serve object with only \"variant\" is not allowed: write \"serve\": \"<variant>\", or add \"percent\" or \"ramp\"");
        } else {
            p.error(path, "a serve object needs \"split\", \"percent\" or \"ramp\"");
        }
        for (k, _) in &fields {
            if !matches!(&**k, "variant" | "by") {
                unknown(&path.key(k), p);
            }
        }
        return Serve::Invalid;
    }
    if forms > 1 {
        p.error(path, "a serve object takes only one of \"split\", \"percent\" and \"ramp\"");
        return Serve::Invalid;
    }
    let is_split = has("split");
    let is_ramp = has("ramp");
    let (mut variant, mut by, mut percent, mut split, mut ramp) = (None, None, None, Vec::new(), Vec::new());
    let mut broken = false;
    for (k, v) in fields {
        let fp = path.key(&k);
        match &*k {
            "by" => by = string(v, &fp, p),
            "variant" if !is_split => variant = string(v, &fp, p),
            "percent" => {
                percent = number(v, &fp, p);
                broken |= percent.is_none();
            }
            "split" => {
                for (i, e) in array(v, &fp, p).into_iter().enumerate() {
                    let ep = fp.index(i);
                    let mut entry = SplitEntry { variant: None, percent: None };
                    let (mut hv, mut hp) = (false, false);
                    let Some(items) = object_fields(e, &ep, p) else {
                        split.push(entry);
                        continue;
                    };
                    for (k, v) in items {
                        let kp = ep.key(&k);
                        match &*k {
                            "variant" => {
                                hv = true;
                                entry.variant = string(v, &kp, p);
                            }
                            "percent" => {
                                hp = true;
                                entry.percent = number(v, &kp, p);
                            }
                            _ => unknown(&kp, p),
                        }
                    }
                    if !hv {
                        p.error(&ep.key("variant"), "required field missing");
                    }
                    if !hp {
                        p.error(&ep.key("percent"), "required field missing");
                    }
                    split.push(entry);
                }
            }
            "ramp" => {
                for (i, e) in array(v, &fp, p).into_iter().enumerate() {
                    let ep = fp.index(i);
                    let mut step = RampStep { at: None, percent: None };
                    let (mut ha, mut hp) = (false, false);
                    let Some(items) = object_fields(e, &ep, p) else {
                        ramp.push(step);
                        continue;
                    };
                    for (k, v) in items {
                        let kp = ep.key(&k);
                        match &*k {
                            "at" => {
                                ha = true;
                                step.at = string(v, &kp, p);
                            }
                            "percent" => {
                                hp = true;
                                step.percent = number(v, &kp, p);
                            }
                            _ => unknown(&kp, p),
                        }
                    }
                    if !ha {
                        p.error(&ep.key("at"), "required field missing");
                    }
                    if !hp {
                        p.error(&ep.key("percent"), "required field missing");
                    }
                    ramp.push(step);
                }
            }
            _ => unknown(&fp, p),
        }
    }
    if is_split {
        Serve::Split { split, by }
    } else {
        if variant.is_none() && !p.at(&path.key("variant")) {
            p.error(&path.key("variant"), "required field missing (the variant served to units in the rollout)");
        }
        if is_ramp {
            Serve::Ramp { variant, ramp, by }
        } else {
            match percent {
                Some(percent) if !broken => Serve::Percent { variant, percent, by },
                _ => Serve::Invalid,
            }
        }
    }
}

/// Parses a condition; `path` is its JSON path.
fn condition<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Condition<'a> {
    let fields = match v {
        Value::Object(f) => f,
        other => {
            type_error(&other, "a condition object", path, p);
            return Condition::Invalid;
        }
    };
    const SHAPES: [&str; 5] = ["all", "any", "not", "segment", "attr"];
    let present = |s: &str| fields.iter().any(|(k, _)| k == s);
    let mut shapes = SHAPES.iter().copied().filter(|s| present(s));
    let (Some(shape), None) = (shapes.next(), shapes.next()) else {
        let found: Vec<&str> = SHAPES.iter().copied().filter(|s| present(s)).collect();
        if found.is_empty() {
            p.error(path, "a condition needs exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"");
        } else {
            p.error(path, format!("a condition takes exactly one of \"all\", \"any\", \"not\", \"segment\" or \"attr\"; found {}", found.join(", ")));
        }
        return Condition::Invalid;
    };
    if shape == "attr" {
        let mut c = AttrCondition { attr: Cow::Borrowed(""), op: Cow::Borrowed(""), value: None, values: None, ignore_case: false };
        let (mut ok, mut has_op) = (true, false);
        for (k, v) in fields {
            let fp = path.key(&k);
            match &*k {
                "attr" => match string(v, &fp, p) {
                    Some(s) => c.attr = s,
                    None => ok = false,
                },
                "op" => {
                    has_op = true;
                    match string(v, &fp, p) {
                        Some(s) => c.op = s,
                        None => ok = false,
                    }
                }
                "value" => c.value = Some(v),
                "values" => match v {
                    Value::Array(a) => c.values = Some(a),
                    other => {
                        type_error(&other, "an array of operands", &fp, p);
                        ok = false;
                    }
                },
                "ignoreCase" => c.ignore_case = boolean(v, &fp, p).unwrap_or(false),
                _ => unknown(&fp, p),
            }
        }
        if !has_op {
            p.error(&path.key("op"), "required field missing (the operator)");
            ok = false;
        }
        return if ok { Condition::Attr(c) } else { Condition::Invalid };
    }
    let mut out = Condition::Invalid;
    for (k, v) in fields {
        let fp = path.key(&k);
        if k != shape {
            unknown(&fp, p);
            continue;
        }
        out = match shape {
            "all" | "any" => {
                let items: Vec<Condition<'a>> =
                    array(v, &fp, p).into_iter().enumerate().map(|(i, c)| condition(c, &fp.index(i), p)).collect();
                if shape == "all" {
                    Condition::All(items)
                } else {
                    Condition::Any(items)
                }
            }
            "not" => Condition::Not(Box::new(condition(v, &fp, p))),
            _ => match string(v, &fp, p) {
                Some(s) => Condition::Segment(s),
                None => Condition::Invalid,
            },
        };
    }
    out
}

fn segment<'a>(v: Value<'a>, path: &Path<'_>, p: &mut Problems) -> Segment<'a> {
    let mut s = Segment::default();
    for (k, v) in object(v, path, p) {
        let fp = path.key(&k);
        match &*k {
            "description" => s.description = string(v, &fp, p),
            "include" => s.include = strings(v, &fp, p),
            "exclude" => s.exclude = strings(v, &fp, p),
            "includeHashed" => s.include_hashed = strings(v, &fp, p),
            "excludeHashed" => s.exclude_hashed = strings(v, &fp, p),
            "hashSalt" => s.hash_salt = string(v, &fp, p),
            "when" => s.when = Some(condition(v, &fp, p)),
            _ => unknown(&fp, p),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn build_text(t: &str) -> (Option<Snapshot<'_>>, Vec<String>) {
        let mut p = Problems::default();
        let s = build(json::parse(t).unwrap(), &mut p);
        (s, p.list.iter().map(|x| x.to_string()).collect())
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
}
