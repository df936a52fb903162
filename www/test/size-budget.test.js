// The size budget (issue #8): what a browser downloads — the .wasm and the JS modules reached from the
// package's browser entry — gzipped at level 9, file by file (as served unbundled), must stay within
// 60 KB. Builds nothing: run scripts/build-wasm.sh first (make test does). Prints the figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 61_440; // bytes, gzip -9: .wasm + browser JS
const WWW = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PKG = join(WWW, "pkg");

// The browser entry of package.json: exports["."].browser (else "browser", "module").
function browserEntry() {
  const pkg = JSON.parse(readFileSync(join(WWW, "package.json"), "utf8"));
  let e = pkg.exports && pkg.exports["."];
  if (e && typeof e === "object") e = e.browser ?? e.default;
  if (typeof e !== "string") e = typeof pkg.browser === "string" ? pkg.browser : pkg.module;
  assert.equal(typeof e, "string", "package.json names no browser entry");
  return join(WWW, e);
}

// Drops comments so that import examples in doc comments do not count (`//` after `:` is a URL).
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/[^\n]*/g, "$1");
}

const IMPORT_RE = /(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"'\n]+)["']|(?:^|[^\w$.])import\s*\(\s*["']([^"'\n]+)["']\s*\)/g;

// Every module reached from `entry` by static and literal dynamic imports. A bare specifier (another
// package) is reported: the browser build must not depend on any (its bytes would escape the budget).
function moduleGraph(entry) {
  const seen = new Set();
  const bare = [];
  const queue = [entry];
  while (queue.length) {
    const f = queue.pop();
    if (seen.has(f)) continue;
    assert.ok(existsSync(f) && statSync(f).isFile(), `imported module missing: ${relative(WWW, f)}`);
    seen.add(f);
    for (const m of stripComments(readFileSync(f, "utf8")).matchAll(IMPORT_RE)) {
      const spec = m[1] || m[2];
      if (spec.startsWith("./") || spec.startsWith("../")) queue.push(resolve(dirname(f), spec));
      else bare.push(`${spec} (in ${relative(WWW, f)})`);
    }
  }
  return { files: [...seen].sort(), bare };
}

function row(file) {
  const bytes = readFileSync(file);
  return { file: relative(WWW, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

test("browser payload (.wasm + JS entry, gzip -9) fits the budget", () => {
  assert.ok(existsSync(PKG), "www/pkg/ is missing: build the wasm package first (scripts/build-wasm.sh)");
  const wasm = readdirSync(PKG).filter((f) => f.endsWith(".wasm")).map((f) => join(PKG, f));
  assert.ok(wasm.length > 0, "no .wasm in www/pkg/: build it first (scripts/build-wasm.sh)");
  const { files, bare } = moduleGraph(browserEntry());
  assert.deepEqual(bare, [], "the browser entry imports other packages");
  assert.ok(files.some((f) => f.startsWith(PKG)), "the browser entry does not reach the wasm-bindgen glue in pkg/");

  const rows = [...wasm, ...files].map(row);
  const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  const js = rows.filter((r) => !r.file.endsWith(".wasm")).reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  const pad = (s, n) => String(s).padStart(n);
  const lines = [
    "browser payload (each file gzip -9):",
    ...rows.map((r) => `  ${r.file.padEnd(28)} ${pad(r.raw, 8)} B raw ${pad(r.gzip, 7)} B gzip`),
    `  ${"JS (entry + imports)".padEnd(28)} ${pad(js.raw, 8)} B raw ${pad(js.gzip, 7)} B gzip`,
    `  ${"total".padEnd(28)} ${pad(total.raw, 8)} B raw ${pad(total.gzip, 7)} B gzip (budget ${BUDGET} B, ${((100 * total.gzip) / BUDGET).toFixed(0)} % used)`,
  ];
  console.log(lines.join("\n"));
  assert.ok(total.gzip <= BUDGET, `browser payload ${total.gzip} B gzip -9 is over the ${BUDGET} B budget by ${total.gzip - BUDGET} B`);
});
