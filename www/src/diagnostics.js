// The diagnostics module (pkg/edgeflag_diagnostics.wasm, built from diagnose-module/): the full problems of a
// refused snapshot. The runtime .wasm reports a refusal's problems with their JSON paths but a fixed text in
// place of each message (docs/ARCHITECTURE.md, "Problem messages on demand"); engine.js asks this module for
// the messages, which are exactly what native edgeflag and the devtools build report.
//
// Node, Deno and Bun load it from disk, synchronously, on the first refusal (platform-node.js). Browsers and
// workers cannot: `initDiagnostics()` loads it (the client awaits it on a refusal before reporting it);
// without it a refusal lists the paths, each with the fixed text. (Its loaders have the shape of regex.js's: one
// loader shared by both measured 90 B gzip more in the browser bundle.) The instance's JS is src/diagnose.js (in
// the browser bundles an on-demand chunk, fetched with the module).
import { platform, wasmModule } from "./platform.js";
import { diagnoseJs, diagnoseNow } from "./on-demand.js";

let js = null; // the module instance's diagnose function (src/diagnose.js) once it is instantiated
let pending = null;
const lacking = new WeakSet(); // SnapshotErrors whose problems lack their messages (the module was missing)

function attach(code, module) {
  js ??= code(module);
}

/**
 * Loads the diagnostics module (once; later calls return at once), so that a refused snapshot's problems
 * carry their messages in browsers and workers (the client does it by itself on a refusal). `input` as for
 * initWasm(): undefined (fetched beside the JS; read from disk in Node/Deno/Bun), a URL or string, a
 * Response, bytes, or a compiled WebAssembly.Module (Cloudflare Workers: `import diagnostics from
 * "edgeflag/diagnostics.wasm"`).
 */
export function initDiagnostics(input) {
  if (js !== null) return Promise.resolve();
  if (pending === null) {
    pending = (async () => {
      // (the browser bundles' chunk and the module at once)
      const [code, module] = await Promise.all([diagnoseJs(), (async () => wasmModule(await platform.diagnostics(await input)))()]);
      attach(code, module);
    })();
    pending.catch(() => {
      pending = null; // a failed load may be retried
    });
  }
  return pending;
}

/**
 * Loads the diagnostics module synchronously from bytes or a WebAssembly.Module (Node, Deno, Bun: from disk when
 * not given). The browser bundles hold its JS in an on-demand chunk: there, before initDiagnostics() has loaded
 * it, this throws (`await initDiagnostics(module)` takes the same argument).
 */
export function initDiagnosticsSync(moduleOrBytes) {
  if (js === null) attach(...diagnoseNow(moduleOrBytes === undefined ? platform.diagnosticsSync() : moduleOrBytes));
}

/** Whether the diagnostics module is loaded. */
export function diagnosticsReady() {
  return js !== null;
}

/**
 * Internal (engine.js): the refusal of the snapshot `bytes` (UTF-8) under `limits` (JSON text or undefined) at
 * `now` (ms), as the runtime's loadError() JSON with the messages; "" if the module accepts it; null when the
 * module is not loaded and cannot be loaded synchronously here (browsers, workers).
 */
export function diagnose(bytes, now, limits) {
  if (js === null) {
    try {
      initDiagnosticsSync();
    } catch {
      return null;
    }
  }
  return js(bytes, now, limits);
}

/** Internal (engine.js): marks a SnapshotError whose problems lack their messages (the module was not loaded). */
export function markLacking(err) {
  lacking.add(err);
}

/** Internal (client.js): whether a SnapshotError lists paths without messages (load the module and retry). */
export function lacksMessages(err) {
  return lacking.has(err);
}
