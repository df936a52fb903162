#!/usr/bin/env node
// The edgeflag demo server: one Node script, no framework.
//
//   node www/demo/serve.js [--port 8080] [--host 127.0.0.1] [--snapshot examples/storefront.json]
//                          [--data DIR] [--max-age 2] [--quiet]
//
// It serves
//   /demo/       the storefront demo (www/demo)
//   /explorer/   the evaluation explorer (www/explorer)
//   /src/ /pkg/ /types/  the npm package's files (www/src, the wasm build in www/pkg)
//   /examples/   the repository's example snapshots and contexts (read-only)
//   /cdn/        a local "CDN": snapshots from a working folder, with strong ETags (a hash of the
//                bytes), Cache-Control: public, max-age=N, and 304 Not Modified on If-None-Match
//   /admin/      a small admin API (used by the demo's admin strip, www/demo/publish.js and the tests):
//                  GET  /admin/state                 current version, publish history, CDN mode, counters
//                  POST /admin/publish  {action, ...} writes the next snapshot version to the CDN folder:
//                       {"action":"kill","flag":"recommendations"}        kill switch off (enabled: false)
//                       {"action":"enable","flag":"recommendations"}      kill switch on again
//                       {"action":"rollout","flag":"new-checkout","percent":50[,"rule":"rollout-30"]}
//                       {"action":"invalid"}                               a snapshot the engine refuses
//                       {"action":"rollback"[,"to":7]}                     re-publishes an earlier good
//                                                                          version's content under a new version
//                  POST /admin/cdn  {"mode":"up"|"down"|"reset"|"slow"|"hang"|"hold", "delayMs":500}
//                       down: 503 for every /cdn/ request; reset: the connection is dropped;
//                       slow: answers after delayMs; hang: never answers (dropped on the next mode);
//                       hold: answers when the mode changes again (a refresh kept in flight on demand)
//                  GET  /admin/stats, POST /admin/stats/reset    /cdn/ request counters
//
// The working folder starts with a copy of the seed snapshot (examples/storefront.json): the examples
// are never modified. Without --data it is a new temporary folder, removed on exit.
// Admin requests must be JSON (Content-Type: application/json), which a cross-site form cannot send.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WWW = path.resolve(HERE, '..');
const ROOT = path.resolve(WWW, '..');
const SNAPSHOT_NAME = 'storefront.json';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// URL prefix → folder served read-only.
const STATIC = [
  ['/demo/', path.join(WWW, 'demo')],
  ['/explorer/', path.join(WWW, 'explorer')],
  ['/src/', path.join(WWW, 'src')],
  ['/pkg/', path.join(WWW, 'pkg')],
  ['/types/', path.join(WWW, 'types')],
  ['/examples/', path.join(ROOT, 'examples')],
];

/** A strong entity tag: a hash of the bytes. */
export function etagOf(bytes) {
  return `"${crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
}

/** Whether an If-None-Match header matches `etag` (weak comparison, as RFC 9110 asks for If-None-Match). */
export function noneMatch(header, etag) {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

function parseArgs(argv) {
  const opts = { port: 8080, host: '127.0.0.1', snapshot: path.join(ROOT, 'examples', 'storefront.json'), data: null, maxAge: 2, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const value = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--port': opts.port = Number(value()); break;
      case '--host': opts.host = value(); break;
      case '--snapshot': opts.snapshot = path.resolve(value()); break;
      case '--data': opts.data = path.resolve(value()); break;
      case '--max-age': opts.maxAge = Number(value()); break;
      case '--quiet': opts.quiet = true; break;
      case '-h': case '--help':
        process.stdout.write('usage: node www/demo/serve.js [--port 8080] [--host 127.0.0.1] [--snapshot FILE] [--data DIR] [--max-age SECONDS] [--quiet]\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a} (try --help)`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  if (!Number.isInteger(opts.maxAge) || opts.maxAge < 0) throw new Error('--max-age must be a whole number of seconds');
  return opts;
}

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/**
 * The publisher: owns the CDN folder. Every publish writes the next version (higher than any version
 * published so far, valid or not) as `storefront.json` and an immutable archive copy `v/storefront.N.json`.
 */
class Publisher {
  constructor(cdnDir) {
    this.cdnDir = cdnDir;
    this.history = []; // {version, action, summary, at, valid, file}
    this.queue = Promise.resolve(); // publishes run one at a time
  }

  async seed(seedFile) {
    const text = await fsp.readFile(seedFile, 'utf8');
    const doc = JSON.parse(text);
    await fsp.mkdir(path.join(this.cdnDir, 'v'), { recursive: true });
    await this.#write(text, doc.version);
    this.history.push({ version: doc.version, action: 'seed', summary: `seeded from ${path.relative(ROOT, seedFile) || seedFile}`, at: new Date().toISOString(), valid: true });
  }

  get current() { return this.history.at(-1); }
  get latestVersion() { return Math.max(...this.history.map((h) => h.version)); }

  async #write(text, version) {
    const archive = path.join(this.cdnDir, 'v', `storefront.${version}.json`);
    const live = path.join(this.cdnDir, SNAPSHOT_NAME);
    const tmp = `${live}.${process.pid}.${Date.now()}.tmp`;
    await fsp.writeFile(archive, text);
    await fsp.writeFile(tmp, text);
    await fsp.rename(tmp, live); // atomic: a reader sees the old or the new file, never half of one
  }

  async #read(version) {
    return fsp.readFile(path.join(this.cdnDir, 'v', `storefront.${version}.json`), 'utf8');
  }

  /** The newest valid published content, as an object. */
  async #base() {
    const good = [...this.history].reverse().find((h) => h.valid);
    return JSON.parse(await this.#read(good.version));
  }

  publish(req) {
    const run = this.queue.then(() => this.#publish(req));
    this.queue = run.catch(() => {});
    return run;
  }

  async #publish(req) {
    const action = String(req?.action ?? '');
    const next = this.latestVersion + 1;
    let doc;
    let summary;
    let valid = true;
    const flagOf = (d) => {
      const key = req.flag;
      if (typeof key !== 'string' || !key) throw new HttpError(400, `"${action}" needs a flag`);
      const flag = d.flags?.[key];
      if (!flag) throw new HttpError(404, `no flag "${key}" in the published snapshot (flags: ${Object.keys(d.flags ?? {}).join(', ')})`);
      return flag;
    };
    switch (action) {
      case 'kill':
      case 'enable': {
        doc = await this.#base();
        const flag = flagOf(doc);
        flag.enabled = action === 'enable';
        summary = action === 'kill' ? `kill switch: ${req.flag} disabled` : `kill switch: ${req.flag} enabled`;
        break;
      }
      case 'rollout': {
        doc = await this.#base();
        const flag = flagOf(doc);
        const percent = Number(req.percent);
        if (!(percent >= 0 && percent <= 100) || Math.round(percent * 1000) !== percent * 1000) {
          throw new HttpError(400, `percent must be 0..100 with at most 3 decimals, got ${req.percent}`);
        }
        const rules = flag.rules ?? [];
        const rule = req.rule != null
          ? rules.find((r) => r.id === req.rule)
          : rules.find((r) => r.serve && typeof r.serve === 'object' && typeof r.serve.percent === 'number');
        if (!rule) throw new HttpError(404, req.rule != null ? `flag "${req.flag}" has no rule "${req.rule}"` : `flag "${req.flag}" has no percentage rollout rule`);
        if (!rule.serve || typeof rule.serve !== 'object' || typeof rule.serve.percent !== 'number') {
          throw new HttpError(400, `rule "${rule.id ?? rules.indexOf(rule)}" of "${req.flag}" is not a percentage rollout`);
        }
        const before = rule.serve.percent;
        rule.serve.percent = percent;
        summary = `rollout: ${req.flag} rule ${rule.id ? `"${rule.id}"` : rules.indexOf(rule)} ${before}% → ${percent}%`;
        break;
      }
      case 'invalid': {
        // A typo a person could make: "inn" for "in". The engine refuses the whole snapshot.
        doc = await this.#base();
        const flag = doc.flags?.['free-shipping-threshold'];
        const rule = flag?.rules?.find((r) => r.id === 'eu' && r.when?.op === 'in') ?? flag?.rules?.find((r) => r.when?.op === 'in');
        if (rule) rule.when.op = 'inn';
        else doc.flags = { ...(doc.flags ?? {}), broken: { variants: { on: true }, default: 'missing-variant' } };
        valid = false;
        summary = 'an invalid snapshot (unknown operator "inn")';
        break;
      }
      case 'rollback': {
        const current = this.current;
        let target;
        if (req.to != null) {
          target = this.history.find((h) => h.version === Number(req.to));
          if (!target) throw new HttpError(404, `version ${req.to} was never published here (published: ${this.history.map((h) => h.version).join(', ')})`);
          if (!target.valid) throw new HttpError(400, `version ${req.to} is the invalid snapshot: pick a good one`);
        } else {
          // The last good version before the one served now (or before the invalid one served now).
          const older = this.history.filter((h) => h.valid && h.version < current.version);
          target = older.at(-1);
          if (!target) throw new HttpError(400, 'nothing to roll back to');
        }
        doc = JSON.parse(await this.#read(target.version));
        summary = `rollback: content of version ${target.version} re-published`;
        break;
      }
      default:
        throw new HttpError(400, `unknown action "${action}": use kill, enable, rollout, invalid or rollback`);
    }
    doc.version = next;
    doc.publishedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    doc.metadata = { ...(doc.metadata ?? {}), publishedBy: 'demo-admin', change: summary };
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    await this.#write(text, next);
    const entry = { version: next, action, summary, at: new Date().toISOString(), valid, etag: etagOf(Buffer.from(text)) };
    this.history.push(entry);
    return entry;
  }
}

/**
 * Starts the server. Returns {server, url, port, dataDir, publisher, close()}.
 * @param {{port?: number, host?: string, snapshot?: string, data?: string | null, maxAge?: number, quiet?: boolean}} options
 */
export async function startServer(options = {}) {
  const opts = { port: 8080, host: '127.0.0.1', snapshot: path.join(ROOT, 'examples', 'storefront.json'), data: null, maxAge: 2, quiet: false, ...options };
  let dataDir = opts.data;
  const ownDir = dataDir == null;
  if (ownDir) dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'edgeflag-demo-'));
  const cdnDir = path.join(dataDir, 'cdn');
  await fsp.mkdir(cdnDir, { recursive: true });
  const publisher = new Publisher(cdnDir);
  await publisher.seed(opts.snapshot);

  const cdn = { mode: 'up', delayMs: 0 };
  let stats = freshStats();
  const sockets = new Set();
  const hanging = new Set(); // responses that will never be answered ('hang')
  const holding = new Set(); // release functions of requests parked by 'hold'
  const log = (...a) => { if (!opts.quiet) console.log(...a); };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) console.error(err);
      if (!res.headersSent) sendJson(res, status, { ok: false, error: err.message });
      else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.keepAliveTimeout = 5000;

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    let p;
    try {
      p = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, 'bad URL encoding');
    }
    if (p.startsWith('/cdn/') || p === '/cdn') return serveCdn(req, res, p);
    if (p.startsWith('/admin/')) return admin(req, res, p);
    if (p === '/' || p === '/index.html') return redirect(res, '/demo/');
    if (p === '/demo' || p === '/explorer') return redirect(res, `${p}/`);
    if (p === '/favicon.ico') { res.writeHead(204); return res.end(); }
    for (const [prefix, dir] of STATIC) {
      if (p.startsWith(prefix)) return serveFile(req, res, dir, p.slice(prefix.length) || 'index.html', 'no-cache');
    }
    throw new HttpError(404, `not found: ${p}`);
  }

  async function serveCdn(req, res, p) {
    const rel = p.replace(/^\/cdn\/?/, '');
    const key = `/cdn/${rel}`;
    if (req.method === 'OPTIONS') { // CORS preflight (If-None-Match is not a simple header)
      res.writeHead(204, corsHeaders({ 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'If-None-Match, Accept', 'Access-Control-Max-Age': '600' }));
      return res.end();
    }
    const entry = { t: Date.now(), path: key, method: req.method, ifNoneMatch: req.headers['if-none-match'] ?? null, status: 0 };
    stats.requests++;
    stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;
    stats.log.push(entry);
    if (stats.log.length > 200) stats.log.shift();
    const count = (status) => { entry.status = status; stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1; };
    // The CDN's behaviour (POST /admin/cdn). A held request waits for the next mode, then obeys it.
    for (let held = false; ; held = true) {
      const mode = cdn.mode;
      if (mode === 'down') {
        count(503);
        res.writeHead(503, corsHeaders({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '5' }));
        return res.end('CDN unavailable (demo: the admin switched the CDN down)\n');
      }
      if (mode === 'reset') {
        count('reset');
        return req.socket.destroy();
      }
      if (mode === 'hang') {
        count('hang');
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (mode === 'hold') {
        if (!held) entry.held = true;
        await new Promise((r) => holding.add(r));
        continue;
      }
      if (mode === 'slow') await new Promise((r) => setTimeout(r, cdn.delayMs));
      break;
    }
    if (!rel || rel.endsWith('/')) {
      count(200);
      const files = (await fsp.readdir(cdnDir)).filter((f) => f.endsWith('.json'));
      return sendJson(res, 200, { snapshots: files.map((f) => `/cdn/${f}`), versions: publisher.history.map((h) => `/cdn/v/storefront.${h.version}.json`) });
    }
    const immutable = rel.startsWith('v/');
    const cache = immutable ? 'public, max-age=31536000, immutable' : `public, max-age=${opts.maxAge}`;
    try {
      count(await serveFile(req, res, cdnDir, rel, cache, true));
    } catch (err) {
      count(err.status ?? 500);
      throw err;
    }
  }

  async function serveFile(req, res, dir, rel, cacheControl, cors = false) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET or HEAD');
    const file = path.resolve(dir, rel);
    if (file !== dir && !file.startsWith(dir + path.sep)) throw new HttpError(404, 'not found');
    let bytes;
    try {
      const st = await fsp.stat(file);
      if (st.isDirectory()) return serveFile(req, res, dir, path.join(rel, 'index.html'), cacheControl, cors);
      bytes = await fsp.readFile(file);
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
        const hint = dir.endsWith(`${path.sep}pkg`) ? ' (build the wasm package first: scripts/build-wasm.sh)' : '';
        throw new HttpError(404, `not found: ${rel}${hint}`);
      }
      throw err;
    }
    const etag = etagOf(bytes);
    const headers = {
      ETag: etag,
      'Cache-Control': cacheControl,
      'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
    };
    if (cors) Object.assign(headers, corsHeaders());
    if (noneMatch(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return 304;
    }
    headers['Content-Length'] = bytes.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return 200;
  }

  async function admin(req, res, p) {
    if (req.method === 'GET') {
      if (p === '/admin/state') return sendJson(res, 200, state());
      if (p === '/admin/stats') return sendJson(res, 200, { ...stats, held: holding.size });
      throw new HttpError(404, `not found: ${p}`);
    }
    if (req.method !== 'POST') throw new HttpError(405, 'use GET or POST');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'admin requests are JSON: send Content-Type: application/json');
    const body = await readJson(req);
    switch (p) {
      case '/admin/publish': {
        const entry = await publisher.publish(body);
        log(`published version ${entry.version}: ${entry.summary}`);
        return sendJson(res, 200, { ok: true, ...entry, url: `/cdn/${SNAPSHOT_NAME}` });
      }
      case '/admin/cdn': {
        const mode = String(body.mode ?? '');
        if (!['up', 'down', 'reset', 'slow', 'hang', 'hold'].includes(mode)) throw new HttpError(400, 'mode must be up, down, reset, slow, hang or hold');
        cdn.mode = mode;
        cdn.delayMs = mode === 'slow' ? Math.max(0, Math.min(60000, Number(body.delayMs ?? 1000) || 0)) : 0;
        if (mode !== 'hang') for (const r of hanging) r.destroy();
        if (mode !== 'hold') {
          const parked = [...holding];
          holding.clear();
          for (const release of parked) release();
        }
        log(`CDN is now ${mode}${mode === 'slow' ? ` (${cdn.delayMs} ms)` : ''}`);
        return sendJson(res, 200, { ok: true, cdn: { ...cdn } });
      }
      case '/admin/stats/reset':
        stats = freshStats();
        return sendJson(res, 200, { ok: true });
      default:
        throw new HttpError(404, `not found: ${p}`);
    }
  }

  function state() {
    return {
      snapshot: `/cdn/${SNAPSHOT_NAME}`,
      version: publisher.current.version,
      latestVersion: publisher.latestVersion,
      history: publisher.history,
      cdn: { ...cdn },
      maxAge: opts.maxAge,
      requests: stats.requests,
    };
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const base = `http://${host}:${port}`;

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    for (const r of hanging) r.destroy();
    cdn.mode = 'down';
    for (const release of holding) release();
    server.close();
    for (const s of sockets) s.destroy();
    if (ownDir) await fsp.rm(dataDir, { recursive: true, force: true });
  }

  return { server, port, url: base, dataDir, cdnDir, publisher, close, stats: () => stats };
}

function freshStats() {
  return { since: new Date().toISOString(), requests: 0, byPath: {}, byStatus: {}, log: [] };
}

function corsHeaders(extra = {}) {
  return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag, Cache-Control', ...extra };
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function redirect(res, location) {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 64 * 1024) throw new HttpError(413, 'request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch (err) {
    throw new HttpError(400, `the body must be a JSON object: ${err.message}`);
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve.js: ${err.message}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(WWW, 'pkg', 'edgeflag_bg.wasm'))) {
    console.error('serve.js: warning: www/pkg/edgeflag_bg.wasm is missing; build it with scripts/build-wasm.sh');
  }
  const s = await startServer(opts);
  const u = s.url;
  console.log([
    'edgeflag demo server',
    `  storefront demo:   ${u}/demo/`,
    `  explorer:          ${u}/explorer/`,
    `  snapshot (CDN):    ${u}/cdn/${SNAPSHOT_NAME}  (version ${s.publisher.current.version}, Cache-Control: public, max-age=${opts.maxAge})`,
    `  admin API:         ${u}/admin/state  (POST /admin/publish, POST /admin/cdn)`,
    `  publish from a shell: node www/demo/publish.js --server ${u} kill recommendations`,
    `  working folder:    ${s.dataDir}`,
    'Press Ctrl+C to stop.',
  ].join('\n'));
  const stop = async () => {
    await s.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`serve.js: ${err.message}`);
    process.exit(1);
  });
}
