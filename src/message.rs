//! Message text built without `core::fmt`: a load problem's message is a run of pieces (text,
//! decimal integers, JSON paths) that one non-generic function, [`cat`], appends to a `String`.
//! The load path's messages are written with [`msg!`] instead of `format!`, so the WebAssembly
//! build carries neither a `format_args!` frame per message nor the formatting machinery behind it
//! (docs/wasm-size.md). The texts are the same as `format!` would write.

use crate::bytes::Push;
use crate::error::Path;

/// One piece of a message.
#[derive(Clone, Copy)]
pub(crate) enum Part<'a> {
    /// Text, as is.
    Str(&'a str),
    /// A non-negative integer, in decimal (like `{}`).
    Int(u64),
    /// A JSON path, as [`Path`]'s `Display` writes it.
    Path(&'a Path<'a>),
}

impl<'a> From<&'a str> for Part<'a> {
    #[inline(always)]
    fn from(s: &'a str) -> Self {
        Part::Str(s)
    }
}

impl<'a> From<&'a String> for Part<'a> {
    #[inline(always)]
    fn from(s: &'a String) -> Self {
        Part::Str(s)
    }
}

impl<'a> From<&'a &'a str> for Part<'a> {
    #[inline(always)]
    fn from(s: &'a &'a str) -> Self {
        Part::Str(s)
    }
}

impl<'a> From<&'a std::borrow::Cow<'_, str>> for Part<'a> {
    #[inline(always)]
    fn from(s: &'a std::borrow::Cow<'_, str>) -> Self {
        Part::Str(s)
    }
}

impl<'a> From<&'a Path<'a>> for Part<'a> {
    #[inline(always)]
    fn from(p: &'a Path<'a>) -> Self {
        Part::Path(p)
    }
}

macro_rules! int_part {
    ($($t:ty),*) => {$(
        impl From<$t> for Part<'_> {
            #[inline(always)]
            fn from(n: $t) -> Self {
                Part::Int(n as u64)
            }
        }
    )*};
}
int_part!(u8, u16, u32, u64, usize);

/// The pieces, one after another, as a new `String`.
#[inline(never)]
pub(crate) fn cat(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    for part in parts {
        match *part {
            Part::Str(s) => out.push_str(s),
            Part::Int(n) => push_int(&mut out, n),
            Part::Path(p) => p.write_to(&mut out),
        }
    }
    out
}

/// A message from its pieces (`&str`, `&String`, unsigned integers, `&Path`), like `format!` with
/// `{}` for each: `msg!("percent ", text, " is over 100")`.
macro_rules! msg {
    ($($part:expr),+ $(,)?) => {
        $crate::message::cat(&[$($crate::message::Part::from($part)),+])
    };
}
pub(crate) use msg;

/// Whether this build reports load errors without their messages: the runtime `.wasm` (wasm32 without the
/// `messages` feature). Its error problems keep their paths and carry [`LEAN_MESSAGE`]; the diagnostics
/// module (`diagnose-module/`, loaded on demand) gives the full problems (docs/ARCHITECTURE.md, "Problem
/// messages on demand"). Every other build, native ones included, has the messages.
pub(crate) const LEAN: bool = cfg!(all(target_arch = "wasm32", not(feature = "messages")));

/// The message of every error problem in a [`LEAN`] build.
pub(crate) const LEAN_MESSAGE: &str = "refused: load edgeflag's diagnostics module (initDiagnostics()) for the reason";

/// An error problem's message, from its pieces as [`msg!`] takes them. In a [`LEAN`] build nothing is
/// evaluated (the pieces are only type-checked) and the text is empty: the problem carries
/// [`LEAN_MESSAGE`] instead (`Problem::error`), and the builders of the texts are left out of the `.wasm`.
macro_rules! why {
    ($($part:expr),+ $(,)?) => {
        if $crate::message::LEAN {
            #[allow(unreachable_code, clippy::all)]
            if false {
                let _ = ($($part,)+);
            }
            ::std::string::String::new()
        } else {
            $crate::message::msg!($($part),+)
        }
    };
}
pub(crate) use why;

/// `items` with `sep` between them, as `[&str]::join` (a loop: core's generic `join` is about
/// 1 KB of wasm for three cold messages).
pub(crate) fn join(items: &[&str], sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out
}

/// Appends `n` in decimal (as `{}` writes it).
pub(crate) fn push_int(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push_ascii(d);
    }
}

/// Appends `n` as at least `width` upper-case hexadecimal digits (as `{:04X}` writes it for width 4).
pub(crate) fn push_hex(out: &mut String, n: u32, width: u32) {
    let mut shift = 28;
    while shift > 0 && shift >= 4 * width && n >> shift == 0 {
        shift -= 4;
    }
    loop {
        out.push_ascii(b"0123456789ABCDEF"[(n >> shift & 15) as usize]);
        if shift == 0 {
            break;
        }
        shift -= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_format_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
            let mut s = String::from("x");
            push_int(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn hex_as_format_writes_it() {
        for n in [0u32, 1, 0xA, 0x1F, 0xFF, 0x100, 0xD800, 0xFFFF, 0x10000, 0x10FFFF, u32::MAX] {
            let mut s = String::new();
            push_hex(&mut s, n, 4);
            assert_eq!(s, format!("{n:04X}"));
            let mut s = String::new();
            push_hex(&mut s, n, 2);
            assert_eq!(s, format!("{n:02X}"));
        }
    }

    #[test]
    fn join_as_slices_join() {
        for items in [&[][..], &["a"][..], &["a", "b", "c"][..], &["", ""][..]] {
            assert_eq!(join(items, " → "), items.join(" → "));
        }
    }

    #[test]
    fn why_is_msg_outside_the_lean_build() {
        const { assert!(!LEAN, "native builds keep the messages") };
        let at = Path::Root.key("flags");
        assert_eq!(why!("unknown flag \"", "x", "\" at ", &at, " (", 3usize, ")"), msg!("unknown flag \"", "x", "\" at ", &at, " (", 3usize, ")"));
    }

    #[test]
    fn pieces_in_order() {
        let root = Path::Root;
        let flags = root.key("flags");
        let a = flags.key("a");
        let at = a.index(3);
        let text = String::from("t");
        assert_eq!(msg!("a ", &text, " ", 42usize, " at ", &at), "a t 42 at flags.a[3]");
        assert_eq!(msg!(&root), "(root)");
    }
}
