#!/usr/bin/env node
// Orders a .wasm's function bodies so that gzip compresses them better (issue #8: the payload).
//
//   node tools/wasm-order.js --wasm-opt PATH IN.wasm OUT.wasm [-- WASM_OPT_FLAGS...]
//
// deflate finds repeats only within the last 32 KB, and the runtime's code section is about 100 KB: which
// bodies stand near each other decides what it can reuse. This tool picks an order in which each body
// follows bodies that share many short byte strings with it (chooseOrder), writes it into the module as
// function names (`f00000`, `f00001`, …, in that order: withOrderNames), and lets binaryen renumber the
// functions by name (wasm-opt --reorder-functions-by-name, which rewrites every call, table entry, export and
// reference) and re-encode the module with its stack-IR optimisations (the levels of the build's -Oz: without
// them the re-encode is larger) and without the names. The flags after `--` are passed to that wasm-opt run
// (scripts/build-wasm.sh passes its --enable-* features). It tries a few windows and first bodies
// (CANDIDATES) and keeps the order whose bodies deflate smallest (orderCost); when the module it gives is not
// smaller in gzip -9 (zlib, as the size budget counts) than IN, IN is copied to OUT unchanged. Deterministic:
// the same input gives the same bytes. A few seconds for the runtime .wasm. Prints the sizes to stderr.
// Figures: docs/wasm-size.md ("Choices, measured").
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync, gzipSync } from "node:zlib";
import { functions, u32 } from "./wasm-binary.js";

/** The wasm-opt flags of the re-encoding pass (before the caller's features). */
export const PASS_FLAGS = [
  "--optimize-level=2",
  "--shrink-level=2",
  "--reorder-functions-by-name",
  "--generate-stack-ir",
  "--optimize-stack-ir",
  "--strip-debug",
  "--strip-producers",
  "--strip-target-features",
];

/** A module that this tool cannot read. */
export class WasmOrderError extends Error {}

/**
 * The parts of a module the ordering needs: `imports`, the number of imported functions (they come first
 * in the function index space and are not reordered); `bodies`, each defined function's body (its code
 * section entry without the size) as a view of `bytes`; `nameSection`, the custom section "name" as
 * { start, end } byte offsets, or null.
 */
export function parseModule(bytes) {
  const { imports, bodies, nameSection } = functions(bytes, WasmOrderError);
  return { imports, bodies, nameSection };
}

// Each body's distinct `shingle`-byte strings as dense ids, per bodies array and length (reorder's candidates
// share them).
const shingleCache = new WeakMap();
function shingleSets(bodies, shingle) {
  let byLength = shingleCache.get(bodies);
  if (!byLength) shingleCache.set(bodies, (byLength = new Map()));
  let r = byLength.get(shingle);
  if (r) return r;
  const ids = new Map();
  const sets = bodies.map((body) => {
    const seen = new Set();
    for (let i = 0; i + shingle <= body.length; i++) {
      let key = 0;
      for (let k = 0; k < shingle; k++) key = key * 256 + body[i + k];
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      seen.add(id);
    }
    return Int32Array.from(seen);
  });
  r = { sets, count: ids.size };
  byLength.set(shingle, r);
  return r;
}

/**
 * The order in which to place `bodies` (an array of byte arrays): a permutation of their indices. Greedy:
 * starting from body `first`, the next is always the unplaced body with the largest share of its distinct
 * `shingle`-byte strings present in the last `recent` bodies placed (what deflate can best express as
 * matches of what it has just seen); ties go to the lower index. Measured (docs/wasm-size.md): a window of
 * a few bodies beats one of deflate's 32 KB (which favours bodies that share bytes with anything before
 * them over ones that share them with their neighbours), and the share beats the plain count (which
 * favours long bodies).
 */
export function chooseOrder(bodies, { shingle = 4, recent = 8, first = 0 } = {}) {
  const n = bodies.length;
  const { sets, count } = shingleSets(bodies, shingle);
  const present = new Int32Array(count); // per shingle: how many of the last `recent` bodies hold it
  const placed = new Uint8Array(n);
  const order = [];
  const place = (f) => {
    placed[f] = 1;
    order.push(f);
    for (const s of sets[f]) present[s]++;
    if (order.length > recent) for (const s of sets[order[order.length - recent - 1]]) present[s]--;
  };
  if (n) place(Math.min(first, n - 1));
  while (order.length < n) {
    let best = -1;
    let bestScore = -1;
    for (let f = 0; f < n; f++) {
      if (placed[f]) continue;
      const set = sets[f];
      let hits = 0;
      for (let i = 0; i < set.length; i++) if (present[set[i]]) hits++;
      const score = hits / (set.length + 1);
      if (score > bestScore) {
        bestScore = score;
        best = f;
      }
    }
    place(best);
  }
  return order;
}

/**
 * `bytes` with its name section replaced by one that names the imported functions `i00000…` and each
 * defined function `f` followed by its rank in `order` (zero-padded: names sort as the ranks), so that
 * wasm-opt --reorder-functions-by-name places them in that order.
 */
export function withOrderNames(bytes, order) {
  const { imports, bodies, nameSection } = parseModule(bytes);
  if (order.length !== bodies.length) throw new WasmOrderError("the order does not cover every function");
  const rank = new Array(bodies.length);
  order.forEach((f, r) => (rank[f] = r));
  const width = Math.max(5, String(Math.max(imports, bodies.length)).length);
  const name = (prefix, i) => Buffer.from(prefix + String(i).padStart(width, "0"));
  const sub = [...u32(imports + bodies.length)];
  for (let i = 0; i < imports; i++) {
    const nm = name("i", i);
    sub.push(...u32(i), ...u32(nm.length), ...nm);
  }
  for (let i = 0; i < bodies.length; i++) {
    if (rank[i] === undefined) throw new WasmOrderError("the order is not a permutation");
    const nm = name("f", rank[i]);
    sub.push(...u32(imports + i), ...u32(nm.length), ...nm);
  }
  const payload = [...u32(4), ...Buffer.from("name"), 1, ...u32(sub.length), ...sub];
  const section = Buffer.from([0, ...u32(payload.length), ...payload]);
  return nameSection
    ? Buffer.concat([bytes.subarray(0, nameSection.start), section, bytes.subarray(nameSection.end)])
    : Buffer.concat([bytes, section]);
}

/**
 * Runs `wasmOpt` (a path) with PASS_FLAGS and `flags` over `bytes` named by withOrderNames(bytes, order):
 * the module with its functions in that order, re-encoded, without names.
 */
export function applyOrder(bytes, order, { wasmOpt, flags = [] }) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-order-"));
  try {
    const input = join(dir, "in.wasm");
    const output = join(dir, "out.wasm");
    writeFileSync(input, withOrderNames(bytes, order));
    const r = spawnSync(wasmOpt, [...PASS_FLAGS, ...flags, "-o", output, input], { encoding: "utf8" });
    if (r.status !== 0) throw new WasmOrderError(`${wasmOpt} failed: ${r.error?.message ?? r.stderr}`);
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** gzip -9 size (zlib), as the size budget measures. */
export const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * The chooseOrder options tried by reorder, the first preferred on a tie: windows of 2 to 16 bodies, each
 * starting from the first body and from the ones a quarter, half and three quarters into the module. Which
 * wins moves by about 100 B from module to module and build to build (docs/wasm-size.md).
 */
export const CANDIDATES = [2, 4, 8, 12, 16].flatMap((recent) => [0, 1, 2, 3].map((quarter) => ({ recent, quarter })));

/**
 * How well deflate compresses `bodies` placed in `order`: the deflate (zlib level 9) size of their
 * concatenation. It ranks the candidate orders as the gzip of the renumbered module does (the module's other
 * sections do not move, its call operands a little), at a fraction of a wasm-opt run.
 */
export function orderCost(bodies, order) {
  return deflateRawSync(Buffer.concat(order.map((f) => bodies[f])), { level: 9 }).length;
}

/**
 * `order` improved by `tries` random moves (a run of one to four bodies taken out and put back elsewhere),
 * each kept when it lowers orderCost: a local search after the greedy, which sees only a few bodies back.
 * Deterministic: the moves come from a fixed pseudo-random sequence (`seed`), and a fixed number of them
 * is tried (not a time budget), so the same bodies give the same order. Returns `{ order, cost }`.
 * Measured (docs/wasm-size.md): 6,000 tries on the runtime .wasm, about 15 s, −292 B gzip -9 after the greedy.
 */
export function improveOrder(bodies, order, { tries = 0, seed = 12345 } = {}) {
  let best = order;
  let bestCost = orderCost(bodies, best);
  const n = best.length;
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0; // the C library's LCG
    return state / 2 ** 32;
  };
  for (let t = 0; t < tries && n > 4; t++) {
    const length = 1 + Math.floor(random() * 4);
    const from = Math.floor(random() * (n - length));
    const to = Math.floor(random() * (n - length));
    if (from === to) continue;
    const moved = best.slice();
    moved.splice(to, 0, ...moved.splice(from, length));
    const cost = orderCost(bodies, moved);
    if (cost < bestCost) {
      bestCost = cost;
      best = moved;
    }
  }
  return { order: best, cost: bestCost };
}

/**
 * `bytes` in the best order of `candidates` (chooseOrder with each; the one of least orderCost, improved
 * by `tries` moves of improveOrder, then applyOrder), or `bytes` itself when that is not smaller in gzip -9;
 * with the sizes (`before`, `after`) and `kept`: whether it was reordered.
 */
export function reorder(bytes, { candidates = CANDIDATES, tries = 0, ...options }) {
  const { bodies } = parseModule(bytes);
  const before = gzipSize(bytes);
  let best = null;
  let bestCost = Infinity;
  for (const { quarter = 0, ...c } of candidates) {
    const order = chooseOrder(bodies, { ...c, first: Math.floor((bodies.length * quarter) / 4) });
    const cost = orderCost(bodies, order);
    if (cost < bestCost) {
      bestCost = cost;
      best = order;
    }
  }
  if (best === null) return { bytes, before, after: before, kept: false };
  if (tries > 0) best = improveOrder(bodies, best, { tries }).order;
  const out = applyOrder(bytes, best, options);
  const after = gzipSize(out);
  return after < before ? { bytes: out, before, after, kept: true } : { bytes, before, after, kept: false };
}

function main(argv) {
  const dash = argv.indexOf("--");
  const flags = dash < 0 ? [] : argv.slice(dash + 1);
  const args = dash < 0 ? argv : argv.slice(0, dash);
  const at = args.indexOf("--wasm-opt");
  const search = args.indexOf("--search");
  const tries = search < 0 ? 0 : Number(args[search + 1]);
  if (at < 0 || args.length !== (search < 0 ? 4 : 6) || !(Number.isInteger(tries) && tries >= 0)) {
    process.stderr.write("usage: node tools/wasm-order.js --wasm-opt PATH [--search TRIES] IN.wasm OUT.wasm [-- WASM_OPT_FLAGS...]\n");
    return 2;
  }
  const wasmOpt = args[at + 1];
  const skip = new Set([at, at + 1, ...(search < 0 ? [] : [search, search + 1])]);
  const [input, output] = args.filter((_, i) => !skip.has(i));
  const r = reorder(readFileSync(input), { wasmOpt, flags, tries });
  writeFileSync(output, r.bytes);
  const what = r.kept ? "reordered" : "kept as it was (the order gained nothing)";
  process.stderr.write(`[wasm-order] ${input}: gzip -9 ${r.before} -> ${r.after} B: ${what}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`[wasm-order] error: ${e.message}\n`);
    process.exitCode = 1;
  }
}
