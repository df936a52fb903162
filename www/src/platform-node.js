// Node, Deno and Bun: read the .wasm from disk (fetch() does not read file: URLs there) and compile it
// synchronously. A cold start is one short read and one compile: the asynchronous forms (fs/promises
// readFile, WebAssembly.compile) only add event-loop round trips to the same work (~1 ms).
import { platform } from "./platform.js";

// node:fs through process.getBuiltinModule (Node >= 20.16, Deno, Bun): an `import` of node:fs builds its
// ES module facade, ~2 ms of a cold start; older Node imports it.
const { readFileSync } = globalThis.process?.getBuiltinModule?.("node:fs") ?? (await import("node:fs"));

// The server build of the runtime (scripts/build-wasm.sh: opt-level 3 instead of "z", the same crate, features,
// exports and glue, and the direct reader, src/plan/direct.rs): here its bytes come from disk, not over a network,
// and it loads snapshots faster (issue #8: S3's load in about half the time; evaluation as fast). Browsers load
// pkg/edgeflag_bg.wasm, the size build; Workers either (this one is "edgeflag/server.wasm").
// The package's own files by path from import.meta.dirname (Node >= 20.11, Deno, Bun), else by file: URL: a
// process's first `new URL` costs ~0.2 ms (the URL class's first run), a cold start's import did three.
const DIR = import.meta.dirname;
const WASM_URL = DIR === undefined ? new URL("../pkg/edgeflag_speed_bg.wasm", import.meta.url) : `${DIR}/../pkg/edgeflag_speed_bg.wasm`;
const REGEX_URL = DIR === undefined ? new URL("../pkg/edgeflag_regex.wasm", import.meta.url) : `${DIR}/../pkg/edgeflag_regex.wasm`;
const DIAGNOSTICS_URL = DIR === undefined ? new URL("../pkg/edgeflag_diagnostics.wasm", import.meta.url) : `${DIR}/../pkg/edgeflag_diagnostics.wasm`;

function fileUrl(input) {
  if (input === undefined) return WASM_URL;
  if (input instanceof URL) return input.protocol === "file:" ? input : null;
  if (typeof input === "string") {
    if (/^file:/i.test(input)) return new URL(input);
    // A scheme other than a Windows drive letter: leave it to fetch().
    if (/^[a-z][a-z0-9+.-]+:/i.test(input)) return null;
    return input; // a file system path
  }
  return null;
}

platform.loadSync = (input) => {
  const file = fileUrl(input);
  return file === null ? input : readFileSync(file);
};
platform.load = platform.loadSync;
platform.compile = (bytes) => new WebAssembly.Module(bytes);
// The operators (regular-expression) module (src/regex.js): read and compiled at once, the first time a snapshot uses
// `matches`, `semver_*` or `in_cidr` (initRegex() is never needed here).
platform.regexSync = () => new WebAssembly.Module(readFileSync(REGEX_URL));
platform.regex = (input) => (input === undefined ? readFileSync(REGEX_URL) : platform.loadSync(input));
// The diagnostics module (src/diagnostics.js): read and compiled at once, on the first refused snapshot
// (initDiagnostics() is never needed here).
platform.diagnosticsSync = () => new WebAssembly.Module(readFileSync(DIAGNOSTICS_URL));
platform.diagnostics = (input) => (input === undefined ? readFileSync(DIAGNOSTICS_URL) : platform.loadSync(input));
