// The client: keeps one good snapshot in a wasm Engine, serves evaluations from it without
// ever throwing, and keeps it fresh from a URL (polling, conditional requests, retries)
// without ever replacing it by something worse (invalid, unknown schema, older, conflicting).

import { Engine, initWasm, initWasmSync, wasmReady, initRegex, initRegexSync, regexReady, mayUseRegex, initDiagnostics } from './engine.js';
import { lacksMessages } from './diagnostics.js';
import { LoadError, loadSnapshot, DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES, retryPolicy } from './loader.js';
import { selectStorage, guardStorage, noStorage } from './cache.js';
import { keyRing, decodeBase64 } from './keyring.js';
import { changedFlags } from './changes.js';
import { errorDetails } from './details.js';

export { LoadError } from './loader.js';
export { memoryStorage, webStorage, cacheApiStorage } from './cache.js';

/** Default polling period in milliseconds. */
export const DEFAULT_REFRESH_INTERVAL = 30_000;
/** A tab coming back (visibility, focus) refreshes at once unless the last check is younger than this. */
const WAKE_GAP = 5_000;
const EVENTS = new Set(['ready', 'change', 'error', 'stale']);
const now = () => (globalThis.performance?.now?.() ?? Date.now()); // monotonic where possible: immune to clock changes

/**
 * Creates a client. It serves at once from `bootstrap` or the persistent cache (when the wasm module is
 * already initialised or passed as a compiled `WebAssembly.Module`), then revalidates from `url` in the
 * background and polls every `refreshInterval` ms. Throws a TypeError only for invalid options.
 *
 * @param {object} options
 * @param {string | URL} [options.url] where the snapshot is published; without it the client only serves `bootstrap`
 * @param {object | string} [options.bootstrap] a snapshot (object or JSON text) to serve before anything else
 * @param {number} [options.refreshInterval] polling period in ms (default 30 s); 0 disables polling
 * @param {number} [options.timeout] ms allowed for one attempt, headers and body (default 10 s)
 * @param {false | {get: Function, set: Function}} [options.storage] persistent last-good cache; default: auto
 * @param {typeof fetch} [options.fetch] the fetch to use (default: globalThis.fetch)
 * @param {number | {retries?: number, baseDelay?: number, maxDelay?: number}} [options.retries]
 * @param {boolean} [options.allowRollback] accept a snapshot whose version is lower than the one held
 * @param {Array<{keyId: string, key: string | JsonWebKey | Uint8Array | CryptoKey}>} [options.publicKeys] trusted Ed25519
 *   keys: when given, a snapshot from `url` (or the cache) is used only if its `.sig` file verifies (docs/security.md)
 * @param {number} [options.maxBytes] largest body accepted (default 16 MiB)
 * @param {*} [options.wasm] what `initWasm` takes (URL, bytes, Response, `WebAssembly.Module`); a Module initialises synchronously
 * @param {*} [options.regex] what `initRegex` takes: the operators (regular-expression) module, loaded before a snapshot
 *   that uses `matches`, `semver_*` or `in_cidr` (default: beside the JS; in Cloudflare Workers pass `import regex from "edgeflag/regex.wasm"`)
 * @param {*} [options.diagnostics] what `initDiagnostics` takes: the diagnostics module, loaded when a snapshot is
 *   refused, for its problems' messages (default: beside the JS; in Cloudflare Workers pass
 *   `import diagnostics from "edgeflag/diagnostics.wasm"`)
 * @param {(event: object) => void} [options.onEvaluate] internal hook, called after each evaluation (exposures)
 * @returns {Client}
 */
export function createClient(options = {}) {
  return new Client(options);
}

/**
 * The client's "closed" signal, with the part of the AbortSignal interface the loader uses. A plain
 * object on purpose: in Cloudflare Workers an AbortController cannot be created at global scope, and a
 * real AbortSignal belongs to the request that created it, so a client kept in module scope could not
 * use one across requests. Each load makes its own AbortController (in the current request) and
 * subscribes it here.
 */
class CloseSignal {
  aborted = false;
  reason = undefined;
  #listeners = new Set();
  addEventListener(type, fn) { if (type === 'abort') this.#listeners.add(fn); }
  removeEventListener(type, fn) { if (type === 'abort') this.#listeners.delete(fn); }
  abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    for (const fn of [...this.#listeners]) {
      try { fn(); } catch { /* a listener's failure must not stop close() */ }
    }
    this.#listeners.clear();
  }
}

/** Feature-flag client. Create it with {@link createClient}. */
class Client {
  #url; #interval; #allowRollback; #loadOptions; #storage; #wasmOption; #regexOption; #diagnosticsOption; #keys = null; #checks = null;
  #engine = null; #text = null; #etag = null; #version = null; #environment = null; #generation = 0; #sig = null;
  #status = 'loading'; #closed = false; #lastError = null; #failures = 0;
  #listeners = new Map(); #hooks = [];
  #abort = new CloseSignal(); #timer = null; #inflight = null; #lastCheck = -Infinity;
  #deferEvents = true; #startup; #starting = true; #adopted = deferred(); #detach = () => {};
  #cacheUnusable = false; #unexplained = null;

  constructor(options) {
    if (options === null || typeof options !== 'object') throw new TypeError('createClient(options): options must be an object');
    const { url, bootstrap, refreshInterval = DEFAULT_REFRESH_INTERVAL, timeout = DEFAULT_TIMEOUT,
      maxBytes = DEFAULT_MAX_BYTES, storage, retries, allowRollback = false, wasm, regex, onEvaluate } = options;
    if (url == null && bootstrap == null) throw new TypeError('createClient: give a url, a bootstrap snapshot, or both');
    if (url != null && typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('createClient: url must be a string or a URL');
    checkNumber('refreshInterval', refreshInterval, 0);
    checkNumber('timeout', timeout, 1);
    checkNumber('maxBytes', maxBytes, 1);
    if (options.fetch != null && typeof options.fetch !== 'function') throw new TypeError('createClient: fetch must be a function');
    if (onEvaluate != null && typeof onEvaluate !== 'function') throw new TypeError('createClient: onEvaluate must be a function');
    if (options.publicKeys != null) {
      this.#keys = keyRing(options.publicKeys);
      this.#signatureChecks().catch(() => {}); // fetched beside the first snapshot; a failure is reported by the load that needs it
    }

    this.#url = url == null ? null : String(url);
    this.#interval = refreshInterval;
    this.#allowRollback = Boolean(allowRollback);
    this.#loadOptions = { url: this.#url, timeout, maxBytes, retries: retryPolicy(retries), fetch: options.fetch,
      signal: this.#abort, random: options.random };
    this.#storage = guardStorage(this.#url === null ? noStorage() : selectStorage(storage, absolute(this.#url)));
    this.#wasmOption = wasm;
    this.#regexOption = regex;
    this.#diagnosticsOption = options.diagnostics;
    if (onEvaluate) this.#hooks.push(onEvaluate);

    const bootText = bootstrap == null ? null : toText(bootstrap);
    // Serve at once when we can do it synchronously: wasm ready, storage synchronous.
    let cached = null;
    let adopted = false;
    if (wasmReadySync(wasm)) {
      cached = this.#storage.get();
      const candidates = [];
      if (bootText !== null) candidates.push({ text: bootText, etag: null, source: 'bootstrap' });
      // With trusted keys a cached entry is verified first (asynchronously, in #start).
      if (cached && !isThenable(cached) && !this.#keys) candidates.push({ ...cached, source: 'cache' });
      // A snapshot that may use `matches`, `semver_*` or `in_cidr` waits (in #start) for the operators module where it loads asynchronously.
      adopted = candidates.every((c) => regexReadySync(c.text));
      if (adopted) this.#adoptBest(candidates);
    }
    this.#startup = this.#run(bootText, isThenable(cached) || (cached && this.#keys) ? cached : null, adopted);
    this.#watchVisibility();
    this.#deferEvents = false;
  }

  // ---- state ---------------------------------------------------------------------------------

  /** Version of the snapshot in use, or null before one is loaded. */
  get version() { return this.#version; }
  /** Environment named by the snapshot in use, or null. */
  get environment() { return this.#environment; }
  /** ETag of the snapshot in use, as the server sent it, or null. */
  get etag() { return this.#etag; }
  /**
   * 'loading' (no snapshot yet), 'ready', 'stale' (serving a snapshot while the last refresh failed or
   * was refused), 'error' (no snapshot, the last load failed), 'closed'.
   */
  get status() { return this.#status; }

  /**
   * Resolves with the client once a snapshot is in place (bootstrap, cache or network). Rejects with the
   * LoadError of the load in progress (retries included) if it ends without a snapshot, or at once if the
   * last load failed and none is in progress; rejects if the client is closed. With `timeout`, rejects with
   * a LoadError of kind 'timeout' when no snapshot is in place within that many ms (the client keeps trying).
   * @param {{timeout?: number}} [options]
   * @returns {Promise<Client>}
   */
  ready(options = {}) {
    const waiting = this.#waitReady();
    const { timeout } = options;
    if (!(timeout >= 0) || this.#engine) return waiting;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new LoadError('timeout',
        `no snapshot in place within ${timeout} ms${this.#lastError ? `; last error: ${this.#lastError.message}` : ''}`,
        { url: this.#url })), timeout);
      waiting.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  async #waitReady() {
    for (;;) {
      if (this.#engine) return this;
      if (this.#closed) throw closedError(this.#url);
      const pending = this.#starting ? this.#startup : this.#inflight;
      if (!pending) throw this.#lastError ?? new LoadError('network', 'no snapshot could be loaded', { url: this.#url });
      await Promise.race([pending, this.#adopted.promise]);
    }
  }

  /**
   * Subscribes to an event: 'ready' ({version, source}), 'change' ({previousVersion, version, added, removed,
   * changed (flag keys that may answer differently, or null: unknown), source}), 'error' (a LoadError), 'stale' ({version, error, message, failures}). Returns an unsubscribe function.
   * @param {'ready' | 'change' | 'error' | 'stale'} event
   * @param {(payload: any) => void} fn
   * @returns {() => void}
   */
  on(event, fn) {
    if (!EVENTS.has(event)) throw new TypeError(`unknown event "${event}": use ${[...EVENTS].join(', ')}`);
    if (typeof fn !== 'function') throw new TypeError('on(event, fn): fn must be a function');
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const entry = { fn }; // one entry per subscription: the same fn may be subscribed twice
    set.add(entry);
    return () => { set.delete(entry); };
  }

  /**
   * Internal hook point for exposure events (issue 7): `fn({flag, type, value, fallback, details, context,
   * version})` is called after each evaluation. Exceptions in `fn` are swallowed. Returns an unsubscribe function.
   * @internal
   */
  onEvaluate(fn) {
    if (typeof fn !== 'function') throw new TypeError('onEvaluate(fn): fn must be a function');
    this.#hooks = [...this.#hooks, fn];
    return () => { this.#hooks = this.#hooks.filter((h) => h !== fn); };
  }

  // ---- loading -------------------------------------------------------------------------------

  /**
   * Checks the URL for a new snapshot now. Concurrent calls share one request. Never rejects: resolves with
   * `{status: 'updated' | 'not-modified' | 'unchanged' | 'failed' | 'closed', version, error?}`.
   * @returns {Promise<{status: string, version: number | null, error?: LoadError}>}
   */
  refresh() {
    if (this.#closed) return Promise.resolve({ status: 'closed', version: this.#version });
    if (this.#url === null) return Promise.resolve({ status: 'unchanged', version: this.#version });
    if (!this.#inflight) {
      this.#inflight = this.#load().finally(() => {
        this.#inflight = null;
        this.#schedule();
      });
    }
    return this.#inflight;
  }

  async #start(bootText, pendingCache, adopted) {
    if (!adopted) {
      try {
        await ensureWasm(this.#wasmOption);
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (this.#closed) return;
      const candidates = [];
      if (bootText !== null) candidates.push({ text: bootText, etag: null, source: 'bootstrap' });
      const cached = await this.#storage.get();
      if (cached && await this.#cacheVerified(cached)) candidates.push({ ...cached, source: 'cache' });
      for (const c of candidates) await this.#regexFor(c.text);
      if (this.#closed) return;
      this.#adoptBest(candidates);
    } else if (pendingCache) {
      const cached = await pendingCache;
      if (cached && !this.#closed && await this.#cacheVerified(cached) && !this.#closed) {
        await this.#regexFor(cached.text);
        if (!this.#closed) this.#adoptBest([{ ...cached, source: 'cache' }]);
      }
    }
    if (this.#unexplained !== null && !this.#closed) { // a refused bootstrap, reported with its problems' messages
      const text = this.#unexplained;
      this.#unexplained = null;
      try { (await this.#explained(() => Engine.fromJSON(text))).free(); } catch (err) {
        if (!this.#closed) this.#fail(refusal(err, 'the bootstrap snapshot', null));
      }
    }
    if (this.#url !== null && !this.#closed) await this.refresh();
  }

  /**
   * The signature checks (verify.js), loaded on first use: only clients with trusted keys download them. A
   * failed load (offline) is a retryable LoadError of kind 'network', and is tried again by the next load.
   */
  #signatureChecks() {
    this.#checks ??= import('./verify.js').then(
      (m) => m.signatureChecks({ LoadError, loadSnapshot, decodeBase64 }),
      (err) => {
        this.#checks = null;
        throw new LoadError('network', `cannot load edgeflag's signature checks (verify.js): ${err?.message ?? err}`, { cause: err });
      },
    );
    return this.#checks;
  }

  /** Without trusted keys, true. With them: whether the cache entry's stored signature verifies its text. */
  async #cacheVerified(entry) {
    if (!this.#keys) return true;
    let checks;
    try { checks = await this.#signatureChecks(); } catch { return false; } // cannot check now (offline): not used, kept
    try {
      await checks.verifySnapshot(new TextEncoder().encode(entry.text), entry.sig ?? '', this.#keys, { url: 'the cache' });
      return true;
    } catch {
      this.#cacheUnusable = true; // unsigned, altered or signed by a key no longer trusted: skipped, may be overwritten
      return false;
    }
  }

  async #run(bootText, pendingCache, adopted) {
    try { await this.#start(bootText, pendingCache, adopted); } finally { this.#starting = false; }
  }

  /**
   * Loads the operators (regular-expression) module when `text` may use `matches`, `semver_*` or `in_cidr`
   * (mayUseRegex: a cheap scan) and it is not loaded.
   * Never throws: if it cannot be loaded, the engine refuses the snapshot with a problem that says so.
   */
  async #regexFor(text) {
    if (regexReadySync(text)) return;
    try { await initRegex(this.#regexOption); } catch { /* reported by Engine.fromJSON */ }
  }

  /**
   * Runs `load` (a snapshot's validation); when it refuses the snapshot without its problems' messages (the
   * runtime reports paths only while the diagnostics module is not loaded: browsers, workers), loads that
   * module and runs it again, so the refusal is reported with the messages. Without the module, the first refusal.
   */
  async #explained(load) {
    try {
      return load();
    } catch (err) {
      if (!lacksMessages(err) && !lacksMessages(err?.cause)) throw err;
      try { await initDiagnostics(this.#diagnosticsOption); } catch { throw err; }
      if (this.#closed) throw err;
      return load();
    }
  }

  /** Startup: installs the highest valid version among the candidates, if higher than the one held. */
  #adoptBest(candidates) {
    let best = null;
    for (const c of candidates) {
      let engine;
      try {
        engine = Engine.fromJSON(c.text);
      } catch (err) {
        // A bad bootstrap is the caller's mistake: say so. A bad cache entry is skipped, and may be overwritten.
        // (Without the problems' messages: reported once the diagnostics module is loaded, in #start.)
        if (c.source === 'bootstrap' && lacksMessages(err)) this.#unexplained = c.text;
        else if (c.source === 'bootstrap') this.#fail(refusal(err, 'the bootstrap snapshot', null));
        else this.#cacheUnusable = true;
        continue;
      }
      if (c.source === 'cache' && engine.version !== c.version) { // the entry lies about its version
        engine.free();
        this.#cacheUnusable = true;
        continue;
      }
      if (best === null || engine.version > best.engine.version) {
        if (best) best.engine.free();
        best = { ...c, engine };
      } else {
        engine.free();
      }
    }
    if (!best) return;
    if (this.#engine && best.engine.version <= this.#version) {
      if (best.engine.version === this.#version && best.text === this.#text && best.etag) this.#etag = best.etag;
      best.engine.free();
      return;
    }
    this.#install(best.engine, best.text, best.etag, best.source);
    this.#sig = best.source === 'cache' ? (best.sig ?? null) : null;
    this.#adopted.resolve(); // ready() need not wait for the revalidation
  }

  async #load() {
    this.#lastCheck = now();
    let res;
    try {
      await ensureWasm(this.#wasmOption);
      res = await loadSnapshot({ ...this.#loadOptions, etag: this.#engine ? this.#etag : null });
    } catch (err) {
      if (this.#closed) return { status: 'closed', version: this.#version };
      return this.#failed(err);
    }
    if (this.#closed) return { status: 'closed', version: this.#version };
    if (res.notModified) {
      if (!this.#engine) {
        return this.#failed(new LoadError('http', `${this.#url} answered 304 Not Modified but no snapshot is held`,
          { url: this.#url, status: 304 }));
      }
      if (res.etag) this.#etag = res.etag;
      this.#succeeded();
      return { status: 'not-modified', version: this.#version };
    }
    let outcome, sig = null;
    try {
      if (this.#keys) { // the exact bytes received are checked before the engine sees them
        const { fetchSignature, verifySnapshot } = await this.#signatureChecks();
        sig = await fetchSignature(this.#loadOptions, this.#url);
        if (this.#closed) return { status: 'closed', version: this.#version };
        await verifySnapshot(res.bytes, sig.text, this.#keys, { url: this.#url, sigUrl: sig.url });
      }
      await this.#regexFor(res.text);
      if (this.#closed) return { status: 'closed', version: this.#version };
      outcome = await this.#explained(() => this.#accept(res.text, res.etag));
    } catch (err) {
      if (this.#closed) return { status: 'closed', version: this.#version };
      return this.#failed(err);
    }
    if (outcome.status !== 'unchanged' || outcome.write) this.#sig = sig?.text ?? null;
    this.#succeeded();
    if (outcome.write) await this.#persist();
    return { status: outcome.status, version: this.#version };
  }

  /**
   * Validates a snapshot from the network against the one held; installs it or throws a LoadError.
   * Equal version: the same content is 'unchanged' (identical text: only the ETag is kept; the same JSON
   * written differently, e.g. a pretty-printed bootstrap: the server's copy is taken quietly, for its ETag and
   * the cache); different content is a conflict, refused unless allowRollback, because a publish must raise
   * the version.
   */
  #accept(text, etag) {
    let engine;
    try {
      engine = Engine.fromJSON(text);
    } catch (err) {
      throw refusal(err, this.#url, this.#url);
    }
    const version = engine.version;
    if (this.#engine && version <= this.#version) {
      if (version === this.#version && text === this.#text) {
        engine.free();
        const write = Boolean(etag) && etag !== this.#etag;
        if (etag) this.#etag = etag;
        return { status: 'unchanged', write };
      }
      if (version === this.#version && sameJson(text, this.#text)) {
        this.#install(engine, text, etag, 'network', true);
        return { status: 'unchanged', write: true };
      }
      if (!this.#allowRollback) {
        engine.free();
        const info = { url: this.#url, version, heldVersion: this.#version };
        if (version < this.#version) {
          throw new LoadError('older', `refused snapshot version ${version} from ${this.#url}: older than version ` +
            `${this.#version} in use (anti-rollback; a rollback must be published under a new version, or set allowRollback)`, info);
        }
        throw new LoadError('conflict', `refused snapshot from ${this.#url}: version ${version} is already in use with ` +
          'different content (a publish must raise the version); keeping the copy in use', info);
      }
    }
    this.#install(engine, text, etag, 'network');
    return { status: 'updated', write: true };
  }

  #install(engine, text, etag, source, quiet = false) {
    const previous = this.#engine;
    const previousVersion = this.#version;
    let added = [], removed = [], changed = null;
    if (previous) {
      changed = quiet ? null : safe(() => changedFlags(this.#text, text), null);
      const before = new Set(safe(() => previous.flagKeys(), []));
      const after = new Set(safe(() => engine.flagKeys(), []));
      added = [...after].filter((k) => !before.has(k));
      removed = [...before].filter((k) => !after.has(k));
    }
    this.#engine = engine;
    this.#text = text;
    this.#etag = etag ?? null;
    this.#version = engine.version;
    this.#environment = safe(() => engine.environment ?? null, null);
    this.#generation++;
    this.#status = 'ready';
    if (previous) {
      safe(() => previous.free());
      if (!quiet) this.#emit('change', { previousVersion, version: this.#version, added, removed, changed, source });
    } else {
      this.#emit('ready', { version: this.#version, source });
    }
  }

  async #persist() {
    try {
      await this.#storage.set({ text: this.#text, etag: this.#etag, version: this.#version, sig: this.#sig },
        { allowOlder: this.#allowRollback || this.#cacheUnusable });
      this.#cacheUnusable = false;
    } catch (err) {
      this.#emit('error', new LoadError('storage', `could not save snapshot version ${this.#version} to the ` +
        `${this.#storage.kind} cache: ${err?.message ?? err}`, { url: this.#url, cause: err }));
    }
  }

  #succeeded() {
    this.#failures = 0;
    this.#lastError = null;
    if (this.#engine) this.#status = 'ready';
  }

  #failed(err) {
    const error = err instanceof LoadError ? err
      : new LoadError('network', `loading ${this.#url} failed: ${err?.message ?? err}`, { url: this.#url, cause: err });
    this.#fail(error);
    return { status: 'failed', version: this.#version, error };
  }

  #fail(error) {
    this.#lastError = error;
    this.#failures++;
    this.#emit('error', error);
    if (this.#engine) {
      this.#status = 'stale';
      this.#emit('stale', { version: this.#version, error, failures: this.#failures,
        message: `still serving snapshot version ${this.#version}: ${error.message}` });
    } else if (this.#status !== 'closed') {
      this.#status = 'error';
    }
  }

  // ---- polling -------------------------------------------------------------------------------

  #schedule() {
    clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closed || this.#url === null || !(this.#interval > 0)) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!isHidden()) this.refresh(); // hidden: stay paused until the page is shown again
    }, this.#interval);
    this.#timer?.unref?.(); // polling alone never keeps a Node process alive
  }

  #watchVisibility() {
    const doc = globalThis.document;
    if (this.#url === null || !(this.#interval > 0) || typeof doc?.addEventListener !== 'function') return;
    const wake = () => {
      if (this.#closed || isHidden()) return;
      // Paused (no timer) or last check long enough ago: check now.
      if (!this.#inflight && (this.#timer === null || now() - this.#lastCheck >= Math.min(WAKE_GAP, this.#interval))) {
        this.refresh();
      }
    };
    doc.addEventListener('visibilitychange', wake);
    const win = typeof globalThis.addEventListener === 'function' ? globalThis : null;
    win?.addEventListener('focus', wake);
    this.#detach = () => {
      doc.removeEventListener('visibilitychange', wake);
      win?.removeEventListener('focus', wake);
    };
  }

  /**
   * Stops polling, aborts the request in flight, drops every listener and frees the engine. Evaluations
   * afterwards return their fallback (PROVIDER_NOT_READY); pending ready() calls reject.
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#status = 'closed';
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    this.#detach();
    this.#listeners.clear();
    this.#hooks = [];
    const engine = this.#engine;
    this.#engine = null;
    this.#generation++;
    if (engine) safe(() => engine.free());
  }

  // ---- evaluation (never throws) -------------------------------------------------------------

  /** @returns {boolean} the flag's value, or `fallback` (not loaded, unknown flag, wrong type, any error) */
  boolean(key, fallback, context) { return this.#read('boolean', key, fallback, context); }
  /** @returns {string} */
  string(key, fallback, context) { return this.#read('string', key, fallback, context); }
  /** @returns {number} */
  number(key, fallback, context) { return this.#read('number', key, fallback, context); }
  /** @returns {unknown} */
  json(key, fallback, context) { return this.#read('json', key, fallback, context); }

  /**
   * The full result: flagKey, value, variant, reason, ruleId, ruleIndex, errorCode, errorMessage, prerequisite,
   * metadata. `options.type` makes it a typed read (TYPE_MISMATCH on another type); `options.now` sets the time.
   * Before a snapshot is loaded: the fallback, reason ERROR, errorCode PROVIDER_NOT_READY.
   */
  details(key, fallback, context, options) {
    const engine = this.#engine;
    let result;
    if (!engine) result = notReady(key, fallback, this.#closed);
    else {
      try { result = engine.details(key, fallback, context, options); } catch (err) { result = failure(key, fallback, err); }
    }
    this.#notify(options?.type ?? 'details', key, fallback, context, result);
    return result;
  }

  /**
   * Every flag's result for `context`, keyed by flag key; `{}` before a snapshot is loaded. Not reported to
   * onEvaluate hooks (it serves bootstrapping and debugging, not exposures).
   */
  all(context) {
    const engine = this.#engine;
    if (!engine) return {};
    try { return engine.all(context); } catch { return {}; }
  }

  /**
   * A bound evaluator for repeated reads with one context. The context is read when bound (do not mutate it
   * afterwards). It follows the client: after a snapshot change it rebinds itself on its next read.
   * `close()` frees its binding now (optional: the next read binds again).
   * @param {object} context
   */
  forContext(context) {
    let bound = null;
    let generation = -1;
    const current = () => {
      if (generation !== this.#generation) {
        const old = bound;
        bound = null;
        generation = this.#generation;
        if (old) safe(() => old.free?.());
        if (this.#engine) bound = this.#engine.bind(context);
      }
      return bound;
    };
    const read = (type) => (key, fallback) => {
      let result;
      try {
        const b = current();
        if (!b) return this.#notReadyRead(type, key, fallback, context);
        if (this.#hooks.length === 0) return b[type](key, fallback);
        result = b.details(key, fallback, { type });
      } catch (err) {
        result = failure(key, fallback, err);
      }
      this.#notify(type, key, fallback, context, result);
      return result.value;
    };
    return {
      context,
      boolean: read('boolean'),
      string: read('string'),
      number: read('number'),
      json: read('json'),
      details: (key, fallback, options) => {
        let result;
        try {
          const b = current();
          result = b ? b.details(key, fallback, options) : notReady(key, fallback, this.#closed);
        } catch (err) {
          result = failure(key, fallback, err);
        }
        this.#notify(options?.type ?? 'details', key, fallback, context, result);
        return result;
      },
      all: () => {
        try { const b = current(); return b ? b.all() : {}; } catch { return {}; }
      },
      close: () => {
        const old = bound;
        bound = null;
        generation = -1;
        if (old) safe(() => old.free?.());
      },
    };
  }

  #read(type, key, fallback, context) {
    const engine = this.#engine;
    if (!engine) return this.#notReadyRead(type, key, fallback, context);
    let result;
    try {
      if (this.#hooks.length === 0) return engine[type](key, fallback, context);
      result = engine.details(key, fallback, context, { type });
    } catch (err) {
      result = failure(key, fallback, err);
    }
    this.#notify(type, key, fallback, context, result);
    return result.value;
  }

  #notReadyRead(type, key, fallback, context) {
    if (this.#hooks.length) this.#notify(type, key, fallback, context, notReady(key, fallback, this.#closed));
    return fallback;
  }

  #notify(type, flag, fallback, context, details) {
    for (const hook of this.#hooks) {
      try {
        hook({ flag, type, value: details.value, fallback, details, context, version: this.#version });
      } catch { /* a hook never breaks an evaluation */ }
    }
  }

  #emit(event, payload) {
    if (this.#closed) return;
    const deliver = () => {
      for (const { fn } of [...(this.#listeners.get(event) ?? [])]) {
        try { fn(payload); } catch (err) { reportListenerError(event, err); }
      }
    };
    // During construction nobody could subscribe yet: deliver after the current task's synchronous code.
    if (this.#deferEvents) queueMicrotask(deliver); else deliver();
  }
}

// ---- helpers -----------------------------------------------------------------------------------

let wasmLoading = null;

/**
 * Whether the engine can be used synchronously now. Tries a synchronous start when that is cheap and
 * allowed: from a compiled `WebAssembly.Module`, or with no `wasm` option where the platform reads the
 * .wasm synchronously (Node, Deno, Bun). Elsewhere (browsers, workers without a Module) it waits for initWasm.
 */
function wasmReadySync(option) {
  if (wasmReady()) return true;
  const isModule = typeof WebAssembly !== 'undefined' && option instanceof WebAssembly.Module;
  if (option === undefined || isModule) {
    try { initWasmSync(option); } catch { /* this platform needs the asynchronous start */ }
  }
  return wasmReady();
}

/**
 * Whether a snapshot `text` can be loaded now as far as the rare operators go: it cannot use `matches`, `semver_*` or
 * `in_cidr` (mayUseRegex), or the operators (regular-expression) module is loaded (synchronously from disk here in Node, Deno and Bun).
 */
function regexReadySync(text) {
  if (regexReady() || typeof text !== 'string' || !mayUseRegex(text)) return true;
  try { initRegexSync(); } catch { /* browsers and workers: initRegex() */ }
  return regexReady();
}

/** Initialises the wasm module once per realm; rejects with a LoadError of kind 'wasm'. */
function ensureWasm(option) {
  if (wasmReady()) return Promise.resolve();
  wasmLoading ??= Promise.resolve()
    .then(() => initWasm(option))
    .then(() => { wasmLoading = null; }, (err) => {
      wasmLoading = null; // a later call may pass a better `wasm` option
      throw new LoadError('wasm', `the WebAssembly module could not be initialised: ${err?.message ?? err}`, { cause: err });
    });
  return wasmLoading;
}

function refusal(err, where, url) {
  const problems = Array.isArray(err?.problems) ? err.problems : null;
  if (!problems) {
    return new LoadError('invalid', `refused the snapshot from ${where}: ${err?.message ?? err}`, { url, cause: err });
  }
  const kind = problems.length === 1 && problems[0].path === 'schema' ? 'schema' : 'invalid';
  const shown = problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ');
  const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
  return new LoadError(kind, `refused the snapshot from ${where}: ${shown || err.message}${more}`, { url, problems, cause: err });
}

function notReady(key, fallback, closed) {
  return errorDetails(key, fallback, 'PROVIDER_NOT_READY',
    closed ? `the client is closed; "${key}" served its fallback` : `no snapshot loaded yet; "${key}" served its fallback`, {});
}

function failure(key, fallback, err) {
  return {
    value: fallback, variant: null, reason: 'ERROR', ruleId: null, ruleIndex: null,
    errorCode: 'GENERAL', errorMessage: String(err?.message ?? err), metadata: {},
  };
}

function closedError(url) {
  return new LoadError('aborted', 'the client was closed before a snapshot was loaded', { url });
}

function toText(bootstrap) {
  if (typeof bootstrap === 'string') return bootstrap;
  if (typeof bootstrap === 'object') return JSON.stringify(bootstrap);
  throw new TypeError('createClient: bootstrap must be a snapshot object or its JSON text');
}

function checkNumber(name, value, min) {
  if (typeof value !== 'number' || !(value >= min) || value === Infinity) {
    throw new TypeError(`createClient: ${name} must be a finite number >= ${min}, got ${value}`);
  }
}

function absolute(url) {
  try { return new URL(url, globalThis.location?.href).toString(); } catch { return url; }
}

function isHidden() {
  return globalThis.document?.hidden === true;
}

/** Whether two snapshot texts hold the same JSON (both were validated: no duplicate keys). */
function sameJson(a, b) {
  try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch { return false; }
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

function isThenable(v) {
  return v != null && typeof v.then === 'function';
}

function safe(fn, fallback) {
  try { return fn(); } catch { return fallback; }
}

function reportListenerError(event, err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else console.error(`edgeflag: a "${event}" listener threw:`, err);
}
