// Exposure events and evaluation counters.
//
//   import { createClient } from 'edgeflag';
//   import { createExposures, createSender } from 'edgeflag/exposure';
//   const sender = createSender({ url: '/collect' });
//   const exposures = createExposures({ client, onExposure: sender.send, sampleRate: 0.25 });
//
// An exposure is the first evaluation of a (context key, flag, variant) within `window` ms: the moment a
// user was shown a variant, what experiment analysis and release monitoring count. Deduplication keeps the
// most recent `maxKeys` triples in an LRU (a Map in recency order: O(1) lookup, refresh and eviction), so a
// long-running server holds a bounded amount of memory; a triple evicted early may be reported again.
// Sampling is deterministic: whether (context key, flag) is sampled depends only on a hash of the two (and
// `sampleSalt`), so separate isolates, processes or page loads agree without sharing state, and a sampled
// user stays sampled for that flag. Counters are exact: every evaluation seen is counted per flag and
// variant, before deduplication and sampling.

/** Default deduplication window: one hour. */
export const DEFAULT_EXPOSURE_WINDOW = 3_600_000;
/** Default number of (context key, flag, variant) triples remembered. */
export const DEFAULT_MAX_KEYS = 10_000;
/** Default number of distinct flag keys counted (unknown keys read by mistake must not grow memory forever). */
export const DEFAULT_MAX_COUNTED_FLAGS = 1_000;

const SEP = '\u0000';

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `text` (lone surrogates as U+FFFD), as an unsigned integer.
 * Fast, allocation-free, and the same in every JS runtime (and easy to reproduce elsewhere).
 * @param {string} text
 * @returns {number}
 */
export function fnv1a32(text) {
  let h = 0x811c9dc5;
  const byte = (b) => { h = Math.imul(h ^ b, 0x01000193); };
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) { byte(c); continue; }
    if (c < 0x800) { byte(0xc0 | (c >> 6)); byte(0x80 | (c & 63)); continue; }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        byte(0xf0 | (c >> 18)); byte(0x80 | ((c >> 12) & 63)); byte(0x80 | ((c >> 6) & 63)); byte(0x80 | (c & 63));
        continue;
      }
      c = 0xfffd;
    }
    byte(0xe0 | (c >> 12)); byte(0x80 | ((c >> 6) & 63)); byte(0x80 | (c & 63));
  }
  return h >>> 0;
}

/**
 * Whether exposures of `flag` for `contextKey` are sampled at `sampleRate` (0..1): FNV-1a 32 of
 * `sampleSalt + contextKey + "\0" + flag` (a missing key is the empty string), divided by 2^32, is below
 * `sampleRate`. Deterministic: every isolate gives the same answer.
 * @param {string | number | null | undefined} contextKey
 * @param {string} flag
 * @param {number} sampleRate
 * @param {string} [sampleSalt]
 */
export function isSampled(contextKey, flag, sampleRate, sampleSalt = '') {
  if (sampleRate >= 1) return true;
  if (!(sampleRate > 0)) return false;
  return fnv1a32(`${sampleSalt}${contextKey ?? ''}${SEP}${flag}`) < sampleRate * 4294967296;
}

/** The default context key: `key` (edgeflag's targeting key), else `targetingKey`, as a string; null if none. */
function defaultContextKey(context) {
  const k = context?.key ?? context?.targetingKey;
  return k === undefined || k === null ? null : String(k);
}

/**
 * Creates an exposure tracker. Feed it evaluations with `attach(client)` (or the `client` option), or call
 * `record(evaluation)` with objects shaped like the client's onEvaluate events.
 *
 * @param {object} options
 * @param {(event: object) => void} options.onExposure called with {flag, variant, value?, reason, ruleId,
 *   contextKey, version, time, sampleRate?}; exceptions are counted (stats().callbackErrors) and swallowed
 * @param {object} [options.client] an edgeflag client to attach to at once
 * @param {number} [options.window] deduplication window in ms (default 1 h; 0: every evaluation is an exposure)
 * @param {number} [options.maxKeys] triples remembered for deduplication (default 10 000)
 * @param {number} [options.sampleRate] 0..1 (default 1: every exposure)
 * @param {string} [options.sampleSalt] changes which users are sampled (default '')
 * @param {boolean} [options.includeValue] add the served value to each event (default false)
 * @param {(context: object) => string | null} [options.contextKey] the context key (default: `key`, else `targetingKey`)
 * @param {() => number} [options.now] clock in ms since the epoch (default Date.now)
 * @param {number} [options.maxCountedFlags] distinct flag keys counted (default 1000; more are not counted)
 */
export function createExposures(options) {
  return new Exposures(options);
}

class Exposures {
  #onExposure; #window; #maxKeys; #sampleRate; #salt; #includeValue; #contextKey; #now; #maxCountedFlags;
  #seen = new Map(); // key triple → time of its last exposure; iteration order = least recently used first
  #counters = new Map(); // flag → Map(variant → n)
  #detach = new Set();
  #stats = { evaluations: 0, exposures: 0, deduplicated: 0, sampledOut: 0, errors: 0, evicted: 0, callbackErrors: 0, uncounted: 0 };

  constructor(options) {
    if (options === null || typeof options !== 'object') throw new TypeError('createExposures(options): options must be an object');
    const { onExposure, client, window = DEFAULT_EXPOSURE_WINDOW, maxKeys = DEFAULT_MAX_KEYS, sampleRate = 1,
      sampleSalt = '', includeValue = false, contextKey = defaultContextKey, now = Date.now,
      maxCountedFlags = DEFAULT_MAX_COUNTED_FLAGS } = options;
    if (typeof onExposure !== 'function') throw new TypeError('createExposures: onExposure must be a function');
    if (!(window >= 0)) throw new TypeError('createExposures: window must be a number of ms >= 0 (Infinity allowed)');
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new TypeError('createExposures: maxKeys must be an integer >= 1');
    if (typeof sampleRate !== 'number' || !(sampleRate >= 0 && sampleRate <= 1)) throw new TypeError('createExposures: sampleRate must be in [0, 1]');
    if (typeof contextKey !== 'function') throw new TypeError('createExposures: contextKey must be a function');
    if (typeof now !== 'function') throw new TypeError('createExposures: now must be a function');
    if (!Number.isInteger(maxCountedFlags) || maxCountedFlags < 0) throw new TypeError('createExposures: maxCountedFlags must be an integer >= 0');
    this.#onExposure = onExposure;
    this.#window = window;
    this.#maxKeys = maxKeys;
    this.#sampleRate = sampleRate;
    this.#salt = String(sampleSalt);
    this.#includeValue = Boolean(includeValue);
    this.#contextKey = contextKey;
    this.#now = now;
    this.#maxCountedFlags = maxCountedFlags;
    if (client != null) this.attach(client);
  }

  /**
   * Listens to a client's evaluations (its onEvaluate hook). Returns a function that stops listening.
   * @param {{onEvaluate: Function}} client
   */
  attach(client) {
    if (typeof client?.onEvaluate !== 'function') throw new TypeError('attach(client): an edgeflag client is required');
    const off = client.onEvaluate((e) => this.record(e));
    const detach = () => { off(); this.#detach.delete(detach); };
    this.#detach.add(detach);
    return detach;
  }

  /**
   * Counts one evaluation and reports it as an exposure if it is one. Returns the exposure event, or null
   * (an error: no variant was shown; deduplicated; not sampled).
   * @param {{flag: string, details: object, context?: object, version?: number | null}} evaluation
   */
  record(evaluation) {
    const s = this.#stats;
    s.evaluations++;
    const { flag, details } = evaluation;
    const variant = details?.variant ?? null;
    this.#count(flag, variant === null ? `error:${details?.errorCode ?? 'GENERAL'}` : variant);
    if (variant === null) { s.errors++; return null; }

    let contextKey;
    try { contextKey = this.#contextKey(evaluation.context); } catch { contextKey = null; }
    contextKey = contextKey === undefined || contextKey === null ? null : String(contextKey);
    if (this.#sampleRate < 1 && !isSampled(contextKey, flag, this.#sampleRate, this.#salt)) { s.sampledOut++; return null; }

    const time = this.#now();
    const key = `${contextKey ?? ''}${SEP}${contextKey === null ? 0 : 1}${SEP}${flag}${SEP}${variant}`;
    const seen = this.#seen;
    const last = seen.get(key);
    if (last !== undefined) {
      seen.delete(key); // move to the most recent end
      if (time - last < this.#window) {
        seen.set(key, last);
        s.deduplicated++;
        return null;
      }
    }
    seen.set(key, time);
    if (seen.size > this.#maxKeys) {
      seen.delete(seen.keys().next().value);
      s.evicted++;
    }
    const event = { flag, variant, reason: details.reason, ruleId: details.ruleId ?? null, contextKey,
      version: evaluation.version ?? null, time };
    if (this.#includeValue) event.value = details.value;
    if (this.#sampleRate < 1) event.sampleRate = this.#sampleRate;
    s.exposures++;
    try { this.#onExposure(event); } catch { s.callbackErrors++; }
    return event;
  }

  #count(flag, variant) {
    let byVariant = this.#counters.get(flag);
    if (byVariant === undefined) {
      if (this.#counters.size >= this.#maxCountedFlags) { this.#stats.uncounted++; return; }
      this.#counters.set(flag, (byVariant = new Map()));
    }
    byVariant.set(variant, (byVariant.get(variant) ?? 0) + 1);
  }

  /**
   * Evaluations counted since the last reset: `{flagKey: {variantKey: n}}`; evaluations that served the
   * fallback count under `error:<ERROR_CODE>`. With `{reset: true}`, reads and resets in one step.
   * @param {{reset?: boolean}} [options]
   */
  counters(options) {
    const out = {};
    for (const [flag, byVariant] of this.#counters) {
      const row = {};
      for (const [variant, n] of byVariant) setKey(row, variant, n);
      setKey(out, flag, row);
    }
    if (options?.reset) this.reset();
    return out;
  }

  /** Resets the counters (not the deduplication memory: see clear()). */
  reset() {
    this.#counters = new Map();
  }

  /** Forgets every exposure seen: the next evaluation of each triple is an exposure again. */
  clear() {
    this.#seen.clear();
  }

  /**
   * Totals since creation: evaluations, exposures (reported), deduplicated, sampledOut, errors (no variant),
   * evicted (LRU), callbackErrors (onExposure threw), uncounted (flags over maxCountedFlags), tracked (triples held).
   */
  stats() {
    return { ...this.#stats, tracked: this.#seen.size };
  }

  /** Stops listening to every attached client. */
  close() {
    for (const detach of [...this.#detach]) detach();
  }
}

function setKey(out, key, value) {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
export * from './sender.js';
