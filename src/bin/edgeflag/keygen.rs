//! `edgeflag keygen [--out PREFIX] [--key-id ID] [--force]`: a new Ed25519 key pair for signing snapshots.
//!
//! Writes `PREFIX.key` (the private key, mode 0600, JSON:
//! `{"alg":"Ed25519","keyId","privateKey":"base64 of the 32-byte seed","publicKey":"base64"}`) and
//! `PREFIX.pub.json` (the public key as a JWK: `{"kty":"OKP","crv":"Ed25519","x","kid","use":"sig"}`), and
//! prints the public key in the form the JS client's `publicKeys` option takes.

use crate::common::{self, PROBLEM};
use crate::sign::{b64_encode, b64url_encode, ALG};
use ed25519_dalek::SigningKey;
use edgeflag::json;

/// Arguments of `keygen`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Keep PREFIX.key secret (a secrets manager or the CI's secret store); publish nothing but the public
key, which goes into the client: createClient({ url, publicKeys: [{ keyId, key }] }).

Exit status: 0 written, 1 a file exists (use --force) or cannot be written, 2 usage error.

Example:
  edgeflag keygen --out keys/2026-11 --key-id 2026-11")]
pub struct Args {
    /// Path prefix of the files written: PREFIX.key and PREFIX.pub.json.
    #[arg(long, default_value = "edgeflag")]
    pub out: String,
    /// Key id, written into signatures so that clients pick the right key (default: derived from the
    /// public key).
    #[arg(long = "key-id")]
    pub key_id: Option<String>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// Runs `keygen`.
pub fn run(a: Args) -> u8 {
    if a.key_id.as_deref() == Some("") {
        return common::usage("--key-id must not be empty");
    }
    let mut seed = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut seed) {
        eprintln!("edgeflag: no randomness from the operating system: {e}");
        return PROBLEM;
    }
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let public = key.verifying_key().to_bytes();
    let key_id = a.key_id.clone().unwrap_or_else(|| format!("ed25519-{}", &b64url_encode(&public)[..8]));

    let mut private = String::from("{\n  \"alg\": \"Ed25519\",\n  \"keyId\": ");
    json::write_string(&mut private, &key_id);
    private.push_str(",\n  \"privateKey\": ");
    json::write_string(&mut private, &b64_encode(&key.to_bytes()));
    private.push_str(",\n  \"publicKey\": ");
    json::write_string(&mut private, &b64_encode(&public));
    private.push_str("\n}\n");

    let mut jwk = String::from("{\n  \"kty\": \"OKP\",\n  \"crv\": \"");
    jwk.push_str(ALG);
    jwk.push_str("\",\n  \"x\": ");
    json::write_string(&mut jwk, &b64url_encode(&public));
    jwk.push_str(",\n  \"kid\": ");
    json::write_string(&mut jwk, &key_id);
    jwk.push_str(",\n  \"use\": \"sig\"\n}\n");

    let (key_path, pub_path) = (format!("{}.key", a.out), format!("{}.pub.json", a.out));
    for p in [&key_path, &pub_path] {
        if !a.force && std::path::Path::new(p).exists() {
            eprintln!("edgeflag: {p} exists; not overwriting a key (use --force)");
            return PROBLEM;
        }
    }
    if let Err(e) = write_private(&key_path, &private, a.force) {
        eprintln!("edgeflag: cannot write {key_path}: {e}");
        return PROBLEM;
    }
    if let Err(e) = std::fs::write(&pub_path, &jwk) {
        eprintln!("edgeflag: cannot write {pub_path}: {e}");
        return PROBLEM;
    }
    eprintln!("wrote {key_path} (private, keep it secret) and {pub_path} (public)");
    let mut snippet = String::from("{ keyId: ");
    json::write_string(&mut snippet, &key_id);
    snippet.push_str(", key: ");
    json::write_string(&mut snippet, &b64_encode(&public));
    snippet.push_str(" }");
    common::print(&format!("publicKeys: [{snippet}]"));
    0
}

/// Writes the private key readable by its owner only (0600 from creation on Unix: never briefly
/// world-readable).
fn write_private(path: &str, text: &str, force: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    // An existing file (--force) keeps its mode through open(): set it before writing the key.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
