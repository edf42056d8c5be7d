# Sourced by .ci/run (under `set -euo pipefail`): makes the real services the integration
# suite starts itself available — Prometheus (Debian package) and MLflow (PyPI, in its own
# virtualenv so its pins never fight drillconsole's) — and exports PROMETHEUS_BIN / MLFLOW_BIN.
#
# Safe to run twice at once: what is installed is reused (MLFLOW_BIN / PROMETHEUS_BIN,
# then PATH, then the shared locations); installs into a shared place happen under a lock
# and are re-checked inside it; a shared virtualenv that is present but broken is never
# deleted — this run builds its own in a per-run directory instead.

MLFLOW_VENV=${MLFLOW_VENV:-/opt/mlflow-venv}
_services_lock=${DRILLCONSOLE_SERVICES_LOCK:-${TMPDIR:-/tmp}/drillconsole-services.lock}

_services_locked() {
    # Run "$@" holding the lock when flock exists (util-linux); otherwise run it as is.
    if command -v flock >/dev/null 2>&1; then
        flock "$_services_lock" "$@"
    else
        "$@"
    fi
}

_find_prometheus() {
    if [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ]; then echo "$PROMETHEUS_BIN"; return; fi
    if command -v prometheus >/dev/null 2>&1; then command -v prometheus; return; fi
    if [ -x /usr/bin/prometheus ]; then echo /usr/bin/prometheus; fi
}

_install_prometheus() {
    [ -x /usr/bin/prometheus ] && return 0  # another run installed it while we waited for the lock
    echo "services: installing prometheus (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus
    # The package starts a system Prometheus on :9090 where systemd runs; the tests start
    # their own on free ports, so stop it if it is there (never fatal in containers).
    if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
}

_find_mlflow() {
    if [ -n "${MLFLOW_BIN:-}" ] && [ -x "$MLFLOW_BIN" ]; then echo "$MLFLOW_BIN"; return; fi
    if command -v mlflow >/dev/null 2>&1; then command -v mlflow; return; fi
    if [ -x "$MLFLOW_VENV/bin/mlflow" ]; then echo "$MLFLOW_VENV/bin/mlflow"; fi
}

_build_mlflow_venv() {
    # $1: where; creates it only if nothing is there (never replaces an existing directory).
    local py=${PYTHON:-python3.11}
    command -v "$py" >/dev/null 2>&1 || py=python3
    "$py" -m venv "$1"
    "$1/bin/pip" install -q --upgrade pip
    "$1/bin/pip" install -q mlflow
}

_install_mlflow() {
    [ -x "$MLFLOW_VENV/bin/mlflow" ] && return 0  # another run finished it while we waited
    [ -e "$MLFLOW_VENV" ] && return 0             # present but broken: left alone (see below)
    echo "services: installing mlflow into $MLFLOW_VENV"
    _build_mlflow_venv "$MLFLOW_VENV"
}

PROMETHEUS_BIN=$(_find_prometheus)
if [ -z "$PROMETHEUS_BIN" ]; then
    _services_locked bash -c "$(declare -f _install_prometheus); _install_prometheus"
    PROMETHEUS_BIN=$(_find_prometheus)
fi

MLFLOW_BIN=$(_find_mlflow)
if [ -z "$MLFLOW_BIN" ]; then
    _services_locked bash -c "MLFLOW_VENV='$MLFLOW_VENV'; $(declare -f _build_mlflow_venv _install_mlflow); _install_mlflow"
    MLFLOW_BIN=$(_find_mlflow)
fi
if [ -z "$MLFLOW_BIN" ]; then
    # The shared virtualenv exists but is unusable: build this run's own, in a directory of its own.
    _services_run_dir=$(mktemp -d "${TMPDIR:-/tmp}/drillconsole-mlflow.XXXXXX")
    echo "services: $MLFLOW_VENV is unusable; installing mlflow into $_services_run_dir/venv for this run"
    _build_mlflow_venv "$_services_run_dir/venv"
    MLFLOW_BIN="$_services_run_dir/venv/bin/mlflow"
fi

# Team drills: a real nats-server (JetStream) for tests/team/test_nats.py, tmux for the two-console end-to-end test.
_team_missing=""
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || _team_missing="$_team_missing nats-server"
command -v tmux >/dev/null 2>&1 || _team_missing="$_team_missing tmux"
if [ -n "$_team_missing" ]; then
    echo "services: installing$_team_missing (Debian)"
    # shellcheck disable=SC2086
    _services_locked bash -c "DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $_team_missing"
    # The package starts a system nats-server where systemd runs; the tests start their own on free ports.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl stop nats-server >/dev/null 2>&1 || true
    fi
fi
unset _team_missing
NATS_SERVER_BIN=$(command -v nats-server || echo /usr/sbin/nats-server)
export NATS_SERVER_BIN

# The browser test (tests/ui/test_browser.py): headless Chromium loads the console under textual serve.
if [ -z "${CHROMIUM_BIN:-}" ] && ! command -v chromium >/dev/null 2>&1; then
    echo "services: installing chromium (Debian)"
    _services_locked bash -c "DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium"
fi

export PROMETHEUS_BIN MLFLOW_BIN
echo "services: $("$PROMETHEUS_BIN" --version 2>&1 | head -n 1)"
echo "services: $("$MLFLOW_BIN" --version 2>&1 | tail -n 1)"
echo "services: $("$NATS_SERVER_BIN" --version 2>&1 | head -n 1), $(tmux -V)"
unset -f _services_locked _find_prometheus _install_prometheus _find_mlflow _build_mlflow_venv _install_mlflow
