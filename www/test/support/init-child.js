// initWasm() of the browser build (src/engine.js: no Node platform) from one kind of source, in a fresh
// process (one wasm instance per process): `node init-child.js CASE` prints one JSON line.
// CASE: wasm-type (a Response served as application/wasm: compiled while streamed), other-type (served as
// application/octet-stream: compiled from its bytes), not-ok (HTTP 404, then a retry from bytes),
// url (an http: URL, fetched).
import { readFileSync } from "node:fs";
import http from "node:http";
import { initWasm, wasmReady, Engine } from "../../src/engine.js";

const bytes = readFileSync(new URL("../../pkg/edgeflag_bg.wasm", import.meta.url));
const respond = (status, type) => new Response(status === 200 ? bytes : "missing", { status, headers: { "content-type": type } });
const out = { errors: [] };
const attempt = async (source) => {
  try {
    await initWasm(source);
  } catch (e) {
    out.errors.push(e.message);
  }
};
const kind = process.argv[2];
if (kind === "wasm-type") await attempt(respond(200, "application/wasm"));
else if (kind === "other-type") await attempt(Promise.resolve(respond(200, "application/octet-stream")));
else if (kind === "not-ok") {
  await attempt(respond(404, "text/plain"));
  await attempt(bytes);
} else if (kind === "url") {
  const server = http.createServer((req, res) => res.writeHead(200, { "content-type": "application/wasm" }).end(bytes));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  await attempt(`http://127.0.0.1:${server.address().port}/edgeflag_bg.wasm`);
  server.close();
}
out.ready = wasmReady();
if (out.ready) out.value = Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { on: 7 }, default: "on" } } }).number("f", 0, {});
console.log(JSON.stringify(out));
