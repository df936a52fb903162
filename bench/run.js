#!/usr/bin/env node
// Runs edgeflag and its peers on identical scenarios (scenarios/common.js), one process per library and
// measurement kind, interleaved over several rounds, and prints ONE table: medians with (min–max) over
// every sample of every round, and each peer's ratio to edgeflag (> 1× means edgeflag is ahead).
//
//   node run.js [--clock cpu|wall] [--rounds 5] [--cold 7] [--memory 3] [--quick] [--only edgeflag,flagd-core]
//               [--www DIR (another copy of the edgeflag package, for before/after)] [--json FILE]
//
// Every child runs with NODE_ENV=production (as a deployed app does: GrowthBook, for one, logs in
// development) and --expose-gc (for the memory measurement).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { payloads } from "./payload.js";

const HERE = dirname(fileURLToPath(import.meta.url));

const LIBS = [
  { id: "edgeflag", script: "run-edgeflag.js", pkg: "../www/package.json" },
  { id: "flagd-core", script: "run-flagd.js", pkg: "node_modules/@openfeature/flagd-core/package.json" },
  { id: "growthbook", script: "run-growthbook.js", pkg: "node_modules/@growthbook/growthbook/package.json" },
  { id: "flipt", script: "run-flipt.js", pkg: "node_modules/@flipt-io/flipt-client-js/package.json" },
];

function parseArgs(argv) {
  const o = { rounds: 5, cold: 7, memory: 3, quick: false, only: null, json: null, clock: "cpu", www: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--rounds") o.rounds = +argv[++i];
    else if (a === "--cold") o.cold = +argv[++i];
    else if (a === "--memory") o.memory = +argv[++i];
    else if (a === "--quick") o.quick = true;
    else if (a === "--only") o.only = argv[++i].split(",");
    else if (a === "--json") o.json = argv[++i];
    else if (a === "--clock") o.clock = argv[++i] === "wall" ? "wall" : "cpu";
    else if (a === "--www") o.www = resolve(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log("node run.js [--clock cpu|wall] [--rounds N] [--cold N] [--memory N] [--quick] [--only a,b] [--www DIR] [--json FILE]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick) {
    o.rounds = Math.min(o.rounds, 1);
    o.cold = Math.min(o.cold, 2);
    o.memory = Math.min(o.memory, 1);
  }
  return o;
}

function version(lib) {
  try {
    return JSON.parse(readFileSync(join(HERE, lib.pkg), "utf8")).version;
  } catch {
    return "?";
  }
}

// One child process; returns its JSON line, or {error}.
let WWW_DIR = null; // --www: the edgeflag package to benchmark (default ../www)

function child(lib, mode, quick, clock) {
  const argv = ["--expose-gc", lib.script, "--mode", mode];
  if (quick) argv.push("--quick");
  const r = spawnSync(process.execPath, argv, {
    cwd: HERE,
    env: { ...process.env, NODE_ENV: "production", BENCH_CLOCK: clock, ...(WWW_DIR ? { EDGEFLAG_WWW: WWW_DIR } : {}) },
    encoding: "utf8",
    timeout: 15 * 60 * 1000,
    maxBuffer: 64 << 20,
  });
  const line = (r.stdout || "").trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) {
    const why = r.error ? r.error.message : (r.stderr || "").trim().split("\n").slice(-3).join(" | ") || `exit ${r.status}`;
    return { error: why };
  }
  try {
    return JSON.parse(line);
  } catch (e) {
    return { error: `unreadable output: ${e.message}` };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stat = (xs) => (xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null);

function main() {
  const opt = parseArgs(process.argv.slice(2));
  WWW_DIR = opt.www;
  const libs = LIBS.filter((l) => !opt.only || opt.only.includes(l.id));
  const started = new Date();
  const load0 = loadavg();
  const log = (s) => process.stderr.write(`[bench] ${s}\n`);

  // per lib: { samples: {metric: [..]}, errors: [..], checks, notes }
  const acc = Object.fromEntries(libs.map((l) => [l.id, { samples: {}, errors: [], checks: null, notes: {}, cold: [], coldParts: [], coldThreads: [], mem: [], jsonBytes: 0, textBytes: 0 }]));
  const push = (id, k, xs) => (acc[id].samples[k] ||= []).push(...xs);

  for (let r = 0; r < opt.rounds; r++) {
    for (let k = 0; k < libs.length; k++) {
      const lib = libs[(k + r) % libs.length];
      log(`round ${r + 1}/${opt.rounds}: ${lib.id}`);
      const out = child(lib, "bench", opt.quick, opt.clock);
      if (out.error) {
        acc[lib.id].errors.push(out.error);
        continue;
      }
      for (const [m, s] of Object.entries(out.results)) push(lib.id, m, s.samples);
      acc[lib.id].checks = out.checks;
      acc[lib.id].notes = out.notes || {};
    }
    // V8's JSON.parse of each library's S3 text, in a process of its own (run-parse.js)
    const out = child({ id: "parse", script: "run-parse.js" }, "bench", opt.quick, opt.clock);
    if (out.error) log(`round ${r + 1}: run-parse.js failed: ${out.error}`);
    else
      for (const l of libs) {
        if (out.results[l.id]) push(l.id, "parse", out.results[l.id].samples);
        if (out.bytes[l.id]) acc[l.id].textBytes = out.bytes[l.id];
      }
  }
  for (let c = 0; c < opt.cold; c++) {
    for (let k = 0; k < libs.length; k++) {
      const lib = libs[(k + c) % libs.length];
      const out = child(lib, "cold", opt.quick, opt.clock);
      if (out.error) acc[lib.id].errors.push(out.error);
      else {
        acc[lib.id].cold.push(out.coldMs);
        if (out.parts) acc[lib.id].coldParts.push(out.parts);
        if (out.threads) acc[lib.id].coldThreads.push(out.threads);
      }
    }
  }
  log(`cold starts done (${opt.cold} per library)`);
  for (let m = 0; m < opt.memory; m++) {
    for (const lib of libs) {
      const out = child(lib, "memory", opt.quick, opt.clock);
      if (out.error) acc[lib.id].errors.push(out.error);
      else {
        acc[lib.id].mem.push(out.bytes);
        acc[lib.id].jsonBytes = out.jsonBytes;
      }
    }
  }
  log("memory done");
  const pay = payloads(opt.www || undefined);

  // rows
  const ROWS = [
    { key: "s1", label: "S1 plain flag, context per call", unit: "ns", from: (a) => a.samples.s1 },
    { key: "s2", label: "S2 targeted + 30 % rollout, 10,000 users", unit: "ns", from: (a) => a.samples.s2 },
    { key: "bind", label: "bound context, repeated reads (S2 flag)", unit: "ns", from: (a) => a.samples.bind },
    { key: "load", label: "S3 load 1,000 flags × 3 rules from JSON text", unit: "ms", from: (a) => a.samples.load },
    { key: "parse", label: "S3 `JSON.parse` of the library's own S3 text (run-parse.js)", unit: "ms", from: (a) => a.samples.parse },
    { key: "evalAll", label: "S3 evaluate all 1,000 flags, one user", unit: "µs", from: (a) => a.samples.evalAll && a.samples.evalAll.map((x) => x / 1000) },
    { key: "mem", label: "S3 snapshot retained in memory", unit: "MB", from: (a) => a.mem.length && a.mem.map((b) => b / 1e6) },
    { key: "cold", label: "cold start: import + instantiate + load S3 + 1st eval", unit: "ms", from: (a) => a.cold },
  ];
  const stats = {};
  for (const l of libs) {
    stats[l.id] = {};
    for (const row of ROWS) {
      const xs = row.from(acc[l.id]);
      stats[l.id][row.key] = xs && xs.length ? stat(xs) : null;
    }
  }

  const fmt = (x, unit) => {
    if (unit === "ns") return x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
    if (unit === "µs") return x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
    if (unit === "ms") return x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(2);
    if (unit === "MB") return x.toFixed(2);
    return String(x);
  };
  const ratio = (v, base) => {
    if (!base || !v) return "";
    const q = v / base;
    return ` · ${q >= 10 ? Math.round(q) : q >= 1 ? q.toFixed(1) : q.toPrecision(2)}×`;
  };
  const naReason = (l, row) => {
    const a = acc[l.id];
    if (a.errors.length && !Object.keys(a.samples).length && row.key !== "mem" && row.key !== "cold") return `n/a (${a.errors[0].slice(0, 120)})`;
    if (row.key === "bind" && a.notes.bind) return `n/a (${a.notes.bind})`;
    if ((row.key === "mem" || row.key === "cold") && a.errors.length) return `n/a (${a.errors[0].slice(0, 120)})`;
    return "n/a";
  };

  const head = ["", ...libs.map((l) => `${l.id} ${version(l)}`)];
  const lines = [];
  lines.push(`| ${head.join(" | ")} |`);
  lines.push(`|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  const base = stats.edgeflag || {};
  for (const row of ROWS) {
    const cells = [`${row.label} (${row.unit})`];
    for (const l of libs) {
      const s = stats[l.id][row.key];
      if (!s) {
        cells.push(naReason(l, row));
        continue;
      }
      let cell = `${fmt(s.median, row.unit)} (${fmt(s.min, row.unit)}–${fmt(s.max, row.unit)})`;
      if (row.key === "mem" && acc[l.id].jsonBytes) cell += ` = ${(s.median * 1e6 / acc[l.id].jsonBytes).toFixed(2)}× its JSON`;
      if (l.id !== "edgeflag" && base[row.key]) cell += ratio(s.median, base[row.key].median);
      cells.push(cell);
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  {
    const cells = ["browser payload, gzip -9 (KB)"];
    const b = pay.edgeflag && !pay.edgeflag.error ? pay.edgeflag.gzip : null;
    for (const l of libs) {
      const p = pay[l.id];
      if (!p || p.error) cells.push(`n/a (${p ? p.error : "?"})`);
      else cells.push(`${(p.gzip / 1000).toFixed(1)}${p.wasmGzip ? ` (wasm ${(p.wasmGzip / 1000).toFixed(1)} + JS ${(p.jsGzip / 1000).toFixed(1)})` : ""}${l.id !== "edgeflag" && b ? ratio(p.gzip, b) : ""}`);
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }

  const cpu = cpus();
  const out = [];
  if (opt.www) out.push(`(edgeflag from ${opt.www})`);
  out.push(`edgeflag benchmark — ${started.toISOString().slice(0, 16).replace("T", " ")} UTC · Node ${process.version} · ${cpu[0] ? cpu[0].model.trim() : "?"} × ${cpu.length} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  out.push(`rounds ${opt.rounds} (one process per library per round, interleaved) · cold starts ${opt.cold} · memory ${opt.memory} · load average ${load0.map((x) => x.toFixed(1)).join(" ")} → ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  out.push(`cells: median (min–max) over all samples; · N× = the peer's figure divided by edgeflag's (higher: edgeflag ahead); times are ${opt.clock === "cpu" ? "process CPU time (robust on a shared machine)" : "wall time"}, cold starts wall time`);
  out.push("");
  out.push(...lines);
  out.push("");
  out.push("How each library is called:");
  for (const l of libs) {
    const n = acc[l.id].notes;
    const parts = Object.entries(n).map(([k, v]) => `${k}: ${v}`);
    out.push(`- ${l.id}: ${parts.join("; ") || "-"}${pay[l.id] && pay[l.id].how ? `; payload: ${pay[l.id].how}` : ""}`);
  }
  out.push("Equivalence checks (S2: users served true, of whom the targeting rule decides exactly s2Rule; the rest is each library's own 30 % hash. S3: flags true for the one user):");
  for (const l of libs) {
    const c = acc[l.id].checks;
    out.push(`- ${l.id}: ${c ? `S2 ${c.s2True}/${c.users} true (rule ${c.s2Rule}, expected ≈ ${Math.round(c.s2Rule + 0.3 * (c.users - c.s2Rule))}); S3 ${c.s3True}/${c.s3Flags} true` : "n/a"}`);
  }
  // The S3 load against the floor of its text (run-parse.js): each library's S3 is the same 1,000 flags in its own
  // format. Medians from different processes, as every ratio of the table.
  {
    const parts = [];
    for (const l of libs) {
      const ld = stats[l.id].load;
      const ps = stats[l.id].parse;
      if (!ld || !ps) continue;
      const size = acc[l.id].textBytes ? `, its text ${(acc[l.id].textBytes / 1000).toFixed(0)} KB` : "";
      parts.push(`${l.id} ${(ld.median / ps.median).toFixed(2)}× (${fmt(ld.median, "ms")} / ${fmt(ps.median, "ms")} ms${size})`);
    }
    if (parts.length) out.push(`S3 load ÷ JSON.parse of the same text (medians; 1× = a load as fast as V8's parse of the text alone): ${parts.join("; ")}`);
  }
  const e = acc.edgeflag;
  if (e && e.coldParts.length) {
    const p = (k) => median(e.coldParts.map((x) => x[k])).toFixed(2);
    out.push(`edgeflag cold start parts (medians, ms): import ${p("import")}, instantiate ${p("instantiate")}, load ${p("load")}, first evaluation ${p("firstEval")}`);
    const th = e.coldThreads;
    if (th.length) {
      const q = (part, k) => median(th.map((x) => x[part][k])).toFixed(1);
      out.push(
        `edgeflag cold start, the load's threads (medians, ms of CPU): the JS thread ran ${q("load", "main")} and waited ${q("load", "wait")} for a core, ` +
          `while V8's background threads ran ${q("load", "background")} (compiling hot wasm functions to optimised code); ` +
          `instantiate: JS thread ${q("instantiate", "main")}, background ${q("instantiate", "background")}`,
      );
      // The two modes of a cold start on a small machine: V8 recompiles the load's hot functions on
      // background threads either during the load (the JS thread then waits for a core) or after it.
      if (th.length === e.cold.length) {
        const slow = e.cold.filter((_, i) => th[i].load.wait >= 1);
        const fast = e.cold.filter((_, i) => th[i].load.wait < 1);
        const m = (xs) => (xs.length ? `median ${median(xs).toFixed(1)} ms` : "none");
        out.push(
          `edgeflag cold starts by mode: ${slow.length} of ${e.cold.length} had V8's recompiles during the load (the JS thread waited ≥ 1 ms for a core): ${m(slow)}; ` +
            `the other ${fast.length}: ${m(fast)}`,
        );
      }
    }
  }
  for (const l of libs) if (acc[l.id].errors.length) out.push(`! ${l.id}: ${acc[l.id].errors.length} failed run(s): ${acc[l.id].errors[0]}`);

  // issue #8 targets
  const s = (id, k) => stats[id] && stats[id][k] && stats[id][k].median;
  if (stats.edgeflag) {
    const t = [];
    const chk = (name, ok, detail) => t.push(`${ok === null ? "–" : ok ? "✓" : "✗"} ${name}: ${detail}`);
    const f = (id, k) => s(id, k);
    const x3 = (k) => (f("flagd-core", k) && f("edgeflag", k) ? f("flagd-core", k) / f("edgeflag", k) : null);
    for (const k of ["s1", "s2", "evalAll"]) {
      const q = x3(k);
      chk(`${k} ≥ 3× faster than flagd-core`, q === null ? null : q >= 3, q === null ? "n/a" : `${q.toFixed(1)}×`);
    }
    chk("bound reads ≤ 30 ns", f("edgeflag", "bind") == null ? null : f("edgeflag", "bind") <= 30, f("edgeflag", "bind") == null ? "n/a" : `${f("edgeflag", "bind").toFixed(1)} ns`);
    const le = f("edgeflag", "load");
    const lg = f("growthbook", "load");
    chk("S3 load no slower than GrowthBook", le && lg ? le <= lg : null, le && lg ? `${fmt(le, "ms")} ms vs ${fmt(lg, "ms")} ms` : "n/a");
    const mem = f("edgeflag", "mem");
    chk("S3 memory ≤ 2× its JSON", mem ? (mem * 1e6) / e.jsonBytes <= 2 : null, mem ? `${((mem * 1e6) / e.jsonBytes).toFixed(2)}× (${e.jsonBytes} B JSON)` : "n/a");
    chk("cold start ≤ 15 ms", f("edgeflag", "cold") ? f("edgeflag", "cold") <= 15 : null, f("edgeflag", "cold") ? `${fmt(f("edgeflag", "cold"), "ms")} ms` : "n/a");
    const pg = pay.edgeflag && !pay.edgeflag.error ? pay.edgeflag.gzip : null;
    chk("browser payload ≤ 60 KB gzip (stretch 40 KB)", pg ? pg <= 61440 : null, pg ? `${pg} B` : "n/a");
    out.push("Issue #8 targets (edgeflag):");
    out.push(...t.map((x) => `  ${x}`));
  }
  console.log(out.join("\n"));

  if (opt.json) {
    writeFileSync(opt.json, JSON.stringify({ date: started.toISOString(), node: process.version, cpu: cpu[0] && cpu[0].model, cores: cpu.length, options: opt, stats, acc, payloads: pay }, null, 1));
    log(`raw results: ${opt.json}`);
  }
}

if (!existsSync(join(HERE, "node_modules"))) {
  console.error("bench: run `npm install` in bench/ first (scripts/bench.sh does it)");
  process.exit(1);
}
main();
