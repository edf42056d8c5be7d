"""`drillconsole sandbox`: a small model-serving service on loopback for drills against real services."""

from __future__ import annotations

from drillconsole.sandbox.service import Sandbox

__all__ = ["Sandbox", "serve"]


def serve(*, port: int, mlflow: str | None, model: str, alias: str, fixed_version: str | None) -> int:
    """Run a sandbox in the foreground until Ctrl-C or SIGTERM; returns the exit code."""
    import signal
    import sys
    import threading

    try:
        import prometheus_client  # noqa: F401 - checked here for a one-line error instead of a traceback
    except ImportError:
        print("drillconsole: the sandbox needs prometheus-client (pip install prometheus-client)", file=sys.stderr)
        return 2
    try:
        sandbox = Sandbox(port=port, mlflow=mlflow, model=model, alias=alias, fixed_version=fixed_version)
    except OSError as exc:
        print(f"drillconsole: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    sandbox.start()
    source = f"alias {alias} of {model} in MLflow {mlflow}" if mlflow else f"fixed version v{fixed_version}"
    print(f"sandbox: serving {source} on {sandbox.url} (metrics at {sandbox.url}/metrics)", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0
