// Imports the package's Node entry by name ("edgeflag/engine": dist/engine.node.js), initialises it with no
// argument, evaluates one flag and prints one JSON line: the .wasm files it read from disk (by name).
// node:fs's readFileSync is wrapped before the import, where the entry takes it: through
// process.getBuiltinModule (Node >= 20.16), else from `import("node:fs")` (the wrapper synced into it).
const fs = process.getBuiltinModule?.("node:fs") ?? (await import("node:fs")).default;
const readFileSync = fs.readFileSync;
const read = [];
fs.readFileSync = (file, ...rest) => {
  read.push(String(file instanceof URL ? file.pathname : file).split("/").pop());
  return readFileSync(file, ...rest);
};
(await import("node:module")).syncBuiltinESMExports();
const { initWasm, Engine } = await import("edgeflag/engine");
await initWasm();
const e = Engine.fromJSON({ schema: 1, version: 1, flags: { f: { variants: { on: true, off: false }, default: "off", rules: [{ when: { attr: "plan", op: "eq", value: "pro" }, serve: "on" }] } } });
console.log(JSON.stringify({ read: read.filter((f) => f.endsWith(".wasm")), pro: e.boolean("f", false, { plan: "pro" }), free: e.boolean("f", true, { plan: "free" }) }));
