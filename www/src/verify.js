// Signed snapshots: Ed25519 detached signatures over the exact bytes of a snapshot, checked with
// WebCrypto (browsers, Node 20, Deno, Bun, workerd) BEFORE the bytes reach the engine.
//
// The signature file sits beside the snapshot (`production.json` → `production.json.sig`) and holds JSON
// written by `edgeflag sign`:
//   {"signatures": [{"alg": "Ed25519", "keyId": "2026-11", "sig": "<base64 of 64 bytes>"}, ...]}
// or a single signature object {"alg": "Ed25519", "keyId": "...", "sig": "..."}. A snapshot is accepted
// when at least one signature verifies with a configured public key of the same keyId. Several keys
// (rotation) and several signatures (overlap while a new snapshot and its .sig are uploaded) are allowed.
// See docs/security.md.
//
// Loaded on demand: the client imports this module (`import()`) only when it has trusted keys, so a page
// that does not verify signatures does not download it. For the same reason it imports nothing: what it
// needs from the entry's modules (the loader's LoadError and loadSnapshot) is
// passed to `signatureChecks` (an import would make bundlers move those modules into a chunk shared by the
// entry and this one: one more request on every page).

/** Largest signature file accepted (it holds a few short signatures). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Most signatures read from one signature file. */
export const MAX_SIGNATURES = 16;
const ALG = 'Ed25519';

/** The signature file's URL for a snapshot URL: `.sig` appended to the path (query and fragment kept). */
export function signatureUrl(url) {
  const s = String(url);
  const cut = s.search(/[?#]/);
  return cut < 0 ? `${s}.sig` : `${s.slice(0, cut)}.sig${s.slice(cut)}`;
}

/**
 * The signature checks, over what they need from the entry's modules.
 * @param {{LoadError: typeof import('./loader.js').LoadError, loadSnapshot: typeof import('./loader.js').loadSnapshot}} deps
 */
export function signatureChecks({ LoadError, loadSnapshot }) {
  /** The ring's WebCrypto keys by keyId, imported once (again after a failure). Rejects with a LoadError of kind 'signature'. */
  function keysOf(ring) {
    ring._imported ??= importAll(ring.entries).catch((err) => { ring._imported = null; throw err; });
    return ring._imported;
  }

  async function importAll(entries) {
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) throw new LoadError('signature', 'cannot verify snapshot signatures: this runtime has no WebCrypto (crypto.subtle)');
    const map = new Map();
    for (const { keyId, _material: material } of entries) {
      let key;
      try {
        key = material.kind === 'crypto' ? material.key
          : await subtle.importKey(material.kind, material.key ?? decodeBase64(material.text), { name: ALG }, false, ['verify']);
      } catch (err) {
        throw new LoadError('signature', `cannot import public key "${keyId}" for Ed25519 verification: ${err?.message ?? err}` +
          ' (does this runtime\'s WebCrypto support Ed25519?)', { cause: err });
      }
      if (!map.has(keyId)) map.set(keyId, []);
      map.get(keyId).push(key);
    }
    return map;
  }

  /**
   * Parses a signature file. Throws a LoadError of kind 'signature' when it is not one.
   * @param {string} text
   * @param {string | null} [url] for messages
   * @returns {Array<{keyId: string, sig: Uint8Array}>} the Ed25519 signatures it holds
   */
  function parseSignatures(text, url = null) {
    const bad = (why) => new LoadError('signature', `the signature file${url ? ` ${url}` : ''} ${why}`, { url });
    let doc;
    try { doc = JSON.parse(text); } catch { throw bad('is not JSON'); }
    const list = Array.isArray(doc?.signatures) ? doc.signatures : (doc && typeof doc === 'object' && 'sig' in doc ? [doc] : null);
    if (!list) throw bad('holds no signature (expected {"signatures": [{"alg": "Ed25519", "keyId", "sig"}]})');
    if (list.length > MAX_SIGNATURES) throw bad(`holds ${list.length} signatures; at most ${MAX_SIGNATURES} are read`);
    const out = [];
    for (const s of list) {
      if (!s || typeof s !== 'object' || s.alg !== ALG || typeof s.keyId !== 'string' || typeof s.sig !== 'string') continue;
      const sig = decodeBase64(s.sig);
      if (sig && sig.length === 64) out.push({ keyId: s.keyId, sig });
    }
    if (out.length === 0) throw bad('holds no well-formed Ed25519 signature');
    return out;
  }

  /**
   * Verifies `bytes` (the exact bytes received) against a signature file with the key ring. Resolves with the
   * keyId that verified; rejects with a LoadError of kind 'signature' otherwise.
   * @param {Uint8Array} bytes
   * @param {string} sigText the signature file's text
   * @param {ReturnType<typeof import('./keyring.js').keyRing>} ring
   * @param {{url?: string | null, sigUrl?: string | null}} [where]
   */
  async function verifySnapshot(bytes, sigText, ring, where = {}) {
    const url = where.url ?? null;
    const signatures = parseSignatures(sigText, where.sigUrl ?? null);
    const keys = await keysOf(ring);
    const usable = signatures.filter((s) => keys.has(s.keyId));
    if (usable.length === 0) {
      const ids = [...new Set(signatures.map((s) => s.keyId))].map((k) => JSON.stringify(k)).join(', ');
      throw new LoadError('signature', `refused the snapshot${url ? ` from ${url}` : ''}: it is signed with key ${ids}, ` +
        `none of the trusted keys (${[...new Set(ring.entries.map((e) => JSON.stringify(e.keyId)))].join(', ')})`, { url });
    }
    for (const { keyId, sig } of usable) {
      for (const key of keys.get(keyId)) {
        let ok = false;
        try { ok = await globalThis.crypto.subtle.verify({ name: ALG }, key, sig, bytes); } catch { ok = false; }
        if (ok) return keyId;
      }
    }
    throw new LoadError('signature', `refused the snapshot${url ? ` from ${url}` : ''}: its signature does not verify with ` +
      `key ${[...new Set(usable.map((s) => JSON.stringify(s.keyId)))].join(', ')} (the snapshot or its signature was altered, ` +
      'or they do not belong together)', { url });
  }

  /**
   * Fetches the signature file of a snapshot URL, with the loader's options (timeout, retries, abort).
   * A missing file (404/410), an HTML page, a body that is not UTF-8 or too large is kind 'signature'
   * ("unsigned"); transport failures keep their kind (network, timeout, truncated, http 5xx) and are retried
   * like the snapshot's.
   * @returns {Promise<{url: string, text: string}>}
   */
  async function fetchSignature(loadOptions, snapshotUrl) {
    const url = signatureUrl(snapshotUrl);
    try {
      const res = await loadSnapshot({ ...loadOptions, url, etag: null, maxBytes: MAX_SIGNATURE_BYTES });
      return { url, text: res.text };
    } catch (err) {
      if (!(err instanceof LoadError) || err.retryable || err.kind === 'aborted') throw err;
      const why = err.kind === 'http' ? `answered HTTP ${err.status}` : err.message;
      throw new LoadError('signature', `refused the snapshot from ${snapshotUrl}: it is not signed (${url} ${why}); ` +
        'trusted keys are configured, so only signed snapshots are accepted', { url: snapshotUrl, status: err.status, cause: err });
    }
  }

  /**
   * The client's check of a snapshot it fetched: its signature file fetched (fetchSignature) and verified
   * against `bytes` (verifySnapshot). Resolves with the signature file ({url, text}); rejects with their LoadError.
   */
  async function _checkFetched(loadOptions, bytes, ring) {
    const { url } = loadOptions;
    const signature = await fetchSignature(loadOptions, url);
    await verifySnapshot(bytes, signature.text, ring, { url, sigUrl: signature.url });
    return signature;
  }

  /** The client's check of a cache entry ({text, sig}): whether its stored signature verifies its text. */
  async function _checkCached(entry, ring) {
    try {
      await verifySnapshot(new TextEncoder().encode(entry.text), entry.sig ?? '', ring, { url: 'the cache' });
      return true;
    } catch {
      return false;
    }
  }

  return { parseSignatures, verifySnapshot, fetchSignature, _checkFetched, _checkCached };
}

/** base64 or base64url (padding optional) → bytes, or null when it is neither. */
export function decodeBase64(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const s = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (s.length % 4 === 1) return null;
  let bin;
  try { bin = atob(s + '='.repeat((4 - (s.length % 4)) % 4)); } catch { return null; }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
