// edgeflag: snapshot format v1 (docs/snapshot-format.md); contexts `{ key, country, plan, age }`.
import { S1_KEY, S2_KEY, TARGET_COUNTRIES, ROLLOUT_PERCENT, s3Flags } from "./common.js";

const onOff = { on: true, off: false };

export function s1() {
  return JSON.stringify({ schema: 1, version: 1, flags: { [S1_KEY]: { variants: onOff, default: "on" } } });
}

export function s2() {
  return JSON.stringify({
    schema: 1,
    version: 1,
    flags: {
      [S2_KEY]: {
        variants: onOff,
        default: "off",
        rules: [
          {
            when: { all: [{ attr: "country", op: "in", values: TARGET_COUNTRIES }, { attr: "plan", op: "eq", value: "pro" }] },
            serve: "on",
          },
          { serve: { variant: "on", percent: ROLLOUT_PERCENT, by: "key" } },
        ],
      },
    },
  });
}

/** S3's snapshot; `n` flags instead of S3's 1,000 for run-edgeflag.js's cold-split mode (its first flag alone). */
export function s3(n) {
  const flags = {};
  for (const f of s3Flags(n)) {
    flags[f.key] = {
      variants: onOff,
      default: "off",
      rules: [
        {
          when: { all: [{ attr: "country", op: "in", values: f.countries }, { attr: "plan", op: "eq", value: f.plan }] },
          serve: "on",
        },
        { when: { attr: "age", op: "gte", value: f.minAge }, serve: "on" },
        { serve: { variant: "on", percent: ROLLOUT_PERCENT, by: "key" } },
      ],
    };
  }
  return JSON.stringify({ schema: 1, version: 1, flags });
}

/** The context as an edgeflag user writes it. */
export const context = (u) => ({ key: u.id, country: u.country, plan: u.plan, age: u.age });
