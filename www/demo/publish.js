#!/usr/bin/env node
// Publishes a new snapshot version to the demo's local CDN (www/demo/serve.js must be running).
//
//   node www/demo/publish.js [--server http://127.0.0.1:8080] COMMAND
//
// Commands:
//   kill FLAG                 kill switch: the flag serves its offVariant to everyone
//   enable FLAG               kill switch back on (alias: restore)
//   rollout FLAG PERCENT [--rule ID]   set a percentage rollout (e.g. rollout new-checkout 50)
//   invalid                   publish a snapshot the engine refuses (clients keep their good one)
//   rollback [VERSION]        re-publish an earlier good version's content under a new version
//   cdn up|down|reset|hang|hold  switch the CDN's behaviour (down: 503, reset: dropped connections,
//                             hang: no answer, hold: answer when the mode changes again)
//   cdn slow MS               answer after MS milliseconds
//   status                    the published version, history and CDN state
//
// The server can also be given with EDGEFLAG_DEMO_URL.

const USAGE = `usage: node www/demo/publish.js [--server URL] COMMAND
  kill FLAG | enable FLAG | rollout FLAG PERCENT [--rule ID] | invalid | rollback [VERSION]
  cdn up|down|reset|hang|hold | cdn slow MS | status`;

function fail(message, code = 2) {
  console.error(`publish.js: ${message}`);
  process.exit(code);
}

const args = process.argv.slice(2);
let server = process.env.EDGEFLAG_DEMO_URL || 'http://127.0.0.1:8080';
let rule = null;
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--server' || a === '-s') server = args[++i] ?? fail('--server needs a URL');
  else if (a.startsWith('--server=')) server = a.slice('--server='.length);
  else if (a === '--rule') rule = args[++i] ?? fail('--rule needs a rule id');
  else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
  else rest.push(a);
}
server = server.replace(/\/+$/, '');
const [command, ...params] = rest;

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(`${server}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    fail(`cannot reach the demo server at ${server} (${err.cause?.code ?? err.message}); start it with: node www/demo/serve.js`, 1);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) fail(data.error ?? `${method} ${path}: HTTP ${res.status}`, 1);
  return data;
}

async function publish(body) {
  const r = await call('POST', '/admin/publish', body);
  console.log(`published version ${r.version}: ${r.summary}${r.valid ? '' : ' (clients will refuse it and keep their snapshot)'}`);
  console.log(`  ${server}${r.url}  ETag ${r.etag}`);
}

switch (command) {
  case 'kill':
  case 'enable':
  case 'restore':
    if (!params[0]) fail(`${command} needs a flag key`);
    await publish({ action: command === 'kill' ? 'kill' : 'enable', flag: params[0] });
    break;
  case 'rollout': {
    if (!params[0] || params[1] === undefined) fail('rollout needs a flag key and a percent');
    const percent = Number(String(params[1]).replace(/%$/, ''));
    if (!Number.isFinite(percent)) fail(`not a percent: ${params[1]}`);
    await publish({ action: 'rollout', flag: params[0], percent, ...(rule ? { rule } : {}) });
    break;
  }
  case 'invalid':
    await publish({ action: 'invalid' });
    break;
  case 'rollback':
    await publish({ action: 'rollback', ...(params[0] !== undefined ? { to: Number(params[0]) } : {}) });
    break;
  case 'cdn': {
    const mode = params[0];
    if (!mode) fail('cdn needs a mode: up, down, reset, slow MS, hang or hold');
    const r = await call('POST', '/admin/cdn', { mode, ...(mode === 'slow' ? { delayMs: Number(params[1] ?? 1000) } : {}) });
    console.log(`CDN is ${r.cdn.mode}${r.cdn.mode === 'slow' ? ` (${r.cdn.delayMs} ms)` : ''}`);
    break;
  }
  case 'status': {
    const s = await call('GET', '/admin/state');
    console.log(`published: version ${s.version} at ${server}${s.snapshot} (CDN ${s.cdn.mode}, ${s.requests} CDN requests)`);
    for (const h of s.history) console.log(`  v${h.version}  ${h.at}  ${h.valid ? '' : '[invalid] '}${h.summary}`);
    break;
  }
  default:
    fail(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
}
