//! `edgeflag sign SNAPSHOT --key PRIVATE [--key-id ID] [-o SIG] [--append]` and
//! `edgeflag verify SNAPSHOT --public-key KEY... [--sig SIG]`: Ed25519 detached signatures over the exact
//! bytes of a snapshot (docs/security.md).
//!
//! The signature file (`SNAPSHOT.sig` by default) is JSON:
//! `{"signatures": [{"alg": "Ed25519", "keyId": "2026-11", "sig": "<base64 of the 64-byte signature>"}]}`.
//! The JS client (`publicKeys` option) fetches `<snapshot URL>.sig` and accepts the snapshot when one of
//! the signatures verifies with a trusted key of the same `keyId`.

use crate::common::{self, PROBLEM};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use edgeflag::json::{self, Value};
use std::borrow::Cow;

/// The only algorithm.
pub const ALG: &str = "Ed25519";
/// Most signatures in one file (the JS client refuses a file with more).
pub const MAX_SIGNATURES: usize = 16;

/// Arguments of `sign`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The signature covers the snapshot's exact bytes: publish the file as it is (no re-formatting, no
transcoding; compression by the CDN is fine). Publish SNAPSHOT.sig beside it.

Exit status: 0 signed, 1 invalid snapshot or unreadable file or key, 2 usage error.

Examples:
  edgeflag sign production.json --key edgeflag.key
  edgeflag sign production.json --key new.key --append   # rotation: keep the old key's signature too")]
pub struct Args {
    /// Snapshot file to sign (validated first: an invalid snapshot is not signed).
    pub snapshot: String,
    /// Private key file written by `edgeflag keygen`.
    #[arg(long)]
    pub key: String,
    /// Key id written into the signature (default: the key file's).
    #[arg(long = "key-id")]
    pub key_id: Option<String>,
    /// Where to write the signature file (default: SNAPSHOT.sig; `-` for standard output).
    #[arg(long, short)]
    pub output: Option<String>,
    /// Add the signature to the existing signature file instead of replacing it (key rotation, or a
    /// .sig that covers both the old and the new snapshot while they are uploaded).
    #[arg(long)]
    pub append: bool,
}

/// Arguments of `verify`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Checks SNAPSHOT against its signature file as the JS client does: valid when one signature verifies
with a given public key of the same key id.

Exit status: 0 verified, 1 not verified (unsigned, altered, unknown key) or unreadable, 2 usage error.

Example:
  edgeflag verify production.json --public-key edgeflag.pub.json")]
pub struct VerifyArgs {
    /// Snapshot file.
    pub snapshot: String,
    /// Signature file (default: SNAPSHOT.sig).
    #[arg(long)]
    pub sig: Option<String>,
    /// A trusted public key: a `.pub.json` file written by `edgeflag keygen` (its keyId is used), or
    /// `KEYID=BASE64`. Repeatable.
    #[arg(long = "public-key", required = true)]
    pub public_keys: Vec<String>,
}

/// A private key read from its file.
pub struct PrivateKey {
    /// The key id stored with it.
    pub key_id: String,
    /// The key.
    pub key: SigningKey,
}

/// Reads a private key file (`{"alg":"Ed25519","keyId":"...","privateKey":"base64 of the 32-byte seed","publicKey":"..."}`).
pub fn read_private_key(path: &str) -> Result<PrivateKey, String> {
    let text = common::read(path)?;
    let doc = json::parse(&text).map_err(|e| format!("{path} is not a key file: {e}"))?;
    let field = |k: &str| doc.get(k).and_then(Value::as_str);
    if field("alg") != Some(ALG) {
        return Err(format!("{path} is not an Ed25519 private key file (written by `edgeflag keygen`)"));
    }
    let seed = field("privateKey")
        .and_then(b64_decode)
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| format!("{path}: \"privateKey\" must be the base64 of 32 bytes"))?;
    let key = SigningKey::from_bytes(&seed);
    if let Some(pk) = field("publicKey") {
        if b64_decode(pk).as_deref() != Some(&key.verifying_key().to_bytes()[..]) {
            return Err(format!("{path}: \"publicKey\" does not belong to \"privateKey\" (a damaged key file?)"));
        }
    }
    Ok(PrivateKey { key_id: field("keyId").unwrap_or_default().to_string(), key })
}

/// A signature entry of a signature file.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Key id.
    pub key_id: String,
    /// The 64 signature bytes (or whatever the file held, for entries of other algorithms kept as they are).
    pub sig: String,
    /// The algorithm as written.
    pub alg: String,
}

/// Parses a signature file: `{"signatures": [...]}` or a single `{"alg","keyId","sig"}` object.
pub fn parse_signature_file(text: &str) -> Result<Vec<Entry>, String> {
    let doc = json::parse(text).map_err(|e| format!("not JSON: {e}"))?;
    let list: Vec<&Value<'_>> = match (doc.get("signatures"), doc.get("sig")) {
        (Some(Value::Array(items)), _) => items.iter().collect(),
        (None, Some(_)) => vec![&doc],
        _ => return Err("no signature (expected {\"signatures\": [{\"alg\", \"keyId\", \"sig\"}]})".into()),
    };
    Ok(list
        .into_iter()
        .filter_map(|s| {
            Some(Entry {
                alg: s.get("alg")?.as_str()?.to_string(),
                key_id: s.get("keyId")?.as_str()?.to_string(),
                sig: s.get("sig")?.as_str()?.to_string(),
            })
        })
        .collect())
}

/// Writes a signature file (pretty JSON, a newline at the end).
pub fn write_signature_file(entries: &[Entry]) -> String {
    let items: Vec<Value<'static>> = entries
        .iter()
        .map(|e| {
            Value::Object(vec![
                (Cow::Borrowed("alg"), Value::String(Cow::Owned(e.alg.clone()))),
                (Cow::Borrowed("keyId"), Value::String(Cow::Owned(e.key_id.clone()))),
                (Cow::Borrowed("sig"), Value::String(Cow::Owned(e.sig.clone()))),
            ])
        })
        .collect();
    crate::pretty::pretty(&Value::Object(vec![(Cow::Borrowed("signatures"), Value::Array(items))]))
}

/// Runs `sign`.
pub fn run(a: Args) -> u8 {
    if a.key_id.as_deref() == Some("") {
        return common::usage("--key-id must not be empty");
    }
    let bytes = match std::fs::read(&a.snapshot) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("edgeflag: cannot read {}: {e}", a.snapshot);
            return PROBLEM;
        }
    };
    if let Err(e) = edgeflag::Engine::from_slice(&bytes, &edgeflag::LoadOptions::default()) {
        common::print_load_error(&a.snapshot, &e);
        eprintln!("edgeflag: {} is not a valid snapshot: not signed", a.snapshot);
        return PROBLEM;
    }
    let key = match read_private_key(&a.key) {
        Ok(k) => k,
        Err(m) => {
            eprintln!("edgeflag: {m}");
            return PROBLEM;
        }
    };
    let key_id = a.key_id.clone().unwrap_or(key.key_id.clone());
    if key_id.is_empty() {
        return common::usage(format!("{} holds no key id: give --key-id", a.key));
    }
    let sig: Signature = key.key.sign(&bytes);
    // Belt and braces: what we publish must verify.
    if key.key.verifying_key().verify_strict(&bytes, &sig).is_err() {
        eprintln!("edgeflag: internal error: the signature does not verify");
        return PROBLEM;
    }
    let entry = Entry { alg: ALG.into(), key_id: key_id.clone(), sig: b64_encode(&sig.to_bytes()) };
    let out_path = a.output.clone().unwrap_or_else(|| format!("{}.sig", a.snapshot));
    let mut entries = Vec::new();
    if a.append && out_path != "-" {
        match std::fs::read_to_string(&out_path) {
            Ok(t) => match parse_signature_file(&t) {
                Ok(list) => entries = list,
                Err(m) => {
                    eprintln!("edgeflag: --append: {out_path}: {m}");
                    return PROBLEM;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                eprintln!("edgeflag: --append: cannot read {out_path}: {e}");
                return PROBLEM;
            }
        }
    }
    entries.retain(|e| *e != entry);
    entries.push(entry);
    if entries.len() > MAX_SIGNATURES {
        // The oldest go first: clients read at most MAX_SIGNATURES.
        entries.drain(..entries.len() - MAX_SIGNATURES);
    }
    let text = write_signature_file(&entries);
    if out_path == "-" {
        common::print(text.trim_end());
    } else {
        if let Err(e) = std::fs::write(&out_path, &text) {
            eprintln!("edgeflag: cannot write {out_path}: {e}");
            return PROBLEM;
        }
        eprintln!(
            "signed {} ({} bytes) with key \"{key_id}\": {out_path}{}",
            a.snapshot,
            bytes.len(),
            if entries.len() > 1 { format!(" ({} signatures)", entries.len()) } else { String::new() }
        );
    }
    0
}

/// Reads `--public-key` values: a JWK file from `keygen` or `KEYID=BASE64`.
fn public_key(spec: &str) -> Result<(String, VerifyingKey), String> {
    let (id, raw) = if let Some((id, b)) = spec.split_once('=').filter(|_| !std::path::Path::new(spec).exists()) {
        (id.to_string(), b64_decode(b).ok_or_else(|| format!("--public-key {spec}: not base64"))?)
    } else {
        let text = common::read(spec)?;
        let doc = json::parse(&text).map_err(|e| format!("{spec} is not a public key file: {e}"))?;
        let field = |k: &str| doc.get(k).and_then(Value::as_str);
        if field("kty") != Some("OKP") || field("crv") != Some(ALG) {
            return Err(format!("{spec} is not an Ed25519 JWK (written by `edgeflag keygen`)"));
        }
        let x = field("x").and_then(b64_decode).ok_or_else(|| format!("{spec}: \"x\" is not base64url"))?;
        (field("kid").unwrap_or_default().to_string(), x)
    };
    let bytes = <[u8; 32]>::try_from(raw.as_slice()).map_err(|_| format!("{spec}: a public key is 32 bytes, not {}", raw.len()))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|e| format!("{spec}: not an Ed25519 public key: {e}"))?;
    Ok((id, key))
}

/// Runs `verify`.
pub fn verify_run(a: VerifyArgs) -> u8 {
    let mut keys = Vec::new();
    for spec in &a.public_keys {
        match public_key(spec) {
            Ok(k) => keys.push(k),
            Err(m) => return common::usage(m),
        }
    }
    let bytes = match std::fs::read(&a.snapshot) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("edgeflag: cannot read {}: {e}", a.snapshot);
            return PROBLEM;
        }
    };
    let sig_path = a.sig.clone().unwrap_or_else(|| format!("{}.sig", a.snapshot));
    let entries = match std::fs::read_to_string(&sig_path).map_err(|e| e.to_string()).and_then(|t| parse_signature_file(&t)) {
        Ok(e) => e,
        Err(m) => {
            eprintln!("edgeflag: {}: unsigned: {sig_path}: {m}", a.snapshot);
            return PROBLEM;
        }
    };
    if entries.len() > MAX_SIGNATURES {
        eprintln!("edgeflag: {}: {sig_path} holds {} signatures; clients refuse more than {MAX_SIGNATURES}", a.snapshot, entries.len());
        return PROBLEM;
    }
    for e in entries.iter().filter(|e| e.alg == ALG) {
        let Some(sig) = b64_decode(&e.sig).and_then(|b| Signature::from_slice(&b).ok()) else { continue };
        for (id, k) in &keys {
            if *id == e.key_id && k.verify_strict(&bytes, &sig).is_ok() {
                common::print(&format!("{}: signature by key \"{id}\" verified", a.snapshot));
                return 0;
            }
        }
    }
    let ids: Vec<String> = entries.iter().map(|e| format!("\"{}\"", e.key_id)).collect();
    eprintln!(
        "edgeflag: {}: NOT verified: {sig_path} holds signatures by {}; none verifies with the given keys",
        a.snapshot,
        if ids.is_empty() { "no key".to_string() } else { ids.join(", ") }
    );
    PROBLEM
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Unpadded base64url (JWK `x`).
pub fn b64url_encode(bytes: &[u8]) -> String {
    b64_encode(bytes).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// Decodes base64 or base64url, padded or not; `None` when it is neither.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (bits < 6 && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..70 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64_decode(&b64_encode(&bytes)).as_deref(), Some(&bytes[..]), "{n}");
            assert_eq!(b64_decode(&b64url_encode(&bytes)).as_deref(), Some(&bytes[..]), "{n}");
        }
        assert_eq!(b64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64_encode(b"fo"), "Zm8=");
        assert_eq!(b64_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(b64_decode("Zm9v!"), None);
        assert_eq!(b64_decode("Zm9vY"), None); // 6 dangling bits
    }

    #[test]
    fn signature_files() {
        let e = Entry { alg: ALG.into(), key_id: "k1".into(), sig: "AAAA".into() };
        let text = write_signature_file(std::slice::from_ref(&e));
        assert_eq!(parse_signature_file(&text).unwrap(), vec![e.clone()]);
        assert_eq!(parse_signature_file(r#"{"alg":"Ed25519","keyId":"k1","sig":"AAAA"}"#).unwrap(), vec![e]);
        assert!(parse_signature_file("{}").is_err());
    }
}
