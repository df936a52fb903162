//! A strict RFC 8259 JSON parser into a borrowed tree, and a compact writer.
//!
//! Why our own parser (and not serde): the wasm binary has a tight size budget,
//! and the snapshot contract needs semantics that general parsers do not give:
//!
//! * **Exactly RFC 8259.** No comments, trailing commas, single quotes, `NaN`,
//!   `Infinity`, leading zeros, unescaped control characters or non-JSON
//!   whitespace; one top-level value; a leading byte order mark is an error.
//! * **A duplicate key in one object is an error** ([`ParseErrorKind::DuplicateKey`]),
//!   so that two parsers can never read one snapshot two ways. Keys are compared
//!   after unescaping (`"a"` and `"\u0061"` are the same key).
//! * **Lone surrogate escapes are an error** (`"\ud800"`, or a high surrogate
//!   not followed by a low one); a valid pair decodes to one `char`.
//! * **Numbers keep their source text** ([`Number`]), so percents are exact
//!   decimals and `42` can be told from `42.0`. A number never fails to parse
//!   for being large (`1e999999` is fine; [`Number::as_f64`] gives infinity).
//! * **Nesting is bounded** ([`ParseOptions::max_depth`], 128 by default) and
//!   the parser keeps its own stack, so no input can overflow the call stack.
//! * **Errors say where**: byte offset, line, column and the JSON path reached
//!   (`flags.new-checkout.rules[2].when`), see [`ParseError`].
//!
//! Strings without escapes are borrowed from the input (`Cow::Borrowed`), and
//! so are all numbers, so parsing a snapshot allocates little more than the
//! vectors of the tree.
//!
//! [`Reader`] walks a text without building a tree, under the same rules (it
//! accepts exactly the texts [`parse_with`] accepts); the snapshot loader uses
//! it, and asks [`parse_with`] for the exact error when it refuses a text.
//!
//! # Invariants
//!
//! * Every [`Number`] holds text matching the JSON number grammar
//!   ([`crate::number::is_json_number`]); its constructors check it.
//! * A [`Value`] returned by the parser has no duplicate key in any object and
//!   is nested at most `max_depth` levels deep. (A `Value` built by hand may
//!   break either; the writer writes it as it is.)
//! * Methods that walk a tree (`into_owned`, `Display`, [`write_value`], and
//!   the derived `Clone`, `PartialEq` and `Drop`) recurse once per level of
//!   nesting. For parsed trees the recursion is bounded by `max_depth`: keep it
//!   in the hundreds or low thousands, not millions.
//! * Nothing in this module panics on any input. Its one `unsafe` is in `Parser::string`: the text
//!   between two quotes is cut without `str::get`'s checks (the wasm build calls `str::get` for every
//!   string read), which cannot fail there (see its SAFETY comment; tested below).

use crate::bytes::Push;
use std::borrow::Cow;
use std::fmt;

use crate::number;

/// The default bound on nesting: 128 levels of arrays and objects.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// How a JSON path with no segment (the whole document) is written.
pub const ROOT_PATH: &str = "(root)";

/// A byte order mark, refused at the start of a text (as a `&str`: `starts_with` of a `char` would be
/// core's character searcher in the wasm build).
const BOM: &str = "\u{feff}";

/// A JSON value, borrowing its strings and numbers from the parsed text where
/// it can.
///
/// Objects keep their members in document order. Equality (`PartialEq`) is
/// structural and literal: numbers compare by source text (`1.0 != 1`) and
/// objects by member order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, with its exact source text.
    Number(Number<'a>),
    /// A string, unescaped. Borrowed from the input when it had no escape.
    String(Cow<'a, str>),
    /// An array, in order.
    Array(Vec<Value<'a>>),
    /// An object: (key, value) members in document order. A parsed object
    /// never holds the same key twice.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// A JSON number, kept as its source text.
///
/// Invariant: `text` matches the JSON number grammar (see
/// [`crate::number::is_json_number`]), so it is plain ASCII and every accessor
/// below is total.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number<'a> {
    /// The source text; in the JSON number grammar.
    text: Cow<'a, str>,
}

impl<'a> Number<'a> {
    /// Makes a number from its text, or `None` if the text is not exactly one
    /// JSON number (no whitespace, no `+`, no leading zeros, ...).
    pub fn new(text: Cow<'a, str>) -> Option<Number<'a>> {
        if number::is_json_number(&text) {
            Some(Number { text })
        } else {
            None
        }
    }

    /// The number's text, exactly as written in the source (`1.50`, `1E3`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The nearest `f64` (correctly rounded). Too large a magnitude gives
    /// ±infinity, too small a magnitude gives ±0.
    pub fn as_f64(&self) -> f64 {
        // The text is in the JSON grammar (the invariant), as the function needs.
        number::json_number_to_f64(&self.text)
    }

    /// Reports whether the number is written as an integer: no `.` and no
    /// exponent. `42` and `-0` are; `42.0` and `4e1` are not.
    pub fn is_integer_literal(&self) -> bool {
        // (byte loops here and below rather than `any`: the wasm build keeps each closure's `try_fold` out of line)
        !crate::bytes::any_of(self.text.as_bytes(), |b| matches!(b, b'.' | b'e' | b'E'))
    }

    /// The value as an `i64`, when the number is an integer literal that fits
    /// exactly (`-0` is `0`). `None` for `1.0`, `1e2` or `9223372036854775808`.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_integer_literal() {
            return None;
        }
        // The same as `parse::<i64>` (an integer literal is `-`? and digits), without its radix parser
        // in the wasm build: the magnitude as a `u64`, then its sign; `-2^63` is `i64::MIN`.
        match self.text.strip_prefix("-") {
            Some(digits) => match number::decimal_u64(digits.as_bytes())? {
                m if m <= 1 << 63 => Some((m as i64).wrapping_neg()),
                _ => None,
            },
            None => i64::try_from(number::decimal_u64(self.text.as_bytes())?).ok(),
        }
    }

    /// The value as a `u64`, when the number is an integer literal that fits
    /// exactly (`-0` is `0`; any other negative number is `None`).
    pub fn as_u64(&self) -> Option<u64> {
        if !self.is_integer_literal() {
            return None;
        }
        // `u64::from_str` rejects a leading '-', even on "-0".
        match self.text.strip_prefix("-") {
            Some("0") => Some(0),
            Some(_) => None,
            // Digits only (an integer literal without '-'): the same as `parse::<u64>`, without its
            // generic radix parser in the wasm build.
            None => number::decimal_u64(self.text.as_bytes()),
        }
    }

    /// The number written in decimal, e.g. for building output values.
    pub fn from_i64(n: i64) -> Number<'static> {
        Number {
            text: Cow::Owned(n.to_string()),
        }
    }

    /// The number written in decimal, e.g. for building output values.
    pub fn from_u64(n: u64) -> Number<'static> {
        Number {
            text: Cow::Owned(n.to_string()),
        }
    }

    /// The shortest text that reads back as `x` (`0.1`, `-0`, `1000000`), or
    /// `None` for NaN and the infinities, which JSON cannot hold.
    pub fn from_f64(x: f64) -> Option<Number<'static>> {
        if x.is_finite() {
            Number::new(Cow::Owned(x.to_string()))
        } else {
            None
        }
    }

    /// The same number, owning its text.
    pub fn into_owned(self) -> Number<'static> {
        Number {
            text: Cow::Owned(self.text.into_owned()),
        }
    }
}

impl fmt::Display for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'a> Value<'a> {
    /// The value of member `key` if `self` is an object that has it.
    ///
    /// A linear scan: fine for the small objects of a context or a rule;
    /// index large objects once if you look them up often.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if `self` is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if `self` is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if `self` is a number.
    pub fn as_number(&self) -> Option<&Number<'a>> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements, if `self` is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members in document order, if `self` is an object.
    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Value<'a>)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Reports whether `self` is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON type's name, for messages: `"null"`, `"boolean"`, `"number"`,
    /// `"string"`, `"array"` or `"object"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The same value owning all its strings, so it can outlive the input.
    /// Recurses once per nesting level (see the module's invariants).
    pub fn into_owned(self) -> Value<'static> {
        self.to_owned_value()
    }

    /// A copy owning all its strings ([`Value::into_owned`]: by reference, so that the wasm build has no
    /// consuming iterators and in-place collections of values for it; a string already owned is copied,
    /// which only an escaped one is).
    pub(crate) fn to_owned_value(&self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Number(n) => Value::Number(Number { text: Cow::Owned(String::from(&*n.text)) }),
            Value::String(s) => Value::String(Cow::Owned(String::from(&**s))),
            Value::Array(_) | Value::Object(_) => self.to_owned_container(),
        }
    }

    /// [`Value::to_owned_value`] of an array or an object (cold and out of line: a load copies each
    /// variant's value, nearly always a scalar, and that function stays small for the wasm engine's
    /// optimising compiler; plain loops: `map(..).collect()` brings a fold, `extend_trusted` and
    /// `from_iter` of its own per element type into the wasm build).
    #[cold]
    #[inline(never)]
    fn to_owned_container(&self) -> Value<'static> {
        match self {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    out.push(v.to_owned_value());
                }
                Value::Array(out)
            }
            Value::Object(members) => {
                let mut out = Vec::with_capacity(members.len());
                for (k, v) in members {
                    out.push((Cow::Owned(String::from(&**k)), v.to_owned_value()));
                }
                Value::Object(out)
            }
            _ => Value::Null,
        }
    }
}

/// Writes compact JSON (no whitespace); numbers keep their source text.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self);
        f.write_str(&out)
    }
}

/// Appends `s` to `out` as a JSON string literal.
///
/// `"` and `\` are escaped, as are the control characters U+0000–U+001F
/// (`\b \f \n \r \t` in short form, the others as `\u00XX`). Everything else,
/// including `/`, U+007F and non-ASCII characters, is written as is.
pub fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push_ascii(b'"');
    // Most strings (keys, operands) need no escape: one check, one copy.
    if !crate::bytes::any_of(s.as_bytes(), |b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push_ascii(b'"');
        return;
    }
    write_escaped(out, s);
}

/// [`write_string`]'s escapes and the closing quote (cold, out of line: the load's meta lists every flag key
/// through `write_string`, and its short common path stays under V8's tier-up budget in a first load).
#[cold]
#[inline(never)]
fn write_escaped(out: &mut String, s: &str) {
    // Invariant: `run` is the start of the bytes not yet copied; every byte we
    // stop at is ASCII, so every cut is on a char boundary.
    let mut run = 0;
    // (the slice's iterator, not `str::bytes`, whose `next` the wasm build calls out of line)
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        if short.is_empty() {
            out.push_str("\\u00");
            out.push_ascii(hex_digit(b >> 4));
            out.push_ascii(hex_digit(b & 0xf));
        } else {
            out.push_str(short);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push_ascii(b'"');
}

/// Moves `scratch[start..]` to the end of `out` ([`Reader::array_into`] for an array read inside another
/// or into a list that is not empty: cold, out of line, so that the usual operand list, read where a
/// condition is read once per condition, takes short code).
#[cold]
#[inline(never)]
fn append_from<'a>(out: &mut Vec<Value<'a>>, scratch: &mut Vec<Value<'a>>, start: usize) {
    out.append(&mut scratch.split_off(start));
}

/// Whether `json`, the source text of one valid JSON value, is certainly what [`write_value`] writes
/// for it: it has no space, control character or backslash at all, so no whitespace between tokens
/// and no escape (a string without escapes is written as it is, numbers keep their text, members their
/// order). Then the text can be copied instead of written again. (`false` for some texts the writer
/// would give back, such as strings with spaces: those are written.)
pub fn is_compact(json: &str) -> bool {
    // Eight bytes at a time, as `skip_plain`: `(x - 0x21..21) & !x & 0x80..80` flags the bytes below
    // 0x21 (space and the control characters), and a byte equal to `\\` is found the same way.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = json.as_bytes().chunks_exact(8);
    let mut flags = 0;
    for c in &mut chunks {
        if let Ok(word) = <[u8; 8]>::try_from(c) {
            let x = u64::from_le_bytes(word);
            let backslash = x ^ (ONES * u64::from(b'\\'));
            flags |= ((x.wrapping_sub(ONES * 0x21) & !x) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH;
        }
    }
    flags == 0 && !chunks.remainder().iter().any(|&b| b <= b' ' || b == b'\\')
}

/// The lower-case hex digit for `n` (`n < 16`; of a larger `n`, that of its low 4 bits).
fn hex_digit(n: u8) -> u8 {
    b"0123456789abcdef"[usize::from(n & 15)]
}

/// Appends `v` to `out` as compact JSON (no whitespace). Numbers are written
/// with their source text, members in their order, strings as by
/// [`write_string`]. Recurses once per nesting level.
pub fn write_value(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(n.text()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push_ascii(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_ascii(b',');
                }
                write_value(out, item);
            }
            out.push_ascii(b']');
        }
        Value::Object(members) => {
            out.push_ascii(b'{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_ascii(b',');
                }
                write_string(out, key);
                out.push_ascii(b':');
                write_value(out, value);
            }
            out.push_ascii(b'}');
        }
    }
}

/// One step of a JSON path: an object key or an array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A member of an object, by key.
    Key(&'a str),
    /// An element of an array, by position (from 0).
    Index(usize),
}

/// Writes a JSON path the way edgeflag reports problems: keys raw (not quoted
/// or escaped) joined with `.`, indices as `[i]`, and the empty path as
/// [`ROOT_PATH`]. E.g. `flags.new-checkout.rules[2].when.any[0].op`.
pub fn format_path(segs: &[PathSeg<'_>]) -> String {
    if segs.is_empty() {
        return ROOT_PATH.to_owned();
    }
    let mut out = String::new();
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            PathSeg::Key(key) => {
                if i > 0 {
                    out.push_ascii(b'.');
                }
                out.push_str(key);
            }
            PathSeg::Index(index) => {
                out.push_ascii(b'[');
                crate::message::push_int(&mut out, *index as u64);
                out.push_ascii(b']');
            }
        }
    }
    out
}

/// Options for [`parse_with`] and [`parse_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// The deepest nesting of arrays and objects accepted: `[[1]]` has depth 2,
    /// a scalar has depth 0. Deeper input is [`ParseErrorKind::TooDeep`].
    /// Default: [`DEFAULT_MAX_DEPTH`] (128).
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// What the parser was looking for when it met something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Any JSON value.
    Value,
    /// An object's first key, or the `}` of an empty object.
    KeyOrEnd,
    /// An object key (after a `,`).
    Key,
    /// The `:` after an object key.
    Colon,
    /// A `,` or the `]` that ends an array.
    CommaOrEndOfArray,
    /// A `,` or the `}` that ends an object.
    CommaOrEndOfObject,
}

impl Expected {
    /// What `Display` writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Value => "a JSON value",
            Expected::KeyOrEnd => "a string key or '}'",
            Expected::Key => "a string key",
            Expected::Colon => "':'",
            Expected::CommaOrEndOfArray => "',' or ']'",
            Expected::CommaOrEndOfObject => "',' or '}'",
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not (acceptable) JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text starts with a UTF-8 byte order mark (U+FEFF), which RFC 8259
    /// forbids in JSON that is exchanged.
    ByteOrderMark,
    /// The bytes are not valid UTF-8 from this byte offset on
    /// ([`parse_bytes`] only).
    InvalidUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The text is empty or only whitespace.
    Empty,
    /// The text ended where more was needed.
    UnexpectedEnd {
        /// What was needed.
        expected: Expected,
    },
    /// A character that cannot appear here.
    UnexpectedChar {
        /// The character found.
        found: char,
        /// What was expected instead.
        expected: Expected,
    },
    /// Something other than whitespace follows the top-level value.
    TrailingCharacters {
        /// The first such character.
        found: char,
    },
    /// A `,` directly before `]` or `}`.
    TrailingComma,
    /// A `//` or `/*` comment.
    Comment,
    /// A string (or key) in single quotes.
    SingleQuote,
    /// `NaN`, `Infinity` or `-Infinity`.
    NonFiniteNumber,
    /// A malformed number (`01`, `1.`, `-`, `1e+`).
    InvalidNumber(number::ScanErrorKind),
    /// A word starting like `true`, `false` or `null` that is not one.
    InvalidLiteral {
        /// The literal it started like.
        expected: &'static str,
    },
    /// A string with no closing `"`. The offset is that of the opening quote.
    UnterminatedString,
    /// An unescaped control character (U+0000–U+001F) inside a string.
    ControlCharacter {
        /// The character's code (0x00–0x1F).
        byte: u8,
    },
    /// A `\` followed by something other than `" \ / b f n r t u`.
    InvalidEscape {
        /// The character after the backslash.
        found: char,
    },
    /// A `\u` not followed by four hexadecimal digits.
    InvalidUnicodeEscape,
    /// A `\u` escape of a surrogate that is not part of a valid pair: a low
    /// surrogate (`\uDC00`–`\uDFFF`) alone, or a high one (`\uD800`–`\uDBFF`)
    /// not directly followed by a low one.
    LoneSurrogate {
        /// The unpaired UTF-16 code unit.
        code_unit: u16,
    },
    /// The same key twice in one object (compared after unescaping). The error's
    /// path is the object's, its offset that of the key's second occurrence
    /// (the earliest repeat, if several keys repeat). Objects are checked when
    /// they close, so a syntax error further inside the same object is
    /// reported instead.
    DuplicateKey(String),
    /// Arrays and objects nested deeper than [`ParseOptions::max_depth`]. The
    /// offset is that of the first `[` or `{` too deep.
    TooDeep {
        /// The limit in force.
        max_depth: usize,
    },
}

impl ParseErrorKind {
    /// Appends what `Display` writes (built without `core::fmt`: the wasm build reports it).
    pub fn write_to(&self, out: &mut String) {
        use crate::message::{push_hex, push_int};
        use ParseErrorKind::*;
        match self {
            ByteOrderMark => out.push_str(
                "the text starts with a byte order mark (U+FEFF), which JSON does not allow; \
                 save it as UTF-8 without BOM",
            ),
            InvalidUtf8 { offset } => {
                out.push_str("invalid UTF-8 at byte offset ");
                push_int(out, *offset as u64);
            }
            Empty => out.push_str("no JSON value: the text is empty or only whitespace"),
            UnexpectedEnd { expected } => {
                out.push_str("unexpected end of the text, expected ");
                out.push_str(expected.as_str());
            }
            UnexpectedChar { found, expected } => {
                out.push_str("unexpected character ");
                push_char(out, *found);
                out.push_str(", expected ");
                out.push_str(expected.as_str());
            }
            TrailingCharacters { found } => {
                out.push_str("unexpected character ");
                push_char(out, *found);
                out.push_str(" after the JSON value (only one value is allowed)");
            }
            TrailingComma => out.push_str("trailing comma (JSON does not allow one)"),
            Comment => out.push_str("comments are not allowed in JSON"),
            SingleQuote => out.push_str("strings must be in double quotes"),
            NonFiniteNumber => out.push_str("NaN and Infinity are not JSON numbers"),
            InvalidNumber(kind) => {
                out.push_str("invalid number: ");
                out.push_str(kind.as_str());
            }
            InvalidLiteral { expected } => {
                out.push_str("invalid literal, expected `");
                out.push_str(expected);
                out.push_ascii(b'`');
            }
            UnterminatedString => out.push_str("unterminated string (no closing quote)"),
            ControlCharacter { byte } => {
                out.push_str("control character U+");
                push_hex(out, u32::from(*byte), 4);
                out.push_str(" in a string must be escaped");
            }
            InvalidEscape { found } => {
                out.push_str("invalid escape sequence \\");
                out.push(*found);
            }
            InvalidUnicodeEscape => out.push_str("\\u must be followed by 4 hexadecimal digits"),
            LoneSurrogate { code_unit } => {
                out.push_str("lone surrogate \\u");
                push_hex(out, u32::from(*code_unit), 4);
                out.push_str(
                    " (a high surrogate \\uD800-\\uDBFF must be \
                     directly followed by a low surrogate \\uDC00-\\uDFFF)",
                );
            }
            DuplicateKey(key) => {
                out.push_str("duplicate key ");
                write_string(out, key);
            }
            TooDeep { max_depth } => {
                out.push_str("nesting deeper than ");
                push_int(out, *max_depth as u64);
                out.push_str(" levels");
            }
        }
    }
}

/// The first character of `s` (`s.chars().next()`, decoded here: core's decoder, `next_code_point`, is
/// larger in the wasm build, and only the parser's error reports use it).
fn first_char(s: &str) -> Option<char> {
    let b = s.as_bytes();
    let lead = *b.first()?;
    let (len, bits) = match lead {
        0..=0x7f => return Some(char::from(lead)),
        0xc0..=0xdf => (2, lead & 0x1f),
        0xe0..=0xef => (3, lead & 0x0f),
        _ => (4, lead & 0x07),
    };
    let mut c = u32::from(bits);
    for &x in b.get(1..len)? {
        c = c << 6 | u32::from(x & 0x3f);
    }
    char::from_u32(c)
}

/// Appends the character `c` of a JSON syntax error's message: a printable ASCII character in single quotes
/// (`'\''` and `'\\'` escaped as Rust's `{:?}` writes them), any other character as its code point, `U+`
/// and 4 to 6 upper-case hexadecimal digits (`U+000A`, `U+00E9`, `U+1F600`), as the message of a control
/// character in a string has it. Invisible, combining and look-alike characters are then told apart without
/// Unicode tables (core's `char::escape_debug` would bring them into the runtime `.wasm`: 3.1 KB gzip), and
/// every build writes the same text whatever its Unicode version.
fn push_char(out: &mut String, c: char) {
    match c {
        '\'' => out.push_str("'\\''"),
        '\\' => out.push_str("'\\\\'"),
        ' '..='~' => {
            out.push_ascii(b'\'');
            out.push_ascii(c as u8);
            out.push_ascii(b'\'');
        }
        _ => {
            out.push_str("U+");
            crate::message::push_hex(out, u32::from(c), 4);
        }
    }
}

#[cfg(test)]
mod char_tests {
    #[test]
    fn first_char_is_chars_next() {
        for s in ["", "a", "é", "€x", "😀", "\u{7f}", "\u{80}", "\u{7ff}", "\u{800}", "\u{ffff}", "\u{10000}", "\u{10ffff}"] {
            assert_eq!(super::first_char(s), s.chars().next(), "{s:?}");
        }
        for c in (0..0x11_0000).filter_map(char::from_u32).step_by(7) {
            let s = c.to_string();
            assert_eq!(super::first_char(&s), Some(c));
        }
    }

    #[test]
    fn printable_ascii_quoted_the_rest_as_code_points() {
        let cases = [
            ('a', "'a'"),
            (' ', "' '"),
            ('~', "'~'"),
            ('"', "'\"'"),
            ('\'', "'\\''"),
            ('\\', "'\\\\'"),
            ('\n', "U+000A"),
            ('\0', "U+0000"),
            ('\u{7f}', "U+007F"),
            ('é', "U+00E9"),
            ('\u{301}', "U+0301"),
            ('\u{200b}', "U+200B"),
            ('\u{feff}', "U+FEFF"),
            ('😀', "U+1F600"),
            ('\u{10ffff}', "U+10FFFF"),
        ];
        for (c, want) in cases {
            let mut s = String::new();
            super::push_char(&mut s, c);
            assert_eq!(s, want, "{c:?}");
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

/// A JSON text was refused: where, and why.
///
/// Displays as `line 3, column 14 (at flags.a.variants): duplicate key "on"`,
/// or without the `(at ...)` part when the path is the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the problem in the input (the input's length when it
    /// ended too early).
    pub offset: usize,
    /// Line of `offset`, from 1; lines end at `\n`.
    pub line: usize,
    /// Column of `offset`, from 1, counted in characters (Unicode scalar
    /// values), not bytes.
    pub column: usize,
    /// The JSON path reached (see [`format_path`]): the value being parsed, or
    /// for a problem between members (a missing `,`, a trailing comma, a bad or
    /// duplicate key) the enclosing array or object. [`ROOT_PATH`] for the top.
    pub path: String,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    /// What `Display` writes (built without `core::fmt`: the wasm build reports it).
    pub fn message(&self) -> String {
        let mut out = crate::message::msg!("line ", self.line, ", column ", self.column);
        if self.path != ROOT_PATH {
            out.push_str(" (at ");
            out.push_str(&self.path);
            out.push_ascii(b')');
        }
        out.push_str(": ");
        self.kind.write_to(&mut out);
        out
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ParseError {}

impl std::error::Error for ParseErrorKind {}

/// Parses one JSON text with the default options (depth limit 128).
///
/// # Errors
///
/// A [`ParseError`] if `text` is not exactly one RFC 8259 JSON value, or breaks
/// one of the stricter rules in the module documentation.
pub fn parse(text: &str) -> Result<Value<'_>, ParseError> {
    parse_with(text, &ParseOptions::default())
}

/// Parses one JSON text: exactly one value, with only JSON whitespace
/// (space, tab, `\n`, `\r`) around it.
///
/// # Errors
///
/// A [`ParseError`] if `text` is not exactly one RFC 8259 JSON value, breaks
/// one of the stricter rules in the module documentation, or nests deeper
/// than `opts.max_depth`.
pub fn parse_with<'a>(text: &'a str, opts: &ParseOptions) -> Result<Value<'a>, ParseError> {
    parse_text(text, opts.max_depth)
}

/// Parses JSON from bytes, which must be UTF-8 (without byte order mark).
///
/// # Errors
///
/// As [`parse_with`]; besides, bytes that are not UTF-8 are
/// [`ParseErrorKind::InvalidUtf8`], naming the offset of the first bad byte.
pub fn parse_bytes<'a>(bytes: &'a [u8], opts: &ParseOptions) -> Result<Value<'a>, ParseError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(root_error(bytes, 0, ParseErrorKind::ByteOrderMark));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_text(text, opts.max_depth),
        Err(e) => {
            let offset = e.valid_up_to();
            Err(root_error(
                bytes,
                offset,
                ParseErrorKind::InvalidUtf8 { offset },
            ))
        }
    }
}

/// An error about the whole text.
fn root_error(bytes: &[u8], offset: usize, kind: ParseErrorKind) -> ParseError {
    let (line, column) = line_column(bytes, offset);
    ParseError {
        offset,
        line,
        column,
        path: ROOT_PATH.to_owned(),
        kind,
    }
}

/// Line and column (both from 1, the column in characters) of byte `offset`.
/// Works on any bytes: a character is counted at each byte that is not a UTF-8
/// continuation byte.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let this_line = before.get(line_start..).unwrap_or_default();
    let column = 1 + this_line.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    (line, column)
}

/// A problem found by the parser, before the path and line are worked out.
struct Fail {
    /// Byte offset of the problem.
    offset: usize,
    /// What is wrong.
    kind: ParseErrorKind,
}

impl Fail {
    /// A `kind` problem at byte `offset`.
    fn at(offset: usize, kind: ParseErrorKind) -> Fail {
        Fail { offset, kind }
    }
}

/// An open array or object, innermost last on the parser's stack.
///
/// A frame does not hold its contents: those are at the end of the parser's
/// shared scratch vectors ([`Scratch`]), from `start` on, so that every
/// container is allocated once, at its exact size, when it closes.
enum Frame<'a> {
    /// An open array, whose elements so far are `Scratch::values[start..]`
    /// (up to the start of the next open array, if any).
    Array {
        /// Where this array's elements start in `Scratch::values`.
        start: usize,
    },
    /// See [`ObjectFrame`].
    Object(ObjectFrame<'a>),
}

/// An open object, whose members so far are `Scratch::members[start..]`
/// (up to the start of the next open object, if any).
struct ObjectFrame<'a> {
    /// Where this object's members start in `Scratch::members` (and their
    /// keys' offsets in `Scratch::key_offsets`).
    start: usize,
    /// The key of the member whose value is being parsed (after a member is
    /// stored, a stale empty placeholder until the next key is read).
    key: Cow<'a, str>,
    /// Byte offset of `key`'s opening quote.
    key_at: usize,
}

/// Objects with at most this many members are checked for duplicate keys by
/// comparing every pair; larger ones by sorting.
const LINEAR_KEYS: usize = 16;

/// The position of the first member (in document order) whose key an earlier
/// member of `members` already has, or `None` if all keys differ.
///
/// Objects are checked once, when they close: pairwise up to [`LINEAR_KEYS`]
/// members, and past that by a stable merge sort of the member positions by
/// key, which puts equal keys next to each other in document order. That is
/// O(n log n) comparisons whatever the keys: unlike a hash table, no input
/// can make it slow (and it adds far less code to the wasm binary than a
/// `BTreeSet`).
fn first_duplicate(members: &[(Cow<'_, str>, Value<'_>)]) -> Option<usize> {
    let key = |i: usize| members.get(i).map_or("", |(k, _)| &**k);
    if members.len() <= LINEAR_KEYS {
        return (1..members.len()).find(|&j| (0..j).any(|i| key(i) == key(j)));
    }
    let mut order = positions(members.len());
    merge_sort(&mut order, |a, b| key(a) < key(b));
    // In each run of equal keys the positions increase, so the second of the
    // run is where that key repeats first; the answer is the least of those.
    order
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if key(*a) == key(*b) => Some(*b),
            _ => None,
        })
        .min()
}

/// `0, 1, …, n - 1`, the order [`merge_sort`] starts from (a `push` loop: `(0..n).collect()` brings
/// `from_iter` and `extend_trusted` of a range into the wasm build).
fn positions(n: usize) -> Vec<usize> {
    let mut order = Vec::with_capacity(n);
    for i in 0..n {
        order.push(i);
    }
    order
}

/// Sorts `items` stably by `less`, bottom-up merge sort: O(n log n)
/// comparisons in every case, one buffer, and no indexing that could panic.
fn merge_sort(items: &mut Vec<usize>, less: impl Fn(usize, usize) -> bool) {
    // (by positions, not `chunks`/`zip`/`peekable`, whose iterator code the wasm build would carry)
    let n = items.len();
    let mut buf = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = start.saturating_add(width).min(n);
            let end = mid.saturating_add(width).min(n);
            let (mut l, mut r) = (start, mid);
            for slot in buf.get_mut(start..end).unwrap_or_default() {
                let left = if l < mid { items.get(l).copied() } else { None };
                let right = if r < end { items.get(r).copied() } else { None };
                // Take from the right only when strictly less: stability.
                *slot = match (left, right) {
                    (Some(a), Some(b)) if !less(b, a) => {
                        l += 1;
                        a
                    }
                    (Some(a), None) => {
                        l += 1;
                        a
                    }
                    (_, b) => {
                        r += 1;
                        b.unwrap_or_default()
                    }
                };
            }
            start = end;
        }
        std::mem::swap(items, &mut buf);
        width = width.saturating_mul(2);
    }
}

/// The contents of all open containers, innermost last (see [`Frame`]).
///
/// Invariant: the `start` of each open array (object) frame is at most
/// `values.len()` (`members.len()`), and starts increase from outer to inner
/// frames of the same kind. `key_offsets.len() == members.len()`.
struct Scratch<'a> {
    /// Elements of the open arrays.
    values: Vec<Value<'a>>,
    /// Members of the open objects.
    members: Vec<(Cow<'a, str>, Value<'a>)>,
    /// For each of `members`, the byte offset of its key (to report a
    /// duplicate key where it is).
    key_offsets: Vec<usize>,
}

/// Removes and returns `v[start..]`, allocated at its exact size (one
/// allocation and a `memcpy`; `v` keeps its capacity). (`start` is
/// never past the end, by the [`Scratch`] invariant; if it were, the result
/// would be empty rather than a panic.)
fn take_tail<T>(v: &mut Vec<T>, start: usize) -> Vec<T> {
    if start > v.len() {
        return Vec::new();
    }
    v.split_off(start)
}

/// The path of the innermost open container (`whole == false`) or of the
/// value being parsed inside it (`whole == true`). `values_len` is the length
/// of [`Scratch::values`], which gives the index being parsed in the
/// innermost open array.
fn path_of(stack: &[Frame<'_>], values_len: usize, whole: bool) -> String {
    let depth = if whole {
        stack.len()
    } else {
        stack.len().saturating_sub(1)
    };
    // From the innermost array out: an array's element count runs up to where
    // the next inner array's elements start.
    let mut end = values_len;
    let mut segs: Vec<PathSeg<'_>> = stack
        .iter()
        .rev()
        .map(|frame| match frame {
            Frame::Array { start } => {
                let index = end.saturating_sub(*start);
                end = *start;
                PathSeg::Index(index)
            }
            Frame::Object(obj) => PathSeg::Key(&obj.key),
        })
        .collect();
    segs.reverse();
    segs.truncate(depth);
    format_path(&segs)
}

/// Turns a [`Fail`] into a [`ParseError`] (cold: only on the error path).
#[cold]
fn error_at(
    src: &str,
    stack: &[Frame<'_>],
    values_len: usize,
    whole: bool,
    fail: Fail,
) -> ParseError {
    let (line, column) = line_column(src.as_bytes(), fail.offset);
    let path = path_of(stack, values_len, whole);
    ParseError {
        offset: fail.offset,
        line,
        column,
        path,
        kind: fail.kind,
    }
}

/// Returns the index of the first byte at or after `i` that is `"`, `\` or a
/// control character (below 0x20), or `bytes.len()` if there is none: the end
/// of a run of characters that a string holds as they are.
///
/// Reads eight bytes at a time ("SWAR"). For a word `y` and a byte value `n`
/// (at most 0x80), `(y - n*0x01..01) & !y & 0x80..80` flags the bytes of `y`
/// below `n`. With `y = x ^ 0x02..02` (which swaps `"`, 0x22, with 0x20, and
/// keeps the bytes below 0x20 below it) the bytes of `y` below 0x21 are those
/// of `x` that are `"` or below 0x20: one test for both. With `y = x ^ '\\'*0x01..01`
/// the bytes below 1 are the backslashes. Borrows can flag extra bytes, but only
/// above a true match, so the lowest flag (the first byte, as the word is read
/// little-endian) is exact.
///
/// The first word is looked at here, the rest by a loop out of line ([`skip_plain_rest`]): most of a
/// snapshot's strings (keys, operators, variant names, short operands) end within it, and in the wasm
/// build's baseline code (V8's Liftoff, a cold start's load) a loop costs at each entry even when it
/// ends at once.
#[inline]
fn skip_plain(bytes: &[u8], i: usize) -> usize {
    let rest = match bytes.get(i..i + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => match stops(u64::from_le_bytes([a, b, c, d, e, f, g, h])) {
            0 => i + 8,
            flags => return i + (flags.trailing_zeros() / 8) as usize,
        },
        _ => i,
    };
    skip_plain_rest(bytes, rest)
}

/// [`skip_plain`] past its first word: a word at a time, then a byte at a time.
#[inline(never)]
fn skip_plain_rest(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&[a, b, c, d, e, f, g, h]) = bytes.get(i..i + 8) {
        let flags = stops(u64::from_le_bytes([a, b, c, d, e, f, g, h]));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The bytes of `x` that end a plain run ([`skip_plain`]), each flagged by its top bit: exact for the
/// lowest flagged byte (the first, read little-endian); bytes above it may be flagged wrongly.
#[inline(always)]
fn stops(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote_or_control = x ^ (ONES * 0x02);
    let backslash = x ^ (ONES * u64::from(b'\\'));
    ((quote_or_control.wrapping_sub(ONES * 0x21) & !quote_or_control) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH
}

/// The end of the whitespace (JSON's: space, tab, line feed, carriage return) from byte `i` of `bytes`: the
/// position of the first other byte, or the length. [`Parser::skip_ws_peek`]'s loop, out of line.
#[inline(never)]
pub(crate) fn ws_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(i) {
        i += 1;
    }
    i
}

/// The parser's cursor.
///
/// Invariant: `pos <= src.len()` and `pos` is on a char boundary: it only ever
/// moves over ASCII bytes or over a whole string literal.
struct Parser<'a> {
    /// The whole input.
    src: &'a str,
    /// Byte offset of the next byte to look at.
    pos: usize,
}

impl<'a> Parser<'a> {
    /// The byte at the cursor.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    #[inline(always)]
    fn skip_ws(&mut self) {
        self.skip_ws_peek();
    }

    /// [`Parser::skip_ws`], then [`Parser::peek`]: the byte after the whitespace, read once.
    ///
    /// A byte above `' '` is never whitespace: it is returned at once, and only a byte at or below it (or
    /// the end) has the whitespace skipped, out of line ([`ws_end`]). In the wasm build's baseline code
    /// (V8's Liftoff, which runs a cold start's load) a loop costs at each entry, even one that ends at
    /// once: the reader skips whitespace 3 times per key, and compact JSON has none.
    #[inline(always)]
    fn skip_ws_peek(&mut self) -> Option<u8> {
        let bytes = self.src.as_bytes();
        if !matches!(bytes.get(self.pos), Some(&b) if b > b' ') {
            self.pos = ws_end(bytes, self.pos);
        }
        bytes.get(self.pos).copied()
    }

    /// `src[start..end]`. The parser only cuts next to ASCII bytes, so this
    /// always succeeds; should it not, it reports invalid UTF-8 instead of
    /// panicking.
    #[inline(always)]
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Fail> {
        let invalid = || Fail::at(start, ParseErrorKind::InvalidUtf8 { offset: start });
        self.src.get(start..end).ok_or_else(invalid)
    }

    /// The character at byte `at` (U+FFFD if `at` is not a char boundary,
    /// which the invariant rules out; always U+FFFD in a [`LEAN`](crate::message::LEAN) build, see
    /// [`Parser::unexpected`]).
    fn char_at(&self, at: usize) -> char {
        if crate::message::LEAN {
            return char::REPLACEMENT_CHARACTER;
        }
        self.src.get(at..).and_then(first_char).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    /// The problem with whatever is at the cursor, where `expected` was needed. In a
    /// [`LEAN`](crate::message::LEAN) build (the runtime `.wasm`) the kind of a parser's failure is never
    /// read (its reader only notes that it failed, and a refused text is reported at `(root)` with the
    /// fixed text): there it is `UnexpectedEnd`, without looking at the text (`first_char`, the tests for
    /// comments, quotes and `NaN`: 0.3 KB of wasm).
    #[cold]
    fn unexpected(&self, expected: Expected) -> Fail {
        if crate::message::LEAN {
            return Fail::at(self.pos, ParseErrorKind::UnexpectedEnd { expected });
        }
        let at = self.pos;
        let rest = self.src.get(at..).unwrap_or_default();
        let kind = match first_char(rest) {
            None => ParseErrorKind::UnexpectedEnd { expected },
            Some('/') if rest.starts_with("//") || rest.starts_with("/*") => {
                ParseErrorKind::Comment
            }
            Some('\'')
                if matches!(
                    expected,
                    Expected::Value | Expected::Key | Expected::KeyOrEnd
                ) =>
            {
                ParseErrorKind::SingleQuote
            }
            Some(_)
                if expected == Expected::Value
                    && (rest.starts_with("NaN") || rest.starts_with("Infinity")) =>
            {
                ParseErrorKind::NonFiniteNumber
            }
            Some(found) => ParseErrorKind::UnexpectedChar { found, expected },
        };
        Fail::at(at, kind)
    }

    /// Parses `true`, `false` or `null` at the cursor.
    fn literal(&mut self, word: &'static str, value: Value<'a>) -> Result<Value<'a>, Fail> {
        let end = self.pos + word.len();
        if self.src.as_bytes().get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else {
            Err(Fail::at(
                self.pos,
                ParseErrorKind::InvalidLiteral { expected: word },
            ))
        }
    }

    /// Parses a number at the cursor (which is at `-` or a digit).
    fn number(&mut self) -> Result<Number<'a>, Fail> {
        let start = self.pos;
        let rest = self.src.as_bytes().get(start..).unwrap_or_default();
        match number::scan_json_number(rest) {
            Ok(len) => {
                let text = self.slice(start, start + len)?;
                self.pos = start + len;
                Ok(Number {
                    text: Cow::Borrowed(text),
                })
            }
            Err(_) if rest.starts_with(b"-Infinity") => {
                Err(Fail::at(start, ParseErrorKind::NonFiniteNumber))
            }
            Err(e) => Err(Fail::at(
                start + e.offset,
                ParseErrorKind::InvalidNumber(e.kind),
            )),
        }
    }

    /// Parses a string literal at the cursor (which is at its `"`), borrowing
    /// it from the input when it has no escape.
    #[inline(always)]
    fn string(&mut self) -> Result<Cow<'a, str>, Fail> {
        let open = self.pos;
        match self.plain_string() {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(i) => match self.src.as_bytes().get(i) {
                Some(b'\\') => self.escaped_string(open, i),
                Some(&byte) => Err(Fail::at(i, ParseErrorKind::ControlCharacter { byte })),
                None => Err(Fail::at(open, ParseErrorKind::UnterminatedString)),
            },
        }
    }

    /// The string literal at the cursor when it has no escape and is closed (the cursor then moves past
    /// it); otherwise, the cursor unmoved, where its plain run stops (a `\`, a control character or the
    /// end; a `"` when the cursor is not at a `"`): [`Parser::string`]'s common case, and the reader's
    /// keys' ([`Reader::next_key`], which needs no [`Fail`]).
    #[inline(always)]
    fn plain_string(&mut self) -> Result<&'a str, usize> {
        let bytes = self.src.as_bytes();
        let open = self.pos;
        let i = skip_plain(bytes, open + 1);
        match bytes.get(i) {
            // (Callers are at a quote; the test of `open` is folded into theirs when inlined.)
            Some(b'"') if matches!(bytes.get(open), Some(b'"')) => {
                // SAFETY: bytes `open` and `i` are quotes, ASCII, with `open < i < src.len()`: `open + 1`
                // follows a whole (one-byte) character and `i` starts one, so `open + 1..i` is in bounds,
                // in order and on char boundaries, as `get_unchecked` requires.
                #[allow(unsafe_code)]
                let s = unsafe { self.src.get_unchecked(open + 1..i) };
                self.pos = i + 1;
                Ok(s)
            }
            _ => Err(i),
        }
    }

    /// [`Parser::string`], not inlined: for the look-aheads and the rare paths (one copy of it in the
    /// wasm build, not one per caller).
    #[inline(never)]
    fn string_out_of_line(&mut self) -> Option<Cow<'a, str>> {
        self.string().ok()
    }

    /// Finishes a string whose opening quote is at `open` and whose first
    /// escape is at `first_escape`, unescaping into an owned string.
    fn escaped_string(&mut self, open: usize, first_escape: usize) -> Result<Cow<'a, str>, Fail> {
        let bytes = self.src.as_bytes();
        let mut out = String::with_capacity(first_escape - open + 16);
        // Invariant: bytes[run..i] are plain characters not yet copied to `out`.
        let mut run = open + 1;
        let mut i = first_escape;
        loop {
            i = skip_plain(bytes, i);
            match bytes.get(i) {
                Some(b'"') => {
                    out.push_str(self.slice(run, i)?);
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run, i)?);
                    i = self.escape(i, &mut out)?;
                    run = i;
                }
                Some(&byte) => return Err(Fail::at(i, ParseErrorKind::ControlCharacter { byte })),
                None => return Err(Fail::at(open, ParseErrorKind::UnterminatedString)),
            }
        }
    }

    /// Decodes the escape sequence whose `\` is at `at`, appends it to `out`
    /// and returns the offset just after it.
    fn escape(&self, at: usize, out: &mut String) -> Result<usize, Fail> {
        let bytes = self.src.as_bytes();
        let fail = |kind| Err(Fail::at(at, kind));
        let c = match bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let Some(unit) = self.hex4(at + 2) else {
                    return fail(ParseErrorKind::InvalidUnicodeEscape);
                };
                let lone = ParseErrorKind::LoneSurrogate { code_unit: unit };
                let code = match unit {
                    0xD800..=0xDBFF => {
                        // Must be followed directly by `\u` and a low surrogate.
                        let next = at + 6;
                        if bytes.get(next..next + 2) != Some(b"\\u") {
                            return fail(lone);
                        }
                        let Some(low) = self.hex4(next + 2) else {
                            return Err(Fail::at(next, ParseErrorKind::InvalidUnicodeEscape));
                        };
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return fail(lone);
                        }
                        let c = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        let Some(c) = char::from_u32(c) else {
                            return fail(lone);
                        };
                        out.push_char(c);
                        return Ok(next + 6);
                    }
                    0xDC00..=0xDFFF => return fail(lone),
                    _ => u32::from(unit),
                };
                let Some(c) = char::from_u32(code) else {
                    return fail(lone);
                };
                out.push_char(c);
                return Ok(at + 6);
            }
            Some(_) => {
                return fail(ParseErrorKind::InvalidEscape {
                    found: self.char_at(at + 1),
                })
            }
            None => return Err(Fail::at(at, ParseErrorKind::UnterminatedString)),
        };
        out.push_ascii(c as u8);
        Ok(at + 2)
    }

    /// The four hex digits at `at` as a UTF-16 code unit.
    fn hex4(&self, at: usize) -> Option<u16> {
        let digits = self.src.as_bytes().get(at..at + 4)?;
        let mut unit: u32 = 0;
        for &d in digits {
            unit = (unit << 4) | char::from(d).to_digit(16)?;
        }
        u16::try_from(unit).ok()
    }

    /// Parses an object key and the `:` after it, at the cursor (where a key
    /// must begin), leaving the cursor on the member's value. Returns the key
    /// and the offsets of its opening and closing quotes.
    #[inline(always)]
    fn key_and_colon(&mut self, expected: Expected) -> Result<(Cow<'a, str>, usize, usize), Fail> {
        let at = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected(expected));
        }
        let key = self.string()?;
        let close = self.pos.saturating_sub(1);
        if self.skip_ws_peek() != Some(b':') {
            return Err(self.unexpected(Expected::Colon));
        }
        self.pos += 1;
        self.skip_ws();
        Ok((key, at, close))
    }
}

/// The parser proper: one loop over values with an explicit stack of open
/// containers, so nesting costs heap, not call stack.
///
/// Invariant: at the top of `'value`, the cursor is where a value must start
/// (whitespace already skipped), and `stack` holds the open containers, each
/// ready to receive that value (an object frame's `key` is its key).
fn parse_text(src: &str, max_depth: usize) -> Result<Value<'_>, ParseError> {
    parse_value(src, 0, max_depth, true).map(|(v, _)| v)
}

/// Parses the value that starts at byte `start` of `src` (whitespace before it already skipped when
/// `whole` is false) and returns it with the offset just after it. `whole`: `src` must be exactly one
/// value (byte order mark, empty input and trailing characters are errors); otherwise whatever follows
/// the value is left to the caller ([`Reader::value`]).
fn parse_value(src: &str, start: usize, max_depth: usize, whole: bool) -> Result<(Value<'_>, usize), ParseError> {
    use ParseErrorKind as K;
    let mut p = Parser { src, pos: start };
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut scratch = Scratch {
        values: Vec::new(),
        members: Vec::new(),
        key_offsets: Vec::new(),
    };
    // `whole`: see `path_of`.
    macro_rules! fail {
        ($whole:expr, $fail:expr) => {
            return Err(error_at(src, &stack, scratch.values.len(), $whole, $fail))
        };
    }
    macro_rules! attempt {
        ($whole:expr, $result:expr) => {
            match $result {
                Ok(x) => x,
                Err(f) => fail!($whole, f),
            }
        };
    }
    if whole && src.starts_with(BOM) {
        fail!(true, Fail::at(0, K::ByteOrderMark));
    }
    p.skip_ws();
    if p.peek().is_none() {
        fail!(true, Fail::at(p.pos, K::Empty));
    }
    'value: loop {
        let mut value = match p.peek() {
            Some(b'"') => Value::String(attempt!(true, p.string())),
            Some(b'-' | b'0'..=b'9') => Value::Number(attempt!(true, p.number())),
            Some(open @ (b'{' | b'[')) => {
                if stack.len() >= max_depth {
                    fail!(true, Fail::at(p.pos, K::TooDeep { max_depth }));
                }
                p.pos += 1;
                p.skip_ws();
                if open == b'[' {
                    if p.peek() == Some(b']') {
                        p.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array {
                            start: scratch.values.len(),
                        });
                        continue 'value;
                    }
                } else if p.peek() == Some(b'}') {
                    p.pos += 1;
                    Value::Object(Vec::new())
                } else {
                    let (key, key_at, _) = attempt!(true, p.key_and_colon(Expected::KeyOrEnd));
                    let start = scratch.members.len();
                    stack.push(Frame::Object(ObjectFrame { start, key, key_at }));
                    continue 'value;
                }
            }
            Some(b't') => attempt!(true, p.literal("true", Value::Bool(true))),
            Some(b'f') => attempt!(true, p.literal("false", Value::Bool(false))),
            Some(b'n') => attempt!(true, p.literal("null", Value::Null)),
            _ => fail!(true, p.unexpected(Expected::Value)),
        };
        // `value` is complete: hand it to the innermost container, closing
        // containers as long as their end follows.
        loop {
            match stack.last_mut() {
                None if !whole => return Ok((value, p.pos)),
                None => {
                    p.skip_ws();
                    if p.peek().is_some() {
                        let fail = match p.unexpected(Expected::Value) {
                            comment @ Fail {
                                kind: K::Comment, ..
                            } => comment,
                            _ => {
                                let found = p.char_at(p.pos);
                                Fail::at(p.pos, K::TrailingCharacters { found })
                            }
                        };
                        fail!(true, fail);
                    }
                    return Ok((value, p.pos));
                }
                Some(Frame::Array { start }) => {
                    let start = *start;
                    scratch.values.push(value);
                    p.skip_ws();
                    match p.peek() {
                        Some(b',') => {
                            p.pos += 1;
                            p.skip_ws();
                            if p.peek() == Some(b']') {
                                fail!(false, Fail::at(p.pos, K::TrailingComma));
                            }
                            continue 'value;
                        }
                        Some(b']') => {
                            p.pos += 1;
                            value = Value::Array(take_tail(&mut scratch.values, start));
                            stack.pop();
                        }
                        _ => fail!(false, p.unexpected(Expected::CommaOrEndOfArray)),
                    }
                }
                Some(Frame::Object(obj)) => {
                    scratch.members.push((std::mem::take(&mut obj.key), value));
                    scratch.key_offsets.push(obj.key_at);
                    p.skip_ws();
                    match p.peek() {
                        Some(b',') => {
                            p.pos += 1;
                            p.skip_ws();
                            if p.peek() == Some(b'}') {
                                fail!(false, Fail::at(p.pos, K::TrailingComma));
                            }
                            let (key, key_at, _) = attempt!(false, p.key_and_colon(Expected::Key));
                            obj.key = key;
                            obj.key_at = key_at;
                            continue 'value;
                        }
                        Some(b'}') => {
                            let start = obj.start;
                            let members = scratch.members.get(start..).unwrap_or_default();
                            if let Some(j) = first_duplicate(members) {
                                let key = members
                                    .get(j)
                                    .map(|(k, _)| k.to_string())
                                    .unwrap_or_default();
                                let offset =
                                    scratch.key_offsets.get(start + j).copied().unwrap_or(p.pos);
                                fail!(false, Fail::at(offset, K::DuplicateKey(key)));
                            }
                            p.pos += 1;
                            value = Value::Object(take_tail(&mut scratch.members, start));
                            scratch.key_offsets.truncate(start);
                            stack.pop();
                        }
                        _ => fail!(false, p.unexpected(Expected::CommaOrEndOfObject)),
                    }
                }
            }
        }
    }
}

/// What kind of value is next, for [`Reader::peek`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peek {
    /// `null`.
    Null,
    /// `true` or `false` (or a misspelling of them, which reading reports).
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// Not the start of a value, or the reader has failed.
    Invalid,
}

impl Peek {
    /// The JSON type's name, as [`Value::type_name`] gives it (`"invalid JSON"` for [`Peek::Invalid`]).
    pub fn type_name(self) -> &'static str {
        match self {
            Peek::Null => "null",
            Peek::Bool => "boolean",
            Peek::Number => "number",
            Peek::String => "string",
            Peek::Array => "array",
            Peek::Object => "object",
            Peek::Invalid => "invalid JSON",
        }
    }
}

/// A point of a [`Reader`]'s reading ([`Reader::mark`], [`Reader::restore`]).
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    pos: usize,
    open: usize,
    keys: usize,
    scratch: usize,
    failed: bool,
}

/// An open container of a [`Reader`].
#[derive(Clone, Copy, Debug)]
struct Open {
    /// An object (else an array).
    object: bool,
    /// No member or element has been read yet.
    first: bool,
    /// Where this object's keys start in `Reader::keys`.
    keys: usize,
    /// One of this object's keys has an escape (its keys are then compared after unescaping).
    escaped: bool,
    /// The caller checks this object's keys for duplicates itself ([`Reader::keys_checked`]).
    checked: bool,
}

/// A string the reader or parser gave (borrowed from the text, or unescaped), as `&str`: a match
/// rather than `Deref`, which the wasm build, at opt-level "z", calls instead of inlining. The load
/// path's keys and operands go through it.
#[allow(clippy::ptr_arg)]
#[inline(always)]
pub(crate) fn text<'k>(s: &'k Cow<'_, str>) -> &'k str {
    match s {
        Cow::Borrowed(s) => s,
        Cow::Owned(s) => s.as_str(),
    }
}

/// An optional string's text ([`text`], not `Option::as_deref`, which the wasm build calls out of line).
#[inline(always)]
pub(crate) fn opt_text<'s>(s: &'s Option<Cow<'_, str>>) -> Option<&'s str> {
    s.as_ref().map(text)
}

/// A pull reader: walks one JSON text value by value, without building a tree, under exactly the
/// rules of [`parse_with`] (the same texts are accepted; duplicate keys, nesting deeper than
/// `max_depth`, trailing characters are refused).
///
/// The reader does not say *what* is wrong: on the first problem it stops ([`Reader::failed`]); every
/// later call returns nothing (`None`, `false`, [`Peek::Invalid`], `Value::Null`). Callers then ask
/// [`parse_with`] on the same text for the exact [`ParseError`] (errors are rare; their cost does not
/// matter). Use: [`Reader::peek`] at a value, then read it with [`Reader::string`], [`Reader::number`],
/// [`Reader::boolean`], [`Reader::value`] (a tree), [`Reader::skip`], or enter it with
/// [`Reader::object`]/[`Reader::array`] and walk it with [`Reader::next_key`]/[`Reader::next_element`]
/// to its end; at the end of the text, [`Reader::finish`]. Every value must be consumed exactly once.
pub struct Reader<'a> {
    p: Parser<'a>,
    max_depth: usize,
    failed: bool,
    /// Open containers, innermost last.
    open: Vec<Open>,
    /// Keys of the open objects so far, to find duplicates when an object closes: where each key's
    /// text (between its quotes, escapes not decoded) starts and ends in the source.
    keys: Vec<(u32, u32)>,
    /// Elements of the array [`Reader::value`] is reading (one buffer for every array).
    scratch: Vec<Value<'a>>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `src`, which must be one JSON value nested at most `max_depth` deep.
    pub fn new(src: &'a str, max_depth: usize) -> Reader<'a> {
        let mut r = Reader { p: Parser { src, pos: 0 }, max_depth, failed: src.starts_with(BOM), open: Vec::new(), keys: Vec::new(), scratch: Vec::new() };
        r.p.skip_ws();
        if r.p.peek().is_none() {
            r.failed = true;
        }
        r
    }

    /// Whether a problem was found: the text is not accepted by [`parse_with`].
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn fail(&mut self) {
        self.failed = true;
    }

    /// The kind of the next value (the reader is where a value starts).
    #[inline(always)]
    pub fn peek(&self) -> Peek {
        if self.failed {
            return Peek::Invalid;
        }
        match self.p.peek() {
            Some(b'"') => Peek::String,
            Some(b'-' | b'0'..=b'9') => Peek::Number,
            Some(b'{') => Peek::Object,
            Some(b'[') => Peek::Array,
            Some(b't' | b'f') => Peek::Bool,
            Some(b'n') => Peek::Null,
            _ => Peek::Invalid,
        }
    }

    /// Reads the next value if it is a string.
    #[inline]
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.peek() != Peek::String {
            return None;
        }
        match self.p.plain_string() {
            Ok(s) => Some(Cow::Borrowed(s)),
            Err(_) => self.rare_string(),
        }
    }

    /// Reads the next value if it is a number.
    pub fn number(&mut self) -> Option<Number<'a>> {
        self.scalar(Peek::Number, Parser::number)
    }

    /// Reads the next value with `read` if it is of `kind`; a read that fails fails the reader.
    #[inline(always)]
    fn scalar<T>(&mut self, kind: Peek, read: impl FnOnce(&mut Parser<'a>) -> Result<T, Fail>) -> Option<T> {
        if self.peek() != kind {
            return None;
        }
        match read(&mut self.p) {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail();
                None
            }
        }
    }

    /// Reads the next value if it is `true` or `false`.
    pub fn boolean(&mut self) -> Option<bool> {
        let read = match self.p.peek() {
            _ if self.failed => return None,
            Some(b't') => self.p.literal("true", Value::Bool(true)),
            Some(b'f') => self.p.literal("false", Value::Bool(false)),
            _ => return None,
        };
        match read {
            Ok(v) => v.as_bool(),
            Err(_) => {
                self.fail();
                None
            }
        }
    }

    /// Reads the next value as a tree (`Value::Null` once the reader has failed). Scalars and arrays
    /// of scalars (variant values, operands) are built directly, an array in one allocation at its
    /// exact size; objects and nested arrays by the parser.
    pub fn value(&mut self) -> Value<'a> {
        match self.peek() {
            Peek::String => match self.string() {
                Some(x) => Value::String(x),
                None => Value::Null,
            },
            Peek::Number => match self.number() {
                Some(x) => Value::Number(x),
                None => Value::Null,
            },
            Peek::Bool => match self.boolean() {
                Some(x) => Value::Bool(x),
                None => Value::Null,
            },
            Peek::Array => match self.elements() {
                Some(start) => Value::Array(self.scratch.split_off(start)),
                None => Value::Null,
            },
            // No value (a chunked load's window cut after a key: S3's load meets it at chunk ends) fails
            // here, as `tree` would, without a call to `tree`: a cold start compiles each wasm function on
            // its first call, and a usual snapshot has no object to read as a tree (docs/ARCHITECTURE.md,
            // "Cold start").
            Peek::Invalid => {
                self.fail();
                Value::Null
            }
            Peek::Object | Peek::Null => self.tree(),
        }
    }

    /// Reads the next value if it is an array, appending its elements (read as [`Reader::value`] reads
    /// them) to `out`, which allocates nothing when `out` has room (a loader reusing its lists). `false`
    /// when it is not an array (nothing is read) or the reader had failed; an array that is not JSON
    /// fails the reader (what was read of it may have been appended).
    pub(crate) fn array_into(&mut self, out: &mut Vec<Value<'a>>) -> bool {
        if self.peek() != Peek::Array {
            return false;
        }
        match self.elements() {
            // The usual operand list is not nested (`start` is 0): the two lists trade places, so that the
            // reader's keeps `out`'s allocation (no copy, no `Drain`).
            Some(0) if out.is_empty() => {
                core::mem::swap(out, &mut self.scratch);
                true
            }
            Some(start) => {
                append_from(out, &mut self.scratch, start);
                true
            }
            None => false,
        }
    }

    /// Reads the array at the cursor into `scratch`: where its elements start there, `None` when the
    /// reader has failed before the array.
    #[cfg_attr(edgeflag_unstable, optimize(speed))]
    fn elements(&mut self) -> Option<usize> {
        if !self.array() {
            return None;
        }
        let start = self.scratch.len();
        while self.next_element() {
            // Strings (the usual operands) read here, without a call per element.
            let v = match self.p.peek() {
                Some(b'"') => match self.p.plain_string() {
                    Ok(s) => Value::String(Cow::Borrowed(s)),
                    Err(_) => match self.rare_string() {
                        Some(s) => Value::String(s),
                        None => break,
                    },
                },
                Some(b'[' | b'{') => self.tree(),
                _ => self.value(),
            };
            self.scratch.push(v);
        }
        (start <= self.scratch.len()).then_some(start)
    }

    /// Reads the next value as a tree with the reader's own steps ([`Reader::skip`] is this, the tree
    /// dropped; no recursion: the containers being built are on a stack of their own, beside the reader's), so that
    /// the loader needs no second parser ([`parse_with`] is left for exact error reports). The same
    /// checks as [`parse_with`]'s (depth by the reader's `open`, duplicate keys when an object closes).
    /// `Value::Null` once the reader has failed.
    fn tree(&mut self) -> Value<'a> {
        /// A container being built: its elements, or its members and the key of the value being read.
        enum Building<'a> {
            Array(Vec<Value<'a>>),
            Object(Vec<(Cow<'a, str>, Value<'a>)>, Cow<'a, str>),
        }
        let mut stack: Vec<Building<'a>> = Vec::new();
        'value: loop {
            // The value at the cursor: a scalar read, or a container entered (and its first child next).
            let mut done = match self.peek() {
                Peek::Object => {
                    if self.object() {
                        if let Some(key) = self.next_key() {
                            stack.push(Building::Object(Vec::new(), key));
                            continue 'value;
                        }
                    }
                    Value::Object(Vec::new())
                }
                Peek::Array => {
                    if self.array() && self.next_element() {
                        stack.push(Building::Array(Vec::new()));
                        continue 'value;
                    }
                    Value::Array(Vec::new())
                }
                // (read by `value`, which reads them as here: one copy of that code)
                Peek::String | Peek::Number | Peek::Bool => self.value(),
                Peek::Null => {
                    if self.p.literal("null", Value::Null).is_err() {
                        self.fail();
                    }
                    Value::Null
                }
                Peek::Invalid => {
                    self.fail();
                    Value::Null
                }
            };
            // The value is read: add it to its container, then move on in it, closing those that end.
            loop {
                if self.failed {
                    return Value::Null;
                }
                match stack.last_mut() {
                    None => return done,
                    Some(Building::Array(items)) => {
                        items.push(done);
                        if self.next_element() {
                            continue 'value;
                        }
                        done = Value::Array(core::mem::take(items));
                    }
                    Some(Building::Object(members, key)) => {
                        let k = core::mem::take(key);
                        members.push((k, done));
                        if let Some(next) = self.next_key() {
                            *key = next;
                            continue 'value;
                        }
                        done = Value::Object(core::mem::take(members));
                    }
                }
                stack.pop();
            }
        }
    }

    /// Enters the next value if it is an object; then call [`Reader::next_key`] until it returns `None`.
    pub fn object(&mut self) -> bool {
        self.enter(b'{')
    }

    /// Enters the next value if it is an array; then call [`Reader::next_element`] until it returns `false`.
    pub fn array(&mut self) -> bool {
        self.enter(b'[')
    }

    fn enter(&mut self, open: u8) -> bool {
        if self.failed || self.p.peek() != Some(open) {
            return false;
        }
        if self.open.len() >= self.max_depth {
            self.fail();
            return false;
        }
        self.p.pos += 1;
        self.p.skip_ws();
        self.open.push(Open { object: open == b'{', first: true, keys: self.keys.len(), escaped: false, checked: false });
        true
    }

    /// Says that the caller checks the keys of the innermost open object for duplicates: each key it
    /// reads is one of a fixed list of names, and it calls [`Reader::check_keys`] on any other key or on
    /// a name met twice (the snapshot reader, which tells its fields apart anyway). The reader then
    /// does not compare the keys when the object closes.
    #[inline]
    pub(crate) fn keys_checked(&mut self) {
        if let Some(top) = self.open.last_mut() {
            top.checked = true;
        }
    }

    /// Undoes [`Reader::keys_checked`] for the innermost open object: its keys are compared when it
    /// closes, as by default.
    #[inline]
    pub(crate) fn check_keys(&mut self) {
        if let Some(top) = self.open.last_mut() {
            top.checked = false;
        }
    }

    /// In an object entered with [`Reader::object`]: the next member's key (the reader is then at its
    /// value, which must be read), or `None` at the end of the object (which is then left) or on failure.
    #[cfg_attr(edgeflag_unstable, optimize(speed))]
    pub fn next_key(&mut self) -> Option<Cow<'a, str>> {
        let top = match self.open.last_mut() {
            Some(top) if top.object && !self.failed => top,
            _ => {
                self.fail();
                return None;
            }
        };
        if top.first {
            top.first = false;
            if self.p.peek() == Some(b'}') {
                return self.close_object();
            }
        } else {
            match self.p.skip_ws_peek() {
                Some(b',') => {
                    self.p.pos += 1;
                    self.p.skip_ws();
                }
                Some(b'}') => return self.close_object(),
                _ => {
                    self.fail();
                    return None;
                }
            }
        }
        // The key (a plain one here, any other in `rare_string`) and its `:`, as `Parser::key_and_colon`
        // reads them, without its `Fail`s: the reader only fails.
        let open = self.p.pos;
        let key = match self.p.plain_string() {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => self.rare_string()?,
        };
        let close = self.p.pos.saturating_sub(1);
        if self.p.skip_ws_peek() != Some(b':') {
            self.fail();
            return None;
        }
        self.p.pos += 1;
        self.p.skip_ws();
        match (u32::try_from(open + 1), u32::try_from(close)) {
            (Ok(a), Ok(b)) => self.keys.push((a, b)),
            _ => self.fail(),
        }
        top_escaped(&mut self.open, matches!(key, Cow::Owned(_)));
        Some(key)
    }

    /// The string at the cursor (a key or a value) when it is not a plain one ([`Parser::plain_string`]):
    /// one with an escape (decoded), else the reader fails (no `"` at the cursor, a control character,
    /// no closing `"`). Out of line: the reader's hot paths read plain strings, and need no [`Fail`].
    fn rare_string(&mut self) -> Option<Cow<'a, str>> {
        let key = if self.p.peek() == Some(b'"') { self.p.string_out_of_line() } else { None };
        if key.is_none() {
            self.fail();
        }
        key
    }

    /// Leaves the innermost object at its `}`, checking its keys for duplicates: those of an object read
    /// with [`Reader::keys_checked`] are not compared (the caller noted each field as it was read); any
    /// other's are, out of line ([`Reader::close_compared`]), so that this, run as most objects close,
    /// stays short (in the wasm build's baseline code, which zeroes every local on entry).
    fn close_object(&mut self) -> Option<Cow<'a, str>> {
        self.p.pos += 1;
        match self.open.pop() {
            Some(o) if o.checked => self.keys.truncate(o.keys),
            o => self.close_compared(o),
        }
        None
    }

    /// [`Reader::close_object`] for an object whose keys are compared (`o`: the object left).
    #[inline(never)]
    fn close_compared(&mut self, o: Option<Open>) {
        let (start, escaped) = o.map_or((0, false), |o| (o.keys, o.escaped));
        let keys = self.keys.get(start..).unwrap_or_default();
        let dup = match keys {
            [] | [_] => false,
            // Through a pointer the optimizers cannot see through: wasm-opt would inline this, the one
            // call of it, making this function (run as each flag's `variants` closes) several times larger.
            _ => std::hint::black_box(has_duplicate as fn(&str, &[(u32, u32)], bool) -> bool)(self.p.src, keys, escaped),
        };
        if dup {
            self.fail();
        }
        self.keys.truncate(start);
    }

    /// In an array entered with [`Reader::array`]: `true` when another element follows (the reader is
    /// then at it, and it must be read), `false` at the end of the array (which is then left) or on failure.
    #[cfg_attr(edgeflag_unstable, optimize(speed))]
    pub fn next_element(&mut self) -> bool {
        let top = match self.open.last_mut() {
            Some(top) if !top.object && !self.failed => top,
            _ => {
                self.fail();
                return false;
            }
        };
        if top.first {
            top.first = false;
            if self.p.peek() != Some(b']') {
                return true;
            }
        } else {
            self.p.skip_ws();
            match self.p.peek() {
                Some(b',') => {
                    self.p.pos += 1;
                    self.p.skip_ws();
                    if self.p.peek() == Some(b']') {
                        self.fail();
                        return false;
                    }
                    return true;
                }
                Some(b']') => {}
                _ => {
                    self.fail();
                    return false;
                }
            }
        }
        self.p.pos += 1;
        self.open.pop();
        false
    }

    /// Reads past the next value, checking it as [`parse_with`] would: read by [`Reader::tree`] (the same
    /// steps of the reader, so the same checks; no recursion) and dropped. It builds what it passes over:
    /// the reader skips only the root members before `flags` (a chunked load's look for them) and values
    /// it refuses, and one copy of that walk is less wasm than two. ([`Reader::scan_keys`] passes over
    /// values by brackets and quotes alone.)
    pub fn skip(&mut self) {
        // A scalar (a usual snapshot's root members before `flags`: `schema`, `version`) as `tree` reads
        // one, without a call to it where the load is lean (`crate::LEAN_LOAD`): a cold start compiles each
        // wasm function on its first call, and the usual snapshot has nothing else to skip.
        if crate::LEAN_LOAD && matches!(self.peek(), Peek::String | Peek::Number | Peek::Bool) {
            drop(self.value());
        } else {
            drop(self.tree());
        }
    }

    /// The first key of the next value, as written, if it is an object whose first key has no escape,
    /// without moving (a look ahead that does not decode: `None` also for a key with an escape).
    pub fn first_key(&self) -> Option<&'a [u8]> {
        if self.peek() != Peek::Object {
            return None;
        }
        let mut q = Parser { src: self.p.src, pos: self.p.pos + 1 };
        q.skip_ws();
        if q.peek() != Some(b'"') {
            return None;
        }
        let bytes = self.p.src.as_bytes();
        let end = skip_plain(bytes, q.pos + 1);
        match bytes.get(end) {
            Some(b'"') => bytes.get(q.pos + 1..end),
            _ => None,
        }
    }

    /// The keys of the next value if it is an object, handed to `f` in document order, without
    /// moving: the object is then read normally. (A look ahead, for objects whose meaning depends
    /// on which keys they have.) The values are passed over without being checked, which the normal
    /// read then does: on a text that is not JSON the keys handed out may be incomplete, but such a
    /// text is refused whatever they are.
    pub fn scan_keys(&self, mut f: impl FnMut(&str)) {
        if self.peek() != Peek::Object {
            return;
        }
        let bytes = self.p.src.as_bytes();
        let mut q = Parser { src: self.p.src, pos: self.p.pos + 1 };
        loop {
            q.skip_ws();
            if q.peek() != Some(b'"') {
                return;
            }
            let Some(key) = q.string_out_of_line() else { return };
            f(&key);
            q.skip_ws();
            if q.peek() != Some(b':') {
                return;
            }
            q.pos += 1;
            q.skip_ws();
            q.pos = skip_raw(bytes, q.pos);
            q.skip_ws();
            if q.peek() != Some(b',') {
                return;
            }
            q.pos += 1;
        }
    }

    /// Goes back to byte `offset` of the text, to read again what follows it: an offset this reader
    /// reached ([`Reader::offset`]) with as many containers open as now, before a value that was read
    /// since (without a failure: a failed reader stays failed).
    pub(crate) fn rewind(&mut self, offset: usize) {
        self.p.pos = offset.min(self.p.pos);
    }

    /// The next value if it is a string without escapes, borrowed from the text; `None` (the reader where it
    /// was) for another value, an escaped string or one not closed. For a reader that gives up on those
    /// (`plan::direct`): what it returns has nothing to drop, so the many ways out of its callers drop
    /// nothing (as many inlined drops of a `Cow` made the direct reader's functions long).
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    #[inline]
    pub(crate) fn plain_str(&mut self) -> Option<&'a str> {
        if self.peek() != Peek::String {
            return None;
        }
        self.p.plain_string().ok()
    }

    /// Where the reader stands, to come back to with [`Reader::restore`].
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    #[inline]
    pub(crate) fn mark(&self) -> Mark {
        Mark { pos: self.p.pos, open: self.open.len(), keys: self.keys.len(), scratch: self.scratch.len(), failed: self.failed }
    }

    /// Goes back to `mark`, taken by this reader before a value (at the depth it is at now, or deeper
    /// in it), to read that value again: the containers entered since are left, the keys recorded and
    /// elements read since are dropped, and a failure since is forgotten (a text that is not JSON fails
    /// the reader again when it is read again).
    #[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
    pub(crate) fn restore(&mut self, mark: Mark) {
        self.p.pos = mark.pos.min(self.p.src.len());
        self.open.truncate(mark.open);
        self.keys.truncate(mark.keys);
        self.scratch.truncate(mark.scratch);
        self.failed = mark.failed;
    }

    /// The byte offset reached in the text.
    pub fn offset(&self) -> usize {
        self.p.pos
    }

    /// The text from byte `start` to the offset reached (`""` if that is not a range of the text).
    pub fn since(&self, start: usize) -> &'a str {
        self.p.src.get(start..self.p.pos).unwrap_or_default()
    }

    /// At the end of the text: only whitespace may follow the value. `true` when the whole text was
    /// read without a problem.
    pub fn finish(&mut self) -> bool {
        if !self.open.is_empty() {
            self.fail();
        }
        self.p.skip_ws();
        if self.p.peek().is_some() {
            self.fail();
        }
        !self.failed
    }
}

/// The offset just past the value that starts at `i`, found by matching brackets and quotes only (no
/// check of the value: see [`Reader::scan_keys`]). Stops at the end of `bytes` if the value does not end.
fn skip_raw(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                // To the closing quote, over escapes.
                i += 1;
                loop {
                    i = skip_plain(bytes, i);
                    match bytes.get(i) {
                        Some(b'"') => break,
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                        None => return i,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
                continue;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                i += 1;
            }
            b',' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => return i,
            _ => {
                i += 1;
                continue;
            }
        }
        if depth == 0 {
            return i;
        }
    }
    i
}

/// Marks the innermost open object as having a key with an escape, when `escaped`.
#[inline(always)]
fn top_escaped(open: &mut [Open], escaped: bool) {
    if escaped {
        if let Some(top) = open.last_mut() {
            top.escaped = true;
        }
    }
}

/// Whether two of the keys of one object are equal: `spans` locate their text in `src` (between the
/// quotes, as written). Without escapes (`escaped` false) the texts are compared as they are; else
/// they are decoded first (escapes in keys are rare).
///
/// Only the common case is here — up to [`LINEAR_KEYS`] keys without escapes, compared pairwise —
/// so that this function, run at the close of most objects, stays small (a cold start's engine
/// recompiles functions run per flag by their size); the rest is [`has_duplicate_general`].
#[inline(never)]
fn has_duplicate(src: &str, spans: &[(u32, u32)], escaped: bool) -> bool {
    if escaped || spans.len() > LINEAR_KEYS {
        // Through a pointer, as in `Reader::close_object`: wasm-opt would inline the one call.
        return std::hint::black_box(has_duplicate_general as fn(&str, &[(u32, u32)], bool) -> bool)(src, spans, escaped);
    }
    let bytes = src.as_bytes();
    let text = |&(a, b): &(u32, u32)| bytes.get(a as usize..b as usize).unwrap_or_default();
    for (j, b) in spans.iter().enumerate() {
        for a in spans.get(..j).unwrap_or_default() {
            if a.1.wrapping_sub(a.0) == b.1.wrapping_sub(b.0) && text(a) == text(b) {
                return true;
            }
        }
    }
    false
}

/// [`has_duplicate`] for keys with escapes or more than [`LINEAR_KEYS`] keys: decoded when
/// `escaped`, then compared by [`has_duplicate_key`].
#[cold]
#[inline(never)]
fn has_duplicate_general(src: &str, spans: &[(u32, u32)], escaped: bool) -> bool {
    // (a plain loop: an iterator adaptor's code of its own in the wasm build)
    let mut keys: Vec<Cow<'_, str>> = Vec::with_capacity(spans.len());
    for &(a, b) in spans {
        keys.push(if escaped {
            // Decoded: the key read again from its opening quote.
            let mut q = Parser { src, pos: (a as usize).saturating_sub(1) };
            q.string_out_of_line().unwrap_or_default()
        } else {
            Cow::Borrowed(src.get(a as usize..b as usize).unwrap_or_default())
        });
    }
    has_duplicate_key(&keys)
}

/// Whether two of `keys` are equal, by sorting their positions: O(n log n) whatever the keys, as
/// [`first_duplicate`]. (No pairwise path for a few: [`has_duplicate`] compares up to [`LINEAR_KEYS`]
/// keys without escapes itself, and a few keys with escapes are rare; 47 B of gzip.)
fn has_duplicate_key(keys: &[Cow<'_, str>]) -> bool {
    // A match rather than `Deref`, which the wasm build (opt-level "z") calls instead of inlining.
    #[allow(clippy::ptr_arg)]
    #[inline(always)]
    fn text<'k>(k: &'k Cow<'_, str>) -> &'k [u8] {
        match k {
            Cow::Borrowed(s) => s.as_bytes(),
            Cow::Owned(s) => s.as_bytes(),
        }
    }
    let key = |i: usize| keys.get(i).map_or(&[][..], text);
    // Keys in increasing order (as tools often write them) cannot repeat: n - 1 comparisons.
    if (1..keys.len()).all(|i| key(i - 1) < key(i)) {
        return false;
    }
    let mut order = positions(keys.len());
    merge_sort(&mut order, |a, b| key(a) < key(b));
    order.windows(2).any(|w| matches!(w, [a, b] if key(*a) == key(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses, failing the test with the error's text if it does not parse.
    #[test]
    fn skip_plain_stops_at_the_first_quote_backslash_or_control_character() {
        // Every byte value at every place of the first word, of the next (`skip_plain_rest`'s word loop)
        // and of the tail, among every other byte as filler: the word scan must agree with a byte loop.
        let naive = |b: &[u8], mut i: usize| {
            while matches!(b.get(i), Some(&c) if c != b'"' && c != b'\\' && c >= 0x20) {
                i += 1;
            }
            i
        };
        for filler in 0..=255u8 {
            for stop in 0..=255u8 {
                for at in 0..20 {
                    let mut b = vec![filler; 20];
                    if let Some(x) = b.get_mut(at) {
                        *x = stop;
                    }
                    for from in [0, 1, 5, 13, 20, 21] {
                        assert_eq!(skip_plain(&b, from), naive(&b, from), "filler {filler:#x}, {stop:#x} at {at}, from {from}");
                    }
                }
            }
        }
    }

    fn ok(text: &str) -> Value<'_> {
        match parse(text) {
            Ok(v) => v,
            Err(e) => panic!("{text:?} should parse, got: {e}"),
        }
    }

    /// Parses, failing the test if it does parse.
    fn err(text: &str) -> ParseError {
        match parse(text) {
            Ok(v) => panic!("{text:?} should be refused, parsed as {v}"),
            Err(e) => e,
        }
    }

    fn kind(text: &str) -> ParseErrorKind {
        err(text).kind
    }

    fn num(text: &str) -> Number<'_> {
        match Number::new(Cow::Borrowed(text)) {
            Some(n) => n,
            None => panic!("{text:?} is not a number"),
        }
    }

    fn compact(text: &str) -> String {
        ok(text).to_string()
    }

    /// xorshift64*: a tiny deterministic PRNG for the fuzz loops.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// A snapshot-like document of `flags` flags (about 400 bytes each).
    fn big_document(flags: usize) -> String {
        let mut s = String::from("{\n  \"schema\": 1,\n  \"version\": 42,\n  \"flags\": {\n");
        for i in 0..flags {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str(&format!(
                r#"    "flag-{i}": {{
      "description": "Flag number {i}, with \"quotes\" and caf\u00e9",
      "owner": "team-{t}", "tags": ["checkout", "exp-{i}"],
      "enabled": true,
      "variants": {{ "on": true, "off": false }},
      "default": "off",
      "rules": [
        {{ "id": "r{i}", "when": {{ "all": [ {{ "attr": "country", "op": "in", "values": ["DE", "FR", "NL"] }},
                                    {{ "attr": "appVersion", "op": "semver_gte", "value": "2.3.{i}" }} ] }},
          "serve": {{ "variant": "on", "percent": {p}.5, "by": "key" }} }}
      ]
    }}"#,
                t = i % 7,
                p = i % 100
            ));
        }
        s.push_str("\n  }\n}\n");
        s
    }

    // ---- values and accessors ------------------------------------------

    #[test]
    fn reader_array_into_and_rewind() {
        let text = r#"[["a","b\n"],[1,[2]],{"k":[]},"s",[]]"#;
        let mut r = Reader::new(text, DEFAULT_MAX_DEPTH);
        assert!(r.array());
        let mut out = Vec::new();
        assert!(r.next_element());
        let at = r.offset();
        assert!(r.array_into(&mut out));
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].as_str(), Some("b\n"));
        // read again from where it started: the same elements, appended
        r.rewind(at);
        assert!(r.array_into(&mut out));
        assert_eq!(out.len(), 4);
        // a nested array: its elements as `value` reads them
        assert!(r.next_element());
        let mut nested = vec![Value::Null];
        assert!(r.array_into(&mut nested));
        assert_eq!(nested.len(), 3);
        assert_eq!(nested[2].as_array().map(<[_]>::len), Some(1));
        // not an array: nothing read
        assert!(r.next_element());
        let mut none = Vec::new();
        assert!(!r.array_into(&mut none));
        assert!(none.is_empty() && !r.failed());
        r.skip();
        assert!(r.next_element());
        assert!(!r.array_into(&mut none));
        r.skip();
        assert!(r.next_element());
        assert!(r.array_into(&mut none) && none.is_empty());
        assert!(!r.next_element());
        assert!(r.finish());
        // a broken array fails the reader (what was read of it may be appended)
        let mut r = Reader::new(r#"["a",]"#, DEFAULT_MAX_DEPTH);
        r.array_into(&mut Vec::new());
        assert!(r.failed());
        // after a failure nothing is read
        assert!(!r.array_into(&mut Vec::new()));
    }

    /// `value` with no value at the cursor (a chunked load's window cut after a key, or a wrong byte)
    /// fails the reader and gives `Null` without building a tree, as `tree` did; `null`, objects and
    /// nested arrays are still read as trees.
    #[test]
    fn reader_value_where_no_value_starts() {
        for text in [r#"{"a":"#, r#"{"a": "#, r#"{"a":}"#, r#"{"a":x}"#] {
            let mut r = Reader::new(text, DEFAULT_MAX_DEPTH);
            assert!(r.object());
            assert_eq!(r.next_key().as_deref(), Some("a"));
            assert_eq!(r.value(), Value::Null, "{text}");
            assert!(r.failed(), "{text}");
            assert_eq!(r.value(), Value::Null);
        }
        let text = r#"{"a":null,"b":{"c":[1,{"d":true}]},"e":[[2],"f"]}"#;
        let mut r = Reader::new(text, DEFAULT_MAX_DEPTH);
        assert!(r.object());
        let mut read = Vec::new();
        while let Some(k) = r.next_key() {
            read.push((k, r.value()));
        }
        assert!(r.finish());
        assert_eq!(Value::Object(read), ok(text));
    }

    #[test]
    fn strings_between_multibyte_characters() {
        for text in ["\"é\"", "\"€😀\"", "[\"a\",\"é€\",\"\"]", "{\"ké\":\"😀\",\"x\":\"\"}", "\"\u{10ffff}\""] {
            let v = ok(text);
            let expected: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(v.to_string(), expected.to_string(), "{text}");
        }
        // `string` at a byte that is not a quote: refused, not cut inside a character.
        let mut q = Parser { src: "é\"", pos: 1 };
        assert!(q.string().is_err());
    }

    #[test]
    fn scalars() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok("true"), Value::Bool(true));
        assert_eq!(ok("false"), Value::Bool(false));
        assert_eq!(ok("\"hi\""), Value::String(Cow::Borrowed("hi")));
        assert_eq!(ok("0"), Value::Number(num("0")));
        assert_eq!(ok(" \t\r\n-12.5e+3 \t\r\n"), Value::Number(num("-12.5e+3")));
        assert_eq!(ok("[]"), Value::Array(vec![]));
        assert_eq!(ok("{}"), Value::Object(vec![]));
        assert_eq!(ok("[ ]"), Value::Array(vec![]));
        assert_eq!(ok("{ \n }"), Value::Object(vec![]));
    }

    #[test]
    fn nested_structure_and_accessors() {
        let v = ok(r#"{"a": [1, "x", null, true, {"b": {}}], "c": {"d": false}}"#);
        assert_eq!(v.type_name(), "object");
        let a = v.get("a").and_then(Value::as_array).unwrap_or_default();
        assert_eq!(a.len(), 5);
        assert_eq!(
            a.first()
                .and_then(Value::as_number)
                .and_then(Number::as_i64),
            Some(1)
        );
        assert_eq!(a.get(1).and_then(Value::as_str), Some("x"));
        assert!(a.get(2).is_some_and(Value::is_null));
        assert_eq!(a.get(3).and_then(Value::as_bool), Some(true));
        assert_eq!(
            a.get(4).and_then(|o| o.get("b")).map(Value::type_name),
            Some("object")
        );
        assert_eq!(
            v.get("c").and_then(|c| c.get("d")).and_then(Value::as_bool),
            Some(false)
        );
        assert_eq!(v.get("zzz"), None);
        assert_eq!(v.as_object().map(<[_]>::len), Some(2));
        assert_eq!(ok("[1]").get("a"), None);
        assert_eq!(ok("1").as_str(), None);
        assert_eq!(ok("1").as_bool(), None);
        assert_eq!(ok("1").as_array(), None);
        assert_eq!(ok("1").as_object(), None);
        assert_eq!(ok("\"1\"").as_number(), None);
        let names: Vec<_> = ["null", "true", "1", "\"s\"", "[]", "{}"]
            .iter()
            .map(|t| ok(t).type_name())
            .collect();
        assert_eq!(
            names,
            ["null", "boolean", "number", "string", "array", "object"]
        );
    }

    #[test]
    fn members_keep_document_order() {
        let v = ok(r#"{"z": 1, "a": 2, "m": 3}"#);
        let keys: Vec<&str> = v
            .as_object()
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| &**k)
            .collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in [
            "0",
            "-0",
            "1.50",
            "1E3",
            "1e-7",
            "-12.000",
            "123456789012345678901234567890",
        ] {
            let v = ok(text);
            assert_eq!(v.as_number().map(Number::text), Some(text));
            assert_eq!(v.to_string(), text);
        }
    }

    #[test]
    fn number_accessors() {
        assert_eq!(num("42").as_i64(), Some(42));
        assert_eq!(num("42").as_u64(), Some(42));
        assert_eq!(num("-42").as_i64(), Some(-42));
        assert_eq!(num("-42").as_u64(), None);
        assert_eq!(num("-0").as_i64(), Some(0));
        assert_eq!(num("-0").as_u64(), Some(0));
        assert_eq!(num("42.0").as_i64(), None);
        assert_eq!(num("4e1").as_u64(), None);
        assert_eq!(num("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(num("9223372036854775808").as_i64(), None);
        assert_eq!(num("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(num("-9223372036854775809").as_i64(), None);
        assert_eq!(num("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(num("18446744073709551616").as_u64(), None);
        // the digit loops against `parse` around every power of ten and the type bounds
        let mut texts: Vec<String> = ["0", "-0", "18446744073709551619", "18446744073709551620", "99999999999999999999", "100000000000000000000"].map(String::from).to_vec();
        for k in 0..20u32 {
            let p = 10u64.pow(k);
            for v in [p - 1, p, p + 1, p.saturating_mul(5), u64::MAX - u64::from(k), (i64::MAX as u64) + u64::from(k) - 10] {
                texts.push(v.to_string());
                texts.push(format!("-{v}"));
            }
        }
        for t in &texts {
            assert_eq!(num(t).as_u64(), if t == "-0" { Some(0) } else { t.parse::<u64>().ok() }, "{t}");
            assert_eq!(num(t).as_i64(), t.parse::<i64>().ok(), "{t}");
        }
        assert!(num("42").is_integer_literal());
        assert!(num("-0").is_integer_literal());
        for t in ["42.0", "4e1", "4E1", "0.5"] {
            assert!(!num(t).is_integer_literal(), "{t}");
        }
        assert_eq!(num("0.1").as_f64(), 0.1);
        assert_eq!(num("-2.5E2").as_f64(), -250.0);
        assert_eq!(num("1e999999999999").as_f64(), f64::INFINITY);
        assert_eq!(num("-1e999999999999").as_f64(), f64::NEG_INFINITY);
        assert_eq!(num("1e-999999999999").as_f64(), 0.0);
        // correctly rounded: the halfway case rounds to even
        assert_eq!(num("9007199254740993").as_f64(), 9007199254740992.0);
    }

    #[test]
    fn number_constructors() {
        assert_eq!(Number::new(Cow::Borrowed("01")), None);
        assert_eq!(Number::new(Cow::Borrowed(" 1")), None);
        assert_eq!(Number::from_i64(-5).text(), "-5");
        assert_eq!(Number::from_i64(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(
            Number::from_f64(0.1).map(|n| n.to_string()),
            Some("0.1".to_owned())
        );
        assert_eq!(
            Number::from_f64(-0.0).map(|n| n.to_string()),
            Some("-0".to_owned())
        );
        assert_eq!(Number::from_f64(1e21).map(|n| n.as_f64()), Some(1e21));
        assert_eq!(Number::from_f64(5e-324).map(|n| n.as_f64()), Some(5e-324));
        assert_eq!(
            Number::from_f64(f64::MAX).map(|n| n.as_f64()),
            Some(f64::MAX)
        );
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(f64::INFINITY), None);
    }

    #[test]
    fn huge_exponents_never_fail() {
        assert!(ok("1e99999999999999999999999999999999")
            .as_number()
            .is_some());
        assert!(ok("[-1E-99999999999999999999999999999999]")
            .as_array()
            .is_some());
    }

    // ---- grammar: refusals -----------------------------------------------

    #[test]
    fn numbers_outside_the_grammar() {
        use number::ScanErrorKind::*;
        let cases: [(&str, ParseErrorKind); 12] = [
            ("01", ParseErrorKind::InvalidNumber(LeadingZero)),
            ("-01", ParseErrorKind::InvalidNumber(LeadingZero)),
            ("[00]", ParseErrorKind::InvalidNumber(LeadingZero)),
            ("-", ParseErrorKind::InvalidNumber(ExpectedDigit)),
            ("-x", ParseErrorKind::InvalidNumber(ExpectedDigit)),
            ("1.", ParseErrorKind::InvalidNumber(ExpectedFractionDigit)),
            ("[1.]", ParseErrorKind::InvalidNumber(ExpectedFractionDigit)),
            ("1e", ParseErrorKind::InvalidNumber(ExpectedExponentDigit)),
            ("1e+", ParseErrorKind::InvalidNumber(ExpectedExponentDigit)),
            ("NaN", ParseErrorKind::NonFiniteNumber),
            ("[Infinity]", ParseErrorKind::NonFiniteNumber),
            ("-Infinity", ParseErrorKind::NonFiniteNumber),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text:?}");
        }
        assert_eq!(
            kind("+1"),
            ParseErrorKind::UnexpectedChar {
                found: '+',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind(".5"),
            ParseErrorKind::UnexpectedChar {
                found: '.',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind("0x10"),
            ParseErrorKind::TrailingCharacters { found: 'x' }
        );
        assert_eq!(
            kind("1.5.5"),
            ParseErrorKind::TrailingCharacters { found: '.' }
        );
        assert_eq!(
            kind("[1 2]"),
            ParseErrorKind::UnexpectedChar {
                found: '2',
                expected: Expected::CommaOrEndOfArray
            }
        );
        let e = err("[1, 01]");
        assert_eq!((e.offset, e.path.as_str()), (4, "[1]"));
    }

    #[test]
    fn literals() {
        assert_eq!(
            kind("tru"),
            ParseErrorKind::InvalidLiteral { expected: "true" }
        );
        assert_eq!(
            kind("fals"),
            ParseErrorKind::InvalidLiteral { expected: "false" }
        );
        assert_eq!(
            kind("nul"),
            ParseErrorKind::InvalidLiteral { expected: "null" }
        );
        assert_eq!(
            kind("nill"),
            ParseErrorKind::InvalidLiteral { expected: "null" }
        );
        assert_eq!(
            kind("True"),
            ParseErrorKind::UnexpectedChar {
                found: 'T',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind("None"),
            ParseErrorKind::UnexpectedChar {
                found: 'N',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind("nulll"),
            ParseErrorKind::TrailingCharacters { found: 'l' }
        );
        assert_eq!(
            kind("[truefalse]"),
            ParseErrorKind::UnexpectedChar {
                found: 'f',
                expected: Expected::CommaOrEndOfArray
            }
        );
        assert_eq!(
            kind("undefined"),
            ParseErrorKind::UnexpectedChar {
                found: 'u',
                expected: Expected::Value
            }
        );
    }

    #[test]
    fn comments_trailing_commas_quotes() {
        assert_eq!(kind("// c\n1"), ParseErrorKind::Comment);
        assert_eq!(kind("[1 /* c */]"), ParseErrorKind::Comment);
        assert_eq!(kind("{\"a\": 1 // c\n}"), ParseErrorKind::Comment);
        assert_eq!(kind("1 // c"), ParseErrorKind::Comment);
        assert_eq!(kind("[1, /* c */ 2]"), ParseErrorKind::Comment);
        assert_eq!(kind("[1,]"), ParseErrorKind::TrailingComma);
        assert_eq!(kind("[1, \n ]"), ParseErrorKind::TrailingComma);
        assert_eq!(kind("{\"a\": 1,}"), ParseErrorKind::TrailingComma);
        assert_eq!(
            kind("[,]"),
            ParseErrorKind::UnexpectedChar {
                found: ',',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind("[1,,2]"),
            ParseErrorKind::UnexpectedChar {
                found: ',',
                expected: Expected::Value
            }
        );
        assert_eq!(
            kind("{,}"),
            ParseErrorKind::UnexpectedChar {
                found: ',',
                expected: Expected::KeyOrEnd
            }
        );
        assert_eq!(kind("'a'"), ParseErrorKind::SingleQuote);
        assert_eq!(kind("{'a': 1}"), ParseErrorKind::SingleQuote);
        assert_eq!(kind("{\"a\": 1, 'b': 2}"), ParseErrorKind::SingleQuote);
        assert_eq!(
            kind("{a: 1}"),
            ParseErrorKind::UnexpectedChar {
                found: 'a',
                expected: Expected::KeyOrEnd
            }
        );
        assert_eq!(
            kind("{1: 1}"),
            ParseErrorKind::UnexpectedChar {
                found: '1',
                expected: Expected::KeyOrEnd
            }
        );
        assert_eq!(
            kind("{\"a\" 1}"),
            ParseErrorKind::UnexpectedChar {
                found: '1',
                expected: Expected::Colon
            }
        );
        assert_eq!(
            kind("{\"a\": 1 \"b\": 2}"),
            ParseErrorKind::UnexpectedChar {
                found: '"',
                expected: Expected::CommaOrEndOfObject
            }
        );
        assert_eq!(
            kind("{\"a\": 1, 2}"),
            ParseErrorKind::UnexpectedChar {
                found: '2',
                expected: Expected::Key
            }
        );
        assert_eq!(
            kind("[1}"),
            ParseErrorKind::UnexpectedChar {
                found: '}',
                expected: Expected::CommaOrEndOfArray
            }
        );
        assert_eq!(
            kind("{\"a\": 1]"),
            ParseErrorKind::UnexpectedChar {
                found: ']',
                expected: Expected::CommaOrEndOfObject
            }
        );
        assert_eq!(
            kind("]"),
            ParseErrorKind::UnexpectedChar {
                found: ']',
                expected: Expected::Value
            }
        );
    }

    #[test]
    fn one_top_level_value() {
        assert_eq!(
            kind("1 2"),
            ParseErrorKind::TrailingCharacters { found: '2' }
        );
        assert_eq!(
            kind("{} {}"),
            ParseErrorKind::TrailingCharacters { found: '{' }
        );
        assert_eq!(
            kind("[]]"),
            ParseErrorKind::TrailingCharacters { found: ']' }
        );
        assert_eq!(
            kind("\"a\"\"b\""),
            ParseErrorKind::TrailingCharacters { found: '"' }
        );
        assert_eq!(
            kind("1 NaN"),
            ParseErrorKind::TrailingCharacters { found: 'N' }
        );
        assert_eq!(
            kind("1 'a'"),
            ParseErrorKind::TrailingCharacters { found: '\'' }
        );
        assert_eq!(
            kind("null\u{0}"),
            ParseErrorKind::TrailingCharacters { found: '\u{0}' }
        );
        assert_eq!(kind(""), ParseErrorKind::Empty);
        assert_eq!(kind(" \n\t\r "), ParseErrorKind::Empty);
    }

    #[test]
    fn unexpected_end() {
        let end = |expected| ParseErrorKind::UnexpectedEnd { expected };
        assert_eq!(kind("["), end(Expected::Value));
        assert_eq!(kind("[1"), end(Expected::CommaOrEndOfArray));
        assert_eq!(kind("[1,"), end(Expected::Value));
        assert_eq!(kind("{"), end(Expected::KeyOrEnd));
        assert_eq!(kind("{\"a\""), end(Expected::Colon));
        assert_eq!(kind("{\"a\":"), end(Expected::Value));
        assert_eq!(kind("{\"a\":1"), end(Expected::CommaOrEndOfObject));
        assert_eq!(kind("{\"a\":1,"), end(Expected::Key));
        assert_eq!(kind("\"abc"), ParseErrorKind::UnterminatedString);
        assert_eq!(kind("\"abc\\"), ParseErrorKind::UnterminatedString);
        assert_eq!(kind("\"abc\\\""), ParseErrorKind::UnterminatedString);
        assert_eq!(kind("\"\\u12"), ParseErrorKind::InvalidUnicodeEscape);
        let e = err("[1,\n");
        assert_eq!((e.offset, e.line, e.column), (4, 2, 1));
        let e = err("  \"abc");
        assert_eq!(
            e.offset, 2,
            "unterminated strings point at their opening quote"
        );
    }

    #[test]
    fn only_json_whitespace() {
        for ws in [
            "\u{c}", "\u{b}", "\u{a0}", "\u{2028}", "\u{3000}", "\u{feff}", "\u{85}",
        ] {
            let text = format!("[1,{ws}2]");
            let e = err(&text);
            assert!(
                matches!(
                    e.kind,
                    ParseErrorKind::UnexpectedChar {
                        expected: Expected::Value,
                        ..
                    }
                ),
                "{ws:?}: {e}"
            );
            assert_eq!(e.offset, 3);
            let text = format!("1{ws}");
            assert!(
                matches!(kind(&text), ParseErrorKind::TrailingCharacters { .. }),
                "{ws:?}"
            );
        }
        assert_eq!(ok(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r2 \t\n\r} \t\n\r] \t\n\r").to_string(), "[1,{\"a\":2}]");
    }

    #[test]
    fn byte_order_mark() {
        assert_eq!(kind("\u{feff}{}"), ParseErrorKind::ByteOrderMark);
        assert_eq!(kind("\u{feff}"), ParseErrorKind::ByteOrderMark);
        let opts = ParseOptions::default();
        let e = parse_bytes(b"\xEF\xBB\xBF{}", &opts).err();
        assert_eq!(
            e.as_ref().map(|e| (&e.kind, e.offset)),
            Some((&ParseErrorKind::ByteOrderMark, 0))
        );
        assert!(e.is_some_and(|e| e.to_string().contains("byte order mark")));
        // Inside a string a U+FEFF is just a character.
        assert_eq!(ok("\"\u{feff}\"").as_str(), Some("\u{feff}"));
    }

    #[test]
    fn parse_bytes_checks_utf8() {
        let opts = ParseOptions::default();
        let v = parse_bytes("{\"café\": \"naïve ☃ 😀\"}".as_bytes(), &opts);
        assert_eq!(
            v.ok()
                .and_then(|v| v.get("café").and_then(|s| s.as_str().map(str::to_owned))),
            Some("naïve ☃ 😀".to_owned())
        );
        let cases: [(&[u8], usize); 7] = [
            (b"\"\xff\"", 1),
            (b"[\"ab\", \"c\xC3\"]", 9),      // truncated 2-byte sequence
            (b"\"\xC0\xAF\"", 1),             // overlong '/'
            (b"\"\xED\xA0\x80\"", 1),         // UTF-8-encoded surrogate
            (b"\"\xF4\x90\x80\x80\"", 1),     // above U+10FFFF
            (b"\n\n  \x80", 4),               // stray continuation byte
            (b"\"\xE2\x98\x83\xE2\x98\"", 4), // a valid snowman, then a truncated one
        ];
        for (bytes, offset) in cases {
            let e = parse_bytes(bytes, &opts).err();
            assert_eq!(
                e.as_ref().map(|e| (&e.kind, e.offset)),
                Some((&ParseErrorKind::InvalidUtf8 { offset }, offset)),
                "{bytes:?}"
            );
            assert!(e.is_some_and(|e| e.to_string().contains(&format!("byte offset {offset}"))));
        }
        let e = parse_bytes(b"\n\n  \x80", &opts).err();
        assert_eq!(
            e.map(|e| (e.line, e.column, e.path)),
            Some((3, 3, ROOT_PATH.to_owned()))
        );
        // Syntax errors in valid UTF-8 bytes are found as usual.
        let e = parse_bytes(b"[1,]", &opts).err();
        assert_eq!(e.map(|e| e.kind), Some(ParseErrorKind::TrailingComma));
    }

    // ---- strings -------------------------------------------------------

    #[test]
    fn string_escapes() {
        assert_eq!(
            ok(r#""\"\\\/\b\f\n\r\t""#).as_str(),
            Some("\"\\/\u{8}\u{c}\n\r\t")
        );
        assert_eq!(
            ok(r#""\u0041\u00e9\u00E9\u2603\u0000""#).as_str(),
            Some("Aéé☃\u{0}")
        );
        assert_eq!(ok(r#""a\nb""#).as_str(), Some("a\nb"));
        assert_eq!(
            ok(r#""plain \u0020 then plain""#).as_str(),
            Some("plain   then plain")
        );
        assert_eq!(ok(r#""\\""#).as_str(), Some("\\"));
        assert_eq!(ok(r#""x\\""#).as_str(), Some("x\\"));
        assert_eq!(
            ok("\"\u{7f} é 😀 \u{10ffff}\"").as_str(),
            Some("\u{7f} é 😀 \u{10ffff}")
        );
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let text = r#"{"key": ["plain", "with \n escape", "ünïcödé"]}"#;
        let v = ok(text);
        let Some((key, value)) = v.as_object().and_then(|m| m.first()) else {
            panic!("no member")
        };
        assert!(matches!(key, Cow::Borrowed(_)));
        let items = value.as_array().unwrap_or_default();
        assert!(matches!(
            items.first(),
            Some(Value::String(Cow::Borrowed("plain")))
        ));
        assert!(matches!(items.get(1), Some(Value::String(Cow::Owned(_)))));
        assert!(matches!(
            items.get(2),
            Some(Value::String(Cow::Borrowed("ünïcödé")))
        ));
        // ... and point into the input.
        if let Some(Value::String(Cow::Borrowed(s))) = items.first() {
            let range = text.as_bytes().as_ptr_range();
            assert!(range.contains(&s.as_ptr()));
        }
        let escaped_key = ok(r#"{"k\u0065y": 1}"#);
        assert!(
            matches!(escaped_key.as_object().and_then(|m| m.first()), Some((Cow::Owned(k), _)) if k == "key")
        );
    }

    #[test]
    fn invalid_escapes() {
        for (text, found) in [
            (r#""\a""#, 'a'),
            (r#""\x41""#, 'x'),
            (r#""\U0041""#, 'U'),
            (r#""\'""#, '\''),
            ("\"\\é\"", 'é'),
            ("\"\\ \"", ' '),
        ] {
            assert_eq!(
                kind(text),
                ParseErrorKind::InvalidEscape { found },
                "{text}"
            );
        }
        for text in [
            r#""\u""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\u 123""#,
            r#""\u+123""#,
            r#""\u12345""#, /* ok: 1234 then 5 */
        ] {
            if text == r#""\u12345""# {
                assert_eq!(ok(text).as_str(), Some("\u{1234}5"));
            } else {
                assert_eq!(kind(text), ParseErrorKind::InvalidUnicodeEscape, "{text}");
            }
        }
        let e = err(r#"["ok", "ab\q"]"#);
        assert_eq!((e.offset, e.path.as_str()), (10, "[1]"));
    }

    #[test]
    fn control_characters_in_strings() {
        for b in 0u8..0x20 {
            let text = format!("[\"a{}b\"]", char::from(b));
            let e = err(&text);
            assert_eq!(e.kind, ParseErrorKind::ControlCharacter { byte: b });
            assert_eq!(e.offset, 3);
            // also after an escape (the owned path)
            let text = format!("\"\\n{}\"", char::from(b));
            assert_eq!(kind(&text), ParseErrorKind::ControlCharacter { byte: b });
        }
        assert_eq!(
            err("\"\t\"").to_string(),
            "line 1, column 2: control character U+0009 in a string must be escaped"
        );
        // DEL and C1 controls are allowed raw.
        assert_eq!(
            ok("\"\u{7f}\u{80}\u{9f}\"").as_str(),
            Some("\u{7f}\u{80}\u{9f}")
        );
    }

    #[test]
    fn surrogates() {
        // a valid pair is one char
        assert_eq!(ok(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(ok(r#""\uD83D\uDE00""#).as_str(), Some("😀"));
        assert_eq!(
            ok(r#""\ud800\udc00\udbff\udfff""#).as_str(),
            Some("\u{10000}\u{10ffff}")
        );
        assert_eq!(
            ok(r#""a\ud83d\ude00b""#)
                .as_str()
                .map(|s| s.chars().count()),
            Some(3)
        );
        // the boundaries just outside the surrogate range are plain characters
        assert_eq!(ok(r#""\ud7ff\ue000""#).as_str(), Some("\u{d7ff}\u{e000}"));
        let lone = |code_unit| ParseErrorKind::LoneSurrogate { code_unit };
        assert_eq!(kind(r#""\ud800""#), lone(0xD800), "lone high at the end");
        assert_eq!(
            kind(r#""\udbffx""#),
            lone(0xDBFF),
            "high, then a plain char"
        );
        assert_eq!(
            kind(r#""\ud800\n""#),
            lone(0xD800),
            "high, then another escape"
        );
        assert_eq!(
            kind(r#""\ud800\u0041""#),
            lone(0xD800),
            "high, then a non-surrogate"
        );
        assert_eq!(kind(r#""\ud800\ud800""#), lone(0xD800), "high, then high");
        assert_eq!(
            kind(r#""\ud800 \udc00""#),
            lone(0xD800),
            "a pair must be adjacent"
        );
        assert_eq!(kind(r#""\udc00""#), lone(0xDC00), "lone low");
        assert_eq!(kind(r#""\udfff\ud800""#), lone(0xDFFF), "low, then high");
        assert_eq!(kind(r#""x\ude00""#), lone(0xDE00));
        assert_eq!(
            kind(r#""\ud800\u12""#),
            ParseErrorKind::InvalidUnicodeEscape
        );
        assert_eq!(kind(r#""\ud800\"#), lone(0xD800));
        // in keys too, with the offset at the offending escape
        let e = err(r#"{"ok": 1, "a\udc00": 2}"#);
        assert_eq!(
            (e.kind, e.offset, e.path.as_str()),
            (lone(0xDC00), 12, ROOT_PATH)
        );
        assert!(err(r#""\ud800""#)
            .to_string()
            .contains("lone surrogate \\uD800"));
    }

    // ---- duplicate keys ----------------------------------------------------

    #[test]
    fn duplicate_keys() {
        let e = err(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(e.kind, ParseErrorKind::DuplicateKey("a".to_owned()));
        assert_eq!((e.offset, e.path.as_str()), (17, ROOT_PATH));
        assert_eq!(e.to_string(), "line 1, column 18: duplicate key \"a\"");

        let text = "{\"flags\": {\n  \"a\": {\n    \"variants\": {\"on\": true, \"off\": false, \"on\": 1}}}}";
        let e = err(text);
        assert_eq!(e.kind, ParseErrorKind::DuplicateKey("on".to_owned()));
        assert_eq!(e.path, "flags.a.variants");
        assert_eq!((e.line, e.column), (3, 44));
        assert_eq!(
            e.to_string(),
            "line 3, column 44 (at flags.a.variants): duplicate key \"on\""
        );

        let e = err(r#"{"rules": [{"id": 1}, {}, {"id": 1, "when": {}, "id": 2}]}"#);
        assert_eq!(
            (e.kind, e.path.as_str()),
            (ParseErrorKind::DuplicateKey("id".to_owned()), "rules[2]")
        );

        // compared after unescaping
        let e = err(r#"{"key": 1, "k\u0065y": 2}"#);
        assert_eq!(e.kind, ParseErrorKind::DuplicateKey("key".to_owned()));
        let e = err(r#"{"k\u0065y": 1, "key": 2}"#);
        assert_eq!(e.kind, ParseErrorKind::DuplicateKey("key".to_owned()));
        // the empty key
        assert_eq!(
            kind(r#"{"": 1, "": 2}"#),
            ParseErrorKind::DuplicateKey(String::new())
        );
        // the message escapes odd keys
        assert!(err("{\"a\\nb\": 1, \"a\\nb\": 2}")
            .to_string()
            .ends_with(r#"duplicate key "a\nb""#));

        // the same key in different objects is fine, and so are keys that differ only in case
        let v = ok(r#"{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}], "A": 0}"#);
        assert_eq!(v.as_object().map(<[_]>::len), Some(3));
    }

    #[test]
    fn duplicate_keys_in_large_objects() {
        // past the linear-scan threshold, with the duplicate early, late, escaped
        for n in [LINEAR_KEYS - 1, LINEAR_KEYS, LINEAR_KEYS + 1, 100, 2000] {
            let mut text = String::from("{\"outer\": {");
            for i in 0..n {
                text.push_str(&format!("\"k{i}\": {i},"));
            }
            let clean = format!("{}\"last\": 0}}}}", text);
            assert_eq!(
                ok(&clean)
                    .get("outer")
                    .and_then(Value::as_object)
                    .map(<[_]>::len),
                Some(n + 1)
            );
            for dup in [0, n / 2, n - 1] {
                let dirty = format!("{}\"k{dup}\": 0}}}}", text);
                let e = err(&dirty);
                assert_eq!(
                    e.kind,
                    ParseErrorKind::DuplicateKey(format!("k{dup}")),
                    "n={n}"
                );
                assert_eq!(e.path, "outer");
                assert_eq!(e.offset, text.len());
                let escaped = format!("{}\"\\u006b{dup}\": 0}}}}", text);
                assert_eq!(
                    kind(&escaped),
                    ParseErrorKind::DuplicateKey(format!("k{dup}"))
                );
            }
        }
        // an escaped key among the first ones, found once the index is built
        let mut text = String::from("{\"\\u0041\": 0");
        for i in 0..40 {
            text.push_str(&format!(",\"k{i}\": {i}"));
        }
        text.push_str(",\"A\": 1}");
        assert_eq!(kind(&text), ParseErrorKind::DuplicateKey("A".to_owned()));
    }

    #[test]
    fn duplicate_keys_are_found_when_the_object_closes() {
        // the earliest repeat wins, whichever key it is
        let e = err(r#"{"a": 1, "b": 2, "b": 3, "a": 4}"#);
        assert_eq!(
            (e.kind, e.offset),
            (ParseErrorKind::DuplicateKey("b".to_owned()), 17)
        );
        // an inner object closes (and is checked) before its parent
        let e = err(r#"{"x": 1, "x": {"y": 1, "y": 2}}"#);
        assert_eq!(
            (e.kind, e.path.as_str()),
            (ParseErrorKind::DuplicateKey("y".to_owned()), "x")
        );
        // a syntax error later in the same object is found first
        assert_eq!(
            kind(r#"{"a": 1, "a": 2, "b": tru}"#),
            ParseErrorKind::InvalidLiteral { expected: "true" }
        );
    }

    #[test]
    fn objects_with_very_many_keys() {
        // Sorting, not hashing: no key pattern makes the check quadratic. Keys
        // with a long shared prefix, in descending order.
        let n = 50_000;
        let mut text = String::from("{");
        for i in (0..n).rev() {
            text.push_str(&format!("\"{}{i:06}\": {i},", "p".repeat(40)));
        }
        text.pop();
        text.push('}');
        assert_eq!(ok(&text).as_object().map(<[_]>::len), Some(n));
        text.pop();
        text.push_str(&format!(",\"{}{:06}\": 0}}", "p".repeat(40), n / 3));
        assert!(matches!(kind(&text), ParseErrorKind::DuplicateKey(_)));
    }

    #[test]
    fn reader_duplicate_check_agrees_with_pairwise_comparison_on_both_paths() {
        // The small path (up to LINEAR_KEYS keys, no escape) and the general one (escaped or more
        // keys), against a pairwise comparison of the decoded keys, over keys of one or two letters.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for round in 0..400 {
            let n = [2, 3, 4, LINEAR_KEYS, LINEAR_KEYS + 1, 40][round % 6];
            let mut src = String::new();
            let mut spans = Vec::new();
            let mut decoded = Vec::new();
            let escaped = round % 3 == 0;
            for _ in 0..n {
                let letters: String = (0..1 + next(2)).map(|_| char::from(b'a' + next(3 + n as u64) as u8)).collect();
                let written = if escaped && next(2) == 0 { letters.replace('a', "\\u0061") } else { letters.clone() };
                src.push('"');
                let a = src.len() as u32;
                src.push_str(&written);
                spans.push((a, src.len() as u32));
                src.push_str("\":1,");
                decoded.push(letters);
            }
            let naive = (0..n).any(|j| (0..j).any(|i| decoded[i] == decoded[j]));
            assert_eq!(has_duplicate(&src, &spans, escaped), naive, "round {round}: {src}");
            assert_eq!(has_duplicate_general(&src, &spans, escaped), naive, "round {round}: {src}");
        }
    }

    #[test]
    fn first_duplicate_agrees_with_pairwise_comparison() {
        let mut rng = Rng(77);
        for round in 0..400 {
            let n = rng.below(if round % 2 == 0 { 20 } else { 200 });
            let alphabet = 1 + rng.below(3 * n + 1);
            let members: Vec<(Cow<'_, str>, Value<'_>)> = (0..n)
                .map(|_| (Cow::Owned(format!("k{}", rng.below(alphabet))), Value::Null))
                .collect();
            let naive = (1..n).find(|&j| {
                members
                    .iter()
                    .take(j)
                    .any(|(k, _)| members.get(j).is_some_and(|(kj, _)| k == kj))
            });
            assert_eq!(first_duplicate(&members), naive, "round {round}, n {n}");
        }
    }

    #[test]
    fn merge_sort_sorts_stably() {
        let mut rng = Rng(5);
        for n in [0, 1, 2, 3, 7, 8, 9, 16, 17, 100, 1000, 1023, 1025] {
            let keys: Vec<u64> = (0..n).map(|_| rng.next() % 10).collect();
            let key = |i: usize| keys.get(i).copied().unwrap_or(0);
            let mut order = positions(n);
            merge_sort(&mut order, |a, b| key(a) < key(b));
            let mut expected: Vec<usize> = (0..n).collect();
            expected.sort_by_key(|&i| key(i)); // stable
            assert_eq!(order, expected, "n = {n}");
        }
    }

    // ---- depth ------------------------------------------------------------

    #[test]
    fn depth_limit_exact_boundary() {
        let nest = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&nest(DEFAULT_MAX_DEPTH)).is_ok());
        let e = err(&nest(DEFAULT_MAX_DEPTH + 1));
        assert_eq!(e.kind, ParseErrorKind::TooDeep { max_depth: 128 });
        assert_eq!(e.offset, 128);
        assert_eq!(e.path, format!("{}", "[0]".repeat(128)));
        assert!(e.to_string().ends_with("nesting deeper than 128 levels"));

        for max_depth in [0, 1, 2, 5] {
            let opts = ParseOptions { max_depth };
            if max_depth > 0 {
                assert!(parse_with(&nest(max_depth), &opts).is_ok(), "{max_depth}");
            }
            let deeper = nest(max_depth + 1);
            assert_eq!(
                parse_with(&deeper, &opts).err().map(|e| e.kind),
                Some(ParseErrorKind::TooDeep { max_depth })
            );
        }
        let zero = ParseOptions { max_depth: 0 };
        assert!(parse_with("1", &zero).is_ok());
        assert!(parse_with("{}", &zero).is_err());

        // objects count the same as arrays
        let obj = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert!(parse(&obj(128)).is_ok());
        let e = err(&obj(129));
        assert_eq!(e.kind, ParseErrorKind::TooDeep { max_depth: 128 });
        assert_eq!(e.path, vec!["a"; 128].join("."));
        // mixed, with siblings: depth is nesting, not count
        let opts = ParseOptions { max_depth: 3 };
        assert!(parse_with(r#"{"a": [{}, {}, [], {"b": 1}], "c": [[]]}"#, &opts).is_ok());
        assert!(parse_with(r#"{"a": [{}, {}, [], {"b": []}]}"#, &opts).is_err());
    }

    #[test]
    fn deep_inputs_fail_fast_without_overflow() {
        for unit in ["[", "{\"a\":", "[{\"a\":", "[1,"] {
            let text = unit.repeat(1 << 20);
            let start = std::time::Instant::now();
            let e = err(&text);
            assert!(
                matches!(
                    e.kind,
                    ParseErrorKind::TooDeep { .. } | ParseErrorKind::UnexpectedEnd { .. }
                ),
                "{unit}: {e}"
            );
            assert!(
                start.elapsed() < std::time::Duration::from_secs(1),
                "{unit}"
            );
        }
        // deep but allowed: the explicit stack handles it (the tree drops recursively, fine at this depth)
        let opts = ParseOptions { max_depth: 2000 };
        let text = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        assert!(parse_with(&text, &opts).is_ok());
        // unclosed but within the limit
        assert_eq!(
            kind(&"[".repeat(100)),
            ParseErrorKind::UnexpectedEnd {
                expected: Expected::Value
            }
        );
    }

    // ---- error positions and paths -----------------------------------------

    #[test]
    fn error_paths() {
        let text =
            r#"{"flags": {"new-checkout": {"rules": [{}, {}, {"when": {"any": [{"op": x}]}}]}}}"#;
        let e = err(text);
        assert_eq!(e.path, "flags.new-checkout.rules[2].when.any[0].op");
        assert_eq!(
            e.kind,
            ParseErrorKind::UnexpectedChar {
                found: 'x',
                expected: Expected::Value
            }
        );
        let cases = [
            (r#"[1, 2, [3, {"a": tru}]]"#, "[2][1].a"),
            (r#"[1, 2, [3, {"a": 1,}]]"#, "[2][1]"),
            (r#"[1, 2, [3, {"a": 1 "b"}]]"#, "[2][1]"),
            (r#"[1, 2, [3, {"a": 1, "a": 2}]]"#, "[2][1]"),
            (r#"[1, 2, [3, 4,]]"#, "[2]"),
            (r#"[1, 2, [3, 4 5]]"#, "[2]"),
            (r#"{"a": {"b": "\x"}}"#, "a.b"),
            (r#"{"a": {"b" 1}}"#, "a"),
            (r#"{"a": {"b\x": 1}}"#, "a"),
            (r#"{"a": {"b": 1}} x"#, ROOT_PATH),
            (r#"{"a": [{"b": [1, 2, 03]}]}"#, "a[0].b[2]"),
            (r#"{"": {"": 01}}"#, "."),
            ("{\"a b.c\": [[], [nul]]}", "a b.c[1][0]"),
            ("[", "[0]"),
            ("{\"a\": ", "a"),
        ];
        for (text, path) in cases {
            assert_eq!(err(text).path, path, "{text}");
        }
    }

    #[test]
    fn line_and_column() {
        let text = "{\n  \"a\": 1,\n  \"b\": [true, fals]\n}";
        let e = err(text);
        assert_eq!((e.line, e.column, e.offset), (3, 15, 26));
        assert_eq!(
            e.to_string(),
            "line 3, column 15 (at b[1]): invalid literal, expected `false`"
        );
        // columns count characters, not bytes; \r is not a line break
        let e = err("[\"é😀\", \"ü\", x]");
        assert_eq!((e.line, e.column, e.offset), (1, 13, 17));
        let e = err("[1,\r\n2,\r\n x]");
        assert_eq!((e.line, e.column), (3, 2));
        let e = err("\n\n\n");
        assert_eq!((e.line, e.column, e.offset), (4, 1, 3));
        let e = err("1 2");
        assert_eq!((e.line, e.column, e.offset), (1, 3, 2));
        let e = err("");
        assert_eq!((e.line, e.column, e.offset), (1, 1, 0));
        assert_eq!(
            e.to_string(),
            "line 1, column 1: no JSON value: the text is empty or only whitespace"
        );
    }

    #[test]
    fn error_messages_read_well() {
        let cases = [
            ("[1,]", "line 1, column 4: trailing comma (JSON does not allow one)"),
            ("{\"a\": 'x'}", "line 1, column 7 (at a): strings must be in double quotes"),
            ("[1 2]", "line 1, column 4: unexpected character '2', expected ',' or ']'"),
            ("[01]", "line 1, column 2 (at [0]): invalid number: leading zeros are not allowed"),
            ("[NaN]", "line 1, column 2 (at [0]): NaN and Infinity are not JSON numbers"),
            ("{\"a\":1", "line 1, column 7: unexpected end of the text, expected ',' or '}'"),
            ("\"\\x\"", "line 1, column 2: invalid escape sequence \\x"),
            ("1 x", "line 1, column 3: unexpected character 'x' after the JSON value (only one value is allowed)"),
            ("/* */ 1", "line 1, column 1: comments are not allowed in JSON"),
        ];
        for (text, message) in cases {
            assert_eq!(err(text).to_string(), message, "{text}");
        }
        let boxed: Box<dyn std::error::Error> = Box::new(err("["));
        assert!(boxed.to_string().contains("unexpected end"));
    }

    #[test]
    fn format_paths() {
        use PathSeg::{Index, Key};
        assert_eq!(format_path(&[]), "(root)");
        assert_eq!(format_path(&[Key("flags")]), "flags");
        assert_eq!(format_path(&[Index(3)]), "[3]");
        assert_eq!(format_path(&[Index(0), Index(1), Key("a")]), "[0][1].a");
        assert_eq!(
            format_path(&[
                Key("flags"),
                Key("new-checkout"),
                Key("rules"),
                Index(2),
                Key("when"),
                Key("any"),
                Index(0),
                Key("op")
            ]),
            "flags.new-checkout.rules[2].when.any[0].op"
        );
        assert_eq!(
            format_path(&[Key("a.b"), Key("c")]),
            "a.b.c",
            "keys are raw"
        );
    }

    // ---- writing and round trips -------------------------------------------

    #[test]
    fn is_compact_only_when_the_writer_gives_the_text_back() {
        for text in [
            "1", "-1.50e3", "true", "null", r#""""#, r#""abc""#, r#""a b""#, r#"["DE","FR","IT","ES","NL","BE"]"#,
            r#"["DE", "FR"]"#, r#"[ 1]"#, "[1\n]", r#""a\u0062""#, r#""a\"b""#, r#""a\/b""#, r#"{"a":[1,{"b":"c d"}]}"#,
            r#"{"a" :1}"#, r#""é and ü, long enough to take two words""#, r#"["twelve bytes", "x"]"#, r#""\\""#,
            "[\"abcdefgh\",\t1]",
        ] {
            let mut out = String::new();
            write_value(&mut out, &ok(text));
            // Never copied when the writer would not give the text back; copied when it has no space,
            // control character or backslash.
            assert!(!is_compact(text) || out == text, "{text}");
            assert_eq!(is_compact(text), !text.bytes().any(|b| b <= b' ' || b == b'\\'), "{text}");
        }
    }

    #[test]
    fn write_string_escapes() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\\c/d\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}é😀");
        assert_eq!(
            out,
            r#""a\"b\\c/d\b\f\n\r\t\u0000\u001f"#.to_owned() + "\u{7f}é😀\""
        );
        let mut all = String::new();
        for b in 0u8..0x20 {
            all.push(char::from(b));
        }
        let mut out = String::new();
        write_string(&mut out, &all);
        assert_eq!(
            parse(&out).ok().and_then(|v| v.as_str().map(str::to_owned)),
            Some(all)
        );
        let mut out = String::new();
        write_string(&mut out, "");
        assert_eq!(out, "\"\"");
    }

    #[test]
    fn writes_compact_json() {
        let text = "{ \"a\" : [ 1.50 , -0 , 1E3 , true , false , null , \"x\\u0041\\n\" ] ,\n \"b\" : { } , \"c\": [] }";
        assert_eq!(
            compact(text),
            r#"{"a":[1.50,-0,1E3,true,false,null,"xA\n"],"b":{},"c":[]}"#
        );
        let mut out = String::from("prefix:");
        write_value(&mut out, &ok("[1]"));
        assert_eq!(out, "prefix:[1]");
    }

    #[test]
    fn round_trips() {
        let docs = [
            "null",
            "[1,-2.5e-3,\"\",{},[],[[{}]]]",
            r#"{"a":"\"\\\/\b\f\n\r\t\u0001é😀\ud83d\ude00","b":{"c":[true,false,null]}}"#,
            "\"\u{7f}\u{2028}\u{feff}\"",
        ];
        for text in docs {
            let v = ok(text);
            let written = v.to_string();
            let again = ok(&written);
            assert_eq!(v, again, "{text}");
            assert_eq!(again.to_string(), written, "writing is stable");
        }
        let big = big_document(50);
        let v = ok(&big);
        assert_eq!(ok(&v.to_string()), v);
    }

    #[test]
    fn into_owned_outlives_the_input() {
        let owned: Value<'static> = {
            let text = String::from(r#"{"a": ["x", "y\n", 1.0], "k\u0065y": {}}"#);
            ok(&text).into_owned()
        };
        assert_eq!(owned.to_string(), r#"{"a":["x","y\n",1.0],"key":{}}"#);
        assert!(matches!(
            owned
                .get("a")
                .and_then(Value::as_array)
                .and_then(<[_]>::first),
            Some(Value::String(Cow::Owned(_)))
        ));
    }

    // ---- size and robustness ---------------------------------------------

    #[test]
    fn big_documents() {
        let text = big_document(1000);
        assert!(text.len() > 300_000, "{}", text.len());
        let v = ok(&text);
        let flags = v
            .get("flags")
            .and_then(Value::as_object)
            .unwrap_or_default();
        assert_eq!(flags.len(), 1000);
        let last = flags.last().map(|(k, v)| (k.as_ref(), v));
        assert_eq!(last.map(|(k, _)| k), Some("flag-999"));
        let percent = last
            .and_then(|(_, f)| f.get("rules"))
            .and_then(Value::as_array)
            .and_then(<[_]>::first)
            .and_then(|r| r.get("serve"))
            .and_then(|s| s.get("percent"))
            .and_then(Value::as_number)
            .map(Number::text);
        assert_eq!(percent, Some("99.5"));
        assert!(flags.iter().all(|(k, _)| matches!(k, Cow::Borrowed(_))));
        // a long string and a long array
        let long = format!("[\"{}\", {}0]", "x".repeat(1 << 20), "0,".repeat(100_000));
        let v = ok(&long);
        assert_eq!(v.as_array().map(<[_]>::len), Some(100_002));
        // an error near the end of a big document is located precisely
        let broken = format!("{},", &text.trim_end()[..text.trim_end().len() - 1]);
        let e = err(&broken);
        assert_eq!(e.offset, broken.len());
        assert_eq!(
            e.kind,
            ParseErrorKind::UnexpectedEnd {
                expected: Expected::Key
            }
        );
    }

    /// Fragments that random JSON-ish texts are glued from (tokens, escapes, surrogates, BOM).
    const PIECES: [&str; 30] = [
        "{", "}", "[", "]", "\"", "\\", ":", ",", " ", "\n", "0", "1", "-", ".", "e", "+", "u", "d8", "dc",
        "00", "true", "null", "fals", "\"a\"", "\\u", "\\ud800", "\\udc00", "é", "\u{feff}", "/",
    ];

    #[test]
    fn fuzz_random_bytes_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let opts = ParseOptions { max_depth: 8 };
        let mut parsed = 0;
        for round in 0..30_000 {
            let mut bytes = Vec::new();
            let len = rng.below(40);
            for _ in 0..len {
                if round % 3 == 0 {
                    bytes.push((rng.next() >> 56) as u8);
                } else {
                    let piece = PIECES
                        .get(rng.below(PIECES.len()))
                        .copied()
                        .unwrap_or_default();
                    bytes.extend_from_slice(piece.as_bytes());
                }
            }
            if let Ok(v) = parse_bytes(&bytes, &opts) {
                parsed += 1;
                // whatever parses, round-trips
                let written = v.to_string();
                assert_eq!(
                    parse_with(&written, &opts).as_ref().ok(),
                    Some(&v),
                    "{written}"
                );
            }
        }
        assert!(
            parsed > 100,
            "the generator should hit valid JSON sometimes ({parsed})"
        );
    }

    /// One to four random edits of `bytes` (overwrite, insert or remove a byte from `byte`).
    fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng, mut byte: impl FnMut(&mut Rng) -> u8) {
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            let b = byte(rng);
            match rng.below(3) {
                0 => {
                    if let Some(x) = bytes.get_mut(at) {
                        *x = b;
                    }
                }
                1 => bytes.insert(at, b),
                _ => {
                    bytes.remove(at);
                }
            }
        }
    }

    #[test]
    fn fuzz_mutated_documents_never_panic() {
        let base = big_document(3).into_bytes();
        let mut rng = Rng(12345);
        let opts = ParseOptions::default();
        for _ in 0..5_000 {
            let mut bytes = base.clone();
            mutate(&mut bytes, &mut rng, |r| (r.next() >> 56) as u8);
            match parse_bytes(&bytes, &opts) {
                Ok(v) => assert_eq!(parse(&v.to_string()).ok(), Some(v)),
                Err(e) => {
                    assert!(e.offset <= bytes.len());
                    assert!(e.line >= 1 && e.column >= 1);
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    /// Reads a whole text with a [`Reader`], skipping the top value: whether the reader accepts it.
    fn reader_accepts(text: &str, max_depth: usize) -> bool {
        let mut r = Reader::new(text, max_depth);
        r.skip();
        r.finish()
    }

    /// Reads a value with the reader's walking methods (not `skip`), checking the keys and scalars
    /// it meets against the parsed tree.
    fn walk<'a>(r: &mut Reader<'a>, v: &Value<'_>) {
        match v {
            Value::Object(members) => {
                assert!(r.object());
                for (k, mv) in members {
                    assert_eq!(r.next_key().as_deref(), Some(&**k));
                    walk(r, mv);
                }
                assert_eq!(r.next_key(), None);
            }
            Value::Array(items) => {
                assert!(r.array());
                for it in items {
                    assert!(r.next_element());
                    walk(r, it);
                }
                assert!(!r.next_element());
            }
            Value::String(s) => assert_eq!(r.string().as_deref(), Some(&**s)),
            Value::Number(n) => assert_eq!(r.number().as_ref(), Some(n)),
            Value::Bool(b) => assert_eq!(r.boolean(), Some(*b)),
            Value::Null => assert_eq!(r.value(), Value::Null),
        }
    }

    #[test]
    fn reader_accepts_exactly_what_the_parser_accepts() {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        let (mut accepted, mut refused) = (0, 0);
        for round in 0..30_000 {
            let mut text = String::new();
            for _ in 0..rng.below(40) {
                text.push_str(PIECES.get(rng.below(PIECES.len())).copied().unwrap_or_default());
            }
            let depth = 1 + round % 9;
            let parsed = parse_with(&text, &ParseOptions { max_depth: depth });
            assert_eq!(reader_accepts(&text, depth), parsed.is_ok(), "{text:?} at depth {depth}");
            let object = text.trim_start().starts_with('{');
            assert_eq!(reader_accepts_checked(&text, round % 2), parse(&text).is_ok() && object, "{text:?}");
            if let Ok(v) = parsed {
                accepted += 1;
                // inside a container, read as a tree (`Reader::tree`), at the depth that leaves it the same room
                let wrapped = format!("[{{\"k\":{text}}}]");
                let mut r = Reader::new(&wrapped, depth + 2);
                let want = Value::Array(vec![Value::Object(vec![(Cow::Borrowed("k"), v.clone())])]);
                assert_eq!(r.value(), want, "{wrapped:?}");
                assert!(r.finish(), "{wrapped:?}");
                let mut r = Reader::new(&wrapped, depth + 1);
                r.value();
                assert_eq!(r.finish(), parse_with(&wrapped, &ParseOptions { max_depth: depth + 1 }).is_ok(), "{wrapped:?} at depth {}", depth + 1);
                let mut r = Reader::new(&text, depth);
                walk(&mut r, &v);
                assert!(r.finish(), "{text:?}");
                let mut r = Reader::new(&text, depth);
                let mut keys = Vec::new();
                r.scan_keys(|k| keys.push(k.to_string()));
                let want: Vec<String> = v.as_object().unwrap_or_default().iter().map(|(k, _)| k.to_string()).collect();
                assert_eq!(keys, want, "{text:?}");
                assert_eq!(r.value(), v, "{text:?}");
                assert!(r.finish(), "{text:?}");
            } else {
                refused += 1;
                // the tree reader refuses it too, at the same depth (nesting counted by the reader)
                let mut r = Reader::new(&text, depth);
                r.value();
                assert!(!r.finish(), "{text:?} at depth {depth}");
                // and inside a container, where the value is read as a tree (`Reader::tree`)
                let wrapped = format!("[{{\"k\":{text}}}]");
                let mut r = Reader::new(&wrapped, depth + 2);
                r.value();
                assert!(!r.finish(), "{wrapped:?} at depth {}", depth + 2);
            }
        }
        assert!(accepted > 100 && refused > 100, "{accepted} {refused}");
        // Mutations of a realistic document, and duplicate keys at every level.
        let base = big_document(3).into_bytes();
        for _ in 0..3_000 {
            let mut bytes = base.clone();
            mutate(&mut bytes, &mut rng, |r| b"{}[]\",: 0ab\\"[r.below(12)]);
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            assert_eq!(reader_accepts(text, 128), parse(text).is_ok(), "{text}");
            // (unchecked before the first key or after it: always before a duplicate is read)
            let at = rng.below(2);
            assert_eq!(reader_accepts_checked(text, at), parse(text).is_ok() && text.starts_with('{'), "{text} at {at}");
            let mut r = Reader::new(text, 128);
            let v = r.value();
            assert_eq!(r.finish(), parse(text).is_ok(), "{text}");
            if let Ok(tree) = parse(text) {
                assert_eq!(v, tree);
                // the look ahead sees every key, at every level
                fn keys_everywhere(text: &str, v: &Value<'_>) {
                    let r = Reader::new(text, 128);
                    let mut keys = Vec::new();
                    r.scan_keys(|k| keys.push(k.to_string()));
                    let want: Vec<String> = v.as_object().unwrap_or_default().iter().map(|(k, _)| k.to_string()).collect();
                    assert_eq!(keys, want);
                }
                keys_everywhere(text, &tree);
                for (_, member) in tree.as_object().unwrap_or_default() {
                    let inner = member.to_string();
                    keys_everywhere(&inner, member);
                }
            }
        }
        for text in [r#"{"a":1,"a":2}"#, r#"[{"x":{"b":1,"c":[],"b":2}}]"#, r#"{"a":1,"\u0061":2}"#, r#"{"k":{},"k":{}}"#] {
            assert!(parse(text).is_err() && !reader_accepts(text, 128), "{text}");
        }
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let ok = format!("{{{}}}", many.join(","));
        let dup = format!("{{{},\"k7\":0}}", many.join(","));
        assert!(reader_accepts(&ok, 128) && !reader_accepts(&dup, 128));
    }

    /// Reads the top object with [`Reader::keys_checked`], calling [`Reader::check_keys`] just before the
    /// key at `at` (never when `at` is past the keys): whether the text is accepted.
    fn reader_accepts_checked(text: &str, at: usize) -> bool {
        let mut r = Reader::new(text, 128);
        if !r.object() {
            return false;
        }
        r.keys_checked();
        let mut i = 0;
        loop {
            if i == at {
                r.check_keys();
            }
            if r.next_key().is_none() {
                break;
            }
            r.skip();
            i += 1;
        }
        r.finish()
    }

    #[test]
    fn reader_checked_objects_find_duplicates_once_unchecked() {
        let texts = [
            r#"{"a":1,"b":{"x":1,"y":2},"c":[{"a":1}],"a":2}"#,
            r#"{"a":1,"b":2,"c":3}"#,
            r#"{ "a" : 1 , "\u0062" : {"b":1,"b":2} }"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"é":1,"e\u0301":2,"\u00e9":3}"#,
            r#"{"k\"":1,"k\\":2,"k\"":3}"#,
            r#"{"x":"}","y":"{\"","x":[]}"#,
            r#"{}"#,
        ];
        for text in texts {
            let parsed = parse(text).is_ok();
            assert_eq!(reader_accepts(text, 8), parsed, "{text}");
            for at in 0..6 {
                let mut keys = 0;
                Reader::new(text, 8).scan_keys(|_| keys += 1);
                if at <= keys {
                    // Unchecked at any key (or at the end): exactly the parser's answer.
                    assert_eq!(reader_accepts_checked(text, at), parsed, "{text} at {at}");
                }
            }
        }
        // Left checked: the caller finds the duplicates, the reader does not compare the keys.
        let mut r = Reader::new(r#"{"a":1,"a":2}"#, 8);
        assert!(r.object());
        r.keys_checked();
        while r.next_key().is_some() {
            r.skip();
        }
        assert!(r.finish());
        // Nested objects that are not checked still record and compare their keys.
        assert!(!reader_accepts_checked(r#"{"a":{"b":1,"b":2},"c":1}"#, 9));
        assert!(reader_accepts_checked(r#"{"a":{"b":1,"c":2},"a":1}"#, 9));
    }

    #[test]
    fn reader_keys_with_whitespace_escapes_and_cuts_everywhere() {
        let text = "{\"a\":1,\"b\\u0063\":{\"\u{e9}t\u{e9}\":[\"x\",{}],\"\\\"\":null},\"c\":{\"d\":true}}";
        assert!(parse(text).is_ok() && reader_accepts(text, 8));
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for &(at, _) in &chars {
            // whitespace of every kind between any two characters (inside a string it is part of it)
            for ws in [" ", "\t", "\r\n ", "\u{a0}"] {
                let t = format!("{}{ws}{}", &text[..at], &text[at..]);
                assert_eq!(reader_accepts(&t, 8), parse(&t).is_ok(), "{t:?}");
            }
            // a control character, and the text cut there
            let t = format!("{}\u{1}{}", &text[..at], &text[at..]);
            assert_eq!(reader_accepts(&t, 8), parse(&t).is_ok(), "{t:?}");
            assert!(!reader_accepts(&text[..at], 8) && parse(&text[..at]).is_err(), "{:?}", &text[..at]);
        }
    }

    #[test]
    fn reader_first_key_only_without_escapes() {
        for (text, want) in [
            (r#"{"all":[]}"#, Some(&b"all"[..])),
            (r#"{ "a b" :1}"#, Some(&b"a b"[..])),
            (r#"{"\u0061ll":[]}"#, None),
            ("{}", None),
            ("[1]", None),
        ] {
            let r = Reader::new(text, 8);
            assert_eq!(r.first_key(), want, "{text}");
        }
    }

    #[test]
    fn reader_scan_keys_does_not_move() {
        let text = r#"{"a":{"x":[1,{"y":2}],"b":"s"},"c":true}"#;
        let mut r = Reader::new(text, 8);
        assert!(r.object());
        assert_eq!(r.next_key().as_deref(), Some("a"));
        let mut keys = Vec::new();
        r.scan_keys(|k| keys.push(k.to_string()));
        assert_eq!(keys, ["x", "b"]);
        assert_eq!(r.first_key(), Some(&b"x"[..]));
        assert_eq!(r.peek(), Peek::Object);
        r.skip();
        assert_eq!(r.next_key().as_deref(), Some("c"));
        assert_eq!(r.boolean(), Some(true));
        assert_eq!(r.next_key(), None);
        assert!(r.finish());
    }
}
