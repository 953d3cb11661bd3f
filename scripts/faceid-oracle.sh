#!/usr/bin/env bash
# The Tencent Cloud SDK for Python (pinned in tests/faceid-oracle/requirements.txt, installed into .venv/) as an
# independent oracle for the FaceID simulator's TC3 signature check and answers: see tests/faceid-oracle/oracle.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

simulator="${FACEID_SIMULATOR_BIN:-$(target_dir)/debug/examples/faceid-simulator}"
[[ -x "$simulator" ]] || { echo "faceid-oracle: $simulator not found (cargo build -p kaowu-integrations --examples)" >&2; exit 1; }
venv=.venv/faceid-oracle
python_venv "$venv" tests/faceid-oracle/requirements.txt python

port=$(free_port)
secret_id=AKIDkaowuOracle000000000000000000000 secret_key=kaowu-oracle-secret-key-000000000
log=$(mktemp)
"$simulator" "$port" "$secret_id" "$secret_key" >"$log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
"$venv/bin/python" tests/faceid-oracle/oracle.py "127.0.0.1:$port" "$secret_id" "$secret_key"
