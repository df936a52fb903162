// A real HTTP server on 127.0.0.1 (random port) that plays a CDN serving one snapshot, with
// scriptable faults. Every test closes it (close() also ends hanging and dripping responses).
//
//   const cdn = await startCdn({ snapshot });
//   cdn.next(fault.status(500), fault.hang());  // one-shot responders for the next requests, in order
//   cdn.always(fault.flap());                    // the responder once the queue is empty (default: serve)
//   cdn.publish(otherSnapshot);                  // what serve() sends from now on
//   cdn.count, cdn.requests                      // what the clients asked
//   cdn.route('/flags.json.sig').publish(text)   // another file on the same server (same next/always)
//   await cdn.close();

import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

/** ETag of a body: strong, derived from its bytes. */
export function etagOf(text) {
  return `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
}

/**
 * Starts the server.
 * @param {{snapshot?: object | string, path?: string, cacheControl?: string, headers?: object}} [options]
 */
export async function startCdn(options = {}) {
  const path = options.path ?? '/flags.json';
  const timers = new Set();
  const waiters = new Set();
  const queue = [];
  let fallbackResponder = null;
  const routes = new Map();

  const cdn = {
    url: '',
    /** Every request received: {method, path, headers}. */
    requests: [],
    get count() { return cdn.requests.length; },
    text: null,
    etag: null,
    contentType: 'application/json',
    cacheControl: options.cacheControl ?? 'public, max-age=0, must-revalidate',
    headers: options.headers ?? {},

    /** Serves `snapshot` (object or text) from now on, with a fresh ETag (or `etag`, `null` for none). */
    publish(snapshot, { etag, contentType = 'application/json' } = {}) {
      cdn.text = typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot);
      cdn.etag = etag === undefined ? etagOf(cdn.text) : etag;
      cdn.contentType = contentType;
      return cdn;
    },
    /** Queues one-shot responders, used by the next requests in order. */
    next(...responders) { queue.push(...responders); return cdn; },
    /** Sets the responder used once the queue is empty (null: serve the published snapshot). */
    always(responder) { fallbackResponder = responder; return cdn; },
    /**
     * Another file served at `p` (e.g. the snapshot's signature `/flags.json.sig`), 404 until published:
     * `{publish(text, {contentType}), next(...responders), always(responder), text, count}`.
     */
    route(p) {
      let r = routes.get(p);
      if (!r) {
        const q = [];
        let fb = null;
        r = {
          text: null, contentType: 'application/json', count: 0, queue: q,
          publish(text, { contentType = 'application/json' } = {}) { r.text = text === null ? null : String(text); r.contentType = contentType; return r; },
          next(...responders) { q.push(...responders); return r; },
          always(responder) { fb = responder; return r; },
          responder() {
            if (q.length) return q.shift();
            return fb ?? ((req, res) => (r.text === null
              ? send(res, 404, 'not found', { 'content-type': 'text/plain' })
              : send(res, 200, r.text, { 'content-type': r.contentType, 'cache-control': cdn.cacheControl })));
          },
        };
        routes.set(p, r);
      }
      return r;
    },
    /** Resolves once `n` requests have arrived; rejects after `timeout` ms (tests stay bounded). */
    waitForRequests(n, timeout = 5000) {
      if (cdn.count >= n) return Promise.resolve(cdn.count);
      return new Promise((resolve, reject) => {
        const w = { n, resolve, timer: null };
        w.timer = setTimeout(() => { waiters.delete(w); reject(new Error(`only ${cdn.count} of ${n} requests within ${timeout} ms`)); }, timeout);
        waiters.add(w);
      });
    },
    /** setTimeout that close() clears. */
    later(fn, ms) { const t = setTimeout(() => { timers.delete(t); fn(); }, ms); timers.add(t); return t; },
    every(fn, ms) { const t = setInterval(fn, ms); timers.add(t); return t; },
    clear(t) { clearTimeout(t); clearInterval(t); timers.delete(t); },
    async close() {
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      timers.clear();
      for (const w of waiters) clearTimeout(w.timer);
      waiters.clear();
      server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };

  const server = createServer((req, res) => {
    cdn.requests.push({ method: req.method, path: req.url, headers: { ...req.headers } });
    for (const w of [...waiters]) {
      if (cdn.count >= w.n) { clearTimeout(w.timer); waiters.delete(w); w.resolve(cdn.count); }
    }
    req.resume();
    const route = routes.get(req.url.split('?')[0]);
    if (route) { route.count++; return route.responder()(req, res, cdn); }
    if (req.url.split('?')[0] !== path) return send(res, 404, 'not found', { 'content-type': 'text/plain' });
    const responder = queue.length ? queue.shift() : (fallbackResponder ?? serve());
    responder(req, res, cdn);
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cdn.url = `http://127.0.0.1:${server.address().port}${path}`;
  if (options.snapshot !== undefined) cdn.publish(options.snapshot);
  return cdn;
}

/** A URL on which nothing listens: connection refused. */
export async function refusedUrl(path = '/flags.json') {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}${path}`;
}

function send(res, status, body, headers = {}) {
  const bytes = Buffer.from(body);
  res.writeHead(status, { 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

function snapshotHeaders(cdn, extra = {}) {
  const h = { 'content-type': cdn.contentType, 'cache-control': cdn.cacheControl, ...cdn.headers, ...extra };
  if (cdn.etag) h.etag = cdn.etag;
  return h;
}

/** The normal behaviour: 304 when If-None-Match names the current ETag, else 200 with the snapshot. */
export function serve() {
  return (req, res, cdn) => {
    if (cdn.text === null) return send(res, 404, 'no snapshot published', { 'content-type': 'text/plain' });
    if (cdn.etag && req.headers['if-none-match'] === cdn.etag) {
      res.writeHead(304, { etag: cdn.etag, 'cache-control': cdn.cacheControl, ...cdn.headers });
      return res.end();
    }
    send(res, 200, cdn.text, snapshotHeaders(cdn));
  };
}

/** Scriptable faults; each returns a responder for next()/always(). */
export const fault = {
  serve,
  /** An error status with a short body. */
  status: (code, body = `error ${code}`) => (req, res) => send(res, code, body, { 'content-type': 'text/plain' }),
  /** Headers never come: the client must time out. close() ends it. */
  hang: () => () => {},
  /** Headers promise the whole snapshot (Content-Length), then the connection drops after `fraction` of it. */
  truncate: (fraction = 0.5) => (req, res, cdn) => {
    const bytes = Buffer.from(cdn.text);
    res.writeHead(200, snapshotHeaders(cdn, { 'content-length': bytes.length }));
    res.write(bytes.subarray(0, Math.floor(bytes.length * fraction)), () => res.socket?.destroy());
  },
  /** A 200 with any body (invalid JSON, an invalid or older snapshot...), content type and ETag of one's choice. */
  body: (text, { contentType = 'application/json', etag = etagOf(text), headers = {} } = {}) => (req, res) => {
    const h = { 'content-type': contentType, ...headers };
    if (etag) h.etag = etag;
    send(res, 200, text, h);
  },
  /** The snapshot in `chunks` pieces, one every `every` ms (a slow body). */
  drip: ({ chunks = 5, every = 10 } = {}) => (req, res, cdn) => {
    const bytes = Buffer.from(cdn.text);
    res.writeHead(200, snapshotHeaders(cdn, { 'content-length': bytes.length }));
    const size = Math.ceil(bytes.length / chunks);
    let at = 0;
    const t = cdn.every(() => {
      if (res.destroyed) return cdn.clear(t);
      res.write(bytes.subarray(at, at + size));
      at += size;
      if (at >= bytes.length) { cdn.clear(t); res.end(); }
    }, every);
  },
  /** `n` pseudo-random bytes (seeded, so every run sends the same ones), as application/json. */
  randomBytes: (n = 4096, seed = 7) => (req, res) => {
    send(res, 200, randomBytes(n, seed), { 'content-type': 'application/json' });
  },
  /**
   * A body of `size` bytes (JSON-ish padding), with Content-Length (`declare`) or chunked. Written in
   * 64 KiB pieces with back-pressure, stopping as soon as the client goes away.
   */
  oversize: (size, { declare = true } = {}) => (req, res, cdn) => {
    const h = { 'content-type': 'application/json' };
    if (declare) h['content-length'] = size;
    res.writeHead(200, h);
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    cdn.oversizeSent = 0;
    const pump = () => {
      while (sent < size && !res.destroyed) {
        const n = Math.min(piece.length, size - sent);
        sent += n;
        cdn.oversizeSent = sent;
        if (!res.write(piece.subarray(0, n))) return res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => {});
    pump();
  },
  /** Alternates per request: `bad` responder, then serve(), then `bad`... (flapping 200/500). */
  flap: (bad = fault.status(500)) => {
    let n = 0;
    const good = serve();
    return (req, res, cdn) => ((n++ % 2 === 0) ? bad : good)(req, res, cdn);
  },
};

/** Deterministic bytes (mulberry32). */
export function randomBytes(n, seed) {
  const out = Buffer.alloc(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}
