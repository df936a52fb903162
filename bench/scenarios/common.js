// The scenarios every library runs, described once (library-neutral). Each library's file in this folder
// turns them into its own config format and context shape with the same meaning:
//
//   S1  one boolean flag, on, no targeting; the context is passed on each call.
//   S2  one boolean flag: `country` in TARGET_COUNTRIES AND `plan == "pro"` → true, else a 30 % rollout by
//       user id → true, else false. 10,000 users rotating; the context is passed on each call as users
//       write it (a plain object literal per user, built before timing).
//   S3  1,000 boolean flags, each with the two kinds of rule of S2 (its own country set and plan) plus a
//       numeric rule `age >= threshold` → true; loaded from JSON text, then every flag for one user.
//
// Everything is deterministic (seeded), so all processes and all libraries see the same data.

export const USER_COUNT = 10_000;
export const S3_FLAGS = 1_000;
export const ROLLOUT_PERCENT = 30;

/** The 10 countries of S2's targeting rule. */
export const TARGET_COUNTRIES = ["DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL", "SE", "DK"];
/** Countries users come from: the 10 above and 10 others. */
export const ALL_COUNTRIES = [...TARGET_COUNTRIES, "US", "GB", "CA", "BR", "IN", "JP", "AU", "MX", "ZA", "KR"];
export const PLANS = ["free", "pro", "team"];

export const S1_KEY = "s1-plain";
export const S2_KEY = "s2-targeted";

// mulberry32: a small, fast, seeded PRNG.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The 10,000 users, library-neutral: { id, country, plan, age }. Half of them come from a target
 * country, a third are on "pro".
 */
export function users(n = USER_COUNT) {
  const r = rng(0xed6ef1a9);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      id: `user-${i}`,
      country: ALL_COUNTRIES[Math.floor(r() * ALL_COUNTRIES.length)],
      plan: PLANS[Math.floor(r() * PLANS.length)],
      age: 18 + Math.floor(r() * 60),
    };
  }
  return out;
}

/** The one user of S3's evaluate-all. */
export const S3_USER = { id: "user-4242", country: "DE", plan: "pro", age: 35 };

/** Flag i of S3, library-neutral: its key, country set, plan and age threshold. */
export function s3Flag(i) {
  const countries = [];
  for (let k = 0; k < 10; k++) countries.push(ALL_COUNTRIES[(i + k) % ALL_COUNTRIES.length]);
  return {
    key: `flag-${String(i).padStart(4, "0")}`,
    countries,
    plan: PLANS[1 + (i % 2)], // "pro" or "team"
    minAge: 20 + (i % 50),
  };
}

export function s3Flags(n = S3_FLAGS) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = s3Flag(i);
  return out;
}

/** Whether S2's targeting rule holds for `u` (the part every library must agree on exactly). */
export function s2Targeted(u) {
  return TARGET_COUNTRIES.includes(u.country) && u.plan === "pro";
}

/** The rule-decided part of S3 for `u`: flags whose first or second rule holds. */
export function s3RuleMatches(u, flags = s3Flags()) {
  let n = 0;
  for (const f of flags) if ((f.countries.includes(u.country) && u.plan === f.plan) || u.age >= f.minAge) n++;
  return n;
}
