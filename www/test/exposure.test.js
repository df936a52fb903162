// Exposure events (src/exposure.js) and the batching sender (src/sender.js) against a real HTTP collector on
// 127.0.0.1 (test/helpers/collector.js), with the real client and wasm engine where evaluations are needed.
// Clocks are injected for deduplication windows; sender timings are tens of milliseconds and every wait is
// bounded. The figures measured are printed as test diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, initWasm, memoryStorage } from '../src/index.node.js';
import { createExposures, createSender, fnv1a32, isSampled } from 'edgeflag/exposure';
import { startCollector } from './helpers/collector.js';
import { startCdn } from './helpers/cdn-server.js';

await initWasm();

async function collectorFor(t, options) {
  const collector = await startCollector(options);
  t.after(() => collector.close());
  return collector;
}

function senderFor(t, options) {
  const sender = createSender({ flushInterval: 0, retries: 0, timeout: 5000, ...options });
  t.after(() => sender.close({ flush: false }));
  return sender;
}

/** An evaluation as the client's onEvaluate hook reports it. */
function evaluation(flag, key, variant, { reason = 'TARGETING_MATCH', ruleId = 'r1', version = 3, value = true } = {}) {
  const details = variant === null
    ? { flagKey: flag, value, variant: null, reason: 'ERROR', ruleId: null, ruleIndex: null, errorCode: 'FLAG_NOT_FOUND', errorMessage: 'x', metadata: {} }
    : { flagKey: flag, value, variant, reason, ruleId, ruleIndex: 0, errorCode: null, errorMessage: null, metadata: {} };
  return { flag, type: 'boolean', value, fallback: false, details, context: key === undefined ? {} : { key }, version };
}

const ev = (i) => ({ flag: 'f', variant: 'on', contextKey: `u${i}`, i });

// ---- exposures: deduplication, LRU, sampling, counters --------------------------------------------

test('an exposure is the first evaluation of (context key, flag, variant) within the window', () => {
  let now = 1_000_000;
  const seen = [];
  const x = createExposures({ onExposure: (e) => seen.push(e), window: 60_000, now: () => now });
  assert.deepEqual(x.record(evaluation('checkout', 'u1', 'on')), {
    flag: 'checkout', variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'r1', contextKey: 'u1', version: 3, time: 1_000_000,
  });
  assert.equal(x.record(evaluation('checkout', 'u1', 'on')), null, 'same triple: deduplicated');
  now += 59_999;
  assert.equal(x.record(evaluation('checkout', 'u1', 'on')), null, 'still inside the window');
  assert.ok(x.record(evaluation('checkout', 'u1', 'off')), 'another variant is a new exposure');
  assert.ok(x.record(evaluation('checkout', 'u2', 'on')), 'another context key');
  assert.ok(x.record(evaluation('banner', 'u1', 'on')), 'another flag');
  assert.ok(x.record(evaluation('checkout', undefined, 'on')), 'no context key: its own triple');
  assert.equal(x.record(evaluation('checkout', undefined, 'on')), null);
  assert.equal(x.record(evaluation('checkout', 'u1', null)), null, 'an error shows no variant: no exposure');
  now += 1;
  assert.equal(x.record(evaluation('checkout', 'u1', 'on')).time, 1_060_000, 'window over: exposed again');
  assert.equal(seen.length, 6);
  assert.equal(seen[4].contextKey, null);
  assert.deepEqual(x.stats(), { evaluations: 10, exposures: 6, deduplicated: 3, sampledOut: 0, errors: 1, evicted: 0,
    callbackErrors: 0, uncounted: 0, tracked: 5 });
  // window 0: every evaluation is an exposure; includeValue adds the value.
  const all = createExposures({ onExposure: () => {}, window: 0, includeValue: true });
  assert.equal(all.record(evaluation('f', 'u', 'on', { value: 'blue' })).value, 'blue');
  assert.ok(all.record(evaluation('f', 'u', 'on')));
  // clear() forgets.
  x.clear();
  assert.ok(x.record(evaluation('checkout', 'u2', 'on')));
});

test('deduplication memory is a bounded LRU: the least recently used triple is evicted', () => {
  const seen = [];
  const x = createExposures({ onExposure: (e) => seen.push(`${e.contextKey}`), maxKeys: 3, window: Infinity, now: () => 0 });
  for (const k of ['a', 'b', 'c']) x.record(evaluation('f', k, 'on'));
  x.record(evaluation('f', 'a', 'on')); // a is used again: b is now the least recent
  x.record(evaluation('f', 'd', 'on')); // evicts b
  assert.equal(x.stats().tracked, 3);
  x.record(evaluation('f', 'a', 'on')); // still known
  x.record(evaluation('f', 'c', 'on')); // still known
  x.record(evaluation('f', 'b', 'on')); // evicted: exposed again (and evicts d)
  assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'b']);
  assert.deepEqual([x.stats().evicted, x.stats().deduplicated, x.stats().tracked], [2, 3, 3]);

  // Bounded under load: 100 000 distinct users, memory stays at maxKeys.
  const big = createExposures({ onExposure: () => {}, maxKeys: 1000 });
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) big.record(evaluation('f', `user-${i}`, 'on'));
  const ms = performance.now() - t0;
  assert.deepEqual([big.stats().tracked, big.stats().evicted, big.stats().exposures], [1000, 99_000, 100_000]);
  assert.ok(ms < 5000, `100 000 records took ${ms} ms`);
});

test('FNV-1a 32 vectors; sampling is deterministic: two independent isolates agree', async (t) => {
  // Published FNV-1a 32-bit test vectors, and UTF-8 (é = C3 A9, 😀 = F0 9F 98 80, a lone surrogate = U+FFFD).
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  const bytes = (arr) => { let h = 0x811c9dc5; for (const b of arr) h = Math.imul(h ^ b, 0x01000193); return h >>> 0; };
  assert.equal(fnv1a32('é'), bytes([0xc3, 0xa9]));
  assert.equal(fnv1a32('😀'), bytes([0xf0, 0x9f, 0x98, 0x80]));
  assert.equal(fnv1a32('\ud800x'), bytes([0xef, 0xbf, 0xbd, 0x78]));

  const users = Array.from({ length: 4000 }, (_, i) => `user-${i}`);
  const sampledHere = (rate) => users.filter((u) => isSampled(u, 'checkout', rate));
  const rate = 0.25;
  const mine = sampledHere(rate);
  // Another isolate (a worker thread: its own heap, no shared state) with its own tracker instance.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.module).then(({ createExposures }) => {
      const out = [];
      const x = createExposures({ onExposure: (e) => out.push(e.contextKey), sampleRate: workerData.rate });
      for (const u of workerData.users) x.record({ flag: 'checkout', details: { variant: 'on', reason: 'SPLIT' }, context: { key: u }, version: 1 });
      parentPort.postMessage(out);
    });`;
  const worker = new Worker(code, { eval: true, workerData: { module: new URL('../src/exposure.js', import.meta.url).href, rate, users } });
  t.after(() => worker.terminate());
  const theirs = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  assert.deepEqual(theirs, mine, 'both isolates sample the same users');
  const fraction = mine.length / users.length;
  assert.ok(Math.abs(fraction - rate) < 0.03, `sampled fraction ${fraction}`);
  // A tracker in this isolate reports the same, with sampleRate on each event; the rest are counted out.
  const events = [];
  const x = createExposures({ onExposure: (e) => events.push(e), sampleRate: rate });
  for (const u of users) x.record(evaluation('checkout', u, 'on'));
  assert.deepEqual(events.map((e) => e.contextKey), mine);
  assert.equal(events[0].sampleRate, rate);
  assert.equal(x.stats().sampledOut, users.length - mine.length);
  // Sampling is by (context key, flag): a user sampled for one flag is not thereby sampled for all.
  const other = users.filter((u) => isSampled(u, 'banner', rate));
  assert.notDeepEqual(other, mine);
  // Raising the rate only adds users; a salt reshuffles; 0 and 1 are exact.
  const half = sampledHere(0.5);
  assert.ok(mine.every((u) => half.includes(u)));
  assert.notDeepEqual(users.filter((u) => isSampled(u, 'checkout', rate, 'salt-2')), mine);
  assert.equal(sampledHere(0).length, 0);
  assert.equal(sampledHere(1).length, users.length);
  t.diagnostic(`sampling at ${rate}: ${mine.length} of ${users.length} users sampled in both isolates`);
});

test('counters per flag and variant: every evaluation, readable and resettable', () => {
  const x = createExposures({ onExposure: () => {}, sampleRate: 0.5, maxCountedFlags: 3 });
  for (let i = 0; i < 10; i++) x.record(evaluation('checkout', `u${i}`, i % 3 === 0 ? 'on' : 'off'));
  x.record(evaluation('checkout', 'u1', 'off'));
  x.record(evaluation('typo', 'u1', null));
  x.record(evaluation('__proto__', 'u1', 'on'));
  x.record(evaluation('fourth', 'u1', 'on')); // over maxCountedFlags: not counted
  const c = x.counters();
  assert.deepEqual(c.checkout, { on: 4, off: 7 }, 'counted before deduplication and sampling');
  assert.deepEqual(c.typo, { 'error:FLAG_NOT_FOUND': 1 });
  assert.deepEqual(Object.keys(c), ['checkout', 'typo', '__proto__']);
  assert.deepEqual(c.__proto__, { on: 1 }); // an own key, not the prototype
  assert.equal(x.stats().uncounted, 1);
  assert.deepEqual(x.counters({ reset: true }), c, 'read and reset in one step');
  assert.deepEqual(x.counters(), {});
  x.record(evaluation('checkout', 'u1', 'on'));
  assert.deepEqual(x.counters(), { checkout: { on: 1 } });
  x.reset();
  assert.deepEqual(x.counters(), {});
});

test('options are checked; an onExposure that throws is counted and never breaks an evaluation', async (t) => {
  assert.throws(() => createExposures({}), /onExposure/);
  assert.throws(() => createExposures({ onExposure: () => {}, sampleRate: 2 }), /sampleRate/);
  assert.throws(() => createExposures({ onExposure: () => {}, maxKeys: 0 }), /maxKeys/);
  assert.throws(() => createExposures({ onExposure: () => {}, window: -1 }), /window/);
  assert.throws(() => createSender({}), /url/);
  assert.throws(() => createSender({ url: 'http://x', format: 'xml' }), /format/);
  assert.throws(() => createSender({ url: 'http://x', overflow: 'drop-middle' }), /overflow/);
  const client = createClient({ bootstrap: { schema: 1, version: 1, flags: { f: { variants: { on: true }, default: 'on' } } } });
  t.after(() => client.close());
  const x = createExposures({ client, onExposure: () => { throw new Error('boom'); } });
  assert.equal(client.boolean('f', false, { key: 'u' }), true);
  assert.equal(x.stats().callbackErrors, 1);
  x.close();
  client.boolean('f', false, { key: 'v' });
  assert.equal(x.stats().evaluations, 1, 'close() detaches from the client');
});

// ---- sender: batching, retries, bounds ----------------------------------------------------------

test('batching by size: full batches go at once, in order; flush() sends the rest', async (t) => {
  const collector = await collectorFor(t);
  const sender = senderFor(t, { url: collector.url, batchSize: 10 });
  for (let i = 0; i < 25; i++) sender.send(ev(i));
  await collector.waitForEvents(20);
  assert.deepEqual(collector.requests.map((r) => r.events.length), [10, 10]);
  assert.equal(sender.stats().queued, 5);
  await sleep(100);
  assert.equal(collector.requests.length, 2, 'no timer (flushInterval 0): the rest waits');
  await sender.flush();
  assert.deepEqual(collector.requests.map((r) => r.events.length), [10, 10, 5]);
  assert.deepEqual(collector.events.map((e) => e.i), [...Array(25).keys()]);
  const r = collector.requests[0];
  assert.equal(r.headers['content-type'], 'application/json');
  assert.ok(r.body.startsWith('[{'));
  assert.deepEqual(sender.stats(), { accepted: 25, sent: 25, dropped: 0, failed: 0, requests: 3, retries: 0, beacons: 0, queued: 0, inFlight: 0 });
});

test('batching by time: a partial batch waits flushInterval; NDJSON format and extra headers', async (t) => {
  const collector = await collectorFor(t);
  const sender = senderFor(t, { url: collector.url, batchSize: 100, flushInterval: 150, format: 'ndjson', headers: { 'x-api-key': 'k1' } });
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) sender.send(ev(i));
  await sleep(50);
  assert.equal(collector.requests.length, 0, 'not before the interval');
  await collector.waitForEvents(3, 3000);
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 140, `sent after ${elapsed} ms`);
  const r = collector.requests[0];
  assert.equal(r.headers['content-type'], 'application/x-ndjson');
  assert.equal(r.headers['x-api-key'], 'k1');
  assert.equal(r.body.split('\n').length, 4, 'three lines and a final newline');
  assert.deepEqual(collector.events.map((e) => e.i), [0, 1, 2]);
  t.diagnostic(`a partial batch of 3 went after ${Math.round(elapsed)} ms (flushInterval 150)`);
});

test('retries with exponential backoff on a failing collector, then delivery; Retry-After is honoured', async (t) => {
  const collector = await collectorFor(t);
  collector.next(503, 500, 502);
  const sender = senderFor(t, { url: collector.url, batchSize: 5, retries: { retries: 5, baseDelay: 100, maxDelay: 2000 }, random: () => 0.999 });
  for (let i = 0; i < 5; i++) sender.send(ev(i));
  await collector.waitForEvents(5);
  assert.deepEqual(collector.requests.map((r) => r.status), [503, 500, 502, 204]);
  const at = collector.requests.map((r) => r.at);
  const gaps = at.slice(1).map((v, i) => v - at[i]);
  // Full jitter with random ≈ 1: delays of 99, 199, 399 ms. A gap between two arrivals is the delay plus
  // the request's own latency, so only lower bounds are asserted (a loaded machine adds, never removes).
  assert.ok(gaps[0] >= 95 && gaps[1] >= 195 && gaps[2] >= 395, `gaps ${gaps.map(Math.round)}`);
  assert.deepEqual(collector.requests.map((r) => r.body), Array(4).fill(collector.requests[0].body), 'the same batch each time');
  await sender.flush(); // the sender has seen the last answer
  let s = sender.stats();
  assert.deepEqual([s.sent, s.failed, s.retries, s.requests], [5, 0, 3, 4]);
  t.diagnostic(`backoff gaps: ${gaps.map(Math.round).join(', ')} ms`);

  collector.next({ status: 429, headers: { 'retry-after': '0.3' } });
  for (let i = 5; i < 10; i++) sender.send(ev(i));
  await collector.waitForEvents(10);
  const last = collector.requests.slice(-2).map((r) => r.at);
  assert.ok(last[1] - last[0] >= 290, `Retry-After 0.3 s waited ${last[1] - last[0]} ms`);
  await sender.flush();
  s = sender.stats();
  assert.deepEqual([s.sent, s.retries], [10, 4]);
});

test('a 4xx other than 408/429 fails at once; retries exhausted count as failed and are reported', async (t) => {
  const collector = await collectorFor(t);
  collector.next(400);
  const errors = [];
  const sender = senderFor(t, { url: collector.url, batchSize: 2, retries: { retries: 2, baseDelay: 10 }, onError: (err, info) => errors.push([err.message, info]) });
  sender.send(ev(1)); sender.send(ev(2));
  await collector.waitForRequests(1);
  await sender.flush();
  assert.deepEqual([sender.stats().failed, sender.stats().requests], [2, 1]);
  collector.always(500);
  sender.send(ev(3)); sender.send(ev(4));
  await sender.flush();
  assert.deepEqual([sender.stats().failed, sender.stats().requests, sender.stats().retries], [4, 4, 2]);
  assert.match(errors[0][0], /HTTP 400/);
  assert.deepEqual(errors.map(([, info]) => info), [{ events: 2, attempts: 1, status: 400 }, { events: 2, attempts: 3, status: 500 }]);
});

test('a bounded queue under a failing collector: drops counted (drop-newest keeps the first, drop-oldest the last)', async (t) => {
  const collector = await collectorFor(t);
  collector.always(500);
  const retries = { retries: 2, baseDelay: 20, maxDelay: 20 };
  const sender = senderFor(t, { url: collector.url, batchSize: 10, maxQueue: 20, retries });
  for (let i = 0; i < 100; i++) sender.send(ev(i));
  // The first 10 are in flight, 20 wait, 70 are dropped.
  assert.deepEqual([sender.stats().inFlight, sender.stats().queued, sender.stats().dropped], [10, 20, 70]);
  await sender.flush();
  const s = sender.stats();
  assert.deepEqual({ accepted: s.accepted, sent: s.sent, dropped: s.dropped, failed: s.failed, requests: s.requests, retries: s.retries },
    { accepted: 30, sent: 0, dropped: 70, failed: 30, requests: 9, retries: 6 });
  t.diagnostic(`failing collector, 100 events, maxQueue 20, batch 10, 2 retries: sent ${s.sent}, dropped ${s.dropped}, failed ${s.failed}, requests ${s.requests}`);

  // drop-oldest: the queue keeps the most recent events.
  const ok = await collectorFor(t);
  ok.next({ status: 204, delay: 100 });
  const recent = senderFor(t, { url: ok.url, batchSize: 10, maxQueue: 20, overflow: 'drop-oldest' });
  for (let i = 0; i < 100; i++) recent.send(ev(i));
  await recent.flush();
  assert.deepEqual(ok.events.map((e) => e.i), [...Array(10).keys(), ...Array.from({ length: 20 }, (_, k) => 80 + k)]);
  assert.deepEqual([recent.stats().sent, recent.stats().dropped, recent.stats().accepted], [30, 70, 100]);
});

test('a collector that is down (connection refused) is retried, then counted as failed', async (t) => {
  const collector = await startCollector();
  const url = collector.url;
  await collector.close();
  const sender = senderFor(t, { url, batchSize: 3, retries: { retries: 1, baseDelay: 10 } });
  for (let i = 0; i < 3; i++) sender.send(ev(i));
  await sender.flush();
  assert.deepEqual([sender.stats().failed, sender.stats().requests, sender.stats().retries], [3, 2, 1]);
});

test('workers: flush(ctx) and sendVia(ctx) hand the work to ctx.waitUntil', async (t) => {
  const collector = await collectorFor(t);
  const sender = senderFor(t, { url: collector.url, batchSize: 2 });
  const waited = [];
  const ctx = { waitUntil(p) { assert.equal(this, ctx); waited.push(p); } };
  sender.send(ev(1));
  const p = sender.flush(ctx);
  assert.deepEqual(waited, [p]);
  await Promise.all(waited);
  assert.equal(collector.events.length, 1);
  // Background flushes (batchSize reached) go through ctx.waitUntil once sendVia(ctx) is set.
  sender.sendVia(ctx);
  sender.send(ev(2)); sender.send(ev(3));
  assert.equal(waited.length, 2);
  await Promise.all(waited);
  assert.deepEqual(collector.events.map((e) => e.i), [1, 2, 3]);
  const fn = [];
  sender.sendVia((q) => fn.push(q));
  sender.send(ev(4)); sender.send(ev(5));
  assert.equal(fn.length, 1);
  await fn[0];
  assert.equal(collector.events.length, 5);
  assert.throws(() => sender.sendVia({}), TypeError);
});

test('close() flushes what is queued; close({flush: false}) drops it; later sends are dropped', async (t) => {
  const collector = await collectorFor(t);
  const a = createSender({ url: collector.url, batchSize: 100, flushInterval: 0 });
  a.send(ev(1)); a.send(ev(2));
  await a.close();
  assert.equal(collector.events.length, 2);
  assert.equal(a.send(ev(3)), false);
  assert.equal(a.stats().dropped, 1);
  const b = createSender({ url: collector.url, batchSize: 100, flushInterval: 0 });
  b.send(ev(4));
  await b.close({ flush: false });
  assert.deepEqual([b.stats().dropped, collector.events.length], [1, 2]);
});

// ---- end to end --------------------------------------------------------------------------------

test('end to end: client → exposures (deduplicated) → sender → collector; figures', async (t) => {
  const snapshot = {
    schema: 1, version: 12, flags: {
      checkout: { variants: { on: true, off: false }, default: 'off',
        rules: [{ id: 'half', serve: { split: [{ variant: 'on', percent: 50 }, { variant: 'off', percent: 50 }] } }] },
      theme: { variants: { light: 'light', dark: 'dark' }, default: 'light', rules: [{ id: 'pro', when: { attr: 'plan', op: 'eq', value: 'pro' }, serve: 'dark' }] },
    },
  };
  const cdn = await startCdn({ snapshot });
  t.after(() => cdn.close());
  const collector = await collectorFor(t);
  const client = createClient({ url: cdn.url, storage: memoryStorage(), refreshInterval: 0, retries: 0 });
  t.after(() => client.close());
  await client.ready();
  const sender = senderFor(t, { url: collector.url, batchSize: 25, flushInterval: 50 });
  const exposures = createExposures({ client, onExposure: sender.send });
  // 50 users, each page view reads both flags; 20 page views each: 2 000 evaluations.
  for (let view = 0; view < 20; view++) {
    for (let u = 0; u < 50; u++) {
      const reader = client.forContext({ key: `user-${u}`, plan: u % 5 === 0 ? 'pro' : 'free' });
      reader.boolean('checkout', false);
      reader.string('theme', 'light');
      reader.close();
    }
  }
  client.boolean('missing', false, { key: 'user-1' });
  await sender.flush();
  const s = exposures.stats();
  assert.deepEqual([s.evaluations, s.exposures, s.deduplicated, s.errors], [2001, 100, 1900, 1]);
  assert.equal(collector.events.length, 100);
  const first = collector.events.find((e) => e.flag === 'theme' && e.contextKey === 'user-0');
  assert.deepEqual(first, { flag: 'theme', variant: 'dark', reason: 'TARGETING_MATCH', ruleId: 'pro', contextKey: 'user-0', version: 12, time: first.time });
  const counters = exposures.counters();
  assert.equal(counters.checkout.on + counters.checkout.off, 1000);
  assert.deepEqual(counters.theme, { dark: 200, light: 800 });
  assert.deepEqual(counters.missing, { 'error:FLAG_NOT_FOUND': 1 });
  // Exposures agree with the counters: each user's checkout variant is exposed once.
  const exposedOn = collector.events.filter((e) => e.flag === 'checkout' && e.variant === 'on').length;
  assert.equal(exposedOn * 20, counters.checkout.on);
  const ss = sender.stats();
  assert.deepEqual([ss.sent, ss.dropped, ss.failed], [100, 0, 0]);
  t.diagnostic(`2001 evaluations → ${s.exposures} exposures sent in ${collector.requests.length} requests, ${s.deduplicated} deduplicated`);
});

test('workerd (miniflare): a module-scope sender flushes through ctx.waitUntil after each response', async (t) => {
  const { Miniflare } = await import('miniflare');
  const collector = await collectorFor(t);
  collector.always({ status: 204, delay: 300 }); // slower than the worker's answer
  const snapshot = { schema: 1, version: 5, flags: { checkout: { variants: { on: true, off: false }, default: 'off',
    rules: [{ id: 'vip', when: { attr: 'key', op: 'in', values: ['a'] }, serve: 'on' }] } } };
  const www = new URL('..', import.meta.url).pathname;
  const mf = new Miniflare({
    modules: true,
    scriptPath: new URL('./support/exposure-worker.js', import.meta.url).pathname,
    modulesRoot: www,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: { SNAPSHOT: JSON.stringify(snapshot), COLLECTOR_URL: collector.url },
    compatibilityDate: '2025-01-01',
    cf: false,
  });
  t.after(() => mf.dispose());
  await mf.ready;
  const answers = [];
  for (const user of ['a', 'a', 'b', 'c', 'b']) {
    const res = await mf.dispatchFetch(`https://edge.example/?user=${user}`);
    answers.push(await res.json());
  }
  assert.deepEqual(answers.map((a) => a.on), [true, true, false, false, false]);
  // The first answer came back while its exposure was still being posted (the collector takes 300 ms).
  assert.deepEqual([answers[0].sender.queued, answers[0].sender.inFlight, answers[0].sender.sent], [0, 1, 0]);
  await collector.waitForEvents(3, 10_000);
  assert.deepEqual(collector.events.map((e) => [e.contextKey, e.variant, e.version]), [['a', 'on', 5], ['b', 'off', 5], ['c', 'off', 5]]);
  assert.deepEqual(answers.at(-1).exposures, { evaluations: 5, exposures: 3, deduplicated: 2, sampledOut: 0, errors: 0, evicted: 0,
    callbackErrors: 0, uncounted: 0, tracked: 3 });
});
