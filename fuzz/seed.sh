#!/usr/bin/env bash
# Builds the fuzzers' seed corpora from the repository's own data (needs Node.js, which the JS tests need
# anyway):
#   fuzz/snapshots/       the valid snapshots: examples/*.json and tests/fixtures/cli/*.json that are snapshots,
#                         and each conformance file's snapshot (the `evaluate` target loads them once, in order)
#   fuzz/seeds/load/      those, plus every invalid snapshot of tests/cases (objects and raw `snapshotText`)
#   fuzz/seeds/json/      the same, plus the example contexts and every conformance case's context
#   fuzz/seeds/evaluate/  [select][mode][now][context] inputs (see fuzz_targets/evaluate.rs): each valid snapshot
#                         with its own cases' contexts and the example contexts (JSON mode), plus inputs that
#                         carry a small snapshot of their own
# The seeds are rebuilt from scratch on every run; the working corpora (fuzz/corpus/) are kept.
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "seed.sh: Node.js is required" >&2; exit 1; }
rm -rf snapshots seeds
mkdir -p snapshots seeds/load seeds/json seeds/evaluate
node --input-type=module - <<'EOF'
import fs from 'node:fs';
import path from 'node:path';

const ROOT = '..';
const read = (f) => fs.readFileSync(f, 'utf8');
const list = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));
const isSnapshot = (text) => { try { const v = JSON.parse(text); return v && typeof v === 'object' && 'schema' in v; } catch { return false; } };

let n = 0;
const name = () => `${String(n++).padStart(4, '0')}.json`;
const valid = []; // [file name, parsed snapshot, contexts]
const add = (dir, text) => { const f = name(); fs.writeFileSync(path.join(dir, f), text); return f; };

const examples = JSON.parse(read(path.join(ROOT, 'examples', 'contexts.json')));
for (const f of [...list(path.join(ROOT, 'examples')), ...list(path.join(ROOT, 'tests', 'fixtures', 'cli'))]) {
  const text = read(f);
  if (!isSnapshot(text)) continue;
  if (f.includes('invalid')) add('seeds/load', text);
  else valid.push([add('snapshots', text), [], f]);
}
const caseContexts = new Set();
for (const f of list(path.join(ROOT, 'tests', 'cases'))) {
  const doc = JSON.parse(read(f));
  const contexts = (doc.cases ?? []).map((c) => c.context).filter((c) => c && typeof c === 'object');
  for (const c of contexts) caseContexts.add(JSON.stringify(c));
  if (doc.snapshot) valid.push([add('snapshots', JSON.stringify(doc.snapshot)), contexts, f]);
  for (const inv of doc.invalid ?? []) {
    add('seeds/load', inv.snapshotText ?? JSON.stringify(inv.snapshot));
  }
}
for (const [f] of valid) fs.copyFileSync(path.join('snapshots', f), path.join('seeds/load', f));
for (const f of fs.readdirSync('seeds/load')) fs.copyFileSync(path.join('seeds/load', f), path.join('seeds/json', f));
examples.forEach((c, i) => fs.writeFileSync(`seeds/json/context-example-${i}`, JSON.stringify(c)));
[...caseContexts].forEach((c, i) => fs.writeFileSync(`seeds/json/context-case-${i}`, c));

// evaluate: [select u8][mode u8][now i64 LE][context]; mode 1 = JSON context.
const NOW = Buffer.alloc(8);
NOW.writeBigInt64LE(1_800_000_000_000n);
const input = (select, mode, rest) => Buffer.concat([Buffer.from([select, mode]), NOW, Buffer.from(rest)]);
valid.slice(0, 255).forEach(([f, contexts], select) => {
  const all = [...new Set([...contexts.map((c) => JSON.stringify(c)), ...examples.map((c) => JSON.stringify(c))])].slice(0, 60);
  all.forEach((c, i) => fs.writeFileSync(`seeds/evaluate/${path.basename(f, '.json')}-${i}`, input(select, 1, c)));
});
// Inputs that carry their own snapshot (select 0xff): every serve form, a hashed segment, a prerequisite.
const own = JSON.stringify({ schema: 1, version: 1,
  segments: { s: { include: ['a'], includeHashed: ['0123456789abcdef'], when: { attr: 'n', op: 'gte', value: 3 } } },
  flags: {
    f: { variants: { on: true, off: false }, default: 'off', rules: [{ when: { segment: 's' }, serve: 'on' }, { serve: { variant: 'on', percent: 50 } }] },
    g: { variants: { a: 'x', b: 'y' }, default: 'a', requires: [{ flag: 'f', variants: ['on'] }],
      rules: [{ when: { attr: 'v', op: 'semver_gte', value: '2.0.0' }, serve: { split: [{ variant: 'a', percent: 50 }, { variant: 'b', percent: 50 }], by: 'id' } },
        { when: { attr: 'ip', op: 'in_cidr', values: ['10.0.0.0/8'] }, serve: { variant: 'b', ramp: [{ at: '2026-01-01T00:00:00Z', percent: 20 }] } }] },
  } });
const len = Buffer.alloc(2);
len.writeUInt16LE(Buffer.byteLength(own));
fs.writeFileSync('seeds/evaluate/own-json', input(0xff, 1, Buffer.concat([len, Buffer.from(own), Buffer.from('{"key":"a","n":4,"v":"2.1.0","id":7,"ip":"10.1.2.3"}')])));
fs.writeFileSync('seeds/evaluate/own-encoded-empty', input(0xff, 0, Buffer.concat([len, Buffer.from(own)])));

const count = (d) => fs.readdirSync(d).length;
console.log(`seed.sh: ${count('snapshots')} valid snapshots, ${n} in all; seeds: load ${count('seeds/load')}, json ${count('seeds/json')}, evaluate ${count('seeds/evaluate')}`);
EOF
