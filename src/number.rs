//! The JSON number grammar, and exact decimal arithmetic on number text.
//!
//! Everything here works on the *source text* of a number, never on a float
//! that was parsed from it, because two things in edgeflag need exactness:
//!
//! * percents (snapshot spec §5, §9): `1.005` must be exactly 1005 buckets and
//!   split percents must sum to exactly 100 in decimal arithmetic, which binary
//!   floating point cannot promise;
//! * "a string holding a number" (spec §9) follows the JSON number grammar
//!   exactly, so `" 1"`, `"1."`, `"+1"`, `"0x10"` and `"NaN"` are not numbers,
//!   even though `str::parse::<f64>` accepts some of them.
//!
//! The grammar (RFC 8259 §6) is
//!
//! ```text
//! number = [ "-" ] int [ frac ] [ exp ]
//! int    = "0" / ( digit1-9 *DIGIT )
//! frac   = "." 1*DIGIT
//! exp    = ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT
//! ```
//!
//! This module uses nothing from the rest of edgeflag, allocates nothing and
//! never panics.

use std::fmt;

/// The largest value [`decimal_thousandths`] accepts: 10^15 thousandths,
/// that is 10^12.
///
/// Percents only need 100 000 thousandths; the bound is generous so that the
/// function is useful for other exact quantities while every accepted result
/// (and any sum of up to 18 000 of them) still fits in a `u64`.
pub const MAX_THOUSANDTHS: u64 = 1_000_000_000_000_000;

/// Why the text at the start of a byte slice is not a JSON number.
///
/// Returned by [`scan_json_number`]; `offset` is relative to the start of the
/// slice that was scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the problem, counted from the start of the scanned slice.
    pub offset: usize,
    /// What is wrong.
    pub kind: ScanErrorKind,
}

/// The ways the start of a JSON number can be malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanErrorKind {
    /// The integer part is missing: nothing, or something other than a digit,
    /// at the start (or after the `-`). Covers `+1`, `.5`, `-x` and the empty
    /// input.
    ExpectedDigit,
    /// The integer part starts with `0` and goes on with another digit (`01`).
    /// `offset` points at the leading `0`.
    LeadingZero,
    /// A `.` is not followed by at least one digit (`1.`, `1.e5`).
    ExpectedFractionDigit,
    /// An `e`/`E` (and optional sign) is not followed by at least one digit
    /// (`1e`, `1e+`).
    ExpectedExponentDigit,
}

impl ScanErrorKind {
    /// What `Display` writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanErrorKind::ExpectedDigit => "expected a digit",
            ScanErrorKind::LeadingZero => "leading zeros are not allowed",
            ScanErrorKind::ExpectedFractionDigit => "expected a digit after the decimal point",
            ScanErrorKind::ExpectedExponentDigit => "expected a digit in the exponent",
        }
    }
}

impl fmt::Display for ScanErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.offset)
    }
}

impl std::error::Error for ScanError {}

/// Scans the longest JSON number at the start of `bytes` and returns its
/// length in bytes.
///
/// Scanning stops at the first byte that cannot continue the number; that byte
/// is not inspected further (the caller decides whether it is a valid
/// delimiter), so `scan_json_number(b"12,")` is `Ok(2)` and
/// `scan_json_number(b"1x")` is `Ok(1)`. An error means that no prefix of
/// `bytes` is a complete number *and* the number that was started cannot be
/// completed (`01`, `1.`, `1e+`, `-`, `+1`).
///
/// Invariant: on `Ok(n)`, `n >= 1`, `n <= bytes.len()`, and `bytes[..n]` matches
/// the grammar in the module documentation (so it is ASCII).
///
/// # Errors
///
/// A [`ScanError`] when the bytes start a number that cannot be completed, or
/// start with no number at all ([`ScanErrorKind::ExpectedDigit`] at offset 0).
pub fn scan_json_number(bytes: &[u8]) -> Result<usize, ScanError> {
    let err = |offset, kind| Err(ScanError { offset, kind });
    let mut i = usize::from(matches!(bytes.first(), Some(b'-')));
    match bytes.get(i) {
        Some(b'0') => {
            i += 1;
            if bytes.get(i).is_some_and(u8::is_ascii_digit) {
                return err(i - 1, ScanErrorKind::LeadingZero);
            }
        }
        Some(b'1'..=b'9') => i = skip_digits(bytes, i + 1),
        _ => return err(i, ScanErrorKind::ExpectedDigit),
    }
    if matches!(bytes.get(i), Some(b'.')) {
        let end = skip_digits(bytes, i + 1);
        if end == i + 1 {
            return err(end, ScanErrorKind::ExpectedFractionDigit);
        }
        i = end;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        let end = skip_digits(bytes, i);
        if end == i {
            return err(end, ScanErrorKind::ExpectedExponentDigit);
        }
        i = end;
    }
    Ok(i)
}

/// Returns the index of the first byte at or after `i` that is not an ASCII
/// digit (or `bytes.len()`).
#[inline]
fn skip_digits(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Whether every byte of `bytes` is an ASCII digit (true for none): [`skip_digits`]' loop, inlined
/// (`iter().all(..)` is a fold of its own, out of line, in the wasm build).
#[inline]
pub(crate) fn all_digits(bytes: &[u8]) -> bool {
    skip_digits(bytes, 0) == bytes.len()
}

/// Reports whether `s` is exactly one JSON number:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, nothing before or after
/// it (no whitespace, no `+`).
pub fn is_json_number(s: &str) -> bool {
    scan_json_number(s.as_bytes()) == Ok(s.len())
}

/// Parses `s` as a JSON number into the nearest `f64`.
///
/// Returns `None` unless [`is_json_number`] holds. The result is correctly
/// rounded (it is `str::parse::<f64>`, applied only after the grammar check);
/// a magnitude too large for `f64` gives an infinity, one too small gives a
/// zero of the same sign (`-0` is `-0.0`). This is the spec's "string holding
/// a number" (§9).
pub fn parse_json_number(s: &str) -> Option<f64> {
    if is_json_number(s) {
        Some(json_number_to_f64(s))
    } else {
        None
    }
}

/// The nearest `f64` to the value of `text`, which must match the JSON number
/// grammar (checked by the caller, e.g. [`crate::json::Number`]'s invariant).
///
/// Correctly rounded, bit for bit what `str::parse::<f64>` gives: too large a
/// magnitude is ±infinity, too small ±0, `-0` is `-0.0`. Most numbers of real
/// snapshots take [`fast_f64`] (pure Rust, exact); the rest go to
/// `str::parse::<f64>` natively and to the JavaScript host's `Number(text)` in
/// the WebAssembly build, which leaves core's float parser (and its 10 KB
/// table of powers of five) out of the `.wasm`. Text outside the grammar gives
/// NaN natively (never a panic) and whatever `Number` says in wasm.
pub fn json_number_to_f64(text: &str) -> f64 {
    if let Some(x) = short_integer(text.as_bytes()) {
        return x;
    }
    match fast_f64(text.as_bytes()) {
        Some(x) => x,
        None => crate::host::parse_f64(text),
    }
}

/// The value of a JSON integer of at most 15 digits (`-` allowed), exact as an `f64`; `None` for any
/// other text. The numbers of real snapshots (`"value": 21`, `"percent": 30`) take this short loop
/// before [`fast_f64`], whose longer code then stays cold in a load (in the wasm build, a function run
/// per number in a first load is recompiled by V8's optimising compiler once its code grows hot).
/// `-0` is `-0.0`, as `str::parse::<f64>` gives.
fn short_integer(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0'); // below 10^15: no overflow
    }
    let x = n as f64; // exact: n < 10^15 < 2^53
    Some(if negative { -x } else { x })
}

/// 10^`n` as a double for `n` ≤ 22, exactly (each of 10^0 … 10^22 is exactly representable, so each
/// product of the loop is exact), else `None`. A loop rather than a table of the 23 doubles (184 B of
/// data in the wasm build, which compress badly): it runs once per number that is not a short integer.
fn pow10_f64(n: u64) -> Option<f64> {
    if n > 22 {
        return None;
    }
    let mut p = 1.0;
    for _ in 0..n {
        p *= 10.0;
    }
    Some(p)
}

/// Clinger's fast path: the nearest `f64` to a JSON number `bytes`, when it
/// can be computed with one exact operation, else `None`.
///
/// The number is read as `D × 10^e` with the decimal digits `D` (leading and
/// trailing zeros aside) as an integer. When `D ≤ 2^53` it is an exact double;
/// when also `|e| ≤ 22`, `10^|e|` is one too, and one IEEE multiplication or
/// division of two exact operands is correctly rounded, so the result equals
/// `str::parse::<f64>`'s. `e` up to 22 + 15 is moved into `D` first while `D`
/// stays ≤ 2^53 (`12e30` = `12_000_000_000_000_000 × 10^22`). A zero `D` is
/// `±0.0` whatever the exponent. Everything else (more than 19 significant
/// digits, larger `D` or exponents) is `None`. Input outside the JSON number
/// grammar may give `None` or a value; callers check the grammar first.
pub fn fast_f64(bytes: &[u8]) -> Option<f64> {
    const MAX_EXACT: u64 = 1 << 53;
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mut digits: u64 = 0; // D without leading or trailing zeros
    let mut sig_len: u32 = 0; // digits in `digits`
    let mut zeros: i64 = 0; // zeros seen after the last non-zero digit
    let mut exp10: i64 = 0; // minus the count of fraction digits, then plus the exponent
    let mut seen_digit = false;
    let mut in_fraction = false;
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                if in_fraction {
                    exp10 -= 1;
                }
                let d = u64::from(b - b'0');
                if d == 0 {
                    zeros += 1;
                    i += 1;
                    continue;
                }
                if digits != 0 {
                    // the pending zeros, then this digit; at most 19 significant digits
                    let len = sig_len.checked_add(u32::try_from(zeros).ok()?)?.checked_add(1)?;
                    if len > 19 {
                        return None;
                    }
                    // below 10^len ≤ 10^19 < 2^64: no overflow (`checked_mul` would be a 128-bit
                    // multiply, a call to `__multi3`, in the wasm build)
                    digits = digits.wrapping_mul(pow10(usize::try_from(len - sig_len).ok()?)?);
                    digits = digits.checked_add(d)?;
                    sig_len = len;
                } else {
                    digits = d;
                    sig_len = 1;
                }
                zeros = 0;
            }
            b'.' if !in_fraction => in_fraction = true,
            b'e' | b'E' => {
                let exp = rest.get(i + 1..)?;
                let digits = match exp.split_first() {
                    Some((b'+' | b'-', d)) => d,
                    _ => exp,
                };
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                exp10 = exp10.checked_add(parse_exponent(exp))?;
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    let sign = |x: f64| if negative { -x } else { x };
    if digits == 0 {
        return Some(sign(0.0));
    }
    // trailing zeros of the mantissa scale the value instead of widening D
    exp10 = exp10.checked_add(zeros)?;
    if digits > MAX_EXACT {
        return None;
    }
    if exp10 > 22 {
        // the "disguised" fast path: move 10^(e-22) into D while it stays exact, one digit at a time
        // (each step stays ≤ 2^53, so nothing overflows: no 128-bit `checked_mul` in the wasm build);
        // the product exceeds 2^53 exactly when some step would
        for _ in 22..exp10 {
            if digits > MAX_EXACT / 10 {
                return None;
            }
            digits *= 10;
        }
        exp10 = 22;
    }
    let x = digits as f64; // exact: digits ≤ 2^53
    let p = pow10_f64(exp10.unsigned_abs())?;
    let value = if exp10 >= 0 { x * p } else { x / p };
    Some(sign(value))
}

/// Why [`decimal_thousandths`] refused a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// The text does not follow the JSON number grammar.
    NotANumber,
    /// The value is below zero (`-0` and `-0.000` are zero, not negative).
    Negative,
    /// The value has a non-zero digit after the third decimal (`0.0005`,
    /// `1e-4`); trailing zeros do not count (`1.0000` is fine).
    TooManyDecimals,
    /// The value is above [`MAX_THOUSANDTHS`] thousandths (10^12).
    OutOfRange,
}

impl DecimalError {
    /// What `Display` writes, worded to follow the number: "percent 1.0005 has more than 3 decimals".
    pub fn as_str(self) -> &'static str {
        match self {
            DecimalError::NotANumber => "is not a JSON number",
            DecimalError::Negative => "is negative",
            DecimalError::TooManyDecimals => "has more than 3 decimals",
            DecimalError::OutOfRange => "is too large (at most 10^12)",
        }
    }
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for DecimalError {}

/// `bytes` before and after the first byte that `at` accepts (that byte in neither), if one does.
fn split_once(bytes: &[u8], at: impl Fn(u8) -> bool) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|&b| at(b))?;
    Some((bytes.get(..i).unwrap_or_default(), bytes.get(i + 1..).unwrap_or_default()))
}

/// Converts the exact decimal value of a JSON number's text into thousandths,
/// with integer arithmetic only.
///
/// `"10"` → 10000, `"1.005"` → 1005, `"1.0000"` → 1000, `"1e1"` → 10000,
/// `"1.5E-2"` → 15, `"-0"` → 0. Errors are checked in this order:
/// [`NotANumber`](DecimalError::NotANumber) (not the JSON grammar), then a zero
/// value is `Ok(0)` whatever its spelling (`-0.0e-999`), then
/// [`Negative`](DecimalError::Negative),
/// [`TooManyDecimals`](DecimalError::TooManyDecimals) (a non-zero digit below
/// 0.001) and [`OutOfRange`](DecimalError::OutOfRange) (above
/// [`MAX_THOUSANDTHS`]). Any exponent, however long, is handled without
/// overflow.
///
/// # Errors
///
/// A [`DecimalError`] as listed above.
pub fn decimal_thousandths(text: &str) -> Result<u64, DecimalError> {
    let bytes = text.as_bytes();
    // The usual percent, an integer of one to three digits (no leading zero: JSON has none), exactly.
    if let [b'1'..=b'9', ..] = bytes {
        if bytes.len() <= 3 && all_digits(bytes) {
            return Ok(bytes.iter().fold(0, |n, &b| n * 10 + u64::from(b - b'0')) * 1000);
        }
    }
    if scan_json_number(bytes) != Ok(bytes.len()) {
        return Err(DecimalError::NotANumber);
    }
    // From here on `bytes` is known to match the grammar.
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // Split by position rather than `splitn` (two `SplitN` iterators in the wasm build, docs/wasm-size.md).
    let (mantissa, exponent) = match split_once(rest, |b| b == b'e' || b == b'E') {
        Some((m, e)) => (m, parse_exponent(e)),
        None => (rest, 0),
    };
    let frac_digits = split_once(mantissa, |b| b == b'.').map_or(&[][..], |(_, f)| f);

    // The mantissa's digits, read as one integer D, with the value being
    // D × 10^(exponent - frac_digits.len()). Leading zeros are skipped and
    // trailing zeros are counted rather than multiplied in, so that
    // `significand` holds D without either; it is only accumulated while it
    // has at most 16 digits (anything longer is out of range or has too many
    // decimals, decided below without its value).
    let mut significand: u64 = 0;
    let mut sig_len: usize = 0; // digits from the first to the last non-zero digit
    let mut trailing_zeros: usize = 0; // zeros after the last non-zero digit
    // (the mantissa's bytes but its `.`: the integer digits, then the fraction's; no `Chain`, whose
    // `next` in the loop is larger code in the wasm build)
    for &b in mantissa {
        if b == b'.' {
            continue;
        }
        let digit = u64::from(b.wrapping_sub(b'0'));
        if digit == 0 {
            if sig_len > 0 {
                trailing_zeros = trailing_zeros.saturating_add(1);
            }
            continue;
        }
        sig_len = sig_len.saturating_add(trailing_zeros).saturating_add(1);
        if sig_len <= 16 {
            // Fits: significand < 10^sig_len ≤ 10^16 < u64::MAX, so the products cannot overflow
            // (wrapping, not `checked_mul`: a 128-bit multiply, a call to `__multi3`, in the wasm
            // build; neither panics).
            significand = pow10(trailing_zeros)
                .map(|p| significand.wrapping_mul(p).wrapping_mul(10))
                .and_then(|s| s.checked_add(digit))
                .unwrap_or(u64::MAX);
        }
        trailing_zeros = 0;
    }
    if sig_len == 0 {
        return Ok(0);
    }
    if negative {
        return Err(DecimalError::Negative);
    }
    // value in thousandths = significand × 10^scale
    let scale = exponent
        .saturating_sub(len_i64(frac_digits.len()))
        .saturating_add(len_i64(trailing_zeros))
        .saturating_add(3);
    if scale < 0 {
        return Err(DecimalError::TooManyDecimals);
    }
    // significand ≥ 10^(sig_len-1), so the value is ≥ 10^(sig_len-1+scale),
    // which exceeds 10^15 as soon as sig_len + scale > 16.
    if len_i64(sig_len).saturating_add(scale) > 16 {
        return Err(DecimalError::OutOfRange);
    }
    // significand < 10^sig_len and sig_len + scale ≤ 16: the product is below 10^16 (no overflow)
    let value = usize::try_from(scale)
        .ok()
        .and_then(pow10)
        .map(|p| significand.wrapping_mul(p))
        .ok_or(DecimalError::OutOfRange)?;
    if value > MAX_THOUSANDTHS {
        return Err(DecimalError::OutOfRange);
    }
    Ok(value)
}

/// Parses the digits after `e`/`E` (with an optional sign), saturating at
/// ±2^40: any exponent that large decides the outcome of
/// [`decimal_thousandths`] by itself (inputs are far shorter than 2^40 digits).
fn parse_exponent(exp: &[u8]) -> i64 {
    const LIMIT: i64 = 1 << 40;
    let (negative, digits) = match exp.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, exp),
    };
    let mut value: i64 = 0;
    for &b in digits {
        value = value * 10 + i64::from(b.wrapping_sub(b'0'));
        if value > LIMIT {
            value = LIMIT;
            break;
        }
    }
    if negative {
        -value
    } else {
        value
    }
}

/// 10^n, or `None` when it does not fit in a `u64` (n > 19): a loop of its own (`checked_pow` is a
/// call in the wasm build) rather than a table of the 20 powers (160 B of data, which compress badly); the
/// digit loops that call it pass 0 or 1 but for runs of zeros.
#[inline]
fn pow10(n: usize) -> Option<u64> {
    if n > 19 {
        return None;
    }
    let mut p = 1u64;
    for _ in 0..n {
        p *= 10;
    }
    Some(p)
}

/// The value of the decimal digits `digits` (ASCII digits only, as the caller checked; any other byte
/// counts as `b - b'0'`), or `None` when it exceeds `u64::MAX` (`parse::<u64>` of the digits). The
/// overflow test compares with `u64::MAX / 10` rather than `checked_mul`, which is a 128-bit multiply
/// (`__multi3`, a call) in the wasm build.
pub(crate) fn decimal_u64(digits: &[u8]) -> Option<u64> {
    const TENTH: u64 = u64::MAX / 10; // 1844674407370955161; u64::MAX ends in 5
    digits.iter().try_fold(0u64, |n, &b| {
        let d = u64::from(b.wrapping_sub(b'0'));
        if n > TENTH || (n == TENTH && d > u64::MAX % 10) {
            None
        } else {
            (n * 10).checked_add(d)
        }
    })
}

/// `u64::from_str_radix(text, 16)` without core's generic radix parser in the wasm build: an optional
/// `+`, then at least one hex digit (either case), `None` for anything else or above `u64::MAX`.
pub(crate) fn hex_u64(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text).as_bytes();
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        if n >> 60 != 0 {
            return None;
        }
        n = n << 4 | u64::from(d);
    }
    Some(n)
}

/// A length as `i64`, saturating (lengths of real inputs always fit).
fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_u64_is_from_str_radix_16() {
        for t in [
            "", "+", "-", "0", "+0", "-0", "00000000000000000000ff", "0123456789abcdef", "0123456789ABCDEF", "ffffffffffffffff",
            "10000000000000000", "+ffffffffffffffff", "fffffffffffffffff", "g", "12 ", " 12", "1_0", "++1", "é", "0x10",
        ] {
            assert_eq!(hex_u64(t), u64::from_str_radix(t, 16).ok(), "{t:?}");
        }
        for n in [0u64, 1, 15, 16, 255, 4096, u64::MAX >> 4, (u64::MAX >> 4) + 1, u64::MAX - 1, u64::MAX] {
            assert_eq!(hex_u64(&format!("{n:x}")), Some(n));
            assert_eq!(hex_u64(&format!("{n:016X}")), Some(n));
        }
    }

    #[test]
    fn short_integers_take_the_fast_path_exactly() {
        for n in 0..=1000u64 {
            assert_eq!(decimal_thousandths(&n.to_string()), Ok(n * 1000), "{n}");
            assert_eq!(decimal_thousandths(&format!("{n}.0")), Ok(n * 1000), "{n}.0");
        }
        for bad in ["01", "1a", "1 ", "-1", "1e", "00", "1.", "+1"] {
            assert!(decimal_thousandths(bad).is_err() || bad == "-1", "{bad}");
        }
        assert_eq!(decimal_thousandths("-1"), Err(DecimalError::Negative));
        assert_eq!(decimal_thousandths("12e1"), Ok(120_000));
    }

    #[test]
    fn grammar_accepts() {
        for s in [
            "0",
            "-0",
            "1",
            "-1",
            "10",
            "1234567890",
            "0.0",
            "0.5",
            "-0.5",
            "1.25",
            "1e5",
            "1E5",
            "1e+5",
            "1e-5",
            "1E-05",
            "0e0",
            "-0.0e-0",
            "1.5e300",
            "1e999999999999999999999",
            "123456789012345678901234567890",
        ] {
            assert!(is_json_number(s), "{s:?} should be a JSON number");
        }
    }

    #[test]
    fn grammar_rejects() {
        for s in [
            "",
            "-",
            "+1",
            "+0",
            ".5",
            "-.5",
            "1.",
            "1.e5",
            "01",
            "-01",
            "00",
            "0.5.",
            "1e",
            "1e+",
            "1e-",
            "1ee5",
            "1e5.0",
            " 1",
            "1 ",
            "1\n",
            "0x10",
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            "inf",
            "1_000",
            "1,5",
            "١",
            "1e5e5",
            "--1",
            "-+1",
            "e5",
            "1.5f",
            "1..5",
        ] {
            assert!(!is_json_number(s), "{s:?} should not be a JSON number");
        }
    }

    #[test]
    fn scan_stops_at_the_first_non_number_byte() {
        assert_eq!(scan_json_number(b"12,"), Ok(2));
        assert_eq!(scan_json_number(b"1x"), Ok(1));
        assert_eq!(scan_json_number(b"-0]"), Ok(2));
        assert_eq!(scan_json_number(b"1.5e-3}"), Ok(6));
        assert_eq!(scan_json_number(b"0.5.5"), Ok(3));
        assert_eq!(scan_json_number(b"1e5e5"), Ok(3));
    }

    #[test]
    fn scan_errors_have_kinds_and_offsets() {
        use ScanErrorKind::*;
        let cases: [(&[u8], usize, ScanErrorKind); 10] = [
            (b"", 0, ExpectedDigit),
            (b"-", 1, ExpectedDigit),
            (b"-x", 1, ExpectedDigit),
            (b"+1", 0, ExpectedDigit),
            (b".5", 0, ExpectedDigit),
            (b"01", 0, LeadingZero),
            (b"-00", 1, LeadingZero),
            (b"1.x", 2, ExpectedFractionDigit),
            (b"12e", 3, ExpectedExponentDigit),
            (b"1E-,", 3, ExpectedExponentDigit),
        ];
        for (input, offset, kind) in cases {
            assert_eq!(
                scan_json_number(input),
                Err(ScanError { offset, kind }),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let e = ScanError {
            offset: 3,
            kind: LeadingZero,
        };
        assert_eq!(e.to_string(), "leading zeros are not allowed (at byte 3)");
    }

    #[test]
    fn parse_json_number_is_grammar_then_correct_rounding() {
        assert_eq!(parse_json_number("0.1"), Some(0.1));
        assert_eq!(parse_json_number("-2.5e3"), Some(-2500.0));
        assert_eq!(
            parse_json_number("9007199254740993"),
            Some(9007199254740992.0)
        );
        assert_eq!(parse_json_number("1e400"), Some(f64::INFINITY));
        assert_eq!(parse_json_number("-1e400"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_json_number("1e-400"), Some(0.0));
        assert_eq!(
            parse_json_number("1e99999999999999999999999999"),
            Some(f64::INFINITY)
        );
        let neg_zero = parse_json_number("-0");
        assert!(neg_zero.is_some_and(|z| z == 0.0 && z.is_sign_negative()));
        for bad in [
            "", " 1", "1 ", "+1", "1.", ".5", "01", "NaN", "inf", "infinity", "0x1",
        ] {
            assert_eq!(parse_json_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn thousandths_from_the_brief() {
        use DecimalError::*;
        let cases: &[(&str, Result<u64, DecimalError>)] = &[
            ("10", Ok(10_000)),
            ("1.005", Ok(1005)),
            ("33.333", Ok(33_333)),
            ("1.0000", Ok(1000)),
            ("1e1", Ok(10_000)),
            ("1.5E-2", Ok(15)),
            ("0.0005", Err(TooManyDecimals)),
            ("1e-4", Err(TooManyDecimals)),
            ("-0", Ok(0)),
            ("-1", Err(Negative)),
            ("1e400", Err(OutOfRange)),
            ("abc", Err(NotANumber)),
        ];
        for (text, want) in cases {
            assert_eq!(decimal_thousandths(text), *want, "{text:?}");
        }
    }

    #[test]
    fn thousandths_edges() {
        use DecimalError::*;
        let cases: &[(&str, Result<u64, DecimalError>)] = &[
            ("0", Ok(0)),
            ("0.000", Ok(0)),
            ("0.0000000", Ok(0)),
            ("-0.000e-99", Ok(0)),
            ("0e99999999999999999999999", Ok(0)),
            ("0.001", Ok(1)),
            ("100", Ok(100_000)),
            ("99.999", Ok(99_999)),
            ("50.5", Ok(50_500)),
            ("1.5e+2", Ok(150_000)),
            ("0.1e1", Ok(1000)),
            ("1000e-6", Ok(1)),
            ("1000e-7", Err(TooManyDecimals)),
            ("10.0010", Ok(10_001)),
            ("0.00100000000000000000000000", Ok(1)),
            ("0.0001000", Err(TooManyDecimals)),
            ("1e-99999999999999999999999", Err(TooManyDecimals)),
            ("1e99999999999999999999999", Err(OutOfRange)),
            ("1000000000000", Ok(MAX_THOUSANDTHS)),
            ("1e12", Ok(MAX_THOUSANDTHS)),
            ("999999999999.999", Ok(MAX_THOUSANDTHS - 1)),
            ("1000000000000.001", Err(OutOfRange)),
            ("1000000000001", Err(OutOfRange)),
            ("10000000000000000000000000000", Err(OutOfRange)),
            ("12345678901234567890e-20", Err(TooManyDecimals)),
            ("1234567890123456789012e-19", Err(TooManyDecimals)),
            ("1234560000000000000000e-19", Ok(123_456)),
            ("-0.0005", Err(Negative)),
            ("-1e400", Err(Negative)),
            ("-5", Err(Negative)),
            ("", Err(NotANumber)),
            (" 1", Err(NotANumber)),
            ("1.", Err(NotANumber)),
            ("+1", Err(NotANumber)),
            ("01", Err(NotANumber)),
            ("NaN", Err(NotANumber)),
        ];
        for (text, want) in cases {
            assert_eq!(decimal_thousandths(text), *want, "{text:?}");
        }
    }

    #[test]
    fn thousandths_of_every_three_decimal_percent() {
        // Every percent with at most 3 decimals, spelled the plain way, maps
        // to exactly its bucket count.
        for n in (0..=100_000u64).step_by(7).chain([99_999, 100_000]) {
            let text = format!("{}.{:03}", n / 1000, n % 1000);
            assert_eq!(decimal_thousandths(&text), Ok(n), "{text}");
        }
        // The spec's example: splits summing to exactly 100 in decimals.
        let sum: u64 = ["33.333", "33.333", "33.334"]
            .iter()
            .map(|p| decimal_thousandths(p).unwrap_or(0))
            .sum();
        assert_eq!(sum, 100_000);
    }

    #[test]
    fn decimal_error_messages() {
        assert_eq!(
            DecimalError::TooManyDecimals.to_string(),
            "has more than 3 decimals"
        );
        assert_eq!(DecimalError::Negative.to_string(), "is negative");
        assert_eq!(DecimalError::NotANumber.to_string(), "is not a JSON number");
        assert_eq!(
            DecimalError::OutOfRange.to_string(),
            "is too large (at most 10^12)"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(DecimalError::OutOfRange);
        assert!(boxed.to_string().contains("too large"));
    }

    /// `fast_f64` must equal core's parser bit for bit whenever it answers.
    fn check_fast(text: &str) -> bool {
        let expected = text.parse::<f64>().unwrap();
        assert_eq!(json_number_to_f64(text).to_bits(), expected.to_bits(), "{text}");
        match fast_f64(text.as_bytes()) {
            Some(x) => {
                assert_eq!(x.to_bits(), expected.to_bits(), "{text}: fast {x:e} vs {expected:e}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn short_integers_equal_core() {
        let texts = ["0", "-0", "1", "-1", "7", "30", "100", "-250", "999999999999999", "-999999999999999", "123456789012345"];
        for t in texts {
            let x = short_integer(t.as_bytes()).unwrap_or(f64::NAN);
            assert_eq!(x.to_bits(), t.parse::<f64>().unwrap_or(f64::NAN).to_bits(), "{t}");
            assert_eq!(json_number_to_f64(t).to_bits(), x.to_bits(), "{t}");
        }
        for t in ["", "-", "1.5", "1e3", "1000000000000000", "-1000000000000000", "12a", "+1", "0.0"] {
            assert_eq!(short_integer(t.as_bytes()), None, "{t}");
        }
    }

    #[test]
    fn powers_of_ten_are_exact() {
        for n in 0..=22u64 {
            let want: f64 = format!("1e{n}").parse().unwrap_or(f64::NAN);
            assert_eq!(pow10_f64(n), Some(want), "10^{n}");
        }
        assert_eq!(pow10_f64(23), None);
        for n in 0..=19u32 {
            assert_eq!(pow10(n as usize), Some(10u64.pow(n)), "10^{n}");
        }
        assert_eq!(pow10(20), None);
    }

    #[test]
    fn fast_f64_edge_cases() {
        let fast = [
            "0", "-0", "0.0", "-0.0", "0e999999999", "-0.000e-99999999999", "1", "-1", "0.1", "0.3",
            "1.5", "12.50", "100", "1e22", "1e-22", "9007199254740992", "-9007199254740992",
            "1.797693134862315", "1234567890123456e-5", "0.000001", "1E+2", "2.5e-3",
            "9007199254740992e22", "1e37", "12e30", "4.35", "99.999", "33.333", "1700000000000",
            "1.0000000000000000000000", "0.000000000000000000000000000000", "10000000000000000000000",
        ];
        for t in fast {
            assert!(check_fast(t), "{t} should take the fast path");
        }
        // Outside the fast path: more digits than exact, exponents beyond 10^22 moved into D.
        let slow = [
            "9007199254740993", "12345678901234567890", "1.7976931348623157", "1e-23", "1e38", "5e-324",
            "1.7976931348623157e308", "1e400", "-1e400", "1e-400", "2.2250738585072014e-308",
            "0.1000000000000000055511151231257827", "123456789012345678901",
        ];
        for t in slow {
            if t.parse::<f64>().is_ok() {
                assert!(!check_fast(t), "{t} should not take the fast path");
            } else {
                assert_eq!(fast_f64(t.as_bytes()), None, "{t}");
            }
        }
        for bad in ["", "-", ".", "e5", "-e5", "1..2", "1.2.3", "+1", "1e", "0x10", " 1"] {
            let r = fast_f64(bad.as_bytes());
            assert!(r.is_none() || bad.parse::<f64>().ok() == r, "{bad:?} gave {r:?}");
        }
    }

    #[test]
    fn fast_f64_matches_core_on_many_inputs() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut taken = 0;
        for i in 0..200_000u32 {
            let r = next();
            let digits = match i % 4 {
                0 => r % 1_000,
                1 => r % 10_000_000,
                2 => r % (1 << 53),
                _ => r,
            };
            let text = match i % 5 {
                0 => format!("{digits}"),
                1 => {
                    let s = digits.to_string();
                    let cut = (next() as usize) % (s.len() + 1);
                    let (a, b) = s.split_at(cut);
                    if b.is_empty() {
                        a.to_string()
                    } else {
                        format!("{}.{b}", if a.is_empty() { "0" } else { a })
                    }
                }
                2 => format!("{digits}e{}", (next() % 80) as i64 - 40),
                3 => format!("-{digits}.{:03}E-{}", next() % 1000, next() % 30),
                _ => format!("{digits}e+{}", next() % 400),
            };
            if check_fast(&text) {
                taken += 1;
            }
        }
        // The fast path must actually be exercised, and often.
        assert!(taken > 80_000, "fast path taken {taken} times");
        // Every double printed shortest, and at 17 significant digits, reads back through both paths.
        for _ in 0..50_000 {
            let x = f64::from_bits(next());
            if x.is_finite() {
                check_fast(&format!("{x:?}"));
                check_fast(&format!("{x:.16e}"));
            }
        }
    }
}
