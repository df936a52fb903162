//! Every limit of spec §8 (and the two this implementation adds), and each hostile input of issue 5: deep
//! nesting, huge lists and strings, pathological regexes, huge or odd numbers, duplicate keys, invalid
//! UTF-8, lone surrogates, long reference chains and shared references that multiply the work. Each is
//! either accepted with its documented meaning or refused with a clear error at the right JSON path; none
//! panics or overflows the stack (integration tests run on 2 MiB threads). Times are measured in
//! `benches/adversarial.rs`, not asserted here.

use edgeflag::{Context, Engine, Limits, LoadError, LoadOptions, Problem, Reason};

const NOW: i64 = 1_800_000_000_000;

fn with(limits: Limits) -> LoadOptions {
    LoadOptions { limits, now_ms: None }
}

fn refused(text: &str, opts: &LoadOptions) -> Vec<Problem> {
    match Engine::from_json_with(text, opts) {
        Ok(_) => panic!("expected a refusal: {}", &text[..text.len().min(300)]),
        Err(LoadError { problems }) => {
            assert!(!problems.is_empty());
            problems
        }
    }
}

/// The single problem of a refusal, checked for its path and a fragment of its message.
#[track_caller]
fn assert_refused(text: &str, opts: &LoadOptions, path: &str, fragment: &str) {
    let problems = refused(text, opts);
    assert!(
        problems.iter().any(|p| p.path == path && p.message.contains(fragment)),
        "expected {path}: …{fragment}…, got {problems:#?}"
    );
}

fn one_flag(rules: &str) -> String {
    format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{rules}]}}}}}}"#)
}

fn is_on(e: &Engine, ctx: &Context) -> bool {
    e.boolean("f", ctx, false, NOW).value
}

// ---- spec §8 limits ---------------------------------------------------------------------------------

#[test]
fn max_bytes() {
    let base = one_flag(r#"{"serve":"on"}"#);
    let limit = Limits::default().max_bytes;
    let at_limit = format!("{base}{}", " ".repeat(limit - base.len()));
    assert!(Engine::from_json(&at_limit).is_ok(), "exactly 16 MiB loads");
    let over = format!("{at_limit} ");
    assert_refused(&over, &LoadOptions::default(), "(root)", "the snapshot is 16777217 bytes; the limit is 16777216 bytes");
    // From bytes, the size is checked before anything else (even before UTF-8).
    let mut bytes = over.into_bytes();
    bytes[0] = 0xff;
    let p = Engine::from_slice(&bytes, &LoadOptions::default()).unwrap_err().problems;
    assert!(p[0].message.contains("the limit is 16777216 bytes"), "{p:?}");
    assert_refused(&base, &with(Limits { max_bytes: 64, ..Limits::default() }), "(root)", "the limit is 64 bytes");
}

fn nested_condition(depth: usize) -> String {
    let mut c = String::from(r#"{"attr":"a","op":"exists"}"#);
    for i in 1..depth {
        c = match i % 3 {
            0 => format!(r#"{{"not":{c}}}"#),
            1 => format!(r#"{{"all":[{c}]}}"#),
            _ => format!(r#"{{"any":[{c}]}}"#),
        };
    }
    c
}

#[test]
fn max_condition_depth() {
    let ok = Engine::from_json(&one_flag(&format!(r#"{{"when":{},"serve":"on"}}"#, nested_condition(32)))).unwrap();
    assert!(!is_on(&ok, &Context::new("u")), "depth 32 loads and evaluates");
    let text = one_flag(&format!(r#"{{"when":{},"serve":"on"}}"#, nested_condition(33)));
    let p = refused(&text, &LoadOptions::default());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("nested deeper than 32 levels"), "{p:?}");
    // The path names the first condition past the limit: 32 steps down from `when`.
    let steps = p[0].path.matches("all[0]").count() + p[0].path.matches("any[0]").count() + p[0].path.matches(".not").count();
    assert!(p[0].path.starts_with("flags.f.rules[0].when.") && steps == 32, "{}", p[0].path);
    assert_refused(
        &one_flag(&format!(r#"{{"when":{},"serve":"on"}}"#, nested_condition(3))),
        &with(Limits { max_condition_depth: 2, ..Limits::default() }),
        "flags.f.rules[0].when.any[0].all[0]",
        "nested deeper than 2 levels",
    );
    // Segment references add nothing to the depth: each segment's `when` is measured on its own.
    let top = format!(r#"{{"all":[{}]}}"#, nested_condition(31).replace(r#"{"attr":"a","op":"exists"}"#, r#"{"segment":"s"}"#));
    let seg = format!(
        r#"{{"schema":1,"version":1,"segments":{{"s":{{"when":{}}}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{top},"serve":"on"}}]}}}}}}"#,
        nested_condition(32),
    );
    assert!(Engine::from_json(&seg).is_ok());
}

fn prerequisite_chain(n: usize) -> String {
    let flags: Vec<String> = (0..n)
        .map(|i| {
            let req = if i + 1 < n { format!(r#","requires":[{{"flag":"f{}","variants":["on"]}}]"#, i + 1) } else { String::new() };
            format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"on"{req}}}"#)
        })
        .collect();
    format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))
}

#[test]
fn max_prerequisite_depth() {
    let e = Engine::from_json(&prerequisite_chain(17)).unwrap(); // 16 edges
    assert_eq!(e.evaluate("f0", &Context::empty(), NOW).reason, Reason::Static);
    assert_refused(&prerequisite_chain(18), &LoadOptions::default(), "flags.f0.requires[0].flag", "prerequisite chain of 17 steps is longer than the limit of 16");
    // A limit above the evaluator's nesting bound (64) cannot be honoured: chains stop at 64.
    let lifted = with(Limits { max_prerequisite_depth: 1000, ..Limits::default() });
    assert!(Engine::from_json_with(&prerequisite_chain(65), &lifted).is_ok());
    assert_refused(&prerequisite_chain(70), &lifted, "flags.f0.requires[0].flag", "prerequisite chain of 69 steps is longer than the limit of 64");
}

#[test]
fn long_chains_are_refused_without_exhausting_the_stack() {
    // 100,000 flags in one prerequisite chain, 100,000 segments in one reference chain: validation is
    // iterative (this test thread has a 2 MiB stack).
    let p = refused(&prerequisite_chain(100_000), &LoadOptions::default());
    assert_eq!(p.len(), 1, "reported once, where the chain starts");
    assert_eq!(p[0].path, "flags.f0.requires[0].flag");
    assert!(p[0].message.contains("prerequisite chain of 99999 steps"), "{}", p[0].message);
    let p = refused(&segment_chain(100_000), &LoadOptions::default());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "segments.s0.when.segment");
    assert!(p[0].message.contains("segment reference chain of 99999 steps is longer than the limit of 16"), "{}", p[0].message);
}

#[test]
fn max_regex_bytes() {
    let rule = |pat: &str| one_flag(&format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(pat)));
    let e = Engine::from_json(&rule(&"a".repeat(1024))).unwrap();
    assert!(is_on(&e, &Context::new("u").with("s", "a".repeat(1024))));
    assert_refused(&rule(&"a".repeat(1025)), &LoadOptions::default(), "flags.f.rules[0].when.value", "regular expression is 1025 bytes; the limit is 1024");
    // Bytes, not characters: 513 × "é" is 1026 bytes.
    assert_refused(&rule(&"é".repeat(513)), &LoadOptions::default(), "flags.f.rules[0].when.value", "1026 bytes");
    // The compiled program is bounded as well (64 × 1 KiB): counted repetitions multiply it.
    for pat in ["(?:a{100}){100}b", "((((a*){10}){10}){10}){10}b", "((a*){30}){30}b"] {
        assert_refused(&rule(pat), &LoadOptions::default(), "flags.f.rules[0].when.value", "compiles to more than 65536 bytes");
    }
    // ...while every 1 KiB pattern without counted repetitions fits, case-insensitive ones included.
    let words: Vec<String> = (0..170).map(|i| format!("w{i:03}x")).collect();
    for pat in [format!("(?i){}", "abcdefghij".repeat(102)), words.join("|"), format!("{}(a*)*b", "(a*)*b|".repeat(145)), "a{1000}".into()] {
        assert!(pat.len() <= 1024);
        Engine::from_json(&rule(&pat)).unwrap_or_else(|e| panic!("{pat}: {e:?}"));
    }
    assert_refused(&rule("(?:a{10}){10}"), &with(Limits { max_regex_bytes: 16, ..Limits::default() }), "flags.f.rules[0].when.value", "compiles to more than 1024 bytes");
    // All the regexes of a snapshot share a budget of compiled size (1 MiB by default): 16 of the costliest
    // 1 KiB patterns (64 KiB each), or a thousand ordinary ones.
    let heavy = format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(&format!("{}(a*)*b", "(a*)*b|".repeat(145))));
    assert!(Engine::from_json(&one_flag(&vec![heavy.clone(); 16].join(","))).is_ok());
    assert_refused(
        &one_flag(&vec![heavy; 17].join(",")),
        &LoadOptions::default(),
        "flags.f.rules[16].when.value",
        "compile to more than 1114112 bytes in all (this one up to 65536); the limit is 1048576",
    );
    let ordinary: Vec<String> = (0..1000).map(|i| format!(r#"{{"when":{{"attr":"email","op":"matches","value":"@example{i}\\.com$"}},"serve":"on"}}"#)).collect();
    assert!(Engine::from_json(&one_flag(&ordinary.join(","))).is_ok(), "a thousand ordinary patterns (1 KiB each)");
    assert_refused(&one_flag(&ordinary.join(",")), &with(Limits { max_regex_total_bytes: 100_000, ..Limits::default() }), "flags.f.rules[97].when.value", "the limit is 100000");
}

#[test]
fn max_json_depth() {
    // The top object is level 1; flags 2, f 3, variants 4: a value with 124 arrays reaches level 128.
    let variant = |k: usize| format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"a":{}1{}}},"default":"a"}}}}}}"#, "[".repeat(k), "]".repeat(k));
    assert!(Engine::from_json(&variant(124)).is_ok());
    let p = refused(&variant(125), &LoadOptions::default());
    assert_eq!(p[0].path, "(root)");
    assert!(p[0].message.contains("128"), "{}", p[0].message);
    for open in ["[", "{\"a\":", "[{\"a\":"] {
        let p = refused(&open.repeat(300_000), &LoadOptions::default());
        assert_eq!(p[0].path, "(root)");
    }
    // Contexts have the same bound.
    assert!(Context::from_json(&format!("{{\"a\":{}1{}}}", "[".repeat(126), "]".repeat(126))).is_ok());
    assert!(Context::from_json(&format!("{{\"a\":{}1{}}}", "[".repeat(300_000), "]".repeat(300_000))).is_err());
}

// ---- the limits this implementation adds -------------------------------------------------------------

fn segment_chain(n: usize) -> String {
    let mut segs: Vec<String> = (0..n - 1).map(|i| format!(r#""s{i}":{{"when":{{"segment":"s{}"}}}}"#, i + 1)).collect();
    segs.push(format!(r#""s{}":{{"include":["u"]}}"#, n - 1));
    format!(
        r#"{{"schema":1,"version":1,"segments":{{{}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s0"}},"serve":"on"}}]}}}}}}"#,
        segs.join(",")
    )
}

#[test]
fn max_segment_depth() {
    let e = Engine::from_json(&segment_chain(17)).unwrap(); // 16 references between segments
    assert!(is_on(&e, &Context::new("u")), "the last segment's include decides through the whole chain");
    assert!(!is_on(&e, &Context::new("v")));
    assert_refused(&segment_chain(18), &LoadOptions::default(), "segments.s0.when.segment", "segment reference chain of 17 steps is longer than the limit of 16");
    // Lifted: at most 63 whatever the setting, so the evaluator's nesting bound (64) is never what decides.
    let lifted = with(Limits { max_segment_depth: 1000, ..Limits::default() });
    let e = Engine::from_json_with(&segment_chain(64), &lifted).unwrap();
    assert!(is_on(&e, &Context::new("u")), "63 references: still the right answer");
    assert_refused(&segment_chain(65), &lifted, "segments.s0.when.segment", "chain of 64 steps is longer than the limit of 63");
}

fn segment_fanout(depth: usize, refs: usize) -> String {
    let mut segs: Vec<String> = (0..depth)
        .map(|i| format!(r#""s{i}":{{"when":{{"any":[{}]}}}}"#, vec![format!(r#"{{"segment":"s{}"}}"#, i + 1); refs].join(",")))
        .collect();
    segs.push(format!(r#""s{depth}":{{"include":["nobody"]}}"#));
    format!(
        r#"{{"schema":1,"version":1,"segments":{{{}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s0"}},"serve":"on"}}]}}}}}}"#,
        segs.join(",")
    )
}

fn prerequisite_fanout(depth: usize, refs: usize) -> String {
    let flags: Vec<String> = (0..=depth)
        .map(|i| {
            let req = if i < depth { vec![format!(r#"{{"flag":"f{}","variants":["on"]}}"#, i + 1); refs].join(",") } else { String::new() };
            format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"on","requires":[{req}],"rules":[{{"when":{{"attr":"a","op":"eq","value":0}},"serve":"off"}}]}}"#)
        })
        .collect();
    format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))
}

#[test]
fn max_evaluation_steps() {
    // Shared references multiply the work: 2 references to the next segment, 24 deep, would be 2^24
    // checks per evaluation; 4 references to the next prerequisite, 16 deep, 4^16 evaluations.
    let p = refused(&segment_fanout(15, 4), &LoadOptions::default()); // within maxSegmentDepth
    assert!(p.len() == 1 && p[0].path == "flags.f", "{p:?}");
    assert!(p[0].message.contains("over the limit of 2000000; this flag alone takes"), "{}", p[0].message);
    let p = refused(&prerequisite_fanout(16, 4), &LoadOptions::default());
    assert_eq!(p[0].path, "flags.f0", "reported at the costliest flag");
    assert!(p[0].message.starts_with("evaluating every flag once may take "), "{}", p[0].message);
    // Below the limit they load and evaluate as they should.
    let e = Engine::from_json(&segment_fanout(10, 2)).unwrap();
    assert!(!is_on(&e, &Context::new("u")));
    let e = Engine::from_json(&prerequisite_fanout(8, 2)).unwrap();
    assert_eq!(e.evaluate("f0", &Context::new("u").with("a", 1), NOW).variant, Some("on"));
    // The count covers every flag: 1,000 flags sharing one 300-leaf segment is 1000 × 302 + ... steps.
    let leaves = vec![r#"{"attr":"a","op":"eq","value":"x"}"#; 300].join(",");
    let flags: Vec<String> = (0..1000)
        .map(|i| format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s"}},"serve":"on"}}]}}"#))
        .collect();
    let shared = format!(r#"{{"schema":1,"version":1,"segments":{{"s":{{"when":{{"any":[{leaves}]}}}}}},"flags":{{{}}}}}"#, flags.join(","));
    assert!(Engine::from_json(&shared).is_ok());
    assert_refused(&shared, &with(Limits { max_evaluation_steps: 100_000, ..Limits::default() }), "flags.f0", "over the limit of 100000");
    // Sharing multiplies what the tests themselves cost: 10,000 prefixes compared one by one, in a segment
    // that 300 flags use, are 3 million comparisons per evaluation of every flag.
    let prefixes: Vec<String> = (0..10_000).map(|i| format!("\"p{i}\"")).collect();
    let flags: Vec<String> = (0..300)
        .map(|i| format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s"}},"serve":"on"}}]}}"#))
        .collect();
    let scan = |n: usize| format!(r#"{{"schema":1,"version":1,"segments":{{"s":{{"when":{{"attr":"a","op":"starts_with","values":[{}]}}}}}},"flags":{{{}}}}}"#, prefixes.join(","), flags[..n].join(","));
    assert_refused(&scan(300), &LoadOptions::default(), "flags.f0", "may take 3001500 steps");
    assert!(Engine::from_json(&scan(150)).is_ok());
    // A large snapshot without sharing stays far below the default: 50,000 rules.
    let rules = vec![r#"{"when":{"attr":"a","op":"eq","value":"x"},"serve":"on"}"#; 50_000].join(",");
    assert!(Engine::from_json(&one_flag(&rules)).is_ok());
}

// ---- hostile inputs ------------------------------------------------------------------------------------

#[test]
fn huge_lists() {
    // A 10 MB `in` list: a hashed set, one lookup per evaluation.
    let n = 10 * 1024 * 1024 / 12;
    let values: Vec<String> = (0..n).map(|i| format!("\"u{i:08}\"")).collect();
    let text = one_flag(&format!(r#"{{"when":{{"attr":"key","op":"in","values":[{}]}},"serve":"on"}}"#, values.join(",")));
    assert!(text.len() > 10_000_000);
    let e = Engine::from_json(&text).unwrap();
    assert!(is_on(&e, &Context::new("u00000000")));
    assert!(is_on(&e, &Context::new(&format!("u{:08}", n - 1))));
    assert!(!is_on(&e, &Context::new("u99999999")));
    // Many entries in segment lists and hashed lists, and in a split.
    let keys: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\"")).collect();
    let text = format!(
        r#"{{"schema":1,"version":1,"segments":{{"s":{{"include":[{}],"exclude":[{}]}}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s"}},"serve":"on"}}]}}}}}}"#,
        keys.join(","),
        keys.join(",")
    );
    let e = Engine::from_json(&text).unwrap();
    assert!(is_on(&e, &Context::new("k199999")), "include wins over exclude");
}

#[test]
fn many_rules_variants_and_problems_load_in_linear_time() {
    // Each of these was a quadratic scan during validation (rule ids, split entries, variant lookups,
    // "already reported" checks); at these sizes a quadratic load takes minutes.
    let n = 60_000;
    let rules: Vec<String> = (0..n).map(|i| format!(r#"{{"id":"r{i}","serve":"v{i}"}}"#)).collect();
    let variants: Vec<String> = (0..n).map(|i| format!(r#""v{i}":{i}"#)).collect();
    let text = format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{{}}},"default":"v0","rules":[{}]}}}}}}"#, variants.join(","), rules.join(","));
    let e = Engine::from_json(&text).unwrap();
    assert_eq!(e.evaluate("f", &Context::empty(), NOW).variant, Some("v0"));
    let dup = text.replacen(r#""id":"r1","#, r#""id":"r0","#, 1);
    assert_refused(&dup, &LoadOptions::default(), "flags.f.rules[1].id", "rule id \"r0\" is already used in this flag");
    let split: Vec<String> = (0..n).map(|i| format!(r#"{{"variant":"v{i}","percent":0}}"#)).collect();
    let text = format!(
        r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{{},"w":-1}},"default":"w","rules":[{{"serve":{{"split":[{},{{"variant":"v0","percent":100}}]}}}}]}}}}}}"#,
        variants.join(","),
        split.join(",")
    );
    assert_refused(&text, &LoadOptions::default(), &format!("flags.f.rules[0].serve.split[{n}].variant"), "variant \"v0\" appears twice");
    let bad: Vec<String> = (0..n).map(|i| format!(r#""f{i}":{{"variants":{{}},"default":"x"}}"#)).collect();
    let p = refused(&format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, bad.join(",")), &LoadOptions::default());
    assert_eq!(p.len(), 2 * n, "every problem is reported");
}

#[test]
fn huge_strings() {
    // A 10 MB string value and a 10 MB attribute.
    let big = "x".repeat(10 << 20);
    let text = format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"a":"{big}"}},"default":"a"}}}}}}"#);
    let e = Engine::from_json(&text).unwrap();
    assert_eq!(e.evaluate("f", &Context::empty(), NOW).value.and_then(|v| v.as_str()).map(str::len), Some(10 << 20));
    let e = Engine::from_json(&one_flag(
        r#"{"when":{"all":[{"attr":"s","op":"starts_with","value":"xx"},{"attr":"s","op":"ends_with","value":"!"},{"attr":"s","op":"contains","value":"xy"},{"attr":"s","op":"matches","value":"x+!$"},{"attr":"s","op":"eq","value":"no","ignoreCase":true}]},"serve":"on"}"#,
    ))
    .unwrap();
    let ctx = Context::new("u").with("s", format!("{big}y{big}!"));
    assert!(!is_on(&e, &ctx));
    // Keys over 256 bytes are refused, each where it is.
    let long = "k".repeat(257);
    assert_refused(
        &format!(r#"{{"schema":1,"version":1,"flags":{{"{long}":{{"variants":{{"a":1}},"default":"a"}}}}}}"#),
        &LoadOptions::default(),
        &format!("flags.{long}"),
        "is 257 bytes long; at most 256 are allowed",
    );
    assert_refused(
        &format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"{long}":1}},"default":"{long}"}}}}}}"#),
        &LoadOptions::default(),
        &format!("flags.f.variants.{long}"),
        "at most 256",
    );
    // A targeting key longer than 256 bytes buckets and hashes like any other (no fixed buffer).
    let e = Engine::from_json(&one_flag(r#"{"serve":{"variant":"on","percent":50}}"#)).unwrap();
    let _ = e.evaluate("f", &Context::new(&"k".repeat(100_000)), NOW);
}

#[test]
fn pathological_regexes_are_correct_on_long_inputs() {
    // Exponential for backtracking engines; linear here (benches/adversarial.rs measures it).
    for (pat, input, expect) in [
        ("(a*)*b", "a".repeat(100_000), false),
        ("(a*)*b", format!("{}b", "a".repeat(100_000)), true),
        ("(x+x+)+y", "x".repeat(100_000), false),
        ("(x+x+)+y", format!("{}y", "x".repeat(100_000)), true),
        ("^(a|aa)+$", "a".repeat(100_000), true),
        ("^(a|a?)+$", format!("{}b", "a".repeat(50_000)), false),
        ("(.*a){20}", "a".repeat(20_000), true),
    ] {
        let e = Engine::from_json(&one_flag(&format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(pat)))).unwrap();
        assert_eq!(is_on(&e, &Context::new("u").with("s", input.as_str())), expect, "{pat}");
    }
}

#[test]
fn odd_numbers_in_snapshots() {
    let doc = |version: &str| format!(r#"{{"schema":1,"version":{version},"flags":{{}}}}"#);
    for v in ["1e400", "1.0", "1e2", "-1", "18446744073709551616", &format!("1{}", "0".repeat(10_000))] {
        assert_refused(&doc(v), &LoadOptions::default(), "version", "");
    }
    assert_eq!(Engine::from_json(&doc("-0")).unwrap().version(), 0, "-0 is the integer 0");
    assert_eq!(Engine::from_json(&doc("18446744073709551615")).unwrap().version(), u64::MAX, "no upper bound in the contract");
    assert_refused(r#"{"schema":1e0,"version":1}"#, &LoadOptions::default(), "schema", "");
    // Percents: exact decimals whatever the spelling; over 100 or more than 3 decimals are errors.
    let pct = |p: &str| one_flag(&format!(r#"{{"serve":{{"variant":"on","percent":{p}}}}}"#));
    for (p, fragment) in [("1e400", "too large"), ("100.001", "over 100"), ("1e-400", "decimals"), (&format!("0.{}1", "0".repeat(100_000)), "decimals"), ("-0.5", "")] {
        assert_refused(&pct(p), &LoadOptions::default(), "flags.f.rules[0].serve.percent", fragment);
    }
    for p in ["-0", "0e999999999999", "100.000000000000000000", "1E1", "5e-100000"] {
        let r = Engine::from_json(&pct(p));
        // 5e-100000 has more than 3 decimals: refused; the others are exact.
        assert_eq!(r.is_ok(), !p.contains("e-100000"), "{p}");
    }
    // Variant values keep their text: 1e400 stays 1e400 (JavaScript reads it as Infinity).
    let e = Engine::from_json(r#"{"schema":1,"version":1,"flags":{"n":{"variants":{"a":1e400,"b":-0,"c":123456789012345678901234567890},"default":"a"}}}"#).unwrap();
    assert_eq!(e.evaluate("n", &Context::empty(), NOW).to_json().split(',').next(), Some(r#"{"value":1e400"#));
    assert_eq!(e.number("n", &Context::empty(), 0.0, NOW).value, f64::INFINITY);
    // Numeric operands: compared as doubles.
    let e = Engine::from_json(&one_flag(r#"{"when":{"attr":"n","op":"lt","value":1e400},"serve":"on"}"#)).unwrap();
    assert!(is_on(&e, &Context::from_json(r#"{"n":1e308}"#).unwrap()));
    assert!(!is_on(&e, &Context::from_json(r#"{"n":1e999}"#).unwrap()), "infinity is not below infinity");
}

#[test]
fn odd_numbers_in_contexts() {
    let split = Engine::from_json(&one_flag(r#"{"serve":{"variant":"on","percent":50}}"#)).unwrap();
    let unit = |json: &str| split.explain("f", &Context::from_json(json).unwrap(), NOW).unwrap().rules[0].unit.clone();
    assert_eq!(unit(r#"{"key":-0}"#), Some("0".into()), "-0 is the unit \"0\"");
    assert_eq!(unit(r#"{"key":9007199254740992}"#), Some("9007199254740992".into()), "2^53 is a unit");
    for key in ["9007199254740993", "18446744073709551616", "1e400", "42.0", "4.2e1", "-1e-400"] {
        assert_eq!(unit(&format!(r#"{{"key":{key}}}"#)), None, "{key} is not a unit");
    }
    let e = Engine::from_json(&one_flag(r#"{"when":{"attr":"n","op":"gte","value":1e308},"serve":"on"}"#)).unwrap();
    for (n, expect) in [("1e400", true), ("-1e400", false), ("1e308", true), (&format!("1{}", "0".repeat(400)) as &str, true), ("-0", false)] {
        assert_eq!(is_on(&e, &Context::from_json(&format!(r#"{{"n":{n}}}"#)).unwrap()), expect, "{n}");
    }
}

#[test]
fn duplicate_keys() {
    for (text, path, key) in [
        (r#"{"schema":1,"version":1,"version":2,"flags":{}}"#, "(root)", "version"),
        (r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1},"default":"x"},"a":{"variants":{"y":1},"default":"y"}}}"#, "flags", "a"),
        (r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":1,"\u0078":2},"default":"x"}}}"#, "flags.a.variants", "x"),
        (r#"{"schema":1,"version":1,"flags":{"a":{"variants":{"x":{"k":1,"k":2}},"default":"x"}}}"#, "flags.a.variants.x", "k"),
        (r#"{"schema":1,"version":1,"segments":{"s":{"include":[],"include":["u"]}}}"#, "segments.s", "include"),
    ] {
        assert_refused(text, &LoadOptions::default(), path, &format!("duplicate key \"{key}\""));
    }
    let err = Context::from_json(r#"{"key":"a","key":"b"}"#).unwrap_err();
    assert!(err.message.contains("duplicate key \"key\""), "{}", err.message);
}

#[test]
fn invalid_utf8() {
    let good = br#"{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"XY"},"default":"a"}}}"#;
    let at = good.windows(2).position(|w| w == b"XY").unwrap();
    for bad in [&b"\xff"[..], b"\xc0\xaf", b"\xed\xa0\x80", b"\xf5\x80\x80\x80", b"\xe2\x82", b"\x80"] {
        let mut b = good[..at].to_vec();
        b.extend_from_slice(bad);
        b.extend_from_slice(&good[at..]);
        let p = Engine::from_slice(&b, &LoadOptions::default()).unwrap_err().problems;
        assert_eq!(p[0].path, "(root)");
        assert_eq!(p[0].message, format!("the snapshot is not valid UTF-8 (at byte {at})"), "{bad:?}");
    }
    let mut truncated = good.to_vec();
    truncated.extend_from_slice(b"\xe2\x82");
    assert!(Engine::from_slice(&truncated, &LoadOptions::default()).unwrap_err().problems[0].message.contains("not valid UTF-8"));
    // A byte order mark is not JSON.
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(good);
    assert_eq!(Engine::from_slice(&bom, &LoadOptions::default()).unwrap_err().problems[0].path, "(root)");
}

#[test]
fn lone_surrogate_escapes() {
    for (escape, unit) in [(r"\ud800", "D800"), (r"\udbff", "DBFF"), (r"\udc00", "DC00"), (r"\udfff", "DFFF"), (r"\ud800\u0041", "D800"), (r"\ud800\ud800", "D800")] {
        for text in [
            format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"a":"x{escape}"}},"default":"a"}}}}}}"#),
            format!(r#"{{"schema":1,"version":1,"flags":{{"{escape}":{{"variants":{{"a":1}},"default":"a"}}}}}}"#),
        ] {
            let p = refused(&text, &LoadOptions::default());
            assert_eq!(p[0].path, "(root)");
            assert!(p[0].message.contains(&format!("lone surrogate \\u{unit}")), "{}", p[0].message);
        }
    }
    // A pair decodes to one character.
    let e = Engine::from_json(r#"{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"\ud83d\ude00"},"default":"a"}}}"#).unwrap();
    assert_eq!(e.string("f", &Context::empty(), "", NOW).value, "\u{1F600}");
    assert!(Context::from_json(r#"{"key":"\udc00"}"#).is_err());
}

fn json_str(s: &str) -> String {
    let mut o = String::new();
    edgeflag::json::write_string(&mut o, s);
    o
}
