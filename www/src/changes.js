// Which flags a new snapshot may answer differently from the previous one: the `changed` list of the
// client's 'change' event, used as OpenFeature's `flagsChanged`. Over-approximates, never under: a flag is
// listed when its own JSON differs (metadata and descriptions included), when it was added or removed, when
// a segment it uses changed (directly or through nested segments), or when a prerequisite changed. Returns
// null when that cannot be told (unparsable text, another schema, an unknown top-level field changed):
// callers then treat every flag as changed.

// The top-level fields whose changes are told apart: the tables compared below, and those that change no result.
const KNOWN = new Set(['flags', 'segments', 'version', 'publishedAt', 'environment', 'metadata']);

/**
 * @param {string} beforeText the previous snapshot's JSON text
 * @param {string} afterText the new snapshot's JSON text
 * @returns {string[] | null} flag keys (those of the new snapshot in its order, then the removed ones), or null
 */
export function changedFlags(beforeText, afterText) {
  let a;
  let b;
  try {
    a = JSON.parse(beforeText);
    b = JSON.parse(afterText);
  } catch {
    return null;
  }
  if (!isObject(a) || !isObject(b)) return null;
  if (diffKeys(a, b).some((k) => !KNOWN.has(k))) return null;
  const table = (v) => (isObject(v) ? v : {}); // `flags` or `segments`, {} when absent (or not an object)
  const fa = table(a.flags);
  const fb = table(b.flags);
  const sa = table(a.segments);
  const sb = table(b.segments);

  const segments = new Set(diffKeys(sa, sb));
  closure(sb, segments, segmentRefs);

  const flags = new Set(diffKeys(fa, fb));
  for (const [k, f] of Object.entries(fb)) {
    if (segmentRefs(f).some((s) => segments.has(s))) flags.add(k);
  }
  closure(fb, flags, (f) => (Array.isArray(f?.requires) ? f.requires.map((r) => r?.flag) : []));

  return [...Object.keys(fb).filter((k) => flags.has(k)), ...Object.keys(fa).filter((k) => !Object.hasOwn(fb, k))];
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(x, y) {
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Keys present in only one of the objects, or whose values differ. */
function diffKeys(a, b) {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !Object.hasOwn(a, k) || !Object.hasOwn(b, k) || !same(a[k], b[k]));
}

/** Adds to `marked` every entry of `items` that refers (transitively) to a marked one. */
function closure(items, marked, refsOf) {
  const entries = Object.entries(items).map(([k, v]) => [k, refsOf(v)]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [k, refs] of entries) {
      if (!marked.has(k) && refs.some((r) => marked.has(r))) {
        marked.add(k);
        grew = true;
      }
    }
  }
}

/** Every string under a "segment" key anywhere in `v` (conditions; a variant value may add false positives). */
function segmentRefs(v) {
  const out = [];
  // Every value of the parsed JSON, depth first (JSON.stringify walks it as a replacer's visitor).
  JSON.stringify(v, (k, x) => {
    if (k === 'segment' && typeof x === 'string') out.push(x);
    return x;
  });
  return out;
}
