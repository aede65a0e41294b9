"""The suite's emulator (reset for each test) with the official SDK pointed at it."""

from __future__ import annotations

import openai
import pytest
from pydantic import BaseModel

from testing.emulator import UPSTREAM_KEY, Emulator

__all__ = ["API_KEY", "Emulator", "assert_complete"]

API_KEY = UPSTREAM_KEY  # the suite's emulator (tests/conftest.py) accepts this key


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
