#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each (default 60) and prints the
# executions per target and in total. Fails on any crash, panic, timeout (an input taking over 10 s) or
# out-of-memory (over 2 GiB). A failing input is saved under fuzz/artifacts/TARGET/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none -O TARGET fuzz/artifacts/TARGET/crash-...   (in fuzz/)
#
# Usage: scripts/fuzz.sh [SECONDS]
# Environment: FUZZ_TARGETS="load evaluate json" (default: all), FUZZ_SANITIZER=none|address (default none:
# the only unsafe code is a checked ASCII fast path in src/bytes.rs; ASan is slower and finds the same panics).
#
# cargo-fuzz needs nightly `-Z` flags; with only a stable toolchain, RUSTC_BOOTSTRAP=1 lets stable accept
# them (for this build only). cargo-fuzz is installed with `cargo install` when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
TARGETS="${FUZZ_TARGETS:-load evaluate json}"
SANITIZER="${FUZZ_SANITIZER:-none}"
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "==> seed corpora"
fuzz/seed.sh

cd fuzz
echo "==> building the fuzz targets (sanitizer: $SANITIZER)"
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer "$SANITIZER" -O

total=0
status=0
summary=""
for t in $TARGETS; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  echo "==> fuzzing $t for ${SECONDS_PER_TARGET}s"
  set +e
  RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer "$SANITIZER" -O "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1
  rc=$?
  set -e
  execs=$(awk '/stat::number_of_executed_units:/ { n += $2 } END { print n + 0 }' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  corpus=$(ls "corpus/$t" | wc -l)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "!! $t FAILED (exit $rc); the end of its log:"
    tail -n 40 "$log"
    ls -1 "artifacts/$t" 2>/dev/null | sed 's/^/   artifact: fuzz\/artifacts\/'"$t"'\//' || true
  fi
  line=$(printf '%-9s %12s executions  (coverage %s, corpus %s)%s' "$t" "$execs" "$cov" "$corpus" "$([ "$rc" -ne 0 ] && echo '  FAILED')")
  echo "$line"
  summary+="$line"$'\n'
  total=$((total + execs))
  rm -f "$log"
done

printf '\n==> fuzz summary (%ss per target)\n%s' "$SECONDS_PER_TARGET" "$summary"
printf 'total     %12s executions\n' "$total"
if [ "$status" -ne 0 ]; then echo "fuzzing found a failure" >&2; fi
exit "$status"
