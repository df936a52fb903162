#!/usr/bin/env bash
# Builds the WebAssembly package into www/pkg/ from scratch (idempotent; used by CI and the README):
#   1. the wasm32-unknown-unknown target (rustup), if missing;
#   2. wasm-bindgen-cli at exactly the version of the `wasm-bindgen` crate in Cargo.lock, if the one on
#      PATH differs;
#   3. cargo build --lib --target wasm32-unknown-unknown --profile wasm, with std rebuilt by -Z build-std
#      (panic=immediate-abort) when the rust-src component is there, else the plain build (a warning);
#      twice: the runtime (--no-default-features: no `explain`) and the devtools build (default features);
#      and the runtime once more at opt-level 3 (profile `wasm-speed`): pkg/edgeflag_speed_bg.wasm, the
#      server build that the Node entries (Node, Deno, Bun) read from disk; browsers and workers keep the
#      size build (issue #8: the same glue, checked; S3's load in about 0.74x the time);
#   4. wasm-bindgen --target web (no TypeScript: www/types/ has the declarations), each with the out-name
#      `edgeflag`, so that one glue, the devtools build's (checked to differ from the runtime's only by
#      `explainJson`, and the speed build's to equal it), serves the three: pkg/edgeflag.js,
#      pkg/edgeflag_bg.wasm, pkg/edgeflag_speed_bg.wasm, pkg/edgeflag_devtools_bg.wasm;
#   4b. the imports and exports renamed to the short names of www/src/wasm-names.js (tools/wasm-names.js);
#   5. wasm-opt -Oz --converge (binaryen >= 116: the system one, else the npm package `binaryen` from www/;
#      Debian's is installed when missing and running as root; SKIP_WASM_OPT=1 skips it), for the runtime its
#      control flow rebuilt but on the evaluation path (tools/wasm-flatten.js), then the function
#      bodies reordered for gzip (tools/wasm-order.js: a second wasm-opt pass renumbers them), then a smoke test;
#      (also the operators module, regex-module/ → pkg/edgeflag_regex.wasm, and the diagnostics
#      module, diagnose-module/ → pkg/edgeflag_diagnostics.wasm, both loaded on demand);
#   6. prints the sizes: the .wasm files and the JS entry, raw and gzip -9;
#   7. builds the bundles of www/dist/ (npm run bundle) when www/'s devDependencies are installed: the minified
#      browser bundle and the Node bundles (dist/*.node.js, package.json's "node" conditions).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/www/pkg"
TARGET=wasm32-unknown-unknown
PROFILE=wasm
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[build-wasm] %s\n' "$*" >&2; }

# 1. target
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    log "installing the $TARGET target"
    rustup target add "$TARGET"
  fi
else
  log "rustup not found: assuming the $TARGET target is installed"
fi

# 2. wasm-bindgen CLI pinned to Cargo.lock
if [ ! -f Cargo.lock ]; then
  log "no Cargo.lock: generating it"
  cargo generate-lockfile
fi
WB_VERSION="$(awk '
  /^\[\[package\]\]/ { name = "" }
  /^name = / { gsub(/"/, "", $3); name = $3 }
  /^version = / && name == "wasm-bindgen" { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)"
if [ -z "$WB_VERSION" ]; then
  # The lock file may not list wasm32-only dependencies until a wasm32 build resolved them.
  cargo fetch --target "$TARGET" >/dev/null 2>&1 || true
  WB_VERSION="$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = / { gsub(/"/, "", $3); name = $3 }
    /^version = / && name == "wasm-bindgen" { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock)"
fi
if [ -z "$WB_VERSION" ]; then
  log "error: wasm-bindgen is not in Cargo.lock"
  exit 1
fi
HAVE_VERSION=""
if command -v wasm-bindgen >/dev/null 2>&1; then
  HAVE_VERSION="$(wasm-bindgen --version | awk '{print $2}')"
fi
if [ "$HAVE_VERSION" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION (found: ${HAVE_VERSION:-none})"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --no-default-features --force
fi

# 3. build. By default the standard library is rebuilt with the crate (-Z build-std, through
# RUSTC_BOOTSTRAP on the stable toolchain) with panic=immediate-abort and -Z location-detail=none (no
# panic messages, source locations or formatting machinery from std) and std's `optimize_for_size`
# feature (smaller sort and formatting code in core): about 12 KB less gzip (docs/wasm-size.md). It needs the rust-src
# component (scripts/setup.sh adds it); without it, or if that build fails, or with
# EDGEFLAG_BUILD_STD=0, the plain build is used and a warning says so. That build also sets
# `--cfg edgeflag_unstable` (RUSTC_BOOTSTRAP is on anyway), which lets the crate mark its few hot
# functions `#[optimize(speed)]` inside the size-optimised build (src/lib.rs); the plain build omits them. Its own target dir keeps the
# two builds' caches apart.
# cargo_wasm [CARGO_ARGS...]: builds the library with those settings; sets WASM_IN to the .wasm built.
USE_STD=0
if [ "${EDGEFLAG_BUILD_STD:-1}" = "1" ]; then
  SYSROOT="$(rustc --print sysroot 2>/dev/null || true)"
  if [ -n "$SYSROOT" ] && [ -f "$SYSROOT/lib/rustlib/src/rust/library/Cargo.lock" ]; then
    USE_STD=1
  else
    log "warning: the rust-src component is missing (rustup component add rust-src, or scripts/setup.sh):"
    log "warning: building against the prebuilt std (about 12 KB gzip larger .wasm)"
  fi
else
  log "EDGEFLAG_BUILD_STD=0: building against the prebuilt std (about 12 KB gzip larger .wasm)"
fi
STD_DIR="$ROOT/target/wasm-build-std"
# rustc's MIR inliner, which opt-level "z" leaves off, on with low thresholds (a callee of at most 20, or
# 50 when it is `#[inline]`) for the edgeflag crate (cargo's per-package rustflags, `-Z profile-rustflags`):
# small generic std helpers inlined into our code before monomorphisation instead of as one out-of-line
# copy per type: about 1.3 KB gzip less .wasm, S2 no slower and S3's load fewer instructions. On std's
# crates too it saved 0.6 KB more but cost S2 2 % more instructions (callgrind; docs/wasm-size.md). The
# thresholds were measured: the result moves by a few hundred bytes either way. With it, LLVM's inliner
# threshold for the edgeflag crate's LTO (`-Cllvm-args=-inline-threshold=10`; opt-level "z" gives 5): small
# functions of one or two callers (`str::bytes`, `Result::eq`, the reader's `open_object`, …) are inlined
# instead of kept out of line; 6 to 15 measured alike (about 250 B gzip less), 20 and more larger; S2 no
# slower, S3's load 0.25 % fewer instructions (docs/wasm-size.md).
MIR_INLINE=(-Z profile-rustflags --config 'profile.wasm.package.edgeflag.rustflags=["-Zinline-mir=yes","-Zinline-mir-threshold=20","-Zinline-mir-hint-threshold=50","-Cllvm-args=-inline-threshold=10"]')
cargo_wasm() {
  # (the size-tuned inlining only for the size build: the speed build takes opt-level 3's)
  local inline=()
  if [ "$PROFILE" = wasm ]; then inline=("${MIR_INLINE[@]}"); fi
  # (the speed build keeps a few hot parts out of line that opt-level 3 would merge: `edgeflag_speed`, src/lib.rs)
  local cfg=""
  if [ "$PROFILE" = wasm-speed ]; then cfg="--cfg edgeflag_speed"; fi
  if [ "$USE_STD" = "1" ]; then
    log "cargo build --lib --target $TARGET --profile $PROFILE $* -Z build-std=std,panic_abort (panic=immediate-abort, optimize_for_size)"
    if RUSTC_BOOTSTRAP=1 RUSTFLAGS="${RUSTFLAGS:-} -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg edgeflag_unstable $cfg" \
      cargo build --lib --target "$TARGET" --profile "$PROFILE" "$@" -Z build-std=std,panic_abort \
        -Z build-std-features=optimize_for_size "${inline[@]}" --target-dir "$STD_DIR" >&2; then
      WASM_IN="$STD_DIR/$TARGET/$PROFILE/${WASM_NAME:-edgeflag}.wasm"
      return
    fi
    log "warning: the build-std build failed: falling back to the plain build (about 12 KB gzip larger)"
    USE_STD=0
  fi
  log "cargo build --lib --target $TARGET --profile $PROFILE $*"
  if [ -n "$cfg" ]; then
    RUSTFLAGS="${RUSTFLAGS:-} $cfg" cargo build --lib --target "$TARGET" --profile "$PROFILE" "$@" >&2
  else
    cargo build --lib --target "$TARGET" --profile "$PROFILE" "$@" >&2
  fi
  WASM_IN="$ROOT/target/$TARGET/$PROFILE/${WASM_NAME:-edgeflag}.wasm"
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# 3 and 4 for each build: the .wasm is copied out of the target dir at once (the runtime and devtools builds
# write the same path).
# The runtime first: the build-std fallback, if it happens, then applies to the others.
WASM_IN=""
cargo_wasm --no-default-features
[ -f "$WASM_IN" ] || { log "error: $WASM_IN not built"; exit 1; }
# (the runtime keeps its function names until tools/wasm-flatten.js, below, has read them)
wasm-bindgen --target web --out-dir "$TMP/runtime" --out-name edgeflag --no-typescript "$WASM_IN"
# The server build of the runtime (profile `wasm-speed`: opt-level 3, the same features), which the Node entry
# (src/platform-node.js: Node, Deno, Bun) loads from disk: there no network carries its bytes, and S3's load
# takes about 0.74x the size build's time (issue #8; docs/ARCHITECTURE.md, "Two builds of the runtime").
# Browsers and workers keep the runtime above.
WASM_IN=""
PROFILE=wasm-speed cargo_wasm --no-default-features
[ -f "$WASM_IN" ] || { log "error: $WASM_IN not built"; exit 1; }
wasm-bindgen --target web --remove-name-section --out-dir "$TMP/speed" --out-name edgeflag --no-typescript "$WASM_IN"
WASM_IN=""
cargo_wasm
[ -f "$WASM_IN" ] || { log "error: $WASM_IN not built"; exit 1; }
wasm-bindgen --target web --remove-name-section --out-dir "$TMP/devtools" --out-name edgeflag --no-typescript "$WASM_IN"
# One glue for the three: the devtools build's, which must equal the runtime's but for the explainJson method
# (the wasm imports and every other export are the same; with the runtime .wasm, engine.js reports explain()
# as missing instead of calling it), and the speed build's must equal the runtime's.
if command -v node >/dev/null 2>&1; then node --input-type=module -e '
  const { readFileSync } = await import("node:fs");
  const [rt, dt, sp] = process.argv.slice(1).map((f) => readFileSync(f, "utf8"));
  const method = /\n {4}\/\*\*\n {5}\* The explain trace as JSON\.\n[\s\S]*?\n {4}explainJson\([^)]*\) \{[\s\S]*?\n {4}\}/;
  if (!method.test(dt)) throw new Error("the devtools glue has no explainJson method");
  if (dt.replace(method, "") !== rt) throw new Error("the runtime and devtools glues differ beyond explainJson");
  if (sp !== rt) throw new Error("the runtime and speed glues differ");
' "$TMP/runtime/edgeflag.js" "$TMP/devtools/edgeflag.js" "$TMP/speed/edgeflag.js" || { log "error: one glue cannot serve the three builds"; exit 1; }
else
  log "warning: no node: the three glues were not compared"
fi
# The operators module, first the regular-expression module (regex-module/: regex-lite, and edgeflag's semver and
# CIDR parsers, behind raw C-ABI exports, no wasm-bindgen), loaded by www/src/regex.js only when a snapshot uses
# `matches`, `semver_*` or `in_cidr`: the runtime .wasm carries none of them.
WASM_IN=""
WASM_NAME=edgeflag_regex cargo_wasm -p edgeflag-regex
[ -f "$WASM_IN" ] || { log "error: $WASM_IN not built"; exit 1; }
cp "$WASM_IN" "$TMP/edgeflag_regex.wasm"
# The diagnostics module (diagnose-module/: the edgeflag crate with its messages behind raw C-ABI exports, no
# wasm-bindgen), loaded by www/src/diagnostics.js only when the runtime refuses a snapshot: the runtime .wasm
# reports its errors with their paths and a fixed text.
WASM_IN=""
WASM_NAME=edgeflag_diagnose cargo_wasm -p edgeflag-diagnose
[ -f "$WASM_IN" ] || { log "error: $WASM_IN not built"; exit 1; }
cp "$WASM_IN" "$TMP/edgeflag_diagnostics.wasm"
cp "$TMP/devtools/edgeflag.js" "$TMP/edgeflag.js"
cp "$TMP/runtime/edgeflag_bg.wasm" "$TMP/edgeflag_bg.wasm"
cp "$TMP/devtools/edgeflag_bg.wasm" "$TMP/edgeflag_devtools_bg.wasm"
cp "$TMP/speed/edgeflag_bg.wasm" "$TMP/edgeflag_speed_bg.wasm"
# The short import and export names (www/src/wasm-names.js, the one table; engine.js calls the raw exports by
# them): tools/wasm-names.js renames both .wasm files that import from the glue, and the glue (about 0.5 KB
# gzip of .wasm and 0.2 KB of JS less, docs/wasm-size.md). wasm-opt keeps the names.
command -v node >/dev/null 2>&1 || { log "error: node is needed to rename the wasm's imports and exports"; exit 1; }
node "$ROOT/tools/wasm-names.js" "$TMP" >&2 || { log "error: tools/wasm-names.js failed"; exit 1; }

# (everything is written into a temporary folder, then moved: www/pkg never holds a half-written package)

# 5. wasm-opt (also dropping the target_features section: wasm-bindgen has read it, browsers ignore it).
# Binaryen before 116 (Debian bookworm ships 108) mis-writes the externref table that
# wasm-bindgen emits (its export ends up pointing at the funcref table), so an old wasm-opt is not
# used: the npm package `binaryen` (a devDependency of www/) provides a current one.
WASM_OPT_MIN=116
ONE_CALLER_INLINE=20 # see the wasm-opt call below
wasm_opt_version() { "$1" --version 2>/dev/null | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p'; }
WASM_OPT=""
if [ "${SKIP_WASM_OPT:-0}" != "1" ]; then
  if ! command -v wasm-opt >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing binaryen (wasm-opt)"
    (apt-get install -y -qq binaryen >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq binaryen >/dev/null 2>&1; }) ||
      log "could not install binaryen"
  fi
  for cand in "$(command -v wasm-opt || true)" "$ROOT/www/node_modules/.bin/wasm-opt"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    v="$(wasm_opt_version "$cand")"
    if [ -n "$v" ] && [ "$v" -ge "$WASM_OPT_MIN" ]; then
      WASM_OPT="$cand"
      break
    fi
    log "skipping $cand (version ${v:-?} < $WASM_OPT_MIN)"
  done
  if [ -z "$WASM_OPT" ] && [ -f "$ROOT/www/package.json" ] && command -v npm >/dev/null 2>&1; then
    log "installing www/ devDependencies for binaryen's wasm-opt"
    (cd "$ROOT/www" && { npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null 2>&1; }) || true
    cand="$ROOT/www/node_modules/.bin/wasm-opt"
    if [ -x "$cand" ] && [ "$(wasm_opt_version "$cand")" -ge "$WASM_OPT_MIN" ] 2>/dev/null; then WASM_OPT="$cand"; fi
  fi
fi
if [ -n "$WASM_OPT" ]; then
  log "wasm-opt -Oz --converge -ocimfs $ONE_CALLER_INLINE ($("$WASM_OPT" --version))"
  # Features rustc enables by default for wasm32 (bulk memory, non-trapping float-to-int, sign
  # extension, mutable globals, multi-value, reference types): wasm-opt must accept what it finds.
  WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-multivalue --enable-reference-types)
  # --one-caller-inline-max-function-size (-ocimfs): a function called from one place is inlined there only
  # when it is small (binaryen's default inlines it whatever its size). Merged, the load's per-flag readers
  # make a few long functions (snapshot::flag 6.2 KB of code, plan::Stream::add 3.8 KB, …) that V8 finds hot
  # during a snapshot's first load and recompiles with its optimising compiler on background threads, which
  # take the 2 cores of an edge worker from the load itself (a cold start's load waits for a core for most of
  # its time; docs/ARCHITECTURE.md, "Cold start"). Apart, fewer bytes reach V8's tier-up threshold (S3: 42.1 →
  # 32.8 KB recompiled) and the .wasm is 3.4 KB smaller in gzip (docs/wasm-size.md).
  # --low-memory-unused: binaryen folds `x + C` (C < 1 KiB) into a load's or store's offset, which does not
  # wrap where the add did, so the two differ only for an address that wraps past 4 GiB into the first KiB of
  # memory. Rust forms no such address but around an object in that first KiB, which is here the bottom of
  # the 1 MiB stack (rustc links with --stack-first): at worst the stack's last KiB traps, as if the stack were
  # 1 KiB smaller, and the load's depth limits keep it far from there. −119 B gzip (docs/wasm-size.md).
  OZ_OPTIONS=(--one-caller-inline-max-function-size "$ONE_CALLER_INLINE" --low-memory-unused)
  for w in edgeflag_bg edgeflag_devtools_bg edgeflag_speed_bg edgeflag_regex edgeflag_diagnostics; do
    STRIP=(--strip-debug)
    if [ "$w" = edgeflag_bg ]; then STRIP=(-g --strip-dwarf); fi # the runtime's names, for wasm-flatten.js
    "$WASM_OPT" -Oz --converge "${OZ_OPTIONS[@]}" \
      "${STRIP[@]}" --strip-producers --strip-target-features "${WASM_FEATURES[@]}" \
      -o "$TMP/$w.opt.wasm" "$TMP/$w.wasm"
    mv "$TMP/$w.opt.wasm" "$TMP/$w.wasm"
    # The runtime's control flow rebuilt by binaryen's relooper (`--flatten --rereloop`, then -Oz again, twice,
    # then the locals coalesced and -Oz): smaller and in fewer shapes for gzip (−412 B zlib), but for the functions
    # named here, which keep their -Oz code: the evaluation path's (with theirs rewritten too, S2 +0.3 %
    # instructions per read and all() +0.08 % after one round; decode_slots_into rewritten by two, S2 +0.5 %)
    # and json::has_duplicate and the allocator's alloc (rewritten, each joined the functions V8 recompiles
    # during a cold start's load).
    # Writes the module without names (tools/wasm-flatten.js; docs/ARCHITECTURE.md, "The runtime's control
    # flow rebuilt"; docs/wasm-size.md). Not on the other modules (not counted in the payload).
    if [ "$w" = edgeflag_bg ]; then
      KEEP=()
      for k in ::wasm::packed ::context::decode_slots_into ::eval::decide:: ::eval::eval_cond:: ::eval::rollout:: \
        '::condition::Matcher>::test' '::wasm::WasmEngine>::eval_all' ::json::has_duplicate \
        '::heap::WasmMemory>>::alloc'; do KEEP+=(--keep "$k"); done
      node "$ROOT/tools/wasm-flatten.js" --wasm-opt "$WASM_OPT" "${KEEP[@]}" "$TMP/$w.wasm" "$TMP/$w.flat.wasm" -- \
        "${OZ_OPTIONS[@]}" --strip-producers --strip-target-features "${WASM_FEATURES[@]}"
      mv "$TMP/$w.flat.wasm" "$TMP/$w.wasm"
    fi
    # The function bodies in the order gzip compresses best (tools/wasm-order.js: each body after those
    # that share most short byte strings with it, renumbered by a second wasm-opt pass; −676 B gzip on the
    # runtime .wasm, docs/wasm-size.md). Kept as it was when no order is smaller. The runtime .wasm, which
    # every browser downloads, also gets a local search after the greedy (6,000 deterministic moves, about
    # 15 s: −292 B more); the on-demand modules only the greedy. Not the speed build, which no network
    # carries: reordered, S3's load was slower in 6 of 8 interleaved runs (median about 1–3 %, within the noise).
    SEARCH=()
    if [ "$w" = edgeflag_bg ]; then SEARCH=(--search 6000); fi
    if [ "$w" = edgeflag_speed_bg ]; then continue; fi
    if command -v node >/dev/null 2>&1; then
      node "$ROOT/tools/wasm-order.js" --wasm-opt "$WASM_OPT" "${SEARCH[@]}" "$TMP/$w.wasm" "$TMP/$w.ord.wasm" -- "${WASM_FEATURES[@]}"
      mv "$TMP/$w.ord.wasm" "$TMP/$w.wasm"
    else
      log "warning: no node: the functions of $w.wasm were not reordered for gzip"
    fi
  done
else
  log "warning: no usable wasm-opt (>= $WASM_OPT_MIN): the .wasm is not post-optimized"
fi

# Smoke test: the package instantiates and evaluates (catches a broken optimizer or glue).
if command -v node >/dev/null 2>&1; then
  node --input-type=module -e '
    const dir = process.argv[1];
    const { readFileSync } = await import("node:fs");
    const snapshot = "{\"schema\":1,\"version\":1,\"flags\":{\"f\":{\"variants\":{\"on\":true},\"default\":\"on\"}}}";
    // Each .wasm with the one glue, in a fresh module instance (the glue holds one instance).
    // The glue imports ../src/regex.js (beside pkg/ in www/): here, from www/src/ by its file URL.
    const { writeFileSync } = await import("node:fs");
    const regexJs = new URL(process.argv[2] + "/www/src/regex.js", "file://").href;
    writeFileSync(dir + "/smoke.js", readFileSync(dir + "/edgeflag.js", "utf8").replace(/(["'"'"'])\.\.\/src\/regex\.js\1/, JSON.stringify(regexJs)));
    const regex = await import(regexJs);
    const N = await import(new URL(process.argv[2] + "/www/src/wasm-names.js", "file://").href); // the short names
    regex.initRegexSync(readFileSync(dir + "/edgeflag_regex.wasm"));
    const rareOps = "{\"schema\":1,\"version\":1,\"flags\":{\"f\":{\"variants\":{\"on\":true,\"off\":false},\"default\":\"off\",\"rules\":[{\"when\":{\"all\":[{\"attr\":\"v\",\"op\":\"semver_gte\",\"value\":\"2.3\"},{\"attr\":\"ip\",\"op\":\"in_cidr\",\"value\":\"10.0.0.0/8\"}]},\"serve\":\"on\"}]}}}";
    const matching = "{\"schema\":1,\"version\":1,\"flags\":{\"f\":{\"variants\":{\"on\":true,\"off\":false},\"default\":\"off\",\"rules\":[{\"when\":{\"attr\":\"k\",\"op\":\"matches\",\"value\":\"^a\"},\"serve\":\"on\"}]}}}";
    for (const [file, explain] of [["edgeflag_bg.wasm", false], ["edgeflag_devtools_bg.wasm", true], ["edgeflag_speed_bg.wasm", false]]) {
      const glue = await import(dir + "/smoke.js?" + file);
      const exports = glue.initSync({ module: readFileSync(dir + "/" + file) });
      regex.regexMemory(exports.memory); // as engine.js does
      // The text through the raw exports of the loader, as engine.js loads a short one: pushed as one chunk,
      // then, when that gives no engine, whole (that load reports the problems).
      const load = (text) => {
        const bytes = new TextEncoder().encode(text);
        const l = exports[N.edgeflag_loader_new](0);
        const at = exports[N.edgeflag_loader_buffer](l, bytes.length) >>> 0; // may grow the memory: the view after it
        new Uint8Array(exports.memory.buffer).set(bytes, at);
        exports[N.edgeflag_loader_push](l, bytes.length, bytes.length);
        const w = glue.finish(l, 0) ?? glue.finish(l, bytes.length);
        exports[N.edgeflag_loader_free](l);
        return w;
      };
      // A JSON text through the raw export edgeflag_text (as wasmText in engine.js): the address of its address and length.
      const text = (engine, what) => {
        const [ptr, len] = new Uint32Array(exports.memory.buffer, exports[N.edgeflag_text](engine, what, 0, 0, 0) >>> 0, 2);
        const t = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr, len));
        exports[N.__wbindgen_free](ptr, len, 1);
        return t;
      };
      const loadError = () => text(0, 3); // what 3: the last refusal as JSON
      const e = load(snapshot);
      if (!JSON.parse(text(e.__wbg_ptr, 0)).flagCount) throw new Error(file + ": no flags");
      if (!JSON.parse(text(e.__wbg_ptr, 4)).flags.length) throw new Error(file + ": no flag keys"); // what 4: meta with the keys
      if ((typeof exports[N.wasmengine_explainJson] === "function") !== explain) throw new Error(file + ": explainJson " + (explain ? "missing" : "present"));
      if (explain && !JSON.parse(e.explainJson(0, 0, 0))) throw new Error(file + ": no trace");
      e.free();
      load(matching).free(); // compiles a regex in the operators (regular-expression) module
      const rare = load(rareOps); // a semver and a CIDR set in the same module
      if (rare === undefined) throw new Error(file + ": the semver/CIDR snapshot was refused: " + loadError());
      rare.free();
      if (load("{") !== undefined || !JSON.parse(loadError()).message) throw new Error(file + ": a refused text gives no loadError");
      // The runtime reports refusals lean (paths, a fixed text), the devtools build with the messages.
      load("{\"schema\":2}");
      const refused = JSON.parse(loadError());
      if ((explain ? refused.lean !== undefined : typeof refused.lean !== "string") || refused.problems[0]?.path !== "schema") throw new Error(file + ": refusal " + JSON.stringify(refused));
      if (explain) {
        const d = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(dir + "/edgeflag_diagnostics.wasm")), {}).exports;
        const bytes = new TextEncoder().encode("{\"schema\":2}");
        const at = d.edgeflag_diagnose_buf(bytes.length); // may grow the memory
        new Uint8Array(d.memory.buffer, at, bytes.length).set(bytes);
        const n = d.edgeflag_diagnose(bytes.length, 0, 0);
        const full = JSON.parse(new TextDecoder().decode(new Uint8Array(d.memory.buffer, d.edgeflag_diagnose_out(), n)));
        if (JSON.stringify(full) !== JSON.stringify(refused)) throw new Error("the diagnostics module differs from the devtools build: " + JSON.stringify(full));
      }
    }
    if (regex.regexLive() !== 0) throw new Error("a regex or set outlived its engine");
    if (!regex.regexReady()) throw new Error("the regular-expression module did not load");
  ' "$TMP" "$ROOT" || { log "error: the built package does not instantiate"; exit 1; }
rm -f "$TMP/smoke.js"
fi

mkdir -p "$OUT"
rm -f "$OUT"/edgeflag*
mv "$TMP"/edgeflag.js "$TMP"/edgeflag_bg.wasm "$TMP"/edgeflag_devtools_bg.wasm "$TMP"/edgeflag_speed_bg.wasm "$TMP"/edgeflag_regex.wasm "$TMP"/edgeflag_diagnostics.wasm "$OUT"/

# 6. sizes
size_row() {
  local label="$1"
  shift
  local raw=0 gz=0 f
  # each file on its own, as a browser downloads them
  for f in "$@"; do
    raw=$((raw + $(wc -c <"$f")))
    gz=$((gz + $(gzip -9 <"$f" | wc -c)))
  done
  printf '  %-44s %9d B raw %9d B gzip -9\n' "$label" "$raw" "$gz"
}
echo "edgeflag wasm package: $OUT"
size_row "pkg/edgeflag_bg.wasm" "$OUT/edgeflag_bg.wasm"
size_row "pkg/edgeflag_devtools_bg.wasm (explain)" "$OUT/edgeflag_devtools_bg.wasm"
size_row "pkg/edgeflag_speed_bg.wasm (Node, Deno, Bun)" "$OUT/edgeflag_speed_bg.wasm"
size_row "pkg/edgeflag.js (wasm-bindgen glue)" "$OUT/edgeflag.js"
size_row "pkg/edgeflag_regex.wasm (on demand: matches, semver_*, in_cidr)" "$OUT/edgeflag_regex.wasm"
size_row "pkg/edgeflag_diagnostics.wasm (on demand: refusals)" "$OUT/edgeflag_diagnostics.wasm"
# 7. the bundles (www/dist: glue + engine + client, minified; package.json's browser conditions, and the Node
# entries dist/*.node.js, dist/engine.node.js the whole engine, its node conditions), when www/'s devDependencies (esbuild)
# are installed
if [ -x "$ROOT/www/node_modules/.bin/esbuild" ] && command -v node >/dev/null 2>&1; then
  (cd "$ROOT/www" && node scripts/bundle.js >/dev/null) || { log "error: the bundles (www/scripts/bundle.js) failed"; exit 1; }
  size_row "www/dist/edgeflag.js (browser bundle)" "$ROOT/www/dist/edgeflag.js"
  size_row "browser payload (.wasm + bundle)" "$OUT/edgeflag_bg.wasm" "$ROOT/www/dist/edgeflag.js"
else
  log "www/node_modules has no esbuild (npm ci in www/): the browser bundle was not built"
fi
