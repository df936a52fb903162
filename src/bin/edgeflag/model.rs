//! Helpers over a snapshot's JSON tree for the commands that read snapshots structurally
//! (`diff`, `lint`, `bucket`, `build`): loading (validated by the engine first, so the tree's shape
//! can be trusted), field access, exact percents and instants, and one-line renderings of
//! conditions and serve forms for people.

use crate::common;
use edgeflag::json::{self, Value};
use edgeflag::number::decimal_thousandths;
use edgeflag::{Engine, LoadOptions};

/// An owned JSON value.
pub type V = Value<'static>;

/// A snapshot loaded twice over: the engine (validated, for evaluating) and its JSON tree.
pub struct Loaded {
    /// The compiled snapshot.
    pub engine: Engine,
    /// The document as parsed.
    pub doc: V,
}

/// Reads, validates and parses a snapshot; on failure prints every problem and returns exit code 1.
pub fn load(path: &str) -> Result<Loaded, u8> {
    let text = common::read(path).map_err(|m| {
        eprintln!("edgeflag: {m}");
        common::PROBLEM
    })?;
    let engine = Engine::from_json_with(&text, &LoadOptions::default()).map_err(|e| {
        common::print_load_error(path, &e);
        common::PROBLEM
    })?;
    // The engine parsed the same text with the same parser: this cannot fail.
    let doc = json::parse(&text).map(Value::into_owned).map_err(|e| {
        eprintln!("edgeflag: {path}: {e}");
        common::PROBLEM
    })?;
    Ok(Loaded { engine, doc })
}

/// The members of an object (empty for anything else).
pub fn members(v: Option<&V>) -> &[(std::borrow::Cow<'static, str>, V)] {
    v.and_then(Value::as_object).unwrap_or(&[])
}

/// The elements of an array (empty for anything else).
pub fn items(v: Option<&V>) -> &[V] {
    v.and_then(Value::as_array).unwrap_or(&[])
}

/// A string field.
pub fn str_field<'v>(v: &'v V, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The flags of a snapshot, in document order.
pub fn flags(doc: &V) -> &[(std::borrow::Cow<'static, str>, V)] {
    members(doc.get("flags"))
}

/// The segments of a snapshot, in document order.
pub fn segments(doc: &V) -> &[(std::borrow::Cow<'static, str>, V)] {
    members(doc.get("segments"))
}

/// Looks a member up by key.
pub fn lookup<'v>(m: &'v [(std::borrow::Cow<'static, str>, V)], key: &str) -> Option<&'v V> {
    m.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The flag's `enabled` (default true).
pub fn enabled(flag: &V) -> bool {
    flag.get("enabled").and_then(Value::as_bool).unwrap_or(true)
}

/// The flag's `default`.
pub fn default_variant(flag: &V) -> &str {
    str_field(flag, "default").unwrap_or("")
}

/// The flag's effective `offVariant` (default: `default`).
pub fn off_variant(flag: &V) -> &str {
    str_field(flag, "offVariant").unwrap_or_else(|| default_variant(flag))
}

/// The flag's effective salt (default: its key).
pub fn salt<'v>(key: &'v str, flag: &'v V) -> &'v str {
    str_field(flag, "salt").unwrap_or(key)
}

/// A percent as exact thousandths (`30` → 30000); `None` for a non-number.
pub fn thousandths(v: Option<&V>) -> Option<u64> {
    match v {
        Some(Value::Number(n)) => decimal_thousandths(n.text()).ok(),
        _ => None,
    }
}

/// Thousandths of a percent as text: `30%`, `12.5%`, `33.333%`.
pub fn pct(t: u64) -> String {
    let (i, f) = (t / 1000, t % 1000);
    if f == 0 {
        format!("{i}%")
    } else {
        format!("{}%", format!("{i}.{f:03}").trim_end_matches('0'))
    }
}

/// A percent value as text (`30%`), or its JSON when it is not a valid percent.
pub fn pct_of(v: Option<&V>) -> String {
    match thousandths(v) {
        Some(t) => pct(t),
        None => v.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
    }
}

/// An RFC 3339 string field as ms since the epoch.
pub fn instant(v: &V, key: &str) -> Option<i64> {
    str_field(v, key).and_then(edgeflag::time::parse_rfc3339_ms)
}

/// A variant key quoted for people: `"on"`.
pub fn q(s: &str) -> String {
    let mut out = String::new();
    json::write_string(&mut out, s);
    out
}

/// The serve form's name: `variant`, `split`, `percent`, `ramp`.
pub fn serve_form(serve: Option<&V>) -> &'static str {
    match serve {
        Some(Value::String(_)) => "variant",
        Some(s) if s.get("split").is_some() => "split",
        Some(s) if s.get("ramp").is_some() => "ramp",
        Some(s) if s.get("percent").is_some() => "percent",
        _ => "?",
    }
}

/// The bucketing attribute of a serve object (default `key`).
pub fn by(serve: Option<&V>) -> &str {
    serve.and_then(|s| str_field(s, "by")).unwrap_or("key")
}

/// Ramp steps as (instant ms, thousandths), skipping malformed ones.
pub fn ramp_steps(serve: &V) -> Vec<(i64, u64)> {
    items(serve.get("ramp"))
        .iter()
        .filter_map(|s| Some((instant(s, "at")?, thousandths(s.get("percent"))?)))
        .collect()
}

/// The ramp's percent in force at `now` (0 before the first step).
pub fn ramp_at(steps: &[(i64, u64)], now: i64) -> u64 {
    steps.iter().take_while(|(at, _)| *at <= now).last().map(|(_, p)| *p).unwrap_or(0)
}

/// What a rule serves, in words: `"on"`, `30% → "on"`, `split "a" 50% / "b" 50%`,
/// `ramp → "on": 5% at …, 100% at …`; ` by account.id` when not bucketed by `key`.
pub fn serve_text(serve: Option<&V>) -> String {
    let by_text = match by(serve) {
        "key" => String::new(),
        b => format!(" by {b}"),
    };
    match (serve_form(serve), serve) {
        ("variant", Some(Value::String(v))) => q(v),
        ("split", Some(s)) => {
            let parts: Vec<String> =
                items(s.get("split")).iter().map(|e| format!("{} {}", q(str_field(e, "variant").unwrap_or("?")), pct_of(e.get("percent")))).collect();
            format!("split {}{by_text}", parts.join(" / "))
        }
        ("percent", Some(s)) => format!("{} → {}{by_text}", pct_of(s.get("percent")), q(str_field(s, "variant").unwrap_or("?"))),
        ("ramp", Some(s)) => format!("ramp → {}{by_text}: {}", q(str_field(s, "variant").unwrap_or("?")), ramp_text(s)),
        _ => "?".into(),
    }
}

/// Ramp steps in words: `5% at 2026-11-30T09:00:00Z, 25% at …`; `no steps` when empty.
pub fn ramp_text(serve: &V) -> String {
    let steps = items(serve.get("ramp"));
    if steps.is_empty() {
        return "no steps (0%)".into();
    }
    steps.iter().map(|s| format!("{} at {}", pct_of(s.get("percent")), str_field(s, "at").unwrap_or("?"))).collect::<Vec<_>>().join(", ")
}

/// A condition on one line: `country in ["DE", "FR"] and not (in segment "staff")`.
pub fn cond_text(c: &V) -> String {
    cond(c, true)
}

fn cond(c: &V, top: bool) -> String {
    let wrap = |s: String| if top { s } else { format!("({s})") };
    if let Some(list) = c.get("all").and_then(Value::as_array) {
        return match list.len() {
            0 => "always (empty all)".into(),
            1 => cond(&list[0], top),
            _ => wrap(list.iter().map(|x| cond(x, false)).collect::<Vec<_>>().join(" and ")),
        };
    }
    if let Some(list) = c.get("any").and_then(Value::as_array) {
        return match list.len() {
            0 => "never (empty any)".into(),
            1 => cond(&list[0], top),
            _ => wrap(list.iter().map(|x| cond(x, false)).collect::<Vec<_>>().join(" or ")),
        };
    }
    if let Some(inner) = c.get("not") {
        return format!("not {}", cond(inner, false));
    }
    if let Some(s) = str_field(c, "segment") {
        return format!("in segment {}", q(s));
    }
    let attr = str_field(c, "attr").unwrap_or("?");
    let op = str_field(c, "op").unwrap_or("?");
    let mut s = format!("{attr} {op}");
    if let Some(v) = c.get("value") {
        s.push(' ');
        s.push_str(&crate::pretty::one_line(v));
    }
    if let Some(v) = c.get("values") {
        s.push(' ');
        s.push_str(&crate::pretty::one_line(v));
    }
    if c.get("ignoreCase").and_then(Value::as_bool) == Some(true) {
        s.push_str(" (ignoring case)");
    }
    s
}

/// JSON equality where numbers compare by value (`39.9` = `39.90`) and object member order does not
/// matter.
pub fn same(a: &V, b: &V) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.text() == y.text() || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
        }
        _ => a == b,
    }
}

/// Optional values compared with [`same`].
pub fn same_opt(a: Option<&V>, b: Option<&V>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// A JSON string value.
pub fn s(v: &str) -> V {
    Value::String(v.to_string().into())
}

/// A JSON integer value.
pub fn n(v: i64) -> V {
    Value::Number(json::Number::from_i64(v))
}

/// A JSON object from members.
pub fn obj(m: Vec<(&str, V)>) -> V {
    Value::Object(m.into_iter().map(|(k, v)| (k.to_string().into(), v)).collect())
}

/// `Some(s)` as a JSON string, `None` as null.
pub fn opt_s(v: Option<&str>) -> V {
    v.map(s).unwrap_or(Value::Null)
}

/// The segments a condition names directly or through nested conditions (not through other
/// segments' `when`), in order, with repeats.
pub fn segment_refs<'v>(c: &'v V, out: &mut Vec<&'v str>) {
    if let Some(s) = str_field(c, "segment") {
        out.push(s);
    }
    for k in ["all", "any"] {
        for x in items(c.get(k)) {
            segment_refs(x, out);
        }
    }
    if let Some(x) = c.get("not") {
        segment_refs(x, out);
    }
}

/// The segments a flag uses, directly in its rules or through other segments (transitively).
pub fn flag_segments(doc: &V, flag: &V) -> Vec<String> {
    let mut todo: Vec<&str> = Vec::new();
    for r in items(flag.get("rules")) {
        if let Some(w) = r.get("when") {
            segment_refs(w, &mut todo);
        }
    }
    let segs = segments(doc);
    let mut seen: Vec<String> = Vec::new();
    while let Some(s) = todo.pop() {
        if seen.iter().any(|x| x == s) {
            continue;
        }
        seen.push(s.to_string());
        if let Some(w) = lookup(segs, s).and_then(|seg| seg.get("when")) {
            segment_refs(w, &mut todo);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> V {
        json::parse(t).unwrap().into_owned()
    }

    #[test]
    fn percents() {
        assert_eq!(pct(30000), "30%");
        assert_eq!(pct(12500), "12.5%");
        assert_eq!(pct(33333), "33.333%");
        assert_eq!(pct(5), "0.005%");
        assert_eq!(pct_of(Some(&v("12.50"))), "12.5%");
    }

    #[test]
    fn conditions_on_one_line() {
        let c = v(r#"{"all":[{"attr":"country","op":"in","values":["DE","FR"]},{"not":{"segment":"staff"}},
                 {"any":[{"attr":"email","op":"exists"},{"attr":"name","op":"eq","value":"x","ignoreCase":true}]}]}"#);
        assert_eq!(
            cond_text(&c),
            r#"country in ["DE", "FR"] and not in segment "staff" and (email exists or name eq "x" (ignoring case))"#
        );
        assert_eq!(cond_text(&v(r#"{"any":[]}"#)), "never (empty any)");
        assert_eq!(cond_text(&v(r#"{"not":{"all":[]}}"#)), "not always (empty all)");
    }

    #[test]
    fn serve_forms() {
        assert_eq!(serve_text(Some(&v(r#""on""#))), "\"on\"");
        assert_eq!(serve_text(Some(&v(r#"{"variant":"on","percent":30,"by":"key"}"#))), "30% → \"on\"");
        assert_eq!(serve_text(Some(&v(r#"{"variant":"on","percent":12.5,"by":"account.id"}"#))), "12.5% → \"on\" by account.id");
        assert_eq!(
            serve_text(Some(&v(r#"{"split":[{"variant":"a","percent":50},{"variant":"b","percent":50}]}"#))),
            "split \"a\" 50% / \"b\" 50%"
        );
        assert_eq!(
            serve_text(Some(&v(r#"{"variant":"on","ramp":[{"at":"2026-01-01T00:00:00Z","percent":5}]}"#))),
            "ramp → \"on\": 5% at 2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn semantic_equality() {
        assert!(same(&v(r#"{"a":39.9,"b":[1]}"#), &v(r#"{"b":[1.0],"a":39.90}"#)));
        assert!(!same(&v(r#"{"a":1}"#), &v(r#"{"a":"1"}"#)));
    }

    #[test]
    fn segments_used_transitively() {
        let doc = v(r#"{"segments":{"a":{"when":{"segment":"b"}},"b":{},"c":{}},
                        "flags":{"f":{"rules":[{"when":{"not":{"segment":"a"}},"serve":"x"}]}}}"#);
        let f = lookup(flags(&doc), "f").unwrap();
        let mut s = flag_segments(&doc, f);
        s.sort();
        assert_eq!(s, ["a", "b"]);
    }
}
