#!/usr/bin/env bash
# Runs the kaowu demo: SQLite under ./data, demo data, zero setup. Extra arguments go to `kaowu demo`
# (e.g. --listen 0.0.0.0:8080). KAOWU_DATABASE_URL=postgres://… puts the demo on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
# The 申请表 PDF is set in Noto Sans CJK, with BabelStone Han for rare characters (also the pages' web font).
apt_install fonts-noto-cjk fonts-babelstone-han
log "building kaowu (the first build takes a few minutes)"
cargo build --locked -p kaowu
exec "$(target_dir)/debug/kaowu" demo "$@"
