#!/usr/bin/env bash
# wechatpy (pinned in tests/wechat-oracle/requirements.txt, installed into .venv/) as an independent oracle for
# the official account's callback of a throw-away `kaowu demo` in safe mode: see tests/wechat-oracle/oracle.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

kaowu_bin="${KAOWU_BIN:-$(target_dir)/debug/kaowu}"
venv=.venv/wechat-oracle
python_venv "$venv" tests/wechat-oracle/requirements.txt python

appid=wx49f0ab532d5d035a token=oracle-token aes_key=kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR
start_kaowu_demo "$kaowu_bin" KAOWU_WECHAT_APPID=$appid KAOWU_WECHAT_TOKEN=$token \
  KAOWU_WECHAT_ENCODING_AES_KEY=$aes_key KAOWU_WECHAT_MODE=safe
# The demo's website app (crates/kaowu/src/config.rs DEMO_WECHAT_WEB_*), served by its simulator.
"$venv/bin/python" tests/wechat-oracle/oracle.py "$demo_url" "$appid" "$token" "$aes_key" wx7e1f0a9b8c7d6e5f kaowu-demo-web-secret
