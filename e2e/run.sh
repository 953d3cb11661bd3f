#!/usr/bin/env bash
# Browser end-to-end tests: Playwright (playwright-core, no browser download) drives Debian's Chromium against
# `kaowu demo` servers started by the tests themselves. Needs node >= 20, npm, chromium and a built kaowu binary:
#   cargo build -p kaowu && e2e/run.sh
# Environment: KAOWU_BIN (default /var/tmp/kaowu-target/debug/kaowu), CHROMIUM (default /usr/bin/chromium),
# PHOTO_SAMPLES_BIN (default: the photo-samples example beside KAOWU_BIN).
set -euo pipefail

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "e2e: Chromium not found at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
  exit 1
fi
kaowu_bin="${KAOWU_BIN:-/var/tmp/kaowu-target/debug/kaowu}"
if [[ ! -x "$kaowu_bin" ]]; then
  echo "e2e: kaowu binary not found at $kaowu_bin (cargo build -p kaowu, or set KAOWU_BIN)" >&2
  exit 1
fi
# Absolute paths, so that relative ones given by the caller still work after the cd below.
CHROMIUM="$(realpath -s "$chromium")"
KAOWU_BIN="$(realpath -s "$kaowu_bin")"
export CHROMIUM KAOWU_BIN
cd "$(dirname "${BASH_SOURCE[0]}")"

# Install exactly what package-lock.json pins, when node_modules is missing or older than the lock file.
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  touch node_modules
fi

# Sample photos composed from the sample portrait (tests/sample-images/README.md) by the documents crate's
# example, which `cargo test` builds next to the binary.
repo="$(cd .. && pwd)"
samples_bin="${PHOTO_SAMPLES_BIN:-$(dirname "$KAOWU_BIN")/examples/photo-samples}"
if [[ ! -x "$samples_bin" ]]; then
  echo "e2e: $samples_bin not found (cargo build -p kaowu-documents --examples, or set PHOTO_SAMPLES_BIN)" >&2
  exit 1
fi
bash "$repo/scripts/sample-images.sh"
export KAOWU_PHOTO_SAMPLES="$PWD/test-results/photo-samples"
"$samples_bin" "$KAOWU_PHOTO_SAMPLES" "$repo/.cache/samples/astronaut.png" >/dev/null

# One test file at a time: each starts its own server and browser, and the machine has 2 cores.
exec node --test --test-concurrency=1 "${@:-tests/}"
