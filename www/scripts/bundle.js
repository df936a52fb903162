// Builds the bundles of dist/ (gitignored; built by `npm run bundle`, `npm test`, `npm pack` and
// scripts/build-wasm.sh).
//
// Browsers: one minified ES module, dist/edgeflag.js, holding what `import … from "edgeflag"` gives a
// browser app (the wasm-bindgen glue, the engine, the client, the loader, the cache), but for the signature
// checks (src/verify.js), which the client imports with import() only when it has trusted keys: their own
// minified chunk beside it (dist/verify-<hash>.js, fetched by such clients only), and the JS of the operators
// and diagnostics modules (src/operators.js, src/diagnose.js: chunks dist/operators-<hash>.js and
// dist/diagnose-<hash>.js, fetched with their .wasm; the plugin onDemandChunks below),
// and dist/engine.js, the `edgeflag/engine` browser entry, which re-exports the engine's names from that
// same file (so an app importing both gets one module instance, one wasm instance), and
// dist/devtools.js, the `edgeflag/devtools` browser entry: the same from src/devtools.js, whose
// initWasm() loads the devtools .wasm (Engine#explain) — its own bundle, so its own module and wasm
// instance (a page that explains imports everything from it). package.json's "browser" conditions point
// here.
//
// Node, Deno and Bun ("node" conditions): dist/engine.node.js, the whole engine in one file (src/engine.node.js);
// dist/edgeflag.node.js, the client, importing it; dist/devtools.node.js, importing both (esbuildNode below): one
// module instance, one wasm instance, one Engine class whichever entries an app imports (as with src/, where
// "edgeflag/devtools" switches the default .wasm of the instance "edgeflag" uses). Minified: a cold import of
// `edgeflag/engine` reads and compiles 1 file of ~25 KB (before: 2 files, a 0.4 KB entry and a shared chunk;
// earlier 10 source modules of ~150 KB). Linked source maps point back to src/ (node --enable-source-maps).
// Cloudflare Workers ("workerd") keep src/.
//
// Every bundle takes the wasm-bindgen glue without the pieces engine.js never reaches (GLUE_TRIMS below: exact
// texts, each required once, so that a glue of another shape stops the build instead of being cut wrongly).
//
// The .wasm stays in pkg/: initWasm()'s default URL, `new URL("../pkg/edgeflag_bg.wasm", import.meta.url)`
// in src/platform.js (src/devtools.js: the devtools .wasm), holds as it is in dist/ (dist/ and src/ are both
// siblings of pkg/), a pattern that bundlers (Vite, webpack, esbuild, Parcel) recognise and emit as an
// asset. (The glue's own asynchronous init, with its default URL beside pkg/edgeflag.js, is not used:
// tree-shaken.)
//
//   npm run bundle            (after scripts/build-wasm.sh: the glue in pkg/ must exist)
//   import { bundle } from "./scripts/bundle.js"; await bundle()
//     → { entry, engine, devtools, lazy: [the browser bundles' on-demand chunks], node: {entry, engine, devtools,
//         chunks: [on-demand: verify], inputs: {entry, engine, devtools: [source files]}}, files: [every path written], imports: [modules the browser bundles still import, but their
//         on-demand chunks: none], nodeImports: [the Node bundles': node: built-ins] }

import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renameGlue } from "../../tools/wasm-names.js";

const WWW = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(WWW, "dist");
export const BUNDLE = join(DIST, "edgeflag.js");
export const ENGINE_BUNDLE = join(DIST, "engine.js");
export const DEVTOOLS_BUNDLE = join(DIST, "devtools.js");
export const NODE_BUNDLE = join(DIST, "edgeflag.node.js");
export const NODE_ENGINE_BUNDLE = join(DIST, "engine.node.js");
export const NODE_DEVTOOLS_BUNDLE = join(DIST, "devtools.node.js");
const NODE_CHUNK = /^[a-z]+-[A-Z0-9]+\.node\.js(\.map)?$/; // shared chunks (chunk-…) and on-demand ones (verify-…)
// The browser bundles' on-demand chunks: modules the client imports with import() only when a feature needs
// them (verify.js: signature checks, for clients with publicKeys; operators.js and diagnose.js: with their
// module), each its own file beside the bundle.
const LAZY_CHUNK = /^[a-z]+-[A-Z0-9]+\.js$/;
const GLUE = join(WWW, "pkg", "edgeflag.js");
// What the bundles leave out of the wasm-bindgen glue (pkg/edgeflag.js, as scripts/build-wasm.sh writes it): code
// that src/engine.js never reaches, each piece an exact text that must occur once in the glue, else the bundle
// fails (the glue changed shape: check the piece again and update it here). src/ imports the glue unchanged.
// About 340 B gzip of the browser bundle (docs/wasm-size.md, "The JS of the browser entry" and branch `jsb2`'s row).
export const GLUE_TRIMS = [
  {
    why: "initSync's warning for its deprecated argument form: engine.js always passes {module}",
    from: `    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for \`initSync()\`; pass a single object instead')
        }
    }
`,
    to: "    ({module} = module);\n",
  },
  {
    why: "passStringToWasm0 as its copy without realloc (encode, then one malloc of the exact length): its callers (bucket(), the imports' strings of toLowerCase and regexError) are off the evaluation paths",
    from: `    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
`,
    to: `    const buf = cachedTextEncoder.encode(arg);
    const ptr = wasm.__wbindgen_malloc(buf.length, 1) >>> 0;
    getUint8ArrayMemory0().set(buf, ptr);
    WASM_VECTOR_LEN = buf.length;
    return ptr;
`,
  },
  {
    why: "TextEncoder#encodeInto's fallback: every runtime that parses the bundles has encodeInto (Chrome 74, Firefox 66, Safari 14.1)",
    from: `if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}
`,
    to: "",
  },
  ...["wasmcontext", "wasmengine"].map((c) => ({
    why: `the stand-in for a missing FinalizationRegistry (${c}): every runtime that parses the bundles (es2022 with private methods: Chrome 84, Firefox 90, Safari 15, Node, Deno, Bun) has one`,
    from: `(typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_${c}_free(ptr, 1));`,
    to: `new FinalizationRegistry(ptr => wasm.__wbg_${c}_free(ptr, 1));`,
  })),
  ...["WasmContext", "WasmEngine"].map((c) => ({
    why: `${c}[Symbol.dispose]: the glue's objects stay inside engine.js, which frees them with free()`,
    from: `if (Symbol.dispose) ${c}.prototype[Symbol.dispose] = ${c}.prototype.free;\n`,
    to: "",
  })),
  // The glue's strings from wasm (a pointer and length it frees after decoding): each export's own try/finally
  // with two variables becomes one call of takeString (the same decode and free).
  ...[
    ["        ", "wasmengine_explainJson(this.__wbg_ptr, flag, now_ms, len)"],
  ].map(([i, call]) => ({
    why: `the string of ${call.slice(0, call.indexOf("("))} taken by takeString`,
    from: `${i}let deferred1_0;
${i}let deferred1_1;
${i}try {
${i}    const ret = wasm.${call};
${i}    deferred1_0 = ret[0];
${i}    deferred1_1 = ret[1];
${i}    return getStringFromWasm0(ret[0], ret[1]);
${i}} finally {
${i}    wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
${i}}
`,
    to: `${i}return takeString(wasm.${call});\n`,
  })),
  {
    why: "takeString, the one decode-and-free of the strings above, put before getStringFromWasm0 (the same, its two lines as one)",
    from: `function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
`,
    to: `function takeString(ret) {
    try {
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(ret[0], ret[1], 1);
    }
}
function getStringFromWasm0(ptr, len) {
    return decodeText(getUint8ArrayMemory0().subarray(ptr >>>= 0, ptr + len));
`,
  },
  {
    why: "bucket()'s frees of its arguments when copying the second throws (a trap of the wasm allocator: out of memory)",
    from: `    let ptr0, len0, ptr1, len1;
    try {
        ptr0 = passStringToWasm0(salt, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len0 = WASM_VECTOR_LEN;
        ptr1 = passStringToWasm0(unit, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        len1 = WASM_VECTOR_LEN;
    } catch (e) {
        if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
        if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
        throw e;
    }
`,
    to: `    const ptr0 = passStringToWasm0(salt);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passStringToWasm0(unit);
    const len1 = WASM_VECTOR_LEN;
`,
  },
  // The imports returning a string to wasm (written at a return pointer): one helper, putString, for both.
  // (toLowerCase as a method of the string: getStringFromWasm0 returns a string, whose own toLowerCase that is)
  ...[["String.prototype.toLowerCase.call(getStringFromWasm0(arg1, arg2))", "getStringFromWasm0(arg1, arg2).toLowerCase()"], ["regexError()", "regexError()"]].map(([call, put]) => ({
    why: `the string of ${call} written by putString`,
    from: `            const ret = ${call};
            const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
            getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
`,
    to: `            putString(arg0, ${put});\n`,
  })),
  {
    why: "putString, the one copy of the imports' strings into wasm memory; passStringToWasm0 takes the allocator from wasm (every call passed the same)",
    from: "function passStringToWasm0(arg, malloc, realloc) {\n",
    to: `function putString(at, arg) {
    const ptr = passStringToWasm0(arg);
    const dv = getDataViewMemory0();
    dv.setInt32((at >>> 0) + 4, WASM_VECTOR_LEN, true);
    dv.setInt32(at >>> 0, ptr, true);
}
function passStringToWasm0(arg) {
`,
  },
  {
    why: "getDataViewMemory0's test of a detached buffer: a view is stale exactly when its buffer is no longer the memory's (growing detaches the old one)",
    from: "if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {",
    to: "if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== wasm.memory.buffer) {",
  },
  ...[["WasmContext", "wasmcontext"], ["WasmEngine", "wasmengine"]].map(([c, n]) => ({
    why: `${c}#__destroy_into_raw inlined into free(), its one caller`,
    from: `    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ${c}Finalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_${n}_free(ptr, 0);
    }
`,
    to: `    free() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ${c}Finalization.unregister(this);
        wasm.__wbg_${n}_free(ptr, 0);
    }
`,
  })),
  {
    why: "__wbg_finalize_init's resets of the cached memory views: it runs once (initSync returns the instance it made), before any view exists",
    from: `    cachedDataViewMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();`,
    to: "    wasm.__wbindgen_start();",
  },
  ...["    const import0 = {\n", "    return {\n"].map((head) => ({
    why: "the imports objects' null prototype (__proto__: null): WebAssembly reads the module \"w\" and its one-letter imports by name, none a property of Object.prototype",
    from: `${head}        __proto__: null,\n`,
    to: head,
  })),
];

// The glue with GLUE_TRIMS applied; throws when a piece is not in it exactly once. The pieces quote the glue
// as wasm-bindgen writes it; scripts/build-wasm.sh then shortens the wasm's names in it (tools/wasm-names.js):
// the same renaming here.
export function trimmedGlue(text) {
  for (const trim of GLUE_TRIMS) {
    const { why } = trim, from = renameGlue(trim.from), to = renameGlue(trim.to);
    const n = text.split(from).length - 1;
    if (n !== 1) {
      throw new Error(`www/pkg/edgeflag.js changed shape: a piece that scripts/bundle.js leaves out (${why}) occurs ${n} times, not once: update GLUE_TRIMS`);
    }
    text = text.replace(from, () => to);
  }
  return text;
}

// esbuild plugin: the glue as trimmedGlue() gives it.
const glueTrim = {
  name: "glue-trim",
  setup(b) {
    b.onLoad({ filter: /[\\/]pkg[\\/]edgeflag\.js$/ }, (args) => {
      if (resolve(args.path) !== GLUE) return undefined;
      return { contents: trimmedGlue(readFileSync(GLUE, "utf8")), loader: "js" };
    });
  },
};
// esbuild plugin for the browser bundles: src/on-demand.browser.js in place of src/on-demand.js, so that the JS of the
// operators and diagnostics modules (src/operators.js, src/diagnose.js) becomes on-demand chunks, fetched with
// their module (the other entries import it at once: they may load those modules synchronously).
const ON_DEMAND = join(WWW, "src", "on-demand.js");
const onDemandChunks = {
  name: "on-demand-chunks",
  setup(b) {
    b.onResolve({ filter: /^\.\/on-demand\.js$/ }, (args) => {
      if (resolve(args.resolveDir, args.path) !== ON_DEMAND) return undefined;
      return { path: join(WWW, "src", "on-demand.browser.js") };
    });
  },
};
// Settings both builds share.
const common = (quiet) => ({
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "none",
  logLevel: quiet ? "warning" : "info",
  metafile: true,
  plugins: [glueTrim],
});

// One minified ES module for browsers from `entry`. Also minified: the names of internal properties
// (`this._flags`…: an underscore then a lower-case letter; and the glue's own `__wbg_ptr` and `__wrap`, which
// only the glue and engine.js use (its `__destroy_into_raw` is inlined by GLUE_TRIMS); the wasm exports keep theirs, one or two letters already: src/wasm-names.js), each bundle
// on its own (no object crosses from one bundle to another). Then terser
// (safe settings: two compress passes, names mangled by frequency, which gzip likes) rewrites esbuild's
// output: about 460 B gzip less (3 %) than esbuild alone. Its `sequences: false` keeps statements apart
// instead of joining them with commas: 9 B more raw but 8 B less gzip (the same statements recur word for
// word across the bundle; docs/wasm-size.md, branch `jsb4`).
async function esbuild(entry, outfile, quiet) {
  const r = await build({
    ...common(quiet),
    entryPoints: { [basename(outfile, ".js")]: entry },
    outdir: DIST,
    splitting: true, // only for import(): the on-demand chunks (no code is shared by the entry and them)
    chunkNames: "[name]-[hash]",
    write: false,
    platform: "browser",
    target: "es2022",
    mangleProps: /^_[a-z]|^__(wbg_ptr|wrap)$/,
    plugins: [glueTrim, onDemandChunks],
  });
  for (const out of r.outputFiles) writeFileSync(out.path, await shrink(out.text));
  return r;
}

let terser = null;
async function shrink(code) {
  terser ??= await import("terser").catch((e) => {
    throw new Error(`terser (a devDependency of www/) is missing: run npm ci in www/ (${e.message})`);
  });
  const r = await terser.minify(code, { module: true, ecma: 2022, compress: { passes: 2, sequences: false }, mangle: true, format: { comments: false } });
  return r.code + "\n";
}

// The Node entries' internals: what src/engine.node.js puts on its Engine under this symbol (non-enumerable), for
// the other Node bundles' shims (NODE_SHIMS) to reach without more exports or module files.
const INTERNALS = 'Engine[Symbol.for("edgeflag.node.internals")]';
// The modules of an earlier Node bundle that a later one reaches, each replaced by a shim importing that bundle
// (`from`: dist/engine.node.js or dist/edgeflag.node.js, left external): `exports` re-exports every name the bundle
// exports (named, as its build's metafile lists them: `export *` of an external module would make esbuild copy a
// namespace at run time, with helpers in one more file), `names` takes those internals from INTERNALS, `bare` only
// runs the bundle (a side-effect import). A module of an earlier bundle without a shim here stops the build: bundled
// twice, it would be a second module instance (a second `platform`, a second WeakSet of refusals lacking their
// messages).
export const NODE_SHIMS = [
  { file: "engine.js", from: "engine.node.js", exports: true },
  { file: "platform-node.js", from: "engine.node.js", bare: true },
  { file: "platform.js", from: "engine.node.js", names: ["platform"] },
  { file: "diagnostics.js", from: "engine.node.js", names: ["lacksMessages"] },
  { file: "details.js", from: "engine.node.js", names: ["errorDetails"] },
  { file: "index.js", from: "edgeflag.node.js", exports: true },
];

// A shim's text; `exported`: each built bundle's export names (by file name).
function shimText({ from, exports, bare, names }, exported) {
  if (bare) return `import "./${from}";\n`;
  if (exports) return `export { ${exported.get(from).join(", ")} } from "./${from}";\n`;
  return `import { Engine } from "./engine.node.js";\nexport const { ${names.join(", ")} } = ${INTERNALS};\n`;
}

// esbuild plugin for the Node bundles after the first: each import of a module that the bundles built before hold
// (`earlier.files`: their source files) resolves to its shim (NODE_SHIMS), whose imports of those bundles
// (`earlier.exported`: their export names) stay external.
function nodeShims(earlier) {
  return {
    name: "node-shims",
    setup(b) {
      b.onResolve({ filter: /\.node\.js$/, namespace: "node-shim" }, (args) => ({ path: args.path, external: true }));
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.namespace !== "file") return undefined;
        const file = resolve(args.resolveDir, args.path);
        if (!earlier.files.has(file)) return undefined;
        const shim = NODE_SHIMS.find((s) => join(WWW, "src", s.file) === file);
        if (shim === undefined) {
          return { errors: [{ text: `${args.path} is in an earlier Node bundle but has no shim in NODE_SHIMS (scripts/bundle.js): add one, else it would be bundled twice` }] };
        }
        return { path: shim.file, namespace: "node-shim", pluginData: shim };
      });
      b.onLoad({ filter: /.*/, namespace: "node-shim" }, (args) => ({
        contents: shimText(args.pluginData, earlier.exported),
        loader: "js",
        resolveDir: join(WWW, "src"),
      }));
    },
  };
}

// One Node entry: `src` (a file of src/) into dist/`name`.js, with the modules of `earlier` (the bundles built before:
// their source files and export names) taken from those bundles through nodeShims. Chunks: only the client's import() of
// src/verify.js (dist/verify-<hash>.node.js).
async function esbuildNodeEntry(name, src, earlier, quiet) {
  const r = await build({
    ...common(quiet),
    entryPoints: { [name]: join(WWW, "src", src) },
    outdir: DIST,
    splitting: true,
    chunkNames: "[name]-[hash].node",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    absWorkingDir: WWW, // the metafile's paths relative to www/
    plugins: [glueTrim, nodeShims(earlier)],
  });
  for (const f of Object.keys(r.metafile.inputs)) if (!f.includes(":")) earlier.files.add(resolve(WWW, f));
  earlier.exported.set(`${name}.js`, r.metafile.outputs[`dist/${name}.js`].exports);
  return r;
}

// The three Node entries, one after another: dist/engine.node.js holds the whole engine (one file to read, link and
// evaluate for `edgeflag/engine`), dist/edgeflag.node.js the client importing it, dist/devtools.node.js both. One
// module instance of the engine whatever entries an app imports.
async function esbuildNode(quiet) {
  for (const f of readdirSync(DIST)) if (NODE_CHUNK.test(f)) rmSync(join(DIST, f)); // chunks of earlier builds
  const earlier = { files: new Set(), exported: new Map() };
  const outputs = {};
  const inputs = {}; // each entry's source files (of src/ and pkg/)
  for (const [key, name, src] of [["engine", "engine.node", "engine.node.js"], ["entry", "edgeflag.node", "index.node.js"], ["devtools", "devtools.node", "devtools.node.js"]]) {
    const r = await esbuildNodeEntry(name, src, earlier, quiet);
    Object.assign(outputs, r.metafile.outputs);
    inputs[key] = Object.keys(r.metafile.inputs).filter((f) => !f.includes(":")).sort();
  }
  return { metafile: { outputs }, inputs };
}

/** Builds the browser bundles and the Node bundles of dist/; returns their paths. Throws when the glue is missing. */
export async function bundle({ quiet = true } = {}) {
  if (!existsSync(GLUE)) throw new Error("www/pkg/edgeflag.js is missing: build the wasm package first (scripts/build-wasm.sh)");
  mkdirSync(DIST, { recursive: true });
  for (const f of readdirSync(DIST)) if (LAZY_CHUNK.test(f)) rmSync(join(DIST, f)); // on-demand chunks of earlier builds
  const [node, ...results] = await Promise.all([
    esbuildNode(quiet),
    esbuild(join(WWW, "src", "index.js"), BUNDLE, quiet),
    esbuild(join(WWW, "src", "devtools.js"), DEVTOOLS_BUNDLE, quiet),
  ]);
  const browserOutputs = results.flatMap((r) => Object.entries(r.metafile.outputs));
  const lazy = [...new Set(browserOutputs.map(([f]) => resolve(WWW, f)).filter((f) => LAZY_CHUNK.test(basename(f))))].sort();
  // What the bundles import, but their own on-demand chunks (fetched by import() when a feature needs them).
  const imports = browserOutputs.flatMap(([, o]) => o.imports.filter((i) => !(i.kind === "dynamic-import" && LAZY_CHUNK.test(basename(i.path)))).map((i) => i.path));
  const nodeOutputs = Object.entries(node.metafile.outputs).filter(([f]) => f.endsWith(".js"));
  // (but the bundles' imports of one another: ./engine.node.js, ./edgeflag.node.js)
  const nodeImports = [...new Set(nodeOutputs.flatMap(([, o]) => o.imports.filter((i) => i.external && !i.path.startsWith("./")).map((i) => i.path)))].sort();
  const chunks = nodeOutputs.map(([f]) => resolve(WWW, f)).filter((f) => NODE_CHUNK.test(f.slice(DIST.length + 1))).sort();
  // The engine entry: the engine module's own export names, taken from the bundle.
  const engine = await import(pathToFileURL(join(WWW, "src", "engine.js")).href);
  const names = Object.keys(engine).sort();
  writeFileSync(
    ENGINE_BUNDLE,
    `// edgeflag/engine for browsers: the engine's exports of the bundle (one module instance with "edgeflag").\nexport { ${names.join(", ")} } from "./edgeflag.js";\n`,
  );
  const nodeFiles = { entry: NODE_BUNDLE, engine: NODE_ENGINE_BUNDLE, devtools: NODE_DEVTOOLS_BUNDLE, chunks, inputs: node.inputs };
  return {
    entry: BUNDLE,
    engine: ENGINE_BUNDLE,
    devtools: DEVTOOLS_BUNDLE,
    node: nodeFiles,
    lazy,
    files: [BUNDLE, ENGINE_BUNDLE, DEVTOOLS_BUNDLE, ...lazy, NODE_BUNDLE, NODE_ENGINE_BUNDLE, NODE_DEVTOOLS_BUNDLE, ...chunks],
    imports,
    nodeImports,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = await bundle({ quiet: false });
    for (const f of r.files) console.log(`${f.slice(WWW.length + 1)}: ${readFileSync(f).length} B`);
  } catch (e) {
    console.error(`bundle: ${e && e.message ? e.message : e}`);
    process.exit(1);
  }
}
