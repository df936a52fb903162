// The size budget (issue #8): what a browser downloads for `import … from "edgeflag"` — the module named
// by package.json's browser condition (the minified bundle dist/edgeflag.js, rebuilt here from the current
// sources by scripts/bundle.js), every module it imports, and the .wasm it fetches — each gzipped at
// level 9. Two bars: the issue's budget, 60 KB (a `todo` test until it is met: it runs and prints how far
// off it is, without failing the suite), and a ceiling just above what ships today, enforced, so the
// bytes already won stay won (and one for the JS alone). Lower CEILING (JS_CEILING) whenever the payload
// (its JS) shrinks. Needs the wasm build
// (scripts/build-wasm.sh). Prints the figures. Part of `npm test`; alone: `npm run test:size`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bundle } from "../scripts/bundle.js";

const BUDGET = 61_440; // bytes, gzip -9: .wasm + browser JS (issue #8: 60 KB)
const CEILING = 63_980; // bytes, gzip -9: 62.48 KiB; measured 63,972 (wasm 48,976 + JS 14,996) on branch `layout`, the .wasm's function bodies ordered for gzip (tools/wasm-order.js in scripts/build-wasm.sh: −676; docs/wasm-size.md); before, 64,648 (wasm 49,652 + JS 14,996) with session 11's seven branches merged (`ops`, `coldtf`, `bytes3`, `jsb`, `bytes4`, `bytes5`, `jsb2`); branch `jsb2` measured 65,070 (wasm 50,074 + JS 14,996) from 65,229 (the browser entry's engine.js, encode.js and glue trimmed: JS −159; docs/wasm-size.md); before, 64,807 (wasm 49,652 + JS 15,155) with `bytes5` merged too; branch `bytes5` measured 66,050 (wasm 50,894 + JS 15,156) from 66,425, a fourth byte hunt in the load path's modules (push loops for the load's few collected lists, one `json::opt_text` for every optional model string, no `chars().next()`, `Option::as_deref`, `Cow::clone`, `zip` or `filter(..).count()` instances; −375; docs/wasm-size.md); before, 65,229 (wasm 50,074 + JS 15,155) with `bytes4` merged too; branch `bytes4` measured 65,742 (wasm 50,074 + JS 15,668) from 66,925 (wasm 51,269 + JS 15,656), the load's glue as raw exports (`edgeflag_loader_*` and one glue `finish` instead of the class WasmLoader and WasmEngine.fromBytes, `edgeflag_flag_table`, `edgeflag_scratch_ptr`) and the limits as numbers checked by engine.js (no Limits::from_json in the runtime): −1,201 GNU gzip of the runtime .wasm; docs/wasm-size.md; before, 66,425 (wasm 51,269 + JS 15,156) with session 11's four branches merged (`ops`, `coldtf`, `bytes3`, `jsb`); branch `jsb` measured 67,240 (wasm 52,059 + JS 15,181) from 67,742 with the browser JS trimmed again (branch `jsb`: the client's state in createClient's closure, one read path for the client and forContext, plain arguments for internal options; JS −502; docs/wasm-size.md); before, 67,742 (wasm 52,059 + JS 15,683) with `ops` merged; branch `bytes3` measured 69,201 (wasm 53,544 + JS 15,657) from 69,973, a third byte hunt (the glue methods that take and give numbers only as raw exports, Context behind the feature `context`, shared writers in the wasm layer, flagTable packing as eval does: −652 GNU gzip; docs/wasm-size.md); branch `coldtf` measured 69,989 (wasm 54,305 + JS 15,684) from 69,972 (a cold start's load recompiles less: fast_f64, write_string's escapes, the evaluation-steps walk, dependencies' visit and Compiler::slot's index off the load's path, a deliberate +198; no compact-operand scan in the runtime, −181; docs/wasm-size.md); `ops` measured 67,742 with `semver_*` and `in_cidr` in the operators module (branch `ops`: pkg/edgeflag_regex.wasm, now 24,913 B, fetched only for a snapshot that uses `matches`, `semver_*` or `in_cidr`: not counted; the runtime without src/semver.rs and src/cidr.rs, −2,229; mayUseRegex one regular expression over the three names, JS −1; docs/wasm-size.md); before, 69,972 (wasm 54,288 + JS 15,684) with `jsbytes`, `alloc` and `bytes2` merged; before (branch `bytes2` alone), 71,026 (wasm 54,971 + JS 16,055) on branch `bytes2`, a second byte hunt (LLVM's inline threshold 10 for the crate's LTO, −252 GNU gzip; plain loops instead of iterator adaptors, consuming iterators and in-place collections on the load's cold paths, −3,123 GNU gzip; docs/wasm-size.md); before, 73,284 (wasm 57,600 + JS 15,684) with `jsbytes` and `alloc` merged; before, 73,655 (wasm 57,600 + JS 16,055) with the heap starting in the initial memory's unused end (__heap_base: 64 KiB less wasm memory, a deliberate +35); before, 73,620 (wasm 57,565 + JS 16,055) with the wasm build's own allocator instead of talc (src/heap.rs: size classes cut from 4 KiB chunks, an address-ordered coalescing list, a bump pointer over memory.grow; same memory, −703); before (branch `jsbytes` alone), 73,952 (wasm 58,268 + JS 15,684) with the browser JS trimmed (branch `jsbytes`: the glue without the pieces engine.js never reaches, GLUE_TRIMS in scripts/bundle.js, −239; internal names of the flag facts, the encoding plan and the glue's objects mangled, one result builder for the engine and the client: −371 in all); before, 74,323 (wasm 58,268 + JS 16,055) in review: the host's limits read by one Limits::from_host (Engine::from_host and the wasm loader had each written the same match, −35); before, 74,358 (wasm 58,303 + JS 16,055) with session 9's branches merged: load problems' messages on demand (`lean`: the runtime .wasm reports each error's path with a fixed text; pkg/edgeflag_diagnostics.wasm, 95,023 B, fetched only when a snapshot is refused: not counted), no tree parser in the runtime (Reader::tree; a text that is not JSON placed at (root)), a byte hunt (`bytes`: byte loops for core's character searcher, a compact XXH3, two exports fewer, no 128-bit multiplies, rustc's MIR inliner for the edgeflag crate), and the signature checks on demand (dist/verify-<hash>.js, imported by a client with publicKeys only: not counted); branch figures: `bytes` 82,208 (wasm 65,888 + JS 16,320), `lean` 80,694 (wasm 63,945 + JS 16,749), the signature checks 84,644 (wasm 69,034 + JS 15,610); before, before, 85,347 (wasm 69,034 + JS 16,313) in review: the flag index's hash through bucket's XXH3 paths for 4–16 bytes (no second copy; in wasm the 128-bit product without __multi3, −63); before, 85,410 (wasm 69,097 + JS 16,313) with `condsplit` merged (condition::compile's common conditions on a short path: warm S3 load −3.4 % instructions, a cold start's load recompiles 19.9 KB instead of 21.8 KB; a deliberate +372); before, 85,038 (wasm 68,725 + JS 16,313) with the character of a JSON syntax error's message written as a code point beyond printable ASCII (no Unicode tables: −3,027) and mayUseRegex (+33); before, 88,032 (wasm 71,752 + JS 16,280) with `coldload` merged too (has_duplicate's common case and the flag index's hash kept small: a cold start's load recompiles 21.8 KB instead of 24.3 KB, a deliberate +168); before, 87,864 (wasm 71,584 + JS 16,280) with `payloadtrim` merged too (own substring search in wasm, no Result exports, fewer exports; its branch measured 87,313 from 88,482); before, 88,944 (wasm 72,561 + JS 16,383) with `keyfast` merged too (whitespace skipped with the next byte read once); before, 89,006 (wasm 72,623 + JS 16,383) with `lazyregex` and `coldsplit` merged (the per-flag load functions' rarely-run parts out of line: a deliberate +524 here for a cold start's load recompiling 24.2 KB instead of 31.8 KB; docs/wasm-size.md); before, 88,482 (wasm 72,099 + JS 16,383) with regex-lite out of the runtime (pkg/edgeflag_regex.wasm, 22,887 B, fetched only for a snapshot that uses `matches`: not counted; docs/wasm-size.md); before, 105,545 (wasm 89,804 + JS 15,741) after review (one append_pairs, taking the list by reference, instead of two); before, 105,768 (wasm 90,027 + JS 15,741) with the three branches of session 7 merged (and Matcher::test_value taken out in review, +16) (-ocimfs 20 −3,103; the S3 load's fewer allocations, a deliberate +866 for 17 % fewer wasm instructions per load; the raw eval entry and in-place hashing, a deliberate +326 for −10 % S2 instructions; docs/wasm-size.md); before, 103,935 (wasm 88,211 + JS 15,724) with wasm-opt keeping large functions out of their one caller (-ocimfs 20: a cold start's load recompiles less; docs/wasm-size.md); before, 107,038 (wasm 91,314 + JS 15,724) with #[optimize(speed)] on the wasm evaluation hot path (and the window/prerequisite shortcuts in Plan, +34) and the load's hot path free of calls to trivial std generics (docs/wasm-size.md); before, 107,110 (wasm 91,386 + JS 15,724) with the chunked load (WasmLoader: the S3 snapshot retains 2.15× its JSON instead of 3.45×) and load messages without core::fmt: re-measure and lower
// The JS alone (the bundle and what it imports), so that bytes won in the JS stay won whatever the .wasm
// does: measured 14,996 B on branch `jsb2` (GLUE_TRIMS: the glue's strings from wasm through one takeString (−41), the imports'
// strings into wasm through one putString and bucket() without its catch (−51), getDataViewMemory0's plain test (−18),
// __destroy_into_raw inlined (−10); MemoryViews' fields and plan._minCap mangled (−20), the flag facts' fields too (−15),
// MemoryViews#_bytes and grown() (−4)); before, 15,155 B with `bytes4` merged too (the load's glue as raw exports, −190 GNU gzip; the limits checked in engine.js, +201:
// docs/wasm-size.md); before, 15,156 B with `bytes3` and `jsb` merged; branch `jsb` measured 15,181 B from 15,683 with the client's state in createClient's closure instead of a class's private fields (−266), one
// typed-read and one full-result path for the client and its forContext evaluator (−68), ensureWasm through initWasm's own start
// (−28), internal options as plain arguments (−54), the options' state as constants (−26), small cuts in client.js, cache.js and
// changes.js (−69), the state getters by Object.defineProperties (+9: a literal's accessors keep V8's dictionary mode); before,
// 15,683 B; branch `bytes3` measured 15,657 B with four glue methods fewer (evalBound, evalAll, WasmContext#ptr and #commit as raw exports);
// before, 15,683 B with the operators module (mayUseRegex a regular expression over `matches`, `semver_*`
// and `in_cidr`, no longer two includes(); the two changed imports' glue: −1 in all); before, 15,684 B with the glue trimmed at bundling (GLUE_TRIMS in scripts/bundle.js: −239), the glue's
// __wbg_ptr, __wrap and __destroy_into_raw mangled (−30) and small cuts in engine.js, encode.js and client.js (−102); before, 16,055 B with session 9's branches merged (src/diagnostics.js and the client's load of it on a refusal, +436;
// the signature checks in an on-demand chunk, −703; a bound context's details through detailJson, no flagJson export, +7);
// before, 16,313 B with mayUseRegex (a text with a \u escape loads the regex module too); before, 16,280 B with fromBytes giving undefined and loadError() the problems (no JsError glue, no
// constructor, no eval method); before, 16,383 B with src/regex.js (the regex module's loader and the runtime's four imports of it) and the
// client's wait for it before a `matches` snapshot; before, 15,741 B, and 15,724 B (esbuild + terser, internal property
// names mangled, the glue's async init unused; the chunked loader's JS side included).
const JS_CEILING = 15_000;
const WWW = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WASM = join(WWW, "pkg", "edgeflag_bg.wasm");
// The operators (regular-expression) module: fetched by default too, but only for a snapshot that uses `matches`,
// `semver_*` or `in_cidr` (src/regex.js):
// printed as an on-demand download, not counted in the payload.
const REGEX_WASM = join(WWW, "pkg", "edgeflag_regex.wasm");
// The diagnostics module (the messages of a refused snapshot's problems, src/diagnostics.js): likewise on demand.
const DIAGNOSTICS_WASM = join(WWW, "pkg", "edgeflag_diagnostics.wasm");

// The browser entry of package.json: exports["."].browser (else "browser").
function browserEntry() {
  const pkg = JSON.parse(readFileSync(join(WWW, "package.json"), "utf8"));
  let e = pkg.exports && pkg.exports["."];
  if (e && typeof e === "object") e = e.browser ?? e.default;
  if (typeof e !== "string") e = pkg.browser;
  assert.equal(typeof e, "string", "package.json names no browser entry");
  return join(WWW, e);
}

// Static imports (m[1]) and literal dynamic imports (m[2]) of a module (minified or not: the bundle has no
// comments, and its string literals hold no import statements). A static import is downloaded with the module
// that holds it; a dynamic one is a chunk the code fetches when a feature needs it (the signature checks,
// dist/verify-<hash>.js, for clients with publicKeys): printed as on demand, not counted, like the regex module.
const IMPORT_RE = /(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"'\n]+)["']|(?:^|[^\w$.])import\s*\(\s*["']([^"'\n]+)["']\s*\)/g;
// The .wasm URL the glue fetches by default, relative to the module holding it.
const WASM_URL_RE = /new URL\(\s*["']([^"']+\.wasm)["']\s*,\s*import\.meta\.url\s*\)/g;

// Every module reached from `entry` by static imports, every .wasm they fetch by default, and the chunks they
// import on demand (with everything those reach in turn, which must not be a module of the entry: the chunk
// would then not be on demand). A bare specifier (another package) is reported: the browser build must not
// depend on any (its bytes would escape the budget).
function downloads(entry) {
  const walk = (start) => {
    const seen = new Set();
    const wasm = new Set();
    const dynamic = new Set();
    const bare = [];
    const queue = [start];
    while (queue.length) {
      const f = queue.pop();
      if (seen.has(f)) continue;
      assert.ok(existsSync(f) && statSync(f).isFile(), `imported module missing: ${relative(WWW, f)}`);
      seen.add(f);
      const src = readFileSync(f, "utf8");
      for (const m of src.matchAll(IMPORT_RE)) {
        const spec = m[1] || m[2];
        if (!(spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/"))) bare.push(`${spec} (in ${relative(WWW, f)})`);
        else if (m[1]) queue.push(resolve(dirname(f), spec));
        else dynamic.add(resolve(dirname(f), spec));
      }
      for (const m of src.matchAll(WASM_URL_RE)) wasm.add(resolve(dirname(f), m[1]));
    }
    return { modules: [...seen].sort(), wasm: [...wasm].sort(), dynamic: [...dynamic].sort(), bare };
  };
  const main = walk(entry);
  const lazy = main.dynamic.map(walk);
  for (const l of lazy) {
    assert.ok(l.modules.every((f) => !main.modules.includes(f)), `the on-demand chunk ${relative(WWW, l.modules[0])} reaches a module of the entry`);
    assert.deepEqual(l.wasm, [], "an on-demand chunk fetches no .wasm");
  }
  return { ...main, lazy: lazy.flatMap((l) => l.modules).sort(), bare: [...main.bare, ...lazy.flatMap((l) => l.bare)] };
}

function row(file) {
  const bytes = readFileSync(file);
  return { file: relative(WWW, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

let payload;
before(async () => {
  assert.ok(existsSync(WASM), "www/pkg/edgeflag_bg.wasm is missing: build the wasm package first (scripts/build-wasm.sh)");
  await bundle();
  payload = measure();
});

function measure() {
  const { modules, wasm, bare, lazy } = downloads(browserEntry());
  assert.deepEqual(bare, [], "the browser entry imports other packages");
  assert.deepEqual(wasm, [WASM, DIAGNOSTICS_WASM, REGEX_WASM], "the browser entry fetches pkg/edgeflag_bg.wasm (and, on demand, pkg/edgeflag_regex.wasm and pkg/edgeflag_diagnostics.wasm) by default");
  assert.ok(modules.every((f) => !f.startsWith(join(WWW, "src"))), "the browser entry is the bundle, not the unbundled sources");

  const rows = [WASM, ...modules].map(row);
  const regex = row(REGEX_WASM);
  const diagnostics = row(DIAGNOSTICS_WASM);
  const sum = (rs) => rs.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  const total = sum(rows);
  const js = sum(rows.filter((r) => !r.file.endsWith(".wasm")));
  const pad = (s, n) => String(s).padStart(n);
  const lines = [
    "browser payload (each file gzip -9):",
    ...rows.map((r) => `  ${r.file.padEnd(28)} ${pad(r.raw, 8)} B raw ${pad(r.gzip, 7)} B gzip`),
    `  ${"JS (entry + imports)".padEnd(28)} ${pad(js.raw, 8)} B raw ${pad(js.gzip, 7)} B gzip`,
    `  ${"total".padEnd(28)} ${pad(total.raw, 8)} B raw ${pad(total.gzip, 7)} B gzip`,
    `  on demand, not counted (a snapshot that uses \`matches\`, \`semver_*\` or \`in_cidr\`): ${regex.file} ${regex.raw} B raw ${regex.gzip} B gzip`,
    ...lazy.map(row).map((r) => `  on demand, not counted (a client with publicKeys): ${r.file} ${r.raw} B raw ${r.gzip} B gzip`),
    `  on demand, not counted (a refused snapshot's messages): ${diagnostics.file} ${diagnostics.raw} B raw ${diagnostics.gzip} B gzip`,
    `  budget ${BUDGET} B: ${((100 * total.gzip) / BUDGET).toFixed(0)} % used; ceiling ${CEILING} B: ${CEILING - total.gzip} B to spare`,
    `  JS ceiling ${JS_CEILING} B: ${JS_CEILING - js.gzip} B to spare`,
  ];
  console.log(lines.join("\n"));
  return { ...total, js };
}

test("browser payload (.wasm + JS entry, gzip -9) stays under the ceiling of what ships today", () => {
  assert.ok(payload.gzip <= CEILING, `browser payload ${payload.gzip} B gzip -9 is over the ${CEILING} B ceiling by ${payload.gzip - CEILING} B`);
});

test("the browser payload's JS (entry + imports, gzip -9) stays under its ceiling", () => {
  assert.ok(payload.js.gzip <= JS_CEILING, `browser JS ${payload.js.gzip} B gzip -9 is over the ${JS_CEILING} B ceiling by ${payload.js.gzip - JS_CEILING} B`);
});

test("browser payload (.wasm + JS entry, gzip -9) fits the 60 KB budget", { todo: "issue #8: not met yet" }, () => {
  assert.ok(payload.gzip <= BUDGET, `browser payload ${payload.gzip} B gzip -9 is over the ${BUDGET} B budget by ${payload.gzip - BUDGET} B`);
});
