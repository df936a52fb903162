// The operators module (first the regular-expression module) in a fresh process (one instance of each module
// per process): `node regex-child.js CASE [OP]` prints one JSON line; OP is matches (the default), semver
// (`semver_gte`) or cidr (`in_cidr`), the operator of the snapshot that needs the module.
// CASE: node (the Node entry: the module is read from disk when a snapshot first needs it),
// browser (the browser build, src/index.js, with no way to load the module synchronously: what a page sees),
// bootstrap (the browser build: a client whose bootstrap uses `matches` waits for the module it is given),
// escaped (the same, with the operator's name written with a \u escape).
// Each CASE's snapshot tests the attribute "email" with OP; the evaluations give it a value that matches and one
// that does not.
import { readFileSync } from "node:fs";

const PKG = new URL("../../pkg/", import.meta.url);
const snapshot = (version, when) =>
  JSON.stringify({ schema: 1, version, flags: { f: { variants: { on: true, off: false }, default: "off", rules: when ? [{ when, serve: "on" }] : [] } } });
const OPS = {
  matches: { when: { attr: "email", op: "matches", value: "@example\\.com$", ignoreCase: true }, yes: "A@EXAMPLE.COM", no: "a@example.org" },
  semver: { when: { attr: "email", op: "semver_gte", value: "2.3.0-rc.1" }, yes: "2.3.0", no: "2.3.0-beta" },
  cidr: { when: { attr: "email", op: "in_cidr", values: ["10.0.0.0/8", "2001:db8::/32"] }, yes: "2001:db8::5", no: "11.0.0.1" },
};
const { when: WHEN, yes: YES, no: NO } = OPS[process.argv[3] ?? "matches"];
const MATCHES = (version) => snapshot(version, WHEN);
const out = {};
const kind = process.argv[2];

if (kind === "node") {
  const { Engine, initWasm, regexReady } = await import("../../src/index.node.js");
  await initWasm();
  out.readyBefore = regexReady();
  Engine.fromJSON(snapshot(1, { attr: "email", op: "eq", value: "x" })).free();
  out.readyWithoutMatches = regexReady();
  const e = Engine.fromJSON(MATCHES(2));
  out.readyAfter = regexReady();
  out.values = [e.boolean("f", false, { email: YES }), e.boolean("f", true, { email: NO })];
  e.free();
} else if (kind === "browser") {
  const { Engine, initWasmSync, initRegex, regexReady, createClient } = await import("../../src/index.js");
  initWasmSync(new WebAssembly.Module(readFileSync(new URL("edgeflag_bg.wasm", PKG))));
  try {
    Engine.fromJSON(MATCHES(2)).free();
    out.loaded = true;
  } catch (e) {
    out.problems = e.problems;
    out.name = e.name;
  }
  out.readyAfterRefusal = regexReady();
  // A client holding a good snapshot (v1) is served a `matches` snapshot (v2) while the module cannot be
  // loaded: the refusal names the problem and v1 keeps serving; once it loads, v2 is taken.
  const text = MATCHES(2);
  const fetch = async () => new Response(text, { status: 200, headers: { "content-type": "application/json" } });
  const client = createClient({
    url: "https://cdn.example/flags.json", bootstrap: snapshot(1, null), refreshInterval: 0, storage: false, retries: 0, fetch,
    wasm: new WebAssembly.Module(readFileSync(new URL("edgeflag_bg.wasm", PKG))),
    regex: new Uint8Array([0, 1, 2, 3]), // not a module: initRegex fails
  });
  await client.ready({ timeout: 3000 }).catch(() => {});
  const r = await client.refresh();
  out.refused = { status: r.status, version: client.version, error: r.error?.message ?? null, value: client.boolean("f", true, { email: YES }) };
  await initRegex(readFileSync(new URL("edgeflag_regex.wasm", PKG)));
  const r2 = await client.refresh();
  out.loadedLater = { status: r2.status, version: client.version, value: client.boolean("f", false, { email: YES }) };
  client.close();
}
if (kind === "bootstrap" || kind === "escaped") {
  const { createClient, regexReady } = await import("../../src/index.js");
  // escaped: the operator's name spelled with a JSON escape ("m\u0061tches", "\u0073emver_gte"): not in the text.
  const op = WHEN.op;
  const escaped = op === "matches" ? "m\\u0061tches" : `\\u00${op.charCodeAt(0).toString(16)}${op.slice(1)}`;
  const text = kind === "bootstrap" ? MATCHES(3) : MATCHES(3).replace(`"op":"${op}"`, `"op":"${escaped}"`);
  if (kind === "escaped" && (text.includes(`"${op}"`) || !text.includes(escaped))) throw new Error("the escaped snapshot is not escaped");
  const client = createClient({
    bootstrap: text, storage: false,
    wasm: new WebAssembly.Module(readFileSync(new URL("edgeflag_bg.wasm", PKG))),
    regex: readFileSync(new URL("edgeflag_regex.wasm", PKG)),
  });
  out.versionAtOnce = client.version; // null: the bootstrap waits for the regex module (asynchronous here)
  await client.ready({ timeout: 3000 });
  out.version = client.version;
  out.regexReady = regexReady();
  out.value = client.boolean("f", false, { email: YES });
  client.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
