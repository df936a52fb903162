#!/usr/bin/env node
// What each dependency and module costs in the WebAssembly build (issue #8: "every byte is a decision").
//
//   node tools/wasm-size.js            # builds, measures, writes docs/wasm-size.md
//   node tools/wasm-size.js --no-build # measures the last build in target/wasm-size/
//
// Builds the `wasm` profile as the shipped one (std rebuilt with -Z build-std and panic=immediate-abort, as
// scripts/build-wasm.sh does when the rust-src component is there, with its `--cfg edgeflag_unstable`) but keeping symbol names
// (CARGO_PROFILE_WASM_STRIP=false), into its own target dir (target/wasm-size/, so the real build is not disturbed), with a linker map for
// the data segment; runs wasm-bindgen and tools/wasm-names.js as scripts/build-wasm.sh does, without wasm-opt (wasm-opt renames
// nothing but inlines and merges, which blurs who costs what); then `twiggy top` / `twiggy dominators`.
// Every function is charged to the first `edgeflag::module` its name mentions (so `Vec<edgeflag::json::Value>`
// drop glue is json's), else to its crate (std crates by their second path segment, e.g. core::fmt).
// Installs twiggy with `cargo install twiggy` when missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { renamePackage } from "./wasm-names.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_DIR = join(ROOT, "target/wasm-size");
const WASM_IN = join(TARGET_DIR, "wasm32-unknown-unknown/wasm/edgeflag.wasm");
const MAP = join(TARGET_DIR, "edgeflag.map");
const OUT_MD = join(ROOT, "docs/wasm-size.md");
const CARGO_BIN = join(process.env.HOME || "/root", ".cargo/bin");
const env = { ...process.env, PATH: `${CARGO_BIN}:${process.env.PATH}` };
const build = !process.argv.includes("--no-build");

const log = (s) => process.stderr.write(`[wasm-size] ${s}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 256 << 20, ...opts });
const has = (cmd) => spawnSync(cmd, ["--version"], { env }).status === 0;

// ---------------------------------------------------------------------------------------------- build
// The shipped build rebuilds std when its source is installed (scripts/build-wasm.sh); so does this one.
const sysroot = (() => {
  try {
    return run("rustc", ["--print", "sysroot"]).trim();
  } catch {
    return "";
  }
})();
const buildStd = process.env.EDGEFLAG_BUILD_STD !== "0" && !!sysroot && existsSync(join(sysroot, "lib/rustlib/src/rust/library/Cargo.lock"));
if (build) {
  log(`cargo build --lib --target wasm32-unknown-unknown --profile wasm${buildStd ? " -Z build-std" : ""} (names kept, linker map)`);
  if (!buildStd) log("warning: no rust-src component: measuring the plain build (scripts/build-wasm.sh falls back to it too)");
  const flags = `${env.RUSTFLAGS || ""}${buildStd ? " -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg edgeflag_unstable" : ""} -C link-arg=--Map=${MAP}`.trim();
  // the MIR inliner for the edgeflag crate, as scripts/build-wasm.sh's MIR_INLINE
  const mirInline = ["-Z", "profile-rustflags", "--config", 'profile.wasm.package.edgeflag.rustflags=["-Zinline-mir=yes","-Zinline-mir-threshold=20","-Zinline-mir-hint-threshold=50","-Cllvm-args=-inline-threshold=10"]'];
  run(
    "cargo",
    ["build", "--lib", "--target", "wasm32-unknown-unknown", "--profile", "wasm", "--no-default-features", "--target-dir", TARGET_DIR, ...(buildStd ? ["-Z", "build-std=std,panic_abort", "-Z", "build-std-features=optimize_for_size", ...mirInline] : [])],
    {
      env: { ...env, CARGO_PROFILE_WASM_STRIP: "false", RUSTFLAGS: flags, ...(buildStd ? { RUSTC_BOOTSTRAP: "1" } : {}) },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
}
if (!existsSync(WASM_IN)) {
  log(`error: ${WASM_IN} not built`);
  process.exit(1);
}
if (!has("wasm-bindgen")) {
  log("error: wasm-bindgen CLI not found (scripts/build-wasm.sh installs the pinned one)");
  process.exit(1);
}
if (!has("twiggy")) {
  log("installing twiggy (cargo install twiggy)");
  run("cargo", ["install", "twiggy", "--locked"], { stdio: ["ignore", "inherit", "inherit"] });
}
const tmp = mkdtempSync(join(tmpdir(), "edgeflag-wasm-size-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
run("wasm-bindgen", ["--target", "web", "--out-dir", tmp, "--out-name", "edgeflag", "--no-typescript", WASM_IN]);
renamePackage(tmp); // the short import and export names, as shipped (scripts/build-wasm.sh, www/src/wasm-names.js)
const WASM = join(tmp, "edgeflag_bg.wasm");

// ---------------------------------------------------------------------------------------------- twiggy
const items = JSON.parse(run("twiggy", ["top", "-n", "1000000", "-f", "json", WASM]));
const dominators = run("twiggy", ["dominators", "-d", "3", "-r", "45", WASM]);
const total = items.reduce((a, x) => a + x.shallow_size, 0);

const clean = (n) => n.replace(/\[[0-9a-f]{12,16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "");
const PRIM = /^<(?:&(?:mut )?)?(str|char|bool|f32|f64|[iu](?:8|16|32|64|128|size)|\[.*\])(?: as ([\w:]+)|>)/;
const STD = new Set(["core", "alloc", "std"]);
const CRATE_NAMES = { regex_lite: "regex-lite", xxhash_rust: "xxhash-rust", wasm_bindgen: "wasm-bindgen" };

// Returns [dependency, module] for one twiggy item.
function classify(rawName) {
  const n = clean(rawName);
  if (/subsection$|^custom section/.test(n)) return ["(custom sections: names etc., not shipped)", n];
  if (/^data segment/.test(n)) return ["data (.rodata: constants, tables, strings)", "data"];
  if (/^(type|table|elem|import|export|global|memory|func)\[|^export "|^import |^"|section headers$|^wasm magic|^(code|data|type|export|element|table|memory|import|global) /.test(n)) return ["wasm structure (types, imports, exports, table)", "wasm structure"];
  if (/^wasmengine_|^wasmloader_|^wasmcontext_|multivalue shim$|^__wbindgen|^__wbg_|^__externref|^bucket$|^formatTime$/.test(n)) return ["wasm-bindgen", "wasm-bindgen exports and shims"];
  // the crate's own raw exports (#[no_mangle], no path in their names): src/wasm.rs
  if (/^edgeflag_\w+$/.test(n)) return ["edgeflag", "edgeflag::wasm"];
  const m = /edgeflag::(\w+)/.exec(n);
  if (m) return ["edgeflag", `edgeflag::${m[1]}`];
  // a generic self type (`<T as alloc::string::ToString>`, `<&T as core::fmt::Debug>`, `<dyn …>`):
  // charge the trait's crate and module
  const g = /^<(?:&(?:mut )?)?(?:[A-Z]\w?|dyn [^>]*?) as ([\w:]+)/.exec(n);
  if (g) {
    const seg = g[1].split("::");
    return [CRATE_NAMES[seg[0]] || seg[0], STD.has(seg[0]) ? seg.slice(0, 2).join("::") : CRATE_NAMES[seg[0]] || seg[0]];
  }
  const p = PRIM.exec(n);
  if (p) {
    if (p[2]) {
      const seg = p[2].split("::");
      return [seg[0], seg.slice(0, 2).join("::")];
    }
    return ["core", `${p[1].startsWith("[") ? "[T]" : p[1]} methods`];
  }
  const root = /^<*(?:&(?:mut )?)?([A-Za-z_]\w*)(?:::(\w+))?/.exec(n);
  if (!root) return ["other", n.slice(0, 60)];
  let crate = root[1];
  if (crate === "__rustc" || crate === "compiler_builtins" || crate.startsWith("__") || /^(memcpy|memset|memmove|memcmp|bcmp|round|floor|ceil|trunc|log10|log|exp|pow|fmod|sqrt)f?$/.test(crate)) return ["compiler runtime (memcpy, libm, …)", "compiler runtime"];
  if (STD.has(crate)) return [crate, root[2] ? `${crate}::${root[2]}` : crate];
  crate = CRATE_NAMES[crate] || crate;
  return [crate, crate];
}

const byDep = new Map();
const byModule = new Map();
for (const it of items) {
  const [dep, mod] = classify(it.name);
  const d = byDep.get(dep) || { bytes: 0, items: 0 };
  d.bytes += it.shallow_size;
  d.items++;
  byDep.set(dep, d);
  const key = `${dep}\u0000${mod}`;
  const m = byModule.get(key) || { dep, mod, bytes: 0, items: 0, top: [] };
  m.bytes += it.shallow_size;
  m.items++;
  m.top.push([it.shallow_size, clean(it.name)]);
  byModule.set(key, m);
}
const namesBytes = [...byDep].filter(([d]) => d.startsWith("(custom")).reduce((a, [, v]) => a + v.bytes, 0);
const shipped = total - namesBytes;

// --------------------------------------------------------------------------- data segment (linker map)
// wasm-ld map lines: "Addr Off Size Out In Symbol"; data symbols sit under the DATA output section.
function demangleV0(sym) {
  // enough of the v0 scheme for plain paths (_RNvNtCs..._4core3num...) of statics
  if (!sym.startsWith("_R")) return sym;
  const out = [];
  let i = 2;
  while (i < sym.length) {
    const c = sym[i];
    if (c === "N") {
      i += 2;
    } else if (c === "C") {
      i++;
      if (sym[i] === "s") {
        const u = sym.indexOf("_", i);
        i = u < 0 ? sym.length : u + 1;
      }
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (/[0-9]/.test(sym[j])) j++;
      const len = +sym.slice(i, j);
      if (sym[j] === "_") j++;
      out.push(sym.slice(j, j + len));
      i = j + len;
    } else i++;
  }
  return out.length ? out.join("::") : sym;
}
const data = [];
if (existsSync(MAP) && statSync(MAP).mtimeMs >= statSync(WASM_IN).mtimeMs - 60_000) {
  const lines = readFileSync(MAP, "utf8").split("\n");
  const start = lines.findIndex((l) => /\sDATA$/.test(l));
  for (let k = start + 1; start >= 0 && k < lines.length; k++) {
    const f = lines[k].trim().split(/\s+/);
    if (f.length < 4) continue;
    if (f[0] === "-") break; // next output section
    if (!(f[3].startsWith("/") || f[3].startsWith("<"))) continue; // symbol lines repeat the input line
    const size = parseInt(f[2], 16);
    const input = f.slice(3).join(" ");
    const sym = (/\(([^()]*)\)$/.exec(input) || [, input])[1];
    let name;
    if (/^\.rodata\.\.Lanon|^\.rodata$|^\.L/.test(sym)) name = "anonymous constants (string literals, lookup tables)";
    else name = demangleV0(sym.replace(/^\.(rodata|data|bss|tdata)\./, ""));
    data.push({ size, name, sym });
  }
}
const dataByName = new Map();
for (const d of data) {
  const key = d.name.startsWith("anonymous") ? d.name : d.name.replace(/::[A-Z_0-9]+$/, (s) => s); // keep statics named
  dataByName.set(key, (dataByName.get(key) || 0) + d.size);
}
const anonTop = data.filter((d) => d.name.startsWith("anonymous")).sort((a, b) => b.size - a.size).slice(0, 5);

// ------------------------------------------------------------------------------- shipped package sizes
function sizeOf(f) {
  if (!existsSync(f)) return null;
  const b = readFileSync(f);
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
}
const pkgWasm = sizeOf(join(ROOT, "www/pkg/edgeflag_bg.wasm"));
const pkgJs = sizeOf(join(ROOT, "www/pkg/edgeflag.js"));
const measured = sizeOf(WASM);

// ------------------------------------------------------------------------------------------- report
const kb = (b) => (b / 1024).toFixed(1);
const pct = (b) => ((100 * b) / shipped).toFixed(1);
const version = (cmd, args = ["--version"]) => {
  try {
    return run(cmd, args).trim().split("\n")[0];
  } catch {
    return "?";
  }
};
// How the build got to its size, and what was measured and left out: hand-written in docs/wasm-size.md
// itself (from "## Choices, measured" up to the generated "## By dependency"), kept as it is when the page is
// regenerated. Sizes there are the shipped .wasm after wasm-bindgen and wasm-opt, gzip -9.
const CHOICES = (() => {
  const old = existsSync(OUT_MD) ? readFileSync(OUT_MD, "utf8") : "";
  const a = old.indexOf("## Choices, measured");
  const b = old.indexOf("## By dependency");
  return a >= 0 && b > a ? old.slice(a, b) : "## Choices, measured (issue #8)\n\n(none recorded yet)\n";
})();

const today = new Date().toISOString().slice(0, 10);
const md = [];
md.push("# What the WebAssembly build costs, by dependency and module");
md.push("");
md.push(`Generated ${today} by \`node tools/wasm-size.js\` (${version("rustc")}, ${version("twiggy")}, ${version("wasm-bindgen")}).`);
md.push(`Build: the \`wasm\` profile (opt-level z, LTO, panic=abort${buildStd ? "; std rebuilt with `-Z build-std`, panic=immediate-abort, `-Z location-detail=none`, `optimize_for_size` and, for the edgeflag crate, the MIR inliner (`-Z inline-mir`, thresholds 20/50), as shipped" : "; prebuilt std: no rust-src component"}) with names kept (\`CARGO_PROFILE_WASM_STRIP=false\`), then`);
md.push("wasm-bindgen, no wasm-opt. Sizes are twiggy's shallow sizes (raw bytes, before gzip); each function counts once,");
md.push("charged to the first `edgeflag::module` its name mentions (generic std code instantiated for our types is ours),");
md.push("else to its crate. Regenerate after changing dependencies or features, and read it before adding either.");
md.push("");
md.push("| | raw | gzip -9 |");
md.push("|---|---:|---:|");
if (measured) md.push(`| this measurement (names kept, no wasm-opt) | ${measured.raw} B | ${measured.gzip} B |`);
md.push(`| … of which the names section (not shipped) | ${namesBytes} B | |`);
if (pkgWasm) md.push(`| shipped \`www/pkg/edgeflag_bg.wasm\` (stripped, wasm-opt -Oz --converge --low-memory-unused, control flow rebuilt by the relooper but on the evaluation path, functions ordered for gzip) | ${pkgWasm.raw} B | ${pkgWasm.gzip} B |`);
if (pkgJs) md.push(`| shipped \`www/pkg/edgeflag.js\` (wasm-bindgen glue) | ${pkgJs.raw} B | ${pkgJs.gzip} B |`);
md.push("");
md.push(CHOICES.trim());
md.push("");
md.push(`## By dependency (of ${shipped} B without the names section)`);
md.push("");
md.push("| dependency | bytes | KiB | % |");
md.push("|---|---:|---:|---:|");
for (const [dep, v] of [...byDep].filter(([d]) => !d.startsWith("(custom")).sort((a, b) => b[1].bytes - a[1].bytes)) {
  md.push(`| ${dep} | ${v.bytes} | ${kb(v.bytes)} | ${pct(v.bytes)} |`);
}
md.push("");
md.push("## By module (edgeflag's modules; std crates by top-level module)");
md.push("");
md.push("| module | bytes | % | functions | largest items |");
md.push("|---|---:|---:|---:|---|");
for (const m of [...byModule.values()].filter((m) => !m.dep.startsWith("(custom")).sort((a, b) => b.bytes - a.bytes)) {
  if (m.bytes < 400) continue;
  const top = m.top
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3)
    .map(([s, n]) => `${n.length > 70 ? `${n.slice(0, 67)}…` : n} (${s})`)
    .join("; ")
    .replace(/\|/g, "\\|");
  md.push(`| ${m.mod} | ${m.bytes} | ${pct(m.bytes)} | ${m.items} | ${top} |`);
}
md.push("");
md.push("(Modules under 400 B are left out of this table; they are in the totals above.)");
if (data.length) {
  md.push("");
  md.push("## The data segment (from the linker map)");
  md.push("");
  md.push("| constant | bytes |");
  md.push("|---|---:|");
  for (const [name, size] of [...dataByName].sort((a, b) => b[1] - a[1]).slice(0, 20)) md.push(`| ${name.replace(/\|/g, "\\|")} | ${size} |`);
  md.push("");
  md.push(`Largest anonymous constants: ${anonTop.map((d) => `${d.size} B`).join(", ")} (LTO leaves them unnamed: string literals,`);
  md.push("mostly validation messages, and small tables).");
}
md.push("");
md.push("## Largest items");
md.push("");
md.push("```");
md.push(run("twiggy", ["top", "-n", "30", WASM]).trimEnd());
md.push("```");
md.push("");
md.push("## Dominators (what each export keeps alive, 3 levels)");
md.push("");
md.push("```");
md.push(dominators.trimEnd());
md.push("```");
md.push("");
writeFileSync(OUT_MD, md.join("\n"));
log(`wrote ${OUT_MD.replace(ROOT + "/", "")}`);
for (const l of md.slice(0, 40)) console.log(l);
