//! edgeflag's regular-expression module: [regex-lite](https://docs.rs/regex-lite) for the WebAssembly
//! runtime, loaded only when a snapshot uses `matches` (docs/ARCHITECTURE.md, "Regular expressions on
//! demand").
//!
//! The exports are plain C-ABI functions over numbers (no wasm-bindgen): the host (www/src/regex.js)
//! copies a UTF-8 text into the buffer [`edgeflag_regex_buf`] returns, then calls
//! [`edgeflag_regex_compile`] (a pattern) or [`edgeflag_regex_is_match`] (a subject). Compiled regexes
//! are kept in a table and named by handles (1, 2, …; 0 is "none"), released by
//! [`edgeflag_regex_free`]. A refused pattern's message (regex-lite's `Display`, exactly what native
//! edgeflag shows) is read back through [`edgeflag_regex_error_ptr`] and [`edgeflag_regex_error_len`].
//!
//! The same code compiles natively (tests below); only the wasm build is shipped.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

use regex_lite::{Regex, RegexBuilder};

/// The module's state: one instance serves one JS realm, single-threaded.
struct State {
    /// The text the host copies in (pattern or subject), reused and grown.
    buf: Vec<u8>,
    /// Compiled regexes by handle − 1 (`None`: freed slot).
    regexes: Vec<Option<Regex>>,
    /// Freed slots, reused first.
    free: Vec<u32>,
    /// The message of the last refused pattern.
    error: String,
}

static mut STATE: State = State { buf: Vec::new(), regexes: Vec::new(), free: Vec::new(), error: String::new() };

/// The module's state. Sound because the module is single-threaded (wasm32 without atomics) and no
/// export holds the reference across a call into another export.
#[allow(unsafe_code)]
fn state() -> &'static mut State {
    // SAFETY: see above: one thread, and every export takes the reference once, for its own duration.
    unsafe { &mut *core::ptr::addr_of_mut!(STATE) }
}

/// The host's text: the first `len` bytes of the buffer, if that many were asked for and are UTF-8.
fn text(s: &State, len: u32) -> Option<&str> {
    core::str::from_utf8(s.buf.get(..len as usize)?).ok()
}

/// A buffer of at least `len` bytes for the host to copy a text into; its address (valid until the
/// next call of this function).
#[no_mangle]
pub extern "C" fn edgeflag_regex_buf(len: u32) -> *mut u8 {
    let s = state();
    if s.buf.len() < len as usize {
        s.buf.resize(len as usize, 0);
    }
    s.buf.as_mut_ptr()
}

/// Compiles the pattern in the buffer's first `len` bytes (`ignore_case`: 1 for case-insensitive), its
/// program within `size_limit` bytes. Returns its handle (≥ 1), or 0 when refused: the message is then
/// at [`edgeflag_regex_error_ptr`].
#[no_mangle]
pub extern "C" fn edgeflag_regex_compile(len: u32, ignore_case: u32, size_limit: u32) -> u32 {
    let s = state();
    let built = match text(s, len) {
        Some(p) => RegexBuilder::new(p).case_insensitive(ignore_case != 0).size_limit(size_limit as usize).build(),
        None => {
            s.error = String::from("the pattern is not UTF-8");
            return 0;
        }
    };
    match built {
        Ok(r) => match s.free.pop() {
            Some(h) => {
                if let Some(slot) = s.regexes.get_mut(h as usize - 1) {
                    *slot = Some(r);
                }
                h
            }
            None => {
                s.regexes.push(Some(r));
                s.regexes.len() as u32
            }
        },
        Err(e) => {
            s.error = e.to_string();
            0
        }
    }
}

/// The address of the last refused pattern's message (UTF-8, [`edgeflag_regex_error_len`] bytes).
#[no_mangle]
pub extern "C" fn edgeflag_regex_error_ptr() -> *const u8 {
    state().error.as_ptr()
}

/// The length in bytes of the last refused pattern's message.
#[no_mangle]
pub extern "C" fn edgeflag_regex_error_len() -> u32 {
    state().error.len() as u32
}

/// Whether regex `handle` matches the subject in the buffer's first `len` bytes: 1 or 0 (also 0 for
/// an unknown handle or a text that is not UTF-8).
#[no_mangle]
pub extern "C" fn edgeflag_regex_is_match(handle: u32, len: u32) -> u32 {
    let s = state();
    let Some(Some(r)) = s.regexes.get((handle as usize).wrapping_sub(1)) else { return 0 };
    text(s, len).is_some_and(|t| r.is_match(t)) as u32
}

/// Releases regex `handle` (an unknown or already freed handle is ignored).
#[no_mangle]
pub extern "C" fn edgeflag_regex_free(handle: u32) {
    let s = state();
    if let Some(slot @ Some(_)) = s.regexes.get_mut((handle as usize).wrapping_sub(1)) {
        *slot = None;
        s.free.push(handle);
    }
}

/// The number of live regexes (tests: nothing leaks).
#[no_mangle]
pub extern "C" fn edgeflag_regex_live() -> u32 {
    let s = state();
    (s.regexes.len() - s.free.len()) as u32
}

// The runtime's own allocator (src/heap.rs, the same file: smaller than talc and std's dlmalloc), for
// single-threaded WebAssembly (wasm32 without the atomics feature).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[path = "../../src/heap.rs"]
mod heap;

/// The module's allocator, as the runtime's.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: heap::Global = heap::Global::new();

#[cfg(test)]
mod tests {
    use super::*;

    fn put(t: &str) -> u32 {
        let p = edgeflag_regex_buf(t.len() as u32);
        // SAFETY: the buffer holds at least t.len() bytes.
        #[allow(unsafe_code)]
        unsafe {
            core::ptr::copy_nonoverlapping(t.as_ptr(), p, t.len())
        };
        t.len() as u32
    }

    fn error() -> String {
        String::from(state().error.as_str())
    }

    // One test: the state is global (tests run in parallel threads otherwise).
    #[test]
    fn compile_match_free_and_errors() {
        let h = edgeflag_regex_compile(put("^ab+c$"), 0, 1 << 16);
        assert!(h >= 1);
        assert_eq!(edgeflag_regex_is_match(h, put("abbc")), 1);
        assert_eq!(edgeflag_regex_is_match(h, put("ABBC")), 0);
        let i = edgeflag_regex_compile(put("^ab+c$"), 1, 1 << 16);
        assert_eq!(edgeflag_regex_is_match(i, put("ABBC")), 1);
        assert_eq!(edgeflag_regex_live(), 2);
        edgeflag_regex_free(h);
        edgeflag_regex_free(h);
        assert_eq!(edgeflag_regex_live(), 1);
        assert_eq!(edgeflag_regex_is_match(h, put("abbc")), 0);
        assert_eq!(edgeflag_regex_compile(put("("), 0, 1 << 16), 0);
        assert_eq!(error(), RegexBuilder::new("(").build().map(|_| ()).unwrap_err().to_string());
        assert_eq!(edgeflag_regex_compile(put("(?:a{100}){100}"), 0, 256), 0);
        assert!(error().contains("size limit"));
        let j = edgeflag_regex_compile(put("x"), 0, 256);
        assert_eq!(j, h, "a freed slot is reused");
        edgeflag_regex_free(i);
        edgeflag_regex_free(j);
        assert_eq!(edgeflag_regex_live(), 0);
        assert_eq!(edgeflag_regex_is_match(0, 0), 0);
    }
}
