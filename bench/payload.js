// What a browser downloads for each library: the browser entry's JS module graph (followed through
// `import`, `export … from`, `import()` and `require()`, resolved with the "browser", "import", "module"
// and "default" conditions) plus the .wasm it fetches, each file gzipped at level 9 on its own (as served
// unbundled; a bundler's output is at most a few percent smaller). Unminified files count as shipped.
// edgeflag's browser entry is its minified bundle (www/dist/edgeflag.js), rebuilt first by the package's
// own scripts/bundle.js (the same figure as www/test/size-budget.test.js).
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
const NM = join(HERE, "node_modules");
const WWW = resolve(HERE, "../www");
const CONDITIONS = ["browser", "import", "module", "default"];

function pickExport(e) {
  if (typeof e === "string") return e;
  if (Array.isArray(e)) return pickExport(e[0]);
  if (e && typeof e === "object") {
    for (const c of CONDITIONS) if (c in e) return pickExport(e[c]);
  }
  return null;
}

function packageEntry(pkgDir, subpath) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (pkg.exports) {
    const ex = typeof pkg.exports === "string" || !Object.keys(pkg.exports).some((k) => k.startsWith(".")) ? { ".": pkg.exports } : pkg.exports;
    const t = pickExport(ex[subpath]);
    if (t) return join(pkgDir, t);
  }
  if (subpath !== ".") return join(pkgDir, subpath);
  const b = typeof pkg.browser === "string" ? pkg.browser : null;
  return join(pkgDir, b || pkg.module || pkg.main || "index.js");
}

function asFile(p) {
  for (const c of [p, `${p}.js`, `${p}.mjs`, `${p}.cjs`, `${p}.json`, join(p, "index.js"), join(p, "index.mjs")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

function resolveSpec(spec, from) {
  if (spec.startsWith("node:")) return null;
  if (spec.startsWith(".") || spec.startsWith("/")) {
    const f = asFile(resolve(dirname(from), spec));
    if (f) return f;
    // a package folder (e.g. "./" with a package.json)
    const dir = resolve(dirname(from), spec);
    if (existsSync(join(dir, "package.json"))) return asFile(packageEntry(dir, "."));
    return null;
  }
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const sub = spec.slice(name.length);
  // node_modules lookup from the importing file upward
  let dir = dirname(from);
  for (;;) {
    const cand = join(dir, "node_modules", name);
    if (existsSync(join(cand, "package.json"))) return asFile(packageEntry(cand, sub ? `.${sub}` : "."));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

const IMPORT_RE = /(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"'\n]+)["']|(?:^|[^\w$.])(?:import|require)\s*\(\s*["']([^"'\n]+)["']\s*\)/g;

// Drops block comments and line comments (a line comment is `//` not preceded by `:`, so URLs in strings
// survive); good enough to keep examples in doc comments from counting as imports.
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/[^\n]*/g, "$1");
}

/**
 * Every file of the module graph from `entries` (absolute paths), with the specifiers it could not resolve.
 * `lazy(spec, file)`: a dynamic import (`import("…")`) for which it is true is left out of the graph and listed
 * in `lazy` (edgeflag's on-demand chunks); every other dynamic import is followed and counted.
 */
export function moduleGraph(entries, { exclude = [], lazy = () => false } = {}) {
  const seen = new Set();
  const missing = new Set();
  const lazyFiles = new Set();
  const queue = [...entries];
  while (queue.length) {
    const f = queue.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    if (!/\.(m|c)?js$/.test(f)) continue;
    const src = stripComments(readFileSync(f, "utf8"));
    for (const m of src.matchAll(IMPORT_RE)) {
      const spec = m[1] || m[2];
      if (exclude.some((x) => spec === x || spec.startsWith(`${x}/`))) continue;
      const r = resolveSpec(spec, f);
      if (r && m[2] && /import\s*\($/.test(m[0].slice(0, m[0].indexOf("(") + 1)) && lazy(spec, f)) lazyFiles.add(r);
      else if (r) queue.push(r);
      else if (!spec.startsWith("node:")) missing.add(`${spec} (from ${f.replace(HERE + "/", "")})`);
    }
  }
  return { files: [...seen].sort(), missing: [...missing], lazy: [...lazyFiles].filter((f) => !seen.has(f)).sort() };
}

function sizes(files) {
  let raw = 0;
  let gz = 0;
  let wasmRaw = 0;
  let wasmGz = 0;
  for (const f of files) {
    const b = readFileSync(f);
    const g = gzipSync(b, { level: 9 }).length;
    raw += b.length;
    gz += g;
    if (f.endsWith(".wasm")) {
      wasmRaw += b.length;
      wasmGz += g;
    }
  }
  return { files: files.length, raw, gzip: gz, wasmRaw, wasmGzip: wasmGz, jsRaw: raw - wasmRaw, jsGzip: gz - wasmGz };
}

/** The payload of each library: {lib: {raw, gzip, files, how, onDemand?} | {error}} (onDemand: edgeflag's downloads fetched only when needed, [{file, when, raw, gzip, …}], not counted). */
export function payloads(www = WWW) {
  const out = {};
  const one = (lib, how, fn) => {
    try {
      const { files, extra = [], missing = [], onDemand = [] } = fn();
      out[lib] = { ...sizes([...files, ...extra]), how, missing, ...(onDemand.length ? { onDemand } : {}) };
    } catch (e) {
      out[lib] = { error: String(e && e.message ? e.message : e), how };
    }
  };
  let browserEntry = null;
  try {
    browserEntry = pickExport(JSON.parse(readFileSync(join(www, "package.json"), "utf8")).exports["."]);
  } catch {
    // reported by one() below
  }
  one("edgeflag", `www browser entry (${browserEntry}) + its modules + pkg/edgeflag_bg.wasm`, () => {
    if (!browserEntry) throw new Error(`no browser entry in ${join(www, "package.json")}`);
    const bundler = join(www, "scripts/bundle.js");
    if (existsSync(bundler)) {
      const r = spawnSync(process.execPath, [bundler], { cwd: www, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`npm run bundle failed: ${(r.stderr || "").trim().split("\n").pop()}`);
    }
    const entry = join(www, browserEntry);
    const wasm = join(www, "pkg/edgeflag_bg.wasm");
    if (!existsSync(wasm)) throw new Error("www/pkg/edgeflag_bg.wasm not built (scripts/build-wasm.sh)");
    // The bundle's on-demand chunks (dist/verify-<hash>.js: the signature checks, imported by a client with
    // publicKeys only; dist/operators-<hash>.js and dist/diagnose-<hash>.js: the JS of the two modules below, fetched
    // with them), the operators module (fetched only for a snapshot that uses `matches`, `semver_*` or `in_cidr`) and the
    // diagnostics module (only when a snapshot is refused): reported apart, not counted.
    const g = moduleGraph([entry], { lazy: (spec) => /^\.\/[a-z]+-[A-Z0-9]+\.js$/.test(spec) });
    const WHEN = { verify: "by a client with publicKeys", operators: "with pkg/edgeflag_regex.wasm", diagnose: "with pkg/edgeflag_diagnostics.wasm" };
    const onDemand = g.lazy.map((f) => ({ file: f.slice(www.length + 1), when: WHEN[f.slice(f.lastIndexOf("/") + 1).split("-")[0]] ?? "on demand", ...sizes([f]) }));
    for (const [file, when] of [
      ["pkg/edgeflag_regex.wasm", "for a snapshot that uses `matches`, `semver_*` or `in_cidr`"],
      ["pkg/edgeflag_diagnostics.wasm", "when a snapshot is refused (its problems' messages)"],
    ]) if (existsSync(join(www, file))) onDemand.push({ file, when, ...sizes([join(www, file)]) });
    return { files: g.files, extra: [wasm], missing: g.missing, onDemand };
  });
  one("flagd-core", "ESM entry + dependencies (object-hash, json-logic-engine, semver, imurmurhash), @openfeature/core excluded (the app's SDK brings it)", () =>
    moduleGraph([resolveSpec("@openfeature/flagd-core", join(HERE, "x.js"))], { exclude: ["@openfeature/core"] }),
  );
  one("growthbook", "dist/bundles/esm.min.js (the package's own minified browser bundle)", () => ({
    files: [join(NM, "@growthbook/growthbook/dist/bundles/esm.min.js")],
  }));
  one("flipt", "dist/slim/index.mjs + flipt_engine_wasm_js_bg.wasm (the slim build fetches the .wasm)", () => ({
    files: moduleGraph([join(NM, "@flipt-io/flipt-client-js/dist/slim/index.mjs")]).files,
    extra: [join(NM, "@flipt-io/flipt-client-js/dist/flipt_engine_wasm_js_bg.wasm")],
  }));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const p = payloads();
  for (const [lib, s] of Object.entries(p)) {
    if (s.error) console.log(`${lib}: n/a (${s.error})`);
    else console.log(`${lib}: ${s.files} files, ${s.raw} B raw, ${s.gzip} B gzip -9 (js ${s.jsGzip}, wasm ${s.wasmGzip}) — ${s.how}${s.missing.length ? `; unresolved: ${s.missing.join(", ")}` : ""}`);
    for (const d of s.onDemand ?? []) console.log(`  ${lib} on demand (not counted): ${d.file} ${d.raw} B raw, ${d.gzip} B gzip -9, fetched only ${d.when}`);
  }
}
