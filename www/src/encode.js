// The context encoder: writes the attributes a snapshot uses into wasm memory, in the byte format of
// docs/ARCHITECTURE.md ("Encoded context"). Compiled once per snapshot from `meta().attrs`.
//
// Semantics: a context reads as `JSON.parse(JSON.stringify(ctx))` would (own data, `toJSON` honoured,
// NaN/±Infinity/undefined/functions are null, -0 is 0), with two additions: a BigInt is a number, and a
// lone surrogate in a string is written as U+FFFD (as TextEncoder does). Dot paths never index arrays.

const MAX_SAFE_UNIT = 9007199254740992; // 2^53: integers up to this magnitude are units (tag 4)
const SHORT_STRING = 48; // up to this many UTF-16 units: a JS loop; longer: TextEncoder.encodeInto
const SHORT_ASCII = 32; // up to this many UTF-16 units: first tried as ASCII (`put`)

/** The one TextEncoder of the engine (encode.js, engine.js). */
export const utf8Encoder = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;

/** Bytes needed on the last failed encode (so the caller grows the buffer once). */
export let needed = 0;

/**
 * Views over a WebAssembly.Memory, re-created when the memory grows (growth detaches the old
 * ArrayBuffer, so a stale view has length 0: checked on every encode, a load and a compare).
 */
export class MemoryViews {
  constructor(memory) {
    this._memory = memory;
    this._u8 = new Uint8Array(0);
    this._dv = new DataView(this._u8.buffer);
    this._refresh();
  }
  _refresh() {
    const buf = this._memory.buffer;
    this._u8 = new Uint8Array(buf);
    this._dv = new DataView(buf);
    return this._u8;
  }
  /** The byte view, re-made first when the memory grew since. */
  _bytes() {
    return this._u8.length === 0 ? this._refresh() : this._u8;
  }
}

/** The capacity to try after an encode into `cap` bytes failed: at least twice as much, and what it `needed` and half again. */
export function grown(cap) {
  return Math.max(cap * 2, needed + (needed >>> 1) + 64);
}

/**
 * Compiles `attrs` (an array of path-segment arrays) into an encoding plan. Single segments that are
 * not names on Object.prototype are read directly (`ctx[name]`); the rest walk their path with
 * own-property checks where a segment could be inherited from Object.prototype.
 */
export function compileAttrs(attrs) {
  const n = attrs.length;
  const simple = new Array(n);
  const paths = new Array(n);
  const own = new Array(n);
  for (let i = 0; i < n; i++) {
    const segs = attrs[i].map(String);
    const unsafe = segs.some((s) => s in Object.prototype);
    simple[i] = segs.length === 1 && !unsafe ? segs[0] : null;
    paths[i] = segs;
    own[i] = unsafe;
  }
  return { n, _simple: simple, _paths: paths, _own: own, _minCap: 9 * n + 64 };
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function walk(ctx, segs, own) {
  let v = ctx;
  for (let i = 0; i < segs.length; i++) {
    if (i > 0 && !isPlainObject(v)) return undefined;
    const s = segs[i];
    if (own && !hasOwn.call(v, s)) return undefined;
    v = v[s];
  }
  return v;
}

// Writes string `s` at `pos` (tag, u32 length, UTF-8). Returns the new position, or -1 when the
// buffer (ending at `end`) might be too small.
function writeString(u8, dv, pos, end, s) {
  const n = s.length;
  if (pos + 5 + 3 * n > end) {
    needed = pos + 5 + 3 * n;
    return -1;
  }
  u8[pos] = 5;
  const start = pos + 5;
  let p = start;
  if (n <= SHORT_STRING) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        u8[p++] = c;
      } else if (c < 0x800) {
        u8[p++] = 0xc0 | (c >> 6);
        u8[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        u8[p++] = 0xe0 | (c >> 12);
        u8[p++] = 0x80 | ((c >> 6) & 0x3f);
        u8[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          u8[p++] = 0xf0 | (cp >> 18);
          u8[p++] = 0x80 | ((cp >> 12) & 0x3f);
          u8[p++] = 0x80 | ((cp >> 6) & 0x3f);
          u8[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          // lone surrogate: U+FFFD, as TextEncoder writes it
          u8[p++] = 0xef;
          u8[p++] = 0xbf;
          u8[p++] = 0xbd;
        }
      }
    }
  } else {
    p += utf8Encoder.encodeInto(s, u8.subarray(start, end)).written;
  }
  dv.setUint32(pos + 1, p - start, true);
  return p;
}

function writeNumber(u8, dv, pos, v) {
  if (v - v !== 0) {
    u8[pos] = 0; // NaN, ±Infinity: null in JSON
    return pos + 1;
  }
  u8[pos] = Number.isInteger(v) && v <= MAX_SAFE_UNIT && v >= -MAX_SAFE_UNIT ? 4 : 3;
  dv.setFloat64(pos + 1, v === 0 ? 0 : v, true);
  return pos + 9;
}

// Values other than string / number / boolean / null / undefined; `nested` inside an array.
function writeOther(u8, dv, pos, end, v, nested) {
  if (typeof v === "bigint") {
    return writeNumber(u8, dv, pos, Number(v));
  }
  if (typeof v !== "object") {
    u8[pos] = 0; // function, symbol: not JSON, dropped (null in arrays)
    return pos + 1;
  }
  if (Array.isArray(v)) {
    if (nested) {
      u8[pos] = 7;
      return pos + 1;
    }
    const count = v.length;
    u8[pos] = 6;
    dv.setUint32(pos + 1, count, true);
    pos += 5;
    for (let i = 0; i < count; i++) {
      if (pos + 9 > end) {
        needed = pos + 9 + 9 * (count - i);
        return -1;
      }
      pos = writeValue(u8, dv, pos, end, v[i], true);
      if (pos < 0) return -1;
    }
    return pos;
  }
  if (typeof v.toJSON === "function") {
    let j;
    try {
      j = v.toJSON();
    } catch {
      j = undefined;
    }
    if (j === null || typeof j !== "object") return writeValue(u8, dv, pos, end, j, nested);
    if (Array.isArray(j) && !nested) return writeOther(u8, dv, pos, end, j, false);
  }
  u8[pos] = 7;
  return pos + 1;
}

// Needs 9 bytes free at `pos` (checked by the caller), more for strings and arrays (checked here).
function writeValue(u8, dv, pos, end, v, nested) {
  switch (typeof v) {
    case "string":
      return writeString(u8, dv, pos, end, v);
    case "number":
      return writeNumber(u8, dv, pos, v);
    case "boolean":
      u8[pos] = v ? 2 : 1;
      return pos + 1;
    case "undefined":
      u8[pos] = 0;
      return pos + 1;
    default:
      if (v === null) {
        u8[pos] = 0;
        return pos + 1;
      }
      return writeOther(u8, dv, pos, end, v, nested);
  }
}

// One slot: needs 9 bytes free (more for strings and arrays, checked by the writers).
function slot(u8, dv, pos, end, v) {
  if (pos + 9 > end) {
    needed = pos + 9;
    return -1;
  }
  return writeValue(u8, dv, pos, end, v, false);
}

// The common slot first: a string of at most SHORT_ASCII units, written as if it were ASCII (one
// store per unit, one test at the end: a unit >= 0x80 leaves a bit of `or` at or above 0x80) in the
// short form (tag 8, a one-byte length). Small, so the JIT inlines it at each slot's site; anything
// else, or a non-ASCII string, goes through `slot` (whose writes cover every byte written here).
function put(u8, dv, pos, end, v) {
  if (typeof v === "string") {
    const n = v.length;
    const start = pos + 2;
    if (n <= SHORT_ASCII && start + n <= end) {
      let or = 0;
      for (let i = 0; i < n; i++) {
        const c = v.charCodeAt(i);
        u8[start + i] = c;
        or |= c;
      }
      if (or < 0x80) {
        u8[pos] = 8;
        u8[pos + 1] = n;
        return start + n;
      }
    }
  }
  return slot(u8, dv, pos, end, v);
}

function fail(ptr, left) {
  needed = needed - ptr + 9 * left;
  return -1;
}

/**
 * Encodes `ctx` for `plan` into `u8`/`dv` from `ptr`, at most `cap` bytes. Returns the byte length, or
 * -1 when the buffer is too small (then `needed` holds a capacity that fits what was seen so far).
 *
 * The first 16 slots are read at 16 distinct property-access sites: each sees one attribute name, so
 * V8 keeps its inline cache monomorphic (a single site in a loop reading every name goes megamorphic
 * and costs ~4x as much per read). Slots past 16 share a loop. The 16 steps are the same text, indexed by
 * `k` (a site's feedback is its own whatever the index): gzip stores that text once (263 B less of the
 * browser entry than literal indexes).
 */
export function encodeContext(plan, ctx, u8, dv, ptr, cap) {
  const n = plan.n;
  const end = ptr + cap;
  let pos = ptr;
  if (ctx === null || typeof ctx !== "object" || Array.isArray(ctx)) {
    // Not an object: nothing is present.
    if (pos + n > end) {
      needed = n;
      return -1;
    }
    u8.fill(0, pos, pos + n);
    return n;
  }
  const s = plan._simple;
  let k = 0;
  if (n === 0) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
  if (pos < 0) return fail(ptr, n - k);
  if (n === ++k) return pos - ptr;
  for (; k < n; k++) {
    pos = put(u8, dv, pos, end, s[k] !== null ? ctx[s[k]] : walk(ctx, plan._paths[k], plan._own[k]));
    if (pos < 0) return fail(ptr, n - k);
  }
  return pos - ptr;
}
