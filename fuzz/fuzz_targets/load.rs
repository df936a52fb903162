//! Arbitrary bytes → `Engine::from_slice` with the default limits. Loading must never panic, hang or
//! allocate without bound; a refusal must carry at least one problem. When the bytes load, every flag
//! is evaluated (and explained) with an empty context and with a keyed one, at a fixed instant.
#![no_main]

use edgeflag::{Context, Engine, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Engine::from_slice(data, &LoadOptions { now_ms: Some(1_800_000_000_000), ..LoadOptions::default() }) {
        Err(e) => assert!(!e.problems.is_empty(), "a refusal without a problem"),
        Ok(engine) => {
            let contexts = [Context::empty(), Context::new("user-1")];
            for i in 0..engine.flag_count() as u32 {
                for c in &contexts {
                    let d = engine.evaluate_index(i, c, 1_800_000_000_000);
                    let _ = d.to_json();
                    let t = engine.explain_index(i, c, 1_800_000_000_000);
                    assert_eq!(t.variant.as_deref(), d.variant, "explain and evaluate disagree");
                    let _ = (t.to_json(), t.to_text());
                }
            }
        }
    }
});
