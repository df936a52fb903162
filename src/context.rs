//! Evaluation contexts: who is asking. A context is a JSON object; `key` is the targeting key.
//!
//! Evaluation never walks a context by attribute name on its own: the compiled plan gives every
//! attribute path it uses a *slot*, and reads attributes through [`Attributes::attr`]. Two sources
//! implement it:
//! - [`Context`], an owned JSON object (native callers, the CLI; in a wasm32 build only with the default
//!   feature `context`, which the shipped runtime `.wasm` leaves out); it looks the path up;
//! - [`EncodedContext`], the compact byte encoding written by the JS client into wasm memory
//!   (format in `docs/ARCHITECTURE.md`), decoded once per call into a slot table.
//!
//! Invariant: an [`Attr`] never holds JSON `null`: null and absent are both [`Attr::Missing`].

use crate::json::{self, Value};
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
    /// Elements of a native JSON array (a [`Context`]'s; not in the shipped runtime `.wasm`: feature `context`).
    #[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
            #[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
            ArrayRef::Json(s) => ArrayIter::Json(s.iter()),
            ArrayRef::Encoded { bytes, count } => ArrayIter::Encoded { bytes, left: count },
        }
    }
}

/// Iterator over array elements.
#[derive(Debug)]
pub enum ArrayIter<'c> {
    /// Native elements.
    #[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
            #[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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

    /// [`Attributes::attr`], given also `word`, [`path_word`] of `path` (worked out once at load):
    /// a source that looks attributes up by name compares it with its names' words instead of
    /// reading the name. The default ignores it.
    #[inline(always)]
    fn attr_at(&self, slot: usize, path: &[Box<str>], word: u64) -> Attr<'_> {
        let _ = word;
        self.attr(slot, path)
    }

    /// The [`short_word`](crate::bytes::short_word) of the attribute [`Attributes::attr_at`] gives
    /// when it is a string of at most 7 bytes, else `u64::MAX` (which a source may also give when it
    /// does not know the word: the caller then reads the attribute). A set of short string operands
    /// compares that one integer. The default works the word out from the string; a native
    /// [`Context`] keeps it.
    #[inline(always)]
    fn short_word_at(&self, slot: usize, path: &[Box<str>], word: u64) -> u64 {
        match self.attr_at(slot, path, word) {
            Attr::String(s) => crate::bytes::short_word(s.as_bytes()).unwrap_or(u64::MAX),
            _ => u64::MAX,
        }
    }

    /// The attribute [`Attributes::attr_at`] gives when it is a string, else `None` (which a source
    /// may also give when the string is not at hand: the caller then reads the attribute). A
    /// bucketing unit is taken from here without building an [`Attr`] (native builds). The default
    /// reads the attribute.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn str_at(&self, slot: usize, path: &[Box<str>], word: u64) -> Option<&str> {
        match self.attr_at(slot, path, word) {
            Attr::String(s) => Some(s),
            _ => None,
        }
    }
}

/// What [`Attributes::attr_at`] is given for a path: for a path of one segment, the
/// [`short_word`](crate::bytes::short_word) of that segment; else, or for a segment over 7 bytes,
/// `u64::MAX` (no word). A word other than `u64::MAX` thus names a top-level attribute.
pub fn path_word<S: AsRef<str>>(path: &[S]) -> u64 {
    match path {
        [name] => name_word(name.as_ref()),
        _ => u64::MAX,
    }
}

fn name_word(name: &str) -> u64 {
    crate::bytes::short_word(name.as_bytes()).unwrap_or(u64::MAX)
}

/// A context error: the context is not a JSON object, or not valid JSON.
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextError {
    /// What is wrong.
    pub message: String,
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid context: {}", self.message)
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
#[derive(Clone, Debug)]
pub struct Context {
    fields: Vec<(String, Value<'static>)>,
    /// Invariant: the entry of field `i` ([`Top::of`] it) is `head[i]` for `i < HEAD`, else
    /// `rest[i - HEAD]`; `head`'s entries past the fields are [`UNUSED`]. Evaluation reads top-level
    /// attributes from here: the context itself holds the first fields' name words and short
    /// strings, numbers and booleans, so a read touches the context's own bytes, not the names, the
    /// fields and each string's allocation (nor even a second allocation).
    head: [Top; HEAD],
    rest: Vec<Top>,
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
impl Default for Context {
    fn default() -> Context {
        Context { fields: Vec::new(), head: [UNUSED; HEAD], rest: Vec::new() }
    }
}

/// Fields whose entries the context holds in place.
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
const HEAD: usize = 4;

/// Strings of at most this many bytes are copied into [`Top`] (a `Top` is then 24 bytes).
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
const INLINE: usize = 14;

/// A `head` entry without a field: its name matches no word (the lookup never asks for `u64::MAX`).
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
const UNUSED: Top = Top { name: u64::MAX, value: Flat::Null };

/// A field as evaluation reads it: its name's word and its value, flat.
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
#[derive(Clone, Copy, Debug)]
struct Top {
    /// [`short_word`](crate::bytes::short_word) of the name; `u64::MAX` for names over 7 bytes.
    name: u64,
    value: Flat,
}

/// A field's value, flat.
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
#[derive(Clone, Copy, Debug)]
enum Flat {
    /// A string of at most [`INLINE`] bytes, copied. Invariants: `bytes[..len]` is a whole `str`'s
    /// bytes (valid UTF-8); for `len <= 7`, `bytes[len..7]` are 0 and `bytes[7]` is `len`, so that
    /// `bytes[..8]` read little-endian is the string's [`short_word`](crate::bytes::short_word)
    /// ([`Flat::short_word`]).
    Str { len: u8, bytes: [u8; INLINE] },
    /// A number, converted (a `json::Number` is its text: reading it would parse it).
    Number { value: f64, integer: bool },
    Bool(bool),
    /// `null`.
    Null,
    /// Read from the field itself (long strings, arrays, objects).
    Field,
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
impl Flat {
    /// A string's [`short_word`](crate::bytes::short_word) when it has at most 7 bytes, else
    /// `u64::MAX` (one load: see the invariants of [`Flat::Str`]).
    #[inline(always)]
    fn short_word(&self) -> u64 {
        match self {
            Flat::Str { len, bytes } if *len <= 7 => {
                let mut w = [0u8; 8];
                w.copy_from_slice(&bytes[..8]);
                u64::from_le_bytes(w)
            }
            _ => u64::MAX,
        }
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
impl Top {
    fn of(name: &str, v: &Value<'static>) -> Top {
        let value = match v {
            Value::String(s) if s.len() <= INLINE => {
                let mut bytes = [0u8; INLINE];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                if s.len() <= 7 {
                    bytes[7] = s.len() as u8;
                }
                Flat::Str { len: s.len() as u8, bytes }
            }
            Value::Number(_) => match attr_of_json(v) {
                Attr::Number { value, integer } => Flat::Number { value, integer },
                _ => Flat::Field, // never
            },
            Value::Bool(b) => Flat::Bool(*b),
            Value::Null => Flat::Null,
            _ => Flat::Field,
        };
        Top { name: name_word(name), value }
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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
        let top = Top::of(name, &value);
        match self.fields.iter().position(|(k, _)| k == name) {
            Some(i) => {
                if let Some(f) = self.fields.get_mut(i) {
                    f.1 = value;
                }
                self.set_top(i, top);
            }
            None => {
                self.fields.push((name.to_string(), value));
                self.set_top(self.fields.len() - 1, top);
            }
        }
        self
    }

    /// Records field `i`'s entry (`i` at most the number of entries so far).
    fn set_top(&mut self, i: usize, top: Top) {
        match self.head.get_mut(i) {
            Some(t) => *t = top,
            None => match self.rest.get_mut(i - HEAD) {
                Some(t) => *t = top,
                None => self.rest.push(top),
            },
        }
    }

    /// Field `i`'s entry.
    #[inline(always)]
    fn entry(&self, i: usize) -> Option<&Top> {
        match self.head.get(i) {
            Some(t) => Some(t),
            None => self.rest.get(i - HEAD),
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
                let mut c = Context { fields, ..Context::default() };
                for i in 0..c.fields.len() {
                    if let Some((k, v)) = c.fields.get(i) {
                        let top = Top::of(k, v);
                        c.set_top(i, top);
                    }
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
            Some(w) => self.head.iter().chain(self.rest.iter()).position(|t| t.name == w).filter(|i| *i < self.fields.len()),
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

    /// Field `i`'s value as an attribute, from its [`Top`] entry `t`.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn flat<'a>(&'a self, i: usize, t: &'a Top) -> Attr<'a> {
        match &t.value {
            Flat::Str { len, bytes } => {
                let b = &bytes[..usize::from(*len).min(INLINE)];
                // SAFETY: by the invariant of `Flat::Str`, `bytes[..len]` is a copy of a whole `str`
                // (`Top::of`), so it is valid UTF-8 (checked by the test `flat_strings`).
                Attr::String(unsafe { core::str::from_utf8_unchecked(b) })
            }
            Flat::Number { value, integer } => Attr::Number { value: *value, integer: *integer },
            Flat::Bool(b) => Attr::Bool(*b),
            Flat::Null => Attr::Missing,
            Flat::Field => self.fields.get(i).map_or(Attr::Missing, |(_, v)| attr_of_json(v)),
        }
    }

    /// Field `i` and its entry, for the first top-level field whose name's word is `w` (a name of at
    /// most 7 bytes).
    #[inline(always)]
    fn top_entry(&self, w: u64) -> Option<(usize, &Top)> {
        // `head` first, a fixed number of entries (no loop test), unused ones matching nothing
        for (i, t) in self.head.iter().enumerate() {
            if t.name == w {
                return Some((i, t));
            }
        }
        for (i, t) in self.rest.iter().enumerate() {
            if t.name == w {
                return Some((i + HEAD, t));
            }
        }
        None
    }

    /// The top-level attribute `name`.
    #[inline(always)]
    fn top(&self, name: &str) -> Attr<'_> {
        let Some(i) = self.position(name) else { return Attr::Missing };
        match self.entry(i) {
            Some(t) => self.flat(i, t),
            None => Attr::Missing, // never, by the invariant
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

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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

    #[inline(always)]
    fn attr_at(&self, slot: usize, path: &[Box<str>], word: u64) -> Attr<'_> {
        // a word names a top-level attribute (`path_word`)
        if word != u64::MAX {
            match self.top_entry(word) {
                Some((i, t)) => self.flat(i, t),
                None => Attr::Missing,
            }
        } else {
            self.attr(slot, path)
        }
    }

    #[inline(always)]
    fn short_word_at(&self, _slot: usize, _path: &[Box<str>], word: u64) -> u64 {
        if word != u64::MAX {
            self.top_entry(word).map_or(u64::MAX, |(_, t)| t.value.short_word())
        } else {
            u64::MAX // a nested attribute: read it
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    #[allow(unsafe_code)]
    fn str_at(&self, _slot: usize, _path: &[Box<str>], word: u64) -> Option<&str> {
        if word == u64::MAX {
            return None; // a nested attribute (or a long name): read it
        }
        let (i, t) = self.top_entry(word)?;
        if let Flat::Str { len, bytes } = &t.value {
            let b = bytes.get(..usize::from(*len)).unwrap_or(&[]);
            // SAFETY: as in `Context::flat`: `bytes[..len]` is a copy of a whole `str`.
            return Some(unsafe { core::str::from_utf8_unchecked(b) });
        }
        match self.fields.get(i) {
            Some((_, Value::String(s))) => Some(s), // a long string
            _ => None,
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

/// The bytes after `count` encoded array elements at the front of `b` (each checked). Through
/// [`ArrayIter::next`], out of line: arrays are rare in contexts, and a third copy of [`decode_scalar`] in
/// the hot [`decode_slots_into`] cost wasm bytes for nothing.
#[cold]
#[inline(never)]
fn skip_elements(b: &[u8], count: u32) -> Result<&[u8], DecodeError> {
    let mut it = ArrayIter::Encoded { bytes: b, left: count };
    for _ in 0..count {
        it.next().ok_or(DecodeError)?;
    }
    match it {
        ArrayIter::Encoded { bytes, .. } => Ok(bytes),
        #[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
        ArrayIter::Json(_) => Err(DecodeError),
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
#[cfg_attr(edgeflag_unstable, optimize(speed))]
pub fn decode_slots_into<'b>(mut bytes: &'b [u8], out: &mut [Attr<'b>]) -> Result<(), DecodeError> {
    for slot in out.iter_mut() {
        // a scalar first (an array's tag is not one: `decode_scalar` refuses it)
        if let Ok((a, r)) = decode_scalar(bytes) {
            *slot = a;
            bytes = r;
            continue;
        }
        let (&t, rest) = bytes.split_first().ok_or(DecodeError)?;
        if t != tag::ARRAY {
            return Err(DecodeError);
        }
        let (count, body) = read_u32(rest)?;
        let start = body;
        let cur = skip_elements(body, count)?;
        let used = start.len() - cur.len();
        *slot = Attr::Array(ArrayRef::Encoded { bytes: &start[..used], count });
        bytes = cur;
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
#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
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

    /// A source with only [`Attributes::attr`]: the trait's defaults for the rest.
    struct Plain<'a>(&'a Context);
    impl Attributes for Plain<'_> {
        fn attr(&self, slot: usize, path: &[Box<str>]) -> Attr<'_> {
            self.0.attr(slot, path)
        }
    }

    #[test]
    fn flat_strings() {
        // every length around the inline limit, ASCII and multi-byte, read by name and by word
        for n in 0..=30 {
            for unit in ["a", "é", "€"] {
                let v: String = unit.repeat(n);
                let c = Context::new("u").with("s", v.as_str()).with("a-long-name", v.as_str());
                for (name, path) in [("s", p("s")), ("a-long-name", p("a-long-name"))] {
                    let w = path_word(&path);
                    assert!(matches!(c.attr(0, &path), Attr::String(x) if x == v), "{name} {n}");
                    assert!(matches!(c.attr_at(0, &path, w), Attr::String(x) if x == v), "{name} {n}");
                }
            }
        }
        // replacements keep the flat entry in step; null, booleans, arrays, objects
        let c = Context::from_json(r#"{"key":"k","b":true,"z":null,"a":["x"],"o":{"p":"q"}}"#).unwrap().with("b", "now a string").with("key", 5i64);
        let at = |name: &str| {
            let path = p(name);
            let w = path_word(&path);
            (c.attr(0, &path), c.attr_at(0, &path, w))
        };
        assert!(matches!(at("b"), (Attr::String("now a string"), Attr::String("now a string"))));
        assert!(matches!(at("key"), (Attr::Number { integer: true, .. }, Attr::Number { integer: true, .. })));
        assert!(matches!(at("z"), (Attr::Missing, Attr::Missing)));
        assert!(matches!(at("a"), (Attr::Array(_), Attr::Array(_))));
        assert!(matches!(at("o"), (Attr::Other, Attr::Other)));
        assert!(matches!(at("o.p"), (Attr::String("q"), Attr::String("q"))));
        assert!(matches!(at("none"), (Attr::Missing, Attr::Missing)));
        // more fields than the context holds in place, replaced after the fact
        let mut c = Context::empty();
        for i in 0..7i64 {
            c = c.with(&format!("f{i}"), i);
        }
        let c = c.with("f5", "five").with("f1", "one");
        for (i, want) in ["0", "one", "2", "3", "4", "five", "6"].iter().enumerate() {
            let path = p(&format!("f{i}"));
            for a in [c.attr(0, &path), c.attr_at(0, &path, path_word(&path))] {
                match a {
                    Attr::String(s) => assert_eq!(s, *want),
                    Attr::Number { value, .. } => assert_eq!(value.to_string(), *want),
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(core::mem::size_of::<Top>(), 24);
        // the short words a context hands over are those of its strings of at most 7 bytes
        let mut c = Context::empty();
        for n in 0..=15usize {
            for unit in ["a", "é", "\u{0}"] {
                let v: String = unit.repeat(n);
                c = c.with(&format!("s{n}"), v.as_str()).with("long-name", v.as_str());
                for name in [format!("s{n}"), "long-name".into()] {
                    let path = p(&name);
                    let want = crate::bytes::short_word(v.as_bytes()).unwrap_or(u64::MAX);
                    let got = c.short_word_at(0, &path, path_word(&path));
                    // a name over 7 bytes: the word is not known
                    assert_eq!(got, if name.len() <= 7 { want } else { u64::MAX }, "{name} {v:?}");
                    assert_eq!(Plain(&c).short_word_at(0, &path, path_word(&path)), want);
                }
            }
        }
        let c = Context::from_json(r#"{"key":"k","n":1,"b":true,"z":null,"a":["x"],"o":{"p":"q"}}"#).unwrap();
        for name in ["n", "b", "z", "a", "o", "none"] {
            let path = p(name);
            assert_eq!(c.short_word_at(0, &path, path_word(&path)), u64::MAX, "{name}");
        }
        let path = p("o.p");
        assert_eq!(c.short_word_at(0, &path, path_word(&path)), u64::MAX); // nested: read it
        assert_eq!(path_word::<&str>(&[]), u64::MAX);
        assert_eq!(path_word(&["eightbyt"]), u64::MAX);
        assert_eq!(path_word(&["a", "b"]), u64::MAX);
        assert_eq!(path_word(&["a"]), name_word("a"));
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
