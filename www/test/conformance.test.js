// The shared conformance cases (tests/cases/*.json) and bucketing vectors (tests/vectors/bucketing.json)
// through the wasm module: every case on every read path (details, typed, bound, all).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Engine, initWasm, bucket } from "../src/engine.node.js";
import { loadCaseFiles, loadVectors, runCase, jsonEqual, checkInvalid, checkVectorsByEval } from "./support/cases.js";

// The Node entry's own module (pkg/edgeflag_speed_bg.wasm, the speed build), or the one EDGEFLAG_TEST_WASM
// names in pkg/ (builds.test.js runs this file again on the size build, pkg/edgeflag_bg.wasm).
const WASM = process.env.EDGEFLAG_TEST_WASM;
await initWasm(WASM === undefined ? undefined : readFileSync(new URL(`../pkg/${WASM}`, import.meta.url)));

const files = loadCaseFiles();

test("there are case files", () => {
  assert.ok(files.length > 0, "tests/cases/*.json");
});

for (const f of files) {
  test(`cases: ${f.file}`, async (t) => {
    for (const inv of f.invalid) {
      await t.test(`invalid: ${inv.name}`, (tt) => {
        const r = checkInvalid(Engine, inv);
        if (r.skip) tt.skip(r.skip);
        else assert.equal(r.failure, undefined, r.failure);
      });
    }
    if (f.cases.length === 0) return;
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
const noVectors = vectors === null ? "tests/vectors/bucketing.json does not exist yet" : false;

test("bucketing vectors: bucket()", { skip: noVectors }, () => {
  assert.ok(vectors.length > 0);
  const wrong = vectors.filter((v) => bucket(v.salt, String(v.unit)) !== v.bucket);
  assert.deepEqual(wrong, []);
});

test("bucketing vectors: through evaluation (units encoded from JS contexts)", { skip: noVectors }, () => {
  assert.deepEqual(checkVectorsByEval(Engine, vectors), []);
});
