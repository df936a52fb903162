// Runs the conformance cases and vectors in whatever runtime executes this file (Node, Deno, Bun) and
// prints one JSON summary on stdout. Imports the package by its own name, through package.json
// `exports` (the runtime's own conditions pick the entry), or by path with EDGEFLAG_BY_PATH=1.
import { runAll } from "./cases.js";

const byPath = (globalThis.process?.env ?? {}).EDGEFLAG_BY_PATH === "1";
const api = byPath ? await import("../../src/engine.node.js") : await import("edgeflag/engine");
await api.initWasm();
const summary = runAll(api);
summary.runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
console.log(JSON.stringify(summary));
