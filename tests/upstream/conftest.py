"""A ChatKit API emulator over real HTTP, reset for every test, and clients pointed at it.

One server is shared by the whole session (starting and stopping one per test costs half a
second each); `POST /_emulator/reset` gives every test a fresh state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chatkit_bff.upstream import ChatKitClient, ClientConfig
from emulator.app import create_app
from emulator.config import EmulatorConfig
from tests.support.emulator import Emulator
from tests.support.servers import serve_in_thread

API_KEY = "sk-upstream-client-test-key-0123456789"
WORKFLOW_ID = "wf_upstream_client_tests"


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
