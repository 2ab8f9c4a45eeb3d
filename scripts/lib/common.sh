# Shared shell helpers for scripts/test and scripts/demo. Source it; do not run it.
# Everything here is idempotent so both scripts can run twice in a row on a fresh Debian machine as root.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR=${RUN_DIR:-$ROOT/.run}

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

# --- Indico lanes ------------------------------------------------------------------------------------------------
# The plugin supports two Indico lines from one checkout. Each lane has its own venv with the checkout installed
# editable (never a second copy of the plugin) and one pinned Indico release.
LANES=(3.2 3.3)
declare -A LANE_INDICO=([3.2]=3.2.9 [3.3]=3.3.14)

lane_venv() { echo "${VENV_PREFIX:-$ROOT/.venv}-$1"; }

# A Python 3.12 for the 3.3 lane: $VC_ZOOM_PYTHON312 (any 3.12), else a python3.12 on the PATH or installed by pyenv
# that Indico 3.3 supports (it declares >=3.12.2; a 3.12.1 crashed a test run here once). Prints nothing when there
# is none: the 3.3 lane then runs on 3.11 with the adjustments of indico33_on_py311.py. VC_ZOOM_PYTHON312=none
# forces that fallback.
find_python312() {
    [ "${VC_ZOOM_PYTHON312:-}" = none ] && return 0
    if [ -n "${VC_ZOOM_PYTHON312:-}" ]; then
        if "$VC_ZOOM_PYTHON312" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
            command -v "$VC_ZOOM_PYTHON312"
            return 0
        fi
        echo "VC_ZOOM_PYTHON312=$VC_ZOOM_PYTHON312 is not a working Python 3.12" >&2
        return 1
    fi
    local candidates=(python3.12) py
    if command -v pyenv >/dev/null 2>&1; then
        candidates+=($(ls -d "$(pyenv root)"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r))
    fi
    for py in "${candidates[@]}"; do
        # a pyenv shim is on the PATH even where it cannot run: ask the interpreter itself
        if "$py" -c 'import sys, venv; sys.exit(not ((3, 12, 2) <= sys.version_info < (3, 13)))' >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    return 0
}

# The interpreter a lane's venv is made from.
lane_base_python() {
    case $1 in
        3.2) command -v python3.11 || command -v python3 ;;
        3.3) local py; py=$(find_python312) || return 1; [ -n "$py" ] && echo "$py" || command -v python3.11 || command -v python3 ;;
        *) echo "unknown lane $1 (3.2 or 3.3)" >&2; return 1 ;;
    esac
}

# Make (or update) the venv of lane $1; sets VENV and PY to it. Reinstalls only when an input changed.
ensure_lane_venv() {
    local lane=$1 base indico pyver
    indico=${LANE_INDICO[$lane]:?unknown lane $lane}
    VENV=$(lane_venv "$lane")
    PY=$VENV/bin/python
    base=$(lane_base_python "$lane") || return 1
    if [ -x "$PY" ] && [ "$("$PY" -c 'import sys; print(sys._base_executable)' 2>/dev/null)" != "$("$base" -c 'import sys; print(sys.executable)')" ]; then
        log "lane $lane: the interpreter changed; recreating $VENV"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        log "lane $lane: creating venv $VENV from $base"
        "$base" -m venv "$VENV"
    fi
    pyver=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
    local stamp="$VENV/.indico_vc_zoom.stamp" want
    want=$(cat "$ROOT/setup.cfg" "$ROOT/pyproject.toml" "$ROOT/scripts/lib/indico33_on_py311.py" | sha256sum | cut -d' ' -f1)
    want="$want $indico $pyver"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! "$PY" -c 'import indico_vc_zoom, indico' 2>/dev/null; then
        local pip=("$PY" -m pip install -q --disable-pip-version-check)
        # Indico 3.3 declares Python >=3.12.2 (3.2: <3.12): a lane on another interpreter must say it knows better
        if ! "$PY" -c "import sys; sys.exit(not (('$lane' == '3.2' and sys.version_info[:2] == (3, 11)) or sys.version_info >= (3, 12, 2)))"; then
            log "lane $lane: Python $pyver is outside Indico $indico's declared range; installing with --ignore-requires-python"
            pip+=(--ignore-requires-python)
        fi
        log "lane $lane: installing Indico $indico and the checkout (editable) with its test dependencies"
        "${pip[@]}" 'setuptools<81' 2>&1 | grep -v '^WARNING: Location' || true
        "${pip[@]}" -e "$ROOT[test]" "indico==$indico" 2>&1 | grep -v '^WARNING: Location' || true
        if [ "$lane" = 3.3 ]; then
            # Indico 3.3's pytest plugin imports these at load time (no Docker daemon is used)
            "${pip[@]}" docker responses 2>&1 | grep -v '^WARNING: Location' || true
            # only on a Python older than 3.12: see the script; it fails loudly if Indico needs more than it knows
            "$PY" "$ROOT/scripts/lib/indico33_on_py311.py" "$VENV"
        fi
        "$PY" -c "import indico_vc_zoom, zoom_simulator, indico; assert indico.__version__ == '$indico', indico.__version__" \
            || { echo "lane $lane: venv install failed" >&2; return 1; }
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

# Drop and create database $2 (owned by the role of the same name) on port $1, with the extensions Indico needs:
# a run that was killed halfway leaves its tables behind, and Indico's fixtures expect an empty database.
recreate_database() {
    local port=$1 dbname=$2
    local psql=(runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1)
    "${psql[@]}" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" postgres
    "${psql[@]}" -c "CREATE DATABASE $dbname OWNER $dbname" postgres
    "${psql[@]}" -c 'CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm;' "$dbname"
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
