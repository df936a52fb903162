// @flipt-io/flipt-client-js: Flipt's evaluation snapshot (what the client fetches from
// /internal/v1/evaluation/snapshot/namespace/default): boolean flags with a segment rollout (ALL match
// of two constraints) and a threshold rollout; requests `{ flagKey, entityId, context }` whose context
// values are strings (Flipt's `Record<string, string>`).
import { S1_KEY, S2_KEY, TARGET_COUNTRIES, ROLLOUT_PERCENT, s3Flags } from "./common.js";

const namespace = { key: "default" };

function flag(key, enabled, rollouts) {
  return { key, name: key, description: "", enabled, type: "BOOLEAN_FLAG_TYPE", rules: [], rollouts };
}

function segmentRollout(rank, segKey, constraints) {
  return {
    type: "SEGMENT_ROLLOUT_TYPE",
    rank,
    segment: {
      value: true,
      segmentOperator: "OR_SEGMENT_OPERATOR",
      segments: [{ key: segKey, name: segKey, description: "", matchType: "ALL_SEGMENT_MATCH_TYPE", constraints }],
    },
  };
}

const threshold = (rank) => ({ type: "THRESHOLD_ROLLOUT_TYPE", rank, threshold: { percentage: ROLLOUT_PERCENT, value: true } });

const targetConstraints = (countries, plan) => [
  { type: "STRING_CONSTRAINT_COMPARISON_TYPE", property: "country", operator: "isoneof", value: JSON.stringify(countries) },
  { type: "STRING_CONSTRAINT_COMPARISON_TYPE", property: "plan", operator: "eq", value: plan },
];

export function s1() {
  return JSON.stringify({ namespace, flags: [flag(S1_KEY, true, [])] });
}

export function s2() {
  return JSON.stringify({
    namespace,
    flags: [flag(S2_KEY, false, [segmentRollout(1, "targeted", targetConstraints(TARGET_COUNTRIES, "pro")), threshold(2)])],
  });
}

export function s3() {
  const flags = [];
  for (const f of s3Flags()) {
    flags.push(
      flag(f.key, false, [
        segmentRollout(1, `${f.key}-targeted`, targetConstraints(f.countries, f.plan)),
        segmentRollout(2, `${f.key}-age`, [{ type: "NUMBER_CONSTRAINT_COMPARISON_TYPE", property: "age", operator: "gte", value: String(f.minAge) }]),
        threshold(3),
      ]),
    );
  }
  return JSON.stringify({ namespace, flags });
}

/** A Flipt evaluation request for flag `flagKey` (built before timing, like the other contexts). */
export const request = (flagKey, u) => ({ flagKey, entityId: u.id, context: { country: u.country, plan: u.plan, age: String(u.age) } });
