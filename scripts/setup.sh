#!/usr/bin/env bash
# Installs everything edgeflag's build, demo and tests need, on a fresh machine. Idempotent: each
# step is skipped when its tool is already there. Usage: scripts/setup.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

say() { printf '\n==> %s\n' "$*"; }

# Rust toolchain pieces
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# the standard library's source: scripts/build-wasm.sh rebuilds std for a smaller .wasm (docs/wasm-size.md)
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

# wasm-bindgen CLI at exactly the version in Cargo.lock
[ -f Cargo.lock ] || cargo generate-lockfile
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$wb_version" --no-default-features
fi

# Debian packages: binaryen (wasm-opt) always; chromium for browser tests and the demo's screenshots
apt_pkgs=()
command -v wasm-opt >/dev/null 2>&1 || apt_pkgs+=(binaryen)
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then apt_pkgs+=(chromium); fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing ${apt_pkgs[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
  else
    echo "warning: not root; install ${apt_pkgs[*]} yourself (apt-get install ${apt_pkgs[*]})" >&2
  fi
fi

# npm packages for the JS package, demo and tests
for dir in www; do
  if [ -f "$dir/package.json" ]; then
    say "npm install in $dir"
    (cd "$dir" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi)
  fi
done
