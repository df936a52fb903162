#!/usr/bin/env node
// Rewrites a .wasm's control flow for gzip, all but the functions named (issue #8: the payload).
//
//   node tools/wasm-flatten.js --wasm-opt PATH [--keep TEXT]... IN.wasm OUT.wasm [-- WASM_OPT_FLAGS...]
//
// IN is a module after `wasm-opt -Oz`, with its name section. binaryen's `--flatten --rereloop` rebuilds each
// function's control flow from its blocks (the relooper), and `-Oz --converge` after it shrinks the result
// again (twice, then the locals coalesced and -Oz: FLATTEN_PASSES): the code comes out smaller and in fewer distinct
// shapes, which deflate compresses better (the runtime .wasm −412 B zlib level 9 after the function order, with
// the functions below kept; docs/wasm-size.md). It changes no behaviour,
// but the evaluation path's functions came out slower (S2 +0.3 % instructions per read under V8's optimising
// compiler), so a function whose name contains one of the `--keep` texts keeps IN's body: the code section is
// IN's bodies for those and the rewritten module's for the rest (the rewrite changes no other section, which
// this tool checks; when one differs, or a `--keep` text names no function, it fails). The flags after `--`
// are passed to the rewriting wasm-opt run (scripts/build-wasm.sh passes the -Oz run's options and its
// --enable-* features). OUT is written without the name section. When the mix (both without names)
// is not smaller in gzip -9 (zlib, as the size budget counts) than IN, IN is copied to OUT unchanged.
// Deterministic. Prints the sizes to stderr.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { functions, u32 } from "./wasm-binary.js";

/** What this tool refuses: a module it cannot mix, a `--keep` text that names nothing. */
export class WasmFlattenError extends Error {}

/** The passes of the rewriting run (before the caller's flags). */
// Twice: the second round finds more to fold in the first one's output; then the locals renumbered by use and
// coalesced by binaryen's search (deterministic), and -Oz once more over what that leaves. Zlib level 9 of the runtime after the order (the function
// order's search moves such figures by tens of bytes): once 45,410 B, twice 45,313, twice and the locals 45,249,
// three times 45,395; with the keep list of scripts/build-wasm.sh, twice and the locals 45,350, then -Oz 45,307
// (docs/wasm-size.md).
export const FLATTEN_PASSES = [
  ...["--flatten", "--rereloop", "-Oz", "--converge"],
  ...["--flatten", "--rereloop", "-Oz", "--converge"],
  "--reorder-locals",
  "--coalesce-locals-learning",
  ...["-Oz", "--converge"],
];

/**
 * Module `bytes` as `{ imports, bodies, code, names }` (tools/wasm-binary.js, `functions`): the number of imported
 * functions, each function body (without its size), the code section's `{ start, end }` and the function names
 * (index → name) of the name section.
 */
export function readModule(bytes) {
  const { imports, bodies, code, names } = functions(bytes, WasmFlattenError);
  if (!code) throw new WasmFlattenError("no code section");
  return { imports, bodies, code, names };
}

/**
 * The module `flat` (the rewrite of `base`) with `base`'s bodies for the functions whose name (in `base`'s
 * name section) contains one of `keep`. Throws when the two differ anywhere but in their code section's
 * bodies, or when a text of `keep` names no function.
 */
export function mixBodies(base, flat, keep) {
  const a = readModule(base);
  const b = readModule(flat);
  const outside = (bytes, m) => [bytes.subarray(0, m.code.start), bytes.subarray(m.code.end)];
  const [a0, a1] = outside(base, a);
  const [b0, b1] = outside(flat, b);
  if (a.bodies.length !== b.bodies.length || !a0.equals(b0) || !a1.equals(b1)) {
    throw new WasmFlattenError("the rewritten module differs from its input beyond the function bodies");
  }
  const used = new Set();
  const bodies = b.bodies.map((body, i) => {
    const name = a.names.get(a.imports + i) ?? "";
    const k = keep.find((t) => name.includes(t));
    if (k === undefined) return body;
    used.add(k);
    return a.bodies[i];
  });
  const unused = keep.filter((t) => !used.has(t));
  if (unused.length) throw new WasmFlattenError(`no function named by --keep ${unused.join(", ")}`);
  const payload = Buffer.concat([u32(bodies.length), ...bodies.flatMap((body) => [u32(body.length), body])]);
  return Buffer.concat([b0, Buffer.from([10]), u32(payload.length), payload, b1]);
}

// The names dropped and the module written as -Oz writes it (its stack IR optimised: without it, larger).
const STRIP_PASSES = ["--strip-debug", "--optimize-level=2", "--shrink-level=2", "--generate-stack-ir", "--optimize-stack-ir"];

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * Module `bytes` (after -Oz, with its name section) rewritten by `wasm-opt` (path `wasmOpt`, with `flags`) but
 * for the functions named by `keep` (mixBodies), without names: `{ bytes, rewritten, before, after }`, where
 * `before`/`after` are the gzip -9 sizes of `bytes` and of the mix, both without names, and `bytes` is the
 * smaller of the two (`rewritten` when the mix).
 */
export function flattenExcept(bytes, { wasmOpt = "wasm-opt", keep = [], flags = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-flatten-"));
  try {
    const opt = (input, args, name) => {
      const inPath = join(dir, name + ".in.wasm");
      const outPath = join(dir, name + ".wasm");
      writeFileSync(inPath, input);
      const run = spawnSync(wasmOpt, [inPath, ...args, ...flags, "-o", outPath], { stdio: ["ignore", "inherit", "inherit"] });
      if (run.status !== 0) throw new WasmFlattenError(`wasm-opt failed (${run.status ?? run.signal})`);
      return readFileSync(outPath);
    };
    const mixed = mixBodies(bytes, opt(bytes, [...FLATTEN_PASSES, "-g"], "flat"), keep);
    const base = opt(bytes, STRIP_PASSES, "base");
    const mix = opt(mixed, STRIP_PASSES, "mixed");
    const before = gz(base);
    const after = gz(mix);
    const rewritten = after < before;
    return { bytes: rewritten ? mix : base, rewritten, before, after };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv) {
  const keep = [];
  let wasmOpt = "wasm-opt";
  const files = [];
  let i = 0;
  for (; i < argv.length && argv[i] !== "--"; i++) {
    if (argv[i] === "--wasm-opt") wasmOpt = argv[++i];
    else if (argv[i] === "--keep") keep.push(argv[++i]);
    else files.push(argv[i]);
  }
  if (files.length !== 2 || !wasmOpt) {
    throw new WasmFlattenError("usage: wasm-flatten.js --wasm-opt PATH [--keep TEXT]... IN OUT [-- FLAGS]");
  }
  const [input, output] = files.map((f) => resolve(f));
  const r = flattenExcept(readFileSync(input), { wasmOpt, keep, flags: argv.slice(i + 1) });
  writeFileSync(output, r.bytes);
  process.stderr.write(`[wasm-flatten] ${input}: gzip -9 ${r.before} -> ${r.after} B: ${r.rewritten ? "rewritten" : "kept as it was"}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`[wasm-flatten] error: ${e.message}\n`);
    process.exit(1);
  }
}
