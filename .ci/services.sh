# Sourced by .ci/run (under `set -euo pipefail`, as root): installs the real services
# the integration suite starts itself — Prometheus from Debian, MLflow from PyPI.
# MLflow lives in its own virtualenv so its dependency pins never fight drillconsole's.

MLFLOW_VENV=${MLFLOW_VENV:-/opt/mlflow-venv}

if [ ! -x /usr/bin/prometheus ]; then
    echo "services: installing prometheus (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends prometheus
    # The Debian package starts a system Prometheus on :9090 where systemd runs; the tests
    # start their own on free ports, so stop it if it is there (never fatal in containers).
    if command -v systemctl >/dev/null 2>&1; then
        systemctl stop prometheus >/dev/null 2>&1 || true
    fi
fi

# Team drills: a real nats-server (JetStream) for tests/team/test_nats.py, tmux for the two-console end-to-end test.
_team_missing=""
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || _team_missing="$_team_missing nats-server"
command -v tmux >/dev/null 2>&1 || _team_missing="$_team_missing tmux"
if [ -n "$_team_missing" ]; then
    echo "services: installing$_team_missing (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $_team_missing
    # The package starts a system nats-server where systemd runs; the tests start their own on free ports.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl stop nats-server >/dev/null 2>&1 || true
    fi
fi
unset _team_missing

if [ ! -x "$MLFLOW_VENV/bin/mlflow" ]; then
    echo "services: installing mlflow into $MLFLOW_VENV"
    _mlflow_py=${PYTHON:-python3.11}
    command -v "$_mlflow_py" >/dev/null 2>&1 || _mlflow_py=python3
    rm -rf "$MLFLOW_VENV"
    "$_mlflow_py" -m venv "$MLFLOW_VENV"
    "$MLFLOW_VENV/bin/pip" install -q --upgrade pip
    "$MLFLOW_VENV/bin/pip" install -q mlflow
    unset _mlflow_py
fi

export PROMETHEUS_BIN=/usr/bin/prometheus
export MLFLOW_BIN="$MLFLOW_VENV/bin/mlflow"
NATS_SERVER_BIN=$(command -v nats-server || echo /usr/sbin/nats-server)
export NATS_SERVER_BIN
echo "services: $("$PROMETHEUS_BIN" --version 2>&1 | head -n 1)"
echo "services: $("$NATS_SERVER_BIN" --version 2>&1 | head -n 1), $(tmux -V)"
echo "services: mlflow $("$MLFLOW_VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)')"
