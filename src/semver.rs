//! Semantic versions (SemVer 2.0.0) for the `semver_*` operators.
//!
//! The accepted syntax is SemVer 2.0.0 with the relaxations of the snapshot
//! contract (spec §4 and §9):
//!
//! - an optional lower-case `v` prefix (`v1.2.3`; `V1.2.3` is rejected);
//! - missing minor and patch numbers default to zero (`2` = `2.0.0`,
//!   `2.3` = `2.3.0`), and a pre-release may follow a short form
//!   (`2-rc.1` = `2.0.0-rc.1`, `2.3-beta` = `2.3.0-beta`);
//! - `+build` metadata is accepted and ignored for precedence.
//!
//! Everything else is strict: no leading zeros in major/minor/patch or in
//! numeric pre-release identifiers, no empty identifiers, no whitespace, only
//! `[0-9A-Za-z-]` inside identifiers.
//!
//! Numbers are never converted to machine integers: a numeric part is kept as
//! its digit string and compared by (length, then bytes), which is numeric
//! order because leading zeros are rejected. Arbitrarily long numbers therefore
//! work and nothing can overflow.
//!
//! [`parse`] and the comparisons never allocate: attribute values are parsed on
//! every evaluation. Operands are parsed once at load into a [`VersionBuf`].

use crate::split;
use core::cmp::Ordering;
use core::fmt;

/// A parsed version borrowing its parts from the source text.
///
/// Invariants (established by [`parse`], the only constructor):
/// - `major`, `minor`, `patch` are non-empty ASCII digit strings without
///   leading zeros (`"0"` itself is allowed); an absent minor/patch is `"0"`;
/// - `pre` is empty (no pre-release) or a `.`-separated list of non-empty
///   identifiers over `[0-9A-Za-z-]`, where all-digit identifiers have no
///   leading zero;
/// - `build` is empty or a `.`-separated list of non-empty identifiers over
///   `[0-9A-Za-z-]` (leading zeros allowed there, as in SemVer).
///
/// Equality and ordering follow SemVer precedence and ignore `build`, so
/// `1.0.0+a == 1.0.0+b`; `Eq` and `Ord` agree with each other.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    pre: &'a str,
    build: &'a str,
}

impl<'a> Version<'a> {
    /// The major number as its digit string (no leading zeros).
    pub fn major(&self) -> &'a str {
        self.major
    }

    /// The minor number as its digit string; `"0"` when the source omitted it.
    pub fn minor(&self) -> &'a str {
        self.minor
    }

    /// The patch number as its digit string; `"0"` when the source omitted it.
    pub fn patch(&self) -> &'a str {
        self.patch
    }

    /// The pre-release identifiers without the leading `-`; empty when none.
    pub fn prerelease(&self) -> &'a str {
        self.pre
    }

    /// The build metadata without the leading `+`; empty when none.
    /// It plays no part in comparisons.
    pub fn build(&self) -> &'a str {
        self.build
    }
}

/// Parses a version string; `None` when it is not a valid version under the
/// rules of this module. Never allocates.
pub fn parse(s: &str) -> Option<Version<'_>> {
    let sp = parse_spans(s)?;
    sp.version(s)
}

/// Whether `v` compares with one of `ops` as comparison `cmp` asks: 0 equal (`semver_eq`), 1 less
/// (`semver_lt`), 2 less or equal (`semver_lte`), 3 greater (`semver_gt`), any other greater or equal
/// (`semver_gte`): the operators in the format's order. The one place the `semver_*` operators are
/// decided, natively (`rare::Set`) and in the operators module (`regex-module/`, which numbers its set
/// kinds in the same order).
pub fn any_satisfies(v: &Version<'_>, ops: &[VersionBuf], cmp: u32) -> bool {
    ops.iter().any(|o| {
        let c = v.cmp(&o.as_version());
        match cmp {
            0 => c == Ordering::Equal,
            1 => c == Ordering::Less,
            2 => c != Ordering::Greater,
            3 => c == Ordering::Greater,
            _ => c != Ordering::Less,
        }
    })
}

impl PartialEq for Version<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version<'_> {}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version<'_> {
    /// SemVer 2.0.0 §11 precedence; build metadata is ignored.
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_numeric(self.major, other.major)
            .then_with(|| cmp_numeric(self.minor, other.minor))
            .then_with(|| cmp_numeric(self.patch, other.patch))
            .then_with(|| cmp_prerelease(self.pre, other.pre))
    }
}

impl fmt::Display for Version<'_> {
    /// Writes the normalized form `MAJOR.MINOR.PATCH[-PRE][+BUILD]`
    /// (no `v`, omitted parts written as `0`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

/// An owned version, parsed once (at load) from an operand.
///
/// Holds the original text and the byte offsets of its parts, so that
/// [`VersionBuf::as_version`] is O(1) and never re-parses.
///
/// Invariant: `spans` was produced by the parser from exactly `text`, so every
/// span lies inside `text` on character boundaries (all delimiters are ASCII).
#[derive(Debug, Clone)]
pub struct VersionBuf {
    text: Box<str>,
    spans: Spans,
}

impl VersionBuf {
    /// Parses `s` (same rules as [`parse`]) and keeps an owned copy;
    /// `None` when `s` is not a valid version.
    pub fn parse(s: &str) -> Option<Self> {
        let spans = parse_spans(s)?;
        Some(VersionBuf {
            text: s.into(),
            spans,
        })
    }

    /// The parsed view of this version, in O(1).
    pub fn as_version(&self) -> Version<'_> {
        // The invariant makes `version` always succeed; the fallback (the
        // lowest version, 0.0.0) is unreachable and only avoids a panic path.
        self.spans.version(&self.text).unwrap_or(Version {
            major: "0",
            minor: "0",
            patch: "0",
            pre: "",
            build: "",
        })
    }

    /// The original text, exactly as given to [`VersionBuf::parse`]
    /// (including any `v` prefix and build metadata).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for VersionBuf {
    /// Writes the original text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Byte ranges `(start, end)` of the parts of a version inside its text.
/// An empty `minor`/`patch` range means "absent" (read as `"0"`), which is
/// unambiguous because present numbers are never empty.
#[derive(Debug, Clone, Copy)]
struct Spans {
    major: (usize, usize),
    minor: (usize, usize),
    patch: (usize, usize),
    pre: (usize, usize),
    build: (usize, usize),
}

impl Spans {
    /// Builds the borrowed view over `s`; `None` only if the spans do not
    /// belong to `s` (never the case for spans made from `s` by the parser).
    fn version<'a>(&self, s: &'a str) -> Option<Version<'a>> {
        let num = |(a, b): (usize, usize)| -> Option<&'a str> {
            if a == b {
                Some("0")
            } else {
                s.get(a..b)
            }
        };
        Some(Version {
            major: s.get(self.major.0..self.major.1)?,
            minor: num(self.minor)?,
            patch: num(self.patch)?,
            pre: s.get(self.pre.0..self.pre.1)?,
            build: s.get(self.build.0..self.build.1)?,
        })
    }
}

/// The parser proper: validates `s` and returns the spans of its parts.
fn parse_spans(s: &str) -> Option<Spans> {
    let len = s.len();
    let start = usize::from(matches!(s.as_bytes().first(), Some(b'v')));

    // Build metadata: everything after the first `+` (pre-release identifiers
    // cannot contain `+`, and a second `+` fails the identifier check).
    let (main_end, build) = match split::find(s, b'+') {
        Some(p) => {
            let b = s.get(p + 1..)?;
            if !valid_identifiers(b, false) {
                return None;
            }
            (p, (p + 1, len))
        }
        None => (len, (len, len)),
    };

    // Pre-release: after the first `-` of the main part (numbers hold no `-`).
    let main = s.get(start..main_end)?;
    let (core_end, pre) = match split::find(main, b'-') {
        Some(q) => {
            let p = s.get(start + q + 1..main_end)?;
            if !valid_identifiers(p, true) {
                return None;
            }
            (start + q, (start + q + 1, main_end))
        }
        None => (main_end, (main_end, main_end)),
    };

    // Core: one to three numbers separated by `.`.
    let core = s.get(start..core_end)?;
    // Absent minor/patch keep an empty span; `split` yields at least one part,
    // and an empty part fails `valid_number`, so `major` is always set.
    let mut nums = [(core_end, core_end); 3];
    let mut offset = start;
    for (n, part) in split::split(core, b'.').enumerate() {
        if !valid_number(part) {
            return None;
        }
        let slot = nums.get_mut(n)?; // a fourth number is rejected here
        *slot = (offset, offset + part.len());
        offset += part.len() + 1;
    }
    let [major, minor, patch] = nums;
    Some(Spans {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

/// A major/minor/patch number: non-empty ASCII digits, no leading zero.
fn valid_number(s: &str) -> bool {
    is_numeric(s) && !has_leading_zero(s)
}

/// True for a non-empty string of ASCII digits.
fn is_numeric(s: &str) -> bool {
    !s.is_empty() && !crate::bytes::any_of(s.as_bytes(), |b| !b.is_ascii_digit())
}

/// True when a digit string has more than one digit and starts with `0`.
fn has_leading_zero(s: &str) -> bool {
    s.len() > 1 && matches!(s.as_bytes().first(), Some(b'0'))
}

/// Checks a `.`-separated identifier list: at least one identifier, each
/// non-empty over `[0-9A-Za-z-]`; with `numeric_strict` (pre-release), an
/// all-digit identifier must not have a leading zero.
fn valid_identifiers(s: &str, numeric_strict: bool) -> bool {
    split::split(s, b'.').all(|id| {
        let bad_byte = |b: u8| !(b.is_ascii_alphanumeric() || b == b'-');
        let leading_zero = numeric_strict && is_numeric(id) && has_leading_zero(id);
        !(id.is_empty() || crate::bytes::any_of(id.as_bytes(), bad_byte) || leading_zero)
    })
}

/// Compares two digit strings without leading zeros numerically:
/// a longer string is a larger number; equal lengths compare bytewise.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// SemVer §11.3–11.4 for pre-release strings (empty = no pre-release).
fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        // A version without pre-release ranks above one with.
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut ia = split::split(a, b'.');
    let mut ib = split::split(b, b'.');
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            // A shorter set ranks lower when all earlier identifiers are equal.
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = cmp_identifier(x, y);
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// One pre-release identifier against another: numeric identifiers compare
/// numerically and rank below alphanumeric ones, which compare in ASCII order.
fn cmp_identifier(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        (true, true) => cmp_numeric(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.as_bytes().cmp(b.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Version<'_> {
        match parse(s) {
            Some(v) => v,
            None => panic!("expected {s:?} to parse"),
        }
    }

    /// (input, major, minor, patch, pre, build)
    const ACCEPT: &[(&str, &str, &str, &str, &str, &str)] = &[
        ("1.2.3", "1", "2", "3", "", ""),
        ("0.0.0", "0", "0", "0", "", ""),
        ("v1.2.3", "1", "2", "3", "", ""),
        ("2", "2", "0", "0", "", ""),
        ("2.3", "2", "3", "0", "", ""),
        ("v2", "2", "0", "0", "", ""),
        ("v2.3", "2", "3", "0", "", ""),
        ("2-rc.1", "2", "0", "0", "rc.1", ""),
        ("2.3-beta", "2", "3", "0", "beta", ""),
        ("v2.3-beta+b.7", "2", "3", "0", "beta", "b.7"),
        ("2+build", "2", "0", "0", "", "build"),
        ("1.0.0-alpha", "1", "0", "0", "alpha", ""),
        ("1.0.0-alpha.1", "1", "0", "0", "alpha.1", ""),
        ("1.0.0-0.3.7", "1", "0", "0", "0.3.7", ""),
        ("1.0.0-x.7.z.92", "1", "0", "0", "x.7.z.92", ""),
        ("1.0.0-x-y-z.--", "1", "0", "0", "x-y-z.--", ""),
        ("1.0.0--", "1", "0", "0", "-", ""),
        ("1.0.0-0a", "1", "0", "0", "0a", ""),
        ("1.0.0-00a", "1", "0", "0", "00a", ""),
        ("1.0.0-alpha+001", "1", "0", "0", "alpha", "001"),
        ("1.0.0+20130313144700", "1", "0", "0", "", "20130313144700"),
        (
            "1.0.0-beta+exp.sha.5114f85",
            "1",
            "0",
            "0",
            "beta",
            "exp.sha.5114f85",
        ),
        (
            "1.0.0+21AF26D3----117B344092BD",
            "1",
            "0",
            "0",
            "",
            "21AF26D3----117B344092BD",
        ),
        ("1.0.0-rc.1+build-1", "1", "0", "0", "rc.1", "build-1"),
        (
            "99999999999999999999999.999999999999999999.99999999999999999",
            "99999999999999999999999",
            "999999999999999999",
            "99999999999999999",
            "",
            "",
        ),
        ("10.20.30", "10", "20", "30", "", ""),
    ];

    const REJECT: &[&str] = &[
        "",
        "v",
        "V1.2.3",
        "vv1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "1. 2.3",
        "1.2.3\n",
        "1.2.3\t",
        "01.2.3",
        "1.02.3",
        "1.2.03",
        "00",
        "1.2.3-01",
        "1.2.3-rc.01",
        "1.2.3-00",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-+b",
        "1..2",
        "1.2.",
        ".1.2",
        "1.",
        "1.2.3.4",
        "1.2.3-a..b",
        "1.2.3-a.",
        "1.2.3-.a",
        "1.2.3+a..b",
        "1.2.3+a+b",
        "1.2.3-a_b",
        "1.2.3-α",
        "1.2.3+é",
        "a.b.c",
        "1.2.c",
        "-1.2.3",
        "+1.2.3",
        "1.-2.3",
        "v-1",
        "v+1",
        "-",
        "+",
        ".",
        "1.2.3-rc.1 ",
        "１.2.3",
        "1.2.3-\u{0}",
    ];

    #[test]
    fn accepts() {
        for &(s, ma, mi, pa, pre, build) in ACCEPT {
            let v = p(s);
            assert_eq!(
                (v.major(), v.minor(), v.patch(), v.prerelease(), v.build()),
                (ma, mi, pa, pre, build),
                "{s:?}"
            );
            let b = VersionBuf::parse(s).expect("VersionBuf parses what parse accepts");
            let bv = b.as_version();
            assert_eq!(
                (
                    bv.major(),
                    bv.minor(),
                    bv.patch(),
                    bv.prerelease(),
                    bv.build()
                ),
                (ma, mi, pa, pre, build),
                "buf {s:?}"
            );
            assert_eq!(b.as_str(), s);
            assert_eq!(b.to_string(), s);
        }
    }

    #[test]
    fn rejects() {
        for &s in REJECT {
            assert!(parse(s).is_none(), "{s:?} should be rejected");
            assert!(
                VersionBuf::parse(s).is_none(),
                "buf {s:?} should be rejected"
            );
        }
    }

    #[test]
    fn spec_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for (i, a) in chain.iter().enumerate() {
            for (j, b) in chain.iter().enumerate() {
                assert_eq!(p(a).cmp(&p(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn core_precedence() {
        let chain = [
            "0.0.0-0",
            "0.0.0",
            "0.0.1",
            "0.1.0",
            "0.9.0",
            "0.10.0",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
            "10.0.0",
            "18446744073709551615.0.0",
            "18446744073709551616.0.0",
            "100000000000000000000000000000.0.0",
        ];
        for w in chain.windows(2) {
            if let [a, b] = w {
                assert!(p(a) < p(b), "{a} < {b}");
                assert!(p(b) > p(a), "{b} > {a}");
            }
        }
    }

    #[test]
    fn prerelease_fine_points() {
        let less = [
            // numeric < alphanumeric
            ("1.0.0-1", "1.0.0-a"),
            ("1.0.0-999999999999999999999", "1.0.0--"),
            // numeric compares numerically, not lexically
            ("1.0.0-2", "1.0.0-10"),
            ("1.0.0-rc.9", "1.0.0-rc.10"),
            (
                "1.0.0-rc.99999999999999999999",
                "1.0.0-rc.100000000000000000000",
            ),
            // alphanumeric compares in ASCII order
            ("1.0.0-B", "1.0.0-a"),
            ("1.0.0-a", "1.0.0-b"),
            ("1.0.0-a-", "1.0.0-a0"),
            // `0a` is alphanumeric (not a numeric with a leading zero)
            ("1.0.0-1", "1.0.0-0a"),
            ("1.0.0-0a", "1.0.0-a"),
            // shorter set lower
            ("1.0.0-a", "1.0.0-a.0"),
            ("1.0.0-a.b", "1.0.0-a.b.c"),
            // pre-release lower than release
            ("1.0.0-zzz", "1.0.0"),
            ("1.0.0", "1.0.1-0"),
        ];
        for (a, b) in less {
            assert!(p(a) < p(b), "{a} < {b}");
            assert!(p(b) > p(a), "{b} > {a}");
        }
    }

    #[test]
    fn equality_ignores_build_and_short_forms() {
        let equal = [
            ("1.0.0+a", "1.0.0+b"),
            ("1.0.0", "1.0.0+b"),
            ("2", "2.0.0"),
            ("2.3", "2.3.0"),
            ("v2.3", "2.3.0"),
            ("2-rc.1", "2.0.0-rc.1"),
            ("2.3-beta", "v2.3.0-beta+x"),
            ("0", "0.0.0"),
        ];
        for (a, b) in equal {
            assert_eq!(p(a), p(b), "{a} == {b}");
            assert_eq!(p(a).cmp(&p(b)), Ordering::Equal);
        }
        assert_ne!(p("1.0.0-a"), p("1.0.0"));
        assert_ne!(p("1.0.0-1"), p("1.0.0-01a"));
    }

    #[test]
    fn display_normalizes() {
        assert_eq!(p("v2").to_string(), "2.0.0");
        assert_eq!(p("2.3-rc.1+b").to_string(), "2.3.0-rc.1+b");
        assert_eq!(p("1.2.3").to_string(), "1.2.3");
    }

    #[test]
    fn buf_matches_borrowed() {
        for &(s, ..) in ACCEPT {
            for &(t, ..) in ACCEPT {
                let bs = VersionBuf::parse(s).expect("valid");
                let bt = VersionBuf::parse(t).expect("valid");
                assert_eq!(bs.as_version().cmp(&bt.as_version()), p(s).cmp(&p(t)));
            }
        }
    }

    #[test]
    fn numeric_order_matches_integers() {
        let mut n: Vec<u64> = (0..200).collect();
        n.extend([999, 1000, 1001, 65535, 65536, u64::MAX - 1, u64::MAX]);
        for &a in &n {
            for &b in &n {
                let sa = a.to_string();
                let sb = b.to_string();
                assert_eq!(cmp_numeric(&sa, &sb), a.cmp(&b));
                let va = format!("1.{a}.0-rc.{a}");
                let vb = format!("1.{a}.0-rc.{b}");
                assert_eq!(p(&va).cmp(&p(&vb)), a.cmp(&b));
            }
        }
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn random_strings_never_panic_and_order_is_consistent() {
        const ALPHABET: &[u8] = b"0123456789.-+vVab \x00\xff\xc3\xa9";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut parsed: Vec<String> = Vec::new();
        for i in 0..60_000 {
            let len = (rng.next() % 14) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if i % 4 == 0 {
                        r as u8 // raw bytes
                    } else {
                        ALPHABET[(r % ALPHABET.len() as u64) as usize]
                    }
                })
                .collect();
            let s = String::from_utf8_lossy(&bytes).into_owned();
            let a = parse(&s);
            let b = VersionBuf::parse(&s);
            assert_eq!(a.is_some(), b.is_some(), "{s:?}");
            if let (Some(a), Some(b)) = (a, b) {
                assert_eq!(a.cmp(&b.as_version()), Ordering::Equal, "{s:?}");
                // the normalized form parses back to an equal version
                let norm = a.to_string();
                assert_eq!(parse(&norm), Some(a), "{s:?} -> {norm:?}");
                if parsed.len() < 300 {
                    parsed.push(s);
                }
            }
        }
        assert!(parsed.len() > 50, "the generator should hit valid versions");
        // Ord is a total order: antisymmetric and transitive on the sample.
        let vs: Vec<Version<'_>> = parsed.iter().filter_map(|s| parse(s)).collect();
        for a in &vs {
            for b in &vs {
                assert_eq!(a.cmp(b), b.cmp(a).reverse());
                assert_eq!(a == b, a.cmp(b) == Ordering::Equal);
            }
        }
        let mut sorted = vs.clone();
        sorted.sort();
        for w in sorted.windows(2) {
            if let [a, b] = w {
                assert!(a <= b);
            }
        }
        for i in 0..sorted.len() {
            for j in i..sorted.len() {
                assert!(sorted[i] <= sorted[j], "{} <= {}", sorted[i], sorted[j]);
            }
        }
    }
}
