// The regular-expression module (pkg/edgeflag_regex.wasm: regex-lite, built from regex-module/), loaded only
// when a snapshot uses `matches`: the runtime .wasm carries no regex engine (docs/ARCHITECTURE.md, "Regular
// expressions on demand"). The runtime calls the four functions below (imports of pkg/edgeflag.js, named in
// src/regex.rs) with addresses in its own memory; they copy the text into this module's memory.
//
// Node, Deno and Bun load it from disk, synchronously, the first time a snapshot needs it (platform-node.js).
// Browsers and workers cannot: `initRegex()` loads it (the client and the loader await it before a snapshot
// text that mentions "matches"); without it such a snapshot is refused with a problem that says so.
import { platform, wasmModule } from "./platform.js";

let rx = null; // the module's exports, once instantiated
let rxU8 = new Uint8Array(0); // a view of its memory (empty: made on first use, and again once the memory grows)
let mainMemory = null; // the runtime's WebAssembly.Memory (set by engine.js)
let mainU8 = new Uint8Array(0);
let bufAt = 0; // the module's text buffer (edgeflag_regex_buf): its address and size, asked again only to grow it
let bufLen = 0;
let pending = null;
let lastError = "";
let decoder = null;

/** Internal (engine.js): the runtime instance's memory, where the texts to copy are. */
export function regexMemory(memory) {
  mainMemory = memory;
  mainU8 = new Uint8Array(0);
}

function attach(module) {
  if (rx === null) rx = new WebAssembly.Instance(module, {}).exports;
}

/**
 * Loads the regular-expression module (once; later calls return at once): needed before loading a
 * snapshot that uses `matches` in browsers and workers (the client does it by itself). `input` as for
 * initWasm(): undefined (fetched beside the JS; read from disk in Node/Deno/Bun), a URL or string, a
 * Response, bytes, or a compiled WebAssembly.Module (Cloudflare Workers: `import regex from
 * "edgeflag/regex.wasm"`).
 */
export function initRegex(input) {
  if (rx !== null) return Promise.resolve();
  if (pending === null) {
    pending = (async () => attach(await wasmModule(await platform.regex(await input))))();
    pending.catch(() => {
      pending = null; // a failed load may be retried
    });
  }
  return pending;
}

/** Loads the regular-expression module synchronously from bytes or a WebAssembly.Module (Node, Deno, Bun: from disk when not given). */
export function initRegexSync(moduleOrBytes) {
  if (rx !== null) return;
  const source = moduleOrBytes === undefined ? platform.regexSync() : moduleOrBytes;
  if (source == null) throw new Error("edgeflag: initRegexSync() needs the regular-expression module's bytes or a WebAssembly.Module here");
  attach(source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source));
}

/**
 * Whether a snapshot text may use `matches`, so that the regular-expression module must be loaded before it:
 * it holds `"matches"`, or a `\u` escape (the operator's name may be spelled with escapes). Never false for a
 * text that uses it; true for some that do not (at worst the module is loaded for nothing).
 */
export function mayUseRegex(text) {
  return text.includes('"matches"') || text.includes("\\u");
}

/** Whether the regular-expression module is loaded. */
export function regexReady() {
  return rx !== null;
}

/** Internal (tests): how many compiled regexes are alive in the module. */
export function regexLive() {
  return rx === null ? 0 : rx.edgeflag_regex_live();
}

// Copies `len` bytes at `ptr` of the runtime's memory into the module's text buffer; returns `len`. A view
// whose memory grew is detached (length 0) and made again; short texts (attributes) are copied by a loop,
// without the subarray a `set` needs.
function copy(ptr, len) {
  if (len > bufLen) {
    bufAt = rx.edgeflag_regex_buf(len); // may grow the module's memory
    bufLen = len;
  }
  if (rxU8.length === 0) rxU8 = new Uint8Array(rx.memory.buffer);
  if (mainU8.length === 0) mainU8 = new Uint8Array(mainMemory.buffer);
  if (len > 64) rxU8.set(mainU8.subarray(ptr, ptr + len), bufAt);
  else for (let i = 0; i < len; i++) rxU8[bufAt + i] = mainU8[ptr + i];
  return len;
}

/** Import of the runtime: compiles a pattern; its handle (≥ 1), 0 when refused (regexError()), -1 when the module is not loaded. */
export function regexCompile(ptr, len, ignoreCase, sizeLimit) {
  if (rx === null) {
    try {
      initRegexSync();
    } catch {
      return -1; // not loadable synchronously here (browsers, workers): a load problem
    }
  }
  const h = rx.edgeflag_regex_compile(copy(ptr, len), ignoreCase ? 1 : 0, sizeLimit);
  if (h === 0) {
    decoder ??= new TextDecoder();
    lastError = decoder.decode(new Uint8Array(rx.memory.buffer, rx.edgeflag_regex_error_ptr(), rx.edgeflag_regex_error_len()));
  }
  return h;
}

/** Import of the runtime: the message of the last refused pattern (regex-lite's). */
export function regexError() {
  return lastError;
}

/** Import of the runtime: whether regex `handle` matches the text at `ptr` (`len` bytes). */
export function regexIsMatch(handle, ptr, len) {
  return rx !== null && rx.edgeflag_regex_is_match(handle, copy(ptr, len)) !== 0;
}

/** Import of the runtime: releases regex `handle`. */
export function regexFree(handle) {
  if (rx !== null) rx.edgeflag_regex_free(handle);
}
