// The client against a real HTTP server (test/helpers/cdn-server.js) and the real wasm engine.
// Timings are tens of milliseconds; no assertion depends on who wins a race against the wall clock:
// waits are for events or request counts (bounded), and "nothing happens" windows are generous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, initWasm, memoryStorage, webStorage, LoadError } from '../src/index.node.js';
import { backoffDelay, retryPolicy } from '../src/loader.js';
import { startCdn, refusedUrl, fault, etagOf, randomBytes } from './helpers/cdn-server.js';
import { EVENTS, cdnFor, clientFor, record } from './helpers/client-fixtures.js';

await initWasm();

const MiB = 1024 * 1024;

/** A valid snapshot whose values name their version, so a test sees which one is served. */
function snapshot(version, { extra = {}, drop = [] } = {}) {
  const beta = { attr: 'key', op: 'in', values: ['u-beta'] };
  const flags = {
    checkout: { variants: { on: true, off: false }, default: 'off', rules: [{ id: 'beta', when: beta, serve: 'on' }] },
    label: { variants: { a: `v${version}-a`, b: `v${version}-b` }, default: 'a', rules: [{ id: 'beta', when: beta, serve: 'b' }] },
    limit: { variants: { n: version * 10 }, default: 'n' },
    config: { variants: { x: { version } }, default: 'x' },
    ...extra,
  };
  for (const k of drop) delete flags[k];
  return { schema: 1, version, environment: 'test', flags };
}
const text = (version, opts) => JSON.stringify(snapshot(version, opts));

/** Starts a CDN serving `version` (closed after the test). */
const cdnAt = (t, version = 1, options = {}) => cdnFor(t, { snapshot: version === null ? undefined : snapshot(version), ...options });

/** The next `event` from the client, or a rejection after `timeout` ms. */
function next(client, event, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no "${event}" within ${timeout} ms`)); }, timeout);
    const off = client.on(event, (payload) => { clearTimeout(timer); off(); resolve(payload); });
  });
}

async function rejection(promise) {
  try { await promise; } catch (err) { return err; }
  assert.fail('expected a rejection');
}

/** Asserts the client still serves `version` and that a failed refresh of `kind` was reported. */
function assertKept(client, events, version, kind) {
  assert.equal(client.version, version);
  assert.equal(client.string('label', 'fallback'), `v${version}-a`);
  assert.equal(client.status, 'stale');
  const error = events.error.at(-1);
  assert.ok(error instanceof LoadError, 'an error event with a LoadError');
  assert.equal(error.kind, kind, error.message);
  const stale = events.stale.at(-1);
  assert.equal(stale.version, version);
  assert.equal(stale.error, error);
  assert.match(stale.message, new RegExp(`still serving snapshot version ${version}: `));
  return error;
}

// ---- basics ------------------------------------------------------------------------------------

test('evaluation before a snapshot is loaded gives the fallback with PROVIDER_NOT_READY', async (t) => {
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.hang());
  const client = clientFor(t, { url: cdn.url });
  assert.equal(client.status, 'loading');
  assert.equal(client.version, null);
  assert.equal(client.boolean('checkout', true), true);
  assert.equal(client.string('label', 'fb'), 'fb');
  assert.equal(client.number('limit', 7), 7);
  assert.deepEqual(client.json('config', { d: 1 }), { d: 1 });
  assert.deepEqual(client.all({ key: 'u' }), {});
  const d = client.details('checkout', false, { key: 'u' });
  assert.equal(d.value, false);
  assert.equal(d.reason, 'ERROR');
  assert.equal(d.errorCode, 'PROVIDER_NOT_READY');
  assert.match(d.errorMessage, /no snapshot loaded yet/);
  assert.equal(client.forContext({ key: 'u-beta' }).string('label', 'fb'), 'fb');
  client.close();
  assert.equal(client.details('checkout', false).errorCode, 'PROVIDER_NOT_READY');
  assert.match(client.details('checkout', false).errorMessage, /closed/);
});

test('200 with ETag, then 304 keeps the snapshot: exactly one request per refresh', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  assert.equal(await client.ready(), client);
  assert.equal(cdn.count, 1);
  assert.equal(cdn.requests[0].headers['if-none-match'], undefined);
  assert.equal(client.version, 1);
  assert.equal(client.etag, cdn.etag);
  assert.equal(client.string('label', 'x', { key: 'u-beta' }), 'v1-b');
  assert.equal(client.boolean('checkout', false, { key: 'u-beta' }), true);
  assert.equal(client.boolean('checkout', true, { key: 'u-1' }), false);
  assert.equal(client.number('limit', 0), 10);
  assert.deepEqual(client.json('config', null), { version: 1 });
  assert.deepEqual(Object.keys(client.all({ key: 'u' })).sort(), ['checkout', 'config', 'label', 'limit']);

  const result = await client.refresh();
  assert.deepEqual(result, { status: 'not-modified', version: 1 });
  assert.equal(cdn.count, 2);
  assert.equal(cdn.requests[1].headers['if-none-match'], cdn.etag);
  assert.equal(client.string('label', 'x'), 'v1-a');
  assert.equal(events.ready.length, 1);
  assert.deepEqual(events.ready[0], { version: 1, source: 'network' });
  assert.equal(events.change.length + events.error.length + events.stale.length, 0);
});

test('a new version replaces the snapshot: change event with versions and added/removed flags', async (t) => {
  const cdn = await cdnAt(t, 1);
  const storage = memoryStorage();
  const client = clientFor(t, { url: cdn.url, storage });
  const events = record(client);
  await client.ready();
  cdn.publish(snapshot(2, { extra: { fresh: { variants: { on: true }, default: 'on' } }, drop: ['limit'] }));
  assert.deepEqual(await client.refresh(), { status: 'updated', version: 2 });
  assert.deepEqual(events.change, [{ previousVersion: 1, version: 2, added: ['fresh'], removed: ['limit'],
    changed: ['label', 'config', 'fresh', 'limit'], source: 'network' }]);
  assert.equal(client.string('label', 'x'), 'v2-a');
  assert.equal(client.number('limit', -1), -1);
  assert.equal(client.details('limit', -1).errorCode, 'FLAG_NOT_FOUND');
  assert.deepEqual(await storage.get(), { text: cdn.text, etag: cdn.etag, version: 2 });
  assert.equal(cdn.count, 2);
});

test('concurrent refresh() calls share one request', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  cdn.publish(snapshot(2));
  cdn.next(fault.drip({ chunks: 4, every: 5 }));
  const calls = Array.from({ length: 5 }, () => client.refresh());
  assert.ok(calls.every((p) => p === calls[0]), 'one shared promise');
  const results = await Promise.all(calls);
  assert.ok(results.every((r) => r.status === 'updated' && r.version === 2));
  assert.equal(cdn.count, 2, 'the initial load and one refresh');
});

test('an injected fetch is used for every request', async (t) => {
  const cdn = await cdnAt(t, 1);
  const seen = [];
  const client = clientFor(t, { url: cdn.url, fetch: (url, init) => { seen.push([url, init.headers]); return fetch(url, init); } });
  await client.ready();
  await client.refresh();
  assert.equal(seen.length, 2);
  assert.equal(seen[0][0], cdn.url);
  assert.equal(seen[1][1]['if-none-match'], cdn.etag);
});

// ---- bootstrap, cache, ready() ---------------------------------------------------------------

test('bootstrap serves at once, then the client revalidates in the background', async (t) => {
  const cdn = await cdnAt(t, 2);
  for (const bootstrap of [snapshot(1), text(1)]) {
    const client = clientFor(t, { url: cdn.url, bootstrap });
    const events = record(client);
    // Synchronously, before any answer: the bootstrap is served.
    assert.equal(client.version, 1);
    assert.equal(client.status, 'ready');
    assert.equal(client.string('label', 'x', { key: 'u-beta' }), 'v1-b');
    const ready = await client.ready();
    assert.equal(ready, client);
    const refreshed = await client.refresh(); // the revalidation already in flight
    assert.deepEqual(refreshed, { status: 'updated', version: 2 });
    assert.equal(client.string('label', 'x'), 'v2-a');
    assert.deepEqual(events.ready, [{ version: 1, source: 'bootstrap' }]);
    assert.deepEqual(events.change, [{ previousVersion: 1, version: 2, added: [], removed: [], changed: ['label', 'limit', 'config'], source: 'network' }]);
    client.close();
  }
  assert.equal(cdn.count, 2, 'one revalidation per client');
});

test('an invalid bootstrap is reported and the client loads from the network', async (t) => {
  const cdn = await cdnAt(t, 3);
  const client = clientFor(t, { url: cdn.url, bootstrap: '{"schema": 1, "version": 1, "flags": {"f": {}}}' });
  const events = record(client);
  assert.equal(client.version, null);
  await client.ready();
  assert.equal(client.version, 3);
  assert.equal(events.error.length, 1);
  assert.equal(events.error[0].kind, 'invalid');
  assert.match(events.error[0].message, /bootstrap snapshot: flags\.f\.variants/);
});

test('the cache persists across two clients sharing one storage', async (t) => {
  const cdn = await cdnAt(t, 3);
  const storage = memoryStorage();
  const a = clientFor(t, { url: cdn.url, storage });
  await a.ready();
  a.close();
  assert.deepEqual(await storage.get(), { text: text(3), etag: cdn.etag, version: 3 });

  // A second client serves the cached snapshot at once and revalidates with its ETag: 304.
  const b = clientFor(t, { url: cdn.url, storage });
  const events = record(b);
  assert.equal(b.version, 3);
  assert.equal(b.string('label', 'x'), 'v3-a');
  assert.deepEqual(await b.refresh(), { status: 'not-modified', version: 3 });
  assert.equal(cdn.count, 2);
  assert.equal(cdn.requests[1].headers['if-none-match'], cdn.etag);
  assert.deepEqual(events.ready, [{ version: 3, source: 'cache' }]);
  b.close();

  // With the CDN gone, a third client still serves the cached snapshot, and says it is stale.
  await cdn.close();
  const c = clientFor(t, { url: cdn.url, storage });
  const cEvents = record(c);
  assert.equal(c.string('label', 'x'), 'v3-a');
  await c.ready();
  const r = await c.refresh();
  assert.equal(r.status, 'failed');
  assertKept(c, cEvents, 3, 'network');
  assert.deepEqual(await storage.get(), { text: text(3), etag: cdn.etag, version: 3 });
});

test('the cache keeps the highest version; older, invalid and refused snapshots are never written', async (t) => {
  const cdn = await cdnAt(t, 5);
  const inner = memoryStorage();
  inner.set({ text: text(7), etag: '"seven"', version: 7 });
  const writes = [];
  const storage = { get: () => inner.get(), set: (e) => { writes.push(e.version); return inner.set(e); } };
  const client = clientFor(t, { url: cdn.url, storage });
  const events = record(client);
  assert.equal(client.version, 7, 'served from the cache at once');
  await client.ready();
  await client.refresh(); // shares the startup request: v5 from the CDN
  assert.equal(client.version, 7);
  assert.equal(events.error.at(-1).kind, 'older');
  cdn.next(fault.body('{"schema": 1, "version": 9, "flags": {"f": {"variants": {}}}}'));
  await client.refresh();
  assert.equal(events.error.at(-1).kind, 'invalid');
  assert.deepEqual(writes, []);
  assert.equal(inner.get().version, 7);
  cdn.publish(snapshot(8));
  await client.refresh();
  assert.deepEqual(writes, [8]);
  assert.equal(inner.get().etag, cdn.etag);
});

test('a corrupt cache entry is ignored', async (t) => {
  const cdn = await cdnAt(t, 2);
  const storage = memoryStorage();
  storage.set({ text: '{"schema": 1, "version": 99, "flags": ', etag: '"x"', version: 99 });
  const client = clientFor(t, { url: cdn.url, storage });
  assert.equal(client.version, null);
  await client.ready();
  assert.equal(client.version, 2);
  assert.equal(storage.get().version, 2, 'the corrupt entry (claiming 99) was replaced: its text never loaded');
});

test('a storage that fails to write is reported; the snapshot is still served', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, storage: { get: () => null, set: () => { throw new Error('QuotaExceededError'); } } });
  const events = record(client);
  await client.ready();
  assert.equal(client.version, 1);
  assert.equal(events.error.length, 1);
  assert.equal(events.error[0].kind, 'storage');
  assert.match(events.error[0].message, /could not save snapshot version 1 .*QuotaExceededError/);
  assert.equal(client.status, 'ready');
});

test('storage is auto-selected: localStorage where usable, then the Cache API, then memory', async (t) => {
  const cdn = await cdnAt(t, 4);
  // A Web Storage object, as browsers have it.
  const items = new Map();
  const localStorage = {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => { items.set(k, String(v)); },
    removeItem: (k) => { items.delete(k); },
  };
  globalThis.localStorage = localStorage;
  try {
    const a = clientFor(t, { url: cdn.url, storage: undefined });
    await a.ready();
    a.close();
    const stored = JSON.parse(items.get(`edgeflag:snapshot:${cdn.url}`));
    assert.deepEqual(stored, { version: 4, etag: cdn.etag, text: text(4) });
    assert.deepEqual(webStorage(localStorage, cdn.url).get(), { text: text(4), etag: cdn.etag, version: 4 });
    const b = clientFor(t, { url: cdn.url, storage: undefined });
    assert.equal(b.version, 4, 'localStorage is synchronous: served at once');
  } finally {
    delete globalThis.localStorage;
  }

  // Neither (Node): memory shared by the clients of this JS realm, keyed by URL.
  const m1 = clientFor(t, { url: cdn.url, storage: undefined });
  await m1.ready();
  m1.close();
  const m2 = clientFor(t, { url: cdn.url, storage: undefined });
  assert.equal(m2.version, 4, 'served at once from memory');
  m2.close();

  // The Cache API, as workers have it (caches.default), asynchronous.
  const entries = new Map();
  const cache = {
    match: async (key) => entries.get(String(key))?.clone(),
    put: async (key, res) => { entries.set(String(key), res); },
  };
  globalThis.caches = { default: cache, open: async () => cache };
  try {
    const a = clientFor(t, { url: cdn.url, storage: undefined });
    await a.ready();
    a.close();
    const key = `${cdn.url}?edgeflag-last-good=1`;
    assert.deepEqual([...entries.keys()], [key]);
    const res = entries.get(key).clone();
    assert.equal(res.headers.get('x-edgeflag-version'), '4');
    assert.equal(res.headers.get('x-edgeflag-etag'), cdn.etag);
    assert.equal(await res.text(), text(4));
    await cdn.close();
    const b = clientFor(t, { url: cdn.url, storage: undefined });
    assert.equal(b.version, null, 'the Cache API is asynchronous');
    const events = record(b);
    await b.ready();
    assert.equal(b.version, 4);
    assert.equal(events.ready[0].source, 'cache');
  } finally {
    delete globalThis.caches;
  }
});

test('ready(): resolves once a snapshot is in place, rejects when none can be had', async (t) => {
  // Nothing can be had: the load (with its retries) fails, ready() rejects with its LoadError.
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.status(503), fault.status(503));
  const client = clientFor(t, { url: cdn.url, retries: { retries: 1, baseDelay: 1 } });
  const events = record(client);
  const err = await rejection(client.ready());
  assert.ok(err instanceof LoadError);
  assert.equal(err.kind, 'http');
  assert.equal(err.status, 503);
  assert.equal(err.attempts, 2);
  assert.equal(err.url, cdn.url);
  assert.match(err.message, /answered HTTP 503/);
  assert.equal(client.status, 'error');
  assert.equal(events.error.length, 1);
  assert.equal(events.stale.length, 0, 'nothing to be stale about');
  assert.equal((await rejection(client.ready())).kind, 'http', 'at once, while no load is in progress');
  // A later load succeeds: ready() resolves.
  await client.refresh();
  assert.equal(await client.ready(), client);
  assert.equal(client.version, 1);
  assert.deepEqual(events.ready, [{ version: 1, source: 'network' }]);

  // ready({timeout}) gives up waiting, the client does not.
  const slow = await cdnAt(t, 2);
  slow.next(fault.drip({ chunks: 5, every: 40 }));
  const c2 = clientFor(t, { url: slow.url });
  const timeout = await rejection(c2.ready({ timeout: 20 }));
  assert.equal(timeout.kind, 'timeout');
  assert.match(timeout.message, /no snapshot in place within 20 ms/);
  await c2.ready();
  assert.equal(c2.version, 2);

  // close() rejects a pending ready().
  const hang = await cdnAt(t, 3);
  hang.next(fault.hang());
  const c3 = clientFor(t, { url: hang.url });
  const pending = c3.ready();
  await hang.waitForRequests(1);
  c3.close();
  assert.equal((await rejection(pending)).kind, 'aborted');
});

test('a client with only a bootstrap never makes a request', async (t) => {
  const client = clientFor(t, { bootstrap: snapshot(1) });
  await client.ready();
  assert.deepEqual(await client.refresh(), { status: 'unchanged', version: 1 });
  assert.equal(client.number('limit', 0), 10);
});

// ---- faults: the good snapshot is never lost ----------------------------------------------------

test('HTTP 500: error and stale events, the snapshot and the cache are kept', async (t) => {
  const cdn = await cdnAt(t, 1);
  const storage = memoryStorage();
  const client = clientFor(t, { url: cdn.url, storage });
  const events = record(client);
  await client.ready();
  cdn.publish(snapshot(2));
  cdn.next(fault.status(500));
  const r = await client.refresh();
  assert.equal(r.status, 'failed');
  assert.equal(r.error.status, 500);
  const err = assertKept(client, events, 1, 'http');
  assert.match(err.message, new RegExp(`${cdn.url} answered HTTP 500`));
  assert.equal(storage.get().version, 1);
  assert.deepEqual(await client.refresh(), { status: 'updated', version: 2 });
  assert.equal(client.status, 'ready');
});

test('connection refused: kind network', async (t) => {
  const url = await refusedUrl();
  const client = clientFor(t, { url });
  const err = await rejection(client.ready());
  assert.equal(err.kind, 'network');
  assert.match(err.message, new RegExp(`cannot reach ${url}`));

  const withBootstrap = clientFor(t, { url, bootstrap: snapshot(1) });
  const events = record(withBootstrap);
  await withBootstrap.refresh();
  assertKept(withBootstrap, events, 1, 'network');
});

test('a hang past the timeout: kind timeout', async (t) => {
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.hang());
  const started = performance.now();
  const client = clientFor(t, { url: cdn.url, timeout: 50, bootstrap: snapshot(1) });
  const events = record(client);
  await client.refresh(); // the revalidation started by createClient
  assert.ok(performance.now() - started < 4000, 'bounded by the timeout');
  const err = assertKept(client, events, 1, 'timeout');
  assert.match(err.message, /no complete answer from .* within 50 ms/);
});

test('a truncated body (Content-Length larger than what arrives): kind truncated', async (t) => {
  const cdn = await cdnAt(t, 1);
  const storage = memoryStorage();
  const client = clientFor(t, { url: cdn.url, storage });
  const events = record(client);
  await client.ready();
  cdn.publish(snapshot(2));
  cdn.next(fault.truncate(0.5));
  await client.refresh();
  const err = assertKept(client, events, 1, 'truncated');
  assert.match(err.message, /closed after \d+ (of \d+ )?bytes of the body/);
  assert.equal(storage.get().version, 1);
  // Transient: with a retry the same fault is absorbed.
  const retrying = clientFor(t, { url: cdn.url, retries: { retries: 1, baseDelay: 1 } });
  cdn.next(fault.truncate(0.3));
  await retrying.ready();
  assert.equal(retrying.version, 2);
});

test('invalid JSON: kind invalid, the message says where', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  cdn.next(fault.body('{"schema": 1, "version": 2, "flags": {'));
  await client.refresh();
  const err = assertKept(client, events, 1, 'invalid');
  assert.match(err.message, /refused the snapshot from .*: \(root\): /);
  assert.equal(err.problems[0].path, '(root)');
});

test('an invalid snapshot: kind invalid, with every problem and its path', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  const bad = snapshot(2, { extra: { broken: { variants: { on: true }, default: 'missing' } } });
  cdn.next(fault.body(JSON.stringify(bad)));
  await client.refresh();
  const err = assertKept(client, events, 1, 'invalid');
  assert.ok(err.problems.some((p) => p.path === 'flags.broken.default'), JSON.stringify(err.problems));
  assert.match(err.message, /flags\.broken\.default: /);
});

test('an unknown schema: kind schema', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  cdn.next(fault.body(JSON.stringify({ ...snapshot(2), schema: 2 })));
  await client.refresh();
  const err = assertKept(client, events, 1, 'schema');
  assert.match(err.message, /schema: /);
});

test('an older version is refused (anti-rollback) unless allowRollback', async (t) => {
  const cdn = await cdnAt(t, 5);
  const storage = memoryStorage();
  const client = clientFor(t, { url: cdn.url, storage });
  const events = record(client);
  await client.ready();
  cdn.publish(snapshot(4));
  await client.refresh();
  const err = assertKept(client, events, 5, 'older');
  assert.equal(err.version, 4);
  assert.equal(err.heldVersion, 5);
  assert.match(err.message, /refused snapshot version 4 .*older than version 5 in use/);
  assert.equal(storage.get().version, 5);
  assert.equal(cdn.requests.at(-1).headers['if-none-match'], etagOf(text(5)), 'still asks with the ETag of what it holds');

  const rollback = memoryStorage();
  rollback.set({ text: text(5), etag: null, version: 5 });
  const lenient = clientFor(t, { url: cdn.url, storage: rollback, allowRollback: true });
  const lenientEvents = record(lenient);
  assert.equal(lenient.version, 5);
  assert.deepEqual(await lenient.refresh(), { status: 'updated', version: 4 });
  assert.deepEqual(lenientEvents.change, [{ previousVersion: 5, version: 4, added: [], removed: [], changed: ['label', 'limit', 'config'], source: 'network' }]);
  assert.equal(rollback.get().version, 4, 'allowRollback also lets the cache go back');
});

test('the same version: identical content is a no-op, different content is a refused conflict', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  cdn.next(fault.body(text(1), { etag: '"other-etag"' }));
  assert.deepEqual(await client.refresh(), { status: 'unchanged', version: 1 });
  assert.equal(client.etag, '"other-etag"', 'the new ETag is kept for the next request');
  assert.equal(events.change.length + events.error.length, 0);
  cdn.next(fault.body(text(1, { drop: ['limit'] })));
  await client.refresh();
  const err = assertKept(client, events, 1, 'conflict');
  assert.match(err.message, /version 1 is already in use with different content/);
  assert.equal(client.number('limit', 0), 10);
});

test('the same version written differently (a pretty-printed bootstrap) is unchanged, not a conflict', async (t) => {
  const cdn = await cdnAt(t, 1);
  const storage = memoryStorage();
  const client = clientFor(t, { url: cdn.url, storage, bootstrap: JSON.stringify(snapshot(1), null, 2) });
  const events = record(client);
  assert.deepEqual(await client.refresh(), { status: 'unchanged', version: 1 });
  assert.equal(client.etag, cdn.etag, 'the server copy is taken for its ETag');
  assert.deepEqual(storage.get(), { text: cdn.text, etag: cdn.etag, version: 1 });
  assert.deepEqual(await client.refresh(), { status: 'not-modified', version: 1 });
  assert.equal(events.change.length + events.error.length + events.stale.length, 0);
});

test('a slow body (drip) within the timeout loads; past the timeout it times out', async (t) => {
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.drip({ chunks: 5, every: 10 }));
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  assert.equal(client.version, 1);
  cdn.publish(snapshot(2));
  cdn.next(fault.drip({ chunks: 20, every: 25 })); // 500 ms of body against a 100 ms timeout
  const slow = clientFor(t, { url: cdn.url, timeout: 100, bootstrap: snapshot(1) });
  const slowEvents = record(slow);
  await slow.refresh();
  assertKept(slow, slowEvents, 1, 'timeout');
  assert.equal(events.error.length, 0);
});

test('random bytes: kind decode (not UTF-8)', async (t) => {
  const bytes = randomBytes(4096, 7);
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'precondition: not UTF-8');
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  cdn.next(fault.randomBytes(4096, 7));
  await client.refresh();
  const err = assertKept(client, events, 1, 'decode');
  assert.match(err.message, /is not valid UTF-8 \(4096 bytes\)/);
  // Printable garbage is valid UTF-8 but not JSON: the engine refuses it.
  cdn.next(fault.body('\u00e9t\u00e9 \u{1F600} garbage'));
  await client.refresh();
  assertKept(client, events, 1, 'invalid');
});

test('wrong content types: an HTML page is refused, any other type is validated as a snapshot', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  const events = record(client);
  await client.ready();
  cdn.next(fault.body('<!doctype html><title>Not found</title>', { contentType: 'text/html; charset=utf-8' }));
  await client.refresh();
  const err = assertKept(client, events, 1, 'content-type');
  assert.match(err.message, /HTML page \(content-type text\/html\), not a snapshot/);
  cdn.next(fault.body(text(2), { contentType: 'text/plain' }));
  assert.equal((await client.refresh()).version, 2);
  cdn.next(fault.body(text(3), { contentType: 'application/octet-stream' }));
  assert.equal((await client.refresh()).version, 3);
  cdn.next(fault.body(text(4), { contentType: '' }));
  assert.equal((await client.refresh()).version, 4);
  cdn.next(fault.body('PNG\r\n\u001a\n', { contentType: 'image/png' }));
  await client.refresh();
  assertKept(client, events, 4, 'invalid');
});

test('bodies over the size limit: from Content-Length, while streaming, and with maxBytes', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, timeout: 20000 });
  const events = record(client);
  await client.ready();
  // Declared: refused from the header, before the body is read.
  cdn.next(fault.oversize(16 * MiB + 1, { declare: true }));
  await client.refresh();
  let err = assertKept(client, events, 1, 'too-large');
  assert.match(err.message, /is 16777217 bytes \(Content-Length\), over the limit of 16777216 bytes/);
  // Chunked (no Content-Length): refused as soon as the count passes the limit.
  cdn.next(fault.oversize(48 * MiB, { declare: false }));
  await client.refresh();
  err = assertKept(client, events, 1, 'too-large');
  assert.match(err.message, /more than 16777216 bytes \(\d+ received so far\)/);
  assert.ok(cdn.oversizeSent < 40 * MiB, `the client stopped reading (server sent ${cdn.oversizeSent} bytes)`);
  // A smaller limit applies to real snapshots too.
  const small = clientFor(t, { url: cdn.url, maxBytes: 100, bootstrap: snapshot(1) });
  const smallEvents = record(small);
  cdn.publish(snapshot(2));
  await small.refresh();
  assertKept(small, smallEvents, 1, 'too-large');
  assert.equal(client.version, 1);
});

test('flapping 200/500: the snapshot is never lost and versions only go up', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, bootstrap: snapshot(1) });
  const events = record(client);
  await client.refresh(); // 1: shares the startup request
  cdn.always(fault.flap());
  const served = [];
  for (let v = 2; v <= 9; v++) {
    cdn.publish(snapshot(v));
    await client.refresh();
    served.push(client.version);
    assert.equal(client.string('label', 'lost'), `v${client.version}-a`);
  }
  assert.deepEqual(served, [1, 3, 3, 5, 5, 7, 7, 9], '500 on odd requests, 200 on even ones');
  assert.equal(events.error.length, 4);
  assert.equal(events.stale.length, 4);
  assert.ok(events.error.every((e) => e.kind === 'http' && e.status === 500));
  assert.deepEqual(events.change.map((c) => [c.previousVersion, c.version]), [[1, 3], [3, 5], [5, 7], [7, 9]]);

  // With one retry the flapping is invisible: each refresh costs exactly two requests.
  const retrying = clientFor(t, { url: cdn.url, retries: { retries: 1, baseDelay: 1 } });
  const rEvents = record(retrying);
  const before = cdn.count;
  await retrying.ready();
  for (let v = 10; v <= 12; v++) {
    cdn.publish(snapshot(v));
    assert.equal((await retrying.refresh()).version, v);
  }
  assert.equal(cdn.count - before, 8);
  assert.equal(rEvents.error.length, 0);
});

test('clock skew: neither the local clock nor HTTP dates steer loading or polling', async (t) => {
  const year = 365 * 24 * 3600 * 1000;
  const realNow = Date.now;
  const skewed = new Date(realNow() - 3 * year).toUTCString();
  const cdn = await cdnAt(t, 1, {
    // A CDN whose clock is years off, and that says the snapshot is fresh for a year.
    cacheControl: 'public, max-age=31536000',
    headers: { date: skewed, expires: skewed, 'last-modified': skewed },
  });
  for (const offset of [2 * year, -2 * year]) {
    Date.now = () => realNow() + offset;
    try {
      const before = cdn.count;
      const client = clientFor(t, { url: cdn.url, refreshInterval: 15 });
      const events = record(client);
      await client.ready();
      await cdn.waitForRequests(before + 4); // polls on its interval despite max-age and the skew
      assert.equal(client.version, 1);
      assert.equal(cdn.requests.at(-1).headers['if-none-match'], cdn.etag);
      cdn.publish(snapshot(2));
      const change = await next(client, 'change');
      assert.deepEqual([change.previousVersion, change.version], [1, 2]);
      client.close();
      assert.equal(events.error.length, 0);
      cdn.publish(snapshot(1)); // back for the next round (a fresh client accepts any version)
    } finally {
      Date.now = realNow;
    }
  }
});

// ---- retries --------------------------------------------------------------------------------

test('retries: exponential backoff with full jitter, counted and bounded', async (t) => {
  const policy = retryPolicy({ retries: 3, baseDelay: 100, maxDelay: 300 });
  assert.deepEqual(policy, { retries: 3, baseDelay: 100, maxDelay: 300 });
  assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 0.999999)), [99, 199, 299, 299]);
  assert.deepEqual([0, 1, 2].map((n) => backoffDelay(n, policy, () => 0)), [0, 0, 0]);
  assert.deepEqual(retryPolicy({ retries: 1e6, maxDelay: 1e9 }), { retries: 10, baseDelay: 250, maxDelay: 60000 });
  assert.deepEqual(retryPolicy(undefined), { retries: 2, baseDelay: 250, maxDelay: 5000 });

  const cdn = await cdnAt(t, 1);
  // Two transient failures, then success: three requests, spaced by the (maximal) delays 9 then 19 ms.
  cdn.next(fault.status(500), fault.status(503));
  const started = performance.now();
  const client = clientFor(t, { url: cdn.url, retries: { retries: 2, baseDelay: 10, maxDelay: 40 }, random: () => 0.999 });
  const events = record(client);
  await client.ready();
  assert.equal(cdn.count, 3);
  assert.ok(performance.now() - started >= 20, 'waited between attempts (at least 9 + 19 ms, less timer slack)');
  assert.equal(events.error.length, 0);

  // Exhausted: retries + 1 requests, the error says how many.
  cdn.next(fault.status(500), fault.status(500), fault.status(500));
  const r = await client.refresh();
  assert.equal(r.error.attempts, 3);
  assert.equal(cdn.count, 6);

  // Not transient (404, invalid snapshot): no retry.
  cdn.next(fault.status(404));
  assert.equal((await client.refresh()).error.kind, 'http');
  assert.equal(cdn.count, 7);
  cdn.next(fault.body('[]'));
  assert.equal((await client.refresh()).error.kind, 'invalid');
  assert.equal(cdn.count, 8);
});

// ---- polling, visibility, forContext, close ---------------------------------------------------

test('forContext: a bound evaluator that rebinds itself when the snapshot changes', async (t) => {
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.status(500));
  const client = clientFor(t, { url: cdn.url });
  const beta = client.forContext({ key: 'u-beta' });
  assert.equal(beta.string('label', 'fb'), 'fb', 'before any snapshot: the fallback');
  assert.equal(beta.details('label', 'fb').errorCode, 'PROVIDER_NOT_READY');
  await client.refresh(); // the first load fails
  assert.equal(beta.string('label', 'fb'), 'fb');
  await client.refresh();
  assert.equal(client.version, 1);
  assert.equal(beta.string('label', 'fb'), 'v1-b');
  assert.equal(beta.boolean('checkout', false), true);
  assert.equal(beta.number('limit', 0), 10);
  assert.deepEqual(beta.json('config', null), { version: 1 });
  assert.equal(beta.details('label', 'fb').ruleId, 'beta');
  assert.equal(beta.all().label.value, 'v1-b');
  cdn.publish(snapshot(2));
  await client.refresh();
  assert.equal(beta.string('label', 'fb'), 'v2-b');
  assert.deepEqual(beta.json('config', null), { version: 2 });
  assert.equal(beta.string('checkout', 'not a string'), 'not a string', 'typed reads still check types');
  beta.close();
  assert.equal(beta.string('label', 'fb'), 'v2-b', 'a closed binding rebinds on its next read');
  client.close();
  assert.equal(beta.string('label', 'fb'), 'fb');
});

test('polling: a refresh every refreshInterval; close() stops it and aborts the request in flight', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, refreshInterval: 10 });
  const events = record(client);
  await cdn.waitForRequests(4);
  cdn.publish(snapshot(2));
  assert.equal((await next(client, 'change')).version, 2);
  client.close();
  const after = cdn.count;
  await sleep(100);
  assert.equal(cdn.count, after, 'no request after close()');

  // A request in flight is aborted: refresh() settles at once, without error events.
  cdn.next(fault.hang());
  const other = clientFor(t, { url: cdn.url });
  const otherEvents = record(other);
  const pending = other.refresh();
  await cdn.waitForRequests(after + 1);
  other.close();
  assert.deepEqual(await pending, { status: 'closed', version: null });
  assert.deepEqual(await other.refresh(), { status: 'closed', version: null });
  assert.equal(otherEvents.error.length, 0);
  assert.equal(events.error.length, 0);
});

test('close() aborts the signal of the fetch in flight and ends a retry wait at once', { timeout: 10_000 }, async () => {
  let calls = 0;
  const client = createClient({
    url: 'http://edgeflag.invalid/snapshot.json', storage: false, refreshInterval: 0,
    retries: { retries: 5, baseDelay: 60_000, maxDelay: 60_000 }, random: () => 0.99,
    fetch: (url, init) => {
      calls++;
      return calls === 1 ? Promise.reject(new TypeError('connection refused')) : new Promise(() => {});
    },
  });
  const pending = client.ready().catch((e) => e);
  while (calls < 1) await sleep(5);
  const started = Date.now();
  client.close(); // during the backoff wait after the first (refused) attempt
  assert.equal((await pending).kind, 'aborted');
  assert.ok(Date.now() - started < 5_000, 'the retry wait ended with close()');
  await sleep(20);
  assert.equal(calls, 1, 'no attempt after close()');

  // A request in flight: its fetch sees the abort.
  let seen = null;
  const other = createClient({
    url: 'http://edgeflag.invalid/snapshot.json', storage: false, refreshInterval: 0,
    fetch: (url, init) => { seen = init.signal; return new Promise(() => {}); },
  });
  const otherReady = other.ready().catch((e) => e);
  while (seen === null) await sleep(5);
  other.close();
  assert.equal(seen.aborted, true);
  assert.equal((await otherReady).kind, 'aborted');
});

test('browsers: polling pauses while the page is hidden and resumes on visibilitychange', async (t) => {
  const doc = new EventTarget();
  doc.hidden = true;
  globalThis.document = doc;
  t.after(() => { delete globalThis.document; });
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url, refreshInterval: 10 });
  await client.ready();
  await sleep(100); // ten intervals: all skipped while hidden
  assert.equal(cdn.count, 1);
  doc.hidden = false;
  doc.dispatchEvent(new Event('visibilitychange'));
  await cdn.waitForRequests(2);
  await cdn.waitForRequests(4); // polling has resumed
  doc.hidden = true;
  await client.refresh();
  const paused = cdn.count;
  await sleep(60);
  assert.ok(cdn.count <= paused + 1, 'at most the poll already scheduled');
  client.close();
});

// ---- evaluation never throws -------------------------------------------------------------------

test('evaluation never throws: odd contexts, keys and fallbacks; throwing hooks and listeners', async (t) => {
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  await client.ready();
  const circular = { key: 'u-beta' };
  circular.self = circular;
  const contexts = [undefined, null, 'u-1', 42, [], circular, { key: 10n }, { key: Symbol('s') },
    { get key() { throw new Error('getter'); } }, { key: 'u-beta', nested: { deep: [[[]]] } }];
  for (const ctx of contexts) {
    for (const key of ['checkout', 'label', 'limit', 'config', 'nope', '', undefined, null, 7, {}]) {
      assert.doesNotThrow(() => {
        client.boolean(key, false, ctx);
        client.string(key, 'x', ctx);
        client.number(key, 0, ctx);
        client.json(key, null, ctx);
        client.details(key, undefined, ctx);
        client.all(ctx);
        client.forContext(ctx).string(key, 'x');
      }, `key ${String(key)}`);
    }
  }
  assert.equal(client.details('nope', 1).errorCode, 'FLAG_NOT_FOUND');
  assert.equal(client.string('checkout', 'fb'), 'fb');
  assert.equal(client.details('checkout', 'fb', {}, { type: 'string' }).errorCode, 'TYPE_MISMATCH');

  // The internal hook for exposures sees each evaluation; a throwing hook changes nothing.
  const seen = [];
  const off = client.onEvaluate((e) => { seen.push([e.flag, e.type, e.value, e.details.variant, e.version]); throw new Error('hook'); });
  assert.equal(client.string('label', 'x', { key: 'u-beta' }), 'v1-b');
  assert.equal(client.forContext({ key: 'u-1' }).boolean('checkout', true), false);
  assert.equal(client.string('checkout', 'fb'), 'fb');
  off();
  client.string('label', 'x');
  assert.deepEqual(seen, [['label', 'string', 'v1-b', 'b', 1], ['checkout', 'boolean', false, 'off', 1], ['checkout', 'string', 'fb', null, 1]]);

  // A throwing listener does not stop the others, nor the client.
  const errors = [];
  const originalError = console.error;
  console.error = (...args) => errors.push(args);
  try {
    client.on('change', () => { throw new Error('listener'); });
    const got = next(client, 'change');
    cdn.publish(snapshot(2));
    await client.refresh();
    assert.equal((await got).version, 2);
  } finally {
    console.error = originalError;
  }
  assert.equal(errors.length, 1);
  assert.equal(client.version, 2);
});

test('createClient checks its options', () => {
  assert.throws(() => createClient(), /give a url, a bootstrap snapshot, or both/);
  assert.throws(() => createClient({ url: 'http://x/', refreshInterval: -1 }), /refreshInterval must be a finite number/);
  assert.throws(() => createClient({ url: 'http://x/', timeout: 0 }), /timeout/);
  assert.throws(() => createClient({ url: 'http://x/', storage: {} }), /storage must be false or an object/);
  assert.throws(() => createClient({ bootstrap: snapshot(1) }).on('nope', () => {}), /unknown event "nope"/);
});
