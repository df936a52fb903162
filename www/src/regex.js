// The operators module, first named the regular-expression module (pkg/edgeflag_regex.wasm, built from
// regex-module/: regex-lite for `matches`, edgeflag's semver and CIDR parsers for `semver_*` and `in_cidr`),
// loaded only when a snapshot may use one of them: the runtime .wasm carries none (docs/ARCHITECTURE.md,
// "Rare operators on demand"). The runtime calls the four functions below (imports of pkg/edgeflag.js, named
// in src/regex.rs) with addresses in its own memory; once the module is loaded, src/operators.js copies the
// text into its memory and calls it (in the browser bundles an on-demand chunk, fetched with the module).
//
// Node, Deno and Bun load it from disk, synchronously, the first time a snapshot needs it (platform-node.js).
// Browsers and workers cannot: `initRegex()` loads it (the client and the loader
// await it before a snapshot text that mentions one of these operators); without it such a snapshot is
// refused with a problem that says so.
import { platform, wasmModule } from "./platform.js";
import { operatorsJs, operatorsNow } from "./on-demand.js";

let js = null; // the module instance's JS (src/operators.js) once it is instantiated
let mainMemory = null; // the runtime's WebAssembly.Memory (set by engine.js)
let pending = null;

/** Internal (engine.js): the runtime instance's memory, where the texts to copy are. */
export function regexMemory(memory) {
  mainMemory = memory;
  js?.memory(memory);
}

function attach(code, module) {
  if (js === null) {
    js = code(module);
    js.memory(mainMemory);
  }
}

/**
 * Loads the operators module (once; later calls return at once): needed before loading a snapshot that
 * uses `matches`, `semver_*` or `in_cidr` in browsers and workers (the client does it by itself). `input` as for
 * initWasm(): undefined (fetched beside the JS; read from disk in Node/Deno/Bun), a URL or string, a
 * Response, bytes, or a compiled WebAssembly.Module (Cloudflare Workers: `import regex from
 * "edgeflag/regex.wasm"`, or "edgeflag/operators.wasm": the same file).
 */
export function initRegex(input) {
  if (js !== null) return Promise.resolve();
  if (pending === null) {
    pending = (async () => {
      // (the browser bundles' chunk and the module at once)
      const [code, module] = await Promise.all([operatorsJs(), (async () => wasmModule(await platform.regex(await input)))()]);
      attach(code, module);
    })();
    pending.catch(() => {
      pending = null; // a failed load may be retried
    });
  }
  return pending;
}

/**
 * Loads the operators module synchronously from bytes or a WebAssembly.Module (Node, Deno, Bun: from disk when
 * not given). The browser bundles hold its JS in an on-demand chunk: there, before initRegex() has loaded it,
 * this throws (`await initRegex(module)` takes the same argument).
 */
export function initRegexSync(moduleOrBytes) {
  if (js === null) attach(...operatorsNow(moduleOrBytes === undefined ? platform.regexSync() : moduleOrBytes));
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
  return js !== null;
}

/** Internal (tests): how many compiled regexes and operand sets are alive in the module. */
export function regexLive() {
  return js === null ? 0 : js.live();
}

/**
 * Import of the runtime: compiles the text as `kind` says (0, 1: a pattern, case-insensitive with 1, `arg` its
 * size limit: its handle ≥ 1, 0 when refused (regexError()); 2 to 7: a semver or CIDR set, src/rare.rs), -1
 * when the module is not loaded.
 */
export function regexCompile(ptr, len, kind, arg) {
  if (js === null) {
    try {
      initRegexSync();
    } catch {
      return -1; // not loadable synchronously here (browsers, workers): a load problem
    }
  }
  return js.compile(ptr, len, kind, arg);
}

/** Import of the runtime: the message of the last refused pattern (regex-lite's). */
export function regexError() {
  return js === null ? "" : js.error();
}

/** Import of the runtime: tests the text at `ptr` (`len` bytes) with `handle`: 1 it matches, 0 not, 2 not a version (an IP address). */
export function regexIsMatch(handle, ptr, len) {
  return js === null ? 0 : js.isMatch(handle, ptr, len);
}

/** Import of the runtime: releases regex (or set) `handle`. */
export function regexFree(handle) {
  js?.free(handle);
}
