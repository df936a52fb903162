#!/usr/bin/env bash
# `make bench`: edgeflag against its peers (bench/, issue #8), one process per library, and prints one
# table of medians (min–max) and ratios to edgeflag. Not part of the test suite.
#   1. builds the wasm package when www/pkg/ is missing (or when BUILD=1);
#   2. installs the benchmark's own dependencies (the peers, at pinned versions) into bench/node_modules;
#   3. runs bench/run.js; arguments are passed on (e.g. `scripts/bench.sh --quick`, `--rounds 5`,
#      `--only edgeflag,flagd-core`, `--json results.json`).
# BENCH_CRITERION=1 also runs the native criterion benchmarks (cargo bench --bench eval).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[bench] %s\n' "$*" >&2; }

# (the Node entries, which the benchmark imports, read the speed build; the payload row counts the size build)
if [ "${BUILD:-0}" = "1" ] || [ ! -f www/pkg/edgeflag_bg.wasm ] || [ ! -f www/pkg/edgeflag_speed_bg.wasm ]; then
  log "building the wasm package (scripts/build-wasm.sh)"
  scripts/build-wasm.sh
fi

command -v node >/dev/null 2>&1 || { log "error: Node.js 20 or later is needed"; exit 1; }
if [ ! -d bench/node_modules/@openfeature/flagd-core ] || [ ! -d bench/node_modules/@growthbook/growthbook ] ||
  [ ! -d bench/node_modules/@flipt-io/flipt-client-js ]; then
  log "installing the benchmark's dependencies (bench/package.json)"
  if [ -f bench/package-lock.json ]; then
    (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd bench && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

node bench/run.js "$@"

if [ "${BENCH_CRITERION:-0}" = "1" ]; then
  log "native: cargo bench --bench eval"
  cargo bench --bench eval
fi
