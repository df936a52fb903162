//! Evaluation contexts: who is asking. A context is a JSON object; `key` is the targeting key.
//!
//! Evaluation never walks a context by attribute name on its own: the compiled plan gives every
//! attribute path it uses a *slot*, and reads attributes through [`Attributes::attr`]. Two sources
//! implement it:
//! - [`Context`], an owned JSON object (native callers, the CLI); it looks the path up;
//! - [`EncodedContext`], the compact byte encoding written by the JS client into wasm memory
//!   (format in `docs/ARCHITECTURE.md`), decoded once per call into a slot table.
//!
//! Invariant: an [`Attr`] never holds JSON `null`: null and absent are both [`Attr::Missing`].

use crate::json::{self, Value};
use core::fmt;

/// 2^53: the largest magnitude an integer unit may have (JavaScript holds it exactly).
pub const MAX_SAFE_UNIT: f64 = 9_007_199_254_740_992.0;

/// One attribute value as evaluation sees it.
#[derive(Clone, Copy, Debug)]
pub enum Attr<'c> {
    /// Absent or `null`.
    Missing,
    /// `true` / `false`.
    Bool(bool),
    /// A number; `integer` when it is an integer literal (native) or an integral number (JS) of
    /// magnitude at most 2^53, i.e. usable as a bucketing unit.
    Number {
        /// The value as an IEEE-754 double.
        value: f64,
        /// Usable as an integer unit.
        integer: bool,
    },
    /// A string.
    String(&'c str),
    /// An array.
    Array(ArrayRef<'c>),
    /// Any other present value (an object).
    Other,
}

impl<'c> Attr<'c> {
    /// True unless missing or null.
    pub fn is_present(&self) -> bool {
        !matches!(self, Attr::Missing)
    }
}

/// An array attribute, from either context source.
#[derive(Clone, Copy, Debug)]
pub enum ArrayRef<'c> {
    /// Elements of a native JSON array.
    Json(&'c [Value<'static>]),
    /// `count` encoded elements starting at the front of `bytes` (validated at decode time).
    Encoded {
        /// The encoded elements (and possibly more bytes after them).
        bytes: &'c [u8],
        /// How many elements.
        count: u32,
    },
}

impl<'c> ArrayRef<'c> {
    /// Iterates the elements as [`Attr`]s. Nested arrays and objects come out as [`Attr::Other`].
    pub fn iter(&self) -> ArrayIter<'c> {
        match *self {
            ArrayRef::Json(s) => ArrayIter::Json(s.iter()),
            ArrayRef::Encoded { bytes, count } => ArrayIter::Encoded { bytes, left: count },
        }
    }
}

/// Iterator over array elements.
#[derive(Debug)]
pub enum ArrayIter<'c> {
    /// Native elements.
    Json(core::slice::Iter<'c, Value<'static>>),
    /// Encoded elements.
    Encoded {
        /// Remaining bytes.
        bytes: &'c [u8],
        /// Remaining elements.
        left: u32,
    },
}

impl<'c> Iterator for ArrayIter<'c> {
    type Item = Attr<'c>;
    fn next(&mut self) -> Option<Attr<'c>> {
        match self {
            ArrayIter::Json(it) => it.next().map(|v| match v {
                Value::Array(_) => Attr::Other,
                v => attr_of_json(v),
            }),
            ArrayIter::Encoded { bytes, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let (a, rest) = decode_scalar(bytes).ok()?;
                *bytes = rest;
                Some(a)
            }
        }
    }
}

/// Turns a JSON value into an [`Attr`] (arrays borrowed, objects as `Other`).
#[inline]
pub fn attr_of_json<'c>(v: &'c Value<'static>) -> Attr<'c> {
    match v {
        Value::Null => Attr::Missing,
        Value::Bool(b) => Attr::Bool(*b),
        Value::Number(n) => {
            // Exact: an integer literal whose magnitude is at most 2^53 (2^53 + 1 rounds to 2^53 as a double).
            let integer = n.as_i64().is_some_and(|i| i.unsigned_abs() <= 1 << 53);
            Attr::Number { value: n.as_f64(), integer }
        }
        Value::String(s) => Attr::String(s),
        Value::Array(a) => Attr::Array(ArrayRef::Json(a)),
        Value::Object(_) => Attr::Other,
    }
}

impl From<&str> for Value<'static> {
    fn from(s: &str) -> Value<'static> {
        Value::String(std::borrow::Cow::Owned(s.to_string()))
    }
}

impl From<String> for Value<'static> {
    fn from(s: String) -> Value<'static> {
        Value::String(std::borrow::Cow::Owned(s))
    }
}

impl From<bool> for Value<'static> {
    fn from(b: bool) -> Value<'static> {
        Value::Bool(b)
    }
}

impl From<i64> for Value<'static> {
    fn from(n: i64) -> Value<'static> {
        Value::Number(json::Number::from_i64(n))
    }
}

impl From<f64> for Value<'static> {
    /// Non-finite numbers have no JSON form and become `null`.
    fn from(x: f64) -> Value<'static> {
        json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// Where evaluation reads attributes from. `slot` indexes the plan's attribute table; `path` is that
/// slot's dot path split into segments (sources may use either).
pub trait Attributes {
    /// The attribute at `slot` / `path`.
    fn attr(&self, slot: usize, path: &[Box<str>]) -> Attr<'_>;
}

fn name_word(name: &str) -> u64 {
    crate::bytes::short_word(name.as_bytes()).unwrap_or(u64::MAX)
}

/// A context error: the context is not a JSON object, or not valid JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextError {
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid context: {}", self.message)
    }
}

impl std::error::Error for ContextError {}

/// A native evaluation context: a JSON object.
///
/// ```
/// use edgeflag::Context;
/// let ctx = Context::from_json(r#"{"key": "user-1", "country": "DE", "device": {"os": "ios"}}"#).unwrap();
/// assert_eq!(ctx.key(), Some("user-1"));
/// let same = Context::new("user-1").with("country", "DE");
/// assert_eq!(same.key(), Some("user-1"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Context {
    fields: Vec<(String, Value<'static>)>,
    /// Invariant: `names[i]` is [`short_word`](crate::bytes::short_word) of `fields[i].0`, or
    /// `u64::MAX` for names over 7 bytes (the lookup compares one integer per field).
    names: Vec<u64>,
    /// Invariant: for every field `i` whose value is a number, `numbers[i]` is its [`Attr::Number`];
    /// other entries are [`Attr::Missing`], and fields past the list's end are not numbers (a context
    /// without numbers allocates none). A number is kept as its JSON text, and converting it on every
    /// read (a parse) would cost more than the evaluation.
    numbers: Vec<Attr<'static>>,
}

/// What [`Context::numbers`] holds for a value.
fn number_attr(v: &Value<'static>) -> Attr<'static> {
    match v {
        Value::Number(_) => match attr_of_json(v) {
            Attr::Number { value, integer } => Attr::Number { value, integer },
            _ => Attr::Missing,
        },
        _ => Attr::Missing,
    }
}

impl Context {
    /// A context with a targeting key.
    pub fn new(key: &str) -> Context {
        Context::default().with("key", key)
    }

    /// An empty context (no key: rules bucketing by `key` do not apply).
    pub fn empty() -> Context {
        Context::default()
    }

    /// Sets a top-level attribute (replacing any earlier value). Accepts `&str`, `String`, `bool`,
    /// `i64`, `f64` and JSON [`Value`]s.
    pub fn with(mut self, name: &str, value: impl Into<Value<'static>>) -> Context {
        let value = value.into();
        let number = number_attr(&value);
        let i = match self.fields.iter().position(|(k, _)| k == name) {
            Some(i) => {
                if let Some(f) = self.fields.get_mut(i) {
                    f.1 = value;
                }
                i
            }
            None => {
                self.fields.push((name.to_string(), value));
                self.names.push(name_word(name));
                self.fields.len() - 1
            }
        };
        self.set_number(i, number);
        self
    }

    /// Records field `i`'s number (see [`Context::numbers`]).
    fn set_number(&mut self, i: usize, number: Attr<'static>) {
        if let Attr::Number { .. } = number {
            if self.numbers.len() <= i {
                self.numbers.resize(i + 1, Attr::Missing);
            }
        }
        if let Some(n) = self.numbers.get_mut(i) {
            *n = number;
        }
    }

    /// Parses a context from JSON text: it must be an object (duplicate keys are an error).
    pub fn from_json(text: &str) -> Result<Context, ContextError> {
        let v = json::parse(text).map_err(|e| ContextError { message: e.message() })?;
        Context::from_value(v.into_owned())
    }

    /// Builds a context from a parsed JSON value, which must be an object.
    pub fn from_value(v: Value<'static>) -> Result<Context, ContextError> {
        match v {
            Value::Object(fields) => {
                let fields: Vec<(String, Value<'static>)> = fields.into_iter().map(|(k, v)| (k.into_owned(), v)).collect();
                let names = fields.iter().map(|(k, _)| name_word(k)).collect();
                let mut c = Context { fields, names, numbers: Vec::new() };
                for i in 0..c.fields.len() {
                    let number = c.fields.get(i).map_or(Attr::Missing, |(_, v)| number_attr(v));
                    c.set_number(i, number);
                }
                Ok(c)
            }
            other => Err(ContextError { message: crate::message::msg!("a context must be a JSON object, not ", other.type_name()) }),
        }
    }

    /// The targeting key, when it is a string.
    pub fn key(&self) -> Option<&str> {
        match self.get_path(&["key"]) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The position of the top-level attribute `name`.
    #[inline(always)]
    fn position(&self, name: &str) -> Option<usize> {
        match crate::bytes::short_word(name.as_bytes()) {
            Some(w) => self.names.iter().position(|n| *n == w),
            None => self.fields.iter().position(|(k, _)| crate::bytes::str_eq(k, name)),
        }
    }

    fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Value<'static>> {
        let (first, rest) = path.split_first()?;
        let mut cur = &self.fields.get(self.position(first.as_ref())?)?.1;
        for seg in rest {
            cur = match cur {
                Value::Object(o) => o.iter().find(|(k, _)| crate::bytes::str_eq(k, seg.as_ref())).map(|(_, v)| v)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// The top-level attribute `name` (numbers from [`Context::numbers`], not parsed again).
    #[inline(always)]
    fn top(&self, name: &str) -> Attr<'_> {
        let Some(i) = self.position(name) else { return Attr::Missing };
        match self.fields.get(i) {
            Some((_, v @ Value::Number(_))) => match self.numbers.get(i) {
                Some(n @ Attr::Number { .. }) => *n,
                _ => attr_of_json(v), // never, by the invariant
            },
            Some((_, v)) => attr_of_json(v),
            None => Attr::Missing,
        }
    }

    /// Writes the context as JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_string(&mut out, k);
            out.push(':');
            json::write_value(&mut out, v);
        }
        out.push('}');
        out
    }
}

impl Attributes for Context {
    #[inline(always)]
    fn attr(&self, _slot: usize, path: &[Box<str>]) -> Attr<'_> {
        match path {
            [name] => self.top(name),
            _ => match self.get_path(path) {
                Some(v) => attr_of_json(v),
                None => Attr::Missing,
            },
        }
    }
}

/// A malformed encoded context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError;

/// Tags of the encoded context format (see `docs/ARCHITECTURE.md`).
mod tag {
    pub const MISSING: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const FLOAT: u8 = 3;
    pub const INT: u8 = 4;
    pub const STRING: u8 = 5;
    pub const ARRAY: u8 = 6;
    pub const OTHER: u8 = 7;
    /// A string of fewer than 256 bytes: a `u8` byte length, then the bytes (what the JS client
    /// writes for short ASCII strings: one length byte instead of four).
    pub const SHORT_STRING: u8 = 8;
}

fn take(b: &[u8], n: usize) -> Result<(&[u8], &[u8]), DecodeError> {
    if b.len() < n {
        Err(DecodeError)
    } else {
        Ok(b.split_at(n))
    }
}

fn read_u32(b: &[u8]) -> Result<(u32, &[u8]), DecodeError> {
    match b.split_first_chunk::<4>() {
        Some((h, rest)) => Ok((u32::from_le_bytes(*h), rest)),
        None => Err(DecodeError),
    }
}

fn read_f64(b: &[u8]) -> Result<(f64, &[u8]), DecodeError> {
    match b.split_first_chunk::<8>() {
        Some((h, rest)) => Ok((f64::from_le_bytes(*h), rest)),
        None => Err(DecodeError),
    }
}

/// Decodes one non-array value (tags 0–5, 7, 8).
#[inline(always)]
fn decode_scalar(b: &[u8]) -> Result<(Attr<'_>, &[u8]), DecodeError> {
    let (t, rest) = b.split_first().ok_or(DecodeError)?;
    match *t {
        tag::MISSING => Ok((Attr::Missing, rest)),
        tag::FALSE => Ok((Attr::Bool(false), rest)),
        tag::TRUE => Ok((Attr::Bool(true), rest)),
        tag::FLOAT | tag::INT => {
            let (value, rest) = read_f64(rest)?;
            let integer = *t == tag::INT && value.fract() == 0.0 && value.abs() <= MAX_SAFE_UNIT;
            Ok((Attr::Number { value, integer }, rest))
        }
        tag::STRING | tag::SHORT_STRING => {
            let (n, rest) = if *t == tag::SHORT_STRING {
                let (&n, rest) = rest.split_first().ok_or(DecodeError)?;
                (usize::from(n), rest)
            } else {
                let (n, rest) = read_u32(rest)?;
                (n as usize, rest)
            };
            let (s, rest) = take(rest, n)?;
            let s = crate::bytes::utf8_inline(s).ok_or(DecodeError)?;
            Ok((Attr::String(s), rest))
        }
        tag::OTHER => Ok((Attr::Other, rest)),
        _ => Err(DecodeError),
    }
}

/// A context decoded from the JS client's byte encoding. Borrows the bytes.
#[derive(Debug)]
pub struct EncodedContext<'b> {
    slots: Vec<Attr<'b>>,
}

impl<'b> EncodedContext<'b> {
    /// Decodes `bytes` holding `slots` values, reusing `scratch`'s allocation is not possible across
    /// lifetimes, so callers on hot paths use [`EncodedContext::decode_into`].
    pub fn decode(bytes: &'b [u8], slots: usize) -> Result<EncodedContext<'b>, DecodeError> {
        let mut v = Vec::with_capacity(slots);
        decode_slots(bytes, slots, &mut v)?;
        Ok(EncodedContext { slots: v })
    }

    /// The decoded slot values.
    pub fn slots(&self) -> &[Attr<'b>] {
        &self.slots
    }
}

/// Decodes `n` slot values from `bytes` into `out` (cleared first). The whole buffer must be used.
pub fn decode_slots<'b>(bytes: &'b [u8], n: usize, out: &mut Vec<Attr<'b>>) -> Result<(), DecodeError> {
    out.clear();
    out.resize(n, Attr::Missing);
    decode_slots_into(bytes, out)
}

/// Decodes `out.len()` slot values from `bytes` into `out`, without allocating. The whole buffer
/// must be used.
pub fn decode_slots_into<'b>(mut bytes: &'b [u8], out: &mut [Attr<'b>]) -> Result<(), DecodeError> {
    for slot in out.iter_mut() {
        let (&t, rest) = bytes.split_first().ok_or(DecodeError)?;
        if t == tag::ARRAY {
            let (count, body) = read_u32(rest)?;
            let start = body;
            let mut cur = body;
            for _ in 0..count {
                let (_, r) = decode_scalar(cur)?;
                cur = r;
            }
            let used = start.len() - cur.len();
            *slot = Attr::Array(ArrayRef::Encoded { bytes: &start[..used], count });
            bytes = cur;
        } else {
            let (a, r) = decode_scalar(bytes)?;
            *slot = a;
            bytes = r;
        }
    }
    if bytes.is_empty() {
        Ok(())
    } else {
        Err(DecodeError)
    }
}

impl Attributes for EncodedContext<'_> {
    #[inline(always)]
    fn attr(&self, slot: usize, _path: &[Box<str>]) -> Attr<'_> {
        self.slots.get(slot).copied().unwrap_or(Attr::Missing)
    }
}

/// A slot table borrowed from elsewhere (the wasm layer keeps decoded slots in a reused buffer).
#[derive(Clone, Copy, Debug)]
pub struct Slots<'a, 'b>(pub &'a [Attr<'b>]);

impl Attributes for Slots<'_, '_> {
    // Always inlined: the wasm build optimises for size, and a call returning an `Attr` by value costs
    // more than the read.
    #[inline(always)]
    fn attr(&self, slot: usize, _path: &[Box<str>]) -> Attr<'_> {
        self.0.get(slot).copied().unwrap_or(Attr::Missing)
    }
}

/// Encodes a native JSON object the way the JS client does, for `attrs` (slot paths). Used by tests
/// and tools to check the decoder against the native lookup. Strings under 256 bytes use the short
/// form (tag 8), longer ones tag 5.
pub fn encode(ctx: &Context, attrs: &[Vec<Box<str>>]) -> Vec<u8> {
    fn scalar(out: &mut Vec<u8>, v: &Value<'static>, nested: bool) {
        match v {
            Value::Null => out.push(tag::MISSING),
            Value::Bool(false) => out.push(tag::FALSE),
            Value::Bool(true) => out.push(tag::TRUE),
            Value::Number(n) => {
                let f = n.as_f64();
                out.push(if n.as_i64().is_some_and(|i| i.unsigned_abs() <= 1 << 53) { tag::INT } else { tag::FLOAT });
                out.extend_from_slice(&f.to_le_bytes());
            }
            Value::String(s) => {
                match u8::try_from(s.len()) {
                    Ok(n) => out.extend_from_slice(&[tag::SHORT_STRING, n]),
                    Err(_) => {
                        out.push(tag::STRING);
                        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    }
                }
                out.extend_from_slice(s.as_bytes());
            }
            Value::Array(a) if !nested => {
                out.push(tag::ARRAY);
                out.extend_from_slice(&(a.len() as u32).to_le_bytes());
                for e in a.iter() {
                    scalar(out, e, true);
                }
            }
            _ => out.push(tag::OTHER),
        }
    }
    let mut out = Vec::new();
    for path in attrs {
        match ctx.get_path(path) {
            Some(v) => scalar(&mut out, v, false),
            None => out.push(tag::MISSING),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<Box<str>> {
        s.split('.').map(Into::into).collect()
    }

    #[test]
    fn native_lookup() {
        let c = Context::from_json(r#"{"key":"u","n":42,"f":42.0,"d":{"os":"ios"},"a":[1,"x",null,[1]],"z":null}"#).unwrap();
        assert!(matches!(c.attr(0, &p("key")), Attr::String("u")));
        assert!(matches!(c.attr(0, &p("n")), Attr::Number { integer: true, .. }));
        assert!(matches!(c.attr(0, &p("f")), Attr::Number { integer: false, .. }));
        assert!(matches!(c.attr(0, &p("d.os")), Attr::String("ios")));
        assert!(matches!(c.attr(0, &p("d")), Attr::Other));
        assert!(matches!(c.attr(0, &p("d.os.x")), Attr::Missing));
        assert!(matches!(c.attr(0, &p("z")), Attr::Missing));
        assert!(matches!(c.attr(0, &p("nope")), Attr::Missing));
        match c.attr(0, &p("a")) {
            Attr::Array(a) => {
                let v: Vec<_> = a.iter().collect();
                assert_eq!(v.len(), 4);
                assert!(matches!(v[2], Attr::Missing));
                assert!(matches!(v[3], Attr::Other));
            }
            _ => panic!("array expected"),
        }
    }

    #[test]
    fn numbers_are_read_without_parsing_and_follow_replacements() {
        let c = Context::new("u").with("n", 7i64).with("f", 2.5).with("s", "9");
        assert!(matches!(c.attr(0, &p("n")), Attr::Number { value, integer: true } if value == 7.0));
        assert!(matches!(c.attr(0, &p("f")), Attr::Number { value, integer: false } if value == 2.5));
        assert!(matches!(c.attr(0, &p("s")), Attr::String("9")));
        let c = c.with("n", "seven").with("s", 1i64 << 54);
        assert!(matches!(c.attr(0, &p("n")), Attr::String("seven")));
        assert!(matches!(c.attr(0, &p("s")), Attr::Number { integer: false, .. }));
        let j = Context::from_json(r#"{"a":-0,"b":1e3,"c":{"d":4}}"#).unwrap();
        assert!(matches!(j.attr(0, &p("a")), Attr::Number { integer: true, .. }));
        assert!(matches!(j.attr(0, &p("b")), Attr::Number { value, integer: false } if value == 1000.0));
        assert!(matches!(j.attr(0, &p("c.d")), Attr::Number { value, integer: true } if value == 4.0));
    }

    #[test]
    fn not_an_object() {
        assert!(Context::from_json("[1]").is_err());
        assert!(Context::from_json(r#"{"a":1,"a":2}"#).is_err());
    }

    #[test]
    fn encoded_round_trip() {
        let long = "l".repeat(300);
        let c = Context::from_json(&format!(r#"{{"key":"ü-1","n":7,"a":["x",2,{{"o":1}},"{long}"],"b":true,"o":{{}},"s":"{long}"}}"#)).unwrap();
        let attrs = vec![p("key"), p("n"), p("a"), p("b"), p("o"), p("missing"), p("s")];
        let bytes = encode(&c, &attrs);
        let e = EncodedContext::decode(&bytes, attrs.len()).unwrap();
        assert!(matches!(e.attr(0, &[]), Attr::String("ü-1")));
        assert!(matches!(e.attr(1, &[]), Attr::Number { value, integer: true } if value == 7.0));
        assert!(matches!(e.attr(3, &[]), Attr::Bool(true)));
        assert!(matches!(e.attr(4, &[]), Attr::Other));
        assert!(matches!(e.attr(5, &[]), Attr::Missing));
        assert!(matches!(e.attr(99, &[]), Attr::Missing));
        assert!(matches!(e.attr(6, &[]), Attr::String(s) if s == long));
        match e.attr(2, &[]) {
            Attr::Array(a) => {
                let v: Vec<_> = a.iter().collect();
                assert!(matches!(v[0], Attr::String("x")));
                assert!(matches!(v[2], Attr::Other));
                assert!(matches!(v[3], Attr::String(s) if s == long));
                assert_eq!(v.len(), 4);
            }
            _ => panic!(),
        }
    }

    #[test]
    fn malformed_encodings_are_errors() {
        let c = Context::from_json(r#"{"key":"abc","a":["x"]}"#).unwrap();
        let attrs = vec![p("key"), p("a")];
        let bytes = encode(&c, &attrs);
        for cut in 0..bytes.len() {
            assert!(EncodedContext::decode(&bytes[..cut], 2).is_err(), "cut {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(EncodedContext::decode(&extra, 2).is_err());
        assert!(EncodedContext::decode(&[9], 1).is_err());
        assert!(EncodedContext::decode(&[5, 2, 0, 0, 0, 0xff, 0xfe], 1).is_err());
        assert!(EncodedContext::decode(&[8, 2, 0xff, 0xfe], 1).is_err());
        assert!(EncodedContext::decode(&[8, 3, b'D', b'E'], 1).is_err());
        assert!(EncodedContext::decode(&[8], 1).is_err());
        // both string forms
        for bytes in [&[5u8, 2, 0, 0, 0, b'D', b'E'][..], &[8, 2, b'D', b'E'], &[6, 2, 0, 0, 0, 8, 1, b'x', 5, 0, 0, 0, 0]] {
            assert!(EncodedContext::decode(bytes, 1).is_ok(), "{bytes:?}");
        }
        assert!(matches!(EncodedContext::decode(&[8, 2, b'D', b'E'], 1).unwrap().attr(0, &[]), Attr::String("DE")));
        // random bytes never panic
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for _ in 0..20_000 {
            let mut b = Vec::new();
            for _ in 0..(x % 24) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b.push((x % 10) as u8);
            }
            let _ = EncodedContext::decode(&b, (x % 4) as usize);
        }
    }
}
