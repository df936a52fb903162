// The browser bundles' src/on-demand.js (scripts/bundle.js puts it in that module's place): the JS of the
// operators module (src/operators.js) and of the diagnostics module (src/diagnose.js) as on-demand chunks
// beside the bundle (dist/operators-<hash>.js, dist/diagnose-<hash>.js), imported when initRegex() or
// initDiagnostics() fetches its module (at the same time), so a page that needs neither downloads neither.
// Not there synchronously: initRegexSync() and initDiagnosticsSync() throw (before their module is loaded).

/** A Promise of the operators module's JS. */
export const operatorsJs = () => import("./operators.js").then((m) => m.operators);
/** A Promise of the diagnostics module's JS. */
export const diagnoseJs = () => import("./diagnose.js").then((m) => m.diagnosis);

/** initRegexSync, initDiagnosticsSync: throws. */
export function operatorsNow() {
  throw new Error("edgeflag: the browser bundle loads the JS of the operators and diagnostics modules on demand: await initRegex(module) or initDiagnostics(module) instead of their Sync forms");
}
export { operatorsNow as diagnoseNow };
