// Shared by the runners (one process per library): argument parsing, timing, memory and result output.
// Each runner prints exactly one JSON line on stdout; bench/run.js collects them.

import { performance } from "node:perf_hooks";

export function args(argv = process.argv.slice(2)) {
  const out = { mode: "bench", quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--mode") out.mode = argv[++i];
    else if (a === "--quick") out.quick = true;
  }
  return out;
}

// The clock samples are taken with. "cpu" (default): CPU time of this process (user + system, all its
// threads), which other processes on a shared machine barely disturb; "wall": elapsed real time.
export const CLOCK = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";
/** Nanoseconds on the benchmark clock. */
export function clockNs() {
  if (CLOCK === "wall") return Number(process.hrtime.bigint());
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

let sink = 0;
/** Keeps results observable so that no loop is optimised away. */
export function consume(v) {
  sink = (sink + (v === true ? 1 : typeof v === "number" ? v : v ? 1 : 0)) | 0;
}
export function sinkValue() {
  return sink;
}

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(samples, unit) {
  return { unit, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/**
 * Per-operation time of `fn(n)` (which runs the operation n times and returns something to consume):
 * warms up, calibrates n so that a sample lasts about `sampleMs`, then takes `samples` samples.
 * Returns nanoseconds per operation: {unit: "ns", median, min, max, samples}.
 */
export function timeOps(fn, { samples = 9, sampleMs = 40, warmupMs = 300 } = {}) {
  let n = 1;
  // calibrate on the benchmark clock (doubles as warm-up); the CPU clock ticks in 1 ms steps on some
  // kernels, hence samples of tens of milliseconds
  for (;;) {
    const t0 = clockNs();
    consume(fn(n));
    const dt = (clockNs() - t0) / 1e6;
    if (dt >= 8) {
      n = Math.max(1, Math.round((n * sampleMs) / dt));
      break;
    }
    n *= 2;
  }
  const wEnd = performance.now() + warmupMs;
  while (performance.now() < wEnd) consume(fn(n));
  const out = [];
  for (let s = 0; s < samples; s++) {
    const t0 = clockNs();
    consume(fn(n));
    const dt = clockNs() - t0;
    out.push(dt / n);
  }
  return summary(out, "ns");
}

/**
 * The S3 load's timing, the same for every library: 10 loads before the 15 timed. A load is timed in a warm
 * process (a client's later snapshot updates); the first loads are the cold start's row. V8 recompiles a
 * function with its optimising compiler, on background threads, once it has run enough: edgeflag's wasm
 * load functions get there over its first ~8 loads in a process, each of which costs ~4 ms of that CPU
 * beside its own ~3 ms (process CPU is what the samples measure); the JS libraries' loads are steady from
 * the second. With 3 loads before the timed ones, the first timed loads held that one-time CPU.
 */
export const LOAD_TIMING = { samples: 15, warmup: 10 };
/** `LOAD_TIMING` for `--quick`. */
export const LOAD_TIMING_QUICK = { samples: 3, warmup: 1 };

/**
 * Time of one call of `fn()` (for millisecond-scale operations such as loading a snapshot), `samples`
 * times after `warmup` calls. `after(result)` runs outside the timed part (e.g. to free what was loaded).
 */
export function timeEach(fn, { samples = 15, warmup = 3, after = () => {} } = {}) {
  for (let i = 0; i < warmup; i++) after(fn());
  const out = [];
  for (let s = 0; s < samples; s++) {
    const t0 = clockNs();
    const r = fn();
    const dt = clockNs() - t0;
    after(r);
    out.push(dt / 1e6);
  }
  return summary(out, "ms");
}

/** Garbage-collects thoroughly (needs --expose-gc). */
export function fullGc() {
  if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) globalThis.gc();
}

/** The bytes that stay allocated by `load()` (JS heap + external memory, wasm memory included). */
export async function retained(load) {
  fullGc();
  const m0 = process.memoryUsage();
  const keep = await load();
  fullGc();
  const m1 = process.memoryUsage();
  const bytes = m1.heapUsed - m0.heapUsed + (m1.external - m0.external);
  return {
    keep,
    bytes,
    heap: m1.heapUsed - m0.heapUsed,
    external: m1.external - m0.external,
    arrayBuffers: m1.arrayBuffers - m0.arrayBuffers,
  };
}

/** Wall-clock milliseconds (a cold start is wall time: what a user waits for, background threads included). */
export const now = () => performance.now();

let procFs; // node:fs when /proc/self/task can be read (Linux), else null
/**
 * CPU time of this process's threads so far, in ms, from Linux's /proc/self/task/<tid>/schedstat: `main` (the
 * JS thread), `background` (every other thread: V8's compiler and GC threads, Node's pool) and `wait` (time the
 * main thread was ready to run but waited for a core). null where that file does not exist. Reading it takes
 * ~0.1 ms: callers time around it.
 */
export function threadTimes() {
  if (procFs === undefined) {
    procFs = process.getBuiltinModule?.("node:fs") ?? null;
    try {
      procFs?.readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8");
    } catch {
      procFs = null;
    }
  }
  if (procFs === null) return null;
  const out = { main: 0, background: 0, wait: 0 };
  for (const tid of procFs.readdirSync("/proc/self/task")) {
    let f;
    try {
      f = procFs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" "); // run ns, wait ns, slices
    } catch {
      continue; // the thread ended
    }
    if (+tid === process.pid) {
      out.main += f[0] / 1e6;
      out.wait += f[1] / 1e6;
    } else out.background += f[0] / 1e6;
  }
  return out;
}

/** Prints the runner's one JSON line. */
export function emit(obj) {
  process.stdout.write(JSON.stringify({ ...obj, clock: CLOCK, node: process.version, sink: sinkValue() }) + "\n");
}

/** Runs `main` and reports an error as {error} instead of a stack trace (so run.js can print "n/a"). */
export async function run(lib, main) {
  try {
    await main();
  } catch (e) {
    emit({ lib, error: String(e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e) });
    process.exitCode = 0;
  }
}
