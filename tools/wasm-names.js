#!/usr/bin/env node
// Renames the imports and exports of the wasm-bindgen .wasm files and the same names in their glue to the
// short names of www/src/wasm-names.js (one table; see there why), deterministically. scripts/build-wasm.sh
// runs it on its package folder after wasm-bindgen, before wasm-opt (which keeps import and export names):
//
//   node tools/wasm-names.js <dir>    renames <dir>/edgeflag.js and every <dir>/*.wasm that imports from the
//                                     glue (edgeflag_bg.wasm, edgeflag_devtools_bg.wasm), in place
//
// An import or export the table lacks stops it (exit 1): add it to the table. The glue is rewritten where it
// names them (`wasm.<export>`, the import object's keys and its module name) and then checked to name no old
// export. www/scripts/bundle.js renames GLUE_TRIMS's texts with renameGlue() too, so that they keep quoting
// the glue as wasm-bindgen writes it.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as names from "../www/src/wasm-names.js";

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

// LEB128 (unsigned) and the name encoding of the binary format.
function readU32(b, at) {
  let v = 0, shift = 0, byte;
  do {
    byte = b[at.i++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return v;
}
function u32(v) {
  const out = [];
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return Buffer.from(out);
}
const utf8 = new TextDecoder("utf-8", { fatal: true });
function readName(b, at) {
  const n = readU32(b, at);
  const s = utf8.decode(b.subarray(at.i, at.i + n));
  at.i += n;
  return s;
}
function name(s) {
  const bytes = Buffer.from(s, "utf8");
  return Buffer.concat([u32(bytes.length), bytes]);
}
// An import's description (after its names): its kind and the bytes that follow it.
function skipImportDesc(b, at) {
  const kind = b[at.i++];
  const limits = () => {
    const flags = b[at.i++];
    readU32(b, at);
    if (flags & 1) readU32(b, at);
  };
  if (kind === 0) readU32(b, at); // function: type index
  else if (kind === 1) { at.i++; limits(); } // table: reference type, limits
  else if (kind === 2) limits(); // memory
  else if (kind === 3) at.i += 2; // global: value type, mutability
  else if (kind === 4) { at.i++; readU32(b, at); } // tag: attribute, type index
  else throw new Error(`import of unknown kind ${kind}`);
}

/**
 * The .wasm `bytes` with its imports from the glue and its exports renamed; `null` when it imports nothing
 * from the glue (a module of its own, as the operators module). Throws on a name the table lacks.
 */
export function renameWasm(bytes) {
  const b = Buffer.from(bytes);
  if (b.readUInt32LE(0) !== 0x6d736100) throw new Error("not a .wasm file");
  const out = [b.subarray(0, 8)];
  let fromGlue = false;
  const at = { i: 8 };
  while (at.i < b.length) {
    const id = b[at.i++];
    const size = readU32(b, at);
    const start = at.i, end = start + size;
    let body = b.subarray(start, end);
    if (id === 7 && !fromGlue) return null; // (the import section comes first)
    if (id === 2 || id === 7) {
      const parts = [];
      const n = readU32(b, at);
      parts.push(u32(n));
      for (let k = 0; k < n; k++) {
        if (id === 2) {
          const module = readName(b, at);
          const field = readName(b, at);
          const d = at.i;
          skipImportDesc(b, at);
          const glue = module === GLUE_MODULE;
          fromGlue ||= glue;
          parts.push(name(glue ? IMPORT_MODULE : module), name(glue ? importName(field) : field), b.subarray(d, at.i));
        } else {
          const field = readName(b, at);
          const d = at.i;
          at.i += 1; // kind
          readU32(b, at); // index
          parts.push(name(exportName(field)), b.subarray(d, at.i));
        }
      }
      if (at.i !== end) throw new Error(`section ${id} has ${end - at.i} bytes after its entries`);
      body = Buffer.concat(parts);
    }
    out.push(Buffer.from([id]), u32(body.length), body);
    at.i = end;
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

/** Renames the glue `<dir>/edgeflag.js` and the .wasm files of `dir` that import from it; returns the .wasm files renamed. */
export function renamePackage(dir) {
  const renamed = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".wasm")).sort()) {
    const out = renameWasm(readFileSync(join(dir, f)));
    if (out !== null) {
      writeFileSync(join(dir, f), out);
      renamed.push(f);
    }
  }
  const glue = renameGlue(readFileSync(join(dir, "edgeflag.js"), "utf8"));
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
