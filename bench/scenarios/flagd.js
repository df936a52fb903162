// @openfeature/flagd-core: flagd flag definitions (JsonLogic targeting, `fractional` rollout by
// targetingKey); contexts `{ targetingKey, country, plan, age }` (OpenFeature EvaluationContext).
import { S1_KEY, S2_KEY, TARGET_COUNTRIES, ROLLOUT_PERCENT, s3Flags } from "./common.js";

const onOff = { on: true, off: false };
const rollout = { fractional: [["on", ROLLOUT_PERCENT], ["off", 100 - ROLLOUT_PERCENT]] };

export function s1() {
  return JSON.stringify({ flags: { [S1_KEY]: { state: "ENABLED", variants: onOff, defaultVariant: "on" } } });
}

const targeted = (countries, plan) => ({ and: [{ in: [{ var: "country" }, countries] }, { "==": [{ var: "plan" }, plan] }] });

export function s2() {
  return JSON.stringify({
    flags: {
      [S2_KEY]: {
        state: "ENABLED",
        variants: onOff,
        defaultVariant: "off",
        targeting: { if: [targeted(TARGET_COUNTRIES, "pro"), "on", rollout] },
      },
    },
  });
}

export function s3() {
  const flags = {};
  for (const f of s3Flags()) {
    flags[f.key] = {
      state: "ENABLED",
      variants: onOff,
      defaultVariant: "off",
      targeting: { if: [targeted(f.countries, f.plan), "on", { ">=": [{ var: "age" }, f.minAge] }, "on", rollout] },
    };
  }
  return JSON.stringify({ flags });
}

export const context = (u) => ({ targetingKey: u.id, country: u.country, plan: u.plan, age: u.age });
