// @openfeature/flagd-core 4.0.1 on the scenarios of scenarios/common.js. One process; prints one JSON line.
import { args, run, emit, timeOps, timeEach, retained, now, consume, LOAD_TIMING, LOAD_TIMING_QUICK } from "./harness.js";
import { users, S1_KEY, S2_KEY, S3_USER, s2Targeted } from "./scenarios/common.js";
import * as sc from "./scenarios/flagd.js";

const LIB = "flagd-core";
const { mode, quick } = args();

run(LIB, async () => {
  if (mode === "cold") {
    const text = sc.s3();
    const ctx = sc.context(S3_USER);
    const t0 = now();
    const { FlagdCore } = await import("@openfeature/flagd-core");
    const core = new FlagdCore();
    core.setConfigurations(text);
    consume(core.resolveBooleanEvaluation("flag-0000", false, ctx).value);
    emit({ lib: LIB, mode, coldMs: now() - t0 });
    return;
  }
  const { FlagdCore } = await import("@openfeature/flagd-core");
  const text3 = sc.s3();
  if (mode === "memory") {
    const r = await retained(() => {
      const core = new FlagdCore();
      core.setConfigurations(text3);
      return core;
    });
    emit({ lib: LIB, mode, bytes: r.bytes, heap: r.heap, external: r.external, jsonBytes: Buffer.byteLength(text3) });
    return;
  }
  const opt = quick ? { samples: 5, sampleMs: 20, warmupMs: 50 } : {};
  const all = users();
  const ctxs = all.map(sc.context);
  const N = ctxs.length;

  const c1 = new FlagdCore();
  c1.setConfigurations(sc.s1());
  const s1 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (c1.resolveBooleanEvaluation(S1_KEY, false, ctxs[j]).value) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);

  const c2 = new FlagdCore();
  c2.setConfigurations(sc.s2());
  const s2 = timeOps((n) => {
    let c = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (c2.resolveBooleanEvaluation(S2_KEY, false, ctxs[j]).value) c++;
      if (++j === N) j = 0;
    }
    return c;
  }, opt);

  // Check: S2's answers for the 10,000 users.
  let s2True = 0;
  let s2Rule = 0;
  for (let j = 0; j < N; j++) {
    if (c2.resolveBooleanEvaluation(S2_KEY, false, ctxs[j]).value) s2True++;
    if (s2Targeted(all[j])) s2Rule++;
  }

  const load = timeEach(
    () => {
      const c = new FlagdCore();
      c.setConfigurations(text3);
      return c;
    },
    quick ? LOAD_TIMING_QUICK : LOAD_TIMING,
  );

  const c3 = new FlagdCore();
  c3.setConfigurations(text3);
  const ctx3 = sc.context(S3_USER);
  const evalAll = timeOps((n) => {
    let c = 0;
    for (let i = 0; i < n; i++) c += c3.resolveAll(ctx3).length;
    return c;
  }, { ...opt, sampleMs: 60 });
  const s3True = c3.resolveAll(ctx3).filter((d) => d.value === true).length;

  emit({
    lib: LIB,
    mode,
    results: { s1, s2, load, evalAll },
    checks: { s2True, s2Rule, users: N, s3True, s3Flags: c3.getFlags().size },
    notes: { bind: "no bound-context API", evalAll: "resolveAll(ctx)" },
  });
});
