//! Runs the shared conformance case files (`tests/cases/*.json`, format in `tests/cases/README.md`)
//! through the native engine. The JS suite runs the same files through the wasm module.

use edgeflag::json::{self, Value};
use edgeflag::{Context, Engine, Limits, LoadOptions, ValueKind};
use std::collections::BTreeSet;
use std::path::Path;

const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// Structural JSON equality with numbers compared as doubles.
fn json_eq(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && json_eq(v, v2)))
        }
        _ => false,
    }
}

fn snapshot_text(file: &Value<'_>) -> String {
    if let Some(Value::String(t)) = file.get("snapshotText") {
        return t.to_string();
    }
    file.get("snapshot").map(|s| s.to_string()).unwrap_or_default()
}

fn limits_of(v: Option<&Value<'_>>) -> Limits {
    match v {
        Some(v) => Limits::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{e}")),
        None => Limits::default(),
    }
}

fn kind_of(s: &str) -> ValueKind {
    match s {
        "boolean" => ValueKind::Boolean,
        "string" => ValueKind::String,
        "number" => ValueKind::Number,
        _ => ValueKind::Json,
    }
}

/// Evaluates one case and returns the actual result as a JSON object text.
fn run_case(engine: &Engine, case: &Value<'_>) -> Result<String, String> {
    let flag = case.get("flag").and_then(Value::as_str).ok_or("case without flag")?;
    let ctx = match case.get("context") {
        Some(c) => Context::from_value(c.clone().into_owned()).map_err(|e| e.to_string())?,
        None => Context::empty(),
    };
    let now_text = case.get("now").and_then(Value::as_str).unwrap_or(DEFAULT_NOW);
    let now = edgeflag::time::parse_rfc3339_ms(now_text).ok_or_else(|| format!("bad now {now_text}"))?;
    let e = match case.get("type").and_then(Value::as_str) {
        Some(t) => engine.evaluate_typed(flag, kind_of(t), &ctx, now),
        None => engine.evaluate(flag, &ctx, now),
    };
    let mut out = e.to_json();
    if e.value.is_none() {
        if let Some(d) = case.get("default") {
            // typed read on error: the caller's default
            let mut v = json::parse(&out).map_err(|e| e.to_string())?.into_owned();
            if let Value::Object(fields) = &mut v {
                for (k, val) in fields.iter_mut() {
                    if k == "value" {
                        *val = d.clone().into_owned();
                    }
                }
            }
            out = v.to_string();
        }
    }
    Ok(out)
}

fn check_file(path: &Path, failures: &mut Vec<String>, counts: &mut (usize, usize)) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let file = json::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let invalid: Vec<Value<'_>> = match file.get("invalid") {
        Some(Value::Array(a)) => a.clone(),
        _ if file.get("expectErrors").is_some() => vec![file.clone()],
        _ => Vec::new(),
    };
    for inv in &invalid {
        counts.0 += 1;
        let label = format!("{name}: {}", inv.get("name").and_then(Value::as_str).unwrap_or("?"));
        let opts = LoadOptions { limits: limits_of(inv.get("limits")), now_ms: None };
        let want: BTreeSet<String> = match inv.get("expectErrors") {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            _ => BTreeSet::new(),
        };
        match Engine::from_json_with(&snapshot_text(inv), &opts) {
            Ok(_) if want.is_empty() => counts.1 += 1,
            Ok(_) => failures.push(format!("{label}: loaded, expected errors at {want:?}")),
            Err(e) => {
                let got: BTreeSet<String> = e.errors().map(|p| p.path.clone()).collect();
                if got != want {
                    let msgs: Vec<String> = e.errors().map(|p| p.to_string()).collect();
                    failures.push(format!("{label}: error paths {got:?}, expected {want:?}\n      {}", msgs.join("\n      ")));
                } else {
                    counts.1 += 1;
                }
            }
        }
    }
    let Some(Value::Array(cases)) = file.get("cases") else { return };
    let engine = match Engine::from_json_with(&snapshot_text(&file), &LoadOptions { limits: limits_of(file.get("limits")), now_ms: None }) {
        Ok(e) => e,
        Err(e) => {
            counts.0 += cases.len();
            failures.push(format!("{name}: snapshot did not load: {e}"));
            return;
        }
    };
    for case in cases {
        counts.0 += 1;
        let label = format!("{name}: {}", case.get("name").and_then(Value::as_str).unwrap_or("?"));
        let actual = match run_case(&engine, case) {
            Ok(a) => json::parse(&a).unwrap().into_owned(),
            Err(m) => {
                failures.push(format!("{label}: {m}"));
                continue;
            }
        };
        let Some(Value::Object(expect)) = case.get("expect") else {
            failures.push(format!("{label}: no expect"));
            continue;
        };
        let mut bad = Vec::new();
        for (k, want) in expect {
            let got = actual.get(k).cloned().unwrap_or(Value::Null);
            if !json_eq(&got, want) {
                bad.push(format!("{k}: got {got}, expected {want}"));
            }
        }
        if bad.is_empty() {
            counts.1 += 1;
        } else {
            failures.push(format!("{label}: {}", bad.join("; ")));
        }
    }
}

#[test]
fn conformance_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let mut failures = Vec::new();
    let mut counts = (0, 0);
    for f in &files {
        check_file(f, &mut failures, &mut counts);
    }
    println!("conformance: {} files, {} cases, {} passed", files.len(), counts.0, counts.1);
    if !failures.is_empty() {
        panic!("{} of {} conformance cases failed:\n  {}", failures.len(), counts.0, failures.join("\n  "));
    }
}

#[test]
fn bucketing_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bucketing.json");
    let text = std::fs::read_to_string(path).unwrap();
    let file = json::parse(&text).unwrap();
    let Some(Value::Array(vs)) = file.get("vectors") else { panic!("no vectors") };
    assert!(vs.len() >= 1000, "only {} vectors", vs.len());
    let mut checked = 0;
    for v in vs {
        let salt = v.get("salt").and_then(Value::as_str).unwrap();
        let unit = match v.get("unit").unwrap() {
            Value::String(s) => s.to_string(),
            Value::Number(n) => n.text().to_string(),
            other => panic!("bad unit {other}"),
        };
        let want = match v.get("bucket") {
            Some(Value::Number(n)) => n.as_u64().unwrap() as u32,
            _ => panic!("bad bucket"),
        };
        assert_eq!(edgeflag::bucket::bucket(salt, &unit), want, "salt {salt:?} unit {unit:?}");
        checked += 1;
    }
    println!("bucketing vectors: {checked} checked");
}
