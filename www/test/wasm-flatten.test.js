// tools/wasm-flatten.js, the build step that rewrites the runtime .wasm's control flow (binaryen's
// `--flatten --rereloop -Oz`) but for the functions it is told to keep: the kept functions' bodies are the
// input's, the module computes what it did, has no names left, and a rewrite that changed more than the
// bodies, or a kept name that names nothing, is refused. Needs binaryen's wasm-opt (www/'s devDependency
// `binaryen`, as scripts/build-wasm.sh uses).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FLATTEN_PASSES, WasmFlattenError, flattenExcept, mixBodies, readModule } from "../../tools/wasm-flatten.js";

const WASM_OPT = fileURLToPath(new URL("../node_modules/.bin/wasm-opt", import.meta.url));
const noWasmOpt = spawnSync(WASM_OPT, ["--version"]).status === 0 ? false : "no wasm-opt in www/node_modules";

// Two functions with branches and loops for the relooper, named as Rust names them.
const WAT = `(module
  (func $edgeflag::eval::steps (export "steps") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.and (local.get $n) (i32.const 1))
          (then (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (i32.const 3)))))
          (else (local.set $acc (i32.xor (local.get $acc) (local.get $n)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func $edgeflag::snapshot::pick (export "pick") (param $k i32) (result i32)
    (local $r i32)
    (block $out
      (block $c (block $b (block $a
        (br_table $a $b $c (local.get $k)))
        (local.set $r (i32.const 10))
        (br_if $out (i32.gt_u (local.get $k) (i32.const 50))))
        (local.set $r (i32.add (local.get $r) (i32.add (local.get $k) (i32.const 20))))
        (br_if $out (i32.eq (local.get $k) (i32.const 17))))
      (local.set $r (i32.add (local.get $r) (i32.mul (local.get $k) (i32.const 7))))
      (if (i32.lt_u (local.get $r) (i32.const 100))
        (then (local.set $r (i32.shl (local.get $r) (i32.const 1))))))
    (local.get $r)))`;

// The module of WAT, after -Oz with its names (as the build gives the tool).
function optimised(dir) {
  writeFileSync(join(dir, "m.wat"), WAT);
  const r = spawnSync(WASM_OPT, [join(dir, "m.wat"), "-Oz", "-g", "-o", join(dir, "m.wasm")]);
  assert.equal(r.status, 0, String(r.stderr));
  return readFileSync(join(dir, "m.wasm"));
}

function withDir(f) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-flatten-test-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = (bytes) => {
  const { exports: e } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return [0, 1, 2, 3, 5, 17, 100].map((x) => [e.steps(x), e.pick(x)]);
};

test("mixBodies: the kept functions' bodies from the input, the others from the rewrite", { skip: noWasmOpt }, () => {
  withDir((dir) => {
    const base = optimised(dir);
    const r = spawnSync(WASM_OPT, [join(dir, "m.wasm"), ...FLATTEN_PASSES, "-g", "-o", join(dir, "f.wasm")]);
    assert.equal(r.status, 0, String(r.stderr));
    const flat = readFileSync(join(dir, "f.wasm"));
    const a = readModule(base);
    const b = readModule(flat);
    assert.deepEqual([...a.names.values()], ["edgeflag::eval::steps", "edgeflag::snapshot::pick"]);
    assert.notDeepEqual(b.bodies[1], a.bodies[1], "the rewrite changed the br_table's function");
    const mixed = mixBodies(base, flat, ["::eval::"]);
    assert.ok(WebAssembly.validate(mixed));
    const m = readModule(mixed);
    assert.deepEqual(m.bodies[0], a.bodies[0], "the kept function as it was");
    assert.deepEqual(m.bodies[1], b.bodies[1], "the other as rewritten");
    assert.deepEqual(results(mixed), results(base));
    assert.deepEqual(mixBodies(base, flat, []), flat, "nothing kept: the rewrite");
    assert.throws(() => mixBodies(base, flat, ["::plan::"]), WasmFlattenError, "a kept text that names nothing");
    // a module that differs beyond its bodies (here the name section: other names) is not mixed
    const other = Buffer.from(flat);
    other[other.lastIndexOf(Buffer.from("pick"))] = "q".charCodeAt(0);
    assert.throws(() => mixBodies(base, other, []), WasmFlattenError);
    assert.throws(() => readModule(Buffer.from("not wasm")), WasmFlattenError);
  });
});

test("flattenExcept: the same results, no names, and the smaller of the two", { skip: noWasmOpt }, () => {
  withDir((dir) => {
    const base = optimised(dir);
    const r = flattenExcept(base, { wasmOpt: WASM_OPT, keep: ["::eval::steps"] });
    assert.ok(WebAssembly.validate(r.bytes));
    assert.equal(readModule(r.bytes).names.size, 0, "no name section");
    assert.deepEqual(results(r.bytes), results(base));
    assert.ok(r.rewritten ? r.after < r.before : r.after >= r.before);
    assert.deepEqual(flattenExcept(base, { wasmOpt: WASM_OPT, keep: ["::eval::steps"] }), r, "deterministic");
    assert.throws(() => flattenExcept(base, { wasmOpt: WASM_OPT, keep: ["::json::"] }), WasmFlattenError);
  });
});
