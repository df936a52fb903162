// The `publicKeys` option of createClient: checked synchronously (a TypeError at once for a malformed key),
// kept as key material until a signature is first checked. The checks themselves (WebCrypto, signature
// files, the base64 decoder) are in verify.js, which the client loads only when it has keys (docs/security.md):
// a page that does not verify signatures does not download them. A key given as base64 text is checked here
// by its form alone (KEY_TEXT) and decoded there.

/** The signature algorithm, as WebCrypto and the signature file name it. */
export const ALG = 'Ed25519';

/**
 * The base64 or base64url text (padding optional) of 32 bytes: 43 characters (258 bits, the last 2 dropped), then at
 * most two `=`; exactly the texts that verify.js's decodeBase64 decodes to 32 bytes.
 */
export const KEY_TEXT = /^[A-Za-z0-9+/_-]{43}={0,2}$/;

/**
 * Checks the `publicKeys` option synchronously (a TypeError for a malformed one) and returns the key ring:
 * its `entries` ({keyId, _material}: `_` for the browser bundle's property mangling), whose WebCrypto keys verify.js imports
 * once, on first use (material: `{kind, key}`, an importKey format and its data, or `{kind: 'raw', text}`, the
 * base64 text of the raw key, which verify.js decodes).
 * Each entry is `{keyId, key}` where `key` is the raw 32-byte public key as base64 or base64url text (what
 * `edgeflag keygen` prints), a JWK `{kty: "OKP", crv: "Ed25519", x}`, a Uint8Array/ArrayBuffer of 32 bytes,
 * or a CryptoKey.
 * @param {Array<{keyId: string, key: string | JsonWebKey | Uint8Array | ArrayBuffer | CryptoKey}>} publicKeys
 */
export function keyRing(publicKeys) {
  if (!Array.isArray(publicKeys) || publicKeys.length === 0) {
    throw new TypeError('createClient: publicKeys must be a non-empty array of {keyId, key}');
  }
  const entries = publicKeys.map((entry, i) => {
    if (entry === null || typeof entry !== 'object') throw new TypeError(`createClient: publicKeys[${i}] must be an object {keyId, key}`);
    const { keyId, key } = entry;
    if (typeof keyId !== 'string' || keyId === '') throw new TypeError(`createClient: publicKeys[${i}].keyId must be a non-empty string`);
    return { keyId, _material: keyMaterial(key, i) };
  });
  return { entries };
}

function keyMaterial(key, i) {
  const where = `createClient: publicKeys[${i}].key`;
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return { kind: 'crypto', key };
  if (typeof key === 'string') {
    const text = key.trim();
    if (!KEY_TEXT.test(text)) throw new TypeError(`${where} must be a 32-byte Ed25519 public key in base64 (edgeflag keygen prints it)`);
    return { kind: 'raw', text };
  }
  if (key instanceof ArrayBuffer || ArrayBuffer.isView(key)) {
    const raw = key instanceof ArrayBuffer ? new Uint8Array(key) : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
    if (raw.length !== 32) throw new TypeError(`${where} must be 32 bytes, got ${raw.length}`);
    return { kind: 'raw', key: raw.slice() };
  }
  if (key && typeof key === 'object' && key.kty === 'OKP' && key.crv === ALG && typeof key.x === 'string') {
    return { kind: 'jwk', key: { kty: 'OKP', crv: ALG, x: key.x } };
  }
  throw new TypeError(`${where} must be base64 text, 32 bytes, an Ed25519 JWK {kty: "OKP", crv: "Ed25519", x} or a CryptoKey`);
}
