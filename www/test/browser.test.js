// Browser tests of the storefront demo and the explorer: Debian's Chromium (headless) driven by
// playwright-core, against www/demo/serve.js on a random port. Each test gets its own server (a
// fresh CDN folder at version 7) and its own browser profile. Screenshots: artifacts/screenshots/.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { xxhash3 } from 'hash-wasm';
import {
  CONTEXTS, STOREFRONT, CHROMIUM, admin, cli, cliEval, launchChromium, publishCli, screenshot, startDemoServer, waitFor,
} from './helpers/demo.js';

const NOW = '2026-12-08T12:00:00Z'; // the demo's default date: every release of the example is in force

before(() => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  cli(); // build the CLI now if needed, outside any test's timeout
});

/** One server and one browser for a test; both are closed however the test ends. */
async function session(t, serverArgs = []) {
  const server = await startDemoServer(serverArgs);
  t.after(() => server.stop());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`); });
  return { server, page, problems, base: server.url, cdnDir: `${server.dataDir}/cdn` };
}

async function openDemo(page, base, user, version = '7') {
  await page.goto(`${base}/demo/?user=${encodeURIComponent(user)}&now=${NOW}`);
  await page.waitForFunction((v) => document.body.dataset.started === 'true' && document.body.dataset.snapshotVersion === v, version);
}

/** What the page shows, read from the DOM as a person would see it. */
function readUi(page) {
  return page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const vis = (id) => { const n = $(id); return Boolean(n) && n.checkVisibility(); };
    const terms = $('checkout-terms').textContent;
    const table = {};
    for (const row of document.querySelectorAll('[data-flag-row]')) {
      const cells = [...row.cells].map((c) => c.textContent.trim());
      table[row.dataset.flagRow] = { value: cells[1], variant: cells[2], reason: cells[3], rule: cells[4] };
    }
    return {
      'new-checkout': vis('checkout-new') && !vis('checkout-classic'),
      'holiday-banner': vis('holiday-banner'),
      recommendations: vis('recommendations'),
      theme: document.body.dataset.theme,
      'free-shipping-threshold': Number($('shipping-threshold').textContent.replace('€', '')),
      'checkout-config': {
        steps: [...document.querySelectorAll('#checkout-steps li')].map((li) => li.dataset.step),
        expressPay: vis('express-pay'),
        maxItems: Number(/Up to (\d+) items/.exec(terms)?.[1]),
        paymentDays: /within (\d+) days/.exec(terms) ? Number(/within (\d+) days/.exec(terms)[1]) : null,
      },
      'maintenance-mode': vis('maintenance'),
      table,
      version: document.body.dataset.snapshotVersion,
      user: document.body.dataset.user,
    };
  });
}

/** Asserts that the page shows exactly what the CLI computes for `context` at NOW. */
function assertUiMatchesCli(ui, expected, who) {
  const v = (k) => expected[k].value;
  assert.equal(ui['new-checkout'], v('new-checkout'), `${who}: new checkout`);
  assert.equal(ui['holiday-banner'], v('holiday-banner'), `${who}: holiday banner`);
  assert.equal(ui.recommendations, v('recommendations'), `${who}: recommendations`);
  assert.equal(ui.theme, v('theme'), `${who}: theme`);
  assert.equal(ui['free-shipping-threshold'], v('free-shipping-threshold'), `${who}: free shipping threshold`);
  const cfg = v('checkout-config');
  assert.deepEqual(ui['checkout-config'], {
    steps: cfg.steps, expressPay: cfg.expressPay, maxItems: cfg.maxItems, paymentDays: cfg.paymentTerms?.days ?? null,
  }, `${who}: checkout config`);
  assert.equal(ui['maintenance-mode'], v('maintenance-mode'), `${who}: maintenance mode`);
  // The "why" table: every flag of the snapshot, with the CLI's variant, reason and rule.
  assert.deepEqual(Object.keys(ui.table).sort(), Object.keys(expected).sort(), `${who}: flags in the table`);
  for (const [key, e] of Object.entries(expected)) {
    const row = ui.table[key];
    assert.equal(row.variant, e.variant ?? '—', `${who}: ${key} variant`);
    assert.equal(row.reason, e.reason, `${who}: ${key} reason`);
    if (e.ruleId) assert.equal(row.rule, e.ruleId, `${who}: ${key} rule`);
    if (!row.value.endsWith('…')) assert.deepEqual(JSON.parse(row.value), e.value, `${who}: ${key} value`);
  }
}

test('the gated UI for every example user equals the CLI evaluation of the same snapshot', { timeout: 120000 }, async (t) => {
  const { page, base, problems } = await session(t);
  await openDemo(page, base, CONTEXTS[0].key);
  const shots = { 'user-bob': 'demo-user-bob', 'user-ada': 'demo-user-ada', 42: 'demo-user-ops-robot' };
  let navigations = 0;
  page.on('domcontentloaded', () => { navigations++; });
  const experiences = new Set();
  for (const ctx of CONTEXTS) {
    // The user switcher, as a person would use it (no reload).
    await page.selectOption('#user', String(ctx.key));
    await page.waitForFunction((k) => document.body.dataset.user === k, String(ctx.key));
    const ui = await readUi(page);
    const expected = cliEval(STOREFRONT, ctx, NOW);
    assertUiMatchesCli(ui, expected, `user ${JSON.stringify(ctx.key)}`);
    experiences.add(JSON.stringify({ ...ui, table: null, user: null }));
    if (shots[ctx.key]) await screenshot(page, shots[ctx.key]);
  }
  assert.equal(navigations, 0, 'switching users never reloads the page');
  // The users see different things (the comparison above is not vacuous).
  assert.ok(experiences.size >= 5, `${experiences.size} distinct storefronts among ${CONTEXTS.length} users`);
  assert.deepEqual(problems, []);
});

test('a published kill switch (and a raised rollout) changes the open page without a reload', { timeout: 120000 }, async (t) => {
  const { page, base, problems, cdnDir } = await session(t);
  await openDemo(page, base, 'user-ada');
  let navigations = 0;
  page.on('domcontentloaded', () => { navigations++; });
  await page.evaluate(() => { window.__sameDocument = 'yes'; });
  assert.equal((await readUi(page)).recommendations, false, 'the example ships with recommendations killed');
  assert.equal((await readUi(page))['new-checkout'], false, 'Ada is outside the 30 % rollout');

  // 1. From a shell: enable the feature; the page shows it within the refresh interval.
  const out = publishCli(base, 'enable', 'recommendations');
  assert.match(out, /published version 8/);
  await page.waitForFunction(() => document.getElementById('recommendations').checkVisibility(), null, { timeout: 10000 });
  await screenshot(page, 'demo-recommendations-enabled');

  // 2. From the admin strip: kill it again; it disappears, still without a reload.
  const t0 = Date.now();
  await page.click('[data-admin="kill"][data-flag="recommendations"]');
  await page.waitForFunction(() => document.body.dataset.snapshotVersion === '9' && !document.getElementById('recommendations').checkVisibility(), null, { timeout: 10000 });
  const hiddenAfter = Date.now() - t0;
  assert.ok(hiddenAfter < 8000, `hidden ${hiddenAfter} ms after the publish (refresh interval 2 s)`);
  assert.match(await page.textContent('#admin-message'), /Published v9: kill switch: recommendations disabled/);
  await screenshot(page, 'demo-recommendations-killed');
  const expected9 = cliEval(`${cdnDir}/v/storefront.9.json`, CONTEXTS.find((c) => c.key === 'user-ada'), NOW);
  assertUiMatchesCli(await readUi(page), expected9, 'Ada at v9');

  // 3. Raise the new checkout's rollout to 100 %: Ada gets it.
  await page.fill('#rollout-percent', '100');
  await page.click('[data-admin="rollout"]');
  await page.waitForFunction(() => document.getElementById('checkout-new').checkVisibility(), null, { timeout: 10000 });
  assert.equal(await page.getAttribute('#status-main', 'data-version'), '10');
  await screenshot(page, 'demo-rollout-100');

  assert.equal(await page.evaluate(() => window.__sameDocument), 'yes', 'the same document all along');
  assert.equal(navigations, 0, 'no navigation happened');
  assert.deepEqual(problems, []);
});

test('with the CDN down, the cached values still work after a reload', { timeout: 120000 }, async (t) => {
  const { page, base, problems } = await session(t, ['--max-age', '1']);
  const bob = CONTEXTS.find((c) => c.key === 'user-bob');
  await openDemo(page, base, 'user-bob');
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('edgeflag:snapshot:')));
  const before = await readUi(page);

  await admin(base, '/admin/cdn', { mode: 'down' });
  await new Promise((r) => setTimeout(r, 1300)); // past max-age: the browser's HTTP cache cannot answer
  const statsBefore = await admin(base, '/admin/stats');
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.started === 'true' && document.body.dataset.snapshotVersion === '7');
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'stale', null, { timeout: 10000 });
  assert.equal(await page.getAttribute('#status-main', 'data-source'), 'cache', 'served from the localStorage cache');
  const err = await page.textContent('#status-error');
  assert.match(err, /503/, `the status line reports the failure: ${err}`);
  const after = await readUi(page);
  assertUiMatchesCli(after, cliEval(STOREFRONT, bob, NOW), 'Bob after the reload');
  assert.deepEqual(after, before, 'the same UI as before the outage');
  const stats = await admin(base, '/admin/stats');
  assert.ok((stats.byStatus['503'] ?? 0) > (statsBefore.byStatus['503'] ?? 0), 'the page really asked the CDN and got 503');
  await screenshot(page, 'demo-cdn-down-cached');
  await admin(base, '/admin/cdn', { mode: 'up' });
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'ready', null, { timeout: 10000 });
  assert.deepEqual(problems, []);
});

test('a published invalid snapshot leaves the page working and the error in the status line', { timeout: 120000 }, async (t) => {
  const { page, base, problems } = await session(t);
  await openDemo(page, base, 'user-chen');
  await page.click('[data-admin="invalid"]');
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'stale', null, { timeout: 10000 });
  const err = await page.textContent('#status-error');
  assert.match(err, /flags\.free-shipping-threshold\.rules\[1\]\.when\.op/, `the error names the problem's path: ${err}`);
  assert.match(err, /inn/);
  assert.match(err, /still serving snapshot version 7/);
  assert.equal(await page.getAttribute('#status-main', 'data-version'), '7');
  assertUiMatchesCli(await readUi(page), cliEval(STOREFRONT, CONTEXTS.find((c) => c.key === 'user-chen'), NOW), 'Chen at v7');
  await screenshot(page, 'demo-invalid-snapshot');

  // The page keeps working: switch users, add to the cart.
  await page.selectOption('#user', 'user-farah');
  await page.waitForFunction(() => document.body.dataset.user === 'user-farah');
  assertUiMatchesCli(await readUi(page), cliEval(STOREFRONT, CONTEXTS.find((c) => c.key === 'user-farah'), NOW), 'Farah at v7');
  await page.click('[data-add="tent"] >> nth=0');
  assert.match(await page.textContent('#cart-lines'), /Ridge 2P Tent/);

  // Rolling back publishes good content under a new version: the error clears.
  await page.click('[data-admin="rollback"]');
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'ready' && document.body.dataset.snapshotVersion === '9', null, { timeout: 10000 });
  assert.equal(await page.isVisible('#status-error'), false);
  await screenshot(page, 'demo-rolled-back');
  assert.deepEqual(problems, []);
});

test('the explorer explains a known case: bucket, threshold, reason and the failed condition', { timeout: 120000 }, async (t) => {
  const { page, base, problems } = await session(t);
  const ada = CONTEXTS.find((c) => c.key === 'user-ada');
  const bucketOf = async (input) => Number((BigInt(`0x${await xxhash3(input)}`) * 100000n) >> 64n); // spec §5, independently
  const cliResult = cliEval(STOREFRONT, ada, NOW);

  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${base}/explorer/?user=user-ada&now=${NOW}#flag-new-checkout`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.querySelectorAll('.flag').length > 0);
  assert.equal(await page.locator('.flag').count(), Object.keys(cliResult).length, 'a card for every flag');

  // new-checkout for Ada: the prerequisite holds, rule 0 (staff) fails on her e-mail, rule 1 (30 %) misses.
  const card = page.locator('[data-flag="new-checkout"]');
  assert.equal(await card.getAttribute('data-reason'), cliResult['new-checkout'].reason);
  assert.equal(await card.getAttribute('data-variant'), cliResult['new-checkout'].variant);
  assert.equal(cliResult['new-checkout'].reason, 'DEFAULT');
  const expectedBucket = await bucketOf('new-checkout:user-ada');
  const rollout = card.locator(':scope > .rules > [data-rule-index="1"]');
  assert.equal(await rollout.getAttribute('data-step'), 'not_in_rollout');
  const bucket = rollout.locator('.bucket');
  assert.equal(Number(await bucket.getAttribute('data-bucket')), expectedBucket);
  assert.equal(Number(await bucket.getAttribute('data-threshold')), 30000);
  assert.ok(expectedBucket >= 30000, 'Ada is outside the 30 % (hence DEFAULT)');
  const pos = Number(await bucket.locator('.marker').getAttribute('data-pos'));
  assert.ok(Math.abs(pos - expectedBucket / 1000) < 0.001, `marker at ${pos} %`);
  // The marker is drawn where the bucket falls: right of the 30 % segment.
  const bar = await bucket.locator('.bar').boundingBox();
  const marker = await bucket.locator('.marker').boundingBox();
  const seg = await bucket.locator('.seg.in').boundingBox();
  assert.ok(Math.abs(marker.x + marker.width / 2 - (bar.x + (bar.width * expectedBucket) / 100000)) < 3, 'marker position in pixels');
  assert.ok(Math.abs(seg.width - bar.width * 0.3) < 2, 'the in-rollout segment is 30 % of the bar');
  const caption = await bucket.locator('.bucket-caption').textContent();
  assert.match(caption, new RegExp(`bucket ${expectedBucket.toLocaleString('en-US')} ≥ threshold 30,000 → not in the rollout`));
  const staff = card.locator(':scope > .rules > [data-rule-index="0"]');
  assert.equal(await staff.getAttribute('data-step'), 'condition_false');
  const leaf = staff.locator('.cond[data-kind="attr"][data-attr="email"]');
  assert.equal(await leaf.getAttribute('data-seen'), JSON.stringify(ada.email), 'the attribute value seen');
  assert.match(await leaf.textContent(), /email ends_with "@shop\.example" — seen "ada@example\.com"/);
  assert.equal(await card.locator('[data-prerequisite="checkout-api-v2"]').getAttribute('class'), 'prereq ok');
  await screenshot(page, 'explorer-ada-new-checkout', { clip: await card.boundingBox().then((b) => ({ x: b.x - 8, y: b.y - 8, width: b.width + 16, height: b.height + 16 })) });

  // theme for Ada: a three-way split; the bucket picks "midnight", as the CLI says.
  const theme = page.locator('[data-flag="theme"]');
  assert.equal(await theme.getAttribute('data-variant'), cliResult.theme.variant);
  assert.equal(Number(await theme.locator('.bucket').getAttribute('data-bucket')), await bucketOf('theme-2026:user-ada'));
  assert.equal(await theme.locator('.seg.hit').textContent(), `${cliResult.theme.variant} 33%`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'explorer-ada', { fullPage: true });

  // The context editor validates as you type; a fixed context evaluates again (Bob: in the 30 %).
  await page.fill('#context', '{"key": "user-bob", "country": "FR",');
  await page.waitForFunction(() => document.getElementById('context-status').classList.contains('error'));
  assert.match(await page.textContent('#context-status'), /✗/);
  await screenshot(page, 'explorer-invalid-context');
  await page.fill('#context', '{"key": "user-bob", "country": "FR"}');
  await page.waitForFunction(() => document.querySelector('[data-flag="new-checkout"]')?.dataset.reason === 'SPLIT');
  const bob = cliEval(STOREFRONT, { key: 'user-bob', country: 'FR' }, NOW)['new-checkout'];
  assert.equal(bob.reason, 'SPLIT');
  assert.equal(await card.getAttribute('data-variant'), bob.variant);
  assert.equal(Number(await card.locator(':scope > .rules > [data-rule-index="1"] .bucket').getAttribute('data-bucket')), await bucketOf('new-checkout:user-bob'));
  assert.deepEqual(problems, []);
});
