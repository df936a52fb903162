// An edge worker (Cloudflare Workers module syntax) that evaluates feature flags per request and
// personalises its response, with the snapshot held in module scope.
//
// Per request it builds a context from the request (country from the CF-IPCountry header or
// `request.cf.country`, a `uid` cookie as the targeting key — set when missing — the user agent, the
// language, the client IP) and from demo profile cookies (`plan`, `email`, `account_type`,
// `account_id`: stand-ins for a decoded session), evaluates every flag locally in WebAssembly, and
// answers with
//   GET /            a personalised HTML page
//   GET /api/flags   JSON: {version, evaluatedAt, context, flags: {key: {value, variant, reason, ...}}, snapshot}
//
// Freshness: stale-while-revalidate. Requests never wait for the network once a snapshot is held:
// when the last check is older than REFRESH_SECONDS, the request that notices starts ONE refresh
// (kept alive with ctx.waitUntil) and is answered from the snapshot in hand; concurrent requests see
// the refresh in flight and do not start another. The refresh is a conditional GET (If-None-Match;
// a 304 keeps the snapshot); a failed fetch, an invalid snapshot (the engine validates all of it), an
// older version or the same version with other content never replaces the last good snapshot. Only
// a cold isolate waits for the first load (at most TIMEOUT_MS), and serves the fallbacks if it fails.
//
// Why the low-level Engine and not createClient(): the client keeps one AbortController for its
// whole life and reads its signal on every load; in workerd an AbortSignal belongs to the request
// that created it, so a client held in module scope fails every refresh started by a later request
// ("Cannot perform I/O on behalf of a different request"). Everything here is created inside the
// request that uses it.
//
// Bindings (wrangler.toml [vars]): SNAPSHOT_URL (required), REFRESH_SECONDS (default 10),
// TIMEOUT_MS (default 3000).
//
// In an application this reads:
//   import { Engine, initWasmSync, initRegexSync, initDiagnosticsSync, diagnosticsReady } from "edgeflag"; // "workerd" condition
//   import wasm from "edgeflag/server.wasm";                    // a compiled WebAssembly.Module: the runtime built for
//                                                               // speed (edgeflag/edgeflag.wasm is the size build)
//   import regex from "edgeflag/regex.wasm";                    // the operators module (`matches`, `semver_*`, `in_cidr`)
//   import diagnostics from "edgeflag/diagnostics.wasm";        // optional: the messages of a refusal's problems
// Here it imports the package's files by relative path, so workerd (miniflare) runs it without a bundler.

import { Engine, initWasmSync, initRegexSync, initDiagnosticsSync, diagnosticsReady } from '../src/index.workerd.js';
import wasm from '../pkg/edgeflag_speed_bg.wasm';
import regex from '../pkg/edgeflag_regex.wasm';
import diagnostics from '../pkg/edgeflag_diagnostics.wasm';

// Workers forbid compiling wasm from bytes at run time: instantiate the modules the runtime compiled. The
// regular-expression module serves snapshots that use `matches` (without it, such a snapshot is refused).
initWasmSync(wasm);
initRegexSync(regex);

const FLAGS = {
  'new-checkout': false,
  'holiday-banner': false,
  recommendations: false,
  theme: 'classic',
  'free-shipping-threshold': 50,
  'checkout-config': { steps: ['cart', 'shipping', 'payment', 'review'], expressPay: false, maxItems: 50 },
  'maintenance-mode': false,
};

// ---- module scope: one snapshot per isolate ----------------------------------------------------
const held = { url: null, engine: null, text: null, etag: null }; // the last good snapshot
let lastCheck = -Infinity; // when the last refresh started (ms)
let refreshing = null; // the refresh in flight, or null
let refreshes = 0; // refreshes started by this isolate
let failures = 0; // consecutive failed or refused refreshes
let lastError = null; // {message, at} of the last failed or refused refresh

function settings(env) {
  const url = env.SNAPSHOT_URL;
  if (!url) throw new Error('the SNAPSHOT_URL binding is not set');
  const refreshMs = 1000 * positive(env.REFRESH_SECONDS, 10);
  const timeout = positive(env.TIMEOUT_MS, 3000);
  return { url, refreshMs, timeout };
}

function status() {
  if (held.engine === null) return lastError ? 'error' : 'loading';
  return failures > 0 ? 'stale' : 'ready';
}

/** One conditional GET; installs the snapshot only if it is valid and not older than the one held. */
async function load(url, timeout) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no complete answer within ${timeout} ms`)), timeout);
  try {
    const headers = { accept: 'application/json' };
    if (held.engine && held.etag) headers['if-none-match'] = held.etag;
    const res = await fetch(url, { headers, signal: ac.signal });
    if (res.status === 304 && held.engine) {
      await res.body?.cancel();
      return 'not-modified';
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${url} answered HTTP ${res.status}`);
    }
    const text = await res.text();
    const etag = res.headers.get('etag');
    let next;
    try {
      next = Engine.fromJSON(text);
    } catch (refusal) {
      // The runtime names the problems' paths; the diagnostics module (instantiated on the first refusal
      // only) gives their messages: the snapshot is loaded again to report them.
      let err = refusal;
      if (!diagnosticsReady()) {
        initDiagnosticsSync(diagnostics);
        try { Engine.fromJSON(text).free(); } catch (explained) { err = explained; }
      }
      const problems = (err.problems ?? []).slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ');
      throw new Error(`refused the snapshot from ${url}: ${problems || err.message}`);
    }
    const current = held.engine;
    if (current && next.version <= current.version) {
      const same = next.version === current.version && text === held.text;
      const older = next.version < current.version;
      next.free();
      if (same) {
        held.etag = etag;
        return 'unchanged';
      }
      throw new Error(older
        ? `refused snapshot version ${next.version}: older than version ${current.version} in use (anti-rollback)`
        : `refused snapshot version ${next.version}: already in use with different content (a publish must raise the version)`);
    }
    // Swap. Evaluations are synchronous, so none is running on the old engine now.
    held.engine = next;
    held.text = text;
    held.etag = etag;
    current?.free();
    return 'updated';
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a refresh unless one is in flight or the last one started less than refreshMs ago. */
function maybeRefresh(ctx, url, refreshMs, timeout) {
  const now = Date.now();
  if (refreshing || now - lastCheck < refreshMs) return refreshing;
  lastCheck = now;
  refreshes++;
  refreshing = load(url, timeout).then(
    (outcome) => { failures = 0; lastError = null; return outcome; },
    (err) => {
      failures++;
      lastError = { message: err?.message ?? String(err), at: new Date().toISOString() };
      return 'failed';
    },
  ).finally(() => { refreshing = null; });
  ctx.waitUntil(refreshing);
  return refreshing;
}

/** The engine to answer with (null: no snapshot yet, serve the fallbacks). */
async function snapshotEngine(env, ctx) {
  const { url, refreshMs, timeout } = settings(env);
  if (held.url !== url) { // first request of this isolate, or the binding changed
    held.engine?.free();
    Object.assign(held, { url, engine: null, text: null, etag: null });
    lastCheck = -Infinity;
    failures = 0;
  }
  const pending = maybeRefresh(ctx, url, refreshMs, timeout);
  if (held.engine === null && pending) await pending; // cold isolate: wait, bounded by the timeout
  return held.engine;
}

// ---- the request's evaluation context ---------------------------------------------------------

function parseCookies(header) {
  const out = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    let v = part.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    try { v = decodeURIComponent(v); } catch { /* keep it raw */ }
    if (!(k in out)) out[k] = v;
  }
  return out;
}

function deviceOf(ua) {
  const os = /iphone|ipad|ios/i.test(ua) ? 'ios' : /android/i.test(ua) ? 'android' : /windows/i.test(ua) ? 'windows'
    : /mac os|macintosh/i.test(ua) ? 'macos' : /linux/i.test(ua) ? 'linux' : undefined;
  const type = /ipad|tablet/i.test(ua) ? 'tablet' : /mobi|iphone|android/i.test(ua) ? 'mobile' : ua ? 'desktop' : undefined;
  return { ...(os ? { os } : {}), ...(type ? { type } : {}) };
}

/** The context for one request, and whether a new uid cookie must be set. */
export function contextFor(request) {
  const cookies = parseCookies(request.headers.get('cookie'));
  let uid = cookies.uid;
  const fresh = !uid;
  if (fresh) uid = `anon-${crypto.randomUUID()}`;
  const ctx = { key: uid };
  // Cloudflare sets CF-IPCountry (overwriting any the client sent) and request.cf.country alike.
  const country = request.headers.get('cf-ipcountry') ?? request.cf?.country;
  if (country && country !== 'XX' && country !== 'T1') ctx.country = country.toUpperCase();
  if (cookies.email) ctx.email = cookies.email;
  if (cookies.plan) ctx.plan = cookies.plan;
  if (cookies.account_id || cookies.account_type) {
    ctx.account = {};
    if (cookies.account_id) ctx.account.id = cookies.account_id;
    if (cookies.account_type) ctx.account.type = cookies.account_type;
  }
  const ua = request.headers.get('user-agent') ?? '';
  if (ua) ctx.userAgent = ua;
  const device = deviceOf(ua);
  if (Object.keys(device).length) ctx.device = device;
  const ip = request.headers.get('cf-connecting-ip');
  if (ip) ctx.ip = ip;
  const version = request.headers.get('x-app-version');
  if (version) ctx.appVersion = version;
  const lang = request.headers.get('accept-language');
  if (lang) ctx.language = lang.split(',')[0].split(';')[0].trim();
  ctx.path = new URL(request.url).pathname;
  return { ctx, fresh };
}

// ---- responses --------------------------------------------------------------------------------

function evaluateAll(engine, ctx, now) {
  const flags = {};
  for (const key of engine ? engine.flagKeys() : []) {
    const d = engine.details(key, FLAGS[key] ?? null, ctx, { now });
    flags[key] = { value: d.value, variant: d.variant, reason: d.reason, ruleId: d.ruleId, ruleIndex: d.ruleIndex, errorCode: d.errorCode };
  }
  // Flags the page needs even without a snapshot: their fallbacks.
  for (const [key, fallback] of Object.entries(FLAGS)) {
    if (!(key in flags)) flags[key] = { value: fallback, variant: null, reason: 'ERROR', ruleId: null, ruleIndex: null, errorCode: 'PROVIDER_NOT_READY' };
  }
  return flags;
}

function html(ctx, flags, version) {
  const v = (k) => flags[k]?.value;
  const themes = {
    classic: { bg: '#f6f5f2', fg: '#1f2328', accent: '#3b5bdb' },
    midnight: { bg: '#0d1117', fg: '#e6edf3', accent: '#f2b84b' },
    ocean: { bg: '#effaf9', fg: '#0b2e33', accent: '#0c8599' },
  };
  const t = themes[v('theme')] ?? themes.classic;
  const cfg = v('checkout-config') ?? FLAGS['checkout-config'];
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="edgeflag-version" content="${esc(version ?? 'none')}">
<title>Fjord &amp; Pine</title>
<style>body{margin:0;font:16px/1.5 system-ui,sans-serif;background:${t.bg};color:${t.fg}}main{max-width:720px;margin:0 auto;padding:24px}
.banner{background:linear-gradient(90deg,#b91c1c,#15803d);color:#fff;text-align:center;padding:10px}.btn{display:inline-block;background:${t.accent};color:#fff;padding:10px 16px;border-radius:10px;text-decoration:none;font-weight:600}
.box{border:1px solid rgba(127,127,127,.3);border-radius:12px;padding:14px;margin:14px 0}.muted{opacity:.7;font-size:.9em}</style></head>
<body data-theme="${esc(v('theme'))}">
${v('maintenance-mode') ? '<div class="banner" id="maintenance">Maintenance: the shop is read-only for a few minutes.</div>' : ''}
${v('holiday-banner') ? '<div class="banner" id="holiday-banner">Holiday sale: 20 % off outerwear.</div>' : ''}
<main>
<h1>Fjord &amp; Pine${ctx.country ? ` <span class="muted">· ${esc(ctx.country)}</span>` : ''}</h1>
${v('recommendations') ? '<section class="box" id="recommendations"><h2>Picked for you</h2><p>Merino Beanie · Aurora Headlamp · Camp Mug</p></section>' : ''}
<section class="box" id="checkout" data-variant="${v('new-checkout') ? 'new' : 'classic'}">
<p>Free shipping from <strong id="shipping-threshold">€${esc(Number(v('free-shipping-threshold')).toFixed(2))}</strong></p>
<p>Checkout: ${esc((cfg.steps ?? []).join(' → '))}${cfg.expressPay ? ' · Express Pay' : ''}</p>
<a class="btn" href="/checkout">${v('new-checkout') ? 'One-page checkout' : 'Proceed to checkout'}</a>
</section>
<p class="muted">Personalised at the edge by edgeflag · snapshot ${esc(version ?? 'none (fallbacks)')}</p>
</main></body></html>`;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } });
    }
    let engine;
    try {
      engine = await snapshotEngine(env, ctx);
    } catch (err) {
      return new Response(`edgeflag worker misconfigured: ${err.message}\n`, { status: 500 });
    }
    const { ctx: context, fresh } = contextFor(request);
    const now = Date.now();
    const version = engine ? engine.version : null;
    const flags = evaluateAll(engine, context, now);
    const headers = new Headers({
      'cache-control': 'private, no-store',
      vary: 'Cookie',
      'x-edgeflag-version': version === null ? 'none' : String(version),
    });
    if (fresh) headers.append('set-cookie', `uid=${encodeURIComponent(context.key)}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`);

    if (url.pathname === '/api/flags') {
      headers.set('content-type', 'application/json; charset=utf-8');
      const body = {
        version,
        evaluatedAt: new Date(now).toISOString(),
        context,
        flags,
        snapshot: {
          status: status(),
          etag: held.etag,
          lastCheck: Number.isFinite(lastCheck) ? new Date(lastCheck).toISOString() : null,
          refreshing: refreshing !== null,
          refreshes,
          lastError,
        },
      };
      return new Response(JSON.stringify(body), { headers });
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      headers.set('content-type', 'text/html; charset=utf-8');
      return new Response(request.method === 'HEAD' ? null : html(context, flags, version), { headers });
    }
    return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};

function positive(v, def) {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : def;
}
