// The diagnostics module (pkg/edgeflag_diagnostics.wasm), loaded on demand (src/diagnostics.js): the runtime
// .wasm reports a refused snapshot's problems with their JSON paths and a fixed text; Node reads the module from
// disk on the first refusal and the problems carry their messages, exactly as natively (the CLI) and as the
// devtools build; a browser-build engine without it gives the same paths with the fixed text; a client loads it
// on a refusal and reports the messages. (Chromium: bundle.test.js; workerd: worker.test.js.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCaseFiles } from "./support/cases.js";
import { cliErrors as native } from "./helpers/demo.js";

const CHILD = fileURLToPath(new URL("./support/diagnostics-child.js", import.meta.url));
const child = (kind) => JSON.parse(execFileSync(process.execPath, [CHILD, kind], { encoding: "utf8", timeout: 60000 }));
const LEAN = "refused: load edgeflag's diagnostics module (initDiagnostics()) for the reason";
const BAD_PROBLEMS = [{ path: "flags.f.default", message: 'unknown variant "x" (variants: on, off)' }];

const node = child("node");
const devtools = child("devtools");
const browser = child("browser");

test("Node: the module is read from disk on the first refusal, not before", () => {
  assert.equal(node.readyBefore, false);
  assert.equal(node.readyAfterLoad, false);
  assert.deepEqual(node.problems, BAD_PROBLEMS);
  assert.equal(node.readyAfterRefusal, true);
});

test("every refused case of tests/cases: the problems are the CLI's (no limits) and the devtools build's", () => {
  const cases = loadCaseFiles().flatMap((f) => f.invalid.filter((i) => i.expectErrors.length > 0).map((i) => ({ ...i, name: `${f.file} › ${i.name}` })));
  assert.ok(cases.length >= 40, `${cases.length} refused cases`);
  let viaCli = 0;
  for (const c of cases) {
    const got = node.cases[c.name];
    assert.notEqual(got, "loaded", c.name);
    assert.deepEqual(got, devtools.cases[c.name], `${c.name}: as the devtools build`);
    assert.ok(got.problems.every((p) => p.message !== LEAN), c.name);
    if (!c.limits) {
      assert.deepEqual(got.problems, native(c.snapshotText), `${c.name}: as the CLI`);
      viaCli++;
    }
  }
  assert.ok(viaCli >= 30, `${viaCli} compared with the CLI`);
  assert.equal(devtools.ready, false, "the devtools build has the messages itself");
});

test("a regex error: the module's message is regex-lite's, as the CLI's", () => {
  const text = JSON.stringify({ schema: 1, version: 1, flags: { f: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "s", op: "matches", values: ["^a", "(", "x{1000000}"] }, serve: "on" }] } } });
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", `
    const { Engine, initWasm } = await import(${JSON.stringify(new URL("../src/index.node.js", import.meta.url).href)});
    await initWasm();
    try { Engine.fromJSON(${JSON.stringify(text)}); } catch (e) { process.stdout.write(JSON.stringify(e.problems)); }
  `], { encoding: "utf8" });
  const problems = JSON.parse(out);
  assert.equal(problems.length, 2);
  assert.match(problems[0].message, /^invalid regular expression: /);
  assert.deepEqual(problems, native(text));
});

test("browser build without the module: the same paths, each with the fixed text (the lean runtime's paths are the full build's, but a text that is not JSON is placed at (root))", () => {
  let notJson = 0;
  for (const [name, full] of Object.entries(devtools.cases)) {
    const lean = browser.cases[name];
    assert.notEqual(lean, "loaded", name);
    // The runtime does not parse a refused text again to find where the parser stopped: a duplicate key's
    // object (the only JSON error the full build places below the root) is reported at (root).
    const duplicate = full.problems.length === 1 && /duplicate key /.test(full.problems[0].message);
    if (duplicate) notJson++;
    assert.deepEqual(lean.problems.map((p) => p.path), duplicate ? ["(root)"] : full.problems.map((p) => p.path), name);
    assert.ok(lean.problems.every((p) => p.message === LEAN) || name.startsWith("invalid-limits"), `${name}: ${JSON.stringify(lean.problems)}`);
  }
  assert.ok(notJson > 0, "some refused cases are duplicate keys below the root");
});

test("browser build: a client that cannot load the module reports the paths; one that can, the messages; the held snapshot keeps serving", () => {
  assert.deepEqual(browser.without.problems, [{ path: "flags.f.default", message: LEAN }]);
  assert.equal(browser.without.status, "failed");
  assert.equal(browser.without.version, 1);
  assert.equal(browser.without.ready, false);
  assert.deepEqual(browser.with.problems, BAD_PROBLEMS);
  assert.equal(browser.with.status, "failed");
  assert.equal(browser.with.version, 1);
  assert.match(browser.with.error, /flags\.f\.default: unknown variant "x" \(variants: on, off\)/);
  assert.equal(browser.with.ready, true);
});

test("browser build: a refused bootstrap is reported with its messages once the module is loaded", () => {
  const out = child("bootstrap");
  assert.equal(out.status, "error");
  assert.deepEqual(out.problems, BAD_PROBLEMS);
  assert.match(out.error, /the bootstrap snapshot: flags\.f\.default: unknown variant "x"/);
  assert.equal(out.ready, true);
});

test("the package ships the diagnostics module: edgeflag/diagnostics.wasm, three exports and no imports", () => {
  const file = "pkg/edgeflag_diagnostics.wasm";
  const www = fileURLToPath(new URL("..", import.meta.url));
  const { exports, files } = JSON.parse(fs.readFileSync(path.join(www, "package.json"), "utf8"));
  assert.deepEqual([exports["./diagnostics.wasm"].default, files.includes(file)], [`./${file}`, true]);
  const m = new WebAssembly.Module(fs.readFileSync(path.join(www, file)));
  const ours = WebAssembly.Module.exports(m).map((e) => e.name).filter((n) => n.startsWith("edgeflag_"));
  assert.deepEqual({ imports: WebAssembly.Module.imports(m), exports: ours.sort() }, { imports: [], exports: ["edgeflag_diagnose", "edgeflag_diagnose_buf", "edgeflag_diagnose_out"] });
});
