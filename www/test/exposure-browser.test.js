// The sender's flush on page hide, in Debian's Chromium (headless) driven by playwright-core: a page built
// from the package's browser entry (client from a bootstrap snapshot, the .wasm fetched beside the JS),
// exposures queued by the sender, then the page goes away. The collector (test/helpers/collector.js) serves
// the page and the package's files and records what arrives. Each test has its own collector and browser
// profile; every wait is bounded.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from './helpers/collector.js';

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SNAPSHOT = {
  schema: 1, version: 21, flags: {
    checkout: { variants: { on: true, off: false }, default: 'off',
      rules: [{ id: 'half', serve: { split: [{ variant: 'on', percent: 50 }, { variant: 'off', percent: 50 }] } }] },
    theme: { variants: { light: 'light', dark: 'dark' }, default: 'light' },
  },
};

before(() => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  assert.ok(fs.existsSync(path.join(WWW, 'pkg', 'edgeflag_bg.wasm')), 'www/pkg/ missing: run scripts/build-wasm.sh');
});

/**
 * The page: `users` users read both flags three times each (deduplicated to one exposure per user and
 * flag); the sender neither reaches batchSize nor has a timer, so everything waits for the page hide.
 */
function pageHtml({ users, senderOptions = {} }) {
  return `<!doctype html><meta charset="utf-8"><title>exposures</title><body>
<script type="module">
  import { createClient, initWasm } from '/src/index.js';
  import { createExposures, createSender } from '/src/exposure.js';
  await initWasm();
  const client = createClient({ bootstrap: ${JSON.stringify(SNAPSHOT)}, storage: false });
  const sender = createSender({ url: '/collect', batchSize: 100000, maxQueue: 100000, flushInterval: 0, retries: 0,
    random: () => 0.999, // backoff delays at their cap: deterministic
    ...${JSON.stringify(senderOptions)} });
  const exposures = createExposures({ client, onExposure: sender.send });
  for (let round = 0; round < 3; round++) {
    for (let u = 0; u < ${users}; u++) {
      client.boolean('checkout', false, { key: 'user-' + u });
      client.string('theme', 'light', { key: 'user-' + u });
    }
  }
  window.edgeflagTest = { sender, exposures, client };
  document.body.dataset.ready = 'true';
</script>`;
}

async function session(t, html) {
  const collector = await startCollector();
  t.after(() => collector.close());
  collector.serveFiles(WWW).page('/exposures.html', html).page('/elsewhere.html', '<!doctype html><p>elsewhere</p>')
    .page('/favicon.ico', '');
  const { chromium } = await import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeflag-exposure-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  context.setDefaultTimeout(15_000);
  t.after(async () => {
    await context.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(`${collector.origin}/exposures.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return { collector, context, page, problems };
}

const stats = (page) => page.evaluate(() => ({ sender: edgeflagTest.sender.stats(), exposures: edgeflagTest.exposures.stats() }));

test('navigating away flushes the queue with sendBeacon (pagehide), in bodies under the beacon limit', async (t) => {
  const users = 150; // 300 exposures, about 40 KB of JSON: two beacons of at most 30 000 bytes
  const { collector, page, problems } = await session(t, pageHtml({ users, senderOptions: { maxBeaconBytes: 30_000 } }));
  const before = await stats(page);
  assert.deepEqual([before.exposures.evaluations, before.exposures.exposures, before.exposures.deduplicated], [900, 300, 600]);
  assert.deepEqual([before.sender.queued, before.sender.requests, collector.requests.length], [300, 0, 0], 'nothing sent before the page hides');

  await page.goto(`${collector.origin}/elsewhere.html`);
  await collector.waitForEvents(300, 10_000);
  assert.equal(collector.requests.length, 2, 'two beacons');
  for (const r of collector.requests) {
    assert.equal(r.headers['content-type'].toLowerCase(), 'text/plain;charset=utf-8', 'a beacon: CORS-safelisted type, JSON body');
    assert.ok(Buffer.byteLength(r.body) <= 30_000, `beacon of ${Buffer.byteLength(r.body)} bytes`);
  }
  const keys = new Set(collector.events.map((e) => `${e.contextKey}/${e.flag}`));
  assert.equal(keys.size, 300, 'each (user, flag) exposure exactly once');
  const e = collector.events.find((x) => x.contextKey === 'user-0' && x.flag === 'theme');
  assert.deepEqual({ ...e, time: 0 }, { flag: 'theme', variant: 'light', reason: 'STATIC', ruleId: null, contextKey: 'user-0', version: 21, time: 0 });
  assert.deepEqual(problems, []);
  t.diagnostic(`page hide: ${collector.events.length} exposures (of 900 evaluations) delivered in ${collector.requests.length} beacons`);
});

test('closing the page (runBeforeUnload) delivers the queued exposures', async (t) => {
  const { collector, page } = await session(t, pageHtml({ users: 20 }));
  assert.equal((await stats(page)).sender.queued, 40);
  await page.close({ runBeforeUnload: true });
  await collector.waitForEvents(40, 10_000);
  assert.equal(collector.requests.length, 1);
  assert.equal(collector.events.length, 40);
});

test('visibilitychange to hidden flushes by beacon; the page stays usable and later exposures queue again', async (t) => {
  const { collector, page } = await session(t, pageHtml({ users: 10 }));
  // Headless Chromium never hides a page by itself: make document.visibilityState read "hidden" and
  // dispatch a real visibilitychange event (the listener, sendBeacon and the network are real).
  const handed = await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
    return edgeflagTest.sender.stats();
  });
  assert.deepEqual([handed.queued, handed.beacons, handed.sent], [0, 1, 20]);
  await collector.waitForEvents(20, 10_000);
  // Visible again: new exposures queue and wait for the next hide.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
    edgeflagTest.client.boolean('checkout', false, { key: 'late-user' });
  });
  assert.equal((await stats(page)).sender.queued, 1);
  await page.goto(`${collector.origin}/elsewhere.html`);
  await collector.waitForEvents(21, 10_000);
  assert.equal(collector.events.at(-1).contextKey, 'late-user');
});

test('a batch waiting for a retry is taken over by the page hide; without sendBeacon, fetch keepalive carries it', async (t) => {
  const { collector, page } = await session(t, pageHtml({
    users: 5,
    senderOptions: { batchSize: 4, retries: { retries: 3, baseDelay: 60_000, maxDelay: 60_000 }, beacon: false },
  }));
  // While the page loaded, 10 exposures made two batches of 4 (answered 204); 2 wait in the queue.
  await collector.waitForEvents(8, 10_000);
  // Four more: a batch of 4 goes at once and fails; its retry waits a minute.
  collector.next(503);
  await page.evaluate(() => {
    for (let u = 100; u < 104; u++) edgeflagTest.client.boolean('checkout', false, { key: 'user-' + u });
  });
  await collector.waitForRequests(3, 10_000);
  assert.equal(collector.requests.at(-1).status, 503);
  await page.waitForFunction(() => edgeflagTest.sender.stats().retries === 1); // the page has read the 503
  const waiting = await stats(page);
  assert.deepEqual([waiting.sender.inFlight, waiting.sender.queued, waiting.sender.retries], [4, 2, 1]);
  await page.goto(`${collector.origin}/elsewhere.html`);
  await collector.waitForEvents(14, 10_000);
  const last = collector.requests.at(-1);
  assert.equal(last.headers['content-type'], 'application/json', 'fetch with keepalive, not a beacon');
  assert.deepEqual(last.events.map((e) => e.contextKey).sort(), ['user-100', 'user-101', 'user-102', 'user-103', 'user-4', 'user-4'].sort());
});
