// Decodes the encoded-context byte format (docs/ARCHITECTURE.md) the way src/context.rs does: a test
// oracle for the JS encoder. Throws on a malformed buffer.
const MAX_SAFE_UNIT = 9007199254740992;

export function decodeContext(bytes, nslots) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;
  const need = (n) => {
    if (pos + n > bytes.length) throw new Error(`truncated at ${pos}`);
  };
  const scalar = () => {
    need(1);
    const t = bytes[pos++];
    switch (t) {
      case 0:
        return { t: "missing" };
      case 1:
        return false;
      case 2:
        return true;
      case 3:
      case 4: {
        need(8);
        const v = dv.getFloat64(pos, true);
        pos += 8;
        const integer = t === 4 && Number.isInteger(v) && Math.abs(v) <= MAX_SAFE_UNIT;
        return { t: integer ? "int" : "float", v };
      }
      case 5: {
        need(4);
        const n = dv.getUint32(pos, true);
        pos += 4;
        need(n);
        const s = utf8.decode(bytes.subarray(pos, pos + n));
        pos += n;
        return s;
      }
      case 7:
        return { t: "other" };
      case 8: {
        need(1);
        const n = bytes[pos++];
        need(n);
        const s = utf8.decode(bytes.subarray(pos, pos + n));
        pos += n;
        return s;
      }
      default:
        throw new Error(`bad tag ${t} at ${pos - 1}`);
    }
  };
  const out = [];
  for (let k = 0; k < nslots; k++) {
    need(1);
    if (bytes[pos] === 6) {
      pos++;
      need(4);
      const n = dv.getUint32(pos, true);
      pos += 4;
      const a = [];
      for (let i = 0; i < n; i++) a.push(scalar());
      out.push(a);
    } else {
      out.push(scalar());
    }
  }
  if (pos !== bytes.length) throw new Error(`${bytes.length - pos} trailing bytes`);
  return out;
}
