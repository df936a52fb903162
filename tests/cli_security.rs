//! `edgeflag keygen`, `sign`, `verify` and `rollback` (docs/security.md), run as a user would.
#![cfg(feature = "cli")]

use edgeflag::{Context, Engine};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn edgeflag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeflag")).args(args).output().expect("run edgeflag")
}

fn ok(args: &[&str]) -> String {
    let out = edgeflag(args);
    assert!(out.status.success(), "edgeflag {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn code(args: &[&str]) -> (i32, String) {
    let out = edgeflag(args);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("edgeflag-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
    fn path(&self, f: &str) -> String {
        self.0.join(f).to_string_lossy().into_owned()
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn storefront() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("storefront.json")
}

#[test]
fn keygen_sign_verify() {
    let d = TempDir::new("sign");
    let out = ok(&["keygen", "--out", &d.path("k1"), "--key-id", "2026-11"]);
    assert!(out.starts_with("publicKeys: [{ keyId: \"2026-11\", key: \""), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(d.path("k1.key")).unwrap().permissions().mode() & 0o777, 0o600, "the private key is 0600");
    }
    let jwk = std::fs::read_to_string(d.path("k1.pub.json")).unwrap();
    assert!(jwk.contains(r#""kty": "OKP""#) && jwk.contains(r#""crv": "Ed25519""#) && jwk.contains(r#""kid": "2026-11""#), "{jwk}");
    assert!(!jwk.contains("privateKey"));
    // Never overwrites a key by accident.
    let (c, err) = code(&["keygen", "--out", &d.path("k1")]);
    assert_eq!(c, 1);
    assert!(err.contains("exists"), "{err}");

    let snap = d.path("production.json");
    std::fs::copy(storefront(), &snap).unwrap();
    ok(&["sign", &snap, "--key", &d.path("k1.key")]);
    let sig = std::fs::read_to_string(format!("{snap}.sig")).unwrap();
    assert!(sig.contains(r#""alg": "Ed25519""#) && sig.contains(r#""keyId": "2026-11""#), "{sig}");
    assert!(ok(&["verify", &snap, "--public-key", &d.path("k1.pub.json")]).contains("verified"));
    let public = out.split("key: \"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
    assert!(ok(&["verify", &snap, "--public-key", &format!("2026-11={public}")]).contains("verified"));

    // Rotation: a second key's signature appended; either key verifies; a third does not.
    ok(&["keygen", "--out", &d.path("k2"), "--key-id", "2027-01"]);
    ok(&["sign", &snap, "--key", &d.path("k2.key"), "--append"]);
    assert_eq!(std::fs::read_to_string(format!("{snap}.sig")).unwrap().matches("\"sig\"").count(), 2);
    ok(&["verify", &snap, "--public-key", &d.path("k2.pub.json")]);
    ok(&["verify", &snap, "--public-key", &d.path("k1.pub.json")]);
    ok(&["keygen", "--out", &d.path("k3"), "--key-id", "other"]);
    assert_eq!(code(&["verify", &snap, "--public-key", &d.path("k3.pub.json")]).0, 1);

    // One byte changed: not verified. The signature covers the exact bytes, formatting included.
    let text = std::fs::read_to_string(&snap).unwrap();
    std::fs::write(&snap, text.replacen("  ", "   ", 1)).unwrap();
    let (c, err) = code(&["verify", &snap, "--public-key", &d.path("k1.pub.json")]);
    assert_eq!(c, 1);
    assert!(err.contains("NOT verified"), "{err}");
    // Unsigned.
    std::fs::remove_file(format!("{snap}.sig")).unwrap();
    let (c, err) = code(&["verify", &snap, "--public-key", &d.path("k1.pub.json")]);
    assert_eq!(c, 1);
    assert!(err.contains("unsigned"), "{err}");

    // An invalid snapshot is not signed; a bad key file is refused.
    std::fs::write(&snap, r#"{"schema":1,"version":1,"flags":{"f":{"variants":{},"default":"x"}}}"#).unwrap();
    assert_eq!(code(&["sign", &snap, "--key", &d.path("k1.key")]).0, 1);
    assert!(!Path::new(&format!("{snap}.sig")).exists());
    std::fs::copy(storefront(), &snap).unwrap();
    let (c, err) = code(&["sign", &snap, "--key", &d.path("k1.pub.json")]);
    assert_eq!(c, 1);
    assert!(err.contains("not an Ed25519 private key file"), "{err}");
    // To standard output, with another key id.
    let out = ok(&["sign", &snap, "--key", &d.path("k1.key"), "--key-id", "renamed", "-o", "-"]);
    assert!(out.contains(r#""keyId": "renamed""#), "{out}");
}

#[test]
fn rollback_republishes_old_content_under_a_new_version() {
    let d = TempDir::new("rollback");
    let old = std::fs::read_to_string(storefront()).unwrap();
    let old_engine = Engine::from_json(&old).unwrap();
    // The current snapshot: a later version with a flag turned off.
    let current = old.replacen(&format!("\"version\": {}", old_engine.version()), "\"version\": 41", 1).replacen("\"enabled\": true", "\"enabled\": false", 1);
    assert_ne!(current, old);
    std::fs::write(d.path("old.json"), &old).unwrap();
    std::fs::write(d.path("current.json"), &current).unwrap();
    let (c, err) = code(&["rollback", &d.path("old.json"), "--current", &d.path("current.json"), "-o", &d.path("out.json")]);
    assert_eq!(c, 0, "{err}");
    assert!(err.contains(&format!("the content of version {} ", old_engine.version())) && err.contains("republished as version 42"), "{err}");
    let out = Engine::from_json(&std::fs::read_to_string(d.path("out.json")).unwrap()).unwrap();
    assert_eq!(out.version(), 42, "current + 1: clients accept it (anti-rollback refuses only lower versions)");
    assert_eq!(out.metadata().iter().find(|(k, _)| &**k == "rollbackOf").map(|(_, v)| v.to_string()), Some(old_engine.version().to_string()));
    // Same flags, same answers as the old snapshot, for every example user.
    assert_eq!(out.flag_keys().collect::<Vec<_>>(), old_engine.flag_keys().collect::<Vec<_>>());
    let users = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("contexts.json")).unwrap();
    let users = edgeflag::json::parse(&users).unwrap();
    for u in users.as_array().unwrap() {
        let ctx = Context::from_value(u.clone().into_owned()).unwrap();
        for k in old_engine.flag_keys() {
            let (a, b) = (old_engine.evaluate(k, &ctx, 1_800_000_000_000), out.evaluate(k, &ctx, 1_800_000_000_000));
            assert_eq!((a.variant, a.reason, a.rule_index), (b.variant, b.reason, b.rule_index), "{k}");
        }
    }
    // Rolling back in place (OUT = CURRENT), and to standard output.
    ok(&["rollback", &d.path("old.json"), "--current", &d.path("current.json"), "-o", &d.path("current.json")]);
    assert_eq!(Engine::from_json(&std::fs::read_to_string(d.path("current.json")).unwrap()).unwrap().version(), 42);
    let text = ok(&["rollback", &d.path("old.json"), "--current", &d.path("current.json"), "-o", "-"]);
    assert_eq!(Engine::from_json(&text).unwrap().version(), 43);
    // Invalid inputs and the JavaScript bound on versions.
    std::fs::write(d.path("bad.json"), "{}").unwrap();
    assert_eq!(code(&["rollback", &d.path("bad.json"), "--current", &d.path("current.json"), "-o", "-"]).0, 1);
    std::fs::write(d.path("huge.json"), r#"{"schema":1,"version":9007199254740991,"flags":{}}"#).unwrap();
    let (c, err) = code(&["rollback", &d.path("old.json"), "--current", &d.path("huge.json"), "-o", "-"]);
    assert_eq!(c, 1);
    assert!(err.contains("2^53"), "{err}");
    assert_eq!(code(&["rollback", &d.path("old.json")]).0, 2, "usage error without --current and -o");
}
