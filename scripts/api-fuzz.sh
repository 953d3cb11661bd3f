#!/usr/bin/env bash
# Property-based API testing: schemathesis (pinned in tests/api-fuzz/requirements.txt, installed into .venv/)
# generates requests from the OpenAPI document of a throw-away `kaowu demo` and checks every answer: never a 5xx,
# only documented status codes and shapes, 401 without a session. Requests the domain rightly refuses although
# the schema allows them (a wrong ID checksum, say) are not failures, hence --exclude-checks positive_data_acceptance.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

kaowu_bin="${KAOWU_BIN:-$(target_dir)/debug/kaowu}"
venv=.venv/api-fuzz
python_venv "$venv" tests/api-fuzz/requirements.txt schemathesis

start_kaowu_demo "$kaowu_bin"
url=$demo_url

token=$("$venv/bin/python" - "$url" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/api/v1/sessions", method="POST",
    data=json.dumps({"login": "demo", "password": "Kaowu!2026"}).encode(), headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["token"])
PY
)

"$venv/bin/schemathesis" run "$url/api/v1/openapi.json" --url "$url" -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance --max-examples 60 --seed 20261127 --no-color
