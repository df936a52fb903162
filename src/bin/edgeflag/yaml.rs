//! YAML sources for `edgeflag build`, converted into our JSON tree ([`Value`]).
//!
//! YAML 1.2 (the `yaml-rust2` parser), core schema, so `on`, `off`, `yes` and `no` are strings (as
//! variant keys usually are), and only `true`/`false` (any case style) are booleans. What JSON cannot
//! say is refused, with the line, the column and the JSON path reached:
//! - keys that are not strings: a plain `1`, `true` or `null` as a key (quote it), a sequence or
//!   mapping as a key;
//! - the same key twice in one mapping (as our JSON parser refuses it);
//! - `.inf` and `.nan`; tags other than the standard `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
//!   `!!map` and `!!seq`; merge keys (`<<`); several documents in one file.
//!
//! Anchors and aliases are expanded (an alias is a copy), within a budget of nodes so that a small
//! file cannot expand into a huge tree. Numbers keep their text when it is already a JSON number
//! (`12.5` stays `12.5`, so percents stay exact); other YAML spellings are rewritten to JSON ones
//! (`+1` → `1`, `0x1F` → `31`, `.5` → `0.5`, `1.` → `1.0`, `007` → `7`).

use edgeflag::json::{Number, PathSeg, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Most nodes a document may expand into (aliases included).
pub const MAX_NODES: usize = 1_000_000;
/// Deepest nesting of sequences and mappings (as our JSON parser's default).
pub const MAX_DEPTH: usize = 128;

/// A YAML source that cannot become JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// The JSON path reached (`(root)` for the whole document).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} (line {}, column {})", self.path, self.message, self.line, self.column)
    }
}

struct Sink {
    events: Vec<(Event, Marker)>,
}

impl MarkedEventReceiver for Sink {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.events.push((ev, mark));
    }
}

/// Parses one YAML document into a JSON value.
pub fn to_json(text: &str) -> Result<Value<'static>, YamlError> {
    let mut sink = Sink { events: Vec::new() };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut sink, true) {
        let m = e.marker();
        return Err(YamlError { line: m.line(), column: m.col() + 1, path: "(root)".into(), message: format!("YAML syntax: {}", e.info()) });
    }
    let mut b = Builder { events: &sink.events, pos: 0, path: Vec::new(), anchors: HashMap::new(), nodes: 0 };
    let docs = sink.events.iter().filter(|(e, _)| matches!(e, Event::DocumentStart)).count();
    if docs == 0 {
        return Err(b.error_at(0, "the file holds no YAML document"));
    }
    if docs > 1 {
        let second = sink.events.iter().enumerate().filter(|(_, (e, _))| matches!(e, Event::DocumentStart)).nth(1).map(|(i, _)| i).unwrap_or(0);
        return Err(b.error_at(second, "several YAML documents in one file (`---`): write one document per source file"));
    }
    while b.pos < b.events.len() && !matches!(b.events[b.pos].0, Event::DocumentStart) {
        b.pos += 1;
    }
    b.pos += 1;
    b.node(0)
}

enum Owned {
    Seg(String),
    Index(usize),
}

struct Builder<'e> {
    events: &'e [(Event, Marker)],
    pos: usize,
    path: Vec<Owned>,
    anchors: HashMap<usize, Value<'static>>,
    nodes: usize,
}

fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:"
}

impl Builder<'_> {
    fn path_text(&self) -> String {
        let segs: Vec<PathSeg<'_>> = self
            .path
            .iter()
            .map(|s| match s {
                Owned::Seg(k) => PathSeg::Key(k),
                Owned::Index(i) => PathSeg::Index(*i),
            })
            .collect();
        edgeflag::json::format_path(&segs)
    }

    fn error_at(&self, pos: usize, msg: impl Into<String>) -> YamlError {
        let m = self.events.get(pos).or_else(|| self.events.last()).map(|(_, m)| *m);
        YamlError {
            line: m.map(|m| m.line()).unwrap_or(1),
            column: m.map(|m| m.col() + 1).unwrap_or(1),
            path: self.path_text(),
            message: msg.into(),
        }
    }

    fn count(&mut self, n: usize) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.error_at(self.pos, format!("the document expands into more than {MAX_NODES} values (aliases included)")));
        }
        Ok(())
    }

    fn node(&mut self, depth: usize) -> Result<Value<'static>, YamlError> {
        let at = self.pos;
        let Some((ev, _)) = self.events.get(at) else { return Err(self.error_at(at, "unexpected end of the document")) };
        self.pos += 1;
        self.count(1)?;
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = self.scalar(at, text, *style, tag.as_ref())?;
                if *anchor > 0 {
                    self.anchors.insert(*anchor, v.clone());
                }
                Ok(v)
            }
            Event::Alias(id) => match self.anchors.get(id) {
                Some(v) => {
                    let v = v.clone();
                    let n = weight(&v);
                    self.count(n)?;
                    Ok(v)
                }
                None => Err(self.error_at(at, "an alias to an unknown anchor")),
            },
            Event::SequenceStart(anchor, tag) => {
                if let Some(t) = tag {
                    if !(is_core(t) && t.suffix == "seq") {
                        return Err(self.error_at(at, format!("the tag !{}{} has no JSON equivalent", short(t), t.suffix)));
                    }
                }
                if depth + 1 > MAX_DEPTH {
                    return Err(self.error_at(at, format!("nested more than {MAX_DEPTH} levels deep")));
                }
                let mut items = Vec::new();
                loop {
                    match self.events.get(self.pos) {
                        Some((Event::SequenceEnd, _)) => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.error_at(self.pos, "unexpected end of the document")),
                        _ => {
                            self.path.push(Owned::Index(items.len()));
                            let v = self.node(depth + 1)?;
                            self.path.pop();
                            items.push(v);
                        }
                    }
                }
                let v = Value::Array(items);
                if *anchor > 0 {
                    self.anchors.insert(*anchor, v.clone());
                }
                Ok(v)
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(t) = tag {
                    if !(is_core(t) && t.suffix == "map") {
                        return Err(self.error_at(at, format!("the tag !{}{} has no JSON equivalent", short(t), t.suffix)));
                    }
                }
                if depth + 1 > MAX_DEPTH {
                    return Err(self.error_at(at, format!("nested more than {MAX_DEPTH} levels deep")));
                }
                let mut members: Vec<(Cow<'static, str>, Value<'static>)> = Vec::new();
                loop {
                    let kpos = self.pos;
                    let key = match self.events.get(kpos) {
                        Some((Event::MappingEnd, _)) => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.error_at(kpos, "unexpected end of the document")),
                        Some((Event::Scalar(text, style, _, tag), _)) => {
                            self.pos += 1;
                            match self.scalar(kpos, text, *style, tag.as_ref())? {
                                Value::String(s) => s.into_owned(),
                                other => {
                                    return Err(self.error_at(
                                        kpos,
                                        format!(
                                            "the key {text} is a {} in YAML, and JSON keys are strings: quote it (\"{text}\")",
                                            other.type_name()
                                        ),
                                    ))
                                }
                            }
                        }
                        Some((Event::Alias(_), _)) => return Err(self.error_at(kpos, "an alias as a key: JSON keys are plain strings")),
                        Some(_) => return Err(self.error_at(kpos, "a sequence or mapping as a key: JSON keys are strings")),
                    };
                    if key == "<<" && matches!(self.events.get(kpos), Some((Event::Scalar(_, TScalarStyle::Plain, _, None), _))) {
                        return Err(self.error_at(kpos, "merge keys (<<) are not supported: write the fields out, or quote \"<<\" for a literal key"));
                    }
                    if members.iter().any(|(k, _)| *k == key) {
                        return Err(self.error_at(kpos, format!("duplicate key \"{key}\"")));
                    }
                    self.path.push(Owned::Seg(key.clone()));
                    let v = self.node(depth + 1)?;
                    self.path.pop();
                    members.push((Cow::Owned(key), v));
                }
                let v = Value::Object(members);
                if *anchor > 0 {
                    self.anchors.insert(*anchor, v.clone());
                }
                Ok(v)
            }
            _ => Err(self.error_at(at, "unexpected YAML event")),
        }
    }

    fn scalar(&self, at: usize, text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value<'static>, YamlError> {
        let string = || Value::String(Cow::Owned(text.to_string()));
        if let Some(t) = tag {
            if t.handle.is_empty() && t.suffix == "!" {
                return Ok(string());
            }
            if !is_core(t) {
                return Err(self.error_at(at, format!("the tag !{}{} has no JSON equivalent", short(t), t.suffix)));
            }
            return match t.suffix.as_str() {
                "str" => Ok(string()),
                "null" if is_null(text) => Ok(Value::Null),
                "bool" => bool_of(text).map(Value::Bool).ok_or_else(|| self.error_at(at, format!("!!bool {text:?} is not true or false"))),
                "int" | "float" => match number_of(text) {
                    Some(Ok(n)) => Ok(Value::Number(n)),
                    Some(Err(m)) => Err(self.error_at(at, m)),
                    None => Err(self.error_at(at, format!("!!{} {text:?} is not a number", t.suffix))),
                },
                s => Err(self.error_at(at, format!("the tag !!{s} has no JSON equivalent"))),
            };
        }
        if style != TScalarStyle::Plain {
            return Ok(string());
        }
        if is_null(text) {
            return Ok(Value::Null);
        }
        if let Some(b) = bool_of(text) {
            return Ok(Value::Bool(b));
        }
        match number_of(text) {
            Some(Ok(n)) => Ok(Value::Number(n)),
            Some(Err(m)) => Err(self.error_at(at, m)),
            None => Ok(string()),
        }
    }
}

fn short(t: &Tag) -> String {
    if is_core(t) {
        "!".into()
    } else {
        t.handle.trim_start_matches('!').to_string()
    }
}

fn weight(v: &Value<'_>) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(weight).sum::<usize>(),
        Value::Object(o) => 1 + o.iter().map(|(_, v)| weight(v)).sum::<usize>(),
        _ => 1,
    }
}

fn is_null(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

fn bool_of(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A YAML 1.2 core-schema number as a JSON number: `None` when `t` is not a number at all,
/// `Some(Err)` for numbers JSON cannot hold (`.inf`, `.nan`, too large an octal/hex).
fn number_of(t: &str) -> Option<Result<Number<'static>, String>> {
    if matches!(t, ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN") {
        return Some(Err(format!("{t} has no JSON equivalent")));
    }
    let radix = |digits: &str, r: u32| -> Option<Result<Number<'static>, String>> {
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(r)) {
            return None;
        }
        Some(u64::from_str_radix(digits, r).map(Number::from_u64).map_err(|_| format!("{t} is too large")))
    };
    if let Some(d) = t.strip_prefix("0o") {
        return radix(d, 8);
    }
    if let Some(d) = t.strip_prefix("0x") {
        return radix(d, 16);
    }
    if let Some(n) = Number::new(Cow::Owned(t.to_string())) {
        return Some(Ok(n));
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => ("-", &t[1..]),
        Some(b'+') => ("", &t[1..]),
        _ => ("", t),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) || (int.is_empty() && frac.is_none_or(str::is_empty)) {
        return None;
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    let int = int.trim_start_matches('0');
    let mut out = String::from(sign);
    out.push_str(if int.is_empty() { "0" } else { int });
    if let Some(f) = frac {
        out.push('.');
        out.push_str(if f.is_empty() { "0" } else { f });
    }
    if let Some(e) = exp {
        out.push('e');
        out.push_str(e);
    }
    Number::new(Cow::Owned(out)).map(Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(t: &str) -> String {
        to_json(t).unwrap().to_string()
    }

    fn err(t: &str) -> YamlError {
        to_json(t).unwrap_err()
    }

    #[test]
    fn core_schema_scalars() {
        assert_eq!(
            j("a: on\nb: off\nc: yes\nd: true\ne: ~\nf: 12.50\ng: '30'\nh: 0x1F\ni: +1\nj: .5\nk: 1.\nl: 007\nm: -0\nn: 1e3\no:\n"),
            r#"{"a":"on","b":"off","c":"yes","d":true,"e":null,"f":12.50,"g":"30","h":31,"i":1,"j":0.5,"k":1.0,"l":7,"m":-0,"n":1e3,"o":null}"#
        );
        assert_eq!(j("- !!str 12\n- !!int '12'\n- ! x\n- \"true\"\n"), r#"["12",12,"x","true"]"#);
    }

    #[test]
    fn order_and_nesting_are_kept() {
        assert_eq!(
            j("flags:\n  z: {variants: {on: true}, default: on}\n  a:\n    rules:\n      - serve: on\n"),
            r#"{"flags":{"z":{"variants":{"on":true},"default":"on"},"a":{"rules":[{"serve":"on"}]}}}"#
        );
    }

    #[test]
    fn aliases_are_copies() {
        assert_eq!(j("a: &c {attr: x, op: exists}\nb: *c\n"), r#"{"a":{"attr":"x","op":"exists"},"b":{"attr":"x","op":"exists"}}"#);
    }

    #[test]
    fn what_json_cannot_say_is_refused() {
        let e = err("flags:\n  f:\n    variants:\n      1: a\n");
        assert_eq!((e.line, e.path.as_str()), (4, "flags.f.variants"));
        assert!(e.message.contains("quote it"), "{e}");
        assert!(err("true: 1\n").message.contains("boolean"));
        assert!(err("? [a, b]\n: 1\n").message.contains("sequence or mapping as a key"));
        let e = err("a: 1\nb:\n  c: 2\n  c: 3\n");
        assert_eq!((e.line, e.path.as_str(), e.message.as_str()), (4, "b", "duplicate key \"c\""));
        assert!(err("a: .inf\n").message.contains("no JSON equivalent"));
        assert!(err("a: !!binary aGk=\n").message.contains("!!binary"));
        assert!(err("a: !custom x\n").message.contains("no JSON equivalent"));
        assert!(err("base: &b {x: 1}\nc:\n  <<: *b\n").message.contains("merge keys"));
        assert!(err("a: 1\n---\nb: 2\n").message.contains("several YAML documents"));
        assert!(err("").message.contains("no YAML document"));
        let e = err("a: [1, 2\n");
        assert!(e.message.starts_with("YAML syntax"), "{e}");
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            t.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        assert!(err(&t).message.contains("more than"));
    }
}
