// Fault injection beyond the basic suite (client.test.js): mutated and partial bodies, compressed bombs,
// content types, stale CDN edges, clock skew, and every fault of signed snapshots (www/src/verify.js).
// Against a real HTTP server (test/helpers/cdn-server.js) and the real wasm engine. Waits are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, initWasm, memoryStorage, LoadError } from '../src/index.node.js';
import { signatureUrl, signatureChecks, decodeBase64 } from '../src/verify.js';
import { KEY_TEXT } from '../src/keyring.js';
import { loadSnapshot } from '../src/loader.js';

const { parseSignatures } = signatureChecks({ LoadError, loadSnapshot });
import { startCdn, fault, etagOf } from './helpers/cdn-server.js';
import { cdnFor, clientFor, record } from './helpers/client-fixtures.js';
import { cli } from './helpers/demo.js';

await initWasm();

const MiB = 1024 * 1024;

/** A valid snapshot whose string flag names its version. */
function snapshot(version, extra = {}) {
  return { schema: 1, version, environment: 'test', flags: {
    label: { variants: { a: `v${version}` }, default: 'a' },
    beta: { variants: { on: true, off: false }, default: 'off', rules: [{ when: { attr: 'key', op: 'in', values: ['u-beta'] }, serve: 'on' }] },
    ...extra,
  } };
}
const text = (v, extra) => JSON.stringify(snapshot(v, extra));

const cdnAt = (t, version = 1) => cdnFor(t, { snapshot: version === null ? undefined : snapshot(version) });

/** The client still serves `version`, and the last refresh failed with `kind`. */
async function refusedKeeping(client, version, kind, pattern) {
  const r = await client.refresh();
  assert.equal(r.status, 'failed', `expected a refusal (${kind}), got ${r.status}`);
  assert.ok(r.error instanceof LoadError);
  assert.equal(r.error.kind, kind, r.error.message);
  if (pattern) assert.match(r.error.message, pattern);
  assert.equal(client.version, version);
  assert.equal(client.string('label', 'lost'), `v${version}`);
  assert.equal(client.status, 'stale');
  return r.error;
}

function xorshift(seed) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

// ---- bodies ---------------------------------------------------------------------------------------------

test('mutated snapshots (byte flips, cuts, splices): never an invalid or older one installed, evaluation never throws', async (t) => {
  const cdn = await cdnAt(t, 100);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  const rand = xorshift(42);
  const base = Buffer.from(text(101));
  const kinds = {};
  let held = 100;
  for (let i = 0; i < 150; i++) {
    const b = Buffer.from(base);
    let body = b;
    const pos = Math.floor(rand() * b.length);
    switch (i % 4) {
      case 0: b[pos] = Math.floor(rand() * 256); break;
      case 1: body = b.subarray(0, pos); break;
      case 2: body = Buffer.concat([b.subarray(0, pos), Buffer.from('{"x":[1,'), b.subarray(pos)]); break;
      default: b[pos] ^= 0x20; break; // case flip: often still JSON, sometimes still a snapshot
    }
    cdn.next(fault.body(body, { etag: `"m${i}"` }));
    const r = await client.refresh();
    kinds[r.status === 'failed' ? r.error.kind : r.status] = (kinds[r.status === 'failed' ? r.error.kind : r.status] ?? 0) + 1;
    assert.ok(client.version >= held, 'the version never goes down');
    held = client.version;
    assert.equal(typeof client.boolean('beta', false, { key: 'u-beta' }), 'boolean');
    assert.doesNotThrow(() => client.all({ key: 'u', x: [1, { y: 2 }] }));
  }
  assert.ok(kinds.invalid > 50, JSON.stringify(kinds));
  assert.ok(!kinds.updated || client.version >= 100, JSON.stringify(kinds));
});

test('partial bodies: cut without Content-Length (chunked), an honest Content-Length for a prefix, every prefix of a snapshot', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  cdn.publish(snapshot(2));
  // Chunked: half the body, then the connection is destroyed.
  cdn.next((req, res, c) => {
    res.writeHead(200, { 'content-type': 'application/json', etag: c.etag });
    res.write(c.text.slice(0, 40), () => res.socket?.destroy());
  });
  await refusedKeeping(client, 1, 'truncated');
  // A prefix that the server honestly declares: complete as HTTP, not as JSON.
  for (let cut = 1; cut < cdn.text.length; cut += Math.max(1, Math.floor(cdn.text.length / 40))) {
    cdn.next(fault.body(cdn.text.slice(0, cut), { etag: `"p${cut}"` }));
    await refusedKeeping(client, 1, 'invalid');
  }
  assert.equal((await client.refresh()).version, 2, 'the whole body loads');
});

test('compressed bodies: gzip is decoded; a gzip bomb is refused once the decoded size passes maxBytes', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, timeout: 20000 });
  await client.ready();
  const gz = (buf) => (req, res) => {
    const z = gzipSync(buf);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': z.length, etag: etagOf(z.toString('latin1')) });
    res.end(z);
  };
  cdn.next(gz(Buffer.from(text(2))));
  assert.equal((await client.refresh()).version, 2, 'gzip decoded');
  // 64 MiB of spaces compress to ~64 KiB: Content-Length is small, the decoded body is not.
  const bomb = Buffer.alloc(64 * MiB, 0x20);
  cdn.next(gz(bomb));
  const err = await refusedKeeping(client, 2, 'too-large', /over the limit of 16777216 bytes/);
  assert.ok(err.message.includes('received so far'), err.message);
});

test('content types: any casing or parameters of text/html is refused before the body is read', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  for (const type of ['TEXT/HTML', 'text/html; charset=utf-8', ' text/html ;q=1']) {
    cdn.next(fault.body(text(2), { contentType: type }));
    await refusedKeeping(client, 1, 'content-type');
  }
  cdn.next(fault.body('<!doctype html><p>hi', { contentType: 'application/json' }));
  await refusedKeeping(client, 1, 'invalid');
  cdn.next(fault.body(text(3), { contentType: 'application/json; charset=UTF-8' }));
  assert.equal((await client.refresh()).version, 3);
});

test('a CDN whose edges disagree (a stale edge flapping with a fresh one): the version never goes back', async (t) => {
  const cdn = await cdnAt(t, 5);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  const stale = text(4);
  let n = 0;
  cdn.always((req, res, c) => (n++ % 2 ? fault.serve()(req, res, c) : fault.body(stale, { etag: '"edge-b"' })(req, res, c)));
  const seen = [];
  for (let i = 0; i < 12; i++) {
    if (i === 6) cdn.publish(snapshot(6));
    const r = await client.refresh();
    seen.push(client.version);
    if (r.status === 'failed') assert.equal(r.error.kind, 'older');
  }
  assert.deepEqual(seen, [5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6]);
});

test('clock skew: windows follow the clock the caller passes; a skewed Date.now changes neither loading nor anti-rollback', async (t) => {
  const at = (iso) => Date.parse(iso);
  const windowed = { timed: { variants: { on: true, off: false }, default: 'off', rules: [{ from: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z', serve: 'on' }] } };
  const cdn = await startCdn({ snapshot: snapshot(1, windowed) });
  t.after(() => cdn.close());
  const realNow = Date.now;
  try {
    Date.now = () => at('1999-01-01T00:00:00Z'); // a client clock decades behind
    const client = clientFor(t, { url: cdn.url });
    await client.ready();
    assert.equal(client.version, 1);
    assert.equal(client.boolean('timed', true), false, 'evaluated at the (skewed) local time: outside the window');
    assert.equal(client.details('timed', false, {}, { now: at('2026-01-15T00:00:00Z') }).value, true, 'an explicit now wins');
    cdn.publish(snapshot(2, windowed));
    assert.equal((await client.refresh()).version, 2);
    Date.now = () => at('2099-01-01T00:00:00Z'); // jumps decades ahead
    cdn.publish(snapshot(1, windowed));
    const r = await client.refresh();
    assert.equal(r.error?.kind, 'older', 'anti-rollback compares versions, never times');
  } finally {
    Date.now = realNow;
  }
});

// ---- signed snapshots -------------------------------------------------------------------------------------

const ED = { name: 'Ed25519' };
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

async function keyPair(keyId) {
  const kp = await crypto.subtle.generateKey(ED, true, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  return { keyId, privateKey: kp.privateKey, publicKey: kp.publicKey, raw, trusted: { keyId, key: b64(raw) } };
}

async function sign(body, ...keys) {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const signatures = [];
  for (const k of keys) signatures.push({ alg: 'Ed25519', keyId: k.keyId, sig: b64(new Uint8Array(await crypto.subtle.sign(ED, k.privateKey, bytes))) });
  return JSON.stringify({ signatures });
}

/** A CDN serving `snapshot(version)` and its signature by `keys`. */
async function signedCdn(t, version, ...keys) {
  const cdn = await cdnAt(t, version);
  const sig = cdn.route('/flags.json.sig');
  sig.publish(await sign(cdn.text, ...keys));
  const publish = async (v, ...by) => { cdn.publish(snapshot(v)); sig.publish(await sign(cdn.text, ...(by.length ? by : keys))); };
  return { cdn, sig, publish };
}

test('signatureUrl and parseSignatures', () => {
  assert.equal(signatureUrl('https://cdn.example/flags/production.json'), 'https://cdn.example/flags/production.json.sig');
  assert.equal(signatureUrl('https://cdn.example/p.json?v=3#x'), 'https://cdn.example/p.json.sig?v=3#x');
  const one = parseSignatures(JSON.stringify({ alg: 'Ed25519', keyId: 'k', sig: b64(new Uint8Array(64)) }));
  assert.equal(one.length, 1);
  assert.equal(one[0].sig.length, 64);
  assert.deepEqual([...decodeBase64('-_8')], [0xfb, 0xff]);
  for (const bad of ['', 'nope', '{}', '{"signatures":[]}', '{"signatures":[{"alg":"RS256","keyId":"k","sig":"AAAA"}]}',
    JSON.stringify({ signatures: Array.from({ length: 17 }, () => ({ alg: 'Ed25519', keyId: 'k', sig: b64(new Uint8Array(64)) })) })]) {
    assert.throws(() => parseSignatures(bad), (e) => e instanceof LoadError && e.kind === 'signature', bad.slice(0, 40));
  }
});

test('a key as text: KEY_TEXT accepts exactly the texts that decodeBase64 decodes to 32 bytes', () => {
  const enc = (n, fill) => Buffer.alloc(n, fill).toString('base64');
  const texts = ['', 'AAAA', enc(31, 1), enc(32, 1), enc(33, 1), enc(32, 255).replace(/=+$/, ''), `${enc(32, 7)}=`,
    `${enc(32, 7)}==`.replace('=', ''), `${enc(32, 7).slice(0, 43)}===`, enc(32, 251).replace(/\+/g, '-').replace(/\//g, '_'),
    `${enc(32, 2).slice(0, 42)}-+=`, `${enc(32, 2).slice(0, 42)}B`, `${enc(32, 2).slice(0, 43)}A`, `${enc(32, 2).slice(0, 42)}*`,
    ` ${enc(32, 2)}`, `${enc(32, 2).slice(0, 20)}=${enc(32, 2).slice(21)}`, enc(32, 2).slice(0, 42), `${enc(32, 2).slice(0, 43)}=x`];
  for (let i = 0; i < 64; i++) texts.push(enc(32, i * 4).slice(0, 43).replace(/.$/, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[i]));
  for (const t of texts) assert.equal(KEY_TEXT.test(t), decodeBase64(t)?.length === 32, JSON.stringify(t));
});

test('createClient checks publicKeys synchronously', () => {
  const url = 'https://cdn.example/flags.json';
  for (const publicKeys of [[], 'k', [null], [{ key: b64(new Uint8Array(32)) }], [{ keyId: '', key: b64(new Uint8Array(32)) }],
    [{ keyId: 'k', key: 'not base64!' }], [{ keyId: 'k', key: b64(new Uint8Array(31)) }], [{ keyId: 'k', key: { kty: 'RSA' } }]]) {
    assert.throws(() => createClient({ url, publicKeys, storage: false }), TypeError, JSON.stringify(publicKeys));
  }
  const ok = createClient({ url, storage: false, refreshInterval: 0, publicKeys: [
    { keyId: 'a', key: b64(new Uint8Array(32).fill(1)) },
    { keyId: 'b', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(new Uint8Array(32).fill(2)).toString('base64url') } },
    { keyId: 'c', key: new Uint8Array(32).fill(3) },
  ] });
  ok.close();
});

test('signed: a valid signature loads; unsigned, tampered, foreign-key and malformed signature files are refused (kind signature)', async (t) => {
  const k1 = await keyPair('k1');
  const stranger = await keyPair('k1'); // same key id, different key
  const other = await keyPair('other');
  const { cdn, sig, publish } = await signedCdn(t, 1, k1);
  const client = clientFor(t, { url: cdn.url, publicKeys: [k1.trusted] });
  const events = record(client);
  await client.ready();
  assert.equal(client.version, 1);
  assert.equal(sig.count, 1, 'the .sig was fetched once');

  await publish(2);
  assert.equal((await client.refresh()).version, 2);

  // Unsigned: the .sig answers 404.
  cdn.publish(snapshot(3));
  sig.publish(null);
  await refusedKeeping(client, 2, 'signature', /is not signed \(.*flags\.json\.sig answered HTTP 404\)/);
  // The SPA fallback: an HTML page where the .sig should be.
  sig.next(fault.body('<!doctype html>', { contentType: 'text/html' }));
  await refusedKeeping(client, 2, 'signature', /not signed/);
  // Tampered: version 3's bytes with version 3's signature, one byte changed in transit.
  sig.publish(await sign(cdn.text, k1));
  const tampered = cdn.text.replace('"v3"', '"v9"');
  cdn.next(fault.body(tampered));
  await refusedKeeping(client, 2, 'signature', /does not verify with key "k1"/);
  // Signed by a key with a trusted id that is not the trusted key; by an unknown key id.
  sig.publish(await sign(cdn.text, stranger));
  await refusedKeeping(client, 2, 'signature', /does not verify/);
  sig.publish(await sign(cdn.text, other));
  await refusedKeeping(client, 2, 'signature', /signed with key "other", none of the trusted keys \("k1"\)/);
  // Malformed signature files.
  for (const bad of ['garbage', '{}', JSON.stringify({ signatures: [{ alg: 'Ed25519', keyId: 'k1', sig: 'AAAA' }] }), 'x'.repeat(70 * 1024)]) {
    sig.publish(bad);
    await refusedKeeping(client, 2, 'signature');
  }
  // Verification comes before the engine: an unsigned body that is not even JSON is refused as unsigned.
  sig.publish(null);
  cdn.next(fault.body('not json at all'));
  await refusedKeeping(client, 2, 'signature');
  // A validly signed OLDER snapshot is still refused by anti-rollback.
  await publish(1);
  await refusedKeeping(client, 2, 'older');
  await publish(4);
  assert.equal((await client.refresh()).version, 4);
  assert.ok(events.error.filter((e) => e.kind === 'signature').length >= 9);
  assert.equal(events.change.length, 2);
});

test('signed: key rotation with several trusted keys and several signatures', async (t) => {
  const old = await keyPair('2026-10');
  const neu = await keyPair('2026-11');
  const { cdn, sig, publish } = await signedCdn(t, 1, old);
  const both = clientFor(t, { url: cdn.url, publicKeys: [old.trusted, neu.trusted] });
  await both.ready();
  await publish(2, neu); // the publisher switched keys: clients trusting both follow
  assert.equal((await both.refresh()).version, 2);
  await publish(3, old, neu); // a .sig with both signatures serves clients of either generation
  const onlyNew = clientFor(t, { url: cdn.url, publicKeys: [neu.trusted] });
  const onlyOld = clientFor(t, { url: cdn.url, publicKeys: [old.trusted] });
  await Promise.all([onlyNew.ready(), onlyOld.ready()]);
  assert.deepEqual([onlyNew.version, onlyOld.version], [3, 3]);
  await publish(4, neu); // the old key retired
  assert.equal((await onlyNew.refresh()).version, 4);
  await refusedKeeping(onlyOld, 3, 'signature', /signed with key "2026-11"/);
  // The same key id twice (a key replaced under its id during rollout): either key verifies.
  const again = await keyPair('2026-11');
  await publish(5, again);
  const dual = clientFor(t, { url: cdn.url, publicKeys: [neu.trusted, again.trusted] });
  await dual.ready();
  assert.equal(dual.version, 5);
  assert.ok(sig.count >= 6);
});

test('signed: the snapshot and its .sig out of step while uploading; a .sig carrying both signatures avoids the gap', async (t) => {
  const k = await keyPair('k');
  const { cdn, sig } = await signedCdn(t, 1, k);
  const client = clientFor(t, { url: cdn.url, publicKeys: [k.trusted] });
  await client.ready();
  const oldSig = sig.text;
  cdn.publish(snapshot(2)); // the new snapshot is up, its .sig not yet
  await refusedKeeping(client, 1, 'signature', /does not verify/);
  sig.publish(await sign(cdn.text, k));
  assert.equal((await client.refresh()).version, 2, 'the next poll catches up');
  // Upload order that never refuses: first a .sig with signatures of the old AND the new bytes...
  const v3 = text(3);
  const both = JSON.parse(await sign(cdn.text, k));
  both.signatures.push(...JSON.parse(await sign(v3, k)).signatures);
  sig.publish(JSON.stringify(both));
  assert.equal((await client.refresh()).status, 'not-modified');
  cdn.publish(v3); // ...then the snapshot.
  assert.equal((await client.refresh()).version, 3);
  assert.notEqual(oldSig, sig.text);
});

test('signed: transport failures of the .sig keep their kind and are retried; 304s need no signature', async (t) => {
  const k = await keyPair('k');
  const { cdn, sig, publish } = await signedCdn(t, 1, k);
  const client = clientFor(t, { url: cdn.url, publicKeys: [k.trusted] });
  await client.ready();
  const before = sig.count;
  assert.equal((await client.refresh()).status, 'not-modified');
  assert.equal(sig.count, before, 'no .sig request on a 304');
  await publish(2);
  sig.next(fault.status(503));
  const err = await refusedKeeping(client, 1, 'http');
  assert.equal(err.status, 503);
  assert.match(err.url, /\.sig$/);
  const retrying = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], retries: { retries: 2, baseDelay: 1 } });
  sig.next(fault.status(500), fault.status(502));
  await retrying.ready();
  assert.equal(retrying.version, 2, 'the .sig came on the third attempt');
});

test('signed: cached snapshots are verified again (altered, unsigned or untrusted entries are skipped)', async (t) => {
  const k = await keyPair('k');
  const other = await keyPair('other');
  const { cdn, publish } = await signedCdn(t, 1, k);
  await publish(3);
  const storage = memoryStorage();
  const first = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], storage });
  await first.ready();
  const stored = storage.get();
  assert.equal(stored.version, 3);
  assert.ok(stored.sig && parseSignatures(stored.sig).length === 1, 'the signature is stored with the entry');
  first.close();

  // The CDN is down: a second client starts from the verified cache.
  cdn.always(fault.status(500));
  const second = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], storage });
  const events = record(second);
  await second.ready();
  assert.equal(second.version, 3);
  assert.equal(events.ready[0].source, 'cache');

  // An altered entry (say, by a script on the page writing localStorage) is not used.
  const forged = { ...stored, text: text(3, { evil: { variants: { a: true }, default: 'a' } }) };
  for (const entry of [forged, { ...stored, sig: undefined }, { ...stored, sig: await sign(stored.text, other) }]) {
    const s = memoryStorage();
    s.set(entry);
    const c = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], storage: s });
    const err = await c.ready({ timeout: 3000 }).then(() => null, (e) => e);
    assert.ok(err instanceof LoadError, 'no snapshot: the cache entry was refused and the CDN is down');
    assert.equal(c.version, null);
  }
  // Without keys the same forged entry would be served (the cache is trusted): keys make the difference.
  const s = memoryStorage();
  s.set(forged);
  const open = clientFor(t, { url: cdn.url, storage: s });
  await open.ready();
  assert.equal(open.boolean('evil', false), true);

  // A refused cache entry may be overwritten by the next verified snapshot.
  cdn.always(null);
  const s2 = memoryStorage();
  s2.set({ ...forged, version: 9 });
  const healer = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], storage: s2 });
  await healer.ready();
  assert.equal(healer.version, 3);
  await healer.refresh();
  assert.equal(s2.get().version, 3, 'the unusable entry was replaced');
});

test('signed: the bootstrap is part of the application and is not checked; the network still is', async (t) => {
  const k = await keyPair('k');
  const { cdn, sig } = await signedCdn(t, 2, k);
  sig.publish(null);
  const client = clientFor(t, { url: cdn.url, publicKeys: [k.trusted], bootstrap: snapshot(1) });
  const events = record(client);
  await client.ready();
  assert.equal(client.version, 1);
  await client.refresh();
  assert.equal(client.version, 1);
  assert.ok(events.error.some((e) => e.kind === 'signature'));
});

test('signed: a snapshot signed by the CLI (edgeflag keygen, edgeflag sign) verifies in the client', async (t) => {
  let bin;
  try { bin = cli(); } catch { return t.skip('the edgeflag CLI is not built'); }
  const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
  if (!help.includes('keygen')) return t.skip('the CLI was built before keygen existed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeflag-sign-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = execFileSync(bin, ['keygen', '--out', path.join(dir, 'k'), '--key-id', 'cli-key'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const key = /key: "([^"]+)"/.exec(out)[1];
  assert.equal(fs.statSync(path.join(dir, 'k.key')).mode & 0o777, 0o600, 'the private key file is 0600');
  const jwk = JSON.parse(fs.readFileSync(path.join(dir, 'k.pub.json'), 'utf8'));
  const file = path.join(dir, 'flags.json');
  fs.writeFileSync(file, JSON.stringify(snapshot(7), null, 2)); // pretty-printed: the exact bytes are signed
  execFileSync(bin, ['sign', file, '--key', path.join(dir, 'k.key')], { stdio: 'ignore' });
  const cdn = await cdnAt(t, null);
  cdn.publish(fs.readFileSync(file, 'utf8'));
  cdn.route('/flags.json.sig').publish(fs.readFileSync(`${file}.sig`, 'utf8'));
  for (const trusted of [{ keyId: 'cli-key', key }, { keyId: 'cli-key', key: jwk }]) {
    const client = clientFor(t, { url: cdn.url, publicKeys: [trusted] });
    await client.ready();
    assert.equal(client.version, 7);
  }
  // The CLI's own check agrees, and refuses an altered file.
  execFileSync(bin, ['verify', file, '--public-key', path.join(dir, 'k.pub.json')], { stdio: 'ignore' });
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('v7', 'v8'));
  assert.throws(() => execFileSync(bin, ['verify', file, '--public-key', `cli-key=${key}`], { stdio: 'ignore' }));
});

test('signed: verify.js runs on WebCrypto Ed25519 in workerd and in Chromium too', { timeout: 120_000 }, async (t) => {
  const k = await keyPair('k');
  const other = await keyPair('k');
  const body = text(5);
  const good = await sign(body, k);
  const cases = [
    { name: 'valid', snapshot: body, sig: good, expect: { ok: true, keyId: 'k' } },
    { name: 'tampered', snapshot: body.replace('v5', 'v6'), sig: good, expect: { ok: false, kind: 'signature' } },
    { name: 'foreign key', snapshot: body, sig: await sign(body, other), expect: { ok: false, kind: 'signature' } },
  ];
  const publicKeys = [k.trusted];

  // workerd (miniflare)
  const { Miniflare } = await import('miniflare');
  const WWW = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const mf = new Miniflare({ modules: true, scriptPath: path.join(WWW, 'test', 'fixtures', 'verify-worker.js'), modulesRoot: WWW,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }], compatibilityDate: '2025-01-01' });
  t.after(() => mf.dispose());
  for (const c of cases) {
    const res = await mf.dispatchFetch('https://verify.example/', { method: 'POST', body: JSON.stringify({ snapshot: c.snapshot, sig: c.sig, publicKeys }) });
    const got = await res.json();
    assert.equal(got.ok, c.expect.ok, `workerd ${c.name}: ${got.message ?? ''}`);
    assert.equal(got.ok ? got.keyId : got.kind, c.expect.ok ? c.expect.keyId : c.expect.kind, `workerd ${c.name}`);
  }

  // Chromium (Debian's, through playwright-core): the module served over HTTP, imported by a page.
  const { CHROMIUM, launchChromium } = await import('./helpers/demo.js');
  if (!fs.existsSync(CHROMIUM)) return t.skip(`Chromium not found at ${CHROMIUM}`);
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const file = path.join(WWW, 'src', path.basename(req.url.split('?')[0]));
    if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end('<!doctype html><title>verify</title>'); }
    if (!req.url.startsWith('/src/') || !fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const results = await page.evaluate(async ({ cases, publicKeys }) => {
    const [{ signatureChecks }, { keyRing }, { LoadError, loadSnapshot }] =
      await Promise.all(['/src/verify.js', '/src/keyring.js', '/src/loader.js'].map((m) => import(m)));
    const { verifySnapshot } = signatureChecks({ LoadError, loadSnapshot });
    const out = [];
    for (const c of cases) {
      try {
        out.push({ ok: true, keyId: await verifySnapshot(new TextEncoder().encode(c.snapshot), c.sig, keyRing(publicKeys), {}) });
      } catch (err) {
        out.push({ ok: false, kind: err.kind ?? null, message: String(err.message) });
      }
    }
    return out;
  }, { cases, publicKeys });
  cases.forEach((c, i) => {
    assert.equal(results[i].ok, c.expect.ok, `chromium ${c.name}: ${results[i].message ?? ''}`);
    assert.equal(results[i].ok ? results[i].keyId : results[i].kind, c.expect.ok ? c.expect.keyId : c.expect.kind, `chromium ${c.name}`);
  });
});
