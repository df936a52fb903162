// Hostile input from the JavaScript side (issue 5): lone surrogates in contexts and snapshots, odd numbers,
// huge strings, duplicate keys and deep nesting through the JS engine and client. Each either works with a
// documented meaning or is refused with a clear error; nothing throws out of an evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, bucket, initWasm, createClient, memoryStorage, LoadError } from '../src/index.node.js';
import { startCdn, fault } from './helpers/cdn-server.js';

await initWasm();

const FFFD = '\uFFFD';

/** A snapshot with one boolean flag "f" that is on when `when` holds. */
function snapshotWith(when, extra = {}) {
  return { schema: 1, version: 1, ...extra, flags: { f: { variants: { on: true, off: false }, default: 'off', rules: [{ when, serve: 'on' }] } } };
}

function refusal(fn) {
  try { fn(); } catch (err) { return err; }
  assert.fail('expected a refusal');
}

// ---- lone surrogates ----------------------------------------------------------------------------------

test('contexts: a lone surrogate in a string is encoded as U+FFFD (short and long strings, arrays, keys)', () => {
  const e = Engine.fromJSON(snapshotWith({ attr: 's', op: 'eq', values: [`a${FFFD}b`, `${'x'.repeat(60)}${FFFD}`, `${FFFD}${FFFD}`] }));
  for (const s of ['a\uD800b', 'a\uDBFFb', 'a\uDC00b', 'a\uDFFFb']) {
    assert.equal(e.boolean('f', false, { s }), true, `short string ${escape(s)}`);
  }
  assert.equal(e.boolean('f', false, { s: `${'x'.repeat(60)}\uD800` }), true, 'long string (TextEncoder path), high surrogate at the end');
  assert.equal(e.boolean('f', false, { s: `${'x'.repeat(60)}\uDC00` }), true, 'long string, low surrogate at the end');
  assert.equal(e.boolean('f', false, { s: '\uDC00\uD800' }), true, 'a reversed pair is two lone surrogates');
  assert.equal(e.boolean('f', false, { s: ['q', 'a\uD800b'] }), true, 'inside an array attribute');
  assert.equal(e.boolean('f', false, { s: 'a\uD83D\uDE00b' }), false, 'a valid pair is not replaced');
  // A lone surrogate in the targeting key buckets as U+FFFD does (the same unit natively).
  const roll = Engine.fromJSON({ schema: 1, version: 1, flags: { r: { variants: { a: 'a', b: 'b' }, default: 'a',
    rules: [{ serve: { split: [{ variant: 'a', percent: 50 }, { variant: 'b', percent: 50 }] } }] } } });
  const expected = bucket('r', `u${FFFD}`) < 50000 ? 'a' : 'b';
  assert.equal(roll.string('r', 'x', { key: 'u\uD800' }), expected);
  assert.equal(roll.string('r', 'x', { key: `u${FFFD}` }), expected);
  // Bound contexts and details take the same path.
  const b = e.bind({ s: 'a\uD800b' });
  assert.equal(b.boolean('f', false), true);
  assert.equal(e.details('f', false, { s: 'a\uD800b' }).reason, 'TARGETING_MATCH');
});

test('snapshots: \\ud800 escapes are refused with the JSON path; raw lone surrogates in JS text are refused too', () => {
  const escaped = '{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"x\\ud800y"},"default":"a"}}}';
  let err = refusal(() => Engine.fromJSON(escaped));
  assert.equal(err.name, 'SnapshotError');
  assert.equal(err.problems[0].path, '(root)');
  assert.match(err.message, /lone surrogate \\uD800 .*at flags\.f\.variants\.a|at flags\.f\.variants\.a.*lone surrogate \\uD800/);
  assert.match(refusal(() => Engine.fromJSON('{"schema":1,"version":1,"flags":{"\\udc00":{"variants":{"a":1},"default":"a"}}}')).message,
    /lone surrogate \\uDC00/);
  assert.match(refusal(() => Engine.fromJSON('{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"\\ud800\\u0041"},"default":"a"}}}')).message,
    /lone surrogate \\uD800/, 'a high surrogate followed by a non-surrogate escape');
  // A surrogate pair written as escapes is one character.
  assert.equal(Engine.fromJSON('{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"\\ud83d\\ude00"},"default":"a"}}}').string('f', ''), '\u{1F600}');
  // An object is serialized first: JSON.stringify escapes a lone surrogate, which the parser refuses.
  err = refusal(() => Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { a: 'x\uD800' }, default: 'a' } } }));
  assert.match(err.message, /lone surrogate \\uD800/);
  // JS text holding a raw lone surrogate is not Unicode: refused, never silently turned into U+FFFD.
  err = refusal(() => Engine.fromJSON('{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"x\uD800y"},"default":"a"}}}'));
  assert.equal(err.problems[0].path, '(root)');
  assert.match(err.message, /lone surrogate \(\\uD800 at index 56\): it is not valid Unicode/);
  // UTF-8 bytes of a surrogate (CESU-8 style) are not UTF-8.
  const bytes = new TextEncoder().encode('{"schema":1,"version":1,"flags":{"f":{"variants":{"a":"xy"},"default":"a"}}}');
  const cesu = new Uint8Array([...bytes.subarray(0, 55), 0xed, 0xa0, 0x80, ...bytes.subarray(55)]);
  assert.match(refusal(() => Engine.fromJSON(cesu)).message, /not valid UTF-8/);
});

test('the client refuses a bootstrap or a CDN body with lone surrogates, and keeps what it has', async (t) => {
  const bad = '{"schema":1,"version":2,"flags":{"f":{"variants":{"a":"\\udfff"},"default":"a"}}}';
  const cdn = await startCdn({ snapshot: { schema: 1, version: 1, flags: { f: { variants: { a: 'ok' }, default: 'a' } } } });
  t.after(() => cdn.close());
  const client = createClient({ url: cdn.url, storage: memoryStorage(), refreshInterval: 0, retries: 0 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await client.ready();
  cdn.next(fault.body(bad));
  const r = await client.refresh();
  assert.equal(r.status, 'failed');
  assert.equal(r.error.kind, 'invalid');
  assert.match(r.error.message, /lone surrogate \\uDFFF/);
  assert.equal(client.string('f', 'fb'), 'ok');
  // Surrogate code points as UTF-8 bytes on the wire: the strict decoder refuses them.
  cdn.next(fault.body(Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])));
  assert.equal((await client.refresh()).error.kind, 'decode');
  const boot = createClient({ bootstrap: { schema: 1, version: 1, flags: { f: { variants: { a: '\uD800' }, default: 'a' } } } });
  t.after(() => boot.close());
  const err = await boot.ready().then(() => null, (e) => e);
  assert.ok(err instanceof LoadError);
  assert.equal(err.kind, 'invalid');
  assert.match(err.message, /lone surrogate/);
  assert.equal(errors.length, 2);
});

// ---- numbers ------------------------------------------------------------------------------------------

test('odd numbers in contexts: -0, ±Infinity, NaN, 2^64, 1e400, BigInt, huge exponents', () => {
  const e = Engine.fromJSON({ schema: 1, version: 1, flags: {
    big: { variants: { on: true, off: false }, default: 'off', rules: [{ when: { attr: 'n', op: 'gte', value: 1e308 }, serve: 'on' }] },
    zero: { variants: { on: true, off: false }, default: 'off', rules: [{ when: { attr: 'n', op: 'eq', value: 0 }, serve: 'on' }] },
    present: { variants: { on: true, off: false }, default: 'off', rules: [{ when: { attr: 'n', op: 'exists' }, serve: 'on' }] },
    unit: { variants: { a: 'a', b: 'b' }, default: 'a', rules: [{ serve: { split: [{ variant: 'a', percent: 50 }, { variant: 'b', percent: 50 }] } }] },
  } });
  assert.equal(e.boolean('zero', false, { n: -0 }), true, '-0 equals 0');
  assert.equal(e.boolean('big', false, { n: 2 ** 1023 * 1.9 }), true);
  for (const n of [Infinity, -Infinity, NaN]) {
    assert.equal(e.boolean('present', true, { n }), false, `${n} reads as null (JSON semantics)`);
  }
  assert.equal(e.boolean('big', false, { n: Number('1e400') }), false, '1e400 is Infinity in JS: null');
  assert.equal(e.boolean('present', true, { n: 2n ** 1100n }), false, 'a BigInt beyond the doubles is Infinity: null');
  assert.equal(e.boolean('big', false, { n: 2n ** 1023n }), false, 'a BigInt compares as its nearest double');
  assert.equal(e.boolean('big', false, { n: 2n ** 1023n * 3n / 2n }), true);
  assert.equal(e.boolean('zero', false, { n: 0n }), true, 'BigInt 0');
  // Units: -0 is "0"; 2^53 is a unit, 2^64 is not (then the split does not apply: the default serves).
  assert.equal(e.details('unit', 'x', { key: -0 }).variant, e.details('unit', 'x', { key: 0 }).variant);
  assert.equal(e.details('unit', 'x', { key: 2 ** 64 }).reason, 'DEFAULT');
  assert.equal(e.details('unit', 'x', { key: 2 ** 53 }).reason, 'SPLIT');
});

test('odd numbers in snapshots: exact text kept, refused where they cannot mean anything', () => {
  // A variant value keeps its text natively; JavaScript reads 1e400 as Infinity (its own parse of the value).
  const e = Engine.fromJSON('{"schema":1,"version":1,"flags":{"n":{"variants":{"a":1e400,"b":-0,"c":123456789012345678901234567890},"default":"a"}}}');
  assert.equal(e.number('n', 0), Infinity);
  const bad = (text, path, pattern) => {
    const err = refusal(() => Engine.fromJSON(text));
    assert.ok(err.problems.some((p) => p.path === path && pattern.test(p.message)), `${path} ${pattern}: ${err.message}`);
  };
  bad('{"schema":1,"version":1e400,"flags":{}}', 'version', /integer/);
  bad('{"schema":1,"version":18446744073709551616,"flags":{}}', 'version', /./);
  bad(`{"schema":1,"version":1${'0'.repeat(5000)},"flags":{}}`, 'version', /./);
  bad('{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true},"default":"on","rules":[{"serve":{"variant":"on","percent":1e400}}]}}}',
    'flags.f.rules[0].serve.percent', /over 100|percent/);
  bad(`{"schema":1,"version":1,"flags":{"f":{"variants":{"on":true},"default":"on","rules":[{"serve":{"variant":"on","percent":0.${'0'.repeat(10000)}1}}]}}}`,
    'flags.f.rules[0].serve.percent', /decimals/);
});

// ---- sizes, nesting, duplicates -----------------------------------------------------------------------

test('huge strings and lists in contexts evaluate; deep context objects are not walked past the path', () => {
  const e = Engine.fromJSON(snapshotWith({ any: [
    { attr: 's', op: 'ends_with', value: 'end' },
    { attr: 'deep.a.b', op: 'eq', value: 1 },
  ] }));
  assert.equal(e.boolean('f', false, { s: 'x'.repeat(8 * 1024 * 1024) + 'end' }), true, '8 MiB string');
  assert.equal(e.boolean('f', false, { s: Array.from({ length: 100000 }, (_, i) => `v${i}`).concat('end') }), true, '100,000-element array');
  let deep = { b: 1 };
  for (let i = 0; i < 10000; i++) deep = { a: deep };
  assert.equal(e.boolean('f', true, { deep: { a: { b: 1 } } }), true);
  assert.equal(e.boolean('f', true, { deep }), false, 'a 10,000-level object is fine: only the path is read');
  const cyclic = { s: 'no' };
  cyclic.self = cyclic;
  assert.equal(e.boolean('f', true, cyclic), false, 'a cyclic context does not hang');
});

test('deep nesting, size limits and duplicate keys in snapshots: clear errors with paths', async (t) => {
  let err = refusal(() => Engine.fromJSON('['.repeat(200000)));
  assert.equal(err.problems[0].path, '(root)');
  assert.match(err.message, /nest|deep/i);
  let cond = { attr: 'a', op: 'exists' };
  for (let i = 0; i < 32; i++) cond = { not: cond };
  err = refusal(() => Engine.fromJSON(snapshotWith(cond)));
  assert.equal(err.problems[0].path, `flags.f.rules[0].when${'.not'.repeat(32)}`);
  assert.match(err.problems[0].message, /nested deeper than 32 levels/);
  err = refusal(() => Engine.fromJSON('{"schema":1,"version":1,"flags":{"f":{"variants":{"a":1,"\\u0061":2},"default":"a"}}}'));
  assert.equal(err.problems[0].path, 'flags.f.variants');
  assert.match(err.problems[0].message, /duplicate key "a"/);
  err = refusal(() => Engine.fromJSON(snapshotWith({ attr: 's', op: 'matches', value: 'a'.repeat(1025) })));
  assert.equal(err.problems[0].path, 'flags.f.rules[0].when.value');
  assert.match(err.problems[0].message, /1025 bytes; the limit is 1024/);
  // A body over maxBytes never reaches the engine.
  const cdn = await startCdn({ snapshot: snapshotWith({ attr: 'a', op: 'exists' }) });
  t.after(() => cdn.close());
  const client = createClient({ url: cdn.url, maxBytes: 64, storage: false, refreshInterval: 0, retries: 0 });
  t.after(() => client.close());
  err = await client.ready().then(() => null, (e) => e);
  assert.equal(err.kind, 'too-large');
});

function escape(s) {
  return [...s].map((c) => (c.charCodeAt(0) > 0x7e ? `\\u${c.charCodeAt(0).toString(16)}` : c)).join('');
}
