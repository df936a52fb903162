// The diagnostics module in a fresh process (one instance of each module per process):
// `node diagnostics-child.js CASE` prints one JSON line.
// CASE: node (the Node entry: the module is read from disk on the first refusal, not before),
// devtools (the devtools build, which has the messages itself: every refused case's problems),
// browser (the browser build, src/index.js, with no way to load the module synchronously: every refused case's
// problems as the runtime gives them, then a client that cannot load the module on a refusal, and one that does),
// bootstrap (the browser build: a client whose bootstrap is refused loads the module it is given, then reports it).
import { readFileSync } from "node:fs";
import { loadCaseFiles } from "./cases.js";

const PKG = new URL("../../pkg/", import.meta.url);
const GOOD = (version) => JSON.stringify({ schema: 1, version, flags: { f: { variants: { on: true, off: false }, default: "on" } } });
const BAD = (version) => JSON.stringify({ schema: 1, version, flags: { f: { variants: { on: true, off: false }, default: "x" } } });
const out = {};
const kind = process.argv[2];

// Every refused case of tests/cases: {name: problems} (or the text it loaded with).
function refusedCases(Engine) {
  const all = {};
  for (const f of loadCaseFiles()) {
    for (const inv of f.invalid) {
      if (inv.expectErrors.length === 0) continue;
      try {
        Engine.fromJSON(inv.snapshotText, inv.limits ? { limits: inv.limits } : undefined).free();
        all[`${f.file} › ${inv.name}`] = "loaded";
      } catch (e) {
        all[`${f.file} › ${inv.name}`] = { message: e.message, problems: e.problems };
      }
    }
  }
  return all;
}

if (kind === "node") {
  const { Engine, initWasm, diagnosticsReady } = await import("../../src/index.node.js");
  await initWasm();
  out.readyBefore = diagnosticsReady();
  Engine.fromJSON(GOOD(1)).free();
  out.readyAfterLoad = diagnosticsReady();
  try {
    Engine.fromJSON(BAD(2));
  } catch (e) {
    out.problems = e.problems;
  }
  out.readyAfterRefusal = diagnosticsReady();
  out.cases = refusedCases(Engine);
} else if (kind === "devtools") {
  const { Engine, initWasm, diagnosticsReady } = await import("../../src/devtools.node.js");
  await initWasm();
  out.cases = refusedCases(Engine);
  out.ready = diagnosticsReady(); // the devtools build never needs the module
} else if (kind === "browser") {
  const { Engine, initWasmSync, initRegexSync, diagnosticsReady, createClient } = await import("../../src/index.js");
  const wasm = new WebAssembly.Module(readFileSync(new URL("edgeflag_bg.wasm", PKG)));
  initWasmSync(wasm);
  initRegexSync(readFileSync(new URL("edgeflag_regex.wasm", PKG))); // the `matches` cases
  out.cases = refusedCases(Engine);
  // A client holding a good snapshot (v1) is served a refused one (v2): without the module (it cannot be
  // loaded), the refusal names the paths; with it, the messages, as natively. v1 keeps serving.
  const fetch = async () => new Response(BAD(2), { status: 200, headers: { "content-type": "application/json" } });
  const options = { url: "https://cdn.example/flags.json", bootstrap: GOOD(1), refreshInterval: 0, storage: false, retries: 0, fetch, wasm };
  const without = createClient({ ...options, diagnostics: new Uint8Array([0, 1, 2, 3]) }); // not a module
  await without.ready({ timeout: 3000 });
  const r = await without.refresh();
  out.without = { status: r.status, version: without.version, error: r.error?.message ?? null, problems: r.error?.problems ?? null, ready: diagnosticsReady() };
  without.close();
  const client = createClient({ ...options, diagnostics: readFileSync(new URL("edgeflag_diagnostics.wasm", PKG)) });
  await client.ready({ timeout: 3000 });
  const r2 = await client.refresh();
  out.with = { status: r2.status, version: client.version, error: r2.error?.message ?? null, problems: r2.error?.problems ?? null, ready: diagnosticsReady() };
  client.close();
} else if (kind === "bootstrap") {
  // The browser build: a refused bootstrap is reported once the module it is given is loaded, with the messages.
  const { createClient, diagnosticsReady } = await import("../../src/index.js");
  const wasm = new WebAssembly.Module(readFileSync(new URL("edgeflag_bg.wasm", PKG)));
  const boot = createClient({ bootstrap: BAD(3), storage: false, wasm, diagnostics: readFileSync(new URL("edgeflag_diagnostics.wasm", PKG)) });
  out.statusAtOnce = boot.status;
  const err = await boot.ready({ timeout: 3000 }).catch((e) => e);
  out.status = boot.status;
  out.error = err?.message ?? null;
  out.problems = err?.problems ?? null;
  out.ready = diagnosticsReady();
  boot.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
