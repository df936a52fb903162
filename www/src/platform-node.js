// Node, Deno and Bun: read the .wasm from disk (fetch() does not read file: URLs there).
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { platform } from "./platform.js";

const WASM_URL = new URL("../pkg/edgeflag_bg.wasm", import.meta.url);

function fileUrl(input) {
  if (input === undefined) return WASM_URL;
  if (input instanceof URL) return input.protocol === "file:" ? input : null;
  if (typeof input === "string") {
    if (/^file:/i.test(input)) return new URL(input);
    // A scheme other than a Windows drive letter: leave it to fetch().
    if (/^[a-z][a-z0-9+.-]+:/i.test(input)) return null;
    return input; // a file system path
  }
  return null;
}

platform.load = async (input) => {
  const file = fileUrl(input);
  return file === null ? input : readFile(file);
};
platform.loadSync = (input) => {
  const file = fileUrl(input);
  return file === null ? input : readFileSync(file);
};
