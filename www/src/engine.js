// The low-level engine: one loaded snapshot, evaluated in WebAssembly.
//
// Hot path (typed reads): Map lookup of the flag index (a key not in the Map yet: asked of wasm once,
// edgeflag_flag_index, then cached) → (constant flags: a prebuilt value, no wasm
// call) → encode the context's used attributes straight into wasm memory → one wasm call returning a
// packed u32 → a prebuilt JS value. Nothing is allocated per call. Variant values of `json` flags are
// deep-frozen and shared by every read (never copied); so are flag metadata objects.
//
// Loading does no per-flag work in JS whatever the snapshot's size: it copies a table of one type/time/constant
// word per flag and compiles the encoder. A key's index is asked of wasm on its first read (`_at`), the key
// list only when something needs it (`_keyList`: flagKeys(), all(), free()), a flag's variants, values and
// metadata on its first use (`_flag`); each is then kept.

import { initSync as glueInitSync, finish as wasmFinish, bucket as wasmBucket, newContext as wasmNewContext, getStringFromWasm0 as wasmString } from "../pkg/edgeflag.js";
import { platform, wasmModule } from "./platform.js";
import { regexMemory } from "./regex.js";
import { diagnose, markLacking } from "./diagnostics.js";
import { MemoryViews, compileAttrs, encodeContext, grown, utf8Encoder } from "./encode.js";
import { details, errorDetails } from "./details.js";
import * as names from "./wasm-names.js"; // the raw exports' short names (names.edgeflag_eval…)

const T_BOOLEAN = 0;
const T_STRING = 1;
const T_NUMBER = 2;
const T_JSON = 3;
const TYPE_CODES = { boolean: T_BOOLEAN, string: T_STRING, number: T_NUMBER, json: T_JSON };
const TYPE_NAMES = ["boolean", "string", "number", "json"];

const REASONS = ["STATIC", "DEFAULT", "TARGETING_MATCH", "SPLIT", "DISABLED", "PREREQUISITE_FAILED", "ERROR"];
const R_PREREQUISITE_FAILED = 5;
const R_ERROR = 6;
const PACKED_ASK = 0xffffffff;

const F_TIME = 4; // edgeflag_flag_table word: the result may depend on the time
const F_CONSTANT = 8; // edgeflag_flag_table word: the flag is constant (its packed result follows the words)

const EXPLAIN_HINT =
  'edgeflag: explain() needs the devtools build of the WebAssembly module: use the "edgeflag/devtools" entry ' +
  '(in Cloudflare Workers, pass its module "edgeflag/devtools.wasm" to initWasm)';
const EMPTY = Object.freeze({});
const EMPTY_MAP = new Map();
const CONSTRUCT = Symbol(); // the constructor's token (Engine.fromJSON); internal symbols go without a description
const NO_KEY = Symbol(); // Engine#_lastKey before any lookup (equal to no key a caller passes)
// A flag key's most UTF-8 bytes (src/validate.rs, MAX_KEY_BYTES): a key of more UTF-16 units has more bytes, and names
// no flag without being written into wasm memory (which never shrinks).
const MAX_KEY = 256;
const KEY_ROOM = 3 * MAX_KEY; // the most UTF-8 bytes of such a key: the scratch buffer holds at least that
const MISSES = 1024; // Engine#_index holds at most this many keys more than the flags (callers may pass any number of distinct keys)

let mem = null; // MemoryViews over the instance's memory, once initialized
let pending = null;
let explainable = false; // the instance is the devtools build (pkg/edgeflag_devtools_bg.wasm: explainJson)
let rawEval = null; // the export edgeflag_eval(enginePtr, flag, nowMs, len): WasmEngine#eval without the glue's wrapper
let rawExports = null; // the instance's exports, for the raw entries (as rawEval): edgeflag_eval_bound, edgeflag_eval_all,
// edgeflag_context_ptr, edgeflag_context_commit, edgeflag_flag_table, edgeflag_scratch_ptr, edgeflag_loader_*

function attach(exports) {
  if (mem === null) {
    mem = new MemoryViews(exports.memory);
    regexMemory(exports.memory);
    explainable = typeof exports[names.wasmengine_explainJson] === "function";
    rawEval = exports[names.edgeflag_eval];
    rawExports = exports;
  }
}

/**
 * Loads and instantiates the WebAssembly module (once; later calls return at once).
 * `input`: undefined (beside the JS: fetched in browsers, read from disk in Node/Deno/Bun), a URL or
 * string, a Response (or a Promise of one), a BufferSource, or a compiled WebAssembly.Module (required
 * in Cloudflare Workers: `import wasm from "edgeflag/edgeflag.wasm"`).
 */
export function initWasm(input) {
  if (mem !== null) return Promise.resolve();
  if (pending === null) {
    pending = (async () => {
      // Compiled, the module is instantiated synchronously (the glue's initSync): the glue's own
      // asynchronous init (fetch, streaming, its warnings) is then left out of the bundles.
      attach(glueInitSync({ module: await wasmModule(await platform.load(await input)) }));
    })();
    pending.catch(() => {
      pending = null; // a failed load may be retried
    });
  }
  return pending;
}

/**
 * Instantiates synchronously from bytes or a WebAssembly.Module (in Node/Deno/Bun, with no argument:
 * the .wasm beside the JS). Browsers allow compiling only small modules synchronously on the main
 * thread: pass a WebAssembly.Module there, or use initWasm().
 */
export function initWasmSync(moduleOrBytes) {
  if (mem !== null) return;
  const exports = glueInitSync({ module: platform.loadSync(moduleOrBytes) });
  attach(exports);
}

// (initRegex loads the operators module: `matches`, `semver_*` and `in_cidr`; the names are those it had when it held
// regex-lite alone)
export { initRegex, initRegexSync, regexReady, mayUseRegex } from "./regex.js";
export { initDiagnostics, initDiagnosticsSync, diagnosticsReady } from "./diagnostics.js";

/** Whether the WebAssembly module is ready. */
export function wasmReady() {
  return mem !== null;
}

function requireWasm() {
  if (mem === null) throw new Error("edgeflag: the WebAssembly module is not initialized: await initWasm() first");
}

/**
 * The bucket (0..99999) of `unit` for `salt` (spec section 5): `salt` is the flag's salt (default its
 * key), `unit` the string or decimal integer of the bucketing attribute.
 */
export function bucket(salt, unit) {
  requireWasm();
  return wasmBucket(String(salt), String(unit));
}

/** A snapshot that cannot be loaded; `problems` lists every problem with its JSON path. */
export class SnapshotError extends Error {
  constructor(message, problems) {
    super(message);
    this.name = "SnapshotError";
    this.problems = problems;
  }
}

// A refusal of the runtime (loadError()'s JSON: wasmText, what 3). The runtime build ("lean": the fixed text) gives each error's
// path with that text; the diagnostics module, when loaded or loadable synchronously, the problems with their
// messages, which are taken unless a problem of the runtime's has a message of its own: one every build keeps,
// a `matches`, `semver_*` or `in_cidr` refused for want of the operators (regular-expression) module, which the
// diagnostics module has (then the
// runtime's problems are kept). The paths are the same, but for a text that is not JSON, which the runtime
// places at (root) and the module where the parser stopped (a duplicate key's object). A SnapshotError
// without the messages is marked (the client loads the module and validates again).
function refusal(raw, json, now, limits) {
  let lean;
  try {
    lean = JSON.parse(raw);
  } catch {
    return snapshotError(raw); // not JSON: a plain message
  }
  if (typeof lean.lean !== "string") return snapshotError(raw);
  const full = diagnose(json, now, limits);
  if (full && lean.problems.every((p) => p.message === lean.lean)) return snapshotError(full);
  const err = snapshotError(raw);
  if (full === null) markLacking(err);
  return err;
}

function snapshotError(e) {
  const raw = e && typeof e.message === "string" ? e.message : String(e);
  let message = raw;
  let problems = null;
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === "object") {
      if (typeof parsed.message === "string") message = parsed.message;
      if (Array.isArray(parsed.problems)) {
        problems = parsed.problems.map((p) => ({ path: String(p.path), message: String(p.message) }));
      }
    }
  } catch {
    // not JSON: a plain message
  }
  if (problems === null) problems = [{ path: "(root)", message }];
  // The engine's message lists the problems already; add any it does not.
  const missing = problems.filter((p) => !message.includes(`${p.path}: ${p.message}`));
  const lines = missing.map((p) => `\n  ${p.path}: ${p.message}`).join("");
  return new SnapshotError(message + lines, problems);
}

function deepFreeze(v) {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
}

// A copy of `n` u32s at byte offset `off` of wasm memory: the start of a Rust `Vec<u32>` (edgeflag_flag_table, edgeflag_eval_all:
// `WasmEngine::all`), so a multiple of 4 (a byte-wise path for other offsets was never taken).
function readU32s(off, n) {
  return new Uint32Array(mem._bytes().buffer, off, n).slice();
}

// A JSON text of wasm (the raw export edgeflag_text: `what` 0 meta, 1 flagsJson, 2 detailJson, 3 loadError, 4 meta with
// the keys; arguments left out are 0 in wasm): it gives the address of the text's address and length; the text is
// decoded by the glue's decoder (exported by tools/wasm-names.js), then freed. (The glue's `text`, which returned the
// pair as two values, made V8 compile a wrapper at instantiate.)
function wasmText(engine, what, a, b, ms) {
  const at = rawExports[names.edgeflag_text](engine, what, a, b, ms) >>> 0;
  mem._bytes(); // after the call, which may have grown the memory: the views anew
  const ptr = mem._dv.getUint32(at, true);
  const len = mem._dv.getUint32(at + 4, true);
  const text = wasmString(ptr, len);
  rawExports[names.__wbindgen_free](ptr, len, 1);
  return text;
}

function toMs(now) {
  if (now === undefined || now === null) return Date.now();
  if (typeof now === "number") return now;
  if (now instanceof Date) return now.getTime();
  return Number(now);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;


// Whether string `s` holds a lone surrogate (is not well-formed UTF-16: it has no UTF-8 form).
function illFormed(s) {
  return typeof s.isWellFormed === "function" ? !s.isWellFormed() : LONE_SURROGATE.test(s);
}

// The snapshot as the load takes it: a string (well-formed: see textOf), or UTF-8 bytes (checked here: the error names
// the problem as for text; passed on as they are).
function sourceOf(input) {
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    textOf(input); // throws SnapshotError when not UTF-8
    return input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  return textOf(input);
}

// The UTF-8 bytes of a source (sourceOf). A string is encoded by TextEncoder (native code): the glue's own string
// copy is a JS loop over every character, ~15 ms for 350 KB in a cold process.
function utf8Of(src) {
  return typeof src === "string" ? utf8Encoder.encode(src) : src;
}

// The runtime's load (src/wasm.rs, Loader) of a source (sourceOf): the limits set as numbers, the text put into the
// loader's buffer in chunks of CHUNK bytes (wasm memory never shrinks, and the whole text copied into it beside the
// plan being built would stay as the memory's size; the runtime's one-pass load is this chunked one), then, when that
// gives no engine (a problem), whole: that load reports every problem. A string is encoded chunk by chunk straight
// into the buffer (TextEncoder#encodeInto, which ends a chunk at a character's end: its UTF-8 length is known at its
// end only, so the size pushed is its length, exact for ASCII, a hint for the plan's arenas): S3 0.19 → 0.02 ms
// against encode() and a copy of each chunk. undefined: refused, loadError() is the problems' JSON.
const CHUNK = 16384;
function load(src, now, limits) {
  const l = rawExports[names.edgeflag_loader_new](now);
  try {
    for (let i = 0; i < limits.length; i += 2) rawExports[names.edgeflag_loader_limit](l, limits[i], limits[i + 1]);
    const n = src.length;
    let w;
    if (n > 0) {
      for (let at = 0, len = 0; at < n; ) {
        if (typeof src === "string") {
          const to = rawExports[names.edgeflag_loader_buffer](l, CHUNK) >>> 0; // may grow the memory
          const r = utf8Encoder.encodeInto(src.substring(at), mem._bytes().subarray(to, to + CHUNK));
          at += r.read;
          len = r.written;
        } else at += len = copyIn(l, src.subarray(at, at + CHUNK));
        if (!rawExports[names.edgeflag_loader_push](l, n, len, at >= n)) break;
      }
      w = wasmFinish(l, 0); // the chunked load's engine, if it gave one
    }
    if (w === undefined) {
      try {
        w = wasmFinish(l, copyIn(l, utf8Of(src)));
      } catch (e) {
        throw snapshotError(e);
      }
    }
    return w;
  } finally {
    rawExports[names.edgeflag_loader_free](l);
  }
}

// Copies `bytes` into loader `l`'s buffer; their length.
function copyIn(l, bytes) {
  const at = rawExports[names.edgeflag_loader_buffer](l, bytes.length) >>> 0; // may grow the memory
  mem._bytes().set(bytes, at);
  return bytes.length;
}

// The limit names of the runtime's indexes (Limits::NAMES in src/limits.rs).
const LIMITS = ["maxBytes", "maxConditionDepth", "maxPrerequisiteDepth", "maxRegexBytes", "maxRegexTotalBytes", "maxJsonDepth", "maxSegmentDepth", "maxEvaluationSteps"];

// `opts.limits`' JSON text (undefined: the defaults) as the runtime takes them, index and value pairs; limits
// Limits::from_json refuses throw its message (a SnapshotError without problems, as its refusal was).
function limitPairs(text) {
  const pairs = [];
  if (text === undefined) return pairs;
  const o = JSON.parse(text);
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new SnapshotError("limits must be a JSON object", []);
  for (const k of Object.keys(o)) {
    const v = o[k];
    // a usize of the wasm build: up to 2^32 - 1
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new SnapshotError(`limits.${k} must be a non-negative integer`, []);
    const i = LIMITS.indexOf(k);
    if (i < 0) throw new SnapshotError(`limits.${k}: unknown limit`, []);
    pairs.push(i, v);
  }
  return pairs;
}

function textOf(input) {
  if (typeof input === "string") {
    // A lone surrogate cannot be UTF-8: passing it on would silently turn it into U+FFFD.
    if (illFormed(input)) {
      const at = input.search(LONE_SURROGATE);
      const unit = input.charCodeAt(at).toString(16).toUpperCase();
      const message = `the text holds a lone surrogate (\\u${unit} at index ${at}): it is not valid Unicode`;
      throw new SnapshotError(`invalid snapshot: ${message}`, [{ path: "(root)", message }]);
    }
    return input;
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      throw new SnapshotError("invalid snapshot: the text is not valid UTF-8", [
        { path: "(root)", message: "the text is not valid UTF-8" },
      ]);
    }
  }
  if (input !== null && typeof input === "object") return JSON.stringify(input);
  throw new TypeError("edgeflag: Engine.fromJSON() takes the snapshot's JSON text");
}

// The message of a thrown value (an Error's, else the value as text).
function messageOf(e) {
  return String(e && e.message ? e.message : e);
}

function setKey(out, key, value) {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** One loaded snapshot. Create with `Engine.fromJSON(text)`; `free()` releases its wasm memory. */
export class Engine {
  /**
   * Validates and loads a snapshot. Throws SnapshotError listing every problem with its JSON path.
   * Accepts the JSON text (also as UTF-8 bytes); a plain object is serialized first.
   * `opts.now` (ms or Date; default the clock) is the time `warnings` judge `expires` dates by.
   */
  static fromJSON(text, opts) {
    requireWasm();
    const src = sourceOf(text);
    const now = opts == null || opts.now == null ? Date.now() : toMs(opts.now);
    const limits = opts && opts.limits != null ? JSON.stringify(opts.limits) : undefined;
    const w = load(src, now, limitPairs(limits));
    if (w === undefined) throw refusal(wasmText(0, 3), utf8Of(src), now, limits);
    let meta;
    let table;
    try {
      meta = JSON.parse(wasmText(w.__wbg_ptr, 0)); // meta (missing arguments are 0 in wasm)
      const n = meta.flagCount;
      table = readU32s(rawExports[names.edgeflag_flag_table](w.__wbg_ptr) >>> 0, 2 * n);
    } catch (e) {
      w.free();
      throw e;
    }
    return new Engine(CONSTRUCT, w, meta, table);
  }

  constructor(token, w, meta, table) {
    if (token !== CONSTRUCT) throw new TypeError("edgeflag: use Engine.fromJSON(text)");
    this._w = w;
    this._plan = compileAttrs(meta.attrs || []);
    const n = meta.flagCount;
    this._keys = null; // the flag keys by index, once asked of wasm (_keyList)
    this._index = new Map(); // key → flag index (-1: no flag), as asked of wasm (_at) or from _keyList
    // Per flag: bits 0-1 type code, F_TIME, F_CONSTANT (wasm edgeflag_flag_table); then the constants' packed results.
    this._info = table.subarray(0, n);
    this._constants = table.subarray(n, 2 * n);
    this._flags = new Array(n); // filled by _flag(i) on first use (a hole until then)
    this._lastKey = NO_KEY; // the key _find last resolved, and its flag's facts
    this._lastFlag = null;
    this._made = 0; // flags filled in
    this._anyTime = null; // whether some flag may depend on the time (all(): found on its first call)
    this._schema = meta.schema;
    this._version = meta.version;
    this._environment = meta.environment ?? null;
    this._publishedAt = meta.publishedAt ?? null;
    this._metadata = deepFreeze(meta.metadata || {});
    this._warnings = deepFreeze((meta.warnings || []).map((p) => ({ path: p.path, message: p.message })));
    this._cap = Math.max(this._plan._minCap, KEY_ROOM); // it only grows
    this._ptr = rawExports[names.edgeflag_scratch_ptr](w.__wbg_ptr, this._cap) >>> 0;
  }

  get schema() {
    return this._schema;
  }
  get version() {
    return this._version;
  }
  get environment() {
    return this._environment;
  }
  get publishedAt() {
    return this._publishedAt;
  }
  get metadata() {
    return this._metadata;
  }
  get warnings() {
    return this._warnings;
  }
  /** Flag keys in snapshot order. */
  flagKeys() {
    return this._keyList().slice();
  }
  /** "boolean" | "string" | "number" | "json", or undefined for an unknown key. */
  flagType(key) {
    const i = this._at(key);
    return i < 0 ? undefined : TYPE_NAMES[this._info[i] & 3];
  }

  // The flag keys by index: asked of wasm on first need (meta with the keys: wasmText, what 4; free() asks
  // before it frees), and then every key's index kept in _index.
  _keyList() {
    if (this._keys === null) {
      const keys = JSON.parse(wasmText(this._w.__wbg_ptr, 4)).flags;
      for (let i = 0; i < keys.length; i++) this._index.set(keys[i], i);
      this._keys = keys;
    }
    return this._keys;
  }

  // The index of flag `key`, or -1 (no such flag, the engine freed): from _index, else as wasm finds it
  // (edgeflag_flag_index: the key's UTF-8 written into the scratch buffer), then kept in _index; keys of no flag too,
  // up to about MISSES of them: when _index holds MISSES keys more than there are flags, it starts again empty. A key
  // that is not a string, is too long (MAX_KEY) or holds a lone surrogate (it has no UTF-8 form: TextEncoder would
  // write U+FFFD) names no flag, and is not kept.
  _at(key) {
    let i = this._index.get(key);
    if (i !== undefined) return i;
    if (this._w === null || typeof key !== "string" || key.length > MAX_KEY || illFormed(key)) return -1;
    // TextEncoder (native code): encode.js's writeString, JS, cost a cold process's first read ~60 µs to compile
    const at = this._ptr;
    const end = utf8Encoder.encodeInto(key, mem._bytes().subarray(at, at + this._cap)).written; // fits: KEY_ROOM
    i = rawExports[names.edgeflag_flag_index](this._w.__wbg_ptr, end);
    if (this._index.size >= this._info.length + MISSES) this._index = new Map();
    this._index.set(key, i);
    return i;
  }

  // Flag `i`'s evaluation facts, read from wasm on its first use: key (`key`, else from the key list), type, variants,
  // values (deep-frozen for json flags), metadata (deep-frozen), rule ids, whether it uses the time, and for a constant
  // flag its packed result and value.
  _flag(i, key) {
    return this._makeFlag(i, JSON.parse(this._flagsJson(i, i + 1))[0], key ?? this._keyList()[i]);
  }

  // The details of flags start..end as a JSON array (flagsJson: wasmText, what 1).
  _flagsJson(start, end) {
    return wasmText(this._w.__wbg_ptr, 1, start, end);
  }

  // Flag i's full result for the context in scratch[..len] as JSON (detailJson: wasmText, what 2).
  _detailJson(i, ms, len) {
    return wasmText(this._w.__wbg_ptr, 2, i, len, ms);
  }

  // _flag(i), or null when it cannot be read (typed reads then serve the fallback: they never throw).
  _flagOrNull(i, key) {
    try {
      return this._flag(i, key);
    } catch {
      return null;
    }
  }

  // The facts of flag `key`, or null (unknown key, details unreadable). The last key found is
  // remembered: a caller reading one flag in a loop skips the Map lookup.
  _find(key) {
    if (key === this._lastKey) return this._lastFlag;
    let i = this._index.get(key);
    if (i === undefined) i = this._at(key);
    if (i < 0) return null;
    const f = this._flags[i] ?? this._flagOrNull(i, key);
    if (f !== null) {
      this._lastKey = key;
      this._lastFlag = f;
    }
    return f;
  }

  // Every flag's facts (all(): one wasm call and one JSON.parse for those not read yet).
  _allFlags() {
    const flags = this._flags;
    const n = flags.length;
    if (this._made === n) return flags;
    const ds = JSON.parse(this._flagsJson(0, n));
    const keys = this._keyList();
    for (let i = 0; i < n; i++) if (flags[i] === undefined) this._makeFlag(i, ds[i], keys[i]);
    return flags;
  }

  _makeFlag(i, d, key) {
    const word = this._info[i];
    const type = word & 3;
    const values = type === T_JSON ? d.values.map(deepFreeze) : d.values;
    const f = {
      _i: i,
      _key: key,
      _type: type,
      _variants: d.variants,
      _values: values,
      // Rule ids by rule index (null: no id). Should one be missing, the first detailed result that
      // names the rule fills it in (_fromJson).
      _ruleIds: Array.isArray(d.ruleIds) ? d.ruleIds.map((id) => id ?? null) : [],
      _usesTime: (word & F_TIME) !== 0,
      _meta: deepFreeze(d.metadata || {}),
      _constant: false,
      _constPacked: 0,
      _constValue: undefined,
    };
    if ((word & F_CONSTANT) !== 0) {
      const p = this._constants[i];
      const vi = (p >>> 4) & 0xfff;
      const r = p & 15;
      if (p !== PACKED_ASK && vi > 0 && vi <= values.length && r < R_PREREQUISITE_FAILED) {
        f._constant = true;
        f._constPacked = p;
        f._constValue = values[vi - 1];
      }
    }
    this._flags[i] = f;
    this._made++;
    return f;
  }

  // Flag `i`'s metadata for an error result: {} when its details cannot be read (never throws).
  _metadataOf(i) {
    try {
      return (this._flags[i] ?? this._flag(i))._meta;
    } catch {
      return EMPTY;
    }
  }

  // Encodes `ctx` into the engine's scratch buffer; returns its length.
  _encode(ctx) {
    let u8 = mem._u8;
    // `length`, not `byteLength`: V8 11.3 inlines the one and calls a builtin for the other
    if (u8.length === 0) u8 = mem._refresh();
    const len = encodeContext(this._plan, ctx, u8, mem._dv, this._ptr, this._cap);
    return len >= 0 ? len : this._encodeGrow(ctx);
  }

  _encodeGrow(ctx) {
    for (;;) {
      const cap = grown(this._cap);
      this._ptr = rawExports[names.edgeflag_scratch_ptr](this._w.__wbg_ptr, cap) >>> 0;
      this._cap = cap;
      const u8 = mem._refresh();
      const len = encodeContext(this._plan, ctx, u8, mem._dv, this._ptr, cap);
      if (len >= 0) return len;
    }
  }

  // The packed result of flag `i` for the context in scratch[0..len]: WasmEngine#eval through the raw export
  // (no glue wrapper; docs/ARCHITECTURE.md, "The wasm exports"). Throws once the engine is freed.
  _eval(i, ms, len) {
    return rawEval(this._w.__wbg_ptr, i, ms, len) >>> 0; // an i32 in JS: 0xFFFFFFFF comes back as -1
  }

  _typed(key, fallback, ctx, now, type) {
    const f = this._find(key);
    if (f === null || f._type !== type) return fallback;
    if (f._constant) return f._constValue;
    const i = f._i;
    let p;
    try {
      const len = this._encode(ctx);
      const ms = f._usesTime ? toMs(now) : 0;
      p = this._eval(i, ms, len);
      if (p === PACKED_ASK) return this._fromJson(i, this._detailJson(i, ms, len), fallback).value;
    } catch {
      return fallback;
    }
    const vi = (p >>> 4) & 0xfff;
    if (vi === 0 || (p & 15) === R_ERROR) return fallback;
    return f._values[vi - 1];
  }

  /** A boolean flag's value; `fallback` on any error. Never throws. */
  boolean(key, fallback, ctx, now) {
    return this._typed(key, fallback, ctx, now, T_BOOLEAN);
  }
  /** A string flag's value; `fallback` on any error. Never throws. */
  string(key, fallback, ctx, now) {
    return this._typed(key, fallback, ctx, now, T_STRING);
  }
  /** A number flag's value; `fallback` on any error. Never throws. */
  number(key, fallback, ctx, now) {
    return this._typed(key, fallback, ctx, now, T_NUMBER);
  }
  /** A json flag's value (deep-frozen, shared); `fallback` on any error. Never throws. */
  json(key, fallback, ctx, now) {
    return this._typed(key, fallback, ctx, now, T_JSON);
  }

  // Details from a packed result; `len` is the encoded context still in scratch (for detailJson), or
  // -1 for a constant flag (any context gives its result: an empty one is encoded if needed). `bound`: the
  // BoundEvaluator whose context `p` is for (its own detailJson when the packed result does not suffice).
  _fromPacked(i, p, fallback, ms, len, bound) {
    const f = this._flags[i] ?? this._flag(i);
    const r = p & 15;
    const ri = p >>> 16;
    if (p === PACKED_ASK || r >= R_PREREQUISITE_FAILED || (ri > 0 && f._ruleIds[ri - 1] === undefined)) {
      if (bound) return this._fromJson(i, bound._detailJson(i, ms), fallback);
      if (len < 0) len = this._encode(null);
      return this._fromJson(i, this._detailJson(i, ms, len), fallback);
    }
    const vi = (p >>> 4) & 0xfff;
    if (vi === 0 || vi > f._values.length) {
      return errorDetails(f._key, fallback, "GENERAL", "the engine returned no variant", f._meta);
    }
    return details(
      f._key,
      f._values[vi - 1],
      f._variants[vi - 1],
      REASONS[r],
      ri > 0 ? f._ruleIds[ri - 1] : null,
      ri > 0 ? ri - 1 : null,
      null,
      null,
      null,
      f._meta,
    );
  }

  // Details from the engine's JSON result (slow path: errors, prerequisites, unpackable results).
  _fromJson(i, text, fallback) {
    const f = this._flags[i] ?? this._flag(i);
    const d = JSON.parse(text);
    const reason = typeof d.reason === "string" ? d.reason : "ERROR";
    if (typeof d.ruleIndex === "number" && d.ruleIndex >= 0) f._ruleIds[d.ruleIndex] = d.ruleId ?? null;
    const variant = d.variant ?? null;
    let value = fallback;
    if (reason !== "ERROR" && variant !== null) {
      const vi = f._variants.indexOf(variant);
      value = vi >= 0 ? f._values[vi] : d.value;
    }
    return details(
      f._key,
      value,
      reason === "ERROR" ? null : variant,
      reason,
      d.ruleId ?? null,
      d.ruleIndex ?? null,
      d.errorCode ?? (reason === "ERROR" ? "GENERAL" : null),
      d.errorMessage ?? null,
      d.prerequisite ?? null,
      f._meta,
    );
  }

  /**
   * The full result for one flag: {flagKey, value, variant, reason, ruleId, ruleIndex, errorCode,
   * errorMessage, prerequisite, metadata}. `opts.type` ("boolean" | "string" | "number" | "json") makes
   * it a typed read (TYPE_MISMATCH when the flag holds another type); `opts.now` (ms or Date) sets the
   * evaluation time. Never throws.
   */
  details(key, fallback, ctx, opts) {
    const now = opts == null ? undefined : opts.now;
    const f = this._checked(key, fallback, opts);
    if (f.flagKey !== undefined) return f; // an error result
    const i = f._i;
    try {
      if (f._constant) return this._fromPacked(i, f._constPacked, fallback, 0, -1);
      const len = this._encode(ctx);
      const ms = f._usesTime ? toMs(now) : 0;
      return this._fromPacked(i, this._eval(i, ms, len), fallback, ms, len);
    } catch (e) {
      return errorDetails(key, fallback, "GENERAL", messageOf(e), f._meta);
    }
  }

  // For details(): the facts of flag `key` when it can be read and is of type `opts.type` (if given), else
  // the error result (it has a flagKey; facts have none). Never throws.
  _checked(key, fallback, opts) {
    const type = opts == null ? undefined : opts.type;
    if (this._w === null) return errorDetails(key, fallback, "PROVIDER_NOT_READY", "the engine was freed", EMPTY);
    const i = this._at(key);
    if (i < 0) return errorDetails(key, fallback, "FLAG_NOT_FOUND", `flag "${key}" not found`, EMPTY);
    let f = this._flags[i];
    if (f === undefined) {
      try {
        f = this._flag(i, key);
      } catch (e) {
        return errorDetails(key, fallback, "GENERAL", messageOf(e), EMPTY);
      }
    }
    if (type !== undefined && type !== null) {
      const t = TYPE_CODES[type];
      if (t === undefined) {
        return errorDetails(key, fallback, "GENERAL", `unknown flag type "${type}"`, f._meta);
      }
      if (t !== f._type) {
        return errorDetails(key, fallback, "TYPE_MISMATCH", `flag "${key}" is of type ${TYPE_NAMES[f._type]}, not ${type}`, f._meta);
      }
    }
    return f;
  }

  /** Details for every flag, keyed by flag key (one wasm call for all). Values of errors are null. */
  all(ctx, now) {
    const out = {};
    const n = this._info.length;
    if (this._w === null || n === 0) return out;
    const keys = this._keyList();
    let packed;
    let ms = 0;
    let len = 0;
    try {
      len = this._encode(ctx);
      this._anyTime ??= this._info.some((word) => (word & F_TIME) !== 0);
      if (this._anyTime) ms = toMs(now);
      packed = readU32s(rawExports[names.edgeflag_eval_all](this._w.__wbg_ptr, ms, len) >>> 0, n);
      this._allFlags();
    } catch (e) {
      const msg = messageOf(e);
      for (let i = 0; i < n; i++) setKey(out, keys[i], errorDetails(keys[i], null, "GENERAL", msg, this._metadataOf(i)));
      return out;
    }
    const flags = this._flags;
    for (let i = 0; i < n; i++) {
      const f = flags[i];
      let d;
      try {
        d = this._fromPacked(i, packed[i], null, ms, len);
      } catch (e) {
        d = errorDetails(f._key, null, "GENERAL", messageOf(e), f._meta);
      }
      setKey(out, f._key, d);
    }
    return out;
  }

  /**
   * A bound evaluator for repeated reads with one context: the context is encoded once, now (later
   * changes to `ctx` are not seen), and results of flags that do not depend on time are remembered.
   */
  bind(ctx) {
    return new BoundEvaluator(this, ctx);
  }

  /**
   * The evaluation trace of one flag (parsed JSON), or null for an unknown flag. Needs the devtools
   * build of the .wasm (`import … from "edgeflag/devtools"`); with the runtime build it throws.
   */
  explain(key, ctx, now) {
    if (!explainable) throw new Error(EXPLAIN_HINT);
    const i = this._at(key);
    if (i < 0) return null;
    const len = this._encode(ctx);
    return JSON.parse(this._w.explainJson(i, toMs(now), len));
  }

  /** Releases the wasm memory. Later reads return their fallback (details: PROVIDER_NOT_READY). */
  free() {
    if (this._w === null) return;
    this._keyList(); // kept: flagKeys() and a bound evaluator's all() give them after free() too
    const w = this._w;
    this._w = null;
    this._index = EMPTY_MAP;
    this._lastKey = NO_KEY;
    this._lastFlag = null;
    w.free();
  }
}

/** Typed reads for one context, encoded once into its own wasm buffer. From `engine.bind(ctx)`. */
export class BoundEvaluator {
  constructor(engine, ctx) {
    this._e = engine;
    this._wc = null;
    this._ok = false;
    this._cache = new Uint32Array(engine._info.length);
    this._error = null;
    this._ptr = 0; // the encoded context: its address in wasm memory and its length
    this._len = 0;
    try {
      const plan = engine._plan;
      const wc = wasmNewContext(plan.n); // for the engine's n attribute slots
      this._wc = wc;
      let cap = plan._minCap;
      for (;;) {
        const ptr = rawExports[names.edgeflag_context_ptr](wc.__wbg_ptr, cap) >>> 0;
        const len = encodeContext(plan, ctx, mem._bytes(), mem._dv, ptr, cap);
        if (len >= 0) {
          this._ptr = ptr;
          this._len = len;
          this._ok = rawExports[names.edgeflag_context_commit](wc.__wbg_ptr, len) !== 0;
          if (!this._ok) this._error = "the context could not be encoded";
          break;
        }
        cap = grown(cap);
      }
    } catch (e) {
      this._error = messageOf(e);
    }
  }

  // The packed result of flag `i` through the raw export (as Engine#_eval). Throws once the engine or this is freed.
  _packed(i, f, ms) {
    if (f._usesTime) return rawExports[names.edgeflag_eval_bound](this._e._w.__wbg_ptr, this._wc.__wbg_ptr, i, ms) >>> 0;
    let p = this._cache[i];
    if (p === 0) {
      p = rawExports[names.edgeflag_eval_bound](this._e._w.__wbg_ptr, this._wc.__wbg_ptr, i, 0) >>> 0;
      this._cache[i] = p;
    }
    return p;
  }

  // The full result of flag `i` as JSON: the bound context's bytes copied into the engine's scratch buffer
  // for detailJson (one wasm export for both; only while _ok: the buffer is live). Throws once the engine is freed.
  _detailJson(i, ms) {
    const e = this._e;
    const w = e._w;
    const len = this._len;
    const cap = Math.max(e._cap, len);
    e._ptr = rawExports[names.edgeflag_scratch_ptr](w.__wbg_ptr, cap) >>> 0; // the scratch buffer holds `cap` bytes (it moves when it grows)
    e._cap = cap;
    mem._bytes().copyWithin(e._ptr, this._ptr, this._ptr + len);
    return e._detailJson(i, ms, len);
  }

  _typed(key, fallback, now, type) {
    const e = this._e;
    const f = e._find(key);
    if (f === null || f._type !== type) return fallback;
    if (f._constant) return f._constValue;
    if (!this._ok) return fallback;
    const i = f._i;
    let p;
    try {
      const ms = f._usesTime ? toMs(now) : 0;
      p = this._packed(i, f, ms);
      if (p === PACKED_ASK) return e._fromJson(i, this._detailJson(i, ms), fallback).value;
    } catch {
      return fallback;
    }
    const vi = (p >>> 4) & 0xfff;
    if (vi === 0 || (p & 15) === R_ERROR) return fallback;
    return f._values[vi - 1];
  }

  boolean(key, fallback, now) {
    return this._typed(key, fallback, now, T_BOOLEAN);
  }
  string(key, fallback, now) {
    return this._typed(key, fallback, now, T_STRING);
  }
  number(key, fallback, now) {
    return this._typed(key, fallback, now, T_NUMBER);
  }
  json(key, fallback, now) {
    return this._typed(key, fallback, now, T_JSON);
  }

  /** As Engine#details, for the bound context. */
  details(key, fallback, opts) {
    const e = this._e;
    const now = opts == null ? undefined : opts.now;
    const f = e._checked(key, fallback, opts);
    if (f.flagKey !== undefined) return f; // an error result
    const i = f._i;
    if (f._constant) return e._fromPacked(i, f._constPacked, fallback, 0, -1);
    if (!this._ok) return errorDetails(key, fallback, "INVALID_CONTEXT", this._error ?? "invalid context", f._meta);
    try {
      const ms = f._usesTime ? toMs(now) : 0;
      return e._fromPacked(i, this._packed(i, f, ms), fallback, ms, 0, this);
    } catch (err) {
      return errorDetails(key, fallback, "GENERAL", messageOf(err), f._meta);
    }
  }

  /** Details of every flag for the bound context. */
  all(now) {
    const out = {};
    try {
      if (this._e._w !== null) this._e._allFlags(); // one wasm call for the flags not read yet
    } catch {
      // each details() below reads its flag alone (and reports what goes wrong)
    }
    for (const key of this._e._keyList()) setKey(out, key, this.details(key, null, { now }));
    return out;
  }

  /** Releases the bound context's wasm buffer. */
  free() {
    this._ok = false;
    this._cache.fill(0);
    if (this._wc !== null) {
      const wc = this._wc;
      this._wc = null;
      wc.free();
    }
  }
}
