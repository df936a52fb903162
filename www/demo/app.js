// The storefront demo: every gated piece of UI reads a flag from the edgeflag client (the real
// package: www/src + the wasm build in www/pkg). The client polls the local CDN every 2 s, so a
// snapshot published from the admin strip (or `node www/demo/publish.js`) shows up without a reload.
//
// URL parameters: ?user=<context key>&now=<RFC 3339 | clock>&refresh=<ms>&snapshot=<url>

import { createClient } from '../src/index.js';

const params = new URLSearchParams(location.search);
const SNAPSHOT_URL = params.get('snapshot') || '/cdn/storefront.json';
const REFRESH_MS = clampInt(params.get('refresh'), 2000, 250, 60000);

// The example snapshot schedules its releases in late 2026: a date picker shows them unfold.
const DATES = [
  { value: 'clock', label: 'Now (real clock)' },
  { value: '2026-11-26T12:00:00Z', label: 'Nov 26 — snapshot published' },
  { value: '2026-11-28T12:00:00Z', label: 'Nov 28 — holiday sale for beta testers' },
  { value: '2026-12-03T12:00:00Z', label: 'Dec 3 — checkout API v2 at 25 %' },
  { value: '2026-12-08T12:00:00Z', label: 'Dec 8 — checkout API v2 at 100 %' },
  { value: '2027-01-02T12:00:00Z', label: 'Jan 2 — holidays over' },
];
const DEFAULT_DATE = '2026-12-08T12:00:00Z';

const PRODUCTS = [
  { id: 'shoe', name: 'Trail Runner GTX', price: 139, icon: 'shoe', tone: '#f97316', tag: 'Outdoor' },
  { id: 'jacket', name: 'Fjell Down Jacket', price: 229, icon: 'jacket', tone: '#0ea5e9', tag: 'Apparel' },
  { id: 'beanie', name: 'Merino Beanie', price: 25, icon: 'beanie', tone: '#a855f7', tag: 'Apparel' },
  { id: 'bottle', name: 'Insulated Bottle', price: 32, icon: 'bottle', tone: '#10b981', tag: 'Camp' },
  { id: 'lamp', name: 'Aurora Headlamp', price: 45, icon: 'lamp', tone: '#eab308', tag: 'Camp' },
  { id: 'mug', name: 'Enamel Camp Mug', price: 14, icon: 'mug', tone: '#ef4444', tag: 'Camp' },
  { id: 'tent', name: 'Ridge 2P Tent', price: 349, icon: 'tent', tone: '#22c55e', tag: 'Outdoor' },
  { id: 'map', name: 'Fjord Trail Map', price: 12, icon: 'map', tone: '#64748b', tag: 'Outdoor' },
];
// Line icons (24×24, stroked): no image files, no emoji font needed.
const ICONS = {
  shoe: 'M2 17h20v2.5H2z M2 17c0-3.5 1.2-8 3-10l3.2 2.2c1 .7 2.6.6 3.4-.3l2.4 3.6 5.4 1.7c1.6.5 2.6 1.6 2.6 2.8 M9.5 12.5l1.5-1.5 M12 14l1.5-1.5',
  jacket: 'M8 3 4 6 2 13l3 1v7h14v-7l3-1-2-7-4-3-4 3z M12 6v15 M8 3l1 5 M16 3l-1 5',
  beanie: 'M4 16a8 8 0 0 1 16 0 M3 16h18v4H3z M12 5.5a1.75 1.75 0 1 0 0-3.5 1.75 1.75 0 0 0 0 3.5 M8 16v4 M12 16v4 M16 16v4',
  bottle: 'M10 2h4v3h-4z M9 5h6l1.5 3v13a1 1 0 0 1-1 1h-7a1 1 0 0 1-1-1V8z M7.5 11h9 M7.5 17h9',
  lamp: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8 M12 2v3 M12 19v3 M2 12h3 M19 12h3 M4.9 4.9l2.1 2.1 M17 17l2.1 2.1 M19.1 4.9 17 7 M4.9 19.1 7 17',
  mug: 'M4 9h12v8a4 4 0 0 1-4 4H8a4 4 0 0 1-4-4z M16 11h2a3 3 0 0 1 0 6h-2 M8 2.5c0 1.5 1.5 1.5 1.5 3.5 M12 2.5c0 1.5 1.5 1.5 1.5 3.5',
  tent: 'M12 3 2 21h20z M12 3v18 M8.5 21 12 14l3.5 7 M1 21h22',
  map: 'M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3z M9 3v15 M15 6v15',
  mountain: 'M1 21 8.5 8l4 6.5 3-4.5L23 21z M8.5 8l2 3.3-2 1.7-2-1.7 M18 6a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5',
};
const START_CART = { beanie: 1, mug: 1 };

// Every flag the UI reads, with the type and the fallback served when anything goes wrong.
const FLAGS = {
  'new-checkout': { type: 'boolean', fallback: false },
  'holiday-banner': { type: 'boolean', fallback: false },
  recommendations: { type: 'boolean', fallback: false },
  theme: { type: 'string', fallback: 'classic' },
  'free-shipping-threshold': { type: 'number', fallback: 50 },
  'checkout-config': { type: 'json', fallback: { steps: ['cart', 'shipping', 'payment', 'review'], expressPay: false, maxItems: 50 } },
  'maintenance-mode': { type: 'boolean', fallback: false },
};

const $ = (id) => document.getElementById(id);

const state = {
  users: [],
  user: null,
  now: validDate(params.get('now')) ?? DEFAULT_DATE,
  cart: { ...START_CART },
  source: null,
  lastCheck: null, // {at, status}
  lastChange: null, // {from, to, at}
  error: null, // {message, at}
  previous: null, // last rendered values, to flash what changed
  previousVersion: null, // the snapshot version they came from
};

// ---- the client ------------------------------------------------------------------------------

// A fetch that remembers when the CDN was last asked and what it said, for the status line.
const trackedFetch = async (input, init) => {
  try {
    const res = await fetch(input, init);
    state.lastCheck = { at: Date.now(), status: res.status };
    return res;
  } catch (err) {
    state.lastCheck = { at: Date.now(), status: err?.name === 'AbortError' ? 'timeout' : 'no answer' };
    throw err;
  } finally {
    queueMicrotask(renderStatus);
  }
};

const client = createClient({
  url: SNAPSHOT_URL,
  refreshInterval: REFRESH_MS,
  timeout: 3000,
  retries: { retries: 1, baseDelay: 200, maxDelay: 1000 },
  fetch: trackedFetch,
});

client.on('ready', ({ source }) => {
  state.source = source;
  render();
});
client.on('change', ({ previousVersion, version, source }) => {
  state.source = source;
  state.error = null;
  state.lastChange = { from: previousVersion, to: version, at: Date.now() };
  render();
  toast(`Snapshot v${previousVersion} → v${version}: the page updated without a reload`);
});
client.on('error', (err) => {
  state.error = { message: err.message, kind: err.kind, at: Date.now() };
  renderStatus();
});
client.on('stale', ({ message }) => {
  state.error = { ...(state.error ?? {}), message, at: Date.now() };
  renderStatus();
});

// ---- evaluation ------------------------------------------------------------------------------

function evaluationTime() {
  return state.now === 'clock' ? undefined : Date.parse(state.now);
}

/** Every flag the UI uses, for the current user: {key: details}. Never throws. */
function evaluate() {
  const ctx = state.user ?? {};
  const now = evaluationTime();
  const out = {};
  for (const [key, { type, fallback }] of Object.entries(FLAGS)) {
    out[key] = client.details(key, fallback, ctx, { type, now });
  }
  return out;
}

// ---- rendering -------------------------------------------------------------------------------

function render() {
  const flags = evaluate();
  const v = Object.fromEntries(Object.entries(flags).map(([k, d]) => [k, d.value]));
  document.body.dataset.snapshotVersion = client.version ?? '';
  document.body.dataset.user = state.user ? String(state.user.key) : '';

  // Theme (multivariate)
  const theme = ['classic', 'midnight', 'ocean'].includes(v.theme) ? v.theme : 'classic';
  document.body.dataset.theme = theme;

  // Banners
  show($('holiday-banner'), v['holiday-banner'] === true);
  show($('maintenance'), v['maintenance-mode'] === true);

  // Greeting
  $('greeting').textContent = state.user?.name ? `Welcome back, ${state.user.name}` : 'Welcome';

  renderProducts();
  renderRecommendations(v.recommendations === true);
  renderCart(v);
  renderFlagTable();
  flashChanges(v);
  renderStatus();
}

function renderProducts() {
  const grid = $('grid');
  if (grid.childElementCount) return;
  for (const p of PRODUCTS) {
    const card = el('article', { class: 'card' },
      el('div', { class: 'card-art', style: `--tone:${p.tone}` }, icon(p.icon)),
      el('div', { class: 'card-body' },
        el('span', { class: 'card-tag' }, p.tag),
        el('h3', {}, p.name),
        el('div', { class: 'card-foot' },
          el('span', { class: 'price' }, euro(p.price)),
          el('button', { type: 'button', class: 'btn btn-small', 'data-add': p.id }, 'Add'))));
    grid.append(card);
  }
}

function renderRecommendations(on) {
  const section = $('recommendations');
  show(section, on);
  const row = $('reco-row');
  row.replaceChildren();
  if (!on) return;
  // A stand-in for a recommender: three products picked from the user's key.
  const seed = [...String(state.user?.key ?? '')].reduce((a, c) => a + c.charCodeAt(0), 0);
  for (let i = 0; i < 3; i++) {
    const p = PRODUCTS[(seed + i * 3) % PRODUCTS.length];
    row.append(el('div', { class: 'reco' },
      el('span', { class: 'reco-icon', style: `--tone:${p.tone}` }, icon(p.icon)),
      el('div', {}, el('div', { class: 'reco-name' }, p.name), el('div', { class: 'muted small' }, euro(p.price))),
      el('button', { type: 'button', class: 'btn btn-small', 'data-add': p.id }, 'Add')));
  }
}

function renderCart(v) {
  const lines = $('cart-lines');
  lines.replaceChildren();
  let subtotal = 0;
  let items = 0;
  for (const [id, qty] of Object.entries(state.cart)) {
    const p = PRODUCTS.find((x) => x.id === id);
    if (!p || qty <= 0) continue;
    subtotal += p.price * qty;
    items += qty;
    lines.append(el('li', {},
      el('span', { class: 'line-icon', style: `--tone:${p.tone}` }, icon(p.icon)),
      el('span', { class: 'line-name' }, `${p.name}${qty > 1 ? ` × ${qty}` : ''}`),
      el('span', {}, euro(p.price * qty)),
      el('button', { type: 'button', class: 'line-remove', 'data-remove': id, 'aria-label': `Remove ${p.name}` }, '×')));
  }
  if (!lines.childElementCount) lines.append(el('li', { class: 'muted' }, 'Your cart is empty.'));
  $('subtotal').textContent = euro(subtotal);

  // Free shipping threshold (number)
  const threshold = Number(v['free-shipping-threshold']);
  const th = $('shipping-threshold');
  th.textContent = euro(threshold);
  th.dataset.value = String(threshold);
  const missing = Math.max(0, threshold - subtotal);
  $('shipping-text').replaceChildren(missing > 0
    ? el('span', {}, 'Add ', el('strong', {}, euro(missing)), ' for free shipping')
    : el('span', { class: 'ok' }, '✓ Your order ships free'));
  $('shipping-meter').style.width = `${threshold > 0 ? Math.min(100, (subtotal / threshold) * 100) : 100}%`;

  // New checkout (percentage rollout) and checkout config (json)
  const isNew = v['new-checkout'] === true;
  show($('checkout-new'), isNew);
  show($('checkout-classic'), !isNew);
  $('checkout').dataset.variant = isNew ? 'new' : 'classic';
  document.querySelector('.pay-amount').textContent = euro(subtotal);

  const cfg = v['checkout-config'] && typeof v['checkout-config'] === 'object' ? v['checkout-config'] : FLAGS['checkout-config'].fallback;
  const steps = Array.isArray(cfg.steps) ? cfg.steps : [];
  $('checkout-steps').replaceChildren(...steps.map((s, i) =>
    el('li', { 'data-step': s }, el('span', { class: 'step-n' }, String(i + 1)), el('span', {}, stepName(s)))));
  show($('express-pay'), cfg.expressPay === true);
  const terms = [];
  if (Number.isFinite(cfg.maxItems)) terms.push(`Up to ${cfg.maxItems} items per order`);
  if (cfg.paymentTerms) terms.push(`invoice payable within ${cfg.paymentTerms.days} days (${cfg.paymentTerms.currency})`);
  $('checkout-terms').textContent = terms.join(' · ');
  $('checkout-config').dataset.value = JSON.stringify(cfg);
  $('checkout-config').dataset.items = String(items);

  const paused = v['maintenance-mode'] === true;
  for (const id of ['pay-new', 'pay-classic', 'express-pay']) $(id).disabled = paused;
}

function renderFlagTable() {
  $('why-user').textContent = state.user ? `${state.user.name ?? state.user.key} (${JSON.stringify(state.user.key)})` : 'nobody';
  const all = client.all(state.user ?? {});
  const now = evaluationTime();
  const body = $('flags-body');
  body.replaceChildren();
  const keys = Object.keys(all);
  if (!keys.length) {
    body.append(el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'No snapshot yet: every flag serves its fallback.')));
    return;
  }
  for (const key of keys) {
    // all() evaluates at the real clock; read each flag at the chosen date for the table.
    const d = client.details(key, null, state.user ?? {}, { now });
    const explore = new URL('../explorer/', location.href);
    explore.searchParams.set('snapshot', SNAPSHOT_URL);
    explore.searchParams.set('user', String(state.user?.key ?? ''));
    if (state.now !== 'clock') explore.searchParams.set('now', state.now);
    explore.hash = `flag-${key}`;
    body.append(el('tr', { 'data-flag-row': key },
      el('td', {}, el('code', {}, key)),
      el('td', { class: 'val' }, el('code', {}, short(JSON.stringify(d.value)))),
      el('td', {}, d.variant ?? '—'),
      el('td', {}, el('span', { class: `reason reason-${d.reason}` }, d.reason)),
      el('td', {}, d.ruleId ?? (d.ruleIndex != null ? `#${d.ruleIndex}` : d.prerequisite ? `needs ${d.prerequisite}` : '—')),
      el('td', {}, el('a', { href: explore.toString(), class: 'explain-link' }, 'explain →'))));
  }
}

function renderStatus() {
  const status = client.status;
  const bar = $('status');
  const shown = status === 'ready' && state.error ? 'ready' : status;
  bar.dataset.state = shown;
  const version = client.version;
  const source = { network: 'from the CDN', cache: 'from the local cache', bootstrap: 'from the bootstrap' }[state.source] ?? '';
  $('status-main').textContent = version == null
    ? (status === 'error' ? 'No snapshot: serving fallbacks' : 'Loading flags…')
    : `Snapshot v${version}${client.environment ? ` (${client.environment})` : ''} ${source}`;
  $('status-main').dataset.version = version ?? '';
  $('status-main').dataset.source = state.source ?? '';
  const c = state.lastCheck;
  $('status-checked').textContent = c
    ? `last refresh ${clock(c.at)} (${ago(c.at)}, ${c.status === 304 ? '304 not modified' : typeof c.status === 'number' ? `HTTP ${c.status}` : c.status}) · every ${REFRESH_MS / 1000} s`
    : `refresh every ${REFRESH_MS / 1000} s`;
  $('status-time').textContent = state.now === 'clock' ? 'evaluated at the real clock' : `evaluated at ${state.now.replace('T', ' ').replace(':00Z', ' UTC')} (simulated)`;
  const err = $('status-error');
  if ((status === 'stale' || status === 'error') && state.error) {
    err.hidden = false;
    err.textContent = `⚠ ${state.error.message}`;
    err.title = state.error.message;
  } else {
    err.hidden = true;
    err.textContent = '';
  }
}

function flashChanges(v) {
  // Flash what a new snapshot changed (not what a user switch or the first load changed).
  const prev = state.previous;
  const prevVersion = state.previousVersion;
  state.previous = v;
  state.previousVersion = client.version;
  if (!prev || prevVersion == null || prevVersion === client.version) return;
  const targets = {
    'new-checkout': 'checkout', 'holiday-banner': 'holiday-banner', recommendations: 'recommendations',
    'free-shipping-threshold': 'shipping', 'checkout-config': 'checkout-config', theme: 'hero',
  };
  for (const [key, id] of Object.entries(targets)) {
    if (JSON.stringify(prev[key]) !== JSON.stringify(v[key])) {
      const node = $(id);
      node.classList.remove('flash');
      void node.offsetWidth; // restart the animation
      node.classList.add('flash');
    }
  }
}

// ---- controls --------------------------------------------------------------------------------

function setupControls() {
  const userSelect = $('user');
  for (const u of state.users) {
    const label = `${u.name ?? u.key}${u.country ? ` · ${u.country}` : ''}${u.plan ? ` · ${u.plan}` : ''}`;
    userSelect.append(el('option', { value: String(u.key) }, label));
  }
  userSelect.value = String(state.user?.key ?? '');
  userSelect.addEventListener('change', () => {
    state.user = state.users.find((u) => String(u.key) === userSelect.value) ?? null;
    state.previous = null;
    saveUrl();
    render();
  });

  const nowSelect = $('now');
  const dates = DATES.some((d) => d.value === state.now) ? DATES : [...DATES, { value: state.now, label: state.now }];
  for (const d of dates) nowSelect.append(el('option', { value: d.value }, d.label));
  nowSelect.value = state.now;
  nowSelect.addEventListener('change', () => {
    state.now = nowSelect.value;
    state.previous = null;
    saveUrl();
    render();
  });

  document.addEventListener('click', (e) => {
    const add = e.target.closest('[data-add]');
    if (add) {
      state.cart[add.dataset.add] = (state.cart[add.dataset.add] ?? 0) + 1;
      render();
      return;
    }
    const remove = e.target.closest('[data-remove]');
    if (remove) {
      delete state.cart[remove.dataset.remove];
      render();
      return;
    }
    const pay = e.target.closest('#pay-new, #pay-classic, #express-pay');
    if (pay) toast('This is a demo shop: nothing was charged.');
  });

  // Admin strip
  const range = $('rollout-percent');
  const out = $('rollout-value');
  range.addEventListener('input', () => { out.textContent = `${range.value} %`; });
  for (const b of document.querySelectorAll('[data-admin]')) {
    b.addEventListener('click', () => {
      const body = { action: b.dataset.admin };
      if (b.dataset.flag) body.flag = b.dataset.flag;
      if (body.action === 'rollout') body.percent = Number(range.value);
      admin('/admin/publish', body).then((r) => {
        adminMessage(`Published v${r.version}: ${r.summary}${r.valid ? '' : ' — clients will refuse it'}`, r.valid ? 'ok' : 'warn');
      }, (err) => adminMessage(err.message, 'error'));
    });
  }
  for (const b of document.querySelectorAll('[data-cdn]')) {
    b.addEventListener('click', () => {
      admin('/admin/cdn', { mode: b.dataset.cdn }).then((r) => {
        for (const x of document.querySelectorAll('[data-cdn]')) x.setAttribute('aria-pressed', String(x.dataset.cdn === r.cdn.mode));
        adminMessage(r.cdn.mode === 'down' ? 'CDN down: every snapshot request now gets a 503' : 'CDN up', r.cdn.mode === 'down' ? 'warn' : 'ok');
      }, (err) => adminMessage(err.message, 'error'));
    });
  }
  fetch('/admin/state').then((r) => (r.ok ? r.json() : null)).then((s) => {
    if (!s) return;
    for (const x of document.querySelectorAll('[data-cdn]')) x.setAttribute('aria-pressed', String(x.dataset.cdn === s.cdn.mode));
  }).catch(() => {
    $('admin').classList.add('admin-offline');
    adminMessage('admin API not reachable (serve.js not running?)', 'error');
  });
}

async function admin(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

function adminMessage(text, kind) {
  const m = $('admin-message');
  m.textContent = text;
  m.dataset.kind = kind;
}

function saveUrl() {
  const u = new URL(location.href);
  u.searchParams.set('user', String(state.user?.key ?? ''));
  u.searchParams.set('now', state.now);
  history.replaceState(null, '', u);
}

// ---- helpers ---------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c != null) node.append(c);
  return node;
}

function icon(name) {
  const span = document.createElement('span');
  span.className = 'icon';
  span.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="${ICONS[name] ?? ''}"/></svg>`;
  return span;
}

function show(node, on) {
  node.hidden = !on;
}

function euro(n) {
  return Number.isFinite(n) ? `€${n.toFixed(2)}` : '—';
}

function stepName(s) {
  return { cart: 'Cart', shipping: 'Shipping', payment: 'Payment', review: 'Review', invoice: 'Invoice', 'one-page': 'One page' }[s] ?? s;
}

function short(s, n = 48) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 1 ? 'just now' : `${s} s ago`;
}

function validDate(v) {
  if (v === 'clock') return v;
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : null;
}

function clampInt(v, def, min, max) {
  const n = Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : def;
}

let toastTimer = null;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  try {
    const res = await fetch('/examples/contexts.json');
    state.users = res.ok ? await res.json() : [];
  } catch {
    state.users = [];
  }
  if (!state.users.length) state.users = [{ key: 'guest', name: 'Guest' }];
  const wanted = params.get('user');
  state.user = state.users.find((u) => String(u.key) === wanted) ?? state.users[0];
  document.querySelector('.hero-art').replaceChildren(icon('mountain'));
  setupControls();
  renderProducts();
  renderStatus();
  try {
    // The cached snapshot (localStorage) is in place as soon as the wasm module is: usually a few ms.
    await client.ready({ timeout: 3000 });
  } catch (err) {
    state.error = { message: err.message, at: Date.now() }; // render the fallbacks; 'ready' re-renders later
  }
  render();
  setInterval(renderStatus, 1000);
  window.__demo = { client, state, evaluate }; // for the browser tests and curious people
  document.body.dataset.started = 'true';
}

start();
