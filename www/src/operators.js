// The JS side of the operators module's instance (pkg/edgeflag_regex.wasm, loaded by src/regex.js): the runtime's
// four imports of it (regexCompile, regexError, regexIsMatch, regexFree in regex.js) land here once it is loaded.
// Its one export, `operators`, holds them. It imports nothing: the browser bundles fetch it as an on-demand chunk together with the module
// (src/on-demand.browser.js), every other entry imports it at once (src/on-demand.js).

let rx = null; // the module's exports
let rxU8 = new Uint8Array(0); // a view of its memory (empty: made on first use, and again once the memory grows)
let mainMemory = null; // the runtime's WebAssembly.Memory
let mainU8 = new Uint8Array(0);
let bufAt = 0; // the module's text buffer (edgeflag_regex_buf): its address and size, asked again only to grow it
let bufLen = 0;
let lastError = "";
let decoder = null;

/** Instantiates the compiled operators module (once). */
function attach(module) {
  rx ??= new WebAssembly.Instance(module, {}).exports;
}

/** The runtime instance's memory, where the texts to copy are (null before the runtime is instantiated). */
function memory(m) {
  mainMemory = m;
  mainU8 = new Uint8Array(0);
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

/** regexCompile once the module is loaded: a handle ≥ 1, or 0 with the message kept for error(). */
function compile(ptr, len, kind, arg) {
  const h = rx.edgeflag_regex_compile(copy(ptr, len), kind, arg);
  if (h === 0) {
    decoder ??= new TextDecoder();
    lastError = decoder.decode(new Uint8Array(rx.memory.buffer, rx.edgeflag_regex_error_ptr(), rx.edgeflag_regex_error_len()));
  }
  return h;
}

/** regexError: the message of the last refused pattern (regex-lite's). */
function error() {
  return lastError;
}

/** regexIsMatch once the module is loaded. */
function isMatch(handle, ptr, len) {
  return rx.edgeflag_regex_is_match(handle, copy(ptr, len));
}

/** regexFree once the module is loaded. */
function free(handle) {
  rx.edgeflag_regex_free(handle);
}

/** How many compiled regexes and operand sets are alive in the module. */
function live() {
  return rx.edgeflag_regex_live();
}

/**
 * The instance's JS: attach(module), memory(m), compile, error, isMatch, free (the four imports once the module
 * is loaded) and live (tests). One object, not a module namespace: a namespace costs the Node bundles a chunk of
 * its own (esbuild's helper for it).
 */
export const operators = { attach, memory, compile, error, isMatch, free, live };
