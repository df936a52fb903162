//! Adversarial snapshots: the worst load and evaluation times we can provoke under the default limits
//! (docs/security.md records the figures). Plain `std::time` measurements, no harness:
//!
//!   cargo bench --bench adversarial              # everything (a few minutes)
//!   cargo bench --bench adversarial -- --quick   # smaller sizes
//!   cargo bench --bench adversarial -- regex     # only scenarios whose name contains "regex"
//!
//! Each scenario builds a snapshot, loads it with the default limits (and, for the ones the limits now
//! refuse, with that one limit lifted, to show what it prevents), then evaluates. A load or an evaluation
//! that takes longer than its budget is abandoned and reported as such (the process exits at the end).

use edgeflag::{Context, Engine, Limits, LoadOptions};
use std::fmt::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const NOW: i64 = 1_800_000_000_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let run = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let mib = if quick { 2 } else { 15 }; // target snapshot size for the "fill the size limit" scenarios

    println!("edgeflag adversarial snapshots ({}; default limits unless said)", if quick { "quick" } else { "full" });
    println!("{:<44} {:>9} {:>12} {:>14}  notes", "scenario", "size", "load", "evaluation");
    // Scenarios with a limit lifted run last: an evaluation that exceeds its budget is abandoned but its
    // thread keeps a core busy until the process exits.
    let mut later: Vec<Box<dyn FnOnce()>> = Vec::new();

    // ---- evaluation-time adversaries -----------------------------------------------------------------
    if run("deep-conditions") {
        // Rules whose condition is 32 levels deep (the limit), alternating all/any/not (each adds one level),
        // false in the end: every rule is evaluated, every level visited.
        let mut cond = String::from(r#"{"attr":"a","op":"eq","value":"x"}"#);
        for d in 0..31 {
            cond = match d % 3 {
                0 => format!(r#"{{"all":[{{"attr":"b","op":"exists"}},{cond}]}}"#),
                1 => format!(r#"{{"any":[{cond},{{"attr":"c","op":"exists"}}]}}"#),
                _ => format!(r#"{{"not":{cond}}}"#),
            };
        }
        let rule = format!(r#"{{"when":{cond},"serve":"on"}}"#);
        let n = mib * 1024 * 1024 / (rule.len() + 1);
        let text = one_flag(&vec![rule; n].join(","), "");
        scenario(&format!("deep-conditions: {n} rules × depth 32"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u","a":"y","b":1}"#), Flags::One("f"), "");
    }
    if run("wide-any") {
        // One rule, one `any` of many cheap false leaves.
        let leaf = r#"{"attr":"a","op":"eq","value":"x"}"#;
        let n = mib * 1024 * 1024 / (leaf.len() + 1);
        let text = one_flag(&format!(r#"{{"when":{{"any":[{}]}},"serve":"on"}}"#, vec![leaf; n].join(",")), "");
        scenario(&format!("wide-any: {n} leaves in one any"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u","a":"y"}"#), Flags::One("f"), "");
    }
    if run("starts-with-list") {
        // A scan operator (starts_with) over a list that fills the size limit.
        let n = mib * 1024 * 1024 / 12;
        let values: Vec<String> = (0..n).map(|i| format!("\"p{i:08}\"")).collect();
        let text = one_flag(&format!(r#"{{"when":{{"attr":"a","op":"starts_with","values":[{}]}},"serve":"on"}}"#, values.join(",")), "");
        scenario(&format!("starts-with-list: {n} prefixes"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u","a":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}"#), Flags::One("f"), "");
    }
    if run("in-list") {
        // The issue's "10 MB in list": a hashed set, one lookup per evaluation.
        let n = 10 * 1024 * 1024 / 12;
        let values: Vec<String> = (0..n).map(|i| format!("\"u{i:08}\"")).collect();
        let text = one_flag(&format!(r#"{{"when":{{"attr":"key","op":"in","values":[{}]}},"serve":"on"}}"#, values.join(",")), "");
        scenario(&format!("in-list: {n} strings (10 MB)"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u00000042"}"#), Flags::One("f"), "");
        let nums: Vec<String> = (0..n).map(|i| (i * 7).to_string()).collect();
        let text = one_flag(&format!(r#"{{"when":{{"attr":"n","op":"in","values":[{}]}},"serve":"on"}}"#, nums.join(",")), "");
        scenario(&format!("in-list: {n} numbers"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u","n":-1}"#), Flags::One("f"), "");
    }
    if run("regex") {
        // Patterns that backtracking engines take exponential time on: linear here (time ∝ input length).
        for pat in [r"(a*)*b", r"(x+x+)+y", r"(?:a|aa)*c"] {
            for len in [1_000usize, 10_000, 100_000] {
                let input = if pat.contains('x') { "x".repeat(len) } else { "a".repeat(len) };
                let text = one_flag(&format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(pat)), "");
                let mut c = String::from(r#"{"key":"u","s":"#);
                c.push_str(&json_str(&input));
                c.push('}');
                scenario(&format!("regex {pat} on {len} bytes"), &text, &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
            }
        }
        // The costliest pattern within 1 KiB (1021 bytes, a 44 KiB program: 145 alternatives that all stay
        // active), in as many rules as the regex budget admits (16 × 64 KiB = 1 MiB), on attributes of typical
        // (200 B) and header-sized (8 KiB) lengths; then what the budget prevents (1,024 of them, 1 MiB).
        let pat = format!("{}(a*)*b", "(a*)*b|".repeat(145));
        let rule = format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(&pat));
        for len in [200usize, 8192] {
            let c = format!(r#"{{"key":"u","s":"{}"}}"#, "a".repeat(len));
            scenario(&format!("regex-heavy: 16 × 1 KiB pattern, {len} B attr"), &one_flag(&vec![rule.clone(); 16].join(","), ""), &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
        }
        let rules = if quick { 64 } else { 1024 };
        let c = format!(r#"{{"key":"u","s":"{}"}}"#, "a".repeat(200));
        let text = one_flag(&vec![rule.clone(); rules].join(","), "");
        scenario(&format!("regex-heavy: {rules} × 1 KiB pattern, 200 B attr"), &text, &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
        {
            let (text, c) = (text.clone(), c.clone());
            later.push(Box::new(move || {
                scenario(
                    &format!("regex-heavy: {rules} × 1 KiB pattern [no budget]"),
                    &text,
                    &lifted(|l| l.max_regex_total_bytes = usize::MAX),
                    &ctx(&c),
                    Flags::One("f"),
                    "what maxRegexTotalBytes prevents",
                )
            }));
        }
        // Counted repetition of a star within the per-regex cap (12 bytes, a 21 KiB program): 32 fit the budget.
        let rule = format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str("(?:a*){300}b"));
        scenario("regex-repeat: 32 × (?:a*){300}b, 200 B attr", &one_flag(&vec![rule; 32].join(","), ""), &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
        // Ordinary patterns filling the budget: a thousand.
        let rules: Vec<String> = (0..1000).map(|i| format!(r#"{{"when":{{"attr":"s","op":"matches","value":"@example{i}\\.com$"}},"serve":"on"}}"#)).collect();
        scenario("regex-ordinary: 1000 patterns, 200 B attr", &one_flag(&rules.join(","), ""), &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
        // Counted repetition multiplies the compiled program: refused by the compiled-size cap.
        for pat in ["((((a*){10}){10}){10}){10}b", "(?:a{100}){100}b", "((a*){30}){30}b"] {
            let text = one_flag(&format!(r#"{{"when":{{"attr":"s","op":"matches","value":{}}},"serve":"on"}}"#, json_str(pat)), "");
            let c = format!(r#"{{"key":"u","s":"{}"}}"#, "a".repeat(200));
            scenario(&format!("regex-blowup {pat} (200 B attr)"), &text, &LoadOptions::default(), &ctx(&c), Flags::One("f"), "");
        }
    }
    if run("hash-flood") {
        // `in` lists are open-addressing tables over XXH3 (seed 0): a publisher can choose strings that all land
        // in one small window of slots, so that building the table and looking up a key in that window scan
        // the whole cluster. Here N strings in a window of 64 slots, and a context key in the window.
        let n: usize = if quick { 5_000 } else { 20_000 };
        let mask = ((n * 2).max(4).next_power_of_two() - 1) as u64;
        let mut keys = Vec::with_capacity(n + 1);
        let mut i = 0u64;
        while keys.len() <= n {
            let k = format!("k{i}");
            if xxhash_rust::xxh3::xxh3_64(k.as_bytes()) & mask < 64 {
                keys.push(k);
            }
            i += 1;
        }
        let probe = keys.pop().unwrap_or_default();
        let list: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        let text = one_flag(&format!(r#"{{"when":{{"attr":"key","op":"in","values":[{}]}},"serve":"on"}}"#, list.join(",")), "");
        scenario(&format!("hash-flood: {n} colliding in-list strings"), &text, &LoadOptions::default(), &Context::new(&probe), Flags::One("f"), "not fixed: see docs/security.md");
        let plain: Vec<String> = (0..n).map(|i| format!("\"u{i}\"")).collect();
        let text = one_flag(&format!(r#"{{"when":{{"attr":"key","op":"in","values":[{}]}},"serve":"on"}}"#, plain.join(",")), "");
        scenario(&format!("hash-flood: {n} ordinary in-list strings"), &text, &LoadOptions::default(), &Context::new("nobody"), Flags::One("f"), "for comparison");
    }
    if run("prerequisite-fanout") {
        // Each flag of a 16-deep chain requires the next one K times (repetition is allowed): K^16 evaluations.
        for k in [2usize, 4, 8] {
            let text = prerequisite_fanout(16, k);
            scenario(&format!("prerequisite-fanout: depth 16, {k} refs each"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u","a":1}"#), Flags::One("f0"), "");
            later.push(Box::new(move || {
                scenario(
                    &format!("prerequisite-fanout: depth 16, {k} refs each [no step limit]"),
                    &text,
                    &lifted(|l| l.max_evaluation_steps = usize::MAX),
                    &ctx(r#"{"key":"u","a":1}"#),
                    Flags::One("f0"),
                    "what maxEvaluationSteps prevents",
                )
            }));
        }
    }
    if run("segment-fanout") {
        // Segment s_i's `when` is any[s_{i+1}, s_{i+1}] (false): 2^depth membership checks per evaluation.
        for depth in [12usize, 16, 20, 24] {
            let text = segment_fanout(depth);
            scenario(&format!("segment-fanout: depth {depth}, 2 refs each"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u"}"#), Flags::One("f"), "");
            later.push(Box::new(move || {
                scenario(
                    &format!("segment-fanout: depth {depth}, 2 refs each [lifted]"),
                    &text,
                    &lifted(|l| {
                        l.max_evaluation_steps = usize::MAX;
                        l.max_segment_depth = 63;
                    }),
                    &ctx(r#"{"key":"u"}"#),
                    Flags::One("f"),
                    "what maxEvaluationSteps/maxSegmentDepth prevent",
                )
            }));
        }
    }
    if run("segment-chain") {
        // A straight chain of segment references, the last one including the key.
        for depth in [16usize, 63, 100] {
            let text = segment_chain(depth);
            scenario(&format!("segment-chain: {depth} segments"), &text, &LoadOptions::default(), &ctx(r#"{"key":"u"}"#), Flags::One("f"), "");
        }
    }
    if run("shared-segment") {
        // Many flags referencing one segment that is as expensive as the step limit allows.
        let leaves = 2_000usize;
        let flags = 1_000usize;
        let mut t = String::from(r#"{"schema":1,"version":1,"segments":{"s":{"when":{"any":["#);
        t.push_str(&vec![r#"{"attr":"a","op":"eq","value":"x"}"#; leaves].join(","));
        t.push_str(r#"]}}},"flags":{"#);
        let f: Vec<String> = (0..flags)
            .map(|i| format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s"}},"serve":"on"}}]}}"#))
            .collect();
        t.push_str(&f.join(","));
        t.push_str("}}");
        scenario(&format!("shared-segment: {flags} flags × {leaves}-leaf segment"), &t, &LoadOptions::default(), &ctx(r#"{"key":"u","a":"y"}"#), Flags::All, "evaluate_all");
    }

    if run("shared-costly") {
        // One segment of costly tests, used by many flags: sharing multiplies the tests' own work, which
        // maxEvaluationSteps counts (an operand scanned is a step, a regex a quarter of its program size).
        // The costliest regex per step we found: 12 bytes, 21.7 KiB of program (charged 32 KiB), ~2 ms on 200 B.
        let heavy = json_str("(?:a*){300}b");
        let seg = format!(r#""s":{{"when":{{"any":[{}]}}}}"#, vec![format!(r#"{{"attr":"s","op":"matches","value":{heavy}}}"#); 20].join(","));
        let flags = |n: usize| -> String {
            (0..n)
                .map(|i| format!(r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s"}},"serve":"on"}}]}}"#))
                .collect::<Vec<_>>()
                .join(",")
        };
        for len in [200usize, 8192] {
            let c = format!(r#"{{"key":"u","s":"{}"}}"#, "a".repeat(len));
            let text = format!(r#"{{"schema":1,"version":1,"segments":{{{seg}}},"flags":{{{}}}}}"#, flags(3));
            scenario(&format!("shared-regex: 20 × (?:a*){{300}}b × 3 flags, {len} B"), &text, &LoadOptions::default(), &ctx(&c), Flags::All, "the worst we found under the defaults");
        }
        let c = r#"{"key":"u","s":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
        let text = format!(r#"{{"schema":1,"version":1,"segments":{{{seg}}},"flags":{{{}}}}}"#, flags(100));
        scenario("shared-regex: 20 × (?:a*){300}b × 100 flags", &text, &LoadOptions::default(), &ctx(c), Flags::All, "");
        later.push(Box::new(move || {
            scenario("shared-regex: × 100 flags [no step limit]", &text, &lifted(|l| l.max_evaluation_steps = usize::MAX), &ctx(c), Flags::All, "what maxEvaluationSteps prevents")
        }));
        let prefixes: Vec<String> = (0..100_000).map(|i| format!("\"p{i:06}\"")).collect();
        let text = format!(
            r#"{{"schema":1,"version":1,"segments":{{"s":{{"when":{{"attr":"s","op":"starts_with","values":[{}]}}}}}},"flags":{{{}}}}}"#,
            prefixes.join(","),
            flags(1000)
        );
        scenario("shared-scan: 100k prefixes × 1000 flags", &text, &LoadOptions::default(), &ctx(c), Flags::All, "");
        later.push(Box::new(move || {
            scenario("shared-scan: × 1000 flags [no step limit]", &text, &lifted(|l| l.max_evaluation_steps = usize::MAX), &ctx(c), Flags::All, "what maxEvaluationSteps prevents")
        }));
    }

    // ---- load-time adversaries (quadratic validation paths) ------------------------------------------
    if run("load-") {
        let n = if quick { 20_000 } else { 300_000 };
        let rules: Vec<String> = (0..n).map(|i| format!(r#"{{"id":"r{i}","serve":"on"}}"#)).collect();
        scenario(&format!("load-rule-ids: {n} rules with ids"), &one_flag(&rules.join(","), ""), &LoadOptions::default(), &ctx("{}"), Flags::None, "");
        let split: Vec<String> = (0..n).map(|i| format!(r#"{{"variant":"v{i}","percent":0}}"#)).collect();
        let variants: Vec<String> = (0..n).map(|i| format!(r#""v{i}":{i}"#)).collect();
        let t = format!(
            r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{{},"last":-1}},"default":"last","rules":[{{"serve":{{"split":[{},{{"variant":"last","percent":100}}]}}}}]}}}}}}"#,
            variants.join(","),
            split.join(",")
        );
        scenario(&format!("load-split: {n} variants, {n} split entries"), &t, &LoadOptions::default(), &ctx("{}"), Flags::None, "");
        let m = n / 3;
        let chain: Vec<String> = (0..m)
            .map(|i| {
                let req = if i + 1 < m { format!(r#","requires":[{{"flag":"f{}","variants":["on"]}}]"#, i + 1) } else { String::new() };
                format!(r#""f{i}":{{"variants":{{"on":true}},"default":"on"{req}}}"#)
            })
            .collect();
        scenario(
            &format!("load-prerequisite-chain: {m} flags"),
            &format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, chain.join(",")),
            &LoadOptions::default(),
            &ctx("{}"),
            Flags::None,
            "refused (depth), must not overflow the stack",
        );
        let bad: Vec<String> = (0..m).map(|i| format!(r#""f{i}":{{"variants":{{}},"default":"x"}}"#)).collect();
        scenario(
            &format!("load-many-problems: {m} invalid flags"),
            &format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, bad.join(",")),
            &LoadOptions::default(),
            &ctx("{}"),
            Flags::None,
            "refused, every problem listed",
        );
    }
    for f in later {
        f();
    }
    std::process::exit(0); // abandoned threads, if any, end here
}

enum Flags {
    None,
    One(&'static str),
    All,
}

fn ctx(json: &str) -> Context {
    Context::from_json(json).expect("context")
}

fn json_str(s: &str) -> String {
    let mut o = String::new();
    edgeflag::json::write_string(&mut o, s);
    o
}

fn lifted(f: impl FnOnce(&mut Limits)) -> LoadOptions {
    let mut o = LoadOptions::default();
    f(&mut o.limits);
    o
}

fn one_flag(rules: &str, extra: &str) -> String {
    format!(r#"{{"schema":1,"version":1,{extra}"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{rules}]}}}}}}"#)
}

fn prerequisite_fanout(depth: usize, k: usize) -> String {
    let mut flags = Vec::new();
    for i in 0..=depth {
        let req = if i < depth { vec![format!(r#"{{"flag":"f{}","variants":["on"]}}"#, i + 1); k].join(",") } else { String::new() };
        // Each flag reads the context (so nothing is precomputed) and serves "on".
        flags.push(format!(
            r#""f{i}":{{"variants":{{"on":true,"off":false}},"default":"on","requires":[{req}],"rules":[{{"when":{{"attr":"a","op":"eq","value":0}},"serve":"off"}}]}}"#
        ));
    }
    format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))
}

fn segment_fanout(depth: usize) -> String {
    let mut segs = Vec::new();
    for i in 0..depth {
        segs.push(format!(r#""s{i}":{{"when":{{"any":[{{"segment":"s{n}"}},{{"segment":"s{n}"}}]}}}}"#, n = i + 1));
    }
    segs.push(format!(r#""s{depth}":{{"include":["nobody"]}}"#));
    format!(
        r#"{{"schema":1,"version":1,"segments":{{{}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s0"}},"serve":"on"}}]}}}}}}"#,
        segs.join(",")
    )
}

fn segment_chain(depth: usize) -> String {
    let mut segs = Vec::new();
    for i in 0..depth - 1 {
        segs.push(format!(r#""s{i}":{{"when":{{"segment":"s{}"}}}}"#, i + 1));
    }
    segs.push(format!(r#""s{}":{{"include":["u"]}}"#, depth - 1));
    format!(
        r#"{{"schema":1,"version":1,"segments":{{{}}},"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":"s0"}},"serve":"on"}}]}}}}}}"#,
        segs.join(",")
    )
}

/// Runs `f` on another thread (256 MiB stack for the evaluation, so that a deep chain shows as time, not as a
/// crash of the measurement) and waits at most `budget`.
fn timed<T: Send + 'static>(budget: Duration, stack: usize, f: impl FnOnce() -> T + Send + 'static) -> Option<(T, Duration)> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let t = Instant::now();
            let r = f();
            let _ = tx.send((r, t.elapsed()));
        })
        .expect("thread");
    rx.recv_timeout(budget).ok()
}

fn scenario(name: &str, text: &str, opts: &LoadOptions, ctx: &Context, flags: Flags, note: &str) {
    let size = human_bytes(text.len());
    let text_owned = text.to_string();
    let o = *opts;
    // Loading runs on an ordinary 8 MiB stack: a stack overflow there is a bug this bench must show.
    let loaded = timed(Duration::from_secs(60), 8 << 20, move || Engine::from_json_with(&text_owned, &o).map_err(|e| e.problems));
    let Some((result, load_time)) = loaded else {
        println!("{name:<44} {size:>9} {:>12} {:>14}  {note}", "> 60 s", "-");
        return;
    };
    let engine = match result {
        Ok(e) => e,
        Err(problems) => {
            let first = problems.first().map(|p| format!("{}: {}", p.path, p.message)).unwrap_or_default();
            let mut msg = first.chars().take(110).collect::<String>();
            if problems.len() > 1 {
                let _ = write!(msg, " (+{} more)", problems.len() - 1);
            }
            println!("{name:<44} {size:>9} {:>12} {:>14}  refused: {msg}", fmt(load_time), "-");
            return;
        }
    };
    let eval_time = match flags {
        Flags::None => None,
        _ => {
            let ctx = ctx.clone();
            let all = matches!(flags, Flags::All);
            let key = if let Flags::One(k) = flags { k } else { "" };
            timed(Duration::from_secs(30), 256 << 20, move || {
                // Repeat until ~1 s or 1000 runs; report the median.
                let mut times = Vec::new();
                let start = Instant::now();
                while times.len() < 1000 && (times.len() < 3 || start.elapsed() < Duration::from_secs(1)) {
                    let t = Instant::now();
                    if all {
                        std::hint::black_box(engine.evaluate_all(&ctx, NOW));
                    } else {
                        std::hint::black_box(engine.evaluate(key, &ctx, NOW));
                    }
                    times.push(t.elapsed());
                    if start.elapsed() > Duration::from_secs(20) {
                        break;
                    }
                }
                times.sort();
                times[times.len() / 2]
            })
            .map(|(t, _)| fmt(t))
            .or(Some("> 30 s".to_string()))
        }
    };
    println!("{name:<44} {size:>9} {:>12} {:>14}  {note}", fmt(load_time), eval_time.unwrap_or_else(|| "-".into()));
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}
