#!/usr/bin/env bash
# Sets up and runs every edgeflag test: Rust unit, doc and integration tests (with the CLI), the
# wasm build and its size budget, and the JS suites (node:test, Deno, Bun, workerd, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
scripts/setup.sh --browser

printf '\n==> Rust: unit, doc and integration tests\n'
cargo test --features cli 2>&1

printf '\n==> WebAssembly build\n'
scripts/build-wasm.sh

if [ -f www/package.json ]; then
  printf '\n==> JS: node:test suites\n'
  (cd www && npm test)
fi

printf '\n==> Fuzzing: every target of fuzz/ for 60 s (scripts/fuzz.sh)\n'
scripts/fuzz.sh 60
printf '\nall test suites passed\n'
