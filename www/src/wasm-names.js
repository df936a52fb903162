// The short names of the wasm-bindgen module's imports and exports (pkg/edgeflag_bg.wasm, its speed build
// pkg/edgeflag_speed_bg.wasm and pkg/edgeflag_devtools_bg.wasm, which share the glue pkg/edgeflag.js): one
// table, read by tools/wasm-names.js, which scripts/build-wasm.sh runs after wasm-bindgen to rename them in the .wasm
// files and in the glue, and by engine.js for the raw exports it calls (`names.edgeflag_eval`…: constants,
// which the bundlers inline). The readable name (a key of IMPORTS, an export's constant) is the name
// rustc and wasm-bindgen give (imports without wasm-bindgen's hash suffix), the value the name that ships. Names ship
// twice, in the .wasm's import and export sections and in the JS that calls them (property names no
// minifier may shorten): −843 B raw (−477 gzip) of the runtime .wasm and −240 B gzip of the browser JS,
// docs/wasm-size.md. A name missing here stops the build.

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

// The exports, one constant each, named by the export's readable name (every other export of this module is one):
// the raw entries engine.js calls, then the glue's.
export const memory = "memory"; // kept: read by every JS module that views the memory (engine.js, regex.js, tests)
export const edgeflag_eval = "e";
export const edgeflag_eval_all = "a";
export const edgeflag_eval_bound = "b";
export const edgeflag_context_ptr = "p";
export const edgeflag_context_commit = "q";
export const edgeflag_flag_table = "t";
export const edgeflag_flag_index = "g";
export const edgeflag_scratch_ptr = "s";
export const edgeflag_text = "T"; // meta, flagsJson, detailJson, loadError and keysJson in one (`what`)
export const edgeflag_loader_new = "l";
export const edgeflag_loader_limit = "k";
export const edgeflag_loader_buffer = "u";
export const edgeflag_loader_push = "v";
export const edgeflag_loader_free = "w";
export const finish = "f";
export const bucket = "B";
export const wasmengine_explainJson = "X"; // the devtools build only
export const newContext = "N";
export const __wbg_wasmengine_free = "W";
export const __wbg_wasmcontext_free = "C";
export const __wbindgen_malloc = "m";
export const __wbindgen_realloc = "r";
export const __wbindgen_free = "d";
export const __wbindgen_externrefs = "x";
export const __wbindgen_start = "S";
export const __abort_handler = "h";
export const __instance_terminated = "i";
