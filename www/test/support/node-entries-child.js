// Imports the package's Node entries by name (package.json `exports`, "node" condition: dist/*.node.js)
// in a fresh process and prints one JSON line: whether they share one module instance and which .wasm
// initWasm() loaded. `node node-entries-child.js [devtools] [init=bytes|url|path|none]`.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const withDevtools = args.includes("devtools");
const init = (args.find((a) => a.startsWith("init=")) ?? "init=none").slice(5);
const main = await import("edgeflag");
const engine = await import("edgeflag/engine");
const devtools = withDevtools ? await import("edgeflag/devtools") : null;
const wasm = new URL("../../pkg/edgeflag_bg.wasm", import.meta.url);
const input = { none: undefined, bytes: readFileSync(wasm), url: wasm, path: wasm.pathname }[init];
await main.initWasm(input);
const e = engine.Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { on: true }, default: "on" } } });
let explains;
try {
  explains = typeof e.explain("f", { key: "u" }) === "object";
} catch {
  explains = false;
}
console.log(
  JSON.stringify({
    resolved: ["edgeflag", "edgeflag/engine", "edgeflag/devtools"].map((s) => import.meta.resolve(s).replace(/^.*\/(?=[^/]+\/[^/]+$)/, "")),
    sameEngine: main.Engine === engine.Engine && (devtools === null || devtools.Engine === main.Engine),
    ready: engine.wasmReady() && (devtools === null || devtools.wasmReady()),
    value: main.Engine === engine.Engine ? e.boolean("f", false, {}) : null,
    explains,
    mainKeys: Object.keys(main).sort(),
    engineKeys: Object.keys(engine).sort(),
    devtoolsKeys: devtools && Object.keys(devtools).sort(),
  }),
);
e.free();
