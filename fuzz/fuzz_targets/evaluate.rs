//! Evaluation with arbitrary contexts. Input layout:
//!
//! ```text
//! [select: u8] [mode: u8] [now: i64 LE, 8 bytes] [rest]
//! ```
//! * `select < N` (N = the snapshots in `fuzz/snapshots/`, written by `fuzz/seed.sh`, loaded once): that
//!   snapshot, and `rest` is the context. Otherwise the input carries its own snapshot:
//!   `rest = [len: u16 LE] [snapshot bytes] [context]` (a snapshot derived from the corpus by mutation).
//! * `mode` even: the context is the JS↔wasm byte encoding, decoded by `context::decode_slots` for the
//!   snapshot's slot count (malformed buffers must be refused, never panic). `mode` odd: the context is
//!   JSON text (`Context::from_json`); it is then also encoded with `context::encode` and evaluated through
//!   the decoder, and both paths must give the same result for every flag (the native lookup and the
//!   wasm path agree).
//!
//! Every flag is evaluated (typed and untyped reads) and explained; the trace must agree with the result.
#![no_main]

use edgeflag::context::{decode_slots, encode, Attributes};
use edgeflag::{Attr, Context, Engine, LoadOptions, ValueKind};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn snapshots() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        let engines: Vec<Engine> = files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .filter_map(|b| Engine::from_slice(&b, &LoadOptions::default()).ok())
            .collect();
        if engines.is_empty() {
            eprintln!("evaluate: no snapshot in {} (run fuzz/seed.sh); only inputs carrying a snapshot are used", dir.display());
        }
        engines
    })
}

fn exercise<C: Attributes + ?Sized>(engine: &Engine, ctx: &C, now: i64) {
    for i in 0..engine.flag_count() as u32 {
        let d = engine.evaluate_index(i, ctx, now);
        let _ = d.to_json();
        let t = engine.explain_index(i, ctx, now);
        assert_eq!(t.variant.as_deref(), d.variant, "explain and evaluate disagree on the variant");
        assert_eq!(t.rule_index, d.rule_index, "explain and evaluate disagree on the rule");
        let _ = (t.to_json(), t.to_text());
    }
    let keys: Vec<String> = engine.flag_keys().take(4).map(String::from).collect();
    for k in keys.iter().map(String::as_str).chain(["no-such-flag"]) {
        for kind in [ValueKind::Boolean, ValueKind::String, ValueKind::Number, ValueKind::Json] {
            let _ = engine.evaluate_typed(k, kind, ctx, now);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let (select, mode) = (data[0] as usize, data[1]);
    let now = i64::from_le_bytes(data[2..10].try_into().unwrap_or([0; 8]));
    let rest = &data[10..];
    let owned;
    let (engine, ctx_bytes): (&Engine, &[u8]) = match snapshots().get(select) {
        Some(e) => (e, rest),
        None => {
            if rest.len() < 2 {
                return;
            }
            let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
            let body = &rest[2..];
            let (snap, ctx) = body.split_at(n.min(body.len()));
            owned = match Engine::from_slice(snap, &LoadOptions::default()) {
                Ok(e) => e,
                Err(_) => return,
            };
            (&owned, ctx)
        }
    };
    let n = engine.attribute_paths().len();
    if mode % 2 == 0 {
        let mut slots: Vec<Attr<'_>> = Vec::new();
        if decode_slots(ctx_bytes, n, &mut slots).is_ok() {
            for i in 0..engine.flag_count() as u32 {
                let _ = engine.evaluate_slots(i, &slots, now).to_json();
            }
            exercise(engine, &edgeflag::context::Slots(&slots), now);
        }
    } else {
        let Ok(text) = std::str::from_utf8(ctx_bytes) else { return };
        let Ok(ctx) = Context::from_json(text) else { return };
        exercise(engine, &ctx, now);
        let bytes = encode(&ctx, engine.attribute_paths());
        let mut slots: Vec<Attr<'_>> = Vec::new();
        if let Err(e) = decode_slots(&bytes, n, &mut slots) {
            panic!("the decoder refuses what the encoder wrote: {e:?}");
        }
        for i in 0..engine.flag_count() as u32 {
            let native = engine.evaluate_index(i, &ctx, now);
            let encoded = engine.evaluate_slots(i, &slots, now);
            assert_eq!(native, encoded, "native and encoded contexts disagree on flag {i}");
        }
    }
});
