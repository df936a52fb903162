// The context encoder, checked by decoding its output with a JS mirror of the Rust decoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileAttrs, encodeContext, MemoryViews } from "../src/encode.js";
import { decodeContext } from "./support/decode.js";

const M = { t: "missing" };
const O = { t: "other" };
const int = (v) => ({ t: "int", v });
const float = (v) => ({ t: "float", v });

// Encodes into a plain ArrayBuffer at an offset, growing like the engine does.
function enc(paths, ctx, { ptr = 16, cap } = {}) {
  const plan = compileAttrs(paths.map((p) => (Array.isArray(p) ? p : p.split("."))));
  cap = cap ?? plan._minCap;
  for (;;) {
    const buf = new ArrayBuffer(ptr + cap + 16);
    const u8 = new Uint8Array(buf);
    u8.fill(0xaa);
    const len = encodeContext(plan, ctx, u8, new DataView(buf), ptr, cap);
    if (len >= 0) {
      assert.ok(len <= cap);
      assert.equal(u8[ptr + len], 0xaa, "wrote past the reported length");
      assert.equal(u8[ptr - 1], 0xaa, "wrote before the pointer");
      return decodeContext(u8.slice(ptr, ptr + len), plan.n);
    }
    cap *= 2;
  }
}

test("scalars: strings, booleans, null, undefined", () => {
  assert.deepEqual(enc(["key", "b", "f", "n", "u", "nope"], { key: "u-1", b: true, f: false, n: null, u: undefined }), [
    "u-1",
    true,
    false,
    M,
    M,
    M,
  ]);
});

test("integers vs floats and the 2^53 boundary", () => {
  const ctx = {
    a: 42,
    b: 42.5,
    c: -0,
    d: 2 ** 53,
    e: -(2 ** 53),
    f: 2 ** 53 + 2,
    g: 1e300,
    h: NaN,
    i: Infinity,
    j: -Infinity,
    k: 0.1,
    l: -7,
  };
  const out = enc(Object.keys(ctx), ctx);
  assert.deepEqual(out, [
    int(42),
    float(42.5),
    int(0),
    int(2 ** 53),
    int(-(2 ** 53)),
    float(2 ** 53 + 2),
    float(1e300),
    M,
    M,
    M,
    float(0.1),
    int(-7),
  ]);
  assert.ok(Object.is(out[2].v, 0), "-0 is written as 0");
});

test("BigInt is a number", () => {
  assert.deepEqual(enc(["a", "b"], { a: 12n, b: 2n ** 60n }), [int(12), float(2 ** 60)]);
});

test("unicode: 2-, 3- and 4-byte sequences, short and long strings", () => {
  const samples = ["ü", "ßø", "€uro", "日本語", "😀", "a😀b", "Ω".repeat(100), "x".repeat(1000), "é".repeat(49), "😀".repeat(30)];
  const out = enc(samples.map((_, i) => `s${i}`), Object.fromEntries(samples.map((s, i) => [`s${i}`, s])));
  assert.deepEqual(out, samples);
});

test("short strings around the ASCII fast path's limits (32 units) and its capacity check", () => {
  const samples = ["", "a", "\u007f", "\u0080", "\u00ff", "\u0100", "\uffff", "x".repeat(31), "x".repeat(32), "x".repeat(33),
    "x".repeat(31) + "é", "é" + "x".repeat(31), "x".repeat(32) + "é", "a\ud800", "\ud83d\ude00", "DE", "user-1234"];
  const out = enc(samples.map((_, i) => `s${i}`), Object.fromEntries(samples.map((s, i) => [`s${i}`, s])));
  const te = new TextEncoder();
  const td = new TextDecoder();
  assert.deepEqual(out, samples.map((s) => td.decode(te.encode(s))));
  // every capacity: no overrun, and a fit gives the whole context
  const plan = compileAttrs([["a"], ["b"]]);
  for (const ctx of [{ a: "x".repeat(20), b: "yz" }, { a: "é".repeat(10), b: "x".repeat(32) }]) {
    for (let cap = 0; cap < 80; cap++) {
      const buf = new ArrayBuffer(cap + 32);
      const u8 = new Uint8Array(buf);
      const len = encodeContext(plan, ctx, u8, new DataView(buf), 8, cap);
      for (let i = 8 + cap; i < u8.length; i++) assert.equal(u8[i], 0, `overrun at cap ${cap}`);
      if (len >= 0) assert.deepEqual(decodeContext(u8.slice(8, 8 + len), 2), [ctx.a, ctx.b]);
    }
  }
});

test("lone surrogates become U+FFFD, as TextEncoder writes them", () => {
  const samples = ["\ud800", "a\udc00b", "\ud83d", "x\ud83dy", "\udfff\ud800", "\ud83d\ude00\ud83d", "é\ud800".repeat(40)];
  const out = enc(samples.map((_, i) => `s${i}`), Object.fromEntries(samples.map((s, i) => [`s${i}`, s])));
  const te = new TextEncoder();
  const td = new TextDecoder();
  assert.deepEqual(
    out,
    samples.map((s) => td.decode(te.encode(s))),
  );
  assert.equal(out[0], "\ufffd");
  assert.equal(out[5], "😀\ufffd");
});

test("nested paths; arrays and non-objects on the way are missing; no inherited properties", () => {
  const ctx = {
    device: { os: "ios", meta: { v: 3 } },
    list: [{ os: "x" }],
    s: "str",
    n: null,
  };
  assert.deepEqual(enc(["device.os", "device.meta.v", "device.nope", "list.0", "list.os", "s.length", "n.x", "device"], ctx), [
    "ios",
    int(3),
    M,
    M,
    M,
    M,
    M,
    O,
  ]);
  assert.deepEqual(enc(["constructor", "toString", "__proto__", "a.constructor", "hasOwnProperty"], { a: {} }), [M, M, M, M, M]);
  assert.deepEqual(enc(["constructor", "a.toString"], { constructor: "c", a: { toString: "t" } }), ["c", "t"]);
  const bare = Object.create(null);
  bare.key = "k";
  assert.deepEqual(enc(["key"], bare), ["k"]);
  // a dotted key itself is unreachable: paths are segments
  assert.deepEqual(enc([["a.b"], ["a", "b"]], { "a.b": 1, a: { b: 2 } }), [int(1), int(2)]);
});

test("arrays: scalars, nested arrays and objects are 'other', holes and undefined are null", () => {
  const ctx = { roles: ["admin", 2, 2.5, true, null, undefined, [1], { a: 1 }, "ü"], empty: [] };
  // eslint-disable-next-line no-sparse-arrays
  ctx.holes = [1, , 3];
  assert.deepEqual(enc(["roles", "empty", "holes"], ctx), [
    ["admin", int(2), float(2.5), true, M, M, O, O, "ü"],
    [],
    [int(1), M, int(3)],
  ]);
});

test("objects, functions, symbols, Dates (toJSON)", () => {
  const d = new Date("2026-12-01T09:00:00.123Z");
  const ctx = { o: {}, f() {}, sym: Symbol("x"), d, bad: new Date(NaN), arr: [d], custom: { toJSON: () => 5 } };
  assert.deepEqual(enc(["o", "f", "sym", "d", "bad", "arr", "custom"], ctx), [
    O,
    M,
    M,
    "2026-12-01T09:00:00.123Z",
    M,
    ["2026-12-01T09:00:00.123Z"],
    int(5),
  ]);
});

test("a context that is not an object has nothing present", () => {
  for (const ctx of [undefined, null, "key", 42, [1, 2]]) {
    assert.deepEqual(enc(["key", "a.b"], ctx), [M, M]);
  }
});

test("too small a buffer is reported, never overrun", () => {
  const plan = compileAttrs([["key"], ["roles"]]);
  const ctx = { key: "x".repeat(300), roles: Array.from({ length: 50 }, (_, i) => `r${i}`) };
  for (const cap of [0, 1, 5, 9, 20, 100, 400]) {
    const buf = new ArrayBuffer(cap + 32);
    const u8 = new Uint8Array(buf);
    const len = encodeContext(plan, ctx, u8, new DataView(buf), 8, cap);
    if (len >= 0) assert.ok(len <= cap);
    for (let i = 8 + cap; i < u8.length; i++) assert.equal(u8[i], 0, `overrun at cap ${cap}`);
  }
  assert.deepEqual(enc(["key", "roles"], ctx, { cap: 1 }), [ctx.key, ctx.roles]);
});

test("views follow memory growth", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
  const views = new MemoryViews(memory);
  const plan = compileAttrs([["key"]]);
  const encodeAt = (ptr, cap, ctx) => {
    let u8 = views._u8;
    if (u8.byteLength === 0) u8 = views._refresh();
    return encodeContext(plan, ctx, u8, views._dv, ptr, cap);
  };
  assert.equal(encodeAt(100, 64, { key: "a" }), 3); // tag 8, length 1, "a"
  memory.grow(6); // detaches the old buffer
  assert.equal(views._u8.byteLength, 0);
  const big = "b".repeat(100000);
  const ptr = 65536 * 2;
  assert.equal(encodeAt(ptr, 65536, { key: big }), -1, "worst case 3 bytes per unit does not fit");
  const len = encodeAt(ptr, 5 * 65536, { key: big });
  assert.equal(len, 5 + 100000);
  assert.deepEqual(decodeContext(new Uint8Array(memory.buffer, ptr, len), 1), [big]);
});
