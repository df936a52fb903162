//! Operators (spec §4, §9): compiling an operator with its operands, and testing an attribute.
//!
//! Compilation checks operands by type (string operators take strings, numeric operators numbers,
//! semver operators versions, ...) and parses them once: regexes are compiled with a linear-time
//! engine (`regex-lite`, through [`crate::regex`]: in the wasm runtime a module loaded on demand), versions
//! and CIDR blocks parsed (through `crate::rare`: in the wasm runtime by the same module), instants parsed,
//! string sets hashed. Matching then
//! does no parsing of operands and no allocation, except to lower-case a long or non-ASCII attribute
//! under `ignoreCase`.
//!
//! Rules of meaning, held by [`Matcher::test`]:
//! - a missing (or null) attribute makes every operator false except `missing`;
//! - an attribute of the wrong type makes an operator false, never an error;
//! - an array attribute satisfies a scalar operator when any element does; `neq`/`not_in` hold on an
//!   array when no element equals; a `null` element matches nothing.

use crate::context::Attr;
use crate::error::{Path, Problems};
use crate::json::Value;
use crate::limits::Limits;
use crate::number::parse_json_number;
use crate::set::StrIndex;
use crate::time;
use crate::rare::{Set, SetOp};
use crate::regex::{Regex, RegexError};

/// A regular expression's compiled program may take this many times `Limits::max_regex_bytes` (64 KiB by
/// default: every 1 KiB pattern without counted repetitions fits; `(?:a{100}){100}` does not).
pub const REGEX_PROGRAM_FACTOR: usize = 64;

/// The load problem of a `matches` condition in a wasm runtime whose regular-expression module is not
/// loaded (browsers and workers load it with `initRegex()`; the client does before a snapshot that uses it).
pub(crate) const REGEX_UNAVAILABLE: &str =
    "`matches` needs edgeflag's regular-expression module, which is not loaded: call initRegex() first";

/// The load problem of a `semver_*` or `in_cidr` condition in a wasm runtime whose operators module (the
/// regular-expression module, which also has them) is not loaded: as [`REGEX_UNAVAILABLE`].
pub(crate) const OPERATORS_UNAVAILABLE: &str =
    "`semver_*` and `in_cidr` need edgeflag's operators module (regex.wasm), which is not loaded: call initRegex() first";

/// Compiles `pattern` within the smallest program size of 256 bytes × 2^k, or `cap`, and returns that size
/// (an upper bound of the program's, within a factor of 2), which is charged to the budget. Ordinary
/// patterns take 256 bytes to 2 KiB; a failed attempt stops as soon as it passes its size, so the
/// attempts cost at most twice the last one.
fn compile_regex(pattern: &str, ignore_case: bool, cap: usize) -> Result<(Regex, usize), RegexError> {
    let mut size: usize = 256;
    loop {
        let limit = size.min(cap);
        match Regex::new(pattern, ignore_case, limit) {
            Ok(r) => return Ok((r, limit)),
            Err(RegexError::Invalid(e)) if limit < cap && crate::substring::contains(&e, "size limit") => size = size.saturating_mul(2),
            Err(e) => return Err(e),
        }
    }
}

/// Every operator of spec §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    Eq,
    Neq,
    In,
    NotIn,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
    Lt,
    Lte,
    Gt,
    Gte,
    SemverEq,
    SemverLt,
    SemverLte,
    SemverGt,
    SemverGte,
    Before,
    After,
    Exists,
    Missing,
    ContainsAll,
    InCidr,
}

const OPS: [(&str, Op); 23] = [
    ("eq", Op::Eq),
    ("neq", Op::Neq),
    ("in", Op::In),
    ("not_in", Op::NotIn),
    ("starts_with", Op::StartsWith),
    ("ends_with", Op::EndsWith),
    ("contains", Op::Contains),
    ("matches", Op::Matches),
    ("lt", Op::Lt),
    ("lte", Op::Lte),
    ("gt", Op::Gt),
    ("gte", Op::Gte),
    ("semver_eq", Op::SemverEq),
    ("semver_lt", Op::SemverLt),
    ("semver_lte", Op::SemverLte),
    ("semver_gt", Op::SemverGt),
    ("semver_gte", Op::SemverGte),
    ("before", Op::Before),
    ("after", Op::After),
    ("exists", Op::Exists),
    ("missing", Op::Missing),
    ("contains_all", Op::ContainsAll),
    ("in_cidr", Op::InCidr),
];

impl Op {
    /// The operator named `s`.
    pub fn parse(s: &str) -> Option<Op> {
        // (`eq_short`: `==` on `&str` is a call per name in the wasm build, at opt-level "z")
        OPS.iter().find(|(n, _)| crate::bytes::eq_short(n.as_bytes(), s.as_bytes())).map(|(_, o)| *o)
    }

    /// Its name in the format.
    pub fn as_str(self) -> &'static str {
        OPS.iter().find(|(_, o)| *o == self).map(|(n, _)| *n).unwrap_or("?")
    }

    /// Whether `ignoreCase` changes this operator.
    pub fn compares_strings(self) -> bool {
        matches!(
            self,
            Op::Eq | Op::Neq | Op::In | Op::NotIn | Op::StartsWith | Op::EndsWith | Op::Contains | Op::Matches | Op::ContainsAll
        )
    }
}

/// A set of string operands: linear for a few, hashed for many.
///
/// Invariant of `Few`: every operand of at most 7 bytes is in `short` as its [`short_word`](crate::bytes::short_word), every
/// longer one in `long`; a word holds the length in its top byte, so two words are equal exactly when
/// the strings are (the scan is one integer comparison per operand). The words are [`Operands`] (one
/// inline, more in one allocation), the long strings a boxed slice of exactly their number; the rare
/// hashed set is boxed so that the common case keeps `Matcher` small.
#[derive(Debug)]
enum StrSet {
    Few { short: Operands<Word>, long: Box<[Box<str>]> },
    Many(Box<StrIndex>),
}

/// Builds a [`StrSet`] from `n` operands given one by one, without a copy of the short ones.
struct StrSetBuilder {
    short: Collect<Word>,
    long: Vec<Box<str>>,
    /// More than 16 operands: all of them, for the hashed set.
    many: Option<StrIndex>,
}

impl StrSetBuilder {
    /// A builder for `n` operands.
    fn new(n: usize) -> Self {
        // A linear scan over a few short strings beats hashing the attribute.
        if n <= 16 {
            StrSetBuilder { short: Collect::new(n), long: Vec::new(), many: None }
        } else {
            StrSetBuilder { short: Collect::new(0), long: Vec::new(), many: Some(StrIndex::default()) }
        }
    }

    fn push(&mut self, x: &str) {
        if let Some(all) = &mut self.many {
            all.get_or_insert(x, 0);
        } else {
            match crate::bytes::short_word(x.as_bytes()) {
                Some(w) => self.short.push(Word(w)),
                None => self.long.push(x.into()),
            }
        }
    }

    fn finish(self) -> StrSet {
        match self.many {
            Some(all) => StrSet::Many(Box::new(all)),
            None => StrSet::Few { short: self.short.finish(), long: self.long.into_boxed_slice() },
        }
    }
}

impl StrSet {
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline)]
    #[cfg_attr(edgeflag_unstable, optimize(speed))]
    fn contains(&self, s: &str) -> bool {
        match self {
            StrSet::Few { short, long } => match crate::bytes::short_word(s.as_bytes()) {
                Some(w) => short.contains(&Word(w)),
                None => long.iter().any(|x| crate::bytes::str_eq(x, s)),
            },
            StrSet::Many(i) => i.contains(s),
        }
    }
    /// Operands compared one by one (a hashed set costs one lookup).
    fn scan_len(&self) -> usize {
        match self {
            StrSet::Few { short, long } => short.len() + long.len(),
            StrSet::Many(_) => 1,
        }
    }
}

/// A `u64` (a short string's [`short_word`](crate::bytes::short_word), or a number's bits) aligned to
/// 4 bytes: in wasm32, where a `u64` is aligned to 8, it keeps [`Matcher`] aligned to 4 and without
/// padding around its inline operands (56 -> 40 bytes). Read by value (`w.0`), never by reference.
/// Natively a plain `u64`, so that `[u64]::contains` keeps its chunked scan (a newtype takes ~5 % more
/// instructions per S2 evaluation).
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
struct Word(u64);
#[cfg(not(target_arch = "wasm32"))]
type Word = u64;

/// The `Word` of `x`.
#[cfg(not(target_arch = "wasm32"))]
#[allow(non_snake_case)]
#[inline(always)]
const fn Word(x: u64) -> Word {
    x
}

/// The `u64` of a [`Word`].
#[inline(always)]
fn bits(w: &Word) -> u64 {
    #[cfg(target_arch = "wasm32")]
    return w.0;
    #[cfg(not(target_arch = "wasm32"))]
    return *w;
}

// Sizes held (a plan holds one `Matcher` per condition leaf: S3 has 3,169): in wasm32 checked at compile
// time, natively by the test `sizes`.
#[cfg(target_arch = "wasm32")]
const _: () = {
    assert!(core::mem::size_of::<Matcher>() == 40);
    assert!(core::mem::align_of::<Matcher>() == 4);
};

/// Operands of one type: a single one inline (the common case allocates nothing), more in a boxed slice
/// of exactly their number.
#[derive(Debug)]
enum Operands<T> {
    One(T),
    Many(Box<[T]>),
}

impl<T> Operands<T> {
    #[inline]
    fn as_slice(&self) -> &[T] {
        match self {
            Operands::One(x) => core::slice::from_ref(x),
            Operands::Many(v) => v,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }
}

impl<T: PartialEq> Operands<T> {
    /// Whether `x` is one of them.
    #[inline]
    fn contains(&self, x: &T) -> bool {
        match self {
            Operands::One(a) => a == x,
            Operands::Many(v) => v.contains(x),
        }
    }
}

/// Collects [`Operands`]: the first is kept aside until a second comes, so that one operand allocates
/// nothing; `n` (the expected number) sizes the list of several.
struct Collect<T> {
    first: Option<T>,
    rest: Vec<T>,
    n: usize,
}

impl<T> Collect<T> {
    fn new(n: usize) -> Self {
        Collect { first: None, rest: Vec::new(), n }
    }

    fn push(&mut self, x: T) {
        if self.rest.is_empty() && self.first.is_none() {
            self.first = Some(x);
            return;
        }
        if let Some(f) = self.first.take() {
            // `rest` is empty while `first` is kept: a new list (no `reserve_exact`, whose growth
            // code the wasm build would carry for this call alone)
            self.rest = Vec::with_capacity(self.n.max(2));
            self.rest.push(f);
        }
        self.rest.push(x);
    }

    fn finish(self) -> Operands<T> {
        match self.first {
            Some(x) => Operands::One(x),
            None => Operands::Many(self.rest.into_boxed_slice()),
        }
    }
}

/// Scalars an equality operator compares with.
#[derive(Debug)]
struct Scalars {
    strs: StrSet,
    /// The numbers, as their bits (`f64::to_bits`; one `Operands` type for words and numbers).
    nums: Operands<Word>,
    has_true: bool,
    has_false: bool,
}

impl Scalars {
    /// `Some(equal to any)` when `a` is a type this operator compares, else `None`.
    #[inline]
    fn equals(&self, a: &Attr<'_>, ignore_case: bool, allow_bool: bool) -> Option<bool> {
        match *a {
            Attr::String(s) => Some(if ignore_case { with_lower(s, &|l| self.strs.contains(l)) } else { self.strs.contains(s) }),
            Attr::Number { value, .. } => Some(self.nums.as_slice().iter().any(|n| f64::from_bits(bits(n)) == value)),
            Attr::Bool(b) if allow_bool => Some(if b { self.has_true } else { self.has_false }),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrKind {
    StartsWith,
    EndsWith,
    Contains,
}

/// A compiled operator with its operands.
#[derive(Debug)]
pub struct Matcher {
    op: Op,
    ignore_case: bool,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Presence,
    Equality(Scalars),
    Strings(StrKind, Box<[Box<str>]>),
    /// The regexes, and the compiled size charged for them (see `compile_regex`).
    Regex(Box<[Regex]>, usize),
    /// The operands as their bits (`f64::to_bits`).
    Numeric(Operands<Word>),
    /// The versions (in the wasm runtime, held by the operators module).
    Semver(Set),
    Time(Box<[i64]>),
    ContainsAll(Box<[Box<str>]>, Box<[f64]>),
    /// The blocks (in the wasm runtime, held by the operators module).
    Cidr(Set),
}

/// Lower-cases `s` (Unicode) and hands it to `f`, without allocating for short ASCII strings. (Out of
/// line, `f` a `dyn`: one copy of the buffer's code for the `ignoreCase` tests, which were three.)
#[inline(never)]
pub(crate) fn with_lower(s: &str, f: &dyn Fn(&str) -> bool) -> bool {
    if s.len() <= 128 && crate::bytes::is_ascii(s.as_bytes()) {
        let mut buf = [0u8; 128];
        let b = &mut buf[..s.len()];
        b.copy_from_slice(s.as_bytes());
        b.make_ascii_lowercase();
        match crate::bytes::utf8(b) {
            Some(l) => f(l),
            None => f(&crate::host::to_lowercase(s)),
        }
    } else {
        f(&crate::host::to_lowercase(s))
    }
}

/// Milliseconds of an instant attribute or operand: RFC 3339 text, or a number of milliseconds
/// (digits below the millisecond dropped, i.e. floored in time).
fn instant_of(a: &Attr<'_>) -> Option<i64> {
    match *a {
        Attr::String(s) => time::parse_rfc3339_ms(s),
        Attr::Number { value, .. } if value.is_finite() => Some(value.floor() as i64),
        _ => None,
    }
}

fn number_of(a: &Attr<'_>) -> Option<f64> {
    match *a {
        Attr::Number { value, .. } => Some(value),
        Attr::String(s) => parse_json_number(s),
        _ => None,
    }
}

impl Matcher {
    /// What one test costs, in evaluation steps (`Limits::max_evaluation_steps`): 1, plus each operand
    /// compared one by one (hashed string sets cost one lookup), plus the regexes' compiled size in bytes
    /// (matching costs up to the program's size times the attribute's length: with attributes of a few
    /// hundred bytes the costliest programs take ~70 ns per byte, the ordinary ones ~5 ns).
    pub(crate) fn work(&self) -> u64 {
        let n = match &self.kind {
            Kind::Presence => 0,
            Kind::Equality(s) => s.nums.len() + s.strs.scan_len(),
            Kind::Strings(_, v) => v.len(),
            Kind::Regex(_, bytes) => *bytes,
            Kind::Numeric(v) => v.len(),
            Kind::Semver(v) | Kind::Cidr(v) => v.len(),
            Kind::Time(v) => v.len(),
            Kind::ContainsAll(s, n) => s.len() + n.len(),
        };
        1 + n as u64
    }

    /// The operator.
    pub fn op(&self) -> Op {
        self.op
    }

    /// Tests the attribute. Never panics; a wrong type is `false`. Natively always inlined: the common
    /// case is a few instructions, fewer than a call (the size-optimised wasm build keeps one copy).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline)]
    #[cfg_attr(edgeflag_unstable, optimize(speed))]
    pub fn test(&self, a: &Attr<'_>) -> bool {
        // The common case first: a string attribute against string operands, case-sensitive.
        if let (Kind::Equality(s), Attr::String(x)) = (&self.kind, a) {
            if !self.ignore_case {
                let eq = s.strs.contains(x);
                return eq != matches!(self.op, Op::Neq | Op::NotIn);
            }
        }
        self.test_general(a)
    }

    /// Whether [`Matcher::test_short`] decides (case-sensitive equality against a linear set).
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    pub(crate) fn takes_short(&self) -> bool {
        matches!((&self.kind, self.ignore_case), (Kind::Equality(s), false) if matches!(s.strs, StrSet::Few { .. }))
    }

    /// [`Matcher::test`] of a string attribute of at most 7 bytes given as its
    /// [`short_word`](crate::bytes::short_word) `w` (never `u64::MAX`), when this matcher compares
    /// short strings by word (case-sensitive equality against a linear set); `None` otherwise (then
    /// call [`Matcher::test`]).
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    pub(crate) fn test_short(&self, w: u64) -> Option<bool> {
        if !self.takes_short() {
            return None;
        }
        match (&self.kind, self.ignore_case) {
            (Kind::Equality(s), false) => match &s.strs {
                StrSet::Few { short, .. } => Some(short.contains(&Word(w)) != matches!(self.op, Op::Neq | Op::NotIn)),
                StrSet::Many(_) => None,
            },
            _ => None,
        }
    }

    fn test_general(&self, a: &Attr<'_>) -> bool {
        match self.op {
            Op::Exists => return a.is_present(),
            Op::Missing => return !a.is_present(),
            _ => {}
        }
        match a {
            Attr::Missing => false,
            Attr::Array(arr) => match self.op {
                Op::Neq | Op::NotIn => {
                    let Kind::Equality(s) = &self.kind else { return false };
                    let allow_bool = self.op == Op::Neq;
                    !arr.iter().any(|e| s.equals(&e, self.ignore_case, allow_bool) == Some(true))
                }
                Op::ContainsAll => self.contains_all(a),
                _ => arr.iter().any(|e| self.test_scalar(&e)),
            },
            _ => self.test_scalar(a),
        }
    }

    fn contains_all(&self, a: &Attr<'_>) -> bool {
        let (Kind::ContainsAll(strs, nums), Attr::Array(arr)) = (&self.kind, a) else { return false };
        // (plain loops: the closures and `any` over the array were code of their own in the wasm build)
        for want in strs.iter() {
            let mut found = false;
            for e in arr.iter() {
                found = match e {
                    Attr::String(s) if self.ignore_case => with_lower(s, &|l| l == &**want),
                    Attr::String(s) => s == &**want,
                    _ => false,
                };
                if found {
                    break;
                }
            }
            if !found {
                return false;
            }
        }
        for want in nums.iter() {
            let mut found = false;
            for e in arr.iter() {
                if matches!(e, Attr::Number { value, .. } if value == *want) {
                    found = true;
                    break;
                }
            }
            if !found {
                return false;
            }
        }
        true
    }

    /// Tests a non-array value (an attribute, or one element of an array attribute).
    fn test_scalar(&self, a: &Attr<'_>) -> bool {
        if matches!(a, Attr::Missing | Attr::Array(_)) {
            return false;
        }
        match &self.kind {
            Kind::Presence => a.is_present(),
            Kind::Equality(s) => {
                let allow_bool = matches!(self.op, Op::Eq | Op::Neq);
                match (self.op, s.equals(a, self.ignore_case, allow_bool)) {
                    (_, None) => false,
                    (Op::Neq | Op::NotIn, Some(eq)) => !eq,
                    (_, Some(eq)) => eq,
                }
            }
            Kind::Strings(kind, ops) => {
                let Attr::String(s) = *a else { return false };
                let test = |s: &str| {
                    ops.iter().any(|o| match kind {
                        StrKind::StartsWith => s.starts_with(&**o),
                        StrKind::EndsWith => s.ends_with(&**o),
                        StrKind::Contains => crate::substring::contains(s, o),
                    })
                };
                if self.ignore_case {
                    with_lower(s, &test)
                } else {
                    test(s)
                }
            }
            Kind::Regex(res, _) => {
                let Attr::String(s) = *a else { return false };
                res.iter().any(|r| r.is_match(s))
            }
            Kind::Numeric(ops) => {
                let Some(x) = number_of(a) else { return false };
                // (a plain loop: `map(..).any(..)` is a `try_fold` of its own, out of line, in the wasm build)
                for o in ops.as_slice() {
                    let o = f64::from_bits(bits(o));
                    let hit = match self.op {
                        Op::Lt => x < o,
                        Op::Lte => x <= o,
                        Op::Gt => x > o,
                        _ => x >= o,
                    };
                    if hit {
                        return true;
                    }
                }
                false
            }
            Kind::Semver(set) | Kind::Cidr(set) => {
                let Attr::String(s) = *a else { return false };
                set.test(s) == Some(true)
            }
            Kind::Time(ops) => {
                let Some(t) = instant_of(a) else { return false };
                ops.iter().any(|o| if self.op == Op::Before { t < *o } else { t > *o })
            }
            Kind::ContainsAll(..) => false,
        }
    }

    /// Why `test` gave its answer, in a few words, for explain traces.
    pub fn why(&self, a: &Attr<'_>, result: bool) -> &'static str {
        match (a, self.op) {
            (_, Op::Exists) | (_, Op::Missing) => {
                if a.is_present() {
                    "attribute present"
                } else {
                    "attribute missing"
                }
            }
            (Attr::Missing, _) => "attribute missing: every operator but `missing` is false",
            (Attr::Array(_), _) if result => "an array element matched",
            (Attr::Array(_), Op::Neq | Op::NotIn) => "an array element equals an operand",
            (Attr::Array(_), Op::ContainsAll) => "the array lacks an operand",
            (Attr::Array(_), _) => "no array element matched",
            (Attr::Other, _) => "wrong type: an object",
            _ if result => "matched",
            _ => match (&self.kind, a) {
                (Kind::Numeric(_), _) if number_of(a).is_none() => "wrong type: not a number",
                (Kind::Semver(set), Attr::String(s)) if set.test(s).is_none() => "not a version",
                (Kind::Time(_), _) if instant_of(a).is_none() => "not an RFC 3339 date-time or milliseconds",
                (Kind::Cidr(set), Attr::String(s)) if set.test(s).is_none() => "not an IP address",
                (Kind::Equality(_), Attr::Bool(_)) if matches!(self.op, Op::In | Op::NotIn) => "wrong type: a boolean",
                (Kind::ContainsAll(..), _) => "wrong type: not an array",
                (Kind::Strings(..) | Kind::Regex(..) | Kind::Semver(_) | Kind::Cidr(_), a) if !matches!(a, Attr::String(_)) => {
                    "wrong type: not a string"
                }
                _ => "did not match",
            },
        }
    }
}

/// Where operand `i` of a condition is: `value` (`None`) or `values[i]`.
#[derive(Clone, Copy)]
struct At<'p>(&'p Path<'p>, Option<usize>);

impl crate::error::Where for At<'_> {
    fn into_text(self) -> String {
        match self.1 {
            None => self.0.key("value").text(),
            Some(i) => self.0.key("values").index(i).text(),
        }
    }
}

fn operand_kind_error(v: &Value<'_>, want: &str, op: Op, path: At<'_>, p: &mut Problems) {
    p.error(path, crate::message::why!("`", op.as_str(), "` takes ", want, ", not ", v.type_name()));
}

/// The matcher of operator `$op` (of a common form, [`common_strings`] `$strings`) with operand words `$ws`
/// (`&[Word]`): [`compile_common`]'s, and [`CommonWords::matcher`]'s. A macro, not a function: the size build's
/// `Compiler::leaf`, into which `compile_common` is inlined, compiled to other bytes with an inlined function
/// here (48 B more of gzip), and the same bytes with this.
macro_rules! common_matcher {
    ($op:expr, $strings:expr, $ws:expr) => {{
        let ws: &[Word] = $ws;
        let words = match ws {
            [w] => Operands::One(*w),
            _ => Operands::Many(Box::from(ws)),
        };
        let kind = if $strings {
            let strs = StrSet::Few { short: words, long: Box::default() };
            Kind::Equality(Scalars { strs, nums: Operands::Many(Box::default()), has_true: false, has_false: false })
        } else {
            Kind::Numeric(words)
        };
        Matcher { op: $op, ignore_case: false, kind }
    }};
}

/// The matcher of a condition that [`compile`] would compile without a problem, built as it would
/// build it, when the condition is a common one, with up to 16 operands: `eq`, `neq`, `in` or
/// `not_in` without `ignoreCase` on strings of at most 7 bytes (their [`short_word`](crate::bytes::short_word)s),
/// or `lt`, `lte`, `gt` or `gte` on numbers; `None` for any other (nothing is reported here), which
/// [`compile`] then compiles from the start. A load runs this once per condition: it is kept small for
/// the wasm engine's optimising compiler (docs/ARCHITECTURE.md, "Cold start"), everything rare is in
/// [`compile`].
#[inline(always)]
pub(crate) fn compile_common<'v>(op_name: &str, value: Option<&'v Value<'v>>, values: Option<&'v [Value<'v>]>, ignore_case: bool) -> Option<Matcher> {
    let op = Op::parse(op_name)?;
    let list: &'v [Value<'v>] = match (value, values) {
        (Some(v), None) => core::slice::from_ref(v),
        (None, Some(vs)) => vs,
        _ => return None,
    };
    let strings = match op {
        Op::Eq | Op::Neq | Op::In | Op::NotIn => true,
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => false,
        _ => return None,
    };
    if (strings && ignore_case) || list.len() > 16 {
        return None;
    }
    // The words on the stack first, then one allocation of exactly their number (as `Collect` gives):
    // one loop for both kinds, and nothing to free on the way out. (A plain loop over the slice: an
    // iterator adaptor's `next` is a call per operand in the wasm build.)
    // The array is not zeroed first: only the words written are read. (Zeroing its 16 words was a loop
    // of 16 stores per condition in the wasm build, a third of this function's time in baseline code.)
    let mut words = [core::mem::MaybeUninit::<Word>::uninit(); 16];
    let mut i = 0;
    for v in list {
        let w = match v {
            Value::String(x) if strings => crate::bytes::short_word(crate::json::text(x).as_bytes())?,
            Value::Number(n) if !strings => n.as_f64().to_bits(),
            _ => return None,
        };
        // (`list` has at most 16 operands: never `None`.)
        let slot = words.get_mut(i)?;
        slot.write(Word(w));
        i += 1;
    }
    // SAFETY: `words[..i]` were written by the loop above, `i <= 16` (each write was in bounds), and
    // `MaybeUninit<Word>` has `Word`'s layout, so these are `i` initialised words.
    #[allow(unsafe_code)]
    let ws: &[Word] = unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<Word>(), i) };
    Some(common_matcher!(op, strings, ws))
}


/// Whether the operands of `op`'s common form ([`compile_common`]) are strings (`eq`, `neq`, `in`, `not_in`:
/// `Some(true)`) or numbers (`lt`, `lte`, `gt`, `gte`: `Some(false)`); `None` for another operator.
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[inline(always)]
pub(crate) fn common_strings(op: Op) -> Option<bool> {
    match op {
        Op::Eq | Op::Neq | Op::In | Op::NotIn => Some(true),
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => Some(false),
        _ => None,
    }
}

/// The word of a string operand of a common condition: its [`short_word`](crate::bytes::short_word), `None`
/// when it is longer than 7 bytes (then not a common condition).
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[inline(always)]
pub(crate) fn string_word(s: &str) -> Option<u64> {
    crate::bytes::short_word(s.as_bytes())
}

/// The word of a number operand of a common condition: its value's bits.
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
#[inline(always)]
pub(crate) fn number_word(n: &crate::json::Number<'_>) -> u64 {
    n.as_f64().to_bits()
}

/// The operands' words of a common condition, gathered on the stack by the one-pass load's direct reader,
/// which reads an operand array straight into them, then made into the matcher [`compile_common`] makes of
/// the same operands (through `common_matcher!`).
#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
pub(crate) struct CommonWords {
    /// Not zeroed first: only the words written are read (as in `compile_common`).
    words: [core::mem::MaybeUninit<Word>; CommonWords::MOST],
    /// Invariant: `words[..len]` are written, `len <= MOST`.
    len: usize,
}

#[cfg(any(edgeflag_speed, not(target_arch = "wasm32")))]
impl CommonWords {
    /// The most operands of a common condition (more are hashed, by [`compile`]).
    pub(crate) const MOST: usize = 16;

    /// No words yet.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        CommonWords { words: [core::mem::MaybeUninit::uninit(); Self::MOST], len: 0 }
    }

    /// Adds an operand's word; `None` when there are [`CommonWords::MOST`] already.
    #[inline(always)]
    pub(crate) fn push(&mut self, w: u64) -> Option<()> {
        self.words.get_mut(self.len)?.write(Word(w));
        self.len += 1;
        Some(())
    }

    /// Forgets the words.
    #[inline(always)]
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// The matcher of operator `op` (of a common form, [`common_strings`] `strings`) with these operands.
    #[inline(always)]
    pub(crate) fn matcher(&self, op: Op, strings: bool) -> Matcher {
        // SAFETY: `words[..len]` were written by `push` (the invariant: `len` only grows by a write, and
        // `len <= MOST`), and `MaybeUninit<Word>` has `Word`'s layout, so these are `len` initialised words.
        #[allow(unsafe_code)]
        let ws: &[Word] = unsafe { core::slice::from_raw_parts(self.words.as_ptr().cast::<Word>(), self.len.min(Self::MOST)) };
        common_matcher!(op, strings, ws)
    }
}

/// Compiles `op` with its operands. Reports problems at `path` (the condition's path) and returns
/// `None` when the condition cannot be compiled. Any condition; out of line and cold: a load tries
/// [`compile_common`] first.
#[allow(clippy::too_many_arguments)]
#[cold]
#[inline(never)]
pub(crate) fn compile<'v>(
    op_name: &str,
    value: Option<&'v Value<'v>>,
    values: Option<&'v [Value<'v>]>,
    ignore_case: bool,
    limits: &Limits,
    regex_budget: &mut usize,
    path: &Path<'_>,
    p: &mut Problems,
) -> Option<Matcher> {
    let Some(op) = Op::parse(op_name) else {
        p.error(path.key("op"), crate::message::why!("unknown operator \"", op_name, "\""));
        return None;
    };
    let before = p.list.len();
    if let (Some(_), Some(_)) = (value, values) {
        p.error(path.key("values"), "give either \"value\" or \"values\", not both");
        return None;
    }
    if matches!(op, Op::Exists | Op::Missing) {
        if value.is_some() {
            p.error(path.key("value"), crate::message::why!("`", op.as_str(), "` takes no operand"));
        }
        if values.is_some() {
            p.error(path.key("values"), crate::message::why!("`", op.as_str(), "` takes no operand"));
        }
        return (p.list.len() == before).then_some(Matcher { op, ignore_case, kind: Kind::Presence });
    }
    let (one, many): (Option<&'v Value<'v>>, &'v [Value<'v>]) = match (value, values) {
        (Some(v), None) => (Some(v), &[]),
        (None, Some(vs)) => (None, vs),
        _ => {
            p.error(path.key("value"), crate::message::why!("`", op.as_str(), "` needs an operand: \"value\" or \"values\""));
            return None;
        }
    };
    let ic = ignore_case && op.compares_strings();
    // Every list below is sized to its operands before it is filled (exact boxed slices, no regrowth).
    let n = one.is_some() as usize + many.len();
    let kind = match op {
        Op::Eq | Op::Neq | Op::In | Op::NotIn => {
            let allow_bool = matches!(op, Op::Eq | Op::Neq);
            // (plain loops over the slice here: the iterator's `next` is a call per operand in
            // the wasm build)
            let list = operand_list(one, many);
            let (mut strings, mut numbers) = (0, 0);
            for v in list {
                match v {
                    Value::String(_) => strings += 1,
                    Value::Number(_) => numbers += 1,
                    _ => {}
                }
            }
            let mut strs = StrSetBuilder::new(strings);
            let mut nums = Collect::new(numbers);
            let (mut has_true, mut has_false) = (false, false);
            let mut i = 0;
            #[allow(clippy::explicit_counter_loop)] // (`enumerate`'s `next`: a call in the wasm build)
            for v in list {
                let vp = At(path, one.is_none().then_some(i));
                i += 1;
                match v {
                    Value::String(x) if ic => strs.push(&crate::host::to_lowercase(crate::json::text(x))),
                    Value::String(x) => strs.push(crate::json::text(x)),
                    Value::Number(n) => nums.push(Word(n.as_f64().to_bits())),
                    Value::Bool(b) if allow_bool => {
                        if *b {
                            has_true = true
                        } else {
                            has_false = true
                        }
                    }
                    _ => operand_kind_error(v, if allow_bool { "strings, numbers or booleans" } else { "strings or numbers" }, op, vp, p),
                }
            }
            Kind::Equality(Scalars { strs: strs.finish(), nums: nums.finish(), has_true, has_false })
        }
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
            let mut v = Collect::new(n);
            let mut i = 0;
            #[allow(clippy::explicit_counter_loop)]
            for o in operand_list(one, many) {
                let op_path = At(path, one.is_none().then_some(i));
                i += 1;
                match o {
                    Value::Number(n) => v.push(Word(n.as_f64().to_bits())),
                    _ => operand_kind_error(o, "numbers", op, op_path, p),
                }
            }
            Kind::Numeric(v.finish())
        }
        // The other operators (a function of their own, inlined: this one is cold since a load tries
        // `compile_common` first; through a pointer, as when this function was hot, it cost 129 B of gzip).
        _ => compile_other(op, one, many, ignore_case, limits, regex_budget, path, p),
    };
    (p.list.len() == before).then_some(Matcher { op, ignore_case: ic, kind })
}

/// The operands with their paths (an iterator, so that compiling allocates nothing for them; one
/// function, so that [`compile`] and [`compile_other`] share its code).
fn operands_of<'v, 'p>(one: Option<&'v Value<'v>>, many: &'v [Value<'v>], path: &'p Path<'p>) -> impl Iterator<Item = (&'v Value<'v>, At<'p>)> {
    operand_list(one, many).iter().enumerate().map(move |(i, v)| (v, At(path, one.is_none().then_some(i))))
}

/// The operands as one slice: `one` or `many`, never both (refused before), without a `Chain` (not
/// inlined in the wasm build: a call per operand).
#[inline(always)]
fn operand_list<'v>(one: Option<&'v Value<'v>>, many: &'v [Value<'v>]) -> &'v [Value<'v>] {
    match one {
        Some(v) => core::slice::from_ref(v),
        None => many,
    }
}

/// The operands of the operators [`compile`] leaves to this function (strings, regexes, versions,
/// instants, `contains_all`, CIDR blocks), compiled as it would.
#[allow(clippy::too_many_arguments)]
fn compile_other<'v>(
    op: Op,
    one: Option<&'v Value<'v>>,
    many: &'v [Value<'v>],
    ignore_case: bool,
    limits: &Limits,
    regex_budget: &mut usize,
    path: &Path<'_>,
    p: &mut Problems,
) -> Kind {
    let operands = || operands_of(one, many, path);
    let ic = ignore_case && op.compares_strings();
    let n = one.is_some() as usize + many.len();
    let lower = |s: &str| -> Box<str> { lowered_owned(s, ic) };
    match op {
        Op::StartsWith | Op::EndsWith | Op::Contains => {
            let mut v = Vec::with_capacity(n);
            for (o, op_path) in operands() {
                match o {
                    Value::String(x) => v.push(lower(x)),
                    _ => operand_kind_error(o, "strings", op, op_path, p),
                }
            }
            let k = match op {
                Op::StartsWith => StrKind::StartsWith,
                Op::EndsWith => StrKind::EndsWith,
                _ => StrKind::Contains,
            };
            Kind::Strings(k, v.into_boxed_slice())
        }
        Op::Matches => {
            let mut res = Vec::with_capacity(n);
            let mut charged = 0usize;
            for (o, op_path) in operands() {
                match o {
                    Value::String(x) if x.len() > limits.max_regex_bytes => p.error(
                        op_path,
                        crate::message::why!("regular expression is ", x.len(), " bytes; the limit is ", limits.max_regex_bytes),
                    ),
                    // The compiled program is bounded too: matching costs its size times the input's length,
                    // and counted repetitions multiply it (`((a*){10}){10}){10}` is 20 bytes of pattern). Each
                    // program is charged to the snapshot's budget (`max_regex_total_bytes`).
                    Value::String(x) => match compile_regex(x, ignore_case, limits.max_regex_bytes.saturating_mul(REGEX_PROGRAM_FACTOR)) {
                        Ok((_, size)) if size > *regex_budget => p.error(
                            op_path,
                            crate::message::why!(
                                "the regular expressions of this snapshot compile to more than ",
                                limits.max_regex_total_bytes - *regex_budget + size,
                                " bytes in all (this one up to ",
                                size,
                                "); the limit is ",
                                limits.max_regex_total_bytes
                            ),
                        ),
                        Ok((r, size)) => {
                            *regex_budget -= size;
                            charged += size;
                            res.push(r);
                        }
                        Err(RegexError::Invalid(e)) if crate::substring::contains(&e, "size limit") => p.error(
                            op_path,
                            crate::message::why!(
                                "regular expression compiles to more than ",
                                limits.max_regex_bytes.saturating_mul(REGEX_PROGRAM_FACTOR),
                                " bytes (the limit is ",
                                REGEX_PROGRAM_FACTOR,
                                " times the ",
                                limits.max_regex_bytes,
                                "-byte pattern limit); counted repetitions such as {1000} multiply its size"
                            ),
                        ),
                        Err(RegexError::Invalid(e)) => p.error(op_path, crate::message::why!("invalid regular expression: ", &first_line(&e))),
                        // Once per condition, at its path: the other operands cannot be compiled either.
                        Err(RegexError::Unavailable) => {
                            p.error_kept(path, REGEX_UNAVAILABLE);
                            break;
                        }
                    },
                    _ => operand_kind_error(o, "regular expressions (strings)", op, op_path, p),
                }
            }
            Kind::Regex(res.into_boxed_slice(), charged)
        }
        Op::SemverEq | Op::SemverLt | Op::SemverLte | Op::SemverGt | Op::SemverGte | Op::InCidr => {
            let set_op = match op {
                Op::SemverEq => SetOp::SemverEq,
                Op::SemverLt => SetOp::SemverLt,
                Op::SemverLte => SetOp::SemverLte,
                Op::SemverGt => SetOp::SemverGt,
                Op::SemverGte => SetOp::SemverGte,
                _ => SetOp::InCidr,
            };
            let Some(mut set) = Set::new(set_op, n) else {
                // (the wasm runtime without the operators module) Once, at the condition's path.
                p.error_kept(path, OPERATORS_UNAVAILABLE);
                return Kind::Presence;
            };
            let cidr = set_op == SetOp::InCidr;
            for (o, op_path) in operands() {
                match o {
                    Value::String(x) if set.add(x) => {}
                    Value::String(x) if cidr => p.error(op_path, crate::message::why!("\"", x, "\" is not a CIDR block (like 10.0.0.0/8 or 2001:db8::/32)")),
                    Value::String(x) => p.error(op_path, crate::message::why!("\"", x, "\" is not a version (like 2.3.0, v2, 2.3-rc.1)")),
                    _ if cidr => operand_kind_error(o, "CIDR blocks (strings)", op, op_path, p),
                    _ => operand_kind_error(o, "version strings", op, op_path, p),
                }
            }
            if cidr {
                Kind::Cidr(set)
            } else {
                Kind::Semver(set)
            }
        }
        Op::Before | Op::After => {
            let mut v = Vec::with_capacity(n);
            for (o, op_path) in operands() {
                match o {
                    Value::String(x) => match time::parse_rfc3339_ms(x) {
                        Some(t) => v.push(t),
                        None => p.error(op_path, crate::message::why!("\"", x, "\" is not an RFC 3339 date-time")),
                    },
                    Value::Number(n) if n.as_f64().is_finite() => v.push(n.as_f64().floor() as i64),
                    _ => operand_kind_error(o, "RFC 3339 date-times or milliseconds since the epoch", op, op_path, p),
                }
            }
            Kind::Time(v.into_boxed_slice())
        }
        Op::ContainsAll => {
            let (mut s, mut n) = (Vec::with_capacity(n), Vec::new());
            for (o, op_path) in operands() {
                match o {
                    Value::String(x) => s.push(lower(x)),
                    Value::Number(x) => n.push(x.as_f64()),
                    _ => operand_kind_error(o, "strings or numbers", op, op_path, p),
                }
            }
            Kind::ContainsAll(s.into_boxed_slice(), n.into_boxed_slice())
        }
        _ => Kind::Presence,
    }
}

/// `s`, lower-cased when `ic`, as an owned string.
fn lowered_owned(s: &str, ic: bool) -> Box<str> {
    if ic {
        crate::host::to_lowercase(s).into()
    } else {
        s.into()
    }
}

/// The last non-blank line of a regex-lite error message, trimmed. Its messages are ASCII, so ASCII
/// trimming is `str::trim` here (and keeps core's Unicode trimming out of the wasm build). Lines are
/// split at `\n` by [`crate::split::split`], not `str::lines` (core's character searcher in the wasm
/// build): the same lines once trimmed (`lines` also drops a `\r` before the `\n`, which trimming does).
fn first_line(s: &str) -> String {
    crate::split::split(s, b'\n').filter(|l| !l.trim_ascii().is_empty()).last().unwrap_or(s).trim_ascii().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn first_line_is_the_last_non_blank_line_of_str_lines() {
        let reference = |s: &str| s.lines().rfind(|l| !l.trim_ascii().is_empty()).unwrap_or(s).trim_ascii().to_string();
        for s in ["", "\n", "a", "a\n", "a\r\nb\r\n", " x \n\n  \n", "regex parse error:\n    (\n    ^\nerror: unclosed group", "\r", "a\rb\n \r\n"] {
            assert_eq!(first_line(s), reference(s), "{s:?}");
        }
    }

    fn m(op: &str, operand: &str, ic: bool) -> Matcher {
        let v = json::parse(operand).unwrap();
        let mut p = Problems::default();
        let r = match &v {
            Value::Array(a) => compile(op, None, Some(a), ic, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p),
            Value::Null => compile(op, None, None, ic, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p),
            v => compile(op, Some(v), None, ic, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p),
        };
        assert!(p.list.is_empty(), "{:?}", p.list);
        r.unwrap()
    }

    fn t(m: &Matcher, attr: &str) -> bool {
        let v = json::parse(attr).unwrap().into_owned();
        let a = crate::context::attr_of_json(&v);
        m.test(&a)
    }

    /// `compile_common` takes exactly the common conditions, and builds for them what `compile` does.
    #[test]
    fn the_plain_path_builds_what_the_general_one_does() {
        let sixteen = format!("[{}]", (0..16).map(|i| format!("\"s{i}\"")).collect::<Vec<_>>().join(","));
        let seventeen = format!("[{}]", (0..17).map(|i| format!("{i}")).collect::<Vec<_>>().join(","));
        // (operator, operand: a JSON array is `values`, anything else `value`, ignoreCase, plain?)
        let cases: &[(&str, &str, bool, bool)] = &[
            ("eq", "\"pro\"", false, true),
            ("eq", "\"\"", false, true),
            ("eq", "\"abcdefg\"", false, true),
            ("eq", "\"é\\u00e9\"", false, true),
            ("neq", "[\"a\",\"b\"]", false, true),
            ("in", "[\"US\",\"CA\",\"GB\",\"DE\",\"FR\",\"JP\",\"AU\",\"BR\",\"IN\",\"MX\"]", false, true),
            ("not_in", "[]", false, true),
            ("in", &sixteen, false, true),
            ("gte", "18", false, true),
            ("gte", "18", true, true),
            ("lt", "[1,2.5,-0,1e300]", false, true),
            ("lte", "[]", false, true),
            ("gt", &seventeen, false, false),
            ("eq", "\"abcdefgh\"", false, false),
            ("eq", "\"pro\"", true, false),
            ("eq", "5", false, false),
            ("eq", "true", false, false),
            ("in", "[\"a\",5]", false, false),
            ("in", "[\"a\",\"a long operand\"]", false, false),
            ("in", &format!("[\"x\",{}", &sixteen[1..]), false, false),
            ("lt", "\"5\"", false, false),
            ("lt", "[1,\"2\"]", false, false),
            ("exists", "null", false, false),
            ("starts_with", "\"a\"", false, false),
        ];
        for &(op, operand, ic, plain) in cases {
            let v = json::parse(operand).unwrap();
            let (one, many) = match &v {
                Value::Array(a) => (None, Some(&a[..])),
                Value::Null => (None, None),
                v => (Some(v), None),
            };
            let fast = compile_common(op, one, many, ic);
            assert_eq!(fast.is_some(), plain, "{op} {operand} {ic}");
            let mut p = Problems::default();
            let general = compile(op, one, many, ic, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p);
            if let Some(fast) = fast {
                assert!(p.list.is_empty(), "{op} {operand}: {:?}", p.list);
                assert_eq!(format!("{fast:?}"), format!("{:?}", general.unwrap()), "{op} {operand} {ic}");
            }
        }
    }

    #[test]
    fn str_set_builder_keeps_every_operand() {
        let words: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let longs: Vec<String> = (0..3).map(|i| format!("a long operand {i}")).collect();
        for announced in [0, 1, 2, 5, 16, 17, 40] {
            for count in [0, 1, 2, 5, 16, 17, 40] {
                let mut b = StrSetBuilder::new(announced);
                for w in words.iter().take(count) {
                    b.push(w);
                }
                for l in &longs {
                    b.push(l);
                }
                b.push("é");
                let set = b.finish();
                for w in words.iter().take(count).chain(&longs) {
                    assert!(set.contains(w), "{w} of {count} (announced {announced})");
                }
                assert!(set.contains("é"));
                assert!(!set.contains("s40") && !set.contains("") && !set.contains("a long operand 3"));
                if announced <= 16 && count + longs.len() < 16 {
                    assert_eq!(set.scan_len(), count + longs.len() + 1);
                }
            }
        }
        let mut b = StrSetBuilder::new(1);
        b.push("x");
        assert!(matches!(b.finish(), StrSet::Few { short: Operands::One(_), .. }));
    }

    #[test]
    fn sizes() {
        // wasm32 sizes are checked at compile time (the `const` next to `Word`); natively a box is 16 bytes.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(core::mem::size_of::<Matcher>(), 64);
    }

    #[test]
    fn equality() {
        let eq = m("eq", "1", false);
        assert!(t(&eq, "1.0") && t(&eq, "1") && !t(&eq, "\"1\"") && !t(&eq, "null") && !t(&eq, "{}"));
        let neq = m("neq", "[\"a\",\"b\"]", false);
        assert!(t(&neq, "\"c\"") && !t(&neq, "\"a\"") && !t(&neq, "null") && !t(&neq, "{}") && t(&neq, "true"));
        assert!(t(&neq, "[\"c\", null]") && !t(&neq, "[\"c\",\"a\"]") && t(&neq, "[]"));
        let not_in = m("not_in", "[]", false);
        assert!(t(&not_in, "\"x\"") && !t(&not_in, "true") && !t(&not_in, "null"));
        let in_ = m("in", "[\"Ä\"]", true);
        assert!(t(&in_, "\"ä\"") && t(&in_, "\"Ä\"") && !t(&in_, "false"));
        let eqb = m("eq", "true", false);
        assert!(t(&eqb, "true") && !t(&eqb, "false") && t(&eqb, "[false, true]"));
    }

    #[test]
    fn strings_and_regex() {
        assert!(t(&m("starts_with", "\"ab\"", false), "\"abc\""));
        assert!(t(&m("ends_with", "\"ÉE\"", true), "\"cafée\""));
        let re = m("matches", "\"a$\"", false);
        assert!(t(&re, "\"ba\"") && !t(&re, "\"a\\n\"") && !t(&re, "1"));
        assert!(t(&m("matches", "\"^AB\"", true), "\"abc\""));
    }

    #[test]
    fn numbers_versions_times_cidrs() {
        let gt = m("gt", "10", false);
        assert!(t(&gt, "11") && t(&gt, "\"1e2\"") && !t(&gt, "\" 12\"") && !t(&gt, "\"0x10\"") && !t(&gt, "true"));
        let sv = m("semver_gte", "\"2.3\"", false);
        assert!(t(&sv, "\"v2.3.0\"") && t(&sv, "\"2.10\"") && !t(&sv, "\"2.3.0-rc.1\"") && !t(&sv, "\"junk\""));
        let before = m("before", "\"2026-01-01T00:00:00Z\"", false);
        assert!(t(&before, "\"2025-12-31t23:59:59z\"") && t(&before, "1000") && !t(&before, "\"2025-12-31\""));
        let cidr = m("in_cidr", "\"10.0.0.0/8\"", false);
        assert!(t(&cidr, "\"10.1.2.3\"") && !t(&cidr, "\"::ffff:10.1.2.3\"") && t(&cidr, "[\"1.1.1.1\",\"10.0.0.1\"]"));
    }

    #[test]
    fn contains_all_and_presence() {
        let ca = m("contains_all", "[\"a\", 2]", false);
        assert!(t(&ca, "[\"a\", 2.0, \"z\"]") && !t(&ca, "[\"a\"]") && !t(&ca, "\"a\""));
        assert!(t(&m("contains_all", "[]", false), "[]"));
        assert!(t(&m("exists", "null", false), "[]") && !t(&m("exists", "null", false), "null"));
        assert!(t(&m("missing", "null", false), "null"));
    }

    #[test]
    fn operand_errors() {
        let mut p = Problems::default();
        let b = json::parse("true").unwrap();
        assert!(compile("in", Some(&b), None, false, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p).is_none());
        assert_eq!(p.list[0].path, "c.value");
        let mut p = Problems::default();
        assert!(compile("inn", Some(&b), None, false, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p).is_none());
        assert_eq!(p.list[0].path, "c.op");
        let mut p = Problems::default();
        let bad = json::parse("[\"ok\", \"(\"]").unwrap();
        let Value::Array(a) = &bad else { panic!() };
        assert!(compile("matches", None, Some(a), false, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p).is_none());
        assert_eq!(p.list[0].path, "c.values[1]");
        let mut p = Problems::default();
        assert!(compile("exists", Some(&b), None, false, &Limits::default(), &mut { usize::MAX }, &Path::Root.key("c"), &mut p).is_none());
        assert_eq!(p.list[0].path, "c.value");
    }

    /// The direct reader's words (`CommonWords`, read from the text by `plan::direct`) make the matcher that
    /// `compile_common` makes of the same operands as values, for every common operator and list length.
    #[test]
    fn common_words_make_compile_commons_matcher() {
        let strings = ["DE", "FR", "日本", "", "1234567", "a\"b"];
        let numbers = [0.0, -1.5, 21.0, 1e300, -0.0, 7.0];
        for op in [Op::Eq, Op::Neq, Op::In, Op::NotIn, Op::Lt, Op::Lte, Op::Gt, Op::Gte] {
            let as_strings = common_strings(op) == Some(true);
            for n in 0..=CommonWords::MOST {
                let values: Vec<Value<'_>> = (0..n)
                    .map(|i| if as_strings { Value::String(strings[i % strings.len()].into()) } else { Value::Number(crate::json::Number::from_f64(numbers[i % numbers.len()] + i as f64).unwrap()) })
                    .collect();
                let mut words = CommonWords::new();
                for v in &values {
                    let w = match v {
                        Value::String(s) => string_word(s).unwrap(),
                        Value::Number(x) => number_word(x),
                        _ => unreachable!(),
                    };
                    words.push(w).unwrap();
                }
                let common = compile_common(op.as_str(), None, Some(&values), false).unwrap();
                assert_eq!(format!("{:?}", words.matcher(op, as_strings)), format!("{common:?}"), "{op:?} with {n} operands");
            }
            let mut full = CommonWords::new();
            for i in 0..CommonWords::MOST {
                full.push(i as u64).unwrap();
            }
            assert!(full.push(0).is_none(), "a 17th operand is not a common condition's");
        }
    }
}
