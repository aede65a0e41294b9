"""panva's certified oidc-provider (npm), run by node on loopback for the test suite.

``scripts/test`` installs it from the committed ``package-lock.json`` (``npm ci``);
``running_panva()`` starts ``server.mjs`` on a free port and drives its ``/_test/`` controls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import requests

from testing.oidc_provider import ProviderUser

HERE = Path(__file__).resolve().parent
START_TIMEOUT_SECONDS = 60


class PanvaProvider:
    """The running node process and its test controls."""

    def __init__(self, process: subprocess.Popen[str], issuer: str) -> None:
        self.process = process
        self.issuer = issuer
        self._http = requests.Session()
        self.log: list[str] = []

    def _send(self, method: str, path: str, body: Any = None) -> None:
        response = self._http.request(method, f"{self.issuer}/_test{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text

    def reset(self) -> None:
        self._send("POST", "/reset")

    def set_users(self, users: Iterable[ProviderUser]) -> None:
        self._send("PUT", "/users", [asdict(user) for user in users])

    def register_client(self, client_id: str, metadata: dict[str, Any]) -> None:
        self._send("PUT", f"/clients/{client_id}", metadata)

    def set_faults(
        self, *, userinfo_status: int | None = None, userinfo_sub: str | None = None
    ) -> None:
        self._send(
            "PUT", "/faults", {"userinfo_status": userinfo_status, "userinfo_sub": userinfo_sub}
        )

    def close(self) -> None:
        self._http.close()


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line.rstrip())


@contextmanager
def running_panva(extra_claims: Iterable[str] = ()) -> Iterator[PanvaProvider]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("panva's provider is not installed: run ./scripts/test (npm ci)")
    env = {**os.environ, "EXTRA_CLAIMS": ",".join(extra_claims), "NODE_NO_WARNINGS": "1"}
    process = subprocess.Popen(
        [node, str(HERE / "server.mjs")],
        cwd=HERE,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.stdout, process.stderr
        assert stdout is not None
        assert stderr is not None
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        if not first or not first[0]:
            process.kill()
            raise RuntimeError("panva's provider did not start: " + stderr.read()[:2000])
        provider = PanvaProvider(process, json.loads(first[0])["issuer"])
        threading.Thread(target=_drain, args=(stderr, provider.log), daemon=True).start()
        yield provider
        provider.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
