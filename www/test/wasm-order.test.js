// tools/wasm-order.js, the build step that orders the .wasm's function bodies for gzip: its order is a
// permutation and deterministic, its names reach wasm-opt, and a module it reorders (here in the reverse of
// the shipped order, another order than the one the other suites run) validates, keeps its imports and
// exports, and evaluates every conformance case as the shipped one does. The wasm-opt parts need binaryen's
// wasm-opt (www/'s devDependency `binaryen`, as scripts/build-wasm.sh uses) and the wasm build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  parseModule,
  chooseOrder,
  withOrderNames,
  applyOrder,
  reorder,
  orderCost,
  improveOrder,
  WasmOrderError,
} from "../../tools/wasm-order.js";
import { Engine, initWasmSync } from "../src/engine.node.js";
import { loadCaseFiles, runCase, jsonEqual, checkInvalid } from "./support/cases.js";

const SHIPPED = fileURLToPath(new URL("../pkg/edgeflag_bg.wasm", import.meta.url));
const WASM_OPT = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));
const FLAGS = [
  "--enable-bulk-memory",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-multivalue",
  "--enable-reference-types",
];
const noWasmOpt = spawnSync(WASM_OPT, ["--version"]).status === 0 ? false : "no wasm-opt in www/node_modules";
const noBuild = existsSync(SHIPPED) ? false : "no wasm build (scripts/build-wasm.sh)";

// The names of a module's name section (function index → name), read back.
function functionNames(bytes) {
  const { nameSection } = parseModule(bytes);
  assert.ok(nameSection, "a name section");
  let p = nameSection.start + 1;
  const leb = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = bytes[p++];
      r += (x & 127) * 2 ** s;
      s += 7;
    } while (x & 128);
    return r;
  };
  leb(); // section size
  const length = leb(); // "name"
  p += length;
  assert.equal(bytes[p++], 1, "the function names subsection");
  leb();
  const names = new Map();
  for (let n = leb(); n > 0; n--) {
    const index = leb();
    const length = leb();
    names.set(index, bytes.subarray(p, p + length).toString());
    p += length;
  }
  return names;
}

const descriptors = (m) => ({ imports: WebAssembly.Module.imports(m), exports: WebAssembly.Module.exports(m) });

test("chooseOrder: a deterministic permutation that puts alike bodies together", () => {
  const a = Buffer.from("the quick brown fox jumps over the lazy dog");
  const b = Buffer.from("0123456789abcdef0123456789abcdef");
  const bodies = [a, b, Buffer.from("the quick brown fox jumps over the lazy cat"), Buffer.from("0123456789abcdef!"), a];
  const order = chooseOrder(bodies, { recent: 1 });
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(chooseOrder(bodies, { recent: 1 }), order);
  assert.equal(order[0], 0, "starts with the first body");
  assert.equal(chooseOrder(bodies, { recent: 1, first: 3 })[0], 3, "or the one asked for");
  // the other fox sentences next to the first, the digits together
  assert.deepEqual(new Set(order.slice(0, 3)), new Set([0, 2, 4]));
  assert.deepEqual(new Set(order.slice(3)), new Set([1, 3]));
  assert.deepEqual(chooseOrder([]), []);
});

test("orderCost: alike bodies placed together cost less than apart", () => {
  const noise = (seed) => {
    let x = seed;
    return Buffer.from(Array.from({ length: 20000 }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24)));
  };
  const bodies = [noise(1), noise(2), noise(1), noise(3)];
  // deflate's window is 32 KB: body 2 repeats body 0, within reach only right after it
  assert.ok(orderCost(bodies, [0, 2, 1, 3]) < orderCost(bodies, [0, 1, 3, 2]) - 10000);
});

test("improveOrder: a deterministic permutation no costlier than its start, found by moves", () => {
  const noise = (seed) => {
    let x = seed;
    return Buffer.from(Array.from({ length: 20000 }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24)));
  };
  // bodies 0 and 4 alike, 2 and 6 alike: the start [0..7] keeps each pair 4 bodies (80 KB) apart, out of
  // deflate's 32 KB reach; a move that brings a pair together lowers the cost by about one body
  const bodies = [noise(1), noise(2), noise(3), noise(4), noise(1), noise(5), noise(3), noise(6)];
  const start = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = improveOrder(bodies, start, { tries: 400 });
  assert.deepEqual([...r.order].sort(), start);
  assert.equal(r.cost, orderCost(bodies, r.order));
  assert.ok(r.cost < orderCost(bodies, start) - 30000, `${r.cost} against ${orderCost(bodies, start)}`);
  assert.deepEqual(improveOrder(bodies, start, { tries: 400 }), r, "the same moves each time");
  assert.deepEqual(improveOrder(bodies, start, { tries: 0 }).order, start, "no tries: the order given");
  assert.deepEqual(start, [0, 1, 2, 3, 4, 5, 6, 7], "the order given is left alone");
});

test("parseModule refuses what is not a module", () => {
  assert.throws(() => parseModule(Buffer.from("not wasm at all")), WasmOrderError);
  assert.throws(() => withOrderNames(readFileSync(SHIPPED), [0]), WasmOrderError);
});

test("withOrderNames: each function named by its rank, the module otherwise the same", { skip: noBuild }, () => {
  const bytes = readFileSync(SHIPPED);
  const { imports, bodies } = parseModule(bytes);
  assert.ok(bodies.length > 100);
  const order = [...bodies.keys()].reverse();
  const named = withOrderNames(bytes, order);
  assert.ok(WebAssembly.validate(named));
  const names = functionNames(named);
  assert.equal(names.size, imports + bodies.length);
  for (let i = 0; i < bodies.length; i++) {
    assert.equal(names.get(imports + i), "f" + String(bodies.length - 1 - i).padStart(5, "0"));
  }
  assert.deepEqual(parseModule(named).bodies, bodies);
  assert.deepEqual(descriptors(new WebAssembly.Module(named)), descriptors(new WebAssembly.Module(bytes)));
});

test("reorder keeps the module as it is when no order is smaller", { skip: noBuild || noWasmOpt }, () => {
  const bytes = readFileSync(SHIPPED);
  const r = reorder(bytes, { wasmOpt: WASM_OPT, flags: FLAGS, candidates: [] });
  assert.equal(r.kept, false);
  assert.equal(r.bytes, bytes);
});

test("a reordered module: deterministic, valid, same imports and exports, same results", { skip: noBuild || noWasmOpt }, async (t) => {
  const bytes = readFileSync(SHIPPED);
  const { bodies } = parseModule(bytes);
  const order = [...bodies.keys()].reverse();
  const reversed = applyOrder(bytes, order, { wasmOpt: WASM_OPT, flags: FLAGS });
  assert.deepEqual(applyOrder(bytes, order, { wasmOpt: WASM_OPT, flags: FLAGS }), reversed, "same input, same bytes");
  assert.ok(WebAssembly.validate(reversed));
  assert.equal(parseModule(reversed).bodies.length, bodies.length);
  // The last body first: binaryen renumbered the functions by the names.
  assert.equal(parseModule(reversed).bodies[0].length, bodies.at(-1).length);
  const module = new WebAssembly.Module(reversed);
  assert.deepEqual(descriptors(module), descriptors(new WebAssembly.Module(bytes)));
  // This process's engine runs the reversed module: every conformance case as on the shipped one.
  initWasmSync(module);
  for (const f of loadCaseFiles()) {
    await t.test(f.file, () => {
      for (const inv of f.invalid) {
        const r = checkInvalid(Engine, inv);
        if (!r.skip) assert.equal(r.failure, undefined, `${inv.name}: ${r.failure}`);
      }
      if (f.cases.length === 0) return;
      const engine = Engine.fromJSON(f.snapshotText);
      try {
        for (const c of f.cases) {
          const r = runCase(engine, c, jsonEqual);
          if (!c.lossy) assert.deepEqual(r.mismatches, [], `${c.name}: ${r.mismatches.join("; ")}`);
        }
      } finally {
        engine.free();
      }
    });
  }
});
