// How initWasm() finds the .wasm when it is not given one. The entry points for Node and for
// Cloudflare Workers replace these (platform-node.js, platform-workerd.js); browsers and bundlers
// keep the default: the wasm-bindgen glue fetches `edgeflag_bg.wasm` beside itself (a pattern
// bundlers recognise and emit as an asset).
export const platform = {
  /** (input) => source for the glue's init (may return a Promise). */
  load: (input) => input,
  /** (bytes) => WebAssembly.Module or a Promise of one. Browsers compile off the main thread (they refuse
   * to compile more than a few KB synchronously there); Node, Deno and Bun compile at once (no event-loop
   * round trip, ~1 ms less of a cold start). */
  compile: (bytes) => WebAssembly.compile(bytes),
  /** (input) => bytes or WebAssembly.Module, synchronously. */
  loadSync: (input) => {
    if (input === undefined) {
      throw new Error("edgeflag: initWasmSync() needs the .wasm bytes or a WebAssembly.Module here");
    }
    return input;
  },
};
