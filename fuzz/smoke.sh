#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) from its seed corpus.
# Needs cargo-fuzz (see docs/FUZZING.md); exits non-zero on the first crash.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
fuzz="${CARGO_FUZZ:-cargo-fuzz}"
for t in vault_file backup token recovery_code public_identity stream state_file; do
  mkdir -p "corpus/$t"
  echo "== $t (${secs}s)"
  RUSTC_BOOTSTRAP=1 "$fuzz" run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048
done
