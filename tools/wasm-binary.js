// The few pieces of the WebAssembly binary format that the build's tools read and write
// (tools/wasm-order.js, tools/wasm-names.js, tools/wasm-flatten.js): unsigned LEB128 numbers, names, the sections
// of a module, an import's description and a module's function bodies. Nothing here knows what a tool does with them.

/** A module that is not one, or is cut short. */
export class WasmBinaryError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over `bytes` from offset `at`; reading past the end throws `Err` (default WasmBinaryError). */
export class Reader {
  constructor(bytes, at = 0, Err = WasmBinaryError) {
    this.bytes = bytes;
    this.at = at;
    this.Err = Err;
  }

  /** The next byte. */
  byte() {
    if (this.at >= this.bytes.length) throw new this.Err("truncated module");
    return this.bytes[this.at++];
  }

  /** The next unsigned LEB128 number. */
  u32() {
    let v = 0;
    let shift = 0;
    let x;
    do {
      x = this.byte();
      v += (x & 0x7f) * 2 ** shift;
      shift += 7;
    } while (x & 0x80);
    return v;
  }

  /** The next name (a length, then that many bytes of UTF-8). */
  name() {
    const n = this.u32();
    if (this.at + n > this.bytes.length) throw new this.Err("truncated name");
    let s;
    try {
      s = utf8.decode(this.bytes.subarray(this.at, this.at + n));
    } catch {
      throw new this.Err("a name that is not UTF-8");
    }
    this.at += n;
    return s;
  }

  /** Skips an import's description (what follows its two names); returns its kind (0: a function). */
  skipImportDesc() {
    const kind = this.byte();
    const limits = () => {
      const flags = this.byte();
      this.u32();
      if (flags & 1) this.u32();
    };
    if (kind === 0) this.u32(); // function: type index
    else if (kind === 1) (this.byte(), limits()); // table: reference type, limits
    else if (kind === 2) limits(); // memory
    else if (kind === 3) (this.byte(), this.byte()); // global: value type, mutability
    else if (kind === 4) (this.byte(), this.u32()); // tag: attribute, type index
    else throw new this.Err(`unknown import kind ${kind}`);
    return kind;
  }
}

/**
 * The sections of module `bytes`, in order: `{ id, start, body, end }` (offsets of the section's id byte, of its
 * contents and of its end). Throws `Err` on what is not a module or a section cut short.
 */
export function* sections(bytes, Err = WasmBinaryError) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Err("not a WebAssembly module");
  }
  const r = new Reader(bytes, 8, Err);
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.u32();
    const body = r.at;
    const end = body + size;
    if (end > bytes.length) throw new Err("truncated section");
    yield { id, start, body, end };
    r.at = end;
  }
}

/**
 * The function bodies of module `bytes` and what locates them: `imports`, the number of imported functions (they
 * come first in the function index space); `bodies`, each defined function's body (its code section entry without
 * the size) as a view of `bytes`; `code` and `nameSection`, the code section and the custom section "name" as
 * `{ start, end }` byte offsets, or null; `names`, the function names of the name section (index → name).
 * Throws `Err` on what is not a module or a part cut short.
 */
export function functions(bytes, Err = WasmBinaryError) {
  let imports = 0;
  const bodies = [];
  let code = null;
  let nameSection = null;
  const names = new Map();
  for (const { id, start, body, end } of sections(bytes, Err)) {
    const r = new Reader(bytes, body, Err);
    if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name(); // the module name
        r.name(); // the field name
        if (r.skipImportDesc() === 0) imports++;
      }
    } else if (id === 10) {
      code = { start, end };
      for (let n = r.u32(); n > 0; n--) {
        const size = r.u32();
        bodies.push(bytes.subarray(r.at, r.at + size));
        r.at += size;
      }
    } else if (id === 0 && r.name() === "name") {
      nameSection = { start, end };
      while (r.at < end) {
        const sub = r.byte();
        const size = r.u32();
        const next = r.at + size;
        if (sub === 1) for (let n = r.u32(); n > 0; n--) names.set(r.u32(), r.name());
        r.at = next;
      }
    }
  }
  return { imports, bodies, code, nameSection, names };
}

/** `v` as an unsigned LEB128 number. */
export function u32(v) {
  const out = [];
  do {
    let x = v % 128;
    v = Math.floor(v / 128);
    if (v) x |= 0x80;
    out.push(x);
  } while (v);
  return Buffer.from(out);
}

/** `s` as a name: its UTF-8 length, then its UTF-8. */
export function name(s) {
  const bytes = Buffer.from(s, "utf8");
  return Buffer.concat([u32(bytes.length), bytes]);
}
