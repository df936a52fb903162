//! Finding and splitting text at an ASCII byte.
//!
//! `str::find(char)`, `split(char)` and `split_once(char)` go through core's `CharSearcher`, which
//! encodes the character as UTF-8 and searches with `memchr`: in the wasm build (opt-level "z") that
//! is about 1 KB of code (the searcher, `memchr`'s word-at-a-time loop, `Split`'s iterator) for the
//! few delimiters we split at (`.` of attribute paths and versions, `+`/`-` of versions, `/` of CIDR
//! blocks). These byte loops give the same results for an ASCII delimiter (a byte below 0x80 is never
//! part of a longer UTF-8 sequence, so every position they cut at is a character boundary) and are as
//! fast for the short texts they see.
//!
//! Invariant: for an ASCII `sep`, [`find`], [`split_once`] and [`split`] equal `s.find(c)`,
//! `s.split_once(c)` and `s.split(c)` with `c = sep as char` (tested below).

/// The index of the first `sep` in `s`, as `s.find(sep as char)` (`sep` ASCII).
#[inline]
pub(crate) fn find(s: &str, sep: u8) -> Option<usize> {
    // (a plain loop: `position`'s `try_fold` would be kept out of line in the wasm build)
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == sep {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `s` before and after its first `sep`, as `s.split_once(sep as char)` (`sep` ASCII).
#[inline]
pub(crate) fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = find(s, sep)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// The pieces of `s` between each `sep`, as `s.split(sep as char)` (`sep` ASCII): at least one, empty
/// pieces included.
#[inline]
pub(crate) fn split(s: &str, sep: u8) -> Split<'_> {
    Split { rest: Some(s), sep }
}

/// The iterator of [`split`].
pub(crate) struct Split<'a> {
    /// What is left to split; `None` once the last piece was given.
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once(s, self.sep) {
            Some((piece, rest)) => {
                self.rest = Some(rest);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_str_methods() {
        let texts = [
            "", ".", "..", "a", "a.b", ".a", "a.", "a..b", "1.2.3-rc.1+build.5", "é.ü/ß+€-ñ", "/", "10.0.0.0/8", "a/b/c", "++", "--x",
        ];
        for s in texts {
            for sep in [b'.', b'/', b'+', b'-', b'x'] {
                let c = sep as char;
                assert_eq!(find(s, sep), s.find(c), "{s:?} {c:?}");
                assert_eq!(split_once(s, sep), s.split_once(c), "{s:?} {c:?}");
                assert_eq!(split(s, sep).collect::<Vec<_>>(), s.split(c).collect::<Vec<_>>(), "{s:?} {c:?}");
            }
        }
    }
}
