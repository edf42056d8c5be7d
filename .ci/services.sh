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
echo "services: $("$PROMETHEUS_BIN" --version 2>&1 | head -n 1)"
echo "services: mlflow $("$MLFLOW_VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)')"
