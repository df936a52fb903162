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
  /** (input) => what initRegex() compiles (as `load`): the operators (regular-expression) module (src/regex.js). */
  regex: (input) => input ?? new URL("../pkg/edgeflag_regex.wasm", import.meta.url),
  /** () => its bytes or WebAssembly.Module, synchronously, or null/undefined where it cannot be read so (browsers). */
  regexSync: () => null,
  /** (input) => what initDiagnostics() compiles (as `load`): the diagnostics module (src/diagnostics.js). */
  diagnostics: (input) => input ?? new URL("../pkg/edgeflag_diagnostics.wasm", import.meta.url),
  /** () => its bytes or WebAssembly.Module, synchronously, or null/undefined where it cannot be read so (browsers). */
  diagnosticsSync: () => null,
};

/**
 * The WebAssembly.Module of what `platform.load`/`platform.regex`/`platform.diagnostics` gave: a Module, bytes, a URL or string
 * (fetched), a Request or a Response (compiled while it downloads when served as application/wasm).
 */
export async function wasmModule(source) {
  if (source instanceof WebAssembly.Module) return source;
  // Bytes first (Node, Deno, Bun): in Node the first touch of `Response` loads undici (50-70 ms of a cold start).
  if (!(ArrayBuffer.isView(source) || source instanceof ArrayBuffer)) {
    if (typeof source === "string" || source instanceof URL || source instanceof Request) {
      source = await fetch(source);
    }
    source = await compileResponse(source);
    if (source instanceof WebAssembly.Module) return source;
  }
  return platform.compile(source);
}

// The WebAssembly.Module in an HTTP response: compiled while it downloads when served as application/wasm
// (WebAssembly.compileStreaming accepts only that type), else from its bytes.
async function compileResponse(r) {
  if (!(r instanceof Response)) return r;
  if (!r.ok) throw new Error(`edgeflag: fetching the .wasm failed: ${r.status} ${r.statusText} (${r.url})`);
  const type = r.headers.get("Content-Type"); // null when absent
  if (typeof WebAssembly.compileStreaming === "function" && type?.split(";")[0].trim().toLowerCase() === "application/wasm") {
    return WebAssembly.compileStreaming(r);
  }
  return r.arrayBuffer();
}
