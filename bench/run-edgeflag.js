// edgeflag (../www, the JS Engine over the WebAssembly core) on the scenarios of scenarios/common.js.
// One process; prints one JSON line. Build the wasm first: scripts/build-wasm.sh (make wasm).
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { args, run, emit, timeOps, timeEach, retained, now, consume, threadTimes, LOAD_TIMING, LOAD_TIMING_QUICK } from "./harness.js";
import { users, S1_KEY, S2_KEY, S3_USER, s2Targeted } from "./scenarios/common.js";
import * as sc from "./scenarios/edgeflag.js";

const LIB = "edgeflag";
// what `import … from "edgeflag/engine"` gives in Node: the package's exports["./engine"].node (the Node
// bundle dist/engine.node.js, built by scripts/build-wasm.sh or `npm run bundle` in www/); EDGEFLAG_WWW
// (run.js --www DIR) benchmarks another copy of the package (e.g. a build of another commit, for
// before/after comparisons)
const WWW = process.env.EDGEFLAG_WWW ? pathToFileURL(`${resolve(process.env.EDGEFLAG_WWW)}/`).href : new URL("../www/", import.meta.url).href;
// (node:fs through process.getBuiltinModule: an `import` of it would build its ES module facade, ~2 ms,
// before the timer starts, a cost the package's own import may have to pay)
const fs = process.getBuiltinModule?.("node:fs") ?? (await import("node:fs"));
const PKG = JSON.parse(fs.readFileSync(fileURLToPath(new URL("package.json", WWW)), "utf8"));
const ENTRY = new URL(PKG.exports["./engine"].node, WWW).href;
const { mode, quick } = args();

run(LIB, async () => {
  // cold-split (a diagnostic, `breakdown-edgeflag.js --cold N`): the cold start with a load of S3's first flag alone
  // before S3's, so that the one-time costs of a process's first load (V8 compiling the load's wasm functions
  // to baseline code as they are first called; the JS side's first calls) are a part of their own,
  // `firstLoad`, and `load` is S3's work (with whatever V8's background recompiles take from it).
  if (mode === "cold" || mode === "cold-split") {
    const split = mode === "cold-split";
    const one = split ? sc.s3(1) : null;
    // import + instantiate + load S3 + first evaluation, in a fresh process. Between the parts (outside the
    // timed spans) the threads' CPU times are read where Linux gives them: how much of each part the JS
    // thread ran, how long it waited for a core, and what V8's background threads ran meanwhile (compiling
    // wasm functions to optimised code once they are hot: on 2 cores they take CPU from the load).
    const text = sc.s3();
    const ctx = sc.context(S3_USER);
    const names = split ? ["import", "instantiate", "firstLoad", "load", "firstEval"] : ["import", "instantiate", "load", "firstEval"];
    const wall = [];
    const cpu = [];
    threadTimes(); // first call outside the timed spans
    let th = threadTimes();
    let t = now();
    const lap = () => {
      const t1 = now();
      wall.push(t1 - t);
      const th1 = threadTimes();
      if (th1 !== null) cpu.push({ main: th1.main - th.main, background: th1.background - th.background, wait: th1.wait - th.wait });
      th = th1;
      t = now();
    };
    const { initWasm, Engine } = await import(ENTRY);
    lap();
    await initWasm();
    lap();
    if (split) {
      Engine.fromJSON(one).free();
      lap();
    }
    const e = Engine.fromJSON(text);
    lap();
    consume(e.boolean("flag-0000", false, ctx));
    lap();
    const parts = Object.fromEntries(names.map((n, i) => [n, wall[i]]));
    parts.importInstantiate = parts.import + parts.instantiate;
    const threads = cpu.length === names.length ? Object.fromEntries(names.map((n, i) => [n, cpu[i]])) : undefined;
    emit({ lib: LIB, mode, coldMs: wall.reduce((a, b) => a + b, 0), parts, threads });
    return;
  }
  const { initWasm, Engine } = await import(ENTRY);
  await initWasm();
  const text3 = sc.s3();
  if (mode === "memory") {
    // The wasm instance exists before the baseline; what stays is the engine (wasm heap growth + JS side).
    const warm = Engine.fromJSON(sc.s1());
    warm.free();
    const r = await retained(() => Engine.fromJSON(text3));
    emit({ lib: LIB, mode, bytes: r.bytes, heap: r.heap, external: r.external, jsonBytes: Buffer.byteLength(text3) });
    r.keep.free();
    return;
  }
  const opt = quick ? { samples: 5, sampleMs: 20, warmupMs: 50 } : {};
  const all = users();
  const ctxs = all.map(sc.context);
  const N = ctxs.length;

  const e1 = Engine.fromJSON(sc.s1());
  const s1 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (e1.boolean(S1_KEY, false, ctxs[j])) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);

  const e2 = Engine.fromJSON(sc.s2());
  const s2 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (e2.boolean(S2_KEY, false, ctxs[j])) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);
  let s2True = 0;
  let s2Rule = 0;
  for (let j = 0; j < N; j++) {
    if (e2.boolean(S2_KEY, false, ctxs[j])) s2True++;
    if (s2Targeted(all[j])) s2Rule++;
  }

  // forContext / bind: repeated reads of the S2 flag for one user
  const bound = e2.bind(ctxs[0]);
  const bind = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (bound.boolean(S2_KEY, false)) c++;
    return c;
  }, opt);

  const load = timeEach(() => Engine.fromJSON(text3), {
    ...(quick ? LOAD_TIMING_QUICK : LOAD_TIMING),
    after: (e) => e.free(),
  });

  const e3 = Engine.fromJSON(text3);
  const ctx3 = sc.context(S3_USER);
  const evalAll = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (e3.all(ctx3)) c++;
    return c;
  }, { ...opt, sampleMs: 60 });
  const s3True = Object.values(e3.all(ctx3)).filter((d) => d.value === true).length;

  emit({
    lib: LIB,
    mode,
    results: { s1, s2, bind, load, evalAll },
    checks: { s2True, s2Rule, users: N, s3True, s3Flags: e3.flagKeys().length },
    notes: { bind: "engine.bind(ctx).boolean", evalAll: "engine.all(ctx)", load: "Engine.fromJSON(text)" },
  });
});
