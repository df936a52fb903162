// The OpenFeature providers (src/openfeature/web.js, server.js) with the REAL OpenFeature SDKs, the real
// wasm engine, and snapshots served by the real HTTP test server (test/helpers/cdn-server.js).
// The SDKs are process-wide singletons: every test resets them when it ends. Waits are for events
// (bounded by timeouts), never for wall-clock races.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, initWasm, memoryStorage } from '../src/index.node.js';
import { EdgeflagWebProvider, toEdgeflagContext } from 'edgeflag/openfeature/web';
import { EdgeflagServerProvider } from 'edgeflag/openfeature/server';
import { createExposures } from 'edgeflag/exposure';
import * as web from '@openfeature/web-sdk';
import * as server from '@openfeature/server-sdk';
import { changedFlags } from '../src/changes.js';
import { startCdn, fault } from './helpers/cdn-server.js';
import { cdnFor, clientFor } from './helpers/client-fixtures.js';

await initWasm();

const WebOF = web.OpenFeature;
const ServerOF = server.OpenFeature;

/** A snapshot exercising every reason and value type; values name the version so a test sees which is served. */
function snapshot(version, { checkoutRule = 'u-beta' } = {}) {
  return {
    schema: 1,
    version,
    environment: 'test',
    segments: { germany: { when: { attr: 'country', op: 'eq', value: 'DE' } } },
    flags: {
      checkout: {
        variants: { on: true, off: false }, default: 'off', metadata: { team: 'payments', experiment: 'exp-7' },
        rules: [{ id: 'beta', when: { attr: 'key', op: 'in', values: [checkoutRule] }, serve: 'on' }],
      },
      banner: { variants: { plain: `banner-v${version}` }, default: 'plain' },
      limit: {
        variants: { low: 10 * version, high: 1000 }, default: 'high',
        rules: [{ id: 'ab', serve: { split: [{ variant: 'low', percent: 100 }, { variant: 'high', percent: 0 }], by: 'key' } }],
      },
      config: { variants: { v: { steps: ['cart', 'pay'], version } }, default: 'v' },
      legacy: { variants: { on: true, off: false }, default: 'on', enabled: false, offVariant: 'off' },
      gated: {
        variants: { new: 'new-flow', old: 'old-flow' }, default: 'new', offVariant: 'old',
        requires: [{ flag: 'checkout', variants: ['on'] }],
      },
      regional: {
        variants: { eu: 'eu', world: 'world' }, default: 'world',
        rules: [{ id: 'de', when: { segment: 'germany' }, serve: 'eu' }],
      },
    },
  };
}

const cdnAt = (t, version = 1) => cdnFor(t, { snapshot: snapshot(version) });

/** Resets an SDK singleton after the test: providers closed, handlers, hooks and context cleared. */
function resetAfter(t, api) {
  t.after(async () => {
    await api.close();
    await api.clearProviders();
    api.clearHandlers();
    api.clearHooks();
    await api.setContext({});
  });
}

/**
 * Adds an API handler that hears only events emitted from now on: the SDK calls a new handler at once, from
 * addHandler, when the provider's status already matches its event type (READY, ERROR, STALE).
 */
function listen(api, type, fn) {
  let armed = false;
  const handler = (details) => { if (armed) fn(details); };
  api.addHandler(type, handler);
  armed = true;
  return () => api.removeHandler(type, handler);
}

/** Records every provider event the API emits from now on: [{type, details}]. */
function recordEvents(api, events) {
  const seen = [];
  for (const type of Object.values(events)) listen(api, type, (details) => seen.push({ type, details }));
  return seen;
}

/** The next event of `type` from `api`, or a rejection after `timeout` ms. */
function nextEvent(api, type, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${type} within ${timeout} ms`)); }, timeout);
    const off = listen(api, type, (details) => { clearTimeout(timer); off(); resolve(details); });
  });
}

/** A hook that logs every stage it sees: [stage, flagKey, extra]. */
function recordingHook(log, name = 'hook') {
  return {
    before(ctx) { log.push([name, 'before', ctx.flagKey, ctx.context.targetingKey ?? null]); },
    after(ctx, details) { log.push([name, 'after', ctx.flagKey, details.variant ?? null]); },
    error(ctx, err) { log.push([name, 'error', ctx.flagKey, err.code ?? null]); },
    finally(ctx, details) { log.push([name, 'finally', ctx.flagKey, details.reason]); },
  };
}

// ---- mapping (pure) ------------------------------------------------------------------------------

test('context mapping: targetingKey becomes key, the rest passes through', () => {
  assert.deepEqual(toEdgeflagContext({ targetingKey: 'u1', country: 'DE', device: { os: 'ios' } }), { key: 'u1', country: 'DE', device: { os: 'ios' } });
  assert.deepEqual(toEdgeflagContext({ key: 'k', targetingKey: 'u1' }), { key: 'u1' }, 'targetingKey wins over key');
  assert.deepEqual(toEdgeflagContext({ key: 'k' }), { key: 'k' });
  assert.deepEqual(toEdgeflagContext(undefined), {});
});

test('flagsChanged: own changes, segments (nested), prerequisites (transitive), added and removed; null when unknown', () => {
  const base = {
    schema: 1, version: 1,
    segments: { inner: { include: ['a'] }, outer: { when: { segment: 'inner' } }, other: { include: ['z'] } },
    flags: {
      a: { variants: { on: true }, default: 'on', rules: [{ when: { segment: 'outer' }, serve: 'on' }] },
      b: { variants: { on: true }, default: 'on', requires: [{ flag: 'a', variants: ['on'] }] },
      c: { variants: { on: true }, default: 'on', requires: [{ flag: 'b', variants: ['on'] }] },
      d: { variants: { on: true }, default: 'on', rules: [{ when: { segment: 'other' }, serve: 'on' }] },
      e: { variants: { on: true }, default: 'on' },
    },
  };
  const diff = (edit) => {
    const next = structuredClone(base);
    next.version = 2;
    edit(next);
    return changedFlags(JSON.stringify(base), JSON.stringify(next));
  };
  assert.deepEqual(diff(() => {}), []);
  assert.deepEqual(diff((n) => { n.publishedAt = '2026-01-01T00:00:00Z'; n.metadata = { x: 1 }; n.environment = 'prod'; }), []);
  assert.deepEqual(diff((n) => { n.segments.inner.include.push('b'); }), ['a', 'b', 'c'], 'nested segment, then prerequisites');
  assert.deepEqual(diff((n) => { n.flags.b.metadata = { owner: 'x' }; }), ['b', 'c']);
  assert.deepEqual(diff((n) => { n.segments.other.include = []; }), ['d']);
  assert.deepEqual(diff((n) => { delete n.flags.e; n.flags.f = { variants: { x: 1 }, default: 'x' }; }), ['f', 'e']);
  assert.equal(diff((n) => { n.schema = 2; }), null);
  assert.equal(diff((n) => { n.extension = {}; }), null);
  assert.equal(changedFlags('{', '{}'), null);
});

test('the providers refuse anything but an edgeflag client; metadata and runsOn', (t) => {
  assert.throws(() => new EdgeflagServerProvider({}), TypeError);
  assert.throws(() => new EdgeflagWebProvider(null), TypeError);
  const client = clientFor(t, { bootstrap: snapshot(1) });
  const s = new EdgeflagServerProvider(client);
  const w = new EdgeflagWebProvider(client);
  assert.deepEqual([s.metadata, s.runsOn], [{ name: 'edgeflag' }, 'server']);
  assert.deepEqual([w.metadata, w.runsOn], [{ name: 'edgeflag' }, 'client']);
  assert.equal(w.client, client);
});

// ---- server SDK ---------------------------------------------------------------------------------

test('server: every value type, reason, variant, error code and flag metadata, mapped one to one', async (t) => {
  resetAfter(t, ServerOF);
  const cdn = await cdnAt(t, 4);
  const client = clientFor(t, { url: cdn.url });
  const events = recordEvents(ServerOF, server.ProviderEvents);
  await ServerOF.setProviderAndWait(new EdgeflagServerProvider(client));
  assert.equal(cdn.count, 1);
  assert.equal(ServerOF.getClient().providerStatus, server.ProviderStatus.READY);
  assert.deepEqual(events.map((e) => e.type), [server.ProviderEvents.Ready]);
  assert.equal(ServerOF.providerMetadata.name, 'edgeflag');

  const of = ServerOF.getClient();
  const beta = { targetingKey: 'u-beta' };
  const anon = { targetingKey: 'u-1' };
  const meta = (extra) => ({ team: 'payments', experiment: 'exp-7', snapshotVersion: 4, ...extra });

  // boolean: TARGETING_MATCH with rule id/index, DEFAULT
  let d = await of.getBooleanDetails('checkout', false, beta);
  assert.deepEqual(d, { flagKey: 'checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: meta({ ruleId: 'beta', ruleIndex: 0 }) });
  d = await of.getBooleanDetails('checkout', true, anon);
  assert.deepEqual(d, { flagKey: 'checkout', value: false, variant: 'off', reason: 'DEFAULT', flagMetadata: meta() });
  assert.equal(await of.getBooleanValue('checkout', false, beta), true);
  // boolean: DISABLED
  d = await of.getBooleanDetails('legacy', true, anon);
  assert.deepEqual([d.value, d.variant, d.reason, d.errorCode], [false, 'off', 'DISABLED', undefined]);
  // string: STATIC; PREREQUISITE_FAILED kept as a custom reason, with the prerequisite in the metadata
  d = await of.getStringDetails('banner', 'x', anon);
  assert.deepEqual([d.value, d.variant, d.reason], ['banner-v4', 'plain', 'STATIC']);
  d = await of.getStringDetails('gated', 'x', anon);
  assert.deepEqual([d.value, d.variant, d.reason, d.flagMetadata], ['old-flow', 'old', 'PREREQUISITE_FAILED', { prerequisite: 'checkout', snapshotVersion: 4 }]);
  d = await of.getStringDetails('gated', 'x', beta);
  assert.deepEqual([d.value, d.variant, d.reason], ['new-flow', 'new', 'STATIC']);
  // number: SPLIT
  d = await of.getNumberDetails('limit', 0, anon);
  assert.deepEqual([d.value, d.variant, d.reason, d.flagMetadata.ruleId, d.flagMetadata.ruleIndex], [40, 'low', 'SPLIT', 'ab', 0]);
  // object (edgeflag json)
  d = await of.getObjectDetails('config', {}, anon);
  assert.deepEqual(d.value, { steps: ['cart', 'pay'], version: 4 });
  assert.deepEqual([d.variant, d.reason], ['v', 'STATIC']);
  // a segment rule on an attribute of the context
  assert.equal(await of.getStringValue('regional', 'x', { targetingKey: 'u-1', country: 'DE' }), 'eu');
  assert.equal(await of.getStringValue('regional', 'x', { targetingKey: 'u-1', country: 'FR' }), 'world');

  // errors: FLAG_NOT_FOUND, TYPE_MISMATCH (with the flag's metadata), the default value and reason ERROR
  d = await of.getBooleanDetails('nope', true, anon);
  assert.deepEqual([d.value, d.reason, d.errorCode, d.variant], [true, 'ERROR', 'FLAG_NOT_FOUND', undefined]);
  assert.match(d.errorMessage, /flag "nope" not found/);
  d = await of.getNumberDetails('checkout', 5, anon);
  assert.deepEqual([d.value, d.reason, d.errorCode], [5, 'ERROR', 'TYPE_MISMATCH']);
  assert.match(d.errorMessage, /of type boolean, not number/);
  assert.deepEqual(d.flagMetadata, meta());
  d = await of.getObjectDetails('banner', { fb: 1 }, anon);
  assert.deepEqual([d.value, d.errorCode], [{ fb: 1 }, 'TYPE_MISMATCH']);
  d = await of.getStringDetails('limit', 'fb', anon);
  assert.equal(d.errorCode, 'TYPE_MISMATCH');
});

test('server: hooks see every stage (before/after/finally, before/error/finally) and a before hook adds context', async (t) => {
  resetAfter(t, ServerOF);
  const client = clientFor(t, { bootstrap: snapshot(2) });
  await ServerOF.setProviderAndWait(new EdgeflagServerProvider(client));
  const log = [];
  ServerOF.addHooks(recordingHook(log, 'api'));
  const of = ServerOF.getClient();
  of.addHooks(recordingHook(log, 'client'));
  // The context travels: global → client → invocation, and a before hook may add to it.
  ServerOF.setContext({ country: 'FR' });
  of.setContext({ plan: 'pro' });
  const seen = [];
  const addGermany = { before: (ctx) => { seen.push({ ...ctx.context }); return { country: 'DE' }; } };

  assert.equal(await of.getStringValue('regional', 'x', { targetingKey: 'u-1' }, { hooks: [addGermany, recordingHook(log, 'call')] }), 'eu');
  assert.deepEqual(seen, [{ country: 'FR', plan: 'pro', targetingKey: 'u-1' }]);
  assert.deepEqual(log, [
    ['api', 'before', 'regional', 'u-1'], ['client', 'before', 'regional', 'u-1'], ['call', 'before', 'regional', 'u-1'],
    ['call', 'after', 'regional', 'eu'], ['client', 'after', 'regional', 'eu'], ['api', 'after', 'regional', 'eu'],
    ['call', 'finally', 'regional', 'TARGETING_MATCH'], ['client', 'finally', 'regional', 'TARGETING_MATCH'], ['api', 'finally', 'regional', 'TARGETING_MATCH'],
  ]);

  log.length = 0;
  assert.equal(await of.getBooleanValue('missing', false, { targetingKey: 'u-1' }), false);
  assert.deepEqual(log, [
    ['api', 'before', 'missing', 'u-1'], ['client', 'before', 'missing', 'u-1'],
    ['client', 'error', 'missing', 'FLAG_NOT_FOUND'], ['api', 'error', 'missing', 'FLAG_NOT_FOUND'],
    ['client', 'finally', 'missing', 'ERROR'], ['api', 'finally', 'missing', 'ERROR'],
  ]);

  log.length = 0;
  assert.equal(await of.getStringValue('checkout', 'fb', { targetingKey: 'u-1' }), 'fb');
  assert.deepEqual(log.filter((l) => l[1] === 'error').map((l) => l[3]), ['TYPE_MISMATCH', 'TYPE_MISMATCH']);
  // The after hook's details carry the flag metadata as the provider built it.
  let after = null;
  await of.getBooleanValue('checkout', false, { targetingKey: 'u-beta' }, { hooks: [{ after: (ctx, d) => { after = d; } }] });
  assert.deepEqual(after.flagMetadata, { team: 'payments', experiment: 'exp-7', ruleId: 'beta', ruleIndex: 0, snapshotVersion: 2 });
});

test('server: PROVIDER_NOT_READY from the SDK before initialize ends, then from the provider after a failed start; ERROR then READY', async (t) => {
  resetAfter(t, ServerOF);
  const cdn = await cdnAt(t, 3);
  cdn.next(fault.hang());
  const client = clientFor(t, { url: cdn.url, timeout: 300 });
  const events = recordEvents(ServerOF, server.ProviderEvents);
  const provider = new EdgeflagServerProvider(client);
  const init = ServerOF.setProviderAndWait(provider);
  // While initialize waits, the SDK short-circuits.
  let d = await ServerOF.getClient().getBooleanDetails('checkout', true, { targetingKey: 'u-beta' });
  assert.deepEqual([d.value, d.reason, d.errorCode], [true, 'ERROR', 'PROVIDER_NOT_READY']);
  assert.match(d.errorMessage, /provider has not yet initialized/);
  // The hang times out (timeout 300 ms, no retries): initialize rejects and the SDK reports ERROR.
  await assert.rejects(init, (err) => err.kind === 'timeout');
  assert.equal(ServerOF.getClient().providerStatus, server.ProviderStatus.ERROR);
  assert.deepEqual(events.map((e) => e.type), [server.ProviderEvents.Error]);
  // Now evaluations reach the provider, which has no snapshot: PROVIDER_NOT_READY from edgeflag itself.
  d = await ServerOF.getClient().getBooleanDetails('checkout', true, { targetingKey: 'u-beta' });
  assert.deepEqual([d.value, d.reason, d.errorCode], [true, 'ERROR', 'PROVIDER_NOT_READY']);
  assert.match(d.errorMessage, /no snapshot loaded yet/);

  // Another failed load is mapped to ERROR by the provider...
  cdn.next(fault.status(500));
  const error = nextEvent(ServerOF, server.ProviderEvents.Error);
  await client.refresh();
  assert.match((await error).message, /HTTP 500|500/);
  assert.equal(provider.client.status, 'error');
  // ...and the first snapshot to arrive to READY.
  const ready = nextEvent(ServerOF, server.ProviderEvents.Ready);
  await client.refresh();
  await ready;
  assert.equal(ServerOF.getClient().providerStatus, server.ProviderStatus.READY);
  assert.equal(await ServerOF.getClient().getBooleanValue('checkout', false, { targetingKey: 'u-beta' }), true);
  assert.deepEqual(events.map((e) => e.type), [server.ProviderEvents.Error, server.ProviderEvents.Error, server.ProviderEvents.Ready]);
});

test('server: CONFIGURATION_CHANGED with flagsChanged, STALE on a failed refresh, READY again on recovery', async (t) => {
  resetAfter(t, ServerOF);
  const cdn = await cdnAt(t, 1);
  const client = clientFor(t, { url: cdn.url });
  await ServerOF.setProviderAndWait(new EdgeflagServerProvider(client));
  const events = recordEvents(ServerOF, server.ProviderEvents);
  const of = ServerOF.getClient();

  // A new version that changes only `checkout`'s rule (and the version-named values of banner, limit, config).
  cdn.publish(snapshot(2, { checkoutRule: 'u-new' }));
  let changed = nextEvent(ServerOF, server.ProviderEvents.ConfigurationChanged);
  assert.equal((await client.refresh()).status, 'updated');
  let details = await changed;
  assert.deepEqual(details.flagsChanged, ['checkout', 'banner', 'limit', 'config', 'gated']);
  assert.deepEqual(details.metadata, { snapshotVersion: 2, previousVersion: 1, source: 'network' });
  assert.equal(details.providerName, 'edgeflag');
  assert.equal(await of.getBooleanValue('checkout', false, { targetingKey: 'u-new' }), true);

  // A refresh that fails: STALE; the snapshot held is still served with its real reasons.
  cdn.next(fault.status(503));
  const stale = nextEvent(ServerOF, server.ProviderEvents.Stale);
  assert.equal((await client.refresh()).status, 'failed');
  const s = await stale;
  assert.match(s.message, /still serving snapshot version 2/);
  assert.deepEqual(s.metadata, { snapshotVersion: 2, failures: 1, errorKind: 'http' });
  assert.equal(of.providerStatus, server.ProviderStatus.STALE);
  const d = await of.getBooleanDetails('checkout', false, { targetingKey: 'u-new' });
  assert.deepEqual([d.value, d.reason, d.flagMetadata.snapshotVersion], [true, 'TARGETING_MATCH', 2]);

  // Recovery with a new version: READY, then CONFIGURATION_CHANGED.
  cdn.publish(snapshot(3, { checkoutRule: 'u-new' }));
  changed = nextEvent(ServerOF, server.ProviderEvents.ConfigurationChanged);
  await client.refresh();
  details = await changed;
  assert.deepEqual(details.flagsChanged, ['banner', 'limit', 'config']);
  assert.equal(of.providerStatus, server.ProviderStatus.READY);
  assert.deepEqual(events.map((e) => e.type), [
    server.ProviderEvents.ConfigurationChanged, server.ProviderEvents.Stale, server.ProviderEvents.Ready, server.ProviderEvents.ConfigurationChanged,
  ]);

  // Recovery without a new version (304): no client event; the provider notices at the next evaluation.
  cdn.next(fault.status(500));
  await client.refresh();
  assert.equal(of.providerStatus, server.ProviderStatus.STALE);
  assert.equal((await client.refresh()).status, 'not-modified');
  assert.equal(client.status, 'ready');
  const ready = nextEvent(ServerOF, server.ProviderEvents.Ready);
  await of.getBooleanValue('checkout', false, { targetingKey: 'u-1' });
  await ready;
  assert.equal(of.providerStatus, server.ProviderStatus.READY);

  // A change of segments only: flagsChanged names the flags using the segment.
  const next = snapshot(4, { checkoutRule: 'u-new' });
  next.segments.germany.when = { attr: 'country', op: 'in', values: ['DE', 'AT'] };
  next.flags.banner.variants.plain = 'banner-v3';
  next.flags.limit.variants.low = 30;
  next.flags.config.variants.v.version = 3;
  cdn.publish(next);
  changed = nextEvent(ServerOF, server.ProviderEvents.ConfigurationChanged);
  await client.refresh();
  assert.deepEqual((await changed).flagsChanged, ['regional']);
  assert.equal(await of.getStringValue('regional', 'x', { targetingKey: 'u', country: 'AT' }), 'eu');
});

test('server: a client already stale when the provider starts: READY from the SDK, then STALE', async (t) => {
  resetAfter(t, ServerOF);
  const cdn = await cdnAt(t, 2);
  cdn.always(fault.status(500));
  const client = clientFor(t, { url: cdn.url, bootstrap: snapshot(1) });
  await new Promise((resolve) => client.on('stale', resolve));
  const events = recordEvents(ServerOF, server.ProviderEvents);
  const stale = nextEvent(ServerOF, server.ProviderEvents.Stale);
  await ServerOF.setProviderAndWait(new EdgeflagServerProvider(client));
  await stale;
  assert.equal(ServerOF.getClient().providerStatus, server.ProviderStatus.STALE);
  assert.deepEqual(events.map((e) => e.type), [server.ProviderEvents.Ready, server.ProviderEvents.Stale]);
  assert.equal(await ServerOF.getClient().getNumberValue('limit', 0, { targetingKey: 'u' }), 10, 'the bootstrap is served');
});

test('server: OpenFeature.close() closes the client (closeClient: false keeps it)', async (t) => {
  resetAfter(t, ServerOF);
  const owned = clientFor(t, { bootstrap: snapshot(1) });
  const kept = clientFor(t, { bootstrap: snapshot(1) });
  await ServerOF.setProviderAndWait('a', new EdgeflagServerProvider(owned));
  await ServerOF.setProviderAndWait('b', new EdgeflagServerProvider(kept, { closeClient: false }));
  await ServerOF.close();
  assert.equal(owned.status, 'closed');
  assert.equal(kept.status, 'ready');
});

// ---- web SDK ------------------------------------------------------------------------------------

test('web: static context, every value type, and a context change re-evaluates', async (t) => {
  resetAfter(t, WebOF);
  const cdn = await cdnAt(t, 5);
  const client = clientFor(t, { url: cdn.url });
  const events = recordEvents(WebOF, web.ProviderEvents);
  await WebOF.setProviderAndWait(new EdgeflagWebProvider(client), { targetingKey: 'u-1', country: 'FR' });
  const of = WebOF.getClient();
  assert.equal(of.providerStatus, web.ProviderStatus.READY);
  assert.equal(of.getBooleanValue('checkout', true), false);
  assert.equal(of.getStringValue('regional', 'x'), 'world');
  assert.equal(of.getNumberValue('limit', 0), 50);
  assert.deepEqual(of.getObjectValue('config', {}), { steps: ['cart', 'pay'], version: 5 });
  let d = of.getBooleanDetails('checkout', true);
  assert.deepEqual(d, { flagKey: 'checkout', value: false, variant: 'off', reason: 'DEFAULT',
    flagMetadata: { team: 'payments', experiment: 'exp-7', snapshotVersion: 5 } });
  d = of.getStringDetails('gated', 'x');
  assert.deepEqual([d.value, d.reason, d.flagMetadata.prerequisite], ['old-flow', 'PREREQUISITE_FAILED', 'checkout']);
  assert.equal(of.getBooleanDetails('legacy', true).reason, 'DISABLED');
  assert.equal(of.getStringDetails('banner', '').reason, 'STATIC');
  assert.equal(of.getNumberDetails('limit', 0).reason, 'SPLIT');
  d = of.getStringDetails('nope', 'fb');
  assert.deepEqual([d.value, d.reason, d.errorCode], ['fb', 'ERROR', 'FLAG_NOT_FOUND']);
  d = of.getBooleanDetails('banner', true);
  assert.deepEqual([d.value, d.reason, d.errorCode], [true, 'ERROR', 'TYPE_MISMATCH']);

  // A context change: the provider rebinds, the SDK says PROVIDER_CONTEXT_CHANGED, reads follow.
  const contextChanged = nextEvent(WebOF, web.ProviderEvents.ContextChanged);
  await WebOF.setContext({ targetingKey: 'u-beta', country: 'DE' });
  await contextChanged;
  assert.equal(of.getBooleanValue('checkout', false), true);
  assert.equal(of.getStringValue('regional', 'x'), 'eu');
  d = of.getStringDetails('gated', 'x');
  assert.deepEqual([d.value, d.reason], ['new-flow', 'STATIC']);
  assert.equal(of.providerStatus, web.ProviderStatus.READY);
  assert.deepEqual(events.map((e) => e.type), [web.ProviderEvents.Ready, web.ProviderEvents.ContextChanged]);
  assert.equal(cdn.count, 1, 'a context change is evaluated locally: no request');
});

test('web: hooks (before/after/error/finally) see the static context', async (t) => {
  resetAfter(t, WebOF);
  const client = clientFor(t, { bootstrap: snapshot(1) });
  await WebOF.setProviderAndWait(new EdgeflagWebProvider(client), { targetingKey: 'u-beta' });
  const log = [];
  WebOF.addHooks(recordingHook(log, 'api'));
  const of = WebOF.getClient();
  assert.equal(of.getBooleanValue('checkout', false, { hooks: [recordingHook(log, 'call')] }), true);
  assert.deepEqual(log, [
    ['api', 'before', 'checkout', 'u-beta'], ['call', 'before', 'checkout', 'u-beta'],
    ['call', 'after', 'checkout', 'on'], ['api', 'after', 'checkout', 'on'],
    ['call', 'finally', 'checkout', 'TARGETING_MATCH'], ['api', 'finally', 'checkout', 'TARGETING_MATCH'],
  ]);
  log.length = 0;
  assert.deepEqual(of.getObjectValue('checkout', { a: 1 }), { a: 1 });
  assert.deepEqual(log, [
    ['api', 'before', 'checkout', 'u-beta'], ['api', 'error', 'checkout', 'TYPE_MISMATCH'], ['api', 'finally', 'checkout', 'ERROR'],
  ]);
});

test('web: READY, CONFIGURATION_CHANGED, STALE (kept across a context change) and ERROR mapped from the client', async (t) => {
  resetAfter(t, WebOF);
  const cdn = await cdnAt(t, 1);
  cdn.next(fault.status(500));
  const client = clientFor(t, { url: cdn.url });
  const events = recordEvents(WebOF, web.ProviderEvents);
  const provider = new EdgeflagWebProvider(client, { readyTimeout: 2000 });
  await assert.rejects(WebOF.setProviderAndWait(provider, { targetingKey: 'u-beta' }), (err) => err.kind === 'http');
  const of = WebOF.getClient();
  assert.equal(of.providerStatus, web.ProviderStatus.ERROR);
  let d = of.getBooleanDetails('checkout', false);
  assert.deepEqual([d.value, d.errorCode], [false, 'PROVIDER_NOT_READY']);

  const ready = nextEvent(WebOF, web.ProviderEvents.Ready);
  await client.refresh();
  await ready;
  assert.equal(of.providerStatus, web.ProviderStatus.READY);
  assert.equal(of.getBooleanValue('checkout', false), true);

  cdn.publish(snapshot(2, { checkoutRule: 'u-other' }));
  const changed = nextEvent(WebOF, web.ProviderEvents.ConfigurationChanged);
  await client.refresh();
  assert.deepEqual((await changed).flagsChanged, ['checkout', 'banner', 'limit', 'config', 'gated']);
  assert.equal(of.getBooleanValue('checkout', true), false, 'the bound context follows the new snapshot');

  cdn.next(fault.body('{"schema": 1, "version": 2', { etag: '"broken"' }));
  const stale = nextEvent(WebOF, web.ProviderEvents.Stale);
  await client.refresh();
  assert.match((await stale).message, /still serving snapshot version 2/);
  assert.equal(of.providerStatus, web.ProviderStatus.STALE);
  // The SDK marks a provider READY after a synchronous context change; the provider says STALE again.
  const restated = nextEvent(WebOF, web.ProviderEvents.Stale);
  await WebOF.setContext({ targetingKey: 'u-other' });
  await restated;
  assert.equal(of.providerStatus, web.ProviderStatus.STALE);
  assert.equal(of.getBooleanValue('checkout', false), true);
  assert.deepEqual(events.map((e) => e.type), [
    web.ProviderEvents.Error, web.ProviderEvents.Ready, web.ProviderEvents.ConfigurationChanged,
    web.ProviderEvents.Stale, web.ProviderEvents.ContextChanged, web.ProviderEvents.Stale,
  ]);
});

test('web: evaluations through OpenFeature produce exposures and counters (the client hook sees them)', async (t) => {
  resetAfter(t, WebOF);
  const client = clientFor(t, { bootstrap: snapshot(9) });
  const exposures = [];
  const tracker = createExposures({ client, onExposure: (e) => exposures.push(e), now: () => 1_000 });
  await WebOF.setProviderAndWait(new EdgeflagWebProvider(client), { targetingKey: 'u-beta' });
  const of = WebOF.getClient();
  for (let i = 0; i < 3; i++) of.getBooleanValue('checkout', false);
  of.getStringValue('nope', 'x');
  await WebOF.setContext({ targetingKey: 'u-2' });
  of.getBooleanValue('checkout', false);
  assert.deepEqual(exposures, [
    { flag: 'checkout', variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'beta', contextKey: 'u-beta', version: 9, time: 1000 },
    { flag: 'checkout', variant: 'off', reason: 'DEFAULT', ruleId: null, contextKey: 'u-2', version: 9, time: 1000 },
  ]);
  assert.deepEqual(tracker.counters(), { checkout: { on: 3, off: 1 }, nope: { 'error:FLAG_NOT_FOUND': 1 } });
});
