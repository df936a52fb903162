// A real HTTP collector on 127.0.0.1 (random port) for exposure events, with scriptable answers.
//
//   const collector = await startCollector();
//   collector.next(500, 503);            // one-shot statuses for the next requests, in order
//   collector.always(500);               // the answer once the queue is empty (default 204)
//   collector.requests                   // [{method, path, headers, body, events, at}]
//   collector.events                     // every event received, in order, from accepted requests
//   await collector.waitForEvents(10);   // bounded wait
//   await collector.close();
//
// An answer is a status, or {status, headers, delay}. For GET, `page(path, html)` serves a page and
// `serveFiles(root)` the files under `root` (the browser test's page and modules).

import { createServer } from 'node:http';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

export async function startCollector(options = {}) {
  const queue = [];
  const waiters = new Set();
  const timers = new Set();
  let fallback = 204;
  let files = null;
  const pages = new Map();

  const collector = {
    url: '',
    origin: '',
    path: options.path ?? '/collect',
    /** Every POST received: {method, path, headers, body, events, status, at (ms since start)}. */
    requests: [],
    /** Events of the requests answered 2xx, in arrival order. */
    events: [],
    started: performance.now(),
    next(...answers) { queue.push(...answers); return collector; },
    always(answer) { fallback = answer; return collector; },
    serveFiles(root) { files = root; return collector; },
    /** Serves `html` for GET `path`. */
    page(path, html) { pages.set(path, html); return collector; },
    /** Resolves once `n` events were accepted; rejects after `timeout` ms. */
    waitForEvents(n, timeout = 5000) { return wait(() => collector.events.length >= n, `${n} events`, timeout); },
    /** Resolves once `n` POSTs arrived (whatever the answer); rejects after `timeout` ms. */
    waitForRequests(n, timeout = 5000) { return wait(() => collector.requests.length >= n, `${n} requests`, timeout); },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const w of waiters) clearTimeout(w.timer);
      waiters.clear();
      server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };

  function wait(done, what, timeout) {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { done, resolve, timer: null };
      w.timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`collector: no ${what} within ${timeout} ms (events ${collector.events.length}, requests ${collector.requests.length})`));
      }, timeout);
      waiters.add(w);
    });
  }

  function notify() {
    for (const w of [...waiters]) if (w.done()) { clearTimeout(w.timer); waiters.delete(w); w.resolve(); }
  }

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url.split('?')[0];
    if (req.method === 'GET' && pages.has(path)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(pages.get(path));
    }
    if (req.method === 'GET' && files) return sendFile(res, files, path);
    if (req.method !== 'POST' || path !== collector.path) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const answer = queue.length ? queue.shift() : fallback;
    const { status, headers = {}, delay = 0 } = typeof answer === 'number' ? { status: answer } : answer;
    const record = { method: req.method, path, headers: { ...req.headers }, body, events: parse(body), status,
      at: performance.now() - collector.started };
    collector.requests.push(record);
    if (status >= 200 && status < 300) collector.events.push(...record.events);
    const finish = () => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(status >= 200 && status < 300 ? '' : `error ${status}`);
      notify();
    };
    if (delay > 0) { const t = setTimeout(() => { timers.delete(t); finish(); }, delay); timers.add(t); } else finish();
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  collector.origin = `http://127.0.0.1:${server.address().port}`;
  collector.url = `${collector.origin}${collector.path}`;
  return collector;
}

/** A JSON array, or NDJSON (one JSON value per line). */
export function parse(body) {
  const text = body.trim();
  if (text === '') return [];
  if (text.startsWith('[')) return JSON.parse(text);
  return text.split('\n').map((line) => JSON.parse(line));
}

async function sendFile(res, root, path) {
  const file = normalize(join(root, decodeURIComponent(path === '/' ? '/index.html' : path)));
  if (!file.startsWith(normalize(root))) { res.writeHead(403); return res.end(); }
  try {
    const bytes = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(bytes);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
}
