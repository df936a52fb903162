// edgeflag/devtools in Cloudflare Workers: the module must be passed, as for "edgeflag":
// import wasm from "edgeflag/devtools.wasm"; await initWasm(wasm)
import "./platform-workerd.js";
export * from "./index.js";
