// edgeflag/devtools: everything "edgeflag" exports, with the devtools build of the WebAssembly module
// (pkg/edgeflag_devtools_bg.wasm, the only one with Engine#explain) as what initWasm() loads when given
// no module. The runtime build (pkg/edgeflag_bg.wasm, loaded by "edgeflag" in browsers; the Node entries load its
// speed build, pkg/edgeflag_speed_bg.wasm, which Workers may import as "edgeflag/server.wasm") leaves the trace recorder
// out: 7 KB gzip less for every page (docs/wasm-size.md). Importing this module switches the default for
// the whole module instance (static imports run before any initWasm() call).
import { platform } from "./platform.js";

export * from "./index.js";

const DEVTOOLS_WASM = new URL("../pkg/edgeflag_devtools_bg.wasm", import.meta.url);
const { load } = platform;
platform.load = (input) => load(input === undefined ? DEVTOOLS_WASM : input);
