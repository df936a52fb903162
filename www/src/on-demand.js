// The JS of the two WebAssembly modules loaded on demand, the operators module's (src/operators.js) and the
// diagnostics module's (src/diagnose.js), as src/regex.js and src/diagnostics.js reach it: here imported at
// once (Node, Deno, Bun, workers: they may load those modules synchronously, initRegexSync/initDiagnosticsSync).
// The browser bundles (scripts/bundle.js) take src/on-demand.browser.js in place of this module: there each is a
// chunk fetched with its module, and the synchronous forms throw.

import { operators } from "./operators.js";
import { diagnosis } from "./diagnose.js";

/** The operators module's JS, `operators(module)` (initRegex; in the browser bundles a Promise of it). */
export const operatorsJs = () => operators;
/** The diagnostics module's JS, `diagnosis(module)` (initDiagnostics; in the browser bundles a Promise of it). */
export const diagnoseJs = () => diagnosis;

/** For initRegexSync: the operators module's JS and the module compiled from `source` (bytes or a Module; null: none here). */
export function operatorsNow(source) {
  if (source == null) throw new Error("edgeflag: initRegexSync() needs the regular-expression module's bytes or a WebAssembly.Module here");
  return [operators, compiled(source)];
}

/** For initDiagnosticsSync: the diagnostics module's JS and the module compiled from `source` (as operatorsNow). */
export function diagnoseNow(source) {
  if (source == null) throw new Error("edgeflag: initDiagnosticsSync() needs the diagnostics module's bytes or a WebAssembly.Module here");
  return [diagnosis, compiled(source)];
}

function compiled(source) {
  return source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
}
