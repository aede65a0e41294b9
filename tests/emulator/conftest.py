"""A fresh emulator served over real HTTP for each test, with clients for both of its APIs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
import requests
from pydantic import BaseModel

from emulator import EmulatorConfig, create_app
from testing.emulator import Emulator as EmulatorControl
from testing.servers import serve_in_thread

API_KEY = "sk-test-emulator-key"
API_HEADERS = {"Authorization": f"Bearer {API_KEY}", "OpenAI-Beta": "chatkit_beta=v1"}


class Emulator(EmulatorControl):
    """The control API, plus the emulated API called with valid credentials."""

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the emulated API with valid credentials unless ``headers`` says otherwise."""
        kwargs.setdefault("headers", API_HEADERS)
        kwargs.setdefault("timeout", 10)
        return requests.request(method, f"{self.api_url}{path}", **kwargs)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with serve_in_thread(create_app(EmulatorConfig(api_key=API_KEY))) as server:
        emulator = Emulator(server.url)
        yield emulator
        emulator.close()


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    """The shared emulator, reset to a fresh state (a server per test is slow to stop)."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def sdk(emulator: Emulator) -> openai.OpenAI:
    return openai.OpenAI(api_key=API_KEY, base_url=emulator.api_url, max_retries=0)


def assert_complete(value: object, where: str = "response") -> None:
    """Every field of every parsed model was present on the wire, and nothing else was."""
    if isinstance(value, BaseModel):
        declared = set(type(value).model_fields)
        missing = declared - value.model_fields_set
        assert not missing, f"{where} ({type(value).__name__}) lacks {sorted(missing)}"
        assert not value.model_extra, f"{where} has undeclared fields {value.model_extra}"
        for name in declared:
            assert_complete(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            assert_complete(entry, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, entry in value.items():
            assert_complete(entry, f"{where}.{key}")
