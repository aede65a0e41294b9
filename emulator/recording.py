"""The log of calls made to the emulated API, for tests to inspect."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TypedDict


class RecordedRequest(TypedDict):
    method: str
    path: str
    query: dict[str, str]
    json: object
    status: int
    headers: dict[str, str]


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def redacted_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lowercase name with the API key hidden, so logs can be shown and asserted."""
    shown = {name.lower(): value for name, value in headers}
    if "authorization" in shown:
        scheme = shown["authorization"].split(" ", 1)[0]
        shown["authorization"] = "Bearer ***" if scheme.lower() == "bearer" else "***"
    return shown
