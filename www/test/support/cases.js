// Loads the shared conformance case files (tests/cases/*.json, format in docs/ARCHITECTURE.md) and
// runs them through an Engine. Runtime-agnostic (Node, Deno, Bun): used by conformance.test.js and by
// the runtime child script.
import { readFileSync, readdirSync, existsSync } from "node:fs";

export const ROOT = new URL("../../../", import.meta.url);
export const CASES_DIR = new URL("tests/cases/", ROOT);
export const VECTORS = new URL("tests/vectors/bucketing.json", ROOT);

/** A number whose JSON spelling JavaScript cannot keep (`42.0`, integers past 2^53). */
export class LossyNumber {
  constructor(text) {
    this.text = text;
  }
}

// A strict-enough JSON parser that keeps the source span of every object/array (`SPAN` symbol) and
// marks numbers JS would read differently from the Rust engine.
export const SPAN = Symbol("span");

export function parseJson(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (m) => {
    throw new SyntaxError(`${m} at ${i}`);
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      const start = i++;
      const o = {};
      ws();
      if (text[i] === "}") {
        i++;
      } else {
        for (;;) {
          ws();
          if (text[i] !== '"') fail("key expected");
          const k = str();
          ws();
          if (text[i++] !== ":") fail("':' expected");
          const v = value();
          if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
          else o[k] = v;
          ws();
          if (text[i] === ",") i++;
          else if (text[i] === "}") {
            i++;
            break;
          } else fail("',' or '}' expected");
        }
      }
      Object.defineProperty(o, SPAN, { value: [start, i] });
      return o;
    }
    if (c === "[") {
      const start = i++;
      const a = [];
      ws();
      if (text[i] === "]") {
        i++;
      } else {
        for (;;) {
          a.push(value());
          ws();
          if (text[i] === ",") i++;
          else if (text[i] === "]") {
            i++;
            break;
          } else fail("',' or ']' expected");
        }
      }
      Object.defineProperty(a, SPAN, { value: [start, i] });
      return a;
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail("value expected");
    i += m[0].length;
    const v = Number(m[0]);
    const literalInt = m[2] === undefined && m[3] === undefined;
    // `42.0` is no integer to Rust but is 42 to JS; `9007199254740993` is rounded by JS.
    const lossy = literalInt ? BigInt(m[0]) !== BigInt(v) : Number.isInteger(v) && Math.abs(v) <= 2 ** 53;
    if (lossy) {
      return new LossyNumber(m[0]);
    }
    return v;
  };
  const str = () => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}

function containsLossy(v) {
  if (v instanceof LossyNumber) return true;
  if (v !== null && typeof v === "object") return Object.values(v).some(containsLossy);
  return false;
}

// The JS value of a parsed value (LossyNumbers as JS reads them).
function toJs(v) {
  if (v instanceof LossyNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(toJs);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) {
      if (k === "__proto__") Object.defineProperty(o, k, { value: toJs(v[k]), enumerable: true, writable: true, configurable: true });
      else o[k] = toJs(v[k]);
    }
    return o;
  }
  return v;
}

// JSON text of a parsed value: LossyNumbers keep their spelling.
function toJson(v) {
  if (v instanceof LossyNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${toJson(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

// RFC 3339 → milliseconds (digits below the millisecond dropped), as the spec has it.
export function parseInstant(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) throw new Error(`bad instant ${s}`);
  const ms = m[7] ? Number((m[7] + "00").slice(0, 3)) : 0;
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
  if (m[1] < "0100") t = new Date(t).setUTCFullYear(+m[1]);
  if (!m[8]) t -= (m[9] === "-" ? -1 : 1) * (+m[10] * 60 + +m[11]) * 60000;
  return t;
}

export const DEFAULT_NOW = "2026-01-01T00:00:00Z";

/** Every case file, parsed: [{file, description, snapshotText, cases | expectErrors, limits}]. */
export function loadCaseFiles() {
  if (!existsSync(CASES_DIR)) return [];
  const files = readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
  return files.map((file) => {
    const text = readFileSync(new URL(file, CASES_DIR), "utf8");
    const doc = parseJson(text);
    // The snapshot's own text from the file (number spelling and key order kept).
    const snapshotOf = (d) => {
      if (typeof d.snapshotText === "string") return d.snapshotText;
      if (d.snapshot === undefined) return undefined;
      const s = d.snapshot;
      return s !== null && typeof s === "object" ? text.slice(s[SPAN][0], s[SPAN][1]) : toJson(s);
    };
    const snapshotText = snapshotOf(doc);
    // Invalid snapshots: a whole file (`expectErrors`) or a list of entries (`invalid`).
    const invalid = [];
    if (Array.isArray(doc.expectErrors)) {
      invalid.push({ name: doc.description ?? file, snapshotText, limits: doc.limits ?? null, expectErrors: doc.expectErrors });
    }
    for (const e of doc.invalid || []) {
      invalid.push({ name: e.name, snapshotText: snapshotOf(e), limits: e.limits ?? null, expectErrors: e.expectErrors });
    }
    const cases = (doc.cases || []).map((c) => ({
      name: c.name,
      flag: c.flag,
      context: toJs(c.context),
      now: c.now ?? DEFAULT_NOW,
      type: c.type ?? null,
      fallback: "default" in c ? toJs(c.default) : null,
      expect: toJs(c.expect || {}),
      // The case spells a number JS reads differently (`1.0` is the integer 1 in JS): it runs, but a
      // difference is JavaScript's number model, not a bug.
      lossy: containsLossy(c.context) || containsLossy(c.default),
    }));
    return { file, description: doc.description, snapshotText, invalid, cases: invalid.length > 0 && !doc.cases ? [] : cases };
  });
}

/** The bucketing vectors ([{salt, unit, bucket}]), or null when the file does not exist yet. */
export function loadVectors() {
  if (!existsSync(VECTORS)) return null;
  const doc = JSON.parse(readFileSync(VECTORS, "utf8"));
  return Array.isArray(doc) ? doc : doc.vectors;
}

const pct = (buckets) => `${Math.floor(buckets / 1000)}.${String(buckets % 1000).padStart(3, "0")}`;

/**
 * The vectors through evaluation (the unit encoded from a JS context, hashed by the engine): for each
 * vector a flag salted like it rolls out to `bucket + 1` buckets (must serve "on") and one to `bucket`
 * buckets (must not). Returns the failures.
 */
export function checkVectorsByEval(Engine, vectors) {
  const flags = [];
  vectors.forEach((v, i) => {
    for (const [suffix, buckets] of [["in", v.bucket + 1], ["out", v.bucket]]) {
      flags.push(
        `${JSON.stringify(`v${i}-${suffix}`)}:{"salt":${JSON.stringify(v.salt)},"variants":{"on":true,"off":false},"default":"off",` +
          `"rules":[{"serve":{"variant":"on","percent":${pct(buckets)},"by":"id"}}]}`,
      );
    }
  });
  const engine = Engine.fromJSON(`{"schema":1,"version":1,"flags":{${flags.join(",")}}}`);
  const failures = [];
  try {
    vectors.forEach((v, i) => {
      const ctx = { id: v.unit };
      const a = engine.boolean(`v${i}-in`, null, ctx);
      const b = engine.boolean(`v${i}-out`, null, ctx);
      if (a !== true || b !== false) failures.push(`${JSON.stringify(v)}: in ${a}, out ${b}`);
    });
  } finally {
    engine.free();
  }
  return failures;
}

const FIELDS = ["value", "variant", "reason", "ruleId", "ruleIndex", "errorCode", "errorMessage", "prerequisite", "metadata"];

/** Runs one case on every read path; returns {details, typed, bound, all, mismatches: [string]}. */
export function runCase(engine, c, deepEqual) {
  const now = parseInstant(c.now);
  const opts = { type: c.type ?? undefined, now };
  const d = engine.details(c.flag, c.fallback, c.context, opts);
  const mismatches = [];
  for (const k of Object.keys(c.expect)) {
    if (!deepEqual(d[k], c.expect[k])) {
      mismatches.push(`${k}: got ${JSON.stringify(d[k])}, expected ${JSON.stringify(c.expect[k])}`);
    }
  }
  // The fast paths must agree with details().
  if (c.type) {
    const typed = engine[c.type](c.flag, c.fallback, c.context, now);
    if (!deepEqual(typed, d.value)) mismatches.push(`engine.${c.type}(): got ${JSON.stringify(typed)}, details gave ${JSON.stringify(d.value)}`);
  }
  const bound = engine.bind(c.context);
  try {
    const bd = bound.details(c.flag, c.fallback, opts);
    for (const k of FIELDS) {
      if (!deepEqual(bd[k], d[k])) mismatches.push(`bind().details().${k}: got ${JSON.stringify(bd[k])}, details gave ${JSON.stringify(d[k])}`);
    }
    if (c.type) {
      const bv = bound[c.type](c.flag, c.fallback, now);
      if (!deepEqual(bv, d.value)) mismatches.push(`bind().${c.type}(): got ${JSON.stringify(bv)}, details gave ${JSON.stringify(d.value)}`);
    }
  } finally {
    bound.free();
  }
  if (!c.type && c.fallback === null && engine.flagType(c.flag) !== undefined) {
    const a = engine.all(c.context, now)[c.flag];
    for (const k of FIELDS) {
      if (!deepEqual(a[k], d[k])) mismatches.push(`all().${k}: got ${JSON.stringify(a[k])}, details gave ${JSON.stringify(d[k])}`);
    }
  }
  return { details: pick(d), mismatches };
}

function pick(d) {
  const o = {};
  for (const k of ["value", "variant", "reason", "ruleId", "ruleIndex", "errorCode", "prerequisite"]) o[k] = d[k];
  return o;
}

/** A plain structural equality for JSON values (for runtimes without node:assert). */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

/** Loads an invalid snapshot; returns {problems} (sorted paths) and a failure message, or {skip}. */
export function checkInvalid(Engine, inv) {
  const want = [...inv.expectErrors].sort();
  try {
    Engine.fromJSON(inv.snapshotText, inv.limits ? { limits: inv.limits } : undefined).free();
  } catch (e) {
    const problems = (e.problems || []).map((p) => p.path).sort();
    if (e.name !== "SnapshotError") return { problems, failure: `threw ${e}` };
    if (!jsonEqual(problems, want)) return { problems, failure: `problems at [${problems.join(", ")}], expected [${want.join(", ")}]: ${e.message}` };
    return { problems };
  }
  if (want.length === 0) return { problems: [] }; // a snapshot that must load
  return { problems: [], failure: `loaded; expected problems at [${want.join(", ")}]` };
}

/**
 * Runs every case file and vector; returns a summary that is identical across runtimes:
 * {files: {file: {loaded, problems?, cases: {name: details | {skip}}}}, vectors: [bucket...]}.
 */
export function runAll(api) {
  const { Engine, bucket } = api;
  const summary = { files: {}, vectors: null, failures: [], skipped: [], passed: 0 };
  for (const f of loadCaseFiles()) {
    const out = { invalid: {}, cases: {} };
    summary.files[f.file] = out;
    for (const inv of f.invalid) {
      const r = checkInvalid(Engine, inv);
      out.invalid[inv.name] = r.skip ? { skip: r.skip } : r.problems;
      if (r.skip) summary.skipped.push(`${f.file} › ${inv.name}: ${r.skip}`);
      else if (r.failure) summary.failures.push(`${f.file} › ${inv.name}: ${r.failure}`);
      else summary.passed++;
    }
    if (f.cases.length === 0) continue;
    let engine;
    try {
      engine = Engine.fromJSON(f.snapshotText);
    } catch (e) {
      summary.failures.push(`${f.file}: snapshot refused: ${e.message}`);
      continue;
    }
    try {
      for (const c of f.cases) {
        const r = runCase(engine, c, jsonEqual);
        out.cases[c.name] = r.details;
        if (c.lossy && r.mismatches.length > 0) {
          summary.skipped.push(`${f.file} › ${c.name}: JavaScript reads the context's number differently (${r.mismatches[0]})`);
          continue;
        }
        summary.passed += r.mismatches.length === 0 ? 1 : 0;
        for (const m of r.mismatches) summary.failures.push(`${f.file} › ${c.name}: ${m}`);
      }
    } finally {
      engine.free();
    }
  }
  const vectors = loadVectors();
  if (vectors) {
    summary.vectors = vectors.map((v) => {
      const got = bucket(v.salt, String(v.unit));
      if (got !== v.bucket) summary.failures.push(`bucket(${JSON.stringify(v.salt)}, ${JSON.stringify(v.unit)}) = ${got}, expected ${v.bucket}`);
      else summary.passed++;
      return got;
    });
    const viaEval = checkVectorsByEval(Engine, vectors);
    for (const f of viaEval) summary.failures.push(`vector through evaluation: ${f}`);
    summary.vectorsByEval = viaEval.length;
  }
  return summary;
}
