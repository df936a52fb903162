// edgeflag — feature flags evaluated locally in WebAssembly.
export * from "./engine.js";
export * from "./client.js";
