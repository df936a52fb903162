// The shared conformance cases (tests/cases/*.json) and bucketing vectors (tests/vectors/bucketing.json)
// through the wasm module: every case on every read path (details, typed, bound, all).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, initWasm, bucket } from "../src/engine.node.js";
import { loadCaseFiles, loadVectors, runCase, jsonEqual } from "./support/cases.js";

await initWasm();

const files = loadCaseFiles();

test("there are case files", () => {
  assert.ok(files.length > 0, "tests/cases/*.json");
});

for (const f of files) {
  test(`cases: ${f.file}`, async (t) => {
    if (f.limits) {
      t.skip("limits are not configurable through the wasm module");
      return;
    }
    if (f.expectErrors) {
      const err = assert.throws(() => Engine.fromJSON(f.snapshotText), { name: "SnapshotError" });
      assert.deepEqual(err.problems.map((p) => p.path).sort(), [...f.expectErrors].sort(), err.message);
      return;
    }
    const engine = Engine.fromJSON(f.snapshotText);
    try {
      for (const c of f.cases) {
        await t.test(c.name, (tt) => {
          const r = runCase(engine, c, jsonEqual);
          if (c.lossy && r.mismatches.length > 0) {
            tt.skip(`JavaScript reads the context's number differently: ${r.mismatches[0]}`);
            return;
          }
          assert.deepEqual(r.mismatches, [], `${c.name}\n  context ${JSON.stringify(c.context)}\n  ${r.mismatches.join("\n  ")}`);
        });
      }
    } finally {
      engine.free();
    }
  });
}

const vectors = loadVectors();
test("bucketing vectors", { skip: vectors === null ? "tests/vectors/bucketing.json does not exist yet" : false }, () => {
  const list = Array.isArray(vectors) ? vectors : vectors.vectors || vectors.cases || [];
  assert.ok(list.length > 0);
  const wrong = list.filter((v) => bucket(v.salt, v.unit) !== v.bucket);
  assert.deepEqual(wrong, []);
});
