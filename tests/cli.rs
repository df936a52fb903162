//! End-to-end tests of the `edgeflag` binary: every command, its exit codes (0 ok, 1 problem found,
//! 2 usage) and its output, on the fixtures in `tests/fixtures/cli/` and `examples/`.
//!
//! Outputs are compared exactly with golden files in `tests/golden/` (one per invocation: the
//! command line, the exit status, stdout and stderr). After an intended change, rewrite them with
//! `UPDATE_GOLDEN=1 cargo test --features cli --test cli` and review the diff.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    line: String,
}

/// Runs the binary from the repository root (so paths in outputs are the relative ones given).
fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_edgeflag"))
        .args(args)
        .current_dir(root())
        .env_remove("UPDATE_GOLDEN")
        .output()
        .expect("run edgeflag");
    let quote = |a: &&str| {
        if a.is_empty() || a.contains([' ', '"', '{', '}', '\'', '[', ']', '*']) {
            format!("'{a}'")
        } else {
            a.to_string()
        }
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        line: format!("edgeflag {}", args.iter().map(quote).collect::<Vec<_>>().join(" ")),
    }
}

impl Run {
    fn transcript(&self) -> String {
        let mut s = format!("$ {}\nexit {}\n", self.line, self.code);
        if !self.stdout.is_empty() {
            s.push_str("--- stdout\n");
            s.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            s.push_str("--- stderr\n");
            s.push_str(&self.stderr);
        }
        s
    }

    fn code(self, want: i32) -> Run {
        assert_eq!(self.code, want, "{}", self.transcript());
        self
    }
}

/// Compares `actual` with `tests/golden/NAME` (or rewrites it under `UPDATE_GOLDEN=1`).
fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}: run `UPDATE_GOLDEN=1 cargo test --features cli --test cli`", path.display()));
    if expected != actual {
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
        panic!(
            "{} differs from the output (first difference at line {}):\n  expected: {:?}\n  actual:   {:?}\n--- full output:\n{actual}\n(rewrite with UPDATE_GOLDEN=1 if intended)",
            path.display(),
            first + 1,
            e.get(first),
            a.get(first)
        );
    }
}

/// Runs, checks the exit status, compares the transcript with a golden file.
fn check(name: &str, args: &[&str], code: i32) -> Run {
    let r = run(args).code(code);
    golden(name, &r.transcript());
    r
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const SNAP: &str = "examples/storefront.json";
const V8: &str = "tests/fixtures/cli/storefront-v8.json";
const NOW: &str = "2026-12-08T12:00:00Z";

// ---------------------------------------------------------------------------------------------
// The command line as a whole

#[test]
fn help_for_every_command() {
    let top = run(&["--help"]).code(0);
    for cmd in ["eval", "validate", "explain", "diff", "build", "lint", "bucket"] {
        assert!(top.stdout.contains(cmd), "top-level help lists {cmd}:\n{}", top.stdout);
    }
    for cmd in ["eval", "validate", "explain", "diff", "build", "lint", "bucket"] {
        let h = run(&[cmd, "--help"]).code(0);
        assert!(h.stdout.contains("Examples:"), "{cmd} --help has examples:\n{}", h.stdout);
        assert!(h.stdout.contains("Exit status:"), "{cmd} --help documents exit codes:\n{}", h.stdout);
    }
    run(&["help", "diff"]).code(0);
    assert!(run(&["--version"]).code(0).stdout.starts_with("edgeflag "));
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["explain", SNAP],
        &["explain", SNAP, "--flag", "theme", "--context", "[1]"],
        &["explain", SNAP, "--flag", "theme", "--now", "tomorrow"],
        &["diff", SNAP],
        &["diff", SNAP, V8, "--format", "xml"],
        &["diff", SNAP, V8, "--contexts", "examples/contexts.json", "--now", "2026-13-01T00:00:00Z"],
        &["build", "tests/fixtures/cli/build/flags.yaml"],
        &["build", "-o", "-"],
        &["build", "flags.txt", "-o", "-"],
        &["build", "tests/fixtures/cli/build/flags.yaml", "-o", "-", "--audience", "phone"],
        &["build", "tests/fixtures/cli/build/flags.yaml", "-o", "-", "--version", "-3"],
        &["build", "tests/fixtures/cli/build/flags.yaml", "-o", "-", "--published-at", "2026-12-01"],
        &["lint", SNAP, "--stale-days", "many"],
        &["lint", SNAP, "--now", "now"],
        &["bucket", "--flag", "theme"],
        &["bucket", "--unit", "u"],
        &["bucket", "--flag", "", "--unit", "u"],
        &["eval", SNAP, "--bogus"],
    ];
    for args in cases {
        let r = run(args);
        assert_eq!(r.code, 2, "{}", r.transcript());
        assert!(r.stdout.is_empty(), "usage errors print nothing on stdout:\n{}", r.transcript());
        assert!(!r.stderr.is_empty(), "usage errors say why:\n{}", r.transcript());
    }
}

#[test]
fn usage_errors_win_over_invalid_snapshots() {
    let bad = "tests/fixtures/cli/invalid.json";
    for args in [
        vec!["eval", bad, "--context", "[]"],
        vec!["explain", bad, "--flag", "banner", "--context", "{\"a\":1,\"a\":2}"],
        vec!["explain", bad, "--flag", "banner", "--now", "yesterday"],
        vec!["lint", bad, "--now", "x"],
        vec!["bucket", "--flag", "banner", "--unit", "u", bad, "--now", "x"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{}", r.transcript());
    }
}

// ---------------------------------------------------------------------------------------------
// eval (spec section 10)

#[test]
fn eval_prints_one_object_keyed_by_flag() {
    let r = check("eval-storefront.txt", &["eval", SNAP, "--now", NOW, "--context", r#"{"key": "user-bob", "email": "bob@example.org", "country": "FR"}"#, "--flag", "new-checkout", "--flag", "theme", "--flag", "nope"], 0);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["new-checkout"]["variant"], "on");
    assert_eq!(out["nope"]["value"], serde_json::Value::Null, "FLAG_NOT_FOUND gives value null");
    assert_eq!(out["nope"]["errorCode"], "FLAG_NOT_FOUND");
    assert_eq!(out["nope"]["reason"], "ERROR");
}

#[test]
fn eval_exit_codes() {
    // 0: loaded (evaluation errors are in the output); every flag without --flag.
    let r = run(&["eval", SNAP, "--now", NOW]).code(0);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out.as_object().unwrap().len(), 9);
    // 1: invalid snapshot, every problem on stderr.
    check("eval-invalid.txt", &["eval", "tests/fixtures/cli/invalid.json", "--context", "{}"], 1);
    // 1: unreadable file.
    let r = run(&["eval", "tests/fixtures/cli/no-such-file.json", "--context", "{}"]).code(1);
    assert!(r.stderr.contains("cannot read"), "{}", r.transcript());
    // 2: usage; a duplicate key in --context is a usage error; so is a context that is not an object.
    run(&["eval", SNAP, "--context", r#"{"key": "a", "key": "b"}"#]).code(2);
    run(&["eval", SNAP, "--context", "42"]).code(2);
    run(&["eval", SNAP, "--context", "{"]).code(2);
    run(&["eval", SNAP, "--now", "2026-12-08 12:00:00Z"]).code(2);
}

// ---------------------------------------------------------------------------------------------
// validate (kept as it was)

#[test]
fn validate_exit_codes() {
    run(&["validate", SNAP]).code(0);
    let r = run(&["validate", "tests/fixtures/cli/invalid.json"]).code(1);
    assert!(r.stdout.contains("flags.banner.rules[0].when.op"), "{}", r.transcript());
}

// ---------------------------------------------------------------------------------------------
// explain

#[test]
fn explain_text() {
    check("explain-split.txt", &["explain", SNAP, "--flag", "new-checkout", "--now", NOW, "--context", r#"{"key": "user-bob", "email": "bob@example.org", "country": "FR"}"#], 0);
    check("explain-default.txt", &["explain", SNAP, "--flag", "new-checkout", "--now", NOW, "--context", r#"{"key": "user-mallory", "email": "mallory@beta.example.com"}"#], 0);
    check("explain-prerequisite.txt", &["explain", SNAP, "--flag", "new-checkout", "--now", "2026-12-01T00:00:00Z", "--context", r#"{"key": "user-ada"}"#], 0);
    check("explain-segment-window.txt", &["explain", SNAP, "--flag", "holiday-banner", "--now", NOW, "--context", r#"{"key": "user-mallory", "email": "mallory@beta.example.com"}"#], 0);
    check("explain-disabled.txt", &["explain", SNAP, "--flag", "recommendations", "--now", NOW], 0);
    check("explain-no-unit.txt", &["explain", SNAP, "--flag", "checkout-config", "--now", NOW, "--context", r#"{"key": "u-1", "account": {"type": "personal"}}"#], 0);
    check("explain-operators.txt", &["explain", "examples/operators.json", "--flag", "op-contains-all", "--now", NOW, "--context", r#"{"key": "user-ada", "roles": ["admin", "dev"]}"#], 0);
}

#[test]
fn explain_json_is_the_core_trace() {
    let r = check("explain-json.txt", &["explain", SNAP, "--flag", "theme", "--now", NOW, "--context", r#"{"key": 42}"#, "--json"], 0);
    let t: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(t["flag"], "theme");
    assert_eq!(t["variant"], "ocean");
    assert_eq!(t["rules"][0]["bucket"], 83280);
    assert_eq!(t["rules"][0]["threshold"], 100000);
}

#[test]
fn explain_problems() {
    check("explain-unknown-flag.txt", &["explain", SNAP, "--flag", "nope", "--context", "{}"], 1);
    run(&["explain", "tests/fixtures/cli/invalid.json", "--flag", "banner"]).code(1);
    run(&["explain", "tests/fixtures/cli/no-such-file.json", "--flag", "banner"]).code(1);
}

// ---------------------------------------------------------------------------------------------
// diff

#[test]
fn diff_release_notes() {
    check("diff-text.txt", &["diff", SNAP, V8], 0);
    check("diff-markdown.txt", &["diff", SNAP, V8, "--format", "markdown"], 0);
    let r = check("diff-json.txt", &["diff", SNAP, V8, "--format", "json", "--contexts", "examples/contexts.json", "--now", NOW], 0);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = d["changes"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for k in [
        "version",
        "flag.added",
        "flag.removed",
        "killSwitch",
        "rule.added",
        "rule.percent",
        "rule.ramp",
        "rule.split",
        "rule.moved",
        "rule.targeting",
        "rule.window",
        "variant.changed",
        "segment.added",
        "segment.include",
        "segment.targeting",
        "doc.description",
        "doc.tags",
        "doc.expires",
        "doc.metadata",
    ] {
        assert!(kinds.contains(&k), "diff reports {k}: {kinds:?}");
    }
    let pct = d["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "rule.percent").unwrap();
    assert_eq!((pct["path"].as_str(), pct["old"].as_i64(), pct["new"].as_i64()), (Some("flags.new-checkout.rules[2].serve.percent"), Some(30), Some(50)));
}

#[test]
fn diff_with_contexts() {
    check("diff-contexts.txt", &["diff", SNAP, V8, "--contexts", "examples/contexts.json", "--now", NOW], 0);
    check("diff-contexts-markdown.txt", &["diff", SNAP, V8, "--format", "markdown", "--contexts", "examples/contexts.json", "--now", NOW], 0);
}

#[test]
fn diff_without_changes_and_exit_code() {
    check("diff-same.txt", &["diff", SNAP, SNAP, "--contexts", "examples/contexts.json", "--now", NOW], 0);
    run(&["diff", SNAP, SNAP, "--exit-code"]).code(0);
    run(&["diff", SNAP, V8, "--exit-code"]).code(1);
    // The reverse direction: the version goes down, which the notes call out.
    let r = run(&["diff", V8, SNAP]).code(0);
    assert!(r.stdout.contains("version goes DOWN 8 → 7"), "{}", r.transcript());
    assert!(r.stdout.contains("kill switch flipped OFF"), "{}", r.transcript());
}

#[test]
fn diff_problems() {
    let r = run(&["diff", SNAP, "tests/fixtures/cli/invalid.json"]).code(1);
    assert!(r.stderr.contains("flags.banner.default"), "{}", r.transcript());
    check("diff-bad-contexts.txt", &["diff", SNAP, V8, "--contexts", "tests/fixtures/cli/contexts-bad.json", "--now", NOW], 1);
    run(&["diff", SNAP, V8, "--contexts", "tests/fixtures/cli/no-such-file.json"]).code(1);
    run(&["diff", SNAP, V8, "--contexts", SNAP]).code(1);
}

// ---------------------------------------------------------------------------------------------
// build

const SRC_YAML: &str = "tests/fixtures/cli/build/flags.yaml";
const SRC_JSON: &str = "tests/fixtures/cli/build/server.json";

#[test]
fn build_for_environments_and_audiences() {
    check("build-production.txt", &["build", SRC_YAML, SRC_JSON, "--env", "production", "-o", "-"], 0);
    check(
        "build-staging-browser-hashed.txt",
        &["build", SRC_YAML, SRC_JSON, "--env", "staging", "--audience", "browser", "--hash-segments", "--version", "42", "--published-at", "2026-12-08T09:00:00Z", "-o", "-"],
        0,
    );
}

#[test]
fn build_is_deterministic_and_valid() {
    let (a, b) = (tmp("a.json"), tmp("b.json"));
    let args = |out: &Path| {
        vec!["build".to_string(), SRC_YAML.into(), SRC_JSON.into(), "--env".into(), "production".into(), "--audience".into(), "browser".into(), "--hash-segments".into(), "-o".into(), s(out).into()]
    };
    let argv = args(&a);
    run(&argv.iter().map(String::as_str).collect::<Vec<_>>()).code(0);
    let argv = args(&b);
    run(&argv.iter().map(String::as_str).collect::<Vec<_>>()).code(0);
    let (ta, tb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ta, tb, "the same input gives the same bytes");
    // The result loads, and the hashed segment still holds its members.
    run(&["validate", s(&a)]).code(0);
    let r = run(&["eval", s(&a), "--flag", "checkout-api-v2", "--now", NOW, "--context", r#"{"key": "user-chen"}"#]).code(0);
    assert!(r.stdout.contains(r#""ruleId":"vips""#), "user-chen is in vip-customers through includeHashed:\n{}", r.transcript());
    let r = run(&["eval", s(&a), "--flag", "new-checkout", "--now", NOW, "--context", r#"{"key": "user-bob"}"#]).code(0);
    assert!(r.stdout.contains(r#""ruleId":"beta""#), "user-bob is in beta-testers through includeHashed:\n{}", r.transcript());
    let text = String::from_utf8(ta).unwrap();
    assert!(!text.contains("user-chen") && !text.contains("payment-provider") && !text.contains("office-network"), "{text}");
    assert!(!text.contains("environments"), "overrides are removed from the output");
}

#[test]
fn build_round_trips_a_snapshot() {
    // A complete snapshot is a valid single source: building it changes nothing but the layout.
    let out = tmp("storefront.json");
    run(&["build", SNAP, "-o", s(&out)]).code(0);
    let r = run(&["diff", SNAP, s(&out), "--exit-code"]).code(0);
    assert!(r.stdout.contains("no flag or segment changes"), "{}", r.transcript());
    // And building the result again gives the same bytes.
    let again = tmp("storefront-again.json");
    run(&["build", s(&out), "-o", s(&again)]).code(0);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn build_problems() {
    let b = "tests/fixtures/cli/build";
    check("build-duplicate.txt", &["build", SRC_YAML, SRC_JSON, &format!("{b}/dup.json"), "-o", "-"], 1);
    check("build-invalid.txt", &["build", &format!("{b}/invalid.yaml"), "--version", "1", "-o", "-"], 1);
    check("build-yaml-key.txt", &["build", &format!("{b}/bad-key.yaml"), "--version", "1", "-o", "-"], 1);
    check("build-browser-requires.txt", &["build", &format!("{b}/requires-server-only.yaml"), "--audience", "browser", "-o", "-"], 1);
    check("build-env-typo.txt", &["build", &format!("{b}/typo-env.yaml"), "--env", "production", "--version", "1", "-o", "-"], 1);
    check("build-no-version.txt", &["build", SRC_YAML, "-o", "-"], 2);
    check("build-undeclared-env.txt", &["build", SRC_YAML, "--env", "qa", "--version", "1", "-o", "-"], 2);
    let r = run(&["build", &format!("{b}/missing.yaml"), "--version", "1", "-o", "-"]).code(1);
    assert!(r.stderr.contains("cannot read"), "{}", r.transcript());
    // Nothing is written when the build fails.
    let out = tmp("never.json");
    let _ = std::fs::remove_file(&out);
    run(&["build", &format!("{b}/invalid.yaml"), "--version", "1", "-o", s(&out)]).code(1);
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------------------------
// lint

#[test]
fn lint_findings() {
    check("lint-findings.txt", &["lint", "tests/fixtures/cli/lint-findings.json", "--now", "2027-01-20T00:00:00Z"], 1);
    let r = check("lint-findings-json.txt", &["lint", "tests/fixtures/cli/lint-findings.json", "--now", "2027-01-20T00:00:00Z", "--json"], 1);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let codes: Vec<&str> = d["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    for c in [
        "expired",
        "stale",
        "rule-after-catch-all",
        "rule-never-matches",
        "rule-window-over",
        "rule-serves-nobody",
        "unused-segment",
        "empty-segment",
        "variant-never-served",
    ] {
        assert!(codes.contains(&c), "lint reports {c}: {codes:?}");
    }
    check("lint-storefront.txt", &["lint", SNAP, "--now", "2027-02-15T00:00:00Z"], 1);
}

#[test]
fn lint_clean_and_stale_days() {
    check("lint-clean.txt", &["lint", "tests/fixtures/cli/lint-clean.json", "--now", "2027-01-20T00:00:00Z"], 0);
    // search-v2 reached 100% on 2026-11-15: stale after 30 days, not after 100.
    let r = run(&["lint", "tests/fixtures/cli/lint-findings.json", "--now", "2027-01-20T00:00:00Z", "--stale-days", "100"]).code(1);
    assert!(!r.stdout.contains("[stale]"), "{}", r.transcript());
    run(&["lint", "tests/fixtures/cli/invalid.json"]).code(1);
}

// ---------------------------------------------------------------------------------------------
// bucket

#[test]
fn bucket_alone_and_with_a_snapshot() {
    check("bucket-alone.txt", &["bucket", "--flag", "new-checkout", "--unit", "user-bob"], 0);
    check("bucket-split.txt", &["bucket", "--flag", "theme", "--unit", "user-ada", SNAP, "--now", NOW], 0);
    check("bucket-ramp.txt", &["bucket", "--flag", "checkout-api-v2", "--unit", "user-ada", SNAP, "--now", "2026-12-03T00:00:00Z"], 0);
    check("bucket-json.txt", &["bucket", "--flag", "new-checkout", "--unit", "42", SNAP, "--now", NOW, "--json"], 0);
    check("bucket-unknown-flag.txt", &["bucket", "--flag", "nope", "--unit", "u", SNAP], 1);
    run(&["bucket", "--flag", "banner", "--unit", "u", "tests/fixtures/cli/invalid.json"]).code(1);
}

#[test]
fn bucket_agrees_with_the_published_vectors() {
    let text = std::fs::read_to_string(root().join("tests/vectors/bucketing.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = v.as_array().or_else(|| v["vectors"].as_array()).expect("a list of vectors");
    // An integer unit is hashed in decimal, which is what `--unit 42` passes. (An empty salt cannot be
    // a flag key, and a NUL cannot be a command-line argument: those vectors are left to the library tests.)
    let mut checked = 0;
    let usable = |c: &&serde_json::Value| {
        c["salt"].as_str().is_some_and(|s| !s.is_empty() && !s.contains('\0')) && c["unit"].as_str().is_none_or(|u| !u.contains('\0'))
    };
    for case in list.iter().filter(usable).take(40) {
        let unit = match &case["unit"] {
            serde_json::Value::String(u) => u.clone(),
            other => other.to_string(),
        };
        let (salt, want) = (case["salt"].as_str().unwrap(), case["bucket"].as_u64().unwrap());
        checked += 1;
        let r = run(&["bucket", "--flag", salt, "--unit", &unit, "--json"]).code(0);
        let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(out["bucket"].as_u64(), Some(want), "{salt}:{unit}");
    }
    assert!(checked >= 20, "checked {checked} vectors");
}
