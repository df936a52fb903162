// The regular-expression module (pkg/edgeflag_regex.wasm), loaded on demand (src/regex.js): Node loads it
// from disk the first time a snapshot uses `matches`; a browser-like engine without it refuses such a
// snapshot with a clear problem (and a client keeps its previous snapshot); handles are freed with their
// engines; regex-lite's messages reach the problems exactly as natively. (Chromium: browser.test.js;
// workerd: worker.test.js.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, initWasm, regexReady, mayUseRegex } from "../src/engine.node.js";
import { regexLive } from "../src/regex.js";
import { cli } from "./helpers/demo.js";

const CHILD = fileURLToPath(new URL("./support/regex-child.js", import.meta.url));
const child = (kind) => JSON.parse(execFileSync(process.execPath, [CHILD, kind], { encoding: "utf8", timeout: 60000 }));
const UNAVAILABLE = "`matches` needs edgeflag's regular-expression module, which is not loaded: call initRegex() first";

await initWasm();

const snapshot = (version, when) =>
  JSON.stringify({ schema: 1, version, flags: { f: { variants: { on: true, off: false }, default: "off", rules: [{ when, serve: "on" }] } } });

test("Node: the module is read from disk when a snapshot first uses matches, not before", () => {
  assert.deepEqual(child("node"), { readyBefore: false, readyWithoutMatches: false, readyAfter: true, values: [true, false] });
});

test("browser build without the module: a clear problem at the condition's path; a client keeps its snapshot until it loads", () => {
  const out = child("browser");
  assert.equal(out.name, "SnapshotError");
  assert.deepEqual(out.problems, [{ path: "flags.f.rules[0].when", message: UNAVAILABLE }]);
  assert.equal(out.readyAfterRefusal, false);
  assert.equal(out.refused.status, "failed");
  assert.equal(out.refused.version, 1);
  assert.match(out.refused.error, /flags\.f\.rules\[0\]\.when: `matches` needs edgeflag's regular-expression module/);
  assert.equal(out.refused.value, false, "the bootstrap snapshot (no rule) keeps serving");
  assert.deepEqual(out.loadedLater, { status: "updated", version: 2, value: true });
});

test("browser build: a client whose bootstrap uses matches loads the module it is given first", () => {
  assert.deepEqual(child("bootstrap"), { versionAtOnce: null, version: 3, regexReady: true, value: true });
});

test("browser build: a bootstrap that spells `matches` with an escape waits for the module too", () => {
  assert.deepEqual(child("escaped"), { versionAtOnce: null, version: 3, regexReady: true, value: true });
});

test("mayUseRegex: true for every text that can use matches (escapes included), false for plain ones", () => {
  assert.equal(mayUseRegex('{"op":"matches"}'), true);
  assert.equal(mayUseRegex('{"op":"m\\u0061tches"}'), true);
  assert.equal(mayUseRegex('{"op":"\\u006datches"}'), true);
  assert.equal(mayUseRegex('{"op":"eq","value":"matches"}'), true, "over-approximation: the word as a value");
  assert.equal(mayUseRegex('{"op":"eq","value":"x"}'), false);
  assert.equal(mayUseRegex('{"description":"no matches here"}'), false);
});

test("regex handles are freed with their engines: no leak over many loads", () => {
  const live = regexLive();
  const text = JSON.stringify({
    schema: 1,
    version: 1,
    flags: { f: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "s", op: "matches", values: ["^a", "b$", "c+"] }, serve: "on" }] } },
  });
  for (let i = 0; i < 2000; i++) {
    const e = Engine.fromJSON(text);
    if (i === 0) assert.equal(regexLive(), live + 3);
    assert.equal(e.boolean("f", false, { s: "xxb" }), true);
    e.free();
  }
  assert.equal(regexLive(), live);
  // A refused snapshot frees the regexes it compiled before its problem.
  const bad = snapshot(1, { attr: "s", op: "matches", values: ["^a", "("] });
  assert.throws(() => Engine.fromJSON(bad));
  assert.equal(regexLive(), live);
  assert.equal(regexReady(), true);
});

test("regex-lite's error messages (and the size-limit problem) are the native ones", () => {
  const patterns = ["(", "[a", "a{2,1}", "\\p{Foo}", "(?P<n>a)(?P<n>b)", "a**", "\\", "(?i", "x{1000000}", "((a{50}){50}){50}", "[z-a]", "\\xZZ", "(?<>a)", "é(", "ok+"];
  const flags = {};
  patterns.forEach((p, i) => {
    flags[`f${i}`] = { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "s", op: "matches", value: p, ignoreCase: i % 2 === 1 }, serve: "on" }] };
  });
  const text = JSON.stringify({ schema: 1, version: 1, flags });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflag-regex-"));
  const file = path.join(dir, "s.json");
  fs.writeFileSync(file, text);
  let native;
  try {
    execFileSync(cli(), ["validate", file, "--json"], { encoding: "utf8" });
    assert.fail("the CLI accepted the snapshot");
  } catch (e) {
    native = JSON.parse(e.stdout).problems.filter((p) => p.severity === "error").map(({ path, message }) => ({ path, message }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let wasm;
  try {
    Engine.fromJSON(text);
    assert.fail("the engine accepted the snapshot");
  } catch (e) {
    wasm = e.problems;
  }
  assert.ok(native.length >= 12, `${native.length} problems`);
  assert.ok(native.some((p) => p.message.startsWith("regular expression compiles to more than")), "the size-limit problem");
  assert.deepEqual(wasm, native);
});

// Compiled sizes are regex-lite's estimates, which depend on the pointer width: the regex module is wasm32 as the
// runtime was when it carried regex-lite, so its figures are those of the previous runtime (not native ones).
test("the snapshot's regex budget is charged in the module (wasm32 sizes), with the native message", () => {
  const values = Array.from({ length: 150 }, (_, i) => `(?:a{200}b${i}){1,3}`);
  const problems = assert.throws(() => Engine.fromJSON(snapshot(1, { attr: "s", op: "matches", values })), (e) => {
    assert.equal(e.problems[0].path, "flags.f.rules[0].when.values[64]");
    for (const p of e.problems) {
      assert.match(p.message, /^the regular expressions of this snapshot compile to more than \d+ bytes in all \(this one up to 16384\); the limit is 1048576$/);
    }
    return true;
  });
  assert.equal(problems, undefined);
  assert.equal(Engine.fromJSON(snapshot(1, { attr: "s", op: "matches", values: values.slice(0, 64) })).free(), undefined);
});

test("the package ships the regex module: edgeflag/regex.wasm, no imports; the runtime imports it through src/regex.js", () => {
  const www = fileURLToPath(new URL("..", import.meta.url));
  const pkg = JSON.parse(fs.readFileSync(path.join(www, "package.json"), "utf8"));
  assert.equal(pkg.exports["./regex.wasm"].default, "./pkg/edgeflag_regex.wasm");
  assert.ok(pkg.files.includes("pkg/edgeflag_regex.wasm"));
  const regex = new WebAssembly.Module(fs.readFileSync(path.join(www, "pkg", "edgeflag_regex.wasm")));
  assert.deepEqual(WebAssembly.Module.imports(regex), []);
  const names = WebAssembly.Module.exports(regex).map((e) => e.name);
  for (const n of ["memory", "edgeflag_regex_buf", "edgeflag_regex_compile", "edgeflag_regex_error_ptr", "edgeflag_regex_error_len", "edgeflag_regex_is_match", "edgeflag_regex_free", "edgeflag_regex_live"]) {
    assert.ok(names.includes(n), n);
  }
  for (const file of ["edgeflag_bg.wasm", "edgeflag_devtools_bg.wasm"]) {
    const m = new WebAssembly.Module(fs.readFileSync(path.join(www, "pkg", file)));
    const fromRegexJs = WebAssembly.Module.imports(m).filter((i) => i.module === "./edgeflag_bg.js" && /^__wbg_regex(Compile|Error|IsMatch|Free)_/.test(i.name));
    assert.equal(fromRegexJs.length, 4, `${file} imports the four functions of src/regex.js`);
  }
});
