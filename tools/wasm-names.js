#!/usr/bin/env node
// Renames the imports and exports of the wasm-bindgen .wasm files and the same names in their glue to the
// short names of www/src/wasm-names.js (one table; see there why), deterministically. scripts/build-wasm.sh
// runs it on its package folder after wasm-bindgen, before wasm-opt (which keeps import and export names):
//
//   node tools/wasm-names.js <dir>    renames <dir>/edgeflag.js and every <dir>/*.wasm that imports from the
//                                     glue (edgeflag_bg.wasm, edgeflag_speed_bg.wasm, edgeflag_devtools_bg.wasm), in place
//
// An import or export the table lacks stops it (exit 1): add it to the table. The glue is rewritten where it
// names them (`wasm.<export>`, the import object's keys and its module name) and then checked to name no old
// export. www/scripts/bundle.js renames GLUE_TRIMS's texts with renameGlue() too, so that they keep quoting
// the glue as wasm-bindgen writes it.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as names from "../www/src/wasm-names.js";
import { Reader, name, sections, u32 } from "./wasm-binary.js";

/** The table: the imports' module name, the imports and (every other constant of the module) the exports. */
export const { IMPORT_MODULE, IMPORTS, ...EXPORTS } = names;

/** wasm-bindgen's import module name, which IMPORT_MODULE replaces. */
export const GLUE_MODULE = "./edgeflag_bg.js";
const HASH = /_[0-9a-f]{16}$/; // wasm-bindgen's suffix of an import's name

/** The short name of an import, by its name with or without the hash suffix; throws when the table lacks it. */
export function importName(name) {
  const key = name.replace(HASH, "");
  if (!Object.hasOwn(IMPORTS, key)) throw new Error(`import ${name} is not in www/src/wasm-names.js (IMPORTS)`);
  return IMPORTS[key];
}

/** The short name of an export; throws when the table lacks it. */
export function exportName(name) {
  if (!Object.hasOwn(EXPORTS, name)) throw new Error(`export ${name} is not in www/src/wasm-names.js (EXPORTS)`);
  return EXPORTS[name];
}

/**
 * The .wasm `bytes` with its imports from the glue and its exports renamed; `null` when it imports nothing
 * from the glue (a module of its own, as the operators module). Throws on a name the table lacks.
 */
export function renameWasm(bytes) {
  const b = Buffer.from(bytes);
  const out = [b.subarray(0, 8)];
  let fromGlue = false;
  for (const { id, body, end } of sections(b)) {
    if (id === 7 && !fromGlue) return null; // (the import section comes first)
    let contents = b.subarray(body, end);
    if (id === 2 || id === 7) {
      const r = new Reader(b, body);
      const n = r.u32();
      const parts = [u32(n)];
      for (let k = 0; k < n; k++) {
        if (id === 2) {
          const module = r.name();
          const field = r.name();
          const d = r.at;
          r.skipImportDesc();
          const glue = module === GLUE_MODULE;
          fromGlue ||= glue;
          parts.push(name(glue ? IMPORT_MODULE : module), name(glue ? importName(field) : field), b.subarray(d, r.at));
        } else {
          const field = r.name();
          const d = r.at;
          r.byte(); // kind
          r.u32(); // index
          parts.push(name(exportName(field)), b.subarray(d, r.at));
        }
      }
      if (r.at !== end) throw new Error(`section ${id} has ${end - r.at} bytes after its entries`);
      contents = Buffer.concat(parts);
    }
    out.push(Buffer.from([id]), u32(contents.length), contents);
  }
  return fromGlue ? Buffer.concat(out) : null;
}

/**
 * The glue text (or a piece of it) with the names renamed: `wasm.<export>`, the import object's keys
 * (`<import>_<hash>: function`) and its module name. Names outside the table are left as they are (see
 * checkGlue).
 */
export function renameGlue(text) {
  return text
    .replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (m, n) => (Object.hasOwn(EXPORTS, n) ? `wasm.${EXPORTS[n]}` : m))
    .replace(/^( +)(__wbg\w*|__wbindgen\w*): function\(/gm, (m, sp, n) => `${sp}${importName(n)}: function(`)
    .replace(JSON.stringify(GLUE_MODULE), () => JSON.stringify(IMPORT_MODULE));
}

/** Throws when the renamed glue still names an export or import of the table by its old name. */
export function checkGlue(text) {
  for (const [n, short] of Object.entries(EXPORTS)) {
    if (n !== short && new RegExp(`\\bwasm\\.${n}\\b`).test(text)) throw new Error(`the glue still calls wasm.${n}`);
  }
  for (const n of Object.keys(IMPORTS)) {
    if (new RegExp(`^ +${n}(_[0-9a-f]{16})?: function\\(`, "m").test(text)) throw new Error(`the glue still provides the import ${n}`);
  }
  if (text.includes(JSON.stringify(GLUE_MODULE))) throw new Error(`the glue still names the import module ${GLUE_MODULE}`);
}

/**
 * The glue text with its string decoder exported as `getStringFromWasm0` (engine.js decodes the raw exports' texts
 * with it: one decoder, and one copy of its workaround for Safari, whose TextDecoder fails past 2 GiB decoded).
 * Throws when the glue has no such function or exports it already (wasm-bindgen changed its shape).
 */
export function exportStringDecoder(text) {
  if (!/^function getStringFromWasm0\(ptr, len\) \{$/m.test(text)) throw new Error("the glue has no function getStringFromWasm0(ptr, len)");
  if (/^export \{ getStringFromWasm0 \};$/m.test(text)) throw new Error("the glue exports getStringFromWasm0 already");
  return `${text.trimEnd()}\nexport { getStringFromWasm0 };\n`;
}

/**
 * Renames the glue `<dir>/edgeflag.js` (and exports its string decoder: exportStringDecoder) and the .wasm files
 * of `dir` that import from it; returns the .wasm files renamed.
 */
export function renamePackage(dir) {
  const renamed = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".wasm")).sort()) {
    const out = renameWasm(readFileSync(join(dir, f)));
    if (out !== null) {
      writeFileSync(join(dir, f), out);
      renamed.push(f);
    }
  }
  const glue = exportStringDecoder(renameGlue(readFileSync(join(dir, "edgeflag.js"), "utf8")));
  checkGlue(glue);
  writeFileSync(join(dir, "edgeflag.js"), glue);
  return renamed;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  try {
    const dir = process.argv[2];
    if (!dir) throw new Error("usage: node tools/wasm-names.js <package dir>");
    console.log(`wasm-names: renamed ${renamePackage(dir).join(", ")} and edgeflag.js`);
  } catch (e) {
    console.error(`wasm-names: ${e.message}`);
    process.exit(1);
  }
}
