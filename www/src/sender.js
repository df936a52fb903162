// A batching sender for exposure events (or any JSON events).
//
//   const sender = createSender({ url: 'https://collect.example.com/exposures' });
//   createExposures({ client, onExposure: sender.send });
//
// Body: a JSON array of events (`format: 'json'`, Content-Type application/json), or one event per line
// (`format: 'ndjson'`, application/x-ndjson), POSTed to `url`.
// When: a batch of `batchSize` events is posted at once; fewer wait at most `flushInterval` ms; `flush()`
// posts everything now. In browsers, when the page is hidden (`visibilitychange` → hidden, `pagehide`) the
// queue goes out with `navigator.sendBeacon` (as text/plain, a CORS-safelisted type, so a cross-origin
// collector gets no preflight; the body is the same JSON), or `fetch` with `keepalive` where beacons are
// unavailable or refused.
// Bounds: at most `maxQueue` events wait; when full, the newest event is dropped ('drop-newest', default:
// the queue keeps the earliest exposures, in order, and a batch being retried is never touched) or the
// oldest ('drop-oldest': keeps the most recent). Drops are counted in stats().
// Failures: a batch that fails (network, timeout, HTTP 408/429/5xx) is retried `retries` times with
// exponential backoff and full jitter (delay in [0, min(maxDelay, baseDelay·2^n)), or the server's
// Retry-After when longer, capped by maxDelay); then its events count as `failed`. Other statuses fail at once.
// One batch is in flight at a time, so events arrive in order.
// Workers: timers do not outlive a request; set `flushInterval: 0` and call `sender.flush(ctx)` at the end of
// each request (it passes the flush to `ctx.waitUntil`), or `sender.sendVia(ctx)` so that flushes started by
// `batchSize` go through `ctx.waitUntil` too.

export const DEFAULT_BATCH_SIZE = 50;
export const DEFAULT_FLUSH_INTERVAL = 5_000;
export const DEFAULT_MAX_QUEUE = 1_000;
/** sendBeacon and keepalive fetches may carry 64 KiB in flight in all; each beacon stays below this. */
export const DEFAULT_MAX_BEACON_BYTES = 60_000;

const CONTENT_TYPES = { json: 'application/json', ndjson: 'application/x-ndjson' };
const BEACON_TYPE = 'text/plain;charset=UTF-8';

/**
 * @param {object} options
 * @param {string | URL} options.url where batches are POSTed
 * @param {'json' | 'ndjson'} [options.format] default 'json' (an array)
 * @param {number} [options.batchSize] events per request (default 50); reaching it posts at once
 * @param {number} [options.flushInterval] ms an event waits at most (default 5000; 0: only size and flush())
 * @param {number} [options.maxQueue] events waiting at most (default 1000)
 * @param {'drop-newest' | 'drop-oldest'} [options.overflow] which event goes when the queue is full (default 'drop-newest')
 * @param {number | {retries?: number, baseDelay?: number, maxDelay?: number}} [options.retries] default 3 retries, 1 s base, 30 s max
 * @param {number} [options.timeout] ms for one request (default 10000)
 * @param {Record<string, string>} [options.headers] extra request headers (not sent with beacons)
 * @param {typeof fetch} [options.fetch] default globalThis.fetch
 * @param {boolean} [options.beacon] use navigator.sendBeacon on page hide (default true)
 * @param {boolean} [options.flushOnHide] listen to visibilitychange/pagehide in browsers (default true)
 * @param {number} [options.maxBeaconBytes] largest beacon body (default 60000)
 * @param {(waitUntil: Promise<unknown>) => void | {waitUntil: Function}} [options.waitUntil] workers: where background flushes are registered
 * @param {(error: Error, info: {events: number, attempts: number, status?: number}) => void} [options.onError] a batch failed for good
 * @param {() => number} [options.random] for the jitter (default Math.random)
 */
export function createSender(options) {
  return new Sender(options);
}

class Sender {
  #url; #format; #batchSize; #interval; #maxQueue; #overflow; #policy; #timeout; #headers; #fetch; #beacon;
  #maxBeaconBytes; #onError; #random; #waitUntil = null;
  #queue; #timer = null; #draining = null; #next = null; #nextAll = false; #pending = null; #wake = null; #closed = false; #detach = () => {};
  #stats = { accepted: 0, sent: 0, dropped: 0, failed: 0, requests: 0, retries: 0, beacons: 0 };

  constructor(options) {
    if (options === null || typeof options !== 'object') throw new TypeError('createSender(options): options must be an object');
    const { url, format = 'json', batchSize = DEFAULT_BATCH_SIZE, flushInterval = DEFAULT_FLUSH_INTERVAL,
      maxQueue = DEFAULT_MAX_QUEUE, overflow = 'drop-newest', retries, timeout = 10_000, headers = {},
      beacon = true, flushOnHide = true, maxBeaconBytes = DEFAULT_MAX_BEACON_BYTES, waitUntil, onError,
      random = Math.random } = options;
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('createSender: url must be a string or a URL');
    if (!CONTENT_TYPES[format]) throw new TypeError('createSender: format must be "json" or "ndjson"');
    const int = (name, v, min) => {
      if (!Number.isInteger(v) || v < min) throw new TypeError(`createSender: ${name} must be an integer >= ${min}`);
    };
    int('batchSize', batchSize, 1);
    int('maxQueue', maxQueue, 1);
    int('maxBeaconBytes', maxBeaconBytes, 1);
    if (!(flushInterval >= 0) || flushInterval === Infinity) throw new TypeError('createSender: flushInterval must be a number of ms >= 0');
    if (!(timeout >= 1) || timeout === Infinity) throw new TypeError('createSender: timeout must be a number of ms >= 1');
    if (overflow !== 'drop-newest' && overflow !== 'drop-oldest') throw new TypeError('createSender: overflow must be "drop-newest" or "drop-oldest"');
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new TypeError('createSender: no fetch available: pass options.fetch');
    this.#url = String(url);
    this.#format = format;
    this.#batchSize = batchSize;
    this.#interval = flushInterval;
    this.#maxQueue = maxQueue;
    this.#overflow = overflow;
    this.#policy = retryPolicy(retries);
    this.#timeout = timeout;
    this.#headers = { ...headers };
    this.#fetch = options.fetch ? fetchFn : (...a) => globalThis.fetch(...a);
    this.#beacon = beacon !== false;
    this.#maxBeaconBytes = maxBeaconBytes;
    this.#onError = typeof onError === 'function' ? onError : null;
    this.#random = random;
    this.#queue = new Ring(maxQueue);
    if (waitUntil) this.sendVia(waitUntil);
    if (flushOnHide !== false) this.#watchPageHide();
    this.send = this.send.bind(this);
  }

  /**
   * Queues one event. Returns false when it was not queued (queue full with 'drop-newest', or closed).
   * Bound: pass `sender.send` around as a callback.
   * @param {unknown} event any JSON value
   */
  send(event) {
    if (this.#closed) { this.#stats.dropped++; return false; }
    if (this.#queue.length >= this.#maxQueue) {
      this.#stats.dropped++;
      if (this.#overflow === 'drop-newest') return false;
      this.#queue.shift();
    }
    this.#queue.push(event);
    this.#stats.accepted++;
    if (this.#queue.length >= this.#batchSize) this.#background(false);
    else if (this.#timer === null && this.#interval > 0) {
      this.#timer = setTimeout(() => { this.#timer = null; this.#background(true); }, this.#interval);
      this.#timer?.unref?.(); // a pending batch alone never keeps a Node process alive: flush() before exit
    }
    return true;
  }

  /**
   * Posts everything queued now (retries included); resolves when the queue is empty or what remained has
   * failed. Never rejects. In workers pass the request's `ctx` (or its `waitUntil` function): the flush is
   * handed to `ctx.waitUntil` so that it finishes after the response.
   * @param {{waitUntil: Function} | ((p: Promise<unknown>) => void)} [ctx]
   * @returns {Promise<void>}
   */
  flush(ctx) {
    const done = this.#drain(true);
    if (ctx) register(ctx, done);
    return done;
  }

  /**
   * Workers: registers background flushes (started by `batchSize` or the timer) with `ctx.waitUntil` from
   * now on; pass each request's ctx. `null` stops.
   * @param {{waitUntil: Function} | ((p: Promise<unknown>) => void) | null} ctx
   */
  sendVia(ctx) {
    if (ctx != null && typeof ctx !== 'function' && typeof ctx.waitUntil !== 'function') {
      throw new TypeError('sendVia(ctx): pass an object with waitUntil, a waitUntil function, or null');
    }
    this.#waitUntil = ctx ?? null;
    return this;
  }

  /**
   * accepted (queued so far), queued (waiting now), inFlight (being posted or waiting for a retry), sent
   * (delivered: 2xx or handed to sendBeacon), dropped (queue full, or sent after close), failed (retries
   * exhausted or refused), requests (fetches made), retries, beacons (sendBeacon calls accepted).
   */
  stats() {
    return { ...this.#stats, queued: this.#queue.length, inFlight: this.#pending?.events.length ?? 0 };
  }

  /**
   * Stops the timer and the page-hide listeners, then flushes what is queued (`{flush: false}`: drops it,
   * counted as dropped). Later `send` calls are dropped.
   */
  async close(options) {
    if (this.#closed) return this.#draining ?? undefined;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#detach();
    if (options?.flush === false) {
      this.#stats.dropped += this.#queue.length;
      this.#queue.clear();
      this.#closed = true;
      return undefined;
    }
    const done = this.#drain(true);
    this.#closed = true;
    return done;
  }

  // ---- posting -----------------------------------------------------------------------------------

  #background(all) {
    const p = this.#drain(all);
    if (this.#waitUntil) register(this.#waitUntil, p);
  }

  /** Sends batches one at a time: full ones, or (all) everything queued. Concurrent calls chain. */
  #drain(all) {
    if (this.#next) { // one drain waits already: it will see the events queued since
      if (all) this.#nextAll = true;
      return this.#next;
    }
    const previous = this.#draining;
    this.#nextAll = all;
    const run = (async () => {
      if (previous) await previous;
      this.#next = null;
      all = this.#nextAll;
      if (all) { clearTimeout(this.#timer); this.#timer = null; }
      while (this.#queue.length > 0 && (all || this.#queue.length >= this.#batchSize)) {
        const events = this.#queue.take(this.#batchSize);
        await this.#post({ events, attempts: 0, taken: false });
      }
      // Left-overs below batchSize wait for the timer.
      if (this.#queue.length > 0 && this.#timer === null && this.#interval > 0 && !this.#closed) {
        this.#timer = setTimeout(() => { this.#timer = null; this.#background(true); }, this.#interval);
        this.#timer?.unref?.();
      }
    })();
    const tracked = run.catch(() => {}).finally(() => { if (this.#draining === tracked) this.#draining = null; });
    this.#draining = tracked;
    if (previous) this.#next = tracked;
    return tracked;
  }

  async #post(batch) {
    this.#pending = batch;
    try {
      const body = encode(batch.events, this.#format);
      for (;;) {
        batch.attempts++;
        this.#stats.requests++;
        const outcome = await this.#request(body);
        if (batch.taken) return; // the page was hidden meanwhile: the batch went out by beacon
        if (outcome.ok) { this.#stats.sent += batch.events.length; return; }
        if (!outcome.retryable || batch.attempts > this.#policy.retries) {
          this.#stats.failed += batch.events.length;
          this.#report(outcome.error, batch, outcome.status);
          return;
        }
        this.#stats.retries++;
        const cap = Math.min(this.#policy.maxDelay, this.#policy.baseDelay * 2 ** Math.min(batch.attempts - 1, 30));
        let delay = Math.floor(this.#random() * cap);
        if (outcome.retryAfter != null) delay = Math.min(this.#policy.maxDelay, Math.max(delay, outcome.retryAfter));
        await this.#sleep(delay);
        if (batch.taken) return;
      }
    } finally {
      if (this.#pending === batch) this.#pending = null;
    }
  }

  async #request(body) {
    const init = { method: 'POST', headers: { 'content-type': CONTENT_TYPES[this.#format], ...this.#headers }, body };
    // keepalive lets a request outlive the page; browsers cap such bodies at 64 KiB in flight.
    if (typeof globalThis.document !== 'undefined' && byteLength(body) <= this.#maxBeaconBytes) init.keepalive = true;
    if (typeof AbortSignal?.timeout === 'function') init.signal = AbortSignal.timeout(this.#timeout);
    let res;
    try {
      res = await this.#fetch(this.#url, init);
    } catch (err) {
      return { ok: false, retryable: true, error: err instanceof Error ? err : new Error(String(err)) };
    }
    try { await res.body?.cancel?.(); } catch { /* nothing to free */ }
    if (res.ok) return { ok: true };
    const status = res.status;
    const retryable = status === 408 || status === 429 || status >= 500;
    const retryAfter = retryable ? parseRetryAfter(res.headers?.get?.('retry-after')) : null;
    return { ok: false, retryable, status, retryAfter, error: new Error(`${this.#url} answered HTTP ${status}`) };
  }

  #sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.#wake = null; resolve(); }, ms);
      this.#wake = () => { clearTimeout(t); this.#wake = null; resolve(); };
    });
  }

  #report(error, batch, status) {
    if (!this.#onError) return;
    try { this.#onError(error, { events: batch.events.length, attempts: batch.attempts, status }); } catch { /* ignore */ }
  }

  // ---- page hide (browsers) ----------------------------------------------------------------------

  #watchPageHide() {
    const doc = globalThis.document;
    const win = globalThis;
    if (typeof doc?.addEventListener !== 'function' || typeof win.addEventListener !== 'function') return;
    const onVisibility = () => { if (doc.visibilityState === 'hidden') this.flushOnHide(); };
    const onPageHide = () => this.flushOnHide();
    doc.addEventListener('visibilitychange', onVisibility);
    win.addEventListener('pagehide', onPageHide);
    this.#detach = () => {
      doc.removeEventListener('visibilitychange', onVisibility);
      win.removeEventListener('pagehide', onPageHide);
    };
  }

  /**
   * Sends, synchronously, everything queued plus a batch waiting for a retry, by `navigator.sendBeacon`
   * (else `fetch` with keepalive), in bodies of at most `maxBeaconBytes`. Called on page hide; callable by
   * hand (e.g. before a navigation the sender cannot see). A request already in flight is left to finish.
   * Returns the number of events handed over.
   */
  flushOnHide() {
    clearTimeout(this.#timer);
    this.#timer = null;
    const events = [];
    const pending = this.#pending;
    if (pending && !pending.taken && this.#wake) { // waiting for a retry: take it over
      pending.taken = true;
      events.push(...pending.events);
      this.#wake();
    }
    events.push(...this.#queue.take(this.#queue.length));
    if (events.length === 0) return 0;
    for (const chunk of chunks(events, this.#format, this.#maxBeaconBytes)) this.#sendNow(chunk);
    return events.length;
  }

  #sendNow({ body, count }) {
    const nav = globalThis.navigator;
    if (this.#beacon && typeof nav?.sendBeacon === 'function') {
      let ok = false;
      try { ok = nav.sendBeacon(this.#url, new Blob([body], { type: BEACON_TYPE })); } catch { ok = false; }
      if (ok) { this.#stats.beacons++; this.#stats.sent += count; return; }
    }
    this.#stats.requests++;
    const init = { method: 'POST', headers: { 'content-type': CONTENT_TYPES[this.#format], ...this.#headers }, body, keepalive: true };
    Promise.resolve()
      .then(() => this.#fetch(this.#url, init))
      .then((res) => {
        if (res.ok) this.#stats.sent += count;
        else { this.#stats.failed += count; this.#report(new Error(`${this.#url} answered HTTP ${res.status}`), { events: { length: count }, attempts: 1 }, res.status); }
      }, (err) => {
        this.#stats.failed += count;
        this.#report(err instanceof Error ? err : new Error(String(err)), { events: { length: count }, attempts: 1 });
      });
  }
}

// ---- helpers -------------------------------------------------------------------------------------

/** A bounded FIFO with O(1) push, shift and take-from-the-front. */
class Ring {
  #buf; #head = 0; #size = 0;
  constructor(capacity) { this.#buf = new Array(capacity); }
  get length() { return this.#size; }
  push(v) {
    this.#buf[(this.#head + this.#size) % this.#buf.length] = v;
    this.#size++;
  }
  shift() {
    const v = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#size--;
    return v;
  }
  take(n) {
    const out = [];
    while (out.length < n && this.#size > 0) out.push(this.shift());
    return out;
  }
  clear() { this.take(this.#size); }
}

function retryPolicy(option) {
  const o = typeof option === 'number' ? { retries: option } : (option ?? {});
  const num = (v, d) => (Number.isFinite(v) && v >= 0 ? v : d);
  const maxDelay = num(o.maxDelay, 30_000);
  return { retries: Math.floor(num(o.retries, 3)), baseDelay: Math.min(num(o.baseDelay, 1_000), maxDelay), maxDelay };
}

function encode(events, format) {
  if (format === 'ndjson') return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  return JSON.stringify(events);
}

/** Splits events into bodies of at most `max` bytes (an event larger than that goes alone). */
function* chunks(events, format, max) {
  const lines = events.map((e) => JSON.stringify(e));
  const overhead = format === 'ndjson' ? 1 : 1; // ndjson: "\n" per line; json: "," per element (+2 for [])
  let start = 0;
  let size = format === 'json' ? 2 : 0;
  for (let i = 0; i < lines.length; i++) {
    const n = byteLength(lines[i]) + overhead;
    if (i > start && size + n > max) {
      yield body(lines.slice(start, i), format);
      start = i;
      size = format === 'json' ? 2 : 0;
    }
    size += n;
  }
  if (start < lines.length) yield body(lines.slice(start), format);
}

function body(lines, format) {
  return { body: format === 'ndjson' ? lines.join('\n') + '\n' : `[${lines.join(',')}]`, count: lines.length };
}

const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;
function byteLength(text) {
  return encoder ? encoder.encode(text).length : text.length * 3;
}

function parseRetryAfter(value) {
  if (value == null) return null;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function register(ctx, promise) {
  try {
    if (typeof ctx === 'function') ctx(promise);
    else ctx.waitUntil(promise);
  } catch { /* a finished request's ctx may refuse: the flush runs anyway */ }
}
