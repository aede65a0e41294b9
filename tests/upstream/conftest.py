"""ChatKit clients pointed at the suite's live emulator (reset for every test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chatkit_bff.upstream import ChatKitClient, ClientConfig
from testing.emulator import UPSTREAM_KEY, Emulator

API_KEY = UPSTREAM_KEY
WORKFLOW_ID = "wf_upstream_client_tests"


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
