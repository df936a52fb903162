// @flipt-io/flipt-client-js 0.5.1 (Rust compiled to WebAssembly) on the scenarios of scenarios/common.js.
// No Flipt server: the client's `fetcher` option serves the snapshot from memory. One process; prints one
// JSON line.
import { args, run, emit, timeOps, timeEach, retained, now, consume, LOAD_TIMING, LOAD_TIMING_QUICK } from "./harness.js";
import { users, S1_KEY, S2_KEY, S3_USER, s2Targeted, s3Flags } from "./scenarios/common.js";
import * as sc from "./scenarios/flipt.js";

const LIB = "flipt";
const { mode, quick } = args();

// A fetcher answering with the snapshot text, as a Flipt server would.
const fetcherOf = (text) => async () =>
  new Response(text, { status: 200, headers: { "content-type": "application/json", etag: '"bench"' } });

async function client(FliptClient, text) {
  return FliptClient.init({ namespace: "default", url: "http://127.0.0.1:1", updateInterval: 0, fetcher: fetcherOf(text) });
}

run(LIB, async () => {
  if (mode === "cold") {
    const text = sc.s3();
    const req = sc.request("flag-0000", S3_USER);
    const t0 = now();
    const { FliptClient } = await import("@flipt-io/flipt-client-js");
    const c = await client(FliptClient, text);
    consume(c.evaluateBoolean(req).enabled);
    emit({ lib: LIB, mode, coldMs: now() - t0 });
    c.close();
    return;
  }
  const { FliptClient } = await import("@flipt-io/flipt-client-js");
  const text3 = sc.s3();
  if (mode === "memory") {
    // Initialise the wasm instance first (its own baseline), then measure what the S3 state keeps.
    const warm = await client(FliptClient, sc.s1());
    const r = await retained(() => {
      warm.engine.snapshot(JSON.parse(text3));
      return warm;
    });
    emit({ lib: LIB, mode, bytes: r.bytes, heap: r.heap, external: r.external, jsonBytes: Buffer.byteLength(text3) });
    warm.close();
    return;
  }
  const opt = quick ? { samples: 5, sampleMs: 20, warmupMs: 50 } : {};
  const all = users();
  const r1 = all.map((u) => sc.request(S1_KEY, u));
  const r2 = all.map((u) => sc.request(S2_KEY, u));
  const N = all.length;

  const c1 = await client(FliptClient, sc.s1());
  const s1 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (c1.evaluateBoolean(r1[j]).enabled) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);

  const c2 = await client(FliptClient, sc.s2());
  const s2 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (c2.evaluateBoolean(r2[j]).enabled) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);
  let s2True = 0;
  let s2Rule = 0;
  for (let j = 0; j < N; j++) {
    if (c2.evaluateBoolean(r2[j]).enabled) s2True++;
    if (s2Targeted(all[j])) s2Rule++;
  }

  // Loading: what refresh() does with a fetched body (JSON.parse + engine.snapshot), on the live client.
  const c3 = await client(FliptClient, text3);
  const load = timeEach(() => c3.engine.snapshot(JSON.parse(text3)), quick ? LOAD_TIMING_QUICK : LOAD_TIMING);

  const batch = s3Flags().map((f) => sc.request(f.key, S3_USER));
  const evalAll = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) c += c3.evaluateBatch(batch).responses.length;
    return c;
  }, { ...opt, sampleMs: 60 });
  const s3True = c3.evaluateBatch(batch).responses.filter((r) => r.booleanEvaluationResponse && r.booleanEvaluationResponse.enabled).length;

  emit({
    lib: LIB,
    mode,
    results: { s1, s2, load, evalAll },
    checks: { s2True, s2Rule, users: N, s3True, s3Flags: batch.length },
    notes: { bind: "no bound-context API", evalAll: "evaluateBatch(1,000 requests)", load: "JSON.parse + engine.snapshot" },
  });
  for (const c of [c1, c2, c3]) c.close();
});
