// How initWasm() finds the .wasm when it is not given one. The entry points for Node and for
// Cloudflare Workers replace these (platform-node.js, platform-workerd.js); browsers and bundlers
// keep the default: initWasm() fetches pkg/edgeflag_bg.wasm (`new URL(…, import.meta.url)`: a pattern
// bundlers recognise and emit as an asset; src/ and dist/ are both siblings of pkg/).
export const platform = {
  /** (input) => what initWasm() compiles: a URL, string, Request, Response, bytes or Module (may return a Promise). */
  load: (input) => input ?? new URL("../pkg/edgeflag_bg.wasm", import.meta.url),
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
