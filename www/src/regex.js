// The operators module, first named the regular-expression module (pkg/edgeflag_regex.wasm, built from
// regex-module/: regex-lite for `matches`, edgeflag's semver and CIDR parsers for `semver_*` and `in_cidr`),
// loaded only when a snapshot may use one of them: the runtime .wasm carries none (docs/ARCHITECTURE.md,
// "Rare operators on demand"). The runtime calls the four functions below (imports of pkg/edgeflag.js, named
// in src/regex.rs) with addresses in its own memory; they copy the text into this module's memory.
//
// Node, Deno and Bun load it from disk, synchronously, the first time a snapshot needs it (platform-node.js).
// Browsers and workers cannot: `initRegex()` loads it (the client and the loader
// await it before a snapshot text that mentions one of these operators); without it such a snapshot is
// refused with a problem that says so.
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
 * Loads the operators module (once; later calls return at once): needed before loading a snapshot that
 * uses `matches`, `semver_*` or `in_cidr` in browsers and workers (the client does it by itself). `input` as for
 * initWasm(): undefined (fetched beside the JS; read from disk in Node/Deno/Bun), a URL or string, a
 * Response, bytes, or a compiled WebAssembly.Module (Cloudflare Workers: `import regex from
 * "edgeflag/regex.wasm"`, or "edgeflag/operators.wasm": the same file).
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

/** Loads the operators module synchronously from bytes or a WebAssembly.Module (Node, Deno, Bun: from disk when not given). */
export function initRegexSync(moduleOrBytes) {
  if (rx !== null) return;
  const source = moduleOrBytes === undefined ? platform.regexSync() : moduleOrBytes;
  if (source == null) throw new Error("edgeflag: initRegexSync() needs the regular-expression module's bytes or a WebAssembly.Module here");
  attach(source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source));
}

/**
 * Whether a snapshot text may use `matches`, `semver_*` or `in_cidr`, so that the operators module must be
 * loaded before it: it holds `"matches"`, `"semver_` or `"in_cidr"`, or a `\u` escape (an operator's name
 * may be spelled with escapes). Never false for a text that uses one; true for some that do not (at worst
 * the module is loaded for nothing).
 */
export function mayUseRegex(text) {
  // (one regular expression: as fast as two includes() on a 347 KB text, where includes('"semver_') alone is
  // several times slower; and fewer bytes)
  return /"(matches"|semver_|in_cidr")|\\u/.test(text);
}

/** Whether the operators module is loaded. */
export function regexReady() {
  return rx !== null;
}

/** Internal (tests): how many compiled regexes and operand sets are alive in the module. */
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

/**
 * Import of the runtime: compiles the text as `kind` says (0, 1: a pattern, case-insensitive with 1, `arg` its
 * size limit: its handle ≥ 1, 0 when refused (regexError()); 2 to 7: a semver or CIDR set, src/rare.rs), -1
 * when the module is not loaded.
 */
export function regexCompile(ptr, len, kind, arg) {
  if (rx === null) {
    try {
      initRegexSync();
    } catch {
      return -1; // not loadable synchronously here (browsers, workers): a load problem
    }
  }
  const h = rx.edgeflag_regex_compile(copy(ptr, len), kind, arg);
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

/** Import of the runtime: tests the text at `ptr` (`len` bytes) with `handle`: 1 it matches, 0 not, 2 not a version (an IP address). */
export function regexIsMatch(handle, ptr, len) {
  return rx === null ? 0 : rx.edgeflag_regex_is_match(handle, copy(ptr, len));
}

/** Import of the runtime: releases regex (or set) `handle`. */
export function regexFree(handle) {
  if (rx !== null) rx.edgeflag_regex_free(handle);
}
