# Shared by scripts/demo, scripts/test and scripts/bench. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

# Debian packages the project builds and runs with.
SYSTEM_PACKAGES=(libcurl4-openssl-dev libssl-dev libxgboost-dev libsqlite3-dev zlib1g-dev libdeflate-dev sqlite3 curl libpq-dev postgresql
    libjs-chart.js)

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
    web_assets
}

# The web app's third-party file: Chart.js from Debian's libjs-chart.js, copied into web/vendor/
# (not committed; funko serve and the deployment serve it from there).
web_assets() {
    mkdir -p "$ROOT/web/vendor/chart.js"
    cp /usr/share/javascript/chart.js/chart.min.js "$ROOT/web/vendor/chart.js/chart.min.js"
}

# Waits until URL $1 answers, at most $2 seconds, while process $3 lives; fails loudly otherwise.
wait_for_url() {
    local url=$1 limit=$2 pid=$3 start=$SECONDS
    until curl -sf "$url" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { log "the server for $url exited before it answered"; return 1; }
        (( SECONDS - start < limit )) || { log "$url did not answer within $limit s"; return 1; }
        sleep 0.1
    done
}

# A virtualenv at $1 with the pinned packages of requirements file $2, rebuilt when the pins change.
venv_from() {
    local dir="$ROOT/$1" req="$ROOT/$2"
    if [ ! -x "$dir/bin/python" ] || ! cmp -s "$req" "$dir/requirements.txt"; then
        log "setting up $1 (pip: $(tr '\n' ' ' < "$req"))"
        python3 -m venv "$dir"
        "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
        cp "$req" "$dir/requirements.txt"
    fi
}

# .venv: the pinned tools the tests and benchmarks compare against (xgboost 1.7.x as in
# SageMaker's container, pandas for the feature-build reference, moto, botocore, awslambdaric).
python_env() {
    venv_from .venv scripts/requirements-dev.txt
    export FUNKO_PYTHON="$ROOT/.venv/bin/python"
}

# .venv-checkov: checkov pins boto3 1.35, which cannot share .venv with botocore 1.43.
checkov_env() {
    venv_from .venv-checkov scripts/requirements-checkov.txt
    export FUNKO_CHECKOV="$ROOT/.venv-checkov/bin/checkov"
}
