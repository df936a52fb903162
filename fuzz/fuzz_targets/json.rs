//! Arbitrary bytes → the strict JSON parser (`edgeflag::json::parse_bytes`). It must never panic; what it
//! accepts must write back (`write_value`) to text that parses again to the same tree, and writing that
//! tree again must give the same text (the writer is canonical).
#![no_main]

use edgeflag::json::{parse_bytes, write_value, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions::default();
    let Ok(v) = parse_bytes(data, &opts) else { return };
    let mut once = String::new();
    write_value(&mut once, &v);
    let again = match parse_bytes(once.as_bytes(), &opts) {
        Ok(a) => a,
        Err(e) => panic!("the writer's output does not parse: {e}\n{once}"),
    };
    assert!(again == v, "the tree changed through write and parse");
    let mut twice = String::new();
    write_value(&mut twice, &again);
    assert_eq!(once, twice, "the writer is not canonical");
    let _ = format!("{v}");
});
