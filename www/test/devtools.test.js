// edgeflag/devtools: the devtools build of the .wasm (pkg/edgeflag_devtools_bg.wasm, the `explain` cargo
// feature), loaded by initWasm() with no argument once the entry is imported; Engine#explain works there
// (with the runtime build it throws: engine.test.js). The explorer's Chromium test (browser.test.js) runs it
// in a page; bundle.test.js checks dist/devtools.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Engine, initWasm, wasmReady } from "../src/devtools.node.js";

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NOW = Date.parse("2026-12-02T00:00:00Z");
const SNAPSHOT = {
  schema: 1,
  version: 1,
  flags: {
    plain: { variants: { on: true, off: false }, default: "on" },
    targeted: {
      variants: { on: true, off: false },
      default: "off",
      rules: [
        { id: "de", when: { attr: "country", op: "eq", value: "DE" }, serve: "on" },
        { id: "rollout", serve: { variant: "on", percent: 30, by: "key" } },
      ],
    },
  },
};

await initWasm();

test("initWasm() with no argument loads the devtools .wasm; it exports what edgeflag exports", async () => {
  assert.equal(wasmReady(), true);
  const devtools = await import(pathToFileURL(path.join(WWW, "src", "devtools.js")).href);
  const index = await import(pathToFileURL(path.join(WWW, "src", "index.js")).href);
  assert.deepEqual(Object.keys(devtools).sort(), Object.keys(index).sort());
  assert.equal(devtools.Engine, index.Engine, "one module instance with edgeflag");
});

test("explain(): a parsed trace; null for unknown flags and after free()", () => {
  const engine = Engine.fromJSON(SNAPSHOT);
  const t = engine.explain("targeted", { key: "u-1", country: "DE" }, NOW);
  assert.equal(typeof t, "object");
  assert.notEqual(t, null);
  assert.equal(JSON.stringify(t).includes('"de"'), true, "the trace names the matching rule");
  assert.equal(engine.explain("nope", {}), null);
  engine.free();
  assert.equal(engine.explain("plain", {}), null);
});

test("explain(): semver and CIDR conditions, tested in the operators module, say why they did not match", () => {
  const flag = (when) => ({ variants: { on: true, off: false }, default: "off", rules: [{ when, serve: "on" }] });
  const engine = Engine.fromJSON(JSON.stringify({ schema: 1, version: 1, flags: {
    v: flag({ attr: "v", op: "semver_gte", value: "2.0" }),
    ip: flag({ attr: "ip", op: "in_cidr", value: "10.0.0.0/8" }),
  } }));
  const why = (flag, ctx) => JSON.stringify(engine.explain(flag, ctx)).match(/"why":"([^"]*)"/)?.[1];
  assert.equal(why("v", { v: "x" }), "not a version");
  assert.equal(why("v", { v: "1.9" }), "did not match");
  assert.equal(why("v", { v: "2.0.1" }), "matched");
  assert.equal(why("ip", { ip: "10.1" }), "not an IP address");
  assert.equal(why("ip", { ip: "11.0.0.1" }), "did not match");
  assert.equal(why("ip", { ip: 10 }), "wrong type: not a string");
  engine.free();
});

test("the Cloudflare Workers devtools entry exports the same names (its module is passed to initWasm)", async () => {
  const workerd = await import(pathToFileURL(path.join(WWW, "src", "devtools.workerd.js")).href);
  const index = await import(pathToFileURL(path.join(WWW, "src", "index.js")).href);
  assert.deepEqual(Object.keys(workerd).sort(), Object.keys(index).sort());
});

test("package.json: edgeflag/devtools and edgeflag/devtools.wasm, published", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(WWW, "package.json"), "utf8"));
  const e = pkg.exports["./devtools"];
  assert.equal(e.node, "./dist/devtools.node.js"); // built from src/devtools.node.js (node-bundle.test.js)
  assert.equal(e.browser, "./dist/devtools.js");
  assert.equal(pkg.exports["./devtools.wasm"].default, "./pkg/edgeflag_devtools_bg.wasm");
  assert.ok(pkg.files.includes("pkg/edgeflag_devtools_bg.wasm"));
  for (const f of ["./src/devtools.js", "./src/devtools.node.js", "./src/devtools.workerd.js", "./dist/*.node.js"]) assert.ok(pkg.sideEffects.includes(f), f);
  for (const f of [e.types, e.node, e.workerd, e.worker, e.default, pkg.exports["./devtools.wasm"].default]) {
    assert.ok(fs.existsSync(path.join(WWW, f)), f);
  }
});

test("the runtime .wasm has no explainJson, the devtools one has", async () => {
  const exportsOf = async (f) => WebAssembly.Module.exports(await WebAssembly.compile(fs.readFileSync(path.join(WWW, "pkg", f)))).map((x) => x.name);
  const EXPORTS = await import("../src/wasm-names.js"); // the short names that ship
  assert.equal((await exportsOf("edgeflag_bg.wasm")).includes(EXPORTS.wasmengine_explainJson), false);
  assert.equal((await exportsOf("edgeflag_devtools_bg.wasm")).includes(EXPORTS.wasmengine_explainJson), true);
});
