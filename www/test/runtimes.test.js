// Same answers everywhere: the conformance cases and bucketing vectors through the wasm module in Node,
// Deno and Bun (the npm packages `deno` and `bun`, devDependencies, carry the binaries) must give
// identical results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WWW = fileURLToPath(new URL("../", import.meta.url));
const CHILD = fileURLToPath(new URL("./support/runtime-child.js", import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: WWW, maxBuffer: 64 << 20, timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else {
        try {
          resolve(JSON.parse(stdout.trim().split("\n").pop()));
        } catch (e) {
          reject(new Error(`${cmd}: unreadable output: ${e.message}\n${stdout}\n${stderr}`));
        }
      }
    });
  });
}

const RUNTIMES = {
  node: () => run(process.execPath, [CHILD]),
  deno: () => run(bin("deno"), ["run", "--allow-read", "--allow-env", "--no-prompt", CHILD]),
  bun: () => run(bin("bun"), ["run", CHILD]),
};

const results = {};
let reference;

for (const [name, start] of Object.entries(RUNTIMES)) {
  test(`${name}: conformance through the package exports`, async () => {
    if (name !== "node") assert.ok(existsSync(bin(name)), `node_modules/.bin/${name} missing: run npm ci in www/`);
    const s = await start();
    results[name] = s;
    assert.equal(s.runtime, name);
    // Failing cases are conformance.test.js's to report; here every runtime must run them all and
    // agree with Node (the last test).
    assert.ok(s.passed > 0, "cases ran");
    if (name === "node") reference = s;
  });
}

test("identical results in Node, Deno and Bun", () => {
  assert.ok(reference, "node ran");
  for (const name of ["deno", "bun"]) {
    assert.ok(results[name], `${name} ran`);
    const { runtime: _a, ...a } = results[name];
    const { runtime: _b, ...b } = reference;
    assert.deepEqual(a, b, `${name} differs from node`);
  }
});
