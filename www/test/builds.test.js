// The two builds of the runtime (scripts/build-wasm.sh): pkg/edgeflag_bg.wasm (opt-level "z", without the direct
// reader of src/plan/direct.rs: browsers download it) and pkg/edgeflag_speed_bg.wasm (opt-level 3: Node, Deno and
// Bun read it from disk; Workers import it as "edgeflag/server.wasm", or the size build as "edgeflag/edgeflag.wasm").
// One crate, one glue: each must give every answer the other gives. conformance.test.js runs on the speed
// build (the Node entry's default); here it runs again, in a child process, on the size build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WWW = new URL("../", import.meta.url);
const read = (rel) => readFileSync(new URL(rel, WWW), "utf8");

test("the Node entry loads the speed build, the browser bundle the size build", () => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL("test/support/which-wasm-child.js", WWW))], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { read: ["edgeflag_speed_bg.wasm"], pro: true, free: false });
  const browser = read("dist/edgeflag.js");
  assert.match(browser, /new URL\("\.\.\/pkg\/edgeflag_bg\.wasm",\s*import\.meta\.url\)/, "dist/edgeflag.js");
  assert.doesNotMatch(browser, /edgeflag_speed_bg/, "dist/edgeflag.js: a browser never fetches the speed build");
  const pkg = JSON.parse(read("package.json"));
  for (const f of ["pkg/edgeflag_bg.wasm", "pkg/edgeflag_speed_bg.wasm"]) assert.ok(pkg.files.includes(f), `${f} is published`);
});

test("Workers import either build by the package's names; the demo worker takes the speed build", () => {
  const exp = JSON.parse(read("package.json")).exports;
  assert.equal(exp["./edgeflag.wasm"].default, "./pkg/edgeflag_bg.wasm");
  assert.equal(exp["./server.wasm"].default, "./pkg/edgeflag_speed_bg.wasm");
  assert.equal(exp["./server.wasm"].types, exp["./edgeflag.wasm"].types);
  // (worker.test.js runs the demo worker in workerd; the fixtures of load.test.js and others the size build)
  const imports = [...read("worker/worker.js").matchAll(/^import \w+ from '([^']+\.wasm)';$/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ["../pkg/edgeflag_speed_bg.wasm", "../pkg/edgeflag_regex.wasm", "../pkg/edgeflag_diagnostics.wasm"]);
});

test("the two builds export and import the same names", () => {
  const describe = (file) => {
    const m = new WebAssembly.Module(readFileSync(new URL(`pkg/${file}`, WWW)));
    const byName = (a, b) => (a.module ?? "").localeCompare(b.module ?? "") || a.name.localeCompare(b.name);
    return JSON.stringify([WebAssembly.Module.exports(m).sort(byName), WebAssembly.Module.imports(m).sort(byName)]);
  };
  assert.equal(describe("edgeflag_speed_bg.wasm"), describe("edgeflag_bg.wasm"));
  assert.notEqual(readFileSync(new URL("pkg/edgeflag_speed_bg.wasm", WWW)).length, readFileSync(new URL("pkg/edgeflag_bg.wasm", WWW)).length,
    "two different builds");
});

test("every conformance case and bucketing vector passes on the size build too", () => {
  // (without this runner's NODE_TEST_CONTEXT, which would make the child report to it instead of printing TAP)
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", fileURLToPath(new URL("test/conformance.test.js", WWW))], {
    env: { ...env, EDGEFLAG_TEST_WASM: "edgeflag_bg.wasm" },
    encoding: "utf8",
    timeout: 300_000,
  });
  const count = (name) => Number((r.stdout.match(new RegExp(`^# ${name} (\\d+)$`, "m")) ?? [])[1]);
  assert.equal(r.status, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  assert.equal(count("fail"), 0);
  assert.ok(count("pass") > 100, `the cases ran: ${count("pass")} passed`);
});
