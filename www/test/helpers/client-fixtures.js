// Fixtures the client suites share (client, faults, openfeature): a CDN and a client that close after the
// test, and an event recorder.
import { createClient, memoryStorage } from '../../src/index.node.js';
import { startCdn } from './cdn-server.js';

/** The events a client emits. */
export const EVENTS = ['ready', 'change', 'error', 'stale'];

/** Starts a CDN (options as `startCdn`), closed after test `t`. */
export async function cdnFor(t, options) {
  const cdn = await startCdn(options);
  t.after(() => cdn.close());
  return cdn;
}

/**
 * A client with test defaults (own memory storage, no polling, no retries), closed after test `t`. The 5 s
 * timeout only bounds a broken test: healthy answers take milliseconds, and the tests of timeouts set their own.
 */
export function clientFor(t, options) {
  const client = createClient({ storage: memoryStorage(), refreshInterval: 0, retries: 0, timeout: 5000, ...options });
  t.after(() => client.close());
  return client;
}

/** Records every event `client` emits, by event name. */
export function record(client) {
  const events = Object.fromEntries(EVENTS.map((e) => [e, []]));
  for (const e of EVENTS) client.on(e, (payload) => events[e].push(payload));
  return events;
}
