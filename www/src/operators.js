// The JS side of the operators module's instance (pkg/edgeflag_regex.wasm, loaded by src/regex.js): the runtime's
// four imports of it (regexCompile, regexError, regexIsMatch, regexFree in regex.js) land here once it is loaded.
// Its one export, `operators`, makes an instance with its state: none is kept at this module's level, since the
// browser bundles (dist/edgeflag.js, dist/devtools.js: two runtimes in a page that imports both) share this module as
// one on-demand chunk. It imports nothing: the browser bundles fetch it together with the module
// (src/on-demand.browser.js), every other entry imports it at once (src/on-demand.js).

// One instance of the module and the state of its copies. (A class: per `matches` test ~130 instructions fewer than
// the module-level variables it replaces, a closure's ~80 more: callgrind. Its property names are plain, not `_x`,
// which scripts/bundle.js mangles per bundle: both browser bundles then emit the same chunk file.)
class Operators {
  constructor(module) {
    this.rx = new WebAssembly.Instance(module, {}).exports;
    this.rxView = new Uint8Array(0); // a view of its memory (empty: made on first use, and again once the memory grows)
    this.main = null; // the runtime's WebAssembly.Memory
    this.mainView = new Uint8Array(0);
    this.at = 0; // the module's text buffer (edgeflag_regex_buf): its address and size, asked again only to grow it
    this.cap = 0;
    this.message = "";
  }

  // Copies `len` bytes at `ptr` of the runtime's memory into the module's text buffer; returns `len`. A view
  // whose memory grew is detached (length 0) and made again; short texts (attributes) are copied by a loop,
  // without the subarray a `set` needs.
  copy(ptr, len) {
    if (len > this.cap) {
      this.at = this.rx.edgeflag_regex_buf(len); // may grow the module's memory
      this.cap = len;
    }
    if (this.rxView.length === 0) this.rxView = new Uint8Array(this.rx.memory.buffer);
    if (this.mainView.length === 0) this.mainView = new Uint8Array(this.main.buffer);
    const to = this.rxView;
    const from = this.mainView;
    const at = this.at;
    if (len > 64) to.set(from.subarray(ptr, ptr + len), at);
    else for (let i = 0; i < len; i++) to[at + i] = from[ptr + i];
    return len;
  }

  /** The runtime's WebAssembly.Memory, where the texts to copy are. */
  memory(m) {
    this.main = m;
    this.mainView = new Uint8Array(0);
  }

  /** regexCompile: a handle ≥ 1, or 0 with the message kept for error(). */
  compile(ptr, len, kind, arg) {
    const rx = this.rx;
    const h = rx.edgeflag_regex_compile(this.copy(ptr, len), kind, arg);
    if (h === 0) this.message = new TextDecoder().decode(new Uint8Array(rx.memory.buffer, rx.edgeflag_regex_error_ptr(), rx.edgeflag_regex_error_len()));
    return h;
  }

  /** regexError: the message of the last refused pattern (regex-lite's). */
  error() {
    return this.message;
  }

  /** regexIsMatch. */
  isMatch(handle, ptr, len) {
    return this.rx.edgeflag_regex_is_match(handle, this.copy(ptr, len));
  }

  /** regexFree. */
  free(handle) {
    this.rx.edgeflag_regex_free(handle);
  }

  /** How many compiled regexes and operand sets are alive in the module (tests). */
  live() {
    return this.rx.edgeflag_regex_live();
  }
}

/** Instantiates the compiled operators module; returns its JS (memory, compile, error, isMatch, free, live). */
export function operators(module) {
  return new Operators(module);
}
