// edgeflag/devtools — everything "edgeflag" exports, backed by the devtools build of the WebAssembly
// module (edgeflag/devtools.wasm), the one whose Engine#explain works. initWasm() with no argument loads
// that build once this entry is imported (in Cloudflare Workers pass it: import wasm from "edgeflag/devtools.wasm").
export * from "./index.js";
