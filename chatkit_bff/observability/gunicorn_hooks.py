"""gunicorn server hooks: metrics across workers, the metrics port, JSON logging."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def ensure_multiproc_dir() -> str:
    """Workers need one shared folder for their metric files; make a private one if unset."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="chatkit-bff-metrics-")
        os.environ[MULTIPROC_ENV] = path
    Path(path).mkdir(parents=True, exist_ok=True)
    return path


def on_starting(server: Any) -> None:
    """A new master starts from zero: the files of a previous run's workers go."""
    for stale in Path(ensure_multiproc_dir()).glob("*.db"):
        stale.unlink(missing_ok=True)


def when_ready(server: Any) -> None:
    """With METRICS_PORT (`port` or `host:port`), the master serves /metrics there, no token."""
    raw = os.environ.get("METRICS_PORT", "").strip()
    if not raw:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    host, _, port = raw.rpartition(":")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(int(port), addr=host or "0.0.0.0", registry=registry)  # noqa: S104
    server.log.info("metrics on %s:%s/metrics", host or "0.0.0.0", port)  # noqa: S104


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges must not be summed any more (its counters stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def json_logs() -> bool:
    return os.environ.get("LOG_FORMAT", "").strip().lower() == "json"


_JSON = {"()": "chatkit_bff.observability.logs.JsonFormatter"}
#: gunicorn's own lines as JSON too (its access log is off: the app writes one per request).
JSON_LOG_CONFIG: dict[str, Any] = {
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # The app's own access line (with route and request id) replaces gunicorn's.
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "formatters": {"json": _JSON},
}
