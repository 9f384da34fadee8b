# Shared by scripts/demo, scripts/test and scripts/bench. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

# Debian packages the project builds and runs with.
SYSTEM_PACKAGES=(libcurl4-openssl-dev libssl-dev libxgboost-dev libsqlite3-dev zlib1g-dev sqlite3 curl libpq-dev postgresql)

log() { printf '==> %s\n' "$*" >&2; }

# Runs a build without its per-file progress lines; keeps warnings, errors and its exit status.
quiet() { "$@" 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }; }

# Installs missing Debian packages: one `apt-get update`, then `apt-get install -y`.
install_system_packages() {
    local missing=() sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    for p in "${SYSTEM_PACKAGES[@]}" "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# A Python virtualenv in .venv with the pinned tools the tests and benchmarks compare against
# (xgboost 1.7.x as in SageMaker's container, pandas for the feature-build reference).
python_env() {
    local req="$ROOT/scripts/requirements-dev.txt"
    if [ ! -x .venv/bin/python ] || ! cmp -s "$req" .venv/requirements-dev.txt; then
        log "setting up .venv (pip: $(tr '\n' ' ' < "$req"))"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check -r "$req"
        cp "$req" .venv/requirements-dev.txt
    fi
    export FUNKO_PYTHON="$ROOT/.venv/bin/python"
}
