// edgeflag/devtools in Node, Deno and Bun: the devtools .wasm read from disk (initWasm and initWasmSync).
import { platform } from "./platform.js";
import "./platform-node.js";
export * from "./devtools.js";

const DEVTOOLS_WASM = new URL("../pkg/edgeflag_devtools_bg.wasm", import.meta.url);
const { loadSync } = platform;
platform.loadSync = (input) => loadSync(input === undefined ? DEVTOOLS_WASM : input);
