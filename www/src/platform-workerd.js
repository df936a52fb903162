// Cloudflare Workers: code generation from bytes is forbidden, so the compiled module must be passed.
import { platform } from "./platform.js";

const HINT =
  'edgeflag: in Cloudflare Workers pass the compiled module: import wasm from "edgeflag/edgeflag.wasm"; await initWasm(wasm)';

platform.load = (input) => {
  if (input === undefined) throw new Error(HINT);
  return input;
};
platform.loadSync = (input) => {
  if (input === undefined) throw new Error(HINT);
  return input;
};
platform.regex = (input) => {
  if (input === undefined) {
    throw new Error('edgeflag: in Cloudflare Workers pass the compiled module: import regex from "edgeflag/regex.wasm"; await initRegex(regex)');
  }
  return input;
};
platform.diagnostics = (input) => {
  if (input === undefined) {
    throw new Error('edgeflag: in Cloudflare Workers pass the compiled module: import diagnostics from "edgeflag/diagnostics.wasm"; await initDiagnostics(diagnostics)');
  }
  return input;
};
