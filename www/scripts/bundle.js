// Builds the browser bundle: one minified ES module, dist/edgeflag.js, holding what `import … from
// "edgeflag"` gives a browser app (the wasm-bindgen glue, the engine, the client, the loader, the cache,
// signature checks), and dist/engine.js, the `edgeflag/engine` browser entry, which re-exports the
// engine's names from that same file (so an app importing both gets one module instance, one wasm
// instance), and dist/devtools.js, the `edgeflag/devtools` browser entry: the same from src/devtools.js,
// whose initWasm() loads the devtools .wasm (Engine#explain) — its own bundle, so its own module and wasm
// instance (a page that explains imports everything from it). package.json's "browser" conditions point
// here; Node, Deno, Bun and workerd keep src/.
//
// The .wasm stays in pkg/: the glue's default URL (`new URL("edgeflag_bg.wasm", import.meta.url)`) is
// rewritten to `../pkg/edgeflag_bg.wasm`, still a pattern that bundlers (Vite, webpack, esbuild, Parcel)
// recognise and emit as an asset.
//
//   npm run bundle            (after scripts/build-wasm.sh: the glue in pkg/ must exist)
//   import { bundle } from "./scripts/bundle.js"; await bundle()
//     → { entry, engine, devtools, files: [the three paths], imports: [modules the bundles still import: none] }

import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const WWW = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(WWW, "dist");
export const BUNDLE = join(DIST, "edgeflag.js");
export const ENGINE_BUNDLE = join(DIST, "engine.js");
export const DEVTOOLS_BUNDLE = join(DIST, "devtools.js");
const GLUE = join(WWW, "pkg", "edgeflag.js");
const GLUE_URL = /new URL\((["'])edgeflag_bg\.wasm\1,\s*import\.meta\.url\)/g;

// The glue with its default .wasm URL made relative to dist/ (where the bundle lives).
const wasmUrl = {
  name: "edgeflag-wasm-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]pkg[\\/]edgeflag\.js$/ }, (args) => {
      const src = readFileSync(args.path, "utf8");
      const out = src.replace(GLUE_URL, 'new URL("../pkg/edgeflag_bg.wasm", import.meta.url)');
      if (out === src) {
        return { errors: [{ text: "pkg/edgeflag.js: the default .wasm URL (new URL('edgeflag_bg.wasm', import.meta.url)) was not found" }] };
      }
      return { contents: out, loader: "js" };
    });
  },
};

// One minified ES module from `entry` (with the glue's default .wasm URL made relative to dist/).
function esbuild(entry, outfile, quiet) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    logLevel: quiet ? "warning" : "info",
    plugins: [wasmUrl],
    metafile: true,
  });
}

/** Builds dist/edgeflag.js, dist/engine.js and dist/devtools.js; returns their paths. Throws when the glue is missing. */
export async function bundle({ quiet = true } = {}) {
  if (!existsSync(GLUE)) throw new Error("www/pkg/edgeflag.js is missing: build the wasm package first (scripts/build-wasm.sh)");
  mkdirSync(DIST, { recursive: true });
  const results = await Promise.all([
    esbuild(join(WWW, "src", "index.js"), BUNDLE, quiet),
    esbuild(join(WWW, "src", "devtools.js"), DEVTOOLS_BUNDLE, quiet),
  ]);
  const imports = results.flatMap((r) => Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)));
  // The engine entry: the engine module's own export names, taken from the bundle.
  const engine = await import(pathToFileURL(join(WWW, "src", "engine.js")).href);
  const names = Object.keys(engine).sort();
  writeFileSync(
    ENGINE_BUNDLE,
    `// edgeflag/engine for browsers: the engine's exports of the bundle (one module instance with "edgeflag").\nexport { ${names.join(", ")} } from "./edgeflag.js";\n`,
  );
  return { entry: BUNDLE, engine: ENGINE_BUNDLE, devtools: DEVTOOLS_BUNDLE, files: [BUNDLE, ENGINE_BUNDLE, DEVTOOLS_BUNDLE], imports };
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
