// @growthbook/growthbook 1.8.0 (GrowthBookClient: one instance, the user context passed per call) on the
// scenarios of scenarios/common.js. One process; prints one JSON line.
import { args, run, emit, timeOps, timeEach, retained, now, consume, LOAD_TIMING, LOAD_TIMING_QUICK } from "./harness.js";
import { users, S1_KEY, S2_KEY, S3_USER, s2Targeted } from "./scenarios/common.js";
import * as sc from "./scenarios/growthbook.js";

const LIB = "growthbook";
const { mode, quick } = args();

function client(GrowthBookClient, text) {
  return new GrowthBookClient().initSync({ payload: JSON.parse(text) });
}

// GrowthBook has no evaluate-all: the loop a user writes, one result object per feature.
function evalAll(gb, keys, uc) {
  const out = {};
  for (let k = 0; k < keys.length; k++) out[keys[k]] = gb.evalFeature(keys[k], uc);
  return out;
}

run(LIB, async () => {
  if (mode === "cold") {
    const text = sc.s3();
    const uc = sc.context(S3_USER);
    const t0 = now();
    const { GrowthBookClient } = await import("@growthbook/growthbook");
    const gb = client(GrowthBookClient, text);
    consume(gb.isOn("flag-0000", uc));
    emit({ lib: LIB, mode, coldMs: now() - t0 });
    gb.destroy();
    return;
  }
  const { GrowthBookClient } = await import("@growthbook/growthbook");
  const text3 = sc.s3();
  if (mode === "memory") {
    const r = await retained(() => client(GrowthBookClient, text3));
    emit({ lib: LIB, mode, bytes: r.bytes, heap: r.heap, external: r.external, jsonBytes: Buffer.byteLength(text3) });
    r.keep.destroy();
    return;
  }
  const opt = quick ? { samples: 5, sampleMs: 20, warmupMs: 50 } : {};
  const all = users();
  const ucs = all.map(sc.context);
  const N = ucs.length;

  const g1 = client(GrowthBookClient, sc.s1());
  const s1 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (g1.isOn(S1_KEY, ucs[j])) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);

  const g2 = client(GrowthBookClient, sc.s2());
  const s2 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (g2.isOn(S2_KEY, ucs[j])) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);
  let s2True = 0;
  let s2Rule = 0;
  for (let j = 0; j < N; j++) {
    if (g2.isOn(S2_KEY, ucs[j])) s2True++;
    if (s2Targeted(all[j])) s2Rule++;
  }

  // Repeated reads for one user: the scoped instance is GrowthBook's bound evaluator.
  const scoped = g2.createScopedInstance(ucs[0]);
  const bind = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (scoped.isOn(S2_KEY)) c++;
    return c;
  }, opt);

  const load = timeEach(() => client(GrowthBookClient, text3), { ...(quick ? LOAD_TIMING_QUICK : LOAD_TIMING), after: (g) => g.destroy() });

  const g3 = client(GrowthBookClient, text3);
  const keys = Object.keys(g3.getFeatures());
  const uc3 = sc.context(S3_USER);
  const evalAllT = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (evalAll(g3, keys, uc3)) c++;
    return c;
  }, { ...opt, sampleMs: 60 });
  const s3True = Object.values(evalAll(g3, keys, uc3)).filter((r) => r.value === true).length;

  emit({
    lib: LIB,
    mode,
    results: { s1, s2, bind, load, evalAll: evalAllT },
    checks: { s2True, s2Rule, users: N, s3True, s3Flags: keys.length },
    notes: { bind: "createScopedInstance(uc).isOn", evalAll: "loop of evalFeature", load: "JSON.parse + initSync" },
  });
  for (const g of [g1, g2, g3]) g.destroy();
});
