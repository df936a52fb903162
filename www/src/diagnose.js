// The JS side of the diagnostics module's instance (pkg/edgeflag_diagnostics.wasm, loaded by src/diagnostics.js):
// a refused snapshot's full problems. Its one export, `diagnosis`, makes an instance (no state at this module's
// level: the browser bundles share it as one chunk, as src/operators.js). It imports nothing: the browser bundles
// fetch it as an on-demand chunk together with the module (src/on-demand.browser.js), every other entry imports it
// at once (src/on-demand.js).

/**
 * Instantiates the compiled diagnostics module; returns (bytes, now, limits) => the refusal of the snapshot `bytes`
 * (UTF-8) under `limits` (JSON text or undefined) at `now` (ms), as the runtime's loadError() JSON with the
 * messages; "" if the module accepts it.
 */
export function diagnosis(module) {
  const dx = new WebAssembly.Instance(module, {}).exports;
  return (bytes, now, limits) => {
    const l = limits === undefined ? new Uint8Array(0) : new TextEncoder().encode(limits);
    const at = dx.edgeflag_diagnose_buf(bytes.length + l.length); // may grow the module's memory
    const u8 = new Uint8Array(dx.memory.buffer);
    u8.set(bytes, at);
    u8.set(l, at + bytes.length);
    const n = dx.edgeflag_diagnose(bytes.length, l.length, now);
    return new TextDecoder().decode(new Uint8Array(dx.memory.buffer, dx.edgeflag_diagnose_out(), n));
  };
}
