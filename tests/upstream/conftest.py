"""A ChatKit API emulator over real HTTP, reset for every test, and clients pointed at it.

One server is shared by the whole session (starting and stopping one per test costs half a
second each); `POST /_emulator/reset` gives every test a fresh state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from chatkit_bff.upstream import ChatKitClient, ClientConfig
from emulator.app import create_app
from emulator.config import EmulatorConfig
from tests.support.servers import serve_in_thread

API_KEY = "sk-upstream-client-test-key-0123456789"
WORKFLOW_ID = "wf_upstream_client_tests"


class Emulator:
    """Drives the emulator through its control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api_url = f"{url}/v1"
        self._http = requests.Session()

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, f"{self.url}/_emulator{path}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self._send("POST", "/reset")

    def seed_thread(self, user: str, **fields: Any) -> dict[str, Any]:
        thread: dict[str, Any] = self._send("POST", "/threads", {"user": user, **fields})
        return thread

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._send("GET", "/requests")["requests"]
        return entries

    def requests_once_settled(self, expected: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The request log once it holds `expected` calls (delayed calls log when they end)."""
        deadline = time.monotonic() + timeout
        entries = self.requests()
        while len(entries) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            entries = self.requests()
        return entries

    def clear_requests(self) -> None:
        self._send("DELETE", "/requests")

    def script_faults(self, *faults: dict[str, Any]) -> None:
        self._send("PUT", "/faults", {"scripted": list(faults)})

    def shift_clock(self, seconds: int) -> None:
        self._send("PUT", "/clock", {"offset_seconds": seconds})

    def sessions(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._send("GET", "/sessions")["sessions"]
        return entries

    def close(self) -> None:
        self._http.close()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with serve_in_thread(create_app(EmulatorConfig(api_key=API_KEY))) as live:
        control = Emulator(live.url)
        yield control
        control.close()


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    """The emulator, reset: no sessions, threads, logged calls, faults or clock shift."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def sleeps() -> list[float]:
    """Waits the client asked for between attempts, recorded instead of slept."""
    return []


MakeClient = Callable[..., ChatKitClient]


@pytest.fixture
def make_client(emulator: Emulator, sleeps: list[float]) -> Iterator[MakeClient]:
    """Builds clients on the emulator; keyword arguments override `ClientConfig` fields."""
    clients: list[ChatKitClient] = []

    def build(**overrides: Any) -> ChatKitClient:
        settings: dict[str, Any] = {"api_key": API_KEY, "base_url": emulator.api_url}
        settings.update(overrides)
        client = ChatKitClient(ClientConfig(**settings), sleep=sleeps.append)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> ChatKitClient:
    return make_client()
