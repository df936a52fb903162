// Fetches the snapshot text over HTTP: conditional requests, a timeout, a size limit,
// strict UTF-8 and bounded retries with exponential backoff and full jitter.
// It knows nothing about the snapshot format: the engine validates what this returns.

/** Default maximum body size: 16 MiB, the engine's default JSON limit. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** Default time allowed for one attempt (headers and body), in milliseconds. */
export const DEFAULT_TIMEOUT = 10_000;

const MAX_RETRIES = 10;
const MAX_DELAY = 60_000;

/**
 * A failed load, with the reason in `kind`:
 * - `http`: the server answered with an error status (see `status`)
 * - `network`: no answer at all (connection refused, DNS, reset before the headers)
 * - `timeout`: no complete answer within the timeout
 * - `truncated`: the connection closed before the whole body arrived
 * - `too-large`: the body is over `maxBytes` (from Content-Length or while streaming)
 * - `content-type`: the server sent an HTML page, not a snapshot
 * - `decode`: the body is not valid UTF-8
 * - `invalid`: the engine refused the snapshot (see `problems`)
 * - `schema`: the snapshot's `schema` is one this engine does not know
 * - `older`: the snapshot's version is lower than the one held (anti-rollback)
 * - `conflict`: the same version was served with different content
 * - `signature`: trusted keys are configured and the snapshot is unsigned, or its signature does not verify
 * - `storage`: the persistent cache could not be written
 * - `wasm`: the WebAssembly module could not be initialised
 * - `aborted`: the client was closed while loading
 */
export class LoadError extends Error {
  /**
   * @param {string} kind
   * @param {string} message
   * @param {{url?: string, status?: number, problems?: Array<{path: string, message: string}>,
   *          cause?: unknown, attempts?: number, version?: number, heldVersion?: number}} [info]
   */
  constructor(kind, message, info = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = 'LoadError';
    this.kind = kind;
    this.url = info.url ?? null;
    this.status = info.status ?? null;
    this.attempts = info.attempts ?? 1;
    if (info.problems) this.problems = info.problems;
    if (info.version !== undefined) this.version = info.version;
    if (info.heldVersion !== undefined) this.heldVersion = info.heldVersion;
  }

  /** Whether trying again soon may succeed (network trouble, timeouts, 5xx, 408, 429). */
  get retryable() {
    const { kind, status } = this;
    return kind === 'network' || kind === 'timeout' || kind === 'truncated'
      || (kind === 'http' && (status >= 500 || status === 408 || status === 429));
  }
}

/**
 * Normalises the `retries` option: a number of retries, or `{ retries, baseDelay, maxDelay }`.
 * Values are clamped: at most 10 retries, delays at most 60 s. The defaults: 2 retries after the first
 * attempt, delays drawn from [0, 250 ms · 2^n], never over 5 s.
 * @param {number | {retries?: number, baseDelay?: number, maxDelay?: number} | undefined} option
 * @returns {{retries: number, baseDelay: number, maxDelay: number}}
 */
export function retryPolicy(option) {
  const o = typeof option === 'number' ? { retries: option } : (option ?? {});
  const num = (v, d, max) => (Number.isFinite(v) && v >= 0 ? Math.min(v, max) : d);
  const maxDelay = num(o.maxDelay, 5_000, MAX_DELAY);
  return {
    retries: Math.floor(num(o.retries, 2, MAX_RETRIES)),
    baseDelay: Math.min(num(o.baseDelay, 250, MAX_DELAY), maxDelay),
    maxDelay,
  };
}

/**
 * Delay before retry number `attempt` (0 for the first retry): "full jitter", a uniform draw
 * from [0, min(maxDelay, baseDelay · 2^attempt)).
 * @param {number} attempt
 * @param {{baseDelay: number, maxDelay: number}} policy
 * @param {() => number} [random] returns a number in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, policy, random = Math.random) {
  const cap = Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/**
 * @typedef {object} FetchOptions
 * @property {string} url
 * @property {string | null} [etag] sent as If-None-Match
 * @property {typeof fetch} [fetch]
 * @property {number} [timeout] ms for one attempt, headers and body together
 * @property {number} [maxBytes]
 * @property {AbortSignal} [signal] aborts everything (the client's close())
 */

/**
 * @typedef {{notModified: true, etag: string | null, status: 304} |
 *           {notModified: false, text: string, bytes: Uint8Array, etag: string | null, status: number}} FetchResult
 */

/**
 * One attempt: GET the snapshot. Resolves with the text (or `notModified` on a 304); rejects with a LoadError.
 * @param {FetchOptions} options
 * @returns {Promise<FetchResult>}
 */
export async function fetchSnapshot(options) {
  const { url, etag = null, timeout = DEFAULT_TIMEOUT, maxBytes = DEFAULT_MAX_BYTES, signal } = options;
  const fetchImpl = options.fetch ?? ((...args) => fetch(...args)); // the global looked up at each call
  const controller = new AbortController();
  let stopped = null; // the LoadError that ended the attempt early (timeout or abort)
  const stop = (err) => { if (!stopped) { stopped = err; controller.abort(err); } };
  const onAbort = () => stop(abortedError(url));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop(new LoadError('timeout',
    `no complete answer from ${url} within ${timeout} ms`, { url })), timeout);
  // The race guarantees the timeout even with a `fetch` that ignores its signal.
  const race = (promise) => new Promise((resolve, reject) => {
    const onStop = () => reject(stopped);
    promise.then(resolve, reject).finally(() => controller.signal.removeEventListener('abort', onStop));
    if (stopped) return reject(stopped);
    controller.signal.addEventListener('abort', onStop, { once: true });
  });
  try {
    const headers = { accept: 'application/json' };
    if (etag) headers['if-none-match'] = etag;
    let res;
    try {
      if (stopped) throw stopped;
      res = await race(Promise.resolve().then(() => fetchImpl(url, { method: 'GET', headers, signal: controller.signal })));
    } catch (err) {
      throw stopped ?? new LoadError('network', `cannot reach ${url}: ${describe(err)}`, { url, cause: err });
    }
    const newEtag = res.headers.get('etag');
    if (res.status === 304) {
      discard(res);
      return { notModified: true, etag: newEtag ?? etag, status: 304 };
    }
    if (!res.ok) {
      discard(res);
      throw new LoadError('http', `${url} answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`,
        { url, status: res.status });
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'text/html') {
      discard(res);
      throw new LoadError('content-type', `${url} answered with an HTML page (content-type ${type}), not a snapshot: ` +
        'check the URL (an error page or a single-page-app fallback?)', { url, status: res.status });
    }
    const bytes = await readBody(res, url, maxBytes, race, () => stopped);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (err) {
      throw new LoadError('decode', `the body from ${url} is not valid UTF-8 (${bytes.length} bytes)`, { url, status: res.status, cause: err });
    }
    return { notModified: false, text, bytes, etag: newEtag, status: res.status };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Reads the whole body, refusing it as soon as it passes maxBytes; `race` and `isStopped` are the attempt's (its
 * timeout or abort ends the read with the LoadError that `isStopped()` returns).
 */
async function readBody(res, url, maxBytes, race, isStopped) {
  const status = res.status;
  const tooLarge = (what) => new LoadError('too-large',
    `the body from ${url} is ${what}, over the limit of ${maxBytes} bytes (maxBytes)`, { url, status });
  const declared = parseLength(res.headers.get('content-length'));
  if (declared !== null && declared > maxBytes) {
    discard(res);
    throw tooLarge(`${declared} bytes (Content-Length)`);
  }
  // Content-Length counts encoded bytes; only an identity body can be checked against it.
  const encoding = (res.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  const expected = encoding === 'identity' ? declared : null;
  const chunks = [];
  let total = 0;
  const lost = (err) => isStopped() ?? new LoadError('truncated',
    `the connection to ${url} closed after ${total}${expected !== null ? ` of ${expected}` : ''} bytes of the body` +
    (err ? `: ${describe(err)}` : ''), { url, status, cause: err });
  if (!res.body) { // a fetch without streams: read all, then check
    let buf;
    try { buf = new Uint8Array(await race(res.arrayBuffer())); } catch (err) { throw lost(err); }
    total = buf.length;
    if (total > maxBytes) throw tooLarge(`at least ${total} bytes`);
    chunks.push(buf);
  } else {
    const reader = res.body.getReader();
    try {
      for (;;) {
        let step;
        try { step = await race(reader.read()); } catch (err) { throw lost(err); }
        if (step.done) break;
        total += step.value.byteLength;
        if (total > maxBytes) throw tooLarge(`more than ${maxBytes} bytes (${total} received so far)`);
        chunks.push(step.value);
      }
    } catch (err) {
      reader.cancel().catch(() => {});
      throw err;
    }
  }
  if (expected !== null && total < expected) throw lost(null);
  return concat(chunks, total);
}

/**
 * One load with retries: transient failures (network, timeout, truncated body, HTTP 5xx/408/429) are tried
 * again after a backoff delay; anything else fails at once. The error thrown carries `attempts`.
 * @param {FetchOptions & {retries?: number | object, random?: () => number,
 *         onRetry?: (info: {attempt: number, delay: number, error: LoadError}) => void}} options
 * @returns {Promise<FetchResult>}
 */
export async function loadSnapshot(options) {
  const policy = retryPolicy(options.retries);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchSnapshot(options);
    } catch (err) {
      const error = err instanceof LoadError ? err
        : new LoadError('network', `loading ${options.url} failed: ${describe(err)}`, { url: options.url, cause: err });
      error.attempts = attempt + 1;
      if (!error.retryable || attempt >= policy.retries || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, policy, options.random);
      options.onRetry?.({ attempt: attempt + 1, delay, error });
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw abortedError(options.url, attempt + 1);
    }
  }
}

function abortedError(url, attempts) {
  return new LoadError('aborted', `loading ${url} was aborted (client closed)`, { url, attempts });
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function discard(res) {
  try { res.body?.cancel().catch(() => {}); } catch { /* already used or locked */ }
}

function parseLength(value) {
  return /^\s*\d+\s*$/.test(value) ? Number(value) : null; // (no header: null, tested as "null")
}

function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

function describe(err) {
  if (err == null) return String(err);
  const cause = err.cause && err.cause !== err ? ` (${err.cause.code ?? err.cause.message ?? err.cause})` : '';
  return `${err.message ?? err}${cause}`;
}
