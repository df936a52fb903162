//! edgeflag's operators module (first the regular-expression module, whose file and names it keeps): the
//! rare operators for the WebAssembly runtime, loaded only when a snapshot may use one of them
//! (docs/ARCHITECTURE.md, "Rare operators on demand"): `matches` ([regex-lite](https://docs.rs/regex-lite)),
//! `semver_*` and `in_cidr` (edgeflag's own `src/semver.rs` and `src/cidr.rs`, the files native builds use).
//!
//! The exports are plain C-ABI functions over numbers (no wasm-bindgen): the host (www/src/regex.js)
//! copies a UTF-8 text into the buffer [`edgeflag_regex_buf`] returns, then calls
//! [`edgeflag_regex_compile`] (a pattern, or an operand of a semver or CIDR set) or
//! [`edgeflag_regex_is_match`] (a subject). Compiled regexes and operand sets are kept in one table and
//! named by handles (1, 2, …; 0 is "none"), released by [`edgeflag_regex_free`]. A refused pattern's
//! message (regex-lite's `Display`, exactly what native edgeflag shows) is read back through
//! [`edgeflag_regex_error_ptr`] and [`edgeflag_regex_error_len`]; a refused version or block has no message
//! here (the runtime writes it from the operand's text).
//!
//! The same code compiles natively (tests below); only the wasm build is shipped.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

use regex_lite::{Regex, RegexBuilder};

// edgeflag's parsers, the same files (and the helpers they use) as the edgeflag crate's.
#[allow(dead_code, missing_docs)]
#[path = "../../src/bytes.rs"]
mod bytes;
#[allow(dead_code, missing_docs)]
#[path = "../../src/cidr.rs"]
mod cidr;
#[allow(dead_code, missing_docs)]
#[path = "../../src/semver.rs"]
mod semver;
#[allow(dead_code, missing_docs)]
#[path = "../../src/split.rs"]
mod split;


/// What a `kind` of [`edgeflag_regex_compile`] compiles: 0 and 1 a regex (1: case-insensitive); 2 to 6 a
/// set of versions for `semver_eq`, `semver_lt`, `semver_lte`, `semver_gt`, `semver_gte`; 7 a set of CIDR
/// blocks (`in_cidr`). The runtime's `src/rare.rs` uses the same numbers.
const KIND_SEMVER_EQ: u32 = 2;
const KIND_CIDR: u32 = 7;

/// One compiled item of the table.
enum Item {
    /// A regex (`matches`).
    Regex(Regex),
    /// The operands of a `semver_*` condition, and its operator (a kind, 2 to 6).
    Versions(u32, Vec<semver::VersionBuf>),
    /// The operands of an `in_cidr` condition.
    Blocks(Vec<cidr::Cidr>),
}
/// The module's state: one instance serves one JS realm, single-threaded.
struct State {
    /// The text the host copies in (pattern or subject), reused and grown.
    buf: Vec<u8>,
    /// Compiled regexes and operand sets by handle − 1 (`None`: freed slot).
    regexes: Vec<Option<Item>>,
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
fn text(buf: &[u8], len: u32) -> Option<&str> {
    core::str::from_utf8(buf.get(..len as usize)?).ok()
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

/// Stores `item` in a free slot (reused first); its handle.
fn store(s: &mut State, item: Item) -> u32 {
    match s.free.pop() {
        Some(h) => {
            if let Some(slot) = s.regexes.get_mut(h as usize - 1) {
                *slot = Some(item);
            }
            h
        }
        None => {
            s.regexes.push(Some(item));
            s.regexes.len() as u32
        }
    }
}

/// Compiles the text in the buffer's first `len` bytes as `kind` says (see [`KIND_CIDR`]'s list).
///
/// A regex (kind 0 or 1, `arg` its program's size limit in bytes): its handle (≥ 1), or 0 when refused
/// (the message is then at [`edgeflag_regex_error_ptr`]). A semver or CIDR set (kinds 2 to 7): with `arg`
/// 0, a new empty set (the text is not read): its handle; with `arg` a set's handle (then any kind from 2
/// on: the set's own applies), the text is parsed and added to that set: 1, or 0 when it is not a version
/// (a CIDR block) or `arg` is no set.
#[no_mangle]
pub extern "C" fn edgeflag_regex_compile(len: u32, kind: u32, arg: u32) -> u32 {
    let s = state();
    if kind >= KIND_SEMVER_EQ {
        if arg == 0 {
            return store(s, if kind >= KIND_CIDR { Item::Blocks(Vec::new()) } else { Item::Versions(kind, Vec::new()) });
        }
        let t = text(&s.buf, len);
        let slot = s.regexes.get_mut((arg as usize).wrapping_sub(1));
        return match (slot, t) {
            (Some(Some(Item::Versions(_, v))), Some(t)) => semver::VersionBuf::parse(t).map(|b| v.push(b)).is_some() as u32,
            (Some(Some(Item::Blocks(v))), Some(t)) => cidr::Cidr::parse(t).map(|c| v.push(c)).is_some() as u32,
            _ => 0,
        };
    }
    let built = match text(&s.buf, len) {
        Some(p) => RegexBuilder::new(p).case_insensitive(kind != 0).size_limit(arg as usize).build(),
        None => {
            s.error = String::from("the pattern is not UTF-8");
            return 0;
        }
    };
    match built {
        Ok(r) => store(s, Item::Regex(r)),
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

/// Tests the subject in the buffer's first `len` bytes with `handle`: 1 when a regex matches it, a
/// version compares with one of a set's as its operator says, or an IP address lies in one of a set's
/// blocks; 0 when not (also for an unknown handle or a text that is not UTF-8); 2 when a semver (CIDR)
/// set's subject is not a version (an IP address).
#[no_mangle]
pub extern "C" fn edgeflag_regex_is_match(handle: u32, len: u32) -> u32 {
    let s = state();
    let Some(Some(item)) = s.regexes.get((handle as usize).wrapping_sub(1)) else { return 0 };
    let Some(t) = text(&s.buf, len) else { return 0 };
    match item {
        Item::Regex(r) => r.is_match(t) as u32,
        Item::Versions(op, ops) => {
            let Some(v) = semver::parse(t) else { return 2 };
            semver::any_satisfies(&v, ops, op - KIND_SEMVER_EQ) as u32
        }
        Item::Blocks(blocks) => {
            let Some(ip) = cidr::parse_ip(t) else { return 2 };
            blocks.iter().any(|b| b.contains(&ip)) as u32
        }
    }
}

/// Releases regex or set `handle` (an unknown or already freed handle is ignored).
#[no_mangle]
pub extern "C" fn edgeflag_regex_free(handle: u32) {
    let s = state();
    if let Some(slot @ Some(_)) = s.regexes.get_mut((handle as usize).wrapping_sub(1)) {
        *slot = None;
        s.free.push(handle);
    }
}

/// The number of live regexes and sets (tests: nothing leaks).
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

        // A `semver_gte` set (kind 2 + 4) and an `in_cidr` set (kind 7): created empty, then filled.
        let v = edgeflag_regex_compile(0, 6, 0);
        assert_eq!(edgeflag_regex_compile(put("2.3"), 6, v), 1);
        assert_eq!(edgeflag_regex_compile(put("2.03"), 6, v), 0, "not a version");
        assert_eq!(edgeflag_regex_is_match(v, put("2.3.1")), 1);
        assert_eq!(edgeflag_regex_is_match(v, put("2.2.9")), 0);
        assert_eq!(edgeflag_regex_is_match(v, put("x")), 2);
        let lt = edgeflag_regex_compile(0, 3, 0);
        assert_eq!(edgeflag_regex_is_match(lt, put("1.0.0")), 0, "an empty set matches nothing");
        assert_eq!(edgeflag_regex_is_match(lt, put("01")), 2);
        assert_eq!(edgeflag_regex_compile(put("1.0.0-rc.1"), 3, lt), 1);
        assert_eq!(edgeflag_regex_is_match(lt, put("1.0.0-beta")), 1);
        let c = edgeflag_regex_compile(0, 7, 0);
        assert_eq!(edgeflag_regex_compile(put("10.0.0.0/8"), 7, c), 1);
        assert_eq!(edgeflag_regex_compile(put("10.0.0.0/33"), 7, c), 0, "not a block");
        assert_eq!(edgeflag_regex_compile(put("2001:db8::/32"), 7, c), 1);
        assert_eq!(edgeflag_regex_compile(put("1.2.3.0/24"), 7, v), 0, "the set's own kind applies");
        assert_eq!(edgeflag_regex_compile(put("2.4"), 2, v), 1);
        assert_eq!(edgeflag_regex_compile(put("2.4"), 2, 99), 0, "no such set");
        assert_eq!(edgeflag_regex_is_match(c, put("10.1.2.3")), 1);
        assert_eq!(edgeflag_regex_is_match(c, put("2001:db8::1")), 1);
        assert_eq!(edgeflag_regex_is_match(c, put("::ffff:10.1.2.3")), 0);
        assert_eq!(edgeflag_regex_is_match(c, put("10.1.2")), 2);
        assert_eq!(edgeflag_regex_live(), 3);
        for h in [v, lt, c] {
            edgeflag_regex_free(h);
        }
        assert_eq!(edgeflag_regex_live(), 0);
    }
}
