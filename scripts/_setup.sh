# Shared set-up for scripts/serve and scripts/test: system packages, then a virtualenv.
# Sourced, not run. Expects ROOT to be the project folder.

die() { echo "chatkit-bff: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

# Install Debian/Ubuntu packages that are missing; each argument is "command:package".
ensure_system_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] || install_packages "${missing[@]}"
}

# The app uses GETEX and SET PXAT (Redis 6.2); Ubuntu 22.04's redis-server is 6.0.
ensure_redis_version() {
  local version
  version="$(redis-server --version | sed -n 's/.* v=\([0-9]*\.[0-9]*\).*/\1/p')"
  case "$version" in
    [0-5].* | 6.[01]) die "redis-server $version is too old: chatkit-bff needs Redis 6.2 or newer (Debian 12 and Ubuntu 24.04 ship 7.0; elsewhere use packages.redis.io or Valkey)" ;;
  esac
}

install_packages() {
  command -v apt-get >/dev/null || die "please install: $*"
  echo "Installing $* from the system's packages..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  die "Python 3.11 or newer is required"
}

# Create .venv and install the project (with extras "$1", e.g. dev) when pyproject.toml changed.
ensure_venv() {
  local extras="${1:-}" python stamp want
  python=$(find_python)
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    install_packages python3-venv
  fi
  [ -x "$ROOT/.venv/bin/python" ] || "$python" -m venv "$ROOT/.venv"
  stamp="$ROOT/.venv/.installed"
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) [$extras]"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing Python dependencies into .venv..."
    "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
    "$ROOT/.venv/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}"
    echo "$want" > "$stamp"
  fi
}

# Install a folder's npm packages from its committed package-lock.json (npm ci) when it changed.
ensure_npm_packages() {
  local dir="$ROOT/$1" stamp want
  stamp="$dir/node_modules/.installed"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing npm packages in $1..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}
