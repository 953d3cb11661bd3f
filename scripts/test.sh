#!/usr/bin/env bash
# Runs every test: domain unit and property tests, black-box HTTP tests on SQLite and on PostgreSQL, the
# OpenAPI snapshot, process tests of the binary, schemathesis against the API, and the browser tests
# (Playwright driving Debian's Chromium, with axe-core). Installs and starts what it needs. Nothing is skipped:
# a missing PostgreSQL or browser fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
started=$(date +%s)

ensure_rust
apt_install chromium fonts-noto-cjk fonts-babelstone-han poppler-utils
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

# PostgreSQL: use the one on 127.0.0.1:5432 (trust auth on this project's machines); start or install it if absent.
export KAOWU_TEST_POSTGRES_URL="${KAOWU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_up() {
  local rest=${KAOWU_TEST_POSTGRES_URL#*://}; rest=${rest#*@}; local hostport=${rest%%/*}
  local host=${hostport%%:*} port=5432
  [[ $hostport == *:* ]] && port=${hostport##*:}
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}
if ! pg_up; then
  fresh_install=
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    fresh_install=1
  fi
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  if [ -n "$fresh_install" ]; then
    # A fresh Debian cluster asks for a password over TCP: give the superuser one for the tests.
    as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'kaowu-test'\""
    export KAOWU_TEST_POSTGRES_URL="postgres://postgres:kaowu-test@127.0.0.1:5432/postgres"
  fi
  pg_up || { echo "PostgreSQL is not reachable at $KAOWU_TEST_POSTGRES_URL" >&2; exit 1; }
fi

log "S3-compatible test server (moto, pinned in tests/s3-compat/requirements.txt)"
python_venv .venv/s3-compat tests/s3-compat/requirements.txt moto_server
s3_port=$(free_port)
.venv/s3-compat/bin/moto_server -H 127.0.0.1 -p "$s3_port" >/dev/null 2>&1 &
s3_server=$!
trap 'kill "$s3_server" 2>/dev/null || true' EXIT
export KAOWU_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break; sleep 0.1; done
(exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null || { echo "the S3 test server did not start" >&2; exit 1; }

log "sample portrait for the photo tests (pinned scikit-image wheel, checked by SHA-256)"
bash scripts/sample-images.sh

log "cargo tests (unit, property, HTTP on SQLite and PostgreSQL, process)"
cargo test --locked --workspace

log "API fuzzing (schemathesis against the OpenAPI document)"
KAOWU_BIN="$(target_dir)/debug/kaowu" bash scripts/api-fuzz.sh

log "WeChat callback against wechatpy (an independent implementation of the protocol)"
KAOWU_BIN="$(target_dir)/debug/kaowu" bash scripts/wechat-oracle.sh

log "FaceID simulator against the Tencent Cloud SDK (an independent implementation of TC3 signing)"
bash scripts/faceid-oracle.sh

log "browser tests (Playwright + Debian Chromium + axe-core)"
KAOWU_BIN="$(target_dir)/debug/kaowu" CHROMIUM=/usr/bin/chromium bash e2e/run.sh

log "all tests passed in $(( $(date +%s) - started ))s"
