//! The JSON Schema (`schema/snapshot-v1.schema.json`) against the example snapshots (`examples/*.json`).
//!
//! - every example snapshot must be valid per the schema;
//! - `examples/contexts.json` is not a snapshot: it must be an array of 8 context objects, each with a `key`;
//! - snapshots that break the format in ways a schema can see must be rejected (so this test can fail).
//!
//! The schema checks structure only; references, sums, cycles and duplicate keys are the engine's job
//! (see the schema's top-level description), so they are not tested here.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn validator() -> jsonschema::Validator {
    let schema = read_json(&root().join("schema/snapshot-v1.schema.json"));
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema",
        "the schema must declare draft 2020-12"
    );
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

/// Every error the validator reports, one line each, with the instance path.
fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{}: {}", e.instance_path(), e)).collect()
}

fn example_files() -> Vec<PathBuf> {
    let dir = root().join("examples");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn is_contexts(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "contexts.json")
}

#[test]
fn every_example_snapshot_is_valid() {
    let v = validator();
    let snapshots: Vec<PathBuf> = example_files().into_iter().filter(|p| !is_contexts(p)).collect();
    for name in ["storefront.json", "operators.json", "segments.json"] {
        assert!(
            snapshots.iter().any(|p| p.file_name().is_some_and(|n| n == name)),
            "examples/{name} is missing"
        );
    }
    let mut failures = Vec::new();
    for path in &snapshots {
        let doc = read_json(path);
        for e in errors(&v, &doc) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(failures.is_empty(), "example snapshots rejected by the schema:\n{}", failures.join("\n"));
}

#[test]
fn contexts_file_holds_eight_contexts() {
    let doc = read_json(&root().join("examples/contexts.json"));
    let list = doc.as_array().expect("examples/contexts.json must be an array");
    assert_eq!(list.len(), 8, "examples/contexts.json must hold 8 contexts");
    for (i, ctx) in list.iter().enumerate() {
        let obj = ctx.as_object().unwrap_or_else(|| panic!("context [{i}] is not an object"));
        let key = obj.get("key").unwrap_or_else(|| panic!("context [{i}] has no key"));
        assert!(key.is_string() || key.is_i64() || key.is_u64(), "context [{i}]: key must be a string or an integer");
    }
}

/// A small valid snapshot that the invalid cases below each break in one place.
fn base() -> Value {
    json!({
        "schema": 1,
        "version": 1,
        "segments": { "beta": { "include": ["u-1"], "when": { "attr": "email", "op": "ends_with", "value": "@example.com" } } },
        "flags": {
            "f": {
                "variants": { "on": true, "off": false },
                "default": "off",
                "rules": [
                    { "id": "r1", "when": { "attr": "country", "op": "in", "values": ["DE", "FR"] },
                      "serve": { "variant": "on", "percent": 30, "by": "key" } }
                ]
            }
        }
    })
}

#[test]
fn base_snapshot_is_valid() {
    let v = validator();
    let errs = errors(&v, &base());
    assert!(errs.is_empty(), "the base snapshot of the invalid cases must itself be valid:\n{}", errs.join("\n"));
}

/// Edge cases the spec declares valid; a too-strict schema would reject them.
#[test]
fn valid_edge_cases_are_accepted() {
    let v = validator();
    let cases: Vec<(&str, Value)> = vec![
        ("minimal document", json!({ "schema": 1, "version": 0 })),
        ("empty maps", json!({ "schema": 1, "version": 0, "segments": {}, "flags": {} })),
        ("rules: [] and percent 0 and an empty ramp", json!({ "schema": 1, "version": 3, "flags": {
            "a": { "variants": { "x": "x" }, "default": "x", "rules": [] },
            "b": { "variants": { "on": true, "off": false }, "default": "off", "rules": [
                { "serve": { "variant": "on", "percent": 0 } },
                { "serve": { "variant": "on", "ramp": [] } },
                { "serve": { "split": [ { "variant": "on", "percent": 0 }, { "variant": "off", "percent": 100 } ] } }
            ] } } })),
        ("values: [] and value as a one-element set", json!({ "schema": 1, "version": 1, "flags": {
            "a": { "variants": { "on": true, "off": false }, "default": "off", "rules": [
                { "when": { "attr": "country", "op": "in", "values": [] }, "serve": "on" },
                { "when": { "attr": "roles", "op": "contains_all", "value": "admin" }, "serve": "on" },
                { "when": { "attr": "ip", "op": "in_cidr", "value": "::ffff:0:0/96" }, "serve": "on" }
            ] } } })),
        ("ignoreCase accepted (and ignored) on a numeric operator", json!({ "schema": 1, "version": 1, "flags": {
            "a": { "variants": { "n1": 1, "n2": 2.5 }, "default": "n1", "rules": [
                { "when": { "attr": "age", "op": "gt", "value": 17, "ignoreCase": true }, "serve": "n2" } ] } } })),
        ("lower-case t and z, 9 fractional digits, date-only expires", json!({ "schema": 1, "version": 1,
            "publishedAt": "2026-11-26t09:00:00.123456789z", "flags": {
            "a": { "variants": { "j": { "k": [1] }, "l": [] }, "default": "j", "expires": "2027-03-01", "rules": [
                { "from": "2026-12-01T00:00:00+01:00", "until": "2027-01-01T00:00:00Z", "serve": "l",
                  "when": { "attr": "seenAt", "op": "before", "value": 1798761600000i64 } } ] } } })),
        ("semver operands in every accepted spelling", json!({ "schema": 1, "version": 1, "flags": {
            "a": { "variants": { "on": true }, "default": "on", "rules": [
                { "when": { "attr": "v", "op": "semver_gte", "values": ["2", "v2.3", "2-rc.1", "1.0.0-alpha.1+build.7"] }, "serve": "on" } ] } } })),
        ("extensions", json!({ "schema": 1, "version": 1,
            "segments": { "s": { "hashSalt": "rotation-2", "includeHashed": ["0123456789abcdef"], "excludeHashed": [] } },
            "flags": { "a": { "serverOnly": true, "variants": { "on": true }, "default": "on" } } })),
    ];
    let mut failures = Vec::new();
    for (name, doc) in &cases {
        for e in errors(&v, doc) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "valid snapshots rejected by the schema:\n{}", failures.join("\n"));
}

/// Each case breaks `base()` in one place; the schema must reject every one.
#[test]
fn invalid_snapshots_are_rejected() {
    let v = validator();
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit)> = vec![
        // The three required by the brief.
        ("unknown field on a flag", |d| d["flags"]["f"]["colour"] = json!("blue")),
        ("unknown operator", |d| d["flags"]["f"]["rules"][0]["when"]["op"] = json!("inn")),
        ("percent of the wrong type", |d| d["flags"]["f"]["rules"][0]["serve"]["percent"] = json!("30")),
        // More that a schema can see.
        ("unknown top-level field", |d| d["flag"] = json!({})),
        ("schema 2", |d| d["schema"] = json!(2)),
        ("negative version", |d| d["version"] = json!(-1)),
        ("flags: null", |d| d["flags"] = Value::Null),
        ("empty flag key", |d| d["flags"][""] = d["flags"]["f"].clone()),
        ("flag key longer than 256", |d| d["flags"]["k".repeat(257)] = d["flags"]["f"].clone()),
        ("no variants", |d| d["flags"]["f"]["variants"] = json!({})),
        ("null variant value", |d| d["flags"]["f"]["variants"]["off"] = Value::Null),
        ("variants of mixed types", |d| d["flags"]["f"]["variants"]["off"] = json!("off")),
        ("serve {variant} alone", |d| d["flags"]["f"]["rules"][0]["serve"] = json!({ "variant": "on" })),
        ("serve with both percent and split", |d| {
            d["flags"]["f"]["rules"][0]["serve"]["split"] = json!([{ "variant": "on", "percent": 100 }])
        }),
        ("percent over 100", |d| d["flags"]["f"]["rules"][0]["serve"]["percent"] = json!(100.5)),
        ("empty by", |d| d["flags"]["f"]["rules"][0]["serve"]["by"] = json!("")),
        ("value and values together", |d| d["flags"]["f"]["rules"][0]["when"]["value"] = json!("DE")),
        ("neither value nor values", |d| {
            d["flags"]["f"]["rules"][0]["when"].as_object_mut().expect("object").remove("values");
        }),
        ("boolean operand for in", |d| d["flags"]["f"]["rules"][0]["when"]["values"] = json!([true])),
        ("operand on exists", |d| d["flags"]["f"]["rules"][0]["when"] = json!({ "attr": "a", "op": "exists", "value": 1 })),
        ("two condition shapes at once", |d| {
            d["flags"]["f"]["rules"][0]["when"] = json!({ "all": [], "any": [] })
        }),
        ("empty attr", |d| d["flags"]["f"]["rules"][0]["when"]["attr"] = json!("")),
        ("ignoreCase not a boolean", |d| d["flags"]["f"]["rules"][0]["when"]["ignoreCase"] = json!("yes")),
        ("bad semver operand", |d| {
            d["flags"]["f"]["rules"][0]["when"] = json!({ "attr": "v", "op": "semver_gt", "value": "01.2.3" })
        }),
        ("bad CIDR operand", |d| {
            d["flags"]["f"]["rules"][0]["when"] = json!({ "attr": "ip", "op": "in_cidr", "values": ["10.0.0.0/33"] })
        }),
        ("date with a space separator", |d| d["flags"]["f"]["rules"][0]["from"] = json!("2026-12-01 00:00:00Z")),
        ("leap second", |d| d["publishedAt"] = json!("2026-12-31T23:59:60Z")),
        ("empty requires variants", |d| d["flags"]["f"]["requires"] = json!([{ "flag": "g", "variants": [] }])),
        ("metadata value that is an object", |d| d["metadata"] = json!({ "owner": { "team": "x" } })),
        ("unknown segment field", |d| d["segments"]["beta"]["includes"] = json!(["u-2"])),
        ("hashed entry in upper case", |d| d["segments"]["beta"]["includeHashed"] = json!(["0123456789ABCDEF"])),
        ("serverOnly not a boolean", |d| d["flags"]["f"]["serverOnly"] = json!("yes")),
    ];
    let mut accepted = Vec::new();
    for (name, edit) in &cases {
        let mut doc = base();
        edit(&mut doc);
        if v.is_valid(&doc) {
            accepted.push(*name);
        }
    }
    assert!(accepted.is_empty(), "invalid snapshots accepted by the schema: {accepted:?}");
}
