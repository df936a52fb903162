//! edgeflag's diagnostics module: what native edgeflag reports about a refused snapshot (every problem,
//! with its message and JSON path), for the WebAssembly runtime, whose own problems carry the paths and a
//! fixed text (docs/ARCHITECTURE.md, "Problem messages on demand"). Loaded by www/src/diagnostics.js only
//! when a snapshot is refused.
//!
//! The exports are plain C-ABI functions over numbers (no wasm-bindgen): the host copies the snapshot's
//! bytes, then the limits' JSON text, into the buffer [`edgeflag_diagnose_buf`] returns, and calls
//! [`edgeflag_diagnose`]; the refusal's JSON (`{"message", "problems": [{"path","message"}]}`, exactly the
//! runtime's `loadError()` without `"lean"`) then replaces them in the buffer, at [`edgeflag_diagnose_out`].
//!
//! The same code compiles natively (tests below); only the wasm build is shipped.
#![warn(missing_docs)]

use edgeflag::Engine;

/// The one buffer: the host's input (the snapshot's bytes, then the limits' JSON), then the refusal's JSON.
static mut BUF: Vec<u8> = Vec::new();

/// The buffer. Sound because the module is single-threaded (wasm32 without atomics) and no export holds the
/// reference across a call into another export.
#[allow(unsafe_code)]
fn buf() -> &'static mut Vec<u8> {
    // SAFETY: see above: one thread, and every export takes the reference once, for its own duration.
    unsafe { &mut *core::ptr::addr_of_mut!(BUF) }
}

/// A buffer of exactly `len` bytes for the host to copy into; its address (valid until the next call).
#[no_mangle]
pub extern "C" fn edgeflag_diagnose_buf(len: u32) -> *mut u8 {
    let b = buf();
    b.clear();
    b.resize(len as usize, 0);
    b.as_mut_ptr()
}

/// Loads the snapshot in the buffer's first `len` bytes, with the limits in the `limits_len` bytes after
/// it (JSON; 0 bytes: the defaults) at the time `now_ms` (as the runtime's loader takes it, `edgeflag_loader_new`). Returns
/// the length in bytes of the refusal's JSON, which replaces the input at [`edgeflag_diagnose_out`] (0: the
/// snapshot loads).
#[no_mangle]
pub extern "C" fn edgeflag_diagnose(len: u32, limits_len: u32, now_ms: f64) -> u32 {
    let b = buf();
    let (len, limits_len) = (len as usize, limits_len as usize);
    let limits = match limits_len {
        0 => None,
        n => Some(b.get(len..len + n).and_then(|l| core::str::from_utf8(l).ok()).unwrap_or("")),
    };
    let now = if now_ms.is_finite() { now_ms as i64 } else { 0 };
    let out = Engine::from_host(b.get(..len).unwrap_or_default(), Some(now), limits).err().unwrap_or_default();
    *b = out.into_bytes();
    b.len() as u32
}

/// The address of the last refusal's JSON (UTF-8, the length [`edgeflag_diagnose`] returned).
#[no_mangle]
pub extern "C" fn edgeflag_diagnose_out() -> *const u8 {
    buf().as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnose(text: &str, limits: &str) -> String {
        let all = [text.as_bytes(), limits.as_bytes()].concat();
        let p = edgeflag_diagnose_buf(all.len() as u32);
        // SAFETY: the buffer holds at least all.len() bytes.
        #[allow(unsafe_code)]
        unsafe {
            core::ptr::copy_nonoverlapping(all.as_ptr(), p, all.len())
        };
        let n = edgeflag_diagnose(text.len() as u32, limits.len() as u32, 0.0);
        String::from_utf8(buf().get(..n as usize).unwrap_or_default().to_vec()).unwrap_or_default()
    }

    // One test: the state is global (tests run in parallel threads otherwise).
    #[test]
    fn refusals_as_native_and_loads_as_nothing() {
        let ok = r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true},"default":"on"}}}"#;
        assert_eq!(diagnose(ok, ""), "");
        let bad = r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true},"default":"x"},"g":{"variants":{"a":"a"},"default":"a","rules":[{"when":{"attr":"k","op":"matches","value":"("},"serve":"a"}]}}}"#;
        let native = edgeflag::Engine::from_json(bad).err().map(|e| e.to_json()).unwrap_or_default();
        assert!(native.contains("flags.f.default") && native.contains("invalid regular expression"), "{native}");
        assert_eq!(diagnose(bad, ""), native);
        assert_eq!(diagnose(ok, r#"{"maxBytes":10}"#), edgeflag::Engine::from_host(ok.as_bytes(), None, Some(r#"{"maxBytes":10}"#)).err().unwrap_or_default());
        assert!(diagnose(ok, r#"{"nope":1}"#).contains("unknown limit"));
    }
}
