# Shared by scripts/run.sh and scripts/test.sh: make sure the tools exist on a fresh Debian machine.
# Sourced, not run.

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1
  fi
}

apt_updated=
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
  if ! command -v cargo >/dev/null; then
    log "installing the Rust toolchain (rustup)"
    apt_install curl ca-certificates gcc libc6-dev
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cc >/dev/null || apt_install gcc libc6-dev
  # libjpeg-turbo (the photo tool's JPEG decoder) is built from the source its crate ships, with cmake and nasm.
  command -v cmake >/dev/null && command -v nasm >/dev/null || apt_install cmake nasm g++ make
}

# Where cargo puts the build (.cargo/config.toml keeps it outside the clone, so rebuilds are incremental).
target_dir() { echo "${CARGO_TARGET_DIR:-/var/tmp/kaowu-target}"; }

# A Python virtual environment at $1 with exactly the packages pinned in requirements file $2, (re)installed
# when missing or older than the file. $3 names a program in it that must exist afterwards.
python_venv() {
  local venv=$1 requirements=$2 program=$3
  if [ ! -x "$venv/bin/$program" ] || [ "$requirements" -nt "$venv/bin/$program" ]; then
    command -v python3 >/dev/null || apt_install python3
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    touch "$venv/bin/$program"
  fi
}

# A TCP port nobody listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts `kaowu demo` ($1 = binary) on a free port with a throw-away data directory, extra environment given
# as further arguments (KEY=VALUE); sets demo_url and demo_pid, and stops it on exit.
start_kaowu_demo() {
  local bin=$1; shift
  demo_dir=$(mktemp -d)
  env "$@" "$bin" demo --listen 127.0.0.1:0 --data-dir "$demo_dir/kaowu" >"$demo_dir/stdout" 2>"$demo_dir/stderr" &
  demo_pid=$!
  trap 'kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; rm -rf "$demo_dir"' EXIT
  demo_url=
  for _ in $(seq 1 100); do
    demo_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$demo_dir/stdout" | head -n1 || true)
    [ -n "$demo_url" ] && break
    sleep 0.1
  done
  [ -n "$demo_url" ] || { echo "kaowu demo did not start:" >&2; cat "$demo_dir/stderr" >&2; exit 1; }
}
