// Where an edgeflag evaluation spends its time on the JS↔wasm boundary (diagnostics for issue #8; not
// part of the table). Reaches into the Engine's internals (_w, _index, _encode): it measures the parts
// the hot path is made of, each alone, on the S2 and S3 scenarios.
//   node --expose-gc bench/breakdown-edgeflag.js      (EDGEFLAG_WWW=DIR: another copy of the package)
//   node bench/breakdown-edgeflag.js --cold 15         the cold start instead (below)
//   node bench/breakdown-edgeflag.js --s3-vs-growthbook 30   S3's load against GrowthBook's in one process (below)
//   node bench/breakdown-edgeflag.js --tier-ups 30     what V8 recompiles over a process's first 30 S3 loads (below)
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { timeOps, timeEach, consume, median } from "./harness.js";
import { functions } from "../tools/wasm-binary.js";
import { users, S1_KEY, S2_KEY, S3_USER } from "./scenarios/common.js";
import * as sc from "./scenarios/edgeflag.js";

// --cold N: where a cold start's time goes. N fresh processes of run-edgeflag.js's cold mode (import,
// instantiate, load S3, first evaluation) for each V8 setting below, interleaved; medians of each part's wall
// time and, on Linux, of the load's CPU time on the JS thread and on V8's background threads. The V8 flags
// are diagnostics (a package cannot set them for its users): they show what the background compiles of hot
// wasm functions to optimised code (tier-up) cost a load that runs, in a fresh process, in baseline code.
// The "split" rows run run-edgeflag.js's cold-split mode: a load of S3's first flag alone before S3's, so that
// the process's one-time costs of a first load (V8 compiling each wasm function the load calls to baseline
// code on its first call; the JS side's first calls) are a column of their own ("1st load"), and "load" is
// S3's own work, with what V8's background recompiles take from it.
// The package benchmarked (EDGEFLAG_WWW: another copy of it) and its Node entry, as run-edgeflag.js imports it
// (package.json's exports["./engine"].node), for --cold and --s3-vs-growthbook.
const PACKAGE = process.env.EDGEFLAG_WWW ? pathToFileURL(`${resolve(process.env.EDGEFLAG_WWW)}/`) : new URL("../www/", import.meta.url);
const nodeEntry = () => new URL(JSON.parse(readFileSync(new URL("package.json", PACKAGE), "utf8")).exports["./engine"].node, PACKAGE);

// First the files the import reads: run-edgeflag.js's entry (package.json's exports["./engine"].node) and every
// module it imports statically, with their sizes (import() of on-demand chunks is not followed: not read then).
const coldAt = process.argv.indexOf("--cold");
if (coldAt >= 0) {
  const n = Number(process.argv[coldAt + 1]) || 15;
  const runner = fileURLToPath(new URL("run-edgeflag.js", import.meta.url));
  const variants = [
    ["V8 defaults (what users get)", [], "cold"],
    ["no tier-up (--liftoff-only)", ["--liftoff-only"], "cold"],
    ["one V8 background thread (--v8-pool-size=1)", ["--v8-pool-size=1"], "cold"],
    ["split: V8 defaults", [], "cold-split"],
    ["split: one compile task", ["--wasm-num-compilation-tasks=1"], "cold-split"],
    ["split: eager baseline compilation", ["--no-wasm-lazy-compilation"], "cold-split"],
  ];
  const read = importedFiles(nodeEntry());
  const total = read.reduce((a, [, b]) => a + b, 0);
  console.log(`the import reads ${read.length} file(s), ${total} B: ${read.map(([u, b]) => `${u.href.slice(PACKAGE.href.length)} ${b} B`).join(", ")}`);
  const runs = variants.map(() => []);
  for (let r = 0; r < n; r++) {
    variants.forEach(([, flags, mode], v) => {
      const c = spawnSync(process.execPath, [...flags, runner, "--mode", mode], { encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
      const o = JSON.parse(c.stdout.trim().split("\n").pop());
      if (o.error) throw new Error(o.error);
      runs[v].push(o);
    });
  }
  const f = (x) => x.toFixed(1).padStart(7);
  console.log(`cold start, medians of ${n} fresh processes per setting (ms; wall time, CPU time of the load's threads)`);
  console.log(`${"".padEnd(46)}   total  import  instan 1stload    load  1steval | load: JS thread  waiting  background`);
  variants.forEach(([name], v) => {
    const os = runs[v];
    const p = (k) => (os[0].parts[k] === undefined ? "      –" : f(median(os.map((o) => o.parts[k]))));
    const t = (k) => (os[0].threads ? f(median(os.map((o) => o.threads.load[k]))) : "      –");
    console.log(`${name.padEnd(46)} ${f(median(os.map((o) => o.coldMs)))} ${p("import")} ${p("instantiate")} ${p("firstLoad")} ${p("load")} ${p("firstEval")}  |        ${t("main")}  ${t("wait")}     ${t("background")}`);
  });
  process.exit(0);
}

// --s3-vs-growthbook R: S3's load by edgeflag (`Engine.fromJSON(text)` through the package's Node entry, as
// run-edgeflag.js imports it) and by GrowthBook (`JSON.parse` + `initSync`, as run-growthbook.js), and V8's
// `JSON.parse` of each library's own S3 text, in ONE process: 20 loads of each first, then R rounds in which each
// takes 5 loads in turn (wall time; a round's figure is the median of its 5). The table's row times each library in
// processes of its own, whose rounds can fall in different phases of a noisy VM (README, "Performance"); here every
// round sees both in the same phase. Prints the medians over the rounds, and GrowthBook's time ÷ edgeflag's: the
// median of the rounds' ratios and their range.
const abAt = process.argv.indexOf("--s3-vs-growthbook");
if (abAt >= 0) {
  const rounds = Number(process.argv[abAt + 1]) || 30;
  const ef = await import(nodeEntry().href);
  await ef.initWasm();
  const { GrowthBookClient } = await import("@growthbook/growthbook");
  const gsc = await import("./scenarios/growthbook.js");
  const text = sc.s3();
  const gtext = gsc.s3();
  const loads = {
    edgeflag: () => ef.Engine.fromJSON(text).free(),
    growthbook: () => new GrowthBookClient().initSync({ payload: JSON.parse(gtext) }).destroy(),
    "JSON.parse (edgeflag's text)": () => consume(JSON.parse(text)),
    "JSON.parse (GrowthBook's text)": () => consume(JSON.parse(gtext)),
  };
  for (let i = 0; i < 20; i++) for (const f of Object.values(loads)) f();
  const per = Object.fromEntries(Object.keys(loads).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(loads)) {
      const s = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        f();
        s.push(performance.now() - t);
      }
      per[k].push(s.sort((a, b) => a - b)[2]);
    }
  }
  console.log(`S3 loads in one process, ${rounds} rounds of 5 each (ms, wall time; median over the rounds of each round's median)`);
  for (const [k, xs] of Object.entries(per)) console.log(`${k.padEnd(32)} ${median(xs).toFixed(3).padStart(8)}  (rounds ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`);
  const q = per.growthbook.map((g, i) => g / per.edgeflag[i]);
  console.log(`GrowthBook's load ÷ edgeflag's: ${(median(per.growthbook) / median(per.edgeflag)).toFixed(3)} (medians); per round: median ${median(q).toFixed(3)}, ${Math.min(...q).toFixed(2)}–${Math.max(...q).toFixed(2)}`);
  process.exit(0);
}

// --tier-ups L [R]: which wasm functions V8 recompiles with its optimising compiler (TurboFan) over a process's
// first L loads of S3 (each then freed, as a process that reloads its snapshot does), and after which load. R
// child processes (default 3) run `node --single-threaded --trace-wasm-compilation-times` with the package's Node
// entry; V8's trace names each function by its index in the .wasm (by its name too when the .wasm has a name
// section: a names-kept build), its body size and the milliseconds TurboFan took (whole ms, as V8 prints them).
// The bench times loads 11-25 of a process by its CPU time, background threads included: a recompile after the
// 10th load lands in it (docs/ARCHITECTURE.md, "What V8 recompiles after the first loads").
const tierAt = process.argv.indexOf("--tier-ups");
if (tierAt >= 0) {
  const loads = Number(process.argv[tierAt + 1]) || 30;
  const procs = Number(process.argv[tierAt + 2]) || 3;
  const wasmUrl = new URL("pkg/edgeflag_speed_bg.wasm", PACKAGE);
  const fnNames = wasmFunctionNames(readFileSync(wasmUrl));
  const child = `const { Engine, initWasm } = await import(${JSON.stringify(nodeEntry().href)});
    const sc = await import(${JSON.stringify(new URL("scenarios/edgeflag.js", import.meta.url).href)});
    const { writeSync } = await import("node:fs");
    await initWasm();
    const text = sc.s3();
    for (let i = 1; i <= ${loads}; i++) { Engine.fromJSON(text).free(); writeSync(1, "LOADED " + i + "\\n"); }`;
  const byFn = new Map(); // index → { body, ms: [per run], at: [per run] }
  const totals = [];
  for (let r = 0; r < procs; r++) {
    const c = spawnSync(process.execPath, ["--single-threaded", "--trace-wasm-compilation-times", "--input-type=module", "-e", child], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (c.status !== 0) throw new Error(c.stderr);
    let loaded = 0;
    let total = 0;
    for (const line of c.stdout.split("\n")) {
      const l = /^LOADED (\d+)/.exec(line);
      if (l) loaded = Number(l[1]);
      const m = /#(\d+) using TurboFan, took (\d+) ms.*bodysize (\d+)/.exec(line);
      if (!m) continue;
      const f = byFn.get(m[1]) ?? { body: Number(m[3]), ms: [], at: [] };
      f.ms[r] = Number(m[2]);
      f.at[r] = loaded + 1;
      byFn.set(m[1], f);
      total += Number(m[2]);
    }
    totals.push(total);
  }
  const late = [...byFn.values()].filter((f) => median(f.at.filter((a) => a !== undefined)) > 10);
  console.log(`TurboFan over a process's first ${loads} S3 loads, ${procs} processes (--single-threaded; ms as V8 prints them)`);
  console.log(`total ${median(totals)} ms (runs ${totals.join(", ")}); ${byFn.size} functions, ${[...byFn.values()].reduce((a, f) => a + f.body, 0)} B of wasm; recompiled after the 10th load (median): ${late.length}, ${late.reduce((a, f) => a + f.body, 0)} B`);
  console.log(`${"index".padStart(6)} ${"body B".padStart(7)}  ${"ms (each run)".padEnd(16)} ${"at load".padEnd(16)} name`);
  for (const [i, f] of [...byFn].sort((a, b) => b[1].body - a[1].body)) {
    const each = (xs) => Array.from({ length: procs }, (_, k) => xs[k] ?? "–").join(",");
    console.log(`${i.padStart(6)} ${String(f.body).padStart(7)}  ${each(f.ms).padEnd(16)} ${each(f.at).padEnd(16)} ${fnNames.get(Number(i)) ?? ""}`);
  }
  process.exit(0);
}

// The names of a .wasm's functions by index, from its name section (none: an empty map), without rustc's crate
// hashes.
function wasmFunctionNames(bytes) {
  return new Map([...functions(bytes).names].map(([i, n]) => [i, n.replace(/\[[0-9a-f]{8,16}\]/g, "")]));
}

// The module `entry` (a file: URL) and those it imports or re-exports statically (relative specifiers), each once:
// [[URL, bytes]] in the order found.
function importedFiles(entry) {
  const seen = new Map([[entry.href, entry]]);
  const out = [];
  for (const url of seen.values()) {
    const text = readFileSync(url, "utf8");
    out.push([url, Buffer.byteLength(text)]);
    for (const m of text.matchAll(/\b(?:import|export)\s*(?:[^"'();]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
      const u = new URL(m[1], url);
      if (!seen.has(u.href)) seen.set(u.href, u);
    }
  }
  return out;
}

const WWW = process.env.EDGEFLAG_WWW ? `${process.env.EDGEFLAG_WWW.replace(/\/$/, "")}/` : new URL("../www/", import.meta.url).pathname;
const { initWasm, Engine } = await import(`${WWW}src/engine.node.js`);
await initWasm();
const glue = await import(`${WWW}pkg/edgeflag.js`);
const wasm = glue.initSync({ module: readFileSync(`${WWW}pkg/edgeflag_bg.wasm`) }); // the live instance's exports
// the raw exports' names: the short ones of src/wasm-names.js (a www/ from before it: their own)
const names = await import(`${WWW}src/wasm-names.js`).then((m) => m, () => Object.fromEntries(Object.keys(wasm).map((k) => [k, k])));

const ctxs = users().map(sc.context);
const N = ctxs.length;
const e1 = Engine.fromJSON(sc.s1());
const e2 = Engine.fromJSON(sc.s2());
const i2 = e2._index.get(S2_KEY);
const rows = [];
const add = (name, r) => {
  rows.push([name, r]);
  process.stderr.write(`${name.padEnd(58)} ${r.median.toFixed(1).padStart(10)} ${r.unit}\n`);
};
const opt = { samples: 11, sampleMs: 25, warmupMs: 200 };

add("S2 engine.boolean(key, false, ctx), 10,000 users", timeOps((n) => {
  let c = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (e2.boolean(S2_KEY, false, ctxs[j])) c++;
    if (++j === N) j = 0;
  }
  return c;
}, opt));
add("  Map lookup of the flag key (_index.get)", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) c += e2._index.get(S2_KEY);
  return c;
}, opt));
add("  encode the context into wasm memory (_encode)", timeOps((n) => {
  let c = 0;
  for (let i = 0, j = 0; i < n; i++) {
    c += e2._encode(ctxs[j]);
    if (++j === N) j = 0;
  }
  return c;
}, opt));
const len = e2._encode(ctxs[7]);
add("  wasm eval only (decode slots + evaluate + pack), one ctx", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) c += e2._eval(i2, 0, len);
  return c;
}, opt));
add("  empty wasm call (edgeflag_scratch_ptr export, raw)", timeOps((n) => {
  let c = 0;
  const p = e2._w.__wbg_ptr;
  for (let i = 0; i < n; i++) c += wasm[names.edgeflag_scratch_ptr](p, 16);
  return c;
}, opt));
add("  Date.now()", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) c += Date.now() & 1;
  return c;
}, opt));
add("S1 engine.boolean (constant flag: no wasm call)", timeOps((n) => {
  let c = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (e1.boolean(S1_KEY, false, ctxs[j])) c++;
    if (++j === N) j = 0;
  }
  return c;
}, opt));
const b = e2.bind(ctxs[3]);
add("bind(ctx).boolean (cached after the first read)", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) if (b.boolean(S2_KEY, false)) c++;
  return c;
}, opt));
add("bind(ctx) + one read (a new user each time)", timeOps((n) => {
  let c = 0;
  for (let i = 0, j = 0; i < n; i++) {
    const bb = e2.bind(ctxs[j]);
    if (bb.boolean(S2_KEY, false)) c++;
    bb.free();
    if (++j === N) j = 0;
  }
  return c;
}, { ...opt, sampleMs: 40 }));

// S3
const text3 = sc.s3();
const e3 = Engine.fromJSON(text3);
const ctx3 = sc.context(S3_USER);
const o3 = { samples: 9, sampleMs: 60, warmupMs: 300 };
add("S3 all(ctx) (µs → ns)", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) if (e3.all(ctx3)) c++;
  return c;
}, o3));
const len3 = e3._encode(ctx3);
add("  wasm evalAll only (1,000 flags)", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) c += wasm[names.edgeflag_eval_all](e3._w.__wbg_ptr, 0, len3);
  return c;
}, o3));
add("  1,000 × wasm eval (one call per flag)", timeOps((n) => {
  let c = 0;
  for (let i = 0; i < n; i++) for (let f = 0; f < 1000; f++) c += e3._eval(f, 0, len3);
  return c;
}, o3));
const loadOpt = { samples: 7, warmup: 2 };
add("S3 Engine.fromJSON(text) (ms)", timeEach(() => Engine.fromJSON(text3), { ...loadOpt, after: (e) => e.free() }));
// The wasm load alone, from the UTF-8 bytes copied whole into the loader's buffer and pushed as one chunk (as
// Engine.fromJSON loads a short text; a long one goes in chunks of 16 KiB).
const bytes3 = new TextEncoder().encode(text3);
const load3 = () => {
  const l = wasm[names.edgeflag_loader_new](Date.now());
  const at = wasm[names.edgeflag_loader_buffer](l, bytes3.length) >>> 0; // may grow the memory: the view after it
  new Uint8Array(wasm.memory.buffer).set(bytes3, at);
  wasm[names.edgeflag_loader_push](l, bytes3.length, bytes3.length, true); // (size, length, last)
  const w = glue.finish(l, 0);
  wasm[names.edgeflag_loader_free](l);
  return w;
};
add("  the wasm load, the text as one chunk (loader): parse + validate + compile (ms)", timeEach(load3, { ...loadOpt, after: (w) => w.free() }));
const w3 = load3();
// meta(): the raw export `edgeflag_text` (what 0: the address of the text's address and length; branch `textret`),
// before it the glue's `text`, before that WasmEngine#meta
const rawText = (what) => {
  const at = wasm[names.edgeflag_text](w3.__wbg_ptr, what, 0, 0, 0) >>> 0;
  const [ptr, len] = new Uint32Array(wasm.memory.buffer, at, 2);
  const t = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr, len));
  wasm[names.__wbindgen_free](ptr, len, 1);
  return t;
};
const meta3 = () => (names.edgeflag_text ? rawText(0) : glue.text ? glue.text(w3.__wbg_ptr, 0, 0, 0, 0) : w3.meta());
add("  meta() text out of wasm (ms)", timeEach(meta3, loadOpt));
const metaText = meta3();
add("  JSON.parse(meta) (ms)", timeEach(() => JSON.parse(metaText), loadOpt));
add("  edgeflag_flag_table (ms)", timeEach(() => wasm[names.edgeflag_flag_table](w3.__wbg_ptr), loadOpt));
process.stderr.write(`meta() is ${metaText.length} chars for ${text3.length} chars of snapshot\n`);
// JS work of a load beyond the wasm constructor, and of the first all() (which reads per-flag details
// lazily, where the package does that)
add("S3 fromJSON minus the wasm load: JS side of a load (ms, difference of medians)", (() => {
  const a = timeEach(() => Engine.fromJSON(text3), { ...loadOpt, after: (e) => e.free() });
  const b = timeEach(load3, { ...loadOpt, after: (w) => w.free() });
  return { unit: "ms", median: a.median - b.median };
})());
{
  // first all() after a load (per-flag details read lazily, where the package does that), wall time
  const xs = [];
  for (let k = 0; k < 9; k++) {
    const e = Engine.fromJSON(text3);
    const t0 = performance.now();
    e.all(ctx3);
    xs.push(performance.now() - t0);
    e.free();
  }
  xs.sort((x, y) => x - y);
  add("S3 first all(ctx) after a load (ms, wall)", { unit: "ms", median: xs[4] });
}
consume(rows.length);
