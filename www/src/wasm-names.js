// The short names of the wasm-bindgen module's imports and exports (pkg/edgeflag_bg.wasm and
// pkg/edgeflag_devtools_bg.wasm, which share the glue pkg/edgeflag.js): one table, read by
// tools/wasm-names.js, which scripts/build-wasm.sh runs after wasm-bindgen to rename them in both .wasm
// files and in the glue, and by engine.js for the raw exports it calls (EXPORTS.edgeflag_eval…; the
// bundles' minifier inlines the one-letter strings). The readable name is the key: the name rustc and
// wasm-bindgen give (imports without wasm-bindgen's hash suffix), the value the name that ships. Names ship
// twice, in the .wasm's import and export sections and in the JS that calls them (property names no
// minifier may shorten): about 0.6 KB raw, docs/wasm-size.md. A name missing here stops the build.

/** The module name of every import (wasm-bindgen's "./edgeflag_bg.js"). */
export const IMPORT_MODULE = "w";

/** The imports (the glue's functions the .wasm calls), by their name without the hash suffix. */
export const IMPORTS = {
  __wbg_Number: "n", // Number(text): json::number's parse
  __wbg___wbindgen_throw: "t", // throws an Error (the glue's own)
  __wbg_call: "c", // String.prototype.toLowerCase (the `lower` transforms)
  __wbg_regexCompile: "r", // the operators module (src/regex.js)
  __wbg_regexError: "e",
  __wbg_regexFree: "f",
  __wbg_regexIsMatch: "m",
  __wbindgen_init_externref_table: "i", // fills wasm-bindgen's externref table at start
};

/** The exports: the raw entries engine.js calls, then the glue's. */
export const EXPORTS = {
  memory: "memory", // kept: read by every JS module that views the memory (engine.js, regex.js, tests)
  edgeflag_eval: "e",
  edgeflag_eval_all: "a",
  edgeflag_eval_bound: "b",
  edgeflag_context_ptr: "p",
  edgeflag_context_commit: "q",
  edgeflag_flag_table: "t",
  edgeflag_scratch_ptr: "s",
  edgeflag_loader_new: "l",
  edgeflag_loader_limit: "k",
  edgeflag_loader_buffer: "u",
  edgeflag_loader_push: "v",
  edgeflag_loader_free: "w",
  finish: "f",
  loadError: "E",
  bucket: "B",
  wasmengine_meta: "M",
  wasmengine_flagsJson: "F",
  wasmengine_detailJson: "D",
  wasmengine_explainJson: "X", // the devtools build only
  wasmengine_newContext: "N",
  __wbg_wasmengine_free: "W",
  __wbg_wasmcontext_free: "C",
  __wbindgen_malloc: "m",
  __wbindgen_realloc: "r",
  __wbindgen_free: "d",
  __wbindgen_externrefs: "x",
  __wbindgen_start: "S",
  __abort_handler: "h",
  __instance_terminated: "i",
};
