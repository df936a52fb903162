// The evaluation explorer: load a snapshot, type a context, and see for every flag what it serves
// and why — the trace comes from the Rust core (`engine.explain`), the same evaluator apps run.
//
// URL parameters: ?snapshot=<url>&user=<example user key>&context=<json>&now=<RFC 3339>#flag-<key>

import { Engine, initWasm, initRegex, regexReady, mayUseRegex } from '../src/devtools.js'; // the devtools .wasm: explain()

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const BUCKETS = 100000;

const state = {
  engine: null,
  doc: null, // the snapshot as parsed JSON (rule definitions for drawing splits and unreached rules)
  source: null,
  users: [],
  context: null,
  contextError: null,
  now: null, // ms, or null for the clock
  nowError: null,
  filter: '',
};

// ---- snapshot --------------------------------------------------------------------------------

async function loadFromUrl(url) {
  const info = $('snapshot-info');
  info.className = 'info';
  info.textContent = `Loading ${url}…`;
  let text;
  try {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    text = await res.text();
  } catch (err) {
    return showSnapshotError(`Could not fetch the snapshot: ${err.message}`, []);
  }
  await loadText(text, url);
}

async function loadText(text, source) {
  // The operators (regular-expression) module is fetched only for a snapshot that may use `matches`, `semver_*` or
  // `in_cidr`; if it cannot be, the
  // engine refuses the snapshot with a problem that says so.
  if (!regexReady() && mayUseRegex(text)) await initRegex().catch(() => {});
  let engine;
  try {
    engine = Engine.fromJSON(text);
  } catch (err) {
    return showSnapshotError(`The engine refused this snapshot (${source}).`, err.problems ?? [{ path: '(root)', message: err.message }]);
  }
  let doc = null;
  try { doc = JSON.parse(text); } catch { /* the engine accepted it: cannot happen */ }
  state.engine?.free();
  state.engine = engine;
  state.doc = doc;
  state.source = source;
  const info = $('snapshot-info');
  info.className = 'info ok';
  info.replaceChildren(
    el('div', { class: 'info-main' }, el('strong', {}, `version ${engine.version}`),
      engine.environment ? ` · ${engine.environment}` : '', ` · ${engine.flagKeys().length} flags`,
      doc?.segments ? ` · ${Object.keys(doc.segments).length} segments` : ''),
    el('div', { class: 'muted small' }, source === 'pasted' ? 'pasted text' : source,
      engine.publishedAt ? ` · published ${engine.publishedAt}` : ''),
    ...engine.warnings.map((w) => el('div', { class: 'warn small' }, `⚠ ${w.path}: ${w.message}`)));
  saveUrl();
  evaluate();
}

function showSnapshotError(message, problems) {
  const info = $('snapshot-info');
  info.className = 'info error';
  info.replaceChildren(el('strong', {}, message),
    ...(problems.length ? [el('ul', { class: 'problems' }, ...problems.slice(0, 50).map((p) =>
      el('li', {}, el('code', {}, p.path), ': ', p.message)))] : []),
    state.engine ? el('div', { class: 'muted small' }, `Still showing the previous snapshot (version ${state.engine.version}).`) : '');
}

// ---- context and time ------------------------------------------------------------------------

function readContext() {
  const text = $('context').value;
  const status = $('context-status');
  let value;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    state.contextError = jsonErrorText(err, text);
    status.className = 'field-status error';
    status.textContent = `✗ ${state.contextError}`;
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    state.contextError = 'the context must be a JSON object ({...})';
    status.className = 'field-status error';
    status.textContent = `✗ ${state.contextError}`;
    return false;
  }
  state.context = value;
  state.contextError = null;
  const notes = [];
  const key = value.key;
  if (key === undefined || key === null) notes.push('no "key": segment lists and rules bucketed by key do not apply');
  else if (typeof key !== 'string' && !Number.isInteger(key)) notes.push('"key" is neither a string nor an integer');
  status.className = notes.length ? 'field-status warn' : 'field-status ok';
  status.textContent = `✓ valid context · ${Object.keys(value).length} attributes${notes.length ? ` · ⚠ ${notes.join('; ')}` : ''}`;
  return true;
}

function jsonErrorText(err, text) {
  const msg = String(err.message).replace(/^JSON\.parse: /, '');
  const m = /position (\d+)/.exec(msg);
  if (!m || /line \d+ column \d+/.test(msg)) return msg;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${msg} (line ${line}, column ${col})`;
}

function readNow() {
  const v = $('now').value.trim();
  const status = $('now-status');
  if (!v) {
    state.now = null;
    state.nowError = null;
    status.className = 'field-status';
    status.textContent = '';
    return true;
  }
  if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) {
    state.nowError = 'not an RFC 3339 date-time, e.g. 2026-12-08T12:00:00Z';
    status.className = 'field-status error';
    status.textContent = `✗ ${state.nowError}`;
    return false;
  }
  state.now = Date.parse(v);
  state.nowError = null;
  status.className = 'field-status ok';
  status.textContent = `✓ ${new Date(state.now).toUTCString()}`;
  return true;
}

// ---- evaluation and rendering ----------------------------------------------------------------

function evaluate() {
  const okCtx = readContext();
  const okNow = readNow();
  const box = $('flags');
  box.classList.toggle('dim', !(okCtx && okNow));
  if (!state.engine || !okCtx || !okNow) return;
  saveUrl();
  const now = state.now ?? Date.now();
  const keys = state.engine.flagKeys();
  const counts = {};
  const cards = [];
  for (const key of keys) {
    let trace;
    try {
      trace = state.engine.explain(key, state.context, now);
    } catch (err) {
      trace = { flag: key, reason: 'ERROR', value: null, variant: null, rules: [], prerequisites: [], enabled: true, error: err.message };
    }
    if (!trace) continue;
    counts[trace.reason] = (counts[trace.reason] ?? 0) + 1;
    cards.push(flagCard(key, trace));
  }
  box.replaceChildren(...cards);
  $('summary').replaceChildren(
    el('span', { class: 'muted' }, `${keys.length} flags at ${new Date(now).toISOString().replace('.000Z', 'Z')}${state.now == null ? ' (now)' : ''}: `),
    ...Object.entries(counts).map(([r, n]) => el('span', { class: `reason reason-${r}` }, `${n} ${r}`)));
  applyFilter();
  const target = decodeURIComponent(location.hash.slice(1));
  if (target.startsWith('flag-')) {
    const card = document.querySelector(`[data-flag="${CSS.escape(target.slice(5))}"]`);
    if (card && !card.classList.contains('target')) {
      card.classList.add('target');
      card.scrollIntoView({ block: 'start' });
    }
  }
}

function flagDef(key) {
  const f = state.doc?.flags?.[key];
  return f && typeof f === 'object' ? f : null;
}

function flagCard(key, t) {
  const def = flagDef(key);
  const type = state.engine.flagType(key) ?? '?';
  const card = el('article', { class: 'flag', id: `flag-${key}`, 'data-flag': key, 'data-reason': t.reason, 'data-variant': t.variant ?? '' });
  card.append(el('header', { class: 'flag-head' },
    el('div', { class: 'flag-title' },
      el('h3', {}, key),
      el('span', { class: 'type' }, type),
      def?.owner ? el('span', { class: 'muted small' }, `owner ${def.owner}`) : ''),
    el('div', { class: 'flag-result' },
      el('code', { class: 'value', 'data-value': JSON.stringify(t.value) }, short(JSON.stringify(t.value), 70)),
      t.variant != null ? el('span', { class: 'variant' }, t.variant) : '',
      el('span', { class: `reason reason-${t.reason}` }, t.reason))));
  if (def?.description) card.append(el('p', { class: 'desc' }, def.description));
  card.append(el('p', { class: 'decision' }, decision(key, t, def)));
  if (t.error) card.append(el('p', { class: 'error' }, t.error));

  if (t.prerequisites?.length) {
    const list = el('div', { class: 'prereqs' });
    for (const p of t.prerequisites) {
      const got = p.trace?.variant;
      const d = el('details', { class: `prereq ${p.ok ? 'ok' : 'fail'}`, 'data-prerequisite': p.flag });
      d.append(el('summary', {},
        mark(p.ok), ' prerequisite ', el('code', {}, p.flag), ' → ',
        got != null ? el('strong', {}, `"${got}"`) : el('strong', {}, 'an error'),
        el('span', { class: 'muted' }, ` (needs ${p.allowed.map((a) => `"${a}"`).join(' or ')})`),
        el('span', { class: `reason reason-${p.trace?.reason}` }, p.trace?.reason ?? '')));
      if (p.trace) d.append(rulesBlock(p.flag, p.trace, flagDef(p.flag)));
      list.append(d);
    }
    card.append(list);
  }
  card.append(rulesBlock(key, t, def));
  if (def?.metadata && Object.keys(def.metadata).length) {
    card.append(el('div', { class: 'meta small' }, ...Object.entries(def.metadata).map(([k, v]) => el('span', {}, el('span', { class: 'muted' }, `${k}: `), String(v)))));
  }
  return card;
}

function decision(key, t, def) {
  const v = t.variant != null ? `"${t.variant}"` : 'the fallback';
  switch (t.reason) {
    case 'DISABLED': return `Kill switch is off: everyone gets the off variant ${v}.`;
    case 'PREREQUISITE_FAILED': return `Prerequisite "${t.prerequisite}" did not give an allowed variant: serving the off variant ${v}.`;
    case 'TARGETING_MATCH':
    case 'SPLIT': {
      const r = t.rules?.find((x) => x.index === t.ruleIndex);
      return `Rule #${t.ruleIndex}${t.ruleId ? ` "${t.ruleId}"` : ''} decided: ${t.reason === 'SPLIT' ? 'the unit\'s bucket' : 'its condition held'} → ${v}${r?.serve ? ` (${r.serve})` : ''}.`;
    }
    case 'DEFAULT': return `No rule applied: serving the default variant ${v}.`;
    case 'STATIC': return `No rules: everyone gets the default variant ${v}.`;
    default: return `Error: ${t.error ?? 'evaluation failed'}; callers get their fallback.`;
  }
}

function rulesBlock(key, t, def) {
  const wrap = el('div', { class: 'rules' });
  const defs = Array.isArray(def?.rules) ? def.rules : [];
  if (!t.enabled) {
    wrap.append(el('div', { class: 'rule skipped' }, el('span', { class: 'step step-off' }, 'kill switch'),
      ' the flag is disabled: rules are not evaluated'));
    return wrap;
  }
  const tried = new Map((t.rules ?? []).map((r) => [r.index, r]));
  const total = Math.max(defs.length, ...[...tried.keys()].map((i) => i + 1), 0);
  if (total === 0) {
    wrap.append(el('div', { class: 'rule none muted' }, 'no rules'));
    return wrap;
  }
  const notTried = t.reason === 'PREREQUISITE_FAILED' ? 'not evaluated: a prerequisite failed' : 'not reached: an earlier rule decided';
  for (let i = 0; i < total; i++) {
    const r = tried.get(i);
    const rd = defs[i];
    if (!r) {
      wrap.append(el('div', { class: 'rule unreached', 'data-rule-index': String(i), 'data-step': 'not_reached' },
        el('div', { class: 'rule-head' }, el('span', { class: 'rule-id' }, `#${i}${rd?.id ? ` ${rd.id}` : ''}`),
          el('span', { class: 'muted' }, serveText(rd)), el('span', { class: 'step step-unreached' }, notTried))));
      continue;
    }
    const row = el('div', { class: `rule step-${r.step}`, 'data-rule-index': String(i), 'data-step': r.step });
    row.append(el('div', { class: 'rule-head' },
      el('span', { class: 'rule-id' }, `#${r.index}${r.id ? ` ${r.id}` : ''}`),
      el('span', { class: 'serve' }, r.serve),
      el('span', { class: `step step-${r.step}` }, stepText(r.step))));
    if (r.from || r.until) {
      row.append(el('div', { class: `window ${r.step === 'outside_window' ? 'fail' : 'ok'}` },
        mark(r.step !== 'outside_window'), ` active from ${r.from ?? '−∞'} until ${r.until ?? '∞'}`,
        r.step === 'outside_window' ? el('span', { class: 'why' }, ` — ${t.now} is outside`) : ''));
    }
    if (r.condition) row.append(condition(r.condition, r.step === 'condition_false'));
    else if (rd && rd.when === undefined && r.step !== 'outside_window') row.append(el('div', { class: 'cond muted small' }, 'no condition: everyone'));
    if (r.by) row.append(bucketView(r, rd));
    wrap.append(row);
  }
  return wrap;
}

function serveText(rd) {
  if (!rd) return '';
  const s = rd.serve;
  if (typeof s === 'string') return `variant "${s}"`;
  if (s?.split) return `split ${s.split.map((e) => `"${e.variant}" ${e.percent}%`).join(' / ')}`;
  if (s?.percent != null) return `${s.percent}% → "${s.variant}"`;
  if (s?.ramp) return `ramp → "${s.variant}"`;
  return '';
}

function stepText(step) {
  return {
    served: '✓ applied',
    condition_false: '✗ condition false',
    not_in_rollout: '✗ not in rollout',
    no_unit: '✗ no bucketing unit',
    outside_window: '✗ outside its window',
  }[step] ?? step;
}

function condition(c, failing) {
  const node = el('div', { class: `cond ${c.result ? 'ok' : 'fail'}${failing && !c.result ? ' culprit' : ''}`, 'data-kind': c.kind });
  const kids = c.children ?? [];
  switch (c.kind) {
    case 'all':
    case 'any':
      node.append(el('div', { class: 'cond-line' }, mark(c.result), ` ${c.kind === 'all' ? 'all of' : 'any of'}`,
        el('span', { class: 'why' }, c.result ? '' : c.kind === 'all' ? ' — one failed' : ' — none held')));
      break;
    case 'not':
      node.append(el('div', { class: 'cond-line' }, mark(c.result), ' not'));
      break;
    case 'segment': {
      const via = {
        include: 'the key is listed in its include list',
        exclude: 'the key is listed in its exclude list',
        when: 'decided by its condition',
        none: 'not listed, and it has no condition',
      }[c.via] ?? c.via ?? '';
      node.append(el('div', { class: 'cond-line' }, mark(c.result), ' in segment ', el('code', {}, c.segment ?? '?'),
        el('span', { class: 'why' }, ` — ${via}`)));
      break;
    }
    case 'attr': {
      node.dataset.attr = c.attr ?? '';
      node.dataset.seen = c.present ? JSON.stringify(c.seen) : '';
      node.append(el('div', { class: 'cond-line' }, mark(c.result), ' ', el('code', { class: 'attr' }, c.attr ?? '?'), ' ',
        el('span', { class: 'op' }, c.op ?? '?'), c.operand !== undefined && c.operand !== null ? ' ' : '',
        c.operand !== undefined && c.operand !== null ? el('code', { class: 'operand' }, short(JSON.stringify(c.operand), 80)) : '',
        el('span', { class: 'seen' }, ' — seen ', c.present ? el('code', {}, short(JSON.stringify(c.seen), 60)) : el('em', {}, 'missing')),
        c.why ? el('span', { class: 'why' }, ` (${c.why})`) : ''));
      break;
    }
    default:
      node.append(el('div', { class: 'cond-line' }, mark(c.result), ` ${c.kind}`));
  }
  if (kids.length) node.append(el('div', { class: 'cond-children' }, ...kids.map((k) => condition(k, failing && !c.result))));
  return node;
}

/** The unit's bucket against the split: a bar of 0–99,999 with a marker where the bucket falls. */
function bucketView(r, rd) {
  const box = el('div', { class: 'bucket', 'data-bucket': r.bucket ?? '', 'data-threshold': r.threshold ?? '' });
  if (r.bucket == null) {
    box.append(el('div', { class: 'bucket-caption fail' }, '✗ unit ', el('code', {}, r.by),
      ': missing, or not a string or an integer → the rule does not apply'));
    return box;
  }
  const serve = rd?.serve;
  const segs = [];
  if (serve && Array.isArray(serve.split)) {
    let start = 0;
    for (const e of serve.split) {
      const end = start + Math.round(Number(e.percent) * 1000);
      segs.push({ start, end, label: `${e.variant} ${e.percent}%`, hit: r.bucket >= start && r.bucket < end });
      start = end;
    }
  } else if (r.threshold != null) {
    const variant = serve?.variant ?? 'in';
    segs.push({ start: 0, end: r.threshold, label: `${variant} · ${fmtPct(r.threshold)}`, hit: r.bucket < r.threshold, kind: 'in' });
    segs.push({ start: r.threshold, end: BUCKETS, label: `falls through · ${fmtPct(BUCKETS - r.threshold)}`, hit: r.bucket >= r.threshold, kind: 'out' });
  }
  const bar = el('div', { class: 'bar', role: 'img', 'aria-label': `bucket ${r.bucket} of 100000` });
  segs.forEach((s, i) => {
    if (s.end <= s.start) return;
    bar.append(el('div', {
      class: `seg ${s.kind ?? `split-${i % 6}`}${s.hit ? ' hit' : ''}`,
      style: `left:${(s.start / BUCKETS) * 100}%;width:${((s.end - s.start) / BUCKETS) * 100}%`,
      title: `${s.label}: buckets ${fmt(s.start)}–${fmt(s.end - 1)}`,
    }, el('span', {}, s.label)));
  });
  const pos = (r.bucket / BUCKETS) * 100;
  bar.append(el('div', { class: 'marker', style: `left:${pos}%`, 'data-pos': pos.toFixed(3) }, el('span', { class: 'marker-label' }, fmt(r.bucket))));
  box.append(bar);
  box.append(el('div', { class: 'scale' }, el('span', {}, '0'), el('span', {}, '50,000'), el('span', {}, '99,999')));
  const inside = r.threshold != null && r.bucket < r.threshold;
  let verdict;
  if (serve && Array.isArray(serve.split)) {
    const hit = segs.find((s) => s.hit);
    verdict = `falls in "${hit?.label.split(' ')[0] ?? '?'}" (buckets ${fmt(hit?.start ?? 0)}–${fmt((hit?.end ?? 1) - 1)})`;
  } else {
    verdict = inside ? `< threshold ${fmt(r.threshold)} → in the rollout` : `≥ threshold ${fmt(r.threshold)} → not in the rollout`;
  }
  box.append(el('div', { class: `bucket-caption ${inside || r.step === 'served' ? 'ok' : 'fail'}` },
    'unit ', el('code', {}, r.by), ' = ', el('code', {}, JSON.stringify(r.unit)), ' → bucket ',
    el('strong', { class: 'bucket-value' }, fmt(r.bucket)), ` ${verdict}`));
  return box;
}

// ---- controls --------------------------------------------------------------------------------

function setupControls(initialUser) {
  const chips = $('user-chips');
  for (const u of state.users) {
    const b = el('button', { type: 'button', class: 'chip', 'data-user': String(u.key) }, u.name ?? String(u.key));
    b.addEventListener('click', () => selectUser(u));
    chips.append(b);
  }
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(() => { markChip(); evaluate(); }, 120); };
  $('context').addEventListener('input', later);
  $('now').addEventListener('input', later);
  $('now-clear').addEventListener('click', () => { $('now').value = ''; evaluate(); });
  $('filter').addEventListener('input', () => { state.filter = $('filter').value.trim().toLowerCase(); applyFilter(); });
  $('url-form').addEventListener('submit', (e) => { e.preventDefault(); loadFromUrl($('snapshot-url').value.trim()); });
  for (const b of document.querySelectorAll('[data-url]')) {
    b.addEventListener('click', () => { $('snapshot-url').value = b.dataset.url; loadFromUrl(b.dataset.url); });
  }
  const tab = (paste) => {
    $('tab-url').setAttribute('aria-selected', String(!paste));
    $('tab-paste').setAttribute('aria-selected', String(paste));
    $('url-form').hidden = paste;
    $('quick-snapshots').hidden = paste;
    $('paste-box').hidden = !paste;
  };
  $('tab-url').addEventListener('click', () => tab(false));
  $('tab-paste').addEventListener('click', () => tab(true));
  $('paste-load').addEventListener('click', () => loadText($('snapshot-text').value, 'pasted'));
  if (initialUser) selectUser(initialUser, false);
}

function selectUser(u, run = true) {
  $('context').value = JSON.stringify(u, null, 2);
  markChip();
  if (run) evaluate();
}

function markChip() {
  let current = null;
  try { current = JSON.stringify(JSON.parse($('context').value)); } catch { /* not JSON */ }
  for (const b of document.querySelectorAll('.chip')) {
    const u = state.users.find((x) => String(x.key) === b.dataset.user);
    b.setAttribute('aria-pressed', String(current !== null && JSON.stringify(u) === current));
  }
}

function applyFilter() {
  for (const card of document.querySelectorAll('.flag')) {
    card.hidden = state.filter !== '' && !card.dataset.flag.toLowerCase().includes(state.filter);
  }
}

function saveUrl() {
  const u = new URL(location.href);
  if (state.source && state.source !== 'pasted') u.searchParams.set('snapshot', state.source);
  const preset = state.users.find((x) => state.context && JSON.stringify(x) === JSON.stringify(state.context));
  u.searchParams.delete('user');
  u.searchParams.delete('context');
  if (preset) u.searchParams.set('user', String(preset.key));
  else if (state.context) {
    const text = JSON.stringify(state.context);
    if (text.length < 1500) u.searchParams.set('context', text);
  }
  const nowText = $('now').value.trim();
  if (nowText) u.searchParams.set('now', nowText); else u.searchParams.delete('now');
  history.replaceState(null, '', u);
}

// ---- helpers ---------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== '') node.append(c);
  return node;
}

function mark(ok) {
  return el('span', { class: `mark ${ok ? 'ok' : 'fail'}`, 'aria-label': ok ? 'held' : 'failed' }, ok ? '✓' : '✗');
}

function fmt(n) {
  return Number(n).toLocaleString('en-US');
}

function fmtPct(buckets) {
  return `${(buckets / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })}%`;
}

function short(s, n) {
  const t = String(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  try {
    const res = await fetch('/examples/contexts.json');
    state.users = res.ok ? await res.json() : [];
  } catch {
    state.users = [];
  }
  let initialUser = state.users.find((u) => String(u.key) === params.get('user')) ?? null;
  if (!initialUser && params.get('context')) {
    $('context').value = params.get('context');
    try { $('context').value = JSON.stringify(JSON.parse(params.get('context')), null, 2); } catch { /* shown as invalid */ }
  } else if (!initialUser) {
    initialUser = state.users[0] ?? { key: 'user-1' };
  }
  if (params.get('now')) $('now').value = params.get('now');
  setupControls(initialUser);
  try {
    await initWasm();
  } catch (err) {
    return showSnapshotError(`The WebAssembly module could not be loaded: ${err.message} (build it with scripts/build-wasm.sh)`, []);
  }
  const url = params.get('snapshot') || '/cdn/storefront.json';
  $('snapshot-url').value = url;
  await loadFromUrl(url);
  document.body.dataset.ready = 'true';
}

start();
