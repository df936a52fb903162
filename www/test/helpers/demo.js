// Helpers for the demo's browser and worker tests: the demo server (www/demo/serve.js) as a child
// process, its admin API, the edgeflag CLI, and Debian's Chromium through playwright-core.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const WWW = path.resolve(HERE, '..', '..');
export const ROOT = path.resolve(WWW, '..');
export const ARTIFACTS = path.join(ROOT, 'artifacts', 'screenshots');
export const SERVE = path.join(WWW, 'demo', 'serve.js');
export const PUBLISH = path.join(WWW, 'demo', 'publish.js');
export const CONTEXTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'contexts.json'), 'utf8'));
export const STOREFRONT = path.join(ROOT, 'examples', 'storefront.json');

/**
 * Starts `node www/demo/serve.js --port 0` and resolves once it printed its URLs.
 * Returns {url, dataDir, child, stop()}.
 */
export async function startDemoServer(args = []) {
  const child = spawn(process.execPath, [SERVE, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.js did not start within 15 s\n${out}\n${err}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /storefront demo:\s+(http:\/\/[^\s]+)\/demo\//.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve.js exited with ${code}\n${out}\n${err}`)); });
  });
  const dataDir = /working folder:\s+(\S+)/.exec(out)?.[1] ?? null;
  return {
    url,
    dataDir,
    child,
    output: () => out + err,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** POST (with a body) or GET the demo server's admin API; throws on an error status. */
export async function admin(base, p, body) {
  const res = await fetch(`${base}${p}`, body === undefined ? { signal: AbortSignal.timeout(10000) } : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10000),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${p}: ${res.status} ${data.error}`);
  return data;
}

/** Runs `node www/demo/publish.js --server BASE ...args`; returns its stdout. */
export function publishCli(base, ...args) {
  return execFileSync(process.execPath, [PUBLISH, '--server', base, ...args], { encoding: 'utf8', timeout: 15000 });
}

let cliPath = null;
/** The edgeflag CLI: $EDGEFLAG_CLI, else the newest of target/{release,debug}/edgeflag, else built now. */
export function cli() {
  if (cliPath) return cliPath;
  if (process.env.EDGEFLAG_CLI) return (cliPath = process.env.EDGEFLAG_CLI);
  const candidates = ['release', 'debug']
    .map((p) => path.join(ROOT, 'target', p, 'edgeflag'))
    .filter((p) => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!candidates.length) {
    execFileSync('cargo', ['build', '--quiet', '--features', 'cli'], { cwd: ROOT, stdio: 'inherit', timeout: 600000 });
    candidates.push(path.join(ROOT, 'target', 'debug', 'edgeflag'));
  }
  return (cliPath = candidates[0]);
}

/** The CLI's errors (`edgeflag validate --json`) for a snapshot text: [{ path, message }], or null when it loads. */
export function cliErrors(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeflag-validate-'));
  const file = path.join(dir, 's.json');
  fs.writeFileSync(file, text);
  try {
    execFileSync(cli(), ['validate', file, '--json'], { encoding: 'utf8' });
    return null;
  } catch (e) {
    return JSON.parse(e.stdout).problems.filter((p) => p.severity === 'error').map(({ path, message }) => ({ path, message }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `edgeflag eval SNAPSHOT --context CTX --now NOW`: {flagKey: {value, variant, reason, ruleId, ruleIndex, errorCode}}. */
export function cliEval(snapshotFile, context, now) {
  const args = ['eval', snapshotFile, '--context', JSON.stringify(context)];
  if (now) args.push('--now', now);
  return JSON.parse(execFileSync(cli(), args, { encoding: 'utf8', timeout: 30000 }));
}

/** Polls `fn` until it returns a truthy value; throws after `timeout` ms with `what`. */
export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Miniflare options that run `script` (a path under www/) as a module worker, as Cloudflare bundles one: every
 * `.js` an ES module, every `.wasm` a compiled WebAssembly.Module (what `import wasm from "edgeflag/edgeflag.wasm"`
 * gives in Workers).
 */
export function workerModules(script) {
  return {
    modules: true,
    scriptPath: script,
    modulesRoot: WWW,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
  };
}

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Debian's Chromium with a fresh user-data-dir. Returns {context, close()}. */
export async function launchChromium(viewport = { width: 1360, height: 900 }) {
  const { chromium } = await import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeflag-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 60000,
  });
  context.setDefaultTimeout(15000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under artifacts/screenshots/NAME.png; returns the path. */
export async function screenshot(page, name, options = {}) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, ...options });
  return file;
}
