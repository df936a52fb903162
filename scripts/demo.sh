#!/usr/bin/env bash
# Sets up and runs the demo. Until the storefront demo lands, this evaluates the bundled example
# snapshot with the CLI for a few sample users.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f www/demo/serve.js ]; then
  scripts/setup.sh
  scripts/build-wasm.sh
  exec node www/demo/serve.js "$@"
fi
cargo build --quiet --release --features cli
bin=target/release/edgeflag
$bin validate examples/storefront.json
for ctx in '{"key":"user-1","country":"DE","plan":"pro","email":"ana@example.com"}' '{"key":"user-2","country":"US","plan":"free"}'; do
  printf '\n$ edgeflag eval examples/storefront.json --context %s\n' "$ctx"
  $bin eval examples/storefront.json --context "$ctx"
done
