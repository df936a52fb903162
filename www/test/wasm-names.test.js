// The short import and export names (src/wasm-names.js, renamed by tools/wasm-names.js in
// scripts/build-wasm.sh): the shipped .wasm files carry exactly the table's names, the glue calls none by its
// old name, and the renaming itself (a table's gap stops it; modules of their own are left alone). Needs the
// wasm build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXPORTS, IMPORTS, IMPORT_MODULE, checkGlue, exportStringDecoder, renameGlue, renameWasm } from "../../tools/wasm-names.js";

const PKG = join(dirname(fileURLToPath(import.meta.url)), "..", "pkg");
const moduleOf = (f) => new WebAssembly.Module(readFileSync(join(PKG, f)));
const sorted = (a) => [...a].sort();

test("the table: short names unique among the imports and among the exports", () => {
  for (const table of [IMPORTS, EXPORTS]) assert.equal(new Set(Object.values(table)).size, Object.keys(table).length);
});

test("the shipped .wasm files import and export exactly the table's names", () => {
  for (const [file, explain] of [["edgeflag_bg.wasm", false], ["edgeflag_devtools_bg.wasm", true], ["edgeflag_speed_bg.wasm", false]]) {
    const m = moduleOf(file);
    const imports = WebAssembly.Module.imports(m);
    assert.deepEqual([...new Set(imports.map((i) => i.module))], [IMPORT_MODULE], file);
    assert.deepEqual(sorted(imports.map((i) => i.name)), sorted(Object.values(IMPORTS)), file);
    const expected = Object.entries(EXPORTS).filter(([n]) => explain || n !== "wasmengine_explainJson").map(([, s]) => s);
    assert.deepEqual(sorted(WebAssembly.Module.exports(m).map((e) => e.name)), sorted(expected), file);
  }
});

test("the glue names every wasm export and import by its short name, none by its old one", () => {
  const glue = readFileSync(join(PKG, "edgeflag.js"), "utf8");
  checkGlue(glue); // throws on an old name
  assert.equal(renameGlue(glue), glue, "renaming again changes nothing");
  assert.ok(glue.includes(`${JSON.stringify(IMPORT_MODULE)}: import0`));
  for (const short of Object.values(IMPORTS)) assert.match(glue, new RegExp(`\\n {8}${short}: function\\(`));
  for (const n of ["__wbindgen_free", "__wbindgen_start", "finish"]) assert.ok(glue.includes(`wasm.${EXPORTS[n]}(`), n);
});

test("the glue exports its string decoder once (engine.js decodes the raw exports' texts with it)", async () => {
  const glue = readFileSync(join(PKG, "edgeflag.js"), "utf8");
  assert.equal(glue.match(/^export \{ getStringFromWasm0 \};$/gm)?.length, 1);
  assert.throws(() => exportStringDecoder(glue), /exports getStringFromWasm0 already/);
  assert.throws(() => exportStringDecoder("function takeString(ptr, len) {\n}\n"), /no function getStringFromWasm0/);
  assert.equal(typeof (await import("../pkg/edgeflag.js")).getStringFromWasm0, "function");
});

// A module by hand: (import "./edgeflag_bg.js" "<name>" (func)), (memory 1), exports `memory` and the func.
function module(importName, exportName) {
  const str = (s) => [s.length, ...Buffer.from(s)];
  const section = (id, body) => [id, body.length, ...body];
  const bytes = [
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 0, 0]), // type 0: [] -> []
    ...section(2, [1, ...str("./edgeflag_bg.js"), ...str(importName), 0, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...str("memory"), 2, 0, ...str(exportName), 0, 0]),
  ];
  return new Uint8Array(bytes);
}

test("renameWasm: renames the glue's imports (hash suffix or none) and the exports; refuses a name the table lacks", () => {
  const out = renameWasm(module("__wbg_regexFree_f95f72b3eeccc49d", "edgeflag_eval"));
  const m = new WebAssembly.Module(out);
  assert.deepEqual(WebAssembly.Module.imports(m), [{ module: IMPORT_MODULE, name: IMPORTS.__wbg_regexFree, kind: "function" }]);
  assert.deepEqual(WebAssembly.Module.exports(m).map((e) => e.name), [EXPORTS.memory, EXPORTS.edgeflag_eval]);
  assert.throws(() => renameWasm(module("__wbg_newThing_0123456789abcdef", "edgeflag_eval")), /__wbg_newThing_0123456789abcdef is not in www\/src\/wasm-names\.js/);
  assert.throws(() => renameWasm(module("__wbg_regexFree_f95f72b3eeccc49d", "edgeflag_new")), /edgeflag_new is not in/);
  // a module that imports nothing from the glue (the operators and diagnostics modules) is left alone
  assert.equal(renameWasm(readFileSync(join(PKG, "edgeflag_regex.wasm"))), null);
  assert.equal(renameWasm(readFileSync(join(PKG, "edgeflag_diagnostics.wasm"))), null);
});
