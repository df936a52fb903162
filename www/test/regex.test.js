// The operators module, first the regular-expression module (pkg/edgeflag_regex.wasm), loaded on demand
// (src/regex.js): Node loads it from disk the first time a snapshot uses `matches`, `semver_*` or `in_cidr`; a
// browser-like engine without it refuses such a snapshot with a clear problem (and a client keeps its previous
// snapshot); handles are freed with their engines; regex-lite's messages, and those of bad versions and CIDR
// blocks, reach the problems exactly as natively. (Chromium: browser.test.js; workerd: worker.test.js.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, initWasm, regexReady, mayUseRegex } from "../src/engine.node.js";
import { regexLive } from "../src/regex.js";
import { cliErrors } from "./helpers/demo.js";

const CHILD = fileURLToPath(new URL("./support/regex-child.js", import.meta.url));
const child = (kind, op = "matches") => JSON.parse(execFileSync(process.execPath, [CHILD, kind, op], { encoding: "utf8", timeout: 60000 }));
const UNAVAILABLE = "`matches` needs edgeflag's regular-expression module, which is not loaded: call initRegex() first";
const OPERATORS_UNAVAILABLE = "`semver_*` and `in_cidr` need edgeflag's operators module (regex.wasm), which is not loaded: call initRegex() first";

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

for (const op of ["semver", "cidr"]) {
  test(`${op}: Node reads the operators module from disk when a snapshot first uses it, and evaluates through it`, () => {
    assert.deepEqual(child("node", op), { readyBefore: false, readyWithoutMatches: false, readyAfter: true, values: [true, false] });
  });

  test(`${op}: the browser build without the module refuses the snapshot at the condition's path; it loads after initRegex`, () => {
    const out = child("browser", op);
    assert.equal(out.name, "SnapshotError");
    assert.deepEqual(out.problems, [{ path: "flags.f.rules[0].when", message: OPERATORS_UNAVAILABLE }]);
    assert.equal(out.readyAfterRefusal, false);
    assert.equal(out.refused.status, "failed");
    assert.equal(out.refused.version, 1);
    assert.ok(out.refused.error.includes(`flags.f.rules[0].when: ${OPERATORS_UNAVAILABLE}`), out.refused.error);
    assert.equal(out.refused.value, false, "the bootstrap snapshot (no rule) keeps serving");
    assert.deepEqual(out.loadedLater, { status: "updated", version: 2, value: true });
  });

  test(`${op}: a browser client's bootstrap waits for the module it is given (also with the operator's name escaped)`, () => {
    assert.deepEqual(child("bootstrap", op), { versionAtOnce: null, version: 3, regexReady: true, value: true });
    assert.deepEqual(child("escaped", op), { versionAtOnce: null, version: 3, regexReady: true, value: true });
  });
}

test("semver and CIDR sets: evaluated in the module as natively, freed with their engines", () => {
  const live = regexLive();
  const text = JSON.stringify({
    schema: 1,
    version: 1,
    flags: {
      v: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "v", op: "semver_lt", values: ["1.0.0-rc.1", "v2.1"] }, serve: "on" }] },
      c: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "ip", op: "in_cidr", values: ["10.0.0.0/8", "192.168.1.7/24", "2001:db8::/32"] }, serve: "on" }] },
      e: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "v", op: "semver_eq", values: [] }, serve: "on" }] },
    },
  });
  for (let i = 0; i < 1000; i++) {
    const e = Engine.fromJSON(text);
    if (i === 0) {
      assert.equal(regexLive(), live + 3);
      const v = (x) => e.boolean("v", false, { v: x });
      assert.deepEqual(["1.0.0-beta", "1.0.0", "2.0.9", "2.1.0", "v2.0", "2.1.0-rc", "x", "01.0.0"].map(v), [true, true, true, false, true, true, false, false]);
      assert.deepEqual(e.boolean("v", false, { v: ["3.0.0", "2.0.0"] }), true, "an array element");
      const c = (x) => e.boolean("c", false, { ip: x });
      assert.deepEqual(["10.255.0.1", "192.168.1.200", "192.168.2.1", "2001:db8::1", "::ffff:10.0.0.1", "10.0.0", "fe80::1%eth0"].map(c), [true, true, false, true, false, false, false]);
      assert.equal(e.boolean("e", true, { v: "1.0.0" }), false, "no operand: no match");
    }
    e.free();
  }
  assert.equal(regexLive(), live);
  // A refused snapshot frees the sets it made before its problem.
  assert.throws(() => Engine.fromJSON(snapshot(1, { attr: "v", op: "semver_gt", values: ["1.0", "1.0.01"] })));
  assert.equal(regexLive(), live);
});

test("bad versions and CIDR blocks: the native problems (paths and messages)", () => {
  const bad = [
    { attr: "v", op: "semver_gte", values: ["2.3", "2.03", "V1", 3, "1.0.0-"] },
    { attr: "v", op: "semver_eq", value: "" },
    { attr: "ip", op: "in_cidr", values: ["10.0.0.0/8", "10.0.0.0/33", "10.0.0.1", true, "2001:db8::/129", "01.2.3.4/8"] },
    { attr: "ip", op: "in_cidr", value: null },
  ];
  const flags = {};
  bad.forEach((when, i) => {
    flags[`f${i}`] = { variants: { on: true, off: false }, default: "off", rules: [{ when, serve: "on" }] };
  });
  const text = JSON.stringify({ schema: 1, version: 1, flags });
  const native = cliErrors(text);
  assert.notEqual(native, null, "the CLI refuses the snapshot");
  const wasm = assert.throws(() => Engine.fromJSON(text), (e) => {
    assert.deepEqual(e.problems, native);
    return true;
  });
  assert.equal(wasm, undefined);
  assert.ok(native.length >= 9, `${native.length} problems`);
});

test("mayUseRegex: true for every text that can use matches (escapes included), false for plain ones", () => {
  assert.equal(mayUseRegex('{"op":"matches"}'), true);
  assert.equal(mayUseRegex('{"op":"m\\u0061tches"}'), true);
  assert.equal(mayUseRegex('{"op":"\\u006datches"}'), true);
  assert.equal(mayUseRegex('{"op":"eq","value":"matches"}'), true, "over-approximation: the word as a value");
  assert.equal(mayUseRegex('{"op":"eq","value":"x"}'), false);
  assert.equal(mayUseRegex('{"description":"no matches here"}'), false);
  assert.equal(mayUseRegex('{"op":"semver_gte"}'), true);
  assert.equal(mayUseRegex('{"op":"semver_eq"}'), true);
  assert.equal(mayUseRegex('{"op":"in_cidr"}'), true);
  assert.equal(mayUseRegex('{"op":"\\u0073emver_lt"}'), true);
  assert.equal(mayUseRegex('{"op":"in_\\u0063idr"}'), true);
  assert.equal(mayUseRegex('{"op":"eq","value":"semver and in_cidr"}'), false);
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
  const native = cliErrors(text);
  assert.notEqual(native, null, "the CLI refuses the snapshot");
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

test("the package ships the regex module: edgeflag/regex.wasm, no imports; the runtime imports it through src/regex.js", async () => {
  const www = fileURLToPath(new URL("..", import.meta.url));
  const pkg = JSON.parse(fs.readFileSync(path.join(www, "package.json"), "utf8"));
  assert.equal(pkg.exports["./regex.wasm"].default, "./pkg/edgeflag_regex.wasm");
  assert.equal(pkg.exports["./operators.wasm"].default, "./pkg/edgeflag_regex.wasm", "the operators module's newer name");
  assert.ok(pkg.files.includes("pkg/edgeflag_regex.wasm"));
  const regex = new WebAssembly.Module(fs.readFileSync(path.join(www, "pkg", "edgeflag_regex.wasm")));
  assert.deepEqual(WebAssembly.Module.imports(regex), []);
  const names = WebAssembly.Module.exports(regex).map((e) => e.name);
  for (const n of ["memory", "edgeflag_regex_buf", "edgeflag_regex_compile", "edgeflag_regex_error_ptr", "edgeflag_regex_error_len", "edgeflag_regex_is_match", "edgeflag_regex_free", "edgeflag_regex_live"]) {
    assert.ok(names.includes(n), n);
  }
  const { IMPORTS, IMPORT_MODULE } = await import("../src/wasm-names.js"); // the short names that ship
  const regexImports = ["__wbg_regexCompile", "__wbg_regexError", "__wbg_regexIsMatch", "__wbg_regexFree"].map((n) => IMPORTS[n]);
  for (const file of ["edgeflag_bg.wasm", "edgeflag_devtools_bg.wasm", "edgeflag_speed_bg.wasm"]) {
    const m = new WebAssembly.Module(fs.readFileSync(path.join(www, "pkg", file)));
    const fromRegexJs = WebAssembly.Module.imports(m).filter((i) => i.module === IMPORT_MODULE && regexImports.includes(i.name));
    assert.equal(fromRegexJs.length, 4, `${file} imports the four functions of src/regex.js`);
  }
});
