// initWasm() from HTTP: a Response compiled while it streams (served as application/wasm) or from its
// bytes (any other type), a failed response rejected (and retried), a URL fetched. Browsers take these
// paths (their default is the URL of pkg/edgeflag_bg.wasm; bundle.test.js and browser.test.js run it in
// Chromium); here through the browser build in Node, each in a fresh process (support/init-child.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./support/init-child.js", import.meta.url));

function child(kind) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, kind], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  });
}

for (const kind of ["wasm-type", "other-type", "url"]) {
  test(`initWasm(${kind}): ready, evaluates`, async () => {
    assert.deepEqual(await child(kind), { errors: [], ready: true, value: 7 });
  });
}

test("initWasm(a 404 response): rejects naming the status; a later call may succeed", async () => {
  const r = await child("not-ok");
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /fetching the \.wasm failed: 404/);
  assert.equal(r.ready, true);
  assert.equal(r.value, 7);
});
