// The edge worker (www/worker/worker.js) in workerd, through miniflare, against the demo's local
// CDN (www/demo/serve.js, which counts every snapshot request). Each test gets its own CDN (a fresh
// folder at version 7) and its own workerd instance (a fresh isolate: module scope and cache empty).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { Engine, initWasm } from '../src/index.node.js';
import { CONTEXTS, WWW, admin, cli, cliEval, startDemoServer, waitFor, workerModules } from './helpers/demo.js';

const WORKER = path.join(WWW, 'worker', 'worker.js');
const SNAPSHOT = '/cdn/storefront.json';
const UA = {
  ios: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Mobile Safari/537.36',
  macos: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36',
  linux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36',
};

before(async () => {
  cli();
  await initWasm();
});

const instances = new Set();
after(async () => { for (const mf of instances) await mf.dispose().catch(() => {}); });

async function cdn(t) {
  const server = await startDemoServer(['--quiet']);
  t.after(() => server.stop());
  return { ...server, cdnDir: path.join(server.dataDir, 'cdn') };
}

async function worker(t, snapshotUrl, { refreshSeconds = 1, timeoutMs = 3000 } = {}) {
  const mf = new Miniflare({
    ...workerModules(WORKER),
    bindings: { SNAPSHOT_URL: snapshotUrl, REFRESH_SECONDS: String(refreshSeconds), TIMEOUT_MS: String(timeoutMs) },
    compatibilityDate: '2025-01-01',
    cf: false,
  });
  instances.add(mf);
  await mf.ready;
  t.after(async () => { instances.delete(mf); await mf.dispose(); });
  return mf;
}

/** A request carrying what an edge sees of this user: cookies, country, IP, user agent, app version. */
function requestInit(ctx) {
  const cookies = [`uid=${encodeURIComponent(ctx.key)}`];
  if (ctx.email) cookies.push(`email=${encodeURIComponent(ctx.email)}`);
  if (ctx.plan) cookies.push(`plan=${encodeURIComponent(ctx.plan)}`);
  if (ctx.account?.id) cookies.push(`account_id=${encodeURIComponent(ctx.account.id)}`);
  if (ctx.account?.type) cookies.push(`account_type=${encodeURIComponent(ctx.account.type)}`);
  const headers = { cookie: cookies.join('; ') };
  if (ctx.country) headers['cf-ipcountry'] = ctx.country;
  if (ctx.ip) headers['cf-connecting-ip'] = ctx.ip;
  if (ctx.appVersion) headers['x-app-version'] = ctx.appVersion;
  if (UA[ctx.device?.os?.toLowerCase()]) headers['user-agent'] = UA[ctx.device.os.toLowerCase()];
  return { headers, cf: { country: ctx.country ?? 'XX' } }; // XX: Cloudflare's "unknown country"
}

async function flagsFor(mf, ctx) {
  const res = await mf.dispatchFetch('https://shop.example/api/flags', requestInit(ctx));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(res.headers.get('x-edgeflag-version'), body.version === null ? 'none' : String(body.version));
  return body;
}

const pick = (d) => ({ value: d.value, variant: d.variant, reason: d.reason, ruleId: d.ruleId ?? null, ruleIndex: d.ruleIndex ?? null, errorCode: d.errorCode ?? null });
function normalise(results) {
  return Object.fromEntries(Object.entries(results).map(([k, d]) => [k, pick(d)]));
}

/** The worker's answer equals the CLI's evaluation of `snapshotFile` for the context it used, at the instant it used. */
function assertMatchesCli(body, snapshotFile, who) {
  const expected = cliEval(snapshotFile, body.context, body.evaluatedAt);
  assert.deepEqual(normalise(body.flags), normalise(expected), `${who}: worker vs CLI at ${body.evaluatedAt}`);
}

async function cdnRequests(base) {
  return (await admin(base, '/admin/stats')).byPath[SNAPSHOT] ?? 0;
}

test('per request: context from cookies and headers, answers equal the CLI for every example user', { timeout: 120000 }, async (t) => {
  const server = await cdn(t);
  const mf = await worker(t, `${server.url}${SNAPSHOT}`, { refreshSeconds: 60 });
  const v7 = path.join(server.cdnDir, 'v', 'storefront.7.json');
  for (const ctx of CONTEXTS) {
    const body = await flagsFor(mf, ctx);
    const who = `user ${JSON.stringify(ctx.key)}`;
    assert.equal(body.version, 7, who);
    assert.equal(body.context.key, String(ctx.key), `${who}: key from the uid cookie`);
    assert.equal(body.context.country, ctx.country ?? undefined, `${who}: country from cf.country`);
    assert.equal(body.context.email, ctx.email, `${who}: email`);
    if (ctx.device?.os) assert.equal(body.context.device.os, ctx.device.os.toLowerCase(), `${who}: device from the user agent`);
    assertMatchesCli(body, v7, who);
  }
  // Answers that do not depend on the date, checked by hand against examples/storefront.json:
  const by = async (key) => (await flagsFor(mf, CONTEXTS.find((c) => c.key === key))).flags;
  assert.equal((await by('user-bob'))['free-shipping-threshold'].value, 39.9, 'FR → the EU threshold');
  assert.equal((await by('user-farah'))['free-shipping-threshold'].value, 25, 'a pro plan wins over the EU rule');
  const robot = await by(42);
  assert.deepEqual([robot['new-checkout'].value, robot['new-checkout'].ruleId], [true, 'staff'], 'staff e-mail → new checkout');
  assert.equal((await by('user-ada'))['checkout-config'].variant, 'invoice', 'business account → invoice checkout');
  assert.equal((await by('user-mallory'))['holiday-banner'].value, false, 'excluded from the beta segment');

  // Without a CF-IPCountry header the country comes from request.cf.
  const viaCf = await (await mf.dispatchFetch('https://shop.example/api/flags', { headers: { cookie: 'uid=user-bob' }, cf: { country: 'IT' } })).json();
  assert.equal(viaCf.context.country, 'IT');
  assert.equal(viaCf.flags['free-shipping-threshold'].value, 39.9, 'IT → the EU threshold');

  // The HTML page is personalised the same way.
  const bob = CONTEXTS.find((c) => c.key === 'user-bob');
  const res = await mf.dispatchFetch('https://shop.example/', requestInit(bob));
  const html = await res.text();
  const bobFlags = (await flagsFor(mf, bob)).flags;
  assert.match(res.headers.get('content-type'), /text\/html/);
  assert.match(html, /Free shipping from <strong id="shipping-threshold">€39\.90<\/strong>/);
  assert.match(html, new RegExp(`data-theme="${bobFlags.theme.value}"`));
  assert.equal(html.includes('id="holiday-banner"'), bobFlags['holiday-banner'].value);
  assert.match(html, /<meta name="edgeflag-version" content="7">/);

  // A visitor without a uid cookie gets one, and keeps their bucket with it.
  const anon = await mf.dispatchFetch('https://shop.example/api/flags', { cf: { country: 'DE' } });
  const cookie = anon.headers.get('set-cookie');
  assert.match(cookie, /^uid=anon-[0-9a-f-]{36}; Path=\/; Max-Age=31536000; SameSite=Lax; HttpOnly$/);
  const first = await anon.json();
  const again = await (await mf.dispatchFetch('https://shop.example/api/flags', { headers: { cookie: cookie.split(';')[0] }, cf: { country: 'DE' } })).json();
  assert.equal(again.context.key, first.context.key);
  assert.deepEqual(normalise(again.flags), normalise(first.flags));
  assert.equal(await cdnRequests(server.url), 1, 'one snapshot load for all of these requests (refresh every 60 s)');
});

test('a new snapshot is picked up after the refresh interval, and not before', { timeout: 120000 }, async (t) => {
  const server = await cdn(t);
  const mf = await worker(t, `${server.url}${SNAPSHOT}`, { refreshSeconds: 2 });
  const ada = CONTEXTS.find((c) => c.key === 'user-ada');
  const start = Date.now();
  const warm = await flagsFor(mf, ada);
  assert.equal(warm.version, 7);
  assert.equal(warm.flags.recommendations.value, false);
  await admin(server.url, '/admin/stats/reset', {});
  await admin(server.url, '/admin/publish', { action: 'enable', flag: 'recommendations' }); // version 8

  // Within the interval: still version 7, and the CDN is not asked.
  while (Date.now() - start < 1500) {
    assert.equal((await flagsFor(mf, ada)).version, 7);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await cdnRequests(server.url), 0, 'no refresh before REFRESH_SECONDS');

  // After it: one refresh, in the background; version 8 follows.
  await new Promise((r) => setTimeout(r, Math.max(0, start + 2100 - Date.now())));
  const picked = await waitFor(async () => {
    const b = await flagsFor(mf, ada);
    return b.version === 8 ? b : null;
  }, { timeout: 10000, interval: 50, what: 'version 8 at the worker' });
  assert.equal(picked.flags.recommendations.value, true);
  assertMatchesCli(picked, path.join(server.cdnDir, 'v', 'storefront.8.json'), 'Ada at v8');
  assert.equal(await cdnRequests(server.url), 1, 'exactly one snapshot request for the refresh');
});

test('the CDN failing: the last good snapshot keeps serving; a cold isolate serves the fallbacks', { timeout: 120000 }, async (t) => {
  const server = await cdn(t);
  const mf = await worker(t, `${server.url}${SNAPSHOT}`, { refreshSeconds: 1, timeoutMs: 1500 });
  const bob = CONTEXTS.find((c) => c.key === 'user-bob');
  const v7 = path.join(server.cdnDir, 'v', 'storefront.7.json');
  assert.equal((await flagsFor(mf, bob)).version, 7);

  for (const mode of ['down', 'reset', 'hang']) {
    await admin(server.url, '/admin/cdn', { mode });
    const before = (await admin(server.url, '/admin/stats')).requests;
    const until = Date.now() + 2500;
    let served = 0;
    while (Date.now() < until) {
      const t0 = Date.now();
      const body = await flagsFor(mf, bob);
      assert.ok(Date.now() - t0 < 1000, `CDN ${mode}: answered without waiting for the CDN`);
      assert.equal(body.version, 7, `CDN ${mode}: still the last good snapshot`);
      assertMatchesCli(body, v7, `Bob, CDN ${mode}`);
      served++;
      await new Promise((r) => setTimeout(r, 150));
    }
    const stats = await admin(server.url, '/admin/stats');
    assert.ok(stats.requests > before, `CDN ${mode}: the worker did try to refresh`);
    assert.ok(served >= 5);
    const last = await flagsFor(mf, bob);
    if (mode !== 'hang') assert.equal(last.snapshot.status, 'stale', `CDN ${mode}: the client knows it is stale`);
  }

  // Back up, with a new version: the worker recovers.
  await admin(server.url, '/admin/cdn', { mode: 'up' });
  await admin(server.url, '/admin/publish', { action: 'enable', flag: 'recommendations' });
  const recovered = await waitFor(async () => {
    const b = await flagsFor(mf, bob);
    return b.version === 8 ? b : null;
  }, { timeout: 15000, interval: 100, what: 'version 8 after the outage' });
  assert.equal(recovered.snapshot.status, 'ready');

  // A cold isolate (nothing in memory, nothing cached) while the CDN is down: fallbacks, in bounded time.
  await admin(server.url, '/admin/cdn', { mode: 'down' });
  const cold = await worker(t, `${server.url}${SNAPSHOT}`, { refreshSeconds: 1, timeoutMs: 1500 });
  const t0 = Date.now();
  const body = await flagsFor(cold, bob);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(body.version, null);
  assert.equal(body.flags['new-checkout'].value, false);
  assert.equal(body.flags['new-checkout'].errorCode, 'PROVIDER_NOT_READY');
  assert.equal(body.flags.theme.value, 'classic');
});

test('1,000 concurrent requests during a refresh: each answered from the old or the new snapshot, one upstream fetch', { timeout: 180000 }, async (t) => {
  const server = await cdn(t);
  // The refresh interval must outlast the burst, so that the only refresh is the one under test.
  const refreshSeconds = 15;
  const mf = await worker(t, `${server.url}${SNAPSHOT}`, { refreshSeconds, timeoutMs: 60000 });
  const entry = await mf.ready; // workerd's own HTTP socket: real concurrent connections
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  t.after(() => agent.destroy());
  const get = (u) => new Promise((resolve, reject) => {
    const headers = { cookie: `uid=${u.key}${u.plan ? `; plan=${u.plan}` : ''}${u.email ? `; email=${encodeURIComponent(u.email)}` : ''}`, 'cf-ipcountry': u.country };
    http.get(new URL('/api/flags', entry), { agent, headers, timeout: 60000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        try { resolve({ status: res.statusCode, version: res.headers['x-edgeflag-version'], body: JSON.parse(text) }); } catch (err) { reject(err); }
      });
    }).on('error', reject).on('timeout', function onTimeout() { this.destroy(new Error('request timed out')); });
  });

  const warmAt = Date.now();
  assert.equal((await get({ key: 'warm', country: 'DE' })).body.version, 7);
  await admin(server.url, '/admin/publish', { action: 'enable', flag: 'recommendations' }); // version 8
  const engines = {
    7: Engine.fromJSON(fs.readFileSync(path.join(server.cdnDir, 'v', 'storefront.7.json'), 'utf8')),
    8: Engine.fromJSON(fs.readFileSync(path.join(server.cdnDir, 'v', 'storefront.8.json'), 'utf8')),
  };
  t.after(() => { engines[7].free(); engines[8].free(); });
  // The CDN holds the refresh's request until we release it: the refresh is in flight for as long as we want.
  await admin(server.url, '/admin/cdn', { mode: 'hold' });
  await admin(server.url, '/admin/stats/reset', {});
  await new Promise((r) => setTimeout(r, Math.max(0, warmAt + refreshSeconds * 1000 + 200 - Date.now())));

  const countries = ['DE', 'FR', 'US', 'NL', 'JP', 'BE', 'IT', 'ES'];
  const plans = ['free', 'pro', 'enterprise', undefined];
  const users = Array.from({ length: 1000 }, (_, i) => ({
    key: `visitor-${i}`,
    country: countries[i % countries.length],
    plan: plans[i % plans.length],
    email: i % 10 === 0 ? `v${i}@shop.example` : i % 10 === 1 ? `v${i}@beta.example.com` : undefined,
  }));
  // Release the CDN when 400 answers are in: the rest may come from either snapshot.
  let answered = 0;
  let released = null;
  let fetchedBeforeRelease = null;
  const t0 = Date.now();
  const results = await Promise.all(users.map((u) => get(u).then(async (r) => {
    if (++answered === 400) {
      released = (async () => {
        const stats = await admin(server.url, '/admin/stats');
        fetchedBeforeRelease = { requests: stats.byPath[SNAPSHOT] ?? 0, held: stats.held };
        await admin(server.url, '/admin/cdn', { mode: 'up' });
      })();
    }
    return r;
  })));
  await released;
  const elapsed = Date.now() - t0;
  const fetched = await cdnRequests(server.url);

  const versions = { 7: 0, 8: 0 };
  for (let i = 0; i < results.length; i++) {
    const { status, version, body: b } = results[i];
    assert.equal(status, 200);
    assert.ok(b.version === 7 || b.version === 8, `answer ${i}: version ${b.version}`);
    assert.equal(version, String(b.version));
    versions[b.version]++;
    assert.equal(b.context.key, users[i].key);
    assert.equal(b.context.country, users[i].country);
    const expected = engines[b.version].all(b.context, Date.parse(b.evaluatedAt));
    assert.deepEqual(normalise(b.flags), normalise(expected), `answer ${i} (${users[i].key}) equals snapshot ${b.version}`);
    assert.equal(b.flags.recommendations.value, b.version === 8);
  }
  t.diagnostic(`1000 concurrent requests in ${elapsed} ms: ${versions[7]} answered from version 7, ${versions[8]} from version 8; ` +
    `upstream fetches: ${fetchedBeforeRelease.requests} while held (${fetchedBeforeRelease.held} held), ${fetched} in all`);
  assert.deepEqual(fetchedBeforeRelease, { requests: 1, held: 1 }, 'one refresh in flight, one upstream request');
  assert.ok(versions[7] >= 400, 'requests during the refresh were answered at once from the old snapshot');
  assert.equal(fetched, 1, 'exactly one upstream fetch for 1,000 concurrent requests');
  assert.ok(elapsed < refreshSeconds * 1000, `the burst (${elapsed} ms) fits in one refresh interval, so no second refresh was due`);

  // The refresh has landed: version 8 for everyone.
  const done = await waitFor(async () => {
    const r = await get(users[0]);
    return r.body.version === 8 ? r.body : null;
  }, { timeout: 15000, interval: 100, what: 'version 8 after the refresh' });
  assert.equal(done.flags.recommendations.value, true);
});

test('createClient() held in module scope refreshes from later requests too', {
  timeout: 60000,
}, async (t) => {
  const server = await cdn(t);
  const mf = new Miniflare({
    ...workerModules(path.join(WWW, 'test', 'fixtures', 'client-worker.js')),
    bindings: { SNAPSHOT_URL: `${server.url}${SNAPSHOT}` },
    compatibilityDate: '2025-01-01',
    cf: false,
  });
  instances.add(mf);
  t.after(async () => { instances.delete(mf); await mf.dispose(); });
  const first = await (await mf.dispatchFetch('https://shop.example/')).json();
  assert.equal(first.version, 7);
  const second = await (await mf.dispatchFetch('https://shop.example/')).json();
  assert.notEqual(second.status, 'failed', `a refresh from the second request failed: ${second.error}`);
});

// A fresh isolate running test/fixtures/`script` with SNAPSHOT_URL `url`, disposed after the test `t`.
function isolate(t, script, url) {
  const mf = new Miniflare({
    ...workerModules(path.join(WWW, 'test', 'fixtures', script)),
    bindings: { SNAPSHOT_URL: url },
    compatibilityDate: '2025-01-01',
    cf: false,
  });
  instances.add(mf);
  t.after(async () => { instances.delete(mf); await mf.dispose(); });
  return mf;
}

const REGEX_UNAVAILABLE = "`matches` needs edgeflag's regular-expression module, which is not loaded: call initRegex() first";
const OPERATORS_UNAVAILABLE = "`semver_*` and `in_cidr` need edgeflag's operators module (regex.wasm), which is not loaded: call initRegex() first";
const STAFF_RULES = {
  matches: [{ when: { attr: 'email', op: 'matches', value: '@example\\.com$', ignoreCase: true }, serve: 'on' }],
  'semver_gte and in_cidr': [{ when: { all: [{ attr: 'app', op: 'semver_gte', value: '2.3' }, { attr: 'ip', op: 'in_cidr', values: ['10.0.0.0/8', '2001:db8::/32'] }] }, serve: 'on' }],
};
for (const [ops, rules] of Object.entries(STAFF_RULES)) {
  test(`workerd: a client loads a ${ops} snapshot over HTTP with the operators (regular-expression) module passed as a Module`, {
    timeout: 60000,
  }, async (t) => {
    const text = JSON.stringify({ schema: 1, version: 5, flags: { staff: { variants: { on: true, off: false }, default: 'off', rules } } });
    const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const start = () => isolate(t, 'regex-worker.js', `http://127.0.0.1:${server.address().port}/flags.json`);
    // Engine.fromJSON without the module: refused with the problem that says what to do (a fresh isolate).
    const refused = await (await (await start()).dispatchFetch('https://shop.example/?engine')).json();
    assert.deepEqual(refused, {
      loaded: false,
      regexReady: false,
      problems: ops === 'matches'
        ? [{ path: 'flags.staff.rules[0].when', message: REGEX_UNAVAILABLE }]
        : [{ path: 'flags.staff.rules[0].when.all[0]', message: OPERATORS_UNAVAILABLE }, { path: 'flags.staff.rules[0].when.all[1]', message: OPERATORS_UNAVAILABLE }],
    });
    const body = await (await (await start()).dispatchFetch('https://shop.example/')).json();
    assert.deepEqual(body, { version: 5, regexBefore: false, regexAfter: true, values: [true, false] });
  });
}

test('workerd: a refused snapshot gives the paths without the diagnostics module and the messages with it (passed as a Module)', {
  timeout: 60000,
}, async (t) => {
  const text = JSON.stringify({ schema: 1, version: 5, flags: { f: { variants: { on: true, off: false }, default: 'x' } } });
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const ask = async (query) => {
    const mf = isolate(t, 'diagnostics-worker.js', `http://127.0.0.1:${server.address().port}/flags.json`);
    return (await mf.dispatchFetch(`https://shop.example/?${query}`)).json();
  };
  const lean = [{ path: 'flags.f.default', message: "refused: load edgeflag's diagnostics module (initDiagnostics()) for the reason" }];
  const full = [{ path: 'flags.f.default', message: 'unknown variant "x" (variants: on, off)' }];
  assert.deepEqual(await ask('engine'), { before: lean, readyBefore: false, after: full, readyAfter: true });
  assert.deepEqual(await ask('client'), { problems: full, ready: true });
  assert.deepEqual(await ask('plain'), { problems: lean, ready: false });
});
