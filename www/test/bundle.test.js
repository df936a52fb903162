// The browser bundle (dist/, built here by scripts/bundle.js from the current sources): it must behave as
// the modules it is built from. In Node: every conformance case through the bundle's Engine. In Chromium:
// a page imports the bundle and both browser entries, the wasm is fetched from the bundle's default URL
// (../pkg/edgeflag_bg.wasm), and a client loads a snapshot over HTTP and evaluates; the on-demand chunks
// (the signature checks, the JS of the operators and diagnostics modules) are fetched only when needed.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bundle, BUNDLE, ENGINE_BUNDLE, DEVTOOLS_BUNDLE, GLUE_TRIMS, trimmedGlue } from "../scripts/bundle.js";
import { renameGlue } from "../../tools/wasm-names.js";
import { loadCaseFiles, runCase, jsonEqual } from "./support/cases.js";
import { CHROMIUM, WWW, launchChromium } from "./helpers/demo.js";

let lib;
let built;
before(async () => {
  built = await bundle();
  lib = await import(pathToFileURL(BUNDLE).href);
  await lib.initWasm(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_bg.wasm")));
  await lib.initRegex(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_regex.wasm")));
});

test("package.json's browser conditions name the bundle", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(WWW, "package.json"), "utf8"));
  const rel = (f) => `./${path.relative(WWW, f)}`;
  assert.equal(pkg.browser, rel(BUNDLE));
  assert.equal(pkg.exports["."].browser, rel(BUNDLE));
  assert.equal(pkg.exports["./engine"].browser, rel(ENGINE_BUNDLE));
  assert.equal(pkg.exports["./devtools"].browser, rel(DEVTOOLS_BUNDLE));
  assert.ok(pkg.files.includes("dist/"), "dist/ is published");
});

test("the bundle imports nothing (but its on-demand chunks) and exports what src/index.js exports", async () => {
  assert.deepEqual(built.imports, [], "esbuild's metafile lists no import of the bundle but its on-demand chunks");
  assert.deepEqual(built.lazy.map((f) => path.basename(f).replace(/-[A-Z0-9]+\.js$/, "")), ["diagnose", "operators", "verify"],
    "the on-demand chunks: the JS of the diagnostics and operators modules, the signature checks");
  for (const name of ["diagnose", "operators", "verify"]) {
    assert.match(fs.readFileSync(BUNDLE, "utf8"), new RegExp(`import\\("\\./${name}-[A-Z0-9]+\\.js"\\)`), `${name}: imported with import(), beside the bundle`);
  }
  assert.doesNotMatch(fs.readFileSync(BUNDLE, "utf8"), /crypto\.subtle/, "no signature code in the bundle itself");
  assert.doesNotMatch(fs.readFileSync(BUNDLE, "utf8"), /edgeflag_regex_compile|edgeflag_diagnose_buf/, "nor the operators' and diagnostics' instance code");
  const src = fs.readFileSync(BUNDLE, "utf8");
  assert.match(src, /new URL\("\.\.\/pkg\/edgeflag_bg\.wasm",import\.meta\.url\)/);
  const mod = await import(pathToFileURL(path.join(WWW, "src", "index.js")).href);
  assert.deepEqual(Object.keys(lib).sort(), Object.keys(mod).sort());
  const engine = await import(pathToFileURL(ENGINE_BUNDLE).href);
  const engineSrc = await import(pathToFileURL(path.join(WWW, "src", "engine.js")).href);
  assert.deepEqual(Object.keys(engine).sort(), Object.keys(engineSrc).sort());
  assert.equal(engine.Engine, lib.Engine, "one module instance for both entries");
});

test("the bundle's initRegexSync and initDiagnosticsSync throw while their on-demand JS is not loaded; initRegex and initDiagnostics fetch it with the module", async () => {
  const fresh = await import(`${pathToFileURL(BUNDLE).href}?sync`); // a module instance of its own
  await fresh.initWasm(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_bg.wasm")));
  const bytes = fs.readFileSync(path.join(WWW, "pkg", "edgeflag_diagnostics.wasm"));
  for (const f of [() => fresh.initDiagnosticsSync(bytes), () => fresh.initRegexSync(new WebAssembly.Module(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_regex.wasm"))))]) {
    assert.throws(f, /the browser bundle loads the JS of the operators and diagnostics modules on demand: await initRegex\(module\) or initDiagnostics\(module\)/);
  }
  assert.equal(fresh.diagnosticsReady(), false);
  const bad = JSON.stringify({ schema: 1, version: 5, flags: { f: { variants: { on: true, off: false }, default: "x" } } });
  assert.throws(() => fresh.Engine.fromJSON(bad), (e) => e.problems[0].message.startsWith("refused: load edgeflag's diagnostics module"));
  await fresh.initDiagnostics(bytes);
  assert.equal(fresh.diagnosticsReady(), true);
  fresh.initDiagnosticsSync(bytes); // loaded: returns at once
  assert.throws(() => fresh.Engine.fromJSON(bad), (e) => e.problems[0].message === 'unknown variant "x" (variants: on, off)');
  // Two bundle instances (as dist/edgeflag.js and dist/devtools.js in one page) share the chunks, not their state:
  // each runtime's operators instance copies from its own memory.
  await fresh.initRegex(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_regex.wasm")));
  const snap = (pattern) => JSON.stringify({ schema: 1, version: 1, flags: { m: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "email", op: "matches", value: pattern }, serve: "on" }] } } });
  const a = lib.Engine.fromJSON(snap("@a\\.example$"));
  const b = fresh.Engine.fromJSON(snap("@b\\.example$"));
  for (let i = 0; i < 3; i++) {
    assert.deepEqual([a.boolean("m", false, { email: "x@a.example" }), a.boolean("m", true, { email: "x@b.example" })], [true, false]);
    assert.deepEqual([b.boolean("m", false, { email: "x@b.example" }), b.boolean("m", true, { email: "x@a.example" })], [true, false]);
  }
  a.free();
  b.free();
});

test("the bundles leave out the glue's unused pieces (GLUE_TRIMS), and refuse a glue of another shape", () => {
  const glue = fs.readFileSync(path.join(WWW, "pkg", "edgeflag.js"), "utf8");
  const trimmed = trimmedGlue(glue);
  const froms = GLUE_TRIMS.map((t) => renameGlue(t.from)); // the texts as the glue holds them: with the wasm's short names
  for (const from of froms) assert.ok(!trimmed.includes(from));
  assert.ok(trimmed.length < glue.length);
  for (const f of [BUNDLE, DEVTOOLS_BUNDLE, built.node.engine]) {
    const src = fs.readFileSync(f, "utf8");
    assert.doesNotMatch(src, /deprecated parameters|encodeInto=function|expected instance of|Symbol\.dispose/, path.basename(f));
  }
  // Every piece must be found exactly once: a glue without one (or with it twice) stops the build.
  for (const from of froms) {
    assert.throws(() => trimmedGlue(glue.replace(from, "")), /www\/pkg\/edgeflag\.js changed shape/);
    assert.throws(() => trimmedGlue(glue + from), /changed shape/);
  }
});

test("dist/devtools.js: its own bundle of src/devtools.js, defaulting to the devtools .wasm; explain works", async () => {
  const src = fs.readFileSync(DEVTOOLS_BUNDLE, "utf8");
  assert.match(src, /new URL\("\.\.\/pkg\/edgeflag_devtools_bg\.wasm",import\.meta\.url\)/);
  const dev = await import(pathToFileURL(DEVTOOLS_BUNDLE).href);
  const mod = await import(pathToFileURL(path.join(WWW, "src", "devtools.js")).href);
  assert.deepEqual(Object.keys(dev).sort(), Object.keys(mod).sort());
  await dev.initWasm(fs.readFileSync(path.join(WWW, "pkg", "edgeflag_devtools_bg.wasm")));
  const e = dev.Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { on: true }, default: "on" } } });
  assert.equal(typeof e.explain("f", { key: "u" }), "object");
  e.free();
  const r = lib.Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { on: true }, default: "on" } } });
  assert.throws(() => r.explain("f", {}), /edgeflag\/devtools/, "the runtime bundle's engine");
  r.free();
});

test("conformance cases through the bundle", () => {
  const files = loadCaseFiles();
  assert.ok(files.length > 0);
  let ran = 0;
  for (const f of files) {
    if (f.cases.length === 0) continue;
    const engine = lib.Engine.fromJSON(f.snapshotText);
    try {
      for (const c of f.cases) {
        const r = runCase(engine, c, jsonEqual);
        if (c.lossy) continue;
        assert.deepEqual(r.mismatches, [], `${f.file}: ${c.name}`);
        ran++;
      }
    } finally {
      engine.free();
    }
  }
  assert.ok(ran > 50, `ran ${ran} cases`);
});

const SNAPSHOT = JSON.stringify({
  schema: 1,
  version: 3,
  flags: {
    banner: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "country", op: "eq", value: "DE" }, serve: "on" }] },
    color: { variants: { red: "red", blue: "blue" }, default: "blue" },
  },
});
// A snapshot that uses `semver_gte` and `in_cidr`: the client fetches the operators (regular-expression) module
// first; then one that uses `matches`, evaluated by the same module (not fetched again).
const REGEX_SNAPSHOT = JSON.stringify({
  schema: 1,
  version: 4,
  flags: {
    staff: { variants: { on: true, off: false }, default: "off", rules: [{ when: { all: [{ attr: "app", op: "semver_gte", value: "2.3" }, { attr: "ip", op: "in_cidr", value: "10.0.0.0/8" }] }, serve: "on" }] },
  },
});
const MATCHES_SNAPSHOT = JSON.stringify({
  schema: 1,
  version: 6,
  flags: {
    staff: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "email", op: "matches", value: "@example\\.com$", ignoreCase: true }, serve: "on" }] },
  },
});

// A signed snapshot for a client with publicKeys (the page's third client): the client then imports the
// signature checks, the bundle's on-demand chunk (dist/verify-<hash>.js), which the others never fetch.
const SIGNED_SNAPSHOT = JSON.stringify({ schema: 1, version: 5, flags: { signed: { variants: { on: true }, default: "on" } } });
const b64 = (u8) => Buffer.from(u8).toString("base64");
async function signed() {
  const ED = { name: "Ed25519" };
  const kp = await crypto.subtle.generateKey(ED, true, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  const sig = new Uint8Array(await crypto.subtle.sign(ED, kp.privateKey, new TextEncoder().encode(SIGNED_SNAPSHOT)));
  return { publicKeys: [{ keyId: "k1", key: b64(raw) }], sig: JSON.stringify({ signatures: [{ alg: "Ed25519", keyId: "k1", sig: b64(sig) }] }) };
}
// A refused snapshot: the client fetches the diagnostics module for its problems' messages.
const BAD_SNAPSHOT = JSON.stringify({ schema: 1, version: 5, flags: { f: { variants: { on: true, off: false }, default: "x" } } });
const LEAN = "refused: load edgeflag's diagnostics module (initDiagnostics()) for the reason";

// Serves www/ (dist/, pkg/), a test page and the snapshot.
function serve(keys) {
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
    import { createClient, Engine } from "/dist/edgeflag.js";
    import { Engine as Engine2, wasmReady, regexReady, diagnosticsReady } from "/dist/engine.js";
    try {
      const client = await createClient({ url: "/snapshot.json", refreshInterval: 0, storage: false }).ready();
      const ctx = { key: "u1", country: "DE" };
      const regexBefore = regexReady();
      const staff = await createClient({ url: "/regex.json", refreshInterval: 0, storage: false }).ready();
      const matching = await createClient({ url: "/matches.json", refreshInterval: 0, storage: false }).ready();
      let lean = null;
      try { Engine.fromJSON(${JSON.stringify(BAD_SNAPSHOT)}); } catch (e) { lean = e.problems; }
      const diagnosticsBefore = diagnosticsReady();
      const refused = await createClient({ url: "/bad.json", refreshInterval: 0, storage: false, retries: 0 }).ready({ timeout: 10000 }).then(() => null, (e) => e.problems);
      const result = { banner: client.boolean("banner", false, ctx), color: client.string("color", "none", ctx),
        version: client.version, sameEngine: Engine === Engine2, ready: wasmReady(), regexBefore, regexAfter: regexReady(),
        staff: [staff.version, staff.boolean("staff", false, { key: "u2", app: "2.3.1", ip: "10.2.3.4" }), staff.boolean("staff", true, { key: "u3", app: "2.3.0-rc.1", ip: "10.2.3.4" })],
        matching: [matching.version, matching.boolean("staff", false, { key: "u2", email: "Ann@EXAMPLE.com" }), matching.boolean("staff", true, { key: "u3", email: "bob@example.org" })],
        lean, diagnosticsBefore, refused, diagnosticsAfter: diagnosticsReady() };
      window.beforeSigned = performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname);
      const signed = await createClient({ url: "/signed.json", refreshInterval: 0, storage: false, publicKeys: ${JSON.stringify(keys.publicKeys)} }).ready();
      const forged = createClient({ url: "/forged.json", refreshInterval: 0, storage: false, publicKeys: ${JSON.stringify(keys.publicKeys)} });
      const forgedResult = await forged.refresh();
      result.signed = [signed.version, signed.boolean("signed", false, {}), forgedResult.status, forgedResult.error && forgedResult.error.kind, forged.version];
      window.result = result; // last: the test reads it as soon as it is set
    } catch (e) { window.result = { error: String(e && e.stack || e) }; }
  </script>`;
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    requests.push(url.pathname);
    if (url.pathname === "/bad.json") return res.writeHead(200, { "content-type": "application/json" }).end(BAD_SNAPSHOT);
    if (url.pathname === "/regex.json") return res.writeHead(200, { "content-type": "application/json" }).end(REGEX_SNAPSHOT);
    if (url.pathname === "/matches.json") return res.writeHead(200, { "content-type": "application/json" }).end(MATCHES_SNAPSHOT);
    if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
    if (url.pathname === "/snapshot.json") return res.writeHead(200, { "content-type": "application/json" }).end(SNAPSHOT);
    if (url.pathname === "/signed.json") return res.writeHead(200, { "content-type": "application/json" }).end(SIGNED_SNAPSHOT);
    if (url.pathname === "/forged.json") return res.writeHead(200, { "content-type": "application/json" }).end(SIGNED_SNAPSHOT.replace('"version":5', '"version":6'));
    if (url.pathname === "/signed.json.sig" || url.pathname === "/forged.json.sig") return res.writeHead(200, { "content-type": "application/json" }).end(keys.sig);
    const file = path.join(WWW, path.normalize(url.pathname));
    if (!file.startsWith(WWW + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" }).end(fs.readFileSync(file));
  });
  server.requests = requests;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("Chromium: the bundle fetches the wasm from its default URL and evaluates (the operators module only for a semver_gte/in_cidr or matches snapshot, the diagnostics module only on a refusal, the signature checks only for a client with publicKeys)", { skip: fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, async (t) => {
  const server = await serve(await signed());
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.result !== undefined);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(errors, []);
  assert.deepEqual(result, {
    banner: true, color: "blue", version: 3, sameEngine: true, ready: true, regexBefore: false, regexAfter: true, staff: [4, true, false], matching: [6, true, false],
    // Engine.fromJSON without the diagnostics module: the paths with the fixed text; the client fetches the
    // module on the refusal and reports the messages.
    lean: [{ path: "flags.f.default", message: LEAN }], diagnosticsBefore: false,
    refused: [{ path: "flags.f.default", message: 'unknown variant "x" (variants: on, off)' }], diagnosticsAfter: true,
    signed: [5, true, "failed", "signature", null],
  });
  const lazy = built.lazy.map((f) => `/${path.relative(WWW, f)}`).filter((f) => f.startsWith("/dist/verify-"));
  assert.equal(lazy.length, 1, "one on-demand chunk of the signature checks");
  const beforeSigned = await page.evaluate(() => window.beforeSigned);
  assert.ok(beforeSigned.includes("/dist/edgeflag.js") && !beforeSigned.some((p) => p.startsWith("/dist/verify-")), "clients without publicKeys do not fetch the signature checks");
  assert.deepEqual(server.requests.filter((p) => p.startsWith("/dist/verify-")), lazy, "fetched once, by the clients with publicKeys");
  const wasm = server.requests.filter((p) => p.endsWith(".wasm"));
  assert.deepEqual(wasm, ["/pkg/edgeflag_bg.wasm", "/pkg/edgeflag_regex.wasm", "/pkg/edgeflag_diagnostics.wasm"], "each module fetched once, the operators one after /regex.json (semver_gte, in_cidr), the diagnostics one after /bad.json");
  assert.ok(server.requests.indexOf("/pkg/edgeflag_regex.wasm") > server.requests.indexOf("/regex.json"));
  assert.ok(server.requests.indexOf("/pkg/edgeflag_diagnostics.wasm") > server.requests.indexOf("/bad.json"));
  // The JS of the operators and diagnostics modules: on-demand chunks, each fetched once, with its module.
  for (const [name, after] of [["operators", "/regex.json"], ["diagnose", "/bad.json"]]) {
    const chunk = built.lazy.map((f) => `/${path.relative(WWW, f)}`).filter((f) => f.startsWith(`/dist/${name}-`));
    assert.equal(chunk.length, 1, name);
    assert.deepEqual(server.requests.filter((p) => p === chunk[0]), chunk, `${name}: fetched once`);
    assert.ok(server.requests.indexOf(chunk[0]) > server.requests.indexOf(after), `${name}: fetched after ${after}`);
  }
});
