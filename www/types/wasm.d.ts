// `import wasm from "edgeflag/server.wasm"` (or "edgeflag/edgeflag.wasm", …): bundlers for Cloudflare Workers give a
// compiled module.
declare const wasm: WebAssembly.Module;
export default wasm;
