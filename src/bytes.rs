//! Equality of short byte strings on the hot path.
//!
//! Attribute names, flag keys and `in` operands are mostly a few bytes long. `a == b` on slices calls
//! the C library's `memcmp`, whose call and dispatch cost more than the comparison itself at these
//! lengths; [`eq`] compares up to 16 bytes with at most two word loads per side, and leaves longer
//! strings to `memcmp`.
//!
//! Invariant: `eq(a, b) == (a == b)` for every pair (tested exhaustively over short lengths below).
//!
//! [`utf8`] (and its always-inlined form [`utf8_inline`]) is the crate's one use of `unsafe` outside
//! the wasm-bindgen glue: it skips the validator's call for short ASCII strings (the encoded context's attribute values, decoded on every wasm call),
//! where `from_utf8` costs more than the evaluation that follows. Its precondition is checked on the
//! line before, and its result equals `core::str::from_utf8(s).ok()` for every input (tested below).
//! [`utf8_window`] is another: the chunked load's check of its window, which runs over every byte of a
//! snapshot's text. And the wasm build's [`from_utf8`], the text [`utf8_prefix`] (its own check, tested
//! against core's on every sequence of up to two bytes and many more) found valid.

/// Appending to a `String` without `String::push`: the wasm build (opt-level "z") keeps `push` out of
/// line, with core's UTF-8 encoder (`encode_utf8_raw`), 259 B of code for what its callers push: ASCII
/// punctuation and digits (and the characters of `\u` escapes, [`Push::push_char`]). docs/wasm-size.md.
pub(crate) trait Push {
    /// Appends the ASCII character `b` (callers pass a literal, `b','`, or a digit): one byte pushed.
    /// Only its low 7 bits are used (a debug build asserts that it is ASCII), so the text stays UTF-8.
    fn push_ascii(&mut self, b: u8);
    /// Appends `c` in UTF-8, as `String::push` does (for the rare decoded `\u` escape).
    fn push_char(&mut self, c: char);
}

impl Push for String {
    #[inline(always)]
    #[allow(unsafe_code)]
    fn push_ascii(&mut self, b: u8) {
        debug_assert!(b.is_ascii(), "{b:#x}");
        // SAFETY: a byte below 0x80 is an ASCII character, a whole character of UTF-8 on its own: the
        // string stays UTF-8.
        unsafe { self.as_mut_vec() }.push(b & 0x7F);
    }

    #[allow(unsafe_code)]
    fn push_char(&mut self, c: char) {
        let c = u32::from(c);
        // 1 to 4 bytes: a lead byte (its top `n` bits set for `n` > 1) and `n - 1` continuation bytes of
        // 6 bits each, as the UTF-8 standard encodes a scalar value (tested against `String::push`).
        let n = 1 + usize::from(c >= 0x80) + usize::from(c >= 0x800) + usize::from(c >= 0x1_0000);
        let lead = if n == 1 { 0 } else { (0xFF00u32 >> n) as u8 };
        let mut shift = 6 * (n as u32 - 1);
        // SAFETY: the bytes pushed are the UTF-8 encoding of `c`, a `char` (a Unicode scalar value):
        // the string stays UTF-8.
        let v = unsafe { self.as_mut_vec() };
        v.push(lead | (c >> shift) as u8);
        while shift > 0 {
            shift -= 6;
            v.push(0x80 | (c >> shift & 0x3F) as u8);
        }
    }
}

/// Whether `a` and `b` hold the same bytes.
#[inline(always)]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    if n >= 8 {
        // two overlapping 8-byte windows cover 8..=16 bytes
        word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8)
    } else if n >= 4 {
        word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4)
    } else if n > 0 {
        // first, middle and last byte cover 1..=3 bytes
        a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]
    } else {
        true
    }
}

/// [`eq`], out of line: one copy of its code for the load's lookups of names (`snapshot::field`, which
/// compares the lengths first and calls this for a name of the same length, and `snapshot::same`). In
/// the wasm build's baseline code (V8's Liftoff, a cold start's load) a byte loop costs at each byte,
/// and [`eq`] inlined into a loop over names left a dozen values worked out before it, reloaded at each
/// name.
#[inline(never)]
pub(crate) fn eq_out_of_line(a: &[u8], b: &[u8]) -> bool {
    eq(a, b)
}

/// Whether `a` and `b` hold the same bytes, by a plain loop: for names of a few bytes on the load path
/// (operators), where `==` is a call to `memcmp` in the wasm build (opt-level "z") and
/// [`eq`], inlined, takes more code.
#[inline(always)]
pub(crate) fn eq_short(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        if x != y {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `a` and `b` are the same string.
#[inline(always)]
pub(crate) fn str_eq(a: &str, b: &str) -> bool {
    eq(a.as_bytes(), b.as_bytes())
}

/// Whether a byte of `s` satisfies `pred`: `s.iter().any(…)` as a plain loop, always inlined, because the
/// wasm build (opt-level "z") keeps each closure's `try_fold` instance out of line.
#[inline(always)]
pub(crate) fn any_of(s: &[u8], pred: impl Fn(u8) -> bool) -> bool {
    for &b in s {
        if pred(b) {
            return true;
        }
    }
    false
}

/// `s` as text if it is valid UTF-8 (what `core::str::from_utf8(s).ok()` gives), faster for short
/// ASCII strings.
#[inline]
pub(crate) fn utf8(s: &[u8]) -> Option<&str> {
    utf8_inline(s)
}

/// [`utf8`], always inlined: for the context decoder, which calls it for every string (the wasm build
/// optimises for size and would otherwise call it; other callers keep one copy).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn utf8_inline(s: &[u8]) -> Option<&str> {
    if s.len() <= 32 && ascii_short(s) {
        // SAFETY: every byte is below 0x80, i.e. ASCII, and ASCII text is valid UTF-8.
        return Some(unsafe { core::str::from_utf8_unchecked(s) });
    }
    from_utf8(s)
}

/// `core::str::from_utf8(s).ok()`: in the wasm build by [`utf8_prefix`] (core's validator, 645 B of
/// code and a 256-byte table, is the larger; docs/wasm-size.md), natively core's (vectorised).
#[allow(unsafe_code)]
pub(crate) fn from_utf8(s: &[u8]) -> Option<&str> {
    #[cfg(target_arch = "wasm32")]
    {
        if utf8_prefix(s).0 != s.len() {
            return None;
        }
        // SAFETY: `utf8_prefix` found all of `s` to be valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(s) })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        core::str::from_utf8(s).ok()
    }
}

/// How much of `s` is valid UTF-8, as `core::str::from_utf8` judges it (tested against it): the length
/// of the longest valid prefix (`valid_up_to`, all of `s` when it is valid), and whether what follows is
/// a character cut short by the end of `s` (a lead byte and fewer continuation bytes than it needs, each
/// in range: `error_len()` is `None`). The ASCII run at the start is skipped 16 bytes a step
/// ([`ascii_len`]); then the ranges of the Unicode standard's table 3-7, a byte at a time (no
/// overlong forms, no surrogates, nothing above U+10FFFF).
pub(crate) fn utf8_prefix(s: &[u8]) -> (usize, bool) {
    let mut i = ascii_len(s);
    while let Some(&b) = s.get(i) {
        if b < 0x80 {
            i += 1;
            continue;
        }
        // the character's length and the range of its second byte (the others: 0x80..=0xBF)
        let (n, lo, hi) = match b {
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xE1..=0xEF => (3, 0x80, 0xBF),
            0xF0 => (4, 0x90, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            _ => return (i, false),
        };
        for k in 1..n {
            let (lo, hi) = if k == 1 { (lo, hi) } else { (0x80, 0xBF) };
            match s.get(i + k) {
                None => return (i, true),
                Some(&c) if c < lo || c > hi => return (i, false),
                Some(_) => {}
            }
        }
        i += n;
    }
    (i, false)
}

/// The window of a text read in chunks ([`crate::plan::Chunked`]) as text: all of it when it is valid
/// UTF-8; when `cut` (more text is to come) and its only fault is a character cut short at its end, the
/// part before that character; else `None`. What `core::str::from_utf8` decides (tested below), but its
/// ASCII run is scanned by [`ascii_len`], 16 bytes a step: a snapshot's text is mostly or wholly ASCII,
/// and run over every byte of a long text `from_utf8` (642 B of wasm) grew hot in a cold start's first
/// load and was recompiled by V8's optimising compiler (docs/ARCHITECTURE.md, "Cold start").
#[allow(unsafe_code)]
pub(crate) fn utf8_window(s: &[u8], cut: bool) -> Option<&str> {
    let (valid, short) = utf8_prefix(s);
    if valid != s.len() && !(cut && short) {
        return None;
    }
    let text = s.get(..valid)?;
    // SAFETY: `utf8_prefix` found the bytes up to `valid` to be valid UTF-8.
    Some(unsafe { core::str::from_utf8_unchecked(text) })
}

/// The length of the ASCII run that begins `s`, in whole blocks of 16 bytes (one `u128`: two word loads
/// in wasm); the rest, under 16 bytes or from the block with a non-ASCII byte, is [`utf8_prefix`]'s.
/// Out of line and short, so that what V8 recompiles when it grows hot is this loop alone.
#[inline(never)]
fn ascii_len(s: &[u8]) -> usize {
    let mut rest = s;
    while let Some((block, tail)) = rest.split_first_chunk::<16>() {
        if u128::from_le_bytes(*block) & (u128::MAX / 0xff * 0x80) != 0 {
            break;
        }
        rest = tail;
    }
    s.len() - rest.len()
}

/// Whether every byte of `s` is ASCII, a word at a time (for short strings: no call, no alignment).
#[inline(always)]
fn ascii_short(s: &[u8]) -> bool {
    let n = s.len();
    let high = if n >= 8 {
        // windows at 0, 8, 16, … and one ending at `n`: together they cover every byte
        let mut acc = word8(s, n - 8);
        let mut i = 0;
        while i + 8 <= n {
            acc |= word8(s, i);
            i += 8;
        }
        acc
    } else {
        // 0..=7 bytes: loads that together cover every byte (no loop, no call)
        le_bytes(s)
    };
    high & 0x8080_8080_8080_8080 == 0
}

/// `s.is_ascii()`: in the wasm build [`is_ascii_compact`] (core's `is_ascii` is 169 B of code of its
/// own there), natively core's (vectorised).
#[inline]
pub(crate) fn is_ascii(s: &[u8]) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        is_ascii_compact(s)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.is_ascii()
    }
}

/// Whether every byte of `s` is ASCII: [`ascii_len`], which the wasm build has anyway, then a byte loop
/// over the rest (fewer than 16 bytes, or a block with a byte above 0x7F).
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
fn is_ascii_compact(s: &[u8]) -> bool {
    let mut i = ascii_len(s);
    while let Some(&b) = s.get(i) {
        if b >= 0x80 {
            return false;
        }
        i += 1;
    }
    true
}

/// A string of at most 7 bytes as one integer: its bytes (little-endian) and its length in the top
/// byte, so two words are equal exactly when the strings are; `None` for longer strings. A word is
/// never `u64::MAX` (its top byte is at most 7).
#[inline(always)]
pub(crate) fn short_word(s: &[u8]) -> Option<u64> {
    if s.len() > 7 {
        return None;
    }
    Some(le_bytes(s) | ((s.len() as u64) << 56))
}

/// Up to 8 bytes as a little-endian integer (`s[0]` in the low byte; missing high bytes are 0).
/// Longer slices give their first 8 bytes.
#[inline(always)]
pub(crate) fn le_bytes(s: &[u8]) -> u64 {
    // Overlapping loads, not a copy: a copy of variable length is a call to `memcpy`. Where the two
    // windows overlap they hold the same bytes, so OR-ing them is exact.
    let n = s.len();
    if n >= 8 {
        word8(s, 0)
    } else if n >= 4 {
        u64::from(word4(s, 0)) | (u64::from(word4(s, n - 4)) << (8 * (n - 4)))
    } else if n > 0 {
        let byte = |i: usize| u64::from(s.get(i).copied().unwrap_or(0));
        byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)))
    } else {
        0
    }
}

// Slice patterns, not `copy_from_slice`: the wasm build (std optimised for size) calls a function for
// every copy, where these compile to one load.
/// The 8 bytes at `at` as a little-endian integer (0 when they are not all there).
#[inline(always)]
pub(crate) fn word8(s: &[u8], at: usize) -> u64 {
    match s.get(at..at + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

/// The 4 bytes at `at` as a little-endian integer (0 when they are not all there).
#[inline(always)]
pub(crate) fn word4(s: &[u8], at: usize) -> u32 {
    match s.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_char_and_push_ascii_write_what_string_push_writes() {
        let (mut ours, mut core) = (String::new(), String::new());
        for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
            ours.push_char(c);
            core.push(c);
        }
        assert_eq!(ours, core);
        let (mut ours, mut core) = (String::new(), String::new());
        for b in 0..0x80u8 {
            ours.push_ascii(b);
            core.push(char::from(b));
        }
        assert_eq!(ours, core);
    }

    #[test]
    fn agrees_with_slice_equality_for_every_short_length() {
        // For each length up to 40 and each position, a difference at that position must be seen.
        for n in 0..=40usize {
            let a: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37).wrapping_add(1)).collect();
            assert!(eq(&a, &a.clone()) && eq_short(&a, &a.clone()), "equal, length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!eq(&a, &b) && !eq_short(&a, &b), "differs at {at} of {n}");
                b[at] ^= 0x81;
                assert!(!eq(&a, &b) && !eq_short(&a, &b), "differs at {at} of {n} (low bit)");
            }
            let mut longer = a.clone();
            longer.push(0);
            assert!(!eq(&a, &longer) && !eq_short(&a, &longer), "lengths {n} and {}", n + 1);
            assert!(!eq_short(&longer, &a), "lengths {} and {n}", n + 1);
        }
    }

    #[test]
    fn short_words_are_equal_exactly_when_the_strings_are() {
        let xs: [&[u8]; 9] = [b"", b"a", b"a\0", b"\0", b"ab", b"ba", b"abcdefg", b"abcdefh", b"abcdefgh"];
        for a in xs {
            for b in xs {
                match (short_word(a), short_word(b)) {
                    (Some(x), Some(y)) => assert_eq!(x == y, a == b, "{a:?} {b:?}"),
                    (x, y) => assert_eq!((x.is_none(), y.is_none()), (a.len() > 7, b.len() > 7)),
                }
            }
        }
        assert_ne!(short_word(b"\xff\xff\xff\xff\xff\xff\xff"), Some(u64::MAX));
    }

    #[test]
    fn short_words_hold_the_bytes() {
        for n in 0..=7usize {
            let s: Vec<u8> = (0..n as u8).map(|i| 0xa0 + i).collect();
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&s);
            w[7] = n as u8;
            assert_eq!(short_word(&s), Some(u64::from_le_bytes(w)), "length {n}");
        }
    }

    #[test]
    fn le_bytes_holds_the_bytes() {
        for n in 0..=10usize {
            let s: Vec<u8> = (0..n as u8).map(|i| 0xa0 + i).collect();
            let mut w = [0u8; 8];
            let k = n.min(8);
            w[..k].copy_from_slice(&s[..k]);
            assert_eq!(le_bytes(&s), u64::from_le_bytes(w), "length {n}");
        }
    }

    #[test]
    fn utf8_agrees_with_the_validator() {
        let cases: [&[u8]; 10] = [b"", b"DE", b"user-1234", &[0x7f; 32], &[0x41; 33], "é".as_bytes(), &[0xc3], &[0xff, 0x41], &[0x80], &[0xed, 0xa0, 0x80]];
        for c in cases {
            assert_eq!(utf8(c), core::str::from_utf8(c).ok(), "{c:?}");
        }
        for n in 1..=33usize {
            for at in 0..n {
                let mut v = vec![b'a'; n];
                v[at] = 0xe9; // a lone continuation-less lead byte: invalid anywhere
                assert_eq!(utf8(&v), None, "0xe9 at {at} of {n}");
            }
        }
        for b in 0..=255u8 {
            for n in [1usize, 31, 32, 33] {
                let mut v = vec![b'a'; n];
                v[n - 1] = b;
                assert_eq!(utf8(&v), core::str::from_utf8(&v).ok(), "byte {b:#x} at the end of {n}");
            }
        }
    }

    #[test]
    fn is_ascii_compact_is_core_is_ascii() {
        // a byte above 0x7F (or none) at every place of texts of 0 to 40 bytes: in the 16-byte blocks
        // and in the rest after them
        for n in 0..=40usize {
            assert!(is_ascii_compact(&vec![0x7f; n]), "all ASCII, {n}");
            for at in 0..n {
                for b in [0x80u8, 0xc3, 0xff] {
                    let mut v = vec![b'a'; n];
                    v[at] = b;
                    assert_eq!(is_ascii_compact(&v), v.is_ascii(), "{b:#x} at {at} of {n}");
                    assert!(!is_ascii_compact(&v));
                }
            }
        }
    }

    #[test]
    fn utf8_prefix_is_what_core_decides() {
        let core = |s: &[u8]| match core::str::from_utf8(s) {
            Ok(_) => (s.len(), false),
            Err(e) => (e.valid_up_to(), e.error_len().is_none()),
        };
        // every sequence of up to three bytes, after 0 or 17 bytes of ASCII (the 16-byte skip)
        let mut v = Vec::new();
        for pad in [0usize, 17] {
            for a in 0..=255u8 {
                for b in 0..=255u8 {
                    for n in 1..=2usize {
                        v.clear();
                        v.resize(pad, b'x');
                        v.push(a);
                        if n == 2 {
                            v.push(b);
                        }
                        assert_eq!(utf8_prefix(&v), core(&v), "{v:x?}");
                    }
                    if pad == 0 {
                        for c in [0x00u8, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff] {
                            let w = [a, b, c];
                            assert_eq!(utf8_prefix(&w), core(&w), "{w:x?}");
                            for d in [0x00u8, 0x41, 0x80, 0xbf, 0xc0, 0xf4] {
                                let w = [a, b, c, d, b'z'];
                                assert_eq!(utf8_prefix(&w), core(&w), "{w:x?}");
                                assert_eq!(utf8_prefix(&w[..4]), core(&w[..4]), "{w:x?}");
                            }
                        }
                    }
                }
            }
        }
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let w: Vec<u8> = (0..len).map(|i| [b'a', 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0x9f, 0xa0][((x >> (2 * i)) % 10) as usize]).collect();
            assert_eq!(utf8_prefix(&w), core(&w), "{w:x?}");
            assert_eq!(from_utf8(&w), core::str::from_utf8(&w).ok());
        }
        for t in ["", "plain", "é", "日本語", "😀 emoji", "\u{10ffff}", "mixed ascii and ünïcödé text of some length"] {
            assert_eq!(utf8_prefix(t.as_bytes()), (t.len(), false), "{t}");
        }
    }

    #[test]
    fn utf8_window_agrees_with_the_validator() {
        // What the chunked load did before: `from_utf8`, and the valid prefix of a window cut short.
        fn reference(s: &[u8], cut: bool) -> Option<&str> {
            match core::str::from_utf8(s) {
                Ok(t) => Some(t),
                Err(e) if cut && e.error_len().is_none() => core::str::from_utf8(&s[..e.valid_up_to()]).ok(),
                Err(_) => None,
            }
        }
        let chars: [&[u8]; 10] = [b"a", b"\x7f", "\u{e9}".as_bytes(), "\u{20ac}".as_bytes(), "\u{1f600}".as_bytes(), &[0x80], &[0xc3], &[0xe2, 0x82], &[0xf0, 0x9f, 0x98], &[0xed, 0xa0, 0x80]];
        for n in [0usize, 1, 7, 15, 16, 17, 31, 32, 33, 40] {
            for at in 0..=n {
                for c in chars {
                    for tail in [0usize, 1, 20] {
                        let mut v = vec![b'x'; at];
                        v.extend_from_slice(c);
                        v.extend(std::iter::repeat_n(b'y', n - at + tail));
                        for cut in [false, true] {
                            assert_eq!(utf8_window(&v, cut), reference(&v, cut), "{c:?} at {at}, {cut}");
                            let ends = &v[..at + c.len()];
                            assert_eq!(utf8_window(ends, cut), reference(ends, cut), "{c:?} ending {at}, {cut}");
                        }
                    }
                }
            }
        }
        assert_eq!(utf8_window(b"", true), Some(""));
    }

    #[test]
    fn strings() {
        assert!(str_eq("DE", "DE"));
        assert!(!str_eq("DE", "DK"));
        assert!(!str_eq("country", "countrx"));
        assert!(str_eq("", ""));
        assert!(!str_eq("é", "e\u{301}"));
    }
}
