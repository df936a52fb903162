// OpenFeature provider for the web SDK (`@openfeature/web-sdk`, static context):
//
//   import { OpenFeature } from '@openfeature/web-sdk';
//   import { createClient } from 'edgeflag';
//   import { EdgeflagWebProvider } from 'edgeflag/openfeature/web';
//   await OpenFeature.setProviderAndWait(new EdgeflagWebProvider(createClient({ url })), { targetingKey: 'user-1' });
//   OpenFeature.getClient().getBooleanValue('new-checkout', false);
//
// The context is bound once (client.forContext) at initialize and again at each context change; every
// read then evaluates the bound context in WebAssembly, synchronously. See docs/openfeature.md.

import { OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/web-sdk';
import { ProviderCore, readType, toEdgeflagContext, toResolution } from './common.js';

export { toEdgeflagContext, toResolution } from './common.js';

/** An OpenFeature web provider over an edgeflag client. */
export class EdgeflagWebProvider {
  metadata = Object.freeze({ name: 'edgeflag' });
  runsOn = 'client';
  /** The static context is bound to this provider: the SDK binds one instance to at most one domain. */
  domainScoped = true;
  events = new OpenFeatureEventEmitter();
  hooks = [];
  #core; #evaluator = null;

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

  /** Binds the static context, then waits for the client's snapshot. */
  async initialize(context) {
    this.#bind(context);
    await this.#core.initialize();
  }

  /** Rebinds the new static context: the next reads evaluate it (synchronous: no RECONCILING state). */
  onContextChange(oldContext, newContext) {
    this.#bind(newContext);
    // The SDK marks the provider READY after a synchronous context change: keep STALE/ERROR true.
    queueMicrotask(() => this.#core.restate());
  }

  async onClose() {
    this.#evaluator?.close();
    this.#evaluator = null;
    await this.#core.close();
  }

  resolveBooleanEvaluation(flagKey, defaultValue, context) { return this.#resolve('boolean', flagKey, defaultValue, context); }
  resolveStringEvaluation(flagKey, defaultValue, context) { return this.#resolve('string', flagKey, defaultValue, context); }
  resolveNumberEvaluation(flagKey, defaultValue, context) { return this.#resolve('number', flagKey, defaultValue, context); }
  resolveObjectEvaluation(flagKey, defaultValue, context) { return this.#resolve('object', flagKey, defaultValue, context); }

  #bind(context) {
    const old = this.#evaluator;
    this.#evaluator = this.#core.client.forContext(toEdgeflagContext(context));
    old?.close();
  }

  #resolve(type, flagKey, defaultValue, context) {
    this.#core.checkRecovered();
    if (this.#evaluator === null) this.#bind(context);
    const details = this.#evaluator.details(flagKey, defaultValue, { type: readType(type) });
    return toResolution(details, this.#core.client.version);
  }
}
