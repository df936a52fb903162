// The client: keeps one good snapshot in a wasm Engine, serves evaluations from it without
// ever throwing, and keeps it fresh from a URL (polling, conditional requests, retries)
// without ever replacing it by something worse (invalid, unknown schema, older, conflicting).

import { Engine, initWasm, initWasmSync, wasmReady, initRegex, initRegexSync, regexReady, mayUseRegex, initDiagnostics } from './engine.js';
import { lacksMessages } from './diagnostics.js';
import { LoadError, loadSnapshot, DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES, retryPolicy } from './loader.js';
import { selectStorage, guardStorage, isThenable } from './cache.js';
import { keyRing } from './keyring.js';
import { changedFlags } from './changes.js';
import { errorDetails } from './details.js';

export { LoadError } from './loader.js';
export { memoryStorage, webStorage, cacheApiStorage } from './cache.js';

/** Default polling period in milliseconds. */
export const DEFAULT_REFRESH_INTERVAL = 30_000;
/** A tab coming back (visibility, focus) refreshes at once unless the last check is younger than this. */
const WAKE_GAP = 5_000;
const EVENTS = new Set(['ready', 'change', 'error', 'stale']);
const now = () => performance.now(); // monotonic: immune to clock changes (every runtime of the es2022 bundles has it)

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
  // The client's state, private to this closure (its variables minify to one letter each, where a class's
  // fields stay `this.#name`); the options' part is set once they are checked, below.
  let keys = null, checks = null;
  let engine = null, text = null, etag = null, version = null, environment = null, generation = 0, sig = null;
  let status = 'loading', closed = false, lastError = null, failures = 0;
  const listeners = new Map();
  let hooks = [];
  const abort = closeSignal();
  let timer = null, inflight = null, lastCheck = -Infinity;
  let deferEvents = true, startup, starting = true, detach = () => {};
  let adoptedNow; // resolves `adopted`
  const adopted = new Promise((resolve) => { adoptedNow = resolve; }); // a snapshot is in place
  let cacheUnusable = false, unexplained = null;

  if (options === null || typeof options !== 'object') throw new TypeError('createClient(options): options must be an object');
  const { bootstrap, refreshInterval: interval = DEFAULT_REFRESH_INTERVAL, timeout = DEFAULT_TIMEOUT,
    maxBytes = DEFAULT_MAX_BYTES, retries, wasm, regex, diagnostics, onEvaluate } = options;
  if (options.url == null && bootstrap == null) throw new TypeError('createClient: give a url, a bootstrap snapshot, or both');
  if (options.url != null && typeof options.url !== 'string' && !(options.url instanceof URL)) throw new TypeError('createClient: url must be a string or a URL');
  checkNumber('refreshInterval', interval, 0);
  checkNumber('timeout', timeout, 1);
  checkNumber('maxBytes', maxBytes, 1);
  if (options.fetch != null && typeof options.fetch !== 'function') throw new TypeError('createClient: fetch must be a function');
  if (onEvaluate != null && typeof onEvaluate !== 'function') throw new TypeError('createClient: onEvaluate must be a function');
  if (options.publicKeys != null) {
    keys = keyRing(options.publicKeys);
    signatureChecks().catch(() => {}); // fetched beside the first snapshot; a failure is reported by the load that needs it
  }

  const url = options.url == null ? null : String(options.url);
  const allowRollback = Boolean(options.allowRollback);
  const loadOptions = { url, timeout, maxBytes, retries: retryPolicy(retries), fetch: options.fetch, signal: abort, random: options.random };
  const storage = guardStorage(selectStorage(url === null ? false : options.storage, absolute(url)));
  if (onEvaluate) hooks.push(onEvaluate);

  /**
   * Feature-flag client (types/client.d.ts: Client). Create it with {@link createClient}. Its state getters are
   * defined beside its methods (the second argument): V8 keeps an object literal with accessors in dictionary
   * mode, where every method call is slower.
   */
  const client = Object.defineProperties({
    /**
     * Resolves with the client once a snapshot is in place (bootstrap, cache or network). Rejects with the
     * LoadError of the load in progress (retries included) if it ends without a snapshot, or at once if the
     * last load failed and none is in progress; rejects if the client is closed. With `timeout`, rejects with
     * a LoadError of kind 'timeout' when no snapshot is in place within that many ms (the client keeps trying).
     * @param {{timeout?: number}} [options]
     * @returns {Promise<Client>}
     */
    ready(options = {}) {
      const waiting = waitReady();
      const { timeout } = options;
      if (!(timeout >= 0) || engine) return waiting;
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new LoadError('timeout',
          `no snapshot in place within ${timeout} ms${lastError ? `; last error: ${lastError.message}` : ''}`,
          { url })), timeout);
        waiting.then(resolve, reject).finally(() => clearTimeout(deadline));
      });
    },

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
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = { fn }; // one entry per subscription: the same fn may be subscribed twice
      set.add(entry);
      return () => { set.delete(entry); };
    },

    /**
     * Internal hook point for exposure events (issue 7): `fn({flag, type, value, fallback, details, context,
     * version})` is called after each evaluation. Exceptions in `fn` are swallowed. Returns an unsubscribe function.
     * @internal
     */
    onEvaluate(fn) {
      if (typeof fn !== 'function') throw new TypeError('onEvaluate(fn): fn must be a function');
      hooks = [...hooks, fn];
      return () => { hooks = hooks.filter((h) => h !== fn); };
    },

    // ---- loading -------------------------------------------------------------------------------

    /**
     * Checks the URL for a new snapshot now. Concurrent calls share one request. Never rejects: resolves with
     * `{status: 'updated' | 'not-modified' | 'unchanged' | 'failed' | 'closed', version, error?}`.
     * @returns {Promise<{status: string, version: number | null, error?: LoadError}>}
     */
    refresh,

    /**
     * Stops polling, aborts the request in flight, drops every listener and frees the engine. Evaluations
     * afterwards return their fallback (PROVIDER_NOT_READY); pending ready() calls reject.
     */
    close() {
      if (closed) return;
      closed = true;
      status = 'closed';
      clearTimeout(timer);
      timer = null;
      abort.abort();
      detach();
      listeners.clear();
      hooks = [];
      const held = engine;
      engine = null;
      generation++;
      if (held) safe(() => held.free());
    },

    // ---- evaluation (never throws) -------------------------------------------------------------

    /** @returns {boolean} the flag's value, or `fallback` (not loaded, unknown flag, wrong type, any error) */
    boolean(key, fallback, context) { return read('boolean', key, fallback, context); },
    /** @returns {string} */
    string(key, fallback, context) { return read('string', key, fallback, context); },
    /** @returns {number} */
    number(key, fallback, context) { return read('number', key, fallback, context); },
    /** @returns {unknown} */
    json(key, fallback, context) { return read('json', key, fallback, context); },

    /**
     * The full result: flagKey, value, variant, reason, ruleId, ruleIndex, errorCode, errorMessage, prerequisite,
     * metadata. `options.type` makes it a typed read (TYPE_MISMATCH on another type); `options.now` sets the time.
     * Before a snapshot is loaded: the fallback, reason ERROR, errorCode PROVIDER_NOT_READY.
     */
    details(key, fallback, context, options) { return detailsOf(key, fallback, context, options); },

    /**
     * Every flag's result for `context`, keyed by flag key; `{}` before a snapshot is loaded. Not reported to
     * onEvaluate hooks (it serves bootstrapping and debugging, not exposures).
     */
    all(context) {
      return safe(() => engine?.all(context) ?? {}, {});
    },

    /**
     * A bound evaluator for repeated reads with one context. The context is read when bound (do not mutate it
     * afterwards). It follows the client: after a snapshot change it rebinds itself on its next read.
     * `close()` frees its binding now (optional: the next read binds again).
     * @param {object} context
     */
    forContext(context) {
      let bound = null;
      let boundGeneration = -1;
      const release = (g) => {
        const old = bound;
        bound = null;
        boundGeneration = g;
        safe(() => old?.free());
      };
      const current = () => {
        if (boundGeneration !== generation) {
          release(generation);
          if (engine) bound = engine.bind(context);
        }
        return bound;
      };
      const reader = (type) => (key, fallback) => read(type, key, fallback, context, current);
      return {
        context,
        boolean: reader('boolean'),
        string: reader('string'),
        number: reader('number'),
        json: reader('json'),
        details: (key, fallback, options) => detailsOf(key, fallback, context, options, current),
        all: () => safe(() => current()?.all() ?? {}, {}),
        close: () => release(-1),
      };
    },
  }, {
    // ---- state ---------------------------------------------------------------------------------

    /** Version of the snapshot in use, or null before one is loaded. */
    version: { get: () => version },
    /** Environment named by the snapshot in use, or null. */
    environment: { get: () => environment },
    /** ETag of the snapshot in use, as the server sent it, or null. */
    etag: { get: () => etag },
    /**
     * 'loading' (no snapshot yet), 'ready', 'stale' (serving a snapshot while the last refresh failed or
     * was refused), 'error' (no snapshot, the last load failed), 'closed'.
     */
    status: { get: () => status },
  });

  // The bootstrap snapshot as a startup candidate (a list of one, or none).
  const boot = bootstrap == null ? [] : [{ text: toText(bootstrap), etag: null, source: 'bootstrap' }];
  // Serve at once when we can do it synchronously: wasm ready, storage synchronous.
  let cached = null;
  let adoptedSync = false;
  if (wasmReadySync(wasm)) {
    cached = storage.get();
    const candidates = [...boot];
    // With trusted keys a cached entry is verified first (asynchronously, in start).
    if (cached && !isThenable(cached) && !keys) candidates.push({ ...cached, source: 'cache' });
    // A snapshot that may use `matches`, `semver_*` or `in_cidr` waits (in start) for the operators module where it loads asynchronously.
    adoptedSync = candidates.every((c) => regexReadySync(c.text));
    if (adoptedSync) adoptBest(candidates);
  }
  startup = start(isThenable(cached) || (cached && keys) ? cached : null, adoptedSync).finally(() => { starting = false; });
  watchVisibility();
  deferEvents = false;
  return client;

  async function waitReady() {
    for (;;) {
      if (engine) return client;
      if (closed) throw closedError(url);
      const pending = starting ? startup : inflight;
      if (!pending) throw lastError ?? new LoadError('network', 'no snapshot could be loaded', { url });
      await Promise.race([pending, adopted]);
    }
  }

  // client.refresh() (documented there).
  function refresh() {
    if (closed) return Promise.resolve({ status: 'closed', version });
    if (url === null) return Promise.resolve({ status: 'unchanged', version });
    if (!inflight) {
      inflight = load().finally(() => {
        inflight = null;
        schedule();
      });
    }
    return inflight;
  }

  // Startup after the synchronous part. When that part adopted its candidates (`adoptedSync`), `cached` is what it
  // left of the cache (a promise of the entry, an entry to verify against the trusted keys, or null); otherwise
  // the bootstrap and the cache are both read and adopted here.
  async function start(cached, adoptedSync) {
    let candidates = [];
    if (!adoptedSync) {
      try {
        await ensureWasm(wasm);
      } catch (err) {
        fail(err);
        return;
      }
      if (closed) return;
      candidates = boot; // (the synchronous part, which did not adopt, had a copy)
      cached = storage.get();
    }
    if (cached) {
      cached = await cached;
      if (cached && !closed && await cacheVerified(cached)) candidates.push({ ...cached, source: 'cache' });
    }
    for (const c of candidates) await regexFor(c.text);
    if (closed) return;
    adoptBest(candidates);
    if (unexplained !== null) { // a refused bootstrap, reported with its problems' messages
      const refused = unexplained;
      unexplained = null;
      try { (await explained(() => Engine.fromJSON(refused))).free(); } catch (err) {
        if (!closed) fail(refusal(err, 'the bootstrap snapshot', null));
      }
    }
    if (url !== null && !closed) await refresh();
  }

  /**
   * The signature checks (verify.js), loaded on first use: only clients with trusted keys download them. A
   * failed load (offline) is a retryable LoadError of kind 'network', and is tried again by the next load.
   */
  function signatureChecks() {
    checks ??= import('./verify.js').then(
      (m) => m.signatureChecks({ LoadError, loadSnapshot }),
      (err) => {
        checks = null;
        throw new LoadError('network', `cannot load edgeflag's signature checks (verify.js): ${err?.message ?? err}`, { cause: err });
      },
    );
    return checks;
  }

  /** Without trusted keys, true. With them: whether the cache entry's stored signature verifies its text. */
  async function cacheVerified(entry) {
    if (!keys) return true;
    let loaded;
    try { loaded = await signatureChecks(); } catch { return false; } // cannot check now (offline): not used, kept
    if (await loaded._checkCached(entry, keys)) return true;
    cacheUnusable = true; // unsigned, altered or signed by a key no longer trusted: skipped, may be overwritten
    return false;
  }

  /**
   * Loads the operators (regular-expression) module when `text` may use `matches`, `semver_*` or `in_cidr`
   * (mayUseRegex: a cheap scan) and it is not loaded.
   * Never throws: if it cannot be loaded, the engine refuses the snapshot with a problem that says so.
   */
  async function regexFor(text) {
    if (regexReadySync(text)) return;
    try { await initRegex(regex); } catch { /* reported by Engine.fromJSON */ }
  }

  /**
   * Runs `load` (a snapshot's validation); when it refuses the snapshot without its problems' messages (the
   * runtime reports paths only while the diagnostics module is not loaded: browsers, workers), loads that
   * module and runs it again, so the refusal is reported with the messages. Without the module, the first refusal.
   */
  async function explained(load) {
    try {
      return load();
    } catch (err) {
      if (!lacksMessages(err) && !lacksMessages(err?.cause)) throw err;
      try { await initDiagnostics(diagnostics); } catch { throw err; }
      if (closed) throw err;
      return load();
    }
  }

  /** Startup: installs the highest valid version among the candidates, if higher than the one held. */
  function adoptBest(candidates) {
    let best = null;
    for (const c of candidates) {
      let loaded;
      try {
        loaded = Engine.fromJSON(c.text);
      } catch (err) {
        // A bad bootstrap is the caller's mistake: say so. A bad cache entry is skipped, and may be overwritten.
        // (Without the problems' messages: reported once the diagnostics module is loaded, in start.)
        if (c.source !== 'bootstrap') cacheUnusable = true;
        else if (lacksMessages(err)) unexplained = c.text;
        else fail(refusal(err, 'the bootstrap snapshot', null));
        continue;
      }
      if (c.source === 'cache' && loaded.version !== c.version) { // the entry lies about its version
        loaded.free();
        cacheUnusable = true;
        continue;
      }
      if (best === null || loaded.version > best.engine.version) {
        if (best) best.engine.free();
        best = { ...c, engine: loaded };
      } else {
        loaded.free();
      }
    }
    if (!best) return;
    if (engine && best.engine.version <= version) {
      if (best.engine.version === version && best.text === text && best.etag) etag = best.etag;
      best.engine.free();
      return;
    }
    install(best.engine, best.text, best.etag, best.source);
    sig = best.sig ?? null; // (a cache entry's; the bootstrap has none)
    adoptedNow(); // ready() need not wait for the revalidation
  }

  // One check of the URL (refresh); 'closed' when the client is closed meanwhile.
  async function load() {
    lastCheck = now();
    let outcome, signature = null;
    try {
      await ensureWasm(wasm);
      const res = await loadSnapshot({ ...loadOptions, etag: engine ? etag : null });
      if (closed) return { status: 'closed', version };
      if (res.notModified) {
        if (!engine) throw new LoadError('http', `${url} answered 304 Not Modified but no snapshot is held`, { url, status: 304 });
        if (res.etag) etag = res.etag;
        succeeded();
        return { status: 'not-modified', version };
      }
      // The exact bytes received are checked before the engine sees them.
      if (keys) signature = await (await signatureChecks())._checkFetched(loadOptions, res.bytes, keys);
      await regexFor(res.text);
      if (closed) return { status: 'closed', version };
      outcome = await explained(() => accept(res.text, res.etag));
    } catch (err) {
      return closed ? { status: 'closed', version } : failed(err);
    }
    if (outcome.status !== 'unchanged' || outcome.write) sig = signature?.text ?? null;
    succeeded();
    if (outcome.write) await persist();
    return { status: outcome.status, version };
  }

  /**
   * Validates a snapshot from the network against the one held; installs it or throws a LoadError.
   * Equal version: the same content is 'unchanged' (identical text: only the ETag is kept; the same JSON
   * written differently, e.g. a pretty-printed bootstrap: the server's copy is taken quietly, for its ETag and
   * the cache); different content is a conflict, refused unless allowRollback, because a publish must raise
   * the version.
   */
  function accept(newText, newEtag) {
    let loaded;
    try {
      loaded = Engine.fromJSON(newText);
    } catch (err) {
      throw refusal(err, url, url);
    }
    const newVersion = loaded.version;
    if (engine && newVersion <= version) {
      if (newVersion === version && newText === text) {
        loaded.free();
        const write = Boolean(newEtag) && newEtag !== etag;
        if (newEtag) etag = newEtag;
        return { status: 'unchanged', write };
      }
      if (newVersion === version && sameJson(newText, text)) {
        install(loaded, newText, newEtag, 'network', true);
        return { status: 'unchanged', write: true };
      }
      if (!allowRollback) {
        loaded.free();
        const info = { url, version: newVersion, heldVersion: version };
        if (newVersion < version) {
          throw new LoadError('older', `refused snapshot version ${newVersion} from ${url}: older than version ` +
            `${version} in use (anti-rollback; a rollback must be published under a new version, or set allowRollback)`, info);
        }
        throw new LoadError('conflict', `refused snapshot from ${url}: version ${newVersion} is already in use with ` +
          'different content (a publish must raise the version); keeping the copy in use', info);
      }
    }
    install(loaded, newText, newEtag, 'network');
    return { status: 'updated', write: true };
  }

  function install(next, nextText, nextEtag, source, quiet = false) {
    const previous = engine;
    const previousVersion = version;
    let added = [], removed = [], changed = null;
    if (previous) {
      changed = quiet ? null : safe(() => changedFlags(text, nextText), null);
      const before = new Set(safe(() => previous.flagKeys(), []));
      const after = new Set(safe(() => next.flagKeys(), []));
      added = [...after].filter((k) => !before.has(k));
      removed = [...before].filter((k) => !after.has(k));
    }
    engine = next;
    text = nextText;
    etag = nextEtag ?? null;
    version = next.version;
    environment = safe(() => next.environment ?? null, null);
    generation++;
    status = 'ready';
    if (previous) {
      safe(() => previous.free());
      if (!quiet) emit('change', { previousVersion, version, added, removed, changed, source });
    } else {
      emit('ready', { version, source });
    }
  }

  async function persist() {
    try {
      await storage.set({ text, etag, version, sig }, allowRollback || cacheUnusable); // allowOlder
      cacheUnusable = false;
    } catch (err) {
      emit('error', new LoadError('storage', `could not save snapshot version ${version} to the ` +
        `${storage.kind} cache: ${err?.message ?? err}`, { url, cause: err }));
    }
  }

  function succeeded() {
    failures = 0;
    lastError = null;
    if (engine) status = 'ready';
  }

  function failed(err) {
    const error = err instanceof LoadError ? err
      : new LoadError('network', `loading ${url} failed: ${err?.message ?? err}`, { url, cause: err });
    fail(error);
    return { status: 'failed', version, error };
  }

  function fail(error) {
    lastError = error;
    failures++;
    emit('error', error);
    if (engine) {
      status = 'stale';
      emit('stale', { version, error, failures, message: `still serving snapshot version ${version}: ${error.message}` });
    } else if (status !== 'closed') {
      status = 'error';
    }
  }

  // ---- polling -------------------------------------------------------------------------------

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (closed || url === null || !(interval > 0)) return;
    timer = setTimeout(() => {
      timer = null;
      if (!isHidden()) refresh(); // hidden: stay paused until the page is shown again
    }, interval);
    timer?.unref?.(); // polling alone never keeps a Node process alive
  }

  function watchVisibility() {
    const doc = globalThis.document;
    if (url === null || !(interval > 0) || typeof doc?.addEventListener !== 'function') return;
    const wake = () => {
      if (closed || isHidden()) return;
      // Paused (no timer) or last check long enough ago: check now.
      if (!inflight && (timer === null || now() - lastCheck >= Math.min(WAKE_GAP, interval))) {
        refresh();
      }
    };
    doc.addEventListener('visibilitychange', wake);
    globalThis.addEventListener?.('focus', wake); // the window's, where there is one
    detach = () => {
      doc.removeEventListener('visibilitychange', wake);
      globalThis.removeEventListener?.('focus', wake);
    };
  }

  // ---- evaluation ----------------------------------------------------------------------------

  // A typed read from the engine, or (`bound`: forContext's current binding) from a bound evaluator. With
  // onEvaluate hooks, through the full result (the hooks receive it).
  function read(type, key, fallback, context, bound) {
    if (hooks.length) return detailsOf(key, fallback, context, { type }, bound).value;
    try {
      const held = bound ? bound() : engine;
      if (!held) return fallback;
      return bound ? held[type](key, fallback) : held[type](key, fallback, context);
    } catch {
      return fallback;
    }
  }

  // A full result (client.details) from the engine, or (`bound`: forContext's current binding) from a bound evaluator.
  function detailsOf(key, fallback, context, options, bound) {
    let result;
    try {
      const held = bound ? bound() : engine;
      result = !held ? notReady(key, fallback, closed)
        : bound ? held.details(key, fallback, options) : held.details(key, fallback, context, options);
    } catch (err) {
      result = failure(key, fallback, err);
    }
    notify(options?.type ?? 'details', key, fallback, context, result);
    return result;
  }

  function notify(type, flag, fallback, context, details) {
    for (const hook of hooks) {
      try {
        hook({ flag, type, value: details.value, fallback, details, context, version });
      } catch { /* a hook never breaks an evaluation */ }
    }
  }

  function emit(event, payload) {
    if (closed) return;
    const deliver = () => {
      for (const { fn } of [...(listeners.get(event) ?? [])]) {
        try { fn(payload); } catch (err) { reportListenerError(event, err); }
      }
    };
    // During construction nobody could subscribe yet: deliver after the current task's synchronous code.
    if (deferEvents) queueMicrotask(deliver); else deliver();
  }
}

/**
 * The client's "closed" signal, with the part of the AbortSignal interface the loader uses. A plain
 * object on purpose: in Cloudflare Workers an AbortController cannot be created at global scope, and a
 * real AbortSignal belongs to the request that created it, so a client kept in module scope could not
 * use one across requests. Each load makes its own AbortController (in the current request) and
 * subscribes it here.
 */
function closeSignal() {
  const listeners = new Set();
  return {
    aborted: false,
    addEventListener(_abort, fn) { listeners.add(fn); }, // the loader subscribes to 'abort' only
    removeEventListener(_abort, fn) { listeners.delete(fn); },
    abort() { // once: close() calls it the first time only
      this.aborted = true;
      for (const fn of [...listeners]) {
        try { fn(); } catch { /* a listener's failure must not stop close() */ }
      }
      listeners.clear();
    },
  };
}

// ---- helpers -----------------------------------------------------------------------------------

/**
 * Whether the engine can be used synchronously now. Tries a synchronous start when that is cheap and
 * allowed: from a compiled `WebAssembly.Module`, or with no `wasm` option where the platform reads the
 * .wasm synchronously (Node, Deno, Bun). Elsewhere (browsers, workers without a Module) it waits for initWasm.
 */
function wasmReadySync(option) {
  if (option === undefined || option instanceof WebAssembly.Module) { // (initWasmSync returns at once when the module is ready)
    try { initWasmSync(option); } catch { /* this platform needs the asynchronous start */ }
  }
  return wasmReady();
}

/**
 * Whether a snapshot `text` can be loaded now as far as the rare operators go: it cannot use `matches`, `semver_*` or
 * `in_cidr` (mayUseRegex), or the operators (regular-expression) module is loaded (synchronously from disk here in Node, Deno and Bun).
 */
function regexReadySync(text) {
  if (regexReady() || !mayUseRegex(text)) return true; // (not a string: tested as its String(), no operator)
  try { initRegexSync(); } catch { /* browsers and workers: initRegex() */ }
  return regexReady();
}

/**
 * Initialises the wasm module (once per realm: initWasm shares one start and lets a failed one be tried again,
 * perhaps with a better `wasm` option); rejects with a LoadError of kind 'wasm'.
 */
async function ensureWasm(option) {
  try {
    await initWasm(option);
  } catch (err) {
    throw new LoadError('wasm', `the WebAssembly module could not be initialised: ${err?.message ?? err}`, { cause: err });
  }
}

function refusal(err, where, url) {
  const problems = Array.isArray(err?.problems) ? err.problems : undefined; // (a SnapshotError's)
  const kind = problems?.length === 1 && problems[0].path === 'schema' ? 'schema' : 'invalid';
  const shown = problems?.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ');
  const more = problems?.length > 5 ? `; and ${problems.length - 5} more` : '';
  return new LoadError(kind, `refused the snapshot from ${where}: ${shown || (err?.message ?? err)}${more}`, { url, problems, cause: err });
}

function notReady(key, fallback, closed) {
  return errorDetails(key, fallback, 'PROVIDER_NOT_READY',
    closed ? `the client is closed; "${key}" served its fallback` : `no snapshot loaded yet; "${key}" served its fallback`, {});
}

function failure(key, fallback, err) {
  return errorDetails(key, fallback, 'GENERAL', String(err?.message ?? err), {});
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
  try { return new URL(url, globalThis.location?.href).href; } catch { return url; }
}

function isHidden() {
  return globalThis.document?.hidden === true;
}

/** Whether two snapshot texts hold the same JSON (both were validated: no duplicate keys). */
function sameJson(a, b) {
  try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch { return false; }
}

function safe(fn, fallback) {
  try { return fn(); } catch { return fallback; }
}

function reportListenerError(event, err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else console.error(`edgeflag: a "${event}" listener threw:`, err);
}
