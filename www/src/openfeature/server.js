// OpenFeature provider for the server SDK (`@openfeature/server-sdk`, a context per evaluation):
//
//   import { OpenFeature } from '@openfeature/server-sdk';
//   import { createClient } from 'edgeflag';
//   import { EdgeflagServerProvider } from 'edgeflag/openfeature/server';
//   await OpenFeature.setProviderAndWait(new EdgeflagServerProvider(createClient({ url })));
//   await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: 'user-1', country: 'DE' });
//
// Each evaluation maps the merged OpenFeature context (targetingKey → key) and evaluates it in WebAssembly.
// See docs/openfeature.md.

import { OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/server-sdk';
import { ProviderCore, readType, toEdgeflagContext, toResolution } from './common.js';

export { toEdgeflagContext, toResolution } from './common.js';

/** An OpenFeature server provider over an edgeflag client. */
export class EdgeflagServerProvider {
  metadata = Object.freeze({ name: 'edgeflag' });
  runsOn = 'server';
  events = new OpenFeatureEventEmitter();
  hooks = [];
  #core;

  /**
   * @param {object} client an edgeflag client (createClient)
   * @param {{closeClient?: boolean, readyTimeout?: number}} [options] closeClient (default true): `onClose`
   *   closes the client; readyTimeout: ms `initialize` waits for a snapshot before failing (the client keeps trying)
   */
  constructor(client, options) {
    this.#core = new ProviderCore(client, options, { emitter: this.events, events: ProviderEvents });
  }

  /** The edgeflag client behind the provider. */
  get client() { return this.#core.client; }

  /** Waits for the client's snapshot. */
  async initialize() {
    await this.#core.initialize();
  }

  async onClose() {
    await this.#core.close();
  }

  async resolveBooleanEvaluation(flagKey, defaultValue, context) { return this.#resolve('boolean', flagKey, defaultValue, context); }
  async resolveStringEvaluation(flagKey, defaultValue, context) { return this.#resolve('string', flagKey, defaultValue, context); }
  async resolveNumberEvaluation(flagKey, defaultValue, context) { return this.#resolve('number', flagKey, defaultValue, context); }
  async resolveObjectEvaluation(flagKey, defaultValue, context) { return this.#resolve('object', flagKey, defaultValue, context); }

  #resolve(type, flagKey, defaultValue, context) {
    this.#core.checkRecovered();
    const client = this.#core.client;
    const details = client.details(flagKey, defaultValue, toEdgeflagContext(context), { type: readType(type) });
    return toResolution(details, client.version);
  }
}
