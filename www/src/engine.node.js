// edgeflag/engine in Node, Deno and Bun: the engine with the .wasm read from disk (platform-node.js). Built into
// dist/engine.node.js, the whole engine in one file, which dist/edgeflag.node.js and dist/devtools.node.js import
// (scripts/bundle.js): the internals they need besides the exports are on Engine under
// Symbol.for("edgeflag.node.internals") (non-enumerable), one module instance of each for every entry.
import "./platform-node.js";
import { Engine } from "./engine.js";
import { platform } from "./platform.js";
import { lacksMessages } from "./diagnostics.js";
import { errorDetails } from "./details.js";
export * from "./engine.js";

Object.defineProperty(Engine, Symbol.for("edgeflag.node.internals"), { value: Object.freeze({ platform, lacksMessages, errorDetails }) });
