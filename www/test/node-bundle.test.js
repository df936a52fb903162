// The Node bundles (dist/*.node.js, built here by scripts/bundle.js from the current sources): what
// package.json's "node" conditions give Node, Deno and Bun. They must export what the src/*.node.js entries
// export, import nothing but Node built-ins and one another (dist/engine.node.js the whole engine in one file),
// and share one module instance: an app
// importing "edgeflag", "edgeflag/engine" and "edgeflag/devtools" gets one Engine class and one wasm
// instance, which the devtools entry switches to the devtools .wasm (checked in Node, Deno and Bun).
// runtimes.test.js runs the conformance cases through them in Node, Deno and Bun.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundle } from "../scripts/bundle.js";

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHILD = fileURLToPath(new URL("./support/node-entries-child.js", import.meta.url));
const rel = (f) => `./${path.relative(WWW, f)}`;

let built;
before(async () => {
  built = await bundle();
});

const bin = (name) => path.join(WWW, "node_modules", ".bin", name);
const RUNNERS = {
  node: (args) => [process.execPath, [CHILD, ...args]],
  deno: (args) => [bin("deno"), ["run", "--allow-read", "--allow-env", "--no-prompt", CHILD, ...args]],
  bun: (args) => [bin("bun"), ["run", CHILD, ...args]],
};

function child(...args) {
  return childIn("node", ...args);
}

function childIn(runtime, ...args) {
  const [cmd, argv] = RUNNERS[runtime](args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd: WWW, timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  });
}

test("package.json's node conditions and main name the Node bundles; they are published and have side effects", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(WWW, "package.json"), "utf8"));
  assert.equal(pkg.exports["."].node, rel(built.node.entry));
  assert.equal(pkg.exports["./engine"].node, rel(built.node.engine));
  assert.equal(pkg.exports["./devtools"].node, rel(built.node.devtools));
  assert.equal(pkg.main, rel(built.node.entry));
  assert.ok(pkg.files.includes("dist/"), "dist/ is published");
  assert.ok(pkg.sideEffects.includes("./dist/*.node.js"), "the Node entries and chunks set up the platform");
  // No shared chunks: the one chunk is the signature checks (verify-…), which the client imports with import() only
  // when it has publicKeys.
  assert.deepEqual(built.node.chunks.map((f) => path.basename(f).replace(/-[A-Z0-9]+\./, "-HASH.")), ["verify-HASH.node.js"]);
});

// The static imports of a bundle's text (esbuild's minified `import … from"./x.js"` and `import"./x.js"`).
const staticImports = (f) => [...fs.readFileSync(f, "utf8").matchAll(/\bimport\s*(?:[^"'();]*?from\s*)?"(\.\/[^"]+)"/g)].map((m) => m[1]);

test("dist/engine.node.js holds the whole engine; edgeflag.node.js and devtools.node.js import it, not their own copies", () => {
  assert.deepEqual(staticImports(built.node.engine), [], "the engine imports no other file");
  assert.deepEqual([...new Set(staticImports(built.node.entry))], ["./engine.node.js"]);
  assert.deepEqual([...new Set(staticImports(built.node.devtools))].sort(), ["./edgeflag.node.js", "./engine.node.js"]);
  // No source module in two bundles (each would be a second module instance: its own state).
  const { engine, entry, devtools } = built.node.inputs;
  assert.ok(engine.includes("src/engine.js") && engine.includes("src/platform.js") && engine.includes("pkg/edgeflag.js"), engine.join());
  assert.ok(entry.includes("src/client.js"), entry.join());
  for (const [a, b] of [[engine, entry], [engine, devtools], [entry, devtools]]) {
    assert.deepEqual(a.filter((f) => b.includes(f)), []);
  }
});

test("the other Node bundles reach the engine's internals through a non-enumerable symbol of Engine", async () => {
  const m = await import(pathToFileURL(built.node.engine).href);
  const key = Symbol.for("edgeflag.node.internals");
  const d = Object.getOwnPropertyDescriptor(m.Engine, key);
  assert.equal(d.enumerable, false);
  assert.deepEqual(Object.keys(d.value).sort(), ["errorDetails", "lacksMessages", "platform"]);
  assert.equal(typeof d.value.platform.loadSync, "function");
  assert.ok(!Object.keys(m).some((k) => k.includes("internals")));
});

test("the Node bundles import only node: built-ins and their own chunks", () => {
  assert.deepEqual(built.nodeImports, ["node:fs"]);
  const files = new Set(fs.readdirSync(path.join(WWW, "dist")));
  for (const f of [built.node.entry, built.node.engine, built.node.devtools, ...built.node.chunks]) {
    const src = fs.readFileSync(f, "utf8");
    for (const m of src.matchAll(/(?:from|import)\s*"(\.\/[^"]+)"/g)) assert.ok(files.has(m[1].slice(2)), `${rel(f)} imports ${m[1]}`);
  }
});

test("each Node bundle exports what its src/*.node.js entry exports", async () => {
  for (const [dist, src] of [
    [built.node.entry, "index.node.js"],
    [built.node.engine, "engine.node.js"],
    [built.node.devtools, "devtools.node.js"],
  ]) {
    const a = Object.keys(await import(pathToFileURL(dist).href)).sort();
    const b = Object.keys(await import(pathToFileURL(path.join(WWW, "src", src)).href)).sort();
    assert.deepEqual(a, b, rel(dist));
  }
});

test("edgeflag and edgeflag/engine (by package name): one module instance; initWasm() reads the runtime .wasm", async () => {
  const r = await child();
  assert.deepEqual(r.resolved, ["dist/edgeflag.node.js", "dist/engine.node.js", "dist/devtools.node.js"]);
  assert.equal(r.sameEngine, true);
  assert.equal(r.ready, true);
  assert.equal(r.value, true);
  assert.equal(r.explains, false, "the runtime .wasm has no explain");
  assert.ok(r.mainKeys.includes("createClient") && r.engineKeys.includes("Engine"));
});

test("importing edgeflag/devtools too: still one module instance, now with the devtools .wasm", async () => {
  const r = await child("devtools");
  assert.equal(r.sameEngine, true);
  assert.equal(r.ready, true);
  assert.equal(r.explains, true);
  assert.deepEqual(r.devtoolsKeys, r.mainKeys);
});

test("initWasm() in Node from bytes, a file: URL and a file system path", async () => {
  for (const init of ["bytes", "url", "path"]) {
    const r = await child(`init=${init}`);
    assert.equal(r.ready && r.value, true, init);
  }
});

for (const runtime of ["deno", "bun"]) {
  test(`${runtime}: the node conditions give the same entries, one module instance, the devtools switch`, async () => {
    assert.ok(fs.existsSync(bin(runtime)), `node_modules/.bin/${runtime} missing: run npm ci in www/`);
    const r = await childIn(runtime, "devtools");
    assert.deepEqual(r.resolved, ["dist/edgeflag.node.js", "dist/engine.node.js", "dist/devtools.node.js"]);
    assert.equal(r.sameEngine && r.ready && r.value && r.explains, true);
  });
}
