// What the two OpenFeature providers (web.js, server.js) share: context and result mapping, and the
// translation of the client's events into provider events. No import of any OpenFeature package here: the
// SDK's runtime values (event names, the event emitter) are handed in by web.js and server.js, so that the
// core entry of edgeflag never depends on an SDK.

/** OpenFeature's flag types → the client's typed reads. */
const TYPES = { boolean: 'boolean', string: 'string', number: 'number', object: 'json' };

/**
 * An OpenFeature evaluation context as an edgeflag context: `targetingKey` becomes `key` (it wins over a
 * `key` attribute when both are set); every other attribute is passed as it is.
 * @param {object | undefined} context
 */
export function toEdgeflagContext(context) {
  if (context == null || typeof context !== 'object') return {};
  const { targetingKey, ...rest } = context;
  if (targetingKey !== undefined && targetingKey !== null) rest.key = targetingKey;
  return rest;
}

/**
 * One edgeflag result as an OpenFeature `ResolutionDetails`, field for field: value, variant, reason
 * (STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED, ERROR are OpenFeature's standard reasons;
 * PREREQUISITE_FAILED is kept as a custom reason), errorCode (our codes are OpenFeature's), errorMessage,
 * and flagMetadata = the flag's metadata plus ruleId, ruleIndex, prerequisite and snapshotVersion when set
 * (these four win over metadata entries of the same name).
 * @param {object} d the client's details
 * @param {number | null} version the snapshot version served
 */
export function toResolution(d, version) {
  const flagMetadata = { ...d.metadata };
  if (d.ruleId != null) flagMetadata.ruleId = d.ruleId;
  if (d.ruleIndex != null) flagMetadata.ruleIndex = d.ruleIndex;
  if (d.prerequisite != null) flagMetadata.prerequisite = d.prerequisite;
  if (version != null) flagMetadata.snapshotVersion = version;
  const out = { value: d.value, reason: d.reason, flagMetadata };
  if (d.variant != null) out.variant = d.variant;
  if (d.errorCode != null) {
    out.errorCode = d.errorCode;
    if (d.errorMessage != null) out.errorMessage = d.errorMessage;
  }
  return out;
}

/** The client's read type for an OpenFeature flag type. */
export function readType(ofType) {
  return TYPES[ofType];
}

function isClient(c) {
  return c != null && typeof c === 'object' && typeof c.details === 'function' && typeof c.on === 'function' &&
    typeof c.ready === 'function' && typeof c.forContext === 'function';
}

/**
 * The provider machinery shared by web.js and server.js.
 *
 * Status and events: the SDK emits READY (or ERROR) itself when `initialize` settles, so client events are
 * not forwarded while it runs. Afterwards:
 * - client 'ready' (a first snapshot after a failed start) → READY;
 * - client 'change' → CONFIGURATION_CHANGED with `flagsChanged` (the client's `changed`, omitted when
 *   unknown) and metadata {snapshotVersion, previousVersion, source}; preceded by READY when the provider was
 *   STALE or in ERROR;
 * - client 'stale' (a refresh failed or was refused; the snapshot held is still served) → STALE;
 * - client 'error' while no snapshot is held → ERROR (errors with a snapshot held are reported by 'stale',
 *   or concern only the cache: evaluations are unaffected);
 * - a stale client that recovers without a new version (304, same version) emits no event: the provider
 *   notices at its next evaluation and emits READY then.
 */
export class ProviderCore {
  #client; #emitter; #events; #closeClient; #readyTimeout;
  #state = 'NOT_READY'; #initialized = false; #closed = false; #unsubscribe = [];

  /**
   * @param {object} client an edgeflag client (createClient)
   * @param {object} options {closeClient = true, readyTimeout}
   * @param {{emitter: object, events: object}} sdk the SDK's runtime values: an event emitter, the event names
   */
  constructor(client, options, sdk) {
    if (!isClient(client)) {
      throw new TypeError('edgeflag OpenFeature provider: pass an edgeflag client (createClient({...}) from "edgeflag")');
    }
    const { closeClient = true, readyTimeout } = options ?? {};
    if (readyTimeout !== undefined && !(readyTimeout >= 0)) {
      throw new TypeError('edgeflag OpenFeature provider: readyTimeout must be a number >= 0');
    }
    this.#client = client;
    this.#emitter = sdk.emitter;
    this.#events = sdk.events;
    this.#closeClient = closeClient !== false;
    this.#readyTimeout = readyTimeout;
    const on = (event, fn) => this.#unsubscribe.push(client.on(event, fn));
    on('ready', () => this.#onReady());
    on('change', (c) => this.#onChange(c));
    on('stale', (s) => this.#onStale(s));
    on('error', (e) => this.#onError(e));
  }

  get client() { return this.#client; }
  /** What this provider last told the SDK: NOT_READY, READY, STALE or ERROR. */
  get state() { return this.#state; }

  /** Waits for the client's snapshot; rejects (the SDK then reports ERROR) when none can be had. */
  async initialize() {
    try {
      await this.#client.ready(this.#readyTimeout === undefined ? undefined : { timeout: this.#readyTimeout });
      this.#state = this.#client.status === 'stale' ? 'STALE' : 'READY';
    } catch (err) {
      this.#state = 'ERROR';
      throw err;
    } finally {
      this.#initialized = true;
    }
    // Stale already: the SDK sets READY once initialize has resolved (in a later microtask); say STALE after it.
    if (this.#state === 'STALE') setTimeout(() => this.restate(), 0);
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    if (this.#closeClient) this.#client.close();
  }

  /** Before each evaluation: a stale client that recovered quietly (304) makes the provider READY again. */
  checkRecovered() {
    if ((this.#state === 'STALE' || this.#state === 'ERROR') && this.#initialized && this.#client.status === 'ready') {
      this.#emit('READY', { message: `serving snapshot version ${this.#client.version}` });
    }
  }

  /** Says STALE or ERROR again (after the SDK set READY on its own, e.g. after a context change). */
  restate() {
    this.checkRecovered();
    if (this.#state === 'STALE' || this.#state === 'ERROR') {
      this.#emit(this.#state, { message: `still ${this.#state === 'STALE' ? 'stale' : 'in error'}: snapshot version ${this.#client.version}` });
    }
  }

  #emit(state, details) {
    if (this.#closed) return;
    const event = { READY: this.#events.Ready, STALE: this.#events.Stale, ERROR: this.#events.Error, CHANGED: this.#events.ConfigurationChanged }[state];
    if (state !== 'CHANGED') this.#state = state;
    this.#emitter.emit(event, details);
  }

  #onReady() {
    if (this.#initialized && this.#state !== 'READY') {
      this.#emit('READY', { message: `snapshot version ${this.#client.version} loaded`, metadata: { snapshotVersion: this.#client.version } });
    }
  }

  #onChange(change) {
    if (!this.#initialized) return;
    if (this.#state !== 'READY') this.#emit('READY', { message: `snapshot version ${change.version} loaded` });
    const details = {
      message: `snapshot version ${change.previousVersion} → ${change.version}`,
      metadata: { snapshotVersion: change.version, previousVersion: change.previousVersion, source: change.source },
    };
    if (Array.isArray(change.changed)) details.flagsChanged = [...change.changed];
    this.#emit('CHANGED', details);
  }

  #onStale(stale) {
    if (!this.#initialized) return;
    this.#emit('STALE', {
      message: stale.message,
      metadata: { snapshotVersion: stale.version, failures: stale.failures, errorKind: stale.error?.kind ?? 'unknown' },
    });
  }

  #onError(error) {
    if (!this.#initialized) return;
    const status = this.#client.status;
    if (status === 'error' || status === 'loading') {
      this.#emit('ERROR', {
        message: error?.message ?? String(error),
        metadata: { errorKind: error?.kind ?? 'unknown' },
      });
    }
  }
}
