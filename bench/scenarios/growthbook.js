// @growthbook/growthbook: a features payload (force rules with Mongo-style conditions, a `coverage`
// rollout hashed by `id`); contexts `{ attributes: { id, country, plan, age } }` (UserContext).
import { S1_KEY, S2_KEY, TARGET_COUNTRIES, ROLLOUT_PERCENT, s3Flags } from "./common.js";

const rollout = { force: true, coverage: ROLLOUT_PERCENT / 100, hashAttribute: "id" };

export function s1() {
  return JSON.stringify({ features: { [S1_KEY]: { defaultValue: true } } });
}

export function s2() {
  return JSON.stringify({
    features: {
      [S2_KEY]: {
        defaultValue: false,
        rules: [{ condition: { country: { $in: TARGET_COUNTRIES }, plan: "pro" }, force: true }, rollout],
      },
    },
  });
}

export function s3() {
  const features = {};
  for (const f of s3Flags()) {
    features[f.key] = {
      defaultValue: false,
      rules: [
        { condition: { country: { $in: f.countries }, plan: f.plan }, force: true },
        { condition: { age: { $gte: f.minAge } }, force: true },
        rollout,
      ],
    };
  }
  return JSON.stringify({ features });
}

export const context = (u) => ({ attributes: { id: u.id, country: u.country, plan: u.plan, age: u.age } });
