#!/usr/bin/env bash
# Extracts the sample portrait for the photo tests and benchmark (see tests/sample-images/README.md) into
# .cache/samples/astronaut.png, from a pinned scikit-image wheel whose SHA-256 is checked. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/samples/astronaut.png
png_sha256=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
wheel=scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
wheel_sha256=24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641

if [ -f "$out" ] && echo "$png_sha256  $out" | sha256sum --check --status; then exit 0; fi
mkdir -p .cache/samples/wheel
if ! { [ -f ".cache/samples/wheel/$wheel" ] && echo "$wheel_sha256  .cache/samples/wheel/$wheel" | sha256sum --check --status; }; then
  command -v python3 >/dev/null || { source scripts/lib.sh; apt_install python3 python3-pip; }
  python3 -m pip download --quiet --no-deps --only-binary :all: --python-version 3.11 \
    --platform manylinux2014_x86_64 --implementation cp -d .cache/samples/wheel "scikit-image==0.25.2"
  echo "$wheel_sha256  .cache/samples/wheel/$wheel" | sha256sum --check --quiet
fi
python3 - ".cache/samples/wheel/$wheel" "$out" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read("skimage/data/astronaut.png")
open(sys.argv[2], "wb").write(data)
PY
echo "$png_sha256  $out" | sha256sum --check --quiet
