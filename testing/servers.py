"""Run WSGI apps and Redis for real on loopback, for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LiveServer:
    """A WSGI app served over real HTTP from a background thread."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextmanager
def serve_in_thread(app: Any, port: int = 0) -> Iterator[LiveServer]:
    """Serve ``app`` on 127.0.0.1 (a free port by default) until the block ends."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    live = LiveServer(server, thread)
    try:
        yield live
    finally:
        live.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@contextmanager
def redis_server() -> Iterator[str]:
    """Start a private, throwaway redis-server; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bff-redis-") as data_dir:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                data_dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def gunicorn_app(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 2,
    worker_class: str = "sync",
    port: int | None = None,
) -> Iterator[str]:
    """The app under gunicorn with the production config (deploy/gunicorn.conf.py), on a free
    port unless given; its output goes to `log_path`. Yields the base URL."""
    port = port or free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--worker-class",
                worker_class,
                # More than one thread would turn sync workers into gthread ones.
                *(["--threads", "1"] if worker_class == "sync" else []),
                "app:create_app()",
            ],
            env={**os.environ, **env, "BIND": f"127.0.0.1:{port}"},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, timeout=60)  # a loaded machine boots workers slowly
            wait_for_app(f"http://127.0.0.1:{port}", timeout=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def wait_for_app(url: str, timeout: float = 30.0) -> None:
    """Until the app answers /healthz: a listening socket may still wait for a booting worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "/healthz", timeout=5).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer /healthz within {timeout}s")
