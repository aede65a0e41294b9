"""The app under gunicorn with the production config, and the emulator, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from testing.emulator import UPSTREAM_KEY, Emulator
from testing.http_sign_in import dev_signed_in
from testing.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def _process(args: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(port, timeout=30)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@contextmanager
def emulator_process(log: Path) -> Iterator[Emulator]:
    """The emulator in its own process (its injected latency then costs the tests nothing)."""
    port = free_port()
    args = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(port)]
    with _process(args, {"EMULATOR_API_KEY": UPSTREAM_KEY}, port, log):
        control = Emulator(f"http://127.0.0.1:{port}")
        try:
            yield control
        finally:
            control.close()


@dataclass
class GunicornApp:
    url: str
    access_log: Path

    def signed_in(self, user: str = "grace") -> requests.Session:
        """A browser-like session signed in through the demo sign-in."""
        return dev_signed_in(self.url, user)


@contextmanager
def gunicorn_app(
    tmp: Path, *, redis_url: str, api_url: str, env: dict[str, str] | None = None
) -> Iterator[GunicornApp]:
    """`gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`, as in production (gthread)."""
    port = free_port()
    access_log = tmp / "access.log"
    settings = {
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "8",
        "ACCESS_LOG": str(access_log),
        "APP_ENV": "development",
        "SECRET_KEY": "gunicorn-test-secret-key-5d0f2b8e9a1c4e7f",
        "OPENAI_API_KEY": UPSTREAM_KEY,
        "CHATKIT_API_BASE": api_url,
        "CHATKIT_WORKFLOW_ID": "wf_gunicorn_tests",
        "REDIS_URL": redis_url,
        "OIDC_ISSUER": "",
        **(env or {}),
    }
    args = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]
    with _process(args, settings, port, tmp / "gunicorn.log"):
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url)
        yield GunicornApp(url, access_log)


def _wait_until_serving(url: str, timeout: float = 90.0) -> None:
    """The master listens before its workers have loaded the app; wait for both workers."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=timeout).status_code == 200:
                answered += 1
                if answered >= 4:
                    return
                continue
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer /healthz within {timeout:g} s")
