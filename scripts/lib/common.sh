# Shared shell helpers for scripts/test and scripts/demo. Source it; do not run it.
# Everything here is idempotent so both scripts can run twice in a row on a fresh Debian machine as root.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${VENV:-$ROOT/.venv}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
PY=$VENV/bin/python

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Install the Debian packages given as arguments unless they are all present already.
ensure_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# A venv with the project (editable) and its test extras. Reinstalls only when setup.cfg changed.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        log "creating venv $VENV"
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.indico_vc_zoom.stamp"
    local want
    want=$(cat "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! "$PY" -c 'import indico_vc_zoom' 2>/dev/null; then
        log 'installing the project and its test dependencies into the venv'
        "$PY" -m pip install -q --disable-pip-version-check 'setuptools<81' 2>&1 | grep -v '^WARNING: Location' || true
        "$PY" -m pip install -q --disable-pip-version-check -e "$ROOT[test]" 2>&1 | grep -v '^WARNING: Location' || true
        "$PY" -c 'import indico_vc_zoom, indico, zoom_simulator' || { echo 'venv install failed' >&2; return 1; }
        echo "$want" > "$stamp"
    fi
}

pg_bindir() {
    local ver
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    echo "/usr/lib/postgresql/$ver/bin"
}

# Start (creating on first use) a PostgreSQL cluster of our own on port $1 named $2,
# with role/db $3 owning the unaccent and pg_trgm extensions. Prints nothing; sets PG_VERSION.
start_pg_cluster() {
    local port=$1 name=$2 dbname=$3
    PG_VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$PG_VERSION/$name"; then
        log "creating PostgreSQL cluster $PG_VERSION/$name on port $port"
        pg_createcluster "$PG_VERSION" "$name" -p "$port" >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v n="$name" '$2==n {print $4}' | grep -q online; then
        pg_ctlcluster "$PG_VERSION" "$name" start
    fi
    local psql=(runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1)
    for _ in $(seq 1 50); do "${psql[@]}" -c 'select 1' postgres >/dev/null 2>&1 && break; sleep 0.2; done
    if ! "${psql[@]}" -tAc "select 1 from pg_roles where rolname='$dbname'" postgres | grep -q 1; then
        "${psql[@]}" -c "CREATE ROLE $dbname LOGIN PASSWORD '$dbname'" postgres
    fi
    if ! "${psql[@]}" -tAc "select 1 from pg_database where datname='$dbname'" postgres | grep -q 1; then
        "${psql[@]}" -c "CREATE DATABASE $dbname OWNER $dbname" postgres
    fi
    "${psql[@]}" -c 'CREATE EXTENSION IF NOT EXISTS unaccent; CREATE EXTENSION IF NOT EXISTS pg_trgm;' "$dbname"
}

stop_pg_cluster() {
    local name=$1
    local ver
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_ctlcluster "$ver" "$name" stop -m fast >/dev/null 2>&1 || true
}

# The Zoom OpenAPI subset lives in ../shared on CI and dev machines; strict mode is on when it is there.
find_zoom_spec() {
    local spec="$ROOT/../shared/zoom-api/zoom-meeting-api-subset.json"
    [ -f "$spec" ] && (cd "$(dirname "$spec")" && echo "$PWD/$(basename "$spec")")
    return 0
}
