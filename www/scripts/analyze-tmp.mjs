import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
const r = await build({ entryPoints: ["src/index.js"], outfile: "/tmp/coldjs/an/out.js", bundle: true, format: "esm", platform: "browser", target: "es2022", minify: true, legalComments: "none", metafile: true, write: true, ...(process.argv[2] ? { mangleProps: /^_[a-z]/ } : {}) });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([f, v]) => [f, v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
const total = readFileSync("/tmp/coldjs/an/out.js");
console.log("total raw", total.length, "gzip", gzipSync(total, { level: 9 }).length);
for (const [f, b] of rows) console.log(String(b).padStart(7), f);
